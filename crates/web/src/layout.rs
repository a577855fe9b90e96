//! The page shell: `<head>` with our own stylesheet and script, the skip link, the header with
//! the navigation, the language switch and the signed-in user, the main landmark and the footer.

use maud::{html, Markup, DOCTYPE};

use crate::components::{csrf_field, flash, Flash, Href};
use crate::{assets, t, Lang};

/// The part of the console a page belongs to, highlighted in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Section {
    /// The dashboard.
    Dashboard,
    /// Collections and objects.
    Objects,
    /// Search by value.
    Search,
    /// Coordination detection.
    Coordination,
    /// Hash banks.
    Banks,
    /// Alerts.
    Alerts,
    /// Response cases.
    Cases,
    /// Notices to platforms and their decisions.
    Notices,
    /// Breach reports.
    Breaches,
    /// The audit log.
    Audit,
    /// Administration.
    Admin,
    /// The election authority's pages.
    Election,
    /// The signed-in user's own account.
    Account,
    /// The public transparency site.
    Transparency,
    /// A page outside every section (sign-in, errors).
    None,
}

/// The signed-in user, as the header shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The username.
    pub username: String,
    /// The organisation's display name.
    pub org_name: String,
    /// The role (`reader`, `analyst`, `admin`, `operator`).
    pub role: store::Role,
    /// The organisation's sector.
    pub sector: store::Sector,
    /// The session's CSRF token, carried by every form.
    pub csrf: String,
}

/// Who is reading: the public (no account) or a signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// No account: the public transparency site.
    Public,
    /// A signed-in user.
    Signed(Signed),
}

impl Who {
    /// The CSRF token of a signed-in reader.
    pub fn csrf(&self) -> Option<&str> {
        match self {
            Who::Public => None,
            Who::Signed(s) => Some(&s.csrf),
        }
    }
}

/// Everything the shell needs besides the page's own content.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The reader's language.
    pub lang: Lang,
    /// Who is reading.
    pub who: Who,
    /// The path and query of this page (for the language switch to come back to it).
    pub here: String,
    /// A message after an action.
    pub flash: Option<Flash>,
}

impl Frame {
    /// The CSRF token of a signed-in reader, or an empty string on public pages (whose
    /// forms are GET searches).
    pub fn csrf(&self) -> &str {
        self.who.csrf().unwrap_or("")
    }
}

struct NavItem {
    section: Section,
    href: &'static str,
    en: &'static str,
    fr: &'static str,
}

const NAV: &[NavItem] = &[
    NavItem {
        section: Section::Dashboard,
        href: "/",
        en: "Dashboard",
        fr: "Tableau de bord",
    },
    NavItem {
        section: Section::Objects,
        href: "/objects",
        en: "Objects",
        fr: "Objets",
    },
    NavItem {
        section: Section::Search,
        href: "/search",
        en: "Search",
        fr: "Recherche",
    },
    NavItem {
        section: Section::Coordination,
        href: "/detect",
        en: "Coordination",
        fr: "Coordination",
    },
    NavItem {
        section: Section::Banks,
        href: "/banks",
        en: "Hash banks",
        fr: "Banques d’empreintes",
    },
    NavItem {
        section: Section::Alerts,
        href: "/alerts",
        en: "Alerts",
        fr: "Alertes",
    },
    NavItem {
        section: Section::Cases,
        href: "/cases",
        en: "Cases",
        fr: "Dossiers",
    },
    NavItem {
        section: Section::Notices,
        href: "/notices",
        en: "Notices",
        fr: "Signalements",
    },
    NavItem {
        section: Section::Breaches,
        href: "/breaches",
        en: "Breaches",
        fr: "Violations de données",
    },
    NavItem {
        section: Section::Election,
        href: "/election",
        en: "Election",
        fr: "Élections",
    },
    NavItem {
        section: Section::Audit,
        href: "/audit",
        en: "Audit log",
        fr: "Journal d’audit",
    },
    NavItem {
        section: Section::Admin,
        href: "/admin",
        en: "Administration",
        fr: "Administration",
    },
];

const PUBLIC_NAV: &[NavItem] = &[
    NavItem {
        section: Section::Transparency,
        href: "/transparency",
        en: "Transparency",
        fr: "Transparence",
    },
    NavItem {
        section: Section::Transparency,
        href: "/transparency/ads",
        en: "Ad archive",
        fr: "Archive des publicités",
    },
    NavItem {
        section: Section::Transparency,
        href: "/transparency/advisories",
        en: "Advisories",
        fr: "Avis publics",
    },
];

/// The full page: `title` (already in the reader's language) in `<title>` and as the `<h1>`
/// unless the body brings its own, `section` highlighted, `body` in the main landmark.
pub fn page(frame: &Frame, title: &str, section: Section, body: Markup) -> Markup {
    let lang = frame.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " — rrm" }
                link rel="stylesheet" href=(assets::css_href());
                link rel="icon" href=(assets::icon_href()) type="image/svg+xml";
                script src=(assets::js_href()) defer {}
            }
            body {
                a.skip href="#main" { (t!(lang, "Skip to content", "Aller au contenu")) }
                header.top {
                    a.brand href=(if matches!(frame.who, Who::Public) { "/transparency" } else { "/" }) {
                        span.brand-mark aria-hidden="true" { "◆" } " rrm"
                    }
                    (nav(frame, section))
                    div.top-tools {
                        (lang_switch(frame))
                        @match &frame.who {
                            Who::Signed(s) => {
                                a.user href="/account" {
                                    span.user-name { (s.username) }
                                    span.user-org { (s.org_name) }
                                }
                                form.signout method="post" action="/logout" {
                                    (csrf_field(&s.csrf))
                                    button type="submit" { (t!(lang, "Sign out", "Se déconnecter")) }
                                }
                            }
                            Who::Public => {
                                a.button href="/login" { (t!(lang, "Sign in", "Se connecter")) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    (flash(frame.flash.as_ref()))
                    (body)
                }
                footer.bottom {
                    p {
                        (t!(lang,
                            "rrm — rapid response to foreign threats to democracy. Dates are shown in your time zone; hover for UTC.",
                            "rrm — réponse rapide aux menaces étrangères contre la démocratie. Les dates sont affichées dans votre fuseau horaire ; survolez-les pour l’heure UTC."))
                    }
                    p { a href="/transparency" { (t!(lang, "Public transparency site", "Site public de transparence")) } }
                }
            }
        }
    }
}

fn nav(frame: &Frame, current: Section) -> Markup {
    let lang = frame.lang;
    let items = match frame.who {
        Who::Public => PUBLIC_NAV,
        Who::Signed(_) => NAV,
    };
    html! {
        nav.main-nav aria-label=(t!(lang, "Main", "Principale")) {
            ul {
                @for item in items {
                    @let here = item.section == current && (current != Section::Transparency || frame.here.split('?').next() == Some(item.href));
                    li { a href=(item.href) aria-current=[here.then_some("page")] { (lang.pick(item.en, item.fr)) } }
                }
            }
        }
    }
}

fn lang_switch(frame: &Frame) -> Markup {
    html! {
        ul.lang-switch aria-label=(t!(frame.lang, "Language", "Langue")) {
            @for l in Lang::ALL {
                li {
                    @if l == frame.lang {
                        span aria-current="true" lang=(l.code()) { (l.name()) }
                    } @else {
                        a lang=(l.code()) hreflang=(l.code())
                          href=(Href::new("/lang").param("set", l.code()).param("next", &frame.here)) { (l.name()) }
                    }
                }
            }
        }
    }
}
