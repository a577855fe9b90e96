//! Errors of the rules engine: unreadable documents, invalid submissions, malformed rule sets.

use std::fmt;

/// One problem with one field of a submission.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Path of the field, e.g. `ad.spend.currency` or `sponsors[1].residence`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Errors of this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A JSON document could not be read into the expected shape.
    Json {
        /// What was being read (a file name or "submission").
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// The parser's message (names the unknown field or the expected values).
        message: String,
    },
    /// The submission has invalid fields; every one found is listed.
    Invalid(Vec<FieldError>),
    /// A rule set is malformed.
    RuleSet {
        /// Id of the rule set.
        rule_set: String,
        /// Id of the rule, when the problem is in one rule.
        rule: Option<String>,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Wraps a serde_json error with the name of what was being read.
    pub fn from_json(source_name: &str, e: &serde_json::Error) -> Error {
        Error::Json {
            source_name: source_name.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Json {
                source_name,
                line,
                column,
                message,
            } => write!(f, "{source_name}:{line}:{column}: {message}"),
            Error::Invalid(errors) => {
                write!(f, "invalid submission ({} problem", errors.len())?;
                if errors.len() != 1 {
                    f.write_str("s")?;
                }
                f.write_str(")")?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
            Error::RuleSet {
                rule_set,
                rule,
                message,
            } => match rule {
                Some(r) => write!(f, "rule set {rule_set}, rule {r}: {message}"),
                None => write!(f, "rule set {rule_set}: {message}"),
            },
        }
    }
}

impl std::error::Error for Error {}
