//! The scan's use cases inside its transaction: decide from what the transaction read, then
//! check in (a booking or a walk-in) or out, acting on the result of every write.

use super::errors::KioskError;
use super::rules::{self, Decision, Refusal, Situation, Slot};
use super::store::{self, Facts, FactsOf, Subject};
use super::{Outcome, ScanResult};
use crate::AppState;
use crate::booking::{self, SiteContext, Target};
use crate::db::Tx;
use crate::error::{ApiError, Lang};
use crate::events::Event;
use crate::ids::{BookingId, PersonId, SiteId};
use crate::training::Recorded;
use chrono::{DateTime, Utc};

/// Why a scan stops short of success.
#[derive(Debug)]
pub enum Stop {
    /// A refusal before anything was written: the scan is logged with its code.
    Refuse(ApiError),
    /// A failure after a write, or of the database: the transaction is rolled back and
    /// nothing, not even the log, is written.
    Abort(ApiError),
    /// A walk-in found its site's lock held by another transaction: waiting for it while
    /// this one holds the person's could deadlock, so the scan runs again from the start with
    /// the site's lock taken first, as every booking takes it.
    WalkIn(PersonId),
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Stop {
        Stop::Abort(e)
    }
}

impl From<sqlx::Error> for Stop {
    fn from(e: sqlx::Error) -> Stop {
        Stop::Abort(e.into())
    }
}

fn refuse(code: KioskError) -> Stop {
    Stop::Refuse(code.into())
}

/// Decides and acts for `person`, identified, at `at`.
/// `site_locked`: the transaction took the site's lock before the person's.
pub async fn act(
    st: &AppState,
    tx: &mut Tx,
    subject: &Subject,
    (person, at): (PersonId, DateTime<Utc>),
    site_locked: bool,
) -> Result<ScanResult, Stop> {
    let who = subject
        .person
        .as_ref()
        .filter(|p| p.id == person && p.active)
        .ok_or(refuse(KioskError::UnknownCredential))?;
    if !subject.site.active {
        return Err(Stop::Refuse(ApiError::not_found("拠点", "Site")));
    }
    let site = subject.site.id;
    let mut schedule = subject.schedule.clone();
    let date = at.with_timezone(&schedule.tz).date_naive();
    let now = at.timestamp();
    let of = FactsOf {
        person,
        site,
        day: schedule.day_bounds(date),
        date,
        now,
        repeat_since: now - rules::REPEAT_SECS,
    };
    let facts = store::facts(tx, of).await?;
    // The enrolled training sessions whose check-in window holds the scan (one indexed read,
    // only for someone enrolled in a session not yet over).
    let due = if facts.training_ahead {
        crate::training::due_at_scan(tx, person, site, now).await?
    } else {
        Vec::new()
    };
    if let Some(e) = facts.exception.clone() {
        schedule.exceptions.insert(date, e);
    }
    let here = facts.session.filter(|s| s.site == site);
    let situation = Situation {
        now,
        site_open: schedule.is_open_at(at),
        works_here: facts.works_here,
        inside: here.map(|s| s.id),
        last_scan_ago: facts.last_scan.map(|l| now - l),
        bookings: facts
            .bookings
            .iter()
            .map(|b| Slot {
                id: b.id,
                starts: b.starts,
                ends: b.ends,
                checked_in: b.checked_in,
            })
            .collect(),
        early_secs: subject.site.check_in_early_minutes * 60,
        allow_walk_in: subject.site.allow_walk_in,
        children_in_room: facts.children_in_room.clone(),
        session_due: due.iter().any(|d| d.arrived_at.is_none()),
    };
    let shown = Shown::new(&who.name);
    match rules::decide(&situation) {
        Decision::Repeat { inside: true } => Ok(shown.repeat(Outcome::AlreadyIn)),
        Decision::Repeat { inside: false } => Ok(shown.repeat(Outcome::AlreadyOut)),
        Decision::Refuse(r) => Err(Stop::Refuse(refusal(r))),
        // Inside at another site: the presence_open index would refuse the row.
        Decision::CheckIn { .. } if facts.session.is_some() => Err(refuse(KioskError::AlreadyIn)),
        Decision::CheckIn { booking: Some(b) } => {
            let r = check_in(tx, site, person, b, now, &facts, &shown).await?;
            let recorded = crate::training::arrive(tx, &due, now).await?;
            Ok(shown.with_session(r, recorded))
        }
        Decision::Attend => {
            if crate::attendance::presence::open(tx, site, person, None, now)
                .await?
                .is_none()
            {
                return Err(refuse(KioskError::AlreadyIn));
            }
            let recorded = crate::training::arrive(tx, &due, now).await?;
            tx.publish(Event::CheckedIn {
                site_id: site,
                person_id: person,
                booking_id: None,
            });
            Ok(shown.attended(recorded))
        }
        Decision::AttendInside => {
            let recorded = crate::training::arrive(tx, &due, now).await?;
            Ok(shown.attended(recorded))
        }
        Decision::CheckIn { booking: None } => {
            if !site_locked && !crate::sites::store::try_lock(tx, site).await? {
                return Err(Stop::WalkIn(person));
            }
            let ctx = SiteContext::of(st, subject.site.clone(), schedule);
            walk_in(tx, &ctx, (person, at), &facts, &shown).await
        }
        Decision::CheckOut { session } => {
            let booking = here.and_then(|s| s.booking);
            check_out(tx, (site, person), (session, booking), &due, now).await?;
            Ok(shown.checked_out(facts.present_secs))
        }
    }
}

