//! Objects cases: STIX versions, versioning rules, filters, paging and statuses.

use super::*;

// ---------------------------------------------------------------------------------------
// Objects.

/// Every field of an added object reads back equal.
pub fn object_round_trip(s: &dyn Backend) {
    let fx = fixture(s);
    let mut o = indicator(&fx.c1, 1, 0, &fx.ua, "é \"quoted\" \\ \u{1F600}");
    o.tlp = Some(Tlp::Red);
    o.recipients = vec![identity_id(2), identity_id(7)];
    o.created_by_ref = Some(identity_id(1));
    let d = added(&s.add_object(&o), "first add");
    let mut plain = indicator(&fx.c1, 2, 0, &fx.ub, "");
    plain.owner_org_id = fx.b.id;
    plain.stix_type = "x-custom-thing".into();
    added(&s.add_object(&plain), "second add");

    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 2);
    let r = &got[0];
    assert_eq!(r.collection_id, fx.c1);
    assert_eq!(r.id, o.id);
    assert_eq!(r.stix_type, "indicator");
    assert_eq!(r.spec_version, "2.1");
    assert_eq!(r.version, o.version);
    assert_eq!(r.date_added, d);
    assert_eq!(r.json, o.json, "json is kept byte for byte");
    assert_eq!(r.tlp, Some(Tlp::Red));
    assert_eq!(r.recipients, o.recipients);
    assert_eq!(r.created_by_ref, o.created_by_ref);
    assert_eq!(r.submitter_user_id, fx.ua.id);
    assert_eq!(r.submitter_org_id, fx.a.id);
    let p = &got[1];
    assert_eq!(p.stix_type, "x-custom-thing");
    assert_eq!(p.tlp, None);
    assert!(p.recipients.is_empty());
    assert_eq!(p.created_by_ref, None);
    assert_eq!(p.submitter_user_id, fx.ub.id);
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    assert_eq!(s.count_objects(&fx.c2).unwrap(), 0);
}

/// Re-adding the identical version is `Unchanged` with the stored `date_added`.
pub fn identical_version_is_unchanged(s: &dyn Backend) {
    let fx = fixture(s);
    let o = indicator(&fx.c1, 1, 0, &fx.ua, "same");
    let d = added(&s.add_object(&o), "add");
    assert_eq!(
        s.add_object(&o).unwrap(),
        AddOutcome::Unchanged { date_added: d }
    );
    // Another submitter of the same organisation, or even another organisation, re-posting
    // the identical version changes nothing.
    let mut again = o.clone();
    again.submitter_user_id = fx.ub.id;
    again.submitter_org_id = fx.b.id;
    again.owner_org_id = fx.b.id;
    assert_eq!(
        s.add_object(&again).unwrap(),
        AddOutcome::Unchanged { date_added: d }
    );
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 1);
    assert_eq!(scan(s, &query(&fx.c1))[0].submitter_user_id, fx.ua.id);
}

/// The same (id, version) with other content is a `VersionConflict` naming the id.
pub fn same_version_other_content_conflicts(s: &dyn Backend) {
    let fx = fixture(s);
    let o = indicator(&fx.c1, 1, 0, &fx.ua, "one");
    added(&s.add_object(&o), "add");
    let changed = indicator(&fx.c1, 1, 0, &fx.ua, "two");
    match s.add_object(&changed) {
        Err(StoreError::VersionConflict { id, version }) => {
            assert_eq!(id, o.id);
            assert!(!version.is_empty());
        }
        other => panic!("expected VersionConflict, got {other:?}"),
    }
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json, o.json, "the stored version is untouched");
}

