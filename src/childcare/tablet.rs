//! The childcare room's tablet: today's children for the site's caregivers, the ratio now and
//! for the rest of the day with its alerts, and the drop-off by the parent's QR code (checked
//! as the kiosk checks it, on the caregiver's own session).

use super::day_record::{Detail, RoomChild, RoomContext, closing, require_caregiver};
use super::day_store::Scope;
use super::errors::ChildcareError;
use super::handover::{qr_person, receive_in};
use super::http::CARERS;
use super::places::{as_places, as_shifts, load_day};
use super::room::DateQuery;
use super::rules::{self, DROPOFF_EARLY_SECS, PlaceStatus, SEGMENT_SECS};
use super::store::{self, PlaceRow};
use super::{ChildcarePlace, hhmm, schedule_of};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, Json, Path, Query, invalid_code, parse_date};
use crate::ids::{ChildId, SiteId};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tablet_day))
        .routes(routes!(drop_off_by_qr))
}

/// The room against the caregivers on duty in one 15-minute segment.
#[derive(Clone, Serialize, ToSchema)]
pub struct RatioSegment {
    /// Local HH:MM.
    pub start: String,
    /// Children in the room, by age group [under 1, 1-2, 3, 4+].
    pub present: [u32; 4],
    /// Children in the room or still expected (booked), by age group.
    pub expected: [u32; 4],
    pub caregivers_on_duty: u32,
    /// Caregivers the children in the room need.
    pub required_present: u32,
    /// Caregivers needed once every booked child has arrived.
    pub required_expected: u32,
}

/// Something the room must act on.
#[derive(Serialize, ToSchema)]
pub struct RoomAlert {
    /// not_collected, nap_check_late, front_position (a child); ratio_broken (too few
    /// caregivers for the children in the room now, in or out of hours), ratio_at_risk (a
    /// booked child arriving would break the ratio), caregiver_leaving (a shift ends and the
    /// ratio breaks).
    pub kind: String,
    /// Local HH:MM: the segment for the ratio, the alert's moment otherwise.
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_id: Option<ChildId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_name: Option<String>,
}

/// The tablet's day.
#[derive(Serialize, ToSchema)]
pub struct TabletDay {
    /// Local date, YYYY-MM-DD.
    pub date: String,
    /// The site's clock now, HH:MM.
    pub now: String,
    /// Minutes between nap checks: [under 1, ages 1-2, 3 and older].
    pub nap_check_minutes: [u32; 3],
    /// Parents who just checked in at the kiosk with a child to hand over come first, then by
    /// expected arrival.
    pub children: Vec<RoomChild>,
    /// The segment running now (outside opening hours only while a child is in the room).
    pub ratio_now: Option<RatioSegment>,
    /// The segments from now to closing.
    pub ratio_rest: Vec<RatioSegment>,
    pub alerts: Vec<RoomAlert>,
}

/// The ratio per segment from the one running at `now` to closing.
fn ratio_rest(
    starts: &[i64],
    places: &[PlaceRow],
    shifts: &[rules::Duty],
    standard: &rules::Standard,
    now: i64,
    tz: chrono_tz::Tz,
) -> Vec<(i64, RatioSegment)> {
    // A child handed over early is in the room from the hand-over, and one not collected by
    // the place's end is still there until picked up.
    let in_room: Vec<PlaceRow> = places
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.starts_at = p.dropped_off_at.map_or(p.starts_at, |d| d.min(p.starts_at));
            if p.status == PlaceStatus::DroppedOff {
                p.ends_at = p.ends_at.max(now + SEGMENT_SECS);
            }
            p
        })
        .collect();
    let present: Vec<PlaceRow> = in_room
        .iter()
        .filter(|p| p.status == PlaceStatus::DroppedOff)
        .cloned()
        .collect();
    let (present, all) = (as_places(&present), as_places(&in_room));
    starts
        .iter()
        .filter(|&&at| at + SEGMENT_SECS > now)
        .map(|&at| {
            let (here, on_duty) = rules::segment(at, &present, shifts);
            let (expected, _) = rules::segment(at, &all, shifts);
            (
                at,
                RatioSegment {
                    start: hhmm(at, tz),
                    present: here,
                    expected,
                    caregivers_on_duty: on_duty,
                    required_present: rules::required(&here, standard),
                    required_expected: rules::required(&expected, standard),
                },
            )
        })
        .collect()
}

