//! Checkpoints sign the root of a Merkle tree over the chain heads instead
//! of listing them (statement format v2): the heads are kept beside the
//! statement, readable by central auditors only, and a provincial auditor
//! proves its own chains against the signed root by their audit paths.
//! Checkpoints signed before keep their v1 statements.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE audit_checkpoint ADD COLUMN heads TEXT").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE audit_checkpoint DROP COLUMN heads").await?;
        Ok(())
    }
}
