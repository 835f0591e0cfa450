//! SQL for bookings, series and calendar feeds.

use super::{Booking, BookingStatus};
use crate::db::{Db, Tx};
use crate::ids::{BookingId, PersonId, SeriesId, SiteId, SpaceId};
use crate::sites::SpaceKind;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

/// Statuses that hold a seat.
pub const LIVE: &str = "('active', 'checked_in')";

const SELECT: &str = "SELECT b.id, b.site_id, b.space_id, b.space_kind, b.seat, b.person_id,
         b.series_id, b.starts_at, b.ends_at, b.status, b.checked_in_at, sp.name AS space_name,
         s.time_zone
     FROM bookings b JOIN spaces sp ON sp.id = b.space_id JOIN sites s ON s.id = b.site_id";

/// A booking row with its space's name and its site's time zone.
#[derive(sqlx::FromRow)]
struct BookingRow {
    id: BookingId,
    site_id: SiteId,
    space_id: SpaceId,
    space_kind: String,
    seat: i64,
    person_id: PersonId,
    series_id: Option<SeriesId>,
    starts_at: i64,
    ends_at: i64,
    status: String,
    checked_in_at: Option<i64>,
    space_name: String,
    time_zone: String,
}

impl BookingRow {
    /// The booking, or an error naming the row when a stored value is not one we know.
    fn booking(self) -> anyhow::Result<Booking> {
        let row = format!("bookings row {}", self.id);
        let tz: chrono_tz::Tz = self
            .time_zone
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("the site of {row}"))?;
        let space_kind = SpaceKind::parse(&self.space_kind)
            .with_context(|| format!("unknown space_kind {:?} in {row}", self.space_kind))?;
        let status: BookingStatus = self.status.parse().with_context(|| row.clone())?;
        let new = NewBooking {
            site_id: self.site_id,
            space_id: self.space_id,
            space_kind,
            seat: self.seat,
            person_id: self.person_id,
            series_id: self.series_id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            created_by: self.person_id,
            now: 0,
        };
        let mut b = compose(tz, self.id, &new, self.space_name)?;
        b.status = status;
        b.checked_in_at = self.checked_in_at.map(|s| at(s, &row)).transpose()?;
        Ok(b)
    }
}

fn at(secs: i64, row: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
        .with_context(|| format!("instant {secs} out of range in {row}"))
}

fn bookings(rows: Vec<BookingRow>) -> anyhow::Result<Vec<Booking>> {
    rows.into_iter().map(BookingRow::booking).collect()
}

/// A booking just written, as a read of it would answer, from the values written: the
/// confirmation and the answer need no read of it.
pub fn compose(
    tz: chrono_tz::Tz,
    id: BookingId,
    b: &NewBooking,
    space_name: String,
) -> anyhow::Result<Booking> {
    let row = format!("bookings row {id}");
    let (from, to) = (at(b.starts_at, &row)?, at(b.ends_at, &row)?);
    let (lf, lt) = (from.with_timezone(&tz), to.with_timezone(&tz));
    Ok(Booking {
        id,
        site_id: b.site_id,
        space_id: b.space_id,
        space_name,
        space_kind: b.space_kind,
        seat: b.seat,
        person_id: b.person_id,
        series_id: b.series_id,
        date: lf.date_naive(),
        start: lf.time(),
        end: lt.time(),
        starts_at: from,
        ends_at: to,
        status: BookingStatus::Active,
        checked_in_at: None,
    })
}

/// One booking.
pub async fn get(db: &Db, id: BookingId) -> anyhow::Result<Option<Booking>> {
    get_in(&db.pool, id).await
}

