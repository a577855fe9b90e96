//! server: the HTTP face of rrm, the only crate that knows HTTP.
//!
//! It is a thin axum layer over the [`hub`] crate and the service crates ([`banks`], [`ads`],
//! [`detect`], [`notify`]); routes live in `src/routes/<domain>.rs`. It holds no store:
//!
//! - TAXII 2.1 under `/taxii2/` (discovery, the `hub` API root, collections, objects, object
//!   by id, versions, manifest, status), strict about media types (406, 415), sizes (413),
//!   envelopes (422) and filters (400), with the TAXII media type on every response;
//! - the REST administration API under `/api/v1/` with one error shape
//!   `{"error": {"code", "message", "field"?}}` and its OpenAPI 3.1 document at
//!   `/api/v1/openapi.json`;
//! - `GET /healthz` and Prometheus `GET /metrics`;
//! - authentication by HTTP Basic or `Bearer rrm_…` tokens on everything else;
//! - [`serve`]: HTTP on loopback, HTTPS with rustls, graceful shutdown.
//!
//! Hub calls are synchronous; handlers run them with `tokio::task::spawn_blocking`.
//!
//! ```no_run
//! use std::sync::Arc;
//! # async fn demo(services: server::Services) -> Result<(), server::ServerError> {
//! let state = server::AppState::new(services, server::ServerConfig::default());
//! let app = server::router(state);
//! let listen = server::Listen {
//!     addr: "127.0.0.1:0".parse().unwrap(),
//!     tls: None,
//!     insecure_http: false,
//! };
//! server::serve(app, listen, |addr| println!("listening on {addr}"), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```
//!
//! The media-type rules can be used on their own:
//!
//! ```
//! assert!(server::media::accept_admits_taxii(Some("application/taxii+json;version=2.1")));
//! assert!(!server::media::accept_admits_taxii(Some("text/html")));
//! ```

mod accounts_openapi;
mod auth;
mod body;
pub mod codes;
mod conn;
mod console;
mod error;
mod filters;
mod form;
mod listen;
pub mod media;
mod metrics;
mod observe;
pub mod openapi;
mod routes;
mod slots;
mod throttle;
pub mod transport;

use crate::codes::Code;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

pub use error::ServerError;
pub use filters::check_taxii_query;
pub use listen::{serve, serve_with, ConnLimits, Listen, TlsFiles};
pub use metrics::Metrics;
pub use routes::ads::public::{ExportLimits, PublicRate};
pub use throttle::AuthLimits;

use error::{blocking, ApiError, TaxiiError};

/// The default largest TAXII POST body, in bytes (8 MiB).
pub const DEFAULT_MAX_CONTENT_LENGTH: usize = 8 * 1024 * 1024;

/// The default title of TAXII discovery and the API root.
pub const DEFAULT_TITLE: &str = "rrm";

/// Settings of the HTTP layer.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// The largest TAXII POST body, in bytes (default 8 MiB); advertised in the API root.
    pub max_content_length: usize,
    /// The title shown in discovery and the API root.
    pub title: String,
    /// The base URL (e.g. `https://rrm.example.org`) used in discovery; when `None` it is
    /// built from the request's scheme and `Host` header.
    pub public_url: Option<String>,
    /// Whether `GET /metrics` is served (off by default: it tells anyone the load and
    /// routes of the hub).
    pub metrics: bool,
    /// Bounds on credential checking and the failure backoff.
    pub auth: AuthLimits,
    /// Bounds on concurrent election exports under `/public/`.
    pub exports: ExportLimits,
    /// The rate limit of the public routes, per client address.
    pub public_rate: PublicRate,
    /// Bounds of coordination detection (datasets, jobs, workers).
    pub detect: detect::DetectLimits,
    /// The worker facility of exports and imports (bank entries, ad violations, election
    /// exports): its workers and queue.
    pub work: hub::work::WorkConfig,
    /// How long a console session lasts (idle and in all).
    pub sessions: hub::SessionLimits,
}

/// The default worker facility of exports and imports: 2 workers, 32 waiting tasks.
pub const DEFAULT_WORK: hub::work::WorkConfig = hub::work::WorkConfig {
    workers: 2,
    queue: 32,
};

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_content_length: DEFAULT_MAX_CONTENT_LENGTH,
            title: DEFAULT_TITLE.to_string(),
            public_url: None,
            metrics: false,
            auth: AuthLimits::default(),
            exports: ExportLimits::default(),
            public_rate: PublicRate::default(),
            detect: detect::DetectLimits::default(),
            work: DEFAULT_WORK,
            sessions: hub::SessionLimits::default(),
        }
    }
}

/// The scheme the server is reached with, inserted by [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    Https,
}

