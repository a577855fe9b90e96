//! REST routes for breach and personal-data-misuse reports under `/api/v1/breaches`, plus
//! their OpenAPI paths.
//!
//! The rules are the `breaches` service's (and through it the `response::breach` engine's);
//! this module maps requests and errors. Bad input answers 400 `invalid_input` with the
//! first field in `field` and every field named in the message; a transition the report's
//! state does not allow answers 409 `invalid_transition` with `current` and `allowed`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use breaches::{BreachError, Breaches, NewReport, ReportUpdate, ShareBreach, Submit};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Principal;
use crate::body::ApiJson;
use crate::codes::Code;
use crate::error::{blocking, ApiError};
use crate::filters::query_pairs;
use crate::routes::alerts::RouteError;
use crate::AppState;

impl From<BreachError> for RouteError {
    fn from(e: BreachError) -> RouteError {
        let msg = e.to_string();
        match e {
            BreachError::Invalid(problems) => RouteError::Api(ApiError {
                code: Code::InvalidInput,
                message: msg,
                field: problems.first().map(|p| p.field.clone()),
            }),
            BreachError::NotFound(_) => RouteError::Api(ApiError::new(Code::NotFound, msg)),
            BreachError::Forbidden(m) => RouteError::Api(ApiError::new(Code::Forbidden, m)),
            BreachError::Transition {
                current, allowed, ..
            } => RouteError::Transition {
                message: msg,
                current,
                allowed,
            },
            BreachError::Hub(h) => RouteError::Api(h.into()),
            // A variant added later answers as an internal error until it is mapped.
            #[allow(unreachable_patterns)]
            _ => RouteError::Api(ApiError::internal()),
        }
    }
}

type RouteResult = Result<Response, RouteError>;

/// Runs a breaches call on the blocking pool.
async fn run<T, F>(f: F) -> Result<T, RouteError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, BreachError> + Send + 'static,
{
    let out = blocking(move || Ok(f())).await?;
    out.map_err(RouteError::from)
}

/// The breach routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/breaches", post(create).get(list))
        .route("/api/v1/breaches/{id}", get(show).patch(update))
        .route("/api/v1/breaches/{id}/submit", post(submit))
        .route("/api/v1/breaches/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/breaches/{id}/close", post(close))
        .route("/api/v1/breaches/{id}/share", post(share))
}

fn service(state: &AppState) -> Breaches {
    state.breaches().clone()
}

/// `POST /api/v1/breaches`.
async fn create(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(req): ApiJson<NewReport>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.create(&p, &req)).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `GET /api/v1/breaches?limit=N&next=CURSOR`.
async fn list(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> RouteResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut limit = None;
    let mut next = None;
    for (k, v) in pairs {
        match k.as_str() {
            "limit" => {
                limit = Some(
                    v.parse::<usize>()
                        .map_err(|_| ApiError::invalid("limit", "must be a positive integer"))?,
                )
            }
            "next" => next = Some(v),
            other => {
                return Err(
                    ApiError::invalid(other, "unknown parameter; expected limit, next").into(),
                )
            }
        }
    }
    let svc = service(&state);
    let page = run(move || svc.list(&p, limit, next.as_deref())).await?;
    Ok(Json(page).into_response())
}

/// `GET /api/v1/breaches/{id}`.
async fn show(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.get(&p, &id)).await?;
    Ok(Json(v).into_response())
}

/// `PATCH /api/v1/breaches/{id}`: a later phase of the contents.
async fn update(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReportUpdate>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.update(&p, &id, &req)).await?;
    Ok(Json(v).into_response())
}

/// `POST /api/v1/breaches/{id}/submit`.
async fn submit(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Submit>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.submit(&p, &id, &req)).await?;
    Ok(Json(v).into_response())
}

/// An empty body (`{}`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// `POST /api/v1/breaches/{id}/acknowledge`.
async fn acknowledge(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<Empty>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.acknowledge(&p, &id)).await?;
    Ok(Json(v).into_response())
}

/// `POST /api/v1/breaches/{id}/close`.
async fn close(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<Empty>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.close(&p, &id)).await?;
    Ok(Json(v).into_response())
}

/// `POST /api/v1/breaches/{id}/share`.
async fn share(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ShareBreach>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.share(&p, &id, &req)).await?;
    Ok(Json(v).into_response())
}

