//! A person prosecuted in a case (not a committee member).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "defendant")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub full_name: String,
    pub position_held: String,
    /// A cadre or civil servant.
    pub cadre: bool,
    pub party_member: bool,
    /// A leader or manager.
    pub leader: bool,
    pub centrally_managed: bool,
    pub non_state_sector: bool,
    pub status: String,
    /// The charges, a JSON array of strings.
    pub charges: String,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
