//! The 256-bit PDQ hash value: bit access, the 64-hex-digit text form and Hamming distance.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A 256-bit PDQ hash.
///
/// Bit `k` (0..=255) is bit `k` of the 256-bit integer whose big-endian hexadecimal form is the
/// usual 64-digit text (Meta's `Hash256::toString`). Internally word 0 holds bits 0..=63.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PdqHash(pub [u64; 4]);

impl PdqHash {
    /// The all-zero hash (what Meta's code returns for images smaller than 5 pixels a side).
    pub const ZERO: PdqHash = PdqHash([0; 4]);

    /// Returns bit `k` (0..=255); bits past 255 read as `false`.
    pub fn bit(&self, k: usize) -> bool {
        match self.0.get(k / 64) {
            Some(word) => (word >> (k % 64)) & 1 == 1,
            None => false,
        }
    }

    /// Sets bit `k` (0..=255); indexes past 255 are ignored.
    pub fn set_bit(&mut self, k: usize) {
        if let Some(word) = self.0.get_mut(k / 64) {
            *word |= 1 << (k % 64);
        }
    }

    /// Number of bits that differ between `self` and `other` (0..=256).
    #[inline]
    pub fn distance(&self, other: &PdqHash) -> u32 {
        (self.0[0] ^ other.0[0]).count_ones()
            + (self.0[1] ^ other.0[1]).count_ones()
            + (self.0[2] ^ other.0[2]).count_ones()
            + (self.0[3] ^ other.0[3]).count_ones()
    }

    /// Number of set bits.
    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The 32-byte big-endian form (byte 0 holds bits 255..=248).
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(8).zip(self.0.iter().rev()) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// Builds a hash from its 32-byte big-endian form.
    pub fn from_bytes(bytes: &[u8; 32]) -> PdqHash {
        let mut words = [0u64; 4];
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            words[3 - i] = u64::from_be_bytes(b);
        }
        PdqHash(words)
    }

    /// Parses the 64-hex-digit form (either case; surrounding whitespace is not accepted).
    pub fn from_hex(text: &str) -> Result<PdqHash, Error> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(Error::HashLength {
                found: text.chars().count(),
            });
        }
        let mut words = [0u64; 4];
        for (pos, &c) in bytes.iter().enumerate() {
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => {
                    // Report the character, not the byte, so multi-byte input reads sensibly.
                    let ch = text
                        .get(pos..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('?');
                    return Err(Error::HashDigit {
                        position: pos + 1,
                        found: ch,
                    });
                }
            };
            // Digit 0 is the most significant nibble of word 3.
            let word = 3 - pos / 16;
            let shift = 4 * (15 - pos % 16);
            words[word] |= u64::from(v) << shift;
        }
        Ok(PdqHash(words))
    }

    /// The 64-lowercase-hex-digit form.
    pub fn to_hex(&self) -> String {
        format!(
            "{:016x}{:016x}{:016x}{:016x}",
            self.0[3], self.0[2], self.0[1], self.0[0]
        )
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PdqHash({})", self.to_hex())
    }
}

impl FromStr for PdqHash {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PdqHash::from_hex(s)
    }
}
