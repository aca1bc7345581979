//! Writes to cases and incidents and their records. Each write locks the
//! matter, works out what the viewer is to it (roles with reach, the agency
//! they act for), lets the workflow decide, writes, and appends the entry to
//! the matter's own chain (its history), in one transaction. A write sent
//! with an idempotency key claims the key in that same transaction
//! (`service::idempotency`), so a repeat (on any instance) finds the first
//! result and writes nothing. Each write returns every record it changed.

use entity::{case_record, defendant};
use serde_json::{Value, json};

use super::check_version;
use super::idempotency::{Idempotency, claim};
use crate::db::audit::Event;
use crate::db::cases;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::cases::{CaseFacts, CaseKind, CaseState};
use crate::domain::{Operation, Principal, Role};
use crate::error::{AppError, AppResult, Reason};

mod matters;
mod records;
mod standing;
mod steps;

pub use matters::*;
pub use records::*;
pub use standing::*;
pub use steps::*;

/// The workflow's view of a stored matter; an unknown stored value is an
/// internal error naming the row.
pub fn facts(case: &case_record::Model) -> AppResult<CaseFacts> {
    let state = |column: &str, v: &str| {
        CaseState::parse(v).ok_or_else(|| AppError::unknown_stored("case_record", case.id, column, v))
    };
    Ok(CaseFacts {
        kind: CaseKind::parse(&case.kind)
            .ok_or_else(|| AppError::unknown_stored("case_record", case.id, "kind", &case.kind))?,
        monitoring: state("monitoring_state", &case.monitoring_state)?,
        procedure: state("procedure_state", &case.procedure_state)?,
        suspended_from: case.suspended_from.as_deref().map(|s| state("suspended_from", s)).transpose()?,
        assigned: case.assigning_committee_id.is_some(),
    })
}

/// A matter as its history records it.
pub fn snapshot(c: &case_record::Model) -> Value {
    json!({
        "kind": c.kind, "code": c.code, "title": c.title, "summary": c.summary, "field": c.field,
        "publicConcern": c.public_concern, "nonStateSector": c.non_state_sector, "source": c.source,
        "lossAmount": c.loss_amount.map(|v| v.to_string()), "recoveredAmount": c.recovered_amount.to_string(),
        "monitoringCommitteeId": c.monitoring_committee_id, "assigningCommitteeId": c.assigning_committee_id,
        "handlingAgencyId": c.handling_agency_id, "monitoringState": c.monitoring_state,
        "procedureState": c.procedure_state, "suspendedFrom": c.suspended_from, "inAbsentia": c.in_absentia,
        "originCaseId": c.origin_case_id, "openedOn": c.opened_on.to_string(), "version": c.version,
        "registeredByCommitteeId": c.registered_by_committee_id,
    })
}

/// A defendant's stored charges; a stored value that is not a list of
/// strings is an internal error naming the row (never an empty list, and
/// never a `null` in the hash-chained trail).
pub fn charges_of(d: &defendant::Model) -> AppResult<Vec<String>> {
    serde_json::from_str(&d.charges).map_err(|_| AppError::unknown_stored("defendant", d.id, "charges", &d.charges))
}

fn defendant_snapshot(d: &defendant::Model) -> AppResult<Value> {
    Ok(json!({
        "fullName": d.full_name, "positionHeld": d.position_held, "cadre": d.cadre, "partyMember": d.party_member,
        "leader": d.leader, "centrallyManaged": d.centrally_managed, "nonStateSector": d.non_state_sector,
        "status": d.status, "charges": charges_of(d)?, "version": d.version,
    }))
}

/// An entry of the matter's history.
fn case_event(
    action: AuditAction,
    entity: AuditEntity,
    entity_id: i64,
    case: &case_record::Model,
    payload: Value,
) -> Event {
    Event { action, entity, entity_id, committees: vec![case.monitoring_committee_id], case: Some(case.id), payload }
}

/// The matter `id` if the viewer may read it; `NOT_FOUND` otherwise (a
/// matter out of reach does not exist for them).
async fn lock_visible<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    id: i64,
) -> AppResult<(case_record::Model, Standing)> {
    let case = cases::lock_any(txn, id).await?.ok_or(AppError::NotFound("case"))?;
    let standing = standing_on(txn, actor, &case).await?;
    if !standing.may(Operation::ReadCases) {
        return Err(AppError::NotFound("case"));
    }
    Ok((case, standing))
}

fn require(standing: &Standing, op: Operation) -> AppResult<()> {
    if standing.may(op) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "operation {} on this matter needs one of the roles {} over its committee{}",
            op.name(),
            op.allowed_roles().iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            if op.allows(Role::Agency) { " (AGENCY: acting for its handling agency)" } else { "" }
        )))
    }
}

fn open(facts: &CaseFacts) -> AppResult<()> {
    if facts.is_closed() {
        return Err(AppError::Conflict(
            Reason::Closed,
            "the record is closed (monitoring ended or declined); only REOPEN, with a reason, changes it".into(),
        ));
    }
    Ok(())
}

/// What a write on one matter needs before it changes anything.
#[derive(Clone, Copy, Debug, Default)]
struct Needs {
    /// The operation it is (`None`: decided later, as the workflow decides a step).
    operation: Option<Operation>,
    /// Refused on a closed matter.
    open: bool,
    /// The version the writer read, when they sent it.
    expected_version: Option<i64>,
}

/// The start every write on one matter shares, in the order that makes
/// repeats and races come out right: the matter is locked and must be
/// visible, the write the viewer's to make (a repeat passes the same checks
/// as a first request); a repeat of an earlier write (by its idempotency
/// key) then ends here, `Err(first result)`; otherwise the matter must be
/// open and at the version the writer read.
async fn begin<C: sea_orm::ConnectionTrait, T: serde::de::DeserializeOwned>(
    txn: &C,
    actor: &Principal,
    idem: Option<&Idempotency>,
    id: i64,
    needs: Needs,
) -> AppResult<Result<(case_record::Model, Standing), T>> {
    let (current, standing) = lock_visible(txn, actor, id).await?;
    if let Some(op) = needs.operation {
        require(&standing, op)?;
    }
    if let Some(first) = claim(txn, actor, idem).await? {
        return Ok(Err(first));
    }
    if needs.open {
        open(&facts(&current)?)?;
    }
    // The version last: of many writers who read one version, the first
    // wins and every other is told the record moved on.
    check_version("case", current.version, needs.expected_version)?;
    Ok(Ok((current, standing)))
}

/// The agencies a write names must lie within the writer's reach for `op`:
/// outside it an agency does not exist for them (`NOT_FOUND`, as a read
/// says), so no one can take a number on, or hand a matter to, another
/// province's police.
async fn agencies_in_reach<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    op: Operation,
    ids: &[i64],
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = crate::db::agencies::by_ids(txn, &actor.reach_for(op.allowed_roles()), ids).await?;
    match ids.iter().all(|id| found.contains_key(id)) {
        true => Ok(()),
        false => Err(AppError::NotFound("agency")),
    }
}
