//! Estimation of the coordination interval from the data, as CooRnet does.
//!
//! CooRnet's `estimate_coord_interval(q = 0.1, p = 0.5)`: for every item shared at
//! least twice, take the delay of its second share; keep the items whose second-share
//! delay is within the q-quantile (the quickest items); for each of those, take the
//! delay until more than a fraction p of its shares had happened; the interval is the
//! p-quantile of those delays (R's default type-7 quantile), and 1 if that is 0.
//! Items here are the URLs of non-reposts and the posts being reposted.

use crate::corpus::{Corpus, NONE};

/// The estimated window and what it was based on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowEstimate {
    /// The estimated window, rounded up to a whole time unit (at least `min_window`).
    pub window: i64,
    /// Items shared at least twice.
    pub items: usize,
    /// Items kept as the quickest (second share within the q-quantile).
    pub quick_items: usize,
}

/// R's default (type 7) quantile of sorted values.
fn quantile(sorted: &[i64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let base = sorted[lo] as f64;
    base + (h - lo as f64) * (sorted[hi] as f64 - base)
}

/// Estimates the coordination window with CooRnet's method (`q`, `p` in [0, 1]).
/// Returns `None` when no item is shared twice. A result below `min_window` becomes `min_window`.
pub fn estimate_window(corpus: &Corpus, q: f64, p: f64, min_window: i64) -> Option<WindowEstimate> {
    let q = q.clamp(0.0, 1.0);
    let p = p.clamp(0.0, 1.0);
    // (item, time): URLs are offset past the message-id space.
    let mut shares: Vec<(u64, i64)> = Vec::new();
    for i in 0..corpus.len() {
        let t = corpus.time[i];
        if corpus.repost[i] != NONE {
            shares.push((corpus.repost[i] as u64, t));
        } else {
            for &u in corpus.url_range(i) {
                shares.push(((1u64 << 32) | u as u64, t));
            }
        }
    }
    shares.sort_unstable();
    let mut groups: Vec<&[(u64, i64)]> = shares
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() >= 2)
        .collect();
    if groups.is_empty() {
        return None;
    }
    let items = groups.len();
    let mut second: Vec<i64> = groups.iter().map(|g| g[1].1 - g[0].1).collect();
    second.sort_unstable();
    let cut = quantile(&second, q);
    groups.retain(|g| ((g[1].1 - g[0].1) as f64) <= cut);
    let quick_items = groups.len();
    let mut delays: Vec<i64> = groups
        .iter()
        .filter_map(|g| {
            let n = g.len() as f64;
            let k = (1..=g.len()).find(|&rank| rank as f64 / n > p)?;
            Some(g[k - 1].1 - g[0].1)
        })
        .collect();
    delays.sort_unstable();
    let w = quantile(&delays, p).ceil() as i64;
    Some(WindowEstimate {
        window: w.max(min_window),
        items,
        quick_items,
    })
}
