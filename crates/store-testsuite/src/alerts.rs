//! Alert cases: groups of organisations, alerts, recipients and their answers (`AlertStore`).

use super::*;
use store::{AlertBox, AlertObjectRef, AlertPageQuery, NewAlert, NewAlertEvent, NewRecipient};

fn orgs(s: &dyn Backend, n: u64) -> Vec<Org> {
    (1..=n)
        .map(|i| s.create_org(&new_org(&format!("org-{i}"), i)).unwrap())
        .collect()
}

fn audit_of(s: &dyn Backend) -> usize {
    s.list_audit(&AuditQuery {
        org_id: None,
        after: 0,
        limit: 10_000,
    })
    .unwrap()
    .len()
}

pub(crate) fn new_alert(id: &str, sender: i64, recipients: &[i64], created: i64) -> NewAlert {
    NewAlert {
        id: id.to_string(),
        sender_org_id: sender,
        sender_user_id: 1,
        title: format!("alert {id}"),
        summary: "a campaign".into(),
        priority: "alert".into(),
        tlp: Tlp::Amber,
        objects: vec![AlertObjectRef {
            collection_id: collection_uuid(1),
            object_id: indicator_id(1),
        }],
        responses: vec!["share indicators".into()],
        respond_by: Some(created + 3600),
        created,
        recipients: recipients
            .iter()
            .map(|o| NewRecipient {
                org_id: *o,
                via_group: None,
                forwarded_by: None,
            })
            .collect(),
    }
}

/// Groups: unique names, members, rename, add and remove, each with its audit record.
pub fn alert_groups(s: &dyn Backend) {
    let o = orgs(s, 3);
    let before = audit_of(s);
    let g = s
        .create_group("G7 RRM", &[o[1].id, o[0].id], 10, &test_audit())
        .unwrap();
    assert_eq!(g.members, vec![o[0].id, o[1].id]);
    assert!(matches!(
        s.create_group("G7 RRM", &[], 11, &test_audit()),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_group("bad", &[9999], 11, &test_audit()),
        Err(StoreError::NotFound(_))
    ));
    assert!(s.group_by_name("bad").unwrap().is_none());
    let g = s
        .set_group_member(g.id, o[2].id, true, &test_audit())
        .unwrap();
    assert_eq!(g.members.len(), 3);
    let g = s
        .set_group_member(g.id, o[0].id, false, &test_audit())
        .unwrap();
    assert_eq!(g.members, vec![o[1].id, o[2].id]);
    let g = s.rename_group(g.id, "EU RAS", &test_audit()).unwrap();
    assert_eq!(s.group_by_name("EU RAS").unwrap(), Some(g.clone()));
    assert_eq!(s.group(g.id).unwrap(), Some(g.clone()));
    assert!(matches!(
        s.rename_group(9999, "x", &test_audit()),
        Err(StoreError::NotFound(_))
    ));
    s.create_group("A first", &[], 12, &test_audit()).unwrap();
    let names: Vec<String> = s
        .list_groups()
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(names, vec!["A first", "EU RAS"]);
    // create, two member changes, rename, create: five records; refusals wrote none.
    assert_eq!(audit_of(s), before + 5);
}

/// Alerts: stored with recipients pending, transitions are compare-and-set, pages are
/// newest first per organisation and side.
pub fn alert_lifecycle(s: &dyn Backend) {
    let o = orgs(s, 3);
    let a = s
        .add_alert(
            &new_alert("a1", o[0].id, &[o[1].id, o[2].id], 100),
            &[test_audit()],
            &[],
        )
        .unwrap();
    assert_eq!(a.objects.len(), 1);
    assert_eq!(a.tlp, Tlp::Amber);
    assert_eq!(a.responses, vec!["share indicators".to_string()]);
    assert_eq!(s.alert("a1").unwrap(), Some(a.clone()));
    assert!(matches!(
        s.add_alert(&new_alert("a1", o[0].id, &[], 101), &[], &[]),
        Err(StoreError::Conflict(_))
    ));
    let rs = s.recipients("a1").unwrap();
    assert_eq!(rs.len(), 2);
    assert!(rs.iter().all(|r| r.state == "pending"));
    let before = audit_of(s);
    let ev = NewAlertEvent {
        alert_id: "a1".into(),
        org_id: o[1].id,
        user_id: 2,
        action: "acknowledge".into(),
        from_state: "pending".into(),
        to_state: "acknowledged".into(),
        rule: "alert.acknowledge".into(),
        comment: "seen".into(),
        at: 200,
    };
    assert!(s.record_transition(&ev, &test_audit(), &[]).unwrap());
    // The same transition again finds the state changed: nothing happens.
    assert!(!s.record_transition(&ev, &test_audit(), &[]).unwrap());
    assert_eq!(audit_of(s), before + 1);
    let r = s.recipient("a1", o[1].id).unwrap().unwrap();
    assert_eq!((r.state.as_str(), r.updated), ("acknowledged", 200));
    let evs = s.events("a1").unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].comment, "seen");
    assert_eq!(evs[0].rule, "alert.acknowledge");

    // Forwarding skips organisations that already are recipients.
    s.add_alert(&new_alert("a2", o[1].id, &[o[2].id], 300), &[], &[])
        .unwrap();
    let added = s
        .add_recipients(
            "a1",
            &[
                NewRecipient {
                    org_id: o[2].id,
                    via_group: None,
                    forwarded_by: Some(o[1].id),
                },
                NewRecipient {
                    org_id: o[1].id,
                    via_group: None,
                    forwarded_by: Some(o[1].id),
                },
            ],
            400,
            &[],
            &[],
        )
        .unwrap();
    assert!(added.is_empty());
    // The inbox of org 3: a2 then a1 (newest first by arrival).
    let page = |org: i64, side, before, limit| {
        s.alert_page(&AlertPageQuery {
            org_id: org,
            side,
            before,
            limit,
        })
        .unwrap()
    };
    let inbox = page(o[2].id, AlertBox::Inbox, None, 10);
    let ids: Vec<&str> = inbox.iter().map(|r| r.alert.id.as_str()).collect();
    assert_eq!(ids, vec!["a2", "a1"]);
    assert!(inbox.iter().all(|r| r.state.as_deref() == Some("pending")));
    let first = page(o[2].id, AlertBox::Inbox, None, 1);
    let rest = page(o[2].id, AlertBox::Inbox, Some(first[0].key), 10);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].alert.id, "a1");
    let sent = page(o[0].id, AlertBox::Sent, None, 10);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].state, None);
    assert!(page(o[0].id, AlertBox::Inbox, None, 10).is_empty());
    assert!(matches!(
        s.add_recipients("nope", &[], 1, &[], &[]),
        Err(StoreError::NotFound(_))
    ));
}

