//! Writes to seats: appoint, update, end. A committee's seat writes take
//! turns on the committee's row (locked first), so the seat rules are decided
//! on settled facts; the database's exclusion constraints back them up.

use chrono::NaiveDate;
use entity::{person, position};
use serde_json::json;

use super::idempotency::{Idempotency, Written, claim, finish};
use super::{check_version, reach};
use crate::db::audit::{self, Event};
use crate::db::columns::Columns;
use crate::db::positions::{self, NewPosition, PositionChanges};
use crate::db::{Db, committees, people};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::rules::{self, SeatFacts};
use crate::domain::{Operation, Principal, Reach};
use crate::error::{AppError, AppResult};

/// The audit entry of a seat as it is after a write, in its committee's trail.
pub fn event(action: AuditAction, p: &position::Model) -> Event {
    let payload = json!({
        "personId": p.person_id, "committeeId": p.committee_id, "role": p.role, "standing": p.standing,
        "title": p.title, "startOn": p.start_on, "endOn": p.end_on, "endReason": p.end_reason,
        "version": p.version,
    });
    Event {
        action,
        entity: AuditEntity::Position,
        entity_id: p.id,
        committees: vec![p.committee_id],
        case: None,
        payload,
    }
}

/// Seats a person on a committee: `ADMIN` reaching it.
pub async fn appoint(
    db: &Db,
    actor: &Principal,
    new: NewPosition,
    idem: Option<&Idempotency>,
) -> AppResult<Written<position::Model>> {
    let reach = &reach(actor, Operation::ManageOrganisation)?;
    crate::in_transaction!(db, txn => {
        let committee = committees::lock_one(txn, reach, new.committee_id).await?;
        // The person must be visible to the caller too (their own province's
        // staff, or someone who already sits within reach).
        if people::by_ids(txn, reach, &[new.person_id], Columns::of([person::Column::Id])).await?.is_empty() {
            return Err(AppError::NotFound("person"));
        }
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        let seats: Vec<SeatFacts> = positions::lock_not_ended_before(txn, committee.id, new.start_on)
            .await?
            .iter()
            .map(positions::facts)
            .collect();
        let wanted = SeatFacts { person_id: new.person_id, role: Some(new.role), start_on: new.start_on, end_on: None };
        rules::appointment(&committees::facts(&committee), &seats, &wanted)?;
        let row = positions::insert(txn, &new).await?;
        audit::append(txn, actor, vec![event(AuditAction::PositionAppoint, &row)]).await?;
        finish(txn, actor, idem, "Position", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Locks a seat's committee, then the seat (the order every seat write uses).
async fn lock_seat<C: sea_orm::ConnectionTrait>(txn: &C, reach: &Reach, id: i64) -> AppResult<position::Model> {
    let seat = positions::by_ids(txn, reach, &[id]).await?.remove(&id).ok_or(AppError::NotFound("position"))?;
    committees::lock_one(txn, reach, seat.committee_id).await?;
    positions::lock_one(txn, reach, id).await
}

pub async fn update(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: PositionChanges,
    idem: Option<&Idempotency>,
) -> AppResult<Written<position::Model>> {
    let reach = &reach(actor, Operation::ManageOrganisation)?;
    crate::in_transaction!(db, txn => {
        let current = lock_seat(txn, reach, id).await?;
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        check_version("position", current.version, expected_version)?;
        let row = positions::update(txn, current, &changes).await?;
        audit::append(txn, actor, vec![event(AuditAction::PositionUpdate, &row)]).await?;
        finish(txn, actor, idem, "Position", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Ends a term on `end_on` (its last day). The row stays: history is kept.
#[allow(clippy::too_many_arguments)]
pub async fn end(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    end_on: NaiveDate,
    reason: Option<String>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<position::Model>> {
    let reach = &reach(actor, Operation::ManageOrganisation)?;
    crate::in_transaction!(db, txn => {
        let current = lock_seat(txn, reach, id).await?;
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        check_version("position", current.version, expected_version)?;
        let end_on = rules::end_of_term(&positions::facts(&current), end_on)?;
        let row = positions::end(txn, current, end_on, reason.clone()).await?;
        audit::append(txn, actor, vec![event(AuditAction::PositionEnd, &row)]).await?;
        finish(txn, actor, idem, "Position", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}
