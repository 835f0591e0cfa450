//! The evacuation roll call: started by any staff member of the site (a second start joins the
//! open one: the database keeps one open roll call per site), a list fixed at the start of
//! everyone inside (workers, staff on duty, children with their guardian and caregiver) and,
//! apart, those booked for now who have not arrived; marks by any staff member, live on every
//! screen; the end saves the report.

use super::errors::OccupancyError;
use super::snapshot::{ChildView, child_name, rfc3339};
use super::store::{self, EntryRow, NewEntry, RollCallRow};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::events::Event;
use crate::ids::{PersonId, RollCallEntryId, RollCallId, SiteId};
use serde::Serialize;
use sqlx::AnyConnection;
use utoipa::ToSchema;

/// A roll call and its list; once ended, its report.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RollCall {
    pub id: RollCallId,
    pub site_id: SiteId,
    /// RFC 3339.
    pub started_at: String,
    pub started_by: String,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
    /// People and children inside when it started.
    pub inside: usize,
    /// Of those, marked safe.
    pub marked: usize,
    /// Everyone on the list: those inside first, then those expected but not arrived.
    pub entries: Vec<Entry>,
}

/// One line of the list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Entry {
    pub id: RollCallEntryId,
    /// worker, staff or child.
    pub kind: String,
    pub name: String,
    /// The desk, room or childcare room.
    pub place: String,
    /// A child's guardian.
    pub guardian: String,
    /// The caregiver responsible for a child.
    pub caregiver: String,
    /// Booked for now but not arrived: listed apart.
    pub expected: bool,
    /// When marked safe (RFC 3339), and by whom.
    pub marked_at: Option<String>,
    pub marked_by: Option<String>,
}

impl Entry {
    fn from_row(e: EntryRow) -> Entry {
        Entry {
            id: e.id,
            kind: e.kind,
            name: e.name,
            place: e.place,
            guardian: e.guardian,
            caregiver: e.caregiver,
            expected: e.expected != 0,
            marked_at: e.marked_at.map(rfc3339),
            marked_by: e.marked_by_name,
        }
    }
}

/// A roll call with its list.
pub async fn load(c: &mut AnyConnection, r: RollCallRow) -> sqlx::Result<RollCall> {
    let entries: Vec<Entry> = store::entries(c, r.id)
        .await?
        .into_iter()
        .map(Entry::from_row)
        .collect();
    Ok(RollCall {
        id: r.id,
        site_id: r.site_id,
        started_at: rfc3339(r.started_at),
        started_by: r.started_by_name,
        ended_at: r.ended_at.map(rfc3339),
        ended_by: r.ended_by_name,
        inside: entries.iter().filter(|e| !e.expected).count(),
        marked: entries
            .iter()
            .filter(|e| !e.expected && e.marked_at.is_some())
            .count(),
        entries,
    })
}

/// A roll call by id with the site it belongs to (the caller authorises); 404 for none.
pub async fn get(db: &Db, id: RollCallId) -> ApiResult<RollCall> {
    let mut c = db.pool.acquire().await?;
    let row = store::roll_call(&mut c, id).await?.ok_or_else(not_found)?;
    Ok(load(&mut c, row).await?)
}

/// The 404 of a roll call the caller may not see.
pub fn not_found() -> ApiError {
    ApiError::not_found("点呼", "Roll call")
}

/// Starts the site's roll call, or joins the open one; answers it and whether this request
/// started it.
pub async fn start(db: &Db, site: SiteId, by: PersonId, now: i64) -> ApiResult<(RollCall, bool)> {
    let mut tx = db.begin().await?;
    let started = store::insert_roll_call(&mut tx, site, by, now).await?;
    if let Some(id) = started {
        let list = list_now(&mut tx, site, now).await?;
        store::insert_entries(&mut tx, id, &list).await?;
        tx.publish(Event::RollCallStarted {
            site_id: site,
            roll_call_id: id,
        });
    }
    let row = store::open_roll_call(&mut tx, site)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no open roll call at site {site} after starting one"))?;
    let rc = load(&mut tx, row).await?;
    tx.commit().await?;
    Ok((rc, started.is_some()))
}

