//! The childcare capacity rule: how many caregivers a set of children needs, by age group,
//! exactly, in integers. Pure functions, no I/O, no clock.

use super::errors::ChildcareError;
use chrono::{Datelike, NaiveDate};

/// How long before a place starts its child may be handed over, in seconds (the kiosk asks
/// the caregivers for children booked from then on, and the drop-off is refused earlier).
pub const DROPOFF_EARLY_SECS: i64 = 30 * 60;

/// Where a childcare place stands; stored as its `as_str` in `childcare_bookings.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceStatus {
    /// Holds its place in the room.
    Booked,
    /// Waits for a place to free (first come, first served).
    Waitlisted,
    /// The child is in the room.
    DroppedOff,
    /// The child went home.
    PickedUp,
    Cancelled,
}

impl PlaceStatus {
    /// Every status, in the order of the migration's CHECK.
    pub const ALL: [PlaceStatus; 5] = [
        PlaceStatus::Booked,
        PlaceStatus::Waitlisted,
        PlaceStatus::DroppedOff,
        PlaceStatus::PickedUp,
        PlaceStatus::Cancelled,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceStatus::Booked => "booked",
            PlaceStatus::Waitlisted => "waitlisted",
            PlaceStatus::DroppedOff => "dropped_off",
            PlaceStatus::PickedUp => "picked_up",
            PlaceStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the place counts against the ratio and the room's size.
    pub fn holds_capacity(self) -> bool {
        matches!(self, PlaceStatus::Booked | PlaceStatus::DroppedOff)
    }

    /// Cancelling: a booked or waitlisted place, by its guardian until it starts, by staff
    /// any time.
    pub fn cancel(
        self,
        by_staff: bool,
        starts_at: i64,
        now: i64,
    ) -> Result<PlaceStatus, ChildcareError> {
        match self {
            PlaceStatus::Booked | PlaceStatus::Waitlisted if by_staff || now < starts_at => {
                Ok(PlaceStatus::Cancelled)
            }
            _ => Err(ChildcareError::NotCancellable),
        }
    }

    /// Dropping off: a booked place, from [`DROPOFF_EARLY_SECS`] before it starts until it
    /// ends.
    pub fn drop_off(
        self,
        (starts_at, ends_at): (i64, i64),
        now: i64,
    ) -> Result<PlaceStatus, ChildcareError> {
        match self {
            PlaceStatus::Booked if now >= starts_at - DROPOFF_EARLY_SECS && now < ends_at => {
                Ok(PlaceStatus::DroppedOff)
            }
            // A second tablet (or a second tap) after the hand-over: say so, not "too early".
            PlaceStatus::DroppedOff => Err(ChildcareError::AlreadyHere),
            _ => Err(ChildcareError::NotNow),
        }
    }

    /// Picking up: only a child in the room.
    pub fn pick_up(self) -> Result<PlaceStatus, ChildcareError> {
        match self {
            PlaceStatus::DroppedOff => Ok(PlaceStatus::PickedUp),
            _ => Err(ChildcareError::NotInRoom),
        }
    }
}

impl std::str::FromStr for PlaceStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlaceStatus::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown place status {s:?}"))
    }
}

impl AgeBasis {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBasis::Age => "age",
            AgeBasis::Class => "class",
        }
    }
}

impl std::str::FromStr for AgeBasis {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "age" => Ok(AgeBasis::Age),
            "class" => Ok(AgeBasis::Class),
            _ => Err(format!("unknown age basis {s:?}")),
        }
    }
}

/// Age groups of the staffing standard: under 1, 1-2, 3, and 4 or older.
pub const GROUPS: usize = 4;

/// How ages are counted on a day of care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeBasis {
    /// Completed years on the day of care.
    Age,
    /// Completed years on the April 1 that starts the fiscal year (Japanese nursery classes).
    Class,
}

/// A site's staffing standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standard {
    /// Children per caregiver, by age group.
    pub ratios: [u32; GROUPS],
    /// Caregivers required whenever any child is present.
    pub min_staff: u32,
    /// The room's physical maximum of children.
    pub room_max: u32,
    pub basis: AgeBasis,
}

