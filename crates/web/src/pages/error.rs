//! The error page: the same for a thing that does not exist and a thing the reader may not
//! see, so that not even its existence leaks.

use maud::{html, Markup};

use crate::layout::{page, Frame, Section};
use crate::t;

/// Renders an error page for an HTTP status with a message for the reader.
pub fn error_page(frame: &Frame, status: u16, message: &str) -> Markup {
    let lang = frame.lang;
    let title = match status {
        400 | 422 => t!(
            lang,
            "The request is not valid",
            "La requête n’est pas valide"
        ),
        401 => t!(lang, "Please sign in", "Veuillez vous connecter"),
        403 => t!(lang, "Not allowed", "Action non autorisée"),
        404 => t!(lang, "Not found", "Introuvable"),
        409 => t!(lang, "Not possible now", "Impossible pour l’instant"),
        413 => t!(lang, "Too large", "Trop volumineux"),
        429 => t!(lang, "Too many requests", "Trop de requêtes"),
        503 => t!(lang, "Busy, try again shortly", "Occupé, réessayez bientôt"),
        _ => t!(lang, "Something went wrong", "Une erreur s’est produite"),
    };
    let body = html! {
        div.narrow {
            h1 { (title) }
            p.error-message { (message) }
            p { a href="/" { (t!(lang, "Back to the dashboard", "Retour au tableau de bord")) } }
        }
    };
    page(frame, title, Section::None, body)
}
