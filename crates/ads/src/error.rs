//! The ad registry's errors: what the registry refuses, what it cannot find, and failures
//! passed through from the hub or the store.

use std::fmt;

use hub::HubError;
use store::StoreError;

/// What can go wrong in the ad registry.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// The caller's organisation, role or ownership does not allow this; the message says why.
    Forbidden(String),
    /// No election with this id is registered.
    UnknownElection(String),
    /// No sponsor with this id is registered.
    UnknownSponsor(String),
    /// No public ad with this id: unknown, or no longer public.
    UnknownAd(i64),
    /// The public ad has no version with this number.
    UnknownVersion {
        /// The ad's registry id.
        ad: i64,
        /// The version asked for.
        version: i64,
    },
    /// The public ad (or one of its versions) has no stored creative.
    NoCreative {
        /// The ad's registry id.
        ad: i64,
        /// The version, when one was asked for.
        version: Option<i64>,
    },
    /// An input field is malformed (a submission, a record, a search filter); `field` names it
    /// by its path.
    Invalid {
        /// The input field at fault (`ad.spend.currency`, `controlled_by`, `limit`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A hub call failed: identities, collections, search cursors or incident ingest.
    Hub(HubError),
    /// The ad store failed.
    Store(StoreError),
    /// An internal failure: the shipped rules do not load, stored registry data does not
    /// parse, an incident the registry built was refused. For logs, not users.
    Internal {
        /// What the registry was doing or what is broken.
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
    pub fn internal(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Error {
        Error::Internal {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// Builds an `Internal` error for a broken invariant, without an underlying error.
    pub fn broken(what: impl Into<String>) -> Error {
        Error::Internal {
            what: what.into(),
            source: None,
        }
    }

    /// The stable machine code of this error, as the hub's codes: `forbidden`, `not_found`,
    /// `invalid_input`, `internal`, or the code of the hub error passed through.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Forbidden(_) => "forbidden",
            Error::UnknownElection(_)
            | Error::UnknownSponsor(_)
            | Error::UnknownAd(_)
            | Error::UnknownVersion { .. }
            | Error::NoCreative { .. } => "not_found",
            Error::Invalid { .. } => "invalid_input",
            Error::Hub(e) => e.code(),
            Error::Store(_) | Error::Internal { .. } => "internal",
        }
    }

    /// Whether this is a failure of the registry itself (store, internal, or such a hub
    /// failure) rather than a refusal of the input.
    pub fn is_internal(&self) -> bool {
        self.code() == "internal"
    }

    /// What was not found, for a not-found error: `election 'x'`, `ad 5`, ...
    pub fn missing(&self) -> Option<String> {
        match self {
            Error::UnknownElection(id) => Some(format!("election '{id}'")),
            Error::UnknownSponsor(id) => Some(format!("sponsor '{id}'")),
            Error::UnknownAd(id) => Some(format!("ad {id}")),
            Error::UnknownVersion { ad, version } => Some(format!("version {version} of ad {ad}")),
            Error::NoCreative {
                ad,
                version: Some(v),
            } => Some(format!("creative of version {v} of ad {ad}")),
            Error::NoCreative { ad, version: None } => Some(format!("creative of ad {ad}")),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(what) = self.missing() {
            return write!(f, "{what} not found");
        }
        match self {
            Error::Forbidden(msg) => write!(f, "forbidden: {msg}"),
            Error::Invalid { field, message } => write!(f, "invalid {field}: {message}"),
            Error::Hub(e) => e.fmt(f),
            Error::Store(e) => write!(f, "ad store failure: {e}"),
            Error::Internal { what, .. } => write!(f, "internal failure: {what}"),
            _ => f.write_str("ad registry error"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
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
    fn from(e: StoreError) -> Error {
        Error::Store(e)
    }
}
