//! notify: notifications that survive faults, a service over `hub`'s public API and its own
//! store ([`store::NotifyStore`]).
//!
//! Any domain emits a typed [`Event`] to the organisations that may see it with
//! [`Notifier::emit`]; that writes, in one transaction, one delivery row per matching
//! subscription into a stored outbox: each of the organisations' webhooks (an HTTPS URL, or
//! HTTP on loopback, and the event kinds it wants) and e-mail contacts. Delivery workers
//! ([`Notifier::start`]) claim due rows with a lease, send them through a [`Transport`] (the
//! network code lives in the server crate), and record success, or a failure retried with
//! exponential backoff and jitter ([`RetryPolicy`]) until the last attempt, then `failed`. A
//! process killed while it sends leaves its row leased; once the lease runs out the row is
//! claimed again, with the same delivery id: every delivery arrives at least once, and
//! receivers de-duplicate by the `X-RRM-Delivery` header.
//!
//! Webhook bodies are signed: `X-RRM-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">` with the webhook's secret, shown once when the webhook is created. Nothing of
//! a TLP:RED or TLP:AMBER+STRICT subject but its kind and a link goes into a body or an
//! e-mail ([`Event::may_carry_content`]).
//!
//! It knows no HTTP, no SMTP and no SQL.
//!
//! ```
//! use notify::{render, Event, Subject};
//! use stix::Tlp;
//!
//! let red = Event::CaseChanged {
//!     case: Subject { id: "case-1".into(), tlp: Tlp::Red, title: "Nightjar".into(), summary: None },
//!     status: "open".into(),
//! };
//! let body = render(&red, "event-1", 0, "https://hub.example.org").webhook_body;
//! assert!(body.contains("/api/v1/cases/case-1") && !body.contains("Nightjar"));
//! ```

mod deliver;
mod event;
mod retry;
pub mod sign;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use hub::{HubError, Principal};
use serde::Serialize;
use store::{
    Channel, ContactRecord, DeliveryRecord, DeliveryStatus, DomainEventRecord, NewDelivery,
    NotifyStore, Role, WebhookRecord,
};

pub use deliver::{DeliveryLoop, Outgoing, SendError, Transport};
pub use event::{render, Event, EventKind, Rendered, Subject};
pub use retry::RetryPolicy;

/// Webhooks one organisation may have.
pub const MAX_WEBHOOKS: usize = 16;
/// E-mail contacts one organisation may have.
pub const MAX_CONTACTS: usize = 16;
/// The longest webhook URL.
pub const MAX_URL_LEN: usize = 2048;
/// The most deliveries one listing returns.
pub const MAX_LIST: usize = 500;
/// The subscription wildcard: every kind.
pub const ALL_KINDS: &str = "*";

/// Milliseconds since the Unix epoch (this domain's time unit).
pub fn now_millis() -> i64 {
    hub::now_micros().div_euclid(1000)
}

/// Settings of the notification service.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// The instance's base URL, for links in notifications (`https://rrm.example.org`).
    pub public_url: String,
    /// Retries of failed deliveries.
    pub retry: RetryPolicy,
    /// How long a claim holds a delivery; longer than a transport's timeout, so that a row is
    /// only claimed again when its sender died.
    pub lease: Duration,
    /// Delivery worker threads.
    pub workers: usize,
    /// How often idle workers look for due retries.
    pub poll: Duration,
    /// How long delivered and failed deliveries are kept.
    pub retention: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            public_url: "http://127.0.0.1:8750".into(),
            retry: RetryPolicy::default(),
            lease: Duration::from_secs(30),
            workers: 2,
            poll: Duration::from_millis(500),
            retention: Duration::from_secs(30 * 86_400),
        }
    }
}

/// The notification service: subscriptions, the outbox, delivery. Cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn NotifyStore>,
    config: NotifyConfig,
    wake: Arc<deliver::Wake>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// A webhook as its organisation's admins see it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookView {
    /// The webhook id.
    pub id: String,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event kinds it receives (`*`: every kind).
    pub events: Vec<String>,
    /// Who created it.
    pub created_by: String,
    /// When, RFC 3339.
    pub created: String,
}

/// A webhook just created, with its secret: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedWebhook {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (the HMAC key is this whole string).
    pub secret: String,
}

/// An e-mail contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactView {
    /// The contact id.
    pub id: String,
    /// The address.
    pub address: String,
    /// The event kinds it receives.
    pub events: Vec<String>,
    /// Who created it.
    pub created_by: String,
    /// When, RFC 3339.
    pub created: String,
}

