//! The KPI review's findings (issue 21), on both backends: the funnel counts each site to
//! its own day in its own zone, and the CSV keeps a municipality's name as text (quoted,
//! never run as a formula), read back by Python's csv.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use serde_json::Value;

async fn exec(app: &TestApp, sql: &str, args: &[i64]) {
    let mut q = sqlx::query(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.execute(&app.db.pool).await.unwrap();
}

async fn omachi(app: &TestApp) -> (i64, i64) {
    let (site, town): (i64, i64) =
        sqlx::query_as("SELECT id, municipality_id FROM sites WHERE name_en LIKE 'Omachi%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    (site, town)
}

fn town_scope(f: &Value, town: i64) -> &Value {
    f["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["municipality_id"] == town)
        .unwrap_or_else(|| panic!("no scope {town} in {f}"))
}

on_both_backends!(the_funnel_counts_each_site_to_its_own_day);

/// 08:00 UTC on 2026-01-10 is already the 10th in Tokyo but still the 9th in Honolulu: a
/// worker registered at a Honolulu site at 21:00 local has been stuck 0 days, as of the 9th
/// (counted to Tokyo's day, 1).
async fn the_funnel_counts_each_site_to_its_own_day(b: Backend) {
    let now = Utc.with_ymd_and_hms(2026, 1, 10, 8, 0, 0).unwrap();
    let app = TestApp::spawn_at(b, now).await;
    let (site, town) = omachi(&app).await;
    sqlx::query("UPDATE sites SET time_zone = 'Pacific/Honolulu' WHERE id = $1")
        .bind(site)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let worker = app.person_id(OMACHI_WORKER).await;
    // 2026-01-09 21:00 in Honolulu (UTC-10).
    let registered = Utc
        .with_ymd_and_hms(2026, 1, 10, 7, 0, 0)
        .unwrap()
        .timestamp();
    exec(
        &app,
        "UPDATE persons SET created_at = $1 WHERE id = $2",
        &[registered, worker],
    )
    .await;
    let admin = app.login_as(ADMIN).await;
    let f: Value = admin.get("/api/v1/kpi/years/2025/funnel").send_json().await;
    // The whole funnel counts to the latest site's day (Japan's).
    assert_eq!(f["as_of"], "2026-01-10", "{f}");
    let om = town_scope(&f, town);
    assert_eq!(om["as_of"], "2026-01-09", "{om}");
    // Omachi has no onboarding programme of its own: the worker is stuck after it.
    let me = om["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["people"].as_array().cloned().unwrap_or_default())
        .find(|p| p["person_id"] == worker)
        .unwrap_or_else(|| panic!("{worker} not stuck anywhere: {om}"));
    assert_eq!(me["since"], "2026-01-09");
    assert_eq!(me["days"], 0, "{me}");
}

on_both_backends!(the_csv_keeps_a_municipality_name_as_text);

/// A name with a comma, quotes, a line break and a leading `=` comes back whole from
/// Python's csv, with the apostrophe that keeps a spreadsheet from running it.
async fn the_csv_keeps_a_municipality_name_as_text(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, town) = omachi(&app).await;
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"大町, 市\")\r\nx",
        "+1",
        "-2",
        "@SUM(A1)",
    ];
    let admin = app.login_as(ADMIN).await;
    for name in names {
        sqlx::query("UPDATE municipalities SET name_ja = $1, name_en = $1 WHERE id = $2")
            .bind(name)
            .bind(town)
            .execute(&app.db.pool)
            .await
            .unwrap();
        let bytes = admin
            .get("/api/v1/kpi/years/2025/export.csv")
            .sent()
            .await
            .bytes()
            .await
            .unwrap();
        let rows: Vec<Vec<String>> = serde_json::from_value(python_reads(
            &bytes,
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))))",
            &[],
        ))
        .unwrap();
        let header = rows[0].len();
        assert!(rows.iter().all(|r| r.len() == header), "{rows:?}");
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == format!("'{name}")).collect();
        assert_eq!(mine.len(), 11, "{name:?}: {rows:?}");
    }
}

