//! sor: statements of reasons in the schema of the DSA Transparency Database.
//!
//! A platform that restricts content under the Digital Services Act (Art. 17) writes a
//! statement of reasons and, under Art. 24(5), submits it to the Commission's Transparency
//! Database (TDB). rrm records a platform's decision on an item of a notice as such a statement,
//! under the Database's own field names and enumeration values, and checks it with the
//! Database's own rules, so that an export is accepted as it is.
//!
//! - [`Statement`]: one statement of reasons, (de)serialised under the Database's field names;
//!   every enumerated field is a typed enum whose serde names are the Database's values
//!   ([`DecisionVisibility::ContentRemoved`] is `DECISION_VISIBILITY_CONTENT_REMOVED`).
//! - [`Statement::check`]: the Database's validation rules; every failure names its field.
//! - [`parse`]: a statement from JSON as the Database reads it, every problem collected.
//! - [`Batch`]: 1 to [`BATCH_MAX`] statements with distinct `puid`s, serialised as the body of
//!   the Database's multiple-statement endpoint (`POST /api/v1/statements`,
//!   `{"statements": [...]}`).
//!
//! # The rules
//!
//! The source of truth is the Database's own code (`StatementStoreRequest`, the multiple
//! endpoint's `GroupedSubmissionsService`, `Statement` for the enumerations, the country and
//! language services), as it has stood since the schema change of 1 July 2025, which aligned the
//! categories and keywords with the Implementing Regulation on transparency reporting
//! (2024/2835). The rules, in the Database's terms:
//!
//! - Required: `puid`, `decision_ground`, `category`, `content_type` (a non-empty array),
//!   `content_date`, `application_date`, `decision_facts`, `source_type`,
//!   `automated_detection`, `automated_decision`.
//! - At least one decision (`required_without_all`): `decision_visibility` (an array),
//!   `decision_monetary`, `decision_provision` or `decision_account`. When none is given each of
//!   the four is named.
//! - Conditional (`required_if`, and ignored otherwise: the Database's `exclude_unless` drops the
//!   field without looking at it): `decision_visibility_other` when `decision_visibility`
//!   contains `DECISION_VISIBILITY_OTHER`; `decision_monetary_other` when `decision_monetary` is
//!   `DECISION_MONETARY_OTHER`; `content_type_other` when `content_type` contains
//!   `CONTENT_TYPE_OTHER`; `illegal_content_legal_ground` and `illegal_content_explanation` when
//!   the ground is `DECISION_GROUND_ILLEGAL_CONTENT`; `incompatible_content_ground` and
//!   `incompatible_content_explanation` when it is `DECISION_GROUND_INCOMPATIBLE_CONTENT`
//!   (`incompatible_content_illegal`, `Yes` or `No`, is optional then and ignored otherwise);
//!   `source_identity` is ignored when `source_type` is `SOURCE_VOLUNTARY`.
//! - Lengths, in characters: 500 for `puid`, `decision_visibility_other`,
//!   `decision_monetary_other`, `category_specification_other`, `decision_ground_reference_url`,
//!   `illegal_content_legal_ground`, `incompatible_content_ground`, `content_type_other`,
//!   `source_identity`; 2000 for `illegal_content_explanation` and
//!   `incompatible_content_explanation`; 5000 for `decision_facts`.
//! - `puid`: letters `a-z A-Z`, digits, `-` and `_` only.
//! - Dates are `YYYY-MM-DD` (the Database's `Y-m-d`; the `Y-m-d-H` of 2023 is gone) and real
//!   calendar dates: `content_date` from 2000-01-01, `application_date` from 2020-01-01, and
//!   every date, with the four `end_date_*_restriction`s, at most 2038-01-01. No rule relates
//!   two dates to each other.
//! - `territorial_scope`: codes of the European Economic Area ([`Country`]); `content_language`:
//!   an upper-case ISO 639-1 code ([`Language`]); `content_id.EAN-13` and `content_id_ean`:
//!   13 digits; `decision_ground_reference_url`: an `http(s)` URL.
//! - A batch: 1 to 100 statements, their `puid`s distinct.
//! - Before 1 July 2025 (`now` before [`SCHEMA_2025`]) the values the change introduced
//!   ([`Category::new_in_2025`], [`Keyword::new_in_2025`]) were refused; the values it removed
//!   are not representable here.
//!
//! The Database trims every string and reads an empty string as absent; [`Statement::check`]
//! does the same, so `"  "` is a missing field and lengths count the trimmed text. Where this
//! crate is stricter than the Database it says so: [`parse`] refuses unknown fields, strings
//! where the Database would take a number, and the literal string `"null"` the Database
//! tolerates in some enumerations; the URL check accepts only `http` and `https`. A statement
//! this crate accepts is one the Database accepts, but for the one rule that needs the
//! Database's state: a `puid` the platform has used before is refused there.
//!
//! Serialisation omits absent fields (`None`), which the Database treats as `null`, except for
//! `category_addition` and `incompatible_content_illegal` whose explicit `null` it refuses
//! ([`parse`] refuses it too).
//!
//! The crate is pure: no files, network, database or clock; the caller passes the time.
//!
//! ```
//! use sor::{AutomatedDecision, Category, ContentType, DecisionGround, DecisionVisibility,
//!           SourceType, Statement, YesNo};
//!
//! let now = 1_767_225_600; // 2026-01-01T00:00:00Z
//! let statement = Statement {
//!     puid: "post-1".into(),
//!     decision_visibility: Some(vec![DecisionVisibility::ContentRemoved]),
//!     decision_ground: Some(DecisionGround::IncompatibleContent),
//!     incompatible_content_ground: Some("Community guidelines, section 4".into()),
//!     incompatible_content_explanation: Some("Coordinated inauthentic behaviour.".into()),
//!     category: Some(Category::NegativeEffectsOnCivicDiscourseOrElections),
//!     content_type: Some(vec![ContentType::Text]),
//!     content_date: Some("2025-12-30".into()),
//!     application_date: Some("2025-12-31".into()),
//!     decision_facts: Some("Part of a network flagged by a notice.".into()),
//!     source_type: Some(SourceType::Article16),
//!     automated_detection: Some(YesNo::No),
//!     automated_decision: Some(AutomatedDecision::NotAutomated),
//!     ..Statement::default()
//! };
//! assert!(statement.check(now).is_ok());
//!
//! // The same statement as the Database's JSON, and back.
//! let json = serde_json::to_string(&statement).unwrap();
//! assert!(json.contains(r#""decision_visibility":["DECISION_VISIBILITY_CONTENT_REMOVED"]"#));
//! assert_eq!(sor::parse(&json, now).unwrap(), statement);
//!
//! // A rule broken: the ground needs its explanation.
//! let broken = Statement { incompatible_content_explanation: None, ..statement };
//! let invalid = broken.check(now).unwrap_err();
//! assert_eq!(invalid.errors[0].field, "incompatible_content_explanation");
//!
//! // Batches hold at most 100 statements.
//! let many = (0..101).map(|i| Statement { puid: format!("p{i}"), ..broken.clone() }).collect();
//! let refused = sor::Batch::new(many, now).unwrap_err();
//! assert!(refused.errors.iter().any(|e| e.field == "statements"));
//! ```