impl Standard {
    /// The default of 児童福祉施設の設備及び運営に関する基準 as revised in April 2024.
    pub const JAPAN_2024: Standard = Standard {
        ratios: [3, 6, 15, 25],
        min_staff: 2,
        room_max: u32::MAX,
        basis: AgeBasis::Age,
    };
}

/// Completed years between a birth date and a day (0 before the first birthday).
pub fn completed_years(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// The age group of a child on a day of care, by the site's basis; None before birth.
pub fn age_group(birth: NaiveDate, day: NaiveDate, basis: AgeBasis) -> Option<usize> {
    let on = match basis {
        AgeBasis::Age => day,
        AgeBasis::Class => {
            let fy = if day.month() >= 4 {
                day.year()
            } else {
                day.year() - 1
            };
            NaiveDate::from_ymd_opt(fy, 4, 1)?
        }
    };
    if day < birth {
        return None;
    }
    Some(match completed_years(birth, on) {
        ..=0 => 0,
        1 | 2 => 1,
        3 => 2,
        _ => 3,
    })
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Caregivers needed for these children: max(minimum staff, ceil(sum of count/ratio)),
/// computed over a common denominator so that no rounding happens before the last step.
pub fn required(counts: &[u32; GROUPS], s: &Standard) -> u32 {
    if counts.iter().all(|&c| c == 0) {
        return 0;
    }
    let lcm = s.ratios.iter().fold(1u64, |acc, &r| {
        acc / gcd(acc, r.max(1) as u64) * r.max(1) as u64
    });
    let numerator: u64 = counts
        .iter()
        .zip(s.ratios)
        .map(|(&c, r)| c as u64 * (lcm / r.max(1) as u64))
        .sum();
    let needed = numerator.div_ceil(lcm);
    (needed as u32).max(s.min_staff)
}

/// Whether a segment with these children and caregivers on duty is within the standard.
pub fn fits(counts: &[u32; GROUPS], on_duty: u32, s: &Standard) -> bool {
    counts.iter().sum::<u32>() <= s.room_max && required(counts, s) <= on_duty
}

/// How many more children of each age group a segment can take.
pub fn headroom(counts: &[u32; GROUPS], on_duty: u32, s: &Standard) -> [u32; GROUPS] {
    std::array::from_fn(|g| {
        let mut more = 0;
        let mut c = *counts;
        // At most the room's maximum: the loop ends.
        while more < s.room_max.min(1000) {
            c[g] += 1;
            if !fits(&c, on_duty, s) {
                break;
            }
            more += 1;
        }
        more
    })
}

/// A child's place over time: (age group, start, end), epoch seconds.
pub type Place = (usize, i64, i64);

/// The length of a capacity segment, in seconds.
pub const SEGMENT_SECS: i64 = 15 * 60;

/// A caregiver's shift: (person, start, end), epoch seconds.
pub type Duty = (i64, i64, i64);

/// Whether a person's shifts, taken together, cover [from, to) without a gap.
fn covered(from: i64, to: i64, mut spans: Vec<(i64, i64)>) -> bool {
    spans.sort_unstable();
    let mut reach = from;
    for (a, b) in spans {
        if a > reach {
            break;
        }
        reach = reach.max(b);
    }
    reach >= to
}

/// Children by age group and caregivers on duty in the segment starting at `at`. Caregivers
/// are people, not shift rows: one counts once, and only when their shifts cover the whole
/// segment.
pub fn segment(at: i64, places: &[Place], shifts: &[Duty]) -> ([u32; GROUPS], u32) {
    let end = at + SEGMENT_SECS;
    let mut counts = [0u32; GROUPS];
    for &(g, a, b) in places {
        if a < end && b > at {
            counts[g.min(GROUPS - 1)] += 1;
        }
    }
    let mut people: Vec<i64> = shifts
        .iter()
        .filter(|&&(_, a, b)| a < end && b > at)
        .map(|&(p, _, _)| p)
        .collect();
    people.sort_unstable();
    people.dedup();
    let on_duty = people
        .into_iter()
        .filter(|&p| {
            let spans = shifts
                .iter()
                .filter(|s| s.0 == p)
                .map(|&(_, a, b)| (a, b))
                .collect();
            covered(at, end, spans)
        })
        .count() as u32;
    (counts, on_duty)
}

/// The first segment of [from, to) (aligned to 15 minutes) that breaks the standard.
pub fn first_short_segment(
    from: i64,
    to: i64,
    places: &[Place],
    shifts: &[Duty],
    s: &Standard,
) -> Option<i64> {
    let start = from - from.rem_euclid(SEGMENT_SECS);
    (start..to).step_by(SEGMENT_SECS as usize).find(|&at| {
        let (counts, on_duty) = segment(at, places, shifts);
        !fits(&counts, on_duty, s)
    })
}

/// How a sleeping child lies at a nap check; stored as its `as_str` in `nap_checks.position`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Back,
    Side,
    /// Face down: flagged on the tablet (the sudden-infant-death risk the checks are for).
    Front,
}

impl Position {
    /// Every position, in the order of the migration's CHECK.
    pub const ALL: [Position; 3] = [Position::Back, Position::Side, Position::Front];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Back => "back",
            Position::Side => "side",
            Position::Front => "front",
        }
    }
}

