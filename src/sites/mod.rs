//! Municipalities, sites, spaces, opening hours, closed days and holidays, local time.

pub mod admin;
pub mod errors;
pub mod http;
pub mod rules;
pub mod spaces;
pub mod store;

pub use errors::SitesError;

use crate::error::CommonError;
use crate::error::Validator;
use crate::ids::{MunicipalityId, SiteId, SpaceId};
use rules::{AnnualClosure, Hours, Reason};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A municipality of the federation.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Municipality {
    pub id: MunicipalityId,
    /// The national local-government code (全国地方公共団体コード), six digits.
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub active: bool,
}

/// Usual hours of one weekday, local time ("mon".."sun", "HH:MM" on the quarter hour).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    pub weekday: String,
    pub open: String,
    pub close: String,
}

/// A yearly closed period, "MM-DD" to "MM-DD" inclusive (may wrap the new year).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub note: String,
}

/// A telework site.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Site {
    pub id: SiteId,
    pub municipality_id: MunicipalityId,
    pub name_ja: String,
    pub name_en: String,
    /// IANA time zone, e.g. Asia/Tokyo.
    pub time_zone: String,
    /// Weekdays not listed are closed.
    pub opening_hours: Vec<OpeningHours>,
    pub annual_closures: Vec<Closure>,
    pub open_on_holidays: bool,
    /// How many days ahead workers may book.
    pub booking_window_days: i64,
    /// Minutes after a booking's start before it is released as a no-show.
    pub no_show_grace_minutes: i64,
    /// Most desk hours one worker may book on one day.
    pub max_hours_per_day: i64,
    /// Most bookings one worker may hold that have not ended yet.
    pub max_active_bookings: i64,
    /// The kiosk gives a free desk to a worker of the site who arrives without a booking.
    pub allow_walk_in: bool,
    /// Minutes before a booking's start that the kiosk checks in.
    pub check_in_early_minutes: i64,
    /// Local hour when reminders for the next day's bookings go out; -1: none.
    pub reminder_hour: i64,
    /// How many minutes late a kiosk may send a scan it kept while offline (0: none); PINs
    /// are never accepted late.
    pub kiosk_offline_minutes: i64,
    pub active: bool,
    /// Postal address as Japanese write it (e-mails, calendar events); empty when not given.
    pub address_ja: String,
    /// Postal address in English.
    pub address_en: String,
}

/// Hours in the API's form.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HoursView {
    pub open: String,
    pub close: String,
}

impl From<Hours> for HoursView {
    fn from(h: Hours) -> Self {
        HoursView {
            open: h.open.format("%H:%M").to_string(),
            close: h.close.format("%H:%M").to_string(),
        }
    }
}

/// One local date of a site's calendar.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DayView {
    /// YYYY-MM-DD, local.
    pub date: String,
    pub open: bool,
    pub hours: Option<HoursView>,
    /// weekly, holiday, annual_closure, exception_closed or exception_open.
    pub reason: String,
    pub holiday_name: Option<String>,
    pub note: Option<String>,
}

impl From<rules::Day> for DayView {
    fn from(d: rules::Day) -> Self {
        DayView {
            date: d.date.to_string(),
            open: d.open(),
            hours: d.hours.map(Into::into),
            reason: match d.reason {
                Reason::Weekly => "weekly",
                Reason::Holiday => "holiday",
                Reason::AnnualClosure => "annual_closure",
                Reason::ExceptionClosed => "exception_closed",
                Reason::ExceptionOpen => "exception_open",
            }
            .to_string(),
            holiday_name: d.holiday_name,
            note: d.note,
        }
    }
}

/// What kind of place a space is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Desk,
    Room,
    SecureRoom,
    MeetingRoom,
    ChildcareRoom,
}

impl SpaceKind {
    const ALL: [SpaceKind; 5] = [
        SpaceKind::Desk,
        SpaceKind::Room,
        SpaceKind::SecureRoom,
        SpaceKind::MeetingRoom,
        SpaceKind::ChildcareRoom,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceKind::Desk => "desk",
            SpaceKind::Room => "room",
            SpaceKind::SecureRoom => "secure_room",
            SpaceKind::MeetingRoom => "meeting_room",
            SpaceKind::ChildcareRoom => "childcare_room",
        }
    }

    /// Parses a kind's name.
    pub fn parse(s: &str) -> Option<SpaceKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Parses the kind stored in a `spaces` row; an unknown name is an error naming the row.
    pub fn stored(s: &str, space_id: SpaceId) -> anyhow::Result<SpaceKind> {
        Self::parse(s)
            .ok_or_else(|| anyhow::anyhow!("spaces row {space_id} has an unknown kind {s:?}"))
    }
}

