//! The state of a site now, as its staff see it: every seat, who is inside, the children
//! against the caregivers on duty, who is expected within the hour, alerts, and the open roll
//! call. A handful of indexed queries, each bounded to a day of a site.

use super::roll_call::{self, RollCall};
use super::rules::{self, Hold, RatioState, SeatState};
use super::store::{self, BookingRow, ChildRow};
use crate::childcare::rules::{GROUPS, completed_years};
use crate::db::Db;
use crate::error::ApiResult;
use crate::ids::{BookingId, ChildId, PersonId, PlaceId, SiteId, SpaceId};
use crate::sites::SpaceKind;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// How much of the children a viewer sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildView {
    /// The site's caregivers: full name, allergies, medical notes, guardian.
    Caregiver,
    /// The other staff: given name, age and room only.
    Basic,
}

/// A site now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Snapshot {
    pub site_id: SiteId,
    /// When it was taken (RFC 3339, UTC).
    pub at: String,
    /// The site's time zone (IANA), to show times locally.
    pub time_zone: String,
    /// Whether the site is open now.
    pub open_now: bool,
    /// Today's closing time (RFC 3339), if the site opens today.
    pub closes_at: Option<String>,
    pub spaces: Vec<SpaceView>,
    /// Everyone checked in and not out.
    pub people: Vec<PersonInside>,
    /// Caregivers whose shift covers now.
    pub staff_on_duty: Vec<OnDuty>,
    /// Children in the childcare room.
    pub children: Vec<ChildInside>,
    /// The childcare room's ratio now (absent when the site has no childcare room).
    pub childcare: Option<Childcare>,
    /// Bookings and childcare places starting within the hour (or started) with nobody
    /// arrived yet.
    pub expected: Vec<Expected>,
    pub alerts: Vec<Alert>,
    /// The evacuation roll call in progress, if any.
    pub roll_call: Option<RollCall>,
}

/// A space on the plan with its seats (a desk has one; a room one per place).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SpaceView {
    pub id: SpaceId,
    pub name: String,
    pub kind: SpaceKind,
    pub capacity: i64,
    /// Position on a 1000 x 1000 plan.
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// Whether a director placed it (otherwise the automatic grid did).
    pub placed: bool,
    /// Deactivated spaces are out of service.
    pub state: SeatState,
    pub seats: Vec<SeatView>,
}

/// One seat now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SeatView {
    pub seat: i64,
    pub state: SeatState,
    /// Who holds it now (reserved, occupied or released).
    pub person: Option<String>,
    /// Until when (RFC 3339).
    pub until: Option<String>,
}

/// Someone inside.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonInside {
    pub person_id: PersonId,
    pub name: String,
    /// worker or staff (a person with a staff role at the site).
    pub kind: String,
    /// Checked in at (RFC 3339).
    pub since: String,
    /// The desk or room they checked in for.
    pub space: Option<String>,
}

/// A caregiver on duty now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OnDuty {
    pub person_id: PersonId,
    pub name: String,
    /// The shift's end (RFC 3339).
    pub until: String,
}

/// A child in the childcare room: the site's caregivers see everything, other staff the given
/// name, age and room (the other fields absent).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChildInside {
    pub place_id: PlaceId,
    pub child_id: ChildId,
    pub name: String,
    /// Completed years today.
    pub age: i32,
    pub room: String,
    /// Handed over at (RFC 3339).
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allergies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medical_notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caregiver: Option<String>,
}

/// The childcare room against its staffing standard now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Childcare {
    pub caregivers_on_duty: u32,
    pub caregivers_required: u32,
    /// Children in the room by age band [under 1, 1-2, 3, 4+].
    pub children: [u32; GROUPS],
    /// Each band's state: one more child fits, at the limit, or over.
    pub bands: [RatioState; GROUPS],
}

/// An arrival expected within the hour.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Expected {
    /// booking or child.
    pub kind: String,
    pub name: String,
    /// The desk, room or childcare room.
    pub space: String,
    /// When the booking or place starts (RFC 3339).
    pub at: String,
    pub booking_id: Option<BookingId>,
}

/// Something staff should act on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Alert {
    /// not_picked_up (a child still in the room after closing), after_closing (someone
    /// still checked in after closing) or secure_room_unbooked (someone inside a secure room
    /// with no booking of it now).
    pub kind: String,
    pub name: String,
}

pub(super) fn rfc3339(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339()
}

