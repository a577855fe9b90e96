//! The deadline sweep: a reminder before the respond-by time for a notice not acknowledged,
//! then `escalated` (with its domain event) or, never sent, `expired`; each once.

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use response::notice::NoticeStatus;
use store::NotifyStore;

use crate::fixtures::{art16, env};

#[test]
fn reminders_then_escalation_or_expiry_each_once() {
    let mut e = env();
    let clock = Arc::new(AtomicI64::new(1_900_000_000));
    let c = clock.clone();
    e.notices = e
        .notices
        .clone()
        .with_clock(Arc::new(move || c.load(Ordering::SeqCst)));
    let t0 = clock.load(Ordering::SeqCst);
    let mut new = art16("chirp");
    new.respond_by = Some(t0 + 100);
    let sent = e.notices.create(&e.gov, &new).unwrap();
    e.notices.approve(&e.colleague, &sent.id).unwrap();
    e.notices.send(&e.gov, &sent.id).unwrap();
    let draft = e.notices.create(&e.gov, &new).unwrap();
    let reminded = Cell::new(Vec::new());
    let send = |r: &notices::NoticeReminder| {
        let mut v = reminded.take();
        v.push((r.notice_id.clone(), r.notify.clone()));
        reminded.set(v);
        true
    };
    // Too early for anything; then the reminder, once.
    assert_eq!(
        e.notices
            .sweep_deadlines(t0 + 10, 60, &send)
            .unwrap()
            .reminders,
        0
    );
    assert_eq!(
        e.notices
            .sweep_deadlines(t0 + 50, 60, &send)
            .unwrap()
            .reminders,
        1
    );
    assert_eq!(
        e.notices
            .sweep_deadlines(t0 + 60, 60, &send)
            .unwrap()
            .reminders,
        0
    );
    assert_eq!(
        reminded.take(),
        vec![(sent.id.clone(), vec![e.chirp.org.id])]
    );
    // Past the respond-by time: the sent one escalates, the draft expires, each once.
    clock.store(t0 + 101, Ordering::SeqCst);
    let swept = e.notices.sweep_deadlines(t0 + 101, 60, &send).unwrap();
    assert_eq!((swept.escalated, swept.expired), (1, 1));
    let again = e.notices.sweep_deadlines(t0 + 102, 60, &send).unwrap();
    assert_eq!((again.escalated, again.expired), (0, 0));
    assert_eq!(
        e.notices.show(&e.gov, &sent.id).unwrap().status,
        NoticeStatus::Escalated
    );
    assert_eq!(
        e.notices.show(&e.gov, &draft.id).unwrap().status,
        NoticeStatus::Expired
    );
    let events = e.t.store.claim_domain_events(0, 1_000, 100).unwrap();
    let escalated: Vec<_> = events.iter().filter(|ev| ev.kind == "escalated").collect();
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].orgs, [e.gov.org.id, e.chirp.org.id]);
    // An escalated notice can still be decided; an expired one is final.
    assert!(e.notices.approve(&e.colleague, &draft.id).is_err());
}
