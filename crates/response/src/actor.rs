//! Who acts, and the two answers the rule tables give.

use std::fmt;

use store::{Role, Sector};

/// How the actor's organisation stands towards the record acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Membership {
    /// The organisation that owns the record (the alert's sender, the case's owner).
    Owner,
    /// An organisation taking part (an alert recipient, a case participant).
    Participant,
    /// Any other organisation.
    Outsider,
}

/// The facts about one actor that the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Actor {
    /// The user acting.
    pub user_id: i64,
    /// The user's organisation.
    pub org_id: i64,
    /// The user's role in that organisation.
    pub role: Role,
    /// The organisation's sector.
    pub sector: Sector,
    /// How the organisation stands towards the record.
    pub membership: Membership,
}

impl Actor {
    /// Whether the actor's role lets it change records (analysts and admins; readers only
    /// read, and the operator acts on accounts, not on responses).
    pub fn can_write(&self) -> bool {
        matches!(self.role, Role::Analyst | Role::Admin)
    }
}

/// A transition the table allows, with the one rule that allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted<S> {
    /// The state after the transition.
    pub to: S,
    /// The id of the rule that allows it, e.g. `action.approve`.
    pub rule: &'static str,
}

/// A transition the table forbids: the current state, what is allowed from it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused<S, A> {
    /// The record's current state.
    pub current: S,
    /// The actions the table allows from `current` (to anyone).
    pub allowed: Vec<A>,
    /// Why this action by this actor is refused, as a sentence.
    pub reason: String,
}

impl<S: fmt::Display, A: fmt::Display> fmt::Display for Refused<S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (current state {}; allowed:",
            self.reason, self.current
        )?;
        if self.allowed.is_empty() {
            f.write_str(" none")?;
        }
        for (i, a) in self.allowed.iter().enumerate() {
            write!(f, "{}{a}", if i == 0 { " " } else { ", " })?;
        }
        f.write_str(")")
    }
}
