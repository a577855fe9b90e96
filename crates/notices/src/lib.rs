//! notices: notices to platforms and ISPs over the hub and the `response::notice` rules.
//!
//! A government, a trusted flagger or an authority writes a notice to a platform or an ISP
//! (DSA Art. 16 notices, trusted flaggers' notices, Art. 9 orders, terms-of-service reports and
//! XARF abuse reports), a second person of its organisation approves it, and it is sent: its
//! content is then frozen as canonical JSON with a SHA-256 hash, a correction being a new
//! version that goes through approval again. Sending is refused, listing the blockers, when the
//! recipient may not see a referenced STIX object. The recipient reads its inbox with a stable
//! cursor, acknowledges receipt (Art. 16(4)), decides item by item with a statement of reasons
//! in the DSA Transparency Database's schema (`sor`), exports its statements in batches the
//! Database accepts, and answers the sender's appeal.
//!
//! Only the sender's and, once sent, the recipient's users see a notice; to anyone else it does
//! not exist. Every step is decided by the rule table and stored compare-and-set with its audit
//! record and its domain events (`notice.received`, `notice.decided`, `notice.appealed`) in one
//! transaction.

mod deadlines;
mod error;
mod findings;
mod stats;

pub use deadlines::{NoticeReminder, NoticeSweep};
pub use error::{Blocked, NoticeError};
pub use findings::{
    FromDetection, FromMatch, LaterUpload, MatchedContent, RecheckRequest, RecheckView,
    RecheckedItem, MAX_CONTENTS, MAX_GROUP_ACCOUNTS,
};
pub use stats::{
    period, Period, PlatformRef, StatsNote, StatsQuery, StatsReport, StatsRow, CSV_HEADER,
    DEFAULT_PERIOD_SECS,
};

use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::Arc;

use hub::{Actor as HubActor, Hub, HubError, Principal};
use response::notice::{
    self as rules, AppealAnswer, ItemOutcome, ItemType, Missing, NoticeContent, NoticeContext,
    NoticeOutcome, NoticeStatus, NoticeStep, Parties,
};
use response::{Actor, Membership, Refused};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::{
    CaseStore, Conclusion, DecisionRecord, NewAudit, NewDomainEvent, NoticeChange, NoticeRecord,
    NoticeStore, Org, SentNotice,
};

/// The default page of the outbox and the inbox.
pub const DEFAULT_PAGE: usize = 100;
/// The largest page of the outbox and the inbox.
pub const MAX_PAGE: usize = 1000;
/// The domain of the events this service writes ([`store::NewDomainEvent::domain`]).
pub const EVENT_DOMAIN: &str = "notices";
/// The most characters of an appeal's reasons or an answer's explanation.
pub const MAX_REASONS: usize = 20_000;

const OUTBOX_CURSOR: &str = "notice-outbox";
const INBOX_CURSOR: &str = "notice-inbox";
const EXPORT_CURSOR: &str = "notice-statements";

/// The clock the service reads (seconds since the epoch).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Times on the wire: RFC 3339 UTC.
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

/// What happened to a notice, for the organisation it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// It was sent to the recipient (`notice.received`).
    Received,
    /// Every item was decided (`notice.decided`, to the sender).
    Decided,
    /// The sender appealed (`notice.appealed`, to the recipient).
    Appealed,
    /// It was not decided by its respond-by time (`notice.escalated`, to both).
    Escalated,
}

/// A notice event: stored with its change as the payload of a [`store::NewDomainEvent`], then
/// handed to the [`NoticeNotifier`] after the commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeEvent {
    /// The notice id.
    pub notice_id: String,
    /// What happened.
    pub kind: EventKind,
    /// The notice's kind's wire name (`dsa-art16`, ...).
    pub notice_kind: String,
    /// The notice's TLP (at RED or AMBER+STRICT a message carries only the kind and a link).
    pub tlp: String,
    /// A title: the kind and the other party, e.g. `dsa-art16 notice from gov-ca`.
    pub title: String,
    /// The outcome, for `decided`.
    pub outcome: Option<String>,
    /// The respond-by time, seconds since the epoch.
    #[serde(default)]
    pub respond_by: Option<i64>,
    /// The organisations to tell.
    pub orgs: Vec<i64>,
}

/// Told of every committed notice event, after it was stored: a wake-up for the relay.
pub trait NoticeNotifier: Send + Sync {
    /// One committed event.
    fn notify(&self, event: &NoticeEvent);
}

/// A new notice (or a new version of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    /// The recipient organisation, by slug (ignored for a new version: it stays).
    pub recipient: String,
    /// The notice's TLP (default AMBER).
    pub tlp: Option<stix::Tlp>,
    /// The content.
    pub content: NoticeContent,
    /// The response case the notice is an action of.
    pub case_id: Option<String>,
    /// The case's action.
    pub action_id: Option<String>,
    /// When the recipient should have decided, seconds since the epoch.
    pub respond_by: Option<i64>,
}

/// A decision on one item.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    /// The item's index.
    pub item: usize,
    /// What was done.
    pub outcome: ItemOutcome,
    /// The statement of reasons (required for `actioned`, refused for `no-action`).
    pub statement: Option<sor::Statement>,
}

/// A decision as both sides see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionView {
    /// The notice.
    pub notice: String,
    /// The item's index.
    pub item: usize,
    /// What was done.
    pub outcome: ItemOutcome,
    /// The statement's `puid`.
    pub puid: Option<String>,
    /// The statement of reasons.
    pub statement: Option<sor::Statement>,
    /// When (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub decided_at: i64,
}

/// An appeal and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppealView {
    /// The sender's reasons.
    pub reasons: String,
    /// When (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub appealed_at: Option<i64>,
    /// The answer.
    pub answer: Option<AppealAnswer>,
    /// Its explanation.
    pub explanation: Option<String>,
    /// When it was answered (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub answered_at: Option<i64>,
}

