//! The federation's KPIs (issue 21), run by `--kpi-only`: a fiscal year of 500 Shiojiri
//! workers, each at the center on every other open weekday (about 60,000 presence
//! sessions), two remote hours a week, a month approved and paid (a first month with
//! hours below 10,000 yen, so some never earn it), and an order a week; then, as an
//! administrator:
//!  1. the year's KPI table (every city and the total, with the months), target p99 under
//!     300 ms;
//!  2. the year's onboarding funnel;
//!  3. the table with the single-year increases (`?increases=true`: the year before is
//!     counted too), as the page and the exports ask for it.

use super::{Args, Monitor, Phase, Shared, closed_loop, local, log, send};
use anyhow::{Context, Result};
use chrono::{Datelike, Days, NaiveDate};
use kado::db::Db;
use std::sync::Arc;

const TABLE: &str = "kpi: a fiscal year's table, 500 workers";
const FUNNEL: &str = "kpi: a fiscal year's funnel, 500 workers";
const INCREASES: &str = "kpi: the table with the year before's increases, 500 workers";
const WORKERS: usize = 500;

/// The fiscal year before the bench's day, filled; answers the year.
async fn fill(url: &str, sh: &Shared) -> Result<i32> {
    let db = Db::connect(url, 2).await?;
    let f = &sh.fill;
    if f.workers.len() < WORKERS {
        anyhow::bail!("--kpi-only needs at least {WORKERS} --workers");
    }
    let year = if f.today.month() >= 4 {
        f.today.year() - 1
    } else {
        f.today.year() - 2
    };
    let first = NaiveDate::from_ymd_opt(year, 4, 1).context("April 1")?;
    let admin: i64 =
        sqlx::query_scalar("SELECT id FROM persons WHERE is_admin = 1 ORDER BY id LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .context("the demo administrator")?;
    let project: i64 = sqlx::query_scalar(
        "SELECT MIN(p.id) FROM client_projects p JOIN client_companies c ON c.id = p.client_id
          WHERE c.site_id = $1",
    )
    .bind(f.shiojiri)
    .fetch_one(&db.pool)
    .await?;
    let schedule = kado::attendance::schedule_of(&db, kado::ids::SiteId(f.shiojiri)).await?;
    let days: Vec<NaiveDate> = (0..366)
        .filter_map(|k| first.checked_add_days(Days::new(k)))
        .filter(|d| *d < NaiveDate::from_ymd_opt(year + 1, 4, 1).unwrap_or(*d))
        .filter(|d| d.weekday().num_days_from_monday() < 5 && schedule.day(*d).open())
        .collect();
    // The site and the workers were there before the year.
    let before = local(first, 0, 0) - 86_400 * 30;
    sqlx::query("UPDATE sites SET created_at = $1 WHERE id = $2")
        .bind(before)
        .bind(f.shiojiri)
        .execute(&db.pool)
        .await?;
    let mut sessions = 0usize;
    for (i, &person) in f.workers[..WORKERS].iter().enumerate() {
        let mut tx = db.begin().await?;
        sqlx::query("INSERT INTO role_grants (person_id, site_id, role) VALUES ($1, $2, 'worker') ON CONFLICT DO NOTHING")
            .bind(person)
            .bind(f.shiojiri)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE persons SET created_at = $1 WHERE id = $2")
            .bind(before + i as i64)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        let mine: Vec<&NaiveDate> = days
            .iter()
            .enumerate()
            .filter(|(k, _)| (k + i) % 2 == 0)
            .map(|(_, d)| d)
            .collect();
        sessions += mine.len();
        let rows: Vec<String> = mine
            .iter()
            .map(|d| {
                format!(
                    "({}, {person}, {}, {}, 0)",
                    f.shiojiri,
                    local(**d, 9, 0),
                    local(**d, 13, 0)
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO presence_sessions (site_id, person_id, checked_in_at, checked_out_at, auto_closed) VALUES {}",
            rows.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
        for m in 0..12u32 {
            let month_first = first
                .checked_add_months(chrono::Months::new(m))
                .context("a month")?;
            let label = format!("{:04}-{:02}", month_first.year(), month_first.month());
            let sheet: i64 = sqlx::query_scalar(
                "INSERT INTO timesheets (person_id, site_id, month, status) VALUES ($1, $2, $3, 'open') RETURNING id",
            )
            .bind(person)
            .bind(f.shiojiri)
            .bind(&label)
            .fetch_one(&mut *tx)
            .await?;
            let mondays: Vec<String> = days
                .iter()
                .filter(|d| {
                    d.year() == month_first.year()
                        && d.month() == month_first.month()
                        && d.weekday().num_days_from_monday() == 0
                })
                .map(|d| {
                    format!(
                        "({sheet}, 'remote', {project}, {}, {}, 'bench', {person}, {})",
                        local(*d, 19, 0),
                        local(*d, 21, 0),
                        f.t0
                    )
                })
                .collect();
            if !mondays.is_empty() {
                sqlx::query(&format!(
                    "INSERT INTO time_entries (timesheet_id, kind, project_id, starts_at, ends_at, note, created_by, created_at) VALUES {}",
                    mondays.join(", ")
                ))
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE timesheets SET status = 'approved' WHERE id = $1")
                .bind(sheet)
                .execute(&mut *tx)
                .await?;
            // A tenth of the workers are paid 999 yen a month: they never reach 10,000.
            let amount = if i % 10 == 0 {
                999
            } else {
                20_000 + (i as i64 % 7) * 1_000
            };
            sqlx::query(
                "INSERT INTO pay_payments (timesheet_id, paid_on, amount, withholding, marked_by, marked_at)
                 VALUES ($1, $2, $3, 0, $4, 0)",
            )
            .bind(sheet)
            .bind(month_first.checked_add_months(chrono::Months::new(1)).unwrap_or(month_first).to_string())
            .bind(amount)
            .bind(admin)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    let orders: Vec<String> = days
        .iter()
        .filter(|d| d.weekday().num_days_from_monday() == 2)
        .map(|d| format!("({project}, '{d}', 500000, {admin}, {})", f.t0))
        .collect();
    sqlx::query(&format!(
        "INSERT INTO kpi_orders (project_id, ordered_on, amount, created_by, created_at) VALUES {}",
        orders.join(", ")
    ))
    .execute(&db.pool)
    .await?;
    db.close().await;
    log(format!(
        "kpi: fiscal year {year}: {WORKERS} workers, {sessions} presence sessions, {} timesheets paid, {} orders",
        WORKERS * 12,
        orders.len()
    ));
    Ok(year)
}

/// The KPI scenarios instead of the others.
pub(super) async fn scenarios(
    a: &Args,
    url: &str,
    sh: Arc<Shared>,
    mon: &Monitor,
) -> Result<Vec<Phase>> {
    let year = fill(url, &sh).await?;
    let cookie = format!("kado_session={}", sh.fill.admin_session);
    let mut out = Vec::new();
    for (label, path) in [
        (TABLE, format!("/api/v1/kpi/years/{year}")),
        (FUNNEL, format!("/api/v1/kpi/years/{year}/funnel")),
        (
            INCREASES,
            format!("/api/v1/kpi/years/{year}?increases=true"),
        ),
    ] {
        let get = {
            let (sh, cookie, path) = (sh.clone(), cookie.clone(), path.clone());
            Arc::new(move |i: usize| {
                let rb = sh
                    .client
                    .get(format!("{}{path}", sh.base(i)))
                    .header("cookie", cookie.clone());
                Box::pin(send(rb, None)) as super::ReqFut
            }) as super::MakeReq
        };
        closed_loop("warm-up", 1, 1.0, 3, get.clone(), mon).await;
        out.push(closed_loop(label, 2, a.phase_secs, usize::MAX, get, mon).await);
    }
    Ok(out)
}
