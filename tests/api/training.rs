//! Training over HTTP: courses, sessions with a room reserved through bookings, enrolment
//! (capacity under concurrency, waitlist, 409s), audited marks, completion that keeps its
//! rules, the falling-behind list and its CSV, attendance at the kiosk, reminders once.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    the_waitlist_moves_on_when_its_first_cancels_at_once,
    sessions_reserve_their_room_and_refuse_bad_input,
    enrolment_waitlist_and_conflicts,
    capacity_holds_under_thirty_concurrent_enrolments,
    marks_are_audited_and_completion_keeps_its_rules,
    falling_behind_list_and_csv,
    kiosk_records_on_time_late_and_early_check_out,
    reminders_are_sent_once_with_two_instances,
    a_cancelled_session_frees_its_room_and_tells_its_people,
);

pub const TRAINER: &str = "trainer@shiojiri.kado.example";

/// A course defined by the Shiojiri director; answers its id.
pub async fn course(
    app: &TestApp,
    name: &str,
    sessions: i64,
    minutes: i64,
    months: Option<i64>,
) -> i64 {
    let c = app
        .login_as(DIRECTOR)
        .await
        .post("/api/v1/training/courses")
        .json(
            &json!({"name_ja": name, "name_en": name, "kind": "onboarding",
                      "sessions_required": sessions, "minimum_minutes": minutes,
                      "validity_months": months, "site_id": SHIOJIRI}),
        )
        .send_created()
        .await;
    c["id"].as_i64().unwrap()
}

/// A skill course named `name` of `site` (null: shared by every site), defined by `who`;
/// answers its id.
pub async fn skill_course(app: &TestApp, who: &str, site: Value, name: &str) -> i64 {
    app.login_as(who)
        .await
        .post("/api/v1/training/courses")
        .json(&json!({"name_ja": name, "name_en": name, "kind": "skill", "site_id": site}))
        .send_created()
        .await["id"]
        .as_i64()
        .unwrap()
}

/// Sets the programme of `site` (null: every site's) as `who`.
pub async fn programme(app: &TestApp, who: &str, site: Value, courses: &[i64]) {
    app.login_as(who)
        .await
        .put("/api/v1/training/programme")
        .json(&json!({"site_id": site, "course_ids": courses}))
        .send_json()
        .await;
}

/// A session scheduled by the Shiojiri trainer; answers it.
pub async fn session(app: &TestApp, body: Value) -> Value {
    app.login_as(TRAINER)
        .await
        .post("/api/v1/sites/1/training/sessions")
        .json(&body)
        .send_created()
        .await
}

async fn sessions_reserve_their_room_and_refuse_bad_input(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "情報セキュリティ", 1, 90, Some(12)).await;
    let room = app.space_id(SHIOJIRI, "R-05").await;
    let trainer = app.login_as(TRAINER).await;
    let post = |body: Value| {
        trainer
            .post("/api/v1/sites/1/training/sessions")
            .json(&body)
    };
    let base = json!({"course_id": c, "space_id": room, "date": "2026-11-24",
                      "start": "10:00", "end": "12:00", "capacity": 4});
    let with = |k: &str, v: Value| {
        let mut x = base.clone();
        x[k] = v;
        x
    };
    let p = post(with("end", json!("09:00")))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.bad_times")
        .await;
    assert_eq!(strings(&p["errors"], "field"), ["end"]);
    let p = post(with("end", json!("19:00")))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.outside_hours")
        .await;
    assert_eq!(strings(&p["errors"], "field"), ["end"]);
    let p = post(with("start", json!("07:00")))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.outside_hours")
        .await;
    assert_eq!(strings(&p["errors"], "field"), ["start"]);
    let made = post(base.clone()).send_created().await;
    assert_eq!(made["room"], "R-05");
    assert_eq!(made["start"], "10:00");
    // Every seat of the room is held through the booking engine.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE space_id = {room} AND status = 'active'"
        ))
        .await,
        4
    );
    let p = post(with("start", json!("11:00")).clone())
        .send_problem(StatusCode::CONFLICT, "training.room_taken")
        .await;
    assert_eq!(strings(&p["errors"], "field"), ["space_id"]);
    // A worker cannot book a seat of the room while the session holds it.
    app.as_worker(3)
        .await
        .book(&desk(room, "2026-11-24", "10:30", "11:30"))
        .await
        .send_problem_of(StatusCode::CONFLICT, "booking.overlap")
        .await;
    // Nobody checks into a session's room: the no-show job leaves it held all session long.
    app.clock
        .set(tuesday_nine() + chrono::Duration::minutes(105)); // 10:45
    kado::booking::release_no_shows(&app.state).await.unwrap();
    app.as_worker(3)
        .await
        .book(&desk(room, "2026-11-24", "11:00", "12:00"))
        .await
        .send_problem_of(StatusCode::CONFLICT, "booking.overlap")
        .await;
    app.clock.set(friday_morning());
    // Online: no room.
    let online = post(with("space_id", Value::Null)).send_created().await;
    assert_eq!(online["online"], true);
    // Another site's director, and a worker: 403.
    for who in [OMACHI_DIRECTOR, WORKER] {
        app.login_as(who)
            .await
            .post("/api/v1/sites/1/training/sessions")
            .json(&base)
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
    }
}

