//! The attendance API: a worker's month, entries, corrections and submission; a site's months
//! for its directors (and team leaders, reading), their approval, return and reopening; the
//! history of a month; assignments and rates.

use super::entries::{self, Entry, Kind, parse_clock};
use super::errors::AttendanceError;
use super::month::{self, Frame, MonthView};
use super::rules::{Month, MonthStatus};
use super::sheet::{self, Step};
use super::store;
use super::{assignments, presence, schedule_of};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{
    ApiError, ApiResult, CommonError, Json, Path, Query, Validator, invalid_code, parse_date,
};
use crate::ids::{
    AssignmentId, CorrectionId, PersonId, PresenceId, ProjectId, SiteId, TeamId, TimeEntryId,
    TimesheetId,
};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of the attendance area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_month))
        .routes(routes!(submit))
        .routes(routes!(add_entry))
        .routes(routes!(change_entry, remove_entry))
        .routes(routes!(propose_end))
        .routes(routes!(my_assignments))
        .routes(routes!(site_months))
        .routes(routes!(person_month))
        .routes(routes!(approve))
        .routes(routes!(give_back))
        .routes(routes!(reopen))
        .routes(routes!(history))
        .routes(routes!(confirm_end))
        .routes(routes!(refuse_end))
        .routes(routes!(site_assignments, assign))
        .routes(routes!(add_rate))
}

#[derive(Deserialize, IntoParams)]
pub struct SiteQuery {
    /// The site whose month it is.
    site_id: i64,
}

fn parse_month(s: &str) -> ApiResult<Month> {
    Month::parse(s).ok_or_else(|| invalid_code("month", AttendanceError::BadMonth))
}

/// A worker of the site (their own month): others get a 404, as if the site had no month.
fn require_worker(who: &Principal, site: SiteId) -> ApiResult<()> {
    if who.has(site, &[Role::Worker]) {
        Ok(())
    } else {
        Err(ApiError::not_found("拠点", "Site"))
    }
}

/// Whether `who` may read `person`'s months at the site: the person, the site's directors,
/// the leader of the person's team.
async fn may_read(
    st: &AppState,
    who: &Principal,
    site: SiteId,
    person: PersonId,
) -> ApiResult<bool> {
    if who.id == person || who.has(site, &[Role::Director]) {
        return Ok(true);
    }
    let led = store::teams_led(&st.db, who.id, site).await?;
    Ok(!led.is_empty()
        && store::team_of(&st.db, person)
            .await?
            .is_some_and(|t| led.contains(&t)))
}

/// My month at a site: the minutes at the center per local day (from the kiosk), remote hours
/// and allocations per project, the flags to resolve before submitting, and its status.
#[utoipa::path(get, path = "/api/v1/me/months/{month}", tag = "attendance",
    params(("month" = String, Path, description = "YYYY-MM"), SiteQuery),
    responses((status = 200, body = MonthView), (status = 404, description = "not_found: a site where I do not work"),
              (status = 422, description = "validation: the month")))]
async fn my_month(
    State(st): State<AppState>,
    who: Principal,
    Path(month): Path<String>,
    Query(q): Query<SiteQuery>,
) -> ApiResult<Json<MonthView>> {
    let site = SiteId(q.site_id);
    require_worker(&who, site)?;
    let month = parse_month(&month)?;
    let schedule = schedule_of(&st.db, site).await?;
    let f = Frame::new(&schedule, site, month, st.clock.now())?;
    Ok(Json(month::of(&st.db, &f, who.id).await?))
}

/// Submits my month: once it is over, and when no flag is left (409 listing them).
#[utoipa::path(post, path = "/api/v1/me/months/{month}/submit", tag = "attendance",
    params(("month" = String, Path, description = "YYYY-MM"), SiteQuery),
    responses((status = 200, body = MonthView), (status = 404), (status = 409, description = "attendance.month_not_over, attendance.unresolved_flags, attendance.already_submitted, attendance.month_locked"),
              (status = 422)))]
