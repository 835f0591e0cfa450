//! The live view's API: the snapshot, its stream, the roll call, and the plan of the site.

use super::errors::OccupancyError;
use super::roll_call::{self, RollCall, Summary};
use super::snapshot::{ChildView, Snapshot, snapshot};
use super::{history, live, plan};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiResult, Json, Path, Query, invalid_code, parse_date};
use crate::ids::{RollCallEntryId, RollCallId, SiteId};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Every route of the live view.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_live))
        .routes(routes!(live_stream))
        .routes(routes!(start_roll_call, list_roll_calls))
        .routes(routes!(get_roll_call))
        .routes(routes!(mark_safe))
        .routes(routes!(end_roll_call))
        .routes(routes!(put_plan))
        .routes(routes!(utilisation))
        .routes(routes!(utilisation_csv))
}

/// Who sees the live view: the site's reception, caregivers and directors.
pub const LIVE: [Role; 3] = [Role::Reception, Role::Caregiver, Role::Director];

/// Who starts, marks and ends a roll call: any staff role of the site.
pub const ROLL_CALL: [Role; 4] = [
    Role::Reception,
    Role::Caregiver,
    Role::Trainer,
    Role::Director,
];

/// What of the children `who` may see at the site; 403 for anyone outside the live view
/// (the same for a site that does not exist).
fn viewer(who: &Principal, site: SiteId) -> ApiResult<ChildView> {
    who.require(site, &LIVE)?;
    // The caregiver role itself, not `has` (which gives an administrator every role): medical
    // data goes to the site's caregivers only, as in childcare's own lists.
    let cares = who
        .grants
        .iter()
        .any(|g| g.site_id == site && g.role == Role::Caregiver);
    Ok(if cares {
        ChildView::Caregiver
    } else {
        ChildView::Basic
    })
}

/// The site now: every seat, who is inside, the children against the caregivers on duty,
/// arrivals due within the hour, alerts, the roll call in progress (reception, caregivers and
/// directors of the site; allergies and medical notes only to its caregivers).
#[utoipa::path(get, path = "/api/v1/sites/{id}/live", tag = "occupancy", params(("id" = i64, Path)),
    responses((status = 200, body = Snapshot), (status = 403, description = "not staff of the site (or no such site)")))]
async fn get_live(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Snapshot>> {
    let view = viewer(&who, site)?;
    Ok(Json(snapshot(&st.db, site, st.clock.epoch(), view).await?))
}

/// One server-sent event of the live stream, as a client parses it (the OpenAPI document
/// only: the stream writes these fields as `event:`, `id:` and `data:` lines).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LiveEvent {
    /// Always `snapshot`.
    event: String,
    /// The message's number on this stream.
    id: String,
    /// A Snapshot, as JSON.
    data: String,
}

/// The site live, as server-sent events: `snapshot` events, each the whole state (the first at
/// once, then after every change, and every 30 s). A client that does not accept
/// `text/event-stream` gets the first one and the end of the stream.
#[utoipa::path(get, path = "/api/v1/sites/{id}/live/stream", tag = "occupancy", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream", body = LiveEvent,
               description = "`event: snapshot` messages whose data is a Snapshot"),
              (status = 403, description = "not staff of the site (or no such site)"),
              (status = 429, description = "occupancy.too_many_streams: this person holds the most live streams allowed"),
              (status = 503, description = "occupancy.streams_full: the instance holds the most live streams allowed")))]