/// A delivery and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    /// The delivery id (the `X-RRM-Delivery` header).
    pub id: String,
    /// `webhook` or `email`.
    pub channel: &'static str,
    /// The webhook or contact id.
    pub target: String,
    /// The event id.
    pub event_id: String,
    /// The event kind.
    pub kind: String,
    /// `pending`, `delivered` or `failed`.
    pub status: &'static str,
    /// Attempts started.
    pub attempts: u32,
    /// When a pending delivery's next attempt is due, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<String>,
    /// The last failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was created, RFC 3339.
    pub created: String,
    /// When it last changed, RFC 3339.
    pub updated: String,
}

/// A new webhook: its URL and the kinds it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// `https://...`, or `http://` on a loopback address.
    pub url: String,
    /// Event kinds (or `*`).
    pub events: Vec<String>,
}

/// A new e-mail contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// The address.
    pub address: String,
    /// Event kinds (or `*`).
    pub events: Vec<String>,
}

fn rfc3339(millis: i64) -> String {
    stix::format_timestamp(millis.saturating_mul(1000))
}

impl WebhookView {
    fn from_record(w: &WebhookRecord) -> WebhookView {
        WebhookView {
            id: w.id.clone(),
            url: w.url.clone(),
            events: w.kinds.clone(),
            created_by: w.created_by.clone(),
            created: rfc3339(w.created),
        }
    }
}

impl ContactView {
    fn from_record(c: &ContactRecord) -> ContactView {
        ContactView {
            id: c.id.clone(),
            address: c.address.clone(),
            events: c.kinds.clone(),
            created_by: c.created_by.clone(),
            created: rfc3339(c.created),
        }
    }
}

impl DeliveryView {
    /// The view of a stored delivery.
    pub fn from_record(d: &DeliveryRecord) -> DeliveryView {
        DeliveryView {
            id: d.id.clone(),
            channel: d.channel.as_str(),
            target: d.target_id.clone(),
            event_id: d.event_id.clone(),
            kind: d.kind.clone(),
            status: d.status.as_str(),
            attempts: d.attempts,
            next_attempt: (d.status == DeliveryStatus::Pending).then(|| rfc3339(d.next_attempt)),
            last_error: d.last_error.clone(),
            created: rfc3339(d.created),
            updated: rfc3339(d.updated),
        }
    }
}

/// Checks a webhook URL: `https://HOST[:PORT][/PATH]`, or `http://` with a loopback host
/// (`127.0.0.0/8`, `[::1]`, `localhost`); no user information, no fragment, no spaces.
pub fn check_url(url: &str) -> Result<(), HubError> {
    let bad = |m: &str| Err(HubError::invalid("url", m));
    if url.len() > MAX_URL_LEN {
        return bad("at most 2048 characters");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain spaces or control characters");
    }
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => return bad("must be an absolute https:// URL"),
    };
    if url.contains('#') {
        return bad("must not have a fragment");
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains('@') {
        return bad("must not contain user information");
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, port)) if port.is_empty() || port.starts_with(':') => h.to_string(),
            _ => return bad("malformed IPv6 host"),
        }
    } else {
        authority
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    if let Some(port) = authority.rsplit_once(']').map_or_else(
        || authority.split_once(':').map(|(_, p)| p),
        |(_, p)| p.strip_prefix(':'),
    ) {
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return bad("the port must be a number from 1 to 65535");
        }
    }
    if host.is_empty() {
        return bad("has no host");
    }
    match scheme.as_str() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => bad("plain http is allowed only on a loopback address; use https"),
        _ => bad("the scheme must be https (or http on loopback)"),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks an e-mail address: `local@domain`, at most 254 characters, no spaces, quotes,
/// angle brackets, commas or control characters.
pub fn check_address(address: &str) -> Result<(), HubError> {
    let bad = |m: &str| Err(HubError::invalid("address", m));
    if address.len() > 254 {
        return bad("at most 254 characters");
    }
    if address
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c))
    {
        return bad("must be a plain address such as soc@example.org");
    }
    match address.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.') =>
        {
            Ok(())
        }
        _ => bad("must be local@domain, such as soc@example.org"),
    }
}

