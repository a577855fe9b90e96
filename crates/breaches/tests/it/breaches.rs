//! The breaches service over a real hub on SQLite: required contents named all at once,
//! sectors, phases, late reports, visibility, escalation at the deadline, sharing at a TLP,
//! and retention.

use breaches::{
    ActorRef, BreachContents, BreachError, Breaches, NewReport, ReportUpdate, ShareBreach, Submit,
};
use hub::{Access, Actor, Principal};
use serde_json::json;
use store::{AccountStore, AuditQuery, NotifyStore, Role, Sector, Tlp};
use test_support::{marked, new_hub, new_id, TestHub};

struct Env {
    t: TestHub,
    svc: Breaches,
    platform: Principal,
    authority: Principal,
    other_gov: Principal,
    collection: String,
}

fn user(t: &TestHub, org: &str, sector: Sector, name: &str, role: Role) -> Principal {
    if t.hub.org_by_slug(org).unwrap().is_none() {
        t.hub
            .add_org(Actor::Operator, org, org, sector, "ca")
            .unwrap();
    }
    t.hub
        .add_user(Actor::Operator, org, name, role, None)
        .unwrap();
    t.hub.principal_for(name).unwrap()
}

fn env() -> Env {
    let t = new_hub();
    let platform = user(&t, "platform-a", Sector::Platform, "pat", Role::Analyst);
    let authority = user(&t, "dpa-b", Sector::Government, "dan", Role::Analyst);
    let other_gov = user(&t, "gov-c", Sector::Government, "cat", Role::Analyst);
    let col = t
        .hub
        .add_collection(Actor::Operator, "threats", "Threats", "", None)
        .unwrap();
    for org in ["platform-a", "dpa-b", "gov-c"] {
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
    let svc = Breaches::new(t.hub.clone(), t.store.clone());
    Env {
        t,
        svc,
        platform,
        authority,
        other_gov,
        collection: col.id,
    }
}

fn full() -> BreachContents {
    BreachContents {
        nature: Some("credential stuffing against the login service".into()),
        subject_categories: vec!["users".into()],
        approx_subjects: Some(1200),
        record_categories: vec!["email addresses".into(), "password hashes".into()],
        approx_records: Some(2400),
        contact: Some("privacy office, +1 555 0100".into()),
        consequences: Some("phishing of affected users".into()),
        measures: Some("forced password resets".into()),
        ..BreachContents::default()
    }
}

fn report(aware_secs_ago: i64) -> NewReport {
    NewReport {
        title: "Login service breach".into(),
        regime: "gdpr-art33".into(),
        recipient: "dpa-b".into(),
        aware_at: stix::format_timestamp((hub::now_secs() - aware_secs_ago) * 1_000_000),
        contents: full(),
        ..NewReport::default()
    }
}

fn fields(e: BreachError) -> Vec<String> {
    match e {
        BreachError::Invalid(p) => p.into_iter().map(|p| p.field).collect(),
        other => panic!("not invalid: {other:?}"),
    }
}

fn count(e: &Env, p: &Principal) -> usize {
    e.svc.list(p, None, None).unwrap().breaches.len()
}

#[test]
fn every_missing_element_and_wrong_party_is_named_and_nothing_is_stored() {
    let e = env();
    let mut r = report(60);
    r.contents = BreachContents::default();
    r.recipient = "platform-a".into();
    let got = fields(e.svc.create(&e.platform, &r).unwrap_err());
    assert_eq!(got[0], "recipient");
    assert_eq!(
        &got[1..],
        [
            "contents.nature",
            "contents.subject_categories",
            "contents.approx_subjects",
            "contents.record_categories",
            "contents.approx_records",
            "contents.contact",
            "contents.consequences",
            "contents.measures"
        ]
    );
    let mut pipeda = report(60);
    pipeda.regime = "pipeda".into();
    let got = fields(e.svc.create(&e.platform, &pipeda).unwrap_err());
    assert_eq!(
        got,
        [
            "contents.circumstances",
            "contents.period",
            "contents.personal_information",
            "contents.number_affected",
            "contents.mitigation",
            "contents.notification"
        ]
    );
    // A government body does not report.
    let got = fields(e.svc.create(&e.other_gov, &report(60)).unwrap_err());
    assert_eq!(got, ["reporter"]);
    let mut unknown = report(60);
    unknown.actors = vec![ActorRef {
        collection: e.collection.clone(),
        id: new_id("intrusion-set"),
    }];
    assert_eq!(
        fields(e.svc.create(&e.platform, &unknown).unwrap_err()),
        ["actors[0]"]
    );
    let mut late = report(73 * 3600);
    late.submit = true;
    assert_eq!(
        fields(e.svc.create(&e.platform, &late).unwrap_err()),
        ["delay_reasons"]
    );
    assert_eq!(count(&e, &e.platform), 0);
    assert_eq!(count(&e, &e.authority), 0);
}

#[test]
fn phases_lead_to_complete_and_only_the_two_sides_see_a_report() {
    let e = env();
    let mut r = report(3600);
    r.contents.consequences = None;
    r.deferred = vec!["consequences".into()];
    let v = e.svc.create(&e.platform, &r).unwrap();
    assert_eq!(v.status, "draft");
    assert_eq!(v.missing, ["consequences"]);
    let deadline = v.deadline.clone().unwrap();
    let aware = stix::parse_timestamp(&v.aware_at).unwrap();
    assert_eq!(
        stix::parse_timestamp(&deadline).unwrap() - aware,
        72 * 3600 * 1_000_000
    );
    assert!(!v.late);
    let v = e
        .svc
        .submit(&e.platform, &v.id, &Submit::default())
        .unwrap();
    assert_eq!(v.status, "submitted");
    assert!(matches!(
        e.svc.acknowledge(&e.platform, &v.id),
        Err(BreachError::Forbidden(_))
    ));
    let v = e.svc.acknowledge(&e.authority, &v.id).unwrap();
    assert_eq!(v.status, "acknowledged");
    let v = e
        .svc
        .update(
            &e.platform,
            &v.id,
            &ReportUpdate {
                contents: BreachContents {
                    consequences: Some("phishing".into()),
                    ..BreachContents::default()
                },
                ..ReportUpdate::default()
            },
        )
        .unwrap();
    assert_eq!(v.status, "complete");
    assert!(v.complete);
    assert_eq!(v.revision, 4);
    let actions: Vec<&str> = v.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["create", "submit", "acknowledge", "update"]);
    assert_eq!(v.history[0].missing, ["consequences"]);
    assert!(v.history[3].missing.is_empty());
    for p in [&e.platform, &e.authority] {
        assert_eq!(e.svc.get(p, &v.id).unwrap().id, v.id);
        assert_eq!(count(&e, p), 1);
    }
    assert!(matches!(
        e.svc.get(&e.other_gov, &v.id),
        Err(BreachError::NotFound(_))
    ));
    assert_eq!(count(&e, &e.other_gov), 0);
    let audit =
        e.t.store
            .list_audit(&AuditQuery {
                org_id: None,
                after: 0,
                limit: 1000,
            })
            .unwrap();
    let breach_actions: Vec<&str> = audit
        .iter()
        .filter(|a| a.target == format!("breach/{}", v.id))
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(
        breach_actions,
        [
            "breach.create",
            "breach.submit",
            "breach.acknowledge",
            "breach.update"
        ]
    );
}

