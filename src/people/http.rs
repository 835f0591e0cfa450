//! The API for person accounts, their roles, and teams.

use super::persons::{self, PersonInput};
use super::teams::{self, TeamInput};
use super::{Person, Team, store};
use crate::AppState;
use crate::auth::{Grant, Principal, Role};
use crate::error::{ApiResult, Json, Path, Query};
use crate::ids::{PersonId, SiteId, TeamId};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_persons, create_person))
        .routes(routes!(get_person, update_person))
        .routes(routes!(grant_role))
        .routes(routes!(revoke_role))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(update_team))
}

#[derive(Deserialize, IntoParams)]
pub struct PersonFilter {
    /// Only persons with a role on this site.
    site_id: Option<SiteId>,
}

/// The persons the caller manages (administrators: everyone; directors: those with a role on
/// their sites).
#[utoipa::path(get, path = "/api/v1/persons", tag = "people", params(PersonFilter),
    responses((status = 200, body = [Person]), (status = 403)))]
async fn list_persons(
    State(st): State<AppState>,
    who: Principal,
    Query(f): Query<PersonFilter>,
) -> ApiResult<Json<Vec<Person>>> {
    Ok(Json(persons::list(&st, &who, f.site_id).await?))
}

/// Creates an account with its first roles on one site (directors of that site; only
/// administrators appoint directors).
#[utoipa::path(post, path = "/api/v1/persons", tag = "people", request_body = PersonInput,
    responses((status = 201, body = Person), (status = 403), (status = 422, description = "invalid fields, or e-mail / member number taken")))]
async fn create_person(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<PersonInput>,
) -> ApiResult<(StatusCode, Json<Person>)> {
    let p = persons::create(&st, &who, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// One person (themselves, their directors, administrators).
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Person), (status = 403), (status = 404)))]
async fn get_person(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PersonId>,
) -> ApiResult<Json<Person>> {
    Ok(Json(persons::visible(&st, &who, id).await?))
}

/// Changes a person's details, resets their password, or deactivates the account.
#[utoipa::path(patch, path = "/api/v1/persons/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonInput,
    responses((status = 200, body = Person), (status = 403), (status = 422)))]
async fn update_person(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PersonId>,
    Json(input): Json<PersonInput>,
) -> ApiResult<Json<Person>> {
    Ok(Json(persons::update(&st, &who, id, input).await?))
}

/// Grants a role on a site.
#[utoipa::path(post, path = "/api/v1/persons/{id}/roles", tag = "people", params(("id" = i64, Path)), request_body = Grant,
    responses((status = 200, body = Person), (status = 403)))]
async fn grant_role(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PersonId>,
    Json(g): Json<Grant>,
) -> ApiResult<Json<Person>> {
    Ok(Json(persons::grant_role(&st, &who, id, g).await?))
}

/// Takes a role back.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/roles/{site_id}/{role}", tag = "people",
    params(("id" = i64, Path), ("site_id" = i64, Path), ("role" = Role, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn revoke_role(
    State(st): State<AppState>,
    who: Principal,
    Path((id, site_id, role)): Path<(PersonId, SiteId, Role)>,
) -> ApiResult<StatusCode> {
    persons::revoke_role(&st, &who, id, Grant { site_id, role }).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- teams

/// The site's teams (anyone with a role on the site).
#[utoipa::path(get, path = "/api/v1/sites/{id}/teams", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = [Team]), (status = 403)))]
async fn list_teams(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
) -> ApiResult<Json<Vec<Team>>> {
    who.require(site_id, &Role::ALL)?;
    Ok(Json(store::teams(&st.db, site_id).await?))
}

/// Forms a team (the site's directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/teams", tag = "people", params(("id" = i64, Path)), request_body = TeamInput,
    responses((status = 201, body = Team), (status = 403), (status = 422)))]
async fn create_team(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
    Json(input): Json<TeamInput>,
) -> ApiResult<(StatusCode, Json<Team>)> {
    who.require_director(site_id)?;
    let team = teams::create(&st, site_id, input).await?;
    Ok((StatusCode::CREATED, Json(team)))
}

/// Renames a team, changes its leader, or deactivates it (the site's directors).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "people", params(("id" = i64, Path)), request_body = TeamInput,
    responses((status = 200, body = Team), (status = 403)))]
async fn update_team(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TeamId>,
    Json(input): Json<TeamInput>,
) -> ApiResult<Json<Team>> {
    let t = store::team(&st.db, id).await?;
    who.require_director(t.site_id)?;
    Ok(Json(teams::update(&st, t, input).await?))
}
