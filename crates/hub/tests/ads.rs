//! The political-advertising registry through the hub on real SQLite files: submissions and
//! verdicts, rejected submissions never published, bad input refused with nothing stored,
//! violations and STIX incidents, public search with stable paging under concurrent inserts,
//! creatives, election export and the retention job.

mod common;

use std::ops::ControlFlow;

use common::{new_hub, RW};
use hub::ads::{CreativeUpload, PublicSearch};
use hub::{Hub, HubError, ObjectFilter, Principal};
use serde_json::{json, Value};
use store::{Role, Sector, Tlp};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../adrules/samples");

fn sample(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLES}/{name}")).expect("sample");
    serde_json::from_str(&text).expect("sample json")
}

struct Reg {
    hub: Hub,
    _t: common::TestHub,
    plat: Principal,
    authority: Principal,
    gov: Principal,
}

fn user_in(hub: &Hub, slug: &str, sector: Sector, user: &str) -> Principal {
    hub.add_org(None, slug, &format!("Org {slug}"), sector, "ca")
        .unwrap();
    hub.add_user(None, slug, user, Role::Analyst, None).unwrap();
    hub.principal_for(user).unwrap()
}

fn registry() -> Reg {
    let t = new_hub();
    let hub = t.hub.clone();
    let plat = user_in(&hub, "plat", Sector::Platform, "pat");
    let authority = user_in(&hub, "elections-ca", Sector::ElectionAuthority, "eve");
    let gov = user_in(&hub, "gov", Sector::Government, "gus");
    let election = sample("ca-compliant.json")["elections"][0].clone();
    hub.put_election(&authority, election).unwrap();
    Reg {
        hub,
        _t: t,
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

fn search_all(hub: &Hub, s: &PublicSearch) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = hub.search_ads(s, cursor.as_deref(), Some(7)).unwrap();
        ids.extend(page.ads.iter().map(|a| a["id"].as_i64().unwrap()));
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
        .hub
        .submit_ad(&r.plat, ad("a1", "Vote for better transit"), Some(png()))
        .unwrap();
    assert_eq!(out.verdict, adrules::Outcome::Accept, "{}", out.result);
    assert!(out.published);
    let id = out.ad.unwrap();
    assert_eq!(out.version, Some(1));

    let row = r.hub.public_ad(id).unwrap();
    let doc = hub::ads::ad_document(&row);
    assert_eq!(doc["sponsor"]["name"], "Citizens for Transit");
    assert_eq!(doc["elections"], json!(["ca-2029"]));
    let (media, bytes) = r.hub.public_creative(id).unwrap();
    assert_eq!(media, "image/png");
    assert_eq!(bytes, png().bytes);

    // An update is a new version under the same public id.
    // The creative is already stored: the update refers to it by SHA-256.
    let mut update = ad("a1", "Vote for faster transit");
    update["ad"]["creative"] = doc["creative"].clone();
    let again = r.hub.submit_ad(&r.plat, update, None).unwrap();
    assert_eq!(again.ad, Some(id));
    assert_eq!(again.version, Some(2));
    let found = r
        .hub
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
    assert_eq!(found.ads[0]["id"], id);
    let old = r
        .hub
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
        r.hub
            .store()
            .ad_submissions(r.plat.org.id, "a1")
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn foreign_payer_is_rejected_recorded_and_becomes_an_incident() {
    let r = registry();
    r.hub
        .add_collection(None, "ad-incidents", "Ad incidents", "", Some(Tlp::Amber))
        .unwrap();
    r.hub
        .grant(None, "elections-ca", "ad-incidents", RW)
        .unwrap();
    let col = r
        .hub
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
    let out = r.hub.submit_ad(&r.plat, s, None).unwrap();
    assert!(
        matches!(
            out.verdict,
            adrules::Outcome::Block | adrules::Outcome::Reject
        ),
        "{}",
        out.result
    );
    assert!(!out.published);
    assert_eq!(out.ad, None);
    assert_eq!(r.hub.store().max_ad_id().unwrap(), 0, "never published");
    let subs = r
        .hub
        .store()
        .ad_submissions(r.plat.org.id, "bad-1")
        .unwrap();
    assert_eq!(subs.len(), 1);
    assert!(!subs[0].published);

    let violations = r
        .hub
        .ad_violations(&r.authority, Some("ca-2029"), 0, 100)
        .unwrap();
    assert!(violations.iter().any(|v| v.rule_id == "CA-282.4-5"));
    assert!(violations
        .iter()
        .any(|v| v.rule_id == "CA-349.02" && v.foreign_funding));
    assert!(!out.incidents.is_empty());
    let ff: Vec<_> = violations.iter().filter(|v| v.foreign_funding).collect();
    assert_eq!(ff.len(), out.incidents.len());
    assert!(ff.iter().all(|v| v.incident_id.is_some()));

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
    for inc in incidents {
        assert_eq!(inc["object_marking_refs"], json!([Tlp::Amber.marking_id()]));
        assert!(stix::check_object(inc).is_ok());
    }
    // Other sectors may not list violations.
    assert!(matches!(
        r.hub.ad_violations(&r.gov, None, 0, 10),
        Err(HubError::Forbidden(_))
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
            bytes: vec![0; (hub::ads::creative_limits().max_creative_bytes + 1) as usize],
            media_type: "image/png".into(),
        }),
        "creative",
    ));
    for (s, c, field) in cases {
        match r.hub.submit_ad(&r.plat, s, c) {
            Err(HubError::Invalid { field: f, message }) => {
                assert!(f.starts_with(field), "expected {field}, got {f}: {message}")
            }
            other => panic!("expected invalid {field}, got {other:?}"),
        }
    }
    assert!(r
        .hub
        .store()
        .ad_submissions(r.plat.org.id, "x")
        .unwrap()
        .is_empty());
    assert_eq!(r.hub.store().max_ad_id().unwrap(), 0);
    // Only platforms submit.
    assert!(matches!(
        r.hub.submit_ad(&r.gov, ad("x", "t"), None),
        Err(HubError::Forbidden(_))
    ));
    // Election dates out of order.
    let mut e = sample("ca-compliant.json")["elections"][0].clone();
    e["id"] = json!("late");
    e["writ_issued"] = json!("2029-11-01");
    match r.hub.put_election(&r.authority, e) {
        Err(HubError::Invalid { field, .. }) => assert_eq!(field, "writ_issued"),
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
        let out = r.hub.submit_ad(&r.plat, s, Some(png())).unwrap();
        assert!(out.published, "{}", out.result);
    }
    let filters = PublicSearch {
        language: Some("en".into()),
        spend_min: Some(10_000),
        ..Default::default()
    };
    let before = search_all(&r.hub, &filters);
    // Every even i with i*1000 >= 10000: 10, 12, ..., 58.
    assert_eq!(before.len(), 25);
    let text = search_all(
        &r.hub,
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
        &r.hub,
        &PublicSearch {
            q: Some("transit now".into()),
            ..Default::default()
        },
    );
    assert_eq!(words.len(), 20);

    // Page through while another thread keeps adding matching ads: the pages are the same
    // as a quiet run, and resuming from a cursor gives the same page again.
    let first = r.hub.search_ads(&filters, None, Some(5)).unwrap();
    let writer = {
        let hub = r.hub.clone();
        let plat = r.plat.clone();
        std::thread::spawn(move || {
            for i in 100..160 {
                let mut s = ad(&format!("ad-{i}"), "late");
                s["ad"]["spend"]["minor"] = json!(50_000);
                s["ad"]["languages"] = json!(["en"]);
                assert!(hub.submit_ad(&plat, s, Some(png())).unwrap().published);
            }
        })
    };
    let mut ids: Vec<i64> = first
        .ads
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    let mut cursor = first.next.clone();
    let mut cursors = Vec::new();
    while let Some(c) = cursor {
        let page = r.hub.search_ads(&filters, Some(&c), Some(5)).unwrap();
        ids.extend(page.ads.iter().map(|a| a["id"].as_i64().unwrap()));
        cursors.push((c, page.ads.clone()));
        cursor = page.next;
    }
    writer.join().unwrap();
    assert_eq!(ids, before);
    for (c, ads) in cursors {
        assert_eq!(
            r.hub.search_ads(&filters, Some(&c), Some(5)).unwrap().ads,
            ads
        );
    }
    // A new query sees the new ads; a cursor of another query is refused.
    assert_eq!(search_all(&r.hub, &filters).len(), 85);
    let other = PublicSearch {
        language: Some("fr".into()),
        ..Default::default()
    };
    assert!(matches!(
        r.hub.search_ads(&other, first.next.as_deref(), Some(5)),
        Err(HubError::BadCursor(_))
    ));
    assert!(matches!(
        r.hub.search_ads(
            &PublicSearch {
                from: Some("2029-10-01".into()),
                to: Some("2029-09-01".into()),
                ..Default::default()
            },
            None,
            None
        ),
        Err(HubError::Invalid { .. })
    ));
}

