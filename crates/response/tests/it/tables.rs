//! Properties every rule table has: unique ids, known states, no exit from final states.

use response::action::{ActionStatus, ACTION_RULES};
use response::case::{CaseStatus, CASE_RULES};
use response::vote::{ProposalStatus, VOTE_RULES};
use response::Rule;

fn ids<S, A, C>(table: &[Rule<S, A, C>]) -> Vec<&'static str> {
    table.iter().map(|r| r.id).collect()
}

#[test]
fn rule_ids_are_unique_and_named_after_their_machine() {
    let mut all = Vec::new();
    for (prefix, ids) in [
        ("case.", ids(CASE_RULES)),
        ("action.", ids(ACTION_RULES)),
        ("vote.", ids(VOTE_RULES)),
    ] {
        for id in ids {
            assert!(id.starts_with(prefix), "{id} should start with {prefix}");
            assert!(!all.contains(&id), "rule id {id} appears twice");
            all.push(id);
        }
    }
    assert_eq!(
        all.len(),
        CASE_RULES.len() + ACTION_RULES.len() + VOTE_RULES.len()
    );
}

#[test]
fn final_states_have_no_rules() {
    for s in [
        ActionStatus::Done,
        ActionStatus::Failed,
        ActionStatus::Withdrawn,
    ] {
        assert!(
            response::rules::allowed(ACTION_RULES, s).is_empty(),
            "{s} is final"
        );
        assert!(s.is_final());
    }
    assert!(response::rules::allowed(VOTE_RULES, ProposalStatus::Published).is_empty());
    assert!(response::rules::allowed(VOTE_RULES, ProposalStatus::Failed).is_empty());
    // A closed case only reopens.
    assert_eq!(
        response::rules::allowed(CASE_RULES, CaseStatus::Closed),
        vec![response::case::CaseAction::Reopen]
    );
}

#[test]
fn every_rule_has_a_who_sentence_and_a_from_state() {
    let check = |id: &str, who: &str, from: usize| {
        assert!(from > 0, "{id} applies from no state");
        assert!(who.len() > 10, "{id} has no who sentence");
    };
    for r in CASE_RULES {
        check(r.id, r.who, r.from.len());
    }
    for r in ACTION_RULES {
        check(r.id, r.who, r.from.len());
    }
    for r in VOTE_RULES {
        check(r.id, r.who, r.from.len());
    }
}

#[test]
fn wire_names_round_trip_and_unknown_names_are_errors() {
    use response::action::{ActionStep, TaskOutcome};
    use response::case::CaseAction;
    use response::vote::{Ballot, Outcome, ProposalAction};
    fn round<T>(all: &[T])
    where
        T: Copy + std::fmt::Display + std::str::FromStr + PartialEq + std::fmt::Debug,
        T::Err: std::fmt::Debug,
    {
        for v in all {
            let s = v.to_string();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{s}");
            assert_eq!(s.parse::<T>().ok(), Some(*v));
        }
        assert!("Nope".parse::<T>().is_err());
    }
    round(CaseStatus::ALL);
    round(CaseAction::ALL);
    round(ActionStatus::ALL);
    round(ActionStep::ALL);
    round(TaskOutcome::ALL);
    round(ProposalStatus::ALL);
    round(ProposalAction::ALL);
    round(Ballot::ALL);
    round(Outcome::ALL);
    assert_eq!(CaseAction::AddObject.as_str(), "add-object");
    let err = "shut".parse::<CaseStatus>().unwrap_err().to_string();
    assert!(
        err.contains("case status") && err.contains("new, open, closed"),
        "{err}"
    );
}

#[test]
fn enums_serialise_as_their_wire_names() {
    use response::action::TaskOutcome;
    use response::vote::DecisionRule;
    let v = serde_json::to_value((
        CaseStatus::Closed,
        TaskOutcome::Successful,
        DecisionRule::Quorum(2),
    ))
    .expect("serialise");
    assert_eq!(v, serde_json::json!(["closed", "successful", "quorum:2"]));
    let back: (CaseStatus, DecisionRule) =
        serde_json::from_value(serde_json::json!(["open", "consensus"])).expect("deserialise");
    assert_eq!(back, (CaseStatus::Open, DecisionRule::Consensus));
    let err = serde_json::from_value::<CaseStatus>(serde_json::json!("shut")).unwrap_err();
    assert!(err.to_string().contains("unknown case status"), "{err}");
    assert!(serde_json::from_value::<DecisionRule>(serde_json::json!("quorum:0")).is_err());
}
