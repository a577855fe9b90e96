//! REST routes for coordination detection under `/api/v1/`: dataset upload, background
//! detection jobs with progress, and publication of chosen groups as STIX 2.1, plus their
//! OpenAPI paths.
//!
//! Datasets and jobs are stored by [`detect::Detections`] (per-organisation quotas, a
//! bounded worker pool) and survive a restart; a job a restart interrupted is failed. Every route needs the analyst
//! or admin role for writes and only shows the caller's organisation's datasets and jobs (404
//! otherwise).

use axum::body::Body;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use detect::{DetectRequest, Detections, PublishRequest};
use serde_json::{json, Value};

use crate::auth::Principal;
use crate::body::{read_body, ApiJson};
use crate::codes::Code;
use crate::error::{blocking_typed as blocking, hub_code, log_internal, ApiError};
use crate::filters::query_pairs;
use crate::AppState;

/// The largest dataset upload, in bytes.
const MAX_UPLOAD: usize = 256 * 1024 * 1024;
/// The largest JSON request body, in bytes.
const MAX_JSON: usize = 1024 * 1024;

type ApiResult = Result<Response, ApiError>;

/// The stable code a detection error answers with.
fn detect_code(e: &detect::Error) -> Code {
    use detect::Error as E;
    match e {
        E::UnknownDataset { .. } | E::UnknownJob { .. } => Code::NotFound,
        E::Invalid { .. } => Code::InvalidInput,
        E::Forbidden(_) => Code::Forbidden,
        E::NotCancellable { .. } | E::NotDone { .. } | E::QuotaExceeded { .. } => Code::Conflict,
        E::ShuttingDown => Code::Conflict,
        E::Busy { .. } => Code::Busy,
        E::Hub(h) => hub_code(h),
        E::Store(store::StoreError::NotFound(_)) => Code::NotFound,
        E::Store(store::StoreError::Conflict(_)) => Code::Conflict,
        _ => Code::Internal,
    }
}

impl From<detect::Error> for ApiError {
    fn from(e: detect::Error) -> ApiError {
        use detect::Error as E;
        let code = detect_code(&e);
        match e {
            E::Hub(h) => ApiError::from(h),
            E::Invalid { field, message } => ApiError {
                code,
                message,
                field: Some(field),
            },
            E::Forbidden(m) => ApiError::new(code, m),
            E::Store(store::StoreError::NotFound(what)) => {
                ApiError::new(code, format!("{what} not found"))
            }
            E::Store(store::StoreError::Conflict(what)) => {
                ApiError::new(code, format!("{what} already exists"))
            }
            e if code == Code::Internal => {
                log_internal(&e);
                ApiError::internal()
            }
            e => ApiError::new(code, e.to_string()),
        }
    }
}

/// The detection routes (without the guard), sharing one in-memory [`Detections`] service.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let det = state.detections().clone();
    Router::new()
        .route("/api/v1/datasets", post(upload).get(list_datasets))
        .route("/api/v1/datasets/{id}", get(get_dataset))
        .route("/api/v1/detections", post(start).get(list_jobs))
        .route("/api/v1/detections/{id}", get(get_job))
        .route("/api/v1/detections/{id}/publish", post(publish))
        .route("/api/v1/detections/{id}/cancel", post(cancel))
        .layer(Extension(det))
}

/// `POST /api/v1/datasets?format=&skip_invalid=&account_type=&name=`: the raw post file.
async fn upload(
    State(_): State<AppState>,
    Extension(det): Extension<Detections>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut format = None;
    let mut skip_invalid = false;
    let mut account_type = None;
    let mut name = "upload".to_string();
    for (k, v) in pairs {
        match k.as_str() {
            "format" => format = detect::parse_format(&v)?,
            "skip_invalid" => {
                skip_invalid = match v.as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(ApiError::invalid("skip_invalid", "must be true or false")),
                }
            }
            "account_type" => account_type = Some(v),
            "name" => name = v,
            other => {
                return Err(ApiError::invalid(
                    other,
                    "unknown parameter; expected format, skip_invalid, account_type, name",
                ))
            }
        }
    }
    let bytes = read_body(&headers, body, MAX_UPLOAD).await?;
    let info =
        blocking(move || det.upload(&p, &name, &bytes, format, skip_invalid, account_type)).await?;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

/// `GET /api/v1/datasets/{id}`.
async fn get_dataset(
    Extension(det): Extension<Detections>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let info = blocking(move || det.dataset_info(&p, &id)).await?;
    Ok(Json(info).into_response())
}

