//! The sign-in use cases: a password, an e-mailed link, a password change; and the cookies
//! a signed-in browser gets. They answer a person's id: the person's record is people's.

use super::device::{self, DEVICE_COOKIE};
use super::errors::AuthError;
use super::throttle::{self, Limit};
use super::{ClientIp, Principal, SESSION_COOKIE, password, store};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::ids::PersonId;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};

/// Attempts per (account, address) pair: a guesser at one address locks only that pair.
const MAX_PER_PAIR: i64 = 5;
const PAIR_WINDOW_SECS: i64 = 15 * 60;
/// Attempts per client address over all accounts (password spraying).
const MAX_PER_ADDRESS: i64 = 20;
const ADDRESS_WINDOW_SECS: i64 = 15 * 60;
/// Attempts per account from all addresses together: slower, and bypassed by a sign-in link.
const MAX_PER_ACCOUNT: i64 = 20;
const ACCOUNT_WINDOW_SECS: i64 = 60 * 60;
/// Attempts from a browser with the account's device cookie, instead of the limits above.
const MAX_PER_DEVICE: i64 = 5;
const DEVICE_WINDOW_SECS: i64 = 15 * 60;
/// Sign-in links sent per account, and asked for per address, within an hour.
const LINKS_PER_ACCOUNT: i64 = 3;
const LINKS_PER_ADDRESS: i64 = 10;
const LINK_WINDOW_SECS: i64 = 60 * 60;
/// How long a sign-in link works.
pub const LINK_SECS: i64 = 15 * 60;

/// Where a guess at a secret comes from: the address, and the request's cookies (a device
/// cookie changes which limits apply).
pub struct Caller<'a> {
    pub ip: &'a ClientIp,
    pub parts: &'a Parts,
}

/// A session just started: the person, and the token for their cookie.
pub struct Session {
    pub person_id: PersonId,
    pub token: String,
}

fn too_many(retry_after: i64) -> ApiError {
    ApiError::from(AuthError::RateLimited).retry_after(retry_after.unsigned_abs())
}

/// Logs in with e-mail and password: throttled, then checked on the hashing gate, then a
/// session starts.
pub async fn with_password(
    st: &AppState,
    caller: &Caller<'_>,
    email: &str,
    secret: &str,
    now: i64,
) -> ApiResult<Session> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 || secret.len() > 1024 {
        return Err(AuthError::credentials());
    }
    let account = store::account_by_email(&st.db, &email).await?;
    let guard = Guard::new(st, caller, &email, account.as_ref().map(|a| a.id));
    // The attempt is reserved before the password is checked: of a burst, only as many as
    // the limits allow are evaluated.
    guard.reserve(st, now).await?;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let pw = secret.to_string();
    let ok = match st
        .hashing
        .run(move || password::verify(&pw, &hash_to_check(stored)))
        .await
    {
        Ok(ok) => ok,
        Err(busy) => {
            // Turned away before the check: not a guess.
            throttle::refund(&st.db, &guard.limits).await?;
            return Err(busy);
        }
    };
    // The same answer whether the account exists or not.
    let Some(account) = account.filter(|a| ok && a.active()) else {
        return Err(AuthError::credentials());
    };
    guard.succeeded(st, now).await?;
    let mut tx = st.db.begin().await?;
    let token = store::create_session(&mut tx, account.id, now).await?;
    tx.commit().await?;
    Ok(Session {
        person_id: account.id,
        token,
    })
}

/// The hash a password is checked against: the account's, or the dummy when there is no
/// account or it has no password yet (an invited account's empty hash, which would fail at
/// once), so that timing does not tell who is invited but not set up.
fn hash_to_check(stored: Option<String>) -> String {
    stored
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| password::dummy_hash().to_string())
}

/// The throttles on one password check: per device when the browser carries this account's
/// device cookie, else per address, per (account, address) pair and per account.
struct Guard {
    limits: Vec<Limit>,
    /// The limit that a right password clears (the others are refunded).
    own: usize,
    /// Where the account-wide limit sits, if it applies.
    account: Option<usize>,
}

impl Guard {
    fn new(st: &AppState, caller: &Caller<'_>, email: &str, person: Option<PersonId>) -> Guard {
        let known = person
            .zip(super::cookie(caller.parts, DEVICE_COOKIE))
            .and_then(|(id, token)| device::verify(&st.secret, token, id.0));
        if let Some(nonce) = known {
            return Guard {
                limits: vec![Limit::new(
                    format!("device:{nonce}"),
                    MAX_PER_DEVICE,
                    DEVICE_WINDOW_SECS,
                )],
                own: 0,
                account: None,
            };
        }
        let addr = caller.ip.throttle_key();
        Guard {
            // The address first: a spray of random e-mails from one address is stopped
            // before it writes a pair row for each.
            limits: vec![
                Limit::new(
                    format!("address:{addr}"),
                    MAX_PER_ADDRESS,
                    ADDRESS_WINDOW_SECS,
                ),
                Limit::new(
                    format!("pair:{email}|{addr}"),
                    MAX_PER_PAIR,
                    PAIR_WINDOW_SECS,
                ),
                Limit::new(
                    format!("account:{email}"),
                    MAX_PER_ACCOUNT,
                    ACCOUNT_WINDOW_SECS,
                ),
            ],
            own: 1,
            account: Some(2),
        }
    }

    /// Reserves the attempt, or answers 429.
    async fn reserve(&self, st: &AppState, now: i64) -> ApiResult<()> {
        if let Err(spent) = throttle::reserve(&st.db, &self.limits, now).await? {
            return Err(if Some(spent.index) == self.account {
                ApiError::from(AuthError::AccountRateLimited)
                    .retry_after(spent.retry_after.unsigned_abs())
            } else {
                too_many(spent.retry_after)
            });
        }
        Ok(())
    }

