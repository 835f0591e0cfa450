//! A month from the kiosk to an approved lock (issue 18), on both backends: the forgotten
//! check-out closed once by the job (run twice and by two callers at once), the worker's
//! proposed end confirmed by a director, remote hours and allocations with every refusal
//! naming its field, submission, return, approval (the e-mails), the lock through the API and
//! through plain SQL, reopening with a reason and the history; who may read and decide.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// 23:00 in Tokyo on a November day.
fn tokyo(day: u32, hour: u32, minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .unwrap()
        - chrono::Duration::hours(9)
}

/// The two demo projects, with the demo's assignments removed (each test assigns its own).
async fn projects(app: &TestApp) -> (i64, i64) {
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

async fn assign(director: &User, person: i64, project: i64, from: &str) -> i64 {
    let made: Value = director
        .post(&format!("/api/v1/sites/{SHIOJIRI}/assignments"))
        .json(&json!({"person_id": person, "project_id": project, "starts_on": from, "yen_per_hour": 1000}))
        .send_json()
        .await;
    made["id"].as_i64().unwrap()
}

fn remote(date: &str, start: &str, end: &str, project: i64) -> Value {
    json!({"kind": "remote", "date": date, "start": start, "end": end, "project_id": project, "note": "annotation"})
}

fn center(date: &str, start: &str, end: &str, project: i64) -> Value {
    json!({"kind": "center", "date": date, "start": start, "end": end, "project_id": project})
}

async fn month(user: &User) -> Value {
    user.get(&format!("/api/v1/me/months/2026-11?site_id={SHIOJIRI}"))
        .send_json()
        .await
}

/// Posts an entry and answers the refusal's field code.
async fn refused_entry(user: &User, body: &Value, field: &str) -> String {
    let res = user
        .post(&format!("/api/v1/me/time-entries?site_id={SHIOJIRI}"))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], field, "{p}");
    p["errors"][0]["code"].as_str().unwrap().to_string()
}

async fn add_entry(user: &User, body: &Value) -> i64 {
    let made: Value = user
        .post(&format!("/api/v1/me/time-entries?site_id={SHIOJIRI}"))
        .json(body)
        .send_json()
        .await;
    made["id"].as_i64().unwrap()
}

on_both_backends!(a_month_goes_from_the_kiosk_to_an_approved_lock);

