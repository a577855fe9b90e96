//! Response case cases: cases, participants, objects, actions, proposals and votes
//! (`CaseStore`).

use super::*;

mod impacts;
pub use impacts::case_impacts;
use store::{
    ActionRecord, CaseObject, CasePageQuery, CaseRecord, CaseRole, ProposalRecord, VoteRecord,
};

/// A case step's audit record, filed under organisation `org`.
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

/// The actions and targets of organisation `org`'s audit records after `after`.
fn audited(s: &dyn Backend, org: i64, after: usize) -> Vec<(String, String)> {
    s.list_audit(&AuditQuery {
        org_id: Some(org),
        after: 0,
        limit: 10_000,
    })
    .unwrap()
    .into_iter()
    .skip(after)
    .map(|e| (e.action, e.target))
    .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, t)| (a.to_string(), t.to_string()))
        .collect()
}

pub(crate) fn case_record(id: &str, owner: i64, by: i64, created: i64) -> CaseRecord {
    CaseRecord {
        id: id.to_string(),
        owner_org_id: owner,
        title: format!("Case {id}"),
        description: "a campaign against the election".into(),
        status: "new".into(),
        reopen_reason: None,
        created_by: by,
        created,
        updated: created,
        alert_id: None,
    }
}

/// The ids of one case page of `org`.
fn page_ids(
    s: &dyn Backend,
    org: i64,
    role: CaseRole,
    before: Option<i64>,
    limit: usize,
) -> Vec<String> {
    s.case_page(&CasePageQuery {
        org_id: org,
        role,
        before,
        limit,
    })
    .unwrap()
    .into_iter()
    .map(|r| r.case.id)
    .collect()
}

/// Walks every page of `org`'s cases of `role`, `limit` at a time, creating a case of
/// `intruder.0` by user `intruder.1` (another organisation's, not shared) after each page; the ids in order.
fn walk(
    s: &dyn Backend,
    org: i64,
    role: CaseRole,
    limit: usize,
    intruder: (i64, i64),
) -> Vec<String> {
    let mut out = Vec::new();
    let mut before = None;
    for round in 0..1000 {
        let rows = s
            .case_page(&CasePageQuery {
                org_id: org,
                role,
                before,
                limit,
            })
            .unwrap();
        assert!(rows.len() <= limit, "a page holds at most its limit");
        if let Some(w) = rows.windows(2).find(|w| w[0].key <= w[1].key) {
            panic!("keys not decreasing: {} then {}", w[0].key, w[1].key);
        }
        out.extend(rows.iter().map(|r| r.case.id.clone()));
        let Some(last) = rows.last() else { break };
        before = Some(last.key);
        // A case inserted meanwhile is newer than every page: it never shows up.
        let id = format!("late-{org}-{role:?}-{limit}-{round}");
        s.create_case(
            &case_record(&id, intruder.0, intruder.1, 1000),
            &[],
            &step("case.create", &format!("case/{id}"), intruder.0),
        )
        .unwrap();
        if rows.len() < limit {
            break;
        }
    }
    out
}

