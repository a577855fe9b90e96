//! The breaches service over a real hub on SQLite.

mod breaches;
