//! The scan decision: given who scanned and their situation at this site, what the kiosk
//! does. A pure function, tested case by case.

use crate::booking::rules::check_in_open;
use crate::ids::BookingId;

/// A live booking of the person at this site today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub id: BookingId,
    pub starts: i64,
    pub ends: i64,
    pub checked_in: bool,
}

/// Everything the decision looks at.
#[derive(Clone, Debug, Default)]
pub struct Situation {
    pub now: i64,
    pub site_open: bool,
    /// The person holds a role at this site.
    pub works_here: bool,
    /// The open presence session, if the person is in the building.
    pub inside: Option<i64>,
    /// Seconds since the person's last scan at this site that did something; negative when
    /// that scan came after this one (an offline kiosk sending a kept scan late).
    pub last_scan_ago: Option<i64>,
    pub bookings: Vec<Slot>,
    /// How long before a booking's start check-in opens.
    pub early_secs: i64,
    pub allow_walk_in: bool,
    /// Names of the person's children in the childcare room now.
    pub children_in_room: Vec<String>,
    /// A training session the person is enrolled in has its check-in window open and they
    /// have not arrived yet.
    pub session_due: bool,
}

/// What the kiosk does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Check in, against a booking (its no-show release stops), or as a walk-in.
    CheckIn {
        booking: Option<BookingId>,
    },
    /// Check in for a training session only (no desk booked): attendance is recorded.
    Attend,
    /// Already inside, and a session is due: its attendance is recorded, the person stays in
    /// (a second scan after the repeat window checks out).
    AttendInside,
    /// Close the presence session; trim the booking it used.
    CheckOut {
        session: i64,
    },
    /// A second scan within a minute: show where the person is, change nothing.
    Repeat {
        inside: bool,
    },
    Refuse(Refusal),
}

/// Why a scan is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    SiteClosed,
    /// Not a person of this site and no booking here.
    NotThisSite,
    /// No booking now and the site takes no walk-ins.
    NoBooking,
    /// Children still in the childcare room: pick them up first.
    ChildrenInRoom(Vec<String>),
}

/// Seconds within which a second scan only shows the state.
pub const REPEAT_SECS: i64 = 60;

/// Decides what a scan does.
pub fn decide(s: &Situation) -> Decision {
    // A repeat within a minute, or a kept scan that a later one has overtaken, only shows
    // where the person is: acting on it would undo what came after it.
    if s.last_scan_ago.is_some_and(|ago| ago < REPEAT_SECS) {
        return Decision::Repeat {
            inside: s.inside.is_some(),
        };
    }
    if let Some(session) = s.inside {
        if s.session_due {
            return Decision::AttendInside;
        }
        if !s.children_in_room.is_empty() {
            return Decision::Refuse(Refusal::ChildrenInRoom(s.children_in_room.clone()));
        }
        return Decision::CheckOut { session };
    }
    if !s.site_open {
        return Decision::Refuse(Refusal::SiteClosed);
    }
    let covering = s
        .bookings
        .iter()
        .find(|b| !b.checked_in && check_in_open(s.now, b.starts, b.ends, s.early_secs));
    if let Some(b) = covering {
        return Decision::CheckIn {
            booking: Some(b.id),
        };
    }
    if s.session_due {
        return Decision::Attend;
    }
    if !s.works_here {
        return Decision::Refuse(Refusal::NotThisSite);
    }
    if s.allow_walk_in {
        Decision::CheckIn { booking: None }
    } else {
        Decision::Refuse(Refusal::NoBooking)
    }
}

/// How far a live scan's own time may differ from the server's (device clock, network).
pub const LIVE_SECS: i64 = 60;

/// Why a scan's time is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeRefusal {
    /// Older than the site's offline window, or in the future.
    OutOfWindow,
    /// A PIN sent late: PINs are only taken live, so a kept PIN cannot dodge the lockout.
    LatePin,
}

