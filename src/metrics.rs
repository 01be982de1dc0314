//! Process-wide counters and gauges, rendered as Prometheus text for `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Upper bounds (seconds) of the job latency histogram buckets.
const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];

#[derive(Debug, Default)]
pub struct Metrics {
    deliveries: Mutex<BTreeMap<(String, String), u64>>,
    github_calls: Mutex<BTreeMap<(String, u16), u64>>,
    jobs: Mutex<BTreeMap<(String, String), u64>>,
    job_latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    job_latency_count: AtomicU64,
    job_latency_sum_micros: AtomicU64,
    rate_limit_remaining: AtomicI64,
    queue_depth: AtomicI64,
    skipped_work: Mutex<BTreeMap<String, u64>>,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K, by: u64) {
    // A poisoned lock only means another thread panicked mid-increment; the counts stay usable.
    let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *map.entry(key).or_insert(0) += by;
}

fn snapshot<K: Ord + Clone>(map: &Mutex<BTreeMap<K, u64>>) -> Vec<(K, u64)> {
    let map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    map.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

impl Metrics {
    pub fn new() -> Self {
        let metrics = Self::default();
        metrics.rate_limit_remaining.store(-1, Ordering::Relaxed);
        metrics
    }

    /// `outcome`: accepted, duplicate, bad_signature, malformed, ignored.
    pub fn delivery(&self, event: &str, outcome: &str) {
        bump(
            &self.deliveries,
            (event.to_string(), outcome.to_string()),
            1,
        );
    }

    /// `status` 0 means no HTTP answer (timeout, connection error).
    pub fn github_call(&self, method: &str, status: u16) {
        bump(&self.github_calls, (method.to_string(), status), 1);
    }

    pub fn rate_limit_remaining(&self, remaining: i64) {
        self.rate_limit_remaining
            .store(remaining, Ordering::Relaxed);
    }

    /// `outcome`: done, retried, dead.
    pub fn job_finished(&self, kind: &str, outcome: &str, seconds: f64) {
        bump(&self.jobs, (kind.to_string(), outcome.to_string()), 1);
        for (bucket, bound) in self.job_latency_buckets.iter().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.job_latency_count.fetch_add(1, Ordering::Relaxed);
        self.job_latency_sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn queue_depth(&self, depth: i64) {
        self.queue_depth.store(depth, Ordering::Relaxed);
    }

    /// Work deliberately left for a later run (an operations budget ran out, ...).
    pub fn skipped(&self, reason: &str, count: u64) {
        bump(&self.skipped_work, reason.to_string(), count);
    }

    /// Calls to GitHub counted so far, all statuses.
    pub fn github_call_total(&self) -> u64 {
        snapshot(&self.github_calls).iter().map(|(_, n)| n).sum()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP postmortem_deliveries_total Webhook deliveries by event and outcome.\n",
        );
        out.push_str("# TYPE postmortem_deliveries_total counter\n");
        for ((event, outcome), n) in snapshot(&self.deliveries) {
            let _ = writeln!(
                out,
                "postmortem_deliveries_total{{event=\"{event}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP postmortem_github_calls_total GitHub API calls by method and status (0: no answer).\n");
        out.push_str("# TYPE postmortem_github_calls_total counter\n");
        for ((method, status), n) in snapshot(&self.github_calls) {
            let _ = writeln!(
                out,
                "postmortem_github_calls_total{{method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP postmortem_github_rate_limit_remaining Last x-ratelimit-remaining seen (-1: none yet).\n");
        out.push_str("# TYPE postmortem_github_rate_limit_remaining gauge\n");
        let _ = writeln!(
            out,
            "postmortem_github_rate_limit_remaining {}",
            self.rate_limit_remaining.load(Ordering::Relaxed)
        );
        out.push_str("# HELP postmortem_jobs_total Finished job attempts by kind and outcome.\n");
        out.push_str("# TYPE postmortem_jobs_total counter\n");
        for ((kind, outcome), n) in snapshot(&self.jobs) {
            let _ = writeln!(
                out,
                "postmortem_jobs_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP postmortem_job_duration_seconds Time from claim to finish of a job attempt.\n",
        );
        out.push_str("# TYPE postmortem_job_duration_seconds histogram\n");
        for (bucket, bound) in self.job_latency_buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "postmortem_job_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.job_latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "postmortem_job_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "postmortem_job_duration_seconds_sum {}",
            self.job_latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "postmortem_job_duration_seconds_count {count}");
        out.push_str("# HELP postmortem_queue_depth Jobs queued or running.\n");
        out.push_str("# TYPE postmortem_queue_depth gauge\n");
        let _ = writeln!(
            out,
            "postmortem_queue_depth {}",
            self.queue_depth.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP postmortem_skipped_work_total Work left for a later run, by reason.\n",
        );
        out.push_str("# TYPE postmortem_skipped_work_total counter\n");
        for (reason, n) in snapshot(&self.skipped_work) {
            let _ = writeln!(
                out,
                "postmortem_skipped_work_total{{reason=\"{reason}\"}} {n}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let metrics = Metrics::new();
        metrics.delivery("issue_comment", "accepted");
        metrics.delivery("issue_comment", "accepted");
        metrics.github_call("POST", 201);
        metrics.job_finished("webhook", "done", 0.02);
        let text = metrics.render();
        assert!(text.contains(
            "postmortem_deliveries_total{event=\"issue_comment\",outcome=\"accepted\"} 2"
        ));
        assert!(text.contains("postmortem_github_calls_total{method=\"POST\",status=\"201\"} 1"));
        assert!(text.contains("postmortem_job_duration_seconds_bucket{le=\"0.01\"} 0"));
        assert!(text.contains("postmortem_job_duration_seconds_bucket{le=\"0.025\"} 1"));
        assert!(text.contains("postmortem_github_rate_limit_remaining -1"));
        assert_eq!(metrics.github_call_total(), 1);
    }
}
