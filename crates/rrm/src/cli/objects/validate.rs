//! `rrm validate`: checks STIX 2.1 files offline with the rules the hub applies on ingest.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::cli::objects::stream_objects;

/// Arguments of `rrm validate`.
#[derive(clap::Args)]
pub struct Args {
    /// STIX bundles or TAXII envelopes (JSON).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `rrm validate`: prints every problem and a summary; fails if any object is invalid.
pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let (mut total, mut invalid) = (0u64, 0u64);
    for path in &args.files {
        let name = path.display().to_string();
        let file = File::open(path).with_context(|| format!("cannot open {name}"))?;
        let mut sink = |obj: Value| -> Result<(), String> {
            total += 1;
            if let Err(problems) = stix::check_object(&obj) {
                invalid += 1;
                for p in problems {
                    println!("{name}: object #{total}: {p}");
                }
            }
            Ok(())
        };
        stream_objects(BufReader::with_capacity(1 << 16, file), &mut sink)
            .map_err(|e| anyhow::anyhow!("{name}:{e}"))?;
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{total} objects checked, {invalid} invalid ({:.0} objects/s)",
        total as f64 / secs.max(1e-9)
    );
    if invalid > 0 {
        bail!("{invalid} of {total} objects are invalid (listed above)");
    }
    Ok(())
}