/// The line of a course on one's training page (a course not required and not done has none).
fn line_of(mine: &Value, course: i64) -> Option<&Value> {
    mine["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["course_id"] == course)
}

/// Asserts a problem on a response already sent.
trait ProblemOf {
    async fn send_problem_of(self, status: StatusCode, code: &str) -> Value;
}

impl ProblemOf for reqwest::Response {
    async fn send_problem_of(self, status: StatusCode, code: &str) -> Value {
        problem(self, status, code).await
    }
}

async fn enrolment_waitlist_and_conflicts(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "Excel 基礎", 1, 0, None).await;
    let s = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "10:00", "end": "11:00", "capacity": 1}),
    )
    .await;
    let path = format!("/api/v1/training/sessions/{}/enrolments", s["id"]);
    let w1 = app.as_worker(1).await;
    let first = w1.post(&path).json(&json!({})).send_created().await;
    assert_eq!(first["status"], "enrolled");
    w1.post(&path)
        .json(&json!({}))
        .send_problem(StatusCode::CONFLICT, "training.already_enrolled")
        .await;
    let w2 = app.as_worker(2).await;
    w2.post(&path)
        .json(&json!({}))
        .send_problem(StatusCode::CONFLICT, "training.full")
        .await;
    let waiting = w2
        .post(&path)
        .json(&json!({"waitlist": true}))
        .send_created()
        .await;
    assert_eq!(waiting["status"], "waitlisted");
    // Another site's worker does not see the session.
    app.login_as(OMACHI_WORKER)
        .await
        .post(&path)
        .json(&json!({}))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    // Worker 1 cancels: the place goes to worker 2, who gets an e-mail with the .ics.
    let res = w1
        .delete(&format!("/api/v1/training/enrolments/{}", first["id"]))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mine: Value = w2.get("/api/v1/me/training").send_json().await;
    assert_eq!(mine["enrolments"][0]["status"], "enrolled");
    assert!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'training_enrolled' AND attachments LIKE '%training.ics%'")
            .await
            >= 2
    );
    // The .ics says where, in the reader's language: this session is online (one in a room
    // names the room, the site and its address, as a desk's does).
    let stored: String = sqlx::query_scalar(
        "SELECT attachments FROM outbox WHERE kind = 'training_enrolled' AND attachments LIKE '%training.ics%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let list: Value = serde_json::from_str(&stored).unwrap();
    use base64::Engine;
    let ics = base64::engine::general_purpose::STANDARD
        .decode(list[0]["data"].as_str().unwrap())
        .unwrap();
    let ics = String::from_utf8(ics).unwrap().replace("\r\n ", "");
    let location = ics
        .lines()
        .find(|l| l.starts_with("LOCATION:"))
        .unwrap_or_default();
    assert_eq!(location, "LOCATION:オンライン", "{ics}");
    // Past: 409.
    app.clock.set(tuesday_nine() + Duration::hours(2));
    app.as_worker(3)
        .await
        .post(&path)
        .json(&json!({"waitlist": true}))
        .send_problem(StatusCode::CONFLICT, "training.session_past")
        .await;
}

