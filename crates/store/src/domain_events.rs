//! Domain events: the transactional outbox of domain changes. A service that changes something
//! others must hear about (an alert raised, a case closed) hands its store a [`NewDomainEvent`]
//! with the change, and the store writes it in the same transaction as the change and its
//! audit record: a change that is not committed leaves no notice, and a committed one cannot
//! lose its notice to a crash. A relay later claims unrelayed notices
//! ([`crate::NotifyStore::claim_domain_events`]) and turns each into deliveries
//! ([`crate::NotifyStore::relay_domain_event`]). Times are milliseconds since the Unix epoch.

/// A notice written with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDomainEvent {
    /// The notice id (a UUID); the notification's event id, so receivers de-duplicate.
    pub id: String,
    /// The service that wrote it (`alerts`, `cases`).
    pub domain: String,
    /// What changed, in the service's words (`raised`, `answered`, `status`).
    pub kind: String,
    /// The id of the record that changed (an alert id, a case id).
    pub subject_id: String,
    /// The service's own notice, serialized as JSON.
    pub payload: String,
    /// The organisations to tell (internal ids).
    pub orgs: Vec<i64>,
    /// Creation time, milliseconds since the epoch.
    pub created: i64,
}

/// A stored notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainEventRecord {
    /// Position in creation order, increasing.
    pub seq: i64,
    /// The notice id.
    pub id: String,
    /// The service that wrote it.
    pub domain: String,
    /// What changed.
    pub kind: String,
    /// The record that changed.
    pub subject_id: String,
    /// The service's notice, as JSON.
    pub payload: String,
    /// The organisations to tell.
    pub orgs: Vec<i64>,
    /// Creation time, milliseconds since the epoch.
    pub created: i64,
    /// Claims taken on it.
    pub attempts: u32,
    /// When it was relayed, if it was.
    pub relayed: Option<i64>,
}
