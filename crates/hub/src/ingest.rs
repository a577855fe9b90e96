//! Ingest of STIX objects and the TAXII status resources it produces.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stix::access::{may_see, ObjectAccess, Reader};
use store::{AddOutcome, Collection, NewObject, ObjectQuery, Role, VersionFilter};

use crate::{now_micros, now_secs, Hub, HubError, Principal};

/// How many ids one lookup query names at most.
const LOOKUP_CHUNK: usize = 10_000;

/// How often statuses older than the retention are purged, in seconds.
const PURGE_EVERY_SECS: i64 = 600;

/// A TAXII 2.1 status resource (section 4.3.1), as `add_objects` answers and `get_status`
/// reads back. Field order is the order of the wire form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The status id (a UUID).
    pub id: String,
    /// Whether the request is done; ingest is synchronous, so always `complete`.
    pub status: StatusState,
    /// When the request was received.
    pub request_timestamp: String,
    /// How many objects the request carried.
    pub total_count: usize,
    /// How many were stored (or already known).
    pub success_count: usize,
    /// One entry per stored object, in request order.
    #[serde(default)]
    pub successes: Vec<StatusEntry>,
    /// How many were refused.
    pub failure_count: usize,
    /// One entry per refused object, in request order.
    #[serde(default)]
    pub failures: Vec<StatusEntry>,
    /// How many are still being processed; always 0.
    pub pending_count: usize,
    /// The objects still being processed; always empty.
    #[serde(default)]
    pub pendings: Vec<StatusEntry>,
}

impl std::fmt::Display for Status {
    /// The wire form (compact JSON).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&text)
    }
}

/// The state of a TAXII status resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    /// Every object has been processed.
    Complete,
    /// Some objects are still being processed.
    Pending,
}

/// One object of a status resource (TAXII 2.1 `status-details`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEntry {
    /// The object id (empty when the object had none).
    pub id: String,
    /// The object version.
    pub version: String,
    /// Why it failed, or a note on a success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The version of an object for a status or manifest: `modified`, else `created`.
