//! Reads: paging, cursors, filters, object by id, versions, manifest and delete.

use test_support as common;

use hub::Actor;
use std::sync::Arc;

use common::*;
use hub::{Hub, HubConfig, ObjectFilter};
use serde_json::Value;
use store::{Access, Role, Tlp, VersionFilter};

struct World {
    t: TestHub,
    a: hub::Principal,
    col: String,
    objs: Vec<Value>,
}

/// Org A with analyst `ana` and `ann`, a collection with `n` indicators added one per call.
fn world(n: usize) -> World {
    let t = new_hub();
    let a = org_with_user(&t.hub, "org-a", "ana", Role::Analyst);
    org_with_user(&t.hub, "org-a", "ann", Role::Analyst);
    let col = t
        .hub
        .add_collection(Actor::Operator, "feed", "Feed", "", Some(Tlp::Green))
        .unwrap()
        .id;
    t.hub.grant(Actor::Operator, "org-a", &col, RW).unwrap();
    let objs: Vec<Value> = (0..n)
        .map(|i| indicator(&new_id("indicator"), i as u32))
        .collect();
    for chunk in objs.chunks(4) {
        let s = t.hub.add_objects(&a, &col, chunk.to_vec()).unwrap();
        assert_eq!(s.failure_count, 0);
    }
    World { t, a, col, objs }
}

#[test]
fn pages_walk_everything_in_order() {
    let w = world(25);
    let hub = &w.t.hub;
    let f = ObjectFilter::default();
    let mut got = Vec::new();
    let mut next: Option<String> = None;
    let mut last_added = i64::MIN;
    let mut pages = 0;
    loop {
        let page = hub
            .get_objects(&w.a, &w.col, &f, Some(7), next.as_deref())
            .unwrap();
        pages += 1;
        assert!(page.objects.len() <= 7);
        let first = page.first_added.unwrap();
        assert!(first > last_added);
        last_added = page.last_added.unwrap();
        assert!(last_added >= first);
        got.extend(page.objects);
        if !page.more {
            assert!(page.next.is_none());
            break;
        }
        next = page.next;
        assert!(next.is_some());
    }
    assert_eq!(pages, 4);
    assert_eq!(got, w.objs);
    // The manifest pages the same way and lists the same ids and versions.
    let m = hub.get_manifest(&w.a, &w.col, &f, Some(30), None).unwrap();
    assert!(!m.more);
    assert_eq!(m.objects.len(), 25);
    for (e, o) in m.objects.iter().zip(&w.objs) {
        assert_eq!(e.id, o["id"].as_str().unwrap());
        assert_eq!(e.version, o["modified"].as_str().unwrap());
        assert_eq!(e.media_type, "application/stix+json;version=2.1");
    }
    assert_eq!(m.first_added, Some(m.objects[0].date_added));
    assert_eq!(m.last_added, Some(m.objects[24].date_added));
}

#[test]
fn limits_are_capped_and_must_be_positive() {
    let w = world(12);
    let store = store_sqlite::SqliteStore::open(&w.t.dir.path().join("hub.db")).unwrap();
    let mut cfg = HubConfig::new([42u8; 32]);
    cfg.max_page = 5;
    let small = Hub::new(Arc::new(store), cfg).unwrap();
    let f = ObjectFilter::default();
    let page = small
        .get_objects(&w.a, &w.col, &f, Some(1000), None)
        .unwrap();
    assert_eq!(page.objects.len(), 5);
    assert!(page.more);
    let page = small.get_objects(&w.a, &w.col, &f, None, None).unwrap();
    assert_eq!(page.objects.len(), 5);
    let e =
        w.t.hub
            .get_objects(&w.a, &w.col, &f, Some(0), None)
            .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    // The same cursor key on another hub instance accepts the cursor.
    let next = page.next.unwrap();
    let rest =
        w.t.hub
            .get_objects(&w.a, &w.col, &f, Some(100), Some(&next))
            .unwrap();
    assert_eq!(rest.objects.len(), 7);
}

