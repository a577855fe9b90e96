//! `rrm admin`: scriptable management of organisations, users, tokens, collections and grants.
//!
//! Every command acts as the local operator on the data directory directly; the same operations
//! are available to admin users over the REST API.

use std::io::BufRead;

use anyhow::{bail, Context};
use store::{Access, Role, Sector};

use crate::config::Settings;
use crate::open;

/// The `rrm admin` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// TAXII collections.
    #[command(subcommand)]
    Collection(CollectionCommand),
    /// Sets what an organisation may do with a collection.
    Grant {
        /// Organisation slug.
        org: String,
        /// Collection slug or UUID.
        collection: String,
        /// May read the collection (subject to TLP).
        #[arg(long)]
        read: bool,
        /// May add objects to the collection.
        #[arg(long)]
        write: bool,
    },
}

/// `rrm admin org`.
#[derive(clap::Subcommand)]
pub enum OrgCommand {
    /// Adds an organisation and its STIX identity.
    Add {
        /// Short unique name, lower-case letters, digits and dashes.
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// government, platform, isp, civil-society, election-authority or other.
        #[arg(long)]
        sector: Sector,
        /// ISO 3166-1 alpha-2 country code.
        #[arg(long)]
        country: String,
    },
    /// Lists organisations.
    List,
}

/// `rrm admin user`.
#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Adds a user to an organisation.
    Add {
        /// Organisation slug.
        org: String,
        /// Login name.
        user: String,
        /// admin, analyst or reader.
        #[arg(long)]
        role: Role,
        /// Read the password from the first line of standard input (else: token-only user).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `rrm admin token`.
#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Creates an API token for a user and prints it (it is shown only once).
    Create {
        /// Login name.
        user: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

/// `rrm admin collection`.
#[derive(clap::Subcommand)]
pub enum CollectionCommand {
    /// Adds a collection and prints its UUID.
    Add {
        /// Short unique name.
        slug: String,
        /// Human title.
        #[arg(long)]
        title: String,
        /// Description.
        #[arg(long, default_value = "")]
        description: String,
        /// TLP of objects without a TLP marking [default: AMBER].
        #[arg(long)]
        default_tlp: Option<stix::Tlp>,
    },
    /// Lists collections.
    List,
}

/// Runs an `rrm admin` subcommand.
pub fn run(settings: &Settings, cmd: Command) -> anyhow::Result<()> {
    let hub = open::hub(settings, None)?;
    match cmd {
        Command::Org(OrgCommand::Add {
            slug,
            name,
            sector,
            country,
        }) => {
            let org = hub.add_org(None, &slug, &name, sector, &country)?;
            println!("{}", org.identity_id);
        }
        Command::Org(OrgCommand::List) => {
            for org in hub.list_orgs(None)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    org.slug, org.sector, org.country, org.identity_id, org.name
                );
            }
        }
        Command::User(UserCommand::Add {
            org,
            user,
            role,
            password_stdin,
        }) => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            hub.add_user(None, &org, &user, role, password.as_deref())?;
        }
        Command::Token(TokenCommand::Create { user, label }) => {
            println!("{}", hub.create_token(None, &user, &label)?);
        }
        Command::Collection(CollectionCommand::Add {
            slug,
            title,
            description,
            default_tlp,
        }) => {
            let c = hub.add_collection(None, &slug, &title, &description, default_tlp)?;
            println!("{}", c.id);
        }
        Command::Collection(CollectionCommand::List) => {
            for c in hub.list_collections_admin(None)? {
                println!("{}\t{}\t{}\t{}", c.id, c.slug, c.default_tlp, c.title);
            }
        }
        Command::Grant {
            org,
            collection,
            read,
            write,
        } => {
            hub.grant(None, &org, &collection, Access { read, write })?;
        }
    }
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("--password-stdin: standard input held no password");
    }
    Ok(password)
}
