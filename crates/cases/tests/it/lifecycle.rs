//! Cases: who sees them, who moves them along, what a refusal leaves behind.

use cases::{CaseError, NewCase, ObjectRef};
use hub::{Actor, HubError};
use response::case::{CaseAction, CaseStatus};
use test_support::{indicator, new_id};

use crate::common::{all_cases, invalid_field, open_case, world};

#[test]
fn the_owner_opens_closes_and_reopens_with_a_reason_participants_may_not_close() {
    let w = world();
    let c = w
        .cases
        .create_case(
            &w.ca,
            &NewCase {
                title: "Campaign".into(),
                participants: vec!["gov-fr".into()],
                ..NewCase::default()
            },
        )
        .unwrap();
    assert_eq!((c.status, c.owner.as_str()), (CaseStatus::New, "gov-ca"));
    assert_eq!(c.participants, vec!["gov-fr".to_string()]);

    let err = w
        .cases
        .change_status(&w.fr, &c.id, CaseAction::Open, None)
        .unwrap_err();
    assert!(matches!(err, CaseError::Forbidden(_)), "{err}");
    let open = w
        .cases
        .change_status(&w.ca, &c.id, CaseAction::Open, None)
        .unwrap();
    assert_eq!(open.status, CaseStatus::Open);
    let err = w
        .cases
        .change_status(&w.fr, &c.id, CaseAction::Close, None)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Forbidden(m) if m.contains("owner")),
        "{err}"
    );
    assert_eq!(w.cases.case(&w.fr, &c.id).unwrap().status, CaseStatus::Open);

    let closed = w
        .cases
        .change_status(&w.ca2, &c.id, CaseAction::Close, None)
        .unwrap();
    assert_eq!(closed.status, CaseStatus::Closed);
    // Closing again is a conflict naming the state and what is allowed.
    let err = w
        .cases
        .change_status(&w.ca, &c.id, CaseAction::Close, None)
        .unwrap_err();
    assert!(
        matches!(&err, CaseError::Transition { current, allowed, .. }
            if current == "closed" && allowed == &["reopen"]),
        "{err}"
    );
    let err = w
        .cases
        .change_status(&w.ca, &c.id, CaseAction::Reopen, Some("  "))
        .unwrap_err();
    assert_eq!(invalid_field(&err), "reason");
    assert_eq!(
        w.cases.case(&w.ca, &c.id).unwrap().status,
        CaseStatus::Closed
    );
    let reopened = w
        .cases
        .change_status(&w.ca, &c.id, CaseAction::Reopen, Some("new evidence"))
        .unwrap();
    assert_eq!(reopened.status, CaseStatus::Open);
    assert_eq!(reopened.reopen_reason.as_deref(), Some("new evidence"));
    // Readers change nothing.
    let err = w
        .cases
        .change_status(&w.ca_reader, &c.id, CaseAction::Close, None)
        .unwrap_err();
    assert!(matches!(err, CaseError::Forbidden(_)), "{err}");
}

#[test]
fn outsiders_cannot_tell_a_case_from_no_case() {
    let w = world();
    let id = open_case(&w);
    let outsider = w.cases.case(&w.xx, &id).unwrap_err();
    let unknown = w.cases.case(&w.xx, "no-such-case").unwrap_err();
    assert!(matches!(outsider, CaseError::NotFound(_)), "{outsider}");
    assert_eq!(
        outsider.to_string().replace(&id, "ID"),
        unknown.to_string().replace("no-such-case", "ID")
    );
    assert!(all_cases(&w, &w.xx, 10).is_empty());
    assert_eq!(all_cases(&w, &w.jp, 10).len(), 1);
    let err = w
        .cases
        .change_status(&w.xx, &id, CaseAction::Close, None)
        .unwrap_err();
    assert!(matches!(err, CaseError::NotFound(_)), "{err}");
}

