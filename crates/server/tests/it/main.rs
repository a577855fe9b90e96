//! server integration tests, one binary: the real router over the real services on a SQLite
//! file, driven with `oneshot`, plus real sockets for `serve` (HTTP and HTTPS).

mod ads;
mod alerts;
mod bad_input;
mod banks;
mod common;
mod console;
mod detect;
mod logs;
mod openapi_responses;
mod rest;
mod serve;
mod taxii;
mod tlp;
