//! Utilisation history: a job rolls each finished local day of each site up into hours (desk,
//! room and childcare seconds in use) and a day line (bookings kept, no-shows, peak inside),
//! idempotently (upserts keyed by site, day and hour; several instances may run it at once);
//! the report reads a year from the rollup (at most 24 x 366 rows a site).

use super::rules;
use crate::db::{Db, Tx};
use crate::error::ApiResult;
use crate::ids::SiteId;
use crate::sites::rules::Schedule;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

/// Days a run rolls up at most per site (a fresh database with a long history catches up over
/// several runs).
const DAYS_PER_RUN: i64 = 62;

/// Finished days that late changes can still reach, rolled up again: a kiosk that was offline
/// sends its scans hours late, a presence or a childcare place left open is closed after
/// midnight, staff correct a booking the next morning. Older days stay as rolled up.
const LATE_DAYS: i64 = 2;
/// How often a day within the late window is rolled up again (the job runs every 30 s).
const REROLL_SECS: i64 = 15 * 60;

#[derive(sqlx::FromRow)]
struct Kept {
    space_kind: String,
    starts_at: i64,
    ends_at: i64,
    status: String,
}

#[derive(sqlx::FromRow)]
struct Span {
    a: i64,
    b: Option<i64>,
    c: i64,
}

/// Rolls up every finished day not rolled up yet, per active site; answers the days done.
pub async fn roll_up(db: &Db, now: i64) -> anyhow::Result<usize> {
    let mut done = 0;
    for site in crate::sites::store::sites(db).await? {
        if !site.active {
            continue;
        }
        // One site whose calendar cannot be read must not hold back the others' history.
        let schedule = match crate::sites::store::schedule(db, &site).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(site = site.id.0, "utilisation not rolled up: {e:?}");
                continue;
            }
        };
        let today = crate::childcare::local_date(now, schedule.tz);
        let last: Option<String> =
            sqlx::query_scalar("SELECT MAX(day) FROM utilisation_days WHERE site_id = $1")
                .bind(site.id)
                .fetch_one(&db.pool)
                .await?;
        let first = match last.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()) {
            Some(d) => d + Duration::days(1),
            None => {
                let earliest: Option<i64> =
                    sqlx::query_scalar("SELECT MIN(starts_at) FROM bookings WHERE site_id = $1")
                        .bind(site.id)
                        .fetch_one(&db.pool)
                        .await?;
                match earliest {
                    Some(at) => crate::childcare::local_date(at, schedule.tz),
                    None => continue,
                }
            }
        };
        let mut day = first;
        while day < today && (day - first).num_days() < DAYS_PER_RUN {
            let mut tx = db.begin().await?;
            roll_up_day(&mut tx, site.id, &schedule, day, now).await?;
            tx.commit().await?;
            done += 1;
            day += Duration::days(1);
        }
        // Again, the finished days late changes can still reach (not rolled up lately).
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT day FROM utilisation_days
             WHERE site_id = $1 AND day >= $2 AND day < $3 AND rolled_at <= $4 ORDER BY day",
        )
        .bind(site.id)
        .bind((today - Duration::days(LATE_DAYS)).to_string())
        .bind(today.to_string())
        .bind(now - REROLL_SECS)
        .fetch_all(&db.pool)
        .await?;
        for day in stale {
            let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
                continue;
            };
            let mut tx = db.begin().await?;
            roll_up_day(&mut tx, site.id, &schedule, day, now).await?;
            tx.commit().await?;
            done += 1;
        }
    }
    Ok(done)
}