/// Case pages: newest first by creation, each visible case exactly once across pages for
/// every role and page size, no other organisation's case, cases created while paging not
/// repeated or skipped among the older ones.
pub fn case_pages(s: &dyn Backend) {
    let fx = fixture(s);
    let (a, b) = (fx.a.id, fx.b.id);
    let c = s.create_org(&new_org("org-c", 3)).expect("org-c");
    // Seven cases, created in this order: owned by a, by b (shared with a or not), by c.
    let plan: [(&str, i64, &[i64]); 7] = [
        ("p1", a, &[]),
        ("p2", b, &[1]),
        ("p3", c.id, &[]),
        ("p4", a, &[2]),
        ("p5", b, &[]),
        ("p6", c.id, &[1]),
        ("p7", a, &[]),
    ];
    for (i, (id, owner, with)) in plan.iter().enumerate() {
        let with: Vec<i64> = with.iter().map(|n| if *n == 1 { a } else { b }).collect();
        let created = 100 - i64::try_from(i).unwrap(); // Creation order, not the clock.
        s.create_case(
            &case_record(id, *owner, fx.ua.id, created),
            &with,
            &step("case.create", &format!("case/{id}"), *owner),
        )
        .unwrap();
    }
    assert_eq!(
        page_ids(s, a, CaseRole::All, None, 100),
        ["p7", "p6", "p4", "p2", "p1"]
    );
    assert_eq!(
        page_ids(s, a, CaseRole::Mine, None, 100),
        ["p7", "p4", "p1"]
    );
    assert_eq!(
        page_ids(s, a, CaseRole::Participating, None, 100),
        ["p6", "p2"]
    );
    assert_eq!(page_ids(s, b, CaseRole::All, None, 100), ["p5", "p4", "p2"]);
    assert_eq!(page_ids(s, a, CaseRole::All, None, 2), ["p7", "p6"]);

    // Every page size and role: the same cases, each once, in order, nobody else's.
    let intruder = s.create_org(&new_org("org-d", 4)).expect("org-d").id;
    for (role, want) in [
        (CaseRole::All, vec!["p7", "p6", "p4", "p2", "p1"]),
        (CaseRole::Mine, vec!["p7", "p4", "p1"]),
        (CaseRole::Participating, vec!["p6", "p2"]),
    ] {
        for limit in 1..=6 {
            assert_eq!(
                walk(s, a, role, limit, (intruder, fx.ua.id)),
                want,
                "{role:?} by {limit}"
            );
        }
    }
    // Paging from a key past the newest case, and from below the oldest.
    let all = s
        .case_page(&CasePageQuery {
            org_id: a,
            role: CaseRole::All,
            before: None,
            limit: 100,
        })
        .unwrap();
    let oldest = all.last().unwrap().key;
    assert!(page_ids(s, a, CaseRole::All, Some(oldest), 100).is_empty());
    // A participant removed leaves the page; one added joins it at the case's place.
    s.remove_participant("p6", a, &step("case.participant.remove", "case/p6", c.id))
        .unwrap();
    s.add_participant("p5", a, 200, &step("case.participant.add", "case/p5", b))
        .unwrap();
    assert_eq!(
        page_ids(s, a, CaseRole::All, None, 100),
        ["p7", "p5", "p4", "p2", "p1"]
    );
    assert_eq!(
        page_ids(s, a, CaseRole::Participating, None, 100),
        ["p5", "p2"]
    );
    assert!(page_ids(s, intruder, CaseRole::Mine, None, 100).len() > 10);
    assert!(page_ids(s, intruder, CaseRole::Participating, None, 100).is_empty());
}

