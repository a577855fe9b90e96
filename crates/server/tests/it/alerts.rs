//! Alerts over REST: the one error shape with `current` and `allowed` on a refused
//! transition, identical 404s for alerts a caller may not see, and refusals that change
//! nothing.

use crate::common::{self, api, assert_api_error, user};
use axum::http::Method;
use serde_json::{json, Value};
use store::Role;

#[tokio::test]
async fn a_refused_transition_is_409_with_the_current_and_allowed_states() {
    let e = common::env();
    user(&e, "gov-a", "ana", Role::Analyst);
    user(&e, "gov-b", "bob", Role::Analyst);
    user(&e, "gov-c", "cat", Role::Analyst);
    let r = api(
        &e.app,
        Method::POST,
        "/api/v1/alerts",
        "ana",
        Some(json!({"title": "t", "recipients": ["gov-b"], "tlp": "GREEN"})),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let view = |who: &'static str| {
        let app = e.app.clone();
        let id = id.clone();
        async move {
            api(
                &app,
                Method::GET,
                &format!("/api/v1/alerts/{id}"),
                who,
                None,
            )
            .await
            .json()
        }
    };
    let before: Value = view("ana").await;

    let r = api(
        &e.app,
        Method::POST,
        &format!("/api/v1/alerts/{id}/contribute"),
        "bob",
        Some(json!({"comment": "x"})),
    )
    .await;
    let err = assert_api_error(&r, 409, "invalid_transition");
    assert_eq!(err["current"], "pending");
    assert_eq!(err["allowed"], json!(["acknowledge"]));
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("current state pending"));
    assert_eq!(view("ana").await, before);

    // A non-recipient and an unknown id get the same answer.
    let hidden = api(
        &e.app,
        Method::POST,
        &format!("/api/v1/alerts/{id}/acknowledge"),
        "cat",
        Some(json!({})),
    )
    .await;
    let unknown = api(
        &e.app,
        Method::POST,
        "/api/v1/alerts/00000000-0000-4000-8000-000000000000/acknowledge",
        "cat",
        Some(json!({})),
    )
    .await;
    assert_api_error(&hidden, 404, "not_found");
    assert_api_error(&unknown, 404, "not_found");
    // Identical but for the id the caller gave.
    let hidden_text = hidden.text().replace(&id, "ID");
    let unknown_text = unknown
        .text()
        .replace("00000000-0000-4000-8000-000000000000", "ID");
    assert_eq!(hidden_text, unknown_text);
    assert_eq!(view("ana").await, before);

    // An unknown property names the field.
    let r = api(
        &e.app,
        Method::POST,
        &format!("/api/v1/alerts/{id}/acknowledge"),
        "bob",
        Some(json!({"note": "x"})),
    )
    .await;
    assert_eq!(assert_api_error(&r, 400, "invalid_input")["field"], "note");
    assert_eq!(view("ana").await, before);
}
