//! REST routes for alerts between partners under `/api/v1/alerts` and the operator's groups of
//! organisations under `/api/v1/groups`, plus their OpenAPI paths.
//!
//! The rules are the `alerts` service's (and through it the `response` engine's and the hub's
//! access decision); this module maps requests and errors. A transition the recipient's state
//! does not allow answers 409 `invalid_transition` with `current` and `allowed` in the error.

use alerts::{Action, AlertError, Alerts, Answer, Forward, NewGroup, RaiseAlert};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Principal;
use crate::body::ApiJson;
use crate::codes::Code;
use crate::error::{blocking, ApiError};
use crate::filters::query_pairs;
use crate::AppState;

/// An error of an alerts route: the REST error, or a refused transition with its states.
pub(crate) enum RouteError {
    Api(ApiError),
    Transition {
        message: String,
        current: String,
        allowed: Vec<String>,
    },
}

impl From<ApiError> for RouteError {
    fn from(e: ApiError) -> RouteError {
        RouteError::Api(e)
    }
}

impl From<hub::HubError> for RouteError {
    fn from(e: hub::HubError) -> RouteError {
        RouteError::Api(e.into())
    }
}

impl From<AlertError> for RouteError {
    fn from(e: AlertError) -> RouteError {
        let msg = e.to_string();
        match e {
            AlertError::Invalid { field, message } => RouteError::Api(ApiError {
                code: Code::InvalidInput,
                message,
                field: Some(field),
            }),
            AlertError::NotVisible(_) => RouteError::Api(ApiError {
                code: Code::InvalidInput,
                message: msg,
                field: Some("objects".to_string()),
            }),
            AlertError::NotFound(_) => RouteError::Api(ApiError::new(Code::NotFound, msg)),
            AlertError::Forbidden(m) => RouteError::Api(ApiError::new(Code::Forbidden, m)),
            AlertError::Conflict(m) => RouteError::Api(ApiError::new(Code::Conflict, m)),
            AlertError::Transition {
                current, allowed, ..
            } => RouteError::Transition {
                message: msg,
                current,
                allowed,
            },
            AlertError::Hub(h) => RouteError::Api(h.into()),
            // A variant added later answers as an internal error until it is mapped.
            #[allow(unreachable_patterns)]
            _ => RouteError::Api(ApiError::internal()),
        }
    }
}

impl IntoResponse for RouteError {
    fn into_response(self) -> Response {
        match self {
            RouteError::Api(e) => e.into_response(),
            RouteError::Transition {
                message,
                current,
                allowed,
            } => {
                let body = json!({"error": {
                    "code": Code::InvalidTransition.as_str(),
                    "message": message,
                    "current": current,
                    "allowed": allowed,
                }});
                let mut resp = (Code::InvalidTransition.status(), body.to_string()).into_response();
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                resp
            }
        }
    }
}

type RouteResult = Result<Response, RouteError>;

/// Runs an alerts call on the blocking pool.
async fn run<T, F>(f: F) -> Result<T, RouteError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AlertError> + Send + 'static,
{
    let out = blocking(move || Ok(f())).await?;
    out.map_err(RouteError::from)
}

/// The alert and group routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/alerts", post(raise).get(list))
        .route("/api/v1/alerts/{id}", get(show))
        .route("/api/v1/alerts/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/alerts/{id}/contribute", post(contribute))
        .route("/api/v1/alerts/{id}/decline", post(decline))
        .route("/api/v1/alerts/{id}/forward", post(forward))
        .route("/api/v1/groups", post(create_group).get(list_groups))
        .route("/api/v1/groups/{id}", get(show_group).patch(rename_group))
        .route(
            "/api/v1/groups/{id}/members/{org}",
            put(add_member).delete(remove_member),
        )
}

fn service(state: &AppState) -> Alerts {
    state.alerts().clone()
}

