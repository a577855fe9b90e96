//! merkle: RFC 6962 Merkle trees (SHA-256): leaf and node hashes, tree heads, inclusion and
//! consistency proofs, and the verification a partner runs on them.
//!
//! Pure: the tree's hashes come from a [`Source`] that answers complete subtrees
//! ([`Node`]s), so a store can keep them wherever it likes. A tree head or proof over the
//! first `n` leaves needs only complete subtrees: RFC 6962 splits a range of `n` leaves at
//! the largest power of two below `n`, so every range the recursion meets whose length is a
//! power of two starts at a multiple of that length.
//!
//! ```
//! use merkle::{leaf_hash, MemoryTree};
//!
//! let mut tree = MemoryTree::default();
//! for data in [b"a".as_slice(), b"b", b"c"] {
//!     tree.push(leaf_hash(data));
//! }
//! let root = tree.root(3);
//! let proof = merkle::inclusion_proof(&mut tree, 1, 3).unwrap();
//! merkle::verify_inclusion(&leaf_hash(b"b"), 1, 3, &proof, &root).unwrap();
//! let old = tree.root(2);
//! let consistency = merkle::consistency_proof(&mut tree, 2, 3).unwrap();
//! merkle::verify_consistency(2, 3, &old, &root, &consistency).unwrap();
//! ```

use std::convert::Infallible;
use std::fmt;

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The tree head of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of a leaf: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A complete subtree: the `2^level` leaves starting at leaf `index << level`. Level 0 is a
/// leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    /// Height above the leaves.
    pub level: u32,
    /// Position among the nodes of this level, from the left.
    pub index: u64,
}

impl Node {
    /// The index of its first leaf.
    pub fn first_leaf(&self) -> u64 {
        self.index << self.level
    }

    /// How many leaves it covers.
    pub fn leaves(&self) -> u64 {
        1u64 << self.level
    }
}

/// Where a tree's complete subtrees come from (a store, memory).
pub trait Source {
    /// The source's own failure.
    type Error;
    /// The hash of a complete subtree the caller knows exists.
    fn node(&mut self, node: Node) -> Result<Hash, Self::Error>;
}

/// Why a proof could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error<E> {
    /// The leaf index is not below the tree size.
    IndexOutOfRange {
        /// The leaf asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The first size of a consistency proof is above the second.
    SizesOutOfOrder {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// The source failed.
    Source(E),
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::IndexOutOfRange { index, size } => {
                write!(f, "leaf {index} is not in a tree of {size} leaves")
            }
            Error::SizesOutOfOrder { old, new } => {
                write!(f, "tree size {old} is above tree size {new}")
            }
            Error::Source(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for Error<E> {}

/// Why a proof does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// The leaf index is not below the tree size.
    IndexOutOfRange,
    /// The first size of a consistency proof is above the second.
    SizesOutOfOrder,
    /// The proof has more hashes than the sizes allow.
    ProofTooLong,
    /// The proof has fewer hashes than the sizes need.
    ProofTooShort,
    /// The hashes lead to another root.
    RootMismatch,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VerifyError::IndexOutOfRange => "the leaf index is not below the tree size",
            VerifyError::SizesOutOfOrder => "the first tree size is above the second",
            VerifyError::ProofTooLong => "the proof has more hashes than the tree sizes allow",
            VerifyError::ProofTooShort => "the proof has fewer hashes than the tree sizes need",
            VerifyError::RootMismatch => "the proof does not lead to the expected root",
        })
    }
}

impl std::error::Error for VerifyError {}

/// The largest power of two strictly below `n` (`n >= 2`): RFC 6962's split point.
pub fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// MTH(D[start : start + n]) for a range the RFC recursion reaches (`n >= 1`).
fn subtree<S: Source + ?Sized>(src: &mut S, start: u64, n: u64) -> Result<Hash, S::Error> {
    if n.is_power_of_two() {
        let level = n.trailing_zeros();
        return src.node(Node {
            level,
            index: start >> level,
        });
    }
    let k = split(n);
    let left = subtree(src, start, k)?;
    let right = subtree(src, start + k, n - k)?;
    Ok(node_hash(&left, &right))
}

/// The tree head (root hash) of the first `size` leaves.
pub fn root<S: Source + ?Sized>(src: &mut S, size: u64) -> Result<Hash, S::Error> {
    if size == 0 {
        return Ok(EMPTY_ROOT);
    }
    subtree(src, 0, size)
}

/// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 6962 2.1.1),
/// nearest the leaf first.
pub fn inclusion_proof<S: Source + ?Sized>(
    src: &mut S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, Error<S::Error>> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let mut out = Vec::new();
    path(src, index, 0, size, &mut out).map_err(Error::Source)?;
    Ok(out)
}

fn path<S: Source + ?Sized>(
    src: &mut S,
    m: u64,
    start: u64,
    n: u64,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    if n == 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(src, m, start, k, out)?;
        out.push(subtree(src, start + k, n - k)?);
    } else {
        path(src, m - k, start + k, n - k, out)?;
        out.push(subtree(src, start, k)?);
    }
    Ok(())
}

