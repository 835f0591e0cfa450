//! Invitations to set one's password (issue 21), on both backends: sent when a person is
//! created or imported, the link works once (also under concurrent uses) and expires.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    an_invitation_sets_the_password_once,
    invitations_expire_and_the_newest_counts,
    concurrent_uses_of_one_link_let_one_in,
    a_link_closes_when_the_account_changes,
    a_bad_token_is_refused_before_hashing_and_throttled,
    concurrent_invitations_leave_one_open,
    names_refuse_control_characters,
);

async fn token_for(app: &TestApp, email: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE kind = 'invitation' AND to_email = $1
         ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(&app.db.pool)
    .await
    .expect("an invitation mail");
    body.split("/welcome/#")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a link")
        .to_string()
}

async fn accept(app: &TestApp, client: &reqwest::Client, token: &str) -> reqwest::Response {
    client
        .post(app.url("/api/v1/invitations/accept"))
        .json(&json!({"token": token, "password": "a new long password"}))
        .send()
        .await
        .unwrap()
}

async fn create_invited(director: &User, email: &str) -> i64 {
    let res = director
        .post("/api/v1/persons")
        .json(&json!({"email": email, "name": "招待 太郎", "site_id": 1, "roles": ["worker"], "invite": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let p: Value = res.json().await.unwrap();
    p["id"].as_i64().unwrap()
}

async fn an_invitation_sets_the_password_once(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    // A first password from the director is refused (they would know it); without an
    // invitation the account signs in with a link mailed to its address.
    let res = director
        .post("/api/v1/persons")
        .json(&json!({"email": "x@example.jp", "name": "X", "site_id": 1, "roles": ["worker"], "password": "known-to-the-director"}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    create_invited(&director, "invited@example.jp").await;
    let token = token_for(&app, "invited@example.jp").await;
    let client = app.anonymous();
    let login = |password: &str| {
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "invited@example.jp", "password": password}))
            .send()
    };
    // No password works before the invitation is used.
    assert_eq!(login("").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let weak = client
        .post(app.url("/api/v1/invitations/accept"))
        .json(&json!({"token": token, "password": "short"}))
        .send()
        .await
        .unwrap();
    problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    let res = accept(&app, &client, &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = client
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "invited@example.jp");
    // Once only.
    let again = accept(&app, &app.anonymous(), &token).await;
    problem(again, StatusCode::GONE, "invitation.invalid").await;
    assert_eq!(
        login("a new long password").await.unwrap().status(),
        StatusCode::OK
    );

    // An import with invitations mails each new person; only a manager invites.
    let csv = "member number,name,email\nINV-1,One,inv1@example.jp\nINV-2,Two,inv2@example.jp\n";
    let res = director
        .post("/api/v1/sites/1/person-imports?dry_run=false&invite=true")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["invited"], 2);
    let t = token_for(&app, "inv2@example.jp").await;
    assert_eq!(
        accept(&app, &app.anonymous(), &t).await.status(),
        StatusCode::OK
    );
    let someone = app.person_id(WORKER).await;
    for email in [OMACHI_DIRECTOR, WORKER, RECEPTION] {
        let status = app
            .login_as(email)
            .await
            .post(&format!("/api/v1/persons/{someone}/invitation"))
            .send_status()
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
    }
    let status = director
        .post(&format!("/api/v1/persons/{someone}/invitation"))
        .send_status()
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

async fn invitations_expire_and_the_newest_counts(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let a = create_invited(&director, "a@example.jp").await;
    create_invited(&director, "b@example.jp").await;
    let token_a = token_for(&app, "a@example.jp").await;
    let token_b = token_for(&app, "b@example.jp").await;
    // A second invitation closes the first.
    let status = director
        .post(&format!("/api/v1/persons/{a}/invitation"))
        .send_status()
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let newer_a = token_for(&app, "a@example.jp").await;
    assert_ne!(newer_a, token_a);
    let res = accept(&app, &app.anonymous(), &token_a).await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    // Seven days (the default setting): still good just before, gone just after.
    app.clock
        .set(friday_morning() + Duration::days(7) - Duration::seconds(1));
    assert_eq!(
        accept(&app, &app.anonymous(), &newer_a).await.status(),
        StatusCode::OK
    );
    app.clock.set(friday_morning() + Duration::days(7));
    let res = accept(&app, &app.anonymous(), &token_b).await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    let res = accept(&app, &app.anonymous(), "not-a-token").await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    // The job forgets expired invitations.
    kado::people::invite::purge(&app.db, app.clock.epoch())
        .await
        .unwrap();
    let now = app.clock.epoch();
    let sql = format!("SELECT COUNT(*) FROM person_invitations WHERE expires_at < {now}");
    assert_eq!(app.count(&sql).await, 0);
}

async fn concurrent_uses_of_one_link_let_one_in(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let id = create_invited(&director, "race@example.jp").await;
    let token = token_for(&app, "race@example.jp").await;
    let url = app.url("/api/v1/invitations/accept");
    let answers = futures_join_all((0..8).map(|_| {
        let (client, url) = (app.anonymous(), url.clone());
        let body = json!({"token": token, "password": "a new long password"});
        async move { client.post(url).json(&body).send().await.unwrap() }
    }))
    .await;
    let ok = answers
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    let gone = answers
        .iter()
        .filter(|r| r.status() == StatusCode::GONE)
        .count();
    assert_eq!((ok, gone), (1, 7));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE person_id = {id}"
        ))
        .await,
        1
    );
}