/// Objects without a version: identical is `Unchanged`, different is `VersionConflict`.
pub fn unversioned_objects(s: &dyn Backend) {
    let fx = fixture(s);
    let sco = |value: &str| NewObject {
        collection_id: fx.c1.clone(),
        id: "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd".into(),
        stix_type: "ipv4-addr".into(),
        spec_version: "2.1".into(),
        version: None,
        json: format!(r#"{{"type":"ipv4-addr","value":"{value}"}}"#),
        tlp: Some(Tlp::Clear),
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: fx.ua.id,
        submitter_org_id: fx.a.id,
        owner_org_id: fx.a.id,
    };
    let d = added(&s.add_object(&sco("198.51.100.3")), "add SCO");
    assert_eq!(
        s.add_object(&sco("198.51.100.3")).unwrap(),
        AddOutcome::Unchanged { date_added: d }
    );
    match s.add_object(&sco("198.51.100.4")) {
        Err(StoreError::VersionConflict { id, .. }) => assert!(id.starts_with("ipv4-addr--")),
        other => panic!("different unversioned content: expected VersionConflict, got {other:?}"),
    }
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].version, None);
    // The only version is both first and last.
    let first = ObjectQuery {
        versions: VersionFilter {
            all: false,
            last: false,
            first: true,
            at: Vec::new(),
        },
        ..query(&fx.c1)
    };
    assert_eq!(scan(s, &first).len(), 1);
}

/// The first owner of an id in a collection is the only organisation that may add versions
/// there; other collections are independent.
pub fn only_the_owner_adds_versions(s: &dyn Backend) {
    let fx = fixture(s);
    added(
        &s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")),
        "v0 by a",
    );
    let by_b = indicator(&fx.c1, 1, 1, &fx.ub, "");
    match s.add_object(&by_b) {
        Err(StoreError::NotOwner { id }) => assert_eq!(id, indicator_id(1)),
        other => panic!("version by another org: expected NotOwner, got {other:?}"),
    }
    // Ownership is per collection: what org a stored in c1 tells nothing in c2, where org b
    // may start the same id (and then owns it there).
    let by_b_elsewhere = indicator(&fx.c2, 1, 5, &fx.ub, "");
    added(&s.add_object(&by_b_elsewhere), "v5 by b in c2");
    assert!(matches!(
        s.add_object(&indicator(&fx.c2, 1, 6, &fx.ua, "")),
        Err(StoreError::NotOwner { .. })
    ));
    // The owner may; a submitter of another org acting for the owner (owner_org_id = a) is
    // accepted too.
    added(
        &s.add_object(&indicator(&fx.c1, 1, 1, &fx.ua, "")),
        "v1 by a",
    );
    let mut on_behalf = indicator(&fx.c1, 1, 3, &fx.ub, "");
    on_behalf.owner_org_id = fx.a.id;
    added(&s.add_object(&on_behalf), "v3 for a");
    // Ownership in a collection outlives deletes.
    s.delete_object(&fx.c1, &indicator_id(1), &VersionFilter::all())
        .unwrap();
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 9, &fx.ub, "")),
        Err(StoreError::NotOwner { .. })
    ));
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 0);
}

/// After a revoked version, nothing new is accepted in that collection, and the revoking
/// version cannot be deleted; another collection is independent.
pub fn revocation_is_final(s: &dyn Backend) {
    let fx = fixture(s);
    added(&s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")), "v0");
    let mut revoke = indicator(&fx.c1, 1, 5, &fx.ua, "revoked");
    revoke.revoked = true;
    added(&s.add_object(&revoke), "revoking version");
    match s.add_object(&indicator(&fx.c1, 1, 6, &fx.ua, "")) {
        Err(StoreError::Revoked { id }) => assert_eq!(id, indicator_id(1)),
        other => panic!("version after revocation: expected Revoked, got {other:?}"),
    }
    // A backdated version is refused too.
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 2, &fx.ua, "backdated")),
        Err(StoreError::Revoked { .. })
    ));
    // Re-posting what is stored is Unchanged.
    assert!(matches!(
        s.add_object(&revoke),
        Ok(AddOutcome::Unchanged { .. })
    ));
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")),
        Ok(AddOutcome::Unchanged { .. })
    ));
    // Copying the history, revocation included, into another collection is accepted.
    let mut copy = indicator(&fx.c2, 1, 0, &fx.ua, "");
    added(&s.add_object(&copy), "v0 copied");
    copy = revoke.clone();
    copy.collection_id = fx.c2.clone();
    added(&s.add_object(&copy), "revoking version copied");
    // The revoking version may not be deleted while other versions would remain (they would
    // read as un-revoked); earlier versions may; deleting every version is allowed, and the
    // object stays revoked.
    let at = |v: i64| VersionFilter {
        all: false,
        last: false,
        first: false,
        at: vec![T0 + v * 1000],
    };
    match s.delete_object(&fx.c1, &indicator_id(1), &at(5)) {
        Err(StoreError::Revoked { id }) => assert_eq!(id, indicator_id(1)),
        other => panic!("deleting the revoking version: expected Revoked, got {other:?}"),
    }
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &at(0)).unwrap(),
        1
    );
    // The revoking version is still the last one, and nothing can follow it.
    let last = ObjectQuery {
        versions: VersionFilter {
            all: false,
            last: true,
            first: false,
            at: Vec::new(),
        },
        ..query(&fx.c1)
    };
    assert_eq!(keys(&scan(s, &last)), vec![key(1, 5)]);
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")),
        Err(StoreError::Revoked { .. })
    ));
    // A revoked object of another org is NotOwner first.
    assert!(matches!(
        s.add_object(&indicator(&fx.c1, 1, 9, &fx.ub, "")),
        Err(StoreError::NotOwner { .. })
    ));
    // Deleting every version removes the object; it stays revoked, so nothing brings it back.
    assert_eq!(
        s.delete_object(&fx.c2, &indicator_id(1), &VersionFilter::all())
            .unwrap(),
        2
    );
    assert!(scan(s, &query(&fx.c2)).is_empty());
    for v in [0, 6] {
        assert!(matches!(
            s.add_object(&indicator(&fx.c2, 1, v, &fx.ua, "")),
            Err(StoreError::Revoked { .. })
        ));
    }
}

