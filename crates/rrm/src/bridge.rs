//! Bridges between services that do not know each other: the relay that turns the notices
//! the alert, case, notice and breach services store with their changes (the transactional outbox) into
//! events in the notification outbox.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use notify::{Event, Notifier, Subject};
use store::DomainEventRecord;

/// How long a claim holds a notice: a relay that dies leaves it to the next claim then.
const RELAY_LEASE: Duration = Duration::from_secs(5);
/// Notices claimed at a time.
const RELAY_BATCH: usize = 50;

/// Relays stored notices (alert changes, case status changes) into the notification outbox,
/// addressed to the organisations each notice names. Each notice becomes its deliveries in the
/// same transaction that marks it relayed, with ids derived from the notice, so a notice is
/// relayed at least once and never gives two different events. The services hold it as their
/// notifier: a committed change only wakes it up. Cheap to clone.
#[derive(Clone)]
pub struct Relay {
    inner: Arc<RelayInner>,
}

struct RelayInner {
    notify: Notifier,
    /// Wake-ups seen so far and whether to stop.
    signal: Mutex<(u64, bool)>,
    cond: Condvar,
}

impl Relay {
    /// A relay into `notify`'s outbox.
    pub fn new(notify: Notifier) -> Relay {
        Relay {
            inner: Arc::new(RelayInner {
                notify,
                signal: Mutex::new((0, false)),
                cond: Condvar::new(),
            }),
        }
    }

    /// Wakes the relay loop: a notice was just committed.
    pub fn wake(&self) {
        let mut s = self.inner.signal.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = s.0.wrapping_add(1);
        self.inner.cond.notify_all();
    }

    /// Relays every notice not yet relayed; returns how many were marked relayed.
    pub fn relay_pending(&self) -> anyhow::Result<usize> {
        let mut done = 0;
        loop {
            let batch = self
                .inner
                .notify
                .claim_domain_events(RELAY_BATCH, RELAY_LEASE)?;
            if batch.is_empty() {
                return Ok(done);
            }
            for notice in &batch {
                let event = match event_of(notice) {
                    Ok(event) => event,
                    Err(e) => {
                        tracing::error!(notice = %notice.id, domain = %notice.domain, error = %e, "a stored notice cannot be read; it is marked relayed without deliveries");
                        None
                    }
                };
                if self.inner.notify.relay(notice, event.as_ref())?.is_some() {
                    done += 1;
                }
            }
        }
    }

    /// Starts the relay loop on its own thread: it relays at once (notices committed while
    /// no server ran, by the command line or before a crash), then whenever woken and at
    /// least every `interval`.
    pub fn start(&self, interval: Duration) -> anyhow::Result<RelayLoop> {
        let me = self.clone();
        let thread = std::thread::Builder::new()
            .name("notice-relay".into())
            .spawn(move || me.run(interval))?;
        Ok(RelayLoop {
            relay: self.clone(),
            thread,
        })
    }

    fn run(&self, interval: Duration) {
        let mut seen = 0;
        loop {
            if let Err(e) = self.relay_pending() {
                tracing::error!(error = %e, "the notice relay failed; it tries again");
            }
            let s = self.inner.signal.lock().unwrap_or_else(|e| e.into_inner());
            let (s, _) = self
                .inner
                .cond
                .wait_timeout_while(s, interval, |s| s.0 == seen && !s.1)
                .unwrap_or_else(|e| e.into_inner());
            if s.1 {
                return;
            }
            seen = s.0;
        }
    }
}

/// The running relay loop; [`RelayLoop::shutdown`] stops it.
pub struct RelayLoop {
    relay: Relay,
    thread: JoinHandle<()>,
}

impl RelayLoop {
    /// Stops the loop and waits up to `wait`; `true` if it stopped. Notices not relayed yet
    /// are relayed after the next start.
    pub fn shutdown(self, wait: Duration) -> bool {
        {
            let mut s = self
                .relay
                .inner
                .signal
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            s.1 = true;
            self.relay.inner.cond.notify_all();
        }
        let deadline = std::time::Instant::now() + wait;
        while !self.thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let stopped = self.thread.is_finished();
        if stopped {
            let _ = self.thread.join();
        }
        stopped
    }
}

impl alerts::AlertNotifier for Relay {
    fn notify(&self, _notice: &alerts::AlertChange) {
        self.wake();
    }
}

impl cases::CaseNotifier for Relay {
    fn notify(&self, _notice: &cases::CaseChange) {
        self.wake();
    }
}

impl notices::NoticeNotifier for Relay {
    fn notify(&self, _event: &notices::NoticeEvent) {
        self.wake();
    }
}

