//! TLP 2.0 end to end: three organisations, every level, RED recipients (organisation and
//! user identities) and the submitter, granular markings, admins without exception, export.

use test_support as common;

use hub::Actor;
use std::collections::BTreeMap;

use common::*;
use hub::{ObjectFilter, Principal};
use serde_json::{json, Value};
use store::{Role, Tlp};

struct Case {
    name: &'static str,
    obj: Value,
}

struct Fixture {
    t: TestHub,
    col: String,
    sub: Principal,
    a_admin: Principal,
    b_reader: Principal,
    c_admin: Principal,
    d_admin: Principal,
    cases: BTreeMap<&'static str, Value>,
}

fn fixture() -> Fixture {
    let t = new_hub();
    let hub = &t.hub;
    let sub = org_with_user(hub, "gov-a", "sub", Role::Analyst);
    let a_admin = org_with_user(hub, "gov-a", "a-admin", Role::Admin);
    let b_reader = org_with_user(hub, "plat-b", "b-reader", Role::Reader);
    let c_admin = org_with_user(hub, "ngo-c", "c-admin", Role::Admin);
    let d_admin = org_with_user(hub, "isp-d", "d-admin", Role::Admin);
    let col = hub
        .add_collection(Actor::Operator, "shared", "Shared", "", None)
        .unwrap()
        .id;
    hub.grant(Actor::Operator, "gov-a", &col, RW).unwrap();
    hub.grant(Actor::Operator, "plat-b", &col, RO).unwrap();
    hub.grant(Actor::Operator, "ngo-c", &col, RO).unwrap();
    let ind = || indicator(&new_id("indicator"), 1);
    let b_org = vec![b_reader.org.identity_id.clone()];
    let c_user = vec![stix::user_identity_id("c-admin")];
    let cases = vec![
        Case {
            name: "clear",
            obj: marked(ind(), Tlp::Clear),
        },
        Case {
            name: "green",
            obj: marked(ind(), Tlp::Green),
        },
        Case {
            name: "amber",
            obj: marked(ind(), Tlp::Amber),
        },
        Case {
            name: "amber-strict",
            obj: marked(ind(), Tlp::AmberStrict),
        },
        Case {
            name: "default",
            obj: ind(),
        },
        Case {
            name: "red",
            obj: marked(ind(), Tlp::Red),
        },
        Case {
            name: "red-tlp1",
            obj: {
                let mut o = ind();
                o["object_marking_refs"] = json!([stix::TLP1_RED]);
                o
            },
        },
        Case {
            name: "red-for-b-org",
            obj: with_recipients(marked(ind(), Tlp::Red), &b_org),
        },
        Case {
            name: "red-for-c-user",
            obj: with_recipients(marked(ind(), Tlp::Red), &c_user),
        },
        Case {
            name: "green-and-red",
            obj: {
                let mut o = ind();
                o["object_marking_refs"] = json!([Tlp::Green.marking_id(), Tlp::Red.marking_id()]);
                o
            },
        },
        Case {
            name: "granular-red-desc",
            obj: granular(marked(ind(), Tlp::Clear), Tlp::Red, &["description"]),
        },
        Case {
            name: "granular-red-desc-for-b",
            obj: with_recipients(
                granular(marked(ind(), Tlp::Green), Tlp::Red, &["description"]),
                &b_org,
            ),
        },
        Case {
            name: "granular-red-pattern",
            obj: granular(marked(ind(), Tlp::Green), Tlp::Red, &["pattern"]),
        },
        Case {
            name: "granular-amber-desc",
            obj: granular(marked(ind(), Tlp::Clear), Tlp::Amber, &["description"]),
        },
        Case {
            name: "granular-strict-name",
            obj: granular(marked(ind(), Tlp::Clear), Tlp::AmberStrict, &["name"]),
        },
    ];
    let objs: Vec<Value> = cases.iter().map(|c| c.obj.clone()).collect();
    let s = hub.add_objects(&sub, &col, objs).unwrap();
    assert_eq!(s.success_count, cases.len(), "{:?}", s.failures);
    let cases = cases.into_iter().map(|c| (c.name, c.obj)).collect();
    Fixture {
        t,
        col,
        sub,
        a_admin,
        b_reader,
        c_admin,
        d_admin,
        cases,
    }
}

/// What each reader must be served: case name -> whether `description` survives.
fn expected(who: &str) -> BTreeMap<&'static str, bool> {
    let mut m = BTreeMap::new();
    let common = [
        ("clear", true),
        ("green", true),
        ("amber", true),
        ("amber-strict", true),
        ("default", true),
        ("granular-amber-desc", true),
        ("granular-strict-name", true),
    ];
    m.extend(common);
    match who {
        "sub" => {
            m.extend([
                ("red", true),
                ("red-tlp1", true),
                ("red-for-b-org", true),
                ("red-for-c-user", true),
                ("green-and-red", true),
                ("granular-red-desc", true),
                ("granular-red-desc-for-b", true),
                ("granular-red-pattern", true),
            ]);
        }
        "a-admin" => {
            m.extend([
                ("granular-red-desc", false),
                ("granular-red-desc-for-b", false),
            ]);
        }
        "b-reader" => {
            m.extend([
                ("red-for-b-org", true),
                ("granular-red-desc", false),
                ("granular-red-desc-for-b", true),
            ]);
        }
        "c-admin" => {
            m.extend([
                ("red-for-c-user", true),
                ("granular-red-desc", false),
                ("granular-red-desc-for-b", false),
            ]);
        }
        _ => unreachable!(),
    }
    m
}

