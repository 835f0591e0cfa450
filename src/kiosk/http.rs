//! The kiosk's scan API (device token), a worker's own QR code and PIN, and staff handling of
//! IC cards, printed QR cards and PIN resets.

use super::errors::KioskError;
use super::{ScanResult, store};
use crate::AppState;
use crate::auth::credential;
use crate::auth::{KioskDevice, KioskToken, Principal, Role, password};
use crate::error::{
    ApiError, ApiResult, CommonError, Json, Path, Text, Validator, invalid, invalid_code,
    on_constraint,
};
use crate::ids::PersonId;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(scan))
        // A camera frame is larger than any JSON request.
        .routes(routes!(decode).layer(DefaultBodyLimit::max(2 * 1024 * 1024)))
        .routes(routes!(my_qr))
        .routes(routes!(revoke_my_qr))
        .routes(routes!(set_my_pin))
        .routes(routes!(list_cards, add_card))
        .routes(routes!(revoke_card))
        .routes(routes!(qr_card))
        .routes(routes!(revoke_qr_card))
        .routes(routes!(reset_pin))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// What the reader typed, the QR payload, or `PIN:<member number>:<pin>`.
    credential: String,
    /// When an offline kiosk read it (RFC 3339); the scan then counts at that time.
    scanned_at: Option<String>,
}

/// A scan at the entrance: check in, check out, or a clear refusal. Every scan is logged.
#[utoipa::path(post, path = "/api/v1/kiosk/scan", tag = "kiosk", request_body = ScanRequest,
    responses((status = 200, body = ScanResult), (status = 404, description = "kiosk.unknown_credential, kiosk.unknown_card"),
              (status = 409, description = "kiosk.child_in_room, kiosk.site_closed, kiosk.no_booking"),
              (status = 403, description = "kiosk.expired_code, kiosk.revoked_code, kiosk.not_this_site, access.door_at_entrance")),
    security(("kiosk_token" = [])))]
async fn scan(
    State(st): State<AppState>,
    token: KioskToken,
    Json(req): Json<ScanRequest>,
) -> ApiResult<Json<ScanResult>> {
    if req.credential.len() > 200 {
        // The common code with the kiosk's own short text, as the kiosk has always shown it.
        let text = Text::new("長すぎます。", "Too long.");
        return Err(invalid("credential", CommonError::TooLong, text));
    }
    let at = match &req.scanned_at {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map_err(|_| {
                    let text = Text::new("時刻の形式が正しくありません。", "Not an RFC 3339 time.");
                    invalid("scanned_at", CommonError::BadTime, text)
                })?
                .with_timezone(&chrono::Utc),
        ),
        None => None,
    };
    Ok(Json(super::scan(&st, &token, &req.credential, at).await?))
}

/// The largest camera frame decoded, per side: a 4K camera's frame fits.
const MAX_FRAME_SIDE: u32 = 4096;
/// What decoding one frame may allocate (an RGBA frame of the largest size).
const MAX_FRAME_BYTES: u64 = 4 * 4096 * 4096;

#[derive(Serialize, ToSchema)]
pub struct Decoded {
    payload: String,
}

/// Reads a QR code from a camera frame (PNG or JPEG), for kiosks whose browser cannot.
#[utoipa::path(post, path = "/api/v1/kiosk/decode", tag = "kiosk", request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = Decoded), (status = 422, description = "kiosk.no_code"),
              (status = 413, description = "kiosk.image_too_large: over 4096 pixels a side")),
    security(("kiosk_token" = [])))]
async fn decode(_device: KioskDevice, body: Bytes) -> ApiResult<Json<Decoded>> {
    let no_code = || ApiError::from(KioskError::NoCode);
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(&body))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(no_code)?;
    // Refused from the header alone: decoding a huge frame costs seconds and gigabytes.
    if w > MAX_FRAME_SIDE || h > MAX_FRAME_SIDE {
        return Err(ApiError::from(KioskError::ImageTooLarge)
            .with("w", w)
            .with("h", h)
            .with("max", MAX_FRAME_SIDE));
    }
    let payload = tokio::task::spawn_blocking(move || -> Option<String> {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(&body))
            .with_guessed_format()
            .ok()?;
        // The header was checked; the limits also hold the decoder itself to it.
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_FRAME_SIDE);
        limits.max_image_height = Some(MAX_FRAME_SIDE);
        limits.max_alloc = Some(MAX_FRAME_BYTES);
        reader.limits(limits);
        let img = reader.decode().ok()?.to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        prepared
            .detect_grids()
            .iter()
            .find_map(|g| g.decode().ok().map(|(_, text)| text))
    })
    .await
    .map_err(anyhow::Error::from)?
    .ok_or_else(no_code)?;
    Ok(Json(Decoded { payload }))
}

