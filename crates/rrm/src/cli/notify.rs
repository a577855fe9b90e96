//! `rrm notify`: the operator's notification tools (uses the data directory; a running
//! `rrm serve` on it delivers what they put in the outbox).

use anyhow::Context;

use crate::config::Settings;
use crate::open;

/// The `rrm notify` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Sends a test notification to every webhook and e-mail contact of an organisation, with
    /// a made-up subject at a chosen TLP, through the outbox; prints the delivery ids. At RED
    /// and AMBER+STRICT only the kind and a link are sent.
    Test {
        /// The organisation's slug.
        org: String,
        /// The TLP of the made-up subject.
        #[arg(long, default_value = "CLEAR", value_name = "LEVEL")]
        tlp: String,
        /// Its title.
        #[arg(long, default_value = "rrm test notification")]
        title: String,
        /// Its summary.
        #[arg(long)]
        summary: Option<String>,
        /// Base URL of links in the notification.
        #[arg(
            long,
            env = "RRM_PUBLIC_URL",
            hide_env_values = true,
            value_name = "URL",
            default_value = "http://127.0.0.1:8750"
        )]
        public_url: String,
    },
}

/// Runs `rrm notify`.
pub fn run(settings: &Settings, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Test {
            org,
            tlp,
            title,
            summary,
            public_url,
        } => {
            let tlp: stix::Tlp = tlp
                .parse()
                .map_err(|e| anyhow::anyhow!("--tlp {tlp:?}: {e}"))?;
            let (hub, notifier) = open::notifier(settings, public_url)?;
            let org = hub
                .org_by_slug(&org)?
                .with_context(|| format!("no organisation {org:?}"))?;
            let event = notify::Event::Test {
                subject: notify::Subject {
                    id: uuid::Uuid::new_v4().to_string(),
                    tlp,
                    title,
                    summary,
                },
            };
            let ids = notifier.emit(&event, &[org.id])?;
            for id in &ids {
                println!("{id}");
            }
            if ids.is_empty() {
                eprintln!("the organisation has no webhook and no e-mail contact");
            }
            Ok(())
        }
    }
}