/// Checks subscription kinds: at least one, each a subscribable kind or `*`; duplicates are
/// dropped, order kept.
pub fn check_kinds(events: &[String]) -> Result<Vec<String>, HubError> {
    if events.is_empty() {
        return Err(HubError::invalid(
            "events",
            "name at least one event kind, or \"*\"",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let known = e == ALL_KINDS || EventKind::subscribable().any(|k| k.as_str() == e.as_str());
        if !known {
            let kinds: Vec<&str> = EventKind::subscribable().map(EventKind::as_str).collect();
            return Err(HubError::invalid(
                &format!("events[{i}]"),
                format!("unknown event kind; expected {} or \"*\"", kinds.join(", ")),
            ));
        }
        if seen.insert(e.clone()) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

fn subscribes(kinds: &[String], kind: EventKind) -> bool {
    kind == EventKind::Test || kinds.iter().any(|k| k == ALL_KINDS || k == kind.as_str())
}

/// Only the organisation's admins (and the operator) manage its notifications.
fn require_admin(p: &Principal) -> Result<(), HubError> {
    match p.user.role {
        Role::Admin | Role::Operator => Ok(()),
        _ => Err(HubError::Forbidden(
            "only the organisation's admins manage its webhooks, e-mail contacts and deliveries"
                .into(),
        )),
    }
}

impl Notifier {
    /// The service over its store.
    pub fn new(store: Arc<dyn NotifyStore>, config: NotifyConfig) -> Notifier {
        Notifier {
            inner: Arc::new(Inner {
                store,
                config,
                wake: Arc::new(deliver::Wake::default()),
            }),
        }
    }

    pub(crate) fn store(&self) -> &dyn NotifyStore {
        &*self.inner.store
    }

    pub(crate) fn config(&self) -> &NotifyConfig {
        &self.inner.config
    }

    pub(crate) fn wake(&self) -> &Arc<deliver::Wake> {
        &self.inner.wake
    }

    /// Emits `event` to the organisations `orgs` (internal ids), which the caller has decided
    /// may see what it is about: one delivery per webhook and e-mail contact of theirs that
    /// subscribes to the event's kind (every one for a `test`), written to the outbox in one
    /// transaction before this returns, then sent by the delivery workers (of this process or
    /// of a running `rrm serve` on the same database). Returns the delivery ids.
    pub fn emit(&self, event: &Event, orgs: &[i64]) -> Result<Vec<String>, HubError> {
        let event_id = uuid::Uuid::new_v4().to_string();
        let rows = self.rows(event, &event_id, now_millis(), orgs, |_, _| {
            uuid::Uuid::new_v4().to_string()
        })?;
        self.enqueue(rows)
    }

    /// Claims up to `limit` stored notices not yet relayed (see [`store::NewDomainEvent`]), each
    /// leased for `lease` so that a relay that dies leaves them to be claimed again.
    pub fn claim_domain_events(
        &self,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<DomainEventRecord>, HubError> {
        let now = now_millis();
        let lease = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        Ok(self
            .store()
            .claim_domain_events(now, now.saturating_add(lease), limit)?)
    }

    /// Relays a claimed notice: `event` (when the notice gives one) to the notice's
    /// organisations, written to the outbox in the same transaction that marks the notice
    /// relayed. Everything is derived from the notice, so relaying it again gives the same
    /// bytes: the event id is the notice id, each delivery id is a UUID (v5) of the notice id
    /// and the subscription, and the event time is the notice's; a delivery already in the
    /// outbox is not written twice. Returns the number of deliveries written, or `None` if
    /// the notice was relayed already.
    pub fn relay(
        &self,
        notice: &DomainEventRecord,
        event: Option<&Event>,
    ) -> Result<Option<usize>, HubError> {
        let namespace = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, notice.id.as_bytes());
        let rows = match event {
            Some(event) => self.rows(event, &notice.id, notice.created, &notice.orgs, |c, t| {
                uuid::Uuid::new_v5(&namespace, format!("{c}:{t}").as_bytes()).to_string()
            })?,
            None => Vec::new(),
        };
        if !self
            .store()
            .relay_domain_event(&notice.id, &rows, now_millis())?
        {
            return Ok(None);
        }
        if !rows.is_empty() {
            self.wake().notify();
        }
        Ok(Some(rows.len()))
    }

    /// The deliveries of `event` (id `event_id`, at `created` milliseconds) to every
    /// subscription of `orgs` that wants its kind, with delivery ids from `delivery_id`.
    fn rows(
        &self,
        event: &Event,
        event_id: &str,
        created: i64,
        orgs: &[i64],
        delivery_id: impl Fn(Channel, &str) -> String,
    ) -> Result<Vec<NewDelivery>, HubError> {
        let kind = event.kind();
        let rendered = render(
            event,
            event_id,
            created.saturating_mul(1000),
            &self.config().public_url,
        );
        let mut rows = Vec::new();
        let orgs: BTreeSet<i64> = orgs.iter().copied().collect();
        for org_id in orgs {
            for w in self.store().list_webhooks(org_id)? {
                if subscribes(&w.kinds, kind) {
                    rows.push(self.row(
                        delivery_id(Channel::Webhook, &w.id),
                        org_id,
                        Channel::Webhook,
                        &w.id,
                        event_id,
                        event,
                        &rendered,
                        created,
                    ));
                }
            }
            for c in self.store().list_contacts(org_id)? {
                if subscribes(&c.kinds, kind) {
                    rows.push(self.row(
                        delivery_id(Channel::Email, &c.id),
                        org_id,
                        Channel::Email,
                        &c.id,
                        event_id,
                        event,
                        &rendered,
                        created,
                    ));
                }
            }
        }
        Ok(rows)
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        id: String,
        org_id: i64,
        channel: Channel,
        target: &str,
        event_id: &str,
        event: &Event,
        rendered: &Rendered,
        created: i64,
    ) -> NewDelivery {
        let (subject, body) = match channel {
            Channel::Webhook => (None, rendered.webhook_body.clone()),
            Channel::Email => (
                Some(rendered.email_subject.clone()),
                rendered.email_text.clone(),
            ),
        };
        NewDelivery {
            id,
            org_id,
            channel,
            target_id: target.to_string(),
            event_id: event_id.to_string(),
            kind: event.kind().as_str().to_string(),
            subject,
            body,
            created,
        }
    }

    fn enqueue(&self, rows: Vec<NewDelivery>) -> Result<Vec<String>, HubError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        self.store().enqueue(&rows)?;
        self.wake().notify();
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Creates a webhook of the caller's organisation (admins only); the answer holds the
    /// secret, shown this once.
    pub fn create_webhook(
        &self,
        p: &Principal,
        new: &NewWebhook,
    ) -> Result<CreatedWebhook, HubError> {
        require_admin(p)?;
        check_url(&new.url)?;
        let kinds = check_kinds(&new.events)?;
        if self.store().list_webhooks(p.org.id)?.len() >= MAX_WEBHOOKS {
            return Err(HubError::Conflict(format!(
                "the organisation has {MAX_WEBHOOKS} webhooks, the most it may have; delete one first"
            )));
        }
        let record = WebhookRecord {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: p.org.id,
            url: new.url.clone(),
            kinds,
            secret: sign::new_secret(),
            created_by: p.user.username.clone(),
            created: now_millis(),
        };
        self.store().add_webhook(&record)?;
        Ok(CreatedWebhook {
            webhook: WebhookView::from_record(&record),
            secret: record.secret,
        })
    }

    fn own_webhook(&self, p: &Principal, id: &str) -> Result<WebhookRecord, HubError> {
        require_admin(p)?;
        match self.store().webhook(id)? {
            Some(w) if w.org_id == p.org.id => Ok(w),
            _ => Err(HubError::NotFound(format!("webhook '{id}'"))),
        }
    }

    /// The caller's organisation's webhooks, oldest first (admins only).
    pub fn list_webhooks(&self, p: &Principal) -> Result<Vec<WebhookView>, HubError> {
        require_admin(p)?;
        Ok(self
            .store()
            .list_webhooks(p.org.id)?
            .iter()
            .map(WebhookView::from_record)
            .collect())
    }

    /// One webhook of the caller's organisation; another organisation's is `NotFound`.
    pub fn webhook(&self, p: &Principal, id: &str) -> Result<WebhookView, HubError> {
        Ok(WebhookView::from_record(&self.own_webhook(p, id)?))
    }

    /// Deletes a webhook of the caller's organisation, with its deliveries.
    pub fn delete_webhook(&self, p: &Principal, id: &str) -> Result<(), HubError> {
        require_admin(p)?;
        if self.store().delete_webhook(p.org.id, id)? {
            Ok(())
        } else {
            Err(HubError::NotFound(format!("webhook '{id}'")))
        }
    }

    /// Emits a `ping` to one webhook of the caller's organisation, through the outbox like
    /// every event; returns its delivery.
    pub fn ping(&self, p: &Principal, id: &str) -> Result<DeliveryView, HubError> {
        let w = self.own_webhook(p, id)?;
        let event = Event::Ping {
            webhook_id: w.id.clone(),
        };
        let event_id = uuid::Uuid::new_v4().to_string();
        let created = now_millis();
        let rendered = render(
            &event,
            &event_id,
            created.saturating_mul(1000),
            &self.config().public_url,
        );
        let row = self.row(
            uuid::Uuid::new_v4().to_string(),
            w.org_id,
            Channel::Webhook,
            &w.id,
            &event_id,
            &event,
            &rendered,
            created,
        );
        let ids = self.enqueue(vec![row])?;
        let id = ids
            .first()
            .ok_or_else(|| HubError::broken("a ping enqueued nothing"))?;
        self.store()
            .delivery(p.org.id, id)?
            .map(|d| DeliveryView::from_record(&d))
            .ok_or_else(|| HubError::broken("a ping's delivery is not stored"))
    }

    /// Adds an e-mail contact to the caller's organisation (admins only).
    pub fn create_contact(&self, p: &Principal, new: &NewContact) -> Result<ContactView, HubError> {
        require_admin(p)?;
        check_address(&new.address)?;
        let kinds = check_kinds(&new.events)?;
        if self.store().list_contacts(p.org.id)?.len() >= MAX_CONTACTS {
            return Err(HubError::Conflict(format!(
                "the organisation has {MAX_CONTACTS} e-mail contacts, the most it may have; delete one first"
            )));
        }
        let record = ContactRecord {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: p.org.id,
            address: new.address.clone(),
            kinds,
            created_by: p.user.username.clone(),
            created: now_millis(),
        };
        self.store().add_contact(&record).map_err(|e| match e {
            store::StoreError::Conflict(_) => HubError::Conflict(format!(
                "the organisation already has the e-mail contact {}",
                new.address
            )),
            other => other.into(),
        })?;
        Ok(ContactView::from_record(&record))
    }

    /// The caller's organisation's e-mail contacts (admins only).
    pub fn list_contacts(&self, p: &Principal) -> Result<Vec<ContactView>, HubError> {
        require_admin(p)?;
        Ok(self
            .store()
            .list_contacts(p.org.id)?
            .iter()
            .map(ContactView::from_record)
            .collect())
    }

    /// Deletes an e-mail contact of the caller's organisation, with its deliveries.
    pub fn delete_contact(&self, p: &Principal, id: &str) -> Result<(), HubError> {
        require_admin(p)?;
        if self.store().delete_contact(p.org.id, id)? {
            Ok(())
        } else {
            Err(HubError::NotFound(format!("e-mail contact '{id}'")))
        }
    }

    /// The caller's organisation's newest deliveries (at most `limit`, up to [`MAX_LIST`]),
    /// newest first, optionally only those of one webhook or contact (admins only).
    pub fn list_deliveries(
        &self,
        p: &Principal,
        target: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeliveryView>, HubError> {
        require_admin(p)?;
        let limit = limit.clamp(1, MAX_LIST);
        if let Some(t) = target {
            self.own_webhook(p, t)?;
        }
        let rows = self.store().list_deliveries(p.org.id, target, limit)?;
        Ok(rows.iter().map(DeliveryView::from_record).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "https://hooks.example.org/rrm",
            "https://hooks.example.org:8443/a?b=c",
            "http://127.0.0.1:9000/hook",
            "http://localhost/x",
            "http://[::1]:9000/",
            "HTTPS://Example.org",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://hooks.example.org/rrm",
            "http://10.0.0.1/",
            "ftp://example.org/",
            "example.org/hook",
            "https://user:pw@example.org/",
            "https:///path",
            "https://example.org:0/",
            "https://example.org:99999/",
            "https://example.org/a b",
            "https://example.org/#frag",
            "http://[::1/",
        ] {
            let e = check_url(bad).unwrap_err();
            assert!(
                matches!(e, HubError::Invalid { ref field, .. } if field == "url"),
                "{bad}"
            );
        }
    }

    #[test]
    fn addresses_and_kinds() {
        assert!(check_address("soc@example.org").is_ok());
        for bad in [
            "soc",
            "@example.org",
            "soc@",
            "a@b@c.org",
            "a b@c.org",
            "x@local",
            "<a@b.org>",
        ] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
        let kinds =
            check_kinds(&["alert.raised".into(), "*".into(), "alert.raised".into()]).unwrap();
        assert_eq!(kinds, ["alert.raised", "*"]);
        let e = check_kinds(&["alert.raised".into(), "ping".into()]).unwrap_err();
        assert!(matches!(e, HubError::Invalid { ref field, .. } if field == "events[1]"));
        assert!(check_kinds(&[]).is_err());
        assert!(subscribes(&["*".into()], EventKind::CaseChanged));
        assert!(!subscribes(
            &["alert.raised".into()],
            EventKind::CaseChanged
        ));
    }
}
