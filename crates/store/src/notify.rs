//! Notifications: records and the `NotifyStore` storage contract for webhook subscriptions,
//! e-mail contacts and the outbox of deliveries, so that a notification emitted is delivered
//! at least once, even across a crash.
//!
//! Every subscription and delivery belongs to one organisation; reads that list name it. A
//! delivery is claimed with a lease (a time after which another claim may take it again), so
//! a process killed while it sends leaves the row to be sent again after a restart. Times in
//! this domain are milliseconds since the Unix epoch.

use std::fmt;
use std::str::FromStr;

use crate::{DomainEventRecord, Result};

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// An HTTP POST to a webhook subscription.
    Webhook,
    /// An e-mail to a contact.
    Email,
}

impl Channel {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Channel, String> {
        match s {
            "webhook" => Ok(Channel::Webhook),
            "email" => Ok(Channel::Email),
            _ => Err(format!("unknown channel {s:?}")),
        }
    }
}

/// The state of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or being sent, while its lease holds).
    Pending,
    /// The receiver accepted it.
    Delivered,
    /// Every attempt failed, or the failure was permanent.
    Failed,
}

impl DeliveryStatus {
    /// Every state.
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeliveryStatus {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<DeliveryStatus, String> {
        DeliveryStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown delivery status {s:?}"))
    }
}

/// A webhook subscription of an organisation.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    /// The webhook id (a UUID).
    pub id: String,
    /// The owning organisation.
    pub org_id: i64,
    /// Where deliveries are POSTed (https, or http on a loopback address).
    pub url: String,
    /// The event kinds it receives (`alert.raised`, ..., or `*` for every kind).
    pub kinds: Vec<String>,
    /// The signing secret, kept so that each delivery's HMAC can be computed.
    pub secret: String,
    /// The user who created it.
    pub created_by: String,
    /// Creation time, milliseconds since the epoch.
    pub created: i64,
}

impl fmt::Debug for WebhookRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookRecord")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .field("kinds", &self.kinds)
            .field("secret", &"<redacted>")
            .field("created_by", &self.created_by)
            .field("created", &self.created)
            .finish()
    }
}

/// An e-mail contact of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    /// The contact id (a UUID).
    pub id: String,
    /// The owning organisation.
    pub org_id: i64,
    /// The e-mail address.
    pub address: String,
    /// The event kinds it receives (or `*`).
    pub kinds: Vec<String>,
    /// The user who created it.
    pub created_by: String,
    /// Creation time, milliseconds since the epoch.
    pub created: i64,
}

/// A delivery to write into the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// The delivery id (a UUID), sent with every attempt so receivers de-duplicate.
    pub id: String,
    /// The organisation it is for.
    pub org_id: i64,
    /// Webhook or e-mail.
    pub channel: Channel,
    /// The webhook or contact id.
    pub target_id: String,
    /// The event's id (one event gives one delivery per subscription).
    pub event_id: String,
    /// The event kind.
    pub kind: String,
    /// The e-mail subject (e-mail only).
    pub subject: Option<String>,
    /// The body exactly as it is sent: the webhook's JSON, or the e-mail's text.
    pub body: String,
    /// Creation time, milliseconds since the epoch; the first attempt is due then.
    pub created: i64,
}

/// A delivery in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The delivery id.
    pub id: String,
    /// The organisation it is for.
    pub org_id: i64,
    /// Webhook or e-mail.
    pub channel: Channel,
    /// The webhook or contact id.
    pub target_id: String,
    /// The event's id.
    pub event_id: String,
    /// The event kind.
    pub kind: String,
    /// The e-mail subject (e-mail only).
    pub subject: Option<String>,
    /// The body as sent.
    pub body: String,
    /// The state.
    pub status: DeliveryStatus,
    /// Attempts started (a claim counts as one).
    pub attempts: u32,
    /// When the next attempt is due, milliseconds since the epoch.
    pub next_attempt: i64,
    /// While a claim holds the row: until when (milliseconds since the epoch).
    pub lease_until: Option<i64>,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Creation time, milliseconds since the epoch.
    pub created: i64,
    /// Time of the last change, milliseconds since the epoch.
    pub updated: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    /// The receiver accepted it: the delivery is `Delivered`.
    Delivered,
    /// It failed and is tried again at this time (milliseconds since the epoch).
    Retry {
        /// When the next attempt is due.
        at: i64,
        /// What went wrong.
        error: String,
    },
    /// It failed for good: the delivery is `Failed`.
    Failed {
        /// What went wrong.
        error: String,
    },
}

