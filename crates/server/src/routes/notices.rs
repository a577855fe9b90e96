//! REST routes for notices to platforms and ISPs under `/api/v1/notices`: the sender's outbox,
//! approval, sending and versions; the recipient's inbox, acknowledgement, decisions as DSA
//! statements of reasons and their export; appeals; the operator's competent authorities.
//!
//! Only the sender's and, once it is sent, the recipient's users see a notice (404 to anyone
//! else). Bad input answers 400 `invalid_input` naming the first field in `field` and every
//! field in `errors` (`[{field, message}]`), with nothing stored; a step the state machine
//! forbids 409 `invalid_transition` with `current` and `allowed`; a step refused to the caller
//! 403 naming the rule. Times are RFC 3339 UTC.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use notices::{NewDecision, NewNotice, NoticeError};
use response::notice::{AppealAnswer, ItemOutcome, Missing, NoticeContent};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::body::ApiJson;
use crate::codes::Code;
use crate::error::{blocking_typed, ApiError};
use crate::filters::query_pairs;
use crate::routes::alerts::RouteError;
use crate::AppState;

mod findings;

/// The error of a notices route: the shared shapes, or invalid input naming every field.
pub(crate) enum NoticeRouteError {
    Route(RouteError),
    Fields(Vec<Missing>),
}

impl<T: Into<RouteError>> From<T> for NoticeRouteError {
    fn from(e: T) -> NoticeRouteError {
        NoticeRouteError::Route(e.into())
    }
}

fn from_notice(e: NoticeError) -> NoticeRouteError {
    let msg = e.to_string();
    match e {
        NoticeError::Invalid(missing) => NoticeRouteError::Fields(missing),
        NoticeError::NotVisible(blocked) => NoticeRouteError::Fields(
            blocked
                .into_iter()
                .map(|b| Missing {
                    field: format!("items[{}]", b.item),
                    message: format!(
                        "the recipient {} may not see the object {} (its marking or the \
                         collection's grants)",
                        b.org, b.object
                    ),
                })
                .collect(),
        ),
        NoticeError::NotFound(_) => ApiError::new(Code::NotFound, msg).into(),
        NoticeError::Forbidden(m) => ApiError::new(Code::Forbidden, m).into(),
        NoticeError::Conflict(m) => ApiError::new(Code::Conflict, m).into(),
        NoticeError::Transition {
            current, allowed, ..
        } => NoticeRouteError::Route(RouteError::Transition {
            message: msg,
            current,
            allowed,
        }),
        NoticeError::Hub(h) => ApiError::from(h).into(),
        // A variant added later answers as an internal error until it is mapped.
        #[allow(unreachable_patterns)]
        _ => ApiError::internal().into(),
    }
}

