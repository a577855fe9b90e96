//! Reading request bodies with a size limit enforced while reading, not only from
//! `Content-Length`.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;

/// How much of an oversized body is read and discarded before answering 413, so that the
/// client (which usually sends the whole body before reading) receives the answer instead of
/// a connection reset. Beyond this the connection is simply closed.
const DRAIN_CAP: usize = 64 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The body is larger than the limit (in bytes).
    TooLarge { limit: usize },
    /// The connection failed while reading.
    Read(String),
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// Reads and discards up to `DRAIN_CAP` bytes of what is left of a body.
async fn drain(mut body: Body, mut read: usize) {
    while read <= DRAIN_CAP {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    read = read.saturating_add(data.len());
                }
            }
            _ => return,
        }
    }
}

/// Reads the whole body, refusing it as soon as it is known to exceed `limit` bytes (from
/// `Content-Length` or while reading).
pub(crate) async fn read_limited(
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
) -> Result<Bytes, BodyError> {
    if let Some(len) = declared_length(headers) {
        if len > limit as u64 {
            if len <= DRAIN_CAP as u64 {
                drain(body, 0).await;
            }
            return Err(BodyError::TooLarge { limit });
        }
    }
    let mut buf: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        if let Some(data) = frame.data_ref() {
            if buf.len() + data.len() > limit {
                let read = buf.len() + data.len();
                drop(buf);
                drain(body, read).await;
                return Err(BodyError::TooLarge { limit });
            }
            buf.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(buf))
}

/// Discards what is left of a body that will not be used (bounded), for early error answers.
pub(crate) async fn discard(headers: &HeaderMap, body: Body) {
    if declared_length(headers).is_none_or(|len| len <= DRAIN_CAP as u64) {
        drain(body, 0).await;
    }
}

/// Reads a REST request body of at most `limit` bytes, answering 413 above it and 400 when the
/// body cannot be read.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, crate::error::ApiError> {
    use crate::error::ApiError;
    use axum::http::StatusCode;
    match read_limited(headers, body, limit).await {
        Ok(b) => Ok(b),
        Err(BodyError::TooLarge { limit }) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body exceeds {limit} bytes"),
        )),
        Err(BodyError::Read(m)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the request body could not be read: {m}"),
        )),
    }
}

/// Answers 415 unless the request's Content-Type is JSON.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), crate::error::ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    if crate::media::content_type_is_json(ct) {
        return Ok(());
    }
    Err(crate::error::ApiError::new(
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "Content-Type {:?} is not accepted; send application/json",
            ct.unwrap_or("(none)")
        ),
    ))
}

/// Reads a JSON request body of at most `limit` bytes: 415 for another media type, 413 above the
/// limit, 400 `malformed_json` when it does not parse.
pub(crate) async fn read_json(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<serde_json::Value, crate::error::ApiError> {
    require_json(headers)?;
    let bytes = read_body(headers, body, limit).await?;
    stix::json::from_slice(&bytes).map_err(|e| {
        crate::error::ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the request body is not valid JSON: {e}"),
        )
    })
}