/// Webhook subscriptions, e-mail contacts and the outbox of deliveries.
pub trait NotifyStore: Send + Sync + 'static {
    /// Adds a webhook; `Conflict` if the id is taken.
    fn add_webhook(&self, webhook: &WebhookRecord) -> Result<()>;
    /// A webhook by id, whatever its organisation.
    fn webhook(&self, id: &str) -> Result<Option<WebhookRecord>>;
    /// An organisation's webhooks, oldest first.
    fn list_webhooks(&self, org_id: i64) -> Result<Vec<WebhookRecord>>;
    /// Deletes an organisation's webhook and its deliveries; `false` if it has none by that id.
    fn delete_webhook(&self, org_id: i64, id: &str) -> Result<bool>;
    /// Adds an e-mail contact; `Conflict` if the organisation already has the address.
    fn add_contact(&self, contact: &ContactRecord) -> Result<()>;
    /// A contact by id, whatever its organisation.
    fn contact(&self, id: &str) -> Result<Option<ContactRecord>>;
    /// An organisation's contacts, oldest first.
    fn list_contacts(&self, org_id: i64) -> Result<Vec<ContactRecord>>;
    /// Deletes an organisation's contact and its deliveries; `false` if it has none by that id.
    fn delete_contact(&self, org_id: i64, id: &str) -> Result<bool>;
    /// Writes deliveries into the outbox, all or none, each `Pending` and due at its
    /// `created` time.
    fn enqueue(&self, deliveries: &[NewDelivery]) -> Result<()>;
    /// Claims up to `limit` pending deliveries due at `now` whose lease (if any) has run out,
    /// oldest due first: each gets the lease `lease_until` and one more attempt. A claim
    /// that is never finished (the process died) lets the row be claimed again once the
    /// lease has run out.
    fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>>;
    /// Records how a claimed attempt ended and drops the lease; `false` (and no change) if
    /// the delivery is no longer pending.
    fn finish_attempt(&self, id: &str, end: &AttemptEnd, now: i64) -> Result<bool>;
    /// A delivery of an organisation.
    fn delivery(&self, org_id: i64, id: &str) -> Result<Option<DeliveryRecord>>;
    /// An organisation's newest deliveries (only those to `target`, a webhook or contact id,
    /// when given), newest first, at most `limit`.
    fn list_deliveries(
        &self,
        org_id: i64,
        target: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DeliveryRecord>>;
    /// Deletes delivered and failed deliveries last changed before `before`; returns how many.
    fn purge_deliveries(&self, before: i64) -> Result<u64>;
    /// Claims up to `limit` unrelayed notices whose lease (if any) has run out, oldest
    /// first: each gets the lease `lease_until` and one more attempt. A claim never finished
    /// (the process died) lets the notice be claimed again once the lease has run out.
    fn claim_domain_events(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<DomainEventRecord>>;
    /// In one transaction, writes `deliveries` into the outbox (skipping any whose id is
    /// already there, so a notice relayed twice gives no second delivery) and marks the
    /// notice relayed; `false` (and no change) if it is unknown or relayed already.
    fn relay_domain_event(&self, id: &str, deliveries: &[NewDelivery], now: i64) -> Result<bool>;
    /// Deletes notices relayed before `before`; returns how many.
    fn purge_domain_events(&self, before: i64) -> Result<u64>;
}
