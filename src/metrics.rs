//! Request counts and latencies in Prometheus' text format, kept in-process (each instance
//! reports its own; Prometheus adds them up).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// The service's counters.
#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) -> count
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }

    /// The exposition text, plus the pool's gauges.
    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP kado_http_requests_total HTTP requests answered.\n# TYPE kado_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "kado_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP kado_http_request_duration_seconds Time to answer a request.\n# TYPE kado_http_request_duration_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "kado_http_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "kado_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "kado_http_request_duration_seconds_sum {}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "kado_http_request_duration_seconds_count {count}");
        let _ = writeln!(
            out,
            "# HELP kado_db_connections Open database connections.\n# TYPE kado_db_connections gauge\nkado_db_connections {pool_size}"
        );
        let _ = writeln!(
            out,
            "# HELP kado_db_connections_idle Idle database connections.\n# TYPE kado_db_connections_idle gauge\nkado_db_connections_idle {pool_idle}"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.observe("GET", "/healthz", 200, 0.0005);
        m.observe("GET", "/healthz", 200, 0.2);
        m.observe("POST", "/api/v1/auth/login", 401, 2.0);
        let text = m.render(3, 1);
        assert!(text.contains(
            "kado_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains("kado_http_request_duration_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("kado_http_request_duration_seconds_bucket{le=\"0.25\"} 2"));
        assert!(text.contains("kado_http_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("kado_db_connections 3"));
    }
}
