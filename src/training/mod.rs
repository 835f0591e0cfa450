//! Training: courses and the onboarding programme, sessions (a room reserved through the
//! booking engine, or online), enrolment with a database-enforced capacity and a waitlist,
//! attendance (kiosk scans and audited manual marks), completion and expiry.

pub mod errors;
pub mod http;
pub mod notify;
pub mod rules;
pub mod store;

use crate::AppState;
use crate::db::{Db, Tx};
use crate::error::{ApiError, ApiResult};
use crate::ids::{CourseId, EnrolmentId, PersonId, SiteId, SpaceId, TrainingSessionId};
use chrono::{DateTime, Utc};
use errors::{TrainingError, on_field};
use rules::Attendance;
use store::{CompletionRow, EnrolmentRow, Mark, SessionRow};

/// The 404 of a session the caller may not see.
pub fn session_not_found() -> ApiError {
    ApiError::not_found("講座", "Session")
}

/// Whether course `course` is current for `person` at `at`: what the secure rooms check.
pub async fn is_current(
    db: &Db,
    person: PersonId,
    course: CourseId,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    store::is_current(&db.pool, person, course, at.timestamp()).await
}

/// A session to schedule, its times already resolved in the site's zone.
pub struct Schedule {
    pub course: CourseId,
    pub site: SiteId,
    pub room: Option<SpaceId>,
    pub trainer: PersonId,
    pub range: (DateTime<Utc>, DateTime<Utc>),
    pub capacity: i64,
    pub by: PersonId,
}

/// Schedules a session and reserves its room (every seat, as the trainer's bookings) under
/// the site's booking lock, in one transaction. A room taken at that time is a 409.
pub async fn schedule(
    tx: &mut Tx,
    s: &Schedule,
    room: Option<&crate::sites::Space>,
    now: DateTime<Utc>,
) -> ApiResult<TrainingSessionId> {
    let (f, t) = (s.range.0.timestamp(), s.range.1.timestamp());
    // Another site's course is not this site's to schedule.
    let course = store::course(&mut **tx, s.course).await?;
    if course.is_none_or(|c| c.site_id.is_some_and(|x| x != s.site)) {
        return Err(on_field(TrainingError::UnknownCourse, "course_id"));
    }
    crate::booking::store::lock_for_booking(tx, s.site, s.trainer).await?;
    let id = store::insert_session(
        tx,
        &store::NewSession {
            course_id: s.course,
            site_id: s.site,
            space_id: s.room,
            trainer_id: s.trainer,
            starts_at: f,
            ends_at: t,
            capacity: s.capacity,
            created_by: s.by,
        },
        now.timestamp(),
    )
    .await?;
    if let Some(room) = room {
        let room_seats = crate::booking::store::Seats::Space(room.id);
        let held =
            crate::booking::store::taken_seats(tx, room_seats, f, t, crate::ids::BookingId(0))
                .await?;
        if !held.is_empty() {
            return Err(on_field(TrainingError::RoomTaken, "space_id"));
        }
        for seat in 1..=room.capacity {
            let new = crate::booking::store::NewBooking {
                site_id: s.site,
                space_id: room.id,
                space_kind: room.kind,
                seat,
                person_id: s.trainer,
                series_id: None,
                starts_at: f,
                ends_at: t,
                created_by: s.by,
                now: now.timestamp(),
            };
            let Some(b) = crate::booking::store::insert_free(tx, &new)
                .await
                .map_err(crate::booking::overlap_error)?
            else {
                return Err(on_field(TrainingError::RoomTaken, "space_id"));
            };
            tx.publish(crate::events::Event::BookingMade {
                site_id: s.site,
                booking_id: b,
                person_id: s.trainer,
            });
            store::add_room_booking(tx, id, b).await?;
        }
    }
    Ok(id)
}

