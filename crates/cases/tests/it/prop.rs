//! Random steps by random users of the three governments, an outsider and a reader: what is
//! stored always follows the rules.

use std::collections::BTreeMap;

use cases::{CaseError, NewAction, NewProposal};
use hub::{HubError, Principal};
use proptest::prelude::*;
use response::action::{ActionStatus, ActionStep};
use response::vote::{Ballot, DecisionRule, ProposalStatus};
use store::Role;

use crate::common::{open_case, world};

#[derive(Debug, Clone)]
enum Op {
    Step(usize, ActionStep),
    Vote(usize, Ballot),
    Close(usize),
    Publish(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..7usize;
    // The performing organisation's two users and the approval steps come more often, so
    // that sequences reach approvals by each of them.
    let stepper = prop_oneof![3 => Just(2usize), 3 => Just(3usize), 3 => 0..7usize];
    let step = prop_oneof![
        3 => Just(ActionStep::Propose),
        3 => Just(ActionStep::Approve),
        2 => prop::sample::select(vec![ActionStep::Reject, ActionStep::Complete, ActionStep::Fail, ActionStep::Withdraw]),
    ];
    prop_oneof![
        3 => (stepper, step).prop_map(|(w, s)| Op::Step(w, s)),
        2 => (who.clone(), prop::sample::select(Ballot::ALL.to_vec())).prop_map(|(w, b)| Op::Vote(w, b)),
        1 => who.clone().prop_map(Op::Close),
        1 => who.prop_map(Op::Publish),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn stored_actions_and_votes_follow_the_rules(ops in prop::collection::vec(op(), 1..25)) {
        let w = world();
        let id = open_case(&w);
        let people: [&Principal; 7] = [&w.ca, &w.ca2, &w.fr, &w.fr2, &w.jp, &w.xx, &w.ca_reader];
        let a = w.cases.draft_action(&w.fr, &id, &NewAction {
            title: "Counter-message".into(),
            performing_org: "gov-fr".into(),
            ..NewAction::default()
        }).unwrap();
        let p = w.cases.open_proposal(&w.ca, &id, &NewProposal {
            text: "Joint statement".into(),
            rule: DecisionRule::Quorum(2),
            deadline: None,
        }).unwrap();
        let mut status = ActionStatus::Draft;
        let mut proposer: Option<i64> = None;
        let mut ballots: BTreeMap<String, Ballot> = BTreeMap::new();
        let mut proposal = ProposalStatus::Open;
        for op in ops {
            let who = match &op { Op::Step(i, _) | Op::Vote(i, _) | Op::Close(i) | Op::Publish(i) => people[*i] };
            let outsider = who.org.slug == "gov-xx";
            let reader = who.user.role == Role::Reader;
            match op {
                Op::Step(_, step) => match w.cases.step_action(who, &id, &a.id, step) {
                    Ok(v) => {
                        prop_assert!(!outsider && !reader);
                        if step == ActionStep::Approve {
                            prop_assert_ne!(Some(who.user.id), proposer);
                            prop_assert_ne!(who.user.id, w.fr.user.id, "the author approved");
                            prop_assert_eq!(&who.org.slug, "gov-fr");
                            prop_assert_eq!(v.approver_id, Some(who.user.id));
                        }
                        match step {
                            ActionStep::Propose => proposer = Some(who.user.id),
                            ActionStep::Reject => proposer = None,
                            _ => {}
                        }
                        status = v.status;
                    }
                    Err(e) => {
                        if outsider {
                            prop_assert!(matches!(e, CaseError::NotFound(_)), "{}", e);
                        } else {
                            prop_assert!(matches!(e, CaseError::Forbidden(_) | CaseError::Conflict(_) | CaseError::Transition { .. } | CaseError::Invalid { .. }), "{}", e);
                        }
                    }
                },
                Op::Vote(_, ballot) => match w.cases.vote(who, &id, &p.id, ballot) {
                    Ok(v) => {
                        prop_assert!(!outsider && !reader);
                        prop_assert!(ballots.insert(who.org.slug.clone(), ballot).is_none(), "voted twice");
                        proposal = v.status;
                    }
                    Err(e) => prop_assert!(!matches!(e, CaseError::Hub(HubError::Internal { .. } | HubError::Store(_))), "{}", e),
                },
                Op::Close(_) => {
                    if let Ok(v) = w.cases.close_proposal(who, &id, &p.id) {
                        prop_assert!(!outsider && !reader);
                        proposal = v.status;
                    }
                }
                Op::Publish(_) => {
                    if let Ok(v) = w.cases.publish_proposal(who, &id, &p.id) {
                        prop_assert_eq!(&who.org.slug, "gov-ca");
                        prop_assert_eq!(proposal, ProposalStatus::Adopted);
                        proposal = v.status;
                    }
                }
            }
            // What is stored is what the accepted steps made.
            let stored = &w.cases.actions(&w.ca, &id).unwrap()[0];
            prop_assert_eq!(stored.status, status);
            prop_assert_eq!(stored.proposer_id, proposer);
            let pv = w.cases.proposal(&w.jp, &id, &p.id).unwrap();
            prop_assert_eq!(pv.status, proposal);
            prop_assert_eq!(pv.votes.len(), ballots.len());
            let endorse = ballots.values().filter(|b| **b == Ballot::Endorse).count();
            // Quorum 2 of 3: adopted at two endorsements, failed once two can no longer come.
            let decided = endorse >= 2 || endorse + (3 - ballots.len()) < 2;
            prop_assert_eq!(pv.status != ProposalStatus::Open, decided, "{:?}", ballots);
            if pv.status == ProposalStatus::Adopted || pv.status == ProposalStatus::Published {
                prop_assert!(endorse >= 2);
            }
        }
    }
}
