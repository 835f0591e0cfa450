//! The outbox as directors see it: what went out, what waits, what failed; retry a failed one.

use super::OpsError;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::ids::{MailId, SiteId};
use crate::mail::outbox::{self, Entry};
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The outbox routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(retry))
}

#[derive(Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// Messages of this site (required for directors).
    site_id: Option<i64>,
    /// pending, sent or failed.
    status: Option<String>,
}

/// The latest 200 messages of a site (its directors) or of all sites (administrators).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "mail", params(OutboxQuery), responses((status = 200, body = [Entry])))]
async fn list(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<Vec<Entry>>> {
    match q.site_id {
        Some(site) => who.require(site, &[Role::Director])?,
        None => who.require_admin()?,
    }
    let site = q.site_id.map(SiteId);
    Ok(Json(
        outbox::latest(&st.db, site, q.status.as_deref()).await?,
    ))
}

/// Sends a failed message again (its site's directors, administrators).
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "mail", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, description = "mail.not_failed")))]
async fn retry(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> ApiResult<axum::http::StatusCode> {
    let id = MailId(id);
    let (site, status) = outbox::site_and_status(&st.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("メール", "Message"))?;
    match site {
        Some(site) => who.require(site.0, &[Role::Director])?,
        None => who.require_admin()?,
    }
    status.retry().map_err(|_| OpsError::NotFailed)?;
    outbox::retry(&st.db, id, st.clock.epoch()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
