//! Cancelling a booking: the space is free again at once; its childcare places are
//! cancelled with it, or kept where the site allows, as the caller chose.

use super::errors::BookingError;
use super::{Booking, notify, store};
use crate::AppState;
use crate::error::ApiResult;
use crate::events::Event;
use crate::ids::PersonId;
use chrono::{DateTime, Utc};

/// What to do with the childcare places tied to the booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Places {
    Cancel,
    Keep,
}

/// Cancels a booking (`staff` may cancel one that has started) and, as asked, its places.
pub async fn cancel(
    st: &AppState,
    b: &Booking,
    places: Option<Places>,
    (by, staff): (PersonId, bool),
    now: DateTime<Utc>,
) -> ApiResult<Booking> {
    b.status.cancel().map_err(|_| BookingError::NotChangeable)?;
    if !staff && b.started(now) {
        return Err(BookingError::NotChangeable.into());
    }
    let site = b.site_id.0;
    let linked = !crate::childcare::store::places_of_booking(&st.db.pool, b.id.0)
        .await?
        .is_empty();
    // Read before the transaction: a pool read while holding one could wait for itself.
    let cc = match linked {
        true => crate::childcare::store::settings(&st.db, site).await?,
        false => None,
    };
    match (linked, places) {
        (false, _) | (true, Some(Places::Cancel)) => {}
        (true, Some(Places::Keep)) => {
            if !cc.as_ref().is_some_and(|s| s.keep_on_desk_cancel) {
                return Err(BookingError::KeepNotAllowed.into());
            }
        }
        (true, None) => return Err(BookingError::ChildcareLinked.into()),
    }
    // The desk and its places in one transaction: a failure leaves both as they were.
    let mut tx = st.db.begin().await?;
    crate::sites::store::lock(&mut tx, site).await?;
    let done = store::cancel(&mut tx, &[b.id], by, now.timestamp()).await?;
    let places = if linked && places == Some(Places::Cancel) && !done.is_empty() {
        crate::childcare::cancel_places_of_bookings(st, &mut tx, &[b.id.0], site, cc.as_ref())
            .await?
    } else {
        Vec::new()
    };
    for &id in &done {
        tx.publish(Event::BookingCancelled {
            site_id: b.site_id,
            booking_id: id,
            person_id: b.person_id,
        });
    }
    // One message for the desk and the childcare cancelled with it.
    notify::cancelled_with_places(st, &mut tx, &done, &places).await?;
    tx.commit().await?;
    super::change::reread(st, b.id).await
}
