//! The secure-room API: the directors' rosters, NDAs, requirements, rooms, door pairing,
//! review and trail export; the door reader's scan (device token); the chain's verification.

use super::audit::{self, Record, Verdict};
use super::door::{self, Direction, DoorResult};
use super::store::{self, NdaRow, Occupant, RosterRow};
use super::{
    AccessError, NdaInput, Requirements, Review, RoomSettings, RosterInput, project_site,
    secure_room,
};
use crate::AppState;
use crate::auth::{KioskDevice, KioskToken, Principal};
use crate::error::{
    ApiError, ApiResult, CommonError, Json, Path, Query, Text, invalid, parse_date,
};
use crate::ids::{DeviceId, PersonId, ProjectId, SiteId, SpaceId};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of the access area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_roster, put_roster))
        .routes(routes!(delete_roster))
        .routes(routes!(get_ndas, put_nda))
        .routes(routes!(get_requirements, put_requirements))
        .routes(routes!(get_room, put_room))
        .routes(routes!(pair_door))
        .routes(routes!(door_scan))
        .routes(routes!(door_me))
        .routes(routes!(get_review))
        .routes(routes!(certify))
        .routes(routes!(occupants))
        .routes(routes!(export))
        .routes(routes!(verify))
}

/// A project's roster (the site's directors).
#[utoipa::path(get, path = "/api/v1/projects/{id}/roster", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = [ProjectRosterLine]), (status = 403), (status = 404)))]
async fn get_roster(
    State(st): State<AppState>,
    who: Principal,
    Path(project): Path<ProjectId>,
) -> ApiResult<Json<Vec<ProjectRosterLine>>> {
    project_site(&st, &who, project).await?;
    let rows = store::roster(&st.db, project).await?;
    Ok(Json(
        rows.into_iter().map(ProjectRosterLine::from).collect(),
    ))
}

/// A roster line as answered.
#[derive(Serialize, ToSchema)]
pub struct ProjectRosterLine {
    person_id: PersonId,
    name: String,
    from: String,
    to: Option<String>,
}

impl From<RosterRow> for ProjectRosterLine {
    fn from(r: RosterRow) -> Self {
        ProjectRosterLine {
            person_id: r.person_id,
            name: r.person_name,
            from: r.valid_from,
            to: r.valid_to,
        }
    }
}

/// Puts a worker of the site on the roster, or changes their dates (audited).
#[utoipa::path(post, path = "/api/v1/projects/{id}/roster", tag = "access", params(("id" = i64, Path)),
    request_body = RosterInput,
    responses((status = 204), (status = 403, description = "not the site's director, or access.person_not_managed"),
              (status = 404), (status = 422)))]
