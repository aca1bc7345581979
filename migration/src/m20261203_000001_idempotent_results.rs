//! A repeat of a write sent with an idempotency key answers with the first
//! result as it was then, not with the record as it is now: the record
//! written is kept with the key (as JSON, evidence of one answer, never
//! queried), in the write's own transaction.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Keys claimed before this version have no stored result and expire
        // within a day; a repeat of one is answered as a conflict.
        manager.get_connection().execute_unprepared("ALTER TABLE idempotency_key ADD COLUMN first_result TEXT").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE idempotency_key DROP COLUMN first_result").await?;
        Ok(())
    }
}
