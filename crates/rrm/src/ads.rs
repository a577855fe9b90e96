//! `rrm ads`: political-advertising rule checks and bulk import.

/// The `rrm ads` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Checks an ad described in JSON against the rules (no server needed).
    Check {},
}

/// Runs an `rrm ads` subcommand.
pub fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("rrm ads is not built yet (issue 5)")
}