impl std::str::FromStr for SpaceKind {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<SpaceKind> {
        Self::parse(s).ok_or_else(|| anyhow::anyhow!("unknown space kind {s:?}"))
    }
}

/// The time zone stored for a site; one that does not parse is an error naming the site.
pub fn stored_time_zone(name: &str, site_id: SiteId) -> anyhow::Result<chrono_tz::Tz> {
    name.parse()
        .map_err(|_| anyhow::anyhow!("sites row {site_id} has an unknown time zone {name:?}"))
}

/// The attributes a space may have (workers filter desks by them).
pub const SPACE_ATTRIBUTES: [&str; 5] = [
    "monitor",
    "quiet_zone",
    "wheelchair_accessible",
    "standing_desk",
    "window",
];

/// A desk, room or other bookable place of a site.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Space {
    pub id: SpaceId,
    pub site_id: SiteId,
    pub kind: SpaceKind,
    pub name: String,
    /// Seats in a room; children in the childcare room; 1 for a desk.
    pub capacity: i64,
    pub attributes: Vec<String>,
    pub active: bool,
}

/// The parts of a site's schedule its settings describe: time zone, weekly hours, closures.
pub type ScheduleParts = (chrono_tz::Tz, [Option<Hours>; 7], Vec<AnnualClosure>);

/// Checks a site's fields; on success the schedule parts they describe.
pub fn validate_site(v: &mut Validator, s: &Site) -> Option<ScheduleParts> {
    v.text("name_ja", &s.name_ja, 1, 100);
    v.text("name_en", &s.name_en, 1, 100);
    v.text("address_ja", &s.address_ja, 0, 200);
    v.text("address_en", &s.address_en, 0, 200);
    for (field, value, min, max) in [
        ("booking_window_days", s.booking_window_days, 1, 366),
        ("no_show_grace_minutes", s.no_show_grace_minutes, 5, 240),
        ("max_hours_per_day", s.max_hours_per_day, 1, 24),
        ("max_active_bookings", s.max_active_bookings, 1, 1000),
        ("check_in_early_minutes", s.check_in_early_minutes, 0, 120),
        ("reminder_hour", s.reminder_hour, -1, 23),
        ("kiosk_offline_minutes", s.kiosk_offline_minutes, 0, 1440),
    ] {
        if !(min..=max).contains(&value) {
            v.reject(field, CommonError::OutOfRange)
                .with("min", min)
                .with("max", max);
        }
    }
    schedule_parts(v, s)
}

/// Checks the settings that make the site's schedule, and answers them when they are right.
pub fn schedule_parts(v: &mut Validator, s: &Site) -> Option<ScheduleParts> {
    let tz = s.time_zone.parse::<chrono_tz::Tz>().ok();
    if tz.is_none() {
        v.reject("time_zone", SitesError::UnknownTimeZone)
            .with_text("zone", &s.time_zone, &format!("{:?}", s.time_zone));
    }
    let weekly = weekly_hours(v, &s.opening_hours);
    let closures = annual_closures(v, &s.annual_closures);
    tz.map(|tz| (tz, weekly, closures))
}

/// A week's hours by weekday (Monday first) from their listed form.
fn weekly_hours(v: &mut Validator, hours: &[OpeningHours]) -> [Option<Hours>; 7] {
    let mut weekly = [None; 7];
    for (i, h) in hours.iter().enumerate() {
        let field = format!("opening_hours[{i}]");
        let Some(day) = rules::weekday_index(&h.weekday) else {
            v.reject(format!("{field}.weekday"), SitesError::BadWeekday);
            continue;
        };
        let (Some(open), Some(close)) = (rules::parse_time(&h.open), rules::parse_time(&h.close))
        else {
            v.reject(field, SitesError::BadTime);
            continue;
        };
        if close <= open {
            v.reject(field, SitesError::CloseBeforeOpen);
        } else if let Some(slot) = weekly.get_mut(day) {
            if slot.is_some() {
                v.reject(field, SitesError::DuplicateWeekday);
            } else {
                *slot = Some(Hours { open, close });
            }
        }
    }
    weekly
}

