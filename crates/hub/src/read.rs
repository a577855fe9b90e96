//! Access-filtered, redacted reads (objects, manifest, object by id, versions) with paging
//! cursors, and delete.

use std::ops::ControlFlow;

use serde_json::Value;
use stix::access::{effective_tlp, may_see, redact, ObjectAccess, Reader};
use store::{Collection, ObjectQuery, Position, Role, StoredObject, Tlp, VersionFilter};

use crate::cursor::{self, Binding};
use crate::ingest::version_text;
use crate::{
    Hub, HubError, ManifestEntry, ManifestPage, ObjectFilter, ObjectPage, Principal, VersionsPage,
};

/// Rows a page scan may look at beyond the page limit before it stops and hands out a cursor
/// (so a caller who may see little of a large collection cannot make one request scan it all).
const SCAN_BUDGET: usize = 5_000;

/// The media type of manifest records.
const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// Turns a visible stored row into a page item, or `None` when it must be withheld.
type RowMap<'m, T> = dyn FnMut(&StoredObject, &Reader<'_>) -> Result<Option<T>, HubError> + 'm;

/// A raw page: visible items with their `date_added`, and the paging state.
struct RawPage<T> {
    items: Vec<(i64, T)>,
    more: bool,
    next: Option<String>,
}

impl<T> RawPage<T> {
    fn first_added(&self) -> Option<i64> {
        self.items.first().map(|(d, _)| *d)
    }

    fn last_added(&self) -> Option<i64> {
        self.items.last().map(|(d, _)| *d)
    }
}

/// The redacted copy of a stored object the reader may be served, or `None`.
pub(crate) fn served_copy(
    row: &StoredObject,
    reader: &Reader<'_>,
    collection: &Collection,
) -> Result<Option<Value>, HubError> {
    Ok(served_copy_at(row, reader, collection)?.map(|(v, _)| v))
}

/// The redacted copy of a stored object the reader may be served with the TLP level that
/// governs it, or `None`.
///
/// The level is the stored one, raised to whatever the object's own `object_marking_refs`
/// say when those are read case-insensitively: rows stored before identifiers had to be lower
/// case may carry an upper-case TLP id that was then recorded as "unmarked".
pub(crate) fn served_copy_at(
    row: &StoredObject,
    reader: &Reader<'_>,
    collection: &Collection,
) -> Result<Option<(Value, Tlp)>, HubError> {
    let mut access = ObjectAccess {
        tlp: row.tlp,
        collection_default: collection.default_tlp,
        recipients: &row.recipients,
        submitter_user_id: row.submitter_user_id,
    };
    if !may_see(reader, &access) {
        return Ok(None);
    }
    let value: Value = stix::json::from_str(&row.json).map_err(|e| {
        HubError::internal(
            format!(
                "stored object {} in collection {} is not valid JSON",
                row.id, row.collection_id
            ),
            e,
        )
    })?;
    let own = value
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .and_then(|refs| {
            refs.iter()
                .filter_map(|r| r.as_str().and_then(Tlp::from_marking_id))
                .max()
        });
    if own > access.tlp {
        access.tlp = own;
        if !may_see(reader, &access) {
            return Ok(None);
        }
    }
    let level = effective_tlp(access.tlp, access.collection_default);
    Ok(redact(&value, reader, &access).map(|v| (v, level)))
}

/// Recognises partner copies of an organisation's identity outside the directory: an
/// identity posted under an id before the organisation existed (the id is reserved from then
/// on). They are never served, so the directory copy is the only one readers see.
pub(crate) struct SquatCheck<'h> {
    hub: &'h Hub,
    in_directory: bool,
    seen: std::collections::HashMap<String, bool>,
}

