//! Integrity at scale:
//! - the organisation's invariants as database constraints, so a second
//!   instance or a direct SQL write cannot break them (PostgreSQL: CHECK and
//!   exclusion constraints and trigger functions; SQLite, which cannot add
//!   constraints to a table, triggers that raise the same constraint names);
//! - a `version` on every changeable record, for optimistic concurrency;
//! - a stored precedence rank on seats, so a committee's seats page by index;
//! - the audit trail split into one hash chain per committee, with chain
//!   heads, signed checkpoints, and (PostgreSQL) a refusal to update or delete.
//!
//! The value lists below are this migration's: a later value needs a later
//! migration. `steerql`'s tests check they equal the domain's enums.

use entity::audit_event::{self, GENESIS};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IntoActiveModel, QueryOrder, Set,
};

pub const COMMITTEE_LEVELS: &[&str] = &["CENTRAL", "PROVINCIAL"];
pub const COMMITTEE_STATUSES: &[&str] = &["ACTIVE", "MERGED", "DISSOLVED"];
/// In order of precedence: the rank stored with a seat is the index here.
pub const SEAT_ROLES: &[&str] = &["HEAD", "STANDING_DEPUTY_HEAD", "DEPUTY_HEAD", "MEMBER"];
pub const SINGLE_SEAT_ROLES: &[&str] = &["HEAD", "STANDING_DEPUTY_HEAD"];
pub const AGENCY_KINDS: &[&str] =
    &["ADVISORY", "POLICE", "PROCURACY", "COURT", "INSPECTORATE", "STATE_AUDIT", "PARTY_INSPECTION"];
pub const ACTOR_KINDS: &[&str] = &["PERSON", "SERVICE"];
pub const AUDIT_ACTIONS: &[&str] = &[
    "committee.create",
    "committee.update",
    "committee.merge",
    "person.create",
    "person.update",
    "position.appoint",
    "position.update",
    "position.end",
];
pub const AUDIT_ENTITIES: &[&str] = &["Committee", "Agency", "Person", "Position"];

/// A rule on one row: its name (what a violation reports), table, and the
/// condition every row must meet.
pub(crate) struct RowRule {
    pub name: &'static str,
    pub table: &'static str,
    pub holds: String,
}

/// Adds `rules`: CHECK constraints on PostgreSQL, triggers on SQLite (which
/// cannot add a constraint to an existing table).
pub(crate) async fn add_row_rules(
    db: &SchemaManagerConnection<'_>,
    postgres: bool,
    rules: &[RowRule],
) -> Result<(), DbErr> {
    if postgres {
        for rule in rules {
            db.execute_unprepared(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
                rule.table,
                rule.name,
                rule.holds.replace("{r}", "")
            ))
            .await?;
        }
    } else {
        for rule in rules {
            for (event, suffix) in [("INSERT", "ins"), ("UPDATE", "upd")] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name}_{suffix} BEFORE {event} ON {table} WHEN NOT ({holds}) \
                     BEGIN SELECT RAISE(ABORT, 'constraint failed: {name}'); END",
                    name = rule.name,
                    table = rule.table,
                    holds = rule.holds.replace("{r}", "NEW."),
                ))
                .await
                .map_err(|e| DbErr::Migration(format!("{}: {e}", rule.name)))?;
            }
        }
    }
    Ok(())
}

/// Removes rules [`add_row_rules`] added, to add them again changed.
pub(crate) async fn drop_row_rules(
    db: &SchemaManagerConnection<'_>,
    postgres: bool,
    rules: &[(&str, &str)],
) -> Result<(), DbErr> {
    for (name, table) in rules {
        if postgres {
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).await?;
        } else {
            db.execute_unprepared(&format!("DROP TRIGGER {name}_ins")).await?;
            db.execute_unprepared(&format!("DROP TRIGGER {name}_upd")).await?;
        }
    }
    Ok(())
}

pub(crate) fn one_of(column: &str, values: &[&str]) -> String {
    let list: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    format!("{column} IN ({})", list.join(", "))
}