async fn submit(
    State(st): State<AppState>,
    who: Principal,
    Path(month): Path<String>,
    Query(q): Query<SiteQuery>,
) -> ApiResult<Json<MonthView>> {
    let site = SiteId(q.site_id);
    require_worker(&who, site)?;
    let month = parse_month(&month)?;
    let schedule = schedule_of(&st.db, site).await?;
    let now = st.clock.now();
    let f = Frame::new(&schedule, site, month, now)?;
    let mut tx = st.db.begin().await?;
    sheet::submit(&mut tx, &f, who.id, now).await?;
    tx.commit().await?;
    Ok(Json(month::of(&st.db, &f, who.id).await?))
}

/// Remote hours, or center time allocated to a project, as the worker enters them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    /// remote or center.
    kind: String,
    /// The local day, YYYY-MM-DD.
    date: String,
    /// "09:00".
    start: String,
    /// "12:30"; "24:00" for midnight.
    end: String,
    project_id: i64,
    /// What was done (required for remote hours).
    #[serde(default)]
    note: String,
    /// Why, when the month was reopened (required then).
    reason: Option<String>,
}

impl EntryInput {
    fn parse(&self) -> ApiResult<Entry> {
        let mut v = Validator::new();
        let kind = Kind::parse(&self.kind);
        if kind.is_none() {
            v.reject("kind", CommonError::Validation);
        }
        let min_note = usize::from(kind == Some(Kind::Remote));
        v.text("note", &self.note, min_note, 500);
        if let Some(r) = &self.reason {
            v.text("reason", r, 0, 500);
        }
        v.finish()?;
        Ok(Entry {
            kind: kind.unwrap_or(Kind::Remote),
            date: parse_date("date", &self.date)?,
            start: parse_clock("start", &self.start)?,
            end: parse_clock("end", &self.end)?,
            project: ProjectId(self.project_id),
            note: self.note.clone(),
            reason: self.reason.clone(),
        })
    }
}

/// A new record's id.
#[derive(Serialize, ToSchema)]
#[schema(as = NewId)]
pub struct Created {
    id: i64,
}

/// Adds remote hours or an allocation of center time to my month.
#[utoipa::path(post, path = "/api/v1/me/time-entries", tag = "attendance",
    params(SiteQuery), request_body = EntryInput,
    responses((status = 201, body = Created), (status = 404), (status = 409, description = "attendance.month_locked, attendance.already_submitted"),
              (status = 422, description = "the field: attendance.in_future, attendance.overlap, attendance.overlaps_presence, attendance.outside_presence, attendance.not_assigned, attendance.before_assignment, attendance.end_before_start")))]
