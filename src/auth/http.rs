//! Ask for a sign-in link, log out, change my password. (Logging in answers the person's
//! record: those handlers are people's, in `people/account.rs`.)

use super::login::{self, Caller};
use super::{ClientIp, Principal, SESSION_COOKIE, store};
use crate::AppState;
use crate::error::{ApiResult, Json};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_login_link))
        .routes(routes!(logout))
        .routes(routes!(change_password))
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
    login::request_link(&st, &ip, &req.email, st.clock.epoch()).await?;
    Ok(StatusCode::ACCEPTED)
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
        .insert(header::SET_COOKIE, login::session_cookie(&st, "", 0));
    Ok(res)
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
    let caller = Caller {
        ip: &ip,
        parts: &parts,
    };
    let secrets = (req.current_password, req.new_password);
    login::change_password(&st, &who, &caller, secrets, st.clock.epoch()).await?;
    Ok(StatusCode::NO_CONTENT)
}
