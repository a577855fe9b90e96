//! Notice cases (`NoticeStore`): versions and their one correction each, outbox pages, the
//! inbox position assigned at send in send order, compare-and-set changes that write their
//! audit record and domain events only when they apply, decisions with their conclusion in
//! the same transaction, `puid` look-ups, statement pages, competent authorities, due times.

use store::{Conclusion, DecisionRecord, NewDomainEvent, NoticeChange, NoticeRecord, SentNotice};

use super::*;

fn step(action: &str, target: &str, org: i64) -> NewAudit {
    NewAudit {
        actor: "ana".into(),
        actor_org_id: Some(org),
        action: action.into(),
        target: target.into(),
        target_org_id: Some(org),
        detail: String::new(),
    }
}

fn audited(s: &dyn Backend, org: i64) -> Vec<String> {
    s.list_audit(&AuditQuery {
        org_id: Some(org),
        after: 0,
        limit: 10_000,
    })
    .unwrap()
    .into_iter()
    .map(|e| e.action)
    .filter(|a| a.starts_with("notice."))
    .collect()
}

fn event(id: &str, subject: &str, orgs: &[i64]) -> NewDomainEvent {
    NewDomainEvent {
        id: id.into(),
        domain: "notices".into(),
        kind: "received".into(),
        subject_id: subject.into(),
        payload: "{}".into(),
        orgs: orgs.to_vec(),
        created: 1,
    }
}

/// A draft notice from `sender` to `recipient`.
pub(crate) fn draft(id: &str, sender: i64, recipient: i64, by: i64) -> NoticeRecord {
    NoticeRecord {
        id: id.into(),
        root_id: id.into(),
        version: 1,
        kind: "dsa-art16".into(),
        sender_org_id: sender,
        recipient_org_id: recipient,
        tlp: "AMBER".into(),
        status: "draft".into(),
        content: r#"{"kind":"dsa-art16"}"#.into(),
        created_by: by,
        created: 10,
        updated: 10,
        ..NoticeRecord::default()
    }
}

fn send(s: &dyn Backend, id: &str, org: i64) -> bool {
    s.change_notice(
        &NoticeChange {
            id: id.into(),
            from: "approved".into(),
            to: "sent".into(),
            now: 20,
            sent: Some(SentNotice {
                by: 1,
                frozen: "{}".into(),
                hash: "ab".into(),
            }),
            ..NoticeChange::default()
        },
        &step("notice.send", id, org),
        &[event(&format!("ev-{id}"), id, &[org])],
    )
    .unwrap()
}

fn approve(s: &dyn Backend, id: &str, org: i64) -> bool {
    s.change_notice(
        &NoticeChange {
            id: id.into(),
            from: "draft".into(),
            to: "approved".into(),
            now: 15,
            approved_by: Some(2),
            ..NoticeChange::default()
        },
        &step("notice.approve", id, org),
        &[],
    )
    .unwrap()
}

