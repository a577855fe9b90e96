//! Reading request bodies with a size limit enforced while reading, not only from
//! `Content-Length`, and [`ApiJson`], the one extractor of typed REST JSON bodies.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use crate::codes::Code;
use crate::error::ApiError;

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
) -> Result<Bytes, ApiError> {
    match read_limited(headers, body, limit).await {
        Ok(b) => Ok(b),
        Err(BodyError::TooLarge { limit }) => Err(ApiError::new(
            Code::PayloadTooLarge,
            format!("the request body exceeds {limit} bytes"),
        )),
        Err(BodyError::Read(m)) => Err(ApiError::new(
            Code::BadRequest,
            format!("the request body could not be read: {m}"),
        )),
    }
}

/// Answers 415 unless the request's Content-Type is JSON.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    if crate::media::content_type_is_json(ct) {
        return Ok(());
    }
    Err(ApiError::new(
        Code::UnsupportedMediaType,
        format!(
            "Content-Type {:?} is not accepted; send application/json",
            ct.unwrap_or("(none)")
        ),
    ))
}

/// The largest REST JSON body by default, in bytes.
pub(crate) const MAX_API_BODY: usize = 64 * 1024;

/// A typed REST JSON body of at most `LIMIT` bytes: 415 for another media type, 413 above the
/// limit, 400 `malformed_json` when it is not JSON, and 400 `invalid_input` naming the failing
/// field by its path (`members[2].role`) when it does not fit `T`.
pub(crate) struct ApiJson<T, const LIMIT: usize = MAX_API_BODY>(pub T);

impl<S, T, const LIMIT: usize> FromRequest<S> for ApiJson<T, LIMIT>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        require_json(&parts.headers)?;
        let bytes = read_body(&parts.headers, body, LIMIT).await?;
        parse_body(&bytes).map(ApiJson)
    }
}

/// Parses JSON bytes into `T`, naming a field that does not fit by its path.
pub(crate) fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed = |e: &serde_json::Error| {
        ApiError::new(
            Code::MalformedJson,
            format!("the request body is not valid JSON: {e}"),
        )
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) if e.inner().is_data() => {
            let field = field_path(e.path(), &e.inner().to_string());
            let inner = e.into_inner();
            let message = format!("body.{field}: {inner}");
            return Err(ApiError {
                code: Code::InvalidInput,
                message,
                field: Some(field),
            });
        }
        Err(e) => return Err(malformed(e.inner())),
    };
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// The path of the failing field: serde_path_to_error's path, plus the field a "missing
/// field" error names (serde reports that one at the enclosing object).
fn field_path(path: &serde_path_to_error::Path, message: &str) -> String {
    let named = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let base = path.to_string();
    match (base.as_str(), named) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (_, Some(name)) => format!("{base}.{name}"),
        (_, None) => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Team {
        name: String,
        members: Vec<Member>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Member {
        user: String,
        role: Role,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Role {
        Analyst,
        Admin,
    }

    fn err(body: &str) -> ApiError {
        parse_body::<Team>(body.as_bytes()).expect_err("refused")
    }

    #[test]
    fn a_nested_bad_field_is_named_by_its_path() {
        let e = err(r#"{"name": "t", "members": [
            {"user": "a", "role": "admin"}, {"user": "b", "role": "analyst"},
            {"user": "c", "role": "king"}]}"#);
        assert_eq!(e.code, Code::InvalidInput);
        assert_eq!(e.field.as_deref(), Some("members[2].role"));
        assert!(
            e.message
                .starts_with("body.members[2].role: unknown variant `king`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn missing_and_unknown_fields_are_named_with_their_parent() {
        let e = err(r#"{"name": "t", "members": [{"user": "a"}]}"#);
        assert_eq!(e.field.as_deref(), Some("members[0].role"), "{}", e.message);
        let e = err(r#"{"name": "t", "members": [{"user": "a", "role": "admin", "x": 1}]}"#);
        assert_eq!(e.field.as_deref(), Some("members[0].x"), "{}", e.message);
        let e = err(r#"{"name": "t", "members": [], "y": 1}"#);
        assert_eq!(e.field.as_deref(), Some("y"), "{}", e.message);
        let e = err(r#"{"members": []}"#);
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = err(r#"{"name": 5, "members": []}"#);
        assert_eq!(e.field.as_deref(), Some("name"));
        assert!(
            e.message.starts_with("body.name: invalid type"),
            "{}",
            e.message
        );
        let e = err(r#""a team""#);
        assert_eq!(e.field.as_deref(), Some("body"));
    }

    #[test]
    fn bad_json_is_malformed_not_invalid() {
        for text in [r#"{"name": "#, r#"{"name": "t", "members": []} x"#, "nope"] {
            let e = err(text);
            assert_eq!(e.code, Code::MalformedJson, "{text}");
            assert!(e.field.is_none());
        }
    }
}
