//! Errors: `ServerError` for starting the server, and the two HTTP error shapes (the TAXII
//! error resource and the REST `{"error": {...}}` body) with the mapping from hub errors.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hub::HubError;
use serde_json::{json, Map, Value};

use crate::codes::Code;
use crate::media::TAXII_MEDIA_TYPE;

/// What can go wrong while starting or running the HTTP server.
#[derive(Debug)]
pub enum ServerError {
    /// A non-loopback address was asked for without TLS and without `--insecure-http`.
    InsecureListen {
        /// The address that was refused.
        addr: SocketAddr,
    },
    /// The listen address could not be bound.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A TLS certificate or key file could not be read or used.
    Tls {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Serving failed after start.
    Io(std::io::Error),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::InsecureListen { addr } => write!(
                f,
                "refusing to listen on non-loopback address {addr} without TLS: give --tls-cert \
                 and --tls-key, or pass --insecure-http to serve plain HTTP anyway"
            ),
            ServerError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            ServerError::Tls { path, message } => {
                write!(f, "TLS setup failed for {}: {message}", path.display())
            }
            ServerError::Io(e) => write!(f, "server I/O error: {e}"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Bind { source, .. } => Some(source),
            ServerError::Io(e) => Some(e),
            _ => None,
        }
    }
}

tokio::task_local! {
    /// The id of the request being served, set by the observing middleware.
    pub(crate) static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub(crate) fn request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .unwrap_or_else(|_| "-".to_string())
}

/// The `WWW-Authenticate` challenge sent with every 401.
pub(crate) const CHALLENGE: &str = "Basic realm=\"rrm\", Bearer realm=\"rrm\"";

/// A TAXII 2.1 error resource, always sent as `application/taxii+json;version=2.1`; its status
/// is its code's.
#[derive(Debug)]
pub(crate) struct TaxiiError {
    pub code: Code,
    pub title: &'static str,
    pub description: String,
    pub details: Vec<(&'static str, Value)>,
}

impl TaxiiError {
    pub(crate) fn new(
        code: Code,
        title: &'static str,
        description: impl Into<String>,
    ) -> TaxiiError {
        TaxiiError {
            code,
            title,
            description: description.into(),
            details: Vec::new(),
        }
    }

    /// The HTTP status of the answer.
    pub(crate) fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// Adds a `details` entry.
    pub(crate) fn detail(mut self, key: &'static str, value: impl Into<Value>) -> TaxiiError {
        self.details.push((key, value.into()));
        self
    }

    pub(crate) fn unauthenticated() -> TaxiiError {
        TaxiiError::new(
            Code::Unauthenticated,
            "Authentication required",
            UNAUTHENTICATED_MESSAGE,
        )
    }

    pub(crate) fn not_found(what: impl Into<String>) -> TaxiiError {
        TaxiiError::new(Code::NotFound, "Not found", what)
    }

    pub(crate) fn internal() -> TaxiiError {
        TaxiiError::new(Code::Internal, "Internal error", internal_message())
    }
}

/// The message of every 401.
const UNAUTHENTICATED_MESSAGE: &str =
    "valid credentials are required (HTTP Basic or an rrm API token as Bearer)";

/// The message of every 500: the request id only, never the cause.
fn internal_message() -> String {
    format!("internal error (request id {})", request_id())
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let details: Map<String, Value> = self
            .details
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let body = json!({
            "title": self.title,
            "description": self.description,
            "error_id": request_id(),
            "error_code": self.code.as_str(),
            "http_status": status.as_u16().to_string(),
            "details": Value::Object(details),
        });
        let mut resp = (status, body.to_string()).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(CHALLENGE),
            );
        }
        if self.code == Code::Busy && !headers.contains_key(header::RETRY_AFTER) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_AFTER));
        }
        resp
    }
}

/// The `Retry-After` of a 503 `busy` answer, in seconds.
pub(crate) const BUSY_RETRY_AFTER: u64 = 1;

/// A REST API error: `{"error": {"code", "message", "field"?}}`; its status is its code's.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub code: Code,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The HTTP status of the answer.
    pub(crate) fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            code: Code::InvalidInput,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    pub(crate) fn unauthenticated() -> ApiError {
        ApiError::new(Code::Unauthenticated, UNAUTHENTICATED_MESSAGE)
    }

    pub(crate) fn internal() -> ApiError {
        ApiError::new(Code::Internal, internal_message())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut err = Map::new();
        err.insert("code".into(), Value::from(self.code.as_str()));
        err.insert("message".into(), Value::from(self.message));
        if let Some(field) = self.field {
            err.insert("field".into(), Value::from(field));
        }
        let body = json!({ "error": Value::Object(err) });
        let mut resp = (status, body.to_string()).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(CHALLENGE),
            );
        }
        if self.code == Code::Busy && !headers.contains_key(header::RETRY_AFTER) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_AFTER));
        }
        resp
    }
}

/// The stable code a hub error answers with.
pub(crate) fn hub_code(e: &HubError) -> Code {
    match e {
        HubError::Unauthenticated => Code::Unauthenticated,
        HubError::Forbidden(_) => Code::Forbidden,
        HubError::ExportRefused(_) => Code::ExportRefused,
        HubError::NotFound(_) => Code::NotFound,
        HubError::Invalid { .. } => Code::InvalidInput,
        HubError::BadCursor(_) => Code::BadCursor,
        HubError::Conflict(_) => Code::Conflict,
        HubError::Busy(_) => Code::Busy,
        HubError::Store(_) | HubError::Internal { .. } => Code::Internal,
    }
}

/// The error and its whole source chain, joined by `: `.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

