//! The retry policy and its pure decisions: backoff delays and reading rate-limit answers.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use http::HeaderMap;

/// How hard a call tries before giving up. Tests use millisecond delays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (rate-limit waits count too, so a call always ends).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled for each further one.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Longer rate-limit waits are not slept inside the call: it fails with `RateLimited` and the
    /// job layer reschedules.
    pub max_rate_limit_wait: Duration,
    /// One attempt, from sending to the last byte of the answer.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Delay after failed attempt number `attempt` (1-based): exponential, capped, and spread over
/// its upper half by `jitter` in [0, 1) so that many clients don't retry in step.
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(20);
    let full = policy
        .base_delay
        .saturating_mul(1u32 << doublings)
        .min(policy.max_delay);
    let jitter = jitter.clamp(0.0, 1.0);
    full / 2 + full.mul_f64(jitter / 2.0)
}

/// A fresh number in [0, 1) for backoff jitter; quality does not matter, only spread.
pub(crate) fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// GitHub's guidance when a rate limit comes without a time to wait for.
const UNSPECIFIED_RATE_LIMIT_WAIT: TimeDelta = TimeDelta::seconds(60);

/// When a rate-limited request may be sent again, or `None` when the answer is not a rate limit
/// (a 403 can also be a plain permission refusal).
pub(crate) fn rate_limited_until(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(value) = header(headers, "retry-after") {
        if let Ok(seconds) = value.parse::<i64>() {
            return Some(now + TimeDelta::seconds(seconds.max(0)));
        }
        if let Ok(date) = DateTime::parse_from_rfc2822(value) {
            return Some(date.with_timezone(&Utc).max(now));
        }
    }
    if header(headers, "x-ratelimit-remaining") == Some("0")
        && let Some(reset) = header(headers, "x-ratelimit-reset")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
    {
        return Some(reset.max(now));
    }
    let says_rate_limit = String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains("rate limit");
    (status == 429 || says_rate_limit).then(|| now + UNSPECIFIED_RATE_LIMIT_WAIT)
}

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let p = policy();
        let full: Vec<u128> = (1..=6)
            .map(|attempt| backoff(&p, attempt, 0.999_999).as_millis())
            .collect();
        assert_eq!(full, [99, 199, 399, 799, 999, 999]);
        assert_eq!(backoff(&p, 3, 0.0), Duration::from_millis(200));
        assert_eq!(backoff(&p, 40, 0.0), Duration::from_millis(500));
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn rate_limits_are_read_from_headers_or_body() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let until = |status, pairs: &[(&'static str, &str)], body: &str| {
            rate_limited_until(status, &headers(pairs), body.as_bytes(), now)
        };
        assert_eq!(
            until(403, &[("retry-after", "7")], ""),
            Some(now + TimeDelta::seconds(7))
        );
        assert_eq!(until(429, &[("retry-after", "0")], ""), Some(now));
        assert_eq!(
            until(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1700000090")
                ],
                ""
            ),
            Some(now + TimeDelta::seconds(90))
        );
        // A reset already past means: go now.
        assert_eq!(
            until(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1600000000")
                ],
                ""
            ),
            Some(now)
        );
        assert_eq!(
            until(
                403,
                &[],
                r#"{"message":"You have exceeded a secondary rate limit"}"#
            ),
            Some(now + TimeDelta::seconds(60))
        );
        assert_eq!(until(429, &[], ""), Some(now + TimeDelta::seconds(60)));
        // Permission refusals and other statuses are not rate limits.
        assert_eq!(
            until(
                403,
                &[("x-ratelimit-remaining", "4999")],
                r#"{"message":"Resource not accessible by integration"}"#
            ),
            None
        );
        assert_eq!(until(500, &[("retry-after", "1")], ""), None);
    }
}
