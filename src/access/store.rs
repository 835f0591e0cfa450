//! SQL of the access area. It writes only the access_* tables; client projects, persons,
//! spaces, kiosk devices, bookings, presence sessions and training completions are only read.

use super::rules::{CourseFact, ProjectFacts, Span};
use crate::db::{Db, Tx};
use crate::ids::{CourseId, DeviceId, PersonId, ProjectId, SiteId, SpaceId};
use anyhow::Context;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A stored local date.
fn date(s: &str, what: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("{what}: bad date {s:?}"))
}

/// The site of a client project.
pub async fn project_site(db: &Db, project: ProjectId) -> sqlx::Result<Option<SiteId>> {
    sqlx::query_scalar(
        "SELECT c.site_id FROM client_projects p JOIN client_companies c ON c.id = p.client_id
         WHERE p.id = $1",
    )
    .bind(project)
    .fetch_optional(&db.pool)
    .await
}

/// Whether the person holds any role at the site (one of its workers or staff).
pub async fn belongs_to(db: &Db, person: PersonId, site: SiteId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_grants g JOIN persons p ON p.id = g.person_id
         WHERE g.person_id = $1 AND g.site_id = $2 AND p.active = 1",
    )
    .bind(person)
    .bind(site)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// A roster line as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RosterRow {
    pub project_id: ProjectId,
    pub person_id: PersonId,
    pub person_name: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

/// A project's roster, by name.
pub async fn roster(db: &Db, project: ProjectId) -> sqlx::Result<Vec<RosterRow>> {
    sqlx::query_as(
        "SELECT r.project_id, r.person_id, p.name AS person_name, r.valid_from, r.valid_to
         FROM access_rosters r JOIN persons p ON p.id = r.person_id
         WHERE r.project_id = $1 ORDER BY p.name_kana, p.name, r.person_id",
    )
    .bind(project)
    .fetch_all(&db.pool)
    .await
}

/// Puts a person on a project's roster, or changes their dates.
pub async fn put_roster(
    tx: &mut Tx,
    site: SiteId,
    project: ProjectId,
    person: PersonId,
    span: (&str, Option<&str>),
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_rosters (site_id, project_id, person_id, valid_from, valid_to, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (project_id, person_id)
         DO UPDATE SET valid_from = excluded.valid_from, valid_to = excluded.valid_to",
    )
    .bind(site)
    .bind(project)
    .bind(person)
    .bind(span.0)
    .bind(span.1)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes a person off a project's roster; whether they were on it.
pub async fn remove_roster(
    tx: &mut Tx,
    project: ProjectId,
    person: PersonId,
) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM access_rosters WHERE project_id = $1 AND person_id = $2")
        .bind(project)
        .bind(person)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// An NDA as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NdaRow {
    pub project_id: ProjectId,
    pub person_id: PersonId,
    pub person_name: String,
    pub signed_on: String,
    pub expires_on: Option<String>,
    pub document_ref: String,
}

/// A project's NDAs, by name.
pub async fn ndas(db: &Db, project: ProjectId) -> sqlx::Result<Vec<NdaRow>> {
    sqlx::query_as(
        "SELECT n.project_id, n.person_id, p.name AS person_name, n.signed_on, n.expires_on,
                n.document_ref
         FROM access_ndas n JOIN persons p ON p.id = n.person_id
         WHERE n.project_id = $1 ORDER BY p.name_kana, p.name, n.person_id",
    )
    .bind(project)
    .fetch_all(&db.pool)
    .await
}

