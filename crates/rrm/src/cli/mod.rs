//! The command-line commands, one module per domain: `accounts` (`rrm admin`), `objects`
//! (`rrm import`, `export`, `validate`), `banks` (`rrm hash`, `match`), `ads` (`rrm ads`),
//! `detect` (`rrm detect`) and `cases` (`rrm case`). `serve`, `config`, `demo` and `open` stay
//! at the crate root.

pub mod accounts;
pub mod ads;
pub mod banks;
pub mod cases;
pub mod detect;
pub mod objects;
