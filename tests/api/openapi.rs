//! The OpenAPI document lists the error answers of every operation, and the errors the
//! service really sends are among those listed; Swagger UI is served from the binary.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    every_operation_lists_its_problem_answers,
    real_errors_are_listed_answers,
    swagger_ui_is_served_from_the_binary
);

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

async fn spec(app: &TestApp) -> Value {
    app.guest().get("/api/openapi.json").send_json().await
}

async fn every_operation_lists_its_problem_answers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let spec = spec(&app).await;
    let problem = &spec["components"]["schemas"]["Problem"];
    for field in ["type", "status", "title", "code", "detail"] {
        assert!(
            problem["required"]
                .as_array()
                .unwrap()
                .contains(&json!(field)),
            "Problem requires {field}: {problem}"
        );
    }
    // Clients discover the codes: `code` is the enum of every catalogued code.
    assert_eq!(
        problem["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode",
        "{problem}"
    );
    let listed: Vec<&str> = spec["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let catalogue: Vec<&str> = kado::error_codes().iter().map(|c| c.code).collect();
    assert_eq!(listed, catalogue);
    for code in [
        "validation",
        "auth.required",
        "booking.overlap",
        "childcare.full",
        "kiosk.unpaired",
    ] {
        assert!(listed.contains(&code), "{code} is not listed");
    }
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let name = format!("{} {path}", method.to_uppercase());
            let answers = op["responses"].as_object().unwrap();
            let errors: Vec<&String> = answers
                .keys()
                .filter(|s| s.starts_with('4') || s.starts_with('5'))
                .collect();
            // Only the clock takes nothing, needs nothing and reads no database.
            assert!(
                !errors.is_empty() || path == "/api/v1/time",
                "{name} lists no error answer"
            );
            for status in errors {
                assert_eq!(
                    answers[status]["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{name} answers {status} without the Problem schema"
                );
                assert!(
                    answers[status]["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{name} {status} has no description"
                );
            }
            let public = op["security"] == json!([{}]);
            if !public {
                assert!(answers.contains_key("401"), "{name}: 401");
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params.iter().any(|p| p["in"] == "path") {
                // 422: path text with control characters is refused at the edge.
                for status in ["404", "422"] {
                    assert!(answers.contains_key(status), "{name}: {status}");
                }
            }
            if op["requestBody"]["content"]["application/json"].is_object() {
                for status in ["400", "415", "422"] {
                    assert!(answers.contains_key(status), "{name}: {status}");
                }
            }
            if method != "get" {
                assert!(answers.contains_key("403"), "{name}: 403");
            }
        }
    }
    assert!(operations > 80, "only {operations} operations");
    // Answers a handler describes itself keep their words.
    assert_eq!(
        spec["paths"]["/api/v1/booking-series"]["post"]["responses"]["409"]["description"],
        "booking.series_conflict (all_or_nothing): `errors` lists each date"
    );
    let login = &spec["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(
        login["429"]["headers"]["Retry-After"].is_object(),
        "{login}"
    );
}

/// Sends requests that fail in the ways the document describes, and checks that each answer
/// is a problem whose status the operation lists.
async fn real_errors_are_listed_answers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let spec = spec(&app).await;
    let worker = app.login_as(WORKER).await;
    let anonymous = app.guest();
    // (who, method, documented path, sent path, JSON body, expected status)
    let cases = [
        (
            &anonymous,
            "get",
            "/api/v1/bookings",
            "/api/v1/bookings",
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            &worker,
            "get",
            "/api/v1/persons",
            "/api/v1/persons",
            None,
            StatusCode::FORBIDDEN,
        ),
        (
            &worker,
            "get",
            "/api/v1/spaces/{id}",
            "/api/v1/spaces/999999",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &worker,
            "get",
            "/api/v1/sites/{id}",
            "/api/v1/sites/x",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            &worker,
            "post",
            "/api/v1/bookings",
            "/api/v1/bookings",
            Some("{"),
            StatusCode::BAD_REQUEST,
        ),
        (
            &worker,
            "post",
            "/api/v1/children",
            "/api/v1/children",
            Some("{}"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &worker,
            "get",
            "/api/v1/bookings",
            "/api/v1/bookings?from=yesterday",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &worker,
            "post",
            "/api/v1/outbox/{id}/retry",
            "/api/v1/outbox/%01/retry",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (client, method, template, path, body, expected) in cases {
        let mut req = client.request(method.to_uppercase().parse().unwrap(), path);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let res = req.sent().await;
        assert_eq!(res.status(), expected, "{method} {path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(ct, "application/problem+json", "{method} {path}");
        let listed = &spec["paths"][template][method]["responses"][expected.as_str()];
        assert!(
            listed.is_object(),
            "{method} {template} does not list {expected}"
        );
    }
    // A JSON body sent as something else.
    worker
        .post("/api/v1/children")
        .header("content-type", "text/plain")
        .body("{}")
        .send_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "request.content_type")
        .await;
    assert!(spec["paths"]["/api/v1/children"]["post"]["responses"]["415"].is_object());
}

async fn swagger_ui_is_served_from_the_binary(b: Backend) {
    let app = TestApp::spawn(b).await;
    let c = app.guest();
    let res = c.get("/api/docs/").sent().await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-initializer.js",
    ] {
        let res = c.get(&format!("/api/docs/{asset}")).sent().await;
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
        let body = res.text().await.unwrap();
        assert!(body.len() > 100, "{asset}");
        if asset == "swagger-initializer.js" {
            assert!(body.contains("/api/openapi.json"), "{body}");
        }
    }
    // The old hand-written viewer is gone: /api/docs is Swagger UI.
    let res = c.get("/api/docs").sent().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("swagger-ui"));
}
