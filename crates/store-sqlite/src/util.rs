//! Small helpers: error mapping, clocks, enum columns and version formatting.

use std::time::{SystemTime, UNIX_EPOCH};

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

/// Now, in microseconds since the Unix epoch (0 if the clock is before the epoch).
pub(crate) fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Now, in seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    now_micros() / 1_000_000
}

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
    let Some(us) = version else {
        return "(none: the object has no modified or created)".to_string();
    };
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let frac = if frac % 1000 == 0 {
        format!("{:03}", frac / 1000)
    } else {
        format!("{frac:06}")
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac}Z",
        tod / 3600,
        (tod / 60) % 60,
        tod % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's method).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
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
