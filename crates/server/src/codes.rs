//! The table of stable error codes: each code's string and HTTP status, used by REST and TAXII
//! error bodies alike. README.md lists the same codes (checked by a test below).

use axum::http::StatusCode;

/// A stable error code. Clients may match on its string; new codes may be added.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// No or wrong credentials.
    Unauthenticated,
    /// Authenticated but not allowed (role, grant or ownership).
    Forbidden,
    /// The resource does not exist or is not visible to the caller.
    NotFound,
    /// A field of the input is malformed; `field` names it.
    InvalidInput,
    /// The body is not valid JSON.
    MalformedJson,
    /// A paging cursor is malformed, altered or issued for another request.
    BadCursor,
    /// A TAXII filter parameter is malformed.
    BadFilter,
    /// The request could not be read or processed.
    BadRequest,
    /// A record with the same unique key exists.
    Conflict,
    /// The record's state does not allow the transition; the error names the current state
    /// (`current`) and the allowed actions (`allowed`).
    InvalidTransition,
    /// Export above the exportable TLP level was asked for.
    ExportRefused,
    /// The Content-Type is not one the route accepts.
    UnsupportedMediaType,
    /// The body is larger than the route's limit.
    PayloadTooLarge,
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// The Accept header admits no media type the route answers with.
    NotAcceptable,
    /// A TAXII envelope is not a valid envelope.
    UnprocessableEnvelope,
    /// Too many requests or failed authentications; `Retry-After` says when to retry.
    RateLimited,
    /// Too many public exports in progress; `Retry-After` says when to retry.
    TooManyExports,
    /// Every image decode slot is taken; `Retry-After` says when to retry.
    Busy,
    /// The feature needs a setting this instance was not started with; the message names it.
    NotConfigured,
    /// An internal failure; the log has the details under the request id.
    Internal,
}

impl Code {
    /// Every code, in the order README.md lists them.
    pub const ALL: &'static [Code] = &[
        Code::Unauthenticated,
        Code::Forbidden,
        Code::NotFound,
        Code::InvalidInput,
        Code::MalformedJson,
        Code::BadCursor,
        Code::BadFilter,
        Code::BadRequest,
        Code::Conflict,
        Code::InvalidTransition,
        Code::ExportRefused,
        Code::UnsupportedMediaType,
        Code::PayloadTooLarge,
        Code::MethodNotAllowed,
        Code::NotAcceptable,
        Code::UnprocessableEnvelope,
        Code::RateLimited,
        Code::TooManyExports,
        Code::Busy,
        Code::NotConfigured,
        Code::Internal,
    ];

    /// The code's string, as sent in `code` (REST) and `error_code` (TAXII).
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "unauthenticated",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::InvalidInput => "invalid_input",
            Code::MalformedJson => "malformed_json",
            Code::BadCursor => "bad_cursor",
            Code::BadFilter => "bad_filter",
            Code::BadRequest => "bad_request",
            Code::Conflict => "conflict",
            Code::InvalidTransition => "invalid_transition",
            Code::ExportRefused => "export_refused",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::PayloadTooLarge => "payload_too_large",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::NotAcceptable => "not_acceptable",
            Code::UnprocessableEnvelope => "unprocessable_envelope",
            Code::RateLimited => "rate_limited",
            Code::TooManyExports => "too_many_exports",
            Code::Busy => "busy",
            Code::NotConfigured => "not_configured",
            Code::Internal => "internal",
        }
    }

    /// The HTTP status every answer with this code has.
    pub const fn status(self) -> StatusCode {
        match self {
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::Forbidden | Code::ExportRefused => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::InvalidInput
            | Code::MalformedJson
            | Code::BadCursor
            | Code::BadFilter
            | Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::Conflict | Code::InvalidTransition => StatusCode::CONFLICT,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Code::UnprocessableEnvelope => StatusCode::UNPROCESSABLE_ENTITY,
            Code::RateLimited | Code::TooManyExports => StatusCode::TOO_MANY_REQUESTS,
            Code::Busy | Code::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code for an error answer made outside the handlers (axum's own rejections), by
    /// its status; a client error without a code of its own is `bad_request`.
    pub(crate) fn for_status(status: StatusCode) -> Code {
        match status {
            StatusCode::UNAUTHORIZED => Code::Unauthenticated,
            StatusCode::FORBIDDEN => Code::Forbidden,
            StatusCode::NOT_FOUND => Code::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
            StatusCode::NOT_ACCEPTABLE => Code::NotAcceptable,
            StatusCode::CONFLICT => Code::Conflict,
            StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => Code::RateLimited,
            StatusCode::SERVICE_UNAVAILABLE => Code::Busy,
            s if s.is_server_error() => Code::Internal,
            _ => Code::BadRequest,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows `| `code` | status | meaning |` of README.md's error-code table.
    fn readme_rows() -> Vec<(String, u16)> {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
        let start = readme
            .find("| code | status | meaning |")
            .expect("README.md has the error-code table");
        readme[start..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let code = cells[1].trim_matches('`').to_string();
                let status = cells[2].parse().expect("a numeric status");
                (code, status)
            })
            .collect()
    }

    #[test]
    fn readme_lists_exactly_the_codes_of_the_enum() {
        let readme = readme_rows();
        let table: Vec<(String, u16)> = Code::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), c.status().as_u16()))
            .collect();
        for row in &readme {
            assert!(table.contains(row), "README.md lists {row:?}, not in Code");
        }
        for row in &table {
            assert!(readme.contains(row), "Code has {row:?}, not in README.md");
        }
        assert_eq!(readme.len(), table.len(), "README.md lists a code twice");
    }

    #[test]
    fn the_openapi_error_schema_lists_exactly_the_codes() {
        let doc = crate::openapi::document();
        let listed = doc
            .pointer("/components/schemas/Error/properties/error/properties/code/enum")
            .and_then(|v| v.as_array())
            .expect("the Error schema has a code enum");
        let want: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, &want);
    }

    #[test]
    fn code_strings_are_distinct_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(c
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(c.status().is_client_error() || c.status().is_server_error());
        }
    }
}
