//! The staff live view under the rush (issue 16): `--live-clients` server-sent-event streams
//! open on one bench site (spread over the instances), then every bench worker scans once at
//! 200/s (the site's own scans spread through the rush). Reported: the scans' latency with the
//! streams open; for each scan at the watched site, the time from its answer to the first
//! snapshot that shows the person, at every stream (one sample per scan and stream; a stream
//! that never showed it within 10 s counts as `missed`); and the snapshot's latency
//! (GET /sites/{id}/live) on a site with the historical bookings.

use super::{MakeReq, Monitor, Phase, Sample, Shared, closed_loop, log, open_loop, send};
use serde_json::{Value, json};
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
    // No overall timeout: a stream is one long answer.
    let Ok(streaming) = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .build()
    else {
        log("live view: no HTTP client");
        return;
    };
    let seen: Seen = Arc::default();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(clients);
    let mut streams = Vec::new();
    for c in 0..clients {
        let req = streaming
            .get(format!("{}/api/v1/sites/{site}/live/stream", sh.base(c)))
            .header("cookie", format!("kado_session={}", sh.fill.admin_session))
            .header("accept", "text/event-stream");
        let (seen, ready) = (seen.clone(), ready_tx.clone());
        streams.push(tokio::spawn(read_stream(c, req, seen, ready)));
    }
    for _ in 0..clients {
        if tokio::time::timeout(Duration::from_secs(60), ready_rx.recv())
            .await
            .is_err()
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
    for s in streams {
        s.abort();
    }

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
    let mut buf = String::new();
    let mut first = true;
    let mut known: HashSet<i64> = HashSet::new();
    while let Ok(Some(chunk)) = res.chunk().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let message: String = buf.drain(..end + 2).collect();
            let data: String = message
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            let Ok(snap) = serde_json::from_str::<Value>(&data) else {
                continue;
            };
            let now = Instant::now();
            let people = snap["people"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            {
                let mut map = seen.lock().expect("lock");
                for p in people {
                    if let Some(id) = p["person_id"].as_i64()
                        && known.insert(id)
                        && !first
                    {
                        map.entry((c, id)).or_insert(now);
                    }
                }
            }
            if first {
                first = false;
                let _ = ready.send(()).await;
            }
        }
    }
}
