//! SQL of the attendance area: presence sessions (opened and closed by the kiosk's scan through
//! this area), timesheets, time entries, assignments and rates, corrections and the audit
//! trail. The lock of an approved month is the database's (migrations 0012 and 0014).

use crate::db::{Db, Tx};
use crate::ids::{
    AssignmentId, BookingId, CorrectionId, PersonId, PresenceId, ProjectId, SiteId, TeamId,
    TimeEntryId, TimesheetId,
};
use sqlx::AnyConnection;

/// A presence session at the site, as a month reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PresenceRow {
    pub id: PresenceId,
    pub person_id: PersonId,
    pub checked_in_at: i64,
    pub checked_out_at: Option<i64>,
    pub auto_closed: i64,
    /// The latest correction's status and proposed end, if any.
    pub correction_id: Option<CorrectionId>,
    pub correction: Option<String>,
    pub proposed_end: Option<i64>,
}

/// Presence sessions at a site that overlap [from, to), of one person or of everyone, by
/// check-in. A closed session is looked for from 31 days before the range (the forgotten
/// check-out job closes every session on its own day, so a longer one does not occur); an
/// open one whenever it began.
pub async fn presence(
    conn: &mut AnyConnection,
    person: Option<PersonId>,
    site: SiteId,
    (from, to): (i64, i64),
) -> sqlx::Result<Vec<PresenceRow>> {
    sqlx::query_as(
        "SELECT ps.id, ps.person_id, ps.checked_in_at, ps.checked_out_at, ps.auto_closed,
                c.id AS correction_id, c.status AS correction, c.proposed_end
           FROM presence_sessions ps
           LEFT JOIN presence_corrections c ON c.id =
                (SELECT MAX(id) FROM presence_corrections WHERE session_id = ps.id)
          WHERE ps.site_id = $1 AND ($2 = 0 OR ps.person_id = $2)
            AND ps.checked_in_at < $4
            AND ((ps.checked_in_at >= $3 AND ps.checked_out_at > $5) OR ps.checked_out_at IS NULL)
          ORDER BY ps.checked_in_at, ps.id",
    )
    .bind(site)
    .bind(person.map_or(0, |p| p.0))
    .bind(from - 31 * 86_400)
    .bind(to)
    .bind(from)
    .fetch_all(conn)
    .await
}

/// Opens a presence session; answers its id, or None when the person has an open one (the
/// `presence_open` index; DO NOTHING keeps a PostgreSQL transaction usable).
pub async fn open(
    tx: &mut Tx,
    site_id: SiteId,
    person_id: PersonId,
    booking_id: Option<BookingId>,
    at: i64,
) -> sqlx::Result<Option<PresenceId>> {
    sqlx::query_scalar(
        "INSERT INTO presence_sessions (site_id, person_id, booking_id, checked_in_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(site_id)
    .bind(person_id)
    .bind(booking_id)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await
}

/// Closes a presence session (by the system: flagged); whether it was open.
pub async fn close(
    tx: &mut Tx,
    session: PresenceId,
    at: i64,
    by_system: bool,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE presence_sessions SET checked_out_at = $1, auto_closed = $2
          WHERE id = $3 AND checked_out_at IS NULL",
    )
    .bind(at)
    .bind(i64::from(by_system))
    .bind(session)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// An open presence session, for the forgotten check-out job.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenRow {
    pub id: PresenceId,
    pub site_id: SiteId,
    pub person_id: PersonId,
    pub booking_id: Option<BookingId>,
    pub checked_in_at: i64,
}

/// Every open presence session that began before `before` (`open_person > 0`: a range of the
/// `presence_open` index, which holds the open sessions' persons and NULL for the others).
pub async fn open_before(db: &Db, before: i64) -> sqlx::Result<Vec<OpenRow>> {
    sqlx::query_as(
        "SELECT id, site_id, person_id, booking_id, checked_in_at FROM presence_sessions
          WHERE open_person > 0 AND checked_in_at < $1 ORDER BY id",
    )
    .bind(before)
    .fetch_all(&db.pool)
    .await
}

