//! The API for municipalities, sites, their calendars and exceptions, and spaces.

use super::rules::{self, Exception, Hours};
use super::{Closure, DayView, Municipality, OpeningHours, Site, Space, SpaceKind, store};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{
    ApiError, ApiResult, Json, Path, Query, Text, Validator, invalid, on_constraint, parse_date,
    taken,
};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_municipalities, create_municipality))
        .routes(routes!(update_municipality))
        .routes(routes!(list_sites, create_site))
        .routes(routes!(get_site, update_site))
        .routes(routes!(calendar))
        .routes(routes!(list_exceptions))
        .routes(routes!(put_exception, delete_exception))
        .routes(routes!(list_spaces, create_space))
        .routes(routes!(get_space, update_space))
}

// ---- municipalities

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityInput {
    code: Option<String>,
    name_ja: Option<String>,
    name_en: Option<String>,
    active: Option<bool>,
}

/// Every municipality of the federation.
#[utoipa::path(get, path = "/api/v1/municipalities", tag = "sites", responses((status = 200, body = [Municipality])))]
async fn list_municipalities(
    State(st): State<AppState>,
    _who: Principal,
) -> ApiResult<Json<Vec<Municipality>>> {
    Ok(Json(store::municipalities(&st.db).await?))
}

async fn save_municipality(
    st: &AppState,
    mut m: Municipality,
    input: MunicipalityInput,
) -> ApiResult<Municipality> {
    m.code = input.code.unwrap_or(m.code).trim().to_string();
    m.name_ja = input.name_ja.unwrap_or(m.name_ja).trim().to_string();
    m.name_en = input.name_en.unwrap_or(m.name_en).trim().to_string();
    m.active = input.active.unwrap_or(m.active);
    let mut v = Validator::new();
    v.check(
        m.code.len() == 6 && m.code.bytes().all(|b| b.is_ascii_digit()),
        "code",
        "municipality.bad_code",
        Text::new(
            "自治体コードは6桁の数字です(例: 202151)。",
            "The municipality code is six digits, e.g. 202151.",
        ),
    );
    v.text("name_ja", &m.name_ja, 1, 100);
    v.text("name_en", &m.name_en, 1, 100);
    v.finish()?;
    let mut tx = st.db.begin().await?;
    let id = store::save_municipality(&mut tx, &m, st.clock.epoch())
        .await
        .map_err(|e| {
            on_constraint(e, |c| {
                (c == "municipalities_code_key").then(|| taken("code", "自治体コード", "code"))
            })
        })?;
    tx.commit().await?;
    store::municipality_by_id(&st.db, id).await
}

/// Adds a municipality (administrators).
#[utoipa::path(post, path = "/api/v1/municipalities", tag = "sites", request_body = MunicipalityInput,
    responses((status = 201, body = Municipality), (status = 422, description = "invalid fields")))]
async fn create_municipality(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<MunicipalityInput>,
) -> ApiResult<(StatusCode, Json<Municipality>)> {
    who.require_admin()?;
    let blank = Municipality {
        id: 0,
        code: String::new(),
        name_ja: String::new(),
        name_en: String::new(),
        active: true,
    };
    Ok((
        StatusCode::CREATED,
        Json(save_municipality(&st, blank, input).await?),
    ))
}

/// Changes or deactivates a municipality (administrators).
#[utoipa::path(patch, path = "/api/v1/municipalities/{id}", tag = "sites", request_body = MunicipalityInput,
    params(("id" = i64, Path)), responses((status = 200, body = Municipality)))]
async fn update_municipality(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<MunicipalityInput>,
) -> ApiResult<Json<Municipality>> {
    who.require_admin()?;
    let m = store::municipality_by_id(&st.db, id).await?;
    Ok(Json(save_municipality(&st, m, input).await?))
}

// ---- sites

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    municipality_id: Option<i64>,
    name_ja: Option<String>,
    name_en: Option<String>,
    time_zone: Option<String>,
    opening_hours: Option<Vec<OpeningHours>>,
    annual_closures: Option<Vec<Closure>>,
    open_on_holidays: Option<bool>,
    booking_window_days: Option<i64>,
    no_show_grace_minutes: Option<i64>,
    max_hours_per_day: Option<i64>,
    max_active_bookings: Option<i64>,
    allow_walk_in: Option<bool>,
    check_in_early_minutes: Option<i64>,
    reminder_hour: Option<i64>,
    kiosk_offline_minutes: Option<i64>,
    active: Option<bool>,
}