/// The first of the waitlist cancels while an enrolled person cancels: both succeed, and the
/// freed place goes to the next one waiting (before, a 500 rolled the first cancel back).
async fn the_waitlist_moves_on_when_its_first_cancels_at_once(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "Word 基礎", 1, 0, None).await;
    let s = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "10:00", "end": "11:00", "capacity": 1}),
    )
    .await;
    let path = format!("/api/v1/training/sessions/{}/enrolments", s["id"]);
    for round in 0..5 {
        sqlx::query("DELETE FROM training_enrolments")
            .execute(&app.db.pool)
            .await
            .unwrap();
        sqlx::query("UPDATE training_sessions SET enrolled = 0")
            .execute(&app.db.pool)
            .await
            .unwrap();
        let (w1, w2, w3) = (
            app.as_worker(1).await,
            app.as_worker(2).await,
            app.as_worker(3).await,
        );
        let held = w1.post(&path).json(&json!({})).send_created().await;
        let first = w2
            .post(&path)
            .json(&json!({"waitlist": true}))
            .send_created()
            .await;
        w3.post(&path)
            .json(&json!({"waitlist": true}))
            .send_created()
            .await;
        let cancel = |u: &User, e: &Value| {
            u.delete(&format!("/api/v1/training/enrolments/{}", e["id"]))
                .sent()
        };
        let (a, b) = tokio::join!(cancel(&w1, &held), cancel(&w2, &first));
        assert_eq!(
            (a.status(), b.status()),
            (StatusCode::OK, StatusCode::OK),
            "round {round}"
        );
        let mine: Value = w3.get("/api/v1/me/training").send_json().await;
        assert_eq!(
            mine["enrolments"][0]["status"], "enrolled",
            "round {round}: {mine}"
        );
        let enrolled = format!(
            "SELECT enrolled FROM training_sessions WHERE id = {}",
            s["id"]
        );
        assert_eq!(app.count(&enrolled).await, 1, "round {round}");
    }
}

async fn capacity_holds_under_thirty_concurrent_enrolments(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "安全衛生", 1, 0, None).await;
    let mut people = Vec::new();
    for n in 1..=24 {
        people.push(app.as_worker(n).await);
    }
    for email in [ADMIN, DIRECTOR, RECEPTION, CAREGIVER, CAREGIVER2, TRAINER] {
        people.push(app.login_as(email).await);
    }
    assert_eq!(people.len(), 30);
    let second = app.second_instance().await;
    // 30 people at once (across two instances on PostgreSQL) for the last 5 places.
    let s2 = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "15:00", "end": "16:00", "capacity": 5}),
    )
    .await;
    let path2 = format!("/api/v1/training/sessions/{}/enrolments", s2["id"]);
    let mut burst = Burst::default();
    for (i, u) in people.iter().enumerate() {
        burst.post(u, app.base_for(&second, i), &path2, json!({}));
    }
    let created = burst
        .created((StatusCode::CONFLICT, "training.full"), "last places")
        .await;
    assert_eq!(created, 5);
    let held = app
        .count(&format!(
            "SELECT COUNT(*) FROM training_enrolments WHERE session_id = {} AND status = 'enrolled'",
            s2["id"]
        ))
        .await;
    assert_eq!(held, 5);
}

