//! One test per rule of the Transparency Database, each naming the field it expects.

use super::*;

/// Asserts that `s` fails naming `field` and only fields in `also`.
fn refused(s: Statement, field: &str) {
    let named = failing(&s);
    assert!(
        named.iter().any(|f| f == field),
        "expected an error on {field}, got {named:?}"
    );
}

fn accepted(s: Statement) {
    assert_eq!(failing(&s), Vec::<String>::new());
}

fn chars(n: usize) -> String {
    "é".repeat(n)
}

#[test]
fn the_minimal_statements_are_valid() {
    accepted(incompatible());
    accepted(illegal());
}

#[test]
fn a_full_statement_on_each_ground_is_valid() {
    for ground in DecisionGround::ALL {
        accepted(full(*ground));
    }
}

// Required fields.

#[test]
fn puid_is_required() {
    refused(
        Statement {
            puid: String::new(),
            ..incompatible()
        },
        "puid",
    );
    refused(
        Statement {
            puid: "   ".into(),
            ..incompatible()
        },
        "puid",
    );
}

#[test]
fn decision_ground_is_required() {
    refused(
        Statement {
            decision_ground: None,
            ..incompatible()
        },
        "decision_ground",
    );
}

#[test]
fn category_is_required() {
    refused(
        Statement {
            category: None,
            ..incompatible()
        },
        "category",
    );
}

#[test]
fn content_type_is_required_and_not_empty() {
    refused(
        Statement {
            content_type: None,
            ..incompatible()
        },
        "content_type",
    );
    refused(
        Statement {
            content_type: Some(vec![]),
            ..incompatible()
        },
        "content_type",
    );
}

#[test]
fn content_date_is_required() {
    refused(
        Statement {
            content_date: None,
            ..incompatible()
        },
        "content_date",
    );
}

#[test]
fn application_date_is_required() {
    refused(
        Statement {
            application_date: None,
            ..incompatible()
        },
        "application_date",
    );
}

#[test]
fn decision_facts_is_required_and_blank_is_absent() {
    refused(
        Statement {
            decision_facts: None,
            ..incompatible()
        },
        "decision_facts",
    );
    refused(
        Statement {
            decision_facts: Some(" \t\n".into()),
            ..incompatible()
        },
        "decision_facts",
    );
}

#[test]
fn source_type_is_required() {
    refused(
        Statement {
            source_type: None,
            ..incompatible()
        },
        "source_type",
    );
}

#[test]
fn automated_detection_is_required() {
    refused(
        Statement {
            automated_detection: None,
            ..incompatible()
        },
        "automated_detection",
    );
}

#[test]
fn automated_decision_is_required() {
    refused(
        Statement {
            automated_decision: None,
            ..incompatible()
        },
        "automated_decision",
    );
}

// At least one decision.

#[test]
fn without_any_decision_each_of_the_four_is_named() {
    let none = Statement {
        decision_visibility: None,
        ..incompatible()
    };
    let named = failing(&none);
    assert_eq!(
        named,
        [
            "decision_visibility",
            "decision_monetary",
            "decision_provision",
            "decision_account"
        ]
    );
    let empty = Statement {
        decision_visibility: Some(vec![]),
        ..incompatible()
    };
    assert_eq!(failing(&empty).len(), 4);
}

#[test]
fn any_one_decision_is_enough() {
    let none = Statement {
        decision_visibility: None,
        ..incompatible()
    };
    accepted(Statement {
        decision_monetary: Some(DecisionMonetary::Suspension),
        ..none.clone()
    });
    accepted(Statement {
        decision_provision: Some(DecisionProvision::TotalTermination),
        ..none.clone()
    });
    accepted(Statement {
        decision_account: Some(DecisionAccount::Terminated),
        ..none
    });
}

// Conditional fields.

#[test]
fn decision_visibility_other_is_required_with_other() {
    let s = Statement {
        decision_visibility: Some(vec![DecisionVisibility::Other]),
        ..incompatible()
    };
    refused(s.clone(), "decision_visibility_other");
    accepted(Statement {
        decision_visibility_other: Some("Shadow ban".into()),
        ..s
    });
}

#[test]
fn decision_visibility_other_is_at_most_500_characters() {
    let s = Statement {
        decision_visibility: Some(vec![DecisionVisibility::Other]),
        ..incompatible()
    };
    accepted(Statement {
        decision_visibility_other: Some(chars(500)),
        ..s.clone()
    });
    refused(
        Statement {
            decision_visibility_other: Some(chars(501)),
            ..s
        },
        "decision_visibility_other",
    );
}

