//! When a site is open: weekly hours, annual closures, national holidays and per-site
//! exceptions, all in the site's local time. Pure functions, no I/O, no clock.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use std::collections::HashMap;

/// Opening and closing time of one day, local.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    pub open: NaiveTime,
    pub close: NaiveTime,
}

/// A closure that comes back every year, such as the year-end break 12/29 to 1/3
/// (a range may wrap around the new year).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnualClosure {
    pub from: (u32, u32),
    pub to: (u32, u32),
    pub note: String,
}

impl AnnualClosure {
    /// Whether the date falls in this closure.
    pub fn contains(&self, date: NaiveDate) -> bool {
        let md = (date.month(), date.day());
        if self.from <= self.to {
            self.from <= md && md <= self.to
        } else {
            md >= self.from || md <= self.to
        }
    }
}

/// One date that departs from the usual rules: open on a holiday, closed on a normal day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    pub open: bool,
    /// Hours for an opening exception; the weekday's usual hours when absent.
    pub hours: Option<Hours>,
    pub note: String,
}

/// Why a day is open or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The usual hours of the weekday (closed: the site does not open that weekday).
    Weekly,
    Holiday,
    AnnualClosure,
    ExceptionClosed,
    ExceptionOpen,
}

/// A site's answer for one local date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub hours: Option<Hours>,
    pub reason: Reason,
    pub holiday_name: Option<String>,
    pub note: Option<String>,
}

impl Day {
    /// Whether the site opens at all that day.
    pub fn open(&self) -> bool {
        self.hours.is_some()
    }
}

/// Everything that decides a site's opening, with its time zone.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub tz: Tz,
    /// Monday first.
    pub weekly: [Option<Hours>; 7],
    pub annual_closures: Vec<AnnualClosure>,
    pub open_on_holidays: bool,
    pub exceptions: HashMap<NaiveDate, Exception>,
}

/// Japan's national holiday on this date, if any (substitute and "sandwiched" days included).
pub fn national_holiday(date: NaiveDate) -> Option<String> {
    // The crate's calendar is not Sync, so each thread keeps its own.
    thread_local! {
        static CALENDAR: jpholiday::jpholiday::JPHoliday<'static> = jpholiday::jpholiday::JPHoliday::new();
    }
    CALENDAR.with(|c| c.is_holiday_name(&date))
}

impl Schedule {
    /// The site's opening on a local date. An exception wins over everything; then annual
    /// closures; then national holidays (unless the site opens on them); then the weekday.
    pub fn day(&self, date: NaiveDate) -> Day {
        let holiday_name = national_holiday(date);
        let usual = self.weekly[date.weekday().num_days_from_monday() as usize];
        let day = |hours, reason, note: Option<&str>| Day {
            date,
            hours,
            reason,
            holiday_name: holiday_name.clone(),
            note: note.map(str::to_string),
        };
        if let Some(ex) = self.exceptions.get(&date) {
            return if ex.open {
                day(ex.hours.or(usual), Reason::ExceptionOpen, Some(&ex.note))
            } else {
                day(None, Reason::ExceptionClosed, Some(&ex.note))
            };
        }
        if let Some(c) = self.annual_closures.iter().find(|c| c.contains(date)) {
            return day(None, Reason::AnnualClosure, Some(&c.note));
        }
        if holiday_name.is_some() && !self.open_on_holidays {
            return day(None, Reason::Holiday, None);
        }
        day(usual, Reason::Weekly, None)
    }

    /// The UTC instant of a local date and time at the site (see [`instant`]).
    pub fn instant(
        &self,
        date: NaiveDate,
        time: NaiveTime,
    ) -> Result<DateTime<Utc>, LocalTimeError> {
        instant(self.tz, date, time)
    }

    /// The UTC bounds of a local date, as epoch seconds: the first instant of the day to the
    /// first of the next.
    pub fn day_bounds(&self, date: NaiveDate) -> (i64, i64) {
        let start_of = |d: NaiveDate| local_midnight(self.tz, d).map_or(0, |t| t.timestamp());
        (start_of(date), start_of(date + Duration::days(1)))
    }

