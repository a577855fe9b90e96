//! Near-duplicate text matching for co_similar_tweet: exact prefix filtering and MinHash LSH.
//!
//! Both modes enumerate post pairs within the time window whose token sets have Jaccard
//! similarity at or above the threshold, computed as CNT does (`|A∩B| / |A∪B|` in
//! double precision). The exact mode finds every such pair: it sweeps documents in time
//! order over an inverted index of each document's prefix (its rarest tokens), so that
//! only pairs sharing a prefix token are verified. The approximate mode finds candidates
//! that collide in a MinHash LSH band instead, which bounds the work for very large
//! windows at the price of recall; every reported pair is still verified exactly.

use crate::corpus::{Corpus, NONE};
use crate::counter::{radix_sort, PairCounter};
use crate::intern::{mix64, Interner};
use crate::text;

/// Token sets of the non-repost posts, in time order, tokens ranked rarest first.
pub(crate) struct Docs {
    post: Vec<u32>,
    time: Vec<i64>,
    end: Vec<usize>,
    toks: Vec<u32>,
}

impl Docs {
    /// Tokenises all non-reposts; documents with fewer than `min_tokens` tokens (or none) are left out.
    pub(crate) fn build(corpus: &Corpus, min_tokens: usize) -> Docs {
        let mut interner = Interner::new();
        let mut clean = String::new();
        let mut raw: Vec<(i64, u32, usize, usize)> = Vec::new();
        let mut all: Vec<u32> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let min = min_tokens.max(1);
        for i in 0..corpus.len() {
            if corpus.repost[i] != NONE {
                continue;
            }
            text::lower_without_mentions(corpus.post_text(i as u32), &mut clean);
            let start = all.len();
            text::for_each_token(&clean, |t| {
                if let Some((id, _)) = interner.intern(t) {
                    all.push(id);
                }
            });
            let doc = &mut all[start..];
            doc.sort_unstable();
            let mut n = 0;
            for k in 0..doc.len() {
                if k == 0 || doc[k] != doc[k - 1] {
                    doc[n] = doc[k];
                    n += 1;
                }
            }
            all.truncate(start + n);
            if n < min {
                all.truncate(start);
                continue;
            }
            if df.len() < interner.len() {
                df.resize(interner.len(), 0);
            }
            for &t in &all[start..] {
                df[t as usize] += 1;
            }
            raw.push((corpus.time[i], i as u32, start, start + n));
        }
        // Rank tokens by document frequency, rarest first.
        let mut order: Vec<u32> = (0..df.len() as u32).collect();
        order.sort_unstable_by_key(|&t| (df[t as usize], t));
        let mut rank = vec![0u32; df.len()];
        for (r, &t) in order.iter().enumerate() {
            rank[t as usize] = r as u32;
        }
        raw.sort_unstable_by_key(|&(t, p, _, _)| (t, p));
        let mut docs = Docs {
            post: Vec::with_capacity(raw.len()),
            time: Vec::with_capacity(raw.len()),
            end: Vec::with_capacity(raw.len()),
            toks: Vec::with_capacity(all.len()),
        };
        for (t, p, s, e) in raw {
            let from = docs.toks.len();
            docs.toks
                .extend(all[s..e].iter().map(|&x| rank[x as usize]));
            docs.toks[from..].sort_unstable();
            docs.post.push(p);
            docs.time.push(t);
            docs.end.push(docs.toks.len());
        }
        docs
    }

    fn tokens(&self, d: usize) -> &[u32] {
        let start = if d == 0 { 0 } else { self.end[d - 1] };
        &self.toks[start..self.end[d]]
    }

    fn len(&self) -> usize {
        self.post.len()
    }

    /// Token count below which a pair with a document of `n` tokens cannot reach `t`.
    fn prefix_len(n: usize, t: f64) -> usize {
        let overlap = ((t * n as f64).floor() as usize).max(1);
        (n + 1).saturating_sub(overlap).clamp(1, n.max(1))
    }

