//! The outbox table: messages are written with the change that causes them and claimed by
//! one sender at a time.

use super::{Attachment, Email};
use crate::db::{Backend, Db, Tx};
use sqlx::Row;
use sqlx::any::AnyRow;

/// How long a claimed message is reserved for its sender.
pub const CLAIM_SECS: i64 = 120;
/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// Writes a message to the outbox inside the caller's transaction; answers its id.
pub async fn enqueue(
    tx: &mut Tx,
    site_id: Option<i64>,
    kind: &str,
    email: &Email,
    host: &str,
    now: i64,
) -> sqlx::Result<i64> {
    // The Message-ID is fixed here, so every attempt sends the same one and a receiver can
    // tell a repeat.
    let message_id = format!(
        "<{}.{}@{host}>",
        kind.replace('_', "-"),
        crate::auth::password::new_token()
    );
    sqlx::query_scalar(
        "INSERT INTO outbox (message_id, site_id, kind, to_email, to_name, subject, body_text, body_html,
             attachments, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(message_id)
    .bind(site_id)
    .bind(kind)
    .bind(&email.to_email)
    .bind(&email.to_name)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(serde_json::to_string(&email.attachments).unwrap_or_else(|_| "[]".into()))
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// A message as the sender sees it.
#[derive(Clone, Debug)]
pub struct Queued {
    pub id: i64,
    pub message_id: String,
    pub email: Email,
    pub attempts: i64,
}

fn queued(r: &AnyRow) -> Queued {
    Queued {
        id: r.get("id"),
        message_id: r.get("message_id"),
        attempts: r.get("attempts"),
        email: Email {
            to_email: r.get("to_email"),
            to_name: r.get("to_name"),
            subject: r.get("subject"),
            text: r.get("body_text"),
            html: r.get("body_html"),
            attachments: serde_json::from_str::<Vec<Attachment>>(r.get("attachments"))
                .unwrap_or_default(),
        },
    }
}

/// Claims up to `limit` due messages for this sender. On PostgreSQL, `SKIP LOCKED` lets
/// several instances claim side by side without ever taking the same message; SQLite's
/// single writer gives the same guarantee.
pub async fn claim(db: &Db, now: i64, limit: i64) -> sqlx::Result<Vec<Queued>> {
    let lock = match db.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&format!(
        "UPDATE outbox SET claimed_until = $2 WHERE id IN (
             SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
               AND (claimed_until IS NULL OR claimed_until < $1)
             ORDER BY id LIMIT $3 {lock})
         RETURNING *"
    ))
    .bind(now)
    .bind(now + CLAIM_SECS)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut out: Vec<Queued> = rows.iter().map(queued).collect();
    out.sort_by_key(|q| q.id);
    Ok(out)
}

/// Marks a message sent.
pub async fn sent(db: &Db, id: i64, now: i64) -> sqlx::Result<()> {
    // Every write goes through a write transaction: on SQLite that queues it behind the
    // other writers instead of polling for the file lock.
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Gives a claimed message back untried.
pub async fn release(db: &Db, id: i64) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE outbox SET claimed_until = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Seconds to wait before attempt `n` (1-based): 30 s doubling, at most an hour.
pub fn backoff(n: i64) -> i64 {
    (30i64 << (n - 1).clamp(0, 7)).min(3600)
}

/// Records a failed attempt: try again later, or give up after the last attempt (or at once
/// when the failure is permanent, such as a refused address).
pub async fn failed(
    db: &Db,
    q: &Queued,
    error: &str,
    permanent: bool,
    now: i64,
) -> sqlx::Result<()> {
    let attempts = q.attempts + 1;
    let give_up = permanent || attempts >= MAX_ATTEMPTS;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE outbox SET attempts = $1, status = $2, next_attempt_at = $3, last_error = $4, claimed_until = NULL
         WHERE id = $5",
    )
    .bind(attempts)
    .bind(if give_up { "failed" } else { "pending" })
    .bind(now + backoff(attempts))
    .bind(error.chars().take(500).collect::<String>())
    .bind(q.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), 30);
        assert_eq!(backoff(2), 60);
        assert_eq!(backoff(5), 480);
        assert_eq!(backoff(8), 3600);
        assert_eq!(backoff(100), 3600);
    }
}
