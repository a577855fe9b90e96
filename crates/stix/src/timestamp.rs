//! The one time module: RFC 3339 UTC timestamps as STIX 2.1 writes them, held as microseconds
//! since the Unix epoch, and the wire formats of the REST API. The calendar arithmetic is the
//! `time` crate's. The clock itself is not here (the `clock` crate reads it): this module is pure.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime};

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampError {
    /// The text does not have the `YYYY-MM-DDTHH:MM:SS[.fff…]Z` shape; the payload says where.
    Syntax(String),
    /// A field is out of range (month 13, 31 February, hour 24, …).
    Range(String),
    /// The offset is not `Z`: STIX 2.1 requires UTC written as `Z`.
    NotUtc,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimestampError::Syntax(what) => write!(
                f,
                "not an RFC 3339 timestamp of the form YYYY-MM-DDTHH:MM:SS[.s+]Z: {what}"
            ),
            TimestampError::Range(what) => write!(f, "timestamp field out of range: {what}"),
            TimestampError::NotUtc => {
                write!(f, "timestamp must be in UTC and end with 'Z' (no offsets)")
            }
        }
    }
}

impl std::error::Error for TimestampError {}

/// A parsed timestamp with the number of fraction digits it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Microseconds since 1970-01-01T00:00:00Z (digits beyond the sixth are truncated).
    pub micros: i64,
    /// How many digits followed the decimal point (0 when there was none).
    pub fraction_digits: usize,
}

fn digits(b: &[u8], start: usize, n: usize, what: &str) -> Result<i64, TimestampError> {
    let part = b
        .get(start..start + n)
        .ok_or_else(|| TimestampError::Syntax(format!("too short, {what} missing")))?;
    let mut v: i64 = 0;
    for &c in part {
        if !c.is_ascii_digit() {
            return Err(TimestampError::Syntax(format!(
                "{what} must be {n} digits at position {}",
                start + 1
            )));
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Ok(v)
}

fn expect(b: &[u8], at: usize, c: u8) -> Result<(), TimestampError> {
    match b.get(at) {
        Some(&x) if x == c => Ok(()),
        Some(&x) => Err(TimestampError::Syntax(format!(
            "expected '{}' at position {}, found {:?}",
            c as char,
            at + 1,
            x as char
        ))),
        None => Err(TimestampError::Syntax(format!(
            "too short, expected '{}' at position {}",
            c as char,
            at + 1
        ))),
    }
}

/// The UTC date and time of microseconds since the Unix epoch (clamped to the `time` crate's
/// range of years -9999 to 9999).
fn datetime(micros: i64) -> OffsetDateTime {
    let nanos = i128::from(micros) * 1000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(if micros < 0 {
        OffsetDateTime::new_utc(Date::MIN, time::Time::MIDNIGHT)
    } else {
        OffsetDateTime::new_utc(Date::MAX, time::Time::MAX)
    })
}

/// Parses a timestamp and reports how many fraction digits it carried.
pub fn parse_timestamp_detailed(s: &str) -> Result<Timestamp, TimestampError> {
    let b = s.as_bytes();
    let year = digits(b, 0, 4, "year")?;
    expect(b, 4, b'-')?;
    let month = digits(b, 5, 2, "month")?;
    expect(b, 7, b'-')?;
    let day = digits(b, 8, 2, "day")?;
    expect(b, 10, b'T')?;
    let hour = digits(b, 11, 2, "hour")?;
    expect(b, 13, b':')?;
    let minute = digits(b, 14, 2, "minute")?;
    expect(b, 16, b':')?;
    let second = digits(b, 17, 2, "second")?;
    let mut i = 19;
    let mut micros_frac: i64 = 0;
    let mut fraction_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if fraction_digits < 6 {
                micros_frac = micros_frac * 10 + i64::from(c - b'0');
            }
            fraction_digits += 1;
            i += 1;
        }
        if fraction_digits == 0 {
            return Err(TimestampError::Syntax(
                "a '.' must be followed by at least one digit".to_string(),
            ));
        }
        for _ in fraction_digits..6 {
            micros_frac *= 10;
        }
    }
    match b.get(i) {
        Some(b'Z') if i + 1 == b.len() => {}
        Some(b'Z') => {
            return Err(TimestampError::Syntax(format!(
                "unexpected text after 'Z' at position {}",
                i + 2
            )))
        }
        Some(b'+') | Some(b'-') | Some(b'z') => return Err(TimestampError::NotUtc),
        Some(&c) => {
            return Err(TimestampError::Syntax(format!(
                "expected 'Z' at position {}, found {:?}",
                i + 1,
                c as char
            )))
        }
        None => return Err(TimestampError::NotUtc),
    }
    let month_of_year = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| TimestampError::Range(format!("month {month:02}")))?;
    // Four digits always fit an i32 and a two-digit day a u8.
    let date = Date::from_calendar_date(year as i32, month_of_year, day as u8)
        .map_err(|_| TimestampError::Range(format!("day {day:02} of {year:04}-{month:02}")))?;
    if hour > 23 {
        return Err(TimestampError::Range(format!("hour {hour:02}")));
    }
    if minute > 59 {
        return Err(TimestampError::Range(format!("minute {minute:02}")));
    }
    if second > 59 {
        return Err(TimestampError::Range(format!(
            "second {second:02} (leap seconds are not supported)"
        )));
    }
    let days = i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Ok(Timestamp {
        micros: secs * 1_000_000 + micros_frac,
        fraction_digits,
    })
}

