//! The storage contract of rrm: domain records and one trait per domain, which every backend
//! (SQLite today, PostgreSQL next) implements.
//!
//! | Domain | Trait | Used by |
//! |---|---|---|
//! | accounts (orgs, users, tokens, audit, collections, grants) | [`AccountStore`] | `hub` |
//! | objects (STIX versions, TAXII statuses) | [`ObjectStore`] | `hub` |
//! | banks | [`BankStore`] | `banks` |
//! | ads | [`AdStore`] | `ads` |
//! | cases (cases, participants, objects, actions, votes) | [`CaseStore`] | `cases` |
//! | alerts (groups of organisations, alerts, recipients) | [`AlertStore`] | `alerts` |
//! | breaches (breach reports and their revisions) | [`BreachStore`] | `breaches` |
//! | notify (webhooks, e-mail contacts, the outbox, relaying [domain events](NewDomainEvent)) | [`NotifyStore`] | `notify` |
//! | notices (notices to platforms and ISPs, decisions, competent authorities) | [`NoticeStore`] | `notices` |
//! | audit (the Merkle tree over the audit log, checkpoints) | [`AuditStore`] | `hub` |
//!
//! The traits have no supertraits: each service crate holds only its own domain's store.
//! This crate holds no SQL and does no I/O; backends live in their own crates
//! (`store-sqlite`). The traits are synchronous: callers on an async runtime wrap calls in
//! `spawn_blocking`.
//!
//! Times are integers: `date_added` is microseconds since the Unix epoch, unique within a
//! collection thanks to the `seq` tie-breaker; other timestamps are seconds.
//!
//! ```
//! use store::{Role, Sector};
//! assert_eq!("analyst".parse::<Role>().unwrap(), Role::Analyst);
//! assert_eq!(Sector::CivilSociety.as_str(), "civil-society");
//! ```

mod accounts;
mod ads;
mod alerts;
mod audit;
mod banks;
mod breaches;
mod cases;
mod detect;
mod domain_events;
mod error;
mod model;
mod notices;
mod notify;
mod objects;
mod sessions;

pub use accounts::AccountStore;
pub use ads::*;
pub use alerts::*;
pub use audit::{AuditItem, AuditStore};
pub use banks::*;
pub use breaches::*;
pub use cases::*;
pub use detect::*;
pub use domain_events::{DomainEventRecord, NewDomainEvent};
pub use error::StoreError;
pub use model::*;
pub use notices::*;
pub use notify::*;
pub use objects::ObjectStore;
pub use sessions::{NewSession, SessionRecord, SessionStore};

/// The result type of every store call.
pub type Result<T> = std::result::Result<T, StoreError>;
