//! Importing workers from a spreadsheet (issue 21), on both backends: the dry run's row by
//! row answer, the all-or-nothing import, Shift_JIS and XLSX files, duplicates, BOM / CRLF /
//! quotes / full-width digits, the limits, and who may import where.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    five_hundred_rows_with_three_bad_ones_write_nothing,
    shift_jis_and_xlsx_files_are_read,
    duplicates_in_the_file_are_each_an_error,
    bom_crlf_quotes_and_full_width_digits_are_read,
    limits_answer_413_with_the_limit,
    only_the_sites_directors_import,
    spreadsheets_that_would_blow_up_are_refused,
    an_address_changed_by_an_import_tells_the_old_address,
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

async fn dry_run(user: &User, body: Vec<u8>) -> Value {
    let res = post(user, "dry_run=true", body).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn outcomes(report: &Value) -> Vec<&str> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect()
}

fn row(report: &Value, n: u64) -> &Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == n)
        .unwrap_or_else(|| panic!("row {n} in {report}"))
}

fn csv_of(rows: usize) -> String {
    let mut s = String::from("member number,name,kana,e-mail,team\n");
    for i in 0..rows {
        s.push_str(&format!(
            "IMP-{i:04},Worker {i},ワーカー,imp{i}@example.jp,AIアノテーション\n"
        ));
    }
    s
}

async fn five_hundred_rows_with_three_bad_ones_write_nothing(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let mut lines: Vec<String> = csv_of(500).lines().map(String::from).collect();
    // Rows 11, 201 and 501 (the header is row 1): a bad address, an unknown team, no name.
    lines[10] = "IMP-0009,Worker 9,ワーカー,not-an-address,AIアノテーション".into();
    lines[200] = "IMP-0199,Worker 199,ワーカー,imp199@example.jp,No such team".into();
    lines[500] = "IMP-0499,,ワーカー,imp499@example.jp,".into();
    let body = lines.join("\n").into_bytes();
    let persons = app.count("SELECT COUNT(*) FROM persons").await;

    let report = dry_run(&director, body.clone()).await;
    assert_eq!(report["new"], 497, "{}", report["rows"][0]);
    assert_eq!(report["errors"], 3);
    assert_eq!(report["imported"], false);
    let bad = row(&report, 11);
    assert_eq!(bad["outcome"], "error");
    assert_eq!(bad["errors"][0]["field"], "email");
    assert_eq!(bad["errors"][0]["column"], "e-mail");
    assert_eq!(bad["errors"][0]["code"], "person.bad_email");
    assert_eq!(
        row(&report, 201)["errors"][0]["code"],
        "person.unknown_team"
    );
    assert_eq!(row(&report, 201)["errors"][0]["column"], "team");
    assert_eq!(row(&report, 501)["errors"][0]["field"], "name");
    assert_eq!(row(&report, 2)["outcome"], "new");
    assert_eq!(app.count("SELECT COUNT(*) FROM persons").await, persons);

    // The import itself refuses the whole file, naming each bad row's field.
    let res = post(&director, "dry_run=false", body).await;
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "import.rows_invalid").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["rows.11.email", "rows.201.team", "rows.501.name"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM persons").await, persons);

    // Mended, all 500 go in, each a worker of the site in its team; a second run changes
    // nothing.
    let good = csv_of(500).into_bytes();
    let res = post(&director, "dry_run=false", good.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(
        (report["new"].as_u64(), report["imported"].as_bool()),
        (Some(500), Some(true))
    );
    assert!(report["rows"][0]["person_id"].as_i64().is_some());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM persons").await,
        persons + 500
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM role_grants g JOIN persons p ON p.id = g.person_id
             WHERE p.member_number LIKE 'IMP-%' AND g.site_id = 1 AND g.role = 'worker'"
        )
        .await,
        500
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM persons p JOIN teams t ON t.id = p.team_id
             WHERE p.member_number LIKE 'IMP-%' AND t.name = 'AIアノテーション'"
        )
        .await,
        500
    );
    let again = dry_run(&director, good).await;
    assert_eq!(again["unchanged"], 500);
}

