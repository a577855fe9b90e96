//! The deadline sweep on a fixed clock: `action.due` before the due time, the overdue
//! notice after it to the performing organisation and the owner, each once; nothing for a
//! finished action; proposals past their deadline closed by the tally, audited as the
//! deadline.

use std::sync::Mutex;

use cases::{ActionDeadlineNotice, NewAction, NewProposal, DEADLINE_ACTOR};
use hub::Actor;
use response::action::ActionStep;
use response::deadline::Reminder;
use response::vote::{Ballot, DecisionRule, ProposalStatus};

use crate::common::{open_case, world};

const LEAD: i64 = 600;

#[test]
fn actions_get_a_reminder_then_an_overdue_notice_once_each() {
    let w = world();
    let id = open_case(&w);
    let fr = w.fr.org.id;
    let ca = w.ca.org.id;
    let due = w.now() + 3600;
    let action = |title: &str, org: &str| NewAction {
        title: title.into(),
        description: String::new(),
        counter_id: None,
        performing_org: org.into(),
        target_org: None,
        due: Some(due),
    };
    let late = w
        .cases
        .draft_action(&w.ca, &id, &action("Brief platforms", "gov-fr"))
        .unwrap();
    let finished = w
        .cases
        .draft_action(&w.ca, &id, &action("Rebut", "gov-ca"))
        .unwrap();
    for (p, step) in [
        (&w.ca, ActionStep::Propose),
        (&w.ca2, ActionStep::Approve),
        (&w.ca, ActionStep::Complete),
    ] {
        w.cases.step_action(p, &id, &finished.id, step).unwrap();
    }
    let sent: Mutex<Vec<ActionDeadlineNotice>> = Mutex::new(Vec::new());
    let sweep = |accept: bool| {
        w.cases
            .sweep_deadlines(w.now(), LEAD, &|n| {
                if accept {
                    sent.lock().unwrap().push(n.clone());
                }
                accept
            })
            .unwrap()
    };
    // Before the lead time: nothing.
    assert_eq!(sweep(true).reminders, 0);
    w.advance(3600 - LEAD);
    // A refused message is not marked: the next sweep sends it.
    assert_eq!(sweep(false).failed, 1);
    let s = sweep(true);
    assert_eq!((s.reminders, s.overdue, s.failed), (1, 0, 0));
    assert_eq!(sweep(true).reminders, 0, "once");
    w.advance(LEAD);
    assert_eq!(
        sweep(true).overdue,
        0,
        "at the due time itself the action is on time"
    );
    w.advance(1);
    assert_eq!(sweep(true).overdue, 1);
    w.advance(86_400);
    let s = sweep(true);
    assert_eq!((s.reminders, s.overdue), (0, 0), "once");
    let sent = sent.into_inner().unwrap();
    let got: Vec<(Reminder, &str, Vec<i64>)> = sent
        .iter()
        .map(|n| (n.kind, n.action_id.as_str(), n.notify.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Reminder::Reminder, late.id.as_str(), vec![fr]),
            (Reminder::Overdue, late.id.as_str(), vec![fr, ca]),
        ]
    );
    assert!(sent
        .iter()
        .all(|n| n.case_id == id && n.due == due && n.title == "Brief platforms"));
}

#[test]
fn proposals_past_their_deadline_close_as_the_tally_decides() {
    let w = world();
    let id = open_case(&w);
    let open = |rule| {
        w.cases
            .open_proposal(
                &w.ca,
                &id,
                &NewProposal {
                    text: "We condemn it.".into(),
                    rule,
                    deadline: Some(w.now() + 100),
                },
            )
            .unwrap()
    };
    let adopted = open(DecisionRule::Consensus);
    let failed = open(DecisionRule::Quorum(2));
    let untimed = w
        .cases
        .open_proposal(
            &w.ca,
            &id,
            &NewProposal {
                text: "No deadline.".into(),
                rule: DecisionRule::Consensus,
                deadline: None,
            },
        )
        .unwrap();
    for p in [&adopted, &failed, &untimed] {
        w.cases.vote(&w.fr, &id, &p.id, Ballot::Endorse).unwrap();
    }
    let none = |_: &ActionDeadlineNotice| true;
    w.advance(100);
    assert!(w
        .cases
        .sweep_deadlines(w.now(), LEAD, &none)
        .unwrap()
        .closed
        .is_empty());
    w.advance(1);
    let s = w.cases.sweep_deadlines(w.now(), LEAD, &none).unwrap();
    let closed: Vec<(&str, &str)> = s
        .closed
        .iter()
        .map(|c| (c.proposal_id.as_str(), c.status.as_str()))
        .collect();
    let mut want = vec![
        (adopted.id.as_str(), "adopted"),
        (failed.id.as_str(), "failed"),
    ];
    let mut closed = closed;
    closed.sort();
    want.sort();
    assert_eq!(closed, want);
    assert_eq!(
        w.cases.proposal(&w.jp, &id, &adopted.id).unwrap().status,
        ProposalStatus::Adopted
    );
    assert_eq!(
        w.cases.proposal(&w.jp, &id, &untimed.id).unwrap().status,
        ProposalStatus::Open
    );
    // A second sweep finds nothing left to close.
    assert!(w
        .cases
        .sweep_deadlines(w.now(), LEAD, &none)
        .unwrap()
        .closed
        .is_empty());
    let closes: Vec<(String, String)> =
        w.t.hub
            .audit_log(Actor::User(&w.ca2), 0, 1000)
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "case.vote.close")
            .map(|r| (r.actor, r.target))
            .collect();
    assert_eq!(closes.len(), 2);
    assert!(
        closes.iter().all(|(actor, _)| actor == DEADLINE_ACTOR),
        "{closes:?}"
    );
    assert!(closes
        .iter()
        .any(|(_, t)| t == &format!("case/{id}/vote/{}", adopted.id)));
}