/// The consistency proof between the trees of the first `old` and the first `new` leaves
/// (RFC 6962 2.1.2); empty when `old` is 0 or equals `new`.
pub fn consistency_proof<S: Source + ?Sized>(
    src: &mut S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, Error<S::Error>> {
    if old > new {
        return Err(Error::SizesOutOfOrder { old, new });
    }
    let mut out = Vec::new();
    if old == 0 || old == new {
        return Ok(out);
    }
    subproof(src, old, 0, new, true, &mut out).map_err(Error::Source)?;
    Ok(out)
}

fn subproof<S: Source + ?Sized>(
    src: &mut S,
    m: u64,
    start: u64,
    n: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    if m == n {
        if !whole {
            out.push(subtree(src, start, n)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(src, m, start, k, whole, out)?;
        out.push(subtree(src, start + k, n - k)?);
    } else {
        subproof(src, m - k, start + k, n - k, false, out)?;
        out.push(subtree(src, start, k)?);
    }
    Ok(())
}

/// A source that records which nodes are asked for and answers zeros: the nodes a tree
/// head or proof needs do not depend on their hashes.
#[derive(Debug, Default)]
struct Recorder(Vec<Node>);

impl Source for Recorder {
    type Error = Infallible;
    fn node(&mut self, node: Node) -> Result<Hash, Infallible> {
        self.0.push(node);
        Ok([0; 32])
    }
}

fn sorted(mut nodes: Vec<Node>) -> Vec<Node> {
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

/// The complete subtrees the tree head of `size` leaves is made of (at most 64), so a store
/// can fetch them at once.
pub fn root_nodes(size: u64) -> Vec<Node> {
    let mut r = Recorder::default();
    let Ok(_) = root(&mut r, size);
    sorted(r.0)
}

/// The complete subtrees an inclusion proof of leaf `index` in `size` leaves reads.
pub fn inclusion_nodes(index: u64, size: u64) -> Result<Vec<Node>, Error<Infallible>> {
    let mut r = Recorder::default();
    inclusion_proof(&mut r, index, size)?;
    Ok(sorted(r.0))
}

/// The complete subtrees a consistency proof between `old` and `new` leaves reads.
pub fn consistency_nodes(old: u64, new: u64) -> Result<Vec<Node>, Error<Infallible>> {
    let mut r = Recorder::default();
    consistency_proof(&mut r, old, new)?;
    Ok(sorted(r.0))
}

/// The nodes that become complete when leaf `index` is appended, lowest first: for each,
/// its left child (already stored) and the node itself. The right child of the first is the
/// new leaf, of each later one the node before it.
pub fn completed_by(index: u64) -> Vec<(Node, Node)> {
    (0..index.trailing_ones())
        .map(|level| {
            let at = index >> level;
            (
                Node {
                    level,
                    index: at - 1,
                },
                Node {
                    level: level + 1,
                    index: at >> 1,
                },
            )
        })
        .collect()
}

/// Checks that `proof` shows leaf hash `leaf` at `index` in the tree of `size` leaves whose
/// head is `root` (RFC 9162 2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexOutOfRange);
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    if &r != root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// Checks that `proof` shows the tree of `old` leaves with head `old_root` to be a prefix of
/// the tree of `new` leaves with head `new_root` (RFC 9162 2.1.4.2). The empty tree is a
/// prefix of every tree.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if old > new {
        return Err(VerifyError::SizesOutOfOrder);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(VerifyError::ProofTooLong);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(VerifyError::RootMismatch)
        };
    }
    if old == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(VerifyError::ProofTooLong)
        };
    }
    if proof.is_empty() {
        return Err(VerifyError::ProofTooShort);
    }
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*path[0], *path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    if &fr != old_root || &sr != new_root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// A whole tree in memory: every complete subtree, level by level. Appending is amortised
/// O(1); proofs read it as a [`Source`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// Appends a leaf hash and completes the nodes it closes.
    pub fn push(&mut self, leaf: Hash) {
        let mut cur = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(cur);
            if row.len() % 2 == 1 {
                return;
            }
            cur = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    /// How many leaves it holds.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The stored hash of a complete subtree, if it is complete.
    pub fn get(&self, node: Node) -> Option<&Hash> {
        let row = self.levels.get(node.level as usize)?;
        usize::try_from(node.index).ok().and_then(|i| row.get(i))
    }

    /// The complete subtrees of one level, from the left.
    pub fn level(&self, level: u32) -> &[Hash] {
        self.levels
            .get(level as usize)
            .map_or(&[][..], |v| v.as_slice())
    }

    /// How many levels it has (a tree of one leaf has one).
    pub fn height(&self) -> u32 {
        self.levels.len() as u32
    }

    /// The tree head of its first `size` leaves (`size` at most [`MemoryTree::size`]).
    ///
    /// # Panics
    /// If `size` is above the number of leaves.
    pub fn root(&self, size: u64) -> Hash {
        assert!(
            size <= self.size(),
            "tree size {size} above {}",
            self.size()
        );
        let mut src = self;
        let Ok(h) = root(&mut src, size);
        h
    }
}

impl Source for &MemoryTree {
    type Error = Infallible;
    fn node(&mut self, node: Node) -> Result<Hash, Infallible> {
        Ok(self.get(node).copied().unwrap_or([0; 32]))
    }
}

impl Source for MemoryTree {
    type Error = Infallible;
    fn node(&mut self, node: Node) -> Result<Hash, Infallible> {
        Ok(self.get(node).copied().unwrap_or([0; 32]))
    }
}
