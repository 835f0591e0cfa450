//! A child's day in the childcare room, put together for three readers: the tablet (every
//! child of the site, live), the day's record for the site's files, and the guardian's phone
//! ("my child today"). Caregivers of the site read the first two; a guardian only the third.

use super::children::{child_not_found, of_guardian};
use super::day_store::{self as ds, Scope};
use super::http::cares_at;
use super::room::DateQuery;
use super::rules::{self, PlaceStatus, Position};
use super::store::{self, PlaceRow};
use super::{Child, ChildcarePlace, hhmm, local_date, schedule_of};
use crate::AppState;
use crate::auth::Principal;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Json, Path, Query, parse_date};
use crate::ids::{ChildId, DayNoteId, NapId, PersonId, PlaceId, SiteId};
use crate::sites::rules::Schedule;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(day_record))
        .routes(routes!(child_today))
}

/// Everything recorded about the places of a scope, grouped by place.
pub(super) struct Detail {
    children: HashMap<ChildId, ds::DayChild>,
    guardians: Vec<ds::Collector>,
    authorised: Vec<ds::Collector>,
    handovers: HashMap<PlaceId, ds::Handover>,
    attempts: Vec<ds::Attempt>,
    naps: Vec<ds::Nap>,
    checks: Vec<ds::Check>,
    notes: Vec<ds::Note>,
}

impl Detail {
    /// Reads it all: a handful of queries whatever the number of children, sent at once
    /// (each on its own pooled connection: they are reads).
    pub(super) async fn load(db: &Db, scope: Scope) -> ApiResult<Detail> {
        let (children, guardians, authorised, handovers, attempts, naps, checks, notes) = tokio::try_join!(
            ds::children(db, scope),
            ds::guardians(db, scope),
            ds::authorised(db, scope),
            ds::handovers(db, scope),
            ds::attempts(db, scope),
            ds::naps(db, scope),
            ds::checks(db, scope),
            ds::notes(db, scope),
        )?;
        Ok(Detail {
            children: children.into_iter().map(|c| (c.id, c)).collect(),
            guardians,
            authorised,
            handovers: handovers.into_iter().map(|h| (h.place_id, h)).collect(),
            attempts,
            naps,
            checks,
            notes,
        })
    }

    /// The name behind a pick-up log's "guardian:<id>" or "authorised:<id>", else the raw text.
    fn presented(&self, child: ChildId, raw: &str) -> String {
        let find = |list: &[ds::Collector], id: &str| {
            list.iter()
                .find(|c| c.child_id == child && c.id.to_string() == id)
                .map(|c| c.name.clone())
        };
        let named = match raw.split_once(':') {
            Some(("guardian", id)) => find(&self.guardians, id),
            Some(("authorised", id)) => find(&self.authorised, id),
            _ => None,
        };
        named.unwrap_or_else(|| raw.to_string())
    }
}

/// An adult who may collect a child.
#[derive(Serialize, ToSchema)]
pub struct Adult {
    pub id: i64,
    pub name: String,
    /// An authorised person's relation to the child (empty for a guardian).
    pub relation: String,
    pub active: bool,
    /// An authorised person's one-time pick-up code is spent.
    pub code_used: bool,
}

impl From<&ds::Collector> for Adult {
    fn from(c: &ds::Collector) -> Adult {
        Adult {
            id: c.id,
            name: c.name.clone(),
            relation: c.relation.clone(),
            active: c.active != 0,
            code_used: c.code_used != 0,
        }
    }
}

/// The hand-over of a place, local HH:MM times.
#[derive(Serialize, ToSchema)]
pub struct HandoverView {
    /// When the guardian checked in at the kiosk and the tablet was asked to receive the child.
    pub arrived_at_kiosk: Option<String>,
    pub dropped_off_at: Option<String>,
    /// The caregiver who received the child.
    pub received_by: Option<String>,
    pub picked_up_at: Option<String>,
    /// The caregiver who handed the child over.
    pub handed_by: Option<String>,
    /// The adult who collected the child.
    pub collected_by: Option<String>,
}

/// A pick-up attempt, allowed or refused.
#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub at: String,
    /// Who presented themself (a name when known).
    pub presented: String,
    pub allowed: bool,
    /// The caregiver at the hand-over.
    pub caregiver: String,
}

/// One nap check.
#[derive(Serialize, ToSchema)]
pub struct CheckView {
    pub at: String,
    pub breathing: bool,
    /// back, side or front.
    pub position: String,
    pub caregiver: String,
}

