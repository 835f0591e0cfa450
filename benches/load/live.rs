//! The staff live view under the rush (issue 16): `--live-clients` server-sent-event streams
//! open on one bench site (spread over the instances), then every bench worker scans once at
//! 200/s (the site's own scans spread through the rush). Reported: the scans' latency with the
//! streams open; for each scan at the watched site, the time from its answer to the first
//! snapshot that shows the person, at every stream (one sample per scan and stream; a stream
//! that never showed it within 10 s counts as `missed`); and the snapshot's latency
//! (GET /sites/{id}/live) on a site with the historical bookings.

use super::{MakeReq, Monitor, Phase, Sample, Shared, closed_loop, log, open_loop, send};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCANS: &str = "live: kiosk scans with the streams open";
const EVENTS: &str = "live: scan answered → shown on every stream";
const SNAPSHOT: &str = "live: GET /sites/{id}/live";

/// When each person first showed on each stream: (stream, person) -> instant.
type Seen = Arc<Mutex<HashMap<(usize, i64), Instant>>>;

/// Runs the scenario (after the other phases: the workers' repeat window must have passed).
pub async fn scenario(
    clients: usize,
    rate: f64,
    secs: f64,
    sh: &Arc<Shared>,
    mon: &Monitor,
    out: &mut Vec<Phase>,
) {
    if clients == 0 {
        return;
    }
    log("live view: waiting for the kiosk's one-minute repeat window");
    tokio::time::sleep(Duration::from_secs(62)).await;
    let site = sh.fill.sites[0];
    let desks = sh.fill.desks;
    let watched: HashSet<i64> = sh.fill.workers[..desks].iter().copied().collect();
    // The screens read their streams on a thread of their own: on the generator's one thread,
    // 200 snapshots to read after each event held back the scans it sends and times (200
    // browsers are on other machines). They still share the machine's two cores.
    let seen: Seen = Arc::default();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(clients);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let urls: Vec<String> = (0..clients)
        .map(|c| format!("{}/api/v1/sites/{site}/live/stream", sh.base(c)))
        .collect();
    let cookie = format!("kado_session={}", sh.fill.admin_session);
    let screens = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                log("live view: no runtime for the screens");
                return;
            };
            rt.block_on(async move {
                // No overall timeout: a stream is one long answer.
                let Ok(client) = reqwest::Client::builder()
                    .no_proxy()
                    .tcp_nodelay(true)
                    .build()
                else {
                    log("live view: no HTTP client");
                    return;
                };
                for (c, url) in urls.into_iter().enumerate() {
                    let req = client
                        .get(url)
                        .header("cookie", &cookie)
                        .header("accept", "text/event-stream");
                    tokio::spawn(read_stream(c, req, seen.clone(), ready_tx.clone()));
                }
                drop(ready_tx);
                let _ = stop_rx.await;
            });
            // Dropping the runtime ends every stream.
        })
    };
    for _ in 0..clients {
        if tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .ok()
            .flatten()
            .is_none()
        {
            log("live view: not every stream sent its first snapshot within 60 s");
            break;
        }
    }
    log(format!("live view: {clients} streams open on site {site}"));

    // Every worker once, the watched site's spread through the rush.
    let w = sh.fill.workers.len();
    let sites = (w / desks).max(1);
    let order: Vec<usize> = (0..sites * desks)
        .map(|i| (i % sites) * desks + i / sites)
        .collect();
    let answered: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let make: MakeReq = {
        let (sh, answered, order) = (sh.clone(), answered.clone(), Arc::new(order));
        Arc::new(move |i| {
            let worker = order[i];
            let person = sh.fill.workers[worker];
            let rb = sh
                .client
                .post(format!("{}/api/v1/kiosk/scan", sh.base(worker)))
                .bearer_auth(&sh.fill.kiosk_tokens[worker / sh.fill.desks])
                .json(&json!({ "credential": sh.fill.payloads[worker] }));
            let answered = answered.clone();
            let watch = worker < sh.fill.desks;
            Box::pin(async move {
                let s: Sample = send(rb, Some("outcome")).await;
                if watch && (200..300).contains(&s.status) {
                    answered
                        .lock()
                        .expect("lock")
                        .insert(person, Instant::now());
                }
                s
            })
        })
    };
    let n = sites * desks;
    out.push(open_loop(SCANS, rate, n, make, mon).await);
    tokio::time::sleep(Duration::from_secs(10)).await;

    // One sample per watched scan and stream.
    let answered = answered.lock().expect("lock").clone();
    let seen = seen.lock().expect("lock").clone();
    let mut samples = Vec::new();
    for (person, at) in &answered {
        if !watched.contains(person) {
            continue;
        }
        for c in 0..clients {
            let sample = match seen.get(&(c, *person)) {
                Some(shown) => (
                    Sample {
                        status: 200,
                        tag: Some("shown".into()),
                    },
                    shown.saturating_duration_since(*at),
                ),
                None => (
                    Sample {
                        status: 200,
                        tag: Some("missed".into()),
                    },
                    Duration::from_secs(10),
                ),
            };
            samples.push(sample);
        }
    }
    let cpu = mon.used(&mon.snap(), &mon.snap());
    out.push(Phase::new(
        EVENTS,
        format!("{clients} streams"),
        None,
        samples,
        secs,
        cpu,
    ));
    let _ = stop_tx.send(());
    let _ = tokio::task::spawn_blocking(move || screens.join()).await;

    // The snapshot itself.
    let get: MakeReq = {
        let sh = sh.clone();
        Arc::new(move |i| {
            let rb = sh
                .client
                .get(format!("{}/api/v1/sites/{site}/live", sh.base(i)))
                .header("cookie", format!("kado_session={}", sh.fill.admin_session));
            Box::pin(send(rb, None))
        })
    };
    out.push(closed_loop(SNAPSHOT, 4, secs, usize::MAX, get, mon).await);
}

