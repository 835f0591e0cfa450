//! Client companies and their projects at a site (a project may work in a secure room).
//! Small enough for one file: the rosters and NDAs that guard secure rooms come with access/.

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Json, Path, Text, Validator, on_constraint, taken};
use crate::sites::{self, SpaceKind};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_clients, create_client))
        .routes(routes!(update_client))
        .routes(routes!(list_projects, create_project))
        .routes(routes!(update_project))
}

/// A client company that gives work to the site's teams.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Client {
    pub id: i64,
    pub site_id: i64,
    pub name: String,
    pub active: bool,
}

/// A client's project, with the secure room it works in, if any.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Project {
    pub id: i64,
    pub client_id: i64,
    pub name: String,
    pub secure_room_id: Option<i64>,
    pub active: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    name: Option<String>,
    active: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    name: Option<String>,
    secure_room_id: Option<i64>,
    active: Option<bool>,
}

fn client(r: &AnyRow) -> Client {
    Client {
        id: r.get("id"),
        site_id: r.get("site_id"),
        name: r.get("name"),
        active: r.get::<i64, _>("active") != 0,
    }
}

fn project(r: &AnyRow) -> Project {
    Project {
        id: r.get("id"),
        client_id: r.get("client_id"),
        name: r.get("name"),
        secure_room_id: r.get("secure_room_id"),
        active: r.get::<i64, _>("active") != 0,
    }
}

async fn client_by_id(st: &AppState, id: i64) -> ApiResult<Client> {
    sqlx::query("SELECT * FROM client_companies WHERE id = $1")
        .bind(id)
        .fetch_optional(&st.db.pool)
        .await?
        .map(|r| client(&r))
        .ok_or_else(|| ApiError::not_found("取引先", "Client"))
}

async fn project_by_id(st: &AppState, id: i64) -> ApiResult<Project> {
    sqlx::query("SELECT * FROM client_projects WHERE id = $1")
        .bind(id)
        .fetch_optional(&st.db.pool)
        .await?
        .map(|r| project(&r))
        .ok_or_else(|| ApiError::not_found("案件", "Project"))
}

/// The site's client companies (its directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/clients", tag = "clients", params(("id" = i64, Path)),
    responses((status = 200, body = [Client]), (status = 403)))]
async fn list_clients(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
) -> ApiResult<Json<Vec<Client>>> {
    who.require_director(site_id)?;
    let rows = sqlx::query("SELECT * FROM client_companies WHERE site_id = $1 ORDER BY name")
        .bind(site_id)
        .fetch_all(&st.db.pool)
        .await?;
    Ok(Json(rows.iter().map(client).collect()))
}

async fn save_client(st: &AppState, mut c: Client, input: ClientInput) -> ApiResult<Client> {
    c.name = input.name.unwrap_or(c.name).trim().to_string();
    c.active = input.active.unwrap_or(c.active);
    let mut v = Validator::new();
    v.text("name", &c.name, 1, 100);
    v.finish()?;
    let mut tx = st.db.begin().await?;
    let id: i64 = if c.id == 0 {
        sqlx::query_scalar(
            "INSERT INTO client_companies (site_id, name, active) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(c.site_id)
        .bind(&c.name)
        .bind(i64::from(c.active))
        .fetch_one(&mut *tx)
        .await
    } else {
        sqlx::query_scalar(
            "UPDATE client_companies SET name = $1, active = $2 WHERE id = $3 RETURNING id",
        )
        .bind(&c.name)
        .bind(i64::from(c.active))
        .bind(c.id)
        .fetch_one(&mut *tx)
        .await
    }
    .map_err(|e| {
        on_constraint(e, |k| {
            (k == "client_companies_site_id_name_key")
                .then(|| taken("name", "取引先名", "client name"))
        })
    })?;
    tx.commit().await?;
    client_by_id(st, id).await
}

/// Adds a client company (the site's directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/clients", tag = "clients", params(("id" = i64, Path)), request_body = ClientInput,
    responses((status = 201, body = Client), (status = 403), (status = 422)))]
async fn create_client(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Json(input): Json<ClientInput>,
) -> ApiResult<(StatusCode, Json<Client>)> {
    who.require_director(site_id)?;
    sites::store::get(&st.db, site_id).await?;
    let blank = Client {
        id: 0,
        site_id,
        name: String::new(),
        active: true,
    };
    Ok((
        StatusCode::CREATED,
        Json(save_client(&st, blank, input).await?),
    ))
}

