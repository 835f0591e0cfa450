//! Training's rules over typed values: attendance from arrival and departure, what counts
//! towards a course, completion and expiry in the site's zone. No I/O, no clock.

use chrono::{DateTime, Months, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// How a person attended a session.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Present,
    Late,
    Excused,
    Absent,
}

impl Attendance {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Present => "present",
            Attendance::Late => "late",
            Attendance::Excused => "excused",
            Attendance::Absent => "absent",
        }
    }

    /// The stored form read back.
    pub fn parse(s: &str) -> Option<Attendance> {
        [
            Attendance::Present,
            Attendance::Late,
            Attendance::Excused,
            Attendance::Absent,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// A course's rules, as a completion keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CourseRules {
    pub sessions_required: i64,
    pub minimum_minutes: i64,
    /// None: the course never expires.
    pub validity_months: Option<u32>,
}

/// Whether a scan at `now` falls in a session's check-in window: from `early_secs` before
/// its start until its end.
pub fn check_in_open(now: i64, starts: i64, ends: i64, early_secs: i64) -> bool {
    starts - early_secs <= now && now < ends
}

/// The attendance of an arrival at `at`: present, or late (with the minutes after the start)
/// when it comes after the start plus the grace time.
pub fn arrival(starts: i64, grace_secs: i64, at: i64) -> (Attendance, i64) {
    if at > starts + grace_secs {
        (Attendance::Late, (at - starts) / 60)
    } else {
        (Attendance::Present, 0)
    }
}

/// Minutes present between arrival and departure, clipped to the session, and the minutes
/// missed by leaving early.
pub fn minutes_present(starts: i64, ends: i64, arrived: i64, left: i64) -> (i64, i64) {
    let from = arrived.max(starts);
    let to = left.min(ends);
    ((to - from).max(0) / 60, (ends - left).max(0) / 60)
}

/// Whether an attended session counts towards its course.
pub fn counts(attendance: Option<Attendance>, minutes: i64, rules: &CourseRules) -> bool {
    matches!(attendance, Some(Attendance::Present | Attendance::Late))
        && minutes >= rules.minimum_minutes
}

/// The instant a course is completed: the end of the session that brings the counted
/// sessions to the number required. `ends` are the ends of the counted sessions.
pub fn completed_at(rules: &CourseRules, ends: &[i64]) -> Option<i64> {
    let mut sorted = ends.to_vec();
    sorted.sort_unstable();
    let n = usize::try_from(rules.sessions_required.max(1)).ok()?;
    sorted.get(n - 1).copied()
}

/// The first instant of a local date in `tz` (midnight, or the first instant that exists).
fn start_of(tz: Tz, date: NaiveDate) -> Option<i64> {
    (0..96).find_map(|q| {
        let t = NaiveTime::MIN + chrono::Duration::minutes(15 * q);
        tz.from_local_datetime(&date.and_time(t))
            .earliest()
            .map(|d| d.timestamp())
    })
}

/// When a completion at `completed` expires: the course is current through the same local
/// date `months` later (the month's last day when it has no such date) and expires at the
/// start of the next local day. None: never.
pub fn expires_at(tz: Tz, completed: i64, months: Option<u32>) -> Option<i64> {
    let months = months?;
    let local = DateTime::from_timestamp(completed, 0)?.with_timezone(&tz);
    let last = local.date_naive().checked_add_months(Months::new(months))?;
    start_of(tz, last.succ_opt()?)
}

/// Whether a completion is current at `at`.
pub fn is_current(completed: i64, expires: Option<i64>, at: i64) -> bool {
    completed <= at && expires.is_none_or(|e| at < e)
}

/// Where a worker stands on one required course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Completed and current.
    Done,
    /// The first course not done, in the programme's order.
    Next,
    /// Not done and the worker registered more than the site's days ago.
    Overdue,
    /// Not done, after the next one.
    Later,
}