fn row_rules() -> Vec<RowRule> {
    // `{r}` stands for the row: nothing in a CHECK constraint, `NEW.` in a trigger.
    let rule = |name, table, holds: String| RowRule { name, table, holds };
    vec![
        rule("ck_committee_level", "committee", one_of("{r}level", COMMITTEE_LEVELS)),
        rule("ck_committee_status", "committee", one_of("{r}status", COMMITTEE_STATUSES)),
        rule("ck_committee_ended", "committee", "{r}ended_on IS NULL OR {r}ended_on > {r}established_on".into()),
        rule("ck_committee_code", "committee", "length({r}code) BETWEEN 2 AND 32 AND {r}code = upper({r}code)".into()),
        rule("ck_agency_kind", "agency", one_of("{r}kind", AGENCY_KINDS)),
        rule("ck_position_role", "position", one_of("{r}role", SEAT_ROLES)),
        rule("ck_position_term", "position", "{r}end_on IS NULL OR {r}end_on >= {r}start_on".into()),
        rule("ck_audit_actor_kind", "audit_event", one_of("{r}actor_kind", ACTOR_KINDS)),
        rule("ck_audit_action", "audit_event", one_of("{r}action", AUDIT_ACTIONS)),
        rule("ck_audit_entity", "audit_event", one_of("{r}entity", AUDIT_ENTITIES)),
        rule("ck_audit_seq", "audit_event", "{r}seq >= 1".into()),
    ]
}

