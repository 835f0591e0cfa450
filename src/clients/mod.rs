//! Client companies and their projects at a site (a project may work in a secure room).
//! The rosters and NDAs that guard secure rooms come with access/.

pub mod errors;
pub mod http;
pub mod store;

pub use errors::ClientsError;
pub use http::router;

use crate::db::Db;
use crate::error::{ApiResult, Validator, on_constraint, taken};
use crate::ids::{ClientId, ProjectId, SiteId, SpaceId};
use crate::sites::{self, SpaceKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A client company that gives work to the site's teams.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Client {
    pub id: ClientId,
    pub site_id: SiteId,
    pub name: String,
    pub active: bool,
}

/// A client's project, with the secure room it works in, if any.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub client_id: ClientId,
    pub name: String,
    pub secure_room_id: Option<SpaceId>,
    pub active: bool,
}

/// A client's fields as a request gives them (all optional when changing).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    name: Option<String>,
    active: Option<bool>,
}

/// A project's fields as a request gives them (all optional when changing).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    name: Option<String>,
    secure_room_id: Option<SpaceId>,
    active: Option<bool>,
}

/// Adds a client company to the site.
pub async fn create_client(db: &Db, site_id: SiteId, input: ClientInput) -> ApiResult<Client> {
    sites::store::get(db, site_id).await?;
    let blank = Client {
        id: ClientId(0),
        site_id,
        name: String::new(),
        active: true,
    };
    save_client(db, blank, input).await
}

/// Renames or deactivates a client company.
pub async fn save_client(db: &Db, mut c: Client, input: ClientInput) -> ApiResult<Client> {
    c.name = input.name.unwrap_or(c.name).trim().to_string();
    c.active = input.active.unwrap_or(c.active);
    let mut v = Validator::new();
    v.text("name", &c.name, 1, 100);
    v.finish()?;
    let mut tx = db.begin().await?;
    let id = store::save_client(&mut tx, &c).await.map_err(|e| {
        on_constraint(e, |k| {
            (k == "client_companies_site_id_name_key")
                .then(|| taken("name", "取引先名", "client name"))
        })
    })?;
    tx.commit().await?;
    store::client(db, id).await
}

/// Adds a project to a client.
pub async fn create_project(db: &Db, c: &Client, input: ProjectInput) -> ApiResult<Project> {
    let blank = Project {
        id: ProjectId(0),
        client_id: c.id,
        name: String::new(),
        secure_room_id: None,
        active: true,
    };
    save_project(db, c.site_id, blank, input).await
}

/// Changes or deactivates a project; its secure room must be one of the site's.
pub async fn save_project(
    db: &Db,
    site_id: SiteId,
    mut p: Project,
    input: ProjectInput,
) -> ApiResult<Project> {
    p.name = input.name.unwrap_or(p.name).trim().to_string();
    p.secure_room_id = input.secure_room_id.or(p.secure_room_id);
    p.active = input.active.unwrap_or(p.active);
    let mut v = Validator::new();
    v.text("name", &p.name, 1, 100);
    if let Some(room) = p.secure_room_id {
        let ok = sites::store::space_by_id(db, room)
            .await
            .is_ok_and(|s| s.site_id == site_id && s.kind == SpaceKind::SecureRoom);
        if !ok {
            v.reject("secure_room_id", ClientsError::BadRoom);
        }
    }
    v.finish()?;
    let mut tx = db.begin().await?;
    let id = store::save_project(&mut tx, &p).await.map_err(|e| {
        on_constraint(e, |k| {
            (k == "client_projects_client_id_name_key")
                .then(|| taken("name", "案件名", "project name"))
        })
    })?;
    tx.commit().await?;
    store::project(db, id).await
}