async fn add_entry(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<SiteQuery>,
    Json(input): Json<EntryInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let site = SiteId(q.site_id);
    require_worker(&who, site)?;
    let entry = input.parse()?;
    let schedule = schedule_of(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    let id = entries::add(&mut tx, &schedule, (who.id, site), &entry, st.clock.now()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// Changes one of my entries.
#[utoipa::path(put, path = "/api/v1/me/time-entries/{id}", tag = "attendance",
    params(("id" = i64, Path), SiteQuery), request_body = EntryInput,
    responses((status = 204), (status = 404), (status = 409), (status = 422)))]
async fn change_entry(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TimeEntryId>,
    Query(q): Query<SiteQuery>,
    Json(input): Json<EntryInput>,
) -> ApiResult<StatusCode> {
    let site = SiteId(q.site_id);
    require_worker(&who, site)?;
    let entry = input.parse()?;
    let schedule = schedule_of(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    entries::change(
        &mut tx,
        &schedule,
        (who.id, site),
        id,
        &entry,
        st.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct RemoveQuery {
    site_id: i64,
    /// Why, when the month was reopened (required then).
    reason: Option<String>,
}

/// Removes one of my entries.
#[utoipa::path(delete, path = "/api/v1/me/time-entries/{id}", tag = "attendance",
    params(("id" = i64, Path), RemoveQuery),
    responses((status = 204), (status = 404), (status = 409), (status = 422)))]
async fn remove_entry(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TimeEntryId>,
    Query(q): Query<RemoveQuery>,
) -> ApiResult<StatusCode> {
    let site = SiteId(q.site_id);
    require_worker(&who, site)?;
    let mut v = Validator::new();
    v.text("reason", q.reason.as_deref().unwrap_or(""), 0, 500);
    v.finish()?;
    let schedule = schedule_of(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    entries::remove(
        &mut tx,
        &schedule,
        who.id,
        id,
        q.reason.as_deref(),
        st.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The real end of a session the system closed, as the worker remembers it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndInput {
    /// "18:30" on the day of the check-in ("24:00" for midnight).
    end: String,
    reason: String,
}

/// Proposes the real end of one of my sessions that the system closed; a director confirms.
#[utoipa::path(post, path = "/api/v1/me/presence/{id}/correction", tag = "attendance",
    params(("id" = i64, Path), SiteQuery), request_body = EndInput,
    responses((status = 201, body = Created), (status = 404), (status = 409, description = "attendance.not_closed_by_system, attendance.already_proposed, attendance.month_locked"), (status = 422)))]
async fn propose_end(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<PresenceId>,
    Query(q): Query<SiteQuery>,
    Json(input): Json<EndInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let site = SiteId(q.site_id);
    require_worker(&who, site)?;
    let mut v = Validator::new();
    v.text("reason", &input.reason, 1, 500);
    v.finish()?;
    let end = parse_clock("end", &input.end)?;
    let schedule = schedule_of(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    let made = presence::propose(
        &mut tx,
        (&schedule, site),
        who.id,
        id,
        (end, input.reason.trim()),
        st.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id: made.0 })))
}

/// A rate of an assignment, from its day on.
#[derive(Serialize, ToSchema)]
pub struct Rate {
    /// YYYY-MM-DD.
    starts_on: String,
    yen_per_hour: i64,
}

/// A worker's assignment to a client project.
#[derive(Serialize, ToSchema)]
pub struct Assignment {
    #[schema(value_type = i64)]
    id: AssignmentId,
    #[schema(value_type = i64)]
    person_id: PersonId,
    person_name: String,
    #[schema(value_type = i64)]
    project_id: ProjectId,
    project_name: String,
    client_name: String,
    #[schema(value_type = i64)]
    site_id: SiteId,
    starts_on: String,
    ends_on: Option<String>,
    /// Every rate, oldest first: each applies from its day until the next.
    rates: Vec<Rate>,
}

async fn assignment_views(
    st: &AppState,
    person: Option<PersonId>,
    site: Option<SiteId>,
) -> ApiResult<Vec<Assignment>> {
    let rows = store::assignments(&st.db, person, site).await?;
    let ids: Vec<AssignmentId> = rows.iter().map(|a| a.id).collect();
    let rates = store::rates(&st.db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|a| Assignment {
            rates: rates
                .iter()
                .filter(|r| r.assignment_id == a.id)
                .map(|r| Rate {
                    starts_on: r.starts_on.clone(),
                    yen_per_hour: r.yen_per_hour,
                })
                .collect(),
            id: a.id,
            person_id: a.person_id,
            person_name: a.person_name,
            project_id: a.project_id,
            project_name: a.project_name,
            client_name: a.client_name,
            site_id: a.site_id,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
        })
        .collect())
}

/// The projects I may put hours on, with their periods and rates.
#[utoipa::path(get, path = "/api/v1/me/assignments", tag = "attendance",
    responses((status = 200, body = Vec<Assignment>), (status = 401)))]
