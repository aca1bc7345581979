//! Merges follow their chain. A committee merged into one that is later
//! merged again (A into B, then B into C) hands its matters to the end of
//! the chain: C's officials reach A's matters as they reach B's. Reach is
//! compiled into every query, so the end of the chain is a typed, indexed
//! column, `heir_id`, rather than a recursive walk in every statement: a
//! merge sets it on the merged committee and moves every committee whose
//! heir was the merged one to the new heir, in the same transaction (both
//! committees locked, so two merges along one chain run one after the other).
//!
//! A merged committee takes no new matters: a matter is registered with, or
//! assigned to, an active committee only. The database holds that rule too
//! (`ck_case_committee_active`); on PostgreSQL the check takes a share lock
//! on the committee, so a matter written while a merge of its committee is
//! in flight waits for the merge and is then refused.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::m20261123_000001_integrity::{RowRule, add_row_rules, drop_row_rules};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_ACTIVE: &str = r#"
CREATE FUNCTION steerql_case_committee_active() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A write that leaves the matter where it is (an update of a matter
    -- of a merged committee, which its heir handles) is not a move.
    IF TG_OP = 'UPDATE' AND NEW.monitoring_committee_id = OLD.monitoring_committee_id THEN
        RETURN NEW;
    END IF;
    PERFORM 1 FROM committee WHERE id = NEW.monitoring_committee_id AND status = 'ACTIVE' FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'a matter is registered with or assigned to an active committee'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_case_committee_active', TABLE = 'case_record';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tr_case_committee_active BEFORE INSERT OR UPDATE OF monitoring_committee_id ON case_record
    FOR EACH ROW EXECUTE FUNCTION steerql_case_committee_active();
"#;

const POSTGRES_ACTIVE_DOWN: &str = "DROP TRIGGER tr_case_committee_active ON case_record; \
                                    DROP FUNCTION steerql_case_committee_active();";

fn sqlite_active() -> String {
    let holds = "(SELECT status FROM committee WHERE id = NEW.monitoring_committee_id) IS 'ACTIVE'";
    let raise = "SELECT RAISE(ABORT, 'constraint failed: ck_case_committee_active')";
    [
        format!("CREATE TRIGGER ck_case_committee_active_ins BEFORE INSERT ON case_record WHEN NOT ({holds}) BEGIN {raise}; END"),
        format!(
            "CREATE TRIGGER ck_case_committee_active_upd BEFORE UPDATE OF monitoring_committee_id ON case_record \
             WHEN NEW.monitoring_committee_id IS NOT OLD.monitoring_committee_id AND NOT ({holds}) \
             BEGIN {raise}; END"
        ),
    ]
    .join(";\n")
}

const SQLITE_ACTIVE_DOWN: &str = "DROP TRIGGER ck_case_committee_active_ins; DROP TRIGGER ck_case_committee_active_upd";

fn rules() -> [RowRule; 1] {
    [RowRule {
        name: "ck_committee_heir",
        table: "committee",
        // A merged committee has an heir and only a merged one; never itself.
        holds: "(({r}successor_id IS NULL AND {r}heir_id IS NULL) OR ({r}successor_id IS NOT NULL \
                AND {r}heir_id IS NOT NULL AND {r}heir_id <> {r}id))"
            .into(),
    }]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        db.execute_unprepared(
            "ALTER TABLE committee ADD COLUMN heir_id bigint REFERENCES committee (id);\n\
             UPDATE committee SET heir_id = successor_id;\n\
             CREATE INDEX ix_committee_heir ON committee (heir_id)",
        )
        .await?;
        // Walk chains written before there were heirs to their ends, one
        // step per statement; a chain is at most as long as there are
        // committees, and a cycle (impossible through the API) is cut off.
        let committees: i64 = {
            let row = db
                .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                    manager.get_database_backend(),
                    "SELECT COUNT(*) AS n FROM committee",
                ))
                .await?;
            row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0)
        };
        for _ in 0..committees {
            let moved = db
                .execute_unprepared(
                    "UPDATE committee SET heir_id = (SELECT h.successor_id FROM committee h WHERE h.id = committee.heir_id) \
                     WHERE heir_id IN (SELECT id FROM committee WHERE successor_id IS NOT NULL)",
                )
                .await?;
            if moved.rows_affected() == 0 {
                break;
            }
        }
        add_row_rules(db, postgres, &rules()).await?;
        if postgres {
            db.execute_unprepared(POSTGRES_ACTIVE).await?;
        } else {
            db.execute_unprepared(&sqlite_active()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        db.execute_unprepared(if postgres { POSTGRES_ACTIVE_DOWN } else { SQLITE_ACTIVE_DOWN }).await?;
        drop_row_rules(db, postgres, &[("ck_committee_heir", "committee")]).await?;
        db.execute_unprepared("DROP INDEX ix_committee_heir").await?;
        db.execute_unprepared("ALTER TABLE committee DROP COLUMN heir_id").await?;
        Ok(())
    }
}
