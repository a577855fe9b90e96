//! `rrm detect`: coordination detection over post files, written as CSV, JSON and GraphML.

use anyhow::{bail, Context};
use coord::{Corpus, Edge, Lsh, Network, Params};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `rrm detect`.
#[derive(clap::Args)]
pub struct Args {
    /// Post files: CNT CSV, Twitter information-operations archive CSV, or NDJSON.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Networks to compute, comma-separated: co_retweet, co_reply, co_link, co_tweet,
    /// co_similar_tweet, co_post.
    #[arg(
        long,
        default_value = "co_retweet,co_reply,co_link,co_tweet,co_similar_tweet"
    )]
    pub networks: String,
    /// Time window in seconds (inclusive), or `auto` to estimate it as CooRnet does.
    #[arg(long, default_value = "60")]
    pub window: String,
    /// Minimum edge weight, per direction.
    #[arg(long, default_value_t = 2)]
    pub min_weight: u32,
    /// Jaccard similarity threshold of co_similar_tweet.
    #[arg(long, default_value_t = 0.8)]
    pub similarity: f64,
    /// co_similar_tweet ignores texts with fewer distinct tokens than this.
    #[arg(long, default_value_t = 1)]
    pub min_tokens: usize,
    /// Use approximate MinHash LSH candidates for co_similar_tweet (for very large windows).
    #[arg(long)]
    pub approx: bool,
    /// MinHash LSH bands (with --approx).
    #[arg(long, default_value_t = 20)]
    pub lsh_bands: usize,
    /// MinHash LSH rows per band (with --approx).
    #[arg(long, default_value_t = 5)]
    pub lsh_rows: usize,
    /// Input format: auto, cnt, archive or ndjson.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Skip and count malformed records instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
}

fn parse_networks(s: &str) -> anyhow::Result<Vec<Network>> {
    let mut nets = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: Network = part.parse()?;
        if !nets.contains(&n) {
            nets.push(n);
        }
    }
    if nets.is_empty() {
        bail!("--networks is empty");
    }
    Ok(nets)
}

