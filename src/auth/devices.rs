//! Kiosk device tokens: which paired, unrevoked device a bearer token belongs to (the
//! [`super::KioskDevice`] extractor). Registering and pairing devices is the kiosk area's.

use super::{KioskDevice, KioskToken};
use crate::AppState;
use crate::db::Db;
use crate::error_codes;
use crate::ids::{DeviceId, SiteId};

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

/// The kiosks whose "last seen" write this instance started, and when. Every scan at a kiosk
/// reads the stored time, and until the first write commits they all find it a minute old:
/// without this each of them wrote it again (on PostgreSQL at the rush's saturation, 1,775
/// writes for 6,000 scans, queued for the row's lock).
#[derive(Debug, Default)]
pub struct SeenWrites(std::sync::Mutex<std::collections::HashMap<DeviceId, i64>>);

impl SeenWrites {
    /// Whether this instance writes the device's time now, given the stored one; if so, no
    /// other scan here does for a minute.
    fn claim(&self, device: DeviceId, stored: Option<i64>, now: i64) -> bool {
        // A time ahead of now (the clock was set back) is due as well.
        let due = |t: Option<i64>| t.is_none_or(|t| now - t >= LAST_SEEN_EVERY_SECS || t > now);
        if !due(stored) {
            return false;
        }
        let mut started = self.started();
        if !due(started.get(&device).copied()) {
            return false;
        }
        started.insert(device, now);
        true
    }

    fn started(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<DeviceId, i64>> {
        // A panic elsewhere while the map was held leaves it usable: it only spares writes.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Gives a claim back when its write failed, so that the next scan tries again.
    fn release(&self, device: DeviceId) {
        self.started().remove(&device);
    }
}

/// Writes a device's "last seen" time when the stored one is a minute old or more and no
/// scan of this instance is writing it already ([`SeenWrites`]): writing it on every scan
/// would make all scans at one kiosk queue for that row's lock (PostgreSQL) or the write lock
/// (SQLite) in the morning rush. It goes through the writer's queue: a lone statement on the
/// read pool would poll SQLite's busy handler, whose sleeps grow to 100 ms (measured: 100-730
/// ms during the rush). Another instance's write of the same minute changes nothing.
pub async fn seen(
    st: &AppState,
    device: DeviceId,
    last_seen: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    if !st.kiosks_seen.claim(device, last_seen, now) {
        return Ok(());
    }
    let written = write_seen(&st.db, device, now).await;
    if written.is_err() {
        st.kiosks_seen.release(device);
    }
    written
}

async fn write_seen(db: &Db, device: DeviceId, now: i64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE kiosk_devices SET last_seen_at = $1
          WHERE id = $2 AND (COALESCE(last_seen_at, 0) <= $1 - $3 OR last_seen_at > $1)",
    )
    .bind(now)
    .bind(device)
    .bind(LAST_SEEN_EVERY_SECS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[derive(sqlx::FromRow)]
struct DeviceRow {
    id: DeviceId,
    site_id: SiteId,
    name: String,
    last_seen_at: Option<i64>,
    door: i64,
}

/// The device a token belongs to, if it is paired and not revoked.
pub async fn device_for_token(
    st: &AppState,
    token: &KioskToken,
    now: i64,
) -> sqlx::Result<Option<KioskDevice>> {
    let Some(row) = sqlx::query_as::<_, DeviceRow>(
        "SELECT id, site_id, name, last_seen_at, door FROM kiosk_devices
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(&token.hash)
    .fetch_optional(&st.db.pool)
    .await?
    else {
        return Ok(None);
    };
    seen(st, row.id, row.last_seen_at, now).await?;
    Ok(Some(KioskDevice {
        id: row.id,
        site_id: row.site_id,
        name: row.name,
        door: row.door != 0,
    }))
}

/// A registered device as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeviceRecord {
    pub id: i64,
    pub site_id: i64,
    pub name: String,
    pub paired_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
}

/// Registers a device for a site with the hash of its one-time pairing code; answers its id.
pub async fn register(
    db: &Db,
    site_id: i64,
    name: &str,
    code_hash: &str,
    expires: i64,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO kiosk_devices (site_id, name, pairing_code_hash, pairing_expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(site_id)
    .bind(name)
    .bind(code_hash)
    .bind(expires)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

/// A site's devices, by id.
pub async fn of_site(db: &Db, site_id: i64) -> sqlx::Result<Vec<DeviceRecord>> {
    sqlx::query_as(
        "SELECT id, site_id, name, paired_at, revoked_at, created_at, last_seen_at
         FROM kiosk_devices WHERE site_id = $1 ORDER BY id",
    )
    .bind(site_id)
    .fetch_all(&db.pool)
    .await
}

/// The site a device belongs to.
pub async fn site_of(db: &Db, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT site_id FROM kiosk_devices WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Revokes a device: its token stops working at once.
pub async fn revoke(db: &Db, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE kiosk_devices SET revoked_at = $1, pairing_code_hash = NULL
         WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Trades a valid pairing code (by hash) for a token (by hash); answers the device's site.
pub async fn pair(
    db: &Db,
    token_hash: &str,
    code_hash: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE kiosk_devices SET token_hash = $1, paired_at = $2, pairing_code_hash = NULL
         WHERE pairing_code_hash = $3 AND pairing_expires_at > $2 AND revoked_at IS NULL
         RETURNING site_id",
    )
    .bind(token_hash)
    .bind(now)
    .bind(code_hash)
    .fetch_optional(&db.pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kiosk_is_written_once_a_minute_whatever_the_scans_read() {
        let seen = SeenWrites::default();
        let (a, b) = (DeviceId(1), DeviceId(2));
        // Fresh in the database: nobody writes.
        assert!(!seen.claim(a, Some(1_000), 1_030));
        // Stale: the first scan writes, the others reading the same stale time do not.
        assert!(seen.claim(a, Some(1_000), 1_060));
        assert!(!seen.claim(a, Some(1_000), 1_061));
        assert!(!seen.claim(a, None, 1_119));
        // Another kiosk is its own.
        assert!(seen.claim(b, None, 1_061));
        // A minute after this instance's write, a stale read writes again.
        assert!(seen.claim(a, Some(1_000), 1_120));
        // A failed write gives its claim back; a clock set back writes at once.
        seen.release(a);
        assert!(seen.claim(a, Some(1_000), 1_121));
        assert!(seen.claim(b, Some(5_000), 1_130));
    }
}