/// A session, with its person and site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: PresenceId,
    pub site_id: SiteId,
    pub person_id: PersonId,
    pub checked_in_at: i64,
    pub checked_out_at: Option<i64>,
    pub auto_closed: i64,
}

/// One session.
pub async fn session(tx: &mut Tx, id: PresenceId) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(
        "SELECT id, site_id, person_id, checked_in_at, checked_out_at, auto_closed
           FROM presence_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Sets a closed session's end (a confirmed correction).
pub async fn set_end(tx: &mut Tx, id: PresenceId, at: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE presence_sessions SET checked_out_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A timesheet: a worker's month at a site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TimesheetRow {
    pub id: TimesheetId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub month: String,
    pub status: String,
    pub submitted_at: Option<i64>,
    pub decided_by: Option<PersonId>,
    pub decided_at: Option<i64>,
    pub comment: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
}

const SHEET: &str = "SELECT id, person_id, site_id, month, status, submitted_at, decided_by,
                            decided_at, comment, starts_at, ends_at FROM timesheets";

/// The month's timesheet, if it exists yet.
pub async fn sheet_of(
    conn: &mut AnyConnection,
    person: PersonId,
    site: SiteId,
    month: &str,
) -> sqlx::Result<Option<TimesheetRow>> {
    sqlx::query_as(&format!(
        "{SHEET} WHERE person_id = $1 AND site_id = $2 AND month = $3"
    ))
    .bind(person)
    .bind(site)
    .bind(month)
    .fetch_optional(conn)
    .await
}

/// A timesheet by id.
pub async fn sheet(db: &Db, id: TimesheetId) -> sqlx::Result<Option<TimesheetRow>> {
    sqlx::query_as(&format!("{SHEET} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// A timesheet by id, locked until the transaction ends (its changes are serialised).
pub async fn sheet_locked(tx: &mut Tx, id: TimesheetId) -> sqlx::Result<Option<TimesheetRow>> {
    crate::db::lock_row(tx, "timesheets", id.0).await?;
    sqlx::query_as(&format!("{SHEET} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// The month's timesheet, created open if needed, locked until the transaction ends.
pub async fn sheet_for(
    tx: &mut Tx,
    person: PersonId,
    site: SiteId,
    month: &str,
    (starts_at, ends_at): (i64, i64),
) -> sqlx::Result<TimesheetRow> {
    let id: TimesheetId = sqlx::query_scalar(
        "INSERT INTO timesheets (person_id, site_id, month, starts_at, ends_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (person_id, site_id, month) DO UPDATE SET month = excluded.month
         RETURNING id",
    )
    .bind(person)
    .bind(site)
    .bind(month)
    .bind(starts_at)
    .bind(ends_at)
    .fetch_one(&mut **tx)
    .await?;
    sheet_locked(tx, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Moves a timesheet from one status to another; false when it was no longer in `from`.
pub async fn set_status(
    tx: &mut Tx,
    id: TimesheetId,
    (from, to): (&str, &str),
    by: PersonId,
    now: i64,
    comment: Option<&str>,
) -> sqlx::Result<bool> {
    let submitted = to == "submitted";
    let r = sqlx::query(
        "UPDATE timesheets SET status = $1,
                submitted_at = CASE WHEN $2 = 1 THEN $3 ELSE submitted_at END,
                decided_by = CASE WHEN $2 = 1 THEN decided_by ELSE $4 END,
                decided_at = CASE WHEN $2 = 1 THEN decided_at ELSE $3 END,
                comment = COALESCE($5, comment)
          WHERE id = $6 AND status = $7",
    )
    .bind(to)
    .bind(i64::from(submitted))
    .bind(now)
    .bind(by)
    .bind(comment)
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// One line of a timesheet's history.
pub struct Change<'a> {
    pub sheet: TimesheetId,
    pub entry: Option<TimeEntryId>,
    pub by: PersonId,
    pub what: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<&'a str>,
}

/// Writes one line of a timesheet's history.
pub async fn record(tx: &mut Tx, c: &Change<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO timesheet_changes
                (timesheet_id, entry_id, changed_by, changed_at, what, before_value, after_value, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(c.sheet)
    .bind(c.entry)
    .bind(c.by)
    .bind(now)
    .bind(c.what)
    .bind(c.before.as_deref())
    .bind(c.after.as_deref())
    .bind(c.reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A line of a timesheet's history, with who made the change.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChangeRow {
    pub id: i64,
    pub entry_id: Option<TimeEntryId>,
    pub changed_by: PersonId,
    pub changed_by_name: String,
    pub changed_at: i64,
    pub what: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub reason: Option<String>,
}

/// A timesheet's history, oldest first.
pub async fn history(db: &Db, sheet: TimesheetId) -> sqlx::Result<Vec<ChangeRow>> {
    sqlx::query_as(
        "SELECT c.id, c.entry_id, c.changed_by, p.name AS changed_by_name, c.changed_at, c.what,
                c.before_value, c.after_value, c.reason
           FROM timesheet_changes c JOIN persons p ON p.id = c.changed_by
          WHERE c.timesheet_id = $1 ORDER BY c.id",
    )
    .bind(sheet)
    .fetch_all(&db.pool)
    .await
}

/// A time entry with its timesheet's person and site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EntryRow {
    pub id: TimeEntryId,
    pub timesheet_id: TimesheetId,
    pub person_id: PersonId,
    pub kind: String,
    pub project_id: Option<ProjectId>,
    pub project_name: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub note: String,
}

const ENTRY: &str = "SELECT e.id, e.timesheet_id, t.person_id, e.kind, e.project_id,
                            p.name AS project_name, e.starts_at, e.ends_at, e.note
                       FROM time_entries e JOIN timesheets t ON t.id = e.timesheet_id
                       LEFT JOIN client_projects p ON p.id = e.project_id";

/// The entries of a site's month (of one person, or of everyone when `person` is None).
pub async fn entries(
    conn: &mut AnyConnection,
    person: Option<PersonId>,
    site: SiteId,
    month: &str,
) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(&format!(
        "{ENTRY} WHERE t.site_id = $1 AND t.month = $2 AND ($3 = 0 OR t.person_id = $3)
          ORDER BY e.starts_at, e.id"
    ))
    .bind(site)
    .bind(month)
    .bind(person.map_or(0, |p| p.0))
    .fetch_all(conn)
    .await
}

/// One entry.
pub async fn entry(tx: &mut Tx, id: TimeEntryId) -> sqlx::Result<Option<EntryRow>> {
    sqlx::query_as(&format!("{ENTRY} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// The person's entries (at any site) that overlap [from, to), but `except`.
pub async fn entries_overlapping(
    tx: &mut Tx,
    person: PersonId,
    (from, to): (i64, i64),
    except: TimeEntryId,
) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(&format!(
        "{ENTRY} WHERE t.person_id = $1 AND e.starts_at < $2 AND e.ends_at > $3 AND e.id <> $4"
    ))
    .bind(person)
    .bind(to)
    .bind(from)
    .bind(except)
    .fetch_all(&mut **tx)
    .await
}

/// The person's presence (at a site, or at any when None) that overlaps [from, to), as
/// spans; an open session counts up to `now`.
pub async fn presence_overlapping(
    tx: &mut Tx,
    person: PersonId,
    site: Option<SiteId>,
    (from, to): (i64, i64),
    now: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT checked_in_at, COALESCE(checked_out_at, $4) FROM presence_sessions
          WHERE person_id = $1 AND checked_in_at < $2 AND COALESCE(checked_out_at, $4) > $3
            AND ($5 = 0 OR site_id = $5)",
    )
    .bind(person)
    .bind(to)
    .bind(from)
    .bind(now)
    .bind(site.map_or(0, |s| s.0))
    .fetch_all(&mut **tx)
    .await
}

/// An entry's fields as written.
pub struct NewEntry<'a> {
    pub kind: &'a str,
    pub project: ProjectId,
    pub starts_at: i64,
    pub ends_at: i64,
    pub note: &'a str,
}

/// Adds an entry to a timesheet.
pub async fn insert_entry(
    tx: &mut Tx,
    sheet: TimesheetId,
    e: &NewEntry<'_>,
    by: PersonId,
    now: i64,
) -> sqlx::Result<TimeEntryId> {
    sqlx::query_scalar(
        "INSERT INTO time_entries (timesheet_id, kind, project_id, starts_at, ends_at, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(sheet)
    .bind(e.kind)
    .bind(e.project)
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(e.note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Changes an entry (it may move to another month's timesheet).
pub async fn update_entry(
    tx: &mut Tx,
    id: TimeEntryId,
    sheet: TimesheetId,
    e: &NewEntry<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE time_entries SET timesheet_id = $1, kind = $2, project_id = $3, starts_at = $4,
                ends_at = $5, note = $6 WHERE id = $7",
    )
    .bind(sheet)
    .bind(e.kind)
    .bind(e.project)
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(e.note)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes an entry.
pub async fn delete_entry(tx: &mut Tx, id: TimeEntryId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM time_entries WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An assignment of a worker to a client project, with its current rate.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: AssignmentId,
    pub person_id: PersonId,
    pub person_name: String,
    pub project_id: ProjectId,
    pub project_name: String,
    pub client_name: String,
    pub site_id: SiteId,
    pub starts_on: String,
    pub ends_on: Option<String>,
}

const ASSIGNMENT: &str = "SELECT a.id, a.person_id, pe.name AS person_name, a.project_id,
                                 p.name AS project_name, c.name AS client_name, c.site_id,
                                 a.starts_on, a.ends_on
                            FROM assignments a JOIN persons pe ON pe.id = a.person_id
                            JOIN client_projects p ON p.id = a.project_id
                            JOIN client_companies c ON c.id = p.client_id";

/// Assignments of a person (None: everyone) on projects of a site (None: every site).
pub async fn assignments(
    db: &Db,
    person: Option<PersonId>,
    site: Option<SiteId>,
) -> sqlx::Result<Vec<AssignmentRow>> {
    sqlx::query_as(&format!(
        "{ASSIGNMENT} WHERE ($1 = 0 OR a.person_id = $1) AND ($2 = 0 OR c.site_id = $2)
          ORDER BY pe.name, a.person_id, p.name, a.starts_on"
    ))
    .bind(person.map_or(0, |p| p.0))
    .bind(site.map_or(0, |s| s.0))
    .fetch_all(&db.pool)
    .await
}

/// One assignment.
pub async fn assignment(tx: &mut Tx, id: AssignmentId) -> sqlx::Result<Option<AssignmentRow>> {
    sqlx::query_as(&format!("{ASSIGNMENT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// The person's assignments to a project, as (starts_on, ends_on).
pub async fn periods(
    tx: &mut Tx,
    person: PersonId,
    project: ProjectId,
) -> sqlx::Result<Vec<(String, Option<String>)>> {
    sqlx::query_as(
        "SELECT starts_on, ends_on FROM assignments WHERE person_id = $1 AND project_id = $2",
    )
    .bind(person)
    .bind(project)
    .fetch_all(&mut **tx)
    .await
}

/// A new assignment.
pub struct NewAssignment<'a> {
    pub person: PersonId,
    pub project: ProjectId,
    pub starts_on: &'a str,
    pub ends_on: Option<&'a str>,
    pub by: PersonId,
}

/// Adds an assignment.
pub async fn insert_assignment(
    tx: &mut Tx,
    a: &NewAssignment<'_>,
    now: i64,
) -> sqlx::Result<AssignmentId> {
    sqlx::query_scalar(
        "INSERT INTO assignments (person_id, project_id, starts_on, ends_on, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(a.person)
    .bind(a.project)
    .bind(a.starts_on)
    .bind(a.ends_on)
    .bind(a.by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// A rate of an assignment, from its day on.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RateRow {
    pub assignment_id: AssignmentId,
    pub starts_on: String,
    pub yen_per_hour: i64,
}

/// The rates of the given assignments, by start.
pub async fn rates(db: &Db, of: &[AssignmentId]) -> sqlx::Result<Vec<RateRow>> {
    if of.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = of.iter().map(|a| a.0.to_string()).collect();
    sqlx::query_as(&format!(
        "SELECT assignment_id, starts_on, yen_per_hour FROM assignment_rates
          WHERE assignment_id IN ({}) ORDER BY assignment_id, starts_on",
        ids.join(",")
    ))
    .fetch_all(&db.pool)
    .await
}

/// Adds a rate; false when the assignment has one from that day already.
pub async fn insert_rate(
    tx: &mut Tx,
    assignment: AssignmentId,
    starts_on: &str,
    yen_per_hour: i64,
    by: PersonId,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO assignment_rates (assignment_id, starts_on, yen_per_hour, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(assignment)
    .bind(starts_on)
    .bind(yen_per_hour)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The latest approved month of a person at a site, if any ("2026-10").
pub async fn last_approved(
    tx: &mut Tx,
    person: PersonId,
    site: SiteId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT MAX(month) FROM timesheets WHERE person_id = $1 AND site_id = $2 AND status = 'approved'",
    )
    .bind(person)
    .bind(site)
    .fetch_one(&mut **tx)
    .await
}

/// The site a client project belongs to.
pub async fn project_site(tx: &mut Tx, project: ProjectId) -> sqlx::Result<Option<SiteId>> {
    sqlx::query_scalar(
        "SELECT c.site_id FROM client_projects p JOIN client_companies c ON c.id = p.client_id
          WHERE p.id = $1",
    )
    .bind(project)
    .fetch_optional(&mut **tx)
    .await
}

/// Whether the person is a worker of the site.
pub async fn works_at(tx: &mut Tx, person: PersonId, site: SiteId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_grants WHERE person_id = $1 AND site_id = $2 AND role = 'worker'",
    )
    .bind(person)
    .bind(site)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// A worker of a site as the month list shows them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkerRow {
    pub id: PersonId,
    pub name: String,
    pub member_number: Option<String>,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
}

/// The workers of a site, optionally of one team, by name.
pub async fn workers(db: &Db, site: SiteId, team: Option<TeamId>) -> sqlx::Result<Vec<WorkerRow>> {
    sqlx::query_as(
        "SELECT p.id, p.name, p.member_number, p.team_id, t.name AS team_name
           FROM role_grants g JOIN persons p ON p.id = g.person_id
           LEFT JOIN teams t ON t.id = p.team_id
          WHERE g.site_id = $1 AND g.role = 'worker' AND ($2 = 0 OR p.team_id = $2)
          ORDER BY p.name, p.id",
    )
    .bind(site)
    .bind(team.map_or(0, |t| t.0))
    .fetch_all(&db.pool)
    .await
}

/// The timesheets of a site's month.
pub async fn sheets(
    conn: &mut AnyConnection,
    site: SiteId,
    month: &str,
) -> sqlx::Result<Vec<TimesheetRow>> {
    sqlx::query_as(&format!("{SHEET} WHERE site_id = $1 AND month = $2"))
        .bind(site)
        .bind(month)
        .fetch_all(conn)
        .await
}

/// The teams at a site that the person leads.
pub async fn teams_led(db: &Db, person: PersonId, site: SiteId) -> sqlx::Result<Vec<TeamId>> {
    sqlx::query_scalar("SELECT id FROM teams WHERE leader_id = $1 AND site_id = $2")
        .bind(person)
        .bind(site)
        .fetch_all(&db.pool)
        .await
}

/// The person's team, if any.
pub async fn team_of(db: &Db, person: PersonId) -> sqlx::Result<Option<TeamId>> {
    Ok(
        sqlx::query_scalar::<_, Option<TeamId>>("SELECT team_id FROM persons WHERE id = $1")
            .bind(person)
            .fetch_optional(&db.pool)
            .await?
            .flatten(),
    )
}

/// Records a worker's proposed end of a session the system closed.
pub async fn propose(
    tx: &mut Tx,
    session: PresenceId,
    sheet: TimesheetId,
    end: i64,
    reason: &str,
    by: PersonId,
    now: i64,
) -> sqlx::Result<Option<CorrectionId>> {
    sqlx::query_scalar(
        "INSERT INTO presence_corrections (session_id, timesheet_id, proposed_end, reason, proposed_by, proposed_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(session)
    .bind(sheet)
    .bind(end)
    .bind(reason)
    .bind(by)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

/// A correction as a director decides it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CorrectionRow {
    pub id: CorrectionId,
    pub session_id: PresenceId,
    pub timesheet_id: TimesheetId,
    pub proposed_end: i64,
    pub status: String,
}

/// One correction.
pub async fn correction(tx: &mut Tx, id: CorrectionId) -> sqlx::Result<Option<CorrectionRow>> {
    sqlx::query_as(
        "SELECT id, session_id, timesheet_id, proposed_end, status FROM presence_corrections
          WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Decides a pending correction; false when it was decided already.
pub async fn decide(
    tx: &mut Tx,
    id: CorrectionId,
    status: &str,
    by: PersonId,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE presence_corrections SET status = $1, decided_by = $2, decided_at = $3
          WHERE id = $4 AND status = 'proposed'",
    )
    .bind(status)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// How many corrections of a timesheet wait for a director.
pub async fn pending_corrections(tx: &mut Tx, sheet: TimesheetId) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM presence_corrections WHERE timesheet_id = $1 AND status = 'proposed'",
    )
    .bind(sheet)
    .fetch_one(&mut **tx)
    .await
}

/// The month lists' versions of a site: per person, a random number drawn again (by
/// trigger, in the writing transaction) at every write to their sessions, corrections,
/// timesheets or entries there.
pub async fn versions(
    conn: &mut AnyConnection,
    site: SiteId,
) -> sqlx::Result<Vec<(PersonId, i64)>> {
    sqlx::query_as("SELECT person_id, version FROM attendance_versions WHERE site_id = $1")
        .bind(site)
        .fetch_all(conn)
        .await
}

/// The names of the given projects.
pub async fn project_names(
    conn: &mut AnyConnection,
    of: &[ProjectId],
) -> sqlx::Result<Vec<(ProjectId, String)>> {
    if of.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = of.iter().map(|p| p.0.to_string()).collect();
    sqlx::query_as(&format!(
        "SELECT id, name FROM client_projects WHERE id IN ({})",
        ids.join(",")
    ))
    .fetch_all(conn)
    .await
}

/// Every rate of every assignment on a project of the site: (person, project, first day,
/// yen an hour), by start.
pub async fn site_rates(
    db: &Db,
    site: SiteId,
) -> sqlx::Result<Vec<(PersonId, ProjectId, String, i64)>> {
    sqlx::query_as(
        "SELECT a.person_id, a.project_id, r.starts_on, r.yen_per_hour
           FROM assignment_rates r JOIN assignments a ON a.id = r.assignment_id
           JOIN client_projects p ON p.id = a.project_id
           JOIN client_companies c ON c.id = p.client_id
          WHERE c.site_id = $1
          ORDER BY a.person_id, a.project_id, a.id, r.starts_on",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await
}