/// Closes the presence session, trims the booking it used, records the training leave.
async fn check_out(
    tx: &mut Tx,
    (site, person): (SiteId, PersonId),
    (session, booking_id): (i64, Option<BookingId>),
    due: &[crate::training::store::Due],
    now: i64,
) -> Result<(), Stop> {
    let closed =
        crate::attendance::presence::close(tx, crate::ids::PresenceId(session), now, false).await?;
    if !closed {
        let e = anyhow::anyhow!("presence session {session} was closed under the lock");
        return Err(Stop::Abort(e.into()));
    }
    if let Some(b) = booking_id {
        booking::store::trim(tx, b, now, person).await?;
    }
    crate::training::leave(tx, due, now).await?;
    tx.publish(Event::CheckedOut {
        site_id: site,
        person_id: person,
        booking_id,
    });
    Ok(())
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::SiteClosed => KioskError::SiteClosed.into(),
        Refusal::NotThisSite => KioskError::NotThisSite.into(),
        Refusal::NoBooking => KioskError::NoBooking.into(),
        Refusal::ChildrenInRoom(names) => ApiError::from(KioskError::ChildInRoom).with_text(
            "names",
            &names.join("、"),
            &names.join(", "),
        ),
    }
}

/// Checks into a booking: its check-in must happen (a booking released or cancelled since
/// the read answers a refusal, with nothing written), then the presence row, then the
/// children's drop-off requests.
async fn check_in(
    tx: &mut Tx,
    site: SiteId,
    person: PersonId,
    booking: BookingId,
    now: i64,
    facts: &Facts,
    shown: &Shown,
) -> Result<ScanResult, Stop> {
    if !booking::store::check_in(&mut **tx, booking, now).await? {
        return Err(refuse(KioskError::BookingReleased));
    }
    let children = present(tx, site, person, booking, now, facts).await?;
    tx.publish(Event::CheckedIn {
        site_id: site,
        person_id: person,
        booking_id: Some(booking),
    });
    let space = facts
        .bookings
        .iter()
        .find(|b| b.id == booking)
        .map(|b| b.space.clone());
    Ok(shown.checked_in(space, children))
}

/// The presence row and the drop-off requests of a check-in whose booking is checked in.
async fn present(
    tx: &mut Tx,
    site: SiteId,
    person: PersonId,
    booking: BookingId,
    now: i64,
    facts: &Facts,
) -> Result<Vec<String>, Stop> {
    // The booking's check-in is written: a refusal now must roll it back, so it aborts.
    if crate::attendance::presence::open(tx, site, person, Some(booking), now)
        .await?
        .is_none()
    {
        return Err(Stop::Abort(KioskError::AlreadyIn.into()));
    }
    if !facts.dropoff_due {
        return Ok(Vec::new());
    }
    Ok(crate::childcare::request_dropoffs(tx, person.0, site.0, now).await?)
}

