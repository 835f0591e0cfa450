//! The router: the API areas, health and metrics, the OpenAPI document, the embedded pages,
//! and the middleware every request passes (language, metrics, body limit, tracing).

use crate::AppState;
use crate::error::{ApiError, LANG, Lang, Text};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use rust_embed::RustEmbed;
use std::time::Instant;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    modifiers(&SecuritySchemes),
    security(("session" = [])),
    info(
        title = "KADO telework center API",
        description = "Sites, spaces, accounts and roles, kiosk devices. Errors are application/problem+json with a stable `code`; human text follows Accept-Language (ja, en). Log in with POST /api/v1/auth/login; the session is an HttpOnly cookie. Kiosk endpoints take `Authorization: Bearer <device token>`."
    ),
    tags(
        (name = "auth", description = "Log in and out"),
        (name = "sites", description = "Municipalities, sites, opening calendars"),
        (name = "spaces", description = "Desks and rooms"),
        (name = "people", description = "Accounts, roles, teams"),
        (name = "clients", description = "Client companies and projects"),
        (name = "bookings", description = "Desk and room bookings, recurring series, calendar feed"),
        (name = "mail", description = "The outbox of e-mail"),
        (name = "childcare", description = "Children, caregiver shifts, ratio-based places, hand-over"),
        (name = "kiosk devices", description = "Registering and revoking entrance kiosks"),
        (name = "kiosk", description = "The kiosk's own API (device token)")
    )
)]
struct ApiDoc;

/// The two ways to authenticate: a person's session cookie (the default for every
/// operation) and a kiosk's bearer token (the kiosk operations).
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Set by POST /api/v1/auth/login (HttpOnly).",
            ))),
        );
        components.add_security_scheme(
            "kiosk_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The device token a kiosk gets from POST /api/v1/kiosk/pair.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(RustEmbed)]
#[folder = "kiosk-ui/"]
struct Ui;

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::auth::http::router())
        .merge(crate::auth::kiosk::router())
        .merge(crate::sites::http::router())
        .merge(crate::people::http::router())
        .merge(crate::clients::router())
        .merge(crate::booking::http::router())
        .merge(crate::childcare::http::router())
        .merge(crate::kiosk::http::router())
        .merge(crate::mail::http::router())
        .routes(utoipa_axum::routes!(time))
        .split_for_parts();
    let max_body = state.config.max_body;
    api.route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route(
            "/api/openapi.json",
            get(move || async move { Json(openapi.clone()) }),
        )
        .route("/api/docs", get(|| async { page("docs/index.html") }))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The service's clock.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ServiceTime {
    /// Now, in UTC (RFC 3339, milliseconds).
    now: String,
}

/// The service's current time, for clients whose own clock may be wrong (a phone set by
/// hand, a kiosk offline for days) or when the service runs on a clock of its own
/// (`KADO_CLOCK_START`). No login needed: the time is no secret.
#[utoipa::path(get, path = "/api/v1/time", tag = "sites", security(()),
    responses((status = 200, body = ServiceTime)))]
async fn time(State(st): State<AppState>) -> Json<ServiceTime> {
    Json(ServiceTime {
        now: st
            .clock
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

/// Runs the request in its language and counts it.
async fn observe(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let method = req.method().to_string();
    let started = Instant::now();
    let res = LANG.scope(lang, next.run(req)).await;
    st.metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// A panic is our bug: answer a plain 500 problem instead of dropping the connection.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// Ready when the database takes a write now, answered within a second: `SELECT 1` passes
/// on a full disk or a read-only database, and a load balancer must not wait on a database
/// that hangs.
async fn readyz(State(st): State<AppState>) -> Response {
    let probe = st.db.probe_write(st.clock.epoch());
    let failure = match tokio::time::timeout(std::time::Duration::from_millis(750), probe).await {
        Ok(Ok(())) => return "ready".into_response(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer within 750 ms".to_string(),
    };
    tracing::warn!(error = %failure, "not ready: the database cannot be written");
    crate::error::database_unavailable().into_response()
}

async fn metrics(State(st): State<AppState>) -> Response {
    let body = st.metrics.render(st.db.pool.size(), st.db.pool.num_idle());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

fn page(path: &str) -> Response {
    match Ui::get(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            let mut res = file.data.into_owned().into_response();
            let headers = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            res
        }
        None => ApiError::not_found("ページ", "Page").into_response(),
    }
}

/// Pages from `kiosk-ui/` (a folder answers with its index.html); a problem for anything else.
async fn fallback(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return ApiError::client(
            StatusCode::NOT_FOUND,
            "not_found",
            Text::new(
                "そのAPIはありません。/api/docs を参照してください。",
                "There is no such API endpoint; see /api/docs.",
            ),
        )
        .into_response();
    }
    if path.is_empty() || path.ends_with('/') {
        return page(&format!("{path}index.html"));
    }
    if Ui::get(path).is_none() && Ui::get(&format!("{path}/index.html")).is_some() {
        return Redirect::permanent(&format!("/{path}/")).into_response();
    }
    page(path)
}
