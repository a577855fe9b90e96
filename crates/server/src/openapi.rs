//! The OpenAPI 3.1 document describing every `/api/v1` route, hand-written with serde_json.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

fn error_responses(codes: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for code in codes {
        let description = match *code {
            "400" => "Invalid input (the error names the field).",
            "401" => "Missing or wrong credentials.",
            "403" => "Authenticated but not allowed (operator or admin role required).",
            "404" => "Unknown, or not visible to the caller.",
            "409" => "Already exists.",
            "413" => "Request body too large.",
            "415" => "Content-Type is not application/json.",
            "429" => "Rate limited; retry after the Retry-After seconds.",
            _ => "Internal error (the message carries a request id).",
        };
        m.insert(
            code.to_string(),
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            }),
        );
    }
    Value::Object(m)
}

fn with(mut base: Value, code: &str, description: &str, schema: &str) -> Value {
    if let Some(m) = base.as_object_mut() {
        m.insert(
            code.to_string(),
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
            }),
        );
    }
    base
}

fn body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

/// Whitespace as Rust's `str::trim` sees it (Unicode White_Space), for JSON Schema patterns.
pub(crate) const WS: &str =
    "\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
/// Control characters free text may not hold (every Cc but tab and newline).
pub(crate) const CONTROL: &str = "\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F";

/// Free text of at most `max` characters without control characters (tab and newline
/// allowed); unless `allow_empty`, with at least one character that is not whitespace.
pub(crate) fn text_schema(max: usize, allow_empty: bool) -> Value {
    let pattern = if allow_empty {
        format!("^[^{CONTROL}]*$")
    } else {
        format!("^[^{CONTROL}]*[^{WS}{CONTROL}][^{CONTROL}]*$")
    };
    json!({"type": "string", "maxLength": max, "pattern": pattern})
}

