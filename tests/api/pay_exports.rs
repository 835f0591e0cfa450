//! Exports of payments (issue 19), on both backends: a month as an XLSX workbook read back
//! by openpyxl (a summary and one sheet per site, Japanese headers, numbers as numbers,
//! dates as dates), and a range of months as CSV and XLSX, with who may ask for them.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use crate::pay::{assign, projects, python_rows, remote, tokyo};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The workbook read back by openpyxl: [[sheet, rows]], numbers as {"n": x}, dates as
/// "date:YYYY-MM-DD".
pub fn openpyxl(bytes: &[u8]) -> Vec<(String, Vec<Vec<Value>>)> {
    serde_json::from_value(python_reads(
        bytes,
        "import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(open(sys.argv[1], 'rb'))
def v(c):
    x = c.value
    if isinstance(x, datetime.datetime): return 'date:' + x.date().isoformat()
    if isinstance(x, bool): return x
    if isinstance(x, (int, float)): return {'n': x}
    return x
print(json.dumps([[ws.title, [[v(c) for c in row] for row in ws.iter_rows()]] for ws in wb.worksheets]))",
        &[],
    ))
    .unwrap()
}

on_both_backends!(a_month_and_a_range_export_as_xlsx_and_csv);

async fn a_month_and_a_range_export_as_xlsx_and_csv(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(2026, 11, 28, 12)).await;
    let director = app.login_as(DIRECTOR).await;
    let worker = app.login_as(WORKER).await;
    let me = app.person_id(WORKER).await;
    let (p1, p2) = projects(&app).await;
    assign(&director, me, p1, 1000).await;
    assign(&director, me, p2, 1200).await;
    remote(&worker, "2026-11-10", "09:00", "11:00", p1).await; // 2000
    remote(&worker, "2026-11-11", "09:00", "09:30", p2).await; // 600
    app.clock.set(tokyo(2026, 12, 1, 10));
    let director = app.login_as(DIRECTOR).await;
    let worker = app.login_as(WORKER).await;
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
    let site: String = sqlx::query_scalar("SELECT name_ja FROM sites WHERE id = $1")
        .bind(SHIOJIRI)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let name: String = sqlx::query_scalar("SELECT name FROM persons WHERE id = $1")
        .bind(me)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    // A month's workbook.
    let res = director
        .get(&format!(
            "/api/v1/sites/{SHIOJIRI}/payments/2026-11/export.xlsx"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let book = openpyxl(&res.bytes().await.unwrap());
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["集計", site.as_str()]);
    let summary = &book[0].1;
    assert_eq!(summary[0][0], "拠点");
    assert_eq!(summary[0][5], "金額");
    assert_eq!(summary.len(), 2, "{summary:?}");
    assert_eq!(summary[1][0], site.as_str());
    assert_eq!(summary[1][1], "2026-11");
    assert_eq!(summary[1][2], json!({"n": 1}));
    assert_eq!(summary[1][3], json!({"n": 150}));
    assert_eq!(summary[1][4], json!({"n": 2.5}));
    assert_eq!(summary[1][5], json!({"n": 2600}));
    assert_eq!(summary[1][7], json!({"n": 2600}));
    assert_eq!(summary[1][8], "date:2026-12-31");
    let rows = &book[1].1;
    assert_eq!(rows[0][0], "会員番号");
    assert_eq!(rows[0][12], "支払期日");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let line = rows.iter().find(|r| r[8] == json!({"n": 1000})).unwrap();
    assert_eq!(line[1], name.as_str());
    assert_eq!(line[6], json!({"n": 120}));
    assert_eq!(line[7], json!({"n": 2}));
    assert_eq!(line[9], json!({"n": 2000}));
    assert_eq!(line[11], json!({"n": 2000}));
    assert_eq!(line[12], "date:2026-12-31");
    assert_eq!(line[13], Value::Null, "not paid");
    assert_eq!(line[14], site.as_str());
    assert_eq!(line[15], "2026-11");

    // A range: October (nothing) and November, for the director's sites.
    let range = "/api/v1/payments/export.xlsx?from=2026-10&to=2026-11";
    let book = openpyxl(
        &director
            .get(range)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(book.len(), 2);
    let summary = &book[0].1;
    assert_eq!(summary.len(), 3, "{summary:?}");
    assert_eq!(summary[1][1], "2026-10");
    assert_eq!(summary[1][2], json!({"n": 0}));
    assert_eq!(summary[2][1], "2026-11");
    assert_eq!(book[1].1.len(), 3);
    let csv = director
        .get("/api/v1/payments/export.csv?from=2026-10&to=2026-11&encoding=cp932")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let rows = python_rows(&csv.bytes().await.unwrap(), "cp932");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][14], "拠点");
    assert_eq!(rows[0][15], "対象月");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[15] == "2026-11" && r[14] == site)
    );

    // Bad ranges name the field; others' sites are refused.
    for (q, field, code) in [
        ("from=2026-12&to=2026-11", "to", "pay.bad_range"),
        ("from=2024-01&to=2026-11", "to", "pay.bad_range"),
        ("from=2026-13&to=2026-11", "from", "validation.bad_month"),
    ] {
        let p = director
            .get(&format!("/api/v1/payments/export.csv?{q}"))
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
            .await;
        assert_eq!(p["errors"][0]["field"], field, "{q}: {p}");
        assert_eq!(p["errors"][0]["code"], code, "{q}: {p}");
    }
    for (user, q) in [
        (&worker, String::new()),
        (
            &app.login_as(OMACHI_DIRECTOR).await,
            format!("&site_id={SHIOJIRI}"),
        ),
        (&app.login_as(RECEPTION).await, String::new()),
    ] {
        for kind in ["csv", "xlsx"] {
            user.get(&format!(
                "/api/v1/payments/export.{kind}?from=2026-11&to=2026-11{q}"
            ))
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
        }
    }
    worker
        .get(&format!(
            "/api/v1/sites/{SHIOJIRI}/payments/2026-11/export.xlsx"
        ))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
}
