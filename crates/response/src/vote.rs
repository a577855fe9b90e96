//! Collective responses: a proposal put to the case's organisations, `open` -> `adopted` |
//! `failed` -> `published`, decided by a rule chosen when it opens.
//!
//! Each organisation of the case (owner and participants) casts `endorse`, `abstain` or
//! `object` once, before the deadline if there is one. [`tally`] is the pure count: under
//! consensus an objection fails the proposal, and it is adopted when everyone has voted (or
//! the deadline passed) with at least one endorsement; under quorum N it is adopted at N
//! endorsements and fails once N can no longer be reached.

use std::fmt;
use std::str::FromStr;

use crate::actor::{Accepted, Actor, Refused};
use crate::rules::{self, member, owner, writer, Rule, To};
use crate::wire::wire_enum;
use crate::Error;

wire_enum! {
    /// The status of a proposal.
    pub enum ProposalStatus ("proposal status") {
        /// Open for votes.
        Open => "open",
        /// Adopted under its rule.
        Adopted => "adopted",
        /// Not adopted under its rule.
        Failed => "failed",
        /// Adopted and published.
        Published => "published",
    }
}

wire_enum! {
    /// What can be done to a proposal.
    pub enum ProposalAction ("proposal action") {
        /// Cast the organisation's vote.
        Cast => "cast",
        /// Record the decided outcome of the tally.
        Close => "close",
        /// Publish an adopted proposal.
        Publish => "publish",
    }
}

wire_enum! {
    /// One organisation's vote.
    pub enum Ballot ("ballot") {
        /// For.
        Endorse => "endorse",
        /// Neither for nor against.
        Abstain => "abstain",
        /// Against.
        Object => "object",
    }
}

wire_enum! {
    /// What the tally says so far.
    pub enum Outcome ("tally outcome") {
        /// Not decided yet.
        Pending => "pending",
        /// The rule is met.
        Adopted => "adopted",
        /// The rule can no longer be met.
        Failed => "failed",
    }
}

/// The rule a proposal is decided by, chosen when it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionRule {
    /// No objection, at least one endorsement, and everyone voted or the deadline passed.
    Consensus,
    /// At least this many endorsements (at least 1), objections notwithstanding.
    Quorum(u32),
}

impl fmt::Display for DecisionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecisionRule::Consensus => f.write_str("consensus"),
            DecisionRule::Quorum(n) => write!(f, "quorum:{n}"),
        }
    }
}

impl FromStr for DecisionRule {
    type Err = Error;

    /// `consensus` or `quorum:N` with N at least 1.
    fn from_str(s: &str) -> Result<DecisionRule, Error> {
        if s == "consensus" {
            return Ok(DecisionRule::Consensus);
        }
        match s.strip_prefix("quorum:").map(str::parse::<u32>) {
            Some(Ok(n)) if n >= 1 => Ok(DecisionRule::Quorum(n)),
            _ => Err(Error::BadDecisionRule(s.to_string())),
        }
    }
}

/// The votes cast so far, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    /// Endorsements.
    pub endorse: u32,
    /// Abstentions.
    pub abstain: u32,
    /// Objections.
    pub object: u32,
}

impl Count {
    /// Counts `ballots` (one per organisation).
    pub fn of(ballots: &[Ballot]) -> Count {
        let mut c = Count::default();
        for b in ballots {
            match b {
                Ballot::Endorse => c.endorse += 1,
                Ballot::Abstain => c.abstain += 1,
                Ballot::Object => c.object += 1,
            }
        }
        c
    }

    /// Votes cast.
    pub fn cast(&self) -> u32 {
        self.endorse + self.abstain + self.object
    }
}

