//! `kado`: serve (the default), `kado migrate`, `kado grant ROLE`, `kado demo`,
//! `kado audit verify`.

use clap::{Parser, Subcommand};
use kado::config::Config;
use kado::{App, clock::Clock, db::Db, demo};

#[derive(Parser)]
#[command(name = "kado", version, about = "The KADO telework center service")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the pages and the background jobs (the default).
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// PostgreSQL, run as the schema's owner: let the service's login ROLE read and write
    /// rows but not change the schema nor rewrite the audit trails, then exit.
    Grant { role: String },
    /// Load the demo data (once), then exit.
    Demo,
    /// The secure rooms' audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the hash chain; name the first record that does not match (exit code 1).
    Verify,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut config = cli.config;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log).unwrap_or_else(|_| "info".into()),
        )
        .init();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            let db = Db::connect(config.database_url(), 1).await?;
            db.migrate().await?;
            println!(
                "Database schema is up to date ({}).",
                kado::db::redact(config.database_url())
            );
        }
        Command::Grant { role } => {
            let db = Db::connect(config.database_url(), 1).await?;
            db.grant_service_role(&role).await?;
            println!("{role} may read and write rows; the trails are append-only for it.");
        }
        Command::Demo => {
            let db = Db::connect(config.database_url(), 1).await?;
            db.migrate().await?;
            let clock = Clock::default();
            if demo::load(&db, &clock).await? {
                if config.demo_history {
                    demo::history::load(&db, &clock).await?;
                }
                println!("Demo data loaded.");
            } else {
                println!("Demo data was already loaded; nothing changed.");
            }
        }
        Command::Audit {
            action: AuditAction::Verify,
        } => {
            let db = Db::connect(config.database_url(), 1).await?;
            let v = kado::access::audit::verify(&db).await?;
            if v.intact {
                println!("Audit chain intact: {} records.", v.records);
            } else {
                println!(
                    "Audit chain BROKEN at record {}: {}",
                    v.first_bad.unwrap_or_default(),
                    v.problem.unwrap_or_default()
                );
                std::process::exit(1);
            }
        }
        Command::Serve => {
            // Bound before anything else, so that port 0 ("any free port", used by the test
            // scripts) is resolved and the base URL and the banner name the real port.
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            config.bind = listener.local_addr()?;
            let bind = config.bind;
            let base = config.base_url();
            let demo_on = config.loads_demo();
            let clock = Clock::default();
            if let Some(start) = &config.clock_start {
                let at = chrono::DateTime::parse_from_rfc3339(start)
                    .map_err(|e| anyhow::anyhow!("KADO_CLOCK_START {start:?}: {e}"))?;
                clock.set(at.with_timezone(&chrono::Utc));
                println!("The clock starts at {start} (KADO_CLOCK_START).");
            }
            let database = kado::db::redact(config.database_url());
            let mail = match &config.smtp_url {
                Some(_) => "sent through SMTP_URL".to_string(),
                None => format!("written as .eml files to {}", config.mail_dir.display()),
            };
            let app = App::build(config, clock).await?;
            println!("KADO is running at {base}/ (listening on {bind})");
            println!("  login page   {base}/");
            println!("  worker pages {base}/app/  (phone first)");
            println!("  admin        {base}/admin/");
            println!("  kiosk        {base}/kiosk/");
            println!("  API docs     {base}/api/docs  (OpenAPI: {base}/api/openapi.json)");
            println!("Database: {database}");
            println!("Mail: {mail}");
            if demo_on {
                println!("Demo accounts (password \"{}\"):", demo::PASSWORD);
                for (role, email) in demo::LOGINS {
                    println!("  {email:<36} {role}");
                }
                let now = app.state.clock.epoch();
                if demo::kiosk_code_unused(&app.state.db, now).await? {
                    println!("Demo kiosk pairing code: {} (works once)", demo::KIOSK_CODE);
                } else {
                    println!(
                        "The demo kiosk is paired (its code works once). To add a kiosk, a \
                         director registers one on {base}/admin/ and types its code at {base}/kiosk/."
                    );
                }
            }
            app.serve(listener).await?;
        }
    }
    Ok(())
}
