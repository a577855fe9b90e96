//! A case as STIX 2.1: an `incident` with the OASIS incident core extension, its actions as
//! OASIS `task` objects, its impacts as OASIS `impact` objects (listed in the incident's
//! `impact_refs`), a joint statement as a `note`; rrm's own properties ride under the rrm
//! response-case property extension (`stix::CASES_EXTENSION_ID`).

use serde_json::{json, Value};

/// The OASIS incident core extension (a property extension of `incident`).
pub const INCIDENT_CORE_EXTENSION_ID: &str =
    "extension-definition--ef765651-680c-498d-9894-99799f2fa126";

/// The OASIS task extension (a new SDO, `task`).
pub const TASK_EXTENSION_ID: &str = "extension-definition--2074a052-8be4-4932-849e-f5e7798e0030";

/// The STIX id of a case's incident.
pub fn incident_id(case_id: &str) -> String {
    format!("incident--{case_id}")
}

/// The STIX id of an action's task.
pub fn task_id(action_id: &str) -> String {
    format!("task--{action_id}")
}

/// The STIX id of a proposal's joint statement.
pub fn note_id(proposal_id: &str) -> String {
    format!("note--{proposal_id}")
}

/// What the incident of a case says.
pub struct IncidentFacts<'a> {
    pub case_id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub owner_identity: &'a str,
    pub participant_identities: Vec<String>,
    pub created_micros: i64,
    pub modified_micros: i64,
    pub marking: &'a str,
    /// The STIX ids of the case's impacts (the incident core extension's `impact_refs`).
    pub impact_refs: Vec<String>,
}

/// The case's `incident`.
pub fn incident(f: &IncidentFacts<'_>) -> Value {
    let mut rrm = json!({
        "extension_type": "property-extension",
        "case_id": f.case_id,
        "case_status": f.status,
        "owner_ref": f.owner_identity,
    });
    if !f.participant_identities.is_empty() {
        rrm["participant_refs"] = json!(f.participant_identities);
    }
    let mut o = json!({
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id(f.case_id),
        "created": stix::format_timestamp(f.created_micros),
        "modified": stix::format_timestamp(f.modified_micros),
        "created_by_ref": f.owner_identity,
        "name": f.title,
        "object_marking_refs": [f.marking],
        "extensions": {
            INCIDENT_CORE_EXTENSION_ID: {
                "extension_type": "property-extension",
                "determination": "suspected",
                // The case statuses are the extension's investigation statuses.
                "investigation_status": f.status,
            },
            stix::CASES_EXTENSION_ID: rrm,
        }
    });
    if !f.description.is_empty() {
        o["description"] = json!(f.description);
    }
    if !f.impact_refs.is_empty() {
        o["extensions"][INCIDENT_CORE_EXTENSION_ID]["impact_refs"] = json!(f.impact_refs);
    }
    o
}

/// What the task of an action says.
pub(crate) struct TaskFacts<'a> {
    pub action_id: &'a str,
    pub case_id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub outcome: &'a str,
    pub counter_id: Option<&'a str>,
    pub performing_identity: &'a str,
    pub target_identity: Option<&'a str>,
    pub due_micros: Option<i64>,
    pub created_micros: i64,
    pub modified_micros: i64,
    pub owner_identity: &'a str,
    pub marking: &'a str,
}

/// An action's `task`.
pub(crate) fn task(f: &TaskFacts<'_>) -> Value {
    let mut rrm = json!({
        "extension_type": "property-extension",
        "case_ref": incident_id(f.case_id),
        "action_status": f.status,
        "performing_org_ref": f.performing_identity,
    });
    if let Some(c) = f.counter_id {
        rrm["counter_id"] = json!(c);
    }
    if let Some(t) = f.target_identity {
        rrm["target_org_ref"] = json!(t);
    }
    if let Some(d) = f.due_micros {
        rrm["due"] = json!(stix::format_timestamp(d));
    }
    let mut o = json!({
        "type": "task",
        "spec_version": "2.1",
        "id": task_id(f.action_id),
        "created": stix::format_timestamp(f.created_micros),
        "modified": stix::format_timestamp(f.modified_micros),
        "created_by_ref": f.owner_identity,
        "name": f.title,
        "outcome": f.outcome,
        "object_marking_refs": [f.marking],
        "extensions": {
            TASK_EXTENSION_ID: {"extension_type": "new-sdo"},
            stix::CASES_EXTENSION_ID: rrm,
        }
    });
    if !f.description.is_empty() {
        o["description"] = json!(f.description);
    }
    if let Some(c) = f.counter_id {
        o["external_references"] = json!([{"source_name": "DISARM", "external_id": c}]);
    }
    o
}

