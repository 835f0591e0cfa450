//! Log in and out, sessions, throttling, password change.

use crate::harness::*;
use crate::on_both_backends;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    login_me_logout,
    wrong_password_gives_no_hint,
    failed_logins_are_throttled_per_account,
    failed_logins_are_throttled_per_address,
    forged_and_expired_sessions_are_refused,
    password_change_ends_other_sessions,
    deactivated_account_is_logged_out,
    password_reset_by_director_ends_sessions,
    i_change_my_language
);

async fn login_me_logout(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.anonymous();
    let res = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "  Director@Shiojiri.kado.example ", "password": kado::demo::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("kado_session="));
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http base URL: no Secure flag"
    );
    let me: Value = c.get(app.url("/api/v1/auth/me")).send_json().await;
    assert_eq!(me["email"], DIRECTOR);
    assert_eq!(
        me["roles"],
        json!([{"site_id": SHIOJIRI, "role": "director"}])
    );
    let out = c.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let res = c.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "auth.required").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn wrong_password_gives_no_hint(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.anonymous();
    let mut details = Vec::new();
    for email in [WORKER, "nobody@kado.example"] {
        let res = c
            .post(app.url("/api/v1/auth/login"))
            .header("Accept-Language", "en")
            .json(&json!({"email": email, "password": "wrong password"}))
            .send()
            .await
            .unwrap();
        let body = problem(res, StatusCode::UNAUTHORIZED, "auth.invalid_credentials").await;
        details.push(body["detail"].as_str().unwrap().to_string());
    }
    assert_eq!(
        details[0], details[1],
        "the answer must not tell whether the account exists"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn failed_logins_are_throttled_per_account(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.anonymous();
    let attempt = |password: &'static str| {
        c.post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": WORKER, "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("nope nope").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused now.
    let res = attempt(kado::demo::PASSWORD).await.unwrap();
    assert!(res.headers().contains_key("retry-after"));
    problem(res, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited").await;
    // Another account from the same address is not locked.
    app.login(DIRECTOR).await;
    // After the window the account may try again.
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        attempt(kado::demo::PASSWORD).await.unwrap().status(),
        StatusCode::OK
    );
}

async fn forged_and_expired_sessions_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let forged = reqwest::Client::new()
        .get(app.url("/api/v1/auth/me"))
        .header(
            "Cookie",
            "kado_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .send()
        .await
        .unwrap();
    problem(forged, StatusCode::UNAUTHORIZED, "auth.required").await;
    let c = app.login(WORKER).await;
    assert_eq!(
        c.get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::days(15));
    let expired = c.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    problem(expired, StatusCode::UNAUTHORIZED, "auth.required").await;
}

async fn password_change_ends_other_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let phone = app.login(WORKER).await;
    let laptop = app.login(WORKER).await;
    let weak = phone
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"current_password": kado::demo::PASSWORD, "new_password": "short"}))
        .send()
        .await
        .unwrap();
    problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let wrong = phone
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"current_password": "not it at all", "new_password": "a much better one"}))
        .send()
        .await
        .unwrap();
    problem(wrong, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    // Neither refused change touched the sessions.
    assert_eq!(
        laptop
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let ok = phone
        .post(app.url("/api/v1/auth/password"))
        .json(
            &json!({"current_password": kado::demo::PASSWORD, "new_password": "a much better one"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        phone
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        laptop
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let relogin = app
        .anonymous()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": WORKER, "password": "a much better one"}))
        .send()
        .await
        .unwrap();
    assert_eq!(relogin.status(), StatusCode::OK);
}

async fn deactivated_account_is_logged_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.login(WORKER).await;
    let director = app.login(DIRECTOR).await;
    let id = app.person_id(WORKER).await;
    let res = director
        .patch(app.url(&format!("/api/v1/persons/{id}")))
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        worker
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .anonymous()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": WORKER, "password": kado::demo::PASSWORD}))
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::UNAUTHORIZED, "auth.invalid_credentials").await;
}

async fn failed_logins_are_throttled_per_address(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.anonymous();
    // Twenty misses spread over many accounts, each with a made-up forwarded address: the
    // service is not behind a trusted proxy, so the header changes nothing.
    for i in 0..20 {
        let res = c
            .post(app.url("/api/v1/auth/login"))
            .header("X-Forwarded-For", format!("10.0.0.{i}"))
            .json(
                &json!({"email": format!("worker{:02}@kado.example", i + 1), "password": "guess"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "worker30@kado.example", "password": kado::demo::PASSWORD}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited").await;
}

async fn password_reset_by_director_ends_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.login(WORKER).await;
    let director = app.login(DIRECTOR).await;
    let id = app.person_id(WORKER).await;
    director
        .patch(app.url(&format!("/api/v1/persons/{id}")))
        .json(&json!({"password": "reset-by-director"}))
        .send_json()
        .await;
    let res = worker.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "auth.required").await;
    // The director's own session is untouched.
    assert_eq!(
        director
            .get(app.url("/api/v1/auth/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

async fn i_change_my_language(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.login(WORKER).await;
    let me = worker
        .patch(app.url("/api/v1/auth/me"))
        .json(&json!({"language": "en"}))
        .send_json()
        .await;
    assert_eq!(me["language"], "en");
    let res = worker
        .patch(app.url("/api/v1/auth/me"))
        .json(&json!({"language": "fr"}))
        .send()
        .await
        .unwrap();
    problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_json",
    )
    .await;
    let res = worker
        .patch(app.url("/api/v1/auth/me"))
        .json(&json!({"phone": "call me maybe"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let res = worker
        .patch(app.url("/api/v1/auth/me"))
        .json(&json!({"is_admin": true}))
        .send()
        .await
        .unwrap();
    problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_json",
    )
    .await;
    assert_eq!(
        worker.get(app.url("/api/v1/auth/me")).send_json().await["is_admin"],
        false
    );
}