/// Unversioned objects (cyber-observables) belong to nobody: each organisation stores and
/// deletes its own copy, whatever other organisations stored under the same id.
pub fn observables_are_shared_by_id(s: &dyn Backend) {
    let fx = fixture(s);
    let sco = |user: &User, value: &str, tlp: Tlp| NewObject {
        collection_id: fx.c1.clone(),
        id: "domain-name--ff26c055-6336-5bc5-b98d-13d6226742dd".into(),
        stix_type: "domain-name".into(),
        spec_version: "2.1".into(),
        version: None,
        json: format!(r#"{{"type":"domain-name","value":"{value}"}}"#),
        tlp: Some(tlp),
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: user.id,
        submitter_org_id: user.org_id,
        owner_org_id: user.org_id,
    };
    let da = added(
        &s.add_object(&sco(&fx.ua, "example.com", Tlp::Red)),
        "a's copy",
    );
    // Org b stores the same id, with other content and marking: its own copy.
    let db = added(
        &s.add_object(&sco(&fx.ub, "example.com ", Tlp::Clear)),
        "b's copy",
    );
    assert!(db > da);
    assert!(matches!(
        s.add_object(&sco(&fx.ub, "example.com ", Tlp::Clear)),
        Ok(AddOutcome::Unchanged { date_added }) if date_added == db
    ));
    assert!(matches!(
        s.add_object(&sco(&fx.ub, "other", Tlp::Clear)),
        Err(StoreError::VersionConflict { .. })
    ));
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 2);
    assert_eq!(
        got.iter()
            .map(|o| (o.submitter_org_id, o.tlp))
            .collect::<Vec<_>>(),
        vec![(fx.a.id, Some(Tlp::Red)), (fx.b.id, Some(Tlp::Clear))]
    );
    // Each copy is its own first and last version.
    let last = ObjectQuery {
        versions: VersionFilter {
            all: false,
            last: true,
            first: false,
            at: Vec::new(),
        },
        ..query(&fx.c1)
    };
    assert_eq!(scan(s, &last).len(), 2);
    // Deleting b's copy leaves a's.
    let id = "domain-name--ff26c055-6336-5bc5-b98d-13d6226742dd";
    assert_eq!(s.delete_copy(&fx.c1, id, fx.b.id).unwrap(), 1);
    assert_eq!(s.delete_copy(&fx.c1, id, fx.b.id).unwrap(), 0);
    let left = scan(s, &last);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].submitter_org_id, fx.a.id);
    // Nothing was claimed: b may store it again.
    added(
        &s.add_object(&sco(&fx.ub, "example.com", Tlp::Green)),
        "b again",
    );
    assert!(matches!(
        s.delete_copy(&collection_uuid(99), id, fx.b.id),
        Err(StoreError::NotFound(_))
    ));
}