async fn a_month_goes_from_the_kiosk_to_an_approved_lock(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let director = app.login_as(DIRECTOR).await;
    let worker = app.login_as(WORKER).await;
    let me = app.person_id(WORKER).await;
    let (p1, p2) = projects(&app).await;
    assign(&director, me, p1, "2026-11-01").await;
    assign(&director, me, p2, "2026-11-25").await;

    // Checked in on Tuesday at 9:00, never checked out.
    worker
        .booked(&any_desk("2026-11-24", "09:00", "13:00"))
        .await;
    let kiosk = app.kiosk().await;
    app.clock.set(tuesday_nine());
    assert_eq!(
        kiosk.scan(&worker.qr_payload().await).await.status(),
        StatusCode::OK
    );
    app.clock.set(tokyo(24, 23, 0));
    // The job, by two instances at once (PostgreSQL; two callers on SQLite) and then again:
    // one closure, at closing time (18:00).
    let second = app.second_instance().await;
    let other = second.as_ref().map_or(&app.state, |s| &s.state);
    let (a, b2) = tokio::join!(
        kado::attendance::close_forgotten(&app.state),
        kado::attendance::close_forgotten(other)
    );
    assert_eq!(a.unwrap() + b2.unwrap(), 1);
    assert_eq!(
        kado::attendance::close_forgotten(&app.state).await.unwrap(),
        0
    );
    let closed_at: i64 =
        sqlx::query_scalar("SELECT checked_out_at FROM presence_sessions WHERE auto_closed = 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(closed_at, tokyo(24, 18, 0).timestamp());
    let m = month(&worker).await;
    assert_eq!(
        m["flags"],
        json!([{"date": "2026-11-24", "flag": "closed_by_system"}]),
        "{m}"
    );
    let session = m["sessions"][0]["id"].as_i64().unwrap();

    // The worker proposes 12:30; once is enough.
    let propose = |end: &str| {
        worker
            .post(&format!(
                "/api/v1/me/presence/{session}/correction?site_id={SHIOJIRI}"
            ))
            .json(&json!({"end": end, "reason": "forgot to scan out"}))
    };
    let correction: Value = propose("12:30").send_json().await;
    propose("12:45")
        .send_problem(StatusCode::CONFLICT, "attendance.already_proposed")
        .await;
    assert_eq!(month(&worker).await["flags"], json!([]));

    // Remote hours and allocations: every refusal names its field.
    let refusals = [
        (
            remote("2026-11-25", "09:00", "10:00", p1),
            "end",
            "attendance.in_future",
        ),
        (
            remote("2026-11-24", "10:00", "11:00", p1),
            "start",
            "attendance.overlaps_presence",
        ),
        (
            remote("2026-11-24", "19:00", "18:00", p1),
            "end",
            "attendance.end_before_start",
        ),
        (
            remote("2026-11-24", "19:00", "20:00", 999_999),
            "project_id",
            "attendance.not_assigned",
        ),
        (
            remote("2026-11-24", "19:00", "20:00", p2),
            "date",
            "attendance.before_assignment",
        ),
        (
            center("2026-11-24", "08:00", "09:30", p1),
            "start",
            "attendance.outside_presence",
        ),
    ];
    for (body, field, code) in &refusals {
        assert_eq!(refused_entry(&worker, body, field).await, *code, "{body}");
    }
    let evening = add_entry(&worker, &remote("2026-11-24", "19:00", "21:00", p1)).await;
    assert_eq!(
        refused_entry(
            &worker,
            &remote("2026-11-24", "20:00", "22:00", p1),
            "start"
        )
        .await,
        "attendance.overlap"
    );
    add_entry(&worker, &center("2026-11-24", "09:00", "11:00", p1)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM time_entries").await,
        2,
        "refusals wrote nothing"
    );

    // A director of the site confirms the proposed end; of another site, may not.
    let confirm = format!("/api/v1/presence-corrections/{}/confirm", correction["id"]);
    let omachi = app.login_as(OMACHI_DIRECTOR).await;
    omachi
        .post(&confirm)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    assert_eq!(
        director.post(&confirm).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let m = month(&worker).await;
    assert_eq!(m["total_center_minutes"], 210, "{m}");
    assert_eq!(m["total_remote_minutes"], 120);
    assert_eq!(m["total_minutes"], 330);
    assert_eq!(m["unallocated_minutes"], 90);
    assert_eq!(m["projects"][0]["center_minutes"], 120);

    // Submitted once the month is over.
    let submit = format!("/api/v1/me/months/2026-11/submit?site_id={SHIOJIRI}");
    worker
        .post(&submit)
        .send_problem(StatusCode::CONFLICT, "attendance.month_not_over")
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap());
    let m: Value = worker.post(&submit).send_json().await;
    assert_eq!(m["status"], "submitted");
    let sheet = m["timesheet_id"].as_i64().unwrap();
    worker
        .post(&format!("/api/v1/me/time-entries?site_id={SHIOJIRI}"))
        .json(&remote("2026-11-26", "19:00", "20:00", p1))
        .send_problem(StatusCode::CONFLICT, "attendance.already_submitted")
        .await;

    // Returned with a comment (required), corrected, submitted again, approved.
    let step = |user: &User, what: &str, comment: &str| {
        user.post(&format!("/api/v1/timesheets/{sheet}/{what}"))
            .json(&json!({"comment": comment}))
    };
    step(&omachi, "approve", "")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    step(&worker, "approve", "")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    step(&director, "return", " ")
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    step(&director, "return", "note on the 24th please")
        .send_json()
        .await;
    let entry_url = format!("/api/v1/me/time-entries/{evening}?site_id={SHIOJIRI}");
    let mut changed = remote("2026-11-24", "19:00", "21:00", p1);
    changed["note"] = json!("annotation of 300 images");
    assert_eq!(
        worker
            .put(&entry_url)
            .json(&changed)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    worker.post(&submit).send_json().await;
    // Presence that changed after the submission (here a session left open) is seen at
    // approval.
    let late = format!(
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at) VALUES ({SHIOJIRI}, {me}, {})",
        tokyo(27, 9, 0).timestamp()
    );
    sqlx::query(&late).execute(&app.db.pool).await.unwrap();
    step(&director, "approve", "")
        .send_problem(StatusCode::CONFLICT, "attendance.unresolved_flags")
        .await;
    sqlx::query("DELETE FROM presence_sessions WHERE checked_out_at IS NULL")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let approved: Value = step(&director, "approve", "").send_json().await;
    assert_eq!(approved["status"], "approved");
    step(&director, "approve", "")
        .send_problem(StatusCode::CONFLICT, "attendance.month_locked")
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'month_returned'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'month_approved'")
            .await,
        1
    );

    // Locked: through the API...
    worker
        .put(&entry_url)
        .json(&changed)
        .send_problem(StatusCode::CONFLICT, "attendance.month_locked")
        .await;
    worker
        .delete(&entry_url)
        .send_problem(StatusCode::CONFLICT, "attendance.month_locked")
        .await;
    worker
        .post(&format!("/api/v1/me/time-entries?site_id={SHIOJIRI}"))
        .json(&remote("2026-11-26", "19:00", "20:00", p1))
        .send_problem(StatusCode::CONFLICT, "attendance.month_locked")
        .await;
    // ... and through plain SQL, presence included.
    let locked = |r: Result<sqlx::any::AnyQueryResult, sqlx::Error>| {
        let e = r.expect_err("the approved month refuses the change");
        assert_eq!(
            kado::db::violated_constraint(&e).as_deref(),
            Some("attendance_month_locked"),
            "{e}"
        );
    };
    let sql = |s: String| {
        let pool = app.db.pool.clone();
        async move { sqlx::query(&s).execute(&pool).await }
    };
    locked(
        sql(format!(
            "UPDATE presence_sessions SET checked_out_at = checked_out_at + 60 WHERE id = {session}"
        ))
        .await,
    );
    locked(
        sql(format!(
            "DELETE FROM presence_sessions WHERE id = {session}"
        ))
        .await,
    );
    locked(sql(format!(
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at, checked_out_at) VALUES ({SHIOJIRI}, {me}, {}, {})",
        tokyo(26, 10, 0).timestamp(), tokyo(26, 11, 0).timestamp()
    )).await);
    locked(
        sql(format!(
            "UPDATE time_entries SET note = 'x' WHERE id = {evening}"
        ))
        .await,
    );
    // The approved timesheet keeps its bounds and status; the history cannot be rewritten.
    locked(
        sql(format!(
            "UPDATE timesheets SET ends_at = starts_at WHERE id = {sheet}"
        ))
        .await,
    );
    locked(
        sql(format!(
            "UPDATE timesheets SET status = 'open' WHERE id = {sheet}"
        ))
        .await,
    );
    locked(sql(format!("DELETE FROM timesheets WHERE id = {sheet}")).await);
    for change in [
        "UPDATE timesheet_changes SET reason = 'x'",
        "DELETE FROM timesheet_changes",
    ] {
        let e = sql(change.into())
            .await
            .expect_err("the history is append-only");
        assert_eq!(
            kado::db::violated_constraint(&e).as_deref(),
            Some("timesheet_history_append_only"),
            "{e}"
        );
    }
    // SQLite's INSERT OR REPLACE (a delete without delete triggers) is refused too.
    if matches!(b, Backend::Sqlite) {
        let e = sql("INSERT OR REPLACE INTO timesheet_changes (id, timesheet_id, changed_by, changed_at, what)
                     SELECT id, timesheet_id, changed_by, changed_at, 'x' FROM timesheet_changes LIMIT 1"
            .into())
        .await
        .expect_err("no replacing a line of the history");
        assert_eq!(
            kado::db::violated_constraint(&e).as_deref(),
            Some("timesheet_history_append_only"),
            "{e}"
        );
    }

    // The kiosk (e.g. an offline scan dated back) meets the lock as a 409, not a 500.
    let mut tx = app.db.begin().await.unwrap();
    let refused = kado::attendance::presence::open(
        &mut tx,
        kado::ids::SiteId(SHIOJIRI),
        kado::ids::PersonId(me),
        None,
        tokyo(27, 9, 0).timestamp(),
    )
    .await
    .expect_err("an approved month takes no presence");
    assert_eq!(refused.status(), StatusCode::CONFLICT, "{refused}");
    tx.rollback().await.unwrap();

    // A rate never changes an approved month.
    let assignment: i64 = sqlx::query_scalar(&format!(
        "SELECT id FROM assignments WHERE person_id = {me} AND project_id = {p1}"
    ))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let rate = |from: &str| {
        director
            .post(&format!("/api/v1/assignments/{assignment}/rates"))
            .json(&json!({"starts_on": from, "yen_per_hour": 1100}))
    };
    rate("2026-11-15")
        .send_problem(StatusCode::CONFLICT, "attendance.rate_backdated")
        .await;
    assert_eq!(
        rate("2026-12-01").send().await.unwrap().status(),
        StatusCode::CREATED
    );
    rate("2026-12-01")
        .send_problem(StatusCode::CONFLICT, "attendance.rate_taken")
        .await;

    // Reopened with a reason; each change after it needs one and is recorded.
    step(&director, "reopen", "")
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    step(&director, "reopen", "client asked for the 24th to be split")
        .send_json()
        .await;
    let p = worker
        .put(&entry_url)
        .json(&changed)
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation.required")
        .await;
    assert_eq!(p["errors"][0]["field"], "reason", "{p}");
    changed["end"] = json!("20:30");
    changed["reason"] = json!("the last half hour was a break");
    assert_eq!(
        worker
            .put(&entry_url)
            .json(&changed)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    let history: Value = worker
        .get(&format!("/api/v1/timesheets/{sheet}/history"))
        .send_json()
        .await;
    let what: Vec<&str> = strings(&history, "what");
    assert_eq!(
        what,
        [
            "end_proposed",
            "end_confirmed",
            "submitted",
            "returned",
            "entry_changed",
            "submitted",
            "approved",
            "reopened",
            "entry_changed"
        ],
        "{history}"
    );
    assert_eq!(
        history[1]["after"], "2026-11-24T03:30:00+00:00",
        "confirmed 12:30 in Tokyo"
    );
    let last = &history[8];
    assert_eq!(last["reason"], "the last half hour was a break");
    assert!(
        last["before"].as_str().unwrap().contains("19:00-21:00"),
        "{last}"
    );
    assert!(
        last["after"].as_str().unwrap().contains("19:00-20:30"),
        "{last}"
    );
    assert_eq!(
        history[7]["reason"],
        "client asked for the 24th to be split"
    );
}

