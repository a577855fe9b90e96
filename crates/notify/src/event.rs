//! Typed events, their stable kind strings and how each is rendered into a webhook body or an
//! e-mail, with nothing of a TLP:RED or TLP:AMBER+STRICT subject but its kind and a link.

use std::fmt;
use std::str::FromStr;

use serde_json::{json, Map, Value};
use stix::Tlp;

/// The kind of an event: a stable string that subscriptions name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A test delivery to one webhook (`ping`); never subscribed to.
    Ping,
    /// An alert was raised to the organisation (`alert.raised`).
    AlertRaised,
    /// A recipient answered an alert the organisation raised (`alert.answered`).
    AlertAnswered,
    /// A response case the organisation takes part in changed (`case.changed`).
    CaseChanged,
    /// An action of the organisation is due (`action.due`).
    ActionDue,
    /// An action of the organisation, or of a case it owns, is past its due time
    /// (`action.overdue`).
    ActionOverdue,
    /// An alert the organisation owes an answer to is due soon (`alert.reminder`).
    AlertReminder,
    /// An alert is past its respond-by time without the organisation's answer, or without a
    /// recipient's answer to the organisation that raised it (`alert.overdue`).
    AlertOverdue,
    /// A detection job of the organisation finished (`detection.finished`).
    DetectionFinished,
    /// A breach report the organisation made or received passed its deadline while not
    /// submitted, submitted late without reasons, or incomplete (`breach.escalated`).
    BreachEscalated,
    /// A notice was sent to the organisation (`notice.received`).
    NoticeReceived,
    /// The recipient decided every item of a notice the organisation sent (`notice.decided`).
    NoticeDecided,
    /// The sender appealed the decision on a notice the organisation received
    /// (`notice.appealed`).
    NoticeAppealed,
    /// A notice the organisation received is not acknowledged and its respond-by time is near
    /// (`notice.reminder`).
    NoticeReminder,
    /// A notice the organisation sent or received was not decided by its respond-by time
    /// (`notice.escalated`).
    NoticeEscalated,
    /// A test notification the operator sends (`rrm notify test`) to every subscription of
    /// an organisation, whatever kinds they name (`test`); never subscribed to.
    Test,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 16] = [
        EventKind::Ping,
        EventKind::AlertRaised,
        EventKind::AlertAnswered,
        EventKind::CaseChanged,
        EventKind::ActionDue,
        EventKind::ActionOverdue,
        EventKind::AlertReminder,
        EventKind::AlertOverdue,
        EventKind::DetectionFinished,
        EventKind::BreachEscalated,
        EventKind::NoticeReceived,
        EventKind::NoticeDecided,
        EventKind::NoticeAppealed,
        EventKind::NoticeReminder,
        EventKind::NoticeEscalated,
        EventKind::Test,
    ];

    /// The stable kind string.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Ping => "ping",
            EventKind::AlertRaised => "alert.raised",
            EventKind::AlertAnswered => "alert.answered",
            EventKind::CaseChanged => "case.changed",
            EventKind::ActionDue => "action.due",
            EventKind::ActionOverdue => "action.overdue",
            EventKind::AlertReminder => "alert.reminder",
            EventKind::AlertOverdue => "alert.overdue",
            EventKind::DetectionFinished => "detection.finished",
            EventKind::BreachEscalated => "breach.escalated",
            EventKind::NoticeReceived => "notice.received",
            EventKind::NoticeDecided => "notice.decided",
            EventKind::NoticeAppealed => "notice.appealed",
            EventKind::NoticeReminder => "notice.reminder",
            EventKind::NoticeEscalated => "notice.escalated",
            EventKind::Test => "test",
        }
    }

    /// The kinds a subscription may name (every kind but `ping` and `test`).
    pub fn subscribable() -> impl Iterator<Item = EventKind> {
        EventKind::ALL
            .into_iter()
            .filter(|k| !matches!(k, EventKind::Ping | EventKind::Test))
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = String;

    fn from_str(s: &str) -> Result<EventKind, String> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown event kind {s:?}"))
    }
}

/// What an event is about: a record's id, its TLP and the text that may be sent when the TLP
/// allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The record's id.
    pub id: String,
    /// The record's TLP: at RED or AMBER+STRICT only the kind and a link are sent.
    pub tlp: Tlp,
    /// Its title.
    pub title: String,
    /// Its summary, if any.
    pub summary: Option<String>,
}

