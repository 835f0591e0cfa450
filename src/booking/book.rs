//! Booking one range: the limits of the person, the choice of a seat, the write. Every way of
//! booking (one booking, a series, a walk-in at the kiosk, a desk with childcare places)
//! goes through [`book`].

use super::errors::BookingError;
use super::store::{self, NewBooking, PersonLoad};
use super::{Booking, SiteContext, notify};
use crate::AppState;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorCode, on_constraint};
use crate::events::Event;
use crate::ids::{BookingId, PersonId, SeriesId, SiteId, SpaceId};
use crate::sites::{Space, SpaceKind};
use chrono::{DateTime, Utc};

/// Whether a person may have a seat in a secure room over a range: the rules are access's
/// (a higher area), so composition (lib.rs) puts its check in [`crate::AppState`] and booking
/// calls it inside the booking's transaction, before the seat is written. An error refuses.
pub trait SecureRoomGate: Send + Sync {
    /// Refuses the seat in `space` for `person` over `range` (`tz`: the site's zone).
    fn check<'a>(
        &'a self,
        tx: &'a mut Tx,
        space: &'a Space,
        person: PersonId,
        range: (DateTime<Utc>, DateTime<Utc>),
        tz: chrono_tz::Tz,
    ) -> futures_util::future::BoxFuture<'a, ApiResult<()>>;
}

/// The gate when nothing else is plugged in: refuses nobody.
pub struct OpenGate;

impl SecureRoomGate for OpenGate {
    fn check<'a>(
        &'a self,
        _: &'a mut Tx,
        _: &'a Space,
        _: PersonId,
        _: (DateTime<Utc>, DateTime<Utc>),
        _: chrono_tz::Tz,
    ) -> futures_util::future::BoxFuture<'a, ApiResult<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// Asks the gate about a seat in a secure room (any other space passes).
pub async fn secure_room_gate(
    tx: &mut Tx,
    ctx: &SiteContext,
    space: &Space,
    person: PersonId,
    range: (DateTime<Utc>, DateTime<Utc>),
) -> ApiResult<()> {
    if space.kind != SpaceKind::SecureRoom {
        return Ok(());
    }
    ctx.gate
        .check(tx, space, person, range, ctx.schedule.tz)
        .await
}

/// What to book: a given space, or any free desk with these attributes.
pub enum Target {
    Space(SpaceId),
    AnyDesk(Vec<String>),
}

impl Target {
    /// A given space, or else any desk with the attributes.
    pub fn of(space_id: Option<SpaceId>, attributes: Vec<String>) -> Target {
        match space_id {
            Some(id) => Target::Space(id),
            None => Target::AnyDesk(attributes),
        }
    }
}

/// One range to book for a person.
pub struct Request<'a> {
    pub target: &'a Target,
    pub person_id: PersonId,
    /// Who books (the person, or staff on their behalf).
    pub by: PersonId,
    pub series_id: Option<SeriesId>,
    pub range: (DateTime<Utc>, DateTime<Utc>),
    /// The site's spaces (read before the transaction, or in it by a kiosk walk-in).
    pub spaces: &'a [Space],
}

/// A booking made, and whether the worker's usual desk was given.
pub struct Made {
    pub id: BookingId,
    pub usual_desk: bool,
    /// The booking as written (what a read of it inside the transaction would answer).
    pub booking: Booking,
}

/// The answer when the space has no free seat for the time.
pub fn taken() -> ApiError {
    BookingError::Overlap.into()
}

/// The API errors of the database's booking constraints.
pub fn overlap_error(err: sqlx::Error) -> ApiError {
    on_constraint(err, |c| match c {
        "bookings_no_overlap" => Some(taken()),
        "bookings_one_desk_per_person" => Some(BookingError::PersonOverlap.into()),
        _ => None,
    })
}

