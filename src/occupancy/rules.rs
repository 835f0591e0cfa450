//! Pure rules of the live view: a seat's state now, the childcare ratio's state per age band,
//! a child's given name, the automatic plan, and the roll-call list's order.

use crate::childcare::rules::{self as cc, GROUPS, Standard};

/// What a desk or room seat is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeatState {
    Free,
    /// Booked for now, the person has not checked in yet.
    Reserved,
    /// Someone checked in against a booking of it and is inside.
    Occupied,
    /// Booked for now and released because nobody came (no-show).
    Released,
    /// The space is deactivated.
    OutOfService,
}

impl SeatState {
    /// The stored-free name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            SeatState::Free => "free",
            SeatState::Reserved => "reserved",
            SeatState::Occupied => "occupied",
            SeatState::Released => "released",
            SeatState::OutOfService => "out_of_service",
        }
    }
}

/// A booking's part in a seat's state now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// Active, not checked in.
    Waiting,
    /// Checked in, with the person inside.
    Inside,
    /// Checked in, the person has left.
    Left,
    /// Released as a no-show.
    NoShow,
}

/// A seat's state from the bookings that cover now (occupied beats reserved beats released).
pub fn seat_state(active_space: bool, holds: &[Hold]) -> SeatState {
    if !active_space {
        return SeatState::OutOfService;
    }
    if holds.contains(&Hold::Inside) {
        SeatState::Occupied
    } else if holds.contains(&Hold::Waiting) {
        SeatState::Reserved
    } else if holds.contains(&Hold::NoShow) {
        SeatState::Released
    } else {
        SeatState::Free
    }
}

/// An age band against the caregivers on duty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatioState {
    /// One more child of the band would still fit.
    Fits,
    /// Within the standard, but not one more child of the band.
    AtLimit,
    /// More children than the caregivers on duty may look after.
    Over,
}

/// Each age band's state with these children in the room and caregivers on duty.
pub fn ratio_states(children: &[u32; GROUPS], on_duty: u32, s: &Standard) -> [RatioState; GROUPS] {
    let within = cc::fits(children, on_duty, s);
    let headroom = cc::headroom(children, on_duty, s);
    std::array::from_fn(|g| {
        if !within {
            RatioState::Over
        } else if headroom[g] == 0 {
            RatioState::AtLimit
        } else {
            RatioState::Fits
        }
    })
}

/// The given name of a child as reception may see it: Japanese names are written family name
/// first ("佐藤 春翔" gives "春翔"), others given name first ("Anna Smith" gives "Anna").
pub fn given_name(full: &str) -> String {
    let parts: Vec<&str> = full.split_whitespace().collect();
    let japanese = full.chars().any(|c| {
        matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
    });
    let part = if japanese {
        parts.last()
    } else {
        parts.first()
    };
    part.map_or_else(|| full.trim().to_string(), |p| p.to_string())
}

/// Where a space without a stored position goes: the `index`-th free cell of a grid of
/// `columns` cells a row, on the 1000 x 1000 plan (x, y, width, height).
pub fn grid_cell(index: usize, columns: usize) -> (i64, i64, i64, i64) {
    let columns = columns.max(1);
    let cell = 1000 / columns as i64;
    let (row, col) = (index / columns, index % columns);
    let size = (cell * 8 / 10).max(1);
    (
        col as i64 * cell,
        (row as i64 * cell).min(1000 - size),
        size,
        size,
    )
}

/// The columns of the automatic grid for `n` spaces: a square-ish plan.
pub fn grid_columns(n: usize) -> usize {
    let mut c = 1;
    while c * c < n {
        c += 1;
    }
    c
}

