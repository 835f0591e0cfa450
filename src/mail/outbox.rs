//! The outbox table: messages are written with the change that causes them and claimed by
//! one sender at a time.

use super::{Attachment, Email};
use crate::db::{Backend, Db, Tx};
use crate::ids::{MailId, SiteId};

/// How long a claimed message is reserved for its sender.
pub const CLAIM_SECS: i64 = 120;
/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// Where a message of the outbox stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Sent,
    /// Given up: a permanent failure, or too many attempts.
    Failed,
}

impl OutboxStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<OutboxStatus> {
        [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Sending again: only a message that was given up.
    pub fn retry(self) -> Result<OutboxStatus, OutboxStatus> {
        match self {
            OutboxStatus::Failed => Ok(OutboxStatus::Pending),
            other => Err(other),
        }
    }
}

/// Writes a message to the outbox inside the caller's transaction; answers its id.
pub async fn enqueue(
    tx: &mut Tx,
    site_id: Option<i64>,
    kind: &str,
    email: &Email,
    host: &str,
    now: i64,
) -> anyhow::Result<MailId> {
    let attachments = serde_json::to_string(&email.attachments)?;
    // The Message-ID is fixed here, so every attempt sends the same one and a receiver can
    // tell a repeat.
    let message_id = format!("<{}.{}@{host}>", kind.replace('_', "-"), unique_part());
    Ok(sqlx::query_scalar(
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
    .bind(attachments)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// The random part of a Message-ID: 128 bits, enough that two messages never share one.
fn unique_part() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A message as the sender sees it.
#[derive(Clone, Debug)]
pub struct Queued {
    pub id: MailId,
    /// Why the stored message cannot be sent as it is (a corrupt row).
    pub problem: Option<String>,
    pub message_id: String,
    pub email: Email,
    pub attempts: i64,
}

/// An outbox row as the sender reads it.
#[derive(sqlx::FromRow)]
struct QueuedRow {
    id: MailId,
    message_id: String,
    attempts: i64,
    to_email: String,
    to_name: String,
    subject: String,
    body_text: String,
    body_html: String,
    attachments: String,
}

impl QueuedRow {
    /// The message; unreadable attachments are its problem, naming the row (the sender marks
    /// it failed rather than send it without them).
    fn queued(self) -> Queued {
        let (attachments, problem) =
            match serde_json::from_str::<Vec<Attachment>>(&self.attachments) {
                Ok(a) => (a, None),
                Err(e) => (
                    Vec::new(),
                    Some(format!(
                        "outbox row {}: unreadable attachments: {e}",
                        self.id
                    )),
                ),
            };
        Queued {
            id: self.id,
            problem,
            message_id: self.message_id,
            attempts: self.attempts,
            email: Email {
                to_email: self.to_email,
                to_name: self.to_name,
                subject: self.subject,
                text: self.body_text,
                html: self.body_html,
                attachments,
            },
        }
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
    let rows: Vec<QueuedRow> = sqlx::query_as(&format!(
        "UPDATE outbox SET claimed_until = $2 WHERE id IN (
             SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
               AND (claimed_until IS NULL OR claimed_until < $1)
             ORDER BY id LIMIT $3 {lock})
         RETURNING id, message_id, attempts, to_email, to_name, subject, body_text, body_html,
             attachments"
    ))
    .bind(now)
    .bind(now + CLAIM_SECS)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut out: Vec<Queued> = rows.into_iter().map(QueuedRow::queued).collect();
    out.sort_by_key(|q| q.id);
    Ok(out)
}

/// Marks a message sent.
pub async fn sent(db: &Db, id: MailId, now: i64) -> sqlx::Result<()> {
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
pub async fn release(db: &Db, id: MailId) -> sqlx::Result<()> {
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
    .bind(if give_up {
        OutboxStatus::Failed
    } else {
        OutboxStatus::Pending
    }
    .as_str())
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

/// A message in the outbox, as the operator pages list it.
#[derive(serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
#[schema(as = OutboxEntry)]
pub struct Entry {
    #[schema(value_type = i64)]
    id: MailId,
    #[schema(value_type = Option<i64>)]
    site_id: Option<SiteId>,
    kind: String,
    to_email: String,
    subject: String,
    /// pending, sent or failed.
    status: String,
    attempts: i64,
    last_error: Option<String>,
    /// Epoch seconds.
    created_at: i64,
    sent_at: Option<i64>,
}

/// The latest 200 messages, of one site and in one status when given.
pub async fn latest(
    db: &Db,
    site_id: Option<SiteId>,
    status: Option<&str>,
) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT id, site_id, kind, to_email, subject, status, attempts, last_error, created_at, sent_at FROM outbox
         WHERE ($1 IS NULL OR site_id = $1) AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT 200",
    )
    .bind(site_id)
    .bind(status)
    .fetch_all(&db.pool)
    .await
}

/// A message's site and status; an unknown stored status is an error naming the row.
pub async fn site_and_status(
    db: &Db,
    id: MailId,
) -> anyhow::Result<Option<(Option<SiteId>, OutboxStatus)>> {
    let row: Option<(Option<SiteId>, String)> =
        sqlx::query_as("SELECT site_id, status FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|(site, status)| match OutboxStatus::parse(&status) {
        Some(s) => Ok((site, s)),
        None => Err(anyhow::anyhow!(
            "outbox row {id}: unknown status {status:?}"
        )),
    })
    .transpose()
}

/// Queues a message again for now, its attempts counted afresh.
pub async fn retry(db: &Db, id: MailId, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, last_error = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Empties the bodies of the mails of one kind that are no longer waiting to be sent (a
/// failed mail is not retried either; a pending one still needs its body); how many.
pub async fn forget_bodies(db: &Db, kind: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE outbox SET body_text = '', body_html = ''
         WHERE kind = $1 AND status <> 'pending' AND body_text <> ''",
    )
    .bind(kind)
    .execute(&db.pool)
    .await?
    .rows_affected())
}
