//! The REST API: every route, admin-only operations, the one error shape, and the OpenAPI
//! document listing every route.

use axum::body::Body;
use axum::http::Method;
use serde_json::{json, Value};
use store::Role;

use crate::common::*;

/// Every REST route the tests exercise, as (method, OpenAPI path template).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/whoami"),
    ("get", "/api/v1/orgs"),
    ("post", "/api/v1/orgs"),
    ("post", "/api/v1/users"),
    ("post", "/api/v1/tokens"),
    ("get", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{lookup}"),
    ("put", "/api/v1/users/{username}/password"),
    ("post", "/api/v1/users/{username}/disable"),
    ("post", "/api/v1/users/{username}/enable"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/collections"),
    ("post", "/api/v1/collections"),
    ("put", "/api/v1/collections/{id}/grants/{org}"),
    ("get", "/api/v1/collections/{id}/objects"),
];

#[tokio::test]
async fn admin_workflow_over_rest() {
    let e = env();
    user(&e, "gov-a", "root", Role::Operator);

    let r = api(&e.app, Method::GET, "/api/v1/whoami", "root", None).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["username"], "root");
    assert_eq!(v["role"], "operator");
    assert_eq!(v["org"]["slug"], "gov-a");
    assert!(v["identities"].as_array().unwrap().len() >= 2);

    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/orgs",
        "root",
        Some(
            json!({"slug": "plat-b", "name": "Platform B", "sector": "platform", "country": "de"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let org = r.json();
    assert_eq!(org["country"], "DE");
    assert_eq!(org["identity_id"], stix::org_identity_id("plat-b"));

    let r = api(&e.app, Method::GET, "/api/v1/orgs", "root", None).await;
    assert_eq!(r.status, 200);
    let slugs: Vec<Value> = r.json()["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].clone())
        .collect();
    assert!(slugs.contains(&json!("plat-b")) && slugs.contains(&json!("gov-a")));

    let r = api(&e.app, Method::POST, "/api/v1/users", "root",
        Some(json!({"org": "plat-b", "username": "bob", "role": "analyst", "password": "password-bob"}))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(
        !r.text().contains("password-bob"),
        "the password is never shown back"
    );
    assert_eq!(r.json()["role"], "analyst");

    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/tokens",
        "root",
        Some(json!({"username": "bob", "label": "feed"})),
    )
    .await;
    assert_eq!(r.status, 201);
    let token = r.json()["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("rrm_"));

    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/collections",
        "root",
        Some(
            json!({"slug": "feeds", "title": "Feeds", "description": "d", "default_tlp": "GREEN"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let col = r.json();
    let col_id = col["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&col_id).is_ok());
    assert_eq!(col["default_tlp"], "GREEN");

    let r = api(
        &e.app,
        Method::PUT,
        &format!("/api/v1/collections/{col_id}/grants/plat-b"),
        "root",
        Some(json!({"read": true, "write": true})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"org": "plat-b", "collection": col_id, "read": true, "write": true})
    );

    // The token works for TAXII and sees the granted collection.
    let req = request(Method::GET, "/taxii2/hub/collections/", None)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = send(&e.app, req).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(&col_id));

    // Non-admin view of collections: only its own, with access flags.
    let r = api(&e.app, Method::GET, "/api/v1/collections", "bob", None).await;
    assert_eq!(r.status, 200);
    let list = r.json()["collections"].as_array().cloned().unwrap();
    let feeds = list.iter().find(|c| c["id"] == col_id.as_str()).unwrap();
    assert_eq!(feeds["can_write"], true);
    // Admin view: every collection.
    let r = api(&e.app, Method::GET, "/api/v1/collections", "root", None).await;
    assert!(r.json()["collections"].as_array().unwrap().len() >= 2);

    // REST object list of the new collection.
    let r = taxii_post(
        &e.app,
        &col_id,
        "bob",
        &[indicator(&new_id("indicator"), 1)],
    )
    .await;
    assert_eq!(r.status, 202);
    let r = api(
        &e.app,
        Method::GET,
        &format!("/api/v1/collections/{col_id}/objects?type=indicator"),
        "bob",
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["more"], false);
}

#[tokio::test]
async fn rest_errors_have_one_shape() {
    let e = env();
    user(&e, "gov-a", "root", Role::Operator);
    user(&e, "gov-a", "ann", Role::Analyst);

    // Admin role required.
    for (m, path, body) in [
        (
            Method::POST,
            "/api/v1/orgs",
            json!({"slug": "x-y", "name": "X", "sector": "other", "country": "FR"}),
        ),
        (
            Method::POST,
            "/api/v1/users",
            json!({"org": "gov-a", "username": "z", "role": "reader"}),
        ),
        (Method::POST, "/api/v1/tokens", json!({"username": "root"})),
        (
            Method::POST,
            "/api/v1/collections",
            json!({"slug": "c", "title": "C"}),
        ),
    ] {
        let r = api(&e.app, m, path, "ann", Some(body)).await;
        assert_api_error(&r, 403, "forbidden");
    }
    let r = api(&e.app, Method::GET, "/api/v1/orgs", "ann", None).await;
    assert_api_error(&r, 403, "forbidden");

    // Invalid values name the field.
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/orgs",
        "root",
        Some(json!({"slug": "x-y", "name": "X", "sector": "bank", "country": "FR"})),
    )
    .await;
    assert_eq!(
        assert_api_error(&r, 400, "invalid_input")["field"],
        "sector"
    );
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/orgs",
        "root",
        Some(json!({"slug": "x-y", "name": "X", "sector": "other"})),
    )
    .await;
    assert_eq!(
        assert_api_error(&r, 400, "invalid_input")["field"],
        "country"
    );
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/orgs",
        "root",
        Some(json!({"slug": "BAD SLUG", "name": "X", "sector": "other", "country": "FR"})),
    )
    .await;
    assert_eq!(assert_api_error(&r, 400, "invalid_input")["field"], "slug");
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/users",
        "root",
        Some(json!({"org": "gov-a", "username": "z", "role": "king"})),
    )
    .await;
    assert_eq!(assert_api_error(&r, 400, "invalid_input")["field"], "role");
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/collections",
        "root",
        Some(json!({"slug": "c", "title": "C", "default_tlp": "PURPLE"})),
    )
    .await;
    assert_eq!(
        assert_api_error(&r, 400, "invalid_input")["field"],
        "default_tlp"
    );
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/collections",
        "root",
        Some(json!({"slug": "c", "title": "C", "extra": 1})),
    )
    .await;
    assert_api_error(&r, 400, "invalid_input");

    // Malformed JSON, wrong content type.
    let req = request(Method::POST, "/api/v1/orgs", Some("root"))
        .header("content-type", "application/json")
        .body(Body::from("{\"slug\": "))
        .unwrap();
    let r = send(&e.app, req).await;
    assert_api_error(&r, 400, "malformed_json");
    let req = request(Method::POST, "/api/v1/orgs", Some("root"))
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let r = send(&e.app, req).await;
    assert_api_error(&r, 415, "unsupported_media_type");
    let req = request(Method::POST, "/api/v1/orgs", Some("root"))
        .header("content-type", "application/json")
        .body(Body::from(format!(
            "{{\"name\": \"{}\"}}",
            "x".repeat(100_000)
        )))
        .unwrap();
    let r = send(&e.app, req).await;
    assert_api_error(&r, 413, "payload_too_large");

    // Conflicts and unknown things.
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/users",
        "root",
        Some(json!({"org": "gov-a", "username": "ann", "role": "reader"})),
    )
    .await;
    assert_api_error(&r, 409, "conflict");
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/users",
        "root",
        Some(json!({"org": "nowhere", "username": "zed", "role": "reader"})),
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    let r = api(
        &e.app,
        Method::PUT,
        "/api/v1/collections/nope/grants/gov-a",
        "root",
        Some(json!({"read": true})),
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/collections/nope/objects?limit=0",
        "root",
        None,
    )
    .await;
    assert_eq!(assert_api_error(&r, 400, "invalid_input")["field"], "limit");
    let r = api(&e.app, Method::GET, "/api/v1/nothing", "root", None).await;
    assert_api_error(&r, 404, "not_found");
    let r = api(&e.app, Method::DELETE, "/api/v1/orgs", "root", None).await;
    assert_api_error(&r, 405, "method_not_allowed");
}

