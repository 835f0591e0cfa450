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

    // The rule changed: a new notice states it, to acknowledge again; the first stays.
    assert_eq!(kado::pay::terms::send_pending(&app.state).await.unwrap(), 1);
    assert_eq!(kado::pay::terms::send_pending(&app.state).await.unwrap(), 0);
    let terms: Value = worker.get("/api/v1/me/terms").send_json().await;
    assert_eq!(terms.as_array().unwrap().len(), 2, "{terms}");
    assert!(
        terms[0]["body_ja"]
            .as_str()
            .unwrap()
            .contains("翌月10日払い"),
        "{terms}"
    );
    assert_eq!(terms[0]["acknowledged_at"], Value::Null);
    assert_eq!(terms[1]["body_ja"], json!(ja));
    assert!(terms[1]["acknowledged_at"].is_string());
    // So does a new rate.
    app.clock.advance(chrono::Duration::minutes(5));
    let assignment = terms[0]["assignment_id"].as_i64().unwrap();
    let res = director
        .post(&format!("/api/v1/assignments/{assignment}/rates"))
        .json(&json!({"starts_on": "2027-01-01", "yen_per_hour": 1100}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(kado::pay::terms::send_pending(&app.state).await.unwrap(), 1);
    let terms: Value = worker.get("/api/v1/me/terms").send_json().await;
    assert_eq!(terms.as_array().unwrap().len(), 3, "{terms}");
    let body = terms[0]["body_ja"].as_str().unwrap();
    assert!(body.contains("時給 1100 円(2027-01-01 から)"), "{body}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'pay_terms'")
            .await,
        3
    );

    // An acknowledgement is kept as given; SQLite's replacing inserts are refused too.
    let mut refused = vec![
        "UPDATE pay_terms_acks SET acknowledged_at = 0".to_string(),
        "DELETE FROM pay_terms_acks".to_string(),
    ];
    if b == Backend::Sqlite {
        refused.push(format!(
            "INSERT OR REPLACE INTO pay_terms_acks (terms_id, acknowledged_at) VALUES ({id}, 0)"
        ));
        refused.push(format!(
            "INSERT OR REPLACE INTO pay_terms (id, assignment_id, person_id, site_id, body_ja, body_en, sent_at, basis)
             SELECT id, assignment_id, person_id, site_id, 'changed', body_en, sent_at, basis FROM pay_terms WHERE id = {id}"
        ));
    }
    for sql in refused {
        sqlx::query(&sql)
            .execute(&app.db.pool)
            .await
            .expect_err("an acknowledgement or a notice never changes");
    }
    let last: Value = worker.get("/api/v1/me/terms").send_json().await;
    assert_eq!(last[2]["acknowledged_at"], terms[2]["acknowledged_at"]);
    assert_eq!(last[2]["body_ja"], json!(ja));
}
