//! Hash banks through the hub on real SQLite files: management, publication as STIX,
//! matching (index equals brute force), access rules, bulk import and export, feedback.

use test_support as common;

use hub::Actor;
use std::sync::Arc;
use store::{BankStore, ObjectStore};

use banks::Error as BankError;
use banks::{EntryFormat, EntryInput, MatchQuery, NewBankRequest};
use common::{new_hub, org_with_user, RO, RW};
use hub::{Hub, HubConfig, ObjectFilter, Principal};
use proptest::prelude::*;
use store::{BankUpdate, FeedbackKind, Labels, Role, SignalType, Tlp};

/// The PDQ reference data in the shared folder.
fn pdq_data() -> String {
    test_data::shared("data/pdq")
}

fn image(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/images/{name}", pdq_data())).expect("shared image")
}

fn input(t: &str, value: &str) -> EntryInput {
    EntryInput {
        signal_type: t.to_string(),
        value: value.to_string(),
        labels: Labels {
            content_type: "image".into(),
            producing_entity: "Example Front".into(),
            behaviour: "glorification".into(),
        },
    }
}

fn pdq_query(v: &str) -> MatchQuery {
    MatchQuery {
        signal_type: SignalType::Pdq,
        value: v.to_string(),
    }
}

/// An owner org (analyst), a partner org (analyst) with read access, an outsider org, one
/// collection "hashes" written by the owner.
struct World {
    t: common::TestHub,
    banks: banks::Banks,
    owner: Principal,
    partner: Principal,
    outsider: Principal,
}

fn world() -> World {
    let t = new_hub();
    let hub = &t.hub;
    let owner = org_with_user(hub, "owner", "olive", Role::Analyst);
    let partner = org_with_user(hub, "partner", "paul", Role::Analyst);
    let outsider = org_with_user(hub, "outsider", "otto", Role::Analyst);
    hub.add_collection(Actor::Operator, "hashes", "Hashes", "", Some(Tlp::Amber))
        .unwrap();
    hub.grant(Actor::Operator, "owner", "hashes", RW).unwrap();
    hub.grant(Actor::Operator, "partner", "hashes", RW).unwrap();
    let banks = banks::Banks::new(t.hub.clone(), t.store.clone()).unwrap();
    World {
        t,
        banks,
        owner,
        partner,
        outsider,
    }
}

fn hex_with_bits(base: &[u8; 32], flips: &[usize]) -> String {
    let mut b = *base;
    for &k in flips {
        b[k / 8 % 32] ^= 1 << (k % 8);
    }
    hex::encode(b)
}

