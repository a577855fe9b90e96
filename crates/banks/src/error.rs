//! The error of every bank call: what went wrong in the bank domain, or a hub or store failure
//! passed through with its source.

use std::fmt;

use hub::HubError;
use store::StoreError;

/// What can go wrong in a bank call.
///
/// The server maps each variant to one stable error code; `Internal` and most `Store`
/// failures are for logs, not users.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// The bank does not exist or the caller may not use it; the two are never told apart.
    UnknownBank {
        /// The reference the caller gave (`NAME` or `ORG:NAME`).
        reference: String,
    },
    /// The entry does not exist in this bank (or the bank is not usable).
    UnknownEntry {
        /// The bank's name.
        bank: String,
        /// The entry id asked for.
        entry: i64,
    },
    /// An input field is malformed; nothing was stored.
    Invalid {
        /// The input field at fault (`threshold`, `entries[3].value`, `file`, ...).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The caller may not do this (reader role, not the owner or contributor, no write
    /// access to the bank's collection).
    Forbidden(String),
    /// Already exists: a bank of that name in the organisation, or a value in the bank.
    Conflict(String),
    /// A hub call failed (identities, grants, publication); its error is passed through.
    Hub(HubError),
    /// The bank store failed.
    Store(StoreError),
    /// An internal failure that is neither the hub's nor the store's: an invalid stored
    /// hash, an indicator the ingest refused.
    Internal {
        /// What the service was doing or what is broken.
        what: String,
        /// The underlying error, if there is one.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl Error {
    /// Builds an `Invalid` error.
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Builds an `Internal` error caused by `source`.
    pub(crate) fn internal(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Error {
        Error::Internal {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// Builds an `Internal` error for a broken invariant, without an underlying error.
    pub(crate) fn broken(what: impl Into<String>) -> Error {
        Error::Internal {
            what: what.into(),
            source: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownBank { reference } => write!(f, "bank '{reference}' not found"),
            Error::UnknownEntry { bank, entry } => {
                write!(f, "entry {entry} in bank '{bank}' not found")
            }
            Error::Invalid { field, message } => write!(f, "invalid {field}: {message}"),
            Error::Forbidden(m) => write!(f, "forbidden: {m}"),
            Error::Conflict(m) => write!(f, "conflict: {m}"),
            Error::Hub(e) => e.fmt(f),
            Error::Store(e) => write!(f, "bank storage failure: {e}"),
            Error::Internal { what, .. } => write!(f, "internal failure: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The hub's error is shown as this one, so its source comes next.
            Error::Hub(e) => e.source(),
            Error::Store(e) => Some(e),
            Error::Internal {
                source: Some(e), ..
            } => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<HubError> for Error {
    fn from(e: HubError) -> Error {
        Error::Hub(e)
    }
}

impl From<StoreError> for Error {
    /// A unique-key conflict is a `Conflict`; every other store failure stays a store error.
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::Conflict(what) => Error::Conflict(format!("{what} already exists")),
            other => Error::Store(other),
        }
    }
}

/// The result of a bank call.
pub type Result<T, E = Error> = std::result::Result<T, E>;
