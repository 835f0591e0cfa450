//! The KPI's pure rules: the Japanese fiscal year (April to March), its months, the median
//! of a list of days, an achievement rate, and where a worker stands in the onboarding funnel.

use chrono::{Datelike, NaiveDate};

/// Yen a worker must earn in a fiscal year to count as earning (the committee's KPI).
pub const EARNER_YEN: i64 = 10_000;

/// The fewest people a figure shown to a municipality viewer may stand for.
pub const MIN_PEOPLE: usize = 3;

/// Whether a figure of `n` people is withheld from a municipality viewer: 1 or 2 (none
/// tells nothing about anyone).
pub fn too_few(n: usize) -> bool {
    (1..MIN_PEOPLE).contains(&n)
}

/// The fiscal years the KPI accepts (named by the calendar year of their April).
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// The fiscal year a local day belongs to: April to March, named by its April's year.
pub fn fiscal_year(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// The first and last day of a fiscal year.
pub fn bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 4, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 3, 31)?,
    ))
}

/// The twelve months of a fiscal year as YYYY-MM, April first.
pub fn months(year: i32) -> Vec<String> {
    (0..12)
        .map(|i| {
            let m = (3 + i) % 12 + 1;
            let y = if m >= 4 { year } else { year + 1 };
            format!("{y:04}-{m:02}")
        })
        .collect()
}

/// The month (0 = April) of a YYYY-MM label within the fiscal year, if it is in it.
pub fn month_index(year: i32, label: &str) -> Option<usize> {
    months(year).iter().position(|m| m == label)
}

/// The month index (0 = April) of a local day within its fiscal year.
pub fn day_month_index(day: NaiveDate) -> usize {
    ((day.month() + 8) % 12) as usize
}

/// The median of whole days (the mean of the middle two for an even count, rounded down to
/// a tenth), None for an empty list.
pub fn median(days: &mut [i64]) -> Option<f64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    let tenths = if n % 2 == 1 {
        days[n / 2] * 10
    } else {
        (days[n / 2 - 1] + days[n / 2]) * 5
    };
    Some(tenths as f64 / 10.0)
}

/// The achievement rate in percent, to a tenth: actual over target; None without a positive
/// target.
pub fn achievement(actual: i64, target: Option<i64>) -> Option<f64> {
    let t = target.filter(|t| *t > 0)?;
    let tenths = (actual as i128 * 1000 * 2 + t as i128) / (2 * t as i128);
    Some(tenths as f64 / 10.0)
}

/// The funnel's steps in order.
pub const STEPS: [&str; 5] = [
    "registered",
    "onboarded",
    "first_work",
    "first_paid",
    "earned",
];

/// The local days a worker reached each step (a later step counts only once the earlier
/// ones are reached: a worker paid before finishing onboarding stands at onboarding).
pub fn reached(days: [Option<NaiveDate>; 5]) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> = Vec::new();
    for d in days {
        match d {
            Some(d) => out.push(out.last().map_or(d, |prev| d.max(*prev))),
            None => break,
        }
    }
    out
}

/// The rounded hours of minutes (half up).
pub fn hours(minutes: i64) -> i64 {
    (minutes + 30).div_euclid(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fiscal_years_turn_on_april_first() {
        assert_eq!(fiscal_year(d(2025, 3, 31)), 2024);
        assert_eq!(fiscal_year(d(2025, 4, 1)), 2025);
        assert_eq!(fiscal_year(d(2026, 1, 15)), 2025);
        assert_eq!(bounds(2025), Some((d(2025, 4, 1), d(2026, 3, 31))));
        let m = months(2025);
        assert_eq!((m[0].as_str(), m[11].as_str()), ("2025-04", "2026-03"));
        assert_eq!(month_index(2025, "2026-01"), Some(9));
        assert_eq!(month_index(2025, "2025-03"), None);
        assert_eq!(day_month_index(d(2025, 4, 30)), 0);
        assert_eq!(day_month_index(d(2026, 3, 1)), 11);
    }

    #[test]
    fn medians_and_rates() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3.0));
        assert_eq!(median(&mut [4, 1, 2, 9]), Some(3.0));
        assert_eq!(median(&mut [1, 2]), Some(1.5));
        assert_eq!(achievement(100, Some(140)), Some(71.4));
        assert_eq!(achievement(33, Some(90)), Some(36.7));
        assert_eq!(achievement(5, Some(0)), None);
        assert_eq!(achievement(5, None), None);
        assert_eq!(hours(89), 1);
        assert_eq!(hours(90), 2);
    }

    #[test]
    fn a_step_waits_for_the_one_before() {
        let r = reached([Some(d(2025, 4, 1)), None, Some(d(2025, 5, 1)), None, None]);
        assert_eq!(r, vec![d(2025, 4, 1)]);
        let r = reached([
            Some(d(2025, 4, 10)),
            Some(d(2025, 5, 1)),
            Some(d(2025, 4, 20)),
            None,
            None,
        ]);
        assert_eq!(r, vec![d(2025, 4, 10), d(2025, 5, 1), d(2025, 5, 1)]);
    }
}