/// `create_org_with_identity` makes the organisation, its identity and its grant together, or
/// nothing at all.
pub fn org_with_identity_is_atomic(s: &dyn Backend) {
    let fx = fixture(s);
    let identity = |n: u64| NewObject {
        collection_id: fx.c2.clone(),
        id: identity_id(n),
        stix_type: "identity".into(),
        spec_version: "2.1".into(),
        version: Some(T0),
        json: format!(r#"{{"type":"identity","id":"{}"}}"#, identity_id(n)),
        tlp: None,
        recipients: Vec::new(),
        created_by_ref: None,
        revoked: false,
        submitter_user_id: 0,
        submitter_org_id: 0,
        owner_org_id: 0,
    };
    let read = Access {
        read: true,
        write: false,
    };
    let org = s
        .create_org_with_identity(&new_org("org-c", 30), &identity(30), read, &test_audit())
        .expect("create org-c with its identity");
    assert_eq!(s.org_by_slug("org-c").unwrap(), Some(org.clone()));
    assert_eq!(s.grant(org.id, &fx.c2).unwrap(), read);
    let got = scan(
        s,
        &ObjectQuery {
            ids: vec![identity_id(30)],
            ..query(&fx.c2)
        },
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].submitter_org_id, org.id);
    // The identity id is taken in the collection by org b: nothing is created.
    let mut squat = identity(31);
    squat.json = r#"{"squat":true}"#.into();
    squat.submitter_org_id = fx.b.id;
    squat.owner_org_id = fx.b.id;
    squat.version = Some(T0 + 1);
    added(&s.add_object(&squat), "squatted identity");
    assert!(s
        .create_org_with_identity(&new_org("org-d", 31), &identity(31), read, &test_audit())
        .is_err());
    assert_eq!(s.org_by_slug("org-d").unwrap(), None);
    // A taken slug: nothing is created either, and the identity is not stored.
    assert!(matches!(
        s.create_org_with_identity(&new_org("org-c", 32), &identity(32), read, &test_audit()),
        Err(StoreError::Conflict(_))
    ));
    assert!(scan(
        s,
        &ObjectQuery {
            ids: vec![identity_id(32)],
            ..query(&fx.c2)
        },
    )
    .is_empty());
    // An unknown collection: nothing.
    let mut lost = identity(33);
    lost.collection_id = collection_uuid(99);
    assert!(s
        .create_org_with_identity(&new_org("org-e", 33), &lost, read, &test_audit())
        .is_err());
    assert_eq!(s.org_by_slug("org-e").unwrap(), None);
}

/// `add_objects` gives one outcome per input, in order; failures do not stop the others.
pub fn batch_outcomes(s: &dyn Backend) {
    let fx = fixture(s);
    added(&s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "a")), "seed");
    let batch = vec![
        indicator(&fx.c1, 2, 0, &fx.ua, ""),               // Added.
        indicator(&fx.c1, 1, 0, &fx.ua, "b"),              // VersionConflict.
        indicator(&fx.c1, 1, 0, &fx.ua, "a"),              // Unchanged.
        indicator(&fx.c1, 1, 1, &fx.ub, ""),               // NotOwner.
        indicator(&collection_uuid(99), 3, 0, &fx.ua, ""), // Unknown collection.
        indicator(&fx.c1, 3, 0, &fx.ua, ""),               // Added.
        indicator(&fx.c1, 3, 0, &fx.ua, ""),               // Unchanged: same batch.
        indicator(&fx.c1, 3, 1, &fx.ub, ""), // NotOwner: owner set earlier in the batch.
    ];
    let out = s.add_objects(&batch).unwrap();
    assert_eq!(out.len(), batch.len());
    let d2 = added(&out[0], "batch[0]");
    assert!(
        matches!(out[1], Err(StoreError::VersionConflict { .. })),
        "{:?}",
        out[1]
    );
    assert!(
        matches!(out[2], Ok(AddOutcome::Unchanged { .. })),
        "{:?}",
        out[2]
    );
    assert!(
        matches!(out[3], Err(StoreError::NotOwner { .. })),
        "{:?}",
        out[3]
    );
    assert!(
        matches!(out[4], Err(StoreError::NotFound(_))),
        "{:?}",
        out[4]
    );
    let d3 = added(&out[5], "batch[5]");
    assert!(
        matches!(&out[6], Ok(AddOutcome::Unchanged { date_added }) if *date_added == d3),
        "{:?}",
        out[6]
    );
    assert!(
        matches!(out[7], Err(StoreError::NotOwner { .. })),
        "{:?}",
        out[7]
    );
    assert!(d2 < d3);
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 3);
    assert!(s.add_objects(&[]).unwrap().is_empty());
}

