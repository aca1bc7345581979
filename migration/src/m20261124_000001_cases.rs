//! Cases and incidents: the matters committees monitor, their defendants,
//! references issued by other agencies, disciplinary actions, recoveries,
//! and the idempotency keys of writes. Every closed value set and every rule
//! a concurrent writer could break is a database rule here (CHECK or
//! trigger, UNIQUE, foreign keys), like the integrity migration's.
//!
//! The value lists are this migration's; `steerql`'s tests check they equal
//! the domain's enums.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

use crate::m20261123_000001_integrity::{RowRule, add_row_rules, drop_row_rules, one_of};

pub const CASE_KINDS: &[&str] = &["CASE", "INCIDENT"];
pub const MONITORING_STATES: &[&str] = &["PROPOSED", "UNDER_MONITORING", "MONITORING_ENDED", "DECLINED"];
pub const INCIDENT_STATES: &[&str] = &["VERIFICATION", "CONCLUDED", "TRANSFERRED_TO_INVESTIGATION"];
pub const CASE_STATES: &[&str] = &[
    "PROSECUTED",
    "INVESTIGATION",
    "INDICTMENT",
    "FIRST_INSTANCE_TRIAL",
    "APPEAL_TRIAL",
    "SENTENCE_EXECUTION",
    "CLOSED",
    "SUSPENDED",
    "DISMISSED",
];
pub const CASE_FIELDS: &[&str] = &[
    "LAND",
    "BANKING",
    "HEALTH",
    "PROCUREMENT",
    "EDUCATION",
    "ENERGY",
    "INFRASTRUCTURE",
    "NATURAL_RESOURCES",
    "PUBLIC_FINANCE",
    "OTHER",
];
pub const CASE_SOURCES: &[&str] = &["INSPECTION", "AUDIT", "DENUNCIATION", "PRESS", "INVESTIGATION", "OTHER"];
pub const DEFENDANT_STATUSES: &[&str] = &["PROSECUTED", "INDICTED", "CONVICTED", "ACQUITTED", "FLED_TRIED_IN_ABSENTIA"];
pub const DISCIPLINE_SUBJECTS: &[&str] = &["ORGANISATION", "INDIVIDUAL"];
pub const DISCIPLINE_FORMS: &[&str] = &["REPRIMAND", "WARNING", "DISMISSAL", "EXPULSION"];
pub const AUDIT_ACTIONS: &[&str] = &[
    "committee.create",
    "committee.update",
    "committee.merge",
    "person.create",
    "person.update",
    "position.appoint",
    "position.update",
    "position.end",
    "case.create",
    "case.update",
    "case.transition",
    "case.assign",
    "case.reference",
    "defendant.add",
    "defendant.update",
    "discipline.record",
    "recovery.record",
];
pub const AUDIT_ENTITIES: &[&str] =
    &["Committee", "Agency", "Person", "Position", "Case", "Defendant", "DisciplinaryAction", "Recovery"];

fn rules() -> Vec<RowRule> {
    let rule = |name, table, holds: String| RowRule { name, table, holds };
    let procedure = format!(
        "({r}kind = 'CASE' AND {cases}) OR ({r}kind = 'INCIDENT' AND {incidents})",
        r = "{r}",
        cases = one_of("{r}procedure_state", CASE_STATES),
        incidents = one_of("{r}procedure_state", INCIDENT_STATES),
    );
    vec![
        rule("ck_case_kind", "case_record", one_of("{r}kind", CASE_KINDS)),
        rule("ck_case_field", "case_record", one_of("{r}field", CASE_FIELDS)),
        rule("ck_case_source", "case_record", one_of("{r}source", CASE_SOURCES)),
        rule("ck_case_monitoring_state", "case_record", one_of("{r}monitoring_state", MONITORING_STATES)),
        rule("ck_case_procedure_state", "case_record", procedure),
        rule(
            "ck_case_suspended",
            "case_record",
            "({r}procedure_state = 'SUSPENDED' AND {r}suspended_from IS NOT NULL) \
             OR ({r}procedure_state <> 'SUSPENDED' AND {r}suspended_from IS NULL)"
                .into(),
        ),
        rule(
            "ck_case_amounts",
            "case_record",
            "({r}loss_amount IS NULL OR {r}loss_amount >= 0) AND {r}recovered_amount >= 0".into(),
        ),
        rule("ck_case_code", "case_record", "length({r}code) BETWEEN 1 AND 64".into()),
        rule("ck_defendant_status", "defendant", one_of("{r}status", DEFENDANT_STATUSES)),
        rule("ck_discipline_subject", "disciplinary_action", one_of("{r}subject_kind", DISCIPLINE_SUBJECTS)),
        rule("ck_discipline_form", "disciplinary_action", one_of("{r}form", DISCIPLINE_FORMS)),
        rule("ck_recovery_amount", "recovery", "{r}amount > 0".into()),
        rule("ck_audit_action", "audit_event", one_of("{r}action", AUDIT_ACTIONS)),
        rule("ck_audit_entity", "audit_event", one_of("{r}entity", AUDIT_ENTITIES)),
    ]
}

