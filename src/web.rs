//! The router: the API areas, health and metrics, the OpenAPI document, the embedded pages,
//! and the middleware every request passes (language, metrics, body limit, tracing).

use crate::AppState;
use crate::error::{ApiError, CommonError, LANG, Lang};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use rust_embed::RustEmbed;
use std::sync::Arc;
use std::time::Instant;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(RustEmbed)]
#[folder = "kiosk-ui/"]
struct Ui;

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let (api, mut openapi) = OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(crate::auth::http::router())
        .merge(crate::kiosk::devices::router())
        .merge(crate::sites::http::router())
        .merge(crate::people::http::router())
        .merge(crate::people::account::router())
        .merge(crate::clients::router())
        .merge(crate::booking::http::router())
        .merge(crate::childcare::http::router())
        .merge(crate::training::http::router())
        .merge(crate::kiosk::http::router())
        .merge(crate::kiosk::member::router())
        .merge(crate::access::http::router())
        .merge(crate::ops::outbox::router())
        .merge(crate::attendance::http::router())
        .merge(crate::pay::http::router())
        .merge(crate::kpi::http::router())
        .merge(crate::occupancy::http::router())
        .routes(utoipa_axum::routes!(time))
        .split_for_parts();
    crate::openapi::add_error_answers(&mut openapi);
    crate::openapi::add_code_catalogue(&mut openapi);
    let max_body = state.config.max_body;
    let api = if state.config.test_clock && state.config.bind.ip().is_loopback() {
        api.route("/test/clock/advance", axum::routing::post(advance_clock))
    } else {
        api
    };
    api.route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::openapi::swagger_ui(openapi))
        .fallback(fallback)
        .layer(middleware::map_response(method_not_allowed))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(
            Arc::new(Guard::new(&state.config)),
            guard,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(redacted_span))
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

#[derive(serde::Deserialize)]
struct Advance {
    seconds: u32,
}

