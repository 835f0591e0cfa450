//! "My bookings" without dates starts from today at each booking's own site, not in Japan.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

on_both_backends!(my_bookings_start_from_today_at_their_site);

async fn my_bookings_start_from_today_at_their_site(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    app.set_site(DIRECTOR, SHIOJIRI, json!({"time_zone": "Pacific/Honolulu"}))
        .await;
    // Tuesday 2026-11-24 20:00 UTC is 10:00 in Honolulu.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 20, 0, 0).unwrap());
    let worker = app.login_as(WORKER).await;
    worker
        .booked(&any_desk("2026-11-24", "13:00", "15:00"))
        .await;
    // 01:00 UTC on the 25th: still Tuesday afternoon in Honolulu, Wednesday in Japan.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0).unwrap());
    let mine: Value = worker.get("/api/v1/bookings").send_json().await;
    let dates: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["date"].as_str())
        .collect();
    assert_eq!(
        dates,
        ["2026-11-24"],
        "today's booking at the site is listed: {mine}"
    );
    // The next day at the site, it is yesterday's.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 25, 11, 0, 0).unwrap());
    let mine: Value = worker.get("/api/v1/bookings").send_json().await;
    assert_eq!(mine, json!([]));
}
