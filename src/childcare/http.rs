//! The childcare API.

use super::notify::ChildcareNews;
use super::rules::{self, AgeBasis, SEGMENT_SECS};
use super::store::{self, AuthorisedRow, ChildRow, NewPlace, ShiftRow};
use super::{
    Child, ChildcarePlace, View, as_places, as_shifts, full, hhmm, load_day, run_waitlist, settings,
};
use crate::AppState;
use crate::auth::{Principal, Role, password};
use crate::booking::{self, SiteContext, Target, rules as booking_rules};
use crate::error::{
    ApiError, ApiResult, FieldError, Json, Path, Query, Text, Validator, invalid, on_constraint,
    parse_date, parse_time,
};
use crate::sites;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, TimeZone, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_children, create_child))
        .routes(routes!(get_child, update_child))
        .routes(routes!(list_authorised, add_authorised))
        .routes(routes!(update_authorised))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_shifts, create_shift))
        .routes(routes!(update_shift, delete_shift))
        .routes(routes!(book_places, my_places))
        .routes(routes!(cancel_place))
        .routes(routes!(drop_off))
        .routes(routes!(pick_up))
        .routes(routes!(day))
        .routes(routes!(segments))
        .routes(routes!(room_availability))
}

const STAFF: [Role; 4] = [
    Role::Reception,
    Role::Caregiver,
    Role::Trainer,
    Role::Director,
];
const CARERS: [Role; 2] = [Role::Caregiver, Role::Director];

fn child_not_found() -> ApiError {
    ApiError::not_found("お子さま", "Child")
}

fn place_not_found() -> ApiError {
    ApiError::not_found("託児予約", "Childcare booking")
}

/// Whether `who` holds the caregiver role itself at the site. Not `Principal::has`, which
/// counts a global administrator as holding every role: allergies and medical notes go to
/// the child's guardians and caregivers only, never to directors or administrators as such
/// (a director who needs them for an incident takes a caregiver role at the site).
fn cares_at(who: &Principal, site_id: i64) -> bool {
    who.grants
        .iter()
        .any(|g| g.site_id.0 == site_id && g.role == Role::Caregiver)
}

/// How much of a child `who` may see: guardians and caregivers of a site where the child has
/// a place see everything; the site's other staff (and administrators) see the name.
async fn view_of(st: &AppState, who: &Principal, c: &ChildRow) -> ApiResult<View> {
    if c.guardian_ids.contains(&who.id.0) {
        return Ok(View::Full);
    }
    let sites = store::sites_of_child(&st.db, c.id).await?;
    if sites.iter().any(|s| cares_at(who, *s)) {
        Ok(View::Full)
    } else if sites.iter().any(|s| who.has(*s, &STAFF)) {
        Ok(View::NameOnly)
    } else {
        Err(child_not_found())
    }
}

async fn guardian_child(st: &AppState, who: &Principal, id: i64) -> ApiResult<ChildRow> {
    let c = store::child(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    if c.guardian_ids.contains(&who.id.0) {
        Ok(c)
    } else {
        Err(child_not_found())
    }
}

// ---- children

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    name: Option<String>,
    name_kana: Option<String>,
    /// YYYY-MM-DD
    birth_date: Option<String>,
    allergies: Option<String>,
    medical_notes: Option<String>,
    active: Option<bool>,
}

/// My children.
#[utoipa::path(get, path = "/api/v1/children", tag = "childcare", responses((status = 200, body = [Child])))]
async fn my_children(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Vec<Child>>> {
    let rows = store::children_of(&st.db, who.id.0).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| Child::from_row(c, View::Full))
            .collect(),
    ))
}

async fn save_child(
    st: &AppState,
    who: &Principal,
    mut c: ChildRow,
    input: ChildInput,
) -> ApiResult<Child> {
    c.name = input.name.unwrap_or(c.name).trim().to_string();
    c.name_kana = input.name_kana.unwrap_or(c.name_kana).trim().to_string();
    c.birth_date = input.birth_date.unwrap_or(c.birth_date).trim().to_string();
    c.allergies = input.allergies.unwrap_or(c.allergies).trim().to_string();
    c.medical_notes = input
        .medical_notes
        .unwrap_or(c.medical_notes)
        .trim()
        .to_string();
    c.active = input.active.unwrap_or(c.active);
    let mut v = Validator::new();
    v.text("name", &c.name, 1, 100);
    v.text("name_kana", &c.name_kana, 0, 100);
    v.text("allergies", &c.allergies, 0, 1000);
    v.text("medical_notes", &c.medical_notes, 0, 2000);
    let today = st.clock.now().date_naive();
    let birth = NaiveDate::parse_from_str(&c.birth_date, "%Y-%m-%d").ok();
    v.check(
        birth.is_some_and(|b| b <= today && rules::completed_years(b, today) < 13),
        "birth_date",
        "child.bad_birth_date",
        Text::new(
            "生年月日を YYYY-MM-DD で入力してください(12歳まで)。",
            "Give the birth date as YYYY-MM-DD (children up to 12).",
        ),
    );
    v.finish()?;
    let id = store::save_child(&st.db, &c, who.id.0, st.clock.epoch()).await?;
    let saved = store::child(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    Ok(Child::from_row(saved, View::Full))
}

/// Registers a child of mine.
#[utoipa::path(post, path = "/api/v1/children", tag = "childcare", request_body = ChildInput,
    responses((status = 201, body = Child), (status = 422)))]