use serde::{Deserialize, Serialize};

/// Defines one enumeration of the Database: a typed enum whose serde names are the Database's
/// values, with `ALL`, `as_str`, `Display` and `FromStr`.
macro_rules! tdb_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $value:literal,)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// Every value, in the Database's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value under the Database's name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::UnknownValue {
                        enumeration: stringify!($name),
                        value: s.to_owned(),
                    })
            }
        }
    };
}

mod batch;
mod codes;
mod parse;
mod rules;
mod values;

pub use batch::Batch;
pub use codes::{Country, Language};
pub use parse::parse;
pub use values::{
    AccountType, AutomatedDecision, Category, ContentType, DecisionAccount, DecisionGround,
    DecisionMonetary, DecisionProvision, DecisionVisibility, Keyword, SourceType,
};

/// The most statements the Database accepts in one multiple-statement request.
pub const BATCH_MAX: usize = 100;

/// When the schema of 1 July 2025 took effect: 2025-07-01T00:00:00 in Brussels (CEST), in
/// seconds since the epoch. Before it the values the change introduced were refused.
pub const SCHEMA_2025: i64 = 1_751_320_800;

tdb_enum! {
    /// A yes or no answer (`automated_detection`, `incompatible_content_illegal`).
    YesNo {
        /// Yes.
        Yes => "Yes",
        /// No.
        No => "No",
    }
}