#[test]
fn decision_visibility_other_is_ignored_without_other() {
    accepted(Statement {
        decision_visibility_other: Some(chars(900)),
        ..incompatible()
    });
}

#[test]
fn decision_monetary_other_is_required_with_other() {
    let s = Statement {
        decision_monetary: Some(DecisionMonetary::Other),
        ..incompatible()
    };
    refused(s.clone(), "decision_monetary_other");
    refused(
        Statement {
            decision_monetary_other: Some(chars(501)),
            ..s.clone()
        },
        "decision_monetary_other",
    );
    accepted(Statement {
        decision_monetary_other: Some("Fine".into()),
        ..s
    });
}

#[test]
fn decision_monetary_other_is_ignored_without_other() {
    let s = Statement {
        decision_monetary: Some(DecisionMonetary::Termination),
        ..incompatible()
    };
    accepted(Statement {
        decision_monetary_other: Some(chars(900)),
        ..s
    });
}

#[test]
fn content_type_other_is_required_with_other() {
    let s = Statement {
        content_type: Some(vec![ContentType::Image, ContentType::Other]),
        ..incompatible()
    };
    refused(s.clone(), "content_type_other");
    refused(
        Statement {
            content_type_other: Some(chars(501)),
            ..s.clone()
        },
        "content_type_other",
    );
    accepted(Statement {
        content_type_other: Some("Sticker".into()),
        ..s
    });
}

#[test]
fn content_type_other_is_ignored_without_other() {
    accepted(Statement {
        content_type_other: Some(chars(900)),
        ..incompatible()
    });
}

#[test]
fn illegal_content_legal_ground_is_required_on_illegal_ground() {
    refused(
        Statement {
            illegal_content_legal_ground: None,
            ..illegal()
        },
        "illegal_content_legal_ground",
    );
    refused(
        Statement {
            illegal_content_legal_ground: Some(chars(501)),
            ..illegal()
        },
        "illegal_content_legal_ground",
    );
}

#[test]
fn illegal_content_explanation_is_required_on_illegal_ground() {
    refused(
        Statement {
            illegal_content_explanation: None,
            ..illegal()
        },
        "illegal_content_explanation",
    );
    accepted(Statement {
        illegal_content_explanation: Some(chars(2000)),
        ..illegal()
    });
    refused(
        Statement {
            illegal_content_explanation: Some(chars(2001)),
            ..illegal()
        },
        "illegal_content_explanation",
    );
}

#[test]
fn illegal_content_fields_are_ignored_on_the_incompatible_ground() {
    accepted(Statement {
        illegal_content_legal_ground: Some(chars(900)),
        illegal_content_explanation: Some(chars(3000)),
        ..incompatible()
    });
}

#[test]
fn incompatible_content_ground_is_required_on_incompatible_ground() {
    refused(
        Statement {
            incompatible_content_ground: None,
            ..incompatible()
        },
        "incompatible_content_ground",
    );
    refused(
        Statement {
            incompatible_content_ground: Some(chars(501)),
            ..incompatible()
        },
        "incompatible_content_ground",
    );
}

#[test]
fn incompatible_content_explanation_is_required_on_incompatible_ground() {
    refused(
        Statement {
            incompatible_content_explanation: None,
            ..incompatible()
        },
        "incompatible_content_explanation",
    );
    refused(
        Statement {
            incompatible_content_explanation: Some(chars(2001)),
            ..incompatible()
        },
        "incompatible_content_explanation",
    );
}

#[test]
fn incompatible_content_fields_are_ignored_on_the_illegal_ground() {
    accepted(Statement {
        incompatible_content_ground: Some(chars(900)),
        incompatible_content_explanation: Some(chars(3000)),
        incompatible_content_illegal: Some(YesNo::No),
        ..illegal()
    });
}

#[test]
fn source_identity_is_at_most_500_characters_unless_voluntary() {
    refused(
        Statement {
            source_identity: Some(chars(501)),
            ..incompatible()
        },
        "source_identity",
    );
    accepted(Statement {
        source_type: Some(SourceType::Voluntary),
        source_identity: Some(chars(501)),
        ..incompatible()
    });
}

// Lengths.

#[test]
fn puid_is_at_most_500_characters() {
    accepted(Statement {
        puid: "a".repeat(500),
        ..incompatible()
    });
    refused(
        Statement {
            puid: "a".repeat(501),
            ..incompatible()
        },
        "puid",
    );
}

