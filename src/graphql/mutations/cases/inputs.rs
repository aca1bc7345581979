//! The inputs of the case mutations: one per mutation, each with
//! `clientMutationId`, `idempotencyKey` and, on a versioned record,
//! `expectedVersion`.

use async_graphql::{ID, InputObject, OneofObject};

use crate::graphql::mutations::Meta;
use crate::graphql::types::enums::{
    CaseField, CaseKind, CaseSource, CaseTransition, DefendantStatus, DisciplineForm, DisciplineSubject,
};
use crate::graphql::types::scalars::{Date, Vnd};

/// Another agency's number for a new matter.
#[derive(InputObject)]
pub struct CaseReferenceInput {
    /// The issuing agency (police, procuracy, court ...).
    pub agency_id: ID,
    /// Its number (at most 64 characters), unique for that agency among the
    /// matters this committee registered.
    pub number: String,
}

/// A new case or incident, proposed to its committee's standing committee.
#[derive(InputObject)]
pub struct CreateCaseInput {
    /// A case or an incident.
    pub kind: CaseKind,
    /// Its code: 1 to 64 upper-case letters, digits, `-`, `/`, `.` or `_`,
    /// unique among the matters the committee registered.
    pub code: String,
    /// Title (at most 300 characters).
    pub title: String,
    /// Summary (at most 5,000 characters).
    #[graphql(default)]
    pub summary: String,
    /// The domain it concerns.
    pub field: CaseField,
    /// Whether it is of public concern.
    #[graphql(default = false)]
    pub public_concern: bool,
    /// Whether it is in the non-state sector.
    #[graphql(default = false)]
    pub non_state_sector: bool,
    /// Where it came to light.
    pub source: CaseSource,
    /// The loss, in VND, if known.
    pub loss_amount: Option<Vnd>,
    /// The committee that will monitor it.
    pub committee_id: ID,
    /// The functional agency handling it.
    pub handling_agency_id: Option<ID>,
    /// The day it was opened.
    pub opened_on: Date,
    /// Numbers other agencies gave it.
    #[graphql(default)]
    pub references: Vec<CaseReferenceInput>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// Changes to a matter's details; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCaseInput {
    /// The matter's global ID.
    pub id: ID,
    /// The version you read (`version`); if the matter has changed since, the
    /// write is refused with `CONFLICT` (`STALE_VERSION`) and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
    /// Title (at most 300 characters).
    pub title: Option<String>,
    /// Summary (at most 5,000 characters).
    pub summary: Option<String>,
    /// The domain it concerns.
    pub field: Option<CaseField>,
    /// Whether it is of public concern.
    pub public_concern: Option<bool>,
    /// Whether it is in the non-state sector.
    pub non_state_sector: Option<bool>,
    /// Where it came to light.
    pub source: Option<CaseSource>,
    /// The loss, in VND.
    pub loss_amount: Option<Vnd>,
    /// The day a changed `lossAmount` was assessed (default: today in the
    /// committees' calendar); the figures of periods from that day use it.
    pub loss_assessed_on: Option<Date>,
    /// The functional agency handling it now.
    pub handling_agency_id: Option<ID>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// A workflow step on a matter.
#[derive(InputObject)]
pub struct TransitionCaseInput {
    /// The matter's global ID.
    pub id: ID,
    /// The step.
    pub transition: CaseTransition,
    /// The version you read; a stale one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// The day the step takes effect.
    pub effective_on: Option<Date>,
    /// The reference number of the decision (at most 100 characters).
    pub decision_ref: Option<String>,
    /// Why (at most 500 characters).
    pub reason: Option<String>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// A matter the central committee hands to a provincial committee.
#[derive(InputObject)]
pub struct AssignCaseInput {
    /// The matter's global ID.
    pub id: ID,
    /// The provincial committee that will direct it.
    pub committee_id: ID,
    /// The reference number of the decision (at most 100 characters).
    pub decision_ref: String,
    /// The day the assignment takes effect.
    pub effective_on: Date,
    /// The version you read; a stale one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// Another agency's number for a matter.
#[derive(InputObject)]
pub struct AddCaseReferenceInput {
    /// The matter's global ID.
    pub case_id: ID,
    /// The issuing agency (police, procuracy, court ...).
    pub agency_id: ID,
    /// Its number (at most 64 characters), unique for that agency among the
    /// matters this committee registered.
    pub number: String,
    /// The matter's version you read; a stale one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// A defendant added to a case.
#[derive(InputObject)]
pub struct AddDefendantInput {
    /// The case's global ID.
    pub case_id: ID,
    /// The case's version you read; a stale one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// Full name (at most 200 characters).
    pub full_name: String,
    /// The position held (at most 300 characters).
    #[graphql(default)]
    pub position_held: String,
    /// A cadre or civil servant.
    #[graphql(default = false)]
    pub cadre: bool,
    /// A Party member.
    #[graphql(default = false)]
    pub party_member: bool,
    /// A leader or manager.
    #[graphql(default = false)]
    pub leader: bool,
    /// A centrally managed official.
    #[graphql(default = false)]
    pub centrally_managed: bool,
    /// In the non-state sector.
    #[graphql(default = false)]
    pub non_state_sector: bool,
    /// Where the defendant stands.
    #[graphql(default_with = "DefendantStatus::Prosecuted")]
    pub status: DefendantStatus,
    /// The charges (at most 20, each at most 300 characters).
    #[graphql(default)]
    pub charges: Vec<String>,
    /// The day the defendant was prosecuted (default: today in the
    /// committees' calendar); not before the case was opened.
    pub prosecuted_on: Option<Date>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// Changes to a defendant; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateDefendantInput {
    /// The defendant's global ID.
    pub id: ID,
    /// The defendant's version you read; a stale one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// Full name (at most 200 characters).
    pub full_name: Option<String>,
    /// The position held.
    pub position_held: Option<String>,
    /// A cadre or civil servant.
    pub cadre: Option<bool>,
    /// A Party member.
    pub party_member: Option<bool>,
    /// A leader or manager.
    pub leader: Option<bool>,
    /// A centrally managed official.
    pub centrally_managed: Option<bool>,
    /// In the non-state sector.
    pub non_state_sector: Option<bool>,
    /// Where the defendant stands.
    pub status: Option<DefendantStatus>,
    /// The charges (replacing the list).
    pub charges: Option<Vec<String>>,
    /// The day a changed `status` took effect (default: today in the
    /// committees' calendar); not before the defendant's previous status.
    pub status_effective_on: Option<Date>,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// What a disciplinary action is recorded on: exactly one of the two.
#[derive(OneofObject)]
pub enum DisciplineOwnerInput {
    /// The case it is linked to; the case's committee records it.
    CaseId(ID),
    /// The committee recording an action linked to no case.
    CommitteeId(ID),
}

/// A disciplinary action.
#[derive(InputObject)]
pub struct RecordDisciplinaryActionInput {
    /// The case it is linked to, or the committee recording it.
    pub owner: DisciplineOwnerInput,
    /// An organisation or an individual.
    pub subject_kind: DisciplineSubject,
    /// The organisation or person (at most 300 characters).
    pub subject_name: String,
    /// The form.
    pub form: DisciplineForm,
    /// The body that decided it (at most 300 characters).
    pub deciding_body: String,
    /// The day it was decided.
    pub decided_on: Date,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// An amount recovered for a case.
#[derive(InputObject)]
pub struct RecordRecoveryInput {
    /// The case's global ID.
    pub case_id: ID,
    /// The case's version you read; a stale one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// In VND, more than zero.
    pub amount: Vnd,
    /// The day it was recovered.
    pub recovered_on: Date,
    /// The decision or receipt it rests on (at most 100 characters).
    pub reference: String,
    #[graphql(flatten)]
    pub meta: Meta,
}

/// Reverses a recovery recorded in error: a negating entry on the same day,
/// never an edit.
#[derive(InputObject)]
pub struct ReverseRecoveryInput {
    /// The recovery's global ID.
    pub recovery_id: ID,
    /// The case's version you read; a stale one is refused with `CONFLICT` (`STALE_VERSION`).
    pub expected_version: Option<i32>,
    /// Why (at most 2,000 characters).
    pub reason: String,
    #[graphql(flatten)]
    pub meta: Meta,
}
