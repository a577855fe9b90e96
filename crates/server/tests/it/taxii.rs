//! TAXII 2.1 endpoints: discovery, API root, collections, objects, filters, paging, object
//! by id, versions, manifest, status, delete, authentication and media types.

use axum::body::Body;
use axum::http::Method;
use hub::Actor;
use serde_json::{json, Value};
use server::ServerConfig;
use store::Role;

use crate::common::*;

fn micro_ts(s: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SS.ffffffZ
    s.len() == 27 && s.ends_with('Z') && s.as_bytes()[19] == b'.'
}

#[tokio::test]
async fn discovery_api_root_and_collections() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let col = e
        .hub
        .add_collection(Actor::Operator, "shared", "Shared", "desc", None)
        .unwrap();
    e.hub.grant(Actor::Operator, "gov-a", &col.id, RW).unwrap();

    for path in ["/taxii2/", "/taxii2"] {
        let r = taxii_get(&e.app, path, "alice").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.content_type(), TAXII);
        let v = r.json();
        assert_eq!(v["api_roots"], json!(["http://rrm.test/taxii2/hub/"]));
        assert_eq!(v["default"], "http://rrm.test/taxii2/hub/");
        assert_eq!(v["title"], "rrm");
    }

    let r = taxii_get(&e.app, "/taxii2/hub/", "alice").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), TAXII);
    let v = r.json();
    assert_eq!(v["versions"], json!([TAXII]));
    assert_eq!(v["max_content_length"], 8 * 1024 * 1024);

    let r = taxii_get(&e.app, "/taxii2/hub/collections/", "alice").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let list = v["collections"].as_array().unwrap();
    let shared = list.iter().find(|c| c["id"] == col.id.as_str()).unwrap();
    assert_eq!(shared["title"], "Shared");
    assert_eq!(shared["can_read"], true);
    assert_eq!(shared["can_write"], true);
    assert_eq!(
        shared["media_types"],
        json!(["application/stix+json;version=2.1"])
    );
    // The directory collection is readable by every organisation.
    assert!(list
        .iter()
        .any(|c| c["alias"] == "directory" && c["can_write"] == false));

    let r = taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{}/", col.id),
        "alice",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], col.id.as_str());
    let r = taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{}", col.id),
        "alice",
    )
    .await;
    assert_eq!(r.status, 200);

    // An unknown API root is a TAXII 404.
    let r = taxii_get(&e.app, "/taxii2/other/", "alice").await;
    assert_taxii_error(&r, 404);
}

#[tokio::test]
async fn public_url_is_used_in_discovery() {
    let e = env_with(ServerConfig {
        public_url: Some("https://rrm.example.org/".to_string()),
        ..ServerConfig::default()
    });
    user(&e, "gov-a", "alice", Role::Reader);
    let r = taxii_get(&e.app, "/taxii2/", "alice").await;
    assert_eq!(
        r.json()["api_roots"],
        json!(["https://rrm.example.org/taxii2/hub/"])
    );
}

