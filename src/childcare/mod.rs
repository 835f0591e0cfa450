//! Childcare: children and the adults who may collect them, caregiver shifts, places that
//! follow the staffing ratios by age, desk + childcare in one request, the waitlist, and
//! the hand-over at drop-off and pick-up.

pub mod http;
pub mod notify;
pub mod rules;
pub mod store;

pub use store::{children_in_room, request_dropoffs};

use crate::AppState;
use crate::error::{ApiError, ApiResult, FieldError, Text};
use axum::http::StatusCode;
use chrono::{NaiveDate, TimeZone, Utc};
use rules::{Place, Standard};
use serde::Serialize;
use store::{PlaceRow, Settings, ShiftRow};
use utoipa::ToSchema;

/// A child as a person may see them: guardians and the site's caregivers get everything;
/// the site's other staff (directors and administrators too) get the name and presence only
/// (the other fields are absent).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Child {
    pub id: i64,
    pub name: String,
    pub name_kana: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allergies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medical_notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_ids: Option<Vec<i64>>,
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
        Child {
            id: c.id,
            name: c.name,
            name_kana: c.name_kana,
            birth_date: full.then_some(c.birth_date),
            allergies: full.then_some(c.allergies),
            medical_notes: full.then_some(c.medical_notes),
            guardian_ids: full.then_some(c.guardian_ids),
            active: c.active,
        }
    }
}

/// A child's place in the childcare room.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChildcarePlace {
    pub id: i64,
    pub site_id: i64,
    pub child_id: i64,
    pub child_name: String,
    pub guardian_id: i64,
    pub desk_booking_id: Option<i64>,
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

fn rfc3339(secs: i64) -> String {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or_default()
        .to_rfc3339()
}

impl ChildcarePlace {
    /// The place in the API's form, in the site's time zone.
    pub fn from_row(p: PlaceRow, tz: chrono_tz::Tz) -> ChildcarePlace {
        let local = |s: i64| {
            Utc.timestamp_opt(s, 0)
                .single()
                .unwrap_or_default()
                .with_timezone(&tz)
        };
        ChildcarePlace {
            id: p.id,
            site_id: p.site_id,
            child_id: p.child_id,
            child_name: p.child_name,
            guardian_id: p.guardian_id,
            desk_booking_id: p.desk_booking_id,
            date: local(p.starts_at).date_naive().to_string(),
            start: local(p.starts_at).format("%H:%M").to_string(),
            end: local(p.ends_at).format("%H:%M").to_string(),
            starts_at: rfc3339(p.starts_at),
            ends_at: rfc3339(p.ends_at),
            age_group: p.age_group,
            status: p.status,
            dropped_off_at: p.dropped_off_at.map(rfc3339),
            picked_up_at: p.picked_up_at.map(rfc3339),
            waitlist_position: None,
        }
    }
}

/// The site's settings, or a refusal when it has no childcare room.
pub async fn settings(st: &AppState, site_id: i64) -> ApiResult<Settings> {
    store::settings(&st.db, site_id).await?.ok_or_else(|| {
        ApiError::client(
            StatusCode::NOT_FOUND,
            "childcare.unavailable",
            Text::new(
                "この拠点には託児室がありません。",
                "This site has no childcare room.",
            ),
        )
    })
}

