//! Collective responses: random sequences, vote once, consensus and quorum outcomes.

use std::collections::BTreeMap;

use proptest::prelude::*;
use response::vote::{
    self, tally, Ballot, DecisionRule, Outcome, ProposalAction, ProposalStatus, VoteContext,
    VOTE_RULES,
};
use response::{rules, Actor, Membership, Role};

use crate::common::{actor, any_actor};

#[derive(Debug, Clone)]
enum Step {
    Cast(Actor, Ballot),
    Close(Actor),
    Publish(Actor),
    /// The deadline passes.
    Tick,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (any_actor(), prop::sample::select(Ballot::ALL.to_vec())).prop_map(|(a, b)| Step::Cast(a, b)),
        2 => any_actor().prop_map(Step::Close),
        1 => any_actor().prop_map(Step::Publish),
        1 => Just(Step::Tick),
    ]
}

fn decision_rule() -> impl Strategy<Value = DecisionRule> {
    prop_oneof![
        Just(DecisionRule::Consensus),
        (1..5u32).prop_map(DecisionRule::Quorum)
    ]
}

/// The electorate of the simulated case: organisations 1, 2 and 3.
const ELECTORATE: u32 = 3;

/// Whether the votes adopt the proposal, written out from the rule's definition.
fn adopted_by_definition(
    rule: DecisionRule,
    votes: &BTreeMap<i64, Ballot>,
    deadline: bool,
) -> bool {
    let endorse = votes.values().filter(|b| **b == Ballot::Endorse).count() as u32;
    let object = votes.values().filter(|b| **b == Ballot::Object).count() as u32;
    match rule {
        DecisionRule::Consensus => {
            object == 0 && endorse >= 1 && (votes.len() as u32 == ELECTORATE || deadline)
        }
        DecisionRule::Quorum(n) => endorse >= n,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_stay_in_the_table(rule in decision_rule(), steps in prop::collection::vec(step(), 1..40)) {
        let mut status = ProposalStatus::Open;
        let mut votes: BTreeMap<i64, Ballot> = BTreeMap::new();
        let mut deadline = false;
        for s in steps {
            let (act, who) = match &s {
                Step::Tick => { deadline = true; continue; }
                Step::Cast(a, _) => (ProposalAction::Cast, *a),
                Step::Close(a) => (ProposalAction::Close, *a),
                Step::Publish(a) => (ProposalAction::Publish, *a),
            };
            let ballots: Vec<Ballot> = votes.values().copied().collect();
            let ctx = VoteContext {
                already_voted: votes.contains_key(&who.org_id),
                deadline_passed: deadline,
                outcome: tally(rule, &ballots, ELECTORATE, deadline),
            };
            let matching = rules::matching(VOTE_RULES, status, act, &who, &ctx);
            match vote::decide(status, act, &who, &ctx) {
                Ok(acc) => {
                    prop_assert_eq!(matching.len(), 1);
                    prop_assert_eq!(matching[0].id, acc.rule);
                    prop_assert!(matches!(who.role, Role::Analyst | Role::Admin));
                    prop_assert!(who.membership != Membership::Outsider);
                    match s {
                        Step::Cast(a, b) => {
                            prop_assert_eq!(status, ProposalStatus::Open);
                            prop_assert!(!deadline, "a vote after the deadline");
                            prop_assert!(votes.insert(a.org_id, b).is_none(), "org {} voted twice", a.org_id);
                            prop_assert_eq!(acc.to, ProposalStatus::Open);
                        }
                        Step::Close(_) => {
                            prop_assert_eq!(status, ProposalStatus::Open);
                            let adopted = adopted_by_definition(rule, &votes, deadline);
                            prop_assert_eq!(acc.to == ProposalStatus::Adopted, adopted, "{:?} {:?}", rule, votes);
                            prop_assert!(matches!(acc.to, ProposalStatus::Adopted | ProposalStatus::Failed));
                        }
                        Step::Publish(a) => {
                            prop_assert_eq!(status, ProposalStatus::Adopted);
                            prop_assert_eq!(a.membership, Membership::Owner);
                            prop_assert_eq!(acc.to, ProposalStatus::Published);
                        }
                        Step::Tick => unreachable!(),
                    }
                    status = acc.to;
                }
                Err(refused) => {
                    prop_assert!(matching.is_empty());
                    prop_assert_eq!(refused.current, status);
                    prop_assert_eq!(&refused.allowed, &rules::allowed(VOTE_RULES, status));
                }
            }
        }
    }

    #[test]
    fn a_decided_tally_stays_decided_as_more_votes_come(
        rule in decision_rule(),
        ballots in prop::collection::vec(prop::sample::select(Ballot::ALL.to_vec()), 0..6),
    ) {
        let electorate = ballots.len() as u32;
        let mut last = Outcome::Pending;
        for k in 0..=ballots.len() {
            let now = tally(rule, &ballots[..k], electorate, false);
            if last != Outcome::Pending {
                prop_assert_eq!(now, last, "{:?} changed its mind at {}", rule, k);
            }
            last = now;
        }
        // Once everyone has voted, the tally is decided.
        prop_assert_ne!(tally(rule, &ballots, electorate, false), Outcome::Pending);
    }
}

fn ctx(already_voted: bool, outcome: Outcome) -> VoteContext {
    VoteContext {
        already_voted,
        deadline_passed: false,
        outcome,
    }
}

#[test]
fn an_organisation_votes_once() {
    let a = actor(21, 2, Role::Analyst);
    let first = vote::decide(
        ProposalStatus::Open,
        ProposalAction::Cast,
        &a,
        &ctx(false, Outcome::Pending),
    )
    .unwrap();
    assert_eq!(first.rule, "vote.cast");
    let second = vote::decide(
        ProposalStatus::Open,
        ProposalAction::Cast,
        &a,
        &ctx(true, Outcome::Pending),
    )
    .unwrap_err();
    assert!(second.reason.contains("already voted"), "{}", second.reason);
    // A colleague of the same organisation is the same vote.
    let colleague = actor(22, 2, Role::Admin);
    assert!(vote::decide(
        ProposalStatus::Open,
        ProposalAction::Cast,
        &colleague,
        &ctx(true, Outcome::Pending)
    )
    .is_err());
    // Non-participants do not vote.
    let outsider = actor(41, 4, Role::Admin);
    let r = vote::decide(
        ProposalStatus::Open,
        ProposalAction::Cast,
        &outsider,
        &ctx(false, Outcome::Pending),
    )
    .unwrap_err();
    assert!(
        r.reason.contains("neither owns nor takes part"),
        "{}",
        r.reason
    );
    // No vote after the deadline.
    let late = VoteContext {
        deadline_passed: true,
        ..ctx(false, Outcome::Pending)
    };
    assert!(vote::decide(ProposalStatus::Open, ProposalAction::Cast, &a, &late).is_err());
}

use Ballot::{Abstain, Endorse, Object};

#[test]
fn quorum_outcomes() {
    let q2 = DecisionRule::Quorum(2);
    assert_eq!(tally(q2, &[], 3, false), Outcome::Pending);
    assert_eq!(tally(q2, &[Endorse], 3, false), Outcome::Pending);
    assert_eq!(tally(q2, &[Endorse, Object], 3, false), Outcome::Pending);
    assert_eq!(
        tally(q2, &[Endorse, Object, Endorse], 3, false),
        Outcome::Adopted
    );
    // Objections do not block a quorum.
    assert_eq!(
        tally(q2, &[Endorse, Endorse, Object], 3, false),
        Outcome::Adopted
    );
    // Two organisations cannot reach two endorsements when one abstained and one objected.
    assert_eq!(tally(q2, &[Abstain, Object], 3, false), Outcome::Failed);
    // The deadline fails a quorum not reached.
    assert_eq!(tally(q2, &[Endorse], 3, true), Outcome::Failed);
    // A quorum larger than the electorate can never be met.
    assert_eq!(
        tally(DecisionRule::Quorum(4), &[], 3, false),
        Outcome::Failed
    );
}

#[test]
fn consensus_outcomes() {
    let c = DecisionRule::Consensus;
    assert_eq!(tally(c, &[Endorse, Abstain], 3, false), Outcome::Pending);
    assert_eq!(
        tally(c, &[Endorse, Abstain, Endorse], 3, false),
        Outcome::Adopted
    );
    // One objection fails it at once.
    assert_eq!(tally(c, &[Endorse, Object], 3, false), Outcome::Failed);
    // Everyone abstaining is not a consensus for.
    assert_eq!(
        tally(c, &[Abstain, Abstain, Abstain], 3, false),
        Outcome::Failed
    );
    // At the deadline, the votes cast decide.
    assert_eq!(tally(c, &[Endorse], 3, true), Outcome::Adopted);
    assert_eq!(tally(c, &[], 3, true), Outcome::Failed);
}

#[test]
fn closing_follows_the_tally_and_only_the_owner_publishes() {
    let p = actor(21, 2, Role::Analyst);
    let pending = vote::decide(
        ProposalStatus::Open,
        ProposalAction::Close,
        &p,
        &ctx(false, Outcome::Pending),
    )
    .unwrap_err();
    assert!(
        pending.reason.contains("the tally is pending"),
        "{}",
        pending.reason
    );
    let adopted = vote::decide(
        ProposalStatus::Open,
        ProposalAction::Close,
        &p,
        &ctx(false, Outcome::Adopted),
    )
    .unwrap();
    assert_eq!(
        (adopted.to, adopted.rule),
        (ProposalStatus::Adopted, "vote.adopt")
    );
    let failed = vote::decide(
        ProposalStatus::Open,
        ProposalAction::Close,
        &p,
        &ctx(false, Outcome::Failed),
    )
    .unwrap();
    assert_eq!(
        (failed.to, failed.rule),
        (ProposalStatus::Failed, "vote.fail")
    );
    assert!(vote::decide(
        ProposalStatus::Adopted,
        ProposalAction::Publish,
        &p,
        &ctx(false, Outcome::Adopted)
    )
    .is_err());
    let owner = actor(11, 1, Role::Analyst);
    let published = vote::decide(
        ProposalStatus::Adopted,
        ProposalAction::Publish,
        &owner,
        &ctx(false, Outcome::Adopted),
    )
    .unwrap();
    assert_eq!(published.to, ProposalStatus::Published);
    assert!(vote::decide(
        ProposalStatus::Failed,
        ProposalAction::Publish,
        &owner,
        &ctx(false, Outcome::Failed)
    )
    .is_err());
}

#[test]
fn decision_rules_parse() {
    assert_eq!(
        "consensus".parse::<DecisionRule>().ok(),
        Some(DecisionRule::Consensus)
    );
    assert_eq!(
        "quorum:3".parse::<DecisionRule>().ok(),
        Some(DecisionRule::Quorum(3))
    );
    assert_eq!(DecisionRule::Quorum(3).to_string(), "quorum:3");
    for bad in ["quorum:0", "quorum:", "quorum:-1", "majority", "quorum 2"] {
        assert!(bad.parse::<DecisionRule>().is_err(), "{bad}");
    }
}
