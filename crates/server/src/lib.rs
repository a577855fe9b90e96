//! server: the HTTP face of rrm, the only crate that knows HTTP.
//!
//! It is a thin axum layer over the [`hub`] crate:
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
//! # async fn demo(hub: hub::Hub) -> Result<(), server::ServerError> {
//! let state = server::AppState::new(hub, server::ServerConfig::default());
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
mod ads;
mod auth;
mod banks;
mod body;
mod conn;
mod detect;
mod error;
mod filters;
mod listen;
pub mod media;
mod metrics;
mod observe;
pub mod openapi;
mod public;
mod rest;
mod slots;
mod taxii;
mod throttle;
mod timefmt;

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
pub use public::ExportLimits;
pub use throttle::AuthLimits;
pub use timefmt::format_secs;

use error::{blocking, ApiError, TaxiiError};

/// Settings of the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_content_length: 8 * 1024 * 1024,
            title: "rrm".to_string(),
            public_url: None,
            metrics: false,
            auth: AuthLimits::default(),
            exports: ExportLimits::default(),
        }
    }
}

/// The scheme the server is reached with, inserted by [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    Https,
}

/// Everything the handlers share: the hub, the configuration and the metrics.
#[derive(Clone)]
pub struct AppState {
    hub: hub::Hub,
    config: Arc<ServerConfig>,
    metrics: Arc<Metrics>,
    auth: Arc<auth::AuthGate>,
    detections: hub::detect::Detections,
}

impl AppState {
    /// Wraps a hub and a configuration; detection jobs run on a worker pool.
    pub fn new(hub: hub::Hub, config: ServerConfig) -> AppState {
        let detections = hub::detect::Detections::with_workers(
            hub.clone(),
            hub::detect::DetectLimits::default(),
        );
        AppState {
            hub,
            auth: Arc::new(auth::AuthGate::new(config.auth.clone())),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            detections,
        }
    }

    /// The detection service (its jobs are stopped with [`hub::detect::Detections::close`]
    /// and [`hub::detect::Detections::shutdown`] when the server stops).
    pub fn detections(&self) -> &hub::detect::Detections {
        &self.detections
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

/// Builds the complete router: TAXII, REST, OpenAPI, health and metrics.
pub fn router(state: AppState) -> Router {
    let taxii = taxii::routes().route_layer(from_fn_with_state(state.clone(), auth::taxii_guard));
    let api = rest::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .merge(taxii)
        .merge(api)
        .merge(banks::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard)))
        .merge(ads::routes().route_layer(from_fn_with_state(state.clone(), auth::api_guard)))
        .merge(
            detect::routes(&state).route_layer(from_fn_with_state(state.clone(), auth::api_guard)),
        )
        .merge(public::routes(state.config.exports))
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// `GET /healthz`: 200 when the store answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    let hub = state.hub.clone();
    let r = blocking(move || {
        hub.store()
            .collection_by_slug("directory")
            .map_err(hub::HubError::Store)
    })
    .await;
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
        return fallback(uri).await;
    }
    let mut resp = state.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

/// Unknown paths: a TAXII error under `/taxii2/`, the REST error elsewhere.
async fn fallback(uri: Uri) -> Response {
    let path = uri.path();
    if path == "/taxii2" || path.starts_with("/taxii2/") {
        TaxiiError::not_found(format!("no TAXII resource at {path}")).into_response()
    } else {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no resource at {path}"),
        )
        .into_response()
    }
}