fn rank_expression() -> String {
    let whens: Vec<String> = SEAT_ROLES.iter().enumerate().map(|(i, r)| format!("WHEN '{r}' THEN {i}")).collect();
    // An unknown role ranks last; `ck_position_role` refuses it by name.
    format!("CASE role {} ELSE 99 END", whens.join(" "))
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let postgres = backend == DatabaseBackend::Postgres;
        for table in ["committee", "person", "position"] {
            db.execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN version BIGINT NOT NULL DEFAULT 1")).await?;
        }
        let rank = rank_expression();
        if postgres {
            db.execute_unprepared(&format!(
                "ALTER TABLE position ADD COLUMN role_rank SMALLINT NOT NULL GENERATED ALWAYS AS ({rank}) STORED"
            ))
            .await?;
        } else {
            db.execute_unprepared(&format!(
                "ALTER TABLE position ADD COLUMN role_rank INTEGER NOT NULL GENERATED ALWAYS AS ({rank}) VIRTUAL"
            ))
            .await?;
        }
        // Seats of a committee in precedence order, and of a person by date.
        db.execute_unprepared(
            "CREATE INDEX ix_position_precedence ON position (committee_id, role_rank, start_on, id)",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX ix_position_person_seats ON position (person_id, start_on, id)").await?;
        // Seats held on a day: `COALESCE(end_on, '9999-12-31') >= day` is one
        // index range (an open term ends never), where `end_on IS NULL OR
        // end_on >= day` is not, on SQLite.
        let open_end = if postgres { "COALESCE(end_on, '9999-12-31'::date)" } else { "COALESCE(end_on, '9999-12-31')" };
        db.execute_unprepared(&format!(
            "CREATE INDEX ix_position_held ON position (committee_id, ({open_end}), start_on)"
        ))
        .await?;
        db.execute_unprepared("DROP INDEX ix_position_person").await?;

        audit_chains(manager).await?;

        let rules = row_rules();
        if postgres {
            postgres_constraints(db, &rules).await?;
        } else {
            sqlite_constraints(db, &rules).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The audit trail is rehashed into per-committee chains on the way
        // up; there is no faithful way back.
        Err(DbErr::Migration("the integrity migration cannot be reverted".into()))
    }
}

/// Adds `chain` and `seq`, rehashes the existing entries into one chain per
/// committee (the old single chain would not verify against the new rule),
/// and creates the chain heads and the checkpoints.
async fn audit_chains(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    db.execute_unprepared("ALTER TABLE audit_event ADD COLUMN chain VARCHAR(64) NOT NULL DEFAULT ''").await?;
    db.execute_unprepared("ALTER TABLE audit_event ADD COLUMN seq BIGINT NOT NULL DEFAULT 1").await?;
    manager
        .create_table(
            Table::create()
                .table("audit_chain")
                .col(ColumnDef::new("chain").string_len(64).not_null().primary_key())
                .col(ColumnDef::new("seq").big_integer().not_null())
                .col(ColumnDef::new("head").string_len(64).not_null())
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table("audit_checkpoint")
                .col(ColumnDef::new("id").big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new("at").timestamp_with_time_zone().not_null())
                .col(ColumnDef::new("public_key").string_len(64).not_null())
                .col(ColumnDef::new("statement").text().not_null())
                .col(ColumnDef::new("signature").string_len(128).not_null())
                .to_owned(),
        )
        .await?;

    let mut heads: std::collections::BTreeMap<String, (i64, String)> = Default::default();
    let rows = audit_event::Entity::find().order_by_asc(audit_event::Column::Id).all(db).await?;
    for row in rows {
        let chain = row.committee_id.map(audit_event::committee_chain).unwrap_or_else(|| "global".to_owned());
        let (seq, prev) = heads.get(&chain).cloned().unwrap_or((0, GENESIS.to_owned()));
        let payload = serde_json::from_str(&row.payload)
            .map(|v| audit_event::canonical_json(&v))
            .unwrap_or_else(|_| row.payload.clone());
        let mut entry = audit_event::Model { chain: chain.clone(), seq: seq + 1, prev_hash: prev, payload, ..row };
        entry.hash = entry.compute_hash();
        heads.insert(chain, (entry.seq, entry.hash.clone()));
        let mut active = entry.clone().into_active_model();
        active.chain = Set(entry.chain);
        active.seq = Set(entry.seq);
        active.prev_hash = Set(entry.prev_hash);
        active.payload = Set(entry.payload);
        active.hash = Set(entry.hash);
        active.update(db).await?;
    }
    for (chain, (seq, head)) in heads {
        entity::audit_chain::ActiveModel { chain: Set(chain), seq: Set(seq), head: Set(head) }.insert(db).await?;
    }
    db.execute_unprepared("CREATE UNIQUE INDEX ux_audit_chain_seq ON audit_event (chain, seq)").await?;
    Ok(())
}

async fn postgres_constraints(db: &SchemaManagerConnection<'_>, rules: &[RowRule]) -> Result<(), DbErr> {
    add_row_rules(db, true, rules).await?;
    // btree_gist lets one exclusion constraint compare ids by equality and
    // terms by overlap; it is a trusted extension (no superuser needed).
    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS btree_gist").await?;
    db.execute_unprepared(&format!(
        "ALTER TABLE position ADD CONSTRAINT ex_position_single_seat EXCLUDE USING gist \
         (committee_id WITH =, role WITH =, daterange(start_on, end_on, '[]') WITH &&) WHERE ({})",
        one_of("role", SINGLE_SEAT_ROLES)
    ))
    .await?;
    db.execute_unprepared(
        "ALTER TABLE position ADD CONSTRAINT ex_position_person_seat EXCLUDE USING gist \
         (committee_id WITH =, person_id WITH =, daterange(start_on, end_on, '[]') WITH &&)",
    )
    .await?;
    // A seat lies within its committee's life. The committee row is locked
    // (FOR SHARE) while a seat is written, so a concurrent change to the
    // committee's dates waits for the seat's transaction and then sees it.
    db.execute_unprepared(
        r#"
CREATE FUNCTION steerql_seat_within_committee() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    founded date;
    ended date;
BEGIN
    SELECT established_on, ended_on INTO founded, ended FROM committee WHERE id = NEW.committee_id FOR SHARE;
    IF NEW.start_on < founded OR (ended IS NOT NULL AND COALESCE(NEW.end_on, 'infinity'::date) >= ended) THEN
        RAISE EXCEPTION 'a seat must lie within its committee''s life'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_position_within_committee', TABLE = 'position';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tr_position_within_committee BEFORE INSERT OR UPDATE OF committee_id, start_on, end_on
    ON position FOR EACH ROW EXECUTE FUNCTION steerql_seat_within_committee();

CREATE FUNCTION steerql_committee_covers_seats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM position p WHERE p.committee_id = NEW.id AND (p.start_on < NEW.established_on
               OR (NEW.ended_on IS NOT NULL AND COALESCE(p.end_on, 'infinity'::date) >= NEW.ended_on))) THEN
        RAISE EXCEPTION 'a committee''s life must cover its seats'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_committee_covers_seats', TABLE = 'committee';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tr_committee_covers_seats BEFORE UPDATE OF established_on, ended_on
    ON committee FOR EACH ROW EXECUTE FUNCTION steerql_committee_covers_seats();

CREATE FUNCTION steerql_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'tr_audit_append_only';
END $$;
CREATE TRIGGER tr_audit_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION steerql_append_only();
CREATE TRIGGER tr_audit_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION steerql_append_only();
CREATE TRIGGER tr_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION steerql_append_only();
"#,
    )
    .await?;
    Ok(())
}

