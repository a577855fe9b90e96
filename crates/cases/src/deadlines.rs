//! The deadline sweep of cases: reminders before an action's due time and overdue notices
//! after it, each sent at most once, and proposals closed once their deadline has passed.

use std::collections::BTreeMap;

use crate::CaseError;
use response::action::ActionStatus;
use response::deadline::{self, Deadline, Reminder};
use response::vote::ProposalStatus;
use response::{Actor, Membership, Role};
use serde::Serialize;
use store::CaseRecord;

use crate::{stored, Cases, Loaded};

/// The most candidates one sweep reads of each kind.
const SWEEP_BATCH: usize = 10_000;

/// The audit actor of a proposal the deadline closed.
pub const DEADLINE_ACTOR: &str = "deadline";

/// One deadline message about a response action. Cases carry no TLP of their own (they are
/// shared with their named organisations only), so the sender treats it as TLP:AMBER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionDeadlineNotice {
    /// A reminder before the due time (`action.due`), or the overdue notice after it.
    #[serde(serialize_with = "reminder_name")]
    pub kind: Reminder,
    /// The case.
    pub case_id: String,
    /// The action.
    pub action_id: String,
    /// The action's title.
    pub title: String,
    /// The due time, seconds since the epoch.
    pub due: i64,
    /// The organisations to tell, by id: the performing organisation, and for the overdue
    /// notice also the case owner.
    pub notify: Vec<i64>,
}

fn reminder_name<S: serde::Serializer>(r: &Reminder, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// A proposal the sweep closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosedProposal {
    /// The case.
    pub case_id: String,
    /// The proposal.
    pub proposal_id: String,
    /// Its status now (`adopted` or `failed`).
    pub status: String,
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseSweep {
    /// Reminders sent.
    pub reminders: usize,
    /// Overdue notices sent.
    pub overdue: usize,
    /// Messages the sender refused (retried at the next sweep).
    pub failed: usize,
    /// Proposals closed because their deadline passed.
    pub closed: Vec<ClosedProposal>,
}

impl Cases {
    /// Sends the deadline messages of actions due at `now` (reminders `lead` seconds before
    /// the due time) through `send`, which returns whether the message was accepted, marks
    /// each accepted one sent, and closes the open proposals whose deadline has passed as
    /// their tally decides (the same engine rules as [`Cases::close_proposal`], audited with
    /// the actor `deadline`).
    ///
    /// A message is sent first and marked after: a crash between the two sends it again at
    /// the next sweep (at least once), never loses it. The mark is a compare-and-set, so
    /// later sweeps, restarts and other nodes on the same database skip it.
    pub fn sweep_deadlines(
        &self,
        now: i64,
        lead: i64,
        send: &dyn Fn(&ActionDeadlineNotice) -> bool,
    ) -> Result<CaseSweep, CaseError> {
        let mut out = CaseSweep::default();
        let mut cases: BTreeMap<String, Option<CaseRecord>> = BTreeMap::new();
        for row in self
            .store
            .deadline_actions(now.saturating_add(lead.max(0)), SWEEP_BATCH)?
        {
            let a = row.action;
            let Some(due) = a.due else { continue };
            let status: ActionStatus = stored("action status", &a.status)?;
            let item = Deadline {
                due,
                set_at: a.created,
                settled: status.is_final(),
                reminded: row.sent.iter().any(|k| k == Reminder::Reminder.as_str()),
                overdue_sent: row.sent.iter().any(|k| k == Reminder::Overdue.as_str()),
            };
            let Some(kind) = deadline::reminders_due(&item, now, lead) else {
                continue;
            };
            if !cases.contains_key(&a.case_id) {
                let c = self.store.case(&a.case_id)?;
                cases.insert(a.case_id.clone(), c);
            }
            let Some(Some(case)) = cases.get(&a.case_id) else {
                continue;
            };
            let mut notify = vec![a.performing_org_id];
            if kind == Reminder::Overdue && case.owner_org_id != a.performing_org_id {
                notify.push(case.owner_org_id);
            }
            let notice = ActionDeadlineNotice {
                kind,
                case_id: a.case_id.clone(),
                action_id: a.id.clone(),
                title: a.title.clone(),
                due,
                notify,
            };
            // Send first, then mark: at least once, never lost.
            if !send(&notice) {
                out.failed += 1;
                continue;
            }
            if self.store.mark_action_reminder(&a.id, kind.as_str(), now)? {
                match kind {
                    Reminder::Reminder => out.reminders += 1,
                    Reminder::Overdue => out.overdue += 1,
                }
            }
        }
        for pr in self.store.proposals_past_deadline(now, SWEEP_BATCH)? {
            let Some(record) = self.store.case(&pr.case_id)? else {
                continue;
            };
            let owner = self.hub.org_by_id(record.owner_org_id)?;
            let Some(owner) = owner else { continue };
            let l = Loaded {
                actor_name: DEADLINE_ACTOR.to_string(),
                // The deadline acts for the owner organisation, through the same rules as
                // any closer: it may close only what the tally decides.
                actor: Actor {
                    user_id: 0,
                    org_id: owner.id,
                    role: Role::Admin,
                    sector: owner.sector,
                    membership: Membership::Owner,
                },
                participants: self.store.participants(&record.id)?,
                status: stored("case status", &record.status)?,
                record,
            };
            let status: ProposalStatus = stored("proposal status", &pr.status)?;
            match self.close(&l, &pr, status, now) {
                Ok(true) => {
                    let closed = self
                        .store
                        .proposal(&pr.case_id, &pr.id)?
                        .map(|p| p.status)
                        .unwrap_or_default();
                    out.closed.push(ClosedProposal {
                        case_id: pr.case_id.clone(),
                        proposal_id: pr.id.clone(),
                        status: closed,
                    });
                }
                // Someone closed it first, or the tally is not decided: nothing to do.
                Ok(false)
                | Err(
                    CaseError::Conflict(_) | CaseError::Forbidden(_) | CaseError::Transition { .. },
                ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}
