//! The childcare API: the routes of each use-case group, and who may act on what.

use super::children::child_not_found;
use super::store::{self, ChildRow};
use super::{
    View, children, day_notes, day_record, handover, naps, places, room, shifts, standard, tablet,
};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ids::SiteId;
use utoipa_axum::router::OpenApiRouter;

/// Every childcare route (booking places with a desk is booking's: `booking::with_places`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(children::router())
        .merge(standard::router())
        .merge(shifts::router())
        .merge(places::router())
        .merge(handover::router())
        .merge(room::router())
        .merge(tablet::router())
        .merge(naps::router())
        .merge(day_notes::router())
        .merge(day_record::router())
}

/// The site's staff, who see the childcare room's day.
pub const STAFF: [Role; 4] = [
    Role::Reception,
    Role::Caregiver,
    Role::Trainer,
    Role::Director,
];

/// Those who hand children over.
pub const CARERS: [Role; 2] = [Role::Caregiver, Role::Director];

/// The 404 of a place the caller may not see.
pub fn place_not_found() -> ApiError {
    ApiError::not_found("託児予約", "Childcare booking")
}

/// Whether `who` holds the caregiver role itself at the site. Not `Principal::has`, which
/// counts a global administrator as holding every role: allergies and medical notes go to
/// the child's guardians and caregivers only, never to directors or administrators as such
/// (a director who needs them for an incident takes a caregiver role at the site).
pub fn cares_at(who: &Principal, site: SiteId) -> bool {
    who.grants
        .iter()
        .any(|g| g.site_id == site && g.role == Role::Caregiver)
}

/// How much of a child `who` may see: guardians and caregivers of a site where the child has
/// a place see everything; the site's other staff (and administrators) see the name.
pub async fn view_of(db: &Db, who: &Principal, c: &ChildRow) -> ApiResult<View> {
    if c.guardian_ids.contains(&who.id) {
        return Ok(View::Full);
    }
    let sites = store::sites_of_child(db, c.id).await?;
    if sites.iter().any(|s| cares_at(who, *s)) {
        Ok(View::Full)
    } else if sites.iter().any(|s| who.has(*s, &STAFF)) {
        Ok(View::NameOnly)
    } else {
        Err(child_not_found())
    }
}
