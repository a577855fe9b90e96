//! Properties: every inclusion and consistency proof verifies, and a proof for another
//! leaf, size or root does not; trees built by appending agree with RFC 6962's definition.

use merkle::Hash;
use proptest::prelude::*;

use crate::{reference_root, tree_of};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn heads_match_the_definition(seed in any::<u64>(), n in 0u64..300) {
        let (tree, leaves) = tree_of(seed, n);
        for size in [0, n / 3, n / 2, n] {
            prop_assert_eq!(tree.root(size), reference_root(&leaves[..size as usize]));
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_others_do_not(
        seed in any::<u64>(),
        n in 1u64..300,
        pick in any::<u64>(),
        other in any::<u64>(),
    ) {
        let (mut tree, leaves) = tree_of(seed, n);
        let size = 1 + pick % n;
        let index = other % size;
        let root = tree.root(size);
        let proof = merkle::inclusion_proof(&mut tree, index, size).unwrap();
        let leaf = leaves[index as usize];
        prop_assert_eq!(merkle::verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
        // Another leaf at that index, or this leaf at another index.
        if size > 1 {
            let j = (index + 1 + other % (size - 1)) % size;
            prop_assert!(merkle::verify_inclusion(&leaves[j as usize], index, size, &proof, &root).is_err());
            prop_assert!(merkle::verify_inclusion(&leaf, j, size, &proof, &root).is_err());
        }
        // Against another tree size (and its head).
        if n > 1 {
            let size2 = 1 + (size + other % (n - 1)) % n;
            if size2 != size && index < size2 {
                let root2 = tree.root(size2);
                prop_assert!(merkle::verify_inclusion(&leaf, index, size2, &proof, &root2).is_err());
            }
        }
        // A flipped bit anywhere in the path, a missing or an extra hash.
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = (other as usize) % bad.len();
            bad[at][(other as usize / 7) % 32] ^= 1 << (other % 8);
            prop_assert!(merkle::verify_inclusion(&leaf, index, size, &bad, &root).is_err());
            prop_assert!(merkle::verify_inclusion(&leaf, index, size, &proof[..proof.len() - 1], &root).is_err());
        }
        let mut longer: Vec<Hash> = proof.clone();
        longer.push([7; 32]);
        prop_assert!(merkle::verify_inclusion(&leaf, index, size, &longer, &root).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_others_do_not(
        seed in any::<u64>(),
        n in 1u64..300,
        a in any::<u64>(),
        b in any::<u64>(),
    ) {
        let (mut tree, _) = tree_of(seed, n);
        let (x, y) = (a % (n + 1), b % (n + 1));
        let (old, new) = (x.min(y), x.max(y));
        let (old_root, new_root) = (tree.root(old), tree.root(new));
        let proof = merkle::consistency_proof(&mut tree, old, new).unwrap();
        prop_assert_eq!(merkle::verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));
        if old > 0 && old < new {
            // Another old size with its own head, or a wrong head.
            let other = 1 + (old + a % new) % new;
            if other != old && other < new {
                let other_root = tree.root(other);
                prop_assert!(merkle::verify_consistency(other, new, &other_root, &new_root, &proof).is_err());
            }
            let mut wrong = old_root;
            wrong[0] ^= 1;
            prop_assert!(merkle::verify_consistency(old, new, &wrong, &new_root, &proof).is_err());
            let mut wrong = new_root;
            wrong[31] ^= 0x80;
            prop_assert!(merkle::verify_consistency(old, new, &old_root, &wrong, &proof).is_err());
            let mut bad = proof.clone();
            let at = (b as usize) % bad.len();
            bad[at][(b as usize / 3) % 32] ^= 1 << (b % 8);
            prop_assert!(merkle::verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
            prop_assert!(merkle::verify_consistency(old, new, &old_root, &new_root, &proof[..proof.len() - 1]).is_err());
        }
    }

    #[test]
    fn appends_complete_exactly_the_stored_nodes(seed in any::<u64>(), n in 1u64..200) {
        let (tree, leaves) = tree_of(seed, n);
        // Replaying `completed_by` over the leaves rebuilds every stored node.
        let mut rebuilt: std::collections::HashMap<merkle::Node, Hash> = Default::default();
        for (i, leaf) in leaves.iter().enumerate() {
            let mut cur = *leaf;
            rebuilt.insert(merkle::Node { level: 0, index: i as u64 }, cur);
            for (left, parent) in merkle::completed_by(i as u64) {
                cur = merkle::node_hash(&rebuilt[&left], &cur);
                rebuilt.insert(parent, cur);
            }
        }
        for level in 0..tree.height() {
            for (i, h) in tree.level(level).iter().enumerate() {
                prop_assert_eq!(rebuilt.get(&merkle::Node { level, index: i as u64 }), Some(h));
            }
        }
        let stored: usize = (0..tree.height()).map(|l| tree.level(l).len()).sum();
        prop_assert_eq!(rebuilt.len(), stored);
    }

    #[test]
    fn needed_nodes_are_complete(n in 1u64..5000, a in any::<u64>(), b in any::<u64>()) {
        let index = a % n;
        let old = b % (n + 1);
        let nodes = merkle::inclusion_nodes(index, n).unwrap()
            .into_iter()
            .chain(merkle::consistency_nodes(old, n).unwrap())
            .chain(merkle::root_nodes(n));
        for node in nodes {
            prop_assert!(node.first_leaf() + node.leaves() <= n, "{node:?} beyond {n}");
        }
    }
}