/// Who is on the list now: everyone inside, the caregivers on duty, the children in the room
/// (with guardian and caregiver), then those booked for now who have not arrived.
async fn list_now(c: &mut AnyConnection, site: SiteId, now: i64) -> sqlx::Result<Vec<NewEntry>> {
    let inside = store::inside(c, site).await?;
    let duty = store::on_duty(c, site, now).await?;
    let kids = store::children(c, site, now, now + 1).await?;
    let bookings = store::bookings(c, site, now, now + 1).await?;
    let room: Option<String> = sqlx::query_scalar(
        "SELECT name FROM spaces WHERE site_id = $1 AND kind = 'childcare_room' AND active = 1
         ORDER BY id LIMIT 1",
    )
    .bind(site)
    .fetch_optional(&mut *c)
    .await?;
    let mut list = Vec::new();
    for p in &inside {
        list.push(NewEntry {
            kind: if p.staff != 0 { "staff" } else { "worker" },
            subject_id: p.person_id.0,
            name: p.name.clone(),
            place: p.space_name.clone().unwrap_or_default(),
            guardian: String::new(),
            caregiver: String::new(),
            expected: false,
        });
    }
    for d in &duty {
        if inside.iter().all(|p| p.person_id != d.person_id) {
            list.push(NewEntry {
                kind: "staff",
                subject_id: d.person_id.0,
                name: d.name.clone(),
                place: room.clone().unwrap_or_default(),
                guardian: String::new(),
                caregiver: String::new(),
                expected: false,
            });
        }
    }
    let caregivers = duty
        .iter()
        .map(|d| d.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    for k in kids.iter().filter(|k| k.status == "dropped_off") {
        list.push(NewEntry {
            kind: "child",
            subject_id: k.child_id.0,
            name: child_name(&k.name, ChildView::Basic),
            place: room.clone().unwrap_or_default(),
            guardian: k.guardian.clone(),
            caregiver: k.caregiver.clone().unwrap_or_else(|| caregivers.clone()),
            expected: false,
        });
    }
    for b in bookings
        .iter()
        .filter(|b| b.status == "active" && b.starts_at <= now)
    {
        if inside.iter().all(|p| p.person_id != b.person_id) {
            list.push(NewEntry {
                kind: "worker",
                subject_id: b.person_id.0,
                name: b.person_name.clone(),
                place: b.space_name.clone(),
                guardian: String::new(),
                caregiver: String::new(),
                expected: true,
            });
        }
    }
    Ok(list)
}

/// The site of a roll call (for authorising), or None.
pub async fn site_of(db: &Db, id: RollCallId) -> ApiResult<Option<SiteId>> {
    let mut c = db.pool.acquire().await?;
    Ok(store::roll_call(&mut c, id).await?.map(|r| r.site_id))
}

/// How long after a roll call's end a mark kept offline before it is still taken.
pub const LATE_MARK_SECS: i64 = 30 * 60;

/// Marks a line of the list safe, at `at` (the moment the phone recorded it, possibly
/// offline, kept between the start and now). A mark made before the end may arrive after it;
/// a later one is refused. The first mark of a line stands.
pub async fn mark(
    db: &Db,
    id: RollCallId,
    entry: RollCallEntryId,
    by: PersonId,
    at: i64,
    now: i64,
) -> ApiResult<RollCall> {
    let mut tx = db.begin().await?;
    let row = store::roll_call(&mut tx, id).await?.ok_or_else(not_found)?;
    // Not `clamp`: a clock set back before the start must not panic.
    let at = at.min(now).max(row.started_at);
    // A mark kept offline before the end may arrive after it, but only for a while: the saved
    // report must not be rewritten days later with a claimed early time.
    if row
        .ended_at
        .is_some_and(|end| at > end || now > end + LATE_MARK_SECS)
    {
        return Err(OccupancyError::Ended.into());
    }
    if !store::mark(&mut tx, id, entry, by, at).await? {
        return Err(OccupancyError::NotOnList.into());
    }
    tx.publish(Event::RollCallMarked {
        site_id: row.site_id,
        roll_call_id: id,
        entry_id: entry,
    });
    let rc = load(&mut tx, row).await?;
    tx.commit().await?;
    Ok(rc)
}

/// Ends the roll call and keeps its report; ending it again is refused.
pub async fn end(db: &Db, id: RollCallId, by: PersonId, now: i64) -> ApiResult<RollCall> {
    let mut tx = db.begin().await?;
    if !store::end(&mut tx, id, by, now).await? {
        return Err(OccupancyError::Ended.into());
    }
    let row = store::roll_call(&mut tx, id).await?.ok_or_else(not_found)?;
    tx.publish(Event::RollCallEnded {
        site_id: row.site_id,
        roll_call_id: id,
    });
    let rc = load(&mut tx, row).await?;
    tx.commit().await?;
    Ok(rc)
}

/// A roll call in a site's history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Summary {
    pub id: RollCallId,
    pub started_at: String,
    pub started_by: String,
    pub ended_at: Option<String>,
}

/// The site's roll calls, latest first (at most 200).
pub async fn history(db: &Db, site: SiteId) -> ApiResult<Vec<Summary>> {
    Ok(store::roll_calls(db, site)
        .await?
        .into_iter()
        .map(|r| Summary {
            id: r.id,
            started_at: rfc3339(r.started_at),
            started_by: r.started_by_name,
            ended_at: r.ended_at.map(rfc3339),
        })
        .collect())
}
