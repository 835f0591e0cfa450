//! SQL for children, authorised persons, caregiver shifts, places and hand-overs. Writes
//! only childcare's tables; reads `bookings` and `spaces` where a rule needs them.

use super::rules::{PlaceStatus, Standard};
use crate::db::{Db, Tx};
use crate::ids::{AuthorisedPersonId, BookingId, ChildId, PersonId, PlaceId, ShiftId, SiteId};
use chrono::NaiveDate;

/// A stored value the code cannot read: the error names the table and the row.
fn corrupt(table: &str, id: impl std::fmt::Display, what: String) -> sqlx::Error {
    sqlx::Error::Decode(format!("{table} row {id}: {what}").into())
}

/// A site's childcare settings (defaults when none were saved).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub standard: Standard,
    /// Whether a place must lie within the guardian's own booking at the site.
    pub within_booking: bool,
    /// Whether a place may stay when its desk booking is cancelled.
    pub keep_on_desk_cancel: bool,
    /// Minutes between nap checks: under 1, ages 1-2, 3 and older.
    pub nap_minutes: [u32; 3],
}

#[derive(sqlx::FromRow)]
struct SettingsRecord {
    ratio_under1: i64,
    ratio_age1_2: i64,
    ratio_age3: i64,
    ratio_age4_plus: i64,
    min_staff: i64,
    age_basis: String,
    within_booking: i64,
    keep_on_desk_cancel: i64,
    nap_check_under1_min: i64,
    nap_check_age1_2_min: i64,
    nap_check_older_min: i64,
}

/// The settings and the room's maximum; None when the site has no childcare room.
pub async fn settings(db: &Db, site_id: i64) -> sqlx::Result<Option<Settings>> {
    let room_max: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(capacity) AS BIGINT) FROM spaces WHERE site_id = $1 AND kind = 'childcare_room' AND active = 1",
    )
    .bind(site_id)
    .fetch_one(&db.pool)
    .await?;
    let Some(room_max) = room_max.filter(|m| *m > 0) else {
        return Ok(None);
    };
    let row: Option<SettingsRecord> = sqlx::query_as(
        "SELECT ratio_under1, ratio_age1_2, ratio_age3, ratio_age4_plus, min_staff, age_basis,
             within_booking, keep_on_desk_cancel, nap_check_under1_min, nap_check_age1_2_min,
             nap_check_older_min
         FROM childcare_settings WHERE site_id = $1",
    )
    .bind(site_id)
    .fetch_optional(&db.pool)
    .await?;
    let mut s = Settings {
        standard: Standard {
            room_max: room_max as u32,
            ..Standard::JAPAN_2024
        },
        within_booking: true,
        keep_on_desk_cancel: false,
        nap_minutes: super::rules::NAP_CHECK_MINUTES,
    };
    if let Some(r) = row {
        let n = |v: i64| v.clamp(1, 1000) as u32;
        s.standard.ratios = [
            n(r.ratio_under1),
            n(r.ratio_age1_2),
            n(r.ratio_age3),
            n(r.ratio_age4_plus),
        ];
        s.standard.min_staff = n(r.min_staff);
        s.standard.basis = r
            .age_basis
            .parse()
            .map_err(|e| corrupt("childcare_settings", site_id, e))?;
        s.within_booking = r.within_booking != 0;
        s.keep_on_desk_cancel = r.keep_on_desk_cancel != 0;
        let m = |v: i64| v.clamp(1, 60) as u32;
        s.nap_minutes = [
            m(r.nap_check_under1_min),
            m(r.nap_check_age1_2_min),
            m(r.nap_check_older_min),
        ];
    }
    Ok(Some(s))
}

