//! The booking engine over HTTP: each rule with its code, seats, series, cancellation,
//! no-shows, the calendar feed, daylight saving, and concurrency.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    book_a_desk_see_it_and_back_to_back,
    each_rule_has_its_code_and_changes_nothing,
    one_desk_per_person_and_room_seats,
    daily_limit,
    any_desk_prefers_the_usual_one,
    recurring_all_or_nothing_and_skip_conflicts,
    cancel_and_change,
    staff_book_on_behalf,
    room_seats_at_once,
    space_with_bookings_keeps_its_kind,
    series_that_books_nothing_writes_nothing,
    no_show_release,
    calendar_feed,
    daylight_saving_site,
    fifty_at_once_on_one_desk,
    many_workers_few_desks_at_once,
    named_and_any_desk_writers_at_once
);

async fn book_a_desk_see_it_and_back_to_back(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let d05 = app.space_id(SHIOJIRI, "D-05").await;
    let res = worker
        .book(&desk(d05, "2026-11-24", "09:00", "13:00"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made: Value = res.json().await.unwrap();
    let booking = &made["booking"];
    assert_eq!(
        (
            booking["date"].clone(),
            booking["start"].clone(),
            booking["end"].clone()
        ),
        (json!("2026-11-24"), json!("09:00"), json!("13:00"))
    );
    assert_eq!(
        booking["starts_at"], "2026-11-24T00:00:00+00:00",
        "stored in UTC"
    );
    assert_eq!(booking["status"], "active");
    let avail = worker
        .get("/api/v1/sites/1/availability?date=2026-11-24&kind=desk&attributes=monitor")
        .send_json()
        .await;
    let slots: Vec<&str> = avail["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(slots.first(), Some(&"08:30"));
    assert_eq!(slots.last(), Some(&"17:45"));
    let spaces = avail["spaces"].as_array().unwrap();
    assert_eq!(spaces.len(), 20, "odd-numbered desks have a monitor");
    let d05_free: Vec<i64> = find(&avail["spaces"], "id", d05)["free"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_i64().unwrap())
        .collect();
    let busy: Vec<&str> = slots
        .iter()
        .zip(&d05_free)
        .filter(|(_, f)| **f == 0)
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(busy.first(), Some(&"09:00"));
    assert_eq!(busy.last(), Some(&"12:45"));
    assert_eq!(busy.len(), 16);
    // Another worker: overlapping is refused, back-to-back is fine.
    let other = app.as_worker(2).await;
    let res = other.book(&desk(d05, "2026-11-24", "12:00", "14:00")).await;
    problem(res, StatusCode::CONFLICT, "booking.overlap").await;
    let res = other.book(&desk(d05, "2026-11-24", "13:00", "15:00")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mine = worker
        .get("/api/v1/bookings?from=2026-11-20&to=2026-11-30")
        .send_json()
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let id = booking["id"].as_i64().unwrap();
    let got = worker
        .get(&format!("/api/v1/bookings/{id}"))
        .send_json()
        .await;
    assert_eq!(got["space_name"], "D-05");
    // Someone else's booking is not even visible.
    other
        .get(&format!("/api/v1/bookings/{id}"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
}

async fn each_rule_has_its_code_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let d01 = app.space_id(SHIOJIRI, "D-01").await;
    // (request, status, code, the field named, words the message must hold)
    let cases = [
        (
            desk(d01, "2026-11-23", "09:00", "12:00"),
            409,
            "booking.closed_day",
            "date",
            "祝日: 勤労感謝の日",
        ),
        (
            desk(d01, "2026-11-22", "09:00", "12:00"),
            409,
            "booking.closed_day",
            "date",
            "11月22日(日)",
        ),
        // Closed, and beyond the booking window too: closed is what helps.
        (
            desk(d01, "2026-12-29", "09:00", "12:00"),
            409,
            "booking.closed_day",
            "date",
            "年末年始",
        ),
        (
            desk(d01, "2026-12-22", "09:00", "12:00"),
            409,
            "booking.too_far_ahead",
            "date",
            "28日先",
        ),
        (
            desk(d01, "2026-11-24", "07:00", "09:00"),
            409,
            "booking.outside_opening_hours",
            "start",
            "8:30〜18:00",
        ),
        // Saturday closes at 13:00.
        (
            desk(d01, "2026-11-28", "12:00", "14:00"),
            409,
            "booking.outside_opening_hours",
            "end",
            "9:00〜13:00",
        ),
        (
            desk(d01, "2026-11-24", "09:10", "12:00"),
            422,
            "booking.off_grid",
            "start",
            "15分",
        ),
        (
            desk(d01, "2026-11-24", "09:00", "12:10"),
            422,
            "booking.off_grid",
            "end",
            "15分",
        ),
        (
            desk(d01, "2026-11-24", "09:00", "09:15"),
            422,
            "booking.too_short",
            "end",
            "30分",
        ),
        (
            desk(d01, "2026-11-24", "12:00", "09:00"),
            422,
            "booking.end_before_start",
            "end",
            "終了",
        ),
        (
            desk(d01, "2026-11-19", "09:00", "12:00"),
            409,
            "booking.in_past",
            "start",
            "過去",
        ),
        (
            desk(d01, "2026-11-24", "9 o'clock", "12:00"),
            422,
            "validation",
            "start",
            "時刻",
        ),
        (
            desk(d01, "24/11/2026", "09:00", "12:00"),
            422,
            "validation",
            "date",
            "日付",
        ),
    ];
    for (body, status, code, field, words) in cases {
        let res = worker.book(&body.clone()).await;
        let p = problem(res, StatusCode::from_u16(status).unwrap(), code).await;
        assert!(p["detail"].as_str().unwrap().contains(words), "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    let childcare = app.space_id(SHIOJIRI, "託児室").await;
    let res = worker
        .book(&desk(childcare, "2026-11-24", "09:00", "12:00"))
        .await;
    problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "booking.not_bookable",
    )
    .await;
    let secure = app.space_id(SHIOJIRI, "R-01").await;
    let res = worker
        .book(&desk(secure, "2026-11-24", "09:00", "12:00"))
        .await;
    problem(res, StatusCode::FORBIDDEN, "booking.secure_room_access").await;
    let omachi_desk = app.space_id(2, "D-01").await;
    let res = worker
        .book(&desk(omachi_desk, "2026-11-24", "09:00", "12:00"))
        .await;
    problem(res, StatusCode::NOT_FOUND, "not_found").await;
    // A worker of another site cannot book here at all.
    let omachi_worker = app.login_as(OMACHI_WORKER).await;
    let res = omachi_worker
        .book(&desk(d01, "2026-11-24", "09:00", "12:00"))
        .await;
    problem(res, StatusCode::FORBIDDEN, "auth.forbidden").await;
    // English on request.
    let p = worker
        .post("/api/v1/bookings")
        .header("Accept-Language", "en")
        .json(&desk(d01, "2026-11-23", "09:00", "12:00"))
        .send_problem(StatusCode::CONFLICT, "booking.closed_day")
        .await;
    assert_eq!(
        p["detail"],
        "The site is closed on Monday 23 November 2026 (public holiday: 勤労感謝の日)."
    );
    assert_eq!(p["errors"][0]["message"], p["detail"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 0);
}

async fn one_desk_per_person_and_room_seats(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let [d01, d02] = app.space_ids(SHIOJIRI, ["D-01", "D-02"]).await;
    worker
        .booked(&desk(d01, "2026-11-24", "09:00", "12:00"))
        .await;
    let res = worker
        .book(&desk(d02, "2026-11-24", "10:00", "11:00"))
        .await;
    problem(res, StatusCode::CONFLICT, "booking.person_overlap").await;
    // A room seat is not a desk: a meeting during the desk booking is fine.
    let room = app.space_id(SHIOJIRI, "R-04").await;
    worker
        .booked(&desk(room, "2026-11-24", "10:00", "11:00"))
        .await;
    // Capacity 4: three more people fit, the fifth does not.
    let mut seats = vec![1];
    for n in 2..=4 {
        let c = app.as_worker(n).await;
        let made = c.booked(&desk(room, "2026-11-24", "10:00", "12:00")).await;
        seats.push(made["booking"]["seat"].as_i64().unwrap());
    }
    seats.sort();
    assert_eq!(seats, [1, 2, 3, 4]);
    let fifth = app.as_worker(5).await;
    let res = fifth
        .book(&desk(room, "2026-11-24", "10:30", "11:30"))
        .await;
    problem(res, StatusCode::CONFLICT, "booking.overlap").await;
    // After the first meeting ends at 11:00 one seat is free again.
    fifth
        .booked(&desk(room, "2026-11-24", "11:00", "12:00"))
        .await;
}

async fn daily_limit(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    app.set_site(DIRECTOR, SHIOJIRI, json!({"max_hours_per_day": 4}))
        .await;
    let worker = app.login_as(WORKER).await;
    let d01 = app.space_id(SHIOJIRI, "D-01").await;
    worker
        .booked(&desk(d01, "2026-11-24", "09:00", "12:00"))
        .await;
    let res = worker
        .book(&desk(d01, "2026-11-24", "13:00", "15:00"))
        .await;
    problem(res, StatusCode::CONFLICT, "booking.daily_limit").await;
    worker
        .booked(&desk(d01, "2026-11-24", "13:00", "14:00"))
        .await;
    // The next day has its own four hours.
    worker
        .booked(&desk(d01, "2026-11-25", "13:00", "17:00"))
        .await;
}

async fn any_desk_prefers_the_usual_one(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let any = |date: &str| json!({"site_id": SHIOJIRI, "date": date, "start": "09:00", "end": "12:00", "attributes": ["monitor", "quiet_zone"]});
    let first = worker.booked(&any("2026-11-24")).await;
    let name = first["booking"]["space_name"].as_str().unwrap().to_string();
    let n: u32 = name.trim_start_matches("D-").parse().unwrap();
    assert!(
        n > 30 && n % 2 == 1,
        "{name} has a monitor and is in the quiet zone"
    );
    assert_eq!(first["usual_desk"], false, "no history yet");
    let second = worker.booked(&any("2026-11-25")).await;
    assert_eq!(second["booking"]["space_name"], name.as_str());
    assert_eq!(second["usual_desk"], true);
    // When the usual desk is taken, another matching one is given, and the answer says so.
    let other = app.as_worker(2).await;
    let usual = first["booking"]["space_id"].as_i64().unwrap();
    other
        .booked(&desk(usual, "2026-11-26", "09:00", "17:00"))
        .await;
    let third = worker.booked(&any("2026-11-26")).await;
    assert_ne!(third["booking"]["space_id"], usual);
    assert_eq!(third["usual_desk"], false);
    // No desk has a standing desk and a wheelchair place: a clear refusal.
    let res = worker.book(&json!({"site_id": SHIOJIRI, "date": "2026-11-27", "start": "09:00", "end": "12:00", "attributes": ["standing_desk"]})).await;
    problem(res, StatusCode::CONFLICT, "booking.no_free_desk").await;
}

async fn recurring_all_or_nothing_and_skip_conflicts(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let other = app.as_worker(2).await;
    let d10 = app.space_id(SHIOJIRI, "D-10").await;
    other
        .booked(&desk(d10, "2026-11-27", "10:00", "11:00"))
        .await;
    let series = |mode: &str| {
        json!({"site_id": SHIOJIRI, "space_id": d10, "weekdays": ["mon", "wed", "fri"], "start": "09:00", "end": "13:00",
               "from": "2026-11-23", "until": "2026-12-04", "mode": mode})
    };
    let p = worker
        .post("/api/v1/booking-series")
        .json(&series("all_or_nothing"))
        .send_problem(StatusCode::CONFLICT, "booking.series_conflict")
        .await;
    assert_eq!(
        p["errors"],
        json!([{"field": "2026-11-27", "code": "booking.overlap", "message": "その時間はすでに予約されています。"}])
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM bookings WHERE series_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM booking_series").await,
        0,
        "nothing at all was written"
    );
    let res = worker
        .post("/api/v1/booking-series")
        .json(&series("skip_conflicts"))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made: Value = res.json().await.unwrap();
    let dates = strings(&made["booked"], "date");
    assert_eq!(
        dates,
        ["2026-11-25", "2026-11-30", "2026-12-02", "2026-12-04"]
    );
    assert_eq!(made["skipped"][0]["date"], "2026-11-23");
    assert_eq!(made["skipped"][0]["code"], "booking.closed_day");
    assert_eq!(made["conflicts"][0]["date"], "2026-11-27");
    // Cancel one occurrence, then the rest from a date on.
    let series_id = made["series_id"].as_i64().unwrap();
    let first = made["booked"][0]["id"].as_i64().unwrap();
    worker
        .post(&format!("/api/v1/bookings/{first}/cancel"))
        .send_json()
        .await;
    let cancelled = worker
        .post(&format!("/api/v1/booking-series/{series_id}/cancel"))
        .json(&json!({"from": "2026-12-02"}))
        .send_json()
        .await;
    assert_eq!(cancelled["cancelled"].as_array().unwrap().len(), 2);
    // One action, one e-mail: the single date's, then one for the rest of the series.
    let notices = app
        .count("SELECT COUNT(*) FROM outbox WHERE kind = 'booking_cancelled'")
        .await;
    assert_eq!(notices, 2);
    let live = app
        .count("SELECT COUNT(*) FROM bookings WHERE series_id IS NOT NULL AND status = 'active'")
        .await;
    assert_eq!(live, 1, "only 11-30 is left");
    // Someone else's series is not theirs to cancel.
    other
        .post(&format!("/api/v1/booking-series/{series_id}/cancel"))
        .json(&json!({}))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    // A series needs an end.
    let mut open_ended = series("skip_conflicts");
    open_ended.as_object_mut().unwrap().remove("until");
    worker
        .post("/api/v1/booking-series")
        .json(&open_ended)
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
}

async fn cancel_and_change(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let [d01, d02] = app.space_ids(SHIOJIRI, ["D-01", "D-02"]).await;
    let made = worker
        .booked(&desk(d01, "2026-11-24", "09:00", "12:00"))
        .await;
    let id = made["booking"]["id"].as_i64().unwrap();
    let other = app.as_worker(2).await;
    other
        .booked(&desk(d02, "2026-11-24", "13:00", "15:00"))
        .await;
    // Moving onto a taken desk and time is refused and changes nothing.
    worker
        .patch(&format!("/api/v1/bookings/{id}"))
        .json(&json!({"space_id": d02, "start": "13:00", "end": "14:00"}))
        .send_problem(StatusCode::CONFLICT, "booking.overlap")
        .await;
    let unchanged = worker
        .get(&format!("/api/v1/bookings/{id}"))
        .send_json()
        .await;
    assert_eq!(
        (unchanged["space_id"].as_i64(), unchanged["start"].clone()),
        (Some(d01), json!("09:00"))
    );
    let moved = worker
        .patch(&format!("/api/v1/bookings/{id}"))
        .json(&json!({"start": "10:00", "end": "14:00"}))
        .send_json()
        .await;
    assert_eq!(
        (moved["start"].clone(), moved["end"].clone()),
        (json!("10:00"), json!("14:00"))
    );
    // Once it has started the worker can no longer cancel it; reception can.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 1, 30, 0).unwrap());
    worker
        .post(&format!("/api/v1/bookings/{id}/cancel"))
        .send_problem(StatusCode::CONFLICT, "booking.not_changeable")
        .await;
    let omachi = app.login_as(OMACHI_DIRECTOR).await;
    omachi
        .post(&format!("/api/v1/bookings/{id}/cancel"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let reception = app.login_as(RECEPTION).await;
    let cancelled = reception
        .post(&format!("/api/v1/bookings/{id}/cancel"))
        .send_json()
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    // The desk is free again at once.
    other
        .booked(&desk(d01, "2026-11-24", "11:00", "12:00"))
        .await;
}

async fn staff_book_on_behalf(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker_id = app.person_id(WORKER).await;
    let d01 = app.space_id(SHIOJIRI, "D-01").await;
    let mut body = desk(d01, "2026-11-24", "09:00", "12:00");
    body["person_id"] = json!(worker_id);
    let reception = app.login_as(RECEPTION).await;
    let made = reception.booked(&body.clone()).await;
    assert_eq!(made["booking"]["person_id"], worker_id);
    let listed = reception
        .get("/api/v1/sites/1/bookings?date=2026-11-24")
        .send_json()
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // A worker cannot book for someone else, nor read the site's list.
    let other = app.as_worker(2).await;
    body["date"] = json!("2026-11-25");
    problem(
        other.book(&body).await,
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    other
        .get("/api/v1/sites/1/bookings?date=2026-11-24")
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    // Staff book only for workers of their site: not for another site's staff, an
    // administrator, or someone who does not exist.
    for outsider in [
        app.person_id(OMACHI_DIRECTOR).await,
        app.person_id(ADMIN).await,
        999_999,
        i64::MAX,
    ] {
        let mut body = desk(d01, "2026-11-26", "09:00", "12:00");
        body["person_id"] = json!(outsider);
        problem(
            reception.book(&body).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);
}

async fn room_seats_at_once(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let second = app.second_instance().await;
    let room = app.space_id(SHIOJIRI, "R-04").await;
    // Five rounds of four people taking the four seats of a room at the same moment: every
    // one of them gets a seat.
    for round in 0..5 {
        let mut tasks = Vec::new();
        for n in 1..=4 {
            let c = app.as_worker(n + 4 * round).await;
            let base = app.base_for(&second, n as usize);
            let body = json!({"site_id": SHIOJIRI, "space_id": room, "date": "2026-11-24",
                              "start": format!("{:02}:00", 9 + round), "end": format!("{:02}:00", 10 + round)});
            tasks.push(tokio::spawn(async move {
                c.client
                    .post(format!("{base}/api/v1/bookings"))
                    .json(&body)
                    .send_status()
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), StatusCode::CREATED, "round {round}");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 20);
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT seat) FROM bookings").await,
        4
    );
}

async fn space_with_bookings_keeps_its_kind(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let room = app.space_id(SHIOJIRI, "R-05").await;
    let c2 = app.as_worker(2).await;
    worker
        .booked(&desk(room, "2026-11-24", "09:00", "10:00"))
        .await;
    c2.booked(&desk(room, "2026-11-24", "09:00", "10:00")).await;
    let director = app.login_as(DIRECTOR).await;
    let url = format!("/api/v1/spaces/{room}");
    for change in [
        json!({"kind": "meeting_room"}),
        json!({"capacity": 1}),
        json!({"active": false}),
    ] {
        director
            .patch(&url)
            .json(&change)
            .send_problem(StatusCode::CONFLICT, "space.has_bookings")
            .await;
    }
    // Two seats are taken: shrinking to two is fine, and so is growing.
    assert_eq!(
        director
            .patch(&url)
            .json(&json!({"capacity": 2}))
            .send_json()
            .await["capacity"],
        2
    );
    assert_eq!(
        director
            .patch(&url)
            .json(&json!({"capacity": 6}))
            .send_json()
            .await["capacity"],
        6
    );
}

async fn series_that_books_nothing_writes_nothing(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let d10 = app.space_id(SHIOJIRI, "D-10").await;
    let series = |from: &str, until: &str, weekdays: Value| {
        json!({"site_id": SHIOJIRI, "space_id": d10, "weekdays": weekdays, "start": "09:00", "end": "12:00",
               "from": from, "until": until, "mode": "skip_conflicts"})
    };
    // Until before from; only Sundays (always closed).
    for body in [
        series("2026-11-30", "2026-11-23", json!(["mon"])),
        series("2026-11-23", "2026-12-06", json!(["sun"])),
    ] {
        worker
            .post("/api/v1/booking-series")
            .json(&body)
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "booking.series_empty")
            .await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_series").await, 0);
    // Every date beyond the booking window: no conflict, nothing booked yet; the series keeps
    // going and the service books its dates as the window reaches them (series_going.rs).
    let later = worker
        .post("/api/v1/booking-series")
        .json(&series("2027-01-04", "2027-01-29", json!(["mon"])))
        .send_created()
        .await;
    assert_eq!(
        (later["booked"].clone(), later["conflicts"].clone()),
        (json!([]), json!([]))
    );
    let going = "SELECT COUNT(*) FROM booking_series WHERE keeps_going = 1";
    assert_eq!(app.count(going).await, 1);
    sqlx::query("DELETE FROM booking_series")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // Times no date could take: one error on the field, not a conflict on every date.
    let mut body = series("2026-11-23", "2026-12-14", json!(["mon"]));
    body["end"] = json!("08:00");
    let p = worker
        .post("/api/v1/booking-series")
        .json(&body)
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "booking.end_before_start")
        .await;
    assert_eq!(p["errors"][0]["field"], "end");
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_series").await, 0);
    // A holiday in the pattern is skipped, and the note says which holiday.
    let made = worker
        .post("/api/v1/booking-series")
        .json(&series("2026-11-23", "2026-12-14", json!(["mon"])))
        .send_json()
        .await;
    assert_eq!(made["booked"].as_array().unwrap().len(), 3, "{made}");
    assert_eq!(made["skipped"][0]["date"], "2026-11-23");
    assert_eq!(
        made["skipped"][0]["message"],
        "11月23日(月)は休館日です(祝日: 勤労感謝の日)。"
    );
    // Unpadded dates are dates too; absurd years are refused, not a crash.
    let res = worker
        .get("/api/v1/bookings?from=2026-11-3&to=2026-12-1")
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for url in [
        "/api/v1/sites/1/availability?date=%2B262142-12-31",
        "/api/v1/bookings?from=%2B262142-12-31",
        "/api/v1/sites/1/calendar?from=1999-12-31&to=2000-01-02",
    ] {
        worker
            .get(url)
            .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
            .await;
    }
}

async fn no_show_release(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let other = app.as_worker(2).await;
    let [d01, d02] = app.space_ids(SHIOJIRI, ["D-01", "D-02"]).await;
    let late = worker
        .booked(&desk(d01, "2026-11-20", "09:15", "12:00"))
        .await;
    let punctual = other
        .booked(&desk(d02, "2026-11-20", "09:15", "12:00"))
        .await;
    let (late_id, punctual_id) = (
        late["booking"]["id"].as_i64().unwrap(),
        punctual["booking"]["id"].as_i64().unwrap(),
    );
    // 09:30: the punctual one checks in at reception (not from a phone); nothing is released
    // before 09:45 (grace 30 min).
    app.clock.advance(Duration::minutes(30));
    other
        .post(&format!("/api/v1/bookings/{punctual_id}/check-in"))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    let reception = app.login_as(RECEPTION).await;
    reception
        .post(&format!("/api/v1/bookings/{punctual_id}/check-in"))
        .send_json()
        .await;
    assert!(
        kado::booking::release_no_shows(&app.state)
            .await
            .unwrap()
            .is_empty()
    );
    app.clock.advance(Duration::minutes(16));
    let released = kado::booking::release_no_shows(&app.state).await.unwrap();
    assert_eq!(released, [kado::ids::BookingId(late_id)]);
    assert!(
        kado::booking::release_no_shows(&app.state)
            .await
            .unwrap()
            .is_empty(),
        "idempotent"
    );
    reception
        .post(&format!("/api/v1/bookings/{late_id}/check-in"))
        .send_problem(StatusCode::CONFLICT, "booking.released")
        .await;
    let third = app.as_worker(3).await;
    assert_eq!(
        third
            .book(&desk(d01, "2026-11-20", "10:00", "12:00"))
            .await
            .status(),
        StatusCode::CREATED,
        "the released desk is free"
    );
    let kept = other
        .get(&format!("/api/v1/bookings/{punctual_id}"))
        .send_json()
        .await;
    assert_eq!(kept["status"], "checked_in");
    // A booking made after its start gets its grace from when it was made.
    let d03 = app.space_id(SHIOJIRI, "D-03").await;
    let walk_in = worker
        .booked(&desk(d03, "2026-11-20", "09:45", "12:00"))
        .await;
    let walk_in_id = walk_in["booking"]["id"].as_i64().unwrap();
    app.clock.advance(Duration::minutes(20)); // 20 minutes after it was made
    assert!(
        kado::booking::release_no_shows(&app.state)
            .await
            .unwrap()
            .is_empty()
    );
    app.clock.advance(Duration::minutes(11));
    assert_eq!(
        kado::booking::release_no_shows(&app.state).await.unwrap(),
        [kado::ids::BookingId(walk_in_id)]
    );
}

async fn calendar_feed(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let d01 = app.space_id(SHIOJIRI, "D-01").await;
    for date in ["2026-11-24", "2026-11-25"] {
        worker.booked(&desk(d01, date, "09:00", "12:00")).await;
    }
    let feed = worker.post("/api/v1/me/calendar-feed").send_json().await;
    let url = feed["url"]
        .as_str()
        .unwrap()
        .replace("http://127.0.0.1:8080", &app.base);
    let path = url
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .unwrap();
    let anonymous = app.guest();
    let res = anonymous.get(&path).sent().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = res.text().await.unwrap();
    let cal: icalendar::Calendar = text.parse().expect("the feed parses as iCalendar");
    let events: Vec<_> = cal.components.iter().filter_map(|c| c.as_event()).collect();
    assert_eq!(events.len(), 2);
    use icalendar::Component;
    assert!(text.contains("DTSTART:20261124T000000Z"), "{text}");
    assert!(
        events
            .iter()
            .all(|e| e.get_uid().is_some_and(|u| u.starts_with("booking-")))
    );
    // Each event says where: the desk, the site and its address (issue 22 item 3).
    use icalendar::EventLike;
    for e in &events {
        let at = e.get_location().unwrap_or_default();
        assert!(
            at.starts_with("D-0") && at.contains("塩尻") && at.contains("大門"),
            "{at}"
        );
    }
    // Cancelled and released bookings leave the feed (subscribed calendars keep showing
    // STATUS:CANCELLED events); the cancellation e-mail carries METHOD:CANCEL instead.
    let third = worker
        .booked(&desk(d01, "2026-11-26", "09:00", "12:00"))
        .await["booking"]["id"]
        .as_i64()
        .unwrap();
    worker
        .post(&format!("/api/v1/bookings/{third}/cancel"))
        .send_json()
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 0, 31, 0).unwrap()); // 09:31 on the 24th
    assert_eq!(
        kado::booking::release_no_shows(&app.state)
            .await
            .unwrap()
            .len(),
        1
    );
    let text = anonymous.get(&path).send_text().await;
    let cal: icalendar::Calendar = text.parse().expect("the feed parses as iCalendar");
    let events: Vec<_> = cal.components.iter().filter_map(|c| c.as_event()).collect();
    assert_eq!(events.len(), 1, "{text}");
    assert!(text.contains("DTSTART:20261125T000000Z"), "{text}");
    assert!(!text.contains("CANCELLED"), "{text}");
    app.clock.set(friday_morning());
    // A new address replaces the old one; revoking ends it.
    let again = worker.post("/api/v1/me/calendar-feed").send_json().await;
    assert_ne!(again["url"], feed["url"]);
    anonymous
        .get(&path)
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    assert_eq!(
        worker
            .delete("/api/v1/me/calendar-feed")
            .send_status()
            .await,
        StatusCode::NO_CONTENT
    );
    let new_path = again["url"]
        .as_str()
        .unwrap()
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .unwrap();
    anonymous
        .get(&new_path)
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
}

async fn daylight_saving_site(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.login_as(ADMIN).await;
    let all_day: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"weekday": d, "open": "00:00", "close": "23:45"}))
        .collect();
    let site = admin
        .post("/api/v1/sites")
        .json(&json!({"municipality_id": 1, "name_ja": "ベルリン", "name_en": "Berlin", "time_zone": "Europe/Berlin",
                      "opening_hours": all_day, "annual_closures": [], "open_on_holidays": true}))
        .send_json()
        .await;
    let site_id = site["id"].as_i64().unwrap();
    let space = admin
        .post(&format!("/api/v1/sites/{site_id}/spaces"))
        .json(&json!({"kind": "desk", "name": "B-1"}))
        .send_json()
        .await;
    let body = |date: &str, start: &str, end: &str| json!({"site_id": site_id, "space_id": space["id"], "date": date, "start": start, "end": end});
    // Spring forward: 2027-03-28 02:00-03:00 does not exist in Berlin. Fall back: 2026-10-25
    // 02:00-03:00 happens twice. 01:00-04:00 is two real hours on the one day and four on
    // the other. (Moving the clock months ahead outlives the session: log in again.)
    let cases = [
        (
            Utc.with_ymd_and_hms(2027, 3, 20, 12, 0, 0).unwrap(),
            body("2027-03-28", "02:15", "04:00"),
            "booking.nonexistent_local_time",
            body("2027-03-28", "01:00", "04:00"),
            ("2027-03-28T00:00:00+00:00", "2027-03-28T02:00:00+00:00"),
            "two real hours",
        ),
        (
            Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap(),
            body("2026-10-25", "02:30", "05:00"),
            "booking.ambiguous_local_time",
            body("2026-10-25", "01:00", "04:00"),
            ("2026-10-24T23:00:00+00:00", "2026-10-25T03:00:00+00:00"),
            "four real hours",
        ),
    ];
    for (now, refused, code, fine, (starts_at, ends_at), hours) in cases {
        app.clock.set(now);
        let admin = app.login_as(ADMIN).await;
        let res = admin.book(&refused).await;
        problem(res, StatusCode::UNPROCESSABLE_ENTITY, code).await;
        let made = admin.booked(&fine).await;
        assert_eq!(made["booking"]["starts_at"], starts_at);
        assert_eq!(made["booking"]["ends_at"], ends_at, "{hours}");
        assert_eq!(
            (
                made["booking"]["start"].clone(),
                made["booking"]["end"].clone()
            ),
            (json!("01:00"), json!("04:00"))
        );
    }
}

async fn fifty_at_once_on_one_desk(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    // On PostgreSQL a second instance of the service shares the database.
    let second = app.second_instance().await;
    let reception = app.login_as(RECEPTION).await;
    let d07 = app.space_id(SHIOJIRI, "D-07").await;
    let mut workers = Vec::new();
    for n in 1..=24 {
        workers.push(app.person_id(&worker_email(n)).await);
    }
    let starts = ["09:00", "09:15", "09:30", "09:45", "10:00"];
    let mut burst = Burst::default();
    for i in 0..50 {
        let body = json!({"site_id": SHIOJIRI, "space_id": d07, "date": "2026-11-24",
                          "start": starts[i % starts.len()], "end": "11:00", "person_id": workers[i % workers.len()]});
        burst.post(
            &reception,
            app.base_for(&second, i),
            "/api/v1/bookings",
            body,
        );
    }
    let created = burst
        .created((StatusCode::CONFLICT, "booking.overlap"), "one desk")
        .await;
    assert_eq!(created, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);
}

/// Twenty-four workers ask at once for any of the four wheelchair-accessible desks (on
/// PostgreSQL through two instances). Four get one, each a different desk, and everyone
/// else a 409: nobody waits on a deadlock or gets a 5xx.
async fn many_workers_few_desks_at_once(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let second = app.second_instance().await;
    // Six rounds, each for its own two hours: a deadlock needs two inserts to meet at the
    // same instant, so one round may miss it.
    for round in 0..6 {
        let mut burst = Burst::default();
        for n in 1..=24 {
            let c = app.as_worker(n).await;
            let (start, end) = (8 + round, 9 + round);
            let body = json!({"site_id": SHIOJIRI, "attributes": ["wheelchair_accessible"],
                              "date": "2026-11-24", "start": format!("{start:02}:30"),
                              "end": format!("{end:02}:30")});
            burst.post(
                &c,
                app.base_for(&second, n as usize),
                "/api/v1/bookings",
                body,
            );
        }
        let round_name = format!("round {round}");
        let created = burst
            .created((StatusCode::CONFLICT, "booking.no_free_desk"), &round_name)
            .await;
        assert_eq!(created, 4, "round {round}");
    }
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT space_id) FROM bookings")
            .await,
        4
    );
}

/// Half the workers name one of the four wheelchair-accessible desks, the other half ask for
/// any of them, all at once (on PostgreSQL through two instances). A named desk's writer takes
/// no site lock, only its person's and the desk's, so the two kinds of writer meet at the
/// seats: still four bookings, one a desk, and a 409 for everyone else, never a 5xx.
async fn named_and_any_desk_writers_at_once(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let second = app.second_instance().await;
    let desks = app
        .space_ids(SHIOJIRI, ["D-01", "D-02", "D-03", "D-04"])
        .await;
    for round in 0..4 {
        let (start, end) = (
            format!("{:02}:30", 8 + round),
            format!("{:02}:30", 9 + round),
        );
        let mut burst = Burst::default();
        for n in 1..=24u32 {
            let c = app.as_worker(n).await;
            let body = if n % 2 == 0 {
                desk(desks[n as usize / 2 % 4], "2026-11-24", &start, &end)
            } else {
                json!({"site_id": SHIOJIRI, "attributes": ["wheelchair_accessible"],
                       "date": "2026-11-24", "start": start, "end": end})
            };
            burst.post(
                &c,
                app.base_for(&second, n as usize),
                "/api/v1/bookings",
                body,
            );
        }
        let answers = burst.answers().await;
        for (status, code) in &answers {
            let fine = *status == StatusCode::CREATED
                || (*status == StatusCode::CONFLICT
                    && ["booking.overlap", "booking.no_free_desk"].contains(&code.as_str()));
            assert!(fine, "round {round}: {status} {code}");
        }
        let created = answers.iter().filter(|a| a.0 == StatusCode::CREATED);
        assert_eq!(created.count(), 4, "round {round}");
    }
    let per_desk_and_hour =
        "SELECT COUNT(*) FROM (SELECT DISTINCT space_id, starts_at FROM bookings) x";
    assert_eq!(app.count(per_desk_and_hour).await, 16);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 16);
}