/// What a joint statement's note says.
pub(crate) struct NoteFacts<'a> {
    pub proposal_id: &'a str,
    pub case_id: &'a str,
    pub text: &'a str,
    pub rule: &'a str,
    pub status: &'a str,
    pub outcome: &'a str,
    pub counts: [u32; 4],
    pub owner_identity: &'a str,
    pub created_micros: i64,
    pub modified_micros: i64,
}

/// A joint statement's `note`, at TLP:CLEAR.
pub(crate) fn note(f: &NoteFacts<'_>) -> Value {
    let [endorse, abstain, object, electorate] = f.counts;
    json!({
        "type": "note",
        "spec_version": "2.1",
        "id": note_id(f.proposal_id),
        "created": stix::format_timestamp(f.created_micros),
        "modified": stix::format_timestamp(f.modified_micros),
        "created_by_ref": f.owner_identity,
        "abstract": format!("Joint statement adopted under {} ({endorse} of {electorate} endorse)", f.rule),
        "content": f.text,
        "object_refs": [incident_id(f.case_id)],
        "object_marking_refs": [stix::Tlp::Clear.marking_id()],
        "extensions": {
            stix::CASES_EXTENSION_ID: {
                "extension_type": "property-extension",
                "case_ref": incident_id(f.case_id),
                "decision_rule": f.rule,
                "vote_status": f.status,
                "vote_outcome": f.outcome,
                "endorse": endorse,
                "abstain": abstain,
                "object": object,
                "electorate": electorate,
            }
        }
    })
}

/// The OASIS impact extension (a new SDO, `impact`).
pub const IMPACT_EXTENSION_ID: &str = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9";

/// The key of an impact's category sub-extension.
///
/// The suite names it after the category (`external`), but STIX 2.1's JSON schema, which
/// stix2-validator enforces, accepts only extension-definition ids and predefined names
/// ending in `-ext` as extension keys; rrm writes `<category>-ext` so that every shared
/// object validates without errors.
pub fn impact_category_key(category: &str) -> String {
    format!("{category}-ext")
}

/// What an impact says.
pub struct ImpactFacts<'a> {
    pub impact_id: &'a str,
    pub case_id: &'a str,
    pub category: &'a str,
    /// The category's own properties.
    pub properties: Value,
    pub criticality: Option<i64>,
    pub description: &'a str,
    pub start_micros: Option<i64>,
    pub end_micros: Option<i64>,
    pub recoverability: Option<&'a str>,
    pub counts: Value,
    pub recorded_identity: &'a str,
    pub owner_identity: &'a str,
    pub created_micros: i64,
    pub modified_micros: i64,
    pub marking: &'a str,
}

/// An impact of the case, as the suite's `impact` SDO.
pub fn impact(f: &ImpactFacts<'_>) -> Value {
    let mut o = json!({
        "type": "impact",
        "spec_version": "2.1",
        "id": crate::impacts::impact_id(f.impact_id),
        "created": stix::format_timestamp(f.created_micros),
        "modified": stix::format_timestamp(f.modified_micros),
        "created_by_ref": f.owner_identity,
        "impact_category": f.category,
        "object_marking_refs": [f.marking],
        "extensions": {
            IMPACT_EXTENSION_ID: {"extension_type": "new-sdo"},
            impact_category_key(f.category): f.properties,
            stix::CASES_EXTENSION_ID: {
                "extension_type": "property-extension",
                "case_ref": incident_id(f.case_id),
                "recorded_by_ref": f.recorded_identity,
            },
        }
    });
    if let Some(c) = f.criticality {
        o["criticality"] = json!(c);
    }
    if !f.description.is_empty() {
        o["description"] = json!(f.description);
    }
    if let Some(s) = f.start_micros {
        o["start_time"] = json!(stix::format_timestamp(s));
    }
    if let Some(e) = f.end_micros {
        o["end_time"] = json!(stix::format_timestamp(e));
    }
    if let Some(r) = f.recoverability {
        o["recoverability"] = json!(r);
    }
    if f.counts.as_object().is_some_and(|m| !m.is_empty()) {
        o["impacted_entity_counts"] = f.counts.clone();
    }
    o
}
