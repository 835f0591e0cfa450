//! Childcare's stored values are read as types: a corrupt one is an error naming its row,
//! never a silent default or a misleading refusal.

use crate::harness::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(a_corrupt_birth_date_is_an_error_naming_the_row);

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
