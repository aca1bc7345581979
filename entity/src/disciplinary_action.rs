//! A Party disciplinary action against an organisation or an individual.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "disciplinary_action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The committee that records it (the linked case's, if any).
    pub committee_id: i64,
    pub case_id: Option<i64>,
    /// `ORGANISATION` or `INDIVIDUAL`.
    pub subject_kind: String,
    pub subject_name: String,
    pub form: String,
    pub deciding_body: String,
    pub decided_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
