//! The verifiable audit log over REST, under `/api/v1/audit/`: the instance's public key,
//! signed checkpoints (listed, the latest, one made on demand by the operator), inclusion
//! proofs for one record and consistency proofs between two tree sizes. Every hash is hex.
//! The records themselves are `GET /api/v1/audit` (`routes::accounts`).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hub::Actor;
use serde_json::{json, Value};
use store::Checkpoint;

use crate::auth::Principal;
use crate::error::{blocking, ApiError};
use crate::filters::query_pairs;
use crate::AppState;

type ApiResult = Result<Response, ApiError>;

/// The audit routes (the caller adds the authentication guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit/key", get(key))
        .route(
            "/api/v1/audit/checkpoints",
            get(checkpoints).post(make_checkpoint),
        )
        .route("/api/v1/audit/checkpoints/latest", get(latest))
        .route("/api/v1/audit/proof/inclusion", get(inclusion))
        .route("/api/v1/audit/proof/consistency", get(consistency))
}

fn checkpoint_json(c: &Checkpoint) -> Value {
    json!({
        "size": c.size,
        "root": hex::encode(c.root),
        "time": c.at,
        "at": stix::format_secs(c.at),
        "signature": hex::encode(c.signature),
    })
}

fn hashes(v: &[[u8; 32]]) -> Vec<String> {
    v.iter().map(hex::encode).collect()
}

/// The named non-negative integer parameters of a query, each required; anything else is
/// refused naming it.
fn numbers<const N: usize>(q: Option<&str>, names: [&str; N]) -> Result<[u64; N], ApiError> {
    let pairs = query_pairs(q).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut out = [None; N];
    for (k, v) in pairs {
        let Some(i) = names.iter().position(|n| *n == k) else {
            return Err(ApiError::invalid(
                &k,
                format!("unknown parameter; expected {}", names.join(", ")),
            ));
        };
        let n = v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= i64::MAX as u64)
            .ok_or_else(|| ApiError::invalid(&k, "must be a non-negative integer"))?;
        out[i] = Some(n);
    }
    let mut got = [0; N];
    for (i, v) in out.into_iter().enumerate() {
        got[i] = v.ok_or_else(|| ApiError::invalid(names[i], "is required"))?;
    }
    Ok(got)
}

async fn key(State(state): State<AppState>, Principal(_p): Principal) -> ApiResult {
    Ok(Json(json!({
        "algorithm": "ed25519",
        "public_key": hex::encode(state.hub.audit_public_key()),
        "signed_form": "\"rrm-audit-checkpoint-v1\" || size (u64 big-endian) || root (32 bytes) || time (i64 big-endian, seconds)",
    }))
    .into_response())
}

async fn checkpoints(State(state): State<AppState>, Principal(_p): Principal) -> ApiResult {
    let hub = state.hub.clone();
    let (list, size) = blocking(move || Ok((hub.audit_checkpoints()?, hub.audit_size()?))).await?;
    let items: Vec<Value> = list.iter().map(checkpoint_json).collect();
    Ok(Json(json!({
        "public_key": hex::encode(state.hub.audit_public_key()),
        "tree_size": size,
        "checkpoints": items,
    }))
    .into_response())
}

async fn latest(State(state): State<AppState>, Principal(_p): Principal) -> ApiResult {
    let hub = state.hub.clone();
    let list = blocking(move || hub.audit_checkpoints()).await?;
    match list.last() {
        Some(c) => Ok(Json(checkpoint_json(c)).into_response()),
        None => {
            Err(hub::HubError::NotFound("an audit checkpoint (none is signed yet)".into()).into())
        }
    }
}

async fn make_checkpoint(State(state): State<AppState>, Principal(p): Principal) -> ApiResult {
    let hub = state.hub.clone();
    let c = blocking(move || hub.audit_checkpoint(Actor::User(&p))).await?;
    Ok((StatusCode::CREATED, Json(checkpoint_json(&c))).into_response())
}

