//! An agency attached to a committee: its advisory agency or a functional one.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agency")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The committee the agency staffs (advisory) or works with (functional).
    pub committee_id: i64,
    /// `ADVISORY`, `POLICE`, `PROCURACY`, `COURT`, `INSPECTORATE`,
    /// `STATE_AUDIT` or `PARTY_INSPECTION`.
    pub kind: String,
    pub name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::committee::Entity",
        from = "Column::CommitteeId",
        to = "super::committee::Column::Id"
    )]
    Committee,
}

impl ActiveModelBehavior for ActiveModel {}
