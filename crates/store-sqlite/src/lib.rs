//! store-sqlite: the SQLite backend of the rrm store.
//!
//! [`SqliteStore`] implements every store trait ([`store::AccountStore`], [`store::ObjectStore`],
//! [`store::BankStore`], [`store::AdStore`], [`store::AuditStore`]) on one SQLite file in WAL mode with
//! `synchronous=FULL`, so a write reported as done survives a crash or `kill -9` right
//! after. Writes go through one writer connection behind a mutex; reads (TAXII pages,
//! lookups) use a small pool of reader connections and never wait for ingest.
//!
//! The schema is built into the binary as numbered SQL migrations, tracked with
//! `PRAGMA user_version`; each migration runs in its own transaction, and a database
//! written by a newer rrm is refused with a clear error.
//!
//! Objects are paged by `(collection, date_added, seq)` and looked up by
//! `(collection, id, version)` through indexes; the first and last version of every object
//! are flagged so that `match[version]=first|last` never scans older versions.
//!
//! ```
//! use store::{AccountStore, NewOrg, Sector};
//! use store_sqlite::SqliteStore;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(&dir.path().join("rrm.db")).unwrap();
//! let org = store
//!     .create_org(&NewOrg {
//!         slug: "gov-ca".into(),
//!         name: "Government of Canada".into(),
//!         sector: Sector::Government,
//!         country: "CA".into(),
//!         identity_id: "identity--6b1ba5a4-5bd0-4a2c-9a4d-3b4e3c5b8c11".into(),
//!         identity_json: "{}".into(),
//!     })
//!     .unwrap();
//! assert_eq!(store.org_by_slug("gov-ca").unwrap(), Some(org));
//! ```

mod accounts;
mod ads;
mod alerts;
mod audit;
mod banks;
mod breaches;
mod cases;
mod db;
mod detect;
mod domain_events;
mod notice_stats;
mod notices;
mod notify;
mod objects;
mod sessions;
mod util;

pub use db::{SqliteStore, JOURNAL_SIZE_LIMIT, SCHEMA_VERSION};

use std::ops::ControlFlow;
use store::{
    Access, AccountStore, AddOutcome, AuditEntry, AuditItem, AuditQuery, AuditStore, Checkpoint,
    Collection, Grant, NewAudit, NewCollection, NewObject, NewOrg, NewToken, NewUser, ObjectQuery,
    ObjectStore, Org, Result, Status, StoredObject, Token, User, VersionFilter,
};

impl AccountStore for SqliteStore {
    fn create_org(&self, new: &NewOrg) -> Result<Org> {
        self.write(|tx| accounts::create_org(tx, new))
    }

    fn org_by_slug(&self, slug: &str) -> Result<Option<Org>> {
        self.read(|c| accounts::org_where(c, "slug", slug))
    }

    fn org_by_id(&self, id: i64) -> Result<Option<Org>> {
        self.read(|c| accounts::org_where(c, "id", id))
    }

    fn org_by_identity(&self, identity_id: &str) -> Result<Option<Org>> {
        self.read(|c| accounts::org_where(c, "identity_id", identity_id))
    }

    fn list_orgs(&self) -> Result<Vec<Org>> {
        self.read(accounts::list_orgs)
    }

    fn create_user(&self, new: &NewUser, audit: &NewAudit) -> Result<User> {
        self.write(|tx| {
            let user = accounts::create_user(tx, new)?;
            accounts::append_audit(tx, audit)?;
            Ok(user)
        })
    }

    fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        self.read(|c| accounts::user_where(c, "username", username))
    }

    fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        self.read(|c| accounts::user_where(c, "id", id))
    }

    fn list_users(&self, org_id: Option<i64>) -> Result<Vec<User>> {
        self.read(|c| accounts::list_users(c, org_id))
    }

    fn set_password_hash(&self, user_id: i64, password_hash: &str, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            accounts::set_password_hash(tx, user_id, password_hash)?;
            accounts::append_audit(tx, audit)
        })
    }

    fn set_user_disabled(&self, user_id: i64, disabled: bool, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            accounts::set_user_disabled(tx, user_id, disabled)?;
            accounts::append_audit(tx, audit)
        })
    }

    fn create_token(&self, new: &NewToken, audit: &NewAudit) -> Result<Token> {
        self.write(|tx| {
            let token = accounts::create_token(tx, new)?;
            accounts::append_audit(tx, audit)?;
            Ok(token)
        })
    }

    fn token_by_lookup(&self, lookup: &str) -> Result<Option<Token>> {
        self.read(|c| accounts::token_by_lookup(c, lookup))
    }

    fn list_tokens(&self, user_id: i64) -> Result<Vec<Token>> {
        self.read(|c| accounts::list_tokens(c, user_id))
    }

    fn revoke_token(&self, lookup: &str, audit: &NewAudit) -> Result<()> {
        self.write(|tx| {
            accounts::revoke_token(tx, lookup)?;
            accounts::append_audit(tx, audit)
        })
    }

    fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.read(|c| audit::list(c, query))
    }

    fn create_collection(&self, new: &NewCollection, audit: &NewAudit) -> Result<Collection> {
        self.write(|tx| {
            let collection = accounts::create_collection(tx, new)?;
            accounts::append_audit(tx, audit)?;
            Ok(collection)
        })
    }

    fn collection_by_id(&self, id: &str) -> Result<Option<Collection>> {
        self.read(|c| accounts::collection_where(c, "id", id))
    }

    fn collection_by_slug(&self, slug: &str) -> Result<Option<Collection>> {
        self.read(|c| accounts::collection_where(c, "slug", slug))
    }

    fn list_collections(&self) -> Result<Vec<Collection>> {
        self.read(accounts::list_collections)
    }

    fn set_grant(
        &self,
        org_id: i64,
        collection_id: &str,
        access: Access,
        audit: &NewAudit,
    ) -> Result<()> {
        self.write(|tx| {
            accounts::set_grant(tx, org_id, collection_id, access)?;
            accounts::append_audit(tx, audit)
        })
    }

    fn grant(&self, org_id: i64, collection_id: &str) -> Result<Access> {
        self.read(|c| accounts::grant(c, org_id, collection_id))
    }

    fn list_grants(&self, collection_id: &str) -> Result<Vec<Grant>> {
        self.read(|c| accounts::list_grants(c, collection_id))
    }

    fn create_org_with_identity(
        &self,
        new: &NewOrg,
        identity: &NewObject,
        access: Access,
        audit: &NewAudit,
    ) -> Result<Org> {
        self.write(|tx| {
            let org = accounts::create_org(tx, new)?;
            let mut obj = identity.clone();
            obj.owner_org_id = org.id;
            obj.submitter_org_id = org.id;
            let outcome = objects::add_objects(tx, std::slice::from_ref(&obj))?
                .pop()
                .unwrap_or_else(|| {
                    Err(store::StoreError::Backend(
                        "create_org_with_identity: no outcome for the identity".into(),
                    ))
                });
            // Any refusal rolls the whole organisation back.
            outcome?;
            accounts::set_grant(tx, org.id, &identity.collection_id, access)?;
            let audit = NewAudit {
                target_org_id: Some(org.id),
                ..audit.clone()
            };
            accounts::append_audit(tx, &audit)?;
            Ok(org)
        })
    }
}

impl AuditStore for SqliteStore {
    fn append_audit(&self, audit: &NewAudit) -> Result<AuditEntry> {
        self.write(|tx| audit::append(tx, audit))
    }

    fn audit_size(&self) -> Result<u64> {
        self.read(audit::size)
    }

    fn audit_nodes(&self, nodes: &[(u32, u64)]) -> Result<Vec<Option<[u8; 32]>>> {
        self.read(|c| audit::nodes(c, nodes))
    }

    fn audit_entry_at(&self, index: u64) -> Result<Option<AuditEntry>> {
        self.read(|c| audit::entry_at(c, index))
    }

    fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<Checkpoint> {
        self.write(|tx| audit::add_checkpoint(tx, checkpoint))
    }

    fn list_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        self.read(audit::list_checkpoints)
    }

    fn scan_audit(&self, f: &mut dyn FnMut(AuditItem) -> ControlFlow<()>) -> Result<()> {
        self.read(|c| audit::scan(c, f))
    }
}

impl ObjectStore for SqliteStore {
    fn add_object(&self, obj: &NewObject) -> Result<AddOutcome> {
        let mut outcomes = self.add_objects(std::slice::from_ref(obj))?;
        outcomes.pop().unwrap_or_else(|| {
            Err(store::StoreError::Backend(
                "add_object: no outcome for the object".into(),
            ))
        })
    }

    fn add_objects(&self, objs: &[NewObject]) -> Result<Vec<Result<AddOutcome>>> {
        if objs.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|tx| objects::add_objects(tx, objs))
    }

    fn scan_objects(
        &self,
        query: &ObjectQuery,
        visit: &mut dyn FnMut(StoredObject) -> ControlFlow<()>,
    ) -> Result<()> {
        self.read(|c| objects::scan_objects(c, query, visit))
    }

    fn delete_object(
        &self,
        collection_id: &str,
        id: &str,
        versions: &VersionFilter,
    ) -> Result<u64> {
        self.write(|tx| objects::delete_object(tx, collection_id, id, versions))
    }

    fn delete_copy(&self, collection_id: &str, id: &str, org_id: i64) -> Result<u64> {
        self.write(|tx| objects::delete_copy(tx, collection_id, id, org_id))
    }

    fn count_objects(&self, collection_id: &str) -> Result<u64> {
        self.read(|c| objects::count_objects(c, collection_id))
    }

    fn put_status(&self, status: &Status) -> Result<()> {
        self.write(|tx| accounts::put_status(tx, status))
    }

    fn get_status(&self, id: &str) -> Result<Option<Status>> {
        self.read(|c| accounts::get_status(c, id))
    }

    fn purge_statuses(&self, before: i64) -> Result<u64> {
        self.write(|tx| accounts::purge_statuses(tx, before))
    }
}