/// Checks that a space can be booked by seat.
pub fn bookable(space: &Space, site_id: SiteId) -> ApiResult<()> {
    if space.site_id != site_id || !space.active {
        return Err(ApiError::not_found("スペース", "Space"));
    }
    match space.kind {
        // A secure room's seat is then asked of the gate ([`secure_room_gate`]).
        SpaceKind::Desk | SpaceKind::Room | SpaceKind::MeetingRoom | SpaceKind::SecureRoom => {
            Ok(())
        }
        SpaceKind::ChildcareRoom => Err(BookingError::NotBookable.into()),
    }
}

/// Refuses `secs` more of desk time when the person already holds `used` minutes that day.
pub(super) fn within_daily_limit(ctx: &SiteContext, used: i64, secs: i64) -> ApiResult<()> {
    if used + secs / 60 > ctx.policy.max_minutes_per_day {
        return Err(
            ApiError::from(BookingError::DailyLimit).with("hours", ctx.site.max_hours_per_day)
        );
    }
    Ok(())
}

/// Refuses a desk booking of `secs` that would take the person over the site's daily hours
/// (the booking `except` left out of the count, when it is being moved).
pub async fn check_daily_limit(
    tx: &mut Tx,
    ctx: &SiteContext,
    person_id: PersonId,
    at: DateTime<Utc>,
    secs: i64,
    except: BookingId,
) -> ApiResult<()> {
    let (f, t) = (at.timestamp(), at.timestamp() + secs);
    let load = store::Load {
        person_id,
        day: ctx.local_day(at),
        now: f,
        range: (f, t),
        except,
    };
    let load = store::person_load(tx, load).await?;
    within_daily_limit(ctx, load.desk_minutes, secs)
}

/// Books one range for a person inside the caller's transaction, after the rules passed:
/// checks the person's limits, finds a seat, writes. Errors change nothing (the caller rolls
/// back).
pub async fn book(
    tx: &mut Tx,
    ctx: &SiteContext,
    req: &Request<'_>,
    now: DateTime<Utc>,
) -> ApiResult<Made> {
    let (load, mut held) = limits(tx, ctx, req, now).await?;
    let (candidates, usual) = candidates(tx, ctx, req, now).await?;
    // A secure room (only ever named by id) is asked of the gate before its seats are looked
    // at: whether it is full is not told to someone who may not book it.
    for space in &candidates {
        secure_room_gate(tx, ctx, space, req.person_id, req.range).await?;
    }
    let (f, t) = (req.range.0.timestamp(), req.range.1.timestamp());
    // Look for a free seat, then write it under its space's lock. A writer of one named space
    // holds no site lock, so a seat seen free here may be taken before the write: the
    // constraints refuse it, and we look again (at most 8 times).
    let mut last = taken();
    for attempt in 0..8 {
        if attempt > 0 {
            held = store::taken_seats(tx, seats(ctx, req), f, t, BookingId(0)).await?;
        }
        let free: Vec<(&Space, i64)> = candidates
            .iter()
            .filter_map(|space| {
                let id = space.id;
                let seat = (1..=space.capacity).find(|s| !held.contains(&(id, *s)))?;
                Some((*space, seat))
            })
            .collect();
        let ids: Vec<SpaceId> = free.iter().map(|(s, _)| s.id).collect();
        let Some((chosen, is_usual)) = super::rules::pick_desk(&ids, usual) else {
            return Err(match req.target {
                Target::Space(_) => taken(),
                Target::AnyDesk(_) => BookingError::NoFreeDesk.into(),
            });
        };
        let Some(&(space, seat)) = free.iter().find(|(s, _)| s.id == chosen) else {
            break;
        };
        if space.kind == SpaceKind::Desk && load.desk_overlaps > 0 {
            return Err(BookingError::PersonOverlap.into());
        }
        let new = NewBooking {
            site_id: ctx.site_id(),
            space_id: chosen,
            space_kind: space.kind,
            seat,
            person_id: req.person_id,
            series_id: req.series_id,
            starts_at: f,
            ends_at: t,
            created_by: req.by,
            now: now.timestamp(),
        };
        match store::insert_free(tx, &new).await {
            Ok(Some(id)) => {
                tx.publish(Event::BookingMade {
                    site_id: ctx.site_id(),
                    booking_id: id,
                    person_id: req.person_id,
                });
                let booking = store::compose(ctx.schedule.tz, id, &new, space.name.clone())?;
                return Ok(Made {
                    id,
                    usual_desk: is_usual,
                    booking,
                });
            }
            Ok(None) => last = taken(),
            Err(e) => last = overlap_error(e),
        }
        if !matches!(&last, ApiError::Client { code, .. } if *code == BookingError::Overlap.code())
        {
            break;
        }
    }
    Err(last)
}

