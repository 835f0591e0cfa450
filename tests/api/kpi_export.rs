//! The KPI table's exports (issue 21), on both backends: the CSV and the XLSX in the
//! committee's layout, read back by Python's csv and openpyxl, hold the same figures as the
//! sums of the underlying records.

use crate::harness::*;
use crate::helpers::*;
use crate::kpi::{kpi, scope, year_2024};
use crate::on_both_backends;
use serde_json::{Value, json};

async fn sum(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

on_both_backends!(exports_hold_the_sums_of_the_records);

async fn exports_hold_the_sums_of_the_records(b: Backend) {
    let app = TestApp::spawn(b).await;
    let y = year_2024(&app).await;
    let admin = app.login_as(ADMIN).await;
    for (day, amount) in [
        ("2024-04-01", 70_000),
        ("2025-03-31", 1_234),
        ("2025-04-01", 9),
    ] {
        admin
            .post("/api/v1/kpi/orders")
            .json(&json!({"project_id": y.project, "ordered_on": day, "amount": amount}))
            .send_created()
            .await;
    }
    admin
        .put("/api/v1/kpi/costs")
        .json(&json!({"year": 2024, "amount": 3_000}))
        .send_status()
        .await;
    // The year's target, its single-year and cumulative increase targets, and the final
    // year's (2026) cumulative one.
    admin
        .put("/api/v1/kpi/targets")
        .json(
            &json!({"year": 2024, "kpi": "orders_yen", "baseline": 0, "target": 142_468,
                      "year_target": 100_000, "cumulative_target": 50_000}),
        )
        .send_status()
        .await;
    admin
        .put("/api/v1/kpi/targets")
        .json(&json!({"year": 2026, "kpi": "orders_yen", "cumulative_target": 200_000}))
        .send_status()
        .await;
    let listed: Value = admin
        .get("/api/v1/kpi/years/2024/targets")
        .send_json()
        .await;
    assert_eq!(listed[0]["year_target"], 100_000, "{listed}");
    assert_eq!(listed[0]["cumulative_target"], 50_000, "{listed}");

    // The records, summed straight from the tables.
    let paid = sum(
        &app,
        "SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM pay_payments p JOIN timesheets t ON t.id = p.timesheet_id
          WHERE t.month >= '2024-04' AND t.month <= '2025-03'",
    )
    .await;
    let orders = sum(
        &app,
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM kpi_orders WHERE ordered_on >= '2024-04-01' AND ordered_on <= '2025-03-31'",
    )
    .await;
    let costs = sum(
        &app,
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM kpi_costs WHERE fiscal_year = 2024",
    )
    .await;
    assert_eq!((paid, orders, costs), (30_999, 71_234, 3_000));

    let r: Value = admin.get("/api/v1/kpi/years/2024").send_json().await;
    let total = scope(&r, None);
    // The increases: over the year before (2023: no orders) only when asked for, over the
    // baseline always.
    let orders_kpi = |r: &Value| -> Value {
        scope(r, None)["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == "orders_yen")
            .unwrap()
            .clone()
    };
    let k = orders_kpi(&r);
    assert!(k["year_increase"].is_null(), "{k}");
    assert_eq!(k["cumulative_increase"], 71_234, "{k}");
    let with: Value = admin
        .get("/api/v1/kpi/years/2024?increases=true")
        .send_json()
        .await;
    let k = orders_kpi(&with);
    assert_eq!(
        [
            &k["final_target"],
            &k["year_target"],
            &k["year_increase"],
            &k["year_achievement"],
            &k["cumulative_target"],
            &k["cumulative_increase"],
            &k["cumulative_achievement"],
        ],
        [
            &json!(200_000),
            &json!(100_000),
            &json!(71_234),
            &json!(71.2),
            &json!(50_000),
            &json!(71_234),
            &json!(142.5),
        ],
        "{k}"
    );
    // 2025's single-year increase is counted from 2024's figure.
    let next: Value = admin
        .get("/api/v1/kpi/years/2025?increases=true")
        .send_json()
        .await;
    assert_eq!(orders_kpi(&next)["year_increase"], 9 - 71_234);
    assert_eq!(kpi(total, "paid_yen"), paid);
    assert_eq!(kpi(total, "orders_yen"), orders);
    assert_eq!(kpi(total, "net_yen"), orders - paid - costs);
    let by_city: i64 = r["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["municipality_id"].is_null())
        .map(|s| kpi(s, "paid_yen"))
        .sum();
    assert_eq!(by_city, paid);

    // The CSV, read by Python's csv module (the BOM is utf-8-sig's).
    let res = admin.get("/api/v1/kpi/years/2024/export.csv").sent().await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let rows: Vec<Vec<String>> = serde_json::from_value(python_reads(
        &bytes,
        "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))))",
        &[],
    ))
    .unwrap();
    assert_eq!(rows[0][2], "kpi");
    let total_of = |key: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r[0].is_empty() && r[2] == key)
            .unwrap_or_else(|| panic!("no total {key}"))
            .clone()
    };
    assert_eq!(total_of("paid_yen")[6], paid.to_string());
    assert_eq!(total_of("orders_yen")[6], orders.to_string());
    assert_eq!(total_of("orders_yen")[5], "142468");
    assert_eq!(total_of("orders_yen")[7], "50");
    assert_eq!(total_of("net_yen")[6], (orders - paid - costs).to_string());
    assert_eq!(total_of("earners")[6], "2");
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let o = total_of("orders_yen");
    assert_eq!(o[col("final_target")], "200000");
    assert_eq!(o[col("year_increase")], "71234");
    assert_eq!(o[col("year_achievement_percent")], "71.2");
    assert_eq!(o[col("cumulative_increase")], "71234");
    assert_eq!(o[col("cumulative_achievement_percent")], "142.5");

    // The XLSX, read by openpyxl: the committee's columns, the total's figures, each
    // city's in brackets, and the months on a second sheet.
    let res = admin.get("/api/v1/kpi/years/2024/export.xlsx").sent().await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let book = python_reads(
        &bytes,
        "import json, sys, openpyxl\n\
         wb = openpyxl.load_workbook(open(sys.argv[1], 'rb'))\n\
         print(json.dumps({ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}, default=str))",
        &[],
    );
    let sheet = book["KPI"].as_array().unwrap();
    assert!(
        sheet[0][0].as_str().unwrap().contains("令和6年度"),
        "{}",
        sheet[0][0]
    );
    let cells = |row: usize| -> Vec<String> {
        sheet[row]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap_or("").to_string())
            .collect()
    };
    let (groups, subs) = (cells(2), cells(3));
    assert_eq!(
        &groups[..4],
        &[
            "指標",
            "基準値(事業開始前)",
            "累積増加分(最終年度末)",
            "単年度増加分(R6年度分)"
        ],
        "{groups:?}"
    );
    assert_eq!(groups[6], "累積増加分(R6年度末時点)");
    assert_eq!(
        &subs[2..12],
        &[
            "目標値",
            "目標値",
            "実績値",
            "達成率",
            "目標値",
            "実績値",
            "達成率",
            "目標値",
            "実績値",
            "達成率"
        ],
        "{subs:?}"
    );
    assert!(
        groups.iter().any(|h| h == "[塩尻市]") && groups.iter().any(|h| h == "[大町市]"),
        "{groups:?}"
    );
    // Each city's single-year increase, then its cumulative one.
    let shiojiri_col = groups.iter().position(|h| h == "[塩尻市]").unwrap();
    assert_eq!(subs[shiojiri_col], "単年度");
    let row_of = |name_start: &str| -> &Vec<Value> {
        sheet
            .iter()
            .map(|r| r.as_array().unwrap())
            .find(|r| r[0].as_str().is_some_and(|n| n.starts_with(name_start)))
            .unwrap_or_else(|| panic!("no row {name_start}"))
    };
    let orders_row = row_of("クライアントからの年間受注金額");
    let figures: Vec<Option<f64>> = orders_row[1..12].iter().map(|c| c.as_f64()).collect();
    let o = orders as f64;
    assert_eq!(
        figures,
        [
            0.0, 200_000.0, 100_000.0, o, 71.2, 50_000.0, o, 142.5, 142_468.0, o, 50.0
        ]
        .map(Some)
        .to_vec(),
        "{orders_row:?}"
    );
    assert_eq!(orders_row[shiojiri_col].as_f64(), Some(o));
    assert_eq!(
        orders_row[shiojiri_col + 1].as_f64(),
        None,
        "no baseline: no increase"
    );
    let earners_row = row_of("自営型テレワークで収入を得た人数");
    assert_eq!(earners_row[10].as_f64(), Some(2.0));
    assert_eq!(row_of("ワーカーへの支払額")[10].as_f64(), Some(paid as f64));
    let months = book["月別"].as_array().unwrap();
    let paid_months: f64 = months[2..].iter().map(|r| r[4].as_f64().unwrap()).sum();
    assert_eq!(paid_months, paid as f64);
}