#[test]
fn bank_lifecycle_publication_and_matching() {
    let w = world();
    let hub = &w.t.hub;
    let banks = &w.banks;
    let bank = banks
        .create_bank(
            &w.owner,
            &NewBankRequest {
                description: Some("Terrorist content".into()),
                ..NewBankRequest::new("tvec", "hashes", Tlp::Amber)
            },
        )
        .unwrap();
    assert_eq!(bank.owner_org_id, w.owner.org.id);

    let bridge = banks::hash_image(&image("bridge-1-original.jpg")).unwrap();
    assert_eq!(
        bridge.pdq,
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    );
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let added = banks
        .add_entries(
            &w.owner,
            "tvec",
            &[
                input("pdq", &bridge.pdq.to_uppercase()),
                input("md5", md5),
                input("sha256", &bridge.sha256),
            ],
        )
        .unwrap();
    assert_eq!(added.len(), 3);
    assert_eq!(
        added[0].value, bridge.pdq,
        "values are stored in lower case"
    );

    // The partner matches the image: PDQ at distance 0 and the SHA-256.
    let (hashes, hits) = banks
        .match_image(&w.partner, &image("bridge-1-original.jpg"), None)
        .unwrap();
    assert_eq!(hashes, bridge);
    let got: Vec<(i64, u32)> = hits.iter().map(|m| (m.entry.id, m.distance)).collect();
    assert_eq!(got, [(added[0].id, 0), (added[2].id, 0)]);
    assert!(hits.iter().all(|m| m.bank == "tvec"));
    // A rotated copy is far in PDQ distance; the flipped original hash at 10 bits matches.
    let near = hex_with_bits(
        &hex::decode(&bridge.pdq).unwrap().try_into().unwrap(),
        &[1, 50, 99, 140, 200, 201, 202, 203, 250, 255],
    );
    let r = banks
        .match_hashes(&w.partner, &[pdq_query(&near)], None)
        .unwrap();
    assert_eq!(r[0].len(), 1);
    assert_eq!(r[0][0].distance, 10);
    assert!(banks
        .match_hashes(&w.partner, &[pdq_query(&near)], Some(9))
        .unwrap()[0]
        .is_empty());
    let r = banks
        .match_hashes(
            &w.partner,
            &[MatchQuery {
                signal_type: SignalType::Md5,
                value: md5.to_uppercase(),
            }],
            None,
        )
        .unwrap();
    assert_eq!(r[0][0].entry.id, added[1].id);

    // The outsider has no grant: no bank, no match.
    assert!(banks.list_banks(&w.outsider).unwrap().is_empty());
    assert!(matches!(
        banks.get_bank(&w.outsider, "tvec"),
        Err(BankError::UnknownBank { .. })
    ));
    assert!(banks
        .match_hashes(&w.outsider, &[pdq_query(&bridge.pdq)], None)
        .unwrap()[0]
        .is_empty());

    // Every entry is an indicator in the collection, by the contributor, with the TLP.
    let col = hub.collection_for(&w.partner, "hashes").unwrap().0;
    let page = hub
        .get_objects(&w.partner, &col.id, &ObjectFilter::default(), None, None)
        .unwrap();
    assert_eq!(page.objects.len(), 3);
    let ind = page
        .objects
        .iter()
        .find(|o| o["id"] == added[0].stix_id.as_str())
        .unwrap();
    assert_eq!(
        ind["pattern"],
        format!("[file:hashes.'PDQ' = '{}']", bridge.pdq)
    );
    assert_eq!(ind["created_by_ref"], w.owner.org.identity_id.as_str());
    assert_eq!(ind["object_marking_refs"][0], Tlp::Amber.marking_id());
    assert_eq!(
        ind["labels"],
        serde_json::json!([
            "content_type:image",
            "producing_entity:Example Front",
            "behaviour:glorification"
        ])
    );

    // Only the contributor may disable; disabling keeps the record, stops matching at once
    // and publishes a revoked version.
    assert!(matches!(
        banks.set_entry_enabled(&w.partner, "tvec", added[0].id, false),
        Err(BankError::Forbidden(_))
    ));
    let off = banks
        .set_entry_enabled(&w.owner, "tvec", added[0].id, false)
        .unwrap();
    assert!(!off.enabled);
    assert!(banks
        .match_hashes(&w.partner, &[pdq_query(&bridge.pdq)], None)
        .unwrap()[0]
        .is_empty());
    let page = hub
        .get_objects(&w.partner, &col.id, &ObjectFilter::default(), None, None)
        .unwrap();
    let revoked = page
        .objects
        .iter()
        .find(|o| o["id"] == added[0].stix_id.as_str())
        .unwrap();
    assert_eq!(revoked["revoked"], true);
    let (kept, _) = banks.get_entry(&w.partner, "tvec", added[0].id).unwrap();
    assert!(!kept.enabled);
    // Enabling publishes a new indicator and matches again.
    let on = banks
        .set_entry_enabled(&w.owner, "tvec", added[0].id, true)
        .unwrap();
    assert_ne!(on.stix_id, added[0].stix_id);
    assert_eq!(
        banks
            .match_hashes(&w.partner, &[pdq_query(&bridge.pdq)], None)
            .unwrap()[0]
            .len(),
        1
    );

    // A disabled bank matches nothing; only the owner may change it.
    let off = BankUpdate {
        enabled: Some(false),
        ..BankUpdate::default()
    };
    assert!(matches!(
        banks.update_bank(&w.partner, "tvec", &off),
        Err(BankError::Forbidden(_))
    ));
    banks.update_bank(&w.owner, "tvec", &off).unwrap();
    assert!(banks
        .match_hashes(&w.partner, &[pdq_query(&bridge.pdq)], None)
        .unwrap()[0]
        .is_empty());
    banks
        .update_bank(
            &w.owner,
            "tvec",
            &BankUpdate {
                enabled: Some(true),
                ..BankUpdate::default()
            },
        )
        .unwrap();

    // A hub reopened on the same file rebuilds the index with the same results.
    let before = banks
        .match_hashes(&w.partner, &[pdq_query(&near)], None)
        .unwrap();
    let store = Arc::new(store_sqlite::SqliteStore::open(&w.t.dir.path().join("hub.db")).unwrap());
    let again = Hub::new(store.clone(), HubConfig::new([42u8; 32])).unwrap();
    let again = banks::Banks::new(again, store).unwrap();
    let after = again
        .match_hashes(&w.partner, &[pdq_query(&near)], None)
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(after[0].len(), 1);
}

