//! Granular-marking selectors (STIX 2.1 §7.2.3): parsing and resolution inside an object.

use serde_json::Value;

/// One step of a selector: a property name or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A property (dictionary key) name.
    Key(String),
    /// A zero-based list index, written `[n]`.
    Index(usize),
}

/// Parses a selector such as `external_references.[1].url`; `None` if it is malformed.
pub fn parse_selector(s: &str) -> Option<Vec<Segment>> {
    if s.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for part in s.split('.') {
        if part.is_empty() {
            return None;
        }
        if let Some(inner) = part.strip_prefix('[') {
            let digits = inner.strip_suffix(']')?;
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            out.push(Segment::Index(digits.parse().ok()?));
        } else {
            if part.contains('[') || part.contains(']') {
                return None;
            }
            out.push(Segment::Key(part.to_string()));
        }
    }
    Some(out)
}

/// The value a parsed selector points at, if it exists.
pub fn resolve<'a>(obj: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    let mut cur = obj;
    for seg in path {
        cur = match (seg, cur) {
            (Segment::Key(k), Value::Object(m)) => m.get(k)?,
            (Segment::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_resolves() {
        let o = json!({"external_references": [{"url": "a"}, {"url": "b"}], "labels": ["x"]});
        let p = parse_selector("external_references.[1].url").unwrap();
        assert_eq!(resolve(&o, &p), Some(&json!("b")));
        assert_eq!(resolve(&o, &parse_selector("labels.[1]").unwrap()), None);
        assert!(parse_selector("a..b").is_none());
        assert!(parse_selector("a.[x]").is_none());
        assert!(parse_selector("a[0]").is_none());
        assert!(parse_selector("").is_none());
    }
}
