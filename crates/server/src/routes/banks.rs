//! REST routes for hash banks under `/api/v1/`: hashing an upload, matching an image or
//! hashes, banks, entries (add, bulk import and export in CSV or JSON, disable, enable) and
//! feedback, plus their OpenAPI paths.
//!
//! Image bodies are accepted raw (any content type but JSON and multipart) or as
//! `multipart/form-data` (the first part that carries a file, or a part named `file` or
//! `image`). Bad input answers 400 with the field at fault and stores nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use banks::{
    EntryFormat, EntryView, FeedbackRequest, FeedbackView, ImageHashes, MatchRequest, MatchView,
    NewBankRequest, UpdateBankRequest, MAX_MATCHES_PER_QUERY, MAX_MATCHES_PER_REQUEST,
    MAX_THRESHOLD,
};
use serde_json::{json, Map, Value};
use store::{Bank, BankEntry, BankUpdate, FeedbackCounts};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::auth::Principal;
use crate::body::{parse_body, read_body, require_json, ApiJson};
use crate::codes::Code;
use crate::error::{
    blocking_typed as blocking, hub_code, log_internal, long_work_typed as long_work, ApiError,
};
use crate::filters::query_pairs;
use crate::form;
use crate::media::content_type_is_json;
use crate::AppState;
use stix::format_secs;

/// The largest image upload, in bytes.
const MAX_IMAGE: usize = 32 * 1024 * 1024;
/// The largest JSON body of bank management and hash matching, in bytes.
const MAX_JSON: usize = 4 * 1024 * 1024;
/// The largest bulk import, in bytes.
const MAX_IMPORT: usize = 512 * 1024 * 1024;
/// The most hashes one match request may carry.
const MAX_QUERIES: usize = 10_000;
/// Image decodes running at once, hub-wide; each may hold up to
/// `pdq::decode::MAX_DECODE_BYTES` of pixels.
pub const DECODE_PERMITS: usize = 2;
/// How long an upload waits for a decode slot before it is answered 503.
const DECODE_WAIT: Duration = Duration::from_secs(2);
/// The `Retry-After` of that 503, in seconds.
const DECODE_RETRY_AFTER: u64 = 1;

/// The decode slots.
static DECODES: Semaphore = Semaphore::const_new(DECODE_PERMITS);

/// Waits briefly for a decode slot; the 503 answer (code `busy`, with `Retry-After`) if none
/// frees up. The slot is released when the permit is dropped, after the decode.
async fn decode_slot() -> Result<SemaphorePermit<'static>, Response> {
    match tokio::time::timeout(DECODE_WAIT, DECODES.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => {
            let mut resp = ApiError::new(
                Code::Busy,
                format!(
                    "{DECODE_PERMITS} images are being decoded already; retry in \
                     {DECODE_RETRY_AFTER} s"
                ),
            )
            .into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(DECODE_RETRY_AFTER));
            Err(resp)
        }
    }
}

type ApiResult = Result<Response, ApiError>;

/// The bank routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/hash", post(hash))
        .route("/api/v1/match", post(match_route))
        .route("/api/v1/banks", get(list_banks).post(create_bank))
        .route("/api/v1/banks/{bank}", get(get_bank).patch(update_bank))
        .route(
            "/api/v1/banks/{bank}/entries",
            get(export_entries).post(add_entries),
        )
        .route("/api/v1/banks/{bank}/entries/{id}", get(get_entry))
        .route("/api/v1/banks/{bank}/entries/{id}/disable", post(disable))
        .route("/api/v1/banks/{bank}/entries/{id}/enable", post(enable))
        .route("/api/v1/banks/{bank}/entries/{id}/feedback", post(feedback))
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)").to_string())
}

