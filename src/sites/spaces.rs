//! The use cases on a site's spaces.

use super::{SitesError, Space, SpaceKind, store};
use crate::db::Db;
use crate::error::{
    ApiError, ApiResult, CommonError, Text, Validator, invalid, on_constraint, taken,
};
use crate::ids::{SiteId, SpaceId};
use serde::Deserialize;
use utoipa::ToSchema;

/// A space's fields as a request gives them (all optional when changing).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaceInput {
    kind: Option<SpaceKind>,
    name: Option<String>,
    capacity: Option<i64>,
    attributes: Option<Vec<String>>,
    active: Option<bool>,
}

/// Adds a space to the site.
pub async fn create(db: &Db, site_id: SiteId, input: SpaceInput, now: i64) -> ApiResult<Space> {
    store::get(db, site_id).await?;
    let Some(kind) = input.kind else {
        // The shared code, with this form's own text.
        let text = Text::new("種類を選んでください。", "Choose the kind of space.");
        return Err(invalid("kind", CommonError::Required, text));
    };
    let blank = Space {
        id: SpaceId(0),
        site_id,
        kind,
        name: String::new(),
        capacity: 1,
        attributes: Vec::new(),
        active: true,
    };
    save(db, blank, input, now).await
}

/// Changes or deactivates a space; refused while upcoming bookings hold what would go.
pub async fn save(db: &Db, mut s: Space, input: SpaceInput, now: i64) -> ApiResult<Space> {
    let before = s.clone();
    s.kind = input.kind.unwrap_or(s.kind);
    s.name = input.name.unwrap_or(s.name).trim().to_string();
    s.capacity = input.capacity.unwrap_or(s.capacity);
    s.attributes = input.attributes.unwrap_or(s.attributes);
    s.attributes.sort();
    s.attributes.dedup();
    s.active = input.active.unwrap_or(s.active);
    let mut v = Validator::new();
    super::validate_space(&mut v, &s);
    v.finish()?;
    let mut tx = db.begin().await?;
    // Bookings of the site wait while the space changes under them (and the other way round):
    // most hold the site's lock, a booking of this space alone holds the space's.
    store::lock(&mut tx, s.site_id).await?;
    if s.id.0 != 0 {
        crate::db::lock_row(&mut tx, "spaces", s.id.0).await?;
    }
    if s.id.0 != 0 && (s.kind != before.kind || s.capacity < before.capacity || !s.active) {
        // Upcoming bookings hold this space as it is: its kind decides the one-desk rule and
        // its seats the capacity. They must be moved or cancelled first.
        let seat_floor = if s.kind != before.kind || !s.active {
            0
        } else {
            s.capacity
        };
        let held = store::seats_held(&mut tx, s.id, seat_floor, now).await?;
        if held > 0 {
            return Err(ApiError::from(SitesError::HasBookings).with("held", held));
        }
    }
    let id = store::save_space(&mut tx, &s).await.map_err(|e| {
        on_constraint(e, |c| {
            (c == "spaces_site_id_name_key").then(|| taken("name", "名前", "name"))
        })
    })?;
    tx.publish(crate::events::Event::SpaceChanged {
        site_id: s.site_id,
        space_id: id,
    });
    tx.commit().await?;
    store::space_by_id(db, id).await
}
