//! Objects read back as received (issue 9, item 14): random JSON number texts (integers of any
//! length, decimals, exponents, `-0`, big mantissas) and random strings in a custom property,
//! stored in a real SQLite store and read back through every hub read path (objects, object by
//! id, a redacted copy for another organisation, and export) with the number's text unchanged.

use test_support as common;

use common::*;
use hub::{Actor, ObjectFilter};
use proptest::prelude::*;
use serde_json::Value;
use store::{Role, Tlp};

/// The text of a JSON number: sign, integer part, optional fraction and exponent.
fn number_text() -> impl Strategy<Value = String> {
    let int = prop_oneof![
        Just("0".to_string()),
        "[1-9][0-9]{0,40}",
        "[1-9][0-9]{15,20}",
    ];
    let frac = prop::option::of("[0-9]{1,40}");
    let exp = prop::option::of(("[eE]", "[+-]?", "[0-9]{1,3}"));
    (any::<bool>(), int, frac, exp).prop_map(|(neg, int, frac, exp)| {
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(&int);
        if let Some(f) = frac {
            s.push('.');
            s.push_str(&f);
        }
        if let Some((e, sign, digits)) = exp {
            s.push_str(&e);
            s.push_str(&sign);
            s.push_str(&digits);
        }
        s
    })
}

/// A string encoded as JSON text: either serde's encoding or every character as `\u` escapes.
fn string_text() -> impl Strategy<Value = (String, String)> {
    (any::<String>(), any::<bool>()).prop_map(|(s, escape_all)| {
        let text = if escape_all {
            let mut t = String::from("\"");
            for unit in s.encode_utf16() {
                t.push_str(&format!("\\u{unit:04x}"));
            }
            t.push('"');
            t
        } else {
            serde_json::to_string(&s).unwrap_or_default()
        };
        (s, text)
    })
}

/// Whether `text` holds `"prop":number` with the number's exact text.
fn holds(text: &str, prop: &str, number: &str) -> bool {
    let needle = format!("\"{prop}\":{number}");
    text.match_indices(&needle).any(|(i, m)| {
        text[i + m.len()..]
            .chars()
            .next()
            .is_some_and(|c| matches!(c, ',' | '}' | ']'))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn numbers_and_strings_read_back_as_received(
        numbers in prop::collection::vec(number_text(), 1..4),
        (plain, encoded) in string_text(),
    ) {
        let t = new_hub();
        let hub = &t.hub;
        let a = org_with_user(hub, "org-a", "ana", Role::Analyst);
        let b = org_with_user(hub, "org-b", "bob", Role::Analyst);
        let col = hub.add_collection(Actor::Operator, "feed", "Feed", "", Some(Tlp::Green)).unwrap().id;
        hub.grant(Actor::Operator, "org-a", &col, RW).unwrap();
        hub.grant(Actor::Operator, "org-b", &col, RO).unwrap();

        // The object as JSON text, with the numbers written verbatim.
        let id = new_id("indicator");
        let base = granular(indicator(&id, 1), Tlp::Red, &["description"]);
        let base = serde_json::to_string(&base).unwrap();
        let list = numbers.join(",");
        let text = format!(
            "{},\"x_value\":{},\"x_list\":[{list}],\"x_nested\":{{\"n\":{}}},\"x_text\":{encoded}}}",
            base.trim_end_matches('}'), numbers[0], numbers[numbers.len() - 1],
        );
        // Parsed as every interface parses (TAXII, REST, rrm import); whatever it accepts must
        // be stored exactly.
        let sent: Value = match stix::json::from_str(&text) {
            Ok(v) => v,
            Err(e) => return Err(TestCaseError::fail(format!("{text}: {e}"))),
        };
        let status = hub.add_objects(&a, &col, vec![sent.clone()]).unwrap();
        prop_assert_eq!(status.success_count, 1, "{}", status);

        let check = |got: &Value, redacted: bool| -> Result<(), TestCaseError> {
            let out = serde_json::to_string(got).unwrap();
            prop_assert!(holds(&out, "x_value", &numbers[0]), "{} not in {}", numbers[0], out);
            prop_assert!(out.contains(&format!("\"x_list\":[{list}]")), "{} not in {}", list, out);
            prop_assert!(holds(&out, "n", &numbers[numbers.len() - 1]));
            prop_assert_eq!(got["x_text"].as_str(), Some(plain.as_str()));
            if redacted {
                prop_assert!(got.get("description").is_none());
            } else {
                prop_assert_eq!(got, &sent);
            }
            Ok(())
        };
        let f = ObjectFilter::default();
        let page = hub.get_objects(&a, &col, &f, None, None).unwrap();
        prop_assert_eq!(page.objects.len(), 1);
        check(&page.objects[0], false)?;
        let page = hub.get_object(&a, &col, &id, &f, None, None).unwrap();
        check(&page.objects[0], false)?;
        // Another organisation reads the redacted copy (the RED description is removed).
        let page = hub.get_objects(&b, &col, &f, None, None).unwrap();
        prop_assert_eq!(page.objects.len(), 1);
        check(&page.objects[0], true)?;
        let mut exported = Vec::new();
        hub.export(&a, &col, Tlp::Amber, &mut |v| exported.push(v)).unwrap();
        let mine: Vec<&Value> = exported.iter().filter(|o| o["id"] == id.as_str()).collect();
        prop_assert_eq!(mine.len(), 1);
        check(mine[0], true)?;
    }
}

#[test]
fn the_numbers_of_the_issue_keep_their_text() {
    let t = new_hub();
    let hub = &t.hub;
    let a = org_with_user(hub, "org-a", "ana", Role::Analyst);
    let col = hub
        .add_collection(Actor::Operator, "feed", "Feed", "", Some(Tlp::Green))
        .unwrap()
        .id;
    hub.grant(Actor::Operator, "org-a", &col, RW).unwrap();
    let numbers = [
        "0.9852489970647419",
        "123456789012345678901234567890",
        "-0",
        "1E2",
        "-0.0",
        "1.50",
        "18446744073709551616",
    ];
    let mut objs = Vec::new();
    for n in numbers {
        let base = serde_json::to_string(&indicator(&new_id("indicator"), 1)).unwrap();
        let text = format!("{},\"x_value\":{n}}}", base.trim_end_matches('}'));
        objs.push(stix::json::from_str(&text).unwrap());
    }
    let status = hub.add_objects(&a, &col, objs).unwrap();
    assert_eq!(status.success_count, numbers.len(), "{status}");
    let page = hub
        .get_objects(&a, &col, &ObjectFilter::default(), None, None)
        .unwrap();
    let out = serde_json::to_string(&page.objects).unwrap();
    for n in numbers {
        assert!(holds(&out, "x_value", n), "{n} not in {out}");
    }
}
