//! Every refusal the booking area answers carries a code of the OpenAPI document's catalogue
//! (`ErrorCode`), with its placeholders filled in both languages.

use crate::harness::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(booking_refusals_are_catalogued_with_filled_texts);

async fn catalogue(app: &TestApp) -> Vec<String> {
    let spec = app
        .anonymous()
        .get(app.url("/api/openapi.json"))
        .send_json()
        .await;
    spec["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("the ErrorCode enum")
        .iter()
        .map(|c| c.as_str().unwrap_or_default().to_string())
        .collect()
}

async fn booking_refusals_are_catalogued_with_filled_texts(b: Backend) {
    let app = TestApp::spawn(b).await;
    // Friday 2026-11-20, 09:00 in Tokyo.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap());
    let codes = catalogue(&app).await;
    let worker = app.login(WORKER).await;
    let other = app.login("worker02@kado.example").await;
    let d01: i64 = sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = $1 AND name = 'D-01'")
        .bind(SHIOJIRI)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let desk = |date: &str, start: &str, end: &str| json!({"site_id": SHIOJIRI, "space_id": d01, "date": date, "start": start, "end": end});
    let made = worker
        .post(app.url("/api/v1/bookings"))
        .json(&desk("2026-11-24", "09:00", "12:00"))
        .send_json()
        .await;
    let id = made["booking"]["id"].as_i64().unwrap();
    // (who, method and path, body, status, code)
    let series = json!({"site_id": SHIOJIRI, "weekdays": ["tue"], "start": "09:00", "end": "12:00",
        "from": "2026-11-24", "count": 2, "space_id": d01, "mode": "all_or_nothing"});
    let cases: [(&reqwest::Client, &str, String, Value, u16, &str); 7] = [
        (
            &worker,
            "POST",
            "/api/v1/bookings".into(),
            desk("2026-11-23", "09:00", "12:00"),
            409,
            "booking.closed_day",
        ),
        (
            &worker,
            "POST",
            "/api/v1/bookings".into(),
            desk("2026-11-24", "07:00", "09:00"),
            409,
            "booking.outside_opening_hours",
        ),
        (
            &worker,
            "POST",
            "/api/v1/bookings".into(),
            desk("2026-12-22", "09:00", "12:00"),
            409,
            "booking.too_far_ahead",
        ),
        (
            &other,
            "POST",
            "/api/v1/bookings".into(),
            desk("2026-11-24", "10:00", "11:00"),
            409,
            "booking.overlap",
        ),
        (
            &other,
            "POST",
            "/api/v1/booking-series".into(),
            series,
            409,
            "booking.series_conflict",
        ),
        (
            &worker,
            "POST",
            format!("/api/v1/bookings/{id}/check-in"),
            json!({}),
            403,
            "auth.forbidden",
        ),
        (
            &worker,
            "GET",
            "/api/v1/bookings?from=2026-01-01&to=2027-12-31".into(),
            Value::Null,
            422,
            "validation",
        ),
    ];
    for (who, method, path, body, status, code) in cases {
        for lang in ["ja", "en"] {
            let req = match method {
                "GET" => who.get(app.url(&path)),
                _ => who.post(app.url(&path)).json(&body),
            };
            let res = req.header("Accept-Language", lang).send().await.unwrap();
            let status = StatusCode::from_u16(status).unwrap();
            let p = problem(res, status, code).await;
            assert!(
                codes.contains(&code.to_string()),
                "{code} is not in the catalogue"
            );
            let field_codes = p["errors"].as_array().cloned().unwrap_or_default();
            for e in &field_codes {
                let c = e["code"].as_str().unwrap_or_default();
                assert!(
                    codes.contains(&c.to_string()),
                    "{c} is not in the catalogue: {p}"
                );
                assert!(!e["message"].as_str().unwrap_or("{").contains('{'), "{p}");
            }
            assert!(
                !p["detail"].as_str().unwrap().contains('{'),
                "unfilled text: {p}"
            );
        }
    }
    // The filled texts read as before.
    let res = worker
        .post(app.url("/api/v1/bookings"))
        .header("Accept-Language", "en")
        .json(&desk("2026-11-24", "07:00", "09:00"))
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::CONFLICT, "booking.outside_opening_hours").await;
    assert_eq!(
        p["detail"],
        "Book within the opening hours (8:30–18:00 that day)."
    );
    assert_eq!(p["errors"][0]["field"], "start");
}
