//! Every response the OpenAPI document describes, checked against real responses: a router
//! over a real SQLite hub with demo-like data (organisations of every sector, users of every
//! role, a collection with objects, a bank with entries, an election, a sponsor, a platform,
//! published ads with creatives, a dataset and a detection job) answers real requests, and
//! every answer's status must be documented for its route and its JSON body must validate
//! against the documented schema (OpenAPI 3.1 schemas are JSON Schema 2020-12; `$ref`s are
//! resolved into the document's components). At the end every documented (route, method,
//! status) with a JSON body must have been seen, except a short list that no request can
//! provoke, which the test names.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use base64::Engine as _;
use common::{indicator, new_id, request, send, user, Env, Resp, RO, RW};
use hub::Actor;
use serde_json::{json, Value};
use store::Role;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../adrules/samples");
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n creative bytes";

/// A (path template, method, status) of the document.
type Key = (String, String, String);

/// What a probe sends as its body.
enum Payload {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
    /// A `Content-Length` far over every limit, with an empty body.
    Huge,
}

/// Sends requests and checks their answers against the document.
struct Checker {
    doc: Value,
    seen: BTreeSet<Key>,
    problems: Vec<String>,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            doc: server::openapi::document(),
            seen: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    /// The document's path template a concrete path answers to: the one whose literal
    /// segments all match, preferring literal segments over parameters.
    fn template(&self, path: &str) -> Option<String> {
        let segs: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, String)> = None;
        for tpl in self.doc["paths"].as_object().unwrap().keys() {
            let t: Vec<&str> = tpl.split('/').collect();
            if t.len() != segs.len() {
                continue;
            }
            let mut literal = 0;
            let ok = t.iter().zip(&segs).all(|(a, b)| {
                if a.starts_with('{') && a.ends_with('}') {
                    true
                } else if a == b {
                    literal += 1;
                    true
                } else {
                    false
                }
            });
            if ok && best.as_ref().is_none_or(|(n, _)| literal > *n) {
                best = Some((literal, tpl.clone()));
            }
        }
        best.map(|(_, t)| t)
    }

    /// Every documented (route, method, status) whose response has a JSON body.
    fn documented(&self) -> BTreeSet<Key> {
        let mut out = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, resp) in op["responses"].as_object().unwrap() {
                    if resp["content"].get("application/json").is_some() {
                        out.insert((path.clone(), method.clone(), status.clone()));
                    }
                }
            }
        }
        out
    }

    /// The documented schema of a JSON response, as a schema document that carries the
    /// components its `$ref`s point into.
    fn schema(&self, resp: &Value) -> Option<Value> {
        let mut schema = resp["content"]["application/json"]["schema"].clone();
        let obj = schema.as_object_mut()?;
        obj.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        obj.insert("components".into(), self.doc["components"].clone());
        Some(schema)
    }

    /// Sends one request and checks the answer.
    async fn probe(
        &mut self,
        app: &Router,
        method: Method,
        uri: &str,
        who: Option<&str>,
        payload: Payload,
    ) -> Resp {
        let b = request(method.clone(), uri, who);
        let req: Request<Body> = match payload {
            Payload::None => b.body(Body::empty()).unwrap(),
            Payload::Json(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            Payload::Raw(ct, bytes) => b
                .header("content-type", ct)
                .body(Body::from(bytes))
                .unwrap(),
            Payload::Huge => b
                .header("content-type", "application/json")
                .header("content-length", "1099511627776")
                .body(Body::empty())
                .unwrap(),
        };
        let r = send(app, req).await;
        eprintln!("{method} {uri} {who:?} -> {}", r.status);
        let path = uri.split('?').next().unwrap_or(uri);
        let m = method.as_str().to_ascii_lowercase();
        let status = r.status.as_u16().to_string();
        let Some(tpl) = self.template(path) else {
            self.problems
                .push(format!("{m} {uri}: no documented route"));
            return r;
        };
        let resp = self.doc["paths"][&tpl][&m]["responses"][&status].clone();
        if resp.is_null() {
            self.problems.push(format!(
                "{m} {tpl} ({uri}): answered {status}, which is not documented: {}",
                r.text().chars().take(300).collect::<String>()
            ));
            return r;
        }
        self.seen.insert((tpl.clone(), m.clone(), status.clone()));
        // An answer in another documented media type (CSV beside JSON) has no JSON schema.
        let media = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .trim()
            .to_string();
        let other_media = media != "application/json" && !resp["content"][&media].is_null();
        if other_media {
            return r;
        }
        if let Some(schema) = self.schema(&resp) {
            let body: Value = match serde_json::from_slice(&r.body) {
                Ok(v) => v,
                Err(e) => {
                    self.problems.push(format!(
                        "{m} {tpl} {status}: documented as JSON but the body is not ({e}): {}",
                        r.text().chars().take(200).collect::<String>()
                    ));
                    return r;
                }
            };
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .unwrap_or_else(|e| panic!("{m} {tpl} {status}: the schema does not compile: {e}"));
            for err in validator.iter_errors(&body) {
                self.problems.push(format!(
                    "{m} {tpl} {status}: {} at {} (schema {})",
                    err,
                    err.instance_path(),
                    err.schema_path()
                ));
            }
        }
        r
    }
}

fn sample() -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLES}/ca-compliant.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The compliant sample ad as platform "plat" submits it, with a creative.
fn ad_body(id: &str, text: &str) -> Value {
    let mut s = sample();
    s["ad"]["id"] = json!(id);
    s["ad"]["text"] = json!(text);
    let ad = s["ad"].as_object_mut().unwrap();
    ad.remove("creative");
    ad.remove("versions");
    s.as_object_mut().unwrap().remove("elections");
    json!({
        "submission": s,
        "creative": {"media_type": "image/png",
                     "data": base64::engine::general_purpose::STANDARD.encode(PNG)}
    })
}

/// A 64 x 64 24-bit BMP with a pattern that PDQ hashes with good quality.
fn bmp() -> Vec<u8> {
    let (w, h) = (64u32, 64u32);
    let row = (w * 3).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut b = Vec::with_capacity(size as usize);
    b.extend_from_slice(b"BM");
    b.extend_from_slice(&size.to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&54u32.to_le_bytes());
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&w.to_le_bytes());
    b.extend_from_slice(&h.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&24u16.to_le_bytes());
    b.extend_from_slice(&[0; 24]);
    for y in 0..h {
        for x in 0..w {
            let v = if ((x / 8) + (y / 16)) % 2 == 0 {
                230u8
            } else {
                (x * 3) as u8
            };
            b.extend_from_slice(&[v, v / 2, 255 - v]);
        }
        b.resize(b.len() + (row - w * 3) as usize, 0);
    }
    b
}

/// Posts that three accounts repost together (a coordinated group) and two that do not.
fn posts_csv() -> String {
    let mut s =
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n".to_string();
    let mut n = 0;
    for (k, base) in [(1, 1000), (2, 5000), (3, 9000)] {
        for (i, u) in ["a", "b", "c"].iter().enumerate() {
            n += 1;
            s.push_str(&format!(
                "m{n},{u},name_{u},orig{k},,RT the post {k},{},\n",
                base + i * 3
            ));
        }
    }
    s.push_str("m100,d,name_d,orig1,,RT the post 1,4600,\n");
    s.push_str("m101,e,name_e,,,hello world,100,https://x.example/1\n");
    s
}

/// Many posts by 300 accounts: a detection over them runs long.
fn slow_csv(n: usize) -> String {
    let mut s =
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n".to_string();
    for i in 0..n {
        s.push_str(&format!("m{i},u{},n{},,,text {i},{i},\n", i % 300, i % 300));
    }
    s
}

/// Organisations of every sector and users of every role, a collection with objects, a bank
/// with entries, an election, a sponsor, a platform, two published ads and a rejected one.
fn world() -> Env {
    let e = common::env();
    user(&e, "gov", "root", Role::Operator);
    user(&e, "gov", "adam", Role::Admin);
    user(&e, "gov", "ana", Role::Analyst);
    user(&e, "gov", "rita", Role::Reader);
    user(&e, "other", "olaf", Role::Analyst);
    user(&e, "other", "thr", Role::Analyst);
    common::ad_orgs(&e);
    e.hub
        .add_collection(Actor::Operator, "threats", "Threats", "", None)
        .unwrap();
    e.hub.grant(Actor::Operator, "gov", "threats", RW).unwrap();
    e.hub
        .grant(Actor::Operator, "other", "threats", RO)
        .unwrap();
    e.hub
        .grant(Actor::Operator, "elections-ca", "threats", RW)
        .unwrap();
    let ana = e.hub.principal_for("ana").unwrap();
    let col = e.hub.collection_for(&ana, "threats").unwrap().0.id;
    let objs: Vec<Value> = (1..=3)
        .map(|i| indicator(&new_id("indicator"), i))
        .collect();
    let s = e.hub.add_objects(&ana, &col, objs).unwrap();
    assert_eq!(s.failure_count, 0, "{s}");
    e
}

