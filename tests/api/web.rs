//! The web edge: control characters in text, cross-origin state changes, security headers,
//! the metrics token, slow request headers, and secrets kept out of the request log.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    control_characters_are_refused_in_every_kind_of_text,
    cross_origin_changes_are_refused,
    pages_and_api_answers_carry_security_headers,
    metrics_need_the_configured_token,
    slow_request_headers_close_the_connection,
    logged_uris_hold_no_secrets,
    the_test_clock_hook_is_served_only_when_asked_on_loopback,
);

/// The browser tests' clock hook moves the clock only with KADO_TEST_CLOCK on a loopback
/// address; anywhere else the path does not exist.
async fn the_test_clock_hook_is_served_only_when_asked_on_loopback(b: Backend) {
    let (url, _dir) = fresh_database(b).await;
    let hook = "/test/clock/advance?seconds=3600";
    for (asked, bind) in [(false, "127.0.0.1:8080"), (true, "0.0.0.0:8080")] {
        let app = TestApp::spawn_configured(&url, |c| {
            c.test_clock = asked;
            c.bind = bind.parse().unwrap();
        })
        .await;
        let before = app.clock.epoch();
        app.guest()
            .post(hook)
            .send_problem(StatusCode::NOT_FOUND, "not_found")
            .await;
        assert!(app.clock.epoch() - before < 60, "the clock did not move");
    }
    let app = TestApp::spawn_configured(&url, |c| c.test_clock = true).await;
    let before = app.clock.epoch();
    assert_eq!(app.guest().post(hook).send_status().await, StatusCode::OK);
    assert!(
        app.clock.epoch() - before >= 3600,
        "the clock moved an hour"
    );
}

/// Sends a request, asserting a 422 naming the field with the control character.
async fn refused(req: reqwest::RequestBuilder, field: &str) {
    let body = req
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(body["errors"][0]["field"], field, "{body}");
    assert_eq!(
        body["errors"][0]["code"], "validation.control_character",
        "{body}"
    );
}

