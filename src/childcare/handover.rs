//! The hand-over: a caregiver receives a child in the drop-off window, and hands them only to
//! a guardian or an active authorised person with the right code; every pick-up attempt is
//! logged.

use super::ChildcarePlace;
use super::children::{child_not_found, pickup_code_hash};
use super::errors::ChildcareError;
use super::http::{CARERS, place_not_found};
use super::places::place_view;
use super::rules::DROPOFF_EARLY_SECS;
use super::store::{self, ChildRow, PickupAttempt, PlaceRow};
use crate::AppState;
use crate::auth::throttle::{self, Limit};
use crate::auth::{Principal, credential};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::events::Event;
use crate::ids::{AuthorisedPersonId, PersonId, PlaceId};
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(drop_off))
        .routes(routes!(pick_up))
}

/// A place whose child the caller hands over (the site's caregivers and directors), or 404.
async fn handled_place(st: &AppState, who: &Principal, id: PlaceId) -> ApiResult<PlaceRow> {
    let p = store::place(&st.db.pool, id)
        .await?
        .ok_or_else(place_not_found)?;
    if !who.has(p.site_id, &CARERS) {
        return Err(place_not_found());
    }
    may_hand_over(st, who, p.site_id).await?;
    Ok(p)
}

/// Who records a hand-over (issue 15: "a caregiver of the site" does, on the room's tablet):
/// the site's caregivers on duty today (a shift of theirs that local day: the room's ratio
/// counts only caregivers on duty, and one who stays past the shift's end for a child not
/// collected must still hand them over); and the site's director, who answers for the room
/// and stands in (an administrator holds every role). 403 `childcare.not_on_duty` for a
/// caregiver with no shift today; the caller has checked the role.
pub(super) async fn may_hand_over(
    st: &AppState,
    who: &Principal,
    site: crate::ids::SiteId,
) -> ApiResult<()> {
    if who.has(site, &[crate::auth::Role::Director]) {
        return Ok(());
    }
    let schedule = super::schedule_of(&st.db, site).await?;
    let today = super::local_date(st.clock.epoch(), schedule.tz);
    if store::on_duty(&st.db, site, who.id, schedule.day_bounds(today)).await? {
        Ok(())
    } else {
        Err(ChildcareError::NotOnDuty.into())
    }
}

/// Too early or too late to hand a child over, with the window's minutes.
pub(super) fn not_now() -> ApiError {
    ApiError::from(ChildcareError::NotNow).with("minutes", DROPOFF_EARLY_SECS / 60)
}

/// Receives the child of a booked place in its window, in one transaction.
pub(super) async fn receive(st: &AppState, p: &PlaceRow, caregiver: PersonId) -> ApiResult<()> {
    let mut tx = st.db.begin().await?;
    receive_in(&mut tx, p, caregiver, st.clock.epoch()).await?;
    tx.commit().await?;
    Ok(())
}

/// Receives the child of a booked place in its window, inside the caller's transaction (so
/// that several children handed over together are received together or not at all).
pub(super) async fn receive_in(
    tx: &mut Tx,
    p: &PlaceRow,
    caregiver: PersonId,
    now: i64,
) -> ApiResult<()> {
    let to = p
        .status
        .drop_off((p.starts_at, p.ends_at), now)
        .map_err(|e| match e {
            ChildcareError::AlreadyHere => e.into(),
            _ => not_now(),
        })?;
    if !store::transition(tx, p.id, p.status, to, now).await? {
        // Another tablet received the child between the read and this write.
        return Err(ChildcareError::AlreadyHere.into());
    }
    store::record_dropoff(tx, p.id, caregiver).await?;
    tx.publish(Event::ChildDroppedOff {
        site_id: p.site_id,
        child_id: p.child_id,
    });
    Ok(())
}

/// A caregiver receives the child.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/drop-off", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = ChildcarePlace), (status = 403, description = "childcare.not_on_duty"), (status = 409)))]
async fn drop_off(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PlaceId>,
) -> ApiResult<Json<ChildcarePlace>> {
    let p = handled_place(&st, &who, id).await?;
    receive(&st, &p, who.id).await?;
    place_view(&st, id, p.site_id).await
}

/// Who is collecting the child: a guardian (by account, or by the QR code of their app), or
/// an authorised person with their one-time pick-up code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupRequest {
    guardian_id: Option<PersonId>,
    /// The QR code the guardian shows (as the kiosk reads it).
    qr: Option<String>,
    authorised_person_id: Option<AuthorisedPersonId>,
    code: Option<String>,
}

/// The person a QR code names, checked as the kiosk checks it (signature, version, window,
/// an active account); None for anything that is not a valid QR code of an active person now.
pub async fn qr_person(st: &AppState, payload: &str) -> ApiResult<Option<PersonId>> {
    let Some(c @ credential::Credential::Qr { person, .. }) = credential::parse(payload) else {
        return Ok(None);
    };
    let creds = credential::credentials(&st.db, person).await?;
    let Ok(p) = credential::verify(
        &st.secret,
        &c,
        st.clock.epoch(),
        creds.qr_version,
        creds.card_serial,
    ) else {
        return Ok(None);
    };
    Ok(store::person_active(&st.db, p).await?.then_some(p))
}

/// Who was presented, as checked.
enum Collector {
    /// A guardian of the child.
    Guardian,
    /// An authorised person whose unspent code matched (spent in the hand-over).
    Authorised(AuthorisedPersonId, String),
    Refused,
}

