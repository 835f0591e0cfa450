//! The childcare room's day: the children's list for the staff, the 15-minute segments
//! against the caregivers on duty, and whether a guardian's children would fit.

use super::errors::ChildcareError;
use super::http::{CARERS, STAFF, cares_at};
use super::places::{as_places, as_shifts, children_for, load_day};
use super::rules::{self, PlaceStatus, SEGMENT_SECS};
use super::store::{self, PlaceRow, Settings, ShiftRow};
use super::{Child, ChildcarePlace, View, hhmm, schedule_of};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiResult, Json, Path, Query, invalid_code, parse_date};
use crate::ids::{ChildId, SiteId};
use crate::sites::rules::Schedule;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(day))
        .routes(routes!(segments))
        .routes(routes!(room_availability))
}

/// The day asked for.
#[derive(Deserialize, IntoParams)]
pub struct DateQuery {
    /// Local date, YYYY-MM-DD.
    pub date: String,
}

/// One child on the day's list.
#[derive(Serialize, ToSchema)]
pub struct DayEntry {
    place: ChildcarePlace,
    child: Child,
    /// The child has an allergy on record (the site's caregivers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    allergy_flag: Option<bool>,
    /// Refused pick-up attempts (those who hand children over: caregivers and directors).
    #[serde(skip_serializing_if = "Option::is_none")]
    refused_pickups: Option<Vec<String>>,
    /// "not_picked_up" once the site has closed with the child still in the room.
    alert: Option<String>,
}

/// What the viewer of the day's list may see.
struct DayViewer {
    view: View,
    /// Sees refused pick-ups: hands children over.
    handles: bool,
}

/// The day's list: every place not cancelled, with its child cut to the viewer.
async fn day_list(
    st: &AppState,
    site: SiteId,
    date: NaiveDate,
    viewer: DayViewer,
) -> ApiResult<Vec<DayEntry>> {
    let schedule = schedule_of(&st.db, site).await?;
    let (from, to) = schedule.day_bounds(date);
    let closes = schedule
        .day(date)
        .hours
        .and_then(|h| schedule.instant(date, h.close).ok());
    let now = st.clock.now();
    let refused = store::refused_pickups(&st.db, site, from, to).await?;
    let mut out = Vec::new();
    for p in store::places(&st.db, site, from, to).await? {
        if p.status == PlaceStatus::Cancelled {
            continue;
        }
        let Some(c) = store::child(&st.db, p.child_id).await? else {
            continue;
        };
        let alert = (p.status == PlaceStatus::DroppedOff && closes.is_some_and(|c| now >= c))
            .then(|| "not_picked_up".to_string());
        out.push(DayEntry {
            allergy_flag: (viewer.view == View::Full).then_some(!c.fields.allergies.is_empty()),
            refused_pickups: viewer.handles.then(|| {
                refused
                    .iter()
                    .filter(|r| r.place_id == p.id)
                    .map(|r| r.presented.clone())
                    .collect()
            }),
            child: Child::from_row(c, viewer.view),
            place: ChildcarePlace::from_row(p, schedule.tz),
            alert,
        });
    }
    Ok(out)
}

