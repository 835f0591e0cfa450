//! SQL for kiosk credentials, presence sessions and the scan log.

use crate::db::{Db, Tx};
use sqlx::Row;

/// A person's QR version, card serial and PIN hash.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub qr_version: i64,
    pub card_serial: i64,
    pub pin_hash: Option<String>,
}

/// A person's credentials (the defaults when none were ever changed).
pub async fn credentials(db: &Db, person_id: i64) -> sqlx::Result<Credentials> {
    credentials_in(&db.pool, person_id).await
}

/// A person's credentials, read through a given connection or transaction.
pub async fn credentials_in<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    person_id: i64,
) -> sqlx::Result<Credentials> {
    let row = sqlx::query("SELECT * FROM kiosk_credentials WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(ex)
        .await?;
    Ok(match row {
        Some(r) => Credentials {
            qr_version: r.get("qr_version"),
            card_serial: r.get("card_serial"),
            pin_hash: r.get("pin_hash"),
        },
        None => Credentials {
            qr_version: 1,
            card_serial: 1,
            pin_hash: None,
        },
    })
}

/// Writes a person's credentials row: `insert` holds the values of a first row,
/// `update` what to change in an existing one.
async fn upsert(
    db: &Db,
    person_id: i64,
    insert: (&str, &str),
    update: &str,
    value: Option<String>,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO kiosk_credentials (person_id, {}) VALUES ($1, {})
         ON CONFLICT (person_id) DO UPDATE SET {update}",
        insert.0, insert.1
    ))
    .bind(person_id)
    .bind(value)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Revokes every QR code of the person (phone and card alike).
pub async fn bump_qr_version(db: &Db, person_id: i64) -> sqlx::Result<()> {
    upsert(
        db,
        person_id,
        ("qr_version, pin_hash", "2, $2"),
        "qr_version = kiosk_credentials.qr_version + 1",
        None,
    )
    .await
}

/// Revokes the printed card: the next card gets a new serial.
pub async fn bump_card_serial(db: &Db, person_id: i64) -> sqlx::Result<()> {
    upsert(
        db,
        person_id,
        ("card_serial, pin_hash", "2, $2"),
        "card_serial = kiosk_credentials.card_serial + 1",
        None,
    )
    .await
}

/// Sets (or with None clears) the PIN. The lockout lives in auth's throttle
/// ([`super::pin_key`]); the callers lift it. The old `pin_failures` and `pin_locked_until`
/// columns are no longer read.
pub async fn set_pin(db: &Db, person_id: i64, hash: Option<String>) -> sqlx::Result<()> {
    upsert(
        db,
        person_id,
        ("pin_hash", "$2"),
        "pin_hash = excluded.pin_hash",
        hash,
    )
    .await
}

/// How many minutes back a kiosk of the site may date a scan it kept while offline.
pub async fn offline_minutes(db: &Db, site_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT kiosk_offline_minutes FROM sites WHERE id = $1")
        .bind(site_id)
        .fetch_one(&db.pool)
        .await
}

/// The person with this member number. A kiosk's PIN pad has only digits, so "1" or
/// "0001" also finds "K-0001" when exactly one member number has those digits.
pub async fn person_by_member(db: &Db, member: &str) -> sqlx::Result<Option<i64>> {
    let exact: Option<i64> = sqlx::query_scalar("SELECT id FROM persons WHERE member_number = $1")
        .bind(member)
        .fetch_optional(&db.pool)
        .await?;
    if exact.is_some() || member.is_empty() || !member.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(exact);
    }
    let digits = |s: &str| {
        s.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .trim_start_matches('0')
            .to_string()
    };
    let wanted = digits(member);
    let rows = sqlx::query("SELECT id, member_number FROM persons WHERE member_number LIKE $1")
        .bind(format!("%{wanted}"))
        .fetch_all(&db.pool)
        .await?;
    let found: Vec<i64> = rows
        .iter()
        .filter(|r| digits(&r.get::<String, _>("member_number")) == wanted)
        .map(|r| r.get("id"))
        .collect();
    Ok(match found[..] {
        [one] => Some(one),
        _ => None,
    })
}

/// The person an active IC card belongs to.
pub async fn person_by_card(db: &Db, card_hash: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT person_id FROM ic_cards WHERE card_hash = $1 AND revoked_at IS NULL")
        .bind(card_hash)
        .fetch_optional(&db.pool)
        .await
}

/// A person's name, and whether the account is active.
pub async fn person(db: &Db, id: i64) -> sqlx::Result<Option<(String, bool)>> {
    let row = sqlx::query("SELECT name, active FROM persons WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| (r.get("name"), r.get::<i64, _>("active") != 0)))
}

/// The open presence session of a person at a site: (id, booking).
pub async fn open_session(
    db: &Db,
    person_id: i64,
    site_id: i64,
) -> sqlx::Result<Option<(i64, Option<i64>)>> {
    let row = sqlx::query(
        "SELECT id, booking_id FROM presence_sessions WHERE person_id = $1 AND site_id = $2 AND checked_out_at IS NULL",
    )
    .bind(person_id)
    .bind(site_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| (r.get("id"), r.get("booking_id"))))
}

/// When the person's latest scan at the site that did something happened, from `since` on
/// (it may be later than the scan being decided, when that one was kept offline).
pub async fn last_effective_scan(
    db: &Db,
    person_id: i64,
    site_id: i64,
    since: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(scanned_at) FROM scans WHERE person_id = $1 AND site_id = $2 AND scanned_at >= $3
           AND result IN ('checked_in', 'checked_out')",
    )
    .bind(person_id)
    .bind(site_id)
    .bind(since)
    .fetch_one(&db.pool)
    .await
}

/// Opens a presence session; answers its id.
pub async fn open(
    tx: &mut Tx,
    site_id: i64,
    person_id: i64,
    booking_id: Option<i64>,
    at: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO presence_sessions (site_id, person_id, booking_id, checked_in_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(site_id)
    .bind(person_id)
    .bind(booking_id)
    .bind(at)
    .fetch_one(&mut **tx)
    .await
}

/// Closes a presence session; whether it was open.
pub async fn close(tx: &mut Tx, session: i64, at: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE presence_sessions SET checked_out_at = $1 WHERE id = $2 AND checked_out_at IS NULL",
    )
    .bind(at)
    .bind(session)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Seconds a person spent at a site in sessions that began in [from, to), counting an open
/// one up to `now`.
pub async fn seconds_present(
    db: &Db,
    person_id: i64,
    site_id: i64,
    from: i64,
    to: i64,
    now: i64,
) -> sqlx::Result<i64> {
    let rows = sqlx::query(
        "SELECT checked_in_at, checked_out_at FROM presence_sessions
         WHERE person_id = $1 AND site_id = $2 AND checked_in_at >= $3 AND checked_in_at < $4",
    )
    .bind(person_id)
    .bind(site_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            r.get::<Option<i64>, _>("checked_out_at").unwrap_or(now)
                - r.get::<i64, _>("checked_in_at")
        })
        .sum())
}

/// Logs a scan.
#[allow(clippy::too_many_arguments)]
pub async fn log(
    db: &Db,
    device: i64,
    site: i64,
    person: Option<i64>,
    method: &str,
    result: &str,
    scanned_at: i64,
    received_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO scans (device_id, site_id, person_id, method, result, scanned_at, received_at, delayed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(device)
    .bind(site)
    .bind(person)
    .bind(method)
    .bind(result)
    .bind(scanned_at)
    .bind(received_at)
    .bind(i64::from(received_at - scanned_at > 60))
    .execute(&db.pool)
    .await?;
    Ok(())
}
