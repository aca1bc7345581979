//! A matter's code, and an agency's number for it, are unique among the
//! matters one committee registered, no longer across the country: a code
//! or number taken in another province must not be refused as taken, which
//! told the caller that a matter outside its reach exists.
//!
//! SQLite cannot drop the inline `UNIQUE` on `case_record.code` without
//! rebuilding the table, so the unique column is renamed `code_key` and
//! holds `<registering committee id>/<code>`, and `code` is added again as a
//! plain column. The registering committee (the one monitoring a matter
//! when it was registered) is a typed column of its own, on the matter and
//! on each of its references.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::m20261123_000001_integrity::{RowRule, add_row_rules, drop_row_rules};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        // The length rule names `code`; after the rename it would hold for the key.
        drop_row_rules(db, postgres, &[("ck_case_code", "case_record")]).await?;
        let mut sql = vec!["ALTER TABLE case_record RENAME COLUMN code TO code_key"];
        if postgres {
            sql.push("ALTER TABLE case_record ALTER COLUMN code_key TYPE varchar(100)");
        }
        sql.extend([
            "ALTER TABLE case_record ADD COLUMN code varchar(64) NOT NULL DEFAULT ''",
            "ALTER TABLE case_record ADD COLUMN registered_by_committee_id bigint REFERENCES committee (id)",
            "UPDATE case_record SET code = code_key, registered_by_committee_id = monitoring_committee_id",
            "UPDATE case_record SET code_key = CAST(registered_by_committee_id AS TEXT) || '/' || code",
            "ALTER TABLE case_reference ADD COLUMN registered_by_committee_id bigint REFERENCES committee (id)",
            "UPDATE case_reference SET registered_by_committee_id = \
             (SELECT registered_by_committee_id FROM case_record WHERE case_record.id = case_reference.case_id)",
            // New names: SQLite checks a name against the schema a pooled
            // connection last read (see the case record pages migration).
            "DROP INDEX ix_case_committee",
            "CREATE INDEX ix_case_committee_code ON case_record (monitoring_committee_id, code, id)",
            "CREATE INDEX ix_case_code ON case_record (code, id)",
            "DROP INDEX ux_case_reference",
            "CREATE UNIQUE INDEX ux_case_reference_registered \
             ON case_reference (agency_id, number, registered_by_committee_id)",
        ]);
        if postgres {
            sql.push("ALTER TABLE case_record ALTER COLUMN code DROP DEFAULT");
        }
        // One batch, so one connection: a pooled SQLite connection that has
        // not read the schema since the rename would still see `code` and
        // refuse to add it.
        db.execute_unprepared(&sql.join(";\n")).await?;
        let rules = [
            RowRule {
                name: "ck_case_code_fits",
                table: "case_record",
                holds: "length({r}code) BETWEEN 1 AND 64".into(),
            },
            RowRule {
                name: "ck_case_code_key",
                table: "case_record",
                holds: "{r}registered_by_committee_id IS NOT NULL \
                        AND {r}code_key = CAST({r}registered_by_committee_id AS TEXT) || '/' || {r}code"
                    .into(),
            },
        ];
        add_row_rules(db, postgres, &rules).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Codes may now repeat across committees: there is no way back to one
        // national namespace that keeps every matter.
        Err(DbErr::Migration("codes per committee cannot be made national again".into()))
    }
}
