//! response: the rules of coordinated response, as pure state machines.
//!
//! rrm's response half (alerts between partners, response cases, their actions and collective
//! responses) is a set of lifecycles. This crate holds each lifecycle as a table of rules: from
//! which state, by which kind of actor, an action leads to which state. A service asks the
//! engine whether an [`Actor`] may perform an action on a record in its current state; the
//! answer is either [`Accepted`], naming the one rule that allows it, or [`Refused`], naming the
//! current state, the actions the table allows from it and why this one is not among them.
//!
//! - [`rules`]: the rule table type ([`Rule`], [`To`]) and the one decision function every
//!   lifecycle uses ([`rules::decide`], with [`rules::matching`] and [`rules::allowed`]).
//! - [`case`]: response cases, `new` -> `open` -> `closed` (reopen with a reason).
//! - [`action`]: response actions, `draft` -> `proposed` -> `approved` -> `done` | `failed` |
//!   `withdrawn`, never approved by their author or proposer, with their task `outcome`.
//! - [`vote`]: collective responses, `open` -> `adopted` | `failed` -> `published`, and the tally.
//! - [`notice`]: notices to platforms and ISPs, `draft` -> `approved` -> `sent` -> ... ->
//!   `closed`, what each kind's law or format requires, approved by a second person.
//! - [`deadline`]: what passed respond-by and due times mean, and which reminders are due.
//! - [`impact`]: a case's impacts (the OASIS incident suite's `impact`), checked.
//! - [`breach`]: breach and personal-data-misuse reports: regimes, required contents, the
//!   72-hour clock, phases, `draft` -> `submitted` -> `acknowledged` -> `complete` | `closed`,
//!   and `escalated`.
//! - [`counters`]: DISARM countermeasures as response options for the techniques in use.
//! - [`notice_stats`]: per platform and period, how fast notices were acknowledged and decided
//!   (median and 90th percentile, nearest rank) and the share of items actioned.
//!
//! The crate is pure: no files, network, database or clock. Times come from the caller as
//! seconds since the epoch.
//!
//! ```
//! use response::{Actor, Membership};
//! use response::action::{self, ActionContext, ActionStatus, ActionStep};
//! use store::{Role, Sector};
//!
//! let author = Actor { user_id: 7, org_id: 1, role: Role::Analyst, sector: Sector::Government,
//!                      membership: Membership::Owner };
//! let ctx = ActionContext { author: 7, proposer: Some(7), performing_org: 1 };
//! let refused = action::decide(ActionStatus::Proposed, ActionStep::Approve, &author, &ctx);
//! assert!(refused.is_err());
//! let colleague = Actor { user_id: 8, ..author };
//! let accepted = action::decide(ActionStatus::Proposed, ActionStep::Approve, &colleague, &ctx);
//! assert_eq!(accepted.map(|a| a.rule), Ok("action.approve"));
//! ```

mod wire;

pub mod action;
pub mod actor;
pub mod alert;
pub mod breach;
pub mod case;
pub mod counters;
pub mod deadline;
pub mod error;
pub mod impact;
pub mod notice;
pub mod notice_stats;
pub mod rules;
pub mod vote;

pub use actor::{Accepted, Actor, Membership, Refused};
pub use alert::{Priority, RecipientAction, RecipientState};
pub use error::Error;
pub use rules::{Rule, To};
pub use store::{Role, Sector};
