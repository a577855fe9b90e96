//! Response actions: approval by a second person of the performing organisation only.

use cases::{CaseError, NewAction};
use response::action::{ActionStatus, ActionStep, TaskOutcome};
use response::case::CaseAction;

use crate::common::{invalid_field, open_case, world};

fn new_action(w: &crate::common::World, performing: &str) -> NewAction {
    NewAction {
        title: "Educate high-profile influencers".into(),
        description: "brief the accounts the campaign targets".into(),
        counter_id: Some("C00009".into()),
        performing_org: performing.into(),
        target_org: None,
        due: Some(w.now() + 3600),
    }
}

#[test]
fn a_second_person_of_the_performing_organisation_approves_never_the_author() {
    let w = world();
    let id = open_case(&w);
    let a = w
        .cases
        .draft_action(&w.fr, &id, &new_action(&w, "gov-fr"))
        .unwrap();
    assert_eq!(
        (a.status, a.outcome),
        (ActionStatus::Draft, TaskOutcome::Pending)
    );
    let a = w
        .cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Propose)
        .unwrap();
    assert_eq!(a.proposer_id, Some(w.fr.user.id));

    // The author, another organisation (even the owner) and a stale step are refused.
    let err = w
        .cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Approve)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Forbidden(m) if m.contains("author")),
        "{err}"
    );
    let err = w
        .cases
        .step_action(&w.ca, &id, &a.id, ActionStep::Approve)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Forbidden(m) if m.contains("performing")),
        "{err}"
    );
    assert_eq!(
        w.cases.actions(&w.ca, &id).unwrap()[0].status,
        ActionStatus::Proposed
    );

    let a = w
        .cases
        .step_action(&w.fr2, &id, &a.id, ActionStep::Approve)
        .unwrap();
    assert_eq!(
        (a.status, a.outcome),
        (ActionStatus::Approved, TaskOutcome::Ongoing)
    );
    assert_eq!(a.approver_id, Some(w.fr2.user.id));
    let err = w
        .cases
        .step_action(&w.fr2, &id, &a.id, ActionStep::Approve)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Transition { current, allowed, .. }
            if current == "approved" && allowed.iter().any(|s| s == "done")),
        "{err}"
    );
    let a = w
        .cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Complete)
        .unwrap();
    assert_eq!(
        (a.status, a.outcome),
        (ActionStatus::Done, TaskOutcome::Successful)
    );
}

#[test]
fn the_proposer_does_not_approve_either_and_withdrawn_is_cancelled() {
    let w = world();
    let id = open_case(&w);
    // gov-ca drafts an action for gov-fr; gov-fr's analyst proposes it.
    let a = w
        .cases
        .draft_action(&w.ca, &id, &new_action(&w, "gov-fr"))
        .unwrap();
    let a = w
        .cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Propose)
        .unwrap();
    let err = w
        .cases
        .step_action(&w.fr, &id, &a.id, ActionStep::Approve)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Forbidden(m) if m.contains("proposer")),
        "{err}"
    );
    let a = w
        .cases
        .step_action(&w.ca, &id, &a.id, ActionStep::Withdraw)
        .unwrap();
    assert_eq!(
        (a.status, a.outcome),
        (ActionStatus::Withdrawn, TaskOutcome::Cancelled)
    );
}

#[test]
fn bad_action_input_names_the_field() {
    let w = world();
    let id = open_case(&w);
    let cases = [
        (
            NewAction {
                title: "".into(),
                ..new_action(&w, "gov-fr")
            },
            "title",
        ),
        (new_action(&w, "gov-xx"), "performing_org"),
        (new_action(&w, "gov-zz"), "performing_org"),
        (
            NewAction {
                counter_id: Some("C99999".into()),
                ..new_action(&w, "gov-fr")
            },
            "counter_id",
        ),
        (
            NewAction {
                due: Some(w.now() - 1),
                ..new_action(&w, "gov-fr")
            },
            "due",
        ),
        (
            NewAction {
                target_org: Some("nobody".into()),
                ..new_action(&w, "gov-fr")
            },
            "target_org",
        ),
    ];
    for (a, field) in cases {
        let err = w.cases.draft_action(&w.fr, &id, &a).unwrap_err();
        assert_eq!(invalid_field(&err), field);
    }
    assert!(w.cases.actions(&w.fr, &id).unwrap().is_empty());
    let err = w
        .cases
        .draft_action(&w.xx, &id, &new_action(&w, "gov-fr"))
        .unwrap_err();
    assert!(matches!(err, CaseError::NotFound(_)), "{err}");
}

#[test]
fn an_unfinished_action_past_due_is_overdue_and_a_closed_case_takes_no_steps() {
    let w = world();
    let id = open_case(&w);
    let a = w
        .cases
        .draft_action(&w.jp, &id, &new_action(&w, "gov-jp"))
        .unwrap();
    assert!(!a.overdue);
    w.advance(3601);
    assert!(w.cases.actions(&w.jp, &id).unwrap()[0].overdue);
    w.cases
        .change_status(&w.ca, &id, CaseAction::Close, None)
        .unwrap();
    let err = w
        .cases
        .step_action(&w.jp, &id, &a.id, ActionStep::Propose)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Conflict(m) if m.contains("closed")),
        "{err}"
    );
    let err = w
        .cases
        .draft_action(&w.jp, &id, &new_action(&w, "gov-jp"))
        .unwrap_err();
    assert!(matches!(err, CaseError::Conflict(_)), "{err}");
}

#[test]
fn only_the_author_edits_a_draft() {
    let w = world();
    let id = open_case(&w);
    let a = w
        .cases
        .draft_action(&w.fr, &id, &new_action(&w, "gov-fr"))
        .unwrap();
    let edit = NewAction {
        title: "Brief influencers".into(),
        ..new_action(&w, "gov-fr")
    };
    let err = w.cases.edit_action(&w.fr2, &id, &a.id, &edit).unwrap_err();
    assert!(
        matches!(&err, CaseError::Forbidden(m) if m.contains("author")),
        "{err}"
    );
    let a = w.cases.edit_action(&w.fr, &id, &a.id, &edit).unwrap();
    assert_eq!(a.title, "Brief influencers");
}

#[test]
fn an_action_targets_a_platform_or_an_isp() {
    let w = world();
    let id = open_case(&w);
    w.t.hub
        .add_org(
            hub::Actor::Operator,
            "vidshare",
            "VidShare",
            store::Sector::Platform,
            "us",
        )
        .unwrap();
    let err = w
        .cases
        .draft_action(
            &w.fr,
            &id,
            &NewAction {
                target_org: Some("gov-jp".into()),
                ..new_action(&w, "gov-fr")
            },
        )
        .unwrap_err();
    assert_eq!(invalid_field(&err), "target_org");
    let a = w
        .cases
        .draft_action(
            &w.fr,
            &id,
            &NewAction {
                target_org: Some("vidshare".into()),
                ..new_action(&w, "gov-fr")
            },
        )
        .unwrap();
    assert_eq!(a.target_org.as_deref(), Some("vidshare"));
}
