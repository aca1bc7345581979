//! Writes to people: register, update.

use entity::person;
use serde_json::json;

use super::check_version;
use crate::db::audit::{self, Event};
use crate::db::people::{self, NewPerson, PersonChanges};
use crate::db::{Db, committees};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::{Principal, Reach};
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

pub async fn create(db: &Db, actor: &Principal, reach: &Reach, new: NewPerson) -> AppResult<person::Model> {
    crate::in_transaction!(db, txn => {
        if committees::by_ids(txn, reach, &[new.home_committee_id]).await?.is_empty() {
            return Err(AppError::NotFound("committee"));
        }
        let row = people::insert(txn, &new).await?;
        let home = vec![row.home_committee_id];
        audit::append(txn, actor, vec![event(AuditAction::PersonCreate, &row, home)]).await?;
        Ok(row)
    })
}

/// Changes a person. The change is in the trail of every committee their
/// records concern, so a province that seats someone registered elsewhere
/// sees, in its own trail, who renamed them.
pub async fn update(
    db: &Db,
    actor: &Principal,
    reach: &Reach,
    id: i64,
    expected_version: Option<i64>,
    changes: PersonChanges,
) -> AppResult<person::Model> {
    crate::in_transaction!(db, txn => {
        let current = people::lock_one(txn, reach, id).await?;
        check_version("person", current.version, expected_version)?;
        let row = people::update(txn, current, &changes).await?;
        let concerned = people::concerned_committees(txn, &row).await?;
        audit::append(txn, actor, vec![event(AuditAction::PersonUpdate, &row, concerned)]).await?;
        Ok(row)
    })
}
