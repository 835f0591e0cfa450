//! Cancelling a booking.

use super::visible;
use crate::AppState;
use crate::auth::Principal;
use crate::booking::Booking;
use crate::booking::cancel::{Places, cancel as cancel_booking};
use crate::error::{ApiResult, Json, Path, Query};
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(cancel))
}

#[derive(Deserialize, IntoParams)]
pub struct CancelQuery {
    /// When childcare places are tied to the booking: `cancel` them too, or `keep` them
    /// (where the site allows).
    childcare: Option<String>,
}

/// Cancels a booking: its worker until it starts, the site's staff at any time. The space is
/// free again at once. Childcare places tied to it are cancelled or kept as asked.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", tag = "bookings", params(("id" = i64, Path), CancelQuery),
    responses((status = 200, body = Booking), (status = 409, description = "booking.not_changeable, booking.childcare_linked")))]
async fn cancel(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Query(q): Query<CancelQuery>,
) -> ApiResult<Json<Booking>> {
    let (b, staff) = visible(&st, &who, id).await?;
    // Any other answer leaves the choice open: the booking's places ask for one.
    let places = match q.childcare.as_deref() {
        Some("cancel") => Some(Places::Cancel),
        Some("keep") => Some(Places::Keep),
        _ => None,
    };
    let by = (who.id, staff);
    Ok(Json(
        cancel_booking(&st, &b, places, by, st.clock.now()).await?,
    ))
}