/// One booking, read through a given connection or transaction (which sees its own writes).
pub async fn get_in<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: BookingId,
) -> anyhow::Result<Option<Booking>> {
    let row: Option<BookingRow> = sqlx::query_as(&format!("{SELECT} WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.map(BookingRow::booking).transpose()
}

/// A person's bookings starting in [from, to), by start.
pub async fn of_person(
    db: &Db,
    person_id: PersonId,
    from: i64,
    to: i64,
) -> anyhow::Result<Vec<Booking>> {
    let rows: Vec<BookingRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE b.person_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3 ORDER BY b.starts_at, b.id"
    ))
    .bind(person_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    bookings(rows)
}

/// A site's bookings starting in [from, to), by start.
pub async fn of_site(db: &Db, site_id: SiteId, from: i64, to: i64) -> anyhow::Result<Vec<Booking>> {
    let rows: Vec<BookingRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE b.site_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3 ORDER BY b.starts_at, b.id"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    bookings(rows)
}

/// The bookings of a series that have not started yet and still hold a seat.
pub async fn of_series(db: &Db, series_id: SeriesId) -> anyhow::Result<Vec<Booking>> {
    let rows: Vec<BookingRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE b.series_id = $1 ORDER BY b.starts_at"
    ))
    .bind(series_id)
    .fetch_all(&db.pool)
    .await?;
    bookings(rows)
}

/// A seat held at some time: (space, seat, start, end).
pub type Held = (SpaceId, i64, i64, i64);

