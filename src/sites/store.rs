//! SQL for municipalities, sites, exceptions and spaces.

use super::rules::{self, Exception, Hours, Schedule};
use super::{Closure, Municipality, OpeningHours, Site, Space, SpaceKind};
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult, Validator};
use crate::ids::{MunicipalityId, SiteId, SpaceId};
use anyhow::Context;
use chrono::NaiveDate;

#[derive(sqlx::FromRow)]
struct MunicipalityRow {
    id: MunicipalityId,
    code: String,
    name_ja: String,
    name_en: String,
    active: i64,
}

impl From<MunicipalityRow> for Municipality {
    fn from(r: MunicipalityRow) -> Self {
        Municipality {
            id: r.id,
            code: r.code,
            name_ja: r.name_ja,
            name_en: r.name_en,
            active: r.active != 0,
        }
    }
}

const MUNICIPALITY: &str = "SELECT id, code, name_ja, name_en, active FROM municipalities";

/// Every municipality.
pub async fn municipalities(db: &Db) -> sqlx::Result<Vec<Municipality>> {
    let rows: Vec<MunicipalityRow> = sqlx::query_as(&format!("{MUNICIPALITY} ORDER BY code"))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One municipality.
pub async fn municipality_by_id(db: &Db, id: impl Into<MunicipalityId>) -> ApiResult<Municipality> {
    sqlx::query_as::<_, MunicipalityRow>(&format!("{MUNICIPALITY} WHERE id = $1"))
        .bind(id.into())
        .fetch_optional(&db.pool)
        .await?
        .map(Into::into)
        .ok_or_else(|| ApiError::not_found("自治体", "Municipality"))
}

/// Inserts or updates a municipality (id 0 inserts); answers its id.
pub async fn save_municipality(
    tx: &mut Tx,
    m: &Municipality,
    now: i64,
) -> sqlx::Result<MunicipalityId> {
    if m.id.0 == 0 {
        sqlx::query_scalar(
            "INSERT INTO municipalities (code, name_ja, name_en, active, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&m.code)
        .bind(&m.name_ja)
        .bind(&m.name_en)
        .bind(i64::from(m.active))
        .bind(now)
        .fetch_one(&mut **tx)
        .await
    } else {
        sqlx::query("UPDATE municipalities SET code = $1, name_ja = $2, name_en = $3, active = $4 WHERE id = $5")
            .bind(&m.code)
            .bind(&m.name_ja)
            .bind(&m.name_en)
            .bind(i64::from(m.active))
            .bind(m.id)
            .execute(&mut **tx)
            .await
            .map(|_| m.id)
    }
}

/// A `sites` row as stored; others flatten it into their own rows (`#[sqlx(flatten)]`) to
/// read a site in the same statement.
#[derive(sqlx::FromRow)]
pub struct SiteRow {
    id: SiteId,
    municipality_id: MunicipalityId,
    name_ja: String,
    name_en: String,
    time_zone: String,
    opening_hours: String,
    annual_closures: String,
    open_on_holidays: i64,
    booking_window_days: i64,
    no_show_grace_minutes: i64,
    max_hours_per_day: i64,
    max_active_bookings: i64,
    allow_walk_in: i64,
    check_in_early_minutes: i64,
    reminder_hour: i64,
    kiosk_offline_minutes: i64,
    active: i64,
    // Statements that flatten this row without naming the address read an empty one.
    #[sqlx(default)]
    address_ja: String,
    #[sqlx(default)]
    address_en: String,
}

const SITE: &str = "SELECT id, municipality_id, name_ja, name_en, time_zone, opening_hours,
    annual_closures, open_on_holidays, booking_window_days, no_show_grace_minutes,
    max_hours_per_day, max_active_bookings, allow_walk_in, check_in_early_minutes,
    reminder_hour, kiosk_offline_minutes, active, address_ja, address_en FROM sites";

impl SiteRow {
    /// The site; its JSON settings that do not parse are an error naming the row.
    pub fn site(self) -> anyhow::Result<Site> {
        let id = self.id;
        let opening_hours: Vec<OpeningHours> = serde_json::from_str(&self.opening_hours)
            .with_context(|| format!("sites row {id}: opening_hours do not parse"))?;
        let annual_closures: Vec<Closure> = serde_json::from_str(&self.annual_closures)
            .with_context(|| format!("sites row {id}: annual_closures do not parse"))?;
        Ok(Site {
            id,
            municipality_id: self.municipality_id,
            name_ja: self.name_ja,
            name_en: self.name_en,
            time_zone: self.time_zone,
            opening_hours,
            annual_closures,
            open_on_holidays: self.open_on_holidays != 0,
            booking_window_days: self.booking_window_days,
            no_show_grace_minutes: self.no_show_grace_minutes,
            max_hours_per_day: self.max_hours_per_day,
            max_active_bookings: self.max_active_bookings,
            allow_walk_in: self.allow_walk_in != 0,
            check_in_early_minutes: self.check_in_early_minutes,
            reminder_hour: self.reminder_hour,
            kiosk_offline_minutes: self.kiosk_offline_minutes,
            active: self.active != 0,
            address_ja: self.address_ja,
            address_en: self.address_en,
        })
    }
}

/// Every site, by id.
pub async fn sites(db: &Db) -> anyhow::Result<Vec<Site>> {
    let rows: Vec<SiteRow> = sqlx::query_as(&format!("{SITE} ORDER BY id"))
        .fetch_all(&db.pool)
        .await?;
    rows.into_iter().map(SiteRow::site).collect()
}

/// One site.
pub async fn get(db: &Db, id: impl Into<SiteId>) -> ApiResult<Site> {
    let row: SiteRow = sqlx::query_as(&format!("{SITE} WHERE id = $1"))
        .bind(id.into())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("拠点", "Site"))?;
    Ok(row.site()?)
}

/// Inserts or updates a site (id 0 inserts); answers its id.
pub async fn save_site(tx: &mut Tx, s: &Site, now: i64) -> sqlx::Result<SiteId> {
    let hours = serde_json::to_string(&s.opening_hours).unwrap_or_else(|_| "[]".into());
    let closures = serde_json::to_string(&s.annual_closures).unwrap_or_else(|_| "[]".into());
    let q = if s.id.0 == 0 {
        sqlx::query_scalar(
            "INSERT INTO sites (municipality_id, name_ja, name_en, time_zone, opening_hours,
                 annual_closures, open_on_holidays, active, booking_window_days,
                 no_show_grace_minutes, max_hours_per_day, max_active_bookings, allow_walk_in,
                 check_in_early_minutes, reminder_hour, kiosk_offline_minutes, created_at,
                 address_ja, address_en)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19)
             RETURNING id",
        )
    } else {
        sqlx::query_scalar(
            "UPDATE sites SET municipality_id = $1, name_ja = $2, name_en = $3, time_zone = $4,
                 opening_hours = $5, annual_closures = $6, open_on_holidays = $7, active = $8,
                 booking_window_days = $9, no_show_grace_minutes = $10, max_hours_per_day = $11,
                 max_active_bookings = $12, allow_walk_in = $13, check_in_early_minutes = $14,
                 reminder_hour = $15, kiosk_offline_minutes = $16, address_ja = $18,
                 address_en = $19
             WHERE id = $17 RETURNING id",
        )
    };
    q.bind(s.municipality_id)
        .bind(&s.name_ja)
        .bind(&s.name_en)
        .bind(&s.time_zone)
        .bind(hours)
        .bind(closures)
        .bind(i64::from(s.open_on_holidays))
        .bind(i64::from(s.active))
        .bind(s.booking_window_days)
        .bind(s.no_show_grace_minutes)
        .bind(s.max_hours_per_day)
        .bind(s.max_active_bookings)
        .bind(i64::from(s.allow_walk_in))
        .bind(s.check_in_early_minutes)
        .bind(s.reminder_hour)
        .bind(s.kiosk_offline_minutes)
        // $17 is the creation time of a new site, the id of an existing one.
        .bind(if s.id.0 == 0 { now } else { s.id.0 })
        .bind(&s.address_ja)
        .bind(&s.address_en)
        .fetch_one(&mut **tx)
        .await
}

