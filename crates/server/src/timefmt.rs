//! Timestamps on the wire: microsecond RFC 3339 output and RFC 3339 input.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

/// Formats microseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub(crate) fn format_micros(micros: i64) -> String {
    let nanos = i128::from(micros) * 1000;
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => t
            .format(&format)
            .unwrap_or_else(|_| "1970-01-01T00:00:00.000000Z".to_string()),
        Err(_) => "1970-01-01T00:00:00.000000Z".to_string(),
    }
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_secs(secs: i64) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => t
            .format(&format)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string()),
        Err(_) => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// Parses an RFC 3339 timestamp into microseconds since the Unix epoch (sub-microsecond
/// digits are truncated towards the past).
pub(crate) fn parse_micros(s: &str) -> Result<i64, String> {
    let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        format!("not an RFC 3339 timestamp ({e}); expected e.g. 2024-05-01T12:00:00.000Z")
    })?;
    let micros = t.unix_timestamp_nanos().div_euclid(1000);
    i64::try_from(micros).map_err(|_| "timestamp out of range".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip() {
        let s = "2024-05-01T12:34:56.123456Z";
        let us = parse_micros(s).unwrap();
        assert_eq!(format_micros(us), s);
        assert_eq!(format_secs(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let a = parse_micros("2024-05-01T14:00:00+02:00").unwrap();
        let b = parse_micros("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(a, b);
        assert!(parse_micros("yesterday").is_err());
    }
}
