//! Alerts between partners: who may raise one, each recipient's lifecycle, forwarding by TLP
//! and the respond-by rule.
//!
//! Each recipient organisation of an alert answers on its own:
//!
//! | from | action | to | who | rule |
//! |---|---|---|---|---|
//! | `pending` | `acknowledge` | `acknowledged` | an analyst or admin of the recipient | `alert.acknowledge` |
//! | `acknowledged` | `contribute` | `contributed` | an analyst or admin of the recipient | `alert.contribute` |
//! | `acknowledged` | `decline` | `declined` | an analyst or admin of the recipient | `alert.decline` |
//!
//! `contributed` and `declined` are final. The sender never answers for a recipient (its
//! membership is [`Membership::Owner`], not [`Membership::Participant`]), readers only read,
//! and the operator acts on accounts, not on alerts.
//!
//! Forwarding follows FIRST's TLP 2.0 definitions (<https://www.first.org/tlp/>), with the
//! hub's organisations as the "community" of TLP:GREEN:
//!
//! - TLP:CLEAR, "Recipients can spread this to the world, there is no limit on disclosure":
//!   may be forwarded (rule `alert.forward.clear`).
//! - TLP:GREEN, "Recipients can share TLP:GREEN information with peers and partner
//!   organizations within their community, but not via publicly accessible channels": may be
//!   forwarded to further hub organisations (rule `alert.forward.green`).
//! - TLP:AMBER, "Recipients may share TLP:AMBER information with members of their own
//!   organization and its clients, but only on a need-to-know basis": another hub
//!   organisation is neither, so an AMBER alert is not forwarded beyond its named recipients.
//! - TLP:AMBER+STRICT "restricts sharing to the organization only": not forwarded.
//! - TLP:RED, "For the eyes and ears of individual recipients only, no further disclosure":
//!   not forwarded.
//!
//! Only the sender or a recipient (an analyst or admin) may forward, and a forwarded alert
//! still passes the object check (every new recipient must be able to see every object it
//! references); that check is the service's, through the hub's access decision.

use std::fmt;
use std::str::FromStr;

use store::Tlp;

use crate::{Accepted, Actor, Membership, Refused};

/// Where one recipient stands with an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecipientState {
    /// Received, not yet answered.
    Pending,
    /// Seen and taken up by the recipient.
    Acknowledged,
    /// The recipient contributed what was asked (final).
    Contributed,
    /// The recipient declined to contribute (final).
    Declined,
}

impl RecipientState {
    /// Every state.
    pub const ALL: [RecipientState; 4] = [
        RecipientState::Pending,
        RecipientState::Acknowledged,
        RecipientState::Contributed,
        RecipientState::Declined,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientState::Pending => "pending",
            RecipientState::Acknowledged => "acknowledged",
            RecipientState::Contributed => "contributed",
            RecipientState::Declined => "declined",
        }
    }

    /// Whether no action leads out of this state.
    pub fn is_final(self) -> bool {
        allowed(self).is_empty()
    }
}

impl fmt::Display for RecipientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecipientState {
    type Err = String;

    fn from_str(s: &str) -> Result<RecipientState, String> {
        RecipientState::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown recipient state {s:?}"))
    }
}

/// What a recipient does with an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecipientAction {
    /// `pending` to `acknowledged`.
    Acknowledge,
    /// `acknowledged` to `contributed`.
    Contribute,
    /// `acknowledged` to `declined`.
    Decline,
}

impl RecipientAction {
    /// Every action.
    pub const ALL: [RecipientAction; 3] = [
        RecipientAction::Acknowledge,
        RecipientAction::Contribute,
        RecipientAction::Decline,
    ];

    /// The lower-case name (also the last segment of its REST route).
    pub fn as_str(self) -> &'static str {
        match self {
            RecipientAction::Acknowledge => "acknowledge",
            RecipientAction::Contribute => "contribute",
            RecipientAction::Decline => "decline",
        }
    }
}

impl fmt::Display for RecipientAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecipientAction {
    type Err = String;

