//! banks: the hash-bank service (HMA-style) over `hub`'s public API and its own
//! [`store::BankStore`]: banks, entries, feedback, bulk import and export, exact matching
//! with an in-memory index, and publication of every entry as a STIX 2.1 indicator.
//!
//! Access: an organisation may use a bank when it may read the bank's collection and
//! `stix::access::may_see` lets it see an object at the bank's TLP (for TLP:RED, only the
//! owner organisation, named as the sole recipient). Banks an organisation may not use
//! answer [`Error::UnknownBank`], exactly like banks that do not exist.
//!
//! Matching: one [`pdq::index::Index`] over every PDQ entry of every bank, and hash maps for
//! MD5 and SHA-256, built when the hub starts and updated under the bank write lock before
//! each add, disable or enable returns. Results are filtered to the caller's usable, enabled
//! banks.
//!
//! Publication: entries become indicators with patterns `[file:hashes.'PDQ' = '…']`,
//! `[file:hashes.MD5 = '…']` or `[file:hashes.'SHA-256' = '…']`, labels
//! `content_type:…`, `producing_entity:…`, `behaviour:…`, `created_by_ref` the contributing
//! organisation's identity and the bank's TLP marking, stored through
//! [`Hub::add_objects`](hub::Hub::add_objects)
//! in the bank's collection. Disabling adds a `revoked: true` version; enabling again
//! publishes a new indicator. Only the contributing organisation may disable or enable an
//! entry, because only it may add versions of the indicator.
//!
//! It knows no HTTP and no SQL; identities, grants and publication go through [`hub::Hub`].
//!
//! ```
//! use std::sync::Arc;
//! use hub::{Actor, Hub, HubConfig};
//! use store::{Access, Labels, Role, Sector, Tlp};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("hub.db")).unwrap());
//! let hub = Hub::new(store.clone(), HubConfig::new([7u8; 32])).unwrap();
//! let banks = banks::Banks::new(hub.clone(), store).unwrap();
//!
//! let op = Actor::Operator;
//! hub.add_org(op, "gov-ca", "Government of Canada", Sector::Government, "ca").unwrap();
//! hub.add_user(op, "gov-ca", "alice", Role::Analyst, None).unwrap();
//! hub.add_collection(op, "hashes", "Hashes", "", None).unwrap();
//! hub.grant(op, "gov-ca", "hashes", Access { read: true, write: true }).unwrap();
//! let alice = hub.principal_for("alice").unwrap();
//!
//! let bank = banks::NewBankRequest::new("terror", "hashes", Tlp::Green);
//! banks.create_bank(&alice, &bank).unwrap();
//! let entry = banks::EntryInput {
//!     signal_type: "md5".into(),
//!     value: "d41d8cd98f00b204e9800998ecf8427e".into(),
//!     labels: Labels::default(),
//! };
//! assert_eq!(banks.add_entries(&alice, "terror", &[entry]).unwrap().len(), 1);
//! ```

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use md5::Digest as _;
use pdq::index::Index;
use pdq::PdqHash;
use serde_json::{json, Value};
use stix::access::{may_see, ObjectAccess, Reader};
use store::{
    Bank, BankEntry, BankStore, BankUpdate, Feedback, FeedbackCounts, FeedbackKind, Labels,
    NewBank, NewEntry, Role, SignalType, Tlp,
};

use hub::{now_micros, now_secs, Hub, Principal};

mod error;
mod request;
pub use error::{Error, Result};
pub use request::{FeedbackRequest, MatchRequest, NewBankRequest, UpdateBankRequest};

/// Entries published per ingest call during a bulk add.
const PUBLISH_CHUNK: usize = 5_000;

/// Entries read per store page when the index is built.
const LOAD_PAGE: usize = 50_000;

/// The largest PDQ threshold a match may ask for. Unrelated images lie about 128 bits apart
/// (standard deviation about 8); 31 is PDQ's match threshold and Meta treats distances up to
/// about 70 as the useful range, so 63 keeps every meaningful search while refusing ones that
/// return the whole bank.
pub const MAX_THRESHOLD: u32 = 63;

/// The most matches one hash gets: its nearest, by distance then entry id.
pub const MAX_MATCHES_PER_QUERY: usize = 100;

/// The most matches one match request gets over all its hashes.
pub const MAX_MATCHES_PER_REQUEST: usize = 10_000;

/// The most labels text a label may hold, in bytes.
const MAX_LABEL: usize = 200;

/// The hashes of an uploaded image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageHashes {
    /// PDQ hash, 64 hex digits.
    pub pdq: String,
    /// PDQ quality, 0 to 100.
    pub quality: u32,
    /// MD5 of the bytes, 32 hex digits.
    pub md5: String,
    /// SHA-256 of the bytes, 64 hex digits.
    pub sha256: String,
}

/// One entry to add: a signal type, a value and labels, as given by a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInput {
    /// `pdq`, `md5` or `sha256`.
    pub signal_type: String,
    /// The hash, hex digits (case-insensitive).
    pub value: String,
    /// Labels.
    pub labels: Labels,
}

/// A hash to match: a signal type and a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchQuery {
    /// The signal type.
    pub signal_type: SignalType,
    /// The hash, hex digits (case-insensitive).
    pub value: String,
}

/// One matched entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMatch {
    /// The entry.
    pub entry: BankEntry,
    /// The name of the entry's bank.
    pub bank: String,
    /// The slug of the bank's owner organisation (bank names are unique per organisation).
    pub bank_owner: String,
    /// Hamming distance for PDQ, 0 for MD5 and SHA-256.
    pub distance: u32,
}

/// The matches of one hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchList {
    /// The nearest matches, by distance then entry id.
    pub matches: Vec<EntryMatch>,
    /// Whether more entries matched than were returned (the per-hash or per-request cap).
    pub truncated: bool,
}

impl<'a> IntoIterator for &'a MatchList {
    type Item = &'a EntryMatch;
    type IntoIter = std::slice::Iter<'a, EntryMatch>;
    fn into_iter(self) -> Self::IntoIter {
        self.matches.iter()
    }
}

impl std::ops::Deref for MatchList {
    type Target = [EntryMatch];
    fn deref(&self) -> &[EntryMatch] {
        &self.matches
    }
}

