//! The federation's KPIs (issue 21), on both backends, on a hand-made fiscal year whose
//! answers are known: workers who earned exactly 9,999 and 10,000 yen, a worker who moved
//! from Shiojiri to Omachi mid-year (counted in each city for its months, once in the
//! total), sessions either side of March 31 / April 1 in Japan time (UTC's March 31 both),
//! orders, costs and the net result, targets and achievement, the funnel with its medians
//! and stuck lists, and who sees what (a municipality viewer: their city, no names).

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An instant given in Japan time, as epoch seconds.
fn jst(y: i32, m: u32, d: u32, h: u32, mi: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap().timestamp() - 9 * 3600
}

async fn exec(app: &TestApp, sql: &str, args: &[i64]) {
    let mut q = sqlx::query(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.execute(&app.db.pool).await.unwrap();
}

async fn scalar(app: &TestApp, sql: &str, args: &[i64]) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.fetch_one(&app.db.pool).await.unwrap()
}

/// The year's records, made straight in the tables (the areas that write them are tested
/// on their own): what each figure counts.
pub struct Year {
    #[allow(dead_code)]
    pub omachi_site: i64,
    pub shiojiri_town: i64,
    pub omachi_town: i64,
    pub workers: [i64; 5],
    pub project: i64,
}

async fn presence(app: &TestApp, site: i64, person: i64, from: i64, to: i64) {
    exec(
        app,
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at, checked_out_at) VALUES ($1, $2, $3, $4)",
        &[site, person, from, to],
    )
    .await;
}

