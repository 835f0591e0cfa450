//! Desk and room-seat bookings: single and recurring, changes, cancellations, check-in,
//! no-show release, availability, and a private calendar feed. A desk booking carries its
//! children's childcare places: moving or cancelling it moves or cancels them, through
//! childcare's root functions (a lower area).

pub mod availability;
pub mod book;
pub mod cancel;
pub mod change;
pub mod check_in;
pub mod errors;
pub mod feed;
pub mod http;
pub mod ics;
pub mod notify;
pub mod rules;
pub mod series;
mod status;
pub mod store;
pub mod with_places;

pub use book::{Made, Target, book, book_one, bookable, overlap_error, taken};
pub use errors::BookingError;
pub use status::{BookingStatus, UnknownStatus};

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError};
use crate::ids::{BookingId, PersonId, SeriesId, SiteId, SpaceId};
use crate::sites::{self, Site, SpaceKind, rules::Schedule};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use rules::{Policy, Refusal};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

/// A booking, with its times in the site's local time and in UTC.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Booking {
    #[schema(value_type = i64)]
    pub id: BookingId,
    #[schema(value_type = i64)]
    pub site_id: SiteId,
    #[schema(value_type = i64)]
    pub space_id: SpaceId,
    pub space_name: String,
    pub space_kind: SpaceKind,
    /// The seat in a room (1 for a desk).
    pub seat: i64,
    #[schema(value_type = i64)]
    pub person_id: PersonId,
    #[schema(value_type = Option<i64>)]
    pub series_id: Option<SeriesId>,
    /// Local date, YYYY-MM-DD.
    #[schema(value_type = String)]
    pub date: NaiveDate,
    /// Local start, HH:MM.
    #[serde(serialize_with = "hh_mm")]
    #[schema(value_type = String)]
    pub start: NaiveTime,
    /// Local end, HH:MM.
    #[serde(serialize_with = "hh_mm")]
    #[schema(value_type = String)]
    pub end: NaiveTime,
    /// RFC 3339, UTC.
    #[serde(serialize_with = "rfc3339")]
    #[schema(value_type = String)]
    pub starts_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    #[schema(value_type = String)]
    pub ends_at: DateTime<Utc>,
    /// active, checked_in, cancelled or no_show.
    pub status: BookingStatus,
    #[serde(serialize_with = "rfc3339_opt")]
    #[schema(value_type = Option<String>)]
    pub checked_in_at: Option<DateTime<Utc>>,
}

fn hh_mm<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format("%H:%M"))
}

fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

fn rfc3339_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

impl Booking {
    /// Whether it has started at `now`.
    pub fn started(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now
    }

    /// Refuses a change of a booking that is no longer waiting or has started.
    pub fn changeable(&self, now: DateTime<Utc>) -> Result<(), BookingError> {
        self.status.change()?;
        match self.started(now) {
            true => Err(BookingError::NotChangeable),
            false => Ok(()),
        }
    }

    /// Its range in epoch seconds.
    pub fn range(&self) -> (i64, i64) {
        (self.starts_at.timestamp(), self.ends_at.timestamp())
    }
}

/// Everything a booking request at one site is checked against.
pub struct SiteContext {
    pub site: Site,
    pub schedule: Schedule,
    pub policy: Policy,
    /// Who may have a seat in a secure room (access's rules, from the app's state).
    pub gate: std::sync::Arc<dyn book::SecureRoomGate>,
}

impl SiteContext {
    /// Loads a site's rules.
    pub async fn load(st: &AppState, site_id: i64) -> ApiResult<SiteContext> {
        let site = sites::store::get(&st.db, site_id).await?;
        if !site.active {
            return Err(ApiError::not_found("拠点", "Site"));
        }
        let schedule = sites::store::schedule(&st.db, &site).await?;
        Ok(SiteContext::of(st, site, schedule))
    }

    /// The rules of a site and schedule already read: a kiosk scan's walk-in, whose first
    /// statement read the site without its address and whose schedule holds the day's
    /// exception only. Enough to book that day; not for a notice that names the address.
    pub(crate) fn of(st: &AppState, site: Site, schedule: Schedule) -> SiteContext {
        let policy = Policy {
            window_days: site.booking_window_days,
            max_minutes_per_day: site.max_hours_per_day * 60,
            max_active: site.max_active_bookings,
        };
        SiteContext {
            site,
            schedule,
            policy,
            gate: st.secure_rooms.clone(),
        }
    }

    /// The site's id.
    pub fn site_id(&self) -> SiteId {
        self.site.id
    }

    /// The UTC range of the local day holding an instant.
    fn local_day(&self, at: DateTime<Utc>) -> (i64, i64) {
        let date = at.with_timezone(&self.schedule.tz).date_naive();
        self.schedule.day_bounds(date)
    }

