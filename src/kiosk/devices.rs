//! Kiosk devices: a director registers one for a site and gets a one-time pairing code; the
//! kiosk page trades the code for a device token; the director can revoke the device. (The
//! token's lookup, for every kiosk request, is auth's: `auth::devices`.)

use super::errors::KioskError;
use crate::AppState;
use crate::auth::throttle::{self, Limit};
use crate::auth::{ClientIp, KioskDevice, Principal, devices, password};
use crate::error::{ApiError, ApiResult, Json, Path, Validator};
use crate::sites::{self, DayView, Site};
use axum::extract::State;
use axum::http::StatusCode;
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// How long a pairing code stays valid.
const PAIRING_SECS: i64 = 15 * 60;
/// Pairing attempts allowed per client address within that time (right ones are given back).
const MAX_PAIRING_ATTEMPTS: i64 = 10;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register, list))
        .routes(routes!(revoke))
        .routes(routes!(pair))
        .routes(routes!(kiosk_me))
}

/// A kiosk device as directors see it.
#[derive(Serialize, ToSchema)]
pub struct Device {
    id: i64,
    site_id: i64,
    name: String,
    paired: bool,
    revoked: bool,
    created_at: i64,
    last_seen_at: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewDevice {
    name: String,
}

/// A new device and the code to type on it.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    id: i64,
    name: String,
    pairing_code: String,
    pairing_expires_at: i64,
}

/// Registers a kiosk device for the site; answers its one-time pairing code.
#[utoipa::path(post, path = "/api/v1/sites/{id}/kiosks", tag = "kiosk devices", request_body = NewDevice,
    params(("id" = i64, Path, description = "site")),
    responses((status = 201, body = Registered), (status = 403, description = "not a director of the site")))]
async fn register(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
    Json(req): Json<NewDevice>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    who.require_director(site_id)?;
    sites::store::get(&st.db, site_id).await?;
    let mut v = Validator::new();
    v.text("name", &req.name, 1, 100);
    v.finish()?;
    let now = st.clock.epoch();
    let code = format!("{:08}", rand::thread_rng().gen_range(0..100_000_000u32));
    let code_hash = password::token_hash(&code);
    let expires = now + PAIRING_SECS;
    let id = devices::register(&st.db, site_id, req.name.trim(), &code_hash, expires, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id,
            name: req.name.trim().to_string(),
            pairing_code: code,
            pairing_expires_at: now + PAIRING_SECS,
        }),
    ))
}

/// The site's kiosk devices.
#[utoipa::path(get, path = "/api/v1/sites/{id}/kiosks", tag = "kiosk devices",
    params(("id" = i64, Path, description = "site")), responses((status = 200, body = [Device])))]
async fn list(
    State(st): State<AppState>,
    who: Principal,
    Path(site_id): Path<i64>,
) -> ApiResult<Json<Vec<Device>>> {
    who.require_director(site_id)?;
    let rows = devices::of_site(&st.db, site_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Device {
                id: r.id,
                site_id: r.site_id,
                name: r.name,
                paired: r.paired_at.is_some(),
                revoked: r.revoked_at.is_some(),
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
            })
            .collect(),
    ))
}

/// Revokes a kiosk device: its token stops working at once.
#[utoipa::path(post, path = "/api/v1/kiosks/{id}/revoke", tag = "kiosk devices",
    params(("id" = i64, Path, description = "device")),
    responses((status = 204, description = "revoked"), (status = 404, description = "no such device")))]
async fn revoke(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let site_id = devices::site_of(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("端末", "Device"))?;
    who.require_director(site_id)?;
    devices::revoke(&st.db, id, st.clock.epoch()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PairRequest {
    code: String,
}

/// The device token, shown once.
#[derive(Serialize, ToSchema)]
pub struct Paired {
    token: String,
    site: Site,
}

/// Trades a pairing code for the device token.
#[utoipa::path(post, path = "/api/v1/kiosk/pair", tag = "kiosk", request_body = PairRequest, security(()),
    responses((status = 200, body = Paired), (status = 401, description = "unknown or expired code"),
              (status = 429, description = "too many wrong codes")))]
async fn pair(
    State(st): State<AppState>,
    ip: ClientIp,
    Json(req): Json<PairRequest>,
) -> ApiResult<Json<Paired>> {
    let now = st.clock.epoch();
    // Reserved before the code is looked up, so a burst of guesses cannot all be tried.
    let limit = [Limit::new(
        format!("pairing:{}", ip.throttle_key()),
        MAX_PAIRING_ATTEMPTS,
        PAIRING_SECS,
    )];
    if let Err(spent) = throttle::reserve(&st.db, &limit, now).await? {
        return Err(ApiError::from(KioskError::RateLimited).retry_after(spent.retry_after as u64));
    }
    let token = password::new_token();
    let token_hash = password::token_hash(&token);
    let code_hash = password::token_hash(req.code.trim());
    let site_id = devices::pair(&st.db, &token_hash, &code_hash, now).await?;
    let Some(site_id) = site_id else {
        return Err(KioskError::InvalidCode.into());
    };
    throttle::refund(&st.db, &limit).await?;
    Ok(Json(Paired {
        token,
        site: sites::store::get(&st.db, site_id).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DeviceRef {
    id: crate::ids::DeviceId,
    name: String,
}

/// What the kiosk shows when idle.
#[derive(Serialize, ToSchema)]
pub struct KioskStatus {
    device: DeviceRef,
    site: Site,
    /// Now, in the site's time zone (RFC 3339 with offset).
    local_time: String,
    open_now: bool,
    today: DayView,
}

/// The kiosk's own device, its site, and whether the site is open now.
#[utoipa::path(get, path = "/api/v1/kiosk/me", tag = "kiosk",
    responses((status = 200, body = KioskStatus), (status = 401, description = "not paired or revoked")),
    security(("kiosk_token" = [])))]
async fn kiosk_me(State(st): State<AppState>, device: KioskDevice) -> ApiResult<Json<KioskStatus>> {
    let site = sites::store::get(&st.db, device.site_id).await?;
    let schedule = sites::store::schedule(&st.db, &site).await?;
    let now = st.clock.now();
    let local = now.with_timezone(&schedule.tz);
    let today = schedule.day(local.date_naive());
    Ok(Json(KioskStatus {
        device: DeviceRef {
            id: device.id,
            name: device.name,
        },
        open_now: schedule.is_open_at(now),
        local_time: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        today: today.into(),
        site,
    }))
}
