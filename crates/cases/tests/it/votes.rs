//! Collective responses: one vote per organisation, quorum and consensus, publication.

use cases::CaseError;
use cases::NewProposal;
use response::vote::{Ballot, DecisionRule, Outcome, ProposalStatus};

use crate::common::{invalid_field, open_case, world};

fn proposal(rule: DecisionRule, deadline: Option<i64>) -> NewProposal {
    NewProposal {
        text: "The G7 RRM partners jointly condemn the campaign.".into(),
        rule,
        deadline,
    }
}

#[test]
fn a_quorum_of_two_adopts_and_each_organisation_votes_once() {
    let w = world();
    let id = open_case(&w);
    let p = w
        .cases
        .open_proposal(&w.ca, &id, &proposal(DecisionRule::Quorum(2), None))
        .unwrap();
    assert_eq!((p.status, p.electorate), (ProposalStatus::Open, 3));
    let v = w.cases.vote(&w.ca, &id, &p.id, Ballot::Endorse).unwrap();
    assert_eq!(
        (v.status, v.outcome, v.endorse),
        (ProposalStatus::Open, Outcome::Pending, 1)
    );
    // A second vote by the same organisation, by any of its users, is a conflict.
    for again in [&w.ca, &w.ca2] {
        let err = w.cases.vote(again, &id, &p.id, Ballot::Object).unwrap_err();
        assert!(
            matches!(&err, CaseError::Conflict(m) if m.contains("already voted")),
            "{err}"
        );
    }
    let err = w
        .cases
        .vote(&w.xx, &id, &p.id, Ballot::Endorse)
        .unwrap_err();
    assert!(
        matches!(err, CaseError::NotFound(_)),
        "non-participant: {err}"
    );
    let v = w.cases.vote(&w.fr, &id, &p.id, Ballot::Object).unwrap();
    assert_eq!(v.status, ProposalStatus::Open);
    let v = w.cases.vote(&w.jp, &id, &p.id, Ballot::Endorse).unwrap();
    assert_eq!(
        (v.status, v.outcome),
        (ProposalStatus::Adopted, Outcome::Adopted)
    );
    let orgs: Vec<(&str, Ballot)> = v.votes.iter().map(|x| (x.org.as_str(), x.ballot)).collect();
    assert_eq!(
        orgs,
        [
            ("gov-ca", Ballot::Endorse),
            ("gov-fr", Ballot::Object),
            ("gov-jp", Ballot::Endorse)
        ]
    );

    let err = w.cases.publish_proposal(&w.fr, &id, &p.id).unwrap_err();
    assert!(matches!(err, CaseError::Forbidden(_)), "{err}");
    let v = w.cases.publish_proposal(&w.ca, &id, &p.id).unwrap();
    assert_eq!(v.status, ProposalStatus::Published);
}

#[test]
fn one_objection_fails_a_consensus_and_a_failed_proposal_is_not_published() {
    let w = world();
    let id = open_case(&w);
    let p = w
        .cases
        .open_proposal(&w.ca, &id, &proposal(DecisionRule::Consensus, None))
        .unwrap();
    w.cases.vote(&w.ca, &id, &p.id, Ballot::Endorse).unwrap();
    let v = w.cases.vote(&w.fr, &id, &p.id, Ballot::Object).unwrap();
    assert_eq!(
        (v.status, v.outcome),
        (ProposalStatus::Failed, Outcome::Failed)
    );
    let err = w
        .cases
        .vote(&w.jp, &id, &p.id, Ballot::Endorse)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Transition { current, allowed, .. }
            if current == "failed" && allowed.is_empty()),
        "closed to votes: {err}"
    );
    assert_eq!(err.code(), "invalid_transition");
    let err = w.cases.publish_proposal(&w.ca, &id, &p.id).unwrap_err();
    assert!(
        matches!(&err, CaseError::Transition { current, .. } if current == "failed"),
        "{err}"
    );
}

#[test]
fn after_the_deadline_votes_stop_and_the_votes_cast_decide() {
    let w = world();
    let id = open_case(&w);
    let p = w
        .cases
        .open_proposal(
            &w.ca,
            &id,
            &proposal(DecisionRule::Consensus, Some(w.now() + 60)),
        )
        .unwrap();
    w.cases.vote(&w.fr, &id, &p.id, Ballot::Endorse).unwrap();
    let err = w.cases.close_proposal(&w.ca, &id, &p.id).unwrap_err();
    assert!(
        matches!(&err, CaseError::Conflict(m) | CaseError::Forbidden(m) if m.contains("pending")),
        "{err}"
    );
    w.advance(61);
    let err = w.cases.vote(&w.jp, &id, &p.id, Ballot::Object).unwrap_err();
    assert!(
        matches!(&err, CaseError::Forbidden(m) if m.contains("deadline")),
        "{err}"
    );
    let v = w.cases.close_proposal(&w.jp, &id, &p.id).unwrap();
    assert_eq!(
        (v.status, v.endorse, v.object),
        (ProposalStatus::Adopted, 1, 0)
    );
}

#[test]
fn bad_proposals_name_the_field() {
    let w = world();
    let id = open_case(&w);
    let err = w
        .cases
        .open_proposal(&w.ca, &id, &proposal(DecisionRule::Quorum(4), None))
        .unwrap_err();
    assert_eq!(invalid_field(&err), "rule");
    let err = w
        .cases
        .open_proposal(
            &w.ca,
            &id,
            &proposal(DecisionRule::Consensus, Some(w.now())),
        )
        .unwrap_err();
    assert_eq!(invalid_field(&err), "deadline");
    let err = w
        .cases
        .open_proposal(
            &w.ca,
            &id,
            &NewProposal {
                text: " ".into(),
                ..proposal(DecisionRule::Consensus, None)
            },
        )
        .unwrap_err();
    assert_eq!(invalid_field(&err), "text");
    let err = w
        .cases
        .open_proposal(&w.fr, &id, &proposal(DecisionRule::Consensus, None))
        .unwrap_err();
    assert!(
        matches!(err, CaseError::Forbidden(_)),
        "participants do not open proposals: {err}"
    );
    assert!(w.cases.proposals(&w.ca, &id).unwrap().is_empty());
}
