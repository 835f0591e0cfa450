//! The staff live view: the snapshot per role, the stream of server-sent events (a kiosk scan
//! arrives, on every instance, and after the listener lost its connection), the evacuation
//! roll call from start to report, and the site's plan.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    the_live_view_shows_the_site_now_to_each_role,
    a_kiosk_scan_reaches_every_open_stream,
    a_stream_gets_a_fresh_snapshot_after_the_listener_reconnects,
    roll_call_from_start_to_report,
    concurrent_starts_make_one_roll_call,
    directors_place_spaces_on_the_plan,
    a_stream_ends_once_its_viewer_logged_out,
);

/// A screen left open after its person logged out stops receiving the site (within the
/// 30 s recheck, on the service's clock).
async fn a_stream_ends_once_its_viewer_logged_out(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let reception = app.login_as(RECEPTION).await;
    let mut screen = Stream::open(&reception, &app.base, SHIOJIRI).await;
    screen.next().await;
    let res = reception.post("/api/v1/auth/logout").sent().await;
    assert!(res.status().is_success(), "{}", res.status());
    app.clock.advance(Duration::seconds(31));
    let k = app.kiosk().await;
    let worker = app.as_worker(5).await;
    assert_eq!(
        k.scan(&worker.qr_payload().await).await.status(),
        StatusCode::OK
    );
    assert!(
        screen.ends().await,
        "the stream ended instead of sending the scan"
    );
}

/// Tuesday 09:00 at Shiojiri: both caregivers on duty all day; worker 18 checked in at the
/// kiosk with a desk and a child (佐藤 春翔, 3, allergic to egg) handed over to CAREGIVER;
/// worker 5 booked from 09:00 and not arrived; worker 3 booked from 09:30. Answers the app
/// and the kiosk.
async fn a_busy_morning(b: Backend) -> (TestApp, Kiosk) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    app.clear_shifts().await;
    for caregiver in [CAREGIVER, CAREGIVER2] {
        app.on_duty(caregiver, "2026-11-24", "08:30", "18:00").await;
    }
    let (parent, kids) = app
        .parent_of(18, &[("佐藤 春翔", "2023-05-10", "卵")])
        .await;
    let made = parent
        .placed(&json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00", "end": "12:00", "child_ids": kids, "desk": {"attributes": []}}))
        .await;
    let k = app.kiosk().await;
    let inn = k.scan(&parent.qr_payload().await).await;
    assert_eq!(inn.status(), StatusCode::OK);
    let place = made["places"][0]["id"].as_i64().unwrap();
    app.login_as(CAREGIVER)
        .await
        .post(&format!("/api/v1/childcare/bookings/{place}/drop-off"))
        .send_json()
        .await;
    let d10 = app.space_id(SHIOJIRI, "D-10").await;
    app.as_worker(5)
        .await
        .booked(&desk(d10, "2026-11-24", "09:00", "12:00"))
        .await;
    app.as_worker(3)
        .await
        .booked(&any_desk("2026-11-24", "09:30", "12:00"))
        .await;
    (app, k)
}

async fn live(user: &User) -> Value {
    user.get(&format!("/api/v1/sites/{SHIOJIRI}/live"))
        .send_json()
        .await
}

fn seat<'a>(snap: &'a Value, space: &str) -> &'a Value {
    &find(&snap["spaces"], "name", space)["seats"][0]
}

