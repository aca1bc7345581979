//! A matter's disciplinary actions and recoveries are read in pages by
//! date (`Case.disciplinaryActions`, `Case.recoveries`): each page is one
//! range of a `(case_id, date, id)` index, however many came before it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (old index, new index, table, date column). The new indexes take new
/// names: SQLite checks a name against the schema a pooled connection last
/// read, so recreating one name right after dropping it (on another
/// connection) can be refused as "already exists".
const INDEXES: [(&str, &str, &str, &str); 2] = [
    ("ix_discipline_case", "ix_discipline_case_date", "disciplinary_action", "decided_on"),
    ("ix_recovery_case", "ix_recovery_case_date", "recovery", "recovered_on"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, new, table, date) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {new} ON {table} (case_id, {date}, id)")).await?;
            db.execute_unprepared(&format!("DROP INDEX {old}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, new, table, _) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {old} ON {table} (case_id, id)")).await?;
            db.execute_unprepared(&format!("DROP INDEX {new}")).await?;
        }
        Ok(())
    }
}
