//! The `rrm` command: server, admin and data tools in one binary.

mod bridge;
mod cli;
mod config;
mod deadlines;
mod demo;
mod open;
mod serve;

use clap::{Parser, Subcommand};

/// rrm: a Rapid Response Mechanism hub. Share STIX 2.1 threat information over TAXII 2.1 under
/// TLP 2.0, detect coordinated inauthentic behaviour, match PDQ hashes, check political ads.
#[derive(Parser)]
#[command(name = "rrm", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: config::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the hub: TAXII 2.1 server, REST API, metrics.
    Serve(Box<serve::Args>),
    /// Manages organisations, users, tokens, collections and grants.
    #[command(subcommand)]
    Admin(cli::accounts::Command),
    /// Imports a STIX bundle or TAXII envelope into a collection, as a user.
    Import(cli::objects::ImportArgs),
    /// Exports what a user may see of a collection as a STIX bundle on stdout.
    Export(cli::objects::ExportArgs),
    /// Checks STIX 2.1 files offline with the hub's validation rules.
    Validate(cli::objects::validate::Args),
    /// Finds coordinated account networks in post data (no server needed).
    Detect(cli::detect::Args),
    /// Prints the PDQ hash and quality of image files.
    Hash(cli::banks::HashArgs),
    /// Matches images or hashes against a hash list.
    Match(cli::banks::MatchArgs),
    /// Political advertising: check ads against the rules, bulk import.
    #[command(subcommand)]
    Ads(cli::ads::Command),
    /// Alerts between partners: raise, list, show, answer, forward; groups of organisations.
    #[command(subcommand)]
    Alert(cli::alerts::Command),
    /// Breach and personal-data-misuse reports: create, update, submit, list, show, share.
    #[command(subcommand)]
    Breach(cli::breaches::Command),
    /// Notifications: send a test notification to an organisation's webhooks and contacts.
    #[command(subcommand)]
    Notify(cli::notify::Command),
    /// Response cases: participants, DISARM options, actions with approval, votes.
    #[command(subcommand)]
    Case(cli::cases::Command),
    /// Notices to platforms and ISPs: create, approve, send, inbox, decide, appeal, export.
    #[command(subcommand)]
    Notice(cli::notices::Command),
    /// The verifiable audit log: verify it, sign a checkpoint, print the public key.
    #[command(subcommand)]
    Audit(cli::audit::Command),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = run(cli);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let file = config::load_file(&cli.global)?;
    let settings = config::resolve(&cli.global, &file)?;
    match cli.command {
        Command::Serve(args) => serve::run(&settings, &file, *args),
        Command::Admin(cmd) => cli::accounts::run(&settings, cmd),
        Command::Import(args) => cli::objects::import(&settings, args),
        Command::Export(args) => cli::objects::export(&settings, args),
        Command::Validate(args) => cli::objects::validate::run(args),
        Command::Detect(args) => cli::detect::run(args),
        Command::Hash(args) => cli::banks::run_hash(args),
        Command::Match(args) => cli::banks::run_match(args),
        Command::Ads(cmd) => cli::ads::run(&settings, cmd),
        Command::Alert(cmd) => cli::alerts::run(&settings, cmd),
        Command::Breach(cmd) => cli::breaches::run(&settings, cmd),
        Command::Notify(cmd) => cli::notify::run(&settings, cmd),
        Command::Case(cmd) => cli::cases::run(&settings, cmd),
        Command::Notice(cmd) => cli::notices::run(&settings, cmd),
        Command::Audit(cmd) => cli::audit::run(&settings, cmd),
    }
}
