//! alerts: alerts between partners over `hub`'s public API: named groups of organisations
//! (maintained by the operator), raising an alert, each recipient's answers, forwarding, and
//! the inbox and sent lists.
//!
//! The rules (who may answer, which transitions exist, forwarding by TLP, respond-by) are the
//! `response` engine's ([`response::alert`]); whether a recipient may see a referenced object
//! is the hub's one access decision ([`hub::Hub::object_visibility`]). Records go through an
//! [`AlertStore`], which appends each change's account audit record in the same transaction.
//!
//! An alert and its recipients are visible only to users of the sending organisation and of
//! its recipient organisations; anyone else gets `NotFound`, exactly as for an unknown id.
//!
//! Every change that others must hear about (raised, answered, forwarded) writes its
//! [`AlertChange`] as a [`store::NewDomainEvent`] (domain [`EVENT_DOMAIN`]) in the same store
//! transaction as the change and its audit records: the transactional outbox that a relay
//! turns into notifications. After the commit the notice is also handed to the
//! [`AlertNotifier`] set with [`Alerts::set_notifier`] (none by default), a wake-up for the
//! relay: losing that call loses nothing.
//!
//! ```
//! use std::sync::Arc;
//! use hub::{Actor, Hub, HubConfig};
//! use store::{Role, Sector};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = Arc::new(store_sqlite::SqliteStore::open(&dir.path().join("hub.db")).unwrap());
//! let hub = Hub::new(store.clone(), HubConfig::new([7u8; 32])).unwrap();
//! hub.add_org(Actor::Operator, "gov-a", "A", Sector::Government, "ca").unwrap();
//! hub.add_org(Actor::Operator, "gov-b", "B", Sector::Government, "fr").unwrap();
//! hub.add_user(Actor::Operator, "gov-a", "ana", Role::Analyst, None).unwrap();
//! let ana = hub.principal_for("ana").unwrap();
//!
//! let alerts = alerts::Alerts::new(hub, store);
//! let raised = alerts
//!     .raise(&ana, &alerts::RaiseAlert {
//!         title: "Coordinated campaign".into(),
//!         recipients: vec!["gov-b".into()],
//!         ..alerts::RaiseAlert::default()
//!     })
//!     .unwrap();
//! assert_eq!(raised.recipients[0].state, "pending");
//! ```

mod deadlines;
mod error;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use hub::{Hub, HubError, Principal};
use response::alert::{self as rules, RecipientAction, RecipientState};
use response::{Actor as EngineActor, Membership, Priority};
use serde::{Deserialize, Serialize};
use store::{
    AlertBox, AlertObjectRef, AlertPageQuery, AlertRecord, AlertStore, GroupRecord, NewAlert,
    NewAlertEvent, NewAudit, NewDomainEvent, NewRecipient, Org, RecipientRecord, Role, Tlp,
};

pub use deadlines::{AlertDeadlineNotice, AlertSweep};
pub use error::AlertError;
pub use response::alert::{RecipientAction as Action, RecipientState as State};
pub use response::deadline::{Reminder, DEFAULT_LEAD};

/// Limits on an alert's content.
pub const MAX_TITLE: usize = 200;
/// The longest summary, in characters.
pub const MAX_SUMMARY: usize = 10_000;
/// The longest comment of an answer, in characters.
pub const MAX_COMMENT: usize = 5_000;
/// The most referenced objects.
pub const MAX_OBJECTS: usize = 100;
/// The most recipients an alert may be addressed to (after groups are expanded).
pub const MAX_RECIPIENTS: usize = 500;
/// The most responses asked for, each at most [`MAX_RESPONSE`] characters.
pub const MAX_RESPONSES: usize = 20;
/// The longest response asked for, in characters.
pub const MAX_RESPONSE: usize = 500;
/// The longest group name, in characters.
pub const MAX_GROUP_NAME: usize = 100;
/// The largest page of the inbox and sent lists, and the default.
pub const MAX_PAGE: usize = 100;

/// The cursor domains of the two lists.
const INBOX_CURSOR: &str = "alerts-inbox";
const SENT_CURSOR: &str = "alerts-sent";

/// A stored object an alert concerns: a collection (UUID or slug) and a STIX id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectRef {
    /// The collection, by UUID or slug.
    pub collection: String,
    /// The STIX id.
    pub id: String,
}