/// Renames or deactivates a client company (the site's directors).
#[utoipa::path(patch, path = "/api/v1/clients/{id}", tag = "clients", params(("id" = i64, Path)), request_body = ClientInput,
    responses((status = 200, body = Client), (status = 403)))]
async fn update_client(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<ClientInput>,
) -> ApiResult<Json<Client>> {
    let c = client_by_id(&st, id).await?;
    who.require_director(c.site_id)?;
    Ok(Json(save_client(&st, c, input).await?))
}

/// A client's projects (the site's directors).
#[utoipa::path(get, path = "/api/v1/clients/{id}/projects", tag = "clients", params(("id" = i64, Path)),
    responses((status = 200, body = [Project]), (status = 403)))]
async fn list_projects(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Project>>> {
    let c = client_by_id(&st, id).await?;
    who.require_director(c.site_id)?;
    let rows = sqlx::query("SELECT * FROM client_projects WHERE client_id = $1 ORDER BY name")
        .bind(id)
        .fetch_all(&st.db.pool)
        .await?;
    Ok(Json(rows.iter().map(project).collect()))
}

async fn save_project(
    st: &AppState,
    site_id: i64,
    mut p: Project,
    input: ProjectInput,
) -> ApiResult<Project> {
    p.name = input.name.unwrap_or(p.name).trim().to_string();
    p.secure_room_id = input.secure_room_id.or(p.secure_room_id);
    p.active = input.active.unwrap_or(p.active);
    let mut v = Validator::new();
    v.text("name", &p.name, 1, 100);
    if let Some(room) = p.secure_room_id {
        let ok = sites::store::space_by_id(&st.db, room)
            .await
            .is_ok_and(|s| s.site_id == site_id && s.kind == SpaceKind::SecureRoom);
        v.check(
            ok,
            "secure_room_id",
            "project.bad_room",
            Text::new(
                "この拠点のセキュアルームを選んでください。",
                "Choose a secure room of this site.",
            ),
        );
    }
    v.finish()?;
    let mut tx = st.db.begin().await?;
    let id: i64 = if p.id == 0 {
        sqlx::query_scalar(
            "INSERT INTO client_projects (client_id, name, secure_room_id, active) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(p.client_id)
        .bind(&p.name)
        .bind(p.secure_room_id)
        .bind(i64::from(p.active))
        .fetch_one(&mut *tx)
        .await
    } else {
        sqlx::query_scalar("UPDATE client_projects SET name = $1, secure_room_id = $2, active = $3 WHERE id = $4 RETURNING id")
            .bind(&p.name)
            .bind(p.secure_room_id)
            .bind(i64::from(p.active))
            .bind(p.id)
            .fetch_one(&mut *tx)
            .await
    }
    .map_err(|e| on_constraint(e, |k| (k == "client_projects_client_id_name_key").then(|| taken("name", "案件名", "project name"))))?;
    tx.commit().await?;
    project_by_id(st, id).await
}

/// Adds a project to a client (the site's directors).
#[utoipa::path(post, path = "/api/v1/clients/{id}/projects", tag = "clients", params(("id" = i64, Path)), request_body = ProjectInput,
    responses((status = 201, body = Project), (status = 403), (status = 422)))]
async fn create_project(
    State(st): State<AppState>,
    who: Principal,
    Path(client_id): Path<i64>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let c = client_by_id(&st, client_id).await?;
    who.require_director(c.site_id)?;
    let blank = Project {
        id: 0,
        client_id,
        name: String::new(),
        secure_room_id: None,
        active: true,
    };
    Ok((
        StatusCode::CREATED,
        Json(save_project(&st, c.site_id, blank, input).await?),
    ))
}

/// Changes or deactivates a project (the site's directors).
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "clients", params(("id" = i64, Path)), request_body = ProjectInput,
    responses((status = 200, body = Project), (status = 403)))]
async fn update_project(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<ProjectInput>,
) -> ApiResult<Json<Project>> {
    let p = project_by_id(&st, id).await?;
    let c = client_by_id(&st, p.client_id).await?;
    who.require_director(c.site_id)?;
    Ok(Json(save_project(&st, c.site_id, p, input).await?))
}
