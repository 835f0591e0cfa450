//! SQL for the childcare room's day on the tablet: naps and their checks, the day's notes,
//! who handed children over, and the not-collected notice. Writes only childcare's tables;
//! reads `persons` for names.

use super::rules::Position;
use crate::db::{Db, Tx};
use crate::ids::{ChildId, DayNoteId, NapId, PersonId, PlaceId, SiteId};

/// Which places a day query covers: a site's places starting in [from, to), or one place.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    Site { site: SiteId, from: i64, to: i64 },
    Place(PlaceId),
}

impl Scope {
    /// The condition on `p` (childcare_bookings) and its three parameters: every query binds
    /// three, so one SQL text serves both scopes.
    fn filter(self) -> (&'static str, [i64; 3]) {
        match self {
            Scope::Site { site, from, to } => (
                "p.site_id = $1 AND p.starts_at >= $2 AND p.starts_at < $3",
                [site.0, from, to],
            ),
            Scope::Place(id) => ("p.id = $1 AND $2 = $2 AND $3 = $3", [id.0, 0, 0]),
        }
    }
}

/// Runs a day query over the scope.
async fn in_scope<T>(db: &Db, scope: Scope, sql: &str) -> sqlx::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let (filter, [a, b, c]) = scope.filter();
    sqlx::query_as(&sql.replace("{scope}", filter))
        .bind(a)
        .bind(b)
        .bind(c)
        .fetch_all(&db.pool)
        .await
}

/// A child of the day, with everything the room's caregivers see.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DayChild {
    pub id: ChildId,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub allergies: String,
    pub medical_notes: String,
}

/// The children holding the scope's places.
pub async fn children(db: &Db, scope: Scope) -> sqlx::Result<Vec<DayChild>> {
    in_scope(
        db,
        scope,
        "SELECT c.id, c.name, c.name_kana, c.birth_date, c.allergies, c.medical_notes FROM children c
         WHERE c.id IN (SELECT p.child_id FROM childcare_bookings p WHERE {scope}) ORDER BY c.id",
    )
    .await
}

/// An adult who may collect a child: a guardian (relation empty) or an authorised person.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Collector {
    pub child_id: ChildId,
    pub id: i64,
    pub name: String,
    pub relation: String,
    pub active: i64,
    /// For an authorised person: their pick-up code is spent.
    pub code_used: i64,
}

/// The guardians of the scope's children.
pub async fn guardians(db: &Db, scope: Scope) -> sqlx::Result<Vec<Collector>> {
    in_scope(
        db,
        scope,
        "SELECT g.child_id, pe.id, pe.name, '' AS relation, pe.active, CAST(0 AS BIGINT) AS code_used
         FROM child_guardians g JOIN persons pe ON pe.id = g.person_id
         WHERE g.child_id IN (SELECT p.child_id FROM childcare_bookings p WHERE {scope})
         ORDER BY g.child_id, pe.id",
    )
    .await
}

/// The authorised persons of the scope's children.
pub async fn authorised(db: &Db, scope: Scope) -> sqlx::Result<Vec<Collector>> {
    in_scope(
        db,
        scope,
        "SELECT a.child_id, a.id, a.name, a.relation, a.active,
             CAST(CASE WHEN a.pickup_code_used_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS code_used
         FROM authorised_persons a
         WHERE a.child_id IN (SELECT p.child_id FROM childcare_bookings p WHERE {scope})
         ORDER BY a.child_id, a.id",
    )
    .await
}

/// A place's hand-over details: when the kiosk asked for it, who received and handed over the
/// child, and to whom ("guardian:<id>" or "authorised:<id>", as the pick-up log names them).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Handover {
    pub place_id: PlaceId,
    pub dropoff_requested_at: Option<i64>,
    pub received_by: Option<String>,
    pub handed_by: Option<String>,
    pub pickup_by: Option<String>,
    pub not_collected_notified_at: Option<i64>,
}

/// The scope's hand-over details.
pub async fn handovers(db: &Db, scope: Scope) -> sqlx::Result<Vec<Handover>> {
    in_scope(
        db,
        scope,
        "SELECT p.id AS place_id, p.dropoff_requested_at, d.name AS received_by,
             h.name AS handed_by, p.pickup_by, p.not_collected_notified_at
         FROM childcare_bookings p LEFT JOIN persons d ON d.id = p.dropoff_caregiver_id
           LEFT JOIN persons h ON h.id = p.pickup_caregiver_id
         WHERE {scope} ORDER BY p.id",
    )
    .await
}