#[test]
fn decision_facts_is_at_most_5000_characters() {
    accepted(Statement {
        decision_facts: Some(chars(5000)),
        ..incompatible()
    });
    refused(
        Statement {
            decision_facts: Some(chars(5001)),
            ..incompatible()
        },
        "decision_facts",
    );
}

#[test]
fn category_specification_other_is_at_most_500_characters() {
    refused(
        Statement {
            category_specification_other: Some(chars(501)),
            ..incompatible()
        },
        "category_specification_other",
    );
}

#[test]
fn lengths_count_trimmed_characters() {
    let padded = format!("  {}  ", chars(5000));
    accepted(Statement {
        decision_facts: Some(padded),
        ..incompatible()
    });
}

// Formats.

#[test]
fn puid_allows_letters_digits_hyphen_and_underscore_only() {
    accepted(Statement {
        puid: "Ab-9_z".into(),
        ..incompatible()
    });
    for bad in ["a b", "a/b", "a.b", "é", "a\u{0}b", "post-1\n2"] {
        refused(
            Statement {
                puid: bad.into(),
                ..incompatible()
            },
            "puid",
        );
    }
}

#[test]
fn content_id_ean_13_is_13_digits() {
    let with = |ean: &str| Statement {
        content_id: Some(ContentId {
            ean_13: Some(ean.into()),
        }),
        ..incompatible()
    };
    accepted(with("4006381333931"));
    refused(with("400638133393"), "content_id.EAN-13");
    refused(with("40063813339310"), "content_id.EAN-13");
    refused(with("400638133393a"), "content_id.EAN-13");
    accepted(Statement {
        content_id: Some(ContentId { ean_13: None }),
        ..incompatible()
    });
}

#[test]
fn content_id_ean_is_13_digits() {
    refused(
        Statement {
            content_id_ean: Some("123".into()),
            ..incompatible()
        },
        "content_id_ean",
    );
}

#[test]
fn decision_ground_reference_url_is_a_url() {
    accepted(Statement {
        decision_ground_reference_url: Some(
            "http://eur-lex.europa.eu:80/eli/reg/2022/2065/oj".into(),
        ),
        ..incompatible()
    });
    for bad in [
        "not a url",
        "ftp//x",
        "https://",
        "https://exa mple.org",
        "https://a..b/",
    ] {
        refused(
            Statement {
                decision_ground_reference_url: Some(bad.into()),
                ..incompatible()
            },
            "decision_ground_reference_url",
        );
    }
}

#[test]
fn decision_ground_reference_url_is_at_most_500_characters() {
    let long = format!("https://example.org/{}", "a".repeat(481));
    refused(
        Statement {
            decision_ground_reference_url: Some(long),
            ..incompatible()
        },
        "decision_ground_reference_url",
    );
}

// Dates.

#[test]
fn content_date_is_yyyy_mm_dd() {
    for bad in [
        "2025-12-30-10",
        "30-12-2025",
        "2025/12/30",
        "2025-2-3",
        "2025-02-30",
        "2025-13-01",
    ] {
        refused(
            Statement {
                content_date: Some(bad.into()),
                ..incompatible()
            },
            "content_date",
        );
    }
    accepted(Statement {
        content_date: Some("2024-02-29".into()),
        ..incompatible()
    });
}

#[test]
fn content_date_is_from_2000() {
    accepted(Statement {
        content_date: Some("2000-01-01".into()),
        ..incompatible()
    });
    refused(
        Statement {
            content_date: Some("1999-12-31".into()),
            ..incompatible()
        },
        "content_date",
    );
}

#[test]
fn content_date_is_at_most_2038_01_01() {
    accepted(Statement {
        content_date: Some("2038-01-01".into()),
        ..incompatible()
    });
    refused(
        Statement {
            content_date: Some("2038-01-02".into()),
            ..incompatible()
        },
        "content_date",
    );
}

#[test]
fn application_date_is_yyyy_mm_dd() {
    refused(
        Statement {
            application_date: Some("2025-12-31-00".into()),
            ..incompatible()
        },
        "application_date",
    );
}

#[test]
fn application_date_is_from_2020() {
    accepted(Statement {
        application_date: Some("2020-01-01".into()),
        ..incompatible()
    });
    refused(
        Statement {
            application_date: Some("2019-12-31".into()),
            ..incompatible()
        },
        "application_date",
    );
}

#[test]
fn application_date_is_at_most_2038_01_01() {
    refused(
        Statement {
            application_date: Some("2040-01-01".into()),
            ..incompatible()
        },
        "application_date",
    );
}