/// `date_added` strictly increases within a collection, across calls and batches.
pub fn date_added_increases(s: &dyn Backend) {
    let fx = fixture(s);
    let mut dates = Vec::new();
    for n in 0..50 {
        dates.push(added(
            &s.add_object(&indicator(&fx.c1, n, 0, &fx.ua, "")),
            "single add",
        ));
    }
    let batch: Vec<NewObject> = (50..550)
        .map(|n| indicator(&fx.c1, n, 0, &fx.ua, ""))
        .collect();
    for o in s.add_objects(&batch).unwrap() {
        dates.push(added(&o, "batch add"));
    }
    for w in dates.windows(2) {
        assert!(w[0] < w[1], "date_added not strictly increasing: {w:?}");
    }
    let got = scan(s, &query(&fx.c1));
    assert_eq!(got.len(), 550);
    assert_sorted(&got);
    assert_eq!(
        got.iter().map(|o| o.date_added).collect::<Vec<_>>(),
        dates,
        "scan order is insertion order"
    );
    // Deleting the newest object does not let a later add reuse its date_added.
    let newest = *dates.last().unwrap();
    s.delete_object(&fx.c1, &indicator_id(549), &VersionFilter::all())
        .unwrap();
    let next = added(
        &s.add_object(&indicator(&fx.c1, 600, 0, &fx.ua, "")),
        "after delete",
    );
    assert!(next > newest);
}

/// Filters by id, type, spec_version and added_after, AND-ed across kinds, OR-ed within.
pub fn filters(s: &dyn Backend) {
    let fx = fixture(s);
    let mut dates = Vec::new();
    for n in 0..12u64 {
        let mut o = indicator(&fx.c1, n, 0, &fx.ua, "");
        o.stix_type = ["indicator", "malware", "x-mitre-tactic"][(n % 3) as usize].into();
        o.spec_version = if n % 4 == 3 { "2.0" } else { "2.1" }.into();
        dates.push(added(&s.add_object(&o), "add"));
    }
    let ids_of =
        |objs: &[StoredObject]| -> Vec<String> { objs.iter().map(|o| o.id.clone()).collect() };
    let want = |ns: &[u64]| -> Vec<String> { ns.iter().map(|n| indicator_id(*n)).collect() };

    assert_eq!(scan(s, &query(&fx.c1)).len(), 12, "no filter: everything");
    let q = ObjectQuery {
        ids: vec![indicator_id(7), indicator_id(2), indicator_id(99)],
        ..query(&fx.c1)
    };
    assert_eq!(
        ids_of(&scan(s, &q)),
        want(&[2, 7]),
        "ids OR-ed, in date order"
    );
    let q = ObjectQuery {
        types: vec!["malware".into()],
        ..query(&fx.c1)
    };
    assert_eq!(ids_of(&scan(s, &q)), want(&[1, 4, 7, 10]));
    let q = ObjectQuery {
        types: vec!["malware".into(), "x-mitre-tactic".into()],
        ..query(&fx.c1)
    };
    assert_eq!(ids_of(&scan(s, &q)), want(&[1, 2, 4, 5, 7, 8, 10, 11]));
    let q = ObjectQuery {
        spec_versions: vec!["2.0".into()],
        ..query(&fx.c1)
    };
    assert_eq!(ids_of(&scan(s, &q)), want(&[3, 7, 11]));
    let q = ObjectQuery {
        spec_versions: vec!["2.0".into(), "2.1".into()],
        ..query(&fx.c1)
    };
    assert_eq!(scan(s, &q).len(), 12);
    let q = ObjectQuery {
        added_after: Some(dates[8]),
        ..query(&fx.c1)
    };
    assert_eq!(
        ids_of(&scan(s, &q)),
        want(&[9, 10, 11]),
        "added_after is exclusive"
    );
    let q = ObjectQuery {
        added_after: Some(dates[2]),
        types: vec!["malware".into(), "indicator".into()],
        spec_versions: vec!["2.1".into()],
        ids: vec![
            indicator_id(0),
            indicator_id(4),
            indicator_id(5),
            indicator_id(6),
            indicator_id(7),
            indicator_id(9),
        ],
        ..query(&fx.c1)
    };
    // 0 is not after dates[2]; 5 is a tactic; 7 is 2.0; 4, 6 and 9 remain.
    assert_eq!(ids_of(&scan(s, &q)), want(&[4, 6, 9]), "kinds are AND-ed");
    let q = ObjectQuery {
        types: vec!["attack-pattern".into()],
        ..query(&fx.c1)
    };
    assert!(scan(s, &q).is_empty());
    let q = ObjectQuery {
        added_after: Some(*dates.last().unwrap()),
        ..query(&fx.c1)
    };
    assert!(scan(s, &q).is_empty());
}

