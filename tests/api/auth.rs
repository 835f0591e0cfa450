//! Log in and out, sessions, throttling, password change.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    login_me_logout,
    wrong_password_gives_no_hint,
    failed_logins_lock_only_their_pair,
    failed_logins_are_throttled_per_address,
    account_wide_limit_and_the_sign_in_link,
    simultaneous_attempts_are_reserved_before_checking,
    hashing_is_bounded_under_a_burst,
    forged_and_expired_sessions_are_refused,
    password_change_ends_other_sessions,
    deactivated_account_is_logged_out,
    nobody_sets_another_persons_password_and_the_old_address_hears_of_a_change,
    i_change_my_language,
    a_known_device_is_not_locked_out_by_the_account_limit,
    ipv6_clients_count_per_64,
    only_the_last_forwarded_entry_counts,
    address_limit_comes_before_pair_rows_and_old_rows_are_purged,
    password_change_is_throttled,
    a_used_link_or_new_password_revokes_open_links,
    sign_in_tokens_are_not_logged,
    a_sent_sign_in_mail_keeps_no_token,
    a_fault_starting_the_session_does_not_burn_the_link
);

async fn login_me_logout(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.guest();
    let res = c
        .post("/api/v1/auth/login")
        .json(&json!({"email": "  Director@Shiojiri.kado.example ", "password": kado::demo::PASSWORD}))
        .sent().await;
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
    let me: Value = c.get("/api/v1/auth/me").send_json().await;
    assert_eq!(me["email"], DIRECTOR);
    assert_eq!(
        me["roles"],
        json!([{"site_id": SHIOJIRI, "role": "director"}])
    );
    let out = c.post("/api/v1/auth/logout").sent().await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    c.get("/api/v1/auth/me")
        .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
        .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn wrong_password_gives_no_hint(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.guest();
    let mut details = Vec::new();
    for email in [WORKER, "nobody@kado.example"] {
        let body = c
            .post("/api/v1/auth/login")
            .header("Accept-Language", "en")
            .json(&json!({"email": email, "password": "wrong password"}))
            .send_problem(StatusCode::UNAUTHORIZED, "auth.invalid_credentials")
            .await;
        details.push(body["detail"].as_str().unwrap().to_string());
    }
    assert_eq!(
        details[0], details[1],
        "the answer must not tell whether the account exists"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

/// The app behind a trusted proxy, so that a test can log in from many addresses.
async fn behind_proxy(b: Backend) -> (TestApp, Option<tempfile::TempDir>) {
    let (url, dir) = fresh_database(b).await;
    let app = TestApp::spawn_configured(&url, |c| c.trust_proxy = true).await;
    (app, dir)
}

async fn login_from(c: &User, addr: &str, email: &str, password: &str) -> reqwest::Response {
    c.post("/api/v1/auth/login")
        .header("X-Forwarded-For", addr)
        .json(&json!({"email": email, "password": password}))
        .sent()
        .await
}

async fn failed_logins_lock_only_their_pair(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    let c = app.guest();
    for _ in 0..5 {
        let res = login_from(&c, "192.0.2.66", WORKER, "nope nope").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // From the guesser's address even the right password is refused now...
    let res = login_from(&c, "192.0.2.66", WORKER, kado::demo::PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited").await;
    // ...but the owner, at another address, is not locked out.
    let owner = app.guest();
    let res = login_from(&owner, "198.51.100.7", WORKER, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Another account from the guesser's address is not locked either.
    let res = login_from(&c, "192.0.2.66", DIRECTOR, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    // After the window the pair may try again.
    app.clock.advance(Duration::minutes(16));
    let res = login_from(&c, "192.0.2.66", WORKER, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// Wrong guesses at WORKER's password from twenty addresses, each under the limit of its
/// (address, account) pair: together they spend the account-wide limit.
async fn guess_from_twenty_addresses(app: &TestApp) {
    let guesser = app.guest();
    for i in 0..20 {
        let res = login_from(&guesser, &format!("203.0.113.{i}"), WORKER, "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
}

/// WORKER's right password, from `addr` through `c`, is refused: the account-wide limit.
async fn account_limited(c: &User, addr: &str) {
    let res = login_from(c, addr, WORKER, kado::demo::PASSWORD).await;
    problem(
        res,
        StatusCode::TOO_MANY_REQUESTS,
        "auth.account_rate_limited",
    )
    .await;
}

async fn account_wide_limit_and_the_sign_in_link(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    guess_from_twenty_addresses(&app).await;
    // The account-wide limit is spent: the owner's right password is refused even from a
    // new address, with a pointer to the sign-in link.
    let owner = app.guest();
    account_limited(&owner, "198.51.100.7").await;
    // Other accounts are untouched.
    let res = login_from(&owner, "198.51.100.7", DIRECTOR, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The same answer for an account that does not exist; only the real one gets mail.
    for email in ["nobody@kado.example", WORKER] {
        let res = owner
            .post("/api/v1/auth/login-link")
            .header("X-Forwarded-For", "198.51.100.7")
            .json(&json!({"email": email}))
            .sent()
            .await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    assert_eq!(kado::mail::send_due(&app.state).await.unwrap().sent, 1);
    let files: Vec<_> = std::fs::read_dir(app.mail_dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    fn text(m: &mailparse::ParsedMail) -> Option<String> {
        if m.ctype.mimetype == "text/plain" {
            return m.get_body().ok();
        }
        m.subparts.iter().find_map(text)
    }
    let raw = std::fs::read(&files[0]).unwrap();
    let mail = text(&mailparse::parse_mail(&raw).unwrap()).expect("a text part");
    let token = mail
        .split("?signin=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a sign-in link")
        .to_string();
    let redeem = |token: String| {
        owner
            .post("/api/v1/auth/login-link/redeem")
            .json(&json!({"token": token}))
            .send()
    };
    let res = redeem(token.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = owner.get("/api/v1/auth/me").send_json().await;
    assert_eq!(me["email"], WORKER);
    // A link works once.
    let again = redeem(token).await.unwrap();
    problem(again, StatusCode::UNAUTHORIZED, "auth.invalid_link").await;
    // A link expires after fifteen minutes.
    let res = owner
        .post("/api/v1/auth/login-link")
        .header("X-Forwarded-For", "198.51.100.7")
        .json(&json!({"email": WORKER}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let stale = kado::auth::password::new_token();
    sqlx::query("UPDATE login_links SET token_hash = $1 WHERE used_at IS NULL")
        .bind(kado::auth::password::token_hash(&stale))
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(16));
    problem(
        redeem(stale).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "auth.invalid_link",
    )
    .await;
    // Nobody fills the owner's mailbox: three links an hour.
    let res = owner
        .post("/api/v1/auth/login-link")
        .header("X-Forwarded-For", "198.51.100.9")
        .json(&json!({"email": WORKER}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    owner
        .post("/api/v1/auth/login-link")
        .header("X-Forwarded-For", "198.51.100.10")
        .json(&json!({"email": WORKER}))
        .send_problem(StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited")
        .await;
    // An hour on, the account-wide window has passed and the password works again.
    app.clock.advance(Duration::minutes(45));
    let res = login_from(&owner, "198.51.100.7", WORKER, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// Sends `n` logins at once; answers the count of each status.
async fn burst(
    app: &TestApp,
    n: usize,
    each: impl Fn(usize) -> (String, String),
) -> std::collections::BTreeMap<u16, usize> {
    let c = app.guest();
    let sends = (0..n).map(|i| {
        let (addr, email) = each(i);
        c.post("/api/v1/auth/login")
            .header("X-Forwarded-For", addr)
            .json(&json!({"email": email, "password": "wrong password"}))
            .send()
    });
    let mut counts = std::collections::BTreeMap::new();
    for res in futures_join_all(sends).await {
        *counts.entry(res.unwrap().status().as_u16()).or_default() += 1;
    }
    counts
}

async fn simultaneous_attempts_are_reserved_before_checking(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    // 200 at once on one account from one address: only the pair's five are evaluated.
    let one = burst(&app, 200, |_| ("192.0.2.1".into(), WORKER.into())).await;
    assert_eq!(one.get(&401), Some(&5), "{one:?}");
    assert_eq!(one.get(&429), Some(&195), "{one:?}");
    // 200 at once on another account from 200 addresses: only the account's twenty.
    let spread = burst(&app, 200, |i| {
        (format!("10.1.{}.{}", i / 256, i % 256), DIRECTOR.into())
    })
    .await;
    assert_eq!(spread.get(&401), Some(&20), "{spread:?}");
    assert_eq!(spread.get(&429), Some(&180), "{spread:?}");
}

async fn hashing_is_bounded_under_a_burst(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    // Every attempt a different unknown account from its own address: no throttle applies,
    // so all of them reach password hashing at once.
    let answers = burst(&app, 100, |i| {
        (format!("10.2.0.{i}"), format!("nobody{i}@kado.example"))
    })
    .await;
    let cores = std::thread::available_parallelism().unwrap().get();
    assert!(app.state.hashing.peak() >= 1);
    assert!(
        app.state.hashing.peak() <= cores,
        "{} hashes ran at once on {cores} cores",
        app.state.hashing.peak()
    );
    assert_eq!(
        answers.keys().filter(|s| ![401, 503].contains(*s)).count(),
        0,
        "{answers:?}"
    );
}

async fn forged_and_expired_sessions_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    reqwest::Client::new()
        .get(app.url("/api/v1/auth/me"))
        .header(
            "Cookie",
            "kado_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
        .await;
    let c = app.login_as(WORKER).await;
    assert_eq!(c.get("/api/v1/auth/me").send_status().await, StatusCode::OK);
    app.clock.advance(Duration::days(15));
    c.get("/api/v1/auth/me")
        .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
        .await;
}

async fn password_change_ends_other_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let phone = app.login_as(WORKER).await;
    let laptop = app.login_as(WORKER).await;
    phone
        .post("/api/v1/auth/password")
        .json(&json!({"current_password": kado::demo::PASSWORD, "new_password": "short"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    phone
        .post("/api/v1/auth/password")
        .json(&json!({"current_password": "not it at all", "new_password": "a much better one"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    // Neither refused change touched the sessions.
    assert_eq!(
        laptop.get("/api/v1/auth/me").send_status().await,
        StatusCode::OK
    );
    let ok = phone
        .post("/api/v1/auth/password")
        .json(
            &json!({"current_password": kado::demo::PASSWORD, "new_password": "a much better one"}),
        )
        .sent()
        .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        phone.get("/api/v1/auth/me").send_status().await,
        StatusCode::OK
    );
    assert_eq!(
        laptop.get("/api/v1/auth/me").send_status().await,
        StatusCode::UNAUTHORIZED
    );
    let relogin = app
        .guest()
        .post("/api/v1/auth/login")
        .json(&json!({"email": WORKER, "password": "a much better one"}))
        .sent()
        .await;
    assert_eq!(relogin.status(), StatusCode::OK);
}

async fn deactivated_account_is_logged_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.login_as(WORKER).await;
    let director = app.login_as(DIRECTOR).await;
    let id = app.person_id(WORKER).await;
    let res = director
        .patch(&format!("/api/v1/persons/{id}"))
        .json(&json!({"active": false}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        worker.get("/api/v1/auth/me").send_status().await,
        StatusCode::UNAUTHORIZED
    );
    app.guest()
        .post("/api/v1/auth/login")
        .json(&json!({"email": WORKER, "password": kado::demo::PASSWORD}))
        .send_problem(StatusCode::UNAUTHORIZED, "auth.invalid_credentials")
        .await;
}

async fn failed_logins_are_throttled_per_address(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.guest();
    // Twenty misses spread over many accounts, each with a made-up forwarded address: the
    // service is not behind a trusted proxy, so the header changes nothing.
    for i in 0..20 {
        let res = c
            .post("/api/v1/auth/login")
            .header("X-Forwarded-For", format!("10.0.0.{i}"))
            .json(
                &json!({"email": format!("worker{:02}@kado.example", i + 1), "password": "guess"}),
            )
            .sent()
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    c.post("/api/v1/auth/login")
        .json(&json!({"email": "worker30@kado.example", "password": kado::demo::PASSWORD}))
        .send_problem(StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited")
        .await;
}

/// From trying the service from outside: a director set a worker's password (and address)
/// and signed in as them, reading their bank account and their children's allergies. Nobody
/// sets another person's password; an address changed by someone else logs the account out
/// everywhere, closes its open links and tells the old address.
async fn nobody_sets_another_persons_password_and_the_old_address_hears_of_a_change(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.login_as(WORKER).await;
    let director = app.login_as(DIRECTOR).await;
    let admin = app.login_as(ADMIN).await;
    let id = app.person_id(WORKER).await;
    let person = format!("/api/v1/persons/{id}");
    for who in [&director, &admin] {
        let p = who
            .patch(&person)
            .json(&json!({"password": "reset-by-director"}))
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
            .await;
        assert_eq!(p["errors"][0]["code"], "person.password_by_link", "{p}");
        // Nor a first password: the director would know it (the review's second path).
        let p = who
            .post("/api/v1/persons")
            .json(
                &json!({"email": "known@kado.example", "name": "新人", "password": "known-pass-99",
                          "site_id": SHIOJIRI, "roles": ["worker"]}),
            )
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
            .await;
        assert_eq!(p["errors"][0]["code"], "person.password_by_link", "{p}");
    }
    assert_eq!(
        worker.get("/api/v1/auth/me").send_status().await,
        StatusCode::OK
    );
    let link = open_link(&app, id).await;
    director
        .patch(&person)
        .json(&json!({"email": "someone-else@kado.example"}))
        .send_json()
        .await;
    worker
        .get("/api/v1/auth/me")
        .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
        .await;
    app.guest()
        .post("/api/v1/auth/login-link/redeem")
        .json(&json!({"token": link}))
        .send_problem(StatusCode::UNAUTHORIZED, "auth.invalid_link")
        .await;
    let notice: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE kind = 'email_changed' AND to_email = $1",
    )
    .bind(WORKER)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(notice.contains("someone-else@kado.example"), "{notice}");
    // The director's own session is untouched.
    assert_eq!(
        director.get("/api/v1/auth/me").send_status().await,
        StatusCode::OK
    );
    // A municipality's KPI viewer needs an account with no site role (a worker's role made
    // them count as a registered worker): administrators only.
    let viewer = json!({"email": "viewer@omachi.example", "name": "大町 閲覧", "invite": true});
    let p = director
        .post("/api/v1/persons")
        .json(&viewer)
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(p["errors"][0]["code"], "person.roles_required", "{p}");
    let made = admin
        .post("/api/v1/persons")
        .json(&viewer)
        .send_created()
        .await;
    assert_eq!(made["roles"], json!([]), "{made}");
}

async fn i_change_my_language(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.login_as(WORKER).await;
    let me = worker
        .patch("/api/v1/auth/me")
        .json(&json!({"language": "en"}))
        .send_json()
        .await;
    assert_eq!(me["language"], "en");
    worker
        .patch("/api/v1/auth/me")
        .json(&json!({"language": "fr"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_json")
        .await;
    worker
        .patch("/api/v1/auth/me")
        .json(&json!({"phone": "call me maybe"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    worker
        .patch("/api/v1/auth/me")
        .json(&json!({"is_admin": true}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_json")
        .await;
    assert_eq!(
        worker.get("/api/v1/auth/me").send_json().await["is_admin"],
        false
    );
}

async fn a_known_device_is_not_locked_out_by_the_account_limit(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    let owner = app.guest();
    let res = login_from(&owner, "198.51.100.7", WORKER, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let device = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("kado_device="))
        .expect("a device cookie");
    assert!(
        device.contains("HttpOnly") && device.contains("Path=/api/v1/auth"),
        "{device}"
    );
    // A guesser spends the account-wide limit from twenty addresses.
    guess_from_twenty_addresses(&app).await;
    account_limited(&app.guest(), "198.51.100.8").await;
    // The owner's browser, even at a new address, still gets in.
    let res = login_from(&owner, "198.51.100.9", WORKER, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    // It has a limit of its own: five wrong passwords per fifteen minutes.
    for i in 0..5 {
        let res = login_from(&owner, &format!("198.51.100.{}", 20 + i), WORKER, "typo").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let res = login_from(&owner, "198.51.100.30", WORKER, kado::demo::PASSWORD).await;
    problem(res, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited").await;
}

async fn ipv6_clients_count_per_64(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    let c = app.guest();
    for i in 1..=5 {
        let res = login_from(&c, &format!("2001:db8:1:2::{i}"), WORKER, "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Another address of the same /64 is the same client.
    let res = login_from(&c, "2001:db8:1:2:ffff::99", WORKER, kado::demo::PASSWORD).await;
    problem(res, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited").await;
    let res = login_from(&c, "2001:db8:1:3::1", WORKER, kado::demo::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn only_the_last_forwarded_entry_counts(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    let c = app.guest();
    // The balancer's entry does not parse: the peer counts, not the client's own claim.
    for _ in 0..5 {
        let res = login_from(&c, "192.0.2.1, not-an-address", WORKER, "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    c.post("/api/v1/auth/login")
        .json(&json!({"email": WORKER, "password": kado::demo::PASSWORD}))
        .send_problem(StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited")
        .await;
}

async fn address_limit_comes_before_pair_rows_and_old_rows_are_purged(b: Backend) {
    let (app, _dir) = behind_proxy(b).await;
    let c = app.guest();
    for i in 0..25 {
        let res = login_from(&c, "192.0.2.9", &format!("n{i}@nowhere.example"), "x").await;
        let want = if i < 20 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(res.status(), want, "attempt {i}");
    }
    let pairs = "SELECT COUNT(*) FROM auth_throttle WHERE key LIKE 'pair:%'";
    assert_eq!(
        app.count(pairs).await,
        20,
        "a refused attempt writes no row"
    );
    let now = app.clock.epoch();
    assert_eq!(
        kado::auth::store::purge_expired(&app.db, now)
            .await
            .unwrap(),
        0,
        "live counters stay"
    );
    app.clock.advance(Duration::hours(25));
    let later = app.clock.epoch();
    assert!(
        kado::auth::store::purge_expired(&app.db, later)
            .await
            .unwrap()
            > 0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM auth_throttle").await, 0);
    assert_eq!(
        kado::auth::store::purge_expired(&app.db, later)
            .await
            .unwrap(),
        0
    );
}

async fn password_change_is_throttled(b: Backend) {
    let app = TestApp::spawn(b).await;
    let worker = app.login_as(WORKER).await;
    let change = |current: &str| {
        worker
            .post("/api/v1/auth/password")
            .json(
                &json!({"current_password": current, "new_password": "a much longer new password"}),
            )
            .send()
    };
    for i in 0..5 {
        let res = change("a wrong guess").await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {i}"
        );
    }
    let res = change(kado::demo::PASSWORD).await.unwrap();
    problem(res, StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited").await;
}

/// Puts a sign-in link for the person straight into the database; answers its token.
async fn open_link(app: &TestApp, person: i64) -> String {
    let token = kado::auth::password::new_token();
    let now = app.clock.epoch();
    sqlx::query(
        "INSERT INTO login_links (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(kado::auth::password::token_hash(&token))
    .bind(person)
    .bind(now)
    .bind(now + 900)
    .execute(&app.db.pool)
    .await
    .unwrap();
    token
}

async fn a_used_link_or_new_password_revokes_open_links(b: Backend) {
    let app = TestApp::spawn(b).await;
    let person = app.person_id(WORKER).await;
    let (first, second) = (open_link(&app, person).await, open_link(&app, person).await);
    let c = app.guest();
    let redeem = |token: String| {
        c.post("/api/v1/auth/login-link/redeem")
            .json(&json!({"token": token}))
            .send()
    };
    assert_eq!(redeem(first).await.unwrap().status(), StatusCode::OK);
    let res = redeem(second).await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "auth.invalid_link").await;
    let third = open_link(&app, person).await;
    let res = c
        .post("/api/v1/auth/password")
        .json(&json!({"current_password": kado::demo::PASSWORD, "new_password": "a much longer new password"}))
        .sent().await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = redeem(third).await.unwrap();
    problem(res, StatusCode::UNAUTHORIZED, "auth.invalid_link").await;
}

async fn sign_in_tokens_are_not_logged(b: Backend) {
    let logs = captured_logs();
    let app = TestApp::spawn(b).await;
    let marker = kado::auth::password::new_token();
    let res = app.guest().get(&format!("/?signin={marker}")).sent().await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = logs.lock().unwrap().clone();
    assert!(
        text.contains("signin=REDACTED"),
        "the page request was not logged"
    );
    assert!(!text.contains(&marker), "the sign-in token was logged");
}

async fn a_sent_sign_in_mail_keeps_no_token(b: Backend) {
    let app = TestApp::spawn(b).await;
    let res = app
        .guest()
        .post("/api/v1/auth/login-link")
        .json(&json!({"email": WORKER}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let with_token = "SELECT COUNT(*) FROM outbox WHERE kind = 'login_link'
         AND (body_text LIKE '%signin=%' OR body_html LIKE '%signin=%')";
    let now = app.clock.epoch();
    kado::auth::store::purge_expired(&app.db, now)
        .await
        .unwrap();
    assert_eq!(
        app.count(with_token).await,
        1,
        "not sent yet: the body stays"
    );
    assert_eq!(kado::mail::send_due(&app.state).await.unwrap().sent, 1);
    kado::auth::store::purge_expired(&app.db, now)
        .await
        .unwrap();
    assert_eq!(app.count(with_token).await, 0);
}

async fn a_fault_starting_the_session_does_not_burn_the_link(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = open_link(&app, app.person_id(WORKER).await).await;
    // Every new session fails, as a database fault between the two writes would.
    let (fault, heal): (&[&str], &[&str]) = match b {
        Backend::Sqlite => (
            &[
                "CREATE TRIGGER no_sessions BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'fault'); END",
            ],
            &["DROP TRIGGER no_sessions"],
        ),
        Backend::Postgres => (
            &[
                "CREATE FUNCTION no_sessions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'fault'; END $$",
                "CREATE TRIGGER no_sessions BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION no_sessions()",
            ],
            &[
                "DROP TRIGGER no_sessions ON sessions",
                "DROP FUNCTION no_sessions()",
            ],
        ),
    };
    for sql in fault {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
    }
    let c = app.guest();
    let redeem = || {
        c.post("/api/v1/auth/login-link/redeem")
            .json(&json!({"token": token}))
            .send()
    };
    let res = redeem().await.unwrap();
    assert!(res.status().is_server_error(), "{}", res.status());
    for sql in heal {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
    }
    assert_eq!(redeem().await.unwrap().status(), StatusCode::OK);
}
