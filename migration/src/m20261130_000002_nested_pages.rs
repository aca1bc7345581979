//! Lists nested under a parent are paged by keyset per parent in SQL
//! (`Committee.children`, `Committee.agencies`, `Person.positions`): each
//! parent's page is one range of a `(parent, sort key, id)` index, however
//! many rows the parent has and however deep the page is. A person's seats
//! already have theirs (`ix_position_person_seats`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (old index, new index, table, new columns, old columns). The new indexes
/// take new names: SQLite checks a name against the schema a pooled
/// connection last read, so recreating one name right after dropping it (on
/// another connection) can be refused as "already exists". An index with no
/// old one is only added.
const INDEXES: [(Option<&str>, &str, &str, &str, &str); 2] = [
    (Some("ix_committee_parent"), "ix_committee_parent_code", "committee", "parent_id, code, id", "parent_id"),
    (None, "ix_agency_committee_id", "agency", "committee_id, id", ""),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, new, table, columns, _) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {new} ON \"{table}\" ({columns})")).await?;
            if let Some(old) = old {
                db.execute_unprepared(&format!("DROP INDEX {old}")).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, new, table, _, columns) in INDEXES {
            if let Some(old) = old {
                db.execute_unprepared(&format!("CREATE INDEX {old} ON \"{table}\" ({columns})")).await?;
            }
            db.execute_unprepared(&format!("DROP INDEX {new}")).await?;
        }
        Ok(())
    }
}