async fn create_child(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<ChildInput>,
) -> ApiResult<(StatusCode, Json<Child>)> {
    let blank = ChildRow {
        id: 0,
        name: String::new(),
        name_kana: String::new(),
        birth_date: String::new(),
        allergies: String::new(),
        medical_notes: String::new(),
        active: true,
        guardian_ids: vec![],
    };
    Ok((
        StatusCode::CREATED,
        Json(save_child(&st, &who, blank, input).await?),
    ))
}

/// A child: everything for guardians and the caregivers of a site where the child has a
/// place; the name for that site's other staff (directors and administrators included).
#[utoipa::path(get, path = "/api/v1/children/{id}", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = Child), (status = 404)))]
async fn get_child(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Child>> {
    let c = store::child(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    let view = view_of(&st, &who, &c).await?;
    Ok(Json(Child::from_row(c, view)))
}

/// Changes my child's record.
#[utoipa::path(patch, path = "/api/v1/children/{id}", tag = "childcare", params(("id" = i64, Path)), request_body = ChildInput,
    responses((status = 200, body = Child), (status = 404)))]
async fn update_child(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<ChildInput>,
) -> ApiResult<Json<Child>> {
    let c = guardian_child(&st, &who, id).await?;
    Ok(Json(save_child(&st, &who, c, input).await?))
}

/// An adult allowed to collect a child.
#[derive(Serialize, ToSchema)]
pub struct Authorised {
    id: i64,
    child_id: i64,
    name: String,
    relation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    active: bool,
}

fn authorised_view(a: AuthorisedRow, view: View) -> Authorised {
    Authorised {
        id: a.id,
        child_id: a.child_id,
        name: a.name,
        relation: a.relation,
        phone: (view == View::Full).then_some(a.phone),
        active: a.active,
    }
}

/// Who may collect the child (guardians and the site's caregivers).
#[utoipa::path(get, path = "/api/v1/children/{id}/authorised", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = [Authorised]), (status = 404)))]
async fn list_authorised(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Authorised>>> {
    let c = store::child(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    if view_of(&st, &who, &c).await? != View::Full {
        return Err(child_not_found());
    }
    let list = store::authorised_of(&st.db, id).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| authorised_view(a, View::Full))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisedInput {
    name: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    phone: String,
}

/// The new authorised person and their pick-up code, shown only this once.
#[derive(Serialize, ToSchema)]
pub struct AuthorisedCreated {
    authorised: Authorised,
    pickup_code: String,
}

/// Allows an adult to collect my child; answers their pick-up code (shown once).
#[utoipa::path(post, path = "/api/v1/children/{id}/authorised", tag = "childcare", params(("id" = i64, Path)), request_body = AuthorisedInput,
    responses((status = 201, body = AuthorisedCreated), (status = 404)))]
async fn add_authorised(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<AuthorisedInput>,
) -> ApiResult<(StatusCode, Json<AuthorisedCreated>)> {
    guardian_child(&st, &who, id).await?;
    let mut v = Validator::new();
    v.text("name", &input.name, 1, 100);
    v.text("relation", &input.relation, 0, 50);
    v.text("phone", &input.phone, 0, 20);
    v.finish()?;
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32));
    let mut a = AuthorisedRow {
        id: 0,
        child_id: id,
        name: input.name.trim().into(),
        relation: input.relation.trim().into(),
        phone: input.phone.trim().into(),
        pickup_code_hash: password::token_hash(&format!("{id}:{code}")),
        active: true,
    };
    a.id = store::insert_authorised(&st.db, &a, st.clock.epoch()).await?;
    Ok((
        StatusCode::CREATED,
        Json(AuthorisedCreated {
            authorised: authorised_view(a, View::Full),
            pickup_code: code,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveInput {
    active: bool,
}

/// Withdraws (or restores) an adult's permission to collect my child.
#[utoipa::path(patch, path = "/api/v1/authorised-persons/{id}", tag = "childcare", params(("id" = i64, Path)), request_body = ActiveInput,
    responses((status = 200, body = Authorised), (status = 404)))]
async fn update_authorised(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<ActiveInput>,
) -> ApiResult<Json<Authorised>> {
    let a = store::authorised(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    guardian_child(&st, &who, a.child_id).await?;
    store::set_authorised_active(&st.db, id, input.active).await?;
    let a = store::authorised(&st.db, id)
        .await?
        .ok_or_else(child_not_found)?;
    Ok(Json(authorised_view(a, View::Full)))
}

// ---- settings

/// A site's childcare standard.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsView {
    /// Children per caregiver: [under 1, ages 1-2, age 3, 4 and older].
    ratios: [u32; 4],
    min_staff: u32,
    /// "age" (completed years on the day) or "class" (on April 1 of the fiscal year).
    age_basis: String,
    /// A place must lie within the guardian's own booking at the site.
    within_booking: bool,
    /// A place may stay when its desk booking is cancelled.
    keep_on_desk_cancel: bool,
    /// The childcare room's capacity (set on the space).
    #[serde(default)]
    room_max: u32,
}

fn settings_view(s: &store::Settings) -> SettingsView {
    SettingsView {
        ratios: s.standard.ratios,
        min_staff: s.standard.min_staff,
        age_basis: if s.standard.basis == AgeBasis::Class {
            "class"
        } else {
            "age"
        }
        .into(),
        within_booking: s.within_booking,
        keep_on_desk_cancel: s.keep_on_desk_cancel,
        room_max: s.standard.room_max,
    }
}

/// The site's childcare standard (its staff).
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare-settings", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = SettingsView)))]
async fn get_settings(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<i64>,
) -> ApiResult<Json<SettingsView>> {
    who.require(site, &STAFF)?;
    Ok(Json(settings_view(&settings(&st, site).await?)))
}

/// Sets the site's childcare standard (its directors).
#[utoipa::path(put, path = "/api/v1/sites/{id}/childcare-settings", tag = "childcare", params(("id" = i64, Path)), request_body = SettingsView,
    responses((status = 200, body = SettingsView), (status = 422)))]