/// Every site (inactive ones only for administrators).
#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", responses((status = 200, body = [Site])))]
async fn list_sites(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Vec<Site>>> {
    let mut sites = store::sites(&st.db).await?;
    sites.retain(|s| s.active || who.is_admin);
    Ok(Json(sites))
}

async fn save_site(st: &AppState, mut s: Site, input: SiteInput) -> ApiResult<Site> {
    s.municipality_id = input.municipality_id.unwrap_or(s.municipality_id);
    s.name_ja = input.name_ja.unwrap_or(s.name_ja).trim().to_string();
    s.name_en = input.name_en.unwrap_or(s.name_en).trim().to_string();
    s.time_zone = input.time_zone.unwrap_or(s.time_zone).trim().to_string();
    s.opening_hours = input.opening_hours.unwrap_or(s.opening_hours);
    s.annual_closures = input.annual_closures.unwrap_or(s.annual_closures);
    s.open_on_holidays = input.open_on_holidays.unwrap_or(s.open_on_holidays);
    s.booking_window_days = input.booking_window_days.unwrap_or(s.booking_window_days);
    s.no_show_grace_minutes = input
        .no_show_grace_minutes
        .unwrap_or(s.no_show_grace_minutes);
    s.max_hours_per_day = input.max_hours_per_day.unwrap_or(s.max_hours_per_day);
    s.max_active_bookings = input.max_active_bookings.unwrap_or(s.max_active_bookings);
    s.allow_walk_in = input.allow_walk_in.unwrap_or(s.allow_walk_in);
    s.check_in_early_minutes = input
        .check_in_early_minutes
        .unwrap_or(s.check_in_early_minutes);
    s.reminder_hour = input.reminder_hour.unwrap_or(s.reminder_hour);
    s.kiosk_offline_minutes = input
        .kiosk_offline_minutes
        .unwrap_or(s.kiosk_offline_minutes);
    s.active = input.active.unwrap_or(s.active);
    let mut v = Validator::new();
    super::validate_site(&mut v, &s);
    if store::municipality_by_id(&st.db, s.municipality_id)
        .await
        .is_err()
    {
        v.add(
            "municipality_id",
            "site.unknown_municipality",
            Text::new("その自治体はありません。", "There is no such municipality."),
        );
    }
    v.finish()?;
    let mut tx = st.db.begin().await?;
    let id = store::save_site(&mut tx, &s, st.clock.epoch()).await?;
    tx.commit().await?;
    store::get(&st.db, id).await
}

/// Opens a new site (administrators); unset fields take the defaults of a new site
/// (weekdays 9:00-17:00, closed 12/29-1/3 and on national holidays).
#[utoipa::path(post, path = "/api/v1/sites", tag = "sites", request_body = SiteInput,
    responses((status = 201, body = Site), (status = 422, description = "invalid fields")))]
async fn create_site(
    State(st): State<AppState>,
    who: Principal,
    Json(input): Json<SiteInput>,
) -> ApiResult<(StatusCode, Json<Site>)> {
    who.require_admin()?;
    let blank = Site::default();
    Ok((
        StatusCode::CREATED,
        Json(save_site(&st, blank, input).await?),
    ))
}

/// One site.
#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)),
    responses((status = 200, body = Site), (status = 404, description = "no such site")))]
async fn get_site(
    State(st): State<AppState>,
    _who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Site>> {
    Ok(Json(store::get(&st.db, id).await?))
}

/// Changes a site's names, time zone, hours or closures, or deactivates it (its directors).
#[utoipa::path(patch, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)), request_body = SiteInput,
    responses((status = 200, body = Site), (status = 403, description = "not a director of the site")))]
async fn update_site(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<SiteInput>,
) -> ApiResult<Json<Site>> {
    who.require_director(id)?;
    if input.municipality_id.is_some() {
        who.require_admin()?;
    }
    let s = store::get(&st.db, id).await?;
    Ok(Json(save_site(&st, s, input).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct Range {
    /// First local date, YYYY-MM-DD.
    from: String,
    /// Last local date, YYYY-MM-DD (at most 366 days after `from`).
    to: String,
}

/// The site's opening, date by date, in its local time.
#[utoipa::path(get, path = "/api/v1/sites/{id}/calendar", tag = "sites",
    params(("id" = i64, Path), Range), responses((status = 200, body = [DayView])))]
async fn calendar(
    State(st): State<AppState>,
    _who: Principal,
    Path(id): Path<i64>,
    Query(range): Query<Range>,
) -> ApiResult<Json<Vec<DayView>>> {
    let (from, to) = (
        parse_date("from", &range.from)?,
        parse_date("to", &range.to)?,
    );
    if to < from || (to - from).num_days() > 366 {
        return Err(invalid(
            "to",
            "validation.bad_range",
            Text::new(
                "期間は from 以降、366日以内にしてください。",
                "`to` must be on or after `from`, at most 366 days later.",
            ),
        ));
    }
    let site = store::get(&st.db, id).await?;
    let schedule = store::schedule(&st.db, &site).await?;
    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| schedule.day(d).into())
        .collect();
    Ok(Json(days))
}

