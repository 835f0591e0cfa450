//! One's own account: log in (with a password or an e-mailed link), who am I, my language
//! and phone. Same paths and tag as the rest of auth; here because they answer a [`Person`].

use super::{Person, store};
use crate::AppState;
use crate::auth::login::{self, Caller, Session};
use crate::auth::{ClientIp, Principal};
use crate::error::{ApiResult, Json, Lang, Validator};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(redeem_login_link))
        .routes(routes!(me, update_me))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// The person's record with the new session's cookies.
pub(super) async fn signed_in(st: &AppState, session: Session) -> ApiResult<Response> {
    let person = store::get(&st.db, session.person_id).await?;
    let mut res = Json(person).into_response();
    login::set_cookies(st, &session, res.headers_mut());
    Ok(res)
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
    let caller = Caller {
        ip: &ip,
        parts: &parts,
    };
    let session =
        login::with_password(&st, &caller, &req.email, &req.password, st.clock.epoch()).await?;
    signed_in(&st, session).await
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
    let session = login::redeem_link(&st, &req.token, st.clock.epoch()).await?;
    signed_in(&st, session).await
}

/// The logged-in person, with their roles.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Person), (status = 401, description = "not logged in")))]
async fn me(State(st): State<AppState>, who: Principal) -> ApiResult<Json<Person>> {
    Ok(Json(store::get(&st.db, who.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeUpdate {
    language: Option<Lang>,
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
    Ok(Json(update_own(&st, &who, req, st.clock.epoch()).await?))
}

/// Changes the caller's own language or phone number.
async fn update_own(st: &AppState, who: &Principal, req: MeUpdate, now: i64) -> ApiResult<Person> {
    let mut p = store::get(&st.db, who.id).await?;
    if let Some(l) = req.language {
        p.language = l;
    }
    if let Some(phone) = req.phone {
        p.phone = phone.trim().to_string();
    }
    let mut v = Validator::new();
    super::validate_person(&mut v, &p);
    v.finish()?;
    let mut tx = st.db.begin().await?;
    store::save(&mut tx, &p, None, now).await?;
    tx.commit().await?;
    store::get(&st.db, who.id).await
}