    /// Whether the site is open at an instant (opening inclusive, closing exclusive).
    pub fn is_open_at(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.tz);
        self.day(local.date_naive())
            .hours
            .is_some_and(|h| h.open <= local.time() && local.time() < h.close)
    }
}

/// The first instant of a local day: the earliest, where a DST change repeats midnight; the
/// first minute that exists, where it skips midnight (a few zones).
pub fn local_midnight(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    (0..=120).find_map(|m| {
        let t = day.and_hms_opt(0, 0, 0)? + Duration::minutes(m);
        tz.from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// Why a local date and time names no single instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalTimeError {
    /// A DST change skips it.
    Nonexistent,
    /// A DST change repeats it.
    Ambiguous,
}

/// The UTC instant of a local date and time; refuses times a DST change skips or repeats
/// rather than guessing.
pub fn instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, LocalTimeError> {
    match tz.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(..) => Err(LocalTimeError::Ambiguous),
        LocalResult::None => Err(LocalTimeError::Nonexistent),
    }
}

/// Parses "HH:MM" on the quarter hour (bookings use a 15-minute grid).
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let t = NaiveTime::parse_from_str(s, "%H:%M").ok()?;
    (s.len() == 5 && t.format("%M").to_string().parse::<u32>().ok()? % 15 == 0).then_some(t)
}

/// Parses "MM-DD" (February 29 allowed).
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

/// Index of a weekday name ("mon".."sun"), Monday 0.
pub fn weekday_index(name: &str) -> Option<usize> {
    name.parse::<Weekday>()
        .ok()
        .filter(|_| name.len() == 3)
        .map(|w| w.num_days_from_monday() as usize)
}

/// A local day as people write it in a message: "11月30日(月)" or "Mon 30 Nov".
pub fn written_day(d: NaiveDate, lang: crate::error::Lang) -> String {
    match lang {
        crate::error::Lang::Ja => {
            let wd = ["月", "火", "水", "木", "金", "土", "日"]
                [d.weekday().num_days_from_monday() as usize];
            format!("{}月{}日({wd})", d.month(), d.day())
        }
        crate::error::Lang::En => d.format("%a %-d %b").to_string(),
    }
}

