//! Authentication throttling: a bound on concurrent argon2id verifications (each holds about
//! 19 MiB) and a failure backoff per client address and per account.
//!
//! Each failed verification is counted for the client address and for the account (the
//! username, or the token's lookup id). After a number of free failures, the key is locked
//! for a backoff window that doubles with every further failure up to a cap, and requests
//! it would verify answer 429 with `Retry-After` without any argon2 work. A request refused
//! while locked is not counted, so an attacker gets at most one guess per window and a
//! victim's account is never locked for longer than the cap after the last verified guess;
//! failures are forgotten after a quiet period, and a success clears its account's count.
//! Credentials verified recently (the hub's cache) skip all of this: they cost no argon2.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits of credential checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthLimits {
    /// The most argon2id verifications running at once (default: the number of cores).
    pub max_concurrent: usize,
    /// How long a request waits for a verification slot before answering 429 (default 2 s).
    pub queue_wait: Duration,
    /// Failures from one client address before it is slowed down (default 10).
    pub address_free_failures: u32,
    /// Failures for one account before it is slowed down (default 5).
    pub account_free_failures: u32,
    /// The first backoff window (default 1 s); it doubles with each further failure.
    pub base_backoff: Duration,
    /// The longest backoff window (default 60 s).
    pub max_backoff: Duration,
    /// Failures are forgotten after this long without one (default 15 minutes).
    pub forget_after: Duration,
}

impl Default for AuthLimits {
    fn default() -> Self {
        AuthLimits {
            max_concurrent: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_wait: Duration::from_secs(2),
            address_free_failures: 10,
            account_free_failures: 5,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            forget_after: Duration::from_secs(15 * 60),
        }
    }
}

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A client address (`None` when the server runs without connect info).
    Address(Option<IpAddr>),
    /// A username or a token lookup id.
    Account(String),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
    locked_until: Instant,
}

/// The failure counters.
pub(crate) struct Throttle {
    limits: AuthLimits,
    entries: Mutex<HashMap<Key, Entry>>,
}

/// The most keys remembered; beyond it, expired ones are dropped.
const MAX_KEYS: usize = 100_000;

impl Throttle {
    pub(crate) fn new(limits: AuthLimits) -> Throttle {
        Throttle {
            limits,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn limits(&self) -> &AuthLimits {
        &self.limits
    }

    /// `Err(seconds)` when any of `keys` is locked at `now`.
    pub(crate) fn check(&self, keys: &[Key], now: Instant) -> Result<(), u64> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(k))
            .filter(|e| e.locked_until > now)
            .map(|e| e.locked_until - now)
            .max();
        match wait {
            Some(d) => Err(d.as_secs_f64().ceil().max(1.0) as u64),
            None => Ok(()),
        }
    }

    /// Counts one failed verification against every key.
    pub(crate) fn failed(&self, keys: &[Key], now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_KEYS {
            let forget = self.limits.forget_after;
            entries.retain(|_, e| e.locked_until > now || now.duration_since(e.last) < forget);
            if entries.len() >= MAX_KEYS {
                entries.clear();
            }
        }
        for key in keys {
            let free = match key {
                Key::Address(_) => self.limits.address_free_failures,
                Key::Account(_) => self.limits.account_free_failures,
            };
            let e = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                last: now,
                locked_until: now,
            });
            if now.duration_since(e.last) >= self.limits.forget_after {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last = now;
            if e.failures > free {
                let doublings = (e.failures - free - 1).min(20);
                let window = self
                    .limits
                    .base_backoff
                    .saturating_mul(1u32 << doublings)
                    .min(self.limits.max_backoff);
                e.locked_until = now + window;
            }
        }
    }

    /// Clears an account's failures after a success (its address keeps its count).
    pub(crate) fn succeeded(&self, account: &Key) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> AuthLimits {
        AuthLimits {
            address_free_failures: 3,
            account_free_failures: 2,
            ..AuthLimits::default()
        }
    }

    #[test]
    fn backoff_starts_after_the_free_failures_doubles_and_is_capped() {
        let t = Throttle::new(limits());
        let acct = [Key::Account("alice".into())];
        let t0 = Instant::now();
        t.failed(&acct, t0);
        t.failed(&acct, t0);
        assert_eq!(t.check(&acct, t0), Ok(()));
        t.failed(&acct, t0);
        assert_eq!(t.check(&acct, t0), Err(1));
        t.failed(&acct, t0);
        assert_eq!(t.check(&acct, t0), Err(2));
        for _ in 0..30 {
            t.failed(&acct, t0);
        }
        assert_eq!(t.check(&acct, t0), Err(60));
        assert_eq!(t.check(&acct, t0 + Duration::from_secs(61)), Ok(()));
        // Another account and the address are not affected.
        assert_eq!(t.check(&[Key::Account("bob".into())], t0), Ok(()));
        t.succeeded(&acct[0]);
        assert_eq!(t.check(&acct, t0), Ok(()));
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_period() {
        let t = Throttle::new(limits());
        let ip = [Key::Address(None)];
        let t0 = Instant::now();
        for _ in 0..3 {
            t.failed(&ip, t0);
        }
        let later = t0 + Duration::from_secs(16 * 60);
        t.failed(&ip, later);
        assert_eq!(t.check(&ip, later), Ok(()));
    }
}
