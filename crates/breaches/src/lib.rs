//! breaches: breach and personal-data-misuse reports from a platform or ISP to an authority,
//! over `hub`'s public API and a [`BreachStore`].
//!
//! The rules (regimes, the contents each requires, the deadline, late reports and their
//! reasons, phases, the lifecycle and escalation) are the `response` engine's
//! ([`response::breach`]); this service resolves organisations and attributed objects, keeps
//! every change as a new revision with its audit records in the same store transaction, and
//! answers [`BreachError`].
//!
//! A report is visible only to users of its reporter and its recipient organisation; anyone
//! else gets `NotFound`, exactly as for an unknown id, in lists too.
//!
//! - The deadline sweep ([`Breaches::sweep_deadlines`]) escalates a report whose deadline
//!   passed while it was not submitted, was submitted late without reasons, or is still
//!   incomplete: once, with audit records and a [`store::NewDomainEvent`] (domain
//!   [`EVENT_DOMAIN`], kind `escalated`) to both organisations in the same transaction.
//! - [`Breaches::share`] publishes a submitted report as a STIX 2.1 `incident` with the OASIS
//!   incident core extension and a confidentiality `impact` (the `cases` crate's builders and
//!   the `response::impact` check), `related-to` each attributed intrusion set or threat
//!   actor, at the reporter's TLP (RED names both organisations as recipients). The shared
//!   objects hold no free text of the report: only its regime, counts and the references.
//! - [`Breaches::purge_expired`] deletes reports older than the retention period (at least
//!   730 days, PIPEDA s. 6), with one audit record naming each id.

mod error;
mod share;

use std::collections::BTreeMap;
use std::sync::Arc;

use hub::{Hub, HubError, Principal};
use response::breach::{
    self as rules, BreachAction, BreachContext, BreachStatus, ClockFacts, Contents, Element,
    Problem, Regime,
};
use response::{Actor as EngineActor, Membership};
use serde::{Deserialize, Serialize};
use store::{
    BreachActorRef, BreachChange, BreachPageQuery, BreachRecord, BreachState, BreachStore,
    NewAudit, NewBreach, NewDomainEvent, Org,
};

pub use error::BreachError;
pub use response::breach::{Contents as BreachContents, Escalation};
pub use share::{ShareBreach, SharedBreach};

/// The domain of the events this service writes ([`store::NewDomainEvent::domain`]).
pub const EVENT_DOMAIN: &str = "breaches";

/// The audit actor of the deadline sweep.
pub const DEADLINE_ACTOR: &str = "deadline";

/// The audit actor of the retention job.
pub const RETENTION_ACTOR: &str = "retention";

/// The shortest retention of breach records, in days: 24 months (PIPEDA s. 6).
pub const MIN_RETENTION_DAYS: i64 = 730;

/// The default retention of breach records, in days.
pub const DEFAULT_RETENTION_DAYS: i64 = 731;

/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;

/// The most attributed objects.
pub const MAX_ACTORS: usize = 20;

/// The largest page of the list, and the default.
pub const MAX_PAGE: usize = 100;

/// How far in the future an awareness time may be, in seconds (clock skew).
const AWARE_SKEW: i64 = 300;

/// The most reports one sweep reads.
const SWEEP_BATCH: usize = 10_000;

const LIST_CURSOR: &str = "breaches";

/// A stored intrusion set or threat actor a report is attributed to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRef {
    /// The collection, by UUID or slug.
    pub collection: String,
    /// The STIX id (`intrusion-set--…` or `threat-actor--…`).
    pub id: String,
}

/// The request to create a report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// A short title (1 to 200 characters), seen by both organisations only.
    pub title: String,
    /// `gdpr-art33`, `pipeda` or `other`.
    pub regime: String,
    /// The recipient authority, by slug (an organisation of sector `government`).
    pub recipient: String,
    /// When the reporter became aware, RFC 3339 (not in the future).
    pub aware_at: String,
    /// The deadline, RFC 3339: not allowed under `gdpr-art33` (72 hours), optional under
    /// `pipeda`, required under `other`.
    #[serde(default)]
    pub deadline: Option<String>,
    /// The contents given so far.
    #[serde(default)]
    pub contents: Contents,
    /// The required elements left to a later phase.
    #[serde(default)]
    pub deferred: Vec<String>,
    /// The reasons for a delay (required when submitted after the deadline).
    #[serde(default)]
    pub delay_reasons: Option<String>,
    /// Attributed intrusion sets or threat actors.
    #[serde(default)]
    pub actors: Vec<ActorRef>,
    /// Submit at once (default: a draft).
    #[serde(default)]
    pub submit: bool,
}

