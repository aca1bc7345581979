//! One entry of the audit trail. Each entry carries the hash of the one before
//! it, so an edited or deleted entry breaks the chain and can be detected.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The principal's `sub` claim.
    pub actor: String,
    /// `PERSON` or `SERVICE`.
    pub actor_kind: String,
    /// What was done, e.g. `committee.create`.
    pub action: String,
    /// The kind of record touched, e.g. `Committee`.
    pub entity: String,
    pub entity_id: i64,
    /// The committee whose reach covers this entry.
    pub committee_id: Option<i64>,
    /// The record after the change, as JSON text.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
