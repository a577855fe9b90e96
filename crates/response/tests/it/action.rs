//! The action lifecycle: random sequences, never one's own approval, task outcomes.

use proptest::prelude::*;
use response::action::{self, ActionContext, ActionStatus, ActionStep, TaskOutcome, ACTION_RULES};
use response::{rules, Membership, Role};

use crate::common::{actor, any_actor};

fn edge_allowed(from: ActionStatus, to: ActionStatus) -> bool {
    use ActionStatus::*;
    matches!(
        (from, to),
        (Draft, Draft)
            | (Draft, Proposed)
            | (Draft, Withdrawn)
            | (Proposed, Approved)
            | (Proposed, Draft)
            | (Proposed, Withdrawn)
            | (Approved, Done)
            | (Approved, Failed)
            | (Approved, Withdrawn)
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_stay_in_the_table(
        author in any_actor(),
        performing_org in 1..5i64,
        steps in prop::collection::vec(
            (prop::sample::select(ActionStep::ALL.to_vec()), any_actor()),
            1..40,
        )
    ) {
        let mut status = ActionStatus::Draft;
        let mut ctx = ActionContext { author: author.user_id, proposer: None, performing_org };
        for (step, who) in steps {
            let matching = rules::matching(ACTION_RULES, status, step, &who, &ctx);
            match action::decide(status, step, &who, &ctx) {
                Ok(acc) => {
                    prop_assert_eq!(matching.len(), 1);
                    prop_assert_eq!(matching[0].id, acc.rule);
                    prop_assert!(edge_allowed(status, acc.to), "{} -> {} by {}", status, acc.to, acc.rule);
                    prop_assert!(matches!(who.role, Role::Analyst | Role::Admin));
                    prop_assert!(who.membership != Membership::Outsider);
                    match step {
                        ActionStep::Approve => {
                            prop_assert_ne!(who.user_id, ctx.author, "own approval");
                            prop_assert_ne!(Some(who.user_id), ctx.proposer, "proposer approved");
                            prop_assert_eq!(who.org_id, ctx.performing_org);
                        }
                        ActionStep::Complete | ActionStep::Fail | ActionStep::Reject => {
                            prop_assert_eq!(who.org_id, ctx.performing_org);
                        }
                        ActionStep::Edit => prop_assert_eq!(who.user_id, ctx.author),
                        _ => {}
                    }
                    match step {
                        ActionStep::Propose => ctx.proposer = Some(who.user_id),
                        ActionStep::Reject => ctx.proposer = None,
                        _ => {}
                    }
                    status = acc.to;
                }
                Err(refused) => {
                    prop_assert!(matching.is_empty());
                    prop_assert_eq!(refused.current, status);
                    prop_assert_eq!(&refused.allowed, &rules::allowed(ACTION_RULES, status));
                }
            }
        }
    }
}

fn ctx() -> ActionContext {
    ActionContext {
        author: 21,
        proposer: Some(21),
        performing_org: 2,
    }
}

#[test]
fn the_author_never_approves_their_own_action() {
    let author = actor(21, 2, Role::Admin);
    let r =
        action::decide(ActionStatus::Proposed, ActionStep::Approve, &author, &ctx()).unwrap_err();
    assert_eq!(r.current, ActionStatus::Proposed);
    assert!(r.reason.contains("author"), "{}", r.reason);
    assert!(r.allowed.contains(&ActionStep::Approve));
}

#[test]
fn the_proposer_never_approves_what_they_proposed() {
    let proposer = actor(22, 2, Role::Analyst);
    let c = ActionContext {
        proposer: Some(22),
        ..ctx()
    };
    let r = action::decide(ActionStatus::Proposed, ActionStep::Approve, &proposer, &c).unwrap_err();
    assert!(r.reason.contains("proposer"), "{}", r.reason);
}

#[test]
fn only_a_second_person_of_the_performing_organisation_approves() {
    // Another organisation's admin, even the case owner's, may not approve.
    let owner_admin = actor(11, 1, Role::Admin);
    let r = action::decide(
        ActionStatus::Proposed,
        ActionStep::Approve,
        &owner_admin,
        &ctx(),
    )
    .unwrap_err();
    assert!(r.reason.contains("performing"), "{}", r.reason);
    // A reader of the performing organisation may not either.
    let reader = actor(23, 2, Role::Reader);
    assert!(action::decide(ActionStatus::Proposed, ActionStep::Approve, &reader, &ctx()).is_err());
    // A colleague may.
    let colleague = actor(22, 2, Role::Analyst);
    let ok = action::decide(
        ActionStatus::Proposed,
        ActionStep::Approve,
        &colleague,
        &ctx(),
    )
    .unwrap();
    assert_eq!((ok.to, ok.rule), (ActionStatus::Approved, "action.approve"));
    // Approval is only from proposed: a draft cannot skip the proposal.
    let r =
        action::decide(ActionStatus::Draft, ActionStep::Approve, &colleague, &ctx()).unwrap_err();
    assert_eq!(
        r.allowed,
        vec![ActionStep::Edit, ActionStep::Propose, ActionStep::Withdraw]
    );
}

#[test]
fn every_status_maps_to_an_oasis_task_outcome() {
    let expect = [
        (ActionStatus::Draft, TaskOutcome::Pending),
        (ActionStatus::Proposed, TaskOutcome::Pending),
        (ActionStatus::Approved, TaskOutcome::Ongoing),
        (ActionStatus::Done, TaskOutcome::Successful),
        (ActionStatus::Failed, TaskOutcome::Failed),
        (ActionStatus::Withdrawn, TaskOutcome::Cancelled),
    ];
    assert_eq!(expect.len(), ActionStatus::ALL.len());
    for (s, o) in expect {
        assert_eq!(s.outcome(), o, "{s}");
    }
    assert_eq!(TaskOutcome::Successful.as_str(), "successful");
}

#[test]
fn drafting_is_for_writers_of_the_case_organisations() {
    assert!(action::may_draft(&actor(21, 2, Role::Analyst)).is_ok());
    assert!(action::may_draft(&actor(41, 4, Role::Analyst)).is_err());
    assert!(action::may_draft(&actor(11, 1, Role::Reader)).is_err());
}

#[test]
fn actions_target_platforms_and_isps_only() {
    use response::Sector;
    for s in Sector::ALL {
        let ok = action::may_target(s).is_ok();
        assert_eq!(ok, matches!(s, Sector::Platform | Sector::Isp), "{s}");
    }
    let why = action::may_target(Sector::Government).unwrap_err();
    assert!(why.contains("government"), "{why}");
}
