//! posts: streaming readers of post data into a [`coord::Corpus`].
//!
//! Three formats are read, each streamed record by record:
//!
//! - CNT CSV: a header row, then the columns of coordination-network-toolkit in its
//!   order (message_id, user_id, username, repost_id, reply_id, message, timestamp,
//!   urls), timestamp in seconds, urls space-separated.
//! - Twitter information-operations archive CSV, detected by a `tweetid` header column;
//!   columns are found by name (tweetid, userid, user_screen_name, tweet_text,
//!   tweet_time, is_retweet, retweet_tweetid, in_reply_to_tweetid, urls); list-literal
//!   fields are parsed and minute-resolution times are refined with the snowflake id.
//! - NDJSON: one JSON object per line with the CNT field names (or the archive names).
//!
//! Times in the corpus are milliseconds. Duplicate message ids keep the first post and
//! are counted. A malformed record stops reading with `file:line: reason`, unless
//! [`Options::skip_invalid`] is set, in which case it is skipped and counted.
//!
//! ```
//! use coord::Corpus;
//! use posts::{read_from, Format, Options};
//!
//! let data = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n\
//!             m1,u1,Ann,,,hello world,100,http://a http://b\n\
//!             m1,u2,Bob,,,a duplicate id,101,\n";
//! let mut corpus = Corpus::new();
//! let stats = read_from("inline.csv", data.as_bytes(), 0, Format::Cnt, &mut corpus,
//!                       &Options::default(), &mut |_| {}).unwrap();
//! assert_eq!((stats.added, stats.duplicates), (1, 1));
//! assert_eq!(corpus.post_time(0), 100_000);
//! assert_eq!(corpus.post_urls(0).count(), 2);
//! ```

mod error;
pub mod fields;

pub use error::{ErrorKind, PostsError};

use coord::{Corpus, PostInput, Pushed};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// An input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// coordination-network-toolkit CSV.
    Cnt,
    /// Twitter information-operations archive CSV.
    TwitterArchive,
    /// Newline-delimited JSON.
    Ndjson,
}

/// Reading options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Skip and count malformed records instead of stopping.
    pub skip_invalid: bool,
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
}

/// Counts from reading one input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Records read (valid or not), header excluded.
    pub records: u64,
    /// Posts added to the corpus.
    pub added: u64,
    /// Posts dropped because their message id was already present.
    pub duplicates: u64,
    /// Malformed records skipped (only with `skip_invalid`).
    pub skipped: u64,
    /// Added posts whose text is empty.
    pub empty_texts: u64,
    /// The first few skip reasons, as `file:line: reason`.
    pub skipped_examples: Vec<String>,
}

/// Progress of reading, passed to the progress callback.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Bytes consumed so far.
    pub bytes: u64,
    /// Size of the input, 0 when unknown.
    pub total: u64,
    /// Records read so far.
    pub records: u64,
}

const PROGRESS_EVERY: u64 = 16_384;

/// Detects the format from the file name and its first bytes.
pub fn detect_format(name: &str, head: &[u8]) -> Format {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") || lower.ends_with(".json") {
        return Format::Ndjson;
    }
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Format::Ndjson;
    }
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let is_archive = first_line
        .split(|&b| b == b',')
        .any(|f| f.trim_ascii().trim_ascii_start_matches_quote() == b"tweetid");
    if is_archive {
        Format::TwitterArchive
    } else {
        Format::Cnt
    }
}

trait TrimQuote {
    fn trim_ascii_start_matches_quote(&self) -> &[u8];
}

impl TrimQuote for [u8] {
    fn trim_ascii_start_matches_quote(&self) -> &[u8] {
        let s = self.strip_prefix(b"\"").unwrap_or(self);
        s.strip_suffix(b"\"").unwrap_or(s)
    }
}

