//! `rrm ads`: political-advertising rule checks (no server needed) and the rule listing.

use adrules::{CheckResult, Engine, Outcome, RuleSet};
use anyhow::Context;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Exit status of `rrm ads check` for a FLAG verdict.
pub const EXIT_FLAG: i32 = 3;
/// Exit status of `rrm ads check` for a REJECT verdict.
pub const EXIT_REJECT: i32 = 4;
/// Exit status of `rrm ads check` for a BLOCK verdict.
pub const EXIT_BLOCK: i32 = 5;

/// The `rrm ads` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Checks an ad described in JSON against the rules (no server needed).
    ///
    /// FILE is one JSON document with the ad and its context: {"ad": ..., "sponsors": [...],
    /// "elections": [...], "platform": ...} (see crates/adrules/RULES.md and
    /// crates/adrules/samples/). Use - for standard input. Prints the verdict and every rule
    /// that fired with its citation and the reasons.
    ///
    /// Exit status: 0 ACCEPT, 3 FLAG, 4 REJECT, 5 BLOCK; 1 when the document cannot be read or
    /// is invalid (every invalid field is named); 2 for usage errors.
    #[command(verbatim_doc_comment)]
    Check {
        /// The JSON document to check, or - for standard input.
        file: PathBuf,
        /// Print the full result as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also load this rule set (JSON, e.g. a later amendment); may be repeated.
        #[arg(long = "rules", value_name = "RULESET.json")]
        rules: Vec<PathBuf>,
    },
    /// Submits ads in bulk as a platform user (no server needed; uses the data directory).
    ///
    /// FILE holds JSON Lines or one JSON array (streamed, - for standard input). Each record is
    /// a submission ({"ad": ..., "sponsors": [...], "platform": ...}; elections come from the
    /// registry) or {"submission": ..., "creative": {"media_type": "image/png", "data":
    /// "<base64>"}}. Records are stored in batches, one transaction each. Prints a summary of
    /// verdicts; invalid records are reported with their record number and field.
    ///
    /// Exit status: 0 when every record was recorded, 1 when some were invalid.
    #[command(verbatim_doc_comment)]
    Import {
        /// The JSON Lines or JSON array file, or - for standard input.
        file: PathBuf,
        /// The platform user to submit as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// Records per transaction.
        #[arg(long, default_value_t = 1000)]
        batch: usize,
    },
    /// Registers or replaces an election as an election-authority user (adrules election
    /// JSON: id, jurisdiction, kind, polling_day, writ_issued, ...).
    Election {
        /// The election JSON file, or - for standard input.
        file: PathBuf,
        /// The election-authority user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Registers or replaces sponsors, payers and controlling entities as a platform or
    /// election-authority user. FILE holds one adrules sponsor, a JSON array of them, or a
    /// submission (its `sponsors`); controlling entities are registered before what they
    /// control, so a file may list them in any order.
    Sponsors {
        /// The JSON file, or - for standard input.
        file: PathBuf,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Registers or replaces the platform record (name, monthly Canadian reach by language)
    /// of the user's own platform organisation.
    Platform {
        /// The platform JSON file, or - for standard input.
        file: PathBuf,
        /// The platform user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Chooses where foreign-funding and foreign-interference incidents go (operator only).
    ///
    /// Without --election, sets the ads-wide default, used for elections whose authority chose
    /// no destination (no HTTP route sets it). With --election, sets that election's
    /// destination, as the election's own authority would over HTTP. Incidents are ingested as
    /// USER, an election-authority analyst or admin with write access to COLLECTION.
    #[command(verbatim_doc_comment)]
    IncidentCollection {
        /// The collection (UUID or slug).
        collection: String,
        /// The election-authority user incidents are ingested as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// TLP of the incidents: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
        #[arg(long, default_value = "AMBER")]
        tlp: String,
        /// Only this election (USER must belong to the organisation that registered it).
        #[arg(long, value_name = "ID")]
        election: Option<String>,
    },
    /// Runs the retention job now: unpublishes ads past their publication date and purges
    /// ads past their retention date, with audit records.
    Retention,
    /// Lists the loaded rules: id, outcome, citation and title.
    Rules {
        /// Print the rule sets as JSON (the format `--rules` accepts).
        #[arg(long)]
        json: bool,
        /// Also load this rule set; may be repeated.
        #[arg(long = "rules", value_name = "RULESET.json")]
        rules: Vec<PathBuf>,
    },
}

/// Runs an `rrm ads` subcommand.
///
/// `check` ends the process with the verdict's exit status after printing its result.
pub fn run(settings: &crate::config::Settings, cmd: Command) -> anyhow::Result<()> {
    match run_inner(settings, cmd) {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Whether an error is a closed standard output (e.g. piped into `head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run_inner(settings: &crate::config::Settings, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Import {
            file,
            as_user,
            batch,
        } => import(settings, &file, &as_user, batch.max(1)),
        Command::Election { file, as_user } => {
            let (ads, p, name, v) = open_as(settings, &file, &as_user)?;
            let e: ads::Election = typed(&name, v)?;
            let id = e.id.clone();
            let rec = ads.put_election(&p, &id, e.into())?;
            println!("election {} registered", rec.id);
            Ok(())
        }
        Command::Sponsors { file, as_user } => register_sponsors(settings, &file, &as_user),
        Command::Platform { file, as_user } => {
            let (ads, p, name, v) = open_as(settings, &file, &as_user)?;
            let slug = p.org.slug.clone();
            let body: ads::RecordBody<ads::Platform> = typed(&name, v)?;
            let rec = ads
                .put_platform(&p, &slug, body)
                .with_context(|| format!("{name}: platform {slug:?}"))?;
            println!("platform {} registered", rec.id);
            Ok(())
        }
        Command::IncidentCollection {
            collection,
            as_user,
            tlp,
            election,
        } => {
            let tlp: store::Tlp = tlp
                .parse()
                .map_err(|_| anyhow::anyhow!("--tlp: unknown TLP {tlp:?}"))?;
            let ads = crate::open::ads(settings)?;
            let d = match &election {
                Some(e) => {
                    let p = ads
                        .hub()
                        .principal_for(&as_user)
                        .with_context(|| format!("cannot act as {as_user:?}"))?;
                    ads.set_election_incident_collection(&p, e, &collection, Some(tlp))?
                }
                None => ads.set_default_incident_collection(&as_user, &collection, Some(tlp))?,
            };
            match election {
                Some(e) => println!(
                    "incidents of election {e} go to collection {} at TLP:{} as {}",
                    d.collection,
                    d.tlp.as_str(),
                    d.user
                ),
                None => println!(
                    "incidents of elections without a destination go to collection {} at TLP:{} as {}",
                    d.collection,
                    d.tlp.as_str(),
                    d.user
                ),
            }
            Ok(())
        }
        Command::Retention => {
            let ads = crate::open::ads(settings)?;
            let now = clock::now_secs();
            let run = ads.run_ad_retention(now)?;
            println!("{} ads unpublished, {} purged", run.hidden, run.purged);
            Ok(())
        }
        Command::Check { file, json, rules } => {
            let engine = engine(&rules)?;
            let (name, text) = read_input(&file)?;
            let result = engine.check_json(&name, &text)?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &result).map_err(std::io::Error::from)?;
                writeln!(out)?;
            } else {
                write_text(&mut out, &result)?;
            }
            out.flush()?;
            let code = exit_code(result.verdict);
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
        Command::Rules { json, rules } => {
            let engine = engine(&rules)?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, engine.rule_sets())
                    .map_err(std::io::Error::from)?;
                writeln!(out)?;
            } else {
                for set in engine.rule_sets() {
                    let span = match set.effective_until {
                        Some(u) => format!("in force {} to {u}", set.effective_from),
                        None => format!("in force from {}", set.effective_from),
                    };
                    writeln!(
                        out,
                        "{}: {} [{}; {span}]",
                        set.id,
                        set.name,
                        set.jurisdictions.join(", "),
                    )?;
                    for r in &set.rules {
                        writeln!(
                            out,
                            "  {:<24} {:<6} {} - {}",
                            r.id, r.outcome, r.citation, r.title
                        )?;
                    }
                }
            }
            Ok(())
        }
    }
}

/// The exit status for a verdict.
pub fn exit_code(v: Outcome) -> i32 {
    match v {
        Outcome::Accept => 0,
        Outcome::Flag => EXIT_FLAG,
        Outcome::Reject => EXIT_REJECT,
        Outcome::Block => EXIT_BLOCK,
    }
}

/// The shipped rule sets plus any given as files.
fn engine(extra: &[PathBuf]) -> anyhow::Result<Engine> {
    let mut engine = Engine::shipped().context("loading the shipped rule sets")?;
    for path in extra {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading rule set {}", path.display()))?;
        let set = RuleSet::from_json(&path.display().to_string(), &text)?;
        engine
            .add_rule_set(set)
            .with_context(|| format!("adding rule set {}", path.display()))?;
    }
    Ok(engine)
}

/// Opens the ads, acts as `as_user` and reads the JSON document of `file`: the ads, the
/// principal, the document's name for messages and the document.
fn open_as(
    settings: &crate::config::Settings,
    file: &Path,
    as_user: &str,
) -> anyhow::Result<(ads::Ads, hub::Principal, String, serde_json::Value)> {
    let ads = crate::open::ads(settings)?;
    let p = ads
        .hub()
        .principal_for(as_user)
        .with_context(|| format!("cannot act as {as_user:?}"))?;
    let (name, text) = read_input(file)?;
    let v = serde_json::from_str(&text).with_context(|| format!("{name}: not JSON"))?;
    Ok((ads, p, name, v))
}

/// `rrm ads sponsors`: registers the sponsors of a file, controlling entities first.
fn register_sponsors(
    settings: &crate::config::Settings,
    file: &Path,
    as_user: &str,
) -> anyhow::Result<()> {
    use serde_json::Value;
    let (ads, p, name, v) = open_as(settings, file, as_user)?;
    let list: Vec<Value> = match v {
        Value::Array(a) => a,
        Value::Object(mut o) => match o.remove("sponsors") {
            Some(Value::Array(a)) => a,
            Some(_) => anyhow::bail!("{name}: `sponsors` is not an array"),
            None => vec![Value::Object(o)],
        },
        _ => anyhow::bail!("{name}: expected a sponsor, an array of sponsors or a submission"),
    };
    let mut pending: Vec<(usize, ads::Sponsor)> = Vec::with_capacity(list.len());
    for (i, s) in list.into_iter().enumerate() {
        pending.push((i, typed(&format!("{name}: sponsors[{i}]"), s)?));
    }
    let mut done = 0usize;
    while !pending.is_empty() {
        let ids: Vec<String> = pending.iter().map(|(_, s)| s.id.clone()).collect();
        let (ready, wait): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(_, s)| {
            s.controlled_by
                .as_deref()
                .is_none_or(|c| c == s.id || !ids.iter().any(|x| x == c))
        });
        if ready.is_empty() {
            let names: Vec<&str> = wait.iter().map(|(_, s)| s.id.as_str()).collect();
            anyhow::bail!(
                "{name}: the control chains of {} loop; {done} sponsors were registered",
                names.join(", ")
            );
        }
        for (i, s) in ready {
            let id = s.id.clone();
            ads.put_sponsor(&p, &id, s.into()).with_context(|| {
                format!("{name}: sponsors[{i}] (id {id:?}); {done} sponsors were registered")
            })?;
            done += 1;
        }
        pending = wait;
    }
    println!("{done} sponsors registered");
    Ok(())
}

/// Reads a JSON document as `T`; a field that does not fit is named by its path.
fn typed_value<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> anyhow::Result<T> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        anyhow::anyhow!("invalid {path}: {}", e.into_inner())
    })
}

/// [`typed_value`] for the document `name`.
fn typed<T: serde::de::DeserializeOwned>(name: &str, v: serde_json::Value) -> anyhow::Result<T> {
    typed_value(v).with_context(|| name.to_string())
}

/// Reads the document from a file or standard input, with a name for error messages.
fn read_input(path: &Path) -> anyhow::Result<(String, String)> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        Ok(("<stdin>".into(), s))
    } else {
        let s =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Ok((path.display().to_string(), s))
    }
}

/// Writes a result as text.
fn write_text(out: &mut impl Write, r: &CheckResult) -> std::io::Result<()> {
    writeln!(out, "ad {}: {}", r.ad_id, r.verdict)?;
    if r.fired.is_empty() {
        writeln!(out, "no rule fired")?;
    }
    for f in &r.fired {
        writeln!(out)?;
        writeln!(out, "{:<6} {}  {}", f.outcome, f.rule_id, f.title)?;
        writeln!(out, "       {}", f.citation)?;
        writeln!(out, "       {}", f.explanation)?;
        for d in &f.details {
            writeln!(out, "       - {d}")?;
        }
        writeln!(out, "       election(s): {}", f.elections.join(", "))?;
    }
    writeln!(out)?;
    if let Some(p) = r.retention.publish_until {
        writeln!(out, "publish until: {p}")?;
    }
    if let Some(k) = r.retention.keep_until {
        writeln!(out, "keep until:    {k}")?;
    }
    if r.retention.awaiting_dissemination_end {
        writeln!(
            out,
            "retention:     waits for the end of dissemination (not given)"
        )?;
    }
    let sets = if r.rule_sets.is_empty() {
        "none".to_string()
    } else {
        r.rule_sets.join(", ")
    };
    writeln!(out, "rule sets:     {sets}")?;
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}

/// Verdict counts of an import.
#[derive(Default)]
struct Summary {
    counts: [u64; 4],
    invalid: u64,
    published: u64,
    incidents: u64,
}

fn import(
    settings: &crate::config::Settings,
    file: &Path,
    as_user: &str,
    batch: usize,
) -> anyhow::Result<()> {
    use std::io::{BufRead, BufReader};
    let ads = crate::open::ads(settings)?;
    let p = ads
        .hub()
        .principal_for(as_user)
        .with_context(|| format!("cannot submit as {as_user:?}"))?;
    let (reader, len): (Box<dyn Read>, u64) = if file == Path::new("-") {
        (Box::new(std::io::stdin().lock()), 0)
    } else {
        let f =
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        (Box::new(f), len)
    };
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let bar = indicatif::ProgressBar::new(len);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "importing ads [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta}) {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut reader = BufReader::with_capacity(1 << 20, bar.wrap_read(reader));
    let mut summary = Summary::default();
    let mut pending: Vec<(u64, serde_json::Value)> = Vec::with_capacity(batch);
    let mut record = 0u64;
    let flush = |pending: &mut Vec<(u64, serde_json::Value)>,
                 summary: &mut Summary|
     -> anyhow::Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut numbers = Vec::with_capacity(pending.len());
        let mut inputs = Vec::with_capacity(pending.len());
        for (n, v) in pending.drain(..) {
            numbers.push(n);
            match typed_value::<ads::ImportRecord>(v).and_then(|r| Ok(r.split()?)) {
                Ok(input) => inputs.push(input),
                Err(e) => {
                    summary.invalid += 1;
                    eprintln!("record {n}: {e}");
                    numbers.pop();
                }
            }
        }
        let outcomes = ads.submit_ads(&p, inputs).context("storing ads")?;
        for (n, o) in numbers.into_iter().zip(outcomes) {
            match o {
                Ok(o) => {
                    let i = match o.verdict {
                        Outcome::Accept => 0,
                        Outcome::Flag => 1,
                        Outcome::Reject => 2,
                        Outcome::Block => 3,
                    };
                    summary.counts[i] += 1;
                    summary.published += u64::from(o.published);
                    summary.incidents += o.incidents.len() as u64;
                }
                Err(e) => {
                    summary.invalid += 1;
                    if summary.invalid <= 100 {
                        eprintln!("record {n}: {e}");
                    }
                }
            }
        }
        bar.set_message(format!("{} recorded", summary.counts.iter().sum::<u64>()));
        Ok(())
    };
    // A JSON array is streamed element by element; anything else is JSON Lines.
    let first = loop {
        let buf = reader.fill_buf()?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                reader.consume(i);
                break Some(b);
            }
            None if buf.is_empty() => break None,
            None => {
                let l = buf.len();
                reader.consume(l);
            }
        }
    };
    if first == Some(b'[') {
        let mut de = serde_json::Deserializer::from_reader(reader);
        let mut err = None;
        let seed = EachElement(&mut |v: serde_json::Value| {
            record += 1;
            pending.push((record, v));
            if pending.len() >= batch {
                if let Err(e) = flush(&mut pending, &mut summary) {
                    err = Some(e);
                    return false;
                }
            }
            true
        });
        let r = serde::de::DeserializeSeed::deserialize(seed, &mut de);
        if let Some(e) = err {
            return Err(e);
        }
        r.with_context(|| format!("{}: not a JSON array of submissions", file.display()))?;
    } else {
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                break;
            }
            record += 1;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(&line) {
                Ok(v) => pending.push((record, v)),
                Err(e) => {
                    summary.invalid += 1;
                    eprintln!("{}:{record}: not JSON: {e}", file.display());
                }
            }
            if pending.len() >= batch {
                flush(&mut pending, &mut summary)?;
            }
        }
    }
    flush(&mut pending, &mut summary)?;
    bar.finish_and_clear();
    let [a, f, r, b] = summary.counts;
    println!(
        "{} records: ACCEPT {a}, FLAG {f}, REJECT {r}, BLOCK {b}, invalid {}; {} published, {} incidents",
        a + f + r + b + summary.invalid,
        summary.invalid,
        summary.published,
        summary.incidents
    );
    if summary.invalid > 0 {
        anyhow::bail!("{} records were invalid and not stored", summary.invalid);
    }
    Ok(())
}

/// Deserializes a JSON array, handing each element to a callback that returns false to stop.
struct EachElement<'a>(&'a mut dyn FnMut(serde_json::Value) -> bool);

impl<'de> serde::de::DeserializeSeed<'de> for EachElement<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for EachElement<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of submissions")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<serde_json::Value>()? {
            if !(self.0)(v) {
                return Err(serde::de::Error::custom("import stopped"));
            }
        }
        Ok(())
    }
}
