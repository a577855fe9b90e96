//! RFC 3339 UTC timestamps as STIX 2.1 writes them, held as microseconds since the Unix epoch.

use std::fmt;

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

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
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
    if !(1..=12).contains(&month) {
        return Err(TimestampError::Range(format!("month {month:02}")));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(TimestampError::Range(format!(
            "day {day:02} of {year:04}-{month:02}"
        )));
    }
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
    let days = days_from_civil(year, month, day);
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
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (sod / 3_600, (sod / 60) % 60, sod % 60);
    if frac % 1_000 == 0 {
        format!(
            "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{:03}Z",
            frac / 1_000
        )
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:06}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