/// The instant a scan counts at: the server's clock, or for a scan an offline kiosk kept,
/// its own time when that lies within `offline_secs` before `received` (and not after it,
/// give or take [`LIVE_SECS`]). Lockouts never use this time: only the server's.
pub fn scan_time(
    received: i64,
    scanned_at: Option<i64>,
    offline_secs: i64,
    pin: bool,
) -> Result<i64, TimeRefusal> {
    let Some(t) = scanned_at else {
        return Ok(received);
    };
    if t > received + LIVE_SECS || t < received - offline_secs.max(LIVE_SECS) {
        return Err(TimeRefusal::OutOfWindow);
    }
    if pin && t < received - LIVE_SECS {
        return Err(TimeRefusal::LatePin);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_times() {
        let r = 1_800_000_000;
        let w = 15 * 60;
        let cases = [
            ("live", None, false, Ok(r)),
            ("kept ten minutes", Some(r - 600), false, Ok(r - 600)),
            ("kept to the edge", Some(r - w), false, Ok(r - w)),
            (
                "kept too long",
                Some(r - w - 1),
                false,
                Err(TimeRefusal::OutOfWindow),
            ),
            (
                "a day back",
                Some(r - 86_400),
                false,
                Err(TimeRefusal::OutOfWindow),
            ),
            ("device a bit ahead", Some(r + 30), false, Ok(r + 30)),
            (
                "in the future",
                Some(r + 61),
                false,
                Err(TimeRefusal::OutOfWindow),
            ),
            ("PIN with a skewed clock", Some(r - 30), true, Ok(r - 30)),
            (
                "PIN sent late",
                Some(r - 61),
                true,
                Err(TimeRefusal::LatePin),
            ),
            (
                "PIN a day back",
                Some(r - 86_400),
                true,
                Err(TimeRefusal::OutOfWindow),
            ),
        ];
        for (name, at, pin, want) in cases {
            assert_eq!(scan_time(r, at, w, pin), want, "{name}");
        }
        assert_eq!(
            scan_time(r, Some(r - 30), 0, false),
            Ok(r - 30),
            "no window: live only"
        );
    }

    const NINE: i64 = 1_800_000_000;

    fn base() -> Situation {
        Situation {
            now: NINE,
            site_open: true,
            works_here: true,
            early_secs: 900,
            allow_walk_in: true,
            ..Situation::default()
        }
    }

    fn slot(id: i64, starts: i64, ends: i64) -> Slot {
        Slot {
            id: BookingId(id),
            starts,
            ends,
            checked_in: false,
        }
    }

    fn check(cases: Vec<(&str, Situation, Decision)>) {
        for (name, situation, want) in cases {
            assert_eq!(decide(&situation), want, "{name}");
        }
    }

    #[test]
    fn decision_table_arrivals() {
        let cases: Vec<(&str, Situation, Decision)> = vec![
            (
                "booking covering now",
                Situation {
                    bookings: vec![slot(1, NINE - 600, NINE + 3600)],
                    ..base()
                },
                Decision::CheckIn {
                    booking: Some(BookingId(1)),
                },
            ),
            (
                "within the early margin",
                Situation {
                    bookings: vec![slot(2, NINE + 900, NINE + 3600)],
                    ..base()
                },
                Decision::CheckIn {
                    booking: Some(BookingId(2)),
                },
            ),
            (
                "too early: walk-in instead",
                Situation {
                    bookings: vec![slot(3, NINE + 901, NINE + 3600)],
                    ..base()
                },
                Decision::CheckIn { booking: None },
            ),
            (
                "booking already ended",
                Situation {
                    bookings: vec![slot(4, NINE - 7200, NINE)],
                    allow_walk_in: false,
                    ..base()
                },
                Decision::Refuse(Refusal::NoBooking),
            ),
            (
                "no booking, walk-ins allowed",
                base(),
                Decision::CheckIn { booking: None },
            ),
            (
                "no booking, no walk-ins",
                Situation {
                    allow_walk_in: false,
                    ..base()
                },
                Decision::Refuse(Refusal::NoBooking),
            ),
            (
                "closed site",
                Situation {
                    site_open: false,
                    bookings: vec![slot(1, NINE, NINE + 60)],
                    ..base()
                },
                Decision::Refuse(Refusal::SiteClosed),
            ),
            (
                "another site's worker, no booking",
                Situation {
                    works_here: false,
                    ..base()
                },
                Decision::Refuse(Refusal::NotThisSite),
            ),
            (
                "another site's worker with a booking here",
                Situation {
                    works_here: false,
                    bookings: vec![slot(5, NINE, NINE + 60)],
                    ..base()
                },
                Decision::CheckIn {
                    booking: Some(BookingId(5)),
                },
            ),
        ];
        check(cases);
    }

    #[test]
    fn decision_table_training_sessions() {
        let cases: Vec<(&str, Situation, Decision)> = vec![
            (
                "enrolled in a session, no desk: the session only",
                Situation {
                    session_due: true,
                    allow_walk_in: false,
                    ..base()
                },
                Decision::Attend,
            ),
            (
                "a desk booking and a session: the desk (attendance recorded too)",
                Situation {
                    session_due: true,
                    bookings: vec![slot(7, NINE - 600, NINE + 3600)],
                    ..base()
                },
                Decision::CheckIn {
                    booking: Some(BookingId(7)),
                },
            ),
            (
                "inside already, a session due: the session, not a check-out",
                Situation {
                    session_due: true,
                    inside: Some(3),
                    ..base()
                },
                Decision::AttendInside,
            ),
            (
                "a session at a closed site",
                Situation {
                    session_due: true,
                    site_open: false,
                    ..base()
                },
                Decision::Refuse(Refusal::SiteClosed),
            ),
        ];
        check(cases);
    }

    #[test]
    fn decision_table_inside_and_repeats() {
        let cases: Vec<(&str, Situation, Decision)> = vec![
            (
                "inside: check out",
                Situation {
                    inside: Some(9),
                    ..base()
                },
                Decision::CheckOut { session: 9 },
            ),
            (
                "inside after closing: still check out",
                Situation {
                    inside: Some(9),
                    site_open: false,
                    ..base()
                },
                Decision::CheckOut { session: 9 },
            ),
            (
                "child still in the room",
                Situation {
                    inside: Some(9),
                    children_in_room: vec!["春翔".into()],
                    ..base()
                },
                Decision::Refuse(Refusal::ChildrenInRoom(vec!["春翔".into()])),
            ),
            (
                "second scan within a minute, inside",
                Situation {
                    inside: Some(9),
                    last_scan_ago: Some(59),
                    ..base()
                },
                Decision::Repeat { inside: true },
            ),
            (
                "second scan within a minute, outside",
                Situation {
                    last_scan_ago: Some(0),
                    ..base()
                },
                Decision::Repeat { inside: false },
            ),
            (
                "a kept scan older than the last one",
                Situation {
                    inside: Some(9),
                    last_scan_ago: Some(-600),
                    ..base()
                },
                Decision::Repeat { inside: true },
            ),
            (
                "a minute later it toggles",
                Situation {
                    inside: Some(9),
                    last_scan_ago: Some(60),
                    ..base()
                },
                Decision::CheckOut { session: 9 },
            ),
            (
                "a checked-in booking is not used twice",
                Situation {
                    bookings: vec![Slot {
                        checked_in: true,
                        ..slot(6, NINE - 60, NINE + 60)
                    }],
                    allow_walk_in: false,
                    ..base()
                },
                Decision::Refuse(Refusal::NoBooking),
            ),
        ];
        check(cases);
    }
}
