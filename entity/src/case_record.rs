//! A case ("vụ án") or incident ("vụ việc") a committee monitors. The table
//! is `case_record` because `case` is an SQL keyword.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `CASE` or `INCIDENT`.
    pub kind: String,
    pub code: String,
    pub title: String,
    /// Code and title folded for search (lower case, no diacritics).
    pub search_text: String,
    pub summary: String,
    pub field: String,
    pub public_concern: bool,
    pub non_state_sector: bool,
    pub source: String,
    /// Loss in VND, exact; unknown while null.
    pub loss_amount: Option<i64>,
    /// Sum of the recoveries, in VND.
    pub recovered_amount: i64,
    /// The committee that monitors and directs it.
    pub monitoring_committee_id: i64,
    /// The central committee, when it assigned the matter to a province.
    pub assigning_committee_id: Option<i64>,
    /// The functional agency handling it now.
    pub handling_agency_id: Option<i64>,
    pub monitoring_state: String,
    pub procedure_state: String,
    /// The procedure state a suspended case resumes to.
    pub suspended_from: Option<String>,
    pub in_absentia: bool,
    /// The incident this case was opened from (transfer to investigation).
    pub origin_case_id: Option<i64>,
    pub opened_on: Date,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `<registered_by_committee_id>/<code>`, unique: a code is unique among
    /// the matters one committee registered (`ck_case_code_key`).
    // Results stored before the column was added (idempotency keys) lack it.
    #[serde(default)]
    pub code_key: String,
    /// The committee that registered it (monitoring it when it was created),
    /// whose codes and references its own must not repeat.
    // Results stored before the column was added (idempotency keys) lack it.
    #[serde(default)]
    pub registered_by_committee_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
