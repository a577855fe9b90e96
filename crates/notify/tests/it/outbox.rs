//! The outbox through the service: what `emit` writes, what the workers send, how failures
//! are retried and how a claim that never finished is sent again.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::{
    sign, Event, NewContact, NewWebhook, Notifier, NotifyConfig, Outgoing, RetryPolicy, SendError,
    Subject, Transport,
};
use store::{NotifyStore, Role, Tlp};
use test_support::{new_hub, org_with_user};

/// A transport that records what it is given and answers from a script (then `Ok`).
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<Outgoing>>,
    script: Mutex<Vec<Result<(), SendError>>>,
}

impl Transport for Recorder {
    fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        self.sent.lock().unwrap().push(message.clone());
        let mut script = self.script.lock().unwrap();
        if script.is_empty() {
            Ok(())
        } else {
            script.remove(0)
        }
    }
}

fn config() -> NotifyConfig {
    NotifyConfig {
        public_url: "https://hub.example.org".into(),
        retry: RetryPolicy {
            base: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_attempts: 3,
        },
        lease: Duration::from_millis(200),
        ..NotifyConfig::default()
    }
}

fn alert(tlp: Tlp) -> Event {
    Event::AlertRaised {
        alert: Subject {
            id: "alert-7".into(),
            tlp,
            title: "Operation Nightjar".into(),
            summary: Some("Three accounts amplify one outlet".into()),
        },
        priority: "alert".into(),
        from_org: "gov-ca".into(),
        respond_by: None,
    }
}

fn hook(url: &str, events: &[&str]) -> NewWebhook {
    NewWebhook {
        url: url.into(),
        events: events.iter().map(|s| s.to_string()).collect(),
    }
}

fn drain(n: &Notifier, t: &dyn Transport) -> usize {
    let mut count = 0;
    while n.deliver_one(t).unwrap() {
        count += 1;
    }
    count
}

#[test]
fn emit_writes_one_delivery_per_matching_subscription_and_signs_it() {
    let th = new_hub();
    let a = org_with_user(&th.hub, "gov-a", "admin-a", Role::Admin);
    let b = org_with_user(&th.hub, "gov-b", "admin-b", Role::Admin);
    let n = Notifier::new(th.store.clone(), config());
    let wa = n
        .create_webhook(&a, &hook("https://a.example.org/h", &["alert.raised"]))
        .unwrap();
    n.create_webhook(&a, &hook("https://a.example.org/cases", &["case.changed"]))
        .unwrap();
    n.create_webhook(&b, &hook("http://127.0.0.1:9/h", &["*"]))
        .unwrap();
    n.create_contact(
        &b,
        &NewContact {
            address: "soc@b.example.org".into(),
            events: vec!["alert.raised".into()],
        },
    )
    .unwrap();

    let ids = n
        .emit(&alert(Tlp::Amber), &[a.org.id, b.org.id, a.org.id])
        .unwrap();
    assert_eq!(
        ids.len(),
        3,
        "a's alert hook, b's wildcard hook, b's contact"
    );
    let t = Recorder::default();
    assert_eq!(drain(&n, &t), 3);
    let sent = t.sent.lock().unwrap().clone();
    let to_a = sent
        .iter()
        .find_map(|m| match m {
            Outgoing::Webhook { url, headers, body } if url == "https://a.example.org/h" => {
                Some((headers.clone(), body.clone()))
            }
            _ => None,
        })
        .expect("a's webhook got it");
    let header = |name: &str| {
        to_a.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let now = notify::now_millis() / 1000;
    sign::verify(
        &wa.secret,
        &header(sign::SIGNATURE_HEADER),
        to_a.1.as_bytes(),
        now,
        60,
    )
    .expect("signed with the webhook's secret");
    assert!(ids.contains(&header(sign::DELIVERY_HEADER)));
    assert_eq!(header(sign::EVENT_HEADER), "alert.raised");
    assert!(
        to_a.1.contains("Operation Nightjar"),
        "AMBER carries the title"
    );
    let mail = sent
        .iter()
        .find_map(|m| match m {
            Outgoing::Email {
                to, subject, text, ..
            } => Some((to.clone(), subject.clone(), text.clone())),
            _ => None,
        })
        .expect("the contact got an e-mail");
    assert_eq!(mail.0, "soc@b.example.org");
    assert!(mail.1.contains("TLP:AMBER") && mail.1.contains("Nightjar"));
    // Every delivery is recorded as delivered, in its own organisation only.
    let listed = n.list_deliveries(&b, None, 10).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|d| d.status == "delivered" && d.attempts == 1));
    assert_eq!(n.list_deliveries(&a, None, 10).unwrap().len(), 1);
}

