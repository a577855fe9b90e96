//! `rrm admin`: scriptable management of organisations, users, tokens, collections and grants.
//!
//! Every command acts as the hub operator on the data directory directly. Over the REST API
//! the same operations are open to `operator`-role users; organisation admins manage only
//! their own organisation's accounts (see `hub::Actor`).

use hub::Actor;
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
    /// Prints the account audit log (credential changes), oldest first.
    Audit {
        /// Only records after this position.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many records (1 to 1000).
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
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
        /// admin, analyst, reader or operator.
        #[arg(long)]
        role: Role,
        /// Read the password from the first line of standard input (else: token-only user).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sets (resets) a user's password; old cached credentials stop working at once.
    Passwd {
        /// Login name.
        user: String,
        /// Read the new password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disables a user: its password and tokens stop working at once.
    Disable {
        /// Login name.
        user: String,
    },
    /// Enables a disabled user again.
    Enable {
        /// Login name.
        user: String,
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
    /// Lists a user's tokens (lookup id, state, creation time, label; never a secret).
    List {
        /// Login name.
        user: String,
    },
    /// Revokes a token by its lookup id (the part after `rrm_`), at once.
    Revoke {
        /// The token's lookup id.
        lookup: String,
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
            let org = hub.add_org(Actor::Operator, &slug, &name, sector, &country)?;
            println!("{}", org.identity_id);
        }
        Command::Org(OrgCommand::List) => {
            for org in hub.list_orgs(Actor::Operator)? {
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
            hub.add_user(Actor::Operator, &org, &user, role, password.as_deref())?;
        }
        Command::User(UserCommand::Passwd { user, .. }) => {
            let password = read_password()?;
            hub.set_password(Actor::Operator, &user, None, &password)?;
        }
        Command::User(UserCommand::Disable { user }) => {
            hub.set_disabled(Actor::Operator, &user, true)?;
        }
        Command::User(UserCommand::Enable { user }) => {
            hub.set_disabled(Actor::Operator, &user, false)?;
        }
        Command::Token(TokenCommand::Create { user, label }) => {
            println!("{}", hub.create_token(Actor::Operator, &user, &label)?);
        }
        Command::Token(TokenCommand::List { user }) => {
            for t in hub.list_tokens(Actor::Operator, &user)? {
                let state = if t.revoked { "revoked" } else { "active" };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.lookup,
                    t.username,
                    state,
                    stix::format_secs(t.created),
                    t.label
                );
            }
        }
        Command::Token(TokenCommand::Revoke { lookup }) => {
            hub.revoke_token(Actor::Operator, &lookup)?;
        }
        Command::Audit { after, limit } => {
            for r in hub.audit_log(Actor::Operator, after, limit)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.seq,
                    stix::format_secs(r.at),
                    r.actor,
                    r.actor_org.as_deref().unwrap_or("-"),
                    r.action,
                    r.target,
                    r.target_org.as_deref().unwrap_or("-"),
                    r.detail
                );
            }
        }
        Command::Collection(CollectionCommand::Add {
            slug,
            title,
            description,
            default_tlp,
        }) => {
            let c =
                hub.add_collection(Actor::Operator, &slug, &title, &description, default_tlp)?;
            println!("{}", c.id);
        }
        Command::Collection(CollectionCommand::List) => {
            for c in hub.list_collections_admin(Actor::Operator)? {
                println!("{}\t{}\t{}\t{}", c.id, c.slug, c.default_tlp, c.title);
            }
        }
        Command::Grant {
            org,
            collection,
            read,
            write,
        } => {
            hub.grant(Actor::Operator, &org, &collection, Access { read, write })?;
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
