//! String interning: maps strings to dense `u32` ids with a compact open-addressing table.

/// A fast non-cryptographic hash of bytes (FxHash style, with a final mix).
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    mix64(h)
}

/// A 64-bit finaliser (from SplitMix64) that spreads all input bits over the output.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const EMPTY: u64 = u64::MAX;

/// Interns strings: each distinct string gets the next dense id, starting at 0.
///
/// The table holds `(hash tag << 32) | id` per slot, so a probe touches one cache line
/// and growing never rehashes the strings.
#[derive(Debug, Clone)]
pub struct Interner {
    arena: String,
    ends: Vec<usize>,
    table: Vec<u64>,
}

impl Default for Interner {
    fn default() -> Self {
        Self::new()
    }
}

impl Interner {
    /// Creates an empty interner.
    pub fn new() -> Self {
        Interner {
            arena: String::new(),
            ends: Vec::new(),
            table: vec![EMPTY; 16],
        }
    }

    /// Number of distinct strings interned.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The string of an id, or "" for an unknown id.
    pub fn get(&self, id: u32) -> &str {
        let i = id as usize;
        if i >= self.ends.len() {
            return "";
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.arena.get(start..self.ends[i]).unwrap_or("")
    }

    /// Finds the slot of `s`: `Ok(id)` when present, `Err(slot)` for the free slot to use.
    #[inline]
    fn find(&self, s: &str, tag: u64) -> Result<u32, usize> {
        let mask = self.table.len() - 1;
        let mut slot = (tag as usize) & mask;
        loop {
            let entry = self.table[slot];
            if entry == EMPTY {
                return Err(slot);
            }
            if entry >> 32 == tag && self.get(entry as u32) == s {
                return Ok(entry as u32);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The id of `s` if it was interned.
    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.find(s, hash_bytes(s.as_bytes()) >> 32).ok()
    }

    /// Interns `s`, returning its id and whether it was new.
    /// Returns `None` when the 32-bit id space is exhausted.
    pub fn intern(&mut self, s: &str) -> Option<(u32, bool)> {
        let tag = hash_bytes(s.as_bytes()) >> 32;
        let slot = match self.find(s, tag) {
            Ok(id) => return Some((id, false)),
            Err(slot) => slot,
        };
        let id = u32::try_from(self.ends.len())
            .ok()
            .filter(|&i| i < u32::MAX - 1)?;
        self.arena.push_str(s);
        self.ends.push(self.arena.len());
        self.table[slot] = (tag << 32) | id as u64;
        if self.ends.len() * 2 > self.table.len() {
            self.grow();
        }
        Some((id, true))
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        let mut table = vec![EMPTY; size];
        let mask = size - 1;
        for &entry in self.table.iter().filter(|&&e| e != EMPTY) {
            let mut slot = ((entry >> 32) as usize) & mask;
            while table[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            table[slot] = entry;
        }
        self.table = table;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_and_looks_up() {
        let mut i = Interner::new();
        for n in 0..10_000 {
            assert_eq!(i.intern(&format!("m{n}")), Some((n, true)));
        }
        for n in 0..10_000u32 {
            assert_eq!(i.intern(&format!("m{n}")), Some((n, false)));
            assert_eq!(i.get(n), format!("m{n}"));
        }
        assert_eq!(i.lookup("nope"), None);
        assert_eq!(i.intern(""), Some((10_000, true)));
        assert_eq!(i.get(10_000), "");
    }
}
