//! Breach report cases: revisions, compare-and-set changes, both sides' lists, the deadline
//! candidates and the retention purge (`BreachStore`).

use super::*;
use store::{
    BreachActorRef, BreachChange, BreachPageQuery, BreachState, NewBreach, NewDomainEvent,
};

fn audit_of(s: &dyn Backend) -> usize {
    s.list_audit(&AuditQuery {
        org_id: None,
        after: 0,
        limit: 10_000,
    })
    .unwrap()
    .len()
}

fn state(status: &str) -> BreachState {
    BreachState {
        status: status.into(),
        contents: r#"{"nature":"credential stuffing"}"#.into(),
        deferred: vec!["measures".into()],
        delay_reasons: None,
        submitted_at: None,
        escalated_at: None,
        actors: vec![BreachActorRef {
            collection_id: collection_uuid(1),
            object_id: "intrusion-set--10000000-0000-4000-8000-000000000001".into(),
        }],
    }
}

fn new_breach(id: &str, reporter: i64, recipient: i64, aware_at: i64) -> NewBreach {
    NewBreach {
        id: id.into(),
        reporter_org_id: reporter,
        recipient_org_id: recipient,
        created_by: 1,
        regime: "gdpr-art33".into(),
        title: format!("breach {id}"),
        aware_at,
        deadline: Some(aware_at + 72 * 3600),
        state: state("draft"),
        created: aware_at + 10,
    }
}

fn event(id: &str, subject: &str, orgs: Vec<i64>) -> NewDomainEvent {
    NewDomainEvent {
        id: id.into(),
        domain: "breaches".into(),
        kind: "escalated".into(),
        subject_id: subject.into(),
        payload: "{}".into(),
        orgs,
        created: 1,
    }
}

/// A report round-trips, each change is a new revision applied only at the expected one,
/// with its audit record and domain event in the same transaction, and history is kept.
pub fn breach_revisions(s: &dyn Backend) {
    let a = s.create_org(&new_org("platform-a", 1)).unwrap();
    let g = s.create_org(&new_org("gov-b", 2)).unwrap();
    let before = audit_of(s);
    let b = s
        .add_breach(&new_breach("b1", a.id, g.id, 1000), &[test_audit()], &[])
        .unwrap();
    assert_eq!(b.revision, 1);
    assert_eq!(b.state, state("draft"));
    assert_eq!(audit_of(s), before + 1);
    assert!(matches!(
        s.add_breach(&new_breach("b1", a.id, g.id, 1000), &[test_audit()], &[]),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_breach(&new_breach("b2", a.id, 999, 1000), &[test_audit()], &[]),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(audit_of(s), before + 1, "a refused add writes no audit");

    let mut next = state("submitted");
    next.submitted_at = Some(2000);
    next.deferred.clear();
    let change = BreachChange {
        id: "b1".into(),
        expected_revision: 1,
        user_id: Some(1),
        action: "submit".into(),
        rule: "breach.submit".into(),
        state: next.clone(),
        at: 2000,
    };
    assert!(s
        .change_breach(
            &change,
            &[test_audit()],
            &[event("e1", "b1", vec![a.id, g.id])]
        )
        .unwrap());
    assert!(
        !s.change_breach(&change, &[test_audit()], &[event("e2", "b1", vec![])])
            .unwrap(),
        "a stale revision changes nothing"
    );
    assert_eq!(audit_of(s), before + 2);
    let claimed = s.claim_domain_events(5000, 6000, 100).unwrap();
    assert_eq!(
        claimed.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        ["e1"]
    );
    let got = s.breach("b1").unwrap().unwrap();
    assert_eq!((got.revision, got.updated), (2, 2000));
    assert_eq!(got.state, next);
    let revs = s.breach_revisions("b1").unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0].state, state("draft"));
    assert_eq!((revs[1].action.as_str(), revs[1].revision), ("submit", 2));
    assert_eq!(revs[1].state, next);
    assert!(s.breach("nope").unwrap().is_none());
    assert!(s.breach_revisions("nope").unwrap().is_empty());
}

/// Lists hold the reports an organisation made or received, newest first, and no other's;
/// the deadline candidates are the unescalated open ones whose deadline passed.
pub fn breach_pages_and_deadlines(s: &dyn Backend) {
    let a = s.create_org(&new_org("platform-a", 1)).unwrap();
    let c = s.create_org(&new_org("isp-c", 3)).unwrap();
    let g = s.create_org(&new_org("gov-b", 2)).unwrap();
    let h = s.create_org(&new_org("gov-h", 4)).unwrap();
    s.add_breach(&new_breach("b1", a.id, g.id, 1000), &[], &[])
        .unwrap();
    s.add_breach(&new_breach("b2", c.id, g.id, 2000), &[], &[])
        .unwrap();
    s.add_breach(&new_breach("b3", a.id, h.id, 3000), &[], &[])
        .unwrap();
    let page = |org: i64, before: Option<i64>, limit: usize| -> Vec<String> {
        s.breach_page(&BreachPageQuery {
            org_id: org,
            before,
            limit,
        })
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect()
    };
    assert_eq!(page(a.id, None, 10), ["b3", "b1"]);
    assert_eq!(page(g.id, None, 10), ["b2", "b1"]);
    assert_eq!(page(h.id, None, 10), ["b3"]);
    assert_eq!(page(c.id, None, 10), ["b2"]);
    let first = s.breach("b3").unwrap().unwrap();
    assert_eq!(page(a.id, Some(first.seq), 1), ["b1"]);

    let due = |until: i64| -> Vec<String> {
        s.due_breaches(until, 10)
            .unwrap()
            .into_iter()
            .map(|b| b.id)
            .collect()
    };
    assert!(due(1000 + 72 * 3600 - 1).is_empty());
    assert_eq!(due(2000 + 72 * 3600), ["b1", "b2"]);
    // Escalated once: never a candidate again.
    let mut esc = state("escalated");
    esc.escalated_at = Some(9_999_999);
    assert!(s
        .change_breach(
            &BreachChange {
                id: "b1".into(),
                expected_revision: 1,
                user_id: None,
                action: "escalate".into(),
                rule: "breach.escalate".into(),
                state: esc,
                at: 9_999_999,
            },
            &[],
            &[],
        )
        .unwrap());
    assert_eq!(due(i64::MAX), ["b2", "b3"]);
}

/// The retention purge deletes reports (and revisions) older than the cutoff in awareness
/// and last change, with its audit record in the same transaction, and nothing else.
pub fn breach_retention(s: &dyn Backend) {
    let a = s.create_org(&new_org("platform-a", 1)).unwrap();
    let g = s.create_org(&new_org("gov-b", 2)).unwrap();
    s.add_breach(&new_breach("old", a.id, g.id, 1000), &[], &[])
        .unwrap();
    s.add_breach(&new_breach("new", a.id, g.id, 100_000), &[], &[])
        .unwrap();
    let before = audit_of(s);
    let audit = |ids: &[String]| {
        vec![NewAudit {
            detail: ids.join(","),
            ..test_audit()
        }]
    };
    assert!(s.purge_breaches(500, &audit).unwrap().is_empty());
    assert_eq!(audit_of(s), before, "nothing purged, nothing audited");
    assert_eq!(s.purge_breaches(50_000, &audit).unwrap(), ["old"]);
    assert_eq!(audit_of(s), before + 1);
    assert!(s.breach("old").unwrap().is_none());
    assert!(s.breach_revisions("old").unwrap().is_empty());
    assert!(s.breach("new").unwrap().is_some());
}
