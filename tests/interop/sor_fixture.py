"""The one place the Python tests write a DSA Transparency Database statement of reasons."""


def statement(puid):
    """A statement for content `puid`, complete under the Database's current rules."""
    return {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Platform manipulation policy, section 2",
        "incompatible_content_explanation": "The account is part of a coordinated inauthentic network.",
        "category": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "application_date": "2026-11-30",
        "decision_facts": "Removed after review of the notice and the account's activity.",
        "source_type": "SOURCE_ARTICLE_16",
        "puid": puid,
        "territorial_scope": ["DE", "FR"],
        "content_date": "2026-11-29",
        "content_language": "EN",
    }
