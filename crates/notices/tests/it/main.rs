//! The notices service over a real hub on SQLite.

mod deadlines;
mod findings;
mod fixtures;
mod notices;
mod prop_access;