fn parse_format(s: &str) -> anyhow::Result<Option<posts::Format>> {
    Ok(match s {
        "auto" => None,
        "cnt" => Some(posts::Format::Cnt),
        "archive" | "twitter-archive" => Some(posts::Format::TwitterArchive),
        "ndjson" => Some(posts::Format::Ndjson),
        other => bail!("unknown --format {other:?} (auto, cnt, archive, ndjson)"),
    })
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    )
    .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// Runs `rrm detect`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let networks = parse_networks(&args.networks)?;
    let format = parse_format(&args.format)?;
    let started = Instant::now();

    // Read every input into one corpus.
    let total: u64 = args
        .inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress_bar(total);
    let opts = posts::Options {
        skip_invalid: args.skip_invalid,
        format,
    };
    let mut corpus = Corpus::new();
    let mut stats = posts::Stats::default();
    let mut done_bytes = 0u64;
    for input in &args.inputs {
        bar.set_message(input.display().to_string());
        let base = done_bytes;
        let s = posts::read_path(input, &mut corpus, &opts, &mut |p| {
            bar.set_position(base + p.bytes)
        })?;
        done_bytes += std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
        stats.records += s.records;
        stats.added += s.added;
        stats.duplicates += s.duplicates;
        stats.skipped += s.skipped;
        stats.empty_texts += s.empty_texts;
        stats.skipped_examples.extend(s.skipped_examples);
    }
    bar.finish_and_clear();
    let load_secs = started.elapsed().as_secs_f64();

    let (window_ms, window_note) = if args.window.trim() == "auto" {
        let est = coord::estimate_window(&corpus, 0.1, 0.5, 1000)
            .context("cannot estimate the window: no URL or reposted post is shared twice; pass --window SECONDS")?;
        let note = format!(
            "auto (CooRnet q=0.1 p=0.5 over {} items shared twice, {} quickest)",
            est.items, est.quick_items
        );
        (est.window, note)
    } else {
        let secs: f64 = args
            .window
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s >= 0.0)
            .with_context(|| {
                format!(
                    "--window must be a number of seconds >= 0 or `auto`, got {:?}",
                    args.window
                )
            })?;
        ((secs * 1000.0).round() as i64, "given".to_string())
    };
    let params = Params {
        window: window_ms,
        min_weight: args.min_weight,
        similarity: args.similarity,
        min_tokens: args.min_tokens,
    };
    params.validate()?;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut results: Vec<(Network, Vec<Edge>, f64)> = Vec::new();
    for &net in &networks {
        let t = Instant::now();
        let mut edges = if net == Network::CoSimilarTweet && args.approx {
            let lsh = Lsh {
                bands: args.lsh_bands,
                rows: args.lsh_rows,
                ..Lsh::default()
            };
            coord::compute_similar_approx(&corpus, &params, &lsh)?
        } else {
            coord::compute(&corpus, net, &params)?
        };
        let secs = t.elapsed().as_secs_f64();
        coord::sort_by_name(&corpus, &mut edges);
        write_edges(
            &args.out.join(format!("{}.csv", net.name())),
            &corpus,
            net,
            &edges,
        )?;
        results.push((net, edges, secs));
    }
    let views: Vec<(Network, &[Edge])> =
        results.iter().map(|(n, e, _)| (*n, e.as_slice())).collect();
    // co_post is a null model (any two posts): it joins groups only when it is all there is.
    let grouping: Vec<(Network, &[Edge])> = if views.iter().all(|(n, _)| *n == Network::CoPost) {
        views.clone()
    } else {
        views
            .iter()
            .copied()
            .filter(|(n, _)| *n != Network::CoPost)
            .collect()
    };
    let groups = coord::find_groups(&corpus, &grouping);
    write_groups(
        &args.out.join("groups.json"),
        &corpus,
        &args,
        window_ms,
        &groups,
    )?;
    write_graphml(&args.out.join("network.graphml"), &corpus, &views, &groups)?;

    // Summary.
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "read {} posts from {} file(s) in {:.2} s: {} users, {} duplicate ids, {} skipped, {} empty texts",
        stats.added,
        args.inputs.len(),
        load_secs,
        corpus.user_count(),
        stats.duplicates,
        stats.skipped,
        stats.empty_texts
    )?;
    for ex in &stats.skipped_examples {
        writeln!(out, "  skipped: {ex}")?;
    }
    writeln!(
        out,
        "window {} s ({window_note}), min weight {}, similarity {}",
        window_ms as f64 / 1000.0,
        args.min_weight,
        args.similarity
    )?;
    for (net, edges, secs) in &results {
        let users: std::collections::BTreeSet<u32> =
            edges.iter().flat_map(|e| [e.source, e.target]).collect();
        writeln!(
            out,
            "{:<17} {:>9} edges {:>8} accounts {:>8.2} s -> {}",
            net.name(),
            edges.len(),
            users.len(),
            secs,
            args.out.join(format!("{}.csv", net.name())).display()
        )?;
    }
    let largest = groups.iter().map(|g| g.members.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{} groups (largest {} accounts) -> {}, {}",
        groups.len(),
        largest,
        args.out.join("groups.json").display(),
        args.out.join("network.graphml").display()
    )?;
    writeln!(out, "total {:.2} s", started.elapsed().as_secs_f64())?;
    Ok(())
}

