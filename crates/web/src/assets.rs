//! The console's own static files, compiled into the binary: one stylesheet, one script and
//! the icon. Their links carry a hash of their content, so they can be cached for long.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The stylesheet.
pub const CSS: &str = include_str!("../assets/console.css");
/// The script (progressive enhancement only: every page works without it).
pub const JS: &str = include_str!("../assets/console.js");
/// The icon, an SVG.
pub const ICON: &str = include_str!("../assets/icon.svg");

/// A static file: its bytes, media type and content hash.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// The file's content.
    pub body: &'static str,
    /// Its media type.
    pub content_type: &'static str,
}

/// The asset served at `/assets/<name>`, if any.
pub fn get(name: &str) -> Option<Asset> {
    match name {
        "console.css" => Some(Asset {
            body: CSS,
            content_type: "text/css; charset=utf-8",
        }),
        "console.js" => Some(Asset {
            body: JS,
            content_type: "text/javascript; charset=utf-8",
        }),
        "icon.svg" => Some(Asset {
            body: ICON,
            content_type: "image/svg+xml",
        }),
        _ => None,
    }
}

/// The first 16 hex digits of the SHA-256 of a text (the `ETag` and the link's version).
pub fn version_of(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..8])
}

fn versioned(
    name: &'static str,
    body: &'static str,
    cell: &'static OnceLock<String>,
) -> &'static str {
    cell.get_or_init(|| format!("/assets/{name}?v={}", version_of(body)))
}

/// The stylesheet's link.
pub fn css_href() -> &'static str {
    static CELL: OnceLock<String> = OnceLock::new();
    versioned("console.css", CSS, &CELL)
}

/// The script's link.
pub fn js_href() -> &'static str {
    static CELL: OnceLock<String> = OnceLock::new();
    versioned("console.js", JS, &CELL)
}

/// The icon's link.
pub fn icon_href() -> &'static str {
    static CELL: OnceLock<String> = OnceLock::new();
    versioned("icon.svg", ICON, &CELL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_name_no_external_url() {
        for a in [CSS, JS, ICON] {
            assert!(!a.contains("http://") || a.contains("http://www.w3.org/2000/svg"));
            assert!(!a.contains("https://"));
            assert!(!a.contains("@import"));
        }
        // No eval-like construct that a strict CSP would refuse anyway.
        assert!(!JS.contains("eval("));
        assert!(!JS.contains("new Function"));
        assert!(!JS.contains("innerHTML"));
    }
}
