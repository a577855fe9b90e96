//! The DISARM techniques of a case: read through the hub, as the caller may see them.

use std::collections::{BTreeMap, BTreeSet};

use hub::{Hub, HubError, ObjectFilter, Principal};
use serde_json::Value;
use store::CaseObject;

/// Object types whose `uses` relationships to attack patterns name techniques.
const USERS: [&str; 3] = ["campaign", "intrusion-set", "threat-actor"];

/// The DISARM technique ids (`Tnnnn`, `Tnnnn.nnn`) in an attack pattern's external references.
fn technique_ids(obj: &Value, out: &mut BTreeSet<String>) {
    let Some(refs) = obj.get("external_references").and_then(Value::as_array) else {
        return;
    };
    for r in refs {
        if let Some(id) = r.get("external_id").and_then(Value::as_str) {
            if is_technique(id) {
                out.insert(id.to_string());
            }
        }
    }
}

fn is_technique(id: &str) -> bool {
    let b = id.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

/// Every object of `types` in a collection that `p` may see (latest versions).
fn all_of(
    hub: &Hub,
    p: &Principal,
    collection: &str,
    types: &[&str],
) -> Result<Vec<Value>, HubError> {
    let f = ObjectFilter {
        types: types.iter().map(|t| t.to_string()).collect(),
        ..ObjectFilter::default()
    };
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = hub.get_objects(p, collection, &f, None, next.as_deref())?;
        out.extend(page.objects);
        match page.next {
            Some(n) if page.more => next = Some(n),
            _ => return Ok(out),
        }
    }
}

fn one(hub: &Hub, p: &Principal, collection: &str, id: &str) -> Result<Option<Value>, HubError> {
    match hub.get_object(p, collection, id, &ObjectFilter::default(), Some(1), None) {
        Ok(page) => Ok(page.objects.into_iter().next()),
        Err(HubError::NotFound(_) | HubError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The technique ids of the case's attack patterns and of the attack patterns its campaigns,
/// intrusion sets and threat actors `use` in their collection, as `p` sees them.
pub(crate) fn case_techniques(
    hub: &Hub,
    p: &Principal,
    objects: &[CaseObject],
) -> Result<BTreeSet<String>, HubError> {
    let mut out = BTreeSet::new();
    let mut relationships: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for o in objects {
        let Some(obj) = one(hub, p, &o.collection_id, &o.object_id)? else {
            continue;
        };
        let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default();
        if kind == "attack-pattern" {
            technique_ids(&obj, &mut out);
            continue;
        }
        if !USERS.contains(&kind) {
            continue;
        }
        if !relationships.contains_key(&o.collection_id) {
            let rels = all_of(hub, p, &o.collection_id, &["relationship"])?;
            relationships.insert(o.collection_id.clone(), rels);
        }
        let targets: Vec<String> = relationships[&o.collection_id]
            .iter()
            .filter(|r| {
                r.get("relationship_type").and_then(Value::as_str) == Some("uses")
                    && r.get("source_ref").and_then(Value::as_str) == Some(o.object_id.as_str())
            })
            .filter_map(|r| r.get("target_ref").and_then(Value::as_str))
            .filter(|t| t.starts_with("attack-pattern--"))
            .map(str::to_string)
            .collect();
        for t in targets {
            if let Some(ap) = one(hub, p, &o.collection_id, &t)? {
                technique_ids(&ap, &mut out);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn technique_ids_have_the_disarm_shape() {
        for ok in ["T0002", "T0151.004"] {
            assert!(super::is_technique(ok), "{ok}");
        }
        for bad in ["TA01", "T002", "T0151.4", "C00009", "T0151-004", "t0002"] {
            assert!(!super::is_technique(bad), "{bad}");
        }
    }
}
