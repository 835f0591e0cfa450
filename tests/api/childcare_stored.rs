//! Childcare's stored values are read as types: a corrupt one is an error naming its row,
//! never a silent default or a misleading refusal.

use crate::harness::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use kado::events::Event;
use kado::ids::{ChildId, SiteId};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    a_corrupt_birth_date_is_an_error_naming_the_row,
    the_hand_over_publishes_what_happened
);

async fn a_corrupt_birth_date_is_an_error_naming_the_row(b: Backend) {
    let logs = captured_logs();
    let app = TestApp::spawn(b).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap());
    let parent = app.login(WORKER).await;
    let kid = parent
        .post(app.url("/api/v1/children"))
        .json(&json!({"name": "小林 葵", "birth_date": "2024-02-03"}))
        .send_json()
        .await["id"]
        .as_i64()
        .unwrap();
    sqlx::query("UPDATE children SET birth_date = 'soon' WHERE id = $1")
        .bind(kid)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Not "the child is not born yet": the record itself is broken.
    let res = parent
        .get(app.url(&format!(
            "/api/v1/sites/{SHIOJIRI}/childcare/availability?date=2026-11-24&child_ids={kid}"
        )))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let res = parent
        .get(app.url(&format!("/api/v1/children/{kid}")))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let logged = logs.lock().unwrap().clone();
    assert!(
        logged.contains(&format!("children row {kid}: birth_date")),
        "the log names the row"
    );
}

/// The next event delivered (PostgreSQL brings it back through the listener).
async fn next(events: &mut tokio::sync::broadcast::Receiver<Event>) -> Event {
    tokio::time::timeout(std::time::Duration::from_secs(20), events.recv())
        .await
        .expect("an event was delivered")
        .expect("the subscriber kept up")
}

async fn the_hand_over_publishes_what_happened(b: Backend) {
    let app = TestApp::spawn(b).await;
    // Friday 2026-11-20, 09:00 in Shiojiri; the place is on Tuesday the 24th.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap());
    let director = app.login(DIRECTOR).await;
    for email in [
        "caregiver@shiojiri.kado.example",
        "caregiver2@shiojiri.kado.example",
    ] {
        let person = app.person_id(email).await;
        director
            .post(app.url("/api/v1/sites/1/caregiver-shifts"))
            .json(&json!({"person_id": person, "date": "2026-11-24", "start": "08:00", "end": "18:00"}))
            .send_json()
            .await;
    }
    let parent = app.login(WORKER).await;
    let kid = parent
        .post(app.url("/api/v1/children"))
        .json(&json!({"name": "小林 葵", "birth_date": "2022-02-03"}))
        .send_json()
        .await["id"]
        .as_i64()
        .unwrap();
    let made = parent
        .post(app.url("/api/v1/childcare/bookings"))
        .json(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00", "end": "12:00",
            "child_ids": [kid], "desk": {"attributes": []}}),
        )
        .send_json()
        .await;
    let place = made["places"][0]["id"].as_i64().unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap());
    let mut events = app.db.subscribe();
    let caregiver = app.login("caregiver@shiojiri.kado.example").await;
    caregiver
        .post(app.url(&format!("/api/v1/childcare/bookings/{place}/drop-off")))
        .send_json()
        .await;
    let (site_id, child_id) = (SiteId(SHIOJIRI), ChildId(kid));
    assert_eq!(
        next(&mut events).await,
        Event::ChildDroppedOff { site_id, child_id }
    );
    let url = app.url(&format!("/api/v1/childcare/bookings/{place}/pick-up"));
    let refused = caregiver.post(&url).json(&json!({})).send().await.unwrap();
    problem(
        refused,
        StatusCode::FORBIDDEN,
        "childcare.pickup_not_authorised",
    )
    .await;
    let guardian = app.person_id(WORKER).await;
    caregiver
        .post(&url)
        .json(&json!({"guardian_id": guardian}))
        .send_json()
        .await;
    // The refusal published nothing: the next event is the pick-up.
    assert_eq!(
        next(&mut events).await,
        Event::ChildPickedUp { site_id, child_id }
    );
}
