//! The entrance kiosk over HTTP: QR round trip through a real image, repeats, check-out,
//! forged/expired/revoked codes, PIN lockout, IC cards, the child still in the room, walk-ins,
//! closed days, another site's kiosk, delayed offline scans.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    qr_round_trip_check_in_repeat_check_out,
    forged_expired_and_revoked_codes,
    printed_card_and_ic_card,
    pin_lockout,
    child_still_in_the_room,
    walk_in_closed_day_and_other_site,
    walk_in_beside_a_booking_of_the_same_person,
    delayed_offline_scan,
    stepping_scan_time_back_cannot_bypass_the_pin_lockout,
    old_screenshot_of_a_rotating_code_is_refused,
    decode_refuses_huge_frames_from_the_header,
    staff_only_manage_credentials
);

/// Decodes a PNG with rqrr, as a camera would see it.
fn read_qr(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

/// How many people are inside (checked in, not out).
async fn open_presences(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM presence_sessions WHERE checked_out_at IS NULL")
        .await
}

/// The app on Tuesday 2026-11-24 at 09:00, WORKER with any desk booked from 09:00 to 13:00
/// that day, and the site's kiosk.
async fn booked_this_morning(b: Backend) -> (TestApp, User, Kiosk) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let worker = app.login_as(WORKER).await;
    worker
        .booked(&any_desk("2026-11-24", "09:00", "13:00"))
        .await;
    let k = app.kiosk().await;
    (app, worker, k)
}

async fn qr_round_trip_check_in_repeat_check_out(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let worker = app.login_as(WORKER).await;
    let booked = worker
        .booked(&any_desk("2026-11-24", "09:00", "17:00"))
        .await;
    let desk = booked["booking"]["space_name"]
        .as_str()
        .unwrap()
        .to_string();
    let qr = worker.get("/api/v1/me/qr").send_json().await;
    assert!(qr["svg"].as_str().unwrap().starts_with("<?xml"));
    let payload = qr["payload"].as_str().unwrap();
    // The phone's code as an image, read back by a camera.
    let png = kado::kiosk::http::png_of(payload).unwrap();
    assert_eq!(read_qr(&png), payload);
    let k = app.kiosk().await;
    // The server-side decoder reads the same image.
    let decoded = k
        .post("/api/v1/kiosk/decode")
        .body(png.clone())
        .send_json()
        .await;
    assert_eq!(decoded["payload"], payload);
    let res = k.scan(&read_qr(&png)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["outcome"], "checked_in");
    assert_eq!(done["space"], desk.as_str());
    assert!(done["message"].as_str().unwrap().contains(&desk), "{done}");
    let b1 = worker
        .get(&format!("/api/v1/bookings/{}", booked["booking"]["id"]))
        .send_json()
        .await;
    assert_eq!(
        b1["status"], "checked_in",
        "the no-show release no longer applies"
    );
    // The same code again within a minute changes nothing.
    app.clock.advance(Duration::seconds(20));
    let again: Value = k.scan(payload).await.json().await.unwrap();
    assert_eq!(again["outcome"], "already_in");
    assert_eq!(app.count("SELECT COUNT(*) FROM presence_sessions").await, 1);
    // Four hours and ten minutes later: check out, in English, and the desk is freed. The
    // clock runs on from each `set`, so the check-in happened a few seconds after 9:00 on a
    // busy machine; half a minute more keeps the whole minutes at 250.
    app.clock
        .set(tuesday_nine() + Duration::minutes(250) + Duration::seconds(30));
    let qr = worker.get("/api/v1/me/qr").send_json().await;
    let out: Value = k
        .post("/api/v1/kiosk/scan")
        .header("Accept-Language", "en")
        .json(&json!({"credential": qr["payload"]}))
        .send_json()
        .await;
    assert_eq!(out["outcome"], "checked_out");
    assert_eq!(out["minutes_today"], 250);
    assert!(
        out["message"]
            .as_str()
            .unwrap()
            .contains("4 h 10 min today"),
        "{out}"
    );
    let b1 = worker
        .get(&format!("/api/v1/bookings/{}", booked["booking"]["id"]))
        .send_json()
        .await;
    assert_eq!(
        b1["end"], "13:15",
        "the rest of the booking is free (from the next quarter hour)"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM scans").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scans WHERE result = 'already_in'")
            .await,
        1
    );
}

