//! steerql's schema migrations, applied in order by [`Migrator`].

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_organisation;
pub mod m20261123_000001_integrity;
mod m20261123_000002_checkpoint_chain;
pub mod m20261124_000001_cases;
mod m20261125_000001_case_record_pages;
mod m20261130_000001_chain_head_follows;
mod m20261130_000002_nested_pages;
mod m20261203_000001_idempotent_results;
mod m20261203_000002_checkpoint_tree;
mod m20261203_000003_codes_per_committee;
mod m20261204_000001_merge_heirs;
pub mod m20261205_000001_dated_facts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_organisation::Migration),
            Box::new(m20261123_000001_integrity::Migration),
            Box::new(m20261123_000002_checkpoint_chain::Migration),
            Box::new(m20261124_000001_cases::Migration),
            Box::new(m20261125_000001_case_record_pages::Migration),
            Box::new(m20261130_000001_chain_head_follows::Migration),
            Box::new(m20261130_000002_nested_pages::Migration),
            Box::new(m20261203_000001_idempotent_results::Migration),
            Box::new(m20261203_000002_checkpoint_tree::Migration),
            Box::new(m20261203_000003_codes_per_committee::Migration),
            Box::new(m20261204_000001_merge_heirs::Migration),
            Box::new(m20261205_000001_dated_facts::Migration),
        ]
    }
}
