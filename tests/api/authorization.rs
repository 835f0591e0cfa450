//! Who may do what: a table of actor x site x endpoint, each allowed and each denied case.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    role_by_site_by_endpoint,
    kiosk_token_is_only_good_for_the_kiosk_api
);

/// (method, path, body, [(who, expected status)])
type Case = (Method, String, Value, Vec<(Who, u16)>);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Admin,
    Director,
    OmachiDirector,
    Reception,
    Worker,
    OmachiWorker,
}

async fn role_by_site_by_endpoint(b: Backend) {
    use Who::*;
    let app = TestApp::spawn(b).await;
    let clients: Vec<(Who, User)> = vec![
        (Anonymous, app.guest()),
        (Admin, app.login_as(ADMIN).await),
        (Director, app.login_as(DIRECTOR).await),
        (OmachiDirector, app.login_as(OMACHI_DIRECTOR).await),
        (Reception, app.login_as(RECEPTION).await),
        (Worker, app.login_as(WORKER).await),
        (OmachiWorker, app.login_as(OMACHI_WORKER).await),
    ];
    let omachi_worker = app.person_id(OMACHI_WORKER).await;
    let worker = app.person_id(WORKER).await;
    let other_worker = app.person_id("worker02@kado.example").await;
    let third_worker = app.person_id("worker03@kado.example").await;
    let admin = app.person_id(ADMIN).await;
    let omachi_director = app.person_id(OMACHI_DIRECTOR).await;
    let omachi_worker2 = app.person_id("worker26@kado.example").await;
    let s = SHIOJIRI;
    let secure_room: i64 = sqlx::query_scalar(
        "SELECT id FROM spaces WHERE site_id = $1 AND kind = 'secure_room' ORDER BY id LIMIT 1",
    )
    .bind(s)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let cases: Vec<Case> = vec![
        // Spaces (the secure client rooms among them) are read only by people with a role at
        // the site; workers still see their own site's spaces and availability (phone pages).
        (
            Method::GET,
            format!("/api/v1/sites/{s}/spaces"),
            Value::Null,
            vec![
                (Anonymous, 401),
                (OmachiDirector, 403),
                (OmachiWorker, 403),
                (Worker, 200),
                (Reception, 200),
                (Director, 200),
                (Admin, 200),
            ],
        ),
        (
            Method::GET,
            format!("/api/v1/spaces/{secure_room}"),
            Value::Null,
            vec![
                (Anonymous, 401),
                (OmachiDirector, 403),
                (OmachiWorker, 403),
                (Worker, 200),
                (Director, 200),
                (Admin, 200),
            ],
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/availability?date=2026-12-01"),
            Value::Null,
            vec![(OmachiDirector, 403), (OmachiWorker, 403), (Worker, 200)],
        ),
        (
            Method::GET,
            "/api/v1/sites".into(),
            Value::Null,
            vec![(Anonymous, 401), (Worker, 200), (Reception, 200)],
        ),
        (
            Method::PATCH,
            format!("/api/v1/sites/{s}"),
            json!({"name_en": "Shiojiri TC"}),
            vec![
                (Anonymous, 401),
                (Worker, 403),
                (Reception, 403),
                (OmachiDirector, 403),
                (Director, 200),
                (Admin, 200),
            ],
        ),
        (
            Method::PATCH,
            format!("/api/v1/sites/{s}"),
            json!({"municipality_id": 2}),
            vec![(Director, 403), (Admin, 200)],
        ),
        (
            Method::POST,
            "/api/v1/sites".into(),
            json!({"municipality_id": 3, "name_ja": "安曇野", "name_en": "Azumino"}),
            vec![(Director, 403), (Worker, 403), (Admin, 201)],
        ),
        (
            Method::POST,
            "/api/v1/municipalities".into(),
            json!({"code": "202096", "name_ja": "岡谷市", "name_en": "Okaya"}),
            vec![(Director, 403), (Admin, 201)],
        ),
        (
            Method::POST,
            format!("/api/v1/sites/{s}/spaces"),
            json!({"kind": "desk", "name": "D-99"}),
            vec![
                (Worker, 403),
                (Reception, 403),
                (OmachiDirector, 403),
                (Director, 201),
            ],
        ),
        (
            Method::PUT,
            format!("/api/v1/sites/{s}/exceptions/2026-12-05"),
            json!({"open": false, "note": "点検"}),
            vec![(Worker, 403), (OmachiDirector, 403), (Director, 200)],
        ),
        (
            Method::GET,
            "/api/v1/persons".into(),
            Value::Null,
            vec![
                (Anonymous, 401),
                (Worker, 403),
                (Reception, 403),
                (Director, 200),
                (OmachiDirector, 200),
                (Admin, 200),
            ],
        ),
        (
            Method::GET,
            format!("/api/v1/persons?site_id={s}"),
            Value::Null,
            vec![(OmachiDirector, 403), (Director, 200)],
        ),
        (
            Method::GET,
            format!("/api/v1/persons/{omachi_worker}"),
            Value::Null,
            vec![
                (Director, 403),
                (Worker, 403),
                (OmachiWorker, 200),
                (OmachiDirector, 200),
                (Admin, 200),
            ],
        ),
        (
            Method::PATCH,
            format!("/api/v1/persons/{worker}"),
            json!({"phone": "0263-00-0000"}),
            vec![(OmachiDirector, 403), (Reception, 403), (Director, 200)],
        ),
        (
            Method::POST,
            "/api/v1/persons".into(),
            json!({"email": "new1@kado.example", "name": "新人", "invite": true, "site_id": s, "roles": ["worker"]}),
            vec![
                (OmachiDirector, 403),
                (Reception, 403),
                (Worker, 403),
                (Director, 201),
            ],
        ),
        (
            Method::POST,
            format!("/api/v1/persons/{third_worker}/roles"),
            json!({"site_id": s, "role": "director"}),
            vec![(Director, 403), (Admin, 200)],
        ),
        (
            Method::POST,
            format!("/api/v1/persons/{other_worker}/roles"),
            json!({"site_id": s, "role": "trainer"}),
            vec![(OmachiDirector, 403), (Director, 200)],
        ),
        // No director reaches an administrator, another director, or someone who also works
        // at another site (the Omachi worker, once the admin gives them a Shiojiri role).
        (
            Method::POST,
            format!("/api/v1/persons/{admin}/roles"),
            json!({"site_id": s, "role": "worker"}),
            vec![(Director, 403), (OmachiDirector, 403)],
        ),
        (
            Method::PATCH,
            format!("/api/v1/persons/{admin}"),
            json!({"email": "taken-over-1@evil.example"}),
            vec![(Director, 403)],
        ),
        (
            Method::PATCH,
            format!("/api/v1/persons/{omachi_director}"),
            json!({"email": "taken-over-2@evil.example"}),
            vec![(Director, 403)],
        ),
        (
            Method::POST,
            format!("/api/v1/persons/{omachi_worker2}/roles"),
            json!({"site_id": s, "role": "worker"}),
            vec![(Director, 403), (Admin, 200)],
        ),
        (
            Method::PATCH,
            format!("/api/v1/persons/{omachi_worker2}"),
            json!({"email": "taken-over-3@evil.example"}),
            vec![(Director, 403), (OmachiDirector, 403), (Admin, 200)],
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/teams"),
            Value::Null,
            vec![
                (OmachiWorker, 403),
                (OmachiDirector, 403),
                (Worker, 200),
                (Reception, 200),
            ],
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/clients"),
            Value::Null,
            vec![
                (Worker, 403),
                (Reception, 403),
                (OmachiDirector, 403),
                (Director, 200),
            ],
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/kiosks"),
            Value::Null,
            vec![
                (Worker, 403),
                (Reception, 403),
                (OmachiDirector, 403),
                (Director, 200),
            ],
        ),
        (
            Method::POST,
            format!("/api/v1/sites/{s}/kiosks"),
            json!({"name": "裏口"}),
            vec![(Worker, 403), (OmachiDirector, 403), (Director, 201)],
        ),
    ];
    for (method, path, body, expected) in cases {
        for (who, status) in expected {
            let client = &clients.iter().find(|(w, _)| *w == who).unwrap().1;
            let mut req = client.request(method.clone(), &path);
            if !body.is_null() {
                req = req.json(&body);
            }
            let res = req.sent().await;
            assert_eq!(res.status().as_u16(), status, "{who:?} {method} {path}");
            if status >= 400 {
                let code = if status == 401 {
                    "auth.required"
                } else {
                    "auth.forbidden"
                };
                problem(res, StatusCode::from_u16(status).unwrap(), code).await;
            }
        }
    }
    // The refused password changes did not happen.
    for (email, pw) in [(ADMIN, "taken-over-1"), (OMACHI_DIRECTOR, "taken-over-2")] {
        let res = app
            .guest()
            .post("/api/v1/auth/login")
            .json(&json!({"email": email, "password": pw}))
            .sent()
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{email}");
    }
    // The refused writes changed nothing: one new space, one new person, one new site.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM spaces WHERE name = 'D-99'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM persons WHERE email = 'new1@kado.example'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sites").await, 3);
}

