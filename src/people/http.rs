//! The API for person accounts, their roles, and teams.

use super::{Person, Team, store};
use crate::AppState;
use crate::auth::{Grant, Principal, Role, password};
use crate::error::{
    ApiError, ApiResult, Json, Lang, Path, Query, Text, Validator, invalid, on_constraint, taken,
};
use crate::sites;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
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

/// Whether `who` may see this person: an administrator, or a director of a site where the
/// person holds a role.
fn sees(who: &Principal, p: &Person) -> bool {
    who.is_admin
        || p.roles
            .iter()
            .any(|g| who.has(g.site_id, &[Role::Director]))
}

/// Whether `who` may change this person (details, password, roles): an administrator, or a
/// director of every site the person holds a role on, when the person is neither an
/// administrator nor a director. Anyone who also works elsewhere is changed by an
/// administrator, so that no director reaches into another site through a shared person.
fn manages(who: &Principal, p: &Person) -> bool {
    who.is_admin
        || (!p.is_admin
            && !p.roles.is_empty()
            && p.roles
                .iter()
                .all(|g| g.role != Role::Director && who.has(g.site_id, &[Role::Director])))
}

/// Refuses a grant that `who` may not give: directors give any role but director on their
/// own sites; only administrators appoint directors.
fn may_grant(who: &Principal, g: Grant) -> ApiResult<()> {
    who.require_director(g.site_id)?;
    if g.role == Role::Director {
        who.require_admin()?;
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
pub struct PersonFilter {
    /// Only persons with a role on this site.
    site_id: Option<i64>,
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
    let sites = match f.site_id {
        Some(site) => {
            who.require_director(site)?;
            Some(vec![site])
        }
        None if who.is_admin => None,
        None => {
            let mine = who.sites_with(&[Role::Director]);
            if mine.is_empty() {
                return Err(ApiError::forbidden());
            }
            Some(mine)
        }
    };
    Ok(Json(store::list(&st.db, sites.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    member_number: Option<String>,
    email: Option<String>,
    name: Option<String>,
    name_kana: Option<String>,
    phone: Option<String>,
    home_municipality_id: Option<i64>,
    language: Option<Lang>,
    team_id: Option<i64>,
    is_admin: Option<bool>,
    active: Option<bool>,
    /// A new password (at least 8 characters); required when creating.
    password: Option<String>,
    /// When creating: the site the first roles are on.
    site_id: Option<i64>,
    /// When creating: the roles on `site_id` (at least one).
    roles: Option<Vec<Role>>,
}

async fn save_person(
    st: &AppState,
    who: &Principal,
    mut p: Person,
    input: PersonInput,
    grants: &[Grant],
) -> ApiResult<Person> {
    if input.is_admin.is_some_and(|a| a != p.is_admin) {
        who.require_admin()?;
    }
    if let Some(m) = input.member_number {
        p.member_number = Some(m.trim().to_string()).filter(|m| !m.is_empty());
    }
    p.email = input.email.unwrap_or(p.email).trim().to_lowercase();
    p.name = input.name.unwrap_or(p.name).trim().to_string();
    p.name_kana = input.name_kana.unwrap_or(p.name_kana).trim().to_string();
    p.phone = input.phone.unwrap_or(p.phone).trim().to_string();
    p.home_municipality_id = input.home_municipality_id.or(p.home_municipality_id);
    p.language = input.language.unwrap_or(p.language);
    p.team_id = input.team_id.or(p.team_id);
    p.is_admin = input.is_admin.unwrap_or(p.is_admin);
    p.active = input.active.unwrap_or(p.active);
    let mut v = Validator::new();
    super::validate_person(&mut v, &p);
    if let Some(pw) = &input.password {
        if let Some(reason) = password::weak(pw) {
            v.add("password", "auth.weak_password", reason);
        }
    } else if p.id == 0 {
        v.add(
            "password",
            "validation.required",
            Text::new(
                "初期パスワードを入力してください。",
                "Give an initial password.",
            ),
        );
    }
    if let Some(m) = p.home_municipality_id
        && sites::store::municipality_by_id(&st.db, m).await.is_err()
    {
        v.add(
            "home_municipality_id",
            "person.unknown_municipality",
            Text::new("その自治体はありません。", "There is no such municipality."),
        );
    }
    if let Some(t) = p.team_id {
        match store::team(&st.db, t).await {
            Ok(team) if who.has(team.site_id, &[Role::Director]) => {}
            _ => v.add(
                "team_id",
                "person.unknown_team",
                Text::new("そのチームはありません。", "There is no such team."),
            ),
        }
    }
    v.finish()?;
    let hash = match input.password {
        Some(pw) => Some(st.hashing.run(move || password::hash(&pw)).await??),
        None => None,
    };
    let mut tx = st.db.begin().await?;
    let id = store::save(&mut tx, &p, hash.as_deref(), st.clock.epoch())
        .await
        .map_err(|e| {
            on_constraint(e, |c| match c {
                "persons_email_key" => Some(taken("email", "メールアドレス", "e-mail address")),
                "persons_member_number_key" => {
                    Some(taken("member_number", "会員番号", "member number"))
                }
                _ => None,
            })
        })?;
    if hash.is_some() {
        // A reset password also closes the sign-in links mailed before it.
        crate::auth::store::revoke_login_links(&mut tx, id, st.clock.epoch()).await?;
    }
    for g in grants {
        store::grant(&mut tx, id, g.site_id, g.role).await?;
    }
    tx.commit().await?;
    store::get(&st.db, id).await
}

/// Creates an account with its first roles on one site (directors of that site; only
/// administrators appoint directors).
#[utoipa::path(post, path = "/api/v1/persons", tag = "people", request_body = PersonInput,
    responses((status = 201, body = Person), (status = 403), (status = 422, description = "invalid fields, or e-mail / member number taken")))]
async fn create_person(
    State(st): State<AppState>,
    who: Principal,
    Json(mut input): Json<PersonInput>,
) -> ApiResult<(StatusCode, Json<Person>)> {
    let (Some(site_id), Some(roles)) =
        (input.site_id, input.roles.take().filter(|r| !r.is_empty()))
    else {
        return Err(invalid(
            "roles",
            "person.roles_required",
            Text::new(
                "拠点と役割を一つ以上指定してください。",
                "Give the site and at least one role on it.",
            ),
        ));
    };
    let grants: Vec<Grant> = roles
        .into_iter()
        .map(|role| Grant { site_id, role })
        .collect();
    for g in &grants {
        may_grant(&who, *g)?;
    }
    sites::store::get(&st.db, site_id).await?;
    let blank = Person {
        id: 0,
        member_number: None,
        email: String::new(),
        name: String::new(),
        name_kana: String::new(),
        phone: String::new(),
        home_municipality_id: None,
        language: Lang::Ja,
        team_id: None,
        is_admin: false,
        active: true,
        roles: Vec::new(),
    };
    let p = save_person(&st, &who, blank, input, &grants).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

async fn managed(st: &AppState, who: &Principal, id: i64) -> ApiResult<Person> {
    let p = store::get(&st.db, id).await?;
    if sees(who, &p) || who.id == id {
        Ok(p)
    } else {
        Err(ApiError::forbidden())
    }
}

/// One person (themselves, their directors, administrators).
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Person), (status = 403), (status = 404)))]
async fn get_person(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Person>> {
    Ok(Json(managed(&st, &who, id).await?))
}

/// Changes a person's details, resets their password, or deactivates the account.
#[utoipa::path(patch, path = "/api/v1/persons/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonInput,
    responses((status = 200, body = Person), (status = 403), (status = 422)))]
