//! The live stream: server-sent events whose first message is the site's snapshot, followed by a
//! fresh snapshot after each domain event of the site. One task per site and view on each instance
//! (a hub) takes the snapshots and shares each, serialised once, with every stream of that site and
//! view: 200 screens cost one snapshot per change, not 200. Events that arrive together, or within
//! [`MIN_GAP`] of the last snapshot, give one snapshot; a hub that fell behind the events, or whose
//! instance's PostgreSQL listener reconnected or could not send its events (events may have been
//! missed), takes a fresh one, and every 30 s one comes anyway (arrivals due and closing-time
//! alerts change with the clock). Every message is the whole state and a stream starts with the
//! latest, so a reconnecting client (with or without `Last-Event-ID`) is never left stale.

use super::snapshot::{ChildView, snapshot};
use crate::clock::Clock;
use crate::db::Db;
use crate::ids::SiteId;
use axum::response::sse;
use futures_util::Stream;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::watch;

/// How often a snapshot comes without any event.
const REFRESH: Duration = Duration::from_secs(30);

/// The shortest time between two snapshots of a hub: the events of a rush (200 scans a second)
/// share a snapshot instead of queueing one each for the database in front of the kiosk's
/// scans, and a screen that changes 20 times a second is as live as anyone can see.
const MIN_GAP: Duration = Duration::from_millis(50);

/// A snapshot as JSON, shared by the streams of a site and view.
pub type Frame = Arc<String>;

type Feed = Arc<watch::Sender<Option<Frame>>>;

/// The hubs of every instance in the process, by the instance's event bus, site and view.
/// Each entry holds its bus, so that the bus's id (an address) cannot be reused by another
/// instance's bus while the entry exists.
type Key = (usize, SiteId, ChildView);
static HUBS: LazyLock<Mutex<HashMap<Key, (Feed, crate::events::Bus)>>> =
    LazyLock::new(Mutex::default);

/// The snapshots of a site for a view, starting a hub if none runs. The current value is the
/// latest snapshot (None until the first is taken); the feed closes if the hub cannot take
/// one (the database failed): the streams then end and their clients reconnect.
pub fn frames(
    db: &Db,
    clock: &Clock,
    site: SiteId,
    view: ChildView,
) -> watch::Receiver<Option<Frame>> {
    let key = (db.events.id(), site, view);
    let mut hubs = HUBS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((feed, _)) = hubs.get(&key) {
        return feed.subscribe();
    }
    let feed: Feed = Arc::new(watch::channel(None).0);
    let rx = feed.subscribe();
    hubs.insert(key, (feed.clone(), db.events.receiving()));
    tokio::spawn(hub(db.clone(), clock.clone(), key, feed));
    rx
}

/// Removes a hub from the registry (when it is this very one).
fn retire(key: &Key, feed: &Feed) {
    let mut hubs = HUBS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if hubs.get(key).is_some_and(|(f, _)| Arc::ptr_eq(f, feed)) {
        hubs.remove(key);
    }
}

/// Removes a hub nobody watches; answers whether it did. Under the registry's lock, so no
/// stream subscribes in between.
fn retire_idle(key: &Key, feed: &Feed) -> bool {
    let mut hubs = HUBS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if feed.receiver_count() > 0 {
        return false;
    }
    if hubs.get(key).is_some_and(|(f, _)| Arc::ptr_eq(f, feed)) {
        hubs.remove(key);
    }
    true
}

/// Takes a snapshot after each change until no stream listens any more.
async fn hub(db: Db, clock: Clock, key: Key, feed: Feed) {
    let (_, site, view) = key;
    // Before the first snapshot, so nothing committed in between is missed.
    let mut events = db.subscribe();
    let mut reconnections = db.events.reconnections();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + REFRESH, REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let taken = tokio::time::Instant::now();
        let frame = match snapshot(&db, site, clock.epoch(), view).await {
            Ok(snap) => serde_json::to_string(&snap).map_err(anyhow::Error::from),
            Err(e) => Err(anyhow::anyhow!("{e:?}")),
        };
        match frame {
            Ok(json) => {
                feed.send_replace(Some(Arc::new(json)));
            }
            Err(e) => {
                tracing::warn!(error = %e, %site, "live view: no snapshot; its streams end");
                retire(&key, &feed);
                return;
            }
        }
        // Wait for a change of the site.
        loop {
            tokio::select! {
                got = events.recv() => match got {
                    Ok(event) if event.site_id() == site => break,
                    Ok(_) => continue,
                    // Fell behind: some events are lost, a fresh snapshot covers them.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => {
                        retire(&key, &feed);
                        return;
                    }
                },
                changed = reconnections.changed() => {
                    if changed.is_err() {
                        retire(&key, &feed);
                        return;
                    }
                    break;
                }
                _ = tick.tick() => {
                    if retire_idle(&key, &feed) {
                        return;
                    }
                    break;
                }
            }
        }
        tokio::time::sleep_until(taken + MIN_GAP).await;
        // Events already queued are covered by the snapshot about to be taken.
        while let Ok(_) | Err(TryRecvError::Lagged(_)) = events.try_recv() {}
    }
}