/// Every pick-up attempt of the scope, allowed or refused.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attempt {
    pub place_id: PlaceId,
    pub presented: String,
    pub allowed: i64,
    pub at: i64,
    pub caregiver: String,
}

/// The scope's pick-up attempts, in time order.
pub async fn attempts(db: &Db, scope: Scope) -> sqlx::Result<Vec<Attempt>> {
    in_scope(
        db,
        scope,
        "SELECT a.childcare_booking_id AS place_id, a.presented, a.allowed, a.at, pe.name AS caregiver
         FROM pickup_attempts a JOIN childcare_bookings p ON p.id = a.childcare_booking_id
           JOIN persons pe ON pe.id = a.caregiver_id
         WHERE {scope} ORDER BY a.at, a.id",
    )
    .await
}

/// A nap.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Nap {
    pub id: NapId,
    pub place_id: PlaceId,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

/// The scope's naps, in time order.
pub async fn naps(db: &Db, scope: Scope) -> sqlx::Result<Vec<Nap>> {
    in_scope(
        db,
        scope,
        "SELECT n.id, n.childcare_booking_id AS place_id, n.started_at, n.ended_at
         FROM naps n JOIN childcare_bookings p ON p.id = n.childcare_booking_id
         WHERE {scope} ORDER BY n.started_at, n.id",
    )
    .await
}

/// A nap check as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Check {
    pub nap_id: NapId,
    pub at: i64,
    pub breathing: i64,
    pub position: String,
    pub caregiver: String,
}

/// The scope's nap checks, in time order.
pub async fn checks(db: &Db, scope: Scope) -> sqlx::Result<Vec<Check>> {
    in_scope(
        db,
        scope,
        "SELECT k.nap_id, k.at, k.breathing, k.position, pe.name AS caregiver
         FROM nap_checks k JOIN naps n ON n.id = k.nap_id
           JOIN childcare_bookings p ON p.id = n.childcare_booking_id
           JOIN persons pe ON pe.id = k.caregiver_id
         WHERE {scope} ORDER BY k.at, k.id",
    )
    .await
}

/// A note on a child's day.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Note {
    pub id: DayNoteId,
    pub place_id: PlaceId,
    pub kind: String,
    pub body: String,
    pub at: i64,
    pub caregiver: String,
}

/// The scope's notes, in time order.
pub async fn notes(db: &Db, scope: Scope) -> sqlx::Result<Vec<Note>> {
    in_scope(
        db,
        scope,
        "SELECT d.id, d.childcare_booking_id AS place_id, d.kind, d.body, d.at, pe.name AS caregiver
         FROM child_day_notes d JOIN childcare_bookings p ON p.id = d.childcare_booking_id
           JOIN persons pe ON pe.id = d.caregiver_id
         WHERE {scope} ORDER BY d.at, d.id",
    )
    .await
}

