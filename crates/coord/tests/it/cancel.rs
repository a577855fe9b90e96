//! A stop callback ends a long computation early with `Cancelled`; one that never fires
//! changes nothing.

use std::cell::Cell;

use coord::{compute, compute_until, CoordError, Corpus, Network, Params, PostInput};

fn corpus(n: usize) -> Corpus {
    let mut c = Corpus::new();
    for i in 0..n {
        let id = format!("p{i}");
        let user = format!("u{}", i % 97);
        let text = format!("same words here {}", i % 5);
        let post = PostInput {
            id: &id,
            user: &user,
            text: &text,
            time: i as i64,
            ..Default::default()
        };
        c.push(&post).expect("post");
    }
    c
}

#[test]
fn stop_callback_cancels_and_never_firing_is_identical() {
    let c = corpus(2_000);
    let params = Params {
        window: 1_000_000,
        min_weight: 1,
        ..Params::default()
    };
    for net in [Network::CoPost, Network::CoTweet, Network::CoSimilarTweet] {
        let calls = Cell::new(0usize);
        let stop = || {
            calls.set(calls.get() + 1);
            calls.get() > 2
        };
        assert_eq!(
            compute_until(&c, net, &params, &stop),
            Err(CoordError::Cancelled),
            "{net}"
        );
        assert_eq!(calls.get(), 3, "{net}: stops at the first true answer");
        assert_eq!(
            compute_until(&c, net, &params, &|| false),
            compute(&c, net, &params),
            "{net}"
        );
    }
    assert_eq!(
        compute_until(&c, Network::CoRetweet, &params, &|| true),
        Err(CoordError::Cancelled)
    );
}
