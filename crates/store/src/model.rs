//! Records kept by the store and the queries it answers.

use std::fmt;
use std::str::FromStr;

pub use stix::Tlp;

/// The sector an organisation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sector {
    /// A government body (a national RRM unit, an election security task force).
    Government,
    /// A social-media or content platform.
    Platform,
    /// An Internet service provider.
    Isp,
    /// A civil-society group or researchers.
    CivilSociety,
    /// An election authority.
    ElectionAuthority,
    /// Anyone else.
    Other,
}

impl Sector {
    /// Every sector.
    pub const ALL: [Sector; 6] = [
        Sector::Government,
        Sector::Platform,
        Sector::Isp,
        Sector::CivilSociety,
        Sector::ElectionAuthority,
        Sector::Other,
    ];

    /// The wire name: `government`, `platform`, `isp`, `civil-society`,
    /// `election-authority`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Government => "government",
            Sector::Platform => "platform",
            Sector::Isp => "isp",
            Sector::CivilSociety => "civil-society",
            Sector::ElectionAuthority => "election-authority",
            Sector::Other => "other",
        }
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sector {
    type Err = String;

    fn from_str(s: &str) -> Result<Sector, String> {
        Sector::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown sector {s:?}: expected one of government, platform, isp, \
                     civil-society, election-authority, other"
                )
            })
    }
}

/// What a user may do inside their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Reads what the organisation may read.
    Reader,
    /// Reads and writes where the organisation may write.
    Analyst,
    /// Manages its own organisation's users and their credentials. No exception to TLP.
    Admin,
    /// The hub operator: manages every organisation, user, collection and grant. Only the
    /// operator creates operators. No exception to TLP.
    Operator,
}

impl Role {
    /// The wire name: `reader`, `analyst`, `admin`, `operator`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "reader" => Ok(Role::Reader),
            "analyst" => Ok(Role::Analyst),
            "admin" => Ok(Role::Admin),
            "operator" => Ok(Role::Operator),
            _ => Err(format!(
                "unknown role {s:?}: expected one of admin, analyst, reader, operator"
            )),
        }
    }
}

/// A new organisation. The caller builds its STIX `identity` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    /// Short unique name, `[a-z0-9-]+`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Sector.
    pub sector: Sector,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
    /// The id of the organisation's STIX identity (`identity--UUID`).
    pub identity_id: String,
    /// The identity object, serialized JSON.
    pub identity_json: String,
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Internal id.
    pub id: i64,
    /// Short unique name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Sector.
    pub sector: Sector,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// The id of the organisation's STIX identity.
    pub identity_id: String,
    /// The identity object, serialized JSON.
    pub identity_json: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
}

/// A new user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The organisation the user belongs to.
    pub org_id: i64,
    /// Unique login name.
    pub username: String,
    /// Role within the organisation.
    pub role: Role,
    /// argon2id PHC string, or `None` for a token-only user.
    pub password_hash: Option<String>,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Internal id.
    pub id: i64,
    /// The organisation the user belongs to.
    pub org_id: i64,
    /// Unique login name.
    pub username: String,
    /// Role within the organisation.
    pub role: Role,
    /// argon2id PHC string, if the user has a password.
    pub password_hash: Option<String>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Whether the user is disabled: its password and tokens no longer authenticate.
    pub disabled: bool,
}

/// A new API token. The token given to the user is `rrm_<lookup>_<secret>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Public, random lookup id.
    pub lookup: String,
    /// The user the token acts as.
    pub user_id: i64,
    /// argon2id PHC string of the secret part.
    pub secret_hash: String,
    /// Free-text label.
    pub label: String,
}

/// A stored API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Public lookup id.
    pub lookup: String,
    /// The user the token acts as.
    pub user_id: i64,
    /// argon2id PHC string of the secret part.
    pub secret_hash: String,
    /// Free-text label.
    pub label: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Whether the token was revoked.
    pub revoked: bool,
}

