//! The database pool for SQLite or PostgreSQL, migrations, transactions, and the few places
//! where the two backends differ.

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, TransactionManager};
use std::path::Path;
use std::time::Duration;

/// A transaction on either backend, with the domain events published in it. It derefs to the
/// connection (`&mut **tx` in a function that borrows it); [`Tx::commit`] commits and then
/// delivers the events, and a transaction rolled back or dropped delivers none.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    events: crate::events::Pending,
}

impl Tx {
    /// Publishes an event, delivered only if and after this transaction commits.
    pub fn publish(&mut self, event: crate::events::Event) {
        self.events.push(event);
    }

    /// Commits, then delivers the events published in the transaction.
    pub async fn commit(self) -> sqlx::Result<()> {
        let Tx { inner, events } = self;
        inner.commit().await?;
        events.deliver();
        Ok(())
    }

    /// Rolls back: nothing written, no event delivered.
    pub async fn rollback(self) -> sqlx::Result<()> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

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
    /// SQLite only: one connection for every write transaction. Its pool hands it out in the
    /// order writers asked (a fair FIFO queue in the process), instead of each writer polling
    /// SQLite's busy handler for the file lock. PostgreSQL writes use `pool`.
    writer: Option<AnyPool>,
    /// SQLite only: the folder of the database file, whose free space readiness watches.
    folder: Option<std::path::PathBuf>,
    /// SQLite files only: the background checkpointer runs while a handle to this lives.
    _checkpoints: Option<std::sync::Arc<()>>,
    /// When a write probe last succeeded; its lock lets one probe run at a time.
    last_ready: std::sync::Arc<tokio::sync::Mutex<Option<std::time::Instant>>>,
    pub backend: Backend,
    /// The in-process subscribers of the domain events.
    pub events: crate::events::Bus,
}

/// SQLite: how often a background task copies the write-ahead log into the database file.
/// Left to SQLite, the writer whose commit fills the log past `wal_autocheckpoint` pages
/// copies it and syncs the file inside its turn, and every writer queued behind it waits: at
/// one site's rush of bookings that was a checkpoint every tenth of a second, and 15–20% of
/// the bookings a second. The writers' own checkpoint stays as the safety net, at
/// [`WAL_PAGES`].
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// SQLite: past this many pages in the write-ahead log (40 MiB), a committing writer still
/// checkpoints by itself (the background task fell behind or stopped).
const WAL_PAGES: u32 = 10_000;

/// How long a successful write probe answers for `/readyz`: a flood of unauthenticated
/// probes must not queue writes ahead of people's bookings.
const READY_FOR: Duration = Duration::from_secs(1);

/// Below this much free space where the SQLite file lives, the service is not ready: a
/// small write may still fit in the write-ahead log's slack, but bookings and the
/// checkpoints that copy the log into the file fail.
pub const MIN_FREE_BYTES: u64 = 4 << 20;

/// How the pool behaves.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    /// Connections (for reads on SQLite, whose writes have one connection of their own).
    pub max_connections: u32,
    /// How long a request waits for a connection (or for its turn to write on SQLite)
    /// before it answers 503.
    pub acquire_timeout: Duration,
}

