//! The kiosk scan is one transaction (issue 14 item 7): a write that fails after the decision
//! leaves nothing behind, not even the scan log, and a booking that stops being checkable
//! between the read and the write gives a clear answer instead of a presence.

use crate::harness::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use kado::db::Backend as DbBackend;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    a_failed_scan_log_writes_nothing_and_the_next_scan_checks_in,
    a_booking_gone_between_read_and_write_opens_no_presence
);

/// A worker with a desk booked 9:00-17:00 on Tuesday 2026-11-24 (Tokyo), the clock at 9:00,
/// and the demo kiosk paired: (worker, booking id, kiosk client, token).
async fn booked_worker_at_the_kiosk(app: &TestApp) -> (Client, i64, Client, String) {
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap());
    let worker = app.login(WORKER).await;
    let booked = worker
        .post(app.url("/api/v1/bookings"))
        .json(&json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00", "end": "17:00", "attributes": []}))
        .send_json()
        .await;
    let k = app.anonymous();
    let paired = k
        .post(app.url("/api/v1/kiosk/pair"))
        .json(&json!({"code": kado::demo::KIOSK_CODE}))
        .send_json()
        .await;
    let token = paired["token"].as_str().unwrap().to_string();
    (worker, booked["booking"]["id"].as_i64().unwrap(), k, token)
}

async fn scan_qr(app: &TestApp, worker: &Client, k: &Client, token: &str) -> reqwest::Response {
    let qr = worker.get(app.url("/api/v1/me/qr")).send_json().await;
    k.post(app.url("/api/v1/kiosk/scan"))
        .bearer_auth(token)
        .json(&json!({"credential": qr["payload"]}))
        .send()
        .await
        .unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.db.pool).await.unwrap();
}

/// Makes every write of `event` (e.g. `BEFORE INSERT`) on `table` fail (`fail`) or be skipped
/// without an error (not `fail`: the statement then touches no row), on either backend.
async fn trigger(app: &TestApp, event: &str, table: &str, fail: bool) {
    match app.db.backend {
        DbBackend::Sqlite => {
            let action = if fail {
                "RAISE(ABORT, 'injected')"
            } else {
                "RAISE(IGNORE)"
            };
            let sql =
                format!("CREATE TRIGGER injected {event} ON {table} BEGIN SELECT {action}; END");
            exec(app, &sql).await;
        }
        DbBackend::Postgres => {
            let body = if fail {
                "RAISE EXCEPTION 'injected'"
            } else {
                "RETURN NULL"
            };
            let sql = format!(
                "CREATE FUNCTION injected() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; END $$"
            );
            exec(app, &sql).await;
            let sql = format!(
                "CREATE TRIGGER injected {event} ON {table} FOR EACH ROW EXECUTE FUNCTION injected()"
            );
            exec(app, &sql).await;
        }
    }
}

async fn drop_trigger(app: &TestApp, table: &str) {
    match app.db.backend {
        DbBackend::Sqlite => exec(app, "DROP TRIGGER injected").await,
        DbBackend::Postgres => {
            exec(app, &format!("DROP TRIGGER injected ON {table}")).await;
            exec(app, "DROP FUNCTION injected()").await;
        }
    }
}

async fn a_failed_scan_log_writes_nothing_and_the_next_scan_checks_in(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (worker, booking, k, token) = booked_worker_at_the_kiosk(&app).await;
    let scans = app.count("SELECT COUNT(*) FROM scans").await;
    // The scan log's insert, the transaction's last write, fails after the decision and
    // after the check-in's writes.
    trigger(&app, "BEFORE INSERT", "scans", true).await;
    let res = scan_qr(&app, &worker, &k, &token).await;
    problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let status =
        format!("SELECT COUNT(*) FROM bookings WHERE id = {booking} AND status = 'active'");
    assert_eq!(app.count(&status).await, 1, "the booking is not checked in");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM presence_sessions").await,
        0,
        "no presence"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scans").await,
        scans,
        "no log"
    );
    drop_trigger(&app, "scans").await;
    // Within the repeat window of the failed scan: it did not happen, so this one checks in.
    app.clock.advance(Duration::seconds(10));
    let res = scan_qr(&app, &worker, &k, &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["outcome"], "checked_in", "{done}");
    assert_eq!(app.count("SELECT COUNT(*) FROM scans").await, scans + 1);
}

async fn a_booking_gone_between_read_and_write_opens_no_presence(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (worker, booking, k, token) = booked_worker_at_the_kiosk(&app).await;
    // The check-in's UPDATE touches no row, as when the no-show job released the booking
    // after the scan read it.
    trigger(&app, "BEFORE UPDATE", "bookings", false).await;
    let res = scan_qr(&app, &worker, &k, &token).await;
    problem(res, StatusCode::CONFLICT, "kiosk.booking_released").await;
    drop_trigger(&app, "bookings").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM presence_sessions").await,
        0,
        "no presence on a seat the booking no longer holds"
    );
    let status =
        format!("SELECT COUNT(*) FROM bookings WHERE id = {booking} AND status = 'active'");
    assert_eq!(app.count(&status).await, 1);
    // The refusal is logged, in the same transaction.
    let logged = "SELECT COUNT(*) FROM scans WHERE result = 'kiosk.booking_released'";
    assert_eq!(app.count(logged).await, 1);
    app.clock.advance(Duration::seconds(10));
    let res = scan_qr(&app, &worker, &k, &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["outcome"], "checked_in", "{done}");
}
