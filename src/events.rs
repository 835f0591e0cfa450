//! Domain events: what happened, published by an area inside its write transaction
//! ([`crate::db::Tx::publish`]) and delivered only after that transaction commits, so other
//! areas (the live occupancy view) react without being called.
//!
//! SQLite: the committing instance sends them to its in-process subscribers ([`Bus`]).
//! PostgreSQL: after the commit, one task per instance sends them with `pg_notify`, in the order
//! this instance's commits returned and as few NOTIFYs as fit, and each instance's one listener
//! task ([`listen`]) hands them to its in-process subscribers. That listener is their only source
//! there, so nobody gets one twice. They are not sent inside the transaction: a NOTIFY holds a lock
//! shared by the whole database from its commit's start to its end, WAL flush included, so
//! notifying transactions commit one at a time (measured on the kiosk's scans: commit 0.89 ms on
//! average instead of 0.46, BENCHMARKS.md, 2026-11-30). The price: an instance that stops between a
//! commit and its NOTIFY (a crash, or a stop with events still queued) loses those events;
//! subscribers keep views, not records, and the next event, a reconnection or their periodic
//! refresh brings them up to date. Sending takes a connection of the pool like a request.

use crate::ids::{BookingId, ChildId, PersonId, RollCallEntryId, RollCallId, SiteId, SpaceId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Something that happened at a site, as its subscribers receive it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A person checked in (kiosk or reception), against their booking when they had one.
    CheckedIn {
        site_id: SiteId,
        person_id: PersonId,
        booking_id: Option<BookingId>,
    },
    /// A person checked out.
    CheckedOut {
        site_id: SiteId,
        person_id: PersonId,
        booking_id: Option<BookingId>,
    },
    /// A desk or room booking was made.
    BookingMade {
        site_id: SiteId,
        booking_id: BookingId,
        person_id: PersonId,
    },
    /// A booking was cancelled by its person or the staff.
    BookingCancelled {
        site_id: SiteId,
        booking_id: BookingId,
        person_id: PersonId,
    },
    /// A booking was released because nobody checked in (no-show).
    BookingReleased {
        site_id: SiteId,
        booking_id: BookingId,
        person_id: PersonId,
    },
    /// A booking moved to another time or space.
    BookingMoved {
        site_id: SiteId,
        booking_id: BookingId,
        person_id: PersonId,
    },
    /// A child was handed over to the childcare room.
    ChildDroppedOff { site_id: SiteId, child_id: ChildId },
    /// A child was collected from the childcare room.
    ChildPickedUp { site_id: SiteId, child_id: ChildId },
    /// A space was created, changed or removed.
    SpaceChanged { site_id: SiteId, space_id: SpaceId },
    /// An evacuation roll call started at a site.
    RollCallStarted {
        site_id: SiteId,
        roll_call_id: RollCallId,
    },
    /// A person or child on a roll call was marked safe.
    RollCallMarked {
        site_id: SiteId,
        roll_call_id: RollCallId,
        entry_id: RollCallEntryId,
    },
    /// A roll call ended (its report is saved).
    RollCallEnded {
        site_id: SiteId,
        roll_call_id: RollCallId,
    },
    /// Directors moved spaces on the site's plan.
    PlanChanged { site_id: SiteId },
    /// Someone went into (`inside`) or out of a secure room through its door reader.
    DoorPassed {
        site_id: SiteId,
        space_id: SpaceId,
        person_id: PersonId,
        inside: bool,
    },
}

impl Event {
    /// The site where it happened.
    pub fn site_id(&self) -> SiteId {
        match self {
            Event::CheckedIn { site_id, .. }
            | Event::CheckedOut { site_id, .. }
            | Event::BookingMade { site_id, .. }
            | Event::BookingCancelled { site_id, .. }
            | Event::BookingReleased { site_id, .. }
            | Event::BookingMoved { site_id, .. }
            | Event::ChildDroppedOff { site_id, .. }
            | Event::ChildPickedUp { site_id, .. }
            | Event::SpaceChanged { site_id, .. }
            | Event::RollCallStarted { site_id, .. }
            | Event::RollCallMarked { site_id, .. }
            | Event::RollCallEnded { site_id, .. }
            | Event::PlanChanged { site_id }
            | Event::DoorPassed { site_id, .. } => *site_id,
        }
    }
}

/// The PostgreSQL channel the events travel on (per database).
pub const CHANNEL: &str = "kado_events";

/// PostgreSQL refuses a NOTIFY payload of this many bytes or more (by default).
const PAYLOAD_LIMIT: usize = 8000;

/// Committed events an instance keeps for sending; past that (PostgreSQL unreachable for long)
/// they are dropped and the subscribers told to reload, as after a reconnection.
const QUEUE: usize = 10_000;

