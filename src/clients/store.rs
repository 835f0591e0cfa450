//! SQL for client companies and their projects.

use super::{Client, Project};
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult};
use crate::ids::{ClientId, ProjectId, SiteId, SpaceId};

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: ClientId,
    site_id: SiteId,
    name: String,
    active: i64,
}

impl From<ClientRow> for Client {
    fn from(r: ClientRow) -> Self {
        Client {
            id: r.id,
            site_id: r.site_id,
            name: r.name,
            active: r.active != 0,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: ProjectId,
    client_id: ClientId,
    name: String,
    secure_room_id: Option<SpaceId>,
    active: i64,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: r.id,
            client_id: r.client_id,
            name: r.name,
            secure_room_id: r.secure_room_id,
            active: r.active != 0,
        }
    }
}

const CLIENT: &str = "SELECT id, site_id, name, active FROM client_companies";
const PROJECT: &str = "SELECT id, client_id, name, secure_room_id, active FROM client_projects";

/// One client company.
pub async fn client(db: &Db, id: ClientId) -> ApiResult<Client> {
    sqlx::query_as::<_, ClientRow>(&format!("{CLIENT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(Into::into)
        .ok_or_else(|| ApiError::not_found("取引先", "Client"))
}

/// The site's client companies, by name.
pub async fn clients(db: &Db, site_id: SiteId) -> sqlx::Result<Vec<Client>> {
    let rows: Vec<ClientRow> =
        sqlx::query_as(&format!("{CLIENT} WHERE site_id = $1 ORDER BY name"))
            .bind(site_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Inserts or updates a client company (id 0 inserts); answers its id.
pub async fn save_client(tx: &mut Tx, c: &Client) -> sqlx::Result<ClientId> {
    if c.id.0 == 0 {
        sqlx::query_scalar(
            "INSERT INTO client_companies (site_id, name, active) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(c.site_id)
        .bind(&c.name)
        .bind(i64::from(c.active))
        .fetch_one(&mut **tx)
        .await
    } else {
        sqlx::query_scalar(
            "UPDATE client_companies SET name = $1, active = $2 WHERE id = $3 RETURNING id",
        )
        .bind(&c.name)
        .bind(i64::from(c.active))
        .bind(c.id)
        .fetch_one(&mut **tx)
        .await
    }
}

/// One project.
pub async fn project(db: &Db, id: ProjectId) -> ApiResult<Project> {
    sqlx::query_as::<_, ProjectRow>(&format!("{PROJECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(Into::into)
        .ok_or_else(|| ApiError::not_found("案件", "Project"))
}

/// A client's projects, by name.
pub async fn projects(db: &Db, client_id: ClientId) -> sqlx::Result<Vec<Project>> {
    let rows: Vec<ProjectRow> =
        sqlx::query_as(&format!("{PROJECT} WHERE client_id = $1 ORDER BY name"))
            .bind(client_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The projects of every client of the site, by name.
pub async fn site_projects(db: &Db, site_id: SiteId) -> sqlx::Result<Vec<Project>> {
    let rows: Vec<ProjectRow> = sqlx::query_as(&format!(
        "{PROJECT} WHERE client_id IN (SELECT id FROM client_companies WHERE site_id = $1)
         ORDER BY name"
    ))
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Inserts or updates a project (id 0 inserts); answers its id.
pub async fn save_project(tx: &mut Tx, p: &Project) -> sqlx::Result<ProjectId> {
    if p.id.0 == 0 {
        sqlx::query_scalar(
            "INSERT INTO client_projects (client_id, name, secure_room_id, active)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(p.client_id)
        .bind(&p.name)
        .bind(p.secure_room_id)
        .bind(i64::from(p.active))
        .fetch_one(&mut **tx)
        .await
    } else {
        sqlx::query_scalar(
            "UPDATE client_projects SET name = $1, secure_room_id = $2, active = $3
             WHERE id = $4 RETURNING id",
        )
        .bind(&p.name)
        .bind(p.secure_room_id)
        .bind(i64::from(p.active))
        .bind(p.id)
        .fetch_one(&mut **tx)
        .await
    }
}
