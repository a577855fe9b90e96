//! The deadline sweep of `rrm serve`: reminders and overdue notices of alerts and actions go
//! to the notification outbox, proposals past their deadline are closed, notices to platforms
//! past their respond-by time are escalated or expired (with a reminder before), and breach
//! reports past their deadline are escalated (their event is stored with the change and relayed).

use std::time::Duration;

use notify::{Event, Notifier};

/// What the sweep works on.
#[derive(Clone)]
pub struct DeadlineSweep {
    /// The alerts service.
    pub alerts: alerts::Alerts,
    /// The cases service.
    pub cases: cases::Cases,
    /// The breaches service.
    pub breaches: breaches::Breaches,
    /// The notices service.
    pub notices: notices::Notices,
    /// The outbox.
    pub notify: Notifier,
    /// Seconds before a deadline that its reminder is sent.
    pub lead: i64,
}

/// The event of an alert's deadline message.
pub fn alert_event(n: &alerts::AlertDeadlineNotice) -> anyhow::Result<Event> {
    let alert = crate::bridge::alert_subject(&n.alert_id, &n.tlp, &n.title)?;
    let org = n.recipient.clone();
    let respond_by = n.respond_by.saturating_mul(1_000_000);
    Ok(match n.kind {
        alerts::Reminder::Reminder => Event::AlertReminder {
            alert,
            org,
            respond_by,
        },
        alerts::Reminder::Overdue => Event::AlertOverdue {
            alert,
            org,
            respond_by,
        },
    })
}

/// The event of an action's deadline message: `action.due` for the reminder,
/// `action.overdue` for the escalation. A case carries no TLP of its own: it is shared with
/// its named organisations only, so the event is TLP:AMBER.
pub fn action_event(n: &cases::ActionDeadlineNotice) -> Event {
    let action = crate::bridge::case_subject(&n.action_id, &n.title);
    let case_id = n.case_id.clone();
    let due = n.due.saturating_mul(1_000_000);
    match n.kind {
        alerts::Reminder::Reminder => Event::ActionDue {
            case_id,
            action,
            due,
        },
        alerts::Reminder::Overdue => Event::ActionOverdue {
            case_id,
            action,
            due,
        },
    }
}

/// The event of a notice's reminder (`notice.reminder`, under the notice's TLP).
pub fn notice_event(n: &notices::NoticeReminder) -> anyhow::Result<Event> {
    let tlp = n
        .tlp
        .parse::<stix::Tlp>()
        .map_err(|e| anyhow::anyhow!("notice TLP {:?}: {e}", n.tlp))?;
    Ok(Event::NoticeReminder {
        notice: notify::Subject {
            id: n.notice_id.clone(),
            tlp,
            title: n.title.clone(),
            summary: None,
        },
        respond_by: n.respond_by.saturating_mul(1_000_000),
    })
}

/// What one sweep did, per service.
pub type Swept = (
    alerts::AlertSweep,
    cases::CaseSweep,
    notices::NoticeSweep,
    breaches::BreachSweep,
);

impl DeadlineSweep {
    /// One sweep at `now` (seconds since the epoch). Each message is put in the outbox
    /// before the service marks it sent, so a crash in between sends it twice rather than
    /// never.
    pub fn run_once(&self, now: i64) -> anyhow::Result<Swept> {
        let a = self
            .alerts
            .sweep_deadlines(now, self.lead, &|n| match alert_event(n) {
                Ok(e) => self.put(&e, &n.notify),
                Err(e) => {
                    tracing::error!(alert = %n.alert_id, error = %e, "an alert reminder was not built");
                    false
                }
            })?;
        let c = self
            .cases
            .sweep_deadlines(now, self.lead, &|n| self.put(&action_event(n), &n.notify))?;
        let n = self
            .notices
            .sweep_deadlines(now, self.lead, &|n| match notice_event(n) {
                Ok(e) => self.put(&e, &n.notify),
                Err(e) => {
                    tracing::error!(notice = %n.notice_id, error = %e, "a notice reminder was not built");
                    false
                }
            })?;
        // Escalations store their event with the change; the relay delivers it.
        let b = self.breaches.sweep_deadlines(now)?;
        Ok((a, c, n, b))
    }

    fn put(&self, event: &Event, orgs: &[i64]) -> bool {
        match self.notify.emit(event, orgs) {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(kind = %event.kind(), error = %e, "a deadline message was not put in the notification outbox; retried at the next sweep");
                false
            }
        }
    }

    /// Sweeps every `every` until `stop` resolves, each sweep on a blocking thread; a sweep
    /// in progress finishes before this returns.
    pub async fn run(self, every: Duration, stop: tokio::sync::watch::Receiver<bool>) {
        let mut stop = stop;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            let sweep = self.clone();
            let now = clock::now_secs();
            match tokio::task::spawn_blocking(move || sweep.run_once(now)).await {
                Ok(Ok((a, c, n, b))) => {
                    for (id, reason) in &b.escalated {
                        tracing::info!(breach = %id, reason = %reason, "breach report escalated at its deadline");
                    }
                    if a.reminders + a.overdue + a.failed + c.reminders + c.overdue + c.failed > 0
                        || !c.closed.is_empty()
                        || n.reminders + n.escalated + n.expired + n.failed > 0
                    {
                        tracing::info!(
                            alert_reminders = a.reminders,
                            alert_overdue = a.overdue,
                            action_reminders = c.reminders,
                            action_overdue = c.overdue,
                            not_sent = a.failed + c.failed,
                            proposals_closed = c.closed.len(),
                            notice_reminders = n.reminders,
                            notices_escalated = n.escalated,
                            notices_expired = n.expired,
                            "deadline sweep"
                        );
                    }
                    for p in &c.closed {
                        tracing::info!(case = %p.case_id, proposal = %p.proposal_id, status = %p.status, "proposal closed at its deadline");
                    }
                }
                Ok(Err(e)) => tracing::error!(error = %e, "deadline sweep failed"),
                Err(e) => tracing::error!(error = %e, "deadline sweep task failed"),
            }
        }
    }
}