/// The format of a bulk import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryFormat {
    /// CSV with a header line; see [`Banks::import_entries`].
    Csv,
    /// JSON `{"entries": [{"signal_type", "value", "content_type"?, "producing_entity"?,
    /// "behaviour"?}, …]}`.
    Json,
}

/// The in-memory matching state: built at start-up, updated on every change.
#[derive(Default)]
pub(crate) struct BankIndex {
    /// Every PDQ entry, enabled or not, keyed by entry id.
    pdq: Index,
    /// Enabled MD5 entries by digest.
    md5: HashMap<[u8; 16], Vec<i64>>,
    /// Enabled SHA-256 entries by digest.
    sha256: HashMap<[u8; 32], Vec<i64>>,
    /// The bank of every entry.
    bank_of: HashMap<i64, i64>,
}

/// The matching state of the bank service: the index and the write lock.
struct BankState {
    index: RwLock<BankIndex>,
    /// Serialises bank writes so the index follows the store's order.
    write: Mutex<()>,
}

impl BankState {
    /// Builds the index from every entry in the store.
    fn load(store: &dyn BankStore) -> Result<BankState> {
        let mut pdq_entries: Vec<(u64, PdqHash)> = Vec::new();
        let mut disabled: Vec<u64> = Vec::new();
        let mut index = BankIndex::default();
        let mut after = 0i64;
        loop {
            let page = store.list_entries(None, after, LOAD_PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for e in &page {
                index.bank_of.insert(e.id, e.bank_id);
                if e.signal_type == SignalType::Pdq {
                    let hash = PdqHash::from_hex(&e.value).map_err(|err| {
                        Error::internal(
                            format!("bank entry {} holds an invalid PDQ hash", e.id),
                            err.to_string(),
                        )
                    })?;
                    let id = entry_key(e.id);
                    pdq_entries.push((id, hash));
                    if !e.enabled {
                        disabled.push(id);
                    }
                } else if e.enabled {
                    index.insert_exact(e.signal_type, &e.value, e.id);
                }
            }
        }
        index.pdq = Index::build(&pdq_entries);
        for id in disabled {
            index.pdq.disable(id);
        }
        Ok(BankState {
            index: RwLock::new(index),
            write: Mutex::new(()),
        })
    }
}

/// The index key of an entry id (entry ids are positive).
fn entry_key(id: i64) -> u64 {
    id as u64
}

impl BankIndex {
    fn insert_exact(&mut self, t: SignalType, value: &str, id: i64) {
        match t {
            SignalType::Md5 => {
                if let Some(k) = digest::<16>(value) {
                    self.md5.entry(k).or_default().push(id);
                }
            }
            SignalType::Sha256 => {
                if let Some(k) = digest::<32>(value) {
                    self.sha256.entry(k).or_default().push(id);
                }
            }
            SignalType::Pdq => {}
        }
    }

    fn remove_exact(&mut self, t: SignalType, value: &str, id: i64) {
        fn drop_id<K: std::hash::Hash + Eq>(m: &mut HashMap<K, Vec<i64>>, k: K, id: i64) {
            if let Some(v) = m.get_mut(&k) {
                v.retain(|&x| x != id);
                if v.is_empty() {
                    m.remove(&k);
                }
            }
        }
        match t {
            SignalType::Md5 => {
                if let Some(k) = digest::<16>(value) {
                    drop_id(&mut self.md5, k, id);
                }
            }
            SignalType::Sha256 => {
                if let Some(k) = digest::<32>(value) {
                    drop_id(&mut self.sha256, k, id);
                }
            }
            SignalType::Pdq => {}
        }
    }

    /// Records a stored entry (enabled or not).
    fn apply(&mut self, e: &BankEntry) {
        self.bank_of.insert(e.id, e.bank_id);
        match e.signal_type {
            SignalType::Pdq => {
                if let Ok(h) = PdqHash::from_hex(&e.value) {
                    self.pdq.add(entry_key(e.id), h);
                    if !e.enabled {
                        self.pdq.disable(entry_key(e.id));
                    }
                }
            }
            t => {
                self.remove_exact(t, &e.value, e.id);
                if e.enabled {
                    self.insert_exact(t, &e.value, e.id);
                }
            }
        }
    }
}

/// Parses `N` bytes of hex.
fn digest<const N: usize>(hex_text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(hex_text, &mut out).ok()?;
    Some(out)
}

/// Checks a hash value for its signal type and returns it in lower case.
pub fn normalise_value(t: SignalType, value: &str) -> Result<String, String> {
    let v = value.trim();
    let want = t.hex_len();
    let len = v.chars().count();
    if len != want {
        return Err(format!(
            "a {t} hash has {want} hex digits, found {len} character(s)"
        ));
    }
    if let Some((i, c)) = v.chars().enumerate().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "a {t} hash has only hex digits 0-9 a-f, found {c:?} at character {}",
            i + 1
        ));
    }
    Ok(v.to_ascii_lowercase())
}

fn check_label(field: &str, text: &str) -> Result<(), String> {
    if text.len() > MAX_LABEL {
        return Err(format!("{field} is longer than {MAX_LABEL} bytes"));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("{field} contains a control character"));
    }
    Ok(())
}

fn check_bank_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            format!("bank name {name:?} must be 1 to 64 characters of a-z, 0-9 and '-'"),
        ))
    }
}

/// The threshold of a match (default 31); `Invalid` on `threshold` above [`MAX_THRESHOLD`].
fn check_threshold(threshold: Option<u32>) -> Result<u32> {
    let threshold = threshold.unwrap_or(pdq::DEFAULT_THRESHOLD);
    if threshold > MAX_THRESHOLD {
        return Err(Error::invalid(
            "threshold",
            format!(
                "must be between 0 and {MAX_THRESHOLD} (PDQ's match threshold is {}; beyond \
                 {MAX_THRESHOLD} bits apart, hashes are hardly related)",
                pdq::DEFAULT_THRESHOLD
            ),
        ));
    }
    Ok(threshold)
}

