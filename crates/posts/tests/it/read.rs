//! Reading real files of each format, and the errors and counts for bad input.

use coord::Corpus;
use posts::{read_path, ErrorKind, Options, Stats};
use std::io::Write;

const HEADER: &str = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n";

fn write(name: &str, body: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(body)
        .unwrap();
    (dir, path)
}

fn read(name: &str, body: &str, skip: bool) -> (Result<Stats, posts::PostsError>, Corpus) {
    let (_dir, path) = write(name, body.as_bytes());
    let mut corpus = Corpus::new();
    let opts = Options {
        skip_invalid: skip,
        format: None,
    };
    let r = read_path(&path, &mut corpus, &opts, &mut |_| {});
    (r, corpus)
}

#[test]
fn cnt_csv_reads_all_fields() {
    let body = format!(
        "{HEADER}m1,u1,Ann,,,\"Hello, \"\"world\"\"\",10,http://a  http://b\nm2,u2,Bob,m1,,RT,11.5,\nm3,u1,Ann,,m1,,12,\n"
    );
    let (r, c) = read("p.csv", &body, false);
    let s = r.unwrap();
    assert_eq!(
        (s.records, s.added, s.duplicates, s.skipped, s.empty_texts),
        (3, 3, 0, 0, 1)
    );
    assert_eq!(c.post_text(0), "Hello, \"world\"");
    assert_eq!(c.post_urls(0).collect::<Vec<_>>(), ["http://a", "http://b"]);
    assert_eq!(c.repost_of(1), Some("m1"));
    assert_eq!(c.post_time(1), 11_500);
    assert_eq!(c.reply_to(2), Some("m1"));
    assert_eq!(c.username(c.post_user(0)), "Ann");
}

#[test]
fn duplicates_are_counted_first_wins() {
    let body = format!("{HEADER}m1,u1,,,,a,1,\nm1,u2,,,,b,2,\nm1,u3,,,,c,3,\n");
    let (r, c) = read("p.csv", &body, false);
    let s = r.unwrap();
    assert_eq!((s.added, s.duplicates), (1, 2));
    assert_eq!(c.post_text(0), "a");
}

#[test]
fn empty_file_is_an_error() {
    let (r, _) = read("p.csv", "", false);
    let e = r.unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Empty));
    assert!(
        e.to_string().contains("p.csv") && e.to_string().contains("empty"),
        "{e}"
    );
    let (r, _) = read("p.ndjson", "", true);
    assert!(matches!(r.unwrap_err().kind, ErrorKind::Empty));
}

#[test]
fn missing_columns_name_them() {
    let (r, _) = read("p.csv", "message_id,user_id,username\nm1,u1,x\n", false);
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("p.csv:1:") && e.contains("missing") && e.contains("timestamp"),
        "{e}"
    );
    let (r, _) = read("a.csv", "tweetid,userid,tweet_text\n1,2,x\n", false);
    let e = r.unwrap_err().to_string();
    assert!(e.contains("a.csv:1:") && e.contains("tweet_time"), "{e}");
}

#[test]
fn bad_timestamp_stops_or_is_skipped() {
    let body = format!("{HEADER}m1,u1,,,,a,1,\nm2,u2,,,,b,noon,\nm3,u3,,,,c,3,\n");
    let (r, _) = read("p.csv", &body, false);
    let e = r.unwrap_err().to_string();
    assert!(e.contains("p.csv:3:") && e.contains("\"noon\""), "{e}");
    let (r, c) = read("p.csv", &body, true);
    let s = r.unwrap();
    assert_eq!((s.added, s.skipped), (2, 1));
    assert_eq!(c.len(), 2);
    assert!(s.skipped_examples[0].contains("p.csv:3:"));
}

#[test]
fn broken_quoting_is_reported() {
    let body = format!("{HEADER}m1,u1,,,,a,1,\nm2,u2,,,,\"unterminated,2,\nm3,u3,,,,c,3,\n");
    let (r, _) = read("p.csv", &body, false);
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("p.csv:3:") && e.contains("fields") && e.contains("quote"),
        "{e}"
    );
    let (r, _) = read("p.csv", &body, true);
    let s = r.unwrap();
    assert_eq!((s.added, s.skipped), (1, 1));
}

#[test]
fn wrong_field_count_is_reported() {
    let body = format!("{HEADER}m1,u1,,,,a,1\n");
    let (r, _) = read("p.csv", &body, false);
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("p.csv:2:") && e.contains("expected 8 fields, found 7"),
        "{e}"
    );
}

