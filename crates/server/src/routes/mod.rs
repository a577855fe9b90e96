//! The HTTP routes, one module per domain: `accounts` (the REST administration API),
//! `taxii` (the objects domain's protocol), `banks`, `ads` (the registry; its public archive
//! under `/public/` is the submodule `ads::public`) and `detect`.

pub(crate) mod accounts;
pub(crate) mod ads;
pub(crate) mod banks;
pub(crate) mod detect;
pub(crate) mod taxii;
