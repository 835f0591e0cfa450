//! The API for client companies and their projects (the site's directors).

use super::{Client, ClientInput, Project, ProjectInput, store};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, Json, Path, Query};
use crate::ids::{ClientId, ProjectId, SiteId};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(search_clients))
        .routes(routes!(update_client))
        .routes(routes!(list_projects, create_project))
        .routes(routes!(update_project))
}

/// The site's client companies (its directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/clients", tag = "clients", params(("id" = i64, Path)),
    responses((status = 200, body = [Client]), (status = 403)))]
async fn list_clients(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
) -> ApiResult<Json<Vec<Client>>> {
    who.require_director(site_id)?;
    Ok(Json(store::clients(&st.db, site_id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ClientSearch {
    /// Words each found in the client's name or one of its projects' names (any case, any
    /// width).
    q: Option<String>,
    /// How many matches to skip (default 0).
    offset: Option<u32>,
    /// How many to answer, 1 to 200 (default 50); more is refused with 422.
    limit: Option<u32>,
}

/// Searches the site's client companies, with their projects, a page at a time (its
/// directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/clients/search", tag = "clients",
    params(("id" = i64, Path), ClientSearch),
    responses((status = 200, body = super::ClientPage), (status = 403), (status = 422, description = "limit over 200, q over 200 characters")))]
async fn search_clients(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
    Query(f): Query<ClientSearch>,
) -> ApiResult<Json<super::ClientPage>> {
    who.require_director(site_id)?;
    let (q, offset, limit) = crate::error::search_page(f.q, f.offset, f.limit)?;
    Ok(Json(
        super::search(&st.db, site_id, &q, offset, limit).await?,
    ))
}

/// Adds a client company (the site's directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/clients", tag = "clients", params(("id" = i64, Path)), request_body = ClientInput,
    responses((status = 201, body = Client), (status = 403), (status = 422)))]
async fn create_client(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
    Json(input): Json<ClientInput>,
) -> ApiResult<(StatusCode, Json<Client>)> {
    who.require_director(site_id)?;
    let c = super::create_client(&st.db, site_id, input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Renames or deactivates a client company (the site's directors).
#[utoipa::path(patch, path = "/api/v1/clients/{id}", tag = "clients", params(("id" = i64, Path)), request_body = ClientInput,
    responses((status = 200, body = Client), (status = 403)))]
async fn update_client(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ClientId>,
    Json(input): Json<ClientInput>,
) -> ApiResult<Json<Client>> {
    let c = store::client(&st.db, id).await?;
    who.require_director(c.site_id)?;
    Ok(Json(super::save_client(&st.db, c, input).await?))
}

/// A client's projects (the site's directors).
#[utoipa::path(get, path = "/api/v1/clients/{id}/projects", tag = "clients", params(("id" = i64, Path)),
    responses((status = 200, body = [Project]), (status = 403)))]
async fn list_projects(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ClientId>,
) -> ApiResult<Json<Vec<Project>>> {
    let c = store::client(&st.db, id).await?;
    who.require_director(c.site_id)?;
    Ok(Json(store::projects(&st.db, id).await?))
}

/// Adds a project to a client (the site's directors).
#[utoipa::path(post, path = "/api/v1/clients/{id}/projects", tag = "clients", params(("id" = i64, Path)), request_body = ProjectInput,
    responses((status = 201, body = Project), (status = 403), (status = 422)))]
async fn create_project(
    State(st): State<AppState>,
    who: Principal,
    Path(client_id): Path<ClientId>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let c = store::client(&st.db, client_id).await?;
    who.require_director(c.site_id)?;
    let p = super::create_project(&st.db, &c, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Changes or deactivates a project (the site's directors).
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "clients", params(("id" = i64, Path)), request_body = ProjectInput,
    responses((status = 200, body = Project), (status = 403)))]
async fn update_project(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ProjectId>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<Json<Project>> {
    let p = store::project(&st.db, id).await?;
    let c = store::client(&st.db, p.client_id).await?;
    who.require_director(c.site_id)?;
    Ok(Json(
        super::save_project(&st.db, c.site_id, p, input).await?,
    ))
}
