//! Statistics of notices to a platform over a period: how fast it acknowledged and decided, and
//! what share of the notified items it actioned.
//!
//! The caller selects the notices (one platform, one period) and passes each one's
//! [`Timing`]; [`stats`] reduces them to [`Stats`]. Times are seconds since the epoch; nothing
//! here reads a clock.
//!
//! Percentiles are nearest-rank: of the `n` durations sorted ascending, the `p`-th percentile is
//! the one at rank `ceil(p / 100 * n)` (1-based), so it is always one of the observed
//! durations. The median is the 50th percentile in that sense: for an even count, the lower of
//! the two middle values. A time to acknowledge or to decide is `acknowledged - sent` or
//! `decided - sent`; a time before `sent` (a clock error at either end) counts as 0 s. A notice
//! not yet acknowledged or decided counts in [`Stats::notices`] only, not in the durations.
//! Actioned items are counted up to the notice's item count.
//!
//! ```
//! use response::notice_stats::{stats, Timing};
//!
//! let t = |sent, ack: Option<i64>, dec: Option<i64>, items, actioned| Timing {
//!     sent, acknowledged: ack, decided: dec, items, items_actioned: actioned,
//! };
//! let s = stats(&[
//!     t(0, Some(60), Some(3_600), 2, 1),
//!     t(0, Some(120), None, 1, 0),
//!     t(0, None, None, 1, 0),
//! ]);
//! assert_eq!((s.notices, s.acknowledged, s.decided), (3, 2, 1));
//! assert_eq!(s.acknowledge_median_s, Some(60));
//! assert_eq!(s.acknowledge_p90_s, Some(120));
//! assert_eq!(s.decide_median_s, Some(3_600));
//! assert_eq!(s.share_actioned, Some(0.25));
//! ```

use serde::Serialize;

/// One notice's times and items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// When the notice was sent to the platform.
    pub sent: i64,
    /// When the platform acknowledged it, if it has.
    pub acknowledged: Option<i64>,
    /// When the platform decided on it, if it has.
    pub decided: Option<i64>,
    /// How many items the notice names.
    pub items: u32,
    /// How many of them the platform actioned (restricted in any way).
    pub items_actioned: u32,
}

/// What [`stats`] makes of a set of notices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// The notices counted.
    pub notices: u64,
    /// Of them, those acknowledged.
    pub acknowledged: u64,
    /// Of them, those decided.
    pub decided: u64,
    /// The median time to acknowledge, in seconds (nearest rank); none without any.
    pub acknowledge_median_s: Option<i64>,
    /// The 90th percentile of the time to acknowledge, in seconds (nearest rank).
    pub acknowledge_p90_s: Option<i64>,
    /// The median time to decide, in seconds (nearest rank).
    pub decide_median_s: Option<i64>,
    /// The 90th percentile of the time to decide, in seconds (nearest rank).
    pub decide_p90_s: Option<i64>,
    /// The items the notices name.
    pub items: u64,
    /// Of them, those actioned.
    pub items_actioned: u64,
    /// `items_actioned / items`; none when there are no items.
    pub share_actioned: Option<f64>,
}

/// The nearest-rank `p`-th percentile (0 < p <= 100) of durations sorted ascending.
fn nearest_rank(sorted: &[i64], p: u64) -> Option<i64> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    // ceil(p * n / 100), at least rank 1.
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get((rank - 1) as usize).copied()
}

/// A duration from `sent` to `at`, 0 when `at` is earlier.
fn since(sent: i64, at: i64) -> i64 {
    at.saturating_sub(sent).max(0)
}

/// The statistics of the given notices (their order does not matter).
pub fn stats(timings: &[Timing]) -> Stats {
    let mut ack: Vec<i64> = timings
        .iter()
        .filter_map(|t| t.acknowledged.map(|a| since(t.sent, a)))
        .collect();
    let mut dec: Vec<i64> = timings
        .iter()
        .filter_map(|t| t.decided.map(|d| since(t.sent, d)))
        .collect();
    ack.sort_unstable();
    dec.sort_unstable();
    let items: u64 = timings.iter().map(|t| u64::from(t.items)).sum();
    let items_actioned: u64 = timings
        .iter()
        .map(|t| u64::from(t.items_actioned.min(t.items)))
        .sum();
    Stats {
        notices: timings.len() as u64,
        acknowledged: ack.len() as u64,
        decided: dec.len() as u64,
        acknowledge_median_s: nearest_rank(&ack, 50),
        acknowledge_p90_s: nearest_rank(&ack, 90),
        decide_median_s: nearest_rank(&dec, 50),
        decide_p90_s: nearest_rank(&dec, 90),
        items,
        items_actioned,
        share_actioned: (items > 0).then(|| items_actioned as f64 / items as f64),
    }
}