/// Adds the breach paths and schemas to the OpenAPI document.
pub fn merge_openapi(doc: &mut Value) {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let body = |schema: &str| json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let text = |max: usize| crate::openapi::text_schema(max, true);
    let time = json!({"type": "string", "format": "date-time"});
    let count = json!({"type": "integer", "minimum": 0});
    let list = json!({"type": "array", "maxItems": response::breach::MAX_CATEGORIES, "items": crate::openapi::text_schema(response::breach::MAX_CATEGORY, false)});
    let elements: Vec<&str> = response::breach::Element::ALL
        .iter()
        .map(|e| e.as_str())
        .collect();
    let element = json!({"type": "string", "enum": elements});
    let statuses: Vec<&str> = response::breach::BreachStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let actions: Vec<&str> = response::breach::BreachAction::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let t = text(response::breach::MAX_TEXT);
    let contents = json!({"type": "object", "additionalProperties": false,
    "description": "Every element of every regime, each optional; counts and categories, never names. gdpr-art33 requires nature, subject_categories, approx_subjects, record_categories, approx_records, contact, consequences, measures (Art. 33(3)); pipeda requires circumstances, period, personal_information, number_affected, mitigation, notification, contact (Regulations s. 2(1)); other requires nature, contact, measures.",
    "properties": {
        "nature": t, "subject_categories": list, "approx_subjects": count, "record_categories": list,
        "approx_records": count, "contact": t, "consequences": t, "measures": t, "circumstances": t,
        "period": t, "personal_information": t, "number_affected": count, "mitigation": t, "notification": t
    }});
    let s_breach_contents = contents;
    let s_new_breach = json!({"type": "object", "additionalProperties": false, "required": ["title", "regime", "recipient", "aware_at"], "properties": {
        "title": crate::openapi::text_schema(breaches::MAX_TITLE, false),
        "regime": {"type": "string", "enum": ["gdpr-art33", "pipeda", "other"]},
        "recipient": {"type": "string", "description": "The recipient authority's slug (sector government)."},
        "aware_at": {"type": "string", "format": "date-time", "description": "When the reporter became aware; not in the future."},
        "deadline": {"type": ["string", "null"], "format": "date-time", "description": "Refused under gdpr-art33 (72 hours after aware_at), optional under pipeda (as soon as feasible: no clock without it), required under other."},
        "contents": {"$ref": "#/components/schemas/BreachContents"},
        "deferred": {"type": "array", "items": element, "description": "Required elements left to a later phase (Art. 33(4))."},
        "delay_reasons": {"type": ["string", "null"], "maxLength": response::breach::MAX_TEXT, "description": "Required when submitted after the deadline (Art. 33(1))."},
        "actors": {"type": "array", "maxItems": breaches::MAX_ACTORS, "items": {"type": "object", "additionalProperties": false, "required": ["collection", "id"], "properties": {
            "collection": {"type": "string"}, "id": {"type": "string", "description": "A stored intrusion-set or threat-actor the caller and the recipient may see."}}}},
        "submit": {"type": "boolean", "default": false}
    }});
    let s_breach_update = json!({"type": "object", "additionalProperties": false, "properties": {
        "contents": {"$ref": "#/components/schemas/BreachContents"},
        "deferred": {"type": ["array", "null"], "items": element},
        "delay_reasons": {"type": ["string", "null"], "maxLength": response::breach::MAX_TEXT}
    }});
    let s_breach_submit = json!({"type": "object", "additionalProperties": false, "properties": {
            "delay_reasons": {"type": ["string", "null"], "maxLength": response::breach::MAX_TEXT}}});
    let s_breach_empty = json!({"type": "object", "additionalProperties": false, "properties": {}});
    let s_breach_share = json!({"type": "object", "additionalProperties": false, "required": ["collection"], "properties": {
            "collection": {"type": "string", "description": "A collection the caller may write (UUID or slug)."},
            "tlp": {"oneOf": [crate::openapi::tlp_input_schema(), {"type": "null"}], "default": "AMBER"}}});
    let s_shared_breach = json!({"type": "object", "required": ["collection", "incident", "impact", "relationships", "tlp"], "properties": {
            "collection": {"type": "string"}, "incident": {"type": "string"}, "impact": {"type": "string"},
            "relationships": {"type": "array", "items": {"type": "string"}}, "tlp": {"$ref": "#/components/schemas/Tlp"}}});
    let s_breach = json!({"type": "object", "required": ["id", "title", "regime", "reporter", "recipient", "status", "allowed", "aware_at", "late", "contents", "deferred", "missing", "complete", "actors", "revision", "created", "updated", "history"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "regime": {"type": "string"},
        "reporter": {"type": "string"}, "recipient": {"type": "string"},
        "status": {"type": "string", "enum": statuses},
        "allowed": {"type": "array", "items": {"type": "string", "enum": actions}},
        "aware_at": time.clone(), "deadline": time.clone(), "late": {"type": "boolean"},
        "submitted_at": time.clone(), "escalated_at": time.clone(), "delay_reasons": {"type": "string"},
        "contents": {"$ref": "#/components/schemas/BreachContents"},
        "deferred": {"type": "array", "items": {"type": "string"}},
        "missing": {"type": "array", "items": {"type": "string"}},
        "complete": {"type": "boolean"},
        "actors": {"type": "array", "items": {"type": "object", "required": ["collection", "id"], "properties": {"collection": {"type": "string"}, "id": {"type": "string"}}}},
        "revision": {"type": "integer"}, "created": time.clone(), "updated": time.clone(),
        "history": {"type": "array", "items": {"type": "object", "required": ["revision", "action", "rule", "status", "by", "missing", "at"], "properties": {
            "revision": {"type": "integer"}, "action": {"type": "string"}, "rule": {"type": "string"}, "status": {"type": "string"},
            "by": {"type": "string"}, "missing": {"type": "array", "items": {"type": "string"}}, "at": time.clone()}}}
    }});
    let s_breach_page = json!({"type": "object", "required": ["breaches"], "properties": {
            "breaches": {"type": "array", "items": {"type": "object", "required": ["id", "title", "regime", "reporter", "recipient", "status", "late", "created"], "properties": {
                "id": {"type": "string"}, "title": {"type": "string"}, "regime": {"type": "string"}, "reporter": {"type": "string"},
                "recipient": {"type": "string"}, "status": {"type": "string"}, "deadline": time.clone(), "late": {"type": "boolean"}, "created": time}}},
            "next": {"type": "string"}}});
    let schemas = json!({
        "BreachContents": s_breach_contents,
        "NewBreach": s_new_breach,
        "BreachUpdate": s_breach_update,
        "BreachSubmit": s_breach_submit,
        "BreachEmpty": s_breach_empty,
        "BreachShare": s_breach_share,
        "SharedBreach": s_shared_breach,
        "Breach": s_breach,
        "BreachPage": s_breach_page,
    });
    let not_found = "Unknown report, or one the caller's organisation neither made nor received.";
    let step = |op: &str, summary: &str, schema: &str| {
        json!({"post": {
            "operationId": op, "summary": summary, "parameters": [id.clone()],
            "requestBody": body(schema),
            "responses": {"200": ok("The report.", "Breach"), "400": err("Invalid input: every field is named."),
                "401": err("Missing or wrong credentials."), "403": err("The wrong side or a reader."),
                "404": err(not_found), "409": err("invalid_transition: current and allowed name the state and the actions allowed from it.")}
        }})
    };
    let paths = json!({
        "/api/v1/breaches": {
            "post": {
                "operationId": "createBreach",
                "summary": "Report a breach (an analyst or admin of a platform or ISP) to an authority (sector government), as a draft or, with submit, submitted. Every missing element of the regime not listed in deferred, a late submission without delay_reasons, a reporter or recipient of the wrong sector, an unknown actor: 400 naming each field, nothing stored. The deadline is computed (gdpr-art33: 72 hours after aware_at).",
                "requestBody": body("NewBreach"),
                "responses": {"201": ok("The report.", "Breach"), "400": err("Invalid input: every field is named."), "401": err("Missing or wrong credentials."), "403": err("Reader role.")}
            },
            "get": {
                "operationId": "listBreaches",
                "summary": "The reports the caller's organisation made or received, newest first; nobody else's.",
                "parameters": [
                    {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": breaches::MAX_PAGE}},
                    {"name": "next", "in": "query", "required": false, "schema": {"type": "string"}}
                ],
                "responses": {"200": ok("A page.", "BreachPage"), "400": err("Bad parameter or cursor."), "401": err("Missing or wrong credentials.")}
            }
        },
        "/api/v1/breaches/{id}": {
            "get": {
                "operationId": "getBreach", "summary": "A report with its history (its reporter and recipient only).",
                "parameters": [id.clone()],
                "responses": {"200": ok("The report.", "Breach"), "401": err("Missing or wrong credentials."), "404": err(not_found)}
            },
            "patch": {
                "operationId": "updateBreach", "summary": "A later phase of the contents (the reporter): the elements given replace the earlier ones; a new revision. A submitted report with every element becomes complete.",
                "parameters": [id.clone()],
                "requestBody": body("BreachUpdate"),
                "responses": {"200": ok("The report.", "Breach"), "400": err("Invalid input: every field is named."), "401": err("Missing or wrong credentials."), "403": err("The recipient or a reader."), "404": err(not_found), "409": err("invalid_transition.")}
            }
        },
        "/api/v1/breaches/{id}/submit": step("submitBreach", "Submit the report (the reporter, once); past the deadline it must carry delay_reasons.", "BreachSubmit"),
        "/api/v1/breaches/{id}/acknowledge": step("acknowledgeBreach", "Acknowledge a submitted report (the recipient).", "BreachEmpty"),
        "/api/v1/breaches/{id}/close": step("closeBreach", "Close a report (the recipient).", "BreachEmpty"),
        "/api/v1/breaches/{id}/share": {"post": {
            "operationId": "shareBreach",
            "summary": "Share a submitted report (the reporter) as a STIX 2.1 incident with the OASIS incident extension and a confidentiality impact, related-to its attributed intrusion sets and threat actors, at the chosen TLP (RED: the reporter and the recipient as recipients). No free text or personal data of the report is shared.",
            "parameters": [id.clone()],
            "requestBody": body("BreachShare"),
            "responses": {"200": ok("What was published.", "SharedBreach"), "400": err("Unknown collection, one the caller may not write, or a bad TLP."), "401": err("Missing or wrong credentials."), "403": err("The recipient or a reader."), "404": err(not_found), "409": err("invalid_transition: not submitted yet.")}
        }}
    });
    if let (Some(target), Value::Object(add)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), paths)
    {
        target.extend(add);
    }
    if let (Some(target), Value::Object(add)) = (
        doc.pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut),
        schemas,
    ) {
        target.extend(add);
    }
}
