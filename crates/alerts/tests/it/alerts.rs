//! The alerts service over a real hub on SQLite: raising, answers, TLP checks on objects,
//! forwarding, visibility, groups, paging and the audit trail.

use alerts::{Action, AlertError, Alerts, Answer, Forward, NewGroup, ObjectRef, RaiseAlert};
use hub::{Access, Actor, Principal};
use serde_json::Value;
use store::{Role, Tlp};
use test_support::{indicator, marked, new_hub, new_id, org_with_user, with_recipients, TestHub};

struct Env {
    t: TestHub,
    alerts: Alerts,
    a: Principal,
    b: Principal,
    c: Principal,
    collection: String,
}

fn env() -> Env {
    let t = new_hub();
    let a = org_with_user(&t.hub, "gov-a", "ana", Role::Analyst);
    let b = org_with_user(&t.hub, "gov-b", "bob", Role::Analyst);
    let c = org_with_user(&t.hub, "gov-c", "cat", Role::Analyst);
    let col = t
        .hub
        .add_collection(Actor::Operator, "threats", "Threats", "", None)
        .unwrap();
    for org in ["gov-a", "gov-b", "gov-c"] {
        t.hub
            .grant(
                Actor::Operator,
                org,
                "threats",
                Access {
                    read: true,
                    write: true,
                },
            )
            .unwrap();
    }
    let alerts = Alerts::new(t.hub.clone(), t.store.clone());
    Env {
        t,
        alerts,
        a,
        b,
        c,
        collection: col.id,
    }
}

fn store_object(e: &Env, obj: Value) -> String {
    let id = obj["id"].as_str().unwrap().to_string();
    let status = e.t.hub.add_objects(&e.a, &e.collection, vec![obj]).unwrap();
    assert_eq!(status.success_count, 1, "{status:?}");
    id
}

fn raise(
    e: &Env,
    tlp: &str,
    objects: &[String],
    to: &[&str],
) -> Result<alerts::AlertView, AlertError> {
    e.alerts.raise(
        &e.a,
        &RaiseAlert {
            title: "Coordinated campaign".into(),
            summary: "Accounts amplifying a forged document".into(),
            tlp: Some(tlp.into()),
            objects: objects
                .iter()
                .map(|id| ObjectRef {
                    collection: e.collection.clone(),
                    id: id.clone(),
                })
                .collect(),
            recipients: to.iter().map(|s| s.to_string()).collect(),
            responses: vec!["share indicators".into()],
            respond_by: Some("2099-01-01T00:00:00Z".into()),
            ..RaiseAlert::default()
        },
    )
}

fn audit_len(e: &Env) -> usize {
    e.t.hub.audit_log(Actor::Operator, 0, 1000).unwrap().len()
}

#[test]
fn raise_acknowledge_contribute_decline() {
    let e = env();
    let obj = store_object(&e, marked(indicator(&new_id("indicator"), 1), Tlp::Amber));
    let v = raise(&e, "AMBER", &[obj], &["gov-b", "gov-c"]).unwrap();
    assert_eq!(v.recipients.len(), 2);
    assert!(v.recipients.iter().all(|r| r.state == "pending"));
    assert!(!v.forwardable);

    let ok = |p: &Principal, a| {
        e.alerts.answer(
            p,
            &v.id,
            a,
            &Answer {
                comment: "noted".into(),
            },
        )
    };
    let v2 = ok(&e.b, Action::Acknowledge).unwrap();
    assert_eq!(v2.events.last().unwrap().rule, "alert.acknowledge");
    ok(&e.b, Action::Contribute).unwrap();
    ok(&e.c, Action::Acknowledge).unwrap();
    let v3 = ok(&e.c, Action::Decline).unwrap();
    let states: Vec<(&str, &str)> = v3
        .recipients
        .iter()
        .map(|r| (r.org.as_str(), r.state.as_str()))
        .collect();
    assert_eq!(
        states,
        vec![("gov-b", "contributed"), ("gov-c", "declined")]
    );
    assert_eq!(v3.events.len(), 4);
    assert!(v3.events.iter().all(|ev| ev.comment == "noted"));
}

