//! Caregiver shifts: planned by the site's directors; a change that would leave a booked
//! segment short of caregivers is refused, and a new or longer shift serves the waitlist.

use super::errors::{ChildcareError, on_field};
use super::http::STAFF;
use super::places::{as_places, load_day, run_waitlist};
use super::room::DateQuery;
use super::rules::{self, SEGMENT_SECS, Standard};
use super::store::{self, Settings, ShiftRow};
use super::{hhmm, local_date, schedule_of};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::Tx;
use crate::error::{
    ApiError, ApiResult, CommonError, ErrorCode, FieldError, Json, Path, Query, Text, invalid,
    invalid_code, on_constraint, parse_date, parse_time,
};
use crate::ids::{PersonId, ShiftId, SiteId};
use crate::sites::rules::Schedule;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shifts, create_shift))
        .routes(routes!(update_shift, delete_shift))
}

/// A caregiver on duty for a time range.
#[derive(Serialize, ToSchema)]
pub struct Shift {
    id: ShiftId,
    site_id: SiteId,
    person_id: PersonId,
    date: String,
    start: String,
    end: String,
}

impl Shift {
    fn of(s: &ShiftRow, tz: chrono_tz::Tz) -> Shift {
        Shift {
            id: s.id,
            site_id: s.site_id,
            person_id: s.person_id,
            date: local_date(s.starts_at, tz).to_string(),
            start: hhmm(s.starts_at, tz),
            end: hhmm(s.ends_at, tz),
        }
    }
}

/// Caregiver shifts of a day (the site's staff).
#[utoipa::path(get, path = "/api/v1/sites/{id}/caregiver-shifts", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = [Shift])))]
async fn list_shifts(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Vec<Shift>>> {
    who.require(site, &STAFF)?;
    let schedule = schedule_of(&st.db, site).await?;
    let (from, to) = schedule.day_bounds(parse_date("date", &q.date)?);
    // A read: a plain transaction, which on SQLite does not take the write lock.
    let mut tx = st.db.begin_read().await?;
    let list = store::shifts(&mut tx, site, from, to).await?;
    tx.commit().await?;
    Ok(Json(
        list.iter()
            .filter(|s| s.starts_at >= from)
            .map(|s| Shift::of(s, schedule.tz))
            .collect(),
    ))
}

/// A shift as a director plans it: omitted fields keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftInput {
    person_id: Option<PersonId>,
    date: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

/// The shift as the input changes it: omitted fields keep the shift's local date, times and
/// caregiver. The caregiver must hold the role at the site.
async fn planned(
    st: &AppState,
    schedule: &Schedule,
    mut s: ShiftRow,
    input: ShiftInput,
) -> ApiResult<ShiftRow> {
    let tz = schedule.tz;
    let date = match &input.date {
        Some(d) => parse_date("date", d)?,
        None => local_date(s.starts_at, tz),
    };
    let time = |field: &str, given: &Option<String>, at: i64| match given {
        Some(t) => parse_time(field, t),
        None => parse_time(field, &hhmm(at, tz)),
    };
    let start = time("start", &input.start, s.starts_at)?;
    let end = time("end", &input.end, s.ends_at)?;
    match (schedule.instant(date, start), schedule.instant(date, end)) {
        (Ok(f), Ok(t)) if t > f => (s.starts_at, s.ends_at) = (f.timestamp(), t.timestamp()),
        _ => return Err(invalid_code("end", ChildcareError::BadShift)),
    }
    if let Some(p) = input.person_id {
        s.person_id = p;
    }
    let grants = crate::auth::store::grants_of(&st.db, s.person_id).await?;
    if !grants
        .iter()
        .any(|g| g.site_id == s.site_id && g.role == Role::Caregiver)
    {
        return Err(invalid_code("person_id", ChildcareError::NotACaregiver));
    }
    Ok(s)
}

/// Refuses a shift change that leaves a booked segment short, listing each such segment and
/// the children in it.
async fn check_change(
    tx: &mut Tx,
    tz: chrono_tz::Tz,
    standard: &Standard,
    (old, new): (&ShiftRow, Option<&ShiftRow>),
) -> ApiResult<()> {
    let span = match new {
        Some(n) => (old.starts_at.min(n.starts_at), old.ends_at.max(n.ends_at)),
        None => (old.starts_at, old.ends_at),
    };
    let (held, shifts) = load_day(tx, old.site_id, span.0, span.1).await?;
    let mut after: Vec<rules::Duty> = shifts
        .iter()
        .filter(|s| s.id != old.id)
        .map(|s| (s.person_id.0, s.starts_at, s.ends_at))
        .collect();
    if let Some(n) = new {
        after.push((n.person_id.0, n.starts_at, n.ends_at));
    }
    let places = as_places(&held);
    let code = ChildcareError::ShiftChangeLeavesSegmentShort;
    let start = span.0 - span.0.rem_euclid(SEGMENT_SECS);
    let mut errors = Vec::new();
    for at in (start..span.1).step_by(SEGMENT_SECS as usize) {
        let (counts, on_duty) = rules::segment(at, &places, &after);
        if rules::fits(&counts, on_duty, standard) {
            continue;
        }
        let list = held
            .iter()
            .filter(|p| p.starts_at < at + SEGMENT_SECS && p.ends_at > at)
            .map(|p| p.child_name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let at = hhmm(at, tz);
        errors.push(FieldError {
            message: Text::new(
                format!("{at}: 保育士 {on_duty} 人では足りません({list})"),
                format!("{at}: {on_duty} caregiver(s) is not enough ({list})"),
            ),
            field: at,
            code: code.code(),
        });
    }
    if errors.is_empty() {
        return Ok(());
    }
    let mut refusal = ApiError::from(code).with("count", errors.len());
    if let ApiError::Client { errors: list, .. } = &mut refusal {
        *list = errors;
    }
    Err(refusal)
}

/// What a director does to a shift.
enum Change {
    Create(ShiftRow),
    Update { old: ShiftRow, new: ShiftRow },
    Delete(ShiftRow),
}

/// Writes a shift change under the site's lock, after checking that booked segments keep
/// their caregivers, and serves the waitlist; answers the shift's id.
async fn save(
    st: &AppState,
    (tz, cc): (chrono_tz::Tz, &Settings),
    by: PersonId,
    change: &Change,
) -> ApiResult<ShiftId> {
    let site = match change {
        Change::Create(s) | Change::Update { new: s, .. } | Change::Delete(s) => s.site_id,
    };
    let mut tx = st.db.begin().await?;
    crate::sites::store::lock(&mut tx, site).await?;
    let overlap = |e| {
        on_constraint(e, |c| {
            (c == "caregiver_shifts_no_overlap")
                .then(|| on_field(ChildcareError::ShiftOverlap, "start", None))
        })
    };
    let id = match change {
        Change::Create(s) => store::insert_shift(&mut tx, s, by).await.map_err(overlap)?,
        Change::Update { old, new } => {
            check_change(&mut tx, tz, &cc.standard, (old, Some(new))).await?;
            store::update_shift(&mut tx, new).await.map_err(overlap)?;
            new.id
        }
        Change::Delete(old) => {
            check_change(&mut tx, tz, &cc.standard, (old, None)).await?;
            store::delete_shift(&mut tx, old.id).await?;
            old.id
        }
    };
    run_waitlist(st, &mut tx, site, cc, st.clock.epoch()).await?;
    tx.commit().await?;
    Ok(id)
}

fn shift_not_found() -> ApiError {
    ApiError::not_found("シフト", "Shift")
}

/// The shift as saved, in the site's time.
async fn saved(st: &AppState, id: ShiftId, tz: chrono_tz::Tz) -> ApiResult<Shift> {
    let s = store::shift(&st.db, id)
        .await?
        .ok_or_else(shift_not_found)?;
    Ok(Shift::of(&s, tz))
}

/// Plans a caregiver's shift (the site's directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/caregiver-shifts", tag = "childcare", params(("id" = i64, Path)), request_body = ShiftInput,
    responses((status = 201, body = Shift), (status = 409, description = "childcare.shift_overlap"), (status = 422)))]
