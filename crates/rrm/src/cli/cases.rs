//! `rrm case`: response cases on the data directory (no server needed), acting as a user.

use std::path::PathBuf;

use anyhow::Context;
use cases::{Cases, NewAction, NewCase, NewProposal, ObjectRef};
use response::action::ActionStep;
use response::case::CaseAction;
use response::vote::{Ballot, DecisionRule};
use serde::Serialize;

mod impacts;

/// The user to act as, and the countermeasure galaxy.
#[derive(clap::Args)]
pub struct Who {
    /// The user to act as.
    #[arg(long = "as", value_name = "USER")]
    pub as_user: String,
    /// The MISP galaxies' directory or the countermeasure galaxy file (for options and
    /// actions that name a countermeasure).
    #[arg(long, env = "RRM_DISARM_GALAXY", value_name = "PATH")]
    pub disarm_galaxy: Option<PathBuf>,
}

/// The `rrm case` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Opens a case owned by the user's organisation (status new); prints its id.
    Create {
        #[command(flatten)]
        who: Who,
        /// A short title.
        #[arg(long)]
        title: String,
        /// A description.
        #[arg(long, default_value = "")]
        description: String,
        /// A participant organisation (slug); may be repeated.
        #[arg(long = "participant", value_name = "ORG")]
        participants: Vec<String>,
        /// A STIX object to gather, as COLLECTION/STIX-ID; may be repeated.
        #[arg(long = "object", value_name = "COLLECTION/ID")]
        objects: Vec<String>,
        /// The alert to open it from: its sender and recipients take part, its objects are
        /// gathered (the alert's sender or a recipient only).
        #[arg(long, value_name = "ID")]
        alert: Option<String>,
    },
    /// Lists the cases the user's organisation owns or takes part in, newest first (id, status,
    /// owner, title).
    List {
        #[command(flatten)]
        who: Who,
    },
    /// Prints a case, its actions and its votes as JSON.
    Show {
        /// The case id.
        id: String,
        #[command(flatten)]
        who: Who,
    },
    /// new to open.
    Open {
        /// The case id.
        id: String,
        #[command(flatten)]
        who: Who,
    },
    /// Closes a case.
    Close {
        /// The case id.
        id: String,
        #[command(flatten)]
        who: Who,
    },
    /// Reopens a closed case.
    Reopen {
        /// The case id.
        id: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Prints the DISARM countermeasures for the case's techniques as JSON.
    Options {
        /// The case id.
        id: String,
        #[command(flatten)]
        who: Who,
    },
    /// Response actions.
    #[command(subcommand)]
    Action(ActionCommand),
    /// Collective responses.
    #[command(subcommand)]
    Vote(VoteCommand),
    /// Impacts of the case.
    #[command(subcommand)]
    Impact(impacts::ImpactCommand),
}

/// `rrm case action`.
#[derive(clap::Subcommand)]
pub enum ActionCommand {
    /// Drafts an action; prints its id.
    Add {
        /// The case id.
        case: String,
        #[command(flatten)]
        who: Who,
        /// A short title.
        #[arg(long)]
        title: String,
        /// A description.
        #[arg(long, default_value = "")]
        description: String,
        /// The DISARM countermeasure adopted, e.g. C00009.
        #[arg(long)]
        counter: Option<String>,
        /// The organisation to carry it out (the owner or a participant).
        #[arg(long)]
        performing_org: String,
        /// The platform or ISP it is aimed at.
        #[arg(long)]
        target_org: Option<String>,
        /// Due time, RFC 3339 UTC (in the future).
        #[arg(long)]
        due: Option<String>,
    },
    /// Puts a draft forward for approval.
    Propose(Step),
    /// Approves a proposed action (a second person of the performing organisation).
    Approve(Step),
    /// Sends a proposed action back to draft.
    Reject(Step),
    /// Records that an approved action was carried out.
    Done(Step),
    /// Records that an approved action failed.
    Failed(Step),
    /// Abandons an unfinished action.
    Withdraw(Step),
}

/// An action step's arguments.
#[derive(clap::Args)]
pub struct Step {
    /// The case id.
    pub case: String,
    /// The action id.
    pub action: String,
    #[command(flatten)]
    pub who: Who,
}

/// `rrm case vote`.
#[derive(clap::Subcommand)]
pub enum VoteCommand {
    /// Puts a joint statement or a set of actions to the case's organisations; prints its id.
    Open {
        /// The case id.
        case: String,
        #[command(flatten)]
        who: Who,
        /// The statement or what is proposed.
        #[arg(long)]
        text: String,
        /// consensus or quorum:N.
        #[arg(long)]
        rule: String,
        /// Deadline for votes, RFC 3339 UTC.
        #[arg(long)]
        deadline: Option<String>,
    },
    /// Casts the user's organisation's vote: endorse, abstain or object.
    Cast {
        /// The case id.
        case: String,
        /// The vote id.
        vote: String,
        /// endorse, abstain or object.
        #[arg(long)]
        ballot: String,
        #[command(flatten)]
        who: Who,
    },
}

fn open_as(
    settings: &crate::config::Settings,
    who: &Who,
) -> anyhow::Result<(Cases, hub::Principal)> {
    let cases = crate::open::cases(settings, who.disarm_galaxy.as_deref())?;
    let p = cases
        .hub()
        .principal_for(&who.as_user)
        .with_context(|| format!("cannot act as {:?}", who.as_user))?;
    Ok((cases, p))
}