/// The standing of each required course, in the programme's order: `done[i]` says whether
/// course i is current; `overdue` whether the worker is past the site's days.
pub fn standings(done: &[bool], overdue: bool) -> Vec<Standing> {
    let mut next_given = false;
    done.iter()
        .map(|d| match (*d, overdue, next_given) {
            (true, _, _) => Standing::Done,
            (false, true, _) => Standing::Overdue,
            (false, false, false) => {
                next_given = true;
                Standing::Next
            }
            (false, false, true) => Standing::Later,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokyo(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        chrono_tz::Asia::Tokyo
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn arrivals() {
        let start = tokyo(2026, 11, 24, 10, 0);
        let grace = 600;
        let cases = [
            ("early", start - 900, (Attendance::Present, 0)),
            ("on the minute", start, (Attendance::Present, 0)),
            (
                "at the end of the grace",
                start + 600,
                (Attendance::Present, 0),
            ),
            ("a second after", start + 601, (Attendance::Late, 10)),
            ("half an hour late", start + 1800, (Attendance::Late, 30)),
        ];
        for (name, at, want) in cases {
            assert_eq!(arrival(start, grace, at), want, "{name}");
        }
    }

    #[test]
    fn windows_and_minutes() {
        let (s, e) = (tokyo(2026, 11, 24, 10, 0), tokyo(2026, 11, 24, 12, 0));
        let windows = [
            ("before the window", s - 1801, false),
            ("window opens", s - 1800, true),
            ("during", s + 3600, true),
            ("at the end", e, false),
        ];
        for (name, at, want) in windows {
            assert_eq!(check_in_open(at, s, e, 1800), want, "{name}");
        }
        let minutes = [
            ("whole session", s - 600, e + 600, (120, 0)),
            ("late and early", s + 1200, e - 1800, (70, 30)),
            ("left before arriving in it", s - 600, s - 60, (0, 121)),
        ];
        for (name, a, l, want) in minutes {
            assert_eq!(minutes_present(s, e, a, l), want, "{name}");
        }
    }

    #[test]
    fn completion_counts_sessions_meeting_the_minutes() {
        let two = CourseRules {
            sessions_required: 2,
            minimum_minutes: 90,
            validity_months: Some(12),
        };
        let counting = [
            ("present long enough", Some(Attendance::Present), 90, true),
            ("late but long enough", Some(Attendance::Late), 100, true),
            ("too short", Some(Attendance::Present), 89, false),
            ("excused", Some(Attendance::Excused), 120, false),
            ("absent", Some(Attendance::Absent), 0, false),
            ("not marked", None, 120, false),
        ];
        for (name, a, m, want) in counting {
            assert_eq!(counts(a, m, &two), want, "{name}");
        }
        let completions = [
            ("none", vec![], None),
            ("one of two", vec![100], None),
            ("two", vec![300, 100], Some(300)),
            ("three: the second", vec![500, 100, 300], Some(300)),
        ];
        for (name, ends, want) in completions {
            assert_eq!(completed_at(&two, &ends), want, "{name}");
        }
    }

    #[test]
    fn expiry_in_the_sites_zone() {
        let tz = chrono_tz::Asia::Tokyo;
        let cases = [
            (
                "twelve months, through the same date",
                tokyo(2026, 4, 10, 12, 0),
                Some(12),
                Some(tokyo(2027, 4, 11, 0, 0)),
            ),
            (
                "end of January plus one month: the end of February",
                tokyo(2026, 1, 31, 15, 0),
                Some(1),
                Some(tokyo(2026, 3, 1, 0, 0)),
            ),
            (
                "into a leap year's February",
                tokyo(2027, 1, 31, 15, 0),
                Some(13),
                Some(tokyo(2028, 3, 1, 0, 0)),
            ),
            (
                // 00:30 in Tokyo is still the previous day in UTC: the local date counts.
                "a session across midnight ends on the next local day",
                tokyo(2026, 4, 1, 0, 30),
                Some(12),
                Some(tokyo(2027, 4, 2, 0, 0)),
            ),
            ("never expires", tokyo(2026, 4, 1, 0, 30), None, None),
        ];
        for (name, completed, months, want) in cases {
            assert_eq!(expires_at(tz, completed, months), want, "{name}");
        }
        let across = tokyo(2026, 4, 1, 0, 30);
        let expiry = expires_at(tz, across, Some(12)).unwrap();
        let currency = [
            ("before completion", across - 1, false),
            ("at completion", across, true),
            ("last minute of the last day", expiry - 60, true),
            ("the day after", expiry, false),
        ];
        for (name, at, want) in currency {
            assert_eq!(is_current(across, Some(expiry), at), want, "{name}");
        }
    }

    #[test]
    fn standings_follow_the_programme_order() {
        use Standing::*;
        let cases = [
            ("all done", vec![true, true], false, vec![Done, Done]),
            (
                "first done",
                vec![true, false, false],
                false,
                vec![Done, Next, Later],
            ),
            (
                "a gap",
                vec![false, true, false],
                false,
                vec![Next, Done, Later],
            ),
            (
                "overdue",
                vec![true, false, false],
                true,
                vec![Done, Overdue, Overdue],
            ),
        ];
        for (name, done, overdue, want) in cases {
            assert_eq!(standings(&done, overdue), want, "{name}");
        }
    }
}
