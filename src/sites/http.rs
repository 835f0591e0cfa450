//! The API for municipalities, sites, their calendars and exceptions, and spaces.

use super::admin::{self, ExceptionInput, MunicipalityInput, SiteInput};
use super::spaces::{self, SpaceInput};
use super::{DayView, Municipality, Site, Space, store};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, Json, Path, Query, parse_date};
use crate::ids::{MunicipalityId, SiteId, SpaceId};
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

/// Every municipality of the federation.
#[utoipa::path(get, path = "/api/v1/municipalities", tag = "sites", responses((status = 200, body = [Municipality])))]
async fn list_municipalities(
    State(st): State<AppState>,
    _who: Principal,
) -> ApiResult<Json<Vec<Municipality>>> {
    Ok(Json(store::municipalities(&st.db).await?))
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
    let blank = admin::new_municipality();
    let m = admin::save_municipality(&st.db, blank, input, st.clock.epoch()).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// Changes or deactivates a municipality (administrators).
#[utoipa::path(patch, path = "/api/v1/municipalities/{id}", tag = "sites", request_body = MunicipalityInput,
    params(("id" = i64, Path)), responses((status = 200, body = Municipality)))]
async fn update_municipality(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<MunicipalityId>,
    Json(input): Json<MunicipalityInput>,
) -> ApiResult<Json<Municipality>> {
    who.require_admin()?;
    let m = store::municipality_by_id(&st.db, id).await?;
    let m = admin::save_municipality(&st.db, m, input, st.clock.epoch()).await?;
    Ok(Json(m))
}

// ---- sites

/// Every site (an inactive one only for administrators and those who hold a role there).
#[utoipa::path(get, path = "/api/v1/sites", tag = "sites", responses((status = 200, body = [Site])))]
async fn list_sites(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Vec<Site>>> {
    let mut sites = store::sites(&st.db).await?;
    sites.retain(|s| shown_to(s, &who));
    Ok(Json(sites))
}

/// Whether `who` may see a site: an active one, anyone logged in; an inactive (closed, or not
/// opened yet) one, administrators and those who hold a role there.
fn shown_to(site: &Site, who: &Principal) -> bool {
    site.active || who.has(site.id, &Role::ALL)
}

/// The site, when `who` may see it; else the 404 of an unknown site.
async fn visible(st: &AppState, who: &Principal, id: SiteId) -> ApiResult<Site> {
    let site = store::get(&st.db, id).await?;
    if !shown_to(&site, who) {
        return Err(ApiError::not_found("拠点", "Site"));
    }
    Ok(site)
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
    let site = admin::save_site(&st.db, Site::default(), input, st.clock.epoch()).await?;
    Ok((StatusCode::CREATED, Json(site)))
}

/// One site.
#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)),
    responses((status = 200, body = Site), (status = 404, description = "no such site")))]
async fn get_site(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<SiteId>,
) -> ApiResult<Json<Site>> {
    Ok(Json(visible(&st, &who, id).await?))
}

/// Changes a site's names, time zone, hours or closures, or deactivates it (its directors).
#[utoipa::path(patch, path = "/api/v1/sites/{id}", tag = "sites", params(("id" = i64, Path)), request_body = SiteInput,
    responses((status = 200, body = Site), (status = 403, description = "not a director of the site")))]
async fn update_site(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<SiteId>,
    Json(input): Json<SiteInput>,
) -> ApiResult<Json<Site>> {
    who.require_director(id)?;
    if input.moves_municipality() {
        who.require_admin()?;
    }
    let s = store::get(&st.db, id).await?;
    Ok(Json(
        admin::save_site(&st.db, s, input, st.clock.epoch()).await?,
    ))
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
    who: Principal,
    Path(id): Path<SiteId>,
    Query(range): Query<Range>,
) -> ApiResult<Json<Vec<DayView>>> {
    visible(&st, &who, id).await?;
    let (from, to) = (
        parse_date("from", &range.from)?,
        parse_date("to", &range.to)?,
    );
    Ok(Json(admin::calendar(&st.db, id, from, to).await?))
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
    who: Principal,
    Path(id): Path<SiteId>,
) -> ApiResult<Json<Vec<ExceptionView>>> {
    visible(&st, &who, id).await?;
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
    Path((id, date)): Path<(SiteId, String)>,
    Json(input): Json<ExceptionView>,
) -> ApiResult<Json<DayView>> {
    who.require_director(id)?;
    let day = parse_date("date", &date)?;
    let input = ExceptionInput {
        open: input.open,
        open_time: input.open_time,
        close_time: input.close_time,
        note: input.note,
    };
    Ok(Json(admin::put_exception(&st.db, id, day, input).await?))
}

/// Removes the exception of one date (its directors).
#[utoipa::path(delete, path = "/api/v1/sites/{id}/exceptions/{date}", tag = "sites",
    params(("id" = i64, Path), ("date" = String, Path)), responses((status = 204), (status = 404)))]
async fn delete_exception(
    State(st): State<AppState>,
    who: Principal,
    Path((id, date)): Path<(SiteId, String)>,
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

/// The site's spaces (people with a role at the site: its rooms, secure ones included, are
/// nobody else's business).
#[utoipa::path(get, path = "/api/v1/sites/{id}/spaces", tag = "spaces", params(("id" = i64, Path)),
    responses((status = 200, body = [Space]), (status = 403, description = "no role at the site")))]
async fn list_spaces(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<SiteId>,
) -> ApiResult<Json<Vec<Space>>> {
    who.require(id, &Role::ALL)?;
    store::get(&st.db, id).await?;
    Ok(Json(store::spaces(&st.db, id).await?))
}

/// Adds a desk, room or other space to the site (its directors).
#[utoipa::path(post, path = "/api/v1/sites/{id}/spaces", tag = "spaces", params(("id" = i64, Path)), request_body = SpaceInput,
    responses((status = 201, body = Space), (status = 404, description = "no such site"), (status = 422, description = "invalid fields")))]
async fn create_space(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<SiteId>,
    Json(input): Json<SpaceInput>,
) -> ApiResult<(StatusCode, Json<Space>)> {
    who.require_director(site_id)?;
    let space = spaces::create(&st.db, site_id, input, st.clock.epoch()).await?;
    Ok((StatusCode::CREATED, Json(space)))
}

/// One space (people with a role at its site).
#[utoipa::path(get, path = "/api/v1/spaces/{id}", tag = "spaces", params(("id" = i64, Path)),
    responses((status = 200, body = Space), (status = 403, description = "no role at the site"), (status = 404)))]
async fn get_space(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<SpaceId>,
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
    Path(id): Path<SpaceId>,
    Json(input): Json<SpaceInput>,
) -> ApiResult<Json<Space>> {
    let s = store::space_by_id(&st.db, id).await?;
    who.require_director(s.site_id)?;
    Ok(Json(
        spaces::save(&st.db, s, input, st.clock.epoch()).await?,
    ))
}
