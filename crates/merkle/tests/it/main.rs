//! Integration tests of the merkle crate: the RFC 6962 reference vectors and properties.

mod props;
mod vectors;

use merkle::{leaf_hash, Hash, MemoryTree};

/// A tree of `n` distinct leaves made from `seed`.
pub fn tree_of(seed: u64, n: u64) -> (MemoryTree, Vec<Hash>) {
    let mut tree = MemoryTree::default();
    let mut leaves = Vec::new();
    for i in 0..n {
        let mut data = seed.to_be_bytes().to_vec();
        data.extend_from_slice(&i.to_be_bytes());
        let h = leaf_hash(&data);
        tree.push(h);
        leaves.push(h);
    }
    (tree, leaves)
}

/// MTH of a slice of leaf hashes, straight from RFC 6962's definition.
pub fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => merkle::EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let k = merkle::split(n as u64) as usize;
            merkle::node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}
