//! SQL for sessions, login throttling and the secret.

use super::{Grant, Principal, Role, password};
use crate::db::Db;
use crate::error::Lang;
use sqlx::Row;

/// How long a session lasts after login.
pub const SESSION_SECS: i64 = 14 * 24 * 3600;

/// The person behind a live session token, with their roles.
pub async fn session_principal(db: &Db, token: &str, now: i64) -> sqlx::Result<Option<Principal>> {
    let row = sqlx::query(
        "SELECT p.id, p.is_admin, p.language FROM sessions s JOIN persons p ON p.id = s.person_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.active = 1",
    )
    .bind(password::token_hash(token))
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.get("id");
    Ok(Some(Principal {
        id,
        is_admin: row.get::<i64, _>("is_admin") == 1,
        language: if row.get::<String, _>("language") == "en" {
            Lang::En
        } else {
            Lang::Ja
        },
        grants: grants_of(db, id).await?,
    }))
}

/// Every role a person holds.
pub async fn grants_of(db: &Db, person_id: i64) -> sqlx::Result<Vec<Grant>> {
    let rows = sqlx::query(
        "SELECT site_id, role FROM role_grants WHERE person_id = $1 ORDER BY site_id, role",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(Grant {
                site_id: r.get("site_id"),
                role: Role::parse(r.get("role"))?,
            })
        })
        .collect())
}

/// An account as login sees it.
pub struct LoginAccount {
    pub id: i64,
    pub password_hash: String,
    pub active: bool,
}

/// Finds an account by e-mail (stored lower-case).
pub async fn account_by_email(db: &Db, email: &str) -> sqlx::Result<Option<LoginAccount>> {
    let row = sqlx::query("SELECT id, password_hash, active FROM persons WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| LoginAccount {
        id: r.get("id"),
        password_hash: r.get("password_hash"),
        active: r.get::<i64, _>("active") == 1,
    }))
}

/// Starts a session inside the caller's transaction; returns the token for the cookie (only
/// its hash is stored).
pub async fn create_session(
    tx: &mut crate::db::Tx,
    person_id: i64,
    now: i64,
) -> sqlx::Result<String> {
    let token = password::new_token();
    sqlx::query(
        "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(password::token_hash(&token))
    .bind(person_id)
    .bind(now)
    .bind(now + SESSION_SECS)
    .execute(&mut **tx)
    .await?;
    // Expired sessions are of no use to anyone; sweep the person's old ones while here.
    sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND expires_at <= $2")
        .bind(person_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

/// Ends one session.
pub async fn delete_session(db: &Db, token: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(password::token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Reserves one attempt under a throttle key in a single statement, so that concurrent
/// attempts (on any instance) each see their own count; a window older than `window` secs
/// starts afresh. Answers (attempts in the window including this one, when it started).
pub async fn reserve_attempt(
    db: &Db,
    key: &str,
    window: i64,
    now: i64,
) -> sqlx::Result<(i64, i64)> {
    let row = sqlx::query(
        "INSERT INTO auth_throttle (key, window_start, attempts) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
             attempts = CASE WHEN auth_throttle.window_start <= $3 THEN 1
                             ELSE auth_throttle.attempts + 1 END,
             window_start = CASE WHEN auth_throttle.window_start <= $3 THEN $2
                                 ELSE auth_throttle.window_start END
         RETURNING attempts, window_start",
    )
    .bind(key)
    .bind(now)
    .bind(now - window)
    .fetch_one(&db.pool)
    .await?;
    Ok((row.get("attempts"), row.get("window_start")))
}

/// Gives back a reserved attempt that turned out right (it was no guess).
pub async fn refund_attempt(db: &Db, key: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE auth_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Forgets every attempt under a key; and, while here, keys idle for a day.
pub async fn clear_attempts(db: &Db, key: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM auth_throttle WHERE key = $1 OR window_start < $2")
        .bind(key)
        .bind(now - 24 * 3600)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Keeps a sign-in link's token hash, valid for `secs`.
pub async fn create_login_link(
    tx: &mut crate::db::Tx,
    token_hash: &str,
    person_id: i64,
    now: i64,
    secs: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO login_links (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(person_id)
    .bind(now)
    .bind(now + secs)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Uses a sign-in link, once, inside the caller's transaction: the person it lets in, if it
/// is unused, unexpired and the account is active. The person's other open links are revoked
/// with it (one is enough, and an older one lying in a mailbox is only a risk).
pub async fn use_login_link(
    tx: &mut crate::db::Tx,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let person: Option<i64> = sqlx::query_scalar(
        "UPDATE login_links SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING person_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(person) = person else {
        return Ok(None);
    };
    revoke_login_links(tx, person, now).await?;
    let active: Option<i64> = sqlx::query_scalar("SELECT active FROM persons WHERE id = $1")
        .bind(person)
        .fetch_optional(&mut **tx)
        .await?;
    Ok((active == Some(1)).then_some(person))
}

/// Marks every open sign-in link of the person used (a link was used, or the password changed).
pub async fn revoke_login_links(
    tx: &mut crate::db::Tx,
    person_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_links SET used_at = $2 WHERE person_id = $1 AND used_at IS NULL")
        .bind(person_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes throttle counters whose window ended long ago and sign-in links past their expiry,
/// and empties the bodies of sign-in mails once sent (they hold a live token); answers how
/// many rows changed. Idempotent, for the background job.
pub async fn purge_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    // A day is longer than any throttle window, so no live count is lost.
    let counters = sqlx::query("DELETE FROM auth_throttle WHERE window_start < $1")
        .bind(now - 24 * 3600)
        .execute(&db.pool)
        .await?
        .rows_affected();
    let links = sqlx::query("DELETE FROM login_links WHERE expires_at < $1")
        .bind(now - 24 * 3600)
        .execute(&db.pool)
        .await?
        .rows_affected();
    // A failed mail is not retried either; a pending one still needs its body.
    let mails = sqlx::query(
        "UPDATE outbox SET body_text = '', body_html = ''
         WHERE kind = 'login_link' AND status <> 'pending' AND body_text <> ''",
    )
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(counters + links + mails)
}

/// The token-signing secret: the configured one, else the one stored on first start.
pub async fn load_or_create_secret(db: &Db, configured: Option<&str>) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = configured.filter(|s| !s.is_empty()) {
        return Ok(s.as_bytes().to_vec());
    }
    // Two instances starting together must end up with the same secret: insert if absent,
    // then read whichever won.
    sqlx::query("INSERT INTO settings (key, value) VALUES ('token_secret', $1) ON CONFLICT (key) DO NOTHING")
        .bind(password::new_token())
        .execute(&db.pool)
        .await?;
    let secret: String =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'token_secret'")
            .fetch_one(&db.pool)
            .await?;
    Ok(secret.into_bytes())
}
