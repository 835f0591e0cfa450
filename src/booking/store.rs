//! SQL for bookings, series and calendar feeds.

use super::Booking;
use crate::db::{Db, Tx};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Statuses that hold a seat.
pub const LIVE: &str = "('active', 'checked_in')";

const SELECT: &str = "SELECT b.*, sp.name AS space_name, s.time_zone
     FROM bookings b JOIN spaces sp ON sp.id = b.space_id JOIN sites s ON s.id = b.site_id";

fn booking(r: &AnyRow) -> Booking {
    let tz: chrono_tz::Tz = r
        .get::<String, _>("time_zone")
        .parse()
        .unwrap_or(chrono_tz::Asia::Tokyo);
    let new = NewBooking {
        site_id: r.get("site_id"),
        space_id: r.get("space_id"),
        space_kind: r.get("space_kind"),
        seat: r.get("seat"),
        person_id: r.get("person_id"),
        series_id: r.get("series_id"),
        starts_at: r.get("starts_at"),
        ends_at: r.get("ends_at"),
        created_by: 0,
        now: 0,
    };
    let mut b = compose(tz, r.get("id"), &new, r.get("space_name"));
    b.status = r.get("status");
    b.checked_in_at = r
        .get::<Option<i64>, _>("checked_in_at")
        .map(|s| at(s).to_rfc3339());
    b
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// A booking just written, as a read of it would answer, from the values written: the
/// confirmation and the answer need no read of it.
pub fn compose(tz: chrono_tz::Tz, id: i64, b: &NewBooking, space_name: String) -> Booking {
    let (from, to) = (at(b.starts_at), at(b.ends_at));
    let (lf, lt) = (from.with_timezone(&tz), to.with_timezone(&tz));
    Booking {
        id,
        site_id: b.site_id,
        space_id: b.space_id,
        space_name,
        space_kind: b.space_kind.clone(),
        seat: b.seat,
        person_id: b.person_id,
        series_id: b.series_id,
        date: lf.date_naive().to_string(),
        start: lf.format("%H:%M").to_string(),
        end: lt.format("%H:%M").to_string(),
        starts_at: from.to_rfc3339(),
        ends_at: to.to_rfc3339(),
        status: "active".into(),
        checked_in_at: None,
    }
}

/// One booking.
pub async fn get(db: &Db, id: i64) -> sqlx::Result<Option<Booking>> {
    get_in(&db.pool, id).await
}

/// One booking, read through a given connection or transaction (which sees its own writes).
pub async fn get_in<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: i64,
) -> sqlx::Result<Option<Booking>> {
    let row = sqlx::query(&format!("{SELECT} WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(row.as_ref().map(booking))
}

/// A person's bookings starting in [from, to), by start.
pub async fn of_person(db: &Db, person_id: i64, from: i64, to: i64) -> sqlx::Result<Vec<Booking>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE b.person_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3 ORDER BY b.starts_at, b.id"
    ))
    .bind(person_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(booking).collect())
}

/// A site's bookings starting in [from, to), by start.
pub async fn of_site(db: &Db, site_id: i64, from: i64, to: i64) -> sqlx::Result<Vec<Booking>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE b.site_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3 ORDER BY b.starts_at, b.id"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(booking).collect())
}

/// The bookings of a series that have not started yet and still hold a seat.
pub async fn of_series(db: &Db, series_id: i64) -> sqlx::Result<Vec<Booking>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE b.series_id = $1 ORDER BY b.starts_at"
    ))
    .bind(series_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(booking).collect())
}

/// A seat held at some time: (space, seat, start, end).
pub type Held = (i64, i64, i64, i64);

/// Live bookings of a site that start in [from, to). Bookings never span two local days, so
/// the (site_id, starts_at) index bounds this to one day's rows however long the history.
pub async fn held(db: &Db, site_id: i64, from: i64, to: i64) -> sqlx::Result<Vec<Held>> {
    let rows = sqlx::query(&format!(
        "SELECT space_id, seat, starts_at, ends_at FROM bookings
         WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3 AND status IN {LIVE}"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get("space_id"),
                r.get("seat"),
                r.get("starts_at"),
                r.get("ends_at"),
            )
        })
        .collect())
}

/// Serialises booking writes: first of the site (desks and childcare places), then of the
/// person (their bookings at other sites), always in this order so that two writers never
/// wait for each other. Without it, two PostgreSQL inserts of the same seat each find the
/// other's uncommitted row in the exclusion constraint's index and wait for each other until
/// the deadlock detector kills one (measured in BENCHMARKS.md: 500s and 20 s queues).
pub async fn lock_for_booking(tx: &mut Tx, site_id: i64, person_id: i64) -> sqlx::Result<()> {
    crate::sites::store::lock(tx, site_id).await?;
    crate::db::lock_row(tx, "persons", person_id).await
}