fn kpi_of<'a>(scope: &'a Value, key: &str) -> &'a Value {
    scope["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {scope}"))
}

fn month<'a>(scope: &'a Value, label: &str) -> &'a Value {
    scope["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == label)
        .unwrap()
}

on_both_backends!(a_viewer_sees_no_figure_of_fewer_than_three_people);

/// Shiojiri's viewer: the earners (2) and the remote hours (1 worker) are withheld, the
/// registered (5) shown; September's center minutes (1 worker) are withheld, and so is
/// August's (3 workers) lest September be read back from the year's hours; the funnel's
/// small counts too. The city's director sees every figure.
async fn a_viewer_sees_no_figure_of_fewer_than_three_people(b: Backend) {
    let app = TestApp::spawn(b).await;
    let y = crate::kpi::year_2024(&app).await;
    let [a, bb, c, d, e] = y.workers;
    exec(&app, "DELETE FROM presence_sessions", &[]).await;
    let jst = |m: u32, day: u32, h: u32| {
        Utc.with_ymd_and_hms(2024, m, day, h, 0, 0)
            .unwrap()
            .timestamp()
            - 9 * 3600
    };
    let sql = "INSERT INTO presence_sessions (site_id, person_id, checked_in_at, checked_out_at) VALUES ($1, $2, $3, $4)";
    for p in [a, bb, c] {
        exec(&app, sql, &[SHIOJIRI, p, jst(8, 6, 9), jst(8, 6, 10)]).await;
    }
    exec(&app, sql, &[SHIOJIRI, d, jst(9, 3, 9), jst(9, 3, 9) + 1800]).await;
    // The same one worker in October: September and October withheld together still stand
    // for one person (the review's subtraction), so August goes too.
    exec(
        &app,
        sql,
        &[SHIOJIRI, d, jst(10, 1, 9), jst(10, 1, 9) + 1800],
    )
    .await;
    for p in [a, bb, e] {
        exec(&app, sql, &[SHIOJIRI, p, jst(11, 5, 9), jst(11, 5, 10)]).await;
    }
    let admin = app.login_as(ADMIN).await;
    let viewer_email = worker_email(30);
    let viewer_id = app.person_id(&viewer_email).await;
    exec(
        &app,
        "DELETE FROM role_grants WHERE person_id = $1",
        &[viewer_id],
    )
    .await;
    admin
        .put(&format!(
            "/api/v1/kpi/viewers/{}/{viewer_id}",
            y.shiojiri_town
        ))
        .send_status()
        .await;
    let viewer = app.login_as(&viewer_email).await;

    let r: Value = viewer.get("/api/v1/kpi/years/2024").send_json().await;
    let sh = town_scope(&r, y.shiojiri_town);
    assert_eq!(kpi_of(sh, "registered")["actual"], 5, "{sh}");
    assert_eq!(kpi_of(sh, "registered")["suppressed"], false);
    for key in ["earners", "remote_hours"] {
        let k = kpi_of(sh, key);
        assert!(k["actual"].is_null() && k["suppressed"] == true, "{k}");
        assert!(k["achievement"].is_null(), "{k}");
    }
    // 420 minutes from 5 workers.
    assert_eq!(kpi_of(sh, "center_hours")["actual"], 7, "{sh}");
    assert!(month(sh, "2024-09")["center_minutes"].is_null(), "{sh}");
    assert!(month(sh, "2024-10")["center_minutes"].is_null(), "{sh}");
    assert!(month(sh, "2024-08")["center_minutes"].is_null(), "{sh}");
    assert_eq!(
        month(sh, "2024-08")["suppressed"],
        serde_json::json!(["center_minutes"])
    );
    assert_eq!(month(sh, "2024-11")["center_minutes"], 180);
    assert_eq!(month(sh, "2024-12")["center_minutes"], 0);

    // The CSV and the XLSX say "<3".
    let bytes = viewer
        .get("/api/v1/kpi/years/2024/export.csv")
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    let rows: Vec<Vec<String>> = serde_json::from_value(python_reads(
        &bytes,
        "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))))",
        &[],
    ))
    .unwrap();
    let actual = rows[0].iter().position(|h| h == "actual").unwrap();
    let row = |key: &str| rows.iter().find(|r| r[2] == key).unwrap().clone();
    assert_eq!(row("earners")[actual], "<3", "{rows:?}");
    assert_eq!(row("registered")[actual], "5", "{rows:?}");
    let bytes = viewer
        .get("/api/v1/kpi/years/2024/export.xlsx")
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    let book = python_reads(
        &bytes,
        "import json, sys, openpyxl\n\
         wb = openpyxl.load_workbook(open(sys.argv[1], 'rb'))\n\
         print(json.dumps({ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}, default=str))",
        &[],
    );
    let text = book.to_string();
    let earners_row = book["KPI"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r[0].as_str()
                .is_some_and(|n| n.starts_with("自営型テレワーク"))
        })
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        earners_row.as_array().unwrap().contains(&Value::from("<3")),
        "{earners_row}"
    );

    // The funnel: D and E stuck at registration (2) are withheld, and with them every count
    // of the city's funnel (the first step's is the table's registered workers, 5, shown: with
    // any of the chain's counts a difference would give the two back).
    let f: Value = viewer
        .get("/api/v1/kpi/years/2024/funnel")
        .send_json()
        .await;
    let steps = &town_scope(&f, y.shiojiri_town)["steps"];
    assert!(steps[0]["stuck"].is_null(), "{steps}");
    assert!(steps[0]["reached"].is_null(), "{steps}");
    for s in steps.as_array().unwrap() {
        assert!(s["reached"].is_null() && s["stuck"].is_null(), "{steps}");
    }
    for s in steps.as_array().unwrap() {
        let n = s["reached"].as_i64().unwrap_or(3);
        assert!(n == 0 || n >= 3, "{s}");
        let n = s["stuck"].as_i64().unwrap_or(3);
        assert!(n == 0 || n >= 3, "{s}");
    }

    // The director sees the exact figures.
    let director = app.login_as(DIRECTOR).await;
    let r: Value = director.get("/api/v1/kpi/years/2024").send_json().await;
    let sh = town_scope(&r, y.shiojiri_town);
    assert_eq!(kpi_of(sh, "earners")["actual"], 2);
    assert_eq!(month(sh, "2024-09")["center_minutes"], 30);
    assert_eq!(month(sh, "2024-08")["center_minutes"], 180);
    let f: Value = director
        .get("/api/v1/kpi/years/2024/funnel")
        .send_json()
        .await;
    assert_eq!(town_scope(&f, y.shiojiri_town)["steps"][0]["stuck"], 2);
}