async fn invite_again(director: &User, id: i64) {
    let status = director
        .post(&format!("/api/v1/persons/{id}/invitation"))
        .send_status()
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

async fn a_link_closes_when_the_account_changes(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let id = create_invited(&director, "moving@example.jp").await;
    let path = format!("/api/v1/persons/{id}");
    let patch = |body: Value| director.patch(&path).json(&body).send_status();
    // A new e-mail address: the link mailed to the old one stops working.
    let token = token_for(&app, "moving@example.jp").await;
    assert_eq!(
        patch(json!({"email": "moved@example.jp"})).await,
        StatusCode::OK
    );
    let res = accept(&app, &app.anonymous(), &token).await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    // A password a director would set: refused (the person chooses it through the link).
    assert_eq!(
        patch(json!({"password": "set by the director"})).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Deactivating, even when the account comes back later.
    invite_again(&director, id).await;
    let token = token_for(&app, "moved@example.jp").await;
    assert_eq!(patch(json!({"active": false})).await, StatusCode::OK);
    assert_eq!(patch(json!({"active": true})).await, StatusCode::OK);
    let res = accept(&app, &app.anonymous(), &token).await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    // An inactive account's link is refused and used up: it does not work after reactivation.
    invite_again(&director, id).await;
    let token = token_for(&app, "moved@example.jp").await;
    let set_active = |a: i64| {
        sqlx::query("UPDATE persons SET active = $1 WHERE id = $2")
            .bind(a)
            .bind(id)
            .execute(&app.db.pool)
    };
    set_active(0).await.unwrap();
    let res = accept(&app, &app.anonymous(), &token).await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    set_active(1).await.unwrap();
    let res = accept(&app, &app.anonymous(), &token).await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    let open = format!(
        "SELECT COUNT(*) FROM person_invitations WHERE person_id = {id} AND used_at IS NULL"
    );
    assert_eq!(app.count(&open).await, 0);
}

async fn a_bad_token_is_refused_before_hashing_and_throttled(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let client = app.anonymous();
    // Nothing has hashed yet; an unknown token is refused without a hash.
    let res = accept(&app, &client, "not-a-token").await;
    problem(res, StatusCode::GONE, "invitation.invalid").await;
    assert_eq!(app.state.hashing.peak(), 0);
    // Guessing is throttled per address.
    let mut last = StatusCode::OK;
    for i in 0..40 {
        last = accept(&app, &client, &format!("guess-{i}")).await.status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.state.hashing.peak(), 0);
}

async fn concurrent_invitations_leave_one_open(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let id = create_invited(&director, "twice@example.jp").await;
    let answers = futures_join_all((0..8).map(|_| {
        director
            .post(&format!("/api/v1/persons/{id}/invitation"))
            .send_status()
    }))
    .await;
    assert!(
        answers.iter().all(|s| *s == StatusCode::ACCEPTED),
        "{answers:?}"
    );
    let open = format!(
        "SELECT COUNT(*) FROM person_invitations WHERE person_id = {id} AND used_at IS NULL"
    );
    assert_eq!(app.count(&open).await, 1);
}

async fn names_refuse_control_characters(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    for (field, value) in [
        ("name", "招待\n太郎"),
        ("name", "招待\t太郎"),
        ("name_kana", "ショウタイ\u{7f}"),
    ] {
        let mut body = json!({"email": "ctl@example.jp", "name": "招待 太郎", "site_id": 1,
            "roles": ["worker"], "invite": true});
        body[field] = json!(value);
        let res = director
            .post("/api/v1/persons")
            .json(&body)
            .send()
            .await
            .unwrap();
        let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
        assert!(p.to_string().contains(field), "{p}");
        assert!(
            p.to_string().contains("validation.control_character"),
            "{p}"
        );
    }
    let id = create_invited(&director, "ctl@example.jp").await;
    let status = director
        .patch(&format!("/api/v1/persons/{id}"))
        .json(&json!({"name": "a\u{1b}[31m"}))
        .send_status()
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
