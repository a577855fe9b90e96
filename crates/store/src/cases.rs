//! Response cases: records and the `CaseStore` storage contract for cases, their participant
//! organisations, the STIX objects they gather, their response actions and their collective
//! responses (proposals and votes).
//!
//! Statuses, decision rules and ballots are kept as their wire names (the `response` engine's
//! enums: `new`, `open`, `closed`; `draft` ... `withdrawn`; `consensus`, `quorum:N`; `endorse`,
//! `abstain`, `object`); the `cases` service parses them. Status changes are compare-and-set:
//! they name the status they expect, so two concurrent transitions never both apply.
//!
//! Every write takes the audit record of its step (`case.create`, `case.open`, ...) and
//! appends it in the same transaction, only when the step applies.

use crate::{NewAudit, NewDomainEvent, Result};

/// A response case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// The case id (a UUID).
    pub id: String,
    /// The owner organisation.
    pub owner_org_id: i64,
    /// A short title.
    pub title: String,
    /// A description.
    pub description: String,
    /// The status's wire name.
    pub status: String,
    /// The reason given when the case was last reopened.
    pub reopen_reason: Option<String>,
    /// The user who created it.
    pub created_by: i64,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Time of the last change, seconds since the epoch.
    pub updated: i64,
    /// The alert the case was opened from, if any.
    pub alert_id: Option<String>,
}

/// An organisation taking part in a case (the owner is not listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseParticipant {
    /// The case.
    pub case_id: String,
    /// The organisation.
    pub org_id: i64,
    /// When it was added, seconds since the epoch.
    pub added: i64,
}

/// A STIX object gathered in a case (by reference: the object stays in its collection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseObject {
    /// The case.
    pub case_id: String,
    /// The collection the object is in.
    pub collection_id: String,
    /// The STIX id.
    pub object_id: String,
    /// The user who added it.
    pub added_by: i64,
    /// When, seconds since the epoch.
    pub added: i64,
}

/// A response action of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    /// The action id (a UUID).
    pub id: String,
    /// The case.
    pub case_id: String,
    /// The DISARM countermeasure adopted, if any (e.g. `C00009`).
    pub counter_id: Option<String>,
    /// A short title.
    pub title: String,
    /// A description.
    pub description: String,
    /// The organisation that is to carry it out.
    pub performing_org_id: i64,
    /// The organisation it is aimed at (a platform or ISP), if any.
    pub target_org_id: Option<i64>,
    /// Due time, seconds since the epoch.
    pub due: Option<i64>,
    /// The status's wire name.
    pub status: String,
    /// The user who drafted it.
    pub author_id: i64,
    /// The user who proposed it.
    pub proposer_id: Option<i64>,
    /// The user who approved it.
    pub approver_id: Option<i64>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Time of the last change, seconds since the epoch.
    pub updated: i64,
}

/// A collective response put to a case's organisations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRecord {
    /// The proposal id (a UUID).
    pub id: String,
    /// The case.
    pub case_id: String,
    /// The joint statement text, or what the proposal is.
    pub text: String,
    /// The decision rule's wire name (`consensus`, `quorum:N`).
    pub rule: String,
    /// The deadline for votes, seconds since the epoch.
    pub deadline: Option<i64>,
    /// The status's wire name.
    pub status: String,
    /// The user who opened it.
    pub created_by: i64,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Time of the last change, seconds since the epoch.
    pub updated: i64,
}

/// One organisation's vote on a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRecord {
    /// The proposal.
    pub proposal_id: String,
    /// The organisation voting (one vote each).
    pub org_id: i64,
    /// The user who cast it.
    pub user_id: i64,
    /// The ballot's wire name.
    pub ballot: String,
    /// When, seconds since the epoch.
    pub cast: i64,
}

/// An unfinished action with a due time, and the deadline messages already sent about it,
/// for the deadline sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDeadlineRow {
    /// The action.
    pub action: ActionRecord,
    /// The names of the deadline messages marked sent (`reminder`, `overdue`).
    pub sent: Vec<String>,
}

/// An impact recorded on a case (the OASIS incident suite's `impact`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactRecord {
    /// The impact id (a UUID).
    pub id: String,
    /// The case.
    pub case_id: String,
    /// The category's wire name (`external`, `integrity`, ...).
    pub category: String,
    /// The category's sub-extension properties, as JSON text the `cases` service writes and
    /// reads (e.g. `{"external":{"impact_type":"public-confidence"}}`).
    pub details: String,
    /// Criticality, 0 to 100.
    pub criticality: Option<i64>,
    /// A description.
    pub description: String,
    /// When the impact was first recorded, microseconds since the epoch.
    pub start_time: Option<i64>,
    /// When it was last recorded, microseconds since the epoch.
    pub end_time: Option<i64>,
    /// The recoverability's wire name.
    pub recoverability: Option<String>,
    /// Impacted entities by type, as JSON text (an object of non-negative integers).
    pub entity_counts: String,
    /// The organisation that recorded it.
    pub org_id: i64,
    /// The user who recorded it.
    pub created_by: i64,
    /// Creation time, seconds since the epoch.
    pub created: i64,
}

/// Which of an organisation's cases a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRole {
    /// The cases it owns or takes part in.
    All,
    /// The cases it owns.
    Mine,
    /// The cases it takes part in (owned by another organisation).
    Participating,
}

