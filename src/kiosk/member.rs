//! The member number a kiosk's PIN pad means, shown before the PIN is typed (issue 22 item 7):
//! the pad has only digits, so "1" stands for K-0001, and the person should see that it did.

use super::store;
use crate::AppState;
use crate::auth::KioskDevice;
use crate::error::{ApiError, ApiResult, Json, Query};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The member-number lookup's route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(member))
}

/// What was typed on the pad.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// The member number as typed: "1", "0001" or "K-0001".
    number: String,
}

/// The member number the kiosk understood; nothing else about the person (a passer-by sees
/// the screen).
#[derive(Serialize, ToSchema)]
pub struct KioskMember {
    /// The member number in full, e.g. K-0001.
    member_number: String,
}

/// The member number a PIN pad entry stands for, before the PIN is typed.
#[utoipa::path(get, path = "/api/v1/kiosk/member", tag = "kiosk", params(MemberQuery),
    responses((status = 200, body = KioskMember),
              (status = 401, description = "auth.kiosk_token: no valid kiosk token"),
              (status = 404, description = "not_found: no one (or more than one) has this member number")),
    security(("kiosk_token" = [])))]
async fn member(
    State(st): State<AppState>,
    _device: KioskDevice,
    Query(q): Query<MemberQuery>,
) -> ApiResult<Json<KioskMember>> {
    let not_found = || ApiError::not_found("会員番号", "Member number");
    let member_number = understood(&st.db, &q.number).await?.ok_or_else(not_found)?;
    Ok(Json(KioskMember { member_number }))
}

/// The full member number that a typed one finds, as the PIN check will find it; None when
/// it finds nobody (or several).
pub async fn understood(db: &crate::db::Db, typed: &str) -> ApiResult<Option<String>> {
    let typed = typed.trim();
    if typed.is_empty() || typed.chars().count() > 32 {
        return Ok(None);
    }
    let Some(person) = store::person_by_member(db, typed).await? else {
        return Ok(None);
    };
    Ok(store::member_number(db, person).await?)
}
