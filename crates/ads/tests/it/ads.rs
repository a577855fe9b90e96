//! The political-advertising registry through the hub on real SQLite files: submissions and
//! verdicts, rejected submissions never published, bad input refused with nothing stored,
//! violations and STIX incidents, public search with stable paging under concurrent inserts,
//! creatives, election export and the retention job.

use crate::{put_election, typed};
use test_support as common;

use hub::Actor;
use std::ops::ControlFlow;
use store::{AccountStore, AdStore};

use ads::{CreativeUpload, PublicSearch};
use common::{new_hub, RW};
use hub::{Hub, HubError, ObjectFilter, Principal};
use serde_json::{json, Value};
use store::{Role, Sector, Tlp};

/// The wire form (JSON) of a typed view.
fn wire<T: serde::Serialize>(view: T) -> Value {
    serde_json::to_value(view).unwrap()
}

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../adrules/samples");

fn sample(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLES}/{name}")).expect("sample");
    serde_json::from_str(&text).expect("sample json")
}

struct Reg {
    hub: Hub,
    ads: ads::Ads,
    t: common::TestHub,
    plat: Principal,
    authority: Principal,
    gov: Principal,
}

fn user_in(hub: &Hub, slug: &str, sector: Sector, user: &str) -> Principal {
    hub.add_org(Actor::Operator, slug, &format!("Org {slug}"), sector, "ca")
        .unwrap();
    hub.add_user(Actor::Operator, slug, user, Role::Analyst, None)
        .unwrap();
    hub.principal_for(user).unwrap()
}

fn registry() -> Reg {
    let t = new_hub();
    let hub = t.hub.clone();
    let ads = ads::Ads::new(hub.clone(), t.store.clone());
    let plat = user_in(&hub, "plat", Sector::Platform, "pat");
    let authority = user_in(&hub, "elections-ca", Sector::ElectionAuthority, "eve");
    let gov = user_in(&hub, "gov", Sector::Government, "gus");
    let election = sample("ca-compliant.json")["elections"][0].clone();
    put_election(&ads, &authority, election).unwrap();
    Reg {
        hub,
        ads,
        t,
        plat,
        authority,
        gov,
    }
}

/// The compliant Canadian sample with id `id`, text `text`, no declared creative.
fn ad(id: &str, text: &str) -> Value {
    let mut s = sample("ca-compliant.json");
    s["ad"]["id"] = json!(id);
    s["ad"]["text"] = json!(text);
    s["ad"].as_object_mut().unwrap().remove("creative");
    s["ad"].as_object_mut().unwrap().remove("versions");
    s["ad"].as_object_mut().unwrap().remove("spend_range");
    s.as_object_mut().unwrap().remove("elections");
    s
}

fn png() -> CreativeUpload {
    CreativeUpload {
        bytes: b"\x89PNG\r\n\x1a\n fake but stored as given".to_vec(),
        media_type: "image/png".into(),
    }
}

fn search_all(ads: &ads::Ads, s: &PublicSearch) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = ads.search_ads(s, cursor.as_deref(), Some(7)).unwrap();
        ids.extend(page.ads.iter().map(|a| a.id));
        match page.next {
            Some(n) => cursor = Some(n),
            None => return ids,
        }
    }
}

