//! Moving a booking.

use super::visible;
use crate::AppState;
use crate::auth::Principal;
use crate::booking::Booking;
use crate::booking::change::{Change, change as move_booking};
use crate::error::{ApiResult, Json, Path, parse_date, parse_time};
use crate::ids::SpaceId;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(super::read::get_booking, change))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    date: Option<String>,
    start: Option<String>,
    end: Option<String>,
    space_id: Option<i64>,
}

/// Moves a booking to another time or space (before it starts). Childcare places tied to it
/// move with it (kept within it, the ratio checked), or the move is refused.
#[utoipa::path(patch, path = "/api/v1/bookings/{id}", tag = "bookings", params(("id" = i64, Path)), request_body = ChangeRequest,
    responses((status = 200, body = Booking), (status = 409, description = "booking.overlap, booking.not_changeable, booking.childcare_does_not_fit, booking.childcare_in_room, childcare.child_overlap")))]
async fn change(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(req): Json<ChangeRequest>,
) -> ApiResult<Json<Booking>> {
    let (b, _) = visible(&st, &who, id).await?;
    // A booking that cannot move says so before its fields are looked at.
    b.changeable(st.clock.now())?;
    let to = Change {
        date: req
            .date
            .as_deref()
            .map(|d| parse_date("date", d))
            .transpose()?,
        start: req
            .start
            .as_deref()
            .map(|t| parse_time("start", t))
            .transpose()?,
        end: req
            .end
            .as_deref()
            .map(|t| parse_time("end", t))
            .transpose()?,
        space_id: req.space_id.map(SpaceId),
    };
    Ok(Json(move_booking(&st, &b, &to, st.clock.now()).await?))
}
