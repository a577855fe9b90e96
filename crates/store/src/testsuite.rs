//! The shared store test suite (placeholder while it is written).
