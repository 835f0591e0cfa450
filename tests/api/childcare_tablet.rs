//! The childcare room's tablet over HTTP: hand-over by tap and by QR against the kiosk's
//! check-out rule, refused and one-time pick-ups, nap checks by age with the clock moved, the
//! day's notes and record, the guardian's view, who sees what, the not-collected e-mail.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    drop_off_blocks_check_out_until_pick_up,
    refused_pick_ups_are_recorded_and_a_code_works_once,
    nap_checks_follow_age_and_turn_late,
    one_nap_at_a_time_under_concurrent_taps,
    notes_and_the_day_record_list_every_event,
    only_the_rooms_caregivers_and_the_childs_guardians_see_the_day,
    not_collected_mail_goes_once,
    drop_off_by_qr_needs_a_place_now,
    ratio_alerts_when_a_caregiver_leaves_or_a_booked_child_arrives,
    a_deactivated_guardian_a_stranger_too_early_and_code_guessing_are_refused,
    a_deactivated_caregiver_and_a_child_after_closing_break_the_ratio
);

/// From the review of the tablet: a deactivated account's QR code hands over no child (its
/// code is not revoked by the deactivation, and the kiosk refuses it already); a stranger asking
/// for a child who is not in the room yet is logged too; wrong pick-up codes lock the code's
/// use for a while, so six digits cannot be tried through.
async fn a_deactivated_guardian_a_stranger_too_early_and_code_guessing_are_refused(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[HARUTO]).await;
    let kid = kids[0];
    let grandma = parent
        .post(&format!("/api/v1/children/{kid}/authorised"))
        .json(&json!({"name": "佐藤 ふみ", "relation": "祖母"}))
        .send_json()
        .await;
    let grandma_id = grandma["authorised"]["id"].as_i64().unwrap();
    let code = grandma["pickup_code"].as_str().unwrap().to_string();
    let place = book(&parent, &kids, DAY, "09:00", "12:00").await[0];
    let caregiver = app.login_as(CAREGIVER).await;
    let refused = "SELECT COUNT(*) FROM pickup_attempts WHERE allowed = 0";
    // Not in the room yet: a stranger's try is refused and logged all the same.
    let stranger = app.as_worker(16).await.qr_payload().await;
    caregiver
        .post(&place_url(place, "pick-up"))
        .json(&json!({ "qr": stranger }))
        .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_not_authorised")
        .await;
    assert_eq!(app.count(refused).await, 1);
    // The guardian's account deactivated: their QR hands nothing over.
    let qr = parent.qr_payload().await;
    let guardian = app.person_id(&worker_email(15)).await;
    sqlx::query(&format!(
        "UPDATE persons SET active = 0 WHERE id = {guardian}"
    ))
    .execute(&app.db.pool)
    .await
    .unwrap();
    let status = caregiver
        .post("/api/v1/sites/1/childcare/drop-off-by-qr")
        .json(&json!({ "payload": qr }))
        .send_status()
        .await;
    assert_ne!(
        status,
        StatusCode::OK,
        "a deactivated guardian drops off nobody"
    );
    caregiver
        .post(&place_url(place, "drop-off"))
        .send_json()
        .await;
    for body in [json!({ "qr": qr }), json!({ "guardian_id": guardian })] {
        caregiver
            .post(&place_url(place, "pick-up"))
            .json(&body)
            .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_not_authorised")
            .await;
    }
    // Five wrong codes, then even the right one waits.
    for n in 0..5 {
        caregiver
            .post(&place_url(place, "pick-up"))
            .json(&json!({"authorised_person_id": grandma_id, "code": format!("00000{n}")}))
            .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_not_authorised")
            .await;
    }
    let right = json!({"authorised_person_id": grandma_id, "code": code});
    caregiver
        .post(&place_url(place, "pick-up"))
        .json(&right)
        .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_code_locked")
        .await;
    assert_eq!(app.count(refused).await, 1 + 2 + 5 + 1);
    app.clock.advance(Duration::minutes(16));
    let done = caregiver
        .post(&place_url(place, "pick-up"))
        .json(&right)
        .send_json()
        .await;
    assert_eq!(done["status"], "picked_up");
}

