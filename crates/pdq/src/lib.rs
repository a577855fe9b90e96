//! PDQ perceptual image hashing and exact Hamming-distance matching.
//!
//! This crate implements Meta's PDQ hash (luminance, a two-pass Jarosz tent filter at full size,
//! decimation to 64x64, a 16x16 DCT, median threshold, the quality metric and the eight dihedral
//! variants derived from the DCT) with float arithmetic that reproduces Meta's reference hashes
//! bit for bit. It also provides [`index::Index`], an exact multi-index-hashing matcher that
//! returns every stored hash within a Hamming distance, identical to a brute-force scan.
//!
//! The crate does no I/O: images come in as bytes or pixels, hashes as text or words.
//! EXIF orientation is not applied (see [`decode`]).
//!
//! ```
//! use pdq::{Hasher, PdqHash, index::Index};
//!
//! // A 64x80 synthetic greyscale image: a diagonal gradient with a bright square.
//! let (w, h) = (64usize, 80usize);
//! let mut pixels = vec![0u8; w * h];
//! for y in 0..h {
//!     for x in 0..w {
//!         let bright = (20..40).contains(&x) && (30..50).contains(&y);
//!         pixels[y * w + x] = if bright { 250 } else { ((x + y) * 2) as u8 };
//!     }
//! }
//! let mut hasher = Hasher::new();
//! let pdq = hasher.hash_luma8(&pixels, w, h).unwrap();
//! assert!(pdq.quality <= 100);
//!
//! // Text form round-trips.
//! let text = pdq.hash.to_hex();
//! assert_eq!(text.len(), 64);
//! assert_eq!(text.parse::<PdqHash>().unwrap(), pdq.hash);
//!
//! // Match against an index.
//! let mut index = Index::new();
//! index.add(7, pdq.hash);
//! let hits = index.query(&pdq.hash, 31);
//! assert_eq!(hits[0].id, 7);
//! assert_eq!(hits[0].distance, 0);
//! ```

pub mod decode;
mod hash;
mod hasher;
pub mod index;

use std::fmt;

pub use decode::decode;
pub use hash::PdqHash;
pub use hasher::{Dihedral, Hasher, Pdq, Transform};

/// Default match threshold: hashes within this Hamming distance are the same image.
pub const DEFAULT_THRESHOLD: u32 = 31;

/// Minimum quality for a hash to be used for matching (Meta's rule).
pub const MIN_MATCH_QUALITY: u32 = 50;

/// Errors from hashing, decoding and hash parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The image input had no bytes at all.
    EmptyInput,
    /// The bytes are not in a recognised image format (JPEG, PNG, GIF, WebP, BMP).
    UnknownFormat,
    /// The decoder failed: the image is corrupt or truncated.
    Decode(String),
    /// The image would need more memory than allowed.
    Limits(String),
    /// An image with zero width or height.
    EmptyImage {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// Width times height overflows.
    TooLarge {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// A pixel buffer whose length does not match its dimensions.
    PixelBuffer {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// Values per pixel.
        channels: usize,
        /// Expected length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// A hash string that is not 64 characters long.
    HashLength {
        /// Number of characters found.
        found: usize,
    },
    /// A hash string with a character that is not a hex digit.
    HashDigit {
        /// 1-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyInput => write!(f, "empty image: the input has 0 bytes"),
            Error::UnknownFormat => write!(
                f,
                "not a recognised image: expected JPEG, PNG, GIF, WebP or BMP data"
            ),
            Error::Decode(msg) => write!(f, "corrupt or truncated image: {msg}"),
            Error::Limits(msg) => write!(f, "image too large to decode: {msg}"),
            Error::EmptyImage { width, height } => {
                write!(f, "image has no pixels ({width}x{height})")
            }
            Error::TooLarge { width, height } => {
                write!(f, "image dimensions {width}x{height} are too large")
            }
            Error::PixelBuffer {
                width,
                height,
                channels,
                expected,
                found,
            } => write!(
                f,
                "pixel buffer for a {width}x{height} image with {channels} channel(s) \
                 must have {expected} values, found {found}"
            ),
            Error::HashLength { found } => write!(
                f,
                "a PDQ hash has 64 hex digits, found {found} character(s)"
            ),
            Error::HashDigit { position, found } => write!(
                f,
                "a PDQ hash has only hex digits 0-9 a-f, found {found:?} at character {position}"
            ),
        }
    }
}

impl std::error::Error for Error {}