/// An approved month at a site with, when given, a remote entry, and its payment.
async fn month(
    app: &TestApp,
    (site, person, label): (i64, i64, &str),
    remote: Option<(i64, i64, i64)>,
    paid: Option<(&str, i64)>,
) {
    let admin = app.person_id(ADMIN).await;
    let sheet: i64 = sqlx::query_scalar(
        "INSERT INTO timesheets (person_id, site_id, month, status) VALUES ($1, $2, $3, 'open') RETURNING id",
    )
    .bind(person)
    .bind(site)
    .bind(label)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    if let Some((project, from, to)) = remote {
        exec(
            app,
            "INSERT INTO time_entries (timesheet_id, kind, project_id, starts_at, ends_at, created_by, created_at)
             VALUES ($1, 'remote', $2, $3, $4, $5, $3)",
            &[sheet, project, from, to, admin],
        )
        .await;
    }
    exec(
        app,
        "UPDATE timesheets SET status = 'approved' WHERE id = $1",
        &[sheet],
    )
    .await;
    if let Some((day, amount)) = paid {
        sqlx::query(
            "INSERT INTO pay_payments (timesheet_id, paid_on, amount, withholding, marked_by, marked_at)
             VALUES ($1, $2, $3, 0, $4, 0)",
        )
        .bind(sheet)
        .bind(day)
        .bind(amount)
        .bind(admin)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
}

/// Fiscal year 2024 (April 2024 to March 2025). Workers A-E registered on 2024-04-01 at
/// Shiojiri; C also at Omachi (she moved in the autumn). The demo's other people were
/// registered "today" (2026), after the year.
pub async fn year_2024(app: &TestApp) -> Year {
    let omachi_site = scalar(
        app,
        "SELECT id FROM sites WHERE name_en LIKE 'Omachi%'",
        &[],
    )
    .await;
    let town_sql = "SELECT municipality_id FROM sites WHERE id = $1";
    let shiojiri_town = scalar(app, town_sql, &[SHIOJIRI]).await;
    let omachi_town = scalar(app, town_sql, &[omachi_site]).await;
    // Shiojiri opened before the year; Omachi during it (its municipality is new this year).
    exec(
        app,
        "UPDATE sites SET created_at = $1 WHERE id = $2",
        &[jst(2023, 1, 10, 9, 0), SHIOJIRI],
    )
    .await;
    exec(
        app,
        "UPDATE sites SET created_at = $1 WHERE id = $2",
        &[jst(2024, 6, 1, 9, 0), omachi_site],
    )
    .await;
    let mut workers = [0; 5];
    for (i, w) in workers.iter_mut().enumerate() {
        *w = app.person_id(&worker_email(i as u32 + 1)).await;
        exec(
            app,
            "UPDATE persons SET created_at = $1 WHERE id = $2",
            &[jst(2024, 4, 1, 10, 0), *w],
        )
        .await;
    }
    let [a, b, c, d, _e] = workers;
    // F registers half an hour into April 1 (Japan): the next year's, though UTC's March 31.
    let f = app.person_id(&worker_email(6)).await;
    exec(
        app,
        "UPDATE persons SET created_at = $1 WHERE id = $2",
        &[jst(2025, 4, 1, 0, 30), f],
    )
    .await;
    exec(
        app,
        "INSERT INTO role_grants (person_id, site_id, role) VALUES ($1, $2, 'worker')",
        &[c, omachi_site],
    )
    .await;
    let project = scalar(app, "SELECT MIN(id) FROM client_projects", &[]).await;
    // Onboarding: every programme course completed on 2024-04-11 by A, B and C.
    let courses: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT course_id FROM training_programme")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(!courses.is_empty(), "the demo has an onboarding programme");
    for p in [a, b, c] {
        for course in &courses {
            exec(
                app,
                "INSERT INTO training_completions (person_id, course_id, completed_at, sessions_required, minimum_minutes, created_at)
                 VALUES ($1, $2, $3, 1, 0, $3)",
                &[p, *course, jst(2024, 4, 11, 10, 0)],
            )
            .await;
        }
    }
    // A: 120 minutes at the center in May, paid 10,000 yen.
    presence(
        app,
        SHIOJIRI,
        a,
        jst(2024, 5, 10, 9, 0),
        jst(2024, 5, 10, 11, 0),
    )
    .await;
    month(
        app,
        (SHIOJIRI, a, "2024-05"),
        None,
        Some(("2024-06-25", 10_000)),
    )
    .await;
    // B: 90 minutes remote in June, paid 9,999 yen.
    month(
        app,
        (SHIOJIRI, b, "2024-06"),
        Some((project, jst(2024, 6, 5, 9, 0), jst(2024, 6, 5, 10, 30))),
        Some(("2024-07-25", 9_999)),
    )
    .await;
    // C: 60 minutes at Shiojiri in July (6,000 yen), 30 minutes remote for Omachi in
    // October (5,000 yen).
    presence(
        app,
        SHIOJIRI,
        c,
        jst(2024, 7, 3, 9, 0),
        jst(2024, 7, 3, 10, 0),
    )
    .await;
    month(
        app,
        (SHIOJIRI, c, "2024-07"),
        None,
        Some(("2024-08-25", 6_000)),
    )
    .await;
    month(
        app,
        (omachi_site, c, "2024-10"),
        Some((project, jst(2024, 10, 2, 9, 0), jst(2024, 10, 2, 9, 30))),
        Some(("2024-11-25", 5_000)),
    )
    .await;
    // D, never onboarded: 45 minutes late on March 31 (this year), an hour just after
    // midnight on April 1 (the next year, though still March 31 in UTC), and an hour on
    // the March 31 before the year.
    presence(
        app,
        SHIOJIRI,
        d,
        jst(2025, 3, 31, 23, 0),
        jst(2025, 3, 31, 23, 45),
    )
    .await;
    presence(
        app,
        SHIOJIRI,
        d,
        jst(2025, 4, 1, 0, 10),
        jst(2025, 4, 1, 1, 10),
    )
    .await;
    presence(
        app,
        SHIOJIRI,
        d,
        jst(2024, 3, 31, 22, 0),
        jst(2024, 3, 31, 23, 0),
    )
    .await;
    Year {
        omachi_site,
        shiojiri_town,
        omachi_town,
        workers,
        project,
    }
}

pub fn scope(report: &Value, town: Option<i64>) -> &Value {
    report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["municipality_id"].as_i64() == town)
        .unwrap_or_else(|| panic!("no scope {town:?} in {report}"))
}

