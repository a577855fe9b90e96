//! Small helpers: error mapping, clocks, enum columns and version formatting.

use rusqlite::ErrorCode;
use store::StoreError;

/// A backend failure while doing `what`.
pub(crate) fn backend(what: impl std::fmt::Display, e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

/// Maps an error of an insert: a unique violation becomes `Conflict(record)`, anything
/// else a backend failure.
pub(crate) fn insert_error(record: impl Fn(&str) -> String, e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.code == ErrorCode::ConstraintViolation
            && matches!(
                f.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            )
        {
            return StoreError::Conflict(record(msg.as_deref().unwrap_or("")));
        }
    }
    backend("insert failed", e)
}

// The one clock is `stix`'s.
pub(crate) use clock::{now_micros, now_secs};

/// Parses an enum column, naming the table, column and value on failure.
pub(crate) fn parse_col<T: std::str::FromStr>(
    table: &str,
    column: &str,
    value: &str,
) -> Result<T, StoreError> {
    value.parse().map_err(|_| {
        StoreError::Invalid(format!(
            "{table}.{column} holds {value:?}, which this rrm does not know"
        ))
    })
}

/// Formats a version (microseconds since the epoch) as an RFC 3339 UTC timestamp with
/// millisecond or microsecond precision, for messages.
pub(crate) fn format_version(version: Option<i64>) -> String {
    match version {
        Some(us) => stix::format_timestamp(us),
        None => "(none: the object has no modified or created)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::format_version;

    #[test]
    fn versions_format_as_rfc3339() {
        assert_eq!(format_version(Some(0)), "1970-01-01T00:00:00.000Z");
        // 2016-05-12T08:17:27.123Z, the STIX spec's example.
        assert_eq!(
            format_version(Some(1_463_041_047_123_000)),
            "2016-05-12T08:17:27.123Z"
        );
        assert_eq!(
            format_version(Some(951_782_400_000_001)),
            "2000-02-29T00:00:00.000001Z"
        );
    }
}