async fn forged_expired_and_revoked_codes(b: Backend) {
    let (app, worker, k) = booked_this_morning(b).await;
    let payload = worker.qr_payload().await;
    let someone_else = app.person_id("worker02@kado.example").await;
    let tampered = payload.replacen(
        &format!("KADO1.{}.", app.person_id(WORKER).await),
        &format!("KADO1.{someone_else}."),
        1,
    );
    for forged in [
        &tampered,
        "KADO1.8.1.r99.00000000000000000000",
        "hello world",
    ] {
        k.refused(forged, StatusCode::NOT_FOUND, "kiosk.unknown_credential")
            .await;
    }
    // A screenshot shown 90 seconds later has expired.
    app.clock.advance(Duration::seconds(90));
    k.refused(&payload, StatusCode::FORBIDDEN, "kiosk.expired_code")
        .await;
    // After "lost my phone" every code signed before is refused.
    let fresh = worker.qr_payload().await;
    assert_eq!(
        worker.post("/api/v1/me/qr/revoke").send_status().await,
        StatusCode::NO_CONTENT
    );
    k.refused(&fresh, StatusCode::FORBIDDEN, "kiosk.revoked_code")
        .await;
    let newest = worker.qr_payload().await;
    assert_eq!(k.scan(&newest).await.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM presence_sessions").await,
        1,
        "only the valid code did anything"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scans").await,
        6,
        "every scan is logged"
    );
}

