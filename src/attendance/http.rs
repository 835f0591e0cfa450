//! The attendance API.

use super::errors::AttendanceError;
use super::month::{self, MonthView};
use super::rules::Month;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, Json, Path, Query, invalid_code};
use crate::ids::SiteId;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of the attendance area.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_month))
}

#[derive(Deserialize, IntoParams)]
pub struct SiteQuery {
    /// The site whose month it is.
    site_id: i64,
}

/// My month at a site: the minutes at the center per local day (from the kiosk), the flags
/// to resolve before submitting, and the month's status.
#[utoipa::path(get, path = "/api/v1/me/months/{month}", tag = "attendance",
    params(("month" = String, Path, description = "YYYY-MM"), SiteQuery),
    responses((status = 200, body = MonthView), (status = 404, description = "not_found: a site where I have no role"),
              (status = 422, description = "validation: the month")))]
async fn my_month(
    State(st): State<AppState>,
    who: Principal,
    Path(month): Path<String>,
    Query(q): Query<SiteQuery>,
) -> ApiResult<Json<MonthView>> {
    let site = SiteId(q.site_id);
    if !who.has(site, &Role::ALL) {
        return Err(ApiError::not_found("拠点", "Site"));
    }
    let month =
        Month::parse(&month).ok_or_else(|| invalid_code("month", AttendanceError::BadMonth))?;
    Ok(Json(
        month::of(&st, who.id, site, month, st.clock.now()).await?,
    ))
}
