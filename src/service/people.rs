//! Writes to people: register, update.

use entity::person;
use serde_json::json;

use super::idempotency::{Idempotency, Written, claim, finish};
use super::{check_version, reach};
use crate::db::audit::{self, Event};
use crate::db::people::{self, NewPerson, PersonChanges};
use crate::db::{Db, committees};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::{Operation, Principal};
use crate::error::{AppError, AppResult};

/// The audit entry of a person as they are after a write, in the trails of
/// `committees` (their home committee and those they sit or sat on).
pub fn event(action: AuditAction, p: &person::Model, committees: Vec<i64>) -> Event {
    let payload = json!({
        "fullName": p.full_name, "partyMember": p.party_member, "homeCommitteeId": p.home_committee_id,
        "version": p.version,
    });
    Event { action, entity: AuditEntity::Person, entity_id: p.id, committees, case: None, payload }
}

/// Registers a person with a committee: `ADMIN` reaching it.
pub async fn create(
    db: &Db,
    actor: &Principal,
    new: NewPerson,
    idem: Option<&Idempotency>,
) -> AppResult<Written<person::Model>> {
    let reach = &reach(actor, Operation::ManageOrganisation)?;
    crate::in_transaction!(db, txn => {
        let found = committees::by_ids(txn, reach, &[new.home_committee_id]).await?;
        let home = found.get(&new.home_committee_id).ok_or(AppError::NotFound("committee"))?;
        crate::domain::rules::active(&committees::facts(home))?;
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        let row = people::insert(txn, &new).await?;
        let home = vec![row.home_committee_id];
        audit::append(txn, actor, vec![event(AuditAction::PersonCreate, &row, home)]).await?;
        finish(txn, actor, idem, "Person", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Changes a person. The change is in the trail of every committee their
/// records concern, so a province that seats someone registered elsewhere
/// sees, in its own trail, who renamed them.
pub async fn update(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: PersonChanges,
    idem: Option<&Idempotency>,
) -> AppResult<Written<person::Model>> {
    let reach = &reach(actor, Operation::ManageOrganisation)?;
    crate::in_transaction!(db, txn => {
        let current = people::lock_one(txn, reach, id).await?;
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        check_version("person", current.version, expected_version)?;
        let row = people::update(txn, current, &changes).await?;
        let concerned = people::concerned_committees(txn, &row).await?;
        audit::append(txn, actor, vec![event(AuditAction::PersonUpdate, &row, concerned)]).await?;
        finish(txn, actor, idem, "Person", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}