/// Logs an internal failure with its source chain and the request id; the client gets only
/// the request id.
pub(crate) fn log_internal(e: &dyn std::error::Error) {
    tracing::error!(request_id = %request_id(), error = %chain(e), "internal error");
}

impl From<HubError> for TaxiiError {
    fn from(e: HubError) -> TaxiiError {
        let code = hub_code(&e);
        match e {
            HubError::Unauthenticated => TaxiiError::unauthenticated(),
            HubError::Invalid {
                ref field,
                ref message,
            } => TaxiiError::new(code, "Invalid input", format!("invalid {field}: {message}"))
                .detail("field", field.clone()),
            HubError::BadCursor(ref m) => TaxiiError::new(
                code,
                "Invalid paging cursor",
                format!("the next parameter is not a valid paging cursor for this request: {m}"),
            )
            .detail("parameter", "next"),
            HubError::NotFound(ref what) => TaxiiError::not_found(format!("{what} not found")),
            HubError::Forbidden(ref m) | HubError::ExportRefused(ref m) => {
                TaxiiError::new(code, "Forbidden", m.clone())
            }
            HubError::Conflict(ref m) => TaxiiError::new(code, "Conflict", m.clone()),
            HubError::Busy(ref m) => TaxiiError::new(code, "Busy", m.clone()),
            _ => {
                log_internal(&e);
                TaxiiError::internal()
            }
        }
    }
}

impl From<HubError> for ApiError {
    fn from(e: HubError) -> ApiError {
        let code = hub_code(&e);
        match e {
            HubError::Unauthenticated => ApiError::unauthenticated(),
            HubError::Invalid { field, message } => ApiError {
                code,
                message,
                field: Some(field),
            },
            HubError::NotFound(ref what) => ApiError::new(code, format!("{what} not found")),
            HubError::BadCursor(ref m) => ApiError {
                code,
                message: format!("the next parameter is not a valid paging cursor: {m}"),
                field: Some("next".to_string()),
            },
            HubError::Forbidden(ref m)
            | HubError::Conflict(ref m)
            | HubError::Busy(ref m)
            | HubError::ExportRefused(ref m) => ApiError::new(code, m.clone()),
            _ => {
                log_internal(&e);
                ApiError::internal()
            }
        }
    }
}

/// Runs long synchronous work (an export, an import) on the server's bounded worker facility
/// ([`hub::work::Workers`]): a full queue answers 503 `busy` with `Retry-After` at once, and
/// work dropped unrun because the server is stopping answers the same.
pub(crate) async fn long_work<T, F>(work: &hub::work::Workers, f: F) -> Result<T, HubError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, HubError> + Send + 'static,
{
    long_work_typed(work, f).await
}

/// [`long_work`] for a service call with its own error type (`banks::Error`, ...).
pub(crate) async fn long_work_typed<T, E, F>(work: &hub::work::Workers, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<HubError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    work.try_submit(move |_| {
        let _ = tx.send(f());
    })
    .map_err(|b| E::from(b.into()))?;
    match rx.await {
        Ok(r) => r,
        Err(_) => Err(HubError::Busy("the hub is shutting down".to_string()).into()),
    }
}

/// [`long_work`] for one step of work already admitted (a chunk of a streamed export): a
/// full queue is waited out, for up to 10 s, rather than failing the stream.
pub(crate) async fn long_work_step<T, F>(work: &hub::work::Workers, f: F) -> Result<T, HubError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    // The step stays here while the queue is full, so it can be offered again.
    let cell = Arc::new(std::sync::Mutex::new(Some(f)));
    loop {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let run = cell.clone();
        let offered = work.try_submit(move |_| {
            let step = run.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(step) = step {
                let _ = tx.send(step());
            }
        });
        match offered {
            Ok(()) => {
                return rx
                    .await
                    .map_err(|_| HubError::Busy("the hub is shutting down".to_string()))
            }
            Err(b) if b.closing || tokio::time::Instant::now() >= deadline => return Err(b.into()),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
}

/// Runs a synchronous hub call on the blocking pool; a worker that panicked or was cancelled
/// is an internal error.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, HubError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, HubError> + Send + 'static,
{
    blocking_typed(f).await
}

/// [`blocking`] for a service call with its own error type (`banks::Error`, ...).
pub(crate) async fn blocking_typed<T, E, F>(f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<HubError> + Send + 'static,
    F: FnOnce() -> Result<T, E> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(HubError::internal("a blocking worker task failed", e).into()),
    }
}

#[cfg(test)]
mod work_tests {
    use super::*;

    /// A full worker facility answers 503 `busy` with `Retry-After` at once.
    #[tokio::test]
    async fn a_full_work_queue_answers_503_busy() {
        let work = hub::work::Workers::new(
            "t",
            hub::work::WorkConfig {
                workers: 1,
                queue: 0,
            },
        );
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let pool = work.clone();
        let held = tokio::spawn(async move {
            long_work(&pool, move || {
                let _ = wait.recv();
                Ok(1)
            })
            .await
        });
        while work.running() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let err = long_work(&work, || Ok(2)).await.unwrap_err();
        let resp = ApiError::from(err).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            resp.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from(BUSY_RETRY_AFTER))
        );
        release.send(()).unwrap();
        assert_eq!(held.await.unwrap().unwrap(), 1);
        // A streamed step waits for the worker instead of failing.
        assert_eq!(long_work_step(&work, || 3).await.unwrap(), 3);
        assert!(work.shutdown(std::time::Duration::from_secs(5)));
        let closed = long_work(&work, || Ok(4)).await.unwrap_err();
        assert_eq!(closed.code(), "busy");
    }
}