/// Moves the service's clock forward, so that a browser test need not wait in real time for
/// a window to pass (only with `KADO_TEST_CLOCK=true` on a loopback address).
async fn advance_clock(
    State(st): State<AppState>,
    axum::extract::Query(a): axum::extract::Query<Advance>,
) -> Json<ServiceTime> {
    st.clock
        .advance(chrono::Duration::seconds(a.seconds.into()));
    time(State(st)).await
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
    let probe = st.db.ready(st.clock.epoch());
    let failure = match tokio::time::timeout(std::time::Duration::from_millis(750), probe).await {
        Ok(Ok(())) => return "ready".into_response(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer within 750 ms".to_string(),
    };
    tracing::warn!(error = %failure, "not ready: the database cannot be written");
    crate::error::database_unavailable().into_response()
}

/// The Prometheus metrics, only to a client that sends the configured bearer token
/// (`KADO_METRICS_TOKEN`); without one configured, nobody gets them (404, as if there were
/// no such page), since request counts per route tell an outsider what people do.
async fn metrics(State(st): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(token) = st.config.metrics_token.as_deref().filter(|t| !t.is_empty()) else {
        return ApiError::not_found("ページ", "Page").into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(sent.trim(), token) {
        let mut res = ApiError::from(CommonError::MetricsTokenRequired).into_response();
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return res;
    }
    let body = st.metrics.render(st.db.pool.size(), st.db.pool.num_idle());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// What the [`guard`] middleware needs from the configuration, worked out once.
struct Guard {
    /// `http` or `https`: the scheme of the base URL, which the page's own origin carries.
    scheme: &'static str,
    /// The origin of the base URL (`https://kado.example.jp`), as browsers send it.
    origin: String,
    /// `Strict-Transport-Security`, when the base URL is https.
    hsts: bool,
}

impl Guard {
    fn new(config: &crate::config::Config) -> Guard {
        let base = config.base_url();
        let scheme = if config.secure_cookies() {
            "https"
        } else {
            "http"
        };
        let after_scheme = base.split_once("://").map_or(base.as_str(), |(_, r)| r);
        let host = after_scheme.split('/').next().unwrap_or_default();
        Guard {
            scheme,
            origin: format!("{scheme}://{host}").to_ascii_lowercase(),
            hsts: scheme == "https",
        }
    }

    /// Whether a state-changing request comes from a page of another origin: a browser says
    /// so in `Sec-Fetch-Site`, or sends an `Origin` that is not ours. A request with neither
    /// was not sent by a browser on a page's behalf (curl, other programs, the tests), so it
    /// passes.
    fn cross_origin(&self, req: &Request) -> bool {
        if matches!(
            *req.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        ) {
            return false;
        }
        let headers = req.headers();
        if let Some(site) = headers.get("sec-fetch-site")
            && !matches!(site.as_bytes(), b"same-origin" | b"none")
        {
            return true;
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            return false;
        };
        let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
        let host = req
            .uri()
            .authority()
            .map(|a| a.as_str())
            .or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()));
        let own =
            host.is_some_and(|h| origin == format!("{}://{}", self.scheme, h.to_ascii_lowercase()));
        !(own || origin == self.origin)
    }
}

/// The pages may load scripts, styles and images from this service only (no inline script
/// or style), images also from data: and blob: URLs (the QR codes), the kiosk's camera as a
/// media stream, and may not be framed by any other page. The one style hash is the
/// `<style>` element Swagger UI's bundle injects at /api/docs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; \
     font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Refuses cross-origin state changes (a page on another port of the same host is "same
/// site" and gets the SameSite=Lax cookie sent), and adds the security headers to every
/// answer.
async fn guard(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/v1/");
    let mut res = if guard.cross_origin(&req) {
        ApiError::from(CommonError::CrossOrigin).into_response()
    } else {
        next.run(req).await
    };
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if api {
        // Answers carry people's bookings, children and sessions: no cache may keep them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if guard.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

/// The request's span for `tower_http=debug`, with the secrets its URI may carry (the
/// calendar feed's token, any `token=` or `code=` parameter) replaced by `REDACTED`.
fn redacted_span(req: &Request) -> tracing::Span {
    tracing::debug_span!(
        target: "tower_http::trace::make_span",
        "request",
        method = %req.method(),
        uri = %redact_uri(req.uri()),
        version = ?req.version(),
    )
}

/// The URI with its secrets replaced.
fn redact_uri(uri: &Uri) -> String {
    let path = uri.path();
    let mut out = match path.strip_prefix("/api/v1/calendar/") {
        Some(rest) if !rest.is_empty() => "/api/v1/calendar/REDACTED".to_string(),
        _ => path.to_string(),
    };
    if let Some(query) = uri.query() {
        out.push('?');
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if secret_parameter(key) => format!("{key}=REDACTED"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

/// Whether a query parameter's name says its value is a secret (`token`, `pairing_code`, ...).
fn secret_parameter(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "token", "code", "secret", "password", "pin", "key", "signin",
    ]
    .iter()
    .any(|s| key == *s || key.ends_with(&format!("_{s}")))
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
            res
        }
        None => ApiError::not_found("ページ", "Page").into_response(),
    }
}

/// axum's bare 405 (a known path, another method) as problem+json, keeping its Allow header.
async fn method_not_allowed(res: Response) -> Response {
    if res.status() != axum::http::StatusCode::METHOD_NOT_ALLOWED
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut problem = ApiError::from(CommonError::MethodNotAllowed).into_response();
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    problem
}

/// Pages from `kiosk-ui/` (a folder answers with its index.html); a problem for anything else.
async fn fallback(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return ApiError::not_found("API(一覧は /api/docs)", "API endpoint (see /api/docs)")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_uris_keep_their_shape_without_secrets() {
        let redacted = |u: &str| redact_uri(&u.parse().unwrap());
        assert_eq!(
            redacted("/api/v1/calendar/abcdef.ics"),
            "/api/v1/calendar/REDACTED"
        );
        assert_eq!(
            redacted("/api/v1/x?date=2026-01-01&token=abc&pickup_code=9&Code=1&shipping=2"),
            "/api/v1/x?date=2026-01-01&token=REDACTED&pickup_code=REDACTED&Code=REDACTED&shipping=2"
        );
        assert_eq!(redacted("/api/v1/calendar/"), "/api/v1/calendar/");
        assert_eq!(redacted("/healthz"), "/healthz");
    }

    #[test]
    fn cross_origin_follows_the_base_url_and_the_host() {
        let mut config = crate::config::Config::for_database("sqlite::memory:");
        config.base_url = Some("https://kado.example.jp/".into());
        let guard = Guard::new(&config);
        let post = |headers: &[(&str, &str)]| {
            let mut req = axum::http::Request::post("/api/v1/auth/logout");
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            guard.cross_origin(&req.body(axum::body::Body::empty()).unwrap())
        };
        assert!(!post(&[]));
        assert!(!post(&[("origin", "https://KADO.example.jp")]));
        assert!(!post(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://10.0.0.5:8080")
        ]));
        assert!(post(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "http://10.0.0.5:8080")
        ]));
        assert!(post(&[("origin", "https://kado.example.jp.evil.example")]));
        assert!(post(&[("sec-fetch-site", "same-site")]));
        assert!(!post(&[("sec-fetch-site", "same-origin")]));
        let get = axum::http::Request::get("/api/v1/auth/me")
            .header("sec-fetch-site", "cross-site")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(!guard.cross_origin(&get));
    }
}
