//! The six coordination networks: keyed time-window sweeps over posts sorted by (key, time).

use crate::corpus::{Corpus, NONE};
use crate::counter::{radix_sort, PairCounter};
use crate::error::CoordError;
use crate::similar;
use crate::text;
use crate::Edge;
use std::fmt;
use std::str::FromStr;

/// A kind of coordination network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Network {
    /// Reposts of the same post.
    CoRetweet,
    /// Replies (non-reposts) to the same post.
    CoReply,
    /// Non-reposts sharing the same URL.
    CoLink,
    /// Non-reposts with identical normalised text.
    CoTweet,
    /// Non-reposts whose token sets have Jaccard similarity at or above the threshold.
    CoSimilarTweet,
    /// Any two posts.
    CoPost,
}

impl Network {
    /// All networks, in output order.
    pub const ALL: [Network; 6] = [
        Network::CoRetweet,
        Network::CoReply,
        Network::CoLink,
        Network::CoTweet,
        Network::CoSimilarTweet,
        Network::CoPost,
    ];

    /// The CNT name of the network (also its `edge_type`).
    pub fn name(self) -> &'static str {
        match self {
            Network::CoRetweet => "co_retweet",
            Network::CoReply => "co_reply",
            Network::CoLink => "co_link",
            Network::CoTweet => "co_tweet",
            Network::CoSimilarTweet => "co_similar_tweet",
            Network::CoPost => "co_post",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Network {
    type Err = CoordError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Network::ALL
            .into_iter()
            .find(|n| n.name() == s.trim())
            .ok_or_else(|| CoordError::UnknownNetwork(s.to_string()))
    }
}

/// Parameters of a network computation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Two posts match when their times differ by at most this much (inclusive).
    pub window: i64,
    /// Edges lighter than this are dropped (per direction).
    pub min_weight: u32,
    /// Jaccard threshold of co_similar_tweet, in (0, 1].
    pub similarity: f64,
    /// co_similar_tweet ignores documents with fewer distinct tokens than this (CNT's
    /// `--min_document_size_similarity`, default 1). Empty documents never match.
    pub min_tokens: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            window: 60,
            min_weight: 2,
            similarity: 0.8,
            min_tokens: 1,
        }
    }
}

impl Params {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), CoordError> {
        if self.window < 0 {
            return Err(CoordError::NegativeWindow(self.window));
        }
        if self.min_weight == 0 {
            return Err(CoordError::ZeroMinWeight);
        }
        if !(self.similarity > 0.0 && self.similarity <= 1.0) {
            return Err(CoordError::BadSimilarity(self.similarity));
        }
        Ok(())
    }
}

/// One post under a key, for sweeping.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) key: u32,
    pub(crate) post: u32,
    pub(crate) time: i64,
}

/// Computes one network over the corpus: directed edges with weight >= `min_weight`,
/// no self-loops, sorted by (source, target) user id.
///
/// weight(A→B) is the number of distinct posts of A that have at least one matching
/// post of B within `window` (inclusive), as in CNT 1.5.2.
pub fn compute(
    corpus: &Corpus,
    network: Network,
    params: &Params,
) -> Result<Vec<Edge>, CoordError> {
    compute_until(corpus, network, params, &|| false)
}

/// Posts swept between two calls of a stop callback.
const STOP_EVERY: usize = 256;

/// Like [`compute`], but calls `stop` every few thousand posts and returns
/// [`CoordError::Cancelled`] as soon as it answers true (for example a flag set by another
/// thread), so a long computation can be abandoned.
pub fn compute_until(
    corpus: &Corpus,
    network: Network,
    params: &Params,
    stop: &dyn Fn() -> bool,
) -> Result<Vec<Edge>, CoordError> {
    params.validate()?;
    if stop() {
        return Err(CoordError::Cancelled);
    }
    let n = corpus.len();
    let mut counter = PairCounter::new(corpus.user_count());
    match network {
        Network::CoRetweet => {
            let entries = keyed(corpus, |i| corpus.repost[i]);
            sweep(corpus, &entries, params.window, &mut counter, None, stop)?;
        }
        Network::CoReply => {
            let entries = keyed(corpus, |i| {
                if corpus.repost[i] == NONE {
                    corpus.reply[i]
                } else {
                    NONE
                }
            });
            sweep(corpus, &entries, params.window, &mut counter, None, stop)?;
        }
        Network::CoLink => {
            let mut entries = Vec::new();
            let mut multi = vec![false; n];
            for (i, m) in multi.iter_mut().enumerate() {
                if corpus.repost[i] != NONE {
                    continue;
                }
                let urls = corpus.url_range(i);
                *m = urls.len() > 1;
                for &u in urls {
                    entries.push(Entry {
                        key: u,
                        post: i as u32,
                        time: corpus.time[i],
                    });
                }
            }
            sort_entries(&mut entries);
            let mut pending = Vec::new();
            sweep(
                corpus,
                &entries,
                params.window,
                &mut counter,
                Some((&multi, &mut pending)),
                stop,
            )?;
            pending.sort_unstable();
            pending.dedup();
            for k in pending {
                let p = (k >> 32) as usize;
                counter.add(corpus.user[p], k as u32);
            }
        }
        Network::CoTweet => {
            let keys = text_keys(corpus);
            let entries = keyed(corpus, |i| keys[i]);
            sweep(corpus, &entries, params.window, &mut counter, None, stop)?;
        }
        Network::CoSimilarTweet => {
            let docs = similar::Docs::build(corpus, params.min_tokens);
            let pairs = docs
                .exact_pairs(params.window, params.similarity, stop)
                .ok_or(CoordError::Cancelled)?;
            similar::count_pairs(corpus, &pairs, &mut counter);
        }
        Network::CoPost => {
            let entries = keyed(corpus, |_| 0);
            sweep(corpus, &entries, params.window, &mut counter, None, stop)?;
        }
    }
    Ok(counter.finish(params.min_weight))
}

