//! The error of every detection call: what went wrong with a dataset or a job, or a hub or
//! store failure passed through with its source.

use std::fmt;

use hub::HubError;
use store::{JobStatus, StoreError};

/// What can go wrong in a detection call.
///
/// The server maps each variant to one stable error code; `Internal` and most `Store`
/// failures are for logs, not users.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// The dataset does not exist or is another organisation's; never told apart.
    UnknownDataset {
        /// The dataset id asked for.
        id: String,
    },
    /// The detection does not exist or is another organisation's; never told apart.
    UnknownJob {
        /// The detection id asked for.
        id: String,
    },
    /// An input field is malformed; nothing was stored.
    Invalid {
        /// The input field at fault (`networks`, `window`, `groups`, `body`, ...).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The caller may not do this (the reader role).
    Forbidden(String),
    /// Only a queued or running detection can be cancelled.
    NotCancellable {
        /// The detection id.
        job: String,
        /// Its status (done or failed).
        status: JobStatus,
    },
    /// Only a done detection can be published.
    NotDone {
        /// The detection id.
        job: String,
        /// Its status.
        status: JobStatus,
    },
    /// The organisation has as many queued or running detections as it may have.
    QuotaExceeded {
        /// The organisation's slug.
        org: String,
        /// Its active detections.
        active: u64,
    },
    /// The service is stopping; no new detection starts.
    ShuttingDown,
    /// Every detection worker is taken and the queue is full; retry later.
    Busy {
        /// The queue's length.
        queue: usize,
    },
    /// A hub call failed (identities, grants, reads, publication); its error is passed
    /// through.
    Hub(HubError),
    /// The detection store failed.
    Store(StoreError),
    /// An internal failure that is neither the hub's nor the store's: a stored record that
    /// does not inflate or parse.
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownDataset { id } => write!(f, "dataset '{id}' not found"),
            Error::UnknownJob { id } => write!(f, "detection '{id}' not found"),
            Error::Invalid { field, message } => write!(f, "invalid {field}: {message}"),
            Error::Forbidden(m) => f.write_str(m),
            Error::NotCancellable { job, status } => write!(
                f,
                "detection '{job}' is {}; only a queued or running detection can be cancelled",
                status.as_str()
            ),
            Error::NotDone { job, status } => {
                write!(f, "detection '{job}' is {}, not done", status.as_str())
            }
            Error::QuotaExceeded { org, active } => write!(
                f,
                "organisation '{org}' has {active} detections queued or running, the most it \
                 may have; wait for one to finish or cancel one"
            ),
            Error::ShuttingDown => {
                f.write_str("the hub is shutting down; start the detection again later")
            }
            Error::Busy { queue } => write!(
                f,
                "{queue} detections are waiting for a worker, the most the hub queues; retry later"
            ),
            Error::Hub(e) => e.fmt(f),
            Error::Store(e) => write!(f, "detection storage failure: {e}"),
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
    fn from(e: StoreError) -> Error {
        Error::Store(e)
    }
}

/// The result of a detection call.
pub type Result<T, E = Error> = std::result::Result<T, E>;