/// A date that departs from the usual rules.
#[derive(serde::Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionView {
    #[serde(default)]
    date: String,
    /// true: open that day (e.g. on a holiday); false: closed (e.g. maintenance).
    open: bool,
    /// For an opening: hours, when not the weekday's usual ones.
    open_time: Option<String>,
    close_time: Option<String>,
    #[serde(default)]
    note: String,
}

/// The site's exceptions.
#[utoipa::path(get, path = "/api/v1/sites/{id}/exceptions", tag = "sites", params(("id" = i64, Path)),
    responses((status = 200, body = [ExceptionView])))]
async fn list_exceptions(
    State(st): State<AppState>,
    _who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ExceptionView>>> {
    store::get(&st.db, id).await?;
    let list = store::exceptions(&st.db, id).await?;
    Ok(Json(
        list.into_iter()
            .map(|(date, ex)| ExceptionView {
                date: date.to_string(),
                open: ex.open,
                open_time: ex.hours.map(|h| h.open.format("%H:%M").to_string()),
                close_time: ex.hours.map(|h| h.close.format("%H:%M").to_string()),
                note: ex.note,
            })
            .collect(),
    ))
}

/// Opens or closes the site on one date (its directors).
#[utoipa::path(put, path = "/api/v1/sites/{id}/exceptions/{date}", tag = "sites",
    params(("id" = i64, Path), ("date" = String, Path, description = "YYYY-MM-DD")), request_body = ExceptionView,
    responses((status = 200, body = DayView)))]
async fn put_exception(
    State(st): State<AppState>,
    who: Principal,
    Path((id, date)): Path<(i64, String)>,
    Json(input): Json<ExceptionView>,
) -> ApiResult<Json<DayView>> {
    who.require_director(id)?;
    let day = parse_date("date", &date)?;
    let site = store::get(&st.db, id).await?;
    let mut v = Validator::new();
    v.text("note", &input.note, 0, 200);
    let hours = match (&input.open_time, &input.close_time) {
        (None, None) => None,
        (Some(o), Some(c)) => match (rules::parse_time(o), rules::parse_time(c)) {
            (Some(open), Some(close)) if open < close => Some(Hours { open, close }),
            _ => {
                v.add(
                    "open_time",
                    "site.bad_hours",
                    Text::new(
                        "時刻は 15分単位の HH:MM で、閉館を開館より後にしてください。",
                        "Times are HH:MM on the quarter hour, closing after opening.",
                    ),
                );
                None
            }
        },
        _ => {
            v.add(
                "close_time",
                "site.bad_hours",
                Text::new(
                    "開館時刻と閉館時刻は両方入力してください。",
                    "Give both the opening and the closing time.",
                ),
            );
            None
        }
    };
    let schedule = store::schedule(&st.db, &site).await?;
    let usual = schedule.weekly[chrono::Datelike::weekday(&day).num_days_from_monday() as usize];
    v.check(
        !input.open || hours.is_some() || usual.is_some(),
        "open_time",
        "site.hours_required",
        Text::new(
            "この曜日は通常休館のため、開館時刻と閉館時刻を入力してください。",
            "The site is usually closed on this weekday: give the opening and closing time.",
        ),
    );
    v.finish()?;
    let ex = Exception {
        open: input.open,
        hours: if input.open { hours } else { None },
        note: input.note.trim().to_string(),
    };
    store::put_exception(&st.db, id, day, &ex).await?;
    let schedule = store::schedule(&st.db, &site).await?;
    Ok(Json(schedule.day(day).into()))
}

/// Removes the exception of one date (its directors).
#[utoipa::path(delete, path = "/api/v1/sites/{id}/exceptions/{date}", tag = "sites",
    params(("id" = i64, Path), ("date" = String, Path)), responses((status = 204), (status = 404)))]
async fn delete_exception(
    State(st): State<AppState>,
    who: Principal,
    Path((id, date)): Path<(i64, String)>,
) -> ApiResult<StatusCode> {
    who.require_director(id)?;
    let day = parse_date("date", &date)?;
    if store::delete_exception(&st.db, id, day).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("例外日", "Exception"))
    }
}

// ---- spaces

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaceInput {
    kind: Option<SpaceKind>,
    name: Option<String>,
    capacity: Option<i64>,
    attributes: Option<Vec<String>>,
    active: Option<bool>,
}