#[test]
fn forbidden_transitions_change_nothing() {
    let e = env();
    let v = raise(&e, "GREEN", &[], &["gov-b"]).unwrap();
    let reader = org_with_user(&e.t.hub, "gov-b", "rita", Role::Reader);
    let before = audit_len(&e);
    // Contribute before acknowledging: 409-style refusal with the state and allowed actions.
    match e
        .alerts
        .answer(&e.b, &v.id, Action::Contribute, &Answer::default())
    {
        Err(AlertError::Transition {
            current, allowed, ..
        }) => {
            assert_eq!(current, "pending");
            assert_eq!(allowed, vec!["acknowledge".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    // The sender cannot answer for a recipient.
    let err = e
        .alerts
        .answer(&e.a, &v.id, Action::Acknowledge, &Answer::default())
        .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    // A non-recipient does not see the alert at all.
    let err = e
        .alerts
        .answer(&e.c, &v.id, Action::Acknowledge, &Answer::default())
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert_eq!(e.alerts.alert(&e.c, &v.id).unwrap_err().code(), "not_found");
    assert_eq!(
        e.alerts.alert(&e.c, "no-such").unwrap_err().code(),
        "not_found"
    );
    // A reader of the recipient cannot answer.
    let err = e
        .alerts
        .answer(&reader, &v.id, Action::Acknowledge, &Answer::default())
        .unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert_eq!(audit_len(&e), before);
    let after = e.alerts.alert(&e.b, &v.id).unwrap();
    assert_eq!(after.recipients[0].state, "pending");
    assert!(after.events.is_empty());
}

#[test]
fn red_objects_need_every_recipient_named() {
    let e = env();
    let b_identity = e.t.hub.org_by_slug("gov-b").unwrap().unwrap().identity_id;
    let red = store_object(
        &e,
        with_recipients(
            marked(indicator(&new_id("indicator"), 1), Tlp::Red),
            &[b_identity],
        ),
    );
    assert!(raise(&e, "RED", std::slice::from_ref(&red), &["gov-b"]).is_ok());
    match raise(&e, "RED", std::slice::from_ref(&red), &["gov-b", "gov-c"]) {
        Err(AlertError::NotVisible(blocked)) => {
            assert_eq!(blocked.len(), 1);
            assert_eq!(blocked[0].object, red);
            assert_eq!(blocked[0].org, "gov-c");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn objects_a_recipient_cannot_read_or_that_do_not_exist_are_refused() {
    let e = env();
    let private =
        e.t.hub
            .add_collection(Actor::Operator, "private", "Private", "", None)
            .unwrap();
    e.t.hub
        .grant(
            Actor::Operator,
            "gov-a",
            "private",
            Access {
                read: true,
                write: true,
            },
        )
        .unwrap();
    let obj = indicator(&new_id("indicator"), 1);
    let id = obj["id"].as_str().unwrap().to_string();
    e.t.hub.add_objects(&e.a, &private.id, vec![obj]).unwrap();
    let err = e
        .alerts
        .raise(
            &e.a,
            &RaiseAlert {
                title: "t".into(),
                objects: vec![ObjectRef {
                    collection: "private".into(),
                    id: id.clone(),
                }],
                recipients: vec!["gov-b".into()],
                ..RaiseAlert::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, AlertError::NotVisible(ref b) if b[0].org == "gov-b"),
        "{err}"
    );
    let unknown = new_id("indicator");
    let err = raise(&e, "AMBER", &[unknown], &["gov-b"]).unwrap_err();
    match err {
        AlertError::Invalid { field, .. } => assert_eq!(field, "objects[0]"),
        other => panic!("{other:?}"),
    }
    // Nothing was stored.
    assert!(e.alerts.sent(&e.a, None, None).unwrap().alerts.is_empty());
}

#[test]
fn respond_by_in_the_past_is_refused() {
    let e = env();
    let err = e
        .alerts
        .raise(
            &e.a,
            &RaiseAlert {
                title: "t".into(),
                recipients: vec!["gov-b".into()],
                respond_by: Some("2001-01-01T00:00:00Z".into()),
                ..RaiseAlert::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, AlertError::Invalid { ref field, .. } if field == "respond_by"),
        "{err}"
    );
}

#[test]
fn forwarding_follows_tlp() {
    let e = env();
    for (tlp, may) in [
        ("CLEAR", true),
        ("GREEN", true),
        ("AMBER", false),
        ("AMBER+STRICT", false),
        ("RED", false),
    ] {
        let v = raise(&e, tlp, &[], &["gov-b"]).unwrap();
        let out = e.alerts.forward(
            &e.b,
            &v.id,
            &Forward {
                recipients: vec!["gov-c".into()],
                groups: vec![],
            },
        );
        assert_eq!(out.is_ok(), may, "{tlp}: {out:?}");
        let seen = e.alerts.alert(&e.c, &v.id);
        assert_eq!(seen.is_ok(), may, "{tlp}");
        if may {
            let r = out.unwrap().recipients;
            assert_eq!(r[1].forwarded_by.as_deref(), Some("gov-b"));
        }
    }
}

#[test]
fn groups_expand_at_raising_and_only_the_operator_maintains_them() {
    let e = env();
    let g = e
        .alerts
        .create_group(
            Actor::Operator,
            &NewGroup {
                name: "G7 RRM".into(),
                members: vec!["gov-a".into(), "gov-b".into()],
            },
        )
        .unwrap();
    assert_eq!(g.members, vec!["gov-a", "gov-b"]);
    assert_eq!(
        e.alerts
            .create_group(
                Actor::User(&e.a),
                &NewGroup {
                    name: "x".into(),
                    members: vec![]
                }
            )
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let v = e
        .alerts
        .raise(
            &e.a,
            &RaiseAlert {
                title: "t".into(),
                groups: vec!["G7 RRM".into()],
                ..RaiseAlert::default()
            },
        )
        .unwrap();
    // The sender is left out of its own group.
    assert_eq!(v.recipients.len(), 1);
    assert_eq!(v.recipients[0].via_group.as_deref(), Some("G7 RRM"));
    // Adding a member later does not change alerts already raised.
    e.alerts
        .set_member(Actor::Operator, "G7 RRM", "gov-c", true)
        .unwrap();
    assert_eq!(e.alerts.alert(&e.c, &v.id).unwrap_err().code(), "not_found");
    let g = e
        .alerts
        .rename_group(Actor::Operator, &g.id.to_string(), "EU RAS")
        .unwrap();
    assert_eq!(g.name, "EU RAS");
    assert_eq!(e.alerts.list_groups().unwrap().len(), 1);
}

#[test]
fn inbox_pages_newest_first_with_cursors_bound_to_the_caller() {
    let e = env();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(raise(&e, "GREEN", &[], &["gov-b"]).unwrap().id);
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = e.alerts.inbox(&e.b, Some(2), cursor.as_deref()).unwrap();
        seen.extend(page.alerts.iter().map(|a| a.id.clone()));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let page = e.alerts.inbox(&e.b, Some(2), None).unwrap();
    let next = page.next.unwrap();
    // Another caller cannot use the cursor.
    assert_eq!(
        e.alerts
            .inbox(&e.c, Some(2), Some(&next))
            .unwrap_err()
            .code(),
        "bad_cursor"
    );
    assert_eq!(e.alerts.sent(&e.a, None, None).unwrap().alerts.len(), 5);
    assert!(e.alerts.inbox(&e.a, None, None).unwrap().alerts.is_empty());
}

/// The deadline sweep with a fixed `now`: a reminder before the respond-by time and an
/// overdue notice after it (also to the sender) for each recipient that owes an answer,
/// once each; nothing for one that contributed; a refused message is sent again.
#[test]
fn deadline_sweep_reminds_then_escalates_once_per_recipient() {
    use alerts::{AlertDeadlineNotice, Reminder};
    use std::sync::Mutex;
    // 2099-01-01T00:00:00Z, the respond-by time `raise` sets.
    const DUE: i64 = 4_070_908_800;
    const LEAD: i64 = 3600;
    let e = env();
    let v = raise(&e, "RED", &[], &["gov-b", "gov-c"]).unwrap();
    for a in [Action::Acknowledge, Action::Contribute] {
        e.alerts.answer(&e.c, &v.id, a, &Answer::default()).unwrap();
    }
    let sent: Mutex<Vec<AlertDeadlineNotice>> = Mutex::new(Vec::new());
    let sweep = |now: i64, accept: bool| {
        e.alerts
            .sweep_deadlines(now, LEAD, &|n| {
                if accept {
                    sent.lock().unwrap().push(n.clone());
                }
                accept
            })
            .unwrap()
    };
    assert_eq!(sweep(DUE - LEAD - 1, true), alerts::AlertSweep::default());
    assert_eq!(sweep(DUE - LEAD, false).failed, 1, "refused: not marked");
    let s = sweep(DUE - LEAD + 5, true);
    assert_eq!((s.reminders, s.overdue), (1, 0));
    assert_eq!(sweep(DUE, true).reminders, 0, "once");
    assert_eq!(sweep(DUE + 1, true).overdue, 1);
    assert_eq!(sweep(DUE + 86_400, true), alerts::AlertSweep::default());
    let sent = sent.into_inner().unwrap();
    let got: Vec<(Reminder, &str, Vec<i64>)> = sent
        .iter()
        .map(|n| (n.kind, n.recipient.as_str(), n.notify.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Reminder::Reminder, "gov-b", vec![e.b.org.id]),
            (Reminder::Overdue, "gov-b", vec![e.b.org.id, e.a.org.id]),
        ]
    );
    assert!(sent.iter().all(|n| n.alert_id == v.id
        && n.tlp == "RED"
        && n.sender == "gov-a"
        && n.respond_by == DUE));
}

#[test]
fn every_committed_change_stores_its_notice_and_refusals_store_none() {
    let e = env();
    let a = raise(&e, "GREEN", &[], &["gov-b"]).unwrap();
    let ack = |p: &Principal| {
        e.alerts
            .answer(p, &a.id, Action::Acknowledge, &Answer::default())
    };
    assert!(ack(&e.a).is_err(), "the sender may not answer");
    ack(&e.b).unwrap();
    assert!(ack(&e.b).is_err(), "acknowledged already");
    let to_c = Forward {
        recipients: vec!["gov-c".into()],
        ..Forward::default()
    };
    e.alerts.forward(&e.b, &a.id, &to_c).unwrap();
    assert!(
        e.alerts.forward(&e.b, &a.id, &to_c).is_err(),
        "a recipient already"
    );
    let notices =
        store::NotifyStore::claim_domain_events(&*e.t.store, 1 << 50, 1 << 51, 100).unwrap();
    let got: Vec<(&str, &str, Vec<i64>)> = notices
        .iter()
        .map(|n| (n.domain.as_str(), n.kind.as_str(), n.orgs.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (alerts::EVENT_DOMAIN, "raised", vec![e.b.org.id]),
            (alerts::EVENT_DOMAIN, "answered", vec![e.a.org.id]),
            (alerts::EVENT_DOMAIN, "forwarded", vec![e.c.org.id]),
        ]
    );
    let answered: alerts::AlertChange = serde_json::from_str(&notices[1].payload).unwrap();
    assert_eq!(answered.alert_id, a.id);
    assert_eq!(answered.sender, "gov-a");
    assert_eq!(
        answered.answer,
        Some(("gov-b".to_string(), "acknowledged".to_string()))
    );
    assert!(notices.iter().all(|n| n.subject_id == a.id));
}
