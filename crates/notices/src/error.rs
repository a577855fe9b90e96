//! The notices service's error type.

use std::fmt;

use hub::HubError;
use response::notice::Missing;

/// A referenced STIX object the recipient may not see.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Blocked {
    /// The item's index.
    pub item: usize,
    /// The STIX id.
    pub object: String,
    /// The recipient organisation's slug.
    pub org: String,
}

/// What can go wrong in a notices call.
#[non_exhaustive]
#[derive(Debug)]
pub enum NoticeError {
    /// Input fields are missing or malformed: every one is named (`items[0].value`,
    /// `decisions.1.statement.decision_ground`).
    Invalid(Vec<Missing>),
    /// The recipient may not see some referenced objects: each is named.
    NotVisible(Vec<Blocked>),
    /// The notice does not exist or is not visible to the caller (never told apart).
    NotFound(String),
    /// The current state allows the step, but not to this caller; the message names the rule.
    Forbidden(String),
    /// The current state does not allow the step.
    Transition {
        /// The current state's wire name.
        current: String,
        /// The steps allowed from it (to anyone).
        allowed: Vec<String>,
        /// Why, as a sentence.
        reason: String,
    },
    /// The step collides with the stored state (a change made meanwhile, a second correction
    /// of one version, an item decided twice).
    Conflict(String),
    /// A hub or store failure, or a bad cursor.
    Hub(HubError),
}

impl NoticeError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> NoticeError {
        NoticeError::Invalid(vec![Missing {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The stable machine code: `invalid_input`, `not_found`, `forbidden`,
    /// `invalid_transition`, `conflict`, or the hub error's.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeError::Invalid(_) | NoticeError::NotVisible(_) => "invalid_input",
            NoticeError::NotFound(_) => "not_found",
            NoticeError::Forbidden(_) => "forbidden",
            NoticeError::Transition { .. } => "invalid_transition",
            NoticeError::Conflict(_) => "conflict",
            NoticeError::Hub(e) => e.code(),
        }
    }
}

impl fmt::Display for NoticeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoticeError::Invalid(missing) => {
                f.write_str("invalid input:")?;
                for (i, m) in missing.iter().enumerate() {
                    let sep = if i == 0 { " " } else { "; " };
                    write!(f, "{sep}{}: {}", m.field, m.message)?;
                }
                Ok(())
            }
            NoticeError::NotVisible(blocked) => {
                f.write_str("the recipient may not see some referenced objects:")?;
                for (i, b) in blocked.iter().enumerate() {
                    let sep = if i == 0 { " " } else { "; " };
                    write!(
                        f,
                        "{sep}items[{}] ({}) is not visible to {}",
                        b.item, b.object, b.org
                    )?;
                }
                Ok(())
            }
            NoticeError::NotFound(what) => write!(f, "{what} not found"),
            NoticeError::Forbidden(m) => write!(f, "forbidden: {m}"),
            NoticeError::Transition {
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
            NoticeError::Conflict(m) => write!(f, "conflict: {m}"),
            NoticeError::Hub(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for NoticeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NoticeError::Hub(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HubError> for NoticeError {
    fn from(e: HubError) -> NoticeError {
        match e {
            HubError::Invalid { field, message } => NoticeError::invalid(field, message),
            HubError::NotFound(m) => NoticeError::NotFound(m),
            HubError::Forbidden(m) => NoticeError::Forbidden(m),
            HubError::Conflict(m) => NoticeError::Conflict(m),
            e => NoticeError::Hub(e),
        }
    }
}

impl From<store::StoreError> for NoticeError {
    fn from(e: store::StoreError) -> NoticeError {
        NoticeError::from(HubError::from(e))
    }
}
