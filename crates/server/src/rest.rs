//! The REST administration API under `/api/v1/` (JSON): whoami, organisations, users,
//! tokens, collections, grants, and a JSON read of a collection's objects.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hub::{ObjectFilter, Principal};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use store::{Access, Role, Sector, Tlp};

use crate::body::{read_body, require_json};
use crate::error::{blocking, ApiError};
use crate::filters::query_pairs;
use crate::timefmt::format_secs;
use crate::AppState;

/// The largest REST request body, in bytes.
const MAX_API_BODY: usize = 64 * 1024;

type ApiResult = Result<Response, ApiError>;

/// The REST routes (without the guard); `openapi.json` is routed separately because it
/// needs no authentication.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/whoami", get(whoami))
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route("/api/v1/users", post(create_user))
        .route("/api/v1/tokens", post(create_token))
        .route(
            "/api/v1/collections",
            get(list_collections).post(create_collection),
        )
        .route("/api/v1/collections/{id}/grants/{org}", put(set_grant))
        .route("/api/v1/collections/{id}/objects", get(collection_objects))
}

/// Reads a JSON request body into `T`, with 415, 413 and 400 (naming the field) errors.
async fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    require_json(headers)?;
    let bytes = read_body(headers, body, MAX_API_BODY).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        if e.is_data() {
            let msg = e.to_string();
            // serde names the field between backticks: "missing field `slug`".
            let field = msg
                .split('`')
                .nth(1)
                .map(str::to_string)
                .unwrap_or_else(|| "body".to_string());
            ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "invalid_input",
                message: format!("invalid request body: {msg}"),
                field: Some(field),
            }
        } else {
            ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "malformed_json",
                message: format!("the request body is not valid JSON: {e}"),
                field: None,
            }
        }
    })
}

fn org_json(o: &store::Org) -> Value {
    json!({
        "slug": o.slug,
        "name": o.name,
        "sector": o.sector.as_str(),
        "country": o.country,
        "identity_id": o.identity_id,
        "created": format_secs(o.created),
    })
}

fn collection_json(c: &store::Collection, access: Option<Access>) -> Value {
    let mut v = json!({
        "id": c.id,
        "slug": c.slug,
        "title": c.title,
        "description": c.description,
        "default_tlp": c.default_tlp.as_str(),
        "created": format_secs(c.created),
    });
    if let (Some(a), Some(m)) = (access, v.as_object_mut()) {
        m.insert("can_read".into(), Value::Bool(a.read));
        m.insert("can_write".into(), Value::Bool(a.write));
    }
    v
}

async fn whoami(Extension(p): Extension<Arc<Principal>>) -> ApiResult {
    Ok(Json(json!({
        "username": p.user.username,
        "role": p.user.role.as_str(),
        "org": org_json(&p.org),
        "identities": p.identities,
    }))
    .into_response())
}

async fn list_orgs(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
) -> ApiResult {
    let hub = state.hub.clone();
    let orgs = blocking(move || hub.list_orgs(Some(&p))).await?;
    let items: Vec<Value> = orgs.iter().map(org_json).collect();
    Ok(Json(json!({ "orgs": items })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrgBody {
    slug: String,
    name: String,
    sector: String,
    country: String,
}

async fn create_org(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let b: NewOrgBody = json_body(&headers, body).await?;
    let sector: Sector = b
        .sector
        .parse()
        .map_err(|m: String| ApiError::invalid("sector", m))?;
    let hub = state.hub.clone();
    let org = blocking(move || hub.add_org(Some(&p), &b.slug, &b.name, sector, &b.country)).await?;
    Ok((StatusCode::CREATED, Json(org_json(&org))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    org: String,
    username: String,
    role: String,
    password: Option<String>,
}

async fn create_user(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let b: NewUserBody = json_body(&headers, body).await?;
    let role: Role = b
        .role
        .parse()
        .map_err(|m: String| ApiError::invalid("role", m))?;
    let hub = state.hub.clone();
    let org = b.org.clone();
    let user =
        blocking(move || hub.add_user(Some(&p), &b.org, &b.username, role, b.password.as_deref()))
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "username": user.username,
            "org": org,
            "role": user.role.as_str(),
            "created": format_secs(user.created),
        })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    username: String,
    #[serde(default)]
    label: String,
}

async fn create_token(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let b: NewTokenBody = json_body(&headers, body).await?;
    let hub = state.hub.clone();
    let (username, label) = (b.username.clone(), b.label.clone());
    let token = blocking(move || hub.create_token(Some(&p), &b.username, &b.label)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "username": username, "label": label })),
    )
        .into_response())
}

async fn list_collections(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
) -> ApiResult {
    let hub = state.hub.clone();
    let items = blocking(move || {
        let mine = hub.collections_for(&p)?;
        if p.user.role == Role::Admin {
            let all = hub.list_collections_admin(Some(&p))?;
            Ok(all
                .iter()
                .map(|c| {
                    let access = mine
                        .iter()
                        .find(|(m, _)| m.id == c.id)
                        .map(|(_, a)| *a)
                        .unwrap_or_default();
                    collection_json(c, Some(access))
                })
                .collect::<Vec<_>>())
        } else {
            Ok(mine
                .iter()
                .map(|(c, a)| collection_json(c, Some(*a)))
                .collect::<Vec<_>>())
        }
    })
    .await?;
    Ok(Json(json!({ "collections": items })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCollectionBody {
    slug: String,
    title: String,
    #[serde(default)]
    description: String,
    default_tlp: Option<String>,
}

async fn create_collection(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let b: NewCollectionBody = json_body(&headers, body).await?;
    let tlp: Option<Tlp> = match &b.default_tlp {
        None => None,
        Some(s) => Some(
            s.parse()
                .map_err(|e: stix::UnknownTlp| ApiError::invalid("default_tlp", e.to_string()))?,
        ),
    };
    let hub = state.hub.clone();
    let c = blocking(move || hub.add_collection(Some(&p), &b.slug, &b.title, &b.description, tlp))
        .await?;
    Ok((StatusCode::CREATED, Json(collection_json(&c, None))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantBody {
    read: bool,
    #[serde(default)]
    write: bool,
}

async fn set_grant(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
    Path((collection, org)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let b: GrantBody = json_body(&headers, body).await?;
    let access = Access {
        read: b.read,
        write: b.write,
    };
    let hub = state.hub.clone();
    let (c2, o2) = (collection.clone(), org.clone());
    blocking(move || hub.grant(Some(&p), &o2, &c2, access)).await?;
    Ok(Json(json!({
        "org": org,
        "collection": collection,
        "read": access.read,
        "write": access.write,
    }))
    .into_response())
}

async fn collection_objects(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Principal>>,
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