/// Versions, outbox pages, the compare-and-set with its audit record and events, the inbox.
pub fn notice_records(s: &dyn Backend) {
    let fx = fixture(s);
    let (a, b) = (fx.a.id, fx.b.id);
    s.create_notice(
        &draft("n1", a, b, fx.ua.id),
        &step("notice.create", "n1", a),
    )
    .unwrap();
    assert!(matches!(
        s.create_notice(&draft("n1", a, b, fx.ua.id), &test_audit()),
        Err(StoreError::Conflict(_))
    ));
    s.create_notice(&draft("n2", a, b, fx.ua.id), &test_audit())
        .unwrap();
    let got = s.notice("n1").unwrap().unwrap();
    assert_eq!(got, draft("n1", a, b, fx.ua.id));
    assert_eq!(s.notice("nope").unwrap(), None);

    // The outbox is newest first, in pages by key; another organisation's is empty.
    let page = s.outbox_page(a, None, 1).unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].notice.id, "n2");
    let rest = s.outbox_page(a, Some(page[0].key), 10).unwrap();
    assert_eq!(
        rest.iter()
            .map(|r| r.notice.id.as_str())
            .collect::<Vec<_>>(),
        ["n1"]
    );
    assert!(s.outbox_page(b, None, 10).unwrap().is_empty());

    // A change that expects another status changes nothing and writes no audit or event.
    assert!(!send(s, "n1", a));
    assert!(audited(s, a) == ["notice.create"]);
    assert!(s.claim_domain_events(0, 1000, 100).unwrap().is_empty());
    assert!(approve(s, "n1", a));
    assert!(!approve(s, "n1", a));
    let n1 = s.notice("n1").unwrap().unwrap();
    assert_eq!(
        (n1.status.as_str(), n1.approved_by, n1.inbox_seq),
        ("approved", Some(2), None)
    );

    // Nothing is in the inbox before it is sent; sending assigns positions in send order.
    assert!(s.inbox_page(b, 0, 10).unwrap().is_empty());
    assert!(approve(s, "n2", a));
    assert!(send(s, "n2", a));
    assert!(send(s, "n1", a));
    let inbox = s.inbox_page(b, 0, 10).unwrap();
    assert_eq!(
        inbox.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        ["n2", "n1"]
    );
    let first = inbox[0].inbox_seq.unwrap();
    assert!(inbox[1].inbox_seq.unwrap() > first);
    assert_eq!(
        s.inbox_page(b, first, 10)
            .unwrap()
            .iter()
            .map(|n| n.id.as_str())
            .collect::<Vec<_>>(),
        ["n1"]
    );
    assert!(s.inbox_page(a, 0, 10).unwrap().is_empty());
    let n1 = s.notice("n1").unwrap().unwrap();
    assert_eq!(n1.frozen.as_deref(), Some("{}"));
    assert_eq!(n1.content_hash.as_deref(), Some("ab"));
    assert_eq!((n1.sent_at, n1.sent_by), (Some(20), Some(1)));
    assert_eq!(
        audited(s, a),
        [
            "notice.create",
            "notice.approve",
            "notice.approve",
            "notice.send",
            "notice.send"
        ]
    );
    assert_eq!(s.claim_domain_events(0, 1000, 100).unwrap().len(), 2);

    // Delivery keeps its first time; acknowledgement records its time.
    let deliver = |from: &str, to: &str, now: i64| {
        s.change_notice(
            &NoticeChange {
                id: "n1".into(),
                from: from.into(),
                to: to.into(),
                now,
                delivered: true,
                ..NoticeChange::default()
            },
            &test_audit(),
            &[],
        )
        .unwrap()
    };
    assert!(deliver("sent", "delivered", 30));
    assert!(s
        .change_notice(
            &NoticeChange {
                id: "n1".into(),
                from: "delivered".into(),
                to: "under-review".into(),
                now: 40,
                acknowledged: true,
                ..NoticeChange::default()
            },
            &test_audit(),
            &[],
        )
        .unwrap());
    let n1 = s.notice("n1").unwrap().unwrap();
    assert_eq!(
        (n1.status.as_str(), n1.delivered_at, n1.acknowledged_at),
        ("under-review", Some(30), Some(40))
    );

    // A correction is a new version; a second correction of the same version conflicts.
    let v2 = NoticeRecord {
        version: 2,
        root_id: "n1".into(),
        previous_id: Some("n1".into()),
        ..draft("n1-v2", a, b, fx.ua.id)
    };
    s.create_notice(&v2, &test_audit()).unwrap();
    let again = NoticeRecord {
        id: "n1-v2b".into(),
        ..v2.clone()
    };
    assert!(matches!(
        s.create_notice(&again, &test_audit()),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.versions("n1")
            .unwrap()
            .iter()
            .map(|n| (n.id.as_str(), n.version))
            .collect::<Vec<_>>(),
        [("n1", 1), ("n1-v2", 2)]
    );
}

