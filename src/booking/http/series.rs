//! Recurring bookings: book a weekly pattern, cancel a series.

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::booking::errors::BookingError;
use crate::booking::series::{
    SeriesMode, SeriesRequest, book_series, cancel_series as cancel_all, message,
};
use crate::booking::store::Keep;
use crate::booking::{Booking, SiteContext, Target, authorise_for, rules, store};
use crate::error::{ApiError, ApiResult, Json, Path, Validator, parse_date, parse_time};
use crate::ids::{BookingId, SeriesId, SpaceId};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_series))
        .routes(routes!(cancel_series))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeriesRequest {
    site_id: i64,
    /// mon..sun
    weekdays: Vec<String>,
    start: String,
    end: String,
    /// First date considered (local), YYYY-MM-DD.
    from: String,
    /// Last date (inclusive); or give `count`, or `open_ended`. Dates past the booking window
    /// are booked by the service as the window reaches them.
    until: Option<String>,
    /// How many dates of the pattern to consider (within the window).
    count: Option<usize>,
    /// Keep going until the worker cancels the rest of the series: as the booking window
    /// moves forward, the service books the new dates and sends a weekly digest.
    #[serde(default)]
    open_ended: bool,
    space_id: Option<i64>,
    #[serde(default)]
    attributes: Vec<String>,
    mode: SeriesMode,
    person_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DateNote {
    date: String,
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct SeriesResult {
    #[schema(value_type = Option<i64>)]
    series_id: Option<SeriesId>,
    booked: Vec<Booking>,
    /// Dates the site is closed (holidays, closures): not booked.
    skipped: Vec<DateNote>,
    /// Dates that could not be booked (taken, limits, window).
    conflicts: Vec<DateNote>,
}

fn note((date, err): &(NaiveDate, ApiError)) -> DateNote {
    let code = match err {
        ApiError::Client { code, .. } => code,
        ApiError::Internal(_) => "internal",
    };
    DateNote {
        date: date.to_string(),
        code: code.to_string(),
        message: message(err),
    }
}

/// The weekdays asked for, each mon..sun, and the end of the pattern.
fn check_pattern(req: &NewSeriesRequest) -> ApiResult<Vec<Weekday>> {
    let mut v = Validator::new();
    let weekdays: Vec<Weekday> = req
        .weekdays
        .iter()
        .filter_map(|w| {
            crate::sites::rules::weekday_index(w).and_then(|i| Weekday::try_from(i as u8).ok())
        })
        .collect();
    if weekdays.is_empty() || weekdays.len() != req.weekdays.len() {
        v.reject("weekdays", BookingError::BadWeekdays);
    }
    if req.until.is_none() && req.count.is_none() && !req.open_ended {
        v.reject("until", BookingError::SeriesEndRequired);
    }
    v.finish()?;
    Ok(weekdays)
}

/// Books a weekly pattern ("every Mon, Wed, Fri 9:00-13:00 until ..."). Closed dates are
/// skipped and reported.
#[utoipa::path(post, path = "/api/v1/booking-series", tag = "bookings", request_body = NewSeriesRequest,
    responses((status = 201, body = SeriesResult), (status = 409, description = "booking.series_conflict (all_or_nothing): `errors` lists each date")))]
async fn create_series(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<NewSeriesRequest>,
) -> ApiResult<(StatusCode, Json<SeriesResult>)> {
    let person = authorise_for(&st, &who, req.site_id, req.person_id).await?;
    let weekdays = check_pattern(&req)?;
    let from = parse_date("from", &req.from)?;
    let until = req
        .until
        .as_deref()
        .map(|u| parse_date("until", u))
        .transpose()?;
    let (start, end) = (
        parse_time("start", &req.start)?,
        parse_time("end", &req.end)?,
    );
    let ctx = SiteContext::load(&st, req.site_id).await?;
    // Times that no date could take are one mistake, not a conflict on every date.
    rules::check_times(start, end).map_err(|r| ctx.refuse(r, from, start))?;
    let spaces = crate::sites::store::spaces(&st.db, req.site_id).await?;
    let now = st.clock.now();
    // Dates past the window are the job's, for a series that runs past it or has no end.
    let window_end = rules::window_end(&ctx.schedule, &ctx.policy, now);
    let keeps_going = req.count.is_none()
        && match until {
            Some(u) => u > window_end,
            None => req.open_ended,
        };
    let considered = match until {
        Some(u) if keeps_going => Some(u.min(window_end)),
        None if keeps_going => Some(window_end),
        other => other,
    };
    let keep = keeps_going.then(|| Keep {
        until,
        through: considered
            .unwrap_or(window_end)
            .max(from.pred_opt().unwrap_or(from)),
        space_id: req.space_id.map(SpaceId),
        attributes: req.attributes.clone(),
    });
    let target = Target::of(req.space_id.map(SpaceId), req.attributes);
    let series = SeriesRequest {
        person_id: person,
        by: who.id,
        weekdays: &req.weekdays.join(","),
        dates: rules::series_dates(from, &weekdays, considered, req.count),
        keep,
        start,
        end,
        target: &target,
        mode: req.mode,
        spaces: &spaces,
    };
    let out = book_series(&st, &ctx, &series, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(SeriesResult {
            series_id: Some(out.series_id),
            booked: out.booked,
            skipped: out.skipped.iter().map(note).collect(),
            conflicts: out.conflicts.iter().map(note).collect(),
        }),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SeriesCancel {
    /// Cancel the occurrences on and after this local date (default: all that have not started).
    from: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Cancelled {
    #[schema(value_type = Vec<i64>)]
    cancelled: Vec<BookingId>,
}

/// Cancels a whole series, or its occurrences from a date on.
#[utoipa::path(post, path = "/api/v1/booking-series/{id}/cancel", tag = "bookings", params(("id" = i64, Path)), request_body = SeriesCancel,
    responses((status = 200, body = Cancelled), (status = 404)))]
async fn cancel_series(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(req): Json<SeriesCancel>,
) -> ApiResult<Json<Cancelled>> {
    let id = SeriesId(id);
    let (person, site) = store::series_owner(&st.db, id)
        .await?
        .ok_or_else(super::not_found)?;
    let staff = who.has(site.0, &[Role::Reception, Role::Director]);
    if person != who.id && !staff {
        return Err(super::not_found());
    }
    let from = req
        .from
        .as_deref()
        .map(|f| parse_date("from", f))
        .transpose()?;
    let by = who.id;
    let now = st.clock.now();
    let cancelled = cancel_all(&st, id, (person, site), from, by, now).await?;
    Ok(Json(Cancelled { cancelled }))
}