/// Saves a site's childcare settings.
pub async fn put_settings(db: &Db, site_id: SiteId, s: &Settings) -> sqlx::Result<()> {
    let r = s.standard.ratios;
    sqlx::query(
        "INSERT INTO childcare_settings (site_id, ratio_under1, ratio_age1_2, ratio_age3, ratio_age4_plus,
             min_staff, age_basis, within_booking, keep_on_desk_cancel, nap_check_under1_min,
             nap_check_age1_2_min, nap_check_older_min)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (site_id) DO UPDATE SET ratio_under1 = excluded.ratio_under1,
             ratio_age1_2 = excluded.ratio_age1_2, ratio_age3 = excluded.ratio_age3,
             ratio_age4_plus = excluded.ratio_age4_plus, min_staff = excluded.min_staff,
             age_basis = excluded.age_basis, within_booking = excluded.within_booking,
             keep_on_desk_cancel = excluded.keep_on_desk_cancel,
             nap_check_under1_min = excluded.nap_check_under1_min,
             nap_check_age1_2_min = excluded.nap_check_age1_2_min,
             nap_check_older_min = excluded.nap_check_older_min",
    )
    .bind(site_id)
    .bind(r[0] as i64)
    .bind(r[1] as i64)
    .bind(r[2] as i64)
    .bind(r[3] as i64)
    .bind(s.standard.min_staff as i64)
    .bind(s.standard.basis.as_str())
    .bind(i64::from(s.within_booking))
    .bind(i64::from(s.keep_on_desk_cancel))
    .bind(i64::from(s.nap_minutes[0]))
    .bind(i64::from(s.nap_minutes[1]))
    .bind(i64::from(s.nap_minutes[2]))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A child's record as a guardian writes it.
#[derive(Clone, Debug)]
pub struct ChildFields {
    pub name: String,
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub allergies: String,
    pub medical_notes: String,
    pub active: bool,
}

/// A child as stored, with their guardians.
#[derive(Clone, Debug)]
pub struct ChildRow {
    pub id: ChildId,
    pub fields: ChildFields,
    pub guardian_ids: Vec<PersonId>,
}

#[derive(sqlx::FromRow)]
struct ChildRecord {
    id: ChildId,
    name: String,
    name_kana: String,
    birth_date: String,
    allergies: String,
    medical_notes: String,
    active: i64,
}

const CHILD: &str = "SELECT c.id, c.name, c.name_kana, c.birth_date, c.allergies, c.medical_notes, c.active FROM children c";

impl ChildRecord {
    async fn with_guardians(self, db: &Db) -> sqlx::Result<ChildRow> {
        let birth_date = self
            .birth_date
            .parse()
            .map_err(|e| corrupt("children", self.id, format!("birth_date: {e}")))?;
        Ok(ChildRow {
            guardian_ids: guardians(db, self.id).await?,
            id: self.id,
            fields: ChildFields {
                name: self.name,
                name_kana: self.name_kana,
                birth_date,
                allergies: self.allergies,
                medical_notes: self.medical_notes,
                active: self.active != 0,
            },
        })
    }
}

async fn guardians(db: &Db, child_id: ChildId) -> sqlx::Result<Vec<PersonId>> {
    sqlx::query_scalar(
        "SELECT person_id FROM child_guardians WHERE child_id = $1 ORDER BY person_id",
    )
    .bind(child_id)
    .fetch_all(&db.pool)
    .await
}

/// Whether a person's account is active (a deactivated one hands over no child).
pub async fn person_active(db: &Db, id: PersonId) -> sqlx::Result<bool> {
    let active: Option<i64> = sqlx::query_scalar("SELECT active FROM persons WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(active == Some(1))
}

/// One child, with their guardians.
pub async fn child(db: &Db, id: ChildId) -> sqlx::Result<Option<ChildRow>> {
    let row: Option<ChildRecord> = sqlx::query_as(&format!("{CHILD} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(r) => Ok(Some(r.with_guardians(db).await?)),
        None => Ok(None),
    }
}

/// The children a person is guardian of.
pub async fn children_of(db: &Db, person_id: PersonId) -> sqlx::Result<Vec<ChildRow>> {
    let rows: Vec<ChildRecord> = sqlx::query_as(&format!(
        "{CHILD} JOIN child_guardians g ON g.child_id = c.id
         WHERE g.person_id = $1 ORDER BY c.birth_date, c.id"
    ))
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r.with_guardians(db).await?);
    }
    Ok(out)
}

