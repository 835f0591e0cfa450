//! Secure client rooms: per client project a roster, its workers' NDAs and the training it
//! requires; a room's projects; the check booking calls before a seat in a secure room is
//! given ([`Gate`]); the door reader (door.rs); the access review; and the hash-chained
//! audit trail (audit.rs) that every decision and change is written to, in its transaction.

pub mod audit;
pub mod door;
pub mod errors;
pub mod http;
pub mod notify;
pub mod rules;
pub mod store;

pub use errors::AccessError;

use crate::AppState;
use crate::auth::Principal;
use crate::booking::book::SecureRoomGate;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, Lang, Validator, on_field, parse_date};
use crate::ids::{CourseId, PersonId, ProjectId, SiteId, SpaceId};
use crate::sites::{Space, SpaceKind};
use audit::Entry;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Booking's check for secure rooms, with access's rules: eligible at the booking's start
/// and at its end, through a project that uses the room.
pub struct Gate;

impl SecureRoomGate for Gate {
    fn check<'a>(
        &'a self,
        tx: &'a mut Tx,
        space: &'a Space,
        person: PersonId,
        range: (DateTime<Utc>, DateTime<Utc>),
        tz: chrono_tz::Tz,
    ) -> futures_util::future::BoxFuture<'a, ApiResult<()>> {
        Box::pin(async move {
            let (from, to) = (range.0.timestamp(), range.1.timestamp());
            let facts = store::facts(tx, person, space.id, from).await?;
            let end_facts = store::facts(tx, person, space.id, to - 1).await?;
            let day = |t: i64| {
                DateTime::from_timestamp(t, 0)
                    .map(|d| d.with_timezone(&tz).date_naive())
                    .unwrap_or_default()
            };
            let refusal = rules::eligible(&facts, day(from), from)
                .and_then(|_| rules::eligible(&end_facts, day(to - 1), to - 1))
                .err();
            match refusal {
                None => Ok(()),
                Some(r) => {
                    let reason = errors::refusal(&r, tz);
                    let (ja, en) = match &reason {
                        ApiError::Client { detail, .. } => (detail.ja.clone(), detail.en.clone()),
                        ApiError::Internal(_) => (String::new(), String::new()),
                    };
                    let code = errors::code_of(&r).code_str();
                    let mut e = ApiError::from(crate::booking::BookingError::SecureRoomAccess)
                        .with_text("reason", &ja, &en);
                    // The reason's own code, for a client that shows more than the text.
                    if let ApiError::Client { errors, .. } = &mut e {
                        errors.push(crate::error::FieldError {
                            field: "space_id".into(),
                            code,
                            message: crate::error::Text::new(ja, en),
                        });
                    }
                    Err(e)
                }
            }
        })
    }
}

impl AccessError {
    /// The stable code as text.
    pub fn code_str(self) -> &'static str {
        crate::error::ErrorCode::code(self)
    }
}

/// Refuses unless `who` directs the project's site; answers the site.
pub async fn project_site(st: &AppState, who: &Principal, project: ProjectId) -> ApiResult<SiteId> {
    let site = store::project_site(&st.db, project)
        .await?
        .ok_or_else(|| ApiError::not_found("案件", "Project"))?;
    who.require_director(site)?;
    Ok(site)
}

/// A secure room of a site that `who` directs.
pub async fn secure_room(st: &AppState, who: &Principal, space: SpaceId) -> ApiResult<Space> {
    let s = crate::sites::store::space_by_id(&st.db, space.0).await?;
    who.require_director(s.site_id)?;
    if s.kind != SpaceKind::SecureRoom {
        return Err(on_field(AccessError::NotSecureRoom, "space_id", None));
    }
    Ok(s)
}

/// Parses a required date and an optional last date, the last on or after the first.
fn dates(
    v: &mut Validator,
    first: (&str, &str),
    last: (&str, Option<&str>),
    order: AccessError,
) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let f = match parse_date(first.0, first.1) {
        Ok(d) => Some(d),
        Err(_) => {
            v.reject(first.0, crate::error::CommonError::BadDate);
            None
        }
    };
    let l = match last.1.map(|s| parse_date(last.0, s)).transpose() {
        Ok(d) => d,
        Err(_) => {
            v.reject(last.0, crate::error::CommonError::BadDate);
            None
        }
    };
    if let (Some(f), Some(l)) = (f, l)
        && l < f
    {
        v.reject(last.0, order);
    }
    f.map(|f| (f, l))
}