#[test]
fn participants_are_added_by_the_owner_once() {
    let w = world();
    let id = open_case(&w);
    let err = w.cases.add_participant(&w.fr, &id, "gov-xx").unwrap_err();
    assert!(matches!(err, CaseError::Forbidden(_)), "{err}");
    let err = w.cases.add_participant(&w.ca, &id, "gov-fr").unwrap_err();
    assert!(matches!(err, CaseError::Conflict(_)), "{err}");
    let err = w.cases.add_participant(&w.ca, &id, "gov-zz").unwrap_err();
    assert_eq!(invalid_field(&err), "org");
    let c = w.cases.add_participant(&w.ca, &id, "gov-xx").unwrap();
    assert_eq!(c.participants, ["gov-fr", "gov-jp", "gov-xx"]);
    assert!(w.cases.case(&w.xx, &id).is_ok());
    let c = w.cases.remove_participant(&w.ca, &id, "gov-xx").unwrap();
    assert_eq!(c.participants, ["gov-fr", "gov-jp"]);
    assert!(w.cases.case(&w.xx, &id).is_err());
}

#[test]
fn bad_case_input_names_the_field_and_stores_nothing() {
    let w = world();
    let private =
        w.t.hub
            .add_collection(Actor::Operator, "ca-only", "CA", "", None)
            .unwrap()
            .id;
    w.t.hub
        .grant(Actor::Operator, "gov-ca", "ca-only", test_support::RW)
        .unwrap();
    let secret = new_id("indicator");
    w.t.hub
        .add_objects(&w.ca, &private, vec![indicator(&secret, 1)])
        .unwrap();
    let cases_of = |p| all_cases(&w, p, 10).len();

    let attempts: Vec<(NewCase, &str)> = vec![
        (
            NewCase {
                title: " ".into(),
                ..NewCase::default()
            },
            "title",
        ),
        (
            NewCase {
                title: "x".into(),
                participants: vec!["gov-zz".into()],
                ..NewCase::default()
            },
            "participants[0]",
        ),
        (
            NewCase {
                title: "x".into(),
                participants: vec!["gov-fr".into(), "gov-fr".into()],
                ..NewCase::default()
            },
            "participants[1]",
        ),
        (
            NewCase {
                title: "x".into(),
                participants: vec!["gov-ca".into()],
                ..NewCase::default()
            },
            "participants[0]",
        ),
    ];
    for (new, field) in attempts {
        let err = w.cases.create_case(&w.ca, &new).unwrap_err();
        assert_eq!(invalid_field(&err), field);
    }
    // gov-fr may not see the private collection's object: the case is refused naming it.
    let err = w
        .cases
        .create_case(
            &w.fr,
            &NewCase {
                title: "x".into(),
                objects: vec![ObjectRef {
                    collection: private.clone(),
                    id: secret.clone(),
                }],
                ..NewCase::default()
            },
        )
        .unwrap_err();
    assert_eq!(invalid_field(&err), "objects[0]");
    assert_eq!((cases_of(&w.ca), cases_of(&w.fr)), (0, 0));
    // gov-ca sees it.
    let c = w
        .cases
        .create_case(
            &w.ca,
            &NewCase {
                title: "x".into(),
                objects: vec![ObjectRef {
                    collection: "ca-only".into(),
                    id: secret.clone(),
                }],
                ..NewCase::default()
            },
        )
        .unwrap();
    assert_eq!(
        c.objects,
        vec![ObjectRef {
            collection: private,
            id: secret
        }]
    );
    // Readers open no case.
    let err = w
        .cases
        .create_case(
            &w.ca_reader,
            &NewCase {
                title: "x".into(),
                ..NewCase::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, CaseError::Forbidden(_)), "{err}");
}

/// Records the notices the service announces.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<cases::CaseChange>>);

impl cases::CaseNotifier for Recorder {
    fn notify(&self, notice: &cases::CaseChange) {
        self.0.lock().unwrap().push(notice.clone());
    }
}