#[test]
fn cursors_are_bound_to_user_collection_endpoint_and_filter() {
    let w = world(10);
    let hub = &w.t.hub;
    let f = ObjectFilter::default();
    let page = hub.get_objects(&w.a, &w.col, &f, Some(3), None).unwrap();
    let next = page.next.clone().unwrap();
    // The cursor works, also with another limit.
    assert_eq!(
        hub.get_objects(&w.a, &w.col, &f, Some(2), Some(&next))
            .unwrap()
            .objects
            .len(),
        2
    );

    let bad = |r: Result<hub::ObjectPage, hub::HubError>| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), "bad_cursor", "{e}");
    };
    // Tampered: every single-character change is refused.
    for i in 0..next.len() {
        let mut chars: Vec<char> = next.chars().collect();
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        if tampered != next {
            bad(hub.get_objects(&w.a, &w.col, &f, Some(3), Some(&tampered)));
        }
    }
    for junk in ["", "abc", "%%%", &"A".repeat(5000), &format!("{next}AA")] {
        bad(hub.get_objects(&w.a, &w.col, &f, Some(3), Some(junk)));
    }
    // Another user, even of the same organisation.
    let ann = hub.principal_for("ann").unwrap();
    bad(hub.get_objects(&ann, &w.col, &f, Some(3), Some(&next)));
    // Another filter.
    let typed = ObjectFilter {
        types: vec!["indicator".into()],
        ..ObjectFilter::default()
    };
    bad(hub.get_objects(&w.a, &w.col, &typed, Some(3), Some(&next)));
    let all = ObjectFilter {
        versions: VersionFilter::all(),
        ..ObjectFilter::default()
    };
    bad(hub.get_objects(&w.a, &w.col, &all, Some(3), Some(&next)));
    let after = ObjectFilter {
        added_after: Some(0),
        ..ObjectFilter::default()
    };
    bad(hub.get_objects(&w.a, &w.col, &after, Some(3), Some(&next)));
    // Another collection the user may read.
    let other = hub
        .add_collection(Actor::Operator, "other", "Other", "", None)
        .unwrap()
        .id;
    hub.grant(Actor::Operator, "org-a", &other, RO).unwrap();
    bad(hub.get_objects(&w.a, &other, &f, Some(3), Some(&next)));
    // Another endpoint.
    let e = hub
        .get_manifest(&w.a, &w.col, &f, Some(3), Some(&next))
        .unwrap_err();
    assert_eq!(e.code(), "bad_cursor");
    let id = w.objs[0]["id"].as_str().unwrap();
    let e = hub
        .get_versions(&w.a, &w.col, id, &f, Some(3), Some(&next))
        .unwrap_err();
    assert_eq!(e.code(), "bad_cursor");
    // A cursor of another hub (another key) is refused.
    let store = store_sqlite::SqliteStore::open(&w.t.dir.path().join("hub.db")).unwrap();
    let foreign = Hub::new(Arc::new(store), HubConfig::new([9u8; 32])).unwrap();
    bad(foreign.get_objects(&w.a, &w.col, &f, Some(3), Some(&next)));
}

