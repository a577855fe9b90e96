//! STIX 2.1 objects for rrm: validation, timestamps, deterministic identities, TLP 2.0 markings
//! and the access decision.
//!
//! This crate is a pure engine: it does no I/O and knows nothing of HTTP or SQL. Objects are
//! handled as `serde_json::Value` and never modified by validation, so whatever a partner sends
//! can be stored losslessly.
//!
//! - [`check_object`] validates one object against what the STIX 2.1 specification makes
//!   mandatory and reports every [`Problem`] at once, or returns what the hub needs to know
//!   ([`Checked`]: id, version, TLP, recipients, …).
//! - [`parse_timestamp`] / [`format_timestamp`] convert STIX timestamps to and from
//!   microseconds since the Unix epoch.
//! - [`org_identity_id`], [`user_identity_id`], [`identity_object`] and
//!   [`recipients_extension_definition`] give every hub the same identities and the same rrm
//!   recipients extension ([`RECIPIENTS_EXTENSION_ID`]).
//! - [`access::may_see`] is the one access decision; [`access::redact`] applies granular
//!   markings; [`access::exportable`] says what may leave the instance.
//!
//! ```
//! use serde_json::json;
//! use stix::access::{may_see, ObjectAccess, Reader};
//! use stix::{check_object, Tlp};
//!
//! let indicator = json!({
//!     "type": "indicator", "spec_version": "2.1",
//!     "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!     "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
//!     "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
//!     "valid_from": "2016-01-01T00:00:00Z",
//!     "object_marking_refs": [stix::TLP2_RED],
//! });
//! let checked = check_object(&indicator).unwrap();
//! assert_eq!(checked.tlp, Some(Tlp::Red));
//!
//! let identities = [stix::org_identity_id("ministry")];
//! let reader = Reader { user_id: 7, org_id: 1, identities: &identities, collection_readable: true };
//! let access = ObjectAccess {
//!     tlp: checked.tlp, collection_default: Tlp::Amber,
//!     recipients: &checked.recipients, submitter_user_id: 3,
//! };
//! // RED without being a recipient or the submitter: not visible.
//! assert!(!may_see(&reader, &access));
//!
//! let bad = json!({"type": "indicator", "id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"});
//! let problems = check_object(&bad).unwrap_err();
//! assert!(problems.iter().any(|p| p.to_string()
//!     == "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: property 'id': \
//!         the id prefix \"malware\" must equal the type \"indicator\""));
//! ```

pub mod access;
mod ids;
pub mod json;
pub mod pattern;
pub mod selector;
mod timestamp;
mod tlp;
mod validate;

pub use ids::*;
pub use timestamp::*;
pub use tlp::*;
pub use validate::*;
