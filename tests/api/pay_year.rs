//! A worker's fiscal year (issue 19), on both backends: April to March by the day paid, the
//! current one as of today in Japan (not in UTC) at the March 31 / April 1 boundary.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use crate::pay::{assign, projects, remote, tokyo};
use serde_json::{Value, json};

async fn approve(app: &TestApp, month: &str) {
    let worker = app.login_as(WORKER).await;
    let director = app.login_as(DIRECTOR).await;
    let sheet = worker
        .post(&format!(
            "/api/v1/me/months/{month}/submit?site_id={SHIOJIRI}"
        ))
        .send_json()
        .await["timesheet_id"]
        .as_i64()
        .unwrap();
    director
        .post(&format!("/api/v1/timesheets/{sheet}/approve"))
        .json(&json!({"comment": ""}))
        .send_json()
        .await;
}

async fn pay(app: &TestApp, month: &str, day: &str) {
    app.login_as(DIRECTOR)
        .await
        .post(&format!("/api/v1/sites/{SHIOJIRI}/payments/{month}/paid"))
        .json(&json!({ "paid_on": day }))
        .send_json()
        .await;
}

on_both_backends!(the_fiscal_year_turns_on_april_first_in_japan);

async fn the_fiscal_year_turns_on_april_first_in_japan(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(2026, 11, 28, 12)).await;
    let director = app.login_as(DIRECTOR).await;
    let me = app.person_id(WORKER).await;
    let (p1, _) = projects(&app).await;
    assign(&director, me, p1, 1000).await;
    remote(
        &app.login_as(WORKER).await,
        "2026-11-10",
        "09:00",
        "11:00",
        p1,
    )
    .await; // 2000
    app.clock.set(tokyo(2026, 12, 3, 10));
    approve(&app, "2026-11").await;
    remote(
        &app.login_as(WORKER).await,
        "2026-12-02",
        "09:00",
        "10:00",
        p1,
    )
    .await; // 1000
    app.clock.set(tokyo(2027, 1, 4, 10));
    approve(&app, "2026-12").await;
    app.clock.set(tokyo(2027, 3, 31, 10));
    pay(&app, "2026-11", "2027-03-31").await;
    app.clock.set(tokyo(2027, 4, 1, 9));
    pay(&app, "2026-12", "2027-04-01").await;

    let year = "/api/v1/me/fiscal-year";
    // 23:59 on March 31 in Japan: the year that began in April 2026.
    app.clock
        .set(tokyo(2027, 3, 31, 23) + chrono::Duration::minutes(59));
    let worker = app.login_as(WORKER).await;
    let y: Value = worker.get(year).send_json().await;
    assert_eq!(y["fiscal_year"], 2026, "{y}");
    assert_eq!(y["first_day"], "2026-04-01");
    assert_eq!(y["last_day"], "2027-03-31");
    assert_eq!(y["total"], 2000, "{y}");
    assert_eq!(y["payments"][0]["month"], "2026-11");
    // 00:00 on April 1 in Japan (still March 31 in UTC): the next year.
    app.clock.set(tokyo(2027, 4, 1, 0));
    let worker = app.login_as(WORKER).await;
    let y: Value = worker.get(year).send_json().await;
    assert_eq!(y["fiscal_year"], 2027, "{y}");
    assert_eq!(y["total"], 1000, "{y}");
    assert_eq!(y["payments"][0]["paid_on"], "2027-04-01");
    let y: Value = worker.get(&format!("{year}?year=2026")).send_json().await;
    assert_eq!(y["total"], 2000, "{y}");
    worker
        .get(&format!("{year}?year=1999"))
        .send_problem(reqwest::StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    // Another worker's year is their own: nothing.
    let other: Value = app
        .as_worker(2)
        .await
        .get(&format!("{year}?year=2026"))
        .send_json()
        .await;
    assert_eq!(other["total"], 0);
    assert_eq!(other["payments"], json!([]));
}
