//! E-mail: the outbox, the mail-drop folder, a real SMTP server on loopback (Python's
//! aiosmtpd) that goes down and comes back, reminders, cancellation calendars, two senders.

use crate::harness::*;
use crate::helpers::*;
use crate::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

on_both_backends!(
    confirmation_lands_in_the_mail_drop,
    cancellation_removes_the_calendar_event,
    smtp_down_nothing_lost_nothing_twice,
    reminders_the_evening_before,
    two_senders_send_each_message_once,
    directors_see_and_retry_the_outbox,
    a_desk_with_childcare_is_one_message_with_one_calendar,
    a_released_desk_releases_its_childcare_places
);

/// A desk released as a no-show takes its childcare places with it: the room no longer
/// expects the child, and the one message says so.
async fn a_released_desk_releases_its_childcare_places(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    app.clear_shifts().await;
    for caregiver in [CAREGIVER, CAREGIVER2] {
        app.on_duty(caregiver, "2026-11-24", "08:00", "18:00").await;
    }
    let (parent, kids) = app.parent_of(3, &[("小林 葵", "2022-02-03", "")]).await;
    parent
        .placed(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00",
            "end": "12:00", "child_ids": kids, "desk": {"attributes": []}}),
        )
        .await;
    sqlx::query("DELETE FROM outbox")
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.clock.set(tuesday_nine() + Duration::hours(1)); // 10:00 in Shiojiri, nobody came
    let released = kado::booking::release_no_shows(&app.state).await.unwrap();
    assert_eq!(released.len(), 1);
    let live = "SELECT COUNT(*) FROM childcare_bookings WHERE status IN ('booked', 'waitlisted')";
    assert_eq!(app.count(live).await, 0, "the child is no longer expected");
    let (kind, text): (String, String) = sqlx::query_as("SELECT kind, body_text FROM outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kind, "booking_released");
    assert!(text.contains("・小林 葵 11月24日(火) 9:00-12:00"), "{text}");
    assert!(
        kado::booking::release_no_shows(&app.state)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Booking a desk with childcare is one action, so one e-mail: it lists the desk and the
/// child's place, with the QR code and one calendar file holding both events (issue 22).
/// Childcare booked alone still gets childcare's own message.
async fn a_desk_with_childcare_is_one_message_with_one_calendar(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    app.clear_shifts().await;
    for day in ["2026-11-24", "2026-11-25"] {
        for caregiver in [CAREGIVER, CAREGIVER2] {
            app.on_duty(caregiver, day, "08:00", "18:00").await;
        }
    }
    let (parent, kids) = app.parent_of(3, &[("小林 葵", "2022-02-03", "")]).await;
    sqlx::query("DELETE FROM outbox")
        .execute(&app.db.pool)
        .await
        .unwrap();
    parent
        .placed(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "09:00",
            "end": "12:00", "child_ids": kids, "desk": {"attributes": []}}),
        )
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        1,
        "one action, one e-mail"
    );
    assert_eq!(kado::mail::send_due(&app.state).await.unwrap().sent, 1);
    let raw = std::fs::read(&files(app.mail_dir.path())[0]).unwrap();
    let (mail, parts) = split(&raw);
    assert!(header(&mail, "Subject").contains("ご予約を承りました"));
    let text = parts.iter().find(|p| p.0 == "text/plain").unwrap();
    let text = String::from_utf8_lossy(&text.2);
    assert!(text.contains("11月24日(火) 9:00-12:00"), "{text}");
    assert!(text.contains("託児:"), "{text}");
    assert!(text.contains("・小林 葵 11月24日(火) 9:00-12:00"), "{text}");
    assert!(
        parts.iter().any(|p| p.0 == "image/png"),
        "the QR code rides along"
    );
    let ics = parts.iter().find(|p| p.0 == "text/calendar").unwrap();
    let cal: icalendar::Calendar = String::from_utf8(ics.2.clone()).unwrap().parse().unwrap();
    let uids: Vec<String> = cal
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .filter_map(|e| icalendar::Component::get_uid(e).map(str::to_string))
        .collect();
    assert_eq!(uids.len(), 2, "{uids:?}");
    assert!(
        uids[0].starts_with("booking-") && uids[1].starts_with("childcare-"),
        "{uids:?}"
    );

    // A desk booked first, then the child's place on its own: each action its own message.
    parent
        .booked(&any_desk("2026-11-25", "09:00", "12:00"))
        .await;
    parent
        .placed(
            &json!({"site_id": SHIOJIRI, "date": "2026-11-25", "start": "09:00",
            "end": "12:00", "child_ids": kids}),
        )
        .await;
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM outbox ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        kinds,
        ["booking_confirmed", "booking_confirmed", "childcare_booked"]
    );

    // Cancelling the first desk with its childcare: one message naming the child, one
    // calendar file cancelling both events.
    let desk: i64 = sqlx::query_scalar("SELECT MIN(id) FROM bookings WHERE status = 'active'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM outbox")
        .execute(&app.db.pool)
        .await
        .unwrap();
    parent
        .post(&format!("/api/v1/bookings/{desk}/cancel?childcare=cancel"))
        .send_json()
        .await;
    let (kind, text, attachments): (String, String, String) =
        sqlx::query_as("SELECT kind, body_text, attachments FROM outbox")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(kind, "booking_cancelled");
    assert!(text.contains("・小林 葵 11月24日(火) 9:00-12:00"), "{text}");
    let stored: serde_json::Value = serde_json::from_str(&attachments).unwrap();
    use base64::Engine as _;
    let ics = base64::engine::general_purpose::STANDARD
        .decode(stored[0]["data"].as_str().unwrap())
        .unwrap();
    let ics = String::from_utf8(ics).unwrap();
    assert!(ics.contains("METHOD:CANCEL"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
    assert_eq!(ics.matches("STATUS:CANCELLED").count(), 2, "{ics}");
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// One leaf of a message: (content type, content id, body).
type Leaf = (String, Option<String>, Vec<u8>);

/// A message and its leaf parts.
fn split(raw: &[u8]) -> (mailparse::ParsedMail<'_>, Vec<Leaf>) {
    let mail = mailparse::parse_mail(raw).unwrap();
    fn walk(m: &mailparse::ParsedMail, out: &mut Vec<Leaf>) {
        if m.subparts.is_empty() {
            let cid = m
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case("Content-ID"))
                .map(|h| h.get_value());
            out.push((m.ctype.mimetype.clone(), cid, m.get_body_raw().unwrap()));
        }
        for p in &m.subparts {
            walk(p, out);
        }
    }
    let mut out = Vec::new();
    walk(&mail, &mut out);
    (mail, out)
}

fn header(m: &mailparse::ParsedMail, key: &str) -> String {
    use mailparse::MailHeaderMap;
    m.headers.get_first_value(key).unwrap_or_default()
}

/// How many different values a header has across raw messages.
fn distinct(raw: &[Vec<u8>], key: &str) -> usize {
    let values: std::collections::BTreeSet<String> = raw
        .iter()
        .map(|m| header(&mailparse::parse_mail(m).unwrap(), key))
        .collect();
    values.len()
}

async fn confirmation_lands_in_the_mail_drop(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    worker
        .booked(&any_desk("2026-11-24", "09:00", "12:00"))
        .await;
    // A refused booking (the same worker, same time) rolls back and sends nothing.
    let res = worker
        .post("/api/v1/bookings")
        .json(&json!({"site_id": SHIOJIRI, "date": "2026-11-24", "start": "10:00", "end": "11:00"}))
        .sent()
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1);
    // The booking's transaction stores the QR code's text, not its drawing: the PNG is drawn
    // when the message is sent, outside the transaction that holds the site's lock.
    let stored: String = sqlx::query_scalar("SELECT attachments FROM outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !stored.contains("iVBORw0KGgo"),
        "a PNG in the outbox: {stored}"
    );
    assert!(stored.contains("\"qr\":\"KADO1."), "{stored}");
    assert!(
        files(app.mail_dir.path()).is_empty(),
        "written to the outbox first, sent by the job"
    );
    let report = kado::mail::send_due(&app.state).await.unwrap();
    assert_eq!(report.sent, 1);
    let eml = files(app.mail_dir.path());
    assert_eq!(eml.len(), 1);
    assert!(eml[0].extension().is_some_and(|e| e == "eml"));
    let raw = std::fs::read(&eml[0]).unwrap();
    let (mail, parts) = split(&raw);
    assert!(
        header(&mail, "Subject").contains("ご予約を承りました"),
        "{}",
        header(&mail, "Subject")
    );
    assert_eq!(header(&mail, "To"), "佐藤 花子 <worker01@kado.example>");
    let text = parts.iter().find(|p| p.0 == "text/plain").unwrap();
    assert!(String::from_utf8_lossy(&text.2).contains("11月24日(火) 9:00-12:00"));
    let html = parts.iter().find(|p| p.0 == "text/html").unwrap();
    assert!(String::from_utf8_lossy(&html.2).contains("cid:qr"));
    // The QR image is inline and decodes to a code the kiosk accepts.
    let png = parts.iter().find(|p| p.0 == "image/png").unwrap();
    assert_eq!(png.1.as_deref(), Some("<qr>"));
    let img = image::load_from_memory(&png.2).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let payload = prepared.detect_grids()[0].decode().unwrap().1;
    assert!(payload.starts_with(&format!("KADO1.{}.", app.person_id(WORKER).await)));
    // The calendar file parses, one event at the booking's instants.
    let ics = parts.iter().find(|p| p.0 == "text/calendar").unwrap();
    let ics = String::from_utf8(ics.2.clone()).unwrap();
    let cal: icalendar::Calendar = ics.parse().unwrap();
    let events: Vec<_> = cal.components.iter().filter_map(|c| c.as_event()).collect();
    assert_eq!(events.len(), 1);
    assert!(
        ics.contains("DTSTART:20261124T000000Z") && ics.contains("METHOD:PUBLISH"),
        "{ics}"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM outbox")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "sent");
    // A worker who reads English gets English.
    let en = app.as_worker(10).await;
    en.booked(&any_desk("2026-11-24", "09:00", "12:00")).await;
    kado::mail::send_due(&app.state).await.unwrap();
    let raw = std::fs::read(
        files(app.mail_dir.path())
            .into_iter()
            .find(|p| *p != eml[0])
            .unwrap(),
    )
    .unwrap();
    let (mail, _) = split(&raw);
    assert!(
        header(&mail, "Subject").starts_with("[KADO] Booking confirmed: Tue 24 Nov 9:00-12:00"),
        "{}",
        header(&mail, "Subject")
    );
}

async fn cancellation_removes_the_calendar_event(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    let made = worker
        .booked(&any_desk("2026-11-24", "09:00", "12:00"))
        .await;
    let id = made["booking"]["id"].as_i64().unwrap();
    app.login_as(RECEPTION)
        .await
        .post(&format!("/api/v1/bookings/{id}/cancel"))
        .send_json()
        .await;
    kado::mail::send_due(&app.state).await.unwrap();
    let mut uids = Vec::new();
    let mut methods = Vec::new();
    for f in files(app.mail_dir.path()) {
        let raw = std::fs::read(f).unwrap();
        let (_, parts) = split(&raw);
        let ics = String::from_utf8(
            parts
                .iter()
                .find(|p| p.0 == "text/calendar")
                .unwrap()
                .2
                .clone(),
        )
        .unwrap();
        let cal: icalendar::Calendar = ics.parse().unwrap();
        use icalendar::Component;
        let event = cal.components.iter().find_map(|c| c.as_event()).unwrap();
        uids.push(event.get_uid().unwrap().to_string());
        methods.push(if ics.contains("METHOD:CANCEL") {
            "CANCEL"
        } else {
            "PUBLISH"
        });
    }
    methods.sort();
    assert_eq!(methods, ["CANCEL", "PUBLISH"]);
    assert_eq!(uids[0], uids[1], "the cancellation names the same event");
}

/// A real SMTP server on loopback: Python's aiosmtpd, writing a Maildir.
struct Smtp {
    port: u16,
    maildir: PathBuf,
    child: Option<Child>,
}

impl Smtp {
    fn new(dir: &Path) -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Smtp {
            port,
            maildir: dir.join("Maildir"),
            child: None,
        }
    }

    async fn start(&mut self) {
        let child = Command::new(python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/setup installs it; see README)");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not start (is it installed? scripts/setup; see README)");
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn received(&self) -> Vec<Vec<u8>> {
        files(&self.maildir.join("new"))
            .into_iter()
            .map(|f| std::fs::read(f).unwrap())
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn smtp_down_nothing_lost_nothing_twice(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut smtp = Smtp::new(dir.path());
    smtp.start().await;
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let (db_url, _db_dir) = fresh_database(b).await;
    let app = TestApp::spawn_configured(&db_url, |c| c.smtp_url = Some(url.clone())).await;
    app.clock.set(friday_morning());
    // While the server is up, a booking's mail arrives at once.
    let first = app.login_as(WORKER).await;
    first
        .booked(&any_desk("2026-11-24", "09:00", "12:00"))
        .await;
    assert_eq!(kado::mail::send_due(&app.state).await.unwrap().sent, 1);
    assert_eq!(smtp.received().len(), 1);
    // The mail server goes down; twenty workers book.
    smtp.stop();
    for n in 2..=21 {
        let c = app.as_worker(n).await;
        c.booked(&any_desk("2026-11-25", "09:00", "12:00")).await;
    }
    let report = kado::mail::send_due(&app.state).await.unwrap();
    assert_eq!((report.sent, report.failed), (0, 0));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            .await,
        20
    );
    // The service restarts in the middle; the mail server comes back.
    drop(app);
    let app = TestApp::spawn_configured(&db_url, |c| c.smtp_url = Some(url.clone())).await;
    app.clock.set(friday_morning() + Duration::minutes(5));
    smtp.start().await;
    let report = kado::mail::send_due(&app.state).await.unwrap();
    assert_eq!(report.sent, 20, "{report:?}");
    assert_eq!(
        kado::mail::send_due(&app.state).await.unwrap().sent,
        0,
        "nothing is sent twice"
    );
    let got = smtp.received();
    assert_eq!(got.len(), 21);
    assert_eq!(
        distinct(&got, "Message-ID"),
        21,
        "each message exactly once"
    );
    assert_eq!(distinct(&got, "To"), 21, "one message per worker");
    // Every message carries the QR image and the calendar file.
    for raw in &got {
        let (_, parts) = split(raw);
        assert!(
            parts.iter().any(|p| p.0 == "image/png")
                && parts.iter().any(|p| p.0 == "text/calendar")
        );
    }
}

async fn reminders_the_evening_before(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    worker
        .booked(&any_desk("2026-11-24", "09:00", "12:00"))
        .await;
    kado::mail::send_due(&app.state).await.unwrap();
    // Monday 17:55: not yet. 18:05: one reminder, once.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 8, 55, 0).unwrap());
    assert_eq!(
        kado::booking::notify::reminders(&app.state).await.unwrap(),
        0
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 23, 9, 5, 0).unwrap());
    assert_eq!(
        kado::booking::notify::reminders(&app.state).await.unwrap(),
        1
    );
    assert_eq!(
        kado::booking::notify::reminders(&app.state).await.unwrap(),
        0,
        "idempotent"
    );
    kado::mail::send_due(&app.state).await.unwrap();
    let subjects: Vec<String> = files(app.mail_dir.path())
        .iter()
        .map(|f| {
            header(
                &mailparse::parse_mail(&std::fs::read(f).unwrap()).unwrap(),
                "Subject",
            )
        })
        .collect();
    assert!(
        subjects.iter().any(|s| s.contains("明日のご予約")),
        "{subjects:?}"
    );
    // A site can turn reminders off.
    app.login_as(DIRECTOR)
        .await
        .patch("/api/v1/sites/1")
        .json(&json!({"reminder_hour": -1}))
        .send_json()
        .await;
    sqlx::query("UPDATE bookings SET reminded_at = NULL")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        kado::booking::notify::reminders(&app.state).await.unwrap(),
        0
    );
}

