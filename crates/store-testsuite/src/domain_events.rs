//! Domain event cases: the transactional outbox. Domain events are written with the change they announce
//! (alerts, case status), never by a change that fails or loses its compare-and-set; they are
//! claimed once per lease, and relaying marks them and writes their deliveries in one go.

use store::{NewAlertEvent, NewDelivery, NewDomainEvent, NewRecipient};

use super::*;

fn notice(id: &str, kind: &str, subject: &str, orgs: &[i64], created: i64) -> NewDomainEvent {
    NewDomainEvent {
        id: id.to_string(),
        domain: "alerts".into(),
        kind: kind.to_string(),
        subject_id: subject.to_string(),
        payload: format!("{{\"notice\":\"{id}\"}}"),
        orgs: orgs.to_vec(),
        created,
    }
}

/// The ids of the notices a claim at `now` takes (with a one-second lease).
fn claim(s: &dyn Backend, now: i64) -> Vec<String> {
    s.claim_domain_events(now, now + 1000, 100)
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect()
}

/// Every store write that carries notices writes them in its transaction, and only when it
/// changes something: a conflicting insert, a compare-and-set that loses, an unknown alert
/// write none.
pub fn domain_events_written_with_changes(s: &dyn Backend) {
    let fx = fixture(s);
    let (a, b) = (fx.a.id, fx.b.id);
    let raised = notice("n1", "raised", "a1", &[b], 100);
    s.add_alert(
        &alerts::new_alert("a1", a, &[b], 100),
        &[test_audit()],
        std::slice::from_ref(&raised),
    )
    .unwrap();
    // The same alert id again: a conflict, and its notice is not written.
    assert!(matches!(
        s.add_alert(
            &alerts::new_alert("a1", a, &[], 101),
            &[test_audit()],
            &[notice("n-dup", "raised", "a1", &[b], 101)],
        ),
        Err(StoreError::Conflict(_))
    ));
    let ev = NewAlertEvent {
        alert_id: "a1".into(),
        org_id: b,
        user_id: fx.ub.id,
        action: "acknowledge".into(),
        from_state: "pending".into(),
        to_state: "acknowledged".into(),
        rule: "alert.acknowledge".into(),
        comment: String::new(),
        at: 200,
    };
    assert!(s
        .record_transition(
            &ev,
            &test_audit(),
            &[notice("n2", "answered", "a1", &[a], 200)]
        )
        .unwrap());
    // The same transition loses its compare-and-set: no notice.
    assert!(!s
        .record_transition(
            &ev,
            &test_audit(),
            &[notice("n-lost", "answered", "a1", &[a], 201)]
        )
        .unwrap());
    let c = s.create_org(&new_org("org-c", 3)).unwrap();
    s.add_recipients(
        "a1",
        &[NewRecipient {
            org_id: c.id,
            via_group: None,
            forwarded_by: Some(b),
        }],
        300,
        &[test_audit()],
        &[notice("n3", "forwarded", "a1", &[c.id], 300)],
    )
    .unwrap();
    assert!(matches!(
        s.add_recipients(
            "nope",
            &[],
            301,
            &[],
            &[notice("n-nope", "forwarded", "nope", &[], 301)]
        ),
        Err(StoreError::NotFound(_))
    ));
    s.create_case(
        &cases::case_record("k1", a, fx.ua.id, 10),
        &[b],
        &test_audit(),
    )
    .unwrap();
    let status = |from, to, id: &str| {
        let n = NewDomainEvent {
            domain: "cases".into(),
            ..notice(id, "status", "k1", &[b], 400)
        };
        s.set_case_status("k1", from, to, None, 400, &test_audit(), &[n])
            .unwrap()
    };
    assert!(status("new", "open", "n4"));
    assert!(!status("new", "closed", "n-stale"), "stale");

    let claimed = s.claim_domain_events(1000, 2000, 100).unwrap();
    let ids: Vec<&str> = claimed.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        ids,
        ["n1", "n2", "n3", "n4"],
        "oldest first, only committed changes"
    );
    let first = &claimed[0];
    assert_eq!(
        (
            first.domain.as_str(),
            first.kind.as_str(),
            first.subject_id.as_str()
        ),
        ("alerts", "raised", "a1")
    );
    assert_eq!(first.payload, raised.payload);
    assert_eq!(first.orgs, [b]);
    assert_eq!(
        (first.created, first.attempts, first.relayed),
        (100, 1, None)
    );
    assert_eq!(claimed[3].domain, "cases");
    // A notice id is unique: a second notice with it fails the whole change.
    assert!(s
        .add_alert(&alerts::new_alert("a9", a, &[b], 500), &[], &[raised])
        .is_err());
    assert_eq!(
        s.alert("a9").unwrap(),
        None,
        "the change went with its notice"
    );
}