async fn control_characters_are_refused_in_every_kind_of_text(b: Backend) {
    let app = TestApp::spawn(b).await;
    // A worker with a child, to name an adult allowed to pick the child up.
    let (worker, kids) = app
        .parent_of(18, &[("塩尻 はると", "2024-04-01", "卵")])
        .await;
    let counted = [
        "SELECT COUNT(*) FROM children",
        "SELECT COUNT(*) FROM teams",
        "SELECT COUNT(*) FROM spaces",
        "SELECT COUNT(*) FROM kiosk_devices",
        "SELECT COUNT(*) FROM site_exceptions",
    ];
    let mut before = Vec::new();
    for sql in counted {
        before.push(app.count(sql).await);
    }
    let anon = app.guest();
    refused(
        anon.post("/api/v1/auth/login")
            .json(&json!({"email": WORKER, "password": "kado\u{0}demo"})),
        "password",
    )
    .await;
    refused(
        anon.post("/api/v1/kiosk/pair")
            .json(&json!({"code": "2026\u{0}2026"})),
        "code",
    )
    .await;

    refused(
        worker
            .post("/api/v1/children")
            .json(&json!({"name": "塩尻 はると", "birth_date": "2024-04-01",
                      "allergies": "卵", "medical_notes": "nap\u{0}after lunch"})),
        "medical_notes",
    )
    .await;
    let child = kids[0];
    refused(
        worker
            .post(&format!("/api/v1/children/{child}/authorised"))
            .json(&json!({"name": "祖母\u{1b}", "relation": "祖母", "phone": "0263-00-0000"})),
        "name",
    )
    .await;
    // DEL, and a text in a list: the field path names the element.
    refused(
        worker.post("/api/v1/bookings").json(
            &json!({"site_id": SHIOJIRI, "date": "2030-01-08", "start": "09:00",
                      "end": "10:00", "attributes": ["monitor", "quiet\u{7f}"]}),
        ),
        "attributes[1]",
    )
    .await;
    // Query and path parameters too.
    refused(
        worker.get("/api/v1/sites/1/calendar?from=2026-01-01%00&to=2026-01-31"),
        "from",
    )
    .await;
    refused(worker.get("/api/v1/calendar/abc%00.ics"), "file").await;

    let director = app.login_as(DIRECTOR).await;
    refused(
        director
            .post("/api/v1/sites/1/teams")
            .json(&json!({"name": "チーム\u{0}"})),
        "name",
    )
    .await;
    let body = director
        .post("/api/v1/sites/1/spaces")
        .header("Accept-Language", "en")
        .json(&json!({"kind": "desk", "name": "D-\u{8}99"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Control characters"),
        "{body}"
    );
    refused(
        director
            .post("/api/v1/sites/1/kiosks")
            .json(&json!({"name": "入口\u{0}"})),
        "name",
    )
    .await;
    refused(
        director
            .put("/api/v1/sites/1/exceptions/2030-01-09")
            .json(&json!({"open": false, "note": "点検\u{0}"})),
        "note",
    )
    .await;
    // Tabs and line breaks are text, not control.
    let ok = director
        .put("/api/v1/sites/1/exceptions/2030-01-09")
        .json(&json!({"open": false, "note": "点検\tA棟\r\n午後"}))
        .sent()
        .await;
    assert_eq!(ok.status(), StatusCode::OK);

    let mut after = Vec::new();
    for sql in counted {
        after.push(app.count(sql).await);
    }
    before[4] += 1; // the one note with a tab and a line break
    assert_eq!(before, after, "nothing refused was stored");
}

async fn cross_origin_changes_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    // Friday 2026-11-20, 09:00 in Tokyo; the bookings are for the Tuesday after.
    app.clock.set(friday_morning());
    let worker = app.login_as(WORKER).await;
    let booking: Value = worker
        .post("/api/v1/bookings")
        .json(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00",
                      "end": "10:00"}),
        )
        .send_json()
        .await;
    let booking = &booking["booking"];
    let cancel = format!("/api/v1/bookings/{}/cancel", booking["id"]);
    // A page on another port of the same host: "same-site", so SameSite=Lax sends the cookie.
    let other = app.base.rsplit_once(':').unwrap().0.to_string() + ":1";
    for (name, value) in [
        ("Sec-Fetch-Site", "same-site"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", other.as_str()),
        ("Origin", "null"),
        ("Origin", "https://evil.example"),
    ] {
        worker
            .post(&cancel)
            .header(name, value)
            .send_problem(StatusCode::FORBIDDEN, "request.cross_origin")
            .await;
    }
    // Refused before the login too (a page must not log a person into its own account).
    app.guest()
        .post("/api/v1/auth/login")
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({"email": WORKER, "password": kado::demo::PASSWORD}))
        .send_problem(StatusCode::FORBIDDEN, "request.cross_origin")
        .await;
    let mine: Value = worker
        .get(&format!("/api/v1/bookings/{}", booking["id"]))
        .send_json()
        .await;
    assert_eq!(mine["status"], booking["status"], "{mine}");
    // Reading from elsewhere is no change.
    let res = worker
        .get("/api/v1/auth/me")
        .header("Sec-Fetch-Site", "cross-site")
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The service's own pages, and programs that send neither header, may change things.
    let res = worker
        .post(&cancel)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Origin", &app.base)
        .sent()
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let again: Value = worker
        .post("/api/v1/bookings")
        .header("Sec-Fetch-Site", "none")
        .json(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "11:00",
                      "end": "12:00"}),
        )
        .send_json()
        .await;
    let res = worker
        .post(&format!(
            "/api/v1/bookings/{}/cancel",
            again["booking"]["id"]
        ))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn pages_and_api_answers_carry_security_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let anon = app.guest();
    let worker = app.login_as(WORKER).await;
    let header = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    for (client, path) in [
        (&anon, "/"),
        (&anon, "/app/"),
        (&anon, "/kiosk/kiosk.js"),
        (&anon, "/api/v1/time"),
        (&worker, "/api/v1/auth/me"),
        (&worker, "/api/v1/bookings"),
        (&anon, "/api/v1/auth/me"),
    ] {
        let res = client.get(path).sent().await;
        let csp = header(&res, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header(&res, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&res, "referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header(&res, "strict-transport-security"), "", "{path}");
        if path.starts_with("/api/") {
            assert_eq!(header(&res, "cache-control"), "no-store", "{path}");
        }
    }
    // Behind https, browsers are told to keep to it.
    let https = TestApp::spawn_configured(&app.database_url, |c| {
        c.base_url = Some("https://kado.example.jp".into());
    })
    .await;
    let res = https.anonymous().get(https.url("/")).sent().await;
    assert!(header(&res, "strict-transport-security").starts_with("max-age="));
    // The https origin is the service's own.
    let res = https
        .anonymous()
        .post(https.url("/api/v1/auth/login"))
        .header("Origin", "https://kado.example.jp")
        .json(&json!({"email": WORKER, "password": kado::demo::PASSWORD}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn metrics_need_the_configured_token(b: Backend) {
    let (url, _dir) = fresh_database(b).await;
    let closed = TestApp::spawn_on(&url).await;
    closed
        .anonymous()
        .get(closed.url("/metrics"))
        .header("Authorization", "Bearer anything")
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let app = TestApp::spawn_configured(&url, |c| {
        c.metrics_token = Some("s3cret-scrape".into());
    })
    .await;
    let c = app.guest();
    c.get("/metrics")
        .send_problem(StatusCode::UNAUTHORIZED, "metrics.token_required")
        .await;
    c.get("/metrics")
        .header("Authorization", "Bearer s3cret-scrapf")
        .send_problem(StatusCode::UNAUTHORIZED, "metrics.token_required")
        .await;
    let res = c
        .get("/metrics")
        .header("Authorization", "Bearer s3cret-scrape")
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("kado_http_requests_total")
    );
}

async fn slow_request_headers_close_the_connection(b: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (url, _dir) = fresh_database(b).await;
    let app = TestApp::spawn_configured(&url, |c| c.header_timeout = 1).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // The rest of the headers never come: the server closes the connection once the timeout
    // has passed (the bound here only keeps a broken server from hanging the test).
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(
        closed.is_ok(),
        "the connection was still open after 20 s of unfinished headers"
    );
    // Prompt clients are served as before.
    let res = app.guest().get("/healthz").sent().await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn logged_uris_hold_no_secrets(b: Backend) {
    let logs = captured_logs();
    let app = TestApp::spawn(b).await;
    let worker = app.login_as(WORKER).await;
    let feed: Value = worker.post("/api/v1/me/calendar-feed").send_json().await;
    let feed = feed["url"].as_str().unwrap();
    let path = &feed[feed.find("/api/v1/calendar/").unwrap()..];
    let token = path
        .trim_start_matches("/api/v1/calendar/")
        .trim_end_matches(".ics")
        .to_string();
    let res = worker.get(path).sent().await;
    assert_eq!(res.status(), StatusCode::OK);
    let marker = format!("probe{}", &token[..8]);
    let res = worker
        .get(&format!(
            "/api/v1/sites/1/calendar?{marker}=1&token=tok{marker}&pairing_code=pc{marker}"
        ))
        .sent()
        .await;
    assert!(res.status().is_client_error());
    let text = logs.lock().unwrap().clone();
    assert!(
        text.contains("/api/v1/calendar/REDACTED"),
        "the feed request was not logged"
    );
    assert!(
        text.contains(&format!("{marker}=1")),
        "the query was not logged"
    );
    assert!(!text.contains(&token), "the feed token was logged");
    assert!(!text.contains(&format!("tok{marker}")), "token= was logged");
    assert!(
        !text.contains(&format!("pc{marker}")),
        "pairing_code= was logged"
    );
}
