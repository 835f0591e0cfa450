//! Start-up, migrations, demo data, health, metrics, API description, pages.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::TimeZone;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    starts_on_an_empty_database_with_demo_data,
    demo_data_loads_once_and_secret_survives_restart,
    health_metrics_and_docs,
    unknown_api_path_is_a_problem
);

async fn starts_on_an_empty_database_with_demo_data(b: Backend) {
    let app = TestApp::spawn(b).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sites").await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM spaces WHERE site_id = 1 AND kind = 'desk'")
            .await,
        40
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM spaces WHERE site_id = 1 AND kind = 'secure_room' AND capacity = 4").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM spaces WHERE kind = 'childcare_room' AND capacity = 12")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM spaces WHERE site_id = 2 AND kind = 'desk'")
            .await,
        12
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM persons WHERE member_number IS NOT NULL")
            .await,
        30
    );
    for role in ["worker", "reception", "caregiver", "trainer", "director"] {
        let n = app
            .count(&format!(
                "SELECT COUNT(*) FROM role_grants WHERE role = '{role}'"
            ))
            .await;
        assert!(n >= 1, "no {role}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM client_companies").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM kiosk_devices").await, 1);
    // Every demo login works.
    for (_, email) in kado::demo::LOGINS {
        app.login_as(email).await;
    }
}

async fn demo_data_loads_once_and_secret_survives_restart(b: Backend) {
    let first = TestApp::spawn(b).await;
    let persons = first.count("SELECT COUNT(*) FROM persons").await;
    let secret: String =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'token_secret'")
            .fetch_one(&first.db.pool)
            .await
            .unwrap();
    // A second start on the same database: nothing duplicated, the same secret.
    let second = TestApp::spawn_on(&first.database_url).await;
    assert_eq!(second.count("SELECT COUNT(*) FROM persons").await, persons);
    assert_eq!(second.count("SELECT COUNT(*) FROM sites").await, 2);
    let again: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'token_secret'")
        .fetch_one(&second.db.pool)
        .await
        .unwrap();
    assert_eq!(secret, again);
    assert!(secret.len() >= 40);
    // `kado demo` on a loaded database changes nothing either.
    assert!(!kado::demo::load(&second.db, &second.clock).await.unwrap());
    assert_eq!(second.count("SELECT COUNT(*) FROM persons").await, persons);
}

async fn health_metrics_and_docs(b: Backend) {
    let (url, _dir) = fresh_database(b).await;
    let app = TestApp::spawn_configured(&url, |c| c.metrics_token = Some("scrape".into())).await;
    let c = app.guest();
    let health = c.get("/healthz").sent().await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = c.get("/readyz").sent().await;
    assert_eq!(ready.status(), StatusCode::OK);
    let metrics = c.get("/metrics").bearer_auth("scrape").send_text().await;
    assert!(
        metrics.contains(
            "kado_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("kado_http_request_duration_seconds_count"));
    // The service's own clock, for clients whose clock is wrong: no login needed.
    let start = chrono::Utc.with_ymd_and_hms(2027, 6, 2, 8, 50, 0).unwrap();
    app.clock.set(start);
    let time: Value = c.get("/api/v1/time").send_json().await;
    let now = chrono::DateTime::parse_from_rfc3339(time["now"].as_str().unwrap()).unwrap();
    let drift = (now.with_timezone(&chrono::Utc) - start).num_seconds();
    assert!((0..5).contains(&drift), "{time}");
    let spec: Value = c.get("/api/openapi.json").send_json().await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let schemes = &spec["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["kiosk_token"]["scheme"], "bearer");
    assert_eq!(
        spec["paths"]["/api/v1/auth/login"]["post"]["security"],
        serde_json::json!([{}])
    );
    for path in [
        "/api/v1/auth/login",
        "/api/v1/sites/{id}/calendar",
        "/api/v1/persons",
        "/api/v1/kiosk/pair",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    for page in ["/api/docs", "/", "/kiosk/", "/admin/"] {
        let res = c.get(page).sent().await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{page}"
        );
    }
}

async fn unknown_api_path_is_a_problem(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.guest()
        .get("/api/v1/nothing-here")
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
}

/// Two transactions taking the same two row locks in opposite orders: PostgreSQL kills one
/// to break the deadlock. The service answers that as 503 `service.busy` with Retry-After
/// (nothing was written, sending again may work), not as a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_is_a_retryable_503() {
    use axum::response::IntoResponse;
    use kado::db::lock_row;
    let app = TestApp::spawn(Backend::Postgres).await;
    let (mut one, mut two) = (app.db.begin().await.unwrap(), app.db.begin().await.unwrap());
    lock_row(&mut one, "sites", 1).await.unwrap();
    lock_row(&mut two, "sites", 2).await.unwrap();
    let first = tokio::spawn(async move {
        let r = lock_row(&mut one, "sites", 2).await;
        (r, one)
    });
    // Let the first wait for site 2 before the second asks for site 1.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second = lock_row(&mut two, "sites", 1).await;
    drop(two);
    let (first, one) = first.await.unwrap();
    drop(one);
    let err = match (first, second) {
        (Err(e), Ok(())) | (Ok(()), Err(e)) => e,
        other => panic!("exactly one should be killed: {other:?}"),
    };
    assert!(kado::db::is_retryable(&err), "{err}");
    let res = kado::error::ApiError::from(err).into_response();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "1");
    let body = axum::body::to_bytes(res.into_body(), 10_000).await.unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "service.busy");
}
