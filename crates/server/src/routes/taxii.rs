//! TAXII 2.1 endpoints: discovery, the `hub` API root, collections, objects, object by id,
//! versions, manifest and status.

use axum::body::Body;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::auth::Principal;
use crate::body::{discard, read_limited, BodyError};
use crate::codes::Code;
use crate::error::{blocking, TaxiiError};
use crate::filters::{self, Endpoint, FilterError};
use crate::media::{content_type_is_taxii, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
use crate::{AppState, Scheme};
use stix::format_micros;

/// The name of the one API root.
pub(crate) const API_ROOT: &str = "hub";

type TaxiiResult = Result<Response, TaxiiError>;

/// Registers a route with its trailing slash and without it.
fn both(router: Router<AppState>, path: &str, mr: MethodRouter<AppState>) -> Router<AppState> {
    let bare = path.trim_end_matches('/');
    router.route(path, mr.clone()).route(bare, mr)
}

/// The TAXII routes (without the guard).
pub(crate) fn routes() -> Router<AppState> {
    let r = Router::new();
    let r = both(r, "/taxii2/", get(discovery));
    let r = both(r, "/taxii2/hub/", get(api_root));
    let r = both(r, "/taxii2/hub/collections/", get(collections));
    let r = both(r, "/taxii2/hub/collections/{id}/", get(collection));
    let r = both(
        r,
        "/taxii2/hub/collections/{id}/objects/",
        get(get_objects).post(post_objects),
    );
    let r = both(
        r,
        "/taxii2/hub/collections/{id}/objects/{object_id}/",
        get(get_object).delete(delete_object),
    );
    let r = both(
        r,
        "/taxii2/hub/collections/{id}/objects/{object_id}/versions/",
        get(get_versions),
    );
    let r = both(
        r,
        "/taxii2/hub/collections/{id}/manifest/",
        get(get_manifest),
    );
    both(r, "/taxii2/hub/status/{status_id}/", get(get_status))
}

/// A TAXII response with the TAXII media type and the date-added headers when given.
fn taxii_response(
    status: StatusCode,
    body: &impl serde::Serialize,
    first: Option<i64>,
    last: Option<i64>,
) -> Response {
    // The bodies are the hub's own records and JSON values, which always serialise.
    let Ok(text) = serde_json::to_string(body) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut resp = (status, text).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    if let Some(first) = first {
        if let Ok(v) = HeaderValue::from_str(&format_micros(first)) {
            h.insert("x-taxii-date-added-first", v);
        }
    }
    if let Some(last) = last {
        if let Ok(v) = HeaderValue::from_str(&format_micros(last)) {
            h.insert("x-taxii-date-added-last", v);
        }
    }
    resp
}

impl From<FilterError> for TaxiiError {
    fn from(e: FilterError) -> TaxiiError {
        TaxiiError::new(Code::BadFilter, "Invalid URL parameter", e.to_string())
            .detail("parameter", e.parameter)
            .detail("value", e.value)
    }
}

fn host_is_sane(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}

/// The base URL clients reach the server at: the configured public URL, else the request's
/// scheme and `Host`.
fn base_url(state: &AppState, uri: &Uri, headers: &HeaderMap, scheme: Option<&Scheme>) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .filter(|h| host_is_sane(h))
        .unwrap_or_else(|| "localhost".to_string());
    let scheme = match scheme {
        Some(Scheme::Https) => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

async fn discovery(
    State(state): State<AppState>,
    scheme: Option<Extension<Scheme>>,
    uri: Uri,
    headers: HeaderMap,
) -> TaxiiResult {
    let base = base_url(&state, &uri, &headers, scheme.as_ref().map(|e| &e.0));
    let root = format!("{base}/taxii2/{API_ROOT}/");
    let body = json!({
        "title": state.config.title,
        "description": "rrm sharing hub: STIX 2.1 over TAXII 2.1 under TLP 2.0",
        "default": root,
        "api_roots": [root],
    });
    Ok(taxii_response(StatusCode::OK, &body, None, None))
}

async fn api_root(State(state): State<AppState>) -> TaxiiResult {
    let body = json!({
        "title": format!("{} hub", state.config.title),
        "description": "Every collection of this rrm instance that the caller may read or write.",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": state.config.max_content_length,
    });
    Ok(taxii_response(StatusCode::OK, &body, None, None))
}

fn collection_json(c: &store::Collection, access: store::Access) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "alias": c.slug,
        "can_read": access.read,
        "can_write": access.write,
        "media_types": [STIX_MEDIA_TYPE],
    })
}

