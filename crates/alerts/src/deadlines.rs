//! The deadline sweep of alerts: reminders before an alert's respond-by time and overdue
//! notices after it, to the recipients that owe an answer, each sent at most once.

use response::deadline::{self, Deadline, Reminder};
use serde::Serialize;

use crate::{store_err, AlertError, Alerts, RecipientState};

/// The most candidates one sweep reads.
const SWEEP_BATCH: usize = 10_000;

/// One deadline message about an alert, for one recipient that owes an answer. It carries
/// no content beyond the title, so the sender decides by `tlp` what a message may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertDeadlineNotice {
    /// A reminder before the respond-by time, or the overdue notice after it.
    #[serde(serialize_with = "reminder_name")]
    pub kind: Reminder,
    /// The alert id.
    pub alert_id: String,
    /// The alert's TLP.
    pub tlp: String,
    /// The alert's title.
    pub title: String,
    /// The sending organisation's slug.
    pub sender: String,
    /// The slug of the recipient that owes an answer.
    pub recipient: String,
    /// The respond-by time, seconds since the epoch.
    pub respond_by: i64,
    /// The organisations to tell, by id: the recipient, and for the overdue notice also the
    /// sender.
    pub notify: Vec<i64>,
}

fn reminder_name<S: serde::Serializer>(r: &Reminder, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(r.as_str())
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AlertSweep {
    /// Reminders sent.
    pub reminders: usize,
    /// Overdue notices sent.
    pub overdue: usize,
    /// Messages the sender refused (retried at the next sweep).
    pub failed: usize,
}

impl Alerts {
    /// Sends the deadline messages due at `now` (reminders `lead` seconds before the
    /// respond-by time) through `send`, which returns whether the message was accepted, and
    /// marks each accepted one sent so it is never sent again.
    ///
    /// The message is sent first and marked after: a crash between the two sends it again
    /// at the next sweep (at least once), never loses it. The mark is a compare-and-set, so
    /// later sweeps, restarts and other nodes on the same database skip it.
    pub fn sweep_deadlines(
        &self,
        now: i64,
        lead: i64,
        send: &dyn Fn(&AlertDeadlineNotice) -> bool,
    ) -> Result<AlertSweep, AlertError> {
        let rows = self
            .store
            .deadline_recipients(now.saturating_add(lead.max(0)), SWEEP_BATCH)
            .map_err(store_err)?;
        let mut out = AlertSweep::default();
        let mut orgs = None;
        for row in rows {
            let Some(due) = row.alert.respond_by else {
                continue;
            };
            let settled = row
                .recipient
                .state
                .parse::<RecipientState>()
                .map_or(true, RecipientState::is_final);
            let item = Deadline {
                due,
                set_at: row.recipient.added.max(row.alert.created),
                settled,
                reminded: row.sent.iter().any(|k| k == Reminder::Reminder.as_str()),
                overdue_sent: row.sent.iter().any(|k| k == Reminder::Overdue.as_str()),
            };
            let Some(kind) = deadline::reminders_due(&item, now, lead) else {
                continue;
            };
            let orgs = match &orgs {
                Some(o) => o,
                None => orgs.insert(self.slugs()?),
            };
            let slug = |id: i64| {
                orgs.get(&id)
                    .map_or_else(|| format!("org-{id}"), |o| o.slug.clone())
            };
            let mut notify = vec![row.recipient.org_id];
            if kind == Reminder::Overdue {
                notify.push(row.alert.sender_org_id);
            }
            let notice = AlertDeadlineNotice {
                kind,
                alert_id: row.alert.id.clone(),
                tlp: row.alert.tlp.as_str().to_string(),
                title: row.alert.title.clone(),
                sender: slug(row.alert.sender_org_id),
                recipient: slug(row.recipient.org_id),
                respond_by: due,
                notify,
            };
            // Send first, then mark: at least once, never lost.
            if !send(&notice) {
                out.failed += 1;
                continue;
            }
            let marked = self
                .store
                .mark_alert_reminder(&row.alert.id, row.recipient.org_id, kind.as_str(), now)
                .map_err(store_err)?;
            if marked {
                match kind {
                    Reminder::Reminder => out.reminders += 1,
                    Reminder::Overdue => out.overdue += 1,
                }
            }
        }
        Ok(out)
    }
}