/// Inserts a child with `guardian` as its first guardian; answers the id.
pub async fn insert_child(
    db: &Db,
    c: &ChildFields,
    guardian: PersonId,
    now: i64,
) -> sqlx::Result<ChildId> {
    let mut tx = db.begin().await?;
    let id: ChildId = sqlx::query_scalar(
        "INSERT INTO children (name, name_kana, birth_date, allergies, medical_notes, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&c.name)
    .bind(&c.name_kana)
    .bind(c.birth_date.to_string())
    .bind(&c.allergies)
    .bind(&c.medical_notes)
    .bind(i64::from(c.active))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO child_guardians (child_id, person_id) VALUES ($1, $2)")
        .bind(id)
        .bind(guardian)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Rewrites a child's record.
pub async fn update_child(db: &Db, id: ChildId, c: &ChildFields) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE children SET name = $1, name_kana = $2, birth_date = $3, allergies = $4,
             medical_notes = $5, active = $6 WHERE id = $7",
    )
    .bind(&c.name)
    .bind(&c.name_kana)
    .bind(c.birth_date.to_string())
    .bind(&c.allergies)
    .bind(&c.medical_notes)
    .bind(i64::from(c.active))
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The sites where a child has had or has a place, or waits for one (the room's day lists and
/// tablet show a waitlisted child to its caregivers, who may take them that day). A cancelled
/// place is none: the child never came, and that site's staff have no need to know them.
pub async fn sites_of_child(db: &Db, child_id: ChildId) -> sqlx::Result<Vec<SiteId>> {
    sqlx::query_scalar(
        "SELECT DISTINCT site_id FROM childcare_bookings
          WHERE child_id = $1 AND status <> 'cancelled'",
    )
    .bind(child_id)
    .fetch_all(&db.pool)
    .await
}

/// An adult a guardian allows to collect a child.
#[derive(Clone, Debug)]
pub struct AuthorisedRow {
    pub id: AuthorisedPersonId,
    pub child_id: ChildId,
    pub name: String,
    pub relation: String,
    pub phone: String,
    pub pickup_code_hash: String,
    pub active: bool,
    /// When the pick-up code was spent (it works once).
    pub pickup_code_used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AuthorisedRecord {
    id: AuthorisedPersonId,
    child_id: ChildId,
    name: String,
    relation: String,
    phone: String,
    pickup_code_hash: String,
    active: i64,
    pickup_code_used_at: Option<i64>,
}

impl From<AuthorisedRecord> for AuthorisedRow {
    fn from(r: AuthorisedRecord) -> Self {
        AuthorisedRow {
            id: r.id,
            child_id: r.child_id,
            name: r.name,
            relation: r.relation,
            phone: r.phone,
            pickup_code_hash: r.pickup_code_hash,
            active: r.active != 0,
            pickup_code_used_at: r.pickup_code_used_at,
        }
    }
}

const AUTHORISED: &str = "SELECT id, child_id, name, relation, phone, pickup_code_hash, active, pickup_code_used_at FROM authorised_persons";

/// A child's authorised persons.
pub async fn authorised_of(db: &Db, child_id: ChildId) -> sqlx::Result<Vec<AuthorisedRow>> {
    let rows: Vec<AuthorisedRecord> =
        sqlx::query_as(&format!("{AUTHORISED} WHERE child_id = $1 ORDER BY id"))
            .bind(child_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One authorised person.
pub async fn authorised(db: &Db, id: AuthorisedPersonId) -> sqlx::Result<Option<AuthorisedRow>> {
    let row: Option<AuthorisedRecord> = sqlx::query_as(&format!("{AUTHORISED} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(Into::into))
}

/// Adds an (active) authorised person; answers the id.
pub async fn insert_authorised(
    db: &Db,
    a: &AuthorisedRow,
    now: i64,
) -> sqlx::Result<AuthorisedPersonId> {
    sqlx::query_scalar(
        "INSERT INTO authorised_persons (child_id, name, relation, phone, pickup_code_hash, active, created_at)
         VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
    )
    .bind(a.child_id)
    .bind(&a.name)
    .bind(&a.relation)
    .bind(&a.phone)
    .bind(&a.pickup_code_hash)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

/// Activates or deactivates an authorised person.
pub async fn set_authorised_active(
    db: &Db,
    id: AuthorisedPersonId,
    active: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE authorised_persons SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Gives an authorised person a new pick-up code, unspent.
pub async fn set_pickup_code(db: &Db, id: AuthorisedPersonId, hash: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE authorised_persons SET pickup_code_hash = $1, pickup_code_used_at = NULL WHERE id = $2",
    )
    .bind(hash)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Spends an authorised person's pick-up code, only if it is still unspent and is the one
/// checked; whether it did (a code accepted twice at once is spent by one of them).
pub async fn spend_pickup_code(
    tx: &mut Tx,
    id: AuthorisedPersonId,
    hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE authorised_persons SET pickup_code_used_at = $1
         WHERE id = $2 AND pickup_code_hash = $3 AND pickup_code_used_at IS NULL AND active = 1",
    )
    .bind(now)
    .bind(id)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// A caregiver shift.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ShiftRow {
    pub id: ShiftId,
    pub site_id: SiteId,
    pub person_id: PersonId,
    pub starts_at: i64,
    pub ends_at: i64,
}

const SHIFT: &str = "SELECT id, site_id, person_id, starts_at, ends_at FROM caregiver_shifts";

/// Shifts of a site overlapping [from, to).
pub async fn shifts(
    tx: &mut Tx,
    site_id: SiteId,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<ShiftRow>> {
    sqlx::query_as(&format!(
        "{SHIFT} WHERE site_id = $1 AND starts_at < $3 AND ends_at > $2
           AND starts_at >= $2 - 86400 ORDER BY starts_at, id"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await
}

/// Shifts of a site overlapping [from, to) that count towards the ratio: those of active
/// people who still hold the caregiver role at the site. A shift outlives a deactivation or a
/// withdrawn role (it stays listed for the director), but the person can no longer work it.
pub async fn duty_shifts(
    tx: &mut Tx,
    site_id: SiteId,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<ShiftRow>> {
    sqlx::query_as(&format!(
        "SELECT sh.id, sh.site_id, sh.person_id, sh.starts_at, sh.ends_at
           FROM caregiver_shifts sh JOIN persons p ON p.id = sh.person_id
          WHERE sh.site_id = $1 AND sh.starts_at < $3 AND sh.ends_at > $2
            AND sh.starts_at >= $2 - 86400 AND {ABLE}
          ORDER BY sh.starts_at, sh.id"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await
}

/// The condition on a shift `sh` of a person `p` that makes it count: the person is active and
/// a caregiver of the shift's site.
pub const ABLE: &str = "p.active = 1 AND EXISTS (SELECT 1 FROM role_grants g
     WHERE g.person_id = sh.person_id AND g.site_id = sh.site_id AND g.role = 'caregiver')";

/// One shift.
pub async fn shift(db: &Db, id: ShiftId) -> sqlx::Result<Option<ShiftRow>> {
    sqlx::query_as(&format!("{SHIFT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Inserts a shift (its `id` is ignored); answers the new id.
pub async fn insert_shift(tx: &mut Tx, s: &ShiftRow, by: PersonId) -> sqlx::Result<ShiftId> {
    sqlx::query_scalar(
        "INSERT INTO caregiver_shifts (site_id, person_id, starts_at, ends_at, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(s.site_id)
    .bind(s.person_id)
    .bind(s.starts_at)
    .bind(s.ends_at)
    .bind(by)
    .fetch_one(&mut **tx)
    .await
}

/// Gives a shift its new caregiver and times.
pub async fn update_shift(tx: &mut Tx, s: &ShiftRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE caregiver_shifts SET person_id = $1, starts_at = $2, ends_at = $3 WHERE id = $4",
    )
    .bind(s.person_id)
    .bind(s.starts_at)
    .bind(s.ends_at)
    .bind(s.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a shift.
pub async fn delete_shift(tx: &mut Tx, id: ShiftId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM caregiver_shifts WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A childcare place as stored, with the child's name.
#[derive(Clone, Debug)]
pub struct PlaceRow {
    pub id: PlaceId,
    pub site_id: SiteId,
    pub child_id: ChildId,
    pub child_name: String,
    pub guardian_id: PersonId,
    pub desk_booking_id: Option<BookingId>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub age_group: i64,
    pub status: PlaceStatus,
    pub created_at: i64,
    pub dropped_off_at: Option<i64>,
    pub picked_up_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct PlaceRecord {
    id: PlaceId,
    site_id: SiteId,
    child_id: ChildId,
    child_name: String,
    guardian_id: PersonId,
    desk_booking_id: Option<BookingId>,
    starts_at: i64,
    ends_at: i64,
    age_group: i64,
    status: String,
    created_at: i64,
    dropped_off_at: Option<i64>,
    picked_up_at: Option<i64>,
}

impl TryFrom<PlaceRecord> for PlaceRow {
    type Error = sqlx::Error;

    fn try_from(r: PlaceRecord) -> sqlx::Result<PlaceRow> {
        let status = r
            .status
            .parse()
            .map_err(|e| corrupt("childcare_bookings", r.id, e))?;
        Ok(PlaceRow {
            id: r.id,
            site_id: r.site_id,
            child_id: r.child_id,
            child_name: r.child_name,
            guardian_id: r.guardian_id,
            desk_booking_id: r.desk_booking_id,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            age_group: r.age_group,
            status,
            created_at: r.created_at,
            dropped_off_at: r.dropped_off_at,
            picked_up_at: r.picked_up_at,
        })
    }
}

fn places_of(rows: Vec<PlaceRecord>) -> sqlx::Result<Vec<PlaceRow>> {
    rows.into_iter().map(PlaceRow::try_from).collect()
}

const PLACE: &str = "SELECT p.id, p.site_id, p.child_id, c.name AS child_name, p.guardian_id,
    p.desk_booking_id, p.starts_at, p.ends_at, p.age_group, p.status, p.created_at,
    p.dropped_off_at, p.picked_up_at
  FROM childcare_bookings p JOIN children c ON c.id = p.child_id";

/// A site's places starting in [from, to) (bookings never span days), any status.
pub async fn places(db: &Db, site_id: SiteId, from: i64, to: i64) -> sqlx::Result<Vec<PlaceRow>> {
    places_of(
        sqlx::query_as(&format!(
            "{PLACE} WHERE p.site_id = $1 AND p.starts_at >= $2 AND p.starts_at < $3 ORDER BY p.starts_at, p.id"
        ))
        .bind(site_id)
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool)
        .await?,
    )
}

/// Places holding capacity (booked, or with the child in the room) that overlap [from, to),
/// inside a transaction.
pub async fn holding(
    tx: &mut Tx,
    site_id: SiteId,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<PlaceRow>> {
    places_of(
        sqlx::query_as(&format!(
            "{PLACE} WHERE p.site_id = $1 AND p.starts_at < $3 AND p.ends_at > $2 AND p.starts_at >= $2 - 86400
               AND p.status IN ('booked', 'dropped_off') ORDER BY p.starts_at, p.id"
        ))
        .bind(site_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut **tx)
        .await?,
    )
}

/// One place.
pub async fn place<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: PlaceId,
) -> sqlx::Result<Option<PlaceRow>> {
    let row: Option<PlaceRecord> = sqlx::query_as(&format!("{PLACE} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.map(PlaceRow::try_from).transpose()
}

/// The places of a guardian's children ending after `since`, by start.
pub async fn places_of_guardian(
    db: &Db,
    guardian: PersonId,
    since: i64,
) -> sqlx::Result<Vec<PlaceRow>> {
    places_of(
        sqlx::query_as(&format!(
            "{PLACE} JOIN child_guardians g ON g.child_id = p.child_id
             WHERE g.person_id = $1 AND p.ends_at > $2 ORDER BY p.starts_at, p.id"
        ))
        .bind(guardian)
        .bind(since)
        .fetch_all(&db.pool)
        .await?,
    )
}

/// Ids of a child's places (booked, waitlisted or in the room) overlapping [from, to).
pub async fn child_place_ids(
    tx: &mut Tx,
    child_id: ChildId,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<PlaceId>> {
    sqlx::query_scalar(
        "SELECT id FROM childcare_bookings WHERE child_id = $1 AND starts_at < $3 AND ends_at > $2
           AND status IN ('booked', 'dropped_off', 'waitlisted')",
    )
    .bind(child_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await
}

/// Waitlisted places of a site, first come first served.
pub async fn waitlist(tx: &mut Tx, site_id: SiteId) -> sqlx::Result<Vec<PlaceRow>> {
    places_of(
        sqlx::query_as(&format!(
            "{PLACE} WHERE p.site_id = $1 AND p.status = 'waitlisted' ORDER BY p.created_at, p.id"
        ))
        .bind(site_id)
        .fetch_all(&mut **tx)
        .await?,
    )
}

/// The guardian's earliest live booking at the site covering [from, to), if any.
pub async fn covering_booking(
    tx: &mut Tx,
    guardian: PersonId,
    site_id: SiteId,
    from: i64,
    to: i64,
) -> sqlx::Result<Option<BookingId>> {
    sqlx::query_scalar(
        "SELECT id FROM bookings WHERE person_id = $1 AND site_id = $2 AND starts_at <= $3
           AND ends_at >= $4 AND status IN ('active', 'checked_in') ORDER BY starts_at LIMIT 1",
    )
    .bind(guardian)
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_optional(&mut **tx)
    .await
}

/// Where a waitlisted place stands in its site's line (1: next).
pub async fn waitlist_position(db: &Db, p: &PlaceRow) -> sqlx::Result<i64> {
    let ahead: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM childcare_bookings WHERE site_id = $1 AND status = 'waitlisted'
           AND (created_at < $2 OR (created_at = $2 AND id < $3))",
    )
    .bind(p.site_id)
    .bind(p.created_at)
    .bind(p.id)
    .fetch_one(&db.pool)
    .await?;
    Ok(ahead + 1)
}

/// A place to write.
pub struct NewPlace {
    pub site_id: SiteId,
    pub child_id: ChildId,
    pub guardian_id: PersonId,
    pub desk_booking_id: Option<BookingId>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub age_group: i64,
    pub status: PlaceStatus,
    pub now: i64,
}

/// Inserts a place; answers its id.
pub async fn insert_place(tx: &mut Tx, p: &NewPlace) -> sqlx::Result<PlaceId> {
    sqlx::query_scalar(
        "INSERT INTO childcare_bookings (site_id, child_id, guardian_id, desk_booking_id, starts_at,
             ends_at, age_group, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(p.site_id)
    .bind(p.child_id)
    .bind(p.guardian_id)
    .bind(p.desk_booking_id)
    .bind(p.starts_at)
    .bind(p.ends_at)
    .bind(p.age_group)
    .bind(p.status.as_str())
    .bind(p.now)
    .fetch_one(&mut **tx)
    .await
}

/// Moves a place from one status to another (only if it is still in `from`), stamping the
/// moment of the new status; whether it did.
pub async fn transition(
    tx: &mut Tx,
    id: PlaceId,
    from: PlaceStatus,
    to: PlaceStatus,
    now: i64,
) -> sqlx::Result<bool> {
    let stamp = match to {
        PlaceStatus::Booked => ", promoted_at = $1",
        PlaceStatus::Cancelled => ", cancelled_at = $1",
        PlaceStatus::DroppedOff => ", dropped_off_at = $1",
        PlaceStatus::PickedUp => ", picked_up_at = $1",
        PlaceStatus::Waitlisted => "",
    };
    let r = sqlx::query(&format!(
        "UPDATE childcare_bookings SET status = $2{stamp} WHERE id = $3 AND status = $4 AND $1 = $1"
    ))
    .bind(now)
    .bind(to.as_str())
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Records the caregiver who received a child.
pub async fn record_dropoff(tx: &mut Tx, id: PlaceId, caregiver: PersonId) -> sqlx::Result<()> {
    sqlx::query("UPDATE childcare_bookings SET dropoff_caregiver_id = $1 WHERE id = $2")
        .bind(caregiver)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether the person has a caregiver shift at the site within `[from, to)` (a local day).
pub async fn on_duty(
    db: &Db,
    site: SiteId,
    person: PersonId,
    (from, to): (i64, i64),
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM caregiver_shifts
         WHERE site_id = $1 AND person_id = $2 AND starts_at < $4 AND ends_at > $3",
    )
    .bind(site)
    .bind(person)
    .bind(from)
    .bind(to)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Records the caregiver who handed a child over, and to whom.
pub async fn record_pickup(
    tx: &mut Tx,
    id: PlaceId,
    caregiver: PersonId,
    by: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE childcare_bookings SET pickup_caregiver_id = $1, pickup_by = $2 WHERE id = $3",
    )
    .bind(caregiver)
    .bind(by)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Live places tied to a desk booking, in id order (the order every writer updates them in).
pub async fn places_of_booking<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    booking_id: i64,
) -> sqlx::Result<Vec<PlaceId>> {
    sqlx::query_scalar(
        "SELECT id FROM childcare_bookings WHERE desk_booking_id = $1 AND status IN ('booked', 'waitlisted')
         ORDER BY id",
    )
    .bind(booking_id)
    .fetch_all(ex)
    .await
}

/// Places tied to a desk booking that a move concerns (booked, waitlisted, or with the child
/// in the room), in id order, inside a transaction.
pub async fn linked_places(tx: &mut Tx, booking_id: BookingId) -> sqlx::Result<Vec<PlaceRow>> {
    places_of(
        sqlx::query_as(&format!(
            "{PLACE} WHERE p.desk_booking_id = $1 AND p.status IN ('booked', 'waitlisted', 'dropped_off')
             ORDER BY p.id"
        ))
        .bind(booking_id)
        .fetch_all(&mut **tx)
        .await?,
    )
}

/// A child's birth date, inside a transaction.
pub async fn birth_date(tx: &mut Tx, child_id: ChildId) -> sqlx::Result<NaiveDate> {
    let raw: String = sqlx::query_scalar("SELECT birth_date FROM children WHERE id = $1")
        .bind(child_id)
        .fetch_one(&mut **tx)
        .await?;
    raw.parse()
        .map_err(|e| corrupt("children", child_id, format!("birth_date: {e}")))
}

/// Gives a place new times and the age group of its new day.
pub async fn move_place(
    tx: &mut Tx,
    id: PlaceId,
    (from, to): (i64, i64),
    age_group: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE childcare_bookings SET starts_at = $1, ends_at = $2, age_group = $3 WHERE id = $4",
    )
    .bind(from)
    .bind(to)
    .bind(age_group)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A pick-up attempt, allowed or not.
pub struct PickupAttempt<'a> {
    pub place_id: PlaceId,
    pub caregiver: PersonId,
    pub presented: &'a str,
    pub allowed: bool,
    pub at: i64,
}

/// Logs a pick-up attempt.
pub async fn log_pickup<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    a: &PickupAttempt<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pickup_attempts (childcare_booking_id, caregiver_id, presented, allowed, at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.place_id)
    .bind(a.caregiver)
    .bind(a.presented)
    .bind(i64::from(a.allowed))
    .bind(a.at)
    .execute(ex)
    .await?;
    Ok(())
}

/// A refused pick-up attempt: the place, who presented themself, when.
#[derive(sqlx::FromRow)]
pub struct RefusedPickup {
    pub place_id: PlaceId,
    pub presented: String,
    pub at: i64,
}

/// Refused pick-up attempts for places of a site starting in [from, to).
pub async fn refused_pickups(
    db: &Db,
    site_id: SiteId,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<RefusedPickup>> {
    sqlx::query_as(
        "SELECT a.childcare_booking_id AS place_id, a.presented, a.at FROM pickup_attempts a
         JOIN childcare_bookings p ON p.id = a.childcare_booking_id
         WHERE p.site_id = $1 AND p.starts_at >= $2 AND p.starts_at < $3 AND a.allowed = 0 ORDER BY a.at",
    )
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}

/// The children of a guardian who are in a site's childcare room now (for the kiosk's
/// check-out rule).
pub async fn children_in_room(
    db: &Db,
    guardian_id: i64,
    site_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT c.id, c.name FROM childcare_bookings p JOIN children c ON c.id = p.child_id
         JOIN child_guardians g ON g.child_id = c.id
         WHERE g.person_id = $1 AND p.site_id = $2 AND p.status = 'dropped_off' ORDER BY c.id",
    )
    .bind(guardian_id)
    .bind(site_id)
    .fetch_all(&db.pool)
    .await
}

/// Asks the caregivers to receive the person's children booked at the site now; answers
/// their names.
pub async fn request_dropoffs(
    tx: &mut Tx,
    person_id: i64,
    site_id: i64,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let children: Vec<ChildId> = sqlx::query_scalar(
        "UPDATE childcare_bookings SET dropoff_requested_at = $1
         WHERE site_id = $2 AND status = 'booked' AND starts_at - $4 <= $1 AND ends_at > $1
           AND child_id IN (SELECT child_id FROM child_guardians WHERE person_id = $3)
         RETURNING child_id",
    )
    .bind(now)
    .bind(site_id)
    .bind(person_id)
    .bind(super::rules::DROPOFF_EARLY_SECS)
    .fetch_all(&mut **tx)
    .await?;
    let mut names = Vec::new();
    for child in children {
        let name: String = sqlx::query_scalar("SELECT name FROM children WHERE id = $1")
            .bind(child)
            .fetch_one(&mut **tx)
            .await?;
        names.push(name);
    }
    Ok(names)
}
