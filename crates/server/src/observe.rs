//! The outermost middleware: a request id, one tracing span per request (method, route
//! template, status, latency, request id; never credentials), metrics, and making sure every
//! error under `/taxii2/` and `/api/v1/` has the right body shape and media type.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::codes::Code;
use crate::error::{ApiError, TaxiiError, REQUEST_ID};
use crate::media::TAXII_MEDIA_TYPE;
use crate::AppState;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Area {
    Taxii,
    Api,
    Other,
}

fn request_id_from(req: &Request) -> String {
    if let Some(v) = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
    {
        if !v.is_empty()
            && v.len() <= 64
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return v.to_string();
        }
    }
    uuid::Uuid::new_v4().simple().to_string()
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

fn status_title(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

/// Rewrites error responses produced outside the handlers (unknown method, path parameter
/// rejections) into the area's error shape.
fn fix_up(area: Area, resp: Response) -> Response {
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match area {
        Area::Taxii if ct != TAXII_MEDIA_TYPE => {
            if status.is_client_error() || status.is_server_error() {
                let allow = resp.headers().get(header::ALLOW).cloned();
                let code = Code::for_status(status);
                let description = if status == StatusCode::METHOD_NOT_ALLOWED {
                    "this method is not allowed on this TAXII endpoint".to_string()
                } else {
                    "the request could not be processed".to_string()
                };
                let mut out =
                    TaxiiError::new(code, status_title(code.status()), description).into_response();
                if let Some(allow) = allow {
                    out.headers_mut().insert(header::ALLOW, allow);
                }
                out
            } else {
                let mut resp = resp;
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(TAXII_MEDIA_TYPE),
                );
                resp
            }
        }
        Area::Api
            if (status.is_client_error() || status.is_server_error())
                && !ct.starts_with("application/json") =>
        {
            let allow = resp.headers().get(header::ALLOW).cloned();
            let code = Code::for_status(status);
            let mut out =
                ApiError::new(code, status_title(code.status()).to_lowercase()).into_response();
            if let Some(allow) = allow {
                out.headers_mut().insert(header::ALLOW, allow);
            }
            out
        }
        _ => resp,
    }
}

/// The observing middleware, applied to every route and the fallback.
pub(crate) async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let request_id = request_id_from(&req);
    let mut route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let path = req.uri().path();
    let area = if path == "/taxii2" || path.starts_with("/taxii2/") {
        Area::Taxii
    } else if path.starts_with("/api/") {
        Area::Api
    } else {
        Area::Other
    };
    let public = path.starts_with("/public/");
    if area == Area::Taxii && route != "unmatched" && !route.ends_with('/') {
        route.push('/');
    }
    let method = method_label(req.method());
    let span = tracing::info_span!(
        "request",
        method,
        route = %route,
        request_id = %request_id,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let resp = REQUEST_ID
        .scope(request_id.clone(), async move {
            let resp = next.run(req).await;
            // The public archive answers errors in the REST shape too.
            fix_up(if public { Area::Api } else { area }, resp)
        })
        .instrument(span.clone())
        .await;
    let mut resp = resp;
    let status = resp.status().as_u16();
    let elapsed = start.elapsed();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    span.in_scope(|| tracing::info!(status, latency_ms, "request finished"));
    state
        .metrics
        .observe_request(&route, method, status, elapsed);
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if area != Area::Other {
        // Responses to authenticated requests may carry restricted data: never cache them.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
