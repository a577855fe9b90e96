//! The one CSV dialect of every CSV the hub and the server write: RFC 4180 (comma, fields
//! quoted only when needed, `"` doubled, CRLF record ends).

use std::io;

/// A CSV writer in the hub's dialect.
pub fn writer<W: io::Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(w)
}

/// Writes records into a string in the hub's dialect.
pub fn to_string<I, R, F>(records: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut w = writer(Vec::new());
    for r in records {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    // Every field written is a `str`, so the output is UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_are_quoted_only_when_needed_and_records_end_in_crlf() {
        let text = super::to_string([
            vec!["id", "name", "note"],
            vec!["1", "Front, The", "say \"hi\""],
            vec!["2", "plain", "two\nlines"],
            vec!["3", "", "x"],
        ]);
        assert_eq!(
            text,
            "id,name,note\r\n1,\"Front, The\",\"say \"\"hi\"\"\"\r\n2,plain,\"two\nlines\"\r\n3,,x\r\n"
        );
    }
}