    /// The secret was right: the own counter starts afresh, the others get the attempt back.
    async fn succeeded(&self, st: &AppState, now: i64) -> ApiResult<()> {
        if let Some(own) = self.limits.get(self.own) {
            store::clear_attempts(&st.db, &own.key, now).await?;
        }
        for (i, l) in self.limits.iter().enumerate() {
            if i != self.own {
                store::refund_attempt(&st.db, &l.key).await?;
            }
        }
        Ok(())
    }
}

/// Sends a one-time sign-in link to the account's address, when there is such an active
/// account; the answer is the same either way. Bounded per account so that nobody can fill
/// someone's mailbox.
pub async fn request_link(st: &AppState, ip: &ClientIp, email: &str, now: i64) -> ApiResult<()> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 {
        return Ok(());
    }
    let limits = [
        Limit::new(
            format!("link-address:{}", ip.throttle_key()),
            LINKS_PER_ADDRESS,
            LINK_WINDOW_SECS,
        ),
        Limit::new(format!("link:{email}"), LINKS_PER_ACCOUNT, LINK_WINDOW_SECS),
    ];
    if let Err(spent) = throttle::reserve(&st.db, &limits, now).await? {
        return Err(too_many(spent.retry_after));
    }
    let Some(account) = store::account_by_email(&st.db, &email)
        .await?
        .filter(|a| a.active())
    else {
        return Ok(());
    };
    let token = password::new_token();
    let mut tx = st.db.begin().await?;
    store::create_login_link(
        &mut tx,
        &password::token_hash(&token),
        account.id,
        now,
        LINK_SECS,
    )
    .await?;
    super::notify::login_link(st, &mut tx, account.id, &token).await?;
    tx.commit().await?;
    Ok(())
}

/// Signs in with the token of an e-mailed link (once, within its time).
pub async fn redeem_link(st: &AppState, token: &str, now: i64) -> ApiResult<Session> {
    // The token is 256 random bits: guessing it needs no throttle. The link is used up and
    // the session started together, so that a fault in between does not burn the link.
    let mut tx = st.db.begin().await?;
    let Some(person_id) =
        store::use_login_link(&mut tx, &password::token_hash(token.trim()), now).await?
    else {
        return Err(AuthError::InvalidLink.into());
    };
    let token = store::create_session(&mut tx, person_id, now).await?;
    tx.commit().await?;
    Ok(Session { person_id, token })
}

/// Changes the caller's password when the current one is right (throttled like a login);
/// their other sessions and open sign-in links end.
pub async fn change_password(
    st: &AppState,
    who: &Principal,
    caller: &Caller<'_>,
    (current, new): (String, String),
    now: i64,
) -> ApiResult<()> {
    if let Some(weak) = password::weak(&new) {
        return Err(weak.invalid("new_password"));
    }
    let account = store::account(&st.db, who.id).await?;
    // The current password is a guessable secret like any other: the same limits as login.
    let guard = Guard::new(st, caller, &account.email, Some(who.id));
    guard.reserve(st, now).await?;
    let stored = account.password_hash;
    let new_hash = match st
        .hashing
        .run(move || {
            password::verify(&current, &stored)
                .then(|| password::hash(&new))
                .transpose()
        })
        .await
    {
        Ok(hashed) => hashed?,
        Err(busy) => {
            throttle::refund(&st.db, &guard.limits).await?;
            return Err(busy);
        }
    };
    let Some(new_hash) = new_hash else {
        return Err(AuthError::current_password());
    };
    guard.succeeded(st, now).await?;
    let keep = super::cookie(caller.parts, SESSION_COOKIE).map(password::token_hash);
    let mut tx = st.db.begin().await?;
    store::set_password_hash(&mut tx, who.id, &new_hash, keep.as_deref()).await?;
    store::revoke_login_links(&mut tx, who.id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A password set by someone else (an administrator or director): the person's sessions and
/// the sign-in links mailed before it end, inside the caller's transaction.
pub async fn password_reset(
    tx: &mut crate::db::Tx,
    person_id: PersonId,
    now: i64,
) -> ApiResult<()> {
    store::end_sessions(tx, person_id).await?;
    store::revoke_login_links(tx, person_id, now).await?;
    Ok(())
}

/// Ends every session of the person (their account was deactivated), inside the caller's
/// transaction.
pub async fn log_out_everywhere(tx: &mut crate::db::Tx, person_id: PersonId) -> ApiResult<()> {
    store::end_sessions(tx, person_id).await?;
    Ok(())
}

/// The session cookie, set to `token` for `max_age` seconds (0 with an empty token clears it).
pub fn session_cookie(st: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if st.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn device_cookie(st: &AppState, token: &str) -> HeaderValue {
    let secure = if st.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let max_age = device::DEVICE_SECS;
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Sets the new session's cookie, and a fresh device cookie: this browser has now proved it
/// belongs to the person.
pub fn set_cookies(st: &AppState, session: &Session, headers: &mut HeaderMap) {
    headers.append(
        header::SET_COOKIE,
        session_cookie(st, &session.token, store::SESSION_SECS),
    );
    headers.append(
        header::SET_COOKIE,
        device_cookie(st, &device::issue(&st.secret, session.person_id.0)),
    );
}

#[cfg(test)]
mod empty_hash_tests {
    use super::*;

    #[test]
    fn an_empty_hash_checks_against_the_dummy() {
        assert_eq!(hash_to_check(None), password::dummy_hash());
        assert_eq!(hash_to_check(Some(String::new())), password::dummy_hash());
        assert_eq!(hash_to_check(Some("stored".into())), "stored");
    }
}
