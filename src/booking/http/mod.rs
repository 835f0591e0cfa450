//! The booking API: each file parses, authorises, calls one use case and answers.

mod availability;
mod book;
mod cancel;
mod change;
mod check_in;
mod feed;
mod read;
mod series;

pub use availability::{Availability, SpaceAvailability};
pub use book::{Created, NewBookingRequest};
pub use series::{DateNote, NewSeriesRequest, SeriesResult};

use super::Booking;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::ids::BookingId;
use utoipa_axum::router::OpenApiRouter;

/// Every booking route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(availability::router())
        .merge(book::router())
        .merge(series::router())
        .merge(read::router())
        .merge(change::router())
        .merge(cancel::router())
        .merge(check_in::router())
        .merge(feed::router())
        .merge(super::with_places::router())
}

fn not_found() -> ApiError {
    ApiError::not_found("予約", "Booking")
}

/// A booking the caller may see and act on: their own, or any of a site they staff; and
/// whether the caller is its site's staff.
async fn visible(st: &AppState, who: &Principal, id: i64) -> ApiResult<(Booking, bool)> {
    let b = super::store::get(&st.db, BookingId(id))
        .await?
        .ok_or_else(not_found)?;
    let staff = who.has(b.site_id.0, &[Role::Reception, Role::Director]);
    if b.person_id == who.id || staff {
        Ok((b, staff))
    } else {
        Err(not_found())
    }
}
