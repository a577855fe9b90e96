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

#[tokio::test]
async fn one_span_per_request_and_no_credentials() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let token = e.hub.create_token(Actor::Operator, "alice", "t").unwrap();
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(capture.clone())
        .finish();
    // Global, so that callsites registered by other tests of this binary are seen too; the
    // lines of this test are told apart by their request ids.
    tracing::subscriber::set_global_default(subscriber).expect("only this test sets one");

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
