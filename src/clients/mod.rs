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

/// A client company with its projects, as a search finds it.
#[derive(Serialize, ToSchema)]
pub struct ClientWithProjects {
    #[serde(flatten)]
    pub client: Client,
    pub projects: Vec<Project>,
}

/// A page of client companies matching a search, and how many match in all.
#[derive(Serialize, ToSchema)]
pub struct ClientPage {
    pub total: usize,
    pub offset: usize,
    pub items: Vec<ClientWithProjects>,
}

/// Text as compared by a search: half-width ASCII, lower case.
fn folded(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// The site's clients whose name, or one of whose projects' names, holds every word of `q`;
/// by name, with their projects.
pub async fn search(
    db: &Db,
    site_id: SiteId,
    q: &str,
    offset: usize,
    limit: usize,
) -> ApiResult<ClientPage> {
    let words: Vec<String> = folded(q).split_whitespace().map(String::from).collect();
    let projects = store::site_projects(db, site_id).await?;
    let found: Vec<ClientWithProjects> = store::clients(db, site_id)
        .await?
        .into_iter()
        .map(|client| ClientWithProjects {
            projects: projects
                .iter()
                .filter(|p| p.client_id == client.id)
                .cloned()
                .collect(),
            client,
        })
        .filter(|c| {
            let hay = std::iter::once(c.client.name.as_str())
                .chain(c.projects.iter().map(|p| p.name.as_str()))
                .map(folded)
                .collect::<Vec<_>>()
                .join("\n");
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect();
    Ok(ClientPage {
        total: found.len(),
        offset,
        items: found.into_iter().skip(offset).take(limit).collect(),
    })
}
