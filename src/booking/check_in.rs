//! Checking a booking in at reception; the kiosk checks in on a scan by the same rule
//! (`rules::check_in_open`, the site's margin).

use super::errors::BookingError;
use super::{Booking, rules, store};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};

/// Checks a booking in, within the site's check-in window.
pub async fn check_in(st: &AppState, b: &Booking, now: DateTime<Utc>) -> ApiResult<Booking> {
    b.status.check_in()?;
    let early = crate::sites::store::get(&st.db, b.site_id.0)
        .await?
        .check_in_early_minutes;
    let (starts, ends) = b.range();
    if !rules::check_in_open(now.timestamp(), starts, ends, early * 60) {
        return Err(ApiError::from(BookingError::NotNow).with("early", early));
    }
    // Reception marks the booking only: CheckedIn belongs to the presence the kiosk opens.
    store::check_in(&st.db.pool, b.id, now.timestamp()).await?;
    super::change::reread(st, b.id).await
}
