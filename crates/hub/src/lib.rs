//! hub: the rrm sharing hub, the domain service over the accounts and objects stores.
//!
//! The hub authenticates users (argon2id passwords and `rrm_<lookup>_<secret>` API tokens),
//! administers organisations, users, collections and grants, ingests STIX 2.1 objects with
//! validation and ownership rules, and serves access-filtered, redacted reads with
//! HMAC-protected paging cursors, plus an export that never lets TLP:AMBER+STRICT or TLP:RED
//! data leave the instance. It does no HTTP and no SQL, and every method is synchronous: the
//! server calls it inside `tokio::task::spawn_blocking`.
//!
//! The hub holds the accounts and objects stores ([`Stores`]) and hands neither out: the
//! service crates (`banks`, `ads`, `detect`) and the server use its public methods, and
//! `services.rs` is the part of that API written for the service crates (organisation
//! lookups, grants, publication of generated objects, sealed search cursors, health).
//!
//! The access decision itself is `stix::access::may_see` (and `redact` for granular markings);
//! the hub feeds it the caller's identities, the collection grant and each stored object's
//! marking, recipients and submitter, and admins get no exception.
//!
//! ```
//! use std::sync::Arc;
//! use hub::{Actor, Hub, HubConfig, ObjectFilter};
//! use store::{Access, Role, Sector};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = store_sqlite::SqliteStore::open(&dir.path().join("hub.db")).unwrap();
//! let hub = Hub::new(Arc::new(store), HubConfig::new([7u8; 32])).unwrap();
//!
//! let op = Actor::Operator;
//! hub.add_org(op, "gov-ca", "Government of Canada", Sector::Government, "ca").unwrap();
//! hub.add_user(op, "gov-ca", "alice", Role::Analyst, None).unwrap();
//! let col = hub.add_collection(op, "threats", "Threats", "", None).unwrap();
//! hub.grant(op, "gov-ca", "threats", Access { read: true, write: true }).unwrap();
//!
//! let alice = hub.principal_for("alice").unwrap();
//! let indicator = serde_json::json!({
//!     "type": "indicator", "spec_version": "2.1",
//!     "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!     "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
//!     "pattern": "[domain-name:value = 'example.com']", "pattern_type": "stix",
//!     "valid_from": "2026-01-01T00:00:00Z"
//! });
//! let status = hub.add_objects(&alice, &col.id, vec![indicator]).unwrap();
//! assert_eq!(status.success_count, 1);
//!
//! let page = hub.get_objects(&alice, &col.id, &ObjectFilter::default(), None, None).unwrap();
//! assert_eq!(page.objects.len(), 1);
//! ```

mod accounts;
mod admin;
pub mod audit;
mod auth;
pub mod csv_dialect;
mod cursor;
mod error;
mod export;
mod ingest;
mod read;
mod services;
mod sessions;
pub mod work;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, Mutex};

pub use accounts::{decide, may_create_user, AccountAction, AccountTarget, Actor, Decision};
pub use admin::{AuditRecord, TokenInfo};
pub use auth::token_lookup;
pub use error::HubError;
pub use ingest::{Status, StatusEntry, StatusState};
pub use services::ObjectVisibility;
pub use sessions::{
    ConsoleSession, OpenedSession, SessionClient, SessionInfo, SessionLimits, SessionToken,
    SESSION_PREFIX,
};
pub use store::{
    Access, AccountStore, AuditStore, Collection, ObjectStore, Org, Role, Sector, SessionStore,
    Tlp, User, VersionFilter,
};

/// The slug of the directory collection, which holds every organisation's identity, the hub's
/// identity and the recipients extension definition, and which every organisation may read.
pub const DIRECTORY_SLUG: &str = "directory";

/// The title of the directory collection.
pub const DIRECTORY_TITLE: &str = "rrm directory";

/// The shortest status retention a hub accepts, and [`HubConfig::new`]'s: 24 hours.
pub const MIN_STATUS_RETENTION_SECS: i64 = 86_400;

/// The status retention of the `rrm` binary: 7 days.
pub const DEFAULT_STATUS_RETENTION_SECS: i64 = 7 * MIN_STATUS_RETENTION_SECS;

