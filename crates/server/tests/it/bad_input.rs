//! Bad input: malformed JSON, bodies over the limit (by header and while streaming), wrong
//! media types, unprocessable envelopes, invalid STIX mixed with valid STIX, unknown
//! collections, bad filters and cursors. Each gets the right status and a clear message, and
//! nothing already stored changes.

use axum::body::Body;
use axum::http::Method;
use hub::Actor;
use serde_json::{json, Value};
use server::ServerConfig;
use store::Role;

use crate::common::*;

struct Fixture {
    e: Env,
    col: String,
    reader: hub::Principal,
}

async fn fixture(config: ServerConfig) -> Fixture {
    let e = env_with(config);
    let reader = user(&e, "gov-a", "alice", Role::Analyst);
    let col = e
        .hub
        .add_collection(Actor::Operator, "shared", "Shared", "", None)
        .unwrap()
        .id;
    e.hub.grant(Actor::Operator, "gov-a", &col, RW).unwrap();
    let objs: Vec<Value> = (0..4).map(|_| indicator(&new_id("indicator"), 3)).collect();
    let r = taxii_post(&e.app, &col, "alice", &objs).await;
    assert_eq!(r.json()["success_count"], 4);
    Fixture { e, col, reader }
}

fn post_raw(
    col: &str,
    content_type: Option<&str>,
    body: Body,
    length: Option<usize>,
) -> axum::http::Request<Body> {
    let mut b = request(
        Method::POST,
        &format!("/taxii2/hub/collections/{col}/objects/"),
        Some("alice"),
    )
    .header("accept", TAXII);
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    if let Some(n) = length {
        b = b.header("content-length", n.to_string());
    }
    b.body(body).unwrap()
}

#[tokio::test]
async fn malformed_json_is_400_and_changes_nothing() {
    let f = fixture(ServerConfig::default()).await;
    let before = full_read(&f.e, &f.reader, &f.col);
    for body in [
        "{\"objects\": [",
        "not json",
        "{\"objects\": [{\"type\": \"indicator\",}]}",
        "",
    ] {
        let r = send(
            &f.e.app,
            post_raw(&f.col, Some(TAXII), Body::from(body), None),
        )
        .await;
        let v = assert_taxii_error(&r, 400);
        assert!(
            v["description"]
                .as_str()
                .unwrap()
                .contains("not valid JSON"),
            "{v}"
        );
        assert!(v["details"]["line"].is_number());
    }
    assert_eq!(full_read(&f.e, &f.reader, &f.col), before);
}

#[tokio::test]
async fn unprocessable_envelopes_are_422_and_change_nothing() {
    let f = fixture(ServerConfig::default()).await;
    let before = full_read(&f.e, &f.reader, &f.col);
    for (body, says) in [
        (json!([indicator(&new_id("indicator"), 1)]), "envelope"),
        (json!("objects"), "envelope"),
        (json!({"more": false}), "no \"objects\""),
        (json!({"objects": {"type": "indicator"}}), "not a list"),
        (
            json!({"objects": [indicator(&new_id("indicator"), 1), 42]}),
            "objects[1]",
        ),
    ] {
        let r = send(
            &f.e.app,
            post_raw(&f.col, Some(TAXII), Body::from(body.to_string()), None),
        )
        .await;
        let v = assert_taxii_error(&r, 422);
        assert!(v["description"].as_str().unwrap().contains(says), "{v}");
    }
    assert_eq!(full_read(&f.e, &f.reader, &f.col), before);
}

#[tokio::test]
async fn wrong_content_types_are_415_and_change_nothing() {
    let f = fixture(ServerConfig::default()).await;
    let before = full_read(&f.e, &f.reader, &f.col);
    let body = json!({"objects": [indicator(&new_id("indicator"), 1)]}).to_string();
    for ct in [
        None,
        Some("application/json"),
        Some("text/plain"),
        Some("application/taxii+json;version=2.0"),
        Some("application/stix+json;version=2.1"),
    ] {
        let r = send(
            &f.e.app,
            post_raw(&f.col, ct, Body::from(body.clone()), None),
        )
        .await;
        let v = assert_taxii_error(&r, 415);
        assert!(
            v["description"].as_str().unwrap().contains("Content-Type"),
            "{v}"
        );
    }
    for ct in [
        "application/taxii+json",
        "application/taxii+json; version=2.1",
    ] {
        let r = send(
            &f.e.app,
            post_raw(&f.col, Some(ct), Body::from(body.clone()), None),
        )
        .await;
        assert_eq!(r.status, 202, "{ct}: {}", r.text());
    }
    let after = full_read(&f.e, &f.reader, &f.col);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(&after[..before.len()], &before[..]);
}

