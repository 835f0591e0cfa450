//! Childcare: children and the adults who may collect them, caregiver shifts, places that
//! follow the staffing ratios by age, the waitlist, and the hand-over at drop-off and
//! pick-up. Below booking: a desk booked with places is booking's use case
//! (`booking::with_places`), which calls [`places`] for the childcare parts.

pub mod children;
pub mod day_notes;
pub mod day_record;
pub mod day_store;
pub mod desk;
pub mod errors;
pub mod handover;
pub mod http;
pub mod naps;
pub mod notify;
pub mod places;
pub mod room;
pub mod rules;
pub mod shifts;
pub mod standard;
pub mod store;
pub mod tablet;

pub use desk::{cancel_places_of_bookings, move_places_of_booking};
pub use store::{children_in_room, request_dropoffs};

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::ids::{BookingId, ChildId, PersonId, PlaceId, SiteId};
use crate::sites::rules::Schedule;
use chrono::{DateTime, NaiveDate, Utc};
use errors::ChildcareError;
use rules::Standard;
use serde::Serialize;
use store::{PlaceRow, Settings};
use utoipa::ToSchema;

/// A child as a person may see them: guardians and the site's caregivers get everything;
/// the site's other staff (directors and administrators too) get the name and presence only
/// (the other fields are absent).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Child {
    pub id: ChildId,
    pub name: String,
    pub name_kana: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allergies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medical_notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_ids: Option<Vec<PersonId>>,
    pub active: bool,
}

/// How much of a child's record a viewer gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Full,
    NameOnly,
}

impl Child {
    /// The record cut to what the viewer may see.
    pub fn from_row(c: store::ChildRow, view: View) -> Child {
        let full = view == View::Full;
        let f = c.fields;
        Child {
            id: c.id,
            name: f.name,
            name_kana: f.name_kana,
            birth_date: full.then(|| f.birth_date.to_string()),
            allergies: full.then_some(f.allergies),
            medical_notes: full.then_some(f.medical_notes),
            guardian_ids: full.then_some(c.guardian_ids),
            active: f.active,
        }
    }
}

/// A child's place in the childcare room.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChildcarePlace {
    pub id: PlaceId,
    pub site_id: SiteId,
    pub child_id: ChildId,
    pub child_name: String,
    pub guardian_id: PersonId,
    pub desk_booking_id: Option<BookingId>,
    /// Local date and times at the site.
    pub date: String,
    pub start: String,
    pub end: String,
    pub starts_at: String,
    pub ends_at: String,
    /// 0: under 1, 1: ages 1-2, 2: age 3, 3: 4 and older (on the day, by the site's basis).
    pub age_group: i64,
    /// booked, waitlisted, dropped_off, picked_up or cancelled.
    pub status: String,
    pub dropped_off_at: Option<String>,
    pub picked_up_at: Option<String>,
    /// For a waitlisted place: 1 when it is next in line at its site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waitlist_position: Option<i64>,
}

/// An epoch instant (out-of-range ones as the epoch: stored instants are always in range).
fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

fn rfc3339(secs: i64) -> String {
    instant(secs).to_rfc3339()
}

/// An instant as the local date at the site.
pub fn local_date(at: i64, tz: chrono_tz::Tz) -> NaiveDate {
    instant(at).with_timezone(&tz).date_naive()
}

/// An instant as local HH:MM at the site.
pub fn hhmm(at: i64, tz: chrono_tz::Tz) -> String {
    instant(at).with_timezone(&tz).format("%H:%M").to_string()
}

impl ChildcarePlace {
    /// The place in the API's form, in the site's time zone.
    pub fn from_row(p: PlaceRow, tz: chrono_tz::Tz) -> ChildcarePlace {
        ChildcarePlace {
            id: p.id,
            site_id: p.site_id,
            child_id: p.child_id,
            child_name: p.child_name,
            guardian_id: p.guardian_id,
            desk_booking_id: p.desk_booking_id,
            date: local_date(p.starts_at, tz).to_string(),
            start: hhmm(p.starts_at, tz),
            end: hhmm(p.ends_at, tz),
            starts_at: rfc3339(p.starts_at),
            ends_at: rfc3339(p.ends_at),
            age_group: p.age_group,
            status: p.status.as_str().to_string(),
            dropped_off_at: p.dropped_off_at.map(rfc3339),
            picked_up_at: p.picked_up_at.map(rfc3339),
            waitlist_position: None,
        }
    }
}

/// The site's settings, or a refusal when it has no childcare room.
pub async fn settings(db: &Db, site_id: SiteId) -> ApiResult<Settings> {
    store::settings(db, site_id.0)
        .await?
        .ok_or_else(|| ChildcareError::Unavailable.into())
}

/// The schedule (time zone, hours, calendar) of an active site; 404 for another.
pub async fn schedule_of(db: &Db, site_id: SiteId) -> ApiResult<Schedule> {
    let site = crate::sites::store::get(db, site_id).await?;
    if !site.active {
        return Err(ApiError::not_found("拠点", "Site"));
    }
    crate::sites::store::schedule(db, &site).await
}

/// The age group of a child on a local date, or a refusal for a child not yet born.
pub fn age_group(birth: NaiveDate, day: NaiveDate, standard: &Standard) -> ApiResult<usize> {
    rules::age_group(birth, day, standard.basis).ok_or_else(|| ChildcareError::NotBorn.into())
}
