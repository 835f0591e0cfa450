//! Childcare over HTTP: ratios at their boundaries, desk + childcare together, waitlist,
//! shift changes, hand-over, privacy, concurrency.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    desk_and_childcare_together_or_not_at_all,
    ratio_boundaries_by_age,
    waitlist_gets_the_freed_place,
    shift_changes_that_leave_children_short_are_refused,
    place_must_lie_within_own_booking,
    cancelling_the_desk_asks_about_childcare,
    hand_over_only_to_authorised_adults,
    childrens_data_reaches_only_guardians_and_caregivers,
    simultaneous_requests_never_overfill,
    workers_see_what_still_fits_before_booking,
    one_caregiver_entered_twice_is_one_person_on_duty,
    overlapping_shifts_in_a_live_database_are_merged,
    moving_a_desk_booking_moves_its_childcare_places,
    allergies_reach_guardians_and_caregivers_only_in_every_answer
);

const DAY: &str = "2026-11-24";

/// Children of the ages the tests need (on DAY): a baby, a one-year-old, a three-year-old
/// allergic to egg and a five-year-old.
const REN: Child = ("田中 蓮", "2026-02-14", "");
const YUI: Child = ("鈴木 結衣", "2025-08-01", "");
const HARUTO: Child = ("佐藤 春翔", "2023-05-10", "卵");
const HINA: Child = ("田中 陽菜", "2021-09-09", "小麦");

/// Friday 2026-11-20, 09:00 in Tokyo: 2026-11-24 is the coming Tuesday.
async fn app_with_clock(b: Backend) -> TestApp {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    app.clear_shifts().await;
    app
}

/// Puts caregivers on duty on DAY (caregiver 1 and/or 2) for the given local times.
async fn shifts(app: &TestApp, plan: &[(u8, &str, &str)]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (n, start, end) in plan {
        let who = if *n == 1 { CAREGIVER } else { CAREGIVER2 };
        ids.push(app.on_duty(who, DAY, start, end).await);
    }
    ids
}

fn with_desk(children: &[i64], start: &str, end: &str) -> Value {
    json!({"site_id": SHIOJIRI, "date": DAY, "start": start, "end": end, "child_ids": children, "desk": {"attributes": []}})
}

/// Workers 10 to 14 each register a baby and book it a place 9:00-12:00 on DAY, with a
/// desk: 250 of the 300 units two caregivers give.
async fn five_babies_from_nine_to_twelve(app: &TestApp) {
    for n in 10..15 {
        let c = app.as_worker(n).await;
        let kid = c.add_child(&format!("赤ちゃん{n}"), "2026-06-01").await;
        c.placed(&with_desk(&[kid], "09:00", "12:00")).await;
    }
}

/// The childcare segment of DAY that starts at `start`, as reception sees it (and all of
/// them, to show in a failure).
async fn segment(app: &TestApp, start: &str) -> (Value, Value) {
    let reception = app.login_as(RECEPTION).await;
    let segs = reception
        .get(&format!("/api/v1/sites/1/childcare/segments?date={DAY}"))
        .send_json()
        .await;
    (find(&segs, "start", start).clone(), segs)
}

async fn desk_and_childcare_together_or_not_at_all(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00")]).await;
    let (parent, kids) = app.parent_of(18, &[REN, HINA]).await;
    assert_eq!(kids.len(), 2);
    // One caregiver is below the minimum of two: full, and the desk is not booked either.
    let res = parent
        .book_places(&with_desk(&kids, "09:00", "12:00"))
        .await;
    let p = problem(res, StatusCode::CONFLICT, "childcare.full").await;
    assert_eq!(p["errors"][0]["message"], "09:00");
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM childcare_bookings").await,
        0
    );
    // Joining the waitlist and keeping the desk.
    let mut body = with_desk(&kids, "09:00", "12:00");
    body["waitlist"] = json!(true);
    body["keep_desk"] = json!(true);
    let made = parent.placed(&body).await;
    assert_eq!(made["waitlisted"], true);
    assert_eq!(made["desk"]["status"], "active");
    assert!(
        made["places"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "waitlisted")
    );
    // A second caregiver arrives: the waitlist is served at once.
    shifts(&app, &[(2, "08:30", "18:00")]).await;
    let mine = parent.get("/api/v1/childcare/bookings").send_json().await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "booked"),
        "{mine}"
    );
    parent
        .get(&format!("/api/v1/sites/1/childcare/segments?date={DAY}"))
        .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
        .await;
    let (nine, _) = segment(&app, "09:00").await;
    assert_eq!(nine["children"], json!([1, 0, 0, 1]));
    assert_eq!(
        (
            nine["caregivers_on_duty"].clone(),
            nine["caregivers_required"].clone()
        ),
        (json!(2), json!(2))
    );
    // Two caregivers give 300 units, 50 + 6 are used: four more babies, or 244/25 = 9
    // toddlers; older children are capped by the room's 12 places (10 more).
    assert_eq!(nine["headroom"], json!([4, 9, 10, 10]));
    // The afternoon, desk and places together: the desk is the one the parent had this
    // morning, and the answer says it is their usual one.
    let morning = mine[0]["desk_booking_id"].as_i64().unwrap();
    let morning = parent
        .get(&format!("/api/v1/bookings/{morning}"))
        .send_json()
        .await;
    let made = parent.placed(&with_desk(&kids, "13:00", "15:00")).await;
    assert_eq!(made["desk"]["space_id"], morning["space_id"], "{made}");
    assert_eq!(made["usual_desk"], true);
}

