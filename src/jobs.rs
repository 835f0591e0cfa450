//! The background loop that runs each area's periodic work. Every job is idempotent and safe
//! when several instances run it at once.

use crate::AppState;
use std::time::Duration;

/// Runs the jobs until the process ends.
pub async fn run(st: AppState) {
    let every = Duration::from_secs(st.config.job_interval.max(1));
    // The first run comes one interval after start, not at once: a starting instance joins
    // the others' rhythm instead of racing them.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        match crate::booking::release_no_shows(&st).await {
            Ok(ids) if !ids.is_empty() => {
                tracing::info!(count = ids.len(), "released no-show bookings")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "no-show release failed"),
        }
        match crate::booking::series::extend_all(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "series dates considered"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "series extension failed"),
        }
        match crate::booking::series::digests(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "series digests queued"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "series digests failed"),
        }
        match crate::booking::notify::reminders(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "queued reminders"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reminders failed"),
        }
        match crate::training::finish_ended(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "training completions granted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "closing ended training sessions failed"),
        }
        match crate::training::notify::reminders(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "queued training reminders"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "training reminders failed"),
        }
        match crate::access::notify::reminders(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "queued secure room expiry reminders"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "secure room reminders failed"),
        }
        match crate::auth::store::purge_expired(&st.db, st.clock.epoch()).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "purged old login throttles and links"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "login throttle purge failed"),
        }
        match crate::people::invite::purge(&st.db, st.clock.epoch()).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "purged expired invitations"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "invitation purge failed"),
        }
        match crate::childcare::notify::not_collected(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "queued not-collected notices"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "not-collected notices failed"),
        }
        match crate::occupancy::history::roll_up(&st.db, st.clock.epoch()).await {
            Ok(n) if n > 0 => tracing::info!(days = n, "rolled up utilisation"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "utilisation rollup failed"),
        }
        match crate::attendance::close_forgotten(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "closed forgotten check-outs"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "closing forgotten check-outs failed"),
        }
        match crate::pay::terms::send_pending(&st).await {
            Ok(n) if n > 0 => tracing::info!(count = n, "sent assignment terms notices"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "assignment terms notices failed"),
        }
        match crate::mail::send_due(&st).await {
            Ok(r) if r != crate::mail::Report::default() => tracing::info!(?r, "mail run"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail run failed"),
        }
    }
}