async fn inclusion(
    State(state): State<AppState>,
    Principal(_p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let [index, size] = numbers(q.as_deref(), ["index", "size"])?;
    let hub = state.hub.clone();
    let proof = blocking(move || hub.audit_inclusion(index, size)).await?;
    Ok(Json(json!({
        "index": proof.index,
        "size": proof.size,
        "leaf_hash": hex::encode(proof.leaf_hash),
        "path": hashes(&proof.path),
        "root": hex::encode(proof.root),
    }))
    .into_response())
}

async fn consistency(
    State(state): State<AppState>,
    Principal(_p): Principal,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let [old, new] = numbers(q.as_deref(), ["old", "new"])?;
    let hub = state.hub.clone();
    let proof = blocking(move || hub.audit_consistency(old, new)).await?;
    Ok(Json(json!({
        "old": proof.old,
        "new": proof.new,
        "old_root": hex::encode(proof.old_root),
        "new_root": hex::encode(proof.new_root),
        "path": hashes(&proof.path),
    }))
    .into_response())
}

/// Adds the audit routes and their schemas to the OpenAPI document.
pub fn merge_openapi(doc: &mut Value) {
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let hex32 = json!({"type": "string", "pattern": "^[0-9a-f]{64}$"});
    let checkpoint = json!({"type": "object", "required": ["size", "root", "time", "at", "signature"], "properties": {
        "size": {"type": "integer", "minimum": 0, "description": "Records in the tree."},
        "root": hex32.clone(),
        "time": {"type": "integer", "description": "Signing time, seconds since the epoch (part of the signed bytes)."},
        "at": {"type": "string", "format": "date-time"},
        "signature": {"type": "string", "pattern": "^[0-9a-f]{128}$", "description": "ed25519 over \"rrm-audit-checkpoint-v1\" || size (u64 BE) || root || time (i64 BE)."}
    }});
    let num = |name: &str, desc: &str| json!({"name": name, "in": "query", "required": true, "description": desc, "schema": {"type": "integer", "minimum": 0}});
    let e400 = err("A missing, unknown or malformed parameter, a size the log has not reached, a leaf outside the tree or sizes out of order (the error names the field).");
    let e401 = err("Missing or wrong credentials.");
    let paths = json!({
        "/api/v1/audit/key": {"get": {
            "operationId": "auditKey",
            "summary": "The instance's ed25519 public key, which signs every audit checkpoint.",
            "responses": {"200": ok("The key.", json!({"type": "object", "required": ["algorithm", "public_key"], "properties": {
                "algorithm": {"const": "ed25519"}, "public_key": hex32.clone(), "signed_form": {"type": "string"}}})), "401": e401}
        }},
        "/api/v1/audit/checkpoints": {"get": {
            "operationId": "auditCheckpoints",
            "summary": "Every signed checkpoint of the audit log, by size, with the current tree size and the public key.",
            "responses": {"200": ok("The checkpoints.", json!({"type": "object", "required": ["public_key", "tree_size", "checkpoints"], "properties": {
                "public_key": hex32.clone(), "tree_size": {"type": "integer", "minimum": 0},
                "checkpoints": {"type": "array", "items": checkpoint.clone()}}})), "401": e401}
        }, "post": {
            "operationId": "makeAuditCheckpoint",
            "summary": "Signs a checkpoint of the audit log now (the operator only); at an unchanged size the existing checkpoint is returned.",
            "responses": {"201": ok("The checkpoint.", checkpoint.clone()), "401": e401, "403": err("Not the operator.")}
        }},
        "/api/v1/audit/checkpoints/latest": {"get": {
            "operationId": "latestAuditCheckpoint",
            "summary": "The latest (largest) signed checkpoint.",
            "responses": {"200": ok("The checkpoint.", checkpoint), "401": e401, "404": err("No checkpoint is signed yet.")}
        }},
        "/api/v1/audit/proof/inclusion": {"get": {
            "operationId": "auditInclusionProof",
            "summary": "The RFC 6962 audit path of the record at leaf `index` in the tree of the first `size` records (use a checkpoint's size), nearest the leaf first.",
            "parameters": [num("index", "Leaf index of the record (its `index` in GET /api/v1/audit)."), num("size", "Tree size, such as a checkpoint's.")],
            "responses": {"200": ok("The proof.", json!({"type": "object", "required": ["index", "size", "leaf_hash", "path", "root"], "properties": {
                "index": {"type": "integer"}, "size": {"type": "integer"}, "leaf_hash": hex32.clone(),
                "path": {"type": "array", "items": hex32.clone()}, "root": hex32.clone()}})), "400": e400.clone(), "401": e401}
        }},
        "/api/v1/audit/proof/consistency": {"get": {
            "operationId": "auditConsistencyProof",
            "summary": "The RFC 6962 consistency proof between the trees of the first `old` and the first `new` records (use two checkpoints' sizes).",
            "parameters": [num("old", "The older tree size."), num("new", "The newer tree size.")],
            "responses": {"200": ok("The proof.", json!({"type": "object", "required": ["old", "new", "old_root", "new_root", "path"], "properties": {
                "old": {"type": "integer"}, "new": {"type": "integer"}, "old_root": hex32.clone(), "new_root": hex32.clone(),
                "path": {"type": "array", "items": hex32}}})), "400": e400, "401": e401}
        }}
    });
    if let (Some(target), Value::Object(add)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), paths)
    {
        target.extend(add);
    }
}
