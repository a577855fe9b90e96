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
pub fn run(cmd: Command) -> anyhow::Result<()> {
    match run_inner(cmd) {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// Whether an error is a closed standard output (e.g. piped into `head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run_inner(cmd: Command) -> anyhow::Result<()> {
    match cmd {
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