async fn create_shift(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<ShiftInput>,
) -> ApiResult<(StatusCode, Json<Shift>)> {
    who.require(site, &[Role::Director])?;
    let (Some(person), Some(_), Some(_), Some(_)) =
        (input.person_id, &input.date, &input.start, &input.end)
    else {
        return Err(invalid(
            "person_id",
            CommonError::Required,
            Text::new(
                "保育士、日付、開始、終了を入力してください。",
                "Give the caregiver, date, start and end.",
            ),
        ));
    };
    let schedule = schedule_of(&st.db, site).await?;
    let cc = super::settings(&st.db, site).await?;
    let blank = ShiftRow {
        id: ShiftId(0),
        site_id: site,
        person_id: person,
        starts_at: 0,
        ends_at: 0,
    };
    let new = planned(&st, &schedule, blank, input).await?;
    let id = save(&st, (schedule.tz, &cc), who.id, &Change::Create(new)).await?;
    Ok((
        StatusCode::CREATED,
        Json(saved(&st, id, schedule.tz).await?),
    ))
}

/// Moves or shortens a shift; refused when a booked segment would be short of caregivers.
#[utoipa::path(patch, path = "/api/v1/caregiver-shifts/{id}", tag = "childcare", params(("id" = i64, Path)), request_body = ShiftInput,
    responses((status = 200, body = Shift), (status = 409, description = "childcare.shift_change_leaves_segment_short, childcare.shift_overlap")))]
async fn update_shift(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ShiftId>,
    Json(input): Json<ShiftInput>,
) -> ApiResult<Json<Shift>> {
    let old = store::shift(&st.db, id)
        .await?
        .ok_or_else(shift_not_found)?;
    who.require(old.site_id, &[Role::Director])?;
    let schedule = schedule_of(&st.db, old.site_id).await?;
    let cc = super::settings(&st.db, old.site_id).await?;
    let new = planned(&st, &schedule, old.clone(), input).await?;
    let id = save(
        &st,
        (schedule.tz, &cc),
        who.id,
        &Change::Update { old, new },
    )
    .await?;
    Ok(Json(saved(&st, id, schedule.tz).await?))
}

/// Removes a shift; refused when a booked segment would be short of caregivers.
#[utoipa::path(delete, path = "/api/v1/caregiver-shifts/{id}", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, description = "childcare.shift_change_leaves_segment_short")))]
async fn delete_shift(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ShiftId>,
) -> ApiResult<StatusCode> {
    let old = store::shift(&st.db, id)
        .await?
        .ok_or_else(shift_not_found)?;
    who.require(old.site_id, &[Role::Director])?;
    let schedule = schedule_of(&st.db, old.site_id).await?;
    let cc = super::settings(&st.db, old.site_id).await?;
    save(&st, (schedule.tz, &cc), who.id, &Change::Delete(old)).await?;
    Ok(StatusCode::NO_CONTENT)
}
