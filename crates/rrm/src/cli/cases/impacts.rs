//! `rrm case impact`: the impacts of a case (the OASIS incident suite's `impact`).

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use cases::NewImpact;

use super::{open_as, print_json, Who};

/// `rrm case impact`.
#[derive(clap::Subcommand)]
pub enum ImpactCommand {
    /// Records an impact given as JSON (the body of `POST /api/v1/cases/{id}/impacts`, e.g.
    /// `{"category": "external", "external": {"impact_type": "public-confidence"}}`); prints
    /// its id.
    Add {
        /// The case id.
        case: String,
        #[command(flatten)]
        who: Who,
        /// The JSON file, or `-` for standard input.
        #[arg(long, value_name = "FILE")]
        json: PathBuf,
    },
    /// Prints the case's impacts as JSON.
    List {
        /// The case id.
        case: String,
        #[command(flatten)]
        who: Who,
    },
}

/// Runs `rrm case impact`.
pub fn run(settings: &crate::config::Settings, cmd: ImpactCommand) -> anyhow::Result<()> {
    match cmd {
        ImpactCommand::Add { case, who, json } => {
            let text = if json.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading the impact from standard input")?;
                s
            } else {
                std::fs::read_to_string(&json)
                    .with_context(|| format!("reading {}", json.display()))?
            };
            let new: NewImpact = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("invalid impact JSON: {e}"))?;
            let (cases, p) = open_as(settings, &who)?;
            let v = cases.record_impact(&p, &case, &new)?;
            println!("{}", v.id);
        }
        ImpactCommand::List { case, who } => {
            let (cases, p) = open_as(settings, &who)?;
            print_json(&cases.impacts(&p, &case)?)?;
        }
    }
    Ok(())
}
