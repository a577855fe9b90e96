//! coord integration tests: one test binary, one module per area.

mod cancel;
mod model;