/// A notice as its sender and recipient see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeView {
    /// The notice id (of this version).
    pub id: String,
    /// The id of the first version.
    pub root: String,
    /// The version number.
    pub version: i64,
    /// The version this one corrects.
    pub previous: Option<String>,
    /// The sender organisation's slug.
    pub sender: String,
    /// The recipient organisation's slug.
    pub recipient: String,
    /// The TLP.
    pub tlp: String,
    /// The status.
    pub status: NoticeStatus,
    /// The outcome once decided.
    pub outcome: Option<NoticeOutcome>,
    /// The content.
    #[serde(flatten)]
    pub content: NoticeContent,
    /// The response case it is an action of.
    pub case_id: Option<String>,
    /// The case's action.
    pub action_id: Option<String>,
    /// When the recipient should have decided (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub respond_by: Option<i64>,
    /// The author's username.
    pub author: String,
    /// The approver's username.
    pub approved_by: Option<String>,
    /// The canonical JSON frozen when it was sent.
    pub frozen: Option<String>,
    /// The SHA-256 (hex) of `frozen`.
    pub content_hash: Option<String>,
    /// Creation (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub created: i64,
    /// Last change (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339")]
    pub updated: i64,
    /// When it was sent (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub sent_at: Option<i64>,
    /// When the recipient first read it (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub delivered_at: Option<i64>,
    /// When the recipient acknowledged it (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub acknowledged_at: Option<i64>,
    /// When its last item was decided (RFC 3339).
    #[serde(serialize_with = "wire_time::rfc3339_opt")]
    pub decided_at: Option<i64>,
    /// The decisions, by item.
    pub decisions: Vec<DecisionView>,
    /// The appeal, if any.
    pub appeal: Option<AppealView>,
}

/// A page of the outbox, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticePage {
    /// The notices.
    pub notices: Vec<NoticeView>,
    /// The cursor of the next page, when more may follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A page of an inbox, oldest first: `next` is always given, and a fetch `after=next` gives
/// exactly the notices sent since (none twice).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxPage {
    /// The notices.
    pub notices: Vec<NoticeView>,
    /// The cursor to fetch the following ones with.
    pub next: String,
}

/// A batch of statements of reasons in the Transparency Database's shape, and the cursor of
/// the following ones.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementExport {
    /// The batch (`{"statements": [...]}` when serialized).
    pub batch: sor::Batch,
    /// The cursor to fetch the following statements with.
    pub next: String,
}

/// Who marks competent authorities.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// The operator at the local command line.
    Operator,
    /// An authenticated user (an operator-role user may).
    User(&'a Principal),
}

/// The notices service.
#[derive(Clone)]
pub struct Notices {
    hub: Hub,
    store: Arc<dyn NoticeStore>,
    cases: Option<Arc<dyn CaseStore>>,
    clock: Clock,
    notifier: Option<Arc<dyn NoticeNotifier>>,
    banks: Option<banks::Banks>,
    detections: Option<detect::Detections>,
}

impl std::fmt::Debug for Notices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notices").finish_non_exhaustive()
    }
}

/// A notice loaded for one caller.
struct Loaded {
    record: NoticeRecord,
    content: NoticeContent,
    status: NoticeStatus,
    actor: Actor,
    ctx: NoticeContext,
}

fn not_found(id: &str) -> NoticeError {
    NoticeError::NotFound(format!("notice '{id}'"))
}

fn stored<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, HubError> {
    value
        .parse()
        .map_err(|_| HubError::broken(format!("stored {what} {value:?} is unknown")))
}

fn changed_meanwhile() -> NoticeError {
    NoticeError::Conflict("the notice changed meanwhile; read it again".into())
}

fn refusal<S: Display, A: Display + PartialEq>(r: Refused<S, A>, step: &A) -> NoticeError {
    if r.allowed.contains(step) {
        NoticeError::Forbidden(r.to_string())
    } else {
        NoticeError::Transition {
            current: r.current.to_string(),
            allowed: r.allowed.iter().map(ToString::to_string).collect(),
            reason: r.reason,
        }
    }
}

fn target(id: &str) -> String {
    format!("notice/{id}")
}

/// The audit record of `p`'s step `action` on notice `id`, filed under the sender.
fn audit(p: &Principal, action: &str, id: &str, sender: i64, detail: String) -> NewAudit {
    NewAudit {
        actor: p.user.username.clone(),
        actor_org_id: Some(p.org.id),
        action: action.to_string(),
        target: target(id),
        target_org_id: Some(sender),
        detail,
    }
}

fn text(field: &str, value: &str, max: usize) -> Result<(), NoticeError> {
    if value.trim().is_empty() {
        Err(NoticeError::invalid(field, "must not be empty"))
    } else if value.chars().count() > max {
        Err(NoticeError::invalid(
            field,
            format!("at most {max} characters"),
        ))
    } else {
        Ok(())
    }
}

/// The SHA-256 of `text`, hex.
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The frozen form of a notice: what is hashed when it is sent.
#[derive(Serialize)]
struct Frozen<'a> {
    id: &'a str,
    version: i64,
    previous: Option<&'a str>,
    sender: &'a str,
    recipient: &'a str,
    tlp: &'a str,
    #[serde(flatten)]
    content: &'a NoticeContent,
    case_id: Option<&'a str>,
    action_id: Option<&'a str>,
    respond_by: Option<String>,
    sent_at: String,
}

fn fmt_secs(s: i64) -> String {
    stix::format_timestamp(s.saturating_mul(1_000_000))
}

