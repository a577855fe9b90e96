//! REST routes from findings to notices and re-checks: `POST /api/v1/notices/from-detection`,
//! `POST /api/v1/notices/from-match`, `POST|GET /api/v1/notices/{id}/recheck(s)`.
//!
//! The body of a draft from a finding is a notice's body without items (they come from the
//! finding), `kind` defaulting to `dsa-art16` for a detection and `tos-report` for a match.
//! Images travel as base64 (`image`, bodies up to 16 MiB), hashes as 64 hex digits (`hash`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use notices::{FromDetection, FromMatch, LaterUpload, MatchedContent, RecheckRequest};
use response::notice::Missing;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{run, NoticeBody, NoticeRouteError};
use crate::auth::Principal;
use crate::body::ApiJson;
use crate::AppState;

type ApiResult = Result<Response, NoticeRouteError>;

/// The largest body of a referral or a re-check: images travel in it, base64.
const IMAGE_BODY: usize = 16 * 1024 * 1024;

/// The routes (merged into the notice routes).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notices/from-detection", post(from_detection))
        .route("/api/v1/notices/from-match", post(from_match))
        .route("/api/v1/notices/{id}/recheck", post(recheck))
        .route(
            "/api/v1/notices/{id}/rechecks",
            axum::routing::get(rechecks),
        )
}

/// The notice's own fields with a default kind; `items` is refused by the service.
fn notice_of(mut b: NoticeBody, kind: &str) -> Result<notices::NewNotice, NoticeRouteError> {
    b.content
        .entry("kind")
        .or_insert_with(|| serde_json::Value::from(kind));
    b.into_new(true)
}

#[derive(Deserialize)]
struct FromDetectionBody {
    collection: Option<String>,
    grouping: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(flatten)]
    notice: NoticeBody,
}

fn required(v: Option<String>, field: &str, what: &str) -> Result<String, NoticeRouteError> {
    v.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        NoticeRouteError::Fields(vec![Missing {
            field: field.into(),
            message: what.into(),
        }])
    })
}