#[tokio::test]
async fn authentication_basic_bearer_and_failures() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let token = e.hub.create_token(Actor::Operator, "alice", "ci").unwrap();

    let r = send(
        &e.app,
        request(Method::GET, "/taxii2/", None)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);

    let mut bodies = Vec::new();
    for auth in [
        None,
        Some(basic("nobody")),
        Some("Basic YWxpY2U6d3Jvbmc=".to_string()), // alice:wrong
        Some("Basic !!!".to_string()),
        Some("Bearer rrm_nope_nope".to_string()),
        Some(format!("Bearer {token}x")),
        Some("Digest abc".to_string()),
    ] {
        let mut b = request(Method::GET, "/taxii2/hub/collections/", None);
        if let Some(a) = &auth {
            b = b.header("authorization", a.as_str());
        }
        let r = send(&e.app, b.body(Body::empty()).unwrap()).await;
        let mut v = assert_taxii_error(&r, 401);
        assert_eq!(
            r.header("www-authenticate").as_deref(),
            Some("Basic realm=\"rrm\", Bearer realm=\"rrm\"")
        );
        v.as_object_mut().unwrap().remove("error_id");
        bodies.push(v);
    }
    // Every failure answers the same: nothing says which part was wrong.
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");

    // REST: same challenge, REST error shape.
    let r = send(
        &e.app,
        request(Method::GET, "/api/v1/whoami", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_api_error(&r, 401, "unauthenticated");
    assert!(r.header("www-authenticate").is_some());

    // Metrics are off by default: 404 like any unknown path.
    let r = send(
        &e.app,
        request(Method::GET, "/metrics", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_api_error(&r, 404, "not_found");

    // Open endpoints.
    for path in ["/healthz", "/api/v1/openapi.json"] {
        let r = send(
            &e.app,
            request(Method::GET, path, None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 200, "{path}");
    }
}

#[tokio::test]
async fn accept_header_negotiation() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Reader);
    for ok in [
        None,
        Some("*/*"),
        Some("application/*"),
        Some("application/taxii+json"),
        Some("application/taxii+json;version=2.1"),
        Some("text/html;q=0.9, application/taxii+json;version=2.1;q=0.5"),
    ] {
        let mut b = request(Method::GET, "/taxii2/", Some("alice"));
        if let Some(a) = ok {
            b = b.header("accept", a);
        }
        let r = send(&e.app, b.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, 200, "Accept {ok:?}");
        assert_eq!(r.content_type(), TAXII);
    }
    for bad in [
        "text/html",
        "application/json",
        "application/taxii+json;version=2.0",
        "application/taxii+json;q=0",
    ] {
        let r = send(
            &e.app,
            request(Method::GET, "/taxii2/hub/", Some("alice"))
                .header("accept", bad)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let v = assert_taxii_error(&r, 406);
        assert!(v["description"].as_str().unwrap().contains(bad), "{v}");
    }
    // 405 keeps the TAXII media type.
    let r = send(
        &e.app,
        request(Method::PUT, "/taxii2/", Some("alice"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_taxii_error(&r, 405);
}

async fn setup_objects() -> (Env, String, Vec<String>) {
    setup_objects_with(ServerConfig::default()).await
}

async fn setup_objects_with(config: ServerConfig) -> (Env, String, Vec<String>) {
    let e = env_with(config);
    user(&e, "gov-a", "alice", Role::Analyst);
    let col = e
        .hub
        .add_collection(Actor::Operator, "shared", "Shared", "", None)
        .unwrap()
        .id;
    e.hub.grant(Actor::Operator, "gov-a", &col, RW).unwrap();
    let ids: Vec<String> = (0..5).map(|_| new_id("indicator")).collect();
    // Each indicator in two versions, posted in two requests; plus a malware.
    let v1: Vec<Value> = ids.iter().map(|id| indicator(id, 10)).collect();
    let r = taxii_post(&e.app, &col, "alice", &v1).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let v2: Vec<Value> = ids.iter().map(|id| indicator(id, 20)).collect();
    let r = taxii_post(&e.app, &col, "alice", &v2).await;
    assert_eq!(r.status, 202);
    let malware = json!({
        "type": "malware", "spec_version": "2.1", "id": new_id("malware"),
        "created": ts(0), "modified": ts(0), "name": "loader", "is_family": false
    });
    let r = taxii_post(&e.app, &col, "alice", &[malware]).await;
    assert_eq!(r.status, 202);
    (e, col, ids)
}

#[tokio::test]
async fn post_returns_status_and_status_is_readable_by_the_requester_org_only() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    user(&e, "gov-a", "alan", Role::Reader);
    user(&e, "plat-b", "bob", Role::Analyst);
    let col = e
        .hub
        .add_collection(Actor::Operator, "shared", "Shared", "", None)
        .unwrap()
        .id;
    e.hub.grant(Actor::Operator, "gov-a", &col, RW).unwrap();
    e.hub.grant(Actor::Operator, "plat-b", &col, RW).unwrap();
    let good = indicator(&new_id("indicator"), 5);
    let mut bad = indicator(&new_id("indicator"), 5);
    bad.as_object_mut().unwrap().remove("pattern");
    let r = taxii_post(&e.app, &col, "alice", &[good.clone(), bad.clone()]).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.content_type(), TAXII);
    let s = r.json();
    assert_eq!(s["status"], "complete");
    assert_eq!(s["total_count"], 2);
    assert_eq!(s["success_count"], 1);
    assert_eq!(s["failure_count"], 1);
    assert_eq!(s["successes"].as_array().unwrap().len(), 1);
    assert_eq!(s["failures"][0]["id"], bad["id"]);
    assert!(
        s["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("pattern"),
        "{s}"
    );
    let sid = s["id"].as_str().unwrap();

    for path in [
        format!("/taxii2/hub/status/{sid}/"),
        format!("/taxii2/hub/status/{sid}"),
    ] {
        let r = taxii_get(&e.app, &path, "alice").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), s);
    }
    let r = taxii_get(&e.app, &format!("/taxii2/hub/status/{sid}/"), "alan").await;
    assert_eq!(r.status, 200, "same organisation");
    let r = taxii_get(&e.app, &format!("/taxii2/hub/status/{sid}/"), "bob").await;
    assert_taxii_error(&r, 404);
    let r = taxii_get(
        &e.app,
        "/taxii2/hub/status/0d1f3bd9-43fd-4d5e-a07d-9a1b07a5a0f5/",
        "alice",
    )
    .await;
    assert_taxii_error(&r, 404);

    // A reader may not write: 403 on a collection it can see.
    let r = taxii_post(&e.app, &col, "alan", &[indicator(&new_id("indicator"), 1)]).await;
    assert_taxii_error(&r, 403);
}

#[tokio::test]
async fn objects_filters_paging_and_headers() {
    let (e, col, ids) = setup_objects().await;
    let base = format!("/taxii2/hub/collections/{col}/objects/");

    // Default: last version of each object, sorted by date_added.
    let r = taxii_get(&e.app, &base, "alice").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), TAXII);
    let first = r.header("x-taxii-date-added-first").unwrap();
    let last = r.header("x-taxii-date-added-last").unwrap();
    assert!(micro_ts(&first) && micro_ts(&last), "{first} {last}");
    assert!(first <= last);
    let v = r.json();
    assert_eq!(v["more"], false);
    let objs = v["objects"].as_array().unwrap();
    assert_eq!(objs.len(), 6);
    assert!(objs
        .iter()
        .filter(|o| o["type"] == "indicator")
        .all(|o| o["modified"] == ts(20)));

    // match[version]=all, first, a timestamp.
    let r = taxii_get(&e.app, &format!("{base}?match[version]=all"), "alice").await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 11);
    let r = taxii_get(
        &e.app,
        &format!("{base}?match[version]=first&match[type]=indicator"),
        "alice",
    )
    .await;
    let v = r.json();
    assert_eq!(v["objects"].as_array().unwrap().len(), 5);
    assert!(v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["modified"] == ts(10)));
    let r = taxii_get(
        &e.app,
        &format!("{base}?match[version]={}", ts(10)),
        "alice",
    )
    .await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 5);

    // match[type] (OR within), match[id] AND match[type].
    let r = taxii_get(&e.app, &format!("{base}?match[type]=malware"), "alice").await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 1);
    let r = taxii_get(
        &e.app,
        &format!("{base}?match[type]=malware,indicator"),
        "alice",
    )
    .await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 6);
    let r = taxii_get(
        &e.app,
        &format!(
            "{base}?match[id]={},{}&match[type]=indicator",
            ids[0], ids[1]
        ),
        "alice",
    )
    .await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 2);
    let r = taxii_get(
        &e.app,
        &format!("{base}?match[id]={}&match[type]=malware", ids[0]),
        "alice",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("objects").is_none());
    assert!(r.header("x-taxii-date-added-first").is_none());
    let r = taxii_get(&e.app, &format!("{base}?match[spec_version]=2.1"), "alice").await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 6);

    // added_after is exclusive: after the first header value, the first object is gone.
    let all = taxii_get(&e.app, &format!("{base}?match[version]=all"), "alice").await;
    let first_all = all.header("x-taxii-date-added-first").unwrap();
    let r = taxii_get(
        &e.app,
        &format!("{base}?match[version]=all&added_after={first_all}"),
        "alice",
    )
    .await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 10);

    // Paging with limit and next: more + next until done, every version exactly once.
    let mut seen = Vec::new();
    let mut uri = format!("{base}?match[version]=all&limit=3");
    let mut pages = 0;
    loop {
        let r = taxii_get(&e.app, &uri, "alice").await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.header("x-taxii-date-added-first").is_some());
        let v = r.json();
        let objs = v["objects"].as_array().cloned().unwrap_or_default();
        assert!(objs.len() <= 3);
        seen.extend(
            objs.iter()
                .map(|o| (o["id"].clone(), o["modified"].clone())),
        );
        pages += 1;
        if v["more"] == true {
            let next = v["next"].as_str().expect("next when more");
            uri = format!("{base}?match[version]=all&limit=3&next={next}");
        } else {
            break;
        }
    }
    assert!(pages >= 4);
    let mut dedup = seen.clone();
    dedup.sort_by_key(|x| x.0.to_string() + &x.1.to_string());
    dedup.dedup();
    assert_eq!(seen.len(), 11);
    assert_eq!(dedup.len(), 11);

    // Manifest.
    let r = taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{col}/manifest/?match[version]=all"),
        "alice",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(micro_ts(&r.header("x-taxii-date-added-last").unwrap()));
    let v = r.json();
    let entries = v["objects"].as_array().unwrap();
    assert_eq!(entries.len(), 11);
    for m in entries {
        assert!(micro_ts(m["date_added"].as_str().unwrap()), "{m}");
        assert_eq!(m["media_type"], "application/stix+json;version=2.1");
        assert!(m["version"].is_string());
    }

    // Object by id, with versions filter.
    let obj_uri = format!("/taxii2/hub/collections/{col}/objects/{}/", ids[2]);
    let r = taxii_get(&e.app, &obj_uri, "alice").await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-taxii-date-added-first").is_some());
    let v = r.json();
    assert_eq!(v["objects"].as_array().unwrap().len(), 1);
    assert_eq!(v["objects"][0]["modified"], ts(20));
    let r = taxii_get(&e.app, &format!("{obj_uri}?match[version]=all"), "alice").await;
    assert_eq!(r.json()["objects"].as_array().unwrap().len(), 2);

    // Versions.
    let r = taxii_get(&e.app, &format!("{obj_uri}versions/"), "alice").await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-taxii-date-added-last").is_some());
    assert_eq!(r.json()["versions"], json!([ts(10), ts(20)]));

    // Delete one version, then the whole object.
    let del = |q: &str| {
        request(Method::DELETE, &format!("{obj_uri}{q}"), Some("alice"))
            .header("accept", TAXII)
            .body(Body::empty())
            .unwrap()
    };
    let r = send(&e.app, del(&format!("?match[version]={}", ts(10)))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.content_type(), TAXII);
    let r = taxii_get(&e.app, &format!("{obj_uri}versions/"), "alice").await;
    assert_eq!(r.json()["versions"], json!([ts(20)]));
    let r = send(&e.app, del("")).await;
    assert_eq!(r.status, 200);
    let r = taxii_get(&e.app, &obj_uri, "alice").await;
    assert_taxii_error(&r, 404);
    let r = send(&e.app, del("")).await;
    assert_taxii_error(&r, 404);
}

