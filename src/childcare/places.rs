//! Places in the childcare room: whether children fit (the ratio by age group, the room's
//! size), adding places or waitlisting them, the waitlist served first come first served,
//! a guardian's list, and cancelling. Booking a desk with places is booking's use case
//! (`booking::with_places`), which calls the functions here for the childcare parts.

use super::children::of_guardian;
use super::errors::{ChildcareError, on_field};
use super::http::place_not_found;
use super::notify::ChildcareNews;
use super::rules::{self, Duty, Place, PlaceStatus};
use super::store::{self, NewPlace, PlaceRow, Settings, ShiftRow};
use super::{ChildcarePlace, age_group, hhmm, schedule_of};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult, Json, Path, Text};
use crate::ids::{BookingId, ChildId, PersonId, PlaceId, SiteId};
use axum::extract::State;
use chrono::NaiveDate;
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_places))
        .routes(routes!(cancel_place))
}

/// The places holding capacity and the shifts around [from, to), as the rules want them.
pub async fn load_day(
    tx: &mut Tx,
    site: SiteId,
    from: i64,
    to: i64,
) -> sqlx::Result<(Vec<PlaceRow>, Vec<ShiftRow>)> {
    // A day's margin either side: segments near the edges see every overlapping record.
    let places = store::holding(tx, site, from - 86400, to + 86400).await?;
    let shifts = store::duty_shifts(tx, site, from - 86400, to + 86400).await?;
    Ok((places, shifts))
}

/// Places in the rules' form.
pub fn as_places(rows: &[PlaceRow]) -> Vec<Place> {
    rows.iter()
        .map(|p| (p.age_group as usize, p.starts_at, p.ends_at))
        .collect()
}

/// Shifts in the rules' form.
pub fn as_shifts(rows: &[ShiftRow]) -> Vec<Duty> {
    rows.iter()
        .map(|s| (s.person_id.0, s.starts_at, s.ends_at))
        .collect()
}

/// The "room is full" refusal, naming the first full segment and the earliest time a place
/// frees there, if any.
pub fn full(at: i64, places: &[PlaceRow], tz: chrono_tz::Tz) -> ApiError {
    let frees = places
        .iter()
        .filter(|p| p.starts_at <= at && p.ends_at > at)
        .map(|p| p.ends_at)
        .min();
    let (ja, en) = match frees {
        Some(t) => (
            format!("{}に空きが出る予定です。", hhmm(t, tz)),
            format!(" A place frees at {}.", hhmm(t, tz)),
        ),
        None => (String::new(), String::new()),
    };
    let at = hhmm(at, tz);
    on_field(ChildcareError::Full, "segment", Some(Text::new(&at, &at)))
        .with("at", &at)
        .with_text("frees", &ja, &en)
}

/// Promotes waitlisted places that now fit, first come first served, and tells their
/// guardians; answers their ids.
pub async fn run_waitlist(
    st: &AppState,
    tx: &mut Tx,
    site: SiteId,
    settings: &Settings,
    now: i64,
) -> anyhow::Result<Vec<PlaceId>> {
    let mut promoted = Vec::new();
    for w in store::waitlist(tx, site).await? {
        if w.ends_at <= now {
            continue;
        }
        // A request that gave up its desk waits until its guardian holds a booking covering
        // it again, where the site wants childcare to lie within one.
        if w.desk_booking_id.is_none()
            && settings.within_booking
            && store::covering_booking(tx, w.guardian_id, site, w.starts_at, w.ends_at)
                .await?
                .is_none()
        {
            continue;
        }
        let (held, shifts) = load_day(tx, site, w.starts_at, w.ends_at).await?;
        let mut places = as_places(&held);
        places.push((w.age_group as usize, w.starts_at, w.ends_at));
        let short = rules::first_short_segment(
            w.starts_at,
            w.ends_at,
            &places,
            &as_shifts(&shifts),
            &settings.standard,
        );
        if short.is_none()
            && store::transition(tx, w.id, PlaceStatus::Waitlisted, PlaceStatus::Booked, now)
                .await?
        {
            promoted.push(w.id);
        }
    }
    if !promoted.is_empty() {
        super::notify::places(st, tx, &promoted, ChildcareNews::Promoted).await?;
    }
    Ok(promoted)
}

