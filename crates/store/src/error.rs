//! The store's error type.

use std::fmt;

/// What can go wrong in a store call.
#[derive(Debug)]
pub enum StoreError {
    /// The named record does not exist.
    NotFound(String),
    /// A record with the same unique key exists.
    Conflict(String),
    /// The same (id, version) is stored with different content.
    VersionConflict {
        /// The object id.
        id: String,
        /// The version (`modified`) that is already stored.
        version: String,
    },
    /// The object was first stored in this collection by another organisation.
    NotOwner {
        /// The object id.
        id: String,
    },
    /// The object is revoked in this collection: no version may be added, and the revoking
    /// version may not be deleted.
    Revoked {
        /// The object id.
        id: String,
    },
    /// Input the store cannot accept (for example an unknown enum value read back).
    Invalid(String),
    /// The backend failed (I/O, corruption, a bug). The message is for logs, not for users.
    Backend(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound(what) => write!(f, "{what} not found"),
            StoreError::Conflict(what) => write!(f, "{what} already exists"),
            StoreError::VersionConflict { id, version } => write!(
                f,
                "{id}: version {version} is already stored with different content"
            ),
            StoreError::NotOwner { id } => write!(
                f,
                "{id}: only the organisation that created this object in this collection may \
                 add versions of it (the id is taken here; use a new id)"
            ),
            StoreError::Revoked { id } => {
                write!(
                    f,
                    "{id}: the object is revoked in this collection; revocation is final (no new \
                     version, older or newer, may be added and the revoking version may not be \
                     deleted)"
                )
            }
            StoreError::Invalid(msg) => write!(f, "invalid: {msg}"),
            StoreError::Backend(msg) => write!(f, "storage failure: {msg}"),
        }
    }
}

impl std::error::Error for StoreError {}
