//! The storage contract of the rrm hub: domain records and the `Store` trait that every
//! backend (SQLite today, PostgreSQL next) implements.
//!
//! This crate holds no SQL and does no I/O. The server and the CLI talk only to
//! `dyn Store`; backends live in their own crates (`store-sqlite`). The trait is
//! synchronous: callers on an async runtime wrap calls in `spawn_blocking`.
//!
//! Times are integers: `date_added` is microseconds since the Unix epoch, unique within a
//! collection thanks to the `seq` tie-breaker; other timestamps are seconds.
//!
//! ```
//! use store::{Role, Sector};
//! assert_eq!("analyst".parse::<Role>().unwrap(), Role::Analyst);
//! assert_eq!(Sector::CivilSociety.as_str(), "civil-society");
//! ```

mod ads;
mod banks;
mod detect;
mod error;
mod model;
#[cfg(feature = "testsuite")]
pub mod testsuite;

pub use ads::*;
pub use banks::*;
pub use detect::*;
pub use error::StoreError;
pub use model::*;

use std::ops::ControlFlow;

/// The result type of every store call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Everything the hub keeps: organisations, users, credentials, collections, grants, STIX
/// object versions and TAXII statuses; and, through [`BankStore`], hash banks.
///
/// Every method is one transaction: it either happens completely or not at all, and a
/// method that returns `Ok` has made its writes durable.
pub trait Store: BankStore + AdStore + DetectStore + Send + Sync + 'static {
    // Organisations.

    /// Creates an organisation; `StoreError::Conflict` if the slug is taken.
    fn create_org(&self, new: &NewOrg) -> Result<Org>;
    /// Finds an organisation by slug.
    fn org_by_slug(&self, slug: &str) -> Result<Option<Org>>;
    /// Finds an organisation by its internal id.
    fn org_by_id(&self, id: i64) -> Result<Option<Org>>;
    /// Finds the organisation whose STIX identity id is `identity_id`.
    fn org_by_identity(&self, identity_id: &str) -> Result<Option<Org>>;
    /// Lists every organisation, by slug.
    fn list_orgs(&self) -> Result<Vec<Org>>;
    /// Creates an organisation, adds its identity object (whose `owner_org_id` and
    /// `submitter_org_id` are set to the new organisation) and gives the organisation `access`
    /// to the identity's collection, in one transaction: if any step fails (a taken slug, an
    /// identity the versioning rules refuse) nothing is written.
    fn create_org_with_identity(
        &self,
        new: &NewOrg,
        identity: &NewObject,
        access: Access,
    ) -> Result<Org>;

    // Users and credentials.

    /// Creates a user and appends `audit` in the same transaction; `Conflict` if the
    /// username is taken, `NotFound` if the org is unknown.
    fn create_user(&self, new: &NewUser, audit: &NewAudit) -> Result<User>;
    /// Finds a user by username.
    fn user_by_name(&self, username: &str) -> Result<Option<User>>;
    /// Finds a user by internal id.
    fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    /// Lists users, optionally of one organisation.
    fn list_users(&self, org_id: Option<i64>) -> Result<Vec<User>>;
    /// Replaces a user's password hash (an argon2id PHC string) and appends `audit`;
    /// `NotFound` if the user is unknown.
    fn set_password_hash(&self, user_id: i64, password_hash: &str, audit: &NewAudit) -> Result<()>;
    /// Disables or enables a user and appends `audit`; `NotFound` if the user is unknown.
    fn set_user_disabled(&self, user_id: i64, disabled: bool, audit: &NewAudit) -> Result<()>;
    /// Stores a new API token and appends `audit`; the secret itself is never stored, only
    /// its argon2id hash.
    fn create_token(&self, new: &NewToken, audit: &NewAudit) -> Result<Token>;
    /// Finds a token by its public lookup id (the part of the token before the secret).
    fn token_by_lookup(&self, lookup: &str) -> Result<Option<Token>>;
    /// A user's tokens, revoked ones included, oldest first.
    fn list_tokens(&self, user_id: i64) -> Result<Vec<Token>>;
    /// Revokes a token and appends `audit`; `NotFound` if unknown.
    fn revoke_token(&self, lookup: &str, audit: &NewAudit) -> Result<()>;
    /// Reads the account audit log, oldest first.
    fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;

    // Collections and grants.

    /// Creates a collection; `Conflict` if the slug is taken.
    fn create_collection(&self, new: &NewCollection) -> Result<Collection>;
    /// Finds a collection by its UUID.
    fn collection_by_id(&self, id: &str) -> Result<Option<Collection>>;
    /// Finds a collection by slug.
    fn collection_by_slug(&self, slug: &str) -> Result<Option<Collection>>;
    /// Lists every collection, by slug.
    fn list_collections(&self) -> Result<Vec<Collection>>;
    /// Sets (replaces) an organisation's access to a collection. `read: false, write: false`
    /// removes the grant.
    fn set_grant(&self, org_id: i64, collection_id: &str, access: Access) -> Result<()>;
    /// The access an organisation has to a collection (none if there is no grant).
    fn grant(&self, org_id: i64, collection_id: &str) -> Result<Access>;
    /// Every grant of a collection.
    fn list_grants(&self, collection_id: &str) -> Result<Vec<Grant>>;

    // STIX objects.

    /// Adds one object version to a collection, applying the versioning rules of that
    /// collection atomically: an identical (id, version) already there gives
    /// `AddOutcome::Unchanged` and stores nothing; the same (id, version) with other content
    /// gives `VersionConflict`; a new version of an object first stored in the collection by
    /// another organisation gives `NotOwner`; any new version (older or newer) of an object
    /// revoked in the collection gives `Revoked`. Unversioned objects (`version: None`,
    /// cyber-observables) are owned by nobody: each submitting organisation has its own copy,
    /// to which the identical/conflict rules apply. `date_added` is assigned by the store and
    /// strictly increases within a collection.
    fn add_object(&self, obj: &NewObject) -> Result<AddOutcome>;
    /// Adds many versions in one transaction, returning one outcome per input in order.
    /// Per-object rule failures are reported in the outcome vector and do not abort the
    /// others; only a storage failure returns `Err` (and then nothing was written).
    fn add_objects(&self, objs: &[NewObject]) -> Result<Vec<Result<AddOutcome>>>;
    /// Streams the object versions that match `query`, in (`date_added`, `seq`) order,
    /// starting strictly after `query.after`. The visitor returns `Break` to stop early.
    fn scan_objects(
        &self,
        query: &ObjectQuery,
        visit: &mut dyn FnMut(StoredObject) -> ControlFlow<()>,
    ) -> Result<()>;
    /// Deletes the versions of object `id` in a collection selected by `versions`; returns
    /// how many were deleted. Revocation is final: a selection that includes a revoked version
    /// but leaves other versions gives `Revoked` and deletes nothing; deleting every version
    /// is allowed, and the object stays revoked (no version is accepted after it).
    fn delete_object(&self, collection_id: &str, id: &str, versions: &VersionFilter)
        -> Result<u64>;
    /// Deletes organisation `org_id`'s copy of the unversioned object `id` (a cyber-observable)
    /// in a collection; returns how many rows were deleted (0 or 1).
    fn delete_copy(&self, collection_id: &str, id: &str, org_id: i64) -> Result<u64>;
    /// Counts the object versions in a collection.
    fn count_objects(&self, collection_id: &str) -> Result<u64>;

    // TAXII statuses.

    /// Stores (or replaces) a status resource.
    fn put_status(&self, status: &Status) -> Result<()>;
    /// Reads a status resource.
    fn get_status(&self, id: &str) -> Result<Option<Status>>;
    /// Deletes statuses created before `before` (seconds); returns how many.
    fn purge_statuses(&self, before: i64) -> Result<u64>;
}
