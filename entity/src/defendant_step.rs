//! A defendant's dated status: prosecuted (no `from_status`), then each
//! change (indicted, convicted, ...), with the committee holding the case on
//! that day. Rows are only ever added.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "defendant_step")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub defendant_id: i64,
    pub case_id: i64,
    /// None for the prosecution itself.
    pub from_status: Option<String>,
    pub to_status: String,
    pub effective_on: Date,
    pub recorded_at: DateTimeUtc,
    pub committee_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
