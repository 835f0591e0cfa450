//! Payment runs (issue 19, the review's fixes), on both backends: a month's payments listed
//! from its approved timesheets (not from today's grants), a run recorded with the
//! timesheets it pays, the Zengin file and marking paid covering the unpaid months only,
//! concurrent mark-paid paying each timesheet once, paid statements kept as paid (and their
//! month not reopened), and the paid_on date checked.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use crate::pay::{assign, projects, python_rows, remote, tokyo};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Submits and approves a worker's November at Shiojiri; answers the timesheet's id.
async fn approve(worker: &User, director: &User) -> i64 {
    let sheet = worker
        .post(&format!(
            "/api/v1/me/months/2026-11/submit?site_id={SHIOJIRI}"
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
    sheet
}

struct Month {
    app: TestApp,
    director: User,
    workers: [User; 2],
    ids: [i64; 2],
    projects: (i64, i64),
}

/// Two workers with November time on two projects, nothing approved yet; the clock on
/// 2026-12-01 in Tokyo.
async fn november(b: Backend) -> Month {
    let app = TestApp::spawn_at(b, tokyo(2026, 11, 28, 12)).await;
    let director = app.login_as(DIRECTOR).await;
    let one = app.login_as(WORKER).await;
    let two = app.as_worker(2).await;
    let ids = [
        app.person_id(WORKER).await,
        app.person_id(&worker_email(2)).await,
    ];
    let (p1, p2) = projects(&app).await;
    for id in ids {
        assign(&director, id, p1, 1000).await;
        assign(&director, id, p2, 1200).await;
    }
    remote(&one, "2026-11-10", "09:00", "11:00", p1).await; // 2000
    remote(&one, "2026-11-11", "09:00", "10:00", p2).await; // 1200
    remote(&two, "2026-11-12", "09:00", "12:00", p1).await; // 3000
    app.clock.set(tokyo(2026, 12, 1, 10));
    let director = app.login_as(DIRECTOR).await;
    let one = app.login_as(WORKER).await;
    let two = app.as_worker(2).await;
    Month {
        app,
        director,
        workers: [one, two],
        ids,
        projects: (p1, p2),
    }
}

fn payments() -> String {
    format!("/api/v1/sites/{SHIOJIRI}/payments/2026-11")
}

on_both_backends!(a_revoked_worker_stays_in_the_months_payments);

async fn a_revoked_worker_stays_in_the_months_payments(b: Backend) {
    let m = november(b).await;
    approve(&m.workers[0], &m.director).await;
    // The worker's role at the site is withdrawn after the approval.
    sqlx::query("DELETE FROM role_grants WHERE person_id = $1 AND role = 'worker'")
        .bind(m.ids[0])
        .execute(&m.app.db.pool)
        .await
        .unwrap();
    let list: Value = m.director.get(&payments()).send_json().await;
    let row = find(&list["rows"], "person_id", m.ids[0]);
    assert_eq!(row["approved"], true, "{list}");
    assert_eq!(row["amount"], 3200, "{list}");
    assert_eq!(list["amount"], 3200, "{list}");
    let name: String = sqlx::query_scalar("SELECT name FROM persons WHERE id = $1")
        .bind(m.ids[0])
        .fetch_one(&m.app.db.pool)
        .await
        .unwrap();
    assert_eq!(row["name"], name.as_str());
    let csv = m
        .director
        .get(&format!("{}/export.csv", payments()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rows = python_rows(&csv, "utf-8-sig");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[1] == name), "{rows:?}");
}

/// Makes the director an accountant of Shiojiri and sets the paying account and both
/// workers' bank accounts.
async fn accounts(m: &Month) {
    let director_id = m.app.person_id(DIRECTOR).await;
    let res = m
        .app
        .login_as(ADMIN)
        .await
        .put(&format!(
            "/api/v1/sites/{SHIOJIRI}/accountants/{director_id}"
        ))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let payer = json!({"client_code": "1234567890", "holder_kana": "カ)カド センター", "bank_code": "0001", "branch_code": "001", "account_type": "current", "number": "7654321"});
    let res = m
        .director
        .put(&format!("/api/v1/sites/{SHIOJIRI}/payer-account"))
        .json(&payer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for (i, w) in m.workers.iter().enumerate() {
        let res = w
            .put(&format!("/api/v1/people/{}/bank-account", m.ids[i]))
            .json(&json!({"bank_code": "0005", "branch_code": "123", "account_type": "ordinary", "number": format!("00{i}2345"), "holder_kana": "やまだ はなこ"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
}

/// The data records of a Zengin file: (amount, header's transfer day MMDD).
async fn zengin(director: &User, query: &str) -> (Vec<String>, String) {
    let res = director
        .get(&format!("{}/zengin{query}", payments()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let file = res.bytes().await.unwrap();
    let records: Vec<&[u8]> = file
        .split(|b| *b == b'\n')
        .filter(|r| !r.is_empty())
        .collect();
    let day = String::from_utf8_lossy(&records[0][54..58]).to_string();
    let amounts = records
        .iter()
        .filter(|r| r[0] == b'2')
        .map(|r| String::from_utf8_lossy(&r[80..90]).to_string())
        .collect();
    (amounts, day)
}

async fn mark(director: &User, paid_on: &str) -> Value {
    director
        .post(&format!("{}/paid", payments()))
        .json(&json!({ "paid_on": paid_on }))
        .send_json()
        .await
}

on_both_backends!(a_payment_run_pays_the_unpaid_months_once);

async fn a_payment_run_pays_the_unpaid_months_once(b: Backend) {
    let mut m = november(b).await;
    approve(&m.workers[0], &m.director).await;
    accounts(&m).await;
    let (amounts, _) = zengin(&m.director, "").await;
    assert_eq!(amounts, ["0000003200"]);

    // The day paid: not after today in Tokyo, not before the month's close.
    for (day, code) in [
        ("2026-12-02", "pay.paid_on_future"),
        ("2026-11-29", "pay.paid_on_early"),
    ] {
        let p = m
            .director
            .post(&format!("{}/paid", payments()))
            .json(&json!({ "paid_on": day }))
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, code)
            .await;
        assert_eq!(p["errors"][0]["field"], "paid_on", "{p}");
    }
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_runs").await, 0);
    // Today (in Tokyo: 2026-12-01 at 00:30 is still 2026-11-30 in UTC) is fine.
    m.app
        .clock
        .set(tokyo(2026, 12, 1, 0) + chrono::Duration::minutes(30));
    m.director = m.app.login_as(DIRECTOR).await;
    let first = mark(&m.director, "2026-12-01").await;
    assert_eq!(first["runs"].as_array().unwrap().len(), 1, "{first}");
    let run1 = first["runs"][0]["id"].as_i64().unwrap();
    assert_eq!(first["runs"][0]["payments"], 1);
    assert_eq!(first["runs"][0]["total"], 3200);
    assert_eq!(find(&first["rows"], "person_id", m.ids[0])["run_id"], run1);
    assert_eq!(first["unpaid_total"], 0);

    // The second worker's month is approved later: the next file and run hold it only.
    m.app.clock.set(tokyo(2026, 12, 10, 10));
    m.director = m.app.login_as(DIRECTOR).await;
    let two = m.app.as_worker(2).await;
    approve(&two, &m.director).await;
    let (amounts, day) = zengin(&m.director, "").await;
    assert_eq!(amounts, ["0000003000"]);
    assert_eq!(day, "1231", "the due date under the default rule");
    let (amounts, day) = zengin(&m.director, &format!("?run={run1}")).await;
    assert_eq!(amounts, ["0000003200"]);
    assert_eq!(day, "1201", "the run's day");
    m.director
        .get(&format!("{}/zengin?run=999999", payments()))
        .send_problem(StatusCode::NOT_FOUND, "pay.no_run")
        .await;
    let second = mark(&m.director, "2026-12-10").await;
    let runs = second["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{second}");
    assert_eq!(runs[1]["payments"], 1);
    assert_eq!(runs[1]["total"], 3000);
    assert_eq!(runs[1]["paid_on"], "2026-12-10");
    // Marking again pays nothing and records no run.
    let again = mark(&m.director, "2026-12-10").await;
    assert_eq!(again["runs"].as_array().unwrap().len(), 2);
    assert_eq!(
        find(&again["rows"], "person_id", m.ids[0])["paid_on"],
        "2026-12-01"
    );
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_runs").await, 2);
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_payments").await, 2);
    let (amounts, _) = zengin(&m.director, "").await;
    assert!(amounts.is_empty(), "{amounts:?}");

    // The database pays a timesheet once and keeps payments as made.
    let sheet: i64 =
        sqlx::query_scalar("SELECT timesheet_id FROM pay_payments ORDER BY timesheet_id")
            .fetch_one(&m.app.db.pool)
            .await
            .unwrap();
    for sql in [
        "INSERT INTO pay_payments (timesheet_id, paid_on, amount, withholding, marked_by, marked_at) VALUES ($1, '2026-12-10', 1, 0, 1, 0)",
        "UPDATE pay_payments SET amount = 1 WHERE timesheet_id = $1",
        "DELETE FROM pay_payments WHERE timesheet_id = $1",
        "UPDATE pay_payment_lines SET amount = 1 WHERE timesheet_id = $1",
        "DELETE FROM pay_payment_lines WHERE timesheet_id = $1",
        "UPDATE pay_runs SET paid_on = '2026-12-11' WHERE id IN (SELECT run_id FROM pay_payments WHERE timesheet_id = $1)",
    ] {
        let r = sqlx::query(sql).bind(sheet).execute(&m.app.db.pool).await;
        assert!(r.is_err(), "{sql} was allowed");
    }
    if b == Backend::Sqlite {
        let r = sqlx::query("INSERT OR REPLACE INTO pay_payments (timesheet_id, paid_on, amount, withholding, marked_by, marked_at) VALUES ($1, '2026-12-10', 1, 0, 1, 0)")
            .bind(sheet)
            .execute(&m.app.db.pool)
            .await;
        assert!(r.is_err(), "a replacing insert was allowed");
    }
}

on_both_backends!(concurrent_mark_paid_pays_each_month_once);

async fn concurrent_mark_paid_pays_each_month_once(b: Backend) {
    let m = november(b).await;
    approve(&m.workers[0], &m.director).await;
    approve(&m.workers[1], &m.director).await;
    let url = m.director.url(&format!("{}/paid", payments()));
    let answers = futures_join_all((0..8).map(|_| {
        m.director
            .client
            .post(&url)
            .json(&json!({"paid_on": "2026-12-01"}))
            .send()
    }))
    .await;
    for a in answers {
        assert_eq!(a.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_runs").await, 1);
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_payments").await, 2);
    assert_eq!(
        m.app.count("SELECT COUNT(*) FROM pay_payment_lines").await,
        3
    );
}

on_both_backends!(a_paid_statement_stays_as_paid);

async fn a_paid_statement_stays_as_paid(b: Backend) {
    let m = november(b).await;
    let sheet = approve(&m.workers[0], &m.director).await;
    mark(&m.director, "2026-12-01").await;
    let statements = "/api/v1/me/statements?month=2026-11";
    let before: Value = m.workers[0].get(statements).send_json().await;
    assert_eq!(before[0]["paid_on"], "2026-12-01");
    // Then withholding is switched on and the rule changes.
    let res = m
        .director
        .put(&format!("/api/v1/projects/{}/withholding", m.projects.0))
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    m.director
        .put(&format!("/api/v1/sites/{SHIOJIRI}/pay-rule"))
        .json(&json!({"day": 10, "months_after": 1}))
        .send_json()
        .await;
    let after: Value = m.workers[0].get(statements).send_json().await;
    assert_eq!(after, before, "the paid statement is the one paid");
    assert_eq!(after[0]["amount"], 3200);
    assert_eq!(after[0]["withholding"], 0);
    assert_eq!(after[0]["due_on"], "2026-12-31");
    let one = find(&after[0]["projects"], "project_id", m.projects.0);
    assert_eq!(one["amount"], 2000);
    assert_eq!(
        one["rates"],
        json!([{"yen_per_hour": 1000, "minutes": 120}])
    );
    let list: Value = m.director.get(&payments()).send_json().await;
    assert_eq!(find(&list["rows"], "person_id", m.ids[0])["withholding"], 0);

    // A paid month is not reopened: a clear 409, not a 500.
    m.director
        .post(&format!("/api/v1/timesheets/{sheet}/reopen"))
        .json(&json!({"comment": "a correction"}))
        .send_problem(StatusCode::CONFLICT, "attendance.month_paid")
        .await;
    let status: String = sqlx::query_scalar("SELECT status FROM timesheets WHERE id = $1")
        .bind(sheet)
        .fetch_one(&m.app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "approved");
}
