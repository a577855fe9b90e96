//! Property tests of the alert rules: random actions by random actors never leave the table,
//! and every accepted transition is explained by exactly one rule.

use proptest::prelude::*;
use response::alert::{self, RecipientAction, RecipientState, RULES};
use response::{Actor, Membership, Role, Sector};
use store::Tlp;

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Reader),
        Just(Role::Analyst),
        Just(Role::Admin),
        Just(Role::Operator)
    ]
}

fn membership() -> impl Strategy<Value = Membership> {
    prop_oneof![
        Just(Membership::Owner),
        Just(Membership::Participant),
        Just(Membership::Outsider)
    ]
}

fn sector() -> impl Strategy<Value = Sector> {
    prop_oneof![
        Just(Sector::Government),
        Just(Sector::Platform),
        Just(Sector::Isp),
        Just(Sector::CivilSociety),
        Just(Sector::ElectionAuthority),
        Just(Sector::Other)
    ]
}

fn actor() -> impl Strategy<Value = Actor> {
    (1i64..5, 1i64..4, role(), sector(), membership()).prop_map(
        |(user_id, org_id, role, sector, membership)| Actor {
            user_id,
            org_id,
            role,
            sector,
            membership,
        },
    )
}

fn action() -> impl Strategy<Value = RecipientAction> {
    prop_oneof![
        Just(RecipientAction::Acknowledge),
        Just(RecipientAction::Contribute),
        Just(RecipientAction::Decline)
    ]
}

fn tlp() -> impl Strategy<Value = Tlp> {
    prop_oneof![
        Just(Tlp::Clear),
        Just(Tlp::Green),
        Just(Tlp::Amber),
        Just(Tlp::AmberStrict),
        Just(Tlp::Red)
    ]
}

/// The states the table allows to follow `from` (itself included: a refusal changes nothing).
fn reachable_next(from: RecipientState) -> Vec<RecipientState> {
    let mut out = vec![from];
    out.extend(RULES.iter().filter(|r| r.from == from).map(|r| r.to));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_sequences_stay_in_the_table(steps in prop::collection::vec((action(), actor()), 0..24)) {
        let mut state = RecipientState::Pending;
        let mut history = vec![state];
        for (act, who) in steps {
            let before = state;
            match alert::transition(state, act, &who) {
                Ok(accepted) => {
                    // Explained by exactly one rule, which matches the step.
                    let rules: Vec<_> = RULES
                        .iter()
                        .filter(|r| r.from == before && r.action == act)
                        .collect();
                    prop_assert_eq!(rules.len(), 1);
                    prop_assert_eq!(rules[0].id, accepted.rule);
                    prop_assert_eq!(rules[0].to, accepted.to);
                    // Only an analyst or admin of the recipient itself.
                    prop_assert_eq!(who.membership, Membership::Participant);
                    prop_assert!(matches!(who.role, Role::Analyst | Role::Admin));
                    state = accepted.to;
                }
                Err(refused) => {
                    prop_assert_eq!(refused.current, before);
                    prop_assert_eq!(refused.allowed, alert::allowed(before));
                    prop_assert!(!refused.reason.is_empty());
                }
            }
            prop_assert!(reachable_next(before).contains(&state));
            history.push(state);
        }
        // Never a final state left, never contributed and declined both.
        let finals: Vec<_> = history.iter().filter(|s| s.is_final()).collect();
        if let Some(first) = finals.first() {
            prop_assert!(finals.iter().all(|s| s == first));
        }
        // Contributed or declined only after acknowledged.
        if let Some(pos) = history.iter().position(|s| s.is_final()) {
            prop_assert!(history[..pos].contains(&RecipientState::Acknowledged));
        }
    }

    #[test]
    fn forwarding_is_decided_by_tlp_and_standing(level in tlp(), who in actor()) {
        let out = alert::may_forward(level, &who);
        let may = who.membership != Membership::Outsider
            && matches!(who.role, Role::Analyst | Role::Admin)
            && matches!(level, Tlp::Clear | Tlp::Green);
        prop_assert_eq!(out.is_ok(), may);
    }

    #[test]
    fn respond_by_is_in_the_future(now in -1_000_000i64..1_000_000, by in -1_000_000i64..1_000_000) {
        prop_assert_eq!(alert::check_respond_by(now, by).is_ok(), by > now);
    }
}

/// Every (state, action) pair has at most one rule, and each rule's action is allowed.
#[test]
fn one_rule_per_pair() {
    for s in RecipientState::ALL {
        for a in RecipientAction::ALL {
            let n = RULES
                .iter()
                .filter(|r| r.from == s && r.action == a)
                .count();
            assert!(n <= 1, "{s} {a}");
            assert_eq!(n == 1, alert::allowed(s).contains(&a));
        }
    }
}
