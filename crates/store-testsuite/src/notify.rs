//! Notification cases: webhook subscriptions, e-mail contacts and the outbox (`NotifyStore`).

use store::{AttemptEnd, Channel, ContactRecord, DeliveryStatus, NewDelivery, WebhookRecord};

use super::*;

fn webhook(id: &str, org_id: i64, created: i64) -> WebhookRecord {
    WebhookRecord {
        id: id.to_string(),
        org_id,
        url: format!("https://hooks.example.org/{id}"),
        kinds: vec!["alert.raised".into(), "case.changed".into()],
        secret: format!("whsec_{id}"),
        created_by: "alice".into(),
        created,
    }
}

fn delivery(id: &str, org_id: i64, target: &str, created: i64) -> NewDelivery {
    NewDelivery {
        id: id.to_string(),
        org_id,
        channel: Channel::Webhook,
        target_id: target.to_string(),
        event_id: "e1".into(),
        kind: "alert.raised".into(),
        subject: None,
        body: format!("{{\"delivery\":\"{id}\"}}"),
        created,
    }
}

/// Webhooks and contacts: round trip, per-organisation lists, deletes only in the owning
/// organisation, unique contact addresses per organisation.
pub fn notify_subscriptions(s: &dyn Backend) {
    let fx = fixture(s);
    let w1 = webhook("w1", fx.a.id, 10);
    let w2 = webhook("w2", fx.a.id, 20);
    s.add_webhook(&w2).unwrap();
    s.add_webhook(&w1).unwrap();
    s.add_webhook(&webhook("w3", fx.b.id, 5)).unwrap();
    assert!(matches!(s.add_webhook(&w1), Err(StoreError::Conflict(_))));
    assert_eq!(s.webhook("w1").unwrap(), Some(w1.clone()));
    assert_eq!(s.webhook("nope").unwrap(), None);
    let ids: Vec<String> = s
        .list_webhooks(fx.a.id)
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids, ["w1", "w2"], "oldest first, own organisation only");
    assert!(!s.delete_webhook(fx.b.id, "w1").unwrap(), "another org's");
    assert!(s.delete_webhook(fx.a.id, "w1").unwrap());
    assert_eq!(s.webhook("w1").unwrap(), None);
    assert!(!s.delete_webhook(fx.a.id, "w1").unwrap());

    let c1 = ContactRecord {
        id: "c1".into(),
        org_id: fx.a.id,
        address: "soc@example.org".into(),
        kinds: vec!["*".into()],
        created_by: "alice".into(),
        created: 1,
    };
    s.add_contact(&c1).unwrap();
    let same_address = ContactRecord {
        id: "c2".into(),
        ..c1.clone()
    };
    assert!(matches!(
        s.add_contact(&same_address),
        Err(StoreError::Conflict(_))
    ));
    let other_org = ContactRecord {
        id: "c3".into(),
        org_id: fx.b.id,
        ..c1.clone()
    };
    s.add_contact(&other_org).unwrap();
    assert_eq!(s.contact("c1").unwrap(), Some(c1.clone()));
    assert_eq!(s.list_contacts(fx.a.id).unwrap(), vec![c1]);
    assert!(!s.delete_contact(fx.a.id, "c3").unwrap());
    assert!(s.delete_contact(fx.b.id, "c3").unwrap());
    assert!(s.list_contacts(fx.b.id).unwrap().is_empty());
}