/// A guardian's active children asked for, each with their age group on `date`; 404 for a
/// child that is not theirs or no longer active.
pub async fn children_for(
    db: &Db,
    guardian: PersonId,
    ids: &[ChildId],
    date: NaiveDate,
    cc: &Settings,
) -> ApiResult<Vec<(ChildId, usize)>> {
    let mut out = Vec::new();
    for id in ids {
        let c = of_guardian(db, guardian, *id).await?;
        if !c.fields.active {
            return Err(super::children::child_not_found());
        }
        out.push((c.id, age_group(c.fields.birth_date, date, &cc.standard)?));
    }
    Ok(out)
}

/// Whether new places fit the room.
pub enum Fit {
    Fits,
    /// The room is full: the refusal to give when the request does not wait.
    Full(ApiError),
}

/// Whether these children fit in the room over [from, to), inside the caller's transaction,
/// which must hold the site lock; refused when a child already has a place then.
pub async fn fits(
    tx: &mut Tx,
    site: SiteId,
    children: &[(ChildId, usize)],
    (from, to): (i64, i64),
    cc: &Settings,
    tz: chrono_tz::Tz,
) -> ApiResult<Fit> {
    for (child, _) in children {
        if !store::child_place_ids(tx, *child, from, to)
            .await?
            .is_empty()
        {
            return Err(ChildcareError::ChildOverlap.into());
        }
    }
    let (held, shifts) = load_day(tx, site, from, to).await?;
    let mut places = as_places(&held);
    places.extend(children.iter().map(|(_, g)| (*g, from, to)));
    let short = rules::first_short_segment(from, to, &places, &as_shifts(&shifts), &cc.standard);
    Ok(match short {
        Some(at) => Fit::Full(full(at, &held, tz)),
        None => Fit::Fits,
    })
}

/// The guardian's own booking at the site covering [from, to), for places booked without a
/// desk; refused when the site wants places within a booking and there is none.
pub async fn covering(
    tx: &mut Tx,
    guardian: PersonId,
    site: SiteId,
    (from, to): (i64, i64),
    cc: &Settings,
) -> ApiResult<Option<BookingId>> {
    let covering = store::covering_booking(tx, guardian, site, from, to).await?;
    if covering.is_none() && cc.within_booking {
        return Err(ChildcareError::NotWithinBooking.into());
    }
    Ok(covering)
}

/// Places to add for a guardian's children.
pub struct NewPlaces<'a> {
    pub site: SiteId,
    pub guardian: PersonId,
    /// Each child with their age group on the day.
    pub children: &'a [(ChildId, usize)],
    pub desk_booking_id: Option<BookingId>,
    pub span: (i64, i64),
    pub waitlisted: bool,
    pub now: i64,
    /// Send the guardian childcare's own message; false when the caller's confirmation (a
    /// desk booked with the places) lists them: one action, one e-mail.
    pub tell_guardian: bool,
}

/// Writes the places (booked, or waitlisted) inside the caller's transaction and tells the
/// guardian unless the caller does; answers their ids.
pub async fn add(st: &AppState, tx: &mut Tx, p: &NewPlaces<'_>) -> ApiResult<Vec<PlaceId>> {
    let status = if p.waitlisted {
        PlaceStatus::Waitlisted
    } else {
        PlaceStatus::Booked
    };
    let mut ids = Vec::new();
    for (child, group) in p.children {
        let place = NewPlace {
            site_id: p.site,
            child_id: *child,
            guardian_id: p.guardian,
            desk_booking_id: p.desk_booking_id,
            starts_at: p.span.0,
            ends_at: p.span.1,
            age_group: *group as i64,
            status,
            now: p.now,
        };
        ids.push(store::insert_place(tx, &place).await?);
    }
    let news = if p.waitlisted {
        ChildcareNews::Waitlisted
    } else {
        ChildcareNews::Booked
    };
    if p.tell_guardian {
        super::notify::places(st, tx, &ids, news).await?;
    }
    Ok(ids)
}