/// `POST /api/v1/alerts`.
async fn raise(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(req): ApiJson<RaiseAlert>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.raise(&p, &req)).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `GET /api/v1/alerts?box=inbox|sent&limit=N&next=CURSOR`.
async fn list(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> RouteResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut sent = false;
    let mut limit = None;
    let mut next = None;
    for (k, v) in pairs {
        match k.as_str() {
            "box" => {
                sent = match v.as_str() {
                    "inbox" => false,
                    "sent" => true,
                    _ => return Err(ApiError::invalid("box", "must be inbox or sent").into()),
                }
            }
            "limit" => {
                limit = Some(
                    v.parse::<usize>()
                        .map_err(|_| ApiError::invalid("limit", "must be a positive integer"))?,
                )
            }
            "next" => next = Some(v),
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown parameter; expected box, limit, next",
                )
                .into())
            }
        }
    }
    let svc = service(&state);
    let page = run(move || {
        if sent {
            svc.sent(&p, limit, next.as_deref())
        } else {
            svc.inbox(&p, limit, next.as_deref())
        }
    })
    .await?;
    Ok(Json(page).into_response())
}

/// `GET /api/v1/alerts/{id}`.
async fn show(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.alert(&p, &id)).await?;
    Ok(Json(v).into_response())
}

/// The body of an answer: a JSON object with an optional comment (`{}` for none).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    #[serde(default)]
    comment: String,
}

async fn answer(
    state: AppState,
    p: std::sync::Arc<hub::Principal>,
    id: String,
    action: Action,
    body: AnswerBody,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || {
        svc.answer(
            &p,
            &id,
            action,
            &Answer {
                comment: body.comment,
            },
        )
    })
    .await?;
    Ok(Json(v).into_response())
}

/// `POST /api/v1/alerts/{id}/acknowledge`.
async fn acknowledge(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> RouteResult {
    answer(state, p, id, Action::Acknowledge, body).await
}

/// `POST /api/v1/alerts/{id}/contribute`.
async fn contribute(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> RouteResult {
    answer(state, p, id, Action::Contribute, body).await
}

/// `POST /api/v1/alerts/{id}/decline`.
async fn decline(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> RouteResult {
    answer(state, p, id, Action::Decline, body).await
}

/// `POST /api/v1/alerts/{id}/forward`.
async fn forward(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Forward>,
) -> RouteResult {
    let svc = service(&state);
    let v = run(move || svc.forward(&p, &id, &req)).await?;
    Ok(Json(v).into_response())
}

/// `POST /api/v1/groups` (operator).
async fn create_group(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(req): ApiJson<NewGroup>,
) -> RouteResult {
    let svc = service(&state);
    let g = run(move || svc.create_group(hub::Actor::User(&p), &req)).await?;
    Ok((StatusCode::CREATED, Json(g)).into_response())
}

/// `GET /api/v1/groups`.
async fn list_groups(State(state): State<AppState>, Principal(_p): Principal) -> RouteResult {
    let svc = service(&state);
    let groups = run(move || svc.list_groups()).await?;
    Ok(Json(json!({"groups": groups})).into_response())
}

/// `GET /api/v1/groups/{id}`.
async fn show_group(
    State(state): State<AppState>,
    Principal(_p): Principal,
    Path(id): Path<String>,
) -> RouteResult {
    let svc = service(&state);
    let g = run(move || svc.group(&id)).await?;
    Ok(Json(g).into_response())
}

/// The body of a rename.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    name: String,
}

/// `PATCH /api/v1/groups/{id}` (operator): `{name}`.
async fn rename_group(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Rename>,
) -> RouteResult {
    let svc = service(&state);
    let g = run(move || svc.rename_group(hub::Actor::User(&p), &id, &req.name)).await?;
    Ok(Json(g).into_response())
}

/// `PUT /api/v1/groups/{id}/members/{org}` (operator).
async fn add_member(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, org)): Path<(String, String)>,
) -> RouteResult {
    let svc = service(&state);
    let g = run(move || svc.set_member(hub::Actor::User(&p), &id, &org, true)).await?;
    Ok(Json(g).into_response())
}

