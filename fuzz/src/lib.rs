//! Shared set-up of the fuzz targets that need a hub: one hub over a SQLite store in a
//! temporary directory, behind the real router, built once per process.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use base64::Engine as _;
use hub::{Actor, Hub, HubConfig, Principal};
use server::{AppState, ServerConfig, Services};
use store::{Access, Role, Sector};
use tower::ServiceExt;

/// The collection the fuzzing user may read and write.
pub const COLLECTION: &str = "fuzz";

/// A hub, its router, a runtime to drive it and an authenticated caller.
pub struct World {
    /// The hub.
    pub hub: Hub,
    /// The ad registry over the same store.
    pub ads: ads::Ads,
    /// The complete router over the hub.
    pub app: Router,
    /// The runtime requests run on.
    pub runtime: tokio::runtime::Runtime,
    /// The fuzzing user (an analyst of a platform organisation).
    pub principal: Principal,
    /// Its `Authorization` header value.
    pub authorization: String,
    /// Keeps the store's directory alive for the process.
    _dir: tempfile::TempDir,
}

const USER: &str = "fuzzer";
const PASSWORD: &str = "password-fuzzer";

/// The process's world, built on first use.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(build)
}

fn build() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("rrm.db")).expect("open store"));
    let hub = Hub::new(store.clone(), HubConfig::new([7u8; 32])).expect("hub");
    let ads = ads::Ads::new(hub.clone(), store.clone());
    hub.add_org(
        Actor::Operator,
        "fuzzplat",
        "Fuzz platform",
        Sector::Platform,
        "fr",
    )
    .expect("org");
    hub.add_user(
        Actor::Operator,
        "fuzzplat",
        USER,
        Role::Analyst,
        Some(PASSWORD),
    )
    .expect("user");
    hub.add_collection(Actor::Operator, COLLECTION, "Fuzz", "", None)
        .expect("collection");
    let rw = Access {
        read: true,
        write: true,
    };
    hub.grant(Actor::Operator, "fuzzplat", COLLECTION, rw)
        .expect("grant");
    let principal = hub.principal_for(USER).expect("principal");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let services = Services {
        hub: hub.clone(),
        banks: banks::Banks::new(hub.clone(), store.clone()).expect("banks"),
        ads: ads.clone(),
        detect_store: store.clone(),
        alerts: alerts::Alerts::new(hub.clone(), store.clone()),
        notify: notify::Notifier::new(store.clone(), notify::NotifyConfig::default()),
        cases: cases::Cases::without_galaxy(hub.clone(), store.clone()),
        breaches: breaches::Breaches::new(hub.clone(), store.clone()),
        notices: notices::Notices::new(hub.clone(), store),
    };
    let state = runtime.block_on(async { AppState::new(services, ServerConfig::default()) });
    let app = server::router(state);
    let raw = format!("{USER}:{PASSWORD}");
    let authorization = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    );
    World {
        hub,
        ads,
        app,
        runtime,
        principal,
        authorization,
        _dir: dir,
    }
}

impl World {
    /// Sends one authenticated request through the router and returns its status, after
    /// reading the whole response body.
    pub fn send(&self, method: &str, uri: &str, content_type: &str, body: Vec<u8>) -> u16 {
        let Ok(req) = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", &self.authorization)
            .header("content-type", content_type)
            .header("content-length", body.len())
            .body(Body::from(body))
        else {
            return 0;
        };
        self.runtime.block_on(async {
            let resp = self
                .app
                .clone()
                .oneshot(req)
                .await
                .expect("the router is infallible");
            let status = resp.status().as_u16();
            let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
            status
        })
    }
}

/// Reads `data` as post records of `format`, strict and skipping invalid records; the one
/// body of the three post-reader targets.
pub fn read_posts(format: posts::Format, data: &[u8]) {
    for skip_invalid in [false, true] {
        let mut corpus = coord::Corpus::new();
        let opts = posts::Options {
            skip_invalid,
            format: Some(format),
        };
        let total = data.len() as u64;
        let _ = posts::read_from("fuzz", data, total, format, &mut corpus, &opts, &mut |_| {});
    }
}
