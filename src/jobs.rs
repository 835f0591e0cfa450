//! The background loop that runs each area's periodic work. Every job is idempotent and safe
//! when several instances run it at once.

use crate::AppState;
use std::time::Duration;

/// Runs the jobs until the process ends.
pub async fn run(st: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(st.config.job_interval.max(1)));
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
