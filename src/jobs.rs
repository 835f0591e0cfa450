//! The background loop that runs each area's periodic work. Every job is idempotent and safe
//! when several instances run it at once.

use crate::AppState;
use std::time::Duration;

/// How often the jobs run.
const EVERY: Duration = Duration::from_secs(30);

/// Runs the jobs until the process ends.
pub async fn run(st: AppState) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match crate::booking::store::release_no_shows(&st.db, st.clock.now()).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(count = ids.len(), "released no-show bookings")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "no-show release failed"),
        }
    }
}
