//! `rrm import` and `rrm export`: moving STIX bundles in and out of collections from the shell.
//!
//! Import streams the file: objects are read one at a time and sent to the hub in batches, so
//! a bundle of any size runs in constant memory, with the same validation and rules as a TAXII
//! POST.

pub mod validate;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::config::Settings;
use crate::open;

/// Objects sent to the hub per transaction.
const BATCH: usize = 1000;

/// Arguments of `rrm import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// A STIX 2.1 bundle or TAXII 2.1 envelope (JSON).
    pub file: PathBuf,
    /// Collection slug or UUID.
    #[arg(long)]
    pub collection: String,
    /// The user the objects are submitted as (their organisation's grants and ownership apply).
    #[arg(long = "as", value_name = "USER")]
    pub as_user: String,
}

/// Arguments of `rrm export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Collection slug or UUID.
    #[arg(long)]
    pub collection: String,
    /// Export what this user may see.
    #[arg(long = "as", value_name = "USER")]
    pub as_user: String,
    /// Most restrictive TLP to include: CLEAR, GREEN or AMBER (AMBER+STRICT and RED never leave
    /// this instance).
    #[arg(long, default_value = "AMBER")]
    pub max_tlp: stix::Tlp,
}

/// Counts of an import.
#[derive(Debug, Default)]
struct Tally {
    read: u64,
    stored: u64,
    failed: u64,
}

/// Runs `rrm import`.
pub fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let hub = open::hub(settings, None)?;
    let principal = hub
        .principal_for(&args.as_user)
        .with_context(|| format!("--as {}", args.as_user))?;
    let collection_id = resolve_collection(&hub, &args.collection)?;
    let file =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = indicatif::ProgressBar::new(len).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} importing {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let reader = BufReader::with_capacity(1 << 16, bar.wrap_read(file));
    let name = args.file.display().to_string();

    let mut tally = Tally::default();
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH);
    let flush = |batch: &mut Vec<Value>, tally: &mut Tally| -> anyhow::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let objects = std::mem::take(batch);
        tally.read += objects.len() as u64;
        let status = hub.add_objects(&principal, &collection_id, objects)?;
        tally.stored += status.success_count as u64;
        for f in &status.failures {
            tally.failed += 1;
            let id = &f.id;
            let msg = f.message.as_deref().unwrap_or("rejected");
            bar.suspend(|| eprintln!("{name}: {id}: {msg}"));
        }
        Ok(())
    };

    let mut failure: Option<anyhow::Error> = None;
    let mut sink = |obj: Value| -> Result<(), String> {
        batch.push(obj);
        if batch.len() >= BATCH {
            if let Err(e) = flush(&mut batch, &mut tally) {
                let msg = format!("{e:#}");
                failure = Some(e);
                return Err(msg);
            }
        }
        Ok(())
    };
    let parsed = stream_objects(reader, &mut sink);
    if let Some(e) = failure {
        bar.abandon();
        return Err(e.context(format!("import of {name} stopped")));
    }
    if let Err(e) = parsed {
        bar.abandon();
        bail!("{name}:{e}; objects before this point were imported");
    }
    flush(&mut batch, &mut tally)?;
    bar.finish_and_clear();
    eprintln!(
        "{name}: {} objects read, {} stored or already present, {} failed",
        tally.read, tally.stored, tally.failed
    );
    if tally.failed > 0 {
        bail!(
            "{} of {} objects were rejected (listed above)",
            tally.failed,
            tally.read
        );
    }
    Ok(())
}

/// A JSON syntax or shape error at a position of the input.
#[derive(Debug)]
pub struct StreamError {
    line: usize,
    column: usize,
    message: String,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Streams the objects of a bundle or envelope to `sink`, one at a time; a sink error stops the
/// stream. Errors carry the line and column of the input.
pub fn stream_objects(
    reader: impl std::io::Read,
    sink: &mut dyn FnMut(Value) -> Result<(), String>,
) -> Result<(), StreamError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    Envelope { sink }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| {
            let msg = e.to_string();
            // serde_json appends " at line L column C"; the position is printed first instead.
            let message = msg
                .find(" at line ")
                .map_or(msg.as_str(), |i| &msg[..i])
                .to_string();
            StreamError {
                line: e.line(),
                column: e.column(),
                message,
            }
        })
}

/// Runs `rrm export`.
pub fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    if !stix::access::exportable(args.max_tlp) {
        bail!(
            "--max-tlp {}: AMBER+STRICT and RED objects never leave this instance; use CLEAR, GREEN or AMBER",
            args.max_tlp.as_str()
        );
    }
    let hub = open::hub(settings, None)?;
    let principal = hub
        .principal_for(&args.as_user)
        .with_context(|| format!("--as {}", args.as_user))?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let bundle_id = format!("bundle--{}", uuid::Uuid::new_v4());
    write!(
        out,
        "{{\"type\":\"bundle\",\"id\":\"{bundle_id}\",\"objects\":["
    )?;
    let mut first = true;
    let mut io_error: Option<std::io::Error> = None;
    let summary = hub.export(&principal, &args.collection, args.max_tlp, &mut |obj| {
        if io_error.is_some() {
            return;
        }
        let sep = if first { "\n" } else { ",\n" };
        first = false;
        let result = out
            .write_all(sep.as_bytes())
            .and_then(|()| serde_json::to_writer(&mut out, &obj).map_err(std::io::Error::from));
        if let Err(e) = result {
            io_error = Some(e);
        }
    })?;
    if let Some(e) = io_error {
        return Err(e).context("cannot write the bundle to standard output");
    }
    writeln!(out, "\n]}}")?;
    out.flush()?;
    eprintln!(
        "exported {} objects; {} withheld (above {} or not visible to {})",
        summary.exported, summary.withheld, args.max_tlp, args.as_user
    );
    Ok(())
}

/// Finds a collection's UUID from its slug or UUID.
pub fn resolve_collection(hub: &hub::Hub, name: &str) -> anyhow::Result<String> {
    match hub.find_collection(name) {
        Ok(c) => Ok(c.id),
        Err(hub::HubError::NotFound(_)) => bail!("no collection {name:?} (give its slug or UUID; `rrm admin collection list` lists them)"),
        Err(e) => Err(e.into()),
    }
}

/// The top level of a bundle or envelope: a JSON object whose `objects` list is streamed.
struct Envelope<'a> {
    sink: &'a mut dyn FnMut(Value) -> Result<(), String>,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a STIX bundle or TAXII envelope (a JSON object with an \"objects\" list)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen_objects = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "objects" => {
                    map.next_value_seed(Objects {
                        sink: &mut *self.sink,
                    })?;
                    seen_objects = true;
                }
                "type" => {
                    let t: Value = map.next_value()?;
                    if t != Value::String("bundle".into()) {
                        return Err(de::Error::custom(format!(
                            "top-level \"type\" is {t}, expected \"bundle\" (or no type, for a TAXII envelope)"
                        )));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !seen_objects {
            return Err(de::Error::custom("no \"objects\" list in the document"));
        }
        Ok(())
    }
}

/// The `objects` list, handed to the sink one object at a time.
struct Objects<'a> {
    sink: &'a mut dyn FnMut(Value) -> Result<(), String>,
}

impl<'de> DeserializeSeed<'de> for Objects<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Objects<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Each object is read as raw text first, so its numbers keep their exact text.
        while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            let obj = stix::json::from_str(raw.get()).map_err(de::Error::custom)?;
            (self.sink)(obj).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}
