//! Hash banks: records and the `BankStore` storage contract for banks, entries and feedback.

use std::fmt;
use std::str::FromStr;

use crate::{Result, Tlp};

/// The kind of signal an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalType {
    /// A PDQ perceptual hash, 64 hex digits.
    Pdq,
    /// An MD5 digest, 32 hex digits.
    Md5,
    /// A SHA-256 digest, 64 hex digits.
    Sha256,
}

impl SignalType {
    /// Every signal type.
    pub const ALL: [SignalType; 3] = [SignalType::Pdq, SignalType::Md5, SignalType::Sha256];

    /// The wire name: `pdq`, `md5`, `sha256`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalType::Pdq => "pdq",
            SignalType::Md5 => "md5",
            SignalType::Sha256 => "sha256",
        }
    }

    /// The number of hex digits a value of this type has.
    pub fn hex_len(self) -> usize {
        match self {
            SignalType::Pdq | SignalType::Sha256 => 64,
            SignalType::Md5 => 32,
        }
    }
}

impl fmt::Display for SignalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignalType {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<SignalType, String> {
        SignalType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown signal type {s:?}: expected one of pdq, md5, sha256"))
    }
}

/// A partner's judgement of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedbackKind {
    /// The match was right.
    TruePositive,
    /// The match was wrong.
    FalsePositive,
    /// The match was right but the labels are not.
    DisagreeLabels,
}

impl FeedbackKind {
    /// Every kind.
    pub const ALL: [FeedbackKind; 3] = [
        FeedbackKind::TruePositive,
        FeedbackKind::FalsePositive,
        FeedbackKind::DisagreeLabels,
    ];

    /// The wire name: `true_positive`, `false_positive`, `disagree_labels`.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::TruePositive => "true_positive",
            FeedbackKind::FalsePositive => "false_positive",
            FeedbackKind::DisagreeLabels => "disagree_labels",
        }
    }
}

impl fmt::Display for FeedbackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FeedbackKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<FeedbackKind, String> {
        FeedbackKind::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown feedback kind {s:?}: expected one of true_positive, \
                     false_positive, disagree_labels"
                )
            })
    }
}

/// A new bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBank {
    /// Unique name, `[a-z0-9-]+`.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The owning organisation.
    pub owner_org_id: i64,
    /// The bank's TLP: who may match against it.
    pub tlp: Tlp,
    /// The TAXII collection (UUID) the bank's entries are published to.
    pub collection_id: String,
}

/// A stored bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bank {
    /// Internal id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The owning organisation.
    pub owner_org_id: i64,
    /// The bank's TLP.
    pub tlp: Tlp,
    /// Whether the bank takes part in matching.
    pub enabled: bool,
    /// The TAXII collection (UUID) the bank is published to.
    pub collection_id: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
}

/// Changes to a bank; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BankUpdate {
    /// New description.
    pub description: Option<String>,
    /// New TLP.
    pub tlp: Option<Tlp>,
    /// New enabled flag.
    pub enabled: Option<bool>,
}

/// The labels of an entry (free strings, empty when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Labels {
    /// What the content is (for example `image`, `video`, `pdf`).
    pub content_type: String,
    /// Who produced the content (an organisation or movement).
    pub producing_entity: String,
    /// The behaviour it shows (for example `glorification`, `instruction`).
    pub behaviour: String,
}

/// A new entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// The bank.
    pub bank_id: i64,
    /// The signal type.
    pub signal_type: SignalType,
    /// The value, lower-case hex.
    pub value: String,
    /// Labels.
    pub labels: Labels,
    /// The contributing organisation.
    pub contributor_org_id: i64,
    /// The STIX indicator id the entry is published as.
    pub stix_id: String,
    /// Creation time, microseconds since the epoch.
    pub created: i64,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankEntry {
    /// Internal id, unique in the store.
    pub id: i64,
    /// The bank.
    pub bank_id: i64,
    /// The signal type.
    pub signal_type: SignalType,
    /// The value, lower-case hex.
    pub value: String,
    /// Labels.
    pub labels: Labels,
    /// The contributing organisation.
    pub contributor_org_id: i64,
    /// Creation time, microseconds since the epoch.
    pub created: i64,
    /// Last change (enable or disable), microseconds since the epoch.
    pub updated: i64,
    /// Whether the entry takes part in matching.
    pub enabled: bool,
    /// The STIX indicator id the entry is currently published as.
    pub stix_id: String,
}