/// Records a person's NDA for a project (a new one replaces the old).
pub async fn put_nda(
    tx: &mut Tx,
    site: SiteId,
    project: ProjectId,
    person: PersonId,
    span: (&str, Option<&str>),
    document_ref: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_ndas (site_id, project_id, person_id, signed_on, expires_on, document_ref, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (project_id, person_id)
         DO UPDATE SET signed_on = excluded.signed_on, expires_on = excluded.expires_on,
                       document_ref = excluded.document_ref",
    )
    .bind(site)
    .bind(project)
    .bind(person)
    .bind(span.0)
    .bind(span.1)
    .bind(document_ref)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A project's required courses.
pub async fn requirements(db: &Db, project: ProjectId) -> sqlx::Result<Vec<CourseId>> {
    sqlx::query_scalar(
        "SELECT course_id FROM access_requirements WHERE project_id = $1 ORDER BY course_id",
    )
    .bind(project)
    .fetch_all(&db.pool)
    .await
}

/// Whether a course is offered at a site: shared by every site or the site's own, and not
/// withdrawn (a withdrawn course could never be completed again). Another site's course is
/// not offered: its name would show in this site's access review.
pub async fn course_offered(db: &Db, site: SiteId, course: CourseId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM training_courses
          WHERE id = $1 AND active = 1 AND (site_id IS NULL OR site_id = $2)",
    )
    .bind(course)
    .bind(site)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Replaces a project's required courses.
pub async fn set_requirements(
    tx: &mut Tx,
    project: ProjectId,
    courses: &[CourseId],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM access_requirements WHERE project_id = $1")
        .bind(project)
        .execute(&mut **tx)
        .await?;
    for c in courses {
        sqlx::query("INSERT INTO access_requirements (project_id, course_id) VALUES ($1, $2)")
            .bind(project)
            .bind(c)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The site's projects (for checking a room's list).
pub async fn site_projects(db: &Db, site: SiteId) -> sqlx::Result<Vec<ProjectId>> {
    sqlx::query_scalar(
        "SELECT p.id FROM client_projects p JOIN client_companies c ON c.id = p.client_id
         WHERE c.site_id = $1 ORDER BY p.id",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await
}

/// A secure room's settings.
#[derive(Clone, Debug, Default)]
pub struct RoomRow {
    pub roster_enough: bool,
    pub projects: Vec<ProjectId>,
}

/// A secure room's projects and flag (none and false until a director sets them).
pub async fn room(db: &Db, space: SpaceId) -> sqlx::Result<RoomRow> {
    let ex = &db.pool;
    let flag: Option<i64> =
        sqlx::query_scalar("SELECT roster_enough FROM access_rooms WHERE space_id = $1")
            .bind(space)
            .fetch_optional(ex)
            .await?;
    let projects = sqlx::query_scalar(
        "SELECT project_id FROM access_room_projects WHERE space_id = $1 ORDER BY project_id",
    )
    .bind(space)
    .fetch_all(ex)
    .await?;
    Ok(RoomRow {
        roster_enough: flag == Some(1),
        projects,
    })
}

/// Sets a secure room's projects and flag.
pub async fn set_room(
    tx: &mut Tx,
    site: SiteId,
    space: SpaceId,
    room: &RoomRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_rooms (space_id, site_id, roster_enough) VALUES ($1, $2, $3)
         ON CONFLICT (space_id) DO UPDATE SET roster_enough = excluded.roster_enough",
    )
    .bind(space)
    .bind(site)
    .bind(i64::from(room.roster_enough))
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM access_room_projects WHERE space_id = $1")
        .bind(space)
        .execute(&mut **tx)
        .await?;
    for p in &room.projects {
        sqlx::query("INSERT INTO access_room_projects (space_id, project_id) VALUES ($1, $2)")
            .bind(space)
            .bind(p)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ProjectLine {
    project_id: ProjectId,
    valid_from: Option<String>,
    valid_to: Option<String>,
    signed_on: Option<String>,
    expires_on: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CourseLine {
    project_id: ProjectId,
    course_id: CourseId,
    name_ja: String,
    name_en: String,
    completed_at: Option<i64>,
    expires_at: Option<i64>,
}

fn span(from: Option<String>, to: Option<String>, what: &str) -> anyhow::Result<Option<Span>> {
    let Some(from) = from else {
        return Ok(None);
    };
    Ok(Some(Span {
        from: date(&from, what)?,
        to: to.map(|t| date(&t, what)).transpose()?,
    }))
}

/// What the decision needs about a person and each active project of a room: roster, NDA,
/// and each required course's best completion at `at` (current if any, else the latest).
pub async fn facts(
    tx: &mut Tx,
    person: PersonId,
    space: SpaceId,
    at: i64,
) -> anyhow::Result<Vec<ProjectFacts>> {
    let lines: Vec<ProjectLine> = sqlx::query_as(
        "SELECT rp.project_id, r.valid_from, r.valid_to, n.signed_on, n.expires_on
         FROM access_room_projects rp
         JOIN client_projects p ON p.id = rp.project_id AND p.active = 1
         LEFT JOIN access_rosters r ON r.project_id = rp.project_id AND r.person_id = $2
         LEFT JOIN access_ndas n ON n.project_id = rp.project_id AND n.person_id = $2
         WHERE rp.space_id = $1 ORDER BY rp.project_id",
    )
    .bind(space)
    .bind(person)
    .fetch_all(&mut **tx)
    .await?;
    let courses: Vec<CourseLine> = sqlx::query_as(
        "SELECT q.project_id, q.course_id, c.name_ja, c.name_en, tc.completed_at, tc.expires_at
         FROM access_room_projects rp
         JOIN access_requirements q ON q.project_id = rp.project_id
         JOIN training_courses c ON c.id = q.course_id
         LEFT JOIN training_completions tc
                ON tc.course_id = q.course_id AND tc.person_id = $2 AND tc.completed_at <= $3
         WHERE rp.space_id = $1 ORDER BY q.project_id, q.course_id",
    )
    .bind(space)
    .bind(person)
    .bind(at)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for l in lines {
        let what = format!("access project {} person {}", l.project_id, person);
        out.push(ProjectFacts {
            project_id: l.project_id,
            roster: span(l.valid_from, l.valid_to, &what)?,
            nda: span(l.signed_on, l.expires_on, &what)?,
            courses: best_completions(courses.iter().filter(|c| c.project_id == l.project_id), at),
        });
    }
    Ok(out)
}

/// Per course, the completion that counts at `at`: the current one that holds longest, else
/// the one that expired last (so facts read now also answer for any later instant).
fn best_completions<'a>(lines: impl Iterator<Item = &'a CourseLine>, at: i64) -> Vec<CourseFact> {
    let mut by: BTreeMap<CourseId, CourseFact> = BTreeMap::new();
    let current = |c: Option<(i64, Option<i64>)>| {
        c.is_some_and(|(done, until)| done <= at && until.is_none_or(|u| at < u))
    };
    for l in lines {
        let f = by.entry(l.course_id).or_insert_with(|| CourseFact {
            course_id: l.course_id,
            name_ja: l.name_ja.clone(),
            name_en: l.name_en.clone(),
            completion: None,
        });
        let Some(done) = l.completed_at else {
            continue;
        };
        let this = Some((done, l.expires_at));
        let lasts_longer =
            |until: Option<i64>| until.is_some_and(|u| l.expires_at.is_none_or(|e| e > u));
        let better = match f.completion {
            None => true,
            Some((_, until)) => match (current(this), current(f.completion)) {
                (true, false) => true,
                (false, true) => false,
                _ => lasts_longer(until),
            },
        };
        if better {
            f.completion = this;
        }
    }
    by.into_values().collect()
}

/// The room a door reader is paired to, and its site.
pub async fn door_of(tx: &mut Tx, device: DeviceId) -> sqlx::Result<Option<SpaceId>> {
    sqlx::query_scalar("SELECT space_id FROM access_doors WHERE device_id = $1")
        .bind(device)
        .fetch_optional(&mut **tx)
        .await
}

/// A paired device by its token, with its door's room if it is a door reader.
#[derive(sqlx::FromRow)]
pub struct DoorRow {
    pub device_id: DeviceId,
    pub site_id: SiteId,
    pub last_seen_at: Option<i64>,
    pub time_zone: String,
    pub space_id: Option<SpaceId>,
    pub room: Option<String>,
    pub roster_enough: i64,
}

/// The unrevoked device a token hash belongs to, and its door (one statement).
pub async fn door_by_token(db: &Db, token_hash: &str) -> sqlx::Result<Option<DoorRow>> {
    sqlx::query_as(
        "SELECT k.id AS device_id, k.site_id, k.last_seen_at, st.time_zone,
                a.space_id, s.name AS room, COALESCE(r.roster_enough, 0) AS roster_enough
         FROM kiosk_devices k JOIN sites st ON st.id = k.site_id
         LEFT JOIN access_doors a ON a.device_id = k.id
         LEFT JOIN spaces s ON s.id = a.space_id
         LEFT JOIN access_rooms r ON r.space_id = a.space_id
         WHERE k.token_hash = $1 AND k.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(&db.pool)
    .await
}

/// The site of a kiosk device.
pub async fn device_site(db: &Db, device: DeviceId) -> sqlx::Result<Option<SiteId>> {
    sqlx::query_scalar("SELECT site_id FROM kiosk_devices WHERE id = $1")
        .bind(device)
        .fetch_optional(&db.pool)
        .await
}

/// Pairs a kiosk device to a secure room (its door); a trigger marks the device as a door
/// reader, which the entrance refuses.
pub async fn pair_door(
    tx: &mut Tx,
    device: DeviceId,
    site: SiteId,
    space: SpaceId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_doors (device_id, site_id, space_id) VALUES ($1, $2, $3)
         ON CONFLICT (device_id) DO UPDATE SET space_id = excluded.space_id",
    )
    .bind(device)
    .bind(site)
    .bind(space)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether the person is checked in at the site now (an open presence session).
pub async fn checked_in(tx: &mut Tx, person: PersonId, site: SiteId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM presence_sessions
         WHERE open_person = $1 AND site_id = $2",
    )
    .bind(person)
    .bind(site)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// Whether the person holds a live booking of a seat in the room covering `at`.
pub async fn booked_now(
    tx: &mut Tx,
    person: PersonId,
    space: SpaceId,
    at: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings
         WHERE person_id = $1 AND space_id = $2 AND status IN ('active', 'checked_in')
           AND starts_at <= $3 AND ends_at > $3",
    )
    .bind(person)
    .bind(space)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// Someone entered the room.
pub async fn enter(
    tx: &mut Tx,
    site: SiteId,
    space: SpaceId,
    person: PersonId,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_occupants (space_id, person_id, site_id, entered_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (space_id, person_id) DO NOTHING",
    )
    .bind(space)
    .bind(person)
    .bind(site)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Someone left the room; whether they were inside.
pub async fn leave(tx: &mut Tx, space: SpaceId, person: PersonId) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM access_occupants WHERE space_id = $1 AND person_id = $2")
        .bind(space)
        .bind(person)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Someone inside a room, and whether they hold a booking of it now.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Occupant {
    pub space_id: SpaceId,
    pub person_id: PersonId,
    pub name: String,
    pub entered_at: i64,
    pub booked: i64,
}

/// Who is inside the site's secure rooms.
pub async fn occupants(db: &Db, site: SiteId, at: i64) -> sqlx::Result<Vec<Occupant>> {
    sqlx::query_as(
        "SELECT o.space_id, o.person_id, p.name, o.entered_at,
                (SELECT COUNT(*) FROM bookings b
                  WHERE b.person_id = o.person_id AND b.space_id = o.space_id
                    AND b.status IN ('active', 'checked_in')
                    AND b.starts_at <= $2 AND b.ends_at > $2) AS booked
         FROM access_occupants o JOIN persons p ON p.id = o.person_id
         WHERE o.site_id = $1 ORDER BY o.space_id, o.entered_at",
    )
    .bind(site)
    .bind(at)
    .fetch_all(&db.pool)
    .await
}

/// A secure room of a site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomName {
    pub id: SpaceId,
    pub name: String,
}

/// The site's secure rooms.
pub async fn secure_rooms(db: &Db, site: SiteId) -> sqlx::Result<Vec<RoomName>> {
    sqlx::query_as(
        "SELECT id, name FROM spaces WHERE site_id = $1 AND kind = 'secure_room' AND active = 1
         ORDER BY name",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await
}

/// Everyone on the roster of a project that uses the room.
pub async fn room_people(db: &Db, space: SpaceId) -> sqlx::Result<Vec<(PersonId, String)>> {
    sqlx::query_as(
        "SELECT DISTINCT r.person_id, p.name FROM access_room_projects rp
         JOIN access_rosters r ON r.project_id = rp.project_id
         JOIN persons p ON p.id = r.person_id
         WHERE rp.space_id = $1 ORDER BY p.name",
    )
    .bind(space)
    .fetch_all(&db.pool)
    .await
}

/// Records a director's certification of the review.
pub async fn certify(
    tx: &mut Tx,
    site: SiteId,
    by: PersonId,
    at: i64,
    entries: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO access_reviews (site_id, certified_by, certified_at, entries)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(site)
    .bind(by)
    .bind(at)
    .bind(entries)
    .fetch_one(&mut **tx)
    .await
}

/// The last certification of the site's review: when and by whom.
pub async fn last_certified(db: &Db, site: SiteId) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT r.certified_at, p.name FROM access_reviews r JOIN persons p ON p.id = r.certified_by
         WHERE r.site_id = $1 ORDER BY r.certified_at DESC, r.id DESC LIMIT 1",
    )
    .bind(site)
    .fetch_optional(&db.pool)
    .await
}

/// Claims a reminder (once per person, kind and subject); whether this caller sends it.
pub async fn claim_reminder(
    tx: &mut Tx,
    person: PersonId,
    what: &str,
    subject: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO access_reminders (person_id, what, subject, sent_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(person)
    .bind(what)
    .bind(subject)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// A live booking of a seat in a secure room that has not ended.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoomBooking {
    pub id: crate::ids::BookingId,
    pub person_id: PersonId,
    pub name: String,
    pub space_id: SpaceId,
    pub room: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// The site's live secure-room bookings that end after `now`, soonest first (all of them:
/// bookings are made at most the site's horizon ahead, so this stays a few thousand rows).
/// A booking lies within a day: the lower bound on `starts_at` keeps the search to the
/// (site_id, starts_at) range ahead instead of the site's whole history (0.1 s at 50,000).
pub async fn room_bookings(db: &Db, site: SiteId, now: i64) -> sqlx::Result<Vec<RoomBooking>> {
    sqlx::query_as(
        "SELECT b.id, b.person_id, p.name, b.space_id, s.name AS room, b.starts_at, b.ends_at
         FROM bookings b JOIN spaces s ON s.id = b.space_id JOIN persons p ON p.id = b.person_id
         WHERE b.site_id = $1 AND s.kind = 'secure_room' AND b.status = 'active'
           AND b.starts_at > $2 - 86400 AND b.ends_at > $2
         ORDER BY b.starts_at, b.id",
    )
    .bind(site)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// The site's directors.
pub async fn directors(db: &Db, site: SiteId) -> sqlx::Result<Vec<PersonId>> {
    sqlx::query_scalar(
        "SELECT person_id FROM role_grants WHERE site_id = $1 AND role = 'director' ORDER BY person_id",
    )
    .bind(site)
    .fetch_all(&db.pool)
    .await
}

/// Whether the person holds a role at the site (any: staff may enter too when cleared).
pub async fn works_at(tx: &mut Tx, person: PersonId, site: SiteId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM role_grants WHERE person_id = $1 AND site_id = $2",
    )
    .bind(person)
    .bind(site)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(done: i64, until: Option<i64>) -> CourseLine {
        CourseLine {
            project_id: ProjectId(1),
            course_id: CourseId(7),
            name_ja: String::new(),
            name_en: String::new(),
            completed_at: Some(done),
            expires_at: until,
        }
    }

    #[test]
    fn the_completion_that_counts_holds_longest() {
        // (completions in the order the database gives them, at, the one that counts)
        let table = [
            // Renewed before the first expired: the renewal counts, whichever comes first.
            (vec![line(0, Some(100)), line(50, Some(200))], 60, Some(200)),
            (vec![line(50, Some(200)), line(0, Some(100))], 60, Some(200)),
            // A current one beats an expired one that once held longer.
            (vec![line(0, Some(15)), line(10, Some(40))], 20, Some(40)),
            (vec![line(10, Some(40)), line(0, Some(30))], 20, Some(40)),
            // None current: the one that expired last.
            (vec![line(0, Some(10)), line(5, Some(30))], 50, Some(30)),
            // No expiry holds longest of all.
            (vec![line(0, Some(100)), line(5, None)], 60, None),
        ];
        for (lines, at, until) in table {
            let got = best_completions(lines.iter(), at);
            assert_eq!(got[0].completion.map(|c| c.1), Some(until), "at {at}");
        }
    }
}
