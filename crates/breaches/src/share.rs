//! A breach report as STIX 2.1, shared with partners: an `incident` with the OASIS incident
//! core extension, one confidentiality `impact` (its `impact_refs`), and a `related-to`
//! relationship to each attributed intrusion set or threat actor.
//!
//! The objects are built by the `cases` crate's builders ([`cases::share::incident`],
//! [`cases::share::impact`]) and the impact is checked by [`response::impact::check`]; the
//! rrm response-case property extension those builders add is removed, since a breach report
//! is not a case. No free text of the report is shared: the incident's name says the regime,
//! the impact carries counts only, so no personal data leaves with it.

use std::collections::BTreeMap;

use hub::{HubError, Principal};
use response::breach::{BreachAction, Contents};
use response::impact::{self, Confidentiality, Details, ImpactInput};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{stored, BreachError, Breaches};

/// The request to share a report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareBreach {
    /// A collection the caller's organisation may write, by UUID or slug.
    pub collection: String,
    /// The TLP of the shared objects (`CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT`, `RED`;
    /// default AMBER). At RED the reporter and the recipient are named as recipients.
    #[serde(default)]
    pub tlp: Option<String>,
}

/// What a share published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedBreach {
    /// The collection's UUID.
    pub collection: String,
    /// The incident's STIX id.
    pub incident: String,
    /// The impact's STIX id.
    pub impact: String,
    /// The relationships' STIX ids.
    pub relationships: Vec<String>,
    /// The TLP.
    pub tlp: String,
}

/// The STIX id of a report's incident.
pub fn incident_id(breach_id: &str) -> String {
    cases::share::incident_id(breach_id)
}

fn derived(kind: &str, key: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("rrm:{kind}:{key}").as_bytes(),
    )
    .to_string()
}

/// Removes the rrm response-case extension the `cases` builders add.
fn without_case_extension(mut o: Value) -> Value {
    if let Some(ext) = o.get_mut("extensions").and_then(Value::as_object_mut) {
        ext.remove(stix::CASES_EXTENSION_ID);
    }
    o
}

/// Marks an object TLP:RED for the named identities.
fn red_recipients(o: &mut Value, recipients: &[String]) {
    if let Some(ext) = o.get_mut("extensions").and_then(Value::as_object_mut) {
        ext.insert(
            stix::RECIPIENTS_EXTENSION_ID.to_string(),
            json!({"extension_type": "property-extension", stix::RECIPIENT_REFS: recipients}),
        );
    } else if let Some(m) = o.as_object_mut() {
        m.insert(
            "extensions".into(),
            json!({ stix::RECIPIENTS_EXTENSION_ID: {
                "extension_type": "property-extension",
                stix::RECIPIENT_REFS: recipients,
            }}),
        );
    }
}