    /// A refusal of the booking rules as an answer for a booking from `start` on `date`: the
    /// message says why the day is closed or what its hours are, and names the field
    /// concerned.
    pub fn refuse(&self, r: Refusal, date: NaiveDate, start: NaiveTime) -> ApiError {
        let day = self.schedule.day(date);
        let code = r.error();
        let err = match r {
            Refusal::ClosedDay => {
                let (date_ja, date_en) = closed_date(day.date);
                let (why_ja, why_en) = closed_reason(&day);
                ApiError::from(code)
                    .with_text("date", &date_ja, &date_en)
                    .with_text("reason", &why_ja, &why_en)
            }
            Refusal::OutsideOpeningHours => {
                let (ja, en) = match day.hours {
                    Some(h) => {
                        let (o, c) = (h.open.format("%-H:%M"), h.close.format("%-H:%M"));
                        (
                            format!("(この日は{o}〜{c})"),
                            format!(" ({o}–{c} that day)"),
                        )
                    }
                    None => (String::new(), String::new()),
                };
                ApiError::from(code).with_text("hours", &ja, &en)
            }
            _ => ApiError::from(code).with("days", self.policy.window_days),
        };
        match err {
            ApiError::Client {
                status,
                detail,
                retry_after,
                ..
            } => ApiError::Client {
                status,
                code: code.code(),
                errors: vec![FieldError {
                    field: r.field(start, day.hours).into(),
                    code: code.code(),
                    message: detail.clone(),
                }],
                detail,
                retry_after,
            },
            other => other,
        }
    }
}

/// "12月8日(火)" and "Tuesday 8 December 2026".
fn closed_date(d: NaiveDate) -> (String, String) {
    let wd =
        ["月", "火", "水", "木", "金", "土", "日"][d.weekday().num_days_from_monday() as usize];
    (
        format!("{}月{}日({wd})", d.month(), d.day()),
        d.format("%A %-d %B %Y").to_string(),
    )
}

/// Why a day is closed, from the calendar: the holiday's name, or the director's note
/// (written "日本語 / English").
fn closed_reason(day: &sites::rules::Day) -> (String, String) {
    use sites::rules::Reason;
    let note = day.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let note = note.map(|n| match n.split_once(" / ") {
        Some((ja, en)) => (ja.to_string(), en.to_string()),
        None => (n.to_string(), n.to_string()),
    });
    match (day.reason, &day.holiday_name, note) {
        (Reason::Holiday, Some(name), _) => {
            (format!("祝日: {name}"), format!("public holiday: {name}"))
        }
        (Reason::Holiday, None, _) => ("祝日".into(), "public holiday".into()),
        (Reason::AnnualClosure | Reason::ExceptionClosed, _, Some(n)) => n,
        (Reason::AnnualClosure, _, None) => ("休館期間".into(), "annual closure".into()),
        (Reason::ExceptionClosed, _, None) => ("臨時休館".into(), "closed that day".into()),
        _ => ("定休日".into(), "not open on that weekday".into()),
    }
}

/// Who a booking is for, checked against the caller's roles: people book for themselves
/// where they hold a role; reception and directors book on behalf of an active worker of the
/// site.
pub async fn authorise_for(
    st: &AppState,
    who: &Principal,
    site_id: i64,
    person_id: Option<i64>,
) -> ApiResult<PersonId> {
    match person_id {
        Some(p) if p != who.id.0 => {
            who.require(site_id, &[Role::Reception, Role::Director])?;
            if !store::is_active_worker(&st.db, PersonId(p), SiteId(site_id)).await? {
                return Err(ApiError::not_found(
                    "この拠点のワーカー",
                    "Worker of this site",
                ));
            }
            Ok(PersonId(p))
        }
        _ => {
            who.require(site_id, &Role::ALL)?;
            Ok(who.id)
        }
    }
}

/// Releases the bookings nobody checked into in time, with the childcare places they carry
/// (a released desk must not keep a child expected in the room), and tells their workers;
/// one transaction per site, under the site's lock; answers the released ids.
pub async fn release_no_shows(st: &AppState) -> anyhow::Result<Vec<BookingId>> {
    let now = st.clock.now();
    let mut all = Vec::new();
    for site in store::no_show_sites(&st.db, now).await? {
        let cc = crate::childcare::store::settings(&st.db, site.0).await?;
        let mut tx = st.db.begin().await?;
        sites::store::lock(&mut tx, site).await?;
        let released = store::release_no_shows(&mut tx, site, now).await?;
        for &(booking_id, site_id, person_id) in &released {
            tx.publish(crate::events::Event::BookingReleased {
                site_id,
                booking_id,
                person_id,
            });
            let places = crate::childcare::cancel_places_of_bookings(
                st,
                &mut tx,
                &[booking_id.0],
                site.0,
                cc.as_ref(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            notify::released(st, &mut tx, booking_id, &places).await?;
        }
        tx.commit().await?;
        all.extend(released.into_iter().map(|(id, _, _)| id));
    }
    Ok(all)
}
