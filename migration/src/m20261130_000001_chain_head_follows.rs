//! A chain's head row follows its newest entry inside the database: every
//! entry inserted must extend its chain's head (next number, previous hash
//! equal to the head's hash) and moves the head to itself, in the same
//! statement. The writer no longer updates heads itself (one statement less
//! inside every write's lock), and no writer, ours or another, can fork a
//! chain or leave its head behind.
//!
//! A chain without a head row (entries written before there were heads, or
//! outside steerql) is left alone: the signed checkpoints and the verifier
//! judge those.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
CREATE FUNCTION steerql_entry_moves_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_chain SET seq = NEW.seq, head = NEW.hash
     WHERE chain = NEW.chain AND seq = NEW.seq - 1 AND head = NEW.prev_hash;
    IF NOT FOUND AND EXISTS (SELECT 1 FROM audit_chain WHERE chain = NEW.chain) THEN
        RAISE EXCEPTION 'an entry must extend its chain''s head'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_audit_entry_extends_head', TABLE = 'audit_event';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tr_audit_entry_moves_head AFTER INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION steerql_entry_moves_head();
"#;

const POSTGRES_DOWN: &str = "DROP TRIGGER tr_audit_entry_moves_head ON audit_event; \
                             DROP FUNCTION steerql_entry_moves_head();";

const SQLITE_UP: &str = "CREATE TRIGGER tr_audit_entry_moves_head AFTER INSERT ON audit_event BEGIN \
    SELECT RAISE(ABORT, 'constraint failed: ck_audit_entry_extends_head') FROM audit_chain \
     WHERE chain = NEW.chain AND (seq <> NEW.seq - 1 OR head <> NEW.prev_hash); \
    UPDATE audit_chain SET seq = NEW.seq, head = NEW.hash WHERE chain = NEW.chain; \
    END";

const SQLITE_DOWN: &str = "DROP TRIGGER tr_audit_entry_moves_head";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        manager.get_connection().execute_unprepared(if postgres { POSTGRES_UP } else { SQLITE_UP }).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        manager.get_connection().execute_unprepared(if postgres { POSTGRES_DOWN } else { SQLITE_DOWN }).await?;
        Ok(())
    }
}
