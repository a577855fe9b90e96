//! The case lifecycle: random sequences against the table, and the named rules.

use proptest::prelude::*;
use response::case::{self, CaseAction, CaseContext, CaseStatus, CASE_RULES};
use response::{rules, Membership, Role};

use crate::common::{actor, any_actor};

/// The status changes a case may make, written out independently of the table.
fn edge_allowed(from: CaseStatus, to: CaseStatus) -> bool {
    use CaseStatus::*;
    matches!(
        (from, to),
        (New, New) | (New, Open) | (New, Closed) | (Open, Open) | (Open, Closed) | (Closed, Open)
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_stay_in_the_table(
        steps in prop::collection::vec(
            (prop::sample::select(CaseAction::ALL.to_vec()), any_actor(), any::<bool>()),
            1..40,
        )
    ) {
        let mut status = CaseStatus::New;
        for (action, who, reason) in steps {
            let ctx = CaseContext { reason_given: reason };
            let matching = rules::matching(CASE_RULES, status, action, &who, &ctx);
            match case::decide(status, action, &who, &ctx) {
                Ok(acc) => {
                    prop_assert_eq!(matching.len(), 1, "{} by {:?} from {}: {} rules", action, who, status, matching.len());
                    let rule = matching[0];
                    prop_assert_eq!(rule.id, acc.rule);
                    prop_assert_eq!(rule.to.from(status), acc.to);
                    prop_assert!(edge_allowed(status, acc.to), "{} -> {} by {}", status, acc.to, acc.rule);
                    prop_assert!(matches!(who.role, Role::Analyst | Role::Admin), "{:?} accepted", who.role);
                    prop_assert!(who.membership != Membership::Outsider);
                    if matches!(action, CaseAction::Open | CaseAction::Close | CaseAction::Reopen
                        | CaseAction::AddParticipant | CaseAction::RemoveParticipant) {
                        prop_assert_eq!(who.membership, Membership::Owner);
                    }
                    if action == CaseAction::Reopen {
                        prop_assert!(reason);
                    }
                    status = acc.to;
                }
                Err(refused) => {
                    prop_assert!(matching.is_empty());
                    prop_assert_eq!(refused.current, status);
                    prop_assert_eq!(&refused.allowed, &rules::allowed(CASE_RULES, status));
                    prop_assert!(!refused.reason.is_empty());
                }
            }
        }
    }
}

#[test]
fn owner_analyst_opens_closes_and_reopens_with_a_reason() {
    let a = actor(11, 1, Role::Analyst);
    let none = CaseContext::default();
    let open = case::decide(CaseStatus::New, CaseAction::Open, &a, &none).unwrap();
    assert_eq!((open.to, open.rule), (CaseStatus::Open, "case.open"));
    let closed = case::decide(CaseStatus::Open, CaseAction::Close, &a, &none).unwrap();
    assert_eq!(closed.to, CaseStatus::Closed);

    let refused = case::decide(CaseStatus::Closed, CaseAction::Reopen, &a, &none).unwrap_err();
    assert!(refused.reason.contains("reason"), "{}", refused.reason);
    let blank = CaseContext::with_reason(Some("   "));
    assert!(case::decide(CaseStatus::Closed, CaseAction::Reopen, &a, &blank).is_err());
    let why = CaseContext::with_reason(Some("new evidence from partner"));
    let reopened = case::decide(CaseStatus::Closed, CaseAction::Reopen, &a, &why).unwrap();
    assert_eq!(
        (reopened.to, reopened.rule),
        (CaseStatus::Open, "case.reopen")
    );
}

#[test]
fn participants_add_objects_but_may_not_close() {
    let p = actor(21, 2, Role::Admin);
    let ctx = CaseContext::default();
    let refused = case::decide(CaseStatus::Open, CaseAction::Close, &p, &ctx).unwrap_err();
    assert_eq!(refused.current, CaseStatus::Open);
    assert!(refused.allowed.contains(&CaseAction::Close));
    assert!(refused.reason.contains("owner"), "{}", refused.reason);
    let added = case::decide(CaseStatus::Open, CaseAction::AddObject, &p, &ctx).unwrap();
    assert_eq!(
        (added.to, added.rule),
        (CaseStatus::Open, "case.add-object")
    );
    // Outsiders and readers do nothing.
    let outsider = actor(41, 4, Role::Admin);
    assert!(case::decide(CaseStatus::Open, CaseAction::AddObject, &outsider, &ctx).is_err());
    let reader = actor(12, 1, Role::Reader);
    assert!(case::decide(CaseStatus::New, CaseAction::Open, &reader, &ctx).is_err());
}

#[test]
fn a_closed_case_refuses_everything_but_reopen_and_says_so() {
    let a = actor(11, 1, Role::Admin);
    let r = case::decide(
        CaseStatus::Closed,
        CaseAction::AddObject,
        &a,
        &CaseContext::default(),
    )
    .unwrap_err();
    assert_eq!(r.allowed, vec![CaseAction::Reopen]);
    let text = r.to_string();
    assert!(
        text.contains("current state closed") && text.contains("reopen"),
        "{text}"
    );
}
