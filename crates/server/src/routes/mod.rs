//! The HTTP routes, one module per domain, named as the domain's service crate and CLI module:
//!
//! - `accounts`: the REST administration API (orgs, users, tokens, audit, collections, grants);
//! - `objects`: REST object reads; `taxii`: TAXII 2.1, the objects domain's protocol;
//! - `banks`: hash banks;
//! - `ads`: the ad registry, with its public archive under `/public/` in `ads::public`
//!   (a domain's sub-area is a submodule of the domain's file);
//! - `detect`: coordination detection;
//! - `alerts`: alerts between partners and groups of organisations.
//! - `notify`: notifications (webhooks, e-mail contacts, deliveries).
//! - `cases`: response cases, their actions and votes.
//! - `breaches`: breach and personal-data-misuse reports.
//! - `notices`: notices to platforms and ISPs, their decisions and appeals.
//! - `audit`: the verifiable audit log's checkpoints, key and proofs.

pub(crate) mod accounts;
pub(crate) mod ads;
pub(crate) mod alerts;
pub(crate) mod audit;
pub(crate) mod banks;
pub(crate) mod breaches;
pub(crate) mod cases;
pub(crate) mod detect;
pub(crate) mod notices;
pub(crate) mod notify;
pub(crate) mod objects;
pub(crate) mod taxii;
