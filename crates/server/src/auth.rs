//! Authentication middleware: HTTP Basic and `Bearer rrm_…` tokens, checked by the hub.
//! Failures answer 401 with a `WWW-Authenticate` challenge and never say which part was
//! wrong; credentials are never logged. Verifications are bounded and failures throttled
//! (see `throttle`): a throttled request answers 429 `rate_limited` with `Retry-After`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hub::HubError;

use crate::codes::Code;
use crate::error::{blocking, ApiError, TaxiiError};
use crate::media::{accept_admits_taxii, TAXII_MEDIA_TYPE};
use crate::throttle::{Key, Throttle};
use crate::AppState;

/// The verification slots and the failure counters shared by every request.
pub(crate) struct AuthGate {
    slots: Arc<tokio::sync::Semaphore>,
    throttle: Throttle,
}

impl AuthGate {
    pub(crate) fn new(limits: crate::AuthLimits) -> AuthGate {
        AuthGate {
            slots: Arc::new(tokio::sync::Semaphore::new(limits.max_concurrent.max(1))),
            throttle: Throttle::new(limits),
        }
    }
}

/// Takes an argon2 slot for an authenticated handler that hashes or verifies a secret
/// (password changes, new tokens, new users with a password), so that those share the bound
/// on concurrent argon2 work; `account` (a username) is also checked against the failure
/// backoff. The error is the 429 answer.
pub(crate) async fn argon2_slot(
    state: &AppState,
    account: Option<&str>,
) -> Result<tokio::sync::OwnedSemaphorePermit, Response> {
    let gate = &state.auth;
    let keys: Vec<Key> = account
        .map(|a| Key::Account(format!("user:{a}")))
        .into_iter()
        .collect();
    let refuse = |secs: u64| {
        state.metrics.add_auth_throttled();
        api_throttled(secs)
    };
    if let Err(secs) = gate.throttle.check(&keys, Instant::now()) {
        return Err(refuse(secs));
    }
    let wait = gate.throttle.limits().queue_wait;
    match tokio::time::timeout(wait, gate.slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(refuse(wait.as_secs().max(1))),
    }
}

/// Counts a wrong current password given for `username` like a failed login.
pub(crate) fn wrong_current_password(state: &AppState, username: &str) {
    state.metrics.add_auth_failure();
    state
        .auth
        .throttle
        .failed(&[Key::Account(format!("user:{username}"))], Instant::now());
}

/// Why a request was not authenticated.
enum Refusal {
    /// A hub error (`Unauthenticated`, or internal).
    Hub(HubError),
    /// Throttled: retry after this many seconds.
    Throttled(u64),
}

impl From<HubError> for Refusal {
    fn from(e: HubError) -> Refusal {
        Refusal::Hub(e)
    }
}

/// Counts a verification in flight until dropped (also when the client goes away).
struct InFlight(Arc<crate::Metrics>);

impl InFlight {
    fn start(metrics: Arc<crate::Metrics>) -> InFlight {
        metrics.verification_started();
        InFlight(metrics)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.verification_finished();
    }
}