/// A later phase of a report: the elements given replace the earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportUpdate {
    /// The elements of this phase.
    #[serde(default)]
    pub contents: Contents,
    /// The elements still left to a later phase (default: the earlier list, less what is now
    /// given).
    #[serde(default)]
    pub deferred: Option<Vec<String>>,
    /// The reasons for a delay.
    #[serde(default)]
    pub delay_reasons: Option<String>,
}

/// The request to submit a report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submit {
    /// The reasons for a delay (required past the deadline unless given before).
    #[serde(default)]
    pub delay_reasons: Option<String>,
}

/// A referenced object as shown in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectView {
    /// The collection's UUID.
    pub collection: String,
    /// The STIX id.
    pub id: String,
}

/// One revision of a report, as its history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionView {
    /// The revision, from 1.
    pub revision: i64,
    /// What made it.
    pub action: String,
    /// The engine rule.
    pub rule: String,
    /// The state it left.
    pub status: String,
    /// Who made it (`deadline` for the sweep).
    pub by: String,
    /// The elements still missing after it.
    pub missing: Vec<String>,
    /// When, RFC 3339.
    pub at: String,
}

/// A report as its reporter and recipient see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreachView {
    /// The report id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The regime.
    pub regime: String,
    /// The reporter organisation.
    pub reporter: String,
    /// The recipient authority.
    pub recipient: String,
    /// Its state.
    pub status: String,
    /// The actions the table allows from it.
    pub allowed: Vec<String>,
    /// When the reporter became aware, RFC 3339.
    pub aware_at: String,
    /// The deadline, RFC 3339 (none under PIPEDA without a target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Whether it was submitted after the deadline, or is past it unsubmitted.
    pub late: bool,
    /// When it was submitted, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// When it was escalated, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<String>,
    /// The reasons for a delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_reasons: Option<String>,
    /// The contents so far.
    pub contents: Contents,
    /// The elements left to a later phase.
    pub deferred: Vec<String>,
    /// The required elements still missing.
    pub missing: Vec<String>,
    /// Whether every required element is there.
    pub complete: bool,
    /// Attributed intrusion sets or threat actors.
    pub actors: Vec<ObjectView>,
    /// The current revision.
    pub revision: i64,
    /// Creation time, RFC 3339.
    pub created: String,
    /// Last change, RFC 3339.
    pub updated: String,
    /// Every revision, oldest first.
    pub history: Vec<RevisionView>,
}

/// A line of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreachSummary {
    /// The report id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The regime.
    pub regime: String,
    /// The reporter.
    pub reporter: String,
    /// The recipient.
    pub recipient: String,
    /// Its state.
    pub status: String,
    /// The deadline, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Whether it is late.
    pub late: bool,
    /// Creation time, RFC 3339.
    pub created: String,
}

/// A page of the reports the caller's organisation made or received, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreachPage {
    /// The reports.
    pub breaches: Vec<BreachSummary>,
    /// The cursor of the next page, when more may follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The payload of a stored escalation event: no content of the report but its title, so
/// the relay treats it as TLP:AMBER+STRICT (kind and link only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachEvent {
    /// `escalated`.
    pub kind: String,
    /// The report id.
    pub breach_id: String,
    /// The report's title.
    pub title: String,
    /// Why it was escalated (`not-submitted`, `late-without-reasons`, `incomplete`).
    pub reason: String,
    /// The deadline, seconds since the epoch.
    pub deadline: i64,
    /// The reporter's slug.
    pub reporter: String,
    /// The recipient's slug.
    pub recipient: String,
}

/// What one deadline sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BreachSweep {
    /// The reports escalated, with why.
    pub escalated: Vec<(String, Escalation)>,
}

/// The breaches service.
#[derive(Clone)]
pub struct Breaches {
    hub: Hub,
    store: Arc<dyn BreachStore>,
    retention_days: i64,
}

impl std::fmt::Debug for Breaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breaches")
            .field("retention_days", &self.retention_days)
            .finish_non_exhaustive()
    }
}

fn time(secs: i64) -> String {
    stix::format_timestamp(secs.saturating_mul(1_000_000))
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        field: field.into(),
        message: message.into(),
    }
}