    fn from_str(s: &str) -> Result<RecipientAction, String> {
        RecipientAction::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown recipient action {s:?}"))
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// For information; no response is expected beyond an acknowledgement.
    Information,
    /// An alert: the sender asks for the responses it names by the respond-by time.
    Alert,
}

impl Priority {
    /// Every priority.
    pub const ALL: [Priority; 2] = [Priority::Information, Priority::Alert];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Information => "information",
            Priority::Alert => "alert",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = String;

    fn from_str(s: &str) -> Result<Priority, String> {
        Priority::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("unknown priority {s:?}; expected information or alert"))
    }
}

/// One row of the recipient table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The rule id.
    pub id: &'static str,
    /// The state it leads from.
    pub from: RecipientState,
    /// The action.
    pub action: RecipientAction,
    /// The state it leads to.
    pub to: RecipientState,
}

/// The recipient lifecycle, one rule per allowed transition. Every rule needs an analyst or
/// admin of the recipient organisation itself.
pub const RULES: [Rule; 3] = [
    Rule {
        id: "alert.acknowledge",
        from: RecipientState::Pending,
        action: RecipientAction::Acknowledge,
        to: RecipientState::Acknowledged,
    },
    Rule {
        id: "alert.contribute",
        from: RecipientState::Acknowledged,
        action: RecipientAction::Contribute,
        to: RecipientState::Contributed,
    },
    Rule {
        id: "alert.decline",
        from: RecipientState::Acknowledged,
        action: RecipientAction::Decline,
        to: RecipientState::Declined,
    },
];

/// The actions the table allows from `state` (to an analyst or admin of the recipient).
pub fn allowed(state: RecipientState) -> Vec<RecipientAction> {
    RULES
        .iter()
        .filter(|r| r.from == state)
        .map(|r| r.action)
        .collect()
}

/// Decides a recipient's transition. `actor.membership` is the actor's standing towards
/// this recipient: [`Membership::Participant`] only for the recipient organisation itself
/// (the sender is [`Membership::Owner`], any other organisation an outsider).
pub fn transition(
    state: RecipientState,
    action: RecipientAction,
    actor: &Actor,
) -> Result<Accepted<RecipientState>, Refused<RecipientState, RecipientAction>> {
    let refuse = |reason: String| Refused {
        current: state,
        allowed: allowed(state),
        reason,
    };
    let Some(rule) = RULES.iter().find(|r| r.from == state && r.action == action) else {
        return Err(refuse(format!(
            "a recipient cannot {action} an alert that is {state}"
        )));
    };
    match actor.membership {
        Membership::Participant => {}
        Membership::Owner => {
            return Err(refuse(
                "the sender cannot answer for a recipient".to_string(),
            ))
        }
        Membership::Outsider => {
            return Err(refuse(
                "only the recipient organisation answers for itself".to_string(),
            ))
        }
    }
    if !actor.can_write() {
        return Err(refuse(format!(
            "the {} role cannot {action} an alert (analysts and admins can)",
            actor.role.as_str()
        )));
    }
    Ok(Accepted {
        to: rule.to,
        rule: rule.id,
    })
}

/// Why an alert may not be raised or forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The rule that refuses.
    pub rule: &'static str,
    /// Why, as a sentence.
    pub reason: String,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.rule)
    }
}

/// Whether `actor` may raise an alert: an analyst or admin of its own organisation (the
/// actor's membership is [`Membership::Owner`]). The rule id on success is `alert.raise`.
pub fn may_raise(actor: &Actor) -> Result<&'static str, Denied> {
    if !actor.can_write() {
        return Err(Denied {
            rule: "alert.raise",
            reason: format!(
                "the {} role cannot raise alerts (analysts and admins can)",
                actor.role.as_str()
            ),
        });
    }
    Ok("alert.raise")
}

