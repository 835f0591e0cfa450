//! Log in, log out, who am I, change my password.

use super::device::{self, DEVICE_COOKIE};
use super::throttle::{self, Limit};
use super::{ClientIp, Principal, SESSION_COOKIE, password, store};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Json, Text, invalid};
use crate::people::{self, Person};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(request_login_link))
        .routes(routes!(redeem_login_link))
        .routes(routes!(logout))
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

fn too_many(retry_after: i64) -> ApiError {
    ApiError::client(
        StatusCode::TOO_MANY_REQUESTS,
        "auth.rate_limited",
        Text::new(
            "ログインの失敗が続いたため、しばらくログインできません。15分ほど待ってからお試しください。",
            "Too many failed logins. Please wait about 15 minutes and try again.",
        ),
    )
    .retry_after(retry_after as u64)
}

fn account_too_many(retry_after: i64) -> ApiError {
    ApiError::client(
        StatusCode::TOO_MANY_REQUESTS,
        "auth.account_rate_limited",
        Text::new(
            "このアカウントへのログインの失敗が続いています。メールでログイン用リンクを受け取ってログインしてください。",
            "Too many failed logins to this account. Please sign in with a link sent to your e-mail address.",
        ),
    )
    .retry_after(retry_after as u64)
}

fn wrong_credentials() -> ApiError {
    // The same answer whether the account exists or not.
    ApiError::client(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_credentials",
        Text::new(
            "メールアドレスまたはパスワードが違います。",
            "The e-mail address or password is not right.",
        ),
    )
}

fn session_cookie(st: &AppState, token: &str, max_age: i64) -> HeaderValue {
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

/// Logs in with e-mail and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, body = Person), (status = 401, description = "wrong e-mail or password"),
              (status = 429, description = "auth.rate_limited: too many attempts from this address; auth.account_rate_limited: too many on this account (sign in with an e-mailed link)"),
              (status = 503, description = "service.busy: too many logins at once; retry after Retry-After")))]
async fn login(
    State(st): State<AppState>,
    ip: ClientIp,
    parts: axum::http::request::Parts,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let now = st.clock.epoch();
    let email = req.email.trim().to_lowercase();
    if email.len() > 254 || req.password.len() > 1024 {
        return Err(wrong_credentials());
    }
    let account = store::account_by_email(&st.db, &email).await?;
    let guard = Guard::new(&st, &parts, &ip, &email, account.as_ref().map(|a| a.id));
    // The attempt is reserved before the password is checked: of a burst, only as many as
    // the limits allow are evaluated.
    guard.reserve(&st, now).await?;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let pw = req.password.clone();
    let ok = match st
        .hashing
        .run(move || {
            let hash = stored.unwrap_or_else(|| password::dummy_hash().to_string());
            password::verify(&pw, &hash)
        })
        .await
    {
        Ok(ok) => ok,
        Err(busy) => {
            // Turned away before the check: not a guess.
            throttle::refund(&st.db, &guard.limits).await?;
            return Err(busy);
        }
    };
    let Some(account) = account.filter(|a| ok && a.active) else {
        return Err(wrong_credentials());
    };
    guard.succeeded(&st, now).await?;
    let mut tx = st.db.begin().await?;
    let token = store::create_session(&mut tx, account.id, now).await?;
    tx.commit().await?;
    signed_in(&st, account.id, &token).await
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
    fn new(
        st: &AppState,
        parts: &axum::http::request::Parts,
        ip: &ClientIp,
        email: &str,
        person_id: Option<i64>,
    ) -> Guard {
        let known = person_id
            .zip(super::cookie(parts, DEVICE_COOKIE))
            .and_then(|(id, token)| device::verify(&st.secret, token, id));
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
        let addr = ip.throttle_key();
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
                account_too_many(spent.retry_after)
            } else {
                too_many(spent.retry_after)
            });
        }
        Ok(())
    }

    /// The secret was right: the own counter starts afresh, the others get the attempt back.
    async fn succeeded(&self, st: &AppState, now: i64) -> ApiResult<()> {
        store::clear_attempts(&st.db, &self.limits[self.own].key, now).await?;
        for (i, l) in self.limits.iter().enumerate() {
            if i != self.own {
                store::refund_attempt(&st.db, &l.key).await?;
            }
        }
        Ok(())
    }
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

/// The person's record with the new session's cookie, and a fresh device cookie: this browser
/// has now proved it belongs to the person.
async fn signed_in(st: &AppState, person_id: i64, token: &str) -> ApiResult<Response> {
    let person = people::store::get(&st.db, person_id).await?;
    let mut res = Json(person).into_response();
    let headers = res.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session_cookie(st, token, store::SESSION_SECS),
    );
    headers.append(
        header::SET_COOKIE,
        device_cookie(st, &device::issue(&st.secret, person_id)),
    );
    Ok(res)
}

#[derive(Deserialize, ToSchema)]
pub struct LinkRequest {
    email: String,
}

/// Sends a one-time sign-in link to the account's e-mail address (when there is such an
/// account). The owner's way in when the account-wide login limit is spent: the link does
/// not count against it. The answer is the same whether the account exists or not.
#[utoipa::path(post, path = "/api/v1/auth/login-link", tag = "auth", request_body = LinkRequest, security(()),
    responses((status = 202, description = "sent, if such an account exists"),
              (status = 429, description = "auth.rate_limited: too many links asked for")))]