/// Basic credentials with an explicit password.
fn basic_with(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let raw = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[tokio::test]
async fn org_admins_manage_only_their_own_accounts_over_rest() {
    let e = env();
    user(&e, "gov-ca", "ca-admin", Role::Admin);
    user(&e, "gov-ca", "ca-analyst", Role::Analyst);
    user(&e, "gov-de", "de-analyst", Role::Analyst);
    // The attack: minting a token for another organisation's user.
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/tokens",
        "ca-admin",
        Some(json!({"username": "de-analyst"})),
    )
    .await;
    let foreign = assert_api_error(&r, 404, "not_found");
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/tokens",
        "ca-admin",
        Some(json!({"username": "nobody-at-all"})),
    )
    .await;
    let unknown = assert_api_error(&r, 404, "not_found");
    assert_eq!(
        foreign["message"]
            .as_str()
            .unwrap()
            .replace("de-analyst", "X"),
        unknown["message"]
            .as_str()
            .unwrap()
            .replace("nobody-at-all", "X")
    );
    for (m, path, body) in [
        (
            Method::POST,
            "/api/v1/users",
            Some(json!({"org": "gov-de", "username": "mole", "role": "admin"})),
        ),
        (
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"username": "ca-analyst"})),
        ),
        (
            Method::POST,
            "/api/v1/orgs",
            Some(json!({"slug": "x-y", "name": "X", "sector": "other", "country": "FR"})),
        ),
        (
            Method::PUT,
            "/api/v1/collections/directory/grants/gov-ca",
            Some(json!({"read": true})),
        ),
        (Method::GET, "/api/v1/audit", None),
    ] {
        let who = if path == "/api/v1/audit" {
            "ca-analyst"
        } else {
            "ca-admin"
        };
        let r = api(&e.app, m, path, who, body).await;
        assert_api_error(&r, 403, "forbidden");
    }
    for path in [
        "/api/v1/users/de-analyst/disable",
        "/api/v1/users/de-analyst/enable",
    ] {
        let r = api(&e.app, Method::POST, path, "ca-admin", None).await;
        assert_api_error(&r, 404, "not_found");
    }
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/tokens?username=de-analyst",
        "ca-admin",
        None,
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    // An admin lists only its own organisation.
    let r = api(&e.app, Method::GET, "/api/v1/orgs", "ca-admin", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["orgs"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["orgs"][0]["slug"], "gov-ca");

    // Own tokens: mint, list, revoke; the revoked token stops at once.
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/tokens",
        "ca-analyst",
        Some(json!({"username": "ca-analyst", "label": "laptop"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_string();
    let lookup = hub::token_lookup(&token).unwrap().to_string();
    let bearer = |t: &str| {
        request(Method::GET, "/api/v1/whoami", None)
            .header("authorization", format!("Bearer {t}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&e.app, bearer(&token)).await.status, 200);
    let r = api(&e.app, Method::GET, "/api/v1/tokens", "ca-analyst", None).await;
    assert_eq!(r.status, 200);
    let list = r.json()["tokens"].as_array().cloned().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["lookup"], lookup.as_str());
    assert_eq!(list[0]["revoked"], false);
    assert!(!r.text().contains("argon2"));
    // The org admin sees and revokes it.
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/tokens?username=ca-analyst",
        "ca-admin",
        None,
    )
    .await;
    assert_eq!(r.json()["tokens"].as_array().unwrap().len(), 1);
    let r = api(
        &e.app,
        Method::DELETE,
        &format!("/api/v1/tokens/{lookup}"),
        "ca-admin",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["revoked"], true);
    assert_api_error(&send(&e.app, bearer(&token)).await, 401, "unauthenticated");
    let r = api(
        &e.app,
        Method::DELETE,
        "/api/v1/tokens/0123456789ab",
        "ca-admin",
        None,
    )
    .await;
    assert_api_error(&r, 404, "not_found");

    // Own password: with the current one.
    let path = "/api/v1/users/ca-analyst/password";
    let r = api(
        &e.app,
        Method::PUT,
        path,
        "ca-analyst",
        Some(json!({"password": "brand new pass"})),
    )
    .await;
    assert_eq!(
        assert_api_error(&r, 400, "invalid_input")["field"],
        "current_password"
    );
    let r = api(
        &e.app,
        Method::PUT,
        path,
        "ca-analyst",
        Some(json!({"password": "brand new pass", "current_password": "wrong"})),
    )
    .await;
    assert_api_error(&r, 403, "forbidden");
    let r = api(
        &e.app,
        Method::PUT,
        path,
        "ca-analyst",
        Some(json!({"password": "short", "current_password": password("ca-analyst")})),
    )
    .await;
    assert_eq!(
        assert_api_error(&r, 400, "invalid_input")["field"],
        "password"
    );
    let r = api(
        &e.app,
        Method::PUT,
        path,
        "ca-analyst",
        Some(json!({"password": "brand new pass", "current_password": password("ca-analyst")})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let old = api(&e.app, Method::GET, "/api/v1/whoami", "ca-analyst", None).await;
    assert_api_error(&old, 401, "unauthenticated");
    let with_new = |pw: &str| {
        request(Method::GET, "/api/v1/whoami", None)
            .header("authorization", basic_with("ca-analyst", pw))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&e.app, with_new("brand new pass")).await.status, 200);

    // Disable by the org admin: the password stops at once; enable restores it.
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/users/ca-analyst/disable",
        "ca-admin",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"username": "ca-analyst", "disabled": true})
    );
    assert_api_error(
        &send(&e.app, with_new("brand new pass")).await,
        401,
        "unauthenticated",
    );
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/users/ca-analyst/enable",
        "ca-admin",
        None,
    )
    .await;
    assert_eq!(r.json()["disabled"], false);
    assert_eq!(send(&e.app, with_new("brand new pass")).await.status, 200);

    // The org admin reads its organisation's audit log, with paging.
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/audit?limit=1000",
        "ca-admin",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let records = r.json()["records"].as_array().cloned().unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for want in [
        "user.create",
        "token.create",
        "token.revoke",
        "user.password",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.contains(&want), "{want} missing: {actions:?}");
    }
    assert!(records
        .iter()
        .all(|r| !r["target"].as_str().unwrap().starts_with("de-")));
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/audit?limit=2",
        "ca-admin",
        None,
    )
    .await;
    let next = r.json()["next_after"].as_i64().unwrap();
    let r = api(
        &e.app,
        Method::GET,
        &format!("/api/v1/audit?after={next}&limit=1000"),
        "ca-admin",
        None,
    )
    .await;
    assert_eq!(
        r.json()["records"].as_array().unwrap().len(),
        records.len() - 2
    );
    let r = api(
        &e.app,
        Method::GET,
        "/api/v1/audit?limit=0",
        "ca-admin",
        None,
    )
    .await;
    assert_eq!(assert_api_error(&r, 400, "invalid_input")["field"], "limit");
}

