//! cases: response cases over the hub and the `response` engine.
//!
//! A case has an owner organisation and participant organisations, gathers STIX objects of
//! the hub by reference (each one visible to whoever adds it), lists DISARM countermeasures
//! as response options for the techniques its campaigns and intrusion sets `use`, and holds
//! response actions and collective responses (proposals put to a vote). Every change is
//! decided by the engine's rule tables and stored compare-and-set through
//! `store::CaseStore`, so a transition the table forbids changes nothing and two concurrent
//! ones never both apply.
//!
//! Only the owner and the participants see a case; to anyone else it does not exist (the
//! same `NotFound` as an unknown id). Calls answer [`CaseError`]: a step the current state
//! does not allow is a `Transition` carrying the state and the allowed steps, a step the
//! state allows but not to this actor is `Forbidden` with the engine's reason, bad input is
//! `Invalid` naming the field.

mod deadlines;
mod error;
mod impacts;
mod options;
pub mod share;

pub use deadlines::{ActionDeadlineNotice, CaseSweep, ClosedProposal, DEADLINE_ACTOR};
pub use error::CaseError;
pub use impacts::{ImpactView, NewImpact};

use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::Arc;

use hub::{Hub, HubError, Principal};
use response::action::{self as act, ActionContext, ActionStatus, ActionStep, TaskOutcome};
use response::case::{self as case, CaseAction, CaseContext, CaseStatus};
use response::counters::{Basis, CounterGalaxy, CounterMap, ResponseType};
use response::vote::{
    self, tally, Ballot, Count, DecisionRule, Outcome, ProposalAction, ProposalStatus, VoteContext,
};
use response::{deadline, Actor, Membership, Refused};
use serde::{Deserialize, Serialize};
pub use store::CaseRole;
use store::{
    ActionRecord, AlertStore, CaseObject, CasePageQuery, CaseParticipant, CaseRecord, CaseStore,
    NewAudit, NewDomainEvent, Org, ProposalRecord, VoteRecord,
};

/// The default page of the case list.
pub const DEFAULT_PAGE: usize = 100;
/// The largest page of the case list.
pub const MAX_PAGE: usize = 1000;
/// The cursor domain of the case list.
const CASE_CURSOR: &str = "cases";

/// Times on the wire: seconds since the epoch in the service, RFC 3339 UTC when serialized
/// (as the alerts API answers).
mod wire_time {
    use serde::Serializer;

    /// An RFC 3339 UTC time.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub(crate) fn rfc3339<S: Serializer>(secs: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&stix::format_timestamp(secs.saturating_mul(1_000_000)))
    }

    /// An optional RFC 3339 UTC time (`null` for none).
    #[allow(clippy::ref_option)]
    pub(crate) fn rfc3339_opt<S: Serializer>(secs: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match secs {
            Some(t) => rfc3339(t, s),
            None => s.serialize_none(),
        }
    }
}

/// The clock the service reads (seconds since the epoch).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The response case service.
#[derive(Clone)]
pub struct Cases {
    hub: Hub,
    store: Arc<dyn CaseStore>,
    galaxy: Option<Arc<CounterGalaxy>>,
    map: Arc<CounterMap>,
    clock: Clock,
    statements: Option<String>,
    alerts: Option<Arc<dyn AlertStore>>,
    notifier: Option<Arc<dyn CaseNotifier>>,
}

/// The domain of the notices this service writes ([`store::NewDomainEvent::domain`]).
pub const EVENT_DOMAIN: &str = "cases";

/// A change of a case's status, for the organisations it concerns: stored with the change
/// as the payload of its [`store::NewDomainEvent`] (kind `status`), then handed to the
/// [`CaseNotifier`] after the commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseChange {
    /// The case id.
    pub case_id: String,
    /// The case title.
    pub title: String,
    /// The new status's wire name (`open`, `closed`).
    pub status: String,
    /// The organisations to tell: the owner and the participants, but not the one that acted.
    pub orgs: Vec<i64>,
}

/// Told of every committed case status change, after its notice was stored with it: a
/// wake-up for the relay that delivers stored notices (the notice is not lost if this is
/// never called). It must not block for long.
pub trait CaseNotifier: Send + Sync {
    /// One committed change.
    fn notify(&self, notice: &CaseChange);
}

impl std::fmt::Debug for Cases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cases")
            .field("counters", &self.galaxy.as_ref().map(|g| g.counters.len()))
            .finish_non_exhaustive()
    }
}

/// A reference to a STIX object of the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// The collection (UUID or slug on input, UUID on output).
    pub collection: String,
    /// The STIX id.
    pub id: String,
}

/// A new case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewCase {
    /// A short title.
    pub title: String,
    /// A description.
    #[serde(default)]
    pub description: String,
    /// Participant organisations, by slug.
    #[serde(default)]
    pub participants: Vec<String>,
    /// STIX objects to gather.
    #[serde(default)]
    pub objects: Vec<ObjectRef>,
    /// The alert the case is opened from: its recipients (and its sender) take part and its
    /// objects are gathered. Only the sender or a recipient opens a case from an alert.
    #[serde(default)]
    pub alert: Option<String>,
}

/// A case as its organisations see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseView {
    /// The case id.
    pub id: String,
    /// The owner organisation's slug.
    pub owner: String,
    /// The status.
    pub status: CaseStatus,
    /// A short title.
    pub title: String,
    /// A description.
    pub description: String,
    /// The reason given when it was last reopened.
    pub reopen_reason: Option<String>,
    /// Participant organisations' slugs.
    pub participants: Vec<String>,
    /// The objects gathered.
    pub objects: Vec<ObjectRef>,
    /// The alert the case was opened from, if any.
    pub alert: Option<String>,
    /// Creation time, seconds since the epoch (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub created: i64,
    /// Last change, seconds since the epoch (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub updated: i64,
}

/// Which page of the case list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseListQuery {
    /// Which of the organisation's cases.
    pub role: CaseRole,
    /// The page size, 1 to [`MAX_PAGE`] ([`DEFAULT_PAGE`] when absent).
    pub limit: Option<usize>,
    /// The cursor of the previous page (same user and role).
    pub next: Option<String>,
}

/// A page of the case list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CasePage {
    /// The cases.
    pub cases: Vec<CaseView>,
    /// The cursor of the next page, when more may follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A DISARM countermeasure offered for a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionView {
    /// The countermeasure id, e.g. `C00009`.
    pub counter_id: String,
    /// Its name.
    pub name: String,
    /// Its response type.
    pub response_type: ResponseType,
    /// Why it is offered (`galaxy`, `renamed`, `tactic`).
    pub basis: Basis,
    /// The case's techniques it addresses.
    pub techniques: Vec<String>,
}