async fn ratio_boundaries_by_age(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    // Five babies take 250 of the 300 units two caregivers give.
    five_babies_from_nine_to_twelve(&app).await;
    // Twins who turn 1 today count as 1-2-year-olds (25 units each): exactly full.
    let c = app.as_worker(15).await;
    let a = c.add_child("双子A", "2025-11-24").await;
    let b2 = c.add_child("双子B", "2025-11-24").await;
    let made = c.placed(&with_desk(&[a, b2], "09:00", "12:00")).await;
    assert_eq!(made["places"][0]["age_group"], 1, "{made}");
    assert_eq!(made["places"].as_array().unwrap().len(), 2);
    // One more child of any age tips it: even a five-year-old (6 units).
    let c = app.as_worker(16).await;
    let big = c.add_child("年長", "2021-04-10").await;
    let res = c.book_places(&with_desk(&[big], "10:00", "11:00")).await;
    problem(res, StatusCode::CONFLICT, "childcare.full").await;
    // After 12:00 the room is empty again.
    c.placed(&with_desk(&[big], "12:00", "13:00")).await;
    // A site with class age counts the twins by their age on April 1 (0): they would not fit.
    let director = app.login_as(DIRECTOR).await;
    let s = director
        .put("/api/v1/sites/1/childcare-settings")
        .json(&json!({"ratios": [3, 6, 15, 25], "min_staff": 2, "age_basis": "class", "within_booking": true, "keep_on_desk_cancel": false}))
        .send_json()
        .await;
    assert_eq!(s["room_max"], 12);
    let c = app.as_worker(17).await;
    let twin = c.add_child("三つ子", "2025-11-24").await;
    let made = c.placed(&with_desk(&[twin], "14:00", "15:00")).await;
    assert_eq!(made["places"][0]["age_group"], 0);
}

