//! Shared helpers of the server's integration tests: a real hub on a SQLite file behind the
//! real router, driven with `tower::ServiceExt::oneshot`.
#![allow(dead_code, unused_imports)]

use hub::Actor;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use base64::Engine as _;
use hub::{Hub, HubConfig, Principal};
use serde_json::{json, Value};
use server::{AppState, ServerConfig, Services};
use store::{Role, Sector};
use store_sqlite::SqliteStore;
use tower::ServiceExt;

pub use test_support::{granular, indicator, marked, new_id, ts, with_recipients, RO, RW};

pub const TAXII: &str = "application/taxii+json;version=2.1";

/// A hub on a fresh SQLite file behind the router; the tempdir lives as long as this. The
/// test holds the store itself (the server holds none).
pub struct Env {
    pub hub: Hub,
    pub store: Arc<SqliteStore>,
    pub app: Router,
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

pub fn env() -> Env {
    env_with(ServerConfig::default())
}

/// `env()` whose case service has the shared data folder's DISARM countermeasure galaxy.
pub fn env_with_galaxy() -> Env {
    let mut e = env();
    let path = test_data::shared("data/disarm/misp-galaxy-disarm-countermeasures.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let galaxy = response::counters::CounterGalaxy::parse(&text).expect("galaxy");
    let services = Services {
        hub: e.hub.clone(),
        banks: banks::Banks::new(e.hub.clone(), e.store.clone()).expect("banks"),
        ads: ads::Ads::new(e.hub.clone(), e.store.clone()),
        detect_store: e.store.clone(),
        alerts: alerts::Alerts::new(e.hub.clone(), e.store.clone()),
        notify: notify::Notifier::new(e.store.clone(), notify::NotifyConfig::default()),
        cases: cases::Cases::new(e.hub.clone(), e.store.clone(), galaxy)
            .with_alerts(e.store.clone()),
        breaches: breaches::Breaches::new(e.hub.clone(), e.store.clone()),
        notices: notices::Notices::new(e.hub.clone(), e.store.clone()),
    };
    e.state = AppState::new(services, ServerConfig::default());
    e.app = server::router(e.state.clone());
    e
}

pub fn env_with(config: ServerConfig) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(&dir.path().join("rrm.db")).expect("open store"));
    let hub = Hub::new(store.clone(), HubConfig::new([7u8; 32])).expect("hub");
    let services = Services {
        hub: hub.clone(),
        banks: banks::Banks::new(hub.clone(), store.clone()).expect("banks"),
        ads: ads::Ads::new(hub.clone(), store.clone()),
        detect_store: store.clone(),
        alerts: alerts::Alerts::new(hub.clone(), store.clone()),
        notify: notify::Notifier::new(store.clone(), notify::NotifyConfig::default()),
        cases: cases::Cases::without_galaxy(hub.clone(), store.clone()).with_alerts(store.clone()),
        breaches: breaches::Breaches::new(hub.clone(), store.clone()),
        notices: notices::Notices::new(hub.clone(), store.clone()).with_cases(store.clone()),
    };
    let state = AppState::new(services, config);
    let app = server::router(state.clone());
    Env {
        hub,
        store,
        app,
        state,
        dir,
    }
}

/// The password every test user gets: `password-<username>`.
pub fn password(user: &str) -> String {
    format!("password-{user}")
}

/// Creates the org if needed and a user with password `password-<user>`.
pub fn user(e: &Env, org: &str, name: &str, role: Role) -> Principal {
    if e.hub.org_by_slug(org).unwrap().is_none() {
        e.hub
            .add_org(
                Actor::Operator,
                org,
                &format!("Org {org}"),
                Sector::Government,
                "fr",
            )
            .unwrap();
    }
    e.hub
        .add_user(Actor::Operator, org, name, role, Some(&password(name)))
        .unwrap();
    e.hub.principal_for(name).unwrap()
}

pub fn basic(user: &str) -> String {
    let raw = format!("{user}:{}", password(user));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A response: status, headers and body bytes.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or("").to_string())
    }
    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }
}

/// Sends one request through the router.
pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    let resp = app
        .clone()
        .oneshot(req)
        .await
        .expect("router is infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// A request builder with optional Basic credentials.
pub fn request(method: Method, uri: &str, user: Option<&str>) -> axum::http::request::Builder {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "rrm.test");
    if let Some(u) = user {
        b = b.header("authorization", basic(u));
    }
    b
}

/// GET as a user with the TAXII Accept header.
pub async fn taxii_get(app: &Router, uri: &str, user: &str) -> Resp {
    let req = request(Method::GET, uri, Some(user))
        .header("accept", TAXII)
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

/// POSTs an envelope of objects as a user.
pub async fn taxii_post(app: &Router, collection: &str, user: &str, objects: &[Value]) -> Resp {
    let uri = format!("/taxii2/hub/collections/{collection}/objects/");
    let body = json!({ "objects": objects }).to_string();
    let req = request(Method::POST, &uri, Some(user))
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

/// Sends a JSON REST request as a user.
pub async fn api(app: &Router, method: Method, uri: &str, user: &str, body: Option<Value>) -> Resp {
    let b = request(method, uri, Some(user));
    let req = match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    send(app, req).await
}

/// Every version of every object the principal may see, read through the hub (the
/// "full read" that bad input must leave unchanged).
pub fn full_read(e: &Env, p: &Principal, collection: &str) -> Vec<Value> {
    let f = hub::ObjectFilter {
        versions: store::VersionFilter::all(),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = e
            .hub
            .get_objects(p, collection, &f, Some(500), next.as_deref())
            .unwrap();
        out.extend(page.objects);
        if !page.more {
            return out;
        }
        next = page.next;
    }
}

/// Asserts a TAXII error response: status, media type, body fields, `http_status` equal to
/// the real status.
pub fn assert_taxii_error(r: &Resp, status: u16) -> Value {
    assert_eq!(r.status.as_u16(), status, "body: {}", r.text());
    assert_eq!(r.content_type(), TAXII, "TAXII media type on a {status}");
    let v = r.json();
    assert_eq!(v["http_status"], status.to_string(), "{v}");
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(
        v["description"].as_str().is_some_and(|t| !t.is_empty()),
        "{v}"
    );
    assert!(v["error_id"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    assert!(v["error_code"].as_str().is_some(), "{v}");
    assert!(v["details"].is_object(), "{v}");
    v
}

/// Asserts a REST error response and returns the `error` object.
pub fn assert_api_error(r: &Resp, status: u16, code: &str) -> Value {
    assert_eq!(r.status.as_u16(), status, "body: {}", r.text());
    assert!(r.content_type().starts_with("application/json"));
    let v = r.json();
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    v["error"].clone()
}

/// The ad registry's two organisations: platform "plat" (analyst "pat", Canada) and election
/// authority "elections-ca" (analyst "eve").
pub fn ad_orgs(e: &Env) {
    e.hub
        .add_org(
            Actor::Operator,
            "plat",
            "Example Social",
            Sector::Platform,
            "ca",
        )
        .unwrap();
    e.hub
        .add_org(
            Actor::Operator,
            "elections-ca",
            "Elections CA",
            Sector::ElectionAuthority,
            "ca",
        )
        .unwrap();
    user(e, "plat", "pat", Role::Analyst);
    user(e, "elections-ca", "eve", Role::Analyst);
}
