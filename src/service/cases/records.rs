//! A matter's records: defendants, disciplinary actions and recoveries.

use chrono::NaiveDate;
use entity::{case_record, defendant, disciplinary_action, recovery};
use serde_json::json;

use crate::db::audit::{self, Event};
use crate::db::cases::{self, CaseChanges, CaseMove, CaseScope, DefendantFields, NewDiscipline};
use crate::db::facts;
use crate::db::{Db, committees};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::cases::CaseKind;
use crate::domain::{Operation, Principal};
use crate::error::{AppError, AppResult};
use crate::service::check_version;
use crate::service::idempotency::{Idempotency, Written, claim, finish};

use super::{Needs, begin, case_event, defendant_snapshot, facts, lock_visible, open, require};

/// Adds a defendant to a locked case (bumping the case's version) and
/// records it in the case's history.
pub async fn add_defendant_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    current: case_record::Model,
    fields: &DefendantFields,
    prosecuted_on: NaiveDate,
    today: NaiveDate,
) -> AppResult<(defendant::Model, case_record::Model)> {
    let facts = facts(&current)?;
    open(&facts)?;
    if facts.kind != CaseKind::Case {
        return Err(AppError::bad_input(&["caseId"], "defendants belong to cases; an incident has none"));
    }
    let holder = super::held_on(txn, &current, prosecuted_on).await?;
    super::dated(txn, prosecuted_on, holder, current.opened_on, None, today, "prosecutedOn").await?;
    let row = cases::insert_defendant(txn, current.id, fields).await?;
    facts::insert_defendant_step(txn, row.id, current.id, None, &row.status, prosecuted_on, holder).await?;
    // The matter's version moves too: its defendant counts changed.
    let case = cases::update(txn, current, &CaseChanges::default(), &CaseMove::default()).await?;
    let payload = json!({
        "after": defendant_snapshot(&row)?, "caseVersion": case.version, "prosecutedOn": prosecuted_on.to_string(),
    });
    audit::append(
        txn,
        actor,
        vec![case_event(AuditAction::DefendantAdd, AuditEntity::Defendant, row.id, &case, payload)],
    )
    .await?;
    Ok((row, case))
}