/// The case names of served objects, with whether `description` survived.
fn served(f: &Fixture, objs: &[Value]) -> BTreeMap<&'static str, bool> {
    let mut out = BTreeMap::new();
    for o in objs {
        let (name, _) = f
            .cases
            .iter()
            .find(|(_, c)| c["id"] == o["id"])
            .unwrap_or_else(|| panic!("served an unknown object {o}"));
        out.insert(*name, o.get("description").is_some());
    }
    out
}

#[test]
fn every_reader_gets_exactly_what_tlp_allows() {
    let f = fixture();
    let hub = &f.t.hub;
    let all = ObjectFilter::default();
    for (who, p) in [
        ("sub", &f.sub),
        ("a-admin", &f.a_admin),
        ("b-reader", &f.b_reader),
        ("c-admin", &f.c_admin),
    ] {
        let objs = read_all(hub, p, &f.col, &all);
        assert_eq!(served(&f, &objs), expected(who), "{who}");
        for o in &objs {
            assert!(
                stix::check_object(o).is_ok(),
                "{who} got an invalid copy {o}"
            );
            let name = &f.cases.iter().find(|(_, c)| c["id"] == o["id"]).unwrap().0;
            if **name == "granular-strict-name" {
                // AMBER+STRICT granular data stays visible inside the instance.
                assert!(o.get("name").is_some());
            }
            if o.get("description").is_none() {
                // The granular marking that pointed at the removed property went with it.
                assert!(o.get("granular_markings").is_none(), "{o}");
            }
        }
        // Manifest, object by id and versions agree with get_objects.
        let m = hub.get_manifest(p, &f.col, &all, None, None).unwrap();
        let mids: Vec<String> = m.objects.iter().map(|e| e.id.clone()).collect();
        assert_eq!(mids, ids(&objs), "{who}");
        for (name, c) in &f.cases {
            let id = c["id"].as_str().unwrap();
            let visible = expected(who).contains_key(name);
            let one = hub.get_object(p, &f.col, id, &all, None, None);
            let versions = hub.get_versions(p, &f.col, id, &all, None, None);
            if visible {
                assert_eq!(one.unwrap().objects.len(), 1, "{who} {name}");
                assert_eq!(versions.unwrap().versions.len(), 1, "{who} {name}");
            } else {
                assert_eq!(one.unwrap_err().code(), "not_found", "{who} {name}");
                assert_eq!(versions.unwrap_err().code(), "not_found", "{who} {name}");
            }
        }
    }
    // An organisation without a grant sees nothing at all, admin or not.
    let e = hub
        .get_objects(&f.d_admin, &f.col, &all, None, None)
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    let e = hub
        .export(&f.d_admin, &f.col, Tlp::Clear, &mut |_| {})
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[test]
fn export_refuses_strict_and_red_and_never_emits_them() {
    let f = fixture();
    let hub = &f.t.hub;
    for level in [Tlp::AmberStrict, Tlp::Red] {
        let e = hub
            .export(&f.sub, &f.col, level, &mut |_| panic!("emitted"))
            .unwrap_err();
        assert_eq!(e.code(), "export_refused", "{level}");
    }
    let export = |p: &Principal, level: Tlp| {
        let mut out = Vec::new();
        let summary = hub
            .export(p, "shared", level, &mut |o| out.push(o))
            .unwrap();
        assert_eq!(summary.exported as usize, out.len());
        (served(&f, &out), summary, out)
    };
    // The submitter sees every RED object but may export none of them, nor any RED or
    // AMBER+STRICT granular property.
    let (got, summary, objs) = export(&f.sub, Tlp::Amber);
    let want: BTreeMap<&str, bool> = [
        ("clear", true),
        ("green", true),
        ("amber", true),
        ("default", true),
        ("granular-red-desc", false),
        ("granular-red-desc-for-b", false),
        ("granular-amber-desc", true),
        ("granular-strict-name", true),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    // Withheld: amber-strict, the five RED objects, granular-red-pattern (required property)
    // and granular-strict-name (name is not required, so it is stripped, not withheld).
    assert!(objs
        .iter()
        .all(|o| o.get("granular_markings").is_none_or(|g| {
            g.as_array()
                .unwrap()
                .iter()
                .all(|m| m["marking_ref"] == Tlp::Amber.marking_id())
        })));
    assert_eq!(summary.withheld, 7);
    let strict_name = objs
        .iter()
        .find(|o| o["id"] == f.cases["granular-strict-name"]["id"]);
    assert!(strict_name.unwrap().get("name").is_none());
    for o in &objs {
        assert!(stix::check_object(o).is_ok(), "{o}");
    }
    // At GREEN, AMBER objects (also by the collection's default) and AMBER properties go.
    let (got, _, _) = export(&f.b_reader, Tlp::Green);
    let want: BTreeMap<&str, bool> = [
        ("clear", true),
        ("green", true),
        ("granular-red-desc", false),
        ("granular-red-desc-for-b", false),
        ("granular-amber-desc", false),
    ]
    .into_iter()
    .collect();
    let mut got_no_strict = got.clone();
    got_no_strict.remove("granular-strict-name");
    assert_eq!(got_no_strict, want);
    // At CLEAR only CLEAR objects remain.
    let (got, _, _) = export(&f.c_admin, Tlp::Clear);
    assert!(
        got.keys().all(|k| [
            "clear",
            "granular-red-desc",
            "granular-amber-desc",
            "granular-strict-name"
        ]
        .contains(k)),
        "{got:?}"
    );
    assert!(got.contains_key("clear"));
}