/// The event a stored notice announces; `None` for a notice of a domain this rrm does not
/// relay.
fn event_of(notice: &DomainEventRecord) -> anyhow::Result<Option<Event>> {
    match notice.domain.as_str() {
        alerts::EVENT_DOMAIN => {
            let n: alerts::AlertChange = serde_json::from_str(&notice.payload)?;
            Ok(Some(alert_event(&n)?))
        }
        cases::EVENT_DOMAIN => {
            let n: cases::CaseChange = serde_json::from_str(&notice.payload)?;
            Ok(Some(case_event(&n)))
        }
        breaches::EVENT_DOMAIN => {
            let n: breaches::BreachEvent = serde_json::from_str(&notice.payload)?;
            Ok(Some(breach_event(&n)))
        }
        notices::EVENT_DOMAIN => {
            let n: notices::NoticeEvent = serde_json::from_str(&notice.payload)?;
            Ok(Some(notice_event(&n)?))
        }
        other => {
            tracing::warn!(notice = %notice.id, domain = other, "a notice of an unknown domain is not relayed");
            Ok(None)
        }
    }
}

/// An alert change: `alert.raised` to new recipients (raised or forwarded), `alert.answered`
/// to the sender.
fn alert_event(notice: &alerts::AlertChange) -> anyhow::Result<Event> {
    let alert = alert_subject(&notice.alert_id, &notice.tlp, &notice.title)?;
    Ok(match (&notice.kind, &notice.answer) {
        (alerts::ChangeKind::Answered, Some((org, state))) => Event::AlertAnswered {
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
    })
}

/// A case status change (`case.changed`). A case carries no TLP of its own: it is shared
/// with its named organisations only, so the event is TLP:AMBER.
fn case_event(notice: &cases::CaseChange) -> Event {
    Event::CaseChanged {
        case: case_subject(&notice.case_id, &notice.title),
        status: notice.status.clone(),
    }
}

/// A breach report's escalation (`breach.escalated`), to its reporter and recipient. A
/// report is between those two organisations only and may describe personal data, so the
/// event is TLP:AMBER+STRICT: only its kind and a link leave the instance.
fn breach_event(notice: &breaches::BreachEvent) -> Event {
    Event::BreachEscalated {
        breach: Subject {
            id: notice.breach_id.clone(),
            tlp: stix::Tlp::AmberStrict,
            title: notice.title.clone(),
            summary: None,
        },
        reason: notice.reason.clone(),
        deadline: notice.deadline.saturating_mul(1_000_000),
    }
}

/// A notice event: `notice.received` to the recipient, `notice.decided` to the sender,
/// `notice.appealed` to the recipient, under the notice's own TLP (so a TLP:RED or
/// AMBER+STRICT notice's messages carry only the kind and a link).
fn notice_event(n: &notices::NoticeEvent) -> anyhow::Result<notify::Event> {
    let tlp = n
        .tlp
        .parse::<stix::Tlp>()
        .map_err(|e| anyhow::anyhow!("notice TLP {:?}: {e}", n.tlp))?;
    let notice = Subject {
        id: n.notice_id.clone(),
        tlp,
        title: n.title.clone(),
        summary: None,
    };
    Ok(match n.kind {
        notices::EventKind::Received => Event::NoticeReceived {
            notice,
            kind: n.notice_kind.clone(),
        },
        notices::EventKind::Decided => Event::NoticeDecided {
            notice,
            outcome: n.outcome.clone().unwrap_or_default(),
        },
        notices::EventKind::Appealed => Event::NoticeAppealed { notice },
        notices::EventKind::Escalated => Event::NoticeEscalated {
            notice,
            respond_by: n.respond_by.unwrap_or_default().saturating_mul(1_000_000),
        },
    })
}

/// What an event about an alert names: its id, its TLP (which decides what a message may
/// carry) and its title.
pub(crate) fn alert_subject(id: &str, tlp: &str, title: &str) -> anyhow::Result<Subject> {
    let tlp = tlp
        .parse::<stix::Tlp>()
        .map_err(|e| anyhow::anyhow!("alert TLP {tlp:?}: {e}"))?;
    Ok(Subject {
        id: id.to_string(),
        tlp,
        title: title.to_string(),
        summary: None,
    })
}

/// What an event about a case or one of its actions names. A case carries no TLP of its own:
/// it is shared with its named organisations only, so the subject is TLP:AMBER.
pub(crate) fn case_subject(id: &str, title: &str) -> Subject {
    Subject {
        id: id.to_string(),
        tlp: stix::Tlp::Amber,
        title: title.to_string(),
        summary: None,
    }
}