/// `POST /api/v1/notices/from-detection`: a draft naming a published grouping's accounts.
async fn from_detection(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<FromDetectionBody>,
) -> ApiResult {
    let req = FromDetection {
        collection: required(
            b.collection,
            "collection",
            "the collection the detection was published to",
        )?,
        grouping: required(b.grouping, "grouping", "the published grouping id")?,
        note: b.note,
        notice: notice_of(b.notice, "dsa-art16")?,
    };
    let notices = state.notices().clone();
    let view = run(move || notices.draft_from_detection(&p, &req)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContentBody {
    #[serde(default)]
    url: String,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    image: Option<String>,
}

#[derive(Deserialize)]
struct FromMatchBody {
    #[serde(default)]
    content: Vec<serde_json::Value>,
    #[serde(default)]
    threshold: Option<u32>,
    #[serde(flatten)]
    notice: NoticeBody,
}

/// Base64 image bytes, naming `field` when malformed.
fn image(field: String, v: Option<String>) -> Result<Option<Vec<u8>>, Missing> {
    v.map(|s| {
        base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|e| Missing {
                field,
                message: format!("not base64: {e}"),
            })
    })
    .transpose()
}

/// `POST /api/v1/notices/from-match`: a referral of contents matched against the banks.
async fn from_match(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(b): ApiJson<FromMatchBody, IMAGE_BODY>,
) -> ApiResult {
    let mut content = Vec::with_capacity(b.content.len());
    let mut missing = Vec::new();
    for (i, v) in b.content.into_iter().enumerate() {
        match serde_json::from_value::<ContentBody>(v) {
            Ok(c) => match image(format!("content.{i}.image"), c.image) {
                Ok(image) => content.push(MatchedContent {
                    url: c.url,
                    pdq: c.hash,
                    image,
                }),
                Err(m) => missing.push(m),
            },
            Err(e) => missing.push(Missing {
                field: format!("content.{i}"),
                message: e.to_string(),
            }),
        }
    }
    if !missing.is_empty() {
        return Err(NoticeRouteError::Fields(missing));
    }
    let req = FromMatch {
        content,
        threshold: b.threshold,
        notice: notice_of(b.notice, "tos-report")?,
    };
    let notices = state.notices().clone();
    let view = run(move || notices.draft_from_match(&p, &req)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadBody {
    item: usize,
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    image: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecheckBody {
    #[serde(default)]
    job: Option<String>,
    #[serde(default)]
    uploads: Vec<serde_json::Value>,
    #[serde(default)]
    threshold: Option<u32>,
}

/// `POST /api/v1/notices/{id}/recheck`: `{job?, uploads?: [{item, hash|image}], threshold?}`.
async fn recheck(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RecheckBody, IMAGE_BODY>,
) -> ApiResult {
    let mut uploads = Vec::with_capacity(b.uploads.len());
    let mut missing = Vec::new();
    for (i, v) in b.uploads.into_iter().enumerate() {
        match serde_json::from_value::<UploadBody>(v) {
            Ok(u) => match image(format!("uploads.{i}.image"), u.image) {
                Ok(image) => uploads.push(LaterUpload {
                    item: u.item,
                    pdq: u.hash,
                    image,
                }),
                Err(m) => missing.push(m),
            },
            Err(e) => missing.push(Missing {
                field: format!("uploads.{i}"),
                message: e.to_string(),
            }),
        }
    }
    if !missing.is_empty() {
        return Err(NoticeRouteError::Fields(missing));
    }
    let req = RecheckRequest {
        job: b.job,
        uploads,
        threshold: b.threshold,
    };
    let notices = state.notices().clone();
    let view = run(move || notices.recheck(&p, &id, &req)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Serialize)]
struct RecheckList {
    rechecks: Vec<notices::RecheckView>,
}

/// `GET /api/v1/notices/{id}/rechecks`: the past re-checks, oldest first (the sender).
async fn rechecks(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let notices = state.notices().clone();
    let rechecks = run(move || notices.rechecks(&p, &id)).await?;
    Ok(Json(RecheckList { rechecks }).into_response())
}

/// Adds the routes and their schemas to the OpenAPI document.
pub(super) fn merge_openapi(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoticeError"}}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let body = |schema: &str| json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let id = json!({"name": "id", "in": "path", "required": true, "description": "Notice id.", "schema": {"type": "string"}});
    let text = json!({"type": "string"});
    let hash = json!({"type": "string", "description": "A PDQ hash, 64 hex digits."});
    let image = json!({"type": "string", "contentEncoding": "base64", "description": "The image, base64 (hashed with PDQ when no hash is given)."});
    let e400 = err("Invalid input naming every field (collection, grouping, note, items, content.N.hash for a hash no bank entry matches, content.N.image, job, uploads.N.item, threshold); nothing is stored.");
    let e403 = err("A re-check by the recipient (only the sender re-checks), or a role that may not write notices.");
    let e404 = err("A grouping the caller may not see, or an unknown notice.");
    let e409 = err("invalid_transition: a re-check before the notice is decided with at least one actioned item.");
    let schemas = json!({
        "NoticeFromDetection": {"allOf": [{"$ref": "#/components/schemas/NewNotice"}, {"type": "object", "required": ["collection", "grouping", "recipient"], "properties": {
            "collection": {"type": "string", "description": "The collection the detection was published to (UUID or slug)."},
            "grouping": {"type": "string", "description": "The published grouping id (POST /api/v1/detections/{id}/publish)."},
            "note": {"type": "string", "description": "The evidence note; found when not given."}
        }}]},
        "NoticeFromMatch": {"allOf": [{"$ref": "#/components/schemas/NewNotice"}, {"type": "object", "required": ["content", "recipient"], "properties": {
            "content": {"type": "array", "minItems": 1, "items": {"type": "object", "additionalProperties": false, "required": ["url"], "properties": {
                "url": {"type": "string", "description": "The content's URL on the platform."}, "hash": hash.clone(), "image": image.clone()}}},
            "threshold": {"type": "integer", "minimum": 0, "maximum": 63}
        }}]},
        "NoticeRecheckRequest": {"type": "object", "additionalProperties": false, "properties": {
            "job": {"type": "string", "description": "A finished detection job of the caller's organisation on a later post set."},
            "uploads": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["item"], "properties": {
                "item": {"type": "integer", "minimum": 0}, "hash": hash, "image": image}}},
            "threshold": {"type": "integer", "minimum": 0, "maximum": 63}
        }},
        "NoticeRecheck": {"type": "object", "required": ["id", "notice", "checked_at", "by", "items", "still_active"], "properties": {
            "id": text.clone(), "notice": text.clone(), "job": {"type": ["string", "null"]},
            "checked_at": {"type": "string", "format": "date-time"}, "by": text.clone(),
            "still_active": {"type": "array", "items": {"type": "integer"}, "description": "Indexes of the items still active."},
            "items": {"type": "array", "items": {"type": "object", "required": ["index", "type", "value", "outcome", "still_active"], "properties": {
                "index": {"type": "integer"}, "type": text.clone(), "value": text.clone(),
                "outcome": {"type": ["string", "null"], "enum": ["actioned", "no-action", null]},
                "still_active": {"type": ["boolean", "null"], "description": "null when the re-check has no data on the item."},
                "posts": {"type": "integer"}, "groups": {"type": "array", "items": text.clone()}, "distance": {"type": "integer"}}}}
        }},
        "NoticeRechecks": {"type": "object", "required": ["rechecks"], "properties": {"rechecks": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeRecheck"}}}}
    });
    let paths = json!({
        "/api/v1/notices/from-detection": {"post": {"operationId": "createNoticeFromDetection", "summary": "A draft notice from a published coordination detection: the grouping's accounts as items, the grouping as a stix item, its evidence note as the explanation.", "tags": ["notices"],
            "requestBody": body("NoticeFromDetection"),
            "responses": {"201": ok("The draft.", "Notice"), "400": e400.clone(), "403": e403.clone(), "404": e404.clone()}}},
        "/api/v1/notices/from-match": {"post": {"operationId": "createNoticeFromMatch", "summary": "A draft referral from a hash match: each content's URL and its matched bank indicator as items, the distances in the explanation.", "tags": ["notices"],
            "requestBody": body("NoticeFromMatch"),
            "responses": {"201": ok("The draft.", "Notice"), "400": e400.clone(), "403": e403.clone()}}},
        "/api/v1/notices/{id}/recheck": {"post": {"operationId": "recheckNotice", "summary": "Re-check a decided notice on fresh data: which items are still active (stored and audited).", "tags": ["notices"],
            "parameters": [id.clone()], "requestBody": body("NoticeRecheckRequest"),
            "responses": {"201": ok("The re-check.", "NoticeRecheck"), "400": e400.clone(), "403": e403.clone(), "404": e404.clone(), "409": e409}}},
        "/api/v1/notices/{id}/rechecks": {"get": {"operationId": "listNoticeRechecks", "summary": "The notice's past re-checks, oldest first (the sender).", "tags": ["notices"],
            "parameters": [id],
            "responses": {"200": ok("The re-checks.", "NoticeRechecks"), "403": e403, "404": e404}}}
    });
    if let (Some(Value::Object(dst)), Value::Object(src)) = (doc.get_mut("paths"), paths) {
        dst.extend(src);
    }
    if let (Some(Value::Object(dst)), Value::Object(src)) =
        (doc.pointer_mut("/components/schemas"), schemas)
    {
        dst.extend(src);
    }
}