fn require_writer(p: &Principal) -> Result<()> {
    if p.user.role == Role::Reader {
        return Err(Error::Forbidden(format!(
            "user '{}' has the reader role; changing banks needs analyst or admin",
            p.user.username
        )));
    }
    Ok(())
}

thread_local! {
    static HASHER: RefCell<pdq::Hasher> = RefCell::new(pdq::Hasher::new());
}

/// Hashes image bytes: PDQ with its quality, MD5 and SHA-256. A 0-byte, corrupt, truncated
/// or unrecognised image gives `Invalid` on field `image`.
pub fn hash_image(bytes: &[u8]) -> Result<ImageHashes> {
    let pdq = HASHER
        .with(|h| h.borrow_mut().hash_bytes(bytes))
        .map_err(|e| Error::invalid("image", e.to_string()))?;
    Ok(ImageHashes {
        pdq: pdq.hash.to_hex(),
        quality: pdq.quality,
        md5: hex::encode(md5::Md5::digest(bytes)),
        sha256: hex::encode(sha2::Sha256::digest(bytes)),
    })
}

/// The STIX pattern of an entry.
fn pattern(t: SignalType, value: &str) -> String {
    let name = match t {
        SignalType::Pdq => "'PDQ'",
        SignalType::Md5 => "MD5",
        SignalType::Sha256 => "'SHA-256'",
    };
    format!("[file:hashes.{name} = '{value}']")
}

/// Parses a CSV or JSON bulk file into entry inputs; errors name the line and column (CSV)
/// or the entry index and property (JSON).
pub fn parse_entries(format: EntryFormat, data: &[u8]) -> Result<Vec<EntryInput>> {
    match format {
        EntryFormat::Csv => parse_csv(data),
        EntryFormat::Json => parse_json(data),
    }
}

/// Columns of an export that an import ignores, so an export can be imported elsewhere.
const EXPORT_ONLY_COLUMNS: [&str; 6] = [
    "id",
    "enabled",
    "contributor",
    "created",
    "updated",
    "stix_id",
];

const CSV_COLUMNS: [&str; 5] = [
    "signal_type",
    "value",
    "content_type",
    "producing_entity",
    "behaviour",
];

fn parse_csv(data: &[u8]) -> Result<Vec<EntryInput>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(data);
    let headers = rdr
        .headers()
        .map_err(|e| Error::invalid("file", format!("line 1: {e}")))?
        .clone();
    let mut cols = [None::<usize>; 5];
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        match CSV_COLUMNS.iter().position(|c| *c == h) {
            Some(k) if cols[k].is_none() => cols[k] = Some(i),
            Some(_) => {
                return Err(Error::invalid(
                    "file",
                    format!("line 1, column {}: column {h:?} appears twice", i + 1),
                ))
            }
            None if EXPORT_ONLY_COLUMNS.contains(&h) => {}
            None => {
                return Err(Error::invalid(
                    "file",
                    format!(
                        "line 1, column {}: unknown column {h:?}; expected signal_type, value \
                         and optionally content_type, producing_entity, behaviour",
                        i + 1
                    ),
                ))
            }
        }
    }
    let (Some(t_col), Some(v_col)) = (cols[0], cols[1]) else {
        return Err(Error::invalid(
            "file",
            "line 1: the header must name the columns signal_type and value",
        ));
    };
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::invalid("file", format!("line {line}: {e}"))
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |c: Option<usize>| {
            c.and_then(|i| rec.get(i))
                .map(str::to_string)
                .unwrap_or_default()
        };
        out.push(EntryInput {
            signal_type: get(Some(t_col)),
            value: get(Some(v_col)),
            labels: Labels {
                content_type: get(cols[2]),
                producing_entity: get(cols[3]),
                behaviour: get(cols[4]),
            },
        });
        // Check now so the message names the line and column.
        if let Err(e) = check_input(out.last().unwrap_or(&EntryInput::empty())) {
            let col = CSV_COLUMNS
                .iter()
                .position(|c| *c == e.0)
                .and_then(|k| cols[k])
                .map(|i| i + 1)
                .unwrap_or(0);
            return Err(Error::invalid(
                "file",
                format!("line {line}, column {col} ({}): {}", e.0, e.1),
            ));
        }
    }
    Ok(out)
}

fn parse_json(data: &[u8]) -> Result<Vec<EntryInput>> {
    let v: Value = serde_json::from_slice(data)
        .map_err(|e| Error::invalid("file", format!("not valid JSON: {e}")))?;
    let items = match &v {
        Value::Array(a) => a,
        Value::Object(m) => match m.get("entries") {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(Error::invalid(
                    "file",
                    "expected {\"entries\": [...]} or a JSON array of entries",
                ))
            }
        },
        _ => {
            return Err(Error::invalid(
                "file",
                "expected {\"entries\": [...]} or a JSON array of entries",
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(m) = item else {
            return Err(Error::invalid(
                "file",
                format!("entries[{i}]: must be an object"),
            ));
        };
        for k in m.keys() {
            if !CSV_COLUMNS.contains(&k.as_str()) && !EXPORT_ONLY_COLUMNS.contains(&k.as_str()) {
                return Err(Error::invalid(
                    "file",
                    format!("entries[{i}].{k}: unknown property"),
                ));
            }
        }
        let get = |k: &str| -> Result<String> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(Error::invalid(
                    "file",
                    format!("entries[{i}].{k}: must be a string"),
                )),
            }
        };
        let input = EntryInput {
            signal_type: get("signal_type")?,
            value: get("value")?,
            labels: Labels {
                content_type: get("content_type")?,
                producing_entity: get("producing_entity")?,
                behaviour: get("behaviour")?,
            },
        };
        if let Err((field, msg)) = check_input(&input) {
            return Err(Error::invalid(
                "file",
                format!("entries[{i}].{field}: {msg}"),
            ));
        }
        out.push(input);
    }
    Ok(out)
}

impl EntryInput {
    fn empty() -> EntryInput {
        EntryInput {
            signal_type: String::new(),
            value: String::new(),
            labels: Labels::default(),
        }
    }
}

