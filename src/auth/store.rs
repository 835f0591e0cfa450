//! SQL for sessions, login throttling and the secret.

use super::{Grant, Principal, Role, password, stored_language};
use crate::db::{Db, Tx};
use crate::ids::{PersonId, SiteId};

/// How long a session lasts after login.
pub const SESSION_SECS: i64 = 14 * 24 * 3600;

/// A session's person, once per role they hold (the role NULL when they hold none).
#[derive(sqlx::FromRow)]
struct SessionRow {
    id: PersonId,
    is_admin: i64,
    language: String,
    site_id: Option<SiteId>,
    role: Option<String>,
}

/// The person behind a live session token, with their roles: one statement, since every
/// authenticated request asks it.
pub async fn session_principal(
    db: &Db,
    token: &str,
    now: i64,
) -> anyhow::Result<Option<Principal>> {
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT p.id, p.is_admin, p.language, g.site_id, g.role
         FROM sessions s JOIN persons p ON p.id = s.person_id
         LEFT JOIN role_grants g ON g.person_id = p.id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.active = 1
         ORDER BY g.site_id, g.role",
    )
    .bind(password::token_hash(token))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (id, is_admin) = (first.id, first.is_admin == 1);
    let language = stored_language(&first.language, id)?;
    let mut grants = Vec::new();
    for r in &rows {
        if let (Some(site_id), Some(role)) = (r.site_id, &r.role) {
            grants.push(Grant {
                site_id,
                role: Role::stored(role, id, site_id)?,
            });
        }
    }
    Ok(Some(Principal {
        id,
        is_admin,
        language,
        grants,
    }))
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    person_id: PersonId,
    site_id: SiteId,
    role: String,
}

impl GrantRow {
    fn grant(&self) -> anyhow::Result<Grant> {
        Ok(Grant {
            site_id: self.site_id,
            role: Role::stored(&self.role, self.person_id, self.site_id)?,
        })
    }
}

/// Every role a person holds.
pub async fn grants_of(db: &Db, person_id: impl Into<PersonId>) -> anyhow::Result<Vec<Grant>> {
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT person_id, site_id, role FROM role_grants WHERE person_id = $1
         ORDER BY site_id, role",
    )
    .bind(person_id.into())
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(GrantRow::grant).collect()
}

/// A person's roles as a transaction sees them.
pub async fn grants_in(tx: &mut Tx, person_id: PersonId) -> anyhow::Result<Vec<Grant>> {
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT person_id, site_id, role FROM role_grants WHERE person_id = $1
         ORDER BY site_id, role",
    )
    .bind(person_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(GrantRow::grant).collect()
}

/// Every role of every person, by person.
pub async fn all_grants(db: &Db) -> anyhow::Result<Vec<(PersonId, Grant)>> {
    let rows: Vec<GrantRow> =
        sqlx::query_as("SELECT person_id, site_id, role FROM role_grants ORDER BY site_id, role")
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(|r| Ok((r.person_id, r.grant()?))).collect()
}

/// Grants a role on a site (granting it again changes nothing).
pub async fn grant(
    tx: &mut Tx,
    person_id: impl Into<PersonId>,
    site_id: impl Into<SiteId>,
    role: Role,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO role_grants (person_id, site_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (person_id, site_id, role) DO NOTHING",
    )
    .bind(person_id.into())
    .bind(site_id.into())
    .bind(role.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes a role back; whether it was held.
pub async fn revoke(db: &Db, person_id: PersonId, g: Grant) -> sqlx::Result<bool> {
    let r =
        sqlx::query("DELETE FROM role_grants WHERE person_id = $1 AND site_id = $2 AND role = $3")
            .bind(person_id)
            .bind(g.site_id)
            .bind(g.role.as_str())
            .execute(&db.pool)
            .await?;
    Ok(r.rows_affected() > 0)
}

/// An account as login sees it.
#[derive(sqlx::FromRow)]
pub struct LoginAccount {
    pub id: PersonId,
    pub email: String,
    pub password_hash: String,
    active: i64,
}

impl LoginAccount {
    /// Whether the account may sign in.
    pub fn active(&self) -> bool {
        self.active == 1
    }
}

/// Finds an account by e-mail (stored lower-case).
pub async fn account_by_email(db: &Db, email: &str) -> sqlx::Result<Option<LoginAccount>> {
    sqlx::query_as("SELECT id, email, password_hash, active FROM persons WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await
}

/// The account of a person.
pub async fn account(db: &Db, id: PersonId) -> sqlx::Result<LoginAccount> {
    sqlx::query_as("SELECT id, email, password_hash, active FROM persons WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
}

/// Sets a person's password hash and ends their sessions but the one kept (the one that
/// changed it), inside the caller's transaction.
pub async fn set_password_hash(
    tx: &mut Tx,
    person_id: PersonId,
    hash: &str,
    keep_session: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE persons SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2")
        .bind(person_id)
        .bind(keep_session.unwrap_or_default())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Ends every session of the person (deactivated, or their password reset).
pub async fn end_sessions(tx: &mut Tx, person_id: PersonId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Starts a session inside the caller's transaction; returns the token for the cookie (only
/// its hash is stored).
pub async fn create_session(tx: &mut Tx, person_id: PersonId, now: i64) -> sqlx::Result<String> {
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
    sqlx::query_as(
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
    .await
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
    tx: &mut Tx,
    token_hash: &str,
    person_id: PersonId,
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
    tx: &mut Tx,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<PersonId>> {
    let person: Option<PersonId> = sqlx::query_scalar(
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
pub async fn revoke_login_links(tx: &mut Tx, person_id: PersonId, now: i64) -> sqlx::Result<()> {
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
    // A sign-in mail's body holds a link: once it left (or failed for good), keep no copy.
    let mails = crate::mail::outbox::forget_bodies(db, "login_link").await?;
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
