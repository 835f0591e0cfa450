//! Places tied to a desk booking follow it: booking calls these when it moves or cancels a
//! desk booking, inside its own transaction and under the site lock.

use super::errors::{ChildcareError, does_not_fit_from};
use super::places::{as_places, as_shifts, load_day, run_waitlist};
use super::rules::{self, Place, PlaceStatus};
use super::store::{self, PlaceRow, Settings};
use super::{age_group, hhmm, local_date};
use crate::AppState;
use crate::db::Tx;
use crate::error::ApiResult;
use crate::ids::{BookingId, PlaceId};

/// A linked place at its new times, with the age group of its new day.
struct Moved<'a> {
    place: &'a PlaceRow,
    group: usize,
    span: (i64, i64),
}

/// Each linked place at its new times: it keeps its offset from the booking's start and is
/// cut to the booking's end; refused when a place would vanish or its child already has
/// another place then.
async fn new_times<'a>(
    tx: &mut Tx,
    linked: &'a [PlaceRow],
    cc: &Settings,
    tz: chrono_tz::Tz,
    (old, new): ((i64, i64), (i64, i64)),
) -> ApiResult<Vec<Moved<'a>>> {
    let day = local_date(new.0, tz);
    let shift = new.0 - old.0;
    let ids: Vec<PlaceId> = linked.iter().map(|p| p.id).collect();
    let mut moved = Vec::new();
    for p in linked {
        let span = (
            (p.starts_at + shift).max(new.0),
            (p.ends_at + shift).min(new.1),
        );
        if span.0 >= span.1 {
            return Err(ChildcareError::DoesNotFitBooking.into());
        }
        let others = store::child_place_ids(tx, p.child_id, span.0, span.1).await?;
        if others.iter().any(|id| !ids.contains(id)) {
            return Err(ChildcareError::ChildOverlap.into());
        }
        let birth = store::birth_date(tx, p.child_id).await?;
        let group = age_group(birth, day, &cc.standard)?;
        moved.push(Moved {
            place: p,
            group,
            span,
        });
    }
    Ok(moved)
}

/// Moves the childcare places tied to a desk booking with it, inside the caller's
/// transaction, which must hold the site lock and have moved the booking from `old` to `new`
/// (epoch ranges). Places that still lie within the booking stay; otherwise every place
/// keeps its offset from the booking's start and is cut to the booking's end. The places must
/// fit the ratio at their new times, or the move is refused (the caller rolls back): a place
/// is never left outside its booking. `cc` is the site's childcare settings.
pub async fn move_places_of_booking(
    st: &AppState,
    tx: &mut Tx,
    booking_id: i64,
    cc: Option<&Settings>,
    tz: chrono_tz::Tz,
    old: (i64, i64),
    new: (i64, i64),
) -> ApiResult<()> {
    let linked = store::linked_places(tx, BookingId(booking_id)).await?;
    if linked
        .iter()
        .all(|p| p.starts_at >= new.0 && p.ends_at <= new.1)
    {
        return Ok(());
    }
    if linked.iter().any(|p| p.status == PlaceStatus::DroppedOff) {
        return Err(ChildcareError::ChildInRoom.into());
    }
    let Some(cc) = cc else {
        return Err(ChildcareError::DoesNotFitBooking.into());
    };
    let site = linked[0].site_id;
    let moved = new_times(tx, &linked, cc, tz, (old, new)).await?;
    let (held, shifts) = load_day(tx, site, new.0, new.1).await?;
    let ids: Vec<PlaceId> = linked.iter().map(|p| p.id).collect();
    let others: Vec<PlaceRow> = held.into_iter().filter(|h| !ids.contains(&h.id)).collect();
    let mut places: Vec<Place> = as_places(&others);
    let booked = |m: &&Moved| m.place.status == PlaceStatus::Booked;
    places.extend(
        moved
            .iter()
            .filter(booked)
            .map(|m| (m.group, m.span.0, m.span.1)),
    );
    let shifts = as_shifts(&shifts);
    for m in moved.iter().filter(booked) {
        if let Some(at) =
            rules::first_short_segment(m.span.0, m.span.1, &places, &shifts, &cc.standard)
        {
            return Err(does_not_fit_from(&hhmm(at, tz)));
        }
    }
    for m in &moved {
        store::move_place(tx, m.place.id, m.span, m.group as i64).await?;
    }
    // The old times are free now: someone waiting may fit there.
    run_waitlist(st, tx, site, cc, st.clock.epoch()).await?;
    Ok(())
}

/// Cancels the live childcare places tied to these desk bookings and serves the waitlist,
/// inside the caller's transaction, which must hold the site lock (taken before it wrote
/// anything). `cc` is the site's childcare settings; a site without a room has no places.
/// Answers the places cancelled (the caller's message names them).
pub async fn cancel_places_of_bookings(
    st: &AppState,
    tx: &mut Tx,
    booking_ids: &[i64],
    site_id: i64,
    cc: Option<&Settings>,
) -> ApiResult<Vec<PlaceId>> {
    let Some(cc) = cc else {
        return Ok(Vec::new());
    };
    let now = st.clock.epoch();
    let mut cancelled = Vec::new();
    for booking in booking_ids {
        for id in store::places_of_booking(&mut **tx, *booking).await? {
            for from in [PlaceStatus::Booked, PlaceStatus::Waitlisted] {
                if store::transition(tx, id, from, PlaceStatus::Cancelled, now).await? {
                    cancelled.push(id);
                }
            }
        }
    }
    run_waitlist(st, tx, crate::ids::SiteId(site_id), cc, now).await?;
    Ok(cancelled)
}