fn write_edges(path: &Path, corpus: &Corpus, net: Network, edges: &[Edge]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    // The one CSV dialect (RFC 4180, CRLF), like every other CSV rrm writes.
    let mut w = hub::csv_dialect::writer(std::io::BufWriter::with_capacity(1 << 20, file));
    w.write_record(["source", "target", "weight", "edge_type"])?;
    let mut buf = itoa_buf();
    for e in edges {
        let weight = fmt_u32(&mut buf, e.weight);
        w.write_record([
            corpus.user_name(e.source),
            corpus.user_name(e.target),
            weight,
            net.name(),
        ])?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn itoa_buf() -> String {
    String::with_capacity(12)
}

fn fmt_u32(buf: &mut String, v: u32) -> &str {
    use std::fmt::Write as _;
    buf.clear();
    let _ = write!(buf, "{v}");
    buf
}

fn write_groups(
    path: &Path,
    corpus: &Corpus,
    args: &Args,
    window_ms: i64,
    groups: &[coord::Group],
) -> anyhow::Result<()> {
    use serde_json::{json, Value};
    let list: Vec<Value> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            json!({
                "id": format!("group-{}", i + 1),
                "score": (g.score * 1000.0).round() / 1000.0,
                "size": g.members.len(),
                "members": g.members.iter().map(|&m| json!({
                    "user_id": corpus.user_name(m),
                    "username": corpus.username(m),
                })).collect::<Vec<_>>(),
                "networks": g.networks.iter().map(|n| json!({
                    "network": n.network.name(),
                    "edges": n.edges,
                    "weight": n.weight,
                })).collect::<Vec<_>>(),
                "shared_items": g.shared_items.iter().map(|s| json!({
                    "kind": s.kind,
                    "value": s.value,
                    "accounts": s.accounts,
                    "posts": s.posts,
                })).collect::<Vec<_>>(),
                "first_time": g.first_time as f64 / 1000.0,
                "last_time": g.last_time as f64 / 1000.0,
                "sample_texts": g.sample_texts,
            })
        })
        .collect();
    let doc = json!({
        "window_seconds": window_ms as f64 / 1000.0,
        "min_weight": args.min_weight,
        "similarity": args.similarity,
        "networks": args.networks.split(',').map(str::trim).collect::<Vec<_>>(),
        "groups": list,
    });
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn write_graphml(
    path: &Path,
    corpus: &Corpus,
    nets: &[(Network, &[Edge])],
    groups: &[coord::Group],
) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut group_of = vec![0usize; corpus.user_count()];
    for (i, g) in groups.iter().enumerate() {
        for &m in &g.members {
            group_of[m as usize] = i + 1;
        }
    }
    let mut nodes: Vec<u32> = nets
        .iter()
        .flat_map(|(_, e)| e.iter().flat_map(|e| [e.source, e.target]))
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes.sort_by(|&a, &b| corpus.user_name(a).cmp(corpus.user_name(b)));
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns">"#
    )?;
    writeln!(
        w,
        r#"  <key id="username" for="node" attr.name="username" attr.type="string"/>"#
    )?;
    writeln!(
        w,
        r#"  <key id="group" for="node" attr.name="group" attr.type="string"/>"#
    )?;
    writeln!(
        w,
        r#"  <key id="weight" for="edge" attr.name="weight" attr.type="long"/>"#
    )?;
    writeln!(
        w,
        r#"  <key id="edge_type" for="edge" attr.name="edge_type" attr.type="string"/>"#
    )?;
    writeln!(w, r#"  <graph id="coordination" edgedefault="directed">"#)?;
    for &n in &nodes {
        let id = xml_escape(corpus.user_name(n));
        writeln!(w, r#"    <node id="{id}">"#)?;
        writeln!(
            w,
            r#"      <data key="username">{}</data>"#,
            xml_escape(corpus.username(n))
        )?;
        let g = group_of[n as usize];
        if g > 0 {
            writeln!(w, r#"      <data key="group">group-{g}</data>"#)?;
        }
        writeln!(w, "    </node>")?;
    }
    for (net, edges) in nets {
        for e in edges.iter() {
            writeln!(
                w,
                r#"    <edge source="{}" target="{}"><data key="weight">{}</data><data key="edge_type">{}</data></edge>"#,
                xml_escape(corpus.user_name(e.source)),
                xml_escape(corpus.user_name(e.target)),
                e.weight,
                net.name()
            )?;
        }
    }
    writeln!(w, "  </graph>")?;
    writeln!(w, "</graphml>")?;
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edge files are RFC 4180: every record, the header included, ends in CRLF, and a
    /// field with a comma is quoted.
    #[test]
    fn edge_csv_records_end_in_crlf() {
        let mut corpus = Corpus::new();
        for (id, user) in [("p1", "a"), ("p2", "b,c")] {
            corpus
                .push(&coord::PostInput {
                    id,
                    user,
                    username: "",
                    repost_of: "",
                    reply_to: "",
                    text: "hello",
                    time: 0,
                    urls: &[],
                })
                .expect("a valid post");
        }
        let (a, b) = (corpus.user_id("a").unwrap(), corpus.user_id("b,c").unwrap());
        let edges = [Edge {
            source: a,
            target: b,
            weight: 3,
        }];
        let path = std::env::temp_dir().join(format!("rrm-edges-{}.csv", std::process::id()));
        write_edges(&path, &corpus, Network::CoTweet, &edges).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            text,
            "source,target,weight,edge_type\r\na,\"b,c\",3,co_tweet\r\n"
        );
    }
}
