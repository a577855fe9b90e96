//! Integration tests of the `sor` crate: one test per Transparency Database rule, parsing,
//! batches and properties, through the public interface only.

mod batch;
mod parse;
mod props;
mod rules;

use sor::{
    AccountType, AutomatedDecision, Category, ContentId, ContentType, Country, DecisionAccount,
    DecisionGround, DecisionMonetary, DecisionProvision, DecisionVisibility, Keyword, Language,
    SourceType, Statement, YesNo,
};

/// 2026-01-01T00:00:00Z, well after the schema change of 1 July 2025.
pub const NOW: i64 = 1_767_225_600;

/// A minimal valid statement on the ground of incompatibility with the terms.
pub fn incompatible() -> Statement {
    Statement {
        puid: "post-1".into(),
        decision_visibility: Some(vec![DecisionVisibility::ContentRemoved]),
        decision_ground: Some(DecisionGround::IncompatibleContent),
        incompatible_content_ground: Some("Community guidelines, section 4".into()),
        incompatible_content_explanation: Some("Coordinated inauthentic behaviour.".into()),
        category: Some(Category::NegativeEffectsOnCivicDiscourseOrElections),
        content_type: Some(vec![ContentType::Text]),
        content_date: Some("2025-12-30".into()),
        application_date: Some("2025-12-31".into()),
        decision_facts: Some("Part of a network flagged by a notice.".into()),
        source_type: Some(SourceType::Article16),
        automated_detection: Some(YesNo::No),
        automated_decision: Some(AutomatedDecision::NotAutomated),
        ..Statement::default()
    }
}

/// A minimal valid statement on the ground of illegal content.
pub fn illegal() -> Statement {
    Statement {
        decision_ground: Some(DecisionGround::IllegalContent),
        incompatible_content_ground: None,
        incompatible_content_explanation: None,
        illegal_content_legal_ground: Some("Electoral law, Art. 12".into()),
        illegal_content_explanation: Some("Undisclosed paid political advertising.".into()),
        ..incompatible()
    }
}

/// A statement with every field the Database accepts filled in, on the given ground.
pub fn full(ground: DecisionGround) -> Statement {
    let base = match ground {
        DecisionGround::IllegalContent => illegal(),
        DecisionGround::IncompatibleContent => Statement {
            incompatible_content_illegal: Some(YesNo::Yes),
            ..incompatible()
        },
    };
    Statement {
        content_id: Some(ContentId {
            ean_13: Some("4006381333931".into()),
        }),
        content_id_ean: Some("4006381333931".into()),
        decision_visibility: Some(vec![
            DecisionVisibility::ContentDemoted,
            DecisionVisibility::Other,
        ]),
        decision_visibility_other: Some("Hidden from trending lists".into()),
        decision_monetary: Some(DecisionMonetary::Other),
        decision_monetary_other: Some("Advertising revenue withheld".into()),
        decision_provision: Some(DecisionProvision::PartialSuspension),
        decision_account: Some(DecisionAccount::Suspended),
        account_type: Some(AccountType::Private),
        category_specification: Some(vec![Keyword::MisinformationDisinformation, Keyword::Other]),
        category_specification_other: Some("Fabricated polling results".into()),
        decision_ground_reference_url: Some("https://example.org/terms#s4".into()),
        content_type: Some(vec![ContentType::Video, ContentType::Other]),
        content_type_other: Some("Livestream".into()),
        category_addition: Some(vec![Category::IllegalOrHarmfulSpeech]),
        territorial_scope: Some(vec![Country::DE, Country::FR, Country::NO]),
        content_language: Some(Language::DE),
        end_date_account_restriction: Some("2026-03-31".into()),
        end_date_monetary_restriction: Some("2026-03-31".into()),
        end_date_service_restriction: Some("2026-03-31".into()),
        end_date_visibility_restriction: Some("2026-03-31".into()),
        source_identity: Some("Election authority".into()),
        automated_detection: Some(YesNo::Yes),
        automated_decision: Some(AutomatedDecision::Partially),
        ..base
    }
}

/// The fields an error list names.
pub fn fields(invalid: &sor::Invalid) -> Vec<&str> {
    invalid.errors.iter().map(|e| e.field.as_str()).collect()
}

/// Checks `s` at [`NOW`] and returns the fields named; empty when valid.
pub fn failing(s: &Statement) -> Vec<String> {
    match s.check(NOW) {
        Ok(()) => Vec::new(),
        Err(invalid) => invalid.errors.into_iter().map(|e| e.field).collect(),
    }
}
