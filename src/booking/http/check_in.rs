//! Checking a booking in at reception.

use super::visible;
use crate::AppState;
use crate::auth::Principal;
use crate::booking::Booking;
use crate::booking::check_in::check_in as check_booking_in;
use crate::error::{ApiError, ApiResult, Json, Path};
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check_in))
}

/// Checks a booking in (the site's reception and directors; the entrance kiosk does it on a
/// scan). Workers cannot check themselves in from elsewhere.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/check-in", tag = "bookings", params(("id" = i64, Path)),
    responses((status = 200, body = Booking), (status = 409, description = "booking.released, booking.too_early, ...")))]
async fn check_in(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<Booking>> {
    let (b, staff) = visible(&st, &who, id).await?;
    if !staff {
        return Err(ApiError::forbidden());
    }
    Ok(Json(check_booking_in(&st, &b, st.clock.now()).await?))
}