#[tokio::test]
async fn every_documented_response_matches_real_responses() {
    let e = world();
    let app = e.app.clone();
    let mut c = Checker::new();
    use Method as M;
    use Payload as P;

    case_probes(&mut c, &app).await;
    breach_probes(&mut c, &e).await;
    notice_probes(&mut c, &app).await;

    // Accounts.
    c.probe(&app, M::GET, "/api/v1/openapi.json", None, P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/whoami", Some("ana"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/whoami", Some("root"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/orgs", Some("root"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/orgs", Some("adam"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/orgs", Some("ana"), P::None)
        .await;
    let org = json!({"slug": "newco", "name": "New Co", "sector": "other", "country": "fr"});
    c.probe(
        &app,
        M::POST,
        "/api/v1/orgs",
        Some("root"),
        P::Json(org.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/orgs",
        Some("root"),
        P::Json(org.clone()),
    )
    .await;
    c.probe(&app, M::POST, "/api/v1/orgs", Some("ana"), P::Json(org))
        .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/orgs",
        Some("root"),
        P::Json(json!({"slug": "x"})),
    )
    .await;
    let u =
        json!({"org": "gov", "username": "neil", "role": "reader", "password": "a long password"});
    c.probe(
        &app,
        M::POST,
        "/api/v1/users",
        Some("adam"),
        P::Json(u.clone()),
    )
    .await;
    c.probe(&app, M::POST, "/api/v1/users", Some("adam"), P::Json(u))
        .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/users",
        Some("ana"),
        P::Json(json!({"org": "gov", "username": "nope", "role": "reader"})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/users",
        Some("root"),
        P::Json(json!({"org": "no-such-org", "username": "nope", "role": "reader"})),
    )
    .await;
    let t = c
        .probe(
            &app,
            M::POST,
            "/api/v1/tokens",
            Some("ana"),
            P::Json(json!({"username": "ana", "label": "ci"})),
        )
        .await;
    let lookup = t.json()["token"]
        .as_str()
        .unwrap_or("")
        .split('_')
        .nth(1)
        .unwrap_or("")
        .to_string();
    c.probe(
        &app,
        M::POST,
        "/api/v1/tokens",
        Some("ana"),
        P::Json(json!({"username": "rita"})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/tokens",
        Some("ana"),
        P::Json(json!({"username": "olaf"})),
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/tokens", Some("ana"), P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/tokens?username=rita",
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/tokens?username=olaf",
        Some("adam"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/tokens/{lookup}"),
        Some("olaf"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/tokens/{lookup}"),
        Some("rita"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/tokens/{lookup}"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/collections", Some("ana"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/collections", Some("root"), P::None)
        .await;
    let coll = json!({"slug": "fresh", "title": "Fresh"});
    c.probe(
        &app,
        M::POST,
        "/api/v1/collections",
        Some("root"),
        P::Json(coll.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/collections",
        Some("root"),
        P::Json(coll.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/collections",
        Some("ana"),
        P::Json(coll),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/collections/fresh/grants/gov",
        Some("root"),
        P::Json(json!({"read": true, "write": false})),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/collections/fresh/grants/gov",
        Some("ana"),
        P::Json(json!({"read": true})),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/collections/nope/grants/gov",
        Some("root"),
        P::Json(json!({"read": true})),
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/collections/threats/objects?limit=2",
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/collections/threats/objects?next=junk",
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/collections/nope/objects",
        Some("ana"),
        P::None,
    )
    .await;
    let pw = json!({"password": "another long one"});
    c.probe(
        &app,
        M::PUT,
        "/api/v1/users/neil/password",
        Some("adam"),
        P::Json(pw.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/users/neil/password",
        Some("ana"),
        P::Json(pw.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/users/neil/password",
        Some("olaf"),
        P::Json(pw.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/users/olaf/password",
        Some("adam"),
        P::Json(pw),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/users/neil/password",
        Some("adam"),
        P::Json(json!({"password": "short"})),
    )
    .await;
    for action in ["disable", "enable"] {
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/users/neil/{action}"),
            Some("adam"),
            P::None,
        )
        .await;
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/users/neil/{action}"),
            Some("ana"),
            P::None,
        )
        .await;
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/users/nobody/{action}"),
            Some("adam"),
            P::None,
        )
        .await;
    }
    c.probe(&app, M::GET, "/api/v1/audit", Some("root"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/audit?limit=2", Some("adam"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/audit", Some("ana"), P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/audit?limit=nope",
        Some("root"),
        P::None,
    )
    .await;
    // The verifiable audit log: no checkpoint yet, then one made by the operator.
    for (m, uri, who) in [
        (M::GET, "/api/v1/audit/checkpoints/latest", "ana"),
        (M::POST, "/api/v1/audit/checkpoints", "ana"),
        (M::POST, "/api/v1/audit/checkpoints", "root"),
        (M::GET, "/api/v1/audit/checkpoints/latest", "ana"),
        (M::GET, "/api/v1/audit/checkpoints", "ana"),
        (M::GET, "/api/v1/audit/key", "ana"),
        (
            M::GET,
            "/api/v1/audit/proof/inclusion?index=0&size=2",
            "ana",
        ),
        (
            M::GET,
            "/api/v1/audit/proof/inclusion?index=0&size=999999",
            "ana",
        ),
        (M::GET, "/api/v1/audit/proof/consistency?old=1&new=2", "ana"),
        (M::GET, "/api/v1/audit/proof/consistency?old=3&new=1", "ana"),
    ] {
        c.probe(&app, m, uri, Some(who), P::None).await;
    }

    // Banks.
    let img = bmp();
    let h = c
        .probe(
            &app,
            M::POST,
            "/api/v1/hash",
            Some("ana"),
            P::Raw("image/bmp", img.clone()),
        )
        .await;
    let hashes = h.json();
    c.probe(
        &app,
        M::POST,
        "/api/v1/hash",
        Some("ana"),
        P::Raw("image/jpeg", b"not an image".to_vec()),
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/banks", Some("ana"), P::None)
        .await;
    let bank = json!({"name": "tvec", "collection": "threats", "tlp": "amber", "description": "d"});
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks",
        Some("ana"),
        P::Json(bank.clone()),
    )
    .await;
    c.probe(&app, M::POST, "/api/v1/banks", Some("ana"), P::Json(bank))
        .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks",
        Some("rita"),
        P::Json(json!({"name": "r", "collection": "threats", "tlp": "amber"})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks",
        Some("ana"),
        P::Json(json!({"name": "n", "collection": "nope"})),
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/banks/tvec", Some("ana"), P::None)
        .await;
    c.probe(&app, M::GET, "/api/v1/banks/nope", Some("ana"), P::None)
        .await;
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/banks/tvec",
        Some("ana"),
        P::Json(json!({"description": "new"})),
    )
    .await;
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/banks/tvec",
        Some("olaf"),
        P::Json(json!({"description": "new"})),
    )
    .await;
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/banks/nope",
        Some("ana"),
        P::Json(json!({"description": "new"})),
    )
    .await;
    let entries = json!({"entries": [
        {"signal_type": "pdq", "value": hashes["pdq"], "content_type": "image", "behaviour": "b"},
        {"signal_type": "sha256", "value": hashes["sha256"]}
    ]});
    let added = c
        .probe(
            &app,
            M::POST,
            "/api/v1/banks/tvec/entries",
            Some("ana"),
            P::Json(entries.clone()),
        )
        .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks/tvec/entries",
        Some("ana"),
        P::Json(entries.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks/tvec/entries",
        Some("olaf"),
        P::Json(entries.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks/nope/entries",
        Some("ana"),
        P::Json(entries),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks/tvec/entries",
        Some("ana"),
        P::Json(json!({"entries": [{"signal_type": "pdq", "value": "zz"}]})),
    )
    .await;
    let entry = added.json()["entries"][0]["id"].clone();
    let entry = entry
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| entry.to_string());
    c.probe(
        &app,
        M::GET,
        "/api/v1/banks/tvec/entries",
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/banks/tvec/entries?limit=0",
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/banks/nope/entries",
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/banks/tvec/entries/{entry}"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/banks/tvec/entries/999999",
        Some("ana"),
        P::None,
    )
    .await;
    for action in ["disable", "enable"] {
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/banks/tvec/entries/{entry}/{action}"),
            Some("ana"),
            P::None,
        )
        .await;
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/banks/tvec/entries/{entry}/{action}"),
            Some("olaf"),
            P::None,
        )
        .await;
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/banks/tvec/entries/999999/{action}"),
            Some("ana"),
            P::None,
        )
        .await;
    }
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/banks/tvec/entries/{entry}/feedback"),
        Some("olaf"),
        P::Json(json!({"kind": "true_positive"})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/banks/tvec/entries/{entry}/feedback"),
        Some("olaf"),
        P::Json(json!({"kind": "maybe"})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/banks/tvec/entries/999999/feedback",
        Some("olaf"),
        P::Json(json!({"kind": "true_positive"})),
    )
    .await;
    c.probe(&app, M::POST, "/api/v1/match", Some("olaf"), P::Json(json!({"hashes": [hashes["pdq"], format!("sha256:{}", hashes["sha256"].as_str().unwrap_or(""))]}))).await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/match",
        Some("olaf"),
        P::Raw("image/bmp", img),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/match",
        Some("olaf"),
        P::Json(json!({"hashes": ["zz"]})),
    )
    .await;

    // The ad registry.
    let election = sample()["elections"][0].clone();
    c.probe(
        &app,
        M::PUT,
        "/api/v1/elections/ca-2029",
        Some("eve"),
        P::Json(election.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/elections/ca-2029",
        Some("pat"),
        P::Json(election.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/elections/ca-2029",
        Some("eve"),
        P::Json(json!({"id": "other"})),
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/elections", Some("ana"), P::None)
        .await;
    let sponsor = sample()["sponsors"][0].clone();
    let sponsor_id = sponsor["id"].as_str().unwrap_or("s").to_string();
    c.probe(
        &app,
        M::PUT,
        &format!("/api/v1/sponsors/{sponsor_id}"),
        Some("pat"),
        P::Json(sponsor.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        &format!("/api/v1/sponsors/{sponsor_id}"),
        Some("ana"),
        P::Json(sponsor),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/sponsors/bad",
        Some("pat"),
        P::Json(json!({"id": "bad"})),
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/sponsors/{sponsor_id}"),
        Some("eve"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/sponsors/{sponsor_id}"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/sponsors/nope", Some("eve"), P::None)
        .await;
    let platform = json!({"name": "Example Social", "monthly_reach_ca": [{"language": "en", "visitors": 5000000}]});
    c.probe(
        &app,
        M::PUT,
        "/api/v1/platforms/plat",
        Some("pat"),
        P::Json(platform.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/platforms/other",
        Some("pat"),
        P::Json(platform),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/platforms/plat",
        Some("pat"),
        P::Json(json!({"name": 5})),
    )
    .await;
    let first = c
        .probe(
            &app,
            M::POST,
            "/api/v1/ads",
            Some("pat"),
            P::Json(ad_body("a1", "Transit now")),
        )
        .await;
    let ad = first.json()["id"].as_i64().unwrap_or(1);
    let mut update = ad_body("a1", "Transit now, and buses");
    update["creative"] = Value::Null;
    c.probe(
        &app,
        M::POST,
        "/api/v1/ads",
        Some("pat"),
        P::Json(ad_body("a1", "Transit now, and buses")),
    )
    .await;
    let mut bad = ad_body("bad-1", "Foreign money");
    bad["submission"]["ad"]["spend"] = json!({"minor": -5, "currency": "CAD"});
    c.probe(&app, M::POST, "/api/v1/ads", Some("pat"), P::Json(bad))
        .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/ads",
        Some("ana"),
        P::Json(ad_body("x", "t")),
    )
    .await;
    let mut rejected = ad_body("r-1", "No tagline");
    rejected["submission"]["ad"]["tagline"] = Value::Null;
    rejected["submission"]["ad"]["authorized_by"] = Value::Null;
    c.probe(&app, M::POST, "/api/v1/ads", Some("pat"), P::Json(rejected))
        .await;
    c.probe(&app, M::GET, "/api/v1/ads/violations", Some("eve"), P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/ads/violations?limit=0",
        Some("eve"),
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/ads/violations", Some("ana"), P::None)
        .await;
    let dest = json!({"collection": "threats", "tlp": "green"});
    c.probe(
        &app,
        M::PUT,
        "/api/v1/ads/incident-collection",
        Some("eve"),
        P::Json(dest.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/ads/incident-collection",
        Some("pat"),
        P::Json(dest.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/ads/incident-collection",
        Some("eve"),
        P::Json(json!({"collection": "nope"})),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/ads/incident-collection",
        Some("eve"),
        P::Json(json!({"tlp": "green"})),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/elections/ca-2029/incident-collection",
        Some("eve"),
        P::Json(dest.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/elections/ca-2029/incident-collection",
        Some("pat"),
        P::Json(dest.clone()),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/elections/nope/incident-collection",
        Some("eve"),
        P::Json(dest),
    )
    .await;
    c.probe(
        &app,
        M::PUT,
        "/api/v1/elections/ca-2029/incident-collection",
        Some("eve"),
        P::Json(json!({"collection": ""})),
    )
    .await;

    // The public archive.
    c.probe(
        &app,
        M::GET,
        "/public/ads?election=ca-2029&limit=1",
        None,
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/public/ads?limit=0", None, P::None)
        .await;
    c.probe(&app, M::GET, &format!("/public/ads/{ad}"), None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/ads/999999", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/ads/abc", None, P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        &format!("/public/ads/{ad}/versions"),
        None,
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/public/ads/999999/versions", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/ads/abc/versions", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/ads/999999/creative", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/ads/abc/creative", None, P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        &format!("/public/ads/{ad}/versions/99/creative"),
        None,
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/public/ads/{ad}/versions/abc/creative"),
        None,
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/public/elections", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/elections/ca-2029", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/elections/nope", None, P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        "/public/elections/nope/ads.csv",
        None,
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/public/elections/nope/ads.jsonl",
        None,
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/public/elections/ca-2029/ads.csv?x=1",
        None,
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/public/elections/ca-2029/ads.jsonl?x=1",
        None,
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/public/sponsors", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/sponsors?limit=0", None, P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        &format!("/public/sponsors/{sponsor_id}"),
        None,
        P::None,
    )
    .await;
    c.probe(&app, M::GET, "/public/sponsors/nope", None, P::None)
        .await;
    c.probe(&app, M::GET, "/public/platforms", None, P::None)
        .await;

    // Detection.
    let ds = c
        .probe(
            &app,
            M::POST,
            "/api/v1/datasets?account_type=twitter",
            Some("ana"),
            P::Raw("text/csv", posts_csv().into_bytes()),
        )
        .await;
    let ds = ds.json()["id"].as_str().unwrap_or("").to_string();
    c.probe(
        &app,
        M::POST,
        "/api/v1/datasets",
        Some("rita"),
        P::Raw("text/csv", posts_csv().into_bytes()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/datasets?format=nope",
        Some("ana"),
        P::Raw("text/csv", posts_csv().into_bytes()),
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/datasets/{ds}"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/datasets/{ds}"),
        Some("olaf"),
        P::None,
    )
    .await;
    let job_body =
        json!({"dataset": ds, "networks": ["co_retweet"], "window": 60, "min_weight": 2});
    let job = c
        .probe(
            &app,
            M::POST,
            "/api/v1/detections",
            Some("ana"),
            P::Json(job_body.clone()),
        )
        .await;
    let job = job.json()["id"].as_str().unwrap_or("").to_string();
    c.probe(
        &app,
        M::POST,
        "/api/v1/detections",
        Some("rita"),
        P::Json(job_body.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/detections",
        Some("olaf"),
        P::Json(job_body),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/detections",
        Some("ana"),
        P::Json(json!({"dataset": ds, "networks": ["nope"]})),
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/detections/{job}"),
        Some("olaf"),
        P::None,
    )
    .await;
    for _ in 0..500 {
        let r = c
            .probe(
                &app,
                M::GET,
                &format!("/api/v1/detections/{job}"),
                Some("ana"),
                P::None,
            )
            .await;
        if ["done", "failed"].contains(&r.json()["status"].as_str().unwrap_or("")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let publish = json!({"groups": ["group-1"], "collection": "threats"});
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{job}/publish"),
        Some("rita"),
        P::Json(publish.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{job}/publish"),
        Some("olaf"),
        P::Json(publish.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{job}/publish"),
        Some("ana"),
        P::Json(json!({"collection": "nope"})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{job}/publish"),
        Some("ana"),
        P::Json(publish.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{job}/cancel"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{job}/cancel"),
        Some("rita"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{job}/cancel"),
        Some("olaf"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/detections/nope/publish",
        Some("ana"),
        P::Json(publish.clone()),
    )
    .await;
    // Jobs still queued or running: they can be cancelled, not published, and an organisation
    // has at most four at once.
    let big = c
        .probe(
            &app,
            M::POST,
            "/api/v1/datasets",
            Some("ana"),
            P::Raw("text/csv", slow_csv(20_000).into_bytes()),
        )
        .await;
    let big = big.json()["id"].as_str().unwrap_or("").to_string();
    let slow = json!({"dataset": big, "networks": ["co_post"], "window": 1e9, "min_weight": 1});
    let mut running = Vec::new();
    for _ in 0..5 {
        let r = c
            .probe(
                &app,
                M::POST,
                "/api/v1/detections",
                Some("ana"),
                P::Json(slow.clone()),
            )
            .await;
        if let Some(id) = r.json()["id"].as_str() {
            running.push(id.to_string());
        }
    }
    let queued = running.first().cloned().unwrap_or_default();
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{queued}/publish"),
        Some("ana"),
        P::Json(publish),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/detections/{queued}/cancel"),
        Some("rita"),
        P::None,
    )
    .await;
    for id in &running {
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/detections/{id}/cancel"),
            Some("ana"),
            P::None,
        )
        .await;
    }

    // Alerts and groups.
    let red = common::marked(indicator(&new_id("indicator"), 9), store::Tlp::Red);
    let red_id = red["id"].as_str().unwrap().to_string();
    let ana_p = e.hub.principal_for("ana").unwrap();
    let threats = e.hub.collection_for(&ana_p, "threats").unwrap().0.id;
    e.hub.add_objects(&ana_p, &threats, vec![red]).unwrap();
    let raise = |tlp: &str| {
        json!({"title": "Campaign", "summary": "s", "tlp": tlp, "recipients": ["other"],
               "respond_by": "2099-01-01T00:00:00Z", "responses": ["share"]})
    };
    let mut alert_ids = Vec::new();
    for tlp in ["GREEN", "AMBER", "GREEN"] {
        let r = c
            .probe(
                &app,
                M::POST,
                "/api/v1/alerts",
                Some("ana"),
                P::Json(raise(tlp)),
            )
            .await;
        alert_ids.push(r.json()["id"].as_str().unwrap_or("").to_string());
    }
    let mut past = raise("AMBER");
    past["respond_by"] = json!("2001-01-01T00:00:00Z");
    c.probe(&app, M::POST, "/api/v1/alerts", Some("ana"), P::Json(past))
        .await;
    let mut hidden = raise("AMBER");
    hidden["objects"] = json!([{"collection": "threats", "id": red_id}]);
    c.probe(
        &app,
        M::POST,
        "/api/v1/alerts",
        Some("ana"),
        P::Json(hidden),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/alerts",
        Some("rita"),
        P::Json(raise("AMBER")),
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/alerts", Some("olaf"), P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/alerts?box=sent&limit=1",
        Some("ana"),
        P::None,
    )
    .await;
    let (a1, a2, a3) = (&alert_ids[0], &alert_ids[1], &alert_ids[2]);
    // A non-recipient sees the same 404 as for an unknown alert.
    for action in ["acknowledge", "contribute", "decline", "forward"] {
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/alerts/{a1}/{action}"),
            Some("pat"),
            P::Json(json!({})),
        )
        .await;
    }
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/groups/nope",
        Some("root"),
        P::Json(json!({"name": "n"})),
    )
    .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/alerts/{a1}"),
        Some("olaf"),
        P::None,
    )
    .await;
    let comment = json!({"comment": "seen"});
    let bad_comment = json!({"comment": "bad\u{0007}"});
    for action in ["acknowledge", "contribute", "decline"] {
        let path = format!("/api/v1/alerts/{a1}/{action}");
        c.probe(
            &app,
            M::POST,
            &path,
            Some("olaf"),
            P::Json(bad_comment.clone()),
        )
        .await;
        c.probe(&app, M::POST, &path, Some("ana"), P::Json(comment.clone()))
            .await;
    }
    // Contribute and decline before acknowledging: 409.
    for action in ["contribute", "decline"] {
        let path = format!("/api/v1/alerts/{a2}/{action}");
        c.probe(&app, M::POST, &path, Some("olaf"), P::Json(comment.clone()))
            .await;
    }
    for (id, action) in [
        (a1, "acknowledge"),
        (a1, "acknowledge"),
        (a1, "contribute"),
        (a3, "acknowledge"),
        (a3, "decline"),
    ] {
        let path = format!("/api/v1/alerts/{id}/{action}");
        c.probe(&app, M::POST, &path, Some("olaf"), P::Json(comment.clone()))
            .await;
    }
    user(&e, "third", "tess", Role::Analyst);
    let fwd = |org: &str| json!({"recipients": [org]});
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/alerts/{a1}/forward"),
        Some("olaf"),
        P::Json(fwd("third")),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/alerts/{a1}/forward"),
        Some("olaf"),
        P::Json(fwd("nobody")),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        &format!("/api/v1/alerts/{a2}/forward"),
        Some("olaf"),
        P::Json(fwd("third")),
    )
    .await;
    let group = json!({"name": "G7 RRM", "members": ["gov", "other"]});
    c.probe(
        &app,
        M::POST,
        "/api/v1/groups",
        Some("root"),
        P::Json(group.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/groups",
        Some("root"),
        P::Json(group.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/groups",
        Some("ana"),
        P::Json(json!({"name": "x"})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/groups",
        Some("root"),
        P::Json(json!({"name": "y", "members": ["nobody"]})),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/groups",
        Some("root"),
        P::Json(json!({"name": "EU RAS"})),
    )
    .await;
    c.probe(&app, M::GET, "/api/v1/groups", Some("ana"), P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/groups/G7%20RRM",
        Some("ana"),
        P::None,
    )
    .await;
    let rename = |n: &str| json!({"name": n});
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/groups/G7%20RRM",
        Some("root"),
        P::Json(rename("  ")),
    )
    .await;
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/groups/G7%20RRM",
        Some("ana"),
        P::Json(rename("z")),
    )
    .await;
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/groups/G7%20RRM",
        Some("root"),
        P::Json(rename("EU RAS")),
    )
    .await;
    c.probe(
        &app,
        M::PATCH,
        "/api/v1/groups/G7%20RRM",
        Some("root"),
        P::Json(rename("G7")),
    )
    .await;
    for m in [M::PUT, M::DELETE] {
        c.probe(
            &app,
            m.clone(),
            "/api/v1/groups/G7/members/third",
            Some("root"),
            P::None,
        )
        .await;
        c.probe(
            &app,
            m.clone(),
            "/api/v1/groups/G7/members/nobody",
            Some("root"),
            P::None,
        )
        .await;
        c.probe(
            &app,
            m.clone(),
            "/api/v1/groups/G7/members/third",
            Some("ana"),
            P::None,
        )
        .await;
    }

    // Notifications: webhooks, e-mail contacts, deliveries (an organisation's admins).
    let hook = json!({"url": "https://hooks.example.org/rrm", "events": ["alert.raised", "*"]});
    let r = c
        .probe(
            &app,
            M::POST,
            "/api/v1/webhooks",
            Some("adam"),
            P::Json(hook.clone()),
        )
        .await;
    let wid = r.json()["id"].as_str().unwrap_or_default().to_string();
    c.probe(
        &app,
        M::POST,
        "/api/v1/webhooks",
        Some("ana"),
        P::Json(hook.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/webhooks",
        Some("adam"),
        P::Json(json!({"url": "http://hooks.example.org/", "events": ["*"]})),
    )
    .await;
    for _ in 0..notify::MAX_WEBHOOKS {
        c.probe(
            &app,
            M::POST,
            "/api/v1/webhooks",
            Some("root"),
            P::Json(hook.clone()),
        )
        .await;
    }
    for who in ["adam", "ana"] {
        c.probe(&app, M::GET, "/api/v1/webhooks", Some(who), P::None)
            .await;
        c.probe(
            &app,
            M::GET,
            &format!("/api/v1/webhooks/{wid}"),
            Some(who),
            P::None,
        )
        .await;
        c.probe(
            &app,
            M::POST,
            &format!("/api/v1/webhooks/{wid}/ping"),
            Some(who),
            P::None,
        )
        .await;
        c.probe(
            &app,
            M::GET,
            &format!("/api/v1/webhooks/{wid}/deliveries"),
            Some(who),
            P::None,
        )
        .await;
        c.probe(
            &app,
            M::GET,
            "/api/v1/deliveries?limit=5",
            Some(who),
            P::None,
        )
        .await;
        c.probe(&app, M::GET, "/api/v1/email-contacts", Some(who), P::None)
            .await;
    }
    c.probe(&app, M::GET, "/api/v1/webhooks/nope", Some("adam"), P::None)
        .await;
    c.probe(
        &app,
        M::GET,
        &format!("/api/v1/webhooks/{wid}/deliveries?limit=0"),
        Some("adam"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::GET,
        "/api/v1/deliveries?limit=x",
        Some("adam"),
        P::None,
    )
    .await;
    let contact = json!({"address": "soc@gov.example.org", "events": ["*"]});
    let r = c
        .probe(
            &app,
            M::POST,
            "/api/v1/email-contacts",
            Some("adam"),
            P::Json(contact.clone()),
        )
        .await;
    let cid = r.json()["id"].as_str().unwrap_or_default().to_string();
    c.probe(
        &app,
        M::POST,
        "/api/v1/email-contacts",
        Some("adam"),
        P::Json(contact.clone()),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/email-contacts",
        Some("ana"),
        P::Json(contact),
    )
    .await;
    c.probe(
        &app,
        M::POST,
        "/api/v1/email-contacts",
        Some("adam"),
        P::Json(json!({"address": "nope", "events": ["*"]})),
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/email-contacts/{cid}"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/email-contacts/{cid}"),
        Some("adam"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/email-contacts/{cid}"),
        Some("adam"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/webhooks/{wid}"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/webhooks/{wid}"),
        Some("adam"),
        P::None,
    )
    .await;
    c.probe(
        &app,
        M::DELETE,
        &format!("/api/v1/webhooks/{wid}"),
        Some("adam"),
        P::None,
    )
    .await;

    // What the shared layers answer for every operation: 401 without credentials, 400 for a
    // malformed body or an unknown parameter, 415 for a body that is not JSON, 413 for a
    // body over every limit, and 400 or 404 for path parameters that name nothing.
    let ops: Vec<(String, String, Value)> = c.doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .map(|(m, op)| (p.clone(), m.clone(), op.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (tpl, m, op) in &ops {
        let method: Method = m.to_ascii_uppercase().parse().unwrap();
        let concrete = tpl
            .replace("{bank}", "tvec")
            .replace("{lookup}", "zzzz")
            .replace("{username}", "neil")
            .replace("{org}", "gov")
            .replace("{version}", "1")
            .replace("{id}", &concrete_id(tpl, ad, &ds, &job, &entry));
        let secured = !matches!(op.get("security"), Some(Value::Array(a)) if a.is_empty());
        if secured {
            c.probe(&app, method.clone(), &concrete, None, P::None)
                .await;
        }
        let who = if secured { Some("root") } else { None };
        if op.get("requestBody").is_some() {
            c.probe(
                &app,
                method.clone(),
                &concrete,
                who,
                P::Raw("application/json", b"{".to_vec()),
            )
            .await;
            c.probe(
                &app,
                method.clone(),
                &concrete,
                who,
                P::Raw("text/plain", b"{}".to_vec()),
            )
            .await;
            c.probe(&app, method.clone(), &concrete, who, P::Huge).await;
        }
        c.probe(
            &app,
            method.clone(),
            &format!("{concrete}?zz_unknown=1"),
            who,
            P::None,
        )
        .await;
        if tpl.contains('{') {
            let junk: String = tpl
                .split('/')
                .map(|s| if s.starts_with('{') { "zz%20junk" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            c.probe(&app, method.clone(), &junk, who, P::None).await;
            let bad_utf8 = junk.replace("zz%20junk", "%FF");
            c.probe(&app, method.clone(), &bad_utf8, who, P::None).await;
        }
    }
    // Throttling: wrong passwords for one account until it is slowed down; then even its
    // right password is refused for a while.
    user(&e, "other", "slow", Role::Analyst);
    let slow_down = |app: Router| async move {
        for _ in 0..12 {
            let req = Request::builder()
                .uri("/api/v1/whoami")
                .header("host", "rrm.test")
                .header(
                    "authorization",
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode("slow:wrong")
                    ),
                )
                .body(Body::empty())
                .unwrap();
            send(&app, req).await;
        }
    };
    slow_down(app.clone()).await;
    for (tpl, m, op) in &ops {
        let secured = !matches!(op.get("security"), Some(Value::Array(a)) if a.is_empty());
        if secured {
            let method: Method = m.to_ascii_uppercase().parse().unwrap();
            let concrete = tpl.replace(['{', '}'], "");
            // On a loaded machine the backoff window can end before every route is probed:
            // the account is slowed down again and the route probed again.
            for _ in 0..3 {
                let r = c
                    .probe(&app, method.clone(), &concrete, Some("slow"), P::None)
                    .await;
                if r.status.as_u16() == 429 {
                    break;
                }
                slow_down(app.clone()).await;
            }
        }
    }
    // The public rate limit, on a router whose limiter allows a burst of two.
    let limited_env = common::env_with(server::ServerConfig {
        public_rate: server::PublicRate {
            rate: 0.001,
            burst: 2.0,
        },
        ..server::ServerConfig::default()
    });
    let limited = limited_env.app.clone();
    for (tpl, m, _) in &ops {
        if tpl.starts_with("/public/") {
            let method: Method = m.to_ascii_uppercase().parse().unwrap();
            let concrete = tpl.replace("{id}", "1").replace("{version}", "1");
            for _ in 0..3 {
                c.probe(&limited, method.clone(), &concrete, None, P::None)
                    .await;
            }
        }
    }

    let unseen: BTreeSet<Key> = c.documented().difference(&c.seen).cloned().collect();
    // Internal errors cannot be provoked from outside; every other documented JSON answer
    // must have been seen, except these.
    let unreachable: BTreeSet<Key> = UNREACHABLE
        .iter()
        .map(|(p, m, s)| (p.to_string(), m.to_string(), s.to_string()))
        .collect();
    let missing: Vec<&Key> = unseen
        .iter()
        .filter(|k| k.2 != "500" && !unreachable.contains(*k))
        .collect();
    let reached: Vec<&Key> = unreachable.iter().filter(|k| c.seen.contains(*k)).collect();
    let mut by_route: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (p, m, s) in &missing {
        by_route
            .entry(format!("{m} {p}"))
            .or_default()
            .push(s.clone());
    }
    assert!(
        c.problems.is_empty() && missing.is_empty() && reached.is_empty(),
        "{} problems:\n{}\n\nnever seen: {by_route:#?}\n\nlisted as unreachable but seen: {reached:?}",
        c.problems.len(),
        c.problems.join("\n"),
    );
}

/// A valid id for a template's `{id}`.
fn concrete_id(tpl: &str, ad: i64, ds: &str, job: &str, entry: &str) -> String {
    if tpl.starts_with("/public/ads") {
        ad.to_string()
    } else if tpl.starts_with("/api/v1/datasets") {
        ds.to_string()
    } else if tpl.starts_with("/api/v1/detections") {
        job.to_string()
    } else if tpl.contains("/entries/") {
        entry.to_string()
    } else if tpl.starts_with("/api/v1/collections") {
        "threats".to_string()
    } else if tpl.contains("/sponsors/") {
        "nope".to_string()
    } else if tpl.contains("/platforms/") {
        "plat".to_string()
    } else {
        "ca-2029".to_string()
    }
}

/// Documented JSON answers that no request from outside can provoke (besides every 500):
/// 503 needs every image-decoding slot taken for two seconds by concurrent uploads.
const UNREACHABLE: &[(&str, &str, &str)] = &[
    ("/api/v1/hash", "post", "503"),
    ("/api/v1/match", "post", "503"),
    // A full export and import queue (every worker busy and the queue full at once); the
    // worker facility's own tests and `error::work_tests` show the 503.
    ("/api/v1/ads/violations", "get", "503"),
    ("/api/v1/banks/{bank}/entries", "get", "503"),
    ("/api/v1/banks/{bank}/entries", "post", "503"),
    ("/public/elections/{id}/ads.csv", "get", "503"),
    ("/public/elections/{id}/ads.jsonl", "get", "503"),
    // A full detection queue; tests/interop/test_detect_restart.py shows it on the binary.
    ("/api/v1/detections", "post", "503"),
    // A vote closes itself when a ballot decides it; only a deadline passing leaves a decided
    // vote open, and a deadline must lie in the future. The cases service's tests close one.
    ("/api/v1/cases/{id}/votes/{vote}/close", "post", "200"),
    // The store refuses a statistics note only if its fresh random id were taken.
    ("/api/v1/notices/stats", "post", "409"),
    // Drafts from findings and re-checks need a finished, published detection or a bank
    // match on fresh data; tests/interop/test_findings.py shows them on the binary.
    ("/api/v1/notices/from-detection", "post", "201"),
    ("/api/v1/notices/from-match", "post", "201"),
    ("/api/v1/notices/{id}/recheck", "post", "201"),
];

/// Response cases: every documented answer of `/api/v1/cases` that a request can provoke.
/// `gov` owns the cases (ana and adam write, rita reads), `other` takes part (olaf).
/// Every documented answer of the breach routes: `pat` (a platform) reports to `gov`
/// (`ana` answers), `olaf` sees nothing, `rita` only reads.
async fn breach_probes(c: &mut Checker, e: &Env) {
    use Method as M;
    use Payload as P;
    let app = &e.app;
    let j = P::Json;
    e.hub.grant(Actor::Operator, "plat", "threats", RW).unwrap();
    let aware = |ago: i64| stix::format_timestamp((hub::now_secs() - ago) * 1_000_000);
    let contents = json!({
        "nature": "n", "subject_categories": ["users"], "approx_subjects": 1,
        "record_categories": ["e-mail"], "approx_records": 2, "contact": "office",
        "consequences": "c", "measures": "m"});
    let body = |ago: i64, submit: bool| {
        json!({"title": "Breach", "regime": "gdpr-art33", "recipient": "gov",
               "aware_at": aware(ago), "contents": contents, "submit": submit})
    };
    let r = c
        .probe(
            app,
            M::POST,
            "/api/v1/breaches",
            Some("pat"),
            j(body(60, false)),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    c.probe(
        app,
        M::POST,
        "/api/v1/breaches",
        Some("rita"),
        j(body(60, false)),
    )
    .await;
    c.probe(
        app,
        M::POST,
        "/api/v1/breaches",
        Some("ana"),
        j(body(60, false)),
    )
    .await;
    for q in ["", "?limit=1", "?limit=0", "?next=junk"] {
        c.probe(
            app,
            M::GET,
            &format!("/api/v1/breaches{q}"),
            Some("ana"),
            P::None,
        )
        .await;
    }
    let b = format!("/api/v1/breaches/{id}");
    c.probe(app, M::GET, &b, Some("ana"), P::None).await;
    c.probe(app, M::GET, &b, Some("olaf"), P::None).await;
    let phase = json!({"contents": {"consequences": "phishing"}});
    for who in ["pat", "ana", "olaf"] {
        c.probe(app, M::PATCH, &b, Some(who), j(phase.clone()))
            .await;
    }
    c.probe(
        app,
        M::PATCH,
        &b,
        Some("pat"),
        j(json!({"deferred": ["zz"]})),
    )
    .await;
    // Sharing a draft is not possible; then submit, with every refusal first.
    let share = json!({"collection": "threats", "tlp": "RED"});
    c.probe(
        app,
        M::POST,
        &format!("{b}/share"),
        Some("pat"),
        j(share.clone()),
    )
    .await;
    for who in ["olaf", "ana", "pat", "pat"] {
        c.probe(
            app,
            M::POST,
            &format!("{b}/submit"),
            Some(who),
            j(json!({})),
        )
        .await;
    }
    let late = c
        .probe(
            app,
            M::POST,
            "/api/v1/breaches",
            Some("pat"),
            j(body(80 * 3600, false)),
        )
        .await;
    let late = late.json()["id"].as_str().unwrap().to_string();
    c.probe(
        app,
        M::POST,
        &format!("/api/v1/breaches/{late}/submit"),
        Some("pat"),
        j(json!({})),
    )
    .await;
    for who in ["olaf", "ana", "pat", "pat"] {
        let body = if who == "pat" {
            json!({"collection": "nope"})
        } else {
            share.clone()
        };
        c.probe(app, M::POST, &format!("{b}/share"), Some(who), j(body))
            .await;
    }
    c.probe(app, M::POST, &format!("{b}/share"), Some("pat"), j(share))
        .await;
    for step in ["acknowledge", "close"] {
        let path = format!("{b}/{step}");
        for (who, body) in [
            ("olaf", json!({})),
            ("pat", json!({})),
            ("ana", json!({"junk": 1})),
            ("ana", json!({})),
        ] {
            c.probe(app, M::POST, &path, Some(who), j(body)).await;
        }
    }
    // Closed: nothing more but a share.
    c.probe(
        app,
        M::POST,
        &format!("{b}/acknowledge"),
        Some("ana"),
        j(json!({})),
    )
    .await;
    c.probe(
        app,
        M::POST,
        &format!("{b}/close"),
        Some("ana"),
        j(json!({})),
    )
    .await;
    c.probe(app, M::PATCH, &b, Some("pat"), j(phase)).await;
}

async fn case_probes(c: &mut Checker, app: &Router) {
    use Method as M;
    use Payload as P;
    let j = P::Json;
    let new = json!({"title": "Storm-1516", "participants": ["other"]});
    let r = c
        .probe(app, M::POST, "/api/v1/cases", Some("ana"), j(new.clone()))
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    c.probe(app, M::POST, "/api/v1/cases", Some("rita"), j(new))
        .await;
    let bad_object = json!({"title": "x", "objects": [{"collection": "threats", "id": "indicator--00000000-0000-4000-8000-000000000000"}]});
    c.probe(app, M::POST, "/api/v1/cases", Some("ana"), j(bad_object))
        .await;
    for q in ["", "?role=mine&limit=1", "?role=zz", "?next=junk"] {
        c.probe(
            app,
            M::GET,
            &format!("/api/v1/cases{q}"),
            Some("ana"),
            P::None,
        )
        .await;
    }
    let case = format!("/api/v1/cases/{id}");
    c.probe(app, M::GET, &case, Some("olaf"), P::None).await;
    c.probe(app, M::GET, &case, Some("pat"), P::None).await;
    c.probe(app, M::POST, &format!("{case}/open"), Some("olaf"), P::None)
        .await;
    c.probe(app, M::POST, &format!("{case}/open"), Some("ana"), P::None)
        .await;
    c.probe(app, M::POST, &format!("{case}/open"), Some("ana"), P::None)
        .await;
    let parts = format!("{case}/participants");
    for (who, org) in [
        ("ana", "plat"),
        ("ana", "plat"),
        ("ana", "nope"),
        ("olaf", "plat"),
    ] {
        c.probe(app, M::POST, &parts, Some(who), j(json!({"org": org})))
            .await;
    }
    for (who, org) in [("olaf", "plat"), ("ana", "plat"), ("ana", "plat")] {
        c.probe(
            app,
            M::DELETE,
            &format!("{parts}/{org}"),
            Some(who),
            P::None,
        )
        .await;
    }
    let objects = format!("{case}/objects");
    let unknown =
        json!({"collection": "threats", "id": "indicator--00000000-0000-4000-8000-000000000000"});
    c.probe(app, M::POST, &objects, Some("ana"), j(unknown.clone()))
        .await;
    c.probe(app, M::POST, &objects, Some("rita"), j(unknown.clone()))
        .await;
    let listed = c
        .probe(
            app,
            M::GET,
            "/api/v1/collections/threats/objects",
            Some("ana"),
            P::None,
        )
        .await;
    let first = listed.json()["objects"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let known = json!({"collection": "threats", "id": first});
    c.probe(app, M::POST, &objects, Some("ana"), j(known.clone()))
        .await;
    c.probe(
        app,
        M::GET,
        &format!("{case}/options"),
        Some("ana"),
        P::None,
    )
    .await;
    impact_probes(c, app, &case).await;
    let actions = format!("{case}/actions");
    let action = json!({"title": "Label the accounts", "performing_org": "gov", "due": "2999-01-01T00:00:00Z"});
    let r = c
        .probe(app, M::POST, &actions, Some("ana"), j(action.clone()))
        .await;
    let aid = r.json()["id"].as_str().unwrap().to_string();
    c.probe(app, M::POST, &actions, Some("rita"), j(action.clone()))
        .await;
    let past = json!({"title": "x", "performing_org": "gov", "due": "2001-01-01T00:00:00Z"});
    c.probe(app, M::POST, &actions, Some("ana"), j(past)).await;
    c.probe(app, M::GET, &actions, Some("olaf"), P::None).await;
    let step = |s: &str| format!("{actions}/{aid}/{s}");
    for (who, s) in [
        ("ana", "propose"),
        ("ana", "approve"),
        ("ana", "propose"),
        ("ana", "zz"),
        ("adam", "approve"),
    ] {
        c.probe(app, M::POST, &step(s), Some(who), P::None).await;
    }
    let votes = format!("{case}/votes");
    let r = c
        .probe(
            app,
            M::POST,
            &votes,
            Some("ana"),
            j(json!({"text": "We condemn it.", "rule": "quorum:2"})),
        )
        .await;
    let vid = r.json()["id"].as_str().unwrap().to_string();
    c.probe(
        app,
        M::POST,
        &votes,
        Some("ana"),
        j(json!({"text": "x", "rule": "quorum:9"})),
    )
    .await;
    c.probe(
        app,
        M::POST,
        &votes,
        Some("olaf"),
        j(json!({"text": "x", "rule": "consensus"})),
    )
    .await;
    c.probe(app, M::GET, &votes, Some("olaf"), P::None).await;
    let vote = format!("{votes}/{vid}");
    c.probe(app, M::GET, &vote, Some("olaf"), P::None).await;
    let ballots = format!("{vote}/ballots");
    for (who, b) in [
        ("rita", "endorse"),
        ("ana", "endorse"),
        ("adam", "endorse"),
        ("ana", "maybe"),
    ] {
        c.probe(app, M::POST, &ballots, Some(who), j(json!({"ballot": b})))
            .await;
    }
    c.probe(app, M::POST, &format!("{vote}/close"), Some("ana"), P::None)
        .await;
    c.probe(
        app,
        M::POST,
        &format!("{vote}/publish"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        app,
        M::POST,
        &ballots,
        Some("olaf"),
        j(json!({"ballot": "endorse"})),
    )
    .await;
    c.probe(app, M::POST, &format!("{vote}/close"), Some("ana"), P::None)
        .await;
    c.probe(
        app,
        M::POST,
        &format!("{vote}/publish"),
        Some("olaf"),
        P::None,
    )
    .await;
    c.probe(
        app,
        M::POST,
        &format!("{vote}/publish"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        app,
        M::POST,
        &format!("{vote}/publish"),
        Some("ana"),
        P::None,
    )
    .await;
    let publish = format!("{case}/publish");
    for (who, b) in [
        ("ana", json!({"collection": "threats", "tlp": "GREEN"})),
        ("ana", json!({"collection": "nope"})),
        ("olaf", json!({"collection": "threats"})),
        ("pat", json!({"collection": "threats"})),
    ] {
        c.probe(app, M::POST, &publish, Some(who), j(b)).await;
    }
    // Closed: every change is a conflict; reopening needs a reason.
    c.probe(
        app,
        M::POST,
        &format!("{case}/close"),
        Some("olaf"),
        P::None,
    )
    .await;
    c.probe(app, M::POST, &format!("{case}/close"), Some("ana"), P::None)
        .await;
    c.probe(app, M::POST, &format!("{case}/close"), Some("ana"), P::None)
        .await;
    c.probe(app, M::POST, &parts, Some("ana"), j(json!({"org": "plat"})))
        .await;
    c.probe(
        app,
        M::DELETE,
        &format!("{parts}/other"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(app, M::POST, &objects, Some("ana"), j(known)).await;
    c.probe(app, M::POST, &actions, Some("ana"), j(action))
        .await;
    c.probe(app, M::POST, &step("done"), Some("adam"), P::None)
        .await;
    c.probe(
        app,
        M::POST,
        &votes,
        Some("ana"),
        j(json!({"text": "x", "rule": "consensus"})),
    )
    .await;
    let reopen = format!("{case}/reopen");
    c.probe(
        app,
        M::POST,
        &reopen,
        Some("ana"),
        j(json!({"reason": " "})),
    )
    .await;
    c.probe(
        app,
        M::POST,
        &reopen,
        Some("olaf"),
        j(json!({"reason": "more"})),
    )
    .await;
    c.probe(
        app,
        M::POST,
        &reopen,
        Some("ana"),
        j(json!({"reason": "more"})),
    )
    .await;
    c.probe(
        app,
        M::POST,
        &reopen,
        Some("ana"),
        j(json!({"reason": "more"})),
    )
    .await;
    // To an organisation outside the case, the case does not exist.
    let outside = [
        (parts.clone(), json!({"org": "plat"})),
        (objects.clone(), unknown.clone()),
        (reopen.clone(), json!({"reason": "r"})),
        (
            actions.clone(),
            json!({"title": "t", "performing_org": "plat"}),
        ),
        (votes.clone(), json!({"text": "t", "rule": "consensus"})),
        (ballots.clone(), json!({"ballot": "endorse"})),
    ];
    for (path, b) in outside {
        c.probe(app, M::POST, &path, Some("pat"), j(b)).await;
    }
    c.probe(app, M::POST, &step("propose"), Some("pat"), P::None)
        .await;
    // A pending vote: closing it is refused to the caller by the rule (the tally).
    let r = c
        .probe(
            app,
            M::POST,
            &votes,
            Some("ana"),
            j(json!({"text": "y", "rule": "consensus"})),
        )
        .await;
    let pending = r.json()["id"].as_str().unwrap().to_string();
    c.probe(
        app,
        M::POST,
        &format!("{votes}/{pending}/close"),
        Some("ana"),
        P::None,
    )
    .await;
    // With a galaxy the options answer 200.
    let g = common::env_with_galaxy();
    user(&g, "gov", "ana", Role::Analyst);
    let r = c
        .probe(
            &g.app,
            M::POST,
            "/api/v1/cases",
            Some("ana"),
            j(json!({"title": "t"})),
        )
        .await;
    let gid = r.json()["id"].as_str().unwrap().to_string();
    c.probe(
        &g.app,
        M::GET,
        &format!("/api/v1/cases/{gid}/options"),
        Some("ana"),
        P::None,
    )
    .await;
}

/// The impacts of a case: recorded (201), listed (200), refused to a reader (403), on an
/// unknown case (404) and on a closed one (409), and bad input (400).
async fn impact_probes(c: &mut Checker, app: &Router, case: &str) {
    use Method as M;
    use Payload as P;
    let impacts = format!("{case}/impacts");
    let body = json!({"category": "external", "external": {"impact_type": "public-confidence"}, "criticality": 60});
    c.probe(app, M::POST, &impacts, Some("ana"), P::Json(body.clone()))
        .await;
    c.probe(app, M::POST, &impacts, Some("rita"), P::Json(body.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &impacts,
        Some("ana"),
        P::Json(json!({"category": "external", "external": {"impact_type": "mood"}})),
    )
    .await;
    c.probe(app, M::GET, &impacts, Some("olaf"), P::None).await;
    c.probe(
        app,
        M::POST,
        "/api/v1/cases/00000000-0000-4000-8000-000000000000/impacts",
        Some("ana"),
        P::Json(body.clone()),
    )
    .await;
    let r = c
        .probe(
            app,
            M::POST,
            "/api/v1/cases",
            Some("ana"),
            P::Json(json!({"title": "Closed at once"})),
        )
        .await;
    let closed = format!("/api/v1/cases/{}", r.json()["id"].as_str().unwrap());
    c.probe(
        app,
        M::POST,
        &format!("{closed}/close"),
        Some("ana"),
        P::None,
    )
    .await;
    c.probe(
        app,
        M::POST,
        &format!("{closed}/impacts"),
        Some("ana"),
        P::Json(body),
    )
    .await;
}

/// Notices: every documented answer of `/api/v1/notices` that a request can provoke. `gov`
/// sends (ana writes, adam approves, rita reads, root is the operator), `plat` receives (pat).
async fn notice_probes(c: &mut Checker, app: &Router) {
    use Method as M;
    use Payload as P;
    let j = P::Json;
    let unknown = "/api/v1/notices/00000000-0000-4000-8000-000000000000";
    let one = json!({
        "recipient": "plat", "kind": "dsa-art16",
        "items": [{"type": "account", "value": "@storm_1516"}],
        "explanation": "A forged ballot notice.", "ground": "Canada Elections Act, s. 91",
        "territorial_scope": ["CA"], "contact": {"name": "RRM", "email": "rrm@example.ca"},
        "bona_fide": true
    });
    c.probe(
        app,
        M::POST,
        "/api/v1/notices",
        Some("rita"),
        j(one.clone()),
    )
    .await;
    c.probe(
        app,
        M::POST,
        "/api/v1/notices",
        Some("ana"),
        j(json!({"recipient": "plat", "kind": "dsa-art16"})),
    )
    .await;
    let r = c
        .probe(app, M::POST, "/api/v1/notices", Some("ana"), j(one.clone()))
        .await;
    let n = format!("/api/v1/notices/{}", r.json()["id"].as_str().unwrap());
    for q in ["?limit=1", "?next=junk"] {
        c.probe(
            app,
            M::GET,
            &format!("/api/v1/notices{q}"),
            Some("ana"),
            P::None,
        )
        .await;
    }
    c.probe(app, M::GET, &n, Some("pat"), P::None).await;
    c.probe(app, M::GET, &n, Some("ana"), P::None).await;
    c.probe(app, M::POST, &format!("{n}/send"), Some("ana"), P::None)
        .await;
    c.probe(app, M::POST, &format!("{n}/approve"), Some("ana"), P::None)
        .await;
    c.probe(app, M::POST, &format!("{n}/approve"), Some("adam"), P::None)
        .await;
    c.probe(app, M::POST, &format!("{n}/send"), Some("ana"), P::None)
        .await;
    for q in ["", "?after=junk"] {
        c.probe(
            app,
            M::GET,
            &format!("/api/v1/notices/inbox{q}"),
            Some("pat"),
            P::None,
        )
        .await;
    }
    // Versions.
    let versions = format!("{n}/versions");
    c.probe(app, M::POST, &versions, Some("pat"), j(one.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &versions,
        Some("ana"),
        j(json!({"kind": "tos-report"})),
    )
    .await;
    let r = c
        .probe(app, M::POST, &versions, Some("ana"), j(one.clone()))
        .await;
    let v2 = format!("/api/v1/notices/{}", r.json()["id"].as_str().unwrap());
    c.probe(app, M::POST, &versions, Some("ana"), j(one.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &format!("{unknown}/versions"),
        Some("ana"),
        j(one),
    )
    .await;
    c.probe(app, M::GET, &versions, Some("ana"), P::None).await;
    c.probe(
        app,
        M::GET,
        &format!("{unknown}/versions"),
        Some("ana"),
        P::None,
    )
    .await;
    // The recipient's side.
    for (who, path) in [
        ("ana", format!("{n}/acknowledge")),
        ("pat", format!("{n}/acknowledge")),
        ("pat", format!("{n}/acknowledge")),
        ("pat", format!("{unknown}/acknowledge")),
    ] {
        c.probe(app, M::POST, &path, Some(who), P::None).await;
    }
    let decide = format!("{n}/decisions");
    let good = json!({"decisions": [{"item": 0, "outcome": "actioned",
                                     "statement": test_support::sor_statement("storm-1")}]});
    c.probe(app, M::POST, &decide, Some("ana"), j(good.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &decide,
        Some("pat"),
        j(json!({"decisions": [{"item": 0, "outcome": "actioned", "statement": {"puid": "x"}}]})),
    )
    .await;
    c.probe(app, M::POST, &decide, Some("pat"), j(good.clone()))
        .await;
    c.probe(app, M::POST, &decide, Some("pat"), j(good.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &format!("{unknown}/decisions"),
        Some("pat"),
        j(good.clone()),
    )
    .await;
    for q in ["?puid=storm-1", ""] {
        c.probe(
            app,
            M::GET,
            &format!("/api/v1/notices/decisions{q}"),
            Some("pat"),
            P::None,
        )
        .await;
    }
    for q in ["?limit=100", "?limit=101"] {
        c.probe(
            app,
            M::GET,
            &format!("/api/v1/notices/decisions/export{q}"),
            Some("pat"),
            P::None,
        )
        .await;
    }
    // Appeal and answer.
    let appeal = format!("{n}/appeal");
    let reasons = json!({"reasons": "The account is still active."});
    c.probe(app, M::POST, &appeal, Some("pat"), j(reasons.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &appeal,
        Some("ana"),
        j(json!({"reasons": " "})),
    )
    .await;
    c.probe(app, M::POST, &appeal, Some("ana"), j(reasons.clone()))
        .await;
    c.probe(app, M::POST, &appeal, Some("ana"), j(reasons.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &format!("{unknown}/appeal"),
        Some("ana"),
        j(reasons),
    )
    .await;
    let answer = format!("{n}/appeal/answer");
    let upheld = json!({"answer": "upheld", "explanation": "The account was restored on review."});
    c.probe(app, M::POST, &answer, Some("ana"), j(upheld.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &answer,
        Some("pat"),
        j(json!({"answer": "upheld", "explanation": ""})),
    )
    .await;
    c.probe(app, M::POST, &answer, Some("pat"), j(upheld.clone()))
        .await;
    c.probe(app, M::POST, &answer, Some("pat"), j(upheld.clone()))
        .await;
    c.probe(
        app,
        M::POST,
        &format!("{unknown}/appeal/answer"),
        Some("pat"),
        j(upheld),
    )
    .await;
    // The correction, decided and closed by the sender.
    c.probe(
        app,
        M::POST,
        &format!("{v2}/approve"),
        Some("adam"),
        P::None,
    )
    .await;
    c.probe(
        app,
        M::POST,
        &format!("{v2}/approve"),
        Some("adam"),
        P::None,
    )
    .await;
    c.probe(app, M::POST, &format!("{v2}/send"), Some("rita"), P::None)
        .await;
    c.probe(app, M::POST, &format!("{v2}/send"), Some("ana"), P::None)
        .await;
    c.probe(
        app,
        M::POST,
        &format!("{v2}/acknowledge"),
        Some("pat"),
        P::None,
    )
    .await;
    c.probe(
        app,
        M::POST,
        &format!("{v2}/decisions"),
        Some("pat"),
        j(good),
    )
    .await;
    for (who, path) in [
        ("pat", format!("{v2}/close")),
        ("ana", format!("{v2}/close")),
        ("ana", format!("{v2}/close")),
        ("ana", format!("{unknown}/close")),
        ("ana", format!("{unknown}/approve")),
        ("ana", format!("{unknown}/send")),
    ] {
        c.probe(app, M::POST, &path, Some(who), P::None).await;
    }
    // Competent authorities: the operator only.
    c.probe(
        app,
        M::GET,
        "/api/v1/notices/authorities",
        Some("ana"),
        P::None,
    )
    .await;
    for m in [M::PUT, M::DELETE] {
        for (who, org) in [("adam", "gov"), ("root", "gov"), ("root", "nobody")] {
            c.probe(
                app,
                m.clone(),
                &format!("/api/v1/notices/authorities/{org}"),
                Some(who),
                P::None,
            )
            .await;
        }
    }
    // Response-time statistics: JSON, CSV, a note, a bad bound; a note published to a
    // collection the sender may write, and to one it may not.
    for q in [
        "",
        "?format=csv",
        "?format=stix&tlp=GREEN",
        "?from=yesterday",
    ] {
        c.probe(
            app,
            M::GET,
            &format!("/api/v1/notices/stats{q}"),
            Some("ana"),
            P::None,
        )
        .await;
    }
    for q in ["?publish=threats", "?publish=nope"] {
        c.probe(
            app,
            M::POST,
            &format!("/api/v1/notices/stats{q}"),
            Some("ana"),
            P::None,
        )
        .await;
    }
    // Findings to notices, and re-checks (`n` is decided with an actioned item).
    let cib = json!({"recipient": "plat", "collection": "nowhere", "grouping": "grouping--00000000-0000-4000-8000-000000000000",
                     "ground": "s. 91", "contact": {"name": "RRM", "email": "rrm@example.ca"}, "bona_fide": true});
    for (who, body) in [
        ("rita", cib.clone()),
        ("ana", json!({"recipient": "plat"})),
        ("ana", cib),
    ] {
        c.probe(
            app,
            M::POST,
            "/api/v1/notices/from-detection",
            Some(who),
            j(body),
        )
        .await;
    }
    for who in ["rita", "ana"] {
        c.probe(
            app,
            M::POST,
            "/api/v1/notices/from-match",
            Some(who),
            j(json!({"recipient": "plat", "content": [{"url": "https://x.example/1", "hash": "zz"}]})),
        )
        .await;
    }
    let r = c
        .probe(
            app,
            M::POST,
            "/api/v1/notices",
            Some("ana"),
            j(json!({
                "recipient": "plat", "kind": "tos-report", "ground": "ToS 4",
                "items": [{"type": "url", "value": "https://x.example/2"}], "explanation": "Spam."
            })),
        )
        .await;
    let draft = format!("/api/v1/notices/{}", r.json()["id"].as_str().unwrap());
    for (who, path) in [
        ("pat", format!("{n}/recheck")),
        ("ana", format!("{unknown}/recheck")),
        ("ana", format!("{draft}/recheck")),
        ("ana", format!("{n}/recheck")),
    ] {
        c.probe(app, M::POST, &path, Some(who), j(json!({}))).await;
    }
    for (who, path) in [
        ("ana", format!("{n}/rechecks")),
        ("pat", format!("{n}/rechecks")),
        ("ana", format!("{unknown}/rechecks")),
    ] {
        c.probe(app, M::GET, &path, Some(who), P::None).await;
    }
}