#[test]
fn end_date_account_restriction_is_a_date_up_to_2038() {
    let with = |d: &str| Statement {
        end_date_account_restriction: Some(d.into()),
        ..incompatible()
    };
    accepted(with("1999-01-01"));
    refused(with("2026-1-1"), "end_date_account_restriction");
    refused(with("2039-01-01"), "end_date_account_restriction");
}

#[test]
fn end_date_monetary_restriction_is_a_date_up_to_2038() {
    let with = |d: &str| Statement {
        end_date_monetary_restriction: Some(d.into()),
        ..incompatible()
    };
    refused(with("tomorrow"), "end_date_monetary_restriction");
    refused(with("2039-01-01"), "end_date_monetary_restriction");
}

#[test]
fn end_date_service_restriction_is_a_date_up_to_2038() {
    let with = |d: &str| Statement {
        end_date_service_restriction: Some(d.into()),
        ..incompatible()
    };
    refused(with("2026-04-31"), "end_date_service_restriction");
    refused(with("2039-01-01"), "end_date_service_restriction");
}

#[test]
fn end_date_visibility_restriction_is_a_date_up_to_2038() {
    let with = |d: &str| Statement {
        end_date_visibility_restriction: Some(d.into()),
        ..incompatible()
    };
    refused(
        with("2026-03-31T00:00:00Z"),
        "end_date_visibility_restriction",
    );
    refused(with("2039-01-01"), "end_date_visibility_restriction");
}

#[test]
fn end_dates_need_no_relation_to_the_application_date() {
    accepted(Statement {
        end_date_visibility_restriction: Some("2020-01-01".into()),
        ..incompatible()
    });
}

// The schema change of 1 July 2025.

#[test]
fn categories_introduced_in_2025_are_refused_before_the_change() {
    let s = Statement {
        category: Some(Category::CyberViolence),
        ..incompatible()
    };
    assert!(s.check(NOW).is_ok());
    let before = s.check(sor::SCHEMA_2025 - 1).unwrap_err();
    assert_eq!(fields(&before), ["category"]);
    assert!(s.check(sor::SCHEMA_2025).is_ok());
}

#[test]
fn category_addition_introduced_in_2025_is_refused_before_the_change() {
    let s = Statement {
        category_addition: Some(vec![Category::ScamsAndFraud, Category::NotSpecifiedNotice]),
        ..incompatible()
    };
    assert!(s.check(NOW).is_ok());
    let before = s.check(sor::SCHEMA_2025 - 1).unwrap_err();
    assert_eq!(fields(&before), ["category_addition.1"]);
}

#[test]
fn keywords_introduced_in_2025_are_refused_before_the_change() {
    let s = Statement {
        category_specification: Some(vec![Keyword::HateSpeech, Keyword::CyberStalking]),
        ..incompatible()
    };
    assert!(s.check(NOW).is_ok());
    let before = s.check(sor::SCHEMA_2025 - 1).unwrap_err();
    assert_eq!(fields(&before), ["category_specification.1"]);
}

#[test]
fn every_error_is_reported_at_once() {
    let named = failing(&Statement::default());
    for field in [
        "decision_visibility",
        "decision_ground",
        "content_type",
        "category",
        "content_date",
        "application_date",
        "decision_facts",
        "source_type",
        "automated_detection",
        "automated_decision",
        "puid",
    ] {
        assert!(
            named.iter().any(|f| f == field),
            "{field} missing from {named:?}"
        );
    }
}

#[test]
fn enumerations_have_the_databases_values() {
    assert_eq!(DecisionVisibility::ALL.len(), 7);
    assert_eq!(Category::ALL.len(), 16);
    assert_eq!(Keyword::ALL.len(), 69);
    assert_eq!(Country::ALL.len(), 30);
    assert_eq!(Language::ALL.len(), 184);
    assert_eq!(
        Category::NegativeEffectsOnCivicDiscourseOrElections.as_str(),
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"
    );
    assert_eq!(
        "SOURCE_TYPE_OTHER_NOTIFICATION".parse(),
        Ok(SourceType::OtherNotification)
    );
    assert!("DECISION_GROUND_OTHER".parse::<DecisionGround>().is_err());
    for v in Keyword::ALL {
        assert_eq!(v.as_str().parse::<Keyword>(), Ok(*v));
        let json = serde_json::to_string(v).unwrap();
        assert_eq!(json, format!("\"{}\"", v.as_str()));
    }
}
