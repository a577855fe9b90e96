//! Exact Hamming-distance index over PDQ hashes (multi-index hashing), with a brute-force scan
//! as baseline and fallback.
//!
//! The 256 bits are cut into 16 substrings of 16 bits, each with its own table of 65,536 buckets.
//! If two hashes are within distance `t`, then by the pigeonhole principle at least one of the
//! 16 substrings differs in at most `t / 16` bits (1 bit for the default 31). A query probes, in
//! every table, the buckets within that radius of its own substring, checks each candidate's full
//! distance, and reports an entry only from the first table where it qualifies, so results are
//! exactly those of a brute-force scan. Thresholds of 48 or more (radius 3 and up) scan instead.
//!
//! Buckets are stored compactly (one flat array of slot numbers per table, with offsets).
//! Entries added later go to small per-bucket lists that queries read as well, so an entry is
//! matchable as soon as `add` returns; when those lists hold as many entries as the flat arrays,
//! they are merged in (amortised like a growing `Vec`). Disabling only clears a bit. Memory is
//! about 130 bytes per entry including the id map.
//!
//! [`Index::query_nearest`] bounds a query: it keeps only the `limit` nearest admitted entries
//! in a heap, so a wide threshold never materialises the whole index.

use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::PdqHash;

/// Number of 16-bit substrings.
const TABLES: usize = 16;
/// Buckets per table.
const BUCKETS: usize = 1 << 16;
/// From this substring radius on, a scan is cheaper than probing.
const SCAN_FROM_RADIUS: u32 = 3;

/// One result: a stored entry's id and its distance to the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Match {
    /// Hamming distance to the query (compared first when sorting).
    pub distance: u32,
    /// The id given when the entry was added.
    pub id: u64,
}

/// The bounded result of [`Index::query_nearest`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nearest {
    /// The nearest admitted entries, sorted by distance then id.
    pub matches: Vec<Match>,
    /// Whether more admitted entries were within the threshold than the limit kept.
    pub truncated: bool,
}

/// Where a query puts the entries it finds.
trait Sink {
    /// The largest distance to report.
    fn bound(&self) -> u32;
    /// Takes one enabled entry within [`Sink::bound`].
    fn push(&mut self, m: Match);
    /// Whether the search may stop now.
    fn done(&self) -> bool {
        false
    }
}

impl Sink for (u32, &mut Vec<Match>) {
    #[inline(always)]
    fn bound(&self) -> u32 {
        self.0
    }

    #[inline(always)]
    fn push(&mut self, m: Match) {
        self.1.push(m);
    }
}

/// Keeps the `limit` nearest entries that `accept` admits.
struct Heap<'a> {
    threshold: u32,
    limit: usize,
    accept: &'a dyn Fn(u64) -> bool,
    heap: BinaryHeap<Match>,
    truncated: bool,
}

impl Sink for Heap<'_> {
    #[inline(always)]
    fn bound(&self) -> u32 {
        self.threshold
    }

    fn done(&self) -> bool {
        self.limit == 0 && self.truncated
    }

    fn push(&mut self, m: Match) {
        if self.limit == 0 {
            // Nothing is kept: one admitted entry answers whether the list is cut.
            if !self.truncated && (self.accept)(m.id) {
                self.truncated = true;
            }
            return;
        }
        let full = self.heap.len() >= self.limit;
        let nearer = self.heap.peek().is_none_or(|top| m < *top);
        // Once full and truncated, a farther entry changes nothing: skip the admission check.
        if full && !nearer && self.truncated {
            return;
        }
        if !(self.accept)(m.id) {
            return;
        }
        if !full {
            self.heap.push(m);
            return;
        }
        self.truncated = true;
        if nearer {
            self.heap.pop();
            self.heap.push(m);
        }
    }
}

/// Hasher for the id map: the splitmix64 finaliser over the id (ids are not secret, and a
/// cryptographic hash would dominate build time).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)) ^ (self.0 >> 56);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type IdMap = HashMap<u64, u32, BuildHasherDefault<IdHasher>>;

/// A hash stored on a 32-byte boundary, so reading it touches one cache line.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Stored(PdqHash);

/// An exact in-memory PDQ index keyed by caller-chosen `u64` ids.
pub struct Index {
    /// Hash of each slot.
    hashes: Vec<Stored>,
    /// Id of each slot.
    ids: Vec<u64>,
    /// One bit per slot: whether the entry takes part in matching.
    enabled: Vec<u64>,
    /// Slot of each current id (a replaced hash leaves its old slot disabled and unmapped).
    slot_of: IdMap,
    /// Slots `0..flat_len` are in the flat arrays.
    flat_len: usize,
    /// Per table, `BUCKETS + 1` offsets into that table's part of `flat`.
    offsets: Vec<u32>,
    /// Per table, `flat_len` slot numbers grouped by bucket.
    flat: Vec<u32>,
    /// Slots added since the last merge, per table and bucket (empty until first needed).
    extra: Vec<Vec<u32>>,
    /// Number of slots in `extra`.
    extra_len: usize,
    /// Number of enabled entries.
    live: usize,
}

