//! SQL for children, authorised persons, caregiver shifts, places and hand-overs.

use super::rules::{AgeBasis, Standard};
use crate::db::{Db, Tx};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A site's childcare settings (defaults when none were saved).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub standard: Standard,
    /// Whether a place must lie within the guardian's own booking at the site.
    pub within_booking: bool,
    /// Whether a place may stay when its desk booking is cancelled.
    pub keep_on_desk_cancel: bool,
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
    let row = sqlx::query("SELECT * FROM childcare_settings WHERE site_id = $1")
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
    };
    if let Some(r) = row {
        let n = |c: &str| r.get::<i64, _>(c).clamp(1, 1000) as u32;
        s.standard.ratios = [
            n("ratio_under1"),
            n("ratio_age1_2"),
            n("ratio_age3"),
            n("ratio_age4_plus"),
        ];
        s.standard.min_staff = n("min_staff");
        s.standard.basis = if r.get::<String, _>("age_basis") == "class" {
            AgeBasis::Class
        } else {
            AgeBasis::Age
        };
        s.within_booking = r.get::<i64, _>("within_booking") != 0;
        s.keep_on_desk_cancel = r.get::<i64, _>("keep_on_desk_cancel") != 0;
    }
    Ok(Some(s))
}

/// Saves a site's childcare settings.
pub async fn put_settings(db: &Db, site_id: i64, s: &Settings) -> sqlx::Result<()> {
    let r = s.standard.ratios;
    sqlx::query(
        "INSERT INTO childcare_settings (site_id, ratio_under1, ratio_age1_2, ratio_age3, ratio_age4_plus,
             min_staff, age_basis, within_booking, keep_on_desk_cancel)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (site_id) DO UPDATE SET ratio_under1 = excluded.ratio_under1,
             ratio_age1_2 = excluded.ratio_age1_2, ratio_age3 = excluded.ratio_age3,
             ratio_age4_plus = excluded.ratio_age4_plus, min_staff = excluded.min_staff,
             age_basis = excluded.age_basis, within_booking = excluded.within_booking,
             keep_on_desk_cancel = excluded.keep_on_desk_cancel",
    )
    .bind(site_id)
    .bind(r[0] as i64)
    .bind(r[1] as i64)
    .bind(r[2] as i64)
    .bind(r[3] as i64)
    .bind(s.standard.min_staff as i64)
    .bind(if s.standard.basis == AgeBasis::Class { "class" } else { "age" })
    .bind(i64::from(s.within_booking))
    .bind(i64::from(s.keep_on_desk_cancel))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A child as stored.
#[derive(Clone, Debug)]
pub struct ChildRow {
    pub id: i64,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub allergies: String,
    pub medical_notes: String,
    pub active: bool,
    pub guardian_ids: Vec<i64>,
}

async fn guardians(db: &Db, child_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT person_id FROM child_guardians WHERE child_id = $1 ORDER BY person_id",
    )
    .bind(child_id)
    .fetch_all(&db.pool)
    .await
}

fn child_row(r: &AnyRow) -> ChildRow {
    ChildRow {
        id: r.get("id"),
        name: r.get("name"),
        name_kana: r.get("name_kana"),
        birth_date: r.get("birth_date"),
        allergies: r.get("allergies"),
        medical_notes: r.get("medical_notes"),
        active: r.get::<i64, _>("active") != 0,
        guardian_ids: Vec::new(),
    }
}

/// One child, with their guardians.
pub async fn child(db: &Db, id: i64) -> sqlx::Result<Option<ChildRow>> {
    let row = sqlx::query("SELECT * FROM children WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut c = child_row(&row);
    c.guardian_ids = guardians(db, id).await?;
    Ok(Some(c))
}

/// The children a person is guardian of.
pub async fn children_of(db: &Db, person_id: i64) -> sqlx::Result<Vec<ChildRow>> {
    let rows = sqlx::query(
        "SELECT c.* FROM children c JOIN child_guardians g ON g.child_id = c.id
         WHERE g.person_id = $1 ORDER BY c.birth_date, c.id",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let mut c = child_row(r);
        c.guardian_ids = guardians(db, c.id).await?;
        out.push(c);
    }
    Ok(out)
}

/// Inserts or updates a child (id 0 inserts, with `guardian` as its first guardian).
pub async fn save_child(db: &Db, c: &ChildRow, guardian: i64, now: i64) -> sqlx::Result<i64> {
    let mut tx = db.begin().await?;
    let id = if c.id == 0 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO children (name, name_kana, birth_date, allergies, medical_notes, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&c.name)
        .bind(&c.name_kana)
        .bind(&c.birth_date)
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
        id
    } else {
        sqlx::query(
            "UPDATE children SET name = $1, name_kana = $2, birth_date = $3, allergies = $4,
                 medical_notes = $5, active = $6 WHERE id = $7",
        )
        .bind(&c.name)
        .bind(&c.name_kana)
        .bind(&c.birth_date)
        .bind(&c.allergies)
        .bind(&c.medical_notes)
        .bind(i64::from(c.active))
        .bind(c.id)
        .execute(&mut *tx)
        .await?;
        c.id
    };
    tx.commit().await?;
    Ok(id)
}