/// What a person already holds, for the limits of a new or moved booking.
#[derive(Debug, Default)]
pub struct PersonLoad {
    /// Minutes of live desk bookings starting in the local day.
    pub desk_minutes: i64,
    /// Live bookings that have not ended.
    pub active: i64,
    /// Live desk bookings overlapping the range (what bookings_one_desk_per_person refuses).
    pub desk_overlaps: i64,
}

/// A person's load in one statement (bookings_person_start): desk minutes in the local day
/// `day`, live bookings not ended at `now`, desk bookings overlapping `range`; the booking
/// `except` is left out of the minutes and the overlaps (it is the one being moved).
pub async fn person_load(
    tx: &mut Tx,
    person_id: i64,
    day: (i64, i64),
    now: i64,
    range: (i64, i64),
    except: i64,
) -> sqlx::Result<PersonLoad> {
    // A booking lies within one day, so nothing starting a day before any bound matters.
    let low = day.0.min(now - 86400).min(range.0 - 86400);
    let r = sqlx::query(&format!(
        "SELECT
           CAST(SUM(CASE WHEN space_kind = 'desk' AND starts_at >= $2 AND starts_at < $3
                         AND id <> $7 THEN ends_at - starts_at ELSE 0 END) AS BIGINT) AS desk_secs,
           CAST(SUM(CASE WHEN starts_at > $4 - 86400 AND ends_at > $4 THEN 1 ELSE 0 END)
                AS BIGINT) AS active,
           CAST(SUM(CASE WHEN space_kind = 'desk' AND starts_at < $6 AND ends_at > $5
                         AND id <> $7 THEN 1 ELSE 0 END) AS BIGINT) AS desk_overlaps
         FROM bookings WHERE person_id = $1 AND starts_at >= $8 AND status IN {LIVE}"
    ))
    .bind(person_id)
    .bind(day.0)
    .bind(day.1)
    .bind(now)
    .bind(range.0)
    .bind(range.1)
    .bind(except)
    .bind(low)
    .fetch_one(&mut **tx)
    .await?;
    let n = |c: &str| r.get::<Option<i64>, _>(c).unwrap_or(0);
    Ok(PersonLoad {
        desk_minutes: n("desk_secs") / 60,
        active: n("active"),
        desk_overlaps: n("desk_overlaps"),
    })
}

/// The seats held at any moment of [from, to) at a site, as (space, seat), leaving one
/// booking out: one query for every candidate desk (bookings_site_start).
pub async fn taken_seats(
    tx: &mut Tx,
    site_id: i64,
    from: i64,
    to: i64,
    except: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT space_id, seat FROM bookings
         WHERE site_id = $1 AND starts_at < $3 AND ends_at > $2 AND starts_at >= $2 - 86400
           AND id <> $4 AND status IN {LIVE}"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .bind(except)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("space_id"), r.get("seat")))
        .collect())
}

/// The desk a person booked most in the last 90 days at the site.
pub async fn usual_desk(
    tx: &mut Tx,
    person_id: i64,
    site_id: i64,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT space_id FROM bookings
         WHERE person_id = $1 AND site_id = $2 AND space_kind = 'desk' AND starts_at >= $3
           AND status <> 'cancelled'
         GROUP BY space_id ORDER BY COUNT(*) DESC, space_id LIMIT 1",
    )
    .bind(person_id)
    .bind(site_id)
    .bind(now - 90 * 86400)
    .fetch_optional(&mut **tx)
    .await
}

/// A booking to write.
pub struct NewBooking {
    pub site_id: i64,
    pub space_id: i64,
    pub space_kind: String,
    pub seat: i64,
    pub person_id: i64,
    pub series_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: i64,
    pub now: i64,
}

/// Inserts a booking whose seat and person were just seen free under
/// [`lock_for_booking`]; answers None when a constraint refused it all the same. No
/// savepoint: SQLite backs out only the failed statement (its triggers raise an error), and
/// on PostgreSQL `ON CONFLICT DO NOTHING` turns an exclusion-constraint conflict into no
/// row instead of an error that would abort the transaction.
pub async fn insert_free(tx: &mut Tx, b: &NewBooking) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO bookings (site_id, space_id, space_kind, seat, person_id, series_id, starts_at,
             ends_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(b.site_id)
    .bind(b.space_id)
    .bind(&b.space_kind)
    .bind(b.seat)
    .bind(b.person_id)
    .bind(b.series_id)
    .bind(b.starts_at)
    .bind(b.ends_at)
    .bind(b.created_by)
    .bind(b.now)
    .fetch_optional(&mut **tx)
    .await
}