#[test]
fn bad_input_is_refused_and_stores_nothing() {
    let w = world();
    let hub = &w.t.hub;
    let banks = &w.banks;
    banks
        .create_bank(&w.owner, &NewBankRequest::new("b", "hashes", Tlp::Green))
        .unwrap();
    let col = hub.collection_for(&w.owner, "hashes").unwrap().0;
    let count = || w.t.store.count_objects(&col.id).unwrap();
    let n0 = count();
    let bad = [
        input("pdq", "abc"),
        input("pdq", &"g".repeat(64)),
        input("md5", &"0".repeat(64)),
        input("sha1", &"0".repeat(40)),
    ];
    for b in &bad {
        let ok = input("pdq", &"1".repeat(64));
        let e = banks
            .add_entries(&w.owner, "b", &[ok, b.clone()])
            .unwrap_err();
        assert!(matches!(e, BankError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("entries[1]"), "{e}");
    }
    assert!(matches!(
        banks.add_entries(&w.owner, "nope", &[input("pdq", &"1".repeat(64))]),
        Err(BankError::UnknownBank { .. })
    ));
    // Duplicates within the input, then against the bank.
    let v = "2".repeat(64);
    assert!(banks
        .add_entries(&w.owner, "b", &[input("pdq", &v), input("pdq", &v)])
        .is_err());
    assert_eq!(count(), n0, "refused input publishes nothing");
    assert!(w.t.store.list_entries(None, 0, 10).unwrap().is_empty());
    banks
        .add_entries(&w.owner, "b", &[input("pdq", &v)])
        .unwrap();
    assert!(matches!(
        banks.add_entries(
            &w.owner,
            "b",
            &[input("pdq", &"3".repeat(64)), input("pdq", &v)]
        ),
        Err(BankError::Conflict(_))
    ));
    assert_eq!(w.t.store.list_entries(None, 0, 10).unwrap().len(), 1);

    // Images: empty, truncated, not an image, low quality.
    for (bytes, what) in [
        (Vec::new(), "0 bytes"),
        (
            image("bridge-1-original.jpg")[..2000].to_vec(),
            "corrupt or truncated",
        ),
        (b"hello, not an image".to_vec(), "not a recognised image"),
    ] {
        let e = banks.match_image(&w.partner, &bytes, None).unwrap_err();
        assert!(
            matches!(e, BankError::Invalid { ref field, .. } if field == "image"),
            "{e}"
        );
        assert!(e.to_string().contains(what), "{e}");
    }
    let e = banks
        .match_image(&w.partner, &image("q0003.png"), None)
        .unwrap_err();
    assert!(e.to_string().contains("quality is 3"), "{e}");
    assert!(banks
        .match_hashes(&w.partner, &[pdq_query("xyz")], None)
        .is_err());
    assert!(banks
        .match_hashes(&w.partner, &[pdq_query(&v)], Some(257))
        .is_err());
    // Readers may not change banks.
    let reader = org_with_user(hub, "owner", "rita", Role::Reader);
    assert!(matches!(
        banks.add_entries(&reader, "b", &[input("pdq", &"4".repeat(64))]),
        Err(BankError::Forbidden(_))
    ));
}

#[test]
fn import_export_and_feedback() {
    let w = world();
    let banks = &w.banks;
    banks
        .create_bank(&w.owner, &NewBankRequest::new("imp", "hashes", Tlp::Green))
        .unwrap();
    let a = "a".repeat(64);
    let csv = format!(
        "value,signal_type,behaviour\n{a},pdq,\"recruit, incite\"\n{},md5,\n",
        "b".repeat(32)
    );
    let added = banks
        .import_entries(&w.owner, "imp", EntryFormat::Csv, csv.as_bytes())
        .unwrap();
    assert_eq!(added.len(), 2);
    assert_eq!(added[0].labels.behaviour, "recruit, incite");

    // Errors name the line and column; nothing is stored.
    let bad = format!("signal_type,value\npdq,{a}0\n");
    let e = banks
        .import_entries(&w.owner, "imp", EntryFormat::Csv, bad.as_bytes())
        .unwrap_err();
    assert!(e.to_string().contains("line 2, column 2 (value)"), "{e}");
    let e = banks
        .import_entries(&w.owner, "imp", EntryFormat::Csv, b"kind,value\n")
        .unwrap_err();
    assert!(e.to_string().contains("line 1, column 1"), "{e}");
    let e = banks
        .import_entries(
            &w.owner,
            "imp",
            EntryFormat::Json,
            br#"{"entries": [{"signal_type": "md5", "value": "00"}]}"#,
        )
        .unwrap_err();
    assert!(e.to_string().contains("entries[0].value"), "{e}");
    assert_eq!(w.t.store.list_entries(None, 0, 10).unwrap().len(), 2);

    let json = format!(
        r#"{{"entries": [{{"signal_type": "sha256", "value": "{}", "content_type": "video"}}]}}"#,
        "c".repeat(64)
    );
    banks
        .import_entries(&w.partner, "imp", EntryFormat::Json, json.as_bytes())
        .unwrap();

    let csv_out = banks
        .export_entries(&w.partner, "imp", EntryFormat::Csv)
        .unwrap();
    let lines: Vec<&str> = csv_out.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("id,signal_type,value,"));
    assert!(lines[1].contains("\"recruit, incite\""));
    assert!(lines[3].contains(",partner,"));
    // An export imports back into another bank unchanged.
    banks
        .create_bank(&w.owner, &NewBankRequest::new("copy", "hashes", Tlp::Green))
        .unwrap();
    let back = banks
        .import_entries(&w.owner, "copy", EntryFormat::Csv, csv_out.as_bytes())
        .unwrap();
    let pairs = |v: &[store::BankEntry]| -> Vec<(SignalType, String, Labels)> {
        v.iter()
            .map(|e| (e.signal_type, e.value.clone(), e.labels.clone()))
            .collect()
    };
    let originals = w.t.store.list_entries(None, 0, 3).unwrap();
    assert_eq!(pairs(&back), pairs(&originals));
    let json_out = banks
        .export_entries(&w.partner, "imp", EntryFormat::Json)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 3);
    assert_eq!(v["entries"][2]["content_type"], "video");
    // Each export is in the audit log, as the exporting user, about its organisation.
    let exports: Vec<(String, String, String)> =
        w.t.hub
            .audit_log(Actor::Operator, 0, 1000)
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "export")
            .map(|r| (r.actor, r.target, r.target_org.unwrap_or_default()))
            .collect();
    let want = (
        "paul".to_string(),
        "bank owner:imp".to_string(),
        "partner".to_string(),
    );
    assert_eq!(exports, vec![want.clone(), want]);

    // Feedback, one per organisation, counted per entry.
    let id = added[0].id;
    banks
        .give_feedback(&w.owner, "imp", id, FeedbackKind::TruePositive)
        .unwrap();
    let c = banks
        .give_feedback(&w.partner, "imp", id, FeedbackKind::FalsePositive)
        .unwrap();
    assert_eq!((c.true_positive, c.false_positive), (1, 1));
    let c = banks
        .give_feedback(&w.partner, "imp", id, FeedbackKind::DisagreeLabels)
        .unwrap();
    assert_eq!(
        (c.true_positive, c.false_positive, c.disagree_labels),
        (1, 0, 1)
    );
    assert!(matches!(
        banks.give_feedback(&w.outsider, "imp", id, FeedbackKind::TruePositive),
        Err(BankError::UnknownBank { .. })
    ));
    assert!(matches!(
        banks.give_feedback(&w.partner, "imp", 99_999, FeedbackKind::TruePositive),
        Err(BankError::UnknownEntry { .. })
    ));
}