async fn marks_are_audited_and_completion_keeps_its_rules(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "情報セキュリティ", 1, 90, Some(12)).await;
    let s = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "10:00", "end": "12:00", "capacity": 10}),
    )
    .await;
    let id = s["id"].as_i64().unwrap();
    let w1 = app.as_worker(1).await;
    w1.post(&format!("/api/v1/training/sessions/{id}/enrolments"))
        .json(&json!({}))
        .send_created()
        .await;
    let trainer = app.login_as(TRAINER).await;
    let marks = format!("/api/v1/training/sessions/{id}/marks");
    let w1_id = app.person_id(&worker_email(1)).await;
    let w2_id = app.person_id(&worker_email(2)).await;
    trainer
        .post(&marks)
        .json(&json!({"person_id": w2_id, "attendance": "present", "reason": "来ていた"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.not_enrolled")
        .await;
    trainer
        .post(&marks)
        .json(&json!({"person_id": w1_id, "attendance": "present", "reason": ""}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "training.reason_required")
        .await;
    // Another site's director may not mark, nor learn that the session exists.
    app.login_as(OMACHI_DIRECTOR)
        .await
        .post(&marks)
        .json(&json!({"person_id": w1_id, "attendance": "present", "reason": "x"}))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    // Before the session starts nobody can have attended it: present and late are refused
    // (such a mark earned a completion the secure rooms trust, for a session never held).
    for attendance in ["present", "late"] {
        let p = trainer
            .post(&marks)
            .json(&json!({"person_id": w1_id, "attendance": attendance, "reason": "来るはず"}))
            .send_problem(StatusCode::CONFLICT, "training.not_started")
            .await;
        assert_eq!(p["errors"][0]["field"], "attendance", "{p}");
    }
    app.clock.set(tuesday_nine() + Duration::hours(4));
    let line: Value = trainer
        .post(&marks)
        .json(&json!({"person_id": w1_id, "attendance": "late", "minutes": 80, "reason": "バスの遅延"}))
        .send_json()
        .await;
    assert_eq!(line["attendance"], "late");
    // 80 minutes is short of 90: not complete.
    let mine: Value = w1.get("/api/v1/me/training").send_json().await;
    assert!(line_of(&mine, c).is_none(), "{mine}");
    let line: Value = trainer
        .post(&marks)
        .json(&json!({"person_id": w1_id, "attendance": "present", "reason": "記録の訂正"}))
        .send_json()
        .await;
    let history: Value = trainer
        .get(&format!(
            "/api/v1/training/enrolments/{}/history",
            line["enrolment_id"]
        ))
        .send_json()
        .await;
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["before"], "none");
    assert_eq!(h[0]["after"], "late 80 min");
    assert_eq!(h[1]["before"], "late 80 min");
    assert_eq!(h[1]["after"], "present 120 min");
    assert_eq!(h[1]["reason"], "記録の訂正");
    assert_eq!(h[1]["by_name"], "古畑 講師");
    // The worker may not read the history.
    w1.get(&format!(
        "/api/v1/training/enrolments/{}/history",
        line["enrolment_id"]
    ))
    .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
    .await;
    let mine: Value = w1.get("/api/v1/me/training").send_json().await;
    let done = line_of(&mine, c).unwrap();
    assert_eq!(done["standing"], "done");
    // Completed 2026-11-24 (Tokyo) for 12 months: current through 2027-11-24.
    assert_eq!(done["expires_at"], "2027-11-24T15:00:00+00:00");
    // Only its own site's trainers and directors change a course: not another site's
    // director, and a course shared by every site only an administrator.
    let change = json!({"name_ja": "x", "name_en": "x", "kind": "onboarding", "active": false});
    app.login_as(OMACHI_DIRECTOR)
        .await
        .put(&format!("/api/v1/training/courses/{c}"))
        .json(&change)
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let shared = app
        .login_as(OMACHI_DIRECTOR)
        .await
        .post("/api/v1/training/courses")
        .json(&change)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    assert_eq!(shared["code"], "auth.forbidden");
    assert_eq!(
        app.count(&format!(
            "SELECT active FROM training_courses WHERE id = {c}"
        ))
        .await,
        1
    );
    // Changing the course's rules does not rewrite the completion.
    app.login_as(DIRECTOR)
        .await
        .put(&format!("/api/v1/training/courses/{c}"))
        .json(
            &json!({"name_ja": "情報セキュリティ", "name_en": "Information security",
                      "kind": "onboarding", "sessions_required": 3, "minimum_minutes": 200,
                      "validity_months": 1}),
        )
        .send_json()
        .await;
    let mine: Value = w1.get("/api/v1/me/training").send_json().await;
    let done = line_of(&mine, c).unwrap();
    assert_eq!(done["standing"], "done");
    assert_eq!(done["expires_at"], "2027-11-24T15:00:00+00:00");
    let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
    let current = |t| {
        kado::training::is_current(
            &app.db,
            kado::ids::PersonId(w1_id),
            kado::ids::CourseId(c),
            t,
        )
    };
    assert!(current(at(2027, 11, 24)).await.unwrap());
    assert!(!current(at(2027, 11, 25)).await.unwrap());
    // The mark corrected to absent: the completion it earned is withdrawn (the course's rules
    // now ask three sessions, so nothing is granted again).
    trainer
        .post(&marks)
        .json(&json!({"person_id": w1_id, "attendance": "absent", "reason": "出席簿の誤り"}))
        .send_json()
        .await;
    assert!(!current(at(2027, 1, 1)).await.unwrap());
    let mine: Value = w1.get("/api/v1/me/training").send_json().await;
    assert!(
        line_of(&mine, c).is_none_or(|l| l["standing"] != "done"),
        "{mine}"
    );
}

async fn falling_behind_list_and_csv(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "オンボーディング, 基本", 1, 0, None).await;
    programme(&app, DIRECTOR, json!(SHIOJIRI), &[c]).await;
    let s = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "10:00", "end": "11:00", "capacity": 10}),
    )
    .await;
    app.as_worker(1)
        .await
        .post(&format!("/api/v1/training/sessions/{}/enrolments", s["id"]))
        .json(&json!({}))
        .send_created()
        .await;
    let trainer = app.login_as(TRAINER).await;
    let list: Value = trainer
        .get("/api/v1/sites/1/training/behind")
        .send_json()
        .await;
    let names = strings(&list, "email");
    assert!(!names.contains(&"worker01@kado.example"), "booked: {list}");
    assert!(names.contains(&"worker02@kado.example"));
    assert!(
        !names.iter().any(|e| e.starts_with("worker25")),
        "another site"
    );
    let w2 = find(&list, "email", "worker02@kado.example");
    assert_eq!(w2["next_unbooked"], true);
    assert_eq!(w2["next_course"], "オンボーディング, 基本");
    // Filter by team.
    let team: i64 = app
        .count("SELECT team_id FROM persons WHERE email = 'worker02@kado.example'")
        .await;
    let by_team: Value = trainer
        .get(&format!("/api/v1/sites/1/training/behind?team_id={team}"))
        .send_json()
        .await;
    assert!(by_team.as_array().unwrap().len() < list.as_array().unwrap().len());
    // The CSV, read back by Python's csv module.
    let res = trainer
        .get("/api/v1/sites/1/training/behind.csv")
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.text().await.unwrap();
    let rows = python_reads(
        body.as_bytes(),
        "import csv,sys,json; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))",
        &[],
    );
    assert_eq!(
        rows.as_array().unwrap().len(),
        list.as_array().unwrap().len()
    );
    let r = find(&rows, "email", "worker02@kado.example");
    assert_eq!(r["next_course"], "オンボーディング, 基本");
    assert_eq!(r["next_unbooked"], "true");
    // The site's days: directors set them; 0-365.
    let director = app.login_as(DIRECTOR).await;
    let set: Value = director
        .put("/api/v1/sites/1/training/settings")
        .json(&json!({"behind_days": 45}))
        .send_json()
        .await;
    assert_eq!(set["behind_days"], 45);
    let got: Value = trainer
        .get("/api/v1/sites/1/training/settings")
        .send_json()
        .await;
    assert_eq!(got["behind_days"], 45);
    director
        .put("/api/v1/sites/1/training/settings")
        .json(&json!({"behind_days": 400}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    trainer
        .put("/api/v1/sites/1/training/settings")
        .json(&json!({"behind_days": 10}))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    // Workers and another site's director: 403.
    app.as_worker(1)
        .await
        .get("/api/v1/sites/1/training/behind.csv")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    app.login_as(OMACHI_DIRECTOR)
        .await
        .get("/api/v1/sites/1/training/behind")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
}

/// Tuesday 2026-11-24 at a local (Tokyo) time.
fn tuesday_at(h: u32, m: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Asia::Tokyo
        .with_ymd_and_hms(2026, 11, 24, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

async fn kiosk_records_on_time_late_and_early_check_out(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let c = director
        .post("/api/v1/training/courses")
        .json(
            &json!({"name_ja": "情報セキュリティ", "name_en": "Information security",
                      "kind": "onboarding", "minimum_minutes": 90, "validity_months": 12,
                      "site_id": SHIOJIRI}),
        )
        .send_created()
        .await["id"]
        .as_i64()
        .unwrap();
    let room = app.space_id(SHIOJIRI, "R-05").await;
    let s = session(
        &app,
        json!({"course_id": c, "space_id": room, "date": "2026-11-24", "start": "10:00",
               "end": "12:00", "capacity": 10}),
    )
    .await;
    let id = s["id"].as_i64().unwrap();
    let online = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "10:00", "end": "12:00", "capacity": 10}),
    )
    .await;
    let mut w = Vec::new();
    for n in 1..=4 {
        let u = app.as_worker(n).await;
        let which = if n <= 3 {
            id
        } else {
            online["id"].as_i64().unwrap()
        };
        u.post(&format!("/api/v1/training/sessions/{which}/enrolments"))
            .json(&json!({}))
            .send_created()
            .await;
        w.push(u);
    }
    // Worker 3 also booked a desk.
    w[2].booked(&any_desk("2026-11-24", "09:00", "12:00")).await;
    let k = app.kiosk().await;
    let scan = async |u: usize, at| scan_at(&app, &k, &w[u], at).await;
    let on_time = scan(0, tuesday_at(9, 45)).await;
    assert_eq!(on_time["outcome"], "checked_in");
    let msg = on_time["message"].as_str().unwrap();
    assert!(
        msg.contains("研修「情報セキュリティ」を記録しました"),
        "{msg}"
    );
    assert!(!msg.contains("遅刻"), "{msg}");
    let with_desk = scan(2, tuesday_at(9, 50)).await;
    let msg = with_desk["message"].as_str().unwrap();
    assert!(
        msg.contains("席: D-") && msg.contains("研修「情報セキュリティ」"),
        "{msg}"
    );
    let late = scan(1, tuesday_at(10, 15)).await;
    let msg = late["message"].as_str().unwrap();
    assert!(msg.contains("(遅刻)"), "{msg}");
    // Enrolled online only: a walk-in as before, no session named (the trainer marks it).
    let other = scan(3, tuesday_at(10, 20)).await;
    assert!(
        !other["message"].as_str().unwrap().contains("研修"),
        "{other}"
    );
    // Worker 1 leaves at 11:00: 60 minutes present, 60 missed.
    let out = scan(0, tuesday_at(11, 0)).await;
    assert_eq!(out["outcome"], "checked_out");
    let roster: Value = app
        .login_as(TRAINER)
        .await
        .get(&format!("/api/v1/training/sessions/{id}/roster"))
        .send_json()
        .await;
    let people = roster["people"].as_array().unwrap();
    assert_eq!(people.len(), 3);
    let by = |start: &str| {
        people
            .iter()
            .find(|p| p["arrived"] == start)
            .unwrap_or_else(|| panic!("arrived {start}: {roster}"))
    };
    let (a, l, d) = (by("09:45"), by("10:15"), by("09:50"));
    assert_eq!(
        (
            a["attendance"].clone(),
            a["left"].clone(),
            a["minutes_present"].clone(),
            a["early_minutes"].clone()
        ),
        (json!("present"), json!("11:00"), json!(60), json!(60))
    );
    assert_eq!(
        (l["attendance"].clone(), l["late_minutes"].clone()),
        (json!("late"), json!(15))
    );
    assert_eq!(d["attendance"], "present");
    // After the session: those who stayed are present to the end; completions follow.
    app.clock.set(tuesday_at(12, 30));
    let granted = kado::training::finish_ended(&app.state).await.unwrap();
    assert_eq!(
        granted, 2,
        "the late one (105 min) and the one with a desk (120 min)"
    );
    assert_eq!(kado::training::finish_ended(&app.state).await.unwrap(), 0);
    let first: Value = w[0].get("/api/v1/me/training").send_json().await;
    assert!(line_of(&first, c).is_none(), "60 min: {first}");
    let second: Value = w[1].get("/api/v1/me/training").send_json().await;
    assert_eq!(line_of(&second, c).unwrap()["standing"], "done", "{second}");

    // Already inside when the session's check-in opens: a scan records the session and the
    // worker stays in (it used to check them out).
    let afternoon = session(
        &app,
        json!({"course_id": c, "space_id": room, "date": "2026-11-24", "start": "14:00",
               "end": "15:00", "capacity": 10}),
    )
    .await;
    let five = app.as_worker(5).await;
    five.post(&format!(
        "/api/v1/training/sessions/{}/enrolments",
        afternoon["id"]
    ))
    .json(&json!({}))
    .send_created()
    .await;
    five.booked(&any_desk("2026-11-24", "13:00", "17:00")).await;
    let came = scan_at(&app, &k, &five, tuesday_at(13, 5)).await;
    assert!(
        !came["message"].as_str().unwrap().contains("研修"),
        "{came}"
    );
    let again = scan_at(&app, &k, &five, tuesday_at(13, 40)).await;
    assert_eq!(again["outcome"], "checked_in", "{again}");
    assert!(
        again["message"].as_str().unwrap().contains("研修"),
        "{again}"
    );
    let me = app.person_id(&worker_email(5)).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM presence_sessions WHERE person_id = {me} AND checked_out_at IS NULL"
        ))
        .await,
        1,
        "still inside"
    );
}