impl<'h> SquatCheck<'h> {
    pub(crate) fn new(hub: &'h Hub, collection_id: &str) -> SquatCheck<'h> {
        SquatCheck {
            hub,
            in_directory: collection_id == hub.directory_id(),
            seen: std::collections::HashMap::new(),
        }
    }

    /// Whether this row is such a copy.
    pub(crate) fn is_squat(&mut self, row: &StoredObject) -> Result<bool, HubError> {
        if self.in_directory || row.stix_type != "identity" {
            return Ok(false);
        }
        if let Some(known) = self.seen.get(&row.id) {
            return Ok(*known);
        }
        let squat = self.hub.accounts().org_by_identity(&row.id)?.is_some();
        self.seen.insert(row.id.clone(), squat);
        Ok(squat)
    }
}

impl Hub {
    /// The collection for a read: `NotFound` without any access, `Forbidden` with write only.
    fn readable_collection(&self, p: &Principal, id: &str) -> Result<Collection, HubError> {
        let (collection, access) = self.collection_for(p, id)?;
        if !access.read {
            return Err(HubError::Forbidden(format!(
                "organisation '{}' may write to collection '{}' but not read it",
                p.org.slug, collection.id
            )));
        }
        Ok(collection)
    }

    /// The page size to use: the caller's limit capped at `max_page`.
    fn page_limit(&self, limit: Option<usize>) -> Result<usize, HubError> {
        match limit {
            Some(0) => Err(HubError::invalid("limit", "must be a positive integer")),
            Some(n) => Ok(n.min(self.config().max_page)),
            None => Ok(self.config().max_page),
        }
    }

