//! Paying approved months (issue 19), on both backends: the payment rule and its 60-day
//! refusal, amounts with a rate changing mid-month and withholding on one project, the
//! worker's statement (approved months only, with the invoice number), the director's
//! payments and warnings, marking paid twice, and who sees nothing of it.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The two demo projects, with the demo's assignments removed (each test assigns its own).
pub async fn projects(app: &TestApp) -> (i64, i64) {
    for table in ["assignment_rates", "assignments"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM client_projects ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    (ids[0], ids[1])
}

pub async fn assign(director: &User, person: i64, project: i64, yen: i64) -> i64 {
    let made: Value = director
        .post(&format!("/api/v1/sites/{SHIOJIRI}/assignments"))
        .json(&json!({"person_id": person, "project_id": project, "starts_on": "2026-11-01", "yen_per_hour": yen}))
        .send_json()
        .await;
    made["id"].as_i64().unwrap()
}

pub async fn remote(user: &User, date: &str, start: &str, end: &str, project: i64) {
    user.post(&format!("/api/v1/me/time-entries?site_id={SHIOJIRI}"))
        .json(&json!({"kind": "remote", "date": date, "start": start, "end": end, "project_id": project, "note": "work"}))
        .send_json()
        .await;
}

pub fn tokyo(y: i32, m: u32, d: u32, h: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap() - chrono::Duration::hours(9)
}

/// The CSV file read back by Python's csv module in an encoding.
pub fn python_rows(bytes: &[u8], encoding: &str) -> Vec<Vec<String>> {
    serde_json::from_value(python_reads(
        bytes,
        "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding=sys.argv[2], newline='')))))",
        &[encoding],
    ))
    .unwrap()
}

on_both_backends!(an_approved_month_is_paid);

async fn an_approved_month_is_paid(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(2026, 11, 28, 12)).await;
    let director = app.login_as(DIRECTOR).await;
    let worker = app.login_as(WORKER).await;
    let other = app.as_worker(2).await;
    let me = app.person_id(WORKER).await;
    let two = app.person_id(&worker_email(2)).await;
    let (p1, p2) = projects(&app).await;
    let a1 = assign(&director, me, p1, 1000).await;
    assign(&director, me, p2, 1200).await;
    assign(&director, two, p1, 1000).await;
    // p1's rate changes on the 16th.
    director
        .post(&format!("/api/v1/assignments/{a1}/rates"))
        .json(&json!({"starts_on": "2026-11-16", "yen_per_hour": 1100}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    remote(&worker, "2026-11-10", "09:00", "10:30", p1).await; // 90 min at 1000
    remote(&worker, "2026-11-20", "09:00", "10:00", p1).await; // 60 min at 1100
    remote(&worker, "2026-11-12", "13:00", "13:07", p2).await; // 7 min at 1200: 140 yen
    remote(&other, "2026-11-11", "09:00", "10:00", p1).await; // never approved

    // The payment rule: two months after on the 29th is day 61 from a close; the 25th of
    // the next month is fine.
    let rule = format!("/api/v1/sites/{SHIOJIRI}/pay-rule");
    let got: Value = director.get(&rule).send_json().await;
    assert_eq!(got["is_default"], true);
    let p = director
        .put(&rule)
        .json(&json!({"day": 29, "months_after": 2}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "pay.too_late")
        .await;
    assert_eq!(p["errors"][0]["field"], "day", "{p}");
    assert_eq!(p["errors"][0]["code"], "pay.too_late", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("2027-04-29"), "{p}");
    for (day, after, field, code) in [
        (0, 1, "day", "pay.bad_pay_day"),
        (32, 1, "day", "pay.bad_pay_day"),
        (10, 3, "months_after", "pay.bad_months_after"),
    ] {
        let p = director
            .put(&rule)
            .json(&json!({"day": day, "months_after": after}))
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, code)
            .await;
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let set: Value = director
        .put(&rule)
        .json(&json!({"day": 25, "months_after": 1}))
        .send_json()
        .await;
    assert_eq!(set["day"], 25);
    // Withholding on p2 only.
    let res = director
        .put(&format!("/api/v1/projects/{p2}/withholding"))
        .json(&json!({"on": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // The invoice number: T and 13 digits.
    let inv = "/api/v1/me/invoice-number";
    let p = worker
        .put(inv)
        .json(&json!({"invoice_number": "T123"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "pay.bad_invoice_number")
        .await;
    assert_eq!(p["errors"][0]["field"], "invoice_number", "{p}");
    assert_eq!(
        worker
            .put(inv)
            .json(&json!({"invoice_number": "T1234567890123"}))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );

    // Not approved: no statement; the director's list shows the month without amounts.
    let statements = "/api/v1/me/statements?month=2026-11";
    assert_eq!(worker.get(statements).send_json().await, json!([]));
    app.clock.set(tokyo(2026, 12, 1, 10));
    let sheet = worker
        .post(&format!(
            "/api/v1/me/months/2026-11/submit?site_id={SHIOJIRI}"
        ))
        .send_json()
        .await["timesheet_id"]
        .as_i64()
        .unwrap();
    let payments = format!("/api/v1/sites/{SHIOJIRI}/payments/2026-11");
    let list: Value = director.get(&payments).send_json().await;
    let row = find(&list["rows"], "person_id", me);
    assert_eq!(row["approved"], false, "{list}");
    assert_eq!(row["amount"], Value::Null);
    assert_eq!(row["minutes"], 157);
    director
        .post(&format!("/api/v1/timesheets/{sheet}/approve"))
        .json(&json!({"comment": ""}))
        .send_json()
        .await;

    // The statement: per project, the rate of each day, floored per project and month.
    let s: Value = worker.get(statements).send_json().await;
    assert_eq!(s.as_array().unwrap().len(), 1, "{s}");
    let s = &s[0];
    let one = find(&s["projects"], "project_id", p1);
    assert_eq!(one["minutes"], 150);
    assert_eq!(
        one["rates"],
        json!([{"yen_per_hour": 1000, "minutes": 90}, {"yen_per_hour": 1100, "minutes": 60}])
    );
    assert_eq!(one["amount"], 2600);
    assert_eq!(one["withholding"], 0);
    let two_p = find(&s["projects"], "project_id", p2);
    assert_eq!(two_p["amount"], 140);
    assert_eq!(two_p["withholding"], 14); // ⌊140 × 10.21 %⌋
    assert_eq!(two_p["total"], 126);
    assert_eq!(s["amount"], 2740);
    assert_eq!(s["withholding"], 14);
    assert_eq!(s["total"], 2726);
    assert_eq!(s["due_on"], "2026-12-25");
    assert_eq!(s["paid_on"], Value::Null);
    assert_eq!(s["invoice_number"], "T1234567890123");

    // The CSV exports, read back by Python in UTF-8 (with a BOM) and in CP932.
    let export = format!("{payments}/export.csv");
    let res = director.get(&export).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-unapproved"], two.to_string().as_str());
    let utf8 = res.bytes().await.unwrap().to_vec();
    assert_eq!(&utf8[..3], b"\xEF\xBB\xBF");
    let rows = python_rows(&utf8, "utf-8-sig");
    assert_eq!(rows[0][0], "会員番号");
    assert_eq!(rows[0][12], "支払期日");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let p2_name = two_p["name"].as_str().unwrap();
    let line = rows.iter().find(|r| r[5] == p2_name).unwrap();
    assert_eq!(
        line[6..14],
        ["7", "0.12", "1200", "140", "14", "126", "2026-12-25", ""]
    );
    let line = rows
        .iter()
        .find(|r| r[5] == one["name"].as_str().unwrap())
        .unwrap();
    assert_eq!(line[8], "1000/1100");
    let sjis = director
        .get(&format!("{export}?encoding=cp932"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_ne!(sjis.to_vec(), utf8);
    assert_eq!(python_rows(&sjis, "cp932"), rows);
    director
        .get(&format!("{export}?approved_only=true"))
        .send_problem(StatusCode::CONFLICT, "pay.unapproved")
        .await;
    // The Zengin transfer file: the paying account and the worker's account first.
    let zengin = format!("{payments}/zengin?transfer_date=2026-12-24");
    // It holds bank accounts: a director gets it only once made an accountant of the site.
    director
        .get(&zengin)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    let director_id = app.person_id(DIRECTOR).await;
    let res = app
        .login_as(ADMIN)
        .await
        .put(&format!(
            "/api/v1/sites/{SHIOJIRI}/accountants/{director_id}"
        ))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    director
        .get(&zengin)
        .send_problem(StatusCode::CONFLICT, "pay.no_payer")
        .await;
    let payer = json!({"client_code": "1234567890", "holder_kana": "カ)カド センター", "bank_code": "0001", "branch_code": "001", "account_type": "current", "number": "7654321"});
    let res = director
        .put(&format!("/api/v1/sites/{SHIOJIRI}/payer-account"))
        .json(&payer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let p = director
        .get(&zengin)
        .send_problem(StatusCode::CONFLICT, "pay.no_bank_account")
        .await;
    let name: String = sqlx::query_scalar("SELECT name FROM persons WHERE id = $1")
        .bind(me)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(p["detail"].as_str().unwrap().contains(&name), "{p}");
    let res = worker
        .put(&format!("/api/v1/people/{me}/bank-account"))
        .json(&json!({"bank_code": "0005", "branch_code": "123", "account_type": "ordinary", "number": "0012345", "holder_kana": "やまだ はなこ"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let file = director
        .get(&zengin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let records: Vec<&[u8]> = file
        .split(|b| *b == b'\n')
        .filter(|r| !r.is_empty())
        .collect();
    assert_eq!(records.len(), 4);
    for r in &records {
        assert_eq!(r.len(), 121, "120 bytes and CR: {r:?}");
        // Single-byte Shift_JIS only: ASCII and half-width kana.
        assert!(
            r.iter().all(|b| *b < 0x80 || (0xA1..=0xDF).contains(b)),
            "{r:?}"
        );
    }
    assert_eq!(&records[0][..4], b"1210");
    assert_eq!(&records[0][54..58], b"1224");
    assert_eq!(&records[1][43..50], b"0012345");
    assert_eq!(&records[1][80..90], b"0000002726");
    assert_eq!(&records[2][..19], b"8000001000000002726");
    assert_eq!(records[3][0], b'9');

    // A name CP932 cannot hold: refused, naming the row; UTF-8 still holds it.
    sqlx::query("UPDATE persons SET name = '𠮷田 花子' WHERE id = $1")
        .bind(me)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let p = director
        .get(&format!("{export}?encoding=cp932"))
        .send_problem(StatusCode::CONFLICT, "pay.not_shift_jis")
        .await;
    assert!(p["detail"].as_str().unwrap().contains("𠮷田 花子"), "{p}");
    let rows = python_rows(
        &director
            .get(&export)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
        "utf-8-sig",
    );
    assert_eq!(rows[1][1], "𠮷田 花子");

    // Nobody else sees it: another worker has no statement of their own and no list;
    // reception, trainers and another site's director get 403.
    assert_eq!(other.get(statements).send_json().await, json!([]));
    for user in [
        &other,
        &app.login_as(RECEPTION).await,
        &app.login_as("trainer@shiojiri.kado.example").await,
        &app.login_as(OMACHI_DIRECTOR).await,
    ] {
        for path in [
            payments.clone(),
            rule.clone(),
            export.clone(),
            zengin.clone(),
        ] {
            user.get(&path)
                .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
                .await;
        }
        user.post(&format!("{payments}/paid"))
            .json(&json!({"paid_on": "2026-12-24"}))
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
        user.put(&format!("/api/v1/projects/{p2}/withholding"))
            .json(&json!({"on": false}))
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
    }

    // Five days before the due date, unpaid: a warning.
    // (Sessions do not live across weeks of the test's clock: log in again.)
    app.clock.set(tokyo(2026, 12, 20, 10));
    let director = app.login_as(DIRECTOR).await;
    let worker = app.login_as(WORKER).await;
    let list: Value = director.get(&payments).send_json().await;
    assert_eq!(list["due_on"], "2026-12-25");
    assert_eq!(list["legal_limit"], "2027-01-28");
    assert_eq!(list["amount"], 2740);
    let w = find(&list["warnings"], "person_id", me);
    assert_eq!(w["kind"], "due_soon");
    assert_eq!(w["days_left"], 5);
    // The other worker's month is not approved, but the 60th day is 39 days away.
    assert!(
        list["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["person_id"] != two),
        "{list}"
    );

    // Marked paid, then again: the first date stays, one payment.
    let paid: Value = director
        .post(&format!("{payments}/paid"))
        .json(&json!({"paid_on": "2026-12-19"}))
        .send_json()
        .await;
    assert_eq!(
        find(&paid["rows"], "person_id", me)["paid_on"],
        "2026-12-19"
    );
    assert!(
        paid["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["person_id"] != me)
    );
    let again: Value = director
        .post(&format!("{payments}/paid"))
        .json(&json!({"paid_on": "2026-12-20"}))
        .send_json()
        .await;
    assert_eq!(
        find(&again["rows"], "person_id", me)["paid_on"],
        "2026-12-19"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pay_payments").await, 1);
    let s: Value = worker.get(statements).send_json().await;
    assert_eq!(s[0]["paid_on"], "2026-12-19");

    // Eight days before the 60th day, the unapproved month is listed.
    app.clock.set(tokyo(2027, 1, 20, 10));
    let director = app.login_as(DIRECTOR).await;
    let list: Value = director.get(&payments).send_json().await;
    let w = find(&list["warnings"], "person_id", two);
    assert_eq!(w["kind"], "not_approved", "{list}");
    assert_eq!(w["date"], "2027-01-28");
    assert_eq!(w["days_left"], 8);
}
