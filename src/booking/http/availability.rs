//! Availability of a site-day.

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::booking::{SiteContext, availability::availability as free_seats};
use crate::error::{ApiResult, Json, Path, Query, parse_date};
use crate::sites::{DayView, SpaceKind};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(availability))
}

#[derive(Deserialize, IntoParams)]
pub struct AvailabilityQuery {
    /// Local date, YYYY-MM-DD.
    date: String,
    /// Only spaces of this kind (desk, room, meeting_room).
    kind: Option<SpaceKind>,
    /// Comma-separated attributes every space shown must have, e.g. `monitor,quiet_zone`.
    attributes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SpaceAvailability {
    id: i64,
    name: String,
    kind: SpaceKind,
    capacity: i64,
    attributes: Vec<String>,
    /// Free seats in each slot of `slots`.
    free: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Availability {
    day: DayView,
    /// Start of each 15-minute slot, local HH:MM (empty on a closed day).
    slots: Vec<String>,
    spaces: Vec<SpaceAvailability>,
}

/// Free seats per space and 15-minute slot for one site-day (two queries, however many
/// bookings the site has).
#[utoipa::path(get, path = "/api/v1/sites/{id}/availability", tag = "bookings",
    params(("id" = i64, Path), AvailabilityQuery), responses((status = 200, body = Availability)))]
async fn availability(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Query(q): Query<AvailabilityQuery>,
) -> ApiResult<Json<Availability>> {
    who.require(site_id, &Role::ALL)?;
    let date = parse_date("date", &q.date)?;
    let ctx = SiteContext::load(&st, site_id).await?;
    let wanted: Vec<String> = q
        .attributes
        .unwrap_or_default()
        .split(',')
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    let (slots, spaces) = free_seats(&st, &ctx, date, q.kind, &wanted).await?;
    Ok(Json(Availability {
        day: ctx.schedule.day(date).into(),
        slots: slots
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect(),
        spaces: spaces
            .into_iter()
            .map(|s| SpaceAvailability {
                id: s.space.id.0,
                name: s.space.name,
                kind: s.space.kind,
                capacity: s.space.capacity,
                attributes: s.space.attributes,
                free: s.free,
            })
            .collect(),
    }))
}