impl PoolSettings {
    /// `max_connections` connections, waiting at most 5 s for one.
    pub fn new(max_connections: u32) -> PoolSettings {
        PoolSettings {
            max_connections,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The trails that are only ever appended to (their triggers refuse the rest on both
/// backends; on PostgreSQL the service's role also holds no right to change them).
pub const APPEND_ONLY: &[&str] = &[
    "access_audit",
    "timesheet_changes",
    "pay_terms",
    "pay_terms_acks",
];

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects to the database the URL names, creating a SQLite file's folder if needed.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        Self::open(url, PoolSettings::new(max_connections)).await
    }

    /// Connects with these pool settings.
    pub async fn open(url: &str, settings: PoolSettings) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:, got {url:?}");
        };
        let folder = match backend {
            Backend::Sqlite => create_sqlite_folder(url)?,
            Backend::Postgres => None,
        };
        let options = || pool_options(backend, settings.acquire_timeout);
        let open = |max: u32| options().max_connections(max).connect(url);
        let cannot = || format!("cannot open the database at {}", redact(url));
        let pool = open(settings.max_connections.max(1))
            .await
            .with_context(cannot)?;
        // An in-memory database is private to the pool that opened it: no second pool.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let writer = match backend {
            // No ping before each turn: the connection was checked when the previous
            // writer gave it back, and a local file does not go stale in between.
            Backend::Sqlite if !in_memory => Some(
                options()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .connect(url)
                    .await
                    .with_context(cannot)?,
            ),
            _ => None,
        };
        let alive = writer.as_ref().map(|_| {
            let alive = std::sync::Arc::new(());
            checkpoints(pool.clone(), std::sync::Arc::downgrade(&alive));
            alive
        });
        Ok(Db {
            _checkpoints: alive,
            writer,
            folder,
            last_ready: Default::default(),
            backend,
            events: match backend {
                Backend::Sqlite => crate::events::Bus::default(),
                Backend::Postgres => crate::events::Bus::sending_to(pool.clone()),
            },
            pool,
        })
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(self.writer.as_ref().unwrap_or(&self.pool))
            .await
            .context("migrations failed")?;
        Ok(())
    }

    /// PostgreSQL: lets `role` (the service's own login, not the schema's owner) read and
    /// write rows, but never rewrite an append-only trail nor change the schema (so it cannot
    /// drop a trail's trigger either). Run by the owner after each `kado migrate`.
    pub async fn grant_service_role(&self, role: &str) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.backend == Backend::Postgres,
            "roles are PostgreSQL's: SQLite has none"
        );
        let ok = role.len() <= 63
            && role.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && role
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        anyhow::ensure!(
            ok,
            "a role name is lower-case letters, digits and _: {role:?}"
        );
        let mut tx = self.pool.begin().await?;
        let grants = [
            format!("GRANT USAGE ON SCHEMA public TO {role}"),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
            ),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
            format!(
                "REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {role}",
                APPEND_ONLY.join(", ")
            ),
            format!("REVOKE ALL ON _sqlx_migrations FROM {role}"),
            format!("GRANT SELECT ON _sqlx_migrations TO {role}"),
        ];
        for sql in grants {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Starts a write transaction. SQLite: waits for its turn on the one writer connection,
    /// then takes the write lock up front (`BEGIN IMMEDIATE`: a deferred transaction that
    /// reads and then writes fails with SQLITE_BUSY instead of waiting for the lock).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let inner = match &self.writer {
            Some(writer) => writer.begin_with("BEGIN IMMEDIATE").await?,
            None => self.pool.begin().await?,
        };
        Ok(self.wrap(inner))
    }

    /// Starts a transaction for reading, which on SQLite does not take the write lock.
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        Ok(self.wrap(self.pool.begin().await?))
    }

    fn wrap(&self, inner: sqlx::Transaction<'static, sqlx::Any>) -> Tx {
        Tx {
            inner,
            events: self.events.pending(),
        }
    }

    /// Receives every domain event committed from now on (on PostgreSQL, by any instance
    /// once [`crate::events::listen`] runs).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<crate::events::Event> {
        self.events.subscribe()
    }

    /// Whether the database takes writes, for `/readyz`. On SQLite the disk must have room
    /// ([`MIN_FREE_BYTES`], checked at every ask: it costs no write); then a row is written
    /// and committed, one probe at a time, and a success stands for [`READY_FOR`] so that a
    /// flood of unauthenticated probes cannot queue writes ahead of people's bookings.
    pub async fn ready(&self, now: i64) -> anyhow::Result<()> {
        if let Some(folder) = &self.folder {
            let fs = rustix::fs::statvfs(folder)
                .with_context(|| format!("cannot read the free space of {}", folder.display()))?;
            let free = fs.f_bavail.saturating_mul(fs.f_frsize);
            if free < MIN_FREE_BYTES {
                anyhow::bail!(
                    "only {free} bytes free for the database in {}",
                    folder.display()
                );
            }
        }
        let mut last = self.last_ready.lock().await;
        if last.is_some_and(|t| t.elapsed() < READY_FOR) {
            return Ok(());
        }
        *last = None;
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('ready_probe', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(now.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        *last = Some(std::time::Instant::now());
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.close().await;
        }
        self.pool.close().await;
    }
}

fn pool_options(backend: Backend, acquire_timeout: Duration) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(acquire_timeout)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the one writer; busy_timeout makes a
                    // writer that is not in the queue (a single statement on the read
                    // pool) wait for the lock instead of failing at once.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA busy_timeout = 10000",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA synchronous = NORMAL",
                    ] {
                        conn.execute(pragma).await?;
                    }
                    conn.execute(format!("PRAGMA wal_autocheckpoint = {WAL_PAGES}").as_str())
                        .await?;
                }
                Ok(())
            })
        })
        .after_release(|conn, _| Box::pin(reusable(conn)))
}