/// Checks one input; the error names the property.
fn check_input(e: &EntryInput) -> Result<(SignalType, String), (&'static str, String)> {
    let t: SignalType = e
        .signal_type
        .trim()
        .parse()
        .map_err(|m| ("signal_type", m))?;
    let value = normalise_value(t, &e.value).map_err(|m| ("value", m))?;
    check_label("content_type", &e.labels.content_type).map_err(|m| ("content_type", m))?;
    check_label("producing_entity", &e.labels.producing_entity)
        .map_err(|m| ("producing_entity", m))?;
    check_label("behaviour", &e.labels.behaviour).map_err(|m| ("behaviour", m))?;
    Ok((t, value))
}

/// The hash-bank service: the bank store, the matching index built from it, and the hub
/// for identities, grants and publication. Cheap to clone; clones share the index.
#[derive(Clone)]
pub struct Banks {
    hub: Hub,
    store: Arc<dyn BankStore>,
    state: Arc<BankState>,
}

impl std::fmt::Debug for Banks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Banks").finish_non_exhaustive()
    }
}

impl Banks {
    /// Opens the bank service over its store, building the matching index from every entry.
    pub fn new(hub: Hub, store: Arc<dyn BankStore>) -> Result<Banks> {
        let state = BankState::load(store.as_ref())?;
        Ok(Banks {
            hub,
            store,
            state: Arc::new(state),
        })
    }

