//! A person's seat on one committee for a term. Rows are never overwritten
//! when a term ends: `end_on` is set, so history stays answerable.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "position")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub committee_id: i64,
    /// `HEAD`, `STANDING_DEPUTY_HEAD`, `DEPUTY_HEAD` or `MEMBER`.
    pub role: String,
    /// Whether the seat is on the committee's standing committee.
    pub standing: bool,
    /// The concurrent title that explains the seat.
    pub title: String,
    pub start_on: Date,
    /// Last day of the term (inclusive); none while the seat is held.
    pub end_on: Option<Date>,
    pub end_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; writers may require the version they read.
    pub version: i64,
    /// The role's precedence (0 = head ... 3 = member), computed by the
    /// database from `role`, so seats page in precedence order by an index.
    pub role_rank: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::person::Entity", from = "Column::PersonId", to = "super::person::Column::Id")]
    Person,
    #[sea_orm(
        belongs_to = "super::committee::Entity",
        from = "Column::CommitteeId",
        to = "super::committee::Column::Id"
    )]
    Committee,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::committee::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Committee.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
