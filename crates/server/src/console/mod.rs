//! console: the web console and the public transparency site, HTML rendered by the `web`
//! crate over the same service calls as the API, read as the signed-in user.
//!
//! How a page is built (every domain module follows it; `dashboard.rs` is the example):
//!
//! - a handler takes [`Viewer`] (a signed-in user: the rejection redirects to `/login`) or
//!   [`Visitor`] (anyone, for the public site), reads its data with the service crates inside
//!   [`crate::error::blocking`] *as `viewer.principal()`*, fills the page's view struct from
//!   `web::pages::<domain>` and answers `viewer.page(markup)`;
//! - a failure answers `viewer.fail(e)` for anything that converts into [`Failure`] (an
//!   `ApiError`, so every service error the API maps maps here the same way, with the same
//!   status and message: a hidden object is "not found" exactly like a missing one);
//! - a form posts to a handler that takes [`SignedForm<T>`] (the CSRF token is checked before
//!   the handler runs; `T` is the form's fields, deserialized) and answers
//!   [`see_other`] with a [`web::components::Flash`] (post, redirect, get), or the form again
//!   with its [`web::components::FormErrors`] next to the fields;
//! - lists take their filters and the cursor from the query string (`Query<T>`), and link
//!   the next page with [`web::components::Href`] keeping every filter.
//!
//! Every response of these routes carries the console's security headers
//! ([`security_headers`]): the strict Content-Security-Policy, no framing, no sniffing, no
//! caching of signed-in pages.

pub(crate) mod dashboard;
pub(crate) mod session;

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use web::components::Flash;
use web::layout::{Frame, Signed, Who};
use web::{Lang, Markup};

use crate::error::{blocking, ApiError};
use crate::{AppState, Scheme};

/// The console's Content-Security-Policy: nothing but our own files, no inline script or
/// style, no framing, forms only to this server.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The console's routes (the public transparency site's among them).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/account", get(session::account))
        .route("/account/password", post(session::change_password))
        .route(
            "/account/sessions/close-others",
            post(session::close_others),
        )
        .route("/lang", get(session::set_lang))
        .route("/assets/{name}", get(asset))
        .layer(from_fn(security_headers))
}

/// Adds the console's security headers to every response of its routes.
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let is_asset = req.uri().path().starts_with("/assets/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// `GET /assets/{name}`: our stylesheet, script and icon, cached for a year (their links
/// carry their content hash), answered 304 to a matching `If-None-Match`.
async fn asset(
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(a) = web::assets::get(&name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = format!("\"{}\"", web::assets::version_of(a.body));
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return (StatusCode::NOT_MODIFIED, [(header::CACHE_CONTROL, cache)]).into_response();
    }
    let mut resp = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(a.content_type),
            ),
            (header::CACHE_CONTROL, cache),
        ],
        a.body,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// The cookie holding the reader's language.
pub(crate) const LANG_COOKIE: &str = "rrm_lang";
/// The cookie holding a message for the next page after a redirect.
pub(crate) const FLASH_COOKIE: &str = "rrm_flash";

/// The session cookie's name: with the `__Host-` prefix under TLS (the browser then
/// insists on `Secure`, `Path=/` and no `Domain`).
pub(crate) fn session_cookie_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Https => "__Host-rrm_session",
        Scheme::Http => "rrm_session",
    }
}

/// The scheme the request came in with (HTTP when the server did not say).
pub(crate) fn scheme_of(parts: &Parts) -> Scheme {
    parts
        .extensions
        .get::<Scheme>()
        .copied()
        .unwrap_or(Scheme::Http)
}

/// The value of cookie `name` in a request's headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure` under TLS.
pub(crate) fn set_cookie(scheme: Scheme, name: &str, value: &str, max_age: Option<u64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if scheme == Scheme::Https {
        c.push_str("; Secure");
    }
    c
}

/// The reader's language: the `rrm_lang` cookie, else `Accept-Language`.
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(Lang::from_code) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// The path and query of a request, as the language switch comes back to it.
fn here_of(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".to_string())
}

/// A local path to go to after signing in or switching language: `/` unless `next` is a
/// path of this server (starts with one `/`, no scheme, no backslash, no control character).
pub(crate) fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 2048;
    if ok {
        next
    } else {
        "/"
    }
}

/// The flash message a redirect left for this page, if any.
fn flash_of(headers: &HeaderMap) -> Option<Flash> {
    let raw = cookie(headers, FLASH_COOKIE)?;
    let decoded: String = form_urlencoded::parse(format!("m={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let (kind, text) = decoded.split_once(':')?;
    let text: String = text.chars().take(500).collect();
    match kind {
        "d" => Some(Flash::Done(text)),
        "p" => Some(Flash::Problem(text)),
        _ => None,
    }
}

/// A redirect (303 See Other) to a local path, with a message for the page it leads to.
pub(crate) fn see_other(scheme: Scheme, to: &str, flash: Option<Flash>) -> Response {
    let mut resp = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, safe_next(to).to_string())],
    )
        .into_response();
    if let Some(f) = flash {
        let (kind, text) = match &f {
            Flash::Done(t) => ("d", t),
            Flash::Problem(t) => ("p", t),
        };
        let text: String = text.chars().take(500).collect();
        let value: String =
            form_urlencoded::byte_serialize(format!("{kind}:{text}").as_bytes()).collect();
        if let Ok(v) = HeaderValue::from_str(&set_cookie(scheme, FLASH_COOKIE, &value, Some(60))) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// Why a page could not be shown: the status and the message the reader sees (the same
/// status and message the API answers for the same error; internals never leak).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub status: StatusCode,
    pub message: String,
}

