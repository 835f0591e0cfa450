//! The terms notice of an assignment (issue 19), on both backends: sent once by the job
//! (run twice and by two callers at once), e-mailed, shown to the worker only, acknowledged
//! once, and never changed or removed afterwards, not even by plain SQL.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(a_terms_notice_is_sent_once_and_kept_as_sent);

async fn a_terms_notice_is_sent_once_and_kept_as_sent(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    for table in ["assignment_rates", "assignments"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    let project: i64 = sqlx::query_scalar("SELECT MIN(id) FROM client_projects")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let director = app.login_as(DIRECTOR).await;
    let worker = app.login_as(WORKER).await;
    let other = app.as_worker(2).await;
    let me = app.person_id(WORKER).await;
    director
        .put(&format!("/api/v1/sites/{SHIOJIRI}/pay-rule"))
        .json(&json!({"day": 25, "months_after": 1}))
        .send_json()
        .await;
    director
        .post(&format!("/api/v1/sites/{SHIOJIRI}/assignments"))
        .json(&json!({"person_id": me, "project_id": project, "starts_on": "2026-12-01", "ends_on": "2027-03-31", "yen_per_hour": 1050}))
        .send_json()
        .await;

    let (a, b2) = tokio::join!(
        kado::pay::terms::send_pending(&app.state),
        kado::pay::terms::send_pending(&app.state)
    );
    assert_eq!(a.unwrap() + b2.unwrap(), 1);
    assert_eq!(kado::pay::terms::send_pending(&app.state).await.unwrap(), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'pay_terms'")
            .await,
        1
    );

    let terms: Value = worker.get("/api/v1/me/terms").send_json().await;
    assert_eq!(terms.as_array().unwrap().len(), 1, "{terms}");
    let t = &terms[0];
    let ja = t["body_ja"].as_str().unwrap().to_string();
    for part in [
        "時給 1050 円",
        "2026-12-01 〜 2027-03-31",
        "月末締め、翌月25日払い",
        "1分単位",
    ] {
        assert!(ja.contains(part), "{part} in {ja}");
    }
    assert!(t["body_en"].as_str().unwrap().contains("1050 yen per hour"));
    assert_eq!(t["acknowledged_at"], Value::Null);
    let id = t["id"].as_i64().unwrap();

    // Another worker sees nothing and cannot acknowledge it.
    assert_eq!(other.get("/api/v1/me/terms").send_json().await, json!([]));
    other
        .post(&format!("/api/v1/me/terms/{id}/acknowledge"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;

    // Acknowledged twice: the first instant stays.
    let ack = format!("/api/v1/me/terms/{id}/acknowledge");
    assert_eq!(
        worker.post(&ack).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let first: Value = worker.get("/api/v1/me/terms").send_json().await;
    app.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(
        worker.post(&ack).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let again: Value = worker.get("/api/v1/me/terms").send_json().await;
    assert!(first[0]["acknowledged_at"].is_string());
    assert_eq!(first[0]["acknowledged_at"], again[0]["acknowledged_at"]);

    // A later rule does not rewrite what was sent; plain SQL cannot either.
    director
        .put(&format!("/api/v1/sites/{SHIOJIRI}/pay-rule"))
        .json(&json!({"day": 10, "months_after": 1}))
        .send_json()
        .await;
    for sql in [
        "UPDATE pay_terms SET body_ja = 'changed'".to_string(),
        format!("UPDATE pay_terms SET sent_at = 0 WHERE id = {id}"),
        "DELETE FROM pay_terms".to_string(),
    ] {
        sqlx::query(&sql)
            .execute(&app.db.pool)
            .await
            .expect_err("a sent notice never changes");
    }
    let after: Value = worker.get("/api/v1/me/terms").send_json().await;
    assert_eq!(after[0]["body_ja"], json!(ja));
}