#[test]
fn committed_status_changes_are_announced_to_the_other_organisations_refusals_are_not() {
    let w = crate::common::world();
    let rec = std::sync::Arc::new(Recorder::default());
    let svc = w.cases.clone().with_notifier(rec.clone());
    let id = crate::common::open_case(&w);
    assert!(svc
        .change_status(&w.fr, &id, CaseAction::Close, None)
        .is_err());
    svc.change_status(&w.ca, &id, CaseAction::Close, None)
        .unwrap();
    svc.change_status(&w.ca, &id, CaseAction::Reopen, Some("a new wave"))
        .unwrap();
    let got: Vec<(String, Vec<i64>)> = rec
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|n| (n.status.clone(), n.orgs.clone()))
        .collect();
    let others = vec![w.fr.org.id, w.jp.org.id];
    assert_eq!(
        got,
        vec![
            ("closed".to_string(), others.clone()),
            ("open".to_string(), others)
        ]
    );
}

/// The case list: newest first, pages by role from the store, cursors bound to the user and
/// the role, page sizes checked; times serialize as RFC 3339.
#[test]
fn case_pages_newest_first_with_sealed_cursors() {
    use cases::{CaseListQuery, CaseRole};
    let w = world();
    let mut made = Vec::new();
    for i in 0..5 {
        // gov-ca owns the even ones; gov-fr owns the odd ones, shared with gov-ca.
        let (owner, with) = if i % 2 == 0 {
            (&w.ca, vec!["gov-jp".to_string()])
        } else {
            (&w.fr, vec!["gov-ca".to_string()])
        };
        let c = w
            .cases
            .create_case(
                owner,
                &NewCase {
                    title: format!("Case {i}"),
                    participants: with,
                    ..NewCase::default()
                },
            )
            .unwrap();
        made.push(c.id);
        w.advance(60);
    }
    let newest_first: Vec<String> = made.iter().rev().cloned().collect();
    for limit in 1..=6 {
        let ids: Vec<String> = all_cases(&w, &w.ca, limit)
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, newest_first, "pages of {limit}");
    }
    let page = |p, role, limit, next: Option<String>| {
        w.cases.case_page(
            p,
            &CaseListQuery {
                role,
                limit: Some(limit),
                next,
            },
        )
    };
    let mine = page(&w.ca, CaseRole::Mine, 10, None).unwrap();
    let ids: Vec<&str> = mine.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, [&made[4], &made[2], &made[0]]);
    assert_eq!(mine.next, None);
    let theirs = page(&w.ca, CaseRole::Participating, 1, None).unwrap();
    assert_eq!(theirs.cases[0].id, made[3]);
    let cursor = theirs.next.expect("a second page");
    let second = page(&w.ca, CaseRole::Participating, 1, Some(cursor.clone())).unwrap();
    assert_eq!(second.cases[0].id, made[1]);
    // Another user (even of the same organisation), another role, or a tampered cursor.
    for (p, role) in [
        (&w.ca2, CaseRole::Participating),
        (&w.ca, CaseRole::All),
        (&w.ca, CaseRole::Mine),
        (&w.fr, CaseRole::Participating),
    ] {
        let e = page(p, role, 1, Some(cursor.clone())).unwrap_err();
        assert!(matches!(e, CaseError::Hub(HubError::BadCursor(_))), "{e}");
    }
    let tampered = format!("{cursor}x");
    assert!(matches!(
        page(&w.ca, CaseRole::Participating, 1, Some(tampered)).unwrap_err(),
        CaseError::Hub(HubError::BadCursor(_))
    ));
    for bad in [0, 1001] {
        let e = page(&w.ca, CaseRole::All, bad, None).unwrap_err();
        assert_eq!(invalid_field(&e), "limit");
    }
    // gov-jp sees only the cases it takes part in; gov-xx none.
    assert_eq!(all_cases(&w, &w.jp, 2).len(), 3);
    assert!(all_cases(&w, &w.xx, 2).is_empty());

    let json = serde_json::to_value(&mine.cases[2]).unwrap();
    assert_eq!(json["created"], "2026-12-01T00:00:00.000Z");
    assert_eq!(json["updated"], "2026-12-01T00:00:00.000Z");
}