/// Local hours as people write them: "9:00-13:00".
pub fn written_hours(start: NaiveTime, end: NaiveTime) -> String {
    format!("{}-{}", start.format("%-H:%M"), end.format("%-H:%M"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_and_hours_are_written_as_people_write_them() {
        use crate::error::Lang;
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(written_day(d, Lang::Ja), "11月30日(月)");
        assert_eq!(written_day(d, Lang::En), "Mon 30 Nov");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(written_hours(t(9, 0), t(13, 30)), "9:00-13:30");
    }

    use super::*;
    use chrono::TimeZone;

    fn t(s: &str) -> NaiveTime {
        parse_time(s).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn weekdays_9_to_18() -> Schedule {
        let h = Some(Hours {
            open: t("09:00"),
            close: t("18:00"),
        });
        Schedule {
            tz: chrono_tz::Asia::Tokyo,
            weekly: [h, h, h, h, h, None, None],
            annual_closures: vec![AnnualClosure {
                from: (12, 29),
                to: (1, 3),
                note: "年末年始".into(),
            }],
            open_on_holidays: false,
            exceptions: HashMap::new(),
        }
    }

    #[test]
    fn weekdays_open_weekends_closed() {
        let s = weekdays_9_to_18();
        assert!(s.day(d(2026, 11, 24)).open()); // Tuesday
        let sat = s.day(d(2026, 11, 28));
        assert!(!sat.open());
        assert_eq!(sat.reason, Reason::Weekly);
    }

    #[test]
    fn national_holidays_close_unless_the_site_opens_on_them() {
        let mut s = weekdays_9_to_18();
        // Labour Thanksgiving Day, a Monday in 2026.
        let day = s.day(d(2026, 11, 23));
        assert_eq!(day.reason, Reason::Holiday);
        assert!(day.holiday_name.is_some());
        assert!(!day.open());
        s.open_on_holidays = true;
        assert!(s.day(d(2026, 11, 23)).open());
    }

    #[test]
    fn substitute_holiday_is_a_holiday() {
        // Constitution Day 2026-05-03 is a Sunday: Wednesday 5/6 is the substitute holiday.
        let s = weekdays_9_to_18();
        assert_eq!(s.day(d(2026, 5, 6)).reason, Reason::Holiday);
        assert!(s.day(d(2026, 5, 7)).open());
    }

    #[test]
    fn year_end_break_wraps_the_new_year() {
        let s = weekdays_9_to_18();
        for date in [
            d(2026, 12, 29),
            d(2026, 12, 31),
            d(2027, 1, 1),
            d(2027, 1, 3),
        ] {
            assert_eq!(s.day(date).reason, Reason::AnnualClosure, "{date}");
        }
        assert!(s.day(d(2026, 12, 28)).open());
        assert!(s.day(d(2027, 1, 4)).open());
    }

    #[test]
    fn exceptions_win() {
        let mut s = weekdays_9_to_18();
        s.exceptions.insert(
            d(2026, 11, 23),
            Exception {
                open: true,
                hours: Some(Hours {
                    open: t("10:00"),
                    close: t("15:00"),
                }),
                note: "special".into(),
            },
        );
        s.exceptions.insert(
            d(2026, 11, 25),
            Exception {
                open: false,
                hours: None,
                note: "maintenance".into(),
            },
        );
        let holiday = s.day(d(2026, 11, 23));
        assert_eq!(holiday.reason, Reason::ExceptionOpen);
        assert_eq!(holiday.hours.unwrap().open, t("10:00"));
        let closed = s.day(d(2026, 11, 25));
        assert_eq!(closed.reason, Reason::ExceptionClosed);
        assert_eq!(closed.note.as_deref(), Some("maintenance"));
    }

    #[test]
    fn open_at_uses_the_sites_time_zone() {
        let s = weekdays_9_to_18();
        // 2026-11-24 00:30 UTC is 09:30 in Tokyo on a Tuesday: open.
        assert!(s.is_open_at(Utc.with_ymd_and_hms(2026, 11, 24, 0, 30, 0).unwrap()));
        // 2026-11-24 09:00 UTC is 18:00 in Tokyo: just closed.
        assert!(!s.is_open_at(Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()));
        // A 07:00 opening: 2026-11-23 22:30 UTC is Tuesday 07:30 in Tokyo (open), though in
        // UTC it is still Monday 11/23, a national holiday.
        let mut early = weekdays_9_to_18();
        early.weekly[1] = Some(Hours {
            open: t("07:00"),
            close: t("18:00"),
        });
        assert!(early.is_open_at(Utc.with_ymd_and_hms(2026, 11, 23, 22, 30, 0).unwrap()));
        // The same local rules in another zone: 00:30 UTC is not 09:30 in Honolulu.
        let mut hawaii = weekdays_9_to_18();
        hawaii.tz = chrono_tz::Pacific::Honolulu;
        assert!(!hawaii.is_open_at(Utc.with_ymd_and_hms(2026, 11, 24, 0, 30, 0).unwrap()));
        assert!(hawaii.is_open_at(Utc.with_ymd_and_hms(2026, 11, 24, 20, 0, 0).unwrap()));
    }

    #[test]
    fn parsing() {
        assert_eq!(parse_time("09:15"), Some(t("09:15")));
        assert_eq!(parse_time("09:10"), None);
        assert_eq!(parse_time("9:00"), None);
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_month_day("12-29"), Some((12, 29)));
        assert_eq!(parse_month_day("02-29"), Some((2, 29)));
        assert_eq!(parse_month_day("02-30"), None);
        assert_eq!(parse_month_day("1-3"), None);
        assert_eq!(weekday_index("mon"), Some(0));
        assert_eq!(weekday_index("sun"), Some(6));
        assert_eq!(weekday_index("monday"), None);
        assert_eq!(weekday_index("xyz"), None);
    }
}
