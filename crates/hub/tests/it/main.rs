//! hub integration tests: one test binary, one module per area.

mod admin_auth;
mod audit;
mod ingest;
mod paging;
mod prop_access;
mod prop_accounts;
mod prop_numbers;
mod security;
mod tlp;