pub(crate) fn fk(from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(Alias::new(from.0), Alias::new(from.1)).to(Alias::new(to.0), Alias::new(to.1)).to_owned()
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        let a = Alias::new;
        manager
            .create_table(
                Table::create()
                    .table(a("case_record"))
                    .col(big_pk_auto(a("id")))
                    .col(string_len(a("kind"), 16))
                    .col(string_len_uniq(a("code"), 64))
                    .col(string_len(a("title"), 300))
                    .col(string_len(a("search_text"), 400))
                    .col(text(a("summary")))
                    .col(string_len(a("field"), 32))
                    .col(boolean(a("public_concern")))
                    .col(boolean(a("non_state_sector")))
                    .col(string_len(a("source"), 32))
                    .col(big_integer_null(a("loss_amount")))
                    .col(big_integer(a("recovered_amount")).default(0))
                    .col(big_integer(a("monitoring_committee_id")))
                    .col(big_integer_null(a("assigning_committee_id")))
                    .col(big_integer_null(a("handling_agency_id")))
                    .col(string_len(a("monitoring_state"), 32))
                    .col(string_len(a("procedure_state"), 32))
                    .col(string_len_null(a("suspended_from"), 32))
                    .col(boolean(a("in_absentia")).default(false))
                    .col(big_integer_null(a("origin_case_id")))
                    .col(date(a("opened_on")))
                    .col(big_integer(a("version")).default(1))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .foreign_key(&mut fk(("case_record", "monitoring_committee_id"), ("committee", "id")))
                    .foreign_key(&mut fk(("case_record", "assigning_committee_id"), ("committee", "id")))
                    .foreign_key(&mut fk(("case_record", "handling_agency_id"), ("agency", "id")))
                    .foreign_key(&mut fk(("case_record", "origin_case_id"), ("case_record", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("case_reference"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("case_id")))
                    .col(big_integer(a("agency_id")))
                    .col(string_len(a("number"), 64))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(&mut fk(("case_reference", "case_id"), ("case_record", "id")))
                    .foreign_key(&mut fk(("case_reference", "agency_id"), ("agency", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("defendant"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("case_id")))
                    .col(string_len(a("full_name"), 200))
                    .col(string_len(a("position_held"), 300))
                    .col(boolean(a("cadre")))
                    .col(boolean(a("party_member")))
                    .col(boolean(a("leader")))
                    .col(boolean(a("centrally_managed")))
                    .col(boolean(a("non_state_sector")))
                    .col(string_len(a("status"), 32))
                    .col(text(a("charges")))
                    .col(big_integer(a("version")).default(1))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .foreign_key(&mut fk(("defendant", "case_id"), ("case_record", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("disciplinary_action"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("committee_id")))
                    .col(big_integer_null(a("case_id")))
                    .col(string_len(a("subject_kind"), 16))
                    .col(string_len(a("subject_name"), 300))
                    .col(string_len(a("form"), 16))
                    .col(string_len(a("deciding_body"), 300))
                    .col(date(a("decided_on")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(&mut fk(("disciplinary_action", "committee_id"), ("committee", "id")))
                    .foreign_key(&mut fk(("disciplinary_action", "case_id"), ("case_record", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("recovery"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("case_id")))
                    .col(big_integer(a("amount")))
                    .col(date(a("recovered_on")))
                    .col(string_len(a("reference"), 100))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(&mut fk(("recovery", "case_id"), ("case_record", "id")))
                    .to_owned(),
            )
            .await?;
        // A write's idempotency key, per principal: the first result is
        // returned to a repeat, in every instance (the table is shared).
        manager
            .create_table(
                Table::create()
                    .table(a("idempotency_key"))
                    .col(string_len(a("principal"), 200))
                    .col(string_len(a("key"), 200))
                    .col(string_len(a("operation"), 64))
                    .col(string_len(a("request_hash"), 64))
                    .col(string_len(a("result_kind"), 32))
                    .col(big_integer(a("result_id")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("expires_at")))
                    .primary_key(Index::create().col(a("principal")).col(a("key")))
                    .to_owned(),
            )
            .await?;
        for sql in [
            // Keyset pages of the list orderings, overall and per committee
            // (by code: the unique index on it).
            "CREATE INDEX ix_case_opened ON case_record (opened_on, id)",
            "CREATE INDEX ix_case_committee ON case_record (monitoring_committee_id, code, id)",
            "CREATE INDEX ix_case_assigning ON case_record (assigning_committee_id)",
            "CREATE INDEX ix_case_agency ON case_record (handling_agency_id)",
            "CREATE INDEX ix_case_origin ON case_record (origin_case_id)",
            // Another agency's number names one record.
            "CREATE UNIQUE INDEX ux_case_reference ON case_reference (agency_id, number)",
            "CREATE INDEX ix_case_reference_case ON case_reference (case_id, id)",
            "CREATE INDEX ix_defendant_case ON defendant (case_id, id)",
            "CREATE INDEX ix_discipline_committee ON disciplinary_action (committee_id, decided_on, id)",
            "CREATE INDEX ix_discipline_case ON disciplinary_action (case_id, id)",
            "CREATE INDEX ix_recovery_case ON recovery (case_id, id)",
            "CREATE INDEX ix_idempotency_expiry ON idempotency_key (expires_at)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        // The audit trail takes the new actions and record types.
        drop_row_rules(db, postgres, &[("ck_audit_action", "audit_event"), ("ck_audit_entity", "audit_event")]).await?;
        add_row_rules(db, postgres, &rules()).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("the cases migration cannot be reverted: it would drop the case records".into()))
    }
}
