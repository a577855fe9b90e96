//! Syntax check of STIX 2.1 patterns (§9, the `stix` pattern language of indicators).

/// A token of the pattern language.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Op(&'static str),
    Word(String),
    Int(i64),
    Float,
    Str,
    Timestamp,
    Binary,
    Hex,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Colon => "':'".into(),
            Tok::Dot => "'.'".into(),
            Tok::Comma => "','".into(),
            Tok::Star => "'*'".into(),
            Tok::Op(o) => format!("'{o}'"),
            Tok::Word(w) => format!("{w:?}"),
            Tok::Int(_) | Tok::Float => "a number".into(),
            Tok::Str => "a string".into(),
            Tok::Timestamp => "a timestamp".into(),
            Tok::Binary => "a binary literal".into(),
            Tok::Hex => "a hex literal".into(),
        }
    }
}

/// Splits a pattern into tokens, each with its byte offset.
fn lex(p: &str) -> Result<Vec<(usize, Tok)>, String> {
    let b = p.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'[' => Tok::LBracket,
            b']' => Tok::RBracket,
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b':' => Tok::Colon,
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                // A float without an integer part, such as .5.
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push((start, Tok::Float));
                continue;
            }
            b'.' => Tok::Dot,
            b',' => Tok::Comma,
            b'*' => Tok::Star,
            b'=' if b.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op("==")
            }
            b'=' => Tok::Op("="),
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op("!=")
            }
            b'<' if b.get(i + 1) == Some(&b'>') => {
                i += 1;
                Tok::Op("<>")
            }
            b'<' if b.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op("<=")
            }
            b'<' => Tok::Op("<"),
            b'>' if b.get(i + 1) == Some(&b'=') => {
                i += 1;
                Tok::Op(">=")
            }
            b'>' => Tok::Op(">"),
            b'\'' => {
                i = string_end(b, i + 1)?;
                out.push((start, Tok::Str));
                continue;
            }
            b't' | b'b' | b'h' if b.get(i + 1) == Some(&b'\'') => {
                let end = string_end(b, i + 2)?;
                let body = p.get(i + 2..end - 1).unwrap_or("");
                let tok = match c {
                    b't' => {
                        crate::timestamp::parse_timestamp(body)
                            .map_err(|e| format!("bad timestamp literal at offset {start}: {e}"))?;
                        Tok::Timestamp
                    }
                    b'b' => {
                        if !body
                            .bytes()
                            .all(|x| x.is_ascii_alphanumeric() || matches!(x, b'+' | b'/' | b'='))
                        {
                            return Err(format!("bad base64 literal at offset {start}"));
                        }
                        Tok::Binary
                    }
                    _ => {
                        if body.len() % 2 != 0 || !body.bytes().all(|x| x.is_ascii_hexdigit()) {
                            return Err(format!("bad hex literal at offset {start}"));
                        }
                        Tok::Hex
                    }
                };
                i = end;
                out.push((start, tok));
                continue;
            }
            b'-' | b'+' | b'0'..=b'9' => {
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let mut float = false;
                if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
                    float = true;
                    j += 1;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                let text = p.get(i..j).unwrap_or("");
                if text == "-" || text == "+" {
                    // A signed float without an integer part, such as -.5.
                    if b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(u8::is_ascii_digit) {
                        j += 1;
                        while j < b.len() && b[j].is_ascii_digit() {
                            j += 1;
                        }
                        i = j;
                        out.push((start, Tok::Float));
                        continue;
                    }
                    return Err(format!(
                        "a sign must be followed by digits at offset {start}"
                    ));
                }
                i = j;
                let tok =
                    if float {
                        Tok::Float
                    } else {
                        Tok::Int(text.parse().map_err(|_| {
                            format!("integer {text} out of range at offset {start}")
                        })?)
                    };
                out.push((start, tok));
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-')
                {
                    j += 1;
                }
                out.push((start, Tok::Word(p.get(i..j).unwrap_or("").to_string())));
                i = j;
                continue;
            }
            _ => {
                let ch = p.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                return Err(format!("unexpected character {ch:?} at offset {start}"));
            }
        };
        out.push((start, tok));
        i += 1;
    }
    Ok(out)
}

