//! Nap checks: a caregiver starts a child's nap, checks breathing and position at the
//! interval of the child's age (the site's setting), and ends it. One nap at a time per
//! place, held by a unique index.

use super::day_record::require_caregiver;
use super::day_store::{self as ds, NewCheck};
use super::errors::ChildcareError;
use super::http::place_not_found;
use super::rules::{self, PlaceStatus, Position};
use super::store::{self, PlaceRow};
use super::{hhmm, schedule_of};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, Json, Path, invalid_code};
use crate::ids::{NapId, PersonId, PlaceId};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_nap))
        .routes(routes!(check_nap))
        .routes(routes!(end_nap))
}

/// A place of a site where the caller is a caregiver, or 404 (403 for the site's other
/// staff, who see the place exists on the day's list).
pub(super) async fn cared_place(
    st: &AppState,
    who: &Principal,
    id: PlaceId,
) -> ApiResult<PlaceRow> {
    let p = store::place(&st.db.pool, id)
        .await?
        .ok_or_else(place_not_found)?;
    if !who.has(p.site_id, &super::http::STAFF) {
        return Err(place_not_found());
    }
    require_caregiver(who, p.site_id)?;
    Ok(p)
}

/// A nap as the tablet sees it after a change.
#[derive(Serialize, ToSchema)]
pub struct NapState {
    pub nap_id: NapId,
    pub place_id: PlaceId,
    /// Local HH:MM.
    pub started_at: String,
    /// When the next check is due (local HH:MM); none once the nap ended.
    pub check_due_at: Option<String>,
    /// Seconds between checks for this child's age.
    pub interval_secs: i64,
    /// The check just recorded found the child on their front.
    pub front: bool,
    pub ended: bool,
}

/// The nap's state after a change.
async fn state_of(
    st: &AppState,
    p: &PlaceRow,
    (nap, started, last): (NapId, i64, Option<i64>),
    front: bool,
    ended: bool,
) -> ApiResult<NapState> {
    let cc = super::settings(&st.db, p.site_id).await?;
    let tz = schedule_of(&st.db, p.site_id).await?.tz;
    let interval = rules::nap_interval_secs(p.age_group, cc.nap_minutes);
    Ok(NapState {
        nap_id: nap,
        place_id: p.id,
        started_at: hhmm(started, tz),
        check_due_at: (!ended).then(|| hhmm(rules::nap_check_due(started, last, interval), tz)),
        interval_secs: interval,
        front,
        ended,
    })
}

/// Starts a nap for a child in the room.
async fn start(st: &AppState, p: &PlaceRow, by: PersonId) -> ApiResult<(NapId, i64)> {
    if p.status != PlaceStatus::DroppedOff {
        return Err(ChildcareError::NotInRoom.into());
    }
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    let id = match ds::start_nap(&mut tx, st.db.backend, (p.site_id, p.id), by, now).await? {
        ds::NapStart::Started(id) => id,
        ds::NapStart::AlreadyNapping => return Err(ChildcareError::AlreadyNapping.into()),
        ds::NapStart::NotInRoom => return Err(ChildcareError::NotInRoom.into()),
    };
    tx.commit().await?;
    Ok((id, now))
}

/// A child in the room falls asleep: the nap starts now, and the first check is due one
/// interval later (5 minutes under 1, 10 for ages 1-2 by default).
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/naps", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 201, body = NapState), (status = 403), (status = 404), (status = 409, description = "childcare.not_in_room or childcare.already_napping")))]
async fn start_nap(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PlaceId>,
) -> ApiResult<(axum::http::StatusCode, Json<NapState>)> {
    let p = cared_place(&st, &who, id).await?;
    let (nap, started) = start(&st, &p, who.id).await?;
    let state = state_of(&st, &p, (nap, started, None), false, false).await?;
    Ok((axum::http::StatusCode::CREATED, Json(state)))
}

/// One nap check, as the caregiver taps it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    /// Breathing normally.
    breathing: bool,
    /// back, side or front.
    position: String,
}

/// Records a check of the running nap; answers its start.
async fn check(
    st: &AppState,
    p: &PlaceRow,
    by: PersonId,
    breathing: bool,
    position: Position,
) -> ApiResult<(NapId, i64, i64)> {
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    let Some((nap, started)) = ds::open_nap(&mut tx, p.id).await? else {
        return Err(ChildcareError::NotNapping.into());
    };
    let c = NewCheck {
        nap,
        site: p.site_id,
        at: now,
        by,
        breathing,
        position,
    };
    ds::insert_check(&mut tx, &c).await?;
    tx.commit().await?;
    Ok((nap, started, now))
}

/// Records a nap check (breathing, position) now; a front position is flagged.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/nap-checks", tag = "childcare", params(("id" = i64, Path)), request_body = CheckInput,
    responses((status = 201, body = NapState), (status = 403), (status = 404), (status = 409, description = "childcare.not_napping"), (status = 422, description = "childcare.bad_position")))]
async fn check_nap(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PlaceId>,
    Json(input): Json<CheckInput>,
) -> ApiResult<(axum::http::StatusCode, Json<NapState>)> {
    let position: Position = input
        .position
        .parse()
        .map_err(|_| invalid_code("position", ChildcareError::BadPosition))?;
    let p = cared_place(&st, &who, id).await?;
    let (nap, started, at) = check(&st, &p, who.id, input.breathing, position).await?;
    let front = position == Position::Front;
    let state = state_of(&st, &p, (nap, started, Some(at)), front, false).await?;
    Ok((axum::http::StatusCode::CREATED, Json(state)))
}

/// Ends the running nap.
async fn end(st: &AppState, p: &PlaceRow, by: PersonId) -> ApiResult<(NapId, i64)> {
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    let Some((nap, started)) = ds::open_nap(&mut tx, p.id).await? else {
        return Err(ChildcareError::NotNapping.into());
    };
    if !ds::end_nap(&mut tx, nap, by, now).await? {
        return Err(ChildcareError::NotNapping.into());
    }
    tx.commit().await?;
    Ok((nap, started))
}

/// The child woke up: ends the running nap.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/nap-end", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = NapState), (status = 403), (status = 404), (status = 409, description = "childcare.not_napping")))]
async fn end_nap(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PlaceId>,
) -> ApiResult<Json<NapState>> {
    let p = cared_place(&st, &who, id).await?;
    let (nap, started) = end(&st, &p, who.id).await?;
    Ok(Json(
        state_of(&st, &p, (nap, started, None), false, true).await?,
    ))
}
