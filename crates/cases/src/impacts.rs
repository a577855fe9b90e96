//! Impacts of a case: the OASIS incident suite's `impact`, recorded by the case's analysts
//! and admins (owner or participant), checked by `response::impact`, and shared with the
//! case's incident (`impact_refs`).

use std::collections::BTreeMap;

use hub::{HubError, Principal};

use crate::CaseError;
use response::case::{self as case, CaseAction, CaseContext};
use response::impact::{
    self, Availability, Category, Confidentiality, Details, External, Integrity, Monetary,
    Physical, Recoverability, Traceability,
};
use serde::{Deserialize, Serialize};
use store::ImpactRecord;

use crate::{audit, case_target, refusal, stored, Cases};

/// A new impact. The sub-extension named after the category carries its own properties,
/// e.g. `{"category": "external", "external": {"impact_type": "public-confidence"}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewImpact {
    /// `availability`, `confidentiality`, `external`, `integrity`, `monetary`, `physical` or
    /// `traceability`.
    pub category: String,
    /// Availability details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
    /// Confidentiality details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality: Option<Confidentiality>,
    /// External details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// Integrity details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Integrity>,
    /// Monetary details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary: Option<Monetary>,
    /// Physical details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical: Option<Physical>,
    /// Traceability details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceability: Option<Traceability>,
    /// Criticality, 0 to 100.
    #[serde(default)]
    pub criticality: Option<i64>,
    /// A description.
    #[serde(default)]
    pub description: String,
    /// When the impact was first recorded (a STIX timestamp).
    #[serde(default)]
    pub start_time: Option<String>,
    /// When it was last recorded (a STIX timestamp), after `start_time`.
    #[serde(default)]
    pub end_time: Option<String>,
    /// `extended`, `not-applicable`, `not-recoverable`, `regular` or `supplemented`.
    #[serde(default)]
    pub recoverability: Option<String>,
    /// Impacted entities by type (`individual`, `organization`, ...), each at least 0.
    #[serde(default)]
    pub impacted_entity_counts: BTreeMap<String, i64>,
}

/// An impact as the case's organisations see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactView {
    /// The impact id.
    pub id: String,
    /// Its STIX id (`impact--<id>`).
    pub stix_id: String,
    /// The category.
    pub category: Category,
    /// The category's sub-extension with its properties.
    #[serde(flatten)]
    pub details: Details,
    /// Criticality, 0 to 100.
    pub criticality: Option<u8>,
    /// A description.
    pub description: String,
    /// Start, a STIX timestamp.
    pub start_time: Option<String>,
    /// End, a STIX timestamp.
    pub end_time: Option<String>,
    /// The recoverability.
    pub recoverability: Option<Recoverability>,
    /// Impacted entities by type.
    pub impacted_entity_counts: BTreeMap<String, u64>,
    /// The organisation that recorded it (slug).
    pub recorded_by: String,
    /// When it was recorded (RFC 3339).
    pub created: String,
}

fn timestamp(field: &str, v: &Option<String>) -> Result<Option<i64>, HubError> {
    v.as_deref()
        .map(|s| {
            stix::parse_timestamp(s)
                .map_err(|e| HubError::invalid(field, format!("not a STIX timestamp ({e}): {s:?}")))
        })
        .transpose()
}

impl NewImpact {
    fn details(&self) -> Details {
        Details {
            availability: self.availability.clone(),
            confidentiality: self.confidentiality.clone(),
            external: self.external.clone(),
            integrity: self.integrity.clone(),
            monetary: self.monetary.clone(),
            physical: self.physical.clone(),
            traceability: self.traceability.clone(),
        }
    }

    /// Checks the impact against the OASIS incident suite's vocabularies and ranges, without
    /// storing anything: `Invalid` naming the field, or the checked impact.
    pub fn check(&self) -> Result<impact::Impact, CaseError> {
        let input = impact::ImpactInput {
            category: self.category.clone(),
            details: self.details(),
            criticality: self.criticality,
            description: self.description.clone(),
            start_micros: timestamp("start_time", &self.start_time)?,
            end_micros: timestamp("end_time", &self.end_time)?,
            recoverability: self.recoverability.clone(),
            impacted_entity_counts: self.impacted_entity_counts.clone(),
        };
        impact::check(&input).map_err(|e| CaseError::Invalid {
            field: e.field.clone(),
            message: e.reason.clone(),
        })
    }
}

/// A stored impact, read back into the engine's checked form.
pub(crate) struct Stored {
    pub record: ImpactRecord,
    pub category: Category,
    pub details: Details,
    pub recoverability: Option<Recoverability>,
    pub counts: BTreeMap<String, u64>,
}

pub(crate) fn read(r: ImpactRecord) -> Result<Stored, HubError> {
    let category = stored("impact category", &r.category)?;
    let details: Details = serde_json::from_str(&r.details)
        .map_err(|e| HubError::broken(format!("stored impact {} details: {e}", r.id)))?;
    let counts: BTreeMap<String, u64> = serde_json::from_str(&r.entity_counts)
        .map_err(|e| HubError::broken(format!("stored impact {} counts: {e}", r.id)))?;
    let recoverability = r
        .recoverability
        .as_deref()
        .map(|v| stored("recoverability", v))
        .transpose()?;
    Ok(Stored {
        record: r,
        category,
        details,
        recoverability,
        counts,
    })
}