/// Reads one file into the corpus, detecting its format unless `opts.format` is set.
pub fn read_path(
    path: &Path,
    corpus: &mut Corpus,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Stats, PostsError> {
    let name = path.display().to_string();
    let io = |e| PostsError {
        path: name.clone(),
        line: 0,
        kind: ErrorKind::Io(e),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(&name, reader.fill_buf().map_err(io)?),
    };
    read_from(&name, reader, total, format, corpus, opts, progress)
}

/// Reads posts of a known format from any reader; `name` is used in errors.
pub fn read_from<R: Read>(
    name: &str,
    reader: R,
    total: u64,
    format: Format,
    corpus: &mut Corpus,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Stats, PostsError> {
    let mut sink = Sink {
        name,
        corpus,
        opts,
        stats: Stats::default(),
    };
    match format {
        Format::Cnt | Format::TwitterArchive => {
            read_csv(&mut sink, reader, total, format, progress)?
        }
        Format::Ndjson => read_ndjson(&mut sink, reader, total, progress)?,
    }
    Ok(sink.stats)
}

/// Collects posts and counts, and applies the skip policy.
struct Sink<'a> {
    name: &'a str,
    corpus: &'a mut Corpus,
    opts: &'a Options,
    stats: Stats,
}

impl Sink<'_> {
    fn err(&self, line: u64, kind: ErrorKind) -> PostsError {
        PostsError {
            path: self.name.to_string(),
            line,
            kind,
        }
    }

    /// Handles a bad record: an error, or a count when skipping.
    fn bad(&mut self, line: u64, kind: ErrorKind) -> Result<(), PostsError> {
        let e = self.err(line, kind);
        if !self.opts.skip_invalid {
            return Err(e);
        }
        self.stats.skipped += 1;
        if self.stats.skipped_examples.len() < 5 {
            self.stats.skipped_examples.push(e.to_string());
        }
        Ok(())
    }

    fn add(&mut self, line: u64, post: &PostInput<'_>) -> Result<(), PostsError> {
        match self.corpus.push(post) {
            Ok(Pushed::Added(_)) => {
                self.stats.added += 1;
                if post.text.is_empty() {
                    self.stats.empty_texts += 1;
                }
                Ok(())
            }
            Ok(Pushed::Duplicate) => {
                self.stats.duplicates += 1;
                Ok(())
            }
            Err(e) => Err(self.err(line, ErrorKind::Engine(e))),
        }
    }
}

const CNT_COLUMNS: [&str; 8] = [
    "message_id",
    "user_id",
    "username",
    "repost_id",
    "reply_id",
    "message",
    "timestamp",
    "urls",
];

/// Column positions of an archive CSV.
struct ArchiveColumns {
    id: usize,
    user: usize,
    username: Option<usize>,
    text: usize,
    time: usize,
    is_retweet: Option<usize>,
    retweet: Option<usize>,
    reply: Option<usize>,
    urls: Option<usize>,
}

fn field<'r>(rec: &'r csv::ByteRecord, i: usize, name: &'static str) -> Result<&'r str, ErrorKind> {
    std::str::from_utf8(rec.get(i).unwrap_or(b"")).map_err(|_| ErrorKind::Utf8(name))
}

fn read_csv<R: Read>(
    sink: &mut Sink<'_>,
    reader: R,
    total: u64,
    format: Format,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), PostsError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut rec = csv::ByteRecord::new();
    let csv_err = |sink: &Sink<'_>, e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(io) => sink.err(line, ErrorKind::Io(io)),
            other => sink.err(line, ErrorKind::Csv(format!("{other:?}"))),
        }
    };
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => return Err(sink.err(0, ErrorKind::Empty)),
        Err(e) => return Err(csv_err(sink, e)),
    }
    let header: Vec<String> = rec
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let s = String::from_utf8_lossy(f);
            let s = if i == 0 {
                s.trim_start_matches('\u{feff}').to_string()
            } else {
                s.into_owned()
            };
            s.trim().to_ascii_lowercase()
        })
        .collect();
    let width = header.len();
    let archive = if format == Format::TwitterArchive {
        let find = |n: &str| header.iter().position(|h| h == n);
        let missing: Vec<&str> = ["tweetid", "userid", "tweet_text", "tweet_time"]
            .into_iter()
            .filter(|n| find(n).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(sink.err(1, ErrorKind::MissingColumns(missing.join(", "))));
        }
        Some(ArchiveColumns {
            id: find("tweetid").unwrap_or(0),
            user: find("userid").unwrap_or(0),
            username: find("user_screen_name"),
            text: find("tweet_text").unwrap_or(0),
            time: find("tweet_time").unwrap_or(0),
            is_retweet: find("is_retweet"),
            retweet: find("retweet_tweetid"),
            reply: find("in_reply_to_tweetid"),
            urls: find("urls"),
        })
    } else {
        if width < CNT_COLUMNS.len() {
            let missing = CNT_COLUMNS[width..].join(", ");
            return Err(sink.err(
                1,
                ErrorKind::MissingColumns(format!(
                    "header has {width} columns, CNT CSV needs 8 (message_id, user_id, username, repost_id, reply_id, message, timestamp, urls); missing {missing}"
                )),
            ));
        }
        None
    };
    let mut urls: Vec<String> = Vec::new();
    loop {
        let next_line = rdr.position().line();
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let err = csv_err(sink, e);
                if matches!(err.kind, ErrorKind::Io(_)) {
                    return Err(err);
                }
                sink.stats.records += 1;
                sink.bad(next_line, err.kind)?;
                continue;
            }
        }
        sink.stats.records += 1;
        let line = rec.position().map_or(next_line, |p| p.line());
        if rec.len() != width {
            let multiline = rdr.position().line() > line + 1;
            sink.bad(
                line,
                ErrorKind::FieldCount {
                    expected: width,
                    found: rec.len(),
                    multiline,
                },
            )?;
            continue;
        }
        let parsed = match &archive {
            None => cnt_record(&rec, &mut urls),
            Some(cols) => archive_record(&rec, cols, &mut urls),
        };
        match parsed {
            Ok(mut post) => {
                let url_refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                post.urls = &url_refs;
                sink.add(line, &post)?;
            }
            Err(kind) => sink.bad(line, kind)?,
        }
        if sink.stats.records % PROGRESS_EVERY == 0 {
            progress(&Progress {
                bytes: rdr.position().byte(),
                total,
                records: sink.stats.records,
            });
        }
    }
    progress(&Progress {
        bytes: rdr.position().byte(),
        total,
        records: sink.stats.records,
    });
    Ok(())
}