impl Default for Index {
    fn default() -> Self {
        Index::new()
    }
}

/// The 16-bit substring `s` (0..16) of a hash.
#[inline(always)]
fn chunk(h: &[u64; 4], s: usize) -> usize {
    ((h[s / 4] >> ((s % 4) * 16)) & 0xffff) as usize
}

#[inline(always)]
fn xor(a: &PdqHash, b: &PdqHash) -> [u64; 4] {
    [
        a.0[0] ^ b.0[0],
        a.0[1] ^ b.0[1],
        a.0[2] ^ b.0[2],
        a.0[3] ^ b.0[3],
    ]
}

#[inline(always)]
fn popcount(x: &[u64; 4]) -> u32 {
    x[0].count_ones() + x[1].count_ones() + x[2].count_ones() + x[3].count_ones()
}

/// All 16-bit keys within `radius` (0..=2) bits of `key`.
fn probes(key: usize, radius: u32, out: &mut Vec<u16>) {
    out.clear();
    out.push(key as u16);
    if radius >= 1 {
        for a in 0..16 {
            out.push((key ^ (1 << a)) as u16);
        }
    }
    if radius >= 2 {
        for a in 0..16 {
            for b in a + 1..16 {
                out.push((key ^ (1 << a) ^ (1 << b)) as u16);
            }
        }
    }
}

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index {
            hashes: Vec::new(),
            ids: Vec::new(),
            enabled: Vec::new(),
            slot_of: IdMap::default(),
            flat_len: 0,
            offsets: vec![0; TABLES * (BUCKETS + 1)],
            flat: Vec::new(),
            extra: Vec::new(),
            extra_len: 0,
            live: 0,
        }
    }

    /// Builds an index from many entries at once. A repeated id keeps its last hash.
    pub fn build(entries: &[(u64, PdqHash)]) -> Index {
        let mut index = Index::new();
        index.hashes.reserve_exact(entries.len());
        index.ids.reserve_exact(entries.len());
        index.enabled.reserve_exact(entries.len().div_ceil(64));
        index.slot_of.reserve(entries.len());
        for &(id, h) in entries {
            index.store(id, h);
        }
        index.merge();
        index
    }

    /// Adds an entry, enabled and matchable at once. If `id` is already present with another
    /// hash, the old hash stops matching and the new one takes its place.
    pub fn add(&mut self, id: u64, hash: PdqHash) {
        let before = self.hashes.len();
        let slot = self.store(id, hash);
        if self.hashes.len() > before {
            if self.extra.is_empty() {
                self.extra = (0..TABLES * BUCKETS).map(|_| Vec::new()).collect();
            }
            for s in 0..TABLES {
                self.extra[s * BUCKETS + chunk(&hash.0, s)].push(slot as u32);
            }
            self.extra_len += 1;
            if self.extra_len > self.flat_len.max(1 << 16) {
                self.merge();
            }
        }
    }

    /// Records `id -> hash` in a slot (reusing the id's slot when the hash is unchanged) and
    /// enables it; returns the slot. New slots are not yet in any bucket.
    fn store(&mut self, id: u64, hash: PdqHash) -> usize {
        if let Some(&old) = self.slot_of.get(&id) {
            let old = old as usize;
            if self.hashes[old].0 == hash {
                self.set_enabled_slot(old, true);
                return old;
            }
            self.set_enabled_slot(old, false);
        }
        let slot = self.hashes.len();
        self.hashes.push(Stored(hash));
        self.ids.push(id);
        if slot / 64 >= self.enabled.len() {
            self.enabled.push(0);
        }
        self.slot_of.insert(id, slot as u32);
        self.set_enabled_slot(slot, true);
        slot
    }

    /// Rebuilds the flat bucket arrays over every slot and empties the per-bucket lists.
    ///
    /// Works one 64-bit word (four tables) at a time, so the counters stay in cache.
    fn merge(&mut self) {
        let n = self.hashes.len();
        let mut offsets = vec![0u32; TABLES * (BUCKETS + 1)];
        let mut flat = vec![0u32; TABLES * n];
        for word in 0..4 {
            let base = word * 4;
            for h in &self.hashes {
                let v = h.0 .0[word];
                for k in 0..4 {
                    let key = ((v >> (16 * k)) & 0xffff) as usize;
                    offsets[(base + k) * (BUCKETS + 1) + key + 1] += 1;
                }
            }
            for k in 0..4 {
                let s = base + k;
                let table = &mut offsets[s * (BUCKETS + 1)..(s + 1) * (BUCKETS + 1)];
                for i in 1..=BUCKETS {
                    table[i] += table[i - 1];
                }
            }
            let mut cursor: Vec<u32> =
                offsets[base * (BUCKETS + 1)..(base + 4) * (BUCKETS + 1)].to_vec();
            for (slot, h) in self.hashes.iter().enumerate() {
                let v = h.0 .0[word];
                for k in 0..4 {
                    let key = ((v >> (16 * k)) & 0xffff) as usize;
                    let c = &mut cursor[k * (BUCKETS + 1) + key];
                    flat[(base + k) * n + *c as usize] = slot as u32;
                    *c += 1;
                }
            }
        }
        self.offsets = offsets;
        self.flat = flat;
        self.flat_len = n;
        self.extra = Vec::new();
        self.extra_len = 0;
    }

    /// Stops an entry from matching, keeping it stored. Returns false if the id is unknown.
    pub fn disable(&mut self, id: u64) -> bool {
        match self.slot_of.get(&id) {
            Some(&slot) => {
                self.set_enabled_slot(slot as usize, false);
                true
            }
            None => false,
        }
    }

    /// Lets a disabled entry match again. Returns false if the id is unknown.
    pub fn enable(&mut self, id: u64) -> bool {
        match self.slot_of.get(&id) {
            Some(&slot) => {
                self.set_enabled_slot(slot as usize, true);
                true
            }
            None => false,
        }
    }

    /// Whether `id` is stored and enabled.
    pub fn is_enabled(&self, id: u64) -> bool {
        self.slot_of
            .get(&id)
            .is_some_and(|&s| self.slot_enabled(s as usize))
    }

    /// The stored hash of `id`, if any.
    pub fn get(&self, id: u64) -> Option<PdqHash> {
        self.slot_of.get(&id).map(|&s| self.hashes[s as usize].0)
    }

    /// Number of enabled entries.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no entry is enabled.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Approximate heap memory held by the index, in bytes.
    pub fn memory_bytes(&self) -> usize {
        let extra: usize = self.extra.iter().map(|b| b.capacity() * 4).sum::<usize>()
            + self.extra.capacity() * std::mem::size_of::<Vec<u32>>();
        // hashbrown: one (key, value) pair plus one control byte per bucket, about 8/7 load.
        let map = self.slot_of.capacity() * (8 + 4 + 1) * 8 / 7;
        extra
            + self.flat.capacity() * 4
            + self.offsets.capacity() * 4
            + self.hashes.capacity() * std::mem::size_of::<Stored>()
            + self.ids.capacity() * 8
            + self.enabled.capacity() * 8
            + map
    }

    /// Every enabled entry within `threshold` of `query`, sorted by distance then id; identical
    /// to [`Index::brute_force`].
    pub fn query(&self, query: &PdqHash, threshold: u32) -> Vec<Match> {
        let mut out = Vec::new();
        self.query_into(query, threshold, &mut out);
        out
    }

    /// Like [`Index::query`], appending to `out` after clearing it (reuses its allocation).
    pub fn query_into(&self, query: &PdqHash, threshold: u32, out: &mut Vec<Match>) {
        out.clear();
        self.search(query, threshold, &mut (threshold, &mut *out));
        out.sort_unstable();
    }

    /// The `limit` nearest enabled entries within `threshold` of `query` that `accept`
    /// admits, sorted by distance then id, and whether more admitted entries qualified. It
    /// equals the first `limit` of [`Index::query`] filtered by `accept`, but holds at most
    /// `limit` matches at a time; with `limit` 0 it stops at the first admitted entry.
    pub fn query_nearest(
        &self,
        query: &PdqHash,
        threshold: u32,
        limit: usize,
        accept: &dyn Fn(u64) -> bool,
    ) -> Nearest {
        let mut heap = Heap {
            threshold,
            limit,
            accept,
            heap: BinaryHeap::with_capacity(limit.min(1024) + 1),
            truncated: false,
        };
        self.search(query, threshold, &mut heap);
        Nearest {
            matches: heap.heap.into_sorted_vec(),
            truncated: heap.truncated,
        }
    }

    /// Probes the tables, or scans for wide thresholds, pushing every qualifying entry.
    #[allow(unsafe_code)]
    fn search<S: Sink>(&self, query: &PdqHash, threshold: u32, sink: &mut S) {
        let radius = threshold / TABLES as u32;
        if radius >= SCAN_FROM_RADIUS {
            self.scan_into(query, sink);
        } else {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("popcnt") {
                    // SAFETY: the CPU supports popcnt, checked just above.
                    unsafe { self.probe_popcnt(query, radius, sink) };
                    return;
                }
            }
            self.probe(query, radius, sink);
        }
    }

    /// Every enabled entry within `threshold`, by scanning all of them.
    pub fn brute_force(&self, query: &PdqHash, threshold: u32) -> Vec<Match> {
        let mut out = Vec::new();
        self.scan_into(query, &mut (threshold, &mut out));
        out.sort_unstable();
        out
    }

    #[allow(unsafe_code)]
    fn scan_into<S: Sink>(&self, query: &PdqHash, sink: &mut S) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU supports popcnt, checked just above.
                unsafe { self.scan_popcnt(query, sink) };
                return;
            }
        }
        self.scan(query, sink);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    #[allow(unsafe_code)]
    unsafe fn scan_popcnt<S: Sink>(&self, query: &PdqHash, sink: &mut S) {
        self.scan(query, sink)
    }

    #[inline(always)]
    fn scan<S: Sink>(&self, query: &PdqHash, sink: &mut S) {
        for (slot, h) in self.hashes.iter().enumerate() {
            let d = popcount(&xor(query, &h.0));
            if d <= sink.bound() && self.slot_enabled(slot) {
                sink.push(Match {
                    distance: d,
                    id: self.ids[slot],
                });
                if sink.done() {
                    return;
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    #[allow(unsafe_code)]
    unsafe fn probe_popcnt<S: Sink>(&self, query: &PdqHash, radius: u32, sink: &mut S) {
        self.probe(query, radius, sink)
    }

    #[inline(always)]
    fn probe<S: Sink>(&self, query: &PdqHash, radius: u32, sink: &mut S) {
        let mut keys = Vec::with_capacity(137);
        let n = self.flat_len;
        for s in 0..TABLES {
            probes(chunk(&query.0, s), radius, &mut keys);
            let offsets = &self.offsets[s * (BUCKETS + 1)..(s + 1) * (BUCKETS + 1)];
            let table = &self.flat[s * n..(s + 1) * n];
            for &key in &keys {
                let key = key as usize;
                let (lo, hi) = (offsets[key] as usize, offsets[key + 1] as usize);
                self.check(query, radius, s, &table[lo..hi], sink);
                if let Some(extra) = self.extra.get(s * BUCKETS + key) {
                    self.check(query, radius, s, extra, sink);
                }
                if sink.done() {
                    return;
                }
            }
        }
    }

    /// Verifies the candidates of one bucket of table `s`.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn check<S: Sink>(&self, query: &PdqHash, radius: u32, s: usize, slots: &[u32], sink: &mut S) {
        const AHEAD: usize = 8;
        for (i, &slot) in slots.iter().enumerate() {
            #[cfg(target_arch = "x86_64")]
            if let Some(&next) = slots.get(i + AHEAD) {
                if let Some(h) = self.hashes.get(next as usize) {
                    // SAFETY: prefetching is only a hint; the pointer is to a live element.
                    unsafe {
                        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                            (h as *const Stored).cast::<i8>(),
                        )
                    };
                }
            }
            let slot = slot as usize;
            let Some(h) = self.hashes.get(slot) else {
                continue;
            };
            let x = xor(query, &h.0);
            let d = popcount(&x);
            if d > sink.bound() || !self.slot_enabled(slot) {
                continue;
            }
            // Report only from the first table where the entry is within the radius.
            let first = (0..s).all(|s2| (chunk(&x, s2) as u32).count_ones() > radius);
            if first {
                sink.push(Match {
                    distance: d,
                    id: self.ids[slot],
                });
            }
        }
    }

    #[inline(always)]
    fn slot_enabled(&self, slot: usize) -> bool {
        self.enabled
            .get(slot / 64)
            .is_some_and(|w| (w >> (slot % 64)) & 1 == 1)
    }

    fn set_enabled_slot(&mut self, slot: usize, on: bool) {
        let was = self.slot_enabled(slot);
        if let Some(w) = self.enabled.get_mut(slot / 64) {
            if on {
                *w |= 1 << (slot % 64);
            } else {
                *w &= !(1 << (slot % 64));
            }
        }
        match (was, on) {
            (false, true) => self.live += 1,
            (true, false) => self.live -= 1,
            _ => {}
        }
    }
}

/// Brute-force reference over a plain list: every entry within `threshold`, sorted like
/// [`Index::query`].
pub fn brute_force(entries: &[(u64, PdqHash)], query: &PdqHash, threshold: u32) -> Vec<Match> {
    let mut out: Vec<Match> = entries
        .iter()
        .filter_map(|(id, h)| {
            let d = query.distance(h);
            (d <= threshold).then_some(Match {
                distance: d,
                id: *id,
            })
        })
        .collect();
    out.sort_unstable();
    out
}