/// An event another domain emits through [`crate::Notifier::emit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A test delivery to one webhook.
    Ping {
        /// The webhook pinged.
        webhook_id: String,
    },
    /// An alert was raised.
    AlertRaised {
        /// The alert.
        alert: Subject,
        /// `information` or `alert`.
        priority: String,
        /// The slug of the organisation that raised it.
        from_org: String,
        /// The respond-by time, microseconds since the epoch.
        respond_by: Option<i64>,
    },
    /// A recipient acknowledged, contributed to or declined an alert.
    AlertAnswered {
        /// The alert.
        alert: Subject,
        /// The slug of the answering organisation.
        org: String,
        /// Its new state (`acknowledged`, `contributed`, `declined`).
        state: String,
    },
    /// A response case changed status.
    CaseChanged {
        /// The case.
        case: Subject,
        /// Its new status.
        status: String,
    },
    /// An action is due.
    ActionDue {
        /// The case the action belongs to.
        case_id: String,
        /// The action.
        action: Subject,
        /// Its due time, microseconds since the epoch.
        due: i64,
    },
    /// An action is past its due time and not finished.
    ActionOverdue {
        /// The case the action belongs to.
        case_id: String,
        /// The action.
        action: Subject,
        /// Its due time, microseconds since the epoch.
        due: i64,
    },
    /// A recipient's answer to an alert is due soon.
    AlertReminder {
        /// The alert.
        alert: Subject,
        /// The slug of the recipient that owes an answer.
        org: String,
        /// The respond-by time, microseconds since the epoch.
        respond_by: i64,
    },
    /// A recipient's answer to an alert is past its respond-by time.
    AlertOverdue {
        /// The alert.
        alert: Subject,
        /// The slug of the recipient that owes an answer.
        org: String,
        /// The respond-by time, microseconds since the epoch.
        respond_by: i64,
    },
    /// A detection job finished (its results are the organisation's own, unmarked: AMBER).
    DetectionFinished {
        /// The job id.
        job_id: String,
        /// `done`, `failed` or `cancelled`.
        status: String,
    },
    /// A breach report was escalated at its deadline.
    BreachEscalated {
        /// The report (TLP:AMBER+STRICT: only the kind and a link leave the instance).
        breach: Subject,
        /// Why (`not-submitted`, `late-without-reasons`, `incomplete`).
        reason: String,
        /// The deadline, microseconds since the epoch.
        deadline: i64,
    },
    /// A notice was sent to the organisation.
    NoticeReceived {
        /// The notice (its TLP decides what a message may carry).
        notice: Subject,
        /// The notice's kind (`dsa-art16`, ...).
        kind: String,
    },
    /// Every item of a notice the organisation sent has a decision.
    NoticeDecided {
        /// The notice.
        notice: Subject,
        /// The outcome (`actioned`, `partially-actioned`, `no-action`).
        outcome: String,
    },
    /// The sender appealed the decision on a notice the organisation received.
    NoticeAppealed {
        /// The notice.
        notice: Subject,
    },
    /// A received notice is not acknowledged and its respond-by time is near.
    NoticeReminder {
        /// The notice.
        notice: Subject,
        /// The respond-by time, microseconds since the epoch.
        respond_by: i64,
    },
    /// A notice was not decided by its respond-by time.
    NoticeEscalated {
        /// The notice.
        notice: Subject,
        /// The respond-by time, microseconds since the epoch.
        respond_by: i64,
    },
    /// A test notification with a made-up subject at a chosen TLP.
    Test {
        /// The made-up subject.
        subject: Subject,
    },
}