#[test]
fn accepted_ad_is_published_with_its_creative_and_versions() {
    let r = registry();
    let out = r
        .ads
        .submit_ad(
            &r.plat,
            typed(ad("a1", "Vote for better transit")),
            Some(png()),
        )
        .unwrap();
    assert_eq!(
        out.verdict,
        adrules::Outcome::Accept,
        "{}",
        wire(&out.result)
    );
    assert!(out.published);
    let id = out.ad.unwrap();
    assert_eq!(out.version, Some(1));

    let row = r.ads.public_ad(id).unwrap();
    let doc = wire(ads::ad_document(&row));
    assert_eq!(doc["sponsor"]["name"], "Citizens for Transit");
    assert_eq!(doc["elections"], json!(["ca-2029"]));
    let (media, bytes) = r.ads.public_creative(id).unwrap();
    assert_eq!(media, "image/png");
    assert_eq!(bytes, png().bytes);

    // An update is a new version under the same public id.
    // The creative is already stored: the update refers to it by SHA-256.
    let mut update = ad("a1", "Vote for faster transit");
    update["ad"]["creative"] = doc["creative"].clone();
    let again = r.ads.submit_ad(&r.plat, typed(update), None).unwrap();
    assert_eq!(again.ad, Some(id));
    assert_eq!(again.version, Some(2));
    let found = r
        .ads
        .search_ads(
            &PublicSearch {
                q: Some("faster".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    assert_eq!(found.ads.len(), 1);
    assert_eq!(found.ads[0].id, id);
    let old = r
        .ads
        .search_ads(
            &PublicSearch {
                q: Some("better".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    assert!(old.ads.is_empty(), "the old text is no longer indexed");
    assert_eq!(
        r.t.store.ad_submissions(r.plat.org.id, "a1").unwrap().len(),
        2
    );
}

#[test]
fn foreign_payer_is_rejected_recorded_and_becomes_an_incident() {
    let r = registry();
    r.hub
        .add_collection(
            Actor::Operator,
            "ad-incidents",
            "Ad incidents",
            "",
            Some(Tlp::Amber),
        )
        .unwrap();
    r.hub
        .grant(Actor::Operator, "elections-ca", "ad-incidents", RW)
        .unwrap();
    let col = r
        .ads
        .set_incident_collection(&r.authority, "ad-incidents", None)
        .unwrap();

    // A third party with foreign funds (s. 349.02), paid by a foreign company (282.4(5)).
    let mut s = ad("bad-1", "Vote for better transit");
    s["sponsors"][0]["funding"] = json!([{"amount": {"minor": 900000, "currency": "USD"},
                                          "origin": "US", "source": "private"}]);
    s["ad"]["payer"] = json!("uscorp");
    s["sponsors"].as_array_mut().unwrap().push(json!({
        "id": "uscorp", "legal_name": "Liberty Media Holdings LLC", "kind": "corporation",
        "established_in": "US"
    }));
    let out = r.ads.submit_ad(&r.plat, typed(s), None).unwrap();
    assert!(
        matches!(
            out.verdict,
            adrules::Outcome::Block | adrules::Outcome::Reject
        ),
        "{}",
        wire(&out.result)
    );
    assert!(!out.published);
    assert_eq!(out.ad, None);
    assert_eq!(r.t.store.max_ad_id().unwrap(), 0, "never published");
    let subs = r.t.store.ad_submissions(r.plat.org.id, "bad-1").unwrap();
    assert_eq!(subs.len(), 1);
    assert!(!subs[0].published);

    let violations = r
        .ads
        .ad_violations(&r.authority, Some("ca-2029"), 0, 100)
        .unwrap();
    assert!(violations.iter().any(|v| v.rule_id == "CA-282.4-5"));
    assert!(violations
        .iter()
        .any(|v| v.rule_id == "CA-349.02" && v.foreign_funding));
    assert!(!out.incidents.is_empty());
    // Both the foreign-funding REJECT and the foreign-buyer BLOCK become incidents.
    let foreign: Vec<_> = violations
        .iter()
        .filter(|v| v.foreign_funding || v.rule_id == "CA-282.4-5")
        .collect();
    assert_eq!(foreign.len(), 2);
    assert_eq!(foreign.len(), out.incidents.len());
    assert!(foreign.iter().all(|v| v.incident_id.is_some()));
    assert!(violations
        .iter()
        .filter(|v| !foreign.iter().any(|f| f.id == v.id))
        .all(|v| v.incident_id.is_none()));

    let page = r
        .hub
        .get_objects(&r.authority, &col, &ObjectFilter::default(), None, None)
        .unwrap();
    let incidents: Vec<&Value> = page
        .objects
        .iter()
        .filter(|o| o["type"] == "incident")
        .collect();
    assert_eq!(incidents.len(), out.incidents.len());
    let mut labels: Vec<&str> = incidents
        .iter()
        .filter_map(|i| i["labels"][0].as_str())
        .collect();
    labels.sort();
    assert_eq!(labels, ["foreign-funding", "foreign-interference"]);
    for inc in incidents {
        assert_eq!(inc["object_marking_refs"], json!([Tlp::Amber.marking_id()]));
        assert!(stix::check_object(inc).is_ok());
    }
    // Other sectors may not list violations.
    assert!(matches!(
        r.ads.ad_violations(&r.gov, None, 0, 10),
        Err(ads::Error::Forbidden(_))
    ));
}

#[test]
fn bad_input_is_refused_naming_the_field_and_nothing_is_stored() {
    let r = registry();
    let mut cases: Vec<(Value, Option<CreativeUpload>, &str)> = Vec::new();
    let mut s = ad("x", "t");
    s["ad"]["spend"]["currency"] = json!("XXQ");
    cases.push((s, None, "ad.spend.currency"));
    let mut s = ad("x", "t");
    s["ad"]["spend"]["minor"] = json!(-1);
    cases.push((s, None, "ad.spend.minor"));
    let mut s = ad("x", "t");
    s["sponsors"][0]["established_in"] = json!("QQ");
    cases.push((s, None, "sponsors[0].established_in"));
    let mut s = ad("x", "t");
    s["ad"]["linked_elections"] = json!(["no-such-election"]);
    cases.push((s, None, "ad.linked_elections[0]"));
    let mut s = ad("x", "t");
    s["ad"]["intended_dissemination"]["end"] = json!("2029-09-01T09:00:00-04:00");
    cases.push((s, None, "ad.intended_dissemination"));
    cases.push((
        ad("x", "t"),
        Some(CreativeUpload {
            bytes: vec![1, 2, 3],
            media_type: "application/x-msdownload".into(),
        }),
        "creative",
    ));
    cases.push((
        ad("x", "t"),
        Some(CreativeUpload {
            bytes: b"\xff\xd8\xff\xe0 a JPEG, not a PNG".to_vec(),
            media_type: "image/png".into(),
        }),
        "creative",
    ));
    cases.push((
        ad("x", "t"),
        Some(CreativeUpload {
            bytes: vec![0; (ads::creative_limits().max_creative_bytes + 1) as usize],
            media_type: "image/png".into(),
        }),
        "creative",
    ));
    for (s, c, field) in cases {
        match r.ads.submit_ad(&r.plat, typed(s), c) {
            Err(ads::Error::Invalid { field: f, message }) => {
                assert!(f.starts_with(field), "expected {field}, got {f}: {message}")
            }
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    assert!(r
        .t
        .store
        .ad_submissions(r.plat.org.id, "x")
        .unwrap()
        .is_empty());
    assert_eq!(r.t.store.max_ad_id().unwrap(), 0);
    // Only platforms submit.
    assert!(matches!(
        r.ads.submit_ad(&r.gov, typed(ad("x", "t")), None),
        Err(ads::Error::Forbidden(_))
    ));
    // Election dates out of order.
    let mut e = sample("ca-compliant.json")["elections"][0].clone();
    e["id"] = json!("late");
    e["writ_issued"] = json!("2029-11-01");
    match put_election(&r.ads, &r.authority, e) {
        Err(ads::Error::Invalid { field, .. }) => assert_eq!(field, "writ_issued"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn search_filters_and_stable_paging_under_concurrent_inserts() {
    let r = registry();
    for i in 0..60 {
        let mut s = ad(
            &format!("ad-{i}"),
            if i % 3 == 0 { "transit now" } else { "parks" },
        );
        s["ad"]["spend"]["minor"] = json!(i * 1000);
        s["ad"]["languages"] = json!([if i % 2 == 0 { "en" } else { "fr" }]);
        let out = r.ads.submit_ad(&r.plat, typed(s), Some(png())).unwrap();
        assert!(out.published, "{}", wire(&out.result));
    }
    let filters = PublicSearch {
        language: Some("en".into()),
        spend_min: Some(10_000),
        ..Default::default()
    };
    let before = search_all(&r.ads, &filters);
    // Every even i with i*1000 >= 10000: 10, 12, ..., 58.
    assert_eq!(before.len(), 25);
    let text = search_all(
        &r.ads,
        &PublicSearch {
            q: Some("Transit".into()),
            election: Some("ca-2029".into()),
            platform: Some("plat".into()),
            sponsor: Some("citizens for transit".into()),
            ..Default::default()
        },
    );
    assert_eq!(text.len(), 60, "the sponsor name matches too");
    let words = search_all(
        &r.ads,
        &PublicSearch {
            q: Some("transit now".into()),
            ..Default::default()
        },
    );
    assert_eq!(words.len(), 20);

    // Page through while another thread keeps adding matching ads: the pages are the same
    // as a quiet run, and resuming from a cursor gives the same page again.
    let first = r.ads.search_ads(&filters, None, Some(5)).unwrap();
    let writer = {
        let ads = r.ads.clone();
        let plat = r.plat.clone();
        std::thread::spawn(move || {
            for i in 100..160 {
                let mut s = ad(&format!("ad-{i}"), "late");
                s["ad"]["spend"]["minor"] = json!(50_000);
                s["ad"]["languages"] = json!(["en"]);
                assert!(
                    ads.submit_ad(&plat, typed(s), Some(png()))
                        .unwrap()
                        .published
                );
            }
        })
    };
    let mut ids: Vec<i64> = first.ads.iter().map(|a| a.id).collect();
    let mut cursor = first.next.clone();
    let mut cursors = Vec::new();
    while let Some(c) = cursor {
        let page = r.ads.search_ads(&filters, Some(&c), Some(5)).unwrap();
        ids.extend(page.ads.iter().map(|a| a.id));
        cursors.push((c, page.ads.clone()));
        cursor = page.next;
    }
    writer.join().unwrap();
    assert_eq!(ids, before);
    for (c, ads) in cursors {
        assert_eq!(
            r.ads.search_ads(&filters, Some(&c), Some(5)).unwrap().ads,
            ads
        );
    }
    // A new query sees the new ads; a cursor of another query is refused.
    assert_eq!(search_all(&r.ads, &filters).len(), 85);
    let other = PublicSearch {
        language: Some("fr".into()),
        ..Default::default()
    };
    assert!(matches!(
        r.ads.search_ads(&other, first.next.as_deref(), Some(5)),
        Err(ads::Error::Hub(HubError::BadCursor(_)))
    ));
    assert!(matches!(
        r.ads.search_ads(
            &PublicSearch {
                from: Some("2029-10-01".into()),
                to: Some("2029-09-01".into()),
                ..Default::default()
            },
            None,
            None
        ),
        Err(ads::Error::Invalid { .. })
    ));
}

#[test]
fn election_exports_read_in_pages_match_the_scan_and_skip_later_ads() {
    let r = registry();
    for i in 0..7 {
        r.ads
            .submit_ad(&r.plat, typed(ad(&format!("p{i}"), "x")), Some(png()))
            .unwrap();
    }
    let mut scanned = Vec::new();
    r.ads
        .export_election_ads("ca-2029", &mut |row| {
            scanned.push(row.id);
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(scanned.len(), 7);
    let mut export = r.ads.start_election_export("ca-2029").unwrap();
    // An ad published after the export started is not part of it.
    r.ads
        .submit_ad(&r.plat, typed(ad("late", "x")), Some(png()))
        .unwrap();
    let mut paged = Vec::new();
    let mut pages = 0;
    loop {
        let page = r.ads.next_export_page(&mut export, 3).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        pages += 1;
        paged.extend(page.iter().map(|row| row.id));
    }
    assert_eq!(paged, scanned);
    assert_eq!(pages, 3);
    assert!(r.ads.next_export_page(&mut export, 3).unwrap().is_empty());
    assert!(matches!(
        r.ads.start_election_export("nope"),
        Err(ads::Error::UnknownElection(_))
    ));
}

#[test]
fn election_export_and_retention_with_audit() {
    let r = registry();
    let out = r
        .ads
        .submit_ad(&r.plat, typed(ad("keep", "x")), Some(png()))
        .unwrap();
    let id = out.ad.unwrap();
    let mut n = 0;
    let mut records = Vec::new();
    r.ads
        .export_election_ads("ca-2029", &mut |row| {
            n += 1;
            records.push(ads::ad_csv_record(row));
            ControlFlow::Continue(())
        })
        .unwrap();
    let csv = hub::csv_dialect::to_string(records);
    assert_eq!(n, 1);
    assert!(csv.starts_with(&format!("{id},1,plat,")));
    assert!(matches!(
        r.ads
            .export_election_ads("nope", &mut |_| ControlFlow::Continue(())),
        Err(ads::Error::UnknownElection(_))
    ));

    let day = |s: &str| {
        let d = adrules::Date::parse(s).unwrap();
        i64::from(d.days()) * 86_400
    };
    let publish_until = wire(&out.result)["retention"]["publish_until"]
        .as_str()
        .unwrap()
        .to_string();
    let keep_until = wire(&out.result)["retention"]["keep_until"]
        .as_str()
        .unwrap()
        .to_string();
    // On the publication day the ad is still public.
    let run = r.ads.run_ad_retention(day(&publish_until)).unwrap();
    assert_eq!(run.hidden, 0);
    assert!(r.ads.public_ad(id).is_ok());
    let run = r
        .ads
        .run_ad_retention(day(&publish_until) + 86_400)
        .unwrap();
    assert_eq!(run.hidden, 1);
    assert!(matches!(r.ads.public_ad(id), Err(ads::Error::UnknownAd(_))));
    assert!(
        r.t.store.ad_by_id(id).unwrap().is_some(),
        "kept, not public"
    );
    let run = r.ads.run_ad_retention(day(&keep_until)).unwrap();
    assert_eq!(run.purged, 0);
    let run = r.ads.run_ad_retention(day(&keep_until) + 86_400).unwrap();
    assert_eq!(run.purged, 1);
    assert!(r.t.store.ad_by_id(id).unwrap().is_none());
    assert!(r
        .t
        .store
        .ad_submissions(r.plat.org.id, "keep")
        .unwrap()
        .is_empty());
    let audit = r.t.store.ad_audit(0, 10).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["hidden", "purged"]);
    assert!(audit.iter().all(|a| a.ad == id));
}

/// The EU sample's parts: the submission without sponsors and platform, and those parts.
fn eu_parts() -> (Value, Vec<Value>, Value, Value) {
    let mut s = sample("eu-controlled-from-abroad.json");
    let sponsors = s["sponsors"].as_array().unwrap().clone();
    let platform = s["platform"].clone();
    let election = s["elections"][0].clone();
    let o = s.as_object_mut().unwrap();
    o.remove("sponsors");
    o.remove("platform");
    o.remove("elections");
    s["ad"].as_object_mut().unwrap().remove("creative");
    s["ad"].as_object_mut().unwrap().remove("versions");
    (s, sponsors, platform, election)
}

fn fired_ids(result: &Value) -> Vec<String> {
    let mut ids: Vec<String> = result["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn registered_sponsors_and_platforms_fill_submissions_and_judge_like_inline_ones() {
    let r = registry();
    let (sub, sponsors, platform, election) = eu_parts();
    put_election(&r.ads, &r.authority, election).unwrap();

    // Without a registered platform, a submission must carry it.
    let err = r
        .ads
        .submit_ad(&r.plat, typed(sub.clone()), None)
        .unwrap_err();
    assert!(
        matches!(&err, ads::Error::Invalid { field, .. } if field == "platform"),
        "{err:?}"
    );
    let rec = r
        .ads
        .put_platform(&r.plat, "plat", typed(platform))
        .unwrap();
    assert_eq!(rec.id, "plat");
    assert!(matches!(
        r.ads
            .put_platform(&r.plat, "other-platform", typed(json!({}))),
        Err(ads::Error::Forbidden(_))
    ));
    let err = r
        .ads
        .put_platform(
            &r.plat,
            "plat",
            typed(json!({"monthly_reach_ca": [{"language": "zz-9", "visitors": 1}]})),
        )
        .unwrap_err();
    assert!(
        matches!(&err, ads::Error::Invalid { field, .. } if field == "monthly_reach_ca[0].language"),
        "{err:?}"
    );

    // A controlling entity must be registered before what it controls.
    let by_id = |id: &str| sponsors.iter().find(|s| s["id"] == id).unwrap().clone();
    let err = r
        .ads
        .put_sponsor(&r.plat, "verein", typed(by_id("verein")))
        .unwrap_err();
    assert!(
        matches!(&err, ads::Error::Invalid { field, .. } if field == "controlled_by"),
        "{err:?}"
    );
    for id in ["parent", "holding", "verein"] {
        r.ads.put_sponsor(&r.plat, id, typed(by_id(id))).unwrap();
    }
    // A replacement that would close the chain into a loop is refused.
    let mut looped = by_id("parent");
    looped["controlled_by"] = json!("verein");
    let err = r
        .ads
        .put_sponsor(&r.plat, "parent", typed(looped))
        .unwrap_err();
    assert!(
        matches!(&err, ads::Error::Invalid { field, .. } if field == "controlled_by"),
        "{err:?}"
    );
    // At most 32 controlling entities above a sponsor.
    for i in 0..33 {
        let mut link = json!({"legal_name": format!("Link {i}"), "kind": "corporation",
                              "established_in": "NL"});
        if i > 0 {
            link["controlled_by"] = json!(format!("link-{}", i - 1));
        }
        r.ads
            .put_sponsor(&r.plat, &format!("link-{i}"), typed(link))
            .unwrap();
    }
    let err = r
        .ads
        .put_sponsor(
            &r.plat,
            "link-33",
            typed(
                json!({"legal_name": "Link 33", "kind": "corporation", "established_in": "NL",
                   "controlled_by": "link-32"}),
            ),
        )
        .unwrap_err();
    assert!(
        matches!(&err, ads::Error::Invalid { field, message } if field == "controlled_by" && message.contains("more than 32")),
        "{err:?}"
    );
    // Only the registering organisation replaces a sponsor; governments register none.
    let other = user_in(&r.hub, "plat-2", Sector::Platform, "pia");
    assert!(matches!(
        r.ads.put_sponsor(&other, "parent", typed(by_id("parent"))),
        Err(ads::Error::Forbidden(_))
    ));
    assert!(matches!(
        r.ads.put_sponsor(&r.gov, "someone", typed(by_id("parent"))),
        Err(ads::Error::Forbidden(_))
    ));
    let mut bad = by_id("parent");
    bad["funding"] = json!([{"amount": {"minor": -5, "currency": "EUR"}, "origin": "DE",
                             "source": "private"}]);
    let err = r
        .ads
        .put_sponsor(&r.plat, "parent", typed(bad))
        .unwrap_err();
    assert!(
        matches!(&err, ads::Error::Invalid { field, .. } if field == "funding[0].amount.minor"),
        "{err:?}"
    );

    // The registry resolves the ad's sponsor and its two-step control chain abroad; the
    // verdict and the rules fired are those of the same submission with everything inline.
    let out = r.ads.submit_ad(&r.plat, typed(sub), None).unwrap();
    let inline = adrules::Engine::shipped()
        .unwrap()
        .check(&serde_json::from_value(sample("eu-controlled-from-abroad.json")).unwrap())
        .unwrap();
    assert_eq!(out.verdict, inline.verdict);
    assert_eq!(out.verdict, adrules::Outcome::Block);
    assert_eq!(
        fired_ids(&wire(&out.result)),
        fired_ids(&serde_json::to_value(&inline).unwrap())
    );
    assert!(fired_ids(&wire(&out.result)).contains(&"EU-ART5-2-SPONSOR".to_string()));

    // The public view resolves the chain and leaves out nothing public.
    let v = serde_json::to_value(r.ads.public_sponsor("verein").unwrap()).unwrap();
    let chain: Vec<&str> = v["control_chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(chain, ["holding", "parent"]);
    assert_eq!(v["control_chain"][1]["established_in"], "US");
    assert_eq!(v["funding"].as_array().unwrap().len(), 2);
    assert!(matches!(
        r.ads.public_sponsor("nobody"),
        Err(ads::Error::UnknownSponsor(_))
    ));
    let listed: Vec<String> = r
        .ads
        .public_sponsors("", 200)
        .unwrap()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(listed.len(), 36);
    assert!(["holding", "parent", "verein"]
        .iter()
        .all(|id| listed.iter().any(|l| l == id)));
    assert_eq!(
        r.ads.sponsor(&r.authority, "parent").unwrap().legal_name,
        "Velo Parent Inc."
    );
    assert!(matches!(
        r.ads.sponsor(&r.gov, "parent"),
        Err(ads::Error::Forbidden(_))
    ));
    let platforms = wire(r.ads.public_platforms().unwrap());
    assert_eq!(platforms.as_array().unwrap().len(), 1);
    assert_eq!(platforms[0]["id"], "plat");
}

#[test]
fn a_registered_sponsor_serves_many_ads_and_an_inline_one_takes_precedence() {
    let r = registry();
    let base = ad("s1", "Transit now");
    let ctp = base["sponsors"][0].clone();
    r.ads.put_sponsor(&r.plat, "ctp", typed(ctp)).unwrap();
    for i in 0..3 {
        let mut s = ad(&format!("s{i}"), "Transit now");
        s.as_object_mut().unwrap().remove("sponsors");
        let out = r.ads.submit_ad(&r.plat, typed(s), Some(png())).unwrap();
        assert_eq!(
            out.verdict,
            adrules::Outcome::Accept,
            "{}",
            wire(&out.result)
        );
        let doc = wire(ads::ad_document(&r.ads.public_ad(out.ad.unwrap()).unwrap()));
        assert_eq!(doc["sponsor"]["name"], "Citizens for Transit");
    }
    // The same id given inline with foreign funds is judged as given.
    let mut s = ad("s9", "Transit now");
    s["sponsors"][0]["funding"] = json!([{"amount": {"minor": 900000, "currency": "USD"},
                                          "origin": "US", "source": "private"}]);
    let out = r.ads.submit_ad(&r.plat, typed(s), None).unwrap();
    assert!(fired_ids(&wire(&out.result)).contains(&"CA-349.02".to_string()));
    // An ad naming a sponsor nobody registered is refused naming the field.
    let mut s = ad("s10", "Transit now");
    s.as_object_mut().unwrap().remove("sponsors");
    s["ad"]["sponsor"] = json!("unregistered");
    let err = r.ads.submit_ad(&r.plat, typed(s), None).unwrap_err();
    assert!(
        matches!(&err, ads::Error::Invalid { field, .. } if field == "ad.sponsor"),
        "{err:?}"
    );
}

#[test]
fn every_version_of_an_ad_keeps_its_document_and_creative() {
    let r = registry();
    let first = r
        .ads
        .submit_ad(&r.plat, typed(ad("v1", "First words")), Some(png()))
        .unwrap();
    let id = first.ad.unwrap();
    let gif = CreativeUpload {
        bytes: b"GIF89a second creative".to_vec(),
        media_type: "image/gif".into(),
    };
    let second = r
        .ads
        .submit_ad(&r.plat, typed(ad("v1", "Second words")), Some(gif.clone()))
        .unwrap();
    assert_eq!((second.ad, second.version), (Some(id), Some(2)));
    let versions = wire(r.ads.public_ad_versions(id).unwrap());
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[0]["document"]["text"], "First words");
    assert_eq!(versions[1]["document"]["text"], "Second words");
    assert_ne!(
        versions[0]["creative_sha256"],
        versions[1]["creative_sha256"]
    );
    assert!(versions[0]["published"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r.ads.public_version_creative(id, 1).unwrap().1, png().bytes);
    assert_eq!(
        r.ads.public_version_creative(id, 2).unwrap(),
        ("image/gif".to_string(), gif.bytes)
    );
    assert!(matches!(
        r.ads.public_version_creative(id, 3),
        Err(ads::Error::UnknownVersion { .. })
    ));
    assert!(matches!(
        r.ads.public_ad_versions(id + 1),
        Err(ads::Error::UnknownAd(_))
    ));
}

#[test]
fn public_elections_carry_their_computed_periods() {
    let r = registry();
    let all = r.ads.public_elections().unwrap();
    assert_eq!(all.len(), 1);
    let e = wire(r.ads.public_election("ca-2029").unwrap());
    assert_eq!(e, wire(&all[0]));
    // Fixed-date general election: pre-election period from June 30 to the day before the
    // writ, election period from the writ to polling day, EU window three months back.
    assert_eq!(
        e["periods"]["pre_election_period"],
        json!({"start": "2029-06-30", "end": "2029-09-08"})
    );
    assert_eq!(
        e["periods"]["election_period"],
        json!({"start": "2029-09-09", "end": "2029-10-15"})
    );
    assert_eq!(
        e["periods"]["eu_sponsor_window"],
        json!({"start": "2029-07-15", "end": "2029-10-15"})
    );
    assert!(matches!(
        r.ads.public_election("nope"),
        Err(ads::Error::UnknownElection(_))
    ));
}

/// A second election authority ("elections-qc", user "quinn") with its own election qc-2029.
fn second_authority(r: &Reg) -> Principal {
    let quinn = user_in(&r.hub, "elections-qc", Sector::ElectionAuthority, "quinn");
    let mut e = sample("ca-compliant.json")["elections"][0].clone();
    e["id"] = json!("qc-2029");
    e["name"] = json!("Quebec general election");
    put_election(&r.ads, &quinn, e).unwrap();
    quinn
}

/// A foreign-funded third-party ad linked to `election`.
fn foreign_funded(id: &str, election: &str) -> Value {
    let mut s = ad(id, "Vote for better transit");
    s["sponsors"][0]["funding"] = json!([{"amount": {"minor": 900000, "currency": "USD"},
                                          "origin": "US", "source": "private"}]);
    s["ad"]["linked_elections"] = json!([election]);
    s
}

/// The incidents in a collection, read by `p`.
fn incidents_in(r: &Reg, p: &Principal, col: &str) -> Vec<Value> {
    r.hub
        .get_objects(p, col, &ObjectFilter::default(), None, None)
        .unwrap()
        .objects
        .into_iter()
        .filter(|o| o["type"] == "incident")
        .collect()
}

#[test]
fn only_the_registering_authority_changes_an_election() {
    let r = registry();
    let quinn = second_authority(&r);
    let before = r.t.store.election_by_id("ca-2029").unwrap().unwrap();
    // Another authority can neither overwrite the election nor make it invalid.
    let mut e = sample("ca-compliant.json")["elections"][0].clone();
    e["polling_day"] = json!("2029-10-22");
    e["districts"] = json!([]);
    assert!(matches!(
        put_election(&r.ads, &quinn, e.clone()),
        Err(ads::Error::Forbidden(_))
    ));
    assert_eq!(
        r.t.store.election_by_id("ca-2029").unwrap(),
        Some(before.clone())
    );
    // A district whose polls close on another day than polling day, or in an offset no time
    // zone uses, is refused with the field named, even for the owner.
    let mut bad = sample("ca-compliant.json")["elections"][0].clone();
    bad["districts"][1]["poll_close"] = json!("2029-10-16T19:00:00-07:00");
    match put_election(&r.ads, &r.authority, bad) {
        Err(ads::Error::Invalid { field, .. }) => assert_eq!(field, "districts[1].poll_close"),
        other => panic!("{other:?}"),
    }
    let mut bad = sample("ca-compliant.json")["elections"][0].clone();
    bad["districts"][0]["poll_close"] = json!("2029-10-15T21:30:00-16:00");
    match put_election(&r.ads, &r.authority, bad) {
        Err(ads::Error::Invalid { field, .. }) => assert_eq!(field, "districts[0].poll_close"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.t.store.election_by_id("ca-2029").unwrap().map(|e| e.json),
        Some(before.json)
    );
    // Submissions linked to it still go through.
    assert!(
        r.ads
            .submit_ad(&r.plat, typed(ad("ok-1", "Transit")), Some(png()))
            .unwrap()
            .published
    );
    // The owner may replace it.
    let rec = put_election(&r.ads, &r.authority, e).unwrap();
    assert_eq!(rec.org_id, r.authority.org.id);
    assert!(rec.json.contains("2029-10-22"));
}

#[test]
fn incident_destinations_belong_to_each_election_authority() {
    let r = registry();
    let quinn = second_authority(&r);
    for (slug, org) in [
        ("ca-incidents", "elections-ca"),
        ("qc-incidents", "elections-qc"),
        ("ops-incidents", "elections-ca"),
    ] {
        r.hub
            .add_collection(Actor::Operator, slug, slug, "", None)
            .unwrap();
        r.hub.grant(Actor::Operator, org, slug, RW).unwrap();
    }
    let mut e = sample("ca-compliant.json")["elections"][0].clone();
    e["id"] = json!("by-2029");
    put_election(&r.ads, &r.authority, e).unwrap();

    // Quinn may not redirect the incidents of eve's election, nor choose a collection it
    // cannot write to.
    assert!(matches!(
        r.ads
            .set_election_incident_collection(&quinn, "ca-2029", "qc-incidents", Some(Tlp::Clear)),
        Err(ads::Error::Forbidden(_))
    ));
    assert!(matches!(
        r.ads
            .set_election_incident_collection(&r.authority, "ca-2029", "qc-incidents", None),
        Err(
            ads::Error::Hub(HubError::NotFound(_) | HubError::Forbidden(_))
                | ads::Error::Forbidden(_)
        )
    ));
    assert!(matches!(
        r.ads
            .set_election_incident_collection(&r.authority, "nope", "ca-incidents", None),
        Err(ads::Error::UnknownElection(_))
    ));
    // Each authority's choice covers only its own elections.
    r.ads
        .set_incident_collection(&quinn, "qc-incidents", Some(Tlp::Clear))
        .unwrap();
    let ca = r
        .ads
        .set_election_incident_collection(&r.authority, "ca-2029", "ca-incidents", Some(Tlp::Green))
        .unwrap();
    assert_eq!(ca.tlp, Tlp::Green);
    // The hub-wide default is the operator's; it needs a user with write access.
    assert!(matches!(
        r.ads
            .set_default_incident_collection("quinn", "ops-incidents", None),
        Err(
            ads::Error::Hub(HubError::NotFound(_) | HubError::Forbidden(_))
                | ads::Error::Forbidden(_)
        )
    ));
    r.ads
        .set_default_incident_collection("eve", "ops-incidents", None)
        .unwrap();

    let ca_out = r
        .ads
        .submit_ad(&r.plat, typed(foreign_funded("f-ca", "ca-2029")), None)
        .unwrap();
    let qc_out = r
        .ads
        .submit_ad(&r.plat, typed(foreign_funded("f-qc", "qc-2029")), None)
        .unwrap();
    let by_out = r
        .ads
        .submit_ad(&r.plat, typed(foreign_funded("f-by", "by-2029")), None)
        .unwrap();
    assert_eq!(
        (
            ca_out.incidents.len(),
            qc_out.incidents.len(),
            by_out.incidents.len()
        ),
        (1, 1, 1)
    );

    let ca_inc = incidents_in(&r, &r.authority, "ca-incidents");
    assert_eq!(ca_inc.len(), 1);
    assert_eq!(ca_inc[0]["id"], json!(ca_out.incidents[0]));
    assert_eq!(
        ca_inc[0]["object_marking_refs"],
        json!([Tlp::Green.marking_id()])
    );
    assert_eq!(
        ca_inc[0]["created_by_ref"],
        json!(r.authority.org.identity_id)
    );
    let qc_inc = incidents_in(&r, &quinn, "qc-incidents");
    assert_eq!(qc_inc.len(), 1);
    assert_eq!(qc_inc[0]["id"], json!(qc_out.incidents[0]));
    assert_eq!(
        qc_inc[0]["object_marking_refs"],
        json!([Tlp::Clear.marking_id()])
    );
    let ops = incidents_in(&r, &r.authority, "ops-incidents");
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["id"], json!(by_out.incidents[0]));
    assert_eq!(
        ops[0]["object_marking_refs"],
        json!([Tlp::Amber.marking_id()])
    );

    // An ad linked to both authorities' elections: one incident in each destination.
    let mut both = foreign_funded("f-both", "ca-2029");
    both["ad"]["linked_elections"] = json!(["ca-2029", "qc-2029"]);
    let out = r.ads.submit_ad(&r.plat, typed(both), None).unwrap();
    assert_eq!(out.incidents.len(), 2);
    assert_eq!(incidents_in(&r, &r.authority, "ca-incidents").len(), 2);
    assert_eq!(incidents_in(&r, &quinn, "qc-incidents").len(), 2);
}

#[test]
fn violations_are_scoped_to_the_authority_elections() {
    let r = registry();
    let quinn = second_authority(&r);
    r.ads
        .submit_ad(&r.plat, typed(foreign_funded("f-ca", "ca-2029")), None)
        .unwrap();
    r.ads
        .submit_ad(&r.plat, typed(foreign_funded("f-qc", "qc-2029")), None)
        .unwrap();
    let ads_of = |p: &Principal, election: Option<&str>| -> Vec<String> {
        let mut v: Vec<String> = r
            .ads
            .ad_violations(p, election, 0, 100)
            .unwrap()
            .into_iter()
            .map(|v| v.ad_id)
            .collect();
        v.dedup();
        v
    };
    assert_eq!(ads_of(&r.authority, None), ["f-ca"]);
    assert_eq!(ads_of(&quinn, None), ["f-qc"]);
    assert!(ads_of(&quinn, Some("ca-2029")).is_empty());
    assert_eq!(ads_of(&r.authority, Some("ca-2029")), ["f-ca"]);
}

#[test]
fn the_public_sponsor_view_shows_a_disclosed_name_only() {
    let r = registry();
    let person = json!({
        "legal_name": "Jean Private", "disclosed_name": "Friends of the Valley",
        "kind": "individual", "citizenship": ["FR"], "permanent_resident_of": ["CA"],
        "residence": "CA", "canadian_role": "third_party",
        "eu_declaration": {"basis": "resident_voter", "declared_on": "2029-01-10"}
    });
    r.ads.put_sponsor(&r.plat, "valley", typed(person)).unwrap();
    let v = serde_json::to_value(r.ads.public_sponsor("valley").unwrap()).unwrap();
    assert_eq!(v["name"], "Friends of the Valley");
    let text = v.to_string();
    for hidden in [
        "Jean Private",
        "legal_name",
        "residence",
        "citizenship",
        "permanent",
        "resident_voter",
    ] {
        assert!(!text.contains(hidden), "{hidden} in {text}");
    }
    assert_eq!(v["eu_declaration"]["declared_on"], "2029-01-10");
    let listed = serde_json::to_value(r.ads.public_sponsors("", 10).unwrap()).unwrap();
    assert!(!listed.to_string().contains("Jean Private"));
    // Without a disclosed name the legal name is the public name.
    let entity = json!({"legal_name": "Valley Media Inc.", "kind": "corporation",
                        "established_in": "CA"});
    r.ads
        .put_sponsor(&r.plat, "valley-media", typed(entity))
        .unwrap();
    let v = serde_json::to_value(r.ads.public_sponsor("valley-media").unwrap()).unwrap();
    assert_eq!(
        (&v["name"], &v["legal_name"]),
        (&json!("Valley Media Inc."), &json!("Valley Media Inc."))
    );
    // The full record stays available to platforms and authorities.
    assert_eq!(
        r.ads.sponsor(&r.authority, "valley").unwrap().legal_name,
        "Jean Private"
    );
    // A published ad's document follows the same rule.
    let mut s = ad("v-1", "The valley votes");
    s.as_object_mut().unwrap().remove("sponsors");
    s["ad"]["sponsor"] = json!("valley");
    s["ad"]["tagline"] = json!("Authorized by Friends of the Valley");
    let out = r.ads.submit_ad(&r.plat, typed(s), Some(png())).unwrap();
    assert!(out.published, "{}", wire(&out.result));
    let doc = wire(ads::ad_document(&r.ads.public_ad(out.ad.unwrap()).unwrap()));
    assert_eq!(doc["sponsor"]["name"], "Friends of the Valley");
    assert!(!doc.to_string().contains("Jean Private"), "{doc}");
    assert!(doc["sponsor"].get("residence").is_none());
}

#[test]
fn a_destination_stored_by_an_earlier_version_counts_only_for_its_authority() {
    let r = registry();
    let quinn = second_authority(&r);
    r.hub
        .add_collection(Actor::Operator, "qc-incidents", "QC", "", None)
        .unwrap();
    r.hub
        .grant(Actor::Operator, "elections-qc", "qc-incidents", RW)
        .unwrap();
    let col =
        r.t.store
            .collection_by_slug("qc-incidents")
            .unwrap()
            .unwrap();
    // What an earlier version stored when quinn redirected every incident to itself.
    for (k, v) in [
        ("incident_collection", col.id.as_str()),
        ("incident_user", "quinn"),
        ("incident_tlp", "CLEAR"),
    ] {
        r.t.store.set_ad_setting(k, v).unwrap();
    }
    assert_eq!(r.ads.incident_destination("ca-2029").unwrap(), None);
    let qc = r.ads.incident_destination("qc-2029").unwrap().unwrap();
    assert_eq!(
        (qc.collection.as_str(), qc.tlp),
        (col.id.as_str(), Tlp::Clear)
    );
    let out = r
        .ads
        .submit_ad(&r.plat, typed(foreign_funded("f-ca", "ca-2029")), None)
        .unwrap();
    assert!(out.incidents.is_empty());
    assert!(incidents_in(&r, &quinn, &col.id).is_empty());
    let out = r
        .ads
        .submit_ad(&r.plat, typed(foreign_funded("f-qc", "qc-2029")), None)
        .unwrap();
    assert_eq!(out.incidents.len(), 1);
    assert_eq!(incidents_in(&r, &quinn, &col.id).len(), 1);
}
