//! What a new user trips over (issue 22): e-mails and calendar events say where the site is
//! and link to the booking.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    mail_and_calendar_say_where_and_link_to_the_booking,
    a_site_address_is_kept_and_checked,
    the_kiosk_says_which_member_number_it_understood,
    one_person_cannot_hold_every_live_stream,
    a_late_change_reaches_a_rolled_up_day,
    two_children_by_qr_are_received_together_or_not_at_all,
    hand_overs_are_recorded_by_caregivers_on_duty_and_the_director
);

/// The calendar files of the messages in the mail-drop folder.
fn calendars(dir: &std::path::Path) -> Vec<icalendar::Calendar> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let raw = std::fs::read(entry.path()).unwrap();
        let mail = mailparse::parse_mail(&raw).unwrap();
        fn walk(m: &mailparse::ParsedMail, out: &mut Vec<icalendar::Calendar>) {
            if m.ctype.mimetype == "text/calendar" {
                let text = String::from_utf8(m.get_body_raw().unwrap()).unwrap();
                out.push(text.parse().unwrap());
            }
            for p in &m.subparts {
                walk(p, out);
            }
        }
        walk(&mail, &mut out);
    }
    out
}

fn locations(cal: &icalendar::Calendar) -> Vec<String> {
    cal.components
        .iter()
        .filter_map(|c| c.as_event())
        .filter_map(|e| icalendar::EventLike::get_location(e).map(str::to_string))
        .collect()
}

/// The confirmation names the site with its address and links to the booking on the
/// worker's pages; its calendar event is located at the desk, the site and its address. In
/// the worker's language (worker 10 reads English).
async fn mail_and_calendar_say_where_and_link_to_the_booking(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let ja = app.as_worker(5).await;
    let en = app.as_worker(10).await;
    sqlx::query("DELETE FROM outbox")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let booked = ja.booked(&any_desk("2026-11-24", "09:00", "12:00")).await;
    let id = booked["booking"]["id"].as_i64().unwrap();
    let desk = booked["booking"]["space_name"]
        .as_str()
        .unwrap()
        .to_string();
    let text: String = sqlx::query_scalar("SELECT body_text FROM outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        text.contains("拠点: 塩尻市テレワークセンター"),
        "the site's name: {text}"
    );
    assert!(
        text.contains("所在地: 〒399-0000 長野県塩尻市大門1-1"),
        "the site's address: {text}"
    );
    let link = format!("{}/app/#/bookings?id={id}", app.state.config.base_url());
    assert!(
        text.contains(&link),
        "a link to the booking ({link}): {text}"
    );

    en.booked(&any_desk("2026-11-25", "09:00", "12:00")).await;
    let text: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE to_email = 'worker10@kado.example'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        text.contains("Address: 1-1 Daimon, Shiojiri, Nagano 399-0000"),
        "{text}"
    );
    assert!(text.contains("See or cancel it: "), "{text}");

    assert_eq!(kado::mail::send_due(&app.state).await.unwrap().sent, 2);
    let mut all: Vec<String> = calendars(app.mail_dir.path())
        .iter()
        .flat_map(locations)
        .collect();
    all.sort();
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.iter().any(|l| l.starts_with(&desk)
            && l.contains("塩尻市テレワークセンター")
            && l.contains("長野県塩尻市大門1-1")),
        "the event is at the desk, the site and its address: {all:?}"
    );
    assert!(
        all.iter()
            .any(|l| l.contains("Shiojiri Telework Center, 1-1 Daimon, Shiojiri")),
        "in English for an English reader: {all:?}"
    );
}

/// A director gives the site's address; it is served with the site and bounded in length.
async fn a_site_address_is_kept_and_checked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let site = app
        .set_site(
            DIRECTOR,
            SHIOJIRI,
            json!({"address_ja": " 長野県塩尻市1-2-3 ", "address_en": "1-2-3 Shiojiri"}),
        )
        .await;
    assert_eq!(site["address_ja"], "長野県塩尻市1-2-3", "trimmed");
    assert_eq!(site["address_en"], "1-2-3 Shiojiri");
    let director = app.login_as(DIRECTOR).await;
    let res = director
        .patch(&format!("/api/v1/sites/{SHIOJIRI}"))
        .json(&json!({"address_en": "x".repeat(201)}))
        .sent()
        .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert_eq!(body["errors"][0]["field"], "address_en", "{body}");
    assert_eq!(body["errors"][0]["code"], "validation.too_long", "{body}");
}