/// Seconds of the intervals `[start, end)` that fall in each of the 24 hours from `day_start`.
pub fn seconds_per_hour(intervals: &[(i64, i64)], day_start: i64) -> [i64; 24] {
    let mut out = [0i64; 24];
    for (hour, secs) in out.iter_mut().enumerate() {
        let from = day_start + hour as i64 * 3600;
        let to = from + 3600;
        *secs = intervals
            .iter()
            .map(|&(a, b)| (b.min(to) - a.max(from)).max(0))
            .sum();
    }
    out
}

/// Seconds of the intervals `[start, end)` that fall in each local hour (0-23) of the day
/// `[day_start, day_end)` in `tz`. On a day the clocks go forward the skipped hour holds
/// nothing; on a day they go back the repeated hour holds both. Local hours start on a
/// quarter hour of UTC in every zone, so the day is walked in quarter hours.
pub fn seconds_per_local_hour(
    intervals: &[(i64, i64)],
    (day_start, day_end): (i64, i64),
    tz: chrono_tz::Tz,
) -> [i64; 24] {
    use chrono::{TimeZone, Timelike};
    let mut out = [0i64; 24];
    let mut from = day_start;
    while from < day_end {
        let to = (from + 900).min(day_end);
        let hour = tz
            .timestamp_opt(from, 0)
            .single()
            .map_or(0, |t| t.hour() as usize);
        if let Some(secs) = out.get_mut(hour) {
            *secs += intervals
                .iter()
                .map(|&(a, b)| (b.min(to) - a.max(from)).max(0))
                .sum::<i64>();
        }
        from = to;
    }
    out
}