/// A nap with its checks; a running one says when the next check is due.
#[derive(Serialize, ToSchema)]
pub struct NapView {
    pub id: NapId,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub checks: Vec<CheckView>,
    /// A running nap: when the next check is due (local HH:MM).
    pub check_due_at: Option<String>,
    /// A running nap whose check is overdue now.
    pub late: bool,
    /// The last check found the child on their front.
    pub front: bool,
}

/// A note on the child's day.
#[derive(Serialize, ToSchema)]
pub struct NoteView {
    pub id: DayNoteId,
    /// meal, toilet, mood or note.
    pub kind: String,
    pub body: String,
    pub at: String,
    pub caregiver: String,
}

/// One child of the day, as the room's caregivers see it on the tablet and in the record.
#[derive(Serialize, ToSchema)]
pub struct RoomChild {
    pub place: ChildcarePlace,
    pub child: Child,
    /// Completed months on the day (the page shows months under 2, years from then).
    pub age_months: u32,
    /// expected, here, collected, absent or waitlisted.
    pub status: String,
    pub guardians: Vec<Adult>,
    pub authorised: Vec<Adult>,
    pub handover: HandoverView,
    pub naps: Vec<NapView>,
    pub notes: Vec<NoteView>,
    /// Every pick-up attempt, refused ones included.
    pub attempts: Vec<AttemptView>,
    /// not_collected (15 minutes after the place's end, or at closing), nap_check_late,
    /// front_position.
    pub alerts: Vec<String>,
}

/// The status the tablet shows for a place at `now`.
fn shown_status(p: &PlaceRow, now: i64) -> &'static str {
    match p.status {
        PlaceStatus::Booked if now >= p.ends_at => "absent",
        PlaceStatus::Booked => "expected",
        PlaceStatus::Waitlisted => "waitlisted",
        PlaceStatus::DroppedOff => "here",
        PlaceStatus::PickedUp => "collected",
        PlaceStatus::Cancelled => "cancelled",
    }
}

/// How long after a place's end a child still in the room raises the alert (and the e-mail).
pub const NOT_COLLECTED_AFTER_SECS: i64 = 15 * 60;

/// When a child still in the room counts as not collected: 15 minutes after the place's end,
/// or at closing if that comes first.
pub fn not_collected_from(p_end: i64, closes: Option<i64>) -> i64 {
    let after = p_end + NOT_COLLECTED_AFTER_SECS;
    closes.map_or(after, |c| c.min(after))
}

/// The close of the site's day, epoch seconds.
pub fn closing(schedule: &Schedule, date: NaiveDate) -> Option<i64> {
    schedule
        .day(date)
        .hours
        .and_then(|h| schedule.instant(date, h.close).ok())
        .map(|t| t.timestamp())
}

/// What the room's caregivers see of a day's places (cancelled ones left out).
pub(super) struct RoomContext<'a> {
    pub schedule: &'a Schedule,
    pub nap_minutes: [u32; 3],
    pub now: i64,
    pub closes: Option<i64>,
}