fn parse_time(field: &str, s: &str) -> Result<i64, Problem> {
    stix::parse_timestamp(s)
        .map(|m| m.div_euclid(1_000_000))
        .map_err(|e| problem(field, format!("not an RFC 3339 timestamp: {e}")))
}

fn parse_deferred(field: &str, names: &[String]) -> (Vec<Element>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match n.parse::<Element>() {
            Ok(e) if !out.contains(&e) => out.push(e),
            Ok(_) => {}
            Err(e) => problems.push(problem(format!("{field}[{i}]"), e.to_string())),
        }
    }
    (out, problems)
}

fn stored<T: std::str::FromStr>(what: &str, v: &str) -> Result<T, BreachError>
where
    T::Err: std::fmt::Display,
{
    v.parse::<T>()
        .map_err(|e| BreachError::Hub(HubError::broken(format!("stored breach {what}: {e}"))))
}

fn names(elements: &[Element]) -> Vec<String> {
    elements.iter().map(|e| e.as_str().to_string()).collect()
}

fn audit(p: &Principal, action: &str, id: &str, target_org: i64, detail: String) -> NewAudit {
    NewAudit {
        actor: p.user.username.clone(),
        actor_org_id: Some(p.org.id),
        action: action.to_string(),
        target: format!("breach/{id}"),
        target_org_id: Some(target_org),
        detail,
    }
}

/// A report as loaded for a change: its record, parsed facts and the caller's side.
struct Loaded {
    record: BreachRecord,
    regime: Regime,
    status: BreachStatus,
    contents: Contents,
    deferred: Vec<Element>,
    membership: Membership,
}

