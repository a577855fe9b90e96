//! Criterion benchmark of hub ingest and page reads (filled in with the implementation).

fn main() {}