async fn my_assignments(
    State(st): State<AppState>,
    who: Principal,
) -> ApiResult<Json<Vec<Assignment>>> {
    Ok(Json(assignment_views(&st, Some(who.id), None).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct MonthsQuery {
    team_id: Option<i64>,
    project_id: Option<i64>,
    /// open, submitted, returned, approved or reopened.
    status: Option<String>,
}

/// A worker's month in a site's list.
#[derive(Serialize, ToSchema)]
pub struct MonthRow {
    #[schema(value_type = i64)]
    person_id: PersonId,
    name: String,
    member_number: Option<String>,
    #[schema(value_type = Option<i64>)]
    team_id: Option<TeamId>,
    team_name: Option<String>,
    #[schema(value_type = Option<i64>)]
    timesheet_id: Option<TimesheetId>,
    status: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    submitted_at: Option<DateTime<Utc>>,
    total_center_minutes: i64,
    total_remote_minutes: i64,
    total_minutes: i64,
    unallocated_minutes: i64,
    /// How many flags are unresolved.
    flags: usize,
}

/// A site's month, every worker (directors), or their team's (team leaders, reading).
#[utoipa::path(get, path = "/api/v1/sites/{id}/months/{month}", tag = "attendance",
    params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM"), MonthsQuery),
    responses((status = 200, body = Vec<MonthRow>), (status = 403), (status = 422)))]
async fn site_months(
    State(st): State<AppState>,
    who: Principal,
    Path((site, month)): Path<(SiteId, String)>,
    Query(q): Query<MonthsQuery>,
) -> ApiResult<Json<Vec<MonthRow>>> {
    let month = parse_month(&month)?;
    let team = q.team_id.map(TeamId);
    let teams: Option<Vec<TeamId>> = if who.has(site, &[Role::Director]) {
        None
    } else {
        let led = store::teams_led(&st.db, who.id, site).await?;
        if led.is_empty() || team.is_some_and(|t| !led.contains(&t)) {
            return Err(ApiError::forbidden());
        }
        Some(led)
    };
    let status = match q.status.as_deref() {
        Some(s) => Some(
            MonthStatus::parse(s).ok_or_else(|| invalid_code("status", CommonError::Validation))?,
        ),
        None => None,
    };
    let workers: Vec<store::WorkerRow> = store::workers(&st.db, site, team)
        .await?
        .into_iter()
        .filter(|w| {
            teams
                .as_ref()
                .is_none_or(|t| w.team_id.is_some_and(|x| t.contains(&x)))
        })
        .collect();
    let schedule = schedule_of(&st.db, site).await?;
    let f = Frame::new(&schedule, site, month, st.clock.now())?;
    let ids: Vec<PersonId> = workers.iter().map(|w| w.id).collect();
    let views = month::of_site(&st.db, &f, &ids).await?;
    let rows = workers
        .into_iter()
        .zip(views)
        .filter(|(_, v)| status.is_none_or(|s| v.status == s.as_str()))
        .filter(|(_, v)| {
            q.project_id
                .is_none_or(|p| v.projects.iter().any(|x| x.project_id == ProjectId(p)))
        })
        .map(|(w, v)| MonthRow {
            person_id: w.id,
            name: w.name,
            member_number: w.member_number,
            team_id: w.team_id,
            team_name: w.team_name,
            timesheet_id: v.timesheet_id,
            status: v.status.clone(),
            submitted_at: v.submitted_at,
            total_center_minutes: v.total_center_minutes,
            total_remote_minutes: v.total_remote_minutes,
            total_minutes: v.total_minutes,
            unallocated_minutes: v.unallocated_minutes,
            flags: v.flags.len(),
        })
        .collect();
    Ok(Json(rows))
}

/// One worker's month at a site (the worker, the site's directors, their team's leader).
#[utoipa::path(get, path = "/api/v1/sites/{id}/months/{month}/people/{person_id}", tag = "attendance",
    params(("id" = i64, Path), ("month" = String, Path, description = "YYYY-MM"), ("person_id" = i64, Path)),
    responses((status = 200, body = MonthView), (status = 403), (status = 422)))]
async fn person_month(
    State(st): State<AppState>,
    who: Principal,
    Path((site, month, person)): Path<(SiteId, String, PersonId)>,
) -> ApiResult<Json<MonthView>> {
    let month = parse_month(&month)?;
    if !may_read(&st, &who, site, person).await? {
        return Err(ApiError::forbidden());
    }
    let schedule = schedule_of(&st.db, site).await?;
    let f = Frame::new(&schedule, site, month, st.clock.now())?;
    Ok(Json(month::of(&st.db, &f, person).await?))
}

/// A director's word on a month.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// A comment to the worker (required when returning), or the reason of a reopening
    /// (required then).
    #[serde(default)]
    comment: String,
}

/// Where a month stands after a director's step.
#[derive(Serialize, ToSchema)]
pub struct Decided {
    #[schema(value_type = i64)]
    timesheet_id: TimesheetId,
    status: String,
}

