//! SQL of the training area. It writes only the training_* tables; rooms are reserved
//! through booking's store, and persons, sites and teams are only read.

use super::rules::{Attendance, CourseRules};
use crate::db::{Db, Tx};
use crate::ids::{CourseId, EnrolmentId, PersonId, SiteId, SpaceId, TrainingSessionId};
use anyhow::Context;

/// A course as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CourseRow {
    pub id: CourseId,
    pub name_ja: String,
    pub name_en: String,
    pub description: String,
    pub kind: String,
    pub sessions_required: i64,
    pub minimum_minutes: i64,
    pub validity_months: Option<i64>,
    pub active: i64,
    /// The site that manages it; None: shared by every site (administrators manage it).
    pub site_id: Option<SiteId>,
}

impl CourseRow {
    /// The rules a completion is earned under.
    pub fn rules(&self) -> CourseRules {
        CourseRules {
            sessions_required: self.sessions_required,
            minimum_minutes: self.minimum_minutes,
            validity_months: self.validity_months.and_then(|m| u32::try_from(m).ok()),
        }
    }
}

const COURSE_COLUMNS: &str = "id, name_ja, name_en, description, kind, sessions_required, minimum_minutes, validity_months, active, site_id";

/// Every course, active first then by id.
pub async fn courses(db: &Db) -> sqlx::Result<Vec<CourseRow>> {
    sqlx::query_as(&format!(
        "SELECT {COURSE_COLUMNS} FROM training_courses ORDER BY active DESC, id"
    ))
    .fetch_all(&db.pool)
    .await
}

/// One course.
pub async fn course<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: CourseId,
) -> sqlx::Result<Option<CourseRow>> {
    sqlx::query_as(&format!(
        "SELECT {COURSE_COLUMNS} FROM training_courses WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await
}

/// A course's fields as written.
pub struct CourseFields<'a> {
    pub name_ja: &'a str,
    pub name_en: &'a str,
    pub description: &'a str,
    pub kind: &'a str,
    pub sessions_required: i64,
    pub minimum_minutes: i64,
    pub validity_months: Option<i64>,
    pub active: bool,
}

/// Inserts a course.
pub async fn insert_course(
    tx: &mut Tx,
    c: &CourseFields<'_>,
    site: Option<SiteId>,
    now: i64,
) -> sqlx::Result<CourseId> {
    sqlx::query_scalar(
        "INSERT INTO training_courses (name_ja, name_en, description, kind, sessions_required,
             minimum_minutes, validity_months, active, created_at, updated_at, site_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
    )
    .bind(c.name_ja)
    .bind(c.name_en)
    .bind(c.description)
    .bind(c.kind)
    .bind(c.sessions_required)
    .bind(c.minimum_minutes)
    .bind(c.validity_months)
    .bind(i64::from(c.active))
    .bind(now)
    .bind(site)
    .fetch_one(&mut **tx)
    .await
}

/// Rewrites a course (completions keep their own copy of the rules).
pub async fn update_course(
    tx: &mut Tx,
    id: CourseId,
    c: &CourseFields<'_>,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE training_courses SET name_ja = $1, name_en = $2, description = $3, kind = $4,
             sessions_required = $5, minimum_minutes = $6, validity_months = $7, active = $8,
             updated_at = $9
         WHERE id = $10",
    )
    .bind(c.name_ja)
    .bind(c.name_en)
    .bind(c.description)
    .bind(c.kind)
    .bind(c.sessions_required)
    .bind(c.minimum_minutes)
    .bind(c.validity_months)
    .bind(i64::from(c.active))
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// One step of a programme.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StepRow {
    pub site_id: Option<SiteId>,
    pub course_id: CourseId,
    pub position: i64,
}