pub fn kpi(scope: &Value, key: &str) -> i64 {
    scope["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .unwrap_or_else(|| panic!("no {key}"))["actual"]
        .as_i64()
        .unwrap()
}

fn month_of<'a>(scope: &'a Value, label: &str) -> &'a Value {
    scope["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == label)
        .unwrap()
}

on_both_backends!(kpis_of_a_known_year);

async fn kpis_of_a_known_year(b: Backend) {
    let app = TestApp::spawn(b).await;
    let y = year_2024(&app).await;
    let admin = app.login_as(ADMIN).await;
    let director = app.login_as(DIRECTOR).await;
    // Orders: one on the year's last day, one on the next year's first, one given to Omachi.
    // (A director counts an order only in a city where they direct a site: the one given
    // to Omachi is the administrator's.)
    for (day, amount, town) in [
        ("2025-03-31", 100_000, None),
        ("2025-04-01", 50_000, None),
        ("2024-09-01", 30_000, Some(y.omachi_town)),
    ] {
        let by = if town.is_some() { &admin } else { &director };
        let o = by
            .post("/api/v1/kpi/orders")
            .json(&json!({"project_id": y.project, "ordered_on": day, "amount": amount, "municipality_id": town}))
            .send_created()
            .await;
        assert_eq!(o["municipality_id"], town.unwrap_or(y.shiojiri_town), "{o}");
    }
    // A negative order is refused and nothing is written.
    let p = director
        .post("/api/v1/kpi/orders")
        .json(&json!({"project_id": y.project, "ordered_on": "2024-05-01", "amount": -1}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "kpi.negative_amount")
        .await;
    assert_eq!(p["errors"][0]["field"], "amount", "{p}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM kpi_orders WHERE note = ''")
            .await,
        3
    );
    // Costs: the corporation's 20,000 and Shiojiri's 5,000.
    for (town, amount) in [(None, 20_000), (Some(y.shiojiri_town), 5_000)] {
        let s = admin
            .put("/api/v1/kpi/costs")
            .json(&json!({"year": 2024, "municipality_id": town, "amount": amount}))
            .send_status()
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    // Targets: 4 earners in total; a target for a year far ahead is fine too.
    for year in [2024, 2090] {
        let s = admin
            .put("/api/v1/kpi/targets")
            .json(&json!({"year": year, "kpi": "earners", "baseline": 1, "target": 4}))
            .send_status()
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    admin
        .put("/api/v1/kpi/targets")
        .json(&json!({"year": 2024, "kpi": "nonsense", "target": 4}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "kpi.bad_kpi")
        .await;
    // Absurd figures are refused, naming the field, and change nothing; the net amount may
    // be negative.
    for (body, field) in [
        (
            json!({"year": 2024, "kpi": "earners", "baseline": -1, "target": 4}),
            "baseline",
        ),
        (
            json!({"year": 2024, "kpi": "earners", "target": 1_000_000_000_001_i64}),
            "target",
        ),
        (
            json!({"year": 2024, "kpi": "costs_yen", "year_target": -1_000_000_000_001_i64}),
            "year_target",
        ),
        (
            json!({"year": 2024, "kpi": "net_yen", "cumulative_target": i64::MIN}),
            "cumulative_target",
        ),
    ] {
        let p = admin
            .put("/api/v1/kpi/targets")
            .json(&body)
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "kpi.bad_target")
            .await;
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let set: Value = admin
        .get("/api/v1/kpi/years/2024/targets")
        .send_json()
        .await;
    let rows = set.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{set}");
    assert_eq!(
        (&rows[0]["baseline"], &rows[0]["target"]),
        (&json!(1), &json!(4))
    );
    // At the bounds: a negative net amount, a planned decrease of costs.
    for body in [
        json!({"year": 2090, "kpi": "net_yen", "baseline": -1_000_000_000_000_i64, "target": 0}),
        json!({"year": 2090, "kpi": "costs_yen", "baseline": 1_000_000_000_000_i64, "year_target": -5}),
    ] {
        let s = admin
            .put("/api/v1/kpi/targets")
            .json(&body)
            .send_status()
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    }
    admin
        .get("/api/v1/kpi/years/1999")
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "kpi.bad_year")
        .await;

    let r: Value = admin.get("/api/v1/kpi/years/2024").send_json().await;
    assert_eq!(r["from"], "2024-04-01");
    assert_eq!(r["to"], "2025-03-31");
    let (sh, om, total) = (
        scope(&r, Some(y.shiojiri_town)),
        scope(&r, Some(y.omachi_town)),
        scope(&r, None),
    );
    let expect = [
        ("registered", 5, 1, 5),
        ("active", 3, 1, 3),
        // A (10,000) and C (6,000 + 5,000); B's 9,999 is not enough. C counts in both
        // cities and once in the total.
        ("earners", 2, 1, 2),
        // 120 + 60 + 45 minutes (the April 1 hour is next year's, the March 31 one last year's).
        ("center_hours", 4, 0, 4),
        ("remote_hours", 2, 1, 2),
        ("paid_yen", 25_999, 5_000, 30_999),
        ("orders_yen", 100_000, 30_000, 130_000),
        ("costs_yen", 5_000, 0, 25_000),
        ("net_yen", 69_001, 25_000, 74_001),
        ("municipalities", 1, 1, 2),
        ("new_municipalities", 0, 1, 1),
    ];
    for (key, s, o, t) in expect {
        assert_eq!(
            (kpi(sh, key), kpi(om, key), kpi(total, key)),
            (s, o, t),
            "{key}"
        );
    }
    let earners = total["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == "earners")
        .unwrap();
    assert_eq!(earners["target"], 4);
    assert_eq!(earners["baseline"], 1);
    assert_eq!(earners["achievement"], 50.0);
    assert_eq!(om["new_site"], true);
    assert_eq!(sh["new_site"], false);
    // The months: the trend holds the same records.
    let may = month_of(total, "2024-05");
    assert_eq!(
        (
            may["active"].as_i64(),
            may["center_minutes"].as_i64(),
            may["paid_yen"].as_i64()
        ),
        (Some(1), Some(120), Some(10_000))
    );
    assert_eq!(month_of(total, "2025-03")["center_minutes"], 45);
    assert_eq!(month_of(total, "2025-03")["orders_yen"], 100_000);
    assert_eq!(month_of(om, "2024-10")["remote_minutes"], 30);
    let sum = |s: &Value, k: &str| -> i64 {
        s["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m[k].as_i64().unwrap())
            .sum()
    };
    assert_eq!(sum(total, "paid_yen"), kpi(total, "paid_yen"));
    assert_eq!(sum(total, "orders_yen"), kpi(total, "orders_yen"));

    // The next year has the April 1 hour and order.
    let next: Value = admin.get("/api/v1/kpi/years/2025").send_json().await;
    let t = scope(&next, None);
    assert_eq!(month_of(t, "2025-04")["center_minutes"], 60);
    assert_eq!(kpi(t, "orders_yen"), 50_000);
    // Omachi's site is from 2024: in 2025 it is not new any more.
    assert_eq!(kpi(t, "new_municipalities"), 0);
    let _ = y.workers;
}

on_both_backends!(the_funnel_of_a_known_year);

async fn the_funnel_of_a_known_year(b: Backend) {
    let app = TestApp::spawn(b).await;
    let y = year_2024(&app).await;
    let [a, bb, c, d, e] = y.workers;
    let admin = app.login_as(ADMIN).await;
    let f: Value = admin.get("/api/v1/kpi/years/2024/funnel").send_json().await;
    assert_eq!(f["as_of"], "2025-03-31");
    let sh = scope(&f, Some(y.shiojiri_town));
    let steps: Vec<(&str, i64, Option<f64>, i64)> = sh["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap(),
                s["reached"].as_i64().unwrap(),
                s["median_days"].as_f64(),
                s["stuck"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            // D and E never finished onboarding (D's hours do not skip the step).
            ("registered", 5, None, 2),
            ("onboarded", 3, Some(10.0), 0),
            // 29, 55 and 83 days after onboarding.
            ("first_work", 3, Some(55.0), 0),
            // 46, 50 and 53 days after.
            ("first_paid", 3, Some(50.0), 1),
            // A the same day, C 92 days after her first payment: 46.
            ("earned", 2, Some(46.0), 0),
        ]
    );
    let stuck: Vec<i64> = sh["steps"][0]["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person_id"].as_i64().unwrap())
        .collect();
    assert_eq!(stuck, vec![d, e]);
    assert_eq!(sh["steps"][0]["people"][0]["since"], "2024-04-01");
    assert_eq!(sh["steps"][0]["people"][0]["days"], 364);
    assert_eq!(sh["steps"][3]["people"][0]["person_id"], bb);
    // Omachi: C only, all the way.
    let om = scope(&f, Some(y.omachi_town));
    let reached: Vec<i64> = om["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reached"].as_i64().unwrap())
        .collect();
    assert_eq!(reached, vec![1, 1, 1, 1, 1]);
    // The total counts C once, without names.
    let total = scope(&f, None);
    assert_eq!(total["steps"][0]["reached"], 5);
    assert_eq!(total["steps"][4]["reached"], 2);
    assert!(total["steps"][0]["people"].is_null());
    let _ = (a, c);
}

on_both_backends!(who_sees_which_city);

async fn who_sees_which_city(b: Backend) {
    let app = TestApp::spawn(b).await;
    let y = year_2024(&app).await;
    let admin = app.login_as(ADMIN).await;
    // A municipality viewer for Omachi (an account with no role of its own).
    let viewer_email = worker_email(30);
    let viewer_id = app.person_id(&viewer_email).await;
    exec(
        &app,
        "DELETE FROM role_grants WHERE person_id = $1",
        &[viewer_id],
    )
    .await;
    let grant = format!("/api/v1/kpi/viewers/{}/{viewer_id}", y.omachi_town);
    let viewer = app.login_as(&viewer_email).await;
    assert_eq!(
        viewer.get("/api/v1/kpi/years/2024").send_status().await,
        StatusCode::FORBIDDEN
    );
    // Only an administrator grants it.
    let director = app.login_as(DIRECTOR).await;
    assert_eq!(
        director.put(&grant).send_status().await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.put(&grant).send_status().await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin
            .put(&format!("/api/v1/kpi/viewers/{}/999999", y.omachi_town))
            .send_status()
            .await,
        StatusCode::NOT_FOUND
    );
    let listed: Value = admin.get("/api/v1/kpi/viewers").send_json().await;
    assert_eq!(listed[0]["person_id"], viewer_id);

    // The viewer: Omachi's figures only, no total, no names in the funnel.
    let r: Value = viewer.get("/api/v1/kpi/years/2024").send_json().await;
    let ids: Vec<Option<i64>> = r["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["municipality_id"].as_i64())
        .collect();
    assert_eq!(ids, vec![Some(y.omachi_town)]);
    let f: Value = viewer
        .get("/api/v1/kpi/years/2024/funnel")
        .send_json()
        .await;
    assert_eq!(f["scopes"].as_array().unwrap().len(), 1);
    for s in f["scopes"][0]["steps"].as_array().unwrap() {
        assert!(s["people"].is_null(), "{s}");
    }
    let text = viewer
        .get("/api/v1/kpi/years/2024/funnel")
        .send_text()
        .await;
    for w in y.workers {
        let name: String = sqlx::query_scalar("SELECT name FROM persons WHERE id = $1")
            .bind(w)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert!(!text.contains(&name), "{name} in {text}");
    }
    let csv = viewer
        .get("/api/v1/kpi/years/2024/export.csv")
        .send_text()
        .await;
    assert!(!csv.contains("Shiojiri") && !csv.contains("塩尻"), "{csv}");
    // Nor does the viewer enter anything.
    for (method, path, body) in [
        (
            "POST",
            "/api/v1/kpi/orders",
            json!({"project_id": y.project, "ordered_on": "2024-05-01", "amount": 1}),
        ),
        (
            "PUT",
            "/api/v1/kpi/costs",
            json!({"year": 2024, "amount": 1}),
        ),
        (
            "PUT",
            "/api/v1/kpi/targets",
            json!({"year": 2024, "kpi": "earners", "target": 1}),
        ),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        assert_eq!(
            viewer.request(m, path).json(&body).send_status().await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        "/api/v1/kpi/years/2024/costs",
        "/api/v1/kpi/years/2024/targets",
        "/api/v1/kpi/viewers",
    ] {
        assert_eq!(
            viewer.get(path).send_status().await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            director.get(path).send_status().await,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    // A director: the cities of the sites they direct, with names; no total.
    let r: Value = director.get("/api/v1/kpi/years/2024").send_json().await;
    let ids: Vec<Option<i64>> = r["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["municipality_id"].as_i64())
        .collect();
    assert_eq!(ids, vec![Some(y.shiojiri_town)]);
    let f: Value = director
        .get("/api/v1/kpi/years/2024/funnel")
        .send_json()
        .await;
    assert_eq!(
        f["scopes"][0]["steps"][0]["people"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let omachi_director = app.login_as(OMACHI_DIRECTOR).await;
    let r: Value = omachi_director
        .get("/api/v1/kpi/years/2024")
        .send_json()
        .await;
    assert_eq!(r["scopes"].as_array().unwrap().len(), 1);
    assert_eq!(r["scopes"][0]["municipality_id"], y.omachi_town);
    // Omachi's director enters no order on a Shiojiri project.
    assert_eq!(
        omachi_director
            .post("/api/v1/kpi/orders")
            .json(&json!({"project_id": y.project, "ordered_on": "2024-05-01", "amount": 1}))
            .send_status()
            .await,
        StatusCode::FORBIDDEN
    );
    // A worker, reception: nothing.
    for who in [WORKER, RECEPTION] {
        let u = app.login_as(who).await;
        for path in [
            "/api/v1/kpi/years/2024",
            "/api/v1/kpi/years/2024/funnel",
            "/api/v1/kpi/years/2024/export.xlsx",
            "/api/v1/kpi/years/2024/orders",
        ] {
            assert_eq!(
                u.get(path).send_status().await,
                StatusCode::FORBIDDEN,
                "{who} {path}"
            );
        }
    }
    // Withdrawn, the viewer sees nothing again.
    assert_eq!(
        admin.delete(&grant).send_status().await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        viewer.get("/api/v1/kpi/years/2024").send_status().await,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(a_director_sees_names_only_from_the_sites_they_direct);

/// Two sites in one city: the director of one sees the city's funnel, but the people stuck
/// at the other site only as counts (the people area shows them no one else either).
async fn a_director_sees_names_only_from_the_sites_they_direct(b: Backend) {
    let app = TestApp::spawn(b).await;
    let y = year_2024(&app).await;
    sqlx::query("UPDATE sites SET municipality_id = $1 WHERE id = $2")
        .bind(y.shiojiri_town)
        .bind(y.omachi_site)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // An Omachi worker registered in the year, stuck at the first step.
    sqlx::query("UPDATE persons SET created_at = $1 WHERE email = $2")
        .bind(jst(2024, 5, 1, 9, 0))
        .bind(OMACHI_WORKER)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let sites_listed = |f: &Value| -> Vec<i64> {
        let town = scope(f, Some(y.shiojiri_town));
        let mut ids: Vec<i64> = town["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["people"].as_array().cloned().unwrap_or_default())
            .map(|p| p["site_id"].as_i64().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let admin = app.login_as(ADMIN).await;
    let all: Value = admin.get("/api/v1/kpi/years/2024/funnel").send_json().await;
    let director = app.login_as(DIRECTOR).await;
    let mine: Value = director
        .get("/api/v1/kpi/years/2024/funnel")
        .send_json()
        .await;
    let stuck = |f: &Value| scope(f, Some(y.shiojiri_town))["steps"][0]["stuck"].clone();
    assert_eq!(stuck(&all), stuck(&mine), "the counts hold everyone");
    assert!(sites_listed(&all).contains(&y.omachi_site), "{all}");
    assert_eq!(sites_listed(&mine), vec![SHIOJIRI], "{mine}");
}
