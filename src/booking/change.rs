//! Moving a booking to another time or space before it starts; its childcare places move
//! with it (childcare's rules decide whether they can), or nothing moves.

use super::book::{bookable, check_daily_limit, overlap_error, taken};
use super::store::{self, Move};
use super::{Booking, SiteContext, notify, rules};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::ids::{BookingId, SpaceId};
use crate::sites::SpaceKind;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// Where a booking should move: each part left out stays as it is.
pub struct Change {
    pub date: Option<NaiveDate>,
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub space_id: Option<SpaceId>,
}

/// Moves a booking that has not started; answers it as moved.
pub async fn change(
    st: &AppState,
    b: &Booking,
    to: &Change,
    now: DateTime<Utc>,
) -> ApiResult<Booking> {
    b.changeable(now)?;
    let date = to.date.unwrap_or(b.date);
    let (start, end) = (to.start.unwrap_or(b.start), to.end.unwrap_or(b.end));
    let ctx = SiteContext::load(st, b.site_id.0).await?;
    let (from, until) = rules::check(&ctx.schedule, &ctx.policy, now, date, start, end)
        .map_err(|r| ctx.refuse(r, date, start))?;
    let space_id = to.space_id.unwrap_or(b.space_id);
    let space = crate::sites::store::space_by_id(&st.db, space_id.0).await?;
    bookable(&space, b.site_id)?;
    let (f, t) = (from.timestamp(), until.timestamp());
    // Read before the transaction: a pool read while holding one could wait for itself.
    let cc = crate::childcare::store::settings(&st.db, b.site_id.0).await?;
    let mut tx = st.db.begin().await?;
    store::lock_for_booking(&mut tx, b.site_id, b.person_id).await?;
    if space.kind == SpaceKind::Desk {
        check_daily_limit(&mut tx, &ctx, b.person_id, from, t - f, b.id).await?;
    }
    // The target's lock before its seats are read: a writer of that space alone holds no
    // site lock, and its seat must be seen taken here rather than refused at the write.
    if !store::lock_space(&mut tx, space_id, space.kind, 1).await? {
        return Err(ApiError::not_found("スペース", "Space"));
    }
    super::book::secure_room_gate(&mut tx, &ctx, &space, b.person_id, (from, until)).await?;
    let held = store::taken_seats(&mut tx, store::Seats::Space(space_id), f, t, b.id).await?;
    let free = |seat: i64| !held.contains(&(space_id, seat));
    let seat = if space_id == b.space_id && free(b.seat) {
        Some(b.seat)
    } else {
        (1..=space.capacity).find(|&s| free(s))
    };
    let Some(seat) = seat else {
        return Err(taken());
    };
    let m = Move {
        space_id,
        space_kind: space.kind,
        seat,
        from: f,
        to: t,
    };
    if !store::update(&mut tx, b.id, &m)
        .await
        .map_err(overlap_error)?
    {
        return Err(super::BookingError::NotChangeable.into());
    }
    tx.publish(Event::BookingMoved {
        site_id: b.site_id,
        booking_id: b.id,
        person_id: b.person_id,
    });
    // Its childcare places go along, under the same site lock, or nothing moves.
    crate::childcare::move_places_of_booking(
        st,
        &mut tx,
        b.id.0,
        cc.as_ref(),
        ctx.schedule.tz,
        b.range(),
        (f, t),
    )
    .await?;
    notify::changed(st, &mut tx, b.id).await?;
    tx.commit().await?;
    reread(st, b.id).await
}

/// A booking read again after a change.
pub async fn reread(st: &AppState, id: BookingId) -> ApiResult<Booking> {
    store::get(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("予約", "Booking"))
}
