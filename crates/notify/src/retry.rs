//! Retries: exponential backoff with jitter, up to a number of attempts.

use std::time::Duration;

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The delay before the second attempt; each further delay doubles.
    pub base: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
    /// Attempts in all; after the last one fails the delivery is `failed`.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(30),
            max_delay: Duration::from_secs(3600),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The delay after failed attempt number `attempt` (1 for the first), or `None` when it
    /// was the last. `jitter` in `[0, 1)` picks the delay in the upper half of the doubled
    /// delay, `[d/2, d)`, so that receivers that come back are not hit by every sender at once.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let doubled = self
            .base
            .checked_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .unwrap_or(self.max_delay);
        let d = doubled.min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Some(d / 2 + d.mul_f64(jitter / 2.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(10),
            max_delay: Duration::from_secs(300),
            max_attempts: 6,
        }
    }

    #[test]
    fn doubles_then_caps_then_stops() {
        let p = policy();
        let lows: Vec<Option<u64>> = (1..=7)
            .map(|a| p.delay(a, 0.0).map(|d| d.as_secs()))
            .collect();
        assert_eq!(
            lows,
            [Some(5), Some(10), Some(20), Some(40), Some(80), None, None]
        );
        assert_eq!(p.delay(1, 0.999_999).map(|d| d.as_secs()), Some(9));
        let capped = RetryPolicy {
            max_attempts: 100,
            ..p
        };
        assert_eq!(capped.delay(60, 0.0), Some(Duration::from_secs(150)));
    }

    proptest! {
        #[test]
        fn delays_stay_in_the_upper_half(attempt in 1u32..64, jitter in 0.0f64..1.0) {
            let p = RetryPolicy { max_attempts: 64, ..policy() };
            let d = p.delay(attempt, jitter).expect("not the last attempt");
            let full = p.base.saturating_mul(2u32.saturating_pow(attempt - 1)).min(p.max_delay);
            prop_assert!(d >= full / 2 && d <= full);
            prop_assert!(d <= p.max_delay);
        }

        #[test]
        fn no_delay_after_the_last_attempt(attempt in 6u32..1000, jitter in any::<f64>()) {
            prop_assert_eq!(policy().delay(attempt, jitter), None);
        }
    }
}