/// Cancels a session that has not started: its room's bookings are freed and every place
/// and waitlist entry is cancelled. Answers the people to tell (none when it was already
/// cancelled: cancelling twice changes nothing).
pub async fn cancel_session(
    tx: &mut Tx,
    s: &store::SessionRow,
    by: PersonId,
    now: DateTime<Utc>,
) -> ApiResult<Vec<PersonId>> {
    if s.cancelled_at.is_some() {
        return Ok(Vec::new());
    }
    if s.starts_at <= now.timestamp() {
        return Err(TrainingError::SessionPast.into());
    }
    if !store::cancel_session(tx, s.id, now.timestamp()).await? {
        return Ok(Vec::new());
    }
    let rooms = store::room_bookings_of(tx, s.id).await?;
    for b in crate::booking::store::cancel(tx, &rooms, by, now.timestamp()).await? {
        tx.publish(crate::events::Event::BookingCancelled {
            site_id: s.site_id,
            booking_id: b,
            person_id: s.trainer_id,
        });
    }
    Ok(store::cancel_enrolments(tx, s.id, now.timestamp()).await?)
}

/// What an enrolment request ended as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Enrolled,
    Waitlisted,
    Cancelled,
}

impl EnrolmentStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentStatus::Enrolled => "enrolled",
            EnrolmentStatus::Waitlisted => "waitlisted",
            EnrolmentStatus::Cancelled => "cancelled",
        }
    }

    /// The stored form read back, or an error naming the row.
    pub fn stored(s: &str, id: EnrolmentId) -> anyhow::Result<EnrolmentStatus> {
        [Self::Enrolled, Self::Waitlisted, Self::Cancelled]
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| anyhow::anyhow!("training_enrolments row {id}: status {s}"))
    }
}

/// Enrols a person in a session: a place if one is free (the database's conditional
/// update is the capacity check), else the waitlist when asked, else 409.
pub async fn enrol(
    tx: &mut Tx,
    session: TrainingSessionId,
    person: PersonId,
    waitlist: bool,
    now: DateTime<Utc>,
) -> ApiResult<(EnrolmentId, EnrolmentStatus)> {
    let s = store::session(&mut **tx, session)
        .await?
        .ok_or_else(session_not_found)?;
    if s.cancelled_at.is_some() {
        return Err(TrainingError::SessionCancelled.into());
    }
    if s.starts_at <= now.timestamp() {
        return Err(TrainingError::SessionPast.into());
    }
    if store::live_enrolment(tx, session, person).await?.is_some() {
        return Err(TrainingError::AlreadyEnrolled.into());
    }
    let status = if store::take_place(tx, session).await? {
        EnrolmentStatus::Enrolled
    } else if waitlist {
        EnrolmentStatus::Waitlisted
    } else {
        return Err(TrainingError::Full.into());
    };
    let id = store::insert_enrolment(tx, &s, person, status.as_str(), now.timestamp())
        .await?
        .ok_or(TrainingError::AlreadyEnrolled)?;
    Ok((id, status))
}

/// Cancels an enrolment; a place it held goes to the first of the waitlist, whose id is
/// answered.
pub async fn cancel(
    tx: &mut Tx,
    e: &EnrolmentRow,
    now: DateTime<Utc>,
) -> ApiResult<Option<EnrolmentId>> {
    let s = store::session(&mut **tx, e.session_id)
        .await?
        .ok_or_else(session_not_found)?;
    if s.starts_at <= now.timestamp() {
        return Err(TrainingError::SessionPast.into());
    }
    // Read again inside the transaction: a waitlisted place may have just been given a
    // freed place by someone else's cancellation (then it is an enrolled one to cancel).
    let mut attempts = 0;
    let status = loop {
        let current = store::enrolment(&mut **tx, e.id)
            .await?
            .ok_or_else(session_not_found)?;
        let status = EnrolmentStatus::stored(&current.status, e.id)?;
        if status == EnrolmentStatus::Cancelled || attempts == 3 {
            return Err(session_not_found());
        }
        if store::set_status(tx, e.id, status.as_str(), "cancelled", now.timestamp()).await? {
            break status;
        }
        attempts += 1;
    };
    if status != EnrolmentStatus::Enrolled {
        return Ok(None);
    }
    store::free_place(tx, e.session_id).await?;
    // The first of the waitlist may be cancelling at this very moment (their row then moves
    // under us): the place goes to the next one, and no one is left out.
    loop {
        let Some(next) = store::first_waitlisted(tx, e.session_id).await? else {
            return Ok(None);
        };
        if !store::take_place(tx, e.session_id).await? {
            // Someone enrolled into the freed place first.
            return Ok(None);
        }
        if store::set_status(tx, next, "waitlisted", "enrolled", now.timestamp()).await? {
            return Ok(Some(next));
        }
        store::free_place(tx, e.session_id).await?;
    }
}