fn big_envelope(bytes: usize) -> String {
    let mut o = indicator(&new_id("indicator"), 1);
    o["description"] = Value::String("x".repeat(bytes));
    json!({ "objects": [o] }).to_string()
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_and_change_nothing() {
    let f = fixture(ServerConfig::default()).await;
    let before = full_read(&f.e, &f.reader, &f.col);
    let body = big_envelope(10 * 1024 * 1024);
    assert!(body.len() > 8 * 1024 * 1024);
    // Declared by Content-Length.
    let r = send(
        &f.e.app,
        post_raw(
            &f.col,
            Some(TAXII),
            Body::from(body.clone()),
            Some(body.len()),
        ),
    )
    .await;
    let v = assert_taxii_error(&r, 413);
    assert!(v["description"]
        .as_str()
        .unwrap()
        .contains("max_content_length"));
    assert_eq!(v["details"]["max_content_length"], 8 * 1024 * 1024);
    // Not declared: enforced while reading.
    let r = send(
        &f.e.app,
        post_raw(&f.col, Some(TAXII), Body::from(body), None),
    )
    .await;
    assert_taxii_error(&r, 413);
    assert_eq!(full_read(&f.e, &f.reader, &f.col), before);
}

#[tokio::test]
async fn a_small_configured_limit_is_enforced_and_advertised() {
    let f = fixture(ServerConfig {
        max_content_length: 4096,
        ..ServerConfig::default()
    })
    .await;
    let r = taxii_get(&f.e.app, "/taxii2/hub/", "alice").await;
    assert_eq!(r.json()["max_content_length"], 4096);
    let body = big_envelope(5000);
    let r = send(
        &f.e.app,
        post_raw(&f.col, Some(TAXII), Body::from(body), None),
    )
    .await;
    assert_taxii_error(&r, 413);
    let body = big_envelope(1000);
    let r = send(
        &f.e.app,
        post_raw(&f.col, Some(TAXII), Body::from(body), None),
    )
    .await;
    assert_eq!(r.status, 202);
}

#[tokio::test]
async fn invalid_stix_mixed_with_valid_stores_the_valid_and_lists_failures() {
    let f = fixture(ServerConfig::default()).await;
    let before = full_read(&f.e, &f.reader, &f.col);
    let good1 = indicator(&new_id("indicator"), 1);
    let good2 = indicator(&new_id("indicator"), 2);
    let mut wrong_prefix = indicator(&new_id("malware"), 1);
    wrong_prefix["type"] = json!("indicator");
    let mut bad_time = indicator(&new_id("indicator"), 1);
    bad_time["modified"] = json!("yesterday");
    let mut bad_spec = indicator(&new_id("indicator"), 1);
    bad_spec["spec_version"] = json!("2.0");
    let mut earlier = indicator(&new_id("indicator"), 1);
    earlier["created"] = json!(ts(500));
    // Same version of an already stored object with different content.
    let mut conflicting = before[0].clone();
    conflicting["name"] = json!("changed");
    let batch = vec![
        good1.clone(),
        wrong_prefix,
        bad_time,
        good2.clone(),
        bad_spec,
        earlier,
        conflicting,
    ];
    let r = taxii_post(&f.e.app, &f.col, "alice", &batch).await;
    assert_eq!(r.status, 202);
    let s = r.json();
    assert_eq!(s["total_count"], 7);
    assert_eq!(s["success_count"], 2, "{s}");
    assert_eq!(s["failure_count"], 5, "{s}");
    assert_eq!(s["failures"].as_array().unwrap().len(), 5);
    assert_eq!(s["successes"].as_array().unwrap().len(), 2);
    for fail in s["failures"].as_array().unwrap() {
        assert!(
            fail["id"].is_string() && fail["message"].as_str().is_some_and(|m| m.len() > 10),
            "{fail}"
        );
    }
    let after = full_read(&f.e, &f.reader, &f.col);
    assert_eq!(after.len(), before.len() + 2);
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "stored objects unchanged"
    );
    assert_eq!(after[before.len()], good1);
    assert_eq!(after[before.len() + 1], good2);
}

#[tokio::test]
async fn bad_filters_and_cursors_are_400_naming_the_parameter() {
    let f = fixture(ServerConfig::default()).await;
    let before = full_read(&f.e, &f.reader, &f.col);
    let base = format!("/taxii2/hub/collections/{}/objects/", f.col);
    for (q, param) in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("added_after=2024-13-45", "added_after"),
        ("match[version]=latest", "match[version]"),
        ("match[type]=Not_A_Type", "match[type]"),
        ("match[id]=foo", "match[id]"),
        ("match[spec_version]=x", "match[spec_version]"),
    ] {
        for path in [
            base.clone(),
            format!("/taxii2/hub/collections/{}/manifest/", f.col),
        ] {
            let r = taxii_get(&f.e.app, &format!("{path}?{q}"), "alice").await;
            let v = assert_taxii_error(&r, 400);
            assert_eq!(v["details"]["parameter"], param, "{q}: {v}");
            assert!(v["description"].as_str().unwrap().contains(param), "{v}");
        }
    }
    // Cursors: garbage, tampered, and one issued for another filter.
    let r = taxii_get(&f.e.app, &format!("{base}?limit=1"), "alice").await;
    let next = r.json()["next"].as_str().unwrap().to_string();
    let mut tampered = next.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for (uri, what) in [
        (format!("{base}?next=garbage"), "garbage"),
        (format!("{base}?next={tampered}&limit=1"), "tampered"),
        (
            format!("{base}?next={next}&match[type]=malware"),
            "other filter",
        ),
    ] {
        let r = taxii_get(&f.e.app, &uri, "alice").await;
        let v = assert_taxii_error(&r, 400);
        assert_eq!(v["details"]["parameter"], "next", "{what}: {v}");
    }
    // The cursor still works for its own request.
    let r = taxii_get(&f.e.app, &format!("{base}?next={next}&limit=1"), "alice").await;
    assert_eq!(r.status, 200);
    assert_eq!(full_read(&f.e, &f.reader, &f.col), before);
}

#[tokio::test]
async fn a_cursor_is_bound_to_its_user() {
    let f = fixture(ServerConfig::default()).await;
    user(&f.e, "gov-a", "amy", Role::Reader);
    let base = format!("/taxii2/hub/collections/{}/objects/", f.col);
    let r = taxii_get(&f.e.app, &format!("{base}?limit=1"), "alice").await;
    let next = r.json()["next"].as_str().unwrap().to_string();
    let r = taxii_get(&f.e.app, &format!("{base}?limit=1&next={next}"), "amy").await;
    assert_taxii_error(&r, 400);
}