async fn name_of(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT name FROM persons WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn the_live_view_shows_the_site_now_to_each_role(b: Backend) {
    let (app, _k) = a_busy_morning(b).await;
    let parent = name_of(&app, &worker_email(18)).await;
    let late = name_of(&app, &worker_email(5)).await;
    let coming = name_of(&app, &worker_email(3)).await;

    let reception = app.login_as(RECEPTION).await;
    let snap = live(&reception).await;
    let inside = find(&snap["people"], "name", parent.as_str());
    assert_eq!(inside["kind"], "worker");
    let parents_desk = inside["space"].as_str().unwrap().to_string();
    assert_eq!(seat(&snap, &parents_desk)["state"], "occupied");
    assert_eq!(seat(&snap, &parents_desk)["person"], parent.as_str());
    assert_eq!(seat(&snap, "D-10")["state"], "reserved");
    assert_eq!(seat(&snap, "D-10")["person"], late.as_str());
    assert_eq!(seat(&snap, "D-40")["state"], "free");
    assert_eq!(snap["staff_on_duty"].as_array().unwrap().len(), 2);
    let expected = strings(&snap["expected"], "name");
    assert!(expected.contains(&late.as_str()), "{expected:?}");
    assert!(expected.contains(&coming.as_str()), "{expected:?}");
    assert!(
        !expected.contains(&parent.as_str()),
        "arrived: {expected:?}"
    );
    assert_eq!(snap["childcare"]["caregivers_on_duty"], 2);
    assert_eq!(snap["childcare"]["children"], json!([0, 0, 1, 0]));
    assert_eq!(
        snap["childcare"]["bands"],
        json!(["fits", "fits", "fits", "fits"])
    );
    assert_eq!(snap["alerts"], json!([]));
    // Reception: given name, age and room; nothing medical, not the guardian.
    assert_eq!(
        snap["children"],
        json!([{"place_id": snap["children"][0]["place_id"], "child_id": snap["children"][0]["child_id"],
                "name": "春翔", "age": 3, "room": "託児室", "since": snap["children"][0]["since"]}])
    );
    assert!(!snap.to_string().contains('卵'), "{snap}");
    // Directors see the children as reception does.
    let director = live(&app.login_as(DIRECTOR).await).await;
    assert!(director["children"][0].get("allergies").is_none());
    assert!(!director.to_string().contains('卵'));
    // The site's caregivers see the whole record.
    let caregiver = live(&app.login_as(CAREGIVER).await).await;
    let child = &caregiver["children"][0];
    assert_eq!(child["name"], "佐藤 春翔");
    assert_eq!(child["allergies"], "卵");
    assert_eq!(child["guardian"], parent.as_str());
    assert_eq!(child["caregiver"], name_of(&app, CAREGIVER).await.as_str());

    // Workers never; another site's staff never; a site that does not exist answers as a
    // foreign one (403), except to an administrator (404).
    for (who, site) in [
        (WORKER, SHIOJIRI),
        (OMACHI_DIRECTOR, SHIOJIRI),
        (DIRECTOR, 2),
        (DIRECTOR, 999),
        ("trainer@shiojiri.kado.example", SHIOJIRI),
    ] {
        let user = app.login_as(who).await;
        for path in [
            format!("/api/v1/sites/{site}/live"),
            format!("/api/v1/sites/{site}/live/stream"),
        ] {
            user.get(&path)
                .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
                .await;
        }
    }
    app.login_as(ADMIN)
        .await
        .get("/api/v1/sites/999/live")
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    app.guest()
        .get("/api/v1/sites/1/live")
        .send_problem(StatusCode::UNAUTHORIZED, "auth.required")
        .await;

    // A deactivated desk is out of service.
    let d40 = app.space_id(SHIOJIRI, "D-40").await;
    app.login_as(DIRECTOR)
        .await
        .patch(&format!("/api/v1/spaces/{d40}"))
        .json(&json!({"active": false}))
        .send_json()
        .await;
    let snap = live(&reception).await;
    assert_eq!(seat(&snap, "D-40")["state"], "out_of_service");

    // After closing: the child still in the room, the parent still checked in.
    app.clock
        .advance(Duration::hours(9) + Duration::minutes(30));
    let snap = live(&reception).await;
    let alerts: Vec<(&str, &str)> = snap["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["name"].as_str().unwrap()))
        .collect();
    assert!(
        alerts.contains(&("after_closing", parent.as_str())),
        "{alerts:?}"
    );
    assert!(alerts.contains(&("not_picked_up", "春翔")), "{alerts:?}");
}

/// An open server-sent-events stream, read message by message.
struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(user: &User, base: &str, site: i64) -> Stream {
        let res = user
            .client
            .get(format!("{base}/api/v1/sites/{site}/live/stream"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        Stream {
            res,
            buf: String::new(),
        }
    }

    /// The next snapshot (keep-alive comments skipped), within 20 s.
    async fn next(&mut self) -> Value {
        tokio::time::timeout(std::time::Duration::from_secs(20), self.read())
            .await
            .expect("a snapshot arrived")
    }

    async fn read(&mut self) -> Value {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let message: String = self.buf.drain(..end + 2).collect();
                let data: String = message
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: ").or(l.strip_prefix("data:")))
                    .collect();
                if message.lines().any(|l| l == "event: snapshot") {
                    return serde_json::from_str(&data).unwrap();
                }
                continue;
            }
            let chunk = self.res.chunk().await.unwrap().expect("the stream goes on");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Whether the stream ends (within 20 s) before another snapshot.
    async fn ends(&mut self) -> bool {
        let read = async {
            loop {
                if self.buf.contains("event: snapshot") {
                    return false;
                }
                match self.res.chunk().await {
                    Ok(Some(chunk)) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                    _ => return true,
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(20), read)
            .await
            .unwrap_or(false)
    }

    /// Reads snapshots until one satisfies `done`.
    async fn until(&mut self, done: impl Fn(&Value) -> bool) -> Value {
        loop {
            let snap = self.next().await;
            if done(&snap) {
                return snap;
            }
        }
    }
}

fn inside(snap: &Value) -> Vec<String> {
    strings(&snap["people"], "name")
        .into_iter()
        .map(String::from)
        .collect()
}

async fn a_kiosk_scan_reaches_every_open_stream(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    // On PostgreSQL the screen watches a second instance; the scan goes to the first.
    let second = app.second_instance().await;
    let screen_base = app.base_for(&second, 1);
    let reception = app.login_as(RECEPTION).await;
    let mut screen = Stream::open(&reception, &screen_base, SHIOJIRI).await;
    let mut other = Stream::open(&app.login_as(DIRECTOR).await, &app.base, SHIOJIRI).await;
    let first = screen.next().await;
    assert_eq!(first["people"], json!([]));
    other.next().await;

    let k = app.kiosk().await;
    let worker = app.as_worker(5).await;
    let walk_in = k.scan(&worker.qr_payload().await).await;
    assert_eq!(walk_in.status(), StatusCode::OK);
    let name = name_of(&app, &worker_email(5)).await;
    // The stream sends nothing until something happens: the next message is the scan's.
    let snap = screen.next().await;
    assert_eq!(inside(&snap), vec![name.clone()]);
    let desk = snap["people"][0]["space"].as_str().unwrap().to_string();
    assert_eq!(seat(&snap, &desk)["state"], "occupied");
    assert_eq!(inside(&other.next().await), vec![name.clone()]);

    // Another site's changes do not wake Shiojiri's screens.
    let omachi = app.login_as(OMACHI_DIRECTOR).await;
    omachi
        .patch("/api/v1/sites/2")
        .json(&json!({"name_en": "Omachi Office"}))
        .send_json()
        .await;
    app.clock.advance(Duration::minutes(10));
    let out = k.scan(&worker.qr_payload().await).await;
    assert_eq!(out.status(), StatusCode::OK);
    let snap = screen.next().await;
    assert_eq!(inside(&snap), Vec::<String>::new(), "checked out");

    // A client that does not ask for a stream gets the first message and the end.
    let once = reception
        .get("/api/v1/sites/1/live/stream")
        .send()
        .await
        .unwrap();
    assert_eq!(once.status(), StatusCode::OK);
    let text = once.text().await.unwrap();
    assert_eq!(text.matches("event: snapshot").count(), 1, "{text}");
}

async fn a_stream_gets_a_fresh_snapshot_after_the_listener_reconnects(b: Backend) {
    if b == Backend::Sqlite {
        // No listener: SQLite's events stay in the process.
        return;
    }
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let reception = app.login_as(RECEPTION).await;
    let mut screen = Stream::open(&reception, &app.base, SHIOJIRI).await;
    screen.next().await;
    // A check-in whose event was lost (as one committed while the listener is away): written
    // straight into the table, it publishes nothing.
    let worker = app.person_id(&worker_email(5)).await;
    sqlx::query(
        "INSERT INTO presence_sessions (site_id, person_id, checked_in_at) VALUES ($1, $2, $3)",
    )
    .bind(SHIOJIRI)
    .bind(worker)
    .bind(app.clock.epoch())
    .execute(&app.db.pool)
    .await
    .unwrap();
    let killed: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(pg_terminate_backend(pid)) AS BIGINT) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(killed, 1);
    // The listener reconnects, the screen gets a fresh snapshot (well before the 30 s one).
    let name = name_of(&app, &worker_email(5)).await;
    let snap = screen
        .until(|s| !s["people"].as_array().unwrap().is_empty())
        .await;
    assert_eq!(inside(&snap), vec![name]);
}

async fn roll_call_from_start_to_report(b: Backend) {
    let (app, _k) = a_busy_morning(b).await;
    let parent = name_of(&app, &worker_email(18)).await;
    let late = name_of(&app, &worker_email(5)).await;
    let coming = name_of(&app, &worker_email(3)).await;
    let caregiver_name = name_of(&app, CAREGIVER).await;
    let reception = app.login_as(RECEPTION).await;
    let caregiver = app.login_as(CAREGIVER).await;
    let director = app.login_as(DIRECTOR).await;
    let mut screen = Stream::open(&director, &app.base, SHIOJIRI).await;
    assert_eq!(screen.next().await["roll_call"], Value::Null);

    let started = reception
        .post("/api/v1/sites/1/roll-calls")
        .send_created()
        .await;
    let id = started["id"].as_i64().unwrap();
    // A second start joins it.
    let joined = caregiver.post("/api/v1/sites/1/roll-calls").sent().await;
    assert_eq!(joined.status(), StatusCode::OK);
    let joined: Value = joined.json().await.unwrap();
    assert_eq!(joined["id"], id);

    let entries = started["entries"].as_array().unwrap();
    let line = |name: &str| {
        entries
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} on the list: {started}"))
            .clone()
    };
    assert_eq!(line(&parent)["kind"], "worker");
    assert_eq!(line(&parent)["expected"], false);
    assert_eq!(line(&caregiver_name)["kind"], "staff");
    let child = line("春翔");
    assert_eq!(child["kind"], "child");
    assert_eq!(child["guardian"], parent.as_str());
    assert_eq!(child["caregiver"], caregiver_name.as_str());
    assert_eq!(child["place"], "託児室");
    assert!(!started.to_string().contains('卵'));
    assert_eq!(line(&late)["expected"], true, "booked, not arrived: apart");
    assert!(
        entries.iter().all(|e| e["name"] != coming.as_str()),
        "not due yet"
    );
    assert_eq!(started["inside"], 4, "parent, two caregivers, child");
    assert_eq!(started["marked"], 0);
    let on_screen = screen.until(|s| !s["roll_call"].is_null()).await;
    assert_eq!(on_screen["roll_call"]["id"], id);

    // Any staff member marks; every screen sees it.
    let marks = format!("/api/v1/roll-calls/{id}/marks");
    let marked = caregiver
        .post(&marks)
        .json(&json!({"entry_id": child["id"]}))
        .send_json()
        .await;
    assert_eq!(marked["marked"], 1);
    let on_screen = screen.until(|s| s["roll_call"]["marked"] == 1).await;
    let seen = find(&on_screen["roll_call"]["entries"], "name", "春翔");
    assert_eq!(seen["marked_by"], caregiver_name.as_str());
    // The first mark stands.
    let again = reception
        .post(&marks)
        .json(&json!({"entry_id": child["id"]}))
        .send_json()
        .await;
    assert_eq!(
        find(&again["entries"], "name", "春翔")["marked_by"],
        caregiver_name.as_str()
    );
    // Someone not on the list: 422; a worker or another site's staff: no such roll call.
    reception
        .post(&marks)
        .json(&json!({"entry_id": 999_999}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "roll_call.not_on_list")
        .await;
    for who in [WORKER, OMACHI_DIRECTOR] {
        app.login_as(who)
            .await
            .post(&marks)
            .json(&json!({"entry_id": child["id"]}))
            .send_problem(StatusCode::NOT_FOUND, "not_found")
            .await;
    }
    app.login_as(WORKER)
        .await
        .post("/api/v1/sites/1/roll-calls")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;

    // A phone marked the parent offline at 09:05; the mark arrives after the end.
    app.clock.advance(Duration::minutes(10));
    let report = reception
        .post(&format!("/api/v1/roll-calls/{id}/end"))
        .send_json()
        .await;
    assert!(report["ended_at"].is_string());
    // The saved report's list is the directors': whoever else ends it gets the counts.
    assert_eq!(report["entries"], json!([]), "{report}");
    assert_eq!(report["marked"], 1, "{report}");
    reception
        .post(&format!("/api/v1/roll-calls/{id}/end"))
        .send_problem(StatusCode::CONFLICT, "roll_call.ended")
        .await;
    app.clock.advance(Duration::minutes(5));
    let late_mark = caregiver
        .post(&marks)
        .json(&json!({"entry_id": line(&parent)["id"], "marked_at": "2026-11-24T09:05:00+09:00"}))
        .send_json()
        .await;
    // Counted, and (from an audit) no list: it would hand the saved report to whoever can
    // send a mark within 30 minutes of the end.
    assert_eq!(late_mark["marked"], 2, "{late_mark}");
    assert_eq!(late_mark["entries"], json!([]), "{late_mark}");
    // A mark made after the end is refused.
    caregiver
        .post(&marks)
        .json(&json!({"entry_id": line(&caregiver_name)["id"]}))
        .send_problem(StatusCode::CONFLICT, "roll_call.ended")
        .await;
    // And the saved report cannot be rewritten later with a claimed early time.
    app.clock.advance(Duration::minutes(31));
    caregiver
        .post(&marks)
        .json(&json!({"entry_id": line(&caregiver_name)["id"], "marked_at": "2026-11-24T09:05:00+09:00"}))
        .send_problem(StatusCode::CONFLICT, "roll_call.ended")
        .await;
    let on_screen = screen.until(|s| s["roll_call"].is_null()).await;
    assert_eq!(on_screen["roll_call"], Value::Null);

    // The director reads the report later: who was marked by whom and when, who was not.
    let history = director.get("/api/v1/sites/1/roll-calls").send_json().await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    let report = director
        .get(&format!("/api/v1/roll-calls/{id}"))
        .send_json()
        .await;
    assert_eq!(report["marked"], 2);
    assert_eq!(
        find(&report["entries"], "name", parent.as_str())["marked_at"],
        "2026-11-24T00:05:00+00:00"
    );
    let never_found: Vec<&str> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["expected"] == false && e["marked_at"].is_null())
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(never_found.len(), 2, "the two caregivers: {never_found:?}");
    reception
        .get("/api/v1/sites/1/roll-calls")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    // The saved report is the directors': other staff no longer read it.
    reception
        .get(&format!("/api/v1/roll-calls/{id}"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    app.login_as(OMACHI_DIRECTOR)
        .await
        .get(&format!("/api/v1/roll-calls/{id}"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    // The next emergency is a new roll call.
    let next = reception
        .post("/api/v1/sites/1/roll-calls")
        .send_created()
        .await;
    assert_ne!(next["id"], id);
}

async fn concurrent_starts_make_one_roll_call(b: Backend) {
    let (app, _k) = a_busy_morning(b).await;
    let second = app.second_instance().await;
    let staff = [
        app.login_as(RECEPTION).await,
        app.login_as(CAREGIVER).await,
        app.login_as(CAREGIVER2).await,
        app.login_as(DIRECTOR).await,
    ];
    let mut tasks = Vec::new();
    for i in 0..16 {
        let req = staff[i % 4].client.post(format!(
            "{}/api/v1/sites/1/roll-calls",
            app.base_for(&second, i)
        ));
        tasks.push(tokio::spawn(async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap();
            (
                status,
                body["id"].as_i64(),
                body["entries"].as_array().map(Vec::len),
            )
        }));
    }
    let mut created = 0;
    let mut ids = Vec::new();
    for t in tasks {
        let (status, id, entries) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("{other}"),
        }
        assert_eq!(entries, Some(5), "everyone joins the full list");
        ids.push(id.unwrap());
    }
    assert_eq!(created, 1);
    ids.dedup();
    assert_eq!(ids.len(), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM roll_calls").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM roll_call_entries").await, 5);
}

async fn directors_place_spaces_on_the_plan(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let director = app.login_as(DIRECTOR).await;
    let reception = app.login_as(RECEPTION).await;
    let d01 = app.space_id(SHIOJIRI, "D-01").await;
    let omachi_desk = app.space_id(2, "D-01").await;
    // The demo places Shiojiri's spaces; Omachi's stand on the automatic grid.
    let before = live(&reception).await;
    assert_eq!(find(&before["spaces"], "name", "D-01")["placed"], true);
    let omachi = app
        .login_as(OMACHI_DIRECTOR)
        .await
        .get("/api/v1/sites/2/live")
        .send_json()
        .await;
    let grid = find(&omachi["spaces"], "name", "D-12");
    assert_eq!(grid["placed"], false);
    assert!(grid["x"].as_i64().unwrap() + grid["width"].as_i64().unwrap() <= 1000);
    let mut screen = Stream::open(&reception, &app.base, SHIOJIRI).await;
    screen.next().await;
    let status = director
        .put("/api/v1/sites/1/plan")
        .json(&json!({"positions": [{"space_id": d01, "x": 100, "y": 200, "width": 60, "height": 30}]}))
        .send_status()
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let snap = screen.next().await;
    let placed = find(&snap["spaces"], "name", "D-01");
    assert_eq!(
        (
            &placed["x"],
            &placed["y"],
            &placed["width"],
            &placed["height"],
            &placed["placed"]
        ),
        (
            &json!(100),
            &json!(200),
            &json!(60),
            &json!(30),
            &json!(true)
        )
    );
    for (body, code) in [
        (
            json!({"positions": [{"space_id": d01, "x": 990, "y": 0}]}),
            "occupancy.bad_position",
        ),
        (
            json!({"positions": [{"space_id": omachi_desk, "x": 0, "y": 0}]}),
            "occupancy.unknown_space",
        ),
    ] {
        let problem = director
            .put("/api/v1/sites/1/plan")
            .json(&body)
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
            .await;
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    reception
        .put("/api/v1/sites/1/plan")
        .json(&json!({"positions": []}))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
}