/// Scans a user's QR code at the kiosk at `at`, asserting 200; answers the result.
async fn scan_at(app: &TestApp, k: &Kiosk, u: &User, at: chrono::DateTime<Utc>) -> Value {
    app.clock.set(at);
    let qr = u.qr_payload().await;
    let res = k.scan(&qr).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()
}

async fn reminders_are_sent_once_with_two_instances(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "個人情報保護", 1, 60, Some(1)).await;
    let s = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "10:00", "end": "12:00", "capacity": 10}),
    )
    .await;
    let id = s["id"].as_i64().unwrap();
    for n in [1, 2] {
        app.as_worker(n)
            .await
            .post(&format!("/api/v1/training/sessions/{id}/enrolments"))
            .json(&json!({}))
            .send_created()
            .await;
    }
    let second = app.second_instance().await;
    let run_both = async || {
        app.clock.set(app.clock.now());
        if let Some(s) = &second {
            s.clock.set(app.clock.now());
        }
        let other = second.as_ref().map_or(&app.state, |s| &s.state);
        let (a, b) = tokio::join!(
            kado::training::notify::reminders(&app.state),
            kado::training::notify::reminders(other)
        );
        a.unwrap() + b.unwrap()
    };
    let count = |kind: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE kind = '{kind}'"
            ))
            .await
        }
    };
    // Two days before (within 48 hours, not the eve): nothing yet.
    app.clock.set(tuesday_at(9, 0) - Duration::hours(44));
    assert_eq!(run_both().await, 0);
    // The day before: one reminder each.
    app.clock.set(tuesday_at(9, 0) - Duration::hours(20));
    assert_eq!(run_both().await, 2);
    assert_eq!(count("training_reminder").await, 2);
    assert_eq!(run_both().await, 0);
    // Worker 1 completes (one month's validity: current through 2026-12-24).
    app.clock.set(tuesday_at(12, 30));
    let w1 = app.person_id(&worker_email(1)).await;
    app.login_as(TRAINER)
        .await
        .post(&format!("/api/v1/training/sessions/{id}/marks"))
        .json(&json!({"person_id": w1, "attendance": "present", "reason": "出席簿"}))
        .send_json()
        .await;
    // 30 days before expiry: once.
    app.clock.set(tuesday_at(12, 0) + Duration::days(2));
    assert_eq!(run_both().await, 1);
    assert_eq!(run_both().await, 0);
    assert_eq!(count("training_expiry").await, 1);
    // 7 days before: once more.
    app.clock.set(tuesday_at(12, 0) + Duration::days(26));
    assert_eq!(run_both().await, 1);
    assert_eq!(run_both().await, 0);
    assert_eq!(count("training_expiry").await, 2);
}

