//! The training area's e-mails: an enrolment (with the session as an .ics file), and the
//! reminders 30 and 7 days before a certificate expires and the day before a session, each
//! sent once however many instances run the job (a unique row per reminder).

use super::store::{self, SessionRow};
use crate::AppState;
use crate::booking::ics::{CalEvent, calendar};
use crate::db::Tx;
use crate::ids::PersonId;
use crate::mail::templates::{Recipient, compose};
use crate::mail::{Attachment, Email, outbox};

/// The session's local date and times, "2026-11-24 10:00-12:00".
fn when(s: &SessionRow) -> String {
    let tz: chrono_tz::Tz = s.time_zone.parse().unwrap_or(chrono_tz::Asia::Tokyo);
    let local = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.with_timezone(&tz));
    match (local(s.starts_at), local(s.ends_at)) {
        (Some(a), Some(b)) => format!(
            "{} {}-{}",
            a.format("%Y-%m-%d"),
            a.format("%H:%M"),
            b.format("%H:%M")
        ),
        _ => String::new(),
    }
}

/// The session as an iCalendar file (one VEVENT, a stable UID so an update replaces it),
/// through booking's calendar writer; `location` says where (the room, the site, its address).
pub fn ics(s: &SessionRow, base_url: &str, location: String) -> String {
    session_calendar(s, base_url, location, false)
}

/// The session's event, published or (same UID) cancelled.
fn session_calendar(s: &SessionRow, base_url: &str, location: String, cancelled: bool) -> String {
    let event = |starts, ends| CalEvent {
        uid: format!("training-session-{}@{}", s.id, crate::mail::host(base_url)),
        summary: format!("KADO {} / {}", s.course_ja, s.course_en),
        location: location.clone(),
        starts,
        ends,
        cancelled,
    };
    let events: Vec<CalEvent> = match (
        chrono::DateTime::from_timestamp(s.starts_at, 0),
        chrono::DateTime::from_timestamp(s.ends_at, 0),
    ) {
        (Some(from), Some(to)) => vec![event(from, to)],
        _ => Vec::new(),
    };
    calendar(
        &events,
        Some(if cancelled { "CANCEL" } else { "PUBLISH" }),
        None,
    )
}

async fn queue(
    st: &AppState,
    tx: &mut Tx,
    s: &SessionRow,
    kind: &str,
    email: &Email,
) -> anyhow::Result<()> {
    let host = crate::mail::host(&st.config.base_url());
    outbox::enqueue(tx, Some(s.site_id.0), kind, email, &host, st.clock.epoch()).await?;
    Ok(())
}

fn session_lines(to: &Recipient, s: &SessionRow) -> Vec<String> {
    let l = to.lang;
    let course = l.pick(&s.course_ja, &s.course_en).to_string();
    let room = s
        .room
        .clone()
        .unwrap_or_else(|| l.pick("オンライン", "online").to_string());
    vec![
        format!("{}: {course}", l.pick("講座", "Course")),
        format!("{}: {}", l.pick("日時", "When"), when(s)),
        format!("{}: {room}", l.pick("場所", "Where")),
    ]
}

/// Tells a person their enrolment (a place or the waitlist), with the session's .ics.
pub async fn enrolled(
    st: &AppState,
    tx: &mut Tx,
    person: PersonId,
    s: &SessionRow,
    waitlisted: bool,
) -> anyhow::Result<()> {
    let Some(to) = crate::auth::notify::recipient(&mut **tx, person).await? else {
        return Ok(());
    };
    let l = to.lang;
    let (subject, first) = if waitlisted {
        (
            l.pick(
                "【KADO】研修のキャンセル待ちに登録しました",
                "[KADO] On a training waitlist",
            ),
            l.pick(
                "満席のため、キャンセル待ちに登録しました。",
                "The session is full: you are on its waitlist.",
            ),
        )
    } else {
        (
            l.pick(
                "【KADO】研修のお申し込みを承りました",
                "[KADO] Training session booked",
            ),
            l.pick(
                "研修のお申し込みを承りました。",
                "Your place in the training session is booked.",
            ),
        )
    };
    let mut lines = vec![first.to_string()];
    lines.extend(session_lines(&to, s));
    let base = st.config.base_url();
    let mut email = compose(&to, subject.to_string(), &lines, false, &base);
    if !waitlisted {
        // In a room: the room, the site and its address; online: "online".
        let location = match &s.room {
            Some(room) => {
                let site = crate::sites::store::get(&st.db, s.site_id).await?;
                crate::sites::Whereabouts::of(&site).location(room, l)
            }
            None => l.pick("オンライン", "online").to_string(),
        };
        let body = ics(s, &base, location);
        email.attachments = vec![Attachment::new(
            "training.ics",
            "text/calendar; charset=utf-8; method=PUBLISH",
            body.as_bytes(),
            None,
        )];
    }
    queue(st, tx, s, "training_enrolled", &email).await
}