/// Parses an RFC 3339 timestamp in UTC (`Z` only) into microseconds since the Unix epoch.
///
/// Any number of fraction digits is accepted; digits beyond microseconds are truncated.
pub fn parse_timestamp(s: &str) -> Result<i64, TimestampError> {
    parse_timestamp_detailed(s).map(|t| t.micros)
}

/// Formats microseconds since the Unix epoch as a STIX timestamp.
///
/// Milliseconds are always written (`2016-04-06T20:03:00.000Z`); six digits are written when the
/// sub-millisecond part is not zero (`2016-04-06T20:03:00.000123Z`).
pub fn format_timestamp(micros: i64) -> String {
    let t = datetime(micros);
    let out = if micros.rem_euclid(1_000) == 0 {
        t.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
    } else {
        t.format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        ))
    };
    out.unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// The Julian day of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// Formats microseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six
/// fraction digits).
pub fn format_micros(micros: i64) -> String {
    datetime(micros)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        ))
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000000Z".to_string())
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_secs(secs: i64) -> String {
    datetime(secs.saturating_mul(1_000_000))
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Parses any RFC 3339 timestamp (offsets allowed, converted to UTC) into microseconds since
/// the Unix epoch; sub-microsecond digits are truncated towards the past. This is the lenient
/// reading of URL parameters; objects use the strict [`parse_timestamp`].
pub fn parse_rfc3339_micros(s: &str) -> Result<i64, String> {
    let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        format!("not an RFC 3339 timestamp ({e}); expected e.g. 2024-05-01T12:00:00.000Z")
    })?;
    let micros = t.unix_timestamp_nanos().div_euclid(1000);
    i64::try_from(micros).map_err(|_| "timestamp out of range".to_string())
}

/// The day count since 1970-01-01 of a proleptic Gregorian date, `None` when it is not a date.
pub fn days_from_date(year: i32, month: u8, day: u8) -> Option<i64> {
    let month = Month::try_from(month).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY))
}

/// The (year, month, day) of a day count since 1970-01-01, `None` outside years -9999 to 9999.
pub fn date_from_days(days: i64) -> Option<(i32, u8, u8)> {
    let julian = i32::try_from(days.checked_add(i64::from(UNIX_EPOCH_JULIAN_DAY))?).ok()?;
    let d = Date::from_julian_day(julian).ok()?;
    Some((d.year(), u8::from(d.month()), d.day()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_formats_and_dates() {
        let s = "2024-05-01T12:34:56.123456Z";
        let us = parse_rfc3339_micros(s).unwrap();
        assert_eq!(format_micros(us), s);
        assert_eq!(format_micros(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(format_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_secs(1_459_972_980), "2016-04-06T20:03:00Z");
        assert_eq!(
            parse_rfc3339_micros("2024-05-01T14:00:00+02:00"),
            parse_rfc3339_micros("2024-05-01T12:00:00Z")
        );
        assert!(parse_rfc3339_micros("yesterday").is_err());
        assert_eq!(days_from_date(1970, 1, 1), Some(0));
        assert_eq!(days_from_date(2024, 2, 29), Some(19_782));
        assert_eq!(days_from_date(2023, 2, 29), None);
        assert_eq!(date_from_days(19_782), Some((2024, 2, 29)));
        assert_eq!(date_from_days(-1), Some((1969, 12, 31)));
        for d in [-800_000, -1, 0, 1, 11_016, 2_932_896] {
            let (y, m, day) = date_from_days(d).unwrap();
            assert_eq!(days_from_date(y, m, day), Some(d));
        }
    }

    #[test]
    fn parses_and_formats_known_values() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_timestamp("2016-04-06T20:03:00.000Z"),
            Ok(1_459_972_980_000_000)
        );
        assert_eq!(
            format_timestamp(1_459_972_980_000_000),
            "2016-04-06T20:03:00.000Z"
        );
        assert_eq!(
            format_timestamp(1_459_972_980_000_123),
            "2016-04-06T20:03:00.000123Z"
        );
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
        assert_eq!(
            parse_timestamp("2024-11-22T16:43:58.0749189999Z"),
            parse_timestamp("2024-11-22T16:43:58.074918Z")
        );
    }

    #[test]
    fn rejects_offsets_and_bad_fields() {
        assert_eq!(
            parse_timestamp("2016-04-06T20:03:00+00:00"),
            Err(TimestampError::NotUtc)
        );
        assert_eq!(
            parse_timestamp("2016-04-06T20:03:00"),
            Err(TimestampError::NotUtc)
        );
        assert!(matches!(
            parse_timestamp("2016-02-30T20:03:00Z"),
            Err(TimestampError::Range(_))
        ));
        assert!(matches!(
            parse_timestamp("2016-04-06 20:03:00Z"),
            Err(TimestampError::Syntax(_))
        ));
        assert!(matches!(
            parse_timestamp("2016-04-06T20:03:00.Z"),
            Err(TimestampError::Syntax(_))
        ));
        assert!(matches!(
            parse_timestamp("2016-04-06T20:03:00ZZ"),
            Err(TimestampError::Syntax(_))
        ));
        assert!(matches!(
            parse_timestamp("2016-04-06T24:03:00Z"),
            Err(TimestampError::Range(_))
        ));
        assert!(parse_timestamp("").is_err());
        assert!(parse_timestamp("2016-04-06T20:03:0é").is_err());
    }
}
