//! `rrm detect`: coordination detection over post files.

/// Arguments of `rrm detect`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `rrm detect`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("rrm detect is not built yet (issue 3)")
}