/// Tells a person that a session they held a place (or a waitlist entry) in is cancelled,
/// with a cancelling .ics (the enrolment's UID) so their calendar drops it.
pub async fn session_cancelled(
    st: &AppState,
    tx: &mut Tx,
    person: PersonId,
    s: &SessionRow,
) -> anyhow::Result<()> {
    let Some(to) = crate::auth::notify::recipient(&mut **tx, person).await? else {
        return Ok(());
    };
    let l = to.lang;
    let subject = l.pick(
        "【KADO】研修は中止になりました",
        "[KADO] Training session cancelled",
    );
    let mut lines = vec![
        l.pick(
            "お申し込みの研修は中止になりました。ほかの日程からお選びください。",
            "The training session you booked is cancelled. Please choose another date.",
        )
        .to_string(),
    ];
    lines.extend(session_lines(&to, s));
    let base = st.config.base_url();
    let mut email = compose(&to, subject.to_string(), &lines, false, &base);
    let location = s.room.clone().unwrap_or_default();
    let body = session_calendar(s, &base, location, true);
    email.attachments = vec![Attachment::new(
        "training.ics",
        "text/calendar; charset=utf-8; method=CANCEL",
        body.as_bytes(),
        None,
    )];
    queue(st, tx, s, "training_cancelled", &email).await
}

/// Queues the reminders due now: certificates expiring in 30 and 7 days, sessions starting
/// within the next 24 hours. The candidates are read first; each is then claimed by a unique
/// row and queued in a short transaction of its own, so two instances running this at once
/// send each one once, and a thousand reminders never hold the write lock together (the
/// kiosk's scans go between them). Answers how many were queued.
pub async fn reminders(st: &AppState) -> anyhow::Result<usize> {
    let now = st.clock.epoch();
    let mut sent = 0;
    for (kind, days) in [("expiry_30", 30), ("expiry_7", 7)] {
        // Due from `days` before expiry until the next (shorter) reminder's time.
        let to = now + days * 86400;
        let from = if days == 30 { now + 7 * 86400 } else { now };
        for c in store::expiring(&st.db, kind, from, to).await? {
            let mut tx = st.db.begin().await?;
            if store::claim_reminder(&mut tx, kind, c.id, c.person_id, now).await? {
                sent += usize::from(expiry(st, &mut tx, &c, now).await?);
            }
            tx.commit().await?;
        }
    }
    // The eve is the site's local day before the session: a session later today gets no
    // "tomorrow" message (its enrolment e-mail said when).
    for (enrolment, person, session) in store::starting(&st.db, now, now + 2 * 86400).await? {
        let Some(s) = store::session(&st.db.pool, session).await? else {
            continue;
        };
        if !is_eve(&s, now) {
            continue;
        }
        let mut tx = st.db.begin().await?;
        if store::claim_reminder(&mut tx, "session_eve", enrolment, person, now).await? {
            sent += usize::from(session_eve(st, &mut tx, person, session).await?);
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// Whether `now` is on the local day before the session's, at its site.
fn is_eve(s: &store::SessionRow, now: i64) -> bool {
    let Ok(tz) = s.time_zone.parse::<chrono_tz::Tz>() else {
        return false;
    };
    let day =
        |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.with_timezone(&tz).date_naive());
    match (day(now), day(s.starts_at)) {
        (Some(today), Some(on)) => today.succ_opt() == Some(on),
        _ => false,
    }
}

/// Queues one expiry reminder; whether there was someone to send it to.
async fn expiry(st: &AppState, tx: &mut Tx, c: &store::Expiring, now: i64) -> anyhow::Result<bool> {
    let Some(to) = crate::auth::notify::recipient(&mut **tx, c.person_id).await? else {
        return Ok(false);
    };
    let course = store::course(&mut **tx, c.course_id).await?;
    let name = course
        .map(|c| to.lang.pick(&c.name_ja, &c.name_en).to_string())
        .unwrap_or_default();
    let l = to.lang;
    // Completions are not tied to a site: the date is written in Japan's zone.
    let day = chrono::DateTime::from_timestamp(c.expires_at - 1, 0)
        .map(|d| {
            d.with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default();
    let lines = vec![
        format!(
            "{}: {name}",
            l.pick(
                "修了の有効期限が近づいています",
                "A certificate expires soon"
            )
        ),
        format!("{}: {day}", l.pick("有効期限", "Valid through")),
    ];
    let subject = l.pick(
        "【KADO】研修の有効期限のお知らせ",
        "[KADO] Training expires soon",
    );
    let email = compose(
        &to,
        subject.to_string(),
        &lines,
        false,
        &st.config.base_url(),
    );
    let host = crate::mail::host(&st.config.base_url());
    outbox::enqueue(tx, None, "training_expiry", &email, &host, now).await?;
    Ok(true)
}

/// Queues one reminder of tomorrow's session; whether there was someone to send it to.
async fn session_eve(
    st: &AppState,
    tx: &mut Tx,
    person: PersonId,
    session: crate::ids::TrainingSessionId,
) -> anyhow::Result<bool> {
    let Some(s) = store::session(&mut **tx, session).await? else {
        return Ok(false);
    };
    let Some(to) = crate::auth::notify::recipient(&mut **tx, person).await? else {
        return Ok(false);
    };
    let l = to.lang;
    let mut lines = vec![
        l.pick("明日は研修の日です。", "Your training session is tomorrow.")
            .to_string(),
    ];
    lines.extend(session_lines(&to, &s));
    let subject = l.pick("【KADO】明日の研修のお知らせ", "[KADO] Training tomorrow");
    let email = compose(
        &to,
        subject.to_string(),
        &lines,
        false,
        &st.config.base_url(),
    );
    queue(st, tx, &s, "training_reminder", &email).await?;
    Ok(true)
}