async fn collections(State(state): State<AppState>, Principal(p): Principal) -> TaxiiResult {
    let hub = state.hub.clone();
    let list = blocking(move || hub.collections_for(&p)).await?;
    let items: Vec<Value> = list.iter().map(|(c, a)| collection_json(c, *a)).collect();
    Ok(taxii_response(
        StatusCode::OK,
        &json!({ "collections": items }),
        None,
        None,
    ))
}

async fn collection(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
) -> TaxiiResult {
    let hub = state.hub.clone();
    let (c, a) = blocking(move || hub.collection_for(&p, &id)).await?;
    Ok(taxii_response(
        StatusCode::OK,
        &collection_json(&c, a),
        None,
        None,
    ))
}

fn envelope(objects: Vec<Value>, more: bool, next: Option<String>) -> Value {
    let mut m = Map::new();
    m.insert("more".into(), Value::Bool(more));
    if let Some(n) = next {
        m.insert("next".into(), Value::String(n));
    }
    if !objects.is_empty() {
        m.insert("objects".into(), Value::Array(objects));
    }
    Value::Object(m)
}

async fn get_objects(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> TaxiiResult {
    let f = filters::parse(q.as_deref(), Endpoint::Objects)?;
    let hub = state.hub.clone();
    let page =
        blocking(move || hub.get_objects(&p, &id, &f.filter, f.limit, f.next.as_deref())).await?;
    state.metrics.add_served(page.objects.len() as u64);
    let (first, last) = (page.first_added, page.last_added);
    let body = envelope(page.objects, page.more, page.next);
    Ok(taxii_response(StatusCode::OK, &body, first, last))
}

/// Checks a POST envelope: a JSON object whose `objects` is a list of JSON objects.
fn envelope_objects(body: Value) -> Result<Vec<Value>, TaxiiError> {
    let unprocessable =
        |msg: String| TaxiiError::new(Code::UnprocessableEnvelope, "Unprocessable envelope", msg);
    let Value::Object(mut map) = body else {
        return Err(unprocessable(
            "the request body must be a TAXII envelope: a JSON object with an \"objects\" list"
                .to_string(),
        ));
    };
    match map.remove("objects") {
        None => Err(unprocessable(
            "the envelope has no \"objects\" property".to_string(),
        )),
        Some(Value::Array(items)) => {
            if let Some(i) = items.iter().position(|v| !v.is_object()) {
                return Err(unprocessable(format!(
                    "objects[{i}] is not a JSON object; every element of \"objects\" must be a STIX object"
                ))
                .detail("index", i));
            }
            Ok(items)
        }
        Some(_) => Err(unprocessable(
            "the envelope's \"objects\" property is not a list".to_string(),
        )),
    }
}

async fn post_objects(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> TaxiiResult {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    if !content_type_is_taxii(ct) {
        let err = TaxiiError::new(
            Code::UnsupportedMediaType,
            "Unsupported media type",
            format!(
                "Content-Type {:?} is not accepted; send {TAXII_MEDIA_TYPE}",
                ct.unwrap_or("(none)")
            ),
        );
        discard(&headers, body).await;
        return Err(err);
    }
    let limit = state.config.max_content_length;
    let too_large = |limit: usize| {
        TaxiiError::new(
            Code::PayloadTooLarge,
            "Payload too large",
            format!("the request body exceeds max_content_length ({limit} bytes)"),
        )
        .detail("max_content_length", limit)
    };
    // Answer 404 for an unknown or invisible collection before reading the body.
    let hub = state.hub.clone();
    let (p2, id2) = (p.clone(), id.clone());
    if let Err(e) = blocking(move || hub.collection_for(&p2, &id2)).await {
        discard(&headers, body).await;
        return Err(e.into());
    }
    let bytes = match read_limited(&headers, body, limit).await {
        Ok(b) => b,
        Err(BodyError::TooLarge { limit }) => return Err(too_large(limit)),
        Err(BodyError::Read(m)) => {
            return Err(TaxiiError::new(
                Code::BadRequest,
                "Unreadable body",
                format!("the request body could not be read: {m}"),
            ))
        }
    };
    let value: Value = stix::json::from_slice(&bytes).map_err(|e| {
        TaxiiError::new(
            Code::MalformedJson,
            "Malformed JSON",
            format!("the request body is not valid JSON: {e}"),
        )
        .detail("line", e.line())
        .detail("column", e.column())
    })?;
    let objects = envelope_objects(value)?;
    let hub = state.hub.clone();
    let status = blocking(move || hub.add_objects(&p, &id, objects)).await?;
    state.metrics.add_ingested(status.success_count as u64);
    state.metrics.add_failed(status.failure_count as u64);
    Ok(taxii_response(StatusCode::ACCEPTED, &status, None, None))
}

async fn get_object(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, object_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> TaxiiResult {
    let f = filters::parse(q.as_deref(), Endpoint::Object)?;
    let hub = state.hub.clone();
    let page = blocking(move || {
        hub.get_object(&p, &id, &object_id, &f.filter, f.limit, f.next.as_deref())
    })
    .await?;
    state.metrics.add_served(page.objects.len() as u64);
    let (first, last) = (page.first_added, page.last_added);
    let body = envelope(page.objects, page.more, page.next);
    Ok(taxii_response(StatusCode::OK, &body, first, last))
}

async fn delete_object(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, object_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> TaxiiResult {
    let f = filters::parse(q.as_deref(), Endpoint::Delete)?;
    let hub = state.hub.clone();
    let oid = object_id.clone();
    let deleted = blocking(move || hub.delete_object(&p, &id, &oid, &f.filter.versions)).await?;
    if deleted == 0 {
        return Err(TaxiiError::not_found(format!(
            "object {object_id} not found"
        )));
    }
    let mut resp = StatusCode::OK.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    Ok(resp)
}

async fn get_versions(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path((id, object_id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> TaxiiResult {
    let f = filters::parse(q.as_deref(), Endpoint::Versions)?;
    let hub = state.hub.clone();
    let page = blocking(move || {
        hub.get_versions(&p, &id, &object_id, &f.filter, f.limit, f.next.as_deref())
    })
    .await?;
    state.metrics.add_served(page.versions.len() as u64);
    let mut m = Map::new();
    m.insert("more".into(), Value::Bool(page.more));
    if let Some(n) = page.next {
        m.insert("next".into(), Value::String(n));
    }
    if !page.versions.is_empty() {
        m.insert("versions".into(), json!(page.versions));
    }
    Ok(taxii_response(
        StatusCode::OK,
        &Value::Object(m),
        page.first_added,
        page.last_added,
    ))
}

async fn get_manifest(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> TaxiiResult {
    let f = filters::parse(q.as_deref(), Endpoint::Objects)?;
    let hub = state.hub.clone();
    let page =
        blocking(move || hub.get_manifest(&p, &id, &f.filter, f.limit, f.next.as_deref())).await?;
    state.metrics.add_served(page.objects.len() as u64);
    let entries: Vec<Value> = page
        .objects
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "date_added": format_micros(e.date_added),
                "version": e.version,
                "media_type": e.media_type,
            })
        })
        .collect();
    let body = envelope(entries, page.more, page.next);
    Ok(taxii_response(
        StatusCode::OK,
        &body,
        page.first_added,
        page.last_added,
    ))
}

async fn get_status(
    State(state): State<AppState>,
    Principal(p): Principal,
    Path(status_id): Path<String>,
) -> TaxiiResult {
    let hub = state.hub.clone();
    let status = blocking(move || hub.get_status(&p, &status_id)).await?;
    Ok(taxii_response(StatusCode::OK, &status, None, None))
}