/// A new TAXII collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCollection {
    /// The collection's UUID (TAXII id).
    pub id: String,
    /// Short unique name.
    pub slug: String,
    /// Human title.
    pub title: String,
    /// Description.
    pub description: String,
    /// TLP of objects that carry no TLP marking.
    pub default_tlp: Tlp,
}

/// A stored TAXII collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// The collection's UUID (TAXII id).
    pub id: String,
    /// Short unique name.
    pub slug: String,
    /// Human title.
    pub title: String,
    /// Description.
    pub description: String,
    /// TLP of objects that carry no TLP marking.
    pub default_tlp: Tlp,
    /// Creation time, seconds since the epoch.
    pub created: i64,
}

/// What an organisation may do with a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Access {
    /// May read objects (subject to TLP).
    pub read: bool,
    /// May add objects.
    pub write: bool,
}

/// An organisation's access to a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The organisation.
    pub org_id: i64,
    /// The collection's UUID.
    pub collection_id: String,
    /// What it may do.
    pub access: Access,
}

/// One STIX object version to store. The caller has validated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObject {
    /// The collection's UUID.
    pub collection_id: String,
    /// STIX id, `type--UUID`.
    pub id: String,
    /// STIX type.
    pub stix_type: String,
    /// `spec_version`, `2.1` for everything rrm accepts.
    pub spec_version: String,
    /// The version: `modified`, else `created`, in microseconds since the epoch; `None` for
    /// objects that carry neither (most SCOs).
    pub version: Option<i64>,
    /// The object exactly as received, serialized JSON.
    pub json: String,
    /// TLP from `object_marking_refs`; `None` means "the collection's default".
    pub tlp: Option<Tlp>,
    /// Identity ids named as recipients in the rrm recipients extension.
    pub recipients: Vec<String>,
    /// `created_by_ref`, if any.
    pub created_by_ref: Option<String>,
    /// `revoked: true`.
    pub revoked: bool,
    /// The user who submitted this version.
    pub submitter_user_id: i64,
    /// The submitter's organisation.
    pub submitter_org_id: i64,
    /// The organisation that owns the object (may add versions): used on first sight of the
    /// id; later versions must come with the same owner.
    pub owner_org_id: i64,
}

/// What `add_object` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new version was stored, with this `date_added` (microseconds).
    Added {
        /// When it was added, microseconds since the epoch.
        date_added: i64,
    },
    /// The identical version was already stored; nothing changed.
    Unchanged {
        /// When the stored copy was added.
        date_added: i64,
    },
}

/// A stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The collection's UUID.
    pub collection_id: String,
    /// STIX id.
    pub id: String,
    /// STIX type.
    pub stix_type: String,
    /// `spec_version`.
    pub spec_version: String,
    /// The version in microseconds (`modified`, else `created`), if any.
    pub version: Option<i64>,
    /// When the version was added to the collection, microseconds since the epoch.
    pub date_added: i64,
    /// Tie-breaker, unique within the store, increasing with `date_added`.
    pub seq: i64,
    /// The object exactly as received.
    pub json: String,
    /// TLP from `object_marking_refs`, if any.
    pub tlp: Option<Tlp>,
    /// Identity ids named as recipients.
    pub recipients: Vec<String>,
    /// `created_by_ref`, if any.
    pub created_by_ref: Option<String>,
    /// The user who submitted this version.
    pub submitter_user_id: i64,
    /// The submitter's organisation.
    pub submitter_org_id: i64,
}

/// A position in a collection's (`date_added`, `seq`) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// `date_added` in microseconds.
    pub date_added: i64,
    /// The tie-breaker.
    pub seq: i64,
}

/// Which versions of each object a query selects (TAXII `match[version]`); the selectors
/// are OR-ed. `Default` selects the last version, as TAXII does when no filter is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFilter {
    /// Every version.
    pub all: bool,
    /// The most recent version of each object.
    pub last: bool,
    /// The oldest version of each object.
    pub first: bool,
    /// Versions with exactly these timestamps (microseconds).
    pub at: Vec<i64>,
}