/// Where the ratio breaks once the booked children arrive, one alert per short stretch of
/// segments: `caregiver_leaving` when the stretch starts because fewer caregivers are on duty
/// than in the segment before, `ratio_at_risk` otherwise.
fn ratio_alerts(segments: &[(i64, RatioSegment)]) -> Vec<RoomAlert> {
    let mut out: Vec<RoomAlert> = Vec::new();
    let mut before: Option<(u32, bool)> = None;
    for (_, s) in segments {
        let short = s.required_expected > s.caregivers_on_duty;
        if short && !before.is_some_and(|(_, was_short)| was_short) {
            let kind = if before.is_some_and(|(duty, _)| duty > s.caregivers_on_duty) {
                "caregiver_leaving"
            } else {
                "ratio_at_risk"
            };
            out.push(RoomAlert {
                kind: kind.into(),
                at: s.start.clone(),
                child_id: None,
                child_name: None,
            });
        }
        before = Some((s.caregivers_on_duty, short));
    }
    out
}

/// Today's children for the room's tablet (the site's caregivers only): names, ages,
/// allergies and medical notes, who may collect them, times and status, naps and notes,
/// refused pick-ups; the ratio now and for the rest of the day, and the alerts.
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/tablet", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = TabletDay), (status = 403), (status = 404, description = "childcare.unavailable"), (status = 422)))]
async fn tablet_day(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<TabletDay>> {
    require_caregiver(&who, site)?;
    let date = parse_date("date", &q.date)?;
    let (schedule, cc) = (
        schedule_of(&st.db, site).await?,
        super::settings(&st.db, site).await?,
    );
    let tz = schedule.tz;
    let now = st.clock.epoch();
    let (from, to) = schedule.day_bounds(date);
    let closes = closing(&schedule, date);
    let open = schedule
        .day(date)
        .hours
        .and_then(|h| schedule.instant(date, h.open).ok())
        .map(|t| t.timestamp());
    let detail = Detail::load(&st.db, Scope::Site { site, from, to }).await?;
    let cx = RoomContext {
        schedule: &schedule,
        nap_minutes: cc.nap_minutes,
        now,
        closes,
    };
    let mut children: Vec<RoomChild> = store::places(&st.db, site, from, to)
        .await?
        .into_iter()
        .filter_map(|p| detail.room_child(p, &cx))
        .collect();
    // Waiting at the kiosk's hand-over first (latest last), then by expected arrival.
    children.sort_by_key(|c| {
        let waiting = c.status == "expected" && c.handover.arrived_at_kiosk.is_some();
        (!waiting, c.place.starts_at.clone(), c.place.id)
    });
    let mut alerts = Vec::new();
    for c in &children {
        for kind in &c.alerts {
            alerts.push(RoomAlert {
                kind: kind.clone(),
                at: hhmm(now, tz),
                child_id: Some(c.child.id),
                child_name: Some(c.child.name.clone()),
            });
        }
    }
    // A child in the room outside the opening hours (before opening, after the shifts ended)
    // still needs caregivers: the window stretches to the segment running now.
    let in_room_now = (from..to).contains(&now) && children.iter().any(|c| c.status == "here");
    let window = match (open, closes) {
        (Some(open), Some(close)) if in_room_now => {
            let behind = (now - open).rem_euclid(SEGMENT_SECS);
            Some((
                open.min(now - behind),
                close.max(now - behind + SEGMENT_SECS),
            ))
        }
        (Some(open), Some(close)) => Some((open, close)),
        _ if in_room_now => Some((now, now + SEGMENT_SECS)),
        _ => None,
    };
    let segments = match window {
        Some((open, close)) => {
            let starts: Vec<i64> = (open..close).step_by(SEGMENT_SECS as usize).collect();
            let mut tx = st.db.begin_read().await?;
            let (places, shifts) = load_day(&mut tx, site, open, close).await?;
            tx.commit().await?;
            ratio_rest(&starts, &places, &as_shifts(&shifts), &cc.standard, now, tz)
        }
        _ => Vec::new(),
    };
    alerts.extend(ratio_alerts(&segments));
    let ratio_now = segments
        .first()
        .filter(|(at, _)| *at <= now)
        .map(|(_, s)| s.clone());
    if let Some(s) = ratio_now
        .as_ref()
        .filter(|s| s.required_present > s.caregivers_on_duty)
    {
        alerts.insert(
            0,
            RoomAlert {
                kind: "ratio_broken".into(),
                at: s.start.clone(),
                child_id: None,
                child_name: None,
            },
        );
    }
    Ok(Json(TabletDay {
        date: date.to_string(),
        now: hhmm(now, tz),
        nap_check_minutes: cc.nap_minutes,
        children,
        ratio_now,
        ratio_rest: segments.into_iter().map(|(_, s)| s).collect(),
        alerts,
    }))
}

/// The QR code a parent shows at the tablet.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QrInput {
    /// The code as a reader types it (the same payload the kiosk reads).
    payload: String,
}

