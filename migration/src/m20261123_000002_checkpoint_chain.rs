//! Checkpoints form one chain (each signs the hash of the one before). With
//! several instances signing on one database, two could sign after the same
//! checkpoint and fork that chain; a unique `prev` makes the second insert
//! fail, so the database keeps the chain linear whatever the instances do.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Nullable: checkpoints signed before this migration keep their
        // `prev` inside the signed statement only (NULLs never collide).
        manager
            .alter_table(
                Table::alter()
                    .table("audit_checkpoint")
                    .add_column(ColumnDef::new("prev").string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_audit_checkpoint_prev")
                    .table("audit_checkpoint")
                    .col("prev")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ux_audit_checkpoint_prev").table("audit_checkpoint").to_owned()).await?;
        manager.alter_table(Table::alter().table("audit_checkpoint").drop_column("prev").to_owned()).await
    }
}