/// One organisation's feedback on an entry (each organisation has at most one per entry;
/// a new one replaces it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// The entry.
    pub entry_id: i64,
    /// The organisation giving it.
    pub org_id: i64,
    /// What it says.
    pub kind: FeedbackKind,
    /// When, seconds since the epoch.
    pub created: i64,
}

/// Feedback counts of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedbackCounts {
    /// Organisations that said true positive.
    pub true_positive: u64,
    /// Organisations that said false positive.
    pub false_positive: u64,
    /// Organisations that disagree with the labels.
    pub disagree_labels: u64,
}

/// Storage of hash banks, their entries and partner feedback. Every method is one
/// transaction, durable when it returns `Ok`.
pub trait BankStore: Send + Sync + 'static {
    /// Creates a bank; `Conflict` if its owner organisation already has a bank of that name
    /// (names are unique per organisation), `NotFound` if the organisation or collection is
    /// unknown.
    fn create_bank(&self, new: &NewBank) -> Result<Bank>;
    /// Finds a bank by id.
    fn bank_by_id(&self, id: i64) -> Result<Option<Bank>>;
    /// Finds an organisation's bank by name.
    fn bank_by_name(&self, owner_org_id: i64, name: &str) -> Result<Option<Bank>>;
    /// Every organisation's bank of this name, by id.
    fn banks_named(&self, name: &str) -> Result<Vec<Bank>>;
    /// Every bank, by name then id.
    fn list_banks(&self) -> Result<Vec<Bank>>;
    /// Applies changes to a bank and returns it; `NotFound` if unknown.
    fn update_bank(&self, id: i64, update: &BankUpdate) -> Result<Bank>;
    /// Adds entries in one transaction (all or nothing) and returns them in order.
    /// `Conflict` if a (bank, signal type, value) is already stored or repeated in the
    /// input; `NotFound` if a bank is unknown.
    fn add_entries(&self, new: &[NewEntry]) -> Result<Vec<BankEntry>>;
    /// Finds an entry by id.
    fn entry_by_id(&self, id: i64) -> Result<Option<BankEntry>>;
    /// Finds entries by id, in id order; unknown ids are skipped.
    fn entries_by_ids(&self, ids: &[i64]) -> Result<Vec<BankEntry>>;
    /// Finds the entry of a bank with this signal type and value.
    fn entry_by_value(
        &self,
        bank_id: i64,
        signal_type: SignalType,
        value: &str,
    ) -> Result<Option<BankEntry>>;
    /// Up to `limit` entries with id greater than `after_id`, in id order, of one bank or of
    /// every bank.
    fn list_entries(
        &self,
        bank_id: Option<i64>,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<BankEntry>>;
    /// Sets an entry's enabled flag, its `updated` time (microseconds) and the STIX id it is
    /// now published as; returns the entry. A STIX id the entry leaves is kept among its
    /// retired ones ([`BankStore::retired_stix_ids`]). `NotFound` if unknown.
    fn set_entry_enabled(
        &self,
        id: i64,
        enabled: bool,
        updated: i64,
        stix_id: &str,
    ) -> Result<BankEntry>;
    /// The STIX ids the entries of a bank were published as before their current ones, in
    /// (entry id, STIX id) order.
    fn retired_stix_ids(&self, bank_id: i64) -> Result<Vec<(i64, String)>>;
    /// Stores (or replaces) an organisation's feedback on an entry; `NotFound` if the entry
    /// is unknown.
    fn put_feedback(&self, feedback: &Feedback) -> Result<()>;
    /// Feedback counts of an entry (zero for an unknown entry).
    fn feedback_counts(&self, entry_id: i64) -> Result<FeedbackCounts>;
}
