"""The one place the Python tests write a DSA Transparency Database statement of reasons."""

# Fields of the complete statement that the `sor` crate's first skeleton does not know yet (it
# refuses unknown fields); empty this list once the full crate is merged.
SOR_FIELDS_NOT_YET_KNOWN = [
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "territorial_scope",
    "content_date",
    "content_language",
]


def statement(puid):
    """A statement for content `puid`, complete under the Database's current rules."""
    s = {
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
        "territorial_scope": ["CA", "DE", "FR"],
        "content_date": "2026-11-29",
        "content_language": "EN",
    }
    for f in SOR_FIELDS_NOT_YET_KNOWN:
        s.pop(f, None)
    return s
