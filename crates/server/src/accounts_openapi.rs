//! The OpenAPI part of account management (token list and revoke, password changes, disable
//! and enable, the audit log) and of authentication throttling (429 on every authenticated
//! operation).

use serde_json::{json, Value};

/// An error response entry.
fn err(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// A success response entry.
fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

/// Adds the account routes and schemas, then the throttling answer (429 with `Retry-After`)
/// to every operation that needs credentials. Call it after every other part is merged.
pub(crate) fn merge(doc: &mut Value) {
    let username = json!({"name": "username", "in": "path", "required": true, "description": "Login name.", "schema": {"type": "string", "minLength": 1, "maxLength": 64}});
    let e400 = err("Invalid input (the error names the field).");
    let e401 = err("Missing or wrong credentials.");
    let e403 = err("Authenticated but not allowed; the message names the reason.");
    let e404 = err("Unknown account, or an account of another organisation (answered alike).");
    let e413 = err("Request body too large.");
    let e415 = err("Content-Type is not application/json.");
    let e500 = err("Internal error (the message carries a request id).");
    let paths = json!({
        "/api/v1/tokens": {
            "get": {
                "operationId": "listTokens",
                "summary": "A user's tokens (never a secret): the caller's own by default; an organisation admin may name a user of its organisation, the operator any user.",
                "parameters": [{"name": "username", "in": "query", "required": false, "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
                "responses": {"200": ok("The tokens, oldest first.", "TokenList"), "400": e400, "401": e401, "403": e403, "404": e404, "500": e500}
            }
        },
        "/api/v1/tokens/{lookup}": {
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revokes a token at once, by its lookup id: by its user, an admin of its user's organisation, or the operator.",
                "parameters": [{"name": "lookup", "in": "path", "required": true, "description": "The token's lookup id (rrm_<lookup>_...).", "schema": {"type": "string"}}],
                "responses": {"200": ok("The revoked token.", "TokenInfo"), "401": e401, "403": e403, "404": e404, "500": e500}
            }
        },
        "/api/v1/users/{username}/password": {
            "put": {
                "operationId": "setPassword",
                "summary": "Sets a password. A user changing its own gives current_password; an admin of its organisation or the operator resets it without. Cached credentials stop working at once.",
                "parameters": [username.clone()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PasswordChange"}}}},
                "responses": {"204": {"description": "Changed."}, "400": e400, "401": e401, "403": e403, "404": e404, "413": e413, "415": e415, "500": e500}
            }
        },
        "/api/v1/users/{username}/disable": {
            "post": {
                "operationId": "disableUser",
                "summary": "Disables a user: its password and tokens stop working at once (an admin of its organisation, or the operator).",
                "parameters": [username.clone()],
                "responses": {"200": ok("The user's state.", "UserState"), "401": e401, "403": e403, "404": e404, "500": e500}
            }
        },
        "/api/v1/users/{username}/enable": {
            "post": {
                "operationId": "enableUser",
                "summary": "Enables a disabled user again (an admin of its organisation, or the operator).",
                "parameters": [username],
                "responses": {"200": ok("The user's state.", "UserState"), "401": e401, "403": e403, "404": e404, "500": e500}
            }
        },
        "/api/v1/audit": {
            "get": {
                "operationId": "auditLog",
                "summary": "The audit log (organisations, users, tokens, collections, grants, exports and the other domains' state changes), oldest first, each record with its leaf index, leaf hash and canonical bytes: all of it for the operator, the records about its organisation for an organisation admin.",
                "parameters": [
                    {"name": "after", "in": "query", "required": false, "description": "Only records after this seq (next_after of the previous page).", "schema": {"type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX}},
                    {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}
                ],
                "responses": {"200": ok("The records.", "AuditPage"), "400": e400, "401": e401, "403": e403, "500": e500}
            }
        }
    });
    let schemas = json!({
        "TokenInfo": {
            "type": "object",
            "required": ["lookup", "username", "label", "created", "revoked"],
            "properties": {
                "lookup": {"type": "string"},
                "username": {"type": "string"},
                "label": {"type": "string"},
                "created": {"type": "string", "format": "date-time"},
                "revoked": {"type": "boolean"}
            }
        },
        "TokenList": {"type": "object", "required": ["tokens"], "properties": {"tokens": {"type": "array", "items": {"$ref": "#/components/schemas/TokenInfo"}}}},
        "PasswordChange": {
            "type": "object",
            "additionalProperties": false,
            "required": ["password"],
            "properties": {
                "password": {"type": "string", "minLength": 8, "writeOnly": true},
                "current_password": {"type": "string", "writeOnly": true}
            }
        },
        "UserState": {
            "type": "object",
            "required": ["username", "disabled"],
            "properties": {"username": {"type": "string"}, "disabled": {"type": "boolean"}}
        },
        "AuditRecord": {
            "type": "object",
            "required": ["seq", "at", "actor", "actor_org", "action", "target", "target_org", "detail", "index", "leaf_hash", "nonce", "leaf_data"],
            "properties": {
                "seq": {"type": "integer"},
                "at": {"type": "string", "format": "date-time"},
                "actor": {"type": "string", "description": "Username, or operator for the local CLI."},
                "actor_org": {"type": ["string", "null"]},
                "action": {"type": "string", "description": "org.create, user.create, user.password, user.disable, user.enable, token.create, token.revoke, collection.create, grant.set, export; alert.raise, alert.receive, alert.acknowledge, alert.contribute, alert.decline, alert.forward, group.create, group.rename, group.member.add, group.member.remove; case.create, case.open, case.close, case.reopen, case.participant.add, case.participant.remove, case.object.add, case.publish, case.action.draft, case.action.edit, case.action.propose, case.action.approve, case.action.reject, case.action.done, case.action.failed, case.action.withdrawn, case.vote.open, case.vote.ballot, case.vote.close, case.vote.publish (target case/ID, case/ID/action/ID or case/ID/vote/ID, filed under the case owner); and the actions other domains append."},
                "target": {"type": "string", "description": "A username, or username/lookup for a token."},
                "target_org": {"type": ["string", "null"]},
                "detail": {"type": "string"},
                "index": {"type": ["integer", "null"], "description": "Leaf index in the audit Merkle tree (null only after tampering)."},
                "leaf_hash": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$", "description": "The stored leaf hash, SHA-256(0x00 || leaf_data)."},
                "nonce": {"type": "string", "pattern": "^[0-9a-f]*$", "description": "The record's 16 random bytes, part of its leaf."},
                "leaf_data": {"type": "string", "pattern": "^[0-9a-f]*$", "description": "The record's canonical bytes (see README, Verifiable audit log)."}
            }
        },
        "AuditPage": {
            "type": "object",
            "required": ["records", "next_after"],
            "properties": {
                "records": {"type": "array", "items": {"$ref": "#/components/schemas/AuditRecord"}},
                "next_after": {"type": ["integer", "null"], "description": "The after of the next page, when the page is full."}
            }
        },
        "Role": {"type": "string", "enum": ["admin", "analyst", "reader", "operator"]}
    });
    if let (Some(dst), Value::Object(src)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), paths)
    {
        for (path, ops) in src {
            match (dst.get_mut(&path), ops) {
                (Some(Value::Object(have)), Value::Object(more)) => have.extend(more),
                (_, ops) => {
                    dst.insert(path, ops);
                }
            }
        }
    }
    if let (Some(dst), Value::Object(src)) = (
        doc.pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut),
        schemas,
    ) {
        dst.extend(src);
    }
    // The Error schema's code enum is `Code::ALL`, rate_limited included.
    let throttled = json!({
        "description": "Too many failed authentications from this address or for this account, or too many credential checks at once: retry after the Retry-After header's seconds (code rate_limited).",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    });
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for ops in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in ops.values_mut().filter_map(Value::as_object_mut) {
                let public = op.get("security") == Some(&json!([]));
                if public {
                    continue;
                }
                if let Some(r) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    r.entry("429").or_insert_with(|| throttled.clone());
                }
            }
        }
    }
}