/// Deadlines: unsettled recipients of alerts with a respond-by up to a bound, their sent
/// marks set once each per recipient (compare-and-set), none after the overdue mark.
pub fn alert_deadlines(s: &dyn Backend) {
    let o = orgs(s, 3);
    // Respond-by 100 + 3600 and 200 + 3600; one without.
    s.add_alert(
        &new_alert("d1", o[0].id, &[o[1].id, o[2].id], 100),
        &[],
        &[],
    )
    .unwrap();
    s.add_alert(&new_alert("d2", o[1].id, &[o[2].id], 200), &[], &[])
        .unwrap();
    s.add_alert(
        &NewAlert {
            respond_by: None,
            ..new_alert("d3", o[0].id, &[o[1].id], 50)
        },
        &[],
        &[],
    )
    .unwrap();
    let rows = |until: i64| -> Vec<(String, i64, Vec<String>)> {
        s.deadline_recipients(until, 10)
            .unwrap()
            .into_iter()
            .map(|r| (r.alert.id, r.recipient.org_id, r.sent))
            .collect()
    };
    let row = |id: &str, org: i64, sent: &[&str]| {
        (
            id.to_string(),
            org,
            sent.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(rows(3699), vec![]);
    assert_eq!(
        rows(3700),
        vec![row("d1", o[1].id, &[]), row("d1", o[2].id, &[])]
    );
    assert_eq!(rows(5000).len(), 3);
    assert_eq!(s.deadline_recipients(5000, 2).unwrap().len(), 2, "limit");
    let first = &s.deadline_recipients(5000, 1).unwrap()[0];
    assert_eq!(first.alert, s.alert("d1").unwrap().unwrap());
    assert_eq!(
        first.recipient,
        s.recipient("d1", o[1].id).unwrap().unwrap()
    );

    // A recipient that contributed is settled: no candidate.
    for (from, to) in [("pending", "acknowledged"), ("acknowledged", "contributed")] {
        let ev = NewAlertEvent {
            alert_id: "d1".into(),
            org_id: o[1].id,
            user_id: 2,
            action: "x".into(),
            from_state: from.into(),
            to_state: to.into(),
            rule: "x".into(),
            comment: String::new(),
            at: 300,
        };
        assert!(s.record_transition(&ev, &test_audit(), &[]).unwrap());
    }
    assert_eq!(
        rows(5000),
        vec![row("d1", o[2].id, &[]), row("d2", o[2].id, &[])]
    );

    assert!(s
        .mark_alert_reminder("d1", o[2].id, "reminder", 10)
        .unwrap());
    assert!(
        !s.mark_alert_reminder("d1", o[2].id, "reminder", 11)
            .unwrap(),
        "once"
    );
    assert!(
        s.mark_alert_reminder("d2", o[2].id, "reminder", 10)
            .unwrap(),
        "per alert"
    );
    assert_eq!(
        rows(5000),
        vec![
            row("d1", o[2].id, &["reminder"]),
            row("d2", o[2].id, &["reminder"])
        ]
    );
    assert!(s.mark_alert_reminder("d1", o[2].id, "overdue", 12).unwrap());
    assert!(!s.mark_alert_reminder("d1", o[2].id, "overdue", 12).unwrap());
    assert_eq!(rows(5000), vec![row("d2", o[2].id, &["reminder"])]);
    assert!(matches!(
        s.mark_alert_reminder("d1", o[0].id, "reminder", 1),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.mark_alert_reminder("nope", o[1].id, "reminder", 1),
        Err(StoreError::NotFound(_))
    ));
}