#[test]
fn red_and_amber_strict_events_carry_no_title_or_summary() {
    let th = new_hub();
    let a = org_with_user(&th.hub, "gov-a", "admin-a", Role::Admin);
    let n = Notifier::new(th.store.clone(), config());
    n.create_webhook(&a, &hook("https://a.example.org/h", &["*"]))
        .unwrap();
    n.create_contact(
        &a,
        &NewContact {
            address: "soc@a.example.org".into(),
            events: vec!["*".into()],
        },
    )
    .unwrap();
    for tlp in [Tlp::Red, Tlp::AmberStrict] {
        n.emit(&alert(tlp), &[a.org.id]).unwrap();
    }
    let t = Recorder::default();
    assert_eq!(drain(&n, &t), 4);
    for m in t.sent.lock().unwrap().iter() {
        let text = match m {
            Outgoing::Webhook { body, .. } => body.clone(),
            Outgoing::Email { subject, text, .. } => format!("{subject}\n{text}"),
        };
        for secret in ["Nightjar", "amplify", "gov-ca"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert!(
            text.contains("https://hub.example.org/api/v1/alerts/alert-7"),
            "{text}"
        );
        assert!(text.contains("alert.raised"), "{text}");
    }
}

#[test]
fn failures_are_retried_then_failed() {
    let th = new_hub();
    let a = org_with_user(&th.hub, "gov-a", "admin-a", Role::Admin);
    let n = Notifier::new(th.store.clone(), config());
    let w = n
        .create_webhook(&a, &hook("https://a.example.org/h", &["*"]))
        .unwrap();
    // 500, then 200: delivered on the second attempt.
    let t = Recorder::default();
    t.script
        .lock()
        .unwrap()
        .push(Err(SendError::transient("HTTP 500")));
    let d = n.ping(&a, &w.webhook.id).unwrap();
    assert_eq!((d.status, d.attempts), ("pending", 0));
    assert_eq!(drain(&n, &t), 2);
    let d = n
        .list_deliveries(&a, Some(&w.webhook.id), 1)
        .unwrap()
        .remove(0);
    assert_eq!(
        (d.status, d.attempts, d.last_error.as_deref()),
        ("delivered", 2, Some("HTTP 500"))
    );

    // Three failures: failed after the third attempt (max_attempts = 3).
    let t = Recorder::default();
    for _ in 0..3 {
        t.script
            .lock()
            .unwrap()
            .push(Err(SendError::transient("HTTP 503")));
    }
    n.ping(&a, &w.webhook.id).unwrap();
    assert_eq!(drain(&n, &t), 3);
    let d = n.list_deliveries(&a, None, 1).unwrap().remove(0);
    assert_eq!((d.status, d.attempts), ("failed", 3));

    // A permanent failure is not retried.
    let t = Recorder::default();
    t.script
        .lock()
        .unwrap()
        .push(Err(SendError::permanent("bad address")));
    n.ping(&a, &w.webhook.id).unwrap();
    assert_eq!(drain(&n, &t), 1);
    assert_eq!(n.list_deliveries(&a, None, 1).unwrap()[0].status, "failed");
}

#[test]
fn a_claim_that_never_finished_is_sent_again_with_the_same_id() {
    let th = new_hub();
    let a = org_with_user(&th.hub, "gov-a", "admin-a", Role::Admin);
    let n = Notifier::new(th.store.clone(), config());
    let w = n
        .create_webhook(&a, &hook("https://a.example.org/h", &["*"]))
        .unwrap();
    let d = n.ping(&a, &w.webhook.id).unwrap();
    // A process claims it and dies before recording anything.
    let now = notify::now_millis();
    let claimed = th.store.claim_deliveries(now, now + 200, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    let t = Recorder::default();
    assert!(!n.deliver_one(&t).unwrap(), "still leased");
    std::thread::sleep(Duration::from_millis(250));
    assert!(n.deliver_one(&t).unwrap(), "the lease ran out");
    let sent = t.sent.lock().unwrap().clone();
    let Outgoing::Webhook { headers, .. } = &sent[0] else {
        panic!("a webhook")
    };
    assert!(headers.contains(&(sign::DELIVERY_HEADER, d.id.clone())));
    let d = n.list_deliveries(&a, None, 1).unwrap().remove(0);
    assert_eq!((d.status, d.attempts), ("delivered", 2));
}

#[test]
fn workers_deliver_in_the_background_and_stop() {
    let th = new_hub();
    let a = org_with_user(&th.hub, "gov-a", "admin-a", Role::Admin);
    let n = Notifier::new(th.store.clone(), config());
    let w = n
        .create_webhook(&a, &hook("https://a.example.org/h", &["*"]))
        .unwrap();
    let t = Arc::new(Recorder::default());
    let running = n.start(t.clone());
    n.ping(&a, &w.webhook.id).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while t.sent.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(t.sent.lock().unwrap().len(), 1);
    assert!(running.shutdown(Duration::from_secs(2)));
}

#[test]
fn only_admins_manage_and_only_their_own_organisation() {
    let th = new_hub();
    let a = org_with_user(&th.hub, "gov-a", "admin-a", Role::Admin);
    let b = org_with_user(&th.hub, "gov-b", "admin-b", Role::Admin);
    let analyst = org_with_user(&th.hub, "gov-c", "ana-c", Role::Analyst);
    let n = Notifier::new(th.store.clone(), config());
    let w = n
        .create_webhook(&a, &hook("https://a.example.org/h", &["*"]))
        .unwrap();
    assert_eq!(
        n.create_webhook(&analyst, &hook("https://c.example.org/h", &["*"]))
            .unwrap_err()
            .code(),
        "forbidden"
    );
    for e in [
        n.webhook(&b, &w.webhook.id).unwrap_err(),
        n.ping(&b, &w.webhook.id).unwrap_err(),
        n.delete_webhook(&b, &w.webhook.id).unwrap_err(),
    ] {
        assert_eq!(e.code(), "not_found");
    }
    assert!(n.list_webhooks(&b).unwrap().is_empty());
    assert_eq!(n.list_webhooks(&a).unwrap().len(), 1);
    let bad = n
        .create_webhook(&a, &hook("http://hooks.example.org/", &["*"]))
        .unwrap_err();
    assert_eq!(bad.code(), "invalid_input");
    assert_eq!(n.list_webhooks(&a).unwrap().len(), 1, "nothing stored");
    n.delete_webhook(&a, &w.webhook.id).unwrap();
    assert!(n.list_webhooks(&a).unwrap().is_empty());
}

#[test]
fn a_notice_is_relayed_once_with_the_notice_id_as_event_id() {
    let th = new_hub();
    let a = org_with_user(&th.hub, "gov-a", "admin-a", Role::Admin);
    let b = org_with_user(&th.hub, "gov-b", "admin-b", Role::Admin);
    let n = Notifier::new(th.store.clone(), config());
    let wb = n
        .create_webhook(&b, &hook("https://b.example.org/h", &["alert.raised"]))
        .unwrap();
    // A notice as the alerts service stores it, with its change.
    let notice = store::NewDomainEvent {
        id: "7d4c3f0e-8a1b-4c2d-9e5f-0a1b2c3d4e5f".into(),
        domain: "alerts".into(),
        kind: "raised".into(),
        subject_id: "alert-7".into(),
        payload: "{}".into(),
        orgs: vec![b.org.id],
        created: 1_700_000_000_000,
    };
    store::AlertStore::add_alert(
        &*th.store,
        &store::NewAlert {
            id: "alert-7".into(),
            sender_org_id: a.org.id,
            sender_user_id: a.user.id,
            title: "Operation Nightjar".into(),
            summary: String::new(),
            priority: "alert".into(),
            tlp: Tlp::Amber,
            objects: vec![],
            responses: vec![],
            respond_by: None,
            created: 1_700_000_000,
            recipients: vec![store::NewRecipient {
                org_id: b.org.id,
                via_group: None,
                forwarded_by: None,
            }],
        },
        &[],
        std::slice::from_ref(&notice),
    )
    .unwrap();
    let claimed = n.claim_domain_events(10, Duration::from_secs(5)).unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        n.claim_domain_events(10, Duration::from_secs(5))
            .unwrap()
            .is_empty(),
        "leased"
    );
    assert_eq!(
        n.relay(&claimed[0], Some(&alert(Tlp::Amber))).unwrap(),
        Some(1)
    );
    // The same notice relayed again (a claim taken twice) writes nothing.
    assert_eq!(
        n.relay(&claimed[0], Some(&alert(Tlp::Amber))).unwrap(),
        None
    );
    let ds = th.store.list_deliveries(b.org.id, None, 10).unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].event_id, notice.id);
    assert_eq!(ds[0].target_id, wb.webhook.id);
    assert_eq!(
        ds[0].created, notice.created,
        "the event time is the notice's"
    );
    let body: serde_json::Value = serde_json::from_str(&ds[0].body).unwrap();
    assert_eq!(body["event_id"], notice.id.as_str());
    let t = Recorder::default();
    assert_eq!(drain(&n, &t), 1);
    let sent = t.sent.lock().unwrap().clone();
    match &sent[0] {
        Outgoing::Webhook { headers, .. } => {
            assert!(headers
                .iter()
                .any(|(k, v)| *k == "X-RRM-Delivery" && *v == ds[0].id));
        }
        other => panic!("not a webhook: {other:?}"),
    }
}
