//! The morning-rush load benchmark (issue 9): the real service, built in release mode, on
//! loopback against a fresh database, measured against the limits of the same machine and
//! database in the same run. A benchmark, not a test: it never fails for being slow; it
//! measures, prints, and appends a dated section to BENCHMARKS.md.
//!
//! ```sh
//! cargo bench --bench load -- --backend sqlite --bookings 100000
//! cargo bench --bench load -- --backend postgres --bookings 100000 --instances 2
//! cargo bench --bench load -- --help
//! ```
//!
//! What one run does, everything on 127.0.0.1:
//! 1. a fresh database: a SQLite file in a temporary folder, or a database in a throwaway
//!    PostgreSQL cluster started from the machine's binaries (`/usr/lib/postgresql/*/bin`,
//!    as the `postgres` user when run as root), or in the server `--pg-url` names;
//! 2. the service's migrations and demo data, then bulk data through sqlx in multi-row
//!    INSERTs: bench sites (desks, a paired kiosk each), workers with sessions, children,
//!    N historical bookings with their presence sessions and kiosk scans, childcare history,
//!    and a desk booked today for every bench worker;
//! 3. EXPLAIN of the service's hot queries on that data;
//! 4. the database limits through sqlx, no HTTP: single-row INSERT transactions and indexed
//!    SELECTs, on one connection and on as many as the service's pool;
//! 5. the service (`target/release/kado`, built by `cargo bench`) on a free loopback port,
//!    its clock started at a weekday 08:50 in Japan (`--clock`);
//! 6. the scenarios, at fixed arrival rates (open loop: a request's latency counts from the
//!    moment it was due, so a slow server cannot slow the arrivals down) and at saturation
//!    (closed loop, `--concurrency` requests in flight): GET /healthz (the HTTP limit), the
//!    kiosk check-in rush, desk booking under contention, availability of a site-day, the
//!    staff day list, the combined desk + childcare booking, the kiosk check-out rush;
//! 7. peak memory of the service (VmHWM), CPU use per phase, and the report.

// Tests and the bench may panic on a slip: that is how they fail. Tables of cases run long.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

#[path = "load/access.rs"]
mod access;
#[path = "load/audit.rs"]
mod audit;
#[path = "load/live.rs"]
mod live;
#[path = "load/training.rs"]
mod training;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Datelike, Duration as Days, FixedOffset, NaiveDate, Utc, Weekday};
use clap::{Parser, ValueEnum};
use kado::db::{Backend, Db};
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "load/childcare.rs"]
mod childcare;
#[path = "load/import.rs"]
mod import;
#[path = "load/kpi.rs"]
mod kpi;
#[path = "load/month.rs"]
mod month;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
}

/// The load benchmark of the KADO service (see BENCHMARKS.md).
#[derive(Parser, Debug, Clone)]
#[command(name = "load")]
struct Args {
    /// The database the service runs on.
    #[arg(long, value_enum, default_value_t = BackendArg::Sqlite)]
    backend: BackendArg,
    /// Historical bookings to put in the table before the run (10000, 100000, 1000000).
    #[arg(long, default_value_t = 10_000)]
    bookings: usize,
    /// Bench workers (besides the demo's 30). Each has a desk booked today at a bench site
    /// and checks in, then out, once during the rush.
    #[arg(long, default_value_t = 6000)]
    workers: usize,
    /// Desks per bench site (sites = workers / desks).
    #[arg(long, default_value_t = 30)]
    desks_per_site: usize,
    /// How many bench sites hold the historical bookings (two a desk each weekday).
    #[arg(long, default_value_t = 20)]
    history_sites: usize,
    /// Service instances sharing the database (requests go round-robin).
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// KADO_DB_POOL of each instance (also the connections of the database-limit runs).
    #[arg(long, default_value_t = 8)]
    db_pool: u32,
    /// KADO_JOB_INTERVAL of each instance: seconds between its rounds of background jobs (the
    /// first comes one interval after it starts).
    #[arg(long, default_value_t = 30)]
    job_interval: u64,
    /// Fixed arrival rates, requests per second.
    #[arg(long, default_value = "50,200")]
    rates: String,
    /// Seconds each phase runs.
    #[arg(long, default_value_t = 8.0)]
    phase_secs: f64,
    /// Seconds each database-limit measurement runs.
    #[arg(long, default_value_t = 3.0)]
    limit_secs: f64,
    /// Requests in flight at saturation.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Use this PostgreSQL server (a user that may CREATE DATABASE) instead of starting one.
    #[arg(long, env = "KADO_BENCH_PG_URL")]
    pg_url: Option<String>,
    /// The instant the service's clock starts at (a weekday morning in Japan).
    #[arg(long, default_value = "2027-06-02T08:50:00+09:00")]
    clock: String,
    /// Stop the run (and everything it started) after this many minutes.
    #[arg(long, default_value_t = 15)]
    max_minutes: u64,
    /// Print the report only; do not append it to BENCHMARKS.md.
    #[arg(long)]
    no_write: bool,
    /// Keep the temporary folder (database, service logs, mail) after the run.
    #[arg(long)]
    keep: bool,
    /// A note for the report's heading.
    #[arg(long)]
    note: Option<String>,
    /// Clients booking at one site at once in the one-site scenario (issue 13).
    #[arg(long, default_value_t = 16)]
    one_site_clients: usize,
    /// The service binary to measure (default: the one `cargo bench` built), e.g. a copy
    /// built from an earlier commit, for a before/after comparison under the same load.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Run only the one-site booking scenario (after the HTTP limit), for quick comparisons.
    #[arg(long)]
    one_site_only: bool,
    /// Rows of the import dry-run phase (issue 21; 0: no import phase).
    #[arg(long, default_value_t = 5000)]
    import_rows: usize,
    /// Run only the import dry run (after the HTTP limit), for quick comparisons.
    #[arg(long)]
    import_only: bool,
    /// Run only the kiosk phases (check-in rush, then check-out) after the HTTP limit.
    #[arg(long)]
    kiosk_only: bool,
    /// Instead of the scenarios: log the service's SQL (`RUST_LOG=sqlx::query=debug`), make
    /// this many check-ins one after the other, then as many check-outs, and print the
    /// statements each made (BEGIN, COMMIT and ROLLBACK are not counted).
    #[arg(long)]
    count_statements: Option<usize>,
    /// Share of the bench workers enrolled in a training session at 09:00 today, whose
    /// check-in also records its attendance (issue 17: 0.3); above 0 the falling-behind list
    /// of 500 workers is measured too.
    #[arg(long, default_value_t = 0.0)]
    training_share: f64,
    /// Run only the childcare tablet scenarios (issue 15): the day view of 40 children, and
    /// nap checks during the check-in rush.
    #[arg(long)]
    childcare_only: bool,
    /// Run only the month-end scenarios (issue 18): a site's month of 500 workers, one
    /// worker's month, 500 approvals (needs --workers 500 or more).
    #[arg(long)]
    month_end_only: bool,
    /// Run only the KPI scenarios (issue 21): a fiscal year of 500 workers' sessions, the
    /// year's KPI table and funnel (needs --workers 500 or more).
    #[arg(long)]
    kpi_only: bool,
    /// Streams of the staff live view open at one site during its rush (0: no live scenario).
    #[arg(long, default_value_t = 200)]
    live_clients: usize,
    /// Door scans per second at a secure room right after the check-in rush (issue 20; 0: no
    /// door phase).
    #[arg(long, default_value_t = 50.0)]
    door_rate: f64,
    /// Run only the audit trail's scale scenario (issue 20): this many chained records in a
    /// secure room's trail over the year before the bench day, then `kado audit verify` over
    /// them and the room's year exported through the API (e.g. 1000000).
    #[arg(long)]
    audit_records: Option<usize>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    // `cargo test --all-targets` (scripts/test, CI) runs bench binaries too, without
    // `--bench` and with its own arguments: a benchmark has nothing to do there.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "benches/load.rs is a benchmark: run it with `cargo bench --bench load -- --help`."
        );
        return;
    }
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let limit = Duration::from_secs(args.max_minutes.max(1) * 60);
    let result = rt.block_on(async {
        tokio::select! {
            r = tokio::time::timeout(limit, run(args)) => r.unwrap_or_else(|_| {
                Err(anyhow!("the run took longer than --max-minutes and was stopped"))
            }),
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        }
    });
    if let Err(e) = result {
        eprintln!("load: {e:#}");
        std::process::exit(1);
    }
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00")
}

/// Epoch seconds of a local (Japan) date and time.
fn local(date: NaiveDate, h: u32, m: u32) -> i64 {
    date.and_hms_opt(h, m, 0)
        .and_then(|t| t.and_local_timezone(jst()).single())
        .map_or(0, |t| t.timestamp())
}

fn log(msg: impl AsRef<str>) {
    eprintln!("[load] {}", msg.as_ref());
}

// ---------------------------------------------------------------------------------------
// The run

