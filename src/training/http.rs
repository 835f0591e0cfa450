//! The training API: courses and the programme (directors and trainers), sessions (the
//! site's trainers), enrolment (workers), rosters and marks (trainers), one's own progress,
//! and the falling-behind list with its CSV.

use super::errors::{TrainingError, on_field};
use super::rules::{self, Attendance, Standing};
use super::store::{self, CourseFields, CourseRow, EnrolmentRow, SessionRow};
use super::{EnrolmentStatus, ManualMark, session_not_found};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{
    ApiError, ApiResult, CommonError, Json, Path, Query, Validator, invalid_code, parse_date,
    parse_time,
};
use crate::ids::{CourseId, EnrolmentId, PersonId, SiteId, SpaceId, TrainingSessionId};
use crate::sites::SpaceKind;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Every training route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_courses, create_course))
        .routes(routes!(update_course))
        .routes(routes!(get_programme, set_programme))
        .routes(routes!(list_sessions, create_session))
        .routes(routes!(cancel_session))
        .routes(routes!(enrol))
        .routes(routes!(cancel_enrolment))
        .routes(routes!(roster))
        .routes(routes!(mark))
        .routes(routes!(history))
        .routes(routes!(my_training))
        .routes(routes!(behind))
        .routes(routes!(behind_csv))
        .routes(routes!(get_settings, set_settings))
        .routes(routes!(list_trainers))
}

/// Someone who may run a site's sessions.
#[derive(Serialize, ToSchema)]
pub struct Trainer {
    id: PersonId,
    name: String,
}

/// The site's trainers and directors, for the trainer field of a session (its trainers and
/// directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/training/trainers", tag = "training",
    params(("id" = i64, Path)), responses((status = 200, body = [Trainer]), (status = 403)))]
async fn list_trainers(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Vec<Trainer>>> {
    who.require(site, &TRAINERS)?;
    let rows = store::trainers(&st.db, site).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Trainer {
                id: r.id,
                name: r.name,
            })
            .collect(),
    ))
}

/// A site's training settings.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Days after registration after which a worker whose onboarding is not complete is
    /// falling behind (0-365; default 30).
    behind_days: i64,
}

/// A site's training settings (its trainers and directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/training/settings", tag = "training",
    params(("id" = i64, Path)), responses((status = 200, body = Settings), (status = 403)))]
async fn get_settings(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<Settings>> {
    who.require(site, &TRAINERS)?;
    Ok(Json(Settings {
        behind_days: store::behind_days(&st.db, site).await?,
    }))
}

/// Changes a site's training settings (its directors).
#[utoipa::path(put, path = "/api/v1/sites/{id}/training/settings", tag = "training",
    params(("id" = i64, Path)), request_body = Settings,
    responses((status = 200, body = Settings), (status = 403), (status = 422)))]
async fn set_settings(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<Settings>,
) -> ApiResult<Json<Settings>> {
    who.require_director(site)?;
    if !(0..=365).contains(&input.behind_days) {
        return Err(invalid_code("behind_days", CommonError::OutOfRange)
            .with("min", 0)
            .with("max", 365));
    }
    crate::sites::store::get(&st.db, site).await?;
    let mut tx = st.db.begin().await?;
    store::set_behind_days(&mut tx, site, input.behind_days).await?;
    tx.commit().await?;
    Ok(Json(input))
}

/// Those who run a site's training.
pub const TRAINERS: [Role; 2] = [Role::Trainer, Role::Director];

fn tz_of(name: &str, site: SiteId) -> ApiResult<chrono_tz::Tz> {
    Ok(crate::sites::stored_time_zone(name, site)?)
}

fn local(at: i64, tz: chrono_tz::Tz) -> chrono::DateTime<chrono_tz::Tz> {
    chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
}

/// Refuses `who` a record of `site` (a course, session or enrolment) unless they hold one of
/// `roles` there: 403 to the site's other people, who can list it anyway; to anyone else the
/// record's 404, so that another site's ids say nothing.
fn require_here(
    who: &Principal,
    site: SiteId,
    roles: &[Role],
    missing: fn() -> ApiError,
) -> ApiResult<()> {
    if who.has(site, roles) {
        Ok(())
    } else if who.has(site, &Role::ALL) {
        Err(ApiError::forbidden())
    } else {
        Err(missing())
    }
}

/// The 404 of a course that does not exist or that the caller may not see.
fn course_not_found() -> ApiError {
    ApiError::not_found("講座", "Course")
}

