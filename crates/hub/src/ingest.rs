//! Ingest of STIX objects and the TAXII status resources it produces.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use serde_json::{json, Value};
use store::{AddOutcome, NewObject, Role, Status};

use crate::{now_micros, now_secs, Hub, HubError, Principal};

/// How often statuses older than the retention are purged, in seconds.
const PURGE_EVERY_SECS: i64 = 600;

/// The version of an object for a status or manifest: `modified`, else `created`.
pub(crate) fn version_text(obj: &Value) -> Option<String> {
    obj.get("modified")
        .or_else(|| obj.get("created"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// One failure entry of a status resource.
fn failure(obj: &Value, fallback_version: &str, message: String) -> Value {
    let id = obj.get("id").and_then(Value::as_str).unwrap_or("");
    let version = version_text(obj).unwrap_or_else(|| fallback_version.to_string());
    json!({ "id": id, "version": version, "message": message })
}

impl Hub {
    /// Validates objects and stores the valid ones in a collection (one store transaction);
    /// returns the TAXII 2.1 status resource, which is also kept for `get_status`.
    ///
    /// Needs a write grant (`NotFound` without any access, `Forbidden` with read only) and the
    /// analyst or admin role. An object fails when `stix::check_object` finds problems, when
    /// its `created_by_ref` names another hub organisation's identity (or the hub's), or when
    /// the store's versioning rules refuse it; the others are stored.
    pub fn add_objects(
        &self,
        p: &Principal,
        collection_id: &str,
        objects: Vec<Value>,
    ) -> Result<Value, HubError> {
        let (collection, access) = self.collection_for(p, collection_id)?;
        if !access.write {
            return Err(HubError::Forbidden(format!(
                "organisation '{}' may not write to collection '{}'",
                p.org.slug, collection.id
            )));
        }
        if p.user.role == Role::Reader {
            return Err(HubError::Forbidden(format!(
                "user '{}' has the reader role; adding objects needs analyst or admin",
                p.user.username
            )));
        }
        let request_micros = now_micros();
        let request_timestamp = stix::format_timestamp(request_micros);

        // Validate everything first; collect the records to store with their input index.
        let mut failures: Vec<(usize, Value)> = Vec::new();
        let mut records: Vec<NewObject> = Vec::with_capacity(objects.len());
        let mut record_index: Vec<usize> = Vec::with_capacity(objects.len());
        // The hub organisation each created_by_ref names (through an organisation or a user
        // identity), if any.
        let mut owners: HashMap<String, Option<i64>> = HashMap::new();
        let mut user_identities: Option<HashMap<String, i64>> = None;
        for (i, obj) in objects.iter().enumerate() {
            let checked = match stix::check_object(obj) {
                Ok(c) => c,
                Err(problems) => {
                    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                    failures.push((i, failure(obj, &request_timestamp, text.join("; "))));
                    continue;
                }
            };
            if let Some(by) = &checked.created_by_ref {
                let org_id = match owners.get(by) {
                    Some(known) => *known,
                    None => {
                        let found = match self.store().org_by_identity(by)? {
                            Some(org) => Some(org.id),
                            None => {
                                let users = match &user_identities {
                                    Some(map) => map,
                                    None => user_identities.insert(self.user_identity_orgs()?),
                                };
                                users.get(by).copied()
                            }
                        };
                        owners.insert(by.clone(), found);
                        found
                    }
                };
                let foreign_org = org_id.is_some_and(|id| id != p.org.id);
                if foreign_org || by == self.hub_identity_id() {
                    let message = format!(
                        "{}: property 'created_by_ref': {by} is the identity of another \
                         organisation on this hub or of one of its users; objects may only be \
                         attributed to the submitter's organisation ({}) or its users",
                        checked.id, p.org.identity_id
                    );
                    failures.push((i, failure(obj, &request_timestamp, message)));
                    continue;
                }
            }
            records.push(NewObject {
                collection_id: collection.id.clone(),
                id: checked.id,
                stix_type: checked.stix_type,
                spec_version: checked.spec_version,
                version: checked.version,
                json: obj.to_string(),
                tlp: checked.tlp,
                recipients: checked.recipients,
                created_by_ref: checked.created_by_ref,
                revoked: checked.revoked,
                submitter_user_id: p.user.id,
                submitter_org_id: p.org.id,
                // A created_by_ref naming a hub organisation can only name the submitter's
                // own organisation here, so the owner is always the submitter's organisation.
                owner_org_id: p.org.id,
            });
            record_index.push(i);
        }

        let outcomes = if records.is_empty() {
            Vec::new()
        } else {
            self.store().add_objects(&records)?
        };

        let mut successes: Vec<(usize, Value)> = Vec::with_capacity(records.len());
        for ((outcome, record), &i) in outcomes.into_iter().zip(&records).zip(&record_index) {
            let obj = objects.get(i).unwrap_or(&Value::Null);
            match outcome {
                Ok(AddOutcome::Added { date_added }) => {
                    let version =
                        version_text(obj).unwrap_or_else(|| stix::format_timestamp(date_added));
                    successes.push((i, json!({ "id": record.id, "version": version })));
                }
                Ok(AddOutcome::Unchanged { date_added }) => {
                    let version =
                        version_text(obj).unwrap_or_else(|| stix::format_timestamp(date_added));
                    successes.push((
                        i,
                        json!({
                            "id": record.id,
                            "version": version,
                            "message": "this version was already stored; nothing changed",
                        }),
                    ));
                }
                Err(store::StoreError::Backend(msg)) => {
                    return Err(HubError::Store(store::StoreError::Backend(msg)));
                }
                Err(e) => failures.push((i, failure(obj, &request_timestamp, e.to_string()))),
            }
        }
        failures.sort_by_key(|(i, _)| *i);
        let successes: Vec<Value> = successes.into_iter().map(|(_, v)| v).collect();
        let failures: Vec<Value> = failures.into_iter().map(|(_, v)| v).collect();

        let status_id = uuid::Uuid::new_v4().to_string();
        let status = json!({
            "id": status_id,
            "status": "complete",
            "request_timestamp": request_timestamp,
            "total_count": objects.len(),
            "success_count": successes.len(),
            "successes": successes,
            "failure_count": failures.len(),
            "failures": failures,
            "pending_count": 0,
            "pendings": [],
        });
        self.store().put_status(&Status {
            id: status_id,
            user_id: p.user.id,
            created: request_micros / 1_000_000,
            json: status.to_string(),
        })?;
        self.purge_old_statuses()?;
        Ok(status)
    }

    /// The organisation of every user identity on the hub.
    fn user_identity_orgs(&self) -> Result<HashMap<String, i64>, HubError> {
        Ok(self
            .store()
            .list_users(None)?
            .into_iter()
            .map(|u| (stix::user_identity_id(&u.username), u.org_id))
            .collect())
    }

    /// A status resource made by a user of the caller's organisation; `NotFound` otherwise.
    pub fn get_status(&self, p: &Principal, status_id: &str) -> Result<Value, HubError> {
        let not_found = || HubError::NotFound(format!("status '{status_id}'"));
        let Some(status) = self.store().get_status(status_id)? else {
            return Err(not_found());
        };
        let same_user = status.user_id == p.user.id;
        let same_org = same_user
            || self
                .store()
                .user_by_id(status.user_id)?
                .is_some_and(|u| u.org_id == p.org.id);
        if !same_org {
            return Err(not_found());
        }
        serde_json::from_str(&status.json).map_err(|e| {
            HubError::Store(store::StoreError::Backend(format!(
                "status '{status_id}' is not valid JSON: {e}"
            )))
        })
    }

    /// Purges statuses older than the retention, at most once every ten minutes.
    fn purge_old_statuses(&self) -> Result<(), HubError> {
        let now = now_secs();
        let last = self.inner.last_purge.load(Ordering::Relaxed);
        if now - last < PURGE_EVERY_SECS {
            return Ok(());
        }
        let swapped = self
            .inner
            .last_purge
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok();
        if swapped {
            self.store()
                .purge_statuses(now - self.config().status_retention_secs)?;
        }
        Ok(())
    }
}
