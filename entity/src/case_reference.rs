//! A number another agency (police, procuracy, court) gave a matter; unique
//! per agency among the matters one committee registered, so that agency
//! finds the matter by its own number.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_reference")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub agency_id: i64,
    pub number: String,
    pub created_at: DateTimeUtc,
    /// The matter's registering committee (`ux_case_reference_registered`).
    // Results stored before the column was added (idempotency keys) lack it.
    #[serde(default)]
    pub registered_by_committee_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
