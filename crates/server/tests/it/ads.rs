//! The political-advertising registry routes through the real router over a real hub on
//! SQLite (`oneshot`): submission (JSON with base64 and multipart), every bad input (clear
//! 4xx naming the field, nothing stored), authority routes, public search, ad, creative,
//! streamed exports, the rate limit and the OpenAPI description.

use crate::common;

use store::{AccountStore, AdStore};

use axum::body::Body;
use axum::http::Method;
use base64::Engine as _;
use common::{api, request, send, user, Env, Resp, RW};
use hub::Actor;
use serde_json::{json, Value};
use store::{Role, Sector};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../adrules/samples");
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n creative bytes";

fn sample() -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLES}/ca-compliant.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The compliant sample as platform "plat" submits it (elections come from the registry).
fn submission(id: &str, text: &str) -> Value {
    let mut s = sample();
    s["ad"]["id"] = json!(id);
    s["ad"]["text"] = json!(text);
    let ad = s["ad"].as_object_mut().unwrap();
    ad.remove("creative");
    ad.remove("versions");
    s.as_object_mut().unwrap().remove("elections");
    s
}

fn body(sub: Value) -> Value {
    json!({
        "submission": sub,
        "creative": {"media_type": "image/png",
                     "data": base64::engine::general_purpose::STANDARD.encode(PNG)}
    })
}

/// Platform "plat" (user "pat"), authority "elections-ca" (user "eve") with election
/// ca-2029 registered over the API, government "gov" (user "gus").
async fn world() -> Env {
    let e = common::env();
    common::ad_orgs(&e);
    user(&e, "gov", "gus", Role::Analyst);
    let election = sample()["elections"][0].clone();
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/elections/ca-2029",
        "eve",
        Some(election),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    e
}

async fn get(e: &Env, uri: &str) -> Resp {
    send(
        &e.app,
        request(Method::GET, uri, None).body(Body::empty()).unwrap(),
    )
    .await
}

fn assert_field(r: &Resp, status: u16, field: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    let v = r.json();
    let f = v["error"]["field"].as_str().unwrap_or("");
    assert!(f.starts_with(field), "field {f:?}, expected {field:?}: {v}");
}

fn stored(e: &Env) -> (i64, usize) {
    let plat = e.store.org_by_slug("plat").unwrap().unwrap();
    (
        e.store.max_ad_id().unwrap(),
        e.store.ad_submissions(plat.id, "x").unwrap().len(),
    )
}

#[tokio::test]
async fn submit_search_read_creative_and_export() {
    let e = world().await;
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/ads",
        "pat",
        Some(body(submission("a1", "Transit now"))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["verdict"], "ACCEPT");
    assert_eq!(v["published"], true);
    let id = v["id"].as_i64().unwrap();

    // Multipart with the same creative.
    let boundary = "b0undary";
    let mut mp = Vec::new();
    mp.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"submission\"\r\nContent-Type: application/json\r\n\r\n{}\r\n", submission("a2", "Parks for all")).as_bytes());
    mp.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"creative\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    mp.extend_from_slice(PNG);
    mp.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = request(Method::POST, "/api/v1/ads", Some("pat"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(mp))
        .unwrap();
    let r2 = send(&e.app, req).await;
    assert_eq!(r2.status, 201, "{}", r2.text());

    let all = get(&e, "/public/ads?election=ca-2029&limit=1").await;
    assert_eq!(all.status, 200, "{}", all.text());
    let page = all.json();
    assert_eq!(page["ads"].as_array().unwrap().len(), 1);
    let next = page["next"].as_str().unwrap().to_string();
    let p2 = get(
        &e,
        &format!("/public/ads?election=ca-2029&limit=1&cursor={next}"),
    )
    .await
    .json();
    assert_eq!(p2["ads"].as_array().unwrap().len(), 1);
    assert!(p2["next"].is_null());
    let text = get(
        &e,
        "/public/ads?q=transit%20now&language=en&spend_min=1&spend_max=99999999",
    )
    .await
    .json();
    assert_eq!(text["ads"].as_array().unwrap().len(), 1);
    assert_eq!(text["ads"][0]["id"], id);

    let one = get(&e, &format!("/public/ads/{id}")).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["sponsor"]["name"], "Citizens for Transit");
    let c = get(&e, &format!("/public/ads/{id}/creative")).await;
    assert_eq!(c.status, 200);
    assert_eq!(c.content_type(), "image/png");
    assert_eq!(c.body, PNG);

    let csv = get(&e, "/public/elections/ca-2029/ads.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type().starts_with("text/csv"));
    let lines: Vec<String> = csv.text().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("id,version,platform"));
    let jsonl = get(&e, "/public/elections/ca-2029/ads.jsonl").await;
    let docs: Vec<Value> = jsonl
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["id"], id);
    assert_eq!(get(&e, "/public/elections/nope/ads.csv").await.status, 404);
    assert_eq!(get(&e, "/public/ads/999").await.status, 404);
}