#[test]
fn archive_csv_with_lists_and_snowflakes() {
    // Snowflake id of 2016-05-13 19:34:12.123 UTC.
    let id = ((1_463_168_052_123u64 - 1_288_834_974_657) << 22).to_string();
    let body = format!(
        "tweetid,userid,user_screen_name,tweet_text,tweet_time,is_retweet,retweet_tweetid,in_reply_to_tweetid,urls,hashtags\n\
         {id},U1,ann,hello,2016-05-13 19:34,False,,,\"['http://a', 'http://b']\",[]\n\
         2,U2,bob,RT @ann: hello,2016-05-13 19:35,True,{id},,[],[]\n\
         3,U3,cat,x,2016-05-13 19:36,False,,,\"['http://a'\",[]\n"
    );
    let (r, _) = read("io.csv", &body, false);
    let e = r.unwrap_err().to_string();
    assert!(e.contains("io.csv:4:") && e.contains("urls"), "{e}");
    let (r, c) = read("io.csv", &body, true);
    let s = r.unwrap();
    assert_eq!((s.added, s.skipped), (2, 1));
    assert_eq!(c.post_time(0), 1_463_168_052_123);
    assert_eq!(c.post_urls(0).count(), 2);
    assert_eq!(c.repost_of(1), Some(id.as_str()));
    assert_eq!(c.post_time(1), 1_463_168_100_000);
}

#[test]
fn ndjson_records() {
    let body = "{\"message_id\": 1, \"user_id\": \"u1\", \"message\": \"hi\", \"timestamp\": 5, \"urls\": [\"http://a\"]}\n\
                \n\
                {\"tweetid\": \"2\", \"userid\": \"u2\", \"tweet_text\": \"\", \"tweet_time\": \"1970-01-01 00:00:07\", \"urls\": \"['http://a']\"}\n\
                {not json}\n\
                [1, 2]\n";
    let (r, _) = read("p.ndjson", body, false);
    let e = r.unwrap_err().to_string();
    assert!(e.contains("p.ndjson:4:") && e.contains("JSON"), "{e}");
    let (r, c) = read("p.ndjson", body, true);
    let s = r.unwrap();
    assert_eq!((s.added, s.skipped, s.empty_texts), (2, 2, 1));
    assert_eq!(c.post_time(1), 7_000);
    assert_eq!(c.post_id(0), "1");
    assert_eq!(c.post_urls(1).collect::<Vec<_>>(), ["http://a"]);
}

#[test]
fn invalid_utf8_is_reported() {
    let mut body = HEADER.as_bytes().to_vec();
    body.extend_from_slice(b"m1,u1,,,,\xff\xfe,1,\n");
    let (_dir, path) = write("p.csv", &body);
    let mut corpus = Corpus::new();
    let e = read_path(&path, &mut corpus, &Options::default(), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("p.csv:2:") && e.contains("message") && e.contains("UTF-8"),
        "{e}"
    );
}

#[test]
fn progress_is_reported() {
    let mut body = String::from(HEADER);
    for i in 0..40_000 {
        body.push_str(&format!("m{i},u{},,,,t,{i},\n", i % 7));
    }
    let (_dir, path) = write("p.csv", body.as_bytes());
    let mut corpus = Corpus::new();
    let mut calls = Vec::new();
    read_path(&path, &mut corpus, &Options::default(), &mut |p| {
        calls.push(*p)
    })
    .unwrap();
    assert!(calls.len() >= 3);
    let last = calls.last().unwrap();
    assert_eq!(last.records, 40_000);
    assert_eq!(last.bytes, last.total);
}

mod no_panic {
    use coord::Corpus;
    use posts::{read_from, Format, Options};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Arbitrary bytes in any format give posts or an error, never a panic.
        #[test]
        fn arbitrary_input_never_panics(
            body in prop::collection::vec(prop::sample::select(b"ab,\"\n\r 1.5[]'{}:@\xff\\mu".to_vec()), 0..200),
            skip in any::<bool>(),
        ) {
            for format in [Format::Cnt, Format::TwitterArchive, Format::Ndjson] {
                let mut corpus = Corpus::new();
                let opts = Options { skip_invalid: skip, format: Some(format) };
                let _ = read_from("fuzz", body.as_slice(), 0, format, &mut corpus, &opts, &mut |_| {});
            }
        }
    }
}