/// The request to raise an alert.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaiseAlert {
    /// Title (1 to 200 characters).
    pub title: String,
    /// Summary (up to 10,000 characters).
    #[serde(default)]
    pub summary: String,
    /// `information` or `alert` (the default).
    #[serde(default)]
    pub priority: Option<String>,
    /// The alert's TLP (default AMBER).
    #[serde(default)]
    pub tlp: Option<String>,
    /// The stored objects it concerns.
    #[serde(default)]
    pub objects: Vec<ObjectRef>,
    /// Recipient organisations, by slug.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Recipient groups, by name; expanded to their members when the alert is raised.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The responses asked of the recipients.
    #[serde(default)]
    pub responses: Vec<String>,
    /// Respond-by time, RFC 3339; must be in the future.
    #[serde(default)]
    pub respond_by: Option<String>,
}

/// The request to forward an alert to further organisations.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forward {
    /// Organisations, by slug.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Groups, by name.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A recipient's answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// A comment (up to 5,000 characters).
    #[serde(default)]
    pub comment: String,
}

/// A group of organisations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupView {
    /// Internal id (used in paths).
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Member organisations, by slug.
    pub members: Vec<String>,
    /// Creation time, RFC 3339.
    pub created: String,
}

/// The request to create a group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// Unique name.
    pub name: String,
    /// Member organisations, by slug.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A referenced object as shown in an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectView {
    /// The collection's UUID.
    pub collection: String,
    /// The STIX id.
    pub id: String,
}

/// One recorded answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// The recipient organisation.
    pub org: String,
    /// The user who answered.
    pub user: String,
    /// `acknowledge`, `contribute` or `decline`.
    pub action: String,
    /// The state before.
    pub from: String,
    /// The state after.
    pub to: String,
    /// The engine rule that allowed it.
    pub rule: String,
    /// The comment.
    pub comment: String,
    /// When, RFC 3339.
    pub at: String,
}

/// One recipient and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientView {
    /// The organisation.
    pub org: String,
    /// `pending`, `acknowledged`, `contributed` or `declined`.
    pub state: String,
    /// The actions the table allows from the state.
    pub allowed: Vec<String>,
    /// Whether the respond-by time passed without a final answer.
    pub overdue: bool,
    /// The group it was named through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_group: Option<String>,
    /// The organisation that forwarded the alert to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarded_by: Option<String>,
    /// When it was added, RFC 3339.
    pub added: String,
    /// When its state last changed, RFC 3339.
    pub updated: String,
}

/// An alert as its sender and recipients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertView {
    /// The alert id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// `information` or `alert`.
    pub priority: String,
    /// TLP level (`CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT`, `RED`).
    pub tlp: String,
    /// The sending organisation.
    pub sender: String,
    /// The user who raised it.
    pub raised_by: String,
    /// The stored objects it concerns.
    pub objects: Vec<ObjectView>,
    /// The responses asked for.
    pub responses: Vec<String>,
    /// Respond-by time, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<String>,
    /// Creation time, RFC 3339.
    pub created: String,
    /// Whether it may be forwarded to further organisations (its TLP allows it).
    pub forwardable: bool,
    /// The recipients.
    pub recipients: Vec<RecipientView>,
    /// The recorded answers, oldest first.
    pub events: Vec<EventView>,
}

/// A line of the inbox or the sent list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertSummary {
    /// The alert id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `information` or `alert`.
    pub priority: String,
    /// TLP level.
    pub tlp: String,
    /// The sending organisation.
    pub sender: String,
    /// Respond-by time, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<String>,
    /// Creation time, RFC 3339.
    pub created: String,
    /// In the inbox: the caller's organisation's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// A page of the inbox or sent list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertPage {
    /// The alerts.
    pub alerts: Vec<AlertSummary>,
    /// The cursor of the next page, when more may follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The domain of the notices this service writes ([`store::NewDomainEvent::domain`]).
pub const EVENT_DOMAIN: &str = "alerts";

/// What changed, for notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An alert was raised.
    Raised,
    /// A recipient answered.
    Answered,
    /// An alert was forwarded to further organisations.
    Forwarded,
}

impl ChangeKind {
    /// The snake-case name (the notice's `kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Raised => "raised",
            ChangeKind::Answered => "answered",
            ChangeKind::Forwarded => "forwarded",
        }
    }
}

/// The facts of one change, stored with it as the payload of its [`store::NewDomainEvent`] and
/// handed to the [`AlertNotifier`] after the commit. It carries no content beyond the title,
/// so a relay decides by `tlp` what it may place in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertChange {
    /// What changed.
    pub kind: ChangeKind,
    /// The alert id.
    pub alert_id: String,
    /// The alert's TLP.
    pub tlp: String,
    /// `information` or `alert`.
    pub priority: String,
    /// The alert's title.
    pub title: String,
    /// The sending organisation.
    pub sender: String,
    /// The organisations to tell: the new recipients (raised, forwarded) or the sender
    /// (answered).
    pub notify: Vec<String>,
    /// For an answer: the recipient and its new state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<(String, String)>,
}

