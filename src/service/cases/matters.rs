//! Registering a matter, changing its details, assigning it to a province,
//! and recording another agency's number for it.

use chrono::NaiveDate;
use entity::{case_record, case_reference};
use serde_json::{Value, json};

use crate::db::audit;
use crate::db::cases::{self, CaseChanges, CaseMove, CaseScope, NewCase};
use crate::db::facts::{self, Holding};
use crate::db::{Db, committees};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::cases::{self as workflow, CaseKind};
use crate::domain::principal::CENTRAL_CODE;
use crate::domain::{Operation, Principal, rules};
use crate::error::{AppError, AppResult, Reason};
use crate::service::check_version;
use crate::service::idempotency::{Idempotency, Written, claim, finish};

use super::{Needs, agencies_in_reach, begin, case_event, facts, lock_visible, open, require, snapshot};

/// Records a new matter and its references, with its first history entry.
pub async fn create_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    new: &NewCase,
    references: &[(i64, String)],
) -> AppResult<case_record::Model> {
    let row = cases::insert(txn, new).await?;
    // The matter is the registering committee's from the day it opened.
    facts::hold(txn, row.id, row.monitoring_committee_id, row.opened_on, Holding::Opened).await?;
    facts::insert_loss(txn, row.id, row.loss_amount, row.opened_on).await?;
    for (agency, number) in references {
        cases::insert_reference(txn, &row, *agency, number).await?;
    }
    let refs: Vec<Value> = references.iter().map(|(a, n)| json!({ "agencyId": a, "number": n })).collect();
    let payload = json!({ "after": snapshot(&row), "references": refs });
    audit::append(txn, actor, vec![case_event(AuditAction::CaseCreate, AuditEntity::Case, row.id, &row, payload)])
        .await?;
    Ok(row)
}

/// What a caller says of a new matter; where it starts is the workflow's
/// to say ([`CaseDraft::proposed`]).
#[derive(Clone, Debug)]
pub struct CaseDraft {
    pub kind: CaseKind,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub field: String,
    pub public_concern: bool,
    pub non_state_sector: bool,
    pub source: String,
    pub loss_amount: Option<i64>,
    pub monitoring_committee_id: i64,
    pub handling_agency_id: Option<i64>,
    pub opened_on: NaiveDate,
}

impl CaseDraft {
    /// The matter as it is recorded: proposed to its committee's standing
    /// committee, at the start of its procedure.
    pub fn proposed(self) -> NewCase {
        NewCase {
            monitoring_state: workflow::INITIAL_MONITORING,
            procedure_state: workflow::initial_procedure(self.kind),
            origin_case_id: None,
            kind: self.kind,
            code: self.code,
            title: self.title,
            summary: self.summary,
            field: self.field,
            public_concern: self.public_concern,
            non_state_sector: self.non_state_sector,
            source: self.source,
            loss_amount: self.loss_amount,
            monitoring_committee_id: self.monitoring_committee_id,
            handling_agency_id: self.handling_agency_id,
            opened_on: self.opened_on,
        }
    }
}

