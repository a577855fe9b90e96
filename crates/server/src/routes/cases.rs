//! REST routes for response cases under `/api/v1/cases`: cases and their status, participants,
//! objects, DISARM response options, response actions and collective responses (votes).
//!
//! Only the owner and the participant organisations see a case (404 to anyone else). A step
//! the state machine forbids answers 409 `invalid_transition` with `current` and `allowed` in
//! the error, as the alerts routes do; a step refused to the caller (an approval of one's own action, say) 403
//! naming the rule; bad input 400 naming the field. Times are RFC 3339 UTC, on input and on
//! output. The case list is a keyset page read from the store, newest first.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use cases::{
    ActionView, CaseError, CaseListQuery, CaseRole, NewAction, NewCase, NewProposal, ObjectRef,
    OptionView, ProposalView,
};
use response::action::ActionStep;
use response::case::CaseAction;
use response::vote::{Ballot, DecisionRule};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::Principal;
use crate::body::ApiJson;
use crate::codes::Code;
use crate::error::{blocking_typed, ApiError};
use crate::filters::query_pairs;
use crate::routes::alerts::RouteError;
use crate::AppState;

mod impacts;

type ApiResult = Result<Response, RouteError>;

impl From<CaseError> for RouteError {
    fn from(e: CaseError) -> RouteError {
        let msg = e.to_string();
        match e {
            CaseError::Invalid { field, message } => RouteError::Api(ApiError {
                code: Code::InvalidInput,
                message,
                field: Some(field),
            }),
            CaseError::NotFound(_) => RouteError::Api(ApiError::new(Code::NotFound, msg)),
            CaseError::Forbidden(m) => RouteError::Api(ApiError::new(Code::Forbidden, m)),
            CaseError::Conflict(m) => RouteError::Api(ApiError::new(Code::Conflict, m)),
            CaseError::Transition {
                current, allowed, ..
            } => RouteError::Transition {
                message: msg,
                current,
                allowed,
            },
            CaseError::Hub(h) => RouteError::Api(h.into()),
            // A variant added later answers as an internal error until it is mapped.
            #[allow(unreachable_patterns)]
            _ => RouteError::Api(ApiError::internal()),
        }
    }
}

/// Runs a cases call on the blocking pool.
async fn run<T, F>(f: F) -> Result<T, RouteError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, CaseError> + Send + 'static,
{
    blocking_typed(f).await.map_err(RouteError::from)
}

/// The message of the options route on an instance started without a galaxy.
pub(crate) const NO_GALAXY: &str = "no DISARM countermeasure galaxy is configured: start the \
     server with --disarm-galaxy PATH (RRM_DISARM_GALAXY, server.disarm_galaxy)";

/// The answer of the options route.
#[derive(Serialize)]
struct OptionList {
    options: Vec<OptionView>,
}

/// The answer of the action list.
#[derive(Serialize)]
struct ActionList {
    actions: Vec<ActionView>,
}

/// The answer of the vote list.
#[derive(Serialize)]
struct VoteList {
    votes: Vec<ProposalView>,
}

/// The case routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(create).get(list))
        .route("/api/v1/cases/{id}", get(show))
        .route("/api/v1/cases/{id}/open", post(open))
        .route("/api/v1/cases/{id}/close", post(close))
        .route("/api/v1/cases/{id}/reopen", post(reopen))
        .route("/api/v1/cases/{id}/participants", post(add_participant))
        .route(
            "/api/v1/cases/{id}/participants/{org}",
            delete(remove_participant),
        )
        .route("/api/v1/cases/{id}/objects", post(add_object))
        .route("/api/v1/cases/{id}/options", get(options))
        .route("/api/v1/cases/{id}/publish", post(publish_case))
        .route(
            "/api/v1/cases/{id}/actions",
            post(draft_action).get(list_actions),
        )
        .route(
            "/api/v1/cases/{id}/actions/{action}/{step}",
            post(step_action),
        )
        .route("/api/v1/cases/{id}/votes", post(open_vote).get(list_votes))
        .route("/api/v1/cases/{id}/votes/{vote}", get(show_vote))
        .route("/api/v1/cases/{id}/votes/{vote}/ballots", post(cast))
        .route("/api/v1/cases/{id}/votes/{vote}/close", post(close_vote))
        .route(
            "/api/v1/cases/{id}/votes/{vote}/publish",
            post(publish_vote),
        )
        .merge(impacts::routes())
}

