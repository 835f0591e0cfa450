//! Month end (issue 18), run by `--month-end-only`: 500 workers of Shiojiri, each with a month
//! of kiosk sessions (every weekday 9:00-13:00) and remote hours (19:00-21:00) on a project,
//! the month submitted; then, as the site's director:
//!  1. the site's month list (all 500 with their totals and flags), target p99 under 300 ms;
//!  2. one worker's month, target p99 under 50 ms;
//!  3. the 500 approvals, target under 10 s in all.

use super::{Args, Monitor, Phase, Shared, closed_loop, local, log, send};
use anyhow::{Context, Result};
use chrono::{Datelike, Days, NaiveDate};
use kado::attendance::rules::Month;
use kado::db::Db;
use serde_json::json;
use std::sync::Arc;

const LIST: &str = "month end: a site's month, 500 workers";
const ONE: &str = "month end: one worker's month";
const APPROVE: &str = "month end: 500 approvals";
const WORKERS: usize = 500;

/// What the scenarios use: the director's session, the month, the workers and timesheets.
struct MonthEnd {
    session: String,
    month: String,
    people: Vec<i64>,
    sheets: Vec<i64>,
}

/// The month before the bench's day, filled for 500 bench workers made workers of Shiojiri.
async fn fill(url: &str, sh: &Shared) -> Result<MonthEnd> {
    let db = Db::connect(url, 2).await?;
    let f = &sh.fill;
    if f.workers.len() < WORKERS {
        anyhow::bail!("--month-end-only needs at least {WORKERS} --workers");
    }
    let director: i64 = sqlx::query_scalar("SELECT id FROM persons WHERE email = $1")
        .bind("director@shiojiri.kado.example")
        .fetch_one(&db.pool)
        .await
        .context("the demo director")?;
    let session = format!("bench-month-{}", f.t0);
    sqlx::query(
        "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(kado::auth::password::token_hash(&session))
    .bind(director)
    .bind(f.t0 - 3600)
    .bind(f.t0 + 14 * 86400)
    .execute(&db.pool)
    .await?;
    let project: i64 = sqlx::query_scalar(
        "SELECT MIN(p.id) FROM client_projects p JOIN client_companies c ON c.id = p.client_id
          WHERE c.site_id = $1",
    )
    .bind(f.shiojiri)
    .fetch_one(&db.pool)
    .await?;
    let first = f
        .today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(1)))
        .context("the month before")?;
    let month = Month::of(first);
    let (from, to) = month
        .bounds(chrono_tz::Asia::Tokyo)
        .context("the month's bounds")?;
    // The weekdays the site is open (no hours on a closed day: nothing to resolve).
    let schedule = kado::attendance::schedule_of(&db, kado::ids::SiteId(f.shiojiri)).await?;
    let weekdays: Vec<NaiveDate> = (0..31)
        .filter_map(|k| first.checked_add_days(Days::new(k)))
        .filter(|d| Month::of(*d) == month && d.weekday().num_days_from_monday() < 5)
        .filter(|d| schedule.day(*d).open())
        .collect();
    let mut people = Vec::with_capacity(WORKERS);
    let mut sheets = Vec::with_capacity(WORKERS);
    let mut tx = db.begin().await?;
    for &person in &f.workers[..WORKERS] {
        sqlx::query("INSERT INTO role_grants (person_id, site_id, role) VALUES ($1, $2, 'worker') ON CONFLICT DO NOTHING")
            .bind(person)
            .bind(f.shiojiri)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO assignments (person_id, project_id, starts_on, created_by, created_at)
             VALUES ($1, $2, '2000-01-01', $3, $4)",
        )
        .bind(person)
        .bind(project)
        .bind(director)
        .bind(f.t0)
        .execute(&mut *tx)
        .await?;
        let sessions: Vec<String> = weekdays
            .iter()
            .map(|d| {
                format!(
                    "({}, {person}, {}, {}, 0)",
                    f.shiojiri,
                    local(*d, 9, 0),
                    local(*d, 13, 0)
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO presence_sessions (site_id, person_id, checked_in_at, checked_out_at, auto_closed) VALUES {}",
            sessions.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
        let sheet: i64 = sqlx::query_scalar(
            "INSERT INTO timesheets (person_id, site_id, month, status, submitted_at, starts_at, ends_at)
             VALUES ($1, $2, $3, 'submitted', $4, $5, $6) RETURNING id",
        )
        .bind(person)
        .bind(f.shiojiri)
        .bind(month.to_string())
        .bind(f.t0 - 3600)
        .bind(from.timestamp())
        .bind(to.timestamp())
        .fetch_one(&mut *tx)
        .await?;
        let entries: Vec<String> = weekdays
            .iter()
            .map(|d| {
                format!(
                    "({sheet}, 'remote', {project}, {}, {}, 'bench', {person}, {})",
                    local(*d, 19, 0),
                    local(*d, 21, 0),
                    f.t0
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO time_entries (timesheet_id, kind, project_id, starts_at, ends_at, note, created_by, created_at) VALUES {}",
            entries.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
        people.push(person);
        sheets.push(sheet);
    }
    tx.commit().await?;
    db.close().await;
    log(format!(
        "month end: {WORKERS} workers, {} open weekdays of {month} each",
        weekdays.len()
    ));
    Ok(MonthEnd {
        session,
        month: month.to_string(),
        people,
        sheets,
    })
}

/// The month-end scenarios instead of the others.
pub(super) async fn scenarios(
    a: &Args,
    url: &str,
    sh: Arc<Shared>,
    mon: &Monitor,
) -> Result<Vec<Phase>> {
    let m = Arc::new(fill(url, &sh).await?);
    let secs = a.phase_secs;
    let cookie = format!("kado_session={}", m.session);
    let (site, mut out) = (sh.fill.shiojiri, Vec::new());
    let list = {
        let (sh, m, cookie) = (sh.clone(), m.clone(), cookie.clone());
        Arc::new(move |i: usize| {
            let rb = sh
                .client
                .get(format!(
                    "{}/api/v1/sites/{site}/months/{}",
                    sh.base(i),
                    m.month
                ))
                .header("cookie", cookie.clone());
            Box::pin(send(rb, None)) as super::ReqFut
        }) as super::MakeReq
    };
    closed_loop("warm-up", 1, 1.0, 3, list.clone(), mon).await;
    out.push(closed_loop(LIST, 2, secs, usize::MAX, list, mon).await);
    let one = {
        let (sh, m, cookie) = (sh.clone(), m.clone(), cookie.clone());
        Arc::new(move |i: usize| {
            let person = m.people[i % m.people.len()];
            let rb = sh
                .client
                .get(format!(
                    "{}/api/v1/sites/{site}/months/{}/people/{person}",
                    sh.base(i),
                    m.month
                ))
                .header("cookie", cookie.clone());
            Box::pin(send(rb, None)) as super::ReqFut
        }) as super::MakeReq
    };
    out.push(closed_loop(ONE, a.concurrency.min(8), secs, usize::MAX, one, mon).await);
    let approve = {
        let (sh, m, cookie) = (sh.clone(), m.clone(), cookie.clone());
        Arc::new(move |i: usize| {
            let rb = sh
                .client
                .post(format!(
                    "{}/api/v1/timesheets/{}/approve",
                    sh.base(i),
                    m.sheets[i % m.sheets.len()]
                ))
                .header("cookie", cookie.clone())
                .json(&json!({}));
            Box::pin(send(rb, None)) as super::ReqFut
        }) as super::MakeReq
    };
    out.push(closed_loop(APPROVE, 8, 600.0, WORKERS, approve, mon).await);
    Ok(out)
}
