//! Kiosk devices: register, pair once, revoke.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    the_demo_code_is_announced_only_while_unused,
    pairing_code_is_single_use_and_expires,
    simultaneous_pairing_guesses_are_reserved,
    a_scan_marks_its_kiosk_as_seen
);

/// A scan marks its kiosk as seen: written after the answer, off the scan's path, so the test
/// waits for it (at most 5 s).
async fn a_scan_marks_its_kiosk_as_seen(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let k = app.kiosk().await;
    let worker = app.as_worker(5).await;
    worker
        .booked(&any_desk("2026-11-24", "09:00", "12:00"))
        .await;
    app.clock.advance(Duration::seconds(61));
    let now = app.clock.epoch();
    let res = k.scan(&worker.qr_payload().await).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut seen = None;
    for _ in 0..50 {
        seen = sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(last_seen_at) FROM kiosk_devices WHERE revoked_at IS NULL",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if seen.is_some_and(|s| s >= now) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        seen.is_some_and(|s| s >= now),
        "last seen {seen:?}, scan at {now}"
    );
}

/// `kado serve` prints the demo kiosk's code only while it can still pair (issue 22 item 6).
async fn the_demo_code_is_announced_only_while_unused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unused = || kado::demo::kiosk_code_unused(&app.db, app.clock.epoch());
    assert!(
        unused().await.unwrap(),
        "fresh demo data: the code can pair"
    );
    app.kiosk().await;
    assert!(!unused().await.unwrap(), "paired once: the code is spent");
}

async fn pairing_code_is_single_use_and_expires(b: Backend) {
    let app = TestApp::spawn(b).await;
    let director = app.login_as(DIRECTOR).await;
    let registered: Value = director
        .post("/api/v1/sites/1/kiosks")
        .json(&json!({"name": "2F 入口"}))
        .send_json()
        .await;
    let code = registered["pairing_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let k = app.guest();
    let first = k
        .post("/api/v1/kiosk/pair")
        .json(&json!({"code": code}))
        .sent()
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let token = first.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    k.post("/api/v1/kiosk/pair")
        .json(&json!({"code": code}))
        .send_problem(StatusCode::UNAUTHORIZED, "kiosk.invalid_code")
        .await;
    let list: Value = director.get("/api/v1/sites/1/kiosks").send_json().await;
    let mine = find(&list, "id", registered["id"].clone());
    assert_eq!(
        (mine["paired"].clone(), mine["revoked"].clone()),
        (json!(true), json!(false))
    );
    // "Last seen" is written to the minute, not on every request.
    let seen = || async {
        let list: Value = director.get("/api/v1/sites/1/kiosks").send_json().await;
        find(&list, "id", registered["id"].clone())["last_seen_at"].as_i64()
    };
    let visit = || async {
        let res = k.get("/api/v1/kiosk/me").bearer_auth(&token).sent().await;
        assert_eq!(res.status(), StatusCode::OK);
    };
    visit().await;
    let t0 = seen().await.expect("seen once it was used");
    app.clock.advance(Duration::seconds(30));
    visit().await;
    assert_eq!(seen().await, Some(t0), "not rewritten within the minute");
    app.clock.advance(Duration::seconds(31));
    visit().await;
    assert!(seen().await.unwrap() >= t0 + 61);
    // A code not used within 15 minutes expires.
    let late: Value = director
        .post("/api/v1/sites/1/kiosks")
        .json(&json!({"name": "裏口"}))
        .send_json()
        .await;
    app.clock.advance(Duration::minutes(16));
    k.post("/api/v1/kiosk/pair")
        .json(&json!({"code": late["pairing_code"]}))
        .send_problem(StatusCode::UNAUTHORIZED, "kiosk.invalid_code")
        .await;
}

async fn simultaneous_pairing_guesses_are_reserved(b: Backend) {
    let app = TestApp::spawn(b).await;
    let k = app.guest();
    // 200 wrong codes at once from one address: ten are tried, the rest refused unread.
    let handles: Vec<_> = (0..200)
        .map(|i| {
            let req = k
                .post("/api/v1/kiosk/pair")
                .json(&json!({"code": format!("{:08}", 30_000_000 + i)}));
            tokio::spawn(async move { req.send_status().await.as_u16() })
        })
        .collect();
    let mut counts = std::collections::BTreeMap::<u16, usize>::new();
    for h in handles {
        *counts.entry(h.await.unwrap()).or_default() += 1;
    }
    assert_eq!(counts.get(&401), Some(&10), "{counts:?}");
    assert_eq!(counts.get(&429), Some(&190), "{counts:?}");
    // Even the right code waits for the window now.
    let res = k
        .post("/api/v1/kiosk/pair")
        .json(&json!({"code": kado::demo::KIOSK_CODE}))
        .sent()
        .await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, StatusCode::TOO_MANY_REQUESTS, "kiosk.rate_limited").await;
    app.clock.advance(Duration::minutes(16));
    let res = k
        .post("/api/v1/kiosk/pair")
        .json(&json!({"code": kado::demo::KIOSK_CODE}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}