/// The STIX id of an impact.
pub fn impact_id(id: &str) -> String {
    format!("impact--{id}")
}

impl Cases {
    fn impact_view(&self, s: Stored) -> Result<ImpactView, HubError> {
        let r = &s.record;
        Ok(ImpactView {
            id: r.id.clone(),
            stix_id: impact_id(&r.id),
            category: s.category,
            details: s.details,
            criticality: r.criticality.and_then(|c| u8::try_from(c).ok()),
            description: r.description.clone(),
            start_time: r.start_time.map(stix::format_timestamp),
            end_time: r.end_time.map(stix::format_timestamp),
            recoverability: s.recoverability,
            impacted_entity_counts: s.counts,
            recorded_by: self.org_slug(r.org_id)?,
            created: stix::format_timestamp(r.created.saturating_mul(1_000_000)),
        })
    }

    /// Records an impact on a case (analysts and admins of the owner or a participant, while
    /// the case is not closed). Bad input is `Invalid` naming the field and stores nothing.
    pub fn record_impact(
        &self,
        p: &Principal,
        case_id: &str,
        new: &NewImpact,
    ) -> Result<ImpactView, CaseError> {
        let l = self.load(p, case_id)?;
        let action = CaseAction::RecordImpact;
        case::decide(l.status, action, &l.actor, &CaseContext::default())
            .map_err(|r| refusal(r, &action))?;
        let checked = new.check()?;
        let details = serde_json::to_string(&checked.details)
            .map_err(|e| HubError::broken(format!("writing impact details: {e}")))?;
        let counts = serde_json::to_string(&checked.impacted_entity_counts)
            .map_err(|e| HubError::broken(format!("writing impact counts: {e}")))?;
        let record = ImpactRecord {
            id: uuid::Uuid::new_v4().to_string(),
            case_id: case_id.to_string(),
            category: checked.category.as_str().to_string(),
            details,
            criticality: checked.criticality.map(i64::from),
            description: checked.description.clone(),
            start_time: checked.start_micros,
            end_time: checked.end_micros,
            recoverability: checked.recoverability.map(|r| r.as_str().to_string()),
            entity_counts: counts,
            org_id: p.org.id,
            created_by: p.user.id,
            created: self.now(),
        };
        let detail = format!(
            "impact {} {}{}",
            record.id,
            record.category,
            record
                .criticality
                .map(|c| format!(", criticality {c}"))
                .unwrap_or_default()
        );
        self.store.add_impact(
            &record,
            &audit(
                p,
                "case.impact.add",
                case_target(case_id),
                l.record.owner_org_id,
                detail,
            ),
        )?;
        Ok(self.impact_view(read(record)?)?)
    }

    /// A case's impacts, in the order they were recorded.
    pub fn impacts(&self, p: &Principal, case_id: &str) -> Result<Vec<ImpactView>, CaseError> {
        self.load(p, case_id)?;
        self.store
            .list_impacts(case_id)?
            .into_iter()
            .map(|r| self.impact_view(read(r)?))
            .collect::<Result<_, HubError>>()
            .map_err(CaseError::from)
    }
}

impl Cases {
    /// The case's impacts as STIX, owned by the case owner, with their ids; `modified` is the
    /// publication's, so each publication is a new version.
    #[allow(clippy::type_complexity)]
    pub(crate) fn impact_objects(
        &self,
        l: &crate::Loaded,
        owner_identity: &str,
        marking: &str,
        modified: i64,
    ) -> Result<(Vec<String>, Vec<(i64, serde_json::Value)>), HubError> {
        let mut ids = Vec::new();
        let mut objects = Vec::new();
        for r in self.store.list_impacts(&l.record.id)? {
            let s = read(r)?;
            let properties = serde_json::to_value(&s.details)
                .map_err(|e| HubError::broken(format!("impact details: {e}")))?
                .get(s.category.as_str())
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}));
            let counts = serde_json::to_value(&s.counts)
                .map_err(|e| HubError::broken(format!("impact counts: {e}")))?;
            let recorded = self.identity_of(s.record.org_id)?;
            let created = s.record.created.saturating_mul(1_000_000);
            ids.push(impact_id(&s.record.id));
            objects.push((
                l.record.owner_org_id,
                crate::share::impact(&crate::share::ImpactFacts {
                    impact_id: &s.record.id,
                    case_id: &l.record.id,
                    category: s.category.as_str(),
                    properties,
                    criticality: s.record.criticality,
                    description: &s.record.description,
                    start_micros: s.record.start_time,
                    end_micros: s.record.end_time,
                    recoverability: s.recoverability.map(|r| r.as_str()),
                    counts,
                    recorded_identity: &recorded,
                    owner_identity,
                    created_micros: created,
                    modified_micros: modified.max(created),
                    marking,
                }),
            ));
        }
        Ok((ids, objects))
    }
}