    /// The hub the banks publish through.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    fn store(&self) -> &dyn BankStore {
        self.store.as_ref()
    }

    fn banks(&self) -> &BankState {
        &self.state
    }

    fn bank_lock(&self) -> MutexGuard<'_, ()> {
        self.banks()
            .write
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the caller's organisation may use (match against, read) a bank: it may read
    /// the bank's collection and `may_see` allows the bank's TLP, the owner organisation's
    /// identity being the only recipient.
    pub fn may_use_bank(&self, p: &Principal, bank: &Bank) -> Result<bool> {
        let access = self.hub.org_access(p.org.id, &bank.collection_id)?;
        let owner_identity = match bank.tlp {
            Tlp::Red => self
                .hub
                .org_by_id(bank.owner_org_id)?
                .map(|o| vec![o.identity_id])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let reader = Reader {
            user_id: p.user.id,
            org_id: p.org.id,
            identities: &p.identities,
            collection_readable: access.read,
        };
        let obj = ObjectAccess {
            tlp: Some(bank.tlp),
            collection_default: bank.tlp,
            recipients: &owner_identity,
            // No user submitted the bank itself; only recipients see it at RED.
            submitter_user_id: -1,
        };
        Ok(may_see(&reader, &obj))
    }

    /// A bank the caller may use, by reference; [`Error::UnknownBank`] otherwise.
    ///
    /// Bank names are unique per organisation. A reference is `NAME` or `ORG:NAME` (the owner
    /// organisation's slug). `NAME` is the caller's own organisation's bank of that name if
    /// it has one, otherwise the only usable bank of that name; when several other
    /// organisations' usable banks share it, the answer is `Invalid` on `bank`, listing the
    /// `ORG:NAME` forms. Banks the caller may not use are never counted or named.
    pub fn get_bank(&self, p: &Principal, reference: &str) -> Result<Bank> {
        let not_found = || Error::UnknownBank {
            reference: reference.to_string(),
        };
        let (owner, name) = match reference.split_once(':') {
            Some((org, name)) => (Some(org), name),
            None => (None, reference),
        };
        if let Some(slug) = owner {
            let org = self.hub.org_by_slug(slug)?.ok_or_else(not_found)?;
            let bank = self
                .store()
                .bank_by_name(org.id, name)?
                .ok_or_else(not_found)?;
            return if self.may_use_bank(p, &bank)? {
                Ok(bank)
            } else {
                Err(not_found())
            };
        }
        if let Some(own) = self.store().bank_by_name(p.org.id, name)? {
            if self.may_use_bank(p, &own)? {
                return Ok(own);
            }
        }
        let mut usable = Vec::new();
        for b in self.store().banks_named(name)? {
            if b.owner_org_id != p.org.id && self.may_use_bank(p, &b)? {
                usable.push(b);
            }
        }
        match usable.len() {
            0 => Err(not_found()),
            1 => Ok(usable.remove(0)),
            _ => {
                let mut forms = Vec::new();
                for b in &usable {
                    if let Some(o) = self.hub.org_by_id(b.owner_org_id)? {
                        forms.push(format!("{}:{name}", o.slug));
                    }
                }
                Err(Error::invalid(
                    "bank",
                    format!(
                        "several organisations' banks are named '{name}'; name one as \
                         ORG:NAME ({})",
                        forms.join(", ")
                    ),
                ))
            }
        }
    }

    /// The slug of a bank's owner organisation (empty if it is unknown).
    pub fn bank_owner(&self, bank: &Bank) -> Result<String> {
        Ok(self
            .hub
            .org_by_id(bank.owner_org_id)?
            .map(|o| o.slug)
            .unwrap_or_default())
    }

    /// Every bank the caller may use, by name (disabled ones included).
    pub fn list_banks(&self, p: &Principal) -> Result<Vec<Bank>> {
        let mut out = Vec::new();
        for b in self.store().list_banks()? {
            if self.may_use_bank(p, &b)? {
                out.push(b);
            }
        }
        Ok(out)
    }

    /// Creates a bank owned by the caller's organisation, published to its collection (UUID
    /// or slug), which the organisation must be able to write; TLP AMBER unless given. Needs
    /// analyst or admin.
    pub fn create_bank(&self, p: &Principal, req: &NewBankRequest) -> Result<Bank> {
        require_writer(p)?;
        let (name, collection) = (req.name.as_str(), req.collection.as_str());
        let description = req.description.as_deref().unwrap_or_default();
        let tlp = req.tlp.unwrap_or(Tlp::Amber);
        check_bank_name(name)?;
        if description.len() > 4000 {
            return Err(Error::invalid("description", "must be at most 4000 bytes"));
        }
        let (col, access) = self.hub.collection_for(p, collection)?;
        if col.id == self.hub.directory_id() || !access.write {
            return Err(Error::Forbidden(format!(
                "organisation '{}' may not write to collection '{collection}', so it cannot \
                 publish a bank there",
                p.org.slug
            )));
        }
        Ok(self.store().create_bank(&NewBank {
            name: name.to_string(),
            description: description.to_string(),
            owner_org_id: p.org.id,
            tlp,
            collection_id: col.id,
        })?)
    }

    /// Changes a bank's description, TLP or enabled flag; only the owner organisation's
    /// analysts and admins may.
    pub fn update_bank(&self, p: &Principal, name: &str, update: &BankUpdate) -> Result<Bank> {
        require_writer(p)?;
        // The bank is read under the lock, so a concurrent change cannot leave it stale.
        let _guard = self.bank_lock();
        let bank = self.get_bank(p, name)?;
        if bank.owner_org_id != p.org.id {
            return Err(Error::Forbidden(format!(
                "only the owner organisation may change bank '{name}'"
            )));
        }
        if update.description.as_ref().is_some_and(|d| d.len() > 4000) {
            return Err(Error::invalid("description", "must be at most 4000 bytes"));
        }
        if let Some(tlp) = update.tlp.filter(|t| *t != bank.tlp) {
            let remarked = Bank {
                tlp,
                ..bank.clone()
            };
            self.remark(p, &bank, &remarked)?;
        }
        Ok(self.store().update_bank(bank.id, update)?)
    }

    /// Re-marks a bank's published indicators for a TLP change, under the bank lock: every
    /// enabled entry's indicator gets a new version (new `modified`) at the new marking, so
    /// it is what TAXII readers see as the latest version. When the new level is more
    /// restrictive, every stored version of the bank's indicators at a less restrictive
    /// marking (older versions, the revoked versions of disabled entries and the revoked
    /// indicators that re-enabled entries left behind) is deleted, so
    /// `match[version]=all` gives nobody the new marking excludes the content. Lowering the
    /// level deletes nothing: older versions stay readable only under their stricter marking.
    fn remark(&self, p: &Principal, old: &Bank, new: &Bank) -> Result<()> {
        let mut identities: HashMap<i64, String> = HashMap::new();
        for o in self.hub.orgs()? {
            identities.insert(o.id, o.identity_id);
        }
        let mut entries = Vec::new();
        let mut after = 0;
        loop {
            let page = self.store().list_entries(Some(old.id), after, LOAD_PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            entries.extend(page);
        }
        for chunk in entries.chunks(PUBLISH_CHUNK) {
            let now = now_micros();
            let mut records = Vec::with_capacity(chunk.len());
            for e in chunk.iter().filter(|e| e.enabled) {
                let Some(identity) = identities.get(&e.contributor_org_id) else {
                    continue;
                };
                let obj = self.indicator(
                    new,
                    identity,
                    &e.stix_id,
                    e.signal_type,
                    &e.value,
                    &e.labels,
                    e.created,
                    now.max(e.updated + 1),
                    false,
                );
                records.push((e.contributor_org_id, obj));
            }
            for outcome in
                self.hub
                    .publish_generated(p, &new.collection_id, "a bank indicator", &records)?
            {
                outcome.map_err(|err| {
                    Error::internal(format!("re-marking bank '{}'", old.name), err)
                })?;
            }
            if new.tlp > old.tlp {
                let ids: Vec<String> = chunk.iter().map(|e| e.stix_id.clone()).collect();
                self.hub
                    .delete_looser_versions(&new.collection_id, ids, new.tlp)?;
            }
        }
        if new.tlp > old.tlp {
            // The revoked indicators entries left when they were enabled again are the
            // bank's too.
            let retired: Vec<String> = self
                .store()
                .retired_stix_ids(old.id)?
                .into_iter()
                .map(|(_, id)| id)
                .collect();
            for ids in retired.chunks(PUBLISH_CHUNK) {
                self.hub
                    .delete_looser_versions(&new.collection_id, ids.to_vec(), new.tlp)?;
            }
        }
        Ok(())
    }

    /// Adds entries to a bank (all inputs are checked first; nothing is stored if one is
    /// invalid or already in the bank), publishes each as an indicator in the bank's
    /// collection and makes it matchable before returning. Needs analyst or admin, a bank the
    /// caller may use and write access to its collection.
    pub fn add_entries(
        &self,
        p: &Principal,
        bank: &str,
        inputs: &[EntryInput],
    ) -> Result<Vec<BankEntry>> {
        require_writer(p)?;
        // Under the lock, so new entries are published at the bank's current TLP.
        let _guard = self.bank_lock();
        let bank = self.get_bank(p, bank)?;
        let (_, access) = self.hub.collection_for(p, &bank.collection_id)?;
        if !access.write {
            return Err(Error::Forbidden(format!(
                "organisation '{}' may not write to the collection of bank '{}'",
                p.org.slug, bank.name
            )));
        }
        let mut checked: Vec<(SignalType, String, Labels)> = Vec::with_capacity(inputs.len());
        let mut seen: HashSet<(SignalType, String)> = HashSet::with_capacity(inputs.len());
        for (i, e) in inputs.iter().enumerate() {
            let (t, value) = check_input(e)
                .map_err(|(field, msg)| Error::invalid(&format!("entries[{i}].{field}"), msg))?;
            if !seen.insert((t, value.clone())) {
                return Err(Error::invalid(
                    &format!("entries[{i}].value"),
                    format!("{t} {value} appears more than once in the input"),
                ));
            }
            checked.push((t, value, e.labels.clone()));
        }
        for (i, (t, value, _)) in checked.iter().enumerate() {
            if self.store().entry_by_value(bank.id, *t, value)?.is_some() {
                return Err(Error::Conflict(format!(
                    "entries[{i}]: {t} {value} is already in bank '{}'",
                    bank.name
                )));
            }
        }
        let mut added = Vec::with_capacity(checked.len());
        for chunk in checked.chunks(PUBLISH_CHUNK) {
            let created = now_micros();
            let mut objects = Vec::with_capacity(chunk.len());
            let mut news = Vec::with_capacity(chunk.len());
            for (t, value, labels) in chunk {
                let stix_id = format!("indicator--{}", uuid::Uuid::new_v4());
                objects.push(self.indicator(
                    &bank,
                    &p.org.identity_id,
                    &stix_id,
                    *t,
                    value,
                    labels,
                    created,
                    created,
                    false,
                ));
                news.push(NewEntry {
                    bank_id: bank.id,
                    signal_type: *t,
                    value: value.clone(),
                    labels: labels.clone(),
                    contributor_org_id: p.org.id,
                    stix_id,
                    created,
                });
            }
            self.publish(p, &bank, objects)?;
            let stored = self.store().add_entries(&news)?;
            let mut index = self
                .banks()
                .index
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            for e in &stored {
                index.apply(e);
            }
            drop(index);
            added.extend(stored);
        }
        Ok(added)
    }

    /// Stores indicators through the ingest path; any failure is an error.
    fn publish(&self, p: &Principal, bank: &Bank, objects: Vec<Value>) -> Result<()> {
        let status = self.hub.add_objects(p, &bank.collection_id, objects)?;
        let failures = status.failures;
        if let Some(first) = failures.first() {
            let first = serde_json::to_string(first).unwrap_or_default();
            return Err(Error::broken(format!(
                "publishing bank '{}' to its collection failed for {} indicator(s); first: {first}",
                bank.name,
                failures.len()
            )));
        }
        Ok(())
    }

    /// The indicator that publishes an entry.
    #[allow(clippy::too_many_arguments)]
    fn indicator(
        &self,
        bank: &Bank,
        contributor_identity: &str,
        stix_id: &str,
        t: SignalType,
        value: &str,
        labels: &Labels,
        created: i64,
        modified: i64,
        revoked: bool,
    ) -> Value {
        let mut obj = json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": stix_id,
            "created": stix::format_timestamp(created),
            "modified": stix::format_timestamp(modified),
            "name": format!("{t} hash in bank {}", bank.name),
            "description": format!(
                "A {t} hash of content in the rrm hash bank '{}'.",
                bank.name
            ),
            "indicator_types": ["malicious-activity"],
            "pattern": pattern(t, value),
            "pattern_type": "stix",
            "valid_from": stix::format_timestamp(created),
            "created_by_ref": contributor_identity,
            "object_marking_refs": [bank.tlp.marking_id()],
        });
        let mut tags = Vec::new();
        for (k, v) in [
            ("content_type", &labels.content_type),
            ("producing_entity", &labels.producing_entity),
            ("behaviour", &labels.behaviour),
        ] {
            if !v.is_empty() {
                tags.push(Value::String(format!("{k}:{v}")));
            }
        }
        if let Some(m) = obj.as_object_mut() {
            if !tags.is_empty() {
                m.insert("labels".into(), Value::Array(tags));
            }
            if revoked {
                m.insert("revoked".into(), Value::Bool(true));
            }
            if bank.tlp == Tlp::Red {
                let mut recipients = vec![contributor_identity.to_string()];
                if let Ok(Some(owner)) = self.hub.org_by_id(bank.owner_org_id) {
                    if owner.identity_id != contributor_identity {
                        recipients.push(owner.identity_id);
                    }
                }
                m.insert(
                    "extensions".into(),
                    json!({ stix::RECIPIENTS_EXTENSION_ID: {
                        "extension_type": "property-extension",
                        stix::RECIPIENT_REFS: recipients,
                    }}),
                );
            }
        }
        obj
    }

    /// An entry of a bank the caller may use; [`Error::UnknownEntry`] (or `UnknownBank`) otherwise.
    pub fn get_entry(
        &self,
        p: &Principal,
        bank: &str,
        entry_id: i64,
    ) -> Result<(BankEntry, FeedbackCounts)> {
        let bank = self.get_bank(p, bank)?;
        let entry = self
            .store()
            .entry_by_id(entry_id)?
            .filter(|e| e.bank_id == bank.id)
            .ok_or_else(|| Error::UnknownEntry {
                bank: bank.name.clone(),
                entry: entry_id,
            })?;
        let counts = self.store().feedback_counts(entry.id)?;
        Ok((entry, counts))
    }

    /// Disables or enables an entry. The record is kept; disabling publishes a revoked
    /// version of its indicator, enabling a new indicator. The index follows before this
    /// returns. Only the contributing organisation's analysts and admins may.
    pub fn set_entry_enabled(
        &self,
        p: &Principal,
        bank: &str,
        entry_id: i64,
        enabled: bool,
    ) -> Result<BankEntry> {
        require_writer(p)?;
        let _guard = self.bank_lock();
        let bank_rec = self.get_bank(p, bank)?;
        let (entry, _) = self.get_entry(p, bank, entry_id)?;
        if entry.contributor_org_id != p.org.id {
            return Err(Error::Forbidden(format!(
                "only the organisation that contributed entry {entry_id} may disable or enable it"
            )));
        }
        if entry.enabled == enabled {
            return Ok(entry);
        }
        let now = now_micros().max(entry.updated + 1);
        let identity = p.org.identity_id.clone();
        let (stix_id, obj) = if enabled {
            let id = format!("indicator--{}", uuid::Uuid::new_v4());
            let obj = self.indicator(
                &bank_rec,
                &identity,
                &id,
                entry.signal_type,
                &entry.value,
                &entry.labels,
                now,
                now,
                false,
            );
            (id, obj)
        } else {
            let obj = self.indicator(
                &bank_rec,
                &identity,
                &entry.stix_id,
                entry.signal_type,
                &entry.value,
                &entry.labels,
                entry.created,
                now,
                true,
            );
            (entry.stix_id.clone(), obj)
        };
        self.publish(p, &bank_rec, vec![obj])?;
        let updated = self
            .store()
            .set_entry_enabled(entry.id, enabled, now, &stix_id)?;
        self.banks()
            .index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .apply(&updated);
        Ok(updated)
    }

    /// Records the caller organisation's feedback on an entry (replacing its earlier one)
    /// and returns the entry's counts.
    pub fn give_feedback(
        &self,
        p: &Principal,
        bank: &str,
        entry_id: i64,
        kind: FeedbackKind,
    ) -> Result<FeedbackCounts> {
        let (entry, _) = self.get_entry(p, bank, entry_id)?;
        self.store().put_feedback(&Feedback {
            entry_id: entry.id,
            org_id: p.org.id,
            kind,
            created: now_secs(),
        })?;
        Ok(self.store().feedback_counts(entry.id)?)
    }

    /// Parses a CSV or JSON bulk file and adds its entries (see [`Banks::add_entries`]).
    ///
    /// CSV: a header line naming `signal_type` and `value` and optionally `content_type`,
    /// `producing_entity` and `behaviour`, in any order; one entry per line. The columns an
    /// export adds (`id`, `enabled`, `contributor`, `created`, `updated`, `stix_id`) are
    /// ignored, so an export imports into another bank. Errors name the line and column.
    /// JSON: `{"entries": [...]}` or an array of objects with the same properties; errors
    /// name the entry index and property.
    pub fn import_entries(
        &self,
        p: &Principal,
        bank: &str,
        format: EntryFormat,
        data: &[u8],
    ) -> Result<Vec<BankEntry>> {
        // Check access before parsing, so an unknown bank answers UnknownBank.
        self.get_bank(p, bank)?;
        let inputs = parse_entries(format, data)?;
        self.add_entries(p, bank, &inputs)
    }

    /// Every entry of a bank (enabled or not), as CSV (columns `id, signal_type, value,
    /// content_type, producing_entity, behaviour, enabled, contributor, created, updated,
    /// stix_id`) or JSON `{"entries": [...]}` with the same fields.
    pub fn export_entries(&self, p: &Principal, bank: &str, format: EntryFormat) -> Result<String> {
        let bank = self.get_bank(p, bank)?;
        let mut orgs: HashMap<i64, String> = HashMap::new();
        for o in self.hub.orgs()? {
            orgs.insert(o.id, o.slug);
        }
        let mut csv_rows: Vec<[String; 11]> = Vec::new();
        let mut json_items: Vec<EntryView> = Vec::new();
        if format == EntryFormat::Csv {
            csv_rows.push(
                [
                    "id",
                    "signal_type",
                    "value",
                    "content_type",
                    "producing_entity",
                    "behaviour",
                    "enabled",
                    "contributor",
                    "created",
                    "updated",
                    "stix_id",
                ]
                .map(str::to_string),
            );
        }
        let mut after = 0;
        loop {
            let page = self.store().list_entries(Some(bank.id), after, LOAD_PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for e in &page {
                let contributor = orgs.get(&e.contributor_org_id).cloned().unwrap_or_default();
                match format {
                    EntryFormat::Csv => csv_rows.push([
                        e.id.to_string(),
                        e.signal_type.to_string(),
                        e.value.clone(),
                        e.labels.content_type.clone(),
                        e.labels.producing_entity.clone(),
                        e.labels.behaviour.clone(),
                        e.enabled.to_string(),
                        contributor,
                        stix::format_timestamp(e.created),
                        stix::format_timestamp(e.updated),
                        e.stix_id.clone(),
                    ]),
                    EntryFormat::Json => {
                        json_items.push(EntryView::of(e, Some(&contributor), None))
                    }
                }
            }
        }
        let count = if format == EntryFormat::Csv {
            csv_rows.len().saturating_sub(1)
        } else {
            json_items.len()
        };
        let out = match format {
            EntryFormat::Csv => hub::csv_dialect::to_string(csv_rows),
            EntryFormat::Json => serde_json::to_string(&BankExport {
                bank: &bank.name,
                entries: json_items,
            })
            .unwrap_or_default(),
        };
        // Every export goes into the audit log before it is handed out.
        let owner = orgs.get(&bank.owner_org_id).cloned().unwrap_or_default();
        let kind = if format == EntryFormat::Csv {
            "CSV"
        } else {
            "JSON"
        };
        self.hub.record_export(
            p,
            &format!("bank {owner}:{}", bank.name),
            &format!("hash bank entries as {kind}: {count} entries"),
        )?;
        Ok(out)
    }

    /// The enabled entries of enabled banks the caller may use that match each query: PDQ
    /// within `threshold` (default 31, at most [`MAX_THRESHOLD`]), MD5 and SHA-256 exactly.
    /// One list per query, sorted by distance then entry id, holding at most
    /// [`MAX_MATCHES_PER_QUERY`] nearest matches, and at most [`MAX_MATCHES_PER_REQUEST`] over
    /// all queries (later queries get fewer, or none); a list that was cut says `truncated`.
    pub fn match_hashes(
        &self,
        p: &Principal,
        queries: &[MatchQuery],
        threshold: Option<u32>,
    ) -> Result<Vec<MatchList>> {
        let threshold = check_threshold(threshold)?;
        let mut parsed = Vec::with_capacity(queries.len());
        for (i, q) in queries.iter().enumerate() {
            let v = normalise_value(q.signal_type, &q.value)
                .map_err(|m| Error::invalid(&format!("hashes[{i}]"), m))?;
            parsed.push((q.signal_type, v));
        }
        let usable: HashMap<i64, Bank> = self
            .store()
            .list_banks()?
            .into_iter()
            .filter(|b| b.enabled)
            .map(|b| self.may_use_bank(p, &b).map(|ok| (ok, b)))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|(ok, _)| *ok)
            .map(|(_, b)| (b.id, b))
            .collect();
        let mut hits: Vec<(Vec<(i64, u32)>, bool)> = Vec::with_capacity(parsed.len());
        {
            let index = self
                .banks()
                .index
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let usable_entry = |id: i64| {
                index
                    .bank_of
                    .get(&id)
                    .is_some_and(|b| usable.contains_key(b))
            };
            let mut budget = MAX_MATCHES_PER_REQUEST;
            for (t, v) in &parsed {
                let limit = MAX_MATCHES_PER_QUERY.min(budget);
                let (found, truncated) = match t {
                    SignalType::Pdq => match PdqHash::from_hex(v) {
                        Ok(h) => {
                            let near = index
                                .pdq
                                .query_nearest(&h, threshold, limit, &|id| usable_entry(id as i64));
                            let found = near
                                .matches
                                .into_iter()
                                .map(|m| (m.id as i64, m.distance))
                                .collect();
                            (found, near.truncated)
                        }
                        Err(_) => (Vec::new(), false),
                    },
                    SignalType::Md5 | SignalType::Sha256 => {
                        let ids = match t {
                            SignalType::Md5 => digest::<16>(v).and_then(|k| index.md5.get(&k)),
                            _ => digest::<32>(v).and_then(|k| index.sha256.get(&k)),
                        };
                        let mut found: Vec<(i64, u32)> = ids
                            .map(|ids| ids.iter().map(|&id| (id, 0)).collect())
                            .unwrap_or_default();
                        found.retain(|(id, _)| usable_entry(*id));
                        found.sort_unstable_by_key(|&(id, d)| (d, id));
                        let truncated = found.len() > limit;
                        found.truncate(limit);
                        (found, truncated)
                    }
                };
                budget -= found.len();
                hits.push((found, truncated));
            }
        }
        let all_ids: Vec<i64> = hits
            .iter()
            .flat_map(|(l, _)| l.iter().map(|(id, _)| *id))
            .collect();
        let entries: HashMap<i64, BankEntry> = self
            .store()
            .entries_by_ids(&all_ids)?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let mut owners: HashMap<i64, String> = HashMap::new();
        for e in entries.values() {
            if let Some(b) = usable.get(&e.bank_id) {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    owners.entry(b.owner_org_id)
                {
                    slot.insert(self.bank_owner(b)?);
                }
            }
        }
        Ok(hits
            .into_iter()
            .map(|(list, truncated)| MatchList {
                matches: list
                    .into_iter()
                    .filter_map(|(id, distance)| {
                        let entry = entries.get(&id)?.clone();
                        let b = usable.get(&entry.bank_id)?;
                        let bank = b.name.clone();
                        let bank_owner = owners.get(&b.owner_org_id).cloned().unwrap_or_default();
                        // The store is the truth: an entry disabled meanwhile is not a match.
                        entry.enabled.then_some(EntryMatch {
                            entry,
                            bank,
                            bank_owner,
                            distance,
                        })
                    })
                    .collect(),
                truncated,
            })
            .collect())
    }

    /// Hashes an image and matches its PDQ hash, MD5 and SHA-256 (one list, PDQ matches
    /// first, each kind capped like [`Banks::match_hashes`]). Images of PDQ quality below 50
    /// are refused.
    pub fn match_image(
        &self,
        p: &Principal,
        bytes: &[u8],
        threshold: Option<u32>,
    ) -> Result<(ImageHashes, MatchList)> {
        check_threshold(threshold)?;
        let hashes = hash_image(bytes)?;
        if hashes.quality < pdq::MIN_MATCH_QUALITY {
            return Err(Error::invalid(
                "image",
                format!(
                    "the image's PDQ quality is {}, below the minimum of {} for matching \
                     (too uniform or too small to hash reliably)",
                    hashes.quality,
                    pdq::MIN_MATCH_QUALITY
                ),
            ));
        }
        let queries = [
            MatchQuery {
                signal_type: SignalType::Pdq,
                value: hashes.pdq.clone(),
            },
            MatchQuery {
                signal_type: SignalType::Md5,
                value: hashes.md5.clone(),
            },
            MatchQuery {
                signal_type: SignalType::Sha256,
                value: hashes.sha256.clone(),
            },
        ];
        let lists = self.match_hashes(p, &queries, threshold)?;
        let truncated = lists.iter().any(|l| l.truncated);
        let matches = lists.into_iter().flat_map(|l| l.matches).collect();
        Ok((hashes, MatchList { matches, truncated }))
    }
}

