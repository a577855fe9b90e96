//! `rrm notice`: notices to platforms and ISPs on the data directory (no server needed),
//! acting as a user; events they store are relayed by the next `rrm serve`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use notices::{By, NewDecision, NewNotice, Notices};
use response::notice::{AppealAnswer, ItemOutcome, NoticeContent};
use serde::Serialize;

/// The user to act as.
#[derive(clap::Args)]
pub struct Who {
    /// The user to act as.
    #[arg(long = "as", value_name = "USER")]
    pub as_user: String,
}

/// A step on one notice.
#[derive(clap::Args)]
pub struct Step {
    /// The notice id.
    pub id: String,
    #[command(flatten)]
    pub who: Who,
}

/// The `rrm notice` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Writes a draft notice from a JSON file of its content (kind, items, explanation,
    /// ground, territorial_scope, contact, bona_fide, ...); prints its id.
    Create {
        #[command(flatten)]
        who: Who,
        /// The recipient organisation (a platform or ISP).
        #[arg(long)]
        recipient: String,
        /// The content as JSON (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The notice's TLP (default AMBER).
        #[arg(long)]
        tlp: Option<String>,
        /// When the recipient should have decided, RFC 3339 UTC.
        #[arg(long)]
        respond_by: Option<String>,
        /// The response case the notice is an action of.
        #[arg(long = "case", value_name = "ID")]
        case_id: Option<String>,
        /// The case's action.
        #[arg(long = "action", value_name = "ID")]
        action_id: Option<String>,
    },
    /// Writes a corrected version of a sent notice (a new draft); prints its id.
    Version {
        #[command(flatten)]
        step: Step,
        /// The corrected content as JSON (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// Approves a draft (a second person of the sender organisation).
    Approve(Step),
    /// Sends an approved notice; prints its content hash.
    Send(Step),
    /// Lists the organisation's notices, newest first (id, version, status, recipient, kind).
    List {
        #[command(flatten)]
        who: Who,
    },
    /// Prints a notice as JSON (the recipient's first read marks it delivered).
    Show(Step),
    /// Prints the notices sent to the organisation after a cursor as JSON, with `next`.
    Inbox {
        #[command(flatten)]
        who: Who,
        /// The cursor of a previous fetch.
        #[arg(long)]
        after: Option<String>,
        /// At most this many (1 to 1000).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Acknowledges receipt (Art. 16(4)).
    Ack(Step),
    /// Records a decision on one item.
    Decide {
        #[command(flatten)]
        step: Step,
        /// The item's index.
        #[arg(long)]
        item: usize,
        /// actioned or no-action.
        #[arg(long)]
        outcome: String,
        /// The statement of reasons as JSON (DSA Transparency Database schema), for actioned.
        #[arg(long, value_name = "FILE")]
        statement: Option<PathBuf>,
    },
    /// Appeals the decision (the sender).
    Appeal {
        #[command(flatten)]
        step: Step,
        /// Why.
        #[arg(long)]
        reasons: String,
    },
    /// Answers an appeal (the recipient): upheld or reversed.
    Answer {
        #[command(flatten)]
        step: Step,
        /// upheld or reversed.
        #[arg(long)]
        answer: String,
        /// Why.
        #[arg(long)]
        explanation: String,
    },
    /// Prints the organisation's statements of reasons as a Transparency Database batch.
    Export {
        #[command(flatten)]
        who: Who,
        /// The cursor of a previous export (printed on standard error).
        #[arg(long)]
        after: Option<String>,
        /// At most this many (1 to 100).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Marks or unmarks an organisation a competent authority (DSA Art. 9), as the operator.
    Authority {
        /// The organisation.
        org: String,
        /// Unmark it.
        #[arg(long)]
        unset: bool,
    },
    /// Prints the response times of the notices sent in a period, per platform (median and
    /// p90 to acknowledge and to decide, share actioned), of those the user's organisation
    /// sent or received.
    Stats {
        #[command(flatten)]
        who: Who,
        /// The period's start, included: RFC 3339 or YYYY-MM-DD (default 365 days before --to).
        #[arg(long)]
        from: Option<String>,
        /// The period's end, excluded (default now).
        #[arg(long)]
        to: Option<String>,
        /// table, json, csv or stix.
        #[arg(long, default_value = "table")]
        format: String,
        /// The note's TLP (stix and --publish; default AMBER).
        #[arg(long)]
        tlp: Option<String>,
        /// Stores the figures' note in this collection (one the organisation may write).
        #[arg(long, value_name = "COLLECTION")]
        publish: Option<String>,
    },
    /// Writes a draft notice from a published coordination detection: the grouping's
    /// accounts and the grouping as items, its evidence note as the explanation; prints its id.
    FromDetection {
        #[command(flatten)]
        who: Who,
        /// The recipient organisation (a platform).
        #[arg(long)]
        recipient: String,
        /// The collection the detection was published to.
        #[arg(long)]
        collection: String,
        /// The published grouping id.
        #[arg(long)]
        grouping: String,
        /// The evidence note id (found when not given).
        #[arg(long)]
        note: Option<String>,
        /// The notice's other fields as JSON, without items (kind defaults to dsa-art16).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The notice's TLP (default AMBER).
        #[arg(long)]
        tlp: Option<String>,
    },
    /// Writes a draft referral from a hash match against the banks; prints its id.
    FromMatch {
        #[command(flatten)]
        who: Who,
        /// The recipient organisation (a platform).
        #[arg(long)]
        recipient: String,
        /// A content: `URL=PDQHASH` or `URL=@IMAGE_FILE` (repeatable).
        #[arg(long = "content", value_name = "URL=HASH", required = true)]
        content: Vec<String>,
        /// The notice's other fields as JSON, without items (kind defaults to tos-report).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// The PDQ match threshold (default 31).
        #[arg(long)]
        threshold: Option<u32>,
        /// The notice's TLP (default AMBER).
        #[arg(long)]
        tlp: Option<String>,
    },
    /// Re-checks a decided notice on fresh data and prints which items are still active.
    Recheck {
        #[command(flatten)]
        step: Step,
        /// A finished detection job on a later post set (for account items).
        #[arg(long)]
        job: Option<String>,
        /// A later upload of a url item: `ITEM=PDQHASH` or `ITEM=@IMAGE_FILE` (repeatable).
        #[arg(long = "upload", value_name = "ITEM=HASH")]
        uploads: Vec<String>,
        /// The PDQ threshold within which a later upload is the same content (default 31).
        #[arg(long)]
        threshold: Option<u32>,
    },
    /// Prints a notice's past re-checks as JSON.
    Rechecks(Step),
}

/// A notice's fields from a JSON file without items, `kind` defaulting to `kind`.
fn finding_notice(
    recipient: String,
    file: &Path,
    tlp: Option<&str>,
    kind: &str,
) -> anyhow::Result<NewNotice> {
    let mut map: serde_json::Map<String, serde_json::Value> = read_json(file)?;
    map.entry("kind")
        .or_insert_with(|| serde_json::Value::from(kind));
    let content: NoticeContent = serde_json::from_value(serde_json::Value::Object(map))
        .with_context(|| format!("invalid notice fields in {}", file.display()))?;
    let tlp = tlp
        .map(|t| {
            t.parse::<stix::Tlp>()
                .map_err(|e| anyhow::anyhow!("invalid --tlp: {e}"))
        })
        .transpose()?;
    Ok(NewNotice {
        recipient,
        tlp,
        content,
        case_id: None,
        action_id: None,
        respond_by: None,
    })
}

/// `KEY=HASH` or `KEY=@FILE`: the key, the hash or the file's bytes.
fn split_hash(arg: &str, what: &str) -> anyhow::Result<(String, Option<String>, Option<Vec<u8>>)> {
    let (key, v) = arg
        .rsplit_once('=')
        .with_context(|| format!("invalid {what} {arg:?}: expected KEY=HASH or KEY=@FILE"))?;
    match v.strip_prefix('@') {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            Ok((key.to_string(), None, Some(bytes)))
        }
        None => Ok((key.to_string(), Some(v.to_string()), None)),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    serde_json::from_str(&text).with_context(|| format!("invalid JSON in {}", path.display()))
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn open_as(
    settings: &crate::config::Settings,
    who: &Who,
) -> anyhow::Result<(Notices, hub::Principal)> {
    let notices = crate::open::notices(settings)?;
    let p = notices
        .hub()
        .principal_for(&who.as_user)
        .with_context(|| format!("cannot act as {:?}", who.as_user))?;
    Ok((notices, p))
}

fn new_notice(
    recipient: String,
    file: &Path,
    tlp: Option<&str>,
    respond_by: Option<&str>,
    case_id: Option<String>,
    action_id: Option<String>,
) -> anyhow::Result<NewNotice> {
    let content: NoticeContent = read_json(file)?;
    let tlp = tlp
        .map(|t| {
            t.parse::<stix::Tlp>()
                .map_err(|e| anyhow::anyhow!("invalid --tlp: {e}"))
        })
        .transpose()?;
    let respond_by = respond_by
        .map(|v| {
            stix::parse_timestamp(v)
                .map(|m| m.div_euclid(1_000_000))
                .map_err(|e| anyhow::anyhow!("invalid --respond-by: not an RFC 3339 UTC time: {e}"))
        })
        .transpose()?;
    Ok(NewNotice {
        recipient,
        tlp,
        content,
        case_id,
        action_id,
        respond_by,
    })
}

/// Runs `rrm notice`.
pub fn run(settings: &crate::config::Settings, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Create {
            who,
            recipient,
            file,
            tlp,
            respond_by,
            case_id,
            action_id,
        } => {
            let new = new_notice(
                recipient,
                &file,
                tlp.as_deref(),
                respond_by.as_deref(),
                case_id,
                action_id,
            )?;
            let (notices, p) = open_as(settings, &who)?;
            println!("{}", notices.create(&p, &new)?.id);
        }
        Command::Version { step, file } => {
            let new = new_notice(String::new(), &file, None, None, None, None)?;
            let (notices, p) = open_as(settings, &step.who)?;
            println!("{}", notices.new_version(&p, &step.id, &new)?.id);
        }
        Command::Approve(s) => {
            let (notices, p) = open_as(settings, &s.who)?;
            let n = notices.approve(&p, &s.id)?;
            println!("notice {} is {}", n.id, n.status);
        }
        Command::Send(s) => {
            let (notices, p) = open_as(settings, &s.who)?;
            let n = notices.send(&p, &s.id)?;
            println!(
                "notice {} is {} (sha256 {})",
                n.id,
                n.status,
                n.content_hash.unwrap_or_default()
            );
        }
        Command::List { who } => {
            let (notices, p) = open_as(settings, &who)?;
            let mut next: Option<String> = None;
            loop {
                let page = notices.outbox(&p, Some(notices::MAX_PAGE), next.as_deref())?;
                for n in &page.notices {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        n.id, n.version, n.status, n.recipient, n.content.kind
                    );
                }
                match page.next {
                    Some(c) => next = Some(c),
                    None => break,
                }
            }
        }
        Command::Show(s) => {
            let (notices, p) = open_as(settings, &s.who)?;
            print_json(&notices.show(&p, &s.id)?)?;
        }
        Command::Inbox { who, after, limit } => {
            let (notices, p) = open_as(settings, &who)?;
            print_json(&notices.inbox(&p, after.as_deref(), limit)?)?;
        }
        Command::Ack(s) => {
            let (notices, p) = open_as(settings, &s.who)?;
            let n = notices.acknowledge(&p, &s.id)?;
            println!("notice {} is {}", n.id, n.status);
        }
        Command::Decide {
            step,
            item,
            outcome,
            statement,
        } => {
            let outcome: ItemOutcome = outcome
                .parse()
                .map_err(|e| anyhow::anyhow!("invalid --outcome: {e}"))?;
            let statement: Option<sor::Statement> =
                statement.as_deref().map(read_json).transpose()?;
            let (notices, p) = open_as(settings, &step.who)?;
            let n = notices.decide(
                &p,
                &step.id,
                &[NewDecision {
                    item,
                    outcome,
                    statement,
                }],
            )?;
            println!(
                "notice {} is {} ({} of {} items decided)",
                n.id,
                n.status,
                n.decisions.len(),
                n.content.items.len()
            );
        }
        Command::Appeal { step, reasons } => {
            let (notices, p) = open_as(settings, &step.who)?;
            let n = notices.appeal(&p, &step.id, &reasons)?;
            println!("notice {} is {}", n.id, n.status);
        }
        Command::Answer {
            step,
            answer,
            explanation,
        } => {
            let answer: AppealAnswer = answer
                .parse()
                .map_err(|e| anyhow::anyhow!("invalid --answer: {e}"))?;
            let (notices, p) = open_as(settings, &step.who)?;
            let n = notices.answer(&p, &step.id, answer, &explanation)?;
            println!("notice {} is {}", n.id, n.status);
        }
        Command::Export { who, after, limit } => {
            let (notices, p) = open_as(settings, &who)?;
            let out = notices.export_statements(&p, after.as_deref(), limit)?;
            print_json(&out.batch)?;
            eprintln!("next: {}", out.next);
        }
        Command::Authority { org, unset } => {
            let notices = crate::open::notices(settings)?;
            let changed = notices.set_authority(By::Operator, &org, !unset)?;
            let state = if unset { "no longer" } else { "now" };
            let note = if changed { "" } else { " (unchanged)" };
            println!("{org} is {state} a competent authority{note}");
        }
        Command::Stats {
            who,
            from,
            to,
            format,
            tlp,
            publish,
        } => {
            let tlp = match tlp {
                Some(t) => t
                    .parse::<stix::Tlp>()
                    .map_err(|e| anyhow::anyhow!("invalid --tlp: {e}"))?,
                None => stix::Tlp::Amber,
            };
            if !["table", "json", "csv", "stix"].contains(&format.as_str()) {
                anyhow::bail!("invalid --format: expected table, json, csv or stix");
            }
            let (notices, p) = open_as(settings, &who)?;
            let query = notices::StatsQuery { from, to };
            if let Some(collection) = publish {
                let note = notices.publish_stats(&p, &query, tlp, &collection)?;
                println!("{}", note.id);
                return Ok(());
            }
            let report = notices.stats(&p, &query)?;
            match format.as_str() {
                "json" => print_json(&report)?,
                "csv" => print!("{}", report.to_csv()),
                "stix" => print_json(&notices.stats_note(&p, &report, tlp))?,
                _ => {
                    println!("Notice response times, {}", report.period);
                    print!("{}", report.to_table());
                }
            }
        }
        Command::FromDetection {
            who,
            recipient,
            collection,
            grouping,
            note,
            file,
            tlp,
        } => {
            let (notices, p) = open_as(settings, &who)?;
            let notice = finding_notice(recipient, &file, tlp.as_deref(), "dsa-art16")?;
            let req = notices::FromDetection {
                collection,
                grouping,
                note,
                notice,
            };
            println!("{}", notices.draft_from_detection(&p, &req)?.id);
        }
        Command::FromMatch {
            who,
            recipient,
            content,
            file,
            threshold,
            tlp,
        } => {
            let (notices, p) = open_as(settings, &who)?;
            let notice = finding_notice(recipient, &file, tlp.as_deref(), "tos-report")?;
            let mut contents = Vec::new();
            for c in &content {
                let (url, pdq, image) = split_hash(c, "--content")?;
                contents.push(notices::MatchedContent { url, pdq, image });
            }
            let req = notices::FromMatch {
                content: contents,
                threshold,
                notice,
            };
            println!("{}", notices.draft_from_match(&p, &req)?.id);
        }
        Command::Recheck {
            step,
            job,
            uploads,
            threshold,
        } => {
            let (notices, p) = open_as(settings, &step.who)?;
            let mut later = Vec::new();
            for u in &uploads {
                let (item, pdq, image) = split_hash(u, "--upload")?;
                let item = item
                    .parse()
                    .with_context(|| format!("invalid --upload {u:?}: ITEM is an index"))?;
                later.push(notices::LaterUpload { item, pdq, image });
            }
            let req = notices::RecheckRequest {
                job,
                uploads: later,
                threshold,
            };
            print_json(&notices.recheck(&p, &step.id, &req)?)?;
        }
        Command::Rechecks(s) => {
            let (notices, p) = open_as(settings, &s.who)?;
            print_json(&notices.rechecks(&p, &s.id)?)?;
        }
    }
    Ok(())
}
