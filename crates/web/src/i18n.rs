//! English and French: the reader's language, chosen from a cookie or `Accept-Language`.
//!
//! Every visible string of the console is written in both languages where it is used, with
//! [`t!`](crate::t): `t!(lang, "Sign in", "Se connecter")`. A page cannot compile with a string
//! missing in one language, and no catalogue can drift from the pages.

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 code (`en`, `fr`), as in `<html lang>` and the `lang` cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// Reads a code (`en`, `fr`, `fr-CA`, case-insensitive).
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header (RFC 9110 weights; `q=0` refuses),
    /// English when nothing matches. Malformed parts are ignored, never an error.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(u32, Lang)> = None;
        for (order, part) in header.split(',').take(32).enumerate() {
            let mut pieces = part.split(';');
            let Some(tag) = pieces.next() else { continue };
            let Some(lang) = Lang::from_code(tag) else {
                continue;
            };
            let mut q = 1000u32;
            for param in pieces {
                if let Some(v) = param.trim().strip_prefix("q=") {
                    q = parse_weight(v).unwrap_or(0);
                }
            }
            if q == 0 {
                continue;
            }
            // Equal weights keep the header's order: the earlier tag wins.
            let _ = order;
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, en: &'a str, fr: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }

    /// A whole number with this language's digit grouping (`12,345` or `12 345`).
    pub fn number(self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self {
            Lang::En => ',',
            // A narrow no-break space, as French typography groups digits.
            Lang::Fr => '\u{202f}',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }
}

/// A weight `0`, `0.5`, `1.000` in thousandths.
fn parse_weight(v: &str) -> Option<u32> {
    let v = v.trim();
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: u32 = match int {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let mut thousandths = 0u32;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u32::from(b - b'0') * 10u32.pow(2 - i as u32);
    }
    let w = int * 1000 + thousandths;
    (w <= 1000).then_some(w)
}

/// The text of a string in the reader's language: `t!(lang, "English", "Français")`.
#[macro_export]
macro_rules! t {
    ($lang:expr, $en:expr, $fr:expr $(,)?) => {
        match $lang {
            $crate::Lang::En => $en,
            $crate::Lang::Fr => $fr,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_weights_decide() {
        assert_eq!(
            Lang::from_accept_language("fr-CA,fr;q=0.9,en;q=0.8"),
            Lang::Fr
        );
        assert_eq!(Lang::from_accept_language("en-GB,fr;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("de,fr;q=0.3"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("fr;q=0,en;q=0.1"), Lang::En);
        assert_eq!(Lang::from_accept_language("de"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_accept_language(";;,q=,fr;q=x"), Lang::En);
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
        assert_eq!(Lang::Fr.number(1_234), "1\u{202f}234");
        assert_eq!(Lang::En.number(999), "999");
        assert_eq!(Lang::En.number(0), "0");
    }

    proptest::proptest! {
        #[test]
        fn any_header_gives_a_language(h in ".{0,200}") {
            let _ = Lang::from_accept_language(&h);
        }
    }
}