/// The day's children (staff): caregivers see allergies and medical notes; caregivers and
/// directors see refused pick-ups; everyone else of the staff sees names and presence.
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/day", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = [DayEntry])))]
async fn day(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Vec<DayEntry>>> {
    who.require(site, &STAFF)?;
    let viewer = DayViewer {
        view: if cares_at(&who, site) {
            View::Full
        } else {
            View::NameOnly
        },
        handles: who.has(site, &CARERS),
    };
    let date = parse_date("date", &q.date)?;
    Ok(Json(day_list(&st, site, date, viewer).await?))
}

/// One 15-minute segment of the childcare room.
#[derive(Serialize, ToSchema)]
pub struct Segment {
    start: String,
    /// Children holding a place, by age group [under 1, 1-2, 3, 4+].
    children: [u32; 4],
    caregivers_on_duty: u32,
    caregivers_required: u32,
    /// How many more children of each age group fit.
    headroom: [u32; 4],
}

/// Children by age group against caregivers on duty, per 15-minute segment of a day (staff).
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/segments", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = [Segment])))]
async fn segments(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Vec<Segment>>> {
    who.require(site, &STAFF)?;
    let date = parse_date("date", &q.date)?;
    let room = room_day(&st, site, date).await?;
    let (places, shifts) = (as_places(&room.places), as_shifts(&room.shifts));
    let standard = &room.cc.standard;
    Ok(Json(
        room.starts
            .iter()
            .map(|&at| {
                let (children, on_duty) = rules::segment(at, &places, &shifts);
                Segment {
                    start: hhmm(at, room.schedule.tz),
                    children,
                    caregivers_on_duty: on_duty,
                    caregivers_required: rules::required(&children, standard),
                    headroom: rules::headroom(&children, on_duty, standard),
                }
            })
            .collect(),
    ))
}

/// The childcare room's day: the start of each 15-minute segment from opening to closing
/// (none on a closed day), and the places and shifts that touch the day.
struct RoomDay {
    schedule: Schedule,
    cc: Settings,
    starts: Vec<i64>,
    places: Vec<PlaceRow>,
    shifts: Vec<ShiftRow>,
}

/// Loads a site's childcare room for a local date; 404 `childcare.unavailable` when the site
/// has none.
async fn room_day(st: &AppState, site: SiteId, date: NaiveDate) -> ApiResult<RoomDay> {
    let schedule = schedule_of(&st.db, site).await?;
    let cc = super::settings(&st.db, site).await?;
    let span = schedule.day(date).hours.and_then(|h| {
        let open = schedule.instant(date, h.open).ok()?;
        let close = schedule.instant(date, h.close).ok()?;
        Some((open.timestamp(), close.timestamp()))
    });
    let mut room = RoomDay {
        schedule,
        cc,
        starts: Vec::new(),
        places: Vec::new(),
        shifts: Vec::new(),
    };
    let Some((open, close)) = span else {
        return Ok(room);
    };
    // A read: a plain transaction, which on SQLite does not take the write lock.
    let mut tx = st.db.begin_read().await?;
    (room.places, room.shifts) = load_day(&mut tx, site, open, close).await?;
    tx.commit().await?;
    room.starts = (open..close).step_by(SEGMENT_SECS as usize).collect();
    Ok(room)
}

/// The day and the children to check.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomQuery {
    /// Local date, YYYY-MM-DD.
    date: String,
    /// My children to check, comma-separated ids (at most 10).
    child_ids: Option<String>,
}

/// Whether my children fit in the childcare room on one day. Nothing about other children:
/// no names, no counts, no headroom (with the ratios that would give each age group's count).
#[derive(Serialize, ToSchema)]
pub struct RoomAvailability {
    /// Local date, YYYY-MM-DD.
    date: String,
    /// Whether the site is open that day.
    open: bool,
    /// Start of each 15-minute segment, local HH:MM (empty on a closed day).
    slots: Vec<String>,
    /// Per slot: whether the children asked for fit in together (their own places that day
    /// count as theirs); empty when no child was asked for.
    fits: Vec<bool>,
}

/// Whether these children (with their age groups) fit, segment by segment, their own places
/// that day counting as theirs.
fn availability(
    room: &RoomDay,
    date: NaiveDate,
    children: &[(ChildId, usize)],
) -> RoomAvailability {
    let mut groups = [0u32; rules::GROUPS];
    for (_, g) in children {
        groups[*g] += 1;
    }
    let others: Vec<PlaceRow> = room
        .places
        .iter()
        .filter(|p| !children.iter().any(|(c, _)| *c == p.child_id))
        .cloned()
        .collect();
    let (others, shifts) = (as_places(&others), as_shifts(&room.shifts));
    let mut out = RoomAvailability {
        date: date.to_string(),
        open: !room.starts.is_empty(),
        slots: Vec::new(),
        fits: Vec::new(),
    };
    for &at in &room.starts {
        out.slots.push(hhmm(at, room.schedule.tz));
        if !children.is_empty() {
            let (mut with, on_duty) = rules::segment(at, &others, &shifts);
            with.iter_mut().zip(groups).for_each(|(n, g)| *n += g);
            out.fits
                .push(rules::fits(&with, on_duty, &room.cc.standard));
        }
    }
    out
}

/// Whether my children would fit in the childcare room, per 15-minute segment of a day: for
/// choosing a time before booking.
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/availability", tag = "childcare",
    params(("id" = i64, Path), RoomQuery),
    responses((status = 200, body = RoomAvailability), (status = 404, description = "childcare.unavailable, or a child that is not mine")))]
async fn room_availability(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<RoomQuery>,
) -> ApiResult<Json<RoomAvailability>> {
    who.require(site, &Role::ALL)?;
    let date = parse_date("date", &q.date)?;
    let ids = child_id_list(q.child_ids.as_deref().unwrap_or_default())?;
    let room = room_day(&st, site, date).await?;
    let children = children_for(&st.db, who.id, &ids, date, &room.cc).await?;
    Ok(Json(availability(&room, date, &children)))
}

/// `1,2,3` as ids: at most 10, each a positive number.
fn child_id_list(raw: &str) -> ApiResult<Vec<ChildId>> {
    let bad = || invalid_code("child_ids", ChildcareError::BadChildIds);
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: i64 = part.parse().map_err(|_| bad())?;
        if id <= 0 {
            return Err(bad());
        }
        if !ids.contains(&ChildId(id)) {
            ids.push(ChildId(id));
        }
        if ids.len() > 10 {
            return Err(bad());
        }
    }
    Ok(ids)
}
