//! sor: statements of reasons in the schema of the DSA Transparency Database.
//!
//! A platform that restricts content under the Digital Services Act (Art. 17) writes a
//! statement of reasons and, under Art. 24(5), submits it to the Commission's Transparency
//! Database. rrm records a platform's decision on an item of a notice as such a statement, under
//! the Database's own field names and enumeration values, and checks it with the Database's own
//! rules, so that an export is accepted as it is.
//!
//! - [`Statement`]: one statement of reasons, (de)serialised under the Database's field names.
//! - [`Statement::check`]: the Database's validation rules; every failure names its field.
//! - [`Batch`]: at most [`BATCH_MAX`] statements, serialised as the body of the Database's
//!   multiple-statement endpoint (`{"statements": [...]}`).
//!
//! The crate is pure: no files, network, database or clock; the caller passes the time.
//!
//! ```
//! let json = r#"{"puid": "post-1"}"#;
//! let statement: sor::Statement = serde_json::from_str(json).unwrap();
//! let invalid = statement.check(1_767_225_600).unwrap_err();
//! assert!(invalid.errors.iter().any(|e| e.field == "decision_ground"));
//! ```

use serde::{Deserialize, Serialize};

/// The most statements the Database accepts in one multiple-statement request.
pub const BATCH_MAX: usize = 100;

/// One statement of reasons under the Transparency Database's field names.
///
/// Enumerated fields keep the Database's values (`DECISION_VISIBILITY_CONTENT_REMOVED`,
/// `STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS`, ...).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The platform's unique identifier of the content or account (`puid`).
    #[serde(default)]
    pub puid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_visibility: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_monetary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_provision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_ground: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_detection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_decision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_facts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
}

/// One rule a statement breaks: the Database's field name and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The rules a statement (or a batch) breaks, every one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalid {
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

impl Statement {
    /// Checks the statement with the Database's rules as they stand at `now` (seconds since
    /// the epoch).
    pub fn check(&self, _now: i64) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        let mut required = |field: &str, present: bool| {
            if !present {
                errors.push(FieldError {
                    field: field.to_owned(),
                    message: format!("the {} field is required", field.replace('_', " ")),
                });
            }
        };
        required("puid", !self.puid.is_empty());
        required("decision_ground", self.decision_ground.is_some());
        required("category", self.category.is_some());
        required("content_type", self.content_type.is_some());
        required("automated_detection", self.automated_detection.is_some());
        required("automated_decision", self.automated_decision.is_some());
        required("application_date", self.application_date.is_some());
        required("decision_facts", self.decision_facts.is_some());
        required("source_type", self.source_type.is_some());
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid { errors })
        }
    }
}

/// At most [`BATCH_MAX`] statements, each checked, in the shape of the Database's
/// multiple-statement request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Batch {
    statements: Vec<Statement>,
}

impl Batch {
    /// Checks the count and every statement; errors name `statements` or
    /// `statements.<index>.<field>`.
    pub fn new(statements: Vec<Statement>, now: i64) -> Result<Batch, Invalid> {
        let mut errors = Vec::new();
        if statements.len() > BATCH_MAX {
            errors.push(FieldError {
                field: "statements".to_owned(),
                message: format!(
                    "at most {BATCH_MAX} statements per request, not {}",
                    statements.len()
                ),
            });
        }
        for (i, s) in statements.iter().enumerate() {
            if let Err(invalid) = s.check(now) {
                for e in invalid.errors {
                    errors.push(FieldError {
                        field: format!("statements.{i}.{}", e.field),
                        message: e.message,
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(Batch { statements })
        } else {
            Err(Invalid { errors })
        }
    }

    /// The statements, in order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}
