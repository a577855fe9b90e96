//! Publishing a case as STIX: an OASIS incident and tasks that pass the hub's own checks,
//! only by the owner's writers, only into a collection they may write; a joint statement as
//! a CLEAR note in the operator's statements collection.

use cases::{share, CaseError, NewAction, NewProposal};
use hub::{Actor, ObjectFilter};
use response::action::ActionStep;
use response::vote::{Ballot, DecisionRule};
use test_support::read_all;

use crate::common::{invalid_field, open_case, world};

#[test]
fn a_published_case_is_an_incident_with_tasks_and_refusals_store_nothing() {
    let w = world();
    let id = open_case(&w);
    let a = w
        .cases
        .draft_action(
            &w.ca,
            &id,
            &NewAction {
                title: "Ask the platform to label".into(),
                performing_org: "gov-ca".into(),
                ..NewAction::default()
            },
        )
        .unwrap();
    w.cases
        .step_action(&w.ca, &id, &a.id, ActionStep::Propose)
        .unwrap();
    let count = || read_all(&w.t.hub, &w.ca, &w.shared, &ObjectFilter::default()).len();
    let before = count();
    assert!(matches!(
        w.cases.publish_case(&w.fr, &id, "g7", stix::Tlp::Green),
        Err(CaseError::Forbidden(_))
    ));
    assert!(matches!(
        w.cases
            .publish_case(&w.ca_reader, &id, "g7", stix::Tlp::Green),
        Err(CaseError::Forbidden(_))
    ));
    let e = w
        .cases
        .publish_case(&w.ca, &id, "nope", stix::Tlp::Green)
        .unwrap_err();
    assert_eq!(invalid_field(&e), "collection");
    assert!(matches!(
        w.cases.publish_case(&w.xx, &id, "g7", stix::Tlp::Green),
        Err(CaseError::NotFound(_))
    ));
    assert_eq!(count(), before);
    let out = w
        .cases
        .publish_case(&w.ca, &id, "g7", stix::Tlp::Green)
        .unwrap();
    assert_eq!(out.incident, share::incident_id(&id));
    assert_eq!(out.tasks, vec![share::task_id(&a.id)]);
    let objs = read_all(&w.t.hub, &w.jp, &w.shared, &ObjectFilter::default());
    let incident = objs
        .iter()
        .find(|o| o["id"] == out.incident.as_str())
        .unwrap();
    let task = objs
        .iter()
        .find(|o| o["id"] == out.tasks[0].as_str())
        .unwrap();
    for o in [incident, task] {
        assert!(stix::check_object(o).is_ok(), "{o}");
        assert_eq!(o["object_marking_refs"][0], stix::Tlp::Green.marking_id());
    }
    let core = &incident["extensions"][share::INCIDENT_CORE_EXTENSION_ID];
    assert_eq!(core["investigation_status"], "open");
    assert_eq!(core["extension_type"], "property-extension");
    assert_eq!(task["outcome"], "pending");
    assert_eq!(
        task["extensions"][stix::CASES_EXTENSION_ID]["action_status"],
        "proposed"
    );
    // Publishing again gives new versions: the task follows the action, even when the
    // service's clock runs ahead of the system clock.
    w.advance(30 * 86_400);
    w.cases
        .step_action(&w.ca2, &id, &a.id, ActionStep::Approve)
        .unwrap();
    w.cases
        .publish_case(&w.ca, &id, "g7", stix::Tlp::Green)
        .unwrap();
    let objs = read_all(&w.t.hub, &w.jp, &w.shared, &ObjectFilter::default());
    let task = objs
        .iter()
        .find(|o| o["id"] == out.tasks[0].as_str())
        .unwrap();
    assert_eq!(task["outcome"], "ongoing");
}

#[test]
fn an_adopted_statement_is_published_as_a_clear_note() {
    let mut w = world();
    let statements =
        w.t.hub
            .add_collection(
                Actor::Operator,
                "statements",
                "Statements",
                "",
                Some(stix::Tlp::Clear),
            )
            .unwrap()
            .id;
    w.t.hub
        .grant(Actor::Operator, "gov-xx", "statements", test_support::RO)
        .unwrap();
    w.cases = w.cases.clone().with_statements(Some("statements".into()));
    let id = open_case(&w);
    let v = w
        .cases
        .open_proposal(
            &w.ca,
            &id,
            &NewProposal {
                text: "We condemn it.".into(),
                rule: DecisionRule::Quorum(2),
                deadline: None,
            },
        )
        .unwrap();
    w.cases.vote(&w.fr, &id, &v.id, Ballot::Endorse).unwrap();
    // Not adopted yet: nothing is published.
    assert!(w.cases.publish_proposal(&w.ca, &id, &v.id).is_err());
    assert!(read_all(&w.t.hub, &w.xx, &statements, &ObjectFilter::default()).is_empty());
    w.advance(30 * 86_400);
    w.cases.vote(&w.jp, &id, &v.id, Ballot::Endorse).unwrap();
    let done = w.cases.publish_proposal(&w.ca, &id, &v.id).unwrap();
    assert_eq!(done.status.as_str(), "published");
    let notes = read_all(&w.t.hub, &w.xx, &statements, &ObjectFilter::default());
    assert_eq!(notes.len(), 1);
    let note = &notes[0];
    assert_eq!(note["id"], share::note_id(&v.id).as_str());
    assert_eq!(note["content"], "We condemn it.");
    assert!(stix::check_object(note).is_ok(), "{note}");
    let ext = &note["extensions"][stix::CASES_EXTENSION_ID];
    assert_eq!(ext["decision_rule"], "quorum:2");
    assert_eq!(ext["vote_outcome"], "adopted");
    assert_eq!(ext["endorse"], 2);
}
