//! The hub API the service crates (`banks`, `ads`, `detect`, `alerts`) build on: identity
//! lookups, grants, publication of objects a service generated itself, sealed search and list
//! cursors, and who may see a stored object.
//!
//! Each method keeps the hub's rules (the same checks as ingest, the same cursor key); none
//! hands out a store.

use std::collections::BTreeSet;

use serde_json::Value;
use store::{Access, AddOutcome, Collection, Org, Tlp, User};

use crate::read::{served_copy, SquatCheck};
use crate::{Hub, HubError, Principal};

impl Hub {
    /// Whether the store answers: one lookup of the directory collection. For health checks.
    pub fn check_health(&self) -> Result<(), HubError> {
        self.accounts().collection_by_slug(crate::DIRECTORY_SLUG)?;
        Ok(())
    }

    /// A collection by UUID or slug, whatever the grants; `NotFound` otherwise. For the local
    /// operator (the command line) and services that already hold a collection's UUID.
    pub fn find_collection(&self, id: &str) -> Result<Collection, HubError> {
        if let Some(c) = self.accounts().collection_by_id(id)? {
            return Ok(c);
        }
        if let Some(c) = self.accounts().collection_by_slug(id)? {
            return Ok(c);
        }
        Err(HubError::NotFound(format!("collection '{id}'")))
    }

    /// The access an organisation has to a collection (none without a grant).
    pub fn org_access(&self, org_id: i64, collection_id: &str) -> Result<Access, HubError> {
        Ok(self.accounts().grant(org_id, collection_id)?)
    }

    /// An organisation by its internal id.
    pub fn org_by_id(&self, id: i64) -> Result<Option<Org>, HubError> {
        Ok(self.accounts().org_by_id(id)?)
    }

    /// An organisation by slug.
    pub fn org_by_slug(&self, slug: &str) -> Result<Option<Org>, HubError> {
        Ok(self.accounts().org_by_slug(slug)?)
    }

    /// Every organisation, by slug (for services that name owners and contributors).
    pub fn orgs(&self) -> Result<Vec<Org>, HubError> {
        Ok(self.accounts().list_orgs()?)
    }

    /// A user by internal id (for services that name who did what).
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>, HubError> {
        Ok(self.accounts().user_by_id(id)?)
    }

    /// A user by username.
    pub fn user_by_name(&self, username: &str) -> Result<Option<User>, HubError> {
        Ok(self.accounts().user_by_name(username)?)
    }

    /// Stores objects a service generated itself in one transaction, each submitted by `p`
    /// and owned by the organisation paired with it (only the owner may add versions). Each
    /// object must pass `stix::check_object` (a failure is an internal error naming `what`);
    /// the store's versioning rules apply and their refusals come back per object, in order.
    pub fn publish_generated(
        &self,
        p: &Principal,
        collection_id: &str,
        what: &str,
        objects: &[(i64, Value)],
    ) -> Result<Vec<store::Result<AddOutcome>>, HubError> {
        let mut records = Vec::with_capacity(objects.len());
        for (owner_org_id, obj) in objects {
            let checked = crate::ingest::check_generated(obj, what)?;
            let by = crate::ingest::Submitter {
                user_id: p.user.id,
                org_id: p.org.id,
                owner_org_id: *owner_org_id,
            };
            records.push(crate::ingest::new_object(collection_id, checked, obj, by));
        }
        Ok(self.objects().add_objects(&records)?)
    }

    /// Deletes every stored version of these objects whose marking is less restrictive than
    /// `tlp` (an unmarked version counts as less restrictive), so that a service that raises
    /// the marking of objects it generated (a bank's indicators) leaves nobody the new marking
    /// excludes an older copy. The caller has checked that the objects are its own.
    pub fn delete_looser_versions(
        &self,
        collection_id: &str,
        ids: Vec<String>,
        tlp: Tlp,
    ) -> Result<(), HubError> {
        let query = store::ObjectQuery {
            collection_id: collection_id.to_string(),
            ids,
            versions: store::VersionFilter::all(),
            ..store::ObjectQuery::default()
        };
        let mut looser: Vec<(String, Option<i64>)> = Vec::new();
        // Revoked indicators (of disabled entries) whose revocation is at a looser marking
        // are deleted whole: deleting only some versions would leave an un-revoked object,
        // which the store refuses, and the object's state stays revoked.
        let mut whole: BTreeSet<String> = BTreeSet::new();
        self.objects().scan_objects(&query, &mut |o| {
            if o.tlp.is_none_or(|t| t < tlp) {
                let revoked = serde_json::from_str::<Value>(&o.json)
                    .ok()
                    .and_then(|v| v.get("revoked").and_then(Value::as_bool))
                    .unwrap_or(false);
                if revoked {
                    whole.insert(o.id.clone());
                }
                looser.push((o.id, o.version));
            }
            std::ops::ControlFlow::Continue(())
        })?;
        for id in &whole {
            self.objects()
                .delete_object(collection_id, id, &store::VersionFilter::all())?;
        }
        for (id, version) in looser.into_iter().filter(|(id, _)| !whole.contains(id)) {
            let Some(v) = version else { continue };
            let versions = store::VersionFilter {
                all: false,
                last: false,
                first: false,
                at: vec![v],
            };
            self.objects()
                .delete_object(collection_id, &id, &versions)?;
        }
        Ok(())
    }