/// A course is managed by the trainers and directors of its site; a course shared by every
/// site (no site) by administrators only.
fn require_course_manager(who: &Principal, site: Option<SiteId>) -> ApiResult<()> {
    let allowed = match site {
        Some(s) => who.has(s, &TRAINERS),
        None => who.is_admin,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// A course.
#[derive(Serialize, ToSchema)]
pub struct Course {
    id: CourseId,
    name_ja: String,
    name_en: String,
    description: String,
    /// onboarding or skill.
    kind: String,
    sessions_required: i64,
    minimum_minutes: i64,
    /// Months a completion stays current; null: never expires.
    validity_months: Option<i64>,
    active: bool,
    /// The site whose trainers and directors manage it; null: shared by every site.
    #[schema(value_type = Option<i64>)]
    site_id: Option<SiteId>,
}

impl From<CourseRow> for Course {
    fn from(c: CourseRow) -> Course {
        Course {
            id: c.id,
            name_ja: c.name_ja,
            name_en: c.name_en,
            description: c.description,
            kind: c.kind,
            sessions_required: c.sessions_required,
            minimum_minutes: c.minimum_minutes,
            validity_months: c.validity_months,
            active: c.active != 0,
            site_id: c.site_id,
        }
    }
}

/// A course as a director or trainer defines it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseInput {
    name_ja: String,
    name_en: String,
    #[serde(default)]
    description: String,
    kind: String,
    #[serde(default = "one")]
    sessions_required: i64,
    #[serde(default)]
    minimum_minutes: i64,
    validity_months: Option<i64>,
    #[serde(default = "yes")]
    active: bool,
    /// The site that manages the course (its trainers and directors); leave it out for a
    /// course shared by every site (administrators only). A course keeps its site.
    #[schema(value_type = Option<i64>)]
    site_id: Option<SiteId>,
}

fn one() -> i64 {
    1
}

fn yes() -> bool {
    true
}

impl CourseInput {
    fn fields(&self) -> ApiResult<CourseFields<'_>> {
        let mut v = Validator::new();
        v.text("name_ja", &self.name_ja, 1, 200);
        v.text("name_en", &self.name_en, 1, 200);
        v.text("description", &self.description, 0, 4000);
        if !matches!(self.kind.as_str(), "onboarding" | "skill") {
            v.reject("kind", TrainingError::BadKind);
        }
        let range = |v: &mut Validator, field: &str, x: i64, min: i64, max: i64| {
            if !(min..=max).contains(&x) {
                v.reject(field, CommonError::OutOfRange)
                    .with("min", min)
                    .with("max", max);
            }
        };
        range(&mut v, "sessions_required", self.sessions_required, 1, 50);
        range(&mut v, "minimum_minutes", self.minimum_minutes, 0, 24 * 60);
        if let Some(m) = self.validity_months {
            range(&mut v, "validity_months", m, 1, 120);
        }
        v.finish()?;
        Ok(CourseFields {
            name_ja: self.name_ja.trim(),
            name_en: self.name_en.trim(),
            description: &self.description,
            kind: &self.kind,
            sessions_required: self.sessions_required,
            minimum_minutes: self.minimum_minutes,
            validity_months: self.validity_months,
            active: self.active,
        })
    }
}

/// The courses shared by every site and those of the sites where one holds a role (anyone
/// logged in: workers read the names in their programme); administrators read every site's.
#[utoipa::path(get, path = "/api/v1/training/courses", tag = "training",
    responses((status = 200, body = [Course]), (status = 401)))]
async fn list_courses(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Vec<Course>>> {
    let list = store::courses(&st.db).await?;
    let mine = |c: &Course| c.site_id.is_none_or(|site| who.has(site, &Role::ALL));
    Ok(Json(
        list.into_iter().map(Course::from).filter(mine).collect(),
    ))
}

/// Defines a course (directors and trainers).
#[utoipa::path(post, path = "/api/v1/training/courses", tag = "training", request_body = CourseInput,
    responses((status = 201, body = Course), (status = 403), (status = 422)))]
async fn create_course(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<CourseInput>,
) -> ApiResult<(StatusCode, Json<Course>)> {
    require_course_manager(&who, input.site_id)?;
    let fields = input.fields()?;
    let mut tx = st.db.begin().await?;
    let id = store::insert_course(&mut tx, &fields, input.site_id, st.clock.epoch()).await?;
    let c = store::course(&mut *tx, id).await?;
    tx.commit().await?;
    let c = c.ok_or_else(|| anyhow::anyhow!("course {id} vanished"))?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Changes a course. Completions already granted keep the rules they were earned under.
#[utoipa::path(put, path = "/api/v1/training/courses/{id}", tag = "training", params(("id" = i64, Path)),
    request_body = CourseInput, responses((status = 200, body = Course), (status = 403), (status = 404), (status = 422)))]
