//! web: the pages of rrm's web console and public transparency site, rendered on the server.
//!
//! Templates are [maud] macros, so every page is checked by the compiler: a missing field, a
//! wrong type or an unclosed element does not build, and every value is HTML-escaped unless it
//! is wrapped in [`components::trusted`] (only for markup this crate built itself). The crate is
//! pure rendering: no HTTP, no SQL, no I/O, no clock. The `server` crate's `console` module reads
//! the data *as the signed-in user* through the service crates, fills a page's view struct and
//! calls the page function.
//!
//! - [`layout`]: the page shell (navigation, language switch, signed-in user, sign-out form);
//! - [`components`]: links that keep a list's filters ([`components::Href`]), pagers, counts,
//!   times, TLP banners, fields with their errors, the CSRF field, bar charts;
//! - [`pages`]: one module per domain, each with its view structs and render functions;
//! - [`assets`]: our own stylesheet, script and icon, compiled in;
//! - [`i18n`]: English and French ([`Lang`]; every string is written in both with [`t!`]).
//!
//! The console's rules, kept by every page: no inline script or style and no `style`
//! attribute (the Content-Security-Policy forbids them), no external URL, every page usable
//! without JavaScript and with the keyboard alone, every form with its CSRF field, every list
//! paged on the server with its filters in the URL.
//!
//! ```
//! use web::components::{Href, Pager};
//! use web::layout::{Frame, Who};
//! use web::Lang;
//!
//! let frame = Frame { lang: Lang::Fr, who: Who::Public, here: "/".into(), flash: None };
//! let html = web::pages::error::error_page(&frame, 404, "<no such object>").into_string();
//! assert!(html.starts_with("<!DOCTYPE html><html lang=\"fr\">"));
//! assert!(html.contains("&lt;no such object&gt;"));
//!
//! let next = Href::new("/objects").param("type", "indicator").param("page", "Zm9v");
//! assert_eq!(next.to_url(), "/objects?type=indicator&page=Zm9v");
//! # let _ = Pager::single(0);
//! ```

pub mod assets;
pub mod components;
pub mod i18n;
pub mod layout;
pub mod pages;

pub use i18n::Lang;
pub use maud::{html, Markup, PreEscaped};

/// A role's name in the reader's language.
pub fn role_name(lang: Lang, role: store::Role) -> &'static str {
    match role {
        store::Role::Reader => t!(lang, "reader", "lecteur"),
        store::Role::Analyst => t!(lang, "analyst", "analyste"),
        store::Role::Admin => t!(lang, "administrator", "administrateur"),
        store::Role::Operator => t!(lang, "hub operator", "opérateur du hub"),
    }
}

/// A sector's name in the reader's language.
pub fn sector_name(lang: Lang, sector: store::Sector) -> &'static str {
    match sector {
        store::Sector::Government => t!(lang, "government", "gouvernement"),
        store::Sector::Platform => t!(lang, "platform", "plateforme"),
        store::Sector::Isp => t!(
            lang,
            "Internet service provider",
            "fournisseur d’accès à Internet"
        ),
        store::Sector::CivilSociety => t!(lang, "civil society", "société civile"),
        store::Sector::ElectionAuthority => t!(lang, "election authority", "autorité électorale"),
        store::Sector::Other => t!(lang, "other", "autre"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::{Bar, Count, FormErrors};
    use crate::layout::{Frame, Signed, Who};
    use crate::pages::{account, dashboard, error, login};

    const HOSTILE: &str = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";

    fn signed(lang: Lang) -> Frame {
        Frame {
            lang,
            who: Who::Signed(Signed {
                username: HOSTILE.into(),
                org_name: HOSTILE.into(),
                role: store::Role::Analyst,
                sector: store::Sector::Government,
                csrf: HOSTILE.into(),
            }),
            here: format!("/x?q={HOSTILE}"),
            flash: Some(components::Flash::Done(HOSTILE.into())),
        }
    }

    fn assert_clean(html: &str) {
        assert!(!html.contains("<script>"), "unescaped script in {html}");
        assert!(!html.contains("<img"), "unescaped img in {html}");
        assert!(!html.contains("style="), "a style attribute in {html}");
        assert!(!html.contains("https://"), "an external URL in {html}");
        // The only script is our own file, loaded from this server.
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(html.contains(&format!(
            "<script src=\"{}\" defer></script>",
            assets::js_href()
        )));
    }

    #[test]
    fn every_foundation_page_escapes_hostile_strings_in_every_field() {
        for lang in Lang::ALL {
            let frame = signed(lang);
            let l = login::login(
                &frame,
                &login::LoginForm {
                    username: HOSTILE.into(),
                    next: HOSTILE.into(),
                    csrf: HOSTILE.into(),
                    errors: FormErrors::one(HOSTILE, HOSTILE),
                },
            );
            assert_clean(&l.into_string());
            let a = account::account(
                &frame,
                &account::Account {
                    username: HOSTILE.into(),
                    org_name: HOSTILE.into(),
                    role: Some(store::Role::Admin),
                    sector: Some(store::Sector::Platform),
                    sessions: vec![account::SessionLine {
                        created: HOSTILE.into(),
                        last_seen: HOSTILE.into(),
                        user_agent: HOSTILE.into(),
                        address: HOSTILE.into(),
                        current: true,
                    }],
                    errors: FormErrors::one("new", HOSTILE),
                },
            );
            assert_clean(&a.into_string());
            let bar = Bar {
                label: HOSTILE.into(),
                value: 7,
                class: None,
            };
            let d = dashboard::dashboard(
                &frame,
                &dashboard::Dashboard {
                    shared: Some(dashboard::Shared {
                        since: HOSTILE.into(),
                        counted: Some(Count::AtLeast(1000)),
                        by_tlp: vec![bar.clone()],
                        by_type: vec![bar.clone()],
                        per_day: vec![bar],
                    }),
                    alerts: vec![dashboard::AlertLine {
                        id: HOSTILE.into(),
                        title: HOSTILE.into(),
                        tlp: Some(stix::Tlp::Red),
                        sender: HOSTILE.into(),
                        created: HOSTILE.into(),
                        respond_by: Some(HOSTILE.into()),
                        status: HOSTILE.into(),
                    }],
                    alerts_more: true,
                    notices: vec![dashboard::NoticeLine {
                        id: HOSTILE.into(),
                        title: HOSTILE.into(),
                        party: HOSTILE.into(),
                        status: HOSTILE.into(),
                        due: Some(HOSTILE.into()),
                    }],
                    notices_more: true,
                    cases: vec![dashboard::CaseLine {
                        id: HOSTILE.into(),
                        title: HOSTILE.into(),
                        status: HOSTILE.into(),
                        updated: HOSTILE.into(),
                    }],
                    cases_more: true,
                    deadlines: vec![dashboard::DeadlineLine {
                        what: HOSTILE.into(),
                        href: HOSTILE.into(),
                        due: HOSTILE.into(),
                        overdue: true,
                    }],
                },
            );
            assert_clean(&d.into_string());
            assert_clean(&error::error_page(&frame, 404, HOSTILE).into_string());
        }
    }

    #[test]
    fn pages_are_in_the_reader_language() {
        let fr = error::error_page(&signed(Lang::Fr), 404, "x").into_string();
        assert!(fr.contains("<html lang=\"fr\">"));
        assert!(fr.contains("Introuvable"));
        let en = error::error_page(&signed(Lang::En), 404, "x").into_string();
        assert!(en.contains("Not found"));
    }
}
