//! Childcare's stored values are read as types (a corrupt one is an error naming its row,
//! never a silent default or a misleading refusal), and its hand-over publishes events.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
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
    app.clock.set(friday_morning());
    let (parent, kids) = app.parent_of(3, &[("小林 葵", "2024-02-03", "")]).await;
    let kid = kids[0];
    sqlx::query("UPDATE children SET birth_date = 'soon' WHERE id = $1")
        .bind(kid)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Not "the child is not born yet": the record itself is broken.
    let path =
        format!("/api/v1/sites/{SHIOJIRI}/childcare/availability?date=2026-11-24&child_ids={kid}");
    let res = parent.get(&path).send().await.unwrap();
    problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let res = parent
        .get(&format!("/api/v1/children/{kid}"))
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

/// The next childcare event delivered (PostgreSQL brings it back through the listener, so
/// the booking's own events may still arrive after the subscription: they are skipped).
async fn next(events: &mut tokio::sync::broadcast::Receiver<Event>) -> Event {
    loop {
        let e = tokio::time::timeout(std::time::Duration::from_secs(20), events.recv())
            .await
            .expect("an event was delivered")
            .expect("the subscriber kept up");
        if matches!(
            e,
            Event::ChildDroppedOff { .. } | Event::ChildPickedUp { .. }
        ) {
            return e;
        }
    }
}

async fn the_hand_over_publishes_what_happened(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(friday_morning());
    app.clear_shifts().await;
    for caregiver in [CAREGIVER, CAREGIVER2] {
        app.on_duty(caregiver, "2026-11-24", "08:00", "18:00").await;
    }
    let (parent, kids) = app.parent_of(3, &[("小林 葵", "2022-02-03", "")]).await;
    let made = parent
        .placed(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00", "end": "12:00",
            "child_ids": kids, "desk": {"attributes": []}}),
        )
        .await;
    let place = made["places"][0]["id"].as_i64().unwrap();
    app.clock.set(tuesday_nine());
    let mut events = app.db.subscribe();
    let caregiver = app.login_as(CAREGIVER).await;
    caregiver
        .post(&format!("/api/v1/childcare/bookings/{place}/drop-off"))
        .send_json()
        .await;
    let (site_id, child_id) = (SiteId(SHIOJIRI), ChildId(kids[0]));
    assert_eq!(
        next(&mut events).await,
        Event::ChildDroppedOff { site_id, child_id }
    );
    let path = format!("/api/v1/childcare/bookings/{place}/pick-up");
    let refused = caregiver.post(&path).json(&json!({})).send().await.unwrap();
    problem(
        refused,
        StatusCode::FORBIDDEN,
        "childcare.pickup_not_authorised",
    )
    .await;
    let guardian = app.person_id(&worker_email(3)).await;
    caregiver
        .post(&path)
        .json(&json!({"guardian_id": guardian}))
        .send_json()
        .await;
    // The refusal published nothing: the next event is the pick-up.
    assert_eq!(
        next(&mut events).await,
        Event::ChildPickedUp { site_id, child_id }
    );
}