async fn update_course(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<CourseId>,
    Json(input): Json<CourseInput>,
) -> ApiResult<Json<Course>> {
    let stored = store::course(&st.db.pool, id)
        .await?
        .ok_or_else(course_not_found)?;
    match stored.site_id {
        Some(site) => require_here(&who, site, &TRAINERS, course_not_found)?,
        None => require_course_manager(&who, None)?,
    }
    let fields = input.fields()?;
    let mut tx = st.db.begin().await?;
    if !store::update_course(&mut tx, id, &fields, st.clock.epoch()).await? {
        return Err(course_not_found());
    }
    let c = store::course(&mut *tx, id).await?;
    tx.commit().await?;
    let c = c.ok_or_else(|| anyhow::anyhow!("course {id} vanished"))?;
    Ok(Json(c.into()))
}

/// The site asked for (none: the programme of every site).
#[derive(Deserialize, IntoParams)]
pub struct SiteQuery {
    site_id: Option<SiteId>,
}

/// One required course of a programme.
#[derive(Serialize, ToSchema)]
#[schema(as = ProgrammeStep)]
pub struct Step {
    course_id: CourseId,
    /// Null: required at every site.
    site_id: Option<SiteId>,
    position: i64,
}

/// The onboarding programme of a site: the all-sites courses, then the site's own. The site's
/// own steps only for those who hold a role there, like the course list: another site's
/// answer is the shared steps, which says nothing about that site.
#[utoipa::path(get, path = "/api/v1/training/programme", tag = "training", params(SiteQuery),
    responses((status = 200, body = [Step]), (status = 401)))]
async fn get_programme(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<SiteQuery>,
) -> ApiResult<Json<Vec<Step>>> {
    let site = q.site_id.filter(|&site| who.has(site, &Role::ALL));
    let steps = store::programme(&st.db, site).await?;
    Ok(Json(
        steps
            .into_iter()
            .map(|s| Step {
                course_id: s.course_id,
                site_id: s.site_id,
                position: s.position,
            })
            .collect(),
    ))
}

/// A programme as set: its courses in order.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    /// Null: every site (administrators only).
    site_id: Option<SiteId>,
    course_ids: Vec<CourseId>,
}

/// Replaces a site's programme (its directors and trainers), or every site's (admins).
#[utoipa::path(put, path = "/api/v1/training/programme", tag = "training", request_body = ProgrammeInput,
    responses((status = 200, body = [Step]), (status = 403), (status = 422)))]
async fn set_programme(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<ProgrammeInput>,
) -> ApiResult<Json<Vec<Step>>> {
    match input.site_id {
        Some(site) => who.require(site, &TRAINERS)?,
        None => who.require_admin()?,
    }
    let ids = input.course_ids;
    let distinct: std::collections::HashSet<CourseId> = ids.iter().copied().collect();
    if distinct.len() != ids.len() || ids.len() > 50 {
        return Err(on_field(TrainingError::UnknownCourse, "course_ids"));
    }
    let mut tx = st.db.begin().await?;
    // A site's programme holds the shared courses and its own; every site's, only shared ones.
    for c in &ids {
        let fits = store::course(&mut *tx, *c)
            .await?
            .is_some_and(|row| row.site_id.is_none() || row.site_id == input.site_id);
        if !fits {
            return Err(on_field(TrainingError::UnknownCourse, "course_ids"));
        }
    }
    store::set_programme(&mut tx, input.site_id, &ids)
        .await
        .map_err(|e| {
            crate::error::on_constraint(e, |_| {
                Some(on_field(TrainingError::UnknownCourse, "course_ids"))
            })
        })?;
    tx.commit().await?;
    let steps = store::programme(&st.db, input.site_id).await?;
    Ok(Json(
        steps
            .into_iter()
            .filter(|s| s.site_id == input.site_id)
            .map(|s| Step {
                course_id: s.course_id,
                site_id: s.site_id,
                position: s.position,
            })
            .collect(),
    ))
}

/// A session, its times in the site's local time.
#[derive(Serialize, ToSchema)]
pub struct Session {
    id: TrainingSessionId,
    course_id: CourseId,
    course_name: String,
    site_id: SiteId,
    /// The room; null for an online session.
    space_id: Option<SpaceId>,
    room: Option<String>,
    online: bool,
    trainer_id: PersonId,
    trainer_name: String,
    /// Local date YYYY-MM-DD and times HH:MM.
    date: String,
    start: String,
    end: String,
    capacity: i64,
    enrolled: i64,
    waitlisted: i64,
    cancelled: bool,
}

impl Session {
    fn of(s: SessionRow, lang: crate::error::Lang) -> ApiResult<Session> {
        let tz = tz_of(&s.time_zone, s.site_id)?;
        let (a, b) = (local(s.starts_at, tz), local(s.ends_at, tz));
        Ok(Session {
            id: s.id,
            course_id: s.course_id,
            course_name: lang.pick(&s.course_ja, &s.course_en).to_string(),
            site_id: s.site_id,
            space_id: s.space_id,
            online: s.space_id.is_none(),
            room: s.room,
            trainer_id: s.trainer_id,
            trainer_name: s.trainer_name,
            date: a.format("%Y-%m-%d").to_string(),
            start: a.format("%H:%M").to_string(),
            end: b.format("%H:%M").to_string(),
            capacity: s.capacity,
            enrolled: s.enrolled,
            waitlisted: s.waitlisted,
            cancelled: s.cancelled_at.is_some(),
        })
    }
}