impl Failure {
    /// A failure with a status and a message for the reader.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// "Not found", the same for what does not exist and what the reader may not see.
    pub(crate) fn not_found(lang: Lang) -> Failure {
        Failure::new(
            StatusCode::NOT_FOUND,
            web::t!(
                lang,
                "There is nothing here, or nothing you may see.",
                "Il n’y a rien ici, ou rien que vous puissiez voir."
            ),
        )
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        let message = match &e.field {
            Some(f) => format!("{f}: {}", e.message),
            None => e.message.clone(),
        };
        Failure {
            status: e.status(),
            message,
        }
    }
}

impl From<hub::HubError> for Failure {
    fn from(e: hub::HubError) -> Failure {
        ApiError::from(e).into()
    }
}

/// Renders an HTML page (200) with a frame's flash cleared.
fn html_response(status: StatusCode, markup: Markup, clear_flash: Option<Scheme>) -> Response {
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        markup.into_string(),
    )
        .into_response();
    if let Some(scheme) = clear_flash {
        if let Ok(v) = HeaderValue::from_str(&set_cookie(scheme, FLASH_COOKIE, "", Some(0))) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A signed-in reader of the console: the principal of a live session, the page frame
/// (language, flash, the CSRF token) and the session's secret for signing out. Its rejection
/// redirects to `/login?next=<this page>`.
pub(crate) struct Viewer {
    session: hub::ConsoleSession,
    frame: Frame,
    scheme: Scheme,
    had_flash: bool,
    token: String,
    client: hub::SessionClient,
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer")
            .field("user", &self.session.principal.user.username)
            .finish_non_exhaustive()
    }
}

impl Viewer {
    /// The signed-in user, as every service call takes it.
    pub(crate) fn principal(&self) -> Arc<hub::Principal> {
        Arc::new(self.session.principal.clone())
    }

    /// The reader's language.
    pub(crate) fn lang(&self) -> Lang {
        self.frame.lang
    }

    /// The frame every page is rendered in.
    pub(crate) fn frame(&self) -> &Frame {
        &self.frame
    }

    /// The scheme the page was asked with (for cookies and redirects).
    pub(crate) fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The session's CSRF token.
    #[allow(dead_code)] // For pages that build forms outside the frame.
    pub(crate) fn csrf(&self) -> &str {
        self.frame.csrf()
    }

    /// The session itself.
    pub(crate) fn session(&self) -> &hub::ConsoleSession {
        &self.session
    }

    /// The session's secret (only to sign it out).
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Where the request came from (browser and address), for a new session.
    pub(crate) fn client(&self) -> hub::SessionClient {
        self.client.clone()
    }

    /// Answers a rendered page (200).
    pub(crate) fn page(&self, markup: Markup) -> Response {
        html_response(
            StatusCode::OK,
            markup,
            self.had_flash.then_some(self.scheme),
        )
    }

    /// Answers a rendered page with another status (a form shown again with its errors: 400).
    pub(crate) fn page_with(&self, status: StatusCode, markup: Markup) -> Response {
        html_response(status, markup, self.had_flash.then_some(self.scheme))
    }

    /// Answers the error page for a failure.
    pub(crate) fn fail(&self, e: impl Into<Failure>) -> Response {
        let f = e.into();
        let markup = web::pages::error::error_page(&self.frame, f.status.as_u16(), &f.message);
        html_response(f.status, markup, None)
    }

    /// Checks a form's CSRF token (constant time); the error is the 403 page.
    #[allow(clippy::result_large_err)] // The error is the answer, as axum's rejections are.
    pub(crate) fn check_csrf(&self, token: &str) -> Result<(), Response> {
        if self.session.check_csrf(token) {
            Ok(())
        } else {
            Err(self.fail(Failure::new(
                StatusCode::FORBIDDEN,
                web::t!(
                    self.lang(),
                    "This form has expired or did not come from this site. Go back, reload the page and try again.",
                    "Ce formulaire a expiré ou ne vient pas de ce site. Revenez en arrière, rechargez la page et réessayez."
                ),
            )))
        }
    }

    /// A redirect to a local path with a message.
    pub(crate) fn see_other(&self, to: &str, flash: Option<Flash>) -> Response {
        see_other(self.scheme, to, flash)
    }
}

/// The session secret carried by a request's cookie.
pub(crate) fn session_token(parts: &Parts) -> Option<String> {
    let scheme = scheme_of(parts);
    cookie(&parts.headers, session_cookie_name(scheme))
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .map(str::to_string)
}