/// Cases: round trip, listing for owners and participants only, compare-and-set status,
/// participants and objects once each, unknown cases.
pub fn case_records(s: &dyn Backend) {
    let fx = fixture(s);
    let c3 = s.create_org(&new_org("org-c", 3)).expect("org-c");
    let before = audited(s, fx.a.id, 0).len();
    let a = fx.a.id;
    let c1 = CaseRecord {
        alert_id: Some("alert-1".into()),
        ..case_record("k1", fx.a.id, fx.ua.id, 10)
    };
    s.create_case(&c1, &[fx.b.id], &step("case.create", "case/k1", a))
        .unwrap();
    assert_eq!(s.case("k1").unwrap(), Some(c1.clone()));
    assert_eq!(s.case("nope").unwrap(), None);
    assert!(matches!(
        s.create_case(&c1, &[], &step("case.create", "case/k1", a)),
        Err(StoreError::Conflict(_))
    ));
    s.create_case(
        &case_record("k2", fx.b.id, fx.ub.id, 11),
        &[],
        &step("case.create", "case/k2", fx.b.id),
    )
    .unwrap();

    let listed = |org: i64| -> Vec<String> { page_ids(s, org, CaseRole::All, None, 100) };
    assert_eq!(listed(fx.a.id), ["k1"]);
    assert_eq!(
        listed(fx.b.id),
        ["k2", "k1"],
        "owner of k2, participant of k1, newest first"
    );
    assert!(listed(c3.id).is_empty());

    // Participants: once each, removable, unknown cases refused.
    assert!(matches!(
        s.add_participant("k1", fx.b.id, 12, &step("x", "k1", a)),
        Err(StoreError::Conflict(_))
    ));
    s.add_participant("k1", c3.id, 12, &step("case.participant.add", "case/k1", a))
        .unwrap();
    let orgs: Vec<i64> = s
        .participants("k1")
        .unwrap()
        .iter()
        .map(|p| p.org_id)
        .collect();
    assert_eq!(orgs, [fx.b.id, c3.id]);
    assert_eq!(listed(c3.id), ["k1"]);
    let gone = step("case.participant.remove", "case/k1", a);
    assert!(s.remove_participant("k1", c3.id, &gone).unwrap());
    assert!(!s.remove_participant("k1", c3.id, &gone).unwrap());
    assert!(listed(c3.id).is_empty());
    assert!(matches!(
        s.add_participant("nope", c3.id, 12, &step("x", "nope", a)),
        Err(StoreError::NotFound(_))
    ));

    // Status: compare-and-set, reopen reason kept.
    let st = |from, to, reason, t, action| {
        s.set_case_status("k1", from, to, reason, t, &step(action, "case/k1", a), &[])
            .unwrap()
    };
    assert!(st("new", "open", None, 20, "case.open"));
    assert!(!st("new", "closed", None, 21, "x"), "stale");
    assert!(st("open", "closed", None, 22, "case.close"));
    assert!(st(
        "closed",
        "open",
        Some("new evidence"),
        23,
        "case.reopen"
    ));
    let k1 = s.case("k1").unwrap().unwrap();
    assert_eq!((k1.status.as_str(), k1.updated), ("open", 23));
    assert_eq!(k1.reopen_reason.as_deref(), Some("new evidence"));

    // Objects: by reference, once per (collection, id).
    let obj = CaseObject {
        case_id: "k1".into(),
        collection_id: fx.c1.clone(),
        object_id: "campaign--00000000-0000-4000-8000-000000000001".into(),
        added_by: fx.ua.id,
        added: 30,
    };
    let added = step("case.object.add", "case/k1", a);
    s.add_case_object(&obj, &added).unwrap();
    assert!(matches!(
        s.add_case_object(&obj, &step("x", "k1", a)),
        Err(StoreError::Conflict(_))
    ));
    let other = CaseObject {
        collection_id: fx.c2.clone(),
        added: 31,
        ..obj.clone()
    };
    s.add_case_object(&other, &added).unwrap();
    assert_eq!(s.case_objects("k1").unwrap(), vec![obj.clone(), other]);
    assert!(s.case_objects("k2").unwrap().is_empty());
    let lost = CaseObject {
        case_id: "nope".into(),
        ..obj
    };
    assert!(matches!(
        s.add_case_object(&lost, &step("x", "nope", a)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.record_case_step("nope", &step("x", "nope", a)),
        Err(StoreError::NotFound(_))
    ));
    s.record_case_step("k1", &step("case.publish", "case/k1", a))
        .unwrap();

    // Each step that applied appended its record in order; no refused one did.
    assert_eq!(
        audited(s, a, before),
        pairs(&[
            ("case.create", "case/k1"),
            ("case.participant.add", "case/k1"),
            ("case.participant.remove", "case/k1"),
            ("case.open", "case/k1"),
            ("case.close", "case/k1"),
            ("case.reopen", "case/k1"),
            ("case.object.add", "case/k1"),
            ("case.object.add", "case/k1"),
            ("case.publish", "case/k1"),
        ])
    );
    assert_eq!(
        audited(s, fx.b.id, 0)
            .iter()
            .filter(|(a, _)| a.starts_with("case."))
            .count(),
        1,
        "k2's creation, under its owner"
    );
}

/// Actions and proposals: round trip, compare-and-set updates, one vote per organisation,
/// no vote on a proposal that is not open.
pub fn case_actions_and_votes(s: &dyn Backend) {
    let fx = fixture(s);
    let a = fx.a.id;
    s.create_case(
        &case_record("k1", fx.a.id, fx.ua.id, 10),
        &[fx.b.id],
        &step("case.create", "case/k1", a),
    )
    .unwrap();
    let before = audited(s, a, 0).len();
    let a1 = ActionRecord {
        id: "a1".into(),
        case_id: "k1".into(),
        counter_id: Some("C00009".into()),
        title: "Educate influencers".into(),
        description: "brief the top accounts".into(),
        performing_org_id: fx.b.id,
        target_org_id: Some(fx.a.id),
        due: Some(1000),
        status: "draft".into(),
        author_id: fx.ub.id,
        proposer_id: None,
        approver_id: None,
        created: 11,
        updated: 11,
    };
    s.add_action(&a1, &step("case.action.draft", "case/k1/action/a1", a))
        .unwrap();
    assert!(matches!(
        s.add_action(&a1, &step("x", "a1", a)),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.action("k1", "a1").unwrap(), Some(a1.clone()));
    assert_eq!(s.action("k2", "a1").unwrap(), None, "another case's");
    let proposed = ActionRecord {
        status: "proposed".into(),
        proposer_id: Some(fx.ub.id),
        title: "Educate high-profile influencers".into(),
        updated: 12,
        ..a1.clone()
    };
    let propose = step("case.action.propose", "case/k1/action/a1", a);
    assert!(s.update_action(&proposed, "draft", &propose).unwrap());
    assert!(
        !s.update_action(&proposed, "draft", &propose).unwrap(),
        "stale status"
    );
    assert_eq!(s.list_actions("k1").unwrap(), vec![proposed]);

    let p1 = ProposalRecord {
        id: "p1".into(),
        case_id: "k1".into(),
        text: "We jointly condemn the campaign.".into(),
        rule: "quorum:2".into(),
        deadline: Some(500),
        status: "open".into(),
        created_by: fx.ua.id,
        created: 13,
        updated: 13,
    };
    s.add_proposal(&p1, &step("case.vote.open", "case/k1/vote/p1", a))
        .unwrap();
    assert_eq!(s.proposal("k1", "p1").unwrap(), Some(p1.clone()));
    assert_eq!(s.list_proposals("k1").unwrap(), vec![p1]);
    let vote = |org: i64, user: i64, ballot: &str, t: i64| VoteRecord {
        proposal_id: "p1".into(),
        org_id: org,
        user_id: user,
        ballot: ballot.into(),
        cast: t,
    };
    let ballot = step("case.vote.ballot", "case/k1/vote/p1", a);
    assert!(s
        .cast_vote(&vote(fx.a.id, fx.ua.id, "endorse", 20), "open", &ballot)
        .unwrap());
    assert!(matches!(
        s.cast_vote(&vote(fx.a.id, fx.ua.id, "object", 21), "open", &ballot),
        Err(StoreError::Conflict(_))
    ));
    let close = step("case.vote.close", "case/k1/vote/p1", a);
    assert!(s
        .set_proposal_status("p1", "open", "adopted", 22, &close)
        .unwrap());
    assert!(!s
        .set_proposal_status("p1", "open", "failed", 23, &close)
        .unwrap());
    assert!(
        !s.cast_vote(&vote(fx.b.id, fx.ub.id, "endorse", 24), "open", &ballot)
            .unwrap(),
        "closed to votes"
    );
    let votes = s.votes("p1").unwrap();
    assert_eq!(votes, vec![vote(fx.a.id, fx.ua.id, "endorse", 20)]);
    let mut stray = vote(fx.b.id, fx.ub.id, "endorse", 25);
    stray.proposal_id = "nope".into();
    assert!(matches!(
        s.cast_vote(&stray, "open", &ballot),
        Err(StoreError::NotFound(_))
    ));

    // Each step that applied appended its record; no refused or stale one did.
    assert_eq!(
        audited(s, a, before),
        pairs(&[
            ("case.action.draft", "case/k1/action/a1"),
            ("case.action.propose", "case/k1/action/a1"),
            ("case.vote.open", "case/k1/vote/p1"),
            ("case.vote.ballot", "case/k1/vote/p1"),
            ("case.vote.close", "case/k1/vote/p1"),
        ])
    );
}

/// Deadlines: unfinished actions of open cases with a due time up to a bound, their sent
/// marks set once each (compare-and-set), none after the overdue mark; open proposals past
/// their deadline.
pub fn case_deadlines(s: &dyn Backend) {
    let fx = fixture(s);
    let a = fx.a.id;
    for (id, status) in [("k1", "open"), ("k2", "closed")] {
        s.create_case(
            &CaseRecord {
                status: status.into(),
                ..case_record(id, a, fx.ua.id, 10)
            },
            &[fx.b.id],
            &step("case.create", &format!("case/{id}"), a),
        )
        .unwrap();
    }
    let action = |id: &str, case: &str, due: Option<i64>, status: &str| ActionRecord {
        id: id.into(),
        case_id: case.into(),
        counter_id: None,
        title: format!("action {id}"),
        description: String::new(),
        performing_org_id: fx.b.id,
        target_org_id: None,
        due,
        status: status.into(),
        author_id: fx.ub.id,
        proposer_id: None,
        approver_id: None,
        created: 11,
        updated: 11,
    };
    for r in [
        action("late", "k1", Some(100), "approved"),
        action("soon", "k1", Some(200), "draft"),
        action("later", "k1", Some(900), "proposed"),
        action("none", "k1", None, "approved"),
        action("done", "k1", Some(50), "done"),
        action("gone", "k1", Some(60), "withdrawn"),
        action("shut", "k2", Some(70), "approved"),
    ] {
        s.add_action(&r, &step("case.action.draft", "x", a))
            .unwrap();
    }
    let ids = |until: i64, limit: usize| -> Vec<(String, Vec<String>)> {
        s.deadline_actions(until, limit)
            .unwrap()
            .into_iter()
            .map(|r| (r.action.id, r.sent))
            .collect()
    };
    let none = Vec::<String>::new;
    assert_eq!(
        ids(500, 10),
        vec![("late".to_string(), none()), ("soon".to_string(), none())]
    );
    assert_eq!(ids(500, 1).len(), 1, "limit");
    assert_eq!(s.deadline_actions(99, 10).unwrap(), vec![]);
    let row = &s.deadline_actions(150, 10).unwrap()[0];
    assert_eq!(row.action, action("late", "k1", Some(100), "approved"));

    assert!(s.mark_action_reminder("soon", "reminder", 150).unwrap());
    assert!(
        !s.mark_action_reminder("soon", "reminder", 151).unwrap(),
        "set once"
    );
    assert_eq!(
        ids(500, 10),
        vec![
            ("late".to_string(), none()),
            ("soon".to_string(), vec!["reminder".to_string()])
        ]
    );
    assert!(s.mark_action_reminder("late", "overdue", 150).unwrap());
    assert!(!s.mark_action_reminder("late", "overdue", 150).unwrap());
    assert_eq!(
        ids(500, 10),
        vec![("soon".to_string(), vec!["reminder".to_string()])],
        "an item sent its overdue notice is no candidate any more"
    );
    assert!(matches!(
        s.mark_action_reminder("nope", "reminder", 1),
        Err(StoreError::NotFound(_))
    ));

    let proposal = |id: &str, deadline: Option<i64>, status: &str| ProposalRecord {
        id: id.into(),
        case_id: "k1".into(),
        text: "We condemn it.".into(),
        rule: "consensus".into(),
        deadline,
        status: status.into(),
        created_by: fx.ua.id,
        created: 12,
        updated: 12,
    };
    for p in [
        proposal("p-late", Some(100), "open"),
        proposal("p-later", Some(300), "open"),
        proposal("p-none", None, "open"),
        proposal("p-shut", Some(50), "adopted"),
    ] {
        s.add_proposal(&p, &step("case.vote.open", "x", a)).unwrap();
    }
    let past = |now: i64| -> Vec<String> {
        s.proposals_past_deadline(now, 10)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect()
    };
    assert_eq!(
        past(100),
        Vec::<String>::new(),
        "at the deadline votes are open"
    );
    assert_eq!(past(101), vec!["p-late"]);
    assert_eq!(past(1_000), vec!["p-late", "p-later"]);
    assert_eq!(s.proposals_past_deadline(1_000, 1).unwrap().len(), 1);
    assert_eq!(
        s.proposals_past_deadline(1_000, 1).unwrap()[0],
        proposal("p-late", Some(100), "open")
    );
}