impl Event {
    /// The event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Ping { .. } => EventKind::Ping,
            Event::AlertRaised { .. } => EventKind::AlertRaised,
            Event::AlertAnswered { .. } => EventKind::AlertAnswered,
            Event::CaseChanged { .. } => EventKind::CaseChanged,
            Event::ActionDue { .. } => EventKind::ActionDue,
            Event::ActionOverdue { .. } => EventKind::ActionOverdue,
            Event::AlertReminder { .. } => EventKind::AlertReminder,
            Event::AlertOverdue { .. } => EventKind::AlertOverdue,
            Event::DetectionFinished { .. } => EventKind::DetectionFinished,
            Event::BreachEscalated { .. } => EventKind::BreachEscalated,
            Event::NoticeReceived { .. } => EventKind::NoticeReceived,
            Event::NoticeDecided { .. } => EventKind::NoticeDecided,
            Event::NoticeAppealed { .. } => EventKind::NoticeAppealed,
            Event::NoticeReminder { .. } => EventKind::NoticeReminder,
            Event::NoticeEscalated { .. } => EventKind::NoticeEscalated,
            Event::Test { .. } => EventKind::Test,
        }
    }

    /// The TLP of what the event is about.
    pub fn tlp(&self) -> Tlp {
        match self {
            Event::Ping { .. } => Tlp::Clear,
            Event::AlertRaised { alert, .. } | Event::AlertAnswered { alert, .. } => alert.tlp,
            Event::CaseChanged { case, .. } => case.tlp,
            Event::ActionDue { action, .. } | Event::ActionOverdue { action, .. } => action.tlp,
            Event::AlertReminder { alert, .. } | Event::AlertOverdue { alert, .. } => alert.tlp,
            Event::DetectionFinished { .. } => Tlp::Amber,
            Event::BreachEscalated { breach, .. } => breach.tlp,
            Event::NoticeReceived { notice, .. }
            | Event::NoticeDecided { notice, .. }
            | Event::NoticeAppealed { notice }
            | Event::NoticeReminder { notice, .. }
            | Event::NoticeEscalated { notice, .. } => notice.tlp,
            Event::Test { subject } => subject.tlp,
        }
    }

    /// Whether anything but the kind and a link may be sent: never at TLP:RED or
    /// TLP:AMBER+STRICT, which do not leave the instance.
    pub fn may_carry_content(&self) -> bool {
        !matches!(self.tlp(), Tlp::Red | Tlp::AmberStrict)
    }

    /// The path, under the instance's base URL, where a recipient reads the subject.
    pub fn path(&self) -> String {
        match self {
            Event::Ping { webhook_id } => format!("/api/v1/webhooks/{webhook_id}"),
            Event::AlertRaised { alert, .. } | Event::AlertAnswered { alert, .. } => {
                format!("/api/v1/alerts/{}", alert.id)
            }
            Event::CaseChanged { case, .. } => format!("/api/v1/cases/{}", case.id),
            Event::ActionDue {
                case_id, action, ..
            } => format!("/api/v1/cases/{case_id}/actions/{}", action.id),
            Event::ActionOverdue {
                case_id, action, ..
            } => format!("/api/v1/cases/{case_id}/actions/{}", action.id),
            Event::AlertReminder { alert, .. } | Event::AlertOverdue { alert, .. } => {
                format!("/api/v1/alerts/{}", alert.id)
            }
            Event::DetectionFinished { job_id, .. } => format!("/api/v1/detections/{job_id}"),
            Event::BreachEscalated { breach, .. } => format!("/api/v1/breaches/{}", breach.id),
            Event::NoticeReceived { notice, .. }
            | Event::NoticeDecided { notice, .. }
            | Event::NoticeAppealed { notice }
            | Event::NoticeReminder { notice, .. }
            | Event::NoticeEscalated { notice, .. } => format!("/api/v1/notices/{}", notice.id),
            Event::Test { .. } => "/api/v1/deliveries".to_string(),
        }
    }

    /// The subject of the event, if it has one with text.
    fn subject(&self) -> Option<&Subject> {
        match self {
            Event::AlertRaised { alert, .. } | Event::AlertAnswered { alert, .. } => Some(alert),
            Event::CaseChanged { case, .. } => Some(case),
            Event::ActionDue { action, .. } => Some(action),
            Event::ActionOverdue { action, .. } => Some(action),
            Event::AlertReminder { alert, .. } | Event::AlertOverdue { alert, .. } => Some(alert),
            Event::BreachEscalated { breach, .. } => Some(breach),
            Event::Test { subject } => Some(subject),
            Event::NoticeReceived { notice, .. }
            | Event::NoticeDecided { notice, .. }
            | Event::NoticeAppealed { notice }
            | Event::NoticeReminder { notice, .. }
            | Event::NoticeEscalated { notice, .. } => Some(notice),
            Event::Ping { .. } | Event::DetectionFinished { .. } => None,
        }
    }

    /// The event's content: ids, states and, through the subject, its title and summary.
    fn data(&self) -> Value {
        let mut m = Map::new();
        if let Some(s) = self.subject() {
            m.insert("id".into(), json!(s.id));
            m.insert("title".into(), json!(s.title));
            if let Some(summary) = &s.summary {
                m.insert("summary".into(), json!(summary));
            }
        }
        match self {
            Event::Ping { webhook_id } => {
                m.insert("webhook_id".into(), json!(webhook_id));
            }
            Event::AlertRaised {
                priority,
                from_org,
                respond_by,
                ..
            } => {
                m.insert("priority".into(), json!(priority));
                m.insert("from_org".into(), json!(from_org));
                if let Some(t) = respond_by {
                    m.insert("respond_by".into(), json!(stix::format_timestamp(*t)));
                }
            }
            Event::AlertAnswered { org, state, .. } => {
                m.insert("org".into(), json!(org));
                m.insert("state".into(), json!(state));
            }
            Event::CaseChanged { status, .. } => {
                m.insert("status".into(), json!(status));
            }
            Event::ActionDue { case_id, due, .. } => {
                m.insert("case_id".into(), json!(case_id));
                m.insert("due".into(), json!(stix::format_timestamp(*due)));
            }
            Event::ActionOverdue { case_id, due, .. } => {
                m.insert("case_id".into(), json!(case_id));
                m.insert("due".into(), json!(stix::format_timestamp(*due)));
            }
            Event::AlertReminder {
                org, respond_by, ..
            }
            | Event::AlertOverdue {
                org, respond_by, ..
            } => {
                m.insert("org".into(), json!(org));
                m.insert(
                    "respond_by".into(),
                    json!(stix::format_timestamp(*respond_by)),
                );
            }
            Event::DetectionFinished { job_id, status } => {
                m.insert("job_id".into(), json!(job_id));
                m.insert("status".into(), json!(status));
            }
            Event::BreachEscalated {
                reason, deadline, ..
            } => {
                m.insert("reason".into(), json!(reason));
                m.insert("deadline".into(), json!(stix::format_timestamp(*deadline)));
            }
            Event::NoticeReceived { kind, .. } => {
                m.insert("kind".into(), json!(kind));
            }
            Event::NoticeDecided { outcome, .. } => {
                m.insert("outcome".into(), json!(outcome));
            }
            Event::NoticeReminder { respond_by, .. }
            | Event::NoticeEscalated { respond_by, .. } => {
                m.insert(
                    "respond_by".into(),
                    json!(stix::format_timestamp(*respond_by)),
                );
            }
            Event::NoticeAppealed { .. } | Event::Test { .. } => {}
        }
        Value::Object(m)
    }
}