/// The days asked for.
#[derive(Deserialize, IntoParams)]
pub struct DaysQuery {
    /// First local date, YYYY-MM-DD.
    from: String,
    /// How many days (1 to 62; default 1).
    days: Option<i64>,
}

/// A site's sessions over some days (anyone with a role at the site).
#[utoipa::path(get, path = "/api/v1/sites/{id}/training/sessions", tag = "training",
    params(("id" = i64, Path), DaysQuery),
    responses((status = 200, body = [Session]), (status = 403), (status = 422)))]
async fn list_sessions(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<DaysQuery>,
) -> ApiResult<Json<Vec<Session>>> {
    who.require(site, &Role::ALL)?;
    let from = parse_date("from", &q.from)?;
    let days = q.days.unwrap_or(1);
    if !(1..=62).contains(&days) {
        return Err(invalid_code("days", CommonError::OutOfRange)
            .with("min", 1)
            .with("max", 62));
    }
    let schedule = super_schedule(&st, site).await?;
    let (f, _) = schedule.day_bounds(from);
    let (_, t) = schedule.day_bounds(from + chrono::Duration::days(days - 1));
    let lang = crate::error::Lang::current();
    let rows = store::sessions(&st.db, site, f, t).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| Session::of(s, lang))
            .collect::<ApiResult<_>>()?,
    ))
}

async fn super_schedule(st: &AppState, site: SiteId) -> ApiResult<crate::sites::rules::Schedule> {
    let s = crate::sites::store::get(&st.db, site).await?;
    if !s.active {
        return Err(ApiError::not_found("拠点", "Site"));
    }
    crate::sites::store::schedule(&st.db, &s).await
}

/// A session as a trainer schedules it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    course_id: CourseId,
    /// A room of the site; omitted or null: an online session.
    space_id: Option<SpaceId>,
    /// Local date YYYY-MM-DD, times HH:MM.
    date: String,
    start: String,
    end: String,
    capacity: i64,
    /// The trainer; default the caller.
    trainer_id: Option<PersonId>,
}

/// Schedules a session (the site's trainers and directors); a room is reserved through the
/// booking engine for the session's time.
#[utoipa::path(post, path = "/api/v1/sites/{id}/training/sessions", tag = "training",
    params(("id" = i64, Path)), request_body = SessionInput,
    responses((status = 201, body = Session), (status = 403), (status = 409, description = "training.room_taken"), (status = 422)))]
async fn create_session(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<SessionInput>,
) -> ApiResult<(StatusCode, Json<Session>)> {
    who.require(site, &TRAINERS)?;
    let schedule = super_schedule(&st, site).await?;
    let date = parse_date("date", &input.date)?;
    let start = parse_time("start", &input.start)?;
    let end = parse_time("end", &input.end)?;
    if end <= start {
        return Err(on_field(TrainingError::BadTimes, "end"));
    }
    match schedule.day(date).hours {
        Some(h) if h.open > start => {
            return Err(on_field(TrainingError::OutsideHours, "start"));
        }
        Some(h) if end > h.close => return Err(on_field(TrainingError::OutsideHours, "end")),
        Some(_) => {}
        None => return Err(on_field(TrainingError::OutsideHours, "date")),
    }
    let (Ok(from), Ok(to)) = (schedule.instant(date, start), schedule.instant(date, end)) else {
        return Err(on_field(TrainingError::OutsideHours, "start"));
    };
    if !(1..=500).contains(&input.capacity) {
        return Err(invalid_code("capacity", CommonError::OutOfRange)
            .with("min", 1)
            .with("max", 500));
    }
    let trainer = input.trainer_id.unwrap_or(who.id);
    let grants = crate::auth::store::grants_of(&st.db, trainer).await?;
    if !grants
        .iter()
        .any(|g| g.site_id == site && TRAINERS.contains(&g.role))
    {
        return Err(on_field(TrainingError::NotATrainer, "trainer_id"));
    }
    let room = match input.space_id {
        None => None,
        Some(id) => {
            let spaces = crate::sites::store::spaces(&st.db, site).await?;
            let room = spaces
                .into_iter()
                .find(|s| s.id == id && s.active)
                .filter(|s| matches!(s.kind, SpaceKind::Room | SpaceKind::MeetingRoom))
                .ok_or_else(|| on_field(TrainingError::NotARoom, "space_id"))?;
            Some(room)
        }
    };
    let plan = super::Schedule {
        course: input.course_id,
        site,
        room: input.space_id,
        trainer,
        range: (from, to),
        capacity: input.capacity,
        by: who.id,
    };
    let now = st.clock.now();
    let mut tx = st.db.begin().await?;
    let id = super::schedule(&mut tx, &plan, room.as_ref(), now).await?;
    let row = store::session(&mut *tx, id).await?;
    tx.commit().await?;
    let row = row.ok_or_else(|| anyhow::anyhow!("session {id} vanished"))?;
    Ok((
        StatusCode::CREATED,
        Json(Session::of(row, crate::error::Lang::current())?),
    ))
}

