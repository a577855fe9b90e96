//! TLP 2.0 through HTTP: three organisations and every level; no user receives an object or
//! property they may not see, through any TAXII read endpoint or the REST object list.

use hub::Actor;
use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use serde_json::{json, Value};
use store::{Role, Tlp};

use crate::common::*;

/// A unique secret to plant in a RED-restricted place and search raw response bodies for.
fn secret() -> String {
    format!("secret {}", uuid::Uuid::new_v4())
}

struct Fixture {
    e: Env,
    col: String,
    /// case name -> object as posted.
    cases: BTreeMap<&'static str, Value>,
}

async fn fixture() -> Fixture {
    let e = env();
    user(&e, "gov-a", "sub", Role::Analyst); // the submitter
    user(&e, "gov-a", "a-admin", Role::Admin);
    user(&e, "plat-b", "b-reader", Role::Reader);
    user(&e, "ngo-c", "c-reader", Role::Reader);
    user(&e, "isp-d", "d-admin", Role::Admin); // no grant at all
    let col = e
        .hub
        .add_collection(Actor::Operator, "shared", "Shared", "", None)
        .unwrap()
        .id;
    e.hub.grant(Actor::Operator, "gov-a", &col, RW).unwrap();
    e.hub.grant(Actor::Operator, "plat-b", &col, RO).unwrap();
    e.hub.grant(Actor::Operator, "ngo-c", &col, RO).unwrap();
    let b_org = vec![stix::org_identity_id("plat-b")];
    let c_user = vec![stix::user_identity_id("c-reader")];
    let ind = || indicator(&new_id("indicator"), 1);
    let red = |mut o: Value| {
        o["description"] = json!(secret());
        marked(o, Tlp::Red)
    };
    let mut granular_red = granular(marked(ind(), Tlp::Green), Tlp::Red, &["description"]);
    granular_red["description"] = json!(secret());
    let mut granular_red_b = with_recipients(
        granular(marked(ind(), Tlp::Green), Tlp::Red, &["description"]),
        &b_org,
    );
    granular_red_b["description"] = json!(secret());
    let cases: Vec<(&'static str, Value)> = vec![
        ("clear", marked(ind(), Tlp::Clear)),
        ("green", marked(ind(), Tlp::Green)),
        ("amber", marked(ind(), Tlp::Amber)),
        ("amber-strict", marked(ind(), Tlp::AmberStrict)),
        ("default-amber", ind()),
        ("red", red(ind())),
        ("red-for-b-org", with_recipients(red(ind()), &b_org)),
        ("red-for-c-user", with_recipients(red(ind()), &c_user)),
        ("granular-red-desc", granular_red),
        ("granular-red-desc-for-b", granular_red_b),
        (
            "granular-red-pattern",
            granular(marked(ind(), Tlp::Green), Tlp::Red, &["pattern"]),
        ),
    ];
    let objs: Vec<Value> = cases.iter().map(|(_, o)| o.clone()).collect();
    let r = taxii_post(&e.app, &col, "sub", &objs).await;
    assert_eq!(r.json()["success_count"], cases.len(), "{}", r.text());
    Fixture {
        e,
        col,
        cases: cases.into_iter().collect(),
    }
}

/// What each user must see: case name -> whether `description` is served.
fn expected(who: &str) -> BTreeMap<&'static str, bool> {
    let mut m: BTreeMap<&'static str, bool> = [
        ("clear", true),
        ("green", true),
        ("amber", true),
        ("amber-strict", true),
        ("default-amber", true),
    ]
    .into_iter()
    .collect();
    match who {
        "sub" => m.extend([
            ("red", true),
            ("red-for-b-org", true),
            ("red-for-c-user", true),
            ("granular-red-desc", true),
            ("granular-red-desc-for-b", true),
            ("granular-red-pattern", true),
        ]),
        "a-admin" => m.extend([
            ("granular-red-desc", false),
            ("granular-red-desc-for-b", false),
        ]),
        "b-reader" => m.extend([
            ("red-for-b-org", true),
            ("granular-red-desc", false),
            ("granular-red-desc-for-b", true),
        ]),
        "c-reader" => m.extend([
            ("red-for-c-user", true),
            ("granular-red-desc", false),
            ("granular-red-desc-for-b", false),
        ]),
        _ => unreachable!(),
    }
    m
}

fn name_of(f: &Fixture, id: &Value) -> &'static str {
    f.cases
        .iter()
        .find(|(_, o)| &o["id"] == id)
        .map(|(n, _)| *n)
        .unwrap_or_else(|| panic!("served an object that was not posted: {id}"))
}