/// An event rendered once for all its deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The webhook body (JSON).
    pub webhook_body: String,
    /// The e-mail subject.
    pub email_subject: String,
    /// The e-mail text.
    pub email_text: String,
}

/// Renders `event` (id `event_id`, at `created` microseconds) with links under `base_url`.
/// At TLP:RED and TLP:AMBER+STRICT the body holds only the event id, kind, time and link.
pub fn render(event: &Event, event_id: &str, created: i64, base_url: &str) -> Rendered {
    let kind = event.kind().as_str();
    let link = format!("{}{}", base_url.trim_end_matches('/'), event.path());
    let when = stix::format_timestamp(created);
    if !event.may_carry_content() {
        let body = json!({
            "event_id": event_id,
            "kind": kind,
            "created": when,
            "link": link,
            "redacted": true,
        });
        return Rendered {
            webhook_body: body.to_string(),
            email_subject: format!("[rrm] {kind}"),
            email_text: format!(
                "rrm event {kind} at {when}.\r\n\r\nIts content is not sent by e-mail under its \
                 marking; read it on the hub:\r\n{link}\r\n\r\nEvent id: {event_id}\r\n"
            ),
        };
    }
    let tlp = event.tlp();
    let body = json!({
        "event_id": event_id,
        "kind": kind,
        "created": when,
        "link": link,
        "tlp": tlp.as_str(),
        "data": event.data(),
    });
    let (subject, text) = match event.subject() {
        Some(s) => {
            let mut text = format!("TLP:{}\r\n\r\n{}\r\n", tlp.as_str(), s.title);
            if let Some(summary) = &s.summary {
                text.push_str(&format!("\r\n{summary}\r\n"));
            }
            (
                format!("[rrm] [TLP:{}] {kind}: {}", tlp.as_str(), s.title),
                text,
            )
        }
        None => (
            format!("[rrm] [TLP:{}] {kind}", tlp.as_str()),
            format!("TLP:{}\r\n", tlp.as_str()),
        ),
    };
    Rendered {
        webhook_body: body.to_string(),
        email_subject: one_line(&subject),
        email_text: format!(
            "{text}\r\nrrm event {kind} at {when}:\r\n{link}\r\n\r\nEvent id: {event_id}\r\n"
        ),
    }
}

