//! Property tests: the engine against a naive O(n²) model of CNT's definitions.

use coord::text::{normalize, token_set};
use coord::{
    compute, compute_similar_approx, find_groups, Corpus, Edge, Lsh, Network, Params, PostInput,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
struct P {
    id: String,
    user: String,
    repost: String,
    reply: String,
    text: String,
    time: i64,
    urls: Vec<String>,
}

fn post_strategy() -> impl Strategy<Value = P> {
    let words = prop::sample::select(vec![
        "alpha", "beta", "Gamma", "delta", "@bob", "x@y.z", "don't", "!!", "U.S.A.", "ça", "日本",
        "\t", "", "eps",
    ]);
    (
        0u32..40,
        0u32..5,
        prop::sample::select(vec!["", "", "", "r1", "r2"]),
        prop::sample::select(vec!["", "", "q1", "q2"]),
        prop::collection::vec(words, 0..6),
        0i64..200,
        prop::collection::vec(prop::sample::select(vec!["", "u1", "u2", "u3"]), 0..3),
    )
        .prop_map(|(id, user, repost, reply, words, time, urls)| P {
            id: format!("m{id}"),
            user: format!("user{user}"),
            repost: repost.to_string(),
            reply: reply.to_string(),
            text: words.join(" "),
            time,
            urls: urls.into_iter().map(str::to_string).collect(),
        })
}

fn build(posts: &[P]) -> Corpus {
    let mut c = Corpus::new();
    for p in posts {
        let urls: Vec<&str> = p.urls.iter().map(String::as_str).collect();
        c.push(&PostInput {
            id: &p.id,
            user: &p.user,
            username: "",
            repost_of: &p.repost,
            reply_to: &p.reply,
            text: &p.text,
            time: p.time,
            urls: &urls,
        })
        .unwrap();
    }
    c
}

fn matches(net: Network, a: &P, b: &P, params: &Params) -> bool {
    let non_repost = a.repost.is_empty() && b.repost.is_empty();
    match net {
        Network::CoRetweet => !a.repost.is_empty() && a.repost == b.repost,
        Network::CoReply => non_repost && !a.reply.is_empty() && a.reply == b.reply,
        Network::CoLink => non_repost && a.urls.iter().any(|u| !u.is_empty() && b.urls.contains(u)),
        Network::CoTweet => {
            let n = normalize(&a.text);
            non_repost && !n.is_empty() && n == normalize(&b.text)
        }
        Network::CoSimilarTweet => {
            let (x, y): (BTreeSet<String>, BTreeSet<String>) = (
                token_set(&a.text).into_iter().collect(),
                token_set(&b.text).into_iter().collect(),
            );
            let min = params.min_tokens.max(1);
            non_repost
                && x.len() >= min
                && y.len() >= min
                && x.intersection(&y).count() as f64 / x.union(&y).count() as f64
                    >= params.similarity
        }
        Network::CoPost => true,
    }
}

fn naive(posts: &[P], net: Network, params: &Params) -> BTreeMap<(String, String), u32> {
    let mut seen = BTreeSet::new();
    let unique: Vec<&P> = posts.iter().filter(|p| seen.insert(p.id.clone())).collect();
    let mut hits: BTreeSet<(usize, String)> = BTreeSet::new();
    for (i, a) in unique.iter().enumerate() {
        for b in &unique {
            if a.user != b.user
                && (a.time - b.time).abs() <= params.window
                && matches(net, a, b, params)
            {
                hits.insert((i, b.user.clone()));
            }
        }
    }
    let mut w: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (i, b) in hits {
        *w.entry((unique[i].user.clone(), b)).or_default() += 1;
    }
    w.retain(|_, v| *v >= params.min_weight);
    w
}

fn named(c: &Corpus, edges: &[Edge]) -> BTreeMap<(String, String), u32> {
    edges
        .iter()
        .map(|e| {
            (
                (
                    c.user_name(e.source).to_string(),
                    c.user_name(e.target).to_string(),
                ),
                e.weight,
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_network_equals_naive_model(
        posts in prop::collection::vec(post_strategy(), 0..40),
        window in 0i64..80,
        min_weight in 1u32..3,
        similarity in prop::sample::select(vec![0.3, 0.5, 0.8, 1.0]),
        min_tokens in 0usize..3,
    ) {
        let corpus = build(&posts);
        let params = Params { window, min_weight, similarity, min_tokens };
        for net in Network::ALL {
            let got = named(&corpus, &compute(&corpus, net, &params).unwrap());
            prop_assert_eq!(got, naive(&posts, net, &params), "network {}", net);
        }
    }

    #[test]
    fn approximate_similar_is_a_subset_of_exact(
        posts in prop::collection::vec(post_strategy(), 0..40),
        window in 0i64..80,
    ) {
        let corpus = build(&posts);
        let params = Params { window, min_weight: 1, similarity: 0.5, min_tokens: 1 };
        let exact = named(&corpus, &compute(&corpus, Network::CoSimilarTweet, &params).unwrap());
        let approx = named(&corpus, &compute_similar_approx(&corpus, &params, &Lsh::default()).unwrap());
        for (pair, w) in &approx {
            prop_assert!(exact.get(pair).is_some_and(|e| e >= w), "{:?} {} not within exact", pair, w);
        }
    }

    #[test]
    fn groups_partition_edge_endpoints(posts in prop::collection::vec(post_strategy(), 0..40)) {
        let corpus = build(&posts);
        let params = Params { window: 30, min_weight: 1, similarity: 0.8, min_tokens: 1 };
        let edges = compute(&corpus, Network::CoPost, &params).unwrap();
        let groups = find_groups(&corpus, &[(Network::CoPost, &edges)]);
        let mut members = BTreeSet::new();
        for g in &groups {
            prop_assert!(g.members.len() >= 2);
            for &m in &g.members {
                prop_assert!(members.insert(m), "user in two groups");
            }
        }
        for e in &edges {
            prop_assert!(members.contains(&e.source) && members.contains(&e.target));
        }
    }
}

#[test]
fn duplicate_ids_first_wins() {
    let mut c = Corpus::new();
    let first = PostInput {
        id: "1",
        user: "a",
        repost_of: "r",
        time: 0,
        ..Default::default()
    };
    let second = PostInput {
        id: "1",
        user: "b",
        repost_of: "r",
        time: 0,
        ..Default::default()
    };
    assert_eq!(c.push(&first).unwrap(), coord::Pushed::Added(0));
    assert_eq!(c.push(&second).unwrap(), coord::Pushed::Duplicate);
    assert_eq!(c.duplicates(), 1);
    assert_eq!(c.len(), 1);
    assert_eq!(c.post_user(0), c.user_id("a").unwrap());
}

#[test]
fn bad_parameters_are_rejected() {
    let c = Corpus::new();
    let bad = [
        Params {
            window: -1,
            ..Params::default()
        },
        Params {
            min_weight: 0,
            ..Params::default()
        },
        Params {
            similarity: 0.0,
            ..Params::default()
        },
        Params {
            similarity: f64::NAN,
            ..Params::default()
        },
    ];
    for p in bad {
        let err = compute(&c, Network::CoPost, &p).unwrap_err();
        assert!(!err.to_string().is_empty());
    }
    assert!("co_nothing".parse::<Network>().is_err());
    assert_eq!("co_link".parse::<Network>().unwrap(), Network::CoLink);
}

#[test]
fn window_estimate_follows_coornet() {
    let mut c = Corpus::new();
    // Ten URLs each shared by four posts; URL k's shares come at 0, k, 2k, 3k seconds.
    let mut n = 0;
    for k in 1..=10i64 {
        let url = format!("https://x/{k}");
        for j in 0..4 {
            n += 1;
            let id = n.to_string();
            let urls = [url.as_str()];
            c.push(&PostInput {
                id: &id,
                user: &id,
                time: 1000 * k + j * k,
                urls: &urls,
                ..Default::default()
            })
            .unwrap();
        }
    }
    let est = coord::estimate_window(&c, 0.1, 0.5, 1).unwrap();
    // Second-share delays 1..10; the 0.1 quantile is 1.9, so only URL 1 is quick.
    // Its shares: ranks 1..4 of 4; the first rank with rank/4 > 0.5 is 3, delay 2.
    assert_eq!(est.items, 10);
    assert_eq!(est.quick_items, 1);
    assert_eq!(est.window, 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Normalisation and tokenisation accept any text and keep CNT's invariants.
    #[test]
    fn text_functions_never_panic(text in "\\PC{0,40}|[ \\t\\n@'a-zA-Z.,!\u{3000}\u{a0}\u{1c}]{0,30}") {
        let norm = normalize(&text);
        prop_assert!(!norm.starts_with(' ') && !norm.ends_with(' ') && !norm.contains("  "));
        prop_assert!(!norm.contains('@'));
        let tokens = token_set(&text);
        prop_assert!(tokens.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(tokens.iter().all(|t| !t.is_empty() && !t.contains('@') && !t.contains(' ')));
    }
}
