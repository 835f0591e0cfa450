//! The use cases on municipalities, sites and their calendars.

use super::errors::{BAD_HOURS, HALF_HOURS};
use super::rules::{self, Exception, Hours};
use super::{Closure, DayView, Municipality, OpeningHours, Site, SitesError, store};
use crate::db::Db;
use crate::error::CommonError;
use crate::error::{ApiResult, Validator, invalid_code, on_constraint, taken};
use crate::ids::{MunicipalityId, SiteId};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

/// A municipality's fields as a request gives them (all optional when changing).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityInput {
    code: Option<String>,
    name_ja: Option<String>,
    name_en: Option<String>,
    active: Option<bool>,
}

/// Adds a municipality, or changes one (`m` as stored, or a blank one with id 0).
pub async fn save_municipality(
    db: &Db,
    mut m: Municipality,
    input: MunicipalityInput,
    now: i64,
) -> ApiResult<Municipality> {
    m.code = input.code.unwrap_or(m.code).trim().to_string();
    m.name_ja = input.name_ja.unwrap_or(m.name_ja).trim().to_string();
    m.name_en = input.name_en.unwrap_or(m.name_en).trim().to_string();
    m.active = input.active.unwrap_or(m.active);
    let mut v = Validator::new();
    if !(m.code.len() == 6 && m.code.bytes().all(|b| b.is_ascii_digit())) {
        v.reject("code", SitesError::BadMunicipalityCode);
    }
    v.text("name_ja", &m.name_ja, 1, 100);
    v.text("name_en", &m.name_en, 1, 100);
    v.finish()?;
    let mut tx = db.begin().await?;
    let id = store::save_municipality(&mut tx, &m, now)
        .await
        .map_err(|e| {
            on_constraint(e, |c| {
                (c == "municipalities_code_key").then(|| taken("code", "自治体コード", "code"))
            })
        })?;
    tx.commit().await?;
    store::municipality_by_id(db, id).await
}

/// A blank municipality, for [`save_municipality`] to create.
pub fn new_municipality() -> Municipality {
    Municipality {
        id: MunicipalityId(0),
        code: String::new(),
        name_ja: String::new(),
        name_en: String::new(),
        active: true,
    }
}

/// A site's settings as a request gives them (all optional).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    municipality_id: Option<MunicipalityId>,
    name_ja: Option<String>,
    name_en: Option<String>,
    time_zone: Option<String>,
    opening_hours: Option<Vec<OpeningHours>>,
    annual_closures: Option<Vec<Closure>>,
    open_on_holidays: Option<bool>,
    booking_window_days: Option<i64>,
    no_show_grace_minutes: Option<i64>,
    max_hours_per_day: Option<i64>,
    max_active_bookings: Option<i64>,
    allow_walk_in: Option<bool>,
    check_in_early_minutes: Option<i64>,
    reminder_hour: Option<i64>,
    kiosk_offline_minutes: Option<i64>,
    active: Option<bool>,
    /// Postal address in Japanese (e-mails and calendar events say where).
    address_ja: Option<String>,
    /// Postal address in English.
    address_en: Option<String>,
}

impl SiteInput {
    /// Whether the input moves the site to another municipality (administrators only).
    pub fn moves_municipality(&self) -> bool {
        self.municipality_id.is_some()
    }