/// Whether a site's staff may see a child: the child has a place there, past or booked.
pub async fn child_known_at(db: &Db, child_id: i64, site_id: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM childcare_bookings WHERE child_id = $1 AND site_id = $2",
    )
    .bind(child_id)
    .bind(site_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The sites where a child has had or has a place.
pub async fn sites_of_child(db: &Db, child_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT DISTINCT site_id FROM childcare_bookings WHERE child_id = $1")
        .bind(child_id)
        .fetch_all(&db.pool)
        .await
}

/// An adult a guardian allows to collect a child.
#[derive(Clone, Debug)]
pub struct AuthorisedRow {
    pub id: i64,
    pub child_id: i64,
    pub name: String,
    pub relation: String,
    pub phone: String,
    pub pickup_code_hash: String,
    pub active: bool,
}

fn authorised_row(r: &AnyRow) -> AuthorisedRow {
    AuthorisedRow {
        id: r.get("id"),
        child_id: r.get("child_id"),
        name: r.get("name"),
        relation: r.get("relation"),
        phone: r.get("phone"),
        pickup_code_hash: r.get("pickup_code_hash"),
        active: r.get::<i64, _>("active") != 0,
    }
}

/// A child's authorised persons.
pub async fn authorised_of(db: &Db, child_id: i64) -> sqlx::Result<Vec<AuthorisedRow>> {
    let rows = sqlx::query("SELECT * FROM authorised_persons WHERE child_id = $1 ORDER BY id")
        .bind(child_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(authorised_row).collect())
}

/// One authorised person.
pub async fn authorised(db: &Db, id: i64) -> sqlx::Result<Option<AuthorisedRow>> {
    let row = sqlx::query("SELECT * FROM authorised_persons WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(authorised_row))
}

/// Adds an authorised person; answers the id.
pub async fn insert_authorised(db: &Db, a: &AuthorisedRow, now: i64) -> sqlx::Result<i64> {
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
pub async fn set_authorised_active(db: &Db, id: i64, active: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE authorised_persons SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A caregiver shift.
#[derive(Clone, Debug)]
pub struct ShiftRow {
    pub id: i64,
    pub site_id: i64,
    pub person_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
}

fn shift_row(r: &AnyRow) -> ShiftRow {
    ShiftRow {
        id: r.get("id"),
        site_id: r.get("site_id"),
        person_id: r.get("person_id"),
        starts_at: r.get("starts_at"),
        ends_at: r.get("ends_at"),
    }
}

/// Shifts of a site overlapping [from, to).
pub async fn shifts(tx: &mut Tx, site_id: i64, from: i64, to: i64) -> sqlx::Result<Vec<ShiftRow>> {
    let rows = sqlx::query(
        "SELECT * FROM caregiver_shifts WHERE site_id = $1 AND starts_at < $3 AND ends_at > $2
           AND starts_at >= $2 - 86400 ORDER BY starts_at, id",
    )
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.iter().map(shift_row).collect())
}

/// One shift.
pub async fn shift(db: &Db, id: i64) -> sqlx::Result<Option<ShiftRow>> {
    let row = sqlx::query("SELECT * FROM caregiver_shifts WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(shift_row))
}

/// Inserts (id 0), moves, or (`delete`) removes a shift; answers its id.
pub async fn save_shift(tx: &mut Tx, s: &ShiftRow, by: i64, delete: bool) -> sqlx::Result<i64> {
    if delete {
        sqlx::query("DELETE FROM caregiver_shifts WHERE id = $1")
            .bind(s.id)
            .execute(&mut **tx)
            .await?;
        Ok(s.id)
    } else if s.id == 0 {
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
    } else {
        sqlx::query(
            "UPDATE caregiver_shifts SET person_id = $1, starts_at = $2, ends_at = $3 WHERE id = $4",
        )
        .bind(s.person_id)
        .bind(s.starts_at)
        .bind(s.ends_at)
        .bind(s.id)
            .execute(&mut **tx)
            .await
            .map(|_| s.id)
    }
}

/// A childcare place as stored, with the child's name.
#[derive(Clone, Debug)]
pub struct PlaceRow {
    pub id: i64,
    pub site_id: i64,
    pub child_id: i64,
    pub child_name: String,
    pub guardian_id: i64,
    pub desk_booking_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub age_group: i64,
    pub status: String,
    pub created_at: i64,
    pub dropped_off_at: Option<i64>,
    pub picked_up_at: Option<i64>,
    pub pickup_by: Option<String>,
}

fn place_row(r: &AnyRow) -> PlaceRow {
    PlaceRow {
        id: r.get("id"),
        site_id: r.get("site_id"),
        child_id: r.get("child_id"),
        child_name: r.get("child_name"),
        guardian_id: r.get("guardian_id"),
        desk_booking_id: r.get("desk_booking_id"),
        starts_at: r.get("starts_at"),
        ends_at: r.get("ends_at"),
        age_group: r.get("age_group"),
        status: r.get("status"),
        created_at: r.get("created_at"),
        dropped_off_at: r.get("dropped_off_at"),
        picked_up_at: r.get("picked_up_at"),
        pickup_by: r.get("pickup_by"),
    }
}

const PLACE: &str = "SELECT p.*, c.name AS child_name FROM childcare_bookings p JOIN children c ON c.id = p.child_id";

/// Places holding capacity: booked or with the child in the room.
pub const HOLDING: &str = "('booked', 'dropped_off')";

/// A site's places starting in [from, to) (bookings never span days), any status.
pub async fn places(db: &Db, site_id: i64, from: i64, to: i64) -> sqlx::Result<Vec<PlaceRow>> {
    let rows = sqlx::query(&format!(
        "{PLACE} WHERE p.site_id = $1 AND p.starts_at >= $2 AND p.starts_at < $3 ORDER BY p.starts_at, p.id"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(place_row).collect())
}

/// Places holding capacity that overlap [from, to), inside a transaction.
pub async fn holding(tx: &mut Tx, site_id: i64, from: i64, to: i64) -> sqlx::Result<Vec<PlaceRow>> {
    let rows = sqlx::query(&format!(
        "{PLACE} WHERE p.site_id = $1 AND p.starts_at < $3 AND p.ends_at > $2 AND p.starts_at >= $2 - 86400
           AND p.status IN {HOLDING} ORDER BY p.starts_at, p.id"
    ))
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.iter().map(place_row).collect())
}

/// One place.
pub async fn place(db: &Db, id: i64) -> sqlx::Result<Option<PlaceRow>> {
    let row = sqlx::query(&format!("{PLACE} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(place_row))
}

/// Places of a child (booked, waitlisted or in the room) overlapping [from, to).
pub async fn child_places(tx: &mut Tx, child_id: i64, from: i64, to: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM childcare_bookings WHERE child_id = $1 AND starts_at < $3 AND ends_at > $2
           AND status IN ('booked', 'dropped_off', 'waitlisted')",
    )
    .bind(child_id)
    .bind(from)
    .bind(to)
    .fetch_one(&mut **tx)
    .await
}

/// Waitlisted places of a site, first come first served.
pub async fn waitlist(tx: &mut Tx, site_id: i64) -> sqlx::Result<Vec<PlaceRow>> {
    let rows = sqlx::query(&format!(
        "{PLACE} WHERE p.site_id = $1 AND p.status = 'waitlisted' ORDER BY p.created_at, p.id"
    ))
    .bind(site_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.iter().map(place_row).collect())
}

/// Whether a guardian holds a live booking at the site covering [from, to).
pub async fn guardian_booked(
    tx: &mut Tx,
    guardian: i64,
    site_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings WHERE person_id = $1 AND site_id = $2 AND starts_at <= $3
           AND ends_at >= $4 AND status IN ('active', 'checked_in')",
    )
    .bind(guardian)
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
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
    pub site_id: i64,
    pub child_id: i64,
    pub guardian_id: i64,
    pub desk_booking_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub age_group: i64,
    pub status: &'static str,
    pub now: i64,
}

/// Inserts a place; answers its id.
pub async fn insert_place(tx: &mut Tx, p: &NewPlace) -> sqlx::Result<i64> {
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
    .bind(p.status)
    .bind(p.now)
    .fetch_one(&mut **tx)
    .await
}

/// Moves a place from one status to another (only if it is still in `from`); whether it did.
pub async fn transition(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    column: Option<&str>,
    now: i64,
) -> sqlx::Result<bool> {
    let set = match column {
        Some(c) => format!(", {c} = $1"),
        None => String::new(),
    };
    let r = sqlx::query(&format!(
        "UPDATE childcare_bookings SET status = $2{set} WHERE id = $3 AND status = $4 AND $1 = $1"
    ))
    .bind(now)
    .bind(to)
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Records who dropped off or collected a child.
pub async fn record_handover(
    tx: &mut Tx,
    id: i64,
    caregiver_column: &str,
    caregiver: i64,
    pickup_by: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "UPDATE childcare_bookings SET {caregiver_column} = $1, pickup_by = COALESCE($2, pickup_by) WHERE id = $3"
    ))
    .bind(caregiver)
    .bind(pickup_by)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Live places tied to a desk booking, in id order (the order every writer updates them in).
pub async fn places_of_booking<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    booking_id: i64,
) -> sqlx::Result<Vec<i64>> {
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
pub async fn linked_places(tx: &mut Tx, booking_id: i64) -> sqlx::Result<Vec<PlaceRow>> {
    let rows = sqlx::query(&format!(
        "{PLACE} WHERE p.desk_booking_id = $1 AND p.status IN ('booked', 'waitlisted', 'dropped_off')
         ORDER BY p.id"
    ))
    .bind(booking_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.iter().map(place_row).collect())
}

/// A child's birth date, inside a transaction.
pub async fn birth_date(tx: &mut Tx, child_id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT birth_date FROM children WHERE id = $1")
        .bind(child_id)
        .fetch_one(&mut **tx)
        .await
}

/// Ids of a child's places (booked, waitlisted or in the room) overlapping [from, to).
pub async fn child_place_ids(
    tx: &mut Tx,
    child_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<i64>> {
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

/// Gives a place new times and the age group of its new day.
pub async fn move_place(
    tx: &mut Tx,
    id: i64,
    from: i64,
    to: i64,
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

/// Logs a pick-up attempt.
pub async fn log_pickup(
    db: &Db,
    place_id: i64,
    caregiver: i64,
    presented: &str,
    allowed: bool,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pickup_attempts (childcare_booking_id, caregiver_id, presented, allowed, at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(place_id)
    .bind(caregiver)
    .bind(presented)
    .bind(i64::from(allowed))
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Refused pick-up attempts for places of a site starting in [from, to): (place, who, when).
pub async fn refused_pickups(
    db: &Db,
    site_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<(i64, String, i64)>> {
    let rows = sqlx::query(
        "SELECT a.childcare_booking_id, a.presented, a.at FROM pickup_attempts a
         JOIN childcare_bookings p ON p.id = a.childcare_booking_id
         WHERE p.site_id = $1 AND p.starts_at >= $2 AND p.starts_at < $3 AND a.allowed = 0 ORDER BY a.at",
    )
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get("childcare_booking_id"),
                r.get("presented"),
                r.get("at"),
            )
        })
        .collect())
}

/// The children of a guardian who are in a site's childcare room now (for the kiosk's
/// check-out rule).
pub async fn children_in_room(
    db: &Db,
    guardian_id: i64,
    site_id: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT c.id, c.name FROM childcare_bookings p JOIN children c ON c.id = p.child_id
         JOIN child_guardians g ON g.child_id = c.id
         WHERE g.person_id = $1 AND p.site_id = $2 AND p.status = 'dropped_off' ORDER BY c.id",
    )
    .bind(guardian_id)
    .bind(site_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(|r| (r.get("id"), r.get("name"))).collect())
}

/// Asks the caregivers to receive the person's children booked at the site now; answers
/// their names.
pub async fn request_dropoffs(
    tx: &mut Tx,
    person_id: i64,
    site_id: i64,
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query(
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
    for r in rows {
        let name: String = sqlx::query_scalar("SELECT name FROM children WHERE id = $1")
            .bind(r.get::<i64, _>("child_id"))
            .fetch_one(&mut **tx)
            .await?;
        names.push(name);
    }
    Ok(names)
}