/// A walk-in: any free desk from this quarter hour to closing (within the daily limit).
async fn walk_in(
    tx: &mut Tx,
    ctx: &SiteContext,
    (person, at): (PersonId, DateTime<Utc>),
    facts: &Facts,
    shown: &Shown,
) -> Result<ScanResult, Stop> {
    let local = at.with_timezone(&ctx.schedule.tz);
    let Some(hours) = ctx.schedule.day(local.date_naive()).hours else {
        return Err(refuse(KioskError::SiteClosed));
    };
    let start = booking::rules::grid_floor(at.timestamp());
    let close = booking::rules::instant(ctx.schedule.tz, local.date_naive(), hours.close)
        .map_err(|r| Stop::Refuse(ctx.refuse(r, local.date_naive(), hours.close)))?
        .timestamp();
    let end = close.min(start + ctx.policy.max_minutes_per_day * 60);
    let (Some(from), Some(to)) = (
        DateTime::from_timestamp(start, 0),
        DateTime::from_timestamp(end, 0),
    ) else {
        return Err(refuse(KioskError::SiteClosed));
    };
    if end <= start {
        return Err(refuse(KioskError::SiteClosed));
    }
    let spaces = crate::sites::store::spaces_in(tx, ctx.site_id())
        .await
        .map_err(ApiError::from)?;
    let target = Target::AnyDesk(vec![]);
    let one = booking::book::Request {
        target: &target,
        person_id: person,
        by: person,
        series_id: None,
        range: (from, to),
        spaces: &spaces,
    };
    let made = booking::book(tx, ctx, &one, at)
        .await
        .map_err(|e| match e {
            ApiError::Client { .. } => Stop::Refuse(e),
            ApiError::Internal(_) => Stop::Abort(e),
        })?;
    let booking = made.id;
    if !booking::store::check_in(&mut **tx, made.id, at.timestamp()).await? {
        return Err(Stop::Abort(
            anyhow::anyhow!("walk-in booking {} not checked in", made.id).into(),
        ));
    }
    let site = ctx.site.id;
    let children = present(tx, site, person, booking, at.timestamp(), facts).await?;
    tx.publish(Event::CheckedIn {
        site_id: site,
        person_id: person,
        booking_id: Some(booking),
    });
    Ok(shown.checked_in(Some(made.booking.space_name.clone()), children))
}

/// "研修「情報セキュリティ」を記録しました" and "session 'Information security' recorded",
/// with "(late)" for a late arrival.
fn session_texts(r: &Recorded) -> (String, String) {
    let (late_ja, late_en) = if r.late {
        ("(遅刻)", " (late)")
    } else {
        ("", "")
    };
    (
        format!("研修「{}」を記録しました{late_ja}", r.course_ja),
        format!("session '{}' recorded{late_en}", r.course_en),
    )
}

/// The kiosk's answers for one person, in the request's language.
struct Shown {
    name: String,
    lang: Lang,
}

impl Shown {
    fn new(name: &str) -> Shown {
        Shown {
            name: name.to_string(),
            lang: Lang::current(),
        }
    }

    fn result(&self, outcome: Outcome, ja: String, en: String) -> ScanResult {
        ScanResult {
            outcome,
            message: self.lang.pick(&ja, &en).to_string(),
            person_name: self.name.clone(),
            space: None,
            children: vec![],
            minutes_today: None,
            delayed: false,
        }
    }

    fn repeat(&self, outcome: Outcome) -> ScanResult {
        let name = &self.name;
        let (ja, en) = match outcome {
            Outcome::AlreadyIn => ("チェックイン済みです", "you are checked in"),
            _ => ("チェックアウト済みです", "you are checked out"),
        };
        self.result(
            outcome,
            format!("{name}さん、{ja}。"),
            format!("{name}, {en}."),
        )
    }

    fn checked_in(&self, space: Option<String>, children: Vec<String>) -> ScanResult {
        let name = &self.name;
        let desk = space.clone().unwrap_or_default();
        let mut ja = format!("{name}さん、チェックインしました。席: {desk}");
        let mut en = format!("Checked in, {name}. Your place: {desk}");
        if !children.is_empty() {
            ja.push_str(&format!(
                "。{}を保育士にお預けください。",
                children.join("、")
            ));
            en.push_str(&format!(
                ". Please hand {} to the caregiver.",
                children.join(", ")
            ));
        }
        ScanResult {
            space,
            children,
            ..self.result(Outcome::CheckedIn, ja, en)
        }
    }

    /// A check-in that also recorded a training session's attendance names the session.
    fn with_session(&self, r: ScanResult, recorded: Option<Recorded>) -> ScanResult {
        let Some(rec) = recorded else {
            return r;
        };
        let (ja, en) = session_texts(&rec);
        let message = self
            .lang
            .pick(
                &format!("{}。{ja}", r.message),
                &format!("{} - {en}", r.message),
            )
            .to_string();
        ScanResult { message, ..r }
    }

    /// A check-in for a training session only (no desk).
    fn attended(&self, recorded: Option<Recorded>) -> ScanResult {
        let name = &self.name;
        let (ja, en) = recorded.as_ref().map(session_texts).unwrap_or_default();
        self.result(
            Outcome::CheckedIn,
            format!("{name}さん、チェックインしました。{ja}"),
            format!("Checked in, {name} - {en}"),
        )
    }

    fn checked_out(&self, secs: i64) -> ScanResult {
        let name = &self.name;
        let (h, m) = (secs / 3600, secs % 3600 / 60);
        ScanResult {
            minutes_today: Some(secs / 60),
            ..self.result(
                Outcome::CheckedOut,
                format!("{name}さん、チェックアウトしました。本日 {h}時間{m}分"),
                format!("Checked out, {name}: {h} h {m} min today."),
            )
        }
    }
}