#[tokio::test]
async fn every_bad_input_is_a_4xx_naming_the_field_and_stores_nothing() {
    let e = world().await;
    let post = |b: Value| api(&e.app, Method::POST, "/api/v1/ads", "pat", Some(b));
    let mut s = submission("x", "t");
    s["ad"]["spend"]["currency"] = json!("ZZZ");
    assert_field(&post(body(s)).await, 400, "ad.spend.currency");
    let mut s = submission("x", "t");
    s["sponsors"][0]["established_in"] = json!("XX");
    assert_field(&post(body(s)).await, 400, "sponsors[0].established_in");
    let mut s = submission("x", "t");
    s["ad"]["intended_dissemination"]["end"] = json!("2029-01-01T00:00:00-04:00");
    assert_field(&post(body(s)).await, 400, "ad.intended_dissemination");
    let mut s = submission("x", "t");
    s["ad"]["spend"]["minor"] = json!(-5);
    assert_field(&post(body(s)).await, 400, "ad.spend.minor");
    let mut s = submission("x", "t");
    s["ad"]["linked_elections"] = json!(["ca-1867"]);
    assert_field(&post(body(s)).await, 400, "ad.linked_elections[0]");
    let mut b = body(submission("x", "t"));
    b["creative"]["media_type"] = json!("application/zip");
    assert_field(&post(b).await, 400, "creative");
    let mut b = body(submission("x", "t"));
    b["creative"]["data"] = json!("***");
    assert_field(&post(b).await, 400, "creative.data");
    // Bytes that are not of the declared type.
    let mut b = body(submission("x", "t"));
    b["creative"]["data"] =
        json!(base64::engine::general_purpose::STANDARD.encode(b"GIF89a not a png"));
    let r = post(b).await;
    assert_field(&r, 400, "creative");
    assert!(
        r.text().contains("image/gif, not the declared image/png"),
        "{}",
        r.text()
    );
    // Over the creative size limit (50 MiB): refused as too large.
    let big = vec![0u8; 50 * 1024 * 1024 + 1];
    let mut b = body(submission("x", "t"));
    b["creative"]["data"] = json!(base64::engine::general_purpose::STANDARD.encode(&big));
    let r = post(b).await;
    assert!(r.status == 400 || r.status == 413, "{}", r.status);
    if r.status == 400 {
        assert_field(&r, 400, "creative");
    }
    let r = send(
        &e.app,
        request(Method::POST, "/api/v1/ads", Some("pat"))
            .header("content-type", "text/plain")
            .body(Body::from("hi"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 415);
    assert_eq!(stored(&e), (0, 0), "nothing stored");

    // Not a platform, not authenticated.
    assert_eq!(
        api(
            &e.app,
            Method::POST,
            "/api/v1/ads",
            "gus",
            Some(body(submission("x", "t")))
        )
        .await
        .status,
        403
    );
    let anon = send(
        &e.app,
        request(Method::POST, "/api/v1/ads", None)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(anon.status, 401);

    // Public filters.
    assert_field(&get(&e, "/public/ads?from=2029-13-01").await, 400, "from");
    assert_field(
        &get(&e, "/public/ads?from=2029-10-02&to=2029-10-01").await,
        400,
        "to",
    );
    assert_field(&get(&e, "/public/ads?spend_min=-1").await, 400, "spend_min");
    assert_field(&get(&e, "/public/ads?limit=0").await, 400, "limit");
    assert_field(&get(&e, "/public/ads?colour=red").await, 400, "colour");
    assert_eq!(get(&e, "/public/ads?cursor=v1.1.2.abc").await.status, 400);
    assert_field(&get(&e, "/public/ads/abc").await, 400, "id");
    // Election with dates out of order.
    let mut el = sample()["elections"][0].clone();
    el["writ_issued"] = json!("2030-01-01");
    assert_field(
        &api(
            &e.app,
            Method::PUT,
            "/api/v1/elections/ca-2029",
            "eve",
            Some(el),
        )
        .await,
        400,
        "writ_issued",
    );
    let mut el = sample()["elections"][0].clone();
    el["jurisdiction"] = json!("XQ");
    assert_field(
        &api(
            &e.app,
            Method::PUT,
            "/api/v1/elections/ca-2029",
            "eve",
            Some(el),
        )
        .await,
        400,
        "jurisdiction",
    );
}

#[tokio::test]
async fn authority_violations_export_and_incident_collection() {
    let e = world().await;
    e.hub
        .add_collection(Actor::Operator, "ad-incidents", "Ad incidents", "", None)
        .unwrap();
    e.hub
        .grant(Actor::Operator, "elections-ca", "ad-incidents", RW)
        .unwrap();
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/ads/incident-collection",
        "eve",
        Some(json!({"collection": "ad-incidents"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["tlp"], "AMBER");
    assert_eq!(
        api(
            &e.app,
            Method::PUT,
            "/api/v1/ads/incident-collection",
            "pat",
            Some(json!({"collection": "ad-incidents"}))
        )
        .await
        .status,
        403
    );

    let mut s = submission("bad", "t");
    s["sponsors"][0]["funding"] =
        json!([{"amount": {"minor": 100, "currency": "USD"}, "origin": "US", "source": "private"}]);
    let r = api(&e.app, Method::POST, "/api/v1/ads", "pat", Some(body(s))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["published"], false);
    assert!(v["id"].is_null());
    assert_eq!(v["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(get(&e, "/public/ads").await.json()["ads"], json!([]));

    let list = api(
        &e.app,
        Method::GET,
        "/api/v1/ads/violations?election=ca-2029",
        "eve",
        None,
    )
    .await;
    assert_eq!(list.status, 200, "{}", list.text());
    let vs = list.json()["violations"].as_array().unwrap().clone();
    assert!(vs
        .iter()
        .any(|v| v["rule_id"] == "CA-349.02" && v["incident_id"].is_string()));
    let csv = api(
        &e.app,
        Method::GET,
        "/api/v1/ads/violations?format=csv",
        "eve",
        None,
    )
    .await;
    assert_eq!(csv.text().lines().count(), vs.len() + 1);
    let jsonl = api(
        &e.app,
        Method::GET,
        "/api/v1/ads/violations?format=jsonl",
        "eve",
        None,
    )
    .await;
    assert_eq!(jsonl.text().lines().count(), vs.len());
    assert_eq!(
        api(&e.app, Method::GET, "/api/v1/ads/violations", "pat", None)
            .await
            .status,
        403
    );
    assert_field(
        &api(
            &e.app,
            Method::GET,
            "/api/v1/ads/violations?format=xml",
            "eve",
            None,
        )
        .await,
        400,
        "format",
    );
}

#[tokio::test]
async fn public_routes_are_rate_limited_with_retry_after() {
    let e = world().await;
    let mut limited = None;
    for _ in 0..100 {
        let r = get(&e, "/public/ads").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, 200);
    }
    let r = limited.expect("the limit is reached within 100 requests");
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    // Authenticated routes are not limited by it.
    assert_eq!(
        api(&e.app, Method::GET, "/api/v1/elections", "eve", None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn openapi_documents_every_registry_route() {
    let e = world().await;
    let doc = api(&e.app, Method::GET, "/api/v1/openapi.json", "eve", None)
        .await
        .json();
    for (path, method) in [
        ("/api/v1/ads", "post"),
        ("/api/v1/ads/violations", "get"),
        ("/api/v1/ads/incident-collection", "put"),
        ("/api/v1/elections/{id}/incident-collection", "put"),
        ("/api/v1/elections", "get"),
        ("/api/v1/elections/{id}", "put"),
        ("/public/ads", "get"),
        ("/public/ads/{id}", "get"),
        ("/public/ads/{id}/creative", "get"),
        ("/public/elections/{id}/ads.csv", "get"),
        ("/public/elections/{id}/ads.jsonl", "get"),
        ("/api/v1/sponsors/{id}", "put"),
        ("/api/v1/sponsors/{id}", "get"),
        ("/api/v1/platforms/{id}", "put"),
        ("/public/elections", "get"),
        ("/public/elections/{id}", "get"),
        ("/public/sponsors", "get"),
        ("/public/sponsors/{id}", "get"),
        ("/public/platforms", "get"),
        ("/public/ads/{id}/versions", "get"),
        ("/public/ads/{id}/versions/{version}/creative", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{path} {method}");
    }
}

#[tokio::test]
async fn sponsor_platform_election_and_version_routes() {
    let e = world().await;
    let put = |uri: String, user: &'static str, b: Value| {
        let app = e.app.clone();
        async move { api(&app, Method::PUT, &uri, user, Some(b)).await }
    };
    // The platform registers itself and two sponsors; the chain refers to the first.
    let r = put(
        "/api/v1/platforms/plat".into(),
        "pat",
        json!({"name": "Example Social", "monthly_reach_ca": [{"language": "en", "visitors": 3000000}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["id"], "plat");
    assert_eq!(
        put("/api/v1/platforms/other".into(), "pat", json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        put("/api/v1/platforms/plat".into(), "eve", json!({}))
            .await
            .status,
        403,
        "an authority does not register platforms"
    );
    let r = put(
        "/api/v1/sponsors/ctp".into(),
        "pat",
        json!({"id": "other-id", "legal_name": "X", "kind": "individual"}),
    )
    .await;
    assert_field(&r, 400, "id");
    let r = put(
        "/api/v1/sponsors/acme".into(),
        "pat",
        json!({"legal_name": "Acme Holdings", "kind": "corporation", "established_in": "CA"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut ctp = sample()["sponsors"][0].clone();
    ctp["controlled_by"] = json!("acme");
    let r = put("/api/v1/sponsors/ctp".into(), "pat", ctp).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = put(
        "/api/v1/sponsors/ghost".into(),
        "pat",
        json!({"legal_name": "Ghost", "kind": "corporation", "established_in": "CA",
               "controlled_by": "nobody"}),
    )
    .await;
    assert_field(&r, 400, "controlled_by");
    let r = put(
        "/api/v1/sponsors/bad".into(),
        "pat",
        json!({"legal_name": "Bad", "kind": "corporation", "established_in": "QQ"}),
    )
    .await;
    assert_field(&r, 400, "established_in");
    assert_eq!(
        put("/api/v1/sponsors/acme".into(), "gus", json!({}))
            .await
            .status,
        403
    );
    let r = api(&e.app, Method::GET, "/api/v1/sponsors/ctp", "eve", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["controlled_by"], "acme");

    // A submission naming only the sponsor id, without the platform.
    let mut sub = submission("reg-1", "Registered sponsor ad");
    let o = sub.as_object_mut().unwrap();
    o.remove("sponsors");
    o.remove("platform");
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/ads",
        "pat",
        Some(body(sub.clone())),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    // A second version with another creative.
    sub["ad"]["text"] = json!("Registered sponsor ad, revised");
    let mut b = body(sub);
    b["creative"] = json!({"media_type": "image/gif",
        "data": base64::engine::general_purpose::STANDARD.encode(b"GIF89a v2")});
    let r = api(&e.app, Method::POST, "/api/v1/ads", "pat", Some(b)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["version"], 2);

    // Public reads, no account.
    let r = get(&e, &format!("/public/ads/{id}/versions")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let texts: Vec<&str> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["document"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Registered sponsor ad", "Registered sponsor ad, revised"]
    );
    let r = get(&e, &format!("/public/ads/{id}/versions/1/creative")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "image/png");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert_eq!(r.body, PNG);
    let r = get(&e, &format!("/public/ads/{id}/versions/2/creative")).await;
    assert_eq!(r.headers["content-type"], "image/gif");
    assert_eq!(
        get(&e, &format!("/public/ads/{id}/versions/3/creative"))
            .await
            .status,
        404
    );
    assert_field(
        &get(&e, &format!("/public/ads/{id}/versions/zero/creative")).await,
        400,
        "version",
    );
    assert_eq!(get(&e, "/public/ads/999/versions").await.status, 404);

    let r = get(&e, "/public/sponsors/ctp").await;
    assert_eq!(r.status, 200);
    let sp = r.json();
    assert_eq!(sp["name"], "Citizens for Transit");
    assert_eq!(sp["control_chain"][0]["name"], "Acme Holdings");
    let r = get(&e, "/public/sponsors?limit=1").await;
    assert_eq!(r.json()["sponsors"][0]["id"], "acme");
    assert_eq!(r.json()["next_after"], "acme");
    let r = get(&e, "/public/sponsors?after=acme").await;
    assert_eq!(r.json()["sponsors"][0]["id"], "ctp");
    assert_eq!(r.json()["next_after"], Value::Null);
    assert_field(&get(&e, "/public/sponsors?limit=900").await, 400, "limit");
    assert_eq!(get(&e, "/public/sponsors/nobody").await.status, 404);
    let r = get(&e, "/public/platforms").await;
    assert_eq!(
        r.json()["platforms"][0]["monthly_reach_ca"][0]["visitors"],
        3000000
    );
    let r = get(&e, "/public/elections").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["elections"][0]["id"], "ca-2029");
    let r = get(&e, "/public/elections/ca-2029").await;
    assert_eq!(
        r.json()["periods"]["election_period"]["start"],
        "2029-09-09"
    );
    assert_eq!(get(&e, "/public/elections/ca-1867").await.status, 404);
}

/// A second authority "elections-qc" (user "quinn") with election qc-2029, and collections
/// "ca-incidents" (writable by elections-ca) and "qc-incidents" (by elections-qc).
async fn two_authorities() -> Env {
    let e = world().await;
    e.hub
        .add_org(
            Actor::Operator,
            "elections-qc",
            "Elections QC",
            Sector::ElectionAuthority,
            "ca",
        )
        .unwrap();
    user(&e, "elections-qc", "quinn", Role::Analyst);
    let mut el = sample()["elections"][0].clone();
    el["id"] = json!("qc-2029");
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/elections/qc-2029",
        "quinn",
        Some(el),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    for (slug, org) in [
        ("ca-incidents", "elections-ca"),
        ("qc-incidents", "elections-qc"),
    ] {
        e.hub
            .add_collection(Actor::Operator, slug, slug, "", None)
            .unwrap();
        e.hub.grant(Actor::Operator, org, slug, RW).unwrap();
    }
    e
}

#[tokio::test]
async fn an_authority_cannot_rewrite_another_authoritys_election_or_incidents() {
    let e = two_authorities().await;
    let before = get(&e, "/public/elections/ca-2029").await.json();
    // Overwrite by another authority: 403, nothing changed.
    let mut el = sample()["elections"][0].clone();
    el["polling_day"] = json!("2029-10-22");
    el["districts"] = json!([]);
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/elections/ca-2029",
        "quinn",
        Some(el),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "forbidden");
    // A district inconsistent with polling day: 400 naming it, nothing changed.
    let mut el = sample()["elections"][0].clone();
    el["districts"][1]["poll_close"] = json!("2029-10-14T19:00:00-07:00");
    assert_field(
        &api(
            &e.app,
            Method::PUT,
            "/api/v1/elections/ca-2029",
            "eve",
            Some(el),
        )
        .await,
        400,
        "districts[1].poll_close",
    );
    assert_eq!(get(&e, "/public/elections/ca-2029").await.json(), before);

    // Incident destinations: only the election's authority chooses its own.
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/elections/ca-2029/incident-collection",
        "quinn",
        Some(json!({"collection": "qc-incidents", "tlp": "CLEAR"})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/elections/nope/incident-collection",
        "eve",
        Some(json!({"collection": "ca-incidents"})),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_field(
        &api(
            &e.app,
            Method::PUT,
            "/api/v1/elections/ca-2029/incident-collection",
            "eve",
            Some(json!({"collection": "ca-incidents", "tlp": "PURPLE"})),
        )
        .await,
        400,
        "tlp",
    );
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/elections/ca-2029/incident-collection",
        "eve",
        Some(json!({"collection": "ca-incidents", "tlp": "GREEN"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["tlp"], "GREEN");
    // Quinn's choice for all its elections does not reach eve's.
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/ads/incident-collection",
        "quinn",
        Some(json!({"collection": "qc-incidents", "tlp": "CLEAR"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut s = submission("bad", "t");
    s["sponsors"][0]["funding"] =
        json!([{"amount": {"minor": 100, "currency": "USD"}, "origin": "US", "source": "private"}]);
    let r = api(&e.app, Method::POST, "/api/v1/ads", "pat", Some(body(s))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["incidents"][0].as_str().unwrap().to_string();
    let col = e.store.collection_by_slug("ca-incidents").unwrap().unwrap();
    let obj = common::taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{}/objects/{id}/", col.id),
        "eve",
    )
    .await;
    assert_eq!(obj.status, 200, "{}", obj.text());
    assert!(
        obj.text().contains(stix::Tlp::Green.marking_id()),
        "{}",
        obj.text()
    );

    // Violations: each authority sees only those of its own elections.
    let list = |user: &'static str| {
        let app = e.app.clone();
        async move {
            api(&app, Method::GET, "/api/v1/ads/violations", user, None)
                .await
                .json()["violations"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert!(list("eve").await >= 1);
    assert_eq!(list("quinn").await, 0);
}

#[tokio::test]
async fn the_public_sponsor_view_hides_the_legal_name_behind_a_disclosed_one() {
    let e = world().await;
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/sponsors/valley",
        "pat",
        Some(
            json!({"legal_name": "Jean Private", "disclosed_name": "Friends of the Valley",
                    "kind": "individual", "residence": "CA", "citizenship": ["CA"]}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    for uri in ["/public/sponsors/valley", "/public/sponsors"] {
        let r = get(&e, uri).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let text = r.text();
        assert!(text.contains("Friends of the Valley"), "{text}");
        for hidden in ["Jean Private", "legal_name", "residence", "citizenship"] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
    }
}
