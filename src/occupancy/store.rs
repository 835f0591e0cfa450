//! The live view's SQL: what is happening at a site now (read from the areas below), and the
//! occupancy area's own tables (space positions, roll calls and their entries).

use crate::db::{Db, Tx};
use crate::ids::{
    BookingId, ChildId, PersonId, PlaceId, RollCallEntryId, RollCallId, SiteId, SpaceId,
};
use sqlx::AnyConnection;

/// A space with its stored position, if any.
#[derive(sqlx::FromRow)]
pub struct SpaceRow {
    pub id: SpaceId,
    pub kind: String,
    pub name: String,
    pub capacity: i64,
    pub active: i64,
    pub x: Option<i64>,
    pub y: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// A site's spaces, with their positions on the plan.
pub async fn spaces(c: &mut AnyConnection, site: SiteId) -> sqlx::Result<Vec<SpaceRow>> {
    sqlx::query_as(
        "SELECT s.id, s.kind, s.name, s.capacity, s.active, p.x, p.y, p.width, p.height
         FROM spaces s LEFT JOIN space_positions p ON p.space_id = s.id
         WHERE s.site_id = $1 ORDER BY s.id",
    )
    .bind(site)
    .fetch_all(c)
    .await
}

/// A desk or room booking that covers now or starts within the coming hour.
#[derive(sqlx::FromRow)]
pub struct BookingRow {
    pub id: BookingId,
    pub space_id: SpaceId,
    pub space_name: String,
    pub seat: i64,
    pub person_id: PersonId,
    pub person_name: String,
    pub status: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// The bookings of a site that cover `now` or start before `until` (not cancelled). A booking
/// lies within one day, so the (site_id, starts_at) index bounds the search to a day.
pub async fn bookings(
    c: &mut AnyConnection,
    site: SiteId,
    now: i64,
    until: i64,
) -> sqlx::Result<Vec<BookingRow>> {
    sqlx::query_as(
        "SELECT b.id, b.space_id, s.name AS space_name, b.seat, b.person_id, p.name AS person_name,
                b.status, b.starts_at, b.ends_at
         FROM bookings b JOIN persons p ON p.id = b.person_id JOIN spaces s ON s.id = b.space_id
         WHERE b.site_id = $1 AND b.starts_at > $2 - 86400 AND b.starts_at < $3 AND b.ends_at > $2
           AND b.status IN ('active', 'checked_in', 'no_show')
         ORDER BY b.starts_at, b.id",
    )
    .bind(site)
    .bind(now)
    .bind(until)
    .fetch_all(c)
    .await
}

/// Someone inside now.
#[derive(sqlx::FromRow)]
pub struct PresenceRow {
    pub person_id: PersonId,
    pub name: String,
    pub booking_id: Option<BookingId>,
    pub space_name: Option<String>,
    pub checked_in_at: i64,
    /// 1 when the person holds a staff role at the site.
    pub staff: i64,
}

/// Someone inside a secure room (through its door reader) without a booking of it now, in a
/// room whose roster is not enough: the live view's "someone inside, nobody booked" alert.
#[derive(sqlx::FromRow)]
pub struct UnbookedRow {
    pub person_name: String,
    pub space_name: String,
}

/// The people inside the site's secure rooms without a booking covering `now` (someone who
/// has left the building since, without a leave scan at the room's door, is not inside).
/// `open_person` reads the one-row `presence_open` index instead of every session the person
/// ever had (30 ms with 1,300 each); a booking lies within a day.
pub async fn unbooked_in_secure_rooms(
    c: &mut AnyConnection,
    site: SiteId,
    now: i64,
) -> sqlx::Result<Vec<UnbookedRow>> {
    sqlx::query_as(
        "SELECT p.name AS person_name, s.name AS space_name
         FROM access_occupants o JOIN persons p ON p.id = o.person_id
         JOIN spaces s ON s.id = o.space_id
         LEFT JOIN access_rooms r ON r.space_id = o.space_id
         WHERE o.site_id = $1 AND COALESCE(r.roster_enough, 0) = 0
           AND EXISTS (SELECT 1 FROM presence_sessions ps
                       WHERE ps.open_person = o.person_id AND ps.site_id = o.site_id
                         AND ps.checked_in_at <= o.entered_at)
           AND NOT EXISTS (SELECT 1 FROM bookings b
                           WHERE b.person_id = o.person_id AND b.space_id = o.space_id
                             AND b.status IN ('active', 'checked_in')
                             AND b.starts_at > $2 - 86400 AND b.starts_at <= $2
                             AND b.ends_at > $2)
         ORDER BY s.name, p.name",
    )
    .bind(site)
    .bind(now)
    .fetch_all(c)
    .await
}

/// Everyone checked in at the site and not out.
pub async fn inside(c: &mut AnyConnection, site: SiteId) -> sqlx::Result<Vec<PresenceRow>> {
    sqlx::query_as(
        "SELECT ps.person_id, p.name, ps.booking_id, s.name AS space_name, ps.checked_in_at,
                CAST(CASE WHEN EXISTS (SELECT 1 FROM role_grants g
                                       WHERE g.person_id = ps.person_id AND g.site_id = ps.site_id
                                         AND g.role <> 'worker')
                     THEN 1 ELSE 0 END AS BIGINT) AS staff
         FROM presence_sessions ps JOIN persons p ON p.id = ps.person_id
         LEFT JOIN bookings b ON b.id = ps.booking_id LEFT JOIN spaces s ON s.id = b.space_id
         WHERE ps.site_id = $1 AND ps.checked_out_at IS NULL
         ORDER BY ps.checked_in_at, ps.person_id",
    )
    .bind(site)
    .fetch_all(c)
    .await
}

/// A caregiver on duty now.
#[derive(sqlx::FromRow)]
pub struct DutyRow {
    pub person_id: PersonId,
    pub name: String,
    pub ends_at: i64,
}

/// The caregivers whose shift covers `now` (shifts lie within a day).
pub async fn on_duty(c: &mut AnyConnection, site: SiteId, now: i64) -> sqlx::Result<Vec<DutyRow>> {
    sqlx::query_as(&format!(
        "SELECT sh.person_id, p.name, sh.ends_at
         FROM caregiver_shifts sh JOIN persons p ON p.id = sh.person_id
         WHERE sh.site_id = $1 AND sh.starts_at > $2 - 2 * 86400 AND sh.starts_at <= $2
           AND sh.ends_at > $2 AND {}
         ORDER BY p.name, sh.person_id",
        crate::childcare::store::ABLE
    ))
    .bind(site)
    .bind(now)
    .fetch_all(c)
    .await
}

/// A child's place: in the room now, or booked to come within the hour.
#[derive(sqlx::FromRow)]
pub struct ChildRow {
    pub place_id: PlaceId,
    pub child_id: ChildId,
    pub name: String,
    pub birth_date: String,
    pub allergies: String,
    pub medical_notes: String,
    pub age_group: i64,
    pub status: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub dropped_off_at: Option<i64>,
    pub guardian_id: PersonId,
    pub guardian: String,
    pub caregiver: Option<String>,
}

/// The children in the childcare room (dropped off and not picked up, whenever their place
/// started within the last two days), and the places booked to start before `until`.
pub async fn children(
    c: &mut AnyConnection,
    site: SiteId,
    now: i64,
    until: i64,
) -> sqlx::Result<Vec<ChildRow>> {
    sqlx::query_as(
        "SELECT cb.id AS place_id, cb.child_id, ch.name, ch.birth_date, ch.allergies,
                ch.medical_notes, cb.age_group, cb.status, cb.starts_at, cb.ends_at,
                cb.dropped_off_at, cb.guardian_id, g.name AS guardian, cg.name AS caregiver
         FROM childcare_bookings cb JOIN children ch ON ch.id = cb.child_id
         JOIN persons g ON g.id = cb.guardian_id
         LEFT JOIN persons cg ON cg.id = cb.dropoff_caregiver_id
         WHERE cb.site_id = $1 AND cb.starts_at > $2 - 2 * 86400 AND cb.starts_at < $3
           AND (cb.status = 'dropped_off' OR (cb.status = 'booked' AND cb.ends_at > $2))
         ORDER BY cb.starts_at, cb.id",
    )
    .bind(site)
    .bind(now)
    .bind(until)
    .fetch_all(c)
    .await
}

// ---- space positions

/// Places spaces on the plan (each space must be of the site: checked by the caller).
pub async fn put_positions(
    tx: &mut Tx,
    site: SiteId,
    positions: &[(SpaceId, [i64; 4])],
) -> sqlx::Result<()> {
    for (space, [x, y, w, h]) in positions {
        sqlx::query(
            "INSERT INTO space_positions (space_id, site_id, x, y, width, height)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (space_id) DO UPDATE SET x = excluded.x, y = excluded.y,
                 width = excluded.width, height = excluded.height",
        )
        .bind(*space)
        .bind(site)
        .bind(*x)
        .bind(*y)
        .bind(*w)
        .bind(*h)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The ids of a site's spaces.
pub async fn space_ids(db: &Db, site: SiteId) -> sqlx::Result<Vec<SpaceId>> {
    sqlx::query_scalar("SELECT id FROM spaces WHERE site_id = $1")
        .bind(site)
        .fetch_all(&db.pool)
        .await
}

// ---- roll calls

/// A roll call.
#[derive(sqlx::FromRow, Clone)]
pub struct RollCallRow {
    pub id: RollCallId,
    pub site_id: SiteId,
    pub started_at: i64,
    pub started_by: PersonId,
    pub started_by_name: String,
    pub ended_at: Option<i64>,
    pub ended_by: Option<PersonId>,
    pub ended_by_name: Option<String>,
}

const ROLL_CALL: &str = "SELECT r.id, r.site_id, r.started_at, r.started_by, s.name AS started_by_name,
        r.ended_at, r.ended_by, e.name AS ended_by_name
     FROM roll_calls r JOIN persons s ON s.id = r.started_by LEFT JOIN persons e ON e.id = r.ended_by";

/// The site's open roll call.
pub async fn open_roll_call(
    c: &mut AnyConnection,
    site: SiteId,
) -> sqlx::Result<Option<RollCallRow>> {
    sqlx::query_as(&format!(
        "{ROLL_CALL} WHERE r.site_id = $1 AND r.ended_at IS NULL"
    ))
    .bind(site)
    .fetch_optional(c)
    .await
}

/// One roll call.
pub async fn roll_call(c: &mut AnyConnection, id: RollCallId) -> sqlx::Result<Option<RollCallRow>> {
    sqlx::query_as(&format!("{ROLL_CALL} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await
}

/// A site's roll calls, latest first.
pub async fn roll_calls(db: &Db, site: SiteId) -> sqlx::Result<Vec<RollCallRow>> {
    sqlx::query_as(&format!(
        "{ROLL_CALL} WHERE r.site_id = $1 ORDER BY r.started_at DESC, r.id DESC LIMIT 200"
    ))
    .bind(site)
    .fetch_all(&db.pool)
    .await
}

/// Opens the site's roll call unless one is open (the unique index on open roll calls
/// decides between concurrent starts); answers the new one's id, or None when one was open.
pub async fn insert_roll_call(
    tx: &mut Tx,
    site: SiteId,
    by: PersonId,
    now: i64,
) -> sqlx::Result<Option<RollCallId>> {
    sqlx::query_scalar(
        "INSERT INTO roll_calls (site_id, started_at, started_by) VALUES ($1, $2, $3)
         ON CONFLICT (site_id) WHERE ended_at IS NULL DO NOTHING RETURNING id",
    )
    .bind(site)
    .bind(now)
    .bind(by)
    .fetch_optional(&mut **tx)
    .await
}

/// A line of a roll call's list.
pub struct NewEntry {
    pub kind: &'static str,
    pub subject_id: i64,
    pub name: String,
    pub place: String,
    pub guardian: String,
    pub caregiver: String,
    pub expected: bool,
}

/// Writes a new roll call's list (one subject once).
pub async fn insert_entries(tx: &mut Tx, id: RollCallId, entries: &[NewEntry]) -> sqlx::Result<()> {
    for e in entries {
        sqlx::query(
            "INSERT INTO roll_call_entries
                 (roll_call_id, kind, subject_id, name, place, guardian, caregiver, expected)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (roll_call_id, kind, subject_id) DO NOTHING",
        )
        .bind(id)
        .bind(e.kind)
        .bind(e.subject_id)
        .bind(&e.name)
        .bind(&e.place)
        .bind(&e.guardian)
        .bind(&e.caregiver)
        .bind(i64::from(e.expected))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A line of a roll call's list, with its mark.
#[derive(sqlx::FromRow, Clone)]
pub struct EntryRow {
    pub id: RollCallEntryId,
    pub kind: String,
    pub subject_id: i64,
    pub name: String,
    pub place: String,
    pub guardian: String,
    pub caregiver: String,
    pub expected: i64,
    pub marked_at: Option<i64>,
    pub marked_by: Option<PersonId>,
    pub marked_by_name: Option<String>,
}

/// A roll call's list, in the order it was written.
pub async fn entries(c: &mut AnyConnection, id: RollCallId) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(
        "SELECT e.id, e.kind, e.subject_id, e.name, e.place, e.guardian, e.caregiver, e.expected,
                e.marked_at, e.marked_by, m.name AS marked_by_name
         FROM roll_call_entries e LEFT JOIN persons m ON m.id = e.marked_by
         WHERE e.roll_call_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(c)
    .await
}

/// Marks an entry of a roll call safe; the first mark stands. Answers whether the entry is on
/// that roll call's list.
pub async fn mark(
    tx: &mut Tx,
    id: RollCallId,
    entry: RollCallEntryId,
    by: PersonId,
    at: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE roll_call_entries SET marked_at = $1, marked_by = $2
         WHERE id = $3 AND roll_call_id = $4 AND marked_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(entry)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    let on_list: Option<i64> =
        sqlx::query_scalar("SELECT id FROM roll_call_entries WHERE id = $1 AND roll_call_id = $2")
            .bind(entry)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(on_list.is_some())
}

/// Ends an open roll call; answers whether it was open.
pub async fn end(tx: &mut Tx, id: RollCallId, by: PersonId, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE roll_calls SET ended_at = $1, ended_by = $2 WHERE id = $3 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
