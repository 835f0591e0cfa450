//! Booking rules: when a request for a local date and times is acceptable, recurring dates,
//! and which desk to pick. Pure functions, no I/O, no clock.

use super::errors::BookingError;
use crate::error::ErrorCode;
use crate::sites::rules::{Hours, Schedule};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// Bookings start and end on this grid, in minutes.
pub const GRID_MINUTES: u32 = 15;
/// The shortest booking, in minutes.
pub const MIN_MINUTES: i64 = 30;
/// The most dates one recurring request may expand to.
pub const MAX_SERIES_DATES: usize = 120;

/// A site's booking limits.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub window_days: i64,
    pub max_minutes_per_day: i64,
    pub max_active: i64,
}

/// Why a request for a date and times is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    EndNotAfterStart,
    OffGrid,
    TooShort,
    InPast,
    TooFarAhead,
    ClosedDay,
    OutsideOpeningHours,
    NonexistentLocalTime,
    AmbiguousLocalTime,
}

impl Refusal {
    /// The catalogued code of this refusal (its texts are filled by `SiteContext::refuse`).
    pub fn error(self) -> BookingError {
        match self {
            Refusal::EndNotAfterStart => BookingError::EndBeforeStart,
            Refusal::OffGrid => BookingError::OffGrid,
            Refusal::TooShort => BookingError::TooShort,
            Refusal::InPast => BookingError::InPast,
            Refusal::TooFarAhead => BookingError::TooFarAhead,
            Refusal::ClosedDay => BookingError::ClosedDay,
            Refusal::OutsideOpeningHours => BookingError::OutsideOpeningHours,
            Refusal::NonexistentLocalTime => BookingError::NonexistentLocalTime,
            Refusal::AmbiguousLocalTime => BookingError::AmbiguousLocalTime,
        }
    }

    /// The stable machine code.
    pub fn code(self) -> &'static str {
        self.error().code()
    }

    /// The request field a refusal of a booking from `start` concerns, on a day with these
    /// opening hours.
    pub fn field(self, start: NaiveTime, hours: Option<Hours>) -> &'static str {
        match self {
            Refusal::EndNotAfterStart | Refusal::TooShort => "end",
            Refusal::TooFarAhead | Refusal::ClosedDay => "date",
            Refusal::OutsideOpeningHours if hours.is_some_and(|h| start >= h.open) => "end",
            Refusal::OffGrid if on_grid(start) => "end",
            _ => "start",
        }
    }
}

/// The UTC instant of a local date and time, as a booking refusal when there is none.
pub fn instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, Refusal> {
    use crate::sites::rules::LocalTimeError;
    crate::sites::rules::instant(tz, date, time).map_err(|e| match e {
        LocalTimeError::Ambiguous => Refusal::AmbiguousLocalTime,
        LocalTimeError::Nonexistent => Refusal::NonexistentLocalTime,
    })
}

/// The booking grid in seconds.
pub const GRID_SECS: i64 = GRID_MINUTES as i64 * 60;

/// An instant (epoch seconds) rounded down to the booking grid.
pub fn grid_floor(at: i64) -> i64 {
    at - at.rem_euclid(GRID_SECS)
}

/// An instant (epoch seconds) rounded up to the booking grid.
pub fn grid_ceil(at: i64) -> i64 {
    at + (GRID_SECS - at.rem_euclid(GRID_SECS)) % GRID_SECS
}

/// Whether a booking may be checked into at `now`: from the site's check-in margin
/// (`early_secs`) before its start until its end, at the kiosk and at reception alike.
pub fn check_in_open(now: i64, starts: i64, ends: i64, early_secs: i64) -> bool {
    starts - early_secs <= now && now < ends
}

/// Whether a time is on the quarter hour.
pub fn on_grid(t: NaiveTime) -> bool {
    t.second() == 0 && t.nanosecond() == 0 && t.minute().is_multiple_of(GRID_MINUTES)
}

/// The rules of the times alone, whatever the day: end after start, on the quarter hour.
pub fn check_times(start: NaiveTime, end: NaiveTime) -> Result<(), Refusal> {
    if end <= start {
        return Err(Refusal::EndNotAfterStart);
    }
    if !on_grid(start) || !on_grid(end) {
        return Err(Refusal::OffGrid);
    }
    Ok(())
}

/// The last local date the booking window reaches now.
pub fn window_end(schedule: &Schedule, policy: &Policy, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&schedule.tz).date_naive() + Duration::days(policy.window_days)
}

