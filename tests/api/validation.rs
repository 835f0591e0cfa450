//! Bad input: a clear 4xx in the request's language, and nothing changed.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    unknown_time_zone_and_bad_hours,
    duplicate_member_number_and_email,
    space_in_a_site_that_does_not_exist,
    malformed_and_huge_bodies,
    problem_text_follows_accept_language,
    bad_kiosk_pairing_code,
    wrong_shapes_name_their_field_in_one_language
);

async fn unknown_time_zone_and_bad_hours(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(DIRECTOR).await;
    let before: Value = c.get("/api/v1/sites/1").send_json().await;
    let body = c
        .patch("/api/v1/sites/1")
        .header("Accept-Language", "en")
        .json(&json!({
            "time_zone": "Asia/Shiojiri",
            "opening_hours": [{"weekday": "mon", "open": "18:00", "close": "09:00"},
                              {"weekday": "funday", "open": "09:00", "close": "12:00"},
                              {"weekday": "tue", "open": "9am", "close": "12:00"}]
        }))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let codes = strings(&body["errors"], "code");
    for expected in [
        "site.unknown_time_zone",
        "site.close_before_open",
        "site.bad_weekday",
        "site.bad_time",
    ] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Unknown time zone"),
        "{body}"
    );
    let after: Value = c.get("/api/v1/sites/1").send_json().await;
    assert_eq!(before, after, "a refused change changes nothing");
    // Duplicate weekday.
    let body = c
        .patch("/api/v1/sites/1")
        .json(
            &json!({"opening_hours": [{"weekday": "mon", "open": "09:00", "close": "12:00"},
                                        {"weekday": "mon", "open": "13:00", "close": "17:00"}]}),
        )
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(body["errors"][0]["code"], "site.duplicate_weekday");
}

