//! What a passed respond-by or due time means.

use response::action::ActionStatus;
use response::deadline::{self, ActionDue};
use response::Error;

#[test]
fn a_deadline_passes_after_its_second() {
    assert!(!deadline::is_passed(None, i64::MAX));
    assert!(!deadline::is_passed(Some(100), 99));
    assert!(!deadline::is_passed(Some(100), 100));
    assert!(deadline::is_passed(Some(100), 101));
    assert!(deadline::votes_open(Some(100), 100));
    assert!(!deadline::votes_open(Some(100), 101));
}

#[test]
fn a_new_deadline_in_the_past_is_refused() {
    assert_eq!(
        deadline::check_new(100, 100),
        Err(Error::DeadlineInPast { due: 100, now: 100 })
    );
    assert!(deadline::check_new(99, 100).is_err());
    assert!(deadline::check_new(101, 100).is_ok());
}

#[test]
fn recipients_that_have_not_answered_are_overdue() {
    // (org, settled)
    let recipients = [(1, true), (2, false), (3, false)];
    assert!(deadline::overdue_recipients(Some(100), 100, &recipients, |r| r.1).is_empty());
    assert!(deadline::overdue_recipients(None, 1000, &recipients, |r| r.1).is_empty());
    let late = deadline::overdue_recipients(Some(100), 160, &recipients, |r| r.1);
    let orgs: Vec<i64> = late.iter().map(|o| o.item.0).collect();
    assert_eq!(orgs, vec![2, 3]);
    assert!(late.iter().all(|o| o.late_by == 60));
}

#[test]
fn unfinished_actions_past_due_are_overdue_most_late_first() {
    let a = |id, status, due| ActionDue { id, status, due };
    let actions = [
        a(1, ActionStatus::Approved, Some(100)),
        a(2, ActionStatus::Done, Some(50)),
        a(3, ActionStatus::Proposed, Some(40)),
        a(4, ActionStatus::Draft, None),
        a(5, ActionStatus::Withdrawn, Some(10)),
        a(6, ActionStatus::Approved, Some(500)),
        a(7, ActionStatus::Failed, Some(10)),
        a(8, ActionStatus::Draft, Some(100)),
    ];
    let late = deadline::overdue_actions(&actions, 200);
    let ids: Vec<(i64, i64)> = late.iter().map(|o| (o.item.id, o.late_by)).collect();
    assert_eq!(ids, vec![(3, 160), (1, 100), (8, 100)]);
}