/// Reads an image upload: raw, or the file of a multipart body (the first part with a
/// `filename`, or named `file` or `image`).
async fn image_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let ct = content_type(headers).unwrap_or_default();
    let bytes = read_body(headers, body, MAX_IMAGE).await?;
    if !form::is_multipart(&ct) {
        return Ok(bytes);
    }
    let is_image = |p: &form::FormPart| p.is_file || p.name == "file" || p.name == "image";
    let parts = form::parts(headers, bytes, "image", is_image).await?;
    parts
        .into_iter()
        .find(is_image)
        .map(|p| p.data)
        .ok_or_else(|| {
            ApiError::invalid(
                "image",
                "the multipart body has no file part (send the image in a part named 'file')",
            )
        })
}

/// The stable code a bank error answers with.
fn bank_code(e: &banks::Error) -> Code {
    match e {
        banks::Error::UnknownBank { .. } | banks::Error::UnknownEntry { .. } => Code::NotFound,
        banks::Error::Invalid { .. } => Code::InvalidInput,
        banks::Error::Forbidden(_) => Code::Forbidden,
        banks::Error::Conflict(_) => Code::Conflict,
        banks::Error::Hub(h) => hub_code(h),
        banks::Error::Store(store::StoreError::NotFound(_)) => Code::NotFound,
        _ => Code::Internal,
    }
}

impl From<banks::Error> for ApiError {
    fn from(e: banks::Error) -> ApiError {
        let code = bank_code(&e);
        match e {
            banks::Error::Hub(h) => ApiError::from(h),
            banks::Error::Invalid { field, message } => ApiError {
                code,
                message,
                field: Some(field),
            },
            banks::Error::Forbidden(m) | banks::Error::Conflict(m) => ApiError::new(code, m),
            banks::Error::Store(store::StoreError::NotFound(what)) => {
                ApiError::new(code, format!("{what} not found"))
            }
            e if code == Code::Internal => {
                log_internal(&e);
                ApiError::internal()
            }
            e => ApiError::new(code, e.to_string()),
        }
    }
}

/// A bank with its owner organisation's slug.
fn with_owner(banks: &banks::Banks, b: Bank) -> banks::Result<(Bank, String)> {
    let owner = banks.bank_owner(&b)?;
    Ok((b, owner))
}

/// A bank as the API shows it.
#[derive(serde::Serialize)]
struct BankView<'a> {
    name: &'a str,
    owner: &'a str,
    description: &'a str,
    tlp: &'static str,
    enabled: bool,
    collection_id: &'a str,
    created: String,
}

/// The answer of `GET /api/v1/banks`.
#[derive(serde::Serialize)]
struct BankList<'a> {
    banks: Vec<BankView<'a>>,
}

fn bank_json((b, owner): &(Bank, String)) -> BankView<'_> {
    BankView {
        name: &b.name,
        owner,
        description: &b.description,
        tlp: b.tlp.as_str(),
        enabled: b.enabled,
        collection_id: &b.collection_id,
        created: format_secs(b.created),
    }
}

fn entry_out(e: &BankEntry, counts: Option<FeedbackCounts>) -> EntryView {
    EntryView::of(e, None, counts)
}

/// The answer for one hash of a JSON match request.
#[derive(serde::Serialize)]
struct QueryResult {
    signal_type: &'static str,
    value: String,
    matches: Vec<MatchView>,
    truncated: bool,
}

/// The answer of a JSON match request.
#[derive(serde::Serialize)]
struct QueryResults {
    results: Vec<QueryResult>,
    truncated: bool,
}

/// The answer of an image match request.
#[derive(serde::Serialize)]
struct ImageMatch {
    hashes: ImageHashes,
    matches: Vec<MatchView>,
    truncated: bool,
}

/// The answer of `POST /api/v1/banks/{bank}/entries`.
#[derive(serde::Serialize)]
struct Added {
    added: usize,
    entries: Vec<EntryView>,
}

/// The answer of an entry's feedback.
#[derive(serde::Serialize)]
struct Feedback {
    entry_id: i64,
    feedback: FeedbackView,
}