async fn duplicate_member_number_and_email(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(DIRECTOR).await;
    let persons = app.count("SELECT COUNT(*) FROM persons").await;
    let grants = app.count("SELECT COUNT(*) FROM role_grants").await;
    let new = |email: &str, member: &str| {
        json!({"email": email, "member_number": member, "name": "重複 太郎", "name_kana": "チョウフク タロウ",
               "site_id": SHIOJIRI, "roles": ["worker"]})
    };
    for (body, field) in [
        (new("WORKER01@kado.example", "K-9001"), "email"),
        (new("fresh@kado.example", "K-0001"), "member_number"),
    ] {
        let p = c
            .post("/api/v1/persons")
            .json(&body)
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
            .await;
        assert_eq!(p["errors"][0]["field"], field);
        assert_eq!(p["errors"][0]["code"], "validation.taken");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM persons").await, persons);
    assert_eq!(app.count("SELECT COUNT(*) FROM role_grants").await, grants);
    // A bad e-mail, kana and phone are all reported at once.
    let p = c
        .post("/api/v1/persons")
        .json(
            &json!({"email": "not-an-address", "name": "x", "name_kana": "Taro", "phone": "call me",
                      "site_id": SHIOJIRI, "roles": ["worker"]}),
        )
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let fields = strings(&p["errors"], "field");
    assert_eq!(fields, ["email", "name_kana", "phone"]);
    // The same e-mail, fresh, goes through.
    let res = c
        .post("/api/v1/persons")
        .json(&new("fresh@kado.example", "K-9001"))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

async fn space_in_a_site_that_does_not_exist(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(ADMIN).await;
    let spaces = app.count("SELECT COUNT(*) FROM spaces").await;
    c.post("/api/v1/sites/999/spaces")
        .json(&json!({"kind": "desk", "name": "D-1"}))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    c.post("/api/v1/sites/1/spaces")
        .json(&json!({"kind": "sofa", "name": "S-1"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_json")
        .await;
    c.post("/api/v1/sites/1/spaces")
        .json(&json!({"kind": "desk", "name": "D-01"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let p = c
        .post("/api/v1/sites/1/spaces")
        .json(&json!({"kind": "desk", "name": "D-77", "capacity": 3, "attributes": ["jacuzzi"]}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
    c.post("/api/v1/sites/abc/spaces")
        .json(&json!({"kind": "desk", "name": "D-78"}))
        .send_problem(StatusCode::BAD_REQUEST, "request.invalid_path")
        .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM spaces").await, spaces);
}

async fn malformed_and_huge_bodies(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(DIRECTOR).await;
    let url = "/api/v1/sites/1/spaces".to_string();
    c.post(&url)
        .header("content-type", "application/json")
        .body("{\"kind\": \"desk\",")
        .send_problem(StatusCode::BAD_REQUEST, "request.malformed_json")
        .await;
    c.post(&url)
        .body("kind=desk")
        .send_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "request.content_type")
        .await;
    let huge = format!(
        "{{\"kind\": \"desk\", \"name\": \"{}\"}}",
        "x".repeat(200_000)
    );
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        // The server closes the connection after refusing the unread rest of the body; keep
        // the client from reusing it for the next request.
        .header("connection", "close")
        .body(huge)
        .sent()
        .await;
    problem(res, StatusCode::PAYLOAD_TOO_LARGE, "request.too_large").await;
    c.post(&url)
        .json(&json!({"kind": "desk", "name": "D-50", "colour": "red"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_json")
        .await;
    c.get("/api/v1/sites/1/calendar?from=2026-13-01&to=2026-12-31")
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    c.get("/api/v1/sites/1/calendar?from=2026-01-01")
        .send_problem(StatusCode::BAD_REQUEST, "request.invalid_query")
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM spaces WHERE site_id = 1")
            .await,
        52
    );
}

async fn problem_text_follows_accept_language(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.guest();
    let ja = c
        .get("/api/v1/sites")
        .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
        .await;
    let en = problem(
        c.get("/api/v1/sites")
            .header("Accept-Language", "en-US,en;q=0.9,ja;q=0.5")
            .sent()
            .await,
        StatusCode::UNAUTHORIZED,
        "auth.required",
    )
    .await;
    assert_eq!(ja["detail"], "ログインしてください。");
    assert_eq!(en["detail"], "Please log in.");
    assert_ne!(ja["title"], en["title"]);
}

async fn bad_kiosk_pairing_code(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.guest();
    for _ in 0..10 {
        c.post("/api/v1/kiosk/pair")
            .json(&json!({"code": "00000000"}))
            .send_problem(StatusCode::UNAUTHORIZED, "kiosk.invalid_code")
            .await;
    }
    // Guessing is throttled: even the right code waits now.
    c.post("/api/v1/kiosk/pair")
        .json(&json!({"code": kado::demo::KIOSK_CODE}))
        .send_problem(StatusCode::TOO_MANY_REQUESTS, "kiosk.rate_limited")
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM kiosk_devices WHERE token_hash IS NOT NULL")
            .await,
        0
    );
}

/// From trying the API from outside: a body of the wrong shape named no field, mixed the
/// languages and echoed the value sent (60 KB back for a 20,000-character value); a known path
/// with another method answered 405 with an empty body.
async fn wrong_shapes_name_their_field_in_one_language(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.login_as(DIRECTOR).await;
    let spaces = app.count("SELECT COUNT(*) FROM spaces").await;
    let long = "x".repeat(20_000);
    let spaces_url = "/api/v1/sites/1/spaces";
    for (url, body, field) in [
        (
            spaces_url,
            json!({"kind": "desk", "name": "D-90", "capacity": long}),
            "capacity",
        ),
        (
            spaces_url,
            json!({"kind": "desk", "name": "D-92", "colour": "red"}),
            "colour",
        ),
        (spaces_url, json!("a string"), "body"),
        (
            "/api/v1/auth/login",
            json!({"email": "a@kado.example"}),
            "password",
        ),
    ] {
        for (lang, word) in [("en", "The JSON fields"), ("ja", "JSONの項目")] {
            let res = c
                .post(url)
                .header("Accept-Language", lang)
                .json(&body)
                .sent()
                .await;
            let text = res.text().await.unwrap();
            assert!(text.len() < 2_000, "{} bytes: {}", text.len(), &text[..200]);
            let p: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(p["code"], "request.invalid_json", "{p}");
            assert_eq!(p["errors"][0]["field"], field, "{p}");
            let detail = p["detail"].as_str().unwrap();
            assert!(detail.starts_with(word), "{lang}: {detail}");
            let other = if lang == "en" {
                "項目"
            } else {
                "The JSON fields"
            };
            assert!(!detail.contains(other), "{lang}: {detail}");
        }
    }
    let res = c
        .delete("/api/v1/sites/1/spaces")
        .header("Accept-Language", "en")
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.headers().contains_key("allow"));
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "request.method_not_allowed", "{p}");
    assert_eq!(app.count("SELECT COUNT(*) FROM spaces").await, spaces);
}