/// The outbox: enqueued rows are claimed when due, oldest first; success, retry and failure
/// are recorded; lists are per organisation, newest first; deleting a webhook deletes its
/// deliveries; finished rows are purged by age.
pub fn notify_outbox(s: &dyn Backend) {
    let fx = fixture(s);
    s.add_webhook(&webhook("w1", fx.a.id, 1)).unwrap();
    s.add_webhook(&webhook("w2", fx.b.id, 1)).unwrap();
    s.enqueue(&[
        delivery("d1", fx.a.id, "w1", 100),
        delivery("d2", fx.a.id, "w1", 200),
        delivery("d3", fx.b.id, "w2", 300),
    ])
    .unwrap();
    // The batch is all or none.
    assert!(s
        .enqueue(&[
            delivery("d4", fx.a.id, "w1", 400),
            delivery("d1", fx.a.id, "w1", 400)
        ])
        .is_err());
    assert_eq!(s.delivery(fx.a.id, "d4").unwrap(), None);

    assert!(
        s.claim_deliveries(50, 1000, 10).unwrap().is_empty(),
        "none due"
    );
    let claimed = s.claim_deliveries(250, 1250, 10).unwrap();
    let ids: Vec<&str> = claimed.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["d1", "d2"], "due ones, oldest first");
    assert!(claimed.iter().all(|d| d.attempts == 1
        && d.lease_until == Some(1250)
        && d.status == DeliveryStatus::Pending));
    assert_eq!(claimed[0].body, "{\"delivery\":\"d1\"}");

    assert!(s.finish_attempt("d1", &AttemptEnd::Delivered, 260).unwrap());
    assert!(
        !s.finish_attempt("d1", &AttemptEnd::Delivered, 270).unwrap(),
        "no longer pending"
    );
    let retry = AttemptEnd::Retry {
        at: 5000,
        error: "HTTP 500".into(),
    };
    assert!(s.finish_attempt("d2", &retry, 260).unwrap());
    let d2 = s.delivery(fx.a.id, "d2").unwrap().unwrap();
    assert_eq!(
        (
            d2.status,
            d2.next_attempt,
            d2.lease_until,
            d2.last_error.as_deref()
        ),
        (DeliveryStatus::Pending, 5000, None, Some("HTTP 500"))
    );
    assert_eq!(s.delivery(fx.b.id, "d2").unwrap(), None, "another org's");

    let claimed = s.claim_deliveries(4000, 100_000, 10).unwrap();
    assert_eq!(claimed.len(), 1, "d3 only: d2 waits for its retry time");
    assert_eq!(claimed[0].id, "d3");
    let claimed = s.claim_deliveries(6000, 7000, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].id.as_str(), claimed[0].attempts), ("d2", 2));
    let failed = AttemptEnd::Failed {
        error: "gave up".into(),
    };
    assert!(s.finish_attempt("d2", &failed, 6100).unwrap());
    assert_eq!(
        s.delivery(fx.a.id, "d2").unwrap().unwrap().status,
        DeliveryStatus::Failed
    );

    let listed: Vec<(String, DeliveryStatus)> = s
        .list_deliveries(fx.a.id, None, 10)
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.status))
        .collect();
    assert_eq!(
        listed,
        [
            ("d2".to_string(), DeliveryStatus::Failed),
            ("d1".to_string(), DeliveryStatus::Delivered)
        ],
        "newest first"
    );
    assert_eq!(s.list_deliveries(fx.a.id, None, 1).unwrap().len(), 1);
    assert_eq!(s.list_deliveries(fx.a.id, Some("w1"), 10).unwrap().len(), 2);
    assert!(
        s.list_deliveries(fx.a.id, Some("w2"), 10)
            .unwrap()
            .is_empty(),
        "b's webhook"
    );
    assert!(s
        .list_deliveries(fx.b.id, Some("w1"), 10)
        .unwrap()
        .is_empty());

    // Finished rows are purged by age; pending ones never are.
    assert_eq!(s.purge_deliveries(6000).unwrap(), 1, "d1 only");
    assert_eq!(s.list_deliveries(fx.a.id, None, 10).unwrap().len(), 1);
    assert_eq!(s.purge_deliveries(i64::MAX).unwrap(), 1, "d2");
    // d3 is still leased and pending: purging leaves it, deleting its webhook removes it.
    assert_eq!(s.list_deliveries(fx.b.id, None, 10).unwrap().len(), 1);
    assert!(s.delete_webhook(fx.b.id, "w2").unwrap());
    assert!(s.list_deliveries(fx.b.id, None, 10).unwrap().is_empty());
}

/// Leases: a claimed row is not claimed again while its lease holds, and is claimed again
/// (same id, one more attempt) once it has run out, as after a crash.
pub fn notify_leases(s: &dyn Backend) {
    let fx = fixture(s);
    s.add_webhook(&webhook("w1", fx.a.id, 1)).unwrap();
    s.enqueue(&[delivery("d1", fx.a.id, "w1", 100)]).unwrap();
    let first = s.claim_deliveries(100, 1100, 10).unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        s.claim_deliveries(1099, 2000, 10).unwrap().is_empty(),
        "leased"
    );
    let again = s.claim_deliveries(1100, 2100, 10).unwrap();
    assert_eq!(again.len(), 1, "the lease ran out");
    assert_eq!(
        (
            again[0].id.as_str(),
            again[0].attempts,
            again[0].body.as_str()
        ),
        ("d1", 2, first[0].body.as_str())
    );
    assert!(s
        .finish_attempt("d1", &AttemptEnd::Delivered, 1200)
        .unwrap());
    assert!(s
        .claim_deliveries(i64::MAX, i64::MAX, 10)
        .unwrap()
        .is_empty());
}