/// Parses `threshold` from a query string.
fn threshold_param(q: Option<&str>) -> Result<Option<u32>, ApiError> {
    let pairs = query_pairs(q).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut threshold = None;
    for (k, v) in pairs {
        match k.as_str() {
            "threshold" => {
                threshold = Some(v.parse::<u32>().map_err(|_| {
                    ApiError::invalid(
                        "threshold",
                        format!(
                            "invalid threshold {v:?}: expected an integer from 0 to {MAX_THRESHOLD}"
                        ),
                    )
                })?)
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown query parameter {other:?}: expected threshold"),
                ))
            }
        }
    }
    Ok(threshold)
}

/// `POST /api/v1/hash`: PDQ, quality, MD5 and SHA-256 of an uploaded image.
async fn hash(headers: HeaderMap, body: Body) -> ApiResult {
    let bytes = image_body(&headers, body).await?;
    let permit = match decode_slot().await {
        Ok(p) => p,
        Err(busy) => return Ok(busy),
    };
    let h = blocking(move || {
        let _permit = permit;
        banks::hash_image(&bytes)
    })
    .await?;
    Ok(Json(h).into_response())
}

/// `POST /api/v1/match`: an image body, or JSON `{"hashes": [...], "threshold": n}`.
async fn match_route(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let ct = content_type(&headers);
    let banks = state.banks.clone();
    if content_type_is_json(ct.as_deref()) {
        require_json(&headers)?;
        let bytes = read_body(&headers, body, MAX_JSON).await?;
        let req: MatchRequest = parse_body(&bytes)?;
        let threshold = match req.threshold {
            Some(t) => Some(t),
            None => threshold_param(q.as_deref())?,
        };
        if req.hashes.is_empty() || req.hashes.len() > MAX_QUERIES {
            return Err(ApiError::invalid(
                "hashes",
                format!("must hold 1 to {MAX_QUERIES} hashes"),
            ));
        }
        let queries = req.hashes;
        let qs = queries.clone();
        let lists = blocking(move || banks.match_hashes(&p, &qs, threshold)).await?;
        let results: Vec<QueryResult> = queries
            .iter()
            .zip(&lists)
            .map(|(q, l)| QueryResult {
                signal_type: q.signal_type.as_str(),
                value: q.value.trim().to_ascii_lowercase(),
                matches: l.iter().map(MatchView::of).collect(),
                truncated: l.truncated,
            })
            .collect();
        let truncated = lists.iter().any(|l| l.truncated);
        return Ok(Json(QueryResults { results, truncated }).into_response());
    }
    let threshold = threshold_param(q.as_deref())?;
    let bytes = image_body(&headers, body).await?;
    let permit = match decode_slot().await {
        Ok(p) => p,
        Err(busy) => return Ok(busy),
    };
    let (hashes, hits) = blocking(move || {
        let _permit = permit;
        banks.match_image(&p, &bytes, threshold)
    })
    .await?;
    Ok(Json(ImageMatch {
        hashes,
        matches: hits.iter().map(MatchView::of).collect(),
        truncated: hits.truncated,
    })
    .into_response())
}

