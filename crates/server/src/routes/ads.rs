//! REST routes of the political-advertising registry under `/api/v1/` (authenticated):
//! platforms register their reach and sponsors and submit ads (`POST /api/v1/ads`, JSON with
//! the creative in base64, or multipart), election authorities register elections and
//! sponsors, list and export violations and choose the collection foreign-funding and
//! foreign-interference incidents go to. Bad input answers 400 naming the field, with nothing
//! stored. Also the OpenAPI paths of these routes and of the public ones.

pub(crate) mod public;

use ads::{CreativeUpload, RecordBody, Registration, Sponsor, SubmissionRequest, Violation};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use store::Tlp;

use crate::auth::Principal;
use crate::body::{parse_body, read_body, ApiJson};
use crate::codes::Code;
use crate::error::{blocking, chain, long_work, request_id, ApiError};
use crate::filters::query_pairs;
use crate::form;
use crate::media::content_type_is_json;
use crate::AppState;

/// The largest submission body: a 50 MiB creative in base64 plus the JSON.
const MAX_SUBMISSION: usize = 72 * 1024 * 1024;
/// The largest body of a registry record (election, sponsor, platform) or destination.
const MAX_RECORD: usize = 1024 * 1024;

type ApiResult = Result<Response, ApiError>;

/// Registry errors answer with the stable codes and statuses the hub's do: a refusal is 403
/// `forbidden`, an unknown election, sponsor, ad, version or creative 404 `not_found`, bad
/// input 400 `invalid_input` naming the field; a hub error keeps its own answer, and an
/// internal failure is logged with its source chain and answers 500 `internal`.
impl From<ads::Error> for ApiError {
    fn from(e: ads::Error) -> ApiError {
        if let Some(what) = e.missing() {
            return ApiError::new(Code::NotFound, format!("{what} not found"));
        }
        match e {
            ads::Error::Hub(e) => ApiError::from(e),
            ads::Error::Forbidden(message) => ApiError::new(Code::Forbidden, message),
            ads::Error::Invalid { field, message } => ApiError {
                code: Code::InvalidInput,
                message,
                field: Some(field),
            },
            e => {
                tracing::error!(request_id = %request_id(), error = %chain(&e), "internal error");
                ApiError::internal()
            }
        }
    }
}

/// Runs a registry call on the blocking pool.
pub(crate) async fn registry<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ads::Error> + Send + 'static,
{
    Ok(blocking(move || Ok(f())).await??)
}

/// Runs long registry work (an export) on the server's bounded worker facility.
pub(crate) async fn registry_work<T, F>(work: &hub::work::Workers, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ads::Error> + Send + 'static,
{
    Ok(long_work(work, move || Ok(f())).await??)
}

/// The authenticated registry routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ads", post(submit))
        .route("/api/v1/ads/violations", get(violations))
        .route("/api/v1/ads/incident-collection", put(incident_collection))
        .route("/api/v1/elections", get(list_elections))
        .route("/api/v1/elections/{id}", put(put_election))
        .route(
            "/api/v1/elections/{id}/incident-collection",
            put(election_incident_collection),
        )
        .route("/api/v1/sponsors/{id}", put(put_sponsor).get(get_sponsor))
        .route("/api/v1/platforms/{id}", put(put_platform))
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)").to_string())
}

fn unsupported(ct: Option<&str>) -> ApiError {
    ApiError::new(
        Code::UnsupportedMediaType,
        format!(
            "Content-Type {:?} is not accepted; send application/json or multipart/form-data",
            ct.unwrap_or("(none)")
        ),
    )
}

/// Reads a submission: JSON [`ads::SubmitBody`] (`{"submission": {...}, "creative":
/// {"media_type", "data"}}`, the creative in base64), or multipart with a `submission` JSON
/// part and a `creative` file part whose Content-Type is the creative's media type. A field
/// that does not fit is named by its path in the JSON body or part.
async fn read_submission(
    headers: &HeaderMap,
    body: Body,
) -> Result<(SubmissionRequest, Option<CreativeUpload>), ApiError> {
    let ct = content_type(headers);
    if ct.as_deref().is_some_and(form::is_multipart) {
        let bytes = read_body(headers, body, MAX_SUBMISSION).await?;
        let parts = form::parts(headers, bytes, "multipart", |_| false).await?;
        let sub = parts
            .iter()
            .find(|p| p.name == "submission")
            .ok_or_else(|| {
                ApiError::invalid("submission", "the multipart body has no submission part")
            })?;
        let submission = parse_body::<SubmissionRequest>(&sub.data)?;
        let creative = parts
            .into_iter()
            .find(|p| p.name == "creative")
            .map(|p| CreativeUpload {
                bytes: p.data.to_vec(),
                media_type: p
                    .content_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
            });
        return Ok((submission, creative));
    }
    if !content_type_is_json(ct.as_deref()) {
        return Err(unsupported(ct.as_deref()));
    }
    let bytes = read_body(headers, body, MAX_SUBMISSION).await?;
    Ok(parse_body::<ads::SubmitBody>(&bytes)?.split()?)
}