/// The names of persons (guardians), by id.
pub async fn person_name(db: &Db, id: PersonId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM persons WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Starts a nap; None when the place already has one running (the unique index decides,
/// whatever two tablets do at once).
pub async fn start_nap(
    tx: &mut Tx,
    backend: crate::db::Backend,
    (site, place): (SiteId, PlaceId),
    by: PersonId,
    now: i64,
) -> sqlx::Result<NapStart> {
    // Only while the child is in the room, read under a share lock on PostgreSQL: a pick-up
    // committing at the same moment either comes first (no nap) or waits for this one (and
    // then ends it). SQLite's write transaction already runs alone.
    let lock = match backend {
        crate::db::Backend::Postgres => " FOR SHARE",
        crate::db::Backend::Sqlite => "",
    };
    let r = sqlx::query_scalar(&format!(
        "INSERT INTO naps (site_id, childcare_booking_id, started_at, started_by)
         SELECT $1, $2, $3, $4 WHERE EXISTS (
             SELECT 1 FROM childcare_bookings WHERE id = $2 AND status = 'dropped_off'{lock})
         RETURNING id"
    ))
    .bind(site)
    .bind(place)
    .bind(now)
    .bind(by)
    .fetch_optional(&mut **tx)
    .await;
    match r {
        Ok(Some(id)) => Ok(NapStart::Started(id)),
        Ok(None) => Ok(NapStart::NotInRoom),
        Err(e) => match crate::db::violated_constraint(&e).as_deref() {
            Some("naps_one_open" | "naps_childcare_booking_id_key") => Ok(NapStart::AlreadyNapping),
            _ => Err(e),
        },
    }
}

/// What starting a nap did.
pub enum NapStart {
    Started(NapId),
    AlreadyNapping,
    NotInRoom,
}

/// The running nap of a place: its id and start.
pub async fn open_nap(tx: &mut Tx, place: PlaceId) -> sqlx::Result<Option<(NapId, i64)>> {
    sqlx::query_as(
        "SELECT id, started_at FROM naps WHERE childcare_booking_id = $1 AND ended_at IS NULL",
    )
    .bind(place)
    .fetch_optional(&mut **tx)
    .await
}

/// A nap check to write.
pub struct NewCheck {
    pub nap: NapId,
    pub site: SiteId,
    pub at: i64,
    pub by: PersonId,
    pub breathing: bool,
    pub position: Position,
}

/// Records a nap check.
pub async fn insert_check(tx: &mut Tx, c: &NewCheck) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO nap_checks (nap_id, site_id, at, caregiver_id, breathing, position)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.nap)
    .bind(c.site)
    .bind(c.at)
    .bind(c.by)
    .bind(i64::from(c.breathing))
    .bind(c.position.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends a running nap; whether it did (it may have been ended meanwhile).
pub async fn end_nap(tx: &mut Tx, nap: NapId, by: PersonId, now: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE naps SET ended_at = $1, ended_by = $2 WHERE id = $3 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(nap)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Ends a place's running nap, if any (the child leaves the room).
pub async fn end_naps_of(tx: &mut Tx, place: PlaceId, by: PersonId, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE naps SET ended_at = $1, ended_by = $2 WHERE childcare_booking_id = $3 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(place)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A note to write.
pub struct NewNote<'a> {
    pub site: SiteId,
    pub place: PlaceId,
    pub kind: &'a str,
    pub body: &'a str,
    pub by: PersonId,
    pub at: i64,
}

/// Records a note on a child's day; answers its id.
pub async fn insert_note(tx: &mut Tx, n: &NewNote<'_>) -> sqlx::Result<DayNoteId> {
    sqlx::query_scalar(
        "INSERT INTO child_day_notes (site_id, childcare_booking_id, kind, body, caregiver_id, at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(n.site)
    .bind(n.place)
    .bind(n.kind)
    .bind(n.body)
    .bind(n.by)
    .bind(n.at)
    .fetch_one(&mut **tx)
    .await
}

/// A child still in the room whose guardian was not told yet.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Uncollected {
    pub id: PlaceId,
    pub site_id: SiteId,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// Children still in a room whose guardian was not told, for places that ended after
/// `since` (a day back is plenty: the job runs every minute or so).
pub async fn uncollected(db: &Db, since: i64) -> sqlx::Result<Vec<Uncollected>> {
    sqlx::query_as(
        "SELECT id, site_id, starts_at, ends_at FROM childcare_bookings
         WHERE status = 'dropped_off' AND not_collected_notified_at IS NULL AND ends_at > $1
         ORDER BY id",
    )
    .bind(since)
    .fetch_all(&db.pool)
    .await
}

/// Marks a place's not-collected notice as sent, only once; whether this call did.
pub async fn mark_not_collected(tx: &mut Tx, place: PlaceId, now: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE childcare_bookings SET not_collected_notified_at = $1
         WHERE id = $2 AND status = 'dropped_off' AND not_collected_notified_at IS NULL",
    )
    .bind(now)
    .bind(place)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// The places of a guardian's children that start in [from, to), by start.
pub async fn guardian_places(
    db: &Db,
    guardian: PersonId,
    child: ChildId,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<PlaceId>> {
    sqlx::query_scalar(
        "SELECT p.id FROM childcare_bookings p JOIN child_guardians g ON g.child_id = p.child_id
         WHERE g.person_id = $1 AND p.child_id = $2 AND p.starts_at >= $3 AND p.starts_at < $4
           AND p.status <> 'cancelled'
         ORDER BY p.starts_at, p.id",
    )
    .bind(guardian)
    .bind(child)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}