/// The domain services the routes call: the hub (accounts and objects) and the service
/// crates built on it, and the store of detection datasets and jobs (handed to the detection
/// service; the server never calls it).
#[derive(Clone)]
pub struct Services {
    /// Accounts, objects, TAXII.
    pub hub: hub::Hub,
    /// Hash banks.
    pub banks: banks::Banks,
    /// The ad registry and its public archive.
    pub ads: ads::Ads,
    /// Where detection datasets and jobs are stored.
    pub detect_store: Arc<dyn store::DetectStore>,
    /// Alerts between partners and groups of organisations.
    pub alerts: alerts::Alerts,
    /// Notifications: webhooks, e-mail contacts and the outbox (its delivery workers are
    /// started by the binary, with the network transports of [`transport`]).
    pub notify: notify::Notifier,
    /// Response cases.
    pub cases: cases::Cases,
    /// Breach and personal-data-misuse reports.
    pub breaches: breaches::Breaches,
    /// Notices to platforms and ISPs.
    pub notices: notices::Notices,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("hub", &self.hub)
            .field("banks", &self.banks)
            .field("ads", &self.ads)
            .finish_non_exhaustive()
    }
}

/// Everything the handlers share: the services, the configuration and the metrics.
#[derive(Clone)]
pub struct AppState {
    hub: hub::Hub,
    banks: banks::Banks,
    ads: ads::Ads,
    config: Arc<ServerConfig>,
    metrics: Arc<Metrics>,
    auth: Arc<auth::AuthGate>,
    detections: detect::Detections,
    work: hub::work::Workers,
    alerts: alerts::Alerts,
    notify: notify::Notifier,
    cases: cases::Cases,
    breaches: breaches::Breaches,
    notices: notices::Notices,
}

impl AppState {
    /// Wraps the services and a configuration; detection jobs run on a worker pool (jobs a
    /// stopped process left active are marked failed), exports and imports on another.
    pub fn new(services: Services, config: ServerConfig) -> AppState {
        let Services {
            hub,
            banks,
            ads,
            detect_store,
            alerts,
            notify,
            cases,
            breaches,
            notices,
        } = services;
        let detections = detect::Detections::with_workers(hub.clone(), detect_store, config.detect)
            .notifying(notify.clone());
        let notices = notices
            .with_banks(banks.clone())
            .with_detections(detections.clone());
        let work = hub::work::Workers::new("work", config.work);
        AppState {
            hub,
            banks,
            ads,
            work,
            auth: Arc::new(auth::AuthGate::new(config.auth.clone())),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            detections,
            alerts,
            notify,
            cases,
            breaches,
            notices,
        }
    }

    /// The alerts service (where a notifier of alert changes is set).
    pub fn alerts(&self) -> &alerts::Alerts {
        &self.alerts
    }

    /// The response case service.
    pub fn cases(&self) -> &cases::Cases {
        &self.cases
    }

    /// The breach report service.
    pub fn breaches(&self) -> &breaches::Breaches {
        &self.breaches
    }

    /// The notices service.
    pub fn notices(&self) -> &notices::Notices {
        &self.notices
    }

    /// The detection service (its jobs are stopped with [`detect::Detections::close`]
    /// and [`detect::Detections::shutdown`] when the server stops).
    pub fn detections(&self) -> &detect::Detections {
        &self.detections
    }

    /// The worker facility of exports and imports (closed and joined when the server stops).
    pub fn work(&self) -> &hub::work::Workers {
        &self.work
    }

    /// The notification service.
    pub fn notify(&self) -> &notify::Notifier {
        &self.notify
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

/// Builds the complete router: TAXII, REST, OpenAPI, health and metrics.
pub fn router(state: AppState) -> Router {
    let taxii =
        routes::taxii::routes().route_layer(from_fn_with_state(state.clone(), auth::taxii_guard));
    let api =
        routes::accounts::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .merge(taxii)
        .merge(api)
        .merge(
            routes::objects::routes()
                .route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::banks::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::audit::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::ads::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::cases::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::detect::routes(&state)
                .route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::alerts::routes()
                .route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::breaches::routes()
                .route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::notices::routes()
                .route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(
            routes::notify::routes()
                .route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(routes::ads::public::routes(
            state.config.public_rate,
            state.config.exports,
        ))
        .merge(console::routes())
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// `GET /healthz`: 200 when the store answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    let hub = state.hub.clone();
    let r = blocking(move || hub.check_health()).await;
    match r {
        Ok(_) => (StatusCode::OK, axum::Json(json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format, when enabled (else 404 like any unknown path).
async fn metrics(State(state): State<AppState>, uri: Uri) -> Response {
    if !state.config.metrics {
        return fallback(uri, axum::http::HeaderMap::new()).await;
    }
    let mut resp = state.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

/// Unknown paths: a TAXII error under `/taxii2/`, the REST error under `/api/`, and the
/// console's HTML error page for a browser (an `Accept` that names `text/html`).
async fn fallback(uri: Uri, headers: axum::http::HeaderMap) -> Response {
    let path = uri.path();
    let browser = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if browser && !path.starts_with("/api/") && !path.starts_with("/taxii2") {
        return console::not_found_page(&headers, &uri).await;
    }
    if path == "/taxii2" || path.starts_with("/taxii2/") {
        TaxiiError::not_found(format!("no TAXII resource at {path}")).into_response()
    } else {
        ApiError::new(Code::NotFound, format!("no resource at {path}")).into_response()
    }
}