#[test]
fn haystack_needles_equal_brute_force() {
    let w = world();
    let banks = &w.banks;
    banks
        .create_bank(&w.owner, &NewBankRequest::new("hay", "hashes", Tlp::Green))
        .unwrap();
    let hay: Vec<String> = std::fs::read_to_string(format!("{}/haystack.txt", pdq_data()))
        .unwrap()
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect();
    let mut uniq = hay.clone();
    uniq.sort();
    uniq.dedup();
    let inputs: Vec<EntryInput> = uniq.iter().map(|h| input("pdq", h)).collect();
    let added = banks.add_entries(&w.owner, "hay", &inputs).unwrap();
    let needles: Vec<String> = std::fs::read_to_string(format!("{}/needles.txt", pdq_data()))
        .unwrap()
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect();
    let queries: Vec<MatchQuery> = needles.iter().map(|n| pdq_query(n)).collect();
    let got = banks.match_hashes(&w.partner, &queries, None).unwrap();
    let mut total = 0;
    for (n, list) in needles.iter().zip(&got) {
        let q = pdq::PdqHash::from_hex(n).unwrap();
        let mut want: Vec<(u32, i64)> = added
            .iter()
            .filter_map(|e| {
                let d = q.distance(&pdq::PdqHash::from_hex(&e.value).unwrap());
                (d <= 31).then_some((d, e.id))
            })
            .collect();
        want.sort();
        let have: Vec<(u32, i64)> = list.iter().map(|m| (m.distance, m.entry.id)).collect();
        assert_eq!(have, want, "needle {n}");
        total += have.len();
    }
    assert!(total > 0, "the needles find something in the haystack");
}

/// One operation of the random model.
#[derive(Debug, Clone)]
enum Op {
    Add {
        bank: usize,
        base: usize,
        flips: Vec<usize>,
    },
    Toggle(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, 0..4usize, prop::collection::vec(0..256usize, 0..40))
            .prop_map(|(bank, base, flips)| Op::Add { bank, base, flips }),
        1 => (0..64usize).prop_map(Op::Toggle),
    ]
}