#[derive(sqlx::FromRow)]
struct ExceptionRow {
    day: String,
    open: i64,
    open_time: Option<String>,
    close_time: Option<String>,
    note: String,
}

impl ExceptionRow {
    /// The exception; a date or time that does not parse is an error naming the row.
    fn exception(self, site_id: SiteId) -> anyhow::Result<(NaiveDate, Exception)> {
        let bad = || {
            anyhow::anyhow!(
                "site_exceptions row ({site_id}, {}) does not parse",
                self.day
            )
        };
        let day: NaiveDate = self.day.parse().map_err(|_| bad())?;
        let time = |t: &str| rules::parse_time(t).ok_or_else(bad);
        let hours = match (&self.open_time, &self.close_time) {
            (Some(o), Some(c)) => Some(Hours {
                open: time(o)?,
                close: time(c)?,
            }),
            _ => None,
        };
        let exception = Exception {
            open: self.open != 0,
            hours,
            note: self.note,
        };
        Ok((day, exception))
    }
}

/// A site's per-date exceptions, by date.
pub async fn exceptions(
    db: &Db,
    site_id: impl Into<SiteId>,
) -> anyhow::Result<Vec<(NaiveDate, Exception)>> {
    let site_id = site_id.into();
    let rows: Vec<ExceptionRow> = sqlx::query_as(
        "SELECT day, open, open_time, close_time, note FROM site_exceptions
         WHERE site_id = $1 ORDER BY day",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(|r| r.exception(site_id)).collect()
}

/// Sets the exception of one date.
pub async fn put_exception(
    db: &Db,
    site_id: SiteId,
    day: NaiveDate,
    ex: &Exception,
) -> sqlx::Result<()> {
    let fmt = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    sqlx::query(
        "INSERT INTO site_exceptions (site_id, day, open, open_time, close_time, note)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (site_id, day) DO UPDATE SET open = excluded.open,
             open_time = excluded.open_time, close_time = excluded.close_time, note = excluded.note",
    )
    .bind(site_id)
    .bind(day.to_string())
    .bind(i64::from(ex.open))
    .bind(ex.hours.map(|h| fmt(h.open)))
    .bind(ex.hours.map(|h| fmt(h.close)))
    .bind(&ex.note)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Removes the exception of one date; whether there was one.
pub async fn delete_exception(db: &Db, site_id: SiteId, day: NaiveDate) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM site_exceptions WHERE site_id = $1 AND day = $2")
        .bind(site_id)
        .bind(day.to_string())
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Everything that decides when the site is open. Stored settings that do not make a
/// schedule (an unknown time zone, hours that do not parse) are an error naming the site.
pub async fn schedule(db: &Db, s: &Site) -> ApiResult<Schedule> {
    let mut v = Validator::new();
    let parts = super::schedule_parts(&mut v, s);
    let (tz, weekly, annual_closures) = match (v.finish(), parts) {
        (Ok(()), Some(parts)) => parts,
        (Err(e), _) => Err(anyhow::anyhow!(
            "sites row {} holds a bad schedule: {e}",
            s.id
        ))?,
        (Ok(()), None) => Err(anyhow::anyhow!("sites row {} has no time zone", s.id))?,
    };
    Ok(Schedule {
        tz,
        weekly,
        annual_closures,
        open_on_holidays: s.open_on_holidays,
        exceptions: exceptions(db, s.id).await?.into_iter().collect(),
    })
}

#[derive(sqlx::FromRow)]
struct SpaceRow {
    id: SpaceId,
    site_id: SiteId,
    kind: String,
    name: String,
    capacity: i64,
    attributes: String,
    active: i64,
}

const SPACE: &str = "SELECT id, site_id, kind, name, capacity, attributes, active FROM spaces";

impl SpaceRow {
    /// The space; an unknown kind or attributes that do not parse are an error naming the row.
    fn space(self) -> anyhow::Result<Space> {
        let id = self.id;
        Ok(Space {
            kind: SpaceKind::stored(&self.kind, id)?,
            attributes: serde_json::from_str(&self.attributes)
                .with_context(|| format!("spaces row {id}: attributes do not parse"))?,
            id,
            site_id: self.site_id,
            name: self.name,
            capacity: self.capacity,
            active: self.active != 0,
        })
    }
}

/// A site's spaces, by kind and name.
pub async fn spaces(db: &Db, site_id: impl Into<SiteId>) -> anyhow::Result<Vec<Space>> {
    spaces_on(&db.pool, site_id.into()).await
}

/// A site's spaces, read in a transaction.
pub async fn spaces_in(tx: &mut Tx, site_id: SiteId) -> anyhow::Result<Vec<Space>> {
    spaces_on(&mut **tx, site_id).await
}

async fn spaces_on<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    site_id: SiteId,
) -> anyhow::Result<Vec<Space>> {
    let rows: Vec<SpaceRow> =
        sqlx::query_as(&format!("{SPACE} WHERE site_id = $1 ORDER BY kind, name"))
            .bind(site_id)
            .fetch_all(ex)
            .await?;
    rows.into_iter().map(SpaceRow::space).collect()
}

/// One space.
pub async fn space_by_id(db: &Db, id: impl Into<SpaceId>) -> ApiResult<Space> {
    let row: SpaceRow = sqlx::query_as(&format!("{SPACE} WHERE id = $1"))
        .bind(id.into())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("スペース", "Space"))?;
    Ok(row.space()?)
}

