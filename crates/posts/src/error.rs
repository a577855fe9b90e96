//! The error type of the post readers: every error names the file and line.

use std::fmt;

/// What is wrong with an input file.
#[derive(Debug)]
pub enum ErrorKind {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The file is empty (no header, no records).
    Empty,
    /// The header lacks required columns.
    MissingColumns(String),
    /// A record has the wrong number of fields.
    FieldCount {
        /// Fields expected.
        expected: usize,
        /// Fields found.
        found: usize,
        /// The record spans several lines (a sign of an unbalanced quote).
        multiline: bool,
    },
    /// The CSV structure is broken (for example an unbalanced quote).
    Csv(String),
    /// A field is not valid UTF-8.
    Utf8(&'static str),
    /// A timestamp cannot be read.
    BadTimestamp(String),
    /// A URL list cannot be read: the value and what is wrong.
    BadUrls(String, &'static str),
    /// A required field is empty.
    EmptyField(&'static str),
    /// An NDJSON line is not a JSON object with the expected fields.
    Json(String),
    /// The engine refused the post (id space exhausted).
    Engine(coord::CoordError),
}

/// An input error with its location.
#[derive(Debug)]
pub struct PostsError {
    /// The file (as given).
    pub path: String,
    /// 1-based line where the offending record starts (0 when not tied to a line).
    pub line: u64,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Io(e) => write!(f, "cannot read: {e}"),
            ErrorKind::Empty => write!(f, "file is empty (expected a header row)"),
            ErrorKind::MissingColumns(m) => write!(f, "missing columns: {m}"),
            ErrorKind::FieldCount {
                expected,
                found,
                multiline,
            } => {
                write!(f, "expected {expected} fields, found {found}")?;
                if *multiline {
                    write!(f, " (the record spans several lines: unbalanced quote?)")?;
                }
                Ok(())
            }
            ErrorKind::Csv(m) => write!(f, "broken CSV: {m}"),
            ErrorKind::Utf8(field) => write!(f, "field {field} is not valid UTF-8"),
            ErrorKind::BadTimestamp(v) => write!(
                f,
                "timestamp {v:?} is not a number of seconds or a date-time"
            ),
            ErrorKind::BadUrls(v, why) => {
                write!(f, "urls {v:?} is not a list of quoted strings: {why}")
            }
            ErrorKind::EmptyField(field) => write!(f, "field {field} is empty"),
            ErrorKind::Json(m) => write!(f, "bad JSON record: {m}"),
            ErrorKind::Engine(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for PostsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.path, self.line, self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl std::error::Error for PostsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            ErrorKind::Engine(e) => Some(e),
            _ => None,
        }
    }
}