const BANKS: [(&str, Tlp, bool); 3] = [
    ("green", Tlp::Green, true),
    ("red", Tlp::Red, true),
    // Published to a collection the partner may not read.
    ("hidden", Tlp::Clear, false),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// After random adds (planted near neighbours at distances 0 to 40) and disables, the
    /// hub's matches equal a brute-force scan of the store over the banks the caller may use;
    /// RED and unreadable banks never match for an organisation that may not read them.
    #[test]
    fn index_equals_brute_force_and_respects_access(
        ops in prop::collection::vec(op(), 1..30),
        threshold in 20u32..40,
    ) {
        let w = world();
        let hub = &w.t.hub;
    let banks = &w.banks;
        hub.add_collection(Actor::Operator, "secret", "Secret", "", None).unwrap();
        hub.grant(Actor::Operator, "owner", "secret", RW).unwrap();
        hub.grant(Actor::Operator, "outsider", "hashes", RO).unwrap();
        for (name, tlp, shared) in BANKS {
            let col = if shared { "hashes" } else { "secret" };
            banks.create_bank(&w.owner, &NewBankRequest::new(name, col, tlp)).unwrap();
        }
        let bases: Vec<[u8; 32]> = (0..4u8).map(|i| [i.wrapping_mul(37) ^ 0x5a; 32]).collect();
        let mut ids: Vec<i64> = Vec::new();
        for op in ops {
            match op {
                Op::Add { bank, base, flips } => {
                    let mut flips = flips;
                    flips.sort();
                    flips.dedup();
                    let v = hex_with_bits(&bases[base], &flips);
                    let r = banks.add_entries(&w.owner, BANKS[bank].0, &[input("pdq", &v)]);
                    if let Ok(mut e) = r {
                        ids.push(e.remove(0).id);
                    }
                }
                Op::Toggle(k) => {
                    if let Some(&id) = ids.get(k % ids.len().max(1)) {
                        let bank = w.t.store.entry_by_id(id).unwrap().unwrap();
                        let name = w.t.store.bank_by_id(bank.bank_id).unwrap().unwrap().name;
                        banks.set_entry_enabled(&w.owner, &name, id, !bank.enabled).unwrap();
                    }
                }
            }
        }
        let all = w.t.store.list_entries(None, 0, 10_000).unwrap();
        for who in [&w.owner, &w.partner, &w.outsider] {
            let usable: Vec<i64> = banks.list_banks(who).unwrap().iter().map(|b| b.id).collect();
            for base in &bases {
                let q = hex::encode(base);
                let got = banks.match_hashes(who, &[pdq_query(&q)], Some(threshold)).unwrap();
                let have: Vec<(u32, i64)> =
                    got[0].iter().map(|m| (m.distance, m.entry.id)).collect();
                let qh = pdq::PdqHash::from_hex(&q).unwrap();
                let mut want: Vec<(u32, i64)> = all
                    .iter()
                    .filter(|e| e.enabled && usable.contains(&e.bank_id))
                    .filter_map(|e| {
                        let d = qh.distance(&pdq::PdqHash::from_hex(&e.value).unwrap());
                        (d <= threshold).then_some((d, e.id))
                    })
                    .collect();
                want.sort();
                prop_assert_eq!(&have, &want);
                if who.org.id != w.owner.org.id {
                    // RED and the unreadable collection's bank are the owner's alone.
                    for m in &got[0] {
                        prop_assert_eq!(m.bank.as_str(), "green");
                    }
                }
            }
        }
    }
}

/// A match asks for at most threshold 63, gets its 100 nearest matches per hash and 10,000
/// per request, and says when a list was cut.
#[test]
fn match_threshold_and_result_caps() {
    use banks::{MAX_MATCHES_PER_QUERY, MAX_MATCHES_PER_REQUEST, MAX_THRESHOLD};
    let w = world();
    let banks = &w.banks;
    banks
        .create_bank(&w.owner, &NewBankRequest::new("many", "hashes", Tlp::Green))
        .unwrap();
    let base = [0x3cu8; 32];
    let q = hex::encode(base);
    // About 300 entries 1 to 40 bits from the base.
    let mut values: Vec<String> = (0..300usize)
        .map(|i| {
            let n = 1 + i % 40;
            let mut f: Vec<usize> = (0..n).map(|k| (i * 7 + k * 13) % 256).collect();
            f.sort();
            f.dedup();
            hex_with_bits(&base, &f)
        })
        .collect();
    values.sort();
    values.dedup();
    let inputs: Vec<EntryInput> = values.iter().map(|v| input("pdq", v)).collect();
    let added = banks.add_entries(&w.owner, "many", &inputs).unwrap();
    assert!(added.len() > 200);

    for t in [MAX_THRESHOLD + 1, 256, 10_000] {
        let e = banks
            .match_hashes(&w.partner, &[pdq_query(&q)], Some(t))
            .unwrap_err();
        assert!(
            matches!(&e, BankError::Invalid { field, .. } if field == "threshold"),
            "{e:?}"
        );
    }
    let got = banks
        .match_hashes(&w.partner, &[pdq_query(&q)], Some(MAX_THRESHOLD))
        .unwrap();
    assert_eq!(got[0].len(), MAX_MATCHES_PER_QUERY);
    assert!(got[0].truncated);
    let qh = pdq::PdqHash::from_hex(&q).unwrap();
    let mut want: Vec<(u32, i64)> = added
        .iter()
        .map(|e| {
            (
                qh.distance(&pdq::PdqHash::from_hex(&e.value).unwrap()),
                e.id,
            )
        })
        .collect();
    want.sort();
    want.truncate(MAX_MATCHES_PER_QUERY);
    let have: Vec<(u32, i64)> = got[0].iter().map(|m| (m.distance, m.entry.id)).collect();
    assert_eq!(have, want, "the nearest 100, by distance then id");
    // A narrow threshold that fits is not truncated.
    let few = banks
        .match_hashes(&w.partner, &[pdq_query(&q)], Some(2))
        .unwrap();
    assert!(!few[0].is_empty() && few[0].len() < MAX_MATCHES_PER_QUERY);
    assert!(!few[0].truncated);

    // The per-request budget: later hashes get nothing, and say so.
    let queries = vec![pdq_query(&q); 150];
    let got = banks
        .match_hashes(&w.partner, &queries, Some(MAX_THRESHOLD))
        .unwrap();
    let total: usize = got.iter().map(|l| l.len()).sum();
    assert_eq!(total, MAX_MATCHES_PER_REQUEST);
    assert!(got.iter().all(|l| l.truncated));
    assert!(got[149].is_empty());
}

