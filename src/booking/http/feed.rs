//! The private calendar feed.

use crate::AppState;
use crate::auth::Principal;
use crate::booking::{feed as calendar, store};
use crate::error::{ApiError, ApiResult, Json, Path};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The routes of these handlers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_feed, revoke_feed))
        .routes(routes!(feed))
}

fn no_feed() -> ApiError {
    ApiError::not_found("カレンダー", "Calendar feed")
}

#[derive(Serialize, ToSchema)]
pub struct FeedUrl {
    /// The private address to subscribe to; anyone with it can read the calendar.
    url: String,
}

/// Makes my private calendar-feed address (a new one replaces the old, which stops working).
#[utoipa::path(post, path = "/api/v1/me/calendar-feed", tag = "bookings", responses((status = 201, body = FeedUrl)))]
async fn new_feed(
    State(st): State<AppState>,
    who: Principal,
) -> ApiResult<(StatusCode, Json<FeedUrl>)> {
    let token = calendar::renew(&st, who.id).await?;
    let url = format!("{}/api/v1/calendar/{token}.ics", st.config.base_url());
    Ok((StatusCode::CREATED, Json(FeedUrl { url })))
}

/// Revokes my calendar feed.
#[utoipa::path(delete, path = "/api/v1/me/calendar-feed", tag = "bookings", responses((status = 204), (status = 404)))]
async fn revoke_feed(State(st): State<AppState>, who: Principal) -> ApiResult<StatusCode> {
    if store::delete_feed(&st.db, who.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_feed())
    }
}

/// A worker's bookings as an iCalendar feed (the token in the address is the credential).
#[utoipa::path(get, path = "/api/v1/calendar/{file}", tag = "bookings", security(()), params(("file" = String, Path, description = "TOKEN.ics")),
    responses((status = 200, description = "text/calendar"), (status = 404)))]
async fn feed(State(st): State<AppState>, Path(file): Path<String>) -> ApiResult<Response> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let body = calendar::calendar_of(&st, token)
        .await?
        .ok_or_else(no_feed)?;
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response())
}