/// SQLite triggers raise the constraint's name as the error message, which
/// `steerql::db::constraints` maps like PostgreSQL's constraint names.
async fn sqlite_constraints(db: &SchemaManagerConnection<'_>, rules: &[RowRule]) -> Result<(), DbErr> {
    let raise = |name: &str| format!("SELECT RAISE(ABORT, 'constraint failed: {name}')");
    add_row_rules(db, false, rules).await?;
    let overlaps = "p.id IS NOT NEW.id AND p.committee_id = NEW.committee_id \
        AND p.start_on <= COALESCE(NEW.end_on, '9999-12-31') AND NEW.start_on <= COALESCE(p.end_on, '9999-12-31')";
    let single = one_of("NEW.role", SINGLE_SEAT_ROLES);
    for (event, suffix) in [("INSERT", "ins"), ("UPDATE", "upd")] {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER ex_position_single_seat_{suffix} BEFORE {event} ON position \
             WHEN {single} AND EXISTS (SELECT 1 FROM position p WHERE {overlaps} AND p.role = NEW.role) \
             BEGIN {}; END",
            raise("ex_position_single_seat")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER ex_position_person_seat_{suffix} BEFORE {event} ON position \
             WHEN EXISTS (SELECT 1 FROM position p WHERE {overlaps} AND p.person_id = NEW.person_id) \
             BEGIN {}; END",
            raise("ex_position_person_seat")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE TRIGGER ck_position_within_committee_{suffix} BEFORE {event} ON position \
             WHEN EXISTS (SELECT 1 FROM committee c WHERE c.id = NEW.committee_id AND (NEW.start_on < c.established_on \
                  OR (c.ended_on IS NOT NULL AND COALESCE(NEW.end_on, '9999-12-31') >= c.ended_on))) \
             BEGIN {}; END",
            raise("ck_position_within_committee")
        ))
        .await?;
    }
    db.execute_unprepared(&format!(
        "CREATE TRIGGER ck_committee_covers_seats_upd BEFORE UPDATE OF established_on, ended_on ON committee \
         WHEN EXISTS (SELECT 1 FROM position p WHERE p.committee_id = NEW.id AND (p.start_on < NEW.established_on \
              OR (NEW.ended_on IS NOT NULL AND COALESCE(p.end_on, '9999-12-31') >= NEW.ended_on))) \
         BEGIN {}; END",
        raise("ck_committee_covers_seats")
    ))
    .await?;
    for (table, event) in [
        ("audit_event", "UPDATE"),
        ("audit_event", "DELETE"),
        ("audit_checkpoint", "UPDATE"),
        ("audit_checkpoint", "DELETE"),
    ] {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER tr_{table}_append_only_{} BEFORE {event} ON {table} BEGIN {}; END",
            event.to_lowercase(),
            raise("tr_audit_append_only")
        ))
        .await?;
    }
    Ok(())
}