/// A bank entry as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryView {
    /// Entry id.
    pub id: i64,
    /// `pdq`, `md5` or `sha256`.
    pub signal_type: String,
    /// The hash, lower-case hex.
    pub value: String,
    /// Label: the kind of content.
    pub content_type: String,
    /// Label: who produced it.
    pub producing_entity: String,
    /// Label: the behaviour it shows.
    pub behaviour: String,
    /// Whether it matches.
    pub enabled: bool,
    /// The contributing organisation's slug (in exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contributor: Option<String>,
    /// When it was added.
    pub created: String,
    /// When it last changed.
    pub updated: String,
    /// The STIX indicator that publishes it.
    pub stix_id: String,
    /// Partner feedback counts (on single-entry reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<FeedbackView>,
}

/// The feedback counts of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FeedbackView {
    /// Organisations that said true positive.
    pub true_positive: u64,
    /// Organisations that said false positive.
    pub false_positive: u64,
    /// Organisations that disagree with the labels.
    pub disagree_labels: u64,
}

impl From<FeedbackCounts> for FeedbackView {
    fn from(c: FeedbackCounts) -> FeedbackView {
        FeedbackView {
            true_positive: c.true_positive,
            false_positive: c.false_positive,
            disagree_labels: c.disagree_labels,
        }
    }
}

