//! `rrm hash` and `rrm match`: PDQ hashing and matching from the command line.

/// Arguments of `rrm hash`.
#[derive(clap::Args)]
pub struct HashArgs {}

/// Arguments of `rrm match`.
#[derive(clap::Args)]
pub struct MatchArgs {}

/// Runs `rrm hash`.
pub fn run_hash(_args: HashArgs) -> anyhow::Result<()> {
    anyhow::bail!("rrm hash is not built yet (issue 4)")
}

/// Runs `rrm match`.
pub fn run_match(_args: MatchArgs) -> anyhow::Result<()> {
    anyhow::bail!("rrm match is not built yet (issue 4)")
}
