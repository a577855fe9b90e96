//! Ingest of STIX objects and the TAXII status resources it produces.

use crate::{Hub, HubError, Principal};

impl Hub {
    /// Validates and stores objects in a collection; returns the TAXII 2.1 status resource.
    pub fn add_objects(
        &self,
        _p: &Principal,
        _collection_id: &str,
        _objects: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value, HubError> {
        Err(HubError::Forbidden("ingest is not implemented yet".into()))
    }

    /// A status resource created by the caller's organisation.
    pub fn get_status(&self, _p: &Principal, status_id: &str) -> Result<serde_json::Value, HubError> {
        Err(HubError::NotFound(format!("status '{status_id}'")))
    }
}
