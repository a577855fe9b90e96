//! The hash-bank REST routes through the real router over a real hub on SQLite (`oneshot`):
//! every route, every bad input (clear 4xx, nothing stored) and the OpenAPI description.

use crate::common;

use store::BankStore;

use axum::body::Body;
use axum::http::Method;
use common::{api, request, send, user, Env, Resp, RO, RW};
use hub::Actor;
use serde_json::{json, Value};
use store::Role;

/// The PDQ reference data in the shared folder.
fn pdq_data() -> String {
    test_data::shared("data/pdq")
}
const BRIDGE_PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

fn image(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/images/{name}", pdq_data())).expect("shared image")
}

async fn post_bytes(e: &Env, uri: &str, user: &str, ct: &str, body: Vec<u8>) -> Resp {
    let req = request(Method::POST, uri, Some(user))
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    send(&e.app, req).await
}

fn multipart(bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "XyZboundary123";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn assert_error(r: &Resp, status: u16, needle: &str) -> Value {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    let v = r.json();
    let msg = v["error"]["message"].as_str().unwrap_or("").to_string();
    assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
    v
}

/// An owner analyst ("olga"), a partner analyst ("pia") with read access, an outsider
/// ("otto"), a collection "hashes" and a bank "tvec".
async fn world() -> Env {
    let e = common::env();
    user(&e, "owner", "olga", Role::Analyst);
    user(&e, "partner", "pia", Role::Analyst);
    user(&e, "outsider", "otto", Role::Analyst);
    e.hub
        .add_collection(Actor::Operator, "hashes", "Hashes", "", None)
        .unwrap();
    e.hub.grant(Actor::Operator, "owner", "hashes", RW).unwrap();
    e.hub
        .grant(Actor::Operator, "partner", "hashes", RO)
        .unwrap();
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/banks",
        "olga",
        Some(json!({"name": "tvec", "collection": "hashes", "tlp": "amber", "description": "d"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    e
}

fn entry_count(e: &Env) -> usize {
    e.store.list_entries(None, 0, 1_000).unwrap().len()
}

#[tokio::test]
async fn hash_route_raw_and_multipart_and_bad_images() {
    let e = world().await;
    let jpeg = image("bridge-1-original.jpg");
    let r = post_bytes(&e, "/api/v1/hash", "pia", "image/jpeg", jpeg.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["pdq"], BRIDGE_PDQ);
    assert_eq!(v["quality"], 100);
    assert_eq!(v["md5"].as_str().unwrap().len(), 32);
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    let (ct, body) = multipart(&jpeg);
    let m = post_bytes(&e, "/api/v1/hash", "pia", &ct, body).await;
    assert_eq!(m.json(), v, "multipart gives the same hashes");

    assert_error(
        &post_bytes(&e, "/api/v1/hash", "pia", "image/jpeg", Vec::new()).await,
        400,
        "0 bytes",
    );
    assert_error(
        &post_bytes(
            &e,
            "/api/v1/hash",
            "pia",
            "image/jpeg",
            jpeg[..3000].to_vec(),
        )
        .await,
        400,
        "corrupt or truncated",
    );
    let mut corrupt = jpeg.clone();
    for b in corrupt.iter_mut().skip(600).take(4000) {
        *b = 0xff;
    }
    // A JPEG with garbage inside its scan data may still decode (with artefacts); what
    // matters is that it never causes a server error.
    let r = post_bytes(&e, "/api/v1/hash", "pia", "image/jpeg", corrupt).await;
    assert!(r.status == 400 || r.status == 200, "{}", r.text());
    assert_error(
        &post_bytes(
            &e,
            "/api/v1/hash",
            "pia",
            "image/png",
            b"GIF89a nonsense".to_vec(),
        )
        .await,
        400,
        "image",
    );
    assert_error(
        &post_bytes(&e, "/api/v1/hash", "pia", "text/plain", b"hello".to_vec()).await,
        400,
        "not a recognised image",
    );
    let (ct, mut body) = multipart(&jpeg);
    body.truncate(body.len() / 2);
    assert_error(
        &post_bytes(&e, "/api/v1/hash", "pia", &ct, body).await,
        400,
        "truncated upload",
    );
    assert_error(
        &post_bytes(&e, "/api/v1/hash", "pia", "multipart/form-data", jpeg).await,
        400,
        "boundary",
    );
    let r = send(
        &e.app,
        request(Method::POST, "/api/v1/hash", None)
            .body(Body::from(image("wee.png")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn bank_crud_and_errors() {
    let e = world().await;
    let r = api(&e.app, Method::GET, "/api/v1/banks", "pia", None).await;
    assert_eq!(r.json()["banks"][0]["name"], "tvec");
    assert_eq!(r.json()["banks"][0]["tlp"], "AMBER");
    let r = api(&e.app, Method::GET, "/api/v1/banks", "otto", None).await;
    assert_eq!(r.json()["banks"], json!([]));
    let r = api(&e.app, Method::GET, "/api/v1/banks/tvec", "pia", None).await;
    assert_eq!(r.json()["description"], "d");
    assert_error(
        &api(&e.app, Method::GET, "/api/v1/banks/tvec", "otto", None).await,
        404,
        "bank 'tvec'",
    );
    assert_error(
        &api(&e.app, Method::GET, "/api/v1/banks/nope", "pia", None).await,
        404,
        "bank 'nope'",
    );
    let make = |body: Value| api(&e.app, Method::POST, "/api/v1/banks", "olga", Some(body));
    assert_error(
        &make(json!({"name": "tvec", "collection": "hashes"})).await,
        409,
        "already exists",
    );
    assert_error(
        &make(json!({"name": "x", "collection": "nope"})).await,
        404,
        "collection",
    );
    assert_error(
        &make(json!({"name": "Bad Name", "collection": "hashes"})).await,
        400,
        "bank name",
    );
    assert_error(
        &make(json!({"name": "x", "collection": "hashes", "tlp": "purple"})).await,
        400,
        "purple",
    );
    // Typed bodies: the message is serde's, the field is named.
    let v = assert_error(
        &make(json!({"collection": "hashes"})).await,
        400,
        "missing field `name`",
    );
    assert_eq!(v["error"]["field"], "name");
    let v = assert_error(
        &make(json!({"name": "x", "collection": "hashes", "colour": 1})).await,
        400,
        "unknown field `colour`",
    );
    assert_eq!(v["error"]["field"], "colour");
    // The partner may only read the collection: it cannot publish a bank there.
    assert_error(
        &api(
            &e.app,
            Method::POST,
            "/api/v1/banks",
            "pia",
            Some(json!({"name": "p", "collection": "hashes"})),
        )
        .await,
        403,
        "may not write",
    );
    let r = api(
        &e.app,
        Method::PATCH,
        "/api/v1/banks/tvec",
        "olga",
        Some(json!({"description": "new", "tlp": "green", "enabled": false})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (
            r.json()["description"].clone(),
            r.json()["tlp"].clone(),
            r.json()["enabled"].clone()
        ),
        (json!("new"), json!("GREEN"), json!(false))
    );
    assert_error(
        &api(
            &e.app,
            Method::PATCH,
            "/api/v1/banks/tvec",
            "pia",
            Some(json!({"enabled": true})),
        )
        .await,
        403,
        "owner",
    );
    let v = assert_error(
        &api(
            &e.app,
            Method::PATCH,
            "/api/v1/banks/tvec",
            "olga",
            Some(json!({"enabled": "yes"})),
        )
        .await,
        400,
        "expected a boolean",
    );
    assert_eq!(v["error"]["field"], "enabled");
    let r = post_bytes(&e, "/api/v1/banks", "olga", "text/plain", b"{}".to_vec()).await;
    assert_eq!(r.status, 415);
}

#[tokio::test]
async fn entries_match_export_disable_feedback() {
    let e = world().await;
    let jpeg = image("bridge-1-original.jpg");
    let sha = e
        .store
        .list_entries(None, 0, 1)
        .unwrap()
        .first()
        .map(|x| x.value.clone());
    assert!(sha.is_none());
    let hashes = post_bytes(&e, "/api/v1/hash", "olga", "image/jpeg", jpeg.clone())
        .await
        .json();
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/banks/tvec/entries",
        "olga",
        Some(json!({"entries": [
            {"signal_type": "pdq", "value": BRIDGE_PDQ, "content_type": "image", "behaviour": "b"},
            {"signal_type": "sha256", "value": hashes["sha256"]}
        ]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["added"], 2);
    let pdq_id = r.json()["entries"][0]["id"].as_i64().unwrap();
    let csv = format!(
        "signal_type,value,producing_entity\nmd5,{},\"Front, The\"\n",
        "ab".repeat(16)
    );
    let r = post_bytes(
        &e,
        "/api/v1/banks/tvec/entries",
        "olga",
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(entry_count(&e), 3);

    // Bad input: clear 4xx, nothing stored.
    let bad_csv = format!(
        "signal_type,value\npdq,{BRIDGE_PDQ}\npdq,{}\n",
        "z".repeat(64)
    );
    let v = assert_error(
        &post_bytes(
            &e,
            "/api/v1/banks/tvec/entries",
            "olga",
            "text/csv",
            bad_csv.into_bytes(),
        )
        .await,
        400,
        "line 3, column 2 (value)",
    );
    assert_eq!(v["error"]["code"], "invalid_input");
    for (value, needle) in [
        ("abc", "64 hex digits, found 3"),
        (&"0g".repeat(32)[..], "found 'g' at character 2"),
    ] {
        assert_error(
            &api(
                &e.app,
                Method::POST,
                "/api/v1/banks/tvec/entries",
                "olga",
                Some(json!([{"signal_type": "pdq", "value": value}])),
            )
            .await,
            400,
            needle,
        );
    }
    assert_error(
        &api(
            &e.app,
            Method::POST,
            "/api/v1/banks/tvec/entries",
            "olga",
            Some(json!([{"signal_type": "pdq", "value": BRIDGE_PDQ}])),
        )
        .await,
        409,
        "already in bank",
    );
    assert_error(
        &api(
            &e.app,
            Method::POST,
            "/api/v1/banks/nope/entries",
            "olga",
            Some(json!([{"signal_type": "md5", "value": "ab".repeat(16)}])),
        )
        .await,
        404,
        "bank 'nope'",
    );
    assert_error(
        &post_bytes(
            &e,
            "/api/v1/banks/tvec/entries",
            "olga",
            "text/csv",
            Vec::new(),
        )
        .await,
        400,
        "line 1",
    );
    let r = post_bytes(
        &e,
        "/api/v1/banks/tvec/entries",
        "olga",
        "image/png",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(r.status, 415);
    assert_error(
        &api(
            &e.app,
            Method::POST,
            "/api/v1/banks/tvec/entries",
            "pia",
            Some(json!([{"signal_type": "md5", "value": "cd".repeat(16)}])),
        )
        .await,
        403,
        "may not write",
    );
    assert_eq!(entry_count(&e), 3, "refused requests store nothing");

    // Match an image (raw and multipart) and hashes.
    let r = post_bytes(&e, "/api/v1/match", "pia", "image/jpeg", jpeg.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["hashes"]["pdq"], BRIDGE_PDQ);
    let kinds: Vec<&str> = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["signal_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["pdq", "sha256"]);
    assert_eq!(v["matches"][0]["bank"], "tvec");
    assert_eq!(v["matches"][0]["distance"], 0);
    let (ct, body) = multipart(&jpeg);
    let m = post_bytes(&e, "/api/v1/match", "pia", &ct, body).await;
    assert_eq!(m.json(), v);
    let outsider = post_bytes(&e, "/api/v1/match", "otto", "image/jpeg", jpeg.clone()).await;
    assert_eq!(outsider.json()["matches"], json!([]));
    let mut near = BRIDGE_PDQ.to_string();
    near.replace_range(0..2, "07"); // f8 -> 07 flips 8 bits.
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/match",
        "pia",
        Some(json!({"hashes": [near, format!("md5:{}", "AB".repeat(16)),
                                {"signal_type": "pdq", "value": "0".repeat(64)}]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let res = r.json()["results"].clone();
    assert_eq!(res[0]["matches"][0]["distance"], 8);
    assert_eq!(res[1]["matches"][0]["producing_entity"], "Front, The");
    assert_eq!(res[2]["matches"], json!([]));
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/match?threshold=7",
        "pia",
        Some(json!({"hashes": [near]})),
    )
    .await;
    assert_eq!(r.json()["results"][0]["matches"], json!([]));
    assert_eq!(r.json()["results"][0]["truncated"], false);
    assert_eq!(r.json()["truncated"], false);
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/match?threshold=64",
        "pia",
        Some(json!({"hashes": [near]})),
    )
    .await;
    assert_error(&r, 400, "between 0 and 63");
    assert_eq!(r.json()["error"]["field"], "threshold");
    for (body, status, needle) in [
        (json!({"hashes": ["abc"]}), 400, "found 3"),
        (
            json!({"hashes": ["x".repeat(64)]}),
            400,
            "found 'x' at character 1",
        ),
        (json!({"hashes": ["sha1:00"]}), 400, "unknown signal type"),
        (json!({"hashes": []}), 400, "1 to"),
        (
            json!({"hashes": [BRIDGE_PDQ], "threshold": 300}),
            400,
            "between 0 and 63",
        ),
        (
            json!({"hashes": [BRIDGE_PDQ], "threshold": 64}),
            400,
            "between 0 and 63",
        ),
        (
            json!({"hashes": [BRIDGE_PDQ], "threshold": -1}),
            400,
            "integer",
        ),
        (json!({"hashes": [1]}), 400, "must be a string"),
        (json!({"hash": [BRIDGE_PDQ]}), 400, "unknown field `hash`"),
    ] {
        assert_error(
            &api(&e.app, Method::POST, "/api/v1/match", "pia", Some(body)).await,
            status,
            needle,
        );
    }
    assert_error(
        &post_bytes(&e, "/api/v1/match", "pia", "image/png", image("q0003.png")).await,
        400,
        "quality is 3",
    );
    assert_error(
        &post_bytes(&e, "/api/v1/match", "pia", "image/jpeg", Vec::new()).await,
        400,
        "0 bytes",
    );
    let r = post_bytes(
        &e,
        "/api/v1/match?threshold=200",
        "pia",
        "image/jpeg",
        jpeg.clone(),
    )
    .await;
    assert_error(&r, 400, "between 0 and 63");
    assert_eq!(r.json()["error"]["field"], "threshold");
    assert_error(
        &post_bytes(
            &e,
            "/api/v1/match?threshold=x",
            "pia",
            "image/jpeg",
            jpeg.clone(),
        )
        .await,
        400,
        "threshold",
    );
    let r = post_bytes(
        &e,
        "/api/v1/match",
        "pia",
        "application/json",
        b"{not json".to_vec(),
    )
    .await;
    assert_eq!(r.status, 400);

    // Export, entry, feedback, disable, enable.
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/banks/tvec/entries?format=csv",
        "pia",
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("text/csv"));
    assert_eq!(r.text().lines().count(), 4);
    assert!(r.text().contains("\"Front, The\""));
    // RFC 4180: every record ends in CRLF.
    assert_eq!(r.text().matches("\r\n").count(), 4, "{}", r.text());
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/banks/tvec/entries",
        "pia",
        None,
    )
    .await;
    assert_eq!(r.json()["entries"].as_array().unwrap().len(), 3);
    assert_error(
        &api(
            &e.app,
            Method::GET,
            "/api/v1/banks/tvec/entries?format=xml",
            "pia",
            None,
        )
        .await,
        400,
        "xml",
    );
    assert_error(
        &api(
            &e.app,
            Method::GET,
            "/api/v1/banks/tvec/entries",
            "otto",
            None,
        )
        .await,
        404,
        "bank",
    );
    let uri = format!("/api/v1/banks/tvec/entries/{pdq_id}");
    let r = api(
        &e.app,
        Method::POST,
        &format!("{uri}/feedback"),
        "pia",
        Some(json!({"kind": "false_positive"})),
    )
    .await;
    assert_eq!(r.json()["feedback"]["false_positive"], 1, "{}", r.text());
    assert_error(
        &api(
            &e.app,
            Method::POST,
            &format!("{uri}/feedback"),
            "pia",
            Some(json!({"kind": "meh"})),
        )
        .await,
        400,
        "unknown feedback kind",
    );
    let r = api(&e.app, Method::GET, &uri, "pia", None).await;
    assert_eq!(r.json()["feedback"]["false_positive"], 1);
    assert_eq!(r.json()["value"], BRIDGE_PDQ);
    assert_error(
        &api(
            &e.app,
            Method::GET,
            "/api/v1/banks/tvec/entries/abc",
            "pia",
            None,
        )
        .await,
        400,
        "positive integer",
    );
    assert_error(
        &api(
            &e.app,
            Method::GET,
            "/api/v1/banks/tvec/entries/999",
            "pia",
            None,
        )
        .await,
        404,
        "entry 999",
    );
    assert_error(
        &api(&e.app, Method::POST, &format!("{uri}/disable"), "pia", None).await,
        403,
        "contributed",
    );
    let r = api(
        &e.app,
        Method::POST,
        &format!("{uri}/disable"),
        "olga",
        None,
    )
    .await;
    assert_eq!(r.json()["enabled"], false, "{}", r.text());
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/match",
        "pia",
        Some(json!({"hashes": [BRIDGE_PDQ]})),
    )
    .await;
    assert_eq!(r.json()["results"][0]["matches"], json!([]));
    let r = api(&e.app, Method::POST, &format!("{uri}/enable"), "olga", None).await;
    assert_eq!(r.json()["enabled"], true);
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/match",
        "pia",
        Some(json!({"hashes": [BRIDGE_PDQ]})),
    )
    .await;
    assert_eq!(r.json()["results"][0]["matches"][0]["id"], pdq_id);
}

#[tokio::test]
async fn openapi_describes_every_bank_route() {
    let e = world().await;
    let r = send(
        &e.app,
        request(Method::GET, "/api/v1/openapi.json", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let doc = r.json();
    let routes = [
        ("post", "/api/v1/hash"),
        ("post", "/api/v1/match"),
        ("get", "/api/v1/banks"),
        ("post", "/api/v1/banks"),
        ("get", "/api/v1/banks/{bank}"),
        ("patch", "/api/v1/banks/{bank}"),
        ("get", "/api/v1/banks/{bank}/entries"),
        ("post", "/api/v1/banks/{bank}/entries"),
        ("get", "/api/v1/banks/{bank}/entries/{id}"),
        ("post", "/api/v1/banks/{bank}/entries/{id}/disable"),
        ("post", "/api/v1/banks/{bank}/entries/{id}/enable"),
        ("post", "/api/v1/banks/{bank}/entries/{id}/feedback"),
    ];
    for (method, path) in routes {
        let op = &doc["paths"][path][method];
        assert!(
            op["operationId"].is_string(),
            "{method} {path} not described"
        );
        let concrete = path.replace("{bank}", "tvec").replace("{id}", "1");
        let m: Method = method.to_uppercase().parse().unwrap();
        let r = send(
            &e.app,
            request(m, &concrete, None).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, 401, "{method} {path} is routed behind the guard");
    }
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling $ref {name}"
        );
    }
}

#[tokio::test]
async fn the_entries_body_schema_says_what_the_server_requires() {
    let e = world().await;
    let r = send(
        &e.app,
        request(Method::GET, "/api/v1/openapi.json", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let doc = r.json();
    let body = &doc["paths"]["/api/v1/banks/{bank}/entries"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(body["required"], json!(["entries"]));
    let entry = &doc["components"]["schemas"]["NewEntry"];
    assert_eq!(entry["required"], json!(["signal_type", "value"]));
    assert_eq!(entry["additionalProperties"], false);
    // What the document requires, the server requires; nothing is stored on a refusal.
    let post = |body: Value| {
        api(
            &e.app,
            Method::POST,
            "/api/v1/banks/tvec/entries",
            "olga",
            Some(body),
        )
    };
    assert_error(&post(json!({})).await, 400, "{\"entries\": [...]}");
    for (field, body) in [
        ("signal_type", json!({"entries": [{"value": BRIDGE_PDQ}]})),
        ("value", json!({"entries": [{"signal_type": "pdq"}]})),
        (
            "colour",
            json!({"entries": [{"signal_type": "pdq", "value": BRIDGE_PDQ, "colour": "red"}]}),
        ),
    ] {
        assert_error(&post(body).await, 400, &format!("entries[0].{field}"));
    }
    assert_eq!(entry_count(&e), 0);
    // Every property the document lists is accepted: labels may be null, and an export's own
    // columns are ignored.
    let mut item = json!({"signal_type": "pdq", "value": BRIDGE_PDQ, "content_type": null,
        "producing_entity": "p", "behaviour": null});
    for (k, _) in entry["properties"].as_object().unwrap() {
        if item.get(k).is_none() {
            item[k] = json!("ignored");
        }
    }
    let r = post(json!({"entries": [item]})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(entry_count(&e), 1);
}
