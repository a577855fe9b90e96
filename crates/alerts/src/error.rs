//! The alerts service's error type.

use std::fmt;

use hub::HubError;

use crate::Blocked;

/// What can go wrong in an alerts call.
#[non_exhaustive]
#[derive(Debug)]
pub enum AlertError {
    /// An input field is malformed or names something unknown.
    Invalid {
        /// The field, by its path in the request (`objects[1]`, `respond_by`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Some recipients may not see some referenced objects: each pair is named.
    NotVisible(Vec<Blocked>),
    /// The alert or group does not exist or is not visible to the caller (never told apart).
    NotFound(String),
    /// The caller may not do this (role, the sender answering for a recipient, TLP
    /// forwarding, groups without the operator).
    Forbidden(String),
    /// The recipient's state does not allow the action.
    Transition {
        /// The current state.
        current: String,
        /// The actions allowed from it.
        allowed: Vec<String>,
        /// Why, as a sentence.
        reason: String,
    },
    /// A group with the same name exists.
    Conflict(String),
    /// A hub or store failure, or a bad cursor.
    Hub(HubError),
}

impl AlertError {
    /// Builds an `Invalid` error.
    pub fn invalid(field: &str, message: impl Into<String>) -> AlertError {
        AlertError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// The stable machine code: `invalid_input`, `not_found`, `forbidden`,
    /// `invalid_transition`, `conflict`, or the hub error's.
    pub fn code(&self) -> &'static str {
        match self {
            AlertError::Invalid { .. } | AlertError::NotVisible(_) => "invalid_input",
            AlertError::NotFound(_) => "not_found",
            AlertError::Forbidden(_) => "forbidden",
            AlertError::Transition { .. } => "invalid_transition",
            AlertError::Conflict(_) => "conflict",
            AlertError::Hub(e) => e.code(),
        }
    }
}

impl fmt::Display for AlertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertError::Invalid { field, message } => write!(f, "invalid {field}: {message}"),
            AlertError::NotVisible(blocked) => {
                f.write_str("some recipients may not see some referenced objects:")?;
                for (i, b) in blocked.iter().enumerate() {
                    let sep = if i == 0 { " " } else { "; " };
                    write!(f, "{sep}{} is not visible to {}", b.object, b.org)?;
                }
                Ok(())
            }
            AlertError::NotFound(what) => write!(f, "{what} not found"),
            AlertError::Forbidden(m) => write!(f, "forbidden: {m}"),
            AlertError::Transition {
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
            AlertError::Conflict(m) => write!(f, "conflict: {m}"),
            AlertError::Hub(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AlertError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AlertError::Hub(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HubError> for AlertError {
    fn from(e: HubError) -> AlertError {
        match e {
            HubError::Invalid { field, message } => AlertError::Invalid { field, message },
            e => AlertError::Hub(e),
        }
    }
}
