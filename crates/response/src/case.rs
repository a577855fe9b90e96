//! The response case lifecycle: `new` -> `open` -> `closed`, reopened with a reason.
//!
//! The statuses are those of the OASIS incident core extension's `investigation_status`
//! (`incident-investigation-ov`: `new`, `open`, `closed`). Analysts and admins of the owner
//! organisation move a case along; participants add objects but never open, close or reopen.

use crate::actor::{Accepted, Actor, Refused};
use crate::rules::{self, member, owner, writer, Rule, To};
use crate::wire::wire_enum;

wire_enum! {
    /// The status of a response case.
    pub enum CaseStatus ("case status") {
        /// Created, work not started.
        New => "new",
        /// Being worked.
        Open => "open",
        /// Concluded.
        Closed => "closed",
    }
}

wire_enum! {
    /// What can be done to a case.
    pub enum CaseAction ("case action") {
        /// Start work on a new case.
        Open => "open",
        /// Conclude the case.
        Close => "close",
        /// Take a closed case up again (a reason is required).
        Reopen => "reopen",
        /// Add STIX objects (campaigns, incidents, ...) to the case.
        AddObject => "add-object",
        /// Invite another organisation to take part.
        AddParticipant => "add-participant",
        /// Remove a participant organisation.
        RemoveParticipant => "remove-participant",
        /// Record an impact of the incident (the OASIS incident suite's `impact`).
        RecordImpact => "record-impact",
    }
}

/// The facts about the case the rules look at beyond the actor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseContext {
    /// Whether a reason that is not blank was given with the action.
    pub reason_given: bool,
}

impl CaseContext {
    /// The context of an action given with `reason` (blank counts as none).
    pub fn with_reason(reason: Option<&str>) -> CaseContext {
        CaseContext {
            reason_given: reason.is_some_and(|r| !r.trim().is_empty()),
        }
    }
}

fn owner_writer(a: &Actor, _: &CaseContext) -> Result<(), String> {
    writer(a)?;
    owner(a)
}

fn member_writer(a: &Actor, _: &CaseContext) -> Result<(), String> {
    writer(a)?;
    member(a)
}

fn owner_writer_with_reason(a: &Actor, c: &CaseContext) -> Result<(), String> {
    owner_writer(a, c)?;
    if c.reason_given {
        Ok(())
    } else {
        Err("a reason is required to reopen a case".into())
    }
}

use CaseStatus::{Closed, New, Open};

/// The case rule table.
pub static CASE_RULES: &[Rule<CaseStatus, CaseAction, CaseContext>] = &[
    Rule {
        id: "case.open",
        from: &[New],
        action: CaseAction::Open,
        who: "an analyst or admin of the owner organisation",
        guard: owner_writer,
        to: To::State(Open),
    },
    Rule {
        id: "case.close",
        from: &[New, Open],
        action: CaseAction::Close,
        who: "an analyst or admin of the owner organisation (participants may not close)",
        guard: owner_writer,
        to: To::State(Closed),
    },
    Rule {
        id: "case.reopen",
        from: &[Closed],
        action: CaseAction::Reopen,
        who: "an analyst or admin of the owner organisation, with a reason",
        guard: owner_writer_with_reason,
        to: To::State(Open),
    },
    Rule {
        id: "case.add-object",
        from: &[New, Open],
        action: CaseAction::AddObject,
        who: "an analyst or admin of the owner or a participant organisation",
        guard: member_writer,
        to: To::Same,
    },
    Rule {
        id: "case.add-participant",
        from: &[New, Open],
        action: CaseAction::AddParticipant,
        who: "an analyst or admin of the owner organisation",
        guard: owner_writer,
        to: To::Same,
    },
    Rule {
        id: "case.remove-participant",
        from: &[New, Open],
        action: CaseAction::RemoveParticipant,
        who: "an analyst or admin of the owner organisation",
        guard: owner_writer,
        to: To::Same,
    },
    Rule {
        id: "case.record-impact",
        from: &[New, Open],
        action: CaseAction::RecordImpact,
        who: "an analyst or admin of the owner or a participant organisation",
        guard: member_writer,
        to: To::Same,
    },
];

/// Decides `action` by `actor` on a case in `status`.
pub fn decide(
    status: CaseStatus,
    action: CaseAction,
    actor: &Actor,
    ctx: &CaseContext,
) -> Result<Accepted<CaseStatus>, Refused<CaseStatus, CaseAction>> {
    rules::decide(CASE_RULES, status, action, actor, ctx)
}

/// Who may create a case: any analyst or admin (their organisation becomes the owner).
pub fn may_create(actor: &Actor) -> Result<(), String> {
    writer(actor)
}
