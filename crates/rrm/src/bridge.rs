//! Bridges between services that do not know each other: committed alert changes and case
//! status changes become events in the notification outbox.

use notify::{Event, Notifier, Subject};

/// Puts every committed alert change in the notification outbox, addressed to the
/// organisations the change concerns (the new recipients, or the sender of an answered alert).
pub struct AlertsToOutbox {
    /// The hub, to turn organisation slugs into ids.
    pub hub: hub::Hub,
    /// The outbox.
    pub notify: Notifier,
}

impl alerts::AlertNotifier for AlertsToOutbox {
    fn notify(&self, notice: &alerts::AlertNotice) {
        if let Err(e) = self.emit(notice) {
            tracing::error!(alert = %notice.alert_id, error = %e, "an alert change was not put in the notification outbox");
        }
    }
}

impl AlertsToOutbox {
    fn emit(&self, notice: &alerts::AlertNotice) -> anyhow::Result<()> {
        let tlp = notice
            .tlp
            .parse::<stix::Tlp>()
            .map_err(|e| anyhow::anyhow!("alert TLP {:?}: {e}", notice.tlp))?;
        let alert = Subject {
            id: notice.alert_id.clone(),
            tlp,
            title: notice.title.clone(),
            summary: None,
        };
        let event = match (&notice.kind, &notice.answer) {
            (alerts::NoticeKind::Answered, Some((org, state))) => Event::AlertAnswered {
                alert,
                org: org.clone(),
                state: state.clone(),
            },
            _ => Event::AlertRaised {
                alert,
                priority: notice.priority.clone(),
                from_org: notice.sender.clone(),
                respond_by: None,
            },
        };
        let mut orgs = Vec::with_capacity(notice.notify.len());
        for slug in &notice.notify {
            if let Some(org) = self.hub.org_by_slug(slug)? {
                orgs.push(org.id);
            }
        }
        self.notify.emit(&event, &orgs)?;
        Ok(())
    }
}

/// Puts every committed case status change in the notification outbox (`case.changed`),
/// addressed to the case's other organisations. A case carries no TLP of its own: it is
/// shared with its named organisations only, so the event is TLP:AMBER.
pub struct CasesToOutbox {
    /// The outbox.
    pub notify: Notifier,
}

impl cases::CaseNotifier for CasesToOutbox {
    fn notify(&self, notice: &cases::CaseNotice) {
        let event = Event::CaseChanged {
            case: Subject {
                id: notice.case_id.clone(),
                tlp: stix::Tlp::Amber,
                title: notice.title.clone(),
                summary: None,
            },
            status: notice.status.clone(),
        };
        if let Err(e) = self.notify.emit(&event, &notice.orgs) {
            tracing::error!(case = %notice.case_id, error = %e, "a case change was not put in the notification outbox");
        }
    }
}