impl AlertChange {
    /// The stored notice of this change, addressed to `orgs` (internal ids).
    fn to_new(&self, orgs: Vec<i64>) -> Result<NewDomainEvent, AlertError> {
        let payload = serde_json::to_string(self)
            .map_err(|e| AlertError::Hub(HubError::broken(format!("alert notice: {e}"))))?;
        Ok(NewDomainEvent {
            id: uuid::Uuid::new_v4().to_string(),
            domain: EVENT_DOMAIN.to_string(),
            kind: self.kind.as_str().to_string(),
            subject_id: self.alert_id.clone(),
            payload,
            orgs,
            created: hub::now_micros().div_euclid(1000),
        })
    }
}

/// Told of every committed alert change, after its notice was stored with it: a wake-up
/// for the relay that delivers stored notices (the notice is not lost if this is never
/// called). It must not block for long.
pub trait AlertNotifier: Send + Sync {
    /// One committed change.
    fn notify(&self, notice: &AlertChange);
}

/// The alerts service.
#[derive(Clone)]
pub struct Alerts {
    hub: Hub,
    store: Arc<dyn AlertStore>,
    notifier: Arc<RwLock<Option<Arc<dyn AlertNotifier>>>>,
}

impl std::fmt::Debug for Alerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerts").finish_non_exhaustive()
    }
}

/// Who acts on groups: the operator at the command line, or a user.
pub type GroupActor<'a> = hub::Actor<'a>;

fn time(secs: i64) -> String {
    stix::format_timestamp(secs.saturating_mul(1_000_000))
}