/// Cancels a session that has not started (a trainer of its site): the room is freed, every
/// place and waitlist entry is cancelled and each person gets an e-mail that takes it out
/// of their calendar. Cancelling again answers the cancelled session.
#[utoipa::path(post, path = "/api/v1/training/sessions/{id}/cancel", tag = "training",
    params(("id" = i64, Path)),
    responses((status = 200, body = Session), (status = 404), (status = 409, description = "training.session_past")))]
async fn cancel_session(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TrainingSessionId>,
) -> ApiResult<Json<Session>> {
    let s = store::session(&st.db.pool, id)
        .await?
        .ok_or_else(session_not_found)?;
    if !who.has(s.site_id, &TRAINERS) {
        return Err(session_not_found());
    }
    let mut tx = st.db.begin().await?;
    for person in super::cancel_session(&mut tx, &s, who.id, st.clock.now()).await? {
        super::notify::session_cancelled(&st, &mut tx, person, &s).await?;
    }
    let row = store::session(&mut *tx, id).await?;
    tx.commit().await?;
    let row = row.ok_or_else(session_not_found)?;
    Ok(Json(Session::of(row, crate::error::Lang::current())?))
}

/// A place in a session, or a waitlist entry.
#[derive(Serialize, ToSchema)]
pub struct Enrolment {
    id: EnrolmentId,
    session_id: TrainingSessionId,
    person_id: PersonId,
    status: EnrolmentStatus,
}

/// An enrolment request.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EnrolInput {
    /// Join the waitlist when the session is full (else 409 training.full).
    #[serde(default)]
    waitlist: bool,
}

/// Books a place in a session for oneself (anyone with a role at its site).
#[utoipa::path(post, path = "/api/v1/training/sessions/{id}/enrolments", tag = "training",
    params(("id" = i64, Path)), request_body = EnrolInput,
    responses((status = 201, body = Enrolment), (status = 404), (status = 409, description = "training.full, training.already_enrolled, training.session_past")))]
async fn enrol(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TrainingSessionId>,
    Json(input): Json<EnrolInput>,
) -> ApiResult<(StatusCode, Json<Enrolment>)> {
    let s = store::session(&st.db.pool, id)
        .await?
        .ok_or_else(session_not_found)?;
    if !who.has(s.site_id, &Role::ALL) {
        return Err(session_not_found());
    }
    let mut tx = st.db.begin().await?;
    let (eid, status) = super::enrol(&mut tx, id, who.id, input.waitlist, st.clock.now()).await?;
    super::notify::enrolled(
        &st,
        &mut tx,
        who.id,
        &s,
        status == EnrolmentStatus::Waitlisted,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Enrolment {
            id: eid,
            session_id: id,
            person_id: who.id,
            status,
        }),
    ))
}

/// Cancels an enrolment (its person, or the site's trainers); a freed place goes to the
/// first of the waitlist.
#[utoipa::path(delete, path = "/api/v1/training/enrolments/{id}", tag = "training",
    params(("id" = i64, Path)),
    responses((status = 200, body = Enrolment), (status = 404), (status = 409, description = "training.session_past")))]
async fn cancel_enrolment(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<EnrolmentId>,
) -> ApiResult<Json<Enrolment>> {
    let e = store::enrolment(&st.db.pool, id)
        .await?
        .ok_or_else(session_not_found)?;
    if e.person_id != who.id && !who.has(e.site_id, &TRAINERS) {
        return Err(session_not_found());
    }
    let mut tx = st.db.begin().await?;
    let promoted = super::cancel(&mut tx, &e, st.clock.now()).await?;
    if let Some(p) = promoted
        && let Some(next) = store::enrolment(&mut *tx, p).await?
        && let Some(s) = store::session(&mut *tx, e.session_id).await?
    {
        super::notify::enrolled(&st, &mut tx, next.person_id, &s, false).await?;
    }
    tx.commit().await?;
    Ok(Json(Enrolment {
        id,
        session_id: e.session_id,
        person_id: e.person_id,
        status: EnrolmentStatus::Cancelled,
    }))
}

/// One person on a session's roster.
#[derive(Serialize, ToSchema)]
pub struct RosterLine {
    enrolment_id: EnrolmentId,
    person_id: PersonId,
    name: String,
    status: EnrolmentStatus,
    attendance: Option<Attendance>,
    /// Local HH:MM of the kiosk scans.
    arrived: Option<String>,
    left: Option<String>,
    minutes_present: i64,
    late_minutes: i64,
    early_minutes: i64,
}

