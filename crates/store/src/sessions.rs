//! Sessions: the `SessionStore` storage contract for the web console's sign-ins.

use crate::{NewAudit, Result};

/// A session to store. Only the SHA-256 of its secret is kept, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The public id (shown in "your sessions", bound into the CSRF token).
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// The signed-in user.
    pub user_id: i64,
    /// Opened, microseconds since the epoch.
    pub created: i64,
    /// Ends when not used before this time (microseconds).
    pub idle_expires: i64,
    /// Ends at this time whatever happens (microseconds).
    pub expires: i64,
    /// The browser as it named itself (bounded by the caller).
    pub user_agent: String,
    /// The client address.
    pub address: String,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The public id.
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// The signed-in user.
    pub user_id: i64,
    /// Opened (microseconds).
    pub created: i64,
    /// Last used (microseconds, updated at most once a minute).
    pub last_seen: i64,
    /// Idle expiry (microseconds).
    pub idle_expires: i64,
    /// Absolute expiry (microseconds).
    pub expires: i64,
    /// The browser.
    pub user_agent: String,
    /// The client address.
    pub address: String,
}

/// The web console's sessions. Every method is one transaction.
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session with its audit record.
    fn add_session(&self, new: &NewSession, audit: &NewAudit) -> Result<()>;
    /// The session whose secret hashes to `secret_hash`, if any (expired ones included: the
    /// caller decides).
    fn session_by_secret(&self, secret_hash: &str) -> Result<Option<SessionRecord>>;
    /// Records a use: `last_seen` and the new idle expiry, only if the session still exists.
    /// Returns whether it does.
    fn touch_session(&self, id: &str, last_seen: i64, idle_expires: i64) -> Result<bool>;
    /// Deletes one session (sign-out) with its audit record; returns whether it existed.
    fn delete_session(&self, id: &str, audit: &NewAudit) -> Result<bool>;
    /// Deletes every session of a user except `keep` (a password change, a disabled user);
    /// returns how many.
    fn delete_user_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<u64>;
    /// A user's sessions that have not expired at `now`, newest first (at most `limit`).
    fn user_sessions(&self, user_id: i64, now: i64, limit: usize) -> Result<Vec<SessionRecord>>;
    /// Deletes sessions expired at `now`; returns how many.
    fn purge_sessions(&self, now: i64) -> Result<u64>;
}
