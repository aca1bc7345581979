//! An amount recovered for a case, in VND. A recovery recorded in error is
//! corrected by a reversing entry (`reverses_id`, the negated amount, on the
//! same day), never by an edit, so a report as known on an earlier day
//! still shows what was known then.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "recovery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub amount: i64,
    pub recovered_on: Date,
    pub reference: String,
    pub created_at: DateTimeUtc,
    /// The committee holding the case on `recovered_on`.
    // Results stored before the column was added (idempotency keys) lack it.
    #[serde(default)]
    pub committee_id: Option<i64>,
    /// The recovery this entry reverses.
    #[serde(default)]
    pub reverses_id: Option<i64>,
    /// Why a reversing entry was made.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
