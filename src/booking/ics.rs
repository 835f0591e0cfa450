//! Bookings (and the childcare places they carry) as iCalendar (RFC 5545): one VEVENT each,
//! times in UTC, a stable UID so that calendars update an event instead of duplicating it.

use super::{Booking, BookingStatus};
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

/// One event of a calendar.
#[derive(Clone, Debug)]
pub struct CalEvent {
    pub uid: String,
    pub summary: String,
    pub location: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub cancelled: bool,
}

/// The UID of a booking's event.
pub fn uid(b: &Booking, base_url: &str) -> String {
    format!("booking-{}@{}", b.id, crate::mail::host(base_url))
}

impl CalEvent {
    /// A booking's event; cancelled and released ones are marked CANCELLED.
    pub fn of_booking(b: &Booking, base_url: &str) -> CalEvent {
        CalEvent {
            uid: uid(b, base_url),
            summary: format!("KADO {}", b.space_name),
            location: b.space_name.clone(),
            starts: b.starts_at,
            ends: b.ends_at,
            cancelled: matches!(b.status, BookingStatus::Cancelled | BookingStatus::NoShow),
        }
    }

    /// A childcare place's event (`what`: the child's name).
    pub fn of_place(
        id: crate::ids::PlaceId,
        what: &str,
        span: (DateTime<Utc>, DateTime<Utc>),
        base_url: &str,
    ) -> CalEvent {
        CalEvent {
            uid: format!("childcare-{}@{}", id.0, crate::mail::host(base_url)),
            summary: format!("KADO 託児 / childcare: {what}"),
            location: "託児室 / Childcare room".to_string(),
            starts: span.0,
            ends: span.1,
            cancelled: false,
        }
    }
}

/// A calendar of events. `method` is the iTIP method of a calendar sent by e-mail (PUBLISH,
/// CANCEL); `sequence` orders updates of the same event.
pub fn calendar(events: &[CalEvent], method: Option<&str>, sequence: Option<i64>) -> String {
    let mut cal = Calendar::new();
    cal.name("KADO");
    if let Some(m) = method {
        cal.append_property(("METHOD", m));
    }
    for ev in events {
        let mut e = Event::new();
        e.uid(&ev.uid)
            .summary(&ev.summary)
            .location(&ev.location)
            .starts(ev.starts)
            .ends(ev.ends)
            .status(if ev.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        if let Some(seq) = sequence {
            e.add_property("SEQUENCE", seq.to_string());
        }
        cal.push(e.done());
    }
    cal.done().to_string()
}
