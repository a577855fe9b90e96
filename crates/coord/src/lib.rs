//! coord: finds coordinated account networks in a set of posts.
//!
//! Accounts that "vilify and amplify" together repost the same item, paste the same
//! or nearly the same text, push the same links or reply to the same target within
//! seconds of each other. This crate computes those account networks with the
//! semantics of coordination-network-toolkit (CNT) 1.5.2, so that results compare
//! edge for edge:
//!
//! - `co_retweet`: reposts of the same post; `co_reply`: non-reposts replying to the
//!   same post; `co_link`: non-reposts sharing a URL; `co_tweet`: non-reposts with the
//!   same normalised text; `co_similar_tweet`: non-reposts with Jaccard similarity of
//!   token sets at or above a threshold; `co_post`: any two posts.
//! - Edges are directed: weight(A→B) is the number of distinct posts of A that have at
//!   least one matching post of B within ±window (inclusive). Self-loops are dropped and
//!   the minimum weight applies per direction.
//!
//! Deliberate differences from CNT: an empty URL means "no URL" (CNT links every
//! URL-less post through the URL `''`), and empty or mention-only texts never match in
//! `co_tweet`. Beyond CNT: [`estimate_window`] (CooRnet's coordination interval),
//! [`find_groups`] (coordinated groups with evidence) and [`compute_similar_approx`]
//! (MinHash LSH candidates for windows too large for the exact mode).
//!
//! The crate is pure: no files, network or clock. Algorithms sort posts by (key,
//! time) and sweep windows with two pointers over integer ids; near-duplicates use
//! prefix filtering with exact verification.
//!
//! ```
//! use coord::{compute, Corpus, Network, Params, PostInput};
//!
//! let mut corpus = Corpus::new();
//! for (id, user, time) in [("1", "alice", 100), ("2", "bob", 130), ("3", "carol", 900)] {
//!     let post = PostInput { id, user, repost_of: "42", text: "RT", time, ..Default::default() };
//!     corpus.push(&post).unwrap();
//! }
//! let params = Params { window: 60, min_weight: 1, ..Params::default() };
//! let edges = compute(&corpus, Network::CoRetweet, &params).unwrap();
//! let named: Vec<_> = edges
//!     .iter()
//!     .map(|e| (corpus.user_name(e.source), corpus.user_name(e.target), e.weight))
//!     .collect();
//! assert_eq!(named, [("alice", "bob", 1), ("bob", "alice", 1)]);
//! ```

mod corpus;
mod counter;
mod error;
mod groups;
pub mod intern;
mod networks;
mod similar;
pub mod text;
mod window;

pub use corpus::{Corpus, PostInput, Pushed, NONE};
pub use error::CoordError;
pub use groups::{find_groups, Group, NetworkEvidence, SharedItem};
pub use networks::{compute, compute_until, Network, Params};
pub use window::{estimate_window, WindowEstimate};

/// A directed, weighted edge between two users (dense corpus user ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    /// The user whose posts are counted.
    pub source: u32,
    /// The user whose posts they matched.
    pub target: u32,
    /// Number of distinct posts of `source` with a match by `target` in the window.
    pub weight: u32,
}

/// MinHash LSH banding for [`compute_similar_approx`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lsh {
    /// Number of bands; a pair is a candidate when all rows of one band agree.
    pub bands: usize,
    /// MinHash values per band.
    pub rows: usize,
    /// Seed of the hash functions.
    pub seed: u64,
}

impl Default for Lsh {
    /// 20 bands of 5 rows: a pair with similarity 0.8 is a candidate with probability 0.9996.
    fn default() -> Self {
        Lsh {
            bands: 20,
            rows: 5,
            seed: 0x5eed,
        }
    }
}

/// co_similar_tweet with MinHash LSH candidate generation instead of the exact prefix
/// filter: every reported edge is verified exactly, but pairs whose MinHash bands never
/// collide are missed (recall below 1).
pub fn compute_similar_approx(
    corpus: &Corpus,
    params: &Params,
    lsh: &Lsh,
) -> Result<Vec<Edge>, CoordError> {
    params.validate()?;
    if lsh.bands == 0 || lsh.rows == 0 || lsh.bands.saturating_mul(lsh.rows) > 1024 {
        return Err(CoordError::BadBanding {
            bands: lsh.bands,
            rows: lsh.rows,
        });
    }
    let docs = similar::Docs::build(corpus, params.min_tokens);
    let pairs = docs.lsh_pairs(
        params.window,
        params.similarity,
        lsh.bands,
        lsh.rows,
        lsh.seed,
    );
    let mut counter = counter::PairCounter::new(corpus.user_count());
    similar::count_pairs(corpus, &pairs, &mut counter);
    Ok(counter.finish(params.min_weight))
}

/// Sorts edges by source then target platform user id (byte order), for stable output.
pub fn sort_by_name(corpus: &Corpus, edges: &mut [Edge]) {
    edges.sort_by(|a, b| {
        corpus
            .user_name(a.source)
            .cmp(corpus.user_name(b.source))
            .then_with(|| corpus.user_name(a.target).cmp(corpus.user_name(b.target)))
    });
}