/// The part of a snapshot a screen of the benchmark reads.
#[derive(serde::Deserialize)]
struct Snap {
    people: Vec<Inside>,
}

#[derive(serde::Deserialize)]
struct Inside {
    person_id: i64,
}

/// Reads one stream: notes when each person first shows among the people inside.
async fn read_stream(
    c: usize,
    req: reqwest::RequestBuilder,
    seen: Seen,
    ready: tokio::sync::mpsc::Sender<()>,
) {
    let Ok(mut res) = req.send().await else {
        return;
    };
    let mut buf: Vec<u8> = Vec::new();
    let mut first = true;
    let mut known: HashSet<i64> = HashSet::new();
    while let Ok(Some(chunk)) = res.chunk().await {
        // Only the new bytes (and the one before them) can end a message.
        let from = buf.len().saturating_sub(1);
        buf.extend_from_slice(&chunk);
        let mut start = 0;
        let mut at = from;
        while let Some(end) = buf[at..].windows(2).position(|w| w == b"\n\n") {
            let end = at + end;
            let message = &buf[start..end];
            start = end + 2;
            at = start;
            let data: Vec<u8> = message
                .split(|b| *b == b'\n')
                .filter_map(|l| l.strip_prefix(b"data:"))
                .flat_map(|l| l.strip_prefix(b" ").unwrap_or(l).iter().copied())
                .collect();
            let Ok(snap) = serde_json::from_slice::<Snap>(&data) else {
                continue;
            };
            let now = Instant::now();
            {
                let mut map = seen.lock().expect("lock");
                for p in &snap.people {
                    if known.insert(p.person_id) && !first {
                        map.entry((c, p.person_id)).or_insert(now);
                    }
                }
            }
            if first {
                first = false;
                let _ = ready.send(()).await;
            }
        }
        buf.drain(..start);
    }
}