/// Live bookings of a site that start in [from, to). Bookings never span two local days, so
/// the (site_id, starts_at) index bounds this to one day's rows however long the history.
pub async fn held(db: &Db, site_id: SiteId, from: i64, to: i64) -> sqlx::Result<Vec<Held>> {
    sqlx::query_as(&format!(
        "SELECT space_id, seat, starts_at, ends_at FROM bookings
         WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3 AND status IN {LIVE}"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// Serialises booking writes at a site: first the site (whoever picks among its desks, and
/// its childcare places), then the person (their limits, their bookings at other sites),
/// then, as each seat is written, its space ([`insert_free`], or [`lock_space`] before a move
/// reads seats); always in this
/// order, so two writers never wait for each other. Without the space's lock, two
/// PostgreSQL writes of the same seat each find the other's uncommitted row in the exclusion
/// constraint's index and wait for each other until the deadlock detector kills one
/// (measured in BENCHMARKS.md: 500s and 20 s queues). A booking of one named space takes no
/// site lock, only its person's ([`crate::people::store::lock_person`]) and its space's, and
/// the site's other spaces are booked meanwhile.
pub async fn lock_for_booking(
    tx: &mut Tx,
    site_id: SiteId,
    person_id: PersonId,
) -> sqlx::Result<()> {
    crate::sites::store::lock(tx, site_id.0).await?;
    crate::db::lock_row(tx, "persons", person_id.0).await
}

/// Locks a space before one of its seats is written; answers whether it is still as the
/// writer read it before its transaction (active, of this kind, with this seat): a director
/// may have changed it in between ([`crate::sites::spaces::save`] locks it too).
pub async fn lock_space(
    tx: &mut Tx,
    space_id: SpaceId,
    kind: SpaceKind,
    seat: i64,
) -> sqlx::Result<bool> {
    let lock = match tx.backend_name() {
        "PostgreSQL" => " FOR NO KEY UPDATE",
        _ => "",
    };
    let now: Option<(String, i64, i64)> = sqlx::query_as(&format!(
        "SELECT kind, capacity, active FROM spaces WHERE id = $1{lock}"
    ))
    .bind(space_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(now.is_some_and(|(k, capacity, active)| {
        active != 0 && k == kind.as_str() && (1..=capacity).contains(&seat)
    }))
}

/// What a person already holds, for the limits of a new or moved booking.
#[derive(Debug, Default, sqlx::FromRow)]
pub struct PersonLoad {
    /// Minutes of live desk bookings starting in the local day.
    pub desk_minutes: i64,
    /// Live bookings that have not ended.
    pub active: i64,
    /// Live desk bookings overlapping the range (what bookings_one_desk_per_person refuses).
    pub desk_overlaps: i64,
}

/// A person's load (bookings_person_start): desk minutes in the local day `day`, live bookings
/// not ended at `now`, desk bookings overlapping `range`; the booking `except` is left out of
/// the minutes and the overlaps (it is the one being moved). COALESCE: a person without
/// bookings sums to NULL. Parameters: see [`Load`].
const LOAD_SUMS: &str = "
    COALESCE(CAST(SUM(CASE WHEN space_kind = 'desk' AND starts_at >= $2 AND starts_at < $3
                  AND id <> $7 THEN ends_at - starts_at ELSE 0 END) AS BIGINT), 0) / 60
      AS desk_minutes,
    COALESCE(CAST(SUM(CASE WHEN starts_at > $4 - 86400 AND ends_at > $4 THEN 1 ELSE 0 END)
         AS BIGINT), 0) AS active,
    COALESCE(CAST(SUM(CASE WHEN space_kind = 'desk' AND starts_at < $6 AND ends_at > $5
                  AND id <> $7 THEN 1 ELSE 0 END) AS BIGINT), 0) AS desk_overlaps
    FROM bookings WHERE person_id = $1 AND starts_at >= $8";

/// What [`person_load`] and [`load_and_seats`] look at.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub person_id: PersonId,
    /// The local day's bounds, epoch seconds.
    pub day: (i64, i64),
    pub now: i64,
    /// The booking's range, epoch seconds.
    pub range: (i64, i64),
    /// The booking being moved (BookingId(0): none).
    pub except: BookingId,
}

impl Load {
    fn bind<'q, O>(
        self,
        q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        // A booking lies within one day, so nothing starting a day before any bound matters.
        let low = self.day.0.min(self.now - 86400).min(self.range.0 - 86400);
        q.bind(self.person_id)
            .bind(self.day.0)
            .bind(self.day.1)
            .bind(self.now)
            .bind(self.range.0)
            .bind(self.range.1)
            .bind(self.except)
            .bind(low)
    }
}

/// A person's load in one statement (see [`LOAD_SUMS`]).
pub async fn person_load(tx: &mut Tx, load: Load) -> sqlx::Result<PersonLoad> {
    let sql = format!("SELECT {LOAD_SUMS} AND status IN {LIVE}");
    load.bind(sqlx::query_as(&sql)).fetch_one(&mut **tx).await
}

/// One row of [`load_and_seats`]: the load (`kind` = 'load'), or a seat held ('seat': the
/// space in `desk_minutes`, the seat in `active`).
#[derive(sqlx::FromRow)]
struct LoadOrSeat {
    kind: String,
    desk_minutes: i64,
    active: i64,
    desk_overlaps: i64,
}

/// Whose held seats a read looks at: every space of a site (a booking that picks a desk), or
/// the one space a booking names (a few rows of its own index, not the site's whole day).
#[derive(Clone, Copy, Debug)]
pub enum Seats {
    Site(SiteId),
    Space(SpaceId),
}

impl Seats {
    /// The column and the value a query filters on.
    fn filter(self) -> (&'static str, i64) {
        match self {
            Seats::Site(id) => ("site_id", id.0),
            Seats::Space(id) => ("space_id", id.0),
        }
    }
}

/// [`person_load`] and the [`taken_seats`] over the load's range in one statement: one round
/// trip less while a booking holds SQLite's only writer.
pub async fn load_and_seats(
    tx: &mut Tx,
    load: Load,
    seats: Seats,
) -> sqlx::Result<(PersonLoad, Vec<(SpaceId, i64)>)> {
    let (column, id) = seats.filter();
    let sql = format!(
        "SELECT 'load' AS kind, {LOAD_SUMS} AND status IN {LIVE}
         UNION ALL
         SELECT DISTINCT 'seat', space_id, seat, 0 FROM bookings
          WHERE {column} = $9 AND starts_at < $6 AND ends_at > $5 AND starts_at >= $5 - 86400
            AND id <> $7 AND status IN {LIVE}"
    );
    let rows: Vec<LoadOrSeat> = load
        .bind(sqlx::query_as(&sql))
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    let mut person = PersonLoad::default();
    let mut seats = Vec::new();
    for r in rows {
        if r.kind == "load" {
            person = PersonLoad {
                desk_minutes: r.desk_minutes,
                active: r.active,
                desk_overlaps: r.desk_overlaps,
            };
        } else {
            seats.push((SpaceId(r.desk_minutes), r.active));
        }
    }
    Ok((person, seats))
}

/// The seats held at any moment of [from, to) at a site or in one space, as (space, seat),
/// leaving one booking out: one query for every candidate desk (bookings_site_start or
/// bookings_space_start).
pub async fn taken_seats(
    tx: &mut Tx,
    seats: Seats,
    from: i64,
    to: i64,
    except: BookingId,
) -> sqlx::Result<Vec<(SpaceId, i64)>> {
    let (column, id) = seats.filter();
    sqlx::query_as(&format!(
        "SELECT DISTINCT space_id, seat FROM bookings
         WHERE {column} = $1 AND starts_at < $3 AND ends_at > $2 AND starts_at >= $2 - 86400
           AND id <> $4 AND status IN {LIVE}"
    ))
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(except)
    .fetch_all(&mut **tx)
    .await
}

/// The desk a person booked most in the last 90 days at the site.
pub async fn usual_desk(
    tx: &mut Tx,
    person_id: PersonId,
    site_id: SiteId,
    now: i64,
) -> sqlx::Result<Option<SpaceId>> {
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
    pub site_id: SiteId,
    pub space_id: SpaceId,
    pub space_kind: SpaceKind,
    pub seat: i64,
    pub person_id: PersonId,
    pub series_id: Option<SeriesId>,
    /// Epoch seconds.
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: PersonId,
    pub now: i64,
}

/// Inserts a booking whose seat and person were just seen free under the person's lock (see
/// [`lock_for_booking`]), with the space's lock; answers None when a constraint refused it
/// all the same (another writer took the seat between the read and the space's lock), or
/// when the space changed since it was read before the transaction (a director may have
/// closed it or changed its kind or capacity: the insert's own condition, read after the
/// lock, in the same round trip). No savepoint: SQLite backs out only the failed statement
/// (its triggers raise an error), and on PostgreSQL `ON CONFLICT DO NOTHING` turns an
/// exclusion-constraint conflict into no row instead of an error that would abort the
/// transaction.
pub async fn insert_free(tx: &mut Tx, b: &NewBooking) -> sqlx::Result<Option<BookingId>> {
    crate::db::lock_row(tx, "spaces", b.space_id.0).await?;
    sqlx::query_scalar(
        "INSERT INTO bookings (site_id, space_id, space_kind, seat, person_id, series_id, starts_at,
             ends_at, created_by, created_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
          WHERE EXISTS (SELECT 1 FROM spaces WHERE id = $2 AND kind = $3 AND active = 1
                          AND $4 BETWEEN 1 AND capacity)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(b.site_id)
    .bind(b.space_id)
    .bind(b.space_kind.as_str())
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

/// Where a booking moves: its space and seat, and its range in epoch seconds.
pub struct Move {
    pub space_id: SpaceId,
    pub space_kind: SpaceKind,
    pub seat: i64,
    pub from: i64,
    pub to: i64,
}

/// Moves a booking that is still active to another time or space, whose lock the caller
/// holds ([`lock_space`]); false when it is not (cancelled, released or checked in
/// meanwhile).
pub async fn update(tx: &mut Tx, id: BookingId, m: &Move) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE bookings SET space_id = $1, space_kind = $2, seat = $3, starts_at = $4, ends_at = $5
         WHERE id = $6 AND status = 'active'",
    )
    .bind(m.space_id)
    .bind(m.space_kind.as_str())
    .bind(m.seat)
    .bind(m.from)
    .bind(m.to)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Cancels the live bookings among `ids`; answers the ids it cancelled.
pub async fn cancel(
    tx: &mut Tx,
    ids: &[BookingId],
    by: PersonId,
    now: i64,
) -> sqlx::Result<Vec<BookingId>> {
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
    id: BookingId,
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
pub async fn trim(tx: &mut Tx, id: BookingId, at: i64, by: PersonId) -> sqlx::Result<()> {
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
/// made after it started) plus the site's grace period; answers each one's id, site and
/// person. One statement: idempotent, and two instances running it at once each
/// release a booking at most once between them.
pub async fn release_no_shows(
    tx: &mut Tx,
    site: SiteId,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<(BookingId, SiteId, PersonId)>> {
    sqlx::query_as(&format!(
        "UPDATE bookings SET status = 'no_show' WHERE {NO_SHOW} AND site_id = $2
         RETURNING id, site_id, person_id"
    ))
    .bind(now.timestamp())
    .bind(site)
    .fetch_all(&mut **tx)
    .await
}

/// A live booking nobody checked into within the site's grace time (`$1`: now). A room held
/// for a training session is nobody's to check into: it stays held for the whole session.
const NO_SHOW: &str = "status = 'active' AND starts_at <= $1
    AND CASE WHEN created_at > starts_at THEN created_at ELSE starts_at END
        + 60 * (SELECT no_show_grace_minutes FROM sites WHERE sites.id = bookings.site_id) <= $1
    AND NOT EXISTS (SELECT 1 FROM training_session_rooms r WHERE r.booking_id = bookings.id)";

/// The sites that have bookings to release as no-shows now.
pub async fn no_show_sites(db: &Db, now: DateTime<Utc>) -> sqlx::Result<Vec<SiteId>> {
    sqlx::query_scalar(&format!(
        "SELECT DISTINCT site_id FROM bookings WHERE {NO_SHOW} ORDER BY site_id"
    ))
    .bind(now.timestamp())
    .fetch_all(&db.pool)
    .await
}

/// A recurring series to write: the weekdays as given (mon,wed), local HH:MM times.
pub struct NewSeries<'a> {
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub weekdays: &'a str,
    pub start: &'a str,
    pub end: &'a str,
    pub now: i64,
    /// How it keeps going past the window, if it does.
    pub keep: Option<&'a Keep>,
}

/// A series that keeps going: its end (None: until stopped), the last date already
/// considered, and the desk asked for.
#[derive(Clone, Debug)]
pub struct Keep {
    pub until: Option<NaiveDate>,
    pub through: NaiveDate,
    pub space_id: Option<SpaceId>,
    pub attributes: Vec<String>,
}

/// Starts a recurring series; answers its id.
pub async fn insert_series(tx: &mut Tx, s: &NewSeries<'_>) -> sqlx::Result<SeriesId> {
    sqlx::query_scalar(
        "INSERT INTO booking_series (person_id, site_id, weekdays, start_time, end_time, created_at,
                                     keeps_going, until_date, booked_through, space_id, attributes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(s.person_id)
    .bind(s.site_id)
    .bind(s.weekdays)
    .bind(s.start)
    .bind(s.end)
    .bind(s.now)
    .bind(i64::from(s.keep.is_some()))
    .bind(s.keep.and_then(|k| k.until).map(|d| d.to_string()))
    .bind(s.keep.map(|k| k.through.to_string()))
    .bind(s.keep.and_then(|k| k.space_id))
    .bind(s.keep.map_or_else(|| "[]".to_string(), |k| serde_json::json!(k.attributes).to_string()))
    .fetch_one(&mut **tx)
    .await
}

/// A series that keeps going, as the job that books its new dates reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GoingRow {
    pub id: SeriesId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub weekdays: String,
    pub start_time: String,
    pub end_time: String,
    pub until_date: Option<String>,
    pub booked_through: Option<String>,
    pub space_id: Option<SpaceId>,
    pub attributes: String,
}

/// The series that keep going and are not stopped, by site.
pub async fn going(db: &Db) -> sqlx::Result<Vec<GoingRow>> {
    sqlx::query_as(
        "SELECT id, person_id, site_id, weekdays, start_time, end_time, until_date,
                booked_through, space_id, attributes
         FROM booking_series WHERE keeps_going = 1 AND stopped_at IS NULL ORDER BY site_id, id",
    )
    .fetch_all(&db.pool)
    .await
}

/// Moves a series' "booked through" date from `old` to `new`; false when another run moved
/// it first (the caller then rolls back what it booked).
pub async fn advance_series(
    tx: &mut Tx,
    id: SeriesId,
    old: Option<&str>,
    new: NaiveDate,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE booking_series SET booked_through = $1
         WHERE id = $2 AND stopped_at IS NULL AND booked_through IS NOT DISTINCT FROM $3",
    )
    .bind(new.to_string())
    .bind(id)
    .bind(old)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// What became of one date the job considered.
pub struct DateLog<'a> {
    pub series: SeriesId,
    pub date: NaiveDate,
    pub outcome: &'a str,
    pub code: Option<&'a str>,
    pub booking: Option<BookingId>,
    pub now: i64,
}

/// Logs a date's outcome for the weekly digest; false when that date was logged already.
pub async fn log_date(tx: &mut Tx, d: &DateLog<'_>) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO series_dates (series_id, date, outcome, code, booking_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (series_id, date) DO NOTHING",
    )
    .bind(d.series)
    .bind(d.date.to_string())
    .bind(d.outcome)
    .bind(d.code)
    .bind(d.booking)
    .bind(d.now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Stops a series: the job books no more of its dates.
pub async fn stop_series(tx: &mut Tx, id: SeriesId, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE booking_series SET stopped_at = $1 WHERE id = $2 AND stopped_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A logged date not yet in a digest.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Undigested {
    pub series_id: SeriesId,
    pub date: String,
    pub outcome: String,
    pub code: Option<String>,
}

/// Takes a person's logged dates at a site that no digest told yet, marking them told in the
/// caller's transaction: a second run (or instance) finds none.
pub async fn take_undigested(
    tx: &mut Tx,
    person: PersonId,
    site: SiteId,
    now: i64,
) -> sqlx::Result<Vec<Undigested>> {
    // One statement claims and reads them: a run that comes second finds nothing left.
    let mut rows: Vec<Undigested> = sqlx::query_as(
        "UPDATE series_dates SET digested_at = $1 WHERE digested_at IS NULL
         AND series_id IN (SELECT id FROM booking_series WHERE person_id = $2 AND site_id = $3)
         RETURNING series_id, date, outcome, code",
    )
    .bind(now)
    .bind(person)
    .bind(site)
    .fetch_all(&mut **tx)
    .await?;
    rows.sort_by(|a, b| (&a.date, a.series_id.0).cmp(&(&b.date, b.series_id.0)));
    Ok(rows)
}

/// The people and sites with logged dates no digest told yet.
pub async fn undigested_owners(db: &Db) -> sqlx::Result<Vec<(PersonId, SiteId)>> {
    sqlx::query_as(
        "SELECT DISTINCT s.person_id, s.site_id FROM series_dates d
         JOIN booking_series s ON s.id = d.series_id WHERE d.digested_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await
}

/// The person and site a series belongs to.
pub async fn series_owner(db: &Db, id: SeriesId) -> sqlx::Result<Option<(PersonId, SiteId)>> {
    sqlx::query_as("SELECT person_id, site_id FROM booking_series WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Replaces a person's calendar-feed token (only its hash is kept).
pub async fn set_feed(
    db: &Db,
    person_id: PersonId,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
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
pub async fn delete_feed(db: &Db, person_id: PersonId) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM calendar_feeds WHERE person_id = $1")
        .bind(person_id)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The person a calendar-feed token belongs to.
pub async fn feed_owner(db: &Db, token_hash: &str) -> sqlx::Result<Option<PersonId>> {
    sqlx::query_scalar("SELECT person_id FROM calendar_feeds WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await
}

/// A person's language as stored ("ja" or "en").
pub async fn language_of(db: &Db, person: PersonId) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT language FROM persons WHERE id = $1")
        .bind(person)
        .fetch_one(&db.pool)
        .await
}

/// Whether a person is an active worker of a site (whom staff may book for).
pub async fn is_active_worker(db: &Db, person_id: PersonId, site_id: SiteId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_grants g JOIN persons p ON p.id = g.person_id
         WHERE g.person_id = $1 AND g.site_id = $2 AND g.role = 'worker' AND p.active = 1",
    )
    .bind(person_id)
    .bind(site_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// A site's bookings of the local day [from, to) whose reminder is due, as (id, person), by
/// person and start.
pub async fn due_reminders(
    tx: &mut Tx,
    site_id: SiteId,
    (from, to): (i64, i64),
) -> sqlx::Result<Vec<(BookingId, PersonId)>> {
    sqlx::query_as(
        "SELECT id, person_id FROM bookings WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3
           AND status = 'active' AND reminded_at IS NULL ORDER BY person_id, starts_at",
    )
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await
}

/// Marks bookings reminded.
pub async fn mark_reminded(tx: &mut Tx, ids: &[BookingId], now: i64) -> sqlx::Result<()> {
    // One statement; the ids are integers, so writing them into it is safe.
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    sqlx::query(&format!(
        "UPDATE bookings SET reminded_at = $1 WHERE id IN ({})",
        list.join(",")
    ))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