/// The most intervals `[start, end)` open at one instant.
pub fn peak(intervals: &[(i64, i64)]) -> i64 {
    let mut edges: Vec<(i64, i64)> = intervals
        .iter()
        .filter(|(a, b)| b > a)
        .flat_map(|&(a, b)| [(a, 1), (b, -1)])
        .collect();
    // An end before a start at the same instant: back-to-back is not overlap.
    edges.sort_unstable();
    let (mut now, mut most) = (0, 0);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_shows_the_strongest_hold() {
        use Hold::*;
        let table: [(bool, &[Hold], SeatState); 7] = [
            (true, &[], SeatState::Free),
            (true, &[Left], SeatState::Free),
            (true, &[NoShow], SeatState::Released),
            (true, &[NoShow, Waiting], SeatState::Reserved),
            (true, &[Waiting, Inside], SeatState::Occupied),
            (true, &[Inside], SeatState::Occupied),
            (false, &[Inside], SeatState::OutOfService),
        ];
        for (active, holds, want) in table {
            assert_eq!(seat_state(active, holds), want, "{holds:?}");
        }
    }

    #[test]
    fn ratio_bands() {
        let s = Standard::JAPAN_2024;
        // Two caregivers: up to 6 infants.
        assert_eq!(ratio_states(&[0; 4], 2, &s), [RatioState::Fits; 4]);
        let five = ratio_states(&[5, 0, 0, 0], 2, &s);
        assert_eq!(five[0], RatioState::Fits);
        let six = ratio_states(&[6, 0, 0, 0], 2, &s);
        assert_eq!(six, [RatioState::AtLimit; 4]);
        assert_eq!(ratio_states(&[7, 0, 0, 0], 2, &s), [RatioState::Over; 4]);
        // A child with nobody on duty is over.
        assert_eq!(ratio_states(&[0, 0, 0, 1], 0, &s)[3], RatioState::Over);
    }

    #[test]
    fn given_names() {
        assert_eq!(given_name("佐藤 春翔"), "春翔");
        assert_eq!(given_name("佐藤　春翔"), "春翔");
        assert_eq!(given_name("Anna Smith"), "Anna");
        assert_eq!(given_name("蓮"), "蓮");
        assert_eq!(given_name(""), "");
    }

    #[test]
    fn the_grid_stays_on_the_plan() {
        assert_eq!(grid_columns(52), 8);
        for i in 0..52 {
            let (x, y, w, h) = grid_cell(i, 8);
            assert!(x >= 0 && y >= 0 && x + w <= 1000 && y + h <= 1000, "{i}");
        }
        assert_eq!(grid_cell(9, 8), (125, 125, 100, 100));
    }

    #[test]
    fn seconds_fall_in_their_hours() {
        let h = seconds_per_hour(&[(3600 + 1800, 3 * 3600), (0, 600)], 0);
        assert_eq!(&h[..4], &[600, 1800, 3600, 0]);
        assert_eq!(seconds_per_hour(&[(-100, 100)], 0)[0], 100);
    }

    #[test]
    fn local_hours_across_a_dst_change() {
        use chrono::{NaiveDate, TimeZone};
        let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let at = |d: &str, h: u32, m: u32| {
            let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
            tz.from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
                .earliest()
                .unwrap()
                .timestamp()
        };
        let bounds = |d: &str| {
            let next = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .unwrap()
                .succ_opt()
                .unwrap();
            (at(d, 0, 0), at(&next.to_string(), 0, 0))
        };
        // (day, local span, expected seconds per local hour, hours of the day)
        type Case<'a> = (&'a str, (u32, u32), (u32, u32), &'a [(usize, i64)], i64);
        let cases: [Case; 4] = [
            // Spring forward (2:00 -> 3:00): 1:00-4:00 is two hours; 2:00 does not exist.
            (
                "2026-03-08",
                (1, 0),
                (4, 0),
                &[(1, 3600), (2, 0), (3, 3600)],
                23,
            ),
            // Fall back (2:00 -> 1:00): 0:30-3:00 is three and a half hours; 1:00 twice.
            (
                "2026-11-01",
                (0, 30),
                (3, 0),
                &[(0, 1800), (1, 7200), (2, 3600)],
                25,
            ),
            // An ordinary day, the afternoon after the change.
            (
                "2026-11-01",
                (13, 0),
                (14, 15),
                &[(13, 3600), (14, 900), (15, 0)],
                25,
            ),
            (
                "2026-11-02",
                (9, 0),
                (10, 0),
                &[(8, 0), (9, 3600), (10, 0)],
                24,
            ),
        ];
        for (day, (h1, m1), (h2, m2), want, hours) in cases {
            let (from, to) = bounds(day);
            assert_eq!((to - from) / 3600, hours, "{day} has {hours} hours");
            let got = seconds_per_local_hour(&[(at(day, h1, m1), at(day, h2, m2))], (from, to), tz);
            for &(hour, secs) in want {
                assert_eq!(
                    got[hour], secs,
                    "{day} {h1}:{m1:02}-{h2}:{m2:02}, hour {hour}"
                );
            }
            let total = i64::from(h2 * 60 + m2) * 60 - i64::from(h1 * 60 + m1) * 60;
            let dst = if day == "2026-03-08" {
                -3600
            } else if h1 == 0 && day == "2026-11-01" {
                3600
            } else {
                0
            };
            assert_eq!(
                got.iter().sum::<i64>(),
                total + dst,
                "{day}: every second counted once"
            );
        }
        // A zone with a half-hour offset and no DST: hours still land on local hours.
        let kolkata: chrono_tz::Tz = "Asia/Kolkata".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let local = |h: u32| {
            kolkata
                .from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap())
                .single()
                .unwrap()
                .timestamp()
        };
        let start = local(0);
        let got =
            seconds_per_local_hour(&[(local(9), local(10))], (start, start + 86_400), kolkata);
        assert_eq!((got[8], got[9], got[10]), (0, 3600, 0));
    }

    #[test]
    fn peaks_count_overlap_only() {
        assert_eq!(peak(&[]), 0);
        assert_eq!(peak(&[(0, 10), (10, 20)]), 1);
        assert_eq!(peak(&[(0, 10), (5, 20), (6, 7)]), 3);
        assert_eq!(peak(&[(5, 5)]), 0);
    }
}
