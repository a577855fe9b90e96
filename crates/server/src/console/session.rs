//! Signing in and out, the reader's own account (password, sessions) and the language switch.

use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use web::components::{Flash, FormErrors};
use web::layout::{Frame, Who};
use web::pages::{account, login};
use web::t;

use super::{
    cookie, find_session_public, html_response, lang_of, safe_next, see_other, session_cookie_name,
    set_cookie, Failure, SignedForm, Viewer, LANG_COOKIE,
};
use crate::auth::{authenticate_password, LoginRefusal};
use crate::error::blocking;
use crate::{AppState, Scheme};

/// The cookie that doubles the sign-in form's CSRF token (there is no session yet).
const LOGIN_CSRF_COOKIE: &str = "rrm_login";

#[derive(Deserialize, Default)]
pub(crate) struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_frame(headers: &HeaderMap, here: &str) -> Frame {
    Frame {
        lang: lang_of(headers),
        who: Who::Public,
        here: here.to_string(),
        flash: None,
    }
}

/// A fresh random token for the sign-in form (122 random bits).
fn fresh_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn render_login(
    scheme: Scheme,
    headers: &HeaderMap,
    status: StatusCode,
    mut form: login::LoginForm,
) -> Response {
    let existing = cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let token = existing.clone().unwrap_or_else(fresh_token);
    form.csrf = token.clone();
    let frame = login_frame(headers, "/login");
    let mut resp = html_response(status, login::login(&frame, &form), None);
    if existing.is_none() {
        if let Ok(v) =
            HeaderValue::from_str(&set_cookie(scheme, LOGIN_CSRF_COOKIE, &token, Some(3600)))
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// `GET /login`: the sign-in form (or the dashboard for someone already signed in).
pub(crate) async fn login_form(
    axum::extract::State(state): axum::extract::State<AppState>,
    parts: axum::http::request::Parts,
    Query(q): Query<NextQuery>,
) -> Response {
    let scheme = super::scheme_of(&parts);
    if find_session_public(&state, &parts).await {
        return see_other(scheme, safe_next(&q.next), None);
    }
    render_login(
        scheme,
        &parts.headers,
        StatusCode::OK,
        login::LoginForm {
            next: safe_next(&q.next).to_string(),
            ..Default::default()
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginBody {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: checks the form's token against its cookie, then the credentials exactly
/// as the API checks HTTP Basic (same throttling); opens a session and sets its cookie.
pub(crate) async fn login(
    axum::extract::State(state): axum::extract::State<AppState>,
    parts: axum::http::request::Parts,
    axum::Form(b): axum::Form<LoginBody>,
) -> Response {
    let scheme = super::scheme_of(&parts);
    let headers = &parts.headers;
    let lang = lang_of(headers);
    let again = |status: StatusCode, errors: FormErrors| {
        render_login(
            scheme,
            headers,
            status,
            login::LoginForm {
                username: b.username.chars().take(200).collect(),
                next: safe_next(&b.next).to_string(),
                csrf: String::new(),
                errors,
            },
        )
    };
    let expected = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(b.csrf.as_bytes())) {
        return again(
            StatusCode::FORBIDDEN,
            FormErrors::one(
                "username",
                t!(
                    lang,
                    "The sign-in form expired. Please try again.",
                    "Le formulaire de connexion a expiré. Veuillez réessayer."
                ),
            ),
        );
    }
    if b.username.is_empty() || b.password.is_empty() {
        let mut errors = FormErrors::none();
        if b.username.is_empty() {
            errors.0.push(web::components::FieldError {
                field: "username".into(),
                message: t!(
                    lang,
                    "Enter your username.",
                    "Saisissez votre nom d’utilisateur."
                )
                .into(),
            });
        }
        if b.password.is_empty() {
            errors.0.push(web::components::FieldError {
                field: "password".into(),
                message: t!(
                    lang,
                    "Enter your password.",
                    "Saisissez votre mot de passe."
                )
                .into(),
            });
        }
        return again(StatusCode::BAD_REQUEST, errors);
    }
    let ip = crate::auth::parts_client_ip(&parts);
    let principal = match authenticate_password(&state, b.username.clone(), b.password.clone(), ip)
        .await
    {
        Ok(p) => p,
        Err(LoginRefusal::Wrong) => {
            return again(
                StatusCode::UNAUTHORIZED,
                FormErrors::one(
                    "username",
                    t!(
                        lang,
                        "The username or the password is not right.",
                        "Le nom d’utilisateur ou le mot de passe est incorrect."
                    ),
                ),
            )
        }
        Err(LoginRefusal::Throttled(secs)) => {
            let mut resp = again(
                StatusCode::TOO_MANY_REQUESTS,
                FormErrors::one(
                    "username",
                    match lang {
                        web::Lang::En => {
                            format!("Too many failed attempts. Try again in {secs} s.")
                        }
                        web::Lang::Fr => format!("Trop d’essais manqués. Réessayez dans {secs} s."),
                    },
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return resp;
        }
        Err(LoginRefusal::Internal(e)) => {
            tracing::error!(error = %e, "sign-in failed");
            let frame = login_frame(headers, "/login");
            let f: Failure = e.into();
            return html_response(
                f.status,
                web::pages::error::error_page(&frame, f.status.as_u16(), &f.message),
                None,
            );
        }
    };
    let client = super::client_of(&parts);
    let hub = state.hub.clone();
    let limits = state.config.sessions;
    let now = clock::now_micros();
    let p = (*principal).clone();
    let opened = match blocking(move || hub.open_session(&p, now, &limits, client)).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "opening a console session failed");
            let frame = login_frame(headers, "/login");
            let f: Failure = e.into();
            return html_response(
                f.status,
                web::pages::error::error_page(&frame, f.status.as_u16(), &f.message),
                None,
            );
        }
    };
    let mut resp = see_other(scheme, safe_next(&b.next), None);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        scheme,
        session_cookie_name(scheme),
        opened.token.expose(),
        Some(limits.absolute.as_secs()),
    )) {
        h.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&set_cookie(scheme, LOGIN_CSRF_COOKIE, "", Some(0))) {
        h.append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub(crate) struct Empty {}

/// `POST /logout`: ends the session (in the database) and clears its cookie.
pub(crate) async fn logout(
    axum::extract::State(state): axum::extract::State<AppState>,
    SignedForm { viewer, .. }: SignedForm<Empty>,
) -> Response {
    let hub = state.hub.clone();
    let token = viewer.token().to_string();
    if let Err(e) = blocking(move || hub.close_session(&token)).await {
        return viewer.fail(e);
    }
    let scheme = viewer.scheme();
    let mut resp = see_other(
        scheme,
        "/login",
        Some(Flash::Done(
            t!(
                viewer.lang(),
                "You are signed out.",
                "Vous êtes déconnecté."
            )
            .into(),
        )),
    );
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        scheme,
        session_cookie_name(scheme),
        "",
        Some(0),
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn account_page(state: &AppState, viewer: &Viewer, errors: FormErrors) -> account::Account {
    let p = viewer.principal();
    let hub = state.hub.clone();
    let pp = p.clone();
    let current = viewer.session().id.clone();
    let sessions = blocking(move || hub.user_sessions(&pp))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| account::SessionLine {
            created: web::components::rfc3339_micros(s.created).unwrap_or_default(),
            last_seen: web::components::rfc3339_micros(s.last_seen).unwrap_or_default(),
            user_agent: s.user_agent,
            address: s.address,
            current: s.id == current,
        })
        .collect();
    account::Account {
        username: p.user.username.clone(),
        org_name: p.org.name.clone(),
        role: Some(p.user.role),
        sector: Some(p.org.sector),
        sessions,
        errors,
    }
}

/// `GET /account`: who the reader is, the password form and their sessions.
pub(crate) async fn account(
    axum::extract::State(state): axum::extract::State<AppState>,
    viewer: Viewer,
) -> Response {
    let a = account_page(&state, &viewer, FormErrors::none()).await;
    viewer.page(account::account(viewer.frame(), &a))
}

#[derive(Deserialize)]
pub(crate) struct PasswordBody {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/password`: changes the reader's own password (the current one is needed,
/// a wrong one counts like a failed sign-in); every other session of theirs ends.
pub(crate) async fn change_password(
    axum::extract::State(state): axum::extract::State<AppState>,
    SignedForm { viewer, form }: SignedForm<PasswordBody>,
) -> Response {
    let lang = viewer.lang();
    let again = |errors: FormErrors| async {
        let a = account_page(&state, &viewer, errors).await;
        viewer.page_with(
            StatusCode::BAD_REQUEST,
            account::account(viewer.frame(), &a),
        )
    };
    if form.current.is_empty() {
        return again(FormErrors::one(
            "current",
            t!(
                lang,
                "Enter your current password.",
                "Saisissez votre mot de passe actuel."
            ),
        ))
        .await;
    }
    if form.new != form.confirm {
        return again(FormErrors::one(
            "confirm",
            t!(
                lang,
                "The two new passwords are not the same.",
                "Les deux nouveaux mots de passe diffèrent."
            ),
        ))
        .await;
    }
    let p = viewer.principal();
    let username = p.user.username.clone();
    let _permit = match crate::auth::argon2_slot(&state, Some(&username)).await {
        Ok(permit) => permit,
        Err(resp) => return resp,
    };
    let hub = state.hub.clone();
    let (u, cur, new) = (username.clone(), form.current.clone(), form.new.clone());
    let pp = p.clone();
    let r = blocking(move || hub.set_password(hub::Actor::User(&pp), &u, Some(&cur), &new)).await;
    match r {
        Ok(()) => {
            // The hub ended every session of the user; this browser gets a new one.
            let hub = state.hub.clone();
            let limits = state.config.sessions;
            let client = viewer.client();
            let now = clock::now_micros();
            let pp = (*p).clone();
            let opened = match blocking(move || hub.open_session(&pp, now, &limits, client)).await {
                Ok(o) => o,
                Err(e) => return viewer.fail(e),
            };
            let mut resp = viewer.see_other(
                "/account",
                Some(Flash::Done(
                    t!(
                        lang,
                        "Your password was changed. Your other sessions were signed out.",
                        "Votre mot de passe a été changé. Vos autres sessions ont été fermées."
                    )
                    .into(),
                )),
            );
            let scheme = viewer.scheme();
            if let Ok(v) = HeaderValue::from_str(&set_cookie(
                scheme,
                session_cookie_name(scheme),
                opened.token.expose(),
                Some(limits.absolute.as_secs()),
            )) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Err(hub::HubError::Forbidden(_)) => {
            crate::auth::wrong_current_password(&state, &username);
            again(FormErrors::one(
                "current",
                t!(
                    lang,
                    "Your current password is not right.",
                    "Votre mot de passe actuel est incorrect."
                ),
            ))
            .await
        }
        Err(hub::HubError::Invalid { message, .. }) => again(FormErrors::one("new", message)).await,
        Err(e) => viewer.fail(e),
    }
}

/// `POST /account/sessions/close-others`: signs out every other session of the reader.
pub(crate) async fn close_others(
    axum::extract::State(state): axum::extract::State<AppState>,
    SignedForm { viewer, .. }: SignedForm<Empty>,
) -> Response {
    let hub = state.hub.clone();
    let p = viewer.principal();
    let keep = viewer.session().id.clone();
    match blocking(move || hub.close_other_sessions(&p, &keep)).await {
        Ok(_) => viewer.see_other(
            "/account",
            Some(Flash::Done(
                t!(
                    viewer.lang(),
                    "Your other sessions were signed out.",
                    "Vos autres sessions ont été fermées."
                )
                .into(),
            )),
        ),
        Err(e) => viewer.fail(e),
    }
}

#[derive(Deserialize)]
pub(crate) struct LangQuery {
    #[serde(default)]
    set: String,
    #[serde(default)]
    next: String,
}

/// `GET /lang?set=fr&next=/x`: remembers the reader's language in a cookie and goes back.
pub(crate) async fn set_lang(
    parts: axum::http::request::Parts,
    Query(q): Query<LangQuery>,
) -> Response {
    let scheme = super::scheme_of(&parts);
    let mut resp = see_other(scheme, safe_next(&q.next), None);
    if let Some(lang) = web::Lang::from_code(&q.set) {
        if let Ok(v) = HeaderValue::from_str(&set_cookie(
            scheme,
            LANG_COOKIE,
            lang.code(),
            Some(365 * 24 * 3600),
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}
