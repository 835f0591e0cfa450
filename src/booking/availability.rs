//! Free seats per space and 15-minute slot for one site-day (two queries, however many
//! bookings the site has).

use super::{SiteContext, rules, store};
use crate::AppState;
use crate::error::ApiResult;
use crate::sites::{self, Space, SpaceKind};
use chrono::{Duration, NaiveDate, NaiveTime};

/// A bookable space and its free seats in each slot of the day.
pub struct SpaceFree {
    pub space: Space,
    pub free: Vec<i64>,
}

/// The slots of a site-day (each slot's local start), and each bookable space of `kind` with
/// every attribute in `wanted`.
pub async fn availability(
    st: &AppState,
    ctx: &SiteContext,
    date: NaiveDate,
    kind: Option<SpaceKind>,
    wanted: &[String],
) -> ApiResult<(Vec<NaiveTime>, Vec<SpaceFree>)> {
    let day = ctx.schedule.day(date);
    let mut slots = Vec::new();
    if let Some(h) = day.hours {
        let mut t = h.open;
        while t < h.close {
            if let Ok(at) = rules::instant(ctx.schedule.tz, date, t) {
                slots.push((t, at.timestamp()));
            }
            t += Duration::minutes(rules::GRID_MINUTES as i64);
        }
    }
    let (from, to) = ctx.schedule.day_bounds(date);
    let held = store::held(&st.db, ctx.site_id(), from, to).await?;
    let spaces = sites::store::spaces(&st.db, ctx.site.id)
        .await?
        .into_iter()
        .filter(|s| {
            s.active
                && matches!(
                    s.kind,
                    SpaceKind::Desk | SpaceKind::Room | SpaceKind::MeetingRoom
                )
        })
        .filter(|s| kind.is_none_or(|k| k == s.kind))
        .filter(|s| wanted.iter().all(|a| s.attributes.contains(a)))
        .map(|space| {
            let id = space.id;
            let free = slots
                .iter()
                .map(|(_, at)| {
                    let end = at + rules::GRID_SECS;
                    let busy = held
                        .iter()
                        .filter(|(sp, _, a, b)| *sp == id && *a < end && *b > *at)
                        .count();
                    (space.capacity - busy as i64).max(0)
                })
                .collect();
            SpaceFree { space, free }
        })
        .collect();
    Ok((slots.into_iter().map(|(t, _)| t).collect(), spaces))
}