impl IntoResponse for NoticeRouteError {
    fn into_response(self) -> Response {
        let me = match self {
            // A field named by the shared parsers answers in the same shape, with errors.
            NoticeRouteError::Route(RouteError::Api(ApiError {
                code: Code::InvalidInput,
                message,
                field: Some(field),
            })) => NoticeRouteError::Fields(vec![Missing { field, message }]),
            other => other,
        };
        match me {
            NoticeRouteError::Route(r) => r.into_response(),
            NoticeRouteError::Fields(missing) => {
                let message = missing
                    .iter()
                    .map(|m| format!("{}: {}", m.field, m.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                let body = json!({"error": {
                    "code": Code::InvalidInput.as_str(),
                    "message": message,
                    "field": missing.first().map(|m| m.field.clone()),
                    "errors": missing,
                }});
                let mut resp = (Code::InvalidInput.status(), body.to_string()).into_response();
                resp.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                resp
            }
        }
    }
}

type ApiResult = Result<Response, NoticeRouteError>;

/// The largest body of a notice, a version or a decisions call (8 MiB, the server's default
/// `--max-content-length`, which still applies on top): a notice may name
/// `response::notice::MAX_ITEMS` (10,000) items, beyond the default 64 KiB of a REST body.
const MAX_NOTICE_BODY: usize = 8 * 1024 * 1024;

/// Runs a notices call on the blocking pool.
async fn run<T, F>(f: F) -> Result<T, NoticeRouteError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, NoticeError> + Send + 'static,
{
    blocking_typed(f).await.map_err(from_notice)
}

/// The notice routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notices", post(create).get(outbox))
        .route("/api/v1/notices/inbox", get(inbox))
        .route("/api/v1/notices/decisions", get(by_puid))
        .route("/api/v1/notices/decisions/export", get(export))
        .route("/api/v1/notices/authorities", get(authorities))
        .route(
            "/api/v1/notices/authorities/{org}",
            put(set_authority).delete(unset_authority),
        )
        .route("/api/v1/notices/{id}", get(show))
        .route(
            "/api/v1/notices/{id}/versions",
            post(new_version).get(versions),
        )
        .route("/api/v1/notices/{id}/approve", post(approve))
        .route("/api/v1/notices/{id}/send", post(send))
        .route("/api/v1/notices/{id}/acknowledge", post(acknowledge))
        .route("/api/v1/notices/{id}/decisions", post(decide))
        .route("/api/v1/notices/{id}/appeal", post(appeal))
        .route("/api/v1/notices/{id}/appeal/answer", post(answer))
        .route("/api/v1/notices/{id}/close", post(close))
        .route("/api/v1/notices/stats", get(stats).post(publish_stats))
        .merge(findings::routes())
}

/// The body of a new notice or version: the content's fields, with the recipient and links
/// (unknown fields are refused by the content's own parser).
#[derive(Deserialize)]
struct NoticeBody {
    #[serde(default)]
    recipient: Option<String>,
    #[serde(default)]
    tlp: Option<String>,
    #[serde(default)]
    case_id: Option<String>,
    #[serde(default)]
    action_id: Option<String>,
    #[serde(default)]
    respond_by: Option<String>,
    #[serde(flatten)]
    content: serde_json::Map<String, serde_json::Value>,
}

impl NoticeBody {
    /// The typed notice; a malformed field is named.
    fn into_new(self, need_recipient: bool) -> Result<NewNotice, NoticeRouteError> {
        let recipient = match self.recipient {
            Some(r) => r,
            None if need_recipient => {
                return Err(
                    ApiError::invalid("recipient", "the recipient organisation (slug)").into(),
                )
            }
            None => String::new(),
        };
        let tlp = match self.tlp.as_deref() {
            None => None,
            Some(t) => Some(
                t.parse::<stix::Tlp>()
                    .map_err(|e| ApiError::invalid("tlp", e.to_string()))?,
            ),
        };
        let respond_by = match self.respond_by.as_deref() {
            None => None,
            Some(v) => Some(
                stix::parse_timestamp(v)
                    .map(|m| m.div_euclid(1_000_000))
                    .map_err(|e| {
                        ApiError::invalid("respond_by", format!("not an RFC 3339 UTC time: {e}"))
                    })?,
            ),
        };
        let content: NoticeContent = parse_named(serde_json::Value::Object(self.content))?;
        Ok(NewNotice {
            recipient,
            tlp,
            content,
            case_id: self.case_id,
            action_id: self.action_id,
            respond_by,
        })
    }
}

/// Parses `value` as `T`, naming the field at fault (`items[1].type`, `kind`).
fn parse_named<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, NoticeRouteError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            missing_field(&e.inner().to_string()).unwrap_or_else(|| "body".to_string())
        } else {
            path
        };
        ApiError::invalid(&field, e.inner().to_string()).into()
    })
}

/// The field a serde "missing field `x`" or "unknown field `x`" message names.
fn missing_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// `POST /api/v1/notices`: a draft.
async fn create(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<NoticeBody, MAX_NOTICE_BODY>,
) -> ApiResult {
    let new = b.into_new(true)?;
    let notices = state.notices().clone();
    let view = run(move || notices.create(&p, &new)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `POST /api/v1/notices/{id}/versions`: a corrected version (a new draft).
async fn new_version(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoticeBody, MAX_NOTICE_BODY>,
) -> ApiResult {
    let new = b.into_new(false)?;
    let notices = state.notices().clone();
    let view = run(move || notices.new_version(&p, &id, &new)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// The answer of the version list.
#[derive(Serialize)]
struct VersionList {
    versions: Vec<notices::NoticeView>,
}

/// `GET /api/v1/notices/{id}/versions`.
async fn versions(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let notices = state.notices().clone();
    let versions = run(move || notices.versions(&p, &id)).await?;
    Ok(Json(VersionList { versions }).into_response())
}

/// The query of a page: `limit` (1 to `max`) and the cursor parameter `cursor`.
fn page_query(
    q: Option<&str>,
    cursor: &str,
    max: usize,
) -> Result<(Option<usize>, Option<String>), NoticeRouteError> {
    let pairs = query_pairs(q).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let (mut limit, mut next) = (None, None);
    for (k, v) in pairs {
        match k.as_str() {
            "limit" => {
                limit = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or_else(|| {
                            ApiError::invalid(
                                "limit",
                                format!("must be an integer from 1 to {max}"),
                            )
                        })?,
                )
            }
            k if k == cursor => next = Some(v),
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown query parameter: expected limit or {cursor}"),
                )
                .into())
            }
        }
    }
    Ok((limit, next))
}

/// `GET /api/v1/notices?limit=N&next=CURSOR`: the caller's organisation's notices, newest
/// first.
async fn outbox(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let (limit, next) = page_query(q.as_deref(), "next", notices::MAX_PAGE)?;
    let notices = state.notices().clone();
    let page = run(move || notices.outbox(&p, limit, next.as_deref())).await?;
    Ok(Json(page).into_response())
}

