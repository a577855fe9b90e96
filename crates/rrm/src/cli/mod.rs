//! The command-line commands, one module per domain: `accounts` (`rrm admin`), `objects`
//! (`rrm import`, `export`, `validate`), `banks` (`rrm hash`, `match`), `ads` (`rrm ads`),
//! `detect` (`rrm detect`), `alerts` (`rrm alert`), `breaches` (`rrm breach`), `notify` (`rrm notify`), `cases`
//! (`rrm case`), `notices` (`rrm notice`) and `audit` (`rrm audit`). `serve`, `config`, `demo` and `open` stay at the
//! crate root.

pub mod accounts;
pub mod ads;
pub mod alerts;
pub mod audit;
pub mod banks;
pub mod breaches;
pub mod cases;
pub mod detect;
pub mod notices;
pub mod notify;
pub mod objects;
