//! The rule tables every lifecycle is written in, and the one way they are decided.
//!
//! A [`Rule`] names the states it applies from, the action, the condition on the actor and
//! the facts of the record (a guard that explains a refusal in a sentence), and the state it
//! leads to. [`decide`] finds the rules for the record's state and the action, and accepts
//! when exactly one guard passes.

use crate::actor::{Accepted, Actor, Refused};

/// The state a rule leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To<S> {
    /// This state.
    State(S),
    /// The state the record is in (an action that changes no status, such as a vote cast).
    Same,
}

impl<S: Copy> To<S> {
    /// The state reached from `from`.
    pub fn from(self, from: S) -> S {
        match self {
            To::State(s) => s,
            To::Same => from,
        }
    }
}

/// One row of a rule table.
#[derive(Debug)]
pub struct Rule<S: 'static, A, C> {
    /// The rule id, e.g. `action.approve`.
    pub id: &'static str,
    /// The states the rule applies from.
    pub from: &'static [S],
    /// The action.
    pub action: A,
    /// Who may perform it, as a sentence (for documentation and error messages).
    pub who: &'static str,
    /// The condition on the actor and the record's facts; `Err` says why it does not hold.
    pub guard: fn(&Actor, &C) -> Result<(), String>,
    /// The state it leads to.
    pub to: To<S>,
}

/// The actions the table allows from `state` (to someone), in table order, each once.
pub fn allowed<S: Copy + Eq, A: Copy + Eq, C>(table: &[Rule<S, A, C>], state: S) -> Vec<A> {
    let mut out: Vec<A> = Vec::new();
    for r in table.iter().filter(|r| r.from.contains(&state)) {
        if !out.contains(&r.action) {
            out.push(r.action);
        }
    }
    out
}

/// Every rule that allows `action` by `actor` from `state`. A sound table gives at most one;
/// the tests check it.
pub fn matching<'t, S: Copy + Eq, A: Copy + Eq, C>(
    table: &'t [Rule<S, A, C>],
    state: S,
    action: A,
    actor: &Actor,
    ctx: &C,
) -> Vec<&'t Rule<S, A, C>> {
    table
        .iter()
        .filter(|r| r.action == action && r.from.contains(&state))
        .filter(|r| (r.guard)(actor, ctx).is_ok())
        .collect()
}

/// Decides `action` by `actor` on a record in `state`: the rule that allows it and the state
/// it leads to, or the refusal with the current state, the allowed actions and the reason.
pub fn decide<S, A, C>(
    table: &[Rule<S, A, C>],
    state: S,
    action: A,
    actor: &Actor,
    ctx: &C,
) -> Result<Accepted<S>, Refused<S, A>>
where
    S: Copy + Eq + std::fmt::Display,
    A: Copy + Eq + std::fmt::Display,
{
    let mut reasons: Vec<String> = Vec::new();
    let mut any = false;
    for r in table
        .iter()
        .filter(|r| r.action == action && r.from.contains(&state))
    {
        any = true;
        match (r.guard)(actor, ctx) {
            Ok(()) => {
                return Ok(Accepted {
                    to: r.to.from(state),
                    rule: r.id,
                })
            }
            Err(why) => {
                if !reasons.contains(&why) {
                    reasons.push(why)
                }
            }
        }
    }
    let reason = if any {
        format!("{action} is refused: {}", reasons.join("; "))
    } else {
        format!("{action} is not possible in state {state}")
    };
    Err(Refused {
        current: state,
        allowed: allowed(table, state),
        reason,
    })
}

/// Guard helper: the actor's role may change records (analyst or admin).
pub(crate) fn writer(a: &Actor) -> Result<(), String> {
    if a.can_write() {
        Ok(())
    } else {
        Err(format!(
            "a {} may not change response records (analysts and admins may)",
            a.role
        ))
    }
}

/// Guard helper: the actor's organisation owns the record.
pub(crate) fn owner(a: &Actor) -> Result<(), String> {
    match a.membership {
        crate::Membership::Owner => Ok(()),
        _ => Err("only the owner organisation may do this".into()),
    }
}

/// Guard helper: the actor's organisation owns the record or takes part in it.
pub(crate) fn member(a: &Actor) -> Result<(), String> {
    match a.membership {
        crate::Membership::Owner | crate::Membership::Participant => Ok(()),
        crate::Membership::Outsider => {
            Err("the organisation neither owns nor takes part in it".into())
        }
    }
}
