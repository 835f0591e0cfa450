//! The database pool for SQLite or PostgreSQL, migrations, transactions, and the few places
//! where the two backends differ.

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::path::Path;

/// A transaction on either backend.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Which database engine a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pool, and which backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects to the database the URL names, creating a SQLite file's folder if needed.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:, got {url:?}");
        };
        if backend == Backend::Sqlite {
            create_sqlite_folder(url)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; busy_timeout makes a
                        // writer wait for the lock instead of failing at once.
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA synchronous = NORMAL",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .with_context(|| format!("cannot open the database at {}", redact(url)))?;
        Ok(Db { pool, backend })
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("migrations failed")?;
        Ok(())
    }

    /// Starts a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads and then writes fails with SQLITE_BUSY instead of
    /// waiting for the lock.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}

/// Takes a row lock that later writers of the same row wait for, until the transaction ends.
/// PostgreSQL: `FOR NO KEY UPDATE`, which does not block foreign-key checks of inserts that
/// reference the row. SQLite: nothing, because `BEGIN IMMEDIATE` serialises writers already.
pub async fn lock_row(tx: &mut Tx, table: &'static str, id: i64) -> sqlx::Result<()> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query(&format!(
            "SELECT id FROM {table} WHERE id = $1 FOR NO KEY UPDATE"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Whether the database gave up a transaction to break a deadlock or a serialisation
/// conflict: nothing was written, and the same request may succeed when sent again.
pub fn is_retryable(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == "40P01" || c == "40001")
}

fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    Ok(())
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// The name of the constraint a write broke, the same on both backends: PostgreSQL's own
/// name (`persons_email_key`), or SQLite's message turned into that name, or the message a
/// SQLite trigger raised with `RAISE(ABORT, 'name')`.
pub fn violated_constraint(err: &sqlx::Error) -> Option<String> {
    let db = err.as_database_error()?;
    if let Some(name) = db.constraint() {
        return Some(name.to_string());
    }
    let msg = db.message();
    if let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ") {
        let table = cols.split('.').next()?;
        let columns: Vec<&str> = cols
            .split(", ")
            .filter_map(|c| c.split('.').nth(1))
            .collect();
        return Some(format!("{table}_{}_key", columns.join("_")));
    }
    if msg == "FOREIGN KEY constraint failed" {
        return Some("foreign_key".into());
    }
    if let Some(check) = msg.strip_prefix("CHECK constraint failed: ") {
        return Some(check.to_string());
    }
    // A trigger's RAISE(ABORT, 'name'): the message is the name.
    (!msg.contains(' ')).then(|| msg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(
            redact("postgres://kado:s3cret@db:5432/kado"),
            "postgres://kado:***@db:5432/kado"
        );
        assert_eq!(redact("sqlite://data/kado.db"), "sqlite://data/kado.db");
        assert_eq!(redact("postgres://kado@db/kado"), "postgres://kado@db/kado");
    }
}