async fn decide(
    st: &AppState,
    who: &Principal,
    id: TimesheetId,
    step: Step,
    comment: &str,
) -> ApiResult<Json<Decided>> {
    let mut v = Validator::new();
    let required = usize::from(matches!(step, Step::Return | Step::Reopen));
    v.text("comment", comment, required, 1000);
    v.finish()?;
    let comment = Some(comment.trim()).filter(|c| !c.is_empty());
    let mut tx = st.db.begin().await?;
    let s = sheet::locked(&mut tx, id).await?;
    who.require_director(s.site_id)?;
    // Nobody decides their own month (an administrator may).
    if s.person_id == who.id && !who.is_admin {
        return Err(ApiError::forbidden());
    }
    // (A month not submitted gets its own answer from the step below.)
    if step == Step::Approve && s.status == MonthStatus::Submitted.as_str() {
        if store::pending_corrections(&mut tx, id).await? > 0 {
            return Err(AttendanceError::CorrectionPending.into());
        }
        // Presence may have changed since the submission (a kiosk's offline scan, the job).
        let month = parse_month(&s.month)?;
        let schedule = schedule_of(&st.db, s.site_id).await?;
        let f = Frame::new(&schedule, s.site_id, month, st.clock.now())?;
        sheet::require_no_flags(&mut tx, &f, s.person_id).await?;
    }
    let s = sheet::step(&mut tx, s, step, who.id, comment, st.clock.now()).await?;
    if matches!(step, Step::Approve | Step::Return) {
        super::notify::decided(
            st,
            &mut tx,
            (s.person_id, s.site_id),
            &s.month,
            step == Step::Approve,
            comment,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(Decided {
        timesheet_id: s.id,
        status: s.status,
    }))
}

/// Approves a submitted month (its site's directors): the month is locked from then on.
#[utoipa::path(post, path = "/api/v1/timesheets/{id}/approve", tag = "attendance",
    params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Decided), (status = 403), (status = 404), (status = 409, description = "attendance.not_submitted, attendance.month_locked, attendance.correction_pending")))]
async fn approve(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TimesheetId>,
    Json(d): Json<Decision>,
) -> ApiResult<Json<Decided>> {
    decide(&st, &who, id, Step::Approve, &d.comment).await
}

/// Returns a submitted month to the worker, with a comment (its site's directors).
#[utoipa::path(post, path = "/api/v1/timesheets/{id}/return", tag = "attendance",
    params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Decided), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn give_back(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TimesheetId>,
    Json(d): Json<Decision>,
) -> ApiResult<Json<Decided>> {
    decide(&st, &who, id, Step::Return, &d.comment).await
}

/// Reopens an approved month, with a reason (its site's directors); every change after it
/// is recorded.
#[utoipa::path(post, path = "/api/v1/timesheets/{id}/reopen", tag = "attendance",
    params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Decided), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn reopen(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TimesheetId>,
    Json(d): Json<Decision>,
) -> ApiResult<Json<Decided>> {
    decide(&st, &who, id, Step::Reopen, &d.comment).await
}

/// A line of a month's history.
#[derive(Serialize, ToSchema)]
#[schema(as = TimesheetHistoryLine)]
pub struct HistoryLine {
    #[schema(value_type = Option<i64>)]
    entry_id: Option<TimeEntryId>,
    #[schema(value_type = i64)]
    changed_by: PersonId,
    changed_by_name: String,
    #[schema(value_type = String, format = DateTime)]
    changed_at: DateTime<Utc>,
    /// submitted, returned, approved, reopened, entry_added, entry_changed, entry_removed,
    /// end_proposed, end_confirmed, end_refused.
    what: String,
    before: Option<String>,
    after: Option<String>,
    reason: Option<String>,
}

/// A month's history: every step and every change after its first submission (the worker,
/// the site's directors, the team's leader).
#[utoipa::path(get, path = "/api/v1/timesheets/{id}/history", tag = "attendance",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<HistoryLine>), (status = 404)))]
async fn history(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TimesheetId>,
) -> ApiResult<Json<Vec<HistoryLine>>> {
    let Some(s) = store::sheet(&st.db, id).await? else {
        return Err(ApiError::not_found("勤務表", "Timesheet"));
    };
    if !may_read(&st, &who, s.site_id, s.person_id).await? {
        return Err(ApiError::not_found("勤務表", "Timesheet"));
    }
    let lines = store::history(&st.db, id).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|c| HistoryLine {
                entry_id: c.entry_id,
                changed_by: c.changed_by,
                changed_by_name: c.changed_by_name,
                changed_at: DateTime::from_timestamp(c.changed_at, 0).unwrap_or_default(),
                what: c.what,
                before: c.before_value,
                after: c.after_value,
                reason: c.reason,
            })
            .collect(),
    ))
}