/// The site's state at `now`, cut to the viewer (authorised by the caller). A site that does
/// not exist is a 404.
pub async fn snapshot(db: &Db, site_id: SiteId, now: i64, view: ChildView) -> ApiResult<Snapshot> {
    let site = crate::sites::store::get(db, site_id).await?;
    let schedule = crate::sites::store::schedule(db, &site).await?;
    let cc = crate::childcare::store::settings(db, site_id.0).await?;
    let at = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default();
    let today = at.with_timezone(&schedule.tz).date_naive();
    let closes = schedule
        .day(today)
        .hours
        .and_then(|h| schedule.instant(today, h.close).ok())
        .map(|t| t.timestamp());
    let after_closing = closes.is_none_or(|c| now >= c);
    let within = now + 3600;

    let mut tx = db.begin_read().await?;
    let spaces = store::spaces(&mut tx, site_id).await?;
    let bookings = store::bookings(&mut tx, site_id, now, within).await?;
    let inside = store::inside(&mut tx, site_id).await?;
    let unbooked = store::unbooked_in_secure_rooms(&mut tx, site_id, now).await?;
    let duty = store::on_duty(&mut tx, site_id, now).await?;
    let kids = store::children(&mut tx, site_id, now, within).await?;
    let roll_call = match store::open_roll_call(&mut tx, site_id).await? {
        Some(r) => Some(roll_call::load(&mut tx, r).await?),
        None => None,
    };
    tx.commit().await?;

    let inside_on: Vec<BookingId> = inside.iter().filter_map(|p| p.booking_id).collect();
    let room_name = spaces
        .iter()
        .find(|s| s.kind == SpaceKind::ChildcareRoom.as_str() && s.active != 0)
        .map(|s| s.name.clone())
        .unwrap_or_default();

    let space_views = place_spaces(spaces, &bookings, &inside_on, now)?;

    let mut alerts = unbooked_alerts(unbooked);
    let people: Vec<PersonInside> = inside
        .into_iter()
        .map(|p| {
            if after_closing {
                alerts.push(Alert {
                    kind: "after_closing".into(),
                    name: p.name.clone(),
                });
            }
            PersonInside {
                person_id: p.person_id,
                name: p.name,
                kind: if p.staff != 0 { "staff" } else { "worker" }.into(),
                since: rfc3339(p.checked_in_at),
                space: p.space_name,
            }
        })
        .collect();

    let mut expected: Vec<Expected> = bookings
        .iter()
        .filter(|b| b.status == "active" && b.ends_at > now)
        .map(|b| Expected {
            kind: "booking".into(),
            name: b.person_name.clone(),
            space: b.space_name.clone(),
            at: rfc3339(b.starts_at),
            booking_id: Some(b.id),
        })
        .collect();

    let (children, in_room) = children_part(
        kids,
        view,
        today,
        &room_name,
        after_closing,
        &mut expected,
        &mut alerts,
    )?;
    expected.sort_by(|a, b| a.at.cmp(&b.at));

    let on_duty = u32::try_from(duty.len()).unwrap_or(u32::MAX);
    let childcare =
        cc.map(|cc| room_ratio(&cc.standard, in_room, on_duty, &room_name, &mut alerts));

    Ok(Snapshot {
        site_id,
        at: rfc3339(now),
        time_zone: schedule.tz.name().to_string(),
        open_now: schedule.is_open_at(at),
        closes_at: closes.map(rfc3339),
        spaces: space_views,
        people,
        staff_on_duty: duty.into_iter().map(OnDuty::from_row).collect(),
        children,
        childcare,
        expected,
        alerts,
        roll_call,
    })
}

/// Someone inside a secure room with no booking of it now (the door readers' DoorPassed
/// events refresh the view).
fn unbooked_alerts(rows: Vec<store::UnbookedRow>) -> Vec<Alert> {
    rows.into_iter()
        .map(|u| Alert {
            kind: "secure_room_unbooked".into(),
            name: format!("{} ({})", u.person_name, u.space_name),
        })
        .collect()
}

/// The spaces with their seats now, on the plan (stored positions, else the automatic grid).
fn place_spaces(
    spaces: Vec<store::SpaceRow>,
    bookings: &[BookingRow],
    inside_on: &[BookingId],
    now: i64,
) -> anyhow::Result<Vec<SpaceView>> {
    let columns = rules::grid_columns(spaces.len());
    let mut unplaced = 0;
    let mut space_views = Vec::with_capacity(spaces.len());
    for s in spaces {
        let kind = SpaceKind::stored(&s.kind, s.id)?;
        let active = s.active != 0;
        let (x, y, width, height, placed) = match (s.x, s.y, s.width, s.height) {
            (Some(x), Some(y), Some(w), Some(h)) => (x, y, w, h, true),
            _ => {
                let (x, y, w, h) = rules::grid_cell(unplaced, columns);
                unplaced += 1;
                (x, y, w, h, false)
            }
        };
        let seat_count = if kind == SpaceKind::ChildcareRoom {
            0
        } else {
            s.capacity
        };
        let seats = (1..=seat_count)
            .map(|seat| seat_view(s.id, seat, active, now, bookings, inside_on))
            .collect();
        space_views.push(SpaceView {
            id: s.id,
            name: s.name,
            kind,
            capacity: s.capacity,
            x,
            y,
            width,
            height,
            placed,
            state: if active {
                SeatState::Free
            } else {
                SeatState::OutOfService
            },
            seats,
        });
    }

    Ok(space_views)
}

