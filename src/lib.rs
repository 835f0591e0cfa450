//! The KADO telework center service: builds the app from its configuration
//! (config -> database -> router), ready to serve.
//!
//! The modules below depend on each other in one direction (ARCHITECTURE.md, checked by
//! `tests/api/architecture.rs`): infrastructure (config, clock, ids, error, db, events,
//! metrics, mail) < auth < sites < people, clients < childcare < booking < kiosk < ops; only
//! this file, main.rs, web.rs, jobs.rs, openapi.rs and demo.rs combine areas freely.

pub mod access;
pub mod attendance;
pub mod auth;
pub mod booking;
pub mod childcare;
pub mod clients;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod ids;
pub mod jobs;
pub mod kiosk;
pub mod kpi;
pub mod mail;
pub mod metrics;
pub mod occupancy;
mod openapi;
pub mod ops;
pub mod pay;
pub mod people;
pub mod sites;
pub mod training;
mod web;

use anyhow::Context;
use axum::Router;
use clock::Clock;
use config::Config;
use db::Db;
use std::sync::Arc;

/// Every error code the service answers with, with its status and texts (the OpenAPI
/// document's `ErrorCode`).
pub fn error_codes() -> Vec<error::CodeInfo> {
    openapi::catalogue()
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Clock,
    /// Signs tokens (QR codes, calendar links); from `KADO_SECRET` or kept in the database.
    pub secret: Arc<Vec<u8>>,
    pub metrics: Arc<metrics::Metrics>,
    pub mailer: Arc<mail::Mailer>,
    /// Bounds concurrent password and PIN hashing.
    pub hashing: Arc<auth::password::Gate>,
    /// Who may book a seat in a secure room: access's rules, called by booking.
    pub secure_rooms: Arc<dyn booking::book::SecureRoomGate>,
    /// The kiosks' "last seen" writes this instance started.
    pub kiosks_seen: Arc<auth::devices::SeenWrites>,
}

/// The built service: its state and its routes.
pub struct App {
    pub state: AppState,
    pub router: Router,
}

impl App {
    /// Connects to the database, migrates it, loads the demo data into an empty one (when
    /// configured), and builds the routes.
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<App> {
        let db = Db::open(config.database_url(), config.pool()).await?;
        if config.migrate {
            db.migrate().await?;
        }
        events::listen(&db.events.receiving(), config.database_url()).await?;
        if config.loads_demo() {
            let loaded = demo::load_if_empty(&db, &clock)
                .await
                .context("loading the demo data")?;
            if loaded && config.demo_history {
                demo::history::load(&db, &clock)
                    .await
                    .context("loading the demo's last months")?;
            }
        }
        let secret = auth::store::load_or_create_secret(&db, config.secret.as_deref()).await?;
        let mailer = Arc::new(mail::Mailer::from_config(&config)?);
        let state = AppState {
            db,
            config: Arc::new(config),
            clock,
            secret: Arc::new(secret),
            metrics: Arc::default(),
            mailer,
            hashing: Arc::new(auth::password::Gate::for_machine()),
            secure_rooms: Arc::new(access::Gate),
            kiosks_seen: Arc::default(),
        };
        let router = web::router(state.clone());
        Ok(App { state, router })
    }

    /// Serves on the listener, with the background jobs, until Ctrl-C or SIGTERM.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
        let jobs = tokio::spawn(jobs::run(self.state.clone()));
        let header_timeout = std::time::Duration::from_secs(self.state.config.header_timeout);
        serve_http1(listener, self.router, header_timeout, shutdown_signal()).await;
        jobs.abort();
        Ok(())
    }
}

/// Serves HTTP/1.1 connections until `shutdown`, then lets the open ones finish (for up to
/// 30 s). Not `axum::serve`: it has no timeout for reading a request's headers, so a client
/// that sends them a byte at a time would hold a connection and its task for ever.
async fn serve_http1(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: give the open connections a moment.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), req)
            },
        );
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), graceful.shutdown()).await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