fn decision(
    notice: &str,
    item: i64,
    outcome: &str,
    puid: Option<&str>,
    a: i64,
    b: i64,
) -> DecisionRecord {
    DecisionRecord {
        notice_id: notice.into(),
        item,
        outcome: outcome.into(),
        statement: puid.map(|p| format!(r#"{{"puid":"{p}"}}"#)),
        puid: puid.map(str::to_string),
        sender_org_id: a,
        recipient_org_id: b,
        decided_by: 7,
        decided_at: 50 + item,
        seq: 0,
    }
}

/// Decisions, the conclusion in their transaction, conflicts, `puid` look-ups, statements.
pub fn notice_decisions(s: &dyn Backend) {
    let fx = fixture(s);
    let (a, b) = (fx.a.id, fx.b.id);
    s.create_notice(&draft("n1", a, b, fx.ua.id), &test_audit())
        .unwrap();
    let conclude_at = |n: usize| {
        move |all: &[DecisionRecord]| {
            (all.len() == n).then(|| Conclusion {
                to: "decided".into(),
                outcome: "partially-actioned".into(),
                audit: step("notice.decided", "n1", b),
                events: vec![event("ev-decided", "n1", &[a])],
            })
        }
    };
    // The wrong status: nothing is stored.
    assert!(!s
        .add_decisions(
            "n1",
            "under-review",
            &[decision("n1", 0, "no-action", None, a, b)],
            &test_audit(),
            &conclude_at(1),
        )
        .unwrap());
    assert!(s.decisions("n1").unwrap().is_empty());
    assert!(matches!(
        s.add_decisions("nope", "draft", &[], &test_audit(), &conclude_at(1)),
        Err(StoreError::NotFound(_))
    ));
    assert!(s
        .add_decisions(
            "n1",
            "draft",
            &[
                decision("n1", 0, "actioned", Some("acc-1"), a, b),
                decision("n1", 2, "no-action", None, a, b),
            ],
            &step("notice.decide", "n1", b),
            &conclude_at(3),
        )
        .unwrap());
    assert_eq!(s.notice("n1").unwrap().unwrap().status, "draft");
    // An item decided twice conflicts, and the whole call is undone.
    assert!(matches!(
        s.add_decisions(
            "n1",
            "draft",
            &[
                decision("n1", 1, "actioned", Some("acc-2"), a, b),
                decision("n1", 0, "no-action", None, a, b),
            ],
            &test_audit(),
            &conclude_at(3),
        ),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.decisions("n1").unwrap().len(), 2);
    assert!(s
        .add_decisions(
            "n1",
            "draft",
            &[decision("n1", 1, "actioned", Some("acc-2"), a, b)],
            &step("notice.decide", "n1", b),
            &conclude_at(3),
        )
        .unwrap());
    let n1 = s.notice("n1").unwrap().unwrap();
    assert_eq!(
        (n1.status.as_str(), n1.outcome.as_deref(), n1.decided_at),
        ("decided", Some("partially-actioned"), Some(51))
    );
    assert_eq!(
        audited(s, b),
        ["notice.decide", "notice.decide", "notice.decided"]
    );
    assert_eq!(
        s.claim_domain_events(0, 1000, 100)
            .unwrap()
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["ev-decided"]
    );
    let items: Vec<i64> = s.decisions("n1").unwrap().iter().map(|d| d.item).collect();
    assert_eq!(items, [0, 1, 2]);
    let by_puid = s.decisions_by_puid("acc-2").unwrap();
    assert_eq!(by_puid.len(), 1);
    assert_eq!((by_puid[0].item, by_puid[0].sender_org_id), (1, a));
    assert!(s.decisions_by_puid("acc-3").unwrap().is_empty());
    // Statements in decision order, paged by seq; only the deciding organisation's.
    let page = s.statements_page(b, 0, 1).unwrap();
    assert_eq!(page[0].puid.as_deref(), Some("acc-1"));
    let next = s.statements_page(b, page[0].seq, 10).unwrap();
    assert_eq!(
        next.iter().map(|d| d.puid.as_deref()).collect::<Vec<_>>(),
        [Some("acc-2")]
    );
    assert!(s.statements_page(a, 0, 10).unwrap().is_empty());
}

/// Competent authorities are set and unset once each, with an audit record per change.
pub fn notice_authorities(s: &dyn Backend) {
    let fx = fixture(s);
    assert!(!s.is_authority(fx.a.id).unwrap());
    assert!(s
        .set_authority(fx.a.id, true, 5, &step("notice.authority", "org", fx.a.id))
        .unwrap());
    assert!(!s.set_authority(fx.a.id, true, 6, &test_audit()).unwrap());
    assert!(s.is_authority(fx.a.id).unwrap());
    assert_eq!(s.authorities().unwrap(), [fx.a.id]);
    assert_eq!(audited(s, fx.a.id), ["notice.authority"]);
    assert!(s.set_authority(fx.a.id, false, 7, &test_audit()).unwrap());
    assert!(!s.set_authority(fx.a.id, false, 8, &test_audit()).unwrap());
    assert!(s.authorities().unwrap().is_empty());
}

/// Notices due: open ones with a respond-by time at or before the bound, soonest first;
/// reminder marks are set once.
pub fn notice_due(s: &dyn Backend) {
    let fx = fixture(s);
    let (a, b) = (fx.a.id, fx.b.id);
    for (id, due) in [("late", Some(100)), ("later", Some(200)), ("none", None)] {
        s.create_notice(
            &NoticeRecord {
                respond_by: due,
                ..draft(id, a, b, fx.ua.id)
            },
            &test_audit(),
        )
        .unwrap();
    }
    let ids = |until| {
        s.notices_due(until, 10)
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(150), ["late"]);
    assert_eq!(ids(250), ["late", "later"]);
    assert!(s
        .change_notice(
            &NoticeChange {
                id: "late".into(),
                from: "draft".into(),
                to: "expired".into(),
                now: 150,
                ..NoticeChange::default()
            },
            &test_audit(),
            &[],
        )
        .unwrap());
    assert_eq!(ids(250), ["later"]);
    assert!(!s.notice_reminded("later", "escalated").unwrap());
    assert!(s.mark_notice_reminder("later", "escalated", 5).unwrap());
    assert!(!s.mark_notice_reminder("later", "escalated", 6).unwrap());
    assert!(s.notice_reminded("later", "escalated").unwrap());
    assert!(!s.notice_reminded("late", "escalated").unwrap());
}

/// Re-checks: stored with their audit record, listed per notice oldest first, an id only once.
pub fn notice_rechecks(s: &dyn Backend) {
    let fx = fixture(s);
    let (a, b) = (fx.a.id, fx.b.id);
    for id in ["r1", "r2"] {
        s.create_notice(&draft(id, a, b, fx.ua.id), &test_audit())
            .unwrap();
    }
    assert!(s.rechecks("r1").unwrap().is_empty());
    let rc = |id: &str, notice: &str, job: Option<&str>, at: i64| store::RecheckRecord {
        id: id.into(),
        notice_id: notice.into(),
        sender_org_id: a,
        job_id: job.map(Into::into),
        result: format!(r#"{{"at":{at}}}"#),
        created_by: fx.ua.id,
        created: at,
    };
    s.add_recheck(
        &rc("c1", "r1", Some("job-1"), 30),
        &step("notice.recheck", "r1", a),
    )
    .unwrap();
    s.add_recheck(&rc("c2", "r1", None, 40), &step("notice.recheck", "r1", a))
        .unwrap();
    s.add_recheck(&rc("c3", "r2", None, 50), &step("notice.recheck", "r2", a))
        .unwrap();
    assert!(matches!(
        s.add_recheck(&rc("c1", "r2", None, 60), &step("notice.recheck", "r2", a)),
        Err(StoreError::Conflict(_))
    ));
    let got = s.rechecks("r1").unwrap();
    assert_eq!(
        got,
        [rc("c1", "r1", Some("job-1"), 30), rc("c2", "r1", None, 40)]
    );
    assert_eq!(s.rechecks("r2").unwrap(), [rc("c3", "r2", None, 50)]);
    // A refused re-check leaves no audit record behind.
    assert_eq!(
        audited(s, a),
        ["notice.recheck", "notice.recheck", "notice.recheck"]
    );
}