impl std::str::FromStr for Position {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Position::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown position {s:?}"))
    }
}

/// Default minutes between nap checks: under 1, ages 1-2, 3 and older (5 and 10 as Japanese
/// municipal guidelines commonly ask; 15 for the older children, whom they leave to the site).
pub const NAP_CHECK_MINUTES: [u32; 3] = [5, 10, 15];

/// Seconds between nap checks for a place's age group (0: under 1, 1: ages 1-2, else older).
pub fn nap_interval_secs(age_group: i64, minutes: [u32; 3]) -> i64 {
    let m = match age_group {
        0 => minutes[0],
        1 => minutes[1],
        _ => minutes[2],
    };
    i64::from(m) * 60
}

/// When the next check of a nap is due: one interval after the last check, or after the nap
/// started when none was made yet.
pub fn nap_check_due(started_at: i64, last_check: Option<i64>, interval: i64) -> i64 {
    last_check.unwrap_or(started_at).max(started_at) + interval
}

/// Whether a nap check is late at `now` (a check exactly on time is not).
pub fn nap_check_late(due: i64, now: i64) -> bool {
    now > due
}

/// A child's age in completed months on a day (0 before the first month, and before birth).
pub fn age_months(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut months = (on.year() - birth.year()) * 12 + on.month() as i32 - birth.month() as i32;
    if on.day() < birth.day() {
        months -= 1;
    }
    months.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const S: Standard = Standard::JAPAN_2024;

    #[test]
    fn required_caregivers_table() {
        // [under 1, 1-2, 3, 4+] -> caregivers
        let cases: [([u32; 4], u32); 16] = [
            ([0, 0, 0, 0], 0),
            ([1, 0, 0, 0], 2), // minimum staff
            ([3, 0, 0, 0], 2),
            ([6, 0, 0, 0], 2), // exactly 2 x 3
            ([7, 0, 0, 0], 3), // one more tips it
            ([0, 12, 0, 0], 2),
            ([0, 13, 0, 0], 3),
            ([0, 0, 30, 0], 2),
            ([0, 0, 31, 0], 3),
            ([0, 0, 0, 50], 2),
            ([0, 0, 0, 51], 3),
            ([3, 6, 0, 0], 2),   // 1 + 1
            ([4, 6, 0, 0], 3),   // 4/3 + 1 = 2.33
            ([3, 6, 15, 25], 4), // 1 + 1 + 1 + 1 exactly
            ([3, 6, 15, 26], 5), // a twenty-fifth more
            ([2, 4, 10, 0], 2),  // 2/3 + 4/6 + 10/15 = 2 exactly
        ];
        for (counts, want) in cases {
            assert_eq!(required(&counts, &S), want, "{counts:?}");
        }
    }

    #[test]
    fn minimum_staff_and_room_max() {
        let mut s = S;
        s.min_staff = 1;
        assert_eq!(required(&[1, 0, 0, 0], &s), 1);
        s.room_max = 4;
        assert!(fits(&[0, 0, 0, 4], 1, &s));
        assert!(
            !fits(&[0, 0, 0, 5], 5, &s),
            "the room is full whatever the staff"
        );
        assert!(!fits(&[1, 0, 0, 0], 0, &S), "no caregiver, no child");
    }

    #[test]
    fn headroom_by_group() {
        // Two caregivers, two babies: four more babies, or 11-ish toddlers... exactly:
        // 2/3 used of 2: 4/3 left -> 4 babies (4/3), 8 toddlers (8/6), 20 three-year-olds.
        assert_eq!(headroom(&[2, 0, 0, 0], 2, &S), [4, 8, 20, 33]);
        assert_eq!(headroom(&[0, 0, 0, 0], 0, &S), [0, 0, 0, 0]);
    }

    #[test]
    fn segments_count_whole_shifts_only() {
        let places = [(0, 0, 3600), (1, 1800, 3600)];
        let shifts = [(1, 0, 3600), (2, 900, 3600)];
        assert_eq!(segment(0, &places, &shifts), ([1, 0, 0, 0], 1));
        assert_eq!(segment(1800, &places, &shifts), ([1, 1, 0, 0], 2));
        assert_eq!(
            first_short_segment(0, 3600, &places, &shifts, &S),
            Some(0),
            "one caregiver at first"
        );
        let two = [(1, 0, 3600), (2, 0, 3600)];
        assert_eq!(first_short_segment(0, 3600, &places, &two, &S), None);
        // A shift ending mid-segment does not cover it.
        let short = [(1, 0, 3600), (2, 0, 3000)];
        assert_eq!(
            first_short_segment(0, 3600, &places, &short, &S),
            Some(2700)
        );
    }

    #[test]
    fn caregivers_are_people_not_shift_rows() {
        let places = [(0, 0, 3600)];
        // One person entered twice is one caregiver: below the minimum of two.
        let twice = [(1, 0, 3600), (1, 0, 3600)];
        assert_eq!(segment(0, &places, &twice).1, 1);
        assert_eq!(first_short_segment(0, 3600, &places, &twice, &S), Some(0));
        // Overlapping or back-to-back pieces that join up cover a segment; a gap does not.
        let pieces = [(1, 0, 600), (1, 600, 3600), (2, 0, 2000), (2, 1500, 3600)];
        assert_eq!(segment(0, &places, &pieces).1, 2);
        assert_eq!(first_short_segment(0, 3600, &places, &pieces, &S), None);
        let gap = [(1, 0, 600), (1, 700, 3600), (2, 0, 3600)];
        assert_eq!(segment(0, &places, &gap).1, 1);
        assert_eq!(segment(900, &places, &gap).1, 2);
    }

    #[test]
    fn age_on_the_day_and_class_age() {
        let birth = d(2025, 11, 24);
        assert_eq!(age_group(birth, d(2026, 11, 23), AgeBasis::Age), Some(0));
        assert_eq!(
            age_group(birth, d(2026, 11, 24), AgeBasis::Age),
            Some(1),
            "turns 1 on the day"
        );
        let three = d(2023, 6, 10);
        assert_eq!(age_group(three, d(2026, 6, 9), AgeBasis::Age), Some(1));
        assert_eq!(
            age_group(three, d(2026, 6, 10), AgeBasis::Age),
            Some(2),
            "turns 3 on the day"
        );
        // Class age: completed years on April 1 of the fiscal year.
        assert_eq!(
            age_group(three, d(2026, 6, 10), AgeBasis::Class),
            Some(1),
            "2 on 2026-04-01"
        );
        assert_eq!(age_group(three, d(2027, 3, 31), AgeBasis::Class), Some(1));
        assert_eq!(age_group(three, d(2027, 4, 1), AgeBasis::Class), Some(2));
        assert_eq!(
            age_group(d(2020, 1, 1), d(2026, 1, 1), AgeBasis::Age),
            Some(3)
        );
        assert_eq!(
            age_group(d(2027, 1, 1), d(2026, 1, 1), AgeBasis::Age),
            None,
            "not born yet"
        );
        // Born in the fiscal year: class age 0 until the next April.
        assert_eq!(
            age_group(d(2026, 5, 1), d(2027, 3, 1), AgeBasis::Class),
            Some(0)
        );
    }

    #[test]
    fn place_status_round_trips_and_refuses_unknown() {
        for s in PlaceStatus::ALL {
            assert_eq!(s.as_str().parse::<PlaceStatus>(), Ok(s));
        }
        assert!("lost".parse::<PlaceStatus>().is_err());
    }

    #[test]
    fn place_transitions() {
        use PlaceStatus::*;
        let (start, end) = (10_000, 20_000);
        let early = start - DROPOFF_EARLY_SECS;
        // (status, now, drop-off answer)
        let dropoffs = [
            (Booked, early - 1, Err(ChildcareError::NotNow)),
            (Booked, early, Ok(DroppedOff)),
            (Booked, end - 1, Ok(DroppedOff)),
            (Booked, end, Err(ChildcareError::NotNow)),
            (Waitlisted, start, Err(ChildcareError::NotNow)),
            (DroppedOff, start, Err(ChildcareError::AlreadyHere)),
            (Cancelled, start, Err(ChildcareError::NotNow)),
        ];
        for (s, now, want) in dropoffs {
            assert_eq!(s.drop_off((start, end), now), want, "{s:?} at {now}");
        }
        for s in PlaceStatus::ALL {
            let want = if s == DroppedOff {
                Ok(PickedUp)
            } else {
                Err(ChildcareError::NotInRoom)
            };
            assert_eq!(s.pick_up(), want, "{s:?}");
        }
        // (status, by staff, now, cancel answer)
        let cancels = [
            (Booked, false, start - 1, Ok(Cancelled)),
            (Booked, false, start, Err(ChildcareError::NotCancellable)),
            (Booked, true, start, Ok(Cancelled)),
            (Waitlisted, false, start - 1, Ok(Cancelled)),
            (DroppedOff, true, start, Err(ChildcareError::NotCancellable)),
            (PickedUp, true, start, Err(ChildcareError::NotCancellable)),
            (Cancelled, true, start, Err(ChildcareError::NotCancellable)),
        ];
        for (s, staff, now, want) in cancels {
            assert_eq!(
                s.cancel(staff, start, now),
                want,
                "{s:?} staff {staff} at {now}"
            );
        }
        let holding: Vec<_> = PlaceStatus::ALL
            .into_iter()
            .filter(|s| s.holds_capacity())
            .collect();
        assert_eq!(holding, [Booked, DroppedOff]);
    }

    #[test]
    fn nap_checks_follow_the_age_group() {
        let m = NAP_CHECK_MINUTES;
        assert_eq!(nap_interval_secs(0, m), 300);
        assert_eq!(nap_interval_secs(1, m), 600);
        assert_eq!(nap_interval_secs(2, m), 900);
        assert_eq!(nap_interval_secs(3, [1, 2, 7]), 420);
        // Started at 1000, no check yet: due at 1300; on time at 1300, late from 1301.
        let due = nap_check_due(1000, None, 300);
        assert_eq!(due, 1300);
        assert!(!nap_check_late(due, 1300));
        assert!(nap_check_late(due, 1301));
        // A check resets the clock.
        assert_eq!(nap_check_due(1000, Some(1250), 300), 1550);
        for p in Position::ALL {
            assert_eq!(p.as_str().parse::<Position>(), Ok(p));
        }
        assert!("belly".parse::<Position>().is_err());
    }

    #[test]
    fn ages_in_months() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(age_months(d(2026, 2, 14), d(2026, 11, 24)), 9);
        assert_eq!(age_months(d(2026, 2, 24), d(2026, 11, 24)), 9);
        assert_eq!(age_months(d(2026, 2, 25), d(2026, 11, 24)), 8);
        assert_eq!(age_months(d(2023, 5, 10), d(2026, 11, 24)), 42);
        assert_eq!(age_months(d(2027, 1, 1), d(2026, 11, 24)), 0);
    }
}