on_both_backends!(orders_can_be_edited_by_their_sites_director);

/// PATCH /api/v1/kpi/orders/{id}: checked as a new order; a director counts an order only
/// in a city where they direct a site (or the project's, null), on create too; an
/// administrator anywhere; another site's director not at all.
async fn orders_can_be_edited_by_their_sites_director(b: Backend) {
    use reqwest::StatusCode;
    use serde_json::json;
    let app = TestApp::spawn(b).await;
    let y = crate::kpi::year_2024(&app).await;
    let director = app.login_as(DIRECTOR).await;
    let admin = app.login_as(ADMIN).await;
    // Create: Omachi is not the director's city.
    let before = app.count("SELECT COUNT(*) FROM kpi_orders").await;
    let p = director
        .post("/api/v1/kpi/orders")
        .json(&json!({"project_id": y.project, "ordered_on": "2024-05-01", "amount": 10, "municipality_id": y.omachi_town}))
        .send_problem(StatusCode::FORBIDDEN, "kpi.foreign_municipality")
        .await;
    assert_eq!(p["errors"][0]["field"], "municipality_id", "{p}");
    assert_eq!(app.count("SELECT COUNT(*) FROM kpi_orders").await, before);
    let o = director
        .post("/api/v1/kpi/orders")
        .json(&json!({"project_id": y.project, "ordered_on": "2024-05-01", "amount": 10, "municipality_id": y.shiojiri_town}))
        .send_created()
        .await;
    let path = format!("/api/v1/kpi/orders/{}", o["id"]);
    // Edit the date, amount and note; the municipality is kept.
    let e: Value = director
        .patch(&path)
        .json(&json!({"ordered_on": "2024-06-02", "amount": 2_500, "note": "revised"}))
        .send_json()
        .await;
    assert_eq!(
        (&e["ordered_on"], &e["amount"], &e["note"], &e["given_to"]),
        (
            &json!("2024-06-02"),
            &json!(2_500),
            &json!("revised"),
            &json!(y.shiojiri_town)
        ),
        "{e}"
    );
    // Null: back to the project's site's city.
    let e: Value = director
        .patch(&path)
        .json(&json!({"municipality_id": null}))
        .send_json()
        .await;
    assert!(e["given_to"].is_null(), "{e}");
    assert_eq!(e["municipality_id"], y.shiojiri_town);
    // The same checks as a new order.
    for (body, status, code) in [
        (
            json!({"amount": -1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "kpi.negative_amount",
        ),
        (
            json!({"ordered_on": "2024-02-30"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        ),
        (
            json!({"municipality_id": 999_999}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "kpi.unknown_municipality",
        ),
        (
            json!({"municipality_id": y.omachi_town}),
            StatusCode::FORBIDDEN,
            "kpi.foreign_municipality",
        ),
    ] {
        director
            .patch(&path)
            .json(&body)
            .send_problem(status, code)
            .await;
    }
    // The project is not changed by an edit.
    assert!(
        director
            .patch(&path)
            .json(&json!({"project_id": 1}))
            .send_status()
            .await
            .is_client_error()
    );
    // Nothing of the refused ones was written.
    let (amount, day): (i64, String) =
        sqlx::query_as("SELECT amount, ordered_on FROM kpi_orders WHERE id = $1")
            .bind(o["id"].as_i64().unwrap())
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((amount, day.as_str()), (2_500, "2024-06-02"));
    // An order the administrator counted in Omachi: the project's director changes neither
    // its amount nor removes it (either would change Omachi's order volume).
    let given = admin
        .post("/api/v1/kpi/orders")
        .json(&json!({"project_id": y.project, "ordered_on": "2024-05-01", "amount": 700, "municipality_id": y.omachi_town}))
        .send_created()
        .await;
    let given_path = format!("/api/v1/kpi/orders/{}", given["id"]);
    director
        .patch(&given_path)
        .json(&json!({"amount": 0}))
        .send_problem(StatusCode::FORBIDDEN, "kpi.foreign_municipality")
        .await;
    director
        .delete(&given_path)
        .send_problem(StatusCode::FORBIDDEN, "kpi.foreign_municipality")
        .await;
    // Another site's director, a worker: no; an unknown order: 404.
    for who in [OMACHI_DIRECTOR, WORKER] {
        let u = app.login_as(who).await;
        assert_eq!(
            u.patch(&path)
                .json(&json!({"amount": 1}))
                .send_status()
                .await,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        admin
            .patch("/api/v1/kpi/orders/999999")
            .json(&json!({"amount": 1}))
            .send_status()
            .await,
        StatusCode::NOT_FOUND
    );
    // An administrator counts it anywhere.
    let e: Value = admin
        .patch(&path)
        .json(&json!({"municipality_id": y.omachi_town}))
        .send_json()
        .await;
    assert_eq!(e["municipality_id"], y.omachi_town);
    let r: Value = admin.get("/api/v1/kpi/years/2024").send_json().await;
    // With the administrator's own 700 counted there above.
    assert_eq!(
        kpi_of(town_scope(&r, y.omachi_town), "orders_yen")["actual"],
        2_500 + 700
    );
}