async fn put_settings(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<i64>,
    Json(input): Json<SettingsView>,
) -> ApiResult<Json<SettingsView>> {
    who.require_director(site)?;
    let mut s = settings(&st, site).await?;
    let mut v = Validator::new();
    v.check(
        input.ratios.iter().all(|r| (1..=50).contains(r)) && (1..=10).contains(&input.min_staff),
        "ratios",
        "validation.out_of_range",
        Text::new(
            "比率は1〜50、最低人数は1〜10です。",
            "Ratios are 1 to 50; the minimum staff 1 to 10.",
        ),
    );
    v.check(
        matches!(input.age_basis.as_str(), "age" | "class"),
        "age_basis",
        "validation.bad_choice",
        Text::new("age か class を選んでください。", "Choose age or class."),
    );
    v.finish()?;
    s.standard.ratios = input.ratios;
    s.standard.min_staff = input.min_staff;
    s.standard.basis = if input.age_basis == "class" {
        AgeBasis::Class
    } else {
        AgeBasis::Age
    };
    s.within_booking = input.within_booking;
    s.keep_on_desk_cancel = input.keep_on_desk_cancel;
    store::put_settings(&st.db, site, &s).await?;
    Ok(Json(settings_view(&settings(&st, site).await?)))
}

// ---- shifts

/// A caregiver on duty for a time range.
#[derive(Serialize, ToSchema)]
pub struct Shift {
    id: i64,
    site_id: i64,
    person_id: i64,
    date: String,
    start: String,
    end: String,
}

