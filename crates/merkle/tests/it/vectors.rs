//! The Certificate Transparency reference vectors for RFC 6962 (leaves, tree heads of sizes
//! 0 to 8, audit paths and consistency proofs), typed in from the published test data.

use merkle::{leaf_hash, Hash, MemoryTree};

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// The tree head of the first `n` leaves, `n` from 0 to 8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, audit path).
const INCLUSION: [(u64, u64, &[&str]); 4] = [
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    // Leaf 2 of 3: its only sibling is the head of the first two leaves.
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (0, 1, &[]),
];

/// (old size, new size, consistency proof).
const CONSISTENCY: [(u64, u64, &[&str]); 4] = [
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        2,
        8,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
];

fn h(s: &str) -> Hash {
    let v = hex::decode(s).expect("hex");
    v.try_into().expect("32 bytes")
}

fn reference_tree() -> MemoryTree {
    let mut tree = MemoryTree::default();
    for l in LEAVES {
        tree.push(leaf_hash(&hex::decode(l).expect("hex")));
    }
    tree
}

#[test]
fn tree_heads_match_the_reference() {
    let tree = reference_tree();
    for (n, want) in ROOTS.iter().enumerate() {
        assert_eq!(hex::encode(tree.root(n as u64)), *want, "size {n}");
    }
    assert_eq!(hex::encode(merkle::EMPTY_ROOT), ROOTS[0]);
}

#[test]
fn audit_paths_match_the_reference_and_verify() {
    let mut tree = reference_tree();
    for (index, size, want) in INCLUSION {
        let got = merkle::inclusion_proof(&mut tree, index, size).expect("proof");
        let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
        assert_eq!(got, want, "leaf {index} of {size}");
        let leaf = leaf_hash(&hex::decode(LEAVES[index as usize]).expect("hex"));
        merkle::verify_inclusion(&leaf, index, size, &want, &h(ROOTS[size as usize]))
            .expect("verifies");
        // Another leaf's hash does not verify with this path.
        let other = leaf_hash(b"not in the tree");
        assert!(
            merkle::verify_inclusion(&other, index, size, &want, &h(ROOTS[size as usize])).is_err()
        );
    }
}

#[test]
fn consistency_proofs_match_the_reference_and_verify() {
    let mut tree = reference_tree();
    for (old, new, want) in CONSISTENCY {
        let got = merkle::consistency_proof(&mut tree, old, new).expect("proof");
        let want: Vec<Hash> = want.iter().map(|s| h(s)).collect();
        assert_eq!(got, want, "{old} -> {new}");
        merkle::verify_consistency(
            old,
            new,
            &h(ROOTS[old as usize]),
            &h(ROOTS[new as usize]),
            &want,
        )
        .expect("verifies");
        // A wrong old head is refused.
        assert!(merkle::verify_consistency(
            old,
            new,
            &h(ROOTS[old as usize + 1]),
            &h(ROOTS[new as usize]),
            &want
        )
        .is_err());
    }
}

#[test]
fn degenerate_cases() {
    let mut tree = reference_tree();
    let r4 = h(ROOTS[4]);
    let r8 = h(ROOTS[8]);
    assert_eq!(merkle::consistency_proof(&mut tree, 4, 4), Ok(vec![]));
    assert_eq!(merkle::consistency_proof(&mut tree, 0, 8), Ok(vec![]));
    assert!(merkle::consistency_proof(&mut tree, 5, 3).is_err());
    assert!(merkle::inclusion_proof(&mut tree, 8, 8).is_err());
    assert_eq!(merkle::verify_consistency(4, 4, &r4, &r4, &[]), Ok(()));
    assert!(merkle::verify_consistency(4, 4, &r4, &r8, &[]).is_err());
    assert!(merkle::verify_consistency(4, 4, &r4, &r4, &[[0; 32]]).is_err());
    assert_eq!(
        merkle::verify_consistency(0, 8, &merkle::EMPTY_ROOT, &r8, &[]),
        Ok(())
    );
    assert!(merkle::verify_consistency(6, 8, &h(ROOTS[6]), &r8, &[]).is_err());
    assert!(merkle::verify_consistency(8, 6, &r8, &h(ROOTS[6]), &[]).is_err());
    assert!(merkle::verify_inclusion(&[0; 32], 8, 8, &[], &r8).is_err());
}

#[test]
fn split_is_the_largest_power_of_two_below() {
    for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)] {
        assert_eq!(merkle::split(n), k, "split({n})");
    }
    assert_eq!(merkle::split((1 << 63) + 1), 1 << 63);
}
