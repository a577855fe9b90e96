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

/// Adds the notification routes to the OpenAPI document.
pub fn merge_openapi(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let limit = json!({"name": "limit", "in": "query", "required": false, "description": "At most this many, newest first (1 to 500, default 50).", "schema": {"type": "integer", "minimum": 1, "maximum": notify::MAX_LIST}});
    let kinds: Vec<&str> = notify::EventKind::subscribable()
        .map(notify::EventKind::as_str)
        .chain([notify::ALL_KINDS])
        .collect();
    let events = json!({"type": "array", "minItems": 1, "items": {"type": "string", "enum": kinds}, "description": "Event kinds to receive; \"*\" for every kind."});
    let time = json!({"type": "string", "description": "RFC 3339, UTC."});
    let webhook_props = json!({
        "id": {"type": "string"}, "url": {"type": "string"}, "events": {"type": "array", "items": {"type": "string"}},
        "created_by": {"type": "string"}, "created": time
    });
    let webhook = json!({"type": "object", "additionalProperties": false, "required": ["id", "url", "events", "created_by", "created"], "properties": webhook_props.clone()});
    let mut created_props = webhook_props;
    if let Some(m) = created_props.as_object_mut() {
        m.insert("secret".into(), json!({"type": "string", "pattern": "^whsec_[0-9a-f]{64}$", "description": "The signing secret, shown only here: the HMAC-SHA256 key is this whole string."}));
    }
    let created_webhook = json!({"type": "object", "additionalProperties": false, "required": ["id", "url", "events", "created_by", "created", "secret"], "properties": created_props});
    let contact = json!({"type": "object", "additionalProperties": false, "required": ["id", "address", "events", "created_by", "created"], "properties": {
        "id": {"type": "string"}, "address": {"type": "string"}, "events": {"type": "array", "items": {"type": "string"}},
        "created_by": {"type": "string"}, "created": time
    }});
    let delivery = json!({"type": "object", "additionalProperties": false, "required": ["id", "channel", "target", "event_id", "kind", "status", "attempts", "created", "updated"], "properties": {
        "id": {"type": "string", "description": "The delivery id, sent as X-RRM-Delivery on every attempt."},
        "channel": {"type": "string", "enum": ["webhook", "email"]},
        "target": {"type": "string", "description": "The webhook or e-mail contact id."},
        "event_id": {"type": "string"}, "kind": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
        "attempts": {"type": "integer", "minimum": 0},
        "next_attempt": time, "last_error": {"type": "string"},
        "created": time, "updated": time
    }});
    let deliveries = json!({"type": "object", "required": ["deliveries"], "properties": {"deliveries": {"type": "array", "items": delivery.clone()}}});
    let json_body = |props: Value, required: &[&str]| json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": required, "properties": props}}}});
    let admins =
        "Not an admin of the organisation (its admins and the operator manage notifications).";
    let paths = json!({
        "/api/v1/webhooks": {
            "post": {
                "operationId": "createWebhook",
                "summary": "Creates a webhook of the caller's organisation: every event of the named kinds emitted to the organisation is POSTed to the URL as JSON, signed with X-RRM-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">, with the delivery id in X-RRM-Delivery (the same on every attempt), retried with backoff, at least once. Bodies of TLP:RED and TLP:AMBER+STRICT events carry only the kind and a link.",
                "requestBody": json_body(json!({"url": {"type": "string", "maxLength": notify::MAX_URL_LEN, "description": "https://..., or http:// on a loopback address."}, "events": events.clone()}), &["url", "events"]),
                "responses": {"201": ok("The webhook with its secret (shown this once).", created_webhook), "400": err("Invalid url or events (the error names the field)."), "403": err(admins), "409": err(&format!("The organisation already has {} webhooks.", notify::MAX_WEBHOOKS))}
            },
            "get": {
                "operationId": "listWebhooks", "summary": "The caller's organisation's webhooks, oldest first (never their secrets).",
                "responses": {"200": ok("The webhooks.", json!({"type": "object", "required": ["webhooks"], "properties": {"webhooks": {"type": "array", "items": webhook.clone()}}})), "403": err(admins)}
            }
        },
        "/api/v1/webhooks/{id}": {
            "get": {
                "operationId": "getWebhook", "summary": "A webhook of the caller's organisation.",
                "parameters": [id.clone()],
                "responses": {"200": ok("The webhook.", webhook), "403": err(admins), "404": err("Unknown webhook or one of another organisation.")}
            },
            "delete": {
                "operationId": "deleteWebhook", "summary": "Deletes a webhook and its deliveries.",
                "parameters": [id.clone()],
                "responses": {"204": {"description": "Deleted."}, "403": err(admins), "404": err("Unknown webhook or one of another organisation.")}
            }
        },
        "/api/v1/webhooks/{id}/ping": {"post": {
            "operationId": "pingWebhook", "summary": "Emits a ping event to this webhook through the outbox, like any event.",
            "parameters": [id.clone()],
            "responses": {"202": ok("The delivery, pending.", delivery), "403": err(admins), "404": err("Unknown webhook or one of another organisation.")}
        }},
        "/api/v1/webhooks/{id}/deliveries": {"get": {
            "operationId": "listWebhookDeliveries", "summary": "The newest deliveries to this webhook, with their status.",
            "parameters": [id.clone(), limit.clone()],
            "responses": {"200": ok("The deliveries.", deliveries.clone()), "400": err("Invalid limit."), "403": err(admins), "404": err("Unknown webhook or one of another organisation.")}
        }},
        "/api/v1/email-contacts": {
            "post": {
                "operationId": "createEmailContact",
                "summary": "Adds an e-mail contact to the caller's organisation: events of the named kinds are e-mailed through the instance's SMTP relay (serve --smtp-host), retried with backoff, at least once; TLP:RED and TLP:AMBER+STRICT events carry only the kind and a link.",
                "requestBody": json_body(json!({"address": {"type": "string", "maxLength": 254}, "events": events}), &["address", "events"]),
                "responses": {"201": ok("The contact.", contact.clone()), "400": err("Invalid address or events (the error names the field)."), "403": err(admins), "409": err(&format!("The organisation already has this address, or {} contacts.", notify::MAX_CONTACTS))}
            },
            "get": {
                "operationId": "listEmailContacts", "summary": "The caller's organisation's e-mail contacts, oldest first.",
                "responses": {"200": ok("The contacts.", json!({"type": "object", "required": ["email_contacts"], "properties": {"email_contacts": {"type": "array", "items": contact}}})), "403": err(admins)}
            }
        },
        "/api/v1/email-contacts/{id}": {"delete": {
            "operationId": "deleteEmailContact", "summary": "Deletes an e-mail contact and its deliveries.",
            "parameters": [id],
            "responses": {"204": {"description": "Deleted."}, "403": err(admins), "404": err("Unknown contact or one of another organisation.")}
        }},
        "/api/v1/deliveries": {"get": {
            "operationId": "listDeliveries", "summary": "The caller's organisation's newest deliveries (webhooks and e-mail), with their status.",
            "parameters": [limit],
            "responses": {"200": ok("The deliveries.", deliveries), "400": err("Invalid limit."), "403": err(admins)}
        }}
    });
    if let (Some(target), Value::Object(add)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), paths)
    {
        target.extend(add);
    }
}