/// My QR code for the kiosk.
#[derive(Serialize, ToSchema)]
pub struct MyQr {
    payload: String,
    /// The code as an SVG image, to show large.
    svg: String,
    /// The code changes every this many seconds.
    window_secs: i64,
    /// When this code stops working (RFC 3339).
    expires_at: String,
}

/// My rotating QR code (changes every 30 seconds, so a screenshot cannot be passed on).
#[utoipa::path(get, path = "/api/v1/me/qr", tag = "kiosk", responses((status = 200, body = MyQr)))]
async fn my_qr(State(st): State<AppState>, who: Principal) -> ApiResult<Json<MyQr>> {
    let now = st.clock.epoch();
    let creds = credential::credentials(&st.db, who.id).await?;
    let w = credential::window(now);
    let payload = credential::sign(&st.secret, who.id, creds.qr_version, false, w);
    let svg = credential::svg_of(&payload)?;
    let expires = (w + 2) * credential::WINDOW_SECS;
    Ok(Json(MyQr {
        payload,
        svg,
        window_secs: credential::WINDOW_SECS,
        expires_at: chrono::DateTime::from_timestamp(expires, 0)
            .unwrap_or_default()
            .to_rfc3339(),
    }))
}

/// Revokes all my QR codes (phone and printed card), e.g. after a phone is lost.
#[utoipa::path(post, path = "/api/v1/me/qr/revoke", tag = "kiosk", responses((status = 204)))]
async fn revoke_my_qr(State(st): State<AppState>, who: Principal) -> ApiResult<StatusCode> {
    credential::bump_qr_version(&st.db, who.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    /// 4 to 6 digits.
    pin: String,
}

/// Sets my kiosk PIN (typed with my member number).
#[utoipa::path(put, path = "/api/v1/me/pin", tag = "kiosk", request_body = PinRequest, responses((status = 204), (status = 422)))]
async fn set_my_pin(
    State(st): State<AppState>,
    who: Principal,
    Json(req): Json<PinRequest>,
) -> ApiResult<StatusCode> {
    let me = who.id;
    let mut v = Validator::new();
    if !((4..=6).contains(&req.pin.len()) && req.pin.bytes().all(|b| b.is_ascii_digit())) {
        v.reject("pin", KioskError::BadPin);
    }
    if store::member_number(&st.db, me).await?.is_none() {
        v.reject("pin", KioskError::NoMemberNumber);
    }
    v.finish()?;
    let pin = req.pin;
    let hash = st.hashing.run(move || password::hash(&pin)).await??;
    credential::set_pin(&st.db, me, Some(hash)).await?;
    crate::auth::store::clear_attempts(&st.db, &super::pin_key(me), st.clock.epoch()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses unless `who` is reception or a director at a site where the person works.
async fn staff_for(st: &AppState, who: &Principal, person: PersonId) -> ApiResult<()> {
    let grants = crate::auth::store::grants_of(&st.db, person.0).await?;
    if grants.is_empty() && !store::person_exists(&st.db, person).await? {
        return Err(ApiError::not_found("利用者", "Person"));
    }
    if who.is_admin
        || grants.iter().any(|g| {
            g.role == Role::Worker && who.has(g.site_id, &[Role::Reception, Role::Director])
        })
    {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// A registered IC card (its id is kept only as a keyed hash).
#[derive(Serialize, ToSchema)]
pub struct Card {
    id: i64,
    person_id: PersonId,
    label: String,
    created_at: i64,
    revoked: bool,
}

/// A person's IC cards (reception and directors).
#[utoipa::path(get, path = "/api/v1/persons/{id}/ic-cards", tag = "kiosk", params(("id" = i64, Path)),
    responses((status = 200, body = [Card])))]
async fn list_cards(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
) -> ApiResult<Json<Vec<Card>>> {
    staff_for(&st, &who, person).await?;
    let rows = credential::cards(&st.db, person).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Card {
                id: r.id,
                person_id: PersonId(r.person_id),
                label: r.label,
                created_at: r.created_at,
                revoked: r.revoked_at.is_some(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    /// The card id as a reader types it (FeliCa IDm or MIFARE UID, hex).
    uid: String,
    #[serde(default)]
    label: String,
}

/// Registers an IC card to a person (reception and directors).
#[utoipa::path(post, path = "/api/v1/persons/{id}/ic-cards", tag = "kiosk", params(("id" = i64, Path)), request_body = NewCard,
    responses((status = 201, body = Card), (status = 422)))]
async fn add_card(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
    Json(req): Json<NewCard>,
) -> ApiResult<(StatusCode, Json<Card>)> {
    staff_for(&st, &who, person).await?;
    let Some(credential::Credential::Card(uid)) = credential::parse(&req.uid) else {
        return Err(invalid_code("uid", KioskError::BadCardId));
    };
    let mut v = Validator::new();
    v.text("label", &req.label, 0, 50);
    v.finish()?;
    let now = st.clock.epoch();
    let hash = credential::card_hash(&st.secret, &uid);
    let id = credential::add_card(&st.db, person, &hash, req.label.trim(), now)
        .await
        .map_err(|e| {
            on_constraint(e, |c| {
                (c == "ic_cards_card_hash_key").then(|| {
                    let text = Text::new(
                        "このカードはすでに登録されています。",
                        "This card is already registered.",
                    );
                    invalid("uid", CommonError::Taken, text)
                })
            })
        })?;
    Ok((
        StatusCode::CREATED,
        Json(Card {
            id,
            person_id: person,
            label: req.label.trim().into(),
            created_at: now,
            revoked: false,
        }),
    ))
}

/// Revokes an IC card (reception and directors).
#[utoipa::path(post, path = "/api/v1/ic-cards/{id}/revoke", tag = "kiosk", params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
async fn revoke_card(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let person = credential::card_holder(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("カード", "Card"))?;
    staff_for(&st, &who, person).await?;
    credential::revoke_card(&st.db, id, st.clock.epoch()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The QR code to print on a member's card (PNG; reception and directors). Static until a
/// new card is printed after a revoke.
#[utoipa::path(get, path = "/api/v1/persons/{id}/qr-card", tag = "kiosk", params(("id" = i64, Path)),
    responses((status = 200, description = "image/png")))]
async fn qr_card(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
) -> ApiResult<Response> {
    staff_for(&st, &who, person).await?;
    let creds = credential::credentials(&st.db, person).await?;
    let payload = credential::sign(
        &st.secret,
        person,
        creds.qr_version,
        true,
        creds.card_serial,
    );
    let png = png_of(&payload)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// A QR code as a PNG image (drawn by auth's credentials; kept here for callers of the old
/// path).
pub fn png_of(payload: &str) -> ApiResult<Vec<u8>> {
    Ok(credential::png_of(payload)?)
}

/// Revokes a member's printed card; the next one printed gets a new code.
#[utoipa::path(post, path = "/api/v1/persons/{id}/qr-card/revoke", tag = "kiosk", params(("id" = i64, Path)), responses((status = 204)))]
async fn revoke_qr_card(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
) -> ApiResult<StatusCode> {
    staff_for(&st, &who, person).await?;
    credential::bump_card_serial(&st.db, person).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clears a member's PIN and lockout, so they can choose a new one (reception and directors).
#[utoipa::path(post, path = "/api/v1/persons/{id}/pin/reset", tag = "kiosk", params(("id" = i64, Path)), responses((status = 204)))]
async fn reset_pin(
    State(st): State<AppState>,
    who: Principal,
    Path(person): Path<PersonId>,
) -> ApiResult<StatusCode> {
    staff_for(&st, &who, person).await?;
    credential::set_pin(&st.db, person, None).await?;
    crate::auth::store::clear_attempts(&st.db, &super::pin_key(person), st.clock.epoch()).await?;
    Ok(StatusCode::NO_CONTENT)
}