async fn list_banks(State(state): State<AppState>, Principal(p): Principal) -> ApiResult {
    let banks = state.banks.clone();
    let banks = blocking(move || {
        banks
            .list_banks(&p)?
            .into_iter()
            .map(|b| with_owner(&banks, b))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    Ok(Json(BankList {
        banks: banks.iter().map(bank_json).collect(),
    })
    .into_response())
}

/// `POST /api/v1/banks`: `{"name", "collection", "description"?, "tlp"?}` (TLP default AMBER).
async fn create_bank(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(req): ApiJson<NewBankRequest, MAX_JSON>,
) -> ApiResult {
    let banks = state.banks.clone();
    let bank = blocking(move || {
        let b = banks.create_bank(&p, &req)?;
        with_owner(&banks, b)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(bank_json(&bank))).into_response())
}

async fn get_bank(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(name): Path<String>,
) -> ApiResult {
    let banks = state.banks.clone();
    let bank = blocking(move || with_owner(&banks, banks.get_bank(&p, &name)?)).await?;
    Ok(Json(bank_json(&bank)).into_response())
}

/// `PATCH /api/v1/banks/{bank}`: `{"description"?, "tlp"?, "enabled"?}`.
async fn update_bank(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<UpdateBankRequest, MAX_JSON>,
) -> ApiResult {
    let update = BankUpdate::from(req);
    let banks = state.banks.clone();
    let bank = blocking(move || with_owner(&banks, banks.update_bank(&p, &name, &update)?)).await?;
    Ok(Json(bank_json(&bank)).into_response())
}

/// `POST /api/v1/banks/{bank}/entries`: adds entries from `text/csv` or JSON
/// (`{"entries": [...]}` or an array); all or nothing.
async fn add_entries(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let ct = content_type(&headers);
    let format = if content_type_is_json(ct.as_deref()) {
        EntryFormat::Json
    } else if ct.as_deref().is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
    }) {
        EntryFormat::Csv
    } else {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            format!(
                "Content-Type {:?} is not accepted; send text/csv or application/json",
                ct.as_deref().unwrap_or("(none)")
            ),
        ));
    };
    let bytes = read_body(&headers, body, MAX_IMPORT).await?;
    let banks = state.banks.clone();
    let added = long_work(&state.work, move || {
        banks.import_entries(&p, &name, format, &bytes)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Added {
            added: added.len(),
            entries: added.iter().map(|e| entry_out(e, None)).collect(),
        }),
    )
        .into_response())
}

/// `GET /api/v1/banks/{bank}/entries?format=csv|json`: every entry (default JSON).
async fn export_entries(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut format = EntryFormat::Json;
    for (k, v) in pairs {
        match (k.as_str(), v.as_str()) {
            ("format", "csv") => format = EntryFormat::Csv,
            ("format", "json") => format = EntryFormat::Json,
            ("format", other) => {
                return Err(ApiError::invalid(
                    "format",
                    format!("unknown format {other:?}: expected csv or json"),
                ))
            }
            (other, _) => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown query parameter {other:?}: expected format"),
                ))
            }
        }
    }
    let banks = state.banks.clone();
    let text = long_work(&state.work, move || banks.export_entries(&p, &name, format)).await?;
    let mut resp = text.into_response();
    let ct = match format {
        EntryFormat::Csv => "text/csv; charset=utf-8",
        EntryFormat::Json => "application/json",
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(resp)
}

fn entry_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::invalid("id", format!("entry id {id:?} is not a positive integer"))
    })
}

async fn get_entry(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((bank, id)): Path<(String, String)>,
) -> ApiResult {
    let id = entry_id(&id)?;
    let banks = state.banks.clone();
    let (e, counts) = blocking(move || banks.get_entry(&p, &bank, id)).await?;
    Ok(Json(entry_out(&e, Some(counts))).into_response())
}

async fn set_enabled(
    state: AppState,
    p: Arc<hub::Principal>,
    bank: String,
    id: String,
    enabled: bool,
) -> ApiResult {
    let id = entry_id(&id)?;
    let banks = state.banks.clone();
    let e = blocking(move || banks.set_entry_enabled(&p, &bank, id, enabled)).await?;
    Ok(Json(entry_out(&e, None)).into_response())
}

async fn disable(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((bank, id)): Path<(String, String)>,
) -> ApiResult {
    set_enabled(state, p, bank, id, false).await
}

async fn enable(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((bank, id)): Path<(String, String)>,
) -> ApiResult {
    set_enabled(state, p, bank, id, true).await
}

/// `POST /api/v1/banks/{bank}/entries/{id}/feedback`: `{"kind": "true_positive" |
/// "false_positive" | "disagree_labels"}`.
async fn feedback(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((bank, id)): Path<(String, String)>,
    ApiJson(req): ApiJson<FeedbackRequest, MAX_JSON>,
) -> ApiResult {
    let id = entry_id(&id)?;
    let kind = req.kind;
    let banks = state.banks.clone();
    let c = blocking(move || banks.give_feedback(&p, &bank, id, kind)).await?;
    Ok(Json(Feedback {
        entry_id: id,
        feedback: c.into(),
    })
    .into_response())
}

