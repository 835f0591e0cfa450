//! A site's childcare standard (ratios, minimum staff, age basis, links to desk bookings):
//! its staff read it, its directors set it.

use super::errors::ChildcareError;
use super::http::STAFF;
use super::rules::AgeBasis;
use super::store::{self, Settings};
use crate::AppState;
use crate::auth::Principal;
use crate::error::CommonError;
use crate::error::{ApiResult, Json, Path, Text, Validator};
use crate::ids::SiteId;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, put_settings))
}

/// A site's childcare standard.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsView {
    /// Children per caregiver: [under 1, ages 1-2, age 3, 4 and older].
    ratios: [u32; 4],
    min_staff: u32,
    /// "age" (completed years on the day) or "class" (on April 1 of the fiscal year).
    age_basis: String,
    /// A place must lie within the guardian's own booking at the site.
    within_booking: bool,
    /// A place may stay when its desk booking is cancelled.
    keep_on_desk_cancel: bool,
    /// The childcare room's capacity (set on the space).
    #[serde(default)]
    room_max: u32,
    /// Minutes between nap checks: [under 1, ages 1-2, 3 and older], each 1 to 60 (kept
    /// when left out).
    #[serde(default)]
    nap_check_minutes: Option<[u32; 3]>,
}

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        SettingsView {
            ratios: s.standard.ratios,
            min_staff: s.standard.min_staff,
            age_basis: s.standard.basis.as_str().into(),
            within_booking: s.within_booking,
            keep_on_desk_cancel: s.keep_on_desk_cancel,
            room_max: s.standard.room_max,
            nap_check_minutes: Some(s.nap_minutes),
        }
    }
}

/// The site's childcare standard (its staff).
#[utoipa::path(get, path = "/api/v1/sites/{id}/childcare-settings", tag = "childcare", params(("id" = i64, Path)),
    responses((status = 200, body = SettingsView)))]
async fn get_settings(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
) -> ApiResult<Json<SettingsView>> {
    who.require(site, &STAFF)?;
    Ok(Json(super::settings(&st.db, site).await?.into()))
}

/// The input applied to the stored settings, checked.
fn apply(mut s: Settings, input: SettingsView) -> ApiResult<Settings> {
    let mut v = Validator::new();
    // The code is sites' (declared once); the text names both ranges at once.
    v.check(
        input.ratios.iter().all(|r| (1..=50).contains(r)) && (1..=10).contains(&input.min_staff),
        "ratios",
        CommonError::OutOfRange,
        Text::new(
            "比率は1〜50、最低人数は1〜10です。",
            "Ratios are 1 to 50; the minimum staff 1 to 10.",
        ),
    );
    let naps = input.nap_check_minutes.unwrap_or(s.nap_minutes);
    v.check(
        naps.iter().all(|m| (1..=60).contains(m)),
        "nap_check_minutes",
        CommonError::OutOfRange,
        Text::new(
            "午睡チェックの間隔は1〜60分です。",
            "Nap checks are 1 to 60 minutes apart.",
        ),
    );
    let basis = input.age_basis.parse::<AgeBasis>();
    if basis.is_err() {
        v.reject("age_basis", ChildcareError::BadAgeBasis);
    }
    v.finish()?;
    s.standard.ratios = input.ratios;
    s.standard.min_staff = input.min_staff;
    s.standard.basis = basis.unwrap_or(s.standard.basis);
    s.within_booking = input.within_booking;
    s.keep_on_desk_cancel = input.keep_on_desk_cancel;
    s.nap_minutes = naps;
    Ok(s)
}

/// Sets the site's childcare standard (its directors).
#[utoipa::path(put, path = "/api/v1/sites/{id}/childcare-settings", tag = "childcare", params(("id" = i64, Path)), request_body = SettingsView,
    responses((status = 200, body = SettingsView), (status = 422)))]
async fn put_settings(
    State(st): State<AppState>,
    who: Principal,
    Path(site): Path<SiteId>,
    Json(input): Json<SettingsView>,
) -> ApiResult<Json<SettingsView>> {
    who.require(site, &[crate::auth::Role::Director])?;
    let s = apply(super::settings(&st.db, site).await?, input)?;
    store::put_settings(&st.db, site, &s).await?;
    Ok(Json(super::settings(&st.db, site).await?.into()))
}
