//! Which committee holds a matter from which day: the one it was registered
//! with, the province the central committee assigned it to, the successor
//! of a merged committee. The holder on a day is the row with the latest
//! `from_on` not after it. Rows are only ever added.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_committee")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub committee_id: i64,
    pub from_on: Date,
    pub recorded_at: DateTimeUtc,
    /// `OPENED`, `ASSIGNED` or `MERGED`.
    pub cause: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