async fn shift_jis_and_xlsx_files_are_read(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    // As Excel saves "CSV" in Japan: Shift_JIS (CP932), Japanese headers, CRLF; an update of
    // a demo worker (K-0001) and a new one, with a municipality by name and one by code.
    let text = "会員番号,氏名,フリガナ,メールアドレス,電話番号,自治体,言語\r\n\
                K-0001,新しい名前,アタラシイ ナマエ,worker01@kado.example,0263-00-0000,松本市,en\r\n\
                S-0001,髙橋 﨑子,タカハシ サキコ,sakiko@example.jp,,202151,日本語\r\n";
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&sjis).is_err(), "really not UTF-8");
    let res = post(&director, "dry_run=false", sjis.into_owned()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(outcomes(&report), ["update", "new"], "{report}");
    let me = app.person_id(WORKER).await;
    let p: Value = director
        .get(&format!("/api/v1/persons/{me}"))
        .send_json()
        .await;
    assert_eq!(p["name"], "新しい名前");
    assert_eq!(p["language"], "en");
    assert_eq!(p["phone"], "0263-00-0000");
    let new: (String, String) =
        sqlx::query_as("SELECT name, name_kana FROM persons WHERE member_number = 'S-0001'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(new, ("髙橋 﨑子".into(), "タカハシ サキコ".into()));

    // XLSX: English headers, a member number typed as a number, an empty first column.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Member number", "Name", "E-mail", "Team"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16 + 1, *h).unwrap();
    }
    sheet.write_number(1, 1, 4321.0).unwrap();
    sheet.write_string(1, 2, "Xlsx Worker").unwrap();
    sheet.write_string(1, 3, "xlsx@example.jp").unwrap();
    sheet.write_string(1, 4, "3D地図データ").unwrap();
    sheet.write_string(2, 1, "X-2").unwrap();
    sheet.write_string(2, 2, "Second").unwrap();
    sheet.write_string(2, 3, "bad address").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let report = dry_run(&director, bytes.clone()).await;
    assert_eq!(outcomes(&report), ["new", "error"], "{report}");
    assert_eq!(row(&report, 2)["member_number"], "4321");
    assert_eq!(row(&report, 3)["errors"][0]["column"], "E-mail");
    // A file that is neither: 422, not a 500.
    let mut broken = bytes[..200].to_vec();
    broken.extend_from_slice(b"garbage");
    let res = post(&director, "dry_run=true", broken).await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "import.unreadable").await;
}

async fn duplicates_in_the_file_are_each_an_error(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let csv = "member number,name,email\n\
               D-1,One,d1@example.jp\n\
               D-2,Two,d2@example.jp\n\
               Ｄ－１,One again,d1b@example.jp\n\
               D-3,Three,D2@example.jp\n\
               D-4,Four,worker02@kado.example\n";
    let report = dry_run(&director, csv.into()).await;
    assert_eq!(
        outcomes(&report),
        ["error", "error", "error", "error", "error"],
        "{report}"
    );
    assert_eq!(
        row(&report, 2)["errors"][0]["code"],
        "import.duplicate_member_number"
    );
    assert_eq!(
        row(&report, 4)["errors"][0]["code"],
        "import.duplicate_member_number"
    );
    assert_eq!(
        row(&report, 3)["errors"][0]["code"],
        "import.duplicate_email"
    );
    assert_eq!(
        row(&report, 5)["errors"][0]["code"],
        "import.duplicate_email"
    );
    // An address someone else (another member number) has.
    assert_eq!(row(&report, 6)["errors"][0]["code"], "import.email_taken");
    // Japanese texts by default, English when asked.
    assert_eq!(
        row(&report, 2)["errors"][0]["message"],
        "この会員番号はファイル内に複数あります。"
    );
    let res = director
        .post(&format!("{IMPORT}?dry_run=true"))
        .header("accept-language", "en")
        .body(csv)
        .send()
        .await
        .unwrap();
    let en: Value = res.json().await.unwrap();
    assert_eq!(
        row(&en, 2)["errors"][0]["message"],
        "This member number appears more than once in the file."
    );
}

async fn bom_crlf_quotes_and_full_width_digits_are_read(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(
        "会員番号,氏名,メール,チーム,備考\r\n\
         Ｑ－００１２,\"山田, 太郎\",\"ｙａｍａｄａ@example.jp\",\"バックオフィス\",\"二行の\r\n備考, です\"\r\n\
         \"Q-13\",\"He said \"\"hi\"\"\",q13@example.jp,,\r\n"
            .as_bytes(),
    );
    let res = post(&director, "dry_run=false", body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(outcomes(&report), ["new", "new"], "{report}");
    assert_eq!(report["ignored_columns"], serde_json::json!(["備考"]));
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT member_number, name, email FROM persons WHERE member_number LIKE 'Q-%' ORDER BY member_number",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "Q-0012".into(),
                "山田, 太郎".into(),
                "yamada@example.jp".into()
            ),
            (
                "Q-13".into(),
                "He said \"hi\"".into(),
                "q13@example.jp".into()
            ),
        ]
    );
}

async fn limits_answer_413_with_the_limit(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let res = post(&director, "dry_run=true", csv_of(5001).into_bytes()).await;
    let p = problem(res, StatusCode::PAYLOAD_TOO_LARGE, "import.too_many_rows").await;
    assert!(p["detail"].as_str().unwrap().contains("5000"), "{p}");
    // 5,000 rows are fine.
    let report = dry_run(&director, csv_of(5000).into_bytes()).await;
    assert_eq!(report["new"], 5000);
    let mut big = csv_of(10).into_bytes();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let res = post(&director, "dry_run=true", big).await;
    let p = problem(res, StatusCode::PAYLOAD_TOO_LARGE, "import.too_large").await;
    assert!(p["detail"].as_str().unwrap().contains("5 MB"), "{p}");
    let res = post(
        &director,
        "dry_run=true",
        b"name,email\nx,y@z.jp\n".to_vec(),
    )
    .await;
    problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import.missing_column",
    )
    .await;
    let res = post(&director, "dry_run=true", Vec::new()).await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "import.empty").await;
    let res = post(
        &director,
        "dry_run=true",
        b"member number,name,email\n1,\"x,y@z.jp\n".to_vec(),
    )
    .await;
    problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import.unclosed_quote",
    )
    .await;
}