    /// True when documents `x` and `y` have Jaccard similarity >= `t` (CNT's arithmetic).
    fn similar(&self, x: usize, y: usize, t: f64) -> bool {
        let (a, b) = (self.tokens(x), self.tokens(y));
        let (na, nb) = (a.len(), b.len());
        if (na.min(nb) as f64) / (na.max(nb) as f64) < t {
            return false;
        }
        let (mut i, mut j, mut inter) = (0, 0, 0usize);
        while i < na && j < nb {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    inter += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        inter as f64 / (na + nb - inter) as f64 >= t
    }

    /// Every pair of posts (earlier or equal time first) within `window` with similarity >= `t`;
    /// `None` when `stop` (called every 1024 documents) answers true.
    pub(crate) fn exact_pairs(
        &self,
        window: i64,
        t: f64,
        stop: &dyn Fn() -> bool,
    ) -> Option<Vec<(u32, u32)>> {
        let n_tokens = self
            .toks
            .iter()
            .copied()
            .max()
            .map_or(0, |m| m as usize + 1);
        let mut index: Vec<Vec<u32>> = vec![Vec::new(); n_tokens];
        let mut heads: Vec<usize> = vec![0; n_tokens];
        let mut seen: Vec<u32> = vec![u32::MAX; self.len()];
        let mut pairs = Vec::new();
        for x in 0..self.len() {
            if x % 1024 == 0 && stop() {
                return None;
            }
            let from = self.time[x].saturating_sub(window);
            let toks = self.tokens(x);
            let prefix = Self::prefix_len(toks.len(), t);
            for &tok in &toks[..prefix.min(toks.len())] {
                let list = &index[tok as usize];
                let mut head = heads[tok as usize];
                while head < list.len() && self.time[list[head] as usize] < from {
                    head += 1;
                }
                heads[tok as usize] = head;
                for &y in &list[head..] {
                    let y = y as usize;
                    if seen[y] == x as u32 {
                        continue;
                    }
                    seen[y] = x as u32;
                    if self.similar(x, y, t) {
                        pairs.push((self.post[y], self.post[x]));
                    }
                }
            }
            for &tok in &toks[..prefix.min(toks.len())] {
                index[tok as usize].push(x as u32);
            }
        }
        Some(pairs)
    }

    /// Pairs within `window` with similarity >= `t` among MinHash LSH candidates
    /// (`bands` bands of `rows` hashes each).
    pub(crate) fn lsh_pairs(
        &self,
        window: i64,
        t: f64,
        bands: usize,
        rows: usize,
        seed: u64,
    ) -> Vec<(u32, u32)> {
        let n_tokens = self
            .toks
            .iter()
            .copied()
            .max()
            .map_or(0, |m| m as usize + 1);
        let token_hash: Vec<u64> = (0..n_tokens as u64).map(mix64).collect();
        let mut candidates: Vec<u64> = Vec::new();
        let mut entries: Vec<(u64, u32)> = Vec::with_capacity(self.len());
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix64(state) | 1
        };
        for band in 0..bands {
            let coeffs: Vec<(u64, u64)> = (0..rows).map(|_| (next(), next())).collect();
            entries.clear();
            for d in 0..self.len() {
                let mut key = mix64(band as u64 ^ seed);
                for &(a, b) in &coeffs {
                    let m = self
                        .tokens(d)
                        .iter()
                        .map(|&tok| a.wrapping_mul(token_hash[tok as usize]).wrapping_add(b))
                        .min()
                        .unwrap_or(0);
                    key = mix64(key ^ m);
                }
                entries.push((key, d as u32));
            }
            // Documents are in time order, so a stable sort by bucket keeps time order.
            entries.sort_by_key(|&(k, _)| k);
            let mut gs = 0;
            while gs < entries.len() {
                let mut ge = gs + 1;
                while ge < entries.len() && entries[ge].0 == entries[gs].0 {
                    ge += 1;
                }
                let mut lo = gs;
                for i in gs..ge {
                    let x = entries[i].1 as usize;
                    let from = self.time[x].saturating_sub(window);
                    while self.time[entries[lo].1 as usize] < from {
                        lo += 1;
                    }
                    for e in &entries[lo..i] {
                        candidates.push(((e.1 as u64) << 32) | x as u64);
                    }
                }
                gs = ge;
            }
            candidates.sort_unstable();
            candidates.dedup();
        }
        candidates
            .into_iter()
            .filter_map(|c| {
                let (y, x) = ((c >> 32) as usize, (c & 0xffff_ffff) as usize);
                self.similar(x, y, t).then(|| (self.post[y], self.post[x]))
            })
            .collect()
    }
}

/// Turns matching post pairs into directed user-pair counts: each post counts once per
/// other user it matches.
pub(crate) fn count_pairs(corpus: &Corpus, pairs: &[(u32, u32)], counter: &mut PairCounter) {
    let mut events: Vec<u64> = Vec::with_capacity(pairs.len() * 2);
    for &(p, q) in pairs {
        let (up, uq) = (corpus.user[p as usize], corpus.user[q as usize]);
        if up != uq {
            events.push(((p as u64) << 32) | uq as u64);
            events.push(((q as u64) << 32) | up as u64);
        }
    }
    let mut scratch = Vec::new();
    radix_sort(&mut events, 64, &mut scratch);
    events.dedup();
    for e in events {
        counter.add(corpus.user[(e >> 32) as usize], e as u32);
    }
}