/// Whether an alert at `tlp` may be forwarded to further organisations by `actor` (the sender
/// or a recipient, an analyst or admin); the rule that allows it. See the module
/// documentation for the TLP 2.0 text behind each level.
pub fn may_forward(tlp: Tlp, actor: &Actor) -> Result<&'static str, Denied> {
    if actor.membership == Membership::Outsider {
        return Err(Denied {
            rule: "alert.forward",
            reason: "only the sender or a recipient may forward an alert".to_string(),
        });
    }
    if !actor.can_write() {
        return Err(Denied {
            rule: "alert.forward",
            reason: format!(
                "the {} role cannot forward alerts (analysts and admins can)",
                actor.role.as_str()
            ),
        });
    }
    match tlp {
        Tlp::Clear => Ok("alert.forward.clear"),
        Tlp::Green => Ok("alert.forward.green"),
        Tlp::Amber => Err(Denied {
            rule: "alert.forward.amber",
            reason: "TLP:AMBER may be shared only within the recipient's own organisation and \
                     its clients, not with further organisations"
                .to_string(),
        }),
        Tlp::AmberStrict => Err(Denied {
            rule: "alert.forward.amber_strict",
            reason: "TLP:AMBER+STRICT restricts sharing to the recipient's organisation only"
                .to_string(),
        }),
        Tlp::Red => Err(Denied {
            rule: "alert.forward.red",
            reason: "TLP:RED is for the named recipients only, with no further disclosure"
                .to_string(),
        }),
    }
}

/// Whether a respond-by time (seconds since the epoch) is acceptable when an alert is raised
/// at `now`: it must lie strictly in the future.
pub fn check_respond_by(now: i64, respond_by: i64) -> Result<(), Denied> {
    if respond_by <= now {
        return Err(Denied {
            rule: "alert.respond_by",
            reason: "must be in the future".to_string(),
        });
    }
    Ok(())
}

/// Whether a recipient that is still `pending` or `acknowledged` at `now` has missed the
/// respond-by time (a final answer never is overdue).
pub fn is_overdue(state: RecipientState, respond_by: Option<i64>, now: i64) -> bool {
    !state.is_final() && respond_by.is_some_and(|t| now > t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::{Role, Sector};

    fn actor(role: Role, membership: Membership) -> Actor {
        Actor {
            user_id: 1,
            org_id: 1,
            role,
            sector: Sector::Government,
            membership,
        }
    }

    #[test]
    fn the_table_reads_as_documented() {
        let a = actor(Role::Analyst, Membership::Participant);
        let ack = transition(RecipientState::Pending, RecipientAction::Acknowledge, &a).unwrap();
        assert_eq!(ack.to, RecipientState::Acknowledged);
        assert_eq!(ack.rule, "alert.acknowledge");
        let refused =
            transition(RecipientState::Pending, RecipientAction::Contribute, &a).unwrap_err();
        assert_eq!(refused.current, RecipientState::Pending);
        assert_eq!(refused.allowed, vec![RecipientAction::Acknowledge]);
        let sender = actor(Role::Admin, Membership::Owner);
        let err = transition(
            RecipientState::Pending,
            RecipientAction::Acknowledge,
            &sender,
        )
        .unwrap_err();
        assert!(err.reason.contains("sender"), "{err}");
        assert!(RecipientState::Contributed.is_final());
        assert!(RecipientState::Declined.is_final());
    }

    #[test]
    fn forwarding_follows_tlp() {
        let a = actor(Role::Analyst, Membership::Participant);
        assert!(may_forward(Tlp::Clear, &a).is_ok());
        assert!(may_forward(Tlp::Green, &a).is_ok());
        for t in [Tlp::Amber, Tlp::AmberStrict, Tlp::Red] {
            assert!(may_forward(t, &a).is_err(), "{t}");
        }
        let reader = actor(Role::Reader, Membership::Participant);
        assert!(may_forward(Tlp::Clear, &reader).is_err());
        let outsider = actor(Role::Admin, Membership::Outsider);
        assert!(may_forward(Tlp::Clear, &outsider).is_err());
    }

    #[test]
    fn respond_by_must_be_in_the_future() {
        assert!(check_respond_by(100, 101).is_ok());
        assert!(check_respond_by(100, 100).is_err());
        assert!(check_respond_by(100, 5).is_err());
        assert!(is_overdue(RecipientState::Pending, Some(5), 6));
        assert!(!is_overdue(RecipientState::Declined, Some(5), 6));
        assert!(!is_overdue(RecipientState::Pending, None, 6));
    }
}
