//! store-sqlite integration tests: one test binary, one module per area.

mod sqlite;
mod suite;
mod versions_model;