/// Bank names are unique per organisation: another organisation's invisible bank of the same
/// name neither blocks a new bank nor changes the answer; a shared name is resolved to the
/// caller's own bank, or named as ORG:NAME.
#[test]
fn bank_names_are_per_organisation() {
    let w = world();
    let hub = &w.t.hub;
    let banks = &w.banks;
    hub.add_collection(Actor::Operator, "secret", "Secret", "", None)
        .unwrap();
    hub.grant(Actor::Operator, "owner", "secret", RW).unwrap();
    // The owner's bank is invisible to the partner.
    banks
        .create_bank(&w.owner, &NewBankRequest::new("tvec", "secret", Tlp::Amber))
        .unwrap();
    let theirs = banks
        .create_bank(
            &w.partner,
            &NewBankRequest::new("tvec", "hashes", Tlp::Amber),
        )
        .unwrap();
    assert_eq!(theirs.owner_org_id, w.partner.org.id);
    // A second bank of the same name in one organisation conflicts, with the same message
    // whether or not another organisation has the name.
    let dup = |p: &Principal, name: &str| match banks
        .create_bank(p, &NewBankRequest::new(name, "hashes", Tlp::Amber))
    {
        Err(BankError::Conflict(m)) => m.replace(name, "NAME"),
        other => panic!("expected a conflict, got {other:?}"),
    };
    banks
        .create_bank(
            &w.partner,
            &NewBankRequest::new("solo", "hashes", Tlp::Amber),
        )
        .unwrap();
    assert_eq!(dup(&w.partner, "tvec"), dup(&w.partner, "solo"));
    // Each organisation's NAME is its own bank.
    assert_eq!(banks.get_bank(&w.partner, "tvec").unwrap().id, theirs.id);
    assert_eq!(
        banks.get_bank(&w.owner, "tvec").unwrap().owner_org_id,
        w.owner.org.id
    );
    // The owner's secret bank is not found by its qualified name either.
    assert!(matches!(
        banks.get_bank(&w.partner, "owner:tvec"),
        Err(BankError::UnknownBank { .. })
    ));
    assert_eq!(
        banks.get_bank(&w.partner, "partner:tvec").unwrap().id,
        theirs.id
    );
    // Two visible banks of other organisations: ambiguous, and the message names both.
    banks
        .create_bank(
            &w.owner,
            &NewBankRequest::new("shared", "hashes", Tlp::Green),
        )
        .unwrap();
    banks
        .create_bank(
            &w.partner,
            &NewBankRequest::new("shared", "hashes", Tlp::Green),
        )
        .unwrap();
    let third = org_with_user(hub, "third", "tom", Role::Analyst);
    hub.grant(Actor::Operator, "third", "hashes", RO).unwrap();
    match banks.get_bank(&third, "shared") {
        Err(BankError::Invalid { field, message }) => {
            assert_eq!(field, "bank");
            assert!(message.contains("owner:shared") && message.contains("partner:shared"));
        }
        other => panic!("expected an ambiguity, got {other:?}"),
    }
    assert_eq!(
        banks.get_bank(&third, "owner:shared").unwrap().owner_org_id,
        w.owner.org.id
    );
}