/// A trainer's manual mark.
pub struct ManualMark<'a> {
    pub attendance: Attendance,
    /// Minutes present; by default the whole session when present or late, else 0.
    pub minutes: Option<i64>,
    pub reason: &'a str,
    pub by: PersonId,
}

/// Marks a person's attendance by hand (audited); 422 when they are not enrolled, 409 for
/// present or late before the session starts (a mark that would earn a completion, which the
/// secure rooms trust, for a session that has not happened).
pub async fn mark(
    tx: &mut Tx,
    s: &SessionRow,
    person: PersonId,
    m: &ManualMark<'_>,
    now: DateTime<Utc>,
) -> ApiResult<EnrolmentRow> {
    let e = store::live_enrolment(tx, s.id, person)
        .await?
        .filter(|e| e.status == "enrolled")
        .ok_or_else(|| on_field(TrainingError::NotEnrolled, "person_id"))?;
    if matches!(m.attendance, Attendance::Present | Attendance::Late)
        && now.timestamp() < s.starts_at
    {
        return Err(on_field(TrainingError::NotStarted, "attendance"));
    }
    let whole = (s.ends_at - s.starts_at) / 60;
    let minutes = match m.attendance {
        Attendance::Present | Attendance::Late => m.minutes.unwrap_or(whole).clamp(0, whole),
        Attendance::Excused | Attendance::Absent => 0,
    };
    let mark = Mark {
        attendance: Some(m.attendance),
        arrived_at: e.arrived_at,
        left_at: e.left_at,
        minutes_present: minutes,
        late_minutes: e.late_minutes,
        early_minutes: if minutes > 0 {
            (whole - minutes).max(0)
        } else {
            0
        },
        by: Some(m.by),
        source: "manual",
        reason: m.reason,
    };
    store::write_mark(tx, &e, &mark, now.timestamp()).await?;
    // A corrected mark may take back a completion this session helped earn (the secure rooms
    // trust "current"): when the session no longer counts under the rules that completion was
    // earned under, it is withdrawn (from this session on) and what still holds is granted.
    if let Some(last) = store::last_completion(tx, person, s.course_id).await?
        && last.completed_at >= s.ends_at
        && !rules::counts(Some(m.attendance), minutes, &last.rules())
    {
        store::withdraw_completions(tx, person, s.course_id, s.ends_at).await?;
    }
    complete(tx, person, s.course_id, &s.time_zone, now).await?;
    store::enrolment(&mut **tx, e.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("enrolment {} vanished", e.id).into())
}

/// Grants the person's completion of a course when their counted sessions since the last
/// completion reach the number required (the course's rules now, copied into the grant).
pub async fn complete(
    tx: &mut Tx,
    person: PersonId,
    course: CourseId,
    time_zone: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let Some(c) = store::course(&mut **tx, course).await? else {
        return Ok(false);
    };
    let tz: chrono_tz::Tz = crate::sites::stored_time_zone(time_zone, SiteId(0))?;
    let rules = c.rules();
    let since = store::last_completion(tx, person, course)
        .await?
        .map_or(i64::MIN, |l| l.completed_at);
    let attended = store::attended(tx, person, course, since, now.timestamp()).await?;
    let mut ends = Vec::new();
    for a in &attended {
        let att = a.attendance.as_deref().and_then(Attendance::parse);
        if rules::counts(att, a.minutes_present, &rules) {
            ends.push(a.ends_at);
        }
    }
    let Some(done) = rules::completed_at(&rules, &ends) else {
        return Ok(false);
    };
    let row = CompletionRow {
        course_id: course,
        completed_at: done,
        expires_at: rules::expires_at(tz, done, rules.validity_months),
        sessions_required: c.sessions_required,
        minimum_minutes: c.minimum_minutes,
        validity_months: c.validity_months,
    };
    Ok(store::insert_completion(tx, person, course, &row, now.timestamp()).await?)
}