fn cnt_record<'r>(
    rec: &'r csv::ByteRecord,
    urls: &mut Vec<String>,
) -> Result<PostInput<'r>, ErrorKind> {
    let id = field(rec, 0, "message_id")?;
    let user = field(rec, 1, "user_id")?;
    if id.is_empty() {
        return Err(ErrorKind::EmptyField("message_id"));
    }
    if user.is_empty() {
        return Err(ErrorKind::EmptyField("user_id"));
    }
    let ts = field(rec, 6, "timestamp")?;
    let time = fields::seconds_to_ms(ts).ok_or_else(|| ErrorKind::BadTimestamp(ts.to_string()))?;
    urls.clear();
    urls.extend(
        field(rec, 7, "urls")?
            .split(' ')
            .filter(|u| !u.is_empty())
            .map(str::to_string),
    );
    Ok(PostInput {
        id,
        user,
        username: field(rec, 2, "username")?,
        repost_of: field(rec, 3, "repost_id")?,
        reply_to: field(rec, 4, "reply_id")?,
        text: field(rec, 5, "message")?,
        time,
        urls: &[],
    })
}

fn is_true(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "t"
    )
}

fn archive_record<'r>(
    rec: &'r csv::ByteRecord,
    cols: &ArchiveColumns,
    urls: &mut Vec<String>,
) -> Result<PostInput<'r>, ErrorKind> {
    let opt = |i: Option<usize>, name: &'static str| -> Result<&'r str, ErrorKind> {
        match i {
            Some(i) => field(rec, i, name),
            None => Ok(""),
        }
    };
    let id = field(rec, cols.id, "tweetid")?;
    let user = field(rec, cols.user, "userid")?;
    if id.is_empty() {
        return Err(ErrorKind::EmptyField("tweetid"));
    }
    if user.is_empty() {
        return Err(ErrorKind::EmptyField("userid"));
    }
    let ts = field(rec, cols.time, "tweet_time")?;
    let time =
        fields::tweet_time_ms(ts, id).ok_or_else(|| ErrorKind::BadTimestamp(ts.to_string()))?;
    let retweet = opt(cols.retweet, "retweet_tweetid")?;
    let flagged = cols.is_retweet.is_none() || is_true(opt(cols.is_retweet, "is_retweet")?);
    let raw_urls = opt(cols.urls, "urls")?;
    fields::parse_url_list(raw_urls, urls)
        .map_err(|why| ErrorKind::BadUrls(raw_urls.to_string(), why))?;
    Ok(PostInput {
        id,
        user,
        username: opt(cols.username, "user_screen_name")?,
        repost_of: if flagged { retweet } else { "" },
        reply_to: opt(cols.reply, "in_reply_to_tweetid")?,
        text: field(rec, cols.text, "tweet_text")?,
        time,
        urls: &[],
    })
}

/// A JSON value as a string field: strings as is, numbers in their JSON spelling, null as "".
fn json_str<'v>(
    v: Option<&'v serde_json::Value>,
    scratch: &'v mut String,
) -> Result<&'v str, String> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(""),
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(serde_json::Value::Number(n)) => {
            *scratch = n.to_string();
            Ok(scratch)
        }
        Some(other) => Err(format!("expected a string or number, found {other}")),
    }
}

