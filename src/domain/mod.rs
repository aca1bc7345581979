//! Domain rules in plain Rust: who may do what (roles, reach, permissions),
//! what a valid committee, person or position is. No GraphQL, HTTP or SQL here,
//! so the rules can be tested alone and reused by any transport.

pub mod input;
pub mod org;
pub mod permissions;
pub mod principal;

pub use permissions::{Operation, RootRule};
pub use principal::{Grant, Principal, PrincipalKind, Reach, Role};