/// The `user.password` records of the audit log, as the operator reads it.
fn password_records(e: &Env) -> usize {
    e.hub
        .audit_log(hub::Actor::Operator, 0, 1000)
        .unwrap()
        .iter()
        .filter(|r| r.action == "user.password")
        .count()
}

#[tokio::test]
async fn a_reset_refuses_a_current_password_of_the_wrong_type() {
    let e = env();
    user(&e, "gov-ca", "root", Role::Operator);
    user(&e, "gov-ca", "ca-admin", Role::Admin);
    user(&e, "gov-ca", "ca-analyst", Role::Analyst);
    let path = "/api/v1/users/ca-analyst/password";
    let before = password_records(&e);
    // A reset does not need current_password, but one of the wrong type is still refused,
    // for the operator and for the organisation's admin alike, and nothing changes.
    for by in ["root", "ca-admin"] {
        for bad in [json!(5), json!(null), json!(true), json!(["x"]), json!({})] {
            let r = api(
                &e.app,
                Method::PUT,
                path,
                by,
                Some(json!({"password": "brand new pass", "current_password": bad})),
            )
            .await;
            let err = assert_api_error(&r, 400, "invalid_input");
            assert_eq!(err["field"], "current_password", "{by} {bad}: {}", r.text());
        }
    }
    assert_eq!(password_records(&e), before);
    let r = api(&e.app, Method::GET, "/api/v1/whoami", "ca-analyst", None).await;
    assert_eq!(r.status, 200, "the old password still works: {}", r.text());
    // Changing one's own password: the same.
    let r = api(
        &e.app,
        Method::PUT,
        path,
        "ca-analyst",
        Some(json!({"password": "brand new pass", "current_password": 12345678})),
    )
    .await;
    assert_eq!(
        assert_api_error(&r, 400, "invalid_input")["field"],
        "current_password"
    );
    assert_eq!(password_records(&e), before);
    // A string, even on a reset that ignores it, and an absent one are accepted.
    let r = api(
        &e.app,
        Method::PUT,
        path,
        "ca-admin",
        Some(json!({"password": "brand new pass", "current_password": "anything"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = api(
        &e.app,
        Method::PUT,
        path,
        "root",
        Some(json!({"password": "another new pass"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(password_records(&e), before + 2);
}

#[tokio::test]
async fn the_audit_log_after_bounds_are_documented_and_enforced() {
    let e = env();
    user(&e, "gov-ca", "root", Role::Operator);
    let r = send(
        &e.app,
        request(Method::GET, "/api/v1/openapi.json", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let doc = r.json();
    let params = doc["paths"]["/api/v1/audit"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .clone();
    let after = params.iter().find(|p| p["name"] == "after").unwrap();
    assert_eq!(
        after["schema"],
        json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX})
    );
    // The bounds are the server's: both ends are accepted, one beyond either is refused.
    for ok in ["0".to_string(), i64::MAX.to_string()] {
        let r = api(
            &e.app,
            Method::GET,
            &format!("/api/v1/audit?after={ok}"),
            "root",
            None,
        )
        .await;
        assert_eq!(r.status, 200, "after={ok}: {}", r.text());
    }
    for bad in ["-1".to_string(), (i64::MAX as u64 + 1).to_string()] {
        let r = api(
            &e.app,
            Method::GET,
            &format!("/api/v1/audit?after={bad}"),
            "root",
            None,
        )
        .await;
        assert_eq!(
            assert_api_error(&r, 400, "invalid_input")["field"],
            "after",
            "after={bad}"
        );
    }
}

#[tokio::test]
async fn openapi_describes_every_route_and_every_described_route_exists() {
    let e = env();
    let r = send(
        &e.app,
        request(Method::GET, "/api/v1/openapi.json", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["schemas"]["Error"]["properties"]["error"].is_object());
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} missing from OpenAPI"
        );
    }
    // Every documented operation is routed (the fallback's 404 and 405 never answer it), and
    // without credentials every operation that is not public answers 401. Other areas
    // (hash banks, ads, detection) add their own operations to the same document.
    for (path, ops) in paths {
        let mut concrete = String::new();
        let mut in_param = false;
        for ch in path.chars() {
            match ch {
                '{' => in_param = true,
                '}' => {
                    in_param = false;
                    concrete.push('x');
                }
                c if !in_param => concrete.push(c),
                _ => {}
            }
        }
        for (method, op) in ops.as_object().unwrap() {
            assert!(
                op["responses"].is_object() && op["operationId"].is_string(),
                "{method} {path}"
            );
            let m: Method = method.to_uppercase().parse().unwrap();
            let r = send(
                &e.app,
                request(m, &concrete, None).body(Body::empty()).unwrap(),
            )
            .await;
            assert_ne!(r.status.as_u16(), 405, "{method} {path} is not routed");
            assert!(
                !r.text().contains("no resource at"),
                "{method} {path} is not routed: {}",
                r.text()
            );
            let public = op.get("security") == Some(&json!([]));
            if !public {
                assert_eq!(
                    r.status.as_u16(),
                    401,
                    "{method} {path} without credentials"
                );
            }
        }
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
async fn failed_logins_are_throttled_per_account_with_retry_after() {
    let e = env_with(server::ServerConfig {
        metrics: true,
        auth: server::AuthLimits {
            account_free_failures: 2,
            address_free_failures: 100,
            base_backoff: std::time::Duration::from_secs(1),
            ..server::AuthLimits::default()
        },
        ..server::ServerConfig::default()
    });
    user(&e, "gov-a", "alice", Role::Analyst);
    user(&e, "gov-a", "bob", Role::Analyst);
    let whoami = |auth: String| {
        request(Method::GET, "/api/v1/whoami", None)
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap()
    };
    for _ in 0..3 {
        let r = send(&e.app, whoami(basic_with("alice", "wrong password"))).await;
        assert_api_error(&r, 401, "unauthenticated");
    }
    // Locked: no verification, 429 with Retry-After, even with the right password.
    let r = send(&e.app, whoami(basic_with("alice", "wrong password"))).await;
    assert_api_error(&r, 429, "rate_limited");
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    let r = send(&e.app, whoami(basic("alice"))).await;
    assert_api_error(&r, 429, "rate_limited");
    assert!(r.header("retry-after").is_some());
    // TAXII answers the same lock in its own error shape.
    let r = send(
        &e.app,
        request(Method::GET, "/taxii2/", None)
            .header("authorization", basic("alice"))
            .header("accept", TAXII)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(assert_taxii_error(&r, 429)["error_code"], "rate_limited");
    assert!(r.header("retry-after").is_some());
    // Another account is not affected.
    assert_eq!(send(&e.app, whoami(basic("bob"))).await.status, 200);
    // The lock is short: after it, the right password works and clears the count.
    tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    assert_eq!(send(&e.app, whoami(basic("alice"))).await.status, 200);
    let r = send(&e.app, whoami(basic_with("alice", "wrong again"))).await;
    assert_api_error(&r, 401, "unauthenticated");

    let r = send(
        &e.app,
        request(Method::GET, "/metrics", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let text = r.text();
    assert!(text.contains("rrm_auth_failures_total 4\n"), "{text}");
    assert!(text.contains("rrm_auth_throttled_total 3\n"), "{text}");
    assert!(text.contains("rrm_auth_verifications_total 6\n"), "{text}");
    assert!(
        text.contains("rrm_auth_verifications_in_flight 0\n"),
        "{text}"
    );

    // A token's lookup id is public, so wrong secrets for it lock no account: the real
    // token still works (only the guessing address would be slowed down).
    let token = e
        .hub
        .create_token(hub::Actor::Operator, "bob", "ci")
        .unwrap();
    let lookup = hub::token_lookup(&token).unwrap().to_string();
    for _ in 0..4 {
        let wrong = format!("Bearer rrm_{lookup}_{}", "0".repeat(64));
        assert_api_error(&send(&e.app, whoami(wrong)).await, 401, "unauthenticated");
    }
    let r = send(&e.app, whoami(format!("Bearer {token}"))).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn openapi_documents_throttling_and_the_operator_role() {
    let doc = server::openapi::document();
    let codes = doc
        .pointer("/components/schemas/Error/properties/error/properties/code/enum")
        .unwrap();
    assert!(codes.as_array().unwrap().contains(&json!("rate_limited")));
    assert!(doc["components"]["schemas"]["Role"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("operator")));
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if op.get("security") == Some(&json!([])) {
                continue;
            }
            let r = &op["responses"]["429"];
            assert!(r.is_object(), "{method} {path} lacks 429");
            assert!(r["headers"]["Retry-After"].is_object(), "{method} {path}");
        }
    }
    for (path, method) in [
        ("/api/v1/tokens/{lookup}", "delete"),
        ("/api/v1/users/{username}/password", "put"),
        ("/api/v1/audit", "get"),
    ] {
        let responses = doc["paths"][path][method]["responses"].as_object().unwrap();
        for status in ["401", "403", "404"] {
            if path == "/api/v1/audit" && status == "404" {
                continue;
            }
            assert!(responses.contains_key(status), "{method} {path} {status}");
        }
    }
}
