//! The current time, passed to whoever needs it so that tests can move it.

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Wall-clock time in UTC, with an offset tests can advance.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ns: Arc<AtomicI64>,
}

impl Clock {
    /// Now, in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::nanoseconds(self.offset_ns.load(Ordering::Relaxed))
    }

    /// Now, as epoch seconds (the form instants are stored in).
    pub fn epoch(&self) -> i64 {
        self.now().timestamp()
    }

    /// Sets this clock (and every copy of it) to an instant; it runs on from there.
    pub fn set(&self, to: DateTime<Utc>) {
        // Nanoseconds, so that the clock reads `to` or later, never a moment before it.
        let offset = (to - Utc::now()).num_nanoseconds().unwrap_or(i64::MAX);
        self.offset_ns.store(offset, Ordering::Relaxed);
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ns
            .fetch_add(by.num_nanoseconds().unwrap_or(i64::MAX), Ordering::Relaxed);
    }
}
