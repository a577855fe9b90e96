//! The detection routes through the real router over a real hub on SQLite (`oneshot`): upload
//! errors, the job lifecycle, publication as STIX with and without DISARM, and access between
//! organisations.

use crate::common;

use store::AccountStore;

use axum::body::Body;
use axum::http::Method;
use common::{api, assert_api_error, full_read, request, send, user, Env, Resp, RW};
use hub::Actor;
use serde_json::{json, Value};
use store::Role;

/// The DISARM framework bundle in the shared folder.
fn disarm_bundle() -> String {
    test_data::shared("data/disarm/DISARM.json")
}

const HEADER: &str = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n";

/// Three accounts (a, b, c) repost the same three posts within seconds of each other; "d"
/// reposts one of them an hour later; "e" posts alone.
fn coordinated_csv() -> String {
    let mut s = HEADER.to_string();
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

async fn upload(e: &Env, user: &str, query: &str, body: &str) -> Resp {
    let req = request(
        Method::POST,
        &format!("/api/v1/datasets{query}"),
        Some(user),
    )
    .header("content-type", "text/csv")
    .body(Body::from(body.to_string()))
    .unwrap();
    send(&e.app, req).await
}

async fn wait_done(e: &Env, user: &str, job: &str) -> Value {
    for _ in 0..500 {
        let r = api(
            &e.app,
            Method::GET,
            &format!("/api/v1/detections/{job}"),
            user,
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        if v["status"] == "done" || v["status"] == "failed" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("detection {job} did not finish");
}

/// An analyst "ana" of org "gov" with write access to collection "cib", and an analyst "olaf"
/// of another org.
fn world() -> Env {
    let e = common::env();
    user(&e, "gov", "ana", Role::Analyst);
    user(&e, "gov", "rita", Role::Reader);
    user(&e, "other", "olaf", Role::Analyst);
    e.hub
        .add_collection(Actor::Operator, "cib", "CIB", "", None)
        .unwrap();
    e.hub.grant(Actor::Operator, "gov", "cib", RW).unwrap();
    e.hub.grant(Actor::Operator, "other", "cib", RW).unwrap();
    e
}

async fn detect(e: &Env, user: &str) -> (String, Value) {
    let r = upload(e, user, "?account_type=twitter", &coordinated_csv()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let ds = r.json();
    assert_eq!(ds["posts"], 11);
    assert_eq!(ds["users"], 5);
    assert_eq!(ds["format"], "cnt");
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/detections",
        user,
        Some(
            json!({"dataset": ds["id"], "networks": ["co_retweet"], "window": 60, "min_weight": 2}),
        ),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let job = r.json()["id"].as_str().unwrap().to_string();
    let v = wait_done(e, user, &job).await;
    (job, v)
}

#[tokio::test]
async fn upload_errors_are_clear_4xx() {
    let e = world();
    let r = upload(&e, "ana", "", "").await;
    assert_api_error(&r, 400, "invalid_input");
    let r = upload(&e, "ana", "", "message_id,user_id\n1,2\n").await;
    let v = assert_api_error(&r, 400, "invalid_input");
    assert!(v["message"].as_str().unwrap().contains("missing"));
    let bad = format!("{HEADER}m1,a,a,,,hi,100,\nm2,b,b,,,hi,notatime,\n");
    let r = upload(&e, "ana", "", &bad).await;
    let v = assert_api_error(&r, 400, "invalid_input");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains(":3"), "no line number in {msg:?}");
    // With skip_invalid the bad row is counted.
    let r = upload(&e, "ana", "?skip_invalid=true", &bad).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["skipped"], 1);
    assert_eq!(r.json()["posts"], 1);
    // Unknown parameters, bad account types and readers are refused.
    assert_api_error(
        &upload(&e, "ana", "?fmt=cnt", &bad).await,
        400,
        "invalid_input",
    );
    assert_api_error(
        &upload(&e, "ana", "?account_type=Bad%20Type", &coordinated_csv()).await,
        400,
        "invalid_input",
    );
    assert_api_error(
        &upload(&e, "rita", "", &coordinated_csv()).await,
        403,
        "forbidden",
    );
}

#[tokio::test]
async fn job_lifecycle_finds_the_group() {
    let e = world();
    let (job, v) = detect(&e, "ana").await;
    assert_eq!(v["status"], "done", "{v}");
    assert_eq!(v["progress"], 1.0);
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{v}");
    let members: Vec<&str> = groups[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["a", "b", "c"]);
    assert_eq!(groups[0]["networks"][0]["network"], "co_retweet");
    // Bad detection requests.
    for (body, field) in [
        (json!({"dataset": "nope"}), None),
        (
            json!({"dataset": v["dataset"], "networks": ["co_nothing"]}),
            Some("networks"),
        ),
        (
            json!({"dataset": v["dataset"], "window": -1}),
            Some("window"),
        ),
        (
            json!({"dataset": v["dataset"], "similarity": 1.5}),
            Some("similarity"),
        ),
        (json!({"dataset": v["dataset"], "extra": 1}), Some("extra")),
    ] {
        let r = api(
            &e.app,
            Method::POST,
            "/api/v1/detections",
            "ana",
            Some(body),
        )
        .await;
        match field {
            None => {
                assert_api_error(&r, 404, "not_found");
            }
            Some(f) => {
                let v = assert_api_error(&r, 400, "invalid_input");
                assert_eq!(v["field"], f, "{v}");
            }
        }
    }
    // The window can be estimated from the data.
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/detections",
        "ana",
        Some(json!({"dataset": v["dataset"], "networks": "co_retweet", "window": "auto"})),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let auto = wait_done(&e, "ana", r.json()["id"].as_str().unwrap()).await;
    assert!(auto["window"] == "auto", "{auto}");
    assert!(
        auto["status"] == "failed" || auto["window_seconds"].as_f64().is_some(),
        "{auto}"
    );
    let _ = job;
}

#[tokio::test]
async fn another_org_gets_404() {
    let e = world();
    let (job, v) = detect(&e, "ana").await;
    let ds = v["dataset"].as_str().unwrap();
    let r = api(
        &e.app,
        Method::GET,
        &format!("/api/v1/detections/{job}"),
        "olaf",
        None,
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    let r = api(
        &e.app,
        Method::GET,
        &format!("/api/v1/datasets/{ds}"),
        "olaf",
        None,
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/detections",
        "olaf",
        Some(json!({"dataset": ds})),
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    let r = api(
        &e.app,
        Method::POST,
        &format!("/api/v1/detections/{job}/publish"),
        "olaf",
        Some(json!({"groups": ["group-1"], "collection": "cib"})),
    )
    .await;
    assert_api_error(&r, 404, "not_found");
    let r = api(
        &e.app,
        Method::GET,
        &format!("/api/v1/datasets/{ds}"),
        "ana",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

fn collection_id(e: &Env) -> String {
    e.store.collection_by_slug("cib").unwrap().unwrap().id
}

#[tokio::test]
async fn publish_without_disarm_warns_and_stores_stix() {
    let e = world();
    let (job, _) = detect(&e, "ana").await;
    let col = collection_id(&e);
    let uri = format!("/api/v1/detections/{job}/publish");
    let r = api(
        &e.app,
        Method::POST,
        &uri,
        "ana",
        Some(json!({"groups": ["group-9"], "collection": col})),
    )
    .await;
    assert_api_error(&r, 400, "invalid_input");
    let r = api(
        &e.app,
        Method::POST,
        &uri,
        "ana",
        Some(json!({"groups": ["group-1"], "collection": col, "tlp": "purple"})),
    )
    .await;
    let v = assert_api_error(&r, 400, "invalid_input");
    assert_eq!(v["field"], "tlp");
    let r = api(
        &e.app,
        Method::POST,
        &uri,
        "ana",
        Some(json!({"groups": ["group-1"], "collection": col})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert!(v["technique"].is_null());
    assert!(v["warning"].as_str().unwrap().contains("DISARM"));
    assert_eq!(v["status"]["failure_count"], 0, "{v}");
    // 3 accounts, campaign, grouping, note.
    assert_eq!(v["status"]["success_count"], 6, "{v}");
    let ana = e.hub.principal_for("ana").unwrap();
    let objs = full_read(&e, &ana, &col);
    let grouping = objs.iter().find(|o| o["type"] == "grouping").unwrap();
    assert_eq!(grouping["context"], "suspicious-activity");
    assert_eq!(grouping["object_refs"].as_array().unwrap().len(), 4);
    for o in &objs {
        assert_eq!(o["object_marking_refs"], json!([stix::TLP2_AMBER]), "{o}");
    }
}

#[tokio::test]
async fn publish_with_disarm_relates_the_technique() {
    let e = world();
    let ana = e.hub.principal_for("ana").unwrap();
    // The DISARM bundle is imported into a collection "disarm" readable by gov.
    e.hub
        .add_collection(Actor::Operator, "disarm", "DISARM", "", None)
        .unwrap();
    e.hub.grant(Actor::Operator, "gov", "disarm", RW).unwrap();
    let disarm = e.store.collection_by_slug("disarm").unwrap().unwrap().id;
    let bundle: Value = serde_json::from_slice(&std::fs::read(disarm_bundle()).unwrap()).unwrap();
    let aps: Vec<Value> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        // The marking definition the techniques reference goes with them: the hub refuses
        // references to markings it does not know.
        .filter(|o| {
            o["type"] == "attack-pattern"
                || o["type"] == "identity"
                || o["type"] == "marking-definition"
        })
        .cloned()
        .collect();
    let st = e.hub.add_objects(&ana, &disarm, aps).unwrap();
    assert_eq!(st.failure_count, 0, "{st}");
    let (job, _) = detect(&e, "ana").await;
    let col = collection_id(&e);
    let r = api(
        &e.app,
        Method::POST,
        &format!("/api/v1/detections/{job}/publish"),
        "ana",
        Some(json!({"groups": ["group-1"], "collection": col, "tlp": "GREEN"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["technique"]["name"], "Flood Information Space");
    assert_eq!(v["status"]["success_count"], 7, "{v}");
    let objs = full_read(&e, &ana, &col);
    let rel = objs.iter().find(|o| o["type"] == "relationship").unwrap();
    assert_eq!(rel["relationship_type"], "uses");
    assert_eq!(rel["target_ref"], v["technique"]["id"]);
    assert_eq!(rel["source_ref"], v["published"][0]["campaign"]);
    let note = objs.iter().find(|o| o["type"] == "note").unwrap();
    assert!(note["content"].as_str().unwrap().contains("co_retweet"));
    assert_eq!(note["created_by_ref"], ana.org.identity_id.as_str());
    // Accounts get deterministic ids.
    let acct = objs.iter().find(|o| o["type"] == "user-account").unwrap();
    assert_eq!(
        acct["id"].as_str().unwrap(),
        detect::user_account_id(
            Some("twitter"),
            acct["user_id"].as_str().unwrap(),
            acct["account_login"].as_str()
        )
    );
    for o in &objs {
        assert_eq!(o["object_marking_refs"], json!([stix::TLP2_GREEN]), "{o}");
    }
}

/// `n` posts by 300 accounts, one a second: co_post with a huge window runs for a long time.
fn slow_csv(n: usize) -> String {
    let mut s = HEADER.to_string();
    for i in 0..n {
        s.push_str(&format!("m{i},u{},n{},,,text {i},{i},\n", i % 300, i % 300));
    }
    s
}

async fn status_of(e: &Env, user: &str, job: &str) -> Value {
    let r = api(
        &e.app,
        Method::GET,
        &format!("/api/v1/detections/{job}"),
        user,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["status"].clone()
}

#[tokio::test]
async fn cancel_stops_a_running_job_and_only_its_org_may() {
    let e = world();
    let r = upload(&e, "ana", "", &slow_csv(20_000)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let ds = r.json()["id"].as_str().unwrap().to_string();
    let body = json!({"dataset": ds, "networks": ["co_post"], "window": 1e9, "min_weight": 1});
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/detections",
        "ana",
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let job = r.json()["id"].as_str().unwrap().to_string();
    for _ in 0..500 {
        if status_of(&e, "ana", &job).await == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status_of(&e, "ana", &job).await, "running");
    let uri = format!("/api/v1/detections/{job}/cancel");
    assert_api_error(
        &api(&e.app, Method::POST, &uri, "olaf", None).await,
        404,
        "not_found",
    );
    assert_api_error(
        &api(&e.app, Method::POST, &uri, "rita", None).await,
        403,
        "forbidden",
    );
    let r = api(&e.app, Method::POST, &uri, "ana", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut stopped = false;
    for _ in 0..300 {
        if status_of(&e, "ana", &job).await == "cancelled" {
            stopped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(stopped, "the running job stops within 3 s");
    // Four active jobs per organisation; a fifth is 409 and another organisation is unaffected.
    for _ in 0..4 {
        let r = api(
            &e.app,
            Method::POST,
            "/api/v1/detections",
            "ana",
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, 202, "{}", r.text());
    }
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/detections",
        "ana",
        Some(body.clone()),
    )
    .await;
    assert_api_error(&r, 409, "conflict");
    let (_, v) = detect(&e, "olaf").await;
    assert_eq!(v["status"], "done", "{v}");
    assert!(e
        .state
        .detections()
        .shutdown(std::time::Duration::from_secs(10)));
}
