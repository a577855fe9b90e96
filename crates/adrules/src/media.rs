//! Sniffs a creative's bytes for their real media type and checks them against the declared one.
//!
//! Only the types of [`Limits::default`] are recognised, each by its signature (magic bytes);
//! `text/plain` is recognised by content instead. Nothing here reads files: callers pass the bytes.

use crate::validate::Limits;

/// A test that tells whether bytes are of one media type.
type Matcher = fn(&[u8]) -> bool;

/// The recognised types in the order [`sniff`] tries them.
///
/// Magic bytes at offset 0 come before the `ftyp` box at offset 4, because an `ftyp` box whose
/// size field starts with `FF` or `ID3` would be gigabytes long. Text comes last.
const SIGNATURES: [(&str, Matcher); 8] = [
    ("image/png", is_png),
    ("image/gif", is_gif),
    ("image/webp", is_webp),
    ("video/webm", is_webm),
    ("image/jpeg", is_jpeg),
    ("audio/mpeg", is_mpeg),
    ("video/mp4", is_mp4),
    ("text/plain", is_text),
];

fn is_png(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
}

fn is_jpeg(b: &[u8]) -> bool {
    b.starts_with(b"\xff\xd8\xff")
}

fn is_gif(b: &[u8]) -> bool {
    b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")
}

fn is_webp(b: &[u8]) -> bool {
    b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP"
}

/// Any ISO BMFF file: an `ftyp` box first, with its major brand present.
fn is_mp4(b: &[u8]) -> bool {
    b.len() >= 12 && &b[4..8] == b"ftyp"
}

fn is_webm(b: &[u8]) -> bool {
    b.starts_with(b"\x1a\x45\xdf\xa3")
}

/// An ID3 tag, or an MPEG audio frame sync (eleven set bits).
///
/// A JPEG's `FF D8` never passes, since `D8 & E0` is `C0`.
fn is_mpeg(b: &[u8]) -> bool {
    b.starts_with(b"ID3") || (b.len() >= 2 && b[0] == 0xff && b[1] & 0xe0 == 0xe0)
}

/// Non-empty UTF-8 without C0 controls other than tab, line feed, form feed and carriage return.
fn is_text(b: &[u8]) -> bool {
    // Multi-byte UTF-8 sequences hold no bytes below 0x80, so a byte scan finds every control.
    !b.is_empty()
        && b.iter()
            .all(|&c| c >= 0x20 || matches!(c, b'\t' | b'\n' | b'\r' | 0x0c))
        && std::str::from_utf8(b).is_ok()
}

/// The test for a normalised media type, if the type is recognised.
fn matcher(media_type: &str) -> Option<Matcher> {
    SIGNATURES
        .iter()
        .find(|(t, _)| *t == media_type)
        .map(|(_, m)| *m)
}

/// The media type the bytes really are, or `None` when no recognised type matches.
///
/// Binary signatures are tried before text, so the result is the first type in a fixed order
/// whose test matches. Empty input is `None`.
///
/// ```
/// assert_eq!(adrules::sniff(b"GIF89a\x01\x00\x01\x00"), Some("image/gif"));
/// assert_eq!(adrules::sniff(b"Vote on Monday.\n"), Some("text/plain"));
/// assert_eq!(adrules::sniff(b"\x00\x01\x02"), None);
/// ```
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    SIGNATURES.iter().find(|(_, m)| m(bytes)).map(|(t, _)| *t)
}

