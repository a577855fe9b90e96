//! ads integration tests: one test binary, one module per area.

mod ads;
mod prop_ad_authorities;
mod prop_ads;
