//! `rrm audit`: verifies the audit log against its Merkle tree and signed checkpoints, signs a
//! checkpoint on demand and prints the instance's public key.

use hub::Actor;

use crate::config::Settings;
use crate::open;

/// The exit status of `rrm audit verify` when the log does not verify.
pub const EXIT_TAMPERED: i32 = 2;

/// `rrm audit`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Recomputes the tree from the database and checks every stored leaf and subtree hash
    /// and every checkpoint's signature and root; exits 2 naming the first bad record.
    Verify {
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Signs a checkpoint of the log as it is now and prints it.
    Checkpoint,
    /// Prints the instance's ed25519 public key (hex), which signs every checkpoint.
    Key,
}

/// Runs `rrm audit`.
pub fn run(settings: &Settings, cmd: Command) -> anyhow::Result<()> {
    let hub = open::hub(settings, None)?;
    match cmd {
        Command::Verify { quiet } => verify(&hub, quiet),
        Command::Checkpoint => {
            let c = hub.audit_checkpoint(Actor::Operator)?;
            println!(
                "{}\t{}\t{}\t{}",
                c.size,
                hex::encode(c.root),
                stix::format_secs(c.at),
                hex::encode(c.signature)
            );
            Ok(())
        }
        Command::Key => {
            println!("{}", hex::encode(hub.audit_public_key()));
            Ok(())
        }
    }
}

fn verify(hub: &hub::Hub, quiet: bool) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} verifying {pos}/{len} hashes [{bar:30}] {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    };
    let report = hub.verify_audit(&mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    })?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    match report.problem {
        None => {
            println!(
                "ok: {} records, {} subtrees and {} checkpoints verified in {secs:.2} s; \
                 tree head {}",
                report.entries,
                report.nodes,
                report.checkpoints,
                hex::encode(report.root)
            );
            Ok(())
        }
        Some(p) => {
            println!("FAILED: {}", p.message);
            eprintln!(
                "rrm audit verify: the audit log does not verify ({} records read)",
                report.entries
            );
            std::process::exit(EXIT_TAMPERED);
        }
    }
}