async fn live_stream(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let view = viewer(&who, site)?;
    let follow = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"));
    // 404 for an administrator asking for a site that does not exist.
    crate::sites::store::get(&st.db, site).await?;
    // One person cannot hold every stream the instance can serve; the instance has a ceiling.
    let permit = live::GATE
        .admit(st.db.events.id(), who.id.0)
        .map_err(|full| match full {
            live::Full::Person(max) => {
                crate::error::ApiError::from(OccupancyError::TooManyStreams).with("max", max)
            }
            live::Full::Total(_) => OccupancyError::StreamsFull.into(),
        })?;
    let mut frames = live::frames(&st.db, &st.clock, site, view);
    if frames.wait_for(Option::is_some).await.is_err() {
        return Err(crate::error::database_unavailable());
    }
    // Logging out, losing the role or the caregiver view ends the stream (within 30 s).
    let token = crate::auth::cookie_in(&headers, crate::auth::SESSION_COOKIE)
        .unwrap_or_default()
        .to_string();
    let app = st.clone();
    let still_allowed: live::StillAllowed = Arc::new(move || {
        let (app, token) = (app.clone(), token.clone());
        Box::pin(async move {
            let now = app.clock.epoch();
            match crate::auth::store::session_principal(&app.db, &token, now).await {
                Ok(Some(p)) => viewer(&p, site).ok() == Some(view),
                _ => false,
            }
        })
    });
    // The permit goes with the stream: its place is given back when the client goes.
    let stream = futures_util::StreamExt::map(
        live::stream(frames, follow, st.clock.clone(), still_allowed),
        move |event| {
            let _held = &permit;
            event
        },
    );
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    // Proxies must pass each message on at once.
    res.headers_mut()
        .insert("x-accel-buffering", header::HeaderValue::from_static("no"));
    Ok(res)
}

/// Starts the site's evacuation roll call (any staff of the site): `201` with the new one, or
/// `200` with the one already in progress (the second start joins it).
#[utoipa::path(post, path = "/api/v1/sites/{id}/roll-calls", tag = "occupancy", params(("id" = i64, Path)),
    responses((status = 201, body = RollCall, description = "started"), (status = 200, body = RollCall, description = "joined the one in progress")))]
async fn start_roll_call(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<(StatusCode, Json<RollCall>)> {
    who.require(site, &ROLL_CALL)?;
    crate::sites::store::get(&st.db, site).await?;
    let (rc, started) = roll_call::start(&st.db, site, who.id, st.clock.epoch()).await?;
    let status = if started {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(rc)))
}

/// The site's roll calls, latest first (its directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/roll-calls", tag = "occupancy", params(("id" = i64, Path)),
    responses((status = 200, body = [Summary])))]
async fn list_roll_calls(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Vec<Summary>>> {
    who.require_director(site)?;
    Ok(Json(roll_call::history(&st.db, site).await?))
}

/// The roll call's site, when `who` holds one of `roles` there; 404 otherwise (whether it
/// exists or not).
async fn site_for(
    st: &AppState,
    who: &Principal,
    id: RollCallId,
    roles: &[Role],
) -> ApiResult<SiteId> {
    match roll_call::site_of(&st.db, id).await? {
        Some(site) if who.has(site, roles) => Ok(site),
        _ => Err(roll_call::not_found()),
    }
}

/// A roll call with its list (staff of the site); once ended, the report: who was marked by
/// whom and when, who was never found (the site's directors).
#[utoipa::path(get, path = "/api/v1/roll-calls/{id}", tag = "occupancy", params(("id" = i64, Path)),
    responses((status = 200, body = RollCall), (status = 404, description = "no such roll call at a site of the caller")))]
async fn get_roll_call(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<RollCallId>,
) -> ApiResult<Json<RollCall>> {
    let site = site_for(&st, &who, id, &ROLL_CALL).await?;
    let rc = roll_call::get(&st.db, id).await?;
    // Once ended it is a saved report with everyone's names: its site's directors read it.
    if rc.ended_at.is_some() && !who.has(site, &[Role::Director]) {
        return Err(roll_call::not_found());
    }
    Ok(Json(rc))
}

/// A mark: which line of the list is safe, and when the phone recorded it (marks kept
/// offline arrive later).
#[derive(Deserialize, ToSchema)]
#[schema(as = RollCallMarkInput)]
pub struct MarkInput {
    pub entry_id: RollCallEntryId,
    /// RFC 3339; now when absent (kept between the start and now).
    pub marked_at: Option<String>,
}

/// Marks a person or child safe (any staff of the site); the first mark of a line stands.
#[utoipa::path(post, path = "/api/v1/roll-calls/{id}/marks", tag = "occupancy", params(("id" = i64, Path)),
    request_body = MarkInput,
    responses((status = 200, body = RollCall), (status = 404, description = "no such roll call at a site of the caller"),
              (status = 409, description = "roll_call.ended: marked after the end"),
              (status = 422, description = "roll_call.not_on_list")))]