/// One site's local day into the rollup (replacing what was there).
async fn roll_up_day(
    tx: &mut Tx,
    site: SiteId,
    schedule: &Schedule,
    day: NaiveDate,
    now: i64,
) -> anyhow::Result<()> {
    let (from, to) = schedule.day_bounds(day);
    let kept: Vec<Kept> = sqlx::query_as(
        "SELECT space_kind, starts_at, ends_at, status FROM bookings
         WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3
           AND status IN ('checked_in', 'no_show')",
    )
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    let care: Vec<Span> = sqlx::query_as(
        "SELECT dropped_off_at AS a, picked_up_at AS b, ends_at AS c FROM childcare_bookings
         WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3 AND dropped_off_at IS NOT NULL",
    )
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    let inside: Vec<Span> = sqlx::query_as(
        "SELECT checked_in_at AS a, checked_out_at AS b, CAST($3 AS BIGINT) AS c FROM presence_sessions
         WHERE site_id = $1 AND checked_in_at >= $2 AND checked_in_at < $3",
    )
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    let used = |desk: bool| -> Vec<(i64, i64)> {
        kept.iter()
            .filter(|k| k.status == "checked_in" && (k.space_kind == "desk") == desk)
            .map(|k| (k.starts_at, k.ends_at))
            .collect()
    };
    let spans =
        |v: &[Span]| -> Vec<(i64, i64)> { v.iter().map(|s| (s.a, s.b.unwrap_or(s.c))).collect() };
    // By the local hour on the clock, so that a day with a DST change has its hours right.
    let local = |v: &[(i64, i64)]| rules::seconds_per_local_hour(v, (from, to), schedule.tz);
    let desk = local(&used(true));
    let room = local(&used(false));
    let childcare = local(&spans(&care));
    let no_shows = kept.iter().filter(|k| k.status == "no_show").count() as i64;
    let key = day.to_string();
    sqlx::query(
        "INSERT INTO utilisation_days (site_id, day, weekday, kept, no_shows, peak, rolled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (site_id, day) DO UPDATE SET kept = excluded.kept,
             no_shows = excluded.no_shows, peak = excluded.peak, rolled_at = excluded.rolled_at",
    )
    .bind(site)
    .bind(&key)
    .bind(i64::from(day.weekday().num_days_from_monday()))
    .bind(kept.len() as i64 - no_shows)
    .bind(no_shows)
    .bind(rules::peak(&spans(&inside)))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    // A day rolled up again may have hours that are empty now.
    sqlx::query("DELETE FROM utilisation_hours WHERE site_id = $1 AND day = $2")
        .bind(site)
        .bind(&key)
        .execute(&mut **tx)
        .await?;
    for hour in 0..24 {
        if desk[hour] + room[hour] + childcare[hour] == 0 {
            continue;
        }
        sqlx::query(
            "INSERT INTO utilisation_hours (site_id, day, hour, desk_secs, room_secs, childcare_secs)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (site_id, day, hour) DO UPDATE SET desk_secs = excluded.desk_secs,
                 room_secs = excluded.room_secs, childcare_secs = excluded.childcare_secs",
        )
        .bind(site)
        .bind(&key)
        .bind(hour as i64)
        .bind(desk[hour])
        .bind(room[hour])
        .bind(childcare[hour])
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Utilisation of a site over a range of local days.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Utilisation {
    pub from: String,
    pub to: String,
    /// Days rolled up in the range (days after yesterday are not yet).
    pub days: i64,
    /// Per weekday (Monday first) and local hour: the average share in use, 0 to 1.
    pub desks: Vec<Vec<f64>>,
    pub rooms: Vec<Vec<f64>>,
    pub childcare: Vec<Vec<f64>>,
    /// Bookings released as no-shows over those kept or released.
    pub no_show_rate: f64,
    /// The most people inside at once, and on which day.
    pub peak: i64,
    pub peak_day: Option<String>,
}

#[derive(sqlx::FromRow)]
struct HourRow {
    day: String,
    hour: i64,
    desk_secs: i64,
    room_secs: i64,
    childcare_secs: i64,
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: String,
    weekday: i64,
    kept: i64,
    no_shows: i64,
    peak: i64,
}

#[derive(sqlx::FromRow)]
struct Capacity {
    desks: i64,
    rooms: i64,
    childcare: i64,
}

/// The rollup's lines of a range, for the CSV: (day, hour, desk, room, childcare seconds).
pub async fn hours(
    db: &Db,
    site: SiteId,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<(String, i64, i64, i64, i64)>> {
    let rows: Vec<HourRow> = sqlx::query_as(
        "SELECT day, hour, desk_secs, room_secs, childcare_secs FROM utilisation_hours
         WHERE site_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, hour",
    )
    .bind(site)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.day, r.hour, r.desk_secs, r.room_secs, r.childcare_secs))
        .collect())
}

/// The report of a range (capacities as the site's active spaces are now).
pub async fn report(
    db: &Db,
    site: SiteId,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Utilisation> {
    let days: Vec<DayRow> = sqlx::query_as(
        "SELECT day, weekday, kept, no_shows, peak FROM utilisation_days
         WHERE site_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(site)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(&db.pool)
    .await?;
    let cap: Capacity = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'desk' THEN capacity ELSE 0 END), 0) AS BIGINT) AS desks,
                CAST(COALESCE(SUM(CASE WHEN kind IN ('room', 'secure_room', 'meeting_room') THEN capacity ELSE 0 END), 0) AS BIGINT) AS rooms,
                CAST(COALESCE(SUM(CASE WHEN kind = 'childcare_room' THEN capacity ELSE 0 END), 0) AS BIGINT) AS childcare
         FROM spaces WHERE site_id = $1 AND active = 1",
    )
    .bind(site)
    .fetch_one(&db.pool)
    .await?;
    let mut per_weekday = [0i64; 7];
    for d in &days {
        if let Some(n) = usize::try_from(d.weekday)
            .ok()
            .and_then(|w| per_weekday.get_mut(w))
        {
            *n += 1;
        }
    }
    let weekday_of: std::collections::HashMap<&str, usize> = days
        .iter()
        .map(|d| {
            (
                d.day.as_str(),
                usize::try_from(d.weekday).unwrap_or(0).min(6),
            )
        })
        .collect();
    let mut sums = [[[0i64; 24]; 7]; 3];
    for h in hours(db, site, from, to).await? {
        let (day, hour, secs) = (h.0, h.1, [h.2, h.3, h.4]);
        let (Some(&w), Ok(hour)) = (weekday_of.get(day.as_str()), usize::try_from(hour)) else {
            continue;
        };
        for (sum, s) in sums.iter_mut().zip(secs) {
            if let Some(cell) = sum[w].get_mut(hour) {
                *cell += s;
            }
        }
    }
    let share = |sum: &[[i64; 24]; 7], capacity: i64| -> Vec<Vec<f64>> {
        (0..7)
            .map(|w| {
                (0..24)
                    .map(|h| {
                        let possible = per_weekday[w] * capacity * 3600;
                        if possible == 0 {
                            0.0
                        } else {
                            (sum[w][h] as f64 / possible as f64).min(1.0)
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let (kept, no_shows) = days
        .iter()
        .fold((0, 0), |(k, n), d| (k + d.kept, n + d.no_shows));
    let top = days.iter().max_by_key(|d| d.peak);
    Ok(Utilisation {
        from: from.to_string(),
        to: to.to_string(),
        days: days.len() as i64,
        desks: share(&sums[0], cap.desks),
        rooms: share(&sums[1], cap.rooms),
        childcare: share(&sums[2], cap.childcare),
        no_show_rate: if kept + no_shows == 0 {
            0.0
        } else {
            no_shows as f64 / (kept + no_shows) as f64
        },
        peak: top.map_or(0, |d| d.peak),
        peak_day: top.filter(|d| d.peak > 0).map(|d| d.day.clone()),
    })
}
