//! The web edge: control characters in text.

use crate::harness::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(control_characters_are_refused_in_every_kind_of_text);

/// Asserts a 422 naming the field with the control character.
async fn refused(res: reqwest::Response, field: &str) {
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(body["errors"][0]["field"], field, "{body}");
    assert_eq!(
        body["errors"][0]["code"], "validation.control_character",
        "{body}"
    );
}

async fn control_characters_are_refused_in_every_kind_of_text(b: Backend) {
    let app = TestApp::spawn(b).await;
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
    let anon = app.anonymous();
    let res = anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": WORKER, "password": "kado\u{0}demo"}))
        .send()
        .await
        .unwrap();
    refused(res, "password").await;
    let res = anon
        .post(app.url("/api/v1/kiosk/pair"))
        .json(&json!({"code": "2026\u{0}2026"}))
        .send()
        .await
        .unwrap();
    refused(res, "code").await;

    let worker = app.login(WORKER).await;
    let res = worker
        .post(app.url("/api/v1/children"))
        .json(&json!({"name": "塩尻 はると", "birth_date": "2024-04-01",
                      "allergies": "卵", "medical_notes": "nap\u{0}after lunch"}))
        .send()
        .await
        .unwrap();
    refused(res, "medical_notes").await;
    let children: Value = worker.get(app.url("/api/v1/children")).send_json().await;
    let child = children[0]["id"].as_i64().unwrap();
    let res = worker
        .post(app.url(&format!("/api/v1/children/{child}/authorised")))
        .json(&json!({"name": "祖母\u{1b}", "relation": "祖母", "phone": "0263-00-0000"}))
        .send()
        .await
        .unwrap();
    refused(res, "name").await;
    // DEL, and a text in a list: the field path names the element.
    let res = worker
        .post(app.url("/api/v1/bookings"))
        .json(
            &json!({"site_id": SHIOJIRI, "date": "2030-01-08", "start": "09:00",
                      "end": "10:00", "attributes": ["monitor", "quiet\u{7f}"]}),
        )
        .send()
        .await
        .unwrap();
    refused(res, "attributes[1]").await;
    // Query and path parameters too.
    let res = worker
        .get(app.url("/api/v1/sites/1/calendar?from=2026-01-01%00&to=2026-01-31"))
        .send()
        .await
        .unwrap();
    refused(res, "from").await;
    let res = worker
        .get(app.url("/api/v1/calendar/abc%00.ics"))
        .send()
        .await
        .unwrap();
    refused(res, "file").await;

    let director = app.login(DIRECTOR).await;
    let res = director
        .post(app.url("/api/v1/sites/1/teams"))
        .json(&json!({"name": "チーム\u{0}"}))
        .send()
        .await
        .unwrap();
    refused(res, "name").await;
    let res = director
        .post(app.url("/api/v1/sites/1/spaces"))
        .header("Accept-Language", "en")
        .json(&json!({"kind": "desk", "name": "D-\u{8}99"}))
        .send()
        .await
        .unwrap();
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Control characters"),
        "{body}"
    );
    let res = director
        .post(app.url("/api/v1/sites/1/kiosks"))
        .json(&json!({"name": "入口\u{0}"}))
        .send()
        .await
        .unwrap();
    refused(res, "name").await;
    let res = director
        .put(app.url("/api/v1/sites/1/exceptions/2030-01-09"))
        .json(&json!({"open": false, "note": "点検\u{0}"}))
        .send()
        .await
        .unwrap();
    refused(res, "note").await;
    // Tabs and line breaks are text, not control.
    let ok = director
        .put(app.url("/api/v1/sites/1/exceptions/2030-01-09"))
        .json(&json!({"open": false, "note": "点検\tA棟\r\n午後"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    let mut after = Vec::new();
    for sql in counted {
        after.push(app.count(sql).await);
    }
    before[4] += 1; // the one note with a tab and a line break
    assert_eq!(before, after, "nothing refused was stored");
}