/// `DELETE /api/v1/groups/{id}/members/{org}` (operator).
async fn remove_member(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, org)): Path<(String, String)>,
) -> RouteResult {
    let svc = service(&state);
    let g = run(move || svc.set_member(hub::Actor::User(&p), &id, &org, false)).await?;
    Ok(Json(g).into_response())
}

/// Adds the alert and group paths and schemas to the OpenAPI document.
pub fn merge_openapi(doc: &mut Value) {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let body = |schema: &str| json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let gid = json!({"name": "id", "in": "path", "required": true, "description": "The group's id or name.", "schema": {"type": "string"}});
    let org = json!({"name": "org", "in": "path", "required": true, "description": "An organisation's slug.", "schema": {"type": "string"}});
    let text = |max: usize, empty: bool| crate::openapi::text_schema(max, empty);
    let time = json!({"type": "string", "format": "date-time"});
    let states =
        json!({"type": "string", "enum": ["pending", "acknowledged", "contributed", "declined"]});
    let actions = json!({"type": "array", "items": {"type": "string", "enum": ["acknowledge", "contribute", "decline"]}});
    let schemas = json!({
        "RaiseAlert": {"type": "object", "additionalProperties": false, "required": ["title"], "properties": {
            "title": text(alerts::MAX_TITLE, false),
            "summary": text(alerts::MAX_SUMMARY, true),
            "priority": {"type": "string", "enum": ["information", "alert"], "default": "alert"},
            "tlp": {"oneOf": [crate::openapi::tlp_input_schema(), {"type": "null"}], "default": "AMBER"},
            "objects": {"type": "array", "maxItems": alerts::MAX_OBJECTS, "items": {"type": "object", "additionalProperties": false, "required": ["collection", "id"], "properties": {
                "collection": {"type": "string", "description": "UUID or slug."}, "id": {"type": "string", "description": "A stored STIX id the caller may see."}}}},
            "recipients": {"type": "array", "items": {"type": "string"}, "description": "Organisation slugs."},
            "groups": {"type": "array", "items": {"type": "string"}, "description": "Group names, expanded to their members when the alert is raised."},
            "responses": {"type": "array", "maxItems": alerts::MAX_RESPONSES, "items": text(alerts::MAX_RESPONSE, false)},
            "respond_by": {"type": ["string", "null"], "format": "date-time", "description": "Must be in the future."}
        }},
        "AlertAnswer": {"type": "object", "additionalProperties": false, "properties": {"comment": text(alerts::MAX_COMMENT, true)}},
        "AlertForward": {"type": "object", "additionalProperties": false, "properties": {
            "recipients": {"type": "array", "items": {"type": "string"}}, "groups": {"type": "array", "items": {"type": "string"}}}},
        "Alert": {"type": "object", "required": ["id", "title", "summary", "priority", "tlp", "sender", "raised_by", "objects", "responses", "created", "forwardable", "recipients", "events"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
            "priority": {"type": "string", "enum": ["information", "alert"]},
            "tlp": {"$ref": "#/components/schemas/Tlp"},
            "sender": {"type": "string"}, "raised_by": {"type": "string"},
            "objects": {"type": "array", "items": {"type": "object", "required": ["collection", "id"], "properties": {"collection": {"type": "string"}, "id": {"type": "string"}}}},
            "responses": {"type": "array", "items": {"type": "string"}},
            "respond_by": time.clone(), "created": time.clone(),
            "forwardable": {"type": "boolean", "description": "Whether the TLP allows forwarding (CLEAR, GREEN)."},
            "recipients": {"type": "array", "items": {"type": "object", "required": ["org", "state", "allowed", "overdue", "added", "updated"], "properties": {
                "org": {"type": "string"}, "state": states.clone(), "allowed": actions.clone(), "overdue": {"type": "boolean"},
                "via_group": {"type": "string"}, "forwarded_by": {"type": "string"}, "added": time.clone(), "updated": time.clone()}}},
            "events": {"type": "array", "items": {"type": "object", "required": ["org", "user", "action", "from", "to", "rule", "comment", "at"], "properties": {
                "org": {"type": "string"}, "user": {"type": "string"}, "action": {"type": "string"}, "from": states.clone(), "to": states.clone(),
                "rule": {"type": "string"}, "comment": {"type": "string"}, "at": time.clone()}}}
        }},
        "AlertPage": {"type": "object", "required": ["alerts"], "properties": {
            "alerts": {"type": "array", "items": {"type": "object", "required": ["id", "title", "priority", "tlp", "sender", "created"], "properties": {
                "id": {"type": "string"}, "title": {"type": "string"}, "priority": {"type": "string"}, "tlp": {"$ref": "#/components/schemas/Tlp"},
                "sender": {"type": "string"}, "respond_by": time.clone(), "created": time.clone(), "state": states}}},
            "next": {"type": "string"}}},
        "Group": {"type": "object", "required": ["id", "name", "members", "created"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "members": {"type": "array", "items": {"type": "string"}}, "created": time}},
        "GroupList": {"type": "object", "required": ["groups"], "properties": {"groups": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}}}},
        "NewGroup": {"type": "object", "additionalProperties": false, "required": ["name"], "properties": {
            "name": text(alerts::MAX_GROUP_NAME, false), "members": {"type": "array", "items": {"type": "string"}}}},
        "GroupRename": {"type": "object", "additionalProperties": false, "required": ["name"], "properties": {"name": text(alerts::MAX_GROUP_NAME, false)}}
    });
    let answer_op = |op: &str, what: &str| {
        json!({"post": {
            "operationId": op,
            "summary": format!("{what} (an analyst or admin of a recipient organisation, for its own organisation; the sender cannot answer for a recipient). The comment is recorded with the time and the rule."),
            "parameters": [id.clone()],
            "requestBody": body("AlertAnswer"),
            "responses": {"200": ok("The alert.", "Alert"), "400": err("Invalid comment."), "401": err("Missing or wrong credentials."),
                "403": err("The sender, a reader, or another role that may not answer."), "404": err("Unknown alert, or one the caller's organisation neither sent nor received."),
                "409": err("invalid_transition: the recipient's state does not allow this; current and allowed name the state and the actions allowed from it."),
                "413": err("Body too large."), "415": err("Not JSON.")}
        }})
    };
    let paths = json!({
        "/api/v1/alerts": {
            "post": {
                "operationId": "raiseAlert",
                "summary": "Raise an alert (analyst or admin) to organisations and groups (expanded now, the sender left out), each recipient pending. Every referenced object must be a stored object the caller may see (else 400 on objects[i]) and that every recipient may see by the hub's access decision (else 400 on objects naming each blocking object and recipient). The respond-by time must be in the future.",
                "requestBody": body("RaiseAlert"),
                "responses": {"201": ok("The alert.", "Alert"), "400": err("Invalid input: the field is named."), "401": err("Missing or wrong credentials."), "403": err("Reader role."), "413": err("Body too large."), "415": err("Not JSON.")}
            },
            "get": {
                "operationId": "listAlerts",
                "summary": "The caller's organisation's inbox (alerts addressed to it, newest first by arrival) or, with box=sent, the alerts it sent, newest first; stable cursor paging.",
                "parameters": [
                    {"name": "box", "in": "query", "required": false, "schema": {"type": "string", "enum": ["inbox", "sent"], "default": "inbox"}},
                    {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": alerts::MAX_PAGE}},
                    {"name": "next", "in": "query", "required": false, "description": "The cursor of the previous page.", "schema": {"type": "string"}}
                ],
                "responses": {"200": ok("A page.", "AlertPage"), "400": err("Bad parameter or cursor."), "401": err("Missing or wrong credentials.")}
            }
        },
        "/api/v1/alerts/{id}": {"get": {
            "operationId": "getAlert", "summary": "An alert with its recipients and answers (its sender and recipients only).",
            "parameters": [id.clone()],
            "responses": {"200": ok("The alert.", "Alert"), "401": err("Missing or wrong credentials."), "404": err("Unknown alert, or one the caller's organisation neither sent nor received.")}
        }},
        "/api/v1/alerts/{id}/acknowledge": answer_op("acknowledgeAlert", "Acknowledge an alert: pending to acknowledged"),
        "/api/v1/alerts/{id}/contribute": answer_op("contributeAlert", "Contribute: acknowledged to contributed"),
        "/api/v1/alerts/{id}/decline": answer_op("declineAlert", "Decline: acknowledged to declined"),
        "/api/v1/alerts/{id}/forward": {"post": {
            "operationId": "forwardAlert",
            "summary": "Forward an alert to further organisations (the sender or a recipient, analyst or admin): only TLP:CLEAR and TLP:GREEN alerts (TLP 2.0: AMBER stays within the recipient organisation and its clients, AMBER+STRICT within the organisation, RED with the named recipients). Every new recipient must be able to see every referenced object.",
            "parameters": [id.clone()],
            "requestBody": body("AlertForward"),
            "responses": {"200": ok("The alert.", "Alert"), "400": err("Unknown organisation or group, nobody new, or an object a new recipient may not see."), "401": err("Missing or wrong credentials."),
                "403": err("The TLP does not allow forwarding, or the role may not forward."), "404": err("Unknown alert, or one the caller's organisation neither sent nor received."), "413": err("Body too large."), "415": err("Not JSON.")}
        }},
        "/api/v1/groups": {
            "post": {
                "operationId": "createGroup", "summary": "Create a named group of organisations (operator).",
                "requestBody": body("NewGroup"),
                "responses": {"201": ok("The group.", "Group"), "400": err("Invalid name or unknown organisation."), "401": err("Missing or wrong credentials."), "403": err("Not the operator."), "409": err("A group with this name exists."), "413": err("Body too large."), "415": err("Not JSON.")}
            },
            "get": {
                "operationId": "listGroups", "summary": "Every group, by name (any user: alerts name them).",
                "responses": {"200": ok("The groups.", "GroupList"), "401": err("Missing or wrong credentials.")}
            }
        },
        "/api/v1/groups/{id}": {
            "get": {
                "operationId": "getGroup", "summary": "A group by id or name.",
                "parameters": [gid.clone()],
                "responses": {"200": ok("The group.", "Group"), "401": err("Missing or wrong credentials."), "404": err("Unknown group.")}
            },
            "patch": {
                "operationId": "renameGroup", "summary": "Rename a group (operator).",
                "parameters": [gid.clone()],
                "requestBody": body("GroupRename"),
                "responses": {"200": ok("The group.", "Group"), "400": err("Invalid name."), "401": err("Missing or wrong credentials."), "403": err("Not the operator."), "404": err("Unknown group."), "409": err("A group with this name exists."), "413": err("Body too large."), "415": err("Not JSON.")}
            }
        },
        "/api/v1/groups/{id}/members/{org}": {
            "put": {
                "operationId": "addGroupMember", "summary": "Add an organisation to a group (operator); adding a member twice changes nothing. Alerts already raised keep their recipients.",
                "parameters": [gid.clone(), org.clone()],
                "responses": {"200": ok("The group.", "Group"), "400": err("Unknown organisation."), "401": err("Missing or wrong credentials."), "403": err("Not the operator."), "404": err("Unknown group.")}
            },
            "delete": {
                "operationId": "removeGroupMember", "summary": "Remove an organisation from a group (operator).",
                "parameters": [gid, org],
                "responses": {"200": ok("The group.", "Group"), "400": err("Unknown organisation."), "401": err("Missing or wrong credentials."), "403": err("Not the operator."), "404": err("Unknown group.")}
            }
        }
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
