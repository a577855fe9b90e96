//! store-sqlite: placeholder, filled in by its issue.
