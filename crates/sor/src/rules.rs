//! The Transparency Database's validation rules for one statement, each failure naming its field.

use crate::{
    Category, ContentType, DecisionGround, DecisionMonetary, DecisionVisibility, FieldError,
    Keyword, SourceType, Statement, SCHEMA_2025,
};

/// The earliest `content_date` the Database accepts.
const CONTENT_DATE_MIN: &str = "2000-01-01";
/// The earliest `application_date` the Database accepts.
const APPLICATION_DATE_MIN: &str = "2020-01-01";
/// The latest date of any kind the Database accepts (its timestamps end in 2038).
const DATE_MAX: &str = "2038-01-01";

impl Category {
    /// True for the categories the schema of 1 July 2025 introduced (refused before it).
    pub fn new_in_2025(self) -> bool {
        matches!(
            self,
            Category::ConsumerInformation
                | Category::CyberViolence
                | Category::CyberViolenceAgainstWomen
                | Category::UnsafeAndProhibitedProducts
                | Category::OtherViolationTc
                | Category::NotSpecifiedNotice
        )
    }
}

impl Keyword {
    /// True for the keywords the schema of 1 July 2025 introduced or renamed (refused before it).
    pub fn new_in_2025(self) -> bool {
        matches!(
            self,
            Keyword::BullyingAgainstGirls
                | Keyword::ChildSexualAbuseMaterialDeepfake
                | Keyword::CyberBullyingIntimidation
                | Keyword::CyberHarassment
                | Keyword::CyberHarassmentAgainstWomen
                | Keyword::CyberIncitement
                | Keyword::CyberStalking
                | Keyword::CyberStalkingAgainstWomen
                | Keyword::FemaleGenderedDisinformation
                | Keyword::HiddenAdvertisement
                | Keyword::IncitementAgainstWomen
                | Keyword::InsufficientInformationOnTraders
                | Keyword::MisinformationDisinformation
                | Keyword::MisleadingInfoConsumerRights
                | Keyword::MisleadingInfoGoodsServices
                | Keyword::NonConsensualImageSharingAgainstWomen
                | Keyword::NonConsensualMaterialDeepfake
                | Keyword::NonConsensualMaterialDeepfakeAgainstWomen
                | Keyword::NoncompliancePricing
                | Keyword::ProhibitedProducts
                | Keyword::TraffickingWomenGirls
                | Keyword::UnsafeProducts
                | Keyword::ViolationEuLaw
                | Keyword::ViolationNationalLaw
        )
    }
}

/// The Database's trimming of every string: Unicode white space and the byte-order mark,
/// zero-width space and left-to-right mark at either end.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}' || c == '\u{200E}'
    })
}

/// A text field as the Database reads it: trimmed, and absent when empty.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(trim).filter(|s| !s.is_empty())
}

/// True for a `YYYY-MM-DD` calendar date (the Database's `date_format:Y-m-d`, which refuses
/// dates such as 2025-02-30 that do not exist).
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// True for a `puid`: letters a-z and A-Z, digits, `-` and `_`, at least one.
pub(crate) fn is_puid(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// True for 13 ASCII digits (an EAN-13).
fn is_ean13(s: &str) -> bool {
    s.len() == 13 && s.bytes().all(|c| c.is_ascii_digit())
}

/// True for an `http` or `https` URL with a host name or address, an optional port, and a
/// path, query or fragment without white space or control characters. The Database's `url`
/// rule accepts more (other schemes, user information); this is a subset of it.
pub(crate) fn is_url(s: &str) -> bool {
    let rest = if let Some(r) = s.strip_prefix("https://") {
        r
    } else if let Some(r) = s.strip_prefix("http://") {
        r
    } else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        });
    host_ok
        && tail
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '<' && c != '>')
}

/// The errors found so far.
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: &str, message: String) {
        self.0.push(FieldError::new(field, message));
    }

    /// The field's name in words, as the Database's messages write it.
    fn words(field: &str) -> String {
        field.replace('_', " ")
    }

    fn required(&mut self, field: &str) {
        self.push(
            field,
            format!("The {} field is required.", Self::words(field)),
        );
    }

    /// A required field that must be present.
    fn require(&mut self, field: &str, present: bool) {
        if !present {
            self.required(field);
        }
    }

    /// A text of at most `max` characters (after trimming).
    fn max(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            if v.chars().count() > max {
                self.push(
                    field,
                    format!(
                        "The {} field must not be greater than {max} characters.",
                        Self::words(field)
                    ),
                );
            }
        }
    }

    /// A required text of at most `max` characters.
    fn required_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        match value {
            None => self.required(field),
            Some(_) => self.max(field, value, max),
        }
    }

    /// A date, `YYYY-MM-DD`, within `[min, DATE_MAX]`.
    fn date(&mut self, field: &str, value: Option<&str>, required: bool, min: Option<&str>) {
        let Some(v) = value else {
            if required {
                self.required(field);
            }
            return;
        };
        let words = Self::words(field);
        if !is_date(v) {
            self.push(
                field,
                format!("The {words} does not match the format YYYY-MM-DD."),
            );
            return;
        }
        if let Some(min) = min {
            if v < min {
                self.push(
                    field,
                    format!("The {words} field must be a date after or equal to {min}."),
                );
            }
        }
        if v > DATE_MAX {
            self.push(
                field,
                format!("The {words} field must be a date before or equal to {DATE_MAX}."),
            );
        }
    }
}

