//! Calendar dates and RFC 3339 instants, with the day arithmetic the rules need.
//!
//! Dates are proleptic Gregorian days; instants are seconds and nanoseconds since the Unix epoch
//! plus the UTC offset they were written with, so that "the calendar day of an instant" is the
//! day in the place the instant was stated for (a district's poll closing time carries its own
//! offset).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// A calendar date (`YYYY-MM-DD`), stored as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// Smallest year a date may have.
const MIN_YEAR: i32 = 1;
/// Largest year a date may have.
const MAX_YEAR: i32 = 9999;

/// The Julian day of 1970-01-01.
const EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// Days since 1970-01-01 of a calendar date (the `time` crate's calendar), `None` if it does
/// not exist.
fn days_from_civil(y: i32, m: u32, d: u32) -> Option<i32> {
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()?;
    Some(date.to_julian_day() - EPOCH_JULIAN_DAY)
}

/// The first supported day, 0001-01-01, in days since 1970-01-01.
const MIN_DAYS: i32 = -719_162;

impl Date {
    /// The last supported day, 9999-12-31.
    pub const MAX: Date = Date(2_932_896);

    /// Builds a date from year, month and day; `None` if it does not exist or is outside 0001-9999.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
            return None;
        }
        days_from_civil(y, m, d).map(Date)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y = digits(b.get(0..4)?)? as i32;
        let m = digits(b.get(5..7)?)?;
        let d = digits(b.get(8..10)?)?;
        Date::from_ymd(y, m, d)
    }

    /// The year, month and day of this date.
    pub fn ymd(self) -> (i32, u32, u32) {
        // Every `Date` lies in 0001-9999, which the `time` calendar covers.
        match time::Date::from_julian_day(self.0 + EPOCH_JULIAN_DAY) {
            Ok(d) => (d.year(), u32::from(u8::from(d.month())), u32::from(d.day())),
            Err(_) => (1970, 1, 1),
        }
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        self.0
    }

    /// The date `n` days later (earlier if negative), clamped to the supported range.
    pub fn add_days(self, n: i32) -> Date {
        Date(self.0.saturating_add(n).clamp(MIN_DAYS, Date::MAX.0))
    }

    /// The same day `n` calendar months later (earlier if negative).
    ///
    /// When the target month is shorter, the result is its last day (31 May minus three months
    /// is 28 or 29 February). The result is clamped to the supported range.
    pub fn add_months(self, n: i32) -> Date {
        let (y, m, d) = self.ymd();
        let total = (y as i64) * 12 + (m as i64 - 1) + n as i64;
        let ny = total.div_euclid(12);
        let nm = (total.rem_euclid(12) + 1) as u32;
        if ny < MIN_YEAR as i64 {
            return Date(MIN_DAYS);
        }
        if ny > MAX_YEAR as i64 {
            return Date::MAX;
        }
        let ny = ny as i32;
        let month = u8::try_from(nm)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok())
            .unwrap_or(time::Month::January);
        let nd = d.min(u32::from(month.length(ny)));
        Date(days_from_civil(ny, nm, nd).unwrap_or(self.0))
    }

    /// The same day `n` years later; 29 February becomes 28 February in a common year.
    pub fn add_years(self, n: i32) -> Date {
        self.add_months(n.saturating_mul(12))
    }
}

/// Parses a run of ASCII digits.
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid date {s:?}: expected an existing YYYY-MM-DD"
            ))
        })
    }
}

/// A point in time written in RFC 3339 (`2025-04-28T21:30:00-04:00`), keeping its UTC offset.
///
/// Instants compare by the moment they denote, whatever their offsets.
#[derive(Clone, Copy, Debug)]
pub struct Instant {
    secs: i64,
    nanos: u32,
    offset_minutes: i32,
}

