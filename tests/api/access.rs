//! Secure client rooms over HTTP, on both backends: booking refused without roster, NDA and
//! current training (with the reason in the worker's language); the door reader's allow and
//! deny (an NDA expiring at that instant, a worker of another project, the wrong kind of
//! device); every decision and change audited in one hash chain, also under 50 concurrent door
//! scans and two instances; the chain verified, and its first changed record named.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    a_door_paired_by_any_writer_is_refused_at_the_entrance,
    booking_a_secure_room_needs_roster_nda_and_training,
    the_door_allows_and_denies_with_the_reason,
    fifty_concurrent_door_scans_keep_one_chain,
    verify_names_the_first_changed_record,
    export_streams_the_rooms_trail_with_its_hashes,
    review_flags_and_reminds_once_with_two_instances,
    every_refused_door_attempt_names_whom_it_claimed,
    reminders_speak_each_recipients_language,
    a_withdrawn_or_another_sites_course_cannot_be_required,
);

/// Tuesday 2026-11-24 at `h:m` in Tokyo.
fn tokyo(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo
        .with_ymd_and_hms(2026, 11, d, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

struct Secure {
    app: TestApp,
    director: User,
    room: i64,
    project: i64,
    other_project: i64,
    course: i64,
    /// Demo worker 1, on the room's project with an NDA and current training.
    worker: User,
    worker_id: i64,
    door: Kiosk,
    door_id: i64,
}

async fn project_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM client_projects WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// A completion of the course for the person, current until `until` (a test's fact: the
/// training area grants it from attendance).
async fn trained(app: &TestApp, person: i64, course: i64, until: DateTime<Utc>) {
    sqlx::query(
        "INSERT INTO training_completions (person_id, course_id, completed_at, expires_at,
             sessions_required, minimum_minutes, validity_months, created_at)
         VALUES ($1, $2, $3, $4, 1, 90, 12, $3)",
    )
    .bind(person)
    .bind(course)
    .bind(tokyo(1, 9, 0).timestamp() - 200 * 86400)
    .bind(until.timestamp())
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// An open presence session at Shiojiri (checked in at the entrance).
async fn checked_in(app: &TestApp, person: i64) {
    sqlx::query(
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at) VALUES (1, $1, $2)",
    )
    .bind(person)
    .bind(app.clock.epoch() - 60)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// A kiosk device registered and paired at Shiojiri: its id and the paired client.
async fn new_kiosk(app: &TestApp, director: &User, name: &str) -> (i64, Kiosk) {
    let reg = director
        .post("/api/v1/sites/1/kiosks")
        .json(&json!({"name": name}))
        .send_json()
        .await;
    let user = app.guest();
    let paired = user
        .post("/api/v1/kiosk/pair")
        .json(&json!({"code": reg["pairing_code"]}))
        .send_json()
        .await;
    let token = paired["token"].as_str().unwrap().to_string();
    (reg["id"].as_i64().unwrap(), Kiosk { user, token })
}

/// A door reader whose pairing row was written without the service (an instance of an older
/// version during a deploy, or by hand) is refused at the entrance all the same.
async fn a_door_paired_by_any_writer_is_refused_at_the_entrance(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(24, 8, 30)).await;
    let director = app.login_as(DIRECTOR).await;
    let room = app.space_id(SHIOJIRI, "R-01").await;
    let (id, kiosk) = new_kiosk(&app, &director, "R-01 door").await;
    let worker = app.as_worker(1).await;
    let qr = worker.qr_payload().await;
    sqlx::query("INSERT INTO access_doors (device_id, site_id, space_id) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(SHIOJIRI)
        .bind(room)
        .execute(&app.db.pool)
        .await
        .unwrap();
    kiosk
        .refused(&qr, StatusCode::FORBIDDEN, "access.door_at_entrance")
        .await;
}

async fn setup(b: Backend) -> Secure {
    let app = TestApp::spawn_at(b, tokyo(24, 8, 30)).await;
    let director = app.login_as(DIRECTOR).await;
    let room = app.space_id(SHIOJIRI, "R-01").await;
    let project = project_id(&app, "自動運転向け3D地図").await;
    let other_project = project_id(&app, "画像アノテーション").await;
    let course: i64 = sqlx::query_scalar(
        "SELECT id FROM training_courses WHERE name_en = 'Information security'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    director
        .put(&format!("/api/v1/secure-rooms/{room}"))
        .json(&json!({"project_ids": [project]}))
        .send_status()
        .await;
    for p in [project, other_project] {
        let s = director
            .put(&format!("/api/v1/projects/{p}/requirements"))
            .json(&json!({"course_ids": [course]}))
            .send_status()
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    let worker_id = app.person_id(&worker_email(1)).await;
    on_project(&app, &director, project, worker_id, course).await;
    let (door_id, door) = new_kiosk(&app, &director, "R-01 door").await;
    let s = director
        .put(&format!("/api/v1/kiosks/{door_id}/door"))
        .json(&json!({"space_id": room}))
        .send_status()
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let worker = app.as_worker(1).await;
    Secure {
        app,
        director,
        room,
        project,
        other_project,
        course,
        worker,
        worker_id,
        door,
        door_id,
    }
}

/// Puts a person on a project with an NDA to the end of 2026 and training current to 2027.
async fn on_project(app: &TestApp, director: &User, project: i64, person: i64, course: i64) {
    let s = director
        .post(&format!("/api/v1/projects/{project}/roster"))
        .json(&json!({"person_id": person, "from": "2026-01-01"}))
        .send_status()
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let s = director
        .post(&format!("/api/v1/projects/{project}/ndas"))
        .json(&json!({"person_id": person, "signed_on": "2026-01-01",
                      "expires_on": "2026-12-31", "document_ref": "NDA-2026-001"}))
        .send_status()
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    trained(
        app,
        person,
        course,
        tokyo(1, 0, 0) + chrono::Duration::days(400),
    )
    .await;
}

impl Secure {
    /// The worker scans their phone's QR code at the door.
    async fn scan(&self, who: &User, direction: &str) -> Value {
        let qr = who.qr_payload().await;
        self.door
            .post("/api/v1/door/scan")
            .header("accept-language", "en")
            .json(&json!({"credential": qr, "direction": direction}))
            .send_json()
            .await
    }

    async fn audit_rows(&self, action: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM access_audit WHERE action = $1")
            .bind(action)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }

    async fn verify(&self) -> Value {
        self.app
            .login_as(ADMIN)
            .await
            .get("/api/v1/audit/verify")
            .send_json()
            .await
    }
}

fn denied(r: &Value, code: &str) {
    assert_eq!(r["allowed"], false, "{r}");
    assert_eq!(r["code"], code, "{r}");
    assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
}

async fn booking_a_secure_room_needs_roster_nda_and_training(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    // Worker 2 is on no project of the room.
    let res = app
        .as_worker(2)
        .await
        .post("/api/v1/bookings")
        .header("accept-language", "en")
        .json(&desk(s.room, "2026-11-25", "09:00", "12:00"))
        .sent()
        .await;
    let p = problem(res, StatusCode::FORBIDDEN, "booking.secure_room_access").await;
    assert_eq!(p["errors"][0]["code"], "access.not_on_roster", "{p}");
    // Worker 1 is cleared: the booking is made.
    s.worker
        .book(&desk(s.room, "2026-11-25", "09:00", "12:00"))
        .await
        .error_for_status()
        .unwrap();
    // Training that expires on the night of 11-30 refuses a booking on 12-01, in the
    // worker's language.
    sqlx::query("UPDATE training_completions SET expires_at = $1 WHERE person_id = $2")
        .bind(tokyo(30, 0, 0).timestamp() + 86400)
        .bind(s.worker_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    for (lang, text) in [
        ("en", "Information security training expired on 11/30/2026"),
        (
            "ja",
            "情報セキュリティの研修の有効期限が2026年11月30日に切れました",
        ),
    ] {
        let res = s
            .worker
            .post("/api/v1/bookings")
            .header("accept-language", lang)
            .json(&desk(s.room, "2026-12-01", "09:00", "12:00"))
            .sent()
            .await;
        let p = problem(res, StatusCode::FORBIDDEN, "booking.secure_room_access").await;
        assert!(p["detail"].as_str().unwrap().contains(text), "{p}");
        assert_eq!(p["errors"][0]["code"], "access.training_expired", "{p}");
    }
    // The NDA: none for worker 3, put on the roster only.
    let w3 = app.person_id(&worker_email(3)).await;
    s.director
        .post(&format!("/api/v1/projects/{}/roster", s.project))
        .json(&json!({"person_id": w3, "from": "2026-11-01"}))
        .send_status()
        .await;
    let res = app
        .as_worker(3)
        .await
        .post("/api/v1/bookings")
        .json(&desk(s.room, "2026-11-25", "13:00", "15:00"))
        .sent()
        .await;
    let p = problem(res, StatusCode::FORBIDDEN, "booking.secure_room_access").await;
    assert_eq!(p["errors"][0]["code"], "access.no_nda", "{p}");
    // Bad input: an NDA that expires before it was signed; a worker of another site; another
    // site's director.
    let p = s
        .director
        .post(&format!("/api/v1/projects/{}/ndas", s.project))
        .json(
            &json!({"person_id": w3, "signed_on": "2026-11-01", "expires_on": "2026-10-31",
                      "document_ref": "x"}),
        )
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(
        p["errors"][0]["code"], "access.nda_expiry_before_signing",
        "{p}"
    );
    let omachi = app.person_id(OMACHI_WORKER).await;
    s.director
        .post(&format!("/api/v1/projects/{}/roster", s.project))
        .json(&json!({"person_id": omachi, "from": "2026-11-01"}))
        .send_problem(StatusCode::FORBIDDEN, "access.person_not_managed")
        .await;
    let other = app.login_as(OMACHI_DIRECTOR).await;
    other
        .post(&format!("/api/v1/projects/{}/roster", s.project))
        .json(&json!({"person_id": omachi, "from": "2026-11-01"}))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    other
        .get(&format!(
            "/api/v1/secure-rooms/{}/audit?from=2026-11-01&to=2026-11-30",
            s.room
        ))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    app.as_worker(2)
        .await
        .get("/api/v1/sites/1/access-review")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    // Every change was audited: the room, two requirements, two rosters, one NDA, the door.
    assert_eq!(s.audit_rows("roster.set").await, 2);
    assert_eq!(s.audit_rows("nda.set").await, 1);
    assert_eq!(s.audit_rows("room.set").await, 1);
    assert_eq!(s.audit_rows("requirements.set").await, 2);
    assert_eq!(s.verify().await["intact"], true);
}

async fn the_door_allows_and_denies_with_the_reason(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    s.worker
        .book(&desk(s.room, "2026-11-24", "09:00", "12:00"))
        .await
        .error_for_status()
        .unwrap();
    app.clock.set(tokyo(24, 9, 5));
    denied(&s.scan(&s.worker, "enter").await, "access.not_checked_in");
    checked_in(app, s.worker_id).await;
    let r = s.scan(&s.worker, "enter").await;
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(r["room"], "R-01");
    let inside = s
        .director
        .get("/api/v1/sites/1/secure-room-occupants")
        .send_json()
        .await;
    assert_eq!(inside[0]["person_id"], s.worker_id, "{inside}");
    assert_eq!(inside[0]["booked"], 1, "{inside}");
    // The live view: no alert while the booking covers the person inside; once it has
    // ended, "someone inside, nobody booked".
    let unbooked = |live: &Value| {
        live["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "secure_room_unbooked")
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let live = s.director.get("/api/v1/sites/1/live").send_json().await;
    assert_eq!(unbooked(&live), Vec::<String>::new(), "{live}");
    app.clock.set(tokyo(24, 12, 5));
    let live = s.director.get("/api/v1/sites/1/live").send_json().await;
    let alerts = unbooked(&live);
    assert_eq!(alerts.len(), 1, "{live}");
    assert!(alerts[0].contains("R-01"), "{alerts:?}");
    app.clock.set(tokyo(24, 9, 6));
    let r = s.scan(&s.worker, "leave").await;
    assert_eq!(r["allowed"], true, "{r}");
    let inside = s
        .director
        .get("/api/v1/sites/1/secure-room-occupants")
        .send_json()
        .await;
    assert_eq!(inside, json!([]));
    // A worker of another project (cleared there, checked in) is refused at this room.
    let w2 = app.as_worker(2).await;
    let w2_id = app.person_id(&worker_email(2)).await;
    on_project(app, &s.director, s.other_project, w2_id, s.course).await;
    checked_in(app, w2_id).await;
    denied(&s.scan(&w2, "enter").await, "access.not_on_roster");
    // After the booking ends: no booking, unless the roster is enough.
    app.clock.set(tokyo(24, 12, 30));
    denied(&s.scan(&s.worker, "enter").await, "access.no_booking");
    s.director
        .put(&format!("/api/v1/secure-rooms/{}", s.room))
        .json(&json!({"project_ids": [s.project], "roster_enough": true}))
        .send_status()
        .await;
    assert_eq!(s.scan(&s.worker, "enter").await["allowed"], true);
    // An NDA whose last day is today: allowed to the last second, denied at the instant of
    // expiry (midnight in the site's zone).
    s.director
        .post(&format!("/api/v1/projects/{}/ndas", s.project))
        .json(&json!({"person_id": s.worker_id, "signed_on": "2026-01-01",
                      "expires_on": "2026-11-24", "document_ref": "NDA-2026-001"}))
        .send_status()
        .await;
    app.clock
        .set(tokyo(25, 0, 0) - chrono::Duration::seconds(1));
    assert_eq!(s.scan(&s.worker, "enter").await["allowed"], true);
    app.clock.set(tokyo(25, 0, 0));
    let r = s.scan(&s.worker, "enter").await;
    denied(&r, "access.nda_expired");
    assert_eq!(r["message"], "The NDA expired on 11/24/2026.");
    // An unknown card is an attempt too.
    let r = s
        .door
        .post("/api/v1/door/scan")
        .json(&json!({"credential": "CARD:DEADBEEF", "direction": "enter"}))
        .send_json()
        .await;
    assert_eq!(r["allowed"], false, "{r}");
    // The wrong kind of device: the entrance kiosk at the door, the door at the entrance.
    let entrance = app.kiosk().await;
    let qr = s.worker.qr_payload().await;
    problem(
        entrance
            .post("/api/v1/door/scan")
            .json(&json!({"credential": qr, "direction": "enter"}))
            .sent()
            .await,
        StatusCode::FORBIDDEN,
        "access.not_a_door",
    )
    .await;
    s.door
        .refused(&qr, StatusCode::FORBIDDEN, "access.door_at_entrance")
        .await;
    // A PIN typed at the door reader is refused there too, before it is checked or counted,
    // and neither scan is logged as the entrance's.
    s.door
        .refused(
            "PIN:K-0001:1234",
            StatusCode::FORBIDDEN,
            "access.door_at_entrance",
        )
        .await;
    let logged = app
        .count(&format!(
            "SELECT COUNT(*) FROM scans WHERE device_id = {}",
            s.door_id
        ))
        .await;
    assert_eq!(logged, 0);
    // Every attempt at the door is one audit record: 8 enters, 1 leave.
    assert_eq!(s.audit_rows("door.enter").await, 8);
    assert_eq!(s.audit_rows("door.leave").await, 1);
    let allowed = app
        .count(
            "SELECT COUNT(*) FROM access_audit
             WHERE action IN ('door.enter', 'door.leave') AND decision = 'allow'",
        )
        .await;
    assert_eq!(allowed, 4);
    let v = s.verify().await;
    assert_eq!(v["intact"], true, "{v}");
    // Each names the door reader it was made at.
    let at_door = app
        .count(&format!(
            "SELECT COUNT(*) FROM access_audit WHERE action = 'door.enter' AND device_id = {}",
            s.door_id
        ))
        .await;
    assert_eq!(at_door, 8);
    // Leaving is only for someone inside: another "leave" is refused (and audited).
    denied(&s.scan(&w2, "leave").await, "access.not_inside");
    assert_eq!(s.audit_rows("door.leave").await, 2);
    // A person deactivated since is refused at the door as at the entrance, still audited.
    app.clock.set(tokyo(24, 16, 0));
    let qr = s.worker.qr_payload().await;
    sqlx::query(&format!(
        "UPDATE persons SET active = 0 WHERE id = {}",
        s.worker_id
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();
    let r = s
        .door
        .post("/api/v1/door/scan")
        .header("accept-language", "en")
        .json(&json!({"credential": qr, "direction": "enter"}))
        .send_json()
        .await;
    denied(&r, "kiosk.unknown_credential");
    assert_eq!(s.audit_rows("door.enter").await, 9);
}

async fn fifty_concurrent_door_scans_keep_one_chain(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    app.clock.set(tokyo(24, 9, 5));
    let second = app.second_instance().await;
    let before = app.count("SELECT COUNT(*) FROM access_audit").await;
    // Workers 1-10: half of them checked in (and worker 1 cleared), so both decisions happen.
    let mut creds = Vec::new();
    for n in 1..=10u32 {
        let user = app.as_worker(n).await;
        let id = app.person_id(&worker_email(n)).await;
        if n % 2 == 1 {
            checked_in(app, id).await;
        }
        creds.push(user.qr_payload().await);
    }
    s.director
        .put(&format!("/api/v1/secure-rooms/{}", s.room))
        .json(&json!({"project_ids": [s.project], "roster_enough": true}))
        .send_status()
        .await;
    let mut tasks = Vec::new();
    for i in 0..50usize {
        let base = app.base_for(&second, i);
        let token = s.door.token.clone();
        let cred = creds[i % creds.len()].clone();
        let dir = if i % 5 == 4 { "leave" } else { "enter" };
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/door/scan"))
                .bearer_auth(token)
                .json(&json!({"credential": cred, "direction": dir}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let door = app
        .count("SELECT COUNT(*) FROM access_audit WHERE action IN ('door.enter', 'door.leave')")
        .await;
    assert_eq!(door, 50);
    let after = app.count("SELECT COUNT(*) FROM access_audit").await;
    assert_eq!(after, before + 51, "50 scans and the room's change");
    // One line: ids 1..n without a gap, each chained to the one before.
    assert_eq!(app.count("SELECT MAX(id) FROM access_audit").await, after);
    let v = s.verify().await;
    assert_eq!(v["intact"], true, "{v}");
    assert_eq!(v["records"], after);
}

async fn verify_names_the_first_changed_record(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    let n = app.count("SELECT COUNT(*) FROM access_audit").await;
    assert!(n >= 5, "{n}");
    // The database refuses to change or remove a record.
    for sql in [
        "UPDATE access_audit SET decision = 'allow' WHERE id = 3",
        "DELETE FROM access_audit WHERE id = 3",
    ] {
        let err = sqlx::query(sql).execute(&app.db.pool).await.unwrap_err();
        assert!(err.to_string().contains("append"), "{sql}: {err}");
    }
    let cli = |url: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kado"))
            .args(["audit", "verify"])
            .env("DATABASE_URL", url)
            .output()
            .unwrap()
    };
    let out = cli(&app.database_url);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
    // Someone with the owner's rights disables the trigger and edits record 3.
    let disable = match b {
        Backend::Sqlite => "DROP TRIGGER access_audit_no_update",
        Backend::Postgres => "ALTER TABLE access_audit DISABLE TRIGGER access_audit_append_only",
    };
    sqlx::query(disable).execute(&app.db.pool).await.unwrap();
    sqlx::query("UPDATE access_audit SET detail = '{\"from\":\"2020-01-01\"}' WHERE id = 3")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let v = s.verify().await;
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["first_bad"], 3, "{v}");
    let out = cli(&app.database_url);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("record 3"),
        "{out:?}"
    );
}

async fn export_streams_the_rooms_trail_with_its_hashes(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    app.clock.set(tokyo(24, 9, 5));
    for _ in 0..3 {
        denied(&s.scan(&s.worker, "enter").await, "access.not_checked_in");
    }
    // A year's range is allowed (streamed page by page).
    let csv = s
        .director
        .get(&format!(
            "/api/v1/secure-rooms/{}/audit?from=2026-01-01&to=2026-12-31",
            s.room
        ))
        .send_text()
        .await;
    // Read back by Python's csv module: the header and one row per record of the room.
    let rows: Vec<Vec<String>> = serde_json::from_value(python_reads(
        csv.as_bytes(),
        "import csv,sys,json; rows=list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8'))); \
         print(json.dumps([[r['id'], r['action'], r['decision'], r['reason'], r['hash']] for r in rows]))",
        &[],
    ))
    .unwrap();
    // The room's setting, its project's requirements, roster and NDA (the other project's
    // requirements are not this room's), the door's pairing and three denied attempts.
    let actions: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        actions,
        [
            "room.set",
            "requirements.set",
            "roster.set",
            "nda.set",
            "door.pair",
            "door.enter",
            "door.enter",
            "door.enter"
        ],
        "{rows:?}"
    );
    assert_eq!(rows[7][3], "access.not_checked_in");
    let json = s
        .director
        .get(&format!(
            "/api/v1/secure-rooms/{}/audit?from=2026-11-24&to=2026-11-24&format=json",
            s.room
        ))
        .send_json()
        .await;
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 8);
    for (r, c) in list.iter().zip(&rows) {
        assert_eq!(r["hash"], c[4].as_str());
        assert_eq!(r["hash"].as_str().unwrap().len(), 64);
    }
    // A day without records is an empty list; a range backwards is refused.
    let none = s
        .director
        .get(&format!(
            "/api/v1/secure-rooms/{}/audit?from=2026-11-01&to=2026-11-02&format=json",
            s.room
        ))
        .send_json()
        .await;
    assert_eq!(none, json!([]));
    s.director
        .get(&format!(
            "/api/v1/secure-rooms/{}/audit?from=2026-11-02&to=2026-11-01",
            s.room
        ))
        .send_problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "access.roster_end_before_start",
        )
        .await;
}

/// The worker books the room for 12-01, then their NDA is cut short to 11-30: the booking
/// is kept and flagged.
async fn flagged_booking(s: &Secure) {
    s.worker
        .book(&desk(s.room, "2026-12-01", "09:00", "12:00"))
        .await
        .error_for_status()
        .unwrap();
    s.director
        .post(&format!("/api/v1/projects/{}/ndas", s.project))
        .json(&json!({"person_id": s.worker_id, "signed_on": "2026-01-01",
                      "expires_on": "2026-11-30", "document_ref": "NDA-2026-001b"}))
        .send_status()
        .await;
}

async fn review_flags_and_reminds_once_with_two_instances(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    flagged_booking(&s).await;
    let review = s
        .director
        .get("/api/v1/sites/1/access-review")
        .header("accept-language", "en")
        .send_json()
        .await;
    let room = review["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["space_id"] == s.room)
        .unwrap();
    let line = &room["people"][0];
    assert_eq!(line["person_id"], s.worker_id, "{review}");
    assert_eq!(line["can_enter"], true, "{review}");
    assert_eq!(line["nda_expires_on"], "2026-11-30", "{review}");
    assert_eq!(line["expiring_soon"], true, "{review}");
    let flagged = &review["flagged_bookings"][0];
    assert_eq!(flagged["person_id"], s.worker_id, "{review}");
    assert_eq!(
        flagged["reason"], "The NDA expired on 11/30/2026.",
        "{review}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM bookings WHERE status = 'active' AND space_id IN (SELECT id FROM spaces WHERE name = 'R-01')")
            .await,
        1
    );
    // The reminders: once each, to the worker and every director, with two instances at once.
    let directors = app
        .count("SELECT COUNT(*) FROM role_grants WHERE site_id = 1 AND role = 'director'")
        .await;
    let second = app.second_instance().await;
    let other = second
        .as_ref()
        .map_or(app.state.clone(), |s| s.state.clone());
    let (a, c) = tokio::join!(
        kado::access::notify::reminders(&app.state),
        kado::access::notify::reminders(&other)
    );
    let queued = a.unwrap() + c.unwrap();
    let mails = app
        .count("SELECT COUNT(*) FROM outbox WHERE kind = 'access_expiry'")
        .await;
    let claimed: Vec<(String, String)> = sqlx::query_as(
        "SELECT what, subject FROM access_reminders WHERE person_id = $1 ORDER BY what",
    )
    .bind(s.worker_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        claimed.len(),
        2,
        "the NDA's reminder and the booking's flag: {claimed:?}"
    );
    assert_eq!(claimed[0].0, "booking");
    // Each reminder (the demo's worker 21, whose NDA also expires soon, included) goes to the
    // worker and to every director, once.
    let reminders = app.count("SELECT COUNT(*) FROM access_reminders").await;
    assert_eq!(mails, reminders * (1 + directors));
    assert_eq!(queued as i64, mails);
    assert_eq!(
        kado::access::notify::reminders(&app.state).await.unwrap(),
        0
    );
    // Certifying the review is audited.
    let certified = s
        .director
        .post("/api/v1/sites/1/access-review/certify")
        .send_json()
        .await;
    assert!(certified["last_certified_at"].is_i64(), "{certified}");
    assert_eq!(s.audit_rows("review.certify").await, 1);
}

/// Every attempt at the door is in the trail with the person it claimed to be, even when the
/// reader could not confirm them: a wrong PIN, a revoked QR code, a payload no reader sends.
async fn every_refused_door_attempt_names_whom_it_claimed(b: Backend) {
    let s = setup(b).await;
    s.worker.set_pin("2468").await;
    let refused = |credential: String| {
        s.door
            .post("/api/v1/door/scan")
            .json(&json!({"credential": credential, "direction": "enter"}))
    };
    let last = || async {
        let row: (Option<i64>, String, String) = sqlx::query_as(
            "SELECT subject_id, decision, reason FROM access_audit ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&s.app.db.pool)
        .await
        .unwrap();
        row
    };
    let member: String = sqlx::query_scalar("SELECT member_number FROM persons WHERE id = $1")
        .bind(s.worker_id)
        .fetch_one(&s.app.db.pool)
        .await
        .unwrap();
    let r = refused(format!("PIN:{member}:1111")).send_json().await;
    denied(&r, "kiosk.wrong_pin");
    let who = Some(s.worker_id);
    assert_eq!(last().await, (who, "deny".into(), "kiosk.wrong_pin".into()));
    let qr = s.worker.qr_payload().await;
    assert_eq!(
        s.worker.post("/api/v1/me/qr/revoke").send_status().await,
        StatusCode::NO_CONTENT
    );
    let r = refused(qr).send_json().await;
    assert_eq!(r["allowed"], false, "{r}");
    let (subject, decision, reason) = last().await;
    assert_eq!((subject, decision), (who, "deny".into()), "{r}");
    assert_eq!(r["code"], reason.as_str());
    let before = s.app.count("SELECT COUNT(*) FROM access_audit").await;
    refused("Q".repeat(201))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(
        s.app.count("SELECT COUNT(*) FROM access_audit").await,
        before + 1
    );
    assert_eq!(
        last().await,
        (None, "deny".into(), "validation.too_long".into())
    );
    assert_eq!(s.verify().await["intact"], true);
}

/// A flagged booking's e-mail gives the reason in each recipient's language, whatever the
/// language the job runs in.
async fn reminders_speak_each_recipients_language(b: Backend) {
    let s = setup(b).await;
    let app = &s.app;
    sqlx::query("UPDATE persons SET language = 'en' WHERE id = $1")
        .bind(s.worker_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    flagged_booking(&s).await;
    kado::access::notify::reminders(&app.state).await.unwrap();
    let bodies: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_email, body_text FROM outbox WHERE kind = 'access_expiry' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let to_worker: Vec<&String> = bodies
        .iter()
        .filter(|(to, _)| *to == worker_email(1))
        .map(|(_, b)| b)
        .collect();
    assert!(
        to_worker
            .iter()
            .any(|b| b.contains("The NDA expired on 11/30/2026.")),
        "{to_worker:?}"
    );
    let to_director = bodies
        .iter()
        .filter(|(to, _)| to.starts_with("director"))
        .map(|(_, b)| b)
        .collect::<Vec<_>>();
    assert!(
        to_director
            .iter()
            .any(|b| b.contains("秘密保持契約(NDA)の期限が2026年11月30日に切れました。")),
        "{to_director:?}"
    );
}

/// From an audit: another site's course was accepted, and its name (hidden from this site's
/// course list) then showed in this site's access review.
async fn a_withdrawn_or_another_sites_course_cannot_be_required(b: Backend) {
    let s = setup(b).await;
    let put = |course: i64| {
        s.director
            .put(&format!("/api/v1/projects/{}/requirements", s.project))
            .json(&json!({"course_ids": [course]}))
    };
    assert_eq!(put(s.course).send_status().await, StatusCode::NO_CONTENT);
    let omachi: i64 = sqlx::query_scalar("SELECT MIN(id) FROM sites WHERE id <> $1")
        .bind(SHIOJIRI)
        .fetch_one(&s.app.db.pool)
        .await
        .unwrap();
    let theirs = crate::training::skill_course(&s.app, ADMIN, json!(omachi), "大町の講座").await;
    sqlx::query("UPDATE training_courses SET active = 0 WHERE id = $1")
        .bind(s.course)
        .execute(&s.app.db.pool)
        .await
        .unwrap();
    let before = s.audit_rows("requirements.set").await;
    for course in [s.course, theirs] {
        put(course)
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "access.unknown_course")
            .await;
    }
    assert_eq!(s.audit_rows("requirements.set").await, before);
}
