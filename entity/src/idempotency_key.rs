//! The first result of a write sent with an idempotency key, per principal,
//! until it expires. In the database, so every instance answers a repeat
//! the same way.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub principal: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The mutation it was sent with.
    pub operation: String,
    /// SHA-256 of the mutation's input: the same key with other input is refused.
    pub request_hash: String,
    /// The global ID type and row of the result.
    pub result_kind: String,
    pub result_id: i64,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// The record the first write returned, as JSON (its sea-orm model).
    #[sea_orm(column_type = "Text", nullable)]
    pub first_result: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
