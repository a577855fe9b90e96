//! Hash-bank cases: banks, entries and feedback.

use super::*;

// ---------------------------------------------------------------------------------------
// Hash banks.

pub(crate) fn new_bank(name: &str, owner: i64, collection: &str) -> NewBank {
    NewBank {
        name: name.to_string(),
        description: format!("Bank {name}"),
        owner_org_id: owner,
        tlp: Tlp::Amber,
        collection_id: collection.to_string(),
    }
}

pub(crate) fn new_entry(bank_id: i64, org: i64, t: SignalType, n: u64) -> NewEntry {
    let value = format!("{n:0width$x}", width = t.hex_len());
    NewEntry {
        bank_id,
        signal_type: t,
        value,
        labels: Labels {
            content_type: "image".into(),
            producing_entity: format!("entity {n}"),
            behaviour: String::new(),
        },
        contributor_org_id: org,
        stix_id: indicator_id(n),
        created: 1_700_000_000_000_000 + n as i64,
    }
}

/// Banks: create, read back by id and name, list by name, update, conflicts and unknown
/// owners or collections.
pub fn banks(s: &dyn Backend) {
    let fx = fixture(s);
    let b = s
        .create_bank(&new_bank("zeta", fx.a.id, &fx.c1))
        .expect("create zeta");
    assert!(b.enabled, "a new bank is enabled");
    assert_eq!(s.bank_by_id(b.id).expect("by id"), Some(b.clone()));
    assert_eq!(
        s.bank_by_name(fx.a.id, "zeta").expect("by name"),
        Some(b.clone())
    );
    assert_eq!(s.bank_by_name(fx.a.id, "nope").expect("unknown name"), None);
    assert_eq!(s.bank_by_name(fx.b.id, "zeta").expect("other org"), None);
    let a = s
        .create_bank(&new_bank("alpha", fx.b.id, &fx.c2))
        .expect("create alpha");
    let names: Vec<String> = s
        .list_banks()
        .expect("list")
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["alpha", "zeta"]);
    assert!(matches!(
        s.create_bank(&new_bank("zeta", fx.a.id, &fx.c1)),
        Err(StoreError::Conflict(_))
    ));
    // Names are unique per organisation: another organisation may use the same name.
    let other_zeta = s
        .create_bank(&new_bank("zeta", fx.b.id, &fx.c2))
        .expect("zeta of org b");
    assert_ne!(other_zeta.id, b.id);
    assert_eq!(
        s.bank_by_name(fx.b.id, "zeta").expect("b's zeta"),
        Some(other_zeta.clone())
    );
    assert_eq!(
        s.banks_named("zeta").expect("every zeta"),
        vec![b.clone(), other_zeta.clone()]
    );
    assert!(s.banks_named("nope").expect("no such name").is_empty());
    assert!(matches!(
        s.create_bank(&new_bank("zeta", fx.b.id, &fx.c2)),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_bank(&new_bank("x", 9999, &fx.c1)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.create_bank(&new_bank("y", fx.a.id, "no-such-collection")),
        Err(StoreError::NotFound(_))
    ));
    let u = s
        .update_bank(
            a.id,
            &BankUpdate {
                description: Some("changed".into()),
                tlp: Some(Tlp::Red),
                enabled: Some(false),
            },
        )
        .expect("update");
    assert_eq!(
        (u.description.as_str(), u.tlp, u.enabled),
        ("changed", Tlp::Red, false)
    );
    let same = s
        .update_bank(a.id, &BankUpdate::default())
        .expect("empty update");
    assert_eq!(same, u, "an empty update changes nothing");
    assert!(matches!(
        s.update_bank(9999, &BankUpdate::default()),
        Err(StoreError::NotFound(_))
    ));
}