/// The offset just past the closing quote of a string whose body starts at `i`.
fn string_end(b: &[u8], mut i: usize) -> Result<usize, String> {
    let open = i.saturating_sub(1);
    while i < b.len() {
        match b[i] {
            b'\\' => match b.get(i + 1) {
                Some(b'\'') | Some(b'\\') => i += 2,
                _ => {
                    return Err(format!(
                        "bad escape in string at offset {i}: only \\' and \\\\ are allowed"
                    ))
                }
            },
            b'\'' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(format!("unterminated string starting at offset {open}"))
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    len: usize,
    depth: usize,
}

const MAX_NESTING: usize = 64;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |t| t.0)
    }

    fn err<T>(&self, want: &str) -> Result<T, String> {
        match self.peek() {
            Some(t) => Err(format!(
                "expected {want} at offset {}, found {}",
                self.at(),
                t.describe()
            )),
            None => Err(format!("expected {want} at the end of the pattern")),
        }
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn expect(&mut self, t: &Tok, want: &str) -> Result<(), String> {
        if self.peek() == Some(t) {
            self.bump();
            Ok(())
        } else {
            self.err(want)
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!(
                "pattern nested more than {MAX_NESTING} levels deep"
            ));
        }
        Ok(())
    }

    /// observationExpressions := or (FOLLOWEDBY or)*
    fn observation_expressions(&mut self) -> Result<(), String> {
        self.enter()?;
        self.observation_or()?;
        while self.is_word("FOLLOWEDBY") {
            self.bump();
            self.observation_or()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn observation_or(&mut self) -> Result<(), String> {
        self.observation_and()?;
        while self.is_word("OR") {
            self.bump();
            self.observation_and()?;
        }
        Ok(())
    }

    fn observation_and(&mut self) -> Result<(), String> {
        self.observation()?;
        while self.is_word("AND") {
            self.bump();
            self.observation()?;
        }
        Ok(())
    }

    fn observation(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(Tok::LBracket) => {
                self.bump();
                self.comparison_or()?;
                self.expect(&Tok::RBracket, "']'")?;
            }
            Some(Tok::LParen) => {
                self.bump();
                self.observation_expressions()?;
                self.expect(&Tok::RParen, "')'")?;
            }
            _ => return self.err("'[' or '(' starting an observation expression"),
        }
        self.qualifiers()
    }

    fn qualifiers(&mut self) -> Result<(), String> {
        loop {
            if self.is_word("START") {
                self.bump();
                self.expect(&Tok::Timestamp, "a timestamp literal t'…' after START")?;
                if !self.is_word("STOP") {
                    return self.err("STOP");
                }
                self.bump();
                self.expect(&Tok::Timestamp, "a timestamp literal t'…' after STOP")?;
            } else if self.is_word("WITHIN") {
                self.bump();
                match self.peek() {
                    Some(Tok::Int(n)) if *n > 0 => self.bump(),
                    Some(Tok::Float) => self.bump(),
                    _ => return self.err("a positive number after WITHIN"),
                }
                if !self.is_word("SECONDS") {
                    return self.err("SECONDS");
                }
                self.bump();
            } else if self.is_word("REPEATS") {
                self.bump();
                match self.peek() {
                    Some(Tok::Int(n)) if *n > 0 => self.bump(),
                    _ => return self.err("a positive integer after REPEATS"),
                }
                if !self.is_word("TIMES") {
                    return self.err("TIMES");
                }
                self.bump();
            } else {
                return Ok(());
            }
        }
    }

    fn comparison_or(&mut self) -> Result<(), String> {
        self.enter()?;
        self.comparison_and()?;
        while self.is_word("OR") {
            self.bump();
            self.comparison_and()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn comparison_and(&mut self) -> Result<(), String> {
        self.prop_test()?;
        while self.is_word("AND") {
            self.bump();
            self.prop_test()?;
        }
        Ok(())
    }

    fn prop_test(&mut self) -> Result<(), String> {
        if self.peek() == Some(&Tok::LParen) {
            self.bump();
            self.comparison_or()?;
            return self.expect(&Tok::RParen, "')'");
        }
        if self.is_word("EXISTS") {
            self.bump();
            return self.object_path();
        }
        self.object_path()?;
        if self.is_word("NOT") {
            self.bump();
        }
        match self.peek().cloned() {
            Some(Tok::Op("=" | "==" | "!=" | "<>")) => {
                self.bump();
                self.literal(true)
            }
            Some(Tok::Op(_)) => {
                self.bump();
                self.literal(false)
            }
            Some(Tok::Word(w)) if w == "IN" => {
                self.bump();
                self.expect(&Tok::LParen, "'(' starting a set")?;
                // The grammar allows the empty set.
                if self.peek() == Some(&Tok::RParen) {
                    self.bump();
                    return Ok(());
                }
                self.literal(true)?;
                while self.peek() == Some(&Tok::Comma) {
                    self.bump();
                    self.literal(true)?;
                }
                self.expect(&Tok::RParen, "')' closing the set")
            }
            Some(Tok::Word(w))
                if matches!(w.as_str(), "LIKE" | "MATCHES" | "ISSUBSET" | "ISSUPERSET") =>
            {
                self.bump();
                self.expect(&Tok::Str, &format!("a string after {w}"))
            }
            _ => self.err("a comparison operator"),
        }
    }

    /// A literal; booleans only where equality is tested.
    fn literal(&mut self, allow_bool: bool) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Int(_) | Tok::Float | Tok::Str | Tok::Timestamp | Tok::Binary | Tok::Hex) => {
                self.bump();
                Ok(())
            }
            Some(Tok::Word(w)) if allow_bool && (w == "true" || w == "false") => {
                self.bump();
                Ok(())
            }
            _ => self.err("a literal"),
        }
    }

    /// objectType ':' first (('.' step) | ('[' index ']'))*
    fn object_path(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(Tok::Word(w)) if is_object_type(w) => {
                if let Some(problem) = crate::validate::type_name_problem(w) {
                    return Err(format!(
                        "object type at offset {} is not a valid STIX type: {problem}",
                        self.at()
                    ));
                }
                self.bump();
            }
            _ => return self.err("an object type such as ipv4-addr"),
        }
        self.expect(&Tok::Colon, "':' after the object type")?;
        match self.peek() {
            Some(Tok::Word(w)) if is_property(w) => {
                if let Some(problem) = crate::validate::property_name_problem(w) {
                    return Err(format!(
                        "property at offset {} is not a valid property name: {problem}",
                        self.at()
                    ));
                }
                self.bump();
            }
            Some(Tok::Str) => self.bump(),
            _ => return self.err("a property name"),
        }
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.bump();
                    match self.peek() {
                        Some(Tok::Word(w)) if is_property(w) => self.bump(),
                        Some(Tok::Str) => self.bump(),
                        _ => return self.err("a property name after '.'"),
                    }
                }
                Some(Tok::LBracket) => {
                    self.bump();
                    match self.peek() {
                        Some(Tok::Int(_) | Tok::Star) => self.bump(),
                        _ => return self.err("a list index or '*'"),
                    }
                    self.expect(&Tok::RBracket, "']' closing the list index")?;
                }
                _ => return Ok(()),
            }
        }
    }
}