/// The room's ratio now. It holds whenever a child is in the room, opening hours or not (a
/// child still there after the shifts ended has nobody counted with them): `ratio_broken`.
fn room_ratio(
    standard: &crate::childcare::rules::Standard,
    in_room: [u32; GROUPS],
    on_duty: u32,
    room_name: &str,
    alerts: &mut Vec<Alert>,
) -> Childcare {
    if in_room.iter().any(|&n| n > 0) && !crate::childcare::rules::fits(&in_room, on_duty, standard)
    {
        alerts.push(Alert {
            kind: "ratio_broken".into(),
            name: room_name.to_string(),
        });
    }
    Childcare {
        caregivers_on_duty: on_duty,
        caregivers_required: crate::childcare::rules::required(&in_room, standard),
        children: in_room,
        bands: rules::ratio_states(&in_room, on_duty, standard),
    }
}

/// The children in the room (cut to the viewer) and their count per age band; places due
/// within the hour go to `expected`, children still in after closing to `alerts`.
fn children_part(
    kids: Vec<ChildRow>,
    view: ChildView,
    today: NaiveDate,
    room_name: &str,
    after_closing: bool,
    expected: &mut Vec<Expected>,
    alerts: &mut Vec<Alert>,
) -> anyhow::Result<(Vec<ChildInside>, [u32; GROUPS])> {
    let mut in_room = [0u32; GROUPS];
    let mut children = Vec::new();
    for k in kids {
        let age = age_on(&k, today)?;
        if k.status == "booked" {
            expected.push(Expected {
                kind: "child".into(),
                name: child_name(&k.name, view),
                space: room_name.to_string(),
                at: rfc3339(k.starts_at),
                booking_id: None,
            });
            continue;
        }
        if let Some(n) = usize::try_from(k.age_group)
            .ok()
            .and_then(|g| in_room.get_mut(g))
        {
            *n += 1;
        }
        if after_closing {
            alerts.push(Alert {
                kind: "not_picked_up".into(),
                name: child_name(&k.name, view),
            });
        }
        let full = view == ChildView::Caregiver;
        children.push(ChildInside {
            place_id: k.place_id,
            child_id: k.child_id,
            name: child_name(&k.name, view),
            age,
            room: room_name.to_string(),
            since: k.dropped_off_at.map(rfc3339),
            allergies: full.then(|| k.allergies.clone()),
            medical_notes: full.then(|| k.medical_notes.clone()),
            guardian: full.then(|| k.guardian.clone()),
            caregiver: if full { k.caregiver.clone() } else { None },
        });
    }
    Ok((children, in_room))
}

impl OnDuty {
    fn from_row(d: store::DutyRow) -> OnDuty {
        OnDuty {
            person_id: d.person_id,
            name: d.name,
            until: rfc3339(d.ends_at),
        }
    }
}

/// A child's name as the viewer may see it.
pub fn child_name(full: &str, view: ChildView) -> String {
    match view {
        ChildView::Caregiver => full.to_string(),
        ChildView::Basic => rules::given_name(full),
    }
}

/// A child's age today; a stored birth date that does not parse is an error naming the row.
fn age_on(k: &ChildRow, today: NaiveDate) -> anyhow::Result<i32> {
    let birth = NaiveDate::parse_from_str(&k.birth_date, "%Y-%m-%d").map_err(|_| {
        anyhow::anyhow!(
            "children row {} has a bad birth date {:?}",
            k.child_id,
            k.birth_date
        )
    })?;
    Ok(completed_years(birth, today).max(0))
}

/// One seat from the bookings covering now.
fn seat_view(
    space: SpaceId,
    seat: i64,
    active: bool,
    now: i64,
    bookings: &[BookingRow],
    inside_on: &[BookingId],
) -> SeatView {
    let covering: Vec<(&BookingRow, Hold)> = bookings
        .iter()
        .filter(|b| b.space_id == space && b.seat == seat && b.starts_at <= now && now < b.ends_at)
        .map(|b| {
            let hold = match b.status.as_str() {
                "checked_in" if inside_on.contains(&b.id) => Hold::Inside,
                "checked_in" => Hold::Left,
                "no_show" => Hold::NoShow,
                _ => Hold::Waiting,
            };
            (b, hold)
        })
        .collect();
    let holds: Vec<Hold> = covering.iter().map(|(_, h)| *h).collect();
    let state = rules::seat_state(active, &holds);
    let holder = covering.iter().find(|(_, h)| match state {
        SeatState::Occupied => *h == Hold::Inside,
        SeatState::Reserved => *h == Hold::Waiting,
        SeatState::Released => *h == Hold::NoShow,
        _ => false,
    });
    SeatView {
        seat,
        state,
        person: holder.map(|(b, _)| b.person_name.clone()),
        until: holder.map(|(b, _)| rfc3339(b.ends_at)),
    }
}
