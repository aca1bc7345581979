//! Services: one per aggregate. Each write loads and locks what it needs
//! (persistence), lets the domain rules decide, writes the change and appends
//! its audit entries, all in one transaction ([`crate::db::Db::write`]). The
//! GraphQL layer parses input and calls these; nothing else writes.

pub mod audit;
pub mod cases;
pub mod committees;
pub mod demo;
pub mod idempotency;
pub mod people;
pub mod positions;
pub mod statistics;

use crate::domain::{Operation, Principal, Reach};
use crate::error::{AppError, AppResult};

/// The committees `actor`'s roles for `op` reach; `FORBIDDEN` when no role
/// of theirs grants it. Every write asks here, whoever calls it (the API,
/// the command line, a test).
pub fn reach(actor: &Principal, op: Operation) -> AppResult<Reach> {
    let reach = actor.reach_for(op.allowed_roles());
    if reach.is_empty() {
        return Err(AppError::Forbidden(format!("operation {} is not granted to this caller", op.name())));
    }
    Ok(reach)
}

/// Refuses a write whose caller read an older version of the record.
fn check_version(what: &'static str, current: i64, expected: Option<i64>) -> AppResult<()> {
    match expected {
        Some(expected) if expected != current => Err(AppError::StaleVersion { what, current }),
        _ => Ok(()),
    }
}