async fn mark_safe(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<RollCallId>,
    Json(input): Json<MarkInput>,
) -> ApiResult<Json<RollCall>> {
    let site = site_for(&st, &who, id, &ROLL_CALL).await?;
    let now = st.clock.epoch();
    let at = match input.marked_at.as_deref() {
        None => now,
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|_| invalid_code("marked_at", OccupancyError::BadMarkTime))?
            .timestamp(),
    };
    let rc = roll_call::mark(&st.db, id, input.entry_id, who.id, at, now).await?;
    Ok(Json(as_read_by(rc, &who, site)))
}

/// A roll call as `who` may read it. Once ended it is the saved report, whose list (everyone's
/// name, who marked whom) is for the site's directors, as `GET` answers; other staff who end it
/// or send a mark kept offline get its counts.
fn as_read_by(mut rc: RollCall, who: &Principal, site: SiteId) -> RollCall {
    if rc.ended_at.is_some() && !who.has(site, &[Role::Director]) {
        rc.entries.clear();
    }
    rc
}

/// Ends the roll call; its report stays (any staff of the site).
#[utoipa::path(post, path = "/api/v1/roll-calls/{id}/end", tag = "occupancy", params(("id" = i64, Path)),
    responses((status = 200, body = RollCall), (status = 404, description = "no such roll call at a site of the caller"),
              (status = 409, description = "roll_call.ended")))]
async fn end_roll_call(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<RollCallId>,
) -> ApiResult<Json<RollCall>> {
    let site = site_for(&st, &who, id, &ROLL_CALL).await?;
    let rc = roll_call::end(&st.db, id, who.id, st.clock.epoch()).await?;
    Ok(Json(as_read_by(rc, &who, site)))
}

/// Places spaces on the site's plan (its directors): positions on a 1000 x 1000 plan; spaces
/// not listed keep theirs (or the automatic grid).
#[utoipa::path(put, path = "/api/v1/sites/{id}/plan", tag = "occupancy", params(("id" = i64, Path)),
    request_body = plan::PlanInput,
    responses((status = 204, description = "placed"), (status = 422, description = "occupancy.bad_position, occupancy.unknown_space")))]
async fn put_plan(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<plan::PlanInput>,
) -> ApiResult<StatusCode> {
    who.require_director(site)?;
    crate::sites::store::get(&st.db, site).await?;
    plan::place(&st.db, site, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A range of local days.
#[derive(Deserialize, IntoParams)]
pub struct RangeQuery {
    /// First day, YYYY-MM-DD.
    from: String,
    /// Last day (included), YYYY-MM-DD; at most 366 days after `from`.
    to: String,
}

impl RangeQuery {
    fn days(&self) -> ApiResult<(chrono::NaiveDate, chrono::NaiveDate)> {
        let (from, to) = (parse_date("from", &self.from)?, parse_date("to", &self.to)?);
        if to < from || (to - from).num_days() > 365 {
            return Err(invalid_code("to", OccupancyError::BadRange));
        }
        Ok((from, to))
    }
}

/// Utilisation over a range (its directors): desks, rooms and childcare places in use by
/// weekday and hour, the no-show rate, the peak. From the rollup of finished days.
#[utoipa::path(get, path = "/api/v1/sites/{id}/utilisation", tag = "occupancy", params(("id" = i64, Path), RangeQuery),
    responses((status = 200, body = history::Utilisation)))]
async fn utilisation(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<history::Utilisation>> {
    who.require_director(site)?;
    let (from, to) = q.days()?;
    Ok(Json(history::report(&st.db, site, from, to).await?))
}

/// The rollup of a range as CSV (its directors): one line per day and hour with use:
/// `day,hour,desk_seconds,room_seconds,childcare_seconds`.
#[utoipa::path(get, path = "/api/v1/sites/{id}/utilisation.csv", tag = "occupancy", params(("id" = i64, Path), RangeQuery),
    responses((status = 200, content_type = "text/csv", body = String)))]
async fn utilisation_csv(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Response> {
    who.require_director(site)?;
    let (from, to) = q.days()?;
    let mut csv = String::from("day,hour,desk_seconds,room_seconds,childcare_seconds\r\n");
    for (day, hour, desk, room, care) in history::hours(&st.db, site, from, to).await? {
        csv.push_str(&format!("{day},{hour},{desk},{room},{care}\r\n"));
    }
    let name = format!("attachment; filename=\"utilisation-{site}-{from}-{to}.csv\"");
    let mut res = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&name) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
