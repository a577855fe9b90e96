//! Property tests: the verdict is the most severe fired outcome, checks never panic, results do
//! not depend on the order of the sponsor list, the date arithmetic is consistent, and creative
//! sniffing never panics and agrees with the creative check.

use crate::common;

use adrules::{check_creative, sniff, Date, Engine, Instant, Limits, Outcome};
use common::{ca, eu, put, run};
use proptest::prelude::*;
use serde_json::{json, Value};

fn engine() -> Engine {
    Engine::shipped().expect("shipped rule sets load")
}

/// A date between 2019 and 2031.
fn day() -> impl Strategy<Value = Date> {
    (0i32..4700).prop_map(|n| Date::parse("2019-01-01").expect("date").add_days(n))
}

/// Random variations of the two valid bases that stay valid.
fn varied_doc() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop_oneof![Just("partisan"), Just("issue"), Just("non_political")],
        day(),
        0i32..60,
        0i32..24,
        0u64..4_000_000,
        prop_oneof![Just("en"), Just("fr"), Just("pa")],
        prop_oneof![Just("CA"), Just("US"), Just("DE"), Just("CN")],
        any::<[bool; 6]>(),
        proptest::option::of(10u8..30),
    )
        .prop_map(
            |(canadian, class, start, len, hour, reach, lang, country, flags, age)| {
                let mut v = if canadian { ca() } else { eu() };
                put(&mut v, "/ad/class", json!(class));
                let end = start.add_days(len);
                run(
                    &mut v,
                    &format!("{start}T{hour:02}:00:00-04:00"),
                    &format!("{end}T23:00:00-04:00"),
                );
                put(
                    &mut v,
                    "/platform/monthly_reach_ca",
                    json!([{"language": lang, "visitors": reach}]),
                );
                put(&mut v, "/sponsors/0/established_in", json!(country));
                if flags[0] {
                    common::drop_field(&mut v, "/ad/creative");
                }
                if flags[1] {
                    common::drop_field(&mut v, "/ad/tagline");
                }
                if flags[2] {
                    common::drop_field(&mut v, "/ad/label");
                }
                if flags[3] {
                    put(
                        &mut v,
                        "/sponsors/0/funding/1",
                        json!({"amount": {"minor": 100, "currency": "USD"}, "origin": country, "source": "public"}),
                    );
                }
                if flags[4] {
                    common::drop_field(&mut v, "/sponsors/0/eu_declaration");
                }
                if flags[5] {
                    put(
                        &mut v,
                        "/ad/targeting/1",
                        json!({"kind": "interest", "personal_data": true, "data_categories": ["health"]}),
                    );
                }
                if let Some(a) = age {
                    put(&mut v, "/ad/targeting/2", json!({"kind": "age", "age_min": a}));
                }
                v
            },
        )
}

/// A random JSON leaf.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,12}".prop_map(Value::from),
        Just(json!("2029-02-29")),
        Just(json!("9999-12-31T23:59:59+23:59")),
        Just(json!("0001-01-01T00:00:00-23:59")),
        Just(json!([])),
        Just(json!({})),
    ]
}