#[test]
fn election_export_and_retention_with_audit() {
    let r = registry();
    let out = r
        .hub
        .submit_ad(&r.plat, ad("keep", "x"), Some(png()))
        .unwrap();
    let id = out.ad.unwrap();
    let mut n = 0;
    let mut csv = String::new();
    r.hub
        .export_election_ads("ca-2029", &mut |row| {
            n += 1;
            hub::ads::ad_csv_line(row, &mut csv);
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(n, 1);
    assert!(csv.starts_with(&format!("{id},1,plat,")));
    assert!(matches!(
        r.hub
            .export_election_ads("nope", &mut |_| ControlFlow::Continue(())),
        Err(HubError::NotFound(_))
    ));

    let day = |s: &str| {
        let d = adrules::Date::parse(s).unwrap();
        i64::from(d.days()) * 86_400
    };
    let publish_until = out.result["retention"]["publish_until"]
        .as_str()
        .unwrap()
        .to_string();
    let keep_until = out.result["retention"]["keep_until"]
        .as_str()
        .unwrap()
        .to_string();
    // On the publication day the ad is still public.
    let run = r.hub.run_ad_retention(day(&publish_until)).unwrap();
    assert_eq!(run.hidden, 0);
    assert!(r.hub.public_ad(id).is_ok());
    let run = r
        .hub
        .run_ad_retention(day(&publish_until) + 86_400)
        .unwrap();
    assert_eq!(run.hidden, 1);
    assert!(matches!(r.hub.public_ad(id), Err(HubError::NotFound(_))));
    assert!(
        r.hub.store().ad_by_id(id).unwrap().is_some(),
        "kept, not public"
    );
    let run = r.hub.run_ad_retention(day(&keep_until)).unwrap();
    assert_eq!(run.purged, 0);
    let run = r.hub.run_ad_retention(day(&keep_until) + 86_400).unwrap();
    assert_eq!(run.purged, 1);
    assert!(r.hub.store().ad_by_id(id).unwrap().is_none());
    assert!(r
        .hub
        .store()
        .ad_submissions(r.plat.org.id, "keep")
        .unwrap()
        .is_empty());
    let audit = r.hub.store().ad_audit(0, 10).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["hidden", "purged"]);
    assert!(audit.iter().all(|a| a.ad == id));
}
