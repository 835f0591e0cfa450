//! Weekly series that keep going past the booking window (issue 22 item 2): the job books the
//! new dates as the window moves, once even with two instances at it, stops at the series'
//! end or when the rest is cancelled, and a weekly digest tells the worker, once.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};

on_both_backends!(
    an_open_ended_series_keeps_booking_until_stopped,
    a_series_past_the_window_stops_at_its_end
);

async fn series_bookings(app: &TestApp, series: i64) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM bookings WHERE series_id = {series} AND status = 'active'"
    ))
    .await
}

/// Two job runs at once, as two instances would run them; answers the dates considered.
async fn extend_twice(app: &TestApp) -> usize {
    let (a, b) = tokio::join!(
        kado::booking::series::extend_all(&app.state),
        kado::booking::series::extend_all(&app.state)
    );
    a.unwrap() + b.unwrap()
}

async fn an_open_ended_series_keeps_booking_until_stopped(b: Backend) {
    // Friday 2026-11-20 09:00 in Shiojiri; the window reaches 12-18.
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let made: Value = worker
        .post("/api/v1/booking-series")
        .json(
            &json!({"site_id": SHIOJIRI, "weekdays": ["mon", "wed", "fri"], "start": "09:00",
            "end": "12:00", "from": "2026-11-23", "open_ended": true, "attributes": [],
            "mode": "skip_conflicts"}),
        )
        .send_created()
        .await;
    let series = made["series_id"].as_i64().unwrap();
    let first = series_bookings(&app, series).await;
    // 11-23 is a holiday; 11-25 .. 12-18: 11 dates on Mon/Wed/Fri.
    assert_eq!(first, 11, "{made}");
    assert_eq!(
        extend_twice(&app).await,
        0,
        "nothing new while the window stands still"
    );

    // A week later the window reaches 12-25: 12-21, 12-23 and 12-25 are booked, once.
    app.clock.advance(Duration::days(7));
    assert_eq!(extend_twice(&app).await, 3);
    assert_eq!(series_bookings(&app, series).await, first + 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM series_dates").await, 3);
    assert_eq!(extend_twice(&app).await, 0, "a second pass books nothing");

    // The digest goes out on Monday from the reminder hour (18:00), once.
    assert_eq!(
        kado::booking::series::digests(&app.state).await.unwrap(),
        0,
        "not on a Friday"
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap()); // Mon 19:00 JST
    let (x, y) = tokio::join!(
        kado::booking::series::digests(&app.state),
        kado::booking::series::digests(&app.state)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1, "one digest");
    let text: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE kind = 'series_digest'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    for day in ["12月21日(月)", "12月23日(水)", "12月25日(金)"] {
        assert!(text.contains(day), "{day} in {text}");
    }
    assert_eq!(kado::booking::series::digests(&app.state).await.unwrap(), 0);

    // Cancelling the rest stops it: a week on, nothing more is booked.
    worker
        .post(&format!("/api/v1/booking-series/{series}/cancel"))
        .json(&json!({}))
        .send_json()
        .await;
    let past = series_bookings(&app, series).await;
    assert_eq!(
        past, 3,
        "11-25, 11-27 and 11-30 have started and stay as they were"
    );
    app.clock.advance(Duration::days(7));
    assert_eq!(extend_twice(&app).await, 0);
    assert_eq!(series_bookings(&app, series).await, past);
}

async fn a_series_past_the_window_stops_at_its_end(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let made: Value = worker
        .post("/api/v1/booking-series")
        .json(
            &json!({"site_id": SHIOJIRI, "weekdays": ["tue"], "start": "13:00", "end": "15:00",
            "from": "2026-11-24", "until": "2027-01-12", "attributes": [],
            "mode": "all_or_nothing"}),
        )
        .send_created()
        .await;
    let series = made["series_id"].as_i64().unwrap();
    // Within the window (to 12-18): 11-24, 12-01, 12-08, 12-15. Not conflicts: later dates.
    assert_eq!(series_bookings(&app, series).await, 4, "{made}");
    assert_eq!(made["conflicts"], json!([]));
    // As the window moves: the rest up to 1-12, nothing after it; 12-29 is in the annual
    // closure.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap());
    assert_eq!(extend_twice(&app).await, 2, "12-22 and 12-29");
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 1, 5, 0, 0, 0).unwrap());
    assert_eq!(extend_twice(&app).await, 2, "1-05 and 1-12");
    let dates: Vec<String> = sqlx::query_scalar("SELECT date FROM series_dates ORDER BY date")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        dates,
        ["2026-12-22", "2026-12-29", "2027-01-05", "2027-01-12"]
    );
    let outcomes: Vec<String> =
        sqlx::query_scalar("SELECT outcome FROM series_dates ORDER BY date")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(outcomes, ["booked", "skipped", "booked", "booked"]);
    app.clock.advance(Duration::days(60));
    assert_eq!(extend_twice(&app).await, 0, "the series ended on 1-12");
}

on_both_backends!(eight_weeks_of_an_open_ended_series_send_one_mail_a_week);

/// Issue 22's count: an open-ended Mon/Wed/Fri series, the jobs run every day for eight
/// weeks: one confirmation, then at most one digest a week (the reminders the evening before
/// each date are counted apart).
async fn eight_weeks_of_an_open_ended_series_send_one_mail_a_week(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    worker
        .post("/api/v1/booking-series")
        .json(
            &json!({"site_id": SHIOJIRI, "weekdays": ["mon", "wed", "fri"], "start": "09:00",
            "end": "12:00", "from": "2026-11-23", "open_ended": true, "attributes": [],
            "mode": "skip_conflicts"}),
        )
        .send_created()
        .await;
    // Twice a day (9:00 and 21:00): the digest goes out on Monday evenings.
    for _ in 0..112 {
        app.clock.advance(Duration::hours(12));
        kado::booking::series::extend_all(&app.state).await.unwrap();
        kado::booking::series::digests(&app.state).await.unwrap();
    }
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, COUNT(*) FROM outbox GROUP BY kind ORDER BY kind")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            ("booking_confirmed".to_string(), 1),
            ("series_digest".to_string(), 8)
        ],
        "one confirmation, a digest a week"
    );
}
