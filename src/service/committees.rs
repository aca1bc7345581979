//! Writes to committees: create, update, merge.

use chrono::NaiveDate;
use entity::committee;
use serde_json::json;

use super::idempotency::{Idempotency, Written, claim, finish};
use super::{check_version, reach};
use crate::db::audit::{self, Event};
use crate::db::committees::{self, CommitteeChanges, NewCommittee};
use crate::db::{Db, positions};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::rules;
use crate::domain::{Operation, Principal, Reach};
use crate::error::{AppError, AppResult};

/// What a merge wrote: the merged committee, its successor, and the seats
/// it ended.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Merged {
    pub merged: committee::Model,
    pub successor: committee::Model,
    pub ended: Vec<entity::position::Model>,
}

/// The audit entry of a committee as it is after a write.
pub fn event(action: AuditAction, c: &committee::Model, committees: Vec<i64>) -> Event {
    let payload = json!({
        "code": c.code, "name": c.name, "level": c.level, "parentId": c.parent_id,
        "province": c.province, "establishedOn": c.established_on, "regulation": c.regulation,
        "status": c.status, "successorId": c.successor_id, "endedOn": c.ended_on, "version": c.version,
    });
    Event { action, entity: AuditEntity::Committee, entity_id: c.id, committees, case: None, payload }
}

/// Creates a provincial committee under the central one: `ADMIN` on the
/// central committee.
pub async fn create(
    db: &Db,
    actor: &Principal,
    new: NewCommittee,
    idem: Option<&Idempotency>,
) -> AppResult<Written<committee::Model>> {
    if reach(actor, Operation::ManageOrganisation)? != Reach::All {
        return Err(AppError::Forbidden("creating a committee requires ADMIN on the central committee".into()));
    }
    crate::in_transaction!(db, txn => {
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        let central = committees::central(txn).await?;
        let row = committees::insert(txn, central.id, &new).await?;
        audit::append(txn, actor, vec![event(AuditAction::CommitteeCreate, &row, vec![row.id])]).await?;
        finish(txn, actor, idem, "Committee", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Changes a committee: `ADMIN` reaching it.
pub async fn update(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: CommitteeChanges,
    idem: Option<&Idempotency>,
) -> AppResult<Written<committee::Model>> {
    let reach = &reach(actor, Operation::ManageOrganisation)?;
    crate::in_transaction!(db, txn => {
        let current = committees::lock_one(txn, reach, id).await?;
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        check_version("committee", current.version, expected_version)?;
        rules::active(&committees::facts(&current))?;
        if let Some(day) = changes.established_on {
            let (earliest, _) = positions::start_range(txn, id).await?;
            rules::establishment(day, earliest)?;
        }
        let row = committees::update(txn, current, &changes).await?;
        audit::append(txn, actor, vec![event(AuditAction::CommitteeUpdate, &row, vec![row.id])]).await?;
        finish(txn, actor, idem, "Committee", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Merges `merged_id` into `successor_id` from `effective_on`: the merged
/// committee is kept with its history, marked `MERGED`, points at its
/// successor, and its open seats end the day before the merge takes effect.
/// The merge is in both committees' trails. `ADMIN` reaching both.
pub async fn merge(
    db: &Db,
    actor: &Principal,
    merged_id: i64,
    successor_id: i64,
    effective_on: NaiveDate,
    expected_version: Option<i64>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<Merged>> {
    let reach = &reach(actor, Operation::ManageOrganisation)?;
    crate::in_transaction!(db, txn => {
        let mut locked = committees::lock(txn, reach, &[merged_id, successor_id]).await?;
        let merged = locked.remove(&merged_id).ok_or(AppError::NotFound("committee"))?;
        let successor = match locked.remove(&successor_id) {
            Some(s) => s,
            None if successor_id == merged_id => merged.clone(),
            None => return Err(AppError::NotFound("successor committee")),
        };
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        check_version("committee", merged.version, expected_version)?;
        let (_, latest) = positions::start_range(txn, merged.id).await?;
        let same = merged_id == successor_id;
        let facts = (committees::facts(&merged), committees::facts(&successor));
        let last_day = rules::merge(&facts.0, &facts.1, same, effective_on, latest)?;
        let mut events = Vec::new();
        let mut ended = Vec::new();
        for seat in positions::lock_not_ended_before(txn, merged.id, effective_on).await? {
            if seat.end_on.is_some_and(|end| end <= last_day) {
                continue;
            }
            let reason = Some(format!("committee merged into {}", successor.code));
            let seat = positions::end(txn, seat, last_day, reason).await?;
            events.push(super::positions::event(AuditAction::PositionEnd, &seat));
            ended.push(seat);
        }
        let row = committees::mark_merged(txn, merged, successor.id, effective_on).await?;
        // The merged committee's matters count for the successor from the
        // merge on; what fell before stays the merged committee's.
        crate::db::facts::take_over(txn, row.id, successor.id, effective_on).await?;
        events.push(event(AuditAction::CommitteeMerge, &row, vec![row.id, successor.id]));
        audit::append(txn, actor, events).await?;
        let successor = if same { row.clone() } else { successor };
        let written = Merged { merged: row, successor, ended };
        finish(txn, actor, idem, "Committee", written.merged.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}
