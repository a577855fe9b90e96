//! The hub's error type, with a stable machine code per variant.

use std::fmt;

use store::StoreError;

/// What can go wrong in a hub call.
///
/// Every variant has a stable machine code (`HubError::code`) that the server maps to an HTTP
/// status and puts in REST error bodies.
#[derive(Debug)]
pub enum HubError {
    /// The credentials are wrong. The message never says which part was wrong.
    Unauthenticated,
    /// The caller is authenticated but not allowed to do this (role or grant).
    Forbidden(String),
    /// The thing does not exist or is not visible to the caller; the two are never told apart.
    NotFound(String),
    /// An input value is malformed.
    Invalid {
        /// The input field at fault.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A paging cursor is malformed, tampered with, or was issued for another caller, collection
    /// or filter.
    BadCursor(String),
    /// A record with the same unique key exists.
    Conflict(String),
    /// Export of data above the exportable TLP level was requested.
    ExportRefused(String),
    /// Long work was refused: every worker is taken and the work queue is full, or the hub
    /// is shutting down. Retry later.
    Busy(String),
    /// The store failed. The message is for logs, not for users.
    Store(StoreError),
    /// An internal failure that is not the store's: password hashing, stored data that does
    /// not parse, a worker that died. The message and source chain are for logs, not users.
    Internal {
        /// What the hub was doing or what is broken.
        what: String,
        /// The underlying error, if there is one.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl HubError {
    /// The stable machine code of this error: `unauthenticated`, `forbidden`, `not_found`,
    /// `invalid_input`, `bad_cursor`, `conflict`, `export_refused`, `busy` or `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            HubError::Unauthenticated => "unauthenticated",
            HubError::Forbidden(_) => "forbidden",
            HubError::NotFound(_) => "not_found",
            HubError::Invalid { .. } => "invalid_input",
            HubError::BadCursor(_) => "bad_cursor",
            HubError::Conflict(_) => "conflict",
            HubError::ExportRefused(_) => "export_refused",
            HubError::Busy(_) => "busy",
            HubError::Store(_) | HubError::Internal { .. } => "internal",
        }
    }

    /// Builds an `Internal` error caused by `source`.
    pub fn internal(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> HubError {
        HubError::Internal {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// Builds an `Internal` error for a broken invariant, without an underlying error.
    pub fn broken(what: impl Into<String>) -> HubError {
        HubError::Internal {
            what: what.into(),
            source: None,
        }
    }

    /// Builds an `Invalid` error.
    pub fn invalid(field: &str, message: impl Into<String>) -> HubError {
        HubError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubError::Unauthenticated => f.write_str("authentication failed"),
            HubError::Forbidden(msg) => write!(f, "forbidden: {msg}"),
            HubError::NotFound(what) => write!(f, "{what} not found"),
            HubError::Invalid { field, message } => write!(f, "invalid {field}: {message}"),
            HubError::BadCursor(msg) => write!(f, "bad paging cursor: {msg}"),
            HubError::Conflict(msg) => write!(f, "conflict: {msg}"),
            HubError::ExportRefused(msg) => write!(f, "export refused: {msg}"),
            HubError::Busy(msg) => write!(f, "busy: {msg}"),
            HubError::Store(e) => write!(f, "storage failure: {e}"),
            HubError::Internal { what, .. } => write!(f, "internal failure: {what}"),
        }
    }
}

impl From<crate::work::Busy> for HubError {
    fn from(b: crate::work::Busy) -> HubError {
        HubError::Busy(b.to_string())
    }
}

impl std::error::Error for HubError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HubError::Store(e) => Some(e),
            HubError::Internal {
                source: Some(e), ..
            } => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<StoreError> for HubError {
    /// Maps store errors: `Conflict` stays a conflict, `NotFound` a not-found, `Invalid` an
    /// invalid input; everything else is internal.
    fn from(e: StoreError) -> HubError {
        match e {
            StoreError::Conflict(what) => HubError::Conflict(format!("{what} already exists")),
            StoreError::NotFound(what) => HubError::NotFound(what),
            other => HubError::Store(other),
        }
    }
}