const DAY: &str = "2026-11-24";
const DAY2: &str = "2026-11-25";

/// A baby (under 1 on DAY), a one-year-old, a three-year-old allergic to egg.
const REN: Child = ("田中 蓮", "2026-02-14", "");
const YUI: Child = ("鈴木 結衣", "2025-08-01", "");
const HARUTO: Child = ("佐藤 春翔", "2023-05-10", "卵");

/// Tuesday DAY 09:00 in Tokyo, both caregivers on duty 08:30-18:00 on DAY and DAY2.
async fn room(b: Backend) -> TestApp {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    app.clear_shifts().await;
    for day in [DAY, DAY2] {
        for caregiver in [CAREGIVER, CAREGIVER2] {
            app.on_duty(caregiver, day, "08:30", "18:00").await;
        }
    }
    app
}

/// Books the children a place with a desk on `date`; answers the place ids.
async fn book(parent: &User, kids: &[i64], date: &str, start: &str, end: &str) -> Vec<i64> {
    let made = parent
        .placed(&json!({"site_id": SHIOJIRI, "date": date, "start": start, "end": end, "child_ids": kids, "desk": {"attributes": []}}))
        .await;
    made["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

async fn tablet(caregiver: &User, date: &str) -> Value {
    caregiver
        .get(&format!("/api/v1/sites/1/childcare/tablet?date={date}"))
        .send_json()
        .await
}

/// The tablet's entry of a place.
fn entry(day: &Value, place: i64) -> Value {
    day["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["place"]["id"] == place)
        .unwrap_or_else(|| panic!("place {place} on the tablet: {day}"))
        .clone()
}

fn place_url(place: i64, what: &str) -> String {
    format!("/api/v1/childcare/bookings/{place}/{what}")
}

async fn drop_off_blocks_check_out_until_pick_up(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[HARUTO]).await;
    let place = book(&parent, &kids, DAY, "09:15", "12:00").await[0];
    let (other, others) = app.parent_of(16, &[YUI]).await;
    book(&other, &others, DAY, "09:00", "12:00").await;
    let caregiver = app.login_as(CAREGIVER).await;
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(entry(&day, place)["status"], "expected");
    assert_eq!(
        day["children"][0]["child"]["name"], "鈴木 結衣",
        "by expected arrival"
    );
    // The parent checks in at the kiosk: their child comes to the top of the tablet.
    let k = app.kiosk().await;
    let qr = parent.qr_payload().await;
    assert_eq!(k.scan(&qr).await.status(), StatusCode::OK);
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(day["children"][0]["place"]["id"], place, "{day}");
    assert_eq!(day["children"][0]["handover"]["arrived_at_kiosk"], "09:00");
    assert_eq!(day["children"][0]["age_months"], 42);
    assert_eq!(day["children"][0]["child"]["allergies"], "卵");
    assert_eq!(day["ratio_now"]["start"], "09:00");
    assert_eq!(day["ratio_now"]["caregivers_on_duty"], 2);
    // Handed over at the tablet by the parent's QR.
    let qr = parent.qr_payload().await;
    let got = caregiver
        .post("/api/v1/sites/1/childcare/drop-off-by-qr")
        .json(&json!({"payload": qr}))
        .send_json()
        .await;
    assert_eq!(got[0]["id"], place);
    assert_eq!(got[0]["status"], "dropped_off");
    let day = tablet(&caregiver, DAY).await;
    let e = entry(&day, place);
    assert_eq!(e["status"], "here");
    assert_eq!(
        e["handover"]["received_by"].as_str().map(str::is_empty),
        Some(false)
    );
    assert_eq!(day["ratio_now"]["present"], json!([0, 0, 1, 0]));
    // The kiosk's check-out block applies from that moment...
    app.clock.advance(Duration::hours(2));
    let qr = parent.qr_payload().await;
    k.refused(&qr, StatusCode::CONFLICT, "kiosk.child_in_room")
        .await;
    // ...until the guardian collects the child, here by their QR at the tablet.
    let qr = parent.qr_payload().await;
    let done = caregiver
        .post(&place_url(place, "pick-up"))
        .json(&json!({"qr": qr}))
        .send_json()
        .await;
    assert_eq!(done["status"], "picked_up");
    let qr = parent.qr_payload().await;
    assert_eq!(k.scan(&qr).await.status(), StatusCode::OK, "check-out now");
    let e = entry(&tablet(&caregiver, DAY).await, place);
    assert_eq!(e["status"], "collected");
    assert_eq!(e["handover"]["collected_by"], e["guardians"][0]["name"]);
}

async fn refused_pick_ups_are_recorded_and_a_code_works_once(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[HARUTO]).await;
    let kid = kids[0];
    let grandma = parent
        .post(&format!("/api/v1/children/{kid}/authorised"))
        .json(&json!({"name": "佐藤 ふみ", "relation": "祖母"}))
        .send_json()
        .await;
    let grandma_id = grandma["authorised"]["id"].as_i64().unwrap();
    let code = grandma["pickup_code"].as_str().unwrap().to_string();
    let first = book(&parent, &kids, DAY, "09:00", "12:00").await[0];
    let second = book(&parent, &kids, DAY2, "09:00", "12:00").await[0];
    let caregiver = app.login_as(CAREGIVER).await;
    caregiver
        .post(&place_url(first, "drop-off"))
        .send_json()
        .await;
    // Somebody else's QR, a stranger, a wrong code: refused and recorded.
    let stranger_qr = app.as_worker(16).await.qr_payload().await;
    for body in [
        json!({"qr": stranger_qr}),
        json!({"qr": "KADO1.1.1.r1.00"}),
        json!({"authorised_person_id": grandma_id, "code": "000000"}),
    ] {
        caregiver
            .post(&place_url(first, "pick-up"))
            .json(&body)
            .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_not_authorised")
            .await;
    }
    let e = entry(&tablet(&caregiver, DAY).await, first);
    let refused: Vec<&Value> = e["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["allowed"] == false)
        .collect();
    assert_eq!(refused.len(), 3, "{e}");
    assert_eq!(refused[2]["presented"], "佐藤 ふみ", "named on the tablet");
    assert_eq!(e["authorised"][0]["name"], "佐藤 ふみ");
    assert_eq!(e["authorised"][0]["code_used"], false);
    // Grandma's code works once...
    let done = caregiver
        .post(&place_url(first, "pick-up"))
        .json(&json!({"authorised_person_id": grandma_id, "code": code}))
        .send_json()
        .await;
    assert_eq!(done["status"], "picked_up");
    let e = entry(&tablet(&caregiver, DAY).await, first);
    assert_eq!(e["handover"]["collected_by"], "佐藤 ふみ");
    assert_eq!(e["authorised"][0]["code_used"], true);
    // ...and not the next day, until the guardian issues a new one.
    app.clock.advance(Duration::days(1));
    let caregiver = app.login_as(CAREGIVER).await;
    caregiver
        .post(&place_url(second, "drop-off"))
        .send_json()
        .await;
    let again = json!({"authorised_person_id": grandma_id, "code": code});
    caregiver
        .post(&place_url(second, "pick-up"))
        .json(&again)
        .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_not_authorised")
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pickup_attempts WHERE allowed = 0")
            .await,
        4
    );
    let parent = app.as_worker(15).await;
    let fresh = parent
        .post(&format!(
            "/api/v1/authorised-persons/{grandma_id}/pickup-code"
        ))
        .send_json()
        .await;
    let fresh = fresh["pickup_code"].as_str().unwrap();
    let done = caregiver
        .post(&place_url(second, "pick-up"))
        .json(&json!({"authorised_person_id": grandma_id, "code": fresh}))
        .send_json()
        .await;
    assert_eq!(done["status"], "picked_up");
    // Only a guardian issues codes.
    app.as_worker(16)
        .await
        .post(&format!(
            "/api/v1/authorised-persons/{grandma_id}/pickup-code"
        ))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
}

async fn nap_checks_follow_age_and_turn_late(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[REN, YUI]).await;
    let places = book(&parent, &kids, DAY, "09:00", "15:00").await;
    let (ren, yui) = (places[0], places[1]);
    let caregiver = app.login_as(CAREGIVER).await;
    // Not in the room yet: no nap.
    caregiver
        .post(&place_url(ren, "naps"))
        .send_problem(StatusCode::CONFLICT, "childcare.not_in_room")
        .await;
    for p in [ren, yui] {
        caregiver.post(&place_url(p, "drop-off")).send_json().await;
    }
    // Not napping: no check, no end.
    caregiver
        .post(&place_url(ren, "nap-checks"))
        .json(&json!({"breathing": true, "position": "back"}))
        .send_problem(StatusCode::CONFLICT, "childcare.not_napping")
        .await;
    caregiver
        .post(&place_url(ren, "nap-end"))
        .send_problem(StatusCode::CONFLICT, "childcare.not_napping")
        .await;
    app.clock.advance(Duration::hours(3)); // 12:00
    let started = caregiver.post(&place_url(ren, "naps")).send_created().await;
    assert_eq!(started["check_due_at"], "12:05", "5 minutes under 1");
    assert_eq!(started["interval_secs"], 300);
    let started = caregiver.post(&place_url(yui, "naps")).send_created().await;
    assert_eq!(started["check_due_at"], "12:10", "10 minutes at 1");
    caregiver
        .post(&place_url(yui, "naps"))
        .send_problem(StatusCode::CONFLICT, "childcare.already_napping")
        .await;
    // Just before 12:05 is on time (the clock runs on between requests); 12:06 the baby's
    // check is late, the one-year-old's is not.
    app.clock.advance(Duration::seconds(290));
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(entry(&day, ren)["naps"][0]["late"], false);
    app.clock.advance(Duration::seconds(70));
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(entry(&day, ren)["naps"][0]["late"], true);
    assert_eq!(entry(&day, ren)["alerts"], json!(["nap_check_late"]));
    assert_eq!(entry(&day, yui)["naps"][0]["late"], false);
    assert!(
        day["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "nap_check_late" && a["child_name"] == "田中 蓮"),
        "{}",
        day["alerts"]
    );
    // A check on the front is flagged, and the next check is due 5 minutes on.
    let checked = caregiver
        .post(&place_url(ren, "nap-checks"))
        .json(&json!({"breathing": true, "position": "front"}))
        .send_created()
        .await;
    assert_eq!(checked["front"], true);
    assert_eq!(checked["check_due_at"], "12:11");
    caregiver
        .post(&place_url(ren, "nap-checks"))
        .json(&json!({"breathing": true, "position": "belly"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let e = entry(&tablet(&caregiver, DAY).await, ren);
    assert_eq!(e["alerts"], json!(["front_position"]));
    assert_eq!(e["naps"][0]["checks"][0]["position"], "front");
    // 12:10:30: the one-year-old (due 12:10) is late now.
    app.clock.advance(Duration::seconds(270));
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(entry(&day, yui)["naps"][0]["late"], true);
    assert_eq!(
        entry(&day, ren)["naps"][0]["late"],
        false,
        "checked at 12:06"
    );
    // The site's setting changes the interval.
    let director = app.login_as(DIRECTOR).await;
    let mut settings = director
        .get("/api/v1/sites/1/childcare-settings")
        .send_json()
        .await;
    assert_eq!(settings["nap_check_minutes"], json!([5, 10, 15]));
    settings["nap_check_minutes"] = json!([3, 20, 30]);
    director
        .put("/api/v1/sites/1/childcare-settings")
        .json(&settings)
        .send_json()
        .await;
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(entry(&day, yui)["naps"][0]["check_due_at"], "12:20");
    assert_eq!(entry(&day, yui)["naps"][0]["late"], false);
    settings["nap_check_minutes"] = json!([0, 20, 30]);
    director
        .put("/api/v1/sites/1/childcare-settings")
        .json(&settings)
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let ended = caregiver.post(&place_url(yui, "nap-end")).send_json().await;
    assert_eq!(ended["ended"], true);
    let e = entry(&tablet(&caregiver, DAY).await, yui);
    assert_eq!(e["naps"][0]["ended_at"], "12:10");
    assert_eq!(e["alerts"], json!([]));
}

async fn one_nap_at_a_time_under_concurrent_taps(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[YUI]).await;
    let place = book(&parent, &kids, DAY, "09:00", "15:00").await[0];
    let caregivers = [
        app.login_as(CAREGIVER).await,
        app.login_as(CAREGIVER2).await,
    ];
    caregivers[0]
        .post(&place_url(place, "drop-off"))
        .send_json()
        .await;
    let second = app.second_instance().await;
    let mut burst = Burst::default();
    for i in 0..8 {
        burst.post(
            &caregivers[i % 2],
            app.base_for(&second, i),
            &place_url(place, "naps"),
            json!(null),
        );
    }
    let started = burst
        .created((StatusCode::CONFLICT, "childcare.already_napping"), "naps")
        .await;
    assert_eq!(started, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM naps").await, 1);
    // Collected while asleep: the nap ends with the hand-over.
    let guardian = app.person_id(&worker_email(15)).await;
    caregivers[1]
        .post(&place_url(place, "pick-up"))
        .json(&json!({"guardian_id": guardian}))
        .send_json()
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM naps WHERE ended_at IS NULL")
            .await,
        0
    );
}

async fn notes_and_the_day_record_list_every_event(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[YUI]).await;
    let place = book(&parent, &kids, DAY, "09:00", "15:00").await[0];
    let caregiver = app.login_as(CAREGIVER).await;
    let note = json!({"kind": "meal", "body": "完食しました"});
    caregiver
        .post(&place_url(place, "notes"))
        .json(&note)
        .send_problem(StatusCode::CONFLICT, "childcare.not_in_room")
        .await;
    caregiver
        .post(&place_url(place, "drop-off"))
        .send_json()
        .await;
    let long = "あ".repeat(2001);
    let p = caregiver
        .post(&place_url(place, "notes"))
        .json(&json!({"kind": "note", "body": long}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(p["errors"][0]["field"], "body", "{p}");
    assert_eq!(p["errors"][0]["code"], "validation.too_long", "{p}");
    caregiver
        .post(&place_url(place, "notes"))
        .json(&json!({"kind": "nap", "body": "x"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let exactly = "い".repeat(2000);
    caregiver
        .post(&place_url(place, "notes"))
        .json(&json!({"kind": "note", "body": exactly}))
        .send_created()
        .await;
    app.clock.advance(Duration::minutes(30));
    caregiver
        .post(&place_url(place, "notes"))
        .json(&note)
        .send_created()
        .await;
    caregiver
        .post(&place_url(place, "naps"))
        .send_created()
        .await;
    app.clock.advance(Duration::minutes(10));
    caregiver
        .post(&place_url(place, "nap-checks"))
        .json(&json!({"breathing": true, "position": "side"}))
        .send_created()
        .await;
    caregiver
        .post(&place_url(place, "nap-end"))
        .send_json()
        .await;
    caregiver
        .post(&place_url(place, "pick-up"))
        .json(&json!({}))
        .send_problem(StatusCode::FORBIDDEN, "childcare.pickup_not_authorised")
        .await;
    let guardian = app.person_id(&worker_email(15)).await;
    caregiver
        .post(&place_url(place, "pick-up"))
        .json(&json!({"guardian_id": guardian}))
        .send_json()
        .await;
    let record = caregiver
        .get(&format!("/api/v1/sites/1/childcare/record?date={DAY}"))
        .send_json()
        .await;
    assert_eq!(record["date"], DAY);
    let c = &record["children"][0];
    assert_eq!(c["handover"]["dropped_off_at"], "09:00");
    assert_eq!(c["handover"]["picked_up_at"], "09:40");
    assert_eq!(c["handover"]["collected_by"], c["guardians"][0]["name"]);
    assert_eq!(c["naps"][0]["started_at"], "09:30");
    assert_eq!(c["naps"][0]["ended_at"], "09:40");
    assert_eq!(c["naps"][0]["checks"][0]["position"], "side");
    assert_eq!(c["notes"].as_array().unwrap().len(), 2);
    assert_eq!(c["notes"][1]["body"], "完食しました");
    let attempts: Vec<bool> = c["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["allowed"].as_bool().unwrap())
        .collect();
    assert_eq!(attempts, [false, true]);
    // The guardian sees the day on their phone.
    let today = parent
        .get(&format!("/api/v1/children/{}/today", kids[0]))
        .send_json()
        .await;
    let p = &today["places"][0];
    assert_eq!(p["dropped_off_at"], "09:00");
    assert_eq!(p["received_by"], c["handover"]["received_by"]);
    assert_eq!(
        p["naps"],
        json!([{"started_at": "09:30", "ended_at": "09:40"}])
    );
    assert_eq!(p["notes"][1]["kind"], "meal");
    assert_eq!(p["picked_up_at"], "09:40");
    assert_eq!(p["status"], "collected");
}

async fn only_the_rooms_caregivers_and_the_childs_guardians_see_the_day(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[HARUTO]).await;
    let place = book(&parent, &kids, DAY, "09:00", "15:00").await[0];
    let caregiver = app.login_as(CAREGIVER).await;
    caregiver
        .post(&place_url(place, "drop-off"))
        .send_json()
        .await;
    caregiver
        .post(&place_url(place, "notes"))
        .json(&json!({"kind": "mood", "body": "ごきげん"}))
        .send_created()
        .await;
    for staff in [
        RECEPTION,
        "trainer@shiojiri.kado.example",
        DIRECTOR,
        ADMIN,
        OMACHI_DIRECTOR,
    ] {
        let u = app.login_as(staff).await;
        for path in [
            format!("/api/v1/sites/1/childcare/tablet?date={DAY}"),
            format!("/api/v1/sites/1/childcare/record?date={DAY}"),
        ] {
            let status = u.get(&path).send_status().await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{staff} {path}");
        }
        for (path, body) in [
            (
                place_url(place, "notes"),
                json!({"kind": "mood", "body": "x"}),
            ),
            (place_url(place, "naps"), json!(null)),
        ] {
            let status = u.post(&path).json(&body).send_status().await;
            assert!(
                [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
                "{staff} {path}: {status}"
            );
        }
        let text = u
            .get(&format!("/api/v1/sites/1/childcare/day?date={DAY}"))
            .send_body()
            .await
            .to_string();
        assert!(!text.contains("ごきげん"), "{staff} sees no day notes");
        let today = u
            .get(&format!("/api/v1/children/{}/today", kids[0]))
            .send_status()
            .await;
        assert_eq!(today, StatusCode::NOT_FOUND, "{staff}: the guardian's view");
    }
    // Another parent does not see this child's day; the guardian does.
    let other = app.as_worker(16).await;
    other
        .get(&format!("/api/v1/children/{}/today", kids[0]))
        .send_problem(StatusCode::NOT_FOUND, "not_found")
        .await;
    let today = parent
        .get(&format!("/api/v1/children/{}/today", kids[0]))
        .send_json()
        .await;
    assert_eq!(today["places"][0]["notes"][0]["body"], "ごきげん");
    // The tablet and the record are the site's caregivers' own.
    let record = caregiver
        .get(&format!("/api/v1/sites/1/childcare/record?date={DAY}"))
        .send_json()
        .await;
    assert_eq!(record["children"][0]["child"]["allergies"], "卵");
    assert_eq!(record["children"][0]["notes"][0]["body"], "ごきげん");
}

async fn not_collected_mail_goes_once(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[YUI]).await;
    let place = book(&parent, &kids, DAY, "09:00", "12:00").await[0];
    let caregiver = app.login_as(CAREGIVER).await;
    caregiver
        .post(&place_url(place, "drop-off"))
        .send_json()
        .await;
    let mails = "SELECT COUNT(*) FROM outbox WHERE kind = 'childcare_not_collected'";
    // 12:14: not yet.
    app.clock.advance(Duration::minutes(3 * 60 + 14));
    assert_eq!(
        kado::childcare::notify::not_collected(&app.state)
            .await
            .unwrap(),
        0
    );
    let e = entry(&tablet(&caregiver, DAY).await, place);
    assert_eq!(e["alerts"], json!([]));
    // 12:15: the alert on the tablet, and one e-mail however often and wherever the job runs.
    app.clock.advance(Duration::minutes(1));
    let e = entry(&tablet(&caregiver, DAY).await, place);
    assert_eq!(e["alerts"], json!(["not_collected"]));
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let st = app.state.clone();
            tokio::spawn(async move { kado::childcare::notify::not_collected(&st).await.unwrap() })
        })
        .collect();
    let mut queued = 0;
    for r in runs {
        queued += r.await.unwrap();
    }
    assert_eq!(queued, 1);
    assert_eq!(
        kado::childcare::notify::not_collected(&app.state)
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.count(mails).await, 1);
}

async fn drop_off_by_qr_needs_a_place_now(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[YUI]).await;
    book(&parent, &kids, DAY, "11:00", "15:00").await;
    let caregiver = app.login_as(CAREGIVER).await;
    let drop = |payload: String| {
        caregiver
            .post("/api/v1/sites/1/childcare/drop-off-by-qr")
            .json(&json!({"payload": payload}))
    };
    // 09:00: the place starts at 11:00, too early to hand over; the answer says from when.
    let p = drop(parent.qr_payload().await)
        .send_problem(StatusCode::CONFLICT, "childcare.not_now")
        .await;
    assert!(p["detail"].as_str().unwrap().contains("30分前"), "{p}");
    // A parent with no place today: the answer offers booking one.
    let (other, _) = app.parent_of(16, &[REN]).await;
    let p = drop(other.qr_payload().await)
        .send_problem(StatusCode::CONFLICT, "childcare.not_booked_today")
        .await;
    assert!(
        p["detail"].as_str().unwrap().contains("予約できます"),
        "{p}"
    );
    let p = drop("KADO1.5.1.r1.0000".into())
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    assert_eq!(p["errors"][0]["code"], "childcare.bad_qr");
    // Reception does not hand children over.
    let reception = app.login_as(RECEPTION).await;
    let status = reception
        .post("/api/v1/sites/1/childcare/drop-off-by-qr")
        .json(&json!({"payload": parent.qr_payload().await}))
        .send_status()
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // 10:30: from 30 minutes before the start.
    app.clock.advance(Duration::minutes(90));
    let got = drop(parent.qr_payload().await).send_json().await;
    assert_eq!(got[0]["status"], "dropped_off");
}

async fn ratio_alerts_when_a_caregiver_leaves_or_a_booked_child_arrives(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[REN]).await;
    let place = book(&parent, &kids, DAY, "09:00", "15:00").await[0];
    let caregiver = app.login_as(CAREGIVER).await;
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(day["alerts"], json!([]), "two caregivers for one baby");
    assert_eq!(day["ratio_now"]["required_expected"], 2);
    assert_eq!(day["ratio_now"]["required_present"], 0);
    // The second caregiver's shift is cut short by hand (called away at 11:00): the tablet
    // warns before it happens, with the baby booked until 15:00.
    let eleven = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 24, 2, 0, 0)
        .unwrap()
        .timestamp();
    let caregiver2 = app.person_id(CAREGIVER2).await;
    sqlx::query("UPDATE caregiver_shifts SET ends_at = $1 WHERE person_id = $2 AND starts_at < $1")
        .bind(eleven)
        .bind(caregiver2)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(
        day["alerts"],
        json!([{"kind": "caregiver_leaving", "at": "11:00"}]),
        "{}",
        day["ratio_rest"]
    );
    // Had they not come at all, the booked baby's arrival itself would break the ratio.
    sqlx::query("DELETE FROM caregiver_shifts WHERE person_id = $1")
        .bind(caregiver2)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(
        day["alerts"],
        json!([{"kind": "ratio_at_risk", "at": "09:00"}])
    );
    assert_eq!(day["ratio_now"]["caregivers_on_duty"], 1);
    caregiver
        .post(&place_url(place, "drop-off"))
        .send_json()
        .await;
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(day["ratio_now"]["required_present"], 2);
}

/// From trying the tablet from outside: a caregiver whose account is deactivated still counted
/// as on duty (their shift stayed), and a child still in the room after closing had no ratio
/// at all (the day's segments stopped at closing), on the tablet and in the staff live view.
async fn a_deactivated_caregiver_and_a_child_after_closing_break_the_ratio(b: Backend) {
    let app = room(b).await;
    let (parent, kids) = app.parent_of(15, &[REN]).await;
    let place = book(&parent, &kids, DAY, "10:00", "18:00").await[0];
    let caregiver = app.login_as(CAREGIVER).await;
    let director = app.login_as(DIRECTOR).await;
    app.clock.advance(Duration::hours(1));
    caregiver
        .post(&place_url(place, "drop-off"))
        .send_json()
        .await;
    // A second tap (or a second tablet) says the child is here, not "too early".
    caregiver
        .post(&place_url(place, "drop-off"))
        .send_problem(StatusCode::CONFLICT, "childcare.already_here")
        .await;
    let live = |u: &User| {
        let url = format!("/api/v1/sites/{SHIOJIRI}/live");
        let u = u.clone();
        async move { u.get(&url).send_json().await }
    };
    let broken = |alerts: &Value| {
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "ratio_broken")
    };
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(day["ratio_now"]["caregivers_on_duty"], 2, "{day}");
    assert!(!broken(&day["alerts"]), "{day}");

    let second = app.person_id(CAREGIVER2).await;
    let person = format!("/api/v1/persons/{second}");
    director
        .patch(&person)
        .json(&json!({"active": false}))
        .send_json()
        .await;
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(day["ratio_now"]["caregivers_on_duty"], 1, "{day}");
    assert_eq!(day["ratio_now"]["required_present"], 2, "{day}");
    assert!(broken(&day["alerts"]), "{day}");
    let snapshot = live(&director).await;
    assert_eq!(snapshot["childcare"]["caregivers_on_duty"], 1, "{snapshot}");
    assert!(broken(&snapshot["alerts"]), "{snapshot}");

    director
        .patch(&person)
        .json(&json!({"active": true}))
        .send_json()
        .await;
    assert!(!broken(&tablet(&caregiver, DAY).await["alerts"]));
    // 18:30: the shifts ended at closing, the baby is still in the room.
    app.clock.advance(Duration::minutes(8 * 60 + 30));
    let day = tablet(&caregiver, DAY).await;
    assert_eq!(day["ratio_now"]["caregivers_on_duty"], 0, "{day}");
    assert_eq!(day["ratio_now"]["start"], "18:30", "{day}");
    assert_eq!(day["ratio_now"]["required_present"], 2, "{day}");
    assert!(broken(&day["alerts"]), "{day}");
    assert!(broken(&live(&director).await["alerts"]));
}
