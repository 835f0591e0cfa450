//! Attendance's pure rules: time split into the site's local days (a span across midnight
//! counts on both days), exact minutes, the month a day belongs to, and the month's status
//! with its transitions. No I/O, no clock.

use super::errors::AttendanceError;
pub use crate::sites::rules::local_midnight;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;

/// The minutes of a span on each local day it touches, in order. The pieces always add up to
/// the span's whole minutes (seconds are cut once, from the span, not from each piece).
pub fn minutes_by_day(tz: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<(NaiveDate, i64)> {
    let mut out = Vec::new();
    if end <= start {
        return out;
    }
    let whole = |t: DateTime<Utc>| (t - start).num_seconds() / 60;
    let mut day = start.with_timezone(&tz).date_naive();
    let mut done = 0;
    loop {
        let next = day
            .checked_add_days(Days::new(1))
            .and_then(|d| local_midnight(tz, d));
        match next {
            Some(boundary) if boundary < end => {
                let upto = whole(boundary);
                out.push((day, upto - done));
                done = upto;
                day = boundary.with_timezone(&tz).date_naive();
            }
            _ => {
                out.push((day, whole(end) - done));
                return out;
            }
        }
    }
}

/// A wall-clock time written "HH:MM", as minutes after local midnight; "24:00" is the end
/// of the day.
pub fn clock_minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// The instant of a local day's minute at a site (1440: the next midnight); None where a DST
/// change skips or repeats it.
pub fn local_instant(
    schedule: &crate::sites::rules::Schedule,
    date: NaiveDate,
    minutes: u32,
) -> Option<i64> {
    if minutes == 1440 {
        // The next midnight, also where a DST change skips it.
        return local_midnight(schedule.tz, date.succ_opt()?).map(|t| t.timestamp());
    }
    let t = chrono::NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0)?;
    schedule.instant(date, t).ok().map(|t| t.timestamp())
}

/// Whether the spans together cover [from, to) with no gap (they may touch or overlap).
pub fn covers(spans: &[(i64, i64)], (from, to): (i64, i64)) -> bool {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable();
    let mut reached = from;
    for (a, b) in sorted {
        if a > reached {
            break;
        }
        reached = reached.max(b);
        if reached >= to {
            return true;
        }
    }
    reached >= to
}

/// A calendar month, as its timesheet is named ("2026-11").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// The month a local day lies in.
    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    /// "2026-11" read back; None for anything else.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let month = Month {
            year: y.parse().ok().filter(|y| (2000..=2100).contains(y))?,
            month: m.parse().ok()?,
        };
        month.first_day().map(|_| month)
    }

    /// Its first local day.
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }

    /// The instants it spans at a site: [its first local midnight, the next month's).
    pub fn bounds(self, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let first = self.first_day()?;
        let next = first.checked_add_months(chrono::Months::new(1))?;
        Some((local_midnight(tz, first)?, local_midnight(tz, next)?))
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Where a month's timesheet stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonthStatus {
    Open,
    Submitted,
    Returned,
    Approved,
    Reopened,
}