struct State {
    frames: watch::Receiver<Option<Frame>>,
    first: bool,
    /// Whether to go on after the first message.
    follow: bool,
    seq: u64,
    still_allowed: StillAllowed,
    clock: Clock,
    /// When the viewer was last found allowed (the service clock's epoch seconds).
    checked: i64,
}

/// Whether the viewer may still see the stream (their session alive, their role and view the
/// same): asked again every [`RECHECK`] while the stream stays open, which ends it when not.
pub type StillAllowed =
    Arc<dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// How often (seconds) an open stream asks again whether its viewer may still see it (the hub
/// sends a snapshot at least every 30 s, so a logged-out or demoted viewer is cut off soon).
const RECHECK_SECS: i64 = 30;

/// The stream of snapshots: the latest at once, then each new one (for ever when `follow`,
/// else the first alone). It ends when its hub stops.
pub fn stream(
    frames: watch::Receiver<Option<Frame>>,
    follow: bool,
    clock: Clock,
    still_allowed: StillAllowed,
) -> impl Stream<Item = Result<sse::Event, Infallible>> {
    // Streams opened together (a wall of screens, every tablet after a restart) would all ask
    // again at the same frame and queue for the database in front of the kiosk's scans: each
    // stream starts at its own point of the interval, so the checks come a few at a time.
    static OPENED: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let offset = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % RECHECK_SECS;
    let state = State {
        frames,
        first: true,
        follow,
        seq: 0,
        still_allowed,
        checked: clock.epoch() - offset,
        clock,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if !s.first {
            if !s.follow {
                return None;
            }
            s.frames.changed().await.ok()?;
            let now = s.clock.epoch();
            if now - s.checked >= RECHECK_SECS {
                if !(s.still_allowed)().await {
                    return None;
                }
                s.checked = now;
            }
        }
        s.first = false;
        let frame = s.frames.borrow_and_update().clone()?;
        s.seq += 1;
        let event = sse::Event::default()
            .event("snapshot")
            .id(s.seq.to_string())
            .data(frame.as_str());
        Some((Ok(event), s))
    })
}

/// Most live streams one person may hold open on one instance (tabs, phones, a wall screen);
/// `KADO_LIVE_STREAMS_PER_PERSON` changes it (the benchmark's 200 screens share one login).
pub const STREAMS_PER_PERSON: usize = 10;
/// Most live streams open on one instance; `KADO_LIVE_STREAMS_TOTAL` changes it.
pub const STREAMS_TOTAL: usize = 2000;

/// Why a stream was not opened.
#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    /// This person holds the most streams allowed.
    Person(usize),
    /// The instance holds the most streams allowed.
    Total(usize),
}

/// Open streams in all, and per (instance's event bus, person).
type Counts = (usize, HashMap<(usize, i64), usize>);

/// Counts the open streams, per person and in all, against their limits.
#[derive(Debug)]
pub struct Gate {
    per_person: usize,
    total: usize,
    open: Mutex<Counts>,
}

/// An open stream's place at the gate, given back when the stream ends (dropped).
#[derive(Debug)]
pub struct Permit {
    gate: &'static Gate,
    key: (usize, i64),
}

impl Gate {
    /// A gate with these limits.
    pub fn new(per_person: usize, total: usize) -> Gate {
        Gate {
            per_person,
            total,
            open: Mutex::new((0, HashMap::new())),
        }
    }

    /// A place for one more stream of `person` on the instance whose event bus is `bus`, or
    /// why not.
    pub fn admit(&'static self, bus: usize, person: i64) -> Result<Permit, Full> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (bus, person);
        let mine = open.1.get(&key).copied().unwrap_or(0);
        if mine >= self.per_person {
            return Err(Full::Person(self.per_person));
        }
        if open.0 >= self.total {
            return Err(Full::Total(self.total));
        }
        open.0 += 1;
        open.1.insert(key, mine + 1);
        Ok(Permit { gate: self, key })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self
            .gate
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.0 = open.0.saturating_sub(1);
        if let Some(n) = open.1.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.1.remove(&self.key);
            }
        }
    }
}

fn limit_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// The process's gate for live streams.
pub static GATE: LazyLock<Gate> = LazyLock::new(|| {
    Gate::new(
        limit_from_env("KADO_LIVE_STREAMS_PER_PERSON", STREAMS_PER_PERSON),
        limit_from_env("KADO_LIVE_STREAMS_TOTAL", STREAMS_TOTAL),
    )
});

#[cfg(test)]
mod gate_tests {
    use super::*;

    #[test]
    fn streams_are_counted_per_person_and_in_all_and_given_back() {
        static G: LazyLock<Gate> = LazyLock::new(|| Gate::new(2, 3));
        let a1 = G.admit(1, 7).unwrap();
        let _a2 = G.admit(1, 7).unwrap();
        assert_eq!(G.admit(1, 7).unwrap_err(), Full::Person(2));
        // The same person id on another instance (another database) is someone else.
        let _b1 = G.admit(2, 7).unwrap();
        assert_eq!(G.admit(1, 8).unwrap_err(), Full::Total(3));
        drop(a1);
        let _c1 = G.admit(1, 8).unwrap();
        assert_eq!(G.admit(1, 7).unwrap_err(), Full::Total(3));
    }
}
