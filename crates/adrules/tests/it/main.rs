//! adrules integration tests: one test binary, one module per area.

mod common;
mod props;
mod samples;
mod scenarios;
mod validation;