pub(crate) fn version_text(obj: &Value) -> Option<String> {
    obj.get("modified")
        .or_else(|| obj.get("created"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Who a stored version is recorded for: the submitting user and organisation, and the
/// organisation that owns the object in its collection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Submitter {
    /// The submitting user (0 for the hub itself).
    pub(crate) user_id: i64,
    /// The submitting organisation.
    pub(crate) org_id: i64,
    /// The organisation that may add versions.
    pub(crate) owner_org_id: i64,
}

/// The store record of a checked object.
pub(crate) fn new_object(
    collection_id: &str,
    checked: stix::Checked,
    obj: &Value,
    by: Submitter,
) -> NewObject {
    NewObject {
        collection_id: collection_id.to_string(),
        id: checked.id,
        stix_type: checked.stix_type,
        spec_version: checked.spec_version,
        version: checked.version,
        json: obj.to_string(),
        tlp: checked.tlp,
        recipients: checked.recipients,
        created_by_ref: checked.created_by_ref,
        revoked: checked.revoked,
        submitter_user_id: by.user_id,
        submitter_org_id: by.org_id,
        owner_org_id: by.owner_org_id,
    }
}

/// Checks an object the hub made itself; a problem is an internal error naming `what`.
pub(crate) fn check_generated(obj: &Value, what: &str) -> Result<stix::Checked, HubError> {
    stix::check_object(obj).map_err(|problems| {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        HubError::broken(format!("{what} failed validation: {}", text.join("; ")))
    })
}

/// One failure entry of a status resource.
fn failure(obj: &Value, fallback_version: &str, message: String) -> StatusEntry {
    let id = obj.get("id").and_then(Value::as_str).unwrap_or("");
    let version = version_text(obj).unwrap_or_else(|| fallback_version.to_string());
    StatusEntry {
        id: id.to_string(),
        version,
        message: Some(message),
    }
}

impl Hub {
    /// Validates objects and stores the valid ones in a collection (one store transaction);
    /// returns the TAXII 2.1 status resource, which is also kept for `get_status`.
    ///
    /// Needs a write grant (`NotFound` without any access, `Forbidden` with read only) and the
    /// analyst or admin role. An object fails when `stix::check_object` finds problems, when
    /// its id is reserved for the hub's own objects (organisation and user identities, the
    /// hub identity, the recipients extension definition, TLP marking definitions), when it is
    /// a marking definition that claims a TLP level, when it references a marking that is
    /// neither a canonical TLP id nor a marking definition sent with it or stored in the
    /// collection, when its `created_by_ref` names another hub organisation's identity (or
    /// the hub's), when it is a new version of a TLP:RED object the submitter may not see,
    /// or when the store's versioning rules refuse it; the others are stored.
    pub fn add_objects(
        &self,
        p: &Principal,
        collection_id: &str,
        objects: Vec<Value>,
    ) -> Result<Status, HubError> {
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
        let mut failures: Vec<(usize, StatusEntry)> = Vec::new();
        let mut records: Vec<NewObject> = Vec::with_capacity(objects.len());
        let mut record_index: Vec<usize> = Vec::with_capacity(objects.len());
        // The hub organisation each created_by_ref names (through an organisation or a user
        // identity), if any.
        let mut owners: HashMap<String, Option<i64>> = HashMap::new();
        let mut user_identities: Option<HashMap<String, i64>> = None;
        // Objects that passed every per-object rule, with their input index; marking
        // references and RED versions are checked against the whole request next.
        let mut passed: Vec<(usize, stix::Checked)> = Vec::with_capacity(objects.len());
        // Built-in objects sent along, answered as successes without being stored.
        let mut acknowledged: Vec<(usize, StatusEntry)> = Vec::new();
        for (i, obj) in objects.iter().enumerate() {
            let checked = match stix::check_object(obj) {
                Ok(c) => c,
                Err(problems) => {
                    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                    failures.push((i, failure(obj, &request_timestamp, text.join("; "))));
                    continue;
                }
            };
            // The canonical TLP marking definitions, which partner bundles often carry along,
            // are built in: acknowledged, never stored.
            let builtin = stix::Tlp::from_marking_id(&checked.id);
            if builtin.is_some() && builtin == stix::defined_tlp_level(obj) {
                acknowledged.push((
                    i,
                    StatusEntry {
                        id: checked.id.clone(),
                        version: version_text(obj).unwrap_or_else(|| request_timestamp.clone()),
                        message: Some(
                            "this is a built-in TLP marking definition; the hub knows it \
                             already and stores nothing"
                                .to_string(),
                        ),
                    },
                ));
                continue;
            }
            if let Some(message) = self.reserved_id(&checked, &mut user_identities)? {
                failures.push((i, failure(obj, &request_timestamp, message)));
                continue;
            }
            if stix::marking_claims_tlp(obj) {
                let message = format!(
                    "{}: property 'definition_type': a marking definition that stands for a TLP \
                     level is refused; on this hub TLP levels are carried only by the canonical \
                     TLP 2.0 (and 1.0) marking-definition ids, which are built in: reference \
                     those instead",
                    checked.id
                );
                failures.push((i, failure(obj, &request_timestamp, message)));
                continue;
            }
            if let Some(by) = &checked.created_by_ref {
                let org_id = match owners.get(by) {
                    Some(known) => *known,
                    None => {
                        let found = match self.accounts().org_by_identity(by)? {
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
            passed.push((i, checked));
        }

        // Every marking an object references must be a canonical TLP id or a marking
        // definition the hub knows not to claim a TLP level: sent in this request, or stored
        // in this collection. Anything else is refused, never read as "unmarked".
        let sent: HashSet<String> = passed
            .iter()
            .filter(|(_, c)| c.stix_type == "marking-definition")
            .map(|(_, c)| c.id.clone())
            .collect();
        let wanted: Vec<String> = passed
            .iter()
            .flat_map(|(_, c)| c.other_markings.iter().map(|(_, m)| m.as_str()))
            .filter(|m| !sent.contains(*m))
            .collect::<HashSet<&str>>()
            .into_iter()
            .map(str::to_string)
            .collect();
        let stored = self.statement_markings(&collection, wanted)?;
        let submitter = Reader {
            user_id: p.user.id,
            org_id: p.org.id,
            identities: &p.identities,
            // The question is only whether a RED version is addressed to the submitter.
            collection_readable: true,
        };
        let hidden = self.hidden_red_versions(&collection, &submitter, &passed)?;
        for (i, checked) in passed {
            let obj = objects.get(i).unwrap_or(&Value::Null);
            let unknown: Vec<String> = checked
                .other_markings
                .iter()
                .filter(|(_, m)| !sent.contains(m.as_str()) && !stored.contains(m))
                .map(|(prop, m)| {
                    format!(
                        "{}: property '{prop}': {m} is neither a TLP marking (the canonical TLP \
                         2.0 or 1.0 marking-definition ids, in lower case) nor a marking \
                         definition sent with this object or stored in this collection; send \
                         its marking-definition first, or mark the object with a TLP id",
                        checked.id
                    )
                })
                .collect();
            if !unknown.is_empty() {
                failures.push((i, failure(obj, &request_timestamp, unknown.join("; "))));
                continue;
            }
            if hidden.contains(&checked.id) {
                let message = format!(
                    "{}: the stored version of this object is TLP:RED and not addressed to user \
                     '{}'; only its submitter or a named recipient may add versions of it",
                    checked.id, p.user.username
                );
                failures.push((i, failure(obj, &request_timestamp, message)));
                continue;
            }
            // A created_by_ref naming a hub organisation can only name the submitter's own
            // organisation here, so the owner is always the submitter's organisation.
            let by = Submitter {
                user_id: p.user.id,
                org_id: p.org.id,
                owner_org_id: p.org.id,
            };
            records.push(new_object(&collection.id, checked, obj, by));
            record_index.push(i);
        }

        let outcomes = if records.is_empty() {
            Vec::new()
        } else {
            self.objects().add_objects(&records)?
        };

        let mut successes: Vec<(usize, StatusEntry)> = Vec::with_capacity(records.len());
        for ((outcome, record), &i) in outcomes.into_iter().zip(&records).zip(&record_index) {
            let obj = objects.get(i).unwrap_or(&Value::Null);
            match outcome {
                Ok(AddOutcome::Added { date_added }) => {
                    let version =
                        version_text(obj).unwrap_or_else(|| stix::format_timestamp(date_added));
                    successes.push((
                        i,
                        StatusEntry {
                            id: record.id.clone(),
                            version,
                            message: None,
                        },
                    ));
                }
                Ok(AddOutcome::Unchanged { date_added }) => {
                    let version =
                        version_text(obj).unwrap_or_else(|| stix::format_timestamp(date_added));
                    successes.push((
                        i,
                        StatusEntry {
                            id: record.id.clone(),
                            version,
                            message: Some(
                                "this version was already stored; nothing changed".to_string(),
                            ),
                        },
                    ));
                }
                Err(store::StoreError::Backend(msg)) => {
                    return Err(HubError::Store(store::StoreError::Backend(msg)));
                }
                Err(e) => failures.push((i, failure(obj, &request_timestamp, e.to_string()))),
            }
        }
        successes.extend(acknowledged);
        successes.sort_by_key(|(i, _)| *i);
        failures.sort_by_key(|(i, _)| *i);
        let successes: Vec<StatusEntry> = successes.into_iter().map(|(_, v)| v).collect();
        let failures: Vec<StatusEntry> = failures.into_iter().map(|(_, v)| v).collect();

        let status = Status {
            id: uuid::Uuid::new_v4().to_string(),
            status: StatusState::Complete,
            request_timestamp,
            total_count: objects.len(),
            success_count: successes.len(),
            successes,
            failure_count: failures.len(),
            failures,
            pending_count: 0,
            pendings: Vec::new(),
        };
        let json = serde_json::to_string(&status).map_err(|e| {
            HubError::internal(format!("status '{}' could not be serialised", status.id), e)
        })?;
        self.objects().put_status(&store::Status {
            id: status.id.clone(),
            user_id: p.user.id,
            created: request_micros / 1_000_000,
            json,
        })?;
        self.purge_old_statuses()?;
        Ok(status)
    }

    /// Why an object's id is reserved for the hub's own objects, if it is: the hub identity,
    /// the rrm recipients extension definition, every TLP 1.0 and 2.0 marking definition,
    /// and the identities of the hub's organisations and users.
    fn reserved_id(
        &self,
        checked: &stix::Checked,
        user_identities: &mut Option<HashMap<String, i64>>,
    ) -> Result<Option<String>, HubError> {
        let id = checked.id.as_str();
        let what = if id == self.hub_identity_id() {
            Some("the hub's own identity")
        } else if id == stix::RECIPIENTS_EXTENSION_ID {
            Some("the rrm recipients extension definition")
        } else if stix::Tlp::from_marking_id(id).is_some() {
            Some("a built-in TLP marking definition")
        } else if checked.stix_type == "identity" {
            if self.accounts().org_by_identity(id)?.is_some() {
                Some("the identity of an organisation on this hub")
            } else {
                let users = match user_identities {
                    Some(map) => map,
                    None => user_identities.insert(self.user_identity_orgs()?),
                };
                users
                    .contains_key(id)
                    .then_some("the identity of a user on this hub")
            }
        } else {
            None
        };
        Ok(what.map(|what| {
            format!(
                "{id}: property 'id': this id is reserved: it is {what}, which only the hub \
                 itself publishes (in the directory collection); choose another id"
            )
        }))
    }

    /// Which of `ids` are marking definitions stored in the collection that do not claim a
    /// TLP level.
    fn statement_markings(
        &self,
        collection: &Collection,
        ids: Vec<String>,
    ) -> Result<HashSet<String>, HubError> {
        let mut known = HashSet::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            let query = ObjectQuery {
                collection_id: collection.id.clone(),
                ids: chunk.to_vec(),
                types: vec!["marking-definition".to_string()],
                versions: VersionFilter::all(),
                ..ObjectQuery::default()
            };
            self.objects().scan_objects(&query, &mut |row| {
                let claims = serde_json::from_str::<Value>(&row.json)
                    .map_or(true, |v| stix::marking_claims_tlp(&v));
                if !claims {
                    known.insert(row.id);
                }
                ControlFlow::Continue(())
            })?;
        }
        Ok(known)
    }

    /// The ids among `passed` whose last stored version in the collection was submitted by the
    /// submitter's organisation but is hidden from the submitter (TLP:RED, not addressed to
    /// them). Versions of other organisations' objects are left to the store's ownership rule.
    fn hidden_red_versions(
        &self,
        collection: &Collection,
        submitter: &Reader<'_>,
        passed: &[(usize, stix::Checked)],
    ) -> Result<HashSet<String>, HubError> {
        let ids: Vec<String> = passed
            .iter()
            .filter(|(_, c)| c.version.is_some())
            .map(|(_, c)| c.id.clone())
            .collect::<HashSet<String>>()
            .into_iter()
            .collect();
        let mut hidden = HashSet::new();
        for chunk in ids.chunks(LOOKUP_CHUNK) {
            let query = ObjectQuery {
                collection_id: collection.id.clone(),
                ids: chunk.to_vec(),
                ..ObjectQuery::default()
            };
            self.objects().scan_objects(&query, &mut |row| {
                let access = ObjectAccess {
                    tlp: row.tlp,
                    collection_default: collection.default_tlp,
                    recipients: &row.recipients,
                    submitter_user_id: row.submitter_user_id,
                };
                if row.version.is_some()
                    && row.submitter_org_id == submitter.org_id
                    && !may_see(submitter, &access)
                {
                    hidden.insert(row.id);
                }
                ControlFlow::Continue(())
            })?;
        }
        Ok(hidden)
    }

    /// The organisation of every user identity on the hub.
    fn user_identity_orgs(&self) -> Result<HashMap<String, i64>, HubError> {
        Ok(self
            .accounts()
            .list_users(None)?
            .into_iter()
            .map(|u| (stix::user_identity_id(&u.username), u.org_id))
            .collect())
    }

    /// A status resource made by a user of the caller's organisation; `NotFound` otherwise.
    pub fn get_status(&self, p: &Principal, status_id: &str) -> Result<Status, HubError> {
        let not_found = || HubError::NotFound(format!("status '{status_id}'"));
        let Some(status) = self.objects().get_status(status_id)? else {
            return Err(not_found());
        };
        let same_user = status.user_id == p.user.id;
        let same_org = same_user
            || self
                .accounts()
                .user_by_id(status.user_id)?
                .is_some_and(|u| u.org_id == p.org.id);
        if !same_org {
            return Err(not_found());
        }
        serde_json::from_str(&status.json)
            .map_err(|e| HubError::internal(format!("status '{status_id}' is not valid JSON"), e))
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
            self.objects()
                .purge_statuses(now - self.config().status_retention_secs)?;
        }
        Ok(())
    }
}