async fn submit(
    State(state): State<AppState>,
    Principal(p): Principal,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let (submission, creative) = read_submission(&headers, body).await?;
    let ads = state.ads.clone();
    let out = registry(move || ads.submit_ad(&p, submission, creative)).await?;
    let status = if out.published {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)).into_response())
}

/// The JSON body of a registry record (an election, sponsor or platform; its `id` optional, a
/// [`RecordBody`]): read as JSON at once (413, 415, 400 `malformed_json`), its fields after
/// the caller's right is checked.
type RecordJson = ApiJson<Box<serde_json::value::RawValue>, MAX_RECORD>;

async fn put_election(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(body): RecordJson,
) -> ApiResult {
    // The caller's right before the body's fields: they are judged only for someone who
    // may send them.
    state.ads.may_register(&p, Registration::Election)?;
    let body: RecordBody<ads::Election> = parse_body(body.get().as_bytes())?;
    let ads = state.ads.clone();
    let rec = registry(move || ads.put_election(&p, &id, body)).await?;
    Ok(stored_json(&rec.json))
}

async fn put_sponsor(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(body): RecordJson,
) -> ApiResult {
    // The caller's right before the body's fields: they are judged only for someone who
    // may send them.
    state.ads.may_register(&p, Registration::Sponsor)?;
    let body: RecordBody<Sponsor> = parse_body(body.get().as_bytes())?;
    let ads = state.ads.clone();
    let rec = registry(move || ads.put_sponsor(&p, &id, body)).await?;
    Ok(stored_json(&rec.json))
}

async fn get_sponsor(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let ads = state.ads.clone();
    let doc = registry(move || ads.sponsor(&p, &id)).await?;
    Ok(Json(doc).into_response())
}

async fn put_platform(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(body): RecordJson,
) -> ApiResult {
    // The caller's right before the body's fields: they are judged only for someone who
    // may send them.
    state.ads.may_register(&p, Registration::Platform(&id))?;
    let body: RecordBody<ads::Platform> = parse_body(body.get().as_bytes())?;
    let ads = state.ads.clone();
    let rec = registry(move || ads.put_platform(&p, &id, body)).await?;
    Ok(stored_json(&rec.json))
}

/// A stored record's JSON as the response body.
fn stored_json(json: &str) -> Response {
    let doc: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    Json(doc).into_response()
}

/// The body of `GET /api/v1/elections`.
#[derive(serde::Serialize)]
struct Elections {
    elections: Vec<ads::Election>,
}

async fn list_elections(State(state): State<AppState>, Principal(_p): Principal) -> ApiResult {
    let ads = state.ads.clone();
    let list = registry(move || ads.elections()).await?;
    Ok(Json(Elections { elections: list }).into_response())
}

/// The body choosing an incident destination: `{"collection": UUID or slug, "tlp": optional
/// TLP}` (other keys are ignored).
#[derive(serde::Deserialize)]
struct DestinationBody {
    collection: String,
    #[serde(default)]
    tlp: Option<String>,
}

impl DestinationBody {
    /// The collection and TLP, each refused naming its field.
    fn parts(self) -> Result<(String, Option<Tlp>), ApiError> {
        if self.collection.is_empty() {
            return Err(ApiError::invalid(
                "collection",
                "collection (UUID or slug) is required",
            ));
        }
        let tlp = self
            .tlp
            .map(|s| {
                s.parse::<Tlp>()
                    .map_err(|_| ApiError::invalid("tlp", format!("unknown TLP {s:?}")))
            })
            .transpose()?;
        Ok((self.collection, tlp))
    }
}

/// The body answering a choice of incident destination.
#[derive(serde::Serialize)]
struct Destination {
    /// The election, when the choice is for one election.
    #[serde(skip_serializing_if = "Option::is_none")]
    election: Option<String>,
    /// The collection's UUID.
    collection: String,
    /// The TLP of the incidents.
    tlp: &'static str,
}

/// `PUT /api/v1/ads/incident-collection`: the destination of the incidents of every election
/// the caller's organisation registered that has none of its own.
async fn incident_collection(
    State(state): State<AppState>,
    Principal(p): Principal,
    ApiJson(body): ApiJson<DestinationBody, MAX_RECORD>,
) -> ApiResult {
    let (collection, tlp) = body.parts()?;
    let ads = state.ads.clone();
    let id = registry(move || ads.set_incident_collection(&p, &collection, tlp)).await?;
    Ok(Json(Destination {
        election: None,
        collection: id,
        tlp: tlp.unwrap_or(Tlp::Amber).as_str(),
    })
    .into_response())
}

/// `PUT /api/v1/elections/{id}/incident-collection`: the destination of one election's
/// incidents, chosen by the organisation that registered the election.
async fn election_incident_collection(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DestinationBody, MAX_RECORD>,
) -> ApiResult {
    let (collection, tlp) = body.parts()?;
    let ads = state.ads.clone();
    let election = id.clone();
    let d =
        registry(move || ads.set_election_incident_collection(&p, &id, &collection, tlp)).await?;
    Ok(Json(Destination {
        election: Some(election),
        collection: d.collection,
        tlp: d.tlp.as_str(),
    })
    .into_response())
}

