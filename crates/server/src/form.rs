//! `multipart/form-data` bodies, read with `axum::extract::Multipart` after the body was read
//! within its route's size limit. Errors are 400 `invalid_input` naming the route's field.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request};
use axum::http::HeaderMap;

use crate::error::ApiError;

/// The most parts one body may have.
pub(crate) const MAX_PARTS: usize = 32;

/// One part of a multipart body.
pub(crate) struct FormPart {
    /// The part's `name`, empty when it has none.
    pub name: String,
    /// Whether the part carries a `filename`.
    pub is_file: bool,
    /// The part's Content-Type, if it gives one.
    pub content_type: Option<String>,
    /// The part's content.
    pub data: Bytes,
}

/// Whether a Content-Type is `multipart/form-data` (with or without parameters).
pub(crate) fn is_multipart(ct: &str) -> bool {
    ct.split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Splits `body` (already read within the route's limit) into its parts, stopping at the
/// first part `stop` accepts. Errors name `field`.
pub(crate) async fn parts(
    headers: &HeaderMap,
    body: Bytes,
    field: &str,
    stop: impl Fn(&FormPart) -> bool,
) -> Result<Vec<FormPart>, ApiError> {
    let limit = body.len();
    let mut req = Request::new(Body::from(body));
    *req.headers_mut() = headers.clone();
    DefaultBodyLimit::max(limit).apply(&mut req);
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|_| {
        ApiError::invalid(
            field,
            "multipart/form-data without a valid boundary parameter",
        )
    })?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        let text = e.body_text();
        let hint = if text.contains("incomplete") {
            " (truncated upload?)"
        } else {
            ""
        };
        ApiError::invalid(field, format!("malformed multipart body: {text}{hint}"))
    };
    let mut out = Vec::new();
    while let Some(part) = multipart.next_field().await.map_err(bad)? {
        if out.len() == MAX_PARTS {
            return Err(ApiError::invalid(
                field,
                format!("the multipart body has more than {MAX_PARTS} parts"),
            ));
        }
        let name = part.name().unwrap_or_default().to_string();
        let is_file = part.file_name().is_some();
        let content_type = part.content_type().map(str::to_string);
        let data = part.bytes().await.map_err(bad)?;
        let part = FormPart {
            name,
            is_file,
            content_type,
            data,
        };
        let done = stop(&part);
        out.push(part);
        if done {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderValue};

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Bytes {
        let mut b = Vec::new();
        for (name, file, data) in parts {
            let file = file
                .map(|f| format!("; filename=\"{f}\""))
                .unwrap_or_default();
            b.extend_from_slice(
                format!("--XX\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n")
                    .as_bytes(),
            );
            b.extend_from_slice(data);
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(b"--XX--\r\n");
        Bytes::from(b)
    }

    #[tokio::test]
    async fn parts_are_read_with_names_files_and_bytes() {
        let b = body(&[("note", None, b"hi"), ("file", Some("a.bin"), b"\0\r\n--X")]);
        let got = parts(
            &headers("multipart/form-data; boundary=XX"),
            b,
            "image",
            |_| false,
        )
        .await
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].name.as_str(), got[0].is_file), ("note", false));
        assert_eq!(&got[1].data[..], b"\0\r\n--X");
        assert!(got[1].is_file);
    }

    #[tokio::test]
    async fn errors_name_the_field() {
        let e = parts(&headers("multipart/form-data"), body(&[]), "image", |_| {
            false
        })
        .await
        .err()
        .unwrap();
        assert_eq!(e.field.as_deref(), Some("image"));
        assert!(e.message.contains("boundary"), "{}", e.message);
        let mut cut = body(&[("file", Some("a"), &[7u8; 100])]).to_vec();
        cut.truncate(60);
        let h = headers("multipart/form-data; boundary=XX");
        let e = parts(&h, Bytes::from(cut), "creative", |_| false)
            .await
            .err()
            .unwrap();
        assert_eq!(e.field.as_deref(), Some("creative"));
        assert!(e.message.contains("truncated upload"), "{}", e.message);
        let many: Vec<(&str, Option<&str>, &[u8])> =
            (0..=MAX_PARTS).map(|_| ("n", None, &b"v"[..])).collect();
        let e = parts(&h, body(&many), "image", |_| false)
            .await
            .err()
            .unwrap();
        assert!(e.message.contains("more than 32 parts"), "{}", e.message);
    }
}
