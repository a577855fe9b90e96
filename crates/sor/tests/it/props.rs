//! Properties: a generated valid statement passes and round-trips; removing any one required
//! field fails naming that field.

use super::*;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

/// A trimmed, non-empty text of up to `max` characters (never longer than the field allows).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(
        "[a-zA-Z0-9é§]([a-zA-Z0-9é§ .,'-]{{0,{}}}[a-z.])?",
        max.min(60)
    ))
    .unwrap()
}

fn date(from: u32) -> impl Strategy<Value = String> {
    (from..=2037u32, 1..=12u32, 1..=28u32).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn non_empty<T: Clone + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    subsequence(all, 1..=all.len().min(4))
}

fn statement() -> impl Strategy<Value = Statement> {
    let ids = (
        "[a-zA-Z0-9_-]{1,60}",
        proptest::option::of("[0-9]{13}"),
        select(DecisionGround::ALL),
        proptest::option::of(select(YesNo::ALL)),
        text(500),
        text(2000),
    );
    let decisions = (
        proptest::option::of(non_empty(DecisionVisibility::ALL)),
        proptest::option::of(select(DecisionMonetary::ALL)),
        proptest::option::of(select(DecisionProvision::ALL)),
        proptest::option::of(select(DecisionAccount::ALL)),
        text(500),
        proptest::option::of(select(AccountType::ALL)),
    );
    let content = (
        non_empty(ContentType::ALL),
        text(500),
        select(Category::ALL),
        proptest::option::of(subsequence(Category::ALL, 0..3)),
        proptest::option::of(subsequence(Keyword::ALL, 0..3)),
        proptest::option::of(subsequence(Country::ALL, 0..5)),
        proptest::option::of(select(Language::ALL)),
    );
    let rest = (
        date(2000),
        date(2020),
        proptest::option::of(date(2000)),
        text(5000),
        select(SourceType::ALL),
        proptest::option::of(text(500)),
        select(YesNo::ALL),
        select(AutomatedDecision::ALL),
    );
    (ids, decisions, content, rest).prop_map(
        |(
            (puid, ean, ground, illegal_too, ground_text, explanation),
            (visibility, monetary, provision, account, other, account_type),
            (content_type, content_other, category, addition, keywords, scope, language),
            (content_date, application_date, end, facts, source, identity, detection, decision),
        )| {
            let decided = visibility.is_some()
                || monetary.is_some()
                || provision.is_some()
                || account.is_some();
            let visibility = if decided {
                visibility
            } else {
                Some(vec![DecisionVisibility::ContentDisabled])
            };
            let needs = |yes: bool| if yes { Some(other.clone()) } else { None };
            let illegal = ground == DecisionGround::IllegalContent;
            Statement {
                puid,
                content_id_ean: ean,
                decision_visibility_other: needs(
                    visibility
                        .as_ref()
                        .is_some_and(|v| v.contains(&DecisionVisibility::Other)),
                ),
                decision_visibility: visibility,
                decision_monetary_other: needs(monetary == Some(DecisionMonetary::Other)),
                decision_monetary: monetary,
                decision_provision: provision,
                decision_account: account,
                account_type,
                category_specification: keywords,
                decision_ground: Some(ground),
                illegal_content_legal_ground: illegal.then(|| ground_text.clone()),
                illegal_content_explanation: illegal.then(|| explanation.clone()),
                incompatible_content_ground: (!illegal).then(|| ground_text.clone()),
                incompatible_content_explanation: (!illegal).then(|| explanation.clone()),
                incompatible_content_illegal: if illegal { None } else { illegal_too },
                content_type_other: content_type
                    .contains(&ContentType::Other)
                    .then_some(content_other),
                content_type: Some(content_type),
                category: Some(category),
                category_addition: addition,
                territorial_scope: scope,
                content_language: language,
                content_date: Some(content_date),
                application_date: Some(application_date),
                end_date_visibility_restriction: end,
                decision_facts: Some(facts),
                source_identity: if source == SourceType::Voluntary {
                    None
                } else {
                    identity
                },
                source_type: Some(source),
                automated_detection: Some(detection),
                automated_decision: Some(decision),
                ..Statement::default()
            }
        },
    )
}

/// Removes the named field; false when the statement has no such required field.
fn remove(s: &mut Statement, field: &str) -> bool {
    let illegal = s.decision_ground == Some(DecisionGround::IllegalContent);
    match field {
        "puid" => s.puid.clear(),
        "decision_ground" => s.decision_ground = None,
        "category" => s.category = None,
        "content_type" => s.content_type = None,
        "content_date" => s.content_date = None,
        "application_date" => s.application_date = None,
        "decision_facts" => s.decision_facts = None,
        "source_type" => s.source_type = None,
        "automated_detection" => s.automated_detection = None,
        "automated_decision" => s.automated_decision = None,
        "illegal_content_legal_ground" if illegal => s.illegal_content_legal_ground = None,
        "illegal_content_explanation" if illegal => s.illegal_content_explanation = None,
        "incompatible_content_ground" if !illegal => s.incompatible_content_ground = None,
        "incompatible_content_explanation" if !illegal => s.incompatible_content_explanation = None,
        _ => return false,
    }
    true
}

const REQUIRED: &[&str] = &[
    "puid",
    "decision_ground",
    "category",
    "content_type",
    "content_date",
    "application_date",
    "decision_facts",
    "source_type",
    "automated_detection",
    "automated_decision",
    "illegal_content_legal_ground",
    "illegal_content_explanation",
    "incompatible_content_ground",
    "incompatible_content_explanation",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_valid_statement_passes_and_round_trips(s in statement()) {
        prop_assert_eq!(s.check(NOW), Ok(()));
        let json = serde_json::to_string(&s).unwrap();
        let parsed = sor::parse(&json, NOW).unwrap();
        prop_assert_eq!(&parsed, &s);
        let again = sor::parse(&serde_json::to_string(&parsed).unwrap(), NOW).unwrap();
        prop_assert_eq!(again, parsed);
    }

    #[test]
    fn removing_a_required_field_fails_naming_it(s in statement(), field in select(REQUIRED)) {
        let mut broken = s;
        prop_assume!(remove(&mut broken, field));
        let invalid = broken.check(NOW).unwrap_err();
        prop_assert!(invalid.errors.iter().any(|e| e.field == field), "{} not in {:?}", field, invalid);
        // The same through parse, from the serialised form.
        let json = serde_json::to_string(&broken).unwrap();
        let parsed = sor::parse(&json, NOW).unwrap_err();
        prop_assert!(parsed.errors.iter().any(|e| e.field == field), "{} not in {:?}", field, parsed);
    }

    #[test]
    fn a_batch_of_valid_statements_with_distinct_puids_is_accepted(
        mut statements in proptest::collection::vec(statement(), 1..=sor::BATCH_MAX)
    ) {
        for (i, s) in statements.iter_mut().enumerate() {
            s.puid = format!("{}-{i}", s.puid);
        }
        let batch = sor::Batch::new(statements.clone(), NOW).unwrap();
        prop_assert_eq!(batch.statements(), &statements[..]);
    }

    #[test]
    fn parse_never_panics(text in "\\PC{0,200}") {
        let _ = sor::parse(&text, NOW);
    }
}
