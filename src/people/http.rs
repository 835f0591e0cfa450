//! The API for person accounts, their roles, and teams.

use super::import::{self, ImportReport};
use super::persons::{self, PersonInput, PersonPage};
use super::teams::{self, TeamInput};
use super::{Person, Team, invite, store};
use crate::AppState;
use crate::auth::{Grant, Principal, Role};
use crate::error::{ApiResult, Json, Path, Query};
use crate::ids::{PersonId, SiteId, TeamId};
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
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
        .routes(routes!(search_teams))
        .routes(routes!(search_persons))
        .routes(routes!(import_persons))
        .routes(routes!(invite_person))
        .routes(routes!(accept_invitation))
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

#[derive(Deserialize, IntoParams)]
pub struct PersonSearch {
    /// Only persons with a role on this site.
    site_id: Option<SiteId>,
    /// Words each found in the name, kana, e-mail address or member number.
    q: Option<String>,
    /// Only persons with this role (on `site_id` when given).
    role: Option<Role>,
    /// Only active (true) or inactive (false) accounts.
    active: Option<bool>,
    /// How many matches to skip (default 0).
    offset: Option<u32>,
    /// How many to answer, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Searches the persons the caller manages, a page at a time, by name (kanji or kana),
/// e-mail address or member number.
#[utoipa::path(get, path = "/api/v1/persons/search", tag = "people", params(PersonSearch),
    responses((status = 200, body = PersonPage), (status = 403), (status = 422)))]
async fn search_persons(
    State(st): State<AppState>,
    who: Principal,
    Query(f): Query<PersonSearch>,
) -> ApiResult<Json<PersonPage>> {
    let (q, offset, limit) = crate::error::search_page(f.q, f.offset, f.limit)?;
    let search = persons::Search {
        site: f.site_id,
        q,
        role: f.role,
        active: f.active,
        offset,
        limit,
    };
    Ok(Json(persons::search(&st, &who, search).await?))
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

/// Changes a person's details or deactivates the account (never their password: 422).
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

#[derive(Deserialize, IntoParams)]
pub struct PageSearch {
    /// Words each found in the name (any case, any width).
    q: Option<String>,
    /// How many matches to skip (default 0).
    offset: Option<u32>,
    /// How many to answer, 1 to 200 (default 50); more is refused with 422.
    limit: Option<u32>,
}

impl PageSearch {
    /// The search as the use cases take it; 422 for a limit out of 1..=200 or a long query.
    pub fn checked(self) -> ApiResult<(String, usize, usize)> {
        crate::error::search_page(self.q, self.offset, self.limit)
    }
}

/// Searches the site's teams by name, a page at a time (anyone with a role on the site).
#[utoipa::path(get, path = "/api/v1/sites/{id}/teams/search", tag = "people",
    params(("id" = i64, Path), PageSearch),
    responses((status = 200, body = teams::TeamPage), (status = 403), (status = 422, description = "limit over 200, q over 200 characters")))]
async fn search_teams(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
    Query(f): Query<PageSearch>,
) -> ApiResult<Json<teams::TeamPage>> {
    who.require(site_id, &Role::ALL)?;
    let (q, offset, limit) = f.checked()?;
    Ok(Json(teams::search(&st, site_id, &q, offset, limit).await?))
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

// ---- import and invitations

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// Only check the file: answer each row's outcome and write nothing (default true).
    dry_run: Option<bool>,
    /// Mail each new person an invitation to set their password (default false).
    invite: Option<bool>,
}

/// Imports workers into a site from a spreadsheet: CSV (UTF-8 or Shift_JIS) or XLSX, with
/// Japanese or English headers (member number, name, kana, e-mail, phone, municipality,
/// team, language, site). A dry run answers each row's outcome; the import writes every row
/// or none (the site's directors and administrators).
#[utoipa::path(post, path = "/api/v1/sites/{id}/person-imports", tag = "people",
    params(("id" = i64, Path), ImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the CSV or XLSX file's bytes"),
    responses((status = 200, body = ImportReport), (status = 403), (status = 404),
              (status = 409, description = "import.conflict: someone changed these people meanwhile"),
              (status = 413, description = "import.too_large (5 MB), import.too_many_rows (5,000)"),
              (status = 422, description = "import.rows_invalid (nothing written), import.unreadable, import.missing_column, import.empty")))]
async fn import_persons(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
    Query(p): Query<ImportParams>,
    body: Body,
) -> ApiResult<Json<ImportReport>> {
    // Refused before a large upload is read.
    who.require_director(site_id)?;
    let bytes = axum::body::to_bytes(body, import::MAX_BYTES)
        .await
        .map_err(|_| import::too_large())?;
    let opts = import::Options {
        dry_run: p.dry_run.unwrap_or(true),
        invite: p.invite.unwrap_or(false),
    };
    Ok(Json(import::run(&st, &who, site_id, &bytes, opts).await?))
}

/// Mails the person an invitation to set their password (a new one closes the earlier).
#[utoipa::path(post, path = "/api/v1/persons/{id}/invitation", tag = "people", params(("id" = i64, Path)),
    responses((status = 202, description = "in the outbox"), (status = 403), (status = 404),
              (status = 409, description = "invitation.inactive")))]
async fn invite_person(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PersonId>,
) -> ApiResult<StatusCode> {
    invite::invite(&st, &who, id).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationAccept {
    /// The token from the invitation's link.
    token: String,
    /// The new password (at least 8 characters).
    password: String,
}

/// Sets one's first password with an invitation's token (once, before it expires) and signs
/// in.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "people", request_body = InvitationAccept, security(()),
    responses((status = 200, body = Person), (status = 410, description = "invitation.invalid: unknown, used or expired"),
              (status = 422, description = "auth.weak_password"),
              (status = 429, description = "auth.rate_limited: too many attempts from this address"),
              (status = 503, description = "service.busy: too many password hashes at once; retry after Retry-After")))]
async fn accept_invitation(
    State(st): State<AppState>,
    ip: crate::auth::ClientIp,
    Json(req): Json<InvitationAccept>,
) -> ApiResult<Response> {
    let session = invite::accept(&st, &ip, &req.token, req.password).await?;
    super::account::signed_in(&st, session).await
}