impl RosterLine {
    fn of(e: EnrolmentRow, tz: chrono_tz::Tz) -> ApiResult<RosterLine> {
        Ok(RosterLine {
            enrolment_id: e.id,
            person_id: e.person_id,
            status: EnrolmentStatus::stored(&e.status, e.id)?,
            attendance: e.attendance()?,
            arrived: e
                .arrived_at
                .map(|t| local(t, tz).format("%H:%M").to_string()),
            left: e.left_at.map(|t| local(t, tz).format("%H:%M").to_string()),
            minutes_present: e.minutes_present,
            late_minutes: e.late_minutes,
            early_minutes: e.early_minutes,
            name: e.person_name,
        })
    }
}

/// A session and its roster.
#[derive(Serialize, ToSchema)]
pub struct Roster {
    session: Session,
    people: Vec<RosterLine>,
}

async fn session_for_trainer(
    st: &AppState,
    who: &Principal,
    id: TrainingSessionId,
) -> ApiResult<SessionRow> {
    let s = store::session(&st.db.pool, id)
        .await?
        .ok_or_else(session_not_found)?;
    require_here(who, s.site_id, &TRAINERS, session_not_found)?;
    Ok(s)
}

/// A session's roster with the arrivals so far (the site's trainers and directors).
#[utoipa::path(get, path = "/api/v1/training/sessions/{id}/roster", tag = "training",
    params(("id" = i64, Path)),
    responses((status = 200, body = Roster), (status = 403), (status = 404)))]
async fn roster(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TrainingSessionId>,
) -> ApiResult<Json<Roster>> {
    let s = session_for_trainer(&st, &who, id).await?;
    let tz = tz_of(&s.time_zone, s.site_id)?;
    let people = store::roster(&st.db.pool, id)
        .await?
        .into_iter()
        .map(|e| RosterLine::of(e, tz))
        .collect::<ApiResult<_>>()?;
    Ok(Json(Roster {
        session: Session::of(s, crate::error::Lang::current())?,
        people,
    }))
}

/// A trainer's mark.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkInput {
    person_id: PersonId,
    attendance: String,
    /// Minutes present (present or late); default the whole session.
    minutes: Option<i64>,
    /// Why the mark is set by hand (kept in the record's history).
    reason: String,
}

/// Marks a person present, late, excused or absent by hand, with a reason (audited).
#[utoipa::path(post, path = "/api/v1/training/sessions/{id}/marks", tag = "training",
    params(("id" = i64, Path)), request_body = MarkInput,
    responses((status = 200, body = RosterLine), (status = 403), (status = 404), (status = 409, description = "training.not_started"), (status = 422, description = "training.not_enrolled")))]
async fn mark(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<TrainingSessionId>,
    Json(input): Json<MarkInput>,
) -> ApiResult<Json<RosterLine>> {
    let s = session_for_trainer(&st, &who, id).await?;
    let attendance = Attendance::parse(input.attendance.trim())
        .ok_or_else(|| on_field(TrainingError::BadMark, "attendance"))?;
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(on_field(TrainingError::ReasonRequired, "reason"));
    }
    let mut v = Validator::new();
    v.text("reason", reason, 1, 500);
    v.finish()?;
    if input.minutes.is_some_and(|m| !(0..=24 * 60).contains(&m)) {
        return Err(invalid_code("minutes", CommonError::OutOfRange)
            .with("min", 0)
            .with("max", 24 * 60));
    }
    let m = ManualMark {
        attendance,
        minutes: input.minutes,
        reason,
        by: who.id,
    };
    let tz = tz_of(&s.time_zone, s.site_id)?;
    let mut tx = st.db.begin().await?;
    let e = super::mark(&mut tx, &s, input.person_id, &m, st.clock.now()).await?;
    tx.commit().await?;
    Ok(Json(RosterLine::of(e, tz)?))
}

/// One change of an attendance.
#[derive(Serialize, ToSchema)]
pub struct HistoryLine {
    by_id: Option<PersonId>,
    by_name: Option<String>,
    /// kiosk or manual.
    source: String,
    before: String,
    after: String,
    reason: String,
    /// RFC 3339, UTC.
    at: String,
}

/// The history of an enrolment's attendance: every mark, who and when (trainers).
#[utoipa::path(get, path = "/api/v1/training/enrolments/{id}/history", tag = "training",
    params(("id" = i64, Path)),
    responses((status = 200, body = [HistoryLine]), (status = 403), (status = 404)))]