async fn kiosk_token_is_only_good_for_the_kiosk_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.guest();
    let paired: Value = c
        .post("/api/v1/kiosk/pair")
        .json(&json!({"code": kado::demo::KIOSK_CODE}))
        .send_json()
        .await;
    let token = paired["token"].as_str().unwrap().to_string();
    assert_eq!(paired["site"]["id"], SHIOJIRI);
    let me = c.get("/api/v1/kiosk/me").bearer_auth(&token).sent().await;
    assert_eq!(me.status(), StatusCode::OK);
    // The device token is no session: the rest of the API refuses it.
    for path in [
        "/api/v1/sites",
        "/api/v1/persons",
        "/api/v1/auth/me",
        "/api/v1/sites/1/kiosks",
    ] {
        c.get(path)
            .bearer_auth(&token)
            .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
            .await;
    }
    // A person's session is no device token either.
    let director = app.login_as(DIRECTOR).await;
    director
        .get("/api/v1/kiosk/me")
        .send_problem(StatusCode::UNAUTHORIZED, "kiosk.unpaired")
        .await;
    // Only a director of the kiosk's own site may revoke it.
    let omachi = app.login_as(OMACHI_DIRECTOR).await;
    let device = me.json::<Value>().await.unwrap()["device"]["id"]
        .as_i64()
        .unwrap();
    omachi
        .post(&format!("/api/v1/kiosks/{device}/revoke"))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    assert_eq!(
        c.get("/api/v1/kiosk/me")
            .bearer_auth(&token)
            .send_status()
            .await,
        StatusCode::OK
    );
    let res = director
        .post(&format!("/api/v1/kiosks/{device}/revoke"))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    c.get("/api/v1/kiosk/me")
        .bearer_auth(&token)
        .send_problem(StatusCode::UNAUTHORIZED, "kiosk.unpaired")
        .await;
    // The scan resolves its token inside its own transaction: a revoked or made-up token is
    // refused there too, whatever the credential, and nothing is logged.
    let scans = app.count("SELECT COUNT(*) FROM scans").await;
    for bearer in [token.as_str(), "made-up"] {
        for credential in ["x", "PIN:0001:1234"] {
            c.post("/api/v1/kiosk/scan")
                .bearer_auth(bearer)
                .json(&json!({ "credential": credential }))
                .send_problem(StatusCode::UNAUTHORIZED, "kiosk.unpaired")
                .await;
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM scans").await, scans);
}