/// Moves a booking that is still active to another time or space; false when it is not
/// (cancelled, released or checked in meanwhile).
pub async fn update(
    tx: &mut Tx,
    id: i64,
    space_id: i64,
    space_kind: &str,
    seat: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE bookings SET space_id = $1, space_kind = $2, seat = $3, starts_at = $4, ends_at = $5
         WHERE id = $6 AND status = 'active'",
    )
    .bind(space_id)
    .bind(space_kind)
    .bind(seat)
    .bind(from)
    .bind(to)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Cancels the live bookings among `ids`; answers the ids it cancelled.
pub async fn cancel(tx: &mut Tx, ids: &[i64], by: i64, now: i64) -> sqlx::Result<Vec<i64>> {
    let mut done = Vec::new();
    for id in ids {
        let hit = sqlx::query(&format!(
            "UPDATE bookings SET status = 'cancelled', cancelled_at = $1, cancelled_by = $2
             WHERE id = $3 AND status IN {LIVE}"
        ))
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        if hit.rows_affected() > 0 {
            done.push(*id);
        }
    }
    Ok(done)
}

/// Marks a booking checked in, if it is still waiting; whether it was.
pub async fn check_in<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE bookings SET status = 'checked_in', checked_in_at = $1 WHERE id = $2 AND status = 'active'",
    )
    .bind(now)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Frees the rest of a booking from `at` (rounded up to the quarter hour); a booking that
/// had not started by then is cancelled instead.
pub async fn trim(tx: &mut Tx, id: i64, at: i64, by: i64) -> sqlx::Result<()> {
    let end = super::rules::grid_ceil(at);
    sqlx::query(&format!(
        "UPDATE bookings SET status = CASE WHEN starts_at >= $1 THEN 'cancelled' ELSE status END,
             cancelled_at = CASE WHEN starts_at >= $1 THEN $2 ELSE cancelled_at END,
             cancelled_by = CASE WHEN starts_at >= $1 THEN $3 ELSE cancelled_by END,
             ends_at = CASE WHEN starts_at >= $1 THEN ends_at ELSE $1 END
         WHERE id = $4 AND ends_at > $1 AND status IN {LIVE}"
    ))
    .bind(end)
    .bind(at)
    .bind(by)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Releases every booking nobody checked into by its start (or its creation, when it was
/// made after it started) plus the site's grace period; answers their ids. One statement: idempotent, and two instances running it at once each
/// release a booking at most once between them.
pub async fn release_no_shows(tx: &mut Tx, now: DateTime<Utc>) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "UPDATE bookings SET status = 'no_show'
         WHERE status = 'active' AND starts_at <= $1
           AND CASE WHEN created_at > starts_at THEN created_at ELSE starts_at END
               + 60 * (SELECT no_show_grace_minutes FROM sites WHERE sites.id = bookings.site_id) <= $1
         RETURNING id",
    )
    .bind(now.timestamp())
    .fetch_all(&mut **tx)
    .await
}

/// Starts a recurring series; answers its id.
pub async fn insert_series(
    tx: &mut Tx,
    person_id: i64,
    site_id: i64,
    weekdays: &str,
    start: &str,
    end: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO booking_series (person_id, site_id, weekdays, start_time, end_time, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(person_id)
    .bind(site_id)
    .bind(weekdays)
    .bind(start)
    .bind(end)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The person and site a series belongs to.
pub async fn series_owner(db: &Db, id: i64) -> sqlx::Result<Option<(i64, i64)>> {
    let row = sqlx::query("SELECT person_id, site_id FROM booking_series WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| (r.get("person_id"), r.get("site_id"))))
}

/// Replaces a person's calendar-feed token (only its hash is kept).
pub async fn set_feed(db: &Db, person_id: i64, token_hash: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO calendar_feeds (person_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (person_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
    )
    .bind(person_id)
    .bind(token_hash)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Revokes a person's calendar feed; whether there was one.
pub async fn delete_feed(db: &Db, person_id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM calendar_feeds WHERE person_id = $1")
        .bind(person_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The person a calendar-feed token belongs to.
pub async fn feed_owner(db: &Db, token_hash: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT person_id FROM calendar_feeds WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await
}
