//! Every setting, read from environment variables (or flags), with defaults.

use clap::Parser;
use std::net::SocketAddr;

/// The embedded database, used when no `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/kado.db?mode=rwc";

/// The service's settings.
#[derive(Clone, Debug, Parser)]
pub struct Config {
    /// Database: `sqlite://path?mode=rwc` or `postgres://user:pass@host/db`
    /// [default: sqlite://data/kado.db?mode=rwc].
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address and port the HTTP server listens on.
    #[arg(long, env = "KADO_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Secret for signing tokens; generated and kept in the database when not given.
    #[arg(long, env = "KADO_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// The address people use to reach the service (links in e-mails, Secure cookies on
    /// https); `http://` + the bind address when not given.
    #[arg(long, env = "KADO_BASE_URL")]
    pub base_url: Option<String>,
    /// Log filter, e.g. `info` or `kado=debug,tower_http=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log: String,
    /// Load the demo data into an empty database on start [default: true without
    /// DATABASE_URL, false with one].
    #[arg(long, env = "KADO_DEMO", action = clap::ArgAction::Set)]
    pub demo: Option<bool>,
    /// With the demo data, also load its last two months (approved, the older one paid) and
    /// today's childcare bookings.
    #[arg(long, env = "KADO_DEMO_HISTORY", default_value_t = true, action = clap::ArgAction::Set)]
    pub demo_history: bool,
    /// Bring the schema up to date on start. false: the schema's owner runs `kado migrate`
    /// (then `kado grant ROLE`) and the service logs in as a role that only reads and writes
    /// rows (README, PostgreSQL).
    #[arg(long, env = "KADO_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "KADO_MAX_BODY", default_value_t = 64 * 1024)]
    pub max_body: usize,
    /// How many days a mailed invitation to set one's password stays valid.
    #[arg(long, env = "KADO_INVITATION_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=90))]
    pub invitation_days: u32,
    /// Behind a load balancer: take the client's address from the last `X-Forwarded-For`
    /// entry (the one the balancer added) for login throttling.
    #[arg(long, env = "KADO_TRUST_PROXY", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_proxy: bool,
    /// The SMTP server for outgoing mail, e.g. `smtp://user:pass@mail.example.jp:587?tls=required`
    /// or `smtps://...:465`; without it, messages are written as .eml files to `mail_dir`.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail.
    #[arg(long, env = "MAIL_FROM", default_value = "KADO <noreply@kado.example>")]
    pub mail_from: String,
    /// The mail-drop folder used when no SMTP server is configured.
    #[arg(long, env = "MAIL_DIR", default_value = "data/mail")]
    pub mail_dir: std::path::PathBuf,
    /// Start the service's clock at this instant (RFC 3339) instead of now; it runs on from
    /// there. For demonstrations and browser tests only.
    #[arg(long, env = "KADO_CLOCK_START")]
    pub clock_start: Option<String>,
    /// Browser tests only: serve `POST /test/clock/advance?seconds=N`, which moves the
    /// service's clock forward (ignored unless the service listens on loopback only).
    #[arg(long, env = "KADO_TEST_CLOCK", default_value_t = false, action = clap::ArgAction::Set, hide = true)]
    pub test_clock: bool,
    /// Seconds between runs of the background jobs (no-show release, ...).
    #[arg(long, env = "KADO_JOB_INTERVAL", default_value_t = 30)]
    pub job_interval: u64,
    /// Database connections per instance.
    #[arg(long, env = "KADO_DB_POOL", default_value_t = 8)]
    pub db_pool: u32,
    /// The bearer token Prometheus sends for `GET /metrics`; without it the metrics are not
    /// served at all (404), since they tell anyone how busy each route is.
    #[arg(long, env = "KADO_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds a client may take to send a request's headers (and an idle connection is
    /// kept open) before the connection is closed.
    #[arg(long, env = "KADO_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a request waits for a database connection (on SQLite also for its turn to
    /// write) before it answers 503 with Retry-After, e.g. while PostgreSQL is down.
    #[arg(long, env = "KADO_DB_ACQUIRE_TIMEOUT", default_value_t = 3)]
    pub db_acquire_timeout: u64,
}

impl Config {
    /// Defaults for a given database, with the demo data (which the tests start from).
    pub fn for_database(url: &str) -> Self {
        let mut c = Config::parse_from(["kado"]);
        c.database_url = Some(url.to_string());
        c.demo = Some(true);
        c
    }

    /// The database's URL: the one given, or the embedded [`DEFAULT_DATABASE_URL`].
    pub fn database_url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }

    /// Whether to load the demo data into an empty database on start: when asked, else only
    /// on the embedded database, so that an empty production database never gets demo
    /// accounts with a published password.
    pub fn loads_demo(&self) -> bool {
        self.demo.unwrap_or(self.database_url.is_none())
    }

    /// The public address, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The database pool's settings.
    pub fn pool(&self) -> crate::db::PoolSettings {
        crate::db::PoolSettings {
            max_connections: self.db_pool,
            acquire_timeout: std::time::Duration::from_secs(self.db_acquire_timeout.max(1)),
        }
    }

    /// Whether cookies must carry the Secure flag.
    pub fn secure_cookies(&self) -> bool {
        self.base_url().starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    #[test]
    fn base_url_follows_bind_unless_given() {
        let mut c = Config::for_database("sqlite::memory:");
        c.bind = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(c.base_url(), "http://0.0.0.0:9000");
        assert!(!c.secure_cookies());
        c.base_url = Some("https://kado.example.jp/".into());
        assert_eq!(c.base_url(), "https://kado.example.jp");
        assert!(c.secure_cookies());
    }

    #[test]
    fn demo_data_only_on_the_embedded_database_unless_asked() {
        let pg = "postgres://kado@db/kado";
        let table: [(&[&str], &str, bool); 7] = [
            (&[], DEFAULT_DATABASE_URL, true),
            (&["--demo", "false"], DEFAULT_DATABASE_URL, false),
            (&["--demo", "true"], DEFAULT_DATABASE_URL, true),
            (&["--database-url", pg], pg, false),
            (&["--database-url", pg, "--demo", "true"], pg, true),
            (&["--database-url", pg, "--demo", "false"], pg, false),
            // An explicit URL is explicit even when it names the default file.
            (
                &["--database-url", DEFAULT_DATABASE_URL],
                DEFAULT_DATABASE_URL,
                false,
            ),
        ];
        // Parsed without the environment, so that a DATABASE_URL or KADO_DEMO set where the
        // tests run cannot change the answers.
        let command = || Config::command().mut_args(|a| a.env(None::<&str>));
        for (args, url, demo) in table {
            let matches = command()
                .try_get_matches_from(std::iter::once("kado").chain(args.iter().copied()))
                .unwrap();
            let c = Config::from_arg_matches(&matches).unwrap();
            assert_eq!((c.database_url(), c.loads_demo()), (url, demo), "{args:?}");
        }
    }
}
