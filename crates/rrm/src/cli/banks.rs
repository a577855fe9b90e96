//! `rrm hash` and `rrm match`: PDQ hashing and matching from the command line.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use md5::Digest;
use pdq::index::Index;
use pdq::{Hasher, PdqHash, Transform, DEFAULT_THRESHOLD, MIN_MATCH_QUALITY};

/// Arguments of `rrm hash`.
///
/// Prints one line per file: `PDQ QUALITY [MD5] [SHA256] FILE`, separated by spaces. EXIF
/// orientation is not applied (pixels are hashed as stored, like Meta's tools and HMA).
#[derive(clap::Args)]
pub struct HashArgs {
    /// Image files (JPEG, PNG, GIF, WebP, BMP).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Also print the MD5 of each file's bytes.
    #[arg(long)]
    md5: bool,
    /// Also print the SHA-256 of each file's bytes.
    #[arg(long)]
    sha256: bool,
}

/// Arguments of `rrm match`.
///
/// Prints one tab-separated line per match: `QUERY DISTANCE HASH LIST_LINE LABEL`, sorted by
/// distance. Images of quality below 50 are refused.
#[derive(clap::Args)]
pub struct MatchArgs {
    /// Image files or 64-hex-digit PDQ hashes to look up.
    #[arg(required = true, value_name = "FILE|HASH")]
    queries: Vec<String>,
    /// Hash list: one PDQ hash per line, optionally followed by whitespace and a label; blank
    /// lines and lines starting with '#' are skipped.
    #[arg(long, value_name = "LIST")]
    against: PathBuf,
    /// Largest Hamming distance that counts as a match.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD, value_parser = clap::value_parser!(u32).range(0..=256))]
    threshold: u32,
    /// For image files, also match the 7 rotated and mirrored variants.
    #[arg(long)]
    dihedral: bool,
}

/// Runs `rrm hash`.
pub fn run_hash(args: HashArgs) -> anyhow::Result<()> {
    let mut hasher = Hasher::new();
    let mut failures = 0usize;
    for file in &args.files {
        match hash_one(&mut hasher, file, &args) {
            Ok(line) => println!("{line}"),
            Err(err) => {
                eprintln!("error: {err:#}");
                failures += 1;
            }
        }
    }
    if failures > 0 {
        bail!(
            "{failures} of {} file(s) could not be hashed",
            args.files.len()
        );
    }
    Ok(())
}

fn hash_one(hasher: &mut Hasher, file: &Path, args: &HashArgs) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let pdq = hasher
        .hash_bytes(&bytes)
        .with_context(|| file.display().to_string())?;
    let mut line = format!("{} {}", pdq.hash, pdq.quality);
    if args.md5 {
        line.push(' ');
        line.push_str(&hex::encode(md5::Md5::digest(&bytes)));
    }
    if args.sha256 {
        line.push(' ');
        line.push_str(&hex::encode(sha2::Sha256::digest(&bytes)));
    }
    line.push(' ');
    line.push_str(&file.display().to_string());
    Ok(line)
}

/// One entry of a hash list.
struct ListEntry {
    hash: PdqHash,
    line: usize,
    label: String,
}

/// Reads a hash list, reporting the first bad line as `LIST:LINE: problem`.
fn read_list(path: &Path) -> anyhow::Result<Vec<ListEntry>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read hash list", path.display()))?;
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (hash_text, label) = match line.split_once(char::is_whitespace) {
            Some((h, rest)) => (h, rest.trim()),
            None => (line, ""),
        };
        let hash = PdqHash::from_hex(hash_text)
            .with_context(|| format!("{}:{}: bad PDQ hash", path.display(), i + 1))?;
        entries.push(ListEntry {
            hash,
            line: i + 1,
            label: label.to_string(),
        });
    }
    Ok(entries)
}

/// Runs `rrm match`.
pub fn run_match(args: MatchArgs) -> anyhow::Result<()> {
    let list = read_list(&args.against)?;
    let pairs: Vec<(u64, PdqHash)> = list
        .iter()
        .enumerate()
        .map(|(i, e)| (i as u64, e.hash))
        .collect();
    let index = Index::build(&pairs);
    let mut hasher = Hasher::new();
    let mut failures = 0usize;
    for query in &args.queries {
        match query_hashes(&mut hasher, query, args.dihedral) {
            Ok(hashes) => {
                // Best distance per list entry over all variants of the query.
                let mut best: Vec<(u32, u64)> = Vec::new();
                for h in &hashes {
                    for m in index.query(h, args.threshold) {
                        match best.iter_mut().find(|(_, id)| *id == m.id) {
                            Some(b) => b.0 = b.0.min(m.distance),
                            None => best.push((m.distance, m.id)),
                        }
                    }
                }
                best.sort_unstable();
                for (distance, id) in best {
                    if let Some(e) = list.get(id as usize) {
                        println!("{query}\t{distance}\t{}\t{}\t{}", e.hash, e.line, e.label);
                    }
                }
            }
            Err(err) => {
                eprintln!("error: {err:#}");
                failures += 1;
            }
        }
    }
    if failures > 0 {
        bail!(
            "{failures} of {} queries could not be matched",
            args.queries.len()
        );
    }
    Ok(())
}

/// The hashes to look up for one query: a literal hash, or an image's hash (and variants).
fn query_hashes(hasher: &mut Hasher, query: &str, dihedral: bool) -> anyhow::Result<Vec<PdqHash>> {
    let path = Path::new(query);
    if !path.exists() {
        return match PdqHash::from_hex(query) {
            Ok(h) => Ok(vec![h]),
            Err(e) if query.len() == 64 || query.chars().all(|c| c.is_ascii_hexdigit()) => {
                bail!("{query}: not a file, and not a PDQ hash: {e}")
            }
            Err(_) => bail!("{query}: no such file"),
        };
    }
    let bytes = std::fs::read(path).with_context(|| format!("{query}: cannot read"))?;
    let dih = hasher
        .dihedral_bytes(&bytes)
        .with_context(|| query.to_string())?;
    if dih.quality < MIN_MATCH_QUALITY {
        bail!(
            "{query}: image quality {} is below {MIN_MATCH_QUALITY}; too featureless to match reliably",
            dih.quality
        );
    }
    if dihedral {
        Ok(dih.hashes.to_vec())
    } else {
        Ok(vec![dih.get(Transform::Original)])
    }
}
