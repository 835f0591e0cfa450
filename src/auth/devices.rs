//! Kiosk device tokens: which paired, unrevoked device a bearer token belongs to (the
//! [`super::KioskDevice`] extractor). Registering and pairing devices is the kiosk area's.

use super::{KioskDevice, password};
use crate::db::Db;
use crate::error_codes;

error_codes! {
    /// Why a kiosk request is refused before it reaches the kiosk area.
    pub enum DeviceError {
        Unpaired = (UNAUTHORIZED, "kiosk.unpaired", "この端末は登録されていないか、登録が取り消されています。", "This device is not paired, or its pairing was revoked."),
    }
}

/// The answer to a request without a valid device token.
pub fn unpaired() -> crate::error::ApiError {
    DeviceError::Unpaired.into()
}

/// How often a kiosk's "last seen" time is written.
const LAST_SEEN_EVERY_SECS: i64 = 60;

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: i64,
    site_id: i64,
    name: String,
    last_seen_at: Option<i64>,
}

/// The device a token belongs to, if it is paired and not revoked.
pub async fn device_for_token(db: &Db, token: &str, now: i64) -> sqlx::Result<Option<KioskDevice>> {
    let Some(row) = sqlx::query_as::<_, DeviceRow>(
        "SELECT id, site_id, name, last_seen_at FROM kiosk_devices
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(password::token_hash(token))
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    // "Last seen" to the minute: writing it on every scan would make all scans at one kiosk
    // queue for that row's lock (PostgreSQL) or the write lock (SQLite) in the morning rush.
    if row
        .last_seen_at
        .is_none_or(|s| now - s >= LAST_SEEN_EVERY_SECS)
    {
        sqlx::query("UPDATE kiosk_devices SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(row.id)
            .execute(&db.pool)
            .await?;
    }
    Ok(Some(KioskDevice {
        id: row.id,
        site_id: row.site_id,
        name: row.name,
    }))
}
