//! Paying an approved month, as pure rules: the amount per project (the rate of each day,
//! yen floored per project and month), the withholding, the due date from a site's payment
//! rule and the freelance act's 60 days.

use crate::attendance::rules::Month;
use chrono::{Datelike, Days, Months, NaiveDate};

/// A rate of an assignment, from its day on (until the next one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub starts_on: NaiveDate,
    pub yen_per_hour: i64,
}

/// The rate that applies on a day: the latest one started on or before it.
pub fn rate_on(rates: &[Rate], day: NaiveDate) -> Option<i64> {
    rates
        .iter()
        .filter(|r| r.starts_on <= day)
        .max_by_key(|r| r.starts_on)
        .map(|r| r.yen_per_hour)
}

/// Minutes paid at one rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub yen_per_hour: i64,
    pub minutes: i64,
}

/// A project's month: its minutes per rate and the amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    pub minutes: i64,
    /// By rate, in the order the rates first apply.
    pub parts: Vec<Part>,
    /// Σ minutes × rate / 60 over the month, floored to the yen once (not per day).
    pub yen: i64,
}

/// The amount of a project's month from its minutes per local day; `Err(day)` when a day
/// with minutes has no rate (before the assignment's first rate).
pub fn amount(days: &[(NaiveDate, i64)], rates: &[Rate]) -> Result<Amount, NaiveDate> {
    let mut sorted: Vec<&(NaiveDate, i64)> = days.iter().filter(|(_, m)| *m != 0).collect();
    sorted.sort_by_key(|(d, _)| *d);
    let mut parts: Vec<Part> = Vec::new();
    let mut yen_minutes: i64 = 0;
    for &&(day, minutes) in &sorted {
        let rate = rate_on(rates, day).ok_or(day)?;
        yen_minutes += minutes * rate;
        match parts.iter_mut().find(|p| p.yen_per_hour == rate) {
            Some(p) => p.minutes += minutes,
            None => parts.push(Part {
                yen_per_hour: rate,
                minutes,
            }),
        }
    }
    Ok(Amount {
        minutes: parts.iter().map(|p| p.minutes).sum(),
        parts,
        yen: yen_minutes.div_euclid(60),
    })
}

/// The withholding on a project's month when it is switched on: 10.21 % of the amount up to
/// 1,000,000 yen and 20.42 % of the part above, floored to the yen.
pub fn withholding(yen: i64) -> i64 {
    const BAND: i64 = 1_000_000;
    if yen <= 0 {
        0
    } else if yen <= BAND {
        yen * 1021 / 10_000
    } else {
        BAND * 1021 / 10_000 + (yen - BAND) * 2042 / 10_000
    }
}

/// Shares a person's withholding out to their liable amounts: each its floored part, the
/// yen left over to the largest (the first of equals), so the shares add up to `total`.
pub fn allocate(total: i64, amounts: &[i64]) -> Vec<i64> {
    let sum: i64 = amounts.iter().sum();
    if sum <= 0 || total <= 0 {
        return vec![0; amounts.len()];
    }
    let mut shares: Vec<i64> = amounts.iter().map(|a| total * a / sum).collect();
    let left = total - shares.iter().sum::<i64>();
    if let Some(i) = (0..amounts.len()).max_by_key(|&i| (amounts[i], std::cmp::Reverse(i))) {
        shares[i] += left;
    }
    shares
}

/// How many days after the close the freelance act allows (the close counted as day 1).
pub const LEGAL_DAYS: u64 = 60;

/// A payment rule: months close at their end; paid on `day` of the month `months_after`
/// the close (a day past that month's end means its last day: 31 is "month end").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayRule {
    pub day: u32,
    pub months_after: u32,
}

impl PayRule {
    /// Month-end close, paid at the end of the next month: what a site without a rule uses.
    pub const DEFAULT: PayRule = PayRule {
        day: 31,
        months_after: 1,
    };
}