async fn run(a: Args) -> Result<()> {
    let rates: Vec<f64> = a
        .rates
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .context("--rates: numbers separated by commas")?;
    if rates.iter().any(|r| *r <= 0.0) {
        bail!("--rates must be positive");
    }
    if a.instances == 0 || a.workers < a.desks_per_site || a.desks_per_site == 0 {
        bail!("need at least one instance and at least one site's worth of workers");
    }
    let t0 = DateTime::parse_from_rfc3339(&a.clock)
        .context("--clock: an RFC 3339 instant")?
        .with_timezone(&Utc);
    let started = Utc::now();
    let machine = Machine::read();
    let tmp = tempfile::Builder::new().prefix("kado-bench-").tempdir()?;
    log(format!(
        "{} cores, {:.1} GiB; temporary folder {}",
        machine.cores,
        machine.mem_gib,
        tmp.path().display()
    ));

    // The database.
    let pg = match a.backend {
        BackendArg::Sqlite => None,
        BackendArg::Postgres => Some(PgServer::start(&a).await?),
    };
    let url = match &pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite://{}/kado.db?mode=rwc", tmp.path().display()),
    };
    let db = Db::connect(&url, 4).await?;
    db.migrate().await?;
    let fill_started = Instant::now();
    let fill = fill(&db, &a, t0).await?;
    training::fill(&db, &fill, a.training_share).await?;
    let fill_secs = fill_started.elapsed().as_secs_f64();
    log(format!("data filled in {fill_secs:.1} s"));
    let db_info = db_info(&db).await;
    let plans = explain_all(&db, &fill).await;
    // The one-site scenario books many hours a worker: the limit on upcoming bookings would
    // answer 409 before the site is busy.
    sqlx::query("UPDATE sites SET max_active_bookings = 100000 WHERE id = $1")
        .bind(fill.one_site())
        .execute(&db.pool)
        .await?;
    db.close().await;

    // The database limits.
    let limits = db_limits(&url, &a, &fill).await?;

    // The service.
    let client = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(20))
        .build()?;
    let mut servers = Vec::new();
    for k in 0..a.instances {
        servers.push(Server::start(&url, &a, tmp.path(), k)?);
    }
    for s in &servers {
        s.wait_ready(&client).await?;
    }
    let ready = Utc::now();
    let idle_rss: Vec<u64> = servers.iter().map(|s| s.mem().1).collect();
    log(format!(
        "{} instance(s) ready at {}",
        servers.len(),
        servers
            .iter()
            .map(|s| s.base.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mon = Monitor {
        servers: servers.iter().map(|s| s.pid).collect(),
        pg_root: pg.as_ref().and_then(|p| p.postmaster_pid()),
        hz: clock_ticks(),
    };
    let sh = Arc::new(Shared {
        client,
        bases: servers.iter().map(|s| s.base.clone()).collect(),
        fill,
    });
    if let Some(n) = a.count_statements {
        let counted = count_statements(&sh, &tmp.path().join("kado-0.log"), n).await;
        drop(servers);
        if let Some(pg) = pg {
            pg.stop().await;
        }
        return counted;
    }
    let outcome = if let Some(n) = a.audit_records {
        audit::scenarios(&a, n, &url, sh.clone(), &mon).await
    } else if a.kpi_only {
        kpi::scenarios(&a, &url, sh.clone(), &mon).await
    } else if a.month_end_only {
        month::scenarios(&a, &url, sh.clone(), &mon).await
    } else if a.childcare_only {
        childcare::scenarios(&a, &rates, &url, sh.clone(), &mon).await
    } else {
        scenarios(&a, &rates, sh.clone(), &mon).await
    };
    let peak: Vec<(u64, u64)> = servers.iter().map(|s| s.mem()).collect();
    let logs: Vec<LogSummary> = servers.iter().map(|s| s.log_summary(ready)).collect();
    drop(servers);
    let phases = outcome?;

    // Sizes at the end.
    let size = match &pg {
        Some(_) => {
            let db = Db::connect(&url, 1).await?;
            let s: Option<i64> =
                sqlx::query_scalar("SELECT CAST(pg_database_size(current_database()) AS BIGINT)")
                    .fetch_one(&db.pool)
                    .await
                    .ok();
            db.close().await;
            s.unwrap_or(0) as u64
        }
        None => ["kado.db", "kado.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(tmp.path().join(f)).ok())
            .map(|m| m.len())
            .sum(),
    };
    if let Some(pg) = pg {
        pg.stop().await;
    }

    let report = Report {
        a: &a,
        started,
        machine,
        db_info,
        fill_secs,
        fill: &sh.fill,
        limits,
        phases,
        idle_rss,
        peak,
        logs,
        size,
        plans,
        qr_ms: time_qr_png(&sh.fill.payloads[0]),
        rates: &rates,
    }
    .render();
    println!("{report}");
    if !a.no_write {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            "# Benchmarks\n\nRun by `cargo bench --bench load` (see benches/load.rs).\n".into()
        });
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&report);
        std::fs::write(&path, text)?;
        log(format!("appended to {}", path.display()));
    }
    if a.keep {
        let kept = tmp.keep();
        log(format!("kept {}", kept.display()));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The machine

struct Machine {
    cores: usize,
    mem_gib: f64,
    cpu: String,
    kernel: String,
    load: String,
}

impl Machine {
    fn read() -> Machine {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_kb: f64 = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            mem_gib: mem_kb / 1024.0 / 1024.0,
            cpu: cpuinfo
                .lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map_or("unknown".into(), |s| s.trim().to_string()),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
            load: std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// user + system ticks of a process (all its threads), and its parent.
fn proc_ticks(pid: u32) -> Option<(u64, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ppid = f.get(1)?.parse().ok()?;
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some((ticks, ppid))
}

/// CPU ticks of the process tree under `root` (PostgreSQL's postmaster and its backends).
fn tree_ticks(root: u32) -> u64 {
    let mut sum = proc_ticks(root).map_or(0, |t| t.0);
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Some((t, ppid)) = proc_ticks(pid)
                && ppid == root
            {
                sum += t;
            }
        }
    }
    sum
}

struct Monitor {
    servers: Vec<u32>,
    pg_root: Option<u32>,
    hz: f64,
}

#[derive(Clone, Copy)]
struct Snap {
    at: Instant,
    busy: u64,
    total: u64,
    server: u64,
    db: u64,
    client: u64,
}

/// CPU used during a phase, in cores (1.0 = one core busy all the time).
#[derive(Clone, Copy, Debug, Default)]
struct CpuUse {
    machine: f64,
    server: f64,
    db: f64,
    client: f64,
}

impl Monitor {
    fn snap(&self) -> Snap {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let cpu: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .take(8)
            .filter_map(|v| v.parse().ok())
            .collect();
        let total: u64 = cpu.iter().sum();
        let idle = cpu.get(3).copied().unwrap_or(0) + cpu.get(4).copied().unwrap_or(0);
        Snap {
            at: Instant::now(),
            busy: total - idle,
            total,
            server: self
                .servers
                .iter()
                .filter_map(|p| proc_ticks(*p))
                .map(|t| t.0)
                .sum(),
            db: self.pg_root.map_or(0, tree_ticks),
            client: proc_ticks(std::process::id()).map_or(0, |t| t.0),
        }
    }

    fn used(&self, a: &Snap, b: &Snap) -> CpuUse {
        let secs = (b.at - a.at).as_secs_f64().max(1e-6);
        let cores = |x: u64, y: u64| y.saturating_sub(x) as f64 / self.hz / secs;
        let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let total = b.total.saturating_sub(a.total) as f64;
        CpuUse {
            machine: if total > 0.0 {
                b.busy.saturating_sub(a.busy) as f64 / total * ncpu
            } else {
                0.0
            },
            server: cores(a.server, b.server),
            db: cores(a.db, b.db),
            client: cores(a.client, b.client),
        }
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

struct PgServer {
    url: String,
    admin_url: String,
    dbname: String,
    /// A cluster this run started (and removes), or None for --pg-url.
    cluster: Option<Cluster>,
}

struct Cluster {
    dir: PathBuf,
    bindir: PathBuf,
    as_postgres: bool,
}

impl Cluster {
    fn cmd(&self, prog: &str) -> Command {
        let path = self.bindir.join(prog);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run_ok(mut c: Command, what: &str) -> Result<()> {
    let out = c.output().with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl PgServer {
    async fn start(a: &Args) -> Result<PgServer> {
        let (admin_url, cluster) = match &a.pg_url {
            Some(u) => {
                if !(u.contains("@127.0.0.1") || u.contains("@localhost") || u.contains("@[::1]")) {
                    bail!("--pg-url must point at 127.0.0.1: the benchmark only targets loopback");
                }
                (u.clone(), None)
            }
            None => {
                let bindir = std::fs::read_dir("/usr/lib/postgresql")
                    .context("PostgreSQL is not installed (/usr/lib/postgresql); use --pg-url")?
                    .flatten()
                    .map(|e| e.path().join("bin"))
                    .filter(|p| p.join("initdb").exists())
                    .max_by_key(|p| {
                        p.parent()
                            .and_then(|v| v.file_name())
                            .and_then(|v| v.to_str())
                            .and_then(|v| v.parse::<u32>().ok())
                            .unwrap_or(0)
                    })
                    .context("no initdb under /usr/lib/postgresql/*/bin")?;
                let dir = tempfile::Builder::new()
                    .prefix("kado-bench-pg-")
                    .tempdir()?
                    .keep();
                let as_postgres = Command::new("id")
                    .arg("-u")
                    .output()
                    .ok()
                    .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
                if as_postgres {
                    run_ok(
                        {
                            let mut c = Command::new("chown");
                            c.arg("postgres").arg(&dir);
                            c
                        },
                        "chown postgres",
                    )?;
                }
                let cluster = Cluster {
                    dir: dir.clone(),
                    bindir,
                    as_postgres,
                };
                let port = free_port()?;
                log(format!(
                    "starting a throwaway PostgreSQL on 127.0.0.1:{port}"
                ));
                let mut init = cluster.cmd("initdb");
                init.arg("-D").arg(dir.join("data")).args([
                    "-U",
                    "kado",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ]);
                run_ok(init, "initdb")?;
                let mut start = cluster.cmd("pg_ctl");
                start
                    .arg("-D")
                    .arg(dir.join("data"))
                    .arg("-l")
                    .arg(dir.join("log"))
                    .arg("-w")
                    .arg("-o")
                    .arg(format!(
                        "-h 127.0.0.1 -p {port} -k {} -c max_connections=200 {}",
                        dir.display(),
                        // e.g. "-c shared_preload_libraries=pg_stat_statements" to see, with
                        // psql during a run, which statements the server spends its time on.
                        std::env::var("KADO_BENCH_PG_OPTIONS").unwrap_or_default()
                    ))
                    .arg("start");
                run_ok(start, "pg_ctl start")?;
                (
                    format!("postgres://kado@127.0.0.1:{port}/postgres"),
                    Some(cluster),
                )
            }
        };
        let dbname = format!("kado_bench_{}", std::process::id());
        let admin = Db::connect(&admin_url, 1).await?;
        sqlx::raw_sql(&format!("CREATE DATABASE {dbname}"))
            .execute(&admin.pool)
            .await
            .context("CREATE DATABASE")?;
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |x| x.0);
        Ok(PgServer {
            url: format!("{base}/{dbname}"),
            admin_url,
            dbname,
            cluster,
        })
    }

    fn postmaster_pid(&self) -> Option<u32> {
        let c = self.cluster.as_ref()?;
        std::fs::read_to_string(c.dir.join("data/postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// Drops the bench database (on a server of one's own) or the whole cluster.
    async fn stop(self) {
        if self.cluster.is_none()
            && let Ok(admin) = Db::connect(&self.admin_url, 1).await
        {
            let _ = sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.dbname
            ))
            .execute(&admin.pool)
            .await;
            admin.close().await;
        }
        drop(self.cluster);
    }
}

// ---------------------------------------------------------------------------------------
// The service

struct Server {
    child: Child,
    pid: u32,
    base: String,
    log: PathBuf,
}

impl Server {
    fn start(url: &str, a: &Args, dir: &Path, k: usize) -> Result<Server> {
        let port = free_port()?;
        let log = dir.join(format!("kado-{k}.log"));
        let out = std::fs::File::create(&log)?;
        let bin = a
            .server_bin
            .clone()
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_kado")));
        let child = Command::new(&bin)
            .env("DATABASE_URL", url)
            .env("KADO_BIND", format!("127.0.0.1:{port}"))
            .env("KADO_DEMO", "false")
            .env("KADO_CLOCK_START", &a.clock)
            .env("KADO_DB_POOL", a.db_pool.to_string())
            .env("KADO_JOB_INTERVAL", a.job_interval.to_string())
            .env("MAIL_DIR", dir.join("mail"))
            // The live view's 200 screens share one login: lift the per-person stream cap.
            .env("KADO_LIVE_STREAMS_PER_PERSON", "100000")
            .env(
                "RUST_LOG",
                match a.count_statements {
                    Some(_) => "info,sqlx::query=debug",
                    None => "info",
                },
            )
            .env_remove("KADO_SECRET")
            .env_remove("KADO_BASE_URL")
            .env_remove("SMTP_URL")
            .env_remove("KADO_TRUST_PROXY")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        Ok(Server {
            pid: child.id(),
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        })
    }

    async fn wait_ready(&self, client: &reqwest::Client) -> Result<()> {
        let until = Instant::now() + Duration::from_secs(120);
        while Instant::now() < until {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if !Path::new(&format!("/proc/{}", self.pid)).exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        bail!(
            "the service did not start; its log ends:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    /// (peak RSS, current RSS) in kB.
    fn mem(&self) -> (u64, u64) {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let kb = |key: &str| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (kb("VmHWM:"), kb("VmRSS:"))
    }

    /// ERROR/WARN lines, and the background job runs that did something: (start, end,
    /// what). A run starts on the job's 30-second tick after `ready` and logs when done.
    fn log_summary(&self, ready: DateTime<Utc>) -> LogSummary {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut s = LogSummary::default();
        for raw in text.lines() {
            let line = strip_ansi(raw);
            if line.contains(" ERROR ") || line.contains("panicked") {
                s.errors += 1;
                if s.samples.len() < 3 {
                    s.samples.push(line.chars().take(300).collect());
                }
            } else if line.contains(" WARN ") {
                s.warnings += 1;
                if s.samples.len() < 3 {
                    s.samples.push(line.chars().take(300).collect());
                }
            }
            let job = ["mail run", "queued reminders", "released no-show"]
                .into_iter()
                .find(|k| line.contains(k));
            if let (Some(job), Some(at)) = (
                job,
                line.split_whitespace()
                    .next()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc)),
            ) {
                // `ready` is noted a little after the service started its timer.
                let ticks = ((at - ready).num_milliseconds() + 500).max(0) / 30_000;
                let start = (ready + Days::milliseconds(ticks * 30_000)).min(at);
                let detail = line.split_once(job).map_or("", |x| x.1).trim().to_string();
                s.jobs.push((start, at, format!("{job} {detail}")));
            }
        }
        s
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Default)]
struct LogSummary {
    errors: usize,
    warnings: usize,
    samples: Vec<String>,
    jobs: Vec<(DateTime<Utc>, DateTime<Utc>, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Bulk data

/// What the scenarios need to know about the data.
struct Fill {
    t0: i64,
    today: NaiveDate,
    desks: usize,
    shiojiri: i64,
    sites: Vec<i64>,
    desk_base: Vec<i64>,
    workers: Vec<i64>,
    sessions: Vec<String>,
    payloads: Vec<String>,
    kiosk_tokens: Vec<String>,
    token_hash0: String,
    children: Vec<Option<i64>>,
    admin_session: String,
    history_sites: usize,
    history_days: usize,
    history_from: Option<NaiveDate>,
    rows: BTreeMap<&'static str, u64>,
}

impl Fill {
    /// The first bench worker with a child (the guardians are the second half).
    fn guardians_from(&self) -> usize {
        self.workers.len() / 2
    }

    /// The bench site of the one-site scenario: the last one, whose workers book nowhere else
    /// on that scenario's days.
    fn one_site(&self) -> i64 {
        self.sites[self.sites.len() - 1]
    }
}

/// A table's pending rows, written as one multi-row INSERT.
struct Table {
    name: &'static str,
    cols: &'static str,
    rows: Vec<String>,
    total: u64,
}

impl Table {
    fn new(name: &'static str, cols: &'static str) -> Table {
        Table {
            name,
            cols,
            rows: Vec::new(),
            total: 0,
        }
    }

    fn stmt(&mut self) -> Option<String> {
        if self.rows.is_empty() {
            return None;
        }
        self.total += self.rows.len() as u64;
        let s = format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.name,
            self.cols,
            self.rows.join(",")
        );
        self.rows.clear();
        Some(s)
    }
}

/// Writes the pending rows of the tables, in this order, in one transaction.
async fn flush(db: &Db, tables: &mut [&mut Table]) -> Result<()> {
    let stmts: Vec<String> = tables.iter_mut().filter_map(|t| t.stmt()).collect();
    if stmts.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for s in stmts {
        sqlx::raw_sql(&s)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("bulk insert: {}", &s[..s.len().min(120)]))?;
    }
    tx.commit().await?;
    Ok(())
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(v: Option<i64>) -> String {
    v.map_or("NULL".into(), |v| v.to_string())
}

/// A fixed pseudo-random number for `x` (splitmix64).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

async fn scalar(db: &Db, sql: &str) -> Result<i64> {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&db.pool)
        .await
        .with_context(|| sql.to_string())
}

async fn fill(db: &Db, a: &Args, t0: DateTime<Utc>) -> Result<Fill> {
    let clock = kado::clock::Clock::default();
    clock.set(t0);
    kado::demo::load(db, &clock).await?;
    let secret = kado::auth::store::load_or_create_secret(db, None).await?;
    let now = t0.timestamp();
    let today = t0.with_timezone(&jst()).date_naive();
    let d = a.desks_per_site;
    let w = a.workers;
    let nsites = w.div_ceil(d);
    let shiojiri = scalar(
        db,
        "SELECT id FROM sites WHERE name_en = 'Shiojiri Telework Center'",
    )
    .await?;
    let admin = scalar(
        db,
        "SELECT id FROM persons WHERE email = 'admin@kado.example'",
    )
    .await?;
    let max = |t: &'static str| async move {
        scalar(
            db,
            &format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {t}"),
        )
        .await
    };
    let (site0, space0, person0, device0, child0) = (
        max("sites").await?,
        max("spaces").await?,
        max("persons").await?,
        max("kiosk_devices").await?,
        max("children").await?,
    );
    let run = mix(std::process::id() as u64 ^ now as u64);
    log(format!(
        "filling: {nsites} bench sites, {w} workers, {} historical bookings",
        a.bookings
    ));

    // Sites: copies of Shiojiri's calendar (weekdays 8:30-18:00, Saturday mornings).
    let sites: Vec<i64> = (0..nsites).map(|s| site0 + 1 + s as i64).collect();
    {
        let mut tx = db.begin().await?;
        for (s, id) in sites.iter().enumerate() {
            sqlx::raw_sql(&format!(
                "INSERT INTO sites (id, municipality_id, name_ja, name_en, time_zone, opening_hours,
                     annual_closures, open_on_holidays, active, created_at)
                 SELECT {id}, municipality_id, 'ベンチ拠点 {s:03}', 'Bench site {s:03}', time_zone,
                     opening_hours, annual_closures, open_on_holidays, 1, created_at
                 FROM sites WHERE id = {shiojiri}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }

    let mut spaces = Table::new(
        "spaces",
        "id, site_id, kind, name, capacity, attributes, active",
    );
    let desk_base: Vec<i64> = (0..nsites).map(|s| space0 + 1 + (s * d) as i64).collect();
    for s in 0..nsites {
        for j in 0..d {
            let attrs = if j % 2 == 0 { "[\"monitor\"]" } else { "[]" };
            spaces.rows.push(format!(
                "({}, {}, 'desk', 'D-{:02}', 1, '{attrs}', 1)",
                desk_base[s] + j as i64,
                sites[s],
                j + 1
            ));
        }
        if spaces.rows.len() >= 500 {
            flush(db, &mut [&mut spaces]).await?;
        }
    }
    flush(db, &mut [&mut spaces]).await?;

    // Workers: a role at their bench site and at Shiojiri (where they book), a session each.
    let hash = kado::auth::password::hash("kado-bench")?;
    let workers: Vec<i64> = (0..w).map(|i| person0 + 1 + i as i64).collect();
    let mut persons = Table::new(
        "persons",
        "id, member_number, email, name, name_kana, phone, home_municipality_id, language, password_hash, is_admin, active, created_at",
    );
    let mut grants = Table::new("role_grants", "person_id, site_id, role");
    let mut sessions_t = Table::new("sessions", "token_hash, person_id, created_at, expires_at");
    let mut sessions = Vec::with_capacity(w);
    for (i, id) in workers.iter().enumerate() {
        persons.rows.push(format!(
            "({id}, 'B-{:06}', 'load{:05}@bench.kado.example', {}, 'ベンチ リヨウシャ', '', 1, 'ja', {}, 0, 1, {})",
            i + 1,
            i + 1,
            lit(&format!("ベンチ 利用者{}", i + 1)),
            lit(&hash),
            now - 400 * 86400
        ));
        grants
            .rows
            .push(format!("({id}, {}, 'worker')", sites[i / d]));
        grants.rows.push(format!("({id}, {shiojiri}, 'worker')"));
        let token = format!("bench-{run:x}-{i}");
        sessions_t.rows.push(format!(
            "('{}', {id}, {}, {})",
            kado::auth::password::token_hash(&token),
            now - 3600,
            now + 14 * 86400
        ));
        sessions.push(token);
        if persons.rows.len() >= 500 {
            flush(db, &mut [&mut persons, &mut grants, &mut sessions_t]).await?;
        }
    }
    let admin_session = format!("bench-{run:x}-admin");
    sessions_t.rows.push(format!(
        "('{}', {admin}, {}, {})",
        kado::auth::password::token_hash(&admin_session),
        now - 3600,
        now + 14 * 86400
    ));
    flush(db, &mut [&mut persons, &mut grants, &mut sessions_t]).await?;

    // Children: one each for the second half of the workers (aged 5 on the bench dates).
    let mut children_t = Table::new(
        "children",
        "id, name, name_kana, birth_date, allergies, medical_notes, active, created_at",
    );
    let mut guardians_t = Table::new("child_guardians", "child_id, person_id");
    let mut children = vec![None; w];
    for (i, slot) in children.iter_mut().enumerate().skip(w / 2) {
        let id = child0 + 1 + (i - w / 2) as i64;
        *slot = Some(id);
        children_t.rows.push(format!(
            "({id}, {}, '', '2022-04-01', '', '', 1, {})",
            lit(&format!("ベンチ 子{}", i + 1)),
            now - 300 * 86400
        ));
        guardians_t.rows.push(format!("({id}, {})", workers[i]));
        if children_t.rows.len() >= 500 {
            flush(db, &mut [&mut children_t, &mut guardians_t]).await?;
        }
    }
    flush(db, &mut [&mut children_t, &mut guardians_t]).await?;

    // A paired kiosk at every bench site.
    let mut devices_t = Table::new(
        "kiosk_devices",
        "id, site_id, name, token_hash, created_at, paired_at",
    );
    let mut kiosk_tokens = Vec::with_capacity(nsites);
    let devices: Vec<i64> = (0..nsites).map(|s| device0 + 1 + s as i64).collect();
    for s in 0..nsites {
        let token = format!("bench-kiosk-{run:x}-{s}");
        devices_t.rows.push(format!(
            "({}, {}, 'Bench kiosk {s:03}', '{}', {}, {})",
            devices[s],
            sites[s],
            kado::auth::password::token_hash(&token),
            now - 30 * 86400,
            now - 30 * 86400
        ));
        kiosk_tokens.push(token);
    }
    flush(db, &mut [&mut devices_t]).await?;

    // History: weekdays back from yesterday; at each history site every desk is booked
    // 9:00-12:00 and 13:00-17:00 by the site's own workers, rotating so that nobody holds two
    // desks at once. Most were checked in (with their presence session and two scans), some
    // released as no-shows, some cancelled. Childcare history at Shiojiri alongside.
    let hsites = a.history_sites.min(w / d).max(1);
    let mut bookings = Table::new(
        "bookings",
        "id, site_id, space_id, space_kind, seat, person_id, starts_at, ends_at, status, created_by, created_at, checked_in_at, cancelled_at, cancelled_by",
    );
    let mut presence = Table::new(
        "presence_sessions",
        "id, site_id, person_id, booking_id, checked_in_at, checked_out_at, auto_closed",
    );
    let mut scans = Table::new(
        "scans",
        "id, device_id, site_id, person_id, method, result, scanned_at, received_at, delayed",
    );
    let mut places = Table::new(
        "childcare_bookings",
        "id, site_id, child_id, guardian_id, starts_at, ends_at, age_group, status, created_at, dropped_off_at, picked_up_at",
    );
    let (mut bid, mut pid, mut sid, mut cid) = (0i64, 0i64, 0i64, 0i64);
    let cc_target = (a.bookings / 50) as i64;
    let guardians = w - w / 2;
    let mut day = today;
    let mut history_days = 0usize;
    let mut history_from = None;
    let mut made = 0usize;
    let t_hist = Instant::now();
    while made < a.bookings {
        day -= Days::days(1);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        history_from = Some(day);
        let di = history_days;
        history_days += 1;
        'day: for h in 0..hsites {
            for j in 0..d {
                for (k, (from, to)) in [(9, 12), (13, 17)].into_iter().enumerate() {
                    if made >= a.bookings {
                        break 'day;
                    }
                    made += 1;
                    bid += 1;
                    let worker = h * d + (j + di + k) % d;
                    let person = workers[worker];
                    let (s, e) = (local(day, from, 0), local(day, to, 0));
                    let r = mix(bid as u64 ^ run);
                    let created = s - 86400 * (1 + (r % 14) as i64);
                    let space = desk_base[h] + j as i64;
                    let (status, checked_in, cancelled) = match r % 100 {
                        0..80 => ("checked_in", Some(s - 300 + (r >> 8) as i64 % 900), None),
                        80..92 => ("no_show", None, None),
                        _ => ("cancelled", None, Some(s - 86400)),
                    };
                    bookings.rows.push(format!(
                        "({bid}, {}, {space}, 'desk', 1, {person}, {s}, {e}, '{status}', {person}, {created}, {}, {}, {})",
                        sites[h],
                        opt(checked_in),
                        opt(cancelled),
                        opt(cancelled.map(|_| person))
                    ));
                    if let Some(cin) = checked_in {
                        let cout = e - (r >> 20) as i64 % 1800;
                        pid += 1;
                        presence.rows.push(format!(
                            "({pid}, {}, {person}, {bid}, {cin}, {cout}, 0)",
                            sites[h]
                        ));
                        for (result, at) in [("checked_in", cin), ("checked_out", cout)] {
                            sid += 1;
                            scans.rows.push(format!(
                                "({sid}, {}, {}, {person}, 'qr_card', '{result}', {at}, {at}, 0)",
                                devices[h], sites[h]
                            ));
                        }
                    }
                }
            }
        }
        for (m, (from, to)) in [(9, 13), (13, 17)].into_iter().enumerate() {
            for k in 0..12 {
                if cid >= cc_target {
                    break;
                }
                cid += 1;
                let g = w / 2 + (di * 24 + m * 12 + k) % guardians;
                let (s, e) = (local(day, from, 0), local(day, to, 0));
                places.rows.push(format!(
                    "({cid}, {shiojiri}, {}, {}, {s}, {e}, 3, 'picked_up', {}, {}, {})",
                    children[g].unwrap_or(0),
                    workers[g],
                    s - 7 * 86400,
                    s + 120,
                    e - 300
                ));
            }
        }
        if bookings.rows.len() >= 400 || places.rows.len() >= 400 {
            flush(
                db,
                &mut [&mut bookings, &mut presence, &mut scans, &mut places],
            )
            .await?;
        }
        if history_days.is_multiple_of(50) {
            log(format!(
                "  {made} bookings ({:.0}/s)",
                made as f64 / t_hist.elapsed().as_secs_f64()
            ));
        }
    }
    // Today: every bench worker has a desk at their site, 9:00-17:00, not yet checked in.
    for (i, person) in workers.iter().enumerate() {
        bid += 1;
        let (s, j) = (i / d, i % d);
        bookings.rows.push(format!(
            "({bid}, {}, {}, 'desk', 1, {person}, {}, {}, 'active', {person}, {}, NULL, NULL, NULL)",
            sites[s],
            desk_base[s] + j as i64,
            local(today, 9, 0),
            local(today, 17, 0),
            now - 2 * 86400
        ));
        if bookings.rows.len() >= 400 {
            flush(
                db,
                &mut [&mut bookings, &mut presence, &mut scans, &mut places],
            )
            .await?;
        }
    }
    flush(
        db,
        &mut [&mut bookings, &mut presence, &mut scans, &mut places],
    )
    .await?;

    // The utilisation rollup a running service keeps up to date: a fresh database with years
    // of history would otherwise be rolled up during the measured phases (1,240 days a job
    // run, every 30 s, for ten minutes).
    let rolled = Instant::now();
    let mut days = 0;
    loop {
        let done = kado::occupancy::history::roll_up(db, now).await?;
        days += done;
        if done == 0 {
            break;
        }
    }
    log(format!(
        "utilisation of {days} site-days rolled up in {:.1} s",
        rolled.elapsed().as_secs_f64()
    ));

    match db.backend {
        Backend::Postgres => {
            // Explicit ids were given: move each identity past them, as the service expects.
            for t in [
                "sites",
                "spaces",
                "persons",
                "kiosk_devices",
                "children",
                "bookings",
                "presence_sessions",
                "scans",
                "childcare_bookings",
            ] {
                sqlx::raw_sql(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
                ))
                .execute(&db.pool)
                .await?;
            }
            // What autovacuum would do minutes after a bulk load.
            sqlx::raw_sql("ANALYZE").execute(&db.pool).await?;
        }
        Backend::Sqlite => {
            // The service never runs ANALYZE; neither does this. Start with an empty WAL.
            sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&db.pool)
                .await?;
        }
    }

    let mut rows = BTreeMap::new();
    for t in [
        &spaces,
        &persons,
        &grants,
        &sessions_t,
        &children_t,
        &devices_t,
        &bookings,
        &presence,
        &scans,
        &places,
    ] {
        rows.insert(t.name, t.total);
    }
    rows.insert("sites", nsites as u64);
    let payloads = workers
        .iter()
        .map(|p| kado::auth::credential::sign(&secret, *p, 1, true, 1))
        .collect();
    Ok(Fill {
        t0: now,
        today,
        desks: d,
        shiojiri,
        token_hash0: kado::auth::password::token_hash(&kiosk_tokens[0]),
        sites,
        desk_base,
        workers,
        sessions,
        payloads,
        kiosk_tokens,
        children,
        admin_session,
        history_sites: hsites,
        history_days,
        history_from,
        rows,
    })
}

// ---------------------------------------------------------------------------------------
// The database: settings, query plans, limits

async fn db_info(db: &Db) -> String {
    match db.backend {
        Backend::Sqlite => {
            let v: String = sqlx::query_scalar("SELECT sqlite_version()")
                .fetch_one(&db.pool)
                .await
                .unwrap_or_default();
            format!(
                "SQLite {v} (bundled with sqlx), as the service opens it (src/db.rs): journal_mode=WAL, synchronous=NORMAL, busy_timeout=10000, foreign_keys=ON; BEGIN IMMEDIATE for write transactions"
            )
        }
        Backend::Postgres => {
            let mut parts = Vec::new();
            for s in [
                "server_version",
                "fsync",
                "synchronous_commit",
                "shared_buffers",
                "max_connections",
            ] {
                let v: String = sqlx::query_scalar(&format!("SELECT current_setting('{s}')"))
                    .fetch_one(&db.pool)
                    .await
                    .unwrap_or_default();
                parts.push(format!("{s}={v}"));
            }
            format!("PostgreSQL {}", parts.join(", "))
        }
    }
}

/// (what, SQL) of the queries the scenarios run most, with literal values from the data.
fn hot_queries(f: &Fill, backend: Backend) -> Vec<(&'static str, String)> {
    let p = f.workers[0];
    let s = f.sites[0];
    let (from, to) = (local(f.today, 0, 0), local(f.today, 0, 0) + 86400);
    let now = f.t0;
    let desk = f.desk_base[0];
    let g = f.guardians_from();
    let gp = f.workers[g];
    let child = f.children[g].unwrap_or(0);
    let sh = f.shiojiri;
    let live = "('active', 'checked_in')";
    let h = &f.token_hash0;
    let mut q = vec![
        (
            "kiosk request: device by token (every kiosk request; an UPDATE once a minute)",
            format!(
                "SELECT id, site_id, name, last_seen_at FROM kiosk_devices WHERE token_hash = '{h}' AND revoked_at IS NULL"
            ),
        ),
        (
            "worker request: session -> person",
            format!(
                "SELECT p.id, p.is_admin, p.language FROM sessions s JOIN persons p ON p.id = s.person_id WHERE s.token_hash = '{h}' AND s.expires_at > {now} AND p.active = 1"
            ),
        ),
        (
            "roles of a person (every worker request, every scan)",
            format!(
                "SELECT site_id, role FROM role_grants WHERE person_id = {p} ORDER BY site_id, role"
            ),
        ),
        (
            "scan: QR credentials",
            format!("SELECT * FROM kiosk_credentials WHERE person_id = {p}"),
        ),
        (
            "scan: the person's bookings today (of_person)",
            format!(
                "SELECT b.*, sp.name AS space_name, s.time_zone FROM bookings b JOIN spaces sp ON sp.id = b.space_id JOIN sites s ON s.id = b.site_id WHERE b.person_id = {p} AND b.starts_at >= {from} AND b.starts_at < {to} ORDER BY b.starts_at, b.id"
            ),
        ),
        (
            "scan: open presence session",
            format!(
                "SELECT id, booking_id FROM presence_sessions WHERE open_person = {p} AND site_id = {s}"
            ),
        ),
        (
            "scan: last effective scan",
            format!(
                "SELECT MAX(scanned_at) FROM scans WHERE person_id = {p} AND site_id = {s} AND scanned_at >= {} AND result IN ('checked_in', 'checked_out')",
                now - 60
            ),
        ),
        (
            "scan: children in the room",
            format!(
                "SELECT c.id, c.name FROM childcare_bookings p JOIN children c ON c.id = p.child_id JOIN child_guardians g ON g.child_id = c.id WHERE g.person_id = {gp} AND p.site_id = {sh} AND p.status = 'dropped_off' ORDER BY c.id"
            ),
        ),
        (
            "scan (check-in): drop-off requests",
            format!(
                "UPDATE childcare_bookings SET dropoff_requested_at = {now} WHERE site_id = {sh} AND status = 'booked' AND starts_at - 1800 <= {now} AND ends_at > {now} AND child_id IN (SELECT child_id FROM child_guardians WHERE person_id = {gp})"
            ),
        ),
        (
            "scan (check-out): time present today",
            format!(
                "SELECT checked_in_at, checked_out_at FROM presence_sessions WHERE person_id = {p} AND site_id = {s} AND checked_in_at >= {from} AND checked_in_at < {to}"
            ),
        ),
        (
            "availability: live bookings of the site-day (held)",
            format!(
                "SELECT space_id, seat, starts_at, ends_at FROM bookings WHERE site_id = {s} AND starts_at >= {from} AND starts_at < {to} AND status IN {live}"
            ),
        ),
        (
            "site context: spaces of the site",
            format!("SELECT * FROM spaces WHERE site_id = {s} ORDER BY kind, name"),
        ),
        (
            "site context: exceptions",
            format!("SELECT * FROM site_exceptions WHERE site_id = {s} ORDER BY day"),
        ),
        (
            "staff day list (of_site)",
            format!(
                "SELECT b.*, sp.name AS space_name, s.time_zone FROM bookings b JOIN spaces sp ON sp.id = b.space_id JOIN sites s ON s.id = b.site_id WHERE b.site_id = {s} AND b.starts_at >= {from} AND b.starts_at < {to} ORDER BY b.starts_at, b.id"
            ),
        ),
        (
            "booking: desk minutes of the day",
            format!(
                "SELECT CAST(SUM(ends_at - starts_at) AS BIGINT) FROM bookings WHERE person_id = {p} AND space_kind = 'desk' AND starts_at >= {from} AND starts_at < {to} AND id <> 0 AND status IN {live}"
            ),
        ),
        (
            "booking: active bookings of the person",
            format!(
                "SELECT COUNT(*) FROM bookings WHERE person_id = {p} AND starts_at > {} AND ends_at > {now} AND status IN {live}",
                now - 86400
            ),
        ),
        (
            "booking: usual desk (90 days)",
            format!(
                "SELECT space_id FROM bookings WHERE person_id = {p} AND site_id = {s} AND space_kind = 'desk' AND starts_at >= {} AND status <> 'cancelled' GROUP BY space_id ORDER BY COUNT(*) DESC, space_id LIMIT 1",
                now - 90 * 86400
            ),
        ),
        (
            "booking: taken seats of the site (every candidate desk at once)",
            format!(
                "SELECT DISTINCT space_id, seat FROM bookings WHERE site_id = {} AND starts_at < {to} AND ends_at > {from} AND starts_at >= {} AND id <> 0 AND status IN {live}",
                f.sites[0],
                from - 86400
            ),
        ),
        (
            "childcare: the child's places",
            format!(
                "SELECT COUNT(*) FROM childcare_bookings WHERE child_id = {child} AND starts_at < {to} AND ends_at > {from} AND status IN ('booked', 'dropped_off', 'waitlisted')"
            ),
        ),
        (
            "childcare: places holding the day (load_day)",
            format!(
                "SELECT p.*, c.name AS child_name FROM childcare_bookings p JOIN children c ON c.id = p.child_id WHERE p.site_id = {sh} AND p.starts_at < {} AND p.ends_at > {} AND p.starts_at >= {} AND p.status IN ('booked', 'dropped_off') ORDER BY p.starts_at, p.id",
                to + 86400,
                from - 86400,
                from - 2 * 86400
            ),
        ),
        (
            "childcare: caregiver shifts of the day",
            format!(
                "SELECT * FROM caregiver_shifts WHERE site_id = {sh} AND starts_at < {} AND ends_at > {} AND starts_at >= {} ORDER BY starts_at, id",
                to + 86400,
                from - 86400,
                from - 2 * 86400
            ),
        ),
        (
            "job (every 30 s): no-show release",
            format!(
                "UPDATE bookings SET status = 'no_show' WHERE status = 'active' AND starts_at <= {now} AND CASE WHEN created_at > starts_at THEN created_at ELSE starts_at END + 60 * (SELECT no_show_grace_minutes FROM sites WHERE sites.id = bookings.site_id) <= {now} RETURNING id"
            ),
        ),
        (
            "job (every 30 s): reminders due, per site",
            format!(
                "SELECT id, person_id FROM bookings WHERE site_id = {s} AND starts_at >= {} AND starts_at < {} AND status = 'active' AND reminded_at IS NULL ORDER BY person_id, starts_at",
                to,
                to + 86400
            ),
        ),
        (
            "job (every 30 s): outbox claim",
            format!(
                "UPDATE outbox SET claimed_until = {} WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= {now} AND (claimed_until IS NULL OR claimed_until < {now}) ORDER BY id LIMIT 20{}) RETURNING *",
                now + 120,
                if backend == Backend::Postgres {
                    " FOR UPDATE SKIP LOCKED"
                } else {
                    ""
                }
            ),
        ),
    ];
    if backend == Backend::Sqlite {
        q.push(("insert trigger: seat overlap (bookings_no_overlap)", format!(
            "SELECT 1 FROM bookings b WHERE b.space_id = {desk} AND b.seat = 1 AND b.status IN {live} AND b.starts_at < {to} AND {from} < b.ends_at AND b.starts_at > {}", from - 86400)));
        q.push(("insert trigger: one desk per person", format!(
            "SELECT 1 FROM bookings b WHERE b.person_id = {p} AND b.space_kind = 'desk' AND b.status IN {live} AND b.starts_at < {to} AND {from} < b.ends_at AND b.starts_at > {}", from - 86400)));
    }
    q
}

/// The plan of each hot query, compacted to one line.
async fn explain_all(db: &Db, f: &Fill) -> Vec<Plan> {
    let mut out = Vec::new();
    for (what, sql) in hot_queries(f, db.backend) {
        let plan = match db.backend {
            Backend::Sqlite => sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(&db.pool)
                .await
                .map(|rows| {
                    rows.iter()
                        .filter_map(|r| r.try_get::<String, _>(3).ok())
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
            Backend::Postgres => sqlx::query(&format!("EXPLAIN {sql}"))
                .fetch_all(&db.pool)
                .await
                .map(|rows| {
                    rows.iter()
                        .filter_map(|r| r.try_get::<String, _>(0).ok())
                        .map(|l| {
                            let l = l.trim().trim_start_matches("->").trim();
                            l.split("  (cost=").next().unwrap_or(l).to_string()
                        })
                        .filter(|l| {
                            ![
                                "Filter:",
                                "Recheck Cond:",
                                "Sort Key:",
                                "Group Key:",
                                "Hash Cond:",
                                "Join Filter:",
                                "Rows Removed",
                                "SubPlan",
                                "InitPlan",
                                "Output:",
                            ]
                            .iter()
                            .any(|k| l.starts_with(k))
                        })
                        .map(|l| {
                            if l.starts_with("Index Cond:") {
                                format!("[{}]", l.chars().take(110).collect::<String>())
                            } else {
                                l
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" / ")
                }),
        };
        out.push(Plan {
            what,
            plan: plan.unwrap_or_else(|e| format!("(EXPLAIN failed: {e})")),
            ms: time_query(db, &sql).await.unwrap_or(f64::NAN),
        });
    }
    out.push(Plan {
        what: "booking INSERT as the service writes it (rolled back)",
        plan: match db.backend {
            Backend::Sqlite => "every index, and the two overlap triggers above".into(),
            Backend::Postgres => {
                "every index, and the gist indexes of the two exclusion constraints".into()
            }
        },
        ms: time_booking_insert(db, f).await.unwrap_or(f64::NAN),
    });
    out
}

/// The mean time of one booking INSERT through sqlx as the service writes it (every index,
/// the exclusion constraints on PostgreSQL, the overlap triggers on SQLite), for a day after
/// the bench, in a transaction that is rolled back.
async fn time_booking_insert(db: &Db, f: &Fill) -> Result<f64> {
    let day = f.today + Days::days(30);
    let (from, to) = (local(day, 9, 0), local(day, 17, 0));
    let n = f.desks.min(20);
    let mut tx = db.begin().await?;
    let t = Instant::now();
    for k in 0..n {
        sqlx::query(
            "INSERT INTO bookings (site_id, space_id, space_kind, seat, person_id, starts_at, ends_at,
                 status, created_by, created_at)
             VALUES ($1, $2, 'desk', 1, $3, $4, $5, 'active', $3, $6)",
        )
        .bind(f.sites[0])
        .bind(f.desk_base[0] + k as i64)
        .bind(f.workers[k])
        .bind(from)
        .bind(to)
        .bind(f.t0)
        .execute(&mut *tx)
        .await?;
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
    tx.rollback().await?;
    Ok(ms)
}

/// A hot query's plan and how long one run of it takes on this data.
struct Plan {
    what: &'static str,
    plan: String,
    ms: f64,
}

/// The mean time of one run of `sql` (after one unmeasured run), inside a transaction that
/// is rolled back, so that UPDATEs change nothing.
async fn time_query(db: &Db, sql: &str) -> Result<f64> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(sql).fetch_all(&mut *tx).await?;
    let runs = 20;
    let t = Instant::now();
    for _ in 0..runs {
        sqlx::query(sql).fetch_all(&mut *tx).await?;
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / runs as f64;
    tx.rollback().await?;
    Ok(ms)
}

/// Milliseconds to render the QR code PNG that every booking confirmation carries (done
/// inside the booking's write transaction, src/mail/notify.rs).
fn time_qr_png(payload: &str) -> f64 {
    let runs = 50;
    let t = Instant::now();
    for _ in 0..runs {
        let _ = kado::auth::credential::png_of(payload);
    }
    t.elapsed().as_secs_f64() * 1000.0 / runs as f64
}

/// One database-limit measurement.
struct Limit {
    what: String,
    tasks: usize,
    rate: f64,
    p50: f64,
    p99: f64,
}

type OpFut = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

async fn measure(
    what: &str,
    tasks: usize,
    secs: f64,
    op: Arc<dyn Fn(u64) -> OpFut + Send + Sync>,
) -> Result<Limit> {
    let next = Arc::new(AtomicUsize::new(0));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (next, lat, op) = (next.clone(), lat.clone(), op.clone());
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed) as u64;
                let t = Instant::now();
                op(i).await?;
                mine.push(t.elapsed().as_micros() as u64);
            }
            lat.lock().expect("lock").extend(mine);
            Ok::<_, anyhow::Error>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut v = std::mem::take(&mut *lat.lock().expect("lock"));
    v.sort_unstable();
    let l = Limit {
        what: what.to_string(),
        tasks,
        rate: v.len() as f64 / elapsed,
        p50: pct(&v, 0.50),
        p99: pct(&v, 0.99),
    };
    log(format!(
        "limit: {what}, {tasks} connection(s): {:.0}/s (p50 {:.2} ms, p99 {:.2} ms)",
        l.rate, l.p50, l.p99
    ));
    Ok(l)
}

struct Limits {
    list: Vec<Limit>,
}

impl Limits {
    fn best(&self, prefix: &str) -> f64 {
        self.list
            .iter()
            .filter(|l| l.what.starts_with(prefix))
            .map(|l| l.rate)
            .fold(0.0, f64::max)
    }
}

const LIMIT_INSERT: &str = "single-row INSERT transaction";
const LIMIT_SELECT: &str = "SELECT of one row by primary key";
const LIMIT_HELD: &str = "availability's own SQL (held, one site-day)";

async fn db_limits(url: &str, a: &Args, f: &Fill) -> Result<Limits> {
    let db = Db::connect(url, a.db_pool).await?;
    let create = match db.backend {
        Backend::Sqlite => {
            "CREATE TABLE bench_limit (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, at INTEGER NOT NULL)"
        }
        Backend::Postgres => {
            "CREATE TABLE bench_limit (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, k BIGINT NOT NULL, at BIGINT NOT NULL)"
        }
    };
    sqlx::raw_sql(create).execute(&db.pool).await?;
    sqlx::raw_sql("CREATE INDEX bench_limit_k ON bench_limit (k)")
        .execute(&db.pool)
        .await?;
    let now = f.t0;
    let insert: Arc<dyn Fn(u64) -> OpFut + Send + Sync> = {
        let db = db.clone();
        Arc::new(move |i| {
            let db = db.clone();
            Box::pin(async move {
                let mut tx = db.begin().await?;
                sqlx::query("INSERT INTO bench_limit (k, at) VALUES ($1, $2)")
                    .bind(i as i64)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            })
        })
    };
    let ids = Arc::new(f.workers.clone());
    let select: Arc<dyn Fn(u64) -> OpFut + Send + Sync> = {
        let db = db.clone();
        Arc::new(move |i| {
            let db = db.clone();
            let id = ids[(mix(i) % ids.len() as u64) as usize];
            Box::pin(async move {
                let _ = sqlx::query("SELECT name, active FROM persons WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&db.pool)
                    .await?;
                Ok(())
            })
        })
    };
    let (site, from) = (f.sites[0], local(f.today, 0, 0));
    let held: Arc<dyn Fn(u64) -> OpFut + Send + Sync> = {
        let db = db.clone();
        Arc::new(move |_| {
            let db = db.clone();
            Box::pin(async move {
                let _ = sqlx::query(
                    "SELECT space_id, seat, starts_at, ends_at FROM bookings
                     WHERE site_id = $1 AND starts_at >= $2 AND starts_at < $3 AND status IN ('active', 'checked_in')",
                )
                .bind(site)
                .bind(from)
                .bind(from + 86400)
                .fetch_all(&db.pool)
                .await?;
                Ok(())
            })
        })
    };
    let pool = a.db_pool as usize;
    let secs = a.limit_secs;
    let mut list = Vec::new();
    for (what, op) in [
        (LIMIT_INSERT, insert),
        (LIMIT_SELECT, select),
        (LIMIT_HELD, held),
    ] {
        list.push(measure(what, 1, secs, op.clone()).await?);
        list.push(measure(what, pool, secs, op).await?);
    }
    sqlx::raw_sql("DROP TABLE bench_limit")
        .execute(&db.pool)
        .await?;
    db.close().await;
    Ok(Limits { list })
}

// ---------------------------------------------------------------------------------------
// Requests and phases

struct Shared {
    client: reqwest::Client,
    bases: Vec<String>,
    fill: Fill,
}

impl Shared {
    fn base(&self, i: usize) -> &str {
        &self.bases[i % self.bases.len()]
    }

    fn cookie(&self, worker: usize) -> String {
        format!("kado_session={}", self.fill.sessions[worker])
    }
}

/// One answer: the HTTP status (0: no answer) and the outcome or problem code.
struct Sample {
    status: u16,
    tag: Option<String>,
}

type ReqFut = Pin<Box<dyn Future<Output = Sample> + Send>>;
type MakeReq = Arc<dyn Fn(usize) -> ReqFut + Send + Sync>;

/// Sends, reads the whole answer, and notes the field `tag` of a 2xx JSON answer or the
/// `code` of a problem.
async fn send(rb: reqwest::RequestBuilder, tag: Option<&'static str>) -> Sample {
    match rb.send().await {
        Err(e) => Sample {
            status: 0,
            tag: Some(
                if e.is_timeout() {
                    "timeout"
                } else {
                    "transport"
                }
                .into(),
            ),
        },
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.bytes().await;
            let field = if status >= 400 { Some("code") } else { tag };
            let tag = match (body, field) {
                (Err(_), _) => Some("body_error".into()),
                (Ok(b), Some(f)) => serde_json::from_slice::<Value>(&b)
                    .ok()
                    .and_then(|v| v.get(f).and_then(|x| x.as_str()).map(String::from)),
                (Ok(_), None) => None,
            };
            Sample { status, tag }
        }
    }
}

fn health_req(sh: Arc<Shared>) -> MakeReq {
    Arc::new(move |i| {
        let rb = sh.client.get(format!("{}/healthz", sh.base(i)));
        Box::pin(send(rb, None))
    })
}

/// A kiosk scan by worker `offset + i` at their site's kiosk (their printed QR card).
fn scan_req(sh: Arc<Shared>, offset: usize) -> MakeReq {
    Arc::new(move |i| {
        let w = offset + i;
        let rb = sh
            .client
            .post(format!("{}/api/v1/kiosk/scan", sh.base(w)))
            .bearer_auth(&sh.fill.kiosk_tokens[w / sh.fill.desks])
            .json(&json!({ "credential": sh.fill.payloads[w] }));
        Box::pin(send(rb, Some("outcome")))
    })
}

fn availability_req(sh: Arc<Shared>) -> MakeReq {
    Arc::new(move |i| {
        let w = (mix(i as u64) % sh.fill.desks as u64) as usize;
        let rb = sh
            .client
            .get(format!(
                "{}/api/v1/sites/{}/availability?date={}",
                sh.base(i),
                sh.fill.sites[0],
                sh.fill.today
            ))
            .header("cookie", sh.cookie(w));
        Box::pin(send(rb, None))
    })
}

fn get_as_admin(sh: Arc<Shared>, path: String) -> MakeReq {
    Arc::new(move |i| {
        let rb = sh
            .client
            .get(format!("{}{path}", sh.base(i)))
            .header("cookie", format!("kado_session={}", sh.fill.admin_session));
        Box::pin(send(rb, None))
    })
}

/// A desk at Shiojiri for a random morning among `days`, for a random worker of the first
/// half (no desk named: any free desk, the worker's usual one first).
fn contention_req(sh: Arc<Shared>, days: Vec<String>, seed: u64) -> MakeReq {
    Arc::new(move |i| {
        let r = mix(seed ^ (i as u64).wrapping_mul(0x1000_0001));
        let w = (r % sh.fill.guardians_from() as u64) as usize;
        let day = &days[((r >> 32) % days.len() as u64) as usize];
        let rb = sh
            .client
            .post(format!("{}/api/v1/bookings", sh.base(i)))
            .header("cookie", sh.cookie(w))
            .json(&json!({"site_id": sh.fill.shiojiri, "date": day, "start": "09:00", "end": "13:00"}));
        Box::pin(send(rb, None))
    })
}

/// A desk for the whole day at the worker's own site (30 desks, 30 workers: every request
/// finds one; the worker's usual desk first, which several may want). Consecutive requests
/// go to different sites, as a morning's bookings do: one site's bookings are serialised
/// (booking::store::lock_for_booking), so requests bunched on one site would measure that
/// lock rather than the service.
fn own_desk_req(sh: Arc<Shared>, day: String) -> MakeReq {
    Arc::new(move |i| {
        let n = sh.fill.sites.len();
        let w = ((i % n) * sh.fill.desks + (i / n) % sh.fill.desks) % sh.fill.workers.len();
        let rb = sh
            .client
            .post(format!("{}/api/v1/bookings", sh.base(i)))
            .header("cookie", sh.cookie(w))
            .json(&json!({"site_id": sh.fill.sites[w / sh.fill.desks], "date": day, "start": "09:00", "end": "17:00"}));
        Box::pin(send(rb, None))
    })
}

/// Half an hour at one site: request i takes desk i mod D (booked by that desk's own worker)
/// at 9:00 + 30 min × ((i / D) mod 16) on `days[i / 16D]`, so that the clients in flight
/// write different desks and hours of the same site and every request can succeed.
fn one_site_req(sh: Arc<Shared>, days: Vec<String>) -> MakeReq {
    Arc::new(move |i| {
        let d = sh.fill.desks;
        let site = sh.fill.sites.len() - 1;
        let (desk, slot, day) = (i % d, (i / d) % 16, (i / (16 * d)) % days.len());
        let at = |k: usize| format!("{:02}:{:02}", 9 + k / 2, k % 2 * 30);
        let w = site * d + desk;
        let rb = sh
            .client
            .post(format!("{}/api/v1/bookings", sh.base(i)))
            .header("cookie", sh.cookie(w))
            .json(&json!({
                "site_id": sh.fill.sites[site], "space_id": sh.fill.desk_base[site] + desk as i64,
                "date": days[day], "start": at(slot), "end": at(slot + 1)
            }));
        Box::pin(send(rb, None))
    })
}

/// A child's afternoon place at Shiojiri with a desk in the same request, for a random
/// guardian of the second half.
fn combined_req(sh: Arc<Shared>, days: Vec<String>, seed: u64) -> MakeReq {
    Arc::new(move |i| {
        let r = mix(seed ^ (i as u64).wrapping_mul(0x2000_0003));
        let g0 = sh.fill.guardians_from();
        let w = g0 + (r % (sh.fill.workers.len() - g0) as u64) as usize;
        let day = &days[((r >> 32) % days.len() as u64) as usize];
        let rb = sh
            .client
            .post(format!("{}/api/v1/childcare/bookings", sh.base(i)))
            .header("cookie", sh.cookie(w))
            .json(&json!({
                "site_id": sh.fill.shiojiri, "date": day, "start": "13:00", "end": "17:00",
                "child_ids": [sh.fill.children[w]], "desk": {"attributes": []}
            }));
        Box::pin(send(rb, None))
    })
}

/// One measured phase.
struct Phase {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    scenario: String,
    load: String,
    rate: Option<f64>,
    n: usize,
    tput: f64,
    lat: Vec<u64>,
    lat_2xx: Vec<u64>,
    statuses: BTreeMap<u16, usize>,
    tags: BTreeMap<String, usize>,
    cpu: CpuUse,
}

fn pct(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let i = ((p * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len()) - 1;
    sorted_us[i] as f64 / 1000.0
}

impl Phase {
    fn new(
        scenario: &str,
        load: String,
        rate: Option<f64>,
        samples: Vec<(Sample, Duration)>,
        secs: f64,
        cpu: CpuUse,
    ) -> Phase {
        let mut statuses = BTreeMap::new();
        let mut tags = BTreeMap::new();
        let mut lat = Vec::with_capacity(samples.len());
        let mut lat_2xx = Vec::new();
        for (s, d) in &samples {
            let us = d.as_micros() as u64;
            lat.push(us);
            if (200..300).contains(&s.status) {
                lat_2xx.push(us);
            }
            *statuses.entry(s.status).or_insert(0) += 1;
            if let Some(t) = &s.tag {
                *tags.entry(t.clone()).or_insert(0) += 1;
            }
        }
        lat.sort_unstable();
        lat_2xx.sort_unstable();
        let p = Phase {
            from: Utc::now() - Days::milliseconds((secs * 1000.0) as i64),
            to: Utc::now(),
            scenario: scenario.to_string(),
            load,
            rate,
            n: samples.len(),
            tput: samples.len() as f64 / secs.max(1e-9),
            lat,
            lat_2xx,
            statuses,
            tags,
            cpu,
        };
        log(format!(
            "{:<34} {:<18} n={:<6} {:>8.1}/s  p50 {:>7.1}  p95 {:>7.1}  p99 {:>7.1} ms  {}",
            p.scenario,
            p.load,
            p.n,
            p.tput,
            p.p(0.5),
            p.p(0.95),
            p.p(0.99),
            p.answers()
        ));
        p
    }

    fn p(&self, q: f64) -> f64 {
        pct(&self.lat, q)
    }

    fn errors_5xx(&self) -> usize {
        self.statuses
            .iter()
            .filter(|(s, _)| **s >= 500 || **s == 0)
            .map(|(_, n)| n)
            .sum()
    }

    fn answers(&self) -> String {
        let st: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| {
                let label = if *s == 0 {
                    "no answer".to_string()
                } else {
                    s.to_string()
                };
                if *s >= 500 || *s == 0 {
                    format!("**{label}: {}**", thousands(*n as u64))
                } else {
                    format!("{label}: {}", thousands(*n as u64))
                }
            })
            .collect();
        let tags: Vec<String> = self
            .tags
            .iter()
            .map(|(t, n)| format!("{t} {}", thousands(*n as u64)))
            .collect();
        if tags.is_empty() {
            st.join(", ")
        } else {
            format!("{} ({})", st.join(", "), tags.join("; "))
        }
    }
}

/// Open loop: request i is due at start + i / rate, whatever happened to the others.
async fn open_loop(scenario: &str, rate: f64, n: usize, make: MakeReq, mon: &Monitor) -> Phase {
    let c0 = mon.snap();
    let start = tokio::time::Instant::now();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let fut = make(i);
        handles.push(tokio::spawn(async move {
            let s = fut.await;
            (s, due.elapsed())
        }));
    }
    let mut samples = Vec::with_capacity(n);
    for h in handles {
        if let Ok(x) = h.await {
            samples.push(x);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let c1 = mon.snap();
    Phase::new(
        scenario,
        format!("{rate:.0}/s"),
        Some(rate),
        samples,
        secs,
        mon.used(&c0, &c1),
    )
}

/// Closed loop: `conc` requests in flight until `secs` pass or `max` requests were sent.
async fn closed_loop(
    scenario: &str,
    conc: usize,
    secs: f64,
    max: usize,
    make: MakeReq,
    mon: &Monitor,
) -> Phase {
    let c0 = mon.snap();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let next = Arc::new(AtomicUsize::new(0));
    let out = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for _ in 0..conc {
        let (next, out, make) = (next.clone(), out.clone(), make.clone());
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= max {
                    break;
                }
                let t = Instant::now();
                let s = make(i).await;
                mine.push((s, t.elapsed()));
            }
            out.lock().expect("lock").extend(mine);
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let secs = start.elapsed().as_secs_f64();
    let c1 = mon.snap();
    let samples = std::mem::take(&mut *out.lock().expect("lock"));
    Phase::new(
        scenario,
        format!("saturation, {conc} in flight"),
        None,
        samples,
        secs,
        mon.used(&c0, &c1),
    )
}

// ---------------------------------------------------------------------------------------
// The scenarios

const HEALTH: &str = "GET /healthz (HTTP limit)";
const CHECK_IN: &str = "kiosk scan: check-in rush";
const CHECK_OUT: &str = "kiosk scan: check-out";
const CONTENTION: &str = "booking: desk under contention";
const OWN_DESK: &str = "booking: a desk at one's own site";
const AVAILABILITY: &str = "availability of a site-day";
const STAFF: &str = "staff: site's day list";
const COMBINED: &str = "booking: desk + childcare";
const ONE_SITE: &str = "booking: many clients at one site";

async fn scenarios(a: &Args, rates: &[f64], sh: Arc<Shared>, mon: &Monitor) -> Result<Vec<Phase>> {
    let secs = a.phase_secs;
    let conc = a.concurrency;
    let mut out = Vec::new();

    // Warm-up (not reported).
    closed_loop("warm-up", 4, 1.0, usize::MAX, health_req(sh.clone()), mon).await;
    closed_loop(
        "warm-up",
        4,
        1.0,
        usize::MAX,
        availability_req(sh.clone()),
        mon,
    )
    .await;

    // The HTTP limit.
    out.push(closed_loop(HEALTH, conc, secs, usize::MAX, health_req(sh.clone()), mon).await);

    // Bookable days at Shiojiri (from the service's own calendar).
    let to = sh.fill.today + Days::days(27);
    let cal = sh
        .client
        .get(format!(
            "{}/api/v1/sites/{}/calendar?from={}&to={to}",
            sh.base(0),
            sh.fill.shiojiri,
            sh.fill.today + Days::days(1)
        ))
        .header("cookie", format!("kado_session={}", sh.fill.admin_session))
        .send()
        .await?
        .json::<Value>()
        .await?;
    let days: Vec<String> = cal
        .as_array()
        .map(|v| v.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|d| {
            d["open"].as_bool() == Some(true)
                && d["hours"]["open"].as_str().is_some_and(|o| o <= "09:00")
                && d["hours"]["close"].as_str().is_some_and(|c| c >= "17:00")
        })
        .filter_map(|d| d["date"].as_str().map(String::from))
        .collect();
    // Each phase of the contention and combined scenarios gets its own days (up to 4), and
    // each phase of the uncontended one a day of its own after those.
    let nphases = rates.len() + 1;
    if days.len() < 2 * nphases {
        bail!("Shiojiri has only {} bookable days ahead", days.len());
    }
    let chunk = ((days.len() - nphases) / nphases).min(4);
    // After every other scenario's days, so that its workers hold nothing else then (every
    // day when it runs alone).
    let one_site_days = match a.one_site_only {
        true => days.clone(),
        false => days[nphases * chunk + nphases..].to_vec(),
    };
    if one_site_days.is_empty() {
        bail!("no bookable day is left for the one-site scenario");
    }
    let one_site = || {
        let max = 16 * sh.fill.desks * one_site_days.len();
        let make = one_site_req(sh.clone(), one_site_days.clone());
        closed_loop(ONE_SITE, a.one_site_clients, secs, max, make, mon)
    };
    if a.one_site_only {
        out.push(one_site().await);
        return Ok(out);
    }
    if a.import_rows > 0 {
        out.extend(import::dry_run_phase(&sh, a.import_rows, secs, mon).await?);
    }
    if a.import_only {
        return Ok(out);
    }

    if a.training_share > 0.0 {
        out.extend(training::behind_phase(sh.clone(), conc, secs, mon).await?);
    }

    // The rush: every bench worker checks in once, at the fixed rates then at saturation.
    let w = sh.fill.workers.len();
    let mut parts: Vec<(usize, usize, Option<f64>)> = Vec::new();
    let mut offset = 0;
    for &r in rates {
        let n = ((r * secs) as usize).min(w - offset);
        out.push(open_loop(CHECK_IN, r, n, scan_req(sh.clone(), offset), mon).await);
        parts.push((offset, n, Some(r)));
        offset += n;
    }
    let p = closed_loop(
        CHECK_IN,
        conc,
        secs,
        w - offset,
        scan_req(sh.clone(), offset),
        mon,
    )
    .await;
    parts.push((offset, p.n, None));
    out.push(p);
    let checked_in = Instant::now();
    access::scenario(a.door_rate, secs, &sh, mon, &mut out).await;
    if !a.kiosk_only {
        others(a, rates, &sh, mon, &mut out, &days).await?;
    }
    check_outs(&sh, mon, &mut out, checked_in, parts, conc, secs).await;
    live::scenario(a.live_clients, 200.0, secs, &sh, mon, &mut out).await;
    Ok(out)
}

/// Makes `n` check-ins one after the other with the service logging its SQL, then (past the
/// repeat window) the same workers' check-outs, and prints the statements of each.
async fn count_statements(sh: &Arc<Shared>, log_path: &Path, n: usize) -> Result<()> {
    for (kind, want) in [("check-in", "checked_in"), ("check-out", "checked_out")] {
        if want == "checked_out" {
            log("waiting for the kiosk's one-minute repeat window");
            tokio::time::sleep(Duration::from_secs(62)).await;
        }
        let from = std::fs::metadata(log_path)?.len();
        let make = scan_req(sh.clone(), 0);
        for i in 0..n {
            let s = make(i).await;
            if s.status != 200 || s.tag.as_deref() != Some(want) {
                bail!("scan {i}: {} {:?}, not {want}", s.status, s.tag);
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let text = std::fs::read(log_path)?;
        let text = strip_ansi(&String::from_utf8_lossy(&text[from as usize..]));
        let mut counts: Vec<(String, usize)> = Vec::new();
        for line in text.lines().filter(|l| l.contains("sqlx::query")) {
            let summary = line
                .split_once("summary=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(s, _)| s.to_string())
                .unwrap_or_else(|| line.chars().take(80).collect());
            let head = summary.trim().to_ascii_uppercase();
            if ["BEGIN", "COMMIT", "ROLLBACK"]
                .iter()
                .any(|w| head.starts_with(w))
            {
                continue;
            }
            match counts.iter_mut().find(|(s, _)| *s == summary) {
                Some((_, c)) => *c += 1,
                None => counts.push((summary, 1)),
            }
        }
        let total: usize = counts.iter().map(|c| c.1).sum();
        println!(
            "\n{kind}: {n} scans, {total} statements, {:.2} a scan (BEGIN/COMMIT not counted)",
            total as f64 / n as f64
        );
        for (summary, c) in counts {
            println!("  {:>6.2}  {summary}", c as f64 / n as f64);
        }
    }
    Ok(())
}

/// Every scenario between the check-ins and the check-outs.
async fn others(
    a: &Args,
    rates: &[f64],
    sh: &Arc<Shared>,
    mon: &Monitor,
    out: &mut Vec<Phase>,
    days: &[String],
) -> Result<()> {
    let secs = a.phase_secs;
    let conc = a.concurrency;
    let w = sh.fill.workers.len();
    let nphases = rates.len() + 1;
    let chunk = ((days.len() - nphases) / nphases).min(4);
    let days_of = |k: usize| days[k * chunk..(k + 1) * chunk].to_vec();
    let own_day = |k: usize| days[nphases * chunk + k].clone();
    let one_site_days = days[nphases * chunk + nphases..].to_vec();
    let one_site = || {
        let max = 16 * sh.fill.desks * one_site_days.len();
        let make = one_site_req(sh.clone(), one_site_days.clone());
        closed_loop(ONE_SITE, a.one_site_clients, secs, max, make, mon)
    };

    // Bookings for the coming weeks, without contention: every request gets a desk.
    for (k, &r) in rates.iter().enumerate() {
        let n = ((r * secs) as usize).min(w);
        out.push(open_loop(OWN_DESK, r, n, own_desk_req(sh.clone(), own_day(k)), mon).await);
    }
    out.push(
        closed_loop(
            OWN_DESK,
            conc,
            secs,
            w,
            own_desk_req(sh.clone(), own_day(rates.len())),
            mon,
        )
        .await,
    );

    // Bookings for the coming weeks open at Shiojiri: many workers, 40 desks.
    for (k, &r) in rates.iter().enumerate() {
        let n = (r * secs) as usize;
        out.push(
            open_loop(
                CONTENTION,
                r,
                n,
                contention_req(sh.clone(), days_of(k), 11 + k as u64),
                mon,
            )
            .await,
        );
    }
    out.push(
        closed_loop(
            CONTENTION,
            conc,
            secs,
            usize::MAX,
            contention_req(sh.clone(), days_of(rates.len()), 99),
            mon,
        )
        .await,
    );

    out.push(one_site().await);

    // Availability of the site-day the rush is happening on.
    for &r in rates {
        out.push(
            open_loop(
                AVAILABILITY,
                r,
                (r * secs) as usize,
                availability_req(sh.clone()),
                mon,
            )
            .await,
        );
    }
    out.push(
        closed_loop(
            AVAILABILITY,
            conc,
            secs,
            usize::MAX,
            availability_req(sh.clone()),
            mon,
        )
        .await,
    );

    // The staff view of a site's day (an occupancy snapshot, if the service has one).
    let day_list = format!(
        "/api/v1/sites/{}/bookings?date={}",
        sh.fill.sites[0], sh.fill.today
    );
    let openapi: Value = sh
        .client
        .get(format!("{}/api/openapi.json", sh.base(0)))
        .send()
        .await?
        .json()
        .await
        .unwrap_or_default();
    let snapshot = openapi["paths"].as_object().and_then(|paths| {
        paths
            .keys()
            .find(|p| p.contains("occupancy") || p.contains("presence"))
            .cloned()
    });
    let mut staff: Vec<(String, String)> = vec![(STAFF.to_string(), day_list)];
    if let Some(p) = snapshot {
        let path = p.replace("{id}", &sh.fill.sites[0].to_string());
        staff.push((
            format!("staff: {p}"),
            format!("{path}?date={}", sh.fill.today),
        ));
    }
    for (name, path) in staff {
        out.push(
            open_loop(
                &name,
                rates[0],
                (rates[0] * secs) as usize,
                get_as_admin(sh.clone(), path.clone()),
                mon,
            )
            .await,
        );
        out.push(
            closed_loop(
                &name,
                conc,
                secs,
                usize::MAX,
                get_as_admin(sh.clone(), path),
                mon,
            )
            .await,
        );
    }

    // The combined desk + childcare booking (afternoons; 12 places a day).
    for (k, &r) in rates.iter().enumerate() {
        let n = (r * secs) as usize;
        out.push(
            open_loop(
                COMBINED,
                r,
                n,
                combined_req(sh.clone(), days_of(k), 21 + k as u64),
                mon,
            )
            .await,
        );
    }
    out.push(
        closed_loop(
            COMBINED,
            conc,
            secs,
            usize::MAX,
            combined_req(sh.clone(), days_of(rates.len()), 199),
            mon,
        )
        .await,
    );

    Ok(())
}

/// The same workers check out, in the same order and at the same rates, once a minute has
/// passed since their check-in (a second scan within a minute only shows the state).
async fn check_outs(
    sh: &Arc<Shared>,
    mon: &Monitor,
    out: &mut Vec<Phase>,
    checked_in: Instant,
    parts: Vec<(usize, usize, Option<f64>)>,
    conc: usize,
    secs: f64,
) {
    let ready = checked_in + Duration::from_secs(62);
    if Instant::now() < ready {
        log("waiting for the kiosk's one-minute repeat window");
        tokio::time::sleep_until(ready.into()).await;
    }
    for (offset, n, rate) in parts {
        let p = match rate {
            Some(r) => open_loop(CHECK_OUT, r, n, scan_req(sh.clone(), offset), mon).await,
            None => {
                closed_loop(
                    CHECK_OUT,
                    conc,
                    secs * 4.0,
                    n,
                    scan_req(sh.clone(), offset),
                    mon,
                )
                .await
            }
        };
        out.push(p);
    }
}

// ---------------------------------------------------------------------------------------
// The report

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// `done` as a share of `limit`, or "–" when that limit was not measured in this run.
fn share(done: f64, limit: f64, digits: usize) -> String {
    if limit.is_finite() && limit > 0.0 {
        format!("{:.*}", digits, done / limit)
    } else {
        "–".into()
    }
}

fn rate(v: f64) -> String {
    if v >= 100.0 {
        thousands(v.round() as u64)
    } else {
        format!("{v:.1}")
    }
}

fn git_version() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let head = Command::new("git")
        .args(["-C", dir, "rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let dirty = Command::new("git")
        .args([
            "-C",
            dir,
            "status",
            "--porcelain",
            "--",
            "src",
            "migrations",
            "Cargo.toml",
        ])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    if head.is_empty() {
        "unknown commit".into()
    } else if dirty {
        format!("{head} + uncommitted changes in src/migrations")
    } else {
        head
    }
}

struct Report<'a> {
    a: &'a Args,
    started: DateTime<Utc>,
    machine: Machine,
    db_info: String,
    fill_secs: f64,
    fill: &'a Fill,
    limits: Limits,
    phases: Vec<Phase>,
    idle_rss: Vec<u64>,
    peak: Vec<(u64, u64)>,
    logs: Vec<LogSummary>,
    size: u64,
    plans: Vec<Plan>,
    qr_ms: f64,
    rates: &'a [f64],
}

impl Report<'_> {
    fn find(&self, scenario: &str, rate: Option<f64>) -> Option<&Phase> {
        self.phases
            .iter()
            .find(|p| p.scenario == scenario && p.rate == rate)
    }

    fn render(&self) -> String {
        let a = self.a;
        let f = self.fill;
        let mut s = String::new();
        let backend = match a.backend {
            BackendArg::Sqlite => "SQLite",
            BackendArg::Postgres => "PostgreSQL",
        };
        let _ = writeln!(
            s,
            "## {} — {backend}, {} bookings, {} instance{}{}\n",
            self.started.format("%Y-%m-%d %H:%M UTC"),
            thousands(a.bookings as u64),
            a.instances,
            if a.instances == 1 { "" } else { "s" },
            a.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
        let m = &self.machine;
        let _ = writeln!(
            s,
            "- Machine: {} cores ({}), {:.1} GiB RAM, Linux {}; load average before the run {}.",
            m.cores, m.cpu, m.mem_gib, m.kernel, m.load
        );
        let _ = writeln!(
            s,
            "- Service: {}, {} instance{} on 127.0.0.1, KADO_DB_POOL={}, RUST_LOG=info, jobs every {} s, mail to a folder; clock started at {}.",
            match &a.server_bin {
                Some(bin) => format!("{} (--server-bin)", bin.display()),
                None if cfg!(debug_assertions) => format!("unoptimised build of {}", git_version()),
                None => format!("release build of {}", git_version()),
            },
            a.instances,
            if a.instances == 1 { "" } else { "s" },
            a.db_pool,
            a.job_interval,
            a.clock
        );
        let _ = writeln!(s, "- Database: {}.", self.db_info);
        let r = |t: &str| thousands(f.rows.get(t).copied().unwrap_or(0));
        let _ = writeln!(
            s,
            "- Data: {} bench sites of {} desks with a paired kiosk each (+ the demo's 2 sites), {} workers (+ 30 demo) with a session each, {} children; {} historical bookings over {} weekdays{} at {} sites, with {} presence sessions, {} scans and {} past childcare places; {} desk bookings today (one per worker). Fill: {:.1} s; database size at the end {:.0} MB.",
            r("sites"),
            f.desks,
            thousands(f.workers.len() as u64),
            r("children"),
            thousands(a.bookings as u64),
            f.history_days,
            f.history_from
                .map(|d| format!(" (from {d})"))
                .unwrap_or_default(),
            f.history_sites,
            r("presence_sessions"),
            r("scans"),
            r("childcare_bookings"),
            thousands(f.workers.len() as u64),
            self.fill_secs,
            self.size as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "- Load: the generator runs on the same machine (one tokio thread, reqwest, keep-alive); fixed rates are open-loop (latency from when a request was due), saturation is closed-loop with {} requests in flight; {} s a phase.\n",
            a.concurrency, a.phase_secs
        );

        // Limits.
        let health = self.find(HEALTH, None);
        let http_limit = health.map_or(f64::NAN, |p| p.tput);
        let ins = self.limits.best(LIMIT_INSERT);
        let sel = self.limits.best(LIMIT_SELECT);
        let held = self.limits.best(LIMIT_HELD);
        let _ = writeln!(s, "**Limits** (same machine, same run)\n");
        let _ = writeln!(
            s,
            "| Limit | Connections | Rate /s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|"
        );
        if let Some(h) = health {
            let _ = writeln!(
                s,
                "| HTTP: GET /healthz on the service | {} in flight | {} | {} | {} |",
                a.concurrency,
                rate(h.tput),
                ms(h.p(0.5)),
                ms(h.p(0.99))
            );
        }
        for l in &self.limits.list {
            let _ = writeln!(
                s,
                "| DB through sqlx: {} | {} | {} | {} | {} |",
                l.what,
                l.tasks,
                rate(l.rate),
                ms(l.p50),
                ms(l.p99)
            );
        }
        let _ = writeln!(s);

        // Scenarios.
        let _ = writeln!(
            s,
            "**Scenarios**\n\n| Scenario | Load | Requests | Done /s | p50 ms | p95 ms | p99 ms | max ms | p99 of 2xx | Answers | CPU cores: service / db / load / machine |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
        );
        for p in &self.phases {
            let busy = self
                .logs
                .iter()
                .flat_map(|l| &l.jobs)
                .any(|(from, to, _)| p.from <= *to && *from <= p.to);
            let others = p.cpu.machine - p.cpu.server - p.cpu.db - p.cpu.client > 0.3;
            let _ = writeln!(
                s,
                "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} / {} / {:.2} / {:.2} |",
                p.scenario,
                match (busy, others) {
                    (true, true) => " † ‡",
                    (true, false) => " †",
                    (false, true) => " ‡",
                    (false, false) => "",
                },
                p.load,
                thousands(p.n as u64),
                rate(p.tput),
                ms(p.p(0.5)),
                ms(p.p(0.95)),
                ms(p.p(0.99)),
                ms(p.p(1.0)),
                ms(pct(&p.lat_2xx, 0.99)),
                p.answers(),
                p.cpu.server,
                if a.backend == BackendArg::Postgres && a.pg_url.is_none() {
                    format!("{:.2}", p.cpu.db)
                } else {
                    "–".into()
                },
                p.cpu.client,
                p.cpu.machine
            );
        }
        let _ = writeln!(s);

        // Ratios.
        let _ = writeln!(
            s,
            "**Saturation against the limits**\n\n| Scenario | Done /s | ÷ HTTP limit | ÷ DB INSERT tx limit | ÷ DB SELECT limit |\n|---|---:|---:|---:|---:|"
        );
        for p in self
            .phases
            .iter()
            .filter(|p| p.rate.is_none() && p.scenario != HEALTH)
        {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                p.scenario,
                rate(p.tput),
                share(p.tput, http_limit, 3),
                share(p.tput, ins, 2),
                share(p.tput, sel, 3)
            );
        }
        // A quick run (`--kiosk-only`, ...) skips the availability phase.
        if let Some(av) = self.find(AVAILABILITY, None) {
            let _ = writeln!(
                s,
                "\nThe availability's own SQL alone (no HTTP) runs at {} /s: the endpoint at saturation reaches {:.2} of it.\n",
                rate(held),
                av.tput / held
            );
        } else {
            let _ = writeln!(s);
        }

        // Memory and logs.
        let peak_mb: Vec<String> = self
            .peak
            .iter()
            .zip(&self.idle_rss)
            .map(|((hwm, _), idle)| {
                format!(
                    "{:.0} MB peak (VmHWM; {:.0} MB after start)",
                    *hwm as f64 / 1024.0,
                    *idle as f64 / 1024.0
                )
            })
            .collect();
        let _ = writeln!(s, "- Service memory: {}.", peak_mb.join("; "));
        for (k, l) in self.logs.iter().enumerate() {
            let _ = writeln!(
                s,
                "- Service log{}: {} ERROR, {} WARN lines{}",
                if self.logs.len() > 1 {
                    format!(" (instance {k})")
                } else {
                    String::new()
                },
                l.errors,
                l.warnings,
                if l.samples.is_empty() {
                    ".".to_string()
                } else {
                    format!(
                        "; e.g. `{}`",
                        l.samples
                            .iter()
                            .map(|x| x.replace('`', "'"))
                            .collect::<Vec<_>>()
                            .join("` / `")
                    )
                }
            );
        }
        for (k, l) in self.logs.iter().enumerate() {
            for (from, to, what) in &l.jobs {
                let during: Vec<String> = self
                    .phases
                    .iter()
                    .filter(|p| p.from <= *to && *from <= p.to)
                    .map(|p| format!("{} at {}", p.scenario, p.load))
                    .collect();
                let _ = writeln!(
                    s,
                    "- Background job{}: {}–{} ({:.1} s) {}{}",
                    if self.logs.len() > 1 {
                        format!(" (instance {k})")
                    } else {
                        String::new()
                    },
                    from.format("%H:%M:%S"),
                    to.format("%H:%M:%S"),
                    (*to - *from).num_milliseconds() as f64 / 1000.0,
                    what,
                    if during.is_empty() {
                        String::new()
                    } else {
                        format!(", during: {} (marked †)", during.join(", "))
                    }
                );
            }
        }
        let other: f64 = self
            .phases
            .iter()
            .map(|p| p.cpu.machine - p.cpu.server - p.cpu.db - p.cpu.client)
            .fold(0.0, f64::max);
        if other > 0.3 {
            let _ = writeln!(
                s,
                "- Other processes on the machine used up to {other:.2} cores during a phase; phases where they used more than 0.3 cores are marked ‡ (their figures may be disturbed)."
            );
        }
        let _ = writeln!(s);

        // Targets.
        let top = *self
            .rates
            .iter()
            .fold(&0.0, |m, r| if r > m { r } else { m });
        let _ = writeln!(s, "**Targets (issue 9)**\n");
        let yes = |ok: bool| if ok { "met" } else { "**not met**" };
        for sc in [CHECK_IN, CHECK_OUT] {
            if let Some(p) = self.find(sc, Some(top)) {
                let v = p.p(0.99);
                let _ = writeln!(
                    s,
                    "- {sc}: p99 {} ms at {top:.0}/s (target < 50 ms at 200/s): {}.",
                    ms(v),
                    yes(v < 50.0)
                );
            }
        }
        if let Some(p) = self.find(CHECK_IN, None) {
            let ratio = p.tput / ins;
            let _ = writeln!(
                s,
                "- Kiosk check-in at saturation: {} /s = {:.0}% of the DB limit of {} single-row INSERT transactions /s (issue 9's target ≥ 30%): {}.",
                rate(p.tput),
                ratio * 100.0,
                rate(ins),
                yes(ratio >= 0.3)
            );
        }
        if let Some(p) = self.find(AVAILABILITY, Some(top)) {
            let v = p.p(0.99);
            let _ = writeln!(
                s,
                "- Availability: p99 {} ms at {top:.0}/s with {} bookings in the table (target < 20 ms with 1,000,000): {}.",
                ms(v),
                thousands(a.bookings as u64),
                if a.bookings >= 1_000_000 {
                    yes(v < 20.0).to_string()
                } else {
                    format!("{} at this size", yes(v < 20.0))
                }
            );
        }
        if let Some(p) = self.find(ONE_SITE, None) {
            let made = p.statuses.get(&201).copied().unwrap_or(0) as f64;
            let secs = (p.to - p.from).num_milliseconds() as f64 / 1000.0;
            let v = p.p(0.99);
            let _ = writeln!(
                s,
                "- Bookings at one site, {} clients: {} bookings/s, p50 {} ms, p99 {} ms (issue 13: p99 < 50 ms): {}.",
                a.one_site_clients,
                rate(made / secs.max(1e-9)),
                ms(p.p(0.5)),
                ms(v),
                yes(v < 50.0)
            );
        }
        let e5: usize = self.phases.iter().map(|p| p.errors_5xx()).sum();
        let _ = writeln!(
            s,
            "- 5xx answers or requests without an answer, all scenarios: {} (target 0): {}.",
            e5,
            yes(e5 == 0)
        );
        let peak = self.peak.iter().map(|p| p.0).max().unwrap_or(0) as f64 / 1024.0;
        let _ = writeln!(
            s,
            "- Peak RSS of the service: {peak:.0} MB (target < 200 MB): {}.\n",
            yes(peak < 200.0)
        );

        // Plans.
        let mut slow: Vec<&Plan> = self.plans.iter().filter(|p| !p.ms.is_nan()).collect();
        slow.sort_by(|x, y| y.ms.total_cmp(&x.ms));
        let _ = writeln!(
            s,
            "Slowest hot queries on this data (one run, through sqlx, no HTTP): {}. Rendering the QR code PNG that each booking confirmation carries (inside the booking's write transaction): {:.2} ms.\n",
            slow.iter()
                .take(4)
                .map(|p| format!("{} {:.2} ms", p.what, p.ms))
                .collect::<Vec<_>>()
                .join("; "),
            self.qr_ms
        );
        let _ = writeln!(
            s,
            "<details><summary>Query plans and times on this data ({})</summary>\n\n| Query | ms a run | Plan |\n|---|---:|---|",
            match a.backend {
                BackendArg::Sqlite => "EXPLAIN QUERY PLAN",
                BackendArg::Postgres => "EXPLAIN, after ANALYZE",
            }
        );
        for p in &self.plans {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                p.what,
                ms(p.ms),
                p.plan.replace('|', "\\|")
            );
        }
        let _ = writeln!(s, "\n</details>");
        s
    }
}
