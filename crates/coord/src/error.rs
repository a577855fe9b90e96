//! The error type of the coordination engine.

use std::fmt;

/// What went wrong when computing networks.
#[derive(Debug, Clone, PartialEq)]
pub enum CoordError {
    /// The time window is negative.
    NegativeWindow(i64),
    /// The similarity threshold is not in (0, 1].
    BadSimilarity(f64),
    /// The minimum edge weight is zero.
    ZeroMinWeight,
    /// The MinHash banding is unusable (bands or rows zero, or more than 1024 hashes).
    BadBanding {
        /// Number of bands asked for.
        bands: usize,
        /// Rows per band asked for.
        rows: usize,
    },
    /// The corpus has more posts, users or items than 32-bit ids can hold.
    TooLarge(&'static str),
    /// A network name is not one of the known networks.
    UnknownNetwork(String),
    /// The caller's stop callback asked the computation to stop.
    Cancelled,
}

impl fmt::Display for CoordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoordError::NegativeWindow(w) => {
                write!(f, "time window must be zero or positive, got {w}")
            }
            CoordError::BadSimilarity(s) => {
                write!(f, "similarity threshold must be in (0, 1], got {s}")
            }
            CoordError::ZeroMinWeight => write!(f, "minimum edge weight must be at least 1"),
            CoordError::BadBanding { bands, rows } => write!(
                f,
                "MinHash banding {bands} bands x {rows} rows is unusable (both must be >= 1, product <= 1024)"
            ),
            CoordError::TooLarge(what) => {
                write!(f, "too many {what} for 32-bit ids (limit 4,294,967,294)")
            }
            CoordError::UnknownNetwork(name) => write!(
                f,
                "unknown network {name:?} (known: co_retweet, co_reply, co_link, co_tweet, co_similar_tweet, co_post)"
            ),
            CoordError::Cancelled => write!(f, "the computation was cancelled"),
        }
    }
}

impl std::error::Error for CoordError {}
