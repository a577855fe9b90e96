//! Notices to platforms and ISPs: records and the `NoticeStore` storage contract for notices
//! (each version a record of its own), the recipient's decisions on their items, and the
//! operator's list of competent authorities.
//!
//! Statuses, kinds and outcomes are kept as their wire names (the `response::notice` enums);
//! the notice content and a decision's statement of reasons are JSON text the `notices`
//! service writes and reads. Status changes are compare-and-set: they name the status they
//! expect, so two concurrent transitions never both apply. Every write appends its audit
//! record, and the domain events it is given, in the same transaction, only when it applies.

use crate::{NewAudit, NewDomainEvent, Result};

/// One version of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeRecord {
    /// The notice id (a UUID).
    pub id: String,
    /// The id of the first version (its own id for the first).
    pub root_id: String,
    /// The version number, 1 for the first.
    pub version: i64,
    /// The version this one corrects.
    pub previous_id: Option<String>,
    /// The kind's wire name.
    pub kind: String,
    /// The sender organisation.
    pub sender_org_id: i64,
    /// The recipient organisation (a platform or ISP).
    pub recipient_org_id: i64,
    /// The TLP of the notice (`AMBER`, `RED`, ...).
    pub tlp: String,
    /// The status's wire name.
    pub status: String,
    /// The outcome's wire name once decided.
    pub outcome: Option<String>,
    /// The content as JSON text.
    pub content: String,
    /// The response case the notice is an action of, if any.
    pub case_id: Option<String>,
    /// The case's action, if any.
    pub action_id: Option<String>,
    /// When the recipient should have decided, seconds since the epoch.
    pub respond_by: Option<i64>,
    /// The author.
    pub created_by: i64,
    /// The approver.
    pub approved_by: Option<i64>,
    /// The user who sent it.
    pub sent_by: Option<i64>,
    /// The canonical JSON frozen when it was sent.
    pub frozen: Option<String>,
    /// The SHA-256 (hex) of `frozen`.
    pub content_hash: Option<String>,
    /// The position in the recipients' inboxes, assigned when it is sent, increasing.
    pub inbox_seq: Option<i64>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Time of the last change, seconds since the epoch.
    pub updated: i64,
    /// When it was sent.
    pub sent_at: Option<i64>,
    /// When the recipient first read it.
    pub delivered_at: Option<i64>,
    /// When the recipient acknowledged it.
    pub acknowledged_at: Option<i64>,
    /// When its last item was decided.
    pub decided_at: Option<i64>,
    /// The sender's reasons for an appeal.
    pub appeal: Option<String>,
    /// When it was appealed.
    pub appealed_at: Option<i64>,
    /// The answer's wire name (`upheld`, `reversed`).
    pub answer: Option<String>,
    /// The explanation of the answer.
    pub answer_explanation: Option<String>,
    /// When the appeal was answered.
    pub answered_at: Option<i64>,
}

/// What a send freezes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotice {
    /// The user who sent it.
    pub by: i64,
    /// The canonical JSON of the notice as sent.
    pub frozen: String,
    /// Its SHA-256, hex.
    pub hash: String,
}

/// A compare-and-set status change of a notice and the facts it records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeChange {
    /// The notice.
    pub id: String,
    /// The status it must have.
    pub from: String,
    /// The status it gets.
    pub to: String,
    /// The time, seconds since the epoch.
    pub now: i64,
    /// The approver, on approval.
    pub approved_by: Option<i64>,
    /// The frozen content, on send (the store assigns the inbox position).
    pub sent: Option<SentNotice>,
    /// Sets the delivery time.
    pub delivered: bool,
    /// Sets the acknowledgement time.
    pub acknowledged: bool,
    /// The appeal's reasons.
    pub appeal: Option<String>,
    /// The answer to the appeal and its explanation.
    pub answer: Option<(String, String)>,
}

/// The recipient's decision on one item of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DecisionRecord {
    /// The notice.
    pub notice_id: String,
    /// The item's index in the notice.
    pub item: i64,
    /// The outcome's wire name (`actioned`, `no-action`).
    pub outcome: String,
    /// The statement of reasons as JSON text (actioned items).
    pub statement: Option<String>,
    /// The statement's `puid`.
    pub puid: Option<String>,
    /// The sender organisation of the notice.
    pub sender_org_id: i64,
    /// The recipient organisation (the one deciding).
    pub recipient_org_id: i64,
    /// The user who decided.
    pub decided_by: i64,
    /// When, seconds since the epoch.
    pub decided_at: i64,
    /// Position in decision order, increasing (assigned by the store; ignored on input).
    pub seq: i64,
}

/// The status change that concludes a notice once its decisions are complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    /// The status it gets (`decided`).
    pub to: String,
    /// The outcome's wire name.
    pub outcome: String,
    /// The audit record of the conclusion.
    pub audit: NewAudit,
    /// The domain events of the conclusion.
    pub events: Vec<NewDomainEvent>,
}

/// One row of an outbox page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticePageRow {
    /// The paging key: creation order, increasing.
    pub key: i64,
    /// The notice.
    pub notice: NoticeRecord,
}