impl EntryView {
    /// The view of an entry, with its contributor's slug and feedback counts when given.
    pub fn of(
        e: &BankEntry,
        contributor: Option<&str>,
        feedback: Option<FeedbackCounts>,
    ) -> EntryView {
        EntryView {
            id: e.id,
            signal_type: e.signal_type.as_str().to_string(),
            value: e.value.clone(),
            content_type: e.labels.content_type.clone(),
            producing_entity: e.labels.producing_entity.clone(),
            behaviour: e.labels.behaviour.clone(),
            enabled: e.enabled,
            contributor: contributor.map(str::to_string),
            created: stix::format_timestamp(e.created),
            updated: stix::format_timestamp(e.updated),
            stix_id: e.stix_id.clone(),
            feedback: feedback.map(FeedbackView::from),
        }
    }
}

/// A matched entry as the API shows it: the entry, its bank and the distance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatchView {
    /// The entry.
    #[serde(flatten)]
    pub entry: EntryView,
    /// The name of the entry's bank.
    pub bank: String,
    /// The slug of the bank's owner organisation.
    pub bank_owner: String,
    /// Hamming distance for PDQ, 0 for MD5 and SHA-256.
    pub distance: u32,
}

impl MatchView {
    /// The view of a match.
    pub fn of(m: &EntryMatch) -> MatchView {
        MatchView {
            entry: EntryView::of(&m.entry, None, None),
            bank: m.bank.clone(),
            bank_owner: m.bank_owner.clone(),
            distance: m.distance,
        }
    }
}

/// The JSON export of a bank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
struct BankExport<'a> {
    bank: &'a str,
    entries: Vec<EntryView>,
}