/// A TLP level as the server parses it: CLEAR (or WHITE), GREEN, AMBER, AMBER+STRICT (also
/// AMBER-STRICT, AMBER_STRICT, AMBERSTRICT) or RED, in any case, optionally prefixed `TLP:`.
pub(crate) fn tlp_input_schema() -> Value {
    let ci = |w: &str| -> String {
        w.chars()
            .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()))
            .collect()
    };
    let words = format!(
        "{}|{}|{}|{}[-_+]?{}|{}|{}",
        ci("clear"),
        ci("white"),
        ci("green"),
        ci("amber"),
        ci("strict"),
        ci("amber"),
        ci("red")
    );
    json!({
        "type": "string",
        "pattern": format!("^[{WS}]*(?:TLP:|tlp:)?(?:{words})[{WS}]*$"),
        "description": "TLP 2.0 level, case-insensitive on input (CLEAR, GREEN, AMBER, AMBER+STRICT, RED; WHITE means CLEAR); answers use the upper-case names."
    })
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let read_errors = ["401", "500"];
    let admin_errors = ["400", "401", "403", "409", "413", "415", "500"];
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "rrm REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Administration of the rrm sharing hub: organisations, users, API tokens, collections and grants. STIX data is exchanged over TAXII 2.1 at /taxii2/. Every error has the body {\"error\": {\"code\", \"message\", \"field\"?}}.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "servers": [{"url": "/"}],
        "security": [{"basic": []}, {"bearer": []}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }
            },
            "/api/v1/whoami": {
                "get": {
                    "operationId": "whoami",
                    "summary": "The authenticated user, their organisation and STIX identities.",
                    "responses": with(error_responses(&read_errors), "200", "The caller.", "Whoami")
                }
            },
            "/api/v1/orgs": {
                "get": {
                    "operationId": "listOrgs",
                    "summary": "Organisations: every one for the operator, its own for an organisation admin.",
                    "responses": with(error_responses(&["401", "403", "500"]), "200", "The organisations.", "OrgList")
                },
                "post": {
                    "operationId": "createOrg",
                    "summary": "Creates an organisation and its STIX identity (operator).",
                    "requestBody": body("NewOrg"),
                    "responses": with(error_responses(&admin_errors), "201", "The organisation.", "Org")
                }
            },
            "/api/v1/users": {
                "post": {
                    "operationId": "createUser",
                    "summary": "Creates a user; the password is stored hashed (argon2id) and never shown back (the operator anywhere; an organisation admin in its own organisation, never an operator).",
                    "requestBody": body("NewUser"),
                    "responses": with(error_responses(&["400", "401", "403", "404", "409", "413", "415", "500"]), "201", "The user.", "User")
                }
            },
            "/api/v1/tokens": {
                "post": {
                    "operationId": "createToken",
                    "summary": "Creates an API token; the token is shown once. Only the user itself or the operator mints one; another organisation's user answers 404 like an unknown one.",
                    "requestBody": body("NewToken"),
                    "responses": with(error_responses(&["400", "401", "403", "404", "413", "415", "500"]), "201", "The token, shown once.", "TokenCreated")
                }
            },
            "/api/v1/collections": {
                "get": {
                    "operationId": "listCollections",
                    "summary": "Collections: every one for the operator, those the caller's organisation may read or write for others.",
                    "responses": with(error_responses(&read_errors), "200", "The collections.", "CollectionList")
                },
                "post": {
                    "operationId": "createCollection",
                    "summary": "Creates a TAXII collection (operator).",
                    "requestBody": body("NewCollection"),
                    "responses": with(error_responses(&admin_errors), "201", "The collection with its UUID.", "Collection")
                }
            },
            "/api/v1/collections/{id}/grants/{org}": {
                "put": {
                    "operationId": "setGrant",
                    "summary": "Sets an organisation's access to a collection (operator). read and write false removes the grant.",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "description": "Collection UUID or slug.", "schema": {"type": "string"}},
                        {"name": "org", "in": "path", "required": true, "description": "Organisation slug.", "schema": {"type": "string"}}
                    ],
                    "requestBody": body("GrantBody"),
                    "responses": with(error_responses(&["400", "401", "403", "404", "413", "415", "500"]), "200", "The grant.", "Grant")
                }
            },
            "/api/v1/collections/{id}/objects": {
                "get": {
                    "operationId": "listObjects",
                    "summary": "The STIX objects of a collection the caller may see (TLP-filtered and redacted), oldest first.",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "description": "Collection UUID.", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "required": false, "description": "Page size; larger values are capped at the server's page size.", "schema": {"type": "integer", "minimum": 1, "maximum": 18446744073709551615u64}},
                        {"name": "next", "in": "query", "required": false, "description": "The opaque cursor of a previous page of the same query by the same user; any other value answers 400 bad_cursor.", "schema": {"type": "string"}},
                        {"name": "type", "in": "query", "required": false, "description": "Comma-separated STIX types.", "schema": {"type": "string"}},
                        {"name": "id", "in": "query", "required": false, "description": "Comma-separated STIX ids.", "schema": {"type": "string"}}
                    ],
                    "responses": with(error_responses(&["400", "401", "404", "500"]), "200", "One page of objects.", "ObjectPage")
                }
            }
        },
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "An rrm API token, rrm_<lookup>_<secret>."}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string", "enum": crate::codes::Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()},
                            "message": {"type": "string"},
                            "field": {"type": "string"},
                            "current": {"type": "string", "description": "With invalid_transition: the record's current state."},
                            "allowed": {"type": "array", "items": {"type": "string"}, "description": "With invalid_transition: the actions allowed from the current state."}
                        }
                    }}
                },
                "Org": {
                    "type": "object",
                    "required": ["slug", "name", "sector", "country", "identity_id", "created"],
                    "properties": {
                        "slug": {"type": "string", "pattern": "^[a-z0-9-]{2,64}$"},
                        "name": {"type": "string"},
                        "sector": {"$ref": "#/components/schemas/Sector"},
                        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                        "identity_id": {"type": "string"},
                        "created": {"type": "string", "format": "date-time"}
                    }
                },
                "OrgList": {"type": "object", "required": ["orgs"], "properties": {"orgs": {"type": "array", "items": {"$ref": "#/components/schemas/Org"}}}},
                "Sector": {"type": "string", "enum": ["government", "platform", "isp", "civil-society", "election-authority", "other"]},
                "Role": {"type": "string", "enum": ["admin", "analyst", "reader"]},
                "Tlp": {"type": "string", "enum": ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]},
                "NewOrg": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["slug", "name", "sector", "country"],
                    "properties": {
                        "slug": {"$ref": "#/components/schemas/Slug"},
                        "name": text_schema(200, false),
                        "sector": {"$ref": "#/components/schemas/Sector"},
                        "country": {"type": "string", "pattern": format!("^[{WS}]*[A-Za-z]{{2}}[{WS}]*$"), "description": "ISO 3166-1 alpha-2."}
                    }
                },
                "Slug": {"type": "string", "pattern": "^[a-z0-9-]{2,64}$"},
                "NewUser": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["org", "username", "role"],
                    "properties": {
                        "org": {"type": "string", "description": "Organisation slug."},
                        "username": {"type": "string", "pattern": "^[A-Za-z0-9._@-]{1,64}$"},
                        "role": {"$ref": "#/components/schemas/Role"},
                        "password": {"type": "string", "writeOnly": true, "minLength": 8, "maxLength": 1024, "description": "8 characters to 1024 bytes (UTF-8)."}
                    }
                },
                "User": {
                    "type": "object",
                    "required": ["username", "org", "role", "created"],
                    "properties": {
                        "username": {"type": "string"},
                        "org": {"type": "string"},
                        "role": {"$ref": "#/components/schemas/Role"},
                        "created": {"type": "string", "format": "date-time"}
                    }
                },
                "NewToken": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["username"],
                    "properties": {"username": {"type": "string"}, "label": text_schema(200, true)}
                },
                "TokenCreated": {
                    "type": "object",
                    "required": ["token", "username", "label"],
                    "properties": {"token": {"type": "string", "description": "rrm_<lookup>_<secret>; shown once."}, "username": {"type": "string"}, "label": {"type": "string"}}
                },
                "Collection": {
                    "type": "object",
                    "required": ["id", "slug", "title", "description", "default_tlp", "created"],
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "default_tlp": {"$ref": "#/components/schemas/Tlp"},
                        "created": {"type": "string", "format": "date-time"},
                        "can_read": {"type": "boolean"},
                        "can_write": {"type": "boolean"}
                    }
                },
                "CollectionList": {"type": "object", "required": ["collections"], "properties": {"collections": {"type": "array", "items": {"$ref": "#/components/schemas/Collection"}}}},
                "NewCollection": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["slug", "title"],
                    "properties": {
                        "slug": {"$ref": "#/components/schemas/Slug"},
                        "title": text_schema(200, false),
                        "description": text_schema(4000, true),
                        "default_tlp": {"oneOf": [tlp_input_schema(), {"type": "null"}]}
                    }
                },
                "GrantBody": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["read"],
                    "properties": {"read": {"type": "boolean"}, "write": {"type": "boolean"}}
                },
                "Grant": {
                    "type": "object",
                    "required": ["org", "collection", "read", "write"],
                    "properties": {"org": {"type": "string"}, "collection": {"type": "string"}, "read": {"type": "boolean"}, "write": {"type": "boolean"}}
                },
                "Whoami": {
                    "type": "object",
                    "required": ["username", "role", "org", "identities"],
                    "properties": {
                        "username": {"type": "string"},
                        "role": {"$ref": "#/components/schemas/Role"},
                        "org": {"$ref": "#/components/schemas/Org"},
                        "identities": {"type": "array", "items": {"type": "string"}}
                    }
                },
                "ObjectPage": {
                    "type": "object",
                    "required": ["objects", "more"],
                    "properties": {
                        "objects": {"type": "array", "items": {"type": "object", "description": "A STIX 2.1 object."}},
                        "more": {"type": "boolean"},
                        "next": {"type": ["string", "null"]}
                    }
                }
            }
        }
    });
    crate::routes::banks::merge_openapi(&mut doc);
    crate::routes::ads::merge_openapi(&mut doc);
    crate::routes::detect::merge_openapi(&mut doc);
    crate::routes::alerts::merge_openapi(&mut doc);
    crate::routes::notify::merge_openapi(&mut doc);
    crate::routes::cases::merge_openapi(&mut doc);
    crate::routes::breaches::merge_openapi(&mut doc);
    crate::routes::notices::merge_openapi(&mut doc);
    crate::routes::audit::merge_openapi(&mut doc);
    crate::accounts_openapi::merge(&mut doc);
    complete_statuses(&mut doc);
    doc
}

/// Adds to every operation the statuses the shared layers can answer for it: 500 everywhere,
/// 401 where credentials are required, 400 where there are parameters or a body (malformed
/// query, unknown parameter, malformed JSON), 413 where there is a body, 415 where the body
/// can only be JSON, and 429 on the rate-limited public routes. Statuses an operation
/// documents itself are kept.
fn complete_statuses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let public = path.starts_with("/public/");
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            let secured = !matches!(op.get("security"), Some(Value::Array(a)) if a.is_empty());
            let has_body = op.get("requestBody").is_some();
            // Routes that also take images, files or CSV read any other type as one of those.
            let json_only = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .is_some_and(|c| c.keys().all(|k| k == "application/json"));
            let has_params = op
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            let mut codes = vec!["500"];
            if secured {
                codes.push("401");
            }
            if has_body || has_params {
                codes.push("400");
            }
            if has_body {
                codes.push("413");
            }
            if json_only {
                codes.push("415");
            }
            if public {
                codes.push("429");
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let Value::Object(defaults) = error_responses(&codes) else {
                continue;
            };
            for (code, response) in defaults {
                responses.entry(code).or_insert(response);
            }
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub(crate) async fn serve() -> Response {
    let mut resp = document().to_string().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