/// `GET /api/v1/notices/inbox?after=CURSOR&limit=N`: the notices sent to the caller's
/// organisation after the cursor, oldest first; `next` continues.
async fn inbox(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let (limit, after) = page_query(q.as_deref(), "after", notices::MAX_PAGE)?;
    let notices = state.notices().clone();
    let page = run(move || notices.inbox(&p, after.as_deref(), limit)).await?;
    Ok(Json(page).into_response())
}

/// `GET /api/v1/notices/{id}`: the recipient's first read marks it delivered.
async fn show(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let notices = state.notices().clone();
    let view = run(move || notices.show(&p, &id)).await?;
    Ok(Json(view).into_response())
}

macro_rules! step_route {
    ($name:ident, $method:ident, $doc:literal) => {
        #[doc = $doc]
        async fn $name(
            State(state): State<AppState>,
            Principal(p): Principal,
            Path(id): Path<String>,
        ) -> ApiResult {
            let notices = state.notices().clone();
            let view = run(move || notices.$method(&p, &id)).await?;
            Ok(Json(view).into_response())
        }
    };
}

step_route!(approve, approve, "`POST /api/v1/notices/{id}/approve`.");
step_route!(send, send, "`POST /api/v1/notices/{id}/send`.");
step_route!(
    acknowledge,
    acknowledge,
    "`POST /api/v1/notices/{id}/acknowledge`."
);
step_route!(close, close, "`POST /api/v1/notices/{id}/close`.");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    item: usize,
    outcome: ItemOutcome,
    #[serde(default)]
    statement: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionsBody {
    decisions: Vec<serde_json::Value>,
}