/// The yearly closed periods from their listed form.
fn annual_closures(v: &mut Validator, listed: &[Closure]) -> Vec<AnnualClosure> {
    let mut closures = Vec::new();
    for (i, c) in listed.iter().enumerate() {
        v.text(&format!("annual_closures[{i}].note"), &c.note, 0, 200);
        match (
            rules::parse_month_day(&c.from),
            rules::parse_month_day(&c.to),
        ) {
            (Some(from), Some(to)) => closures.push(AnnualClosure {
                from,
                to,
                note: c.note.clone(),
            }),
            _ => {
                v.reject(format!("annual_closures[{i}]"), SitesError::BadMonthDay);
            }
        }
    }
    closures
}

/// Checks a space's fields.
pub fn validate_space(v: &mut Validator, s: &Space) {
    v.text("name", &s.name, 1, 50);
    let max = if s.kind == SpaceKind::Desk { 1 } else { 200 };
    if !(1..=max).contains(&s.capacity) {
        v.reject("capacity", SitesError::BadCapacity)
            .with("max", max);
    }
    for a in &s.attributes {
        if !SPACE_ATTRIBUTES.contains(&a.as_str()) {
            v.reject("attributes", SitesError::UnknownAttribute)
                .with_text("name", a, &format!("{a:?}"));
        }
    }
}

impl Default for Site {
    /// A new site's defaults: Asia/Tokyo, weekdays 9:00-17:00, closed 12/29-1/3 and on
    /// national holidays, bookable 28 days ahead.
    fn default() -> Self {
        Site {
            id: SiteId(0),
            municipality_id: MunicipalityId(0),
            name_ja: String::new(),
            name_en: String::new(),
            time_zone: "Asia/Tokyo".into(),
            opening_hours: ["mon", "tue", "wed", "thu", "fri"]
                .map(|d| OpeningHours {
                    weekday: d.into(),
                    open: "09:00".into(),
                    close: "17:00".into(),
                })
                .into(),
            annual_closures: vec![Closure {
                from: "12-29".into(),
                to: "01-03".into(),
                note: "年末年始 / Year-end break".into(),
            }],
            open_on_holidays: false,
            booking_window_days: 28,
            no_show_grace_minutes: 30,
            max_hours_per_day: 8,
            max_active_bookings: 40,
            allow_walk_in: true,
            check_in_early_minutes: 15,
            reminder_hour: 18,
            kiosk_offline_minutes: 15,
            active: true,
            address_ja: String::new(),
            address_en: String::new(),
        }
    }
}

/// Where a site is, as notices write it: its name and postal address in both languages.
#[derive(Clone, Debug)]
pub struct Whereabouts {
    pub name: crate::mail::templates::SiteName,
    pub address_ja: String,
    pub address_en: String,
}

impl Whereabouts {
    /// The whereabouts of a site read in full.
    pub fn of(site: &Site) -> Whereabouts {
        Whereabouts {
            name: crate::mail::templates::SiteName {
                ja: site.name_ja.clone(),
                en: site.name_en.clone(),
            },
            address_ja: site.address_ja.clone(),
            address_en: site.address_en.clone(),
        }
    }

    /// The address in this language (the other one when this one is not given).
    pub fn address(&self, lang: crate::error::Lang) -> &str {
        let (mine, other) = match lang {
            crate::error::Lang::Ja => (&self.address_ja, &self.address_en),
            crate::error::Lang::En => (&self.address_en, &self.address_ja),
        };
        if mine.is_empty() { other } else { mine }
    }

    /// The lines of a message that say where: "拠点: …" and, when known, "所在地: …".
    pub fn lines(&self, lang: crate::error::Lang) -> Vec<String> {
        let mut out = vec![crate::mail::templates::site_line(&self.name, lang)];
        let address = self.address(lang);
        if !address.is_empty() {
            out.push(format!("{}{address}", lang.pick("所在地: ", "Address: ")));
        }
        out
    }

    /// A calendar event's LOCATION: what (a desk, the childcare room), the site, its address.
    pub fn location(&self, what: &str, lang: crate::error::Lang) -> String {
        let name = lang.pick(&self.name.ja, &self.name.en).to_string();
        [what, name.as_str(), self.address(lang)]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    }
}
