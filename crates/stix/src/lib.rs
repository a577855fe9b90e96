//! STIX 2.1 objects for rrm: lossless storage form, validation, TLP 2.0 markings and the
//! access decision.
//!
//! This crate is a pure engine: it does no I/O and knows nothing of HTTP or SQL.
//!
//! ```
//! use stix::Tlp;
//! assert_eq!(Tlp::from_marking_id(stix::TLP2_RED), Some(Tlp::Red));
//! assert!(Tlp::Amber < Tlp::AmberStrict);
//! ```

mod tlp;

pub use tlp::*;
