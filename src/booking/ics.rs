//! Bookings as iCalendar (RFC 5545): one VEVENT a booking, times in UTC, a stable UID so that
//! calendars update an event instead of duplicating it.

use super::{Booking, BookingStatus};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

/// The UID of a booking's event.
pub fn uid(b: &Booking, base_url: &str) -> String {
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split(['/', ':'])
        .next()
        .unwrap_or("kado");
    format!("booking-{}@{host}", b.id)
}

/// A calendar of bookings; cancelled and released ones are marked CANCELLED. `method` is the
/// iTIP method of a calendar sent by e-mail (PUBLISH, CANCEL); `sequence` orders updates of
/// the same event.
pub fn calendar(
    bookings: &[Booking],
    base_url: &str,
    method: Option<&str>,
    sequence: Option<i64>,
) -> String {
    let mut cal = Calendar::new();
    cal.name("KADO");
    if let Some(m) = method {
        cal.append_property(("METHOD", m));
    }
    for b in bookings {
        let mut e = Event::new();
        e.uid(&uid(b, base_url))
            .summary(&format!("KADO {}", b.space_name))
            .location(&b.space_name)
            .starts(b.starts_at)
            .ends(b.ends_at)
            .status(
                if matches!(b.status, BookingStatus::Cancelled | BookingStatus::NoShow) {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Confirmed
                },
            );
        if let Some(seq) = sequence {
            e.add_property("SEQUENCE", seq.to_string());
        }
        cal.push(e.done());
    }
    cal.done().to_string()
}