/// A roster line as a director gives it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterInput {
    pub person_id: PersonId,
    /// First day (YYYY-MM-DD, the site's local date).
    pub from: String,
    /// Last day, inclusive; none: open-ended.
    pub to: Option<String>,
}

/// Puts a person on a project's roster (or changes their dates), audited.
pub async fn put_roster(
    st: &AppState,
    who: &Principal,
    site: SiteId,
    project: ProjectId,
    input: &RosterInput,
) -> ApiResult<()> {
    let mut v = Validator::new();
    let span = dates(
        &mut v,
        ("from", &input.from),
        ("to", input.to.as_deref()),
        AccessError::RosterEndBeforeStart,
    );
    v.finish()?;
    let Some((from, to)) = span else {
        return Err(on_field(crate::error::CommonError::BadDate, "from", None));
    };
    if !store::belongs_to(&st.db, input.person_id, site).await? {
        return Err(AccessError::PersonNotManaged.into());
    }
    let (from, to) = (from.to_string(), to.map(|d| d.to_string()));
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    store::put_roster(
        &mut tx,
        site,
        project,
        input.person_id,
        (&from, to.as_deref()),
        now,
    )
    .await?;
    let mut e = Entry::new(now, site, "roster.set", "change");
    e.actor_id = Some(who.id);
    e.project_id = Some(project);
    e.subject_id = Some(input.person_id);
    e.detail = json!({"from": from, "to": to}).to_string();
    audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a person off a project's roster, audited.
pub async fn remove_roster(
    st: &AppState,
    who: &Principal,
    site: SiteId,
    project: ProjectId,
    person: PersonId,
) -> ApiResult<()> {
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    if !store::remove_roster(&mut tx, project, person).await? {
        return Err(ApiError::not_found("名簿の登録", "Roster entry"));
    }
    let mut e = Entry::new(now, site, "roster.remove", "change");
    e.actor_id = Some(who.id);
    e.project_id = Some(project);
    e.subject_id = Some(person);
    audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// An NDA as a director records it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NdaInput {
    pub person_id: PersonId,
    /// The day it was signed (YYYY-MM-DD).
    pub signed_on: String,
    /// Its last valid day; none: no expiry.
    pub expires_on: Option<String>,
    /// Where the signed document is kept (a file number, a link).
    pub document_ref: String,
}

/// Records a person's NDA for a project, audited.
pub async fn put_nda(
    st: &AppState,
    who: &Principal,
    site: SiteId,
    project: ProjectId,
    input: &NdaInput,
) -> ApiResult<()> {
    let mut v = Validator::new();
    let span = dates(
        &mut v,
        ("signed_on", &input.signed_on),
        ("expires_on", input.expires_on.as_deref()),
        AccessError::NdaExpiryBeforeSigning,
    );
    let doc = input.document_ref.trim();
    v.text("document_ref", doc, 1, 200);
    v.finish()?;
    let Some((from, to)) = span else {
        return Err(on_field(
            crate::error::CommonError::BadDate,
            "signed_on",
            None,
        ));
    };
    if !store::belongs_to(&st.db, input.person_id, site).await? {
        return Err(AccessError::PersonNotManaged.into());
    }
    let (from, to) = (from.to_string(), to.map(|d| d.to_string()));
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    store::put_nda(
        &mut tx,
        site,
        project,
        input.person_id,
        (&from, to.as_deref()),
        doc,
        now,
    )
    .await?;
    let mut e = Entry::new(now, site, "nda.set", "change");
    e.actor_id = Some(who.id);
    e.project_id = Some(project);
    e.subject_id = Some(input.person_id);
    e.detail = json!({"signed_on": from, "expires_on": to, "document_ref": doc}).to_string();
    audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// A project's required courses.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    pub course_ids: Vec<CourseId>,
}

/// Replaces a project's required courses, audited.
pub async fn put_requirements(
    st: &AppState,
    who: &Principal,
    site: SiteId,
    project: ProjectId,
    input: &Requirements,
) -> ApiResult<()> {
    let mut courses = input.course_ids.clone();
    courses.sort_unstable();
    courses.dedup();
    for c in &courses {
        if !store::course_offered(&st.db, site, *c).await? {
            return Err(on_field(AccessError::UnknownCourse, "course_ids", None));
        }
    }
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    store::set_requirements(&mut tx, project, &courses).await?;
    let mut e = Entry::new(now, site, "requirements.set", "change");
    e.actor_id = Some(who.id);
    e.project_id = Some(project);
    e.detail = json!({"course_ids": courses}).to_string();
    audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// A secure room's projects and whether the roster is enough (no booking needed).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomSettings {
    pub project_ids: Vec<ProjectId>,
    #[serde(default)]
    pub roster_enough: bool,
}

/// Sets a secure room's projects and flag, audited.
pub async fn put_room(
    st: &AppState,
    who: &Principal,
    room: &Space,
    input: &RoomSettings,
) -> ApiResult<()> {
    let mut projects = input.project_ids.clone();
    projects.sort_unstable();
    projects.dedup();
    let own = store::site_projects(&st.db, room.site_id).await?;
    if projects.iter().any(|p| !own.contains(p)) {
        return Err(on_field(AccessError::ForeignProject, "project_ids", None));
    }
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    let settings = store::RoomRow {
        roster_enough: input.roster_enough,
        projects,
    };
    store::set_room(&mut tx, room.site_id, room.id, &settings).await?;
    let mut e = Entry::new(now, room.site_id, "room.set", "change");
    e.actor_id = Some(who.id);
    e.space_id = Some(room.id);
    e.detail = json!({"project_ids": settings.projects, "roster_enough": settings.roster_enough})
        .to_string();
    audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// One person who can enter a room today, and why (or why not).
#[derive(Serialize, ToSchema)]
pub struct ReviewLine {
    pub person_id: PersonId,
    pub name: String,
    pub can_enter: bool,
    /// The project that admits them.
    pub project_id: Option<ProjectId>,
    /// Why not, in the request's language.
    pub reason: Option<String>,
    pub roster_to: Option<String>,
    pub nda_expires_on: Option<String>,
    /// The earliest last day of a required course (local date).
    pub training_expires_on: Option<String>,
    /// Something expires within 30 days.
    pub expiring_soon: bool,
}

/// A room in the access review.
#[derive(Serialize, ToSchema)]
pub struct ReviewRoom {
    pub space_id: SpaceId,
    pub name: String,
    pub people: Vec<ReviewLine>,
}

/// A booking of a secure room whose holder will not be eligible then (an NDA or training
/// that expires first): kept, and flagged to the worker and the director.
#[derive(Serialize, ToSchema)]
pub struct FlaggedBooking {
    pub booking_id: crate::ids::BookingId,
    pub person_id: PersonId,
    pub name: String,
    pub space_id: SpaceId,
    pub room: String,
    pub starts_at: i64,
    /// Why, in the request's language.
    pub reason: String,
    /// Why, in both languages (for the e-mails, each in its recipient's).
    #[serde(skip)]
    pub reasons: crate::error::Text,
}

/// The access review of a site.
#[derive(Serialize, ToSchema)]
pub struct Review {
    pub date: String,
    pub rooms: Vec<ReviewRoom>,
    pub flagged_bookings: Vec<FlaggedBooking>,
    pub last_certified_at: Option<i64>,
    pub last_certified_by: Option<String>,
}

/// Who can enter each secure room of the site today and why; what expires within 30 days.
pub async fn review(st: &AppState, site: SiteId) -> ApiResult<Review> {
    let s = crate::sites::store::get(&st.db, site).await?;
    let tz = crate::sites::store::schedule(&st.db, &s).await?.tz;
    let now = st.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let at = now.timestamp();
    let lang = Lang::current();
    let mut rooms = Vec::new();
    for room in store::secure_rooms(&st.db, site).await? {
        let mut people = Vec::new();
        for (person, name) in store::room_people(&st.db, room.id).await? {
            let mut tx = st.db.begin_read().await?;
            let facts = store::facts(&mut tx, person, room.id, at).await?;
            tx.rollback().await?;
            let decided = rules::eligible(&facts, today, at);
            let admitted = decided.as_ref().ok().copied();
            let shown = facts
                .iter()
                .find(|p| Some(p.project_id) == admitted)
                .or_else(|| facts.iter().find(|p| p.roster.is_some()));
            let roster_to = shown.and_then(|p| p.roster.and_then(|r| r.to));
            let nda_to = shown.and_then(|p| p.nda.and_then(|n| n.to));
            let training_to = shown.and_then(|p| {
                p.courses
                    .iter()
                    .filter_map(|c| c.completion.and_then(|(_, u)| u))
                    .min()
                    .map(|u| errors::last_day(tz, u))
            });
            let soon = [roster_to, nda_to, training_to]
                .into_iter()
                .flatten()
                .any(|d| (0..=30).contains(&rules::days_left(today, d)));
            people.push(ReviewLine {
                person_id: person,
                name,
                can_enter: decided.is_ok(),
                project_id: admitted,
                reason: decided.err().map(|r| errors::text(&r, tz, lang)),
                roster_to: roster_to.map(|d| d.to_string()),
                nda_expires_on: nda_to.map(|d| d.to_string()),
                training_expires_on: training_to.map(|d| d.to_string()),
                expiring_soon: soon,
            });
        }
        rooms.push(ReviewRoom {
            space_id: room.id,
            name: room.name,
            people,
        });
    }
    let mut flagged = Vec::new();
    // Facts change only by what is recorded until now, so a person's facts for a room are read
    // once however many future bookings they hold there (the rules weigh them at each instant).
    let mut known: std::collections::HashMap<(PersonId, SpaceId), Vec<rules::ProjectFacts>> =
        std::collections::HashMap::new();
    for b in store::room_bookings(&st.db, site, at).await? {
        let key = (b.person_id, b.space_id);
        if let std::collections::hash_map::Entry::Vacant(slot) = known.entry(key) {
            let mut tx = st.db.begin_read().await?;
            slot.insert(store::facts(&mut tx, b.person_id, b.space_id, at).await?);
            tx.rollback().await?;
        }
        let facts = &known[&key];
        let (from, to) = (facts, facts);
        let day = |t: i64| {
            DateTime::from_timestamp(t, 0)
                .map(|d| d.with_timezone(&tz).date_naive())
                .unwrap_or(today)
        };
        let refused = rules::eligible(from, day(b.starts_at), b.starts_at)
            .and_then(|_| rules::eligible(to, day(b.ends_at - 1), b.ends_at - 1))
            .err();
        if let Some(r) = refused {
            flagged.push(FlaggedBooking {
                booking_id: b.id,
                person_id: b.person_id,
                name: b.name,
                space_id: b.space_id,
                room: b.room,
                starts_at: b.starts_at,
                reason: errors::text(&r, tz, lang),
                reasons: crate::error::Text::new(
                    errors::text(&r, tz, Lang::Ja),
                    errors::text(&r, tz, Lang::En),
                ),
            });
        }
    }
    let last = store::last_certified(&st.db, site).await?;
    Ok(Review {
        date: today.to_string(),
        rooms,
        flagged_bookings: flagged,
        last_certified_at: last.as_ref().map(|l| l.0),
        last_certified_by: last.map(|l| l.1),
    })
}

/// Certifies the site's access review as it stands now, audited.
pub async fn certify(st: &AppState, who: &Principal, site: SiteId) -> ApiResult<Review> {
    let r = review(st, site).await?;
    let entries: i64 = r.rooms.iter().map(|x| x.people.len() as i64).sum();
    let now = st.clock.epoch();
    let mut tx = st.db.begin().await?;
    let id = store::certify(&mut tx, site, who.id, now, entries).await?;
    let mut e = Entry::new(now, site, "review.certify", "change");
    e.actor_id = Some(who.id);
    e.detail = json!({"review_id": id, "date": r.date, "entries": entries}).to_string();
    audit::append(&mut tx, &e).await?;
    tx.commit().await?;
    review(st, site).await
}
