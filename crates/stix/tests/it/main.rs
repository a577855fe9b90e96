//! stix integration tests: one test binary, one module per area.

mod access;
mod disarm;
mod peer;
mod robust;
mod validate;