async fn update_person(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<PersonInput>,
) -> ApiResult<Json<Person>> {
    let p = store::get(&st.db, id).await?;
    if !manages(&who, &p) {
        return Err(ApiError::forbidden());
    }
    if input.site_id.is_some() || input.roles.is_some() {
        return Err(invalid(
            "roles",
            "person.roles_separately",
            Text::new(
                "役割は /persons/{id}/roles で変更してください。",
                "Change roles through /persons/{id}/roles.",
            ),
        ));
    }
    Ok(Json(save_person(&st, &who, p, input, &[]).await?))
}

/// Grants a role on a site.
#[utoipa::path(post, path = "/api/v1/persons/{id}/roles", tag = "people", params(("id" = i64, Path)), request_body = Grant,
    responses((status = 200, body = Person), (status = 403)))]
async fn grant_role(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(g): Json<Grant>,
) -> ApiResult<Json<Person>> {
    may_grant(&who, g)?;
    sites::store::get(&st.db, g.site_id).await?;
    let p = store::get(&st.db, id).await?;
    if !manages(&who, &p) {
        return Err(ApiError::forbidden());
    }
    let mut tx = st.db.begin().await?;
    store::grant(&mut tx, id, g.site_id, g.role).await?;
    tx.commit().await?;
    Ok(Json(store::get(&st.db, id).await?))
}