/// Whether the adult presented may collect the child, and how the log names them.
async fn may_collect(
    st: &AppState,
    child: &ChildRow,
    req: &PickupRequest,
) -> ApiResult<(Collector, String)> {
    // A guardian of the child whose account is active: a deactivated account's QR code (which
    // deactivation does not revoke) is refused here as at the kiosk.
    let guardian = async |g: PersonId| -> ApiResult<(Collector, String)> {
        let who = if child.guardian_ids.contains(&g) && store::person_active(&st.db, g).await? {
            Collector::Guardian
        } else {
            Collector::Refused
        };
        Ok((who, format!("guardian:{g}")))
    };
    Ok(
        match (req.guardian_id, req.qr.as_deref(), req.authorised_person_id) {
            (Some(g), None, None) => guardian(g).await?,
            (None, Some(qr), None) => match qr_person(st, qr).await? {
                Some(g) => guardian(g).await?,
                None => (Collector::Refused, "qr:invalid".to_string()),
            },
            (None, None, Some(a)) => {
                // Wrong codes are throttled per authorised adult: a 6-digit code cannot be
                // tried through; five misses in 15 minutes lock the code's use for that time.
                let limit = [Limit::new(format!("pickup:{}", a.0), 5, 15 * 60)];
                if throttle::reserve(&st.db, &limit, st.clock.epoch())
                    .await?
                    .is_err()
                {
                    return Ok((Collector::Refused, format!("authorised:{a}{LOCKED}")));
                }
                let code = req.code.as_deref().unwrap_or_default().trim();
                let hash = pickup_code_hash(child.id, code);
                let ok = store::authorised(&st.db, a).await?.is_some_and(|ap| {
                    ap.child_id == child.id
                        && ap.active
                        && ap.pickup_code_used_at.is_none()
                        && ap.pickup_code_hash == hash
                });
                let who = if ok {
                    throttle::refund(&st.db, &limit).await?;
                    Collector::Authorised(a, hash)
                } else {
                    Collector::Refused
                };
                (who, format!("authorised:{a}"))
            }
            _ => (Collector::Refused, "unidentified".to_string()),
        },
    )
}

/// Logs a refused attempt on its own (nothing else is written) and answers the refusal: a
/// code locked after wrong tries says so (the right code would be refused as well for a while).
async fn refuse(st: &AppState, attempt: &PickupAttempt<'_>) -> ApiResult<()> {
    store::log_pickup(&st.db.pool, attempt).await?;
    if attempt.presented.ends_with(LOCKED) {
        return Err(ChildcareError::PickupCodeLocked.into());
    }
    Err(ChildcareError::PickupNotAuthorised.into())
}

/// How the log names a try with a locked code.
const LOCKED: &str = ":locked";

/// Hands the child over to who was presented: logs the attempt, and when allowed marks the
/// place picked up (and spends a pick-up code), in one transaction.
async fn hand_over(
    st: &AppState,
    p: &PlaceRow,
    caregiver: PersonId,
    req: &PickupRequest,
) -> ApiResult<()> {
    let child = store::child(&st.db, p.child_id)
        .await?
        .ok_or_else(child_not_found)?;
    // Who was presented is decided (and a refusal logged) before the place's state is looked
    // at: a stranger asking for a child not in the room yet leaves a trace too.
    let (collector, presented) = may_collect(st, &child, req).await?;
    let now = st.clock.epoch();
    let mut attempt = PickupAttempt {
        place_id: p.id,
        caregiver,
        presented: &presented,
        allowed: !matches!(collector, Collector::Refused),
        at: now,
    };
    if !attempt.allowed {
        return refuse(st, &attempt).await;
    }
    let to = p.status.pick_up()?;
    let mut tx = st.db.begin().await?;
    if let Collector::Authorised(a, hash) = &collector
        && !store::spend_pickup_code(&mut tx, *a, hash, now).await?
    {
        // Spent by another hand-over in the meantime.
        tx.rollback().await?;
        attempt.allowed = false;
        return refuse(st, &attempt).await;
    }
    store::log_pickup(&mut *tx, &attempt).await?;
    if !store::transition(&mut tx, p.id, p.status, to, now).await? {
        return Err(ChildcareError::NotInRoom.into());
    }
    store::record_pickup(&mut tx, p.id, caregiver, &presented).await?;
    // A child collected while asleep: the nap ends with the hand-over.
    super::day_store::end_naps_of(&mut tx, p.id, caregiver, now).await?;
    tx.publish(Event::ChildPickedUp {
        site_id: p.site_id,
        child_id: p.child_id,
    });
    tx.commit().await?;
    Ok(())
}

/// A caregiver hands the child over, only to a guardian or an active authorised person with
/// the right one-time code; every attempt is logged, and refusals are shown on the day view.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/pick-up", tag = "childcare", params(("id" = i64, Path)), request_body = PickupRequest,
    responses((status = 200, body = ChildcarePlace), (status = 403, description = "childcare.pickup_not_authorised, childcare.pickup_code_locked, childcare.not_on_duty"), (status = 409, description = "childcare.not_in_room")))]
async fn pick_up(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PlaceId>,
    Json(req): Json<PickupRequest>,
) -> ApiResult<Json<ChildcarePlace>> {
    let p = handled_place(&st, &who, id).await?;
    hand_over(&st, &p, who.id, &req).await?;
    place_view(&st, id, p.site_id).await
}
