//! Notice statistics: nearest-rank percentiles against hand-computed values, and properties.

use proptest::prelude::*;
use response::notice_stats::{stats, Stats, Timing};

fn acked(sent: i64, after: i64) -> Timing {
    Timing {
        sent,
        acknowledged: Some(sent + after),
        decided: None,
        items: 1,
        items_actioned: 0,
    }
}

fn ack_percentiles(durations: &[i64]) -> (Option<i64>, Option<i64>) {
    let timings: Vec<Timing> = durations.iter().map(|d| acked(1_000, *d)).collect();
    let s = stats(&timings);
    (s.acknowledge_median_s, s.acknowledge_p90_s)
}

#[test]
fn nearest_rank_on_ten_values() {
    // Ranks ceil(0.5 * 10) = 5 and ceil(0.9 * 10) = 9.
    let d = [100, 10, 90, 20, 80, 30, 70, 40, 60, 50];
    assert_eq!(ack_percentiles(&d), (Some(50), Some(90)));
}

#[test]
fn nearest_rank_on_eleven_values() {
    // Ranks ceil(5.5) = 6 and ceil(9.9) = 10.
    let d: Vec<i64> = (1..=11).collect();
    assert_eq!(ack_percentiles(&d), (Some(6), Some(10)));
}

#[test]
fn nearest_rank_on_two_values_takes_the_lower_median() {
    assert_eq!(ack_percentiles(&[7, 3]), (Some(3), Some(7)));
}

#[test]
fn nearest_rank_on_one_value() {
    assert_eq!(ack_percentiles(&[42]), (Some(42), Some(42)));
}

#[test]
fn nearest_rank_on_twenty_values() {
    // Ranks 10 and 18.
    let d: Vec<i64> = (1..=20).map(|i| i * 60).collect();
    assert_eq!(ack_percentiles(&d), (Some(600), Some(1_080)));
}

#[test]
fn no_notices_no_statistics() {
    let s = stats(&[]);
    assert_eq!(
        s,
        Stats {
            notices: 0,
            acknowledged: 0,
            decided: 0,
            acknowledge_median_s: None,
            acknowledge_p90_s: None,
            decide_median_s: None,
            decide_p90_s: None,
            items: 0,
            items_actioned: 0,
            share_actioned: None,
        }
    );
}

#[test]
fn pending_notices_count_only_as_notices() {
    let s = stats(&[
        Timing {
            sent: 0,
            acknowledged: Some(30),
            decided: Some(7_200),
            items: 4,
            items_actioned: 3,
        },
        Timing {
            sent: 100,
            acknowledged: None,
            decided: None,
            items: 4,
            items_actioned: 0,
        },
    ]);
    assert_eq!((s.notices, s.acknowledged, s.decided), (2, 1, 1));
    assert_eq!(
        (s.acknowledge_median_s, s.decide_p90_s),
        (Some(30), Some(7_200))
    );
    assert_eq!(
        (s.items, s.items_actioned, s.share_actioned),
        (8, 3, Some(0.375))
    );
}

#[test]
fn a_time_before_sending_counts_as_zero_and_actioned_is_capped() {
    let s = stats(&[Timing {
        sent: 500,
        acknowledged: Some(400),
        decided: Some(450),
        items: 2,
        items_actioned: 5,
    }]);
    assert_eq!(
        (s.acknowledge_median_s, s.decide_median_s),
        (Some(0), Some(0))
    );
    assert_eq!((s.items_actioned, s.share_actioned), (2, Some(1.0)));
}

#[test]
fn stats_serialise_under_their_field_names() {
    let v = serde_json::to_value(stats(&[acked(0, 60)])).unwrap();
    assert_eq!(v["acknowledge_median_s"], 60);
    assert_eq!(v["decide_median_s"], serde_json::Value::Null);
    assert_eq!(v["share_actioned"], 0.0);
}

fn timing() -> impl Strategy<Value = Timing> {
    (
        0i64..1_000_000,
        proptest::option::of(-1_000i64..1_000_000),
        proptest::option::of(-1_000i64..10_000_000),
        0u32..50,
        0u32..60,
    )
        .prop_map(|(sent, ack, dec, items, actioned)| Timing {
            sent,
            acknowledged: ack.map(|a| sent + a),
            decided: dec.map(|d| sent + d),
            items,
            items_actioned: actioned,
        })
}

proptest! {
    #[test]
    fn median_is_at_most_p90_and_both_within_the_range(ts in proptest::collection::vec(timing(), 0..60)) {
        let s = stats(&ts);
        let acks: Vec<i64> = ts.iter().filter_map(|t| t.acknowledged.map(|a| (a - t.sent).max(0))).collect();
        let decs: Vec<i64> = ts.iter().filter_map(|t| t.decided.map(|d| (d - t.sent).max(0))).collect();
        for (values, median, p90) in [
            (acks, s.acknowledge_median_s, s.acknowledge_p90_s),
            (decs, s.decide_median_s, s.decide_p90_s),
        ] {
            match (values.iter().min(), values.iter().max(), median, p90) {
                (Some(min), Some(max), Some(m), Some(p)) => {
                    prop_assert!(m <= p);
                    prop_assert!(*min <= m && p <= *max);
                    prop_assert!(values.contains(&m) && values.contains(&p));
                }
                (None, None, None, None) => {}
                other => prop_assert!(false, "inconsistent: {:?}", other),
            }
        }
        if let Some(share) = s.share_actioned {
            prop_assert!((0.0..=1.0).contains(&share));
        }
        prop_assert_eq!(s.notices, ts.len() as u64);
    }

    #[test]
    fn order_does_not_matter(ts in proptest::collection::vec(timing(), 0..40), seed in any::<u64>()) {
        let mut shuffled = ts.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        shuffled.reverse();
        prop_assert_eq!(stats(&shuffled), stats(&ts));
    }
}
