//! Access-filtered, redacted reads with paging cursors.

use crate::{Hub, HubError, ManifestPage, ObjectFilter, ObjectPage, Principal, VersionsPage};

impl Hub {
    /// A page of the objects of a collection the caller may see.
    pub fn get_objects(
        &self,
        _p: &Principal,
        _collection_id: &str,
        _f: &ObjectFilter,
        _limit: Option<usize>,
        _next: Option<&str>,
    ) -> Result<ObjectPage, HubError> {
        Err(HubError::Forbidden("reads are not implemented yet".into()))
    }

    /// A page of manifest records of the objects the caller may see.
    pub fn get_manifest(
        &self,
        _p: &Principal,
        _collection_id: &str,
        _f: &ObjectFilter,
        _limit: Option<usize>,
        _next: Option<&str>,
    ) -> Result<ManifestPage, HubError> {
        Err(HubError::Forbidden("reads are not implemented yet".into()))
    }

    /// A page of the versions of one object the caller may see; `NotFound` if none.
    pub fn get_object(
        &self,
        _p: &Principal,
        _collection_id: &str,
        _object_id: &str,
        _f: &ObjectFilter,
        _limit: Option<usize>,
        _next: Option<&str>,
    ) -> Result<ObjectPage, HubError> {
        Err(HubError::Forbidden("reads are not implemented yet".into()))
    }

    /// A page of the version timestamps of one object the caller may see.
    pub fn get_versions(
        &self,
        _p: &Principal,
        _collection_id: &str,
        _object_id: &str,
        _f: &ObjectFilter,
        _limit: Option<usize>,
        _next: Option<&str>,
    ) -> Result<VersionsPage, HubError> {
        Err(HubError::Forbidden("reads are not implemented yet".into()))
    }

    /// Deletes versions of an object the caller's organisation owns.
    pub fn delete_object(
        &self,
        _p: &Principal,
        _collection_id: &str,
        _object_id: &str,
        _versions: &store::VersionFilter,
    ) -> Result<u64, HubError> {
        Err(HubError::Forbidden("delete is not implemented yet".into()))
    }
}
