//! Structured logs: one span per request with method, route template, status, latency and
//! request id; credentials never appear.

use hub::Actor;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Method;
use store::Role;

use crate::common::*;

/// A `MakeWriter` that appends every log line to a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// The JSON log lines of this test binary, captured by a global subscriber set once.
fn capture() -> Capture {
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = Capture::default();
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(capture.clone())
                .finish();
            // Global, so that callsites registered by other tests of this binary are seen
            // too; the lines of each test are told apart by their request ids.
            tracing::subscriber::set_global_default(subscriber).expect("only this sets one");
            capture
        })
        .clone()
}

/// The captured log lines.
fn log_lines(capture: &Capture) -> Vec<serde_json::Value> {
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("JSON log line"))
        .collect()
}

#[tokio::test]
async fn one_span_per_request_and_no_credentials() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let token = e.hub.create_token(Actor::Operator, "alice", "t").unwrap();
    let capture = capture();

    let r = taxii_get(&e.app, "/taxii2/hub/collections/", "alice").await;
    assert_eq!(r.status, 200);
    let rid = r.header("x-request-id").unwrap();
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let req = request(Method::GET, "/api/v1/whoami", None)
        .header("authorization", format!("Bearer {token}"))
        .header("x-request-id", "client-chosen-id")
        .body(Body::empty())
        .unwrap();
    let r = send(&e.app, req).await;
    assert_eq!(
        r.header("x-request-id").as_deref(),
        Some("client-chosen-id")
    );
    let bad = request(Method::GET, "/taxii2/", None)
        .header("authorization", basic("mallory"))
        .body(Body::empty())
        .unwrap();
    let r = send(&e.app, bad).await;
    assert_eq!(r.status, 401);
    let bad_rid = r.header("x-request-id").unwrap();

    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON log line"))
        .collect();
    let finished: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "request finished")
        .filter(|l| {
            let id = l["span"]["request_id"].as_str().unwrap_or("");
            id == rid || id == "client-chosen-id" || id == bad_rid
        })
        .collect();
    assert_eq!(finished.len(), 3, "{text}");
    let first = finished[0];
    assert_eq!(first["span"]["route"], "/taxii2/hub/collections/");
    assert_eq!(first["span"]["method"], "GET");
    assert_eq!(first["span"]["request_id"], rid.as_str());
    assert_eq!(first["fields"]["status"], 200);
    assert!(first["fields"]["latency_ms"].as_f64().is_some());
    assert_eq!(finished[1]["span"]["request_id"], "client-chosen-id");
    assert_eq!(finished[2]["fields"]["status"], 401);
    for secret in [
        password("alice"),
        password("mallory"),
        token.clone(),
        basic("alice")[6..].to_string(),
    ] {
        assert!(!text.contains(&secret), "a credential was logged");
    }
}

#[tokio::test]
async fn corrupt_stored_json_is_a_500_internal_with_the_cause_only_in_the_log() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let col = e
        .hub
        .add_collection(Actor::Operator, "corrupt", "Corrupt", "", None)
        .unwrap();
    e.hub.grant(Actor::Operator, "gov-a", &col.id, RW).unwrap();
    let id = new_id("indicator");
    let r = taxii_post(&e.app, &col.id, "alice", &[indicator(&id, 1)]).await;
    assert_eq!(r.status, 202, "{}", r.text());
    let capture = capture();

    // Garbage in the stored row, written behind the store's back.
    let db = rusqlite::Connection::open(e.dir.path().join("rrm.db")).unwrap();
    let n = db
        .execute(
            "UPDATE objects SET json = '{\"id\": broken' WHERE id = ?1",
            [&id],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(db);

    let taxii = taxii_get(
        &e.app,
        &format!("/taxii2/hub/collections/{}/objects/", col.id),
        "alice",
    )
    .await;
    let v = assert_taxii_error(&taxii, 500);
    assert_eq!(v["error_code"], "internal");
    let rest = api(
        &e.app,
        Method::GET,
        &format!("/api/v1/collections/{}/objects", col.id),
        "alice",
        None,
    )
    .await;
    let err = assert_api_error(&rest, 500, "internal");
    for r in [&taxii, &rest] {
        let rid = r.header("x-request-id").unwrap();
        let body = r.text();
        // The body says only that it failed and under which request id.
        assert!(body.contains(&rid), "{body}");
        for secret in ["JSON", "expected value", "broken", &id, "stored object"] {
            assert!(!body.contains(secret), "{secret:?} leaked: {body}");
        }
        let lines = log_lines(&capture);
        let logged = lines
            .iter()
            .find(|l| {
                l["fields"]["message"] == "internal error"
                    && l["fields"]["request_id"] == rid.as_str()
            })
            .unwrap_or_else(|| panic!("no internal error logged for {rid}"));
        let chain = logged["fields"]["error"].as_str().unwrap();
        // The hub's context and the parser's own error, joined.
        assert!(
            chain.starts_with("internal failure: stored object"),
            "{chain}"
        );
        assert!(chain.contains(&id), "{chain}");
        assert!(
            chain.contains("is not valid JSON: expected value"),
            "{chain}"
        );
    }
    assert_eq!(
        err["message"],
        format!(
            "internal error (request id {})",
            rest.header("x-request-id").unwrap()
        )
    );
}