/// Three objects with versions 0..3, 0..1 and 0: every `match[version]` selector.
pub(crate) fn versioned_fixture(s: &dyn Backend, fx: &Fixture) {
    // Added out of version order on purpose: the store orders by version, not arrival.
    let order = [(1, 2), (1, 0), (2, 0), (1, 1), (3, 0), (2, 1), (1, 3)];
    for (n, v) in order {
        added(
            &s.add_object(&indicator(&fx.c1, n, v, &fx.ua, "")),
            "versioned add",
        );
    }
}

pub(crate) fn vf(all: bool, last: bool, first: bool, at: &[i64]) -> VersionFilter {
    VersionFilter {
        all,
        last,
        first,
        at: at.iter().map(|v| T0 + v * 1000).collect(),
    }
}

pub(crate) fn sorted_keys(objs: &[StoredObject]) -> Vec<(String, Option<i64>)> {
    let mut k = keys(objs);
    k.sort();
    k
}

/// `match[version]`: last (the default), first, all, timestamps and their OR.
pub fn version_filters(s: &dyn Backend) {
    let fx = fixture(s);
    versioned_fixture(s, &fx);
    let with = |f: VersionFilter| {
        let got = scan(
            s,
            &ObjectQuery {
                versions: f,
                ..query(&fx.c1)
            },
        );
        assert_sorted(&got);
        sorted_keys(&got)
    };
    let last = vec![key(1, 3), key(2, 1), key(3, 0)];
    assert_eq!(with(VersionFilter::default()), last, "default is last");
    assert_eq!(with(vf(false, true, false, &[])), last);
    assert_eq!(
        with(vf(false, false, true, &[])),
        vec![key(1, 0), key(2, 0), key(3, 0)]
    );
    assert_eq!(with(VersionFilter::all()).len(), 7);
    assert_eq!(with(vf(true, true, false, &[1])).len(), 7, "all wins");
    assert_eq!(
        with(vf(false, true, true, &[])),
        vec![key(1, 0), key(1, 3), key(2, 0), key(2, 1), key(3, 0)]
    );
    assert_eq!(
        with(vf(false, false, false, &[1])),
        vec![key(1, 1), key(2, 1)]
    );
    assert_eq!(
        with(vf(false, false, true, &[2])),
        vec![key(1, 0), key(1, 2), key(2, 0), key(3, 0)]
    );
    assert_eq!(with(vf(false, false, false, &[42])), vec![]);
    assert_eq!(
        with(vf(false, false, false, &[])),
        vec![],
        "no selector selects nothing"
    );
    // AND-ed with the other filters: last versions added after the fourth add.
    let everything = scan(
        s,
        &ObjectQuery {
            versions: VersionFilter::all(),
            ..query(&fx.c1)
        },
    );
    let fourth = everything[3].date_added;
    let got = scan(
        s,
        &ObjectQuery {
            added_after: Some(fourth),
            types: vec!["indicator".into()],
            ..query(&fx.c1)
        },
    );
    assert_eq!(sorted_keys(&got), vec![key(1, 3), key(2, 1), key(3, 0)]);
    let got = scan(
        s,
        &ObjectQuery {
            added_after: Some(fourth),
            versions: vf(false, false, true, &[1]),
            ..query(&fx.c1)
        },
    );
    // First versions 1.0 and 2.0 were added before; 3.0 and 2.1 after.
    assert_eq!(sorted_keys(&got), vec![key(2, 1), key(3, 0)]);
    // Combined with an id filter.
    let got = scan(
        s,
        &ObjectQuery {
            ids: vec![indicator_id(1)],
            versions: VersionFilter::all(),
            ..query(&fx.c1)
        },
    );
    assert_sorted(&got);
    assert_eq!(got.len(), 4);
}