/// Settings of a hub.
#[derive(Clone)]
pub struct HubConfig {
    /// Default TLP of new collections (AMBER).
    pub default_tlp: Tlp,
    /// The largest page `limit` honoured (1000).
    pub max_page: usize,
    /// Statuses stay readable at least this long, in seconds (at least
    /// [`MIN_STATUS_RETENTION_SECS`]).
    pub status_retention_secs: i64,
    /// HMAC-SHA256 key for paging cursors; the binary persists it in the data directory.
    pub cursor_key: [u8; 32],
    /// The instance's ed25519 signing key (its 32-byte seed) for audit checkpoints; the
    /// binary persists it in the data directory (`audit.key`, mode 0600).
    pub audit_key: [u8; 32],
}

impl HubConfig {
    /// The default settings (AMBER, pages of at most 1,000, statuses kept 24 hours) with the
    /// given cursor key.
    pub fn new(cursor_key: [u8; 32]) -> HubConfig {
        HubConfig {
            default_tlp: Tlp::Amber,
            max_page: 1000,
            status_retention_secs: MIN_STATUS_RETENTION_SECS,
            cursor_key,
            audit_key: derived_key(b"rrm audit signing key", &cursor_key),
        }
    }
}

impl fmt::Debug for HubConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubConfig")
            .field("default_tlp", &self.default_tlp)
            .field("max_page", &self.max_page)
            .field("status_retention_secs", &self.status_retention_secs)
            .field("cursor_key", &"<redacted>")
            .field("audit_key", &"<redacted>")
            .finish()
    }
}

/// A key derived from another for another purpose (SHA-256 of a label and the key); only
/// [`HubConfig::new`] uses it, so tests get a stable audit key from their cursor key.
fn derived_key(label: &[u8], key: &[u8; 32]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(label);
    h.update(key);
    h.finalize().into()
}

/// An authenticated caller: the user, their organisation and their STIX identity ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user: User,
    /// The user's organisation.
    pub org: Org,
    /// The user's identity id (`stix::user_identity_id`) and the organisation's identity id.
    pub identities: Vec<String>,
}

/// A TAXII object filter (`added_after`, `match[id]`, `match[type]`, `match[version]`,
/// `match[spec_version]`). Empty lists mean "no filter"; `Default` selects the last version of
/// every object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectFilter {
    /// Only versions added strictly after this time (microseconds since the epoch).
    pub added_after: Option<i64>,
    /// `match[id]`.
    pub ids: Vec<String>,
    /// `match[type]`.
    pub types: Vec<String>,
    /// `match[version]`.
    pub versions: VersionFilter,
    /// `match[spec_version]`; empty means the latest (2.1).
    pub spec_versions: Vec<String>,
}

/// A page of objects (the TAXII envelope's content).
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPage {
    /// The objects, redacted for the caller, in (`date_added`, `seq`) order.
    pub objects: Vec<serde_json::Value>,
    /// Whether more results may follow.
    pub more: bool,
    /// The cursor of the next page; always `Some` when `more` is true.
    pub next: Option<String>,
    /// `date_added` of the first object on the page (microseconds).
    pub first_added: Option<i64>,
    /// `date_added` of the last object on the page (microseconds).
    pub last_added: Option<i64>,
}

/// One TAXII manifest record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The object id.
    pub id: String,
    /// When this version was added (microseconds).
    pub date_added: i64,
    /// The version: `modified`, else `created`, else `date_added`, as an RFC 3339 timestamp.
    pub version: String,
    /// The media type, `application/stix+json;version=2.1`.
    pub media_type: String,
}

/// A page of manifest records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestPage {
    /// The records, in (`date_added`, `seq`) order.
    pub objects: Vec<ManifestEntry>,
    /// Whether more results may follow.
    pub more: bool,
    /// The cursor of the next page; always `Some` when `more` is true.
    pub next: Option<String>,
    /// `date_added` of the first record on the page (microseconds).
    pub first_added: Option<i64>,
    /// `date_added` of the last record on the page (microseconds).
    pub last_added: Option<i64>,
}

/// A page of an object's versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionsPage {
    /// The versions as RFC 3339 timestamps, in (`date_added`, `seq`) order.
    pub versions: Vec<String>,
    /// Whether more results may follow.
    pub more: bool,
    /// The cursor of the next page; always `Some` when `more` is true.
    pub next: Option<String>,
    /// `date_added` of the first version on the page (microseconds).
    pub first_added: Option<i64>,
    /// `date_added` of the last version on the page (microseconds).
    pub last_added: Option<i64>,
}

