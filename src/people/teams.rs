//! The use cases on a site's teams.

use super::{PeopleError, Team, store};
use crate::AppState;
use crate::auth::{Grant, Role};
use crate::error::{ApiResult, Validator, on_constraint, taken};
use crate::ids::{PersonId, SiteId, TeamId};
use crate::sites;
use serde::Deserialize;
use utoipa::ToSchema;

/// A team's fields as a request gives them (all optional when changing).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    name: Option<String>,
    leader_id: Option<PersonId>,
    active: Option<bool>,
}

/// Forms a team at the site.
pub async fn create(st: &AppState, site_id: SiteId, input: TeamInput) -> ApiResult<Team> {
    sites::store::get(&st.db, site_id).await?;
    let blank = Team {
        id: TeamId(0),
        site_id,
        name: String::new(),
        leader_id: None,
        active: true,
        member_ids: Vec::new(),
    };
    save(st, blank, input).await
}

/// Renames a team, changes its leader, or deactivates it.
pub async fn update(st: &AppState, t: Team, input: TeamInput) -> ApiResult<Team> {
    save(st, t, input).await
}

async fn save(st: &AppState, mut t: Team, input: TeamInput) -> ApiResult<Team> {
    t.name = input.name.unwrap_or(t.name).trim().to_string();
    t.leader_id = input.leader_id.or(t.leader_id);
    t.active = input.active.unwrap_or(t.active);
    let mut v = Validator::new();
    v.text("name", &t.name, 1, 100);
    if let Some(leader) = t.leader_id {
        let worker = Grant {
            site_id: t.site_id,
            role: Role::Worker,
        };
        let ok = store::get(&st.db, leader)
            .await
            .is_ok_and(|p| p.roles.contains(&worker));
        if !ok {
            v.reject("leader_id", PeopleError::BadLeader);
        }
    }
    v.finish()?;
    let mut tx = st.db.begin().await?;
    let id = store::save_team(&mut tx, &t).await.map_err(|e| {
        on_constraint(e, |c| {
            (c == "teams_site_id_name_key").then(|| taken("name", "チーム名", "team name"))
        })
    })?;
    tx.commit().await?;
    store::team(&st.db, id).await
}

/// A page of teams matching a search, and how many match in all.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TeamPage {
    pub total: usize,
    pub offset: usize,
    pub items: Vec<Team>,
}

/// The site's teams whose name holds every word of `q` (any case, any width), by name.
pub async fn search(
    st: &AppState,
    site_id: SiteId,
    q: &str,
    offset: usize,
    limit: usize,
) -> ApiResult<TeamPage> {
    let words = search_words(q);
    let found: Vec<Team> = store::teams(&st.db, site_id)
        .await?
        .into_iter()
        .filter(|t| matches_words(&words, &t.name))
        .collect();
    Ok(TeamPage {
        total: found.len(),
        offset,
        items: found.into_iter().skip(offset).take(limit).collect(),
    })
}

/// A query's words, half-width and lower case.
pub fn search_words(q: &str) -> Vec<String> {
    super::import::half_width(q)
        .to_lowercase()
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Whether every word is in the text (compared half-width, lower case).
pub fn matches_words(words: &[String], text: &str) -> bool {
    let hay = super::import::half_width(text).to_lowercase();
    words.iter().all(|w| hay.contains(w.as_str()))
}