/// How many upcoming bookings hold the space on a seat above `seat_floor`: the seats a
/// change of the space would take from under them. (Reads booking's table; sites cannot
/// call booking, which sits above it.)
pub async fn seats_held(
    tx: &mut Tx,
    space_id: SpaceId,
    seat_floor: i64,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings WHERE space_id = $1 AND ends_at > $2 AND seat > $3
           AND status IN ('active', 'checked_in')",
    )
    .bind(space_id)
    .bind(now)
    .bind(seat_floor)
    .fetch_one(&mut **tx)
    .await
}

/// Inserts or updates a space (id 0 inserts); answers its id.
pub async fn save_space(tx: &mut Tx, s: &Space) -> sqlx::Result<SpaceId> {
    let attrs = serde_json::to_string(&s.attributes).unwrap_or_else(|_| "[]".into());
    if s.id.0 == 0 {
        sqlx::query_scalar(
            "INSERT INTO spaces (site_id, kind, name, capacity, attributes, active)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(s.site_id)
        .bind(s.kind.as_str())
        .bind(&s.name)
        .bind(s.capacity)
        .bind(attrs)
        .bind(i64::from(s.active))
        .fetch_one(&mut **tx)
        .await
    } else {
        sqlx::query(
            "UPDATE spaces SET kind = $1, name = $2, capacity = $3, attributes = $4, active = $5
             WHERE id = $6",
        )
        .bind(s.kind.as_str())
        .bind(&s.name)
        .bind(s.capacity)
        .bind(attrs)
        .bind(i64::from(s.active))
        .bind(s.id)
        .execute(&mut **tx)
        .await
        .map(|_| s.id)
    }
}

/// Serialises the writes that depend on a site's seats and places: bookings, childcare
/// places, caregiver shifts, space changes. A row lock on PostgreSQL, taken before anything
/// else the transaction locks; SQLite's writers are serialised already.
pub async fn lock(tx: &mut Tx, site_id: impl Into<SiteId>) -> sqlx::Result<()> {
    crate::db::lock_row(tx, "sites", site_id.into().0).await
}

/// Locks a site unless another transaction holds it: answers whether it is now held. For a
/// writer that already holds a person's lock, which must not wait for the site's (the order
/// is site, then person: waiting could deadlock with a booking of that person). Only in a
/// write transaction ([`crate::db::Db::begin`]): on SQLite that one holds every lock.
pub async fn try_lock(tx: &mut Tx, site_id: SiteId) -> sqlx::Result<bool> {
    if tx.backend_name() != "PostgreSQL" {
        // SQLite: the transaction already holds the only writer's place.
        return Ok(true);
    }
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM sites WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED")
            .bind(site_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.is_some())
}

/// A site's name in both languages, as notices write it.
pub async fn name_of(
    tx: &mut Tx,
    site_id: SiteId,
) -> sqlx::Result<crate::mail::templates::SiteName> {
    let (ja, en) = sqlx::query_as("SELECT name_ja, name_en FROM sites WHERE id = $1")
        .bind(site_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(crate::mail::templates::SiteName { ja, en })
}

/// A site's name and address, as notices write them.
pub async fn where_of(tx: &mut Tx, site_id: SiteId) -> sqlx::Result<super::Whereabouts> {
    let (ja, en, address_ja, address_en) =
        sqlx::query_as("SELECT name_ja, name_en, address_ja, address_en FROM sites WHERE id = $1")
            .bind(site_id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(super::Whereabouts {
        name: crate::mail::templates::SiteName { ja, en },
        address_ja,
        address_en,
    })
}