fn delivery(id: &str, org_id: i64, event: &str) -> NewDelivery {
    NewDelivery {
        id: id.to_string(),
        org_id,
        channel: store::Channel::Webhook,
        target_id: "w1".into(),
        event_id: event.to_string(),
        kind: "alert.raised".into(),
        subject: None,
        body: format!("{{\"event\":\"{event}\"}}"),
        created: 100,
    }
}

/// A notice is claimed once while its lease holds and again after it runs out; relaying
/// writes its deliveries and marks it in one go, once; relayed notices are never claimed and
/// are purged after their time.
pub fn domain_events_claimed_and_relayed(s: &dyn Backend) {
    let fx = fixture(s);
    let (a, b) = (fx.a.id, fx.b.id);
    s.add_webhook(&store::WebhookRecord {
        id: "w1".into(),
        org_id: b,
        url: "https://hooks.example.org/w1".into(),
        kinds: vec!["*".into()],
        secret: "whsec_w1".into(),
        created_by: "bob".into(),
        created: 1,
    })
    .unwrap();
    for (i, id) in ["n1", "n2"].into_iter().enumerate() {
        let alert = format!("a{i}");
        s.add_alert(
            &alerts::new_alert(&alert, a, &[b], 100),
            &[],
            &[notice(id, "raised", &alert, &[b], 100)],
        )
        .unwrap();
    }
    assert_eq!(claim(s, 1000), ["n1", "n2"]);
    assert!(claim(s, 1500).is_empty(), "leased");
    // The relay of n1 died: once the lease ran out it is claimed again, one more attempt.
    let again = s.claim_domain_events(2000, 3000, 1).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id.as_str(), again[0].attempts), ("n1", 2));
    assert!(s
        .relay_domain_event("n1", &[delivery("d1", b, "n1")], 2100)
        .unwrap());
    // Relayed once: a second relay (a duplicate claim) changes nothing and writes nothing.
    assert!(!s
        .relay_domain_event("n1", &[delivery("d1-again", b, "n1")], 2200)
        .unwrap());
    assert!(!s.relay_domain_event("nope", &[], 2200).unwrap());
    let ds = s.list_deliveries(b, None, 10).unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!((ds[0].id.as_str(), ds[0].event_id.as_str()), ("d1", "n1"));
    assert_eq!(ds[0].status, store::DeliveryStatus::Pending);
    // A delivery id already in the outbox is skipped, not a failure.
    assert!(s
        .relay_domain_event(
            "n2",
            &[delivery("d1", b, "n2"), delivery("d2", b, "n2")],
            3100
        )
        .unwrap());
    let mut ids: Vec<String> = s
        .list_deliveries(b, None, 10)
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["d1", "d2"]);
    assert!(
        claim(s, 10_000).is_empty(),
        "relayed notices are never claimed"
    );
    assert_eq!(
        s.purge_domain_events(2500).unwrap(),
        1,
        "n1 was relayed at 2100"
    );
    assert_eq!(s.purge_domain_events(10_000).unwrap(), 1);
    assert_eq!(s.purge_domain_events(10_000).unwrap(), 0);
}