impl MonthStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            MonthStatus::Open => "open",
            MonthStatus::Submitted => "submitted",
            MonthStatus::Returned => "returned",
            MonthStatus::Approved => "approved",
            MonthStatus::Reopened => "reopened",
        }
    }

    /// The stored form read back.
    pub fn parse(s: &str) -> Option<MonthStatus> {
        [
            MonthStatus::Open,
            MonthStatus::Submitted,
            MonthStatus::Returned,
            MonthStatus::Approved,
            MonthStatus::Reopened,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// Its entries may change (by the worker, or by a director after a reopening).
    pub fn editable(self) -> bool {
        !matches!(self, MonthStatus::Approved | MonthStatus::Submitted)
    }

    /// The worker submits the month.
    pub fn submit(self) -> Result<MonthStatus, AttendanceError> {
        match self {
            MonthStatus::Open | MonthStatus::Returned | MonthStatus::Reopened => {
                Ok(MonthStatus::Submitted)
            }
            MonthStatus::Submitted => Err(AttendanceError::AlreadySubmitted),
            MonthStatus::Approved => Err(AttendanceError::MonthLocked),
        }
    }

    /// A director approves a submitted month: it is locked from then on.
    pub fn approve(self) -> Result<MonthStatus, AttendanceError> {
        match self {
            MonthStatus::Submitted => Ok(MonthStatus::Approved),
            MonthStatus::Approved => Err(AttendanceError::MonthLocked),
            _ => Err(AttendanceError::NotSubmitted),
        }
    }

    /// A director returns a submitted month to the worker, with a comment.
    pub fn give_back(self) -> Result<MonthStatus, AttendanceError> {
        match self {
            MonthStatus::Submitted => Ok(MonthStatus::Returned),
            MonthStatus::Approved => Err(AttendanceError::MonthLocked),
            _ => Err(AttendanceError::NotSubmitted),
        }
    }

    /// A director reopens an approved month, with a reason.
    pub fn reopen(self) -> Result<MonthStatus, AttendanceError> {
        match self {
            MonthStatus::Approved => Ok(MonthStatus::Reopened),
            _ => Err(AttendanceError::NotApproved),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A zone, a span's ends (RFC 3339) and the minutes expected per local day.
    type Case = (
        Tz,
        &'static str,
        &'static str,
        &'static [(&'static str, i64)],
    );

    #[test]
    fn spans_are_split_at_local_midnight_and_add_up() {
        let tokyo = chrono_tz::Asia::Tokyo;
        let new_york = chrono_tz::America::New_York;
        let cases: &[Case] = &[
            // Within a day.
            (
                tokyo,
                "2026-11-24T09:00:00+09:00",
                "2026-11-24T13:30:00+09:00",
                &[("2026-11-24", 270)],
            ),
            // Across midnight: counted on both days.
            (
                tokyo,
                "2026-11-24T22:00:00+09:00",
                "2026-11-25T01:15:00+09:00",
                &[("2026-11-24", 120), ("2026-11-25", 75)],
            ),
            // The same instants at a site in another zone fall on other days.
            (
                new_york,
                "2026-11-24T22:00:00+09:00",
                "2026-11-25T01:15:00+09:00",
                &[("2026-11-24", 195)],
            ),
            // A night that DST shortens (New York, 2026-03-08: 2:00 -> 3:00): 5 real hours.
            (
                new_york,
                "2026-03-07T22:00:00-05:00",
                "2026-03-08T04:00:00-04:00",
                &[("2026-03-07", 120), ("2026-03-08", 180)],
            ),
            // Seconds are cut once: 59 s + 59 s is one minute, not none.
            (
                tokyo,
                "2026-11-24T23:59:01+09:00",
                "2026-11-25T00:00:59+09:00",
                &[("2026-11-24", 0), ("2026-11-25", 1)],
            ),
            // Across several midnights.
            (
                tokyo,
                "2026-11-24T23:00:00+09:00",
                "2026-11-26T01:00:00+09:00",
                &[("2026-11-24", 60), ("2026-11-25", 1440), ("2026-11-26", 60)],
            ),
            // Empty or backwards: nothing.
            (
                tokyo,
                "2026-11-24T09:00:00+09:00",
                "2026-11-24T09:00:00+09:00",
                &[],
            ),
        ];
        for (tz, a, b, want) in cases {
            let got = minutes_by_day(*tz, utc(a), utc(b));
            let want: Vec<(NaiveDate, i64)> = want.iter().map(|(d, m)| (day(d), *m)).collect();
            assert_eq!(got, want, "{a} .. {b} in {tz}");
            let total = (utc(b) - utc(a)).num_seconds().max(0) / 60;
            assert_eq!(got.iter().map(|p| p.1).sum::<i64>(), total, "pieces add up");
        }
    }

    #[test]
    fn months_have_local_bounds() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.to_string(), "2026-11");
        let (a, b) = m.bounds(chrono_tz::Asia::Tokyo).unwrap();
        assert_eq!(a, utc("2026-11-01T00:00:00+09:00"));
        assert_eq!(b, utc("2026-12-01T00:00:00+09:00"));
        assert_eq!(Month::of(day("2027-03-31")).to_string(), "2027-03");
        for bad in [
            "2026-13", "26-11", "2026-1", "2026/11", "", "1999-12", "+202-11",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_month_moves_only_along_its_transitions() {
        use MonthStatus::*;
        assert_eq!(Open.submit(), Ok(Submitted));
        assert_eq!(Returned.submit(), Ok(Submitted));
        assert_eq!(Reopened.submit(), Ok(Submitted));
        assert_eq!(Submitted.submit(), Err(AttendanceError::AlreadySubmitted));
        assert_eq!(Approved.submit(), Err(AttendanceError::MonthLocked));
        assert_eq!(Submitted.approve(), Ok(Approved));
        assert_eq!(Open.approve(), Err(AttendanceError::NotSubmitted));
        assert_eq!(Approved.approve(), Err(AttendanceError::MonthLocked));
        assert_eq!(Submitted.give_back(), Ok(Returned));
        assert_eq!(Returned.give_back(), Err(AttendanceError::NotSubmitted));
        assert_eq!(Approved.reopen(), Ok(Reopened));
        assert_eq!(Submitted.reopen(), Err(AttendanceError::NotApproved));
        for s in [Open, Submitted, Returned, Approved, Reopened] {
            assert_eq!(MonthStatus::parse(s.as_str()), Some(s));
        }
        assert!(!Approved.editable() && !Submitted.editable() && Reopened.editable());
    }

    #[test]
    fn clock_times_and_coverage() {
        assert_eq!(clock_minutes("09:30"), Some(570));
        assert_eq!(clock_minutes("24:00"), Some(1440));
        assert_eq!(clock_minutes("00:00"), Some(0));
        for bad in ["24:01", "9:30", "09:60", "25:00", "0930", "", "ab:cd"] {
            assert_eq!(clock_minutes(bad), None, "{bad}");
        }
        let spans = [(10, 20), (20, 30), (40, 50)];
        assert!(covers(&spans, (12, 30)), "touching spans join");
        assert!(!covers(&spans, (12, 41)), "a gap at 30..40");
        assert!(!covers(&spans, (5, 15)), "before the first");
        assert!(covers(&[(0, 100), (10, 20)], (50, 100)));
        assert!(!covers(&[], (1, 2)));
    }
}