/// The naps of a place, with their checks and the due time of a running one.
fn naps_of(
    d: &Detail,
    p: &PlaceRow,
    tz: chrono_tz::Tz,
    now: i64,
    nap_minutes: [u32; 3],
) -> Vec<NapView> {
    d.naps
        .iter()
        .filter(|n| n.place_id == p.id)
        .map(|n| {
            let checks: Vec<&ds::Check> = d.checks.iter().filter(|c| c.nap_id == n.id).collect();
            let running = n.ended_at.is_none();
            let due = running.then(|| {
                rules::nap_check_due(
                    n.started_at,
                    checks.last().map(|c| c.at),
                    rules::nap_interval_secs(p.age_group, nap_minutes),
                )
            });
            NapView {
                id: n.id,
                started_at: hhmm(n.started_at, tz),
                ended_at: n.ended_at.map(|t| hhmm(t, tz)),
                check_due_at: due.map(|t| hhmm(t, tz)),
                late: due.is_some_and(|t| rules::nap_check_late(t, now)),
                front: checks
                    .last()
                    .is_some_and(|c| c.position == Position::Front.as_str()),
                checks: checks
                    .iter()
                    .map(|c| CheckView {
                        at: hhmm(c.at, tz),
                        breathing: c.breathing != 0,
                        position: c.position.clone(),
                        caregiver: c.caregiver.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn notes_of(d: &Detail, place: PlaceId, tz: chrono_tz::Tz) -> Vec<NoteView> {
    d.notes
        .iter()
        .filter(|n| n.place_id == place)
        .map(|n| NoteView {
            id: n.id,
            kind: n.kind.clone(),
            body: n.body.clone(),
            at: hhmm(n.at, tz),
            caregiver: n.caregiver.clone(),
        })
        .collect()
}

fn handover_of(d: &Detail, p: &PlaceRow, tz: chrono_tz::Tz) -> HandoverView {
    let h = d.handovers.get(&p.id);
    HandoverView {
        arrived_at_kiosk: h.and_then(|h| h.dropoff_requested_at).map(|t| hhmm(t, tz)),
        dropped_off_at: p.dropped_off_at.map(|t| hhmm(t, tz)),
        received_by: h.and_then(|h| h.received_by.clone()),
        picked_up_at: p.picked_up_at.map(|t| hhmm(t, tz)),
        handed_by: h.and_then(|h| h.handed_by.clone()),
        collected_by: h
            .and_then(|h| h.pickup_by.as_deref())
            .map(|raw| d.presented(p.child_id, raw)),
    }
}

impl Detail {
    /// A place as the room's caregivers see it; None for a cancelled one or a lost child row.
    pub(super) fn room_child(&self, p: PlaceRow, cx: &RoomContext<'_>) -> Option<RoomChild> {
        if p.status == PlaceStatus::Cancelled {
            return None;
        }
        let tz = cx.schedule.tz;
        let c = self.children.get(&p.child_id)?;
        let day = local_date(p.starts_at, tz);
        let birth: Option<NaiveDate> = c.birth_date.parse().ok();
        let naps = naps_of(self, &p, tz, cx.now, cx.nap_minutes);
        let mut alerts = Vec::new();
        if p.status == PlaceStatus::DroppedOff && cx.now >= not_collected_from(p.ends_at, cx.closes)
        {
            alerts.push("not_collected".to_string());
        }
        if let Some(n) = naps.iter().find(|n| n.ended_at.is_none()) {
            if n.late {
                alerts.push("nap_check_late".to_string());
            }
            if n.front {
                alerts.push("front_position".to_string());
            }
        }
        let of_child = |list: &[ds::Collector]| -> Vec<Adult> {
            list.iter()
                .filter(|a| a.child_id == p.child_id)
                .map(Adult::from)
                .collect()
        };
        Some(RoomChild {
            age_months: birth.map_or(0, |b| rules::age_months(b, day)),
            status: shown_status(&p, cx.now).to_string(),
            guardians: of_child(&self.guardians),
            authorised: of_child(&self.authorised),
            handover: handover_of(self, &p, tz),
            notes: notes_of(self, p.id, tz),
            attempts: self
                .attempts
                .iter()
                .filter(|a| a.place_id == p.id)
                .map(|a| AttemptView {
                    at: hhmm(a.at, tz),
                    presented: self.presented(p.child_id, &a.presented),
                    allowed: a.allowed != 0,
                    caregiver: a.caregiver.clone(),
                })
                .collect(),
            naps,
            alerts,
            child: Child {
                id: c.id,
                name: c.name.clone(),
                name_kana: c.name_kana.clone(),
                birth_date: Some(c.birth_date.clone()),
                allergies: Some(c.allergies.clone()),
                medical_notes: Some(c.medical_notes.clone()),
                guardian_ids: Some(
                    self.guardians
                        .iter()
                        .filter(|g| g.child_id == p.child_id)
                        .map(|g| PersonId(g.id))
                        .collect(),
                ),
                active: true,
            },
            place: ChildcarePlace::from_row(p, tz),
        })
    }
}

/// Refuses anyone who is not a caregiver of the site: the day's children with their medical
/// notes and the day's notes are theirs (and the guardians'), not reception's, trainers' or
/// directors' (a director who needs them takes a caregiver role at the site).
pub(super) fn require_caregiver(who: &Principal, site: SiteId) -> ApiResult<()> {
    if cares_at(who, site) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// The day's record for the site's files.
#[derive(Serialize, ToSchema)]
pub struct DayRecord {
    pub site_id: SiteId,
    /// The site's name in Japanese and in English.
    pub site_name_ja: String,
    pub site_name_en: String,
    /// Local date, YYYY-MM-DD.
    pub date: String,
    /// Every child who had a place that day (not cancelled), by expected arrival: hand-over
    /// times and to whom, naps and their checks, notes, refused and allowed pick-up attempts.
    pub children: Vec<RoomChild>,
}

/// The day's record (the site's caregivers): who came, hand-over times and to whom, nap
/// checks, notes and refusals; the page prints it.
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare/record", tag = "childcare", params(("id" = i64, Path), DateQuery),
    responses((status = 200, body = DayRecord), (status = 403), (status = 404, description = "childcare.unavailable"), (status = 422)))]
async fn day_record(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<DayRecord>> {
    require_caregiver(&who, site)?;
    let date = parse_date("date", &q.date)?;
    let (schedule, cc) = (
        schedule_of(&st.db, site).await?,
        super::settings(&st.db, site).await?,
    );
    let (from, to) = schedule.day_bounds(date);
    let scope = Scope::Site { site, from, to };
    let detail = Detail::load(&st.db, scope).await?;
    let cx = RoomContext {
        schedule: &schedule,
        nap_minutes: cc.nap_minutes,
        now: st.clock.epoch(),
        closes: closing(&schedule, date),
    };
    let children = store::places(&st.db, site, from, to)
        .await?
        .into_iter()
        .filter_map(|p| detail.room_child(p, &cx))
        .collect();
    let site_row = crate::sites::store::get(&st.db, site).await?;
    Ok(Json(DayRecord {
        site_id: site,
        site_name_ja: site_row.name_ja,
        site_name_en: site_row.name_en,
        date: date.to_string(),
        children,
    }))
}

/// A nap as the guardian sees it.
#[derive(Serialize, ToSchema)]
pub struct NapTimes {
    pub started_at: String,
    pub ended_at: Option<String>,
}

/// One place of my child today, as I see it on my phone.
#[derive(Serialize, ToSchema)]
pub struct ChildToday {
    pub place_id: PlaceId,
    pub site_id: SiteId,
    /// Local date and the place's times, HH:MM.
    pub date: String,
    pub start: String,
    pub end: String,
    /// expected, here, collected, absent or waitlisted.
    pub status: String,
    pub dropped_off_at: Option<String>,
    /// The caregiver who received my child.
    pub received_by: Option<String>,
    pub naps: Vec<NapTimes>,
    pub notes: Vec<NoteView>,
    pub picked_up_at: Option<String>,
    /// The adult who collected my child.
    pub collected_by: Option<String>,
}

/// My child's day (guardians only).
#[derive(Serialize, ToSchema)]
pub struct ChildDay {
    pub child_id: ChildId,
    pub name: String,
    pub places: Vec<ChildToday>,
}

/// My child today (their guardians only): dropped off at, by whom received, nap times, the
/// caregivers' notes, collected at and by whom.
#[utoipa::path(get, path = "/api/v1/children/{id}/today", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = ChildDay), (status = 404)))]
async fn child_today(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<ChildId>,
) -> ApiResult<Json<ChildDay>> {
    let c = of_guardian(&st.db, who.id, id).await?;
    let now = st.clock.epoch();
    let mut out = ChildDay {
        child_id: id,
        name: c.fields.name,
        places: Vec::new(),
    };
    // Places within a day and a half either side; each kept when it is today at its site.
    let ids = ds::guardian_places(&st.db, who.id, id, now - 129_600, now + 129_600).await?;
    for place in ids {
        let p = store::place(&st.db.pool, place)
            .await?
            .ok_or_else(child_not_found)?;
        let tz = schedule_of(&st.db, p.site_id).await?.tz;
        if local_date(p.starts_at, tz) != local_date(now, tz) {
            continue;
        }
        let d = Detail::load(&st.db, Scope::Place(place)).await?;
        let h = handover_of(&d, &p, tz);
        out.places.push(ChildToday {
            place_id: p.id,
            site_id: p.site_id,
            date: local_date(p.starts_at, tz).to_string(),
            start: hhmm(p.starts_at, tz),
            end: hhmm(p.ends_at, tz),
            status: shown_status(&p, now).to_string(),
            dropped_off_at: h.dropped_off_at,
            received_by: h.received_by,
            naps: d
                .naps
                .iter()
                .map(|n| NapTimes {
                    started_at: hhmm(n.started_at, tz),
                    ended_at: n.ended_at.map(|t| hhmm(t, tz)),
                })
                .collect(),
            notes: notes_of(&d, p.id, tz),
            picked_up_at: h.picked_up_at,
            collected_by: h.collected_by,
        });
    }
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_collected_at_the_earlier_of_fifteen_minutes_and_closing() {
        assert_eq!(not_collected_from(1000, None), 1900);
        assert_eq!(not_collected_from(1000, Some(1500)), 1500);
        assert_eq!(not_collected_from(1000, Some(5000)), 1900);
    }
}