/// A bank's TLP change re-marks its published indicators: the latest version carries the new
/// marking, and after a raise no version at the old marking is readable by anyone.
#[test]
fn tlp_change_remarks_published_indicators() {
    use store::VersionFilter;
    let w = world();
    let hub = &w.t.hub;
    let banks = &w.banks;
    hub.grant(Actor::Operator, "outsider", "hashes", RO)
        .unwrap();
    banks
        .create_bank(&w.owner, &NewBankRequest::new("tvec", "hashes", Tlp::Green))
        .unwrap();
    banks
        .add_entries(&w.owner, "tvec", &[input("md5", &"1".repeat(32))])
        .unwrap();
    banks
        .add_entries(&w.partner, "tvec", &[input("md5", &"2".repeat(32))])
        .unwrap();
    let gone = banks
        .add_entries(&w.owner, "tvec", &[input("md5", &"3".repeat(32))])
        .unwrap();
    banks
        .set_entry_enabled(&w.owner, "tvec", gone[0].id, false)
        .unwrap();
    let all = hub::ObjectFilter {
        types: vec!["indicator".into()],
        versions: VersionFilter {
            all: true,
            ..VersionFilter::default()
        },
        ..hub::ObjectFilter::default()
    };
    let latest = hub::ObjectFilter {
        types: vec!["indicator".into()],
        ..hub::ObjectFilter::default()
    };
    let col = banks.get_bank(&w.owner, "tvec").unwrap().collection_id;
    let marking = |o: &serde_json::Value| o["object_marking_refs"][0].as_str().unwrap().to_string();
    assert_eq!(common::read_all(hub, &w.outsider, &col, &all).len(), 4);

    // GREEN -> RED: the outsider sees nothing at all, even asking for every version.
    let update = |tlp| BankUpdate {
        tlp: Some(tlp),
        ..BankUpdate::default()
    };
    banks
        .update_bank(&w.owner, "tvec", &update(Tlp::Red))
        .unwrap();
    assert!(common::read_all(hub, &w.outsider, &col, &all).is_empty());
    let owner_all = common::read_all(hub, &w.owner, &col, &all);
    assert_eq!(
        owner_all.len(),
        2,
        "only the RED versions of the enabled entries remain"
    );
    assert!(owner_all
        .iter()
        .all(|o| marking(o) == Tlp::Red.marking_id()));
    // The partner's entry stays its own indicator, re-marked in its name.
    let partner_sees = common::read_all(hub, &w.partner, &col, &latest);
    assert_eq!(partner_sees.len(), 1);
    assert_eq!(
        partner_sees[0]["created_by_ref"],
        w.partner.org.identity_id.as_str()
    );

    // RED -> GREEN: the latest versions are GREEN; the older RED ones stay RED.
    banks
        .update_bank(&w.owner, "tvec", &update(Tlp::Green))
        .unwrap();
    let out_latest = common::read_all(hub, &w.outsider, &col, &latest);
    assert_eq!(out_latest.len(), 2);
    assert!(out_latest
        .iter()
        .all(|o| marking(o) == Tlp::Green.marking_id()));
    assert_eq!(common::read_all(hub, &w.outsider, &col, &all).len(), 2);
    assert_eq!(common::read_all(hub, &w.owner, &col, &all).len(), 4);
    // Entries still disable and enable after re-marking.
    let e = w.t.store.list_entries(None, 0, 10).unwrap()[0].clone();
    banks
        .set_entry_enabled(&w.owner, "tvec", e.id, false)
        .unwrap();
    banks
        .set_entry_enabled(&w.owner, "tvec", e.id, true)
        .unwrap();
}

