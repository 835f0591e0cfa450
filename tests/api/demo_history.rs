//! The demo's last two months and today's childcare (what `cargo run` shows a newcomer), on
//! both backends: loaded on a Tuesday morning, October is approved and paid, November
//! approved and due, every statement's amount is its minutes at the demo's rate, and the
//! caregivers' tablet lists the four guardians' five children as expected today.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use serde_json::Value;

on_both_backends!(the_demo_has_paid_and_due_months_and_children_today);

async fn the_demo_has_paid_and_due_months_and_children_today(b: Backend) {
    let (url, _dir) = fresh_database(b).await;
    let app = TestApp::spawn_configured(&url, |c| {
        c.demo_history = true;
        // Tuesday 2026-12-01, 09:30 in Shiojiri.
        c.clock_start = Some("2026-12-01T00:30:00Z".into());
    })
    .await;
    let director = app.login_as(DIRECTOR).await;
    let assigned: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT person_id) FROM assignments")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(assigned >= 10, "{assigned}");

    for (month, paid) in [("2026-10", true), ("2026-11", false)] {
        let list: Value = director
            .get(&format!("/api/v1/sites/{SHIOJIRI}/payments/{month}"))
            .send_json()
            .await;
        let rows = list["rows"].as_array().unwrap();
        let approved: Vec<&Value> = rows.iter().filter(|r| r["approved"] == true).collect();
        assert_eq!(approved.len() as i64, assigned, "{month}: {list}");
        for r in approved {
            let minutes = r["minutes"].as_i64().unwrap();
            assert!(minutes > 0, "{r}");
            // The demo's rate: 1,000 yen an hour, floored per project and month.
            assert_eq!(r["amount"].as_i64().unwrap(), minutes * 1000 / 60, "{r}");
            assert_eq!(r["paid_on"].is_string(), paid, "{month}: {r}");
        }
    }

    let worker = app.as_worker(1).await;
    let october: Value = worker
        .get("/api/v1/me/statements?month=2026-10")
        .send_json()
        .await;
    assert_eq!(october[0]["paid_on"], "2026-11-25", "{october}");
    assert_eq!(october[0]["due_on"], "2026-11-25", "{october}");

    let caregiver = app.login_as(CAREGIVER).await;
    let day: Value = caregiver
        .get("/api/v1/sites/1/childcare/tablet?date=2026-12-01")
        .send_json()
        .await;
    let children = day["children"].as_array().unwrap();
    assert_eq!(children.len(), 5, "{day}");
    assert!(children.iter().all(|c| c["status"] == "expected"), "{day}");
}
