//! A signed statement of every audit chain's head at one moment. The key
//! that signs it is not in the database, so rewriting or truncating a chain
//! after a checkpoint is detectable by anyone holding the public key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "audit_checkpoint")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The Ed25519 public key that signed it (hex).
    pub public_key: String,
    /// The exact text signed (see `steerql::domain::audit::Statement`).
    pub statement: String,
    /// The chain heads, a line each, whose Merkle tree's root the statement
    /// signs (format v2); none for a v1 statement, which lists them itself.
    /// Read by central auditors only: it tells every chain's length.
    pub heads: Option<String>,
    /// Ed25519 signature of `statement` (hex).
    pub signature: String,
    /// The hash of the statement before (`GENESIS` for the first); unique,
    /// so the checkpoints never fork. Also inside the signed statement.
    pub prev: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
