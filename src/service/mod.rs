//! Services: one per aggregate. Each write loads and locks what it needs
//! (persistence), lets the domain rules decide, writes the change and appends
//! its audit entries, all in one transaction ([`crate::db::Db::write`]). The
//! GraphQL layer parses input and calls these; nothing else writes.

pub mod audit;
pub mod cases;
pub mod committees;
pub mod demo;
pub mod people;
pub mod positions;

use crate::error::{AppError, AppResult};

/// Refuses a write whose caller read an older version of the record.
fn check_version(what: &'static str, current: i64, expected: Option<i64>) -> AppResult<()> {
    match expected {
        Some(expected) if expected != current => Err(AppError::StaleVersion { what, current }),
        _ => Ok(()),
    }
}
