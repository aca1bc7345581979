//! steerql's persistence model: one sea-orm entity per table.
//!
//! These types mirror the database and nothing else. The GraphQL API has its
//! own output types (`steerql::graphql`), so a migration cannot silently change
//! the public schema.

pub mod agency;
pub mod audit_chain;
pub mod audit_checkpoint;
pub mod audit_event;
pub mod case_committee;
pub mod case_loss;
pub mod case_record;
pub mod case_reference;
pub mod case_step;
pub mod committee;
pub mod defendant;
pub mod defendant_step;
pub mod disciplinary_action;
pub mod idempotency_key;
pub mod person;
pub mod position;
pub mod recovery;
