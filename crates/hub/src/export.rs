//! Export of a collection's objects for use outside this instance (CLI `rrm export`).

use std::ops::ControlFlow;

use serde_json::Value;
use stix::access::{effective_tlp, exportable, redact, ObjectAccess, Reader};
use store::ObjectQuery;

use crate::read::{served_copy_at, SquatCheck};
use crate::{ExportSummary, Hub, HubError, Principal, Tlp};

/// Removes from `obj` every property selected by a granular marking whose TLP level is above
/// `max_tlp`; `None` when that would remove a required property or leave an invalid object.
///
/// It reuses `stix::access::redact`: each granular marking above `max_tlp` is relabelled as
/// TLP:RED and the copy is redacted for a reader who may see no RED data at all, so redact's
/// removal, required-property and validity rules apply unchanged.
pub(crate) fn strip_above(obj: &Value, max_tlp: Tlp) -> Option<Value> {
    let mut work = obj.clone();
    let mut relabelled = false;
    if let Some(Value::Array(markings)) = work.get_mut("granular_markings") {
        for gm in markings.iter_mut() {
            let level = gm
                .get("marking_ref")
                .and_then(Value::as_str)
                .and_then(Tlp::from_marking_id);
            if let (Some(level), Some(map)) = (level, gm.as_object_mut()) {
                if level > max_tlp || !exportable(level) {
                    map.insert(
                        "marking_ref".to_string(),
                        Value::String(Tlp::Red.marking_id().to_string()),
                    );
                    relabelled = true;
                }
            }
        }
    }
    if !relabelled {
        return Some(work);
    }
    let nobody = Reader {
        user_id: i64::MIN,
        org_id: i64::MIN,
        identities: &[],
        collection_readable: true,
    };
    let access = ObjectAccess {
        tlp: Some(Tlp::Clear),
        collection_default: Tlp::Clear,
        recipients: &[],
        submitter_user_id: i64::MAX,
    };
    redact(&work, &nobody, &access)
}

impl Hub {
    /// Emits the last version of every object of a collection (UUID or slug) that the caller
    /// may see and whose TLP is at or below `max_tlp`, redacted for the caller and stripped of
    /// granular-marked properties above `max_tlp`.
    ///
    /// `max_tlp` above AMBER is `ExportRefused`; AMBER+STRICT and RED objects are never
    /// emitted. `withheld` counts the objects the caller could see but that were not emitted.
    pub fn export(
        &self,
        p: &Principal,
        collection: &str,
        max_tlp: Tlp,
        emit: &mut dyn FnMut(Value),
    ) -> Result<ExportSummary, HubError> {
        if !exportable(max_tlp) {
            return Err(HubError::ExportRefused(format!(
                "{max_tlp} data never leaves this instance; the highest level that may be \
                 exported is TLP:AMBER"
            )));
        }
        let (collection, access) = self.collection_for(p, collection)?;
        if !access.read {
            return Err(HubError::Forbidden(format!(
                "organisation '{}' may not read collection '{}'",
                p.org.slug, collection.id
            )));
        }
        let reader = Reader {
            user_id: p.user.id,
            org_id: p.org.id,
            identities: &p.identities,
            collection_readable: true,
        };
        let query = ObjectQuery {
            collection_id: collection.id.clone(),
            ..ObjectQuery::default()
        };
        let mut summary = ExportSummary::default();
        let mut failure: Option<HubError> = None;
        let mut squats = SquatCheck::new(self, &collection.id);
        self.objects().scan_objects(&query, &mut |row| {
            match squats.is_squat(&row) {
                Ok(false) => {}
                Ok(true) => return ControlFlow::Continue(()),
                Err(e) => {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
            }
            let served = match served_copy_at(&row, &reader, &collection) {
                Ok(s) => s,
                Err(e) => {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
            };
            let level = served.as_ref().map_or_else(
                || effective_tlp(row.tlp, collection.default_tlp),
                |(_, level)| *level,
            );
            let served = served.map(|(v, _)| v);
            let visible_to_caller = served.is_some() || {
                let access = ObjectAccess {
                    tlp: row.tlp,
                    collection_default: collection.default_tlp,
                    recipients: &row.recipients,
                    submitter_user_id: row.submitter_user_id,
                };
                stix::access::may_see(&reader, &access)
            };
            if !visible_to_caller {
                // Invisible objects are not even counted.
                return ControlFlow::Continue(());
            }
            let out = served
                .filter(|_| level <= max_tlp && exportable(level))
                .and_then(|obj| strip_above(&obj, max_tlp));
            match out {
                Some(obj) => {
                    summary.exported += 1;
                    emit(obj);
                }
                None => summary.withheld += 1,
            }
            ControlFlow::Continue(())
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        self.audit_store().append_audit(&store::NewAudit {
            actor: p.user.username.clone(),
            actor_org_id: Some(p.org.id),
            action: "export".to_string(),
            target: collection.slug.clone(),
            target_org_id: Some(p.org.id),
            detail: format!(
                "STIX bundle up to {max_tlp}: {} exported, {} withheld",
                summary.exported, summary.withheld
            ),
        })?;
        Ok(summary)
    }
}