/// An RFC 3339 time of `field` as seconds since the epoch.
fn secs(field: &str, value: Option<&str>) -> Result<Option<i64>, ApiError> {
    value
        .map(|v| {
            stix::parse_timestamp(v)
                .map(|micros| micros.div_euclid(1_000_000))
                .map_err(|e| ApiError::invalid(field, format!("not an RFC 3339 UTC time: {e}")))
        })
        .transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectBody {
    collection: String,
    id: String,
}

impl From<ObjectBody> for ObjectRef {
    fn from(o: ObjectBody) -> ObjectRef {
        ObjectRef {
            collection: o.collection,
            id: o.id,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCaseBody {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    participants: Vec<String>,
    #[serde(default)]
    objects: Vec<ObjectBody>,
    #[serde(default)]
    alert: Option<String>,
}

/// `POST /api/v1/cases`.
async fn create(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<NewCaseBody>,
) -> ApiResult {
    let new = NewCase {
        title: b.title,
        description: b.description,
        participants: b.participants,
        objects: b.objects.into_iter().map(ObjectRef::from).collect(),
        alert: b.alert,
    };
    let cases = state.cases().clone();
    let view = run(move || cases.create_case(&p, &new)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /api/v1/cases?role=all|mine|participating&limit=N&next=CURSOR`: newest first.
async fn list(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut query = CaseListQuery {
        role: CaseRole::All,
        limit: None,
        next: None,
    };
    for (k, v) in pairs {
        match k.as_str() {
            "role" => {
                query.role = match v.as_str() {
                    "all" => CaseRole::All,
                    "mine" => CaseRole::Mine,
                    "participating" => CaseRole::Participating,
                    _ => {
                        return Err(
                            ApiError::invalid("role", "must be all, mine or participating").into(),
                        )
                    }
                };
            }
            "limit" => {
                query.limit = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=cases::MAX_PAGE).contains(n))
                        .ok_or_else(|| {
                            ApiError::invalid("limit", "must be an integer from 1 to 1000")
                        })?,
                );
            }
            "next" => query.next = Some(v),
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown query parameter: expected role, limit or next",
                )
                .into())
            }
        }
    }
    let cases = state.cases().clone();
    let page = run(move || cases.case_page(&p, &query)).await?;
    Ok(Json(page).into_response())
}

/// `GET /api/v1/cases/{id}`.
async fn show(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.case(&p, &id)).await?;
    Ok(Json(view).into_response())
}

async fn transition(
    state: AppState,
    p: std::sync::Arc<hub::Principal>,
    id: String,
    action: CaseAction,
    reason: Option<String>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.change_status(&p, &id, action, reason.as_deref())).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/v1/cases/{id}/open`: `new` to `open`.
async fn open(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    transition(state, p, id, CaseAction::Open, None).await
}

/// `POST /api/v1/cases/{id}/close`.
async fn close(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    transition(state, p, id, CaseAction::Close, None).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    reason: String,
}

/// `POST /api/v1/cases/{id}/reopen`: `{reason}`.
async fn reopen(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult {
    transition(state, p, id, CaseAction::Reopen, Some(b.reason)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgBody {
    org: String,
}

/// `POST /api/v1/cases/{id}/participants`: `{org}`.
async fn add_participant(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<OrgBody>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.add_participant(&p, &id, &b.org)).await?;
    Ok(Json(view).into_response())
}

/// `DELETE /api/v1/cases/{id}/participants/{org}`.
async fn remove_participant(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, org)): Path<(String, String)>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.remove_participant(&p, &id, &org)).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/v1/cases/{id}/objects`: `{collection, id}`.
async fn add_object(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ObjectBody>,
) -> ApiResult {
    let cases = state.cases().clone();
    let object = ObjectRef::from(b);
    let view = run(move || cases.add_object(&p, &id, &object)).await?;
    Ok(Json(view).into_response())
}

/// `GET /api/v1/cases/{id}/options`: 503 `not_configured` without a galaxy.
async fn options(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let cases = state.cases().clone();
    if !cases.has_galaxy() {
        // The case must still exist for the caller: unknown cases stay 404.
        let c = cases.clone();
        run(move || c.case(&p, &id)).await?;
        return Err(ApiError::new(Code::NotConfigured, NO_GALAXY).into());
    }
    let list = run(move || cases.options(&p, &id)).await?;
    Ok(Json(OptionList { options: list }).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    collection: String,
    #[serde(default)]
    tlp: Option<String>,
}

/// `POST /api/v1/cases/{id}/publish`: `{collection, tlp?}` (default AMBER).
async fn publish_case(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PublishBody>,
) -> ApiResult {
    let tlp = match b.tlp.as_deref() {
        None => stix::Tlp::Amber,
        Some(t) => t
            .parse()
            .map_err(|e: stix::UnknownTlp| ApiError::invalid("tlp", e.to_string()))?,
    };
    let cases = state.cases().clone();
    let out = run(move || cases.publish_case(&p, &id, &b.collection, tlp)).await?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewActionBody {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    counter_id: Option<String>,
    performing_org: String,
    #[serde(default)]
    target_org: Option<String>,
    #[serde(default)]
    due: Option<String>,
}

/// `POST /api/v1/cases/{id}/actions`: drafts an action.
async fn draft_action(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewActionBody>,
) -> ApiResult {
    let new = NewAction {
        due: secs("due", b.due.as_deref())?,
        title: b.title,
        description: b.description,
        counter_id: b.counter_id,
        performing_org: b.performing_org,
        target_org: b.target_org,
    };
    let cases = state.cases().clone();
    let view = run(move || cases.draft_action(&p, &id, &new)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /api/v1/cases/{id}/actions`.
async fn list_actions(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let cases = state.cases().clone();
    let list = run(move || cases.actions(&p, &id)).await?;
    Ok(Json(ActionList { actions: list }).into_response())
}

/// The step of `/actions/{action}/{step}`: the engine's names, and the outcomes `done`,
/// `failed` and `withdrawn` for `complete`, `fail` and `withdraw`.
fn action_step(step: &str) -> Result<ActionStep, ApiError> {
    let step = match step {
        "done" => "complete",
        "failed" => "fail",
        "withdrawn" => "withdraw",
        s => s,
    };
    match step.parse::<ActionStep>() {
        Ok(ActionStep::Edit) | Err(_) => Err(ApiError::invalid(
            "step",
            "must be propose, approve, reject, done, failed or withdrawn",
        )),
        Ok(s) => Ok(s),
    }
}

/// `POST /api/v1/cases/{id}/actions/{action}/{step}`.
async fn step_action(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, action, step)): Path<(String, String, String)>,
) -> ApiResult {
    let step = action_step(&step)?;
    let cases = state.cases().clone();
    let view = run(move || cases.step_action(&p, &id, &action, step)).await?;
    Ok(Json(view).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewVoteBody {
    text: String,
    rule: DecisionRule,
    #[serde(default)]
    deadline: Option<String>,
}

/// `POST /api/v1/cases/{id}/votes`: `{text, rule: "consensus"|"quorum:N", deadline?}`.
async fn open_vote(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewVoteBody>,
) -> ApiResult {
    let new = NewProposal {
        deadline: secs("deadline", b.deadline.as_deref())?,
        text: b.text,
        rule: b.rule,
    };
    let cases = state.cases().clone();
    let view = run(move || cases.open_proposal(&p, &id, &new)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /api/v1/cases/{id}/votes`.
async fn list_votes(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let cases = state.cases().clone();
    let list = run(move || cases.proposals(&p, &id)).await?;
    Ok(Json(VoteList { votes: list }).into_response())
}

/// `GET /api/v1/cases/{id}/votes/{vote}`.
async fn show_vote(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, vote)): Path<(String, String)>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.proposal(&p, &id, &vote)).await?;
    Ok(Json(view).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BallotBody {
    ballot: Ballot,
}

/// `POST /api/v1/cases/{id}/votes/{vote}/ballots`: `{ballot: endorse|abstain|object}`.
async fn cast(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, vote)): Path<(String, String)>,
    ApiJson(b): ApiJson<BallotBody>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.vote(&p, &id, &vote, b.ballot)).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/v1/cases/{id}/votes/{vote}/close`: closes a decided vote.
async fn close_vote(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, vote)): Path<(String, String)>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.close_proposal(&p, &id, &vote)).await?;
    Ok(Json(view).into_response())
}

/// `POST /api/v1/cases/{id}/votes/{vote}/publish`: marks an adopted vote published.
async fn publish_vote(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, vote)): Path<(String, String)>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.publish_proposal(&p, &id, &vote)).await?;
    Ok(Json(view).into_response())
}

/// Adds the case paths and schemas to the OpenAPI document.
pub fn merge_openapi(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let body = |schema: &str| json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let p = |name: &str, d: &str| json!({"name": name, "in": "path", "required": true, "description": d, "schema": {"type": "string"}});
    let id = p("id", "Case id.");
    let action = p("action", "Action id.");
    let vote = p("vote", "Vote (proposal) id.");
    let e401 = err("Missing or wrong credentials.");
    let e403 = err("The caller's role, sector or membership does not allow the step; the message names the rule (e.g. an approval by the action's author or proposer).");
    let e404 = err("Unknown case, or one the caller's organisation neither owns nor takes part in (never told apart).");
    let e409 = err("invalid_transition: the state machine forbids the step; current and allowed name the state and the steps allowed from it (conflict: the step collides with the stored state, e.g. a closed case or a change made meanwhile).");
    let e400 = err("Invalid input; field names it (objects[i], due, deadline, rule, ...).");
    let time = json!({"type": "string", "format": "date-time", "description": "RFC 3339 UTC."});
    let opt_time =
        json!({"type": ["string", "null"], "format": "date-time", "description": "RFC 3339 UTC."});
    let opt_int = json!({"type": ["integer", "null"]});
    let opt_str = json!({"type": ["string", "null"]});
    let schemas = json!({
        "CaseObjectRef": {"type": "object", "additionalProperties": false, "required": ["collection", "id"], "properties": {
            "collection": {"type": "string", "description": "Collection UUID or slug on input, UUID on output."},
            "id": {"type": "string", "description": "STIX id."}
        }},
        "NewCase": {"type": "object", "additionalProperties": false, "required": ["title"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"},
            "participants": {"type": "array", "items": {"type": "string"}, "description": "Organisation slugs."},
            "objects": {"type": "array", "items": {"$ref": "#/components/schemas/CaseObjectRef"}},
            "alert": {"type": "string", "description": "An alert id: its sender and recipients take part and its objects are gathered (the alert's sender or a recipient only; 400 naming alert otherwise)."}
        }},
        "Case": {"type": "object", "required": ["id", "owner", "status", "title", "participants", "objects"], "properties": {
            "id": {"type": "string"}, "owner": {"type": "string"},
            "status": {"type": "string", "enum": ["new", "open", "closed"]},
            "title": {"type": "string"}, "description": {"type": "string"},
            "reopen_reason": opt_str,
            "participants": {"type": "array", "items": {"type": "string"}},
            "objects": {"type": "array", "items": {"$ref": "#/components/schemas/CaseObjectRef"}},
            "alert": {"type": ["string", "null"], "description": "The alert the case was opened from."},
            "created": time.clone(), "updated": time.clone()
        }},
        "CaseList": {"type": "object", "required": ["cases"], "properties": {
            "cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
            "next": {"type": "string", "description": "The cursor of the next page, present when more may follow."}
        }},
        "CaseReason": {"type": "object", "additionalProperties": false, "required": ["reason"], "properties": {"reason": {"type": "string"}}},
        "CaseOrg": {"type": "object", "additionalProperties": false, "required": ["org"], "properties": {"org": {"type": "string"}}},
        "CaseOptionList": {"type": "object", "required": ["options"], "properties": {"options": {"type": "array", "items": {"type": "object", "required": ["counter_id", "name", "response_type", "basis", "techniques"], "properties": {
            "counter_id": {"type": "string"}, "name": {"type": "string"},
            "response_type": {"type": "string", "enum": ["detect", "deny", "disrupt", "degrade", "deceive", "destroy", "deter"]},
            "basis": {"type": "string", "enum": ["galaxy", "renamed", "tactic"]},
            "techniques": {"type": "array", "items": {"type": "string"}}
        }}}}},
        "NewCaseAction": {"type": "object", "additionalProperties": false, "required": ["title", "performing_org"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"},
            "counter_id": opt_str, "performing_org": {"type": "string"}, "target_org": opt_str,
            "due": {"type": ["string", "null"], "format": "date-time", "description": "RFC 3339 UTC; must be in the future."}
        }},
        "CaseAction": {"type": "object", "required": ["id", "title", "performing_org", "status", "outcome"], "properties": {
            "id": {"type": "string"}, "counter_id": opt_str, "title": {"type": "string"}, "description": {"type": "string"},
            "performing_org": {"type": "string"}, "target_org": opt_str, "due": opt_time.clone(),
            "status": {"type": "string", "enum": ["draft", "proposed", "approved", "done", "failed", "withdrawn"]},
            "outcome": {"type": "string", "enum": ["cancelled", "failed", "ongoing", "pending", "successful", "unknown"]},
            "overdue": {"type": "boolean"}, "author_id": {"type": "integer"},
            "proposer_id": opt_int.clone(), "approver_id": opt_int, "created": time.clone(), "updated": time.clone()
        }},
        "CaseActionList": {"type": "object", "required": ["actions"], "properties": {"actions": {"type": "array", "items": {"$ref": "#/components/schemas/CaseAction"}}}},
        "NewCaseVote": {"type": "object", "additionalProperties": false, "required": ["text", "rule"], "properties": {
            "text": {"type": "string"},
            "rule": {"type": "string", "pattern": "^(consensus|quorum:[0-9]+)$"},
            "deadline": {"type": ["string", "null"], "format": "date-time"}
        }},
        "CaseBallot": {"type": "object", "additionalProperties": false, "required": ["ballot"], "properties": {"ballot": {"type": "string", "enum": ["endorse", "abstain", "object"]}}},
        "CaseVote": {"type": "object", "required": ["id", "text", "rule", "status", "outcome", "votes"], "properties": {
            "id": {"type": "string"}, "text": {"type": "string"}, "rule": {"type": "string"}, "deadline": opt_time,
            "status": {"type": "string", "enum": ["open", "adopted", "failed", "published"]},
            "outcome": {"type": "string", "enum": ["pending", "adopted", "failed"]},
            "endorse": {"type": "integer"}, "abstain": {"type": "integer"}, "object": {"type": "integer"}, "electorate": {"type": "integer"},
            "votes": {"type": "array", "items": {"type": "object", "required": ["org", "ballot", "cast"], "properties": {"org": {"type": "string"}, "ballot": {"type": "string", "enum": ["endorse", "abstain", "object"]}, "cast": time.clone()}}},
            "created": time.clone(), "updated": time
        }},
        "CasePublish": {"type": "object", "additionalProperties": false, "required": ["collection"], "properties": {
            "collection": {"type": "string", "description": "Collection UUID or slug the caller's organisation may write."},
            "tlp": {"oneOf": [crate::openapi::tlp_input_schema(), {"type": "null"}], "default": "AMBER"}
        }},
        "CasePublished": {"type": "object", "required": ["collection", "incident", "tasks", "tlp"], "properties": {
            "collection": {"type": "string"}, "incident": {"type": "string", "pattern": "^incident--"},
            "tasks": {"type": "array", "items": {"type": "string", "pattern": "^task--"}}, "tlp": {"type": "string"},
            "impacts": {"type": "array", "items": {"type": "string", "pattern": "^impact--"}}
        }},
        "CaseVoteList": {"type": "object", "required": ["votes"], "properties": {"votes": {"type": "array", "items": {"$ref": "#/components/schemas/CaseVote"}}}}
    });
    let step = |op: &str,
                summary: &str,
                params: Vec<Value>,
                with_body: Option<&str>,
                statuses: &[(&str, Value)]| {
        let mut o =
            json!({"operationId": op, "summary": summary, "parameters": params, "responses": {}});
        if let Some(b) = with_body {
            o["requestBody"] = body(b);
        }
        for (s, v) in statuses {
            o["responses"][*s] = v.clone();
        }
        o
    };
    let paths = json!({
        "/api/v1/cases": {
            "post": step("createCase", "Opens a case owned by the caller's organisation (status new), with participants and objects the caller may see (analyst or admin), or from an alert the organisation sent or received (its organisations take part, its objects are gathered).", vec![], Some("NewCase"),
                &[("201", ok("The case.", "Case")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone())]),
            "get": step("listCases", "The cases the caller's organisation owns (role=mine) or takes part in (role=participating), or both (role=all, the default), newest first, in keyset pages (limit, default 100; next, a cursor bound to the caller and the role).", vec![
                    json!({"name": "role", "in": "query", "required": false, "schema": {"type": "string", "enum": ["all", "mine", "participating"]}}),
                    json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}),
                    json!({"name": "next", "in": "query", "required": false, "description": "The cursor of the previous page (same user and role; another's is 400 bad_cursor naming next).", "schema": {"type": "string"}})
                ], None, &[("200", ok("One page of cases.", "CaseList")), ("400", err("Bad role, limit or cursor.")), ("401", e401.clone())])
        },
        "/api/v1/cases/{id}": {"get": step("getCase", "A case.", vec![id.clone()], None, &[("200", ok("The case.", "Case")), ("401", e401.clone()), ("404", e404.clone())])},
        "/api/v1/cases/{id}/open": {"post": step("openCase", "new to open (owner's analysts and admins).", vec![id.clone()], None, &[("200", ok("The case.", "Case")), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())])},
        "/api/v1/cases/{id}/close": {"post": step("closeCase", "Closes a case (owner's analysts and admins).", vec![id.clone()], None, &[("200", ok("The case.", "Case")), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())])},
        "/api/v1/cases/{id}/reopen": {"post": step("reopenCase", "Reopens a closed case with a reason.", vec![id.clone()], Some("CaseReason"), &[("200", ok("The case.", "Case")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())])},
        "/api/v1/cases/{id}/participants": {"post": step("addCaseParticipant", "Adds a participant organisation.", vec![id.clone()], Some("CaseOrg"), &[("200", ok("The case.", "Case")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", err("The organisation takes part already, or the case is closed."))])},
        "/api/v1/cases/{id}/participants/{org}": {"delete": step("removeCaseParticipant", "Removes a participant organisation.", vec![id.clone(), p("org", "Organisation slug.")], None, &[("200", ok("The case.", "Case")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())])},
        "/api/v1/cases/{id}/objects": {"post": step("addCaseObject", "Adds a STIX object the caller may see.", vec![id.clone()], Some("CaseObjectRef"), &[("200", ok("The case.", "Case")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())])},
        "/api/v1/cases/{id}/options": {"get": step("listCaseOptions", "The DISARM countermeasures (response type, the case's techniques they address) for the techniques the case's campaigns, intrusion sets and threat actors use.", vec![id.clone()], None, &[("200", ok("The options.", "CaseOptionList")), ("401", e401.clone()), ("404", e404.clone()), ("503", err("not_configured: the server was started without --disarm-galaxy."))])},
        "/api/v1/cases/{id}/publish": {"post": step("publishCase", "Shares the case as STIX 2.1 in a collection the caller's organisation may write (owner's analysts and admins): an incident with the OASIS incident core extension (investigation_status is the case status) and a task per action (OASIS task extension, outcome from the action status), rrm's own properties under the rrm response-case extension; each publication is a new version.", vec![id.clone()], Some("CasePublish"), &[("200", ok("What was stored.", "CasePublished")), ("400", err("Bad tlp, or no collection of that name that the caller may write (field collection).")), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone())])},
        "/api/v1/cases/{id}/actions": {
            "post": step("draftCaseAction", "Drafts a response action (an adopted option) with a performing organisation, an optional target organisation (platform or ISP) and a due time.", vec![id.clone()], Some("NewCaseAction"), &[("201", ok("The action.", "CaseAction")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())]),
            "get": step("listCaseActions", "The case's actions, oldest first.", vec![id.clone()], None, &[("200", ok("The actions.", "CaseActionList")), ("401", e401.clone()), ("404", e404.clone())])
        },
        "/api/v1/cases/{id}/actions/{action}/{step}": {"post": step("stepCaseAction", "Takes an action one step: propose, approve (a second person of the performing organisation, never the author or proposer), reject, done, failed or withdrawn.", vec![id.clone(), action, json!({"name": "step", "in": "path", "required": true, "schema": {"type": "string", "enum": ["propose", "approve", "reject", "done", "failed", "withdrawn", "complete", "fail", "withdraw"]}})], None, &[("200", ok("The action.", "CaseAction")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())])},
        "/api/v1/cases/{id}/votes": {
            "post": step("openCaseVote", "Puts a collective response (a joint statement text or a set of actions) to the case's organisations under a rule (consensus or quorum:N).", vec![id.clone()], Some("NewCaseVote"), &[("201", ok("The vote.", "CaseVote")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())]),
            "get": step("listCaseVotes", "The case's votes with their tallies.", vec![id.clone()], None, &[("200", ok("The votes.", "CaseVoteList")), ("401", e401.clone()), ("404", e404.clone())])
        },
        "/api/v1/cases/{id}/votes/{vote}": {"get": step("getCaseVote", "A vote and its tally.", vec![id.clone(), vote.clone()], None, &[("200", ok("The vote.", "CaseVote")), ("401", e401.clone()), ("404", e404.clone())])},
        "/api/v1/cases/{id}/votes/{vote}/ballots": {"post": step("castCaseVote", "Casts the caller's organisation's vote (once); the vote closes as soon as its tally is decided.", vec![id.clone(), vote.clone()], Some("CaseBallot"), &[("200", ok("The vote.", "CaseVote")), ("400", e400.clone()), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", err("The organisation has voted already, or the vote is closed."))])},
        "/api/v1/cases/{id}/votes/{vote}/close": {"post": step("closeCaseVote", "Closes a vote whose tally is decided.", vec![id.clone(), vote.clone()], None, &[("200", ok("The vote.", "CaseVote")), ("401", e401.clone()), ("403", e403.clone()), ("404", e404.clone()), ("409", e409.clone())])},
        "/api/v1/cases/{id}/votes/{vote}/publish": {"post": step("publishCaseVote", "Marks an adopted vote published (owner's analysts and admins). When the operator chose a statements collection (serve --statements-collection), the joint statement is stored there first as a TLP:CLEAR note (id note--<vote id>) with its vote result under the rrm response-case extension.", vec![id, vote], None, &[("200", ok("The vote.", "CaseVote")), ("401", e401), ("403", e403), ("404", e404), ("409", e409)])}
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
    impacts::merge_openapi(doc);
}