/// Every rule the statement breaks at `now`, in the order of the Database's rules.
pub(crate) fn check(s: &Statement, now: i64) -> Vec<FieldError> {
    let mut e = Errors(Vec::new());

    // Identifiers of the content.
    if let Some(id) = &s.content_id {
        if let Some(ean) = &id.ean_13 {
            if !is_ean13(trim(ean)) {
                e.push(
                    "content_id.EAN-13",
                    "The content id EAN-13 must be 13 digits.".into(),
                );
            }
        }
    }
    if let Some(ean) = text(&s.content_id_ean) {
        if !is_ean13(ean) {
            e.push(
                "content_id_ean",
                "The content id ean must be 13 digits.".into(),
            );
        }
    }

    // At least one of the four decisions.
    let visibility = s.decision_visibility.as_deref().unwrap_or(&[]);
    let decided = !visibility.is_empty()
        || s.decision_monetary.is_some()
        || s.decision_provision.is_some()
        || s.decision_account.is_some();
    if !decided {
        let four = [
            "decision_visibility",
            "decision_monetary",
            "decision_provision",
            "decision_account",
        ];
        for field in four {
            let others: Vec<String> = four
                .iter()
                .filter(|f| **f != field)
                .map(|f| Errors::words(f))
                .collect();
            e.push(
                field,
                format!(
                    "The {} field is required when none of {} are present.",
                    Errors::words(field),
                    others.join(" / ")
                ),
            );
        }
    }
    if visibility.contains(&DecisionVisibility::Other) {
        e.required_text(
            "decision_visibility_other",
            text(&s.decision_visibility_other),
            500,
        );
    }
    if s.decision_monetary == Some(DecisionMonetary::Other) {
        e.required_text(
            "decision_monetary_other",
            text(&s.decision_monetary_other),
            500,
        );
    }
    e.max(
        "category_specification_other",
        text(&s.category_specification_other),
        500,
    );

    // The ground and what it needs.
    e.require("decision_ground", s.decision_ground.is_some());
    if let Some(url) = text(&s.decision_ground_reference_url) {
        if !is_url(url) {
            e.push(
                "decision_ground_reference_url",
                "The decision ground reference url field must be a valid URL.".into(),
            );
        }
        e.max("decision_ground_reference_url", Some(url), 500);
    }
    match s.decision_ground {
        Some(DecisionGround::IllegalContent) => {
            e.required_text(
                "illegal_content_legal_ground",
                text(&s.illegal_content_legal_ground),
                500,
            );
            e.required_text(
                "illegal_content_explanation",
                text(&s.illegal_content_explanation),
                2000,
            );
        }
        Some(DecisionGround::IncompatibleContent) => {
            e.required_text(
                "incompatible_content_ground",
                text(&s.incompatible_content_ground),
                500,
            );
            e.required_text(
                "incompatible_content_explanation",
                text(&s.incompatible_content_explanation),
                2000,
            );
        }
        None => {}
    }

    // The content.
    let content_type = s.content_type.as_deref().unwrap_or(&[]);
    e.require("content_type", !content_type.is_empty());
    if content_type.contains(&ContentType::Other) {
        e.required_text("content_type_other", text(&s.content_type_other), 500);
    }

    // The category, and the values the schema of 1 July 2025 introduced.
    e.require("category", s.category.is_some());
    if now < SCHEMA_2025 {
        let before = "was introduced by the schema of 1 July 2025 and is not accepted before it";
        if let Some(c) = s.category.filter(|c| c.new_in_2025()) {
            e.push("category", format!("{c} {before}."));
        }
        for (i, c) in s.category_addition.iter().flatten().enumerate() {
            if c.new_in_2025() {
                e.push(&format!("category_addition.{i}"), format!("{c} {before}."));
            }
        }
        for (i, k) in s.category_specification.iter().flatten().enumerate() {
            if k.new_in_2025() {
                e.push(
                    &format!("category_specification.{i}"),
                    format!("{k} {before}."),
                );
            }
        }
    }

    // Dates.
    e.date(
        "content_date",
        text(&s.content_date),
        true,
        Some(CONTENT_DATE_MIN),
    );
    e.date(
        "application_date",
        text(&s.application_date),
        true,
        Some(APPLICATION_DATE_MIN),
    );
    e.date(
        "end_date_account_restriction",
        text(&s.end_date_account_restriction),
        false,
        None,
    );
    e.date(
        "end_date_monetary_restriction",
        text(&s.end_date_monetary_restriction),
        false,
        None,
    );
    e.date(
        "end_date_service_restriction",
        text(&s.end_date_service_restriction),
        false,
        None,
    );
    e.date(
        "end_date_visibility_restriction",
        text(&s.end_date_visibility_restriction),
        false,
        None,
    );

    // Facts, source and automation.
    e.required_text("decision_facts", text(&s.decision_facts), 5000);
    e.require("source_type", s.source_type.is_some());
    if s.source_type != Some(SourceType::Voluntary) {
        e.max("source_identity", text(&s.source_identity), 500);
    }
    e.require("automated_detection", s.automated_detection.is_some());
    e.require("automated_decision", s.automated_decision.is_some());

    // The platform's identifier.
    let puid = trim(&s.puid);
    if puid.is_empty() {
        e.required("puid");
    } else {
        e.max("puid", Some(puid), 500);
        if !is_puid(puid) {
            e.push("puid", "The puid format is invalid.".into());
        }
    }
    e.0
}
