//! steerql's persistence model: one sea-orm entity per table.
//!
//! These types mirror the database and nothing else. The GraphQL API has its
//! own output types (`steerql::graphql`), so a migration cannot silently change
//! the public schema.

pub mod agency;
pub mod audit_chain;
pub mod audit_checkpoint;
pub mod audit_event;
pub mod committee;
pub mod person;
pub mod position;