fn secs(field: &str, value: Option<&str>) -> anyhow::Result<Option<i64>> {
    value
        .map(|v| {
            stix::parse_timestamp(v)
                .map(|m| m.div_euclid(1_000_000))
                .map_err(|e| anyhow::anyhow!("invalid --{field}: not an RFC 3339 UTC time: {e}"))
        })
        .transpose()
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Runs `rrm case`.
pub fn run(settings: &crate::config::Settings, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Create {
            who,
            title,
            description,
            participants,
            objects,
            alert,
        } => {
            let mut refs = Vec::new();
            for (i, o) in objects.iter().enumerate() {
                let (collection, id) = o.split_once('/').with_context(|| {
                    format!("invalid --object #{}: expected COLLECTION/STIX-ID", i + 1)
                })?;
                refs.push(ObjectRef {
                    collection: collection.to_string(),
                    id: id.to_string(),
                });
            }
            let (cases, p) = open_as(settings, &who)?;
            let c = cases.create_case(
                &p,
                &NewCase {
                    title,
                    description,
                    participants,
                    objects: refs,
                    alert,
                },
            )?;
            println!("{}", c.id);
        }
        Command::List { who } => {
            let (cases, p) = open_as(settings, &who)?;
            let mut query = cases::CaseListQuery {
                role: cases::CaseRole::All,
                limit: Some(cases::MAX_PAGE),
                next: None,
            };
            loop {
                let page = cases.case_page(&p, &query)?;
                for c in &page.cases {
                    println!("{}\t{}\t{}\t{}", c.id, c.status, c.owner, c.title);
                }
                match page.next {
                    Some(next) => query.next = Some(next),
                    None => break,
                }
            }
        }
        Command::Show { id, who } => {
            let (cases, p) = open_as(settings, &who)?;
            let case = cases.case(&p, &id)?;
            let actions = cases.actions(&p, &id)?;
            let votes = cases.proposals(&p, &id)?;
            print_json(&serde_json::json!({"case": case, "actions": actions, "votes": votes}))?;
        }
        Command::Open { id, who } => status(settings, &who, &id, CaseAction::Open, None)?,
        Command::Close { id, who } => status(settings, &who, &id, CaseAction::Close, None)?,
        Command::Reopen { id, reason, who } => {
            status(settings, &who, &id, CaseAction::Reopen, Some(&reason))?
        }
        Command::Options { id, who } => {
            anyhow::ensure!(
                who.disarm_galaxy.is_some(),
                "no DISARM countermeasure galaxy: give --disarm-galaxy PATH (or RRM_DISARM_GALAXY)"
            );
            let (cases, p) = open_as(settings, &who)?;
            print_json(&cases.options(&p, &id)?)?;
        }
        Command::Action(a) => action(settings, a)?,
        Command::Vote(v) => vote(settings, v)?,
        Command::Impact(i) => impacts::run(settings, i)?,
    }
    Ok(())
}

fn status(
    settings: &crate::config::Settings,
    who: &Who,
    id: &str,
    action: CaseAction,
    reason: Option<&str>,
) -> anyhow::Result<()> {
    let (cases, p) = open_as(settings, who)?;
    let c = cases.change_status(&p, id, action, reason)?;
    println!("case {} is {}", c.id, c.status);
    Ok(())
}

fn action(settings: &crate::config::Settings, cmd: ActionCommand) -> anyhow::Result<()> {
    let (step, s) = match cmd {
        ActionCommand::Add {
            case,
            who,
            title,
            description,
            counter,
            performing_org,
            target_org,
            due,
        } => {
            let due = secs("due", due.as_deref())?;
            let (cases, p) = open_as(settings, &who)?;
            let a = cases.draft_action(
                &p,
                &case,
                &NewAction {
                    title,
                    description,
                    counter_id: counter,
                    performing_org,
                    target_org,
                    due,
                },
            )?;
            println!("{}", a.id);
            return Ok(());
        }
        ActionCommand::Propose(s) => (ActionStep::Propose, s),
        ActionCommand::Approve(s) => (ActionStep::Approve, s),
        ActionCommand::Reject(s) => (ActionStep::Reject, s),
        ActionCommand::Done(s) => (ActionStep::Complete, s),
        ActionCommand::Failed(s) => (ActionStep::Fail, s),
        ActionCommand::Withdraw(s) => (ActionStep::Withdraw, s),
    };
    let (cases, p) = open_as(settings, &s.who)?;
    let a = cases.step_action(&p, &s.case, &s.action, step)?;
    println!(
        "action {} is {} (task outcome {})",
        a.id, a.status, a.outcome
    );
    Ok(())
}

fn vote(settings: &crate::config::Settings, cmd: VoteCommand) -> anyhow::Result<()> {
    match cmd {
        VoteCommand::Open {
            case,
            who,
            text,
            rule,
            deadline,
        } => {
            let rule: DecisionRule = rule
                .parse()
                .map_err(|e| anyhow::anyhow!("invalid --rule: {e}"))?;
            let deadline = secs("deadline", deadline.as_deref())?;
            let (cases, p) = open_as(settings, &who)?;
            let v = cases.open_proposal(
                &p,
                &case,
                &NewProposal {
                    text,
                    rule,
                    deadline,
                },
            )?;
            println!("{}", v.id);
        }
        VoteCommand::Cast {
            case,
            vote,
            ballot,
            who,
        } => {
            let ballot: Ballot = ballot
                .parse()
                .map_err(|e| anyhow::anyhow!("invalid --ballot: {e}"))?;
            let (cases, p) = open_as(settings, &who)?;
            let v = cases.vote(&p, &case, &vote, ballot)?;
            println!(
                "vote {} is {} ({} endorse, {} abstain, {} object of {})",
                v.id, v.status, v.endorse, v.abstain, v.object, v.electorate
            );
        }
    }
    Ok(())
}
