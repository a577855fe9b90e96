//! The signed-in user's own account: who they are, their password, their sessions.

use maud::{html, Markup};

use crate::components::{csrf_field, error_summary, field, time_at, Field, FormErrors, InputKind};
use crate::layout::{page, Frame, Section};
use crate::{role_name, sector_name, t};

/// One of the user's sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLine {
    /// When it was opened (RFC 3339).
    pub created: String,
    /// When it was last used (RFC 3339).
    pub last_seen: String,
    /// The browser, as it named itself.
    pub user_agent: String,
    /// The client address.
    pub address: String,
    /// Whether it is the session showing this page.
    pub current: bool,
}

/// The account page.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// The username.
    pub username: String,
    /// The organisation's name.
    pub org_name: String,
    /// The role.
    pub role: Option<store::Role>,
    /// The organisation's sector.
    pub sector: Option<store::Sector>,
    /// The user's open sessions.
    pub sessions: Vec<SessionLine>,
    /// Problems with a submitted password change.
    pub errors: FormErrors,
}

/// Renders the account page.
pub fn account(frame: &Frame, a: &Account) -> Markup {
    let lang = frame.lang;
    let title = t!(lang, "Your account", "Votre compte");
    let body = html! {
        h1 { (title) }
        dl.props {
            dt { (t!(lang, "Username", "Nom d’utilisateur")) } dd { (a.username) }
            dt { (t!(lang, "Organisation", "Organisation")) } dd { (a.org_name) }
            @if let Some(role) = a.role { dt { (t!(lang, "Role", "Rôle")) } dd { (role_name(lang, role)) } }
            @if let Some(sector) = a.sector { dt { (t!(lang, "Sector", "Secteur")) } dd { (sector_name(lang, sector)) } }
        }
        section aria-labelledby="pw-h" {
            h2 #pw-h { (t!(lang, "Change your password", "Changer votre mot de passe")) }
            p { (t!(lang,
                "Changing it signs you out everywhere else.",
                "Le changer vous déconnecte partout ailleurs.")) }
            (error_summary(lang, &a.errors))
            form.stack method="post" action="/account/password" {
                (csrf_field(frame.csrf()))
                (field(&Field { name: "current", label: t!(lang, "Current password", "Mot de passe actuel"),
                    kind: InputKind::Password, value: "", hint: None, required: true,
                    autocomplete: Some("current-password") }, &a.errors))
                (field(&Field { name: "new", label: t!(lang, "New password", "Nouveau mot de passe"),
                    kind: InputKind::Password, value: "",
                    hint: Some(t!(lang, "At least 8 characters.", "Au moins 8 caractères.")),
                    required: true, autocomplete: Some("new-password") }, &a.errors))
                (field(&Field { name: "confirm", label: t!(lang, "New password again", "Nouveau mot de passe, à nouveau"),
                    kind: InputKind::Password, value: "", hint: None, required: true,
                    autocomplete: Some("new-password") }, &a.errors))
                button.primary type="submit" { (t!(lang, "Change password", "Changer le mot de passe")) }
            }
        }
        @if !a.sessions.is_empty() {
            section aria-labelledby="sessions-h" {
                h2 #sessions-h { (t!(lang, "Your sessions", "Vos sessions")) }
                table {
                    thead { tr {
                        th scope="col" { (t!(lang, "Opened", "Ouverte")) }
                        th scope="col" { (t!(lang, "Last used", "Dernière utilisation")) }
                        th scope="col" { (t!(lang, "Browser", "Navigateur")) }
                        th scope="col" { (t!(lang, "Address", "Adresse")) }
                    } }
                    tbody {
                        @for s in &a.sessions {
                            tr {
                                td { (time_at(&s.created)) @if s.current { " " span.tag { (t!(lang, "this one", "celle-ci")) } } }
                                td { (time_at(&s.last_seen)) }
                                td { (s.user_agent) }
                                td { (s.address) }
                            }
                        }
                    }
                }
                form method="post" action="/account/sessions/close-others" {
                    (csrf_field(frame.csrf()))
                    button type="submit" { (t!(lang, "Sign out all other sessions", "Fermer toutes les autres sessions")) }
                }
            }
        }
    };
    page(frame, title, Section::Account, body)
}
