//! Property test: an ad that names its sponsor by id alone, with the sponsor's control chain
//! taken from the sponsor registry, gets the same verdict and fires the same rules as the same
//! submission with the whole chain inline, over random chains of up to four entities in random
//! countries, with random foreign funding, for the Canadian and the EU samples.

use crate::{put_election, typed};
use test_support as common;

use hub::Actor;
use std::sync::atomic::{AtomicUsize, Ordering};

use ads::CreativeUpload;
use common::new_hub;
use hub::Principal;
use proptest::prelude::*;
use serde_json::{json, Value};
use store::{Role, Sector};

/// The wire form (JSON) of a typed view.
fn wire<T: serde::Serialize>(view: T) -> Value {
    serde_json::to_value(view).unwrap()
}

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../adrules/samples");

fn sample(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLES}/{name}")).expect("sample");
    serde_json::from_str(&text).expect("sample json")
}

/// The creative uploaded with every ad, and its SHA-256.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n property creative";
const PNG_SHA256: &str = "40cd783a03acbb3c33c2645d1bdbb7b76502f6dea7f5e3af3f58bfa0507a1ea7";

/// Countries in and outside Canada and the EU.
const COUNTRIES: [&str; 6] = ["CA", "US", "DE", "NL", "FR", "CN"];

/// One entity of a generated chain: where it is established, whether it is an association
/// (else a corporation) and where its funding comes from, if anywhere.
#[derive(Debug, Clone)]
struct Link {
    country: usize,
    association: bool,
    funded_from: Option<usize>,
}

fn link() -> impl Strategy<Value = Link> {
    (
        0..COUNTRIES.len(),
        any::<bool>(),
        proptest::option::of(0..COUNTRIES.len()),
    )
        .prop_map(|(country, association, funded_from)| Link {
            country,
            association,
            funded_from,
        })
}

struct World {
    ads: ads::Ads,
    _t: common::TestHub,
    plat: Principal,
}

fn world() -> World {
    let t = new_hub();
    let hub = t.hub.clone();
    let ads = ads::Ads::new(hub.clone(), t.store.clone());
    hub.add_org(Actor::Operator, "plat", "Platform", Sector::Platform, "ca")
        .unwrap();
    hub.add_user(Actor::Operator, "plat", "pat", Role::Analyst, None)
        .unwrap();
    hub.add_org(
        Actor::Operator,
        "authority",
        "Authority",
        Sector::ElectionAuthority,
        "ca",
    )
    .unwrap();
    hub.add_user(Actor::Operator, "authority", "eve", Role::Analyst, None)
        .unwrap();
    let eve = hub.principal_for("eve").unwrap();
    for name in ["ca-compliant.json", "eu-controlled-from-abroad.json"] {
        put_election(&ads, &eve, sample(name)["elections"][0].clone()).unwrap();
    }
    let plat = hub.principal_for("pat").unwrap();
    World { ads, _t: t, plat }
}

/// The sponsors of a chain: the sample's sponsor (made the leaf, established in the first
/// link's country) controlled by the other links in turn; ids carry `case` to stay unique.
fn chain(leaf: &Value, links: &[Link], case: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, l) in links.iter().enumerate() {
        let mut s = if i == 0 {
            leaf.clone()
        } else {
            json!({"legal_name": format!("Entity {case}-{i}"),
                   "kind": if l.association { "association" } else { "corporation" }})
        };
        s["id"] = json!(format!("c{case}-{i}"));
        s["established_in"] = json!(COUNTRIES[l.country]);
        s["operates_in"] = json!([COUNTRIES[l.country]]);
        s.as_object_mut().unwrap().remove("controlled_by");
        if i + 1 < links.len() {
            s["controlled_by"] = json!(format!("c{case}-{}", i + 1));
        }
        s["funding"] = match l.funded_from {
            Some(f) => json!([{"amount": {"minor": 100_000, "currency": "EUR"},
                               "origin": COUNTRIES[f], "source": "private"}]),
            None => json!([]),
        };
        out.push(s);
    }
    out
}

fn fired(result: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = result["fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn registry_resolution_judges_like_inline(
        eu in any::<bool>(),
        links in proptest::collection::vec(link(), 1..5),
    ) {
        static WORLD: std::sync::OnceLock<std::sync::Mutex<World>> = std::sync::OnceLock::new();
        static CASE: AtomicUsize = AtomicUsize::new(0);
        let w = WORLD.get_or_init(|| std::sync::Mutex::new(world())).lock().unwrap();
        let case = CASE.fetch_add(1, Ordering::Relaxed);
        let name = if eu { "eu-controlled-from-abroad.json" } else { "ca-compliant.json" };
        let base = sample(name);
        let leaf = base["sponsors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == base["ad"]["sponsor"])
            .unwrap()
            .clone();
        let sponsors = chain(&leaf, &links, case);

        // Inline: the whole chain in the submission, checked by the engine alone, with the
        // creative the registry stores. The EU sample's targeting of minors is left out so
        // that the verdict turns on the chain.
        let mut inline = base;
        inline["sponsors"] = json!(sponsors);
        inline["ad"]["sponsor"] = json!(format!("c{case}-0"));
        inline["ad"]["id"] = json!(format!("ad-{case}"));
        inline["ad"]["creative"] = json!({"sha256": PNG_SHA256, "media_type": "image/png",
                                          "size_bytes": PNG.len()});
        let ad = inline["ad"].as_object_mut().unwrap();
        ad.remove("versions");
        ad.remove("targeting");
        let expected = adrules::Engine::shipped()
            .unwrap()
            .check(&serde_json::from_value(inline.clone()).unwrap())
            .unwrap();

        // Registry: the chain registered from the top, the ad naming the leaf only.
        for s in sponsors.iter().rev() {
            let id = s["id"].as_str().unwrap().to_string();
            w.ads.put_sponsor(&w.plat, &id, typed(s.clone())).unwrap();
        }
        let mut by_id = inline;
        let o = by_id.as_object_mut().unwrap();
        o.remove("sponsors");
        o.remove("elections");
        by_id["ad"].as_object_mut().unwrap().remove("creative");
        let png = CreativeUpload { bytes: PNG.to_vec(), media_type: "image/png".into() };
        let out = w.ads.submit_ad(&w.plat, typed(by_id), Some(png)).unwrap();
        prop_assert_eq!(out.verdict, expected.verdict);
        prop_assert_eq!(
            fired(&wire(&out.result)),
            fired(&serde_json::to_value(&expected).unwrap())
        );
    }
}
