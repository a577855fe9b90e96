//! The notices service over a real hub on SQLite.

mod fixtures;
mod notices;
