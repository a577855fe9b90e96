//! The `rrm` command: server, admin and data tools in one binary.

fn main() {}