/// A new response action (also the fields an edit replaces).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewAction {
    /// A short title.
    pub title: String,
    /// A description.
    #[serde(default)]
    pub description: String,
    /// The DISARM countermeasure adopted, if any.
    #[serde(default)]
    pub counter_id: Option<String>,
    /// The organisation to carry it out (the case owner or a participant), by slug.
    pub performing_org: String,
    /// The organisation it is aimed at, by slug: a platform or an ISP.
    #[serde(default)]
    pub target_org: Option<String>,
    /// Due time, seconds since the epoch; must be in the future.
    #[serde(default)]
    pub due: Option<i64>,
}

/// A response action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionView {
    /// The action id.
    pub id: String,
    /// The countermeasure adopted.
    pub counter_id: Option<String>,
    /// A short title.
    pub title: String,
    /// A description.
    pub description: String,
    /// The performing organisation's slug.
    pub performing_org: String,
    /// The target organisation's slug.
    pub target_org: Option<String>,
    /// Due time (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub due: Option<i64>,
    /// The status.
    pub status: ActionStatus,
    /// The OASIS task outcome of the status.
    pub outcome: TaskOutcome,
    /// Whether it is unfinished past its due time.
    pub overdue: bool,
    /// The user who drafted it.
    pub author_id: i64,
    /// The user who proposed it.
    pub proposer_id: Option<i64>,
    /// The user who approved it.
    pub approver_id: Option<i64>,
    /// Creation time (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub created: i64,
    /// Last change (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub updated: i64,
}

/// A new collective response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProposal {
    /// The joint statement, or what is proposed.
    pub text: String,
    /// `consensus` or `quorum:N`.
    pub rule: DecisionRule,
    /// The deadline for votes, seconds since the epoch; must be in the future.
    #[serde(default)]
    pub deadline: Option<i64>,
}

/// What publishing a case stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedCase {
    /// The collection's UUID.
    pub collection: String,
    /// The incident's STIX id.
    pub incident: String,
    /// The tasks' STIX ids, one per action.
    pub tasks: Vec<String>,
    /// The TLP level they are marked with.
    pub tlp: String,
    /// The impacts' STIX ids.
    pub impacts: Vec<String>,
}

/// One organisation's vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoteView {
    /// The organisation's slug.
    pub org: String,
    /// Its ballot.
    pub ballot: Ballot,
    /// When it was cast (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub cast: i64,
}

/// A collective response and its tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalView {
    /// The proposal id.
    pub id: String,
    /// The text.
    pub text: String,
    /// The decision rule.
    pub rule: DecisionRule,
    /// The deadline for votes (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub deadline: Option<i64>,
    /// The status.
    pub status: ProposalStatus,
    /// What the tally says now.
    pub outcome: Outcome,
    /// Endorsements so far.
    pub endorse: u32,
    /// Abstentions so far.
    pub abstain: u32,
    /// Objections so far.
    pub object: u32,
    /// Organisations that may vote (owner and participants).
    pub electorate: u32,
    /// The votes, in the order cast.
    pub votes: Vec<VoteView>,
    /// Creation time (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub created: i64,
    /// Last change (RFC 3339 when serialized).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub updated: i64,
}

/// A proposal's votes and what the tally says of them.
struct Tallied {
    rule: DecisionRule,
    votes: Vec<VoteRecord>,
    ballots: Vec<Ballot>,
    electorate: u32,
    deadline_passed: bool,
    outcome: Outcome,
}

impl Tallied {
    /// The engine's facts for `org`'s action on the proposal.
    fn context(&self, org: i64) -> VoteContext {
        VoteContext {
            already_voted: self.votes.iter().any(|v| v.org_id == org),
            deadline_passed: self.deadline_passed,
            outcome: self.outcome,
        }
    }
}

/// A case loaded for one caller.
struct Loaded {
    record: CaseRecord,
    /// The caller's username, for audit records.
    actor_name: String,
    participants: Vec<CaseParticipant>,
    actor: Actor,
    status: CaseStatus,
}

impl Loaded {
    fn member_orgs(&self) -> Vec<i64> {
        let mut v = vec![self.record.owner_org_id];
        v.extend(self.participants.iter().map(|p| p.org_id));
        v
    }
}

/// The audit record of `p`'s step `action` on `target` (`case/ID`, `case/ID/action/ID`,
/// `case/ID/vote/ID`), filed under the case owner's organisation so its admins read it.
fn audit(p: &Principal, action: &str, target: String, owner: i64, detail: String) -> NewAudit {
    NewAudit {
        actor: p.user.username.clone(),
        actor_org_id: Some(p.org.id),
        action: action.to_string(),
        target,
        target_org_id: Some(owner),
        detail,
    }
}

/// An action step's name in the audit log: the REST route's (`done`, `failed`, `withdrawn`).
fn step_name(step: ActionStep) -> &'static str {
    match step {
        ActionStep::Edit => "edit",
        ActionStep::Propose => "propose",
        ActionStep::Approve => "approve",
        ActionStep::Reject => "reject",
        ActionStep::Complete => "done",
        ActionStep::Fail => "failed",
        ActionStep::Withdraw => "withdrawn",
    }
}

fn case_target(id: &str) -> String {
    format!("case/{id}")
}

fn not_found(what: &str, id: &str) -> HubError {
    HubError::NotFound(format!("{what} '{id}'"))
}

/// Maps an engine refusal: a step the state does not allow is a `Transition` naming the
/// current state and the allowed steps, a step refused to this actor is forbidden.
fn refusal<S: Display, A: Display + PartialEq>(r: Refused<S, A>, action: &A) -> CaseError {
    refusal_named(r, action, ToString::to_string)
}

/// [`refusal`] with the allowed steps named by `name` (the REST names of action steps).
fn refusal_named<S: Display, A: Display + PartialEq>(
    r: Refused<S, A>,
    action: &A,
    name: impl Fn(&A) -> String,
) -> CaseError {
    if r.allowed.contains(action) {
        CaseError::Forbidden(r.to_string())
    } else {
        CaseError::Transition {
            current: r.current.to_string(),
            allowed: r.allowed.iter().map(name).collect(),
            reason: r.reason,
        }
    }
}

/// [`refusal`] of an action step, the allowed steps by their REST names.
fn step_refusal(r: Refused<ActionStatus, ActionStep>, step: &ActionStep) -> CaseError {
    refusal_named(r, step, |s| step_name(*s).to_string())
}