/// The places holding capacity and the shifts around [from, to), as the rules want them.
pub async fn load_day(
    tx: &mut crate::db::Tx,
    site_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<(Vec<PlaceRow>, Vec<ShiftRow>)> {
    // A day's margin either side: segments near the edges see every overlapping record.
    let places = store::holding(tx, site_id, from - 86400, to + 86400).await?;
    let shifts = store::shifts(tx, site_id, from - 86400, to + 86400).await?;
    Ok((places, shifts))
}

/// Places in the rules' form.
pub fn as_places(rows: &[PlaceRow]) -> Vec<Place> {
    rows.iter()
        .map(|p| (p.age_group as usize, p.starts_at, p.ends_at))
        .collect()
}

/// Shifts in the rules' form.
pub fn as_shifts(rows: &[ShiftRow]) -> Vec<rules::Duty> {
    rows.iter()
        .map(|s| (s.person_id, s.starts_at, s.ends_at))
        .collect()
}

/// An instant as local HH:MM at the site.
pub fn hhmm(at: i64, tz: chrono_tz::Tz) -> String {
    Utc.timestamp_opt(at, 0)
        .single()
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%H:%M")
        .to_string()
}

/// The "room is full" refusal, naming the first full segment and the earliest time a place
/// frees there, if any.
pub fn full(at: i64, places: &[PlaceRow], tz: chrono_tz::Tz) -> ApiError {
    let local = |s: i64| hhmm(s, tz);
    let frees = places
        .iter()
        .filter(|p| p.starts_at <= at && p.ends_at > at)
        .map(|p| p.ends_at)
        .min();
    let (ja_free, en_free) = match frees {
        Some(t) => (
            format!("{}に空きが出る予定です。", local(t)),
            format!(" A place frees at {}.", local(t)),
        ),
        None => (String::new(), String::new()),
    };
    ApiError::Client {
        status: StatusCode::CONFLICT,
        code: "childcare.full",
        detail: Text::new(
            format!(
                "{}からの時間帯は託児室が満員です(保育士の人数または部屋の定員)。{ja_free}",
                local(at)
            ),
            format!(
                "The childcare room is full from {} (caregivers on duty or room size).{en_free}",
                local(at)
            ),
        ),
        errors: vec![FieldError {
            field: "segment".into(),
            code: "childcare.full",
            message: Text::new(local(at), local(at)),
        }],
        retry_after: None,
    }
}

/// Promotes waitlisted places that now fit, first come first served, and tells their
/// guardians; answers their ids.
pub async fn run_waitlist(
    st: &AppState,
    tx: &mut crate::db::Tx,
    site_id: i64,
    settings: &Settings,
    now: i64,
) -> anyhow::Result<Vec<i64>> {
    let standard = &settings.standard;
    let mut promoted = Vec::new();
    for w in store::waitlist(tx, site_id).await? {
        if w.ends_at <= now {
            continue;
        }
        // A request that gave up its desk waits until its guardian holds a booking covering
        // it again, where the site wants childcare to lie within one.
        if w.desk_booking_id.is_none()
            && settings.within_booking
            && !store::guardian_booked(tx, w.guardian_id, site_id, w.starts_at, w.ends_at).await?
        {
            continue;
        }
        let (held, shifts) = load_day(tx, site_id, w.starts_at, w.ends_at).await?;
        let mut places = as_places(&held);
        places.push((w.age_group as usize, w.starts_at, w.ends_at));
        if rules::first_short_segment(
            w.starts_at,
            w.ends_at,
            &places,
            &as_shifts(&shifts),
            standard,
        )
        .is_none()
            && store::transition(tx, w.id, "waitlisted", "booked", Some("promoted_at"), now).await?
        {
            promoted.push(w.id);
        }
    }
    if !promoted.is_empty() {
        let ids: Vec<crate::ids::PlaceId> =
            promoted.iter().map(|p| crate::ids::PlaceId(*p)).collect();
        notify::places(st, tx, &ids, notify::ChildcareNews::Promoted).await?;
    }
    Ok(promoted)
}

/// The refusal of a desk-booking move whose childcare places cannot go along, naming the
/// segment at fault when there is one.
fn cannot_move(at: Option<i64>, tz: chrono_tz::Tz) -> ApiError {
    let (ja, en) = match at {
        Some(t) => (
            format!(
                "{}からの時間帯は託児室が満員のため、この予約の託児を一緒に移せません。",
                hhmm(t, tz)
            ),
            format!(
                "The childcare room is full from {}: the childcare places of this booking cannot move with it.",
                hhmm(t, tz)
            ),
        ),
        None => (
            "この予約の託児は新しい時間に収まりません。".to_string(),
            "The childcare places of this booking do not fit in its new time.".to_string(),
        ),
    };
    let text = Text::new(ja, en);
    ApiError::Client {
        status: StatusCode::CONFLICT,
        code: "booking.childcare_does_not_fit",
        detail: text.clone(),
        errors: vec![FieldError {
            field: "start".into(),
            code: "booking.childcare_does_not_fit",
            message: text,
        }],
        retry_after: None,
    }
}

/// Moves the childcare places tied to a desk booking with it, inside the caller's
/// transaction, which must hold the site lock and have moved the booking from `old` to `new`
/// (epoch ranges). Places that still lie within the booking stay; otherwise every place
/// keeps its offset from the booking's start and is cut to the booking's end. The places must
/// fit the ratio at their new times, or the move is refused (the caller rolls back): a place
/// is never left outside its booking. `cc` is the site's childcare settings.
pub async fn move_places_of_booking(
    st: &AppState,
    tx: &mut crate::db::Tx,
    booking_id: i64,
    cc: Option<&Settings>,
    tz: chrono_tz::Tz,
    old: (i64, i64),
    new: (i64, i64),
) -> ApiResult<()> {
    let linked = store::linked_places(tx, booking_id).await?;
    if linked.is_empty()
        || linked
            .iter()
            .all(|p| p.starts_at >= new.0 && p.ends_at <= new.1)
    {
        return Ok(());
    }
    if linked.iter().any(|p| p.status == "dropped_off") {
        return Err(ApiError::conflict(
            "booking.childcare_in_room",
            Text::new(
                "お子さまが託児室にいるため、この予約は移動できません。",
                "A child of this booking is in the childcare room, so the booking cannot move.",
            ),
        ));
    }
    let Some(cc) = cc else {
        return Err(cannot_move(None, tz));
    };
    let site_id = linked[0].site_id;
    let day = Utc
        .timestamp_opt(new.0, 0)
        .single()
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive();
    let shift = new.0 - old.0;
    let ids: Vec<i64> = linked.iter().map(|p| p.id).collect();
    let mut moved = Vec::new();
    for p in &linked {
        let (from, to) = (
            (p.starts_at + shift).max(new.0),
            (p.ends_at + shift).min(new.1),
        );
        if from >= to {
            return Err(cannot_move(None, tz));
        }
        let others = store::child_place_ids(tx, p.child_id, from, to).await?;
        if others.iter().any(|id| !ids.contains(id)) {
            return Err(ApiError::conflict(
                "childcare.child_overlap",
                Text::new(
                    "このお子さまはその時間にすでに予約があります。",
                    "This child already has a place at that time.",
                ),
            ));
        }
        let group = age_group(&store::birth_date(tx, p.child_id).await?, day, &cc.standard)?;
        moved.push((p, group, from, to));
    }
    let (held, shifts) = load_day(tx, site_id, new.0, new.1).await?;
    let mut places: Vec<Place> = as_places(
        &held
            .into_iter()
            .filter(|h| !ids.contains(&h.id))
            .collect::<Vec<_>>(),
    );
    places.extend(
        moved
            .iter()
            .filter(|(p, ..)| p.status == "booked")
            .map(|&(_, g, from, to)| (g, from, to)),
    );
    let shifts = as_shifts(&shifts);
    for &(p, _, from, to) in &moved {
        if p.status == "booked"
            && let Some(at) = rules::first_short_segment(from, to, &places, &shifts, &cc.standard)
        {
            return Err(cannot_move(Some(at), tz));
        }
    }
    for (p, group, from, to) in moved {
        store::move_place(tx, p.id, from, to, group as i64).await?;
    }
    // The old times are free now: someone waiting may fit there.
    run_waitlist(st, tx, site_id, cc, st.clock.epoch()).await?;
    Ok(())
}

/// The age group of a child on a local date, or a refusal for a child not yet born.
pub fn age_group(birth: &str, day: NaiveDate, standard: &Standard) -> ApiResult<usize> {
    birth
        .parse::<NaiveDate>()
        .ok()
        .and_then(|b| rules::age_group(b, day, standard.basis))
        .ok_or_else(|| {
            ApiError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "childcare.not_born",
                Text::new(
                    "生年月日がその日より後です。",
                    "The child's birth date is after that day.",
                ),
            )
        })
}

/// Cancels the live childcare places tied to these desk bookings and serves the waitlist,
/// inside the caller's transaction, which must hold the site lock (taken before it wrote
/// anything). `cc` is the site's childcare settings; a site without a room has no places.
pub async fn cancel_places_of_bookings(
    st: &AppState,
    tx: &mut crate::db::Tx,
    booking_ids: &[i64],
    site_id: i64,
    cc: Option<&Settings>,
) -> ApiResult<()> {
    let Some(cc) = cc else {
        return Ok(());
    };
    let now = st.clock.epoch();
    for booking in booking_ids {
        for id in store::places_of_booking(&mut **tx, *booking).await? {
            for from in ["booked", "waitlisted"] {
                store::transition(tx, id, from, "cancelled", Some("cancelled_at"), now).await?;
            }
        }
    }
    run_waitlist(st, tx, site_id, cc, now).await?;
    Ok(())
}