async fn request_login_link(
    State(st): State<AppState>,
    ip: ClientIp,
    Json(req): Json<LinkRequest>,
) -> ApiResult<StatusCode> {
    let now = st.clock.epoch();
    let email = req.email.trim().to_lowercase();
    if email.len() > 254 {
        return Ok(StatusCode::ACCEPTED);
    }
    // Bounded per account so that nobody can fill someone's mailbox.
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
        .filter(|a| a.active)
    else {
        return Ok(StatusCode::ACCEPTED);
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
    super::notify::login_link(&st, &mut tx, account.id, &token).await?;
    tx.commit().await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
pub struct LinkRedeem {
    token: String,
}

/// Signs in with the token of an e-mailed sign-in link (once, within 15 minutes).
#[utoipa::path(post, path = "/api/v1/auth/login-link/redeem", tag = "auth", request_body = LinkRedeem, security(()),
    responses((status = 200, body = Person), (status = 401, description = "auth.invalid_link: unknown, used or expired")))]
async fn redeem_login_link(
    State(st): State<AppState>,
    Json(req): Json<LinkRedeem>,
) -> ApiResult<Response> {
    let now = st.clock.epoch();
    // The token is 256 random bits: guessing it needs no throttle. The link is used up and
    // the session started together, so that a fault in between does not burn the link.
    let mut tx = st.db.begin().await?;
    let person =
        store::use_login_link(&mut tx, &password::token_hash(req.token.trim()), now).await?;
    let Some(person) = person else {
        return Err(ApiError::client(
            StatusCode::UNAUTHORIZED,
            "auth.invalid_link",
            Text::new(
                "このリンクは使用済みか、有効期限が切れています。もう一度お送りください。",
                "This link was already used or has expired. Please ask for a new one.",
            ),
        ));
    };
    let token = store::create_session(&mut tx, person, now).await?;
    tx.commit().await?;
    signed_in(&st, person, &token).await
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "logged out")))]
async fn logout(
    State(st): State<AppState>,
    parts: axum::http::request::Parts,
) -> ApiResult<Response> {
    if let Some(token) = super::cookie(&parts, SESSION_COOKIE) {
        store::delete_session(&st.db, token).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&st, "", 0));
    Ok(res)
}

/// The logged-in person, with their roles.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Person), (status = 401, description = "not logged in")))]
async fn me(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Person>> {
    Ok(Json(people::store::get(&st.db, who.id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes my password; my other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204, description = "changed"), (status = 422, description = "wrong current password or weak new one"),
              (status = 429, description = "auth.rate_limited / auth.account_rate_limited: too many wrong current passwords")))]
async fn change_password(
    State(st): State<AppState>,
    who: Principal,
    ip: ClientIp,
    parts: axum::http::request::Parts,
    Json(req): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    if let Some(reason) = password::weak(&req.new_password) {
        return Err(invalid("new_password", "auth.weak_password", reason));
    }
    let row = sqlx::query("SELECT email, password_hash FROM persons WHERE id = $1")
        .bind(who.id)
        .fetch_one(&st.db.pool)
        .await?;
    let (email, stored): (String, String) = (row.get("email"), row.get("password_hash"));
    let now = st.clock.epoch();
    // The current password is a guessable secret like any other: the same limits as login.
    let guard = Guard::new(&st, &parts, &ip, &email, Some(who.id));
    guard.reserve(&st, now).await?;
    let (current, new) = (req.current_password, req.new_password);
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
        return Err(invalid(
            "current_password",
            "auth.invalid_credentials",
            Text::new(
                "現在のパスワードが違います。",
                "The current password is not right.",
            ),
        ));
    };
    guard.succeeded(&st, now).await?;
    let keep = super::cookie(&parts, SESSION_COOKIE).map(password::token_hash);
    let mut tx = st.db.begin().await?;
    sqlx::query("UPDATE persons SET password_hash = $1 WHERE id = $2")
        .bind(new_hash)
        .bind(who.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE person_id = $1 AND token_hash <> $2")
        .bind(who.id)
        .bind(keep.unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    store::revoke_login_links(&mut tx, who.id, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeUpdate {
    language: Option<crate::error::Lang>,
    phone: Option<String>,
}

/// Changes my own language or phone number.
#[utoipa::path(patch, path = "/api/v1/auth/me", tag = "auth", request_body = MeUpdate,
    responses((status = 200, body = Person), (status = 422)))]
async fn update_me(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<MeUpdate>,
) -> ApiResult<Json<Person>> {
    let mut p = people::store::get(&st.db, who.id).await?;
    if let Some(l) = req.language {
        p.language = l;
    }
    if let Some(phone) = req.phone {
        p.phone = phone.trim().to_string();
    }
    let mut v = crate::error::Validator::new();
    people::validate_person(&mut v, &p);
    v.finish()?;
    let mut tx = st.db.begin().await?;
    people::store::save(&mut tx, &p, None, st.clock.epoch()).await?;
    tx.commit().await?;
    Ok(Json(people::store::get(&st.db, who.id).await?))
}