/// The outcome of a proposal under `rule` with `ballots` cast (one per organisation) by an
/// electorate of `electorate` organisations, the deadline passed or not.
pub fn tally(
    rule: DecisionRule,
    ballots: &[Ballot],
    electorate: u32,
    deadline_passed: bool,
) -> Outcome {
    let c = Count::of(ballots);
    let electorate = electorate.max(c.cast());
    let all_voted = c.cast() >= electorate;
    match rule {
        DecisionRule::Consensus => {
            if c.object > 0 {
                Outcome::Failed
            } else if all_voted || deadline_passed {
                if c.endorse > 0 {
                    Outcome::Adopted
                } else {
                    Outcome::Failed
                }
            } else {
                Outcome::Pending
            }
        }
        DecisionRule::Quorum(n) => {
            let still_to_vote = electorate - c.cast();
            if c.endorse >= n {
                Outcome::Adopted
            } else if deadline_passed || c.endorse + still_to_vote < n {
                Outcome::Failed
            } else {
                Outcome::Pending
            }
        }
    }
}

/// The facts about the proposal the rules look at beyond the actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteContext {
    /// Whether the actor's organisation has already voted.
    pub already_voted: bool,
    /// Whether the proposal's deadline has passed.
    pub deadline_passed: bool,
    /// What [`tally`] says now.
    pub outcome: Outcome,
}

fn caster(a: &Actor, c: &VoteContext) -> Result<(), String> {
    writer(a)?;
    member(a)?;
    if c.already_voted {
        return Err("the organisation has already voted".into());
    }
    if c.deadline_passed {
        return Err("the deadline for votes has passed".into());
    }
    Ok(())
}

fn closer(a: &Actor, c: &VoteContext, want: Outcome) -> Result<(), String> {
    writer(a)?;
    member(a)?;
    if c.outcome == want {
        Ok(())
    } else {
        Err(format!("the tally is {}", c.outcome))
    }
}

fn adopt(a: &Actor, c: &VoteContext) -> Result<(), String> {
    closer(a, c, Outcome::Adopted)
}

fn reject(a: &Actor, c: &VoteContext) -> Result<(), String> {
    closer(a, c, Outcome::Failed)
}

fn publisher(a: &Actor, _: &VoteContext) -> Result<(), String> {
    writer(a)?;
    owner(a)
}

use ProposalStatus::{Adopted, Failed, Open, Published};

/// The proposal rule table.
pub static VOTE_RULES: &[Rule<ProposalStatus, ProposalAction, VoteContext>] = &[
    Rule {
        id: "vote.cast",
        from: &[Open],
        action: ProposalAction::Cast,
        who: "an analyst or admin of an organisation of the case that has not voted, before the deadline",
        guard: caster,
        to: To::Same,
    },
    Rule {
        id: "vote.adopt",
        from: &[Open],
        action: ProposalAction::Close,
        who: "an analyst or admin of an organisation of the case, once the tally says adopted",
        guard: adopt,
        to: To::State(Adopted),
    },
    Rule {
        id: "vote.fail",
        from: &[Open],
        action: ProposalAction::Close,
        who: "an analyst or admin of an organisation of the case, once the tally says failed",
        guard: reject,
        to: To::State(Failed),
    },
    Rule {
        id: "vote.publish",
        from: &[Adopted],
        action: ProposalAction::Publish,
        who: "an analyst or admin of the owner organisation",
        guard: publisher,
        to: To::State(Published),
    },
];

/// Decides `action` by `actor` on a proposal in `status`.
pub fn decide(
    status: ProposalStatus,
    action: ProposalAction,
    actor: &Actor,
    ctx: &VoteContext,
) -> Result<Accepted<ProposalStatus>, Refused<ProposalStatus, ProposalAction>> {
    rules::decide(VOTE_RULES, status, action, actor, ctx)
}

/// Who may open a proposal: an analyst or admin of the case's owner organisation.
pub fn may_open(actor: &Actor) -> Result<(), String> {
    writer(actor)?;
    owner(actor)
}

impl serde::Serialize for DecisionRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DecisionRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DecisionRule, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