on_both_backends!(who_may_read_and_decide_a_month);

/// Worker 4 is in the team worker 1 leads; worker 2 leads another team of the same site.
async fn who_may_read_and_decide_a_month(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(24, 23, 0)).await;
    let director = app.login_as(DIRECTOR).await;
    let (p1, _) = projects(&app).await;
    let w4 = app.person_id(&worker_email(4)).await;
    assign(&director, w4, p1, "2026-11-01").await;
    let four = app.login_as(&worker_email(4)).await;
    add_entry(&four, &remote("2026-11-24", "19:00", "21:00", p1)).await;
    let sheet: i64 = sqlx::query_scalar("SELECT id FROM timesheets")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let month_of_four = format!("/api/v1/sites/{SHIOJIRI}/months/2026-11/people/{w4}");
    let list = format!("/api/v1/sites/{SHIOJIRI}/months/2026-11");
    let history = format!("/api/v1/timesheets/{sheet}/history");

    // The team's leader reads the team's months (only theirs), and decides nothing.
    let leader = app.login_as(WORKER).await;
    let m: Value = leader.get(&month_of_four).send_json().await;
    assert_eq!(m["total_remote_minutes"], 120);
    let rows: Value = leader.get(&list).send_json().await;
    let team: std::collections::BTreeSet<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["team_id"].as_i64().unwrap())
        .collect();
    assert_eq!(team.len(), 1, "{rows}");
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["person_id"] == w4)
    );
    leader.get(&history).send_json().await;
    leader
        .post(&format!("/api/v1/timesheets/{sheet}/approve"))
        .json(&json!({}))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;

    // Another team's leader, another worker, another site's director: nothing.
    let other_leader = app.login_as(&worker_email(2)).await;
    other_leader
        .get(&month_of_four)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    other_leader
        .get(&history)
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let omachi = app.login_as(OMACHI_DIRECTOR).await;
    omachi
        .get(&list)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    omachi
        .get(&month_of_four)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    omachi
        .post(&format!("/api/v1/sites/{SHIOJIRI}/assignments"))
        .json(&json!({"person_id": w4, "project_id": p1, "starts_on": "2026-12-01", "yen_per_hour": 900}))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    let w5 = app.login_as(&worker_email(5)).await;
    w5.get(&month_of_four)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    w5.get(&list)
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    // Nobody changes another's entry: it is not even there for them.
    let entry: i64 = sqlx::query_scalar("SELECT id FROM time_entries")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    w5.delete(&format!(
        "/api/v1/me/time-entries/{entry}?site_id={SHIOJIRI}"
    ))
    .send_problem(StatusCode::NOT_FOUND, "not_found")
    .await;
    // Nobody approves their own month: worker 4 made a director of the site too.
    for sql in [
        format!(
            "INSERT INTO role_grants (person_id, site_id, role) VALUES ({w4}, {SHIOJIRI}, 'director')"
        ),
        format!("UPDATE timesheets SET status = 'submitted' WHERE id = {sheet}"),
    ] {
        sqlx::query(&sql).execute(&app.db.pool).await.unwrap();
    }
    let four = app.login_as(&worker_email(4)).await;
    four.post(&format!("/api/v1/timesheets/{sheet}/approve"))
        .json(&json!({}))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    // Hours at Omachi go on Omachi's projects only.
    sqlx::query(&format!(
        "INSERT INTO role_grants (person_id, site_id, role) SELECT {w4}, site_id, 'worker' FROM teams WHERE name = '大町チーム'"
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();
    let omachi_site: i64 =
        sqlx::query_scalar("SELECT site_id FROM teams WHERE name = '大町チーム'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let p = four
        .post(&format!("/api/v1/me/time-entries?site_id={omachi_site}"))
        .json(&remote("2026-11-23", "19:00", "20:00", p1))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "attendance.not_assigned")
        .await;
    assert_eq!(p["errors"][0]["field"], "project_id", "{p}");
    // One assignment at a time per person and project.
    director
        .post(&format!("/api/v1/sites/{SHIOJIRI}/assignments"))
        .json(&json!({"person_id": w4, "project_id": p1, "starts_on": "2026-12-01", "yen_per_hour": 1100}))
        .send_problem(StatusCode::CONFLICT, "attendance.assignment_overlap")
        .await;
    // An Omachi worker has no month at Shiojiri; a director lists every worker of the site.
    app.login_as(OMACHI_WORKER)
        .await
        .get(&format!("/api/v1/me/months/2026-11?site_id={SHIOJIRI}"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let all: Value = director.get(&list).send_json().await;
    assert_eq!(
        all.as_array().unwrap().len(),
        24,
        "the 24 workers of Shiojiri"
    );
    let filtered: Value = director
        .get(&format!("{list}?status=submitted&project_id={p1}"))
        .send_json()
        .await;
    assert_eq!(strings(&filtered, "name").len(), 1, "{filtered}");
}

on_both_backends!(concurrent_entries_never_overlap);

/// Twenty overlapping entries sent at once: exactly one is written.
async fn concurrent_entries_never_overlap(b: Backend) {
    let app = TestApp::spawn_at(b, tokyo(24, 23, 0)).await;
    let director = app.login_as(DIRECTOR).await;
    let (p1, _) = projects(&app).await;
    let me = app.person_id(WORKER).await;
    assign(&director, me, p1, "2026-11-01").await;
    let worker = app.login_as(WORKER).await;
    let sends = (0..20).map(|i| {
        let start = format!("19:{:02}", i);
        worker
            .post(&format!("/api/v1/me/time-entries?site_id={SHIOJIRI}"))
            .json(&remote("2026-11-24", &start, "21:00", p1))
            .send()
    });
    let answers = futures_join_all(sends).await;
    let created = answers
        .iter()
        .filter(|r| r.as_ref().unwrap().status() == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM time_entries").await, 1);
}

on_both_backends!(a_site_in_new_york_counts_local_days_across_dst);

/// Shiojiri moved to New York's zone: a night across the DST change of 2026-03-08 (5 real
/// hours from 22:00 to 04:00), and one across the month's end, are counted per local day; a
/// month with hours on a closed day (a Sunday) cannot be submitted; an unsubmitted month
/// cannot be approved.
async fn a_site_in_new_york_counts_local_days_across_dst(b: Backend) {
    let app = TestApp::spawn_at(b, Utc.with_ymd_and_hms(2026, 4, 2, 15, 0, 0).unwrap()).await;
    sqlx::query(&format!(
        "UPDATE sites SET time_zone = 'America/New_York' WHERE id = {SHIOJIRI}"
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();
    let me = app.person_id(WORKER).await;
    let utc = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    for (a, z) in [
        ("2026-03-07T22:00:00-05:00", "2026-03-08T04:00:00-04:00"),
        ("2026-03-31T23:00:00-04:00", "2026-04-01T01:00:00-04:00"),
    ] {
        sqlx::query(&format!(
            "INSERT INTO presence_sessions (site_id, person_id, checked_in_at, checked_out_at) VALUES ({SHIOJIRI}, {me}, {}, {})",
            utc(a),
            utc(z)
        ))
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let worker = app.login_as(WORKER).await;
    let march: Value = worker
        .get(&format!("/api/v1/me/months/2026-03?site_id={SHIOJIRI}"))
        .send_json()
        .await;
    let days: Vec<(String, i64)> = march["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["center_minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-03-07".to_string(), 120),
            ("2026-03-08".to_string(), 180),
            ("2026-03-31".to_string(), 60)
        ],
        "{march}"
    );
    assert_eq!(march["total_center_minutes"], 360);
    let april: Value = worker
        .get(&format!("/api/v1/me/months/2026-04?site_id={SHIOJIRI}"))
        .send_json()
        .await;
    assert_eq!(april["total_center_minutes"], 60, "{april}");
    // Sunday 03-08: the site is closed; the submission lists the day.
    let p = worker
        .post(&format!(
            "/api/v1/me/months/2026-03/submit?site_id={SHIOJIRI}"
        ))
        .header("accept-language", "en")
        .send_problem(StatusCode::CONFLICT, "attendance.unresolved_flags")
        .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("3/8 hours on a closed day"),
        "{p}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM timesheets").await,
        0,
        "a refused submission writes nothing"
    );
    // A month that was never submitted cannot be approved.
    sqlx::query(&format!(
        "INSERT INTO timesheets (person_id, site_id, month, starts_at, ends_at) VALUES ({me}, {SHIOJIRI}, '2026-03', {}, {})",
        utc("2026-03-01T00:00:00-05:00"),
        utc("2026-04-01T00:00:00-04:00")
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();
    let sheet: i64 = sqlx::query_scalar("SELECT id FROM timesheets")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    app.login_as(DIRECTOR)
        .await
        .post(&format!("/api/v1/timesheets/{sheet}/approve"))
        .json(&json!({}))
        .send_problem(StatusCode::CONFLICT, "attendance.not_submitted")
        .await;
}