async fn two_senders_send_each_message_once(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    for n in 1..=24 {
        let c = app.as_worker(n).await;
        c.booked(&any_desk("2026-11-24", "09:00", "12:00")).await;
    }
    let other = TestApp::spawn_on(&app.database_url).await;
    other.clock.set(friday_morning());
    let (a, b2) = tokio::join!(
        kado::mail::send_due(&app.state),
        kado::mail::send_due(&other.state)
    );
    let (a, b2) = (a.unwrap(), b2.unwrap());
    assert_eq!(a.sent + b2.sent, 24, "{a:?} {b2:?}");
    let total = files(app.mail_dir.path()).len() + files(other.mail_dir.path()).len();
    assert_eq!(total, 24);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        24
    );
}

async fn directors_see_and_retry_the_outbox(b: Backend) {
    let app = TestApp::spawn_at(b, friday_morning()).await;
    let worker = app.login_as(WORKER).await;
    worker
        .booked(&any_desk("2026-11-24", "09:00", "12:00"))
        .await;
    sqlx::query(
        "UPDATE outbox SET status = 'failed', attempts = 8, last_error = 'mailbox unavailable'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let director = app.login_as(DIRECTOR).await;
    let failed = director
        .get("/api/v1/outbox?site_id=1&status=failed")
        .send_json()
        .await;
    assert_eq!(failed.as_array().unwrap().len(), 1);
    assert_eq!(failed[0]["last_error"], "mailbox unavailable");
    for (who, path) in [
        (OMACHI_DIRECTOR, "/api/v1/outbox?site_id=1"),
        (DIRECTOR, "/api/v1/outbox"),
        (WORKER, "/api/v1/outbox?site_id=1"),
    ] {
        app.login_as(who)
            .await
            .get(path)
            .send_problem(StatusCode::FORBIDDEN, "auth.forbidden")
            .await;
    }
    let id = failed[0]["id"].as_i64().unwrap();
    assert_eq!(
        director
            .post(&format!("/api/v1/outbox/{id}/retry"))
            .send_status()
            .await,
        StatusCode::NO_CONTENT
    );
    director
        .post(&format!("/api/v1/outbox/{id}/retry"))
        .send_problem(StatusCode::CONFLICT, "mail.not_failed")
        .await;
    assert_eq!(kado::mail::send_due(&app.state).await.unwrap().sent, 1);
}