/// Adds a defendant to a case; returns it and the case (whose version and
/// counts moved).
pub async fn add_defendant(
    db: &Db,
    actor: &Principal,
    case_id: i64,
    expected_version: Option<i64>,
    fields: DefendantFields,
    prosecuted_on: Option<NaiveDate>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<(defendant::Model, case_record::Model)>> {
    let today = db.calendar.today();
    crate::in_transaction!(db, txn => {
        // Whether the matter is open (and a case) is add_defendant_in's to say.
        let needs = Needs { operation: Some(Operation::RecordProcedure), expected_version, ..Needs::default() };
        let (current, _) = match begin(txn, actor, idem, case_id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let written = add_defendant_in(txn, actor, current, &fields, prosecuted_on.unwrap_or(today), today).await?;
        finish(txn, actor, idem, "Defendant", written.0.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}

/// Changes a defendant: `change` makes the new fields from the locked row.
pub async fn update_defendant(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    change: impl Fn(&defendant::Model) -> AppResult<DefendantFields>,
    status_effective_on: Option<NaiveDate>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<defendant::Model>> {
    let today = db.calendar.today();
    crate::in_transaction!(db, txn => {
        let found = cases::defendant_by_id(txn, id).await?.ok_or(AppError::NotFound("defendant"))?;
        // The matter first, then the defendant: the order every write locks in.
        let needs = Needs { operation: Some(Operation::RecordProcedure), open: true, expected_version: None };
        let begun = begin(txn, actor, idem, found.case_id, needs).await.map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("defendant"),
            other => other,
        })?;
        let (case, _) = match begun {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let current = cases::lock_defendant(txn, id).await?.ok_or(AppError::NotFound("defendant"))?;
        check_version("defendant", current.version, expected_version)?;
        let before = defendant_snapshot(&current)?;
        let fields = change(&current)?;
        let moved = (fields.status != current.status).then(|| (current.status.clone(), status_effective_on.unwrap_or(today)));
        let holder = match &moved {
            Some((_, on)) => {
                let holder = super::held_on(txn, &case, *on).await?;
                let previous = facts::last_defendant_step_on(txn, current.id).await?;
                super::dated(txn, *on, holder, case.opened_on, previous, today, "statusEffectiveOn").await?;
                holder
            }
            None => case.monitoring_committee_id,
        };
        let row = cases::update_defendant(txn, current, &fields).await?;
        if let Some((from, on)) = moved {
            facts::insert_defendant_step(txn, row.id, case.id, Some(&from), &row.status, on, holder).await?;
        }
        let payload = json!({ "before": before, "after": defendant_snapshot(&row)? });
        audit::append(txn, actor, vec![case_event(AuditAction::DefendantUpdate, AuditEntity::Defendant, row.id, &case, payload)])
            .await?;
        finish(txn, actor, idem, "Defendant", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Records a disciplinary action (linked to `case`, locked, when given) in
/// the matter's history, or else in the committee's trail.
pub async fn record_discipline_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    new: &NewDiscipline,
    case: Option<&case_record::Model>,
) -> AppResult<disciplinary_action::Model> {
    let row = cases::insert_discipline(txn, new).await?;
    let payload = json!({ "after": {
        "committeeId": row.committee_id, "caseId": row.case_id, "subjectKind": row.subject_kind,
        "subjectName": row.subject_name, "form": row.form, "decidingBody": row.deciding_body,
        "decidedOn": row.decided_on.to_string(),
    }});
    let event = match case {
        Some(case) => case_event(AuditAction::DisciplineRecord, AuditEntity::DisciplinaryAction, row.id, case, payload),
        None => Event {
            action: AuditAction::DisciplineRecord,
            entity: AuditEntity::DisciplinaryAction,
            entity_id: row.id,
            committees: vec![row.committee_id],
            case: None,
            payload,
        },
    };
    audit::append(txn, actor, vec![event]).await?;
    Ok(row)
}

/// What a disciplinary action is recorded on: a case (whose committee
/// records it), or a committee, for an action linked to no case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisciplineOwner {
    Case(i64),
    Committee(i64),
}

/// A disciplinary action, apart from what it is recorded on.
#[derive(Clone, Debug)]
pub struct Discipline {
    pub subject_kind: String,
    pub subject_name: String,
    pub form: String,
    pub deciding_body: String,
    pub decided_on: NaiveDate,
}

/// Records a disciplinary action, in the linked matter's history when there
/// is one, else in the committee's trail.
pub async fn record_discipline(
    db: &Db,
    actor: &Principal,
    owner: DisciplineOwner,
    discipline: Discipline,
    idem: Option<&Idempotency>,
) -> AppResult<Written<disciplinary_action::Model>> {
    crate::service::reach(actor, Operation::ManageCases)?;
    let scope = CaseScope::of(actor, Operation::ManageCases);
    crate::in_transaction!(db, txn => {
        let (committee_id, case) = match owner {
            DisciplineOwner::Case(case_id) => {
                let (case, standing) = lock_visible(txn, actor, case_id).await?;
                require(&standing, Operation::ManageCases)?;
                (case.monitoring_committee_id, Some(case))
            }
            DisciplineOwner::Committee(id) => {
                if committees::by_ids(txn, &scope.committees, &[id]).await?.is_empty() {
                    return Err(AppError::NotFound("committee"));
                }
                (id, None)
            }
        };
        let d = discipline.clone();
        let new = NewDiscipline {
            committee_id,
            case_id: case.as_ref().map(|c| c.id),
            subject_kind: d.subject_kind,
            subject_name: d.subject_name,
            form: d.form,
            deciding_body: d.deciding_body,
            decided_on: d.decided_on,
        };
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        let row = record_discipline_in(txn, actor, &new, case.as_ref()).await?;
        finish(txn, actor, idem, "DisciplinaryAction", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Records an amount recovered on a locked matter (its total and version
/// move with it) and enters it in the matter's history.
pub async fn record_recovery_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    current: case_record::Model,
    amount: i64,
    on: NaiveDate,
    reference: &str,
    today: NaiveDate,
) -> AppResult<(recovery::Model, case_record::Model)> {
    let holder = super::held_on(txn, &current, on).await?;
    super::dated(txn, on, holder, current.opened_on, None, today, "recoveredOn").await?;
    let row = cases::insert_recovery(txn, current.id, amount, on, reference, holder).await?;
    let moved = CaseMove { add_recovered: Some(amount), ..Default::default() };
    let case = cases::update(txn, current, &CaseChanges::default(), &moved).await?;
    let payload = json!({
        "after": { "amount": amount.to_string(), "recoveredOn": on.to_string(), "reference": reference },
        "recoveredAmount": case.recovered_amount.to_string(), "caseVersion": case.version,
    });
    audit::append(
        txn,
        actor,
        vec![case_event(AuditAction::RecoveryRecord, AuditEntity::Recovery, row.id, &case, payload)],
    )
    .await?;
    Ok((row, case))
}

/// Records an amount recovered; the matter's total moves with it. Returns
/// the recovery and the case.
#[allow(clippy::too_many_arguments)]
pub async fn record_recovery(
    db: &Db,
    actor: &Principal,
    case_id: i64,
    expected_version: Option<i64>,
    amount: i64,
    on: NaiveDate,
    reference: String,
    idem: Option<&Idempotency>,
) -> AppResult<Written<(recovery::Model, case_record::Model)>> {
    let today = db.calendar.today();
    crate::in_transaction!(db, txn => {
        let needs = Needs { operation: Some(Operation::ManageCases), open: true, expected_version };
        let (current, _) = match begin(txn, actor, idem, case_id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let written = record_recovery_in(txn, actor, current, amount, on, &reference, today).await?;
        finish(txn, actor, idem, "Recovery", written.0.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}

/// Reverses a recovery recorded in error: a negating entry on the same day
/// (so the period it fell in is corrected), never an edit (so a report as
/// known before the correction still shows what was known then). A
/// recovery is reversed once (`ux_recovery_reverses`).
pub async fn reverse_recovery(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    reason: String,
    idem: Option<&Idempotency>,
) -> AppResult<Written<(recovery::Model, case_record::Model)>> {
    crate::in_transaction!(db, txn => {
        let original = cases::recovery_by_id(txn, id).await?.ok_or(AppError::NotFound("recovery"))?;
        let needs = Needs { operation: Some(Operation::ManageCases), open: true, expected_version };
        let begun = begin(txn, actor, idem, original.case_id, needs).await.map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("recovery"),
            other => other,
        })?;
        let (current, _) = match begun {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        if original.reverses_id.is_some() {
            return Err(AppError::Conflict(crate::error::Reason::Inconsistent, "a reversing entry cannot itself be reversed".into()));
        }
        if cases::reversal_of(txn, original.id).await?.is_some() {
            return Err(AppError::Conflict(crate::error::Reason::Inconsistent, "this recovery was already reversed".into()));
        }
        let row = cases::insert_reversal(txn, &original, &reason).await?;
        let moved = CaseMove { add_recovered: Some(row.amount), ..Default::default() };
        let case = cases::update(txn, current, &CaseChanges::default(), &moved).await?;
        let payload = json!({
            "after": { "amount": row.amount.to_string(), "recoveredOn": row.recovered_on.to_string(),
                       "reverses": original.id, "reason": reason },
            "recoveredAmount": case.recovered_amount.to_string(), "caseVersion": case.version,
        });
        audit::append(txn, actor, vec![case_event(AuditAction::RecoveryReverse, AuditEntity::Recovery, row.id, &case, payload)])
            .await?;
        let written = (row, case);
        finish(txn, actor, idem, "Recovery", written.0.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}
