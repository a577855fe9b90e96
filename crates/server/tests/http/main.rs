//! Integration tests of the HTTP layer: the real router over the real hub on a SQLite file,
//! driven with `oneshot`, plus real sockets for `serve` (HTTP and HTTPS).

mod bad_input;
mod common;
mod logs;
mod rest;
mod serve;
mod taxii;
mod tlp;