impl Instant {
    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
    pub fn parse(s: &str) -> Option<Instant> {
        let b = s.as_bytes();
        if b.len() < 20 {
            return None;
        }
        let date = Date::parse(s.get(0..10)?)?;
        if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let hh = digits(b.get(11..13)?)?;
        let mi = digits(b.get(14..16)?)?;
        let ss = digits(b.get(17..19)?)?;
        if hh > 23 || mi > 59 || ss > 60 {
            return None;
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let frac = b.get(start..i)?;
            if frac.is_empty() {
                return None;
            }
            let mut scale = 100_000_000u32;
            for &c in frac.iter().take(9) {
                nanos += (c - b'0') as u32 * scale;
                scale /= 10;
            }
        }
        let offset_minutes = match b.get(i..)? {
            [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let oh = digits(&[*h1, *h2])? as i32;
                let om = digits(&[*m1, *m2])? as i32;
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = oh * 60 + om;
                if *sign == b'-' {
                    -o
                } else {
                    o
                }
            }
            _ => return None,
        };
        let local = date.days() as i64 * 86_400 + (hh * 3600 + mi * 60 + ss.min(59)) as i64;
        Some(Instant {
            secs: local - offset_minutes as i64 * 60,
            nanos,
            offset_minutes,
        })
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// The UTC offset this instant was written with, in minutes.
    pub fn offset_minutes(&self) -> i32 {
        self.offset_minutes
    }

    /// The calendar day of this instant in its own UTC offset.
    pub fn local_date(&self) -> Date {
        self.date_at_offset(self.offset_minutes)
    }

    /// The calendar day of this instant at another UTC offset (minutes), e.g. a district's.
    pub fn date_at_offset(&self, offset_minutes: i32) -> Date {
        let local = self.secs + offset_minutes as i64 * 60;
        let days = local.div_euclid(86_400);
        Date(days.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
    }

    /// Midnight at the start of this instant's local calendar day, in the same offset.
    pub fn start_of_local_day(&self) -> Instant {
        let local = self.secs + self.offset_minutes as i64 * 60;
        let midnight_local = local.div_euclid(86_400) * 86_400;
        Instant {
            secs: midnight_local - self.offset_minutes as i64 * 60,
            nanos: 0,
            offset_minutes: self.offset_minutes,
        }
    }
}

impl PartialEq for Instant {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Instant {}

impl PartialOrd for Instant {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Instant {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.secs, self.nanos).cmp(&(o.secs, o.nanos))
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.secs + self.offset_minutes as i64 * 60;
        let day = self.local_date();
        let tod = local.rem_euclid(86_400);
        write!(
            f,
            "{day}T{:02}:{:02}:{:02}",
            tod / 3600,
            (tod / 60) % 60,
            tod % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        if self.offset_minutes == 0 {
            f.write_str("Z")
        } else {
            let sign = if self.offset_minutes < 0 { '-' } else { '+' };
            let o = self.offset_minutes.abs();
            write!(f, "{sign}{:02}:{:02}", o / 60, o % 60)
        }
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Instant::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid instant {s:?}: expected RFC 3339 such as 2025-04-28T21:30:00-04:00"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_bounds_and_month_ends_come_from_time() {
        assert_eq!(Date::from_ymd(1, 1, 1).map(Date::days), Some(MIN_DAYS));
        assert_eq!(Date::from_ymd(9999, 12, 31), Some(Date::MAX));
        assert_eq!(Date::from_ymd(1970, 1, 1).map(Date::days), Some(0));
        assert_eq!(Date::from_ymd(2023, 2, 29), None);
        assert_eq!(Date::from_ymd(2024, 13, 1), None);
        let d = Date::from_ymd(2024, 5, 31).unwrap();
        assert_eq!(d.add_months(-3).ymd(), (2024, 2, 29));
        assert_eq!(d.add_days(-100_000_000), Date(MIN_DAYS));
        assert_eq!(Date(MIN_DAYS).ymd(), (1, 1, 1));
    }

    #[test]
    fn months_clamp_to_month_end() {
        let d = Date::parse("2025-05-31").unwrap();
        assert_eq!(d.add_months(-3).to_string(), "2025-02-28");
        let d = Date::parse("2024-05-31").unwrap();
        assert_eq!(d.add_months(-3).to_string(), "2024-02-29");
        let d = Date::parse("2024-02-29").unwrap();
        assert_eq!(d.add_years(2).to_string(), "2026-02-28");
    }

    #[test]
    fn instants_keep_their_offset_day() {
        let i = Instant::parse("2025-04-28T21:30:00-04:00").unwrap();
        assert_eq!(i.local_date().to_string(), "2025-04-28");
        assert_eq!(
            i.start_of_local_day().to_string(),
            "2025-04-28T00:00:00-04:00"
        );
        let z = Instant::parse("2025-04-29T01:30:00Z").unwrap();
        assert_eq!(z.local_date().to_string(), "2025-04-29");
        assert_eq!(z.date_at_offset(-7 * 60).to_string(), "2025-04-28");
        assert_eq!(z.date_at_offset(0).to_string(), "2025-04-29");
        assert_eq!(i, z);
        assert_eq!(i.to_string(), "2025-04-28T21:30:00-04:00");
    }
}