async fn waitlist_gets_the_freed_place(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    let mut first_place = 0;
    for n in 10..16 {
        let c = app.as_worker(n).await;
        let kid = c.add_child("赤ちゃん", "2026-06-01").await;
        let made = c.placed(&with_desk(&[kid], "09:00", "12:00")).await;
        if n == 10 {
            first_place = made["places"][0]["id"].as_i64().unwrap();
        }
    }
    let late = app.as_worker(16).await;
    let kid = late.add_child("遅れて", "2026-06-01").await;
    let mut body = with_desk(&[kid], "10:00", "11:00");
    body["waitlist"] = json!(true);
    let made = late.placed(&body).await;
    assert_eq!(made["waitlisted"], true);
    assert!(made["desk"].is_null(), "the desk was not kept");
    let waiting = made["places"][0]["id"].as_i64().unwrap();
    let mine = late.get("/api/v1/childcare/bookings").send_json().await;
    assert_eq!(mine[0]["waitlist_position"], 1, "{mine}");
    // A second late parent keeps the desk while waiting.
    let keeper = app.as_worker(17).await;
    let kid2 = keeper.add_child("机あり", "2026-06-01").await;
    let mut body = with_desk(&[kid2], "10:00", "11:00");
    body["waitlist"] = json!(true);
    body["keep_desk"] = json!(true);
    let made = keeper.placed(&body).await;
    let with_desk_place = made["places"][0]["id"].as_i64().unwrap();
    assert_eq!(made["desk"]["status"], "active");
    let first = app.as_worker(10).await;
    let cancelled = first
        .post(&format!("/api/v1/childcare/bookings/{first_place}/cancel"))
        .send_json()
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    // The freed place goes to the first request that may take it: the first in line gave up
    // its desk, and a place must lie within the guardian's own booking at this site.
    let status = |id: i64| {
        let db = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT status FROM childcare_bookings WHERE id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(status(waiting).await, "waitlisted");
    assert_eq!(status(with_desk_place).await, "booked");
}

async fn shift_changes_that_leave_children_short_are_refused(b: Backend) {
    let app = app_with_clock(b).await;
    let ids = shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    let (parent, kids) = app.parent_of(19, &[HARUTO]).await;
    parent.placed(&with_desk(&kids, "09:00", "12:00")).await;
    let director = app.login_as(DIRECTOR).await;
    let p = director
        .delete(&format!("/api/v1/caregiver-shifts/{}", ids[1]))
        .send_problem(
            StatusCode::CONFLICT,
            "childcare.shift_change_leaves_segment_short",
        )
        .await;
    let segments = strings(&p["errors"], "field");
    assert_eq!(segments.first(), Some(&"09:00"));
    assert_eq!(segments.last(), Some(&"11:45"));
    assert_eq!(segments.len(), 12);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("佐藤 春翔"),
        "{p}"
    );
    // Shortening to 10:00 leaves 10:00-11:45 short.
    let p = director
        .patch(&format!("/api/v1/caregiver-shifts/{}", ids[1]))
        .json(&json!({"end": "10:00"}))
        .send_problem(
            StatusCode::CONFLICT,
            "childcare.shift_change_leaves_segment_short",
        )
        .await;
    assert_eq!(p["errors"][0]["field"], "10:00");
    assert_eq!(app.count("SELECT COUNT(*) FROM caregiver_shifts").await, 2);
    // Ending at 12:00 still covers every booked segment.
    let ok = director
        .patch(&format!("/api/v1/caregiver-shifts/{}", ids[1]))
        .json(&json!({"end": "12:00"}))
        .send_json()
        .await;
    assert_eq!(ok["end"], "12:00");
    // A shift for someone who is not a caregiver is refused.
    director
        .post("/api/v1/sites/1/caregiver-shifts")
        .json(&json!({"person_id": app.person_id(RECEPTION).await, "date": DAY, "start": "09:00", "end": "12:00"})).send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
}

