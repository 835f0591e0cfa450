//! Attendance: a worker's month at a site, from kiosk presence and remote hours, per client
//! project; its submission, approval (which locks it, in the database) and audited changes.
//! Presence sessions are this area's: the kiosk opens and closes them through `presence`
//! inside its scan's transaction.

pub mod assignments;
pub mod entries;
pub mod errors;
pub mod http;
pub mod month;
pub mod notify;
pub mod presence;
pub mod rules;
pub mod sheet;
pub mod store;

use crate::db::Db;
use crate::error::ApiResult;
use crate::ids::SiteId;
use crate::sites::rules::Schedule;

/// A site's calendar and zone, which every day and month of attendance is counted in.
pub async fn schedule_of(db: &Db, site: SiteId) -> ApiResult<Schedule> {
    let s = crate::sites::store::get(db, site).await?;
    crate::sites::store::schedule(db, &s).await
}

/// Closes forgotten check-outs (the job).
pub use presence::close_forgotten;
