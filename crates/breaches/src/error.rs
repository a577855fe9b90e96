//! The breaches service's error type.

use std::fmt;

use hub::HubError;
use response::breach::Problem;

/// What can go wrong in a breaches call.
#[non_exhaustive]
#[derive(Debug)]
pub enum BreachError {
    /// Input fields are malformed, missing or name something unknown: every one is named,
    /// the first first.
    Invalid(Vec<Problem>),
    /// The report does not exist or is not visible to the caller (never told apart).
    NotFound(String),
    /// The caller may not do this (role, side).
    Forbidden(String),
    /// The report's state does not allow the action.
    Transition {
        /// The current state.
        current: String,
        /// The actions allowed from it.
        allowed: Vec<String>,
        /// Why, as a sentence.
        reason: String,
    },
    /// A hub or store failure, or a bad cursor.
    Hub(HubError),
}

impl BreachError {
    /// Builds an `Invalid` error about one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> BreachError {
        BreachError::Invalid(vec![Problem {
            field: field.to_string(),
            message: message.into(),
        }])
    }

    /// The first field named by an `Invalid` error.
    pub fn field(&self) -> Option<&str> {
        match self {
            BreachError::Invalid(p) => p.first().map(|p| p.field.as_str()),
            _ => None,
        }
    }

    /// The stable machine code: `invalid_input`, `not_found`, `forbidden`,
    /// `invalid_transition`, or the hub error's.
    pub fn code(&self) -> &'static str {
        match self {
            BreachError::Invalid(_) => "invalid_input",
            BreachError::NotFound(_) => "not_found",
            BreachError::Forbidden(_) => "forbidden",
            BreachError::Transition { .. } => "invalid_transition",
            BreachError::Hub(e) => e.code(),
        }
    }
}

impl fmt::Display for BreachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreachError::Invalid(problems) => {
                for (i, p) in problems.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "; " };
                    write!(f, "{sep}invalid {}: {}", p.field, p.message)?;
                }
                Ok(())
            }
            BreachError::NotFound(what) => write!(f, "{what} not found"),
            BreachError::Forbidden(m) => write!(f, "forbidden: {m}"),
            BreachError::Transition {
                current,
                allowed,
                reason,
            } => {
                let allowed = if allowed.is_empty() {
                    "none".to_string()
                } else {
                    allowed.join(", ")
                };
                write!(f, "{reason} (current state {current}; allowed: {allowed})")
            }
            BreachError::Hub(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for BreachError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BreachError::Hub(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HubError> for BreachError {
    fn from(e: HubError) -> BreachError {
        match e {
            HubError::Invalid { field, message } => BreachError::invalid(&field, message),
            e => BreachError::Hub(e),
        }
    }
}

impl From<store::StoreError> for BreachError {
    fn from(e: store::StoreError) -> BreachError {
        BreachError::Hub(HubError::Store(e))
    }
}
