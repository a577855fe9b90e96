//! response: the rules of coordinated response, as pure state machines.
//!
//! rrm's response half (alerts between partners, response cases, their actions and collective
//! responses) is a set of lifecycles. This crate holds each lifecycle as a table of rules: from
//! which state, by which kind of actor, an action leads to which state. A service asks the
//! engine whether an [`Actor`] may perform an action on a record in its current state; the
//! answer is either [`Accepted`], naming the one rule that allows it, or [`Refused`], naming the
//! current state, the actions the table allows from it and why this one is not among them.
//!
//! The crate is pure: no files, network, database or clock. Times come from the caller as
//! seconds since the epoch.
//!
//! ```
//! use response::{Actor, Membership};
//! use store::{Role, Sector};
//!
//! let analyst = Actor { user_id: 7, org_id: 1, role: Role::Analyst, sector: Sector::Government,
//!                       membership: Membership::Owner };
//! assert!(analyst.can_write());
//! ```

pub mod actor;
pub mod alert;

pub use actor::{Accepted, Actor, Membership, Refused};
pub use alert::{Priority, RecipientAction, RecipientState};
pub use store::{Role, Sector};