async fn place_must_lie_within_own_booking(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    let (parent, kids) = app.parent_of(20, &[YUI]).await;
    let only = json!({"site_id": SHIOJIRI, "date": DAY, "start": "09:00", "end": "12:00", "child_ids": kids});
    problem(
        parent.book_places(&only.clone()).await,
        StatusCode::CONFLICT,
        "childcare.not_within_booking",
    )
    .await;
    let d = parent
        .post("/api/v1/bookings")
        .json(&json!({"site_id": SHIOJIRI, "date": DAY, "start": "08:30", "end": "13:00"}))
        .send_json()
        .await;
    let made = parent.placed(&only).await;
    assert_eq!(made["places"][0]["desk_booking_id"], d["booking"]["id"]);
    // The same child cannot hold two places at once; someone else's child cannot be booked.
    problem(
        parent.book_places(&only.clone()).await,
        StatusCode::CONFLICT,
        "childcare.child_overlap",
    )
    .await;
    let stranger = app.as_worker(3).await;
    problem(
        stranger
            .book_places(&with_desk(&kids, "13:00", "14:00"))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn cancelling_the_desk_asks_about_childcare(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    let (parent, kids) = app.parent_of(19, &[HARUTO]).await;
    let made = parent.placed(&with_desk(&kids, "09:00", "12:00")).await;
    let desk = made["desk"]["id"].as_i64().unwrap();
    let cancel = |q: &str| {
        parent
            .post(&format!("/api/v1/bookings/{desk}/cancel{q}"))
            .send()
    };
    problem(
        cancel("").await.unwrap(),
        StatusCode::CONFLICT,
        "booking.childcare_linked",
    )
    .await;
    problem(
        cancel("?childcare=keep").await.unwrap(),
        StatusCode::CONFLICT,
        "childcare.keep_not_allowed",
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM bookings WHERE status = 'active'")
            .await,
        1
    );
    assert_eq!(
        cancel("?childcare=cancel").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM childcare_bookings WHERE status = 'cancelled'")
            .await,
        1
    );
}

async fn hand_over_only_to_authorised_adults(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    let (parent, kids) = app.parent_of(19, &[HARUTO]).await;
    let kid = kids[0];
    let grandma = parent
        .post(&format!("/api/v1/children/{kid}/authorised"))
        .json(&json!({"name": "佐藤 ふみ", "relation": "祖母", "phone": "0263-00-1111"}))
        .send_json()
        .await;
    let (grandma_id, code) = (
        grandma["authorised"]["id"].as_i64().unwrap(),
        grandma["pickup_code"].as_str().unwrap().to_string(),
    );
    assert_eq!(code.len(), 6);
    let made = parent.placed(&with_desk(&[kid], "09:00", "12:00")).await;
    let place = made["places"][0]["id"].as_i64().unwrap();
    app.clock.set(tuesday_nine()); // 09:00 on the day
    let caregiver = app.login_as(CAREGIVER).await;
    let reception = app.login_as(RECEPTION).await;
    reception
        .post(&format!("/api/v1/childcare/bookings/{place}/drop-off"))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let dropped = caregiver
        .post(&format!("/api/v1/childcare/bookings/{place}/drop-off"))
        .send_json()
        .await;
    assert_eq!(dropped["status"], "dropped_off");
    let in_room = kado::childcare::store::children_in_room(
        &app.db,
        app.person_id(&worker_email(19)).await,
        SHIOJIRI,
    )
    .await
    .unwrap();
    assert_eq!(
        in_room.len(),
        1,
        "the kiosk can see the child is still in the room"
    );
    let url = format!("/api/v1/childcare/bookings/{place}/pick-up");
    for body in [
        json!({"authorised_person_id": grandma_id, "code": "000000"}),
        json!({"guardian_id": app.person_id("worker02@kado.example").await}),
        json!({}),
    ] {
        caregiver
            .post(&url)
            .json(&body)
            .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_not_authorised")
            .await;
    }
    let day = caregiver
        .get(&format!("/api/v1/sites/1/childcare/day?date={DAY}"))
        .send_json()
        .await;
    assert_eq!(day[0]["refused_pickups"].as_array().unwrap().len(), 3);
    assert_eq!(day[0]["allergy_flag"], true, "Haruto is allergic to egg");
    // After closing time with the child still here: an alert.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 9, 5, 0).unwrap()); // 18:05
    let caregiver = app.login_as(CAREGIVER).await;
    let day = caregiver
        .get(&format!("/api/v1/sites/1/childcare/day?date={DAY}"))
        .send_json()
        .await;
    assert_eq!(day[0]["alert"], "not_picked_up");
    let done = caregiver
        .post(&url)
        .json(&json!({"authorised_person_id": grandma_id, "code": code}))
        .send_json()
        .await;
    assert_eq!(done["status"], "picked_up");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pickup_attempts WHERE allowed = 1")
            .await,
        1
    );
    // A withdrawn permission no longer works.
    parent
        .patch(&format!("/api/v1/authorised-persons/{grandma_id}"))
        .json(&json!({"active": false}))
        .send_json()
        .await;
    let ap = kado::childcare::store::authorised(&app.db, kado::ids::AuthorisedPersonId(grandma_id))
        .await
        .unwrap()
        .unwrap();
    assert!(!ap.active);
}

async fn childrens_data_reaches_only_guardians_and_caregivers(b: Backend) {
    let logs = crate::harness::captured_logs();
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    let parent = app.as_worker(3).await;
    let secret = format!(
        "peanut-{}",
        app.person_id("worker03@kado.example").await * 7919 + b as i64
    );
    let kid = parent
        .post("/api/v1/children")
        .json(&json!({"name": "伊藤 蒼", "birth_date": "2023-01-15", "allergies": secret, "medical_notes": "喘息 / asthma"}))
        .send_json()
        .await["id"]
        .as_i64()
        .unwrap();
    let url = format!("/api/v1/children/{kid}");
    // Before the child has a place at the site, its staff know nothing of it.
    let caregiver = app.login_as(CAREGIVER).await;
    caregiver
        .get(&url)
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    // From an audit: nor after a place booked and cancelled (the child never came).
    let made = parent.placed(&with_desk(&[kid], "13:00", "15:00")).await;
    let place = made["places"][0]["id"].as_i64().unwrap();
    parent
        .post(&format!("/api/v1/childcare/bookings/{place}/cancel"))
        .send_json()
        .await;
    caregiver
        .get(&url)
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    parent.placed(&with_desk(&[kid], "09:00", "12:00")).await;
    let full = caregiver.get(&url).send_json().await;
    assert_eq!(full["allergies"], secret.as_str());
    assert_eq!(full["medical_notes"], "喘息 / asthma");
    assert_eq!(
        parent.get(&url).send_json().await["allergies"],
        secret.as_str()
    );
    for staff in [RECEPTION, "trainer@shiojiri.kado.example"] {
        let c = app.login_as(staff).await;
        let seen = c.get(&url).send_json().await;
        let keys: Vec<&String> = seen.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["active", "id", "name", "name_kana"],
            "{staff} sees name only: {seen}"
        );
        let day = c
            .get(&format!("/api/v1/sites/1/childcare/day?date={DAY}"))
            .send_json()
            .await;
        let text = day.to_string();
        assert!(
            !text.contains(&secret) && !text.contains("allergy_flag") && !text.contains("asthma"),
            "{text}"
        );
    }
    for outsider in ["worker05@kado.example", OMACHI_DIRECTOR] {
        let c = app.login_as(outsider).await;
        c.get(&url)
            .send_problem(StatusCode::NOT_FOUND, "not_found")
            .await;
        c.get(&format!("/api/v1/children/{kid}/authorised"))
            .send_problem(StatusCode::NOT_FOUND, "not_found")
            .await;
    }
    let log = logs.lock().unwrap().clone();
    assert!(log.contains("/api/v1/children"), "the log capture works");
    assert!(!log.contains(&secret), "allergies never reach the log");
}

