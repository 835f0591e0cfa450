//! SQL for municipalities, sites, exceptions and spaces.

use super::rules::{self, Exception, Hours, Schedule};
use super::{Municipality, Site, Space, SpaceKind};
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use sqlx::Row;
use sqlx::any::AnyRow;

fn flag(row: &AnyRow, col: &str) -> bool {
    row.get::<i64, _>(col) != 0
}

fn municipality(r: &AnyRow) -> Municipality {
    Municipality {
        id: r.get("id"),
        code: r.get("code"),
        name_ja: r.get("name_ja"),
        name_en: r.get("name_en"),
        active: flag(r, "active"),
    }
}

/// Every municipality.
pub async fn municipalities(db: &Db) -> sqlx::Result<Vec<Municipality>> {
    let rows = sqlx::query("SELECT * FROM municipalities ORDER BY code")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(municipality).collect())
}

/// One municipality.
pub async fn municipality_by_id(db: &Db, id: i64) -> ApiResult<Municipality> {
    sqlx::query("SELECT * FROM municipalities WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| municipality(&r))
        .ok_or_else(|| ApiError::not_found("自治体", "Municipality"))
}

/// Inserts or updates a municipality (id 0 inserts); answers its id.
pub async fn save_municipality(tx: &mut Tx, m: &Municipality, now: i64) -> sqlx::Result<i64> {
    if m.id == 0 {
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

fn site(r: &AnyRow) -> Site {
    Site {
        id: r.get("id"),
        municipality_id: r.get("municipality_id"),
        name_ja: r.get("name_ja"),
        name_en: r.get("name_en"),
        time_zone: r.get("time_zone"),
        opening_hours: serde_json::from_str(r.get("opening_hours")).unwrap_or_default(),
        annual_closures: serde_json::from_str(r.get("annual_closures")).unwrap_or_default(),
        open_on_holidays: flag(r, "open_on_holidays"),
        booking_window_days: r.get("booking_window_days"),
        no_show_grace_minutes: r.get("no_show_grace_minutes"),
        max_hours_per_day: r.get("max_hours_per_day"),
        max_active_bookings: r.get("max_active_bookings"),
        allow_walk_in: flag(r, "allow_walk_in"),
        check_in_early_minutes: r.get("check_in_early_minutes"),
        reminder_hour: r.get("reminder_hour"),
        kiosk_offline_minutes: r.get("kiosk_offline_minutes"),
        active: flag(r, "active"),
    }
}

/// Every site, by id.
pub async fn sites(db: &Db) -> sqlx::Result<Vec<Site>> {
    let rows = sqlx::query("SELECT * FROM sites ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(site).collect())
}

/// One site.
pub async fn get(db: &Db, id: i64) -> ApiResult<Site> {
    sqlx::query("SELECT * FROM sites WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| site(&r))
        .ok_or_else(|| ApiError::not_found("拠点", "Site"))
}

/// Inserts or updates a site (id 0 inserts); answers its id.
pub async fn save_site(tx: &mut Tx, s: &Site, now: i64) -> sqlx::Result<i64> {
    let hours = serde_json::to_string(&s.opening_hours).unwrap_or_else(|_| "[]".into());
    let closures = serde_json::to_string(&s.annual_closures).unwrap_or_else(|_| "[]".into());
    let q = if s.id == 0 {
        sqlx::query(
            "INSERT INTO sites (municipality_id, name_ja, name_en, time_zone, opening_hours,
                 annual_closures, open_on_holidays, active, booking_window_days,
                 no_show_grace_minutes, max_hours_per_day, max_active_bookings, allow_walk_in,
                 check_in_early_minutes, reminder_hour, kiosk_offline_minutes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             RETURNING id",
        )
    } else {
        sqlx::query(
            "UPDATE sites SET municipality_id = $1, name_ja = $2, name_en = $3, time_zone = $4,
                 opening_hours = $5, annual_closures = $6, open_on_holidays = $7, active = $8,
                 booking_window_days = $9, no_show_grace_minutes = $10, max_hours_per_day = $11,
                 max_active_bookings = $12, allow_walk_in = $13, check_in_early_minutes = $14,
                 reminder_hour = $15, kiosk_offline_minutes = $16
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
        .bind(if s.id == 0 { now } else { s.id })
        .fetch_one(&mut **tx)
        .await
        .map(|r| r.get("id"))
}

/// A site's per-date exceptions, by date.
pub async fn exceptions(db: &Db, site_id: i64) -> sqlx::Result<Vec<(NaiveDate, Exception)>> {
    let rows = sqlx::query("SELECT * FROM site_exceptions WHERE site_id = $1 ORDER BY day")
        .bind(site_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let day = r.get::<String, _>("day").parse().ok()?;
            let open_time: Option<String> = r.get("open_time");
            let close_time: Option<String> = r.get("close_time");
            let hours = match (open_time, close_time) {
                (Some(o), Some(c)) => Some(Hours {
                    open: rules::parse_time(&o)?,
                    close: rules::parse_time(&c)?,
                }),
                _ => None,
            };
            Some((
                day,
                Exception {
                    open: flag(r, "open"),
                    hours,
                    note: r.get("note"),
                },
            ))
        })
        .collect())
}

/// Sets the exception of one date.
pub async fn put_exception(
    db: &Db,
    site_id: i64,
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
pub async fn delete_exception(db: &Db, site_id: i64, day: NaiveDate) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM site_exceptions WHERE site_id = $1 AND day = $2")
        .bind(site_id)
        .bind(day.to_string())
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Everything that decides when the site is open.
pub async fn schedule(db: &Db, s: &Site) -> ApiResult<Schedule> {
    let mut v = crate::error::Validator::new();
    let (tz, weekly, annual_closures) = super::validate_site(&mut v, s)
        .ok_or_else(|| anyhow::anyhow!("site {} has a bad stored time zone", s.id))?;
    Ok(Schedule {
        tz,
        weekly,
        annual_closures,
        open_on_holidays: s.open_on_holidays,
        exceptions: exceptions(db, s.id).await?.into_iter().collect(),
    })
}

fn space(r: &AnyRow) -> Space {
    Space {
        id: r.get("id"),
        site_id: r.get("site_id"),
        kind: SpaceKind::parse(r.get("kind")).unwrap_or(SpaceKind::Desk),
        name: r.get("name"),
        capacity: r.get("capacity"),
        attributes: serde_json::from_str(r.get("attributes")).unwrap_or_default(),
        active: flag(r, "active"),
    }
}

/// A site's spaces, by kind and name.
pub async fn spaces(db: &Db, site_id: i64) -> sqlx::Result<Vec<Space>> {
    let rows = sqlx::query("SELECT * FROM spaces WHERE site_id = $1 ORDER BY kind, name")
        .bind(site_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(space).collect())
}

/// One space.
pub async fn space_by_id(db: &Db, id: i64) -> ApiResult<Space> {
    sqlx::query("SELECT * FROM spaces WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| space(&r))
        .ok_or_else(|| ApiError::not_found("スペース", "Space"))
}

/// Inserts or updates a space (id 0 inserts); answers its id.
pub async fn save_space(tx: &mut Tx, s: &Space) -> sqlx::Result<i64> {
    let attrs = serde_json::to_string(&s.attributes).unwrap_or_else(|_| "[]".into());
    if s.id == 0 {
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
pub async fn lock(tx: &mut Tx, site_id: i64) -> sqlx::Result<()> {
    crate::db::lock_row(tx, "sites", site_id).await
}
