//! The index returns exactly what a brute-force scan returns.

use pdq::index::{brute_force, Index, Match};
use pdq::PdqHash;
use proptest::prelude::*;

/// The PDQ reference data in the shared folder.
fn pdq_data() -> String {
    test_data::shared("data/pdq")
}

fn read_hashes(name: &str) -> Vec<PdqHash> {
    std::fs::read_to_string(format!("{}/{name}", pdq_data()))
        .expect("hash file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse().expect("valid hash"))
        .collect()
}

#[test]
fn haystack_times_needles_equals_brute_force() {
    let haystack = read_hashes("haystack.txt");
    let needles = read_hashes("needles.txt");
    assert_eq!((haystack.len(), needles.len()), (1350, 100));
    let entries: Vec<(u64, PdqHash)> = haystack
        .iter()
        .enumerate()
        .map(|(i, h)| (i as u64, *h))
        .collect();
    let index = Index::build(&entries);
    let mut total = 0;
    for t in [0, 8, 16, 31, 40, 47, 48, 64, 128] {
        for n in &needles {
            let want = brute_force(&entries, n, t);
            assert_eq!(index.query(n, t), want, "threshold {t}, needle {n}");
            assert_eq!(index.brute_force(n, t), want);
            total += want.len();
        }
    }
    // The needles are near some of the haystack: the comparison is not over empty sets.
    let at31: usize = needles
        .iter()
        .map(|n| brute_force(&entries, n, 31).len())
        .sum();
    assert!(at31 > 0, "no needle is within 31 of the haystack");
    assert!(total > at31);
}

#[test]
fn add_disable_enable_take_effect_at_once() {
    let haystack = read_hashes("haystack.txt");
    let mut index = Index::new();
    for (i, h) in haystack.iter().enumerate() {
        index.add(i as u64, *h);
    }
    let q = haystack[10];
    let before = index.query(&q, 31);
    assert!(before.contains(&Match {
        distance: 0,
        id: 10
    }));
    assert!(index.disable(10));
    assert!(!index.query(&q, 31).iter().any(|m| m.id == 10));
    assert_eq!(index.len(), haystack.len() - 1);
    assert!(index.enable(10));
    assert_eq!(index.query(&q, 31), before);
    // Replacing the hash of an id moves it.
    let far = PdqHash([!q.0[0], !q.0[1], !q.0[2], !q.0[3]]);
    index.add(10, far);
    assert!(!index.query(&q, 31).iter().any(|m| m.id == 10));
    assert_eq!(
        index.query(&far, 0),
        vec![Match {
            distance: 0,
            id: 10
        }]
    );
    assert!(!index.disable(999_999));
}

/// Flips `k` distinct bits chosen by `picks` (positions are taken modulo the remaining bits).
fn flip(h: PdqHash, k: usize, picks: &[u16]) -> PdqHash {
    let mut bits: Vec<usize> = (0..256).collect();
    let mut out = h;
    for pick in picks.iter().take(k) {
        let p = *pick as usize % bits.len();
        let b = bits.swap_remove(p);
        out.0[b / 64] ^= 1 << (b % 64);
    }
    out
}

fn arb_hash() -> impl Strategy<Value = PdqHash> {
    any::<[u64; 4]>().prop_map(PdqHash)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn planted_neighbours_equal_brute_force(
        base in proptest::collection::vec(arb_hash(), 1..200),
        query in arb_hash(),
        planted in proptest::collection::vec((0usize..=40, proptest::collection::vec(any::<u16>(), 40)), 0..60),
        disabled in proptest::collection::vec(any::<u16>(), 0..20),
        threshold in prop_oneof![Just(31u32), 0u32..=64],
    ) {
        let mut entries: Vec<(u64, PdqHash)> =
            base.iter().enumerate().map(|(i, h)| (i as u64 * 3, *h)).collect();
        for (j, (k, picks)) in planted.iter().enumerate() {
            entries.push((1_000_000 + j as u64, flip(query, *k, picks)));
        }
        let mut index = Index::build(&entries[..entries.len() / 2]);
        for (id, h) in &entries[entries.len() / 2..] {
            index.add(*id, *h);
        }
        let mut live = entries.clone();
        for d in &disabled {
            let i = *d as usize % entries.len();
            index.disable(entries[i].0);
            live.retain(|(id, _)| *id != entries[i].0);
        }
        let want = brute_force(&live, &query, threshold);
        prop_assert_eq!(index.query(&query, threshold), want.clone());
        prop_assert_eq!(index.brute_force(&query, threshold), want);
        // Every planted neighbour within the threshold that is still enabled is found.
        for (j, (k, _)) in planted.iter().enumerate() {
            let id = 1_000_000 + j as u64;
            if (*k as u32) <= threshold && live.iter().any(|(x, _)| *x == id) {
                prop_assert!(index.query(&query, threshold).iter().any(|m| m.id == id));
            }
        }
    }

    #[test]
    fn hex_round_trips(h in arb_hash()) {
        let text = h.to_hex();
        prop_assert_eq!(text.len(), 64);
        prop_assert_eq!(text.parse::<PdqHash>().unwrap(), h);
        prop_assert_eq!(PdqHash::from_bytes(&h.to_bytes()), h);
        prop_assert_eq!(text.to_uppercase().parse::<PdqHash>().unwrap(), h);
    }
}

#[test]
fn many_adds_after_build_merge_and_stay_exact() {
    // Enough adds after a build to pass the merge point (65,536), with replacements and disables.
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut entries: Vec<(u64, PdqHash)> = (0..1000)
        .map(|i| (i, PdqHash([next(), next(), next(), next()])))
        .collect();
    let mut index = Index::build(&entries);
    let centre = entries[0].1;
    for i in 1000..71_000u64 {
        // Every tenth new entry is a near neighbour of the first one.
        let h = if i % 10 == 0 {
            let mut h = centre;
            h.0[(i % 4) as usize] ^= next() & next() & next() & next();
            h
        } else {
            PdqHash([next(), next(), next(), next()])
        };
        index.add(i, h);
        entries.push((i, h));
    }
    for i in (0..71_000u64).step_by(97) {
        index.disable(i);
        entries.retain(|(id, _)| *id != i);
    }
    // Replace one id's hash: the old one must stop matching.
    index.add(5, centre);
    entries.retain(|(id, _)| *id != 5);
    entries.push((5, centre));
    assert_eq!(index.len(), entries.len());
    for q in [centre, entries[10].1, entries[50_000].1] {
        for t in [0, 31, 40] {
            assert_eq!(index.query(&q, t), brute_force(&entries, &q, t));
        }
    }
    assert!(index.query(&centre, 31).len() > 100);
}

#[test]
fn nearest_is_the_head_of_the_filtered_full_query() {
    let haystack = read_hashes("haystack.txt");
    let needles = read_hashes("needles.txt");
    let entries: Vec<(u64, PdqHash)> = haystack
        .iter()
        .enumerate()
        .map(|(i, h)| (i as u64, *h))
        .collect();
    let index = Index::build(&entries);
    let even = |id: u64| id % 2 == 0;
    let mut truncated_seen = 0;
    for t in [31, 47, 63, 128, 256] {
        for limit in [0usize, 1, 5, 100, 2000] {
            for n in needles.iter().take(20) {
                let all: Vec<Match> = index
                    .query(n, t)
                    .into_iter()
                    .filter(|m| even(m.id))
                    .collect();
                let got = index.query_nearest(n, t, limit, &even);
                let want: Vec<Match> = all.iter().copied().take(limit).collect();
                assert_eq!(got.matches, want, "threshold {t}, limit {limit}");
                assert_eq!(
                    got.truncated,
                    all.len() > limit,
                    "threshold {t}, limit {limit}"
                );
                truncated_seen += usize::from(got.truncated);
            }
        }
    }
    assert!(truncated_seen > 0, "some queries are cut by their limit");
}