/// What an export did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportSummary {
    /// Objects emitted.
    pub exported: u64,
    /// Objects the caller may see that were not emitted because of their TLP.
    pub withheld: u64,
}

/// The two stores a hub holds: accounts (organisations, users, tokens, collections, grants,
/// audit) and objects (STIX versions, statuses). Nothing outside the hub holds the object
/// store.
#[derive(Clone)]
pub struct Stores {
    /// The accounts store.
    pub accounts: Arc<dyn AccountStore>,
    /// The objects store.
    pub objects: Arc<dyn ObjectStore>,
    /// The audit log's Merkle tree and checkpoints.
    pub audit: Arc<dyn AuditStore>,
    /// The web console's sessions.
    pub sessions: Arc<dyn SessionStore>,
}

impl<S: AccountStore + ObjectStore + AuditStore + SessionStore> From<Arc<S>> for Stores {
    /// Every store on one backend (`store_sqlite::SqliteStore` implements every store trait).
    fn from(backend: Arc<S>) -> Stores {
        Stores {
            accounts: backend.clone(),
            objects: backend.clone(),
            audit: backend.clone(),
            sessions: backend,
        }
    }
}

impl fmt::Debug for Stores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

/// The hub service. Cheap to clone; clones share the store and caches.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    stores: Stores,
    config: HubConfig,
    /// The directory collection's UUID.
    directory_id: String,
    /// The hub's own STIX identity id.
    hub_identity_id: String,
    /// Recently verified credentials, keyed by a SHA-256 of the credential.
    auth_cache: Mutex<HashMap<[u8; 32], auth::CacheEntry>>,
    /// An argon2id hash verified against when the user is unknown, so that unknown users cost
    /// the same time as known ones.
    dummy_hash: std::sync::OnceLock<String>,
    /// When statuses were last purged (seconds).
    last_purge: AtomicI64,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("config", &self.inner.config)
            .field("directory_id", &self.inner.directory_id)
            .finish()
    }
}

impl Hub {
    /// Opens the hub over its stores (or one backend holding both, `Arc<SqliteStore>`),
    /// creating the directory collection, the hub's identity and the recipients extension
    /// definition if they are missing.
    pub fn new(stores: impl Into<Stores>, config: HubConfig) -> Result<Hub, HubError> {
        let stores = stores.into();
        if config.max_page == 0 {
            return Err(HubError::invalid("max_page", "must be at least 1"));
        }
        if config.status_retention_secs < MIN_STATUS_RETENTION_SECS {
            return Err(HubError::invalid(
                "status_retention_secs",
                format!(
                    "statuses must stay readable at least {MIN_STATUS_RETENTION_SECS} seconds (24 hours)"
                ),
            ));
        }
        let hub_identity_id = admin::hub_identity_id();
        let directory_id = admin::ensure_directory(&stores, &hub_identity_id)?;
        Ok(Hub {
            inner: Arc::new(Inner {
                stores,
                config,
                directory_id,
                hub_identity_id,
                auth_cache: Mutex::new(HashMap::new()),
                dummy_hash: std::sync::OnceLock::new(),
                last_purge: AtomicI64::new(0),
            }),
        })
    }

    /// The accounts store (private: callers go through the hub's methods).
    pub(crate) fn accounts(&self) -> &dyn AccountStore {
        self.inner.stores.accounts.as_ref()
    }

    /// The objects store (private: nothing outside the hub reads object JSON but through
    /// `may_see`).
    pub(crate) fn objects(&self) -> &dyn ObjectStore {
        self.inner.stores.objects.as_ref()
    }

    /// The web console's sessions.
    pub(crate) fn sessions(&self) -> &dyn SessionStore {
        self.inner.stores.sessions.as_ref()
    }

    /// The audit tree and checkpoints.
    pub(crate) fn audit_store(&self) -> &dyn AuditStore {
        self.inner.stores.audit.as_ref()
    }

    /// The hub's settings.
    pub fn config(&self) -> &HubConfig {
        &self.inner.config
    }

    /// The UUID of the directory collection.
    pub fn directory_id(&self) -> &str {
        &self.inner.directory_id
    }

    /// The hub's own STIX identity id.
    pub fn hub_identity_id(&self) -> &str {
        &self.inner.hub_identity_id
    }
}

// The one clock is `stix`'s; the service crates use it through the hub.
pub use clock::{now_micros, now_secs};