/// The PIN pad's member number as the service understands it, before the PIN is typed: "1"
/// is K-0001; a number nobody has, or no kiosk token, says nothing about anyone.
async fn the_kiosk_says_which_member_number_it_understood(b: Backend) {
    let app = TestApp::spawn(b).await;
    let kiosk = app.kiosk().await;
    let ask = |typed: &str| {
        kiosk
            .user
            .get(&format!("/api/v1/kiosk/member?number={typed}"))
            .bearer_auth(&kiosk.token)
    };
    for (typed, full) in [("1", "K-0001"), ("0004", "K-0004"), ("K-0012", "K-0012")] {
        let body = ask(typed).send_json().await;
        assert_eq!(body, json!({"member_number": full}), "{typed}");
    }
    for typed in ["999", "K-9999", "", &"1".repeat(40)] {
        let res = ask(typed).sent().await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{typed:?}");
    }
    let res = kiosk.user.get("/api/v1/kiosk/member?number=1").sent().await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "without a kiosk token"
    );
    let worker = app.as_worker(1).await;
    let res = worker.get("/api/v1/kiosk/member?number=1").sent().await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a worker's session is no kiosk"
    );
}

/// Live streams are capped per person (and per instance): the eleventh of one person's screens
/// is refused with a clear 429, while someone else still gets theirs.
async fn one_person_cannot_hold_every_live_stream(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let reception = app.login_as(RECEPTION).await;
    let open = |who: &User| {
        who.get("/api/v1/sites/1/live/stream")
            .header("accept", "text/event-stream")
            .sent()
    };
    let mut held = Vec::new();
    for _ in 0..kado::occupancy::live::STREAMS_PER_PERSON {
        let res = open(&reception).await;
        assert_eq!(res.status(), StatusCode::OK);
        held.push(res);
    }
    let res = open(&reception).await;
    let body = problem(
        res,
        StatusCode::TOO_MANY_REQUESTS,
        "occupancy.too_many_streams",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("(10)"),
        "the limit is said: {body}"
    );
    let caregiver = app.login_as(CAREGIVER).await;
    assert_eq!(open(&caregiver).await.status(), StatusCode::OK);
    drop(held);
}

/// A day already rolled up into the utilisation history is rolled up again while late changes
/// can reach it (two days, at most every 15 minutes), and then stays as it is.
async fn a_late_change_reaches_a_rolled_up_day(b: Backend) {
    use kado::occupancy::history::roll_up;
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let [d01] = app.space_ids(SHIOJIRI, ["D-01"]).await;
    let came = app.as_worker(5).await;
    came.booked(&desk(d01, "2026-11-24", "09:00", "12:00"))
        .await;
    let k = app.kiosk().await;
    assert_eq!(
        k.scan(&came.qr_payload().await).await.status(),
        StatusCode::OK
    );
    let hours = "SELECT COUNT(*) FROM utilisation_hours WHERE day = '2026-11-24'";
    app.clock.advance(chrono::Duration::hours(24));
    let now = app.clock.epoch();
    assert_eq!(roll_up(&app.db, now).await.unwrap(), 1);
    assert_eq!(app.count(hours).await, 3, "9, 10 and 11 o'clock");

    // The next morning staff correct it: the worker left at 11:00.
    let correct = "UPDATE bookings SET ends_at = ends_at - 3600 WHERE status = 'checked_in'";
    sqlx::query(correct).execute(&app.db.pool).await.unwrap();
    assert_eq!(
        roll_up(&app.db, now + 60).await.unwrap(),
        0,
        "not again at once"
    );
    assert_eq!(
        roll_up(&app.db, now + 16 * 60).await.unwrap(),
        1,
        "rolled up again"
    );
    assert_eq!(app.count(hours).await, 2, "11 o'clock is empty now");
    assert_eq!(roll_up(&app.db, now + 17 * 60).await.unwrap(), 0);

    // Past the late window the day is final.
    let later = now + 3 * 86_400;
    roll_up(&app.db, later).await.unwrap();
    sqlx::query(correct).execute(&app.db.pool).await.unwrap();
    roll_up(&app.db, later + 16 * 60).await.unwrap();
    assert_eq!(
        app.count(hours).await,
        2,
        "an old day is not rolled up again"
    );
}