/// `POST /api/v1/notices/{id}/decisions`: `{"decisions": [{item, outcome, statement?}]}`.
async fn decide(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionsBody, MAX_NOTICE_BODY>,
) -> ApiResult {
    let mut decisions = Vec::with_capacity(b.decisions.len());
    let mut missing = Vec::new();
    for (i, v) in b.decisions.into_iter().enumerate() {
        let d: DecisionBody = match parse_named(v) {
            Ok(d) => d,
            Err(NoticeRouteError::Route(RouteError::Api(e))) => {
                missing.push(Missing {
                    field: format!("decisions.{i}.{}", e.field.unwrap_or_default()),
                    message: e.message,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let statement = match d.statement {
            None => None,
            Some(s) => match serde_json::from_value::<sor::Statement>(s) {
                Ok(s) => Some(s),
                Err(e) => {
                    let msg = e.to_string();
                    let field = missing_field(&msg).map_or_else(
                        || format!("decisions.{i}.statement"),
                        |f| format!("decisions.{i}.statement.{f}"),
                    );
                    missing.push(Missing {
                        field,
                        message: msg,
                    });
                    continue;
                }
            },
        };
        decisions.push(NewDecision {
            item: d.item,
            outcome: d.outcome,
            statement,
        });
    }
    if !missing.is_empty() {
        return Err(NoticeRouteError::Fields(missing));
    }
    let notices = state.notices().clone();
    let view = run(move || notices.decide(&p, &id, &decisions)).await?;
    Ok(Json(view).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppealBody {
    reasons: String,
}

/// `POST /api/v1/notices/{id}/appeal`: `{reasons}` (the sender, once decided).
async fn appeal(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AppealBody>,
) -> ApiResult {
    let notices = state.notices().clone();
    let view = run(move || notices.appeal(&p, &id, &b.reasons)).await?;
    Ok(Json(view).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    answer: AppealAnswer,
    explanation: String,
}

/// `POST /api/v1/notices/{id}/appeal/answer`: `{answer: upheld|reversed, explanation}`.
async fn answer(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AnswerBody>,
) -> ApiResult {
    let notices = state.notices().clone();
    let view = run(move || notices.answer(&p, &id, b.answer, &b.explanation)).await?;
    Ok(Json(view).into_response())
}

/// The answer of the `puid` look-up.
#[derive(Serialize)]
struct DecisionList {
    decisions: Vec<notices::DecisionView>,
}

/// `GET /api/v1/notices/decisions?puid=P`: the decisions with this `puid` on notices the
/// caller's organisation sent or received.
async fn by_puid(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut puid = None;
    for (k, v) in pairs {
        match k.as_str() {
            "puid" => puid = Some(v),
            other => {
                return Err(
                    ApiError::invalid(other, "unknown query parameter: expected puid").into(),
                )
            }
        }
    }
    let puid = puid.ok_or_else(|| ApiError::invalid("puid", "the puid to look up"))?;
    let notices = state.notices().clone();
    let decisions = run(move || notices.decisions_by_puid(&p, &puid)).await?;
    Ok(Json(DecisionList { decisions }).into_response())
}

/// The header carrying the export's cursor (the body is exactly the Database's request body).
pub(crate) const NEXT_HEADER: &str = "rrm-next";

/// `GET /api/v1/notices/decisions/export?limit=100&after=CURSOR`: the caller's organisation's
/// statements of reasons as `{"statements": [...]}`, at most 100; the cursor of the following
/// ones in the `RRM-Next` header.
async fn export(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let (limit, after) = page_query(q.as_deref(), "after", sor::BATCH_MAX)?;
    let notices = state.notices().clone();
    let out = run(move || notices.export_statements(&p, after.as_deref(), limit)).await?;
    let mut resp = Json(out.batch).into_response();
    if let Ok(v) = HeaderValue::from_str(&out.next) {
        resp.headers_mut().insert(NEXT_HEADER, v);
    }
    Ok(resp)
}

/// The answer of the authority list.
#[derive(Serialize)]
struct AuthorityList {
    authorities: Vec<String>,
}

/// `GET /api/v1/notices/authorities`: the organisations that may issue Art. 9 orders.
async fn authorities(State(state): State<AppState>, Principal(_p): Principal) -> ApiResult {
    let notices = state.notices().clone();
    let authorities = run(move || notices.authorities()).await?;
    Ok(Json(AuthorityList { authorities }).into_response())
}

async fn mark(
    state: AppState,
    p: std::sync::Arc<hub::Principal>,
    org: String,
    on: bool,
) -> ApiResult {
    let notices = state.notices().clone();
    let changed = run(move || notices.set_authority(notices::By::User(&p), &org, on)).await?;
    Ok(Json(json!({"changed": changed, "competent_authority": on})).into_response())
}

/// `PUT /api/v1/notices/authorities/{org}`: the operator marks a competent authority.
async fn set_authority(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(org): Path<String>,
) -> ApiResult {
    mark(state, p, org, true).await
}

/// `DELETE /api/v1/notices/authorities/{org}`: the operator unmarks it.
async fn unset_authority(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(org): Path<String>,
) -> ApiResult {
    mark(state, p, org, false).await
}

/// The operation ids of the notice routes.
const OPERATION_IDS: &[(&str, &str, &str)] = &[
    ("/api/v1/notices/stats", "get", "noticeStats"),
    ("/api/v1/notices/stats", "post", "publishNoticeStats"),
    ("/api/v1/notices", "post", "createNotice"),
    ("/api/v1/notices", "get", "listNotices"),
    ("/api/v1/notices/inbox", "get", "noticeInbox"),
    ("/api/v1/notices/decisions", "get", "findNoticeDecisions"),
    (
        "/api/v1/notices/decisions/export",
        "get",
        "exportNoticeStatements",
    ),
    (
        "/api/v1/notices/authorities",
        "get",
        "listNoticeAuthorities",
    ),
    (
        "/api/v1/notices/authorities/{org}",
        "put",
        "setNoticeAuthority",
    ),
    (
        "/api/v1/notices/authorities/{org}",
        "delete",
        "unsetNoticeAuthority",
    ),
    ("/api/v1/notices/{id}", "get", "getNotice"),
    (
        "/api/v1/notices/{id}/versions",
        "post",
        "createNoticeVersion",
    ),
    ("/api/v1/notices/{id}/versions", "get", "listNoticeVersions"),
    ("/api/v1/notices/{id}/approve", "post", "approveNotice"),
    ("/api/v1/notices/{id}/send", "post", "sendNotice"),
    (
        "/api/v1/notices/{id}/acknowledge",
        "post",
        "acknowledgeNotice",
    ),
    ("/api/v1/notices/{id}/close", "post", "closeNotice"),
    ("/api/v1/notices/{id}/decisions", "post", "decideNotice"),
    ("/api/v1/notices/{id}/appeal", "post", "appealNotice"),
    (
        "/api/v1/notices/{id}/appeal/answer",
        "post",
        "answerNoticeAppeal",
    ),
];

/// Adds the notice routes and schemas to the OpenAPI document.
pub fn merge_openapi(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoticeError"}}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let body = |schema: &str| json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let id = json!({"name": "id", "in": "path", "required": true, "description": "Notice id.", "schema": {"type": "string"}});
    let org = json!({"name": "org", "in": "path", "required": true, "description": "Organisation slug.", "schema": {"type": "string"}});
    let limit = |max: usize| json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": max}});
    let cursor = |name: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": "A cursor from a previous answer."});
    let e400 = err("Invalid input: field names the first field at fault, errors every one (e.g. items, contact.email, bona_fide, kind for an Art. 9 order from an organisation not marked a competent authority, items[i] for an object the recipient may not see, decisions.0.statement.decision_ground); nothing is stored.");
    let e403 = err("The caller's role or organisation does not allow the step (e.g. approval by the author, a sender's step by the recipient); the message names the rule.");
    let e404 = err(
        "Unknown notice, or one the caller's organisation neither sent nor (once sent) received.",
    );
    let e409 = err("invalid_transition: the state machine forbids the step (current and allowed); conflict: a change made meanwhile, a second correction of one version, an item decided twice.");
    let step = |summary: &str| {
        json!({"post": {"summary": summary, "tags": ["notices"], "parameters": [id.clone()],
        "responses": {"200": ok("The notice.", "Notice"), "400": e400.clone(), "403": e403.clone(), "404": e404.clone(), "409": e409.clone()}}})
    };
    let text = json!({"type": "string"});
    let opt_time = json!({"type": ["string", "null"], "format": "date-time"});
    let mut schemas = json!({
        "NoticeError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": text.clone(), "message": text.clone(), "field": {"type": ["string", "null"]},
            "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"], "properties": {"field": text.clone(), "message": text.clone()}}},
            "current": text.clone(), "allowed": {"type": "array", "items": text.clone()}
        }}}},
        "NoticeItem": {"type": "object", "additionalProperties": false, "required": ["type", "value"], "properties": {
            "type": {"type": "string", "enum": ["url", "account", "ip", "domain", "stix"]},
            "value": {"type": "string", "description": "The URL, handle, address, domain or STIX id."},
            "platform": {"type": "string", "description": "The platform's id or handle."},
            "collection": {"type": "string", "description": "A stix item's collection (UUID or slug; UUID on output)."}
        }},
        "NoticeContent": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": ["dsa-art16", "dsa-trusted-flagger", "dsa-art9-order", "tos-report", "abuse-report"]},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeItem"}},
            "explanation": text.clone(), "ground": {"type": "string", "description": "The legal provision or terms-of-service clause."},
            "territorial_scope": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
            "contact": {"type": "object", "additionalProperties": false, "properties": {"name": text.clone(), "email": text.clone()}},
            "bona_fide": {"type": "boolean", "description": "The Art. 16(2)(d) statement."},
            "trusted_flagger": {"type": "string", "description": "The Art. 22 designation reference."},
            "order": {"type": "object", "additionalProperties": false, "properties": {"issuing_authority": text.clone(), "redress": text.clone()}},
            "xarf": {"type": "object", "additionalProperties": false, "description": "XARF v4 fields of an abuse report.", "properties": {
                "ReporterInfo": {"type": "object", "additionalProperties": false, "properties": {"ReporterOrg": text.clone(), "ReporterOrgDomain": text.clone(), "ReporterOrgEmail": text.clone(), "ReporterContactEmail": text.clone(), "ReporterContactName": text.clone()}},
                "Disclosure": {"type": "boolean"}, "ReportClass": {"type": "string", "enum": ["Content", "Activity"]},
                "ReportType": text.clone(), "Date": {"type": "string", "format": "date-time"}
            }}
        }},
        "NewNotice": {"allOf": [{"$ref": "#/components/schemas/NoticeContent"}, {"type": "object", "properties": {
            "recipient": {"type": "string", "description": "The recipient organisation's slug (a platform or ISP); required on create, ignored for a version."},
            "tlp": crate::openapi::tlp_input_schema(),
            "case_id": text.clone(), "action_id": text.clone(),
            "respond_by": {"type": "string", "format": "date-time"}
        }}]},
        "NoticeDecision": {"type": "object", "required": ["notice", "item", "outcome", "decided_at"], "properties": {
            "notice": text.clone(), "item": {"type": "integer"}, "outcome": {"type": "string", "enum": ["actioned", "no-action"]},
            "puid": {"type": ["string", "null"]}, "statement": {"type": ["object", "null"], "description": "A DSA Transparency Database statement of reasons."},
            "decided_at": {"type": "string", "format": "date-time"}
        }},
        "Notice": {"allOf": [{"$ref": "#/components/schemas/NoticeContent"}, {"type": "object", "required": ["id", "root", "version", "sender", "recipient", "tlp", "status", "decisions"], "properties": {
            "id": text.clone(), "root": text.clone(), "version": {"type": "integer"}, "previous": {"type": ["string", "null"]},
            "sender": text.clone(), "recipient": text.clone(), "tlp": text.clone(),
            "status": {"type": "string", "enum": ["draft", "approved", "sent", "delivered", "under-review", "decided", "appealed", "closed", "expired", "escalated"]},
            "outcome": {"type": ["string", "null"], "enum": ["actioned", "partially-actioned", "no-action", null]},
            "author": text.clone(), "approved_by": {"type": ["string", "null"]},
            "frozen": {"type": ["string", "null"], "description": "The canonical JSON (sorted keys, no whitespace) frozen when sent."},
            "content_hash": {"type": ["string", "null"], "description": "SHA-256 (hex) of frozen."},
            "respond_by": opt_time.clone(), "sent_at": opt_time.clone(), "delivered_at": opt_time.clone(),
            "acknowledged_at": opt_time.clone(), "decided_at": opt_time.clone(),
            "decisions": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeDecision"}},
            "appeal": {"type": ["object", "null"]}
        }}]},
        "NoticePage": {"type": "object", "required": ["notices"], "properties": {
            "notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}}, "next": text.clone()}},
        "NoticeInbox": {"type": "object", "required": ["notices", "next"], "properties": {
            "notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
            "next": {"type": "string", "description": "Fetch after=next for exactly the notices sent since."}}},
        "NoticeVersions": {"type": "object", "required": ["versions"], "properties": {"versions": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}}}},
        "NoticeDecisions": {"type": "object", "additionalProperties": false, "required": ["decisions"], "properties": {"decisions": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": false, "required": ["item", "outcome"], "properties": {
                "item": {"type": "integer", "minimum": 0}, "outcome": {"type": "string", "enum": ["actioned", "no-action"]},
                "statement": {"type": "object", "description": "A statement of reasons in the DSA Transparency Database schema (required for actioned)."}}}}}},
        "NoticeDecisionList": {"type": "object", "required": ["decisions"], "properties": {"decisions": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeDecision"}}}},
        "StatementBatch": {"type": "object", "required": ["statements"], "properties": {"statements": {"type": "array", "maxItems": 100, "items": {"type": "object"}}}},
        "NoticeAppeal": {"type": "object", "additionalProperties": false, "required": ["reasons"], "properties": {"reasons": text.clone()}},
        "NoticeAnswer": {"type": "object", "additionalProperties": false, "required": ["answer", "explanation"], "properties": {
            "answer": {"type": "string", "enum": ["upheld", "reversed"]}, "explanation": text.clone()}},
        "NoticeAuthorities": {"type": "object", "required": ["authorities"], "properties": {"authorities": {"type": "array", "items": text.clone()}}},
        "NoticeAuthorityChange": {"type": "object", "required": ["changed", "competent_authority"], "properties": {"changed": {"type": "boolean"}, "competent_authority": {"type": "boolean"}}}
    });
    let paths = json!({
        "/api/v1/notices": {
            "post": {"summary": "Write a draft notice to a platform or ISP (checked per kind; every missing element named).", "tags": ["notices"],
                     "requestBody": body("NewNotice"),
                     "responses": {"201": ok("The draft.", "Notice"), "400": e400.clone(), "403": e403.clone()}},
            "get": {"summary": "The caller's organisation's notices, newest first.", "tags": ["notices"],
                    "parameters": [limit(notices::MAX_PAGE), cursor("next")],
                    "responses": {"200": ok("A page.", "NoticePage"), "400": e400.clone()}}
        },
        "/api/v1/notices/inbox": {"get": {"summary": "The notices sent to the caller's organisation after the cursor (first reads mark them delivered).", "tags": ["notices"],
            "parameters": [cursor("after"), limit(notices::MAX_PAGE)],
            "responses": {"200": ok("A page and the cursor to continue.", "NoticeInbox"), "400": e400.clone()}}},
        "/api/v1/notices/decisions": {"get": {"summary": "The decisions with a puid, on notices the caller's organisation sent or received.", "tags": ["notices"],
            "parameters": [{"name": "puid", "in": "query", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": ok("The decisions.", "NoticeDecisionList"), "400": e400.clone()}}},
        "/api/v1/notices/decisions/export": {"get": {"summary": "The caller's organisation's statements of reasons as a Transparency Database batch; the RRM-Next header carries the cursor.", "tags": ["notices"],
            "parameters": [limit(sor::BATCH_MAX), cursor("after")],
            "responses": {"200": {"description": "At most 100 statements.", "headers": {"RRM-Next": {"schema": {"type": "string"}}},
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatementBatch"}}}},
                          "400": e400.clone()}}},
        "/api/v1/notices/authorities": {"get": {"summary": "The organisations marked competent authorities (DSA Art. 9).", "tags": ["notices"],
            "responses": {"200": ok("The slugs.", "NoticeAuthorities")}}},
        "/api/v1/notices/authorities/{org}": {
            "put": {"summary": "Mark a competent authority (the operator only).", "tags": ["notices"], "parameters": [org.clone()],
                    "responses": {"200": ok("Whether it changed.", "NoticeAuthorityChange"), "403": e403.clone(), "404": err("Unknown organisation.")}},
            "delete": {"summary": "Unmark a competent authority (the operator only).", "tags": ["notices"], "parameters": [org],
                       "responses": {"200": ok("Whether it changed.", "NoticeAuthorityChange"), "403": e403.clone(), "404": err("Unknown organisation.")}}
        },
        "/api/v1/notices/{id}": {"get": {"summary": "A notice (the recipient's first read marks it delivered).", "tags": ["notices"], "parameters": [id.clone()],
            "responses": {"200": ok("The notice.", "Notice"), "404": e404.clone()}}},
        "/api/v1/notices/{id}/versions": {
            "post": {"summary": "A corrected version: a new draft referring to this one (approved and sent again).", "tags": ["notices"], "parameters": [id.clone()],
                     "requestBody": body("NewNotice"),
                     "responses": {"201": ok("The new draft.", "Notice"), "400": e400.clone(), "403": e403.clone(), "404": e404.clone(), "409": e409.clone()}},
            "get": {"summary": "Every version (the recipient: those sent).", "tags": ["notices"], "parameters": [id.clone()],
                    "responses": {"200": ok("The versions, oldest first.", "NoticeVersions"), "404": e404.clone()}}
        },
        "/api/v1/notices/{id}/approve": step("Approve a draft (a second person of the sender organisation, never the author)."),
        "/api/v1/notices/{id}/send": step("Send an approved notice: refused naming items[i] when the recipient may not see a referenced object; the content is frozen with its SHA-256."),
        "/api/v1/notices/{id}/acknowledge": step("Acknowledge receipt (Art. 16(4)): under-review."),
        "/api/v1/notices/{id}/close": step("Accept the decision (the sender): closed."),
        "/api/v1/notices/{id}/decisions": {"post": {"summary": "Decide items (the recipient); the notice is decided when every item is.", "tags": ["notices"], "parameters": [id.clone()],
            "requestBody": body("NoticeDecisions"),
            "responses": {"200": ok("The notice.", "Notice"), "400": e400.clone(), "403": e403.clone(), "404": e404.clone(), "409": e409.clone()}}},
        "/api/v1/notices/{id}/appeal": {"post": {"summary": "Appeal the decision (the sender, once decided).", "tags": ["notices"], "parameters": [id.clone()],
            "requestBody": body("NoticeAppeal"),
            "responses": {"200": ok("The notice.", "Notice"), "400": e400.clone(), "403": e403.clone(), "404": e404.clone(), "409": e409.clone()}}},
        "/api/v1/notices/{id}/appeal/answer": {"post": {"summary": "Answer the appeal (the recipient): closed.", "tags": ["notices"], "parameters": [id],
            "requestBody": body("NoticeAnswer"),
            "responses": {"200": ok("The notice.", "Notice"), "400": e400, "403": e403, "404": e404, "409": e409}}}
    });
    let mut paths = paths;
    merge_stats_openapi(&mut paths, &mut schemas);
    for (path, method, op) in OPERATION_IDS {
        if let Some(o) = paths.pointer_mut(&format!("/{}/{method}", path.replace('/', "~1"))) {
            o["operationId"] = json!(op);
        }
    }
    if let (Some(Value::Object(dst)), Value::Object(src)) = (doc.get_mut("paths"), paths) {
        dst.extend(src);
    }
    if let (Some(Value::Object(dst)), Value::Object(src)) =
        (doc.pointer_mut("/components/schemas"), schemas)
    {
        dst.extend(src);
    }
    findings::merge_openapi(doc);
}

// Response-time statistics per platform and period (issue 12, item 3).

/// The query of the statistics routes: the period, the format, the note's TLP and, on POST,
/// the collection to publish the note to.
struct StatsParams {
    query: notices::StatsQuery,
    format: StatsFormat,
    tlp: stix::Tlp,
    publish: Option<String>,
}

/// What `GET /api/v1/notices/stats` answers in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StatsFormat {
    Json,
    Csv,
    Stix,
}

fn stats_params(q: Option<&str>, publish_allowed: bool) -> Result<StatsParams, NoticeRouteError> {
    let pairs = query_pairs(q).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut out = StatsParams {
        query: notices::StatsQuery::default(),
        format: StatsFormat::Json,
        tlp: stix::Tlp::Amber,
        publish: None,
    };
    for (k, v) in pairs {
        match k.as_str() {
            "from" => out.query.from = Some(v),
            "to" => out.query.to = Some(v),
            "format" => {
                out.format = match v.as_str() {
                    "json" => StatsFormat::Json,
                    "csv" => StatsFormat::Csv,
                    "stix" => StatsFormat::Stix,
                    _ => {
                        return Err(ApiError::invalid("format", "must be json, csv or stix").into())
                    }
                }
            }
            "tlp" => {
                out.tlp = v.parse::<stix::Tlp>().map_err(|_| {
                    ApiError::invalid("tlp", "must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
                })?
            }
            "publish" if publish_allowed => {
                if v.trim().is_empty() {
                    return Err(ApiError::invalid("publish", "must name a collection").into());
                }
                out.publish = Some(v)
            }
            other => {
                let expected = if publish_allowed {
                    "from, to, tlp or publish"
                } else {
                    "from, to, format or tlp"
                };
                return Err(ApiError::invalid(
                    other,
                    format!("unknown query parameter: expected {expected}"),
                )
                .into());
            }
        }
    }
    Ok(out)
}

/// `GET /api/v1/notices/stats`: the figures of the notices the caller's organisation sent
/// or received (the operator: every one but others' RED and AMBER+STRICT), as JSON, CSV or a
/// STIX `note`.
async fn stats(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = stats_params(q.as_deref(), false)?;
    let notices = state.notices().clone();
    let format = params.format;
    let (report, note) = run(move || {
        let report = notices.stats(&p, &params.query)?;
        let note =
            (format == StatsFormat::Stix).then(|| notices.stats_note(&p, &report, params.tlp));
        Ok((report, note))
    })
    .await?;
    Ok(match (format, note) {
        (StatsFormat::Stix, Some(note)) => Json(note).into_response(),
        (StatsFormat::Csv, _) => {
            let mut resp = report.to_csv().into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            resp
        }
        _ => Json(report).into_response(),
    })
}

/// `POST /api/v1/notices/stats?publish=<collection>`: the figures' `note`, stored in a
/// collection the caller's organisation may write.
async fn publish_stats(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = stats_params(q.as_deref(), true)?;
    let Some(collection) = params.publish else {
        return Err(ApiError::invalid("publish", "must name a collection").into());
    };
    let notices = state.notices().clone();
    let note =
        run(move || notices.publish_stats(&p, &params.query, params.tlp, &collection)).await?;
    Ok((StatusCode::CREATED, Json(note)).into_response())
}

/// The statistics routes' OpenAPI paths and schemas.
fn merge_stats_openapi(paths: &mut serde_json::Value, schemas: &mut serde_json::Value) {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoticeError"}}}});
    let q = |name: &str, d: &str| json!({"name": name, "in": "query", "required": false, "description": d, "schema": {"type": "string"}});
    let from = q("from", "The period's start, included: an RFC 3339 time or a YYYY-MM-DD date (UTC); default 365 days before to.");
    let to = q(
        "to",
        "The period's end, excluded (on the send time); default one second after now.",
    );
    let tlp = json!({"name": "tlp", "in": "query", "required": false, "description": "The note's TLP (default AMBER).", "schema": crate::openapi::tlp_input_schema()});
    let format = json!({"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "csv", "stix"], "default": "json"}});
    let publish = json!({"name": "publish", "in": "query", "required": true, "description": "The collection (UUID or slug) the note is stored in; one the caller's organisation may write.", "schema": {"type": "string", "minLength": 1}});
    let e400 = err("Invalid input naming the parameter: from or to that does not parse, to not after from, an unknown format or tlp, publish naming no collection the caller may write.");
    let secs = json!({"type": ["integer", "null"], "description": "Seconds (nearest rank)."});
    let count = json!({"type": "integer", "minimum": 0});
    let text = json!({"type": "string"});
    let add = json!({
        "NoticeStatsRow": {"type": "object", "required": ["platform", "notices", "acknowledged", "decided", "items", "items_actioned"], "properties": {
            "platform": {"type": "object", "required": ["slug", "name", "identity"], "properties": {"slug": text.clone(), "name": text.clone(), "identity": text.clone()}},
            "notices": count.clone(), "acknowledged": count.clone(), "decided": count.clone(),
            "acknowledge_median_s": secs.clone(), "acknowledge_p90_s": secs.clone(),
            "decide_median_s": secs.clone(), "decide_p90_s": secs,
            "items": count.clone(), "items_actioned": count,
            "share_actioned": {"type": ["number", "null"], "minimum": 0, "maximum": 1}
        }},
        "NoticeStats": {"type": "object", "required": ["period", "platforms"], "properties": {
            "period": {"type": "object", "required": ["from", "to"], "properties": {"from": {"type": "string", "format": "date-time"}, "to": {"type": "string", "format": "date-time"}}},
            "platforms": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeStatsRow"}}
        }},
        "NoticeStatsNote": {"type": "object", "required": ["type", "spec_version", "id", "created", "modified", "created_by_ref", "abstract", "content", "object_refs", "object_marking_refs"], "properties": {
            "type": {"const": "note"}, "spec_version": {"const": "2.1"}, "id": text.clone(), "created": text.clone(), "modified": text.clone(),
            "created_by_ref": text.clone(), "abstract": text.clone(), "content": text.clone(),
            "object_refs": {"type": "array", "minItems": 1, "items": text.clone()},
            "object_marking_refs": {"type": "array", "items": text}
        }}
    });
    if let (Some(dst), serde_json::Value::Object(src)) = (schemas.as_object_mut(), add) {
        dst.extend(src);
    }
    paths["/api/v1/notices/stats"] = json!({
        "get": {"summary": "Response times of the notices sent in a period, per platform: median and p90 to acknowledge and to decide, share of items actioned. Only notices the caller's organisation sent or received count (the operator: every one but others' RED and AMBER+STRICT).", "tags": ["notices"],
                "parameters": [from.clone(), to.clone(), format, tlp.clone()],
                "responses": {"200": {"description": "The figures (format=json), CSV with a header row (format=csv) or a STIX 2.1 note (format=stix).",
                    "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/NoticeStats"}, {"$ref": "#/components/schemas/NoticeStatsNote"}]}},
                                "text/csv": {"schema": {"type": "string"}}}},
                              "400": e400.clone()}},
        "post": {"summary": "Publish the figures as a STIX 2.1 note in a collection the caller's organisation may write.", "tags": ["notices"],
                 "parameters": [from, to, tlp, publish],
                 "responses": {"201": {"description": "The stored note.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoticeStatsNote"}}}},
                               "400": e400, "409": err("The store refused the note.")}}
    });
}