/// A header-safe single line: control characters become spaces, at most 200 characters.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(tlp: Tlp) -> Event {
        Event::AlertRaised {
            alert: Subject {
                id: "alert-1".into(),
                tlp,
                title: "Secret operation Nightjar".into(),
                summary: Some("Accounts X and Y amplify Z".into()),
            },
            priority: "alert".into(),
            from_org: "gov-ca".into(),
            respond_by: None,
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(k));
        }
        assert!(EventKind::subscribable().all(|k| k != EventKind::Ping && k != EventKind::Test));
        assert!("alert.unknown".parse::<EventKind>().is_err());
    }

    #[test]
    fn red_and_amber_strict_carry_only_kind_and_link() {
        for tlp in [Tlp::Red, Tlp::AmberStrict] {
            let r = render(&alert(tlp), "ev1", 0, "https://hub.example.org/");
            for text in [&r.webhook_body, &r.email_subject, &r.email_text] {
                assert!(!text.contains("Nightjar"), "{tlp:?}: {text}");
                assert!(!text.contains("amplify"), "{tlp:?}: {text}");
                assert!(!text.contains("gov-ca"), "{tlp:?}: {text}");
            }
            let body: Value = serde_json::from_str(&r.webhook_body).unwrap();
            assert_eq!(body["kind"], "alert.raised");
            assert_eq!(
                body["link"],
                "https://hub.example.org/api/v1/alerts/alert-1"
            );
            assert!(body.get("data").is_none() && body.get("tlp").is_none());
            assert!(r
                .email_text
                .contains("https://hub.example.org/api/v1/alerts/alert-1"));
        }
    }

    #[test]
    fn lower_levels_carry_the_title() {
        for tlp in [Tlp::Clear, Tlp::Green, Tlp::Amber] {
            let r = render(&alert(tlp), "ev1", 0, "https://hub.example.org");
            let body: Value = serde_json::from_str(&r.webhook_body).unwrap();
            assert_eq!(body["data"]["title"], "Secret operation Nightjar");
            assert_eq!(body["tlp"], tlp.as_str());
            assert!(r.email_subject.contains("Nightjar"));
            assert!(r.email_subject.contains(&format!("TLP:{}", tlp.as_str())));
        }
    }

    #[test]
    fn deadline_events_are_redacted_like_the_others() {
        let subject = |tlp| Subject {
            id: "alert-1".into(),
            tlp,
            title: "Secret operation Nightjar".into(),
            summary: None,
        };
        for tlp in [Tlp::Red, Tlp::AmberStrict, Tlp::Amber] {
            let events = [
                Event::AlertReminder {
                    alert: subject(tlp),
                    org: "gov-fr".into(),
                    respond_by: 0,
                },
                Event::AlertOverdue {
                    alert: subject(tlp),
                    org: "gov-fr".into(),
                    respond_by: 0,
                },
                Event::ActionOverdue {
                    case_id: "case-1".into(),
                    action: subject(tlp),
                    due: 0,
                },
                Event::NoticeReceived {
                    notice: subject(tlp),
                    kind: "dsa-art16".into(),
                },
                Event::NoticeDecided {
                    notice: subject(tlp),
                    outcome: "actioned".into(),
                },
                Event::NoticeAppealed {
                    notice: subject(tlp),
                },
                Event::NoticeReminder {
                    notice: subject(tlp),
                    respond_by: 0,
                },
                Event::NoticeEscalated {
                    notice: subject(tlp),
                    respond_by: 0,
                },
            ];
            for e in events {
                let r = render(&e, "ev1", 0, "https://h");
                let body: Value = serde_json::from_str(&r.webhook_body).unwrap();
                assert_eq!(body["kind"], e.kind().as_str());
                let shown = !matches!(tlp, Tlp::Red | Tlp::AmberStrict);
                for text in [&r.webhook_body, &r.email_subject, &r.email_text] {
                    assert_eq!(text.contains("Nightjar"), shown, "{tlp:?}: {text}");
                    if !shown {
                        assert!(!text.contains("gov-fr"), "{tlp:?}: {text}");
                    }
                }
                if shown
                    && !matches!(
                        e.kind(),
                        EventKind::ActionOverdue
                            | EventKind::NoticeReceived
                            | EventKind::NoticeDecided
                            | EventKind::NoticeAppealed
                            | EventKind::NoticeReminder
                            | EventKind::NoticeEscalated
                    )
                {
                    assert_eq!(body["data"]["org"], "gov-fr");
                }
                assert!(EventKind::subscribable().any(|k| k == e.kind()));
            }
        }
    }

    #[test]
    fn subjects_are_one_line() {
        let mut e = alert(Tlp::Green);
        if let Event::AlertRaised { alert, .. } = &mut e {
            alert.title = "a\r\nBcc: x@example.org".into();
        }
        let r = render(&e, "ev1", 0, "https://h");
        assert!(!r.email_subject.contains('\n') && !r.email_subject.contains('\r'));
    }
}