/// A stored re-check of a notice: which of its items were still active on later data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecheckRecord {
    /// The re-check id (a UUID).
    pub id: String,
    /// The notice.
    pub notice_id: String,
    /// The sender organisation (the only one that re-checks).
    pub sender_org_id: i64,
    /// The later detection job, if the re-check used one.
    pub job_id: Option<String>,
    /// The per-item answer as JSON text the `notices` service writes and reads.
    pub result: String,
    /// The user who re-checked.
    pub created_by: i64,
    /// When, seconds since the epoch.
    pub created: i64,
}

/// Notices, decisions and competent authorities.
pub trait NoticeStore: Send + Sync + 'static {
    /// Adds a notice version; `Conflict` if the id exists, or if `previous_id` is set and a
    /// version already corrects it.
    fn create_notice(&self, notice: &NoticeRecord, audit: &NewAudit) -> Result<()>;
    /// A notice by id.
    fn notice(&self, id: &str) -> Result<Option<NoticeRecord>>;
    /// Every version of the notice whose first version is `root_id`, oldest first.
    fn versions(&self, root_id: &str) -> Result<Vec<NoticeRecord>>;
    /// A page of the notices an organisation sent or drafts, newest first, keys strictly
    /// below `before`.
    fn outbox_page(
        &self,
        org_id: i64,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<NoticePageRow>>;
    /// The notices sent to an organisation whose inbox position is above `after`, in inbox
    /// order, at most `limit` (through an index on the recipient and the position).
    fn inbox_page(&self, org_id: i64, after: i64, limit: usize) -> Result<Vec<NoticeRecord>>;
    /// Applies `change` if the notice's status is `change.from`, with its audit record and
    /// `events` in the same transaction; `false` and no change otherwise. A send assigns the
    /// next inbox position in the same transaction.
    fn change_notice(
        &self,
        change: &NoticeChange,
        audit: &NewAudit,
        events: &[NewDomainEvent],
    ) -> Result<bool>;
    /// Records decisions if the notice's status is `expected_status` (`false` and no change
    /// otherwise; `Conflict` if an item has a decision already), then hands every decision of
    /// the notice to `conclude`, in the same transaction: the conclusion it returns, if any, is
    /// applied too.
    fn add_decisions(
        &self,
        notice_id: &str,
        expected_status: &str,
        decisions: &[DecisionRecord],
        audit: &NewAudit,
        conclude: &dyn Fn(&[DecisionRecord]) -> Option<Conclusion>,
    ) -> Result<bool>;
    /// A notice's decisions, by item.
    fn decisions(&self, notice_id: &str) -> Result<Vec<DecisionRecord>>;
    /// The decisions whose statement has this `puid`, in decision order (through an index).
    fn decisions_by_puid(&self, puid: &str) -> Result<Vec<DecisionRecord>>;
    /// The decisions with a statement that `org_id` recorded, in decision order, `seq` above
    /// `after`, at most `limit`.
    fn statements_page(&self, org_id: i64, after: i64, limit: usize)
        -> Result<Vec<DecisionRecord>>;
    /// Marks or unmarks an organisation a competent authority (DSA Art. 9), with its audit
    /// record; `true` if it changed.
    fn set_authority(&self, org_id: i64, on: bool, now: i64, audit: &NewAudit) -> Result<bool>;
    /// Whether the organisation is marked a competent authority.
    fn is_authority(&self, org_id: i64) -> Result<bool>;
    /// The organisations marked competent authorities.
    fn authorities(&self) -> Result<Vec<i64>>;
    /// The notices in `draft`, `approved`, `sent`, `delivered` or `under-review` whose
    /// respond-by time is at or before `until`, soonest first, at most `limit`.
    fn notices_due(&self, until: i64, limit: usize) -> Result<Vec<NoticeRecord>>;
    /// Marks the deadline message `kind` about a notice sent; `true` if this call set it.
    fn mark_notice_reminder(&self, notice_id: &str, kind: &str, at: i64) -> Result<bool>;
    /// Whether the deadline message `kind` about a notice is marked sent.
    fn notice_reminded(&self, notice_id: &str, kind: &str) -> Result<bool>;
    /// The times and items of the notices sent in `[from, to)` (seconds) that `scope`
    /// selects, by recipient then send time (through an index on the party and the send time).
    fn notice_timings(&self, scope: TimingScope, from: i64, to: i64) -> Result<Vec<NoticeTiming>>;
    /// Stores a re-check with its audit record in one transaction; `Conflict` if the id exists.
    fn add_recheck(&self, recheck: &RecheckRecord, audit: &NewAudit) -> Result<()>;
    /// A notice's re-checks, oldest first.
    fn rechecks(&self, notice_id: &str) -> Result<Vec<RecheckRecord>>;
}

/// Whose notices [`NoticeStore::notice_timings`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimingScope {
    /// The notices an organisation sent or received.
    Party(i64),
    /// Every notice (the operator).
    All,
}

/// One sent notice's times and items, for response-time statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeTiming {
    /// The notice.
    pub id: String,
    /// The sender organisation.
    pub sender_org_id: i64,
    /// The recipient organisation.
    pub recipient_org_id: i64,
    /// The notice's TLP.
    pub tlp: String,
    /// When it was sent, seconds since the epoch.
    pub sent_at: i64,
    /// When the recipient acknowledged it.
    pub acknowledged_at: Option<i64>,
    /// When its last item was decided.
    pub decided_at: Option<i64>,
    /// How many items it names (the length of the content's `items`).
    pub items: u32,
    /// How many of them were decided `actioned`.
    pub items_actioned: u32,
}
