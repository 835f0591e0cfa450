//! The outbox as directors see it: what went out, what waits, what failed; retry a failed one.

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, Json, Path, Query, Text};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(retry))
}

/// A message in the outbox.
#[derive(Serialize, ToSchema)]
pub struct OutboxEntry {
    id: i64,
    site_id: Option<i64>,
    kind: String,
    to_email: String,
    subject: String,
    /// pending, sent or failed.
    status: String,
    attempts: i64,
    last_error: Option<String>,
    /// Epoch seconds.
    created_at: i64,
    sent_at: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// Messages of this site (required for directors).
    site_id: Option<i64>,
    /// pending, sent or failed.
    status: Option<String>,
}

/// The latest 200 messages of a site (its directors) or of all sites (administrators).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "mail", params(OutboxQuery), responses((status = 200, body = [OutboxEntry])))]
async fn list(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<Vec<OutboxEntry>>> {
    match q.site_id {
        Some(site) => who.require(site, &[Role::Director])?,
        None => who.require_admin()?,
    }
    let rows = sqlx::query(
        "SELECT id, site_id, kind, to_email, subject, status, attempts, last_error, created_at, sent_at FROM outbox
         WHERE ($1 IS NULL OR site_id = $1) AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT 200",
    )
    .bind(q.site_id)
    .bind(q.status)
    .fetch_all(&st.db.pool)
    .await?;
    Ok(Json(
        rows.iter()
            .map(|r| OutboxEntry {
                id: r.get("id"),
                site_id: r.get("site_id"),
                kind: r.get("kind"),
                to_email: r.get("to_email"),
                subject: r.get("subject"),
                status: r.get("status"),
                attempts: r.get("attempts"),
                last_error: r.get("last_error"),
                created_at: r.get("created_at"),
                sent_at: r.get("sent_at"),
            })
            .collect(),
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
    let row = sqlx::query("SELECT site_id, status FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(&st.db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("メール", "Message"))?;
    match row.get::<Option<i64>, _>("site_id") {
        Some(site) => who.require(site, &[Role::Director])?,
        None => who.require_admin()?,
    }
    if row.get::<String, _>("status") != "failed" {
        return Err(ApiError::conflict(
            "mail.not_failed",
            Text::new(
                "送信に失敗したメールだけ再送できます。",
                "Only failed messages can be retried.",
            ),
        ));
    }
    sqlx::query("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, last_error = NULL WHERE id = $2")
        .bind(st.clock.epoch())
        .bind(id)
        .execute(&st.db.pool)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