async fn history(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<EnrolmentId>,
) -> ApiResult<Json<Vec<HistoryLine>>> {
    let e = store::enrolment(&st.db.pool, id)
        .await?
        .ok_or_else(session_not_found)?;
    require_here(&who, e.site_id, &TRAINERS, session_not_found)?;
    let lines = store::history(&st.db, id).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| HistoryLine {
                by_id: l.by_id,
                by_name: l.by_name,
                source: l.source,
                before: l.before_state,
                after: l.after_state,
                reason: l.reason,
                at: chrono::DateTime::from_timestamp(l.at, 0)
                    .unwrap_or_default()
                    .to_rfc3339(),
            })
            .collect(),
    ))
}

/// A course on one's record.
#[derive(Serialize, ToSchema)]
pub struct ProgressLine {
    course_id: CourseId,
    course_name: String,
    /// Required by the onboarding programme.
    required: bool,
    /// done, next, overdue or later (required courses); done or later for others.
    standing: Standing,
    /// RFC 3339 of the latest completion, and when it expires (null: never).
    completed_at: Option<String>,
    expires_at: Option<String>,
    /// The next session booked in this course, if any.
    booked_session_id: Option<TrainingSessionId>,
}

/// One's training: the programme's courses with their standing, other completed courses,
/// and one's upcoming enrolments.
#[derive(Serialize, ToSchema)]
pub struct MyTraining {
    site_id: Option<SiteId>,
    courses: Vec<ProgressLine>,
    enrolments: Vec<MyEnrolment>,
}

/// An upcoming enrolment of one's own.
#[derive(Serialize, ToSchema)]
pub struct MyEnrolment {
    id: EnrolmentId,
    session_id: TrainingSessionId,
    course_id: CourseId,
    status: EnrolmentStatus,
    /// RFC 3339, UTC.
    starts_at: String,
    ends_at: String,
}

fn rfc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc3339()
}

/// One's onboarding progress and training record.
#[utoipa::path(get, path = "/api/v1/me/training", tag = "training",
    responses((status = 200, body = MyTraining), (status = 401)))]