    /// Scans one page of visible rows: `map` turns a visible row into an item, or `None` when
    /// it must be withheld.
    fn scan_page<T>(
        &self,
        p: &Principal,
        query: ObjectQuery,
        binding: &Binding<'_>,
        limit: Option<usize>,
        next: Option<&str>,
        map: &mut RowMap<'_, T>,
    ) -> Result<RawPage<T>, HubError> {
        let limit = self.page_limit(limit)?;
        let key = &self.config().cursor_key;
        let after = next.map(|c| cursor::decode(key, c, binding)).transpose()?;
        let query = ObjectQuery { after, ..query };
        let reader = Reader {
            user_id: p.user.id,
            org_id: p.org.id,
            identities: &p.identities,
            collection_readable: true,
        };
        let budget = limit.saturating_add(SCAN_BUDGET);
        let mut items: Vec<(i64, T)> = Vec::new();
        let mut last_item: Option<Position> = None;
        let mut last_scanned: Option<Position> = None;
        let mut scanned = 0usize;
        let mut more = false;
        let mut resume_at_scanned = false;
        let mut failure: Option<HubError> = None;
        let mut squats = SquatCheck::new(self, &query.collection_id);
        self.objects().scan_objects(&query, &mut |row| {
            scanned += 1;
            let pos = Position {
                date_added: row.date_added,
                seq: row.seq,
            };
            last_scanned = Some(pos);
            let mapped = match squats.is_squat(&row) {
                Ok(true) => Ok(None),
                Ok(false) => map(&row, &reader),
                Err(e) => Err(e),
            };
            match mapped {
                Err(e) => {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
                Ok(Some(item)) => {
                    if items.len() == limit {
                        // One more visible row exists after a full page.
                        more = true;
                        return ControlFlow::Break(());
                    }
                    items.push((row.date_added, item));
                    last_item = Some(pos);
                }
                Ok(None) => {}
            }
            if scanned >= budget {
                more = true;
                resume_at_scanned = items.len() < limit;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        let next = if more {
            let resume = if resume_at_scanned {
                last_scanned
            } else {
                last_item.or(last_scanned)
            };
            match resume {
                Some(pos) => Some(cursor::encode(key, pos, binding)?),
                None => None,
            }
        } else {
            None
        };
        Ok(RawPage {
            more: more && next.is_some(),
            items,
            next,
        })
    }

    /// A page of the objects of a collection the caller may see, redacted, in
    /// (`date_added`, `seq`) order.
    pub fn get_objects(
        &self,
        p: &Principal,
        collection_id: &str,
        f: &ObjectFilter,
        limit: Option<usize>,
        next: Option<&str>,
    ) -> Result<ObjectPage, HubError> {
        let collection = self.readable_collection(p, collection_id)?;
        let binding = Binding {
            user_id: p.user.id,
            collection_id: &collection.id,
            endpoint: "objects",
            object_id: None,
            filter: f,
        };
        let query = query_of(&collection, f);
        let page = self.scan_page(p, query, &binding, limit, next, &mut |row, r| {
            served_copy(row, r, &collection)
        })?;
        Ok(object_page(page))
    }

    /// A page of manifest records of the objects the caller may see.
    pub fn get_manifest(
        &self,
        p: &Principal,
        collection_id: &str,
        f: &ObjectFilter,
        limit: Option<usize>,
        next: Option<&str>,
    ) -> Result<ManifestPage, HubError> {
        let collection = self.readable_collection(p, collection_id)?;
        let binding = Binding {
            user_id: p.user.id,
            collection_id: &collection.id,
            endpoint: "manifest",
            object_id: None,
            filter: f,
        };
        let query = query_of(&collection, f);
        let page = self.scan_page(p, query, &binding, limit, next, &mut |row, r| {
            Ok(served_copy(row, r, &collection)?.map(|obj| ManifestEntry {
                id: row.id.clone(),
                date_added: row.date_added,
                version: version_text(&obj)
                    .unwrap_or_else(|| stix::format_timestamp(row.date_added)),
                media_type: STIX_MEDIA_TYPE.to_string(),
            }))
        })?;
        Ok(ManifestPage {
            first_added: page.first_added(),
            last_added: page.last_added(),
            objects: page.items.into_iter().map(|(_, e)| e).collect(),
            more: page.more,
            next: page.next,
        })
    }

    /// A page of the versions of one object that the caller may see (selected by the
    /// filter's version, spec version and `added_after`); `NotFound` when a first page finds
    /// nothing.
    pub fn get_object(
        &self,
        p: &Principal,
        collection_id: &str,
        object_id: &str,
        f: &ObjectFilter,
        limit: Option<usize>,
        next: Option<&str>,
    ) -> Result<ObjectPage, HubError> {
        let collection = self.readable_collection(p, collection_id)?;
        let binding = Binding {
            user_id: p.user.id,
            collection_id: &collection.id,
            endpoint: "object",
            object_id: Some(object_id),
            filter: f,
        };
        let mut query = query_of(&collection, f);
        query.ids = vec![object_id.to_string()];
        query.types = Vec::new();
        let page = self.scan_page(p, query, &binding, limit, next, &mut |row, r| {
            served_copy(row, r, &collection)
        })?;
        if page.items.is_empty() && !page.more && next.is_none() {
            return Err(HubError::NotFound(format!("object '{object_id}'")));
        }
        Ok(object_page(page))
    }

    /// A page of the version timestamps of one object that the caller may see; `NotFound`
    /// when a first page finds nothing. The filter's version, id and type selectors do not
    /// apply (TAXII's versions endpoint lists every version).
    pub fn get_versions(
        &self,
        p: &Principal,
        collection_id: &str,
        object_id: &str,
        f: &ObjectFilter,
        limit: Option<usize>,
        next: Option<&str>,
    ) -> Result<VersionsPage, HubError> {
        let collection = self.readable_collection(p, collection_id)?;
        let binding = Binding {
            user_id: p.user.id,
            collection_id: &collection.id,
            endpoint: "versions",
            object_id: Some(object_id),
            filter: f,
        };
        let query = ObjectQuery {
            collection_id: collection.id.clone(),
            after: None,
            added_after: f.added_after,
            ids: vec![object_id.to_string()],
            types: Vec::new(),
            spec_versions: f.spec_versions.clone(),
            versions: VersionFilter::all(),
        };
        let page = self.scan_page(p, query, &binding, limit, next, &mut |row, r| {
            Ok(served_copy(row, r, &collection)?.map(|obj| {
                version_text(&obj).unwrap_or_else(|| stix::format_timestamp(row.date_added))
            }))
        })?;
        if page.items.is_empty() && !page.more && next.is_none() {
            return Err(HubError::NotFound(format!("object '{object_id}'")));
        }
        Ok(VersionsPage {
            first_added: page.first_added(),
            last_added: page.last_added(),
            versions: page.items.into_iter().map(|(_, v)| v).collect(),
            more: page.more,
            next: page.next,
        })
    }

    /// Deletes the selected versions of an object; returns how many were deleted.
    ///
    /// Needs a write grant and the analyst or admin role, and only the organisation that owns
    /// the object may delete it. An object the caller cannot see is `NotFound`.
    pub fn delete_object(
        &self,
        p: &Principal,
        collection_id: &str,
        object_id: &str,
        versions: &VersionFilter,
    ) -> Result<u64, HubError> {
        let (collection, access) = self.collection_for(p, collection_id)?;
        if !access.write || !access.read {
            return Err(HubError::Forbidden(format!(
                "organisation '{}' needs read and write access to collection '{}' to delete",
                p.org.slug, collection.id
            )));
        }
        if p.user.role == Role::Reader {
            return Err(HubError::Forbidden(format!(
                "user '{}' has the reader role; deleting needs analyst or admin",
                p.user.username
            )));
        }
        let query = ObjectQuery {
            collection_id: collection.id.clone(),
            ids: vec![object_id.to_string()],
            spec_versions: vec![],
            versions: versions.clone(),
            ..ObjectQuery::default()
        };
        let reader = Reader {
            user_id: p.user.id,
            org_id: p.org.id,
            identities: &p.identities,
            collection_readable: true,
        };
        let mut visible = 0usize;
        let mut foreign = false;
        let mut versioned = false;
        let mut own_copy = false;
        let mut failure: Option<HubError> = None;
        self.objects().scan_objects(&query, &mut |row| {
            match served_copy(&row, &reader, &collection) {
                Ok(Some(_)) => visible += 1,
                Ok(None) => {}
                Err(e) => {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
            }
            let mine = row.submitter_org_id == p.org.id;
            if row.version.is_some() {
                versioned = true;
                foreign |= !mine;
            } else {
                // Observables are one copy per organisation: other copies are not in the way.
                own_copy |= mine;
            }
            ControlFlow::Continue(())
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        if visible == 0 {
            return Err(HubError::NotFound(format!("object '{object_id}'")));
        }
        if !versioned {
            if !own_copy {
                return Err(HubError::Forbidden(format!(
                    "{object_id}: your organisation has no copy of this object here; each \
                     organisation may delete only its own copy"
                )));
            }
            return Ok(self
                .objects()
                .delete_copy(&collection.id, object_id, p.org.id)?);
        }
        if foreign {
            return Err(HubError::Forbidden(format!(
                "{object_id} belongs to another organisation; only its owner may delete it"
            )));
        }
        match self
            .objects()
            .delete_object(&collection.id, object_id, versions)
        {
            Ok(n) => Ok(n),
            Err(store::StoreError::Revoked { .. }) => Err(HubError::Forbidden(format!(
                "{object_id} is revoked in this collection and revocation is final: the \
                 revoking version may not be deleted"
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

/// The store query of a filter on a collection.
fn query_of(collection: &Collection, f: &ObjectFilter) -> ObjectQuery {
    ObjectQuery {
        collection_id: collection.id.clone(),
        after: None,
        added_after: f.added_after,
        ids: f.ids.clone(),
        types: f.types.clone(),
        spec_versions: f.spec_versions.clone(),
        versions: f.versions.clone(),
    }
}

/// An object page from a raw page.
fn object_page(page: RawPage<Value>) -> ObjectPage {
    ObjectPage {
        first_added: page.first_added(),
        last_added: page.last_added(),
        objects: page.items.into_iter().map(|(_, v)| v).collect(),
        more: page.more,
        next: page.next,
    }
}