/// The last local day of a month: its close.
pub fn close(month: Month) -> Option<NaiveDate> {
    month
        .first_day()?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// The day a month is due to be paid under a rule.
pub fn due_date(rule: PayRule, month: Month) -> Option<NaiveDate> {
    let first = month
        .first_day()?
        .checked_add_months(Months::new(rule.months_after))?;
    let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
    Some(
        NaiveDate::from_ymd_opt(first.year(), first.month(), rule.day.max(1))
            .unwrap_or(last)
            .min(last),
    )
}

/// The last day the act allows for a month: the 60th day counting the close as the first.
pub fn legal_limit(month: Month) -> Option<NaiveDate> {
    close(month)?.checked_add_days(Days::new(LEGAL_DAYS - 1))
}

/// Why a rule is refused: the month it would pay too late, its due date and the days from
/// the close (the close counted as day 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLate {
    pub month: Month,
    pub due: NaiveDate,
    pub days: i64,
}

/// Checks a rule against the act over every month of a common and a leap year: the first
/// month it would pay after the 60th day (or on or before its close).
pub fn check(rule: PayRule) -> Result<(), TooLate> {
    for year in [2027, 2028] {
        for m in 1..=12 {
            let month = Month { year, month: m };
            let (Some(due), Some(close), Some(limit)) =
                (due_date(rule, month), close(month), legal_limit(month))
            else {
                continue;
            };
            if due > limit || due <= close {
                return Err(TooLate {
                    month,
                    due,
                    days: (due - close).num_days() + 1,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn amounts() {
        let one = [Rate {
            starts_on: d("2026-10-01"),
            yen_per_hour: 1000,
        }];
        let changing = [
            Rate {
                starts_on: d("2026-10-01"),
                yen_per_hour: 1000,
            },
            Rate {
                starts_on: d("2026-11-16"),
                yen_per_hour: 1100,
            },
        ];
        let odd = [Rate {
            starts_on: d("2026-11-01"),
            yen_per_hour: 1013,
        }];
        /// Days with minutes, rates, yen, parts (rate, minutes).
        type Case<'a> = (Vec<(&'a str, i64)>, &'a [Rate], i64, Vec<(i64, i64)>);
        let cases: Vec<Case> = vec![
            (vec![], &one, 0, vec![]),
            (vec![("2026-11-02", 60)], &one, 1000, vec![(1000, 60)]),
            // 1 minute at 1000 yen/h is 16.67 yen: floored.
            (vec![("2026-11-02", 1)], &one, 16, vec![(1000, 1)]),
            // Floored once per month, not per day: 3 × 16.67 = 50, not 48.
            (
                vec![("2026-11-02", 1), ("2026-11-03", 1), ("2026-11-04", 1)],
                &one,
                50,
                vec![(1000, 3)],
            ),
            // The rate of each day: 15th at 1000, 16th at 1100.
            (
                vec![("2026-11-15", 90), ("2026-11-16", 90), ("2026-11-30", 30)],
                &changing,
                1500 + 1650 + 550,
                vec![(1000, 90), (1100, 120)],
            ),
            // 7 h 7 min at 1013 yen/h = 7209.18...: 7209.
            (vec![("2026-11-05", 427)], &odd, 7209, vec![(1013, 427)]),
        ];
        for (days, rates, yen, parts) in cases {
            let days: Vec<(NaiveDate, i64)> = days.iter().map(|(s, n)| (d(s), *n)).collect();
            let a = amount(&days, rates).unwrap();
            assert_eq!(a.yen, yen, "{days:?}");
            let got: Vec<(i64, i64)> = a
                .parts
                .iter()
                .map(|p| (p.yen_per_hour, p.minutes))
                .collect();
            assert_eq!(got, parts, "{days:?}");
            assert_eq!(a.minutes, parts.iter().map(|p| p.1).sum::<i64>());
        }
        // A day before the first rate is an error naming the day, not a free hour.
        assert_eq!(amount(&[(d("2026-10-31"), 60)], &odd), Err(d("2026-10-31")));
    }

    #[test]
    fn withholding_bands() {
        for (yen, tax) in [
            (0, 0),
            (-5, 0),
            (9, 0),
            (10, 1),
            (100_000, 10_210),
            (123_457, 12_604),
            (999_999, 102_099),
            (1_000_000, 102_100),
            (1_000_001, 102_100),
            (1_000_005, 102_101),
            (2_000_000, 102_100 + 204_200),
        ] {
            assert_eq!(withholding(yen), tax, "{yen}");
        }
    }

    #[test]
    fn withholding_is_the_persons_over_the_payment() {
        // Liable amounts per project → the person's withholding and each project's share.
        for (amounts, total, shares) in [
            (vec![600_000, 600_000], 142_940, vec![71_470, 71_470]),
            (vec![500_000, 500_000], 102_100, vec![51_050, 51_050]),
            (vec![500_000, 500_001], 102_100, vec![51_049, 51_051]),
            (vec![999_999, 2], 102_100, vec![102_100, 0]),
            (vec![1_000_000, 5], 102_101, vec![102_101, 0]),
            (vec![0, 140], 14, vec![0, 14]),
            (vec![0, 0], 0, vec![0, 0]),
        ] {
            let w = withholding(amounts.iter().sum());
            assert_eq!(w, total, "{amounts:?}");
            let got = allocate(w, &amounts);
            assert_eq!(got, shares, "{amounts:?}");
            assert_eq!(got.iter().sum::<i64>(), total);
        }
    }

    #[test]
    fn due_dates() {
        let r25 = PayRule {
            day: 25,
            months_after: 1,
        };
        let end = PayRule::DEFAULT;
        for (rule, month, due) in [
            (r25, "2026-11", "2026-12-25"),
            (r25, "2026-12", "2027-01-25"),
            (end, "2026-12", "2027-01-31"),
            (end, "2027-01", "2027-02-28"),
            (end, "2028-01", "2028-02-29"),
            (end, "2026-03", "2026-04-30"),
            (
                PayRule {
                    day: 10,
                    months_after: 2,
                },
                "2026-12",
                "2027-02-10",
            ),
        ] {
            assert_eq!(due_date(rule, m(month)), Some(d(due)), "{rule:?} {month}");
        }
        assert_eq!(close(m("2028-02")), Some(d("2028-02-29")));
        assert_eq!(close(m("2026-12")), Some(d("2026-12-31")));
        // Close 31 December counts as day 1: day 60 is 28 February.
        assert_eq!(legal_limit(m("2026-12")), Some(d("2027-02-28")));
    }

    #[test]
    fn the_sixty_days() {
        for day in 1..=31 {
            assert_eq!(
                check(PayRule {
                    day,
                    months_after: 1
                }),
                Ok(()),
                "{day}"
            );
        }
        // Two months after: the 28th fits every month; the 29th of April is day 61 from the
        // close of February 2027 (31 + 29 + 1).
        assert_eq!(
            check(PayRule {
                day: 28,
                months_after: 2
            }),
            Ok(())
        );
        let late = check(PayRule {
            day: 29,
            months_after: 2,
        })
        .unwrap_err();
        assert_eq!(late.days, 61);
        assert_eq!(late.month, m("2027-02"));
        assert_eq!(late.due, d("2027-04-29"));
        assert!(check(PayRule::DEFAULT).is_ok());
        assert!(
            check(PayRule {
                day: 31,
                months_after: 2
            })
            .is_err()
        );
        assert!(
            check(PayRule {
                day: 1,
                months_after: 3
            })
            .is_err()
        );
        // Paying on the close itself or before is not a rule of "the month after".
        assert!(
            check(PayRule {
                day: 15,
                months_after: 0
            })
            .is_err()
        );
    }
}