/// The OpenAPI paths and schemas of the bank routes, merged into the document by
/// `openapi::document`.
pub fn openapi_paths() -> (Value, Value) {
    let err = |codes: &[&str]| -> Value {
        let mut m = Map::new();
        for c in codes {
            m.insert(
                c.to_string(),
                json!({"description": match *c {
                    "400" => "Invalid input: corrupt, truncated or empty image, a hash of the wrong length or with non-hex digits, a bad CSV line (the message names line and column). Nothing is stored.",
                    "401" => "Missing or wrong credentials.",
                    "403" => "Not allowed (reader role, not the owner or contributor, no write access to the bank's collection).",
                    "404" => "Unknown bank or entry, or one the caller's organisation may not use.",
                    "409" => "Already exists (a bank of that name in the caller's organisation, or a value already in the bank).",
                    "413" => "Request body too large.",
                    "415" => "Unsupported Content-Type.",
                    "503" => "Busy: every image-decoding slot stayed taken for 2 s, or every export and import worker is taken and their queue is full (serve --work-workers, --work-queue); retry after the Retry-After seconds (code busy).",
                    _ => "Internal error (the message carries a request id).",
                }, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            );
        }
        Value::Object(m)
    };
    let ok = |mut base: Value, code: &str, desc: &str, schema: Value| -> Value {
        if let Some(m) = base.as_object_mut() {
            m.insert(
                code.into(),
                json!({"description": desc, "content": {"application/json": {"schema": schema}}}),
            );
        }
        base
    };
    let sref = |s: &str| json!({"$ref": format!("#/components/schemas/{s}")});
    let image_body = json!({
        "required": true,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "image/*": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}
        }
    });
    let bank_param = json!({"name": "bank", "in": "path", "required": true, "description": "NAME (the caller's organisation's bank, else the only usable bank of that name) or OWNER:NAME.", "schema": {"type": "string"}});
    let id_param = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": i64::MAX}});
    let threshold_param = json!({"name": "threshold", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": MAX_THRESHOLD, "default": 31}});
    let entry_op = |op: &str, summary: &str| {
        json!({"post": {
            "operationId": op, "summary": summary,
            "parameters": [bank_param, id_param],
            "responses": ok(err(&["400", "401", "403", "404", "500"]), "200", "The entry.", sref("BankEntry"))
        }})
    };
    let paths = json!({
        "/api/v1/hash": {"post": {
            "operationId": "hashImage",
            "summary": "PDQ hash (with quality), MD5 and SHA-256 of an uploaded image (raw body or multipart part 'file').",
            "requestBody": image_body,
            "responses": ok(err(&["400", "401", "413", "500", "503"]), "200", "The hashes.", sref("ImageHashes"))
        }},
        "/api/v1/match": {"post": {
            "operationId": "match",
            "summary": format!("Match an image (raw or multipart; PDQ quality below 50 is refused) or JSON hashes against every enabled entry of the banks the caller may use: PDQ within the threshold (default 31, at most {MAX_THRESHOLD}; larger is 400 on threshold), MD5 and SHA-256 exactly. Each hash gets its {MAX_MATCHES_PER_QUERY} nearest matches (by distance, then entry id) and a request at most {MAX_MATCHES_PER_REQUEST} in all; a cut list says truncated: true (per result and for the whole answer)."),
            "parameters": [threshold_param],
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": sref("MatchRequest")},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}
            }},
            "responses": ok(err(&["400", "401", "413", "500", "503"]), "200", "For an image: its hashes and the matches; for JSON: one result per hash.", sref("MatchResponse"))
        }},
        "/api/v1/banks": {
            "get": {
                "operationId": "listBanks",
                "summary": "The banks the caller's organisation may use (its collection is readable and the TLP allows it).",
                "responses": ok(err(&["401", "500"]), "200", "The banks.", json!({"type": "object", "properties": {"banks": {"type": "array", "items": sref("Bank")}}}))
            },
            "post": {
                "operationId": "createBank",
                "summary": "Create a bank owned by the caller's organisation, published to a collection it may write (analyst or admin).",
                "requestBody": {"required": true, "content": {"application/json": {"schema": sref("NewBank")}}},
                "responses": ok(err(&["400", "401", "403", "404", "409", "413", "415", "500"]), "201", "The bank.", sref("Bank"))
            }
        },
        "/api/v1/banks/{bank}": {
            "get": {
                "operationId": "getBank", "summary": "One bank.",
                "parameters": [bank_param],
                "responses": ok(err(&["400", "401", "404", "500"]), "200", "The bank.", sref("Bank"))
            },
            "patch": {
                "operationId": "updateBank", "summary": "Change description, TLP or enabled flag (owner organisation only). A TLP change publishes a new version of every enabled entry's indicator at the new marking; raising it also deletes the stored indicator versions at less restrictive markings, those of the revoked indicators that re-enabled entries left behind included.",
                "parameters": [bank_param],
                "requestBody": {"required": true, "content": {"application/json": {"schema": sref("BankUpdate")}}},
                "responses": ok(err(&["400", "401", "403", "404", "415", "500"]), "200", "The bank.", sref("Bank"))
            }
        },
        "/api/v1/banks/{bank}/entries": {
            "get": {
                "operationId": "exportEntries",
                "summary": "Export every entry (enabled or not) as JSON (default) or CSV (columns id, signal_type, value, content_type, producing_entity, behaviour, enabled, contributor, created, updated, stix_id).",
                "parameters": [bank_param, {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "csv"]}}],
                "responses": {
                    "200": {"description": "The entries.", "content": {"application/json": {"schema": {"type": "object", "properties": {"bank": {"type": "string"}, "entries": {"type": "array", "items": sref("BankEntry")}}}}, "text/csv": {"schema": {"type": "string"}}}},
                    "400": err(&["400"])["400"], "401": err(&["401"])["401"], "404": err(&["404"])["404"], "500": err(&["500"])["500"], "503": err(&["503"])["503"]
                }
            },
            "post": {
                "operationId": "addEntries",
                "summary": "Add one or many entries (all or nothing), each published as a STIX indicator in the bank's collection and matchable when this answers. text/csv: header naming signal_type and value, optionally content_type, producing_entity, behaviour (export-only columns are ignored); JSON: {\"entries\": [...]} or an array.",
                "parameters": [bank_param],
                "requestBody": {"required": true, "content": {
                    "application/json": {"schema": {"type": "object", "required": ["entries"], "properties": {"entries": {"type": "array", "items": sref("NewEntry")}}}},
                    "text/csv": {"schema": {"type": "string"}}
                }},
                "responses": ok(err(&["400", "401", "403", "404", "409", "413", "415", "500", "503"]), "201", "The added entries.", json!({"type": "object", "properties": {"added": {"type": "integer"}, "entries": {"type": "array", "items": sref("BankEntry")}}}))
            }
        },
        "/api/v1/banks/{bank}/entries/{id}": {"get": {
            "operationId": "getEntry", "summary": "One entry with its feedback counts.",
            "parameters": [bank_param, id_param],
            "responses": ok(err(&["400", "401", "404", "500"]), "200", "The entry.", sref("BankEntry"))
        }},
        "/api/v1/banks/{bank}/entries/{id}/disable": entry_op("disableEntry", "Disable an entry (contributor only): the record is kept, it stops matching at once and a revoked version of its indicator is published."),
        "/api/v1/banks/{bank}/entries/{id}/enable": entry_op("enableEntry", "Enable a disabled entry (contributor only): it matches again and is published as a new indicator."),
        "/api/v1/banks/{bank}/entries/{id}/feedback": {"post": {
            "operationId": "entryFeedback",
            "summary": "Record the caller organisation's feedback on an entry (replacing its earlier one); returns the counts.",
            "parameters": [bank_param, id_param],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["true_positive", "false_positive", "disagree_labels"]}}}}}},
            "responses": ok(err(&["400", "401", "404", "415", "500"]), "200", "The counts.", json!({"type": "object", "properties": {"entry_id": {"type": "integer"}, "feedback": sref("FeedbackCounts")}}))
        }}
    });
    let tlp = json!({"type": "string", "description": "TLP 2.0 level: CLEAR, GREEN, AMBER, AMBER+STRICT, RED."});
    let tlp_in = json!({"oneOf": [crate::openapi::tlp_input_schema(), {"type": "null"}]});
    let description = json!({"oneOf": [{"type": "string", "maxLength": 4000, "description": "At most 4000 bytes (UTF-8)."}, {"type": "null"}]});
    // A label may be null (read as empty); an export's own columns are ignored on import.
    let label = json!({"type": ["string", "null"]});
    let ignored = json!({"description": "An export's column, ignored."});
    let schemas = json!({
        "ImageHashes": {"type": "object", "required": ["pdq", "quality", "md5", "sha256"], "properties": {
            "pdq": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "quality": {"type": "integer", "minimum": 0, "maximum": 100},
            "md5": {"type": "string", "pattern": "^[0-9a-f]{32}$"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
        "MatchRequest": {"type": "object", "additionalProperties": false, "required": ["hashes"], "properties": {
            "hashes": {"type": "array", "minItems": 1, "maxItems": MAX_QUERIES, "items": {"oneOf": [
                {"type": "string", "description": "HEX (PDQ), pdq:HEX, md5:HEX or sha256:HEX"},
                {"type": "object", "properties": {"signal_type": {"type": "string", "enum": ["pdq", "md5", "sha256"]}, "value": {"type": "string"}}}]}},
            "threshold": {"oneOf": [{"type": "integer", "minimum": 0, "maximum": MAX_THRESHOLD}, {"type": "null"}], "default": 31}}},
        "MatchResponse": {"type": "object", "properties": {
            "hashes": sref("ImageHashes"),
            "matches": {"type": "array", "items": sref("BankMatch")},
            "truncated": {"type": "boolean", "description": "Some hash had more matches than were returned."},
            "results": {"type": "array", "items": {"type": "object", "properties": {"signal_type": {"type": "string"}, "value": {"type": "string"}, "matches": {"type": "array", "items": sref("BankMatch")}, "truncated": {"type": "boolean"}}}}}},
        "Bank": {"type": "object", "properties": {"name": {"type": "string"}, "owner": {"type": "string", "description": "Slug of the owner organisation; bank names are unique per organisation, and a path may name a bank as OWNER:NAME."}, "description": {"type": "string"}, "tlp": tlp, "enabled": {"type": "boolean"}, "collection_id": {"type": "string"}, "created": {"type": "string"}}},
        "NewBank": {"type": "object", "additionalProperties": false, "required": ["name", "collection"], "properties": {"name": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"}, "collection": {"type": "string", "description": "Collection UUID or slug."}, "description": description.clone(), "tlp": tlp_in.clone()}},
        "BankUpdate": {"type": "object", "additionalProperties": false, "properties": {"description": description, "tlp": tlp_in, "enabled": {"oneOf": [{"type": "boolean"}, {"type": "null"}]}}},
        "NewEntry": {"type": "object", "additionalProperties": false, "required": ["signal_type", "value"], "properties": {
            "signal_type": {"type": "string", "enum": ["pdq", "md5", "sha256"]}, "value": {"type": "string"},
            "content_type": label.clone(), "producing_entity": label.clone(), "behaviour": label,
            "id": ignored.clone(), "enabled": ignored.clone(), "contributor": ignored.clone(), "created": ignored.clone(), "updated": ignored.clone(), "stix_id": ignored}},
        "BankEntry": {"type": "object", "properties": {"id": {"type": "integer"}, "signal_type": {"type": "string"}, "value": {"type": "string"}, "content_type": {"type": "string"}, "producing_entity": {"type": "string"}, "behaviour": {"type": "string"}, "enabled": {"type": "boolean"}, "created": {"type": "string"}, "updated": {"type": "string"}, "stix_id": {"type": "string"}, "feedback": sref("FeedbackCounts")}},
        "BankMatch": {"allOf": [sref("BankEntry"), {"type": "object", "properties": {"bank": {"type": "string"}, "bank_owner": {"type": "string", "description": "Slug of the bank's owner organisation."}, "distance": {"type": "integer"}}}]},
        "FeedbackCounts": {"type": "object", "properties": {"true_positive": {"type": "integer"}, "false_positive": {"type": "integer"}, "disagree_labels": {"type": "integer"}}}
    });
    (paths, schemas)
}

/// Adds the bank paths and schemas to an OpenAPI document.
pub fn merge_openapi(doc: &mut Value) {
    let (paths, schemas) = openapi_paths();
    if let (Some(dst), Value::Object(src)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), paths)
    {
        dst.extend(src);
    }
    if let (Some(dst), Value::Object(src)) = (
        doc.pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut),
        schemas,
    ) {
        dst.extend(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bank error answers with the code, message and field it answered with as a hub
    /// error; store and internal failures show only the request id.
    #[test]
    fn bank_errors_map_to_their_stable_codes() {
        use banks::Error as E;
        use store::StoreError;
        let cases = [
            (
                E::UnknownBank {
                    reference: "owner:b".into(),
                },
                Code::NotFound,
                "bank 'owner:b' not found",
                None,
            ),
            (
                E::UnknownEntry {
                    bank: "b".into(),
                    entry: 7,
                },
                Code::NotFound,
                "entry 7 in bank 'b' not found",
                None,
            ),
            (
                E::invalid("entries[2].value", "bad hex"),
                Code::InvalidInput,
                "bad hex",
                Some("entries[2].value"),
            ),
            (
                E::Forbidden("reader".into()),
                Code::Forbidden,
                "reader",
                None,
            ),
            (
                E::from(StoreError::Conflict("bank 'b'".into())),
                Code::Conflict,
                "bank 'b' already exists",
                None,
            ),
            (
                E::Hub(hub::HubError::Busy("later".into())),
                Code::Busy,
                "later",
                None,
            ),
            (
                E::Store(StoreError::NotFound("collection 'c'".into())),
                Code::NotFound,
                "collection 'c' not found",
                None,
            ),
        ];
        for (e, code, message, field) in cases {
            let shown = e.to_string();
            let api = ApiError::from(e);
            assert_eq!(api.code, code, "{shown}");
            assert_eq!(api.message, message, "{shown}");
            assert_eq!(api.field.as_deref(), field, "{shown}");
        }
        let api = ApiError::from(E::Store(StoreError::Backend("disk full".into())));
        assert_eq!(api.code, Code::Internal);
        assert!(
            api.message.contains("request id") && !api.message.contains("disk"),
            "{}",
            api.message
        );
    }

    /// With every decode slot taken, an upload waits about `DECODE_WAIT` and gets 503 with
    /// `Retry-After`; a freed slot is taken again.
    #[tokio::test]
    async fn a_full_decoder_answers_503_with_retry_after() {
        let held = DECODES
            .acquire_many(DECODE_PERMITS as u32)
            .await
            .expect("the semaphore is open");
        let started = std::time::Instant::now();
        let busy = decode_slot().await.expect_err("no slot is free");
        assert!(started.elapsed() >= DECODE_WAIT);
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            busy.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from(DECODE_RETRY_AFTER))
        );
        drop(held);
        assert!(decode_slot().await.is_ok());
    }
}
