//! Log in, log out, who am I, change my password.

use super::{ClientIp, Principal, SESSION_COOKIE, password, store};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Json, Text, invalid};
use crate::people::{self, Person};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Attempts allowed per account, and per client address, within [`WINDOW_SECS`].
const MAX_PER_ACCOUNT: i64 = 5;
const MAX_PER_ADDRESS: i64 = 20;
const WINDOW_SECS: i64 = 15 * 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

fn too_many(retry_after: u64) -> ApiError {
    ApiError::client(
        StatusCode::TOO_MANY_REQUESTS,
        "auth.rate_limited",
        Text::new(
            "ログインの失敗が続いたため、しばらくログインできません。15分ほど待ってからお試しください。",
            "Too many failed logins. Please wait about 15 minutes and try again.",
        ),
    )
    .retry_after(retry_after)
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
              (status = 429, description = "too many failed attempts")))]
async fn login(
    State(st): State<AppState>,
    ClientIp(addr): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let now = st.clock.epoch();
    let email = req.email.trim().to_lowercase();
    if email.len() > 254 || req.password.len() > 1024 {
        return Err(wrong_credentials());
    }
    let account_key = format!("account:{email}");
    let address_key = format!("address:{}", addr);
    let since = now - WINDOW_SECS;
    if store::failures_since(&st.db, &account_key, since).await? >= MAX_PER_ACCOUNT
        || store::failures_since(&st.db, &address_key, since).await? >= MAX_PER_ADDRESS
    {
        return Err(too_many(WINDOW_SECS as u64));
    }
    let account = store::account_by_email(&st.db, &email).await?;
    let hash = account
        .as_ref()
        .map_or(password::dummy_hash().to_string(), |a| {
            a.password_hash.clone()
        });
    let pw = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .map_err(anyhow::Error::from)?;
    let Some(account) = account.filter(|a| ok && a.active) else {
        store::record_failure(&st.db, &[&account_key, &address_key], now).await?;
        return Err(wrong_credentials());
    };
    store::clear_failures(&st.db, &account_key).await?;
    let token = store::create_session(&st.db, account.id, now).await?;
    let person = people::store::get(&st.db, account.id).await?;
    let mut res = Json(person).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&st, &token, store::SESSION_SECS),
    );
    Ok(res)
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
    responses((status = 204, description = "changed"), (status = 422, description = "wrong current password or weak new one")))]
async fn change_password(
    State(st): State<AppState>,
    who: Principal,
    parts: axum::http::request::Parts,
    Json(req): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    if let Some(reason) = password::weak(&req.new_password) {
        return Err(invalid("new_password", "auth.weak_password", reason));
    }
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM persons WHERE id = $1")
        .bind(who.id)
        .fetch_one(&st.db.pool)
        .await?;
    let (current, new) = (req.current_password, req.new_password);
    let new_hash = tokio::task::spawn_blocking(move || {
        password::verify(&current, &stored)
            .then(|| password::hash(&new))
            .transpose()
    })
    .await
    .map_err(anyhow::Error::from)??;
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
