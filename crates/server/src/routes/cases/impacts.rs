//! REST routes for the impacts of a case: `POST/GET /api/v1/cases/{id}/impacts`.
//!
//! An impact is the OASIS incident suite's `impact`: a category and the sub-extension named
//! after it with the category's properties (`{"category": "external", "external":
//! {"impact_type": "public-confidence"}}`). Bad input answers 400 naming the field
//! (`external.impact_type`, `criticality`, `end_time`, ...) and stores nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use cases::{ImpactView, NewImpact};
use serde::Serialize;
use serde_json::json;

use super::{run, ApiResult};
use crate::auth::Principal;
use crate::body::ApiJson;
use crate::AppState;

/// The answer of `GET /api/v1/cases/{id}/impacts`.
#[derive(Serialize)]
struct ImpactList {
    impacts: Vec<ImpactView>,
}

/// The impact routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/cases/{id}/impacts", post(record).get(list))
}

/// `POST /api/v1/cases/{id}/impacts`: records an impact (201).
async fn record(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewImpact>,
) -> ApiResult {
    let cases = state.cases().clone();
    let view = run(move || cases.record_impact(&p, &id, &b)).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /api/v1/cases/{id}/impacts`: the case's impacts, in the order recorded.
async fn list(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> ApiResult {
    let cases = state.cases().clone();
    let impacts = run(move || cases.impacts(&p, &id)).await?;
    Ok(Json(ImpactList { impacts }).into_response())
}

/// The schemas of the category sub-extensions, as the suite defines them.
fn category_schemas() -> serde_json::Value {
    use response::impact as i;
    let int100 = json!({"type": "integer", "minimum": 0, "maximum": 100});
    let count = json!({"type": "integer", "minimum": 0});
    let term = json!({"type": "string", "pattern": "^[a-z0-9-]+$"});
    json!({
        "availability": {"type": "object", "additionalProperties": false, "required": ["availability_impact"], "properties": {"availability_impact": int100}},
        "confidentiality": {"type": "object", "additionalProperties": false, "required": ["loss_type"], "properties": {
            "information_type": term, "loss_type": {"type": "string", "enum": i::LOSS_TYPES},
            "record_count": count, "record_size": count
        }},
        "external": {"type": "object", "additionalProperties": false, "required": ["impact_type"], "properties": {"impact_type": {"type": "string", "enum": i::EXTERNAL_IMPACT_TYPES}}},
        "integrity": {"type": "object", "additionalProperties": false, "required": ["alteration"], "properties": {
            "information_type": term, "alteration": {"type": "string", "enum": i::ALTERATIONS},
            "record_count": count, "record_size": count
        }},
        "monetary": {"type": "object", "additionalProperties": false, "required": ["variety"], "properties": {
            "variety": {"type": "string", "enum": i::MONETARY_VARIETIES},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "min_amount": {"type": "number", "minimum": 0}, "max_amount": {"type": "number", "exclusiveMinimum": 0}
        }},
        "physical": {"type": "object", "additionalProperties": false, "required": ["impact_type"], "properties": {
            "impact_type": {"type": "string", "enum": i::PHYSICAL_IMPACTS}, "asset_type": term
        }},
        "traceability": {"type": "object", "additionalProperties": false, "required": ["traceability_impact"], "properties": {"traceability_impact": {"type": "string", "enum": i::TRACEABILITY_IMPACTS}}}
    })
}

/// Adds the impact paths and schemas to the OpenAPI document.
pub fn merge_openapi(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let categories: Vec<&str> = response::impact::Category::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let recoverability: Vec<&str> = response::impact::Recoverability::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    let subs = category_schemas();
    let mut new_props = json!({
        "category": {"type": "string", "enum": categories, "description": "The sub-extension of the same name carries the category's properties."},
        "criticality": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "description": {"type": "string"},
        "start_time": {"type": ["string", "null"], "format": "date-time"},
        "end_time": {"type": ["string", "null"], "format": "date-time", "description": "Later than start_time."},
        "recoverability": {"type": ["string", "null"], "enum": recoverability.iter().map(|r| Value::from(*r)).chain([Value::Null]).collect::<Vec<_>>()},
        "impacted_entity_counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "description": "Entity type (individual, organization, ...) to count."}
    });
    let mut view_props = json!({
        "id": {"type": "string"},
        "stix_id": {"type": "string", "pattern": "^impact--"},
        "category": {"type": "string", "enum": categories},
        "criticality": {"type": ["integer", "null"]},
        "description": {"type": "string"},
        "start_time": {"type": ["string", "null"]},
        "end_time": {"type": ["string", "null"]},
        "recoverability": {"type": ["string", "null"]},
        "impacted_entity_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "recorded_by": {"type": "string", "description": "The organisation that recorded it."},
        "created": {"type": "string"}
    });
    if let (Some(n), Some(v), Some(s)) = (
        new_props.as_object_mut(),
        view_props.as_object_mut(),
        subs.as_object(),
    ) {
        for (k, schema) in s {
            n.insert(k.clone(), schema.clone());
            v.insert(k.clone(), schema.clone());
        }
    }
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let schemas = json!({
        "NewCaseImpact": {"type": "object", "additionalProperties": false, "required": ["category"], "properties": new_props},
        "CaseImpact": {"type": "object", "required": ["id", "stix_id", "category", "recorded_by", "created"], "properties": view_props},
        "CaseImpactList": {"type": "object", "required": ["impacts"], "properties": {"impacts": {"type": "array", "items": {"$ref": "#/components/schemas/CaseImpact"}}}}
    });
    let id = json!({"name": "id", "in": "path", "required": true, "description": "Case id.", "schema": {"type": "string"}});
    let ok = |d: &str, s: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{s}")}}}});
    let paths = json!({
        "/api/v1/cases/{id}/impacts": {
            "post": {
                "operationId": "recordCaseImpact",
                "summary": "Records an impact of the case (analysts and admins of the owner or a participant, while the case is not closed): the OASIS incident suite's impact, shared with the case as an impact object listed in the incident's impact_refs.",
                "parameters": [id.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewCaseImpact"}}}},
                "responses": {
                    "201": ok("The impact.", "CaseImpact"),
                    "400": err("Invalid input; field names it (category, external.impact_type, criticality, end_time, ...)."),
                    "401": err("Missing or wrong credentials."),
                    "403": err("The caller's role does not allow it (readers)."),
                    "404": err("Unknown case, or one the caller's organisation neither owns nor takes part in."),
                    "409": err("The case is closed.")
                }
            },
            "get": {
                "operationId": "listCaseImpacts",
                "summary": "The case's impacts, in the order recorded.",
                "parameters": [id],
                "responses": {
                    "200": ok("The impacts.", "CaseImpactList"),
                    "401": err("Missing or wrong credentials."),
                    "404": err("Unknown case, or one the caller's organisation neither owns nor takes part in.")
                }
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
