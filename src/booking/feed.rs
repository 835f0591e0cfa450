//! A worker's private calendar feed: an address with a secret token that any calendar app
//! can subscribe to.

use super::{Booking, store};
use crate::AppState;
use crate::auth::password;
use crate::ids::PersonId;

/// Makes a new feed token for the person (the old one stops working); answers the token.
pub async fn renew(st: &AppState, person: PersonId) -> sqlx::Result<String> {
    let token = password::new_token();
    store::set_feed(
        &st.db,
        person,
        &password::token_hash(&token),
        st.clock.epoch(),
    )
    .await?;
    Ok(token)
}

/// The live bookings of the feed with this token, from 30 days back to 400 ahead; None for
/// an unknown token.
pub async fn bookings_of(st: &AppState, token: &str) -> anyhow::Result<Option<Vec<Booking>>> {
    let Some(person) = store::feed_owner(&st.db, &password::token_hash(token)).await? else {
        return Ok(None);
    };
    let now = st.clock.epoch();
    let mut bookings =
        store::of_person(&st.db, person, now - 30 * 86400, now + 400 * 86400).await?;
    // Several calendar apps keep showing STATUS:CANCELLED events of a subscribed feed: a
    // cancelled or released booking leaves the feed (its e-mail carries METHOD:CANCEL).
    bookings.retain(|b| b.status.is_live());
    Ok(Some(bookings))
}
