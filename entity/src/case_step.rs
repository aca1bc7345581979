//! One step a matter took, as a dated fact: which workflow, from and to
//! which state, when it took effect and when it was recorded, on whose
//! decision, and which committee held the matter on the day it took effect.
//! Written in the transaction of its history entry; never changed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "case_step")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    /// `MONITORING` or `PROCEDURE`.
    pub workflow: String,
    /// The transition, e.g. `TAKE_UNDER_MONITORING`.
    pub step: String,
    pub from_state: String,
    pub to_state: String,
    /// The day the decision took effect (the committees' calendar).
    pub effective_on: Date,
    /// When steerql recorded it.
    pub recorded_at: DateTimeUtc,
    pub decision_ref: Option<String>,
    pub reason: Option<String>,
    /// The principal's `sub`.
    pub actor: String,
    /// The committee holding the matter on `effective_on`, whose figures
    /// the step counts in.
    pub committee_id: i64,
    /// The history entry recording it: its chain and place in it.
    pub audit_chain: String,
    pub audit_seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
