//! One place computes a month (issue 19), on both backends: on hand-made data (a rate
//! changing mid-month, withholding on one project, two workers), each worker's statement,
//! the director's payments of the month, the CSV export and the attendance month list agree;
//! and the lists, which reuse a month built before, never show one older than a write that
//! preceded the read: through the API, a direct write to the tables, a project renamed.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use crate::pay::{assign, projects, python_rows, remote, tokyo};
use serde_json::{Value, json};

async fn submit(user: &User) -> i64 {
    user.post(&format!(
        "/api/v1/me/months/2026-11/submit?site_id={SHIOJIRI}"
    ))
    .send_json()
    .await["timesheet_id"]
        .as_i64()
        .unwrap()
}

/// The CSV export's rows of a person: (project, minutes, amount, withholding, total).
fn csv_of(rows: &[Vec<String>], name: &str) -> Vec<(String, i64, i64, i64, i64)> {
    let n = |s: &str| s.parse::<i64>().unwrap();
    rows.iter()
        .skip(1)
        .filter(|r| r[1] == name)
        .map(|r| (r[5].clone(), n(&r[6]), n(&r[9]), n(&r[10]), n(&r[11])))
        .collect()
}

on_both_backends!(the_statement_the_payments_and_the_exports_agree);

async fn the_statement_the_payments_and_the_exports_agree(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(2026, 11, 28, 12)).await;
    let director = app.login_as(DIRECTOR).await;
    let (w1, w2) = (app.login_as(WORKER).await, app.as_worker(2).await);
    let ids = [
        app.person_id(WORKER).await,
        app.person_id(&worker_email(2)).await,
    ];
    let (p1, p2) = projects(&app).await;
    let a1 = assign(&director, ids[0], p1, 1000).await;
    assign(&director, ids[0], p2, 1234).await;
    assign(&director, ids[1], p1, 1500).await;
    director
        .post(&format!("/api/v1/assignments/{a1}/rates"))
        .json(&json!({"starts_on": "2026-11-16", "yen_per_hour": 1100}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    director
        .put(&format!("/api/v1/projects/{p2}/withholding"))
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    let payments = format!("/api/v1/sites/{SHIOJIRI}/payments/2026-11");
    let months = format!("/api/v1/sites/{SHIOJIRI}/months/2026-11");
    // The lists read (and keep) the months before each write below.
    let _: Value = director.get(&payments).send_json().await;
    remote(&w1, "2026-11-10", "09:00", "10:31", p1).await; // 91 min at 1000
    let _: Value = director.get(&months).send_json().await;
    remote(&w1, "2026-11-20", "09:00", "10:07", p1).await; // 67 min at 1100
    remote(&w1, "2026-11-12", "13:00", "21:13", p2).await; // 493 min at 1234, withheld
    let _: Value = director.get(&payments).send_json().await;
    remote(&w2, "2026-11-13", "09:00", "11:59", p1).await; // 179 min at 1500
    let list: Value = director.get(&months).send_json().await;
    assert_eq!(find(&list, "person_id", ids[1])["total_minutes"], 179);
    assert_eq!(find(&list, "person_id", ids[0])["total_minutes"], 651);

    app.clock.set(tokyo(2026, 12, 1, 10));
    for user in [&w1, &w2] {
        let sheet = submit(user).await;
        let _: Value = director.get(&payments).send_json().await;
        director
            .post(&format!("/api/v1/timesheets/{sheet}/approve"))
            .json(&json!({"comment": ""}))
            .send_json()
            .await;
    }
    // A project renamed behind the lists' back: every view shows the new name.
    sqlx::query("UPDATE client_projects SET name = 'renamed project' WHERE id = $1")
        .bind(p2)
        .execute(&app.db.pool)
        .await
        .unwrap();

    let list: Value = director.get(&payments).send_json().await;
    let csv = director
        .get(&format!("{payments}/export.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rows = python_rows(&csv, "utf-8-sig");
    let months: Value = director.get(&months).send_json().await;
    let mut totals = Vec::new();
    for (user, id) in [(&w1, ids[0]), (&w2, ids[1])] {
        let s: Value = user
            .get("/api/v1/me/statements?month=2026-11")
            .send_json()
            .await;
        let s = &s[0];
        let row = find(&list["rows"], "person_id", id);
        assert_eq!(row["approved"], true, "{list}");
        for k in ["amount", "withholding", "total"] {
            assert_eq!(row[k], s[k], "{k} of {id}: {row} / {s}");
        }
        assert_eq!(row["minutes"], s["minutes"]);
        let m = find(&months, "person_id", id);
        assert_eq!(m["total_minutes"], s["minutes"]);
        assert_eq!(m["status"], "approved");
        let name = row["name"].as_str().unwrap();
        let mut lines = csv_of(&rows, name);
        lines.sort();
        let mut want: Vec<(String, i64, i64, i64, i64)> = s["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let n = |k: &str| p[k].as_i64().unwrap();
                let name = p["name"].as_str().unwrap().to_string();
                (
                    name,
                    n("minutes"),
                    n("amount"),
                    n("withholding"),
                    n("total"),
                )
            })
            .collect();
        want.sort();
        assert_eq!(lines, want, "{name}");
        totals.push((
            s["amount"].as_i64().unwrap(),
            s["withholding"].as_i64().unwrap(),
            s["total"].as_i64().unwrap(),
        ));
    }
    // By hand: p1 ⌊91 × 1000 / 60 + 67 × 1100 / 60⌋ = ⌊1516.67 + 1228.33⌋ = 2745; p2
    // ⌊493 × 1234 / 60⌋ = 10139, withheld ⌊10139 × 10.21 %⌋ = 1035; worker 2 ⌊179 × 1500 / 60⌋ = 4475.
    assert_eq!(totals, [(12884, 1035, 11849), (4475, 0, 4475)]);
    assert!(rows.iter().any(|r| r[5] == "renamed project"), "{rows:?}");
    assert_eq!(list["amount"], 12884 + 4475);
    assert_eq!(list["withholding"], 1035);
}

on_both_backends!(a_month_list_never_shows_a_month_older_than_a_write);

async fn a_month_list_never_shows_a_month_older_than_a_write(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(2026, 11, 28, 12)).await;
    let director = app.login_as(DIRECTOR).await;
    let w3 = app.as_worker(3).await;
    let id = app.person_id(&worker_email(3)).await;
    let (p1, _) = projects(&app).await;
    assign(&director, id, p1, 1000).await;
    let months = format!("/api/v1/sites/{SHIOJIRI}/months/2026-11");
    let minutes = |list: &Value| find(list, "person_id", id)["total_minutes"].clone();
    remote(&w3, "2026-11-10", "09:00", "10:00", p1).await;
    assert_eq!(minutes(&director.get(&months).send_json().await), 60);
    // A write straight to the table (not through the service): its trigger draws the
    // person's version again in the same statement.
    sqlx::query(
        "UPDATE time_entries SET ends_at = ends_at + 600
          WHERE timesheet_id IN (SELECT id FROM timesheets WHERE person_id = $1)",
    )
    .bind(id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(minutes(&director.get(&months).send_json().await), 70);
    sqlx::query(
        "DELETE FROM time_entries
          WHERE timesheet_id IN (SELECT id FROM timesheets WHERE person_id = $1)",
    )
    .bind(id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(minutes(&director.get(&months).send_json().await), 0);
    // A session from the kiosk's table, open (counts up to now, never kept) then closed.
    let at = tokyo(2026, 11, 27, 9).timestamp();
    sqlx::query(
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at) VALUES ($1, $2, $3)",
    )
    .bind(SHIOJIRI)
    .bind(id)
    .bind(at)
    .execute(&app.db.pool)
    .await
    .unwrap();
    app.clock.set(tokyo(2026, 11, 27, 10));
    assert_eq!(minutes(&director.get(&months).send_json().await), 60);
    app.clock.set(tokyo(2026, 11, 27, 11));
    assert_eq!(minutes(&director.get(&months).send_json().await), 120);
    sqlx::query("UPDATE presence_sessions SET checked_out_at = $1 WHERE person_id = $2")
        .bind(at + 30 * 60)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(minutes(&director.get(&months).send_json().await), 30);
    assert_eq!(minutes(&director.get(&months).send_json().await), 30);
}