/// The places as the API shows them, in the site's time zone.
pub async fn views(db: &Db, ids: &[PlaceId], tz: chrono_tz::Tz) -> ApiResult<Vec<ChildcarePlace>> {
    let mut out = Vec::new();
    for id in ids {
        let p = store::place(&db.pool, *id)
            .await?
            .ok_or_else(place_not_found)?;
        out.push(ChildcarePlace::from_row(p, tz));
    }
    Ok(out)
}

/// My children's places from today on.
#[utoipa::path(get, path = "/api/v1/childcare/bookings", tag = "childcare", responses((status = 200, body = [ChildcarePlace])))]
async fn my_places(
    State(st): State<AppState>,
    who: Principal,
) -> ApiResult<Json<Vec<ChildcarePlace>>> {
    let since = st.clock.epoch() - 86400;
    let mut zones = HashMap::new();
    let mut out = Vec::new();
    for p in store::places_of_guardian(&st.db, who.id, since).await? {
        let tz = match zones.get(&p.site_id) {
            Some(tz) => *tz,
            None => {
                let tz = schedule_of(&st.db, p.site_id).await?.tz;
                *zones.entry(p.site_id).or_insert(tz)
            }
        };
        let position = match p.status {
            PlaceStatus::Waitlisted => Some(store::waitlist_position(&st.db, &p).await?),
            _ => None,
        };
        out.push(ChildcarePlace {
            waitlist_position: position,
            ..ChildcarePlace::from_row(p, tz)
        });
    }
    Ok(Json(out))
}

/// A place as the API shows it, in its site's time zone.
pub(super) async fn place_view(
    st: &AppState,
    id: PlaceId,
    site: SiteId,
) -> ApiResult<Json<ChildcarePlace>> {
    let tz = schedule_of(&st.db, site).await?.tz;
    let p = store::place(&st.db.pool, id)
        .await?
        .ok_or_else(place_not_found)?;
    Ok(Json(ChildcarePlace::from_row(p, tz)))
}

/// Cancels a place, by its guardian (until it starts) or the site's staff (any time), and
/// gives its time to whoever waits; inside one transaction under the site lock.
async fn cancel(st: &AppState, p: &PlaceRow, by_staff: bool) -> ApiResult<()> {
    let now = st.clock.epoch();
    let to = p.status.cancel(by_staff, p.starts_at, now)?;
    let cc = super::settings(&st.db, p.site_id).await?;
    let mut tx = st.db.begin().await?;
    crate::sites::store::lock(&mut tx, p.site_id).await?;
    store::transition(&mut tx, p.id, p.status, to, now).await?;
    run_waitlist(st, &mut tx, p.site_id, &cc, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a place (its guardian until it starts; reception and directors any time); the
/// place goes at once to the first waitlisted request that now fits.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/cancel", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = ChildcarePlace), (status = 409)))]
async fn cancel_place(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PlaceId>,
) -> ApiResult<Json<ChildcarePlace>> {
    let p = store::place(&st.db.pool, id)
        .await?
        .ok_or_else(place_not_found)?;
    let staff = who.has(p.site_id, &[Role::Reception, Role::Director]);
    let guardian = store::child(&st.db, p.child_id)
        .await?
        .is_some_and(|c| c.guardian_ids.contains(&who.id));
    if !staff && !guardian {
        return Err(place_not_found());
    }
    cancel(&st, &p, staff).await?;
    place_view(&st, id, p.site_id).await
}