/// Deleting versions keeps first/last right: the previous version is promoted.
pub fn version_flags_after_delete(s: &dyn Backend) {
    let fx = fixture(s);
    versioned_fixture(s, &fx);
    let pick = |f: VersionFilter, n: u64| {
        sorted_keys(&scan(
            s,
            &ObjectQuery {
                ids: vec![indicator_id(n)],
                versions: f,
                ..query(&fx.c1)
            },
        ))
    };
    let last = || vf(false, true, false, &[]);
    let first = || vf(false, false, true, &[]);
    // Delete the last version of object 1: version 2 becomes last.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &last()).unwrap(),
        1
    );
    assert_eq!(pick(last(), 1), vec![key(1, 2)]);
    // Delete the first: version 1 becomes first.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &first()).unwrap(),
        1
    );
    assert_eq!(pick(first(), 1), vec![key(1, 1)]);
    assert_eq!(pick(VersionFilter::all(), 1), vec![key(1, 1), key(1, 2)]);
    // Delete by timestamp, and first OR at in one call.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &vf(false, false, false, &[2]))
            .unwrap(),
        1
    );
    assert_eq!(pick(last(), 1), vec![key(1, 1)]);
    assert_eq!(pick(first(), 1), vec![key(1, 1)]);
    // Nothing selected: nothing deleted.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(1), &vf(false, false, false, &[7]))
            .unwrap(),
        0
    );
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(55), &VersionFilter::all())
            .unwrap(),
        0
    );
    // Delete all versions of object 2.
    assert_eq!(
        s.delete_object(&fx.c1, &indicator_id(2), &VersionFilter::all())
            .unwrap(),
        2
    );
    assert!(pick(VersionFilter::all(), 2).is_empty());
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    // A new version after deletes becomes last, and first of a fresh history.
    added(&s.add_object(&indicator(&fx.c1, 1, 9, &fx.ua, "")), "v9");
    assert_eq!(pick(last(), 1), vec![key(1, 9)]);
    assert_eq!(pick(first(), 1), vec![key(1, 1)]);
    added(
        &s.add_object(&indicator(&fx.c1, 2, 4, &fx.ua, "")),
        "object 2 again",
    );
    assert_eq!(pick(first(), 2), vec![key(2, 4)]);
    assert_eq!(pick(last(), 2), vec![key(2, 4)]);
}

