//! Prometheus metrics: requests by route template, method and status, a latency histogram
//! per route, object counters and build information, rendered in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The server's metrics registry.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    objects_ingested: AtomicU64,
    objects_served: AtomicU64,
    objects_failed: AtomicU64,
    auth_verifications: AtomicU64,
    auth_failures: AtomicU64,
    auth_throttled: AtomicU64,
    auth_in_flight: AtomicI64,
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Records one finished request.
    pub fn observe_request(&self, route: &str, method: &str, status: u16, latency: Duration) {
        let secs = latency.as_secs_f64();
        let mut inner = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        *inner
            .requests
            .entry((route.to_string(), method.to_string(), status))
            .or_insert(0) += 1;
        let h = inner.latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Counts objects stored by TAXII POSTs.
    pub fn add_ingested(&self, n: u64) {
        self.objects_ingested.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts objects refused by TAXII POSTs.
    pub fn add_failed(&self, n: u64) {
        self.objects_failed.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts objects served by reads.
    pub fn add_served(&self, n: u64) {
        self.objects_served.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts an argon2id credential verification starting.
    pub fn verification_started(&self) {
        self.auth_verifications.fetch_add(1, Ordering::Relaxed);
        self.auth_in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an argon2id credential verification ending.
    pub fn verification_finished(&self) {
        self.auth_in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Counts a failed authentication (wrong, unknown, revoked or disabled credentials).
    pub fn add_auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request refused by authentication throttling.
    pub fn add_auth_throttled(&self) {
        self.auth_throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders every metric in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let inner = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        out.push_str(
            "# HELP rrm_http_requests_total HTTP requests by route template, method and status.\n",
        );
        out.push_str("# TYPE rrm_http_requests_total counter\n");
        for ((route, method, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "rrm_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        out.push_str(
            "# HELP rrm_http_request_duration_seconds HTTP request latency by route template.\n",
        );
        out.push_str("# TYPE rrm_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "rrm_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "rrm_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "rrm_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "rrm_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        drop(inner);
        for (name, help, value) in [
            (
                "rrm_objects_ingested_total",
                "STIX objects stored through TAXII POST.",
                &self.objects_ingested,
            ),
            (
                "rrm_objects_rejected_total",
                "STIX objects refused by TAXII POST.",
                &self.objects_failed,
            ),
            (
                "rrm_objects_served_total",
                "STIX objects, manifest entries and versions served by reads.",
                &self.objects_served,
            ),
            (
                "rrm_auth_verifications_total",
                "argon2id credential verifications run (cached credentials need none).",
                &self.auth_verifications,
            ),
            (
                "rrm_auth_failures_total",
                "Failed authentications (wrong, unknown, revoked or disabled credentials).",
                &self.auth_failures,
            ),
            (
                "rrm_auth_throttled_total",
                "Requests refused with 429 by authentication throttling.",
                &self.auth_throttled,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        out.push_str(
            "# HELP rrm_auth_verifications_in_flight argon2id verifications running now.\n",
        );
        out.push_str("# TYPE rrm_auth_verifications_in_flight gauge\n");
        let _ = writeln!(
            out,
            "rrm_auth_verifications_in_flight {}",
            self.auth_in_flight.load(Ordering::Relaxed)
        );
        out.push_str("# HELP rrm_build_info Build information of the running rrm.\n");
        out.push_str("# TYPE rrm_build_info gauge\n");
        let _ = writeln!(
            out,
            "rrm_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe_request("/a", "GET", 200, Duration::from_micros(300));
        m.observe_request("/a", "GET", 200, Duration::from_millis(30));
        m.observe_request("/a", "GET", 404, Duration::from_secs(20));
        let text = m.render();
        assert!(
            text.contains("rrm_http_requests_total{route=\"/a\",method=\"GET\",status=\"200\"} 2")
        );
        assert!(
            text.contains("rrm_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0005\"} 1")
        );
        assert!(
            text.contains("rrm_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.05\"} 2")
        );
        assert!(
            text.contains("rrm_http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3")
        );
    }
}