/// Takes a role back.
#[utoipa::path(delete, path = "/api/v1/persons/{id}/roles/{site_id}/{role}", tag = "people",
    params(("id" = i64, Path), ("site_id" = i64, Path), ("role" = Role, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn revoke_role(
    State(st): State<AppState>,
    who: Principal,
    Path((id, site_id, role)): Path<(i64, i64, Role)>,
) -> ApiResult<StatusCode> {
    may_grant(&who, Grant { site_id, role })?;
    if !manages(&who, &store::get(&st.db, id).await?) {
        return Err(ApiError::forbidden());
    }
    if store::revoke(&st.db, id, site_id, role).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("役割", "Role"))
    }
}

// ---- teams

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    name: Option<String>,
    leader_id: Option<i64>,
    active: Option<bool>,
}

/// The site's teams (anyone with a role on the site).
#[utoipa::path(get, path = "/api/v1/sites/{id}/teams", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = [Team]), (status = 403)))]
async fn list_teams(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
) -> ApiResult<Json<Vec<Team>>> {
    who.require(site_id, &Role::ALL)?;
    Ok(Json(store::teams(&st.db, site_id).await?))
}

async fn save_team(st: &AppState, mut t: Team, input: TeamInput) -> ApiResult<Team> {
    t.name = input.name.unwrap_or(t.name).trim().to_string();
    t.leader_id = input.leader_id.or(t.leader_id);
    t.active = input.active.unwrap_or(t.active);
    let mut v = Validator::new();
    v.text("name", &t.name, 1, 100);
    if let Some(leader) = t.leader_id {
        let ok = store::get(&st.db, leader).await.is_ok_and(|p| {
            p.roles.contains(&Grant {
                site_id: t.site_id,
                role: Role::Worker,
            })
        });
        v.check(
            ok,
            "leader_id",
            "team.bad_leader",
            Text::new(
                "リーダーはこの拠点のワーカーから選んでください。",
                "The leader must be a worker of this site.",
            ),
        );
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

/// Forms a team (the site's directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/teams", tag = "people", params(("id" = i64, Path)), request_body = TeamInput,
    responses((status = 201, body = Team), (status = 403), (status = 422)))]
async fn create_team(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Json(input): Json<TeamInput>,
) -> ApiResult<(StatusCode, Json<Team>)> {
    who.require_director(site_id)?;
    sites::store::get(&st.db, site_id).await?;
    let blank = Team {
        id: 0,
        site_id,
        name: String::new(),
        leader_id: None,
        active: true,
        member_ids: Vec::new(),
    };
    Ok((
        StatusCode::CREATED,
        Json(save_team(&st, blank, input).await?),
    ))
}

/// Renames a team, changes its leader, or deactivates it (the site's directors).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "people", params(("id" = i64, Path)), request_body = TeamInput,
    responses((status = 200, body = Team), (status = 403)))]
async fn update_team(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<TeamInput>,
) -> ApiResult<Json<Team>> {
    let t = store::team(&st.db, id).await?;
    who.require_director(t.site_id)?;
    Ok(Json(save_team(&st, t, input).await?))
}
