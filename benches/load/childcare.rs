//! The childcare room's tablet under load (issue 15), run by `--childcare-only`:
//!  1. 40 children in Shiojiri's room today (every age group), 20 of them napping with a
//!     check each, notes, written straight into the database, and a session for the demo
//!     caregiver;
//!  2. the tablet's day view (GET .../childcare/tablet) at a tablet-like fixed rate, then at
//!     saturation (target: p99 under 50 ms);
//!  3. nap checks at a fixed rate while the kiosk check-in rush runs at the last of `--rates`
//!     (target: p99 under 20 ms).

use super::{
    Args, CHECK_IN, MakeReq, Monitor, Phase, Shared, closed_loop, local, log, open_loop, scan_req,
    send,
};
use anyhow::{Context, Result};
use kado::db::Db;
use serde_json::json;
use std::sync::Arc;

const DAY_VIEW: &str = "childcare: tablet day view, 40 children";
const NAP_CHECK: &str = "childcare: nap check during the rush";
const CHILDREN: usize = 40;
const NAPPING: usize = 20;

/// What the scenarios use: the caregiver's session and the napping children's places.
struct Room {
    session: String,
    napping: Vec<i64>,
}

/// Puts 40 children in Shiojiri's room today, half of them asleep.
async fn fill(url: &str, sh: &Shared) -> Result<Room> {
    let db = Db::connect(url, 2).await?;
    let f = &sh.fill;
    let caregiver: i64 = sqlx::query_scalar("SELECT id FROM persons WHERE email = $1")
        .bind("caregiver@shiojiri.kado.example")
        .fetch_one(&db.pool)
        .await
        .context("the demo caregiver")?;
    let session = format!("bench-childcare-{}", f.t0);
    sqlx::query(
        "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(kado::auth::password::token_hash(&session))
    .bind(caregiver)
    .bind(f.t0 - 3600)
    .bind(f.t0 + 14 * 86400)
    .execute(&db.pool)
    .await?;
    let (from, to) = (local(f.today, 9, 0), local(f.today, 17, 0));
    // Every age group: births 0.5, 1.5, 3.5 and 5.5 years before today.
    let births = [182, 547, 1278, 2008].map(|d| (f.today - chrono::Days::new(d)).to_string());
    let mut napping = Vec::new();
    for k in 0..CHILDREN {
        let g = f.guardians_from() + k;
        let guardian = f.workers[g];
        let group = k % 4;
        let child: i64 = sqlx::query_scalar(
            "INSERT INTO children (name, name_kana, birth_date, allergies, medical_notes, active, created_at)
             VALUES ($1, '', $2, $3, '', 1, $4) RETURNING id",
        )
        .bind(format!("ベンチ {k}"))
        .bind(&births[group])
        .bind(if k % 5 == 0 { "卵" } else { "" })
        .bind(f.t0 - 86400)
        .fetch_one(&db.pool)
        .await?;
        sqlx::query("INSERT INTO child_guardians (child_id, person_id) VALUES ($1, $2)")
            .bind(child)
            .bind(guardian)
            .execute(&db.pool)
            .await?;
        let place: i64 = sqlx::query_scalar(
            "INSERT INTO childcare_bookings (site_id, child_id, guardian_id, starts_at, ends_at, age_group,
                 status, created_at, dropped_off_at, dropoff_caregiver_id)
             VALUES ($1, $2, $3, $4, $5, $6, 'dropped_off', $7, $8, $9) RETURNING id",
        )
        .bind(f.shiojiri)
        .bind(child)
        .bind(guardian)
        .bind(from)
        .bind(to)
        .bind(group as i64)
        .bind(f.t0 - 86400)
        .bind(f.t0)
        .bind(caregiver)
        .fetch_one(&db.pool)
        .await?;
        sqlx::query(
            "INSERT INTO child_day_notes (site_id, childcare_booking_id, kind, body, caregiver_id, at)
             VALUES ($1, $2, 'mood', 'ごきげん', $3, $4)",
        )
        .bind(f.shiojiri)
        .bind(place)
        .bind(caregiver)
        .bind(f.t0)
        .execute(&db.pool)
        .await?;
        if k < NAPPING {
            let nap: i64 = sqlx::query_scalar(
                "INSERT INTO naps (site_id, childcare_booking_id, started_at, started_by) VALUES ($1, $2, $3, $4)
                 RETURNING id",
            )
            .bind(f.shiojiri)
            .bind(place)
            .bind(f.t0)
            .bind(caregiver)
            .fetch_one(&db.pool)
            .await?;
            sqlx::query(
                "INSERT INTO nap_checks (nap_id, site_id, at, caregiver_id, breathing, position)
                 VALUES ($1, $2, $3, $4, 1, 'back')",
            )
            .bind(nap)
            .bind(f.shiojiri)
            .bind(f.t0)
            .bind(caregiver)
            .execute(&db.pool)
            .await?;
            napping.push(place);
        }
    }
    db.close().await;
    log(format!(
        "childcare: {CHILDREN} children in the room, {NAPPING} napping"
    ));
    Ok(Room { session, napping })
}

fn day_view_req(sh: Arc<Shared>, session: String) -> MakeReq {
    Arc::new(move |i| {
        let rb = sh
            .client
            .get(format!(
                "{}/api/v1/sites/{}/childcare/tablet?date={}",
                sh.base(i),
                sh.fill.shiojiri,
                sh.fill.today
            ))
            .header("cookie", format!("kado_session={session}"));
        Box::pin(send(rb, None))
    })
}

fn nap_check_req(sh: Arc<Shared>, session: String, napping: Vec<i64>) -> MakeReq {
    Arc::new(move |i| {
        let place = napping[i % napping.len()];
        let rb = sh
            .client
            .post(format!(
                "{}/api/v1/childcare/bookings/{place}/nap-checks",
                sh.base(i)
            ))
            .header("cookie", format!("kado_session={session}"))
            .json(
                &json!({"breathing": true, "position": if i % 3 == 0 { "side" } else { "back" }}),
            );
        Box::pin(send(rb, None))
    })
}

/// The childcare scenarios instead of the others: the day view, then nap checks during the
/// check-in rush.
pub(super) async fn scenarios(
    a: &Args,
    rates: &[f64],
    url: &str,
    sh: Arc<Shared>,
    mon: &Monitor,
) -> Result<Vec<Phase>> {
    let room = fill(url, &sh).await?;
    let secs = a.phase_secs;
    let mut out = Vec::new();
    let view = || day_view_req(sh.clone(), room.session.clone());
    // Warm-up (not reported).
    closed_loop("warm-up", 2, 1.0, usize::MAX, view(), mon).await;
    // A room's tablets refresh every 20 s: 10/s is dozens of rooms at once.
    out.push(open_loop(DAY_VIEW, 10.0, (10.0 * secs) as usize, view(), mon).await);
    out.push(
        closed_loop(
            DAY_VIEW,
            a.concurrency.min(8),
            secs,
            usize::MAX,
            view(),
            mon,
        )
        .await,
    );
    // Nap checks at 10/s while every bench worker checks in at the rush's top rate.
    let rush = rates.last().copied().unwrap_or(200.0);
    let n = ((rush * secs) as usize).min(sh.fill.workers.len());
    let checks = nap_check_req(sh.clone(), room.session.clone(), room.napping.clone());
    let (scans, naps) = tokio::join!(
        open_loop(CHECK_IN, rush, n, scan_req(sh.clone(), 0), mon),
        open_loop(NAP_CHECK, 10.0, (10.0 * secs) as usize, checks, mon)
    );
    out.push(scans);
    out.push(naps);
    Ok(out)
}
