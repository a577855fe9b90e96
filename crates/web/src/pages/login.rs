//! The sign-in page.

use maud::{html, Markup};

use crate::components::{csrf_field, error_summary, field, Field, FormErrors, InputKind};
use crate::layout::{page, Frame, Section};
use crate::t;

/// The sign-in form as shown (again, after a failure).
#[derive(Debug, Clone, Default)]
pub struct LoginForm {
    /// The username typed (kept after a failure; never the password).
    pub username: String,
    /// Where to go after signing in (a path of this server).
    pub next: String,
    /// The form's CSRF token (the sign-in cookie's double).
    pub csrf: String,
    /// What went wrong, if anything.
    pub errors: FormErrors,
}

/// Renders the sign-in page.
pub fn login(frame: &Frame, form: &LoginForm) -> Markup {
    let lang = frame.lang;
    let title = t!(lang, "Sign in", "Connexion");
    let body = html! {
        div.narrow {
            h1 { (title) }
            p { (t!(lang,
                "Sign in with your rrm account, the same as for the API.",
                "Connectez-vous avec votre compte rrm, le même que pour l’API.")) }
            (error_summary(lang, &form.errors))
            form.stack method="post" action="/login" {
                (csrf_field(&form.csrf))
                input type="hidden" name="next" value=(form.next);
                (field(&Field {
                    name: "username",
                    label: t!(lang, "Username", "Nom d’utilisateur"),
                    kind: InputKind::Text,
                    value: &form.username,
                    hint: None,
                    required: true,
                    autocomplete: Some("username"),
                }, &form.errors))
                (field(&Field {
                    name: "password",
                    label: t!(lang, "Password", "Mot de passe"),
                    kind: InputKind::Password,
                    value: "",
                    hint: None,
                    required: true,
                    autocomplete: Some("current-password"),
                }, &form.errors))
                button.primary type="submit" { (t!(lang, "Sign in", "Se connecter")) }
            }
            p { a href="/transparency" { (t!(lang,
                "No account? The ad archive and public advisories are open to everyone.",
                "Pas de compte ? L’archive des publicités et les avis publics sont ouverts à tous.")) } }
        }
    };
    page(frame, title, Section::None, body)
}
