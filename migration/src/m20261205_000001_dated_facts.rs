//! Dated facts, for the figures committees report. Until now a matter's row
//! held only its current state: a step's effective date, decision and reason
//! lived only inside its history entry's JSON, an assignment overwrote the
//! monitoring committee, defendants had no prosecution date, the loss was
//! one undated column and a recovery could not be corrected. This adds typed,
//! indexed rows, each with two dates (when it took effect, when it was
//! recorded), written from now on in the transaction of the history entry:
//!
//! - `case_step`: every workflow step, with the committee holding the matter
//!   on the day it took effect;
//! - `case_committee`: which committee holds a matter from which day
//!   (registration, assignment, a merge);
//! - `defendant_step`: a defendant's prosecution and dated status changes;
//! - `case_loss`: the assessed loss from a day on;
//! - `recovery` gains the committee it counts for and reversing entries.
//!
//! Existing history is carried into the new rows by [`backfill`], which
//! reads the trail (the JSON is evidence here, read once, never queried).
//! What the trail does not say is taken as the day an entry was recorded, in
//! the committees' calendar (UTC+7): a defendant's prosecution, a loss
//! changed by an edit, a step recorded without an effective date.

use std::collections::HashMap;

use entity::{audit_event, case_committee, case_loss, case_record, case_step, committee, defendant_step};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{Date, DateTimeUtc};
use sea_orm_migration::sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::Value;

use crate::m20261123_000001_integrity::{RowRule, add_row_rules, drop_row_rules, one_of};
use crate::m20261124_000001_cases::{AUDIT_ACTIONS, DEFENDANT_STATUSES, fk};

pub const WORKFLOWS: &[&str] = &["MONITORING", "PROCEDURE"];
pub const MONITORING_TRANSITIONS: &[&str] =
    &["TAKE_UNDER_MONITORING", "DECLINE_MONITORING", "END_MONITORING", "REOPEN"];
pub const TRANSITIONS: &[&str] = &[
    "TAKE_UNDER_MONITORING",
    "DECLINE_MONITORING",
    "END_MONITORING",
    "REOPEN",
    "CONCLUDE_VERIFICATION",
    "TRANSFER_TO_INVESTIGATION",
    "START_INVESTIGATION",
    "INDICT",
    "OPEN_TRIAL",
    "OPEN_TRIAL_IN_ABSENTIA",
    "APPEAL",
    "EXECUTE_SENTENCE",
    "CLOSE",
    "SUSPEND",
    "RESUME",
    "DISMISS",
];
pub const HOLDING_CAUSES: &[&str] = &["OPENED", "ASSIGNED", "MERGED"];
pub const NEW_AUDIT_ACTIONS: &[&str] = &["recovery.reverse"];

/// The committees' calendar when the trail does not say (Asia/Ho_Chi_Minh
/// has kept UTC+7 since 1975).
const CALENDAR_OFFSET_HOURS: i64 = 7;

