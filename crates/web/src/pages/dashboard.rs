//! The dashboard: what was shared with the reader's organisation lately, open alerts, notices,
//! cases and their deadlines, and trends as charts. Everything on it was read as the reader.

use maud::{html, Markup};

use crate::components::{bar_chart, time_at, tlp_tag, Bar, Count};
use crate::layout::{page, Frame, Section};
use crate::t;

/// What was shared lately, counted over the objects the reader may see.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// The start of the period (RFC 3339).
    pub since: String,
    /// How many objects the counts cover (bounded: counting stops to stay fast).
    pub counted: Option<Count>,
    /// Per TLP level.
    pub by_tlp: Vec<Bar>,
    /// Per STIX type.
    pub by_type: Vec<Bar>,
    /// Per day, oldest first.
    pub per_day: Vec<Bar>,
}

/// An alert in the inbox.
#[derive(Debug, Clone)]
pub struct AlertLine {
    /// Its id (the link is `/alerts/<id>`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its TLP level.
    pub tlp: Option<stix::Tlp>,
    /// The sending organisation.
    pub sender: String,
    /// When it was raised (RFC 3339).
    pub created: String,
    /// Its respond-by time (RFC 3339).
    pub respond_by: Option<String>,
    /// Its status for the reader's organisation.
    pub status: String,
}

/// A notice in the inbox or outbox.
#[derive(Debug, Clone)]
pub struct NoticeLine {
    /// Its id (the link is `/notices/<id>`).
    pub id: String,
    /// What it is about.
    pub title: String,
    /// The other party (sender or recipient).
    pub party: String,
    /// Its status.
    pub status: String,
    /// When a decision is due (RFC 3339).
    pub due: Option<String>,
}

/// A response case.
#[derive(Debug, Clone)]
pub struct CaseLine {
    /// Its id (the link is `/cases/<id>`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its status.
    pub status: String,
    /// When it last changed (RFC 3339).
    pub updated: String,
}

/// A deadline coming up (or passed).
#[derive(Debug, Clone)]
pub struct DeadlineLine {
    /// What is due.
    pub what: String,
    /// Where to act on it.
    pub href: String,
    /// When (RFC 3339).
    pub due: String,
    /// Whether it has passed.
    pub overdue: bool,
}

/// The dashboard's content.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    /// What was shared lately, when it could be counted.
    pub shared: Option<Shared>,
    /// Open alerts in the inbox (the first few).
    pub alerts: Vec<AlertLine>,
    /// Whether the inbox has more.
    pub alerts_more: bool,
    /// Notices received (the first few).
    pub notices: Vec<NoticeLine>,
    /// Whether there are more.
    pub notices_more: bool,
    /// Open cases (the first few).
    pub cases: Vec<CaseLine>,
    /// Whether there are more.
    pub cases_more: bool,
    /// Deadlines, soonest first.
    pub deadlines: Vec<DeadlineLine>,
}

/// Renders the dashboard.
pub fn dashboard(frame: &Frame, d: &Dashboard) -> Markup {
    let lang = frame.lang;
    let title = t!(lang, "Dashboard", "Tableau de bord");
    let body = html! {
        h1 { (title) }
        div.grid {
            section.card aria-labelledby="alerts-h" {
                h2 #alerts-h { a href="/alerts" { (t!(lang, "Alerts received", "Alertes reçues")) } }
                @if d.alerts.is_empty() {
                    p.empty { (t!(lang, "No alert in your inbox.", "Aucune alerte dans votre boîte.")) }
                } @else {
                    ul.lines {
                        @for a in &d.alerts {
                            li {
                                (tlp_tag(a.tlp)) " "
                                a href=(format!("/alerts/{}", a.id)) { (a.title) }
                                span.meta { " — " (a.sender) " · " (time_at(&a.created)) " · " (a.status) }
                                @if let Some(by) = &a.respond_by { span.meta { " · " (t!(lang, "respond by", "réponse avant")) " " (time_at(by)) } }
                            }
                        }
                    }
                    @if d.alerts_more { p { a href="/alerts" { (t!(lang, "All alerts", "Toutes les alertes")) } } }
                }
            }
            section.card aria-labelledby="notices-h" {
                h2 #notices-h { a href="/notices" { (t!(lang, "Notices", "Signalements")) } }
                @if d.notices.is_empty() {
                    p.empty { (t!(lang, "No notice.", "Aucun signalement.")) }
                } @else {
                    ul.lines {
                        @for n in &d.notices {
                            li {
                                a href=(format!("/notices/{}", n.id)) { (n.title) }
                                span.meta { " — " (n.party) " · " (n.status) }
                                @if let Some(due) = &n.due { span.meta { " · " (t!(lang, "due", "échéance")) " " (time_at(due)) } }
                            }
                        }
                    }
                    @if d.notices_more { p { a href="/notices" { (t!(lang, "All notices", "Tous les signalements")) } } }
                }
            }
            section.card aria-labelledby="cases-h" {
                h2 #cases-h { a href="/cases" { (t!(lang, "Open cases", "Dossiers ouverts")) } }
                @if d.cases.is_empty() {
                    p.empty { (t!(lang, "No open case.", "Aucun dossier ouvert.")) }
                } @else {
                    ul.lines {
                        @for c in &d.cases {
                            li { a href=(format!("/cases/{}", c.id)) { (c.title) } span.meta { " — " (c.status) " · " (time_at(&c.updated)) } }
                        }
                    }
                    @if d.cases_more { p { a href="/cases" { (t!(lang, "All cases", "Tous les dossiers")) } } }
                }
            }
            section.card aria-labelledby="deadlines-h" {
                h2 #deadlines-h { (t!(lang, "Deadlines", "Échéances")) }
                @if d.deadlines.is_empty() {
                    p.empty { (t!(lang, "Nothing due.", "Rien à échéance.")) }
                } @else {
                    ul.lines {
                        @for x in &d.deadlines {
                            li.overdue[x.overdue] {
                                a href=(x.href) { (x.what) } " — " (time_at(&x.due))
                                @if x.overdue { " " span.tag.tag-bad { (t!(lang, "overdue", "en retard")) } }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(s) = &d.shared {
            section aria-labelledby="shared-h" {
                h2 #shared-h { (t!(lang, "Shared with you since", "Partagé avec vous depuis")) " " (time_at(&s.since)) }
                @if let Some(c) = s.counted {
                    p.meta { (t!(lang, "Objects counted:", "Objets comptés :")) " " (c.text(lang)) }
                }
                div.grid {
                    (bar_chart(lang, t!(lang, "By TLP level", "Par niveau TLP"), &s.by_tlp))
                    (bar_chart(lang, t!(lang, "By type", "Par type"), &s.by_type))
                    (bar_chart(lang, t!(lang, "Per day", "Par jour"), &s.per_day))
                }
            }
        }
    };
    page(frame, title, Section::Dashboard, body)
}