/// A trainer cancels a session before it starts: the room's seats are free again, every place
/// and waitlist entry is cancelled, and each person gets one e-mail whose .ics (the
/// enrolment's UID) takes the session out of their calendar; once started, it stays.
async fn a_cancelled_session_frees_its_room_and_tells_its_people(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let c = course(&app, "情報セキュリティ", 1, 0, None).await;
    let room = app.space_id(SHIOJIRI, "R-05").await;
    let s = session(
        &app,
        json!({"course_id": c, "space_id": room, "date": "2026-11-24",
               "start": "10:00", "end": "12:00", "capacity": 1}),
    )
    .await;
    let enrol = format!("/api/v1/training/sessions/{}/enrolments", s["id"]);
    let w1 = app.as_worker(1).await;
    w1.post(&enrol).json(&json!({})).send_created().await;
    app.as_worker(2)
        .await
        .post(&enrol)
        .json(&json!({"waitlist": true}))
        .send_created()
        .await;
    let held =
        format!("SELECT COUNT(*) FROM bookings WHERE space_id = {room} AND status = 'active'");
    assert!(app.count(&held).await > 0);
    let cancel = format!("/api/v1/training/sessions/{}/cancel", s["id"]);
    // Neither a worker nor another site's staff may cancel it (it does not exist for them).
    for who in [WORKER, OMACHI_DIRECTOR] {
        app.login_as(who)
            .await
            .post(&cancel)
            .send_problem(StatusCode::NOT_FOUND, "not_found")
            .await;
    }
    let trainer = app.login_as(TRAINER).await;
    let done = trainer.post(&cancel).send_json().await;
    assert_eq!(done["cancelled"], true, "{done}");
    assert_eq!(app.count(&held).await, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM training_enrolments WHERE session_id = {} AND status <> 'cancelled'",
            s["id"]
        ))
        .await,
        0
    );
    let sent = "SELECT COUNT(*) FROM outbox WHERE kind = 'training_cancelled'";
    assert_eq!(app.count(sent).await, 2);
    let attachments: String = sqlx::query_scalar(
        "SELECT attachments FROM outbox WHERE kind = 'training_cancelled' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let stored: Value = serde_json::from_str(&attachments).unwrap();
    use base64::Engine as _;
    let ics = base64::engine::general_purpose::STANDARD
        .decode(stored[0]["data"].as_str().unwrap())
        .unwrap();
    let ics = String::from_utf8(ics).unwrap();
    assert!(ics.contains("METHOD:CANCEL"), "{ics}");
    assert!(
        ics.contains(&format!("UID:training-session-{}@", s["id"])),
        "{ics}"
    );
    // Again: the same answer, nobody told twice; enrolling in it is refused.
    let again = trainer.post(&cancel).send_json().await;
    assert_eq!(again["cancelled"], true);
    assert_eq!(app.count(sent).await, 2);
    app.as_worker(3)
        .await
        .post(&enrol)
        .json(&json!({}))
        .send_problem(StatusCode::CONFLICT, "training.session_cancelled")
        .await;
    // A session that has started cannot be cancelled.
    let later = session(
        &app,
        json!({"course_id": c, "date": "2026-11-24", "start": "13:00", "end": "14:00", "capacity": 3}),
    )
    .await;
    app.clock.set(tuesday_at(13, 5));
    trainer
        .post(&format!("/api/v1/training/sessions/{}/cancel", later["id"]))
        .send_problem(StatusCode::CONFLICT, "training.session_past")
        .await;
}