#[tokio::test]
async fn unknown_or_ungranted_collections_answer_404_everywhere() {
    let (e, col, ids) = setup_objects().await;
    user(&e, "ngo-c", "carol", Role::Admin);
    let unknown = "1b2e3c4d-0000-4000-8000-000000000000";
    for (c, who) in [(unknown, "alice"), (col.as_str(), "carol")] {
        for path in [
            format!("/taxii2/hub/collections/{c}/"),
            format!("/taxii2/hub/collections/{c}/objects/"),
            format!("/taxii2/hub/collections/{c}/manifest/"),
            format!("/taxii2/hub/collections/{c}/objects/{}/", ids[0]),
            format!("/taxii2/hub/collections/{c}/objects/{}/versions/", ids[0]),
        ] {
            let r = taxii_get(&e.app, &path, who).await;
            let v = assert_taxii_error(&r, 404);
            assert!(!r.text().contains(&ids[0][12..]), "no data leaks in {v}");
        }
        let r = taxii_post(&e.app, c, who, &[indicator(&new_id("indicator"), 1)]).await;
        assert_taxii_error(&r, 404);
    }
    // The same answer for unknown and ungranted collections (nothing tells them apart).
    let a = taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{unknown}/objects/"),
        "carol",
    )
    .await;
    let b = taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{col}/objects/"),
        "carol",
    )
    .await;
    assert_eq!(a.status, b.status);
}

