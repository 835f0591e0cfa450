//! The secure rooms' audit trail at scale (issue 20), with `--audit-records N`: N records of
//! door decisions, one every 30 s over the year before the bench day, are appended to the
//! chain (hashed here with the service's own `hash_of`, written in batches), then
//! `kado audit verify` runs over the whole chain as its own process (its time and peak memory
//! are the targets: under 10 s for 1,000,000 records, flat memory) and the room's year is
//! exported through the API as CSV (its time, its size, and how much the service's memory
//! grew while it streamed: the target is under 200 MB).

use super::{Args, Monitor, Phase, Sample, Shared, log};
use anyhow::{Context, Result};
use kado::access::audit::{Record, hash_of};
use kado::db::Db;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The phases' names in the report.
pub const VERIFY: &str = "audit: kado audit verify (whole chain)";
pub const EXPORT: &str = "audit: a room's year exported as CSV";

const BATCH: usize = 1000;

/// Appends `n` chained records of the room to the trail, the last 30 s before `t0`.
async fn fill(url: &str, n: usize, site: i64, room: i64, workers: &[i64], t0: i64) -> Result<()> {
    let db = Db::connect(url, 1).await?;
    let (mut id, mut prev): (i64, String) =
        sqlx::query_as("SELECT last_id, last_hash FROM access_chain WHERE id = 1")
            .fetch_one(&db.pool)
            .await?;
    let start = Instant::now();
    let mut left = n;
    while left > 0 {
        let k = left.min(BATCH);
        let mut values = Vec::with_capacity(k);
        for _ in 0..k {
            id += 1;
            let mut r = Record {
                id,
                at: t0 - 30 * (left as i64),
                site_id: site,
                actor_id: Some(workers[id as usize % workers.len()]),
                device_id: None,
                space_id: Some(room),
                project_id: None,
                subject_id: Some(workers[id as usize % workers.len()]),
                action: if id % 2 == 0 {
                    "door.enter"
                } else {
                    "door.leave"
                }
                .into(),
                decision: "allow".into(),
                reason: String::new(),
                detail: "{}".into(),
                prev_hash: prev,
                hash: String::new(),
            };
            r.hash = hash_of(&r);
            values.push(format!(
                "({}, {}, {}, {}, NULL, {}, NULL, {}, '{}', 'allow', '', '{{}}', '{}', '{}')",
                r.id,
                r.at,
                r.site_id,
                r.actor_id.unwrap_or(0),
                room,
                r.subject_id.unwrap_or(0),
                r.action,
                r.prev_hash,
                r.hash
            ));
            prev = r.hash;
            left -= 1;
        }
        let mut tx = db.pool.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO access_audit ({}) VALUES {}",
            kado::access::audit::COLUMNS,
            values.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE access_chain SET last_id = $1, last_hash = $2 WHERE id = 1")
            .bind(id)
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    log(format!(
        "audit: {n} records appended in {:.1} s",
        start.elapsed().as_secs_f64()
    ));
    db.close().await;
    Ok(())
}

/// `kado audit verify` as its own process: (wall time, peak RSS in kB, its last line).
fn verify(a: &Args, url: &str) -> Result<(Duration, i64, String)> {
    let bin = a
        .server_bin
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_BIN_EXE_kado")));
    let start = Instant::now();
    let child = std::process::Command::new(bin)
        .args(["audit", "verify"])
        .env("DATABASE_URL", url)
        .env("KADO_DEMO", "false")
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.context("stdout")?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut out, &mut text)?;
    // wait4 for the child's own peak memory (getrusage would mix in every earlier child).
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unwaited child; both pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    anyhow::ensure!(r == pid, "wait4 failed");
    anyhow::ensure!(status == 0, "kado audit verify failed: {text}");
    Ok((start.elapsed(), usage.ru_maxrss, text.trim().to_string()))
}

fn rss_kb(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The audit scenarios instead of the others.
pub(super) async fn scenarios(
    a: &Args,
    n: usize,
    url: &str,
    sh: Arc<Shared>,
    mon: &Monitor,
) -> Result<Vec<Phase>> {
    let (_, room) = super::access::door(&sh).await?;
    let site = sh.fill.sites[0];
    fill(url, n, site, room, &sh.fill.workers, sh.fill.t0).await?;
    let mut out = Vec::new();

    let before = mon.snap();
    let (took, peak_kb, said) = verify(a, url)?;
    // Its last line is the verdict (a slow-statement warning may come before it).
    let said = said.lines().last().unwrap_or_default().to_string();
    log(format!(
        "audit: verify {:.2} s, peak {} MB: {said}",
        took.as_secs_f64(),
        peak_kb / 1024
    ));
    let ok = said.starts_with("Audit chain intact");
    let sample = Sample {
        status: if ok { 200 } else { 500 },
        tag: Some(format!("peak {} MB", peak_kb / 1024)),
    };
    let cpu = mon.used(&before, &mon.snap());
    out.push(Phase::new(
        VERIFY,
        format!("{n} records"),
        None,
        vec![(sample, took)],
        took.as_secs_f64(),
        cpu,
    ));

    // The export: the service's resident memory sampled every 50 ms while it streams.
    let pid = mon.servers[0];
    let rest = rss_kb(pid);
    let high = Arc::new(std::sync::atomic::AtomicU64::new(rest));
    let sampler = {
        let high = high.clone();
        tokio::spawn(async move {
            loop {
                high.fetch_max(rss_kb(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let to = chrono::DateTime::from_timestamp(sh.fill.t0, 0)
        .context("t0")?
        .date_naive();
    let from = to - chrono::Days::new(364);
    let before = mon.snap();
    let start = Instant::now();
    // A connection of its own: the shared client's kept-alive one sat idle through the fill
    // and verify, and the service closes idle connections (KADO_HEADER_TIMEOUT).
    let client = reqwest::Client::new();
    let mut res = client
        .get(format!(
            "{}/api/v1/secure-rooms/{room}/audit?from={from}&to={to}",
            sh.base(0)
        ))
        .header("cookie", format!("kado_session={}", sh.fill.admin_session))
        .timeout(Duration::from_secs(600))
        .send()
        .await?;
    let status = res.status().as_u16();
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = res.chunk().await? {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let took = start.elapsed();
    sampler.abort();
    let grew = high
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(rest)
        / 1024;
    log(format!(
        "audit: export {status} in {:.2} s, {} MB, {} lines; service RSS {} MB at rest, +{grew} MB while streaming",
        took.as_secs_f64(),
        bytes / 1_000_000,
        lines,
        rest / 1024
    ));
    let cpu = mon.used(&before, &mon.snap());
    out.push(Phase::new(
        EXPORT,
        format!("{} lines, {} MB", lines, bytes / 1_000_000),
        None,
        vec![(
            Sample {
                status,
                tag: Some(format!("+{grew} MB RSS")),
            },
            took,
        )],
        took.as_secs_f64(),
        cpu,
    ));
    Ok(out)
}
