//! Counting of directed user pairs: buffered packed keys, LSD radix sort, run-length merge.

use crate::Edge;

/// Sorts `keys` using only their low `bits` bits (higher bits must be zero).
pub(crate) fn radix_sort(keys: &mut Vec<u64>, bits: u32, scratch: &mut Vec<u64>) {
    const DIGIT: u32 = 11;
    const BUCKETS: usize = 1 << DIGIT;
    if keys.len() < 256 {
        keys.sort_unstable();
        return;
    }
    scratch.clear();
    scratch.resize(keys.len(), 0);
    let mut shift = 0;
    while shift < bits {
        let mut counts = [0usize; BUCKETS];
        for &k in keys.iter() {
            counts[((k >> shift) as usize) & (BUCKETS - 1)] += 1;
        }
        let mut sum = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = sum;
            sum += n;
        }
        for &k in keys.iter() {
            let d = ((k >> shift) as usize) & (BUCKETS - 1);
            scratch[counts[d]] = k;
            counts[d] += 1;
        }
        std::mem::swap(keys, scratch);
        shift += DIGIT;
    }
}

/// Number of bits needed to hold values below `n`.
pub(crate) fn bits_for(n: usize) -> u32 {
    (usize::BITS - n.max(2).saturating_sub(1).leading_zeros()).max(1)
}

/// Counts occurrences of directed (source, target) user pairs.
pub(crate) struct PairCounter {
    shift: u32,
    buf: Vec<u64>,
    scratch: Vec<u64>,
    acc: Vec<(u64, u32)>,
    cap: usize,
}

impl PairCounter {
    /// A counter for users numbered below `n_users`.
    pub(crate) fn new(n_users: usize) -> Self {
        PairCounter {
            shift: bits_for(n_users),
            buf: Vec::new(),
            scratch: Vec::new(),
            acc: Vec::new(),
            cap: 1 << 23,
        }
    }

    /// Counts one occurrence of `a -> b`.
    #[inline]
    pub(crate) fn add(&mut self, a: u32, b: u32) {
        self.buf.push(((a as u64) << self.shift) | b as u64);
        if self.buf.len() >= self.cap {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        radix_sort(&mut self.buf, self.shift * 2, &mut self.scratch);
        let mut runs: Vec<(u64, u32)> = Vec::new();
        for &k in &self.buf {
            match runs.last_mut() {
                Some((last, n)) if *last == k => *n += 1,
                _ => runs.push((k, 1)),
            }
        }
        self.buf.clear();
        if self.acc.is_empty() {
            self.acc = runs;
            return;
        }
        let old = std::mem::take(&mut self.acc);
        let mut merged = Vec::with_capacity(old.len() + runs.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < runs.len() {
            let (ka, na) = old[i];
            let (kb, nb) = runs[j];
            if ka < kb {
                merged.push((ka, na));
                i += 1;
            } else if kb < ka {
                merged.push((kb, nb));
                j += 1;
            } else {
                merged.push((ka, na.saturating_add(nb)));
                i += 1;
                j += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&runs[j..]);
        self.acc = merged;
    }

    /// The pairs counted at least `min_weight` times, sorted by (source, target) id.
    pub(crate) fn finish(mut self, min_weight: u32) -> Vec<Edge> {
        self.flush();
        let mask = (1u64 << self.shift) - 1;
        self.acc
            .iter()
            .filter(|&&(_, n)| n >= min_weight)
            .map(|&(k, n)| Edge {
                source: (k >> self.shift) as u32,
                target: (k & mask) as u32,
                weight: n,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sort_sorts() {
        let mut v: Vec<u64> = (0..5000u64).map(|i| (i * 7919 + 13) % 100_003).collect();
        let mut expect = v.clone();
        expect.sort_unstable();
        let mut scratch = Vec::new();
        radix_sort(&mut v, 17, &mut scratch);
        assert_eq!(v, expect);
    }

    #[test]
    fn counter_merges_flushes() {
        let mut c = PairCounter::new(10);
        c.cap = 3;
        for _ in 0..5 {
            c.add(1, 2);
        }
        c.add(2, 1);
        let e = c.finish(2);
        assert_eq!(
            e,
            vec![Edge {
                source: 1,
                target: 2,
                weight: 5
            }]
        );
    }
}