fn rules() -> Vec<RowRule> {
    let rule = |name, table, holds: String| RowRule { name, table, holds };
    let mut actions: Vec<&str> = AUDIT_ACTIONS.to_vec();
    actions.extend_from_slice(NEW_AUDIT_ACTIONS);
    vec![
        rule("ck_case_step_workflow", "case_step", one_of("{r}workflow", WORKFLOWS)),
        rule("ck_case_step_step", "case_step", one_of("{r}step", TRANSITIONS)),
        rule("ck_case_committee_cause", "case_committee", one_of("{r}cause", HOLDING_CAUSES)),
        rule("ck_defendant_step_status", "defendant_step", one_of("{r}to_status", DEFENDANT_STATUSES)),
        rule("ck_case_loss_amount", "case_loss", "{r}amount IS NULL OR {r}amount >= 0".into()),
        // A recovery is positive; only a reversing entry is negative.
        rule(
            "ck_recovery_amount",
            "recovery",
            "({r}reverses_id IS NULL AND {r}amount > 0) OR ({r}reverses_id IS NOT NULL AND {r}amount < 0)".into(),
        ),
        rule("ck_audit_action", "audit_event", one_of("{r}action", &actions)),
    ]
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm_migration::schema::*;
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        let a = Alias::new;
        manager
            .create_table(
                Table::create()
                    .table(a("case_step"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("case_id")))
                    .col(string_len(a("workflow"), 16))
                    .col(string_len(a("step"), 32))
                    .col(string_len(a("from_state"), 32))
                    .col(string_len(a("to_state"), 32))
                    .col(date(a("effective_on")))
                    .col(timestamp_with_time_zone(a("recorded_at")))
                    .col(string_len_null(a("decision_ref"), 100))
                    .col(text_null(a("reason")))
                    .col(string_len(a("actor"), 200))
                    .col(big_integer(a("committee_id")))
                    .col(string_len(a("audit_chain"), 64))
                    .col(big_integer(a("audit_seq")))
                    .foreign_key(&mut fk(("case_step", "case_id"), ("case_record", "id")))
                    .foreign_key(&mut fk(("case_step", "committee_id"), ("committee", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("case_committee"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("case_id")))
                    .col(big_integer(a("committee_id")))
                    .col(date(a("from_on")))
                    .col(timestamp_with_time_zone(a("recorded_at")))
                    .col(string_len(a("cause"), 16))
                    .foreign_key(&mut fk(("case_committee", "case_id"), ("case_record", "id")))
                    .foreign_key(&mut fk(("case_committee", "committee_id"), ("committee", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("defendant_step"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("defendant_id")))
                    .col(big_integer(a("case_id")))
                    .col(string_len_null(a("from_status"), 32))
                    .col(string_len(a("to_status"), 32))
                    .col(date(a("effective_on")))
                    .col(timestamp_with_time_zone(a("recorded_at")))
                    .col(big_integer(a("committee_id")))
                    .foreign_key(&mut fk(("defendant_step", "defendant_id"), ("defendant", "id")))
                    .foreign_key(&mut fk(("defendant_step", "case_id"), ("case_record", "id")))
                    .foreign_key(&mut fk(("defendant_step", "committee_id"), ("committee", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("case_loss"))
                    .col(big_pk_auto(a("id")))
                    .col(big_integer(a("case_id")))
                    .col(big_integer_null(a("amount")))
                    .col(date(a("effective_on")))
                    .col(timestamp_with_time_zone(a("recorded_at")))
                    .foreign_key(&mut fk(("case_loss", "case_id"), ("case_record", "id")))
                    .to_owned(),
            )
            .await?;
        for sql in [
            "ALTER TABLE recovery ADD COLUMN committee_id bigint REFERENCES committee (id)",
            "ALTER TABLE recovery ADD COLUMN reverses_id bigint REFERENCES recovery (id)",
            "ALTER TABLE recovery ADD COLUMN reason text",
            // A recovery is reversed at most once.
            "CREATE UNIQUE INDEX ux_recovery_reverses ON recovery (reverses_id)",
            "CREATE INDEX ix_recovery_committee ON recovery (committee_id, recovered_on)",
            // The figures: facts of a period per committee, and the latest
            // fact of each matter up to a day.
            "CREATE INDEX ix_case_step_figures ON case_step (step, effective_on, committee_id, case_id)",
            "CREATE INDEX ix_case_step_case ON case_step (case_id, workflow, effective_on, id)",
            "CREATE INDEX ix_case_step_recorded ON case_step (recorded_at)",
            "CREATE UNIQUE INDEX ux_case_step_entry ON case_step (audit_chain, audit_seq)",
            "CREATE INDEX ix_case_committee_case ON case_committee (case_id, from_on, id)",
            "CREATE INDEX ix_case_committee_committee ON case_committee (committee_id, from_on)",
            "CREATE INDEX ix_defendant_step_figures ON defendant_step (effective_on, committee_id)",
            "CREATE INDEX ix_defendant_step_defendant ON defendant_step (defendant_id, effective_on, id)",
            "CREATE INDEX ix_case_loss_case ON case_loss (case_id, effective_on, id)",
            "CREATE INDEX ix_case_opened_kind ON case_record (kind, opened_on)",
            "CREATE INDEX ix_discipline_decided ON disciplinary_action (decided_on, committee_id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        drop_row_rules(db, postgres, &[("ck_recovery_amount", "recovery"), ("ck_audit_action", "audit_event")]).await?;
        add_row_rules(db, postgres, &rules()).await?;
        backfill(db).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("the dated facts cannot be reverted: they are the record the figures come from".into()))
    }
}

fn day_of(at: DateTimeUtc) -> Date {
    (at + chrono::TimeDelta::hours(CALENDAR_OFFSET_HOURS)).date_naive()
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn int_at(v: &Value, path: &[&str]) -> Option<i64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_i64()
}

fn date_at(v: &Value, path: &[&str]) -> Option<Date> {
    text_at(v, path)?.parse().ok()
}

fn amount_at(v: &Value, path: &[&str]) -> Option<i64> {
    text_at(v, path)?.parse().ok()
}

/// A matter's holders, in the order they were written.
#[derive(Default)]
struct Holders(Vec<(Date, i64)>);

impl Holders {
    /// The committee holding the matter on `on`: the latest row from a day
    /// not after it (the first one before any).
    fn on(&self, on: Date) -> Option<i64> {
        let mut best: Option<(Date, i64)> = None;
        for (from, id) in &self.0 {
            if *from <= on && best.is_none_or(|(b, _)| *from >= b) {
                best = Some((*from, *id));
            }
        }
        best.or_else(|| self.0.first().copied()).map(|(_, id)| id)
    }
}

/// Carries the trail's history of matters into the dated rows. Run by the
/// migration on a database written before them; idempotent only on empty
/// fact tables.
pub async fn backfill<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let matters: HashMap<i64, case_record::Model> =
        case_record::Entity::find().all(db).await?.into_iter().map(|c| (c.id, c)).collect();
    let entries = audit_event::Entity::find()
        .filter(audit_event::Column::Chain.starts_with("case:"))
        .order_by_asc(audit_event::Column::Chain)
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await?;
    let mut holders: HashMap<i64, Holders> = HashMap::new();
    let (mut held, mut steps, mut defendants, mut losses) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut recoveries: Vec<(i64, i64)> = Vec::new();
    // The effective date of the step a write took, for the defendants it moved.
    let mut last_step_on: Option<(String, Date)> = None;
    for e in &entries {
        let Some(case_id) = e.chain.strip_prefix("case:").and_then(|s| s.parse::<i64>().ok()) else { continue };
        let Some(matter) = matters.get(&case_id) else { continue };
        let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
        let recorded_on = day_of(e.at);
        let h = holders.entry(case_id).or_default();
        match e.action.as_str() {
            "case.create" if e.entity_id == case_id => {
                let committee =
                    int_at(&payload, &["after", "monitoringCommitteeId"]).unwrap_or(matter.monitoring_committee_id);
                let opened = date_at(&payload, &["after", "openedOn"]).unwrap_or(matter.opened_on);
                h.0.push((opened, committee));
                held.push(holding(case_id, committee, opened, e.at, "OPENED"));
                losses.push(loss(case_id, amount_at(&payload, &["after", "lossAmount"]), opened, e.at));
            }
            "case.assign" => {
                if let Some(committee) = int_at(&payload, &["after", "monitoringCommitteeId"]) {
                    let on = date_at(&payload, &["effectiveOn"]).unwrap_or(recorded_on);
                    h.0.push((on, committee));
                    held.push(holding(case_id, committee, on, e.at, "ASSIGNED"));
                }
            }
            "case.update" => {
                let (before, after) =
                    (amount_at(&payload, &["before", "lossAmount"]), amount_at(&payload, &["after", "lossAmount"]));
                if before != after {
                    losses.push(loss(case_id, after, recorded_on, e.at));
                }
            }
            "case.transition" => {
                let Some(step) = text_at(&payload, &["transition"]) else { continue };
                let (workflow, key) = if MONITORING_TRANSITIONS.contains(&step) {
                    ("MONITORING", "monitoringState")
                } else {
                    ("PROCEDURE", "procedureState")
                };
                let on = date_at(&payload, &["effectiveOn"]).unwrap_or(recorded_on);
                last_step_on = Some((format!("{}#{}", e.chain, e.at), on));
                steps.push(case_step::ActiveModel {
                    id: NotSet,
                    case_id: Set(case_id),
                    workflow: Set(workflow.to_owned()),
                    step: Set(step.to_owned()),
                    from_state: Set(text_at(&payload, &["before", key]).unwrap_or_default().to_owned()),
                    to_state: Set(text_at(&payload, &["after", key]).unwrap_or_default().to_owned()),
                    effective_on: Set(on),
                    recorded_at: Set(e.at),
                    decision_ref: Set(text_at(&payload, &["decisionRef"]).map(str::to_owned)),
                    reason: Set(text_at(&payload, &["reason"]).map(str::to_owned)),
                    actor: Set(e.actor.clone()),
                    committee_id: Set(h.on(on).unwrap_or(matter.monitoring_committee_id)),
                    audit_chain: Set(e.chain.clone()),
                    audit_seq: Set(e.seq),
                });
            }
            "defendant.add" | "defendant.update" => {
                let to = text_at(&payload, &["after", "status"]);
                let from = text_at(&payload, &["before", "status"]);
                let Some(to) = to.filter(|to| Some(*to) != from) else { continue };
                let on = match (&last_step_on, payload.get("transition")) {
                    (Some((write, on)), Some(_)) if *write == format!("{}#{}", e.chain, e.at) => *on,
                    _ => Ord::max(recorded_on, matter.opened_on),
                };
                defendants.push(defendant_step::ActiveModel {
                    id: NotSet,
                    defendant_id: Set(e.entity_id),
                    case_id: Set(case_id),
                    from_status: Set(from.map(str::to_owned)),
                    to_status: Set(to.to_owned()),
                    effective_on: Set(on),
                    recorded_at: Set(e.at),
                    committee_id: Set(h.on(on).unwrap_or(matter.monitoring_committee_id)),
                });
            }
            "recovery.record" => {
                let on = date_at(&payload, &["after", "recoveredOn"]).unwrap_or(recorded_on);
                recoveries.push((e.entity_id, h.on(on).unwrap_or(matter.monitoring_committee_id)));
            }
            _ => {}
        }
    }
    // Matters a merged committee held pass to its successor on the merge
    // date, merges in the order they took effect (so A into B into C ends at C).
    let mut merged = committee::Entity::find()
        .filter(committee::Column::SuccessorId.is_not_null())
        .filter(committee::Column::EndedOn.is_not_null())
        .all(db)
        .await?;
    merged.sort_by_key(|c| (c.ended_on, c.id));
    for c in &merged {
        let (Some(successor), Some(on)) = (c.successor_id, c.ended_on) else { continue };
        for (case_id, h) in holders.iter_mut() {
            if h.0.last().map(|(_, id)| *id) == Some(c.id) {
                h.0.push((on, successor));
                held.push(holding(*case_id, successor, on, c.updated_at, "MERGED"));
            }
        }
    }
    insert_chunks::<_, case_committee::Entity>(db, held).await?;
    insert_chunks::<_, case_step::Entity>(db, steps).await?;
    insert_chunks::<_, defendant_step::Entity>(db, defendants).await?;
    insert_chunks::<_, case_loss::Entity>(db, losses).await?;
    let backend = db.get_database_backend();
    for (id, committee) in recoveries {
        db.execute_raw(sea_orm_migration::sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                DatabaseBackend::Postgres => "UPDATE recovery SET committee_id = $1 WHERE id = $2",
                _ => "UPDATE recovery SET committee_id = ? WHERE id = ?",
            },
            [committee.into(), id.into()],
        ))
        .await?;
    }
    // Recoveries the trail did not place count for the matter's committee.
    db.execute_unprepared(
        "UPDATE recovery SET committee_id = (SELECT c.monitoring_committee_id FROM case_record c \
         WHERE c.id = recovery.case_id) WHERE committee_id IS NULL",
    )
    .await?;
    Ok(())
}

fn holding(
    case_id: i64,
    committee_id: i64,
    from_on: Date,
    at: DateTimeUtc,
    cause: &str,
) -> case_committee::ActiveModel {
    case_committee::ActiveModel {
        id: NotSet,
        case_id: Set(case_id),
        committee_id: Set(committee_id),
        from_on: Set(from_on),
        recorded_at: Set(at),
        cause: Set(cause.to_owned()),
    }
}

fn loss(case_id: i64, amount: Option<i64>, on: Date, at: DateTimeUtc) -> case_loss::ActiveModel {
    case_loss::ActiveModel {
        id: NotSet,
        case_id: Set(case_id),
        amount: Set(amount),
        effective_on: Set(on),
        recorded_at: Set(at),
    }
}

async fn insert_chunks<C, E>(db: &C, rows: Vec<E::ActiveModel>) -> Result<(), DbErr>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::ActiveModel: sea_orm_migration::sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        E::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}