/// A parent's QR code at the tablet receives all their children booked now in one
/// transaction: when the second cannot be recorded, the first is not either (a fault injected
/// by a trigger on the second child's row), and once it can, both are.
async fn two_children_by_qr_are_received_together_or_not_at_all(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    app.clear_shifts().await;
    for caregiver in [CAREGIVER, CAREGIVER2] {
        app.on_duty(caregiver, "2026-11-24", "08:30", "18:00").await;
    }
    let (parent, kids) = app
        .parent_of(
            9,
            &[
                ("田中 蓮", "2026-02-14", ""),
                ("田中 陽菜", "2021-09-09", ""),
            ],
        )
        .await;
    let made = parent
        .placed(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00",
            "end": "12:00", "child_ids": kids, "desk": {"attributes": []}}),
        )
        .await;
    let places: Vec<i64> = made["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(places.len(), 2);
    let second = places.iter().max().unwrap();
    let inject: Vec<String> = match b {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER fail_second BEFORE UPDATE ON childcare_bookings
             WHEN NEW.id = {second} AND NEW.status = 'dropped_off'
             BEGIN SELECT RAISE(ABORT, 'injected'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION fail_second() RETURNS trigger AS $$ BEGIN
                 IF NEW.id = {second} AND NEW.status = 'dropped_off' THEN
                 RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER fail_second BEFORE UPDATE ON childcare_bookings
             FOR EACH ROW EXECUTE FUNCTION fail_second()"
                .to_string(),
        ],
    };
    for sql in &inject {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
    }
    let caregiver = app.login_as(CAREGIVER).await;
    let payload = parent.qr_payload().await;
    let res = caregiver
        .post("/api/v1/sites/1/childcare/drop-off-by-qr")
        .json(&json!({"payload": payload}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let booked = "SELECT COUNT(*) FROM childcare_bookings WHERE status = 'booked'";
    assert_eq!(
        app.count(booked).await,
        2,
        "neither child is recorded as received"
    );
    let received = "SELECT COUNT(*) FROM childcare_bookings WHERE dropoff_caregiver_id IS NOT NULL";
    assert_eq!(
        app.count(received).await,
        0,
        "nobody is named as having received one"
    );

    sqlx::query("DROP TRIGGER fail_second ON childcare_bookings")
        .execute(&app.db.pool)
        .await
        .ok();
    sqlx::query("DROP TRIGGER IF EXISTS fail_second")
        .execute(&app.db.pool)
        .await
        .ok();
    let payload = parent.qr_payload().await;
    let got = caregiver
        .post("/api/v1/sites/1/childcare/drop-off-by-qr")
        .json(&json!({"payload": payload}))
        .send_json()
        .await;
    assert_eq!(got.as_array().unwrap().len(), 2, "{got}");
    let dropped = "SELECT COUNT(*) FROM childcare_bookings WHERE status = 'dropped_off'";
    assert_eq!(app.count(dropped).await, 2);
}

/// Who records a hand-over: the site's caregivers on duty that day and its director; a
/// caregiver with no shift today is refused with a clear 403; reception, trainers, parents and
/// another site's director do not see the place at all.
async fn hand_overs_are_recorded_by_caregivers_on_duty_and_the_director(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    app.clear_shifts().await;
    app.on_duty(CAREGIVER, "2026-11-24", "08:30", "12:30").await;
    let second = app
        .on_duty(CAREGIVER2, "2026-11-24", "08:30", "12:30")
        .await;
    let (parent, kids) = app.parent_of(9, &[("田中 陽菜", "2021-09-09", "")]).await;
    let made = parent
        .placed(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00",
            "end": "12:00", "child_ids": kids, "desk": {"attributes": []}}),
        )
        .await;
    let place = made["places"][0]["id"].as_i64().unwrap();
    // The second caregiver's shift is called off (she is not working today).
    sqlx::query("DELETE FROM caregiver_shifts WHERE id = $1")
        .bind(second)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let drop_off = format!("/api/v1/childcare/bookings/{place}/drop-off");
    let pick_up = format!("/api/v1/childcare/bookings/{place}/pick-up");
    for who in [
        RECEPTION,
        "trainer@shiojiri.kado.example",
        OMACHI_DIRECTOR,
        "worker09@kado.example",
    ] {
        app.login_as(who)
            .await
            .post(&drop_off)
            .send_problem(StatusCode::NOT_FOUND, "not_found")
            .await;
    }
    let off_duty = app.login_as(CAREGIVER2).await;
    off_duty
        .post(&drop_off)
        .send_problem(StatusCode::FORBIDDEN, "childcare.not_on_duty")
        .await;
    off_duty
        .post("/api/v1/sites/1/childcare/drop-off-by-qr")
        .json(&json!({"payload": parent.qr_payload().await}))
        .send_problem(StatusCode::FORBIDDEN, "childcare.not_on_duty")
        .await;
    // The director stands in.
    let dropped = app
        .login_as(DIRECTOR)
        .await
        .post(&drop_off)
        .send_json()
        .await;
    assert_eq!(dropped["status"], "dropped_off");
    let guardian = json!({"guardian_id": app.person_id("worker09@kado.example").await});
    off_duty
        .post(&pick_up)
        .json(&guardian)
        .send_problem(StatusCode::FORBIDDEN, "childcare.not_on_duty")
        .await;
    // The caregiver on duty today, also after the shift's end (a child collected late).
    app.clock.advance(chrono::Duration::hours(4)); // 13:00, the shift ended at 12:30
    let done = app
        .login_as(CAREGIVER)
        .await
        .post(&pick_up)
        .json(&guardian)
        .send_json()
        .await;
    assert_eq!(done["status"], "picked_up");
}