impl Breaches {
    /// The service over the hub and its store, keeping records [`DEFAULT_RETENTION_DAYS`].
    pub fn new(hub: Hub, store: Arc<dyn BreachStore>) -> Breaches {
        Breaches {
            hub,
            store,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }

    /// Sets the retention period in days; refused below [`MIN_RETENTION_DAYS`], naming
    /// `breach_retention_days`.
    pub fn with_retention_days(mut self, days: i64) -> Result<Breaches, BreachError> {
        if days < MIN_RETENTION_DAYS {
            return Err(BreachError::invalid(
                "breach_retention_days",
                format!(
                    "must be at least {MIN_RETENTION_DAYS} days (24 months, PIPEDA s. 6), not {days}"
                ),
            ));
        }
        self.retention_days = days;
        Ok(self)
    }

    /// The retention period in days.
    pub fn retention_days(&self) -> i64 {
        self.retention_days
    }

    fn slugs(&self) -> Result<BTreeMap<i64, Org>, BreachError> {
        Ok(self.hub.orgs()?.into_iter().map(|o| (o.id, o)).collect())
    }

    fn engine_actor(p: &Principal, membership: Membership) -> EngineActor {
        EngineActor {
            user_id: p.user.id,
            org_id: p.org.id,
            role: p.user.role,
            sector: p.org.sector,
            membership,
        }
    }

    /// Resolves the attributed objects: each a stored intrusion set or threat actor the
    /// caller may see and the recipient may see, else a problem on `actors[i]`.
    fn resolve_actors(
        &self,
        p: &Principal,
        refs: &[ActorRef],
        recipient: &Org,
        problems: &mut Vec<Problem>,
    ) -> Result<Vec<BreachActorRef>, BreachError> {
        if refs.len() > MAX_ACTORS {
            problems.push(problem("actors", format!("at most {MAX_ACTORS} objects")));
            return Ok(Vec::new());
        }
        let mut out: Vec<BreachActorRef> = Vec::new();
        for (i, r) in refs.iter().enumerate() {
            let field = format!("actors[{i}]");
            if !(r.id.starts_with("intrusion-set--") || r.id.starts_with("threat-actor--")) {
                problems.push(problem(
                    format!("{field}.id"),
                    "must be the id of an intrusion-set or a threat-actor",
                ));
                continue;
            }
            match self.hub.object_visibility(
                p,
                &r.collection,
                &r.id,
                std::slice::from_ref(recipient),
            ) {
                Ok(v) if v.visible_to.first().copied().unwrap_or(false) => {
                    let o = BreachActorRef {
                        collection_id: v.collection_id,
                        object_id: v.object_id,
                    };
                    if !out.contains(&o) {
                        out.push(o);
                    }
                }
                Ok(_) => problems.push(problem(
                    field,
                    format!("the recipient {} may not see {}", recipient.slug, r.id),
                )),
                Err(HubError::NotFound(_)) => problems.push(problem(
                    field,
                    format!(
                        "unknown object '{}' in collection '{}' (no stored object you may see \
                         has this id there)",
                        r.id, r.collection
                    ),
                )),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }

    /// Creates a report from the caller's organisation (a platform or ISP) to an authority,
    /// as a draft or, with `submit`, submitted. Every problem is named at once (each missing
    /// element of the regime, a late report without reasons, a wrong sector, an unknown
    /// object) and nothing is stored.
    pub fn create(&self, p: &Principal, req: &NewReport) -> Result<BreachView, BreachError> {
        if !response::actor::Actor::can_write(&Self::engine_actor(p, Membership::Owner)) {
            return Err(BreachError::Forbidden(format!(
                "a {} may not report breaches (analysts and admins may)",
                p.user.role
            )));
        }
        let mut problems = Vec::new();
        if !rules::may_report(p.org.sector) {
            problems.push(problem(
                "reporter",
                format!(
                    "only a platform or an ISP reports breaches; {} is of sector {}",
                    p.org.slug, p.org.sector
                ),
            ));
        }
        if let Err(m) = check_title(&req.title) {
            problems.push(problem("title", m));
        }
        let regime = match req.regime.parse::<Regime>() {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(problem("regime", e.to_string()));
                None
            }
        };
        let recipient = match self.hub.org_by_slug(&req.recipient)? {
            Some(o) if rules::may_receive(o.sector) => Some(o),
            Some(o) => {
                problems.push(problem(
                    "recipient",
                    format!(
                        "the recipient must be an authority (sector government); {} is of \
                         sector {}",
                        o.slug, o.sector
                    ),
                ));
                None
            }
            None => {
                problems.push(problem(
                    "recipient",
                    format!("unknown organisation '{}'", req.recipient),
                ));
                None
            }
        };
        let now = hub::now_secs();
        let aware_at = match parse_time("aware_at", &req.aware_at) {
            Ok(t) if t > now + AWARE_SKEW => {
                problems.push(problem("aware_at", "must not be in the future"));
                None
            }
            Ok(t) => Some(t),
            Err(e) => {
                problems.push(e);
                None
            }
        };
        let given = match &req.deadline {
            None => None,
            Some(s) => match parse_time("deadline", s) {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
        };
        let (deferred, bad) = parse_deferred("deferred", &req.deferred);
        problems.extend(bad);
        let mut deadline = None;
        let mut complete = false;
        if let (Some(regime), Some(aware_at)) = (regime, aware_at) {
            match rules::deadline(regime, aware_at, given) {
                Ok(d) => deadline = d,
                Err(e) => problems.push(e),
            }
            match rules::check_contents(regime, &req.contents, &deferred) {
                Ok(rest) => complete = rest.is_empty(),
                Err(e) => problems.extend(e),
            }
            let at = if req.submit { now } else { i64::MIN };
            if let Err(e) = rules::check_delay(deadline, at, req.delay_reasons.as_deref()) {
                problems.push(e);
            }
        }
        let actors = match &recipient {
            Some(r) => self.resolve_actors(p, &req.actors, r, &mut problems)?,
            None => Vec::new(),
        };
        let (Some(regime), Some(recipient), Some(aware_at), true) =
            (regime, recipient, aware_at, problems.is_empty())
        else {
            return Err(BreachError::Invalid(problems));
        };
        let status = if req.submit {
            rules::settle(BreachStatus::Submitted, true, complete)
        } else {
            BreachStatus::Draft
        };
        let contents = serde_json::to_string(&req.contents)
            .map_err(|e| HubError::broken(format!("breach contents: {e}")))?;
        let id = uuid::Uuid::new_v4().to_string();
        let missing = rules::missing(regime, &req.contents);
        let new = NewBreach {
            id: id.clone(),
            reporter_org_id: p.org.id,
            recipient_org_id: recipient.id,
            created_by: p.user.id,
            regime: regime.as_str().to_string(),
            title: req.title.trim().to_string(),
            aware_at,
            deadline,
            state: BreachState {
                status: status.as_str().to_string(),
                contents,
                deferred: names(&missing),
                delay_reasons: clean(req.delay_reasons.as_deref()),
                submitted_at: req.submit.then_some(now),
                escalated_at: None,
                actors,
            },
            created: now,
        };
        let detail = format!(
            "{regime} to {} ({status}; deadline {}; missing {})",
            recipient.slug,
            deadline.map_or_else(|| "none".to_string(), time),
            if missing.is_empty() {
                "nothing".to_string()
            } else {
                names(&missing).join(",")
            }
        );
        let mut records = vec![audit(p, "breach.create", &id, recipient.id, detail)];
        if req.submit {
            records.push(audit(
                p,
                "breach.submit",
                &id,
                recipient.id,
                format!("late: {}", rules::is_late(deadline, now)),
            ));
        }
        let rec = self.store.add_breach(&new, &records, &[])?;
        self.view(&rec)
    }

    /// The report and the caller's side: `NotFound` unless the caller's organisation is its
    /// reporter or recipient.
    fn load(&self, p: &Principal, id: &str) -> Result<Loaded, BreachError> {
        let not_found = || BreachError::NotFound(format!("breach report '{id}'"));
        let Some(record) = self.store.breach(id)? else {
            return Err(not_found());
        };
        let membership = if record.reporter_org_id == p.org.id {
            Membership::Owner
        } else if record.recipient_org_id == p.org.id {
            Membership::Participant
        } else {
            return Err(not_found());
        };
        let regime: Regime = stored("regime", &record.regime)?;
        let status: BreachStatus = stored("status", &record.state.status)?;
        let contents: Contents = serde_json::from_str(&record.state.contents)
            .map_err(|e| HubError::broken(format!("stored breach contents: {e}")))?;
        let mut deferred = Vec::new();
        for d in &record.state.deferred {
            deferred.push(stored::<Element>("deferred element", d)?);
        }
        Ok(Loaded {
            record,
            regime,
            status,
            contents,
            deferred,
            membership,
        })
    }

    /// One report with its history; `NotFound` unless the caller's organisation made or
    /// received it.
    pub fn get(&self, p: &Principal, id: &str) -> Result<BreachView, BreachError> {
        let l = self.load(p, id)?;
        self.view(&l.record)
    }

    fn decide(
        l: &Loaded,
        p: &Principal,
        action: BreachAction,
    ) -> Result<response::Accepted<BreachStatus>, BreachError> {
        let me = Self::engine_actor(p, l.membership);
        let ctx = BreachContext {
            submitted: l.record.state.submitted_at.is_some(),
        };
        rules::decide(l.status, action, &me, &ctx).map_err(|refused| {
            if refused.allowed.contains(&action) {
                BreachError::Forbidden(refused.reason)
            } else {
                BreachError::Transition {
                    current: refused.current.to_string(),
                    allowed: refused.allowed.iter().map(|a| a.to_string()).collect(),
                    reason: refused.reason,
                }
            }
        })
    }

    /// Stores a change decided on `l` as the next revision, or `Transition` if another
    /// change got there first.
    fn apply(
        &self,
        p: &Principal,
        l: &Loaded,
        action: BreachAction,
        rule: &str,
        state: BreachState,
        detail: String,
    ) -> Result<BreachView, BreachError> {
        let now = hub::now_secs().max(l.record.updated);
        let other = if l.membership == Membership::Owner {
            l.record.recipient_org_id
        } else {
            l.record.reporter_org_id
        };
        let change = BreachChange {
            id: l.record.id.clone(),
            expected_revision: l.record.revision,
            user_id: Some(p.user.id),
            action: action.as_str().to_string(),
            rule: rule.to_string(),
            state,
            at: now,
        };
        let record = audit(
            p,
            &format!("breach.{}", action.as_str()),
            &l.record.id,
            other,
            detail,
        );
        if !self.store.change_breach(&change, &[record], &[])? {
            return Err(BreachError::Transition {
                current: l.status.to_string(),
                allowed: rules::allowed(l.status)
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
                reason: "the report changed meanwhile".to_string(),
            });
        }
        let rec = self
            .store
            .breach(&l.record.id)?
            .ok_or_else(|| BreachError::NotFound(format!("breach report '{}'", l.record.id)))?;
        self.view(&rec)
    }

    /// A later phase of the report's contents (the reporter's analysts and admins): the
    /// elements given replace the earlier ones; a submitted report that becomes complete is
    /// `complete`.
    pub fn update(
        &self,
        p: &Principal,
        id: &str,
        req: &ReportUpdate,
    ) -> Result<BreachView, BreachError> {
        let l = self.load(p, id)?;
        let acc = Self::decide(&l, p, BreachAction::Update)?;
        let merged = l.contents.merged(&req.contents);
        let mut problems = Vec::new();
        let deferred = match &req.deferred {
            Some(list) => {
                let (d, bad) = parse_deferred("deferred", list);
                problems.extend(bad);
                d
            }
            None => l
                .deferred
                .iter()
                .copied()
                .filter(|e| !merged.has(*e))
                .collect(),
        };
        let complete = match rules::check_contents(l.regime, &merged, &deferred) {
            Ok(rest) => rest.is_empty(),
            Err(e) => {
                problems.extend(e);
                false
            }
        };
        let reasons = clean(req.delay_reasons.as_deref()).or(l.record.state.delay_reasons.clone());
        if let Some(r) = &req.delay_reasons {
            if let Err(e) = rules::check_delay(None, 0, Some(r)) {
                problems.push(e);
            }
        }
        if !problems.is_empty() {
            return Err(BreachError::Invalid(problems));
        }
        let submitted = l.record.state.submitted_at.is_some();
        let to = rules::settle(acc.to, submitted, complete);
        let missing = rules::missing(l.regime, &merged);
        let contents = serde_json::to_string(&merged)
            .map_err(|e| HubError::broken(format!("breach contents: {e}")))?;
        let state = BreachState {
            status: to.as_str().to_string(),
            contents,
            deferred: names(&missing),
            delay_reasons: reasons,
            ..l.record.state.clone()
        };
        let detail = format!(
            "revision {} ({} -> {to}; missing {})",
            l.record.revision + 1,
            l.status,
            if missing.is_empty() {
                "nothing".to_string()
            } else {
                names(&missing).join(",")
            }
        );
        self.apply(p, &l, BreachAction::Update, acc.rule, state, detail)
    }

    /// Submits the report (the reporter's analysts and admins, once). Past the deadline it
    /// must carry the reasons for the delay; every required element must be there or listed
    /// as deferred.
    pub fn submit(&self, p: &Principal, id: &str, req: &Submit) -> Result<BreachView, BreachError> {
        let l = self.load(p, id)?;
        let acc = Self::decide(&l, p, BreachAction::Submit)?;
        let now = hub::now_secs();
        let mut problems = Vec::new();
        let reasons = clean(req.delay_reasons.as_deref()).or(l.record.state.delay_reasons.clone());
        if let Err(e) = rules::check_delay(l.record.deadline, now, reasons.as_deref()) {
            problems.push(e);
        }
        let complete = match rules::check_contents(l.regime, &l.contents, &l.deferred) {
            Ok(rest) => rest.is_empty(),
            Err(e) => {
                problems.extend(e);
                false
            }
        };
        if !problems.is_empty() {
            return Err(BreachError::Invalid(problems));
        }
        let to = rules::settle(acc.to, true, complete);
        let state = BreachState {
            status: to.as_str().to_string(),
            delay_reasons: reasons,
            submitted_at: Some(now),
            ..l.record.state.clone()
        };
        let detail = format!(
            "{} -> {to}; late: {}",
            l.status,
            rules::is_late(l.record.deadline, now)
        );
        self.apply(p, &l, BreachAction::Submit, acc.rule, state, detail)
    }

    /// The recipient acknowledges a submitted report.
    pub fn acknowledge(&self, p: &Principal, id: &str) -> Result<BreachView, BreachError> {
        self.recipient_step(p, id, BreachAction::Acknowledge)
    }

    /// The recipient closes a report.
    pub fn close(&self, p: &Principal, id: &str) -> Result<BreachView, BreachError> {
        self.recipient_step(p, id, BreachAction::Close)
    }

    fn recipient_step(
        &self,
        p: &Principal,
        id: &str,
        action: BreachAction,
    ) -> Result<BreachView, BreachError> {
        let l = self.load(p, id)?;
        let acc = Self::decide(&l, p, action)?;
        let complete = rules::missing(l.regime, &l.contents).is_empty();
        let to = rules::settle(acc.to, l.record.state.submitted_at.is_some(), complete);
        let state = BreachState {
            status: to.as_str().to_string(),
            ..l.record.state.clone()
        };
        let detail = format!("{} -> {to}", l.status);
        self.apply(p, &l, action, acc.rule, state, detail)
    }

    /// A page of the reports the caller's organisation made or received, newest first, with
    /// a cursor bound to the caller.
    pub fn list(
        &self,
        p: &Principal,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<BreachPage, BreachError> {
        let limit = match limit {
            Some(n) if (1..=MAX_PAGE).contains(&n) => n,
            Some(_) => {
                return Err(BreachError::invalid(
                    "limit",
                    format!("must be between 1 and {MAX_PAGE}"),
                ))
            }
            None => MAX_PAGE,
        };
        let fingerprint = format!("{}:{}", p.user.id, p.org.id);
        let before = match cursor {
            Some(c) => Some(self.hub.decode_list_cursor(LIST_CURSOR, c, &fingerprint)?.0),
            None => None,
        };
        let mut rows = self.store.breach_page(&BreachPageQuery {
            org_id: p.org.id,
            before,
            limit: limit + 1,
        })?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let orgs = self.slugs()?;
        let slug = |id: i64| {
            orgs.get(&id)
                .map_or_else(|| format!("org-{id}"), |o| o.slug.clone())
        };
        let now = hub::now_secs();
        let breaches = rows
            .iter()
            .map(|b| BreachSummary {
                id: b.id.clone(),
                title: b.title.clone(),
                regime: b.regime.clone(),
                reporter: slug(b.reporter_org_id),
                recipient: slug(b.recipient_org_id),
                status: b.state.status.clone(),
                deadline: b.deadline.map(time),
                late: late_at(b, now),
                created: time(b.created),
            })
            .collect();
        let next = match (more, rows.last()) {
            (true, Some(b)) => {
                Some(
                    self.hub
                        .encode_list_cursor(LIST_CURSOR, b.seq, 0, &fingerprint)?,
                )
            }
            _ => None,
        };
        Ok(BreachPage { breaches, next })
    }

    fn view(&self, b: &BreachRecord) -> Result<BreachView, BreachError> {
        let orgs = self.slugs()?;
        let slug = |id: i64| {
            orgs.get(&id)
                .map_or_else(|| format!("org-{id}"), |o| o.slug.clone())
        };
        let regime: Regime = stored("regime", &b.regime)?;
        let status: BreachStatus = stored("status", &b.state.status)?;
        let contents: Contents = serde_json::from_str(&b.state.contents)
            .map_err(|e| HubError::broken(format!("stored breach contents: {e}")))?;
        let missing = rules::missing(regime, &contents);
        let mut users: BTreeMap<i64, String> = BTreeMap::new();
        let mut history = Vec::new();
        for r in self.store.breach_revisions(&b.id)? {
            let by = match r.user_id {
                None => DEADLINE_ACTOR.to_string(),
                Some(id) => match users.get(&id) {
                    Some(n) => n.clone(),
                    None => {
                        let n = self
                            .hub
                            .user_by_id(id)?
                            .map_or_else(|| format!("user-{id}"), |u| u.username);
                        users.insert(id, n.clone());
                        n
                    }
                },
            };
            let c: Contents = serde_json::from_str(&r.state.contents)
                .map_err(|e| HubError::broken(format!("stored breach contents: {e}")))?;
            history.push(RevisionView {
                revision: r.revision,
                action: r.action,
                rule: r.rule,
                status: r.state.status,
                by,
                missing: names(&rules::missing(regime, &c)),
                at: time(r.at),
            });
        }
        Ok(BreachView {
            id: b.id.clone(),
            title: b.title.clone(),
            regime: b.regime.clone(),
            reporter: slug(b.reporter_org_id),
            recipient: slug(b.recipient_org_id),
            status: status.as_str().to_string(),
            allowed: rules::allowed(status)
                .iter()
                .map(|a| a.to_string())
                .collect(),
            aware_at: time(b.aware_at),
            deadline: b.deadline.map(time),
            late: late_at(b, hub::now_secs()),
            submitted_at: b.state.submitted_at.map(time),
            escalated_at: b.state.escalated_at.map(time),
            delay_reasons: b.state.delay_reasons.clone(),
            complete: missing.is_empty(),
            missing: names(&missing),
            contents,
            deferred: b.state.deferred.clone(),
            actors: b
                .state
                .actors
                .iter()
                .map(|a| ObjectView {
                    collection: a.collection_id.clone(),
                    id: a.object_id.clone(),
                })
                .collect(),
            revision: b.revision,
            created: time(b.created),
            updated: time(b.updated),
            history,
        })
    }

    /// Escalates, at `now`, each report whose deadline passed while it was not submitted,
    /// was submitted late without reasons, or is still incomplete: once each, as a new
    /// revision by the actor `deadline`, with an audit record for each organisation and an
    /// `escalated` event to both in the same transaction.
    pub fn sweep_deadlines(&self, now: i64) -> Result<BreachSweep, BreachError> {
        let rows = self
            .store
            .due_breaches(now.saturating_sub(1), SWEEP_BATCH)?;
        let mut out = BreachSweep::default();
        let mut orgs = None;
        for b in rows {
            let regime: Regime = stored("regime", &b.regime)?;
            let status: BreachStatus = stored("status", &b.state.status)?;
            let contents: Contents = serde_json::from_str(&b.state.contents)
                .map_err(|e| HubError::broken(format!("stored breach contents: {e}")))?;
            let facts = ClockFacts {
                status,
                deadline: b.deadline,
                submitted_at: b.state.submitted_at,
                delay_reasons: b.state.delay_reasons.is_some(),
                complete: rules::missing(regime, &contents).is_empty(),
                escalated: b.state.escalated_at.is_some(),
            };
            let Some(reason) = rules::escalation_due(&facts, now) else {
                continue;
            };
            let (Some(deadline), orgs) = (
                b.deadline,
                match &orgs {
                    Some(o) => o,
                    None => orgs.insert(self.slugs()?),
                },
            ) else {
                continue;
            };
            let slug = |id: i64| {
                orgs.get(&id)
                    .map_or_else(|| format!("org-{id}"), |o| o.slug.clone())
            };
            let event = BreachEvent {
                kind: "escalated".to_string(),
                breach_id: b.id.clone(),
                title: b.title.clone(),
                reason: reason.as_str().to_string(),
                deadline,
                reporter: slug(b.reporter_org_id),
                recipient: slug(b.recipient_org_id),
            };
            let payload = serde_json::to_string(&event)
                .map_err(|e| HubError::broken(format!("breach event: {e}")))?;
            let stored_event = NewDomainEvent {
                id: uuid::Uuid::new_v4().to_string(),
                domain: EVENT_DOMAIN.to_string(),
                kind: event.kind.clone(),
                subject_id: b.id.clone(),
                payload,
                orgs: vec![b.reporter_org_id, b.recipient_org_id],
                created: hub::now_micros().div_euclid(1000),
            };
            let records: Vec<NewAudit> = [b.reporter_org_id, b.recipient_org_id]
                .into_iter()
                .map(|org| NewAudit {
                    actor: DEADLINE_ACTOR.to_string(),
                    actor_org_id: None,
                    action: "breach.escalate".to_string(),
                    target: format!("breach/{}", b.id),
                    target_org_id: Some(org),
                    detail: format!(
                        "{status} -> escalated ({reason}; deadline {})",
                        time(deadline)
                    ),
                })
                .collect();
            let change = BreachChange {
                id: b.id.clone(),
                expected_revision: b.revision,
                user_id: None,
                action: "escalate".to_string(),
                rule: "breach.escalate".to_string(),
                state: BreachState {
                    status: BreachStatus::Escalated.as_str().to_string(),
                    escalated_at: Some(now),
                    ..b.state.clone()
                },
                at: now.max(b.updated),
            };
            // A change made meanwhile wins; the next sweep looks at the report again.
            if self
                .store
                .change_breach(&change, &records, &[stored_event])?
            {
                out.escalated.push((b.id.clone(), reason));
            }
        }
        Ok(out)
    }

    /// Deletes, at `now`, the reports the reporter became aware of and last changed more
    /// than the retention period ago, with one audit record naming each id. Returns the ids.
    pub fn purge_expired(&self, now: i64) -> Result<Vec<String>, BreachError> {
        let cutoff = now.saturating_sub(self.retention_days.saturating_mul(86_400));
        let days = self.retention_days;
        Ok(self.store.purge_breaches(cutoff, &|ids| {
            vec![NewAudit {
                actor: RETENTION_ACTOR.to_string(),
                actor_org_id: None,
                action: "breach.purge".to_string(),
                target: "breaches".to_string(),
                target_org_id: None,
                detail: format!("{} purged after {days} days: {}", ids.len(), ids.join(",")),
            }]
        })?)
    }
}

/// Whether a report is late at `now`: submitted after its deadline, or unsubmitted past it.
fn late_at(b: &BreachRecord, now: i64) -> bool {
    rules::is_late(b.deadline, b.state.submitted_at.unwrap_or(now))
}

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn check_title(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > MAX_TITLE {
        return Err(format!("must be at most {MAX_TITLE} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not hold control characters".into());
    }
    Ok(())
}