async fn simultaneous_requests_never_overfill(b: Backend) {
    let app = app_with_clock(b).await;
    let second = app.second_instance().await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    // Ten parents, one baby each; two caregivers hold six babies.
    let mut burst = Burst::default();
    for n in 10..20 {
        let c = app.as_worker(n).await;
        let kid = c.add_child("赤ちゃん", "2026-06-01").await;
        let body = with_desk(&[kid], "09:00", "11:00");
        let base = app.base_for(&second, n as usize);
        burst.post(&c, base, "/api/v1/childcare/bookings", body);
    }
    let created = burst
        .created((StatusCode::CONFLICT, "childcare.full"), "six places")
        .await;
    assert_eq!(created, 6);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM childcare_bookings WHERE status = 'booked'")
            .await,
        6
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM bookings").await,
        6,
        "no desk without its childcare place"
    );
}

/// A worker asks whether their children would fit on a day: per segment, whether the
/// children asked for fit in together, counting their own places once. Nothing about other
/// children; only one's own children; a clear error for bad input.
async fn workers_see_what_still_fits_before_booking(b: Backend) {
    let app = app_with_clock(b).await;
    // Two caregivers (the minimum) only from 9 to 12.
    shifts(&app, &[(1, "08:30", "18:00"), (2, "09:00", "12:00")]).await;
    five_babies_from_nine_to_twelve(&app).await;
    let (parent, kids) = app.parent_of(18, &[REN, HINA]).await;
    let (ren, hina) = (kids[0], kids[1]);
    let ask = |c: &User, site: i64, query: String| {
        c.get(&format!(
            "/api/v1/sites/{site}/childcare/availability?{query}"
        ))
    };
    let at = |v: &Value, slot: &str| {
        v["slots"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s == slot)
            .unwrap()
    };
    // Five babies use 250 of the 300 units two caregivers give.
    let both: Value = ask(&parent, 1, format!("date={DAY}&child_ids={ren},{hina}"))
        .send_body()
        .await;
    assert_eq!(both["open"], true);
    assert_eq!(both["slots"][0], "08:30");
    let nine = at(&both, "09:00");
    // Ren (50 units) and Hina (6) together need 56: they do not fit; at 8:30 one caregiver
    // is below the minimum, so nobody fits.
    assert_eq!(both["fits"][nine], false);
    assert_eq!(both["fits"][0], false);
    assert!(!both.to_string().contains("赤ちゃん"), "no names: {both}");
    assert!(
        both.get("headroom").is_none(),
        "no counts of others: {both}"
    );
    let hina_only: Value = ask(&parent, 1, format!("date={DAY}&child_ids={hina}"))
        .send_body()
        .await;
    assert_eq!(hina_only["fits"][nine], true);
    // Ren takes the last 50 units; asking again for Ren counts his own place once.
    parent.placed(&with_desk(&[ren], "09:00", "10:00")).await;
    let again: Value = ask(&parent, 1, format!("date={DAY}&child_ids={ren}"))
        .send_body()
        .await;
    assert_eq!(again["fits"][nine], true);
    let hina_now: Value = ask(&parent, 1, format!("date={DAY}&child_ids={hina}"))
        .send_body()
        .await;
    assert_eq!(hina_now["fits"][nine], false, "the room is full now");
    // Without children: the slots only. On a closed day (Sunday): nothing.
    let plain: Value = ask(&parent, 1, format!("date={DAY}")).send_body().await;
    assert_eq!(plain["fits"], json!([]));
    assert_eq!(plain["slots"][nine], "09:00");
    let sunday: Value = ask(&parent, 1, "date=2026-11-29".into()).send_body().await;
    assert_eq!(
        (sunday["open"].clone(), sunday["slots"].clone()),
        (json!(false), json!([]))
    );
    // Someone else's child is not found; a site without a room says so; a site where one
    // has no role is forbidden; malformed input is a 422 naming the field.
    let other = app.as_worker(10).await;
    problem(
        ask(&other, 1, format!("date={DAY}&child_ids={ren}"))
            .sent()
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let omachi = app.login_as(OMACHI_WORKER).await;
    problem(
        ask(&omachi, 2, format!("date={DAY}")).sent().await,
        StatusCode::NOT_FOUND,
        "childcare.unavailable",
    )
    .await;
    problem(
        ask(&omachi, 1, format!("date={DAY}")).sent().await,
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    for (query, field, code) in [
        (
            format!("date={DAY}&child_ids=abc"),
            "child_ids",
            "validation.child_ids",
        ),
        (
            format!("date={DAY}&child_ids=-1"),
            "child_ids",
            "validation.child_ids",
        ),
        (
            format!("date={DAY}&child_ids=1,2,3,4,5,6,7,8,9,10,11"),
            "child_ids",
            "validation.child_ids",
        ),
        ("date=2026-13-01".into(), "date", "validation.bad_date"),
    ] {
        let p = problem(
            ask(&parent, 1, query.clone()).sent().await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        )
        .await;
        assert_eq!(
            (
                p["errors"][0]["field"].clone(),
                p["errors"][0]["code"].clone()
            ),
            (json!(field), json!(code)),
            "{query}: {p}"
        );
    }
}

/// The same caregiver entered twice for overlapping hours is still one person: the database
/// refuses the second shift (back-to-back shifts are fine), and the ratio counts people.
async fn one_caregiver_entered_twice_is_one_person_on_duty(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00")]).await;
    let director = app.login_as(DIRECTOR).await;
    let caregiver = app.person_id(CAREGIVER).await;
    let shift = |start: &str, end: &str| {
        director
            .post("/api/v1/sites/1/caregiver-shifts")
            .json(&json!({"person_id": caregiver, "date": DAY, "start": start, "end": end}))
            .send()
    };
    let p = problem(
        shift("09:00", "12:00").await.unwrap(),
        StatusCode::CONFLICT,
        "childcare.shift_overlap",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "start", "{p}");
    assert_eq!(app.count("SELECT COUNT(*) FROM caregiver_shifts").await, 1);
    // One real caregiver is below the minimum of two: no place.
    let parent = app.as_worker(10).await;
    let kid = parent.add_child("一人", "2022-01-01").await;
    problem(
        parent
            .book_places(&with_desk(&[kid], "09:00", "10:00"))
            .await,
        StatusCode::CONFLICT,
        "childcare.full",
    )
    .await;
    // The second caregiver's day in two back-to-back halves counts as one person on duty.
    let second = app.person_id(CAREGIVER2).await;
    let mut halves = Vec::new();
    for (start, end) in [("08:30", "12:00"), ("12:00", "18:00")] {
        halves.push(
            director
                .post("/api/v1/sites/1/caregiver-shifts")
                .json(&json!({"person_id": second, "date": DAY, "start": start, "end": end}))
                .send_json()
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    parent.placed(&with_desk(&[kid], "11:00", "13:00")).await;
    let (eleven, segs) = segment(&app, "11:45").await;
    assert_eq!(eleven["caregivers_on_duty"], 2, "{segs}");
    // Moving one half onto the other is refused the same way.
    director
        .patch(&format!("/api/v1/caregiver-shifts/{}", halves[1]))
        .json(&json!({"start": "11:00"}))
        .send_problem(StatusCode::CONFLICT, "childcare.shift_overlap")
        .await;
    // The database itself refuses, whoever writes.
    let err = sqlx::query(
        "INSERT INTO caregiver_shifts (site_id, person_id, starts_at, ends_at, created_by)
         SELECT site_id, person_id, starts_at + 900, ends_at, created_by FROM caregiver_shifts WHERE id = $1",
    )
    .bind(halves[0])
    .execute(&app.db.pool)
    .await
    .unwrap_err();
    assert_eq!(
        kado::db::violated_constraint(&err).as_deref(),
        Some("caregiver_shifts_no_overlap")
    );
}

/// A database that already holds overlapping shifts of one person migrates: each run of
/// overlapping shifts becomes one shift over their union; back-to-back shifts and other
/// people's shifts stay as they were.
async fn overlapping_shifts_in_a_live_database_are_merged(b: Backend) {
    let (url, _dir) = fresh_database(b).await;
    let db = kado::db::Db::connect(&url, 2).await.unwrap();
    let folder = match b {
        Backend::Sqlite => "migrations/sqlite",
        Backend::Postgres => "migrations/postgres",
    };
    let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(folder))
        .await
        .unwrap();
    before.migrations = before
        .migrations
        .iter()
        // Every migration but 0006, so that the demo data (written for the newest schema)
        // loads; 0006 then runs on the overlapping rows as it would on a live database.
        .filter(|m| m.version != 6)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&db.pool).await.unwrap();
    kado::demo::load(&db, &kado::clock::Clock::default())
        .await
        .unwrap();
    sqlx::query("DELETE FROM caregiver_shifts")
        .execute(&db.pool)
        .await
        .unwrap();
    let person = |email: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM persons WHERE email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (one, two) = (person(CAREGIVER).await, person(CAREGIVER2).await);
    let h = |hour: i64| 1_900_000_800 + hour * 3600;
    for (who, from, to) in [
        (one, 9, 12),
        (one, 11, 14),
        (one, 10, 11),
        (one, 13, 15),
        (one, 15, 16),
        (two, 9, 12),
        (two, 9, 12),
        (two, 17, 18),
    ] {
        sqlx::query(
            "INSERT INTO caregiver_shifts (site_id, person_id, starts_at, ends_at, created_by)
             VALUES (1, $1, $2, $3, $1)",
        )
        .bind(who)
        .bind(h(from))
        .bind(h(to))
        .execute(&db.pool)
        .await
        .unwrap();
    }
    db.migrate().await.unwrap();
    let rows = sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT person_id, starts_at, ends_at FROM caregiver_shifts ORDER BY person_id, starts_at",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (one, h(9), h(15)),
            (one, h(15), h(16)),
            (two, h(9), h(12)),
            (two, h(17), h(18))
        ]
    );
}