#[tokio::test]
async fn metrics_and_health() {
    let (e, col, _) = setup_objects_with(ServerConfig {
        metrics: true,
        ..ServerConfig::default()
    })
    .await;
    let _ = taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{col}/objects/"),
        "alice",
    )
    .await;
    let r = send(
        &e.app,
        request(Method::GET, "/healthz", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    let r = send(
        &e.app,
        request(Method::GET, "/metrics", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("text/plain; version=0.0.4"));
    let text = r.text();
    assert!(
        text.contains("rrm_http_requests_total{route=\"/taxii2/hub/collections/{id}/objects/\",method=\"POST\",status=\"202\"} 3"),
        "{text}"
    );
    assert!(text.contains("rrm_http_request_duration_seconds_bucket{route=\"/taxii2/hub/collections/{id}/objects/\",le=\"+Inf\"} 4"));
    assert!(text.contains("rrm_objects_ingested_total 11"), "{text}");
    assert!(text.contains("rrm_objects_served_total 6"), "{text}");
    assert!(text.contains("rrm_build_info{version=\""));
    // Credential checks: alice's first request was verified, the next ones came from the
    // cache; nothing failed or was throttled, and nothing is in flight now.
    assert!(text.contains("rrm_auth_verifications_total 1\n"), "{text}");
    assert!(text.contains("rrm_auth_failures_total 0\n"), "{text}");
    assert!(text.contains("rrm_auth_throttled_total 0\n"), "{text}");
    assert!(
        text.contains("rrm_auth_verifications_in_flight 0\n"),
        "{text}"
    );
    assert!(!text.contains("password-alice"));
    // Every response carries a request id.
    assert!(r.header("x-request-id").is_some());
}
