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
//! Entries can be added and disabled at any time; nothing is rebuilt. Memory is about 100 bytes
//! per entry plus the id map.

use std::collections::HashMap;

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

/// An exact in-memory PDQ index keyed by caller-chosen `u64` ids.
pub struct Index {
    /// Hash of each slot.
    hashes: Vec<PdqHash>,
    /// Id of each slot.
    ids: Vec<u64>,
    /// One bit per slot: whether the entry takes part in matching.
    enabled: Vec<u64>,
    /// Slot of each current id.
    slot_of: HashMap<u64, u32>,
    /// `TABLES * BUCKETS` lists of slots.
    buckets: Vec<Vec<u32>>,
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

/// All 16-bit keys within `radius` bits of `key` (radius 0..=2 as used here; larger works too).
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
    if radius >= 3 {
        // Not reached through `query` (it scans instead); kept general for completeness.
        for k in 0..BUCKETS {
            if (k ^ key).count_ones() >= 3 && (k ^ key).count_ones() <= radius {
                out.push(k as u16);
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
            slot_of: HashMap::new(),
            buckets: (0..TABLES * BUCKETS).map(|_| Vec::new()).collect(),
            live: 0,
        }
    }

    /// Builds an index from many entries at once, sizing every bucket exactly. A repeated id
    /// keeps its last hash.
    pub fn build(entries: &[(u64, PdqHash)]) -> Index {
        let mut counts = vec![0u32; TABLES * BUCKETS];
        for (_, h) in entries {
            for s in 0..TABLES {
                counts[s * BUCKETS + chunk(&h.0, s)] += 1;
            }
        }
        let mut index = Index {
            hashes: Vec::with_capacity(entries.len()),
            ids: Vec::with_capacity(entries.len()),
            enabled: Vec::with_capacity(entries.len().div_ceil(64)),
            slot_of: HashMap::with_capacity(entries.len()),
            buckets: counts
                .iter()
                .map(|&c| Vec::with_capacity(c as usize))
                .collect(),
            live: 0,
        };
        for &(id, h) in entries {
            index.add(id, h);
        }
        index
    }

    /// Adds an entry, enabled. If `id` is already present its hash is replaced and it is enabled.
    pub fn add(&mut self, id: u64, hash: PdqHash) {
        if let Some(&slot) = self.slot_of.get(&id) {
            let slot = slot as usize;
            if self.hashes[slot] != hash {
                self.unlink(slot);
                self.hashes[slot] = hash;
                self.link(slot);
            }
            self.set_enabled_slot(slot, true);
            return;
        }
        let slot = self.hashes.len();
        self.hashes.push(hash);
        self.ids.push(id);
        if slot / 64 >= self.enabled.len() {
            self.enabled.push(0);
        }
        self.slot_of.insert(id, slot as u32);
        self.link(slot);
        self.set_enabled_slot(slot, true);
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
        self.slot_of.get(&id).map(|&s| self.hashes[s as usize])
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
        let buckets: usize = self.buckets.iter().map(|b| b.capacity() * 4).sum::<usize>()
            + self.buckets.capacity() * std::mem::size_of::<Vec<u32>>();
        // hashbrown: one (key, value) pair plus one control byte per bucket, about 8/7 load.
        let map = self.slot_of.capacity() * (8 + 4 + 1) * 8 / 7;
        buckets
            + self.hashes.capacity() * 32
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
        let radius = threshold / TABLES as u32;
        if radius >= SCAN_FROM_RADIUS {
            self.scan_into(query, threshold, out);
        } else {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("popcnt") {
                    // SAFETY: the CPU supports popcnt, checked just above.
                    unsafe { self.probe_popcnt(query, threshold, radius, out) };
                    out.sort_unstable();
                    return;
                }
            }
            self.probe(query, threshold, radius, out);
        }
        out.sort_unstable();
    }

    /// Every enabled entry within `threshold`, by scanning all of them.
    pub fn brute_force(&self, query: &PdqHash, threshold: u32) -> Vec<Match> {
        let mut out = Vec::new();
        self.scan_into(query, threshold, &mut out);
        out.sort_unstable();
        out
    }

    fn scan_into(&self, query: &PdqHash, threshold: u32, out: &mut Vec<Match>) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU supports popcnt, checked just above.
                unsafe { self.scan_popcnt(query, threshold, out) };
                return;
            }
        }
        self.scan(query, threshold, out);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn scan_popcnt(&self, query: &PdqHash, threshold: u32, out: &mut Vec<Match>) {
        self.scan(query, threshold, out)
    }

    #[inline(always)]
    fn scan(&self, query: &PdqHash, threshold: u32, out: &mut Vec<Match>) {
        for (slot, h) in self.hashes.iter().enumerate() {
            let d = popcount(&xor(query, h));
            if d <= threshold && self.slot_enabled(slot) {
                out.push(Match {
                    distance: d,
                    id: self.ids[slot],
                });
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn probe_popcnt(
        &self,
        query: &PdqHash,
        threshold: u32,
        radius: u32,
        out: &mut Vec<Match>,
    ) {
        self.probe(query, threshold, radius, out)
    }

    #[inline(always)]
    fn probe(&self, query: &PdqHash, threshold: u32, radius: u32, out: &mut Vec<Match>) {
        let mut keys = Vec::with_capacity(137);
        for s in 0..TABLES {
            probes(chunk(&query.0, s), radius, &mut keys);
            let table = &self.buckets[s * BUCKETS..(s + 1) * BUCKETS];
            for &key in &keys {
                for &slot in &table[key as usize] {
                    let slot = slot as usize;
                    let x = xor(query, &self.hashes[slot]);
                    let d = popcount(&x);
                    if d > threshold || !self.slot_enabled(slot) {
                        continue;
                    }
                    // Report only from the first table where the entry is within the radius.
                    let first = (0..s).all(|s2| (chunk(&x, s2) as u32).count_ones() > radius);
                    if first {
                        out.push(Match {
                            distance: d,
                            id: self.ids[slot],
                        });
                    }
                }
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

    fn link(&mut self, slot: usize) {
        let h = self.hashes[slot].0;
        for s in 0..TABLES {
            self.buckets[s * BUCKETS + chunk(&h, s)].push(slot as u32);
        }
    }

    fn unlink(&mut self, slot: usize) {
        let h = self.hashes[slot].0;
        for s in 0..TABLES {
            let bucket = &mut self.buckets[s * BUCKETS + chunk(&h, s)];
            if let Some(pos) = bucket.iter().position(|&x| x as usize == slot) {
                bucket.swap_remove(pos);
            }
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
