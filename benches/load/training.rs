//! Training in the load benchmark (issue 17), with `--training-share 0.3`:
//! - every bench site holds a session of one course (in one of its spaces) today from 09:00 to 10:00 (the
//!   rush starts at 08:50, inside its check-in window), and that share of the bench workers
//!   is enrolled, so that their check-in scans also record the session's attendance (the
//!   check-in rush phases then measure the scan with training);
//! - a "training bench" site where the first 500 bench workers are workers too, with that
//!   course as its onboarding programme and completions for some (a few expiring within 30
//!   days): the falling-behind list of its 500 workers is a phase of its own.

use super::{Fill, Monitor, Phase, Shared, closed_loop, get_as_admin, local, log, mix, scalar};
use anyhow::Result;
use kado::db::Db;
use std::sync::Arc;

/// The phase's name in the report.
pub const BEHIND: &str = "training: falling-behind list of 500 workers";

/// The name of the site whose falling-behind list is measured.
const SITE_EN: &str = "Training bench";

/// Writes the sessions, enrolments, programme and completions (nothing when `share` is 0).
pub async fn fill(db: &Db, f: &Fill, share: f64) -> Result<()> {
    if share <= 0.0 {
        return Ok(());
    }
    let now = f.t0;
    let course: i64 = sqlx::query_scalar(
        "INSERT INTO training_courses (name_ja, name_en, description, kind, sessions_required,
             minimum_minutes, validity_months, active, created_at, updated_at)
         VALUES ('情報セキュリティ', 'Information security', '', 'onboarding', 1, 30, 12, 1, $1, $1)
         RETURNING id",
    )
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    let admin = scalar(
        db,
        "SELECT id FROM persons WHERE email = 'admin@kado.example'",
    )
    .await?;
    let (starts, ends) = (local(f.today, 9, 0), local(f.today, 10, 0));
    let mut tx = db.begin().await?;
    let mut sessions = Vec::with_capacity(f.sites.len());
    for (s, site) in f.sites.iter().enumerate() {
        // In a space of the site (the kiosk records attendance only in person); which one
        // does not matter to the scan.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO training_sessions (course_id, site_id, space_id, trainer_id, starts_at,
                 ends_at, capacity, created_by, created_at)
             VALUES ($1, $2, $8, $3, $4, $5, $6, $3, $7) RETURNING id",
        )
        .bind(course)
        .bind(site)
        .bind(admin)
        .bind(starts)
        .bind(ends)
        .bind(f.desks as i64)
        .bind(now)
        .bind(f.desk_base[s])
        .fetch_one(&mut *tx)
        .await?;
        sessions.push(id);
    }
    let cut = (share * 1000.0) as u64;
    let chosen: Vec<usize> = (0..f.workers.len())
        .filter(|w| mix(*w as u64 ^ 0x7121) % 1000 < cut)
        .collect();
    for chunk in chosen.chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|w| {
                let s = w / f.desks;
                format!(
                    "({}, {}, {}, 'enrolled', {now})",
                    sessions[s], f.sites[s], f.workers[*w]
                )
            })
            .collect();
        sqlx::raw_sql(&format!(
            "INSERT INTO training_enrolments (session_id, site_id, person_id, status, created_at) VALUES {}",
            rows.join(",")
        ))
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE training_sessions SET enrolled = (SELECT COUNT(*) FROM training_enrolments e
             WHERE e.session_id = training_sessions.id AND e.status = 'enrolled')
         WHERE course_id = $1",
    )
    .bind(course)
    .execute(&mut *tx)
    .await?;
    // The site of the falling-behind list: an explicit id after every other (the bench sites
    // are written with explicit ids, past PostgreSQL's identity sequence).
    let site: i64 = sqlx::query_scalar("SELECT CAST(MAX(id) + 1 AS BIGINT) FROM sites")
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO sites (id, municipality_id, name_ja, name_en, time_zone, opening_hours,
             annual_closures, open_on_holidays, active, created_at)
         SELECT $1, municipality_id, '研修ベンチ', '{SITE_EN}', time_zone, opening_hours,
             annual_closures, open_on_holidays, 1, created_at
         FROM sites WHERE id = $2"
    ))
    .bind(site)
    .bind(f.shiojiri)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO training_programme (site_id, course_id, position) VALUES ($1, $2, 0)")
        .bind(site)
        .bind(course)
        .execute(&mut *tx)
        .await?;
    let n = f.workers.len().min(500);
    let grants: Vec<String> = f.workers[..n]
        .iter()
        .map(|p| format!("({p}, {site}, 'worker')"))
        .collect();
    sqlx::raw_sql(&format!(
        "INSERT INTO role_grants (person_id, site_id, role) VALUES {}",
        grants.join(",")
    ))
    .execute(&mut *tx)
    .await?;
    // Two in five completed within the last year; their expiries spread over a year.
    let done: Vec<String> = f.workers[..n]
        .iter()
        .enumerate()
        .filter(|(i, _)| mix(*i as u64 ^ 0x5e55) % 5 < 2)
        .map(|(i, p)| {
            let expires = now + (mix(i as u64) % 365) as i64 * 86400;
            let completed = expires - 365 * 86400;
            format!("({p}, {course}, {completed}, {expires}, 1, 30, 12, {now})")
        })
        .collect();
    sqlx::raw_sql(&format!(
        "INSERT INTO training_completions (person_id, course_id, completed_at, expires_at,
             sessions_required, minimum_minutes, validity_months, created_at) VALUES {}",
        done.join(",")
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    log(format!(
        "training: {} of {} bench workers enrolled in today's 09:00 sessions; {n} workers at site {site}",
        chosen.len(),
        f.workers.len()
    ));
    Ok(())
}

/// The falling-behind list of the training bench site, as its director would ask for it
/// (the administrator here), `conc` requests in flight for `secs`.
pub async fn behind_phase(
    sh: Arc<Shared>,
    conc: usize,
    secs: f64,
    mon: &Monitor,
) -> Result<Option<Phase>> {
    let sites: serde_json::Value = sh
        .client
        .get(format!("{}/api/v1/sites", sh.base(0)))
        .header("cookie", format!("kado_session={}", sh.fill.admin_session))
        .send()
        .await?
        .json()
        .await?;
    let Some(site) = sites
        .as_array()
        .and_then(|l| l.iter().find(|s| s["name_en"] == SITE_EN))
        .and_then(|s| s["id"].as_i64())
    else {
        return Ok(None);
    };
    let make = get_as_admin(sh, format!("/api/v1/sites/{site}/training/behind"));
    Ok(Some(
        closed_loop(BEHIND, conc, secs, usize::MAX, make, mon).await,
    ))
}