async fn printed_card_and_ic_card(b: Backend) {
    let (app, _worker, k) = booked_this_morning(b).await;
    let id = app.person_id(WORKER).await;
    let reception = app.login_as(RECEPTION).await;
    let png = reception
        .get(&format!("/api/v1/persons/{id}/qr-card"))
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    let card = read_qr(&png);
    assert!(card.contains(".c1."), "{card}");
    assert_eq!(k.scan(&card).await.status(), StatusCode::OK);
    // The card never expires, but a reprint revokes the old one.
    app.clock.advance(Duration::minutes(5));
    reception
        .post(&format!("/api/v1/persons/{id}/qr-card/revoke"))
        .sent()
        .await;
    k.refused(&card, StatusCode::FORBIDDEN, "kiosk.revoked_code")
        .await;
    // An IC card, typed by a reader with separators.
    let registered = reception
        .post(&format!("/api/v1/persons/{id}/ic-cards"))
        .json(&json!({"uid": "01:23:45:67:89:AB:CD:EF", "label": "FeliCa"}))
        .send_json()
        .await;
    reception
        .post(&format!("/api/v1/persons/{id}/ic-cards"))
        .json(&json!({"uid": "0123456789abcdef"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let out: Value = k.scan("0123456789abcdef").await.json().await.unwrap();
    assert_eq!(out["outcome"], "checked_out");
    reception
        .post(&format!("/api/v1/ic-cards/{}/revoke", registered["id"]))
        .sent()
        .await;
    app.clock.advance(Duration::minutes(5));
    k.refused(
        "0123456789ABCDEF",
        StatusCode::NOT_FOUND,
        "kiosk.unknown_card",
    )
    .await;
    k.refused("DEADBEEF", StatusCode::NOT_FOUND, "kiosk.unknown_card")
        .await;
    let stored: String = sqlx::query_scalar("SELECT card_hash FROM ic_cards")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !stored.to_uppercase().contains("0123456789ABCDEF"),
        "the card id is not stored as is"
    );
}

async fn pin_lockout(b: Backend) {
    let (app, worker, k) = booked_this_morning(b).await;
    worker
        .put("/api/v1/me/pin")
        .json(&json!({"pin": "12a4"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    worker.set_pin("2468").await;
    for _ in 0..5 {
        k.refused("PIN:K-0001:1111", StatusCode::FORBIDDEN, "kiosk.wrong_pin")
            .await;
    }
    k.refused(
        "PIN:K-0001:2468",
        StatusCode::TOO_MANY_REQUESTS,
        "kiosk.pin_locked",
    )
    .await;
    k.refused("PIN:K-9999:2468", StatusCode::FORBIDDEN, "kiosk.wrong_pin")
        .await;
    app.clock.advance(Duration::minutes(16));
    // The keypad has only digits: "0001" is K-0001.
    let ok: Value = k.scan("PIN:0001:2468").await.json().await.unwrap();
    assert_eq!(ok["outcome"], "checked_in");
    // Reception resets a forgotten PIN: the old one no longer works.
    let reception = app.login_as(RECEPTION).await;
    let id = app.person_id(WORKER).await;
    reception
        .post(&format!("/api/v1/persons/{id}/pin/reset"))
        .sent()
        .await;
    app.clock.advance(Duration::minutes(2));
    k.refused("PIN:K-0001:2468", StatusCode::FORBIDDEN, "kiosk.wrong_pin")
        .await;
}

async fn child_still_in_the_room(b: Backend) {
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
    let qr = parent.qr_payload().await;
    let inn: Value = k.scan(&qr).await.json().await.unwrap();
    assert_eq!(inn["children"], json!(["佐藤 春翔"]));
    assert!(
        inn["message"]
            .as_str()
            .unwrap()
            .contains("保育士にお預けください"),
        "{inn}"
    );
    let caregiver = app.login_as(CAREGIVER).await;
    let place = made["places"][0]["id"].as_i64().unwrap();
    caregiver
        .post(&format!("/api/v1/childcare/bookings/{place}/drop-off"))
        .send_json()
        .await;
    app.clock.advance(Duration::hours(2));
    let qr = parent.qr_payload().await;
    let p = k
        .refused(&qr, StatusCode::CONFLICT, "kiosk.child_in_room")
        .await;
    assert!(p["detail"].as_str().unwrap().contains("佐藤 春翔"));
    assert_eq!(open_presences(&app).await, 1, "still inside");
    caregiver
        .post(&format!("/api/v1/childcare/bookings/{place}/pick-up"))
        .json(&json!({"guardian_id": app.person_id(&worker_email(18)).await}))
        .send_json()
        .await;
    let out: Value = k.scan(&qr).await.json().await.unwrap();
    assert_eq!(out["outcome"], "checked_out");
}

async fn walk_in_closed_day_and_other_site(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    // Today closes early: the walk-in's desk is booked until then.
    let res = app
        .login_as(DIRECTOR)
        .await
        .put("/api/v1/sites/1/exceptions/2026-11-24")
        .json(&json!({"open": true, "open_time": "09:00", "close_time": "15:00", "note": "短縮"}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let k = app.kiosk().await;
    let worker = app.as_worker(5).await;
    let qr = worker.qr_payload().await;
    let walk_in: Value = k.scan(&qr).await.json().await.unwrap();
    assert_eq!(walk_in["outcome"], "checked_in");
    let mine = worker
        .get("/api/v1/bookings?from=2026-11-24&to=2026-11-24")
        .send_json()
        .await;
    assert_eq!(
        (
            mine[0]["start"].clone(),
            mine[0]["end"].clone(),
            mine[0]["status"].clone()
        ),
        (json!("09:00"), json!("15:00"), json!("checked_in"))
    );
    // An Omachi worker without a booking here is turned away; so is everyone when the site
    // does not take walk-ins.
    let omachi = app.login_as(OMACHI_WORKER).await;
    let qr = omachi.qr_payload().await;
    k.refused(&qr, StatusCode::FORBIDDEN, "kiosk.not_this_site")
        .await;
    app.login_as(DIRECTOR)
        .await
        .patch("/api/v1/sites/1")
        .json(&json!({"allow_walk_in": false}))
        .send_json()
        .await;
    let other = app.as_worker(6).await;
    let qr = other.qr_payload().await;
    k.refused(&qr, StatusCode::CONFLICT, "kiosk.no_booking")
        .await;
    // Sunday: closed.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap());
    let other = app.as_worker(6).await;
    let qr = other.qr_payload().await;
    k.refused(&qr, StatusCode::CONFLICT, "kiosk.site_closed")
        .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM presence_sessions").await, 1);
}

/// A walk-in books, so it needs its site's lock, but the scan already holds the person's. A
/// booking of the same person holds the site and then wants the person: neither may wait for
/// the other (PostgreSQL would end one as a deadlock); the scan steps back and takes the site
/// first.
async fn walk_in_beside_a_booking_of_the_same_person(b: Backend) {
    let app = TestApp::spawn_at(b, tuesday_nine()).await;
    let k = app.kiosk().await;
    let worker = app.as_worker(5).await;
    let person = app.person_id(&worker_email(5)).await;
    let qr = worker.qr_payload().await;
    let mut booking = app.db.begin().await.unwrap();
    kado::sites::store::lock(&mut booking, SHIOJIRI)
        .await
        .unwrap();
    let scan = tokio::spawn(async move { k.scan(&qr).await.json::<Value>().await.unwrap() });
    if b == Backend::Postgres {
        // Until the scan waits for a lock (SQLite: it waits for the writer's place).
        let mut waiting = 0;
        for _ in 0..400 {
            waiting = app
                .count(
                    "SELECT COUNT(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .await;
            if waiting > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(waiting, 1, "the scan waits for the site");
    }
    kado::db::lock_row(&mut booking, "persons", person)
        .await
        .unwrap();
    booking.commit().await.unwrap();
    let scanned = scan.await.unwrap();
    assert_eq!(scanned["outcome"], "checked_in", "{scanned}");
    assert_eq!(open_presences(&app).await, 1);
}

async fn delayed_offline_scan(b: Backend) {
    let (app, worker, k) = booked_this_morning(b).await;
    let qr = worker.qr_payload().await;
    // The network comes back ten minutes later; the kiosk sends what it kept.
    app.clock.advance(Duration::minutes(10));
    let res: Value = k
        .post("/api/v1/kiosk/scan")
        .json(&json!({"credential": qr, "scanned_at": "2026-11-24T09:00:05+09:00"}))
        .send_json()
        .await;
    assert_eq!(
        (res["outcome"].clone(), res["delayed"].clone()),
        (json!("checked_in"), json!(true))
    );
    let at: i64 = sqlx::query_scalar("SELECT checked_in_at FROM presence_sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        at,
        tuesday_nine().timestamp() + 5,
        "counted at the time of the scan"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM scans WHERE delayed = 1")
            .await,
        1
    );
    let res = k
        .post("/api/v1/kiosk/scan")
        .json(&json!({"credential": qr, "scanned_at": "2026-11-20T09:00:00+09:00"}))
        .sent()
        .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "kiosk.bad_scan_time").await;
    // A scan kept offline from before the live one arrives late: it must not check the
    // worker out again, nor count negative time. (The printed card: a phone's code cannot
    // predate itself.)
    let id = app.person_id(WORKER).await;
    let png = app
        .login_as(RECEPTION)
        .await
        .get(&format!("/api/v1/persons/{id}/qr-card"))
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    let late: Value = k
        .post("/api/v1/kiosk/scan")
        .json(&json!({"credential": read_qr(&png), "scanned_at": "2026-11-24T08:58:00+09:00"}))
        .send_json()
        .await;
    assert_eq!(late["outcome"], "already_in");
    // A PIN is never taken late.
    worker
        .put("/api/v1/me/pin")
        .json(&json!({"pin": "1357"}))
        .sent()
        .await;
    k.post("/api/v1/kiosk/scan")
        .json(&json!({"credential": "PIN:K-0001:1357", "scanned_at": "2026-11-24T09:05:00+09:00"}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "kiosk.late_pin")
        .await;
    assert_eq!(open_presences(&app).await, 1);
}

async fn stepping_scan_time_back_cannot_bypass_the_pin_lockout(b: Backend) {
    let (app, worker, k) = booked_this_morning(b).await;
    worker.set_pin("2468").await;
    // A device stepping its scan time back by 16 minutes a try, so that every lockout it
    // causes would already have ended at the time it claims.
    let mut evaluated = 0;
    for i in 0..40 {
        let at = tuesday_nine() - Duration::hours(20) + Duration::minutes(16 * (i / 5));
        let res = k.scan_at(&format!("PIN:K-0001:{:04}", 1000 + i), at).await;
        let body: Value = res.json().await.unwrap();
        if body["code"] == "kiosk.wrong_pin" {
            evaluated += 1;
        }
    }
    assert!(evaluated <= 5, "{evaluated} PINs were tried");
    // Live: five wrong ones lock PIN entry on the server's clock...
    for _ in 0..5 {
        k.refused("PIN:K-0001:1111", StatusCode::FORBIDDEN, "kiosk.wrong_pin")
            .await;
    }
    // ...and no claimed time gets around it: not a skewed clock, not a late sending.
    k.refused_at(
        "PIN:K-0001:2468",
        tuesday_nine() - Duration::seconds(30),
        StatusCode::TOO_MANY_REQUESTS,
        "kiosk.pin_locked",
    )
    .await;
    k.refused_at(
        "PIN:K-0001:2468",
        tuesday_nine() - Duration::minutes(5),
        StatusCode::UNPROCESSABLE_ENTITY,
        "kiosk.late_pin",
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM presence_sessions").await, 0);
}

async fn old_screenshot_of_a_rotating_code_is_refused(b: Backend) {
    let (app, worker, k) = booked_this_morning(b).await;
    let shot = worker.qr_payload().await;
    // Twenty minutes later, sent as if kept offline since the screenshot was taken.
    app.clock.advance(Duration::minutes(20));
    k.refused_at(
        &shot,
        tuesday_nine() + Duration::seconds(5),
        StatusCode::UNPROCESSABLE_ENTITY,
        "kiosk.bad_scan_time",
    )
    .await;
    // The offline window is the site's, set by its director: at five minutes, a scan kept
    // ten is refused too. A day is the most it can be.
    let director = app.login_as(DIRECTOR).await;
    director
        .patch("/api/v1/sites/1")
        .json(&json!({"kiosk_offline_minutes": 1441}))
        .send_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation")
        .await;
    let site = director
        .patch("/api/v1/sites/1")
        .json(&json!({"kiosk_offline_minutes": 5}))
        .send_json()
        .await;
    assert_eq!(site["kiosk_offline_minutes"], 5);
    let fresh = worker.qr_payload().await;
    app.clock.advance(Duration::minutes(10));
    k.refused_at(
        &fresh,
        app.clock.now() - Duration::minutes(10),
        StatusCode::UNPROCESSABLE_ENTITY,
        "kiosk.bad_scan_time",
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM presence_sessions").await, 0);
}

/// A PNG of a header claiming `w` x `h` pixels and a few bytes of image data.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let body: Vec<u8> = kind.iter().chain(data).copied().collect();
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(&mut png, b"IHDR", &ihdr);
    // An empty zlib stream: the image data ends long before the claimed pixels.
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

async fn decode_refuses_huge_frames_from_the_header(b: Backend) {
    let app = TestApp::spawn(b).await;
    let k = app.kiosk().await;
    let huge = png_header_only(22_000, 22_000);
    assert!(huge.len() < 100);
    let res = k.post("/api/v1/kiosk/decode").body(huge).sent().await;
    problem(res, StatusCode::PAYLOAD_TOO_LARGE, "kiosk.image_too_large").await;
    // A frame within the bound is read as before (here: no code in it).
    let res = k
        .post("/api/v1/kiosk/decode")
        .body(png_header_only(640, 480))
        .sent()
        .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "kiosk.no_code").await;
}

async fn staff_only_manage_credentials(b: Backend) {
    let app = TestApp::spawn(b).await;
    let id = app.person_id(WORKER).await;
    for who in [
        "worker02@kado.example",
        OMACHI_DIRECTOR,
        "caregiver@shiojiri.kado.example",
    ] {
        let c = app.login_as(who).await;
        for (method, path) in [
            (
                reqwest::Method::GET,
                format!("/api/v1/persons/{id}/qr-card"),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/persons/{id}/pin/reset"),
            ),
            (
                reqwest::Method::GET,
                format!("/api/v1/persons/{id}/ic-cards"),
            ),
        ] {
            c.request(method.clone(), &path)
                .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
                .await;
        }
    }
    // A session cookie is no kiosk token.
    let worker = app.login_as(WORKER).await;
    worker
        .post("/api/v1/kiosk/scan")
        .json(&json!({"credential": "x"}))
        .send_problem(StatusCode::UNAUTHORIZED, "kiosk.unpaired")
        .await;
}
