//! Alerts between partners: records and the `AlertStore` storage contract for named groups of
//! organisations, alerts, their recipients and each recipient's answers.
//!
//! The store keeps states as the engine's lower-case names and checks nothing about who may
//! do what (that is the `response` engine's, called by the `alerts` service); it does keep a
//! transition atomic (a compare-and-set on the recipient's state) and appends each change's
//! account audit record in the same transaction.

use crate::{NewAudit, NewDomainEvent, Result, Tlp};

/// A named group of organisations, maintained by the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// Internal id.
    pub id: i64,
    /// Unique name, e.g. `G7 RRM`.
    pub name: String,
    /// Member organisations' ids, ascending.
    pub members: Vec<i64>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
}

/// A stored object an alert concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertObjectRef {
    /// The collection's UUID.
    pub collection_id: String,
    /// The STIX id.
    pub object_id: String,
}

/// A recipient added to an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecipient {
    /// The recipient organisation.
    pub org_id: i64,
    /// The group it was named through, if any.
    pub via_group: Option<String>,
    /// The organisation that forwarded the alert to it, if it was forwarded.
    pub forwarded_by: Option<i64>,
}

/// A new alert with its recipients (all `pending`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// The alert id (a UUID).
    pub id: String,
    /// The sending organisation.
    pub sender_org_id: i64,
    /// The user who raised it.
    pub sender_user_id: i64,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// `information` or `alert`.
    pub priority: String,
    /// The alert's TLP.
    pub tlp: Tlp,
    /// The stored objects it concerns.
    pub objects: Vec<AlertObjectRef>,
    /// The responses it asks of its recipients.
    pub responses: Vec<String>,
    /// Respond-by time, seconds since the epoch.
    pub respond_by: Option<i64>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// The recipients, at most once each.
    pub recipients: Vec<NewRecipient>,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    /// Position in creation order, increasing (the paging key).
    pub seq: i64,
    /// The alert id.
    pub id: String,
    /// The sending organisation.
    pub sender_org_id: i64,
    /// The user who raised it.
    pub sender_user_id: i64,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// `information` or `alert`.
    pub priority: String,
    /// The alert's TLP.
    pub tlp: Tlp,
    /// The stored objects it concerns.
    pub objects: Vec<AlertObjectRef>,
    /// The responses it asks for.
    pub responses: Vec<String>,
    /// Respond-by time.
    pub respond_by: Option<i64>,
    /// Creation time.
    pub created: i64,
}

/// One recipient of an alert and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRecord {
    /// The alert.
    pub alert_id: String,
    /// The recipient organisation.
    pub org_id: i64,
    /// Its state (`pending`, `acknowledged`, `contributed`, `declined`).
    pub state: String,
    /// The group it was named through.
    pub via_group: Option<String>,
    /// The organisation that forwarded the alert to it.
    pub forwarded_by: Option<i64>,
    /// When it was added.
    pub added: i64,
    /// When its state last changed.
    pub updated: i64,
}

/// One recorded answer of a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEvent {
    /// Position, increasing.
    pub seq: i64,
    /// The alert.
    pub alert_id: String,
    /// The recipient organisation that answered.
    pub org_id: i64,
    /// The user who answered.
    pub user_id: i64,
    /// The action (`acknowledge`, `contribute`, `decline`).
    pub action: String,
    /// The state before.
    pub from_state: String,
    /// The state after.
    pub to_state: String,
    /// The engine rule that allowed it.
    pub rule: String,
    /// The comment given.
    pub comment: String,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// A recipient's transition, applied only if its state is still `event.from_state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlertEvent {
    /// The alert.
    pub alert_id: String,
    /// The recipient organisation.
    pub org_id: i64,
    /// The user acting.
    pub user_id: i64,
    /// The action.
    pub action: String,
    /// The state expected before.
    pub from_state: String,
    /// The state after.
    pub to_state: String,
    /// The engine rule.
    pub rule: String,
    /// The comment.
    pub comment: String,
    /// When.
    pub at: i64,
}

/// Which side of alerts an organisation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertBox {
    /// Alerts addressed to the organisation.
    Inbox,
    /// Alerts the organisation sent.
    Sent,
}

/// A page request over an organisation's alerts, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertPageQuery {
    /// The organisation.
    pub org_id: i64,
    /// Inbox or sent.
    pub side: AlertBox,
    /// Only entries whose paging key is strictly below this (the previous page's last).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: usize,
}