/// Events a slow subscriber may fall behind by before it misses some (it is told so:
/// `RecvError::Lagged`).
const CAPACITY: usize = 1024;

/// The in-process subscribers of one instance, a counter of the listener's reconnections
/// (events committed while it was away are lost: whoever keeps a view from them reloads it),
/// and on PostgreSQL the queue of committed events to send ([`Bus::sending_to`]).
#[derive(Clone, Debug)]
pub struct Bus(
    broadcast::Sender<Event>,
    std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    Option<mpsc::Sender<String>>,
);

impl Default for Bus {
    fn default() -> Bus {
        Bus(
            broadcast::channel(CAPACITY).0,
            std::sync::Arc::new(tokio::sync::watch::channel(0).0),
            None,
        )
    }
}

impl Bus {
    /// Receives every event delivered from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.0.subscribe()
    }

    /// Changes each time the PostgreSQL listener has reconnected or committed events could not
    /// be sent, after which events may have been missed.
    pub fn reconnections(&self) -> tokio::sync::watch::Receiver<u64> {
        self.1.subscribe()
    }

    /// Tells buses apart: the same number for every clone of one bus (one instance).
    pub fn id(&self) -> usize {
        std::sync::Arc::as_ptr(&self.1).addr()
    }

    fn reconnected(&self) {
        self.1.send_modify(|n| *n += 1);
    }

    /// PostgreSQL: a bus whose committed events one task sends with `pg_notify` through
    /// `pool`, until the last clone of the bus that publishes is dropped.
    pub(crate) fn sending_to(pool: sqlx::AnyPool) -> Bus {
        let (queue, rx) = mpsc::channel(QUEUE);
        let local = Bus::default();
        tokio::spawn(send(pool, rx, local.clone()));
        Bus(local.0, local.1, Some(queue))
    }

    /// The same subscribers, for those who only receive (the listener, the live view's hubs):
    /// it does not keep the sending task, and with it the pool, alive.
    pub fn receiving(&self) -> Bus {
        Bus(self.0.clone(), self.1.clone(), None)
    }

    /// The events of a new transaction.
    pub(crate) fn pending(&self) -> Pending {
        Pending {
            bus: self.clone(),
            events: Vec::new(),
        }
    }

    fn send(&self, event: Event) {
        // No subscriber is no error: nobody is interested yet.
        let _ = self.0.send(event);
    }
}

/// The events published in a transaction that has not committed yet.
pub(crate) struct Pending {
    bus: Bus,
    events: Vec<(Event, String)>,
}

impl Pending {
    /// Keeps an event until the commit; one too large for a NOTIFY is logged and dropped
    /// (events are a few ids: only a bug makes one that large).
    pub(crate) fn push(&mut self, event: Event) {
        let json = match serde_json::to_string(&event) {
            Ok(json) if json.len() + 2 < PAYLOAD_LIMIT => json,
            Ok(json) => {
                tracing::error!(bytes = json.len(), ?event, "event too large to publish");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, ?event, "event cannot be serialised");
                return;
            }
        };
        self.events.push((event, json));
    }

    /// After the commit: on PostgreSQL into the queue of events to send (they come back to
    /// this instance's subscribers through the listener); on SQLite to the subscribers.
    pub(crate) fn deliver(self) {
        match &self.bus.2 {
            Some(queue) => {
                for (_, json) in self.events {
                    if queue.try_send(json).is_err() {
                        tracing::warn!(
                            "committed events dropped: the queue to send is full or gone"
                        );
                        self.bus.reconnected();
                        return;
                    }
                }
            }
            None => {
                for (event, _) in self.events {
                    self.bus.send(event);
                }
            }
        }
    }
}

/// Sends the committed events of one instance as they come, each time all that queued up
/// while the last NOTIFY went out, in as few NOTIFYs as fit. When a NOTIFY fails, that round's
/// events are dropped and this instance's subscribers are told as after a reconnection (the
/// other instances' views catch up at their next event or refresh).
async fn send(pool: sqlx::AnyPool, mut queue: mpsc::Receiver<String>, bus: Bus) {
    while let Some(first) = queue.recv().await {
        let mut events = vec![first];
        while let Ok(more) = queue.try_recv() {
            events.push(more);
        }
        for payload in batches(events.iter().map(String::as_str)) {
            let sent = sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(&pool)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "committed events could not be sent to the instances");
                bus.reconnected();
                break;
            }
        }
    }
}

/// JSON arrays of the events, each under the NOTIFY payload limit.
fn batches<'a>(events: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for json in events {
        match out.last_mut() {
            Some(last) if last.len() + json.len() + 1 < PAYLOAD_LIMIT => {
                last.pop();
                last.push(',');
                last.push_str(json);
                last.push(']');
            }
            _ => out.push(format!("[{json}]")),
        }
    }
    out
}

