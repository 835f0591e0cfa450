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
    fn peaks_count_overlap_only() {
        assert_eq!(peak(&[]), 0);
        assert_eq!(peak(&[(0, 10), (10, 20)]), 1);
        assert_eq!(peak(&[(0, 10), (5, 20), (6, 7)]), 3);
        assert_eq!(peak(&[(5, 5)]), 0);
    }
}