async fn my_training(State(st): State<AppState>, who: Principal) -> ApiResult<Json<MyTraining>> {
    let now = st.clock.epoch();
    let site = store::site_of_worker(&st.db, who.id).await?;
    let steps = store::programme(&st.db, site).await?;
    let courses = store::courses(&st.db).await?;
    let done = store::completions(&st.db, who.id).await?;
    let mine = store::my_enrolments(&st.db, who.id, now).await?;
    let registered = store::registered_at(&st.db, who.id).await?;
    let behind_days = match site {
        Some(s) => store::behind_days(&st.db, s).await?,
        None => 30,
    };
    let lang = crate::error::Lang::current();
    let latest = |c: CourseId| done.iter().find(|d| d.course_id == c);
    let current = |c: CourseId| {
        latest(c).is_some_and(|d| rules::is_current(d.completed_at, d.expires_at, now))
    };
    let mut required: Vec<CourseId> = Vec::new();
    for s in &steps {
        if !required.contains(&s.course_id) {
            required.push(s.course_id);
        }
    }
    let flags: Vec<bool> = required.iter().map(|c| current(*c)).collect();
    let overdue = now - registered > behind_days * 86400;
    let standings = rules::standings(&flags, overdue);
    let name = |c: CourseId| {
        courses
            .iter()
            .find(|x| x.id == c)
            .map(|x| lang.pick(&x.name_ja, &x.name_en).to_string())
            .unwrap_or_default()
    };
    let line = |c: CourseId, required: bool, standing: Standing| ProgressLine {
        course_id: c,
        course_name: name(c),
        required,
        standing,
        completed_at: latest(c).map(|d| rfc(d.completed_at)),
        expires_at: latest(c).and_then(|d| d.expires_at).map(rfc),
        booked_session_id: mine
            .iter()
            .find(|e| e.course_id == c && e.starts_at > now)
            .map(|e| e.session_id),
    };
    let mut lines: Vec<ProgressLine> = required
        .iter()
        .zip(standings)
        .map(|(c, s)| line(*c, true, s))
        .collect();
    let mut others: Vec<CourseId> = done
        .iter()
        .map(|d| d.course_id)
        .filter(|c| !required.contains(c))
        .collect();
    others.dedup();
    for c in others {
        let s = if current(c) {
            Standing::Done
        } else {
            Standing::Later
        };
        lines.push(line(c, false, s));
    }
    let enrolments = mine
        .into_iter()
        .map(|e| {
            Ok(MyEnrolment {
                id: e.id,
                session_id: e.session_id,
                course_id: e.course_id,
                status: EnrolmentStatus::stored(&e.status, e.id)?,
                starts_at: rfc(e.starts_at),
                ends_at: rfc(e.ends_at),
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(Json(MyTraining {
        site_id: site,
        courses: lines,
        enrolments,
    }))
}

/// The filters of the falling-behind list.
#[derive(Deserialize, IntoParams)]
pub struct BehindQuery {
    team_id: Option<i64>,
    municipality_id: Option<i64>,
}

/// A worker falling behind, and why.
#[derive(Serialize, ToSchema)]
pub struct Behind {
    person_id: PersonId,
    name: String,
    email: String,
    team: Option<String>,
    /// Days since registration.
    days_registered: i64,
    /// Onboarding not complete after the site's days.
    onboarding_incomplete: bool,
    /// The next required course, with no session booked in it.
    next_course: Option<String>,
    next_unbooked: bool,
    /// A certificate expiring within 30 days (RFC 3339 of the earliest).
    expires_soon: Option<String>,
}

async fn behind_list(st: &AppState, site: SiteId, q: &BehindQuery) -> ApiResult<Vec<Behind>> {
    let now = st.clock.epoch();
    let days = store::behind_days(&st.db, site).await?;
    let steps = store::programme(&st.db, Some(site)).await?;
    let courses = store::courses(&st.db).await?;
    let workers = store::workers(&st.db, site, q.team_id, q.municipality_id).await?;
    let done = store::site_completions(&st.db, site).await?;
    let booked = store::site_bookings(&st.db, site, now).await?;
    let lang = crate::error::Lang::current();
    let mut required: Vec<CourseId> = Vec::new();
    for s in &steps {
        if !required.contains(&s.course_id) {
            required.push(s.course_id);
        }
    }
    let mut out = Vec::new();
    for w in workers {
        let mine: Vec<_> = done.iter().filter(|d| d.person_id == w.id).collect();
        let current = |c: CourseId| {
            mine.iter().any(|d| {
                d.course_id == c
                    && d.completed_at.is_some_and(|t| t <= now)
                    && d.expires_at.is_none_or(|e| e > now)
            })
        };
        let next = required.iter().copied().find(|c| !current(*c));
        let incomplete = next.is_some() && now - w.created_at > days * 86400;
        let unbooked = next.is_some_and(|c| {
            !booked
                .iter()
                .any(|b| b.person_id == w.id && b.course_id == c)
        });
        let soon = mine
            .iter()
            .filter_map(|d| d.expires_at)
            .filter(|e| *e > now && *e <= now + 30 * 86400)
            .min();
        if !(incomplete || unbooked || soon.is_some()) {
            continue;
        }
        out.push(Behind {
            person_id: w.id,
            name: w.name,
            email: w.email,
            team: w.team_name,
            days_registered: (now - w.created_at) / 86400,
            onboarding_incomplete: incomplete,
            next_course: next
                .and_then(|c| courses.iter().find(|x| x.id == c))
                .map(|x| lang.pick(&x.name_ja, &x.name_en).to_string()),
            next_unbooked: unbooked,
            expires_soon: soon.map(rfc),
        });
    }
    Ok(out)
}

/// Who is falling behind at a site: onboarding not complete after the site's days, no
/// session booked for the next required course, or a certificate expiring within 30 days
/// (the site's trainers and directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/training/behind", tag = "training",
    params(("id" = i64, Path), BehindQuery),
    responses((status = 200, body = [Behind]), (status = 403)))]
async fn behind(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<BehindQuery>,
) -> ApiResult<Json<Vec<Behind>>> {
    who.require(site, &TRAINERS)?;
    Ok(Json(behind_list(&st, site, &q).await?))
}

/// A CSV field, quoted when it holds a comma, a quote or a line break. A field a spreadsheet
/// would run as a formula (it starts with = + - @, a tab or a carriage return) is defused
/// with a leading apostrophe (OWASP's advice on CSV injection): names and course titles are
/// typed by people.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The falling-behind list as CSV (UTF-8, a header line, CRLF line ends).
#[utoipa::path(get, path = "/api/v1/sites/{id}/training/behind.csv", tag = "training",
    params(("id" = i64, Path), BehindQuery),
    responses((status = 200, body = String, content_type = "text/csv"), (status = 403)))]
async fn behind_csv(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<BehindQuery>,
) -> ApiResult<impl IntoResponse> {
    who.require(site, &TRAINERS)?;
    let list = behind_list(&st, site, &q).await?;
    let mut out = String::from(
        "person_id,name,email,team,days_registered,onboarding_incomplete,next_course,next_unbooked,expires_soon\r\n",
    );
    for b in list {
        let fields = [
            b.person_id.to_string(),
            b.name,
            b.email,
            b.team.unwrap_or_default(),
            b.days_registered.to_string(),
            b.onboarding_incomplete.to_string(),
            b.next_course.unwrap_or_default(),
            b.next_unbooked.to_string(),
            b.expires_soon.unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"training-behind.csv\"",
            ),
        ],
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_never_run_as_formulas() {
        for (raw, cell) in [
            ("佐藤 花子", "佐藤 花子"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=cmd|'/C calc'!A0", "'=cmd|'/C calc'!A0"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("=1,2", "\"'=1,2\""),
        ] {
            assert_eq!(csv_field(raw), cell, "{raw}");
        }
    }
}