impl Notices {
    /// The service over `hub` and `store`, reading the system clock.
    pub fn new(hub: Hub, store: Arc<dyn NoticeStore>) -> Notices {
        Notices {
            hub,
            store,
            cases: None,
            clock: Arc::new(hub::now_secs),
            notifier: None,
            banks: None,
            detections: None,
        }
    }

    /// The same service checking case and action references against `cases`.
    pub fn with_cases(mut self, cases: Arc<dyn CaseStore>) -> Notices {
        self.cases = Some(cases);
        self
    }

    /// The same service announcing committed events to `notifier`.
    pub fn with_notifier(mut self, notifier: Arc<dyn NoticeNotifier>) -> Notices {
        self.notifier = Some(notifier);
        self
    }

    /// The same service reading `clock` instead (for tests and the demo).
    pub fn with_clock(mut self, clock: Clock) -> Notices {
        self.clock = clock;
        self
    }

    /// The hub the service runs on.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn slug(&self, id: i64) -> Result<String, HubError> {
        Ok(self
            .hub
            .org_by_id(id)?
            .map(|o| o.slug)
            .unwrap_or_else(|| format!("#{id}")))
    }

    fn username(&self, id: i64) -> Result<String, HubError> {
        Ok(self
            .hub
            .user_by_id(id)?
            .map(|u| u.username)
            .unwrap_or_else(|| format!("#{id}")))
    }

    fn actor(p: &Principal, membership: Membership) -> Actor {
        Actor {
            user_id: p.user.id,
            org_id: p.org.id,
            role: p.user.role,
            sector: p.org.sector,
            membership,
        }
    }

    /// The notice as `p` sees it: the sender's users always, the recipient's once it is
    /// sent; anyone else gets `NotFound`.
    fn load(&self, p: &Principal, id: &str) -> Result<Loaded, NoticeError> {
        let record = self.store.notice(id)?.ok_or_else(|| not_found(id))?;
        let status: NoticeStatus = stored("notice status", &record.status)?;
        let membership = if record.sender_org_id == p.org.id {
            Membership::Owner
        } else if record.recipient_org_id == p.org.id && status.is_sent() {
            Membership::Participant
        } else {
            return Err(not_found(id));
        };
        let content: NoticeContent = serde_json::from_str(&record.content)
            .map_err(|e| HubError::broken(format!("stored notice content: {e}")))?;
        Ok(Loaded {
            actor: Self::actor(p, membership),
            ctx: NoticeContext {
                author: record.created_by,
            },
            record,
            content,
            status,
        })
    }

    fn view(&self, record: &NoticeRecord) -> Result<NoticeView, NoticeError> {
        let content: NoticeContent = serde_json::from_str(&record.content)
            .map_err(|e| HubError::broken(format!("stored notice content: {e}")))?;
        let mut decisions = Vec::new();
        for d in self.store.decisions(&record.id)? {
            decisions.push(self.decision_view(&d)?);
        }
        let appeal = match &record.appeal {
            Some(reasons) => Some(AppealView {
                reasons: reasons.clone(),
                appealed_at: record.appealed_at,
                answer: record
                    .answer
                    .as_deref()
                    .map(|a| stored("appeal answer", a))
                    .transpose()?,
                explanation: record.answer_explanation.clone(),
                answered_at: record.answered_at,
            }),
            None => None,
        };
        Ok(NoticeView {
            id: record.id.clone(),
            root: record.root_id.clone(),
            version: record.version,
            previous: record.previous_id.clone(),
            sender: self.slug(record.sender_org_id)?,
            recipient: self.slug(record.recipient_org_id)?,
            tlp: record.tlp.clone(),
            status: stored("notice status", &record.status)?,
            outcome: record
                .outcome
                .as_deref()
                .map(|o| stored("notice outcome", o))
                .transpose()?,
            content,
            case_id: record.case_id.clone(),
            action_id: record.action_id.clone(),
            respond_by: record.respond_by,
            author: self.username(record.created_by)?,
            approved_by: record.approved_by.map(|u| self.username(u)).transpose()?,
            frozen: record.frozen.clone(),
            content_hash: record.content_hash.clone(),
            created: record.created,
            updated: record.updated,
            sent_at: record.sent_at,
            delivered_at: record.delivered_at,
            acknowledged_at: record.acknowledged_at,
            decided_at: record.decided_at,
            decisions,
            appeal,
        })
    }

    fn decision_view(&self, d: &DecisionRecord) -> Result<DecisionView, NoticeError> {
        let statement = match &d.statement {
            Some(s) => Some(
                serde_json::from_str::<sor::Statement>(s)
                    .map_err(|e| HubError::broken(format!("stored statement of reasons: {e}")))?,
            ),
            None => None,
        };
        Ok(DecisionView {
            notice: d.notice_id.clone(),
            item: usize::try_from(d.item).unwrap_or_default(),
            outcome: stored("item outcome", &d.outcome)?,
            puid: d.puid.clone(),
            statement,
            decided_at: d.decided_at,
        })
    }

    fn event(
        &self,
        record: &NoticeRecord,
        kind: EventKind,
        outcome: Option<NoticeOutcome>,
    ) -> Result<(NoticeEvent, NewDomainEvent), NoticeError> {
        let (to, other, word) = match kind {
            EventKind::Received | EventKind::Appealed | EventKind::Escalated => {
                (record.recipient_org_id, record.sender_org_id, "from")
            }
            EventKind::Decided => (record.sender_org_id, record.recipient_org_id, "to"),
        };
        let event = NoticeEvent {
            notice_id: record.id.clone(),
            kind,
            notice_kind: record.kind.clone(),
            tlp: record.tlp.clone(),
            title: format!("{} notice {word} {}", record.kind, self.slug(other)?),
            outcome: outcome.map(|o| o.as_str().to_string()),
            respond_by: record.respond_by,
            orgs: vec![to],
        };
        let stored = NewDomainEvent {
            id: uuid::Uuid::new_v4().to_string(),
            domain: EVENT_DOMAIN.to_string(),
            kind: match kind {
                EventKind::Received => "received",
                EventKind::Decided => "decided",
                EventKind::Appealed => "appealed",
                EventKind::Escalated => "escalated",
            }
            .to_string(),
            subject_id: record.id.clone(),
            payload: serde_json::to_string(&event)
                .map_err(|e| HubError::broken(format!("notice event: {e}")))?,
            orgs: event.orgs.clone(),
            created: hub::now_micros().div_euclid(1000),
        };
        Ok((event, stored))
    }

    fn announce(&self, event: &NoticeEvent) {
        if let Some(n) = &self.notifier {
            n.notify(event);
        }
    }

    /// Checks a notice's content and references for `p`'s organisation sending it to
    /// `recipient`: every missing element is named; `stix` items must be objects `p` may see
    /// (their collection is stored by UUID).
    fn checked_content(
        &self,
        p: &Principal,
        recipient: &Org,
        mut content: NoticeContent,
    ) -> Result<NoticeContent, NoticeError> {
        let parties = Parties {
            sender_is_authority: self.store.is_authority(p.org.id)?,
            recipient_sector: recipient.sector,
        };
        let mut missing = match rules::check(&content, &parties) {
            Ok(()) => Vec::new(),
            Err(m) => m,
        };
        let named: BTreeSet<String> = missing.iter().map(|m| m.field.clone()).collect();
        for (i, item) in content.items.iter_mut().enumerate() {
            if item.item_type != ItemType::Stix
                || named.contains(&format!("items[{i}].value"))
                || named.contains(&format!("items[{i}].collection"))
            {
                continue;
            }
            let collection = item.collection.clone().unwrap_or_default();
            match self
                .hub
                .object_visibility(p, &collection, item.value.trim(), &[])
            {
                Ok(v) => item.collection = Some(v.collection_id),
                Err(HubError::NotFound(_)) => missing.push(Missing {
                    field: format!("items[{i}]"),
                    message: format!(
                        "no object '{}' that you may see in collection '{collection}'",
                        item.value
                    ),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        if missing.is_empty() {
            Ok(content)
        } else {
            Err(NoticeError::Invalid(missing))
        }
    }

    /// `Invalid` naming `case_id` or `action_id` unless the case exists, the caller's
    /// organisation owns it or takes part in it, and the action is one of its actions.
    fn check_case(
        &self,
        p: &Principal,
        case_id: Option<&str>,
        action_id: Option<&str>,
    ) -> Result<(), NoticeError> {
        let Some(case_id) = case_id else {
            return match action_id {
                Some(_) => Err(NoticeError::invalid(
                    "action_id",
                    "an action is named with its case (case_id)",
                )),
                None => Ok(()),
            };
        };
        let Some(cases) = &self.cases else {
            return Err(NoticeError::invalid(
                "case_id",
                "this instance does not link notices to cases",
            ));
        };
        let visible = match cases.case(case_id)? {
            Some(c) if c.owner_org_id == p.org.id => true,
            Some(_) => cases
                .participants(case_id)?
                .iter()
                .any(|x| x.org_id == p.org.id),
            None => false,
        };
        if !visible {
            return Err(NoticeError::invalid(
                "case_id",
                format!("no case '{case_id}' that your organisation owns or takes part in"),
            ));
        }
        if let Some(action) = action_id {
            if cases.action(case_id, action)?.is_none() {
                return Err(NoticeError::invalid(
                    "action_id",
                    format!("case '{case_id}' has no action '{action}'"),
                ));
            }
        }
        Ok(())
    }

    fn check_respond_by(&self, respond_by: Option<i64>) -> Result<(), NoticeError> {
        match respond_by {
            Some(t) if t <= self.now() => {
                Err(NoticeError::invalid("respond_by", "must be in the future"))
            }
            _ => Ok(()),
        }
    }

    /// Writes a draft notice of the caller's organisation: the content is checked against its
    /// kind's rules (every missing element named), the recipient must be a platform or ISP.
    pub fn create(&self, p: &Principal, new: &NewNotice) -> Result<NoticeView, NoticeError> {
        rules::may_create(&Self::actor(p, Membership::Owner)).map_err(NoticeError::Forbidden)?;
        let recipient = self.hub.org_by_slug(&new.recipient)?.ok_or_else(|| {
            NoticeError::invalid("recipient", format!("no organisation '{}'", new.recipient))
        })?;
        if recipient.id == p.org.id {
            return Err(NoticeError::invalid(
                "recipient",
                "a notice goes to another organisation",
            ));
        }
        let content = self.checked_content(p, &recipient, new.content.clone())?;
        self.check_case(p, new.case_id.as_deref(), new.action_id.as_deref())?;
        self.check_respond_by(new.respond_by)?;
        let now = self.now();
        let id = uuid::Uuid::new_v4().to_string();
        let record = NoticeRecord {
            id: id.clone(),
            root_id: id.clone(),
            version: 1,
            kind: content.kind.as_str().to_string(),
            sender_org_id: p.org.id,
            recipient_org_id: recipient.id,
            tlp: new.tlp.unwrap_or(stix::Tlp::Amber).as_str().to_string(),
            status: NoticeStatus::Draft.as_str().to_string(),
            content: serde_json::to_string(&content)
                .map_err(|e| HubError::broken(format!("notice content: {e}")))?,
            case_id: new.case_id.clone(),
            action_id: new.action_id.clone(),
            respond_by: new.respond_by,
            created_by: p.user.id,
            created: now,
            updated: now,
            ..NoticeRecord::default()
        };
        self.store.create_notice(
            &record,
            &audit(
                p,
                "notice.create",
                &id,
                p.org.id,
                format!("{} to {}", record.kind, recipient.slug),
            ),
        )?;
        self.view(&record)
    }

    /// A corrected version of a sent notice: a new draft referring to it, to be approved and
    /// sent again (the recipient stays). Only the latest version is corrected.
    pub fn new_version(
        &self,
        p: &Principal,
        id: &str,
        new: &NewNotice,
    ) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        rules::decide(l.status, NoticeStep::Revise, &l.actor, &l.ctx)
            .map_err(|r| refusal(r, &NoticeStep::Revise))?;
        let recipient = self
            .hub
            .org_by_id(l.record.recipient_org_id)?
            .ok_or_else(|| HubError::broken("the notice's recipient organisation is gone"))?;
        let content = self.checked_content(p, &recipient, new.content.clone())?;
        self.check_case(p, new.case_id.as_deref(), new.action_id.as_deref())?;
        self.check_respond_by(new.respond_by)?;
        let now = self.now();
        let new_id = uuid::Uuid::new_v4().to_string();
        let record = NoticeRecord {
            id: new_id.clone(),
            root_id: l.record.root_id.clone(),
            version: l.record.version + 1,
            previous_id: Some(l.record.id.clone()),
            kind: content.kind.as_str().to_string(),
            sender_org_id: p.org.id,
            recipient_org_id: recipient.id,
            tlp: new
                .tlp
                .map_or_else(|| l.record.tlp.clone(), |t| t.as_str().to_string()),
            status: NoticeStatus::Draft.as_str().to_string(),
            content: serde_json::to_string(&content)
                .map_err(|e| HubError::broken(format!("notice content: {e}")))?,
            case_id: new.case_id.clone().or(l.record.case_id.clone()),
            action_id: new.action_id.clone().or(l.record.action_id.clone()),
            respond_by: new.respond_by,
            created_by: p.user.id,
            created: now,
            updated: now,
            ..NoticeRecord::default()
        };
        match self.store.create_notice(
            &record,
            &audit(
                p,
                "notice.version",
                &new_id,
                p.org.id,
                format!("version {} of {}", record.version, l.record.root_id),
            ),
        ) {
            Ok(()) => {}
            Err(store::StoreError::Conflict(_)) => {
                return Err(NoticeError::Conflict(format!(
                    "notice '{id}' already has a newer version; correct the latest"
                )))
            }
            Err(e) => return Err(e.into()),
        }
        self.view(&record)
    }

    /// Every version of the notice, oldest first.
    pub fn versions(&self, p: &Principal, id: &str) -> Result<Vec<NoticeView>, NoticeError> {
        let l = self.load(p, id)?;
        let mut out = Vec::new();
        for r in self.store.versions(&l.record.root_id)? {
            // The recipient sees only the versions that were sent to it.
            let status: NoticeStatus = stored("notice status", &r.status)?;
            if l.actor.membership == Membership::Owner || status.is_sent() {
                out.push(self.view(&r)?);
            }
        }
        Ok(out)
    }

    /// A notice; the recipient's first read marks it delivered.
    pub fn show(&self, p: &Principal, id: &str) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        if l.actor.membership == Membership::Participant && l.status == NoticeStatus::Sent {
            self.deliver(p, &l.record)?;
            let record = self.store.notice(id)?.ok_or_else(|| not_found(id))?;
            return self.view(&record);
        }
        self.view(&l.record)
    }

    /// Marks a sent notice delivered (the recipient read it); `false` if it was already.
    fn deliver(&self, p: &Principal, record: &NoticeRecord) -> Result<bool, NoticeError> {
        let actor = Self::actor(p, Membership::Participant);
        let ctx = NoticeContext {
            author: record.created_by,
        };
        if rules::decide(NoticeStatus::Sent, NoticeStep::Deliver, &actor, &ctx).is_err() {
            return Ok(false);
        }
        Ok(self.store.change_notice(
            &NoticeChange {
                id: record.id.clone(),
                from: NoticeStatus::Sent.as_str().into(),
                to: NoticeStatus::Delivered.as_str().into(),
                now: self.now(),
                delivered: true,
                ..NoticeChange::default()
            },
            &audit(
                p,
                "notice.deliver",
                &record.id,
                record.sender_org_id,
                String::new(),
            ),
            &[],
        )?)
    }

    fn transition(
        &self,
        p: &Principal,
        l: &Loaded,
        step: NoticeStep,
        change: NoticeChange,
        detail: String,
        event: Option<EventKind>,
    ) -> Result<NoticeView, NoticeError> {
        let acc = rules::decide(l.status, step, &l.actor, &l.ctx).map_err(|r| refusal(r, &step))?;
        let change = NoticeChange {
            id: l.record.id.clone(),
            from: l.status.as_str().into(),
            to: acc.to.as_str().into(),
            now: self.now(),
            ..change
        };
        let events = match event {
            Some(kind) => Some(self.event(&l.record, kind, None)?),
            None => None,
        };
        let stored: Vec<NewDomainEvent> = events.iter().map(|(_, s)| s.clone()).collect();
        if !self.store.change_notice(
            &change,
            &audit(
                p,
                &format!("notice.{step}"),
                &l.record.id,
                l.record.sender_org_id,
                detail,
            ),
            &stored,
        )? {
            return Err(changed_meanwhile());
        }
        if let Some((e, _)) = &events {
            self.announce(e);
        }
        let record = self
            .store
            .notice(&l.record.id)?
            .ok_or_else(|| not_found(&l.record.id))?;
        self.view(&record)
    }

    /// Approves a draft (a second person of the sender organisation).
    pub fn approve(&self, p: &Principal, id: &str) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        self.transition(
            p,
            &l,
            NoticeStep::Approve,
            NoticeChange {
                approved_by: Some(p.user.id),
                ..NoticeChange::default()
            },
            String::new(),
            None,
        )
    }

    /// Sends an approved notice: refused, listing the blockers, when the recipient may not
    /// see a referenced object; the content is frozen with its SHA-256, and the notice takes
    /// the next place in the recipient's inbox.
    pub fn send(&self, p: &Principal, id: &str) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        rules::decide(l.status, NoticeStep::Send, &l.actor, &l.ctx)
            .map_err(|r| refusal(r, &NoticeStep::Send))?;
        let recipient = self
            .hub
            .org_by_id(l.record.recipient_org_id)?
            .ok_or_else(|| HubError::broken("the notice's recipient organisation is gone"))?;
        let mut blocked = Vec::new();
        let mut missing = Vec::new();
        for (i, item) in l.content.items.iter().enumerate() {
            if item.item_type != ItemType::Stix {
                continue;
            }
            let collection = item.collection.clone().unwrap_or_default();
            match self.hub.object_visibility(
                p,
                &collection,
                &item.value,
                std::slice::from_ref(&recipient),
            ) {
                Ok(v) => {
                    if !v.visible_to.first().copied().unwrap_or(false) {
                        blocked.push(Blocked {
                            item: i,
                            object: item.value.clone(),
                            org: recipient.slug.clone(),
                        });
                    }
                }
                Err(HubError::NotFound(_)) => missing.push(Missing {
                    field: format!("items[{i}]"),
                    message: format!(
                        "the object '{}' is no longer one you may see; write a new version",
                        item.value
                    ),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        if !missing.is_empty() {
            return Err(NoticeError::Invalid(missing));
        }
        if !blocked.is_empty() {
            return Err(NoticeError::NotVisible(blocked));
        }
        let now = self.now();
        let sender = self.slug(l.record.sender_org_id)?;
        let frozen = Frozen {
            id: &l.record.id,
            version: l.record.version,
            previous: l.record.previous_id.as_deref(),
            sender: &sender,
            recipient: &recipient.slug,
            tlp: &l.record.tlp,
            content: &l.content,
            case_id: l.record.case_id.as_deref(),
            action_id: l.record.action_id.as_deref(),
            respond_by: l.record.respond_by.map(fmt_secs),
            sent_at: fmt_secs(now),
        };
        let value = serde_json::to_value(&frozen)
            .map_err(|e| HubError::broken(format!("freezing a notice: {e}")))?;
        let text = rules::canonical_json(&value);
        let hash = content_hash(&text);
        let (event, stored_event) = self.event(&l.record, EventKind::Received, None)?;
        let change = NoticeChange {
            id: l.record.id.clone(),
            from: l.status.as_str().into(),
            to: NoticeStatus::Sent.as_str().into(),
            now,
            sent: Some(SentNotice {
                by: p.user.id,
                frozen: text,
                hash: hash.clone(),
            }),
            ..NoticeChange::default()
        };
        if !self.store.change_notice(
            &change,
            &audit(p, "notice.send", id, l.record.sender_org_id, hash),
            &[stored_event],
        )? {
            return Err(changed_meanwhile());
        }
        self.announce(&event);
        let record = self.store.notice(id)?.ok_or_else(|| not_found(id))?;
        self.view(&record)
    }

    /// Acknowledges receipt (Art. 16(4)): `under-review`, the time stored.
    pub fn acknowledge(&self, p: &Principal, id: &str) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        self.transition(
            p,
            &l,
            NoticeStep::Acknowledge,
            NoticeChange {
                delivered: true,
                acknowledged: true,
                ..NoticeChange::default()
            },
            String::new(),
            None,
        )
    }

    /// Records the recipient's decisions on items (some or all); when every item has one, the
    /// notice is `decided` with its outcome, in the same transaction. Each statement of
    /// reasons is checked with the Transparency Database's rules; every failure is named
    /// (`decisions.0.statement.decision_ground`).
    pub fn decide(
        &self,
        p: &Principal,
        id: &str,
        decisions: &[NewDecision],
    ) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        rules::decide(l.status, NoticeStep::Decide, &l.actor, &l.ctx)
            .map_err(|r| refusal(r, &NoticeStep::Decide))?;
        let now = self.now();
        let existing: BTreeSet<i64> = self.store.decisions(id)?.iter().map(|d| d.item).collect();
        let mut missing = Vec::new();
        if decisions.is_empty() {
            missing.push(Missing {
                field: "decisions".into(),
                message: "at least one decision".into(),
            });
        }
        let n_items = l.content.items.len();
        let mut seen = BTreeSet::new();
        let mut records = Vec::new();
        for (i, d) in decisions.iter().enumerate() {
            let f = format!("decisions.{i}");
            if d.item >= n_items {
                missing.push(Missing {
                    field: format!("{f}.item"),
                    message: format!(
                        "the notice has {n_items} items (0 to {})",
                        n_items.saturating_sub(1)
                    ),
                });
                continue;
            }
            let item = i64::try_from(d.item).unwrap_or(i64::MAX);
            if !seen.insert(d.item) {
                missing.push(Missing {
                    field: format!("{f}.item"),
                    message: format!("item {} is decided twice in this request", d.item),
                });
            } else if existing.contains(&item) {
                missing.push(Missing {
                    field: format!("{f}.item"),
                    message: format!("item {} is decided already", d.item),
                });
            }
            let (statement, puid) = match (d.outcome, &d.statement) {
                (ItemOutcome::Actioned, None) => {
                    missing.push(Missing {
                        field: format!("{f}.statement"),
                        message: "an actioned item has a statement of reasons".into(),
                    });
                    (None, None)
                }
                (ItemOutcome::NoAction, Some(_)) => {
                    missing.push(Missing {
                        field: format!("{f}.statement"),
                        message: "an item without action has no statement of reasons".into(),
                    });
                    (None, None)
                }
                (ItemOutcome::NoAction, None) => (None, None),
                (ItemOutcome::Actioned, Some(s)) => {
                    if let Err(invalid) = s.check(now) {
                        for e in invalid.errors {
                            missing.push(Missing {
                                field: format!("{f}.statement.{}", e.field),
                                message: e.message,
                            });
                        }
                    }
                    let json = serde_json::to_string(s)
                        .map_err(|e| HubError::broken(format!("statement of reasons: {e}")))?;
                    (Some(json), Some(s.puid.clone()))
                }
            };
            records.push(DecisionRecord {
                notice_id: id.to_string(),
                item,
                outcome: d.outcome.as_str().to_string(),
                statement,
                puid,
                sender_org_id: l.record.sender_org_id,
                recipient_org_id: l.record.recipient_org_id,
                decided_by: p.user.id,
                decided_at: now,
                seq: 0,
            });
        }
        if !missing.is_empty() {
            return Err(NoticeError::Invalid(missing));
        }
        let conclude_allowed =
            rules::decide(l.status, NoticeStep::Conclude, &l.actor, &l.ctx).is_ok();
        let (event_template, _) = self.event(&l.record, EventKind::Decided, None)?;
        let concluded = std::cell::RefCell::new(None);
        let conclude = |all: &[DecisionRecord]| -> Option<Conclusion> {
            if !conclude_allowed {
                return None;
            }
            let mut per_item: Vec<Option<ItemOutcome>> = vec![None; n_items];
            for d in all {
                if let (Ok(i), Ok(o)) = (usize::try_from(d.item), d.outcome.parse()) {
                    if let Some(slot) = per_item.get_mut(i) {
                        *slot = Some(o);
                    }
                }
            }
            let outcome = rules::outcome(&per_item)?;
            let event = NoticeEvent {
                outcome: Some(outcome.as_str().to_string()),
                ..event_template.clone()
            };
            let stored = NewDomainEvent {
                id: uuid::Uuid::new_v4().to_string(),
                domain: EVENT_DOMAIN.to_string(),
                kind: "decided".to_string(),
                subject_id: id.to_string(),
                payload: serde_json::to_string(&event).ok()?,
                orgs: event.orgs.clone(),
                created: hub::now_micros().div_euclid(1000),
            };
            *concluded.borrow_mut() = Some(event);
            Some(Conclusion {
                to: NoticeStatus::Decided.as_str().to_string(),
                outcome: outcome.as_str().to_string(),
                audit: audit(
                    p,
                    "notice.conclude",
                    id,
                    l.record.sender_org_id,
                    outcome.as_str().to_string(),
                ),
                events: vec![stored],
            })
        };
        let items: Vec<String> = records.iter().map(|r| r.item.to_string()).collect();
        match self.store.add_decisions(
            id,
            l.status.as_str(),
            &records,
            &audit(
                p,
                "notice.decide",
                id,
                l.record.sender_org_id,
                format!("items {}", items.join(",")),
            ),
            &conclude,
        ) {
            Ok(true) => {}
            Ok(false) => return Err(changed_meanwhile()),
            Err(store::StoreError::Conflict(m)) => {
                return Err(NoticeError::Conflict(format!("{m}: read the notice again")))
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(e) = concluded.into_inner() {
            self.announce(&e);
        }
        let record = self.store.notice(id)?.ok_or_else(|| not_found(id))?;
        self.view(&record)
    }

    /// The sender appeals the decision, with its reasons.
    pub fn appeal(
        &self,
        p: &Principal,
        id: &str,
        reasons: &str,
    ) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        rules::decide(l.status, NoticeStep::Appeal, &l.actor, &l.ctx)
            .map_err(|r| refusal(r, &NoticeStep::Appeal))?;
        text("reasons", reasons, MAX_REASONS)?;
        self.transition(
            p,
            &l,
            NoticeStep::Appeal,
            NoticeChange {
                appeal: Some(reasons.trim().to_string()),
                ..NoticeChange::default()
            },
            String::new(),
            Some(EventKind::Appealed),
        )
    }

    /// The recipient answers an appeal: the notice is closed.
    pub fn answer(
        &self,
        p: &Principal,
        id: &str,
        answer: AppealAnswer,
        explanation: &str,
    ) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        rules::decide(l.status, NoticeStep::Answer, &l.actor, &l.ctx)
            .map_err(|r| refusal(r, &NoticeStep::Answer))?;
        text("explanation", explanation, MAX_REASONS)?;
        self.transition(
            p,
            &l,
            NoticeStep::Answer,
            NoticeChange {
                answer: Some((answer.as_str().to_string(), explanation.trim().to_string())),
                ..NoticeChange::default()
            },
            answer.as_str().to_string(),
            None,
        )
    }

    /// The sender accepts the decision: the notice is closed.
    pub fn close(&self, p: &Principal, id: &str) -> Result<NoticeView, NoticeError> {
        let l = self.load(p, id)?;
        self.transition(
            p,
            &l,
            NoticeStep::Close,
            NoticeChange::default(),
            String::new(),
            None,
        )
    }

    fn page_limit(limit: Option<usize>, max: usize) -> Result<usize, NoticeError> {
        match limit {
            None => Ok(DEFAULT_PAGE.min(max)),
            Some(n) if (1..=max).contains(&n) => Ok(n),
            Some(_) => Err(NoticeError::invalid(
                "limit",
                format!("must be an integer from 1 to {max}"),
            )),
        }
    }

    /// A page of the notices the caller's organisation wrote, newest first.
    pub fn outbox(
        &self,
        p: &Principal,
        limit: Option<usize>,
        next: Option<&str>,
    ) -> Result<NoticePage, NoticeError> {
        let limit = Self::page_limit(limit, MAX_PAGE)?;
        let fingerprint = format!("org:{}", p.org.id);
        let before = match next {
            Some(c) => Some(
                self.hub
                    .decode_list_cursor(OUTBOX_CURSOR, c, &fingerprint)?
                    .0,
            ),
            None => None,
        };
        let mut rows = self.store.outbox_page(p.org.id, before, limit + 1)?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let mut notices = Vec::with_capacity(rows.len());
        for r in &rows {
            notices.push(self.view(&r.notice)?);
        }
        let next = match (more, rows.last()) {
            (true, Some(r)) => {
                Some(
                    self.hub
                        .encode_list_cursor(OUTBOX_CURSOR, r.key, 0, &fingerprint)?,
                )
            }
            _ => None,
        };
        Ok(NoticePage { notices, next })
    }

    /// The notices sent to the caller's organisation after the cursor, oldest first; those
    /// still `sent` become `delivered`. The cursor is sealed to the organisation, so any of its
    /// users (or systems) may continue it.
    pub fn inbox(
        &self,
        p: &Principal,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<InboxPage, NoticeError> {
        let limit = Self::page_limit(limit, MAX_PAGE)?;
        let fingerprint = format!("org:{}", p.org.id);
        let after = match after {
            Some(c) => {
                self.hub
                    .decode_list_cursor(INBOX_CURSOR, c, &fingerprint)?
                    .0
            }
            None => 0,
        };
        let rows = self.store.inbox_page(p.org.id, after, limit)?;
        let mut last = after;
        let mut notices = Vec::with_capacity(rows.len());
        for r in rows {
            last = r.inbox_seq.unwrap_or(last);
            let record = if r.status == NoticeStatus::Sent.as_str() && self.deliver(p, &r)? {
                self.store.notice(&r.id)?.unwrap_or(r)
            } else {
                r
            };
            notices.push(self.view(&record)?);
        }
        Ok(InboxPage {
            notices,
            next: self
                .hub
                .encode_list_cursor(INBOX_CURSOR, last, 0, &fingerprint)?,
        })
    }

    /// The decisions with this `puid` on notices the caller's organisation sent or received.
    pub fn decisions_by_puid(
        &self,
        p: &Principal,
        puid: &str,
    ) -> Result<Vec<DecisionView>, NoticeError> {
        if puid.trim().is_empty() {
            return Err(NoticeError::invalid("puid", "must not be empty"));
        }
        let mut out = Vec::new();
        for d in self.store.decisions_by_puid(puid)? {
            if d.sender_org_id == p.org.id || d.recipient_org_id == p.org.id {
                out.push(self.decision_view(&d)?);
            }
        }
        Ok(out)
    }

    /// The caller's organisation's statements of reasons after the cursor, as a batch the
    /// Transparency Database accepts (at most [`sor::BATCH_MAX`]).
    pub fn export_statements(
        &self,
        p: &Principal,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<StatementExport, NoticeError> {
        let limit = Self::page_limit(limit, sor::BATCH_MAX)?;
        let fingerprint = format!("org:{}", p.org.id);
        let after = match after {
            Some(c) => {
                self.hub
                    .decode_list_cursor(EXPORT_CURSOR, c, &fingerprint)?
                    .0
            }
            None => 0,
        };
        let rows = self.store.statements_page(p.org.id, after, limit)?;
        let mut last = after;
        let mut statements = Vec::with_capacity(rows.len());
        for d in &rows {
            last = d.seq;
            if let Some(s) = self.decision_view(d)?.statement {
                statements.push(s);
            }
        }
        let batch = sor::Batch::new(statements, self.now()).map_err(|invalid| {
            NoticeError::Invalid(
                invalid
                    .errors
                    .into_iter()
                    .map(|e| Missing {
                        field: e.field,
                        message: format!(
                            "a stored statement no longer passes the Database's rules: {}",
                            e.message
                        ),
                    })
                    .collect(),
            )
        })?;
        Ok(StatementExport {
            batch,
            next: self
                .hub
                .encode_list_cursor(EXPORT_CURSOR, last, 0, &fingerprint)?,
        })
    }

    /// Marks (or unmarks) an organisation a competent authority that may issue orders under
    /// DSA Art. 9: the operator only (an organisation's own admin would certify itself).
    pub fn set_authority(&self, by: By<'_>, org: &str, on: bool) -> Result<bool, NoticeError> {
        let (actor, actor_org) = match by {
            By::Operator => ("operator".to_string(), None),
            By::User(p) => {
                if !HubActor::User(p).is_operator() {
                    return Err(NoticeError::Forbidden(
                        "only the operator marks competent authorities".into(),
                    ));
                }
                (p.user.username.clone(), Some(p.org.id))
            }
        };
        let o = self
            .hub
            .org_by_slug(org)?
            .ok_or_else(|| NoticeError::NotFound(format!("organisation '{org}'")))?;
        Ok(self.store.set_authority(
            o.id,
            on,
            self.now(),
            &NewAudit {
                actor,
                actor_org_id: actor_org,
                action: if on {
                    "notice.authority.set".into()
                } else {
                    "notice.authority.unset".into()
                },
                target: format!("org/{}", o.slug),
                target_org_id: Some(o.id),
                detail: String::new(),
            },
        )?)
    }

    /// The slugs of the organisations marked competent authorities.
    pub fn authorities(&self) -> Result<Vec<String>, NoticeError> {
        let mut out = Vec::new();
        for id in self.store.authorities()? {
            out.push(self.slug(id)?);
        }
        Ok(out)
    }
}