/// Interns normalised texts of non-reposts; empty texts get no key.
fn text_keys(corpus: &Corpus) -> Vec<u32> {
    let mut interner = crate::intern::Interner::new();
    let mut scratch = String::new();
    let mut norm = String::new();
    (0..corpus.len())
        .map(|i| {
            if corpus.repost[i] != NONE {
                return NONE;
            }
            text::normalize_into(corpus.post_text(i as u32), &mut scratch, &mut norm);
            if norm.is_empty() {
                return NONE;
            }
            interner.intern(&norm).map(|(k, _)| k).unwrap_or(NONE)
        })
        .collect()
}

fn keyed(corpus: &Corpus, key: impl Fn(usize) -> u32) -> Vec<Entry> {
    let mut entries: Vec<Entry> = (0..corpus.len())
        .filter_map(|i| {
            let k = key(i);
            (k != NONE).then(|| Entry {
                key: k,
                post: i as u32,
                time: corpus.time[i],
            })
        })
        .collect();
    sort_entries(&mut entries);
    entries
}

/// Sorts entries by (key, time) with a radix sort on a packed (key, time rank) code.
pub(crate) fn sort_entries(entries: &mut Vec<Entry>) {
    if entries.len() < 4096 {
        entries.sort_unstable_by_key(|e| (e.key, e.time));
        return;
    }
    // Rank times densely so (key, rank, index) packs into 64 bits when it fits.
    let mut times: Vec<i64> = entries.iter().map(|e| e.time).collect();
    times.sort_unstable();
    times.dedup();
    let max_key = entries.iter().map(|e| e.key).max().unwrap_or(0) as usize;
    let kb = crate::counter::bits_for(max_key + 1);
    let tb = crate::counter::bits_for(times.len());
    let ib = crate::counter::bits_for(entries.len());
    if kb + tb + ib > 64 {
        entries.sort_unstable_by_key(|e| (e.key, e.time));
        return;
    }
    let mut codes: Vec<u64> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let rank = times.binary_search(&e.time).unwrap_or(0) as u64;
            ((e.key as u64) << (tb + ib)) | (rank << ib) | i as u64
        })
        .collect();
    let mut scratch = Vec::new();
    radix_sort(&mut codes, kb + tb + ib, &mut scratch);
    let mask = (1u64 << ib) - 1;
    let sorted: Vec<Entry> = codes
        .iter()
        .map(|&c| entries[(c & mask) as usize])
        .collect();
    *entries = sorted;
}

/// For every entry, finds the distinct other users with an entry under the same key
/// within the window and counts (author, other user) once per entry. Entries of posts
/// flagged in `multi` go to `pending` as (post, user) for later deduplication. Calls `stop`
/// every [`STOP_EVERY`] entries and gives up with `Cancelled` when it answers true.
fn sweep(
    corpus: &Corpus,
    entries: &[Entry],
    window: i64,
    counter: &mut PairCounter,
    mut multi: Option<(&[bool], &mut Vec<u64>)>,
    stop: &dyn Fn() -> bool,
) -> Result<(), CoordError> {
    let mut stamp = vec![usize::MAX; corpus.user_count()];
    let mut gs = 0;
    while gs < entries.len() {
        let key = entries[gs].key;
        let mut ge = gs + 1;
        while ge < entries.len() && entries[ge].key == key {
            ge += 1;
        }
        if ge - gs > 1 {
            let (mut lo, mut hi) = (gs, gs);
            for i in gs..ge {
                if i % STOP_EVERY == 0 && stop() {
                    return Err(CoordError::Cancelled);
                }
                let e = entries[i];
                let from = e.time.saturating_sub(window);
                let to = e.time.saturating_add(window);
                while entries[lo].time < from {
                    lo += 1;
                }
                while hi < ge && entries[hi].time <= to {
                    hi += 1;
                }
                let a = corpus.user[e.post as usize];
                let is_multi = multi.as_ref().is_some_and(|(m, _)| m[e.post as usize]);
                for other in &entries[lo..hi] {
                    let b = corpus.user[other.post as usize];
                    if b != a && stamp[b as usize] != i {
                        stamp[b as usize] = i;
                        if is_multi {
                            if let Some((_, pending)) = multi.as_mut() {
                                pending.push(((e.post as u64) << 32) | b as u64);
                            }
                        } else {
                            counter.add(a, b);
                        }
                    }
                }
            }
        }
        gs = ge;
    }
    Ok(())
}