impl Breaches {
    /// Shares a submitted report (the reporter's analysts and admins) in `collection` at the
    /// chosen TLP. Each share is a new version of the same objects.
    pub fn share(
        &self,
        p: &Principal,
        id: &str,
        req: &ShareBreach,
    ) -> Result<SharedBreach, BreachError> {
        let l = self.load(p, id)?;
        Self::decide(&l, p, BreachAction::Share)?;
        let tlp = match &req.tlp {
            None => stix::Tlp::Amber,
            Some(s) => s
                .parse::<stix::Tlp>()
                .map_err(|e| BreachError::invalid("tlp", e.to_string()))?,
        };
        let no_collection = || {
            BreachError::invalid(
                "collection",
                format!("no collection '{}' that you may write", req.collection),
            )
        };
        let (col, access) = match self.hub.collection_for(p, &req.collection) {
            Ok(x) => x,
            Err(HubError::NotFound(_)) => return Err(no_collection()),
            Err(e) => return Err(e.into()),
        };
        if !access.write {
            return Err(no_collection());
        }
        let identity = |org: i64| -> Result<String, BreachError> {
            Ok(self
                .hub
                .org_by_id(org)?
                .map(|o| o.identity_id)
                .ok_or_else(|| HubError::broken(format!("organisation #{org} is gone")))?)
        };
        let owner = identity(l.record.reporter_org_id)?;
        let recipient = identity(l.record.recipient_org_id)?;
        let marking = tlp.marking_id();
        let created = l.record.created.saturating_mul(1_000_000);
        let modified = hub::now_micros().max(l.record.updated.saturating_mul(1_000_000));
        let impact_key = derived("breach-impact", &l.record.id);
        let checked = check_impact(&l.contents)?;
        let properties = serde_json::to_value(&checked.details)
            .map_err(|e| HubError::broken(format!("impact details: {e}")))?
            .get("confidentiality")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let counts = serde_json::to_value(&checked.impacted_entity_counts)
            .map_err(|e| HubError::broken(format!("impact counts: {e}")))?;
        let mut impact = without_case_extension(cases::share::impact(&cases::share::ImpactFacts {
            impact_id: &impact_key,
            case_id: &l.record.id,
            category: "confidentiality",
            properties,
            criticality: None,
            description: "",
            start_micros: None,
            end_micros: None,
            recoverability: None,
            counts,
            recorded_identity: &owner,
            owner_identity: &owner,
            created_micros: created,
            modified_micros: modified,
            marking,
        }));
        let impact_id = impact
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let investigation = if l.status == response::breach::BreachStatus::Closed {
            "closed"
        } else {
            "open"
        };
        let name = format!("Personal-data breach reported under {}", l.regime);
        let mut incident =
            without_case_extension(cases::share::incident(&cases::share::IncidentFacts {
                case_id: &l.record.id,
                title: &name,
                description: "",
                status: investigation,
                owner_identity: &owner,
                participant_identities: Vec::new(),
                created_micros: created,
                modified_micros: modified,
                marking,
                impact_refs: vec![impact_id.clone()],
            }));
        let recipients = vec![owner.clone(), recipient];
        let mut objects = Vec::new();
        let mut relationships = Vec::new();
        for a in &l.record.state.actors {
            let rid = format!(
                "relationship--{}",
                derived("breach-actor", &format!("{}:{}", l.record.id, a.object_id))
            );
            let mut rel = json!({
                "type": "relationship",
                "spec_version": "2.1",
                "id": rid,
                "created": stix::format_timestamp(created),
                "modified": stix::format_timestamp(modified),
                "created_by_ref": owner,
                "relationship_type": "related-to",
                "source_ref": incident_id(&l.record.id),
                "target_ref": a.object_id,
                "object_marking_refs": [marking],
            });
            if tlp == stix::Tlp::Red {
                red_recipients(&mut rel, &recipients);
            }
            relationships.push(rid);
            objects.push((l.record.reporter_org_id, rel));
        }
        if tlp == stix::Tlp::Red {
            red_recipients(&mut incident, &recipients);
            red_recipients(&mut impact, &recipients);
        }
        let mut all = vec![
            (l.record.reporter_org_id, incident),
            (l.record.reporter_org_id, impact),
        ];
        all.extend(objects);
        for outcome in self
            .hub
            .publish_generated(p, &col.id, "a breach incident", &all)?
        {
            outcome.map_err(|e| {
                BreachError::Hub(HubError::Conflict(format!(
                    "a breach incident was refused: {e}"
                )))
            })?;
        }
        let status: response::breach::BreachStatus = stored("status", &l.record.state.status)?;
        let record = crate::audit(
            p,
            "breach.share",
            &l.record.id,
            l.record.recipient_org_id,
            format!("{} as TLP:{} ({status})", col.id, tlp.as_str()),
        );
        // Sharing changes nothing of the report: its audit record is the one write.
        self.store.record_breach_step(&l.record.id, &record)?;
        Ok(SharedBreach {
            collection: col.id,
            incident: incident_id(&l.record.id),
            impact: impact_id,
            relationships,
            tlp: tlp.as_str().to_string(),
        })
    }
}

/// The report's confidentiality impact: personal information lost (confirmed), with the
/// number of records and of individuals as counts; checked against the incident suite.
fn check_impact(c: &Contents) -> Result<impact::Impact, BreachError> {
    let records = c.approx_records.or(c.number_affected);
    let people = c.approx_subjects.or(c.number_affected);
    let mut counts = BTreeMap::new();
    if let Some(n) = people {
        counts.insert(
            "individual".to_string(),
            i64::try_from(n).unwrap_or(i64::MAX),
        );
    }
    let input = ImpactInput {
        category: "confidentiality".into(),
        details: Details {
            confidentiality: Some(Confidentiality {
                information_type: Some("personally-identifiable-information".into()),
                loss_type: Some("confirmed-loss".into()),
                record_count: records.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
                record_size: None,
            }),
            ..Details::default()
        },
        impacted_entity_counts: counts,
        ..ImpactInput::default()
    };
    impact::check(&input)
        .map_err(|e| BreachError::invalid(&format!("contents.{}", e.field), e.reason))
}