/// Paging: resume strictly after a position, stop on `Break`, see everything once.
pub fn paging(s: &dyn Backend) {
    let fx = fixture(s);
    let batch: Vec<NewObject> = (0..257)
        .map(|n| indicator(&fx.c1, n, 0, &fx.ua, ""))
        .collect();
    assert!(s.add_objects(&batch).unwrap().iter().all(|o| o.is_ok()));
    let everything = scan(s, &query(&fx.c1));
    assert_eq!(everything.len(), 257);

    let mut pages = Vec::new();
    let mut after: Option<Position> = None;
    loop {
        let mut page = Vec::new();
        let mut visited = 0;
        s.scan_objects(
            &ObjectQuery {
                after,
                ..query(&fx.c1)
            },
            &mut |o| {
                visited += 1;
                page.push(o);
                if page.len() == 20 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )
        .unwrap();
        assert!(visited <= 20, "the visitor is not called after Break");
        let Some(last) = page.last() else { break };
        after = Some(Position {
            date_added: last.date_added,
            seq: last.seq,
        });
        pages.extend(page);
    }
    assert_eq!(
        keys(&pages),
        keys(&everything),
        "pages cover everything once, in order"
    );

    // A position taken from the middle resumes right after it.
    let mid = &everything[100];
    let rest = scan(
        s,
        &ObjectQuery {
            after: Some(Position {
                date_added: mid.date_added,
                seq: mid.seq,
            }),
            ..query(&fx.c1)
        },
    );
    assert_eq!(keys(&rest), keys(&everything[101..]));
    // Positions combine with other filters.
    let rest = scan(
        s,
        &ObjectQuery {
            after: Some(Position {
                date_added: mid.date_added,
                seq: mid.seq,
            }),
            ids: vec![indicator_id(50), indicator_id(150), indicator_id(250)],
            ..query(&fx.c1)
        },
    );
    assert_eq!(keys(&rest), vec![key(150, 0), key(250, 0)]);
    // A position at the very end gives nothing.
    let end = everything.last().unwrap();
    let rest = scan(
        s,
        &ObjectQuery {
            after: Some(Position {
                date_added: end.date_added,
                seq: end.seq,
            }),
            ..query(&fx.c1)
        },
    );
    assert!(rest.is_empty());
}

/// Collection-scoped calls on an unknown collection give `NotFound`.
pub fn unknown_collections(s: &dyn Backend) {
    let fx = fixture(s);
    let ghost = collection_uuid(99);
    let mut calls = 0;
    match s.scan_objects(&query(&ghost), &mut |_| {
        calls += 1;
        ControlFlow::Continue(())
    }) {
        Err(StoreError::NotFound(msg)) => assert!(msg.contains(&ghost), "{msg}"),
        other => panic!("scan of an unknown collection: expected NotFound, got {other:?}"),
    }
    assert_eq!(calls, 0);
    assert!(matches!(
        s.count_objects(&ghost),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete_object(&ghost, &indicator_id(1), &VersionFilter::all()),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.add_object(&indicator(&ghost, 1, 0, &fx.ua, "")),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.list_grants(&ghost),
        Err(StoreError::NotFound(_))
    ));
}

/// The same id lives independently in two collections (versions, flags, deletes).
pub fn collections_are_isolated(s: &dyn Backend) {
    let fx = fixture(s);
    added(&s.add_object(&indicator(&fx.c1, 1, 0, &fx.ua, "")), "c1 v0");
    added(&s.add_object(&indicator(&fx.c1, 1, 1, &fx.ua, "")), "c1 v1");
    added(&s.add_object(&indicator(&fx.c2, 1, 0, &fx.ua, "")), "c2 v0");
    // The same (id, version) with other content in another collection is not a conflict
    // of this store's rules (each collection keeps its own copy).
    added(
        &s.add_object(&indicator(&fx.c2, 1, 1, &fx.ua, "other")),
        "c2 v1",
    );
    assert_eq!(s.count_objects(&fx.c1).unwrap(), 2);
    assert_eq!(s.count_objects(&fx.c2).unwrap(), 2);
    s.delete_object(&fx.c2, &indicator_id(1), &VersionFilter::default())
        .unwrap();
    assert_eq!(keys(&scan(s, &query(&fx.c1))), vec![key(1, 1)]);
    assert_eq!(keys(&scan(s, &query(&fx.c2))), vec![key(1, 0)]);
    assert!(scan(s, &query(&fx.c1))
        .iter()
        .all(|o| o.collection_id == fx.c1));
}

/// Statuses: put, replace, get, purge by age.
pub fn statuses(s: &dyn Backend) {
    let fx = fixture(s);
    let st = |id: &str, created: i64, json: &str| Status {
        id: id.to_string(),
        user_id: fx.ua.id,
        created,
        json: json.to_string(),
    };
    s.put_status(&st("s-old", 1_000, r#"{"status":"complete"}"#))
        .unwrap();
    s.put_status(&st("s-new", 5_000, r#"{"status":"pending"}"#))
        .unwrap();
    assert_eq!(
        s.get_status("s-old").unwrap(),
        Some(st("s-old", 1_000, r#"{"status":"complete"}"#))
    );
    s.put_status(&st("s-new", 5_000, r#"{"status":"complete"}"#))
        .unwrap();
    assert_eq!(
        s.get_status("s-new").unwrap().unwrap().json,
        r#"{"status":"complete"}"#,
        "put_status replaces"
    );
    assert_eq!(s.get_status("missing").unwrap(), None);
    assert_eq!(
        s.purge_statuses(1_000).unwrap(),
        0,
        "purge is strictly before"
    );
    assert_eq!(s.purge_statuses(4_999).unwrap(), 1);
    assert_eq!(s.get_status("s-old").unwrap(), None);
    assert!(s.get_status("s-new").unwrap().is_some());
    assert_eq!(s.purge_statuses(i64::MAX).unwrap(), 1);
    assert_eq!(s.get_status("s-new").unwrap(), None);
}