fn shift_view(s: &ShiftRow, tz: chrono_tz::Tz) -> Shift {
    let local = |t: i64| {
        Utc.timestamp_opt(t, 0)
            .single()
            .unwrap_or_default()
            .with_timezone(&tz)
    };
    Shift {
        id: s.id,
        site_id: s.site_id,
        person_id: s.person_id,
        date: local(s.starts_at).date_naive().to_string(),
        start: local(s.starts_at).format("%H:%M").to_string(),
        end: local(s.ends_at).format("%H:%M").to_string(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DateQuery {
    /// Local date, YYYY-MM-DD.
    date: String,
}

/// Caregiver shifts of a day (the site's staff).
#[utoipa::path(get, path = "/api/v1/sites/{id}/caregiver-shifts", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = [Shift])))]
async fn list_shifts(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<i64>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Vec<Shift>>> {
    who.require(site, &STAFF)?;
    let ctx = SiteContext::load(&st, site).await?;
    let (from, to) = ctx.schedule.day_bounds(parse_date("date", &q.date)?);
    // A read: a plain transaction, which on SQLite does not take the write lock.
    let mut tx = st.db.begin_read().await?;
    let list = store::shifts(&mut tx, site, from, to).await?;
    tx.commit().await?;
    Ok(Json(
        list.iter()
            .filter(|s| s.starts_at >= from)
            .map(|s| shift_view(s, ctx.schedule.tz))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftInput {
    person_id: Option<i64>,
    date: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

/// Refuses a shift change that leaves a booked segment short, listing each such segment and
/// the children in it.
async fn check_shift_change(
    tx: &mut crate::db::Tx,
    ctx: &SiteContext,
    standard: &rules::Standard,
    changed: &ShiftRow,
    delete: bool,
    span: (i64, i64),
) -> ApiResult<()> {
    let (held, shifts) = load_day(tx, ctx.site.id.0, span.0, span.1).await?;
    let mut after: Vec<rules::Duty> = shifts
        .iter()
        .filter(|s| s.id != changed.id)
        .map(|s| (s.person_id, s.starts_at, s.ends_at))
        .collect();
    if !delete {
        after.push((changed.person_id, changed.starts_at, changed.ends_at));
    }
    let places = as_places(&held);
    let local = |s: i64| hhmm(s, ctx.schedule.tz);
    let start = span.0 - span.0.rem_euclid(SEGMENT_SECS);
    let mut errors = Vec::new();
    for at in (start..span.1).step_by(SEGMENT_SECS as usize) {
        let (counts, on_duty) = rules::segment(at, &places, &after);
        if !rules::fits(&counts, on_duty, standard) {
            let names: Vec<&str> = held
                .iter()
                .filter(|p| p.starts_at < at + SEGMENT_SECS && p.ends_at > at)
                .map(|p| p.child_name.as_str())
                .collect();
            let list = names.join(", ");
            errors.push(FieldError {
                field: local(at),
                code: "childcare.shift_change_leaves_segment_short",
                message: Text::new(
                    format!(
                        "{}: 保育士 {} 人では足りません({})",
                        local(at),
                        on_duty,
                        list
                    ),
                    format!(
                        "{}: {} caregiver(s) is not enough ({})",
                        local(at),
                        on_duty,
                        list
                    ),
                ),
            });
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::Client {
        status: StatusCode::CONFLICT,
        code: "childcare.shift_change_leaves_segment_short",
        detail: Text::new(
            format!(
                "この変更では{}の時間帯で保育士が足りなくなります。",
                errors.len()
            ),
            format!(
                "This change would leave {} segment(s) short of caregivers.",
                errors.len()
            ),
        ),
        errors,
        retry_after: None,
    })
}

async fn save_shift(
    st: &AppState,
    who: &Principal,
    site: i64,
    mut s: ShiftRow,
    input: ShiftInput,
    delete: bool,
) -> ApiResult<Option<Shift>> {
    who.require_director(site)?;
    let ctx = SiteContext::load(st, site).await?;
    let cc = settings(st, site).await?;
    let old = (s.starts_at, s.ends_at);
    if !delete {
        let local = Utc
            .timestamp_opt(s.starts_at, 0)
            .single()
            .unwrap_or_default()
            .with_timezone(&ctx.schedule.tz);
        let date = parse_date(
            "date",
            input
                .date
                .as_deref()
                .unwrap_or(&local.date_naive().to_string()),
        )?;
        let start = parse_time(
            "start",
            input
                .start
                .as_deref()
                .unwrap_or(&local.format("%H:%M").to_string()),
        )?;
        let end_default = Utc
            .timestamp_opt(s.ends_at, 0)
            .single()
            .unwrap_or_default()
            .with_timezone(&ctx.schedule.tz)
            .format("%H:%M")
            .to_string();
        let end = parse_time("end", input.end.as_deref().unwrap_or(&end_default))?;
        let (from, to) = match (
            ctx.schedule.instant(date, start),
            ctx.schedule.instant(date, end),
        ) {
            (Ok(f), Ok(t)) if t > f => (f.timestamp(), t.timestamp()),
            _ => {
                return Err(invalid(
                    "end",
                    "childcare.bad_shift",
                    Text::new(
                        "終了は開始より後にしてください。",
                        "The end must be after the start.",
                    ),
                ));
            }
        };
        s.starts_at = from;
        s.ends_at = to;
        if let Some(p) = input.person_id {
            s.person_id = p;
        }
        let caregiver = crate::auth::store::grants_of(&st.db, s.person_id).await?;
        if !caregiver
            .iter()
            .any(|g| g.site_id.0 == site && g.role == Role::Caregiver)
        {
            return Err(invalid(
                "person_id",
                "childcare.not_a_caregiver",
                Text::new(
                    "この拠点の保育士を選んでください。",
                    "Choose a caregiver of this site.",
                ),
            ));
        }
    }
    let mut tx = st.db.begin().await?;
    sites::store::lock(&mut tx, site).await?;
    if s.id != 0 {
        let span = (old.0.min(s.starts_at), old.1.max(s.ends_at));
        check_shift_change(&mut tx, &ctx, &cc.standard, &s, delete, span).await?;
    }
    let id = store::save_shift(&mut tx, &s, who.id.0, delete)
        .await
        .map_err(|e| {
            on_constraint(e, |c| {
                (c == "caregiver_shifts_no_overlap").then(shift_overlap)
            })
        })?;
    run_waitlist(st, &mut tx, site, &cc, st.clock.epoch()).await?;
    tx.commit().await?;
    if delete {
        return Ok(None);
    }
    let saved = store::shift(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("シフト", "Shift"))?;
    Ok(Some(shift_view(&saved, ctx.schedule.tz)))
}

/// The refusal of a shift that overlaps another of the same caregiver at the site: one
/// person is on duty once, however many rows say so.
fn shift_overlap() -> ApiError {
    let text = Text::new(
        "この保育士はその時間にすでにシフトがあります。",
        "This caregiver already has a shift at that time.",
    );
    ApiError::Client {
        status: StatusCode::CONFLICT,
        code: "childcare.shift_overlap",
        detail: text.clone(),
        errors: vec![FieldError {
            field: "start".into(),
            code: "childcare.shift_overlap",
            message: text,
        }],
        retry_after: None,
    }
}

/// Plans a caregiver's shift (the site's directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/caregiver-shifts", tag = "childcare", params(("id" = i64, Path)), request_body = ShiftInput,
    responses((status = 201, body = Shift), (status = 409, description = "childcare.shift_overlap"), (status = 422)))]
async fn create_shift(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<i64>,
    Json(input): Json<ShiftInput>,
) -> ApiResult<(StatusCode, Json<Shift>)> {
    who.require_director(site)?;
    let (Some(person), Some(_), Some(_), Some(_)) =
        (input.person_id, &input.date, &input.start, &input.end)
    else {
        return Err(invalid(
            "person_id",
            "validation.required",
            Text::new(
                "保育士、日付、開始、終了を入力してください。",
                "Give the caregiver, date, start and end.",
            ),
        ));
    };
    let blank = ShiftRow {
        id: 0,
        site_id: site,
        person_id: person,
        starts_at: 0,
        ends_at: 0,
    };
    let shift = save_shift(&st, &who, site, blank, input, false)
        .await?
        .ok_or_else(|| ApiError::not_found("シフト", "Shift"))?;
    Ok((StatusCode::CREATED, Json(shift)))
}

/// Moves or shortens a shift; refused when a booked segment would be short of caregivers.
#[utoipa::path(patch, path = "/api/v1/caregiver-shifts/{id}", tag = "childcare", params(("id" = i64, Path)), request_body = ShiftInput,
    responses((status = 200, body = Shift), (status = 409, description = "childcare.shift_change_leaves_segment_short, childcare.shift_overlap")))]
async fn update_shift(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<ShiftInput>,
) -> ApiResult<Json<Shift>> {
    let s = store::shift(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("シフト", "Shift"))?;
    let site = s.site_id;
    let shift = save_shift(&st, &who, site, s, input, false)
        .await?
        .ok_or_else(|| ApiError::not_found("シフト", "Shift"))?;
    Ok(Json(shift))
}

/// Removes a shift; refused when a booked segment would be short of caregivers.
#[utoipa::path(delete, path = "/api/v1/caregiver-shifts/{id}", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, description = "childcare.shift_change_leaves_segment_short")))]
async fn delete_shift(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let s = store::shift(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("シフト", "Shift"))?;
    let site = s.site_id;
    let input = ShiftInput {
        person_id: None,
        date: None,
        start: None,
        end: None,
    };
    save_shift(&st, &who, site, s, input, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- places

/// The desk to book with the childcare place.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskWish {
    space_id: Option<i64>,
    #[serde(default)]
    attributes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacesRequest {
    site_id: i64,
    date: String,
    start: String,
    end: String,
    child_ids: Vec<i64>,
    /// Book a desk too, in the same transaction: both or neither.
    desk: Option<DeskWish>,
    /// When the room is full: join the waitlist instead of failing.
    #[serde(default)]
    waitlist: bool,
    /// When waitlisted: keep the desk booking anyway.
    #[serde(default)]
    keep_desk: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PlacesResult {
    desk: Option<booking::Booking>,
    /// Whether the desk booked with the places is the worker's usual one.
    usual_desk: bool,
    places: Vec<ChildcarePlace>,
    waitlisted: bool,
}

/// Books childcare places for my children, with a desk in the same request if asked: both
/// are booked or neither. A full room is refused (`childcare.full`) or, when asked, joins the
/// waitlist.
#[utoipa::path(post, path = "/api/v1/childcare/bookings", tag = "childcare", request_body = PlacesRequest,
    responses((status = 201, body = PlacesResult), (status = 409, description = "childcare.full, childcare.not_within_booking, booking.*")))]
pub async fn book_places(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<PlacesRequest>,
) -> ApiResult<(StatusCode, Json<PlacesResult>)> {
    who.require(req.site_id, &Role::ALL)?;
    let date = parse_date("date", &req.date)?;
    let (start, end) = (
        parse_time("start", &req.start)?,
        parse_time("end", &req.end)?,
    );
    if req.child_ids.is_empty() || req.child_ids.len() > 10 {
        return Err(invalid(
            "child_ids",
            "validation.required",
            Text::new("お子さまを選んでください。", "Choose at least one child."),
        ));
    }
    let ctx = SiteContext::load(&st, req.site_id).await?;
    let cc = settings(&st, req.site_id).await?;
    let now = st.clock.now();
    let (from, to) = booking_rules::check(&ctx.schedule, &ctx.policy, now, date, start, end)
        .map_err(|r| ctx.refuse(r, date, start))?;
    let (f, t) = (from.timestamp(), to.timestamp());
    let mut children = Vec::new();
    for id in &req.child_ids {
        let c = guardian_child(&st, &who, *id).await?;
        if !c.active {
            return Err(child_not_found());
        }
        children.push((c.id, super::age_group(&c.birth_date, date, &cc.standard)?));
    }
    let spaces = sites::store::spaces(&st.db, req.site_id).await?;
    let mut tx = st.db.begin().await?;
    booking::store::lock_for_booking(&mut tx, ctx.site_id(), who.id).await?;
    for (child, _) in &children {
        if store::child_places(&mut tx, *child, f, t).await? > 0 {
            return Err(ApiError::conflict(
                "childcare.child_overlap",
                Text::new(
                    "このお子さまはその時間にすでに予約があります。",
                    "This child already has a place at that time.",
                ),
            ));
        }
    }
    let (held, shifts) = load_day(&mut tx, req.site_id, f, t).await?;
    let mut places = as_places(&held);
    places.extend(children.iter().map(|(_, g)| (*g, f, t)));
    let short = rules::first_short_segment(f, t, &places, &as_shifts(&shifts), &cc.standard);
    if let Some(at) = short
        && !req.waitlist
    {
        return Err(full(at, &held, ctx.schedule.tz));
    }
    let waitlisted = short.is_some();
    let want_desk = req.desk.is_some() && (!waitlisted || req.keep_desk);
    let made_desk = match &req.desk {
        Some(wish) if want_desk => {
            let target = match wish.space_id {
                Some(id) => Target::Space(crate::ids::SpaceId(id)),
                None => Target::AnyDesk(wish.attributes.clone()),
            };
            let one = booking::book::Request {
                target: &target,
                person_id: who.id,
                by: who.id,
                series_id: None,
                range: (from, to),
                spaces: &spaces,
            };
            Some(booking::book(&mut tx, &ctx, &one, now).await?)
        }
        _ => None,
    };
    let usual_desk = made_desk.as_ref().is_some_and(|m| m.usual_desk);
    let desk_id = made_desk.map(|m| m.id);
    let link = desk_id.map(|id| id.0);
    let link = match link {
        Some(id) => Some(id),
        None if req.desk.is_some() => None,
        None => {
            let covering: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT id FROM bookings WHERE person_id = $1 AND site_id = $2 AND starts_at <= $3 AND ends_at >= $4
                   AND status IN {} ORDER BY starts_at LIMIT 1",
                booking::store::LIVE
            ))
            .bind(who.id)
            .bind(req.site_id)
            .bind(f)
            .bind(t)
            .fetch_optional(&mut *tx)
            .await?;
            if covering.is_none() && cc.within_booking {
                return Err(ApiError::conflict(
                    "childcare.not_within_booking",
                    Text::new(
                        "託児はご自身の席の予約の時間内で申し込んでください。",
                        "A childcare place must lie within your own desk or room booking at this site.",
                    ),
                ));
            }
            covering
        }
    };
    let mut ids = Vec::new();
    for (child, group) in &children {
        let p = NewPlace {
            site_id: req.site_id,
            child_id: *child,
            guardian_id: who.id.0,
            desk_booking_id: link,
            starts_at: f,
            ends_at: t,
            age_group: *group as i64,
            status: if waitlisted { "waitlisted" } else { "booked" },
            now: now.timestamp(),
        };
        ids.push(store::insert_place(&mut tx, &p).await?);
    }
    let news = if waitlisted {
        ChildcareNews::Waitlisted
    } else {
        ChildcareNews::Booked
    };
    let place_ids: Vec<crate::ids::PlaceId> = ids.iter().map(|p| crate::ids::PlaceId(*p)).collect();
    super::notify::places(&st, &mut tx, &place_ids, news).await?;
    if let Some(id) = desk_id {
        booking::notify::confirmed(&st, &mut tx, &[id], &[]).await?;
    }
    tx.commit().await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(ChildcarePlace::from_row(
            store::place(&st.db, id)
                .await?
                .ok_or_else(place_not_found)?,
            ctx.schedule.tz,
        ));
    }
    let desk = match desk_id {
        Some(id) => booking::store::get(&st.db, id).await?,
        None => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(PlacesResult {
            desk,
            usual_desk,
            places: out,
            waitlisted,
        }),
    ))
}

/// My children's places from today on.
#[utoipa::path(get, path = "/api/v1/childcare/bookings", tag = "childcare", responses((status = 200, body = [ChildcarePlace])))]
async fn my_places(
    State(st): State<AppState>,
    who: Principal,
) -> ApiResult<Json<Vec<ChildcarePlace>>> {
    let since = st.clock.epoch() - 86400;
    let rows = sqlx::query_scalar::<_, i64>(
        "SELECT p.id FROM childcare_bookings p JOIN child_guardians g ON g.child_id = p.child_id
         WHERE g.person_id = $1 AND p.ends_at > $2 ORDER BY p.starts_at, p.id",
    )
    .bind(who.id)
    .bind(since)
    .fetch_all(&st.db.pool)
    .await?;
    let mut out = Vec::new();
    for id in rows {
        if let Some(p) = store::place(&st.db, id).await? {
            let tz = SiteContext::load(&st, p.site_id).await?.schedule.tz;
            let position = if p.status == "waitlisted" {
                Some(store::waitlist_position(&st.db, &p).await?)
            } else {
                None
            };
            out.push(ChildcarePlace {
                waitlist_position: position,
                ..ChildcarePlace::from_row(p, tz)
            });
        }
    }
    Ok(Json(out))
}

/// A place as the API shows it, in its site's time zone.
async fn place_view(st: &AppState, id: i64, site_id: i64) -> ApiResult<Json<ChildcarePlace>> {
    let tz = SiteContext::load(st, site_id).await?.schedule.tz;
    let p = store::place(&st.db, id)
        .await?
        .ok_or_else(place_not_found)?;
    Ok(Json(ChildcarePlace::from_row(p, tz)))
}

/// A place the caller may act on: their child's, or any of a site where they are staff.
async fn place_for(
    st: &AppState,
    who: &Principal,
    id: i64,
    staff: &[Role],
) -> ApiResult<(store::PlaceRow, bool)> {
    let p = store::place(&st.db, id)
        .await?
        .ok_or_else(place_not_found)?;
    let is_staff = who.has(p.site_id, staff);
    let is_guardian = store::child(&st.db, p.child_id)
        .await?
        .is_some_and(|c| c.guardian_ids.contains(&who.id.0));
    if is_staff || is_guardian {
        Ok((p, is_staff))
    } else {
        Err(place_not_found())
    }
}

/// Cancels a place (its guardian until it starts; reception and directors any time); the
/// place goes at once to the first waitlisted request that now fits.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/cancel", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = ChildcarePlace), (status = 409)))]
async fn cancel_place(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ChildcarePlace>> {
    let (p, staff) = place_for(&st, &who, id, &[Role::Reception, Role::Director]).await?;
    let now = st.clock.epoch();
    if !matches!(p.status.as_str(), "booked" | "waitlisted") || (!staff && p.starts_at <= now) {
        return Err(ApiError::conflict(
            "childcare.not_cancellable",
            Text::new(
                "この託児予約は取り消せません。",
                "This childcare place can no longer be cancelled.",
            ),
        ));
    }
    let cc = settings(&st, p.site_id).await?;
    let mut tx = st.db.begin().await?;
    sites::store::lock(&mut tx, p.site_id).await?;
    store::transition(
        &mut tx,
        id,
        &p.status,
        "cancelled",
        Some("cancelled_at"),
        now,
    )
    .await?;
    run_waitlist(&st, &mut tx, p.site_id, &cc, now).await?;
    tx.commit().await?;
    place_view(&st, id, p.site_id).await
}

/// A caregiver receives the child.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/drop-off", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = ChildcarePlace), (status = 409)))]
async fn drop_off(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ChildcarePlace>> {
    let p = store::place(&st.db, id)
        .await?
        .ok_or_else(place_not_found)?;
    if !who.has(p.site_id, &CARERS) {
        return Err(place_not_found());
    }
    let now = st.clock.epoch();
    if p.status != "booked" || now < p.starts_at - rules::DROPOFF_EARLY_SECS || now >= p.ends_at {
        return Err(ApiError::conflict(
            "childcare.not_now",
            Text::new(
                "お預かりは予約時間の30分前から終了までです。",
                "Drop-off is from 30 minutes before the place starts until it ends.",
            ),
        ));
    }
    let mut tx = st.db.begin().await?;
    store::transition(
        &mut tx,
        id,
        "booked",
        "dropped_off",
        Some("dropped_off_at"),
        now,
    )
    .await?;
    store::record_handover(&mut tx, id, "dropoff_caregiver_id", who.id.0, None).await?;
    tx.publish(crate::events::Event::ChildDroppedOff {
        site_id: crate::ids::SiteId(p.site_id),
        child_id: crate::ids::ChildId(p.child_id),
    });
    tx.commit().await?;
    place_view(&st, id, p.site_id).await
}

/// Who is collecting the child: a guardian (by account), or an authorised person with their
/// pick-up code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupRequest {
    guardian_id: Option<i64>,
    authorised_person_id: Option<i64>,
    code: Option<String>,
}

/// A caregiver hands the child over, only to a guardian or an active authorised person with
/// the right code; every attempt is logged, and refusals are shown on the day view.
#[utoipa::path(post, path = "/api/v1/childcare/bookings/{id}/pick-up", tag = "childcare", params(("id" = i64, Path)), request_body = PickupRequest,
    responses((status = 200, body = ChildcarePlace), (status = 403, description = "childcare.pickup_not_authorised")))]
async fn pick_up(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(req): Json<PickupRequest>,
) -> ApiResult<Json<ChildcarePlace>> {
    let p = store::place(&st.db, id)
        .await?
        .ok_or_else(place_not_found)?;
    if !who.has(p.site_id, &CARERS) {
        return Err(place_not_found());
    }
    if p.status != "dropped_off" {
        return Err(ApiError::conflict(
            "childcare.not_in_room",
            Text::new(
                "このお子さまは託児室にいません。",
                "This child is not in the childcare room.",
            ),
        ));
    }
    let child = store::child(&st.db, p.child_id)
        .await?
        .ok_or_else(child_not_found)?;
    let (allowed, presented) = match (req.guardian_id, req.authorised_person_id) {
        (Some(g), None) => (child.guardian_ids.contains(&g), format!("guardian:{g}")),
        (None, Some(a)) => {
            let ok = match store::authorised(&st.db, a).await? {
                Some(ap) => {
                    let code = req.code.as_deref().unwrap_or_default().trim();
                    ap.child_id == child.id
                        && ap.active
                        && ap.pickup_code_hash
                            == password::token_hash(&format!("{}:{code}", child.id))
                }
                None => false,
            };
            (ok, format!("authorised:{a}"))
        }
        _ => (false, "unidentified".to_string()),
    };
    let now = st.clock.epoch();
    store::log_pickup(&st.db, id, who.id.0, &presented, allowed, now).await?;
    if !allowed {
        return Err(ApiError::client(
            StatusCode::FORBIDDEN,
            "childcare.pickup_not_authorised",
            Text::new(
                "この方にはお子さまをお渡しできません。保護者または登録された方のみです。",
                "This child can be handed only to a guardian or a registered authorised person.",
            ),
        ));
    }
    let mut tx = st.db.begin().await?;
    store::transition(
        &mut tx,
        id,
        "dropped_off",
        "picked_up",
        Some("picked_up_at"),
        now,
    )
    .await?;
    store::record_handover(
        &mut tx,
        id,
        "pickup_caregiver_id",
        who.id.0,
        Some(&presented),
    )
    .await?;
    tx.publish(crate::events::Event::ChildPickedUp {
        site_id: crate::ids::SiteId(p.site_id),
        child_id: crate::ids::ChildId(p.child_id),
    });
    tx.commit().await?;
    place_view(&st, id, p.site_id).await
}

/// One child on the day's list.
#[derive(Serialize, ToSchema)]
pub struct DayEntry {
    place: ChildcarePlace,
    child: Child,
    /// The child has an allergy on record (the site's caregivers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    allergy_flag: Option<bool>,
    /// Refused pick-up attempts (those who hand children over: caregivers and directors).
    #[serde(skip_serializing_if = "Option::is_none")]
    refused_pickups: Option<Vec<String>>,
    /// "not_picked_up" once the site has closed with the child still in the room.
    alert: Option<String>,
}

/// The day's children (staff): caregivers see allergies and medical notes; caregivers and
/// directors see refused pick-ups; everyone else of the staff sees names and presence.
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/day", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = [DayEntry])))]
async fn day(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<i64>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Vec<DayEntry>>> {
    who.require(site, &STAFF)?;
    let view = if cares_at(&who, site) {
        View::Full
    } else {
        View::NameOnly
    };
    let handles = who.has(site, &CARERS);
    let date = parse_date("date", &q.date)?;
    let ctx = SiteContext::load(&st, site).await?;
    let (from, to) = ctx.schedule.day_bounds(date);
    let closes = ctx
        .schedule
        .day(date)
        .hours
        .and_then(|h| ctx.schedule.instant(date, h.close).ok());
    let now = st.clock.now();
    let refused = store::refused_pickups(&st.db, site, from, to).await?;
    let mut out = Vec::new();
    for p in store::places(&st.db, site, from, to).await? {
        if p.status == "cancelled" {
            continue;
        }
        let Some(c) = store::child(&st.db, p.child_id).await? else {
            continue;
        };
        let alert = (p.status == "dropped_off" && closes.is_some_and(|c| now >= c))
            .then(|| "not_picked_up".to_string());
        let full = view == View::Full;
        out.push(DayEntry {
            allergy_flag: full.then_some(!c.allergies.is_empty()),
            refused_pickups: handles.then(|| {
                refused
                    .iter()
                    .filter(|r| r.0 == p.id)
                    .map(|r| r.1.clone())
                    .collect()
            }),
            child: Child::from_row(c, view),
            place: ChildcarePlace::from_row(p, ctx.schedule.tz),
            alert,
        });
    }
    Ok(Json(out))
}

/// One 15-minute segment of the childcare room.
#[derive(Serialize, ToSchema)]
pub struct Segment {
    start: String,
    /// Children holding a place, by age group [under 1, 1-2, 3, 4+].
    children: [u32; 4],
    caregivers_on_duty: u32,
    caregivers_required: u32,
    /// How many more children of each age group fit.
    headroom: [u32; 4],
}

/// Children by age group against caregivers on duty, per 15-minute segment of a day (staff).
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/segments", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = [Segment])))]
async fn segments(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<i64>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Vec<Segment>>> {
    who.require(site, &STAFF)?;
    let date = parse_date("date", &q.date)?;
    let (ctx, cc, room) = room_day(&st, site, date).await?;
    let (places, shifts) = (as_places(&room.places), as_shifts(&room.shifts));
    Ok(Json(
        room.starts
            .iter()
            .map(|&at| {
                let (children, on_duty) = rules::segment(at, &places, &shifts);
                Segment {
                    start: hhmm(at, ctx.schedule.tz),
                    children,
                    caregivers_on_duty: on_duty,
                    caregivers_required: rules::required(&children, &cc.standard),
                    headroom: rules::headroom(&children, on_duty, &cc.standard),
                }
            })
            .collect(),
    ))
}

/// The childcare room's day: the start of each 15-minute segment from opening to closing
/// (none on a closed day), and the places and shifts that touch the day.
#[derive(Default)]
struct RoomDay {
    starts: Vec<i64>,
    places: Vec<store::PlaceRow>,
    shifts: Vec<ShiftRow>,
}

/// Loads a site's childcare room for a local date; 404 `childcare.unavailable` when the site
/// has none.
async fn room_day(
    st: &AppState,
    site: i64,
    date: NaiveDate,
) -> ApiResult<(SiteContext, super::Settings, RoomDay)> {
    let ctx = SiteContext::load(st, site).await?;
    let cc = settings(st, site).await?;
    let span = ctx.schedule.day(date).hours.and_then(|h| {
        let open = ctx.schedule.instant(date, h.open).ok()?;
        let close = ctx.schedule.instant(date, h.close).ok()?;
        Some((open.timestamp(), close.timestamp()))
    });
    let Some((open, close)) = span else {
        return Ok((ctx, cc, RoomDay::default()));
    };
    // A read: a plain transaction, which on SQLite does not take the write lock.
    let mut tx = st.db.begin_read().await?;
    let (places, shifts) = load_day(&mut tx, site, open, close).await?;
    tx.commit().await?;
    let starts = (open..close).step_by(SEGMENT_SECS as usize).collect();
    Ok((
        ctx,
        cc,
        RoomDay {
            starts,
            places,
            shifts,
        },
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomQuery {
    /// Local date, YYYY-MM-DD.
    date: String,
    /// My children to check, comma-separated ids (at most 10).
    child_ids: Option<String>,
}

/// Whether my children fit in the childcare room on one day. Nothing about other children:
/// no names, no counts, no headroom (with the ratios that would give each age group's count).
#[derive(Serialize, ToSchema)]
pub struct RoomAvailability {
    /// Local date, YYYY-MM-DD.
    date: String,
    /// Whether the site is open that day.
    open: bool,
    /// Start of each 15-minute segment, local HH:MM (empty on a closed day).
    slots: Vec<String>,
    /// Per slot: whether the children asked for fit in together (their own places that day
    /// count as theirs); empty when no child was asked for.
    fits: Vec<bool>,
}

/// Whether my children would fit in the childcare room, per 15-minute segment of a day: for
/// choosing a time before booking.
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/availability", tag = "childcare",
    params(("id" = i64, Path), RoomQuery),
    responses((status = 200, body = RoomAvailability), (status = 404, description = "childcare.unavailable, or a child that is not mine")))]
async fn room_availability(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<i64>,
    Query(q): Query<RoomQuery>,
) -> ApiResult<Json<RoomAvailability>> {
    who.require(site, &Role::ALL)?;
    let date = parse_date("date", &q.date)?;
    let ids = child_id_list(q.child_ids.as_deref().unwrap_or_default())?;
    let (ctx, cc, room) = room_day(&st, site, date).await?;
    let mut groups = [0u32; 4];
    for id in &ids {
        let c = guardian_child(&st, &who, *id).await?;
        if !c.active {
            return Err(child_not_found());
        }
        groups[super::age_group(&c.birth_date, date, &cc.standard)?] += 1;
    }
    let others: Vec<store::PlaceRow> = room
        .places
        .iter()
        .filter(|p| !ids.contains(&p.child_id))
        .cloned()
        .collect();
    let (others, shifts) = (as_places(&others), as_shifts(&room.shifts));
    let mut out = RoomAvailability {
        date: date.to_string(),
        open: !room.starts.is_empty(),
        slots: Vec::new(),
        fits: Vec::new(),
    };
    for &at in &room.starts {
        out.slots.push(hhmm(at, ctx.schedule.tz));
        if !ids.is_empty() {
            let (mut with, on_duty) = rules::segment(at, &others, &shifts);
            with.iter_mut().zip(groups).for_each(|(n, g)| *n += g);
            out.fits.push(rules::fits(&with, on_duty, &cc.standard));
        }
    }
    Ok(Json(out))
}

/// `1,2,3` as ids: at most 10, each a positive number.
fn child_id_list(raw: &str) -> ApiResult<Vec<i64>> {
    let bad = || {
        invalid(
            "child_ids",
            "validation.child_ids",
            Text::new(
                "お子さまの指定が正しくありません(番号をカンマで区切って10人まで)。",
                "child_ids must be up to 10 numbers separated by commas.",
            ),
        )
    };
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: i64 = part.parse().map_err(|_| bad())?;
        if id <= 0 {
            return Err(bad());
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
        if ids.len() > 10 {
            return Err(bad());
        }
    }
    Ok(ids)
}