/// The seats a booking may take: the named space's, or the site's.
fn seats(ctx: &SiteContext, req: &Request<'_>) -> store::Seats {
    match req.target {
        Target::Space(id) => store::Seats::Space(*id),
        Target::AnyDesk(_) => store::Seats::Site(ctx.site_id()),
    }
}

/// The person's load, refused when the booking would break a limit of the site, and the
/// seats held over the range ([`seats`]). Read under the caller's lock, in one statement.
async fn limits(
    tx: &mut Tx,
    ctx: &SiteContext,
    req: &Request<'_>,
    now: DateTime<Utc>,
) -> ApiResult<(PersonLoad, Vec<(SpaceId, i64)>)> {
    let (f, t) = (req.range.0.timestamp(), req.range.1.timestamp());
    let desk = match req.target {
        Target::Space(id) => req
            .spaces
            .iter()
            .find(|s| s.id == *id)
            .is_some_and(|s| s.kind == SpaceKind::Desk),
        Target::AnyDesk(_) => true,
    };
    let of = store::Load {
        person_id: req.person_id,
        day: ctx.local_day(req.range.0),
        now: now.timestamp(),
        range: (f, t),
        except: BookingId(0),
    };
    let (load, held) = store::load_and_seats(tx, of, seats(ctx, req)).await?;
    if desk {
        within_daily_limit(ctx, load.desk_minutes, t - f)?;
    }
    if load.active >= ctx.policy.max_active {
        return Err(ApiError::from(BookingError::TooMany).with("max", ctx.policy.max_active));
    }
    Ok((load, held))
}

/// The spaces that may be given, and the worker's usual desk when any desk will do.
async fn candidates<'s>(
    tx: &mut Tx,
    ctx: &SiteContext,
    req: &Request<'s>,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<&'s Space>, Option<SpaceId>)> {
    match req.target {
        Target::Space(id) => {
            let space = req
                .spaces
                .iter()
                .find(|s| s.id == *id)
                .ok_or_else(|| ApiError::not_found("スペース", "Space"))?;
            bookable(space, ctx.site.id)?;
            Ok((vec![space], None))
        }
        Target::AnyDesk(attrs) => {
            let desks = req
                .spaces
                .iter()
                .filter(|s| {
                    s.kind == SpaceKind::Desk
                        && s.active
                        && attrs.iter().all(|a| s.attributes.contains(a))
                })
                .collect();
            let usual =
                store::usual_desk(tx, req.person_id, ctx.site_id(), now.timestamp()).await?;
            Ok((desks, usual))
        }
    }
}

/// One booking as asked through the API: the rules were checked; this locks, books and
/// queues the confirmation in one transaction.
pub async fn book_one(
    st: &AppState,
    ctx: &SiteContext,
    req: &Request<'_>,
    now: DateTime<Utc>,
) -> ApiResult<Made> {
    // The confirmation's reads happen before any lock is taken.
    let addressee = notify::addressee(st, req.person_id).await?;
    let mut tx = st.db.begin().await?;
    match req.target {
        // One named space: the space's lock comes with the write (see lock_for_booking).
        Target::Space(_) => crate::people::store::lock_person(&mut tx, req.person_id).await?,
        Target::AnyDesk(_) => {
            store::lock_for_booking(&mut tx, ctx.site_id(), req.person_id).await?
        }
    }
    let made = book(&mut tx, ctx, req, now).await?;
    let list = std::slice::from_ref(&made.booking);
    notify::confirmed_as(st, &mut tx, addressee, &ctx.site, list, &[]).await?;
    tx.commit().await?;
    Ok(made)
}
