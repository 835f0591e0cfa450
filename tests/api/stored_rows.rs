//! A stored value that does not parse (a site's JSON settings, a closed day, a space's
//! attributes) is an error naming its row, never a silent default.

use crate::harness::*;
use crate::on_both_backends;
use reqwest::StatusCode;

on_both_backends!(
    a_site_whose_stored_hours_do_not_parse_is_an_error_naming_it,
    a_stored_exception_that_does_not_parse_is_an_error_naming_it,
    stored_space_attributes_that_do_not_parse_are_an_error_naming_the_space
);

/// Corrupts a row behind the service's back, as a bad migration or a hand edit would.
async fn corrupt(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.db.pool).await.unwrap();
}

/// The request answers 500 `internal`, and the log names what did not parse.
async fn fails_naming(app: &TestApp, path: &str, named: &str) {
    let logs = captured_logs();
    let c = app.login(DIRECTOR).await;
    let res = c.get(app.url(path)).send().await.unwrap();
    problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    let text = logs.lock().unwrap().clone();
    assert!(text.contains(named), "the log does not name {named:?}");
}

async fn a_site_whose_stored_hours_do_not_parse_is_an_error_naming_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    corrupt(
        &app,
        "UPDATE sites SET opening_hours = '{\"mon\": 9}' WHERE id = 1",
    )
    .await;
    let named = "sites row 1: opening_hours do not parse";
    fails_naming(&app, "/api/v1/sites/1", named).await;
}

async fn a_stored_exception_that_does_not_parse_is_an_error_naming_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    corrupt(
        &app,
        "INSERT INTO site_exceptions (site_id, day, open, note) VALUES (1, '2026-13-45', 0, '')",
    )
    .await;
    let named = "site_exceptions row (1, 2026-13-45) does not parse";
    fails_naming(&app, "/api/v1/sites/1/exceptions", named).await;
}

async fn stored_space_attributes_that_do_not_parse_are_an_error_naming_the_space(b: Backend) {
    let app = TestApp::spawn(b).await;
    let space: i64 = sqlx::query_scalar("SELECT MIN(id) FROM spaces WHERE site_id = 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    corrupt(
        &app,
        &format!("UPDATE spaces SET attributes = 'monitor' WHERE id = {space}"),
    )
    .await;
    let named = format!("spaces row {space}: attributes do not parse");
    fails_naming(&app, &format!("/api/v1/spaces/{space}"), &named).await;
}