/// Desk bookings that carry childcare places move them along (same offset, kept within the
/// booking), with the ratio checked in the same transaction; a move whose places would not
/// fit is refused and changes nothing. No place is ever left outside its booking.
async fn moving_a_desk_booking_moves_its_childcare_places(b: Backend) {
    let app = app_with_clock(b).await;
    shifts(&app, &[(1, "08:30", "18:00"), (2, "08:30", "18:00")]).await;
    let director = app.login_as(DIRECTOR).await;
    for n in [1, 2] {
        let email = if n == 1 { CAREGIVER } else { CAREGIVER2 };
        director
            .post("/api/v1/sites/1/caregiver-shifts")
            .json(&json!({"person_id": app.person_id(email).await, "date": "2026-11-25", "start": "08:30", "end": "18:00"}))
            .send_json()
            .await;
    }
    let (parent, kids) = app.parent_of(18, &[REN, HINA]).await;
    let made = parent.placed(&with_desk(&kids, "09:00", "12:00")).await;
    let desk = made["desk"]["id"].as_i64().unwrap();
    let move_to = |body: Value| {
        parent
            .patch(&format!("/api/v1/bookings/{desk}"))
            .json(&body)
            .send()
    };
    let orphans = || {
        app.count(
            "SELECT COUNT(*) FROM childcare_bookings p JOIN bookings b ON b.id = p.desk_booking_id
             WHERE p.status IN ('booked', 'waitlisted')
               AND (p.starts_at < b.starts_at OR p.ends_at > b.ends_at)",
        )
    };
    let mine = || async {
        let list = parent.get("/api/v1/childcare/bookings").send_json().await;
        list.as_array()
            .unwrap()
            .iter()
            .filter(|p| p["status"] == "booked")
            .map(|p| {
                format!(
                    "{} {}-{}",
                    p["date"].as_str().unwrap(),
                    p["start"].as_str().unwrap(),
                    p["end"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    // Later the same day: the places go along.
    let moved = move_to(json!({"start": "13:00", "end": "16:00"}))
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(mine().await, ["2026-11-24 13:00-16:00"; 2]);
    assert_eq!(orphans().await, 0);
    // Another day: the places go along.
    let moved = move_to(json!({"date": "2026-11-25"})).await.unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(mine().await, ["2026-11-25 13:00-16:00"; 2]);
    // Shorter: the places end with the booking.
    let moved = move_to(json!({"end": "15:00"})).await.unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(mine().await, ["2026-11-25 13:00-15:00"; 2]);
    // Back to a morning that five babies fill (250 of 300 units): Ren (50) and Hina (6)
    // no longer fit, so nothing moves.
    five_babies_from_nine_to_twelve(&app).await;
    let free_desk: i64 =
        sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = 1 AND name = 'D-40'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let p = problem(
        move_to(json!({"date": DAY, "start": "09:00", "end": "12:00", "space_id": free_desk}))
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "booking.childcare_does_not_fit",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "start", "{p}");
    let still = parent
        .get(&format!("/api/v1/bookings/{desk}"))
        .send_json()
        .await;
    assert_eq!(
        (still["date"].clone(), still["start"].clone()),
        (json!("2026-11-25"), json!("13:00"))
    );
    assert_eq!(mine().await, ["2026-11-25 13:00-15:00"; 2]);
    assert_eq!(orphans().await, 0);
}

/// Allergies and medical notes reach the child's guardians and the caregivers of a site where
/// the child has a place, and nobody else: not directors, not administrators. Every answer
/// that carries children is read by every role.
async fn allergies_reach_guardians_and_caregivers_only_in_every_answer(b: Backend) {
    let app = app_with_clock(b).await;
    // Caregivers only in the morning: an afternoon request joins the waitlist.
    shifts(&app, &[(1, "08:30", "12:00"), (2, "08:30", "12:00")]).await;
    let parent = app.as_worker(3).await;
    let (allergy, medical) = ("peanut-allergy-7919", "epipen-in-bag-104729");
    let kid = parent
        .post("/api/v1/children")
        .json(&json!({"name": "伊藤 蒼", "birth_date": "2023-01-15", "allergies": allergy, "medical_notes": medical}))
        .send_json()
        .await["id"]
        .as_i64()
        .unwrap();
    parent
        .post(&format!("/api/v1/children/{kid}/authorised"))
        .json(&json!({"name": "伊藤 ふみ", "relation": "祖母"}))
        .send_json()
        .await;
    let booked = parent.placed(&with_desk(&[kid], "09:00", "11:00")).await;
    let place = booked["places"][0]["id"].as_i64().unwrap();
    let mut wait = with_desk(&[kid], "14:00", "15:00");
    wait["waitlist"] = json!(true);
    wait["keep_desk"] = json!(true);
    let waiting = parent.placed(&wait).await;
    assert_eq!(waiting["waitlisted"], true, "{waiting}");
    let waiting = waiting["places"][0]["id"].as_i64().unwrap();
    let leaks = |text: &str| text.contains(allergy) || text.contains(medical);
    let reads = [
        "/api/v1/children".to_string(),
        format!("/api/v1/children/{kid}"),
        format!("/api/v1/children/{kid}/authorised"),
        format!("/api/v1/sites/1/childcare/day?date={DAY}"),
        format!("/api/v1/sites/1/childcare/segments?date={DAY}"),
        format!("/api/v1/sites/1/childcare/availability?date={DAY}"),
        "/api/v1/childcare/bookings".to_string(),
        format!("/api/v1/sites/1/bookings?date={DAY}"),
    ];
    let who = [
        ("worker03@kado.example", true),
        (CAREGIVER, true),
        ("worker05@kado.example", false),
        (RECEPTION, false),
        ("trainer@shiojiri.kado.example", false),
        (DIRECTOR, false),
        (ADMIN, false),
        (OMACHI_DIRECTOR, false),
    ];
    for (email, sees) in who {
        let c = app.login_as(email).await;
        let mut all = String::new();
        for path in &reads {
            let res = c.get(path).sent().await;
            assert!(!res.status().is_server_error(), "{email} {path}");
            let text = res.text().await.unwrap();
            all.push_str(&text);
            if path.ends_with(&format!("/children/{kid}")) && sees {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(
                    (v["allergies"].as_str(), v["medical_notes"].as_str()),
                    (Some(allergy), Some(medical)),
                    "{email}"
                );
            }
        }
        assert_eq!(leaks(&all), sees, "{email}: {all}");
        let day = c
            .get(&format!("/api/v1/sites/1/childcare/day?date={DAY}"))
            .sent()
            .await;
        if day.status().is_success() {
            let day: Value = day.json().await.unwrap();
            assert_eq!(
                day[0].get("allergy_flag").is_some(),
                email.starts_with("caregiver"),
                "{email}: {day}"
            );
        }
    }
    // The answers of the hand-over and of a cancelled waitlisted place, whoever acts.
    app.clock.set(tuesday_nine()); // 09:00 on the day
    let guardian = app.person_id("worker03@kado.example").await;
    for (who, path, body, status) in [
        (
            DIRECTOR,
            format!("{place}/drop-off"),
            json!(null),
            "dropped_off",
        ),
        (
            ADMIN,
            format!("{place}/pick-up"),
            json!({"guardian_id": guardian}),
            "picked_up",
        ),
        (
            RECEPTION,
            format!("{waiting}/cancel"),
            json!(null),
            "cancelled",
        ),
    ] {
        let mut req = app
            .login_as(who)
            .await
            .post(&format!("/api/v1/childcare/bookings/{path}"));
        if !body.is_null() {
            req = req.json(&body);
        }
        let answer = req.send_text().await;
        assert!(answer.contains(status) && !leaks(&answer), "{answer}");
    }
}