fn served(f: &Fixture, objs: &[Value]) -> BTreeMap<&'static str, bool> {
    objs.iter()
        .map(|o| (name_of(f, &o["id"]), o.get("description").is_some()))
        .collect()
}

/// The secrets a user may not receive anywhere in a response body.
fn forbidden_texts(f: &Fixture, who: &str) -> Vec<String> {
    let exp = expected(who);
    let mut out = Vec::new();
    for (name, obj) in &f.cases {
        match exp.get(name) {
            None => {
                out.push(obj["id"].as_str().unwrap().to_string());
                if let Some(d) = obj["description"]
                    .as_str()
                    .filter(|d| d.starts_with("secret "))
                {
                    out.push(d.to_string());
                }
            }
            Some(false) => out.push(obj["description"].as_str().unwrap().to_string()),
            Some(true) => {}
        }
    }
    out
}

#[tokio::test]
async fn every_user_gets_exactly_what_tlp_allows_through_taxii_and_rest() {
    let f = fixture().await;
    let base = format!("/taxii2/hub/collections/{}", f.col);
    for who in ["sub", "a-admin", "b-reader", "c-reader"] {
        let exp = expected(who);
        let forbidden = forbidden_texts(&f, who);
        let check_body = |body: &str, what: &str| {
            for t in &forbidden {
                assert!(
                    !body.contains(t.as_str()),
                    "{who} received {t} through {what}"
                );
            }
        };
        // Asking for an id by URL echoes it in the 404 message; only contents count there.
        let check_secrets = |body: &str, what: &str| {
            for t in forbidden.iter().filter(|t| !t.contains("--")) {
                assert!(
                    !body.contains(t.as_str()),
                    "{who} received {t} through {what}"
                );
            }
        };

        // TAXII objects, one page at a time.
        let mut all = Vec::new();
        let mut uri = format!("{base}/objects/?limit=2");
        loop {
            let r = taxii_get(&f.e.app, &uri, who).await;
            assert_eq!(r.status, 200);
            check_body(&r.text(), "TAXII objects");
            let v = r.json();
            all.extend(v["objects"].as_array().cloned().unwrap_or_default());
            match v["next"].as_str() {
                Some(n) if v["more"] == true => uri = format!("{base}/objects/?limit=2&next={n}"),
                _ => break,
            }
        }
        assert_eq!(served(&f, &all), exp, "{who} via TAXII objects");
        // Served granular copies never lose required properties.
        for o in &all {
            assert!(o.get("pattern").is_some() || name_of(&f, &o["id"]) == "granular-red-pattern");
        }

        // Manifest: the same ids.
        let r = taxii_get(&f.e.app, &format!("{base}/manifest/"), who).await;
        check_body(&r.text(), "TAXII manifest");
        let ids: BTreeSet<&str> = r.json()["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| name_of(&f, &m["id"]))
            .collect();
        assert_eq!(
            ids,
            exp.keys().copied().collect::<BTreeSet<_>>(),
            "{who} via manifest"
        );

        // Object by id and versions: visible ones answer, invisible ones are 404.
        for (name, obj) in &f.cases {
            let id = obj["id"].as_str().unwrap();
            let r = taxii_get(&f.e.app, &format!("{base}/objects/{id}/"), who).await;
            check_secrets(&r.text(), "TAXII object by id");
            let rv = taxii_get(&f.e.app, &format!("{base}/objects/{id}/versions/"), who).await;
            check_secrets(&rv.text(), "TAXII versions");
            match exp.get(name) {
                Some(desc) => {
                    assert_eq!(r.status, 200, "{who} {name}");
                    assert_eq!(r.json()["objects"][0].get("description").is_some(), *desc);
                    assert_eq!(rv.status, 200, "{who} {name}");
                }
                None => {
                    assert_taxii_error(&r, 404);
                    assert_taxii_error(&rv, 404);
                }
            }
        }

        // REST object list.
        let r = api(
            &f.e.app,
            Method::GET,
            &format!("/api/v1/collections/{}/objects?limit=1000", f.col),
            who,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        check_body(&r.text(), "REST objects");
        let objs = r.json()["objects"].as_array().cloned().unwrap();
        assert_eq!(served(&f, &objs), exp, "{who} via REST");
    }

    // An organisation without a grant sees nothing, even as admin.
    let r = taxii_get(&f.e.app, &format!("{base}/objects/"), "d-admin").await;
    assert_taxii_error(&r, 404);
    let r = api(
        &f.e.app,
        Method::GET,
        &format!("/api/v1/collections/{}/objects", f.col),
        "d-admin",
        None,
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    let r = taxii_get(&f.e.app, "/taxii2/hub/collections/", "d-admin").await;
    assert!(!r.text().contains(&f.col));
}