/// Object types in patterns are identifiers that may contain hyphens (the lexer guarantees
/// the characters); keywords are not object types.
fn is_object_type(w: &str) -> bool {
    !matches!(
        w,
        "AND"
            | "OR"
            | "NOT"
            | "FOLLOWEDBY"
            | "LIKE"
            | "MATCHES"
            | "ISSUPERSET"
            | "ISSUBSET"
            | "EXISTS"
            | "IN"
            | "START"
            | "STOP"
            | "SECONDS"
            | "WITHIN"
            | "REPEATS"
            | "TIMES"
    )
}

fn is_property(w: &str) -> bool {
    !w.contains('-')
}

/// Checks that `pattern` is a syntactically valid STIX 2.1 pattern; the error says where not.
pub fn check_stix_pattern(pattern: &str) -> Result<(), String> {
    let toks = lex(pattern)?;
    let mut p = Parser {
        toks,
        pos: 0,
        len: pattern.len(),
        depth: 0,
    };
    p.observation_expressions()?;
    if p.pos < p.toks.len() {
        return p.err("the end of the pattern");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_stix_pattern as check;

    #[test]
    fn accepts_spec_examples() {
        for p in [
            "[ipv4-addr:value = '198.51.100.1']",
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name LIKE 'pic%.jpg']",
            "[file:name = 'foo.dll'] AND [process:name = 'x'] WITHIN 300 SECONDS",
            "([ipv4-addr:value = '1.2.3.4'] OR [ipv6-addr:value = '::1']) FOLLOWEDBY [domain-name:value = 'x'] REPEATS 5 TIMES",
            "[network-traffic:dst_port IN (443, 8443) AND network-traffic:protocols[0] NOT = 'udp']",
            "[x509-certificate:validity_not_before > t'2016-01-01T00:00:00Z'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
            "[artifact:payload_bin = b'aGVsbG8='] AND [file:magic_number_hex = h'ffd8']",
            "[windows-registry-key:values[*].name = 'Foo' OR (user-account:is_privileged = true AND user-account:user_id != '0')]",
            "[file:size >= -1.5] AND [x-custom-thing:x_field = 'a\\'b']",
            "[x-custom:abc = .5] OR [abc:bcd IN ()] OR [abc:bcd[-1] = -.5] OR [file:id = 'x']",
            "[EXISTS process:pid]",
            "[domain-name:value ISSUBSET '198.51.100.0/24']",
        ] {
            assert_eq!(check(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}[a-b:ccc = 1]{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(check(&deep).unwrap_err().contains("nested"));
        let inner = format!("[{}a-b:ccc = 1{}]", "(".repeat(10_000), ")".repeat(10_000));
        assert!(check(&inner).unwrap_err().contains("nested"));
    }

    #[test]
    fn rejects_malformed_patterns() {
        for p in [
            "",
            "ipv4-addr:value = '1.2.3.4'",
            "[ipv4-addr:value = '1.2.3.4'",
            "[ipv4-addr:value = 1.2.3.4]",
            "[ipv4-addr:value '1.2.3.4']",
            "[ipv4-addr value = '1.2.3.4']",
            "[ipv4-addr:value = 'unterminated]",
            "[ipv4-addr:value = '1'] WITHIN SECONDS",
            "[ipv4-addr:value = '1'] START '2016' STOP t'2016-01-01T00:00:00Z'",
            "[ipv4-addr:value = '1'] AND",
            "[ipv4-addr:value LIKE 5]",
            "[ipv4-addr:value > true]",
            "[file:hashes.'SHA-256' = h'abc']",
            "[ipv4-addr:value = '1'] [ipv4-addr:value = '2']",
            "[ipv4-addr:value = '1'] and [ipv4-addr:value = '2']",
            "[ipv4-addr:value = 'a\\b']",
            "[IPV4-ADDR:value = '1']",
            "[x_custom:value = '1']",
            "[file:a = '1']",
        ] {
            assert!(check(p).is_err(), "{p}");
        }
    }
}