impl Default for VersionFilter {
    fn default() -> Self {
        VersionFilter {
            all: false,
            last: true,
            first: false,
            at: Vec::new(),
        }
    }
}

impl VersionFilter {
    /// A filter that selects every version.
    pub fn all() -> Self {
        VersionFilter {
            all: true,
            last: false,
            first: false,
            at: Vec::new(),
        }
    }
}

/// A scan of one collection's object versions. Empty lists mean "no filter"; filters of
/// different kinds are AND-ed, values within one list are OR-ed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectQuery {
    /// The collection's UUID.
    pub collection_id: String,
    /// Start strictly after this position (a paging cursor).
    pub after: Option<Position>,
    /// Only versions added strictly after this time (microseconds).
    pub added_after: Option<i64>,
    /// `match[id]`.
    pub ids: Vec<String>,
    /// `match[type]`.
    pub types: Vec<String>,
    /// `match[spec_version]`; empty means "the latest spec version", which for rrm is 2.1.
    pub spec_versions: Vec<String>,
    /// `match[version]`.
    pub versions: VersionFilter,
}

/// A TAXII status resource. The server owns its JSON form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The status id (a UUID).
    pub id: String,
    /// The user who made the request; only they (and their organisation) may read it.
    pub user_id: i64,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// The status resource, serialized JSON.
    pub json: String,
}

/// A new record of the audit log: who did what to which account, organisation, collection
/// or other record. Every store method that takes one appends it in the same transaction as
/// its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    /// The acting username, or `operator` for the local operator.
    pub actor: String,
    /// The acting user's organisation; `None` for the local operator.
    pub actor_org_id: Option<i64>,
    /// What was done: `org.create`, `user.create`, `user.password`, `user.disable`,
    /// `user.enable`, `token.create`, `token.revoke`, `collection.create`, `grant.set`,
    /// `export`; for alerts `alert.raise`, `alert.receive` (one per recipient),
    /// `alert.acknowledge`, `alert.contribute`, `alert.decline`, `alert.forward`, and for groups
    /// `group.create`, `group.rename`, `group.member.add`, `group.member.remove`; for cases
    /// (target `case/ID`, `case/ID/action/ID` or `case/ID/vote/ID`, target organisation the
    /// case owner) `case.create`, `case.open`, `case.close`, `case.reopen`,
    /// `case.participant.add`, `case.participant.remove`, `case.object.add`, `case.publish`,
    /// `case.action.draft`, `case.action.edit`, `case.action.` + a step (`propose`, `approve`,
    /// `reject`, `done`, `failed`, `withdrawn`), `case.vote.open`, `case.vote.ballot`,
    /// `case.vote.close`, `case.vote.publish`.
    pub action: String,
    /// The account concerned: a username, or `username/lookup` for a token.
    pub target: String,
    /// The organisation of the account concerned.
    pub target_org_id: Option<i64>,
    /// Free-text details (a token label, a role); never a secret.
    pub detail: String,
}

impl NewAudit {
    /// A record of something the hub itself did (no user acted): actor `rrm`.
    pub fn system(
        action: &str,
        target: &str,
        target_org_id: Option<i64>,
        detail: &str,
    ) -> NewAudit {
        NewAudit {
            actor: "rrm".to_string(),
            actor_org_id: None,
            action: action.to_string(),
            target: target.to_string(),
            target_org_id,
            detail: detail.to_string(),
        }
    }
}

/// A stored record of the audit log (append-only), one leaf of its Merkle tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log, increasing.
    pub seq: i64,
    /// When, seconds since the epoch.
    pub at: i64,
    /// The acting username, or `operator`.
    pub actor: String,
    /// The acting user's organisation.
    pub actor_org_id: Option<i64>,
    /// What was done.
    pub action: String,
    /// The account concerned.
    pub target: String,
    /// The organisation of the account concerned.
    pub target_org_id: Option<i64>,
    /// Details.
    pub detail: String,
    /// 16 random bytes drawn when the record was written, part of its leaf: without them a
    /// leaf hash in someone else's proof cannot be matched against a guessed record.
    pub nonce: Vec<u8>,
    /// Its leaf index in the Merkle tree (0 for the first record) and its stored leaf hash;
    /// `None` for a record that is not in the tree (only after tampering).
    pub leaf: Option<(u64, [u8; 32])>,
}

