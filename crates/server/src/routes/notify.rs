//! REST routes of notifications under `/api/v1/`: an organisation's webhooks (create, list,
//! read, delete, ping, their deliveries), its e-mail contacts, and its recent deliveries.
//!
//! Only the organisation's admins (and the operator) use them; another organisation's
//! webhook or contact answers 404 like an unknown one.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use notify::{NewContact, NewWebhook};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::body::ApiJson;
use crate::error::{blocking, ApiError};
use crate::filters::query_pairs;
use crate::AppState;

type ApiResult = Result<Response, ApiError>;

/// The notification routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", post(create_webhook).get(list_webhooks))
        .route(
            "/api/v1/webhooks/{id}",
            get(get_webhook).delete(delete_webhook),
        )
        .route("/api/v1/webhooks/{id}/ping", post(ping))
        .route("/api/v1/webhooks/{id}/deliveries", get(webhook_deliveries))
        .route(
            "/api/v1/email-contacts",
            post(create_contact).get(list_contacts),
        )
        .route(
            "/api/v1/email-contacts/{id}",
            axum::routing::delete(delete_contact),
        )
        .route("/api/v1/deliveries", get(list_deliveries))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookBody {
    url: String,
    events: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    address: String,
    events: Vec<String>,
}

/// `POST /api/v1/webhooks`: `{url, events}`; the answer holds the secret, shown once.
async fn create_webhook(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<WebhookBody>,
) -> ApiResult {
    let n = state.notify.clone();
    let new = NewWebhook {
        url: b.url,
        events: b.events,
    };
    let created = blocking(move || n.create_webhook(&p, &new)).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn list_webhooks(State(state): State<AppState>, Principal(p): Principal) -> ApiResult {
    let n = state.notify.clone();
    let list = blocking(move || n.list_webhooks(&p)).await?;
    Ok(Json(json!({ "webhooks": list })).into_response())
}

async fn get_webhook(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let n = state.notify.clone();
    let w = blocking(move || n.webhook(&p, &id)).await?;
    Ok(Json(w).into_response())
}

async fn delete_webhook(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let n = state.notify.clone();
    blocking(move || n.delete_webhook(&p, &id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/webhooks/{id}/ping`: a `ping` event through the outbox; 202 with its delivery.
async fn ping(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let n = state.notify.clone();
    let d = blocking(move || n.ping(&p, &id)).await?;
    Ok((StatusCode::ACCEPTED, Json(d)).into_response())
}

/// The `limit` parameter (1 to 500, default 50), the only one allowed.
fn limit_param(q: Option<&str>) -> Result<usize, ApiError> {
    let mut limit = 50;
    for (k, v) in query_pairs(q).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))? {
        if k != "limit" {
            return Err(ApiError::invalid(&k, "unknown parameter; expected limit"));
        }
        limit = v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=notify::MAX_LIST).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", "must be an integer from 1 to 500"))?;
    }
    Ok(limit)
}

async fn webhook_deliveries(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let limit = limit_param(q.as_deref())?;
    let n = state.notify.clone();
    let list = blocking(move || n.list_deliveries(&p, Some(&id), limit)).await?;
    Ok(Json(json!({ "deliveries": list })).into_response())
}

/// `GET /api/v1/deliveries?limit=N`: the organisation's newest deliveries, newest first.
async fn list_deliveries(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let limit = limit_param(q.as_deref())?;
    let n = state.notify.clone();
    let list = blocking(move || n.list_deliveries(&p, None, limit)).await?;
    Ok(Json(json!({ "deliveries": list })).into_response())
}

async fn create_contact(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<ContactBody>,
) -> ApiResult {
    let n = state.notify.clone();
    let new = NewContact {
        address: b.address,
        events: b.events,
    };
    let created = blocking(move || n.create_contact(&p, &new)).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn list_contacts(State(state): State<AppState>, Principal(p): Principal) -> ApiResult {
    let n = state.notify.clone();
    let list = blocking(move || n.list_contacts(&p)).await?;
    Ok(Json(json!({ "email_contacts": list })).into_response())
}

async fn delete_contact(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let n = state.notify.clone();
    blocking(move || n.delete_contact(&p, &id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