    /// Seals a public ad-search cursor (the last ad id shown and the newest the search may
    /// show) with the hub's cursor key, bound to the search's filter fingerprint.
    pub fn encode_ads_cursor(
        &self,
        after: i64,
        upto: i64,
        fingerprint: &str,
    ) -> Result<String, HubError> {
        crate::cursor::encode_ads(&self.config().cursor_key, after, upto, fingerprint)
    }

    /// Opens a public ad-search cursor; `BadCursor` unless this hub sealed it for the same
    /// filters.
    pub fn decode_ads_cursor(
        &self,
        cursor: &str,
        fingerprint: &str,
    ) -> Result<(i64, i64), HubError> {
        crate::cursor::decode_ads(&self.config().cursor_key, cursor, fingerprint)
    }

    /// Seals a keyset cursor of a service's own list (the position after which the next page
    /// starts and a bound the list keeps) with the hub's cursor key, under the service's
    /// `domain` label (e.g. `alerts-inbox`) and bound to `fingerprint` (name the caller and the
    /// list in it), so a cursor opens only for the list and caller it was issued for.
    pub fn encode_list_cursor(
        &self,
        domain: &str,
        after: i64,
        upto: i64,
        fingerprint: &str,
    ) -> Result<String, HubError> {
        crate::cursor::encode_list(&self.config().cursor_key, domain, after, upto, fingerprint)
    }

    /// Opens a cursor of [`Hub::encode_list_cursor`]; `BadCursor` unless this hub sealed it
    /// under the same domain and fingerprint.
    pub fn decode_list_cursor(
        &self,
        domain: &str,
        cursor: &str,
        fingerprint: &str,
    ) -> Result<(i64, i64), HubError> {
        crate::cursor::decode_list(&self.config().cursor_key, domain, cursor, fingerprint)
    }

    /// Who may see the latest version of a stored object: `NotFound` unless the caller `p`
    /// may read the collection and see it (a collection or object it may not see is never told
    /// apart from a missing one); otherwise, for each organisation of `orgs` in order, whether
    /// that organisation may see it.
    ///
    /// An organisation is judged as a whole by the one access decision,
    /// `stix::access::may_see` (with redaction, as every read): its read grant on the
    /// collection, and for TLP:RED its identity among the object's recipients (naming one of
    /// its users is not enough, since the whole organisation is addressed; no user of it
    /// counts as the submitter).
    pub fn object_visibility(
        &self,
        p: &Principal,
        collection_id: &str,
        object_id: &str,
        orgs: &[Org],
    ) -> Result<ObjectVisibility, HubError> {
        let not_found = || {
            HubError::NotFound(format!(
                "object '{object_id}' in collection '{collection_id}'"
            ))
        };
        let (collection, access) = match self.collection_for(p, collection_id) {
            Ok(found) => found,
            Err(HubError::NotFound(_)) | Err(HubError::Forbidden(_)) => return Err(not_found()),
            Err(e) => return Err(e),
        };
        if !access.read {
            return Err(not_found());
        }
        let query = store::ObjectQuery {
            collection_id: collection.id.clone(),
            ids: vec![object_id.to_string()],
            ..store::ObjectQuery::default()
        };
        let mut rows = Vec::new();
        let mut squats = SquatCheck::new(self, &collection.id);
        let mut failure = None;
        self.objects().scan_objects(&query, &mut |row| {
            match squats.is_squat(&row) {
                Ok(false) => rows.push(row),
                Ok(true) => {}
                Err(e) => {
                    failure = Some(e);
                    return std::ops::ControlFlow::Break(());
                }
            }
            std::ops::ControlFlow::Continue(())
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        let sender = stix::access::Reader {
            user_id: p.user.id,
            org_id: p.org.id,
            identities: &p.identities,
            collection_readable: true,
        };
        let mut seen = None;
        for row in &rows {
            if let Some(v) = served_copy(row, &sender, &collection)? {
                seen = Some(v);
                break;
            }
        }
        let Some(copy) = seen else {
            return Err(not_found());
        };
        let stix_type = copy
            .get("type")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut visible_to = Vec::with_capacity(orgs.len());
        for org in orgs {
            let identities = [org.identity_id.clone()];
            let reader = stix::access::Reader {
                user_id: ORG_AS_WHOLE,
                org_id: org.id,
                identities: &identities,
                collection_readable: self.accounts().grant(org.id, &collection.id)?.read,
            };
            let mut may = false;
            for row in &rows {
                if served_copy(row, &reader, &collection)?.is_some() {
                    may = true;
                    break;
                }
            }
            visible_to.push(may);
        }
        Ok(ObjectVisibility {
            collection_id: collection.id,
            object_id: object_id.to_string(),
            stix_type,
            visible_to,
        })
    }
}

/// The reader user id of an organisation judged as a whole: no stored object has it as its
/// submitter (hub users have positive ids, the hub's own objects 0).
const ORG_AS_WHOLE: i64 = i64::MIN;

/// The answer of [`Hub::object_visibility`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectVisibility {
    /// The collection's UUID.
    pub collection_id: String,
    /// The object id.
    pub object_id: String,
    /// The object's STIX type.
    pub stix_type: String,
    /// For each organisation asked about, in order, whether it may see the object.
    pub visible_to: Vec<bool>,
}