fn read_ndjson<R: Read>(
    sink: &mut Sink<'_>,
    reader: R,
    total: u64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), PostsError> {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut buf: Vec<u8> = Vec::new();
    let (mut line_no, mut bytes) = (0u64, 0u64);
    let mut urls: Vec<String> = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| sink.err(line_no + 1, ErrorKind::Io(e)))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        bytes += n as u64;
        if line_no == 1 && buf.starts_with(b"\xef\xbb\xbf") {
            buf.drain(..3);
        }
        if buf.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        sink.stats.records += 1;
        let value: serde_json::Value = match serde_json::from_slice(&buf) {
            Ok(v) => v,
            Err(e) => {
                sink.bad(line_no, ErrorKind::Json(e.to_string()))?;
                continue;
            }
        };
        match json_post(&value, &mut urls) {
            Ok(strings) => {
                let url_refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                let post = PostInput {
                    id: &strings[0],
                    user: &strings[1],
                    username: &strings[2],
                    repost_of: &strings[3],
                    reply_to: &strings[4],
                    text: &strings[5],
                    time: strings.time,
                    urls: &url_refs,
                };
                sink.add(line_no, &post)?;
            }
            Err(kind) => sink.bad(line_no, kind)?,
        }
        if sink.stats.records % PROGRESS_EVERY == 0 {
            progress(&Progress {
                bytes,
                total,
                records: sink.stats.records,
            });
        }
    }
    if line_no == 0 {
        return Err(sink.err(0, ErrorKind::Empty));
    }
    progress(&Progress {
        bytes,
        total,
        records: sink.stats.records,
    });
    Ok(())
}

/// The string fields of an NDJSON post (id, user, username, repost, reply, text) and its time.
struct JsonPost {
    fields: [String; 6],
    time: i64,
}

impl std::ops::Index<usize> for JsonPost {
    type Output = String;
    fn index(&self, i: usize) -> &String {
        &self.fields[i]
    }
}

fn json_post(value: &serde_json::Value, urls: &mut Vec<String>) -> Result<JsonPost, ErrorKind> {
    let obj = value
        .as_object()
        .ok_or_else(|| ErrorKind::Json("expected a JSON object".into()))?;
    let pick = |names: &[&str]| names.iter().find_map(|n| obj.get(*n));
    let spec: [(&[&str], &'static str); 6] = [
        (&["message_id", "tweetid", "id"], "message_id"),
        (&["user_id", "userid"], "user_id"),
        (&["username", "user_screen_name"], "username"),
        (&["repost_id", "retweet_tweetid"], "repost_id"),
        (&["reply_id", "in_reply_to_tweetid"], "reply_id"),
        (&["message", "tweet_text", "text"], "message"),
    ];
    let mut fields: [String; 6] = Default::default();
    for (k, (names, label)) in spec.iter().enumerate() {
        let mut scratch = String::new();
        let s = json_str(pick(names), &mut scratch)
            .map_err(|m| ErrorKind::Json(format!("{label}: {m}")))?;
        fields[k] = s.to_string();
    }
    if fields[0].is_empty() {
        return Err(ErrorKind::EmptyField("message_id"));
    }
    if fields[1].is_empty() {
        return Err(ErrorKind::EmptyField("user_id"));
    }
    if obj
        .get("is_retweet")
        .is_some_and(|v| v == &serde_json::Value::Bool(false))
    {
        fields[3].clear();
    }
    let time = match pick(&["timestamp", "tweet_time"]) {
        Some(serde_json::Value::Number(n)) => n
            .as_f64()
            .and_then(|v| fields::seconds_to_ms(&v.to_string()))
            .ok_or_else(|| ErrorKind::BadTimestamp(n.to_string()))?,
        Some(serde_json::Value::String(s)) => fields::tweet_time_ms(s, &fields[0])
            .ok_or_else(|| ErrorKind::BadTimestamp(s.clone()))?,
        Some(other) => return Err(ErrorKind::BadTimestamp(other.to_string())),
        None => return Err(ErrorKind::Json("timestamp: missing".into())),
    };
    urls.clear();
    match obj.get("urls") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Array(items)) => {
            for item in items {
                match item {
                    serde_json::Value::String(s) if !s.is_empty() => urls.push(s.clone()),
                    serde_json::Value::String(_) => {}
                    other => {
                        return Err(ErrorKind::BadUrls(other.to_string(), "expected a string"))
                    }
                }
            }
        }
        Some(serde_json::Value::String(s)) => {
            if s.trim_start().starts_with('[') {
                fields::parse_url_list(s, urls)
                    .map_err(|why| ErrorKind::BadUrls(s.clone(), why))?;
            } else {
                urls.extend(s.split(' ').filter(|u| !u.is_empty()).map(str::to_string));
            }
        }
        Some(other) => {
            return Err(ErrorKind::BadUrls(
                other.to_string(),
                "expected a list or a string",
            ))
        }
    }
    Ok(JsonPost { fields, time })
}
