//! Reading bookings: one, mine, a site's day.

use super::visible;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::booking::{Booking, SiteContext, store};
use crate::error::{ApiResult, Json, Path, Query, parse_date};
use crate::error::{CommonError, invalid_code};
use crate::ids::SiteId;
use axum::extract::State;
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_site))
}

#[derive(Deserialize, IntoParams)]
pub struct RangeQuery {
    /// From this local date (default: today at each booking's site).
    from: Option<String>,
    /// To this local date, inclusive (default: 60 days after `from`).
    to: Option<String>,
}

/// The local dates asked for: `from` (None: today at each booking's own site) and `to`
/// (default: 60 days after `from`, or after today in UTC).
fn date_range(
    q: &RangeQuery,
    now: chrono::DateTime<Utc>,
) -> ApiResult<(Option<NaiveDate>, NaiveDate)> {
    let from = q
        .from
        .as_deref()
        .map(|f| parse_date("from", f))
        .transpose()?;
    let start = from.unwrap_or(now.date_naive());
    let to = match &q.to {
        Some(t) => parse_date("to", t)?,
        None => start + Duration::days(60),
    };
    if to < start || (to - start).num_days() > 400 {
        return Err(invalid_code("to", CommonError::BadRange).with("days", 400));
    }
    Ok((from, to))
}

/// Today at a booking's site: now, moved by the booking's own offset from UTC (its local
/// start against its instant), so no site has to be looked up.
fn today_at(b: &Booking, now: chrono::DateTime<Utc>) -> NaiveDate {
    let offset = b.date.and_time(b.start) - b.starts_at.naive_utc();
    (now.naive_utc() + offset).date()
}

/// My bookings whose local date lies in the range.
#[utoipa::path(get, path = "/api/v1/bookings", tag = "bookings", params(RangeQuery), responses((status = 200, body = [Booking])))]
pub(super) async fn list_mine(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<Vec<Booking>>> {
    let now = st.clock.now();
    let (from, to) = date_range(&q, now)?;
    // Sites' zones lie within a day of UTC: fetch with a day's margin, then keep the bookings
    // whose local date (in their own site's zone) is in range.
    let utc = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc().timestamp();
    let (lo, hi) = (
        utc(from.unwrap_or(now.date_naive())) - 86400,
        utc(to) + 2 * 86400,
    );
    let rows = store::of_person(&st.db, who.id, lo, hi).await?;
    let list = rows
        .into_iter()
        .filter(|b| from.unwrap_or_else(|| today_at(b, now)) <= b.date && b.date <= to)
        .collect();
    Ok(Json(list))
}

#[derive(Deserialize, IntoParams)]
pub struct DayQuery {
    /// Local date, YYYY-MM-DD.
    date: String,
}

/// A site's bookings on a day (reception, caregivers, trainers, directors).
#[utoipa::path(get, path = "/api/v1/sites/{id}/bookings", tag = "bookings", params(("id" = i64, Path), DayQuery),
    responses((status = 200, body = [Booking])))]
async fn list_site(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Vec<Booking>>> {
    let staff = [
        Role::Reception,
        Role::Caregiver,
        Role::Trainer,
        Role::Director,
    ];
    who.require(site_id, &staff)?;
    let date = parse_date("date", &q.date)?;
    let ctx = SiteContext::load(&st, site_id).await?;
    let (from, to) = ctx.schedule.day_bounds(date);
    Ok(Json(
        store::of_site(&st.db, SiteId(site_id), from, to).await?,
    ))
}

/// One booking.
#[utoipa::path(get, path = "/api/v1/bookings/{id}", tag = "bookings", params(("id" = i64, Path)),
    responses((status = 200, body = Booking), (status = 404)))]
pub(super) async fn get_booking(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Booking>> {
    Ok(Json(visible(&st, &who, id).await?.0))
}
