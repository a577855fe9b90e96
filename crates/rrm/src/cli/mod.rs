//! The command-line commands, one module per domain: `accounts` (`rrm admin`), `objects`
//! (`rrm import`, `export`, `validate`), `banks` (`rrm hash`, `match`), `ads` (`rrm ads`) and
//! `detect` (`rrm detect`), `alerts` (`rrm alert`), `notify` (`rrm notify`). `serve`, `config`, `demo` and `open` stay at the crate root.

pub mod accounts;
pub mod ads;
pub mod alerts;
pub mod banks;
pub mod detect;
pub mod notify;
pub mod objects;