async fn put_roster(
    State(st): State<AppState>,
    who: Principal,
    Path(project): Path<ProjectId>,
    Json(input): Json<RosterInput>,
) -> ApiResult<StatusCode> {
    let site = project_site(&st, &who, project).await?;
    super::put_roster(&st, &who, site, project, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a person off the roster (audited).
#[utoipa::path(delete, path = "/api/v1/projects/{id}/roster/{person}", tag = "access",
    params(("id" = i64, Path), ("person" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn delete_roster(
    State(st): State<AppState>,
    who: Principal,
    Path((project, person)): Path<(ProjectId, PersonId)>,
) -> ApiResult<StatusCode> {
    let site = project_site(&st, &who, project).await?;
    super::remove_roster(&st, &who, site, project, person).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An NDA as answered.
#[derive(Serialize, ToSchema)]
pub struct Nda {
    person_id: PersonId,
    name: String,
    signed_on: String,
    expires_on: Option<String>,
    document_ref: String,
}

impl From<NdaRow> for Nda {
    fn from(r: NdaRow) -> Self {
        Nda {
            person_id: r.person_id,
            name: r.person_name,
            signed_on: r.signed_on,
            expires_on: r.expires_on,
            document_ref: r.document_ref,
        }
    }
}

/// A project's NDAs (the site's directors).
#[utoipa::path(get, path = "/api/v1/projects/{id}/ndas", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = [Nda]), (status = 403), (status = 404)))]
async fn get_ndas(
    State(st): State<AppState>,
    who: Principal,
    Path(project): Path<ProjectId>,
) -> ApiResult<Json<Vec<Nda>>> {
    project_site(&st, &who, project).await?;
    let rows = store::ndas(&st.db, project).await?;
    Ok(Json(rows.into_iter().map(Nda::from).collect()))
}

/// Records a worker's NDA for the project (audited); an expiry before signing is 422.
#[utoipa::path(post, path = "/api/v1/projects/{id}/ndas", tag = "access", params(("id" = i64, Path)),
    request_body = NdaInput,
    responses((status = 204), (status = 403), (status = 404),
              (status = 422, description = "access.nda_expiry_before_signing, validation")))]
async fn put_nda(
    State(st): State<AppState>,
    who: Principal,
    Path(project): Path<ProjectId>,
    Json(input): Json<NdaInput>,
) -> ApiResult<StatusCode> {
    let site = project_site(&st, &who, project).await?;
    super::put_nda(&st, &who, site, project, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A project's required courses (the site's directors).
#[utoipa::path(get, path = "/api/v1/projects/{id}/requirements", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = Requirements), (status = 403), (status = 404)))]
async fn get_requirements(
    State(st): State<AppState>,
    who: Principal,
    Path(project): Path<ProjectId>,
) -> ApiResult<Json<Requirements>> {
    project_site(&st, &who, project).await?;
    Ok(Json(Requirements {
        course_ids: store::requirements(&st.db, project).await?,
    }))
}

/// Replaces a project's required courses (audited).
#[utoipa::path(put, path = "/api/v1/projects/{id}/requirements", tag = "access", params(("id" = i64, Path)),
    request_body = Requirements,
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn put_requirements(
    State(st): State<AppState>,
    who: Principal,
    Path(project): Path<ProjectId>,
    Json(input): Json<Requirements>,
) -> ApiResult<StatusCode> {
    let site = project_site(&st, &who, project).await?;
    super::put_requirements(&st, &who, site, project, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A secure room's projects and flag (the site's directors).
#[utoipa::path(get, path = "/api/v1/secure-rooms/{id}", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = RoomSettings), (status = 403), (status = 404), (status = 422)))]
async fn get_room(
    State(st): State<AppState>,
    who: Principal,
    Path(space): Path<SpaceId>,
) -> ApiResult<Json<RoomSettings>> {
    secure_room(&st, &who, space).await?;
    let r = store::room(&st.db, space).await?;
    Ok(Json(RoomSettings {
        project_ids: r.projects,
        roster_enough: r.roster_enough,
    }))
}

/// Sets which projects use a secure room, and whether their roster is enough (audited).
#[utoipa::path(put, path = "/api/v1/secure-rooms/{id}", tag = "access", params(("id" = i64, Path)),
    request_body = RoomSettings,
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn put_room(
    State(st): State<AppState>,
    who: Principal,
    Path(space): Path<SpaceId>,
    Json(input): Json<RoomSettings>,
) -> ApiResult<StatusCode> {
    let room = secure_room(&st, &who, space).await?;
    super::put_room(&st, &who, &room, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which room a door reader opens.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorPairing {
    space_id: SpaceId,
}

/// Makes a kiosk device of the site the door reader of a secure room (audited). From then
/// on it is refused at the entrance scan.
#[utoipa::path(put, path = "/api/v1/kiosks/{id}/door", tag = "access", params(("id" = i64, Path)),
    request_body = DoorPairing,
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
async fn pair_door(
    State(st): State<AppState>,
    who: Principal,
    Path(device): Path<DeviceId>,
    Json(input): Json<DoorPairing>,
) -> ApiResult<StatusCode> {
    let site = store::device_site(&st.db, device)
        .await?
        .ok_or_else(|| ApiError::not_found("端末", "Device"))?;
    who.require_director(site)?;
    let room = secure_room(&st, &who, input.space_id).await?;
    if room.site_id != site {
        return Err(crate::error::on_field(
            AccessError::NotSecureRoom,
            "space_id",
            None,
        ));
    }
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    store::pair_door(&mut tx, device, site, room.id).await?;
    let mut e = audit::Entry::new(now, site, "door.pair", "change");
    e.actor_id = Some(who.id);
    e.device_id = Some(device);
    e.space_id = Some(room.id);
    audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A scan at a secure room's door.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorScan {
    /// What the reader typed, the QR payload, or `PIN:<member number>:<pin>`.
    credential: String,
    direction: Direction,
}

/// A door reader's scan: allow or deny with the reason, every attempt audited. An entrance
/// kiosk's token is refused (403 access.not_a_door).
#[utoipa::path(post, path = "/api/v1/door/scan", tag = "access", request_body = DoorScan,
    responses((status = 200, body = DoorResult),
              (status = 401, description = "kiosk.unpaired"),
              (status = 403, description = "access.not_a_door"), (status = 422)),
    security(("kiosk_token" = [])))]
async fn door_scan(
    State(st): State<AppState>,
    token: KioskToken,
    Json(req): Json<DoorScan>,
) -> ApiResult<Json<DoorResult>> {
    Ok(Json(
        door::scan(&st, &token, &req.credential, req.direction).await?,
    ))
}

/// What a door reader shows when idle.
#[derive(Serialize, ToSchema)]
pub struct DoorInfo {
    room: String,
    space_id: SpaceId,
    site_id: SiteId,
}

/// The door reader's own room (an entrance kiosk's token: 403 access.not_a_door).
#[utoipa::path(get, path = "/api/v1/door/me", tag = "access",
    responses((status = 200, body = DoorInfo), (status = 401, description = "kiosk.unpaired"),
              (status = 403, description = "access.not_a_door")),
    security(("kiosk_token" = [])))]
async fn door_me(State(st): State<AppState>, device: KioskDevice) -> ApiResult<Json<DoorInfo>> {
    let mut tx = st.db.begin_read().await?;
    let space = store::door_of(&mut tx, device.id).await?;
    tx.rollback().await?;
    let space = space.ok_or(AccessError::NotADoor)?;
    let s = crate::sites::store::space_by_id(&st.db, space.0).await?;
    Ok(Json(DoorInfo {
        room: s.name,
        space_id: space,
        site_id: device.site_id,
    }))
}

/// Who can enter each secure room of the site today and why, what expires within 30 days,
/// and the last certification (the site's directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/access-review", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = Review), (status = 403), (status = 404)))]
async fn get_review(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Review>> {
    who.require_director(site)?;
    Ok(Json(super::review(&st, site).await?))
}

/// Certifies the review as it stands (audited).
#[utoipa::path(post, path = "/api/v1/sites/{id}/access-review/certify", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = Review), (status = 403), (status = 404)))]
async fn certify(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Review>> {
    who.require_director(site)?;
    Ok(Json(super::certify(&st, &who, site).await?))
}

/// Who is inside the site's secure rooms, and whether each holds a booking now (reception
/// and directors: the live view's "someone inside, nobody booked").
#[utoipa::path(get, path = "/api/v1/sites/{id}/secure-room-occupants", tag = "access", params(("id" = i64, Path)),
    responses((status = 200, body = [Occupant]), (status = 403)))]
async fn occupants(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Vec<Occupant>>> {
    use crate::auth::Role;
    who.require(site, &[Role::Director, Role::Reception])?;
    Ok(Json(
        store::occupants(&st.db, site, st.clock.epoch()).await?,
    ))
}

/// The export's range and format.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// First day (YYYY-MM-DD, the site's local date).
    from: String,
    /// Last day, inclusive.
    to: String,
    /// `csv` (default) or `json`.
    format: Option<String>,
}

/// Ids per page while streaming an export (a page holds at most this many records).
const PAGE: i64 = 2000;

/// A room's audit trail for a date range, with the hashes, streamed as CSV or JSON (any
/// length of range: it is read page by page, never whole).
#[utoipa::path(get, path = "/api/v1/secure-rooms/{id}/audit", tag = "access",
    params(("id" = i64, Path), ExportQuery),
    responses((status = 200, description = "the room's records, with their hashes",
               content((String = "text/csv"), (Vec<Record> = "application/json"))),
              (status = 403), (status = 404), (status = 422)))]
async fn export(
    State(st): State<AppState>,
    who: Principal,
    Path(space): Path<SpaceId>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let room = secure_room(&st, &who, space).await?;
    let from = parse_date("from", &q.from)?;
    let to = parse_date("to", &q.to)?;
    if to < from {
        return Err(crate::error::on_field(
            AccessError::RosterEndBeforeStart,
            "to",
            None,
        ));
    }
    let json = match q.format.as_deref() {
        None | Some("csv") => false,
        Some("json") => true,
        Some(_) => {
            let text = Text::new("csv か json を選んでください。", "Choose csv or json.");
            return Err(invalid("format", CommonError::OutOfRange, text));
        }
    };
    let site = crate::sites::store::get(&st.db, room.site_id).await?;
    let schedule = crate::sites::store::schedule(&st.db, &site).await?;
    let (start, _) = schedule.day_bounds(from);
    let (_, end) = schedule.day_bounds(to);
    // Where the range starts in the chain (ids grow with time): the pages walk the primary
    // key from there.
    let (first, last): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MIN(id), MAX(id) FROM access_audit WHERE site_id = $1 AND at >= $2 AND at < $3",
    )
    .bind(room.site_id)
    .bind(start)
    .bind(end)
    .fetch_one(&st.db.pool)
    .await?;
    let ids = (first.map_or(0, |f| f - 1), last.unwrap_or(0));
    let stream = trail(st.db.pool.clone(), space, (start, end), ids, json);
    let (ctype, ext) = if json {
        ("application/json", "json")
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    let disposition = format!(
        "attachment; filename=\"audit-{}-{from}-{to}.{ext}\"",
        space.0
    );
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The room's records in `[start, end)` as CSV or JSON text, read page by page by id: its
/// doors and settings, and the roster, NDA and requirement changes of the projects that use
/// it (who could enter is what the auditor asks first).
///
/// The pages are windows of ids between the range's first and last record of the site, so
/// each is a short walk of the primary key (the `+` keeps both planners off the other
/// columns' indexes) whatever the planner thinks of the other columns
/// (a page searched by the room's index re-read and sorted the whole range every time: a
/// year of a busy room took minutes).
fn trail(
    pool: sqlx::AnyPool,
    space: SpaceId,
    (start, end): (i64, i64),
    (after, last): (i64, i64),
    json: bool,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    struct Page {
        after: i64,
        first: bool,
        done: bool,
    }
    let sql = format!(
        "SELECT {} FROM access_audit
         WHERE id > $4 AND id <= $5
           AND (+space_id = $1 OR (space_id IS NULL AND +project_id IN
                (SELECT project_id FROM access_room_projects WHERE space_id = $1)))
           AND +at >= $2 AND +at < $3
         ORDER BY id",
        audit::COLUMNS
    );
    let state = Page {
        after,
        first: true,
        done: false,
    };
    futures_util::stream::unfold(state, move |mut p| {
        let pool = pool.clone();
        let sql = sql.clone();
        async move {
            if p.done {
                return None;
            }
            let rows: Result<Vec<Record>, sqlx::Error> = sqlx::query_as(&sql)
                .bind(space)
                .bind(start)
                .bind(end)
                .bind(p.after)
                .bind(p.after + PAGE)
                .fetch_all(&pool)
                .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    p.done = true;
                    return Some((Err(std::io::Error::other(e)), p));
                }
            };
            let mut out = String::new();
            if p.first {
                out.push_str(if json { "[" } else { CSV_HEADER });
            }
            for (i, r) in rows.iter().enumerate() {
                if json {
                    if !(p.first && i == 0) {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(r).unwrap_or_default());
                } else {
                    out.push_str(&csv_line(r));
                }
            }
            p.first = p.first && rows.is_empty();
            p.after += PAGE;
            if p.after >= last {
                p.done = true;
                if json {
                    out.push(']');
                }
            }
            Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), p))
        }
    })
}

const CSV_HEADER: &str = "id,at,site_id,actor_id,device_id,space_id,project_id,subject_id,action,decision,reason,detail,prev_hash,hash\r\n";

/// A CSV field, quoted when it needs to be (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_line(r: &Record) -> String {
    let o = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        r.id.to_string(),
        r.at.to_string(),
        r.site_id.to_string(),
        o(r.actor_id),
        o(r.device_id),
        o(r.space_id),
        o(r.project_id),
        o(r.subject_id),
        field(&r.action),
        field(&r.decision),
        field(&r.reason),
        field(&r.detail),
        r.prev_hash.clone(),
        r.hash.clone(),
    ]
    .join(",")
        + "\r\n"
}

/// Recomputes the audit chain and names the first record that does not match
/// (administrators).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "access",
    responses((status = 200, body = Verdict), (status = 403)))]
async fn verify(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Verdict>> {
    who.require_admin()?;
    Ok(Json(audit::verify(&st.db).await?))
}
