//! The web console's foundation through the real router: sign-in with its CSRF cookie and
//! throttling, sessions stored in the database, sign-out, password change, the security
//! headers on every page, the language switch, assets and the HTML "not found" page.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use store::Role;

use crate::common::*;

/// A browser: the cookies it holds (name, value), set by the responses it got.
#[derive(Default, Clone)]
struct Browser {
    cookies: Vec<(String, String)>,
    lang: Option<&'static str>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn take(&mut self, r: &Resp) {
        for v in r.headers.get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
    }

    async fn get(&mut self, app: &axum::Router, uri: &str) -> Resp {
        let mut b = Request::builder()
            .method(Method::GET)
            .uri(uri)
            .header("host", "rrm.test")
            .header("accept", "text/html")
            .header("cookie", self.cookie_header());
        if let Some(l) = self.lang {
            b = b.header("accept-language", l);
        }
        let r = send(app, b.body(Body::empty()).unwrap()).await;
        self.take(&r);
        r
    }

    async fn post(&mut self, app: &axum::Router, uri: &str, form: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("host", "rrm.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", self.cookie_header())
            .body(Body::from(body))
            .unwrap();
        let r = send(app, req).await;
        self.take(&r);
        r
    }
}

/// The value of the first `name="csrf"` field of a page.
fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no csrf field in {html}"));
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn assert_console_headers(r: &Resp) {
    let csp = r.header("content-security-policy").expect("a CSP header");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
}

async fn sign_in(e: &Env, b: &mut Browser, user: &str) -> Resp {
    let form = b.get(&e.app, "/login").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let csrf = csrf_of(&form.text());
    let pw = password(user);
    b.post(
        &e.app,
        "/login",
        &[
            ("username", user),
            ("password", &pw),
            ("csrf", &csrf),
            ("next", "/"),
        ],
    )
    .await
}

#[tokio::test]
async fn sign_in_opens_a_database_session_and_sign_out_ends_it() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let mut b = Browser::default();

    // Signed out, the console sends the browser to the sign-in form, keeping where it was.
    let r = b.get(&e.app, "/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/login?next=%2Faccount")
    );

    let form = b.get(&e.app, "/login").await;
    assert_console_headers(&form);
    let set = form
        .header("set-cookie")
        .expect("the sign-in form's cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let html = form.text();
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));

    let r = sign_in(&e, &mut b, "alice").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let set: Vec<String> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("rrm_session="))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain HTTP: no Secure flag");
    assert!(b.cookie("rrm_session").unwrap().starts_with("rrms_"));

    let page = b.get(&e.app, "/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_console_headers(&page);
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    let html = page.text();
    assert!(html.contains("alice") && html.contains("Dashboard"));

    // Sign-out without the CSRF token is refused and the session lives on.
    let r = b.post(&e.app, "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get(&e.app, "/").await.status, StatusCode::OK);

    let csrf = csrf_of(&html);
    let r = b.post(&e.app, "/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location").as_deref(), Some("/login"));
    assert!(b.cookie("rrm_session").is_none(), "the cookie is cleared");

    // The old cookie no longer opens anything: the session is gone from the database.
    let mut old = Browser::default();
    let token = set[0].split(';').next().unwrap().split_once('=').unwrap().1;
    old.cookies.push(("rrm_session".into(), token.to_string()));
    assert_eq!(old.get(&e.app, "/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_and_then_throttled() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let mut b = Browser::default();
    let form = b.get(&e.app, "/login").await;
    let csrf = csrf_of(&form.text());
    let r = b
        .post(
            &e.app,
            "/login",
            &[
                ("username", "alice"),
                ("password", "nope-nope"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r
        .text()
        .contains("The username or the password is not right."));
    assert!(b.cookie("rrm_session").is_none());

    // A form without its cookie's token is refused before the password is even checked.
    let r = b
        .post(
            &e.app,
            "/login",
            &[
                ("username", "alice"),
                ("password", &password("alice")),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(b.cookie("rrm_session").is_none());

    let mut throttled = false;
    for _ in 0..12 {
        let r = b
            .post(
                &e.app,
                "/login",
                &[
                    ("username", "alice"),
                    ("password", "still-wrong"),
                    ("csrf", &csrf),
                ],
            )
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.header("retry-after").is_some());
            throttled = true;
            break;
        }
    }
    assert!(throttled, "repeated failures are throttled");
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let mut one = Browser::default();
    let mut two = Browser::default();
    assert_eq!(
        sign_in(&e, &mut one, "alice").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        sign_in(&e, &mut two, "alice").await.status,
        StatusCode::SEE_OTHER
    );

    let page = one.get(&e.app, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page.text());

    // A mismatch is shown next to the field and changes nothing.
    let r = one
        .post(
            &e.app,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", &password("alice")),
                ("new", "a-new-long-secret"),
                ("confirm", "other"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("f-confirm-error"));
    assert_eq!(two.get(&e.app, "/").await.status, StatusCode::OK);

    let r = one
        .post(
            &e.app,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", &password("alice")),
                ("new", "a-new-long-secret"),
                ("confirm", "a-new-long-secret"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(one.get(&e.app, "/account").await.status, StatusCode::OK);
    assert_eq!(two.get(&e.app, "/").await.status, StatusCode::SEE_OTHER);
    assert!(e
        .hub
        .authenticate_basic("alice", "a-new-long-secret")
        .is_ok());
}

#[tokio::test]
async fn pages_follow_the_reader_language_and_the_switch_stays_on_this_site() {
    let e = env();
    user(&e, "gov-a", "alice", Role::Analyst);
    let mut b = Browser {
        lang: Some("fr-CA,fr;q=0.9,en;q=0.5"),
        ..Default::default()
    };
    let r = b.get(&e.app, "/login").await;
    assert!(r.text().contains("<html lang=\"fr\">"));
    assert!(r.text().contains("Connexion"));

    let r = b.get(&e.app, "/lang?set=en&next=//evil.example/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location").as_deref(), Some("/"));
    assert_eq!(b.cookie("rrm_lang").as_deref(), Some("en"));
    let r = b.get(&e.app, "/login").await;
    assert!(
        r.text().contains("<html lang=\"en\">"),
        "the cookie beats Accept-Language"
    );
}

#[tokio::test]
async fn assets_are_our_own_and_cached_by_content() {
    let e = env();
    let mut b = Browser::default();
    let r = b.get(&e.app, "/assets/console.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/css"));
    let etag = r.header("etag").unwrap();
    let req = Request::builder()
        .uri("/assets/console.css")
        .header("if-none-match", &etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&e.app, req).await.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        b.get(&e.app, "/assets/nope.js").await.status,
        StatusCode::NOT_FOUND
    );

    // An unknown path asked for by a browser gets the HTML page with the same headers; the
    // API keeps its JSON error.
    let r = b.get(&e.app, "/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.content_type().starts_with("text/html"));
    assert_console_headers(&r);
    let r = b.get(&e.app, "/api/v1/nope").await;
    assert!(r.content_type().starts_with("application/json"));
}
