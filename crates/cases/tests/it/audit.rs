//! Every case step that applies leaves its record in the audit log, filed under the case
//! owner; a refused step leaves none.

use cases::{NewAction, NewProposal};
use hub::Actor;
use response::action::ActionStep;
use response::case::CaseAction;
use response::vote::{Ballot, DecisionRule};

use crate::common::{open_case, world, World};

/// The case steps the owner's admin reads in the audit log: (actor, action, target).
fn case_steps(w: &World) -> Vec<(String, String, String)> {
    w.t.hub
        .audit_log(Actor::User(&w.ca2), 0, 1000)
        .unwrap()
        .into_iter()
        .filter(|r| r.action.starts_with("case."))
        .map(|r| {
            assert_eq!(r.target_org.as_deref(), Some("gov-ca"), "{r:?}");
            (r.actor, r.action, r.target)
        })
        .collect()
}

fn step(actor: &str, action: &str, target: String) -> (String, String, String) {
    (actor.to_string(), action.to_string(), target)
}

#[test]
fn each_case_action_and_vote_step_is_audited_under_the_owner_and_refusals_are_not() {
    let w = world();
    let id = open_case(&w);
    let case = format!("case/{id}");
    w.cases
        .add_participant(&w.ca, &id, "gov-xx")
        .expect("add gov-xx");
    w.cases
        .remove_participant(&w.ca, &id, "gov-xx")
        .expect("remove gov-xx");
    let a = w
        .cases
        .draft_action(
            &w.fr,
            &id,
            &NewAction {
                title: "Brief the platforms".into(),
                performing_org: "gov-fr".into(),
                ..NewAction::default()
            },
        )
        .unwrap();
    let action = format!("case/{id}/action/{}", a.id);
    w.cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Propose)
        .unwrap();
    // The author may not approve their own proposal: refused, so not audited.
    assert!(w
        .cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Approve)
        .is_err());
    w.cases
        .step_action(&w.fr2, &id, &a.id, ActionStep::Approve)
        .unwrap();
    w.cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Complete)
        .unwrap();
    let p = w
        .cases
        .open_proposal(
            &w.ca,
            &id,
            &NewProposal {
                text: "We jointly condemn the campaign.".into(),
                rule: DecisionRule::Quorum(2),
                deadline: None,
            },
        )
        .unwrap();
    let vote = format!("case/{id}/vote/{}", p.id);
    w.cases.vote(&w.ca, &id, &p.id, Ballot::Endorse).unwrap();
    // A second vote of the same organisation is refused, so not audited.
    assert!(w.cases.vote(&w.ca2, &id, &p.id, Ballot::Object).is_err());
    w.cases.vote(&w.jp, &id, &p.id, Ballot::Endorse).unwrap();
    w.cases.publish_proposal(&w.ca, &id, &p.id).unwrap();
    // A participant may not close the case: refused, so not audited.
    assert!(w
        .cases
        .change_status(&w.fr, &id, CaseAction::Close, None)
        .is_err());
    w.cases
        .change_status(&w.ca, &id, CaseAction::Close, None)
        .unwrap();
    w.cases
        .change_status(&w.ca, &id, CaseAction::Reopen, Some("new evidence"))
        .unwrap();

    assert_eq!(
        case_steps(&w),
        vec![
            step("ca-ana", "case.create", case.clone()),
            step("ca-ana", "case.open", case.clone()),
            step("ca-ana", "case.participant.add", case.clone()),
            step("ca-ana", "case.participant.remove", case.clone()),
            step("fr-ana", "case.action.draft", action.clone()),
            step("fr-ana", "case.action.propose", action.clone()),
            step("fr-ana2", "case.action.approve", action.clone()),
            step("fr-ana", "case.action.done", action),
            step("ca-ana", "case.vote.open", vote.clone()),
            step("ca-ana", "case.vote.ballot", vote.clone()),
            step("jp-ana", "case.vote.ballot", vote.clone()),
            step("jp-ana", "case.vote.close", vote.clone()),
            step("ca-ana", "case.vote.publish", vote),
            step("ca-ana", "case.close", case.clone()),
            step("ca-ana", "case.reopen", case),
        ]
    );
}