/// The site's spaces (people with a role at the site: its rooms, secure ones included, are
/// nobody else's business).
#[utoipa::path(get, path = "/api/v1/sites/{id}/spaces", tag = "spaces", params(("id" = i64, Path)),
    responses((status = 200, body = [Space]), (status = 403, description = "no role at the site")))]
async fn list_spaces(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Space>>> {
    who.require(id, &Role::ALL)?;
    store::get(&st.db, id).await?;
    Ok(Json(store::spaces(&st.db, id).await?))
}

async fn save_space(st: &AppState, mut s: Space, input: SpaceInput) -> ApiResult<Space> {
    let before = s.clone();
    s.kind = input.kind.unwrap_or(s.kind);
    s.name = input.name.unwrap_or(s.name).trim().to_string();
    s.capacity = input.capacity.unwrap_or(s.capacity);
    s.attributes = input.attributes.unwrap_or(s.attributes);
    s.attributes.sort();
    s.attributes.dedup();
    s.active = input.active.unwrap_or(s.active);
    let mut v = Validator::new();
    super::validate_space(&mut v, &s);
    v.finish()?;
    let mut tx = st.db.begin().await?;
    // Bookings of the site wait while the space changes under them (and the other way round).
    store::lock(&mut tx, s.site_id).await?;
    if s.id != 0 && (s.kind != before.kind || s.capacity < before.capacity || !s.active) {
        // Upcoming bookings hold this space as it is: its kind decides the one-desk rule and
        // its seats the capacity. They must be moved or cancelled first.
        let seat_floor = if s.kind != before.kind || !s.active {
            0
        } else {
            s.capacity
        };
        let held: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bookings WHERE space_id = $1 AND ends_at > $2 AND seat > $3
               AND status IN ('active', 'checked_in')",
        )
        .bind(s.id)
        .bind(st.clock.epoch())
        .bind(seat_floor)
        .fetch_one(&mut *tx)
        .await?;
        if held > 0 {
            return Err(ApiError::conflict(
                "space.has_bookings",
                Text::new(
                    format!(
                        "このスペースには今後の予約が{held}件あります。先に移動か取り消しをしてください。"
                    ),
                    format!(
                        "This space has {held} upcoming booking(s); move or cancel them first."
                    ),
                ),
            ));
        }
    }
    let id = store::save_space(&mut tx, &s).await.map_err(|e| {
        on_constraint(e, |c| {
            (c == "spaces_site_id_name_key").then(|| taken("name", "名前", "name"))
        })
    })?;
    tx.publish(crate::events::Event::SpaceChanged {
        site_id: crate::ids::SiteId(s.site_id),
        space_id: crate::ids::SpaceId(id),
    });
    tx.commit().await?;
    store::space_by_id(&st.db, id).await
}

/// Adds a desk, room or other space to the site (its directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/spaces", tag = "spaces", params(("id" = i64, Path)), request_body = SpaceInput,
    responses((status = 201, body = Space), (status = 404, description = "no such site"), (status = 422, description = "invalid fields")))]
async fn create_space(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Json(input): Json<SpaceInput>,
) -> ApiResult<(StatusCode, Json<Space>)> {
    who.require_director(site_id)?;
    store::get(&st.db, site_id).await?;
    let Some(kind) = input.kind else {
        return Err(invalid(
            "kind",
            "validation.required",
            Text::new("種類を選んでください。", "Choose the kind of space."),
        ));
    };
    let blank = Space {
        id: 0,
        site_id,
        kind,
        name: String::new(),
        capacity: 1,
        attributes: Vec::new(),
        active: true,
    };
    Ok((
        StatusCode::CREATED,
        Json(save_space(&st, blank, input).await?),
    ))
}

/// One space (people with a role at its site).
#[utoipa::path(get, path = "/api/v1/spaces/{id}", tag = "spaces", params(("id" = i64, Path)),
    responses((status = 200, body = Space), (status = 403, description = "no role at the site"), (status = 404)))]
async fn get_space(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Space>> {
    let space = store::space_by_id(&st.db, id).await?;
    who.require(space.site_id, &Role::ALL)?;
    Ok(Json(space))
}

/// Changes or deactivates a space (its site's directors).
#[utoipa::path(patch, path = "/api/v1/spaces/{id}", tag = "spaces", params(("id" = i64, Path)), request_body = SpaceInput,
    responses((status = 200, body = Space), (status = 403)))]
async fn update_space(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<SpaceInput>,
) -> ApiResult<Json<Space>> {
    let s = store::space_by_id(&st.db, id).await?;
    who.require_director(s.site_id)?;
    Ok(Json(save_space(&st, s, input).await?))
}