/// Receives every child of the parent whose QR code is shown that is booked at the site now
/// (from 30 minutes before the place starts): the caregivers and directors of the site. 409
/// `childcare.not_booked_today` when none is (the parent may book a place now in the app).
#[utoipa::path(post, path = "/api/v1/sites/{id}/childcare/drop-off-by-qr", tag = "childcare", params(("id" = i64, Path)), request_body = QrInput,
    responses((status = 200, body = [ChildcarePlace]), (status = 403, description = "not a carer of the site, or childcare.not_on_duty"), (status = 409, description = "childcare.not_booked_today"), (status = 422, description = "childcare.bad_qr")))]
async fn drop_off_by_qr(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<QrInput>,
) -> ApiResult<Json<Vec<ChildcarePlace>>> {
    who.require(site, &CARERS)?;
    super::handover::may_hand_over(&st, &who, site).await?;
    let parent = qr_person(&st, &input.payload)
        .await?
        .ok_or_else(|| invalid_code("payload", ChildcareError::BadQr))?;
    Ok(Json(receive_children_of(&st, site, parent, who.id).await?))
}

/// Receives a parent's children booked at the site now; refused when there is none.
async fn receive_children_of(
    st: &AppState,
    site: SiteId,
    parent: crate::ids::PersonId,
    caregiver: crate::ids::PersonId,
) -> ApiResult<Vec<ChildcarePlace>> {
    let now = st.clock.epoch();
    let tz = schedule_of(&st.db, site).await?.tz;
    let (due, later): (Vec<PlaceRow>, Vec<PlaceRow>) =
        store::places_of_guardian(&st.db, parent, now)
            .await?
            .into_iter()
            .filter(|p| p.site_id == site && p.status == PlaceStatus::Booked)
            .partition(|p| p.starts_at - DROPOFF_EARLY_SECS <= now);
    if due.is_empty() {
        // A place later today: too early, and the reason says from when.
        let today = super::local_date(now, tz);
        if later
            .iter()
            .any(|p| super::local_date(p.starts_at, tz) == today)
        {
            return Err(super::handover::not_now());
        }
        return Err(ChildcareError::NotBookedToday.into());
    }
    // Every child of the parent in one transaction: both received, or neither (a parent
    // handing over two children must not leave with one recorded and one not).
    let mut tx = st.db.begin().await?;
    for p in &due {
        receive_in(&mut tx, p, caregiver, now).await?;
    }
    tx.commit().await?;
    let mut out = Vec::new();
    for p in due {
        if let Some(p) = store::place(&st.db.pool, p.id).await? {
            out.push(ChildcarePlace::from_row(p, tz));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: &str, duty: u32, need: u32) -> (i64, RatioSegment) {
        (
            0,
            RatioSegment {
                start: start.into(),
                present: [0; 4],
                expected: [1, 0, 0, 0],
                caregivers_on_duty: duty,
                required_present: 0,
                required_expected: need,
            },
        )
    }

    #[test]
    fn one_alert_per_short_stretch_named_by_its_cause() {
        let kinds = |s: &[(i64, RatioSegment)]| -> Vec<(String, String)> {
            ratio_alerts(s)
                .into_iter()
                .map(|a| (a.kind, a.at))
                .collect()
        };
        assert!(kinds(&[seg("09:00", 2, 2), seg("09:15", 2, 2)]).is_empty());
        // A shift ends at 11:00 and the stretch after it is short: one alert.
        assert_eq!(
            kinds(&[seg("10:45", 2, 2), seg("11:00", 1, 2), seg("11:15", 1, 2)]),
            [("caregiver_leaving".into(), "11:00".into())]
        );
        // Short from the start (nobody left): the booked children's arrival breaks it.
        assert_eq!(
            kinds(&[seg("09:00", 1, 2), seg("09:15", 2, 2), seg("09:30", 2, 3)]),
            [
                ("ratio_at_risk".into(), "09:00".into()),
                ("ratio_at_risk".into(), "09:30".into())
            ]
        );
    }
}
