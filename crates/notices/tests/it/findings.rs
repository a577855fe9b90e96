//! Re-checks through the service: who may, when, and what is stored.

use notices::{LaterUpload, NewDecision, NoticeError, RecheckRequest};
use response::notice::ItemOutcome;

use crate::fixtures::{art16, env, statement};

#[test]
fn a_recheck_needs_an_actioned_decision_and_the_sender() {
    let e = env();
    let n = e.notices.create(&e.gov, &art16("chirp")).unwrap();
    e.notices.approve(&e.colleague, &n.id).unwrap();
    e.notices.send(&e.gov, &n.id).unwrap();
    let req = RecheckRequest {
        job: Some("later".into()),
        ..RecheckRequest::default()
    };
    // Before a decision: the state does not allow it.
    assert!(matches!(
        e.notices.recheck(&e.gov, &n.id, &req),
        Err(NoticeError::Transition { .. })
    ));
    e.notices.acknowledge(&e.chirp, &n.id).unwrap();
    let decisions: Vec<NewDecision> = (0..3)
        .map(|i| NewDecision {
            item: i,
            outcome: ItemOutcome::NoAction,
            statement: None,
        })
        .collect();
    e.notices.decide(&e.chirp, &n.id, &decisions).unwrap();
    // Decided without any action: nothing to re-check.
    assert!(matches!(
        e.notices.recheck(&e.gov, &n.id, &req),
        Err(NoticeError::Transition { .. })
    ));

    let m = e.notices.create(&e.gov, &art16("chirp")).unwrap();
    e.notices.approve(&e.colleague, &m.id).unwrap();
    e.notices.send(&e.gov, &m.id).unwrap();
    e.notices.acknowledge(&e.chirp, &m.id).unwrap();
    let mut decisions = decisions;
    decisions[0] = NewDecision {
        item: 0,
        outcome: ItemOutcome::Actioned,
        statement: Some(statement("1001")),
    };
    e.notices.decide(&e.chirp, &m.id, &decisions).unwrap();
    // The recipient may not; another organisation does not see the notice.
    assert!(matches!(
        e.notices.recheck(&e.chirp, &m.id, &req),
        Err(NoticeError::Forbidden(_))
    ));
    assert!(matches!(
        e.notices.rechecks(&e.chirp, &m.id),
        Err(NoticeError::Forbidden(_))
    ));
    assert!(matches!(
        e.notices.recheck(&e.other, &m.id, &req),
        Err(NoticeError::NotFound(_))
    ));
    // This service has no detections, and an upload for an account item is refused; nothing
    // is stored.
    let bad = |r: Result<notices::RecheckView, NoticeError>| match r {
        Err(NoticeError::Invalid(m)) => m.into_iter().map(|m| m.field).collect::<Vec<_>>(),
        other => panic!("expected invalid input, got {other:?}"),
    };
    assert_eq!(bad(e.notices.recheck(&e.gov, &m.id, &req)), ["job"]);
    assert_eq!(
        bad(e.notices.recheck(&e.gov, &m.id, &RecheckRequest::default())),
        ["job"]
    );
    let upload = RecheckRequest {
        uploads: vec![LaterUpload {
            item: 0,
            pdq: Some("00".repeat(32)),
            image: None,
        }],
        ..RecheckRequest::default()
    };
    assert_eq!(
        bad(e.notices.recheck(&e.gov, &m.id, &upload)),
        ["uploads.0.item"]
    );
    assert!(e.notices.rechecks(&e.gov, &m.id).unwrap().is_empty());
}