/// `GET /api/v1/datasets`: the caller's organisation's datasets, oldest first.
async fn list_datasets(
    Extension(det): Extension<Detections>,
    Principal(p): Principal,
) -> ApiResult {
    let list = blocking(move || det.list_datasets(&p)).await?;
    Ok(Json(json!({"datasets": list})).into_response())
}

/// `GET /api/v1/detections`: the caller's organisation's detections, oldest first, without
/// their groups.
async fn list_jobs(Extension(det): Extension<Detections>, Principal(p): Principal) -> ApiResult {
    let jobs = blocking(move || det.list_jobs(&p)).await?;
    Ok(Json(json!({"detections": jobs})).into_response())
}

/// `POST /api/v1/detections`: `{dataset, networks, window, min_weight, similarity}`.
async fn start(
    Extension(det): Extension<Detections>,
    Principal(p): Principal,
    ApiJson(req): ApiJson<DetectRequest, MAX_JSON>,
) -> ApiResult {
    let id = blocking(move || det.create_job(&p, &req)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": id, "status": "queued"})),
    )
        .into_response())
}

/// `GET /api/v1/detections/{id}`.
async fn get_job(
    Extension(det): Extension<Detections>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let v = blocking(move || det.job(&p, &id)).await?;
    Ok(Json(v).into_response())
}

/// `POST /api/v1/detections/{id}/cancel`: stops a queued or running job of the caller's
/// organisation.
async fn cancel(
    Extension(det): Extension<Detections>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let v = blocking(move || det.cancel(&p, &id)).await?;
    Ok(Json(v).into_response())
}

/// `POST /api/v1/detections/{id}/publish`: `{groups: [ids], collection, tlp?}`.
async fn publish(
    Extension(det): Extension<Detections>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PublishRequest, MAX_JSON>,
) -> ApiResult {
    let outcome = blocking(move || det.publish(&p, &id, &req)).await?;
    Ok(Json(outcome).into_response())
}

