//! The pages, one module per domain (named as the domain's service crate and routes), each
//! with the view structs its handler fills from the service calls and the functions that
//! render them. A page module never calls a service: it only renders what it is given.

pub mod account;
pub mod dashboard;
pub mod error;
pub mod login;
