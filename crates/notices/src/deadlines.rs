//! The deadline sweep of notices: a reminder to the recipient when a notice it has not
//! acknowledged nears its respond-by time, `escalated` when a sent notice is not decided by
//! then (the sender and the recipient are told), `expired` when it was never sent.

use response::notice::{self as rules, NoticeContext, NoticeStatus, NoticeStep, SWEEP_USER};
use response::{Actor, Membership, Role};
use serde::Serialize;
use store::{NewAudit, NoticeChange};

use crate::{EventKind, NoticeError, Notices};

/// The most notices one sweep reads.
const SWEEP_BATCH: usize = 10_000;
/// The reminder mark of a notice.
const REMINDER: &str = "reminder";

/// A reminder about a notice the recipient has not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeReminder {
    /// The notice.
    pub notice_id: String,
    /// Its TLP (what a message may carry).
    pub tlp: String,
    /// Its title, e.g. `dsa-art16 notice from gov-ca`.
    pub title: String,
    /// Its respond-by time, seconds since the epoch.
    pub respond_by: i64,
    /// The organisations to tell: the recipient.
    pub notify: Vec<i64>,
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NoticeSweep {
    /// Reminders sent.
    pub reminders: usize,
    /// Notices escalated.
    pub escalated: usize,
    /// Notices expired.
    pub expired: usize,
    /// Reminders the sender refused (retried at the next sweep).
    pub failed: usize,
}

/// The sweep acts as no user and no organisation: only the sweep's rules let it.
fn sweep_actor() -> Actor {
    Actor {
        user_id: SWEEP_USER,
        org_id: 0,
        role: Role::Admin,
        sector: store::Sector::Other,
        membership: Membership::Outsider,
    }
}

impl Notices {
    /// Sends reminders due at `now` (`lead` seconds before a respond-by time, for notices not
    /// acknowledged) through `send`, marking each accepted one sent, and escalates or expires
    /// the notices past their respond-by time (each change with its audit record, the
    /// escalation with its `notice.escalated` domain event, in one transaction).
    pub fn sweep_deadlines(
        &self,
        now: i64,
        lead: i64,
        send: &dyn Fn(&NoticeReminder) -> bool,
    ) -> Result<NoticeSweep, NoticeError> {
        let mut out = NoticeSweep::default();
        let actor = sweep_actor();
        for r in self
            .store
            .notices_due(now.saturating_add(lead.max(0)), SWEEP_BATCH)?
        {
            let Some(due) = r.respond_by else { continue };
            let Ok(status) = r.status.parse::<NoticeStatus>() else {
                continue;
            };
            let ctx = NoticeContext {
                author: r.created_by,
            };
            if due > now {
                // Only a reminder may be due.
                if matches!(status, NoticeStatus::Sent | NoticeStatus::Delivered) {
                    let (event, _) = self.event(&r, EventKind::Received, None)?;
                    let reminder = NoticeReminder {
                        notice_id: r.id.clone(),
                        tlp: r.tlp.clone(),
                        title: event.title,
                        respond_by: due,
                        notify: vec![r.recipient_org_id],
                    };
                    // Sent first, marked after: a crash in between repeats it, never loses it.
                    if !self.store.notice_reminded(&r.id, REMINDER)? {
                        if send(&reminder) {
                            if self.store.mark_notice_reminder(&r.id, REMINDER, now)? {
                                out.reminders += 1;
                            }
                        } else {
                            out.failed += 1;
                        }
                    }
                }
                continue;
            }
            let step = if status.is_sent() {
                NoticeStep::Escalate
            } else {
                NoticeStep::Expire
            };
            let Ok(acc) = rules::decide(status, step, &actor, &ctx) else {
                continue;
            };
            let events = if step == NoticeStep::Escalate {
                let (mut e, mut stored) = self.event(&r, EventKind::Escalated, None)?;
                e.orgs = vec![r.sender_org_id, r.recipient_org_id];
                stored.orgs = e.orgs.clone();
                stored.payload = serde_json::to_string(&e)
                    .map_err(|err| hub::HubError::broken(format!("notice event: {err}")))?;
                vec![stored]
            } else {
                Vec::new()
            };
            let applied = self.store.change_notice(
                &NoticeChange {
                    id: r.id.clone(),
                    from: status.as_str().into(),
                    to: acc.to.as_str().into(),
                    now,
                    ..NoticeChange::default()
                },
                &NewAudit::system(
                    &format!("notice.{step}"),
                    &format!("notice/{}", r.id),
                    Some(r.sender_org_id),
                    "the respond-by time passed",
                ),
                &events,
            )?;
            if applied {
                match step {
                    NoticeStep::Escalate => out.escalated += 1,
                    _ => out.expired += 1,
                }
            }
        }
        Ok(out)
    }
}