/// Adds the detection paths and schemas to the OpenAPI document.
pub fn merge_openapi(doc: &mut Value) {
    let limits = detect::DetectLimits::default();
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let q = |name: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}});
    let dataset = json!({"type": "object", "properties": {
        "id": {"type": "string"}, "format": {"type": "string", "enum": ["cnt", "archive", "ndjson"]},
        "records": {"type": "integer"}, "posts": {"type": "integer"}, "users": {"type": "integer"},
        "duplicates": {"type": "integer"}, "skipped": {"type": "integer"},
        "account_type": {"type": ["string", "null"]}
    }});
    let group = json!({"type": "object", "properties": {
        "id": {"type": "string"}, "score": {"type": "number"}, "size": {"type": "integer"},
        "members": {"type": "array", "items": {"type": "object", "properties": {"user_id": {"type": "string"}, "username": {"type": "string"}}}},
        "networks": {"type": "array", "items": {"type": "object", "properties": {"network": {"type": "string"}, "edges": {"type": "integer"}, "weight": {"type": "integer"}}}},
        "shared_items": {"type": "array", "items": {"type": "object"}},
        "first_time": {"type": "number"}, "last_time": {"type": "number"},
        "sample_texts": {"type": "array", "items": {"type": "string"}}
    }});
    let job = json!({"type": "object", "properties": {
        "id": {"type": "string"}, "dataset": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "networks": {"type": "array", "items": {"type": "string"}},
        "window": {"oneOf": [{"type": "number"}, {"const": "auto"}]},
        "window_seconds": {"type": ["number", "null"]},
        "min_weight": {"type": "integer"}, "similarity": {"type": "number"},
        "error": {"type": "string"},
        "groups": {"type": "array", "items": group, "description": "Present when status is done."}
    }});
    let published = json!({"type": "object", "required": ["status", "published", "technique", "tlp"], "properties": {
        "status": {"type": "object", "required": ["id", "status", "total_count", "success_count", "failure_count", "pending_count"]},
        "published": {"type": "array", "items": {"type": "object", "required": ["group", "grouping", "campaign", "note", "relationship", "accounts"], "properties": {
            "group": {"type": "string"}, "grouping": {"type": "string", "pattern": "^grouping--"},
            "campaign": {"type": "string", "pattern": "^campaign--"}, "note": {"type": "string", "pattern": "^note--"},
            "relationship": {"oneOf": [{"type": "string", "pattern": "^relationship--"}, {"type": "null"}]},
            "accounts": {"type": "integer", "minimum": 0}
        }}},
        "technique": {"oneOf": [{"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}, {"type": "null"}]},
        "tlp": {"type": "string", "enum": ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]},
        "warning": {"type": "string", "description": "Present when no technique was found."}
    }});
    let mut job_summary = job.clone();
    if let Some(props) = job_summary["properties"].as_object_mut() {
        props.remove("groups");
    }
    let paths = json!({
        "/api/v1/datasets": {"post": {
            "operationId": "uploadDataset",
            "summary": format!("Upload a post file (CNT CSV, Twitter information-operations archive CSV or NDJSON; raw body, at most {} MiB) as a dataset of the caller's organisation (analyst or admin). Stored (deflated), so it survives a restart; an organisation keeps its {} newest datasets.", MAX_UPLOAD >> 20, limits.max_datasets),
            "parameters": [
                {"name": "format", "in": "query", "required": false, "description": "auto (default), cnt, archive (or twitter-archive) or ndjson.",
                    "schema": {"type": "string", "pattern": format!("^[{ws}]*(?:auto|cnt|archive|twitter-archive|ndjson)?[{ws}]*$", ws = crate::openapi::WS)}},
                {"name": "skip_invalid", "in": "query", "required": false, "description": "true (or 1) to skip and count malformed records instead of failing.", "schema": {"type": "string", "enum": ["true", "false", "1", "0"]}},
                {"name": "account_type", "in": "query", "required": false, "description": "STIX account_type of the accounts (e.g. twitter).", "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"}},
                q("name", "File name used in error messages and format detection.")
            ],
            "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}, "text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}}}},
            "responses": {"201": ok("The dataset and its counts.", dataset.clone()), "400": err("Malformed file (the message names the line and the reason), empty file or bad parameter."), "401": err("Missing or wrong credentials."), "403": err("Reader role."), "413": err("Upload too large.")}
        }, "get": {
            "operationId": "listDatasets", "summary": "The datasets of the caller's organisation, oldest first.",
            "responses": {"200": ok("The datasets.", json!({"type": "object", "required": ["datasets"], "properties": {"datasets": {"type": "array", "items": dataset.clone()}}})), "401": err("Missing or wrong credentials.")}
        }},
        "/api/v1/datasets/{id}": {"get": {
            "operationId": "getDataset", "summary": "A dataset of the caller's organisation.",
            "parameters": [id.clone()],
            "responses": {"200": ok("The dataset.", dataset), "401": err("Missing or wrong credentials."), "404": err("Unknown dataset or one of another organisation.")}
        }},
        "/api/v1/detections": {"post": {
            "operationId": "startDetection",
            "summary": "Start a background coordination detection over a dataset (analyst or admin).",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["dataset"], "properties": {
                "dataset": {"type": "string"},
                "networks": {"type": "array", "items": {"type": "string", "enum": ["co_retweet", "co_reply", "co_link", "co_tweet", "co_similar_tweet", "co_post"]}, "description": "Default co_retweet, co_reply, co_link, co_tweet."},
                "window": {"oneOf": [{"type": "number", "minimum": 0, "maximum": 1000000000}, {"const": "auto"}, {"type": "null"}], "description": "Seconds (default 60) or auto (CooRnet estimate)."},
                "min_weight": {"type": "integer", "minimum": 1, "maximum": u32::MAX, "default": 2},
                "similarity": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.8}
            }}}}},
            "responses": {"202": ok("The job id; the job waits as queued for one of the hub's detection workers. Jobs are stored: after a restart a finished job keeps its groups, and one that was queued or running is failed with the error 'interrupted by a restart'.", json!({"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"}}})), "400": err("Invalid parameter."), "401": err("Missing or wrong credentials."), "403": err("Reader role."), "404": err("Unknown dataset."), "409": err(&format!("The organisation already has {} detections queued or running, or the hub is shutting down.", limits.max_active_jobs)), "415": err("Not JSON."), "503": err("Busy: every detection worker is taken and the detection queue is full (serve --detect-workers, --detect-queue); retry after the Retry-After seconds (code busy). Nothing is stored.")}
        }, "get": {
            "operationId": "listDetections", "summary": "The detections of the caller's organisation, oldest first, without their groups.",
            "responses": {"200": ok("The detections.", json!({"type": "object", "required": ["detections"], "properties": {"detections": {"type": "array", "items": job_summary}}})), "401": err("Missing or wrong credentials.")}
        }},
        "/api/v1/detections/{id}/cancel": {"post": {
            "operationId": "cancelDetection",
            "summary": "Cancel a queued or running detection of the caller's organisation (analyst or admin): a queued one ends at once, a running one within moments (status cancelled). Cancelling a cancelled detection changes nothing.",
            "parameters": [id.clone()],
            "responses": {"200": ok("The job.", job.clone()), "401": err("Missing or wrong credentials."), "403": err("Reader role."), "404": err("Unknown detection or one of another organisation."), "409": err("The detection is already done or failed.")}
        }},
        "/api/v1/detections/{id}": {"get": {
            "operationId": "getDetection", "summary": "Status, progress and, when done, the coordinated groups of a detection.",
            "parameters": [id.clone()],
            "responses": {"200": ok("The job.", job), "401": err("Missing or wrong credentials."), "404": err("Unknown detection or one of another organisation.")}
        }},
        "/api/v1/detections/{id}/publish": {"post": {
            "operationId": "publishDetection",
            "summary": "Publish chosen groups to a collection as STIX 2.1 through the hub's ingest as the caller: per group a campaign, a grouping (context suspicious-activity) of the campaign and the members' user-account objects, a note with the evidence and a uses relationship from the campaign to the DISARM attack-pattern 'Flood Information Space' when it is visible to the caller; all under the chosen TLP (default AMBER).",
            "parameters": [id],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["groups", "collection"], "properties": {
                "groups": {"type": "array", "items": {"type": "string"}},
                "collection": {"type": "string"},
                "tlp": {"oneOf": [crate::openapi::tlp_input_schema(), {"type": "null"}], "default": "AMBER"}
            }}}}},
            "responses": {"200": ok("The TAXII status of the ingest, the ids created per group, the technique (or null with a warning).", published), "400": err("Invalid parameter or unknown group."), "401": err("Missing or wrong credentials."), "403": err("Reader role or no write access."), "404": err("Unknown detection or collection."), "409": err("The detection is not done.")}
        }}
    });
    if let (Some(target), Value::Object(add)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), paths)
    {
        target.extend(add);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every detection error answers with the code and message it answered with as a hub
    /// error; store and internal failures show only the request id.
    #[test]
    fn detection_errors_map_to_their_stable_codes() {
        use detect::Error as E;
        use store::{JobStatus, StoreError};
        let cases = [
            (
                E::UnknownDataset { id: "d".into() },
                Code::NotFound,
                "dataset 'd' not found",
            ),
            (
                E::UnknownJob { id: "j".into() },
                Code::NotFound,
                "detection 'j' not found",
            ),
            (
                E::invalid("window", "too long"),
                Code::InvalidInput,
                "too long",
            ),
            (E::Forbidden("reader".into()), Code::Forbidden, "reader"),
            (
                E::NotCancellable {
                    job: "j".into(),
                    status: JobStatus::Done,
                },
                Code::Conflict,
                "detection 'j' is done; only a queued or running detection can be cancelled",
            ),
            (
                E::NotDone {
                    job: "j".into(),
                    status: JobStatus::Running,
                },
                Code::Conflict,
                "detection 'j' is running, not done",
            ),
            (
                E::QuotaExceeded {
                    org: "lab".into(),
                    active: 4,
                },
                Code::Conflict,
                "organisation 'lab' has 4 detections queued or running, the most it may have; \
                 wait for one to finish or cancel one",
            ),
            (
                E::ShuttingDown,
                Code::Conflict,
                "the hub is shutting down; start the detection again later",
            ),
            (
                E::Busy { queue: 64 },
                Code::Busy,
                "64 detections are waiting for a worker, the most the hub queues; retry later",
            ),
            (
                E::Hub(hub::HubError::NotFound("collection 'c'".into())),
                Code::NotFound,
                "collection 'c' not found",
            ),
        ];
        for (e, code, message) in cases {
            let api = ApiError::from(e);
            assert_eq!((api.code, api.message.as_str()), (code, message));
        }
        let api = ApiError::from(E::Store(StoreError::Backend("disk full".into())));
        assert_eq!(api.code, Code::Internal);
        assert!(
            api.message.contains("request id") && !api.message.contains("disk"),
            "{}",
            api.message
        );
        let field = ApiError::from(E::invalid("networks", "unknown")).field;
        assert_eq!(field.as_deref(), Some("networks"));
    }
}
