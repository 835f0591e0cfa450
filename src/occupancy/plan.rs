//! The site's plan: where each space sits, placed by its directors.

use super::errors::OccupancyError;
use super::store;
use crate::db::Db;
use crate::error::{ApiResult, Validator};
use crate::events::Event;
use crate::ids::{SiteId, SpaceId};
use serde::Deserialize;
use utoipa::ToSchema;

/// Positions of some of a site's spaces.
#[derive(Deserialize, ToSchema)]
pub struct PlanInput {
    /// At most 500.
    pub positions: Vec<Position>,
}

/// A space's rectangle on a 1000 x 1000 plan (x, y: the top-left corner).
#[derive(Deserialize, ToSchema)]
pub struct Position {
    pub space_id: SpaceId,
    pub x: i64,
    pub y: i64,
    /// 40 when absent.
    pub width: Option<i64>,
    /// 40 when absent.
    pub height: Option<i64>,
}

/// Whether a rectangle lies on the plan.
pub fn on_plan(x: i64, y: i64, w: i64, h: i64) -> bool {
    (0..=1000).contains(&x)
        && (0..=1000).contains(&y)
        && (1..=1000).contains(&w)
        && (1..=1000).contains(&h)
        && x + w <= 1000
        && y + h <= 1000
}

/// Stores the positions (each space of the site, each on the plan) and tells the live views.
pub async fn place(db: &Db, site: SiteId, input: PlanInput) -> ApiResult<()> {
    let ids = store::space_ids(db, site).await?;
    let mut v = Validator::new();
    let mut rows = Vec::new();
    if input.positions.len() > 500 {
        v.reject("positions", OccupancyError::BadPosition);
    }
    for (i, p) in input.positions.iter().enumerate() {
        let (w, h) = (p.width.unwrap_or(40), p.height.unwrap_or(40));
        if !ids.contains(&p.space_id) {
            v.reject(
                format!("positions[{i}].space_id"),
                OccupancyError::UnknownSpace,
            );
        } else if !on_plan(p.x, p.y, w, h) {
            v.reject(format!("positions[{i}]"), OccupancyError::BadPosition);
        } else {
            rows.push((p.space_id, [p.x, p.y, w, h]));
        }
    }
    v.finish()?;
    let mut tx = db.begin().await?;
    store::put_positions(&mut tx, site, &rows).await?;
    tx.publish(Event::PlanChanged { site_id: site });
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::on_plan;

    #[test]
    fn rectangles_stay_on_the_plan() {
        assert!(on_plan(0, 0, 1000, 1000));
        assert!(on_plan(960, 960, 40, 40));
        assert!(!on_plan(961, 0, 40, 40));
        assert!(!on_plan(-1, 0, 40, 40));
        assert!(!on_plan(0, 0, 0, 40));
        assert!(!on_plan(0, 1001, 1, 1));
    }
}