/// The client address of a request, if the server knows it.
fn client_ip(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Adds `Retry-After` to a response.
fn retry_after(mut resp: Response, secs: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The REST 429 answer with `Retry-After`.
fn api_throttled(secs: u64) -> Response {
    retry_after(
        ApiError::new(Code::RateLimited, throttled_message(secs)).into_response(),
        secs,
    )
}

fn throttled_message(secs: u64) -> String {
    format!("too many failed or concurrent authentication attempts; retry in {secs} s")
}

/// Credentials found in an `Authorization` header.
enum Credentials {
    Basic { username: String, password: String },
    Bearer(String),
}

fn parse_authorization(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        Some(Credentials::Basic {
            username: username.to_string(),
            password: password.to_string(),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        Some(Credentials::Bearer(rest.to_string()))
    } else {
        None
    }
}

/// Authenticates the request's credentials with the hub: recently verified credentials at
/// once, others through a bounded verification slot unless the address or account is
/// throttled.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    ip: Option<IpAddr>,
) -> Result<Arc<hub::Principal>, Refusal> {
    let Some(creds) = parse_authorization(headers) else {
        return Err(Refusal::Hub(HubError::Unauthenticated));
    };
    authenticate_credentials(state, creds, ip).await
}

/// Why the console's sign-in form was refused.
pub(crate) enum LoginRefusal {
    /// Wrong username or password (never says which), or a disabled account.
    Wrong,
    /// Too many failures: retry after this many seconds.
    Throttled(u64),
    /// The hub failed.
    Internal(HubError),
}

/// Checks the console sign-in form's username and password exactly as HTTP Basic is checked:
/// the same bounded verification slots, the same failure counters per address and account.
pub(crate) async fn authenticate_password(
    state: &AppState,
    username: String,
    password: String,
    ip: Option<IpAddr>,
) -> Result<Arc<hub::Principal>, LoginRefusal> {
    match authenticate_credentials(state, Credentials::Basic { username, password }, ip).await {
        Ok(p) => Ok(p),
        Err(Refusal::Throttled(secs)) => Err(LoginRefusal::Throttled(secs)),
        Err(Refusal::Hub(HubError::Unauthenticated)) => Err(LoginRefusal::Wrong),
        Err(Refusal::Hub(e)) => Err(LoginRefusal::Internal(e)),
    }
}

/// The client address of a request's parts, if the server knows it.
pub(crate) fn parts_client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

async fn authenticate_credentials(
    state: &AppState,
    creds: Credentials,
    ip: Option<IpAddr>,
) -> Result<Arc<hub::Principal>, Refusal> {
    // Failures count against the client address (an IPv6 client by its /64) and, for
    // passwords, against the account. A token's lookup id is public and its secret is 128
    // random bits, so tokens are throttled by address only: nobody can lock a token out.
    let address = Key::Address(ip.map(crate::slots::client_key));
    let keys = match &creds {
        Credentials::Basic { username, .. } => {
            vec![address, Key::Account(format!("user:{username}"))]
        }
        Credentials::Bearer(_) => vec![address],
    };
    let gate = state.auth.clone();
    let metrics = state.metrics.clone();

    // Recently verified credentials cost no argon2 and are never throttled.
    let hub = state.hub.clone();
    let fast = match &creds {
        Credentials::Basic { username, password } => {
            let (u, p) = (username.clone(), password.clone());
            blocking(move || hub.cached_basic(&u, &p)).await?
        }
        Credentials::Bearer(token) => {
            let t = token.clone();
            blocking(move || hub.cached_token(&t)).await?
        }
    };
    if let Some(p) = fast {
        return Ok(Arc::new(p));
    }

    let refuse = |secs: u64| {
        metrics.add_auth_throttled();
        tracing::info!(retry_after = secs, "authentication throttled");
        Err(Refusal::Throttled(secs))
    };
    if let Err(secs) = gate.throttle.check(&keys, Instant::now()) {
        return refuse(secs);
    }
    let wait = gate.throttle.limits().queue_wait;
    let permit = match tokio::time::timeout(wait, gate.slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => return refuse(wait.as_secs().max(1)),
    };
    // Failures recorded while this request waited count too.
    if let Err(secs) = gate.throttle.check(&keys, Instant::now()) {
        drop(permit);
        return refuse(secs);
    }
    let in_flight = InFlight::start(metrics.clone());
    let hub = state.hub.clone();
    let principal = blocking(move || {
        let _permit = permit;
        match creds {
            Credentials::Basic { username, password } => {
                hub.authenticate_basic(&username, &password)
            }
            Credentials::Bearer(token) => hub.authenticate_token(&token),
        }
    })
    .await;
    drop(in_flight);
    match principal {
        Ok(p) => {
            if let Some(account) = keys.get(1) {
                gate.throttle.succeeded(account);
            }
            Ok(Arc::new(p))
        }
        Err(e) => {
            if matches!(e, HubError::Unauthenticated) {
                metrics.add_auth_failure();
                gate.throttle.failed(&keys, Instant::now());
                tracing::info!("authentication failed");
            }
            Err(Refusal::Hub(e))
        }
    }
}

/// The authenticated caller, put in the request by the guards. Every authenticated handler
/// takes it; on a route the guard did not run on it answers the standard 401 (the TAXII error
/// under `/taxii2/`, the REST error elsewhere), never a 500.
pub(crate) struct Principal(pub Arc<hub::Principal>);

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        if let Some(p) = parts.extensions.get::<Arc<hub::Principal>>() {
            return Ok(Principal(Arc::clone(p)));
        }
        let path = parts.uri.path();
        tracing::warn!(
            path,
            "an authenticated route ran without the authentication guard"
        );
        Err(if path == "/taxii2" || path.starts_with("/taxii2/") {
            TaxiiError::unauthenticated().into_response()
        } else {
            ApiError::unauthenticated().into_response()
        })
    }
}

/// Guards TAXII routes: 406 for an `Accept` that does not admit the TAXII media type, then
/// authentication. The principal is put in the request extensions.
pub(crate) async fn taxii_guard(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let accept = match req.headers().get(header::ACCEPT) {
        None => None,
        Some(v) => Some(v.to_str().unwrap_or("invalid/invalid")),
    };
    if !accept_admits_taxii(accept) {
        return TaxiiError::new(
            Code::NotAcceptable,
            "Not acceptable",
            format!(
                "the Accept header {:?} does not admit {TAXII_MEDIA_TYPE}",
                accept.unwrap_or("")
            ),
        )
        .into_response();
    }
    let ip = client_ip(&req);
    match authenticate(&state, req.headers(), ip).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(Refusal::Hub(e)) => TaxiiError::from(e).into_response(),
        Err(Refusal::Throttled(secs)) => retry_after(
            TaxiiError::new(
                Code::RateLimited,
                "Too many requests",
                throttled_message(secs),
            )
            .into_response(),
            secs,
        ),
    }
}

/// Guards REST routes: authentication; the principal is put in the request extensions.
pub(crate) async fn api_guard(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&req);
    match authenticate(&state, req.headers(), ip).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(Refusal::Hub(e)) => ApiError::from(e).into_response(),
        Err(Refusal::Throttled(secs)) => api_throttled(secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::Router;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn whoami(Principal(p): Principal) -> String {
        p.user.username.clone()
    }

    async fn call(app: Router, path: &str) -> (StatusCode, String, serde_json::Value) {
        let req = Request::builder().uri(path).body(Body::empty()).unwrap();
        let resp = app.oneshot(req).await.unwrap();
        let status = resp.status();
        let ct = resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, ct, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn a_route_without_the_guard_answers_401_not_500() {
        // The handlers take the extractor, but no authentication middleware ran.
        let app = Router::new()
            .route("/api/v1/forgot", get(whoami))
            .route("/taxii2/forgot/", get(whoami));
        let (status, ct, v) = call(app.clone(), "/api/v1/forgot").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(ct, "application/json");
        assert_eq!(v["error"]["code"], "unauthenticated");
        let (status, ct, v) = call(app, "/taxii2/forgot/").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(ct, TAXII_MEDIA_TYPE);
        assert_eq!(v["error_code"], "unauthenticated");
        assert_eq!(v["http_status"], "401");
    }
}
