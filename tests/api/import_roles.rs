//! The import's optional role column (issue 21): worker by default, the console's roles in
//! Japanese or English, director and administrator refused row by row, shown in the dry run
//! and applied all-or-nothing with the rest; CSV (UTF-8 and Shift_JIS) and XLSX.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    roles_from_the_file_show_in_the_dry_run_and_are_granted,
    a_bad_or_unimportable_role_writes_nothing,
    roles_read_from_shift_jis_and_xlsx,
);

const IMPORT: &str = "/api/v1/sites/1/person-imports";

async fn post(user: &User, query: &str, body: Vec<u8>) -> reqwest::Response {
    user.post(&format!("{IMPORT}?{query}"))
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn report(user: &User, query: &str, body: Vec<u8>) -> Value {
    let res = post(user, query, body).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn column<'a>(report: &'a Value, key: &str) -> Vec<&'a str> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap_or(""))
        .collect()
}

/// The roles the person with this member number holds on site 1, sorted.
async fn roles_of(app: &TestApp, number: &str) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(&format!(
        "SELECT g.role FROM role_grants g JOIN persons p ON p.id = g.person_id
         WHERE p.member_number = '{number}' AND g.site_id = 1 ORDER BY g.role"
    ))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

async fn roles_from_the_file_show_in_the_dry_run_and_are_granted(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    // Japanese and English values, a blank cell (worker), and the demo worker K-0001 who
    // becomes a trainer as well.
    let csv = "member number,name,e-mail,role\n\
               R-1,Role One,r1@example.jp,トレーナー\n\
               R-2,Role Two,r2@example.jp,caregiver\n\
               R-3,Role Three,r3@example.jp,受付\n\
               R-4,Role Four,r4@example.jp,\n\
               R-5,Role Five,r5@example.jp,Worker\n\
               K-0001,ワーカー 一郎,worker01@kado.example,講師\n";
    let before = roles_of(&app, "K-0001").await;
    assert_eq!(before, ["worker"]);
    let dry = report(&director, "dry_run=true", csv.as_bytes().to_vec()).await;
    assert_eq!(
        column(&dry, "role"),
        [
            "trainer",
            "caregiver",
            "reception",
            "worker",
            "worker",
            "trainer"
        ],
        "{dry}"
    );
    assert_eq!(
        column(&dry, "outcome"),
        ["new", "new", "new", "new", "new", "update"]
    );
    assert_eq!(roles_of(&app, "R-1").await, Vec::<String>::new());

    let done = report(&director, "dry_run=false", csv.as_bytes().to_vec()).await;
    assert_eq!(done["imported"], true);
    assert_eq!(roles_of(&app, "R-1").await, ["trainer"]);
    assert_eq!(roles_of(&app, "R-2").await, ["caregiver"]);
    assert_eq!(roles_of(&app, "R-3").await, ["reception"]);
    assert_eq!(roles_of(&app, "R-4").await, ["worker"]);
    assert_eq!(roles_of(&app, "R-5").await, ["worker"]);
    // Added, not replacing: the worker keeps working.
    assert_eq!(roles_of(&app, "K-0001").await, ["trainer", "worker"]);
    // Once held, the same file changes nothing.
    let again = report(&director, "dry_run=true", csv.as_bytes().to_vec()).await;
    assert_eq!(again["unchanged"], 6, "{again}");
}

async fn a_bad_or_unimportable_role_writes_nothing(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let csv = "会員番号,氏名,メールアドレス,役割\n\
               B-1,Bad One,b1@example.jp,ワーカー\n\
               B-2,Bad Two,b2@example.jp,施設長\n\
               B-3,Bad Three,b3@example.jp,admin\n\
               B-4,Bad Four,b4@example.jp,pilot\n";
    let persons = app.count("SELECT COUNT(*) FROM persons").await;
    let dry = report(&director, "dry_run=true", csv.as_bytes().to_vec()).await;
    assert_eq!(column(&dry, "outcome"), ["new", "error", "error", "error"]);
    let rows = dry["rows"].as_array().unwrap();
    assert_eq!(rows[1]["errors"][0]["code"], "import.role_not_importable");
    assert_eq!(rows[1]["errors"][0]["field"], "role");
    assert_eq!(rows[1]["errors"][0]["column"], "役割");
    assert!(
        rows[1]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("施設長"),
        "the reason, in Japanese: {}",
        rows[1]
    );
    assert_eq!(rows[2]["errors"][0]["code"], "import.role_not_importable");
    assert_eq!(rows[3]["errors"][0]["code"], "import.bad_role");

    let res = post(&director, "dry_run=false", csv.as_bytes().to_vec()).await;
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "import.rows_invalid").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["rows.3.role", "rows.4.role", "rows.5.role"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM persons").await, persons);
    assert_eq!(roles_of(&app, "B-1").await, Vec::<String>::new());

    // In English, the reason in English.
    let res = director
        .post(&format!("{IMPORT}?dry_run=true"))
        .header("content-type", "text/csv")
        .header("accept-language", "en")
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let dry: Value = res.json().await.unwrap();
    assert!(
        dry["rows"][1]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Director"),
        "{}",
        dry["rows"][1]
    );
}

async fn roles_read_from_shift_jis_and_xlsx(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let text = "会員番号,氏名,メールアドレス,役割\r\n\
                J-1,保育 花子,j1@example.jp,保育士\r\n\
                J-2,受付 太郎,j2@example.jp,受付\r\n";
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&sjis).is_err(), "really not UTF-8");
    let done = report(&director, "dry_run=false", sjis.into_owned()).await;
    assert_eq!(column(&done, "role"), ["caregiver", "reception"], "{done}");
    assert_eq!(roles_of(&app, "J-1").await, ["caregiver"]);
    assert_eq!(roles_of(&app, "J-2").await, ["reception"]);

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Member number", "Name", "E-mail", "Role"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (n, role)) in [("X-1", "Trainer"), ("X-2", "director")].iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *n).unwrap();
        sheet.write_string(r, 1, format!("Xlsx {n}")).unwrap();
        sheet
            .write_string(r, 2, format!("{}@example.jp", n.to_lowercase()))
            .unwrap();
        sheet.write_string(r, 3, *role).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let dry = report(&director, "dry_run=true", bytes).await;
    assert_eq!(column(&dry, "outcome"), ["new", "error"], "{dry}");
    assert_eq!(column(&dry, "role"), ["trainer", "worker"]);
    assert_eq!(
        dry["rows"][1]["errors"][0]["code"],
        "import.role_not_importable"
    );
    assert_eq!(dry["rows"][1]["errors"][0]["column"], "Role");
}
