//! Faults from outside the service: SQLite on a disk that fills up and frees again, a
//! PostgreSQL server that stops and starts again, a connection dropped in the middle of a
//! transaction, and SQLite writers that queue in the order they came. Each fault is real
//! (a small tmpfs, a PostgreSQL server of the test's own), not a mock.

use crate::harness::*;
use crate::helpers::*;
use reqwest::{Client, Response, StatusCode};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Shiojiri's open weekdays after that Friday (Monday 11/23 is a holiday).
const DAYS: [&str; 12] = [
    "2026-11-24",
    "2026-11-25",
    "2026-11-26",
    "2026-11-27",
    "2026-12-01",
    "2026-12-02",
    "2026-12-03",
    "2026-12-04",
    "2026-12-07",
    "2026-12-08",
    "2026-12-09",
    "2026-12-10",
];

/// Reception books a morning desk for one worker after another: every request is a write
/// that can succeed.
struct Booker {
    client: User,
    people: Vec<i64>,
    next: usize,
}

impl Booker {
    async fn new(app: &TestApp) -> Booker {
        app.clock.set(friday_morning());
        let mut people = Vec::new();
        for i in 1..=20 {
            people.push(app.person_id(&worker_email(i)).await);
        }
        Booker {
            client: app.login_as(RECEPTION).await,
            people,
            next: 0,
        }
    }

    async fn book(&mut self) -> Response {
        let k = self.next;
        self.next += 1;
        let body = json!({
            "site_id": SHIOJIRI, "date": DAYS[k / self.people.len() % DAYS.len()],
            "start": "09:00", "end": "10:00", "attributes": [],
            "person_id": self.people[k % self.people.len()]
        });
        self.client
            .post("/api/v1/bookings")
            .json(&body)
            .send()
            .await
            .expect("an answer")
    }
}

/// GET /readyz, failing the test if it takes longer than `limit` to answer.
async fn ready(app: &TestApp, limit: Duration) -> Response {
    Client::builder()
        .timeout(limit)
        .build()
        .unwrap()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("/readyz answers in time")
}