/// The first bytes of an audit record's canonical form (format version 1).
pub const AUDIT_LEAF_TAG: &[u8] = b"rrm-audit-entry-v1";

impl AuditEntry {
    /// The canonical byte form hashed into the record's leaf (`SHA-256(0x00 || bytes)`):
    /// [`AUDIT_LEAF_TAG`], then `seq` and `at` as 8-byte big-endian signed integers, then
    /// `actor`, `actor_org_id`, `action`, `target`, `target_org_id`, `detail` and `nonce`.
    /// A text or byte field is a 4-byte big-endian length and its bytes; an optional
    /// organisation is `0x00`, or `0x01` and the id as 8 bytes big-endian.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        fn bytes(out: &mut Vec<u8>, b: &[u8]) {
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(b);
        }
        fn org(out: &mut Vec<u8>, id: Option<i64>) {
            match id {
                None => out.push(0),
                Some(id) => {
                    out.push(1);
                    out.extend_from_slice(&id.to_be_bytes());
                }
            }
        }
        let mut out = Vec::with_capacity(
            96 + self.actor.len() + self.action.len() + self.target.len() + self.detail.len(),
        );
        out.extend_from_slice(AUDIT_LEAF_TAG);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.at.to_be_bytes());
        bytes(&mut out, self.actor.as_bytes());
        org(&mut out, self.actor_org_id);
        bytes(&mut out, self.action.as_bytes());
        bytes(&mut out, self.target.as_bytes());
        org(&mut out, self.target_org_id);
        bytes(&mut out, self.detail.as_bytes());
        bytes(&mut out, &self.nonce);
        out
    }
}

/// A stored leaf of the audit tree: the record it hashes and the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditLeaf {
    /// Leaf index, from 0.
    pub index: u64,
    /// The record's `seq`.
    pub seq: i64,
    /// `SHA-256(0x00 || canonical bytes)`.
    pub hash: [u8; 32],
}

/// A stored interior node of the audit tree: the complete subtree of `2^level` leaves from
/// leaf `index << level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditNode {
    /// Height above the leaves (at least 1).
    pub level: u32,
    /// Position in its level.
    pub index: u64,
    /// The subtree's hash.
    pub hash: [u8; 32],
}

/// A signed tree head of the audit log.
#[derive(Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// How many records the tree had.
    pub size: u64,
    /// The tree head (RFC 6962 MTH) of those records.
    pub root: [u8; 32],
    /// When it was signed, seconds since the epoch.
    pub at: i64,
    /// The ed25519 signature over [`Checkpoint::signed_bytes`].
    pub signature: [u8; 64],
}

impl std::fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoint")
            .field("size", &self.size)
            .field("root", &hex_of(&self.root))
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The first bytes of a checkpoint's signed form (format version 1).
pub const CHECKPOINT_TAG: &[u8] = b"rrm-audit-checkpoint-v1";

impl Checkpoint {
    /// The bytes the instance key signs: [`CHECKPOINT_TAG`], the size as 8 bytes
    /// big-endian, the 32-byte root and the time as 8 bytes big-endian.
    pub fn signed_bytes(size: u64, root: &[u8; 32], at: i64) -> Vec<u8> {
        let mut out = Vec::with_capacity(CHECKPOINT_TAG.len() + 48);
        out.extend_from_slice(CHECKPOINT_TAG);
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(root);
        out.extend_from_slice(&at.to_be_bytes());
        out
    }
}

/// Which audit records to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditQuery {
    /// Only records whose target belongs to this organisation (an operator acting elsewhere
    /// stays out of it); `None` for all.
    pub org_id: Option<i64>,
    /// Only records with `seq` strictly above this.
    pub after: i64,
    /// At most this many records, oldest first.
    pub limit: usize,
}