/// Checks a request for `start`-`end` on a local date; answers the UTC range. A booking may
/// start in the current quarter hour, not before it.
pub fn check(
    schedule: &Schedule,
    policy: &Policy,
    now: DateTime<Utc>,
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Refusal> {
    check_times(start, end)?;
    // A closed day is closed however far ahead it is: that is the more useful answer.
    let hours = schedule.day(date).hours.ok_or(Refusal::ClosedDay)?;
    if date > window_end(schedule, policy, now) {
        return Err(Refusal::TooFarAhead);
    }
    if start < hours.open || end > hours.close {
        return Err(Refusal::OutsideOpeningHours);
    }
    let (from, to) = (
        instant(schedule.tz, date, start)?,
        instant(schedule.tz, date, end)?,
    );
    if to - from < Duration::minutes(MIN_MINUTES) {
        return Err(Refusal::TooShort);
    }
    if from + Duration::minutes(GRID_MINUTES as i64) <= now {
        return Err(Refusal::InPast);
    }
    Ok((from, to))
}

/// The dates of a weekly pattern from `from`: up to `until` (inclusive) or `count` dates,
/// whichever ends first, and never more than [`MAX_SERIES_DATES`].
pub fn series_dates(
    from: NaiveDate,
    weekdays: &[Weekday],
    until: Option<NaiveDate>,
    count: Option<usize>,
) -> Vec<NaiveDate> {
    let limit = count.unwrap_or(MAX_SERIES_DATES).min(MAX_SERIES_DATES);
    from.iter_days()
        .take_while(|d| until.is_none_or(|u| *d <= u))
        .take(7 * MAX_SERIES_DATES)
        .filter(|d| weekdays.contains(&d.weekday()))
        .take(limit)
        .collect()
}

/// The desk to give: the worker's usual one when it is free, else the first free one.
pub fn pick_desk<T: Copy + PartialEq>(free: &[T], usual: Option<T>) -> Option<(T, bool)> {
    match usual.filter(|u| free.contains(u)) {
        Some(u) => Some((u, true)),
        None => free.first().map(|&id| (id, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::HashMap;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn schedule(tz: Tz, open: &str, close: &str) -> Schedule {
        let h = Some(Hours {
            open: t(open),
            close: t(close),
        });
        Schedule {
            tz,
            weekly: [h; 7],
            annual_closures: vec![],
            open_on_holidays: true,
            exceptions: HashMap::new(),
        }
    }

    const POLICY: Policy = Policy {
        window_days: 28,
        max_minutes_per_day: 480,
        max_active: 40,
    };

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
    }

    #[test]
    fn a_good_request_becomes_a_utc_range() {
        let s = schedule(chrono_tz::Asia::Tokyo, "08:30", "18:00");
        let now = utc(2026, 11, 24, 0, 0); // 09:00 Tokyo
        let (from, to) = check(&s, &POLICY, now, d(2026, 11, 25), t("09:00"), t("13:00")).unwrap();
        assert_eq!(from, utc(2026, 11, 25, 0, 0));
        assert_eq!(to, utc(2026, 11, 25, 4, 0));
    }

    #[test]
    fn each_refusal() {
        let s = schedule(chrono_tz::Asia::Tokyo, "08:30", "18:00");
        let now = utc(2026, 11, 24, 0, 20); // 09:20 Tokyo
        let cases = [
            (d(2026, 11, 25), "10:00", "10:00", Refusal::EndNotAfterStart),
            (d(2026, 11, 25), "10:10", "11:00", Refusal::OffGrid),
            (d(2026, 11, 25), "10:00", "10:15", Refusal::TooShort),
            (d(2026, 11, 24), "08:45", "10:00", Refusal::InPast),
            (d(2026, 12, 23), "10:00", "11:00", Refusal::TooFarAhead),
            (
                d(2026, 11, 25),
                "08:00",
                "10:00",
                Refusal::OutsideOpeningHours,
            ),
            (
                d(2026, 11, 25),
                "17:00",
                "18:15",
                Refusal::OutsideOpeningHours,
            ),
        ];
        for (date, a, b, want) in cases {
            assert_eq!(
                check(&s, &POLICY, now, date, t(a), t(b)),
                Err(want),
                "{date} {a}-{b}"
            );
        }
        // The current quarter hour may still be booked; 28 days ahead is inside the window.
        assert!(check(&s, &POLICY, now, d(2026, 11, 24), t("09:15"), t("10:00")).is_ok());
        assert!(check(&s, &POLICY, now, d(2026, 12, 22), t("09:00"), t("10:00")).is_ok());
        // Back-to-back ranges are fine; a closed day is refused.
        let mut closed = s.clone();
        closed.weekly[2] = None; // Wednesday
        assert_eq!(
            check(
                &closed,
                &POLICY,
                now,
                d(2026, 11, 25),
                t("10:00"),
                t("11:00")
            ),
            Err(Refusal::ClosedDay)
        );
    }

    #[test]
    fn daylight_saving_gap_and_overlap() {
        let berlin = schedule(chrono_tz::Europe::Berlin, "00:00", "23:45");
        let now = utc(2027, 3, 20, 0, 0);
        // Spring forward, 2027-03-28: 02:00-03:00 does not exist.
        assert_eq!(
            check(
                &berlin,
                &POLICY,
                now,
                d(2027, 3, 28),
                t("02:15"),
                t("04:00")
            ),
            Err(Refusal::NonexistentLocalTime)
        );
        // 01:00-04:00 local is two real hours.
        let (from, to) = check(
            &berlin,
            &POLICY,
            now,
            d(2027, 3, 28),
            t("01:00"),
            t("04:00"),
        )
        .unwrap();
        assert_eq!(to - from, Duration::hours(2));
        // 01:45-03:00 local is only 15 real minutes: too short.
        assert_eq!(
            check(
                &berlin,
                &POLICY,
                now,
                d(2027, 3, 28),
                t("01:45"),
                t("03:00")
            ),
            Err(Refusal::TooShort)
        );
        // Fall back, 2026-10-25: 02:00-03:00 happens twice.
        let now = utc(2026, 10, 20, 0, 0);
        assert_eq!(
            check(
                &berlin,
                &POLICY,
                now,
                d(2026, 10, 25),
                t("02:30"),
                t("04:00")
            ),
            Err(Refusal::AmbiguousLocalTime)
        );
        let (from, to) = check(
            &berlin,
            &POLICY,
            now,
            d(2026, 10, 25),
            t("01:00"),
            t("04:00"),
        )
        .unwrap();
        assert_eq!(to - from, Duration::hours(4));
    }

    #[test]
    fn weekly_series() {
        use Weekday::*;
        let dates = series_dates(
            d(2026, 11, 23),
            &[Mon, Wed, Fri],
            Some(d(2026, 12, 4)),
            None,
        );
        assert_eq!(
            dates,
            [
                d(2026, 11, 23),
                d(2026, 11, 25),
                d(2026, 11, 27),
                d(2026, 11, 30),
                d(2026, 12, 2),
                d(2026, 12, 4)
            ]
        );
        assert_eq!(
            series_dates(d(2026, 11, 23), &[Tue], None, Some(3)).len(),
            3
        );
        assert_eq!(
            series_dates(d(2026, 11, 23), &[Tue], None, Some(10_000)).len(),
            MAX_SERIES_DATES
        );
        assert!(series_dates(d(2026, 11, 23), &[], None, Some(3)).is_empty());
    }

    #[test]
    fn each_refusal_names_its_field() {
        let h = Some(Hours {
            open: t("08:30"),
            close: t("18:00"),
        });
        let cases = [
            (Refusal::EndNotAfterStart, "09:00", "end"),
            (Refusal::TooShort, "09:00", "end"),
            (Refusal::TooFarAhead, "09:00", "date"),
            (Refusal::ClosedDay, "09:00", "date"),
            (Refusal::OutsideOpeningHours, "07:00", "start"),
            (Refusal::OutsideOpeningHours, "17:00", "end"),
            (Refusal::OffGrid, "09:10", "start"),
            (Refusal::OffGrid, "09:00", "end"),
            (Refusal::InPast, "09:00", "start"),
            (Refusal::NonexistentLocalTime, "02:15", "start"),
        ];
        for (r, start, want) in cases {
            assert_eq!(r.field(t(start), h), want, "{r:?} from {start}");
        }
        assert_eq!(Refusal::InPast.code(), "booking.in_past");
    }

    #[test]
    fn usual_desk_first() {
        assert_eq!(pick_desk(&[3, 5, 7], Some(5)), Some((5, true)));
        assert_eq!(pick_desk(&[3, 7], Some(5)), Some((3, false)));
        assert_eq!(pick_desk(&[], Some(5)), None);
    }
}