/// A 503 that tells the client to come back (`Retry-After`), with one of these codes.
async fn retry_later(res: Response, codes: &[&str]) {
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"), "no Retry-After");
    let code = res.json::<serde_json::Value>().await.unwrap()["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(codes.contains(&code.as_str()), "code {code}");
}

/// A small tmpfs mounted for the test (unmounted when dropped).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// None where the test may not mount file systems (not root, or a container without
    /// CAP_SYS_ADMIN).
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "kado-test"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Tmpfs { dir })
    }

    /// Writes a file until the file system is full; answers its path.
    fn fill(&self) -> PathBuf {
        let path = self.dir.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while matches!(f.write(&chunk), Ok(n) if n > 0) {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// SQLite on a disk that is full for a moment: writes answer 503 with Retry-After while it
/// is full (not 500), /readyz says not ready, and once space is free again the very next
/// write succeeds, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_full_disk_is_a_503_and_passes() {
    let Some(fs) = Tmpfs::mount("24m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    let url = format!("sqlite://{}/kado.db?mode=rwc", fs.dir.path().display());
    let app = TestApp::spawn_on(&url).await;
    let mut booker = Booker::new(&app).await;
    assert_eq!(booker.book().await.status(), StatusCode::CREATED);
    assert_eq!(
        ready(&app, Duration::from_secs(5)).await.status(),
        StatusCode::OK
    );

    // An empty write-ahead log, so that the next write needs new space on the disk.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let filler = fs.fill();
    for _ in 0..3 {
        retry_later(booker.book().await, &["service.database_unavailable"]).await;
    }
    retry_later(
        ready(&app, Duration::from_secs(5)).await,
        &["service.database_unavailable"],
    )
    .await;

    std::fs::remove_file(filler).unwrap();
    let freed = Instant::now();
    let mut tries = 0;
    let status = loop {
        tries += 1;
        let status = booker.book().await.status();
        if status == StatusCode::CREATED || tries == 20 {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        status,
        StatusCode::CREATED,
        "no write succeeds after the disk has room"
    );
    eprintln!(
        "SQLite: first write succeeded {:?} after the disk had room again (attempt {tries})",
        freed.elapsed()
    );
    assert_eq!(tries, 1, "the first write after the fault should succeed");
    assert_eq!(
        ready(&app, Duration::from_secs(5)).await.status(),
        StatusCode::OK
    );
    assert_eq!(booker.book().await.status(), StatusCode::CREATED);
}

/// A PostgreSQL cluster of the test's own, from the machine's binaries, on a free port.
struct Postgres {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    /// None when no PostgreSQL binaries are installed.
    fn create() -> Option<Postgres> {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max_by_key(|p| {
                p.parent()
                    .and_then(|v| v.file_name())
                    .and_then(|v| v.to_str())
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0)
            })?;
        let dir = tempfile::tempdir().unwrap();
        // initdb refuses to run as root: run the server as the postgres user then.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if as_postgres {
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = Postgres {
            dir,
            bindir,
            port,
            as_postgres,
        };
        let mut init = pg.cmd("initdb");
        init.arg("-D").arg(pg.data()).args([
            "-U",
            "kado",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ]);
        run(init, "initdb");
        pg.start();
        Some(pg)
    }

    fn cmd(&self, prog: &str) -> Command {
        let path = self.bindir.join(prog);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        c.stdout(Stdio::null()).stderr(Stdio::null());
        c
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://kado@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let mut c = self.cmd("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-h 127.0.0.1 -p {} -k {} -c fsync=off",
                self.port,
                self.dir.path().display()
            ))
            .arg("start");
        run(c, "pg_ctl start");
    }

    /// A fast shutdown: the server ends every session (SQLSTATE 57P01) and stops.
    fn stop(&self) {
        let mut c = self.cmd("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"]);
        run(c, "pg_ctl stop");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .status();
    }
}

fn run(mut c: Command, what: &str) {
    let ok = c.status().is_ok_and(|s| s.success());
    assert!(ok, "{what} failed");
}

/// PostgreSQL stops: requests answer 503 with Retry-After within the acquire timeout instead
/// of hanging, /readyz answers at once; when the server is back the service recovers by
/// itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_is_a_503_and_recovers() {
    let Some(pg) = Postgres::create() else {
        eprintln!("skipped: no PostgreSQL binaries under /usr/lib/postgresql");
        return;
    };
    let app = TestApp::spawn_configured(&pg.url(), |c| c.db_acquire_timeout = 2).await;
    let mut booker = Booker::new(&app).await;
    assert_eq!(booker.book().await.status(), StatusCode::CREATED);

    pg.stop();
    let t = Instant::now();
    retry_later(
        ready(&app, Duration::from_secs(3)).await,
        &["service.database_unavailable"],
    )
    .await;
    eprintln!("PostgreSQL down: /readyz answered 503 in {:?}", t.elapsed());
    let t = Instant::now();
    let res = tokio::time::timeout(Duration::from_secs(10), booker.book())
        .await
        .expect("a write answers while PostgreSQL is down");
    retry_later(res, &["service.database_unavailable", "service.busy"]).await;
    eprintln!(
        "PostgreSQL down: a booking answered 503 in {:?}",
        t.elapsed()
    );

    pg.start();
    let back = Instant::now();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    while status != StatusCode::OK && back.elapsed() < Duration::from_secs(30) {
        status = ready(&app, Duration::from_secs(3)).await.status();
        if status != StatusCode::OK {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "not ready 30 s after PostgreSQL is back"
    );
    let ready_after = back.elapsed();
    assert_eq!(booker.book().await.status(), StatusCode::CREATED);
    eprintln!(
        "PostgreSQL back: ready after {ready_after:?}, first booking done after {:?}",
        back.elapsed()
    );
}