/// Entries: batch add (all or nothing on a duplicate), reads by id, value and page, and
/// disabling keeps the record.
pub fn bank_entries(s: &dyn Backend) {
    let fx = fixture(s);
    let b1 = s
        .create_bank(&new_bank("one", fx.a.id, &fx.c1))
        .expect("bank one");
    let b2 = s
        .create_bank(&new_bank("two", fx.a.id, &fx.c1))
        .expect("bank two");
    let batch: Vec<NewEntry> = (1..=5)
        .map(|n| new_entry(b1.id, fx.a.id, SignalType::ALL[n as usize % 3], n))
        .collect();
    let added = s.add_entries(&batch).expect("add five");
    assert_eq!(added.len(), 5);
    for (e, n) in added.iter().zip(&batch) {
        assert_eq!(
            (e.bank_id, e.signal_type, &e.value),
            (n.bank_id, n.signal_type, &n.value)
        );
        assert!(e.enabled);
        assert_eq!(e.created, e.updated);
        assert_eq!(s.entry_by_id(e.id).expect("by id").as_ref(), Some(e));
    }
    // The same value in another bank is fine; a duplicate in the same bank refuses the batch.
    s.add_entries(&[new_entry(b2.id, fx.b.id, batch[0].signal_type, 1)])
        .expect("same value, other bank");
    let before = s.list_entries(None, 0, 100).expect("list all").len();
    let dup = vec![
        new_entry(b1.id, fx.a.id, SignalType::Pdq, 100),
        new_entry(b1.id, fx.a.id, batch[0].signal_type, 1),
    ];
    assert!(matches!(s.add_entries(&dup), Err(StoreError::Conflict(_))));
    assert_eq!(
        s.list_entries(None, 0, 100).expect("list all").len(),
        before,
        "a refused batch stores nothing"
    );
    assert!(matches!(
        s.add_entries(&[new_entry(9999, fx.a.id, SignalType::Md5, 7)]),
        Err(StoreError::NotFound(_))
    ));
    // Paging by id, per bank.
    let page1 = s.list_entries(Some(b1.id), 0, 2).expect("page 1");
    let page2 = s
        .list_entries(Some(b1.id), page1[1].id, 10)
        .expect("page 2");
    let ids: Vec<i64> = page1.iter().chain(&page2).map(|e| e.id).collect();
    let want: Vec<i64> = added.iter().map(|e| e.id).collect();
    assert_eq!(ids, want);
    // Lookup by value.
    let found = s
        .entry_by_value(b1.id, batch[2].signal_type, &batch[2].value)
        .expect("by value");
    assert_eq!(found.as_ref(), Some(&added[2]));
    assert_eq!(
        s.entry_by_value(b2.id, SignalType::Sha256, &batch[2].value)
            .expect("absent value"),
        None
    );
    // Disable keeps the record.
    let off = s
        .set_entry_enabled(added[3].id, false, added[3].created + 10, "indicator--x")
        .expect("disable");
    assert!(!off.enabled);
    assert_eq!(off.updated, added[3].created + 10);
    assert_eq!(off.stix_id, "indicator--x");
    assert_eq!(s.entry_by_id(added[3].id).expect("still there"), Some(off));
    // The STIX ids an entry leaves are kept, once each, per bank.
    assert_eq!(
        s.retired_stix_ids(b1.id).expect("one"),
        [(added[3].id, added[3].stix_id.clone())]
    );
    s.set_entry_enabled(added[3].id, true, added[3].created + 20, "indicator--x")
        .expect("same id");
    s.set_entry_enabled(added[3].id, false, added[3].created + 30, "indicator--z")
        .expect("new id");
    assert_eq!(
        s.retired_stix_ids(b1.id).expect("retired"),
        [
            (added[3].id, added[3].stix_id.clone()),
            (added[3].id, "indicator--x".to_string())
        ]
    );
    assert!(s.retired_stix_ids(b2.id).expect("other bank").is_empty());
    assert!(matches!(
        s.set_entry_enabled(9999, false, 0, "indicator--y"),
        Err(StoreError::NotFound(_))
    ));
    let got = s
        .entries_by_ids(&[added[4].id, 9999, added[0].id, added[0].id])
        .expect("by ids");
    let got_ids: Vec<i64> = got.iter().map(|e| e.id).collect();
    assert_eq!(got_ids, [added[0].id, added[4].id]);
}

/// Feedback: one per organisation and entry (a new one replaces it), counted per entry.
pub fn bank_feedback(s: &dyn Backend) {
    let fx = fixture(s);
    let b = s
        .create_bank(&new_bank("fb", fx.a.id, &fx.c1))
        .expect("bank");
    let e = s
        .add_entries(&[new_entry(b.id, fx.a.id, SignalType::Pdq, 1)])
        .expect("entry")
        .remove(0);
    assert_eq!(
        s.feedback_counts(e.id).expect("none"),
        FeedbackCounts::default()
    );
    let fb = |org: i64, kind: FeedbackKind| store::Feedback {
        entry_id: e.id,
        org_id: org,
        kind,
        created: 1,
    };
    s.put_feedback(&fb(fx.a.id, FeedbackKind::TruePositive))
        .expect("a tp");
    s.put_feedback(&fb(fx.b.id, FeedbackKind::TruePositive))
        .expect("b tp");
    let c = s.feedback_counts(e.id).expect("counts");
    assert_eq!(
        (c.true_positive, c.false_positive, c.disagree_labels),
        (2, 0, 0)
    );
    s.put_feedback(&fb(fx.b.id, FeedbackKind::DisagreeLabels))
        .expect("b changes");
    let c = s.feedback_counts(e.id).expect("counts");
    assert_eq!(
        (c.true_positive, c.false_positive, c.disagree_labels),
        (1, 0, 1)
    );
    let unknown = store::Feedback {
        entry_id: 9999,
        ..fb(fx.a.id, FeedbackKind::FalsePositive)
    };
    assert!(matches!(
        s.put_feedback(&unknown),
        Err(StoreError::NotFound(_))
    ));
}