#[test]
fn access_is_rechecked_when_a_grant_is_removed_mid_paging() {
    let w = world(10);
    let hub = &w.t.hub;
    let f = ObjectFilter::default();
    let page = hub.get_objects(&w.a, &w.col, &f, Some(3), None).unwrap();
    hub.grant(Actor::Operator, "org-a", &w.col, Access::default())
        .unwrap();
    let e = hub
        .get_objects(&w.a, &w.col, &f, Some(3), page.next.as_deref())
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    // Write-only access does not allow reading.
    hub.grant(
        Actor::Operator,
        "org-a",
        &w.col,
        Access {
            read: false,
            write: true,
        },
    )
    .unwrap();
    let e = hub
        .get_objects(&w.a, &w.col, &f, Some(3), page.next.as_deref())
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

#[test]
fn filters_select_what_taxii_says() {
    let w = world(6);
    let hub = &w.t.hub;
    let a = &w.a;
    let id0 = w.objs[0]["id"].as_str().unwrap().to_string();
    // Two more versions of the first object.
    let v2 = indicator(&id0, 100);
    let v3 = indicator(&id0, 200);
    hub.add_objects(a, &w.col, vec![v2.clone(), v3.clone()])
        .unwrap();
    let get = |f: ObjectFilter| read_all(hub, a, &w.col, &f);

    let last = get(ObjectFilter::default());
    assert_eq!(last.len(), 6);
    assert_eq!(last.last().unwrap(), &v3);
    let first = get(ObjectFilter {
        versions: VersionFilter {
            all: false,
            last: false,
            first: true,
            at: vec![],
        },
        ..Default::default()
    });
    assert_eq!(first, w.objs);
    let all = get(ObjectFilter {
        versions: VersionFilter::all(),
        ..Default::default()
    });
    assert_eq!(all.len(), 8);
    let at = stix::parse_timestamp(v2["modified"].as_str().unwrap()).unwrap();
    let exact = get(ObjectFilter {
        versions: VersionFilter {
            all: false,
            last: false,
            first: false,
            at: vec![at],
        },
        ..Default::default()
    });
    assert_eq!(exact, vec![v2.clone()]);
    let by_id = get(ObjectFilter {
        ids: vec![id0.clone()],
        versions: VersionFilter::all(),
        ..Default::default()
    });
    assert_eq!(by_id, vec![w.objs[0].clone(), v2.clone(), v3.clone()]);
    assert!(get(ObjectFilter {
        types: vec!["malware".into()],
        ..Default::default()
    })
    .is_empty());
    assert_eq!(
        get(ObjectFilter {
            types: vec!["malware".into(), "indicator".into()],
            ..Default::default()
        })
        .len(),
        6
    );
    assert!(get(ObjectFilter {
        spec_versions: vec!["2.0".into()],
        ..Default::default()
    })
    .is_empty());
    assert_eq!(
        get(ObjectFilter {
            spec_versions: vec!["2.1".into()],
            ..Default::default()
        })
        .len(),
        6
    );
    // added_after is exclusive.
    let page = hub
        .get_objects(
            a,
            &w.col,
            &ObjectFilter {
                versions: VersionFilter::all(),
                ..Default::default()
            },
            Some(3),
            None,
        )
        .unwrap();
    let after = get(ObjectFilter {
        added_after: page.last_added,
        versions: VersionFilter::all(),
        ..Default::default()
    });
    assert_eq!(after, all[3..].to_vec());

    // Object by id follows the version filter; versions lists them all.
    let one = hub
        .get_object(a, &w.col, &id0, &ObjectFilter::default(), None, None)
        .unwrap();
    assert_eq!(one.objects, vec![v3.clone()]);
    let every = hub
        .get_object(
            a,
            &w.col,
            &id0,
            &ObjectFilter {
                versions: VersionFilter::all(),
                ..Default::default()
            },
            Some(2),
            None,
        )
        .unwrap();
    assert_eq!(every.objects.len(), 2);
    assert!(every.more);
    let rest = hub
        .get_object(
            a,
            &w.col,
            &id0,
            &ObjectFilter {
                versions: VersionFilter::all(),
                ..Default::default()
            },
            Some(2),
            every.next.as_deref(),
        )
        .unwrap();
    assert_eq!(rest.objects, vec![v3.clone()]);
    let versions = hub
        .get_versions(a, &w.col, &id0, &ObjectFilter::default(), None, None)
        .unwrap();
    assert_eq!(
        versions.versions,
        vec![
            w.objs[0]["modified"].as_str().unwrap(),
            v2["modified"].as_str().unwrap(),
            v3["modified"].as_str().unwrap()
        ]
    );
    assert!(versions.first_added.is_some() && versions.last_added > versions.first_added);
    let missing = new_id("indicator");
    assert_eq!(
        hub.get_object(a, &w.col, &missing, &ObjectFilter::default(), None, None)
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        hub.get_versions(a, &w.col, &missing, &ObjectFilter::default(), None, None)
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn delete_needs_ownership_and_promotes_the_previous_version() {
    let w = world(3);
    let hub = &w.t.hub;
    let a = &w.a;
    let id0 = w.objs[0]["id"].as_str().unwrap().to_string();
    let v2 = indicator(&id0, 50);
    hub.add_objects(a, &w.col, vec![v2.clone()]).unwrap();
    let b = org_with_user(hub, "org-b", "bob", Role::Admin);
    hub.grant(Actor::Operator, "org-b", &w.col, RW).unwrap();
    let reader = org_with_user(hub, "org-a", "rea", Role::Reader);
    let last = VersionFilter::default();
    assert_eq!(
        hub.delete_object(&b, &w.col, &id0, &last)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        hub.delete_object(&reader, &w.col, &id0, &last)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        hub.delete_object(a, &w.col, &new_id("indicator"), &last)
            .unwrap_err()
            .code(),
        "not_found"
    );
    let c = org_with_user(hub, "org-c", "cy", Role::Admin);
    assert_eq!(
        hub.delete_object(&c, &w.col, &id0, &last)
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(hub.delete_object(a, &w.col, &id0, &last).unwrap(), 1);
    let now = hub
        .get_object(a, &w.col, &id0, &ObjectFilter::default(), None, None)
        .unwrap();
    assert_eq!(now.objects, vec![w.objs[0].clone()]);
    assert_eq!(
        hub.delete_object(a, &w.col, &id0, &VersionFilter::all())
            .unwrap(),
        1
    );
    assert_eq!(
        hub.get_object(a, &w.col, &id0, &ObjectFilter::default(), None, None)
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        read_all(hub, a, &w.col, &ObjectFilter::default()),
        w.objs[1..].to_vec()
    );
}

#[test]
fn scans_over_invisible_objects_are_bounded_and_still_progress() {
    let t = new_hub();
    let hub = &t.hub;
    let a = org_with_user(hub, "org-a", "ana", Role::Analyst);
    let b = org_with_user(hub, "org-b", "bob", Role::Reader);
    let col = hub
        .add_collection(Actor::Operator, "feed", "Feed", "", None)
        .unwrap()
        .id;
    hub.grant(Actor::Operator, "org-a", &col, RW).unwrap();
    hub.grant(Actor::Operator, "org-b", &col, RO).unwrap();
    let secret: Vec<Value> = (0..12_000)
        .map(|i| marked(indicator(&new_id("indicator"), i % 1000), Tlp::Red))
        .collect();
    for chunk in secret.chunks(1000) {
        hub.add_objects(&a, &col, chunk.to_vec()).unwrap();
    }
    let visible = indicator(&new_id("indicator"), 1);
    hub.add_objects(&a, &col, vec![visible.clone()]).unwrap();
    let f = ObjectFilter::default();
    let first = hub.get_objects(&b, &col, &f, Some(10), None).unwrap();
    assert!(first.objects.is_empty());
    assert!(first.more);
    let mut next = first.next;
    let mut seen = Vec::new();
    let mut pages = 1;
    while let Some(cursor) = next {
        let page = hub
            .get_objects(&b, &col, &f, Some(10), Some(&cursor))
            .unwrap();
        pages += 1;
        seen.extend(page.objects);
        next = if page.more { page.next } else { None };
        assert!(pages < 10, "paging does not progress");
    }
    assert_eq!(seen, vec![visible]);
    assert!(pages >= 3);
}
