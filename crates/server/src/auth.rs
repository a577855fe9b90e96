//! Authentication middleware: HTTP Basic and `Bearer rrm_…` tokens, checked by the hub.
//! Failures answer 401 with a `WWW-Authenticate` challenge and never say which part was
//! wrong; credentials are never logged.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hub::{HubError, Principal};

use crate::error::{blocking, ApiError, TaxiiError};
use crate::media::{accept_admits_taxii, TAXII_MEDIA_TYPE};
use crate::AppState;

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

/// Authenticates the request's credentials with the hub.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Arc<Principal>, HubError> {
    let Some(creds) = parse_authorization(headers) else {
        return Err(HubError::Unauthenticated);
    };
    let hub = state.hub.clone();
    let principal = blocking(move || match creds {
        Credentials::Basic { username, password } => hub.authenticate_basic(&username, &password),
        Credentials::Bearer(token) => hub.authenticate_token(&token),
    })
    .await;
    match principal {
        Ok(p) => Ok(Arc::new(p)),
        Err(e) => {
            if matches!(e, HubError::Unauthenticated) {
                tracing::info!("authentication failed");
            }
            Err(e)
        }
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
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "Not acceptable",
            format!(
                "the Accept header {:?} does not admit {TAXII_MEDIA_TYPE}",
                accept.unwrap_or("")
            ),
        )
        .into_response();
    }
    match authenticate(&state, req.headers()).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(e) => TaxiiError::from(e).into_response(),
    }
}

/// Guards REST routes: authentication; the principal is put in the request extensions.
pub(crate) async fn api_guard(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    match authenticate(&state, req.headers()).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
