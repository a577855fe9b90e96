//! Breach and personal-data-misuse reports: records and the `BreachStore` storage contract.
//!
//! The store keeps a report's current revision and every earlier one (each phase or update is
//! a new revision), states as the engine's lower-case names, and the contents as the
//! service's JSON text, which it does not read. It checks nothing about who may do what
//! (that is the `response::breach` engine's, called by the `breaches` service); it keeps a
//! change atomic (a compare-and-set on the revision) and appends the change's audit records
//! and domain events in the same transaction.

use crate::{NewAudit, NewDomainEvent, Result};

/// A stored object a report is attributed to (an intrusion set or a threat actor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachActorRef {
    /// The collection's UUID.
    pub collection_id: String,
    /// The STIX id.
    pub object_id: String,
}

/// The facts of one revision of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachState {
    /// The state (`draft`, `submitted`, `acknowledged`, `complete`, `closed`, `escalated`).
    pub status: String,
    /// The contents, as the service's JSON text.
    pub contents: String,
    /// The elements left to a later phase, by name.
    pub deferred: Vec<String>,
    /// The reasons for a delay, if given.
    pub delay_reasons: Option<String>,
    /// When it was submitted, seconds since the epoch.
    pub submitted_at: Option<i64>,
    /// When it was escalated, seconds since the epoch (at most once).
    pub escalated_at: Option<i64>,
    /// The objects it is attributed to.
    pub actors: Vec<BreachActorRef>,
}

/// A new report (revision 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBreach {
    /// The report id (a UUID).
    pub id: String,
    /// The reporting organisation (a platform or ISP).
    pub reporter_org_id: i64,
    /// The recipient authority.
    pub recipient_org_id: i64,
    /// The user who created it.
    pub created_by: i64,
    /// `gdpr-art33`, `pipeda` or `other`.
    pub regime: String,
    /// A short title.
    pub title: String,
    /// When the reporter became aware, seconds since the epoch.
    pub aware_at: i64,
    /// The deadline, seconds since the epoch, if the regime has one.
    pub deadline: Option<i64>,
    /// Its first state.
    pub state: BreachState,
    /// Creation time, seconds since the epoch.
    pub created: i64,
}

/// A stored report at its current revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachRecord {
    /// Position in creation order, increasing (the paging key).
    pub seq: i64,
    /// The report id.
    pub id: String,
    /// The reporting organisation.
    pub reporter_org_id: i64,
    /// The recipient authority.
    pub recipient_org_id: i64,
    /// The user who created it.
    pub created_by: i64,
    /// The regime.
    pub regime: String,
    /// Title.
    pub title: String,
    /// When the reporter became aware.
    pub aware_at: i64,
    /// The deadline.
    pub deadline: Option<i64>,
    /// The current revision, from 1.
    pub revision: i64,
    /// The current state.
    pub state: BreachState,
    /// Creation time.
    pub created: i64,
    /// When the last revision was made.
    pub updated: i64,
}

/// One revision of a report, as kept in its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachRevision {
    /// The revision number, from 1.
    pub revision: i64,
    /// The user who made it; `None` for the deadline sweep.
    pub user_id: Option<i64>,
    /// What made it (`create`, `update`, `submit`, `acknowledge`, `close`, `escalate`).
    pub action: String,
    /// The engine rule that allowed it.
    pub rule: String,
    /// The state it left.
    pub state: BreachState,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// A change to a report, applied only if it is still at `expected_revision`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachChange {
    /// The report.
    pub id: String,
    /// The revision the change was decided on.
    pub expected_revision: i64,
    /// The user making it; `None` for the deadline sweep.
    pub user_id: Option<i64>,
    /// The action.
    pub action: String,
    /// The engine rule.
    pub rule: String,
    /// The new state.
    pub state: BreachState,
    /// When.
    pub at: i64,
}

/// A page request over the reports an organisation made or received, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreachPageQuery {
    /// The organisation (as reporter or recipient).
    pub org_id: i64,
    /// Only reports whose `seq` is strictly below this.
    pub before: Option<i64>,
    /// At most this many.
    pub limit: usize,
}

/// Breach reports.
///
/// Every method is one transaction; every write appends its `audit` records and writes its
/// domain events in the same transaction, or, when it changes nothing, neither.
pub trait BreachStore: Send + Sync + 'static {
    /// Stores a new report as revision 1; `Conflict` if the id is taken, `NotFound` if an
    /// organisation is unknown.
    fn add_breach(
        &self,
        new: &NewBreach,
        audit: &[NewAudit],
        events: &[NewDomainEvent],
    ) -> Result<BreachRecord>;
    /// A report by id, at its current revision.
    fn breach(&self, id: &str) -> Result<Option<BreachRecord>>;
    /// A report's revisions, oldest first.
    fn breach_revisions(&self, id: &str) -> Result<Vec<BreachRevision>>;
    /// Applies a change as the next revision: `false` (and no change) if the report is not
    /// at `change.expected_revision` any more or is gone.
    fn change_breach(
        &self,
        change: &BreachChange,
        audit: &[NewAudit],
        events: &[NewDomainEvent],
    ) -> Result<bool>;
    /// Appends the audit record of a step that changes no stored field of the report (a
    /// share); `false` (and nothing written) if the report is gone.
    fn record_breach_step(&self, id: &str, audit: &NewAudit) -> Result<bool>;
    /// A page of the reports `query.org_id` made or received, newest first.
    fn breach_page(&self, query: &BreachPageQuery) -> Result<Vec<BreachRecord>>;
    /// Reports with a deadline at or before `until`, never escalated, in `draft`,
    /// `submitted` or `acknowledged`, soonest deadline first, at most `limit` (through an
    /// index on the deadline).
    fn due_breaches(&self, until: i64, limit: usize) -> Result<Vec<BreachRecord>>;
    /// Deletes the reports (and their revisions) that the reporter became aware of, and last
    /// changed, before `cutoff`; with `audit` (built from the ids) in the same transaction
    /// when any was deleted. Returns the ids deleted.
    fn purge_breaches(
        &self,
        cutoff: i64,
        audit: &dyn Fn(&[String]) -> Vec<NewAudit>,
    ) -> Result<Vec<String>>;
}