/// The body of `GET /api/v1/ads/violations` (JSON).
#[derive(serde::Serialize)]
struct Violations {
    violations: Vec<Violation>,
    next_after: Option<i64>,
}

/// `GET /api/v1/ads/violations?election=&after=&limit=&format=json|csv|jsonl`.
async fn violations(
    State(state): State<AppState>,
    Principal(p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.message))?;
    let mut election = None;
    let mut after = 0i64;
    let mut limit = 1000usize;
    let mut format = "json".to_string();
    for (k, v) in pairs {
        match k.as_str() {
            "election" => election = Some(v),
            "after" => {
                after = v
                    .parse()
                    .map_err(|_| ApiError::invalid("after", "must be an integer"))?
            }
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=10_000).contains(l))
                    .ok_or_else(|| ApiError::invalid("limit", "must be between 1 and 10000"))?
            }
            "format" if ["json", "csv", "jsonl"].contains(&v.as_str()) => format = v,
            "format" => return Err(ApiError::invalid("format", "must be json, csv or jsonl")),
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown parameter {other:?}"),
                ))
            }
        }
    }
    let ads = state.ads.clone();
    if format == "json" {
        let rows =
            registry(move || ads.ad_violations(&p, election.as_deref(), after, limit)).await?;
        let next = (rows.len() == limit)
            .then(|| rows.last().map(|r| r.id))
            .flatten();
        return Ok(Json(Violations {
            violations: rows,
            next_after: next,
        })
        .into_response());
    }
    // Exports hold every violation (of the election); they are paged internally.
    let audit_hub = state.hub.clone();
    let text = registry_work(&state.work, move || {
        let mut count = 0usize;
        let mut out = String::new();
        let mut csv_rows: Vec<[String; 10]> = Vec::new();
        if format == "csv" {
            csv_rows.push(
                [
                    "id",
                    "submission_id",
                    "ad_id",
                    "verdict",
                    "rule_id",
                    "outcome",
                    "foreign_funding",
                    "elections",
                    "received",
                    "incident_id",
                ]
                .map(str::to_string),
            );
        }
        let mut after = after;
        loop {
            let rows = ads.ad_violations(&p, election.as_deref(), after, 5000)?;
            count += rows.len();
            for v in &rows {
                if format == "csv" {
                    csv_rows.push([
                        v.id.to_string(),
                        v.submission_id.to_string(),
                        v.ad_id.clone(),
                        v.verdict.to_string(),
                        v.rule_id.clone(),
                        v.outcome.to_string(),
                        v.foreign_funding.to_string(),
                        v.elections.join(","),
                        v.received.to_string(),
                        v.incident_id.clone().unwrap_or_default(),
                    ]);
                } else {
                    out.push_str(&serde_json::to_string(v).unwrap_or_default());
                    out.push('\n');
                }
            }
            match rows.last() {
                Some(l) if rows.len() == 5000 => after = l.id,
                _ => break,
            }
        }
        if format == "csv" {
            out = hub::csv_dialect::to_string(csv_rows);
        }
        // Every export goes into the audit log before it is handed out.
        audit_hub.record_export(
            &p,
            "ad violations",
            &format!(
                "ad violations of {} as {format}: {count} violations",
                election
                    .as_deref()
                    .unwrap_or("every election of the organisation")
            ),
        )?;
        Ok((format, out))
    })
    .await?;
    let ct = if text.0 == "csv" {
        "text/csv; charset=utf-8"
    } else {
        "application/x-ndjson"
    };
    let mut resp = text.1.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(resp)
}

