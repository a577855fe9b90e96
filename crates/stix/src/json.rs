//! JSON text to `serde_json::Value` with every number kept in the exact text it was written in.
//!
//! With serde_json's `arbitrary_precision` feature a number keeps its digits (no float
//! rounding, integers of any length, `-0`), but the parser rewrites exponents (`1E2` becomes
//! `1e+2`). These functions parse with serde_json and then put back the original text of every
//! number that has an exponent, so an object reads back exactly as it was received.

use serde_json::{Number, Value};

/// Parses JSON text, keeping every number's text.
pub fn from_str(text: &str) -> Result<Value, serde_json::Error> {
    let mut value: Value = serde_json::from_str(text)?;
    if has_exponent(&value) {
        restore(text, &mut value);
    }
    Ok(value)
}

/// Parses JSON bytes, keeping every number's text.
pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut value: Value = serde_json::from_slice(bytes)?;
    if has_exponent(&value) {
        // A document serde_json accepted is UTF-8.
        if let Ok(text) = std::str::from_utf8(bytes) {
            restore(text, &mut value);
        }
    }
    Ok(value)
}

/// Whether any number of a value is written with an exponent.
fn has_exponent(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Number(n) if n.as_str().contains('e') => return true,
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    false
}

/// Walks the text and the parsed value together and puts each number's text back.
fn restore(text: &str, value: &mut Value) {
    let mut scan = Scan {
        b: text.as_bytes(),
        i: 0,
    };
    // The text parsed already; a walk that stops early only leaves numbers as serde wrote them.
    let _ = scan.value(Some(value));
}

/// A cursor over JSON text that serde_json has already accepted (so nesting is bounded by its
/// recursion limit).
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string token, quotes included.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.b.get(self.i)? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    break;
                }
                _ => self.i += 1,
            }
        }
        std::str::from_utf8(self.b.get(start..self.i)?).ok()
    }

    /// Skips one value, restoring numbers into `target` where it has the same shape.
    fn value(&mut self, target: Option<&mut Value>) -> Option<()> {
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut map = target.and_then(Value::as_object_mut);
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let raw = self.string()?;
                    let key: String = if raw.contains('\\') {
                        serde_json::from_str(raw).ok()?
                    } else {
                        raw.get(1..raw.len() - 1)?.to_string()
                    };
                    self.ws();
                    if *self.b.get(self.i)? != b':' {
                        return None;
                    }
                    self.i += 1;
                    // With duplicate keys serde keeps the last value; the number check below
                    // keeps an earlier duplicate from writing over it.
                    let child = map.as_mut().and_then(|m| m.get_mut(&key));
                    self.value(child)?;
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = target.and_then(Value::as_array_mut);
                let mut index = 0;
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let child = items.as_mut().and_then(|a| a.get_mut(index));
                    index += 1;
                    self.value(child)?;
                }
            }
            b'"' => self.string().map(|_| ()),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while matches!(
                    self.b.get(self.i),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.i += 1;
                }
                let token = std::str::from_utf8(self.b.get(start..self.i)?).ok()?;
                if let Some(Value::Number(n)) = target {
                    if token.contains(['e', 'E']) && n.as_str() != token {
                        // Only the same number, as serde_json writes it, takes the original text.
                        let same = serde_json::from_str::<Number>(token)
                            .is_ok_and(|parsed| parsed.as_str() == n.as_str());
                        if same {
                            *n = Number::from_string_unchecked(token.to_string());
                        }
                    }
                }
                Some(())
            }
            _ => {
                while matches!(self.b.get(self.i), Some(b'a'..=b'z')) {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        let text = r#"{"a":1E2,"b":[-0,1e-7,6.02214076E+23,{"c":2E+0}],"d":0.9852489970647419,
            "e":123456789012345678901234567890,"f":"1E2","g":-0.0,"h\u0041":5E1}"#;
        let v = from_str(text).unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"a":1E2,"b":[-0,1e-7,6.02214076E+23,{"c":2E+0}],"d":0.9852489970647419,"e":123456789012345678901234567890,"f":"1E2","g":-0.0,"hA":5E1}"#
        );
        assert_eq!(v["a"].as_f64(), Some(100.0));
        assert_eq!(from_slice(text.as_bytes()).unwrap(), v);
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let v = from_str(r#"{"a":[1E2],"a":[3E0],"b":{"x":1E1},"b":5}"#).unwrap();
        assert_eq!(v.to_string(), r#"{"a":[3E0],"b":5}"#);
    }
}