/// The programme of a site: the all-sites steps, then the site's own, each in order.
pub async fn programme(db: &Db, site: Option<SiteId>) -> sqlx::Result<Vec<StepRow>> {
    sqlx::query_as(
        "SELECT site_id, course_id, position FROM training_programme
         WHERE site_id IS NULL OR site_id = $1
         ORDER BY CASE WHEN site_id IS NULL THEN 0 ELSE 1 END, position, id",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await
}

/// Replaces the programme of a site (None: all sites).
pub async fn set_programme(
    tx: &mut Tx,
    site: Option<SiteId>,
    courses: &[CourseId],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM training_programme WHERE COALESCE(site_id, 0) = COALESCE($1, 0)")
        .bind(site)
        .execute(&mut **tx)
        .await?;
    for (i, c) in courses.iter().enumerate() {
        sqlx::query(
            "INSERT INTO training_programme (site_id, course_id, position) VALUES ($1, $2, $3)",
        )
        .bind(site)
        .bind(c)
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A session with its course's and room's names.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: TrainingSessionId,
    pub course_id: CourseId,
    pub site_id: SiteId,
    pub space_id: Option<SpaceId>,
    pub trainer_id: PersonId,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub enrolled: i64,
    pub early_minutes: i64,
    pub grace_minutes: i64,
    pub cancelled_at: Option<i64>,
    pub course_ja: String,
    pub course_en: String,
    pub room: Option<String>,
    pub trainer_name: String,
    pub waitlisted: i64,
    pub time_zone: String,
}

const SESSION_SELECT: &str = "SELECT t.id, t.course_id, t.site_id, t.space_id, t.trainer_id,
        t.starts_at, t.ends_at, t.capacity, t.enrolled, t.early_minutes, t.grace_minutes,
        t.cancelled_at, c.name_ja AS course_ja, c.name_en AS course_en, sp.name AS room,
        p.name AS trainer_name,
        (SELECT COUNT(*) FROM training_enrolments w
          WHERE w.session_id = t.id AND w.status = 'waitlisted') AS waitlisted,
        s.time_zone
     FROM training_sessions t
     JOIN training_courses c ON c.id = t.course_id
     JOIN persons p ON p.id = t.trainer_id
     JOIN sites s ON s.id = t.site_id
     LEFT JOIN spaces sp ON sp.id = t.space_id";

/// One session.
pub async fn session<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: TrainingSessionId,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(&format!("{SESSION_SELECT} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// The sessions of a site starting in [from, to).
pub async fn sessions(db: &Db, site: SiteId, from: i64, to: i64) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE t.site_id = $1 AND t.starts_at >= $2 AND t.starts_at < $3
         ORDER BY t.starts_at, t.id"
    ))
    .bind(site)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// A session to write.
pub struct NewSession {
    pub course_id: CourseId,
    pub site_id: SiteId,
    pub space_id: Option<SpaceId>,
    pub trainer_id: PersonId,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub created_by: PersonId,
}

/// Inserts a session.
pub async fn insert_session(
    tx: &mut Tx,
    s: &NewSession,
    now: i64,
) -> sqlx::Result<TrainingSessionId> {
    sqlx::query_scalar(
        "INSERT INTO training_sessions (course_id, site_id, space_id, trainer_id, starts_at,
             ends_at, capacity, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(s.course_id)
    .bind(s.site_id)
    .bind(s.space_id)
    .bind(s.trainer_id)
    .bind(s.starts_at)
    .bind(s.ends_at)
    .bind(s.capacity)
    .bind(s.created_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Records a booking that holds a session's room.
pub async fn add_room_booking(
    tx: &mut Tx,
    session: TrainingSessionId,
    booking: crate::ids::BookingId,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO training_session_rooms (session_id, booking_id) VALUES ($1, $2)")
        .bind(session)
        .bind(booking)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes a place in a session if one is free; whether it did. The row's lock (PostgreSQL
/// re-reads `enrolled` after a concurrent writer commits) and SQLite's single writer make
/// this the capacity check; the CHECK constraint backs it.
pub async fn take_place(tx: &mut Tx, session: TrainingSessionId) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE training_sessions SET enrolled = enrolled + 1
         WHERE id = $1 AND enrolled < capacity AND cancelled_at IS NULL",
    )
    .bind(session)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Gives a place back.
pub async fn free_place(tx: &mut Tx, session: TrainingSessionId) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE training_sessions SET enrolled = enrolled - 1 WHERE id = $1 AND enrolled > 0",
    )
    .bind(session)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An enrolment and its attendance.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnrolmentRow {
    pub id: EnrolmentId,
    pub session_id: TrainingSessionId,
    pub site_id: SiteId,
    pub person_id: PersonId,
    pub status: String,
    pub attendance: Option<String>,
    pub arrived_at: Option<i64>,
    pub left_at: Option<i64>,
    pub minutes_present: i64,
    pub late_minutes: i64,
    pub early_minutes: i64,
    pub created_at: i64,
    pub person_name: String,
}

impl EnrolmentRow {
    /// Its attendance, or an error naming the row.
    pub fn attendance(&self) -> anyhow::Result<Option<Attendance>> {
        match &self.attendance {
            None => Ok(None),
            Some(s) => Attendance::parse(s)
                .map(Some)
                .with_context(|| format!("training_enrolments row {}: attendance {s}", self.id)),
        }
    }

    /// The state an audit line records: "present 95 min".
    pub fn state(&self) -> String {
        match &self.attendance {
            None => "none".into(),
            Some(a) => format!("{a} {} min", self.minutes_present),
        }
    }
}

const ENROLMENT_SELECT: &str = "SELECT e.id, e.session_id, e.site_id, e.person_id, e.status,
        e.attendance, e.arrived_at, e.left_at, e.minutes_present, e.late_minutes,
        e.early_minutes, e.created_at, p.name AS person_name
     FROM training_enrolments e JOIN persons p ON p.id = e.person_id";

/// One enrolment.
pub async fn enrolment<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: EnrolmentId,
) -> sqlx::Result<Option<EnrolmentRow>> {
    sqlx::query_as(&format!("{ENROLMENT_SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await
}

/// The live enrolment of a person in a session (enrolled or waitlisted).
pub async fn live_enrolment(
    tx: &mut Tx,
    session: TrainingSessionId,
    person: PersonId,
) -> sqlx::Result<Option<EnrolmentRow>> {
    sqlx::query_as(&format!(
        "{ENROLMENT_SELECT} WHERE e.session_id = $1 AND e.person_id = $2 AND e.status <> 'cancelled'"
    ))
    .bind(session)
    .bind(person)
    .fetch_optional(&mut **tx)
    .await
}

/// A session's roster: the enrolled, then the waitlist in order.
pub async fn roster<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    session: TrainingSessionId,
) -> sqlx::Result<Vec<EnrolmentRow>> {
    sqlx::query_as(&format!(
        "{ENROLMENT_SELECT} WHERE e.session_id = $1 AND e.status <> 'cancelled'
         ORDER BY CASE WHEN e.status = 'enrolled' THEN 0 ELSE 1 END, e.created_at, e.id"
    ))
    .bind(session)
    .fetch_all(ex)
    .await
}

/// Inserts an enrolment (or a waitlist entry); None when the person already holds one (the
/// unique index refused it).
pub async fn insert_enrolment(
    tx: &mut Tx,
    session: &SessionRow,
    person: PersonId,
    status: &str,
    now: i64,
) -> sqlx::Result<Option<EnrolmentId>> {
    sqlx::query_scalar(
        "INSERT INTO training_enrolments (session_id, site_id, person_id, status, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(session.id)
    .bind(session.site_id)
    .bind(person)
    .bind(status)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

/// Marks a session cancelled; whether this call did (not already cancelled).
pub async fn cancel_session(tx: &mut Tx, id: TrainingSessionId, now: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE training_sessions SET cancelled_at = $1, enrolled = 0
         WHERE id = $2 AND cancelled_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The bookings that hold a session's room.
pub async fn room_bookings_of(
    tx: &mut Tx,
    id: TrainingSessionId,
) -> sqlx::Result<Vec<crate::ids::BookingId>> {
    sqlx::query_scalar(
        "SELECT booking_id FROM training_session_rooms WHERE session_id = $1 ORDER BY booking_id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await
}

/// Cancels every live enrolment (places and waitlist) of a session; answers their people.
pub async fn cancel_enrolments(
    tx: &mut Tx,
    id: TrainingSessionId,
    now: i64,
) -> sqlx::Result<Vec<PersonId>> {
    let people = sqlx::query_scalar(
        "SELECT person_id FROM training_enrolments
         WHERE session_id = $1 AND status <> 'cancelled' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE training_enrolments SET status = 'cancelled', cancelled_at = $1
         WHERE session_id = $2 AND status <> 'cancelled'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(people)
}

/// Sets an enrolment's status; whether it was `from`.
pub async fn set_status(
    tx: &mut Tx,
    id: EnrolmentId,
    from: &str,
    to: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE training_enrolments SET status = $1,
             cancelled_at = CASE WHEN $1 = 'cancelled' THEN $2 ELSE cancelled_at END
         WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The first of a session's waitlist.
pub async fn first_waitlisted(
    tx: &mut Tx,
    session: TrainingSessionId,
) -> sqlx::Result<Option<EnrolmentId>> {
    sqlx::query_scalar(
        "SELECT id FROM training_enrolments WHERE session_id = $1 AND status = 'waitlisted'
         ORDER BY created_at, id LIMIT 1",
    )
    .bind(session)
    .fetch_optional(&mut **tx)
    .await
}

/// An attendance to write.
pub struct Mark<'a> {
    pub attendance: Option<Attendance>,
    pub arrived_at: Option<i64>,
    pub left_at: Option<i64>,
    pub minutes_present: i64,
    pub late_minutes: i64,
    pub early_minutes: i64,
    pub by: Option<PersonId>,
    pub source: &'a str,
    pub reason: &'a str,
}

/// Writes an enrolment's attendance and its audit line, with the state before and after.
pub async fn write_mark(
    tx: &mut Tx,
    before: &EnrolmentRow,
    m: &Mark<'_>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE training_enrolments SET attendance = $1, arrived_at = $2, left_at = $3,
             minutes_present = $4, late_minutes = $5, early_minutes = $6
         WHERE id = $7",
    )
    .bind(m.attendance.map(Attendance::as_str))
    .bind(m.arrived_at)
    .bind(m.left_at)
    .bind(m.minutes_present)
    .bind(m.late_minutes)
    .bind(m.early_minutes)
    .bind(before.id)
    .execute(&mut **tx)
    .await?;
    let after = match m.attendance {
        None => "none".to_string(),
        Some(a) => format!("{} {} min", a.as_str(), m.minutes_present),
    };
    sqlx::query(
        "INSERT INTO training_marks (enrolment_id, session_id, person_id, by_id, source,
             before_state, after_state, reason, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(before.id)
    .bind(before.session_id)
    .bind(before.person_id)
    .bind(m.by)
    .bind(m.source)
    .bind(before.state())
    .bind(after)
    .bind(m.reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One line of an enrolment's history.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MarkRow {
    pub by_id: Option<PersonId>,
    pub by_name: Option<String>,
    pub source: String,
    pub before_state: String,
    pub after_state: String,
    pub reason: String,
    pub at: i64,
}

/// An enrolment's history, oldest first.
pub async fn history(db: &Db, enrolment: EnrolmentId) -> sqlx::Result<Vec<MarkRow>> {
    sqlx::query_as(
        "SELECT m.by_id, p.name AS by_name, m.source, m.before_state, m.after_state, m.reason, m.at
         FROM training_marks m LEFT JOIN persons p ON p.id = m.by_id
         WHERE m.enrolment_id = $1 ORDER BY m.id",
    )
    .bind(enrolment)
    .fetch_all(&db.pool)
    .await
}

/// A session whose check-in window holds the scan, with the person's enrolment in it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Due {
    pub enrolment_id: EnrolmentId,
    pub session_id: TrainingSessionId,
    pub starts_at: i64,
    pub ends_at: i64,
    pub grace_minutes: i64,
    pub arrived_at: Option<i64>,
    pub left_at: Option<i64>,
    pub course_ja: String,
    pub course_en: String,
}

/// The person's enrolled sessions in a room of the site that have started or start within
/// their window and have not ended at `now` (an online session's attendance is the
/// trainer's to mark).
pub async fn due(tx: &mut Tx, person: PersonId, site: SiteId, now: i64) -> sqlx::Result<Vec<Due>> {
    sqlx::query_as(
        "SELECT e.id AS enrolment_id, t.id AS session_id, t.starts_at, t.ends_at, t.grace_minutes,
                e.arrived_at, e.left_at, c.name_ja AS course_ja, c.name_en AS course_en
         FROM training_enrolments e
         JOIN training_sessions t ON t.id = e.session_id
         JOIN training_courses c ON c.id = t.course_id
         WHERE e.person_id = $1 AND e.site_id = $2 AND e.status = 'enrolled'
           AND t.space_id IS NOT NULL AND t.cancelled_at IS NULL AND t.starts_at >= $3 - 86400
           AND t.starts_at - t.early_minutes * 60 <= $3 AND t.ends_at > $3
         ORDER BY t.starts_at, t.id",
    )
    .bind(person)
    .bind(site)
    .bind(now)
    .fetch_all(&mut **tx)
    .await
}

/// One attended session of a person in a course, for completion.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attended {
    pub ends_at: i64,
    pub attendance: Option<String>,
    pub minutes_present: i64,
}

/// The person's attendances in ended sessions of a course, from `since` on.
pub async fn attended(
    tx: &mut Tx,
    person: PersonId,
    course: CourseId,
    since: i64,
    now: i64,
) -> sqlx::Result<Vec<Attended>> {
    sqlx::query_as(
        "SELECT t.ends_at, e.attendance, e.minutes_present
         FROM training_enrolments e JOIN training_sessions t ON t.id = e.session_id
         WHERE e.person_id = $1 AND t.course_id = $2 AND e.status = 'enrolled'
           AND t.cancelled_at IS NULL AND t.ends_at > $3 AND t.ends_at <= $4
           AND e.attendance IS NOT NULL",
    )
    .bind(person)
    .bind(course)
    .bind(since)
    .bind(now)
    .fetch_all(&mut **tx)
    .await
}

/// A completion as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CompletionRow {
    pub course_id: CourseId,
    pub completed_at: i64,
    pub expires_at: Option<i64>,
    pub sessions_required: i64,
    pub minimum_minutes: i64,
    pub validity_months: Option<i64>,
}

impl CompletionRow {
    /// The rules it was earned under.
    pub fn rules(&self) -> CourseRules {
        CourseRules {
            sessions_required: self.sessions_required,
            minimum_minutes: self.minimum_minutes,
            validity_months: self.validity_months.and_then(|m| u32::try_from(m).ok()),
        }
    }
}

/// The person's latest completion of a course.
pub async fn last_completion(
    tx: &mut Tx,
    person: PersonId,
    course: CourseId,
) -> sqlx::Result<Option<CompletionRow>> {
    sqlx::query_as(
        "SELECT course_id, completed_at, expires_at, sessions_required, minimum_minutes, validity_months
         FROM training_completions WHERE person_id = $1 AND course_id = $2
         ORDER BY completed_at DESC LIMIT 1",
    )
    .bind(person)
    .bind(course)
    .fetch_optional(&mut **tx)
    .await
}

/// Every completion of a person, latest first.
pub async fn completions(db: &Db, person: PersonId) -> sqlx::Result<Vec<CompletionRow>> {
    sqlx::query_as(
        "SELECT course_id, completed_at, expires_at, sessions_required, minimum_minutes, validity_months
         FROM training_completions WHERE person_id = $1 ORDER BY completed_at DESC",
    )
    .bind(person)
    .fetch_all(&db.pool)
    .await
}

/// Withdraws a person's completions of a course granted at or after `from` (a session's end):
/// a corrected mark may no longer earn them; `complete` then grants what still holds.
pub async fn withdraw_completions(
    tx: &mut Tx,
    person: PersonId,
    course: CourseId,
    from: i64,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "DELETE FROM training_completions
         WHERE person_id = $1 AND course_id = $2 AND completed_at >= $3",
    )
    .bind(person)
    .bind(course)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected())
}

/// Grants a completion with the rules it was earned under (once: a repeat is no row).
pub async fn insert_completion(
    tx: &mut Tx,
    person: PersonId,
    course: CourseId,
    c: &CompletionRow,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO training_completions (person_id, course_id, completed_at, expires_at,
             sessions_required, minimum_minutes, validity_months, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(person)
    .bind(course)
    .bind(c.completed_at)
    .bind(c.expires_at)
    .bind(c.sessions_required)
    .bind(c.minimum_minutes)
    .bind(c.validity_months)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Whether the person holds a completion of the course current at `at`.
pub async fn is_current<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person: PersonId,
    course: CourseId,
    at: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM training_completions
         WHERE person_id = $1 AND course_id = $2 AND completed_at <= $3
           AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(person)
    .bind(course)
    .bind(at)
    .fetch_one(ex)
    .await?;
    Ok(n > 0)
}

/// A person's enrolment with its session, for their own page.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MyEnrolment {
    pub id: EnrolmentId,
    pub session_id: TrainingSessionId,
    pub course_id: CourseId,
    pub status: String,
    pub attendance: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// The person's live enrolments in sessions not ended before `since`.
pub async fn my_enrolments(
    db: &Db,
    person: PersonId,
    since: i64,
) -> sqlx::Result<Vec<MyEnrolment>> {
    sqlx::query_as(
        "SELECT e.id, e.session_id, t.course_id, e.status, e.attendance, t.starts_at, t.ends_at
         FROM training_enrolments e JOIN training_sessions t ON t.id = e.session_id
         WHERE e.person_id = $1 AND e.status <> 'cancelled' AND t.cancelled_at IS NULL
           AND t.ends_at > $2
         ORDER BY t.starts_at",
    )
    .bind(person)
    .bind(since)
    .fetch_all(&db.pool)
    .await
}

/// Sessions ended by `now` whose attendances are not closed yet (a read).
pub async fn ended_unclosed(db: &Db, now: i64) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE t.closed_at IS NULL AND t.ends_at <= $1 ORDER BY t.ends_at LIMIT 200"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Marks a session's attendances closed; whether this caller did (another instance may).
pub async fn close_session(tx: &mut Tx, id: TrainingSessionId, now: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE training_sessions SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// A worker of a site, with what the falling-behind list needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkerRow {
    pub id: PersonId,
    pub name: String,
    pub email: String,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub municipality_id: Option<i64>,
    pub created_at: i64,
}

/// The active workers of a site, filtered by team and home municipality.
pub async fn workers(
    db: &Db,
    site: SiteId,
    team: Option<i64>,
    municipality: Option<i64>,
) -> sqlx::Result<Vec<WorkerRow>> {
    sqlx::query_as(
        "SELECT p.id, p.name, p.email, p.team_id, t.name AS team_name,
                p.home_municipality_id AS municipality_id, p.created_at
         FROM persons p JOIN role_grants g ON g.person_id = p.id
         LEFT JOIN teams t ON t.id = p.team_id
         WHERE g.site_id = $1 AND g.role = 'worker' AND p.active = 1
           AND ($2 IS NULL OR p.team_id = $2)
           AND ($3 IS NULL OR p.home_municipality_id = $3)
         ORDER BY p.id",
    )
    .bind(site)
    .bind(team)
    .bind(municipality)
    .fetch_all(&db.pool)
    .await
}

/// For every worker of a site, the completions and upcoming enrolments of the site's
/// programme courses, in two statements (not one per worker).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonCourse {
    pub person_id: PersonId,
    pub course_id: CourseId,
    pub completed_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// The latest completion of each (worker of the site, course).
pub async fn site_completions(db: &Db, site: SiteId) -> sqlx::Result<Vec<PersonCourse>> {
    sqlx::query_as(
        "SELECT c.person_id, c.course_id, MAX(c.completed_at) AS completed_at,
                MAX(COALESCE(c.expires_at, 9223372036854775807)) AS expires_at
         FROM training_completions c JOIN role_grants g ON g.person_id = c.person_id
         WHERE g.site_id = $1 AND g.role = 'worker'
         GROUP BY c.person_id, c.course_id",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await
}

/// The (worker, course) pairs with a live enrolment in a session not yet ended.
pub async fn site_bookings(db: &Db, site: SiteId, now: i64) -> sqlx::Result<Vec<PersonCourse>> {
    sqlx::query_as(
        "SELECT DISTINCT e.person_id, t.course_id, CAST(NULL AS BIGINT) AS completed_at,
                CAST(NULL AS BIGINT) AS expires_at
         FROM training_enrolments e JOIN training_sessions t ON t.id = e.session_id
         JOIN role_grants g ON g.person_id = e.person_id AND g.site_id = $1 AND g.role = 'worker'
         WHERE e.status <> 'cancelled' AND t.cancelled_at IS NULL AND t.ends_at > $2",
    )
    .bind(site)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// The site's days after which unfinished onboarding is behind (30 unless set).
pub async fn behind_days(db: &Db, site: SiteId) -> sqlx::Result<i64> {
    let d: Option<i64> =
        sqlx::query_scalar("SELECT behind_days FROM training_settings WHERE site_id = $1")
            .bind(site)
            .fetch_optional(&db.pool)
            .await?;
    Ok(d.unwrap_or(30))
}

/// Sets the site's days after which unfinished onboarding is behind.
pub async fn set_behind_days(tx: &mut Tx, site: SiteId, days: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO training_settings (site_id, behind_days) VALUES ($1, $2)
         ON CONFLICT (site_id) DO UPDATE SET behind_days = excluded.behind_days",
    )
    .bind(site)
    .bind(days)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The site a worker works at (their first worker grant).
pub async fn site_of_worker(db: &Db, person: PersonId) -> sqlx::Result<Option<SiteId>> {
    sqlx::query_scalar(
        "SELECT site_id FROM role_grants WHERE person_id = $1 AND role = 'worker'
         ORDER BY site_id LIMIT 1",
    )
    .bind(person)
    .fetch_optional(&db.pool)
    .await
}

/// Claims a reminder: true only for the one caller that inserts its row.
pub async fn claim_reminder(
    tx: &mut Tx,
    kind: &str,
    subject: i64,
    person: PersonId,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO training_reminders (kind, subject_id, person_id, sent_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(kind)
    .bind(subject)
    .bind(person)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// A completion whose expiry falls in [from, to), by its row id.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Expiring {
    pub id: i64,
    pub person_id: PersonId,
    pub course_id: CourseId,
    pub expires_at: i64,
}

/// Completions expiring in [from, to) with no later completion of the same course and no
/// `kind` reminder yet (a read: each is then claimed in a short transaction of its own).
pub async fn expiring(db: &Db, kind: &str, from: i64, to: i64) -> sqlx::Result<Vec<Expiring>> {
    sqlx::query_as(
        "SELECT c.id, c.person_id, c.course_id, c.expires_at FROM training_completions c
         WHERE c.expires_at >= $1 AND c.expires_at < $2
           AND NOT EXISTS (SELECT 1 FROM training_completions n
                           WHERE n.person_id = c.person_id AND n.course_id = c.course_id
                             AND n.completed_at > c.completed_at)
           AND NOT EXISTS (SELECT 1 FROM training_reminders r
                           WHERE r.kind = $3 AND r.subject_id = c.id)",
    )
    .bind(from)
    .bind(to)
    .bind(kind)
    .fetch_all(&db.pool)
    .await
}

/// Enrolments in sessions starting in [from, to) not yet reminded (a read).
pub async fn starting(
    db: &Db,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<(i64, PersonId, TrainingSessionId)>> {
    sqlx::query_as(
        "SELECT e.id, e.person_id, e.session_id FROM training_enrolments e
         JOIN training_sessions t ON t.id = e.session_id
         WHERE e.status = 'enrolled' AND t.cancelled_at IS NULL
           AND t.starts_at >= $1 AND t.starts_at < $2
           AND NOT EXISTS (SELECT 1 FROM training_reminders r
                           WHERE r.kind = 'session_eve' AND r.subject_id = e.id)",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// When a person registered.
pub async fn registered_at(db: &Db, person: PersonId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT created_at FROM persons WHERE id = $1")
        .bind(person)
        .fetch_one(&db.pool)
        .await
}

/// A person who may run a site's sessions.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TrainerRow {
    pub id: PersonId,
    pub name: String,
}

/// The active trainers and directors of a site, by name.
pub async fn trainers(db: &Db, site: SiteId) -> sqlx::Result<Vec<TrainerRow>> {
    sqlx::query_as(
        "SELECT DISTINCT p.id, p.name FROM persons p JOIN role_grants g ON g.person_id = p.id
         WHERE g.site_id = $1 AND g.role IN ('trainer', 'director') AND p.active = 1
         ORDER BY p.name, p.id",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await
}
