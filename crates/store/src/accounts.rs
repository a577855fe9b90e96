//! Accounts: the `AccountStore` storage contract for organisations, users, tokens, the audit
//! log, collections and grants.

use crate::{
    Access, AuditEntry, AuditQuery, Collection, Grant, NewAudit, NewCollection, NewObject, NewOrg,
    NewToken, NewUser, Org, Result, Token, User,
};

/// The accounts domain: organisations, users, credentials, the account audit log,
/// collections and grants.
///
/// Every method is one transaction: it either happens completely or not at all, and a
/// method that returns `Ok` has made its writes durable.
pub trait AccountStore: Send + Sync + 'static {
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
    /// `submitter_org_id` are set to the new organisation), gives the organisation `access`
    /// to the identity's collection and appends `audit` (its `target_org_id` set to the new
    /// organisation), in one transaction: if any step fails (a taken slug, an identity the
    /// versioning rules refuse) nothing is written.
    fn create_org_with_identity(
        &self,
        new: &NewOrg,
        identity: &NewObject,
        access: Access,
        audit: &NewAudit,
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
    /// Reads the audit log, oldest first, each record with its leaf index and hash.
    fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;

    // Collections and grants.

    /// Creates a collection and appends `audit`; `Conflict` if the slug is taken.
    fn create_collection(&self, new: &NewCollection, audit: &NewAudit) -> Result<Collection>;
    /// Finds a collection by its UUID.
    fn collection_by_id(&self, id: &str) -> Result<Option<Collection>>;
    /// Finds a collection by slug.
    fn collection_by_slug(&self, slug: &str) -> Result<Option<Collection>>;
    /// Lists every collection, by slug.
    fn list_collections(&self) -> Result<Vec<Collection>>;
    /// Sets (replaces) an organisation's access to a collection. `read: false, write: false`
    /// removes the grant. Appends `audit`.
    fn set_grant(
        &self,
        org_id: i64,
        collection_id: &str,
        access: Access,
        audit: &NewAudit,
    ) -> Result<()>;
    /// The access an organisation has to a collection (none if there is no grant).
    fn grant(&self, org_id: i64, collection_id: &str) -> Result<Access>;
    /// Every grant of a collection.
    fn list_grants(&self, collection_id: &str) -> Result<Vec<Grant>>;
}
