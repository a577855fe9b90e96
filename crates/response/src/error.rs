//! The errors of the response engine.

use std::fmt;

/// What the engine refuses to read or accept (transitions are refused with
/// [`crate::Refused`] instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A wire name that names none of an enum's values.
    UnknownName {
        /// What was being named, e.g. `case status`.
        what: &'static str,
        /// The name given.
        value: String,
        /// The names accepted.
        expected: Vec<&'static str>,
    },
    /// A decision rule that is neither `consensus` nor `quorum:N` with N at least 1.
    BadDecisionRule(String),
    /// A deadline that has already passed when it is set.
    DeadlineInPast {
        /// The deadline, seconds since the epoch.
        due: i64,
        /// The time it was set, seconds since the epoch.
        now: i64,
    },
    /// A DISARM galaxy or STIX bundle that does not have the expected shape.
    BadGalaxy {
        /// Where in the document, e.g. `values[3].meta.external_id`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// A line of the technique-to-countermeasure map that cannot be read.
    BadCounterMap {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownName {
                what,
                value,
                expected,
            } => write!(
                f,
                "unknown {what} {value:?}: expected one of {}",
                expected.join(", ")
            ),
            Error::BadDecisionRule(v) => write!(
                f,
                "unknown decision rule {v:?}: expected consensus or quorum:N with N at least 1"
            ),
            Error::DeadlineInPast { due, now } => {
                write!(f, "the deadline {due} has already passed (now {now})")
            }
            Error::BadGalaxy { path, message } => write!(f, "DISARM data, {path}: {message}"),
            Error::BadCounterMap { line, message } => {
                write!(f, "technique-counters map, line {line}: {message}")
            }
        }
    }
}

impl std::error::Error for Error {}
