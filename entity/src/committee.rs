//! A steering committee: the central one or a provincial one.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "committee")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Stable upper-case code, e.g. `CENTRAL`, `NGHE_AN`; unique.
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// `name` folded for search (lower case, no diacritics).
    pub search_name: String,
    /// `CENTRAL` or `PROVINCIAL`.
    pub level: String,
    /// The central committee for a provincial one; none for the central one.
    pub parent_id: Option<i64>,
    /// Province or centrally-run city the committee serves (provincial only).
    pub province: Option<String>,
    pub established_on: Date,
    /// Governing regulation, e.g. "67-QD/TW".
    pub regulation: String,
    /// `ACTIVE`, `MERGED` or `DISSOLVED`.
    pub status: String,
    /// The committee this one was merged into.
    pub successor_id: Option<i64>,
    /// The active committee at the end of the merge chain, which holds this
    /// merged committee's matters now (set with `successor_id`).
    pub heir_id: Option<i64>,
    /// When a merge or dissolution took effect.
    pub ended_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; writers may require the version they read.
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
    #[sea_orm(has_many = "super::position::Entity")]
    Position,
}

impl Related<super::position::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Position.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