#[test]
fn a_late_report_carries_reasons() {
    let e = env();
    let v = e.svc.create(&e.platform, &report(73 * 3600)).unwrap();
    assert!(v.late);
    assert_eq!(
        fields(
            e.svc
                .submit(&e.platform, &v.id, &Submit::default())
                .unwrap_err()
        ),
        ["delay_reasons"]
    );
    let v = e
        .svc
        .submit(
            &e.platform,
            &v.id,
            &Submit {
                delay_reasons: Some("forensics needed two more days".into()),
            },
        )
        .unwrap();
    assert_eq!(v.status, "submitted");
    assert!(v.late);
    // Complete at once when acknowledged.
    assert_eq!(
        e.svc.acknowledge(&e.authority, &v.id).unwrap().status,
        "complete"
    );
}

#[test]
fn the_sweep_escalates_once_with_audit_and_an_event_to_both() {
    let e = env();
    let draft = e.svc.create(&e.platform, &report(72 * 3600 - 100)).unwrap();
    let now = hub::now_secs();
    assert!(e.svc.sweep_deadlines(now).unwrap().escalated.is_empty());
    let later = now + 200;
    let swept = e.svc.sweep_deadlines(later).unwrap();
    assert_eq!(swept.escalated.len(), 1);
    assert_eq!(swept.escalated[0].0, draft.id);
    assert_eq!(swept.escalated[0].1.as_str(), "not-submitted");
    assert!(e
        .svc
        .sweep_deadlines(later + 10)
        .unwrap()
        .escalated
        .is_empty());
    let v = e.svc.get(&e.authority, &draft.id).unwrap();
    assert_eq!(v.status, "escalated");
    assert_eq!(v.history.last().unwrap().by, "deadline");
    let events = e.t.store.claim_domain_events(1, 2, 100).unwrap();
    let ours: Vec<_> = events.iter().filter(|n| n.domain == "breaches").collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].orgs, vec![e.platform.org.id, e.authority.org.id]);
    // Still submittable after escalation, with reasons since it is late by then.
    let v = e
        .svc
        .submit(
            &e.platform,
            &draft.id,
            &Submit {
                delay_reasons: Some("late".into()),
            },
        )
        .unwrap();
    assert_eq!(v.status, "submitted");
}