    /// Takes the given fields into the site.
    fn apply(self, s: &mut Site) {
        let text = |new: Option<String>, old: &str| new.unwrap_or_else(|| old.into());
        s.municipality_id = self.municipality_id.unwrap_or(s.municipality_id);
        s.name_ja = text(self.name_ja, &s.name_ja).trim().to_string();
        s.name_en = text(self.name_en, &s.name_en).trim().to_string();
        s.time_zone = text(self.time_zone, &s.time_zone).trim().to_string();
        s.address_ja = text(self.address_ja, &s.address_ja).trim().to_string();
        s.address_en = text(self.address_en, &s.address_en).trim().to_string();
        if let Some(h) = self.opening_hours {
            s.opening_hours = h;
        }
        if let Some(c) = self.annual_closures {
            s.annual_closures = c;
        }
        let int = |new: Option<i64>, old: &mut i64| *old = new.unwrap_or(*old);
        int(self.booking_window_days, &mut s.booking_window_days);
        int(self.no_show_grace_minutes, &mut s.no_show_grace_minutes);
        int(self.max_hours_per_day, &mut s.max_hours_per_day);
        int(self.max_active_bookings, &mut s.max_active_bookings);
        int(self.check_in_early_minutes, &mut s.check_in_early_minutes);
        int(self.reminder_hour, &mut s.reminder_hour);
        int(self.kiosk_offline_minutes, &mut s.kiosk_offline_minutes);
        s.open_on_holidays = self.open_on_holidays.unwrap_or(s.open_on_holidays);
        s.allow_walk_in = self.allow_walk_in.unwrap_or(s.allow_walk_in);
        s.active = self.active.unwrap_or(s.active);
    }
}

/// Opens a site (from [`Site::default`]) or changes one.
pub async fn save_site(db: &Db, mut s: Site, input: SiteInput, now: i64) -> ApiResult<Site> {
    input.apply(&mut s);
    let mut v = Validator::new();
    super::validate_site(&mut v, &s);
    if store::municipality_by_id(db, s.municipality_id)
        .await
        .is_err()
    {
        v.reject("municipality_id", SitesError::UnknownMunicipality);
    }
    v.finish()?;
    let mut tx = db.begin().await?;
    let id = store::save_site(&mut tx, &s, now).await?;
    tx.commit().await?;
    store::get(db, id).await
}

/// The site's opening, date by date from `from` to `to` (at most 366 days).
pub async fn calendar(
    db: &Db,
    site_id: SiteId,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<DayView>> {
    if to < from || (to - from).num_days() > 366 {
        return Err(invalid_code("to", CommonError::BadRange).with("days", 366));
    }
    let site = store::get(db, site_id).await?;
    let schedule = store::schedule(db, &site).await?;
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| schedule.day(d).into())
        .collect())
}

/// An exception's fields as a request gives them.
pub struct ExceptionInput {
    pub open: bool,
    pub open_time: Option<String>,
    pub close_time: Option<String>,
    pub note: String,
}

/// The hours an exception gives, checked.
fn exception_hours(v: &mut Validator, input: &ExceptionInput) -> Option<Hours> {
    match (&input.open_time, &input.close_time) {
        (None, None) => None,
        (Some(o), Some(c)) => match (rules::parse_time(o), rules::parse_time(c)) {
            (Some(open), Some(close)) if open < close => Some(Hours { open, close }),
            _ => {
                let (ja, en) = BAD_HOURS;
                v.reject("open_time", SitesError::BadHours)
                    .with_text("problem", ja, en);
                None
            }
        },
        _ => {
            let (ja, en) = HALF_HOURS;
            v.reject("close_time", SitesError::BadHours)
                .with_text("problem", ja, en);
            None
        }
    }
}

/// Opens or closes the site on one date; answers the day as it now is.
pub async fn put_exception(
    db: &Db,
    site_id: SiteId,
    day: NaiveDate,
    input: ExceptionInput,
) -> ApiResult<DayView> {
    let site = store::get(db, site_id).await?;
    let mut v = Validator::new();
    v.text("note", &input.note, 0, 200);
    let hours = exception_hours(&mut v, &input);
    let schedule = store::schedule(db, &site).await?;
    let weekday = chrono::Datelike::weekday(&day).num_days_from_monday();
    let usual = schedule.weekly.get(weekday as usize).copied().flatten();
    if !(!input.open || hours.is_some() || usual.is_some()) {
        v.reject("open_time", SitesError::HoursRequired);
    }
    v.finish()?;
    let ex = Exception {
        open: input.open,
        hours: if input.open { hours } else { None },
        note: input.note.trim().to_string(),
    };
    store::put_exception(db, site_id, day, &ex).await?;
    let schedule = store::schedule(db, &site).await?;
    Ok(schedule.day(day).into())
}
