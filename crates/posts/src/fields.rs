//! Parsing of individual fields: timestamps, date-times, snowflake ids and URL list literals.

/// Milliseconds since the Unix epoch of Twitter's snowflake epoch (2010-11-04T01:42:54.657Z).
const SNOWFLAKE_EPOCH_MS: i64 = 1_288_834_974_657;

/// Parses seconds as CNT does (Python `float`, surrounding whitespace allowed) into milliseconds.
pub fn seconds_to_ms(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    let ms = (v * 1000.0).round();
    (ms.is_finite() && ms.abs() < 9.0e15).then_some(ms as i64)
}

/// Days since 1970-01-01 of day `d` of a month of the proleptic Gregorian calendar (the `time`
/// crate's); a day past the month's end runs on into the next month, as it always has.
fn days_from_civil(y: i64, m: i64, d: i64) -> Option<i64> {
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let first = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, 1).ok()?;
    Some(i64::from(first.to_julian_day()) - 2_440_588 + d - 1)
}

fn num(s: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|v| range.contains(v))
}

/// A UTC date-time `YYYY-MM-DD HH:MM[:SS[.fff]]` (a `T` may separate date and time, a
/// trailing `Z` or `+00:00` is allowed). Returns milliseconds and whether seconds were given.
pub fn parse_datetime_ms(s: &str) -> Option<(i64, bool)> {
    let s = s.trim();
    let s = s
        .strip_suffix('Z')
        .or_else(|| s.strip_suffix("+00:00"))
        .unwrap_or(s);
    let (date, time) = s.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-');
    let y = num(d.next()?, 1..=9999)?;
    let mo = num(d.next()?, 1..=12)?;
    let da = num(d.next()?, 1..=31)?;
    let mut t = time.splitn(3, ':');
    let h = num(t.next()?, 0..=23)?;
    let mi = num(t.next()?, 0..=59)?;
    let (sec_ms, has_seconds) = match t.next() {
        None => (0, false),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let whole = num(whole, 0..=60)?;
            let mut ms = 0i64;
            let mut scale = 100;
            for b in frac.bytes() {
                if !b.is_ascii_digit() {
                    return None;
                }
                ms += (b - b'0') as i64 * scale;
                scale /= 10;
            }
            (whole * 1000 + ms, true)
        }
    };
    let days = days_from_civil(y, mo, da)?;
    Some((
        (days * 86_400 + h * 3600 + mi * 60) * 1000 + sec_ms,
        has_seconds,
    ))
}

/// The creation time in milliseconds encoded in a Twitter snowflake id, if it is one.
pub fn snowflake_ms(id: &str) -> Option<i64> {
    let v: u64 = id.trim().parse().ok()?;
    // Ids below this predate snowflakes (sequential ids before November 2010).
    if v < (1u64 << 32) {
        return None;
    }
    Some((v >> 22) as i64 + SNOWFLAKE_EPOCH_MS)
}

/// A tweet time: a minute-resolution date-time is refined to the millisecond with the
/// snowflake id when the id's time falls inside that minute.
pub fn tweet_time_ms(time: &str, id: &str) -> Option<i64> {
    if let Some((ms, has_seconds)) = parse_datetime_ms(time) {
        if !has_seconds {
            if let Some(sf) = snowflake_ms(id) {
                if (ms..ms + 60_000).contains(&sf) {
                    return Some(sf);
                }
            }
        }
        return Some(ms);
    }
    seconds_to_ms(time)
}

/// Parses a URL list: a Python or JSON list literal of strings (`['a', "b"]`, `[]`), or
/// otherwise whitespace-separated URLs. An empty field is an empty list.
/// On failure returns what is wrong.
pub fn parse_url_list(s: &str, out: &mut Vec<String>) -> Result<(), &'static str> {
    out.clear();
    let t = s.trim();
    if t.is_empty() {
        return Ok(());
    }
    if !t.starts_with('[') {
        out.extend(t.split_whitespace().map(str::to_string));
        return Ok(());
    }
    let mut chars = t[1..].chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            Some(']') if out.is_empty() => break,
            Some(q @ ('\'' | '"')) => {
                let mut v = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string"),
                        Some('\\') => match chars.next() {
                            Some('n') => v.push('\n'),
                            Some('t') => v.push('\t'),
                            Some(c) => v.push(c),
                            None => return Err("unterminated string"),
                        },
                        Some(c) if c == q => break,
                        Some(c) => v.push(c),
                    }
                }
                out.push(v);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                match chars.next() {
                    Some(',') => continue,
                    Some(']') => break,
                    _ => return Err("expected , or ] after a string"),
                }
            }
            _ => return Err("expected a quoted string"),
        }
    }
    if chars.any(|c| !c.is_whitespace()) {
        return Err("text after the closing ]");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_past_the_month_end_runs_on_as_before() {
        let (feb31, _) = parse_datetime_ms("2024-02-31 00:00").unwrap();
        let (mar2, _) = parse_datetime_ms("2024-03-02 00:00").unwrap();
        assert_eq!(feb31, mar2);
        assert_eq!(
            parse_datetime_ms("1970-01-01 00:00:01.5"),
            Some((1500, true))
        );
    }

    #[test]
    fn datetimes() {
        assert_eq!(parse_datetime_ms("1970-01-01 00:01"), Some((60_000, false)));
        assert_eq!(
            parse_datetime_ms("2016-05-13 19:34:12"),
            Some((1_463_168_052_000, true))
        );
        assert_eq!(
            parse_datetime_ms("2016-05-13T19:34:12.5Z"),
            Some((1_463_168_052_500, true))
        );
        assert_eq!(parse_datetime_ms("2016-13-13 19:34"), None);
        assert_eq!(parse_datetime_ms("yesterday"), None);
    }

    #[test]
    fn snowflake_refines_minute() {
        // 1463168052000 ms - epoch, shifted into an id.
        let id = (((1_463_168_052_123i64 - SNOWFLAKE_EPOCH_MS) as u64) << 22).to_string();
        assert_eq!(
            tweet_time_ms("2016-05-13 19:34", &id),
            Some(1_463_168_052_123)
        );
        assert_eq!(
            tweet_time_ms("2016-05-13 19:35", &id),
            Some(1_463_168_100_000)
        );
        assert_eq!(
            tweet_time_ms("2016-05-13 19:34", "12345"),
            Some(1_463_168_040_000)
        );
    }

    #[test]
    fn url_lists() {
        let mut v = Vec::new();
        parse_url_list("['http://a', \"http://b\"]", &mut v).unwrap();
        assert_eq!(v, ["http://a", "http://b"]);
        parse_url_list("[]", &mut v).unwrap();
        assert!(v.is_empty());
        parse_url_list("http://a http://b", &mut v).unwrap();
        assert_eq!(v.len(), 2);
        assert!(parse_url_list("['http://a'", &mut v).is_err());
        assert!(parse_url_list("['a' 'b']", &mut v).is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(seconds_to_ms(" 12 "), Some(12_000));
        assert_eq!(seconds_to_ms("1.5"), Some(1_500));
        assert_eq!(seconds_to_ms("abc"), None);
        assert_eq!(seconds_to_ms("nan"), None);
        assert_eq!(seconds_to_ms(""), None);
    }
}