/// Checks free text: length bounds and no control characters but tab and newline.
fn check_text(field: &str, s: &str, max: usize, allow_empty: bool) -> Result<(), AlertError> {
    if !allow_empty && s.trim().is_empty() {
        return Err(AlertError::invalid(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(AlertError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AlertError::invalid(
            field,
            "must not hold control characters",
        ));
    }
    Ok(())
}

fn store_err(e: store::StoreError) -> AlertError {
    AlertError::Hub(HubError::Store(e))
}

impl Alerts {
    /// The service over the hub and its store.
    pub fn new(hub: Hub, store: Arc<dyn AlertStore>) -> Alerts {
        Alerts {
            hub,
            store,
            notifier: Arc::new(RwLock::new(None)),
        }
    }

    /// Sets where committed changes are announced (replacing any earlier notifier).
    pub fn set_notifier(&self, notifier: Arc<dyn AlertNotifier>) {
        let mut slot = self
            .notifier
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some(notifier);
    }

    fn emit(&self, notice: AlertChange) {
        let slot = self
            .notifier
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(n) = slot.as_ref() {
            n.notify(&notice);
        }
    }

    // Groups.

    fn require_operator(actor: &GroupActor<'_>) -> Result<(), AlertError> {
        if actor.is_operator() {
            Ok(())
        } else {
            Err(AlertError::Forbidden(
                "groups of organisations are maintained by the operator".to_string(),
            ))
        }
    }

    fn audit(actor: &GroupActor<'_>, action: &str, target: String, detail: String) -> NewAudit {
        match actor {
            hub::Actor::Operator => NewAudit {
                actor: "operator".to_string(),
                actor_org_id: None,
                action: action.to_string(),
                target,
                target_org_id: None,
                detail,
            },
            hub::Actor::User(p) => NewAudit {
                actor: p.user.username.clone(),
                actor_org_id: Some(p.org.id),
                action: action.to_string(),
                target,
                target_org_id: None,
                detail,
            },
        }
    }

    fn slugs(&self) -> Result<BTreeMap<i64, Org>, AlertError> {
        Ok(self.hub.orgs()?.into_iter().map(|o| (o.id, o)).collect())
    }

    fn group_view(&self, g: GroupRecord, orgs: &BTreeMap<i64, Org>) -> GroupView {
        let mut members: Vec<String> = g
            .members
            .iter()
            .filter_map(|id| orgs.get(id).map(|o| o.slug.clone()))
            .collect();
        members.sort();
        GroupView {
            id: g.id,
            name: g.name,
            members,
            created: time(g.created),
        }
    }

    fn org_of(&self, field: &str, slug: &str) -> Result<Org, AlertError> {
        self.hub
            .org_by_slug(slug)?
            .ok_or_else(|| AlertError::invalid(field, format!("unknown organisation '{slug}'")))
    }

    /// A group by id or name; `NotFound` otherwise.
    fn find_group(&self, group: &str) -> Result<GroupRecord, AlertError> {
        let by_id = match group.parse::<i64>() {
            Ok(id) => self.store.group(id).map_err(store_err)?,
            Err(_) => None,
        };
        match by_id {
            Some(g) => Ok(g),
            None => self
                .store
                .group_by_name(group)
                .map_err(store_err)?
                .ok_or_else(|| AlertError::NotFound(format!("group '{group}'"))),
        }
    }

    /// Creates a group (operator only).
    pub fn create_group(
        &self,
        actor: GroupActor<'_>,
        req: &NewGroup,
    ) -> Result<GroupView, AlertError> {
        Self::require_operator(&actor)?;
        let name = req.name.trim();
        check_text("name", name, MAX_GROUP_NAME, false)?;
        let mut ids = Vec::with_capacity(req.members.len());
        for (i, slug) in req.members.iter().enumerate() {
            ids.push(self.org_of(&format!("members[{i}]"), slug)?.id);
        }
        let audit = Self::audit(
            &actor,
            "group.create",
            format!("group/{name}"),
            req.members.join(","),
        );
        let g = self
            .store
            .create_group(name, &ids, hub::now_secs(), &audit)
            .map_err(|e| match e {
                store::StoreError::Conflict(_) => {
                    AlertError::Conflict(format!("a group named '{name}' exists"))
                }
                e => store_err(e),
            })?;
        Ok(self.group_view(g, &self.slugs()?))
    }

    /// Renames a group (operator only).
    pub fn rename_group(
        &self,
        actor: GroupActor<'_>,
        group: &str,
        name: &str,
    ) -> Result<GroupView, AlertError> {
        Self::require_operator(&actor)?;
        let name = name.trim();
        check_text("name", name, MAX_GROUP_NAME, false)?;
        let g = self.find_group(group)?;
        let audit = Self::audit(
            &actor,
            "group.rename",
            format!("group/{}", g.name),
            name.to_string(),
        );
        let g = self
            .store
            .rename_group(g.id, name, &audit)
            .map_err(|e| match e {
                store::StoreError::Conflict(_) => {
                    AlertError::Conflict(format!("a group named '{name}' exists"))
                }
                e => store_err(e),
            })?;
        Ok(self.group_view(g, &self.slugs()?))
    }

    /// Adds an organisation to a group, or removes it (operator only).
    pub fn set_member(
        &self,
        actor: GroupActor<'_>,
        group: &str,
        org: &str,
        member: bool,
    ) -> Result<GroupView, AlertError> {
        Self::require_operator(&actor)?;
        let g = self.find_group(group)?;
        let o = self.org_of("org", org)?;
        let action = if member {
            "group.member.add"
        } else {
            "group.member.remove"
        };
        let audit = Self::audit(&actor, action, format!("group/{}", g.name), o.slug.clone());
        let g = self
            .store
            .set_group_member(g.id, o.id, member, &audit)
            .map_err(store_err)?;
        Ok(self.group_view(g, &self.slugs()?))
    }

    /// Every group, by name. Every user may list them (to address alerts).
    pub fn list_groups(&self) -> Result<Vec<GroupView>, AlertError> {
        let orgs = self.slugs()?;
        Ok(self
            .store
            .list_groups()
            .map_err(store_err)?
            .into_iter()
            .map(|g| self.group_view(g, &orgs))
            .collect())
    }

    /// One group, by id or name.
    pub fn group(&self, group: &str) -> Result<GroupView, AlertError> {
        let g = self.find_group(group)?;
        Ok(self.group_view(g, &self.slugs()?))
    }

    // Alerts.

    fn engine_actor(p: &Principal, membership: Membership) -> EngineActor {
        EngineActor {
            user_id: p.user.id,
            org_id: p.org.id,
            role: p.user.role,
            sector: p.org.sector,
            membership,
        }
    }

    /// Expands organisation slugs and group names into recipient organisations, without
    /// `exclude` (the sender) and without repeats; the first naming wins.
    fn expand(
        &self,
        orgs: &[String],
        groups: &[String],
        exclude: i64,
    ) -> Result<Vec<(Org, Option<String>)>, AlertError> {
        let mut out: Vec<(Org, Option<String>)> = Vec::new();
        let push = |out: &mut Vec<(Org, Option<String>)>, o: Org, via: Option<String>| {
            if o.id != exclude && !out.iter().any(|(x, _)| x.id == o.id) {
                out.push((o, via));
            }
        };
        for (i, slug) in orgs.iter().enumerate() {
            let o = self.org_of(&format!("recipients[{i}]"), slug)?;
            push(&mut out, o, None);
        }
        let all = self.slugs()?;
        for (i, name) in groups.iter().enumerate() {
            let g = self
                .store
                .group_by_name(name)
                .map_err(store_err)?
                .ok_or_else(|| {
                    AlertError::invalid(&format!("groups[{i}]"), format!("unknown group '{name}'"))
                })?;
            for id in g.members {
                if let Some(o) = all.get(&id) {
                    push(&mut out, o.clone(), Some(g.name.clone()));
                }
            }
        }
        if out.len() > MAX_RECIPIENTS {
            return Err(AlertError::invalid(
                "recipients",
                format!("at most {MAX_RECIPIENTS} recipient organisations"),
            ));
        }
        Ok(out)
    }

    /// Checks that every recipient may see every object; the refusal names each blocking
    /// object and recipient.
    fn check_objects(
        &self,
        p: &Principal,
        objects: &[AlertObjectRef],
        recipients: &[Org],
    ) -> Result<(), AlertError> {
        let mut blocked = Vec::new();
        for o in objects {
            let sight =
                self.hub
                    .object_visibility(p, &o.collection_id, &o.object_id, recipients)?;
            for (org, may) in recipients.iter().zip(sight.visible_to) {
                if !may {
                    blocked.push(Blocked {
                        object: o.object_id.clone(),
                        org: org.slug.clone(),
                    });
                }
            }
        }
        if blocked.is_empty() {
            Ok(())
        } else {
            Err(AlertError::NotVisible(blocked))
        }
    }

    /// Resolves the referenced objects for the caller: each must be a stored object it may
    /// see, else `invalid_input` on `objects[i]` ("unknown object").
    fn resolve_objects(
        &self,
        p: &Principal,
        refs: &[ObjectRef],
    ) -> Result<Vec<AlertObjectRef>, AlertError> {
        if refs.len() > MAX_OBJECTS {
            return Err(AlertError::invalid(
                "objects",
                format!("at most {MAX_OBJECTS} objects"),
            ));
        }
        let mut out: Vec<AlertObjectRef> = Vec::with_capacity(refs.len());
        for (i, r) in refs.iter().enumerate() {
            let field = format!("objects[{i}]");
            if r.id.is_empty() || !r.id.contains("--") {
                return Err(AlertError::invalid(
                    &format!("{field}.id"),
                    "must be a STIX id (type--uuid)",
                ));
            }
            match self.hub.object_visibility(p, &r.collection, &r.id, &[]) {
                Ok(v) => {
                    let o = AlertObjectRef {
                        collection_id: v.collection_id,
                        object_id: v.object_id,
                    };
                    if !out.contains(&o) {
                        out.push(o);
                    }
                }
                Err(HubError::NotFound(_)) => {
                    return Err(AlertError::invalid(
                        &field,
                        format!(
                            "unknown object '{}' in collection '{}' (no stored object you may \
                             see has this id there)",
                            r.id, r.collection
                        ),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }

    /// Raises an alert: the caller's organisation sends it to the named organisations and
    /// the members of the named groups (expanded now; the sender itself is left out), each
    /// `pending`.
    pub fn raise(&self, p: &Principal, req: &RaiseAlert) -> Result<AlertView, AlertError> {
        let me = Self::engine_actor(p, Membership::Owner);
        rules::may_raise(&me).map_err(|d| AlertError::Forbidden(d.reason))?;
        check_text("title", &req.title, MAX_TITLE, false)?;
        check_text("summary", &req.summary, MAX_SUMMARY, true)?;
        let priority = match &req.priority {
            None => Priority::Alert,
            Some(s) => s
                .parse::<Priority>()
                .map_err(|e| AlertError::invalid("priority", e))?,
        };
        let tlp = match &req.tlp {
            None => Tlp::Amber,
            Some(s) => s
                .parse::<Tlp>()
                .map_err(|e| AlertError::invalid("tlp", e.to_string()))?,
        };
        if req.responses.len() > MAX_RESPONSES {
            return Err(AlertError::invalid(
                "responses",
                format!("at most {MAX_RESPONSES} responses"),
            ));
        }
        for (i, r) in req.responses.iter().enumerate() {
            check_text(&format!("responses[{i}]"), r, MAX_RESPONSE, false)?;
        }
        let now = hub::now_secs();
        let respond_by = match &req.respond_by {
            None => None,
            Some(s) => {
                let micros = stix::parse_timestamp(s).map_err(|e| {
                    AlertError::invalid("respond_by", format!("not an RFC 3339 timestamp: {e}"))
                })?;
                let secs = micros.div_euclid(1_000_000);
                rules::check_respond_by(now, secs)
                    .map_err(|d| AlertError::invalid("respond_by", d.reason))?;
                Some(secs)
            }
        };
        let recipients = self.expand(&req.recipients, &req.groups, p.org.id)?;
        if recipients.is_empty() {
            return Err(AlertError::invalid(
                "recipients",
                "name at least one recipient organisation other than your own, or a group \
                 with one",
            ));
        }
        let objects = self.resolve_objects(p, &req.objects)?;
        let orgs: Vec<Org> = recipients.iter().map(|(o, _)| o.clone()).collect();
        self.check_objects(p, &objects, &orgs)?;
        let id = uuid::Uuid::new_v4().to_string();
        let new = NewAlert {
            id: id.clone(),
            sender_org_id: p.org.id,
            sender_user_id: p.user.id,
            title: req.title.clone(),
            summary: req.summary.clone(),
            priority: priority.as_str().to_string(),
            tlp,
            objects,
            responses: req.responses.clone(),
            respond_by,
            created: now,
            recipients: recipients
                .iter()
                .map(|(o, via)| NewRecipient {
                    org_id: o.id,
                    via_group: via.clone(),
                    forwarded_by: None,
                })
                .collect(),
        };
        let mut audit = vec![user_audit(
            p,
            "alert.raise",
            &id,
            p.org.id,
            format!("{} {} to {}", tlp, priority, slugs_of(&orgs)),
        )];
        for o in &orgs {
            audit.push(user_audit(p, "alert.receive", &id, o.id, "pending".into()));
        }
        let notice = AlertChange {
            kind: ChangeKind::Raised,
            alert_id: id,
            tlp: tlp.as_str().to_string(),
            priority: priority.as_str().to_string(),
            title: new.title.clone(),
            sender: p.org.slug.clone(),
            notify: orgs.iter().map(|o| o.slug.clone()).collect(),
            answer: None,
        };
        let stored = notice.to_new(orgs.iter().map(|o| o.id).collect())?;
        let rec = self
            .store
            .add_alert(&new, &audit, &[stored])
            .map_err(store_err)?;
        let view = self.view(&rec)?;
        self.emit(notice);
        Ok(view)
    }

    /// The alert and the caller's standing: `NotFound` unless the caller's organisation
    /// sent it or is a recipient.
    fn visible(
        &self,
        p: &Principal,
        id: &str,
    ) -> Result<(AlertRecord, Vec<RecipientRecord>, Membership), AlertError> {
        let not_found = || AlertError::NotFound(format!("alert '{id}'"));
        let Some(a) = self.store.alert(id).map_err(store_err)? else {
            return Err(not_found());
        };
        let recipients = self.store.recipients(id).map_err(store_err)?;
        let membership = if a.sender_org_id == p.org.id {
            Membership::Owner
        } else if recipients.iter().any(|r| r.org_id == p.org.id) {
            Membership::Participant
        } else {
            return Err(not_found());
        };
        Ok((a, recipients, membership))
    }

    /// One alert, with its recipients and answers; `NotFound` unless the caller's
    /// organisation sent it or received it.
    pub fn alert(&self, p: &Principal, id: &str) -> Result<AlertView, AlertError> {
        let (a, _, _) = self.visible(p, id)?;
        self.view(&a)
    }

    fn view(&self, a: &AlertRecord) -> Result<AlertView, AlertError> {
        let orgs = self.slugs()?;
        let slug = |id: i64| {
            orgs.get(&id)
                .map_or_else(|| format!("org-{id}"), |o| o.slug.clone())
        };
        let mut users: BTreeMap<i64, String> = BTreeMap::new();
        let mut username = |id: i64| -> Result<String, AlertError> {
            if let Some(n) = users.get(&id) {
                return Ok(n.clone());
            }
            let n = self
                .hub
                .user_by_id(id)?
                .map_or_else(|| format!("user-{id}"), |u| u.username);
            users.insert(id, n.clone());
            Ok(n)
        };
        let now = hub::now_secs();
        let recipients = self
            .store
            .recipients(&a.id)
            .map_err(store_err)?
            .into_iter()
            .map(|r| {
                let state = r.state.parse::<RecipientState>().ok();
                RecipientView {
                    org: slug(r.org_id),
                    allowed: state
                        .map(|s| rules::allowed(s).iter().map(|x| x.to_string()).collect())
                        .unwrap_or_default(),
                    overdue: state.is_some_and(|s| rules::is_overdue(s, a.respond_by, now)),
                    state: r.state,
                    via_group: r.via_group,
                    forwarded_by: r.forwarded_by.map(slug),
                    added: time(r.added),
                    updated: time(r.updated),
                }
            })
            .collect();
        let mut events = Vec::new();
        for e in self.store.events(&a.id).map_err(store_err)? {
            events.push(EventView {
                org: slug(e.org_id),
                user: username(e.user_id)?,
                action: e.action,
                from: e.from_state,
                to: e.to_state,
                rule: e.rule,
                comment: e.comment,
                at: time(e.at),
            });
        }
        Ok(AlertView {
            id: a.id.clone(),
            title: a.title.clone(),
            summary: a.summary.clone(),
            priority: a.priority.clone(),
            tlp: a.tlp.as_str().to_string(),
            sender: slug(a.sender_org_id),
            raised_by: username(a.sender_user_id)?,
            objects: a
                .objects
                .iter()
                .map(|o| ObjectView {
                    collection: o.collection_id.clone(),
                    id: o.object_id.clone(),
                })
                .collect(),
            responses: a.responses.clone(),
            respond_by: a.respond_by.map(time),
            created: time(a.created),
            forwardable: matches!(a.tlp, Tlp::Clear | Tlp::Green),
            recipients,
            events,
        })
    }

    /// A recipient's answer: the caller's organisation acknowledges, contributes or
    /// declines. Refused with `Transition` (the current state and the allowed actions) when
    /// the state does not allow it, `Forbidden` when the caller may not answer (the sender,
    /// a reader), `NotFound` when the alert is not visible.
    pub fn answer(
        &self,
        p: &Principal,
        id: &str,
        action: RecipientAction,
        answer: &Answer,
    ) -> Result<AlertView, AlertError> {
        check_text("comment", &answer.comment, MAX_COMMENT, true)?;
        let (a, recipients, membership) = self.visible(p, id)?;
        let mine = recipients.iter().find(|r| r.org_id == p.org.id);
        let state = match mine {
            Some(r) => parse_state(&r.state)?,
            // The sender asks about no recipient of its own: judge against the first
            // recipient's state only to explain the refusal (the engine refuses the sender).
            None => recipients
                .first()
                .map(|r| parse_state(&r.state))
                .transpose()?
                .unwrap_or(RecipientState::Pending),
        };
        let me = Self::engine_actor(p, membership);
        let accepted = match rules::transition(state, action, &me) {
            Ok(a) => a,
            Err(refused) => {
                return Err(if refused.allowed.contains(&action) || mine.is_none() {
                    AlertError::Forbidden(refused.reason)
                } else {
                    AlertError::Transition {
                        current: refused.current.to_string(),
                        allowed: refused.allowed.iter().map(|x| x.to_string()).collect(),
                        reason: refused.reason,
                    }
                })
            }
        };
        let event = NewAlertEvent {
            alert_id: a.id.clone(),
            org_id: p.org.id,
            user_id: p.user.id,
            action: action.as_str().to_string(),
            from_state: state.as_str().to_string(),
            to_state: accepted.to.as_str().to_string(),
            rule: accepted.rule.to_string(),
            comment: answer.comment.clone(),
            at: hub::now_secs(),
        };
        let audit = user_audit(
            p,
            &format!("alert.{}", action.as_str()),
            &a.id,
            p.org.id,
            format!("{} -> {} ({})", state, accepted.to, accepted.rule),
        );
        let sender = self
            .hub
            .org_by_id(a.sender_org_id)?
            .map_or_else(|| format!("org-{}", a.sender_org_id), |o| o.slug);
        let notice = AlertChange {
            kind: ChangeKind::Answered,
            alert_id: a.id.clone(),
            tlp: a.tlp.as_str().to_string(),
            priority: a.priority.clone(),
            title: a.title.clone(),
            sender: sender.clone(),
            notify: vec![sender],
            answer: Some((p.org.slug.clone(), accepted.to.as_str().to_string())),
        };
        let stored = notice.to_new(vec![a.sender_org_id])?;
        if !self
            .store
            .record_transition(&event, &audit, &[stored])
            .map_err(store_err)?
        {
            // Another answer got there first: report the state it left.
            let now = self
                .store
                .recipient(&a.id, p.org.id)
                .map_err(store_err)?
                .map(|r| parse_state(&r.state))
                .transpose()?
                .unwrap_or(state);
            return Err(AlertError::Transition {
                current: now.to_string(),
                allowed: rules::allowed(now).iter().map(|x| x.to_string()).collect(),
                reason: "the recipient's state changed meanwhile".to_string(),
            });
        }
        let view = self.view(&a)?;
        self.emit(notice);
        Ok(view)
    }

    /// Forwards an alert to further organisations, where its TLP allows it (CLEAR and
    /// GREEN); by the sender or a recipient (an analyst or admin). Every new recipient must
    /// be able to see every referenced object.
    pub fn forward(&self, p: &Principal, id: &str, req: &Forward) -> Result<AlertView, AlertError> {
        let (a, recipients, membership) = self.visible(p, id)?;
        let me = Self::engine_actor(p, membership);
        rules::may_forward(a.tlp, &me).map_err(|d| AlertError::Forbidden(d.reason))?;
        let expanded = self.expand(&req.recipients, &req.groups, a.sender_org_id)?;
        let new: Vec<(Org, Option<String>)> = expanded
            .into_iter()
            .filter(|(o, _)| !recipients.iter().any(|r| r.org_id == o.id))
            .collect();
        if new.is_empty() {
            return Err(AlertError::invalid(
                "recipients",
                "name at least one organisation that is not already a recipient",
            ));
        }
        let orgs: Vec<Org> = new.iter().map(|(o, _)| o.clone()).collect();
        self.check_objects(p, &a.objects, &orgs)?;
        let audit: Vec<NewAudit> = orgs
            .iter()
            .map(|o| {
                user_audit(
                    p,
                    "alert.forward",
                    &a.id,
                    o.id,
                    format!("forwarded by {}", p.org.slug),
                )
            })
            .collect();
        let rows: Vec<NewRecipient> = new
            .iter()
            .map(|(o, via)| NewRecipient {
                org_id: o.id,
                via_group: via.clone(),
                forwarded_by: Some(p.org.id),
            })
            .collect();
        let sender = self
            .hub
            .org_by_id(a.sender_org_id)?
            .map_or_else(|| format!("org-{}", a.sender_org_id), |o| o.slug);
        let notice = AlertChange {
            kind: ChangeKind::Forwarded,
            alert_id: a.id.clone(),
            tlp: a.tlp.as_str().to_string(),
            priority: a.priority.clone(),
            title: a.title.clone(),
            sender,
            notify: orgs.iter().map(|o| o.slug.clone()).collect(),
            answer: None,
        };
        let stored = notice.to_new(orgs.iter().map(|o| o.id).collect())?;
        self.store
            .add_recipients(&a.id, &rows, hub::now_secs(), &audit, &[stored])
            .map_err(store_err)?;
        let view = self.view(&a)?;
        self.emit(notice);
        Ok(view)
    }

    /// A page of the caller's organisation's inbox (alerts addressed to it, newest first by
    /// arrival) with a cursor bound to the caller.
    pub fn inbox(
        &self,
        p: &Principal,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<AlertPage, AlertError> {
        self.page(p, AlertBox::Inbox, limit, cursor)
    }

    /// A page of the alerts the caller's organisation sent, newest first.
    pub fn sent(
        &self,
        p: &Principal,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<AlertPage, AlertError> {
        self.page(p, AlertBox::Sent, limit, cursor)
    }

    fn page(
        &self,
        p: &Principal,
        side: AlertBox,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<AlertPage, AlertError> {
        let limit = match limit {
            Some(n) if (1..=MAX_PAGE).contains(&n) => n,
            Some(_) => {
                return Err(AlertError::invalid(
                    "limit",
                    format!("must be between 1 and {MAX_PAGE}"),
                ))
            }
            None => MAX_PAGE,
        };
        let domain = match side {
            AlertBox::Inbox => INBOX_CURSOR,
            AlertBox::Sent => SENT_CURSOR,
        };
        let fingerprint = format!("{}:{}", p.user.id, p.org.id);
        let before = match cursor {
            Some(c) => Some(self.hub.decode_list_cursor(domain, c, &fingerprint)?.0),
            None => None,
        };
        let mut rows = self
            .store
            .alert_page(&AlertPageQuery {
                org_id: p.org.id,
                side,
                before,
                limit: limit + 1,
            })
            .map_err(store_err)?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let orgs = self.slugs()?;
        let alerts = rows
            .iter()
            .map(|row| {
                let a = &row.alert;
                AlertSummary {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    priority: a.priority.clone(),
                    tlp: a.tlp.as_str().to_string(),
                    sender: orgs
                        .get(&a.sender_org_id)
                        .map_or_else(String::new, |o| o.slug.clone()),
                    respond_by: a.respond_by.map(time),
                    created: time(a.created),
                    state: row.state.clone(),
                }
            })
            .collect();
        let next = match (more, rows.last()) {
            (true, Some(row)) => {
                Some(
                    self.hub
                        .encode_list_cursor(domain, row.key, 0, &fingerprint)?,
                )
            }
            _ => None,
        };
        Ok(AlertPage { alerts, next })
    }
}

/// An object a recipient may not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    /// The object id.
    pub object: String,
    /// The recipient organisation.
    pub org: String,
}

fn parse_state(s: &str) -> Result<RecipientState, AlertError> {
    s.parse::<RecipientState>()
        .map_err(|e| AlertError::Hub(HubError::broken(format!("stored alert recipient: {e}"))))
}

fn slugs_of(orgs: &[Org]) -> String {
    orgs.iter()
        .map(|o| o.slug.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn user_audit(
    p: &Principal,
    action: &str,
    alert_id: &str,
    org_id: i64,
    detail: String,
) -> NewAudit {
    NewAudit {
        actor: p.user.username.clone(),
        actor_org_id: Some(p.org.id),
        action: action.to_string(),
        target: format!("alert/{alert_id}"),
        target_org_id: Some(org_id),
        detail,
    }
}

/// Whether a role may write alerts (analysts and admins), for interfaces that check early.
pub fn may_write(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::Admin)
}
