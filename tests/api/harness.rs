//! Starts the real app on a random port against a fresh database (a temporary SQLite file, or a
//! new database on the PostgreSQL server named by `KADO_TEST_PG_URL`), and talks HTTP to it.

use kado::clock::Clock;
use kado::config::Config;
use kado::db::Db;
use kado::{App, demo};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test function once per backend: `mod NAME { fn sqlite; fn postgres }`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::harness::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::harness::Backend::Postgres).await
                }
            }
        )*
    };
}

/// A fresh, empty database of the backend; answers its URL (and the folder that holds a
/// SQLite file, removed when dropped).
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/kado.db?mode=rwc", dir.path().display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            let admin = std::env::var("KADO_TEST_PG_URL").expect(
                "KADO_TEST_PG_URL is not set: run the tests with scripts/test, which starts a \
                 throwaway PostgreSQL server (see README)",
            );
            let name = format!("kado_test_{}", hex(16));
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                .await
                .expect("connect to KADO_TEST_PG_URL");
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            (format!("{base}/{name}"), None)
        }
    }
}

fn hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..n)
        .map(|_| format!("{:x}", r.gen_range(0..16)))
        .collect()
}

/// A running app.
pub struct TestApp {
    pub state: kado::AppState,
    pub base: String,
    pub clock: Clock,
    pub db: Db,
    pub database_url: String,
    /// Where mail lands when no SMTP server is configured.
    pub mail_dir: tempfile::TempDir,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// The app on a fresh database with the demo data.
    pub async fn spawn(backend: Backend) -> TestApp {
        let (url, dir) = fresh_database(backend).await;
        let mut app = Self::spawn_on(&url).await;
        app._dir = dir;
        app
    }

    /// The app on a fresh database with the demo data, its clock set to `now`.
    pub async fn spawn_at(backend: Backend, now: chrono::DateTime<chrono::Utc>) -> TestApp {
        let app = Self::spawn(backend).await;
        app.clock.set(now);
        app
    }

    /// The app on an existing database (a restart, for instance).
    pub async fn spawn_on(url: &str) -> TestApp {
        Self::spawn_configured(url, |_| {}).await
    }

    /// The app on an existing database, with some settings changed.
    pub async fn spawn_configured(url: &str, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config::for_database(url);
        config.db_pool = 4;
        let mail_dir = tempfile::tempdir().expect("mail dir");
        config.mail_dir = mail_dir.path().to_path_buf();
        // The tests count the base demo's rows; the demo's history has its own test.
        config.demo_history = false;
        change(&mut config);
        // Tests run the jobs themselves, at the moments they choose.
        config.job_interval = 24 * 3600;
        let clock = Clock::default();
        if let Some(start) = &config.clock_start {
            let at = chrono::DateTime::parse_from_rfc3339(start).expect("clock start");
            clock.set(at.with_timezone(&chrono::Utc));
        }
        let app = App::build(config, clock.clone()).await.expect("app builds");
        let db = app.state.db.clone();
        let state = app.state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(app.serve(listener));
        TestApp {
            state,
            base,
            clock,
            db,
            database_url: url.to_string(),
            mail_dir,
            _dir: None,
        }
    }

    /// A client with its own cookie jar, not logged in.
    pub fn anonymous(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .build()
            .expect("client")
    }

    /// A client logged in as the demo account with this e-mail.
    pub async fn login(&self, email: &str) -> Client {
        let c = self.anonymous();
        let res = c
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": demo::PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), StatusCode::OK, "login as {email}");
        c
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The id of the demo person with this e-mail.
    pub async fn person_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM persons WHERE email = $1")
            .bind(email)
            .fetch_one(&self.db.pool)
            .await
            .expect("demo person")
    }

    /// A count straight from the database, to prove a refused request changed nothing.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect("count")
    }
}

/// Demo accounts used across tests.
pub const ADMIN: &str = "admin@kado.example";
pub const DIRECTOR: &str = "director@shiojiri.kado.example";
pub const OMACHI_DIRECTOR: &str = "director@omachi.kado.example";
pub const RECEPTION: &str = "reception@shiojiri.kado.example";
pub const WORKER: &str = "worker01@kado.example";
pub const OMACHI_WORKER: &str = "worker25@kado.example";
/// The demo Shiojiri site's id (loaded first).
pub const SHIOJIRI: i64 = 1;

/// Asserts a problem+json answer with this status and code; answers the body.
pub async fn problem(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code, "{body}");
    // Every code a client can get is catalogued, with its texts in both languages.
    assert!(
        kado::error_codes().iter().any(|c| c.code == code),
        "{code} is not in the error catalogue (error_codes! in its area, listed in openapi.rs)"
    );
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    body
}

/// Sends a request that must succeed and answers its body.
pub trait SendJson {
    /// The JSON body.
    async fn send_json(self) -> Value;
    /// The body as text (a calendar, metrics, or a body searched for what it must not hold).
    async fn send_text(self) -> String;
}

impl SendJson for reqwest::RequestBuilder {
    async fn send_json(self) -> Value {
        let res = self.send().await.expect("request");
        let status = res.status();
        let body: Value = res.json().await.expect("JSON body");
        assert!(status.is_success(), "{status}: {body}");
        body
    }

    async fn send_text(self) -> String {
        let res = self.send().await.expect("request");
        let status = res.status();
        let body = res.text().await.expect("text body");
        assert!(status.is_success(), "{status}: {body}");
        body
    }
}

/// Everything the service logs in this test process, from the first call on (one global
/// subscriber at DEBUG, writing into memory).
pub fn captured_logs() -> std::sync::Arc<std::sync::Mutex<String>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static LOGS: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(String::new()));
        let writer = buf.clone();
        let make = move || LogWriter(writer.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(make)
            .with_ansi(false)
            .try_init();
        buf
    })
    .clone()
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<String>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut s) = self.0.lock() {
            s.push_str(&String::from_utf8_lossy(bytes));
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