/// A new matter, proposed to its committee's standing committee.
pub async fn create(
    db: &Db,
    actor: &Principal,
    draft: CaseDraft,
    references: Vec<(i64, String)>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<case_record::Model>> {
    crate::service::reach(actor, Operation::ManageCases)?;
    let scope = CaseScope::of(actor, Operation::ManageCases);
    let new = draft.proposed();
    crate::in_transaction!(db, txn => {
        let found = committees::by_ids(txn, &scope.committees, &[new.monitoring_committee_id]).await?;
        let committee = found.get(&new.monitoring_committee_id).ok_or(AppError::NotFound("committee"))?;
        rules::active(&committees::facts(committee))?;
        let named: Vec<i64> = references.iter().map(|(a, _)| *a).chain(new.handling_agency_id).collect();
        agencies_in_reach(txn, actor, Operation::ManageCases, &named).await?;
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        let row = create_in(txn, actor, &new, &references).await?;
        finish(txn, actor, idem, "Case", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

pub async fn update(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: CaseChanges,
    loss_assessed_on: Option<NaiveDate>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<case_record::Model>> {
    let today = db.calendar.today();
    crate::in_transaction!(db, txn => {
        let needs = Needs { operation: Some(Operation::ManageCases), open: true, expected_version };
        let (current, _) = match begin(txn, actor, idem, id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        if let Some(agency) = changes.handling_agency_id
            && Some(agency) != current.handling_agency_id
        {
            agencies_in_reach(txn, actor, Operation::ManageCases, &[agency]).await?;
        }
        let before = snapshot(&current);
        let assessed = match changes.loss_amount {
            Some(loss) if Some(loss) != current.loss_amount => {
                let on = loss_assessed_on.unwrap_or(today);
                let holder = super::held_on(txn, &current, on).await?;
                super::dated(txn, on, holder, current.opened_on, None, today, "lossAssessedOn").await?;
                Some((loss, on))
            }
            _ => None,
        };
        let row = cases::update(txn, current, &changes, &CaseMove::default()).await?;
        if let Some((loss, on)) = assessed {
            facts::insert_loss(txn, row.id, Some(loss), on).await?;
        }
        let payload = json!({ "before": before, "after": snapshot(&row) });
        audit::append(txn, actor, vec![case_event(AuditAction::CaseUpdate, AuditEntity::Case, row.id, &row, payload)])
            .await?;
        finish(txn, actor, idem, "Case", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Moves a locked matter the central committee monitors to a provincial
/// committee, which directs it from then on, and records it.
pub async fn assign_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    current: case_record::Model,
    committee_id: i64,
    decision_ref: &str,
    effective_on: NaiveDate,
    today: NaiveDate,
) -> AppResult<case_record::Model> {
    let found =
        committees::by_ids(txn, &crate::domain::Reach::All, &[current.monitoring_committee_id, committee_id]).await?;
    let from = found.get(&current.monitoring_committee_id).ok_or(AppError::NotFound("committee"))?;
    if from.code != CENTRAL_CODE {
        return Err(AppError::Conflict(
            Reason::Inconsistent,
            "only a matter the central committee monitors can be assigned".into(),
        ));
    }
    let to = found.get(&committee_id).ok_or(AppError::NotFound("committee"))?;
    if to.code == CENTRAL_CODE {
        return Err(AppError::bad_input(&["committeeId"], "a matter is assigned to a provincial committee"));
    }
    rules::active(&committees::facts(to))?;
    // Dated like a step: the province must exist then, and the figures
    // already counted for the central committee stay where they fell.
    let previous = [
        facts::last_step_on(txn, current.id, workflow::Machine::Monitoring).await?,
        facts::last_step_on(txn, current.id, workflow::Machine::Procedure).await?,
        facts::latest_holding(txn, current.id).await?.map(|h| h.from_on),
    ]
    .into_iter()
    .flatten()
    .max();
    super::dated(txn, effective_on, to.id, current.opened_on, previous, today, "effectiveOn").await?;
    let moved =
        CaseMove { monitoring_committee_id: Some(to.id), assigning_committee_id: Some(from.id), ..Default::default() };
    let before = current.monitoring_committee_id;
    let row = cases::update(txn, current, &CaseChanges::default(), &moved).await?;
    facts::hold(txn, row.id, to.id, effective_on, Holding::Assigned).await?;
    let payload = json!({
        "before": { "monitoringCommitteeId": before },
        "after": { "monitoringCommitteeId": row.monitoring_committee_id, "assigningCommitteeId": row.assigning_committee_id },
        "decisionRef": decision_ref, "effectiveOn": effective_on.to_string(), "version": row.version,
    });
    audit::append(txn, actor, vec![case_event(AuditAction::CaseAssign, AuditEntity::Case, row.id, &row, payload)])
        .await?;
    Ok(row)
}

/// The central committee hands a matter to a provincial committee to
/// direct; the central committee stays its assigning committee (and keeps
/// seeing it).
#[allow(clippy::too_many_arguments)]
pub async fn assign(
    db: &Db,
    actor: &Principal,
    id: i64,
    committee_id: i64,
    expected_version: Option<i64>,
    decision_ref: String,
    effective_on: NaiveDate,
    idem: Option<&Idempotency>,
) -> AppResult<Written<case_record::Model>> {
    let today = db.calendar.today();
    crate::in_transaction!(db, txn => {
        let needs = Needs { operation: Some(Operation::DecideMonitoring), open: true, expected_version };
        let (current, _) = match begin(txn, actor, idem, id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let row = assign_in(txn, actor, current, committee_id, &decision_ref, effective_on, today).await?;
        finish(txn, actor, idem, "Case", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Records another agency's number for a matter (an `AGENCY` role: its own
/// agency's number, on a matter it handles).
#[allow(clippy::too_many_arguments)]
pub async fn add_reference(
    db: &Db,
    actor: &Principal,
    id: i64,
    agency_id: i64,
    number: String,
    expected_version: Option<i64>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<(case_reference::Model, case_record::Model)>> {
    crate::in_transaction!(db, txn => {
        let (current, standing) = lock_visible(txn, actor, id).await?;
        let own = standing.handles && actor.agency == Some(agency_id) && standing.may(Operation::RecordProcedure);
        if !own {
            require(&standing, Operation::ManageCases)?;
            agencies_in_reach(txn, actor, Operation::ManageCases, &[agency_id]).await?;
        }
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        open(&facts(&current)?)?;
        check_version("case", current.version, expected_version)?;
        let reference = cases::insert_reference(txn, &current, agency_id, &number).await?;
        let row = cases::update(txn, current, &CaseChanges::default(), &CaseMove::default()).await?;
        let payload = json!({ "reference": { "agencyId": agency_id, "number": number }, "version": row.version });
        audit::append(txn, actor, vec![case_event(AuditAction::CaseReference, AuditEntity::Case, row.id, &row, payload)])
            .await?;
        let written = (reference, row);
        finish(txn, actor, idem, "CaseReference", written.0.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}