/// A declared media type trimmed and lower-cased, without parameters after `;`.
///
/// ```
/// assert_eq!(adrules::media::normalize_media_type(" Text/Plain; charset=utf-8"), "text/plain");
/// ```
pub fn normalize_media_type(declared: &str) -> String {
    declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Checks a creative's bytes against its declared media type and the limits.
///
/// The declared type must be accepted by `limits`, the bytes must be non-empty and within
/// `limits.max_creative_bytes`, and they must match the declared type's signature. Bytes that
/// match several signatures (a polyglot) pass for each of them, so text that happens to start
/// with `ID3` passes as `text/plain`. A type that `limits` accepts but this module does not
/// recognise is refused, since its bytes cannot be checked. The error is a message for people.
///
/// ```
/// use adrules::{check_creative, Limits};
///
/// let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR";
/// assert!(check_creative("image/png", png, &Limits::default()).is_ok());
/// let e = check_creative("image/jpeg", png, &Limits::default()).unwrap_err();
/// assert_eq!(e, "the bytes are image/png, not the declared image/jpeg");
/// ```
pub fn check_creative(declared: &str, bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let media_type = normalize_media_type(declared);
    if !limits
        .media_types
        .iter()
        .any(|m| normalize_media_type(m) == media_type)
    {
        return Err(format!(
            "unsupported media type {media_type:?} (supported: {})",
            limits.media_types.join(", ")
        ));
    }
    if bytes.is_empty() {
        return Err("the creative is empty".to_string());
    }
    let size = bytes.len() as u64;
    if size > limits.max_creative_bytes {
        return Err(format!(
            "{size} bytes is over the limit of {} bytes",
            limits.max_creative_bytes
        ));
    }
    let Some(matches) = matcher(&media_type) else {
        return Err(format!(
            "the bytes of {media_type} cannot be checked (no known signature for that type)"
        ));
    };
    if matches(bytes) {
        return Ok(());
    }
    match sniff(bytes) {
        Some(actual) => Err(format!(
            "the bytes are {actual}, not the declared {media_type}"
        )),
        None if media_type == "text/plain" => Err(
            "the bytes are not a text/plain file (not UTF-8 text without control characters)"
                .to_string(),
        ),
        None => Err(format!(
            "the bytes are not {} {media_type} file (no known signature)",
            article(&media_type)
        )),
    }
}

/// The indefinite article for a media type, so messages read "an image/png file".
fn article(media_type: &str) -> &'static str {
    match media_type.bytes().next() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00";
    const GIF87: &[u8] = b"GIF87a\x01\x00\x01\x00\x80\x00\x00";
    const GIF89: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00";
    const WEBP: &[u8] = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00";
    const MP4: &[u8] = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2";
    const MOV: &[u8] = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ";
    const WEBM: &[u8] = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01";
    const MP3_ID3: &[u8] = b"ID3\x03\x00\x00\x00\x00\x00\x21TIT2";
    const MP3_SYNC: &[u8] = b"\xff\xfb\x90\x64\x00\x00\x00\x00";
    const TEXT: &[u8] =
        "Vote on Monday.\r\n\tPaid for by Acme \u{2014} caf\u{e9}.\x0c\n".as_bytes();

    /// One sample of every recognised type, with the type it must sniff as.
    const SAMPLES: [(&str, &[u8]); 11] = [
        ("image/png", PNG),
        ("image/jpeg", JPEG),
        ("image/gif", GIF87),
        ("image/gif", GIF89),
        ("image/webp", WEBP),
        ("video/mp4", MP4),
        ("video/mp4", MOV),
        ("video/webm", WEBM),
        ("audio/mpeg", MP3_ID3),
        ("audio/mpeg", MP3_SYNC),
        ("text/plain", TEXT),
    ];

    fn check(declared: &str, bytes: &[u8]) -> Result<(), String> {
        check_creative(declared, bytes, &Limits::default())
    }

    #[test]
    fn recognised_types_are_exactly_the_default_limits() {
        let mut ours: Vec<&str> = SIGNATURES.iter().map(|(t, _)| *t).collect();
        let defaults = Limits::default().media_types;
        let mut theirs: Vec<&str> = defaults.iter().map(String::as_str).collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn every_sample_sniffs_as_its_type_and_passes_the_check() {
        for (t, bytes) in SAMPLES {
            assert_eq!(sniff(bytes), Some(t), "{t}");
            assert_eq!(check(t, bytes), Ok(()), "{t}");
        }
    }

    #[test]
    fn every_sample_fails_when_declared_as_another_type() {
        for (t, bytes) in SAMPLES {
            for (other, _) in SAMPLES.iter().filter(|(o, _)| *o != t) {
                assert_eq!(
                    check(other, bytes),
                    Err(format!("the bytes are {t}, not the declared {other}")),
                    "{t} declared as {other}"
                );
            }
        }
    }

    #[test]
    fn truncated_or_near_miss_signatures_are_not_recognised() {
        let misses: [&[u8]; 12] = [
            b"\x89PNG\r\n\x1a",              // PNG signature one byte short.
            b"\x89PNG\r\n\x1a\x0b",          // PNG signature with a wrong last byte.
            b"\xff\xd8\x00\x00",             // FF D8 without a third FF is neither JPEG nor MPEG.
            b"\xff\xd8",                     // Too short for JPEG and excluded from MPEG.
            b"GIF88a\x01\x00",               // Not a GIF version.
            b"RIFF\x1a\x00\x00\x00WAVEfmt ", // RIFF of another kind.
            b"RIFF\x1a\x00\x00\x00WEB",      // WEBP cut short.
            b"\x00\x00\x00\x18ftyp",         // ftyp box without a brand.
            b"ftypisom\x00\x00\x00\x00",     // ftyp at the wrong offset.
            b"\x1a\x45\xdf\x00",             // EBML magic with a wrong byte.
            b"\xff\xc0\x00\x00",             // FF without the three sync bits.
            b"\xfe\xfb\x90\x64",             // Sync bits without the FF byte.
        ];
        for bytes in misses {
            assert_eq!(sniff(bytes), None, "{bytes:02x?}");
        }
    }

    #[test]
    fn text_needs_utf8_without_control_characters() {
        assert_eq!(
            sniff(b"line one\nline two\r\n\tend\x0c"),
            Some("text/plain")
        );
        assert_eq!(sniff(b"hello\x00world"), None);
        assert_eq!(sniff(b"colour \x1b[31mred"), None);
        assert_eq!(sniff(b"bell\x07"), None);
        assert_eq!(sniff(b"caf\xe9"), None, "Latin-1 is not UTF-8");
        assert_eq!(sniff(b"cut \xe2\x80"), None, "truncated UTF-8 sequence");
        // The control character is found anywhere, not only near the start.
        let mut long = vec![b'a'; 10_000];
        long.push(0x01);
        assert_eq!(sniff(&long), None);
        long.pop();
        assert_eq!(sniff(&long), Some("text/plain"));
    }

    #[test]
    fn empty_bytes_are_nothing_and_are_refused() {
        assert_eq!(sniff(b""), None);
        assert_eq!(
            check("text/plain", b""),
            Err("the creative is empty".to_string())
        );
    }

    #[test]
    fn binary_signatures_win_over_text() {
        // Printable text that starts with a signature sniffs as the binary type.
        assert_eq!(sniff(b"ID3 notes for the spot"), Some("audio/mpeg"));
        assert_eq!(sniff(b"GIF89a is a format"), Some("image/gif"));
        // It still passes as declared text, since it is text as well.
        assert_eq!(check("text/plain", b"ID3 notes for the spot"), Ok(()));
        assert_eq!(check("audio/mpeg", b"ID3 notes for the spot"), Ok(()));
    }

    #[test]
    fn unrecognised_bytes_name_the_declared_type() {
        let junk = b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b";
        assert_eq!(
            check("image/png", junk),
            Err("the bytes are not an image/png file (no known signature)".to_string())
        );
        assert_eq!(
            check("video/mp4", junk),
            Err("the bytes are not a video/mp4 file (no known signature)".to_string())
        );
        assert_eq!(
            check("text/plain", junk),
            Err(
                "the bytes are not a text/plain file (not UTF-8 text without control characters)"
                    .to_string()
            )
        );
    }

    #[test]
    fn declared_type_is_normalised() {
        assert_eq!(normalize_media_type("  IMAGE/PNG  "), "image/png");
        assert_eq!(
            normalize_media_type("text/plain ; charset=UTF-8"),
            "text/plain"
        );
        assert_eq!(normalize_media_type(";x=y"), "");
        assert_eq!(check(" Image/PNG ", PNG), Ok(()));
        assert_eq!(check("TEXT/PLAIN; charset=utf-8", TEXT), Ok(()));
        assert_eq!(
            check("Image/JPEG; q=1", PNG),
            Err("the bytes are image/png, not the declared image/jpeg".to_string())
        );
    }

    #[test]
    fn unsupported_declared_types_list_the_accepted_ones() {
        let e = check("image/bmp", b"BM\x00\x00").unwrap_err();
        assert!(e.starts_with("unsupported media type \"image/bmp\""), "{e}");
        for t in Limits::default().media_types {
            assert!(e.contains(&t), "{e} lacks {t}");
        }
        // The type is checked before the bytes, so an empty creative still names the type.
        assert!(check("", b"")
            .unwrap_err()
            .starts_with("unsupported media type \"\""));
    }

    #[test]
    fn size_limit_is_inclusive_and_named() {
        let limits = Limits {
            max_creative_bytes: PNG.len() as u64,
            ..Limits::default()
        };
        assert_eq!(check_creative("image/png", PNG, &limits), Ok(()));
        let tight = Limits {
            max_creative_bytes: PNG.len() as u64 - 1,
            ..Limits::default()
        };
        assert_eq!(
            check_creative("image/png", PNG, &tight),
            Err(format!(
                "{} bytes is over the limit of {} bytes",
                PNG.len(),
                PNG.len() - 1
            ))
        );
    }

    #[test]
    fn custom_limits_are_honoured() {
        let only_png = Limits {
            max_creative_bytes: 1024,
            media_types: vec!["Image/PNG".to_string()],
        };
        assert_eq!(check_creative("image/png", PNG, &only_png), Ok(()));
        assert_eq!(
            check_creative("image/gif", GIF89, &only_png),
            Err("unsupported media type \"image/gif\" (supported: Image/PNG)".to_string())
        );
        // A type the limits accept but this module cannot recognise is refused.
        let with_pdf = Limits {
            max_creative_bytes: 1024,
            media_types: vec!["application/pdf".to_string()],
        };
        assert_eq!(
            check_creative("application/pdf", b"%PDF-1.7\n", &with_pdf),
            Err(
                "the bytes of application/pdf cannot be checked (no known signature for that type)"
                    .to_string()
            )
        );
    }
}