fn tlp_strategy() -> impl Strategy<Value = Tlp> {
    prop_oneof![
        Just(Tlp::Clear),
        Just(Tlp::Green),
        Just(Tlp::Amber),
        Just(Tlp::AmberStrict),
        Just(Tlp::Red),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// After any sequence of TLP changes, an organisation that may not use the bank at its
    /// current level reads no version of its indicators, and one that may reads the current
    /// marking as every indicator's latest version.
    #[test]
    fn remarking_never_leaves_a_readable_looser_version(
        start in tlp_strategy(),
        changes in prop::collection::vec(tlp_strategy(), 1..5),
        disable_one in any::<bool>(),
        reenable in any::<bool>(),
    ) {
        let w = world();
        let hub = &w.t.hub;
    let banks = &w.banks;
        hub.grant(Actor::Operator, "outsider", "hashes", RO).unwrap();
        banks.create_bank(&w.owner, &NewBankRequest::new("b", "hashes", Tlp::Green)).unwrap();
        let added = banks
            .add_entries(&w.owner, "b", &[input("md5", &"1".repeat(32)), input("md5", &"2".repeat(32))])
            .unwrap();
        banks.add_entries(&w.partner, "b", &[input("md5", &"3".repeat(32))]).unwrap();
        if disable_one {
            banks.set_entry_enabled(&w.owner, "b", added[0].id, false).unwrap();
            // Enabled again, the entry is a new indicator; the revoked one must follow too.
            if reenable {
                banks.set_entry_enabled(&w.owner, "b", added[0].id, true).unwrap();
            }
        }
        let col = banks.get_bank(&w.owner, "b").unwrap().collection_id;
        let every = hub::ObjectFilter {
            types: vec!["indicator".into()],
            versions: store::VersionFilter { all: true, ..store::VersionFilter::default() },
            ..hub::ObjectFilter::default()
        };
        let latest = hub::ObjectFilter { types: vec!["indicator".into()], ..hub::ObjectFilter::default() };
        for tlp in std::iter::once(start).chain(changes) {
            banks.update_bank(&w.owner, "b", &BankUpdate { tlp: Some(tlp), ..BankUpdate::default() }).unwrap();
            let bank = w.t.store.bank_by_name(w.owner.org.id, "b").unwrap().unwrap();
            for who in [&w.owner, &w.partner, &w.outsider] {
                let usable = banks.may_use_bank(who, &bank).unwrap();
                let all = common::read_all(hub, who, &col, &every);
                if !usable {
                    // At RED the partner still sees the indicator it contributed.
                    let foreign: Vec<_> = all
                        .iter()
                        .filter(|o| o["created_by_ref"] != who.org.identity_id.as_str())
                        .collect();
                    prop_assert!(foreign.is_empty(), "{} reads {:?} at {:?}", who.org.slug, foreign, tlp);
                } else {
                    for o in common::read_all(hub, who, &col, &latest) {
                        if o["revoked"] != true {
                            prop_assert_eq!(o["object_marking_refs"][0].as_str(), Some(tlp.marking_id()));
                        }
                    }
                }
            }
        }
    }

    /// Bank names are per organisation: whether another organisation has an invisible bank of
    /// the same name changes neither creating the caller's bank nor finding it.
    #[test]
    fn invisible_banks_of_the_same_name_change_nothing(
        others in prop::collection::vec((any::<bool>(), tlp_strategy()), 0..4),
        mine_first in any::<bool>(),
    ) {
        let w = world();
        let hub = &w.t.hub;
    let banks = &w.banks;
        hub.add_collection(Actor::Operator, "secret", "Secret", "", None).unwrap();
        hub.grant(Actor::Operator, "owner", "secret", RW).unwrap();
        let create_others = || {
            for (i, (visible, tlp)) in others.iter().enumerate() {
                let p = org_with_user(hub, &format!("o{i}"), &format!("u{i}"), Role::Analyst);
                let col = if *visible { "hashes" } else { "secret" };
                hub.grant(Actor::Operator, &format!("o{i}"), col, RW).unwrap();
                let tlp = if *visible { Tlp::Green } else { *tlp };
                banks.create_bank(&p, &NewBankRequest::new("same", col, tlp)).unwrap();
            }
        };
        if !mine_first {
            create_others();
        }
        let mine = banks.create_bank(&w.partner, &NewBankRequest::new("same", "hashes", Tlp::Green)).unwrap();
        if mine_first {
            create_others();
        }
        prop_assert_eq!(banks.get_bank(&w.partner, "same").unwrap().id, mine.id);
        prop_assert!(matches!(
            banks.create_bank(&w.partner, &NewBankRequest::new("same", "hashes", Tlp::Green)),
            Err(BankError::Conflict(_))
        ));
        let listed: Vec<i64> = banks
            .list_banks(&w.partner)
            .unwrap()
            .iter()
            .filter(|b| b.name == "same" && b.owner_org_id != w.partner.org.id)
            .map(|b| b.id)
            .collect();
        for b in w.t.store.banks_named("same").unwrap() {
            if !banks.may_use_bank(&w.partner, &b).unwrap() {
                prop_assert!(!listed.contains(&b.id));
            }
        }
    }
}

/// Issue 9's leftover: an entry disabled and enabled again is published as a new indicator,
/// and its old, revoked indicator must follow the bank's TLP like every other version: after a
/// raise nobody the new level excludes reads any version of it.
#[test]
fn a_reenabled_entrys_old_indicator_follows_a_tlp_raise() {
    let w = world();
    let hub = &w.t.hub;
    let banks = &w.banks;
    hub.grant(Actor::Operator, "outsider", "hashes", RO)
        .unwrap();
    banks
        .create_bank(&w.owner, &NewBankRequest::new("re", "hashes", Tlp::Green))
        .unwrap();
    let added = banks
        .add_entries(&w.owner, "re", &[input("md5", &"7".repeat(32))])
        .unwrap();
    let first = added[0].stix_id.clone();
    banks
        .set_entry_enabled(&w.owner, "re", added[0].id, false)
        .unwrap();
    let again = banks
        .set_entry_enabled(&w.owner, "re", added[0].id, true)
        .unwrap();
    assert_ne!(again.stix_id, first, "enabling publishes a new indicator");
    let every = hub::ObjectFilter {
        types: vec!["indicator".into()],
        versions: store::VersionFilter {
            all: true,
            ..store::VersionFilter::default()
        },
        ..hub::ObjectFilter::default()
    };
    let col = banks.get_bank(&w.owner, "re").unwrap().collection_id;
    let seen = common::read_all(hub, &w.outsider, &col, &every);
    assert_eq!(
        seen.len(),
        3,
        "two versions of the old indicator, one of the new"
    );
    for (tlp, outsider_may) in [(Tlp::Amber, true), (Tlp::Red, false)] {
        banks
            .update_bank(
                &w.owner,
                "re",
                &BankUpdate {
                    tlp: Some(tlp),
                    ..BankUpdate::default()
                },
            )
            .unwrap();
        for who in [&w.owner, &w.partner, &w.outsider] {
            for o in common::read_all(hub, who, &col, &every) {
                assert_eq!(
                    o["object_marking_refs"][0].as_str(),
                    Some(tlp.marking_id()),
                    "{} reads a version of {} looser than {tlp:?}",
                    who.org.slug,
                    o["id"]
                );
            }
        }
        let outsider = common::read_all(hub, &w.outsider, &col, &every);
        assert_eq!(!outsider.is_empty(), outsider_may, "{outsider:?}");
    }
    // The entry still disables and enables at the new level.
    banks
        .set_entry_enabled(&w.owner, "re", added[0].id, false)
        .unwrap();
    banks
        .set_entry_enabled(&w.owner, "re", added[0].id, true)
        .unwrap();
}
