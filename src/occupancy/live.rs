//! The live stream: server-sent events whose first message is the site's snapshot, followed by
//! a fresh snapshot after each domain event of the site (events that arrive together give one
//! snapshot). A client that falls behind, or an instance whose PostgreSQL listener reconnected
//! (events may have been missed), gets a fresh snapshot too, and every 30 s one comes anyway
//! (arrivals due and closing-time alerts change with the clock). Every message is the whole
//! state, so a reconnecting client (with or without `Last-Event-ID`) is never left stale.

use super::snapshot::{ChildView, Snapshot, snapshot};
use crate::clock::Clock;
use crate::db::Db;
use crate::events::Event;
use crate::ids::SiteId;
use axum::response::sse;
use futures_util::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};

/// How often a snapshot comes without any event.
const REFRESH: Duration = Duration::from_secs(30);

/// A subscription taken before the first snapshot, so nothing committed in between is missed.
pub struct Subscription {
    events: broadcast::Receiver<Event>,
    reconnections: watch::Receiver<u64>,
}

/// Subscribes to the database's events and the listener's reconnections.
pub fn subscribe(db: &Db) -> Subscription {
    Subscription {
        events: db.subscribe(),
        reconnections: db.events.reconnections(),
    }
}

struct State {
    db: Db,
    clock: Clock,
    site: SiteId,
    view: ChildView,
    sub: Subscription,
    first: Option<Snapshot>,
    /// Whether to go on after the first message.
    follow: bool,
    seq: u64,
    tick: tokio::time::Interval,
}

/// The stream of snapshots: `first`, then one after each change (for ever when `follow`,
/// else the first alone). It ends when a snapshot cannot be taken (the client reconnects and
/// starts afresh).
pub fn stream(
    db: Db,
    clock: Clock,
    site: SiteId,
    view: ChildView,
    sub: Subscription,
    first: Snapshot,
    follow: bool,
) -> impl Stream<Item = Result<sse::Event, Infallible>> {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + REFRESH, REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = State {
        db,
        clock,
        site,
        view,
        sub,
        first: Some(first),
        follow,
        seq: 0,
        tick,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        let snap = match s.first.take() {
            Some(first) => first,
            None if !s.follow => return None,
            None => {
                s.changed().await?;
                match snapshot(&s.db, s.site, s.clock.epoch(), s.view).await {
                    Ok(snap) => snap,
                    Err(e) => {
                        tracing::warn!(error = ?e, site = %s.site, "live view: no snapshot; ending the stream");
                        return None;
                    }
                }
            }
        };
        s.seq += 1;
        let event = sse::Event::default()
            .event("snapshot")
            .id(s.seq.to_string())
            .json_data(&snap);
        match event {
            Ok(event) => Some((Ok(event), s)),
            Err(e) => {
                tracing::error!(error = %e, "live view: snapshot does not serialise");
                None
            }
        }
    })
}

impl State {
    /// Waits until the site may have changed; None when the events have stopped for good.
    async fn changed(&mut self) -> Option<()> {
        loop {
            tokio::select! {
                got = self.sub.events.recv() => match got {
                    Ok(event) if event.site_id() == self.site => break,
                    Ok(_) => continue,
                    // Fell behind: some events are lost, a fresh snapshot covers them.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return None,
                },
                changed = self.sub.reconnections.changed() => {
                    changed.ok()?;
                    break;
                }
                _ = self.tick.tick() => break,
            }
        }
        // Events already queued are covered by the snapshot about to be taken.
        while let Ok(_) | Err(TryRecvError::Lagged(_)) = self.sub.events.try_recv() {}
        Some(())
    }
}
