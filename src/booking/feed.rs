//! A worker's private calendar feed: an address with a secret token that any calendar app
//! can subscribe to.

use super::ics::CalEvent;
use super::store;
use crate::AppState;
use crate::auth::password;
use crate::ids::{PersonId, SiteId};
use crate::sites::Whereabouts;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

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

/// The feed with this token as a calendar, from 30 days back to 400 ahead: each live booking
/// an event located at its desk, site and address, in the owner's language; None for an
/// unknown token.
pub async fn calendar_of(st: &AppState, token: &str) -> anyhow::Result<Option<String>> {
    let Some(person) = store::feed_owner(&st.db, &password::token_hash(token)).await? else {
        return Ok(None);
    };
    let now = st.clock.epoch();
    let mut bookings =
        store::of_person(&st.db, person, now - 30 * 86400, now + 400 * 86400).await?;
    // Several calendar apps keep showing STATUS:CANCELLED events of a subscribed feed: a
    // cancelled or released booking leaves the feed (its e-mail carries METHOD:CANCEL).
    bookings.retain(|b| b.status.is_live());
    let lang = crate::auth::stored_language(&store::language_of(&st.db, person).await?, person)?;
    let base = st.config.base_url();
    let mut sites: HashMap<SiteId, Whereabouts> = HashMap::new();
    let mut events = Vec::with_capacity(bookings.len());
    for b in &bookings {
        if let Entry::Vacant(v) = sites.entry(b.site_id) {
            v.insert(Whereabouts::of(
                &crate::sites::store::get(&st.db, b.site_id).await?,
            ));
        }
        let location = sites
            .get(&b.site_id)
            .map_or_else(|| b.space_name.clone(), |w| w.location(&b.space_name, lang));
        events.push(CalEvent {
            location,
            ..CalEvent::of_booking(b, &base)
        });
    }
    Ok(Some(super::ics::calendar(&events, None, None)))
}