/// One line of [`AlertStore::alert_page`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPageRow {
    /// The paging key.
    pub key: i64,
    /// The alert.
    pub alert: AlertRecord,
    /// In the inbox, the organisation's state; `None` in the sent list.
    pub state: Option<String>,
}

/// An unsettled recipient (`pending` or `acknowledged`) of an alert with a respond-by time,
/// and the deadline messages already sent to it, for the deadline sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDeadlineRow {
    /// The alert.
    pub alert: AlertRecord,
    /// The recipient that owes an answer.
    pub recipient: RecipientRecord,
    /// The names of the deadline messages marked sent (`reminder`, `overdue`).
    pub sent: Vec<String>,
}

/// Groups of organisations and alerts.
///
/// Every method is one transaction; every write appends its `audit` records and writes its
/// `notices` in the same transaction, or, when it changes nothing, neither.
pub trait AlertStore: Send + Sync + 'static {
    /// Creates a group; `Conflict` if the name is taken, `NotFound` if a member is unknown.
    fn create_group(
        &self,
        name: &str,
        members: &[i64],
        created: i64,
        audit: &NewAudit,
    ) -> Result<GroupRecord>;
    /// A group by id.
    fn group(&self, id: i64) -> Result<Option<GroupRecord>>;
    /// A group by name.
    fn group_by_name(&self, name: &str) -> Result<Option<GroupRecord>>;
    /// Every group, by name.
    fn list_groups(&self) -> Result<Vec<GroupRecord>>;
    /// Renames a group; `NotFound` if unknown, `Conflict` if the name is taken.
    fn rename_group(&self, id: i64, name: &str, audit: &NewAudit) -> Result<GroupRecord>;
    /// Adds (`member: true`) or removes an organisation; `NotFound` if the group or the
    /// organisation is unknown. Adding a member twice or removing a non-member changes nothing.
    fn set_group_member(
        &self,
        id: i64,
        org_id: i64,
        member: bool,
        audit: &NewAudit,
    ) -> Result<GroupRecord>;

    /// Stores an alert and its recipients; `Conflict` if the id is taken.
    fn add_alert(
        &self,
        alert: &NewAlert,
        audit: &[NewAudit],
        notices: &[NewDomainEvent],
    ) -> Result<AlertRecord>;
    /// An alert by id.
    fn alert(&self, id: &str) -> Result<Option<AlertRecord>>;
    /// An alert's recipients, in the order they were added.
    fn recipients(&self, alert_id: &str) -> Result<Vec<RecipientRecord>>;
    /// One recipient of an alert.
    fn recipient(&self, alert_id: &str, org_id: i64) -> Result<Option<RecipientRecord>>;
    /// An alert's recorded answers, oldest first.
    fn events(&self, alert_id: &str) -> Result<Vec<AlertEvent>>;
    /// Applies a recipient's transition and records it; `false` (and no change) if the
    /// recipient is not in `event.from_state` any more.
    fn record_transition(
        &self,
        event: &NewAlertEvent,
        audit: &NewAudit,
        notices: &[NewDomainEvent],
    ) -> Result<bool>;
    /// Adds recipients to an alert (forwarding); organisations already recipients are
    /// skipped. Returns the recipients added.
    fn add_recipients(
        &self,
        alert_id: &str,
        recipients: &[NewRecipient],
        added: i64,
        audit: &[NewAudit],
        notices: &[NewDomainEvent],
    ) -> Result<Vec<RecipientRecord>>;
    /// A page of an organisation's inbox or sent alerts, newest first, each with its paging
    /// key (in the inbox the position at which the alert reached the organisation, since a
    /// forwarded alert arrives later than it was raised; in the sent list the alert's `seq`)
    /// and, in the inbox, the organisation's state.
    fn alert_page(&self, query: &AlertPageQuery) -> Result<Vec<AlertPageRow>>;

    /// The unsettled recipients of alerts whose respond-by is at or before `until`, except
    /// those already sent the `overdue` message, soonest deadline first, at most `limit`
    /// (through an index on the respond-by time, not a scan of every alert).
    fn deadline_recipients(&self, until: i64, limit: usize) -> Result<Vec<AlertDeadlineRow>>;
    /// Marks the deadline message `kind` sent to recipient `org_id` of `alert_id` at `at`:
    /// `true` if this call set the mark, `false` if it was set already (compare-and-set, so
    /// two sweeps on one database never both send).
    fn mark_alert_reminder(&self, alert_id: &str, org_id: i64, kind: &str, at: i64)
        -> Result<bool>;
}
