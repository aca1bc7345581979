//! Writes to committees: create, update, merge.

use chrono::NaiveDate;
use entity::committee;
use serde_json::json;

use super::check_version;
use crate::db::audit::{self, Event};
use crate::db::committees::{self, CommitteeChanges, NewCommittee};
use crate::db::{Db, positions};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::rules;
use crate::domain::{Principal, Reach};
use crate::error::{AppError, AppResult};

/// The audit entry of a committee as it is after a write.
pub fn event(action: AuditAction, c: &committee::Model, committees: Vec<i64>) -> Event {
    let payload = json!({
        "code": c.code, "name": c.name, "level": c.level, "parentId": c.parent_id,
        "province": c.province, "establishedOn": c.established_on, "regulation": c.regulation,
        "status": c.status, "successorId": c.successor_id, "endedOn": c.ended_on, "version": c.version,
    });
    Event { action, entity: AuditEntity::Committee, entity_id: c.id, committees, case: None, payload }
}

/// Creates a provincial committee under the central one.
pub async fn create(db: &Db, actor: &Principal, new: NewCommittee) -> AppResult<committee::Model> {
    crate::in_transaction!(db, txn => {
        let central = committees::central(txn).await?;
        let row = committees::insert(txn, central.id, &new).await?;
        audit::append(txn, actor, vec![event(AuditAction::CommitteeCreate, &row, vec![row.id])]).await?;
        Ok(row)
    })
}

pub async fn update(
    db: &Db,
    actor: &Principal,
    reach: &Reach,
    id: i64,
    expected_version: Option<i64>,
    changes: CommitteeChanges,
) -> AppResult<committee::Model> {
    crate::in_transaction!(db, txn => {
        let current = committees::lock_one(txn, reach, id).await?;
        check_version("committee", current.version, expected_version)?;
        if let Some(day) = changes.established_on {
            let (earliest, _) = positions::start_range(txn, id).await?;
            rules::establishment(day, earliest)?;
        }
        let row = committees::update(txn, current, &changes).await?;
        audit::append(txn, actor, vec![event(AuditAction::CommitteeUpdate, &row, vec![row.id])]).await?;
        Ok(row)
    })
}

/// Merges `merged_id` into `successor_id` from `effective_on`: the merged
/// committee is kept with its history, marked `MERGED`, points at its
/// successor, and its open seats end the day before the merge takes effect.
/// The merge is in both committees' trails.
pub async fn merge(
    db: &Db,
    actor: &Principal,
    reach: &Reach,
    merged_id: i64,
    successor_id: i64,
    effective_on: NaiveDate,
    expected_version: Option<i64>,
) -> AppResult<committee::Model> {
    crate::in_transaction!(db, txn => {
        let mut locked = committees::lock(txn, reach, &[merged_id, successor_id]).await?;
        let merged = locked.remove(&merged_id).ok_or(AppError::NotFound("committee"))?;
        let successor = match locked.remove(&successor_id) {
            Some(s) => s,
            None if successor_id == merged_id => merged.clone(),
            None => return Err(AppError::NotFound("successor committee")),
        };
        check_version("committee", merged.version, expected_version)?;
        let (_, latest) = positions::start_range(txn, merged.id).await?;
        let same = merged_id == successor_id;
        let facts = (committees::facts(&merged), committees::facts(&successor));
        let last_day = rules::merge(&facts.0, &facts.1, same, effective_on, latest)?;
        let mut events = Vec::new();
        for seat in positions::lock_not_ended_before(txn, merged.id, effective_on).await? {
            if seat.end_on.is_some_and(|end| end <= last_day) {
                continue;
            }
            let reason = Some(format!("committee merged into {}", successor.code));
            let seat = positions::end(txn, seat, last_day, reason).await?;
            events.push(super::positions::event(AuditAction::PositionEnd, &seat));
        }
        let row = committees::mark_merged(txn, merged, successor.id, effective_on).await?;
        events.push(event(AuditAction::CommitteeMerge, &row, vec![row.id, successor.id]));
        audit::append(txn, actor, events).await?;
        Ok(row)
    })
}