/// A connection that the server ends in the middle of a transaction (an administrator, a
/// restart, the network) answers 503 with Retry-After, not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_postgres_connection_is_a_503() {
    use axum::response::IntoResponse;
    let app = TestApp::spawn(Backend::Postgres).await;
    let mut tx = app.db.begin().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let err = sqlx::query("SELECT 1")
        .execute(&mut *tx)
        .await
        .expect_err("the connection is gone");
    drop(tx);
    let res = kado::error::ApiError::from(err).into_response();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
    // The pool replaces the lost connection: the next request is served.
    let c = app.guest();
    assert_eq!(c.get("/readyz").send_status().await, StatusCode::OK);
}

/// SQLite writers wait in the process, one at a time, and take their turn in the order they
/// asked (SQLite's own busy handler lets whoever polls first win).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_writers_take_turns_in_order() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let first = app.db.begin().await.unwrap();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for k in 0..8 {
        let (db, order) = (app.db.clone(), order.clone());
        writers.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            order.lock().unwrap().push(k);
            sqlx::query("UPDATE settings SET value = value WHERE key = 'token_secret'")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }));
        // Writer k asks before writer k + 1.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.commit().await.unwrap();
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(*order.lock().unwrap(), (0..8).collect::<Vec<_>>());
}

/// SQLite's write-ahead log reaches the database file within seconds with no writer copying
/// it: a background task checkpoints, so no writer's turn carries a checkpoint (a commit
/// that fills the log checkpoints only past 10,000 pages).
#[tokio::test]
async fn sqlite_log_is_checkpointed_in_the_background() {
    let (url, dir) = fresh_database(Backend::Sqlite).await;
    let dir = dir.unwrap();
    let db = kado::db::Db::connect(&url, 2).await.unwrap();
    db.migrate().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('checkpointed', 'yes')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The file alone, as if the log were not there: `immutable` reads no log.
    let file = format!("sqlite://{}/kado.db?immutable=true", dir.path().display());
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&file)
            .await
            .unwrap();
        // Until the first checkpoint even the schema is only in the log.
        let found: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'checkpointed'")
                .fetch_optional(&mut conn)
                .await
                .ok()
                .flatten();
        if found.as_deref() == Some("yes") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the log was not copied into the database file within 10 s");
}

crate::on_both_backends!(readiness_probes_are_shared);

/// A burst of /readyz (no login needed) writes at most one probe a second: they must not
/// queue writes ahead of people's bookings.
async fn readiness_probes_are_shared(b: Backend) {
    let app = TestApp::spawn(b).await;
    assert_eq!(
        ready(&app, Duration::from_secs(5)).await.status(),
        StatusCode::OK
    );
    // Mark the probe's row: a probe that writes again replaces the mark.
    sqlx::query("UPDATE settings SET value = 'untouched' WHERE key = 'ready_probe'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let burst: Vec<_> = (0..20)
        .map(|_| {
            let base = app.url("/readyz");
            tokio::spawn(async move { reqwest::get(base).await.unwrap().status() })
        })
        .collect();
    for answer in burst {
        assert_eq!(answer.await.unwrap(), StatusCode::OK);
    }
    let mark: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'ready_probe'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        mark, "untouched",
        "a burst of /readyz wrote to the database"
    );
}

/// SQLite's file locked by a writer outside the service's queue (a tool, a second process)
/// past the busy timeout: the write answers 503 with Retry-After, not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_file_is_a_503() {
    use axum::response::IntoResponse;
    use sqlx::Connection;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut holder = app.db.begin().await.unwrap();
    sqlx::query("UPDATE settings SET value = value WHERE key = 'ready_probe'")
        .execute(&mut *holder)
        .await
        .unwrap();
    let mut other = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("PRAGMA busy_timeout = 0")
        .execute(&mut other)
        .await
        .unwrap();
    let err = sqlx::query("INSERT INTO settings (key, value) VALUES ('other', '1')")
        .execute(&mut other)
        .await
        .expect_err("the file is locked by the holder");
    holder.rollback().await.unwrap();
    let res = kado::error::ApiError::from(err).into_response();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
}
