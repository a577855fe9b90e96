//! `rrm alert`: alerts between partners on the data directory, as a user (`--as`), and the
//! operator's groups of organisations (`rrm alert group`).

use anyhow::Context;

use alerts::{Action, Alerts, Answer, Forward, NewGroup, ObjectRef, RaiseAlert};

/// The `rrm alert` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Raises an alert as a user; prints its id.
    Raise(RaiseArgs),
    /// Lists the user's organisation's inbox (or, with --sent, the alerts it sent), newest
    /// first: id, created, tlp, priority, sender, state, title.
    List {
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The alerts the organisation sent instead of its inbox.
        #[arg(long)]
        sent: bool,
        /// At most this many (1 to 100).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Prints an alert with its recipients and answers as JSON.
    Show {
        /// The alert id.
        id: String,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Acknowledges an alert for the user's organisation (pending to acknowledged).
    Ack(AnswerArgs),
    /// Contributes (acknowledged to contributed).
    Contribute(AnswerArgs),
    /// Declines (acknowledged to declined).
    Decline(AnswerArgs),
    /// Forwards a TLP:CLEAR or TLP:GREEN alert to further organisations.
    Forward {
        /// The alert id.
        id: String,
        /// The user to act as.
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// A recipient organisation (slug); may be repeated.
        #[arg(long = "to", value_name = "ORG")]
        to: Vec<String>,
        /// A recipient group (name); may be repeated.
        #[arg(long = "group", value_name = "NAME")]
        groups: Vec<String>,
    },
    /// Groups of organisations (the operator's).
    #[command(subcommand)]
    Group(GroupCommand),
}

/// The arguments of `rrm alert raise`.
#[derive(clap::Args)]
pub struct RaiseArgs {
    /// The user to act as (an analyst or admin).
    #[arg(long = "as", value_name = "USER")]
    as_user: String,
    /// Title.
    #[arg(long)]
    title: String,
    /// Summary.
    #[arg(long, default_value = "")]
    summary: String,
    /// information or alert.
    #[arg(long, default_value = "alert")]
    priority: String,
    /// TLP of the alert.
    #[arg(long, default_value = "AMBER")]
    tlp: String,
    /// A stored object it concerns, as COLLECTION/STIX-ID; may be repeated.
    #[arg(long = "object", value_name = "COLLECTION/ID")]
    objects: Vec<String>,
    /// A recipient organisation (slug); may be repeated.
    #[arg(long = "to", value_name = "ORG")]
    to: Vec<String>,
    /// A recipient group (name, expanded now); may be repeated.
    #[arg(long = "group", value_name = "NAME")]
    groups: Vec<String>,
    /// A response asked of the recipients; may be repeated.
    #[arg(long = "response", value_name = "TEXT")]
    responses: Vec<String>,
    /// Respond-by time, RFC 3339 (in the future).
    #[arg(long = "respond-by", value_name = "TIME")]
    respond_by: Option<String>,
}

/// The arguments of an answer.
#[derive(clap::Args)]
pub struct AnswerArgs {
    /// The alert id.
    id: String,
    /// The user to act as (an analyst or admin of a recipient organisation).
    #[arg(long = "as", value_name = "USER")]
    as_user: String,
    /// A comment recorded with the answer.
    #[arg(long, default_value = "")]
    comment: String,
}

/// `rrm alert group` subcommands (the local CLI acts as the operator).
#[derive(clap::Subcommand)]
pub enum GroupCommand {
    /// Creates a group.
    Create {
        /// The group's name, e.g. "G7 RRM".
        name: String,
        /// A member organisation (slug); may be repeated.
        #[arg(long = "member", value_name = "ORG")]
        members: Vec<String>,
    },
    /// Renames a group.
    Rename {
        /// The group (id or name).
        group: String,
        /// The new name.
        name: String,
    },
    /// Adds an organisation to a group.
    Add {
        /// The group (id or name).
        group: String,
        /// The organisation (slug).
        org: String,
    },
    /// Removes an organisation from a group.
    Remove {
        /// The group (id or name).
        group: String,
        /// The organisation (slug).
        org: String,
    },
    /// Lists the groups: id, name, members.
    List,
}

/// Runs an `rrm alert` command.
pub fn run(settings: &crate::config::Settings, cmd: Command) -> anyhow::Result<()> {
    let (hub, svc) = crate::open::alerts(settings)?;
    let who = |user: &str| {
        hub.principal_for(user)
            .with_context(|| format!("cannot act as {user:?}"))
    };
    match cmd {
        Command::Raise(a) => {
            let p = who(&a.as_user)?;
            let objects = a
                .objects
                .iter()
                .map(|o| {
                    let (collection, id) = o
                        .split_once('/')
                        .with_context(|| format!("--object {o:?}: expected COLLECTION/STIX-ID"))?;
                    Ok(ObjectRef {
                        collection: collection.to_string(),
                        id: id.to_string(),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let req = RaiseAlert {
                title: a.title,
                summary: a.summary,
                priority: Some(a.priority),
                tlp: Some(a.tlp),
                objects,
                recipients: a.to,
                groups: a.groups,
                responses: a.responses,
                respond_by: a.respond_by,
            };
            let v = svc.raise(&p, &req)?;
            println!("{}", v.id);
        }
        Command::List {
            as_user,
            sent,
            limit,
        } => {
            let p = who(&as_user)?;
            let page = if sent {
                svc.sent(&p, Some(limit), None)?
            } else {
                svc.inbox(&p, Some(limit), None)?
            };
            for a in page.alerts {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.created,
                    a.tlp,
                    a.priority,
                    a.sender,
                    a.state.as_deref().unwrap_or("-"),
                    a.title
                );
            }
        }
        Command::Show { id, as_user } => {
            let p = who(&as_user)?;
            let v = svc.alert(&p, &id)?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Command::Ack(a) => answer(&svc, &who(&a.as_user)?, &a, Action::Acknowledge)?,
        Command::Contribute(a) => answer(&svc, &who(&a.as_user)?, &a, Action::Contribute)?,
        Command::Decline(a) => answer(&svc, &who(&a.as_user)?, &a, Action::Decline)?,
        Command::Forward {
            id,
            as_user,
            to,
            groups,
        } => {
            let p = who(&as_user)?;
            let v = svc.forward(
                &p,
                &id,
                &Forward {
                    recipients: to,
                    groups,
                },
            )?;
            println!("{} now has {} recipients", v.id, v.recipients.len());
        }
        Command::Group(g) => group(&svc, g)?,
    }
    Ok(())
}

fn answer(svc: &Alerts, p: &hub::Principal, a: &AnswerArgs, action: Action) -> anyhow::Result<()> {
    let v = svc.answer(
        p,
        &a.id,
        action,
        &Answer {
            comment: a.comment.clone(),
        },
    )?;
    let mine = v
        .recipients
        .iter()
        .find(|r| r.org == p.org.slug)
        .map_or("-", |r| r.state.as_str());
    println!("{} {}: {mine}", v.id, p.org.slug);
    Ok(())
}

fn group(svc: &Alerts, cmd: GroupCommand) -> anyhow::Result<()> {
    let op = hub::Actor::Operator;
    let print = |g: alerts::GroupView| println!("{}\t{}\t{}", g.id, g.name, g.members.join(","));
    match cmd {
        GroupCommand::Create { name, members } => {
            print(svc.create_group(op, &NewGroup { name, members })?)
        }
        GroupCommand::Rename { group, name } => print(svc.rename_group(op, &group, &name)?),
        GroupCommand::Add { group, org } => print(svc.set_member(op, &group, &org, true)?),
        GroupCommand::Remove { group, org } => print(svc.set_member(op, &group, &org, false)?),
        GroupCommand::List => {
            for g in svc.list_groups()? {
                print(g);
            }
        }
    }
    Ok(())
}