/// Copies SQLite's write-ahead log into the database file every [`CHECKPOINT_EVERY`], off
/// the writers' path (a PASSIVE checkpoint waits for nobody and lets writers go on), until the
/// database's last handle is gone or its pool closed.
fn checkpoints(pool: AnyPool, alive: std::sync::Weak<()>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            if alive.strong_count() == 0 || pool.is_closed() {
                break;
            }
            // Said once when checkpoints start failing (a full disk) and once when they work
            // again, not four times a second.
            match pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                Err(e) if !failing && !pool.is_closed() => {
                    tracing::warn!("SQLite checkpoints fail (writers will do them): {e}");
                    failing = true;
                }
                Ok(_) if failing => {
                    tracing::info!("SQLite checkpoints work again");
                    failing = false;
                }
                _ => {}
            }
        }
    });
}

/// Whether a connection coming back to the pool is fit for the next user. sqlx counts the
/// transactions it opened on a connection; when the database ended one by itself (SQLite
/// rolls a transaction back on a full disk or an I/O error) sqlx's ROLLBACK fails and the
/// count stays above zero, so every later `BEGIN` on that connection would fail. Such a
/// connection is closed instead of returned.
async fn reusable(conn: &mut AnyConnection) -> sqlx::Result<bool> {
    let count = |c: &AnyConnection| {
        <sqlx::Any as sqlx::Database>::TransactionManager::get_transaction_depth(c)
    };
    if count(conn) == 0 {
        return Ok(true);
    }
    // A dropped transaction's rollback may still be queued (SQLite runs it on the
    // connection's own thread): let it run, then count again.
    conn.ping().await?;
    let depth = count(conn);
    if depth != 0 {
        tracing::warn!(
            depth,
            "closing a database connection left inside a transaction"
        );
    }
    Ok(depth == 0)
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

/// Gives (`on`) or withdraws a grant kept by an area as a row (person, scope) in `table`,
/// with who gave it and when: pay's accountants (per site), kpi's viewers (per municipality).
/// Giving twice or withdrawing what is not there changes nothing.
pub async fn set_grant(
    tx: &mut Tx,
    (table, scope): (&'static str, &'static str),
    (person, id): (i64, i64),
    on: bool,
    (by, now): (i64, i64),
) -> sqlx::Result<()> {
    let sql = if on {
        format!(
            "INSERT INTO {table} (person_id, {scope}, granted_by, granted_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, {scope}) DO NOTHING"
        )
    } else {
        format!("DELETE FROM {table} WHERE person_id = $1 AND {scope} = $2")
    };
    let q = sqlx::query(&sql).bind(person).bind(id);
    let q = if on { q.bind(by).bind(now) } else { q };
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Whether the database gave up a statement or transaction to break a deadlock or a
/// serialisation conflict, or (SQLite) found the file locked by another writer past its
/// busy timeout: nothing was written, and the same request may succeed when sent again.
pub fn is_retryable(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|c| match c.parse::<i32>() {
            // SQLITE_BUSY, SQLITE_LOCKED (the primary code is the low byte)
            Ok(n) => matches!(n & 0xff, 5 | 6),
            Err(_) => c == "40P01" || c == "40001",
        })
}

/// Whether the database cannot serve the request for now, for a reason outside the request:
/// the connection broke or the server is shutting down or starting (PostgreSQL restarts,
/// network), or the database cannot be written (a full disk, an I/O error, a read-only
/// file or standby server). Sending the request again later may work.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match err {
        E::Io(_) | E::Tls(_) | E::PoolClosed | E::WorkerCrashed | E::Protocol(_) => true,
        E::Database(db) => db.code().is_some_and(|code| {
            // SQLite answers its (extended) result code; the primary code is the low byte.
            match code.parse::<i32>() {
                // SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN
                Ok(n) => matches!(n & 0xff, 8 | 10 | 13 | 14),
                // PostgreSQL: connection exceptions (08), too many connections, out of
                // disk or memory (53), operator intervention such as admin shutdown (57P),
                // a read-only standby (25006).
                Err(_) => {
                    code.starts_with("08")
                        || code.starts_with("53")
                        || code.starts_with("57P")
                        || code == "25006"
                }
            }
        }),
        _ => false,
    }
}

/// Creates the folder of a SQLite file when missing; answers it (None for an in-memory
/// database).
fn create_sqlite_folder(url: &str) -> anyhow::Result<Option<std::path::PathBuf>> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(None);
    }
    let parent = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    Ok(Some(parent.to_path_buf()))
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
