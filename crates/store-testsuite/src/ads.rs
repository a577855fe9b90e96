//! Ad-registry cases: elections, sponsors, platforms, submissions, search and retention.

use super::*;

// ---------------------------------------------------------------------------------------
// Political-advertising registry.

pub(crate) fn ad_listing(sponsor: &str, text: &str, election: &str, day: &str) -> AdListing {
    AdListing {
        sponsor: sponsor.to_string(),
        sponsor_name: format!("{sponsor} name"),
        payer: sponsor.to_string(),
        payer_name: format!("{sponsor} name"),
        platform: "plat".to_string(),
        elections: vec![election.to_string()],
        start_day: day.to_string(),
        end_day: "9999-12-31".to_string(),
        regions: vec!["CA-ON".to_string()],
        languages: vec!["en".to_string()],
        spend_minor: Some(1000),
        currency: "CAD".to_string(),
        text: text.to_string(),
        creative_sha256: None,
        publish_until: Some("2031-10-20".to_string()),
        keep_until: Some("2036-10-20".to_string()),
        public_json: format!(r#"{{"text":"{text}"}}"#),
    }
}

pub(crate) fn ad_submission(org: i64, ad_id: &str, listing: Option<AdListing>) -> NewAdSubmission {
    NewAdSubmission {
        platform_org_id: org,
        user_id: 1,
        ad_id: ad_id.to_string(),
        verdict: if listing.is_some() {
            "ACCEPT"
        } else {
            "REJECT"
        }
        .to_string(),
        submission_json: "{}".to_string(),
        result_json: "{}".to_string(),
        received: 1_000,
        creative: None,
        listing,
        violations: Vec::new(),
    }
}

pub(crate) fn ad_creative(bytes: &[u8], sha: &str) -> NewCreative {
    NewCreative {
        sha256: sha.repeat(64 / sha.len()),
        media_type: "image/png".to_string(),
        bytes: bytes.to_vec(),
    }
}

pub(crate) fn ad_query(limit: usize, upto: i64) -> AdQuery {
    AdQuery {
        limit,
        upto,
        ..AdQuery::default()
    }
}

/// Elections are replaced in place; sponsors belong to the organisation that registered
/// them; platforms are listed by id.
pub fn ad_elections_sponsors_platforms(s: &dyn Backend) {
    let fx = fixture(s);
    let e = |id: &str, json: &str| ElectionRecord {
        id: id.to_string(),
        json: json.to_string(),
        org_id: fx.a.id,
        updated: 10,
    };
    s.put_election(&e("ca-2029", "{}")).expect("election");
    s.put_election(&e("eu-2029", "{}")).expect("election");
    s.put_election(&e("ca-2029", r#"{"v":2}"#))
        .expect("replace election");
    let ids: Vec<String> = s
        .list_elections()
        .expect("list")
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["ca-2029", "eu-2029"]);
    assert_eq!(
        s.election_by_id("ca-2029").expect("by id").map(|e| e.json),
        Some(r#"{"v":2}"#.to_string())
    );
    assert_eq!(s.election_by_id("nope").expect("unknown"), None);
    let mut foreign = e("ca-2029", r#"{"v":3}"#);
    foreign.org_id = fx.b.id;
    assert!(
        matches!(s.put_election(&foreign), Err(StoreError::NotOwner { .. })),
        "another organisation may not replace an election"
    );
    let got = s.election_by_id("ca-2029").expect("by id").expect("exists");
    assert_eq!((got.json.as_str(), got.org_id), (r#"{"v":2}"#, fx.a.id));

    let sp = |id: &str, org: i64, json: &str| SponsorRecord {
        id: id.to_string(),
        json: json.to_string(),
        org_id: org,
        updated: 20,
    };
    s.put_sponsor(&sp("holding", fx.a.id, "{}"))
        .expect("sponsor");
    s.put_sponsor(&sp("front", fx.a.id, "{}")).expect("sponsor");
    s.put_sponsor(&sp("holding", fx.a.id, r#"{"v":2}"#))
        .expect("the owner replaces its sponsor");
    assert!(
        matches!(
            s.put_sponsor(&sp("holding", fx.b.id, r#"{"v":3}"#)),
            Err(StoreError::NotOwner { .. })
        ),
        "another organisation may not replace a sponsor"
    );
    let got = s.sponsor_by_id("holding").expect("by id").expect("exists");
    assert_eq!((got.json.as_str(), got.org_id), (r#"{"v":2}"#, fx.a.id));
    assert_eq!(s.sponsor_by_id("nobody").expect("unknown"), None);
    let page: Vec<String> = s
        .list_sponsors("", 1)
        .expect("page")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(page, ["front"]);
    let rest: Vec<String> = s
        .list_sponsors("front", 10)
        .expect("page")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(rest, ["holding"]);

    let pl = |id: &str, json: &str| PlatformRecord {
        id: id.to_string(),
        json: json.to_string(),
        org_id: fx.a.id,
        updated: 30,
    };
    s.put_platform(&pl("zplat", "{}")).expect("platform");
    s.put_platform(&pl("aplat", "{}")).expect("platform");
    s.put_platform(&pl("zplat", r#"{"v":2}"#))
        .expect("replace platform");
    let ids: Vec<String> = s
        .list_platforms()
        .expect("list")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["aplat", "zplat"]);
    assert_eq!(
        s.platform_by_id("zplat").expect("by id").map(|p| p.json),
        Some(r#"{"v":2}"#.to_string())
    );
}

/// A published ad keeps its id across versions, every version keeps its own document and
/// creative, and searches page by id within the snapshot.
pub fn ad_versions_and_search(s: &dyn Backend) {
    let fx = fixture(s);
    let mut first = ad_submission(
        fx.a.id,
        "ad-1",
        Some(ad_listing("acme", "first text", "e1", "2029-09-01")),
    );
    first.creative = Some(ad_creative(b"one", "a"));
    first.listing.as_mut().expect("listing").creative_sha256 = Some("a".repeat(64));
    let r1 = s.add_ad_submission(&first).expect("first");
    assert_eq!(r1.version, Some(1));
    let id = r1.ad.expect("published");
    let mut second = ad_submission(
        fx.a.id,
        "ad-1",
        Some(ad_listing("acme", "second text", "e1", "2029-09-02")),
    );
    second.received = 2_000;
    second.creative = Some(ad_creative(b"two", "b"));
    second.listing.as_mut().expect("listing").creative_sha256 = Some("b".repeat(64));
    let r2 = s.add_ad_submission(&second).expect("second");
    assert_eq!(
        (r2.ad, r2.version),
        (Some(id), Some(2)),
        "same ad, next version"
    );
    let versions = s.ad_versions(id).expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (
            versions[0].version,
            versions[0].published,
            versions[0].creative_sha256.clone()
        ),
        (1, 1_000, Some("a".repeat(64)))
    );
    assert_eq!(
        versions[0].public_json.as_deref(),
        Some(r#"{"text":"first text"}"#)
    );
    assert_eq!(
        (
            versions[1].version,
            versions[1].published,
            versions[1].creative_sha256.clone()
        ),
        (2, 2_000, Some("b".repeat(64)))
    );
    assert_eq!(
        s.creative(&"a".repeat(64)).expect("creative"),
        Some(("image/png".to_string(), b"one".to_vec())),
        "an old version's creative stays available"
    );
    assert!(s.ad_versions(id + 100).expect("unknown ad").is_empty());
    let row = s.ad_by_id(id).expect("by id").expect("exists");
    assert_eq!((row.version, row.listing.text.as_str()), (2, "second text"));

    let other = s
        .add_ad_submission(&ad_submission(
            fx.b.id,
            "ad-1",
            Some(ad_listing("zeta", "other words", "e2", "2029-09-03")),
        ))
        .expect("other platform, same platform ad id");
    let other_id = other.ad.expect("published");
    assert_ne!(other_id, id, "ads are per platform");
    let upto = s.max_ad_id().expect("max");
    assert_eq!(upto, other_id);
    let all = s.search_ads(&ad_query(10, upto)).expect("all");
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [id, other_id]);
    let by_sponsor = s
        .search_ads(&AdQuery {
            sponsor: Some("ZETA name".to_string()),
            ..ad_query(10, upto)
        })
        .expect("by sponsor name, any case");
    assert_eq!(
        by_sponsor.iter().map(|r| r.id).collect::<Vec<_>>(),
        [other_id]
    );
    let by_text = s
        .search_ads(&AdQuery {
            text: Some("second".to_string()),
            ..ad_query(10, upto)
        })
        .expect("by text");
    assert_eq!(by_text.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    let old_text = s
        .search_ads(&AdQuery {
            text: Some("first".to_string()),
            ..ad_query(10, upto)
        })
        .expect("old text");
    assert!(old_text.is_empty(), "only the current version is searched");
    let page2 = s
        .search_ads(&AdQuery {
            after: id,
            ..ad_query(10, upto)
        })
        .expect("after");
    assert_eq!(page2.iter().map(|r| r.id).collect::<Vec<_>>(), [other_id]);
    s.add_ad_submission(&ad_submission(
        fx.a.id,
        "ad-new",
        Some(ad_listing("acme", "later", "e1", "2029-09-04")),
    ))
    .expect("later ad");
    let snapshot = s.search_ads(&ad_query(10, upto)).expect("snapshot");
    assert_eq!(
        snapshot.len(),
        2,
        "ads added after the snapshot are not shown"
    );
    let mut in_e1 = Vec::new();
    s.scan_election_ads("e1", &mut |row| {
        in_e1.push(row.ad_id);
        ControlFlow::Continue(())
    })
    .expect("scan");
    assert_eq!(in_e1, ["ad-1", "ad-new"]);
}

/// Rejected submissions are recorded, never published, and their violations are listed.
pub fn ad_rejected_and_violations(s: &dyn Backend) {
    let fx = fixture(s);
    let mut rejected = ad_submission(fx.a.id, "bad-1", None);
    rejected.violations = vec![NewViolation {
        rule_id: "CA-349.02".to_string(),
        outcome: "REJECT".to_string(),
        foreign_funding: true,
        elections: "e1".to_string(),
        detail_json: "{}".to_string(),
    }];
    let r = s.add_ad_submission(&rejected).expect("rejected");
    assert_eq!((r.ad, r.version), (None, None));
    assert_eq!(r.violation_ids.len(), 1);
    assert_eq!(s.max_ad_id().expect("max"), 0, "nothing published");
    let subs = s.ad_submissions(fx.a.id, "bad-1").expect("submissions");
    assert_eq!(subs.len(), 1);
    assert!(!subs[0].published);
    s.set_violation_incident(r.violation_ids[0], "incident--x")
        .expect("incident");
    let q = |election, after| ViolationQuery {
        authority_org: None,
        election,
        after,
        limit: 10,
    };
    let v = s.list_violations(&q(Some("e1"), 0)).expect("violations");
    assert_eq!(v.len(), 1);
    assert_eq!(
        (
            v[0].rule_id.as_str(),
            v[0].foreign_funding,
            v[0].incident_id.as_deref()
        ),
        ("CA-349.02", true, Some("incident--x"))
    );
    assert!(s
        .list_violations(&q(Some("e2"), 0))
        .expect("other election")
        .is_empty());
    assert!(s
        .list_violations(&q(None, v[0].id))
        .expect("after")
        .is_empty());
    // An election id is matched exactly, never as a pattern.
    assert!(s
        .list_violations(&q(Some("e_"), 0))
        .expect("pattern")
        .is_empty());
    // Scoped to an authority: only violations for elections it registered.
    let election = |id: &str, org: i64| ElectionRecord {
        id: id.to_string(),
        json: "{}".to_string(),
        org_id: org,
        updated: 1,
    };
    s.put_election(&election("e1", fx.a.id)).expect("e1");
    s.put_election(&election("e2", fx.b.id)).expect("e2");
    let scoped = |org: i64| {
        s.list_violations(&ViolationQuery {
            authority_org: Some(org),
            election: None,
            after: 0,
            limit: 10,
        })
        .expect("scoped")
        .len()
    };
    assert_eq!((scoped(fx.a.id), scoped(fx.b.id)), (1, 0));
    // A batch is all or nothing in order.
    let batch = [
        ad_submission(
            fx.a.id,
            "b-1",
            Some(ad_listing("acme", "one", "e1", "2029-09-01")),
        ),
        ad_submission(
            fx.a.id,
            "b-2",
            Some(ad_listing("acme", "two", "e1", "2029-09-01")),
        ),
    ];
    let out = s.add_ad_submissions(&batch).expect("batch");
    assert!(out[0].ad < out[1].ad);
}

/// Retention hides ads past their publication day, purges ads past their retention day with
/// an audit record each, and keeps creatives that other ads still use.
pub fn ad_retention(s: &dyn Backend) {
    let fx = fixture(s);
    let shared = ad_creative(b"shared bytes", "c");
    let mut a = ad_submission(
        fx.a.id,
        "old",
        Some(ad_listing("acme", "old ad", "e1", "2020-01-01")),
    );
    {
        let l = a.listing.as_mut().expect("listing");
        l.publish_until = Some("2022-01-01".to_string());
        l.keep_until = Some("2027-01-01".to_string());
        l.creative_sha256 = Some(shared.sha256.clone());
    }
    a.creative = Some(shared.clone());
    let old = s.add_ad_submission(&a).expect("old").ad.expect("published");
    let mut b = ad_submission(
        fx.a.id,
        "new",
        Some(ad_listing("acme", "new ad", "e1", "2029-01-01")),
    );
    b.listing.as_mut().expect("listing").creative_sha256 = Some(shared.sha256.clone());
    let new = s.add_ad_submission(&b).expect("new").ad.expect("published");

    let run = s.run_ad_retention("2023-06-01", 5_000).expect("first run");
    assert_eq!((run.hidden, run.purged), (1, 0));
    let row = s.ad_by_id(old).expect("by id").expect("kept");
    assert!(!row.public, "past its publication day, kept but not public");
    let upto = s.max_ad_id().expect("max");
    let shown: Vec<i64> = s
        .search_ads(&ad_query(10, upto))
        .expect("search")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(shown, [new]);

    let run = s.run_ad_retention("2027-01-02", 6_000).expect("second run");
    assert_eq!((run.hidden, run.purged), (0, 1));
    assert_eq!(s.ad_by_id(old).expect("by id"), None);
    assert!(s.ad_versions(old).expect("versions").is_empty());
    assert!(s.ad_submissions(fx.a.id, "old").expect("subs").is_empty());
    assert_eq!(
        s.creative(&shared.sha256).expect("creative").map(|c| c.1),
        Some(b"shared bytes".to_vec()),
        "a creative another ad still shows is kept"
    );
    let audit = s.ad_audit(0, 10).expect("audit");
    let actions: Vec<(&str, i64)> = audit.iter().map(|a| (a.action.as_str(), a.ad)).collect();
    assert_eq!(actions, [("hidden", old), ("purged", old)]);
    let again = s.run_ad_retention("2027-01-02", 7_000).expect("idempotent");
    assert_eq!((again.hidden, again.purged), (0, 0));
}
