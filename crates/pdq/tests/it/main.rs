//! pdq integration tests: one test binary, one module per area.

mod errors;
mod index;
mod naive;
mod vectors;
