//! clock: the one place that reads the system clock.
//!
//! Engines (`stix`, `pdq`, `coord`, `posts`, `adrules`, `response`) are pure and never read the
//! clock: their callers pass the time in. The hub, the service crates, the store backends and the
//! binary ask here, so there is one clock and one way to read it. Calendar arithmetic and the
//! wire formats of timestamps are `stix`'s timestamp module.
//!
//! ```
//! let us = clock::now_micros();
//! assert!(us > 1_700_000_000_000_000);
//! assert_eq!(clock::now_secs(), us.div_euclid(1_000_000));
//! ```

/// Now, in microseconds since the Unix epoch (0 if the clock is before the epoch).
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Now, in whole seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    now_micros().div_euclid(1_000_000)
}
