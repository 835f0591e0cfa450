//! Month end (issue 18), run by `--month-end-only`: 500 workers of Shiojiri, each with a month
//! of kiosk sessions (every weekday 9:00-13:00) and remote hours (19:00-21:00) on a project,
//! the month submitted; then, as the site's director:
//!  1. the site's month list (all 500 with their totals and flags), target p99 under 300 ms;
//!  2. one worker's month, target p99 under 50 ms;
//!  3. the 500 approvals, target under 10 s in all;
//!
//! then pay (issue 19), the remote hours split over three projects at their rates:
//!  4. the month's payment list, target p99 under 300 ms;
//!  5. the month's exports for 500 workers x 3 projects (CSV, XLSX, Zengin), each under 2 s.

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
const PAYMENTS: &str = "pay: a month's payments, 500 workers";
const CSV: &str = "pay: CSV export, 500 workers x 3 projects";
const XLSX: &str = "pay: XLSX export, 500 workers x 3 projects";
const ZENGIN: &str = "pay: Zengin file, 500 workers";

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
    let client: i64 = sqlx::query_scalar("SELECT MIN(id) FROM client_companies WHERE site_id = $1")
        .bind(f.shiojiri)
        .fetch_one(&db.pool)
        .await?;
    for n in 1..=3 {
        sqlx::query(
            "INSERT INTO client_projects (client_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(client)
        .bind(format!("bench project {n}"))
        .execute(&db.pool)
        .await?;
    }
    let projects: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM client_projects WHERE client_id = $1 AND name LIKE 'bench project %' ORDER BY id",
    )
    .bind(client)
    .fetch_all(&db.pool)
    .await?;
    // The accountant's side of pay: the director is the site's accountant, the site has a
    // paying account, every worker a bank account.
    sqlx::query(
        "INSERT INTO pay_accountants (person_id, site_id, granted_by, granted_at)
         VALUES ($1, $2, $1, $3) ON CONFLICT DO NOTHING",
    )
    .bind(director)
    .bind(f.shiojiri)
    .bind(f.t0)
    .execute(&db.pool)
    .await?;
    sqlx::query(
        "INSERT INTO pay_payers (site_id, client_code, name_kana, bank_code, branch_code, account_type, number, set_by, set_at)
         VALUES ($1, '1234567890', 'ｶ)ｶﾄﾞ', '0001', '001', 'current', '7654321', $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(f.shiojiri)
    .bind(director)
    .bind(f.t0)
    .execute(&db.pool)
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
        for (k, project) in projects.iter().enumerate() {
            let assignment: i64 = sqlx::query_scalar(
                "INSERT INTO assignments (person_id, project_id, starts_on, created_by, created_at)
                 VALUES ($1, $2, '2000-01-01', $3, $4) RETURNING id",
            )
            .bind(person)
            .bind(project)
            .bind(director)
            .bind(f.t0)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO assignment_rates (assignment_id, starts_on, yen_per_hour, created_by, created_at)
                 VALUES ($1, '2000-01-01', $2, $3, $4)",
            )
            .bind(assignment)
            .bind(1000 + 100 * i64::try_from(k)?)
            .bind(director)
            .bind(f.t0)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO pay_bank_accounts (person_id, bank_code, branch_code, account_type, number, holder_kana, set_by, set_at)
             VALUES ($1, '0005', '123', 'ordinary', $2, 'ﾍﾞﾝﾁ ﾀﾛｳ', $1, $3) ON CONFLICT DO NOTHING",
        )
        .bind(person)
        .bind(format!("{:07}", person % 10_000_000))
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
        // 19:00-21:00 in three parts of 40 minutes, one per project.
        let entries: Vec<String> = weekdays
            .iter()
            .flat_map(|d| {
                projects
                    .iter()
                    .zip([0u32, 40, 80])
                    .map(move |(project, m)| {
                        format!(
                            "({sheet}, 'remote', {project}, {}, {}, 'bench', {person}, {})",
                            local(*d, 19 + m / 60, m % 60),
                            local(*d, 19 + (m + 40) / 60, (m + 40) % 60),
                            f.t0
                        )
                    })
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
    out.extend(pay(&sh, &m, &cookie, secs, mon).await);
    Ok(out)
}

/// The pay phases over the approved month: its payment list, then each export a few times.
async fn pay(
    sh: &Arc<Shared>,
    m: &Arc<MonthEnd>,
    cookie: &str,
    secs: f64,
    mon: &Monitor,
) -> Vec<Phase> {
    let site = sh.fill.shiojiri;
    let get = |path: String| {
        let (sh, cookie) = (sh.clone(), cookie.to_string());
        Arc::new(move |i: usize| {
            let rb = sh
                .client
                .get(format!("{}{path}", sh.base(i)))
                .header("cookie", cookie.clone());
            Box::pin(send(rb, None)) as super::ReqFut
        }) as super::MakeReq
    };
    let base = format!("/api/v1/sites/{site}/payments/{}", m.month);
    let mut out = Vec::new();
    out.push(closed_loop(PAYMENTS, 2, secs, usize::MAX, get(base.clone()), mon).await);
    for (name, path) in [
        (CSV, format!("{base}/export.csv?encoding=cp932")),
        (XLSX, format!("{base}/export.xlsx")),
        (ZENGIN, format!("{base}/zengin")),
    ] {
        out.push(closed_loop(name, 1, secs, 5, get(path), mon).await);
    }
    out
}
