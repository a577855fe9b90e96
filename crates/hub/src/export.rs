//! Export of a collection's objects for use outside this instance.

use crate::{ExportSummary, Hub, HubError, Principal, Tlp};

impl Hub {
    /// Emits the last version of every object the caller may see at or below `max_tlp`.
    pub fn export(
        &self,
        _p: &Principal,
        _collection: &str,
        _max_tlp: Tlp,
        _emit: &mut dyn FnMut(serde_json::Value),
    ) -> Result<ExportSummary, HubError> {
        Err(HubError::Forbidden("export is not implemented yet".into()))
    }
}