/// A page of an organisation's cases, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePageQuery {
    /// The organisation.
    pub org_id: i64,
    /// Which cases.
    pub role: CaseRole,
    /// Only cases whose paging key is strictly below this (the previous page's last).
    pub before: Option<i64>,
    /// At most this many rows.
    pub limit: usize,
}

/// One row of a case page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePageRow {
    /// The paging key: the case's position in creation order, increasing.
    pub key: i64,
    /// The case.
    pub case: CaseRecord,
}

/// Cases, participants, objects, actions, proposals and votes.
pub trait CaseStore: Send + Sync + 'static {
    /// Adds a case with its first participants (not the owner); `Conflict` if the id exists.
    fn create_case(&self, case: &CaseRecord, participants: &[i64], audit: &NewAudit) -> Result<()>;
    /// A case by id.
    fn case(&self, id: &str) -> Result<Option<CaseRecord>>;
    /// A page of the cases an organisation owns or takes part in, newest first by creation.
    fn case_page(&self, q: &CasePageQuery) -> Result<Vec<CasePageRow>>;
    /// Sets a case's status to `to` (and its reopen reason, when given) if it is `from`, with
    /// its audit record and `notices` in the same transaction; `false` and no change
    /// (no audit record, no notice) otherwise.
    #[allow(clippy::too_many_arguments)]
    fn set_case_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        reopen_reason: Option<&str>,
        now: i64,
        audit: &NewAudit,
        notices: &[NewDomainEvent],
    ) -> Result<bool>;
    /// Adds a participant; `Conflict` if it takes part already.
    fn add_participant(&self, case_id: &str, org_id: i64, now: i64, audit: &NewAudit)
        -> Result<()>;
    /// Removes a participant; `false` if it did not take part.
    fn remove_participant(&self, case_id: &str, org_id: i64, audit: &NewAudit) -> Result<bool>;
    /// A case's participants, in the order they were added.
    fn participants(&self, case_id: &str) -> Result<Vec<CaseParticipant>>;
    /// Adds an object to a case; `Conflict` if the case has it already (same collection
    /// and id).
    fn add_case_object(&self, object: &CaseObject, audit: &NewAudit) -> Result<()>;
    /// A case's objects, in the order they were added.
    fn case_objects(&self, case_id: &str) -> Result<Vec<CaseObject>>;
    /// Adds an action; `Conflict` if the id exists.
    fn add_action(&self, action: &ActionRecord, audit: &NewAudit) -> Result<()>;
    /// An action of a case.
    fn action(&self, case_id: &str, id: &str) -> Result<Option<ActionRecord>>;
    /// A case's actions, oldest first.
    fn list_actions(&self, case_id: &str) -> Result<Vec<ActionRecord>>;
    /// Replaces an action's mutable fields (title, description, counter, target, due,
    /// status, proposer, approver, updated) if its stored status is `expected_status`;
    /// `false` and no change otherwise.
    fn update_action(
        &self,
        action: &ActionRecord,
        expected_status: &str,
        audit: &NewAudit,
    ) -> Result<bool>;
    /// Adds a proposal; `Conflict` if the id exists.
    fn add_proposal(&self, proposal: &ProposalRecord, audit: &NewAudit) -> Result<()>;
    /// A proposal of a case.
    fn proposal(&self, case_id: &str, id: &str) -> Result<Option<ProposalRecord>>;
    /// A case's proposals, oldest first.
    fn list_proposals(&self, case_id: &str) -> Result<Vec<ProposalRecord>>;
    /// Records a vote if the proposal's status is `open_status`: `false` and no change when
    /// it is not, `Conflict` when the organisation has voted already.
    fn cast_vote(&self, vote: &VoteRecord, open_status: &str, audit: &NewAudit) -> Result<bool>;
    /// A proposal's votes, in the order they were cast.
    fn votes(&self, proposal_id: &str) -> Result<Vec<VoteRecord>>;
    /// Sets a proposal's status to `to` if it is `from`; `false` and no change otherwise.
    fn set_proposal_status(
        &self,
        id: &str,
        from: &str,
        to: &str,
        now: i64,
        audit: &NewAudit,
    ) -> Result<bool>;
    /// Appends the audit record of a step that changes no case record (publishing the case
    /// as STIX); `NotFound` unless the case exists.
    fn record_case_step(&self, case_id: &str, audit: &NewAudit) -> Result<()>;

    /// The actions not `done`, `failed` or `withdrawn`, of cases not `closed`, whose due
    /// time is at or before `until`, except those already sent the `overdue` message,
    /// soonest first, at most `limit` (through an index on the due time).
    fn deadline_actions(&self, until: i64, limit: usize) -> Result<Vec<ActionDeadlineRow>>;
    /// Marks the deadline message `kind` about action `action_id` sent at `at`: `true` if
    /// this call set the mark, `false` if it was set already (compare-and-set).
    fn mark_action_reminder(&self, action_id: &str, kind: &str, at: i64) -> Result<bool>;
    /// The `open` proposals whose deadline is before `now`, soonest first, at most `limit`
    /// (through an index on open proposals' deadlines).
    fn proposals_past_deadline(&self, now: i64, limit: usize) -> Result<Vec<ProposalRecord>>;
    /// Adds an impact to a case; `NotFound` unless the case exists, `Conflict` if the id
    /// exists.
    fn add_impact(&self, impact: &ImpactRecord, audit: &NewAudit) -> Result<()>;
    /// A case's impacts, in the order they were recorded.
    fn list_impacts(&self, case_id: &str) -> Result<Vec<ImpactRecord>>;
}
