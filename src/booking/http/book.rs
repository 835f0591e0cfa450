//! Booking one desk or room seat.

use crate::AppState;
use crate::auth::Principal;
use crate::booking::book::{Request, book_one};
use crate::booking::{Booking, SiteContext, Target, authorise_for, rules};
use crate::error::{ApiResult, Json, parse_date, parse_time};
use crate::ids::SpaceId;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, super::read::list_mine))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBookingRequest {
    site_id: i64,
    /// Local date, YYYY-MM-DD.
    date: String,
    /// Local HH:MM on the quarter hour.
    start: String,
    end: String,
    /// A given desk or room; without it, any free desk with `attributes` (the worker's usual
    /// desk first).
    space_id: Option<i64>,
    #[serde(default)]
    attributes: Vec<String>,
    /// Staff booking on a worker's behalf.
    person_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    booking: Booking,
    /// Whether the worker's usual desk was given (when no desk was named).
    usual_desk: bool,
}

/// Books a desk or a room seat for a time range on one day.
#[utoipa::path(post, path = "/api/v1/bookings", tag = "bookings", request_body = NewBookingRequest,
    responses((status = 201, body = Created), (status = 409, description = "booking.overlap and other refusals"),
              (status = 422, description = "invalid times")))]
pub(super) async fn create(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<NewBookingRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let person = authorise_for(&st, &who, req.site_id, req.person_id).await?;
    let date = parse_date("date", &req.date)?;
    let (start, end) = (
        parse_time("start", &req.start)?,
        parse_time("end", &req.end)?,
    );
    let ctx = SiteContext::load(&st, req.site_id).await?;
    let now = st.clock.now();
    let range = rules::check(&ctx.schedule, &ctx.policy, now, date, start, end)
        .map_err(|r| ctx.refuse(r, date, start))?;
    let spaces = crate::sites::store::spaces(&st.db, req.site_id).await?;
    let target = Target::of(req.space_id.map(SpaceId), req.attributes);
    let one = Request {
        target: &target,
        person_id: person,
        by: who.id,
        series_id: None,
        range,
        spaces: &spaces,
    };
    let made = book_one(&st, &ctx, &one, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            booking: made.booking,
            usual_desk: made.usual_desk,
        }),
    ))
}
