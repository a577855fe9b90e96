//! `rrm breach`: breach and personal-data-misuse reports on the data directory, as a user
//! (`--as`). Reports and phases are read from JSON files with the REST API's bodies.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::de::DeserializeOwned;

use breaches::{BreachView, NewReport, ReportUpdate, ShareBreach, Submit};

/// The `rrm breach` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Creates a report from the user's organisation (a platform or ISP) from a JSON file
    /// (the body of `POST /api/v1/breaches`); prints its id, status and deadline.
    Create {
        /// The user to act as (an analyst or admin).
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The report, as JSON (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Adds a later phase from a JSON file (the body of `PATCH /api/v1/breaches/{id}`).
    Update {
        /// The report id.
        id: String,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The phase, as JSON (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Submits a report (the reporter, once).
    Submit {
        /// The report id.
        id: String,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The reasons for a delay (required past the deadline).
        #[arg(long = "delay-reasons", value_name = "TEXT")]
        delay_reasons: Option<String>,
    },
    /// Acknowledges a submitted report (the recipient).
    Ack {
        /// The report id.
        id: String,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Closes a report (the recipient).
    Close {
        /// The report id.
        id: String,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Lists the reports the user's organisation made or received, newest first: id,
    /// created, regime, status, deadline, late, reporter, recipient, title.
    List {
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// At most this many (1 to 100).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Prints a report with its history as JSON.
    Show {
        /// The report id.
        id: String,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Shares a submitted report as a STIX incident in a collection, at a TLP.
    Share {
        /// The report id.
        id: String,
        /// The user to act as (the reporter).
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// A collection the user may write (UUID or slug).
        #[arg(long)]
        collection: String,
        /// The TLP of the shared objects.
        #[arg(long, default_value = "AMBER")]
        tlp: String,
    },
}

/// Reads a JSON body, naming the field of a bad value.
fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de)
        .map_err(|e| anyhow::anyhow!("{}: invalid {}: {}", path.display(), e.path(), e.inner()))
}

fn summary(v: &BreachView) -> String {
    format!(
        "{}\t{}\t{}\tlate={}\tmissing={}",
        v.id,
        v.status,
        v.deadline.as_deref().unwrap_or("-"),
        v.late,
        if v.missing.is_empty() {
            "-".to_string()
        } else {
            v.missing.join(",")
        }
    )
}

/// Runs an `rrm breach` command.
pub fn run(settings: &crate::config::Settings, cmd: Command) -> anyhow::Result<()> {
    let (hub, svc) = crate::open::breaches(settings)?;
    let who = |user: &str| {
        hub.principal_for(user)
            .with_context(|| format!("cannot act as {user:?}"))
    };
    match cmd {
        Command::Create { as_user, file } => {
            let req: NewReport = read_json(&file)?;
            println!("{}", summary(&svc.create(&who(&as_user)?, &req)?));
        }
        Command::Update { id, as_user, file } => {
            let req: ReportUpdate = read_json(&file)?;
            println!("{}", summary(&svc.update(&who(&as_user)?, &id, &req)?));
        }
        Command::Submit {
            id,
            as_user,
            delay_reasons,
        } => {
            let v = svc.submit(&who(&as_user)?, &id, &Submit { delay_reasons })?;
            println!("{}", summary(&v));
        }
        Command::Ack { id, as_user } => {
            println!("{}", summary(&svc.acknowledge(&who(&as_user)?, &id)?));
        }
        Command::Close { id, as_user } => {
            println!("{}", summary(&svc.close(&who(&as_user)?, &id)?));
        }
        Command::List { as_user, limit } => {
            for b in svc.list(&who(&as_user)?, Some(limit), None)?.breaches {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    b.id,
                    b.created,
                    b.regime,
                    b.status,
                    b.deadline.as_deref().unwrap_or("-"),
                    b.late,
                    b.reporter,
                    b.recipient,
                    b.title
                );
            }
        }
        Command::Show { id, as_user } => {
            let v = svc.get(&who(&as_user)?, &id)?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Command::Share {
            id,
            as_user,
            collection,
            tlp,
        } => {
            let s = svc.share(
                &who(&as_user)?,
                &id,
                &ShareBreach {
                    collection,
                    tlp: Some(tlp),
                },
            )?;
            println!("{}\t{}\t{}\t{}", s.incident, s.impact, s.collection, s.tlp);
        }
    }
    Ok(())
}