/// Identifiers of the content (`content_id`); the Database knows one, the EAN-13 of a product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentId {
    /// The product's European Article Number: 13 digits (`content_id.EAN-13`).
    #[serde(rename = "EAN-13", default, skip_serializing_if = "Option::is_none")]
    pub ean_13: Option<String>,
}

/// One statement of reasons under the Transparency Database's field names.
///
/// Every field but `puid` is optional in the type so that an incomplete statement can be held
/// and checked; [`Statement::check`] says which are required. Absent fields are not serialised.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The platform's unique identifier of the content or account: at most 500 letters,
    /// digits, `-` and `_`; unique per platform.
    #[serde(default)]
    pub puid: String,
    /// Identifiers of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<ContentId>,
    /// The EAN-13 of the content, the older flat form of `content_id.EAN-13`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id_ean: Option<String>,
    /// Restrictions of the visibility of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_visibility: Option<Vec<DecisionVisibility>>,
    /// What the other visibility restriction is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_visibility_other: Option<String>,
    /// The restriction of monetary payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_monetary: Option<DecisionMonetary>,
    /// What the other monetary restriction is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_monetary_other: Option<String>,
    /// The restriction of the provision of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_provision: Option<DecisionProvision>,
    /// The restriction of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_account: Option<DecisionAccount>,
    /// The kind of account concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    /// Keywords specifying the category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_specification: Option<Vec<Keyword>>,
    /// Another keyword, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_specification_other: Option<String>,
    /// Illegal content or incompatibility with the terms and conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_ground: Option<DecisionGround>,
    /// The URL of the terms or of the law relied upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_ground_reference_url: Option<String>,
    /// The legal ground relied on (illegal content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illegal_content_legal_ground: Option<String>,
    /// Why the content is illegal on that ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illegal_content_explanation: Option<String>,
    /// The contractual ground relied on (incompatible content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incompatible_content_ground: Option<String>,
    /// Why the content is incompatible on that ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incompatible_content_explanation: Option<String>,
    /// Whether the incompatible content is also considered illegal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incompatible_content_illegal: Option<YesNo>,
    /// The types of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Vec<ContentType>>,
    /// What the other content type is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type_other: Option<String>,
    /// The category of the statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Further categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_addition: Option<Vec<Category>>,
    /// The countries where the decision applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub territorial_scope: Option<Vec<Country>>,
    /// The language of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<Language>,
    /// When the content was posted or uploaded, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_date: Option<String>,
    /// When the decision applies from, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_date: Option<String>,
    /// When the account restriction ends, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_account_restriction: Option<String>,
    /// When the monetary restriction ends, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_monetary_restriction: Option<String>,
    /// When the service restriction ends, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_service_restriction: Option<String>,
    /// When the visibility restriction ends, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_visibility_restriction: Option<String>,
    /// The facts and circumstances relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_facts: Option<String>,
    /// Where the information that led to the decision came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<SourceType>,
    /// Who notified, when the source is a notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// Whether the content was detected by automated means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_detection: Option<YesNo>,
    /// Whether the decision was taken by automated means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_decision: Option<AutomatedDecision>,
}

/// One rule a statement (or a batch) breaks: the Database's field name and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field, under the Database's name: `decision_visibility_other`, `content_type.1`,
    /// `content_id.EAN-13`, or `statements.3.puid` in a batch.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

impl FieldError {
    /// A field error; an empty name (a JSON key `""`) is written `""`, so every error names
    /// something.
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        let field = field.into();
        FieldError {
            field: if field.is_empty() {
                "\"\"".to_owned()
            } else {
                field
            },
            message: message.into(),
        }
    }
}

/// The rules a statement (or a batch) breaks, every one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalid {
    /// One entry per broken rule, in the order of the fields.
    pub errors: Vec<FieldError>,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

impl std::error::Error for Invalid {}

/// A string that is not a value of an enumeration (from `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enumeration's name in this crate (`DecisionGround`).
    pub enumeration: &'static str,
    /// The string given.
    pub value: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a {} value", self.value, self.enumeration)
    }
}

impl std::error::Error for UnknownValue {}

impl Statement {
    /// Checks the statement with the Database's rules as they stand at `now` (seconds since
    /// the epoch); every broken rule is reported, each naming its field.
    pub fn check(&self, now: i64) -> Result<(), Invalid> {
        let errors = rules::check(self, now);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid { errors })
        }
    }
}
