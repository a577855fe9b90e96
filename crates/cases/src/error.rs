//! The cases service's error type.

use std::fmt;

use hub::HubError;

/// What can go wrong in a cases call.
#[non_exhaustive]
#[derive(Debug)]
pub enum CaseError {
    /// An input field is malformed or names something unknown.
    Invalid {
        /// The field, by its name in the request (`due`, `objects[1]`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The case, action or vote does not exist or is not visible to the caller (never told
    /// apart).
    NotFound(String),
    /// The current state allows the step, but not to this caller (role, sector, membership,
    /// an approval of one's own action); the message names the rule.
    Forbidden(String),
    /// The current state of the case, action or vote does not allow the step.
    Transition {
        /// The current state's wire name.
        current: String,
        /// The steps allowed from it (to anyone), by their REST names.
        allowed: Vec<String>,
        /// Why, as a sentence.
        reason: String,
    },
    /// The step collides with the stored state: a participant or a vote twice, a change
    /// made meanwhile, a closed case.
    Conflict(String),
    /// A hub or store failure, or a bad cursor.
    Hub(HubError),
}

impl CaseError {
    /// The stable machine code: `invalid_input`, `not_found`, `forbidden`,
    /// `invalid_transition`, `conflict`, or the hub error's.
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::Invalid { .. } => "invalid_input",
            CaseError::NotFound(_) => "not_found",
            CaseError::Forbidden(_) => "forbidden",
            CaseError::Transition { .. } => "invalid_transition",
            CaseError::Conflict(_) => "conflict",
            CaseError::Hub(e) => e.code(),
        }
    }
}

impl fmt::Display for CaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseError::Invalid { field, message } => write!(f, "invalid {field}: {message}"),
            CaseError::NotFound(what) => write!(f, "{what} not found"),
            CaseError::Forbidden(m) => write!(f, "forbidden: {m}"),
            CaseError::Transition {
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
            CaseError::Conflict(m) => write!(f, "conflict: {m}"),
            CaseError::Hub(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaseError::Hub(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HubError> for CaseError {
    fn from(e: HubError) -> CaseError {
        match e {
            HubError::Invalid { field, message } => CaseError::Invalid { field, message },
            HubError::NotFound(m) => CaseError::NotFound(m),
            HubError::Forbidden(m) => CaseError::Forbidden(m),
            HubError::Conflict(m) => CaseError::Conflict(m),
            e => CaseError::Hub(e),
        }
    }
}

impl From<store::StoreError> for CaseError {
    fn from(e: store::StoreError) -> CaseError {
        CaseError::from(HubError::from(e))
    }
}