/// On PostgreSQL: starts this instance's one listener, which hands every event committed on
/// the database (by any instance) to `bus`, and reconnects by itself when its connection
/// drops (events committed while it is away are lost). Answers once it listens, so events
/// committed after that arrive. Does nothing on SQLite.
pub async fn listen(bus: &Bus, database_url: &str) -> anyhow::Result<()> {
    if !database_url.starts_with("postgres") {
        return Ok(());
    }
    let listener = connect(database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen for events: {e}"))?;
    tokio::spawn(relay(listener, database_url.to_string(), bus.clone()));
    Ok(())
}

async fn connect(url: &str) -> sqlx::Result<sqlx::postgres::PgListener> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

async fn relay(mut listener: sqlx::postgres::PgListener, url: String, bus: Bus) {
    const FIRST_PAUSE: Duration = Duration::from_millis(100);
    loop {
        match listener.try_recv().await {
            Ok(Some(note)) => relay_payload(&bus, note.payload()),
            // sqlx has connected again already.
            Ok(None) => {
                tracing::warn!("the event listener lost its connection and reconnected");
                bus.reconnected();
            }
            // sqlx could not reconnect (PostgreSQL is down) or the connection failed otherwise:
            // a fresh listener, tried with growing pauses until PostgreSQL answers.
            Err(e) => {
                tracing::warn!(error = %e, "the event listener's connection failed; reconnecting");
                let mut pause = FIRST_PAUSE;
                listener = loop {
                    tokio::time::sleep(pause).await;
                    match connect(&url).await {
                        Ok(listener) => break listener,
                        Err(e) => {
                            tracing::warn!(error = %e, "the event listener cannot reconnect yet");
                            pause = (pause * 2).min(Duration::from_secs(30));
                        }
                    }
                };
                tracing::info!("the event listener is listening again");
                bus.reconnected();
            }
        }
    }
}

/// Hands on each event of a NOTIFY payload; one this version does not know (another
/// instance newer than this one) is skipped, not the whole payload.
fn relay_payload(bus: &Bus, payload: &str) {
    let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(payload) else {
        tracing::warn!(payload, "an event payload that is not a JSON array");
        return;
    };
    for item in items {
        match serde_json::from_value::<Event>(item) {
            Ok(event) => bus.send(event),
            Err(e) => tracing::warn!(error = %e, "an event this version does not know"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_json() {
        let ev = Event::CheckedIn {
            site_id: SiteId(1),
            person_id: PersonId(7),
            booking_id: None,
        };
        let json = serde_json::to_string(&ev).unwrap();
        assert_eq!(
            json,
            r#"{"type":"checked_in","site_id":1,"person_id":7,"booking_id":null}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), ev);
        assert_eq!(ev.site_id(), SiteId(1));
    }

    #[test]
    fn batches_stay_under_the_notify_limit() {
        let one = format!(r#"{{"pad":"{}"}}"#, "x".repeat(3000));
        let events = [one.as_str(), one.as_str(), one.as_str(), "{}"];
        let out = batches(events.into_iter());
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|b| b.len() < PAYLOAD_LIMIT));
        for b in &out {
            assert!(serde_json::from_str::<Vec<serde_json::Value>>(b).is_ok());
        }
        let total: usize = out
            .iter()
            .map(|b| {
                serde_json::from_str::<Vec<serde_json::Value>>(b)
                    .unwrap()
                    .len()
            })
            .sum();
        assert_eq!(total, 4);
    }

    /// A NOTIFY that fails loses its events: this instance's subscribers are told to reload,
    /// as after the listener reconnected (the live view then takes a fresh snapshot).
    #[tokio::test]
    async fn a_notify_that_fails_tells_the_subscribers_to_reload() {
        sqlx::any::install_default_drivers();
        // Nothing listens on port 1: every NOTIFY fails to find a connection.
        let pool = sqlx::any::AnyPoolOptions::new()
            .acquire_timeout(Duration::from_millis(500))
            .connect_lazy("postgres://kado@127.0.0.1:1/kado")
            .expect("a lazy pool opens without connecting");
        let bus = Bus::sending_to(pool);
        let mut reloads = bus.reconnections();
        let mut pending = bus.pending();
        pending.push(Event::PlanChanged { site_id: SiteId(1) });
        pending.deliver();
        tokio::time::timeout(Duration::from_secs(10), reloads.changed())
            .await
            .expect("the subscribers are told within the acquire timeout")
            .expect("the bus is still there");
        assert_eq!(*reloads.borrow(), 1);
    }
}
