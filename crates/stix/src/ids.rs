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

/// The id of the extension-definition of rrm's response-case properties (case status, a
/// vote's rule and tally, an action's lifecycle status), carried on shared incidents, tasks
/// and notes as a property extension.
pub const CASES_EXTENSION_ID: &str = "extension-definition--2bbf4f8c-5625-4d19-9a52-86c1969a7b04";

/// The `extension-definition` object of rrm's response-case property extension.
pub fn cases_extension_definition(created_by_ref: &str, created_micros: i64) -> Value {
    let ts = format_timestamp(created_micros);
    json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": CASES_EXTENSION_ID,
        "created_by_ref": created_by_ref,
        "created": ts,
        "modified": ts,
        "name": "rrm response cases",
        "description": "rrm's own properties of coordinated response: on an incident (a response \
            case) case_id, case_status (new, open, closed), owner_ref and participant_refs \
            (identities); on a task (a response action) case_ref, action_status (draft, \
            proposed, approved, done, failed, withdrawn), counter_id (a DISARM countermeasure), \
            performing_org_ref, target_org_ref and due; on a note (a joint statement) case_ref, \
            decision_rule (consensus or quorum:N), vote_status, vote_outcome, endorse, abstain, \
            object and electorate; on an impact (the OASIS incident suite's) case_ref and \
            recorded_by_ref (the organisation that recorded it).",
        "schema": "A property extension; every property is optional. Identities are rrm \
            organisation identity ids, times RFC 3339 UTC, counts non-negative integers.",
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