async fn decide_end(
    st: &AppState,
    who: &Principal,
    id: CorrectionId,
    confirm: bool,
) -> ApiResult<StatusCode> {
    let mut tx = st.db.begin().await?;
    presence::decide(&mut tx, who, id, confirm, st.clock.now()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirms a worker's proposed end of a session the system closed (the site's directors).
#[utoipa::path(post, path = "/api/v1/presence-corrections/{id}/confirm", tag = "attendance",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
async fn confirm_end(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<CorrectionId>,
) -> ApiResult<StatusCode> {
    decide_end(&st, &who, id, true).await
}

/// Refuses a worker's proposed end: the system's time stays (the site's directors).
#[utoipa::path(post, path = "/api/v1/presence-corrections/{id}/refuse", tag = "attendance",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409)))]
async fn refuse_end(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<CorrectionId>,
) -> ApiResult<StatusCode> {
    decide_end(&st, &who, id, false).await
}

/// The assignments on a site's projects (its directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/assignments", tag = "attendance",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Assignment>), (status = 403)))]
async fn site_assignments(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Vec<Assignment>>> {
    who.require_director(site)?;
    Ok(Json(assignment_views(&st, None, Some(site)).await?))
}

/// An assignment as a director gives it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    person_id: i64,
    project_id: i64,
    /// YYYY-MM-DD.
    starts_on: String,
    ends_on: Option<String>,
    yen_per_hour: i64,
}

fn check_yen(v: &mut Validator, yen: i64) {
    if !(1..=100_000).contains(&yen) {
        v.reject("yen_per_hour", CommonError::OutOfRange)
            .with("min", 1)
            .with("max", 100_000);
    }
}

/// Assigns a worker of the site to one of its projects at a rate (its directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/assignments", tag = "attendance",
    params(("id" = i64, Path)), request_body = AssignInput,
    responses((status = 201, body = Created), (status = 403), (status = 409), (status = 422)))]
async fn assign(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<AssignInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    who.require_director(site)?;
    let mut v = Validator::new();
    check_yen(&mut v, input.yen_per_hour);
    v.finish()?;
    let a = assignments::Assign {
        site,
        person: PersonId(input.person_id),
        project: ProjectId(input.project_id),
        starts_on: parse_date("starts_on", &input.starts_on)?,
        ends_on: match &input.ends_on {
            Some(d) => Some(parse_date("ends_on", d)?),
            None => None,
        },
        yen_per_hour: input.yen_per_hour,
        by: who.id,
    };
    let mut tx = st.db.begin().await?;
    let id = assignments::assign(&mut tx, &a, st.clock.epoch()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// A new rate of an assignment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    /// YYYY-MM-DD: the rate applies from this day on, never backwards.
    starts_on: String,
    yen_per_hour: i64,
}

/// Adds a rate to an assignment from a day on (the site's directors); a rate that would
/// change an approved month is a 409.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/rates", tag = "attendance",
    params(("id" = i64, Path)), request_body = RateInput,
    responses((status = 201), (status = 403), (status = 404), (status = 409, description = "attendance.rate_backdated, attendance.rate_taken"), (status = 422)))]
async fn add_rate(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<AssignmentId>,
    Json(input): Json<RateInput>,
) -> ApiResult<StatusCode> {
    let mut v = Validator::new();
    check_yen(&mut v, input.yen_per_hour);
    v.finish()?;
    let starts_on = parse_date("starts_on", &input.starts_on)?;
    let mut tx = st.db.begin().await?;
    let a = store::assignment(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("担当", "Assignment"))?;
    who.require_director(a.site_id)?;
    assignments::add_rate(
        &mut tx,
        (a.site_id, a.person_id, id),
        starts_on,
        input.yen_per_hour,
        who.id,
        st.clock.epoch(),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}