#[test]
fn retention_is_at_least_24_months_and_purges_with_audit() {
    let e = env();
    let err = Breaches::new(e.t.hub.clone(), e.t.store.clone())
        .with_retention_days(729)
        .unwrap_err();
    assert_eq!(err.field(), Some("breach_retention_days"));
    let v = e.svc.create(&e.platform, &report(60)).unwrap();
    let now = hub::now_secs();
    assert!(e.svc.purge_expired(now + 700 * 86_400).unwrap().is_empty());
    assert_eq!(
        e.svc.purge_expired(now + 732 * 86_400).unwrap(),
        vec![v.id.clone()]
    );
    assert!(matches!(
        e.svc.get(&e.platform, &v.id),
        Err(BreachError::NotFound(_))
    ));
    let audit =
        e.t.store
            .list_audit(&AuditQuery {
                org_id: None,
                after: 0,
                limit: 1000,
            })
            .unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "breach.purge" && a.detail.contains(&v.id)));
}

#[test]
fn share_publishes_an_incident_with_an_impact_and_the_actor_at_red() {
    let e = env();
    let set = new_id("intrusion-set");
    let obj = marked(
        json!({"type": "intrusion-set", "spec_version": "2.1", "id": set,
               "created": test_support::ts(1), "modified": test_support::ts(1), "name": "APT Example"}),
        Tlp::Green,
    );
    let st =
        e.t.hub
            .add_objects(&e.platform, &e.collection, vec![obj])
            .unwrap();
    assert_eq!(st.success_count, 1, "{st:?}");
    let mut r = report(60);
    r.submit = true;
    r.actors = vec![ActorRef {
        collection: "threats".into(),
        id: set.clone(),
    }];
    let v = e.svc.create(&e.platform, &r).unwrap();
    assert!(matches!(
        e.svc.share(
            &e.authority,
            &v.id,
            &ShareBreach {
                collection: "threats".into(),
                tlp: None
            }
        ),
        Err(BreachError::Forbidden(_))
    ));
    let shared = e
        .svc
        .share(
            &e.platform,
            &v.id,
            &ShareBreach {
                collection: "threats".into(),
                tlp: Some("RED".into()),
            },
        )
        .unwrap();
    assert_eq!(shared.tlp, "RED");
    assert_eq!(shared.relationships.len(), 1);
    let read = |p: &Principal| {
        test_support::read_all(&e.t.hub, p, &e.collection, &hub::ObjectFilter::default())
    };
    let seen = read(&e.authority);
    let incident = seen
        .iter()
        .find(|o| o["id"] == shared.incident)
        .expect("the recipient sees the RED incident");
    let text = incident.to_string();
    assert!(!text.contains("privacy office") && !text.contains("Login service"));
    assert_eq!(
        incident["extensions"][cases::share::INCIDENT_CORE_EXTENSION_ID]["impact_refs"][0],
        json!(shared.impact)
    );
    assert!(seen.iter().any(|o| o["id"] == shared.impact
        && o["extensions"]["confidentiality-ext"]["record_count"] == 2400));
    assert!(
        !read(&e.other_gov)
            .iter()
            .any(|o| o["id"] == shared.incident),
        "RED: not for the other government"
    );
}
