//! Text normalisation and tokenisation with coordination-network-toolkit 1.5.2 semantics.
//!
//! CNT lowercases a message, deletes `@mentions` (an `@` up to the next whitespace
//! character or the end), then either collapses whitespace (co_tweet) or splits the
//! text at Unicode (UAX #29) word boundaries (co_similar_tweet). The functions here
//! reproduce those steps, including the detail that CNT's mention pattern uses the
//! regex `\s` class while its whitespace splitting uses Python's `str.split()`, which
//! also treats U+001C..U+001F as whitespace.

use unicode_segmentation::UnicodeSegmentation;

/// Whitespace as Python's `str.isspace()` sees it.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Characters of Unicode's `Word_Break=WSegSpace` property.
fn is_wseg_space(c: char) -> bool {
    matches!(c, ' ' | '\u{1680}' | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200a}' | '\u{205f}' | '\u{3000}')
}

/// Lowercases `text` and deletes `@mentions`, writing the result into `out` (cleared first).
pub fn lower_without_mentions(text: &str, out: &mut String) {
    out.clear();
    let lowered;
    let lower: &str = if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase() || b == b'@') {
            lowered = text.to_ascii_lowercase();
            &lowered
        } else {
            out.push_str(text);
            return;
        }
    } else {
        lowered = text.to_lowercase();
        &lowered
    };
    let mut in_mention = false;
    for c in lower.chars() {
        if in_mention {
            if c.is_whitespace() {
                in_mention = false;
                out.push(c);
            }
        } else if c == '@' {
            in_mention = true;
        } else {
            out.push(c);
        }
    }
}

/// CNT's co_tweet normalisation: lowercase, mentions removed, whitespace runs collapsed
/// to one space and trimmed. Writes into `out` (cleared first); `scratch` is reused.
pub fn normalize_into(text: &str, scratch: &mut String, out: &mut String) {
    lower_without_mentions(text, scratch);
    out.clear();
    for word in scratch.split(is_py_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// CNT's co_tweet normalisation of one text (see [`normalize_into`]).
pub fn normalize(text: &str) -> String {
    let mut scratch = String::new();
    let mut out = String::new();
    normalize_into(text, &mut scratch, &mut out);
    out
}

/// Calls `emit` with each token of CNT's co_similar_tweet tokenisation of an already
/// lowercased, mention-free text (see [`lower_without_mentions`]). Tokens may repeat;
/// the caller builds the set.
///
/// CNT splits with the regex `\b\p{Word_Break=WSegSpace}*'?` (word-boundary mode): at
/// every UAX #29 word boundary it cuts, swallowing following spaces and one ASCII
/// apostrophe. The pieces are then joined with spaces and re-split on whitespace.
pub fn for_each_token<'a>(clean: &'a str, mut emit: impl FnMut(&'a str)) {
    if clean.is_empty() {
        return;
    }
    let mut piece = |s: &'a str| {
        for part in s.split(is_py_space) {
            if !part.is_empty() {
                emit(part);
            }
        }
    };
    let mut last_end = 0usize;
    let mut pos = 0usize;
    let bounds = clean
        .split_word_bound_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(clean.len()));
    for p in bounds {
        if p < pos {
            continue;
        }
        let rest = clean.get(p..).unwrap_or("");
        let mut e = p;
        for c in rest.chars() {
            if is_wseg_space(c) {
                e += c.len_utf8();
            } else {
                break;
            }
        }
        if clean.get(e..).is_some_and(|r| r.starts_with('\'')) {
            e += 1;
        }
        if p > last_end {
            piece(clean.get(last_end..p).unwrap_or(""));
        }
        last_end = e;
        pos = if e == p { p + 1 } else { e };
    }
    if last_end < clean.len() {
        piece(clean.get(last_end..).unwrap_or(""));
    }
}

/// CNT's co_similar_tweet token set of a text: sorted, distinct tokens.
pub fn token_set(text: &str) -> Vec<String> {
    let mut clean = String::new();
    lower_without_mentions(text, &mut clean);
    let mut tokens: Vec<String> = Vec::new();
    for_each_token(&clean, |t| tokens.push(t.to_string()));
    tokens.sort();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_matches_cnt_examples() {
        assert_eq!(
            normalize("Hello, world!! RT @abc: foo #camp5"),
            "hello, world!! rt foo #camp5"
        );
        assert_eq!(normalize("x@y.com @a@b c"), "x c");
        assert_eq!(normalize("a\tb  c\nd"), "a b c d");
        assert_eq!(normalize("@only"), "");
        assert_eq!(normalize("ΣΑΣ"), "σας");
    }

    #[test]
    fn tokens_match_cnt_examples() {
        assert_eq!(token_set("'orange' is don't"), ["don't", "is", "orange"]);
        assert_eq!(
            token_set("Hello, world!! RT @abc: foo https://campaign3.example/story/12 #camp5"),
            [
                "!",
                "#",
                ",",
                ".",
                "/",
                "12",
                ":",
                "camp5",
                "campaign3",
                "example",
                "foo",
                "hello",
                "https",
                "rt",
                "story",
                "world"
            ]
        );
        assert_eq!(
            token_set("3.5 U.S.A. ab_cd e-f"),
            ["-", ".", "3.5", "ab_cd", "e", "f", "u.s.a"]
        );
        assert_eq!(token_set("a \tb"), ["a", "b"]);
        assert_eq!(token_set("  'x"), ["x"]);
        assert!(token_set("").is_empty());
        assert!(token_set("@only").is_empty());
        assert_eq!(
            token_set("ça Ωσ ΣΑΣ 日本語テキスト"),
            ["ça", "σας", "ωσ", "テキスト", "日", "本", "語"]
        );
    }
}