/// Looks the request's session up (no session, an unknown, expired or disabled one: `None`).
async fn find_session(state: &AppState, parts: &Parts) -> Option<(hub::ConsoleSession, String)> {
    let token = session_token(parts)?;
    let hub = state.hub.clone();
    let limits = state.config.sessions;
    let t = token.clone();
    let now = clock::now_micros();
    match blocking(move || hub.session(&t, now, &limits)).await {
        Ok(s) => Some((s, token)),
        Err(hub::HubError::Unauthenticated) => None,
        Err(e) => {
            tracing::error!(error = %e, "console session lookup failed");
            None
        }
    }
}

/// The browser and address of a request, as a session records them.
pub(crate) fn client_of(parts: &Parts) -> hub::SessionClient {
    hub::SessionClient {
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
        address: crate::auth::parts_client_ip(parts)
            .map(|a| a.to_string())
            .unwrap_or_default(),
    }
}

/// Whether the request carries a live session (the sign-in page sends such a reader on).
pub(crate) async fn find_session_public(state: &AppState, parts: &Parts) -> bool {
    find_session(state, parts).await.is_some()
}

fn signed_of(session: &hub::ConsoleSession) -> Signed {
    let p = &session.principal;
    Signed {
        username: p.user.username.clone(),
        org_name: p.org.name.clone(),
        role: p.user.role,
        sector: p.org.sector,
        csrf: session.csrf_token(),
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let scheme = scheme_of(parts);
        let Some((session, token)) = find_session(state, parts).await else {
            let here = here_of(parts);
            let to = web::components::Href::new("/login")
                .param("next", if here == "/" { "" } else { &here })
                .to_url();
            return Err(see_other(scheme, &to, None));
        };
        let flash = flash_of(&parts.headers);
        let frame = Frame {
            lang: lang_of(&parts.headers),
            who: Who::Signed(signed_of(&session)),
            here: here_of(parts),
            flash: flash.clone(),
        };
        Ok(Viewer {
            session,
            frame,
            scheme,
            had_flash: flash.is_some(),
            token,
            client: client_of(parts),
        })
    }
}

/// Anyone reading the public transparency site: the frame shows who they are when signed
/// in, but the data of a public page is never read as them (it is public for everyone).
#[allow(dead_code)] // The public site's pages use it.
pub(crate) struct Visitor {
    frame: Frame,
    scheme: Scheme,
    had_flash: bool,
}

#[allow(dead_code)] // The public site's pages use it.
impl Visitor {
    /// The reader's language.
    pub(crate) fn lang(&self) -> Lang {
        self.frame.lang
    }

    /// The frame a public page is rendered in.
    pub(crate) fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Answers a rendered page (200).
    pub(crate) fn page(&self, markup: Markup) -> Response {
        html_response(
            StatusCode::OK,
            markup,
            self.had_flash.then_some(self.scheme),
        )
    }

    /// Answers the error page for a failure.
    pub(crate) fn fail(&self, e: impl Into<Failure>) -> Response {
        let f = e.into();
        let markup = web::pages::error::error_page(&self.frame, f.status.as_u16(), &f.message);
        html_response(f.status, markup, None)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Response> {
        let flash = flash_of(&parts.headers);
        Ok(Visitor {
            frame: Frame {
                lang: lang_of(&parts.headers),
                who: Who::Public,
                here: here_of(parts),
                flash: flash.clone(),
            },
            scheme: scheme_of(parts),
            had_flash: flash.is_some(),
        })
    }
}

/// A form posted by a signed-in user: its CSRF token (field `csrf`) checked before the
/// handler runs, and its other fields deserialized into `T` (unknown fields are ignored; a
/// field of the wrong shape answers the 400 page naming it).
pub(crate) struct SignedForm<T> {
    pub viewer: Viewer,
    pub form: T,
}

/// The largest form body the console accepts (1 MiB; uploads are multipart, bounded apart).
const MAX_FORM: usize = 1024 * 1024;

impl<T: DeserializeOwned + Send> FromRequest<AppState> for SignedForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
            Ok(b) => b,
            Err(_) => {
                return Err(viewer.fail(Failure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    web::t!(
                        viewer.lang(),
                        "The form is too large.",
                        "Le formulaire est trop volumineux."
                    ),
                )))
            }
        };
        let csrf = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        viewer.check_csrf(&csrf)?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(form) => Ok(SignedForm { viewer, form }),
            Err(e) => {
                let field = e.path().to_string();
                let msg = format!("{field}: {}", e.inner());
                Err(viewer.fail(Failure::new(StatusCode::BAD_REQUEST, msg)))
            }
        }
    }
}

/// The HTML "not found" page for a browser asking for an unknown path, with the console's
/// security headers.
pub(crate) async fn not_found_page(headers: &HeaderMap, uri: &axum::http::Uri) -> Response {
    let lang = lang_of(headers);
    let frame = Frame {
        lang,
        who: Who::Public,
        here: uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/".into()),
        flash: None,
    };
    let f = Failure::not_found(lang);
    let mut resp = html_response(
        f.status,
        web::pages::error::error_page(&frame, 404, &f.message),
        None,
    );
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}
