//! The response engine's integration tests: rule tables, lifecycles, tally, deadlines.

mod action;
mod alert;
mod case;
mod common;
mod counters;
mod deadline;
mod notice;
mod notice_stats;
mod tables;
mod vote;
