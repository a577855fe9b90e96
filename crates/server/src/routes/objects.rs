//! REST routes of the objects domain under `/api/v1/` (JSON, authenticated): a paged read of
//! a collection's objects, filtered like TAXII. TAXII itself is `routes::taxii`.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hub::ObjectFilter;
use serde_json::Value;

use crate::auth::Principal;
use crate::error::{blocking, ApiError};
use crate::filters::query_pairs;
use crate::AppState;

type ApiResult = Result<Response, ApiError>;

/// The REST object routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/collections/{id}/objects", get(collection_objects))
}

async fn collection_objects(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let pairs =
        query_pairs(q.as_deref()).map_err(|e| ApiError::invalid(&e.parameter, e.to_string()))?;
    let mut filter = ObjectFilter {
        added_after: None,
        ids: Vec::new(),
        types: Vec::new(),
        versions: store::VersionFilter::default(),
        spec_versions: Vec::new(),
    };
    let mut limit = None;
    let mut next = None;
    for (k, v) in pairs {
        match k.as_str() {
            "limit" => match v.parse::<usize>() {
                Ok(n) if n > 0 => limit = Some(n),
                _ => {
                    return Err(ApiError::invalid(
                        "limit",
                        format!("invalid limit {v:?}: expected a positive integer"),
                    ))
                }
            },
            "next" => next = Some(v),
            "type" => filter
                .types
                .extend(v.split(',').filter(|s| !s.is_empty()).map(str::to_string)),
            "id" => filter
                .ids
                .extend(v.split(',').filter(|s| !s.is_empty()).map(str::to_string)),
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown query parameter {other:?}: expected limit, next, type or id"),
                ))
            }
        }
    }
    let hub = state.hub.clone();
    let page = blocking(move || hub.get_objects(&p, &id, &filter, limit, next.as_deref())).await?;
    state.metrics.add_served(page.objects.len() as u64);
    // Built by moving the objects in: `json!` would re-serialise them and rewrite exponents.
    let mut out = serde_json::Map::new();
    out.insert("objects".into(), Value::Array(page.objects));
    out.insert("more".into(), Value::Bool(page.more));
    out.insert("next".into(), page.next.map_or(Value::Null, Value::String));
    Ok(Json(Value::Object(out)).into_response())
}
