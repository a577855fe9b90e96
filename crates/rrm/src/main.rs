//! The `rrm` command: server, admin and data tools in one binary.

mod ads;
mod detect;
mod hash;

use clap::{Parser, Subcommand};

/// rrm: a Rapid Response Mechanism hub for sharing threat information under TLP.
#[derive(Parser)]
#[command(name = "rrm", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Finds coordinated account networks in post data (no server needed).
    Detect(detect::Args),
    /// Prints the PDQ hash and quality of image files.
    Hash(hash::HashArgs),
    /// Matches images or hashes against a hash list.
    Match(hash::MatchArgs),
    /// Political advertising: check ads against the rules, bulk import.
    #[command(subcommand)]
    Ads(ads::Command),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Detect(args) => detect::run(args),
        Command::Hash(args) => hash::run_hash(args),
        Command::Match(args) => hash::run_match(args),
        Command::Ads(cmd) => ads::run(cmd),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
