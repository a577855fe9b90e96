//! Deterministic rrm identities and the rrm recipients property extension.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::timestamp::format_timestamp;

/// The namespace under which rrm derives UUIDv5 ids, so every hub and test agrees on them.
const RRM_NAMESPACE: Uuid = Uuid::from_u128(0x4122be24_2239_484e_862f_c9884138947e);

/// The id of the extension-definition that defines the rrm recipients property extension.
///
/// An object names the identities that may read it at TLP:RED like this:
/// `"extensions": { RECIPIENTS_EXTENSION_ID: { "extension_type": "property-extension",
/// "recipient_refs": ["identity--…"] } }`.
pub const RECIPIENTS_EXTENSION_ID: &str =
    "extension-definition--8bb12bf2-e0a2-4221-bf5d-2b727dd4d8ff";

/// The property inside the recipients extension that lists identity ids.
pub const RECIPIENT_REFS: &str = "recipient_refs";

fn derived(kind: &str, name: &str) -> Uuid {
    let mut key = String::with_capacity(kind.len() + 1 + name.len());
    key.push_str(kind);
    key.push(':');
    key.push_str(name);
    Uuid::new_v5(&RRM_NAMESPACE, key.as_bytes())
}

/// The STIX identity id of the organisation with this slug (UUIDv5 under the rrm namespace).
pub fn org_identity_id(slug: &str) -> String {
    format!("identity--{}", derived("org", slug))
}

/// The STIX identity id of the user with this username (UUIDv5 under the rrm namespace).
pub fn user_identity_id(username: &str) -> String {
    format!("identity--{}", derived("user", username))
}

/// A valid STIX 2.1 `identity` object; `modified` equals `created`, `sectors` is left out when
/// empty.
pub fn identity_object(
    id: &str,
    name: &str,
    identity_class: &str,
    sectors: &[&str],
    created_micros: i64,
) -> Value {
    let ts = format_timestamp(created_micros);
    let mut obj = json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": id,
        "created": ts,
        "modified": ts,
        "name": name,
        "identity_class": identity_class,
    });
    if !sectors.is_empty() {
        if let Some(map) = obj.as_object_mut() {
            map.insert("sectors".to_string(), json!(sectors));
        }
    }
    obj
}

/// The `extension-definition` object that defines the rrm recipients property extension.
pub fn recipients_extension_definition(created_by_ref: &str, created_micros: i64) -> Value {
    let ts = format_timestamp(created_micros);
    json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": RECIPIENTS_EXTENSION_ID,
        "created_by_ref": created_by_ref,
        "created": ts,
        "modified": ts,
        "name": "rrm recipients",
        "description": "Names the identities (users or organisations) that may read an object \
            marked TLP:RED on an rrm hub.",
        "schema": "A property extension with one property, recipient_refs: a non-empty list of \
            identity ids. On an rrm hub an object marked TLP:RED is served only to the users \
            and organisations whose identity is listed there and to the user who submitted it.",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(org_identity_id("ministry"), org_identity_id("ministry"));
        assert_ne!(org_identity_id("alice"), user_identity_id("alice"));
        assert!(org_identity_id("x").starts_with("identity--"));
    }
}