/// Every JSON pointer to a leaf or container in `v`.
fn pointers(v: &Value, prefix: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{prefix}/{k}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// Creative bytes: random bytes, random bytes behind a known signature, or random text.
fn creative_bytes() -> impl Strategy<Value = Vec<u8>> {
    let signatures: [&[u8]; 12] = [
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"GIF87a",
        b"GIF89a",
        b"RIFF\x00\x00\x00\x00WEBP",
        b"\x00\x00\x00\x18ftypisom",
        b"\x1a\x45\xdf\xa3",
        b"ID3",
        b"\xff\xfb",
        b"\xff\xd8",
        b"RIFF",
        b"",
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        (
            proptest::sample::select(signatures.to_vec()),
            proptest::collection::vec(any::<u8>(), 0..32),
        )
            .prop_map(|(sig, tail)| [sig, &tail].concat()),
        "[ -~\t\n\r\u{0}-\u{1f}\u{e9}\u{2014}]{0,48}".prop_map(String::into_bytes),
    ]
}

/// A declared media type: an accepted one in varied spelling, or random text.
fn declared_type() -> impl Strategy<Value = String> {
    let accepted = Limits::default().media_types;
    prop_oneof![
        (proptest::sample::select(accepted), any::<bool>(), ".{0,8}").prop_map(
            |(t, upper, param)| {
                let t = if upper { t.to_uppercase() } else { t };
                format!(" {t} ;{param}")
            }
        ),
        ".{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn sniffing_and_checking_never_panic(bytes in creative_bytes(), declared in declared_type(), max in 0u64..80) {
        let limits = Limits { max_creative_bytes: max, ..Limits::default() };
        let sniffed = sniff(&bytes);
        let checked = check_creative(&declared, &bytes, &limits);
        // A failure always says why, and an empty creative never passes.
        if let Err(e) = &checked {
            prop_assert!(!e.is_empty());
        }
        if bytes.is_empty() {
            prop_assert_eq!(sniffed, None);
            prop_assert!(checked.is_err());
        }
    }

    #[test]
    fn sniffed_type_passes_the_check(bytes in creative_bytes(), max in 0u64..80, upper in any::<bool>()) {
        let limits = Limits { max_creative_bytes: max, ..Limits::default() };
        let within = bytes.len() as u64 <= max;
        match sniff(&bytes) {
            Some(t) => {
                prop_assert!(limits.media_types.iter().any(|m| m == t), "{} is not accepted", t);
                let checked = check_creative(t, &bytes, &limits);
                prop_assert_eq!(checked.is_ok(), within, "{}: {:?}", t, checked);
                // Spelling and parameters of the declared type do not matter.
                let spelled = if upper { format!("{}; x=1", t.to_uppercase()) } else { format!("  {t}  ") };
                prop_assert_eq!(check_creative(&spelled, &bytes, &limits), checked);
            }
            None => {
                // Bytes of no known type pass as no accepted type.
                for t in &limits.media_types {
                    prop_assert!(check_creative(t, &bytes, &limits).is_err(), "{} passed", t);
                }
            }
        }
    }

    #[test]
    fn verdict_is_the_most_severe_fired_outcome(doc in varied_doc()) {
        let r = engine().check_json("p", &doc.to_string());
        let r = match r { Ok(r) => r, Err(e) => return Err(TestCaseError::fail(format!("{e}"))) };
        let most = r.fired.iter().map(|f| f.outcome).max().unwrap_or(Outcome::Accept);
        prop_assert_eq!(r.verdict, most);
        // Fired rules are listed most severe first.
        prop_assert!(r.fired.windows(2).all(|w| w[0].outcome >= w[1].outcome));
        // A non-political ad never fires a rule.
        if doc["ad"]["class"] == "non_political" {
            prop_assert!(r.fired.is_empty());
        }
    }

    #[test]
    fn removing_a_required_field_never_lowers_the_verdict(doc in varied_doc(), which in 0usize..6) {
        let field = ["/ad/creative", "/ad/tagline", "/ad/label", "/ad/notice", "/ad/authorized_by",
            "/sponsors/0/eu_declaration"][which];
        let before = engine().check_json("a", &doc.to_string());
        let mut less = doc.clone();
        common::drop_field(&mut less, field);
        let after = engine().check_json("b", &less.to_string());
        match (before, after) {
            (Ok(b), Ok(a)) => prop_assert!(a.verdict >= b.verdict, "{}: {} -> {}", field, b.verdict, a.verdict),
            (b, a) => return Err(TestCaseError::fail(format!("{b:?} / {a:?}"))),
        }
    }

    #[test]
    fn sponsor_order_does_not_change_the_result(doc in varied_doc(), extra in any::<bool>()) {
        let mut doc = doc;
        if extra {
            put(&mut doc, "/sponsors/1", json!({"id": "other", "legal_name": "Other", "kind": "corporation", "established_in": "FR"}));
        }
        let a = engine().check_json("a", &doc.to_string());
        let mut rev = doc.clone();
        if let Some(arr) = rev["sponsors"].as_array_mut() { arr.reverse(); }
        let b = engine().check_json("b", &rev.to_string());
        prop_assert_eq!(a.ok(), b.ok());
    }

    #[test]
    fn checks_never_panic_on_mutated_documents(canadian in any::<bool>(), pick in any::<prop::sample::Index>(), val in leaf()) {
        let mut v = if canadian { ca() } else { eu() };
        let mut ps = Vec::new();
        pointers(&v, String::new(), &mut ps);
        let p = pick.get(&ps).clone();
        if let Some(slot) = v.pointer_mut(&p) { *slot = val; }
        let _ = engine().check_json("m", &v.to_string());
    }

    #[test]
    fn checks_never_panic_on_arbitrary_text(s in ".{0,200}") {
        let _ = engine().check_json("t", &s);
    }

    #[test]
    fn instants_parse_without_panicking_and_round_trip(s in ".{0,40}") {
        if let Some(i) = Instant::parse(&s) {
            let again = Instant::parse(&i.to_string());
            prop_assert_eq!(again, Some(i));
        }
    }

    #[test]
    fn three_month_window_is_between_89_and_92_days(d in day()) {
        let start = d.add_months(-3);
        let len = d.days() - start.days();
        prop_assert!((89..=92).contains(&len), "{} -> {} is {} days", d, start, len);
        // The window opens on the same day number, or the month's last day when shorter.
        let (_, _, dd) = d.ymd();
        let (_, _, sd) = start.ymd();
        prop_assert!(sd == dd || (sd < dd && start.add_days(1).ymd().2 == 1));
    }

    #[test]
    fn dates_round_trip_through_text(d in day()) {
        prop_assert_eq!(Date::parse(&d.to_string()), Some(d));
    }
}
