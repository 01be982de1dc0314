//! Pure: when a failed job runs next.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Exponential backoff from `base`, doubled per attempt, capped at `max`; `attempts` counts the
/// attempt that just failed (1 for the first).
pub fn next_attempt_at(
    now: DateTime<Utc>,
    attempts: u32,
    base: Duration,
    max: Duration,
) -> DateTime<Utc> {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    let delay = base.saturating_mul(factor).min(max);
    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn doubles_then_caps() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        let delays: Vec<i64> = (1..=7)
            .map(|a| (next_attempt_at(now, a, base, max) - now).num_seconds())
            .collect();
        assert_eq!(delays, vec![2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(
            next_attempt_at(now, u32::MAX, base, max),
            now + chrono::Duration::seconds(60)
        );
    }
}
