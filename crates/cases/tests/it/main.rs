//! The case service over a real hub on SQLite: visibility, lifecycles through the engine,
//! actions with approval, votes and DISARM response options.

mod actions;
mod audit;
mod common;
mod deadlines;
mod impacts;
mod lifecycle;
mod options;
mod prop;
mod share;
mod votes;
