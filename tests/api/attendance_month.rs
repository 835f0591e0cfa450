//! A worker's month (issue 18): minutes at the center per local day from the kiosk, a night
//! across midnight counted on both days, flags for a system-closed or still-open session, and
//! who may read it.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(my_month_counts_the_kiosk_time_per_local_day);

async fn my_month_counts_the_kiosk_time_per_local_day(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let me = app.person_id(WORKER).await;
    worker
        .booked(&any_desk("2026-11-24", "09:00", "13:00"))
        .await;
    // Checked in at 9:00 and out at 12:30 on Tuesday 11-24, at the kiosk.
    let kiosk = app.kiosk().await;
    app.clock.set(tuesday_nine());
    let qr = worker.qr_payload().await;
    assert_eq!(kiosk.scan(&qr).await.status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(210));
    let qr = worker.qr_payload().await;
    assert_eq!(kiosk.scan(&qr).await.status(), StatusCode::OK);
    // A night across the local midnight 10-31 -> 11-01 closed by the system (23:30 to 00:30
    // in Japan), and a session still open now.
    let t = |d, h, m| {
        Utc.with_ymd_and_hms(2026, 10, d, h, m, 0)
            .unwrap()
            .timestamp()
    };
    let night = (t(31, 14, 30), t(31, 15, 30));
    sqlx::query(&format!(
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at, checked_out_at, auto_closed)
         VALUES ({SHIOJIRI}, {me}, {}, {}, 1)",
        night.0, night.1
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()); // 11-26 09:00 JST
    sqlx::query(&format!(
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at) VALUES ({SHIOJIRI}, {me}, {})",
        app.clock.epoch() - 1800
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();

    let month: Value = worker
        .get(&format!("/api/v1/me/months/2026-11?site_id={SHIOJIRI}"))
        .send_json()
        .await;
    // The night's half after midnight counts in November (a Sunday: the site is closed).
    assert_eq!(
        month["days"],
        json!([
            {"date": "2026-11-01", "center_minutes": 30, "allocated_minutes": 0, "remote_minutes": 0, "flags": ["closed_by_system", "closed_day"]},
            {"date": "2026-11-24", "center_minutes": 210, "allocated_minutes": 0, "remote_minutes": 0, "flags": []},
            {"date": "2026-11-26", "center_minutes": 30, "allocated_minutes": 0, "remote_minutes": 0, "flags": ["still_in"]},
        ]),
        "{month}"
    );
    assert_eq!(month["total_center_minutes"], 270);
    assert_eq!(month["status"], "open");
    // October has the night's first half.
    let october: Value = worker
        .get(&format!("/api/v1/me/months/2026-10?site_id={SHIOJIRI}"))
        .send_json()
        .await;
    assert_eq!(
        october["days"],
        json!([{"date": "2026-10-31", "center_minutes": 30, "allocated_minutes": 0, "remote_minutes": 0, "flags": ["closed_by_system"]}]),
        "{october}"
    );

    // Only where I have a role; a month is YYYY-MM.
    let omachi = app.login_as(OMACHI_WORKER).await;
    omachi
        .get(&format!("/api/v1/me/months/2026-11?site_id={SHIOJIRI}"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let bad = worker
        .get(&format!("/api/v1/me/months/2026-13?site_id={SHIOJIRI}"))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(bad["errors"][0]["code"], "validation.bad_month", "{bad}");
}