fn stored<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, HubError> {
    value
        .parse()
        .map_err(|_| HubError::broken(format!("stored {what} {value:?} is unknown")))
}

fn changed_meanwhile(what: &str) -> HubError {
    HubError::Conflict(format!("the {what} changed meanwhile; read it again"))
}

fn required(field: &str, value: &str) -> Result<(), HubError> {
    if value.trim().is_empty() {
        Err(HubError::invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

impl Cases {
    /// The service over `hub` and `store`, with DISARM's countermeasure galaxy and rrm's
    /// built-in technique map, reading the system clock.
    pub fn new(hub: Hub, store: Arc<dyn CaseStore>, galaxy: CounterGalaxy) -> Cases {
        Cases {
            galaxy: Some(Arc::new(galaxy)),
            ..Cases::without_galaxy(hub, store)
        }
    }

    /// The service without a countermeasure galaxy: everything works except the response
    /// options and actions that name a countermeasure.
    pub fn without_galaxy(hub: Hub, store: Arc<dyn CaseStore>) -> Cases {
        Cases {
            hub,
            store,
            galaxy: None,
            map: Arc::new(CounterMap::builtin()),
            clock: Arc::new(hub::now_secs),
            statements: None,
            alerts: None,
            notifier: None,
        }
    }

    /// The same service announcing committed status changes to `notifier`.
    pub fn with_notifier(mut self, notifier: Arc<dyn CaseNotifier>) -> Cases {
        self.notifier = Some(notifier);
        self
    }

    /// The same service reading alerts from `alerts`, so a case may be opened from one.
    pub fn with_alerts(mut self, alerts: Arc<dyn AlertStore>) -> Cases {
        self.alerts = Some(alerts);
        self
    }

    /// The same service placing published joint statements in `collection` (UUID or slug),
    /// the operator's choice.
    pub fn with_statements(mut self, collection: Option<String>) -> Cases {
        self.statements = collection;
        self
    }

    /// Whether the operator chose a collection for joint statements.
    pub fn has_statements(&self) -> bool {
        self.statements.is_some()
    }

    /// The hub the service runs on.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Whether a countermeasure galaxy was given.
    pub fn has_galaxy(&self) -> bool {
        self.galaxy.is_some()
    }

    fn galaxy(&self) -> Result<&CounterGalaxy, HubError> {
        self.galaxy
            .as_deref()
            .ok_or_else(|| HubError::broken("no DISARM countermeasure galaxy is configured"))
    }

    /// The same service reading `clock` instead (for tests and the demo).
    pub fn with_clock(mut self, clock: Clock) -> Cases {
        self.clock = clock;
        self
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn load(&self, p: &Principal, id: &str) -> Result<Loaded, HubError> {
        let record = self.store.case(id)?.ok_or_else(|| not_found("case", id))?;
        let participants = self.store.participants(id)?;
        let membership = if record.owner_org_id == p.org.id {
            Membership::Owner
        } else if participants.iter().any(|x| x.org_id == p.org.id) {
            Membership::Participant
        } else {
            return Err(not_found("case", id));
        };
        let status = stored("case status", &record.status)?;
        Ok(Loaded {
            actor_name: p.user.username.clone(),
            actor: Actor {
                user_id: p.user.id,
                org_id: p.org.id,
                role: p.user.role,
                sector: p.org.sector,
                membership,
            },
            record,
            participants,
            status,
        })
    }

    fn org_slug(&self, id: i64) -> Result<String, HubError> {
        Ok(self
            .hub
            .org_by_id(id)?
            .map(|o| o.slug)
            .unwrap_or_else(|| format!("#{id}")))
    }

    fn org_named(&self, field: &str, slug: &str) -> Result<Org, HubError> {
        self.hub
            .org_by_slug(slug)?
            .ok_or_else(|| HubError::invalid(field, format!("no organisation '{slug}'")))
    }

    /// The object as `p` sees it, with its collection's UUID; `Invalid` naming `field` when
    /// it does not exist or `p` may not see it (the two are not told apart).
    fn visible_object(
        &self,
        p: &Principal,
        field: &str,
        r: &ObjectRef,
    ) -> Result<(String, serde_json::Value), HubError> {
        let unknown = || {
            HubError::invalid(
                field,
                format!(
                    "no object '{}' that you may see in '{}'",
                    r.id, r.collection
                ),
            )
        };
        let collection = match self.hub.find_collection(&r.collection) {
            Ok(c) => c,
            Err(HubError::NotFound(_)) => return Err(unknown()),
            Err(e) => return Err(e),
        };
        match self.hub.get_object(
            p,
            &collection.id,
            &r.id,
            &hub::ObjectFilter::default(),
            Some(1),
            None,
        ) {
            Ok(page) => match page.objects.into_iter().next() {
                Some(obj) => Ok((collection.id, obj)),
                None => Err(unknown()),
            },
            Err(HubError::NotFound(_) | HubError::Forbidden(_)) => Err(unknown()),
            Err(e) => Err(e),
        }
    }

    fn view(&self, l: &Loaded) -> Result<CaseView, HubError> {
        let objects = self
            .store
            .case_objects(&l.record.id)?
            .into_iter()
            .map(|o| ObjectRef {
                collection: o.collection_id,
                id: o.object_id,
            })
            .collect();
        let mut participants = Vec::new();
        for x in &l.participants {
            participants.push(self.org_slug(x.org_id)?);
        }
        Ok(CaseView {
            id: l.record.id.clone(),
            owner: self.org_slug(l.record.owner_org_id)?,
            status: l.status,
            title: l.record.title.clone(),
            description: l.record.description.clone(),
            reopen_reason: l.record.reopen_reason.clone(),
            participants,
            objects,
            alert: l.record.alert_id.clone(),
            created: l.record.created,
            updated: l.record.updated,
        })
    }

    /// Opens a case owned by the caller's organisation, status `new`, with its participants
    /// and objects (each one the caller may see).
    pub fn create_case(&self, p: &Principal, new: &NewCase) -> Result<CaseView, CaseError> {
        let creator = Actor {
            user_id: p.user.id,
            org_id: p.org.id,
            role: p.user.role,
            sector: p.org.sector,
            membership: Membership::Owner,
        };
        case::may_create(&creator).map_err(HubError::Forbidden)?;
        required("title", &new.title)?;
        let mut orgs: Vec<i64> = Vec::new();
        for (i, slug) in new.participants.iter().enumerate() {
            let field = format!("participants[{i}]");
            let org = self.org_named(&field, slug)?;
            if org.id == p.org.id {
                return Err(HubError::invalid(&field, "the owner takes part already").into());
            }
            if orgs.contains(&org.id) {
                return Err(HubError::invalid(&field, format!("'{slug}' is named twice")).into());
            }
            orgs.push(org.id);
        }
        let mut objects = Vec::new();
        for (i, r) in new.objects.iter().enumerate() {
            let (collection, _) = self.visible_object(p, &format!("objects[{i}]"), r)?;
            objects.push((collection, r.id.clone()));
        }
        if let Some(alert_id) = &new.alert {
            let (alert_orgs, alert_objects) = self.alert_facts(p, alert_id)?;
            for org in alert_orgs {
                if org != p.org.id && !orgs.contains(&org) {
                    orgs.push(org);
                }
            }
            for r in &alert_objects {
                let (collection, _) = self.visible_object(p, "alert", r)?;
                objects.push((collection, r.id.clone()));
            }
        }
        let now = self.now();
        let record = CaseRecord {
            id: uuid::Uuid::new_v4().to_string(),
            owner_org_id: p.org.id,
            title: new.title.trim().to_string(),
            description: new.description.clone(),
            status: CaseStatus::New.as_str().to_string(),
            reopen_reason: None,
            created_by: p.user.id,
            created: now,
            updated: now,
            alert_id: new.alert.clone(),
        };
        let mut named = Vec::new();
        for org in &orgs {
            named.push(self.org_slug(*org)?);
        }
        let from = new
            .alert
            .as_deref()
            .map(|a| format!("; from alert {a}"))
            .unwrap_or_default();
        self.store.create_case(
            &record,
            &orgs,
            &audit(
                p,
                "case.create",
                case_target(&record.id),
                p.org.id,
                format!("participants: {}{from}", named.join(", ")),
            ),
        )?;
        let mut seen = BTreeSet::new();
        for (collection, id) in objects {
            if seen.insert((collection.clone(), id.clone())) {
                let step = audit(
                    p,
                    "case.object.add",
                    case_target(&record.id),
                    p.org.id,
                    format!("{collection}/{id}"),
                );
                self.store.add_case_object(
                    &CaseObject {
                        case_id: record.id.clone(),
                        collection_id: collection,
                        object_id: id,
                        added_by: p.user.id,
                        added: now,
                    },
                    &step,
                )?;
            }
        }
        self.case(p, &record.id)
    }

    /// The organisations of an alert (its sender and recipients) and its objects, if the
    /// caller's organisation sent or received it; `Invalid` naming `alert` otherwise (an
    /// unknown alert and another's are not told apart).
    fn alert_facts(
        &self,
        p: &Principal,
        alert_id: &str,
    ) -> Result<(Vec<i64>, Vec<ObjectRef>), HubError> {
        let Some(alerts) = self.alerts.as_deref() else {
            return Err(HubError::invalid(
                "alert",
                "alerts are not available to the case service here",
            ));
        };
        let unknown = || {
            HubError::invalid(
                "alert",
                format!("no alert '{alert_id}' that your organisation sent or received"),
            )
        };
        let alert = alerts.alert(alert_id)?.ok_or_else(unknown)?;
        let recipients = alerts.recipients(alert_id)?;
        if alert.sender_org_id != p.org.id && !recipients.iter().any(|r| r.org_id == p.org.id) {
            return Err(unknown());
        }
        let mut orgs = vec![alert.sender_org_id];
        orgs.extend(recipients.iter().map(|r| r.org_id));
        let objects = alert
            .objects
            .iter()
            .map(|o| ObjectRef {
                collection: o.collection_id.clone(),
                id: o.object_id.clone(),
            })
            .collect();
        Ok((orgs, objects))
    }

    /// A case the caller's organisation owns or takes part in.
    pub fn case(&self, p: &Principal, id: &str) -> Result<CaseView, CaseError> {
        let l = self.load(p, id)?;
        Ok(self.view(&l)?)
    }

    /// A page of the cases the caller's organisation owns or takes part in, newest first,
    /// read from the store by key; the cursor is sealed to the caller and the role, so another
    /// user's or another role's is `BadCursor`.
    pub fn case_page(&self, p: &Principal, q: &CaseListQuery) -> Result<CasePage, CaseError> {
        let limit = match q.limit {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE).contains(&n) => n,
            Some(_) => {
                return Err(HubError::invalid(
                    "limit",
                    format!("must be an integer from 1 to {MAX_PAGE}"),
                )
                .into())
            }
        };
        let role = match q.role {
            CaseRole::All => "all",
            CaseRole::Mine => "mine",
            CaseRole::Participating => "participating",
        };
        let fingerprint = format!("{}:{}:{role}", p.user.id, p.org.id);
        let before = match &q.next {
            Some(c) => Some(self.hub.decode_list_cursor(CASE_CURSOR, c, &fingerprint)?.0),
            None => None,
        };
        let mut rows = self.store.case_page(&CasePageQuery {
            org_id: p.org.id,
            role: q.role,
            before,
            limit: limit + 1,
        })?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let mut cases = Vec::with_capacity(rows.len());
        for row in &rows {
            cases.push(self.case(p, &row.case.id)?);
        }
        let next = match (more, rows.last()) {
            (true, Some(row)) => {
                Some(
                    self.hub
                        .encode_list_cursor(CASE_CURSOR, row.key, 0, &fingerprint)?,
                )
            }
            _ => None,
        };
        Ok(CasePage { cases, next })
    }

    /// Opens, closes or reopens a case (`reopen` needs a reason).
    pub fn change_status(
        &self,
        p: &Principal,
        id: &str,
        action: CaseAction,
        reason: Option<&str>,
    ) -> Result<CaseView, CaseError> {
        if !matches!(
            action,
            CaseAction::Open | CaseAction::Close | CaseAction::Reopen
        ) {
            return Err(HubError::invalid(
                "action",
                format!("{action} is not a status change (open, close, reopen)"),
            )
            .into());
        }
        let l = self.load(p, id)?;
        // The state and the actor first, then the reason, so each refusal names its cause.
        let with_reason = CaseContext { reason_given: true };
        let acc = case::decide(l.status, action, &l.actor, &with_reason)
            .map_err(|r| refusal(r, &action))?;
        let ctx = CaseContext::with_reason(reason);
        if action == CaseAction::Reopen && !ctx.reason_given {
            return Err(
                HubError::invalid("reason", "a reason is required to reopen a case").into(),
            );
        }
        let reason = reason
            .map(str::trim)
            .filter(|_| action == CaseAction::Reopen);
        let notice = CaseChange {
            case_id: id.to_string(),
            title: l.record.title.clone(),
            status: acc.to.as_str().to_string(),
            orgs: l
                .member_orgs()
                .into_iter()
                .filter(|o| *o != p.org.id)
                .collect(),
        };
        let stored = NewDomainEvent {
            id: uuid::Uuid::new_v4().to_string(),
            domain: EVENT_DOMAIN.to_string(),
            kind: "status".to_string(),
            subject_id: id.to_string(),
            payload: serde_json::to_string(&notice)
                .map_err(|e| HubError::broken(format!("case notice: {e}")))?,
            orgs: notice.orgs.clone(),
            created: hub::now_micros().div_euclid(1000),
        };
        if !self.store.set_case_status(
            id,
            l.status.as_str(),
            acc.to.as_str(),
            reason,
            self.now(),
            &audit(
                p,
                &format!("case.{action}"),
                case_target(id),
                l.record.owner_org_id,
                reason.unwrap_or_default().to_string(),
            ),
            &[stored],
        )? {
            return Err(changed_meanwhile("case").into());
        }
        if let Some(n) = &self.notifier {
            n.notify(&notice);
        }
        self.case(p, id)
    }

    /// Adds a participant organisation (owner's analysts and admins).
    pub fn add_participant(
        &self,
        p: &Principal,
        id: &str,
        org: &str,
    ) -> Result<CaseView, CaseError> {
        let l = self.load(p, id)?;
        let action = CaseAction::AddParticipant;
        case::decide(l.status, action, &l.actor, &CaseContext::default())
            .map_err(|r| refusal(r, &action))?;
        let org = self.org_named("org", org)?;
        if l.member_orgs().contains(&org.id) {
            return Err(HubError::Conflict(format!(
                "'{}' takes part in the case already",
                org.slug
            ))
            .into());
        }
        self.store.add_participant(
            id,
            org.id,
            self.now(),
            &audit(
                p,
                "case.participant.add",
                case_target(id),
                l.record.owner_org_id,
                org.slug.clone(),
            ),
        )?;
        self.case(p, id)
    }

    /// Removes a participant organisation (owner's analysts and admins).
    pub fn remove_participant(
        &self,
        p: &Principal,
        id: &str,
        org: &str,
    ) -> Result<CaseView, CaseError> {
        let l = self.load(p, id)?;
        let action = CaseAction::RemoveParticipant;
        case::decide(l.status, action, &l.actor, &CaseContext::default())
            .map_err(|r| refusal(r, &action))?;
        let org = self.org_named("org", org)?;
        let step = audit(
            p,
            "case.participant.remove",
            case_target(id),
            l.record.owner_org_id,
            org.slug.clone(),
        );
        if !self.store.remove_participant(id, org.id, &step)? {
            return Err(HubError::invalid(
                "org",
                format!("'{}' does not take part in the case", org.slug),
            )
            .into());
        }
        self.case(p, id)
    }

    /// Adds a STIX object the caller may see to the case.
    pub fn add_object(
        &self,
        p: &Principal,
        id: &str,
        object: &ObjectRef,
    ) -> Result<CaseView, CaseError> {
        let l = self.load(p, id)?;
        let action = CaseAction::AddObject;
        case::decide(l.status, action, &l.actor, &CaseContext::default())
            .map_err(|r| refusal(r, &action))?;
        let (collection, _) = self.visible_object(p, "object", object)?;
        let step = audit(
            p,
            "case.object.add",
            case_target(id),
            l.record.owner_org_id,
            format!("{collection}/{}", object.id),
        );
        self.store.add_case_object(
            &CaseObject {
                case_id: id.to_string(),
                collection_id: collection,
                object_id: object.id.clone(),
                added_by: p.user.id,
                added: self.now(),
            },
            &step,
        )?;
        self.case(p, id)
    }

    /// The DISARM countermeasures for the techniques of the case's objects that the caller
    /// may see: attack patterns gathered directly, and those its campaigns, intrusion sets
    /// and threat actors `use` (relationships in the same collection).
    pub fn options(&self, p: &Principal, id: &str) -> Result<Vec<OptionView>, CaseError> {
        self.load(p, id)?;
        let techniques = options::case_techniques(&self.hub, p, &self.store.case_objects(id)?)?;
        let asked: Vec<&str> = techniques.iter().map(String::as_str).collect();
        Ok(
            response::counters::options_for(&asked, self.galaxy()?, &self.map)
                .into_iter()
                .map(|o| OptionView {
                    counter_id: o.counter_id,
                    name: o.name,
                    response_type: o.response_type,
                    basis: o.basis,
                    techniques: o.techniques,
                })
                .collect(),
        )
    }

    fn check_action_fields(
        &self,
        l: &Loaded,
        a: &NewAction,
        now: i64,
    ) -> Result<(i64, Option<i64>), HubError> {
        required("title", &a.title)?;
        let performing = self.org_named("performing_org", &a.performing_org)?;
        if !l.member_orgs().contains(&performing.id) {
            return Err(HubError::invalid(
                "performing_org",
                format!(
                    "'{}' neither owns nor takes part in the case",
                    performing.slug
                ),
            ));
        }
        let target = match &a.target_org {
            Some(slug) => {
                let org = self.org_named("target_org", slug)?;
                act::may_target(org.sector).map_err(|m| HubError::invalid("target_org", m))?;
                Some(org.id)
            }
            None => None,
        };
        if let Some(c) = &a.counter_id {
            let Some(galaxy) = self.galaxy.as_deref() else {
                return Err(HubError::invalid(
                    "counter_id",
                    "no DISARM countermeasure galaxy is configured on this instance",
                ));
            };
            if galaxy.get(c).is_none() {
                return Err(HubError::invalid(
                    "counter_id",
                    format!("no DISARM countermeasure '{c}'"),
                ));
            }
        }
        if let Some(due) = a.due {
            deadline::check_new(due, now).map_err(|e| HubError::invalid("due", e.to_string()))?;
        }
        Ok((performing.id, target))
    }

    fn open_case(l: &Loaded) -> Result<(), HubError> {
        if l.status == CaseStatus::Closed {
            Err(HubError::Conflict(
                "the case is closed (current state closed; allowed: reopen)".into(),
            ))
        } else {
            Ok(())
        }
    }

    fn action_view(&self, a: &ActionRecord, now: i64) -> Result<ActionView, HubError> {
        let status: ActionStatus = stored("action status", &a.status)?;
        Ok(ActionView {
            id: a.id.clone(),
            counter_id: a.counter_id.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            performing_org: self.org_slug(a.performing_org_id)?,
            target_org: a.target_org_id.map(|o| self.org_slug(o)).transpose()?,
            due: a.due,
            status,
            outcome: status.outcome(),
            overdue: !status.is_final() && deadline::is_passed(a.due, now),
            author_id: a.author_id,
            proposer_id: a.proposer_id,
            approver_id: a.approver_id,
            created: a.created,
            updated: a.updated,
        })
    }

    /// Drafts a response action in an open or new case.
    pub fn draft_action(
        &self,
        p: &Principal,
        case_id: &str,
        new: &NewAction,
    ) -> Result<ActionView, CaseError> {
        let l = self.load(p, case_id)?;
        Self::open_case(&l)?;
        act::may_draft(&l.actor).map_err(HubError::Forbidden)?;
        let now = self.now();
        let (performing, target) = self.check_action_fields(&l, new, now)?;
        let record = ActionRecord {
            id: uuid::Uuid::new_v4().to_string(),
            case_id: case_id.to_string(),
            counter_id: new.counter_id.clone(),
            title: new.title.trim().to_string(),
            description: new.description.clone(),
            performing_org_id: performing,
            target_org_id: target,
            due: new.due,
            status: ActionStatus::Draft.as_str().to_string(),
            author_id: p.user.id,
            proposer_id: None,
            approver_id: None,
            created: now,
            updated: now,
        };
        self.store.add_action(
            &record,
            &audit(
                p,
                "case.action.draft",
                format!("case/{case_id}/action/{}", record.id),
                l.record.owner_org_id,
                record.title.clone(),
            ),
        )?;
        Ok(self.action_view(&record, now)?)
    }

    fn load_action(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
    ) -> Result<(Loaded, ActionRecord, ActionStatus), HubError> {
        let l = self.load(p, case_id)?;
        let a = self
            .store
            .action(case_id, id)?
            .ok_or_else(|| not_found("action", id))?;
        let status = stored("action status", &a.status)?;
        Ok((l, a, status))
    }

    fn action_ctx(a: &ActionRecord) -> ActionContext {
        ActionContext {
            author: a.author_id,
            proposer: a.proposer_id,
            performing_org: a.performing_org_id,
        }
    }

    /// Replaces a draft's fields (its author only).
    pub fn edit_action(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
        edit: &NewAction,
    ) -> Result<ActionView, CaseError> {
        let (l, a, status) = self.load_action(p, case_id, id)?;
        Self::open_case(&l)?;
        let step = ActionStep::Edit;
        act::decide(status, step, &l.actor, &Self::action_ctx(&a))
            .map_err(|r| step_refusal(r, &step))?;
        let now = self.now();
        let (performing, target) = self.check_action_fields(&l, edit, now)?;
        let next = ActionRecord {
            title: edit.title.trim().to_string(),
            description: edit.description.clone(),
            counter_id: edit.counter_id.clone(),
            performing_org_id: performing,
            target_org_id: target,
            due: edit.due,
            updated: now,
            ..a.clone()
        };
        if performing != a.performing_org_id {
            return Err(HubError::invalid(
                "performing_org",
                "the performing organisation of an action does not change; draft a new one",
            )
            .into());
        }
        let step = audit(
            p,
            "case.action.edit",
            format!("case/{case_id}/action/{id}"),
            l.record.owner_org_id,
            next.title.clone(),
        );
        if !self.store.update_action(&next, status.as_str(), &step)? {
            return Err(changed_meanwhile("action").into());
        }
        Ok(self.action_view(&next, now)?)
    }

    /// Takes an action one step along its lifecycle (propose, approve, reject, complete,
    /// fail, withdraw).
    pub fn step_action(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
        step: ActionStep,
    ) -> Result<ActionView, CaseError> {
        if step == ActionStep::Edit {
            return Err(HubError::invalid("step", "edit a draft with its new fields").into());
        }
        let (l, a, status) = self.load_action(p, case_id, id)?;
        Self::open_case(&l)?;
        let acc = act::decide(status, step, &l.actor, &Self::action_ctx(&a))
            .map_err(|r| step_refusal(r, &step))?;
        let now = self.now();
        let mut next = ActionRecord {
            status: acc.to.as_str().to_string(),
            updated: now,
            ..a.clone()
        };
        match step {
            ActionStep::Propose => next.proposer_id = Some(p.user.id),
            ActionStep::Reject => next.proposer_id = None,
            ActionStep::Approve => next.approver_id = Some(p.user.id),
            _ => {}
        }
        let record = audit(
            p,
            &format!("case.action.{}", step_name(step)),
            format!("case/{case_id}/action/{id}"),
            l.record.owner_org_id,
            format!("{status} -> {}", acc.to),
        );
        if !self.store.update_action(&next, status.as_str(), &record)? {
            return Err(changed_meanwhile("action").into());
        }
        Ok(self.action_view(&next, now)?)
    }

    /// A case's actions, oldest first.
    pub fn actions(&self, p: &Principal, case_id: &str) -> Result<Vec<ActionView>, CaseError> {
        self.load(p, case_id)?;
        let now = self.now();
        self.store
            .list_actions(case_id)?
            .iter()
            .map(|a| Ok(self.action_view(a, now)?))
            .collect()
    }

    fn tally_of(&self, l: &Loaded, pr: &ProposalRecord, now: i64) -> Result<Tallied, HubError> {
        let rule: DecisionRule = stored("decision rule", &pr.rule)?;
        let votes = self.store.votes(&pr.id)?;
        let ballots = votes
            .iter()
            .map(|v| stored("ballot", &v.ballot))
            .collect::<Result<Vec<Ballot>, HubError>>()?;
        let electorate = u32::try_from(l.member_orgs().len()).unwrap_or(u32::MAX);
        let deadline_passed = deadline::is_passed(pr.deadline, now);
        let outcome = tally(rule, &ballots, electorate, deadline_passed);
        Ok(Tallied {
            rule,
            votes,
            ballots,
            electorate,
            deadline_passed,
            outcome,
        })
    }

    fn proposal_view(
        &self,
        l: &Loaded,
        pr: &ProposalRecord,
        now: i64,
    ) -> Result<ProposalView, HubError> {
        let t = self.tally_of(l, pr, now)?;
        let count = Count::of(&t.ballots);
        let mut shown = Vec::new();
        for (v, b) in t.votes.iter().zip(t.ballots) {
            shown.push(VoteView {
                org: self.org_slug(v.org_id)?,
                ballot: b,
                cast: v.cast,
            });
        }
        Ok(ProposalView {
            id: pr.id.clone(),
            text: pr.text.clone(),
            rule: t.rule,
            deadline: pr.deadline,
            status: stored("proposal status", &pr.status)?,
            outcome: t.outcome,
            endorse: count.endorse,
            abstain: count.abstain,
            object: count.object,
            electorate: t.electorate,
            votes: shown,
            created: pr.created,
            updated: pr.updated,
        })
    }

    /// Puts a collective response to the case's organisations (owner's analysts and admins).
    pub fn open_proposal(
        &self,
        p: &Principal,
        case_id: &str,
        new: &NewProposal,
    ) -> Result<ProposalView, CaseError> {
        let l = self.load(p, case_id)?;
        Self::open_case(&l)?;
        vote::may_open(&l.actor).map_err(HubError::Forbidden)?;
        required("text", &new.text)?;
        let electorate = l.member_orgs().len();
        if let DecisionRule::Quorum(n) = new.rule {
            if n as usize > electorate {
                return Err(HubError::invalid(
                    "rule",
                    format!("a quorum of {n} exceeds the {electorate} organisations of the case"),
                )
                .into());
            }
        }
        let now = self.now();
        if let Some(d) = new.deadline {
            deadline::check_new(d, now)
                .map_err(|e| HubError::invalid("deadline", e.to_string()))?;
        }
        let record = ProposalRecord {
            id: uuid::Uuid::new_v4().to_string(),
            case_id: case_id.to_string(),
            text: new.text.clone(),
            rule: new.rule.to_string(),
            deadline: new.deadline,
            status: ProposalStatus::Open.as_str().to_string(),
            created_by: p.user.id,
            created: now,
            updated: now,
        };
        self.store.add_proposal(
            &record,
            &audit(
                p,
                "case.vote.open",
                format!("case/{case_id}/vote/{}", record.id),
                l.record.owner_org_id,
                format!("rule {}", record.rule),
            ),
        )?;
        Ok(self.proposal_view(&l, &record, now)?)
    }

    fn load_proposal(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
    ) -> Result<(Loaded, ProposalRecord, ProposalStatus), HubError> {
        let l = self.load(p, case_id)?;
        let pr = self
            .store
            .proposal(case_id, id)?
            .ok_or_else(|| not_found("proposal", id))?;
        let status = stored("proposal status", &pr.status)?;
        Ok((l, pr, status))
    }

    /// Closes the proposal as its tally decides (refused while the tally is pending);
    /// `false` when someone else changed it first.
    fn close(
        &self,
        l: &Loaded,
        pr: &ProposalRecord,
        status: ProposalStatus,
        now: i64,
    ) -> Result<bool, CaseError> {
        let ctx = self.tally_of(l, pr, now)?.context(l.actor.org_id);
        let action = ProposalAction::Close;
        let acc = vote::decide(status, action, &l.actor, &ctx).map_err(|r| refusal(r, &action))?;
        let step = NewAudit {
            actor: l.actor_name.clone(),
            actor_org_id: Some(l.actor.org_id),
            action: "case.vote.close".to_string(),
            target: format!("case/{}/vote/{}", l.record.id, pr.id),
            target_org_id: Some(l.record.owner_org_id),
            detail: format!("{status} -> {}", acc.to),
        };
        Ok(self
            .store
            .set_proposal_status(&pr.id, status.as_str(), acc.to.as_str(), now, &step)?)
    }

    /// Casts the caller's organisation's vote; the proposal closes as soon as its tally is
    /// decided.
    pub fn vote(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
        ballot: Ballot,
    ) -> Result<ProposalView, CaseError> {
        let (l, pr, status) = self.load_proposal(p, case_id, id)?;
        let now = self.now();
        let ctx = self.tally_of(&l, &pr, now)?.context(p.org.id);
        let action = ProposalAction::Cast;
        if let Err(r) = vote::decide(status, action, &l.actor, &ctx) {
            return Err(if ctx.already_voted && status == ProposalStatus::Open {
                CaseError::Conflict(format!(
                    "organisation '{}' has already voted on this proposal",
                    p.org.slug
                ))
            } else {
                refusal(r, &action)
            });
        }
        let cast = self.store.cast_vote(
            &VoteRecord {
                proposal_id: id.to_string(),
                org_id: p.org.id,
                user_id: p.user.id,
                ballot: ballot.as_str().to_string(),
                cast: now,
            },
            ProposalStatus::Open.as_str(),
            &audit(
                p,
                "case.vote.ballot",
                format!("case/{case_id}/vote/{id}"),
                l.record.owner_org_id,
                format!("{} by {}", ballot.as_str(), p.org.slug),
            ),
        );
        match cast {
            Ok(true) => {}
            Ok(false) => return Err(changed_meanwhile("proposal").into()),
            Err(store::StoreError::Conflict(_)) => {
                return Err(HubError::Conflict(format!(
                    "organisation '{}' has already voted on this proposal",
                    p.org.slug
                ))
                .into())
            }
            Err(e) => return Err(e.into()),
        }
        // A decided tally closes the proposal at once; a pending one leaves it open. Losing
        // the race to another closer is fine: the tally is the same.
        if self.tally_of(&l, &pr, now)?.outcome != Outcome::Pending {
            self.close(&l, &pr, ProposalStatus::Open, now)?;
        }
        self.proposal(p, case_id, id)
    }

    /// Closes a proposal whose tally is decided (after its deadline, say).
    pub fn close_proposal(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
    ) -> Result<ProposalView, CaseError> {
        let (l, pr, status) = self.load_proposal(p, case_id, id)?;
        let now = self.now();
        if !self.close(&l, &pr, status, now)? {
            return Err(changed_meanwhile("proposal").into());
        }
        self.proposal(p, case_id, id)
    }

    /// Marks an adopted proposal published (owner's analysts and admins).
    pub fn publish_proposal(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
    ) -> Result<ProposalView, CaseError> {
        let (l, pr, status) = self.load_proposal(p, case_id, id)?;
        let now = self.now();
        let ctx = self.tally_of(&l, &pr, now)?.context(p.org.id);
        let action = ProposalAction::Publish;
        let acc = vote::decide(status, action, &l.actor, &ctx).map_err(|r| refusal(r, &action))?;
        if let Some(collection) = &self.statements {
            self.publish_statement(p, &l, &pr, collection)?;
        }
        let step = audit(
            p,
            "case.vote.publish",
            format!("case/{case_id}/vote/{id}"),
            l.record.owner_org_id,
            format!("{status} -> {}", acc.to),
        );
        if !self
            .store
            .set_proposal_status(id, status.as_str(), acc.to.as_str(), now, &step)?
        {
            return Err(changed_meanwhile("proposal").into());
        }
        self.proposal(p, case_id, id)
    }

    fn identity_of(&self, org_id: i64) -> Result<String, HubError> {
        self.hub
            .org_by_id(org_id)?
            .map(|o| o.identity_id)
            .ok_or_else(|| HubError::broken(format!("organisation #{org_id} is gone")))
    }

    /// Stores generated objects, owned by the case owner; a refused one is a conflict.
    fn store_generated(
        &self,
        p: &Principal,
        collection_id: &str,
        what: &str,
        objects: &[(i64, serde_json::Value)],
    ) -> Result<(), HubError> {
        for outcome in self
            .hub
            .publish_generated(p, collection_id, what, objects)?
        {
            outcome.map_err(|e| HubError::Conflict(format!("{what} was refused: {e}")))?;
        }
        Ok(())
    }

    /// The adopted joint statement as a TLP:CLEAR note with its vote result, in the
    /// operator's statements collection.
    fn publish_statement(
        &self,
        p: &Principal,
        l: &Loaded,
        pr: &ProposalRecord,
        collection: &str,
    ) -> Result<(), HubError> {
        let col = self.hub.find_collection(collection)?;
        let view = self.proposal_view(l, pr, self.now())?;
        let owner = self.identity_of(l.record.owner_org_id)?;
        let rule = view.rule.to_string();
        let note = share::note(&share::NoteFacts {
            proposal_id: &pr.id,
            case_id: &l.record.id,
            text: &pr.text,
            rule: &rule,
            status: ProposalStatus::Published.as_str(),
            outcome: view.outcome.as_str(),
            counts: [view.endorse, view.abstain, view.object, view.electorate],
            owner_identity: &owner,
            created_micros: pr.created.saturating_mul(1_000_000),
            modified_micros: hub::now_micros().max(self.now().saturating_mul(1_000_000)),
        });
        self.store_generated(
            p,
            &col.id,
            "a joint statement",
            &[(l.record.owner_org_id, note)],
        )
    }

    /// Shares the case as STIX in `collection` (one the caller's organisation may write),
    /// marked `tlp`: its incident and a task per action (owner's analysts and admins). Each
    /// publication is a new version of the same objects.
    pub fn publish_case(
        &self,
        p: &Principal,
        case_id: &str,
        collection: &str,
        tlp: stix::Tlp,
    ) -> Result<PublishedCase, CaseError> {
        let l = self.load(p, case_id)?;
        if l.actor.membership != Membership::Owner || l.actor.role == store::Role::Reader {
            return Err(HubError::Forbidden(
                "only an analyst or admin of the owner organisation publishes a case".into(),
            )
            .into());
        }
        let (col, access) = match self.hub.collection_for(p, collection) {
            Ok(x) => x,
            Err(HubError::NotFound(_)) => {
                return Err(HubError::invalid(
                    "collection",
                    format!("no collection '{collection}' that you may write"),
                )
                .into())
            }
            Err(e) => return Err(e.into()),
        };
        if !access.write {
            return Err(HubError::invalid(
                "collection",
                format!("no collection '{collection}' that you may write"),
            )
            .into());
        }
        let owner = self.identity_of(l.record.owner_org_id)?;
        let mut participants = Vec::new();
        for x in &l.participants {
            participants.push(self.identity_of(x.org_id)?);
        }
        let marking = tlp.marking_id();
        // Never before the records' own times (the service's clock may run ahead).
        let latest = self
            .store
            .list_actions(case_id)?
            .iter()
            .map(|a| a.updated)
            .chain([l.record.updated])
            .max()
            .unwrap_or(l.record.updated);
        let modified = hub::now_micros().max(latest.saturating_mul(1_000_000));
        let (impact_ids, impact_objects) = self.impact_objects(&l, &owner, marking, modified)?;
        let incident = share::incident(&share::IncidentFacts {
            case_id: &l.record.id,
            title: &l.record.title,
            description: &l.record.description,
            status: l.status.as_str(),
            owner_identity: &owner,
            participant_identities: participants,
            created_micros: l.record.created.saturating_mul(1_000_000),
            modified_micros: modified,
            marking,
            impact_refs: impact_ids.clone(),
        });
        let mut objects = vec![(l.record.owner_org_id, incident)];
        objects.extend(impact_objects);
        let mut tasks = Vec::new();
        for a in self.store.list_actions(case_id)? {
            let status: ActionStatus = stored("action status", &a.status)?;
            let performing = self.identity_of(a.performing_org_id)?;
            let target = a.target_org_id.map(|o| self.identity_of(o)).transpose()?;
            tasks.push(share::task_id(&a.id));
            objects.push((
                l.record.owner_org_id,
                share::task(&share::TaskFacts {
                    action_id: &a.id,
                    case_id: &l.record.id,
                    title: &a.title,
                    description: &a.description,
                    status: status.as_str(),
                    outcome: status.outcome().as_str(),
                    counter_id: a.counter_id.as_deref(),
                    performing_identity: &performing,
                    target_identity: target.as_deref(),
                    due_micros: a.due.map(|d| d.saturating_mul(1_000_000)),
                    created_micros: a.created.saturating_mul(1_000_000),
                    modified_micros: modified,
                    owner_identity: &owner,
                    marking,
                }),
            ));
        }
        self.store_generated(p, &col.id, "a case incident", &objects)?;
        self.store.record_case_step(
            case_id,
            &audit(
                p,
                "case.publish",
                case_target(case_id),
                l.record.owner_org_id,
                format!("{} as TLP:{}", col.id, tlp.as_str()),
            ),
        )?;
        Ok(PublishedCase {
            collection: col.id,
            incident: share::incident_id(&l.record.id),
            tasks,
            tlp: tlp.as_str().to_string(),
            impacts: impact_ids,
        })
    }

    /// A proposal of a case, with its tally.
    pub fn proposal(
        &self,
        p: &Principal,
        case_id: &str,
        id: &str,
    ) -> Result<ProposalView, CaseError> {
        let (l, pr, _) = self.load_proposal(p, case_id, id)?;
        Ok(self.proposal_view(&l, &pr, self.now())?)
    }

    /// A case's proposals, oldest first.
    pub fn proposals(&self, p: &Principal, case_id: &str) -> Result<Vec<ProposalView>, CaseError> {
        let l = self.load(p, case_id)?;
        let now = self.now();
        self.store
            .list_proposals(case_id)?
            .iter()
            .map(|pr| Ok(self.proposal_view(&l, pr, now)?))
            .collect()
    }
}
