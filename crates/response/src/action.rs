//! The response action lifecycle: `draft` -> `proposed` -> `approved` -> `done` | `failed` |
//! `withdrawn`, with the OASIS incident extension's task `outcome` of each state.
//!
//! An action is carried out by a performing organisation. A proposed action is approved only
//! by a second person of the performing organisation: never its author, never its proposer.

use crate::actor::{Accepted, Actor, Refused};
use crate::rules::{self, member, writer, Rule, To};
use crate::wire::wire_enum;

wire_enum! {
    /// The status of a response action.
    pub enum ActionStatus ("action status") {
        /// Being written by its author.
        Draft => "draft",
        /// Put forward for approval.
        Proposed => "proposed",
        /// Approved by a second person of the performing organisation; being carried out.
        Approved => "approved",
        /// Carried out.
        Done => "done",
        /// Attempted, without the intended result.
        Failed => "failed",
        /// Abandoned before it was carried out.
        Withdrawn => "withdrawn",
    }
}

wire_enum! {
    /// The steps of an action's lifecycle.
    pub enum ActionStep ("action step") {
        /// Change a draft (its author only).
        Edit => "edit",
        /// Put a draft forward for approval.
        Propose => "propose",
        /// Approve a proposed action.
        Approve => "approve",
        /// Send a proposed action back to draft.
        Reject => "reject",
        /// Record that an approved action was carried out.
        Complete => "complete",
        /// Record that an approved action failed.
        Fail => "fail",
        /// Abandon an action that is not finished.
        Withdraw => "withdraw",
    }
}

wire_enum! {
    /// The OASIS incident core extension's `task-outcome-enum` (the `outcome` of a `task`).
    pub enum TaskOutcome ("task outcome") {
        /// The task was planned or started, but later cancelled or discarded.
        Cancelled => "cancelled",
        /// The task has been completed, but failed.
        Failed => "failed",
        /// The task is still taking place.
        Ongoing => "ongoing",
        /// The task has not yet been started, but is currently planned.
        Pending => "pending",
        /// The task was completed successfully.
        Successful => "successful",
        /// The status of this task is currently unknown.
        Unknown => "unknown",
    }
}

impl ActionStatus {
    /// The task `outcome` this status is published as: draft and proposed are `pending`,
    /// approved is `ongoing`, done `successful`, failed `failed`, withdrawn `cancelled`.
    pub fn outcome(self) -> TaskOutcome {
        match self {
            ActionStatus::Draft | ActionStatus::Proposed => TaskOutcome::Pending,
            ActionStatus::Approved => TaskOutcome::Ongoing,
            ActionStatus::Done => TaskOutcome::Successful,
            ActionStatus::Failed => TaskOutcome::Failed,
            ActionStatus::Withdrawn => TaskOutcome::Cancelled,
        }
    }

    /// Whether the action is finished (no step leads out of it).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ActionStatus::Done | ActionStatus::Failed | ActionStatus::Withdrawn
        )
    }
}

/// The facts about the action the rules look at beyond the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionContext {
    /// The user who drafted the action.
    pub author: i64,
    /// The user who proposed it, once proposed.
    pub proposer: Option<i64>,
    /// The organisation that is to carry it out.
    pub performing_org: i64,
}

fn base(a: &Actor) -> Result<(), String> {
    writer(a)?;
    member(a)
}

fn performing(a: &Actor, c: &ActionContext) -> Result<(), String> {
    if a.org_id == c.performing_org {
        Ok(())
    } else {
        Err("only the performing organisation may do this".into())
    }
}

fn author_only(a: &Actor, c: &ActionContext) -> Result<(), String> {
    base(a)?;
    if a.user_id == c.author {
        Ok(())
    } else {
        Err("only the author may change a draft".into())
    }
}

fn author_or_performing(a: &Actor, c: &ActionContext) -> Result<(), String> {
    base(a)?;
    if a.user_id == c.author || a.org_id == c.performing_org {
        Ok(())
    } else {
        Err("only the author or the performing organisation may do this".into())
    }
}

fn second_person(a: &Actor, c: &ActionContext) -> Result<(), String> {
    base(a)?;
    performing(a, c)?;
    if a.user_id == c.author {
        return Err("the author may not approve their own action".into());
    }
    if c.proposer == Some(a.user_id) {
        return Err("the proposer may not approve the action they proposed".into());
    }
    Ok(())
}

fn performer(a: &Actor, c: &ActionContext) -> Result<(), String> {
    base(a)?;
    performing(a, c)
}

fn withdrawer(a: &Actor, c: &ActionContext) -> Result<(), String> {
    base(a)?;
    if a.user_id == c.author
        || a.org_id == c.performing_org
        || a.membership == crate::Membership::Owner
    {
        Ok(())
    } else {
        Err("only the author, the performing organisation or the case owner may withdraw".into())
    }
}

use ActionStatus::{Approved, Done, Draft, Failed, Proposed, Withdrawn};

/// The action rule table.
pub static ACTION_RULES: &[Rule<ActionStatus, ActionStep, ActionContext>] = &[
    Rule {
        id: "action.edit",
        from: &[Draft],
        action: ActionStep::Edit,
        who: "the author (an analyst or admin of a case organisation)",
        guard: author_only,
        to: To::Same,
    },
    Rule {
        id: "action.propose",
        from: &[Draft],
        action: ActionStep::Propose,
        who: "the author, or an analyst or admin of the performing organisation",
        guard: author_or_performing,
        to: To::State(Proposed),
    },
    Rule {
        id: "action.approve",
        from: &[Proposed],
        action: ActionStep::Approve,
        who: "a second analyst or admin of the performing organisation: not the author, not the proposer",
        guard: second_person,
        to: To::State(Approved),
    },
    Rule {
        id: "action.reject",
        from: &[Proposed],
        action: ActionStep::Reject,
        who: "an analyst or admin of the performing organisation",
        guard: performer,
        to: To::State(Draft),
    },
    Rule {
        id: "action.complete",
        from: &[Approved],
        action: ActionStep::Complete,
        who: "an analyst or admin of the performing organisation",
        guard: performer,
        to: To::State(Done),
    },
    Rule {
        id: "action.fail",
        from: &[Approved],
        action: ActionStep::Fail,
        who: "an analyst or admin of the performing organisation",
        guard: performer,
        to: To::State(Failed),
    },
    Rule {
        id: "action.withdraw",
        from: &[Draft, Proposed, Approved],
        action: ActionStep::Withdraw,
        who: "the author, an analyst or admin of the performing organisation, or of the case owner",
        guard: withdrawer,
        to: To::State(Withdrawn),
    },
];

/// Decides `step` by `actor` on an action in `status`.
pub fn decide(
    status: ActionStatus,
    step: ActionStep,
    actor: &Actor,
    ctx: &ActionContext,
) -> Result<Accepted<ActionStatus>, Refused<ActionStatus, ActionStep>> {
    rules::decide(ACTION_RULES, status, step, actor, ctx)
}

/// Whether an organisation of `sector` may be the target of an action: actions are aimed at
/// platforms and Internet service providers (a takedown, a labelling, a block), never at
/// governments, election authorities or civil society.
pub fn may_target(sector: store::Sector) -> Result<(), String> {
    match sector {
        store::Sector::Platform | store::Sector::Isp => Ok(()),
        other => Err(format!(
            "an action targets a platform or an ISP, not a {} organisation",
            other.as_str()
        )),
    }
}

/// Who may draft an action in a case: an analyst or admin of the owner or a participant
/// organisation (the author; the performing organisation is named in the draft).
pub fn may_draft(actor: &Actor) -> Result<(), String> {
    base(actor)
}
