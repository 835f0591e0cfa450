//! SQL of the attendance area. Presence sessions are the kiosk's: read here, never written.

use crate::db::Db;
use crate::ids::{PersonId, SiteId};

/// A presence session at the site, as a month reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PresenceRow {
    pub id: i64,
    pub checked_in_at: i64,
    pub checked_out_at: Option<i64>,
    pub auto_closed: i64,
}

/// A person's presence sessions at a site that overlap [from, to), by check-in.
pub async fn presence(
    db: &Db,
    person: PersonId,
    site: SiteId,
    (from, to): (i64, i64),
) -> sqlx::Result<Vec<PresenceRow>> {
    // A session began at most a day before the month (a night across its first midnight).
    sqlx::query_as(
        "SELECT id, checked_in_at, checked_out_at, auto_closed FROM presence_sessions
         WHERE person_id = $1 AND site_id = $2 AND checked_in_at >= $3 AND checked_in_at < $4
           AND (checked_out_at IS NULL OR checked_out_at > $5)
         ORDER BY checked_in_at, id",
    )
    .bind(person)
    .bind(site)
    .bind(from - 86_400)
    .bind(to)
    .bind(from)
    .fetch_all(&db.pool)
    .await
}

/// The month's stored status, if its timesheet exists yet.
pub async fn status(
    db: &Db,
    person: PersonId,
    site: SiteId,
    month: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT status FROM timesheets WHERE person_id = $1 AND site_id = $2 AND month = $3",
    )
    .bind(person)
    .bind(site)
    .bind(month)
    .fetch_optional(&db.pool)
    .await
}