async fn only_the_sites_directors_import(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let body = csv_of(2).into_bytes();
    for email in [OMACHI_DIRECTOR, RECEPTION, WORKER] {
        let res = post(&app.login_as(email).await, "dry_run=false", body.clone()).await;
        problem(res, StatusCode::FORBIDDEN, "auth.forbidden").await;
    }
    let res = post(&app.guest(), "dry_run=true", body.clone()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM persons WHERE member_number LIKE 'IMP-%'")
            .await,
        0
    );
    // A row naming another site is refused; a director cannot change someone who also works
    // at another site (the Omachi director), an administrator can.
    let csv = "member number,name,email,site\n\
               IMP-1,One,one@example.jp,大町サテライトオフィス\n\
               IMP-2,Two,two@example.jp,塩尻市テレワークセンター\n";
    let director = app.login_as(DIRECTOR).await;
    let report = dry_run(&director, csv.into()).await;
    assert_eq!(outcomes(&report), ["error", "new"]);
    assert_eq!(row(&report, 2)["errors"][0]["code"], "import.other_site");
    let omachi_worker = app.person_id(OMACHI_WORKER).await;
    let number: String = sqlx::query_scalar("SELECT member_number FROM persons WHERE id = $1")
        .bind(omachi_worker)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let csv = format!("member number,name,email\n{number},Renamed,{OMACHI_WORKER}\n");
    let report = dry_run(&director, csv.clone().into_bytes()).await;
    assert_eq!(row(&report, 2)["errors"][0]["code"], "import.not_managed");
    // A refused row shows only what the file says, never the stored person it names.
    let probe = format!("member number,name,email\n{number},,\n");
    let report = dry_run(&director, probe.into_bytes()).await;
    let line = row(&report, 2);
    assert_eq!(line["outcome"], "error", "{line}");
    assert_eq!(
        (&line["name"], &line["email"]),
        (&Value::from(""), &Value::from("")),
        "{line}"
    );
    assert!(line["person_id"].is_null(), "{line}");
    let admin = app.login_as(ADMIN).await;
    let res = post(&admin, "dry_run=false", csv.into_bytes()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(outcomes(&report), ["update"]);
}

/// A zip of the given parts (deflated), as an XLSX file is.
fn zipped(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, data) in parts {
        zip.start_file(*name, deflated).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

/// Small files that would make the reader ask for gigabytes are refused (413) and the
/// service keeps serving: a sheet whose cells span A1 to XFD1048576, a declared count of
/// forty billion shared strings, a part that unpacks to far more than any sheet of people.
async fn spreadsheets_that_would_blow_up_are_refused(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Member number", "Name", "E-mail"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "far").unwrap();
    let corners = book.save_to_buffer().unwrap();
    assert!(corners.len() < 20_000);
    let sst = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="40000000000"><si><t>x</t></si></sst>"#;
    let strings = zipped(&[("xl/sharedStrings.xml", sst.to_vec())]);
    let bomb = zipped(&[("xl/worksheets/sheet1.xml", vec![b' '; 200 * 1024 * 1024])]);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    for (what, file) in [("corners", corners), ("strings", strings), ("bomb", bomb)] {
        let res = post(&director, "dry_run=true", file).await;
        let status = res.status();
        let p: Value = res.json().await.unwrap();
        assert_eq!(
            (status, p["code"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("import.too_large")),
            "{what}: {p}"
        );
    }
    // Blank lines cost nothing: a header, three megabytes of them, one row.
    let mut csv = b"member number,name,email\n".to_vec();
    csv.extend(std::iter::repeat_n(b'\n', 3 * 1024 * 1024));
    csv.extend(b"B-1,Blank Lines,blank@example.jp\n");
    let report = dry_run(&director, csv).await;
    assert_eq!(outcomes(&report), ["new"]);
    assert_eq!(row(&report, 3 * 1024 * 1024 + 2)["member_number"], "B-1");
}

/// From the review: an import that moved a worker's address to one the director holds let the
/// director sign in as the worker through a mailed link, silently. Now it ends the worker's
/// sessions and tells the old address, as a change in the console does.
async fn an_address_changed_by_an_import_tells_the_old_address(b: Backend) {
    let app = TestApp::spawn(b).await;
    let director = app.login_as(DIRECTOR).await;
    let worker = app.login_as(WORKER).await;
    let name: String = sqlx::query_scalar("SELECT name FROM persons WHERE email = $1")
        .bind(WORKER)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let csv = format!("member number,name,e-mail\nK-0001,{name},director-held@example.jp\n");
    let res = post(&director, "dry_run=false", csv.into_bytes()).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    worker
        .get("/api/v1/auth/me")
        .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
        .await;
    let notice: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE kind = 'email_changed' AND to_email = $1",
    )
    .bind(WORKER)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(notice.contains("director-held@example.jp"), "{notice}");
}