/// Adds the registry's paths (authenticated and public) to the OpenAPI document.
pub fn merge_openapi(doc: &mut Value) {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let q = |name: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}});
    let typed = |name: &str, desc: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": desc, "schema": schema});
    let id_path =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}});
    let ad_id_path = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": i64::MAX}});
    let day =
        json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"});
    let spend = json!({"type": "integer", "minimum": 0, "maximum": i64::MAX});
    let creative = json!({"description": "The bytes, with their media type.", "content": {
        "image/png": {"schema": {"type": "string", "format": "binary"}}, "image/gif": {"schema": {"type": "string", "format": "binary"}},
        "image/webp": {"schema": {"type": "string", "format": "binary"}}, "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        "video/webm": {"schema": {"type": "string", "format": "binary"}}, "video/mp4": {"schema": {"type": "string", "format": "binary"}},
        "audio/mpeg": {"schema": {"type": "string", "format": "binary"}}, "text/plain": {"schema": {"type": "string"}}}});
    let search_params = json!([
        q(
            "sponsor",
            "Sponsor id or public name (case-insensitive exact)."
        ),
        q("payer", "Payer id or public name (case-insensitive exact)."),
        q("platform", "Platform id."),
        q("election", "Election id."),
        typed("from", "Ads running on or after this day (YYYY-MM-DD).", day.clone()),
        typed("to", "Ads running on or before this day (YYYY-MM-DD), not before `from`.", day),
        q("region", "Region of the distribution."),
        q("language", "Language (ISO 639-1)."),
        typed("spend_min", "Smallest exact spend in minor units.", spend.clone()),
        typed("spend_max", "Largest exact spend in minor units, not below `spend_min`.", spend),
        q(
            "q",
            "Words that must all occur in the text or the sponsor and payer names."
        ),
        typed("limit", "Page size, 1 to 200 (default 50).", json!({"type": "integer", "minimum": 1, "maximum": 200})),
        q(
            "cursor",
            "The opaque `next` cursor of the previous page of the same query; any other value answers 400 bad_cursor."
        ),
    ]);
    let limited = "Public routes are rate limited per client IP (token bucket, 20 requests per second, burst 60 by default; serve --public-rate RATE/BURST, RRM_PUBLIC_RATE or server.public_rate; 0 disables it); over the limit: 429 with Retry-After.";
    let paths = json!({
        "/api/v1/ads": {"post": {"operationId": "submitAd",
            "summary": "Submit or update an ad (platform organisation, analyst or admin)",
            "description": "JSON body {\"submission\": <adrules submission>, \"creative\": {\"media_type\": \"image/png\", \"data\": \"<base64>\"}} or multipart/form-data with a `submission` JSON part and a `creative` file part. Elections are taken from the registry. Answers the verdict with every fired rule; ACCEPT and FLAG publish a new version (201), REJECT and BLOCK are recorded and never published (200). Bad input (unknown currency or country codes, dates out of order, spend below zero, unknown election, creative too large or of an unsupported type) answers 400 naming the field, nothing stored.",
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": {"type": "object", "required": ["submission"], "properties": {
                    "submission": {"type": "object", "description": "An adrules submission (see crates/adrules/RULES.md)."},
                    "creative": {"type": "object", "required": ["media_type", "data"], "properties": {"media_type": {"type": "string"}, "data": {"type": "string", "contentEncoding": "base64"}}}}}},
                "multipart/form-data": {"schema": {"type": "object", "required": ["submission"], "properties": {"submission": {"type": "string", "description": "The submission as JSON."}, "creative": {"type": "string", "format": "binary"}}}}}},
            "responses": {"200": ok("Recorded, not published (REJECT or BLOCK)", "SubmitOutcome"), "201": ok("Published", "SubmitOutcome"), "400": err("Bad input, the field is named"), "401": err("Unauthenticated"), "403": err("Not a platform organisation"), "413": err("Body too large"), "415": err("Unsupported body type")}
        }},
        "/api/v1/ads/violations": {"get": {"operationId": "listAdViolations",
            "summary": "List or export the violations of the caller's elections (election authority)",
            "description": "Only violations fired for at least one election the caller's organisation registered, including rejected submissions that were never published.",
            "parameters": [q("election", "Election id."),
                typed("after", "Violation id to start after.", json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})),
                typed("limit", "1 to 10000.", json!({"type": "integer", "minimum": 1, "maximum": 10000})),
                typed("format", "json (default), csv or jsonl (whole export).", json!({"type": "string", "enum": ["json", "csv", "jsonl"]}))],
            "responses": {"200": {"description": "Violations", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ViolationPage"}}, "text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}}}}, "400": err("Bad parameter"), "401": err("Unauthenticated"), "403": err("Not an election authority"), "503": err("Busy: every export and import worker is taken and their queue is full (whole exports only); retry after Retry-After (code busy)")}
        }},
        "/api/v1/ads/incident-collection": {"put": {"operationId": "setAdIncidentCollection",
            "summary": "Choose the collection the foreign-funding and foreign-interference incidents of the caller's elections are published to (election authority)",
            "description": "Applies to every election the caller's organisation registered, now or later, that has no destination of its own (PUT /api/v1/elections/{id}/incident-collection); other authorities' elections are not affected. Elections without either use the hub-wide default, which only the operator sets (`rrm ads incident-collection`). Incidents are ingested as the caller, at the given TLP (AMBER by default).",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["collection"], "properties": {"collection": {"type": "string", "minLength": 1}, "tlp": {"oneOf": [crate::openapi::tlp_input_schema(), {"type": "null"}], "default": "AMBER"}}}}}},
            "responses": {"200": ok("Chosen: {\"collection\": UUID, \"tlp\"}", "IncidentDestination"), "400": err("Bad input, the field is named"), "401": err("Unauthenticated"), "403": err("Not an election-authority analyst or admin, or no write access"), "404": err("Unknown collection"), "413": err("Body too large"), "415": err("Not JSON")}
        }},
        "/api/v1/elections": {"get": {"operationId": "listElections", "summary": "List registered elections", "responses": {"200": ok("Elections", "ElectionList")}}},
        "/api/v1/elections/{id}": {"put": {"operationId": "putElection",
            "summary": "Register or replace an election (election authority)",
            "parameters": [id_path.clone()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
            "description": "Only the organisation that registered an election may replace it (403 for any other). The election is validated as submissions validate it: dates in order, and every district's poll_close on polling day in the district's own UTC offset, an offset in use (-12:00 to +14:00); a bad field answers 400 naming it (e.g. districts[3].poll_close).",
            "responses": {"200": ok("The election", "Election"), "400": err("Bad input, the field is named"), "401": err("Unauthenticated"), "403": err("Not an election authority, or the election is registered by another organisation"), "413": err("Body too large"), "415": err("Not JSON")}
        }},
        "/api/v1/elections/{id}/incident-collection": {"put": {"operationId": "setElectionIncidentCollection",
            "summary": "Choose the collection and TLP of one election's foreign-funding and foreign-interference incidents (the election's authority)",
            "description": "Only the organisation that registered the election may; it needs write access to the collection. Incidents of violations fired for this election go there, ingested as the caller; this wins over the authority's destination for all its elections and over the hub-wide default.",
            "parameters": [id_path.clone()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["collection"], "properties": {"collection": {"type": "string", "minLength": 1}, "tlp": {"oneOf": [crate::openapi::tlp_input_schema(), {"type": "null"}], "default": "AMBER"}}}}}},
            "responses": {"200": ok("Chosen: {\"election\", \"collection\": UUID, \"tlp\"}", "IncidentDestination"), "400": err("Missing collection or unknown TLP"), "401": err("Unauthenticated"), "403": err("Not the election's authority, or no write access to the collection"), "404": err("Unknown election or collection"), "413": err("Body too large"), "415": err("Not JSON")}
        }},
        "/api/v1/sponsors/{id}": {
            "put": {"operationId": "putSponsor",
                "summary": "Register or replace a sponsor, payer or controlling entity (platform or election authority, analyst or admin)",
                "description": "Body: an adrules sponsor (legal and disclosed names, kind, citizenship, residence, place of establishment, controlled_by, Canadian role, authorized agent, EU Art. 5(2) declaration, funding sources). The entity named by controlled_by must be registered first; a chain that loops is refused. Only the registering organisation may replace the record. Submissions may then name the sponsor by id alone: the registry fills it in with its control chain. The sponsor registry is public: everything but an individual's citizenship, permanent residence, residence and declaration basis, and the legal name when a disclosed name is set, is shown at /public/sponsors/{id}.",
                "parameters": [id_path.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": ok("The sponsor", "Sponsor"), "400": err("Bad input, the field is named"), "403": err("Wrong sector or role, or registered by another organisation")}},
            "get": {"operationId": "getSponsor", "summary": "A sponsor's full record (platform or election authority)",
                "parameters": [id_path.clone()],
                "responses": {"200": ok("The sponsor", "Sponsor"), "403": err("Wrong sector"), "404": err("Unknown sponsor")}}
        },
        "/api/v1/platforms/{id}": {"put": {"operationId": "putPlatform",
            "summary": "Register or replace the caller's platform record: name and average monthly Canadian reach by language (platform organisation)",
            "description": "The id is the caller's organisation slug. Submissions without a platform use this record.",
            "parameters": [id_path.clone()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": ok("The platform", "Platform"), "400": err("Bad input, the field is named"), "403": err("Not this platform's organisation")}
        }},
        "/public/elections": {"get": {"operationId": "listPublicElections", "summary": "Registered elections with their computed periods (no account)", "security": [], "responses": {"200": ok("{\"elections\": [...]}, each with periods.election_period, pre_election_period and eu_sponsor_window", "PublicElectionList"), "429": err("Rate limited")}}},
        "/public/elections/{id}": {"get": {"operationId": "getPublicElection", "summary": "One election with its computed periods (no account)", "security": [], "parameters": [id_path.clone()], "responses": {"200": ok("The election with its periods", "PublicElection"), "404": err("Unknown election"), "429": err("Rate limited")}}},
        "/public/sponsors": {"get": {"operationId": "listPublicSponsors", "summary": "Registered sponsors, by id (no account)", "security": [], "parameters": [q("after", "Sponsor id to start after."), typed("limit", "1 to 200 (default 50).", json!({"type": "integer", "minimum": 1, "maximum": 200}))], "responses": {"200": ok("{\"sponsors\": [...], \"next_after\": id or null}", "PublicSponsorPage"), "400": err("Bad parameter"), "429": err("Rate limited")}}},
        "/public/sponsors/{id}": {"get": {"operationId": "getPublicSponsor", "summary": "A sponsor with its resolved control chain and declared funding (no account)", "description": "Never shown: an individual's citizenship, permanent residence, country of residence and the basis of its EU declaration; and, when a disclosed name is set, the legal name (`name` is then the disclosed name and `legal_name` is absent).", "security": [], "parameters": [id_path.clone()], "responses": {"200": ok("The sponsor's public view", "PublicSponsor"), "404": err("Unknown sponsor"), "429": err("Rate limited")}}},
        "/public/platforms": {"get": {"operationId": "listPublicPlatforms", "summary": "Registered platforms with their monthly reach by language (no account)", "security": [], "responses": {"200": ok("{\"platforms\": [...]}", "PublicPlatformList"), "429": err("Rate limited")}}},
        "/public/ads/{id}/versions": {"get": {"operationId": "listPublicAdVersions", "summary": "Every published version of an ad, oldest first, with its document and creative hash (no account)", "security": [], "parameters": [ad_id_path.clone()], "responses": {"200": ok("{\"versions\": [...]}", "PublicAdVersions"), "404": err("Unknown or no longer public"), "429": err("Rate limited")}}},
        "/public/ads/{id}/versions/{version}/creative": {"get": {"operationId": "getPublicAdVersionCreative", "summary": "The creative of one version of an ad (no account)", "security": [], "parameters": [ad_id_path.clone(), {"name": "version", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": i64::MAX}}], "responses": {"200": creative.clone(), "404": err("No such version or no creative"), "429": err("Rate limited")}}},
        "/public/ads": {"get": {"operationId": "searchPublicAds",
            "summary": "Search published ads (no account)", "security": [],
            "description": format!("Stable keyset paging: the first page fixes the newest ad it may show, so following `next` returns the same pages even while ads are added. {limited}"),
            "parameters": search_params,
            "responses": {"200": ok("{\"ads\": [...], \"next\": cursor or null}", "PublicAdPage"), "400": err("Bad filter or cursor"), "429": err("Rate limited")}
        }},
        "/public/ads/{id}": {"get": {"operationId": "getPublicAd", "summary": "One published ad (no account)", "security": [], "parameters": [ad_id_path.clone()], "responses": {"200": ok("The ad", "PublicAd"), "404": err("Unknown or no longer public"), "429": err("Rate limited")}}},
        "/public/ads/{id}/creative": {"get": {"operationId": "getPublicAdCreative", "summary": "The ad's creative, served by rrm with its media type (no account)", "security": [], "parameters": [ad_id_path], "responses": {"200": creative, "404": err("No creative"), "429": err("Rate limited")}}},
        "/public/elections/{id}/ads.csv": {"get": {"operationId": "exportElectionAdsCsv", "summary": "Bulk download of an election's published ads as CSV, streamed as the client reads; a client that stops reading is dropped after the write timeout (no account)", "security": [], "parameters": [id_path.clone()], "responses": {"200": {"description": "The ads as CSV.", "content": {"text/csv": {"schema": {"type": "string"}}}}, "404": err("Unknown election"), "429": err("Rate limited (rate_limited), or too many exports in progress from this address or in all (too_many_exports); Retry-After says when to retry"), "503": err("Busy: every export and import worker is taken and their queue is full (code busy); Retry-After says when to retry")}}},
        "/public/elections/{id}/ads.jsonl": {"get": {"operationId": "exportElectionAdsJsonl", "summary": "Bulk download of an election's published ads as JSON Lines, streamed as the client reads; a client that stops reading is dropped after the write timeout (no account)", "security": [], "parameters": [id_path], "responses": {"200": {"description": "The ads as JSON Lines.", "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}, "404": err("Unknown election"), "429": err("Rate limited (rate_limited), or too many exports in progress from this address or in all (too_many_exports); Retry-After says when to retry"), "503": err("Busy: every export and import worker is taken and their queue is full (code busy); Retry-After says when to retry")}}},
    });
    if let (Some(dst), Value::Object(src)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), paths)
    {
        dst.extend(src);
    }
    if let (Some(dst), Value::Object(src)) = (
        doc.pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut),
        schemas(),
    ) {
        dst.extend(src);
    }
}

/// The schemas of the registry's answers. The public views list every property they may
/// have and allow no other, so a private field can no more appear in the document than in
/// the types (`ads::PublicSponsor`, `PublicAd`, ...).
fn schemas() -> Value {
    let r = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let s = json!({"type": "string"});
    let s_or_null = json!({"type": ["string", "null"]});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let day = json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"});
    let day_or_null =
        json!({"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"});
    let object = json!({"type": "object"});
    let object_or_null = json!({"type": ["object", "null"]});
    let kind = json!({"type": "string", "enum": ["individual", "corporation", "association", "trade_union", "political_party", "government"]});
    let outcome = json!({"type": "string", "enum": ["ACCEPT", "FLAG", "REJECT", "BLOCK"]});
    let money = json!({"type": "object", "required": ["minor", "currency"], "properties": {"minor": {"type": "integer"}, "currency": {"type": "string"}}});
    let range = json!({"type": "object", "required": ["start", "end"], "properties": {"start": day, "end": day}});
    let mut m = serde_json::Map::new();
    m.insert("PublicParty".into(), json!({"type": "object", "additionalProperties": false, "required": ["id", "name", "kind", "established_in"], "properties": {
            "id": s, "name": s, "legal_name": s, "kind": kind, "established_in": s_or_null, "controlled_by": s}}));
    m.insert("PublicSponsor".into(), json!({"type": "object", "additionalProperties": false,
            "description": "No citizenship, permanent residence or residence, no declaration basis of an individual, and no legal name when a disclosed name is set.",
            "required": ["id", "name", "kind", "established_in", "operates_in", "canadian_role", "authorized_agent", "eu_declaration", "controlled_by", "control_chain", "funding"],
            "properties": {
                "id": s, "name": s, "legal_name": s, "kind": kind, "established_in": s_or_null, "operates_in": strings,
                "canadian_role": s_or_null, "authorized_agent": s_or_null,
                "eu_declaration": {"oneOf": [{"type": "null"}, {"type": "object", "additionalProperties": false, "required": ["declared_on"], "properties": {"basis": {"type": "string", "enum": ["citizen", "resident_voter", "established_entity"]}, "declared_on": day}}]},
                "controlled_by": s_or_null,
                "control_chain": {"type": "array", "items": r("PublicParty")},
                "funding": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["amount", "origin", "source"], "properties": {"amount": money, "origin": s, "source": {"type": "string", "enum": ["public", "private"]}}}}}}));
    m.insert("PublicSponsorPage".into(), json!({"type": "object", "additionalProperties": false, "required": ["sponsors", "next_after"], "properties": {
            "sponsors": {"type": "array", "items": r("PublicSponsor")}, "next_after": s_or_null}}));
    m.insert("PublicAdParty".into(), json!({"oneOf": [r("PublicParty"), {"type": "object", "additionalProperties": false, "required": ["id"], "properties": {"id": s}}]}));
    m.insert("PublicAdFields".into(), json!({"type": "object",
            "required": ["platform", "platform_ad_id", "sponsor", "payer", "authorized_by", "class", "elections", "text", "languages", "intended_dissemination", "actual_dissemination", "spend", "spend_range", "impressions_range", "targeting", "distribution", "tagline", "label", "notice", "creative", "verdict", "fired", "publish_until", "keep_until"],
            "properties": {
                "platform": s, "platform_ad_id": s, "sponsor": r("PublicAdParty"), "payer": r("PublicAdParty"),
                "authorized_by": s_or_null, "class": {"type": "string", "enum": ["partisan", "issue", "non_political"]},
                "elections": strings, "text": s, "languages": strings,
                "intended_dissemination": object, "actual_dissemination": object_or_null,
                "spend": {"oneOf": [money, {"type": "null"}]}, "spend_range": object_or_null, "impressions_range": object_or_null,
                "targeting": {"type": "array", "items": object}, "distribution": {"type": "array", "items": object},
                "tagline": s_or_null, "label": object_or_null, "notice": object_or_null,
                "creative": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["sha256", "media_type"], "properties": {"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "media_type": s}}]},
                "verdict": outcome,
                "fired": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["rule_id", "outcome", "citation"], "properties": {"rule_id": s, "outcome": outcome, "citation": s}}},
                "publish_until": day_or_null, "keep_until": day_or_null}}));
    m.insert(
        "PublicAdDocument".into(),
        json!({"allOf": [r("PublicAdFields")], "unevaluatedProperties": false}),
    );
    m.insert("PublicAd".into(), json!({"allOf": [r("PublicAdFields"), {"type": "object", "required": ["id", "version"], "properties": {"id": {"type": "integer", "minimum": 1}, "version": {"type": "integer", "minimum": 1}}}],
            "unevaluatedProperties": false,
            "description": "The ad's registry id and version, then its public document."}));
    m.insert("PublicAdPage".into(), json!({"type": "object", "additionalProperties": false, "required": ["ads", "next"], "properties": {
            "ads": {"type": "array", "items": r("PublicAd")}, "next": s_or_null}}));
    m.insert("PublicAdVersions".into(), json!({"type": "object", "additionalProperties": false, "required": ["id", "versions"], "properties": {
            "id": {"type": "integer", "minimum": 1},
            "versions": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["version", "published", "creative_sha256", "document"], "properties": {
                "version": {"type": "integer", "minimum": 1}, "published": {"type": "string", "format": "date-time"},
                "creative_sha256": s_or_null, "document": {"oneOf": [r("PublicAdDocument"), {"type": "null"}]}}}}}}));
    m.insert("Periods".into(), json!({"type": "object", "required": ["election_period", "pre_election_period", "eu_sponsor_window"], "properties": {
            "election_period": {"oneOf": [range, {"type": "null"}]}, "pre_election_period": {"oneOf": [range, {"type": "null"}]}, "eu_sponsor_window": range}}));
    m.insert("Election".into(), json!({"type": "object", "required": ["id"], "properties": {"id": s}, "description": "An adrules election (see crates/adrules/RULES.md)."}));
    m.insert("PublicElection".into(), json!({"allOf": [r("Election"), {"type": "object", "required": ["periods"], "properties": {"periods": r("Periods")}}]}));
    m.insert("PublicElectionList".into(), json!({"type": "object", "additionalProperties": false, "required": ["elections"], "properties": {"elections": {"type": "array", "items": r("PublicElection")}}}));
    m.insert("ElectionList".into(), json!({"type": "object", "additionalProperties": false, "required": ["elections"], "properties": {"elections": {"type": "array", "items": r("Election")}}}));
    m.insert("PublicPlatform".into(), json!({"type": "object", "required": ["id", "name", "monthly_reach_ca", "updated"], "properties": {
            "id": s, "name": s, "monthly_reach_ca": {"type": "array", "items": object}, "main_language": s, "updated": {"type": "string", "format": "date-time"}}}));
    m.insert("PublicPlatformList".into(), json!({"type": "object", "additionalProperties": false, "required": ["platforms"], "properties": {"platforms": {"type": "array", "items": r("PublicPlatform")}}}));
    m.insert("Sponsor".into(), json!({"type": "object", "required": ["id", "legal_name", "kind"], "properties": {"id": s, "legal_name": s, "kind": kind}, "description": "An adrules sponsor record, private fields included."}));
    m.insert("Platform".into(), json!({"type": "object", "required": ["id", "name", "monthly_reach_ca"], "properties": {"id": s, "name": s, "monthly_reach_ca": {"type": "array", "items": object}}}));
    m.insert("SubmitOutcome".into(), json!({"type": "object", "additionalProperties": false, "required": ["verdict", "published", "id", "version", "submission_id", "incidents", "result"], "properties": {
            "verdict": outcome, "published": {"type": "boolean"},
            "id": {"type": ["integer", "null"], "description": "The registry id, when published."},
            "version": {"type": ["integer", "null"]}, "submission_id": {"type": "integer"},
            "incidents": strings,
            "result": {"type": "object", "required": ["ad_id", "verdict", "fired", "retention", "rule_sets", "notes"], "properties": {
                "ad_id": s, "verdict": outcome, "fired": {"type": "array", "items": r("ViolationRule")},
                "retention": {"type": "object", "properties": {"publish_until": day_or_null, "keep_until": day_or_null}},
                "rule_sets": strings, "notes": strings}}}}));
    m.insert("ViolationRule".into(), json!({"type": "object", "required": ["rule_id", "rule_set", "citation", "title", "outcome", "explanation", "tags", "details", "elections"], "properties": {
            "rule_id": s, "rule_set": s, "citation": s, "title": s, "outcome": outcome, "explanation": s, "tags": strings, "details": strings, "elections": strings}}));
    m.insert("Violation".into(), json!({"type": "object", "additionalProperties": false, "required": ["id", "submission_id", "platform_org_id", "ad_id", "verdict", "rule_id", "outcome", "foreign_funding", "elections", "received", "incident_id", "rule"], "properties": {
            "id": {"type": "integer"}, "submission_id": {"type": "integer"}, "platform_org_id": {"type": "integer"},
            "ad_id": s, "verdict": outcome, "rule_id": s, "outcome": outcome, "foreign_funding": {"type": "boolean"},
            "elections": strings, "received": {"type": "integer", "description": "Seconds since the epoch."},
            "incident_id": s_or_null, "rule": {"oneOf": [r("ViolationRule"), {"type": "null"}]}}}));
    m.insert("ViolationPage".into(), json!({"type": "object", "additionalProperties": false, "required": ["violations", "next_after"], "properties": {
            "violations": {"type": "array", "items": r("Violation")}, "next_after": {"type": ["integer", "null"]}}}));
    m.insert("IncidentDestination".into(), json!({"type": "object", "additionalProperties": false, "required": ["collection", "tlp"], "properties": {
            "election": s, "collection": {"type": "string", "format": "uuid"}, "tlp": r("Tlp")}}));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub::HubError;

    /// Each registry error answers with the status, code and field its hub counterpart did.
    #[test]
    fn registry_errors_keep_their_answers() {
        let cases: Vec<(ads::Error, Code, &str, Option<&str>)> = vec![
            (
                ads::Error::Forbidden("no".into()),
                Code::Forbidden,
                "no",
                None,
            ),
            (
                ads::Error::UnknownElection("e1".into()),
                Code::NotFound,
                "election 'e1' not found",
                None,
            ),
            (
                ads::Error::UnknownSponsor("s".into()),
                Code::NotFound,
                "sponsor 's' not found",
                None,
            ),
            (
                ads::Error::UnknownAd(4),
                Code::NotFound,
                "ad 4 not found",
                None,
            ),
            (
                ads::Error::UnknownVersion { ad: 4, version: 2 },
                Code::NotFound,
                "version 2 of ad 4 not found",
                None,
            ),
            (
                ads::Error::NoCreative {
                    ad: 4,
                    version: None,
                },
                Code::NotFound,
                "creative of ad 4 not found",
                None,
            ),
            (
                ads::Error::invalid("ad.spend.minor", "below zero"),
                Code::InvalidInput,
                "below zero",
                Some("ad.spend.minor"),
            ),
            (
                ads::Error::Hub(HubError::BadCursor("x".into())),
                Code::BadCursor,
                "the next parameter is not a valid paging cursor: x",
                Some("next"),
            ),
            (
                ads::Error::Store(store::StoreError::Backend("disk".into())),
                Code::Internal,
                "internal error",
                None,
            ),
            (
                ads::Error::broken("the rules do not load"),
                Code::Internal,
                "internal error",
                None,
            ),
        ];
        for (e, code, message, field) in cases {
            let what = e.to_string();
            let a = ApiError::from(e);
            assert_eq!(a.code, code, "{what}");
            assert!(a.message.starts_with(message), "{what}: {}", a.message);
            assert_eq!(a.field.as_deref(), field, "{what}");
        }
    }
}