/// A session's attendance that a scan recorded, named for the kiosk's answer.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub course_ja: String,
    pub course_en: String,
    pub late: bool,
}

/// Whether the person has an enrolled session at the site whose check-in window is open at
/// `now` and that they have not yet arrived at (read inside the scan's transaction).
pub async fn due_at_scan(
    tx: &mut Tx,
    person: PersonId,
    site: SiteId,
    now: i64,
) -> sqlx::Result<Vec<store::Due>> {
    store::due(tx, person, site, now).await
}

/// Records the arrival at the sessions `due` names (inside the scan's transaction).
pub async fn arrive(tx: &mut Tx, due: &[store::Due], now: i64) -> ApiResult<Option<Recorded>> {
    let mut shown = None;
    for d in due.iter().filter(|d| d.arrived_at.is_none()) {
        let Some(e) = store::enrolment(&mut **tx, d.enrolment_id).await? else {
            continue;
        };
        let (attendance, late) = rules::arrival(d.starts_at, d.grace_minutes * 60, now);
        let (minutes, _) = rules::minutes_present(d.starts_at, d.ends_at, now, d.ends_at);
        let mark = Mark {
            attendance: Some(attendance),
            arrived_at: Some(now),
            left_at: None,
            minutes_present: minutes,
            late_minutes: late,
            early_minutes: 0,
            by: None,
            source: "kiosk",
            reason: "",
        };
        store::write_mark(tx, &e, &mark, now).await?;
        shown.get_or_insert(Recorded {
            course_ja: d.course_ja.clone(),
            course_en: d.course_en.clone(),
            late: attendance == Attendance::Late,
        });
    }
    Ok(shown)
}

/// Records a departure at `now` from the sessions the person arrived at and has not left:
/// the minutes present, and the minutes missed by leaving before the end.
pub async fn leave(tx: &mut Tx, due: &[store::Due], now: i64) -> ApiResult<()> {
    for d in due
        .iter()
        .filter(|d| d.arrived_at.is_some() && d.left_at.is_none())
    {
        let Some(e) = store::enrolment(&mut **tx, d.enrolment_id).await? else {
            continue;
        };
        let arrived = d.arrived_at.unwrap_or(now);
        let (minutes, early) = rules::minutes_present(d.starts_at, d.ends_at, arrived, now);
        let mark = Mark {
            attendance: e.attendance()?,
            arrived_at: e.arrived_at,
            left_at: Some(now),
            minutes_present: minutes,
            late_minutes: e.late_minutes,
            early_minutes: early,
            by: None,
            source: "kiosk",
            reason: "",
        };
        store::write_mark(tx, &e, &mark, now).await?;
    }
    Ok(())
}

/// Closes the attendances of ended sessions (arrived, never left: present to the end) and
/// grants the completions they bring; answers how many completions were granted. Each
/// session is closed once, whichever instance gets it first, in a transaction of its own (a
/// short hold of SQLite's write lock, between the kiosk's scans).
pub async fn finish_ended(st: &AppState) -> anyhow::Result<usize> {
    let now = st.clock.now();
    let mut granted = 0;
    for s in store::ended_unclosed(&st.db, now.timestamp()).await? {
        let mut tx = st.db.begin().await?;
        if !store::close_session(&mut tx, s.id, now.timestamp()).await? {
            continue;
        }
        for e in store::roster(&mut *tx, s.id).await? {
            if e.status != "enrolled" || e.attendance.is_none() {
                continue;
            }
            if e.arrived_at.is_some() && e.left_at.is_none() {
                let m = Mark {
                    attendance: e.attendance()?,
                    arrived_at: e.arrived_at,
                    left_at: Some(s.ends_at),
                    minutes_present: e.minutes_present,
                    late_minutes: e.late_minutes,
                    early_minutes: 0,
                    by: None,
                    source: "kiosk",
                    reason: "",
                };
                store::write_mark(&mut tx, &e, &m, now.timestamp()).await?;
            }
            if complete(&mut tx, e.person_id, s.course_id, &s.time_zone, now).await? {
                granted += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(granted)
}
