//! Objects: the `ObjectStore` storage contract for STIX object versions and TAXII statuses.

use std::ops::ControlFlow;

use crate::{AddOutcome, NewObject, ObjectQuery, Result, Status, StoredObject, VersionFilter};

/// The objects domain: STIX object versions and TAXII statuses.
///
/// Every method is one transaction: it either happens completely or not at all, and a
/// method that returns `Ok` has made its writes durable.
pub trait ObjectStore: Send + Sync + 'static {
    // STIX objects.

    /// Adds one object version to a collection, applying the versioning rules of that
    /// collection atomically: an identical (id, version) already there gives
    /// `AddOutcome::Unchanged` and stores nothing; the same (id, version) with other content
    /// gives `VersionConflict`; a new version of an object first stored in the collection by
    /// another organisation gives `NotOwner`; any new version (older or newer) of an object
    /// revoked in the collection gives `Revoked`. Unversioned objects (`version: None`,
    /// cyber-observables) are owned by nobody: each submitting organisation has its own copy,
    /// to which the identical/conflict rules apply. `date_added` is assigned by the store and
    /// strictly increases within a collection.
    fn add_object(&self, obj: &NewObject) -> Result<AddOutcome>;
    /// Adds many versions in one transaction, returning one outcome per input in order.
    /// Per-object rule failures are reported in the outcome vector and do not abort the
    /// others; only a storage failure returns `Err` (and then nothing was written).
    fn add_objects(&self, objs: &[NewObject]) -> Result<Vec<Result<AddOutcome>>>;
    /// Streams the object versions that match `query`, in (`date_added`, `seq`) order,
    /// starting strictly after `query.after`. The visitor returns `Break` to stop early.
    fn scan_objects(
        &self,
        query: &ObjectQuery,
        visit: &mut dyn FnMut(StoredObject) -> ControlFlow<()>,
    ) -> Result<()>;
    /// Deletes the versions of object `id` in a collection selected by `versions`; returns
    /// how many were deleted. Revocation is final: a selection that includes a revoked version
    /// but leaves other versions gives `Revoked` and deletes nothing; deleting every version
    /// is allowed, and the object stays revoked (no version is accepted after it).
    fn delete_object(&self, collection_id: &str, id: &str, versions: &VersionFilter)
        -> Result<u64>;
    /// Deletes organisation `org_id`'s copy of the unversioned object `id` (a cyber-observable)
    /// in a collection; returns how many rows were deleted (0 or 1).
    fn delete_copy(&self, collection_id: &str, id: &str, org_id: i64) -> Result<u64>;
    /// Counts the object versions in a collection.
    fn count_objects(&self, collection_id: &str) -> Result<u64>;

    // TAXII statuses.

    /// Stores (or replaces) a status resource.
    fn put_status(&self, status: &Status) -> Result<()>;
    /// Reads a status resource.
    fn get_status(&self, id: &str) -> Result<Option<Status>>;
    /// Deletes statuses created before `before` (seconds); returns how many.
    fn purge_statuses(&self, before: i64) -> Result<u64>;
}
