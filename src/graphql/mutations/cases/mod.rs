//! Writes to cases and incidents and their records. Each resolver parses its
//! input into domain values; `service::cases` checks the caller's standing
//! on the matter, lets the workflow decide, writes and audits.

use async_graphql::{Context, ID, Object, Result};

use super::{check, run, sent, written};
use crate::db::cases::{CaseChanges, DefendantFields};
use crate::domain::cases::{self as workflow, StepDetails};
use crate::domain::org::{NAME_MAX, REASON_MAX, TITLE_MAX, date, text};
use crate::domain::records::{self, DECISION_REF_MAX, NUMBER_MAX, SUMMARY_MAX};
use crate::error::{AppError, AppResult};
use crate::graphql::context;
use crate::graphql::ids::{self, Kind};
use crate::graphql::types::case::{Case, CaseReference, Defendant, DisciplinaryAction, Recovery};
use crate::graphql::types::scalars::Date;
use crate::service::cases::{self as service, CaseDraft, Discipline, DisciplineOwner};

mod inputs;
mod payloads;

pub use inputs::*;
pub use payloads::*;

#[derive(Default)]
pub struct CaseMutation;

fn opt_id(kind: Kind, id: Option<ID>, field: &str) -> AppResult<Option<i64>> {
    id.map(|id| ids::decode(kind, &id, &[field])).transpose()
}

fn version(v: Option<i32>) -> Option<i64> {
    v.map(i64::from)
}

fn day(field: &'static str, d: Date) -> AppResult<chrono::NaiveDate> {
    check(date(field, d.0))
}

fn opt_text(field: &'static str, v: Option<String>, max: usize) -> AppResult<Option<String>> {
    v.map(|t| check(text(field, &t, max))).transpose()
}

/// The defendant's fields from an input, each given or kept from `current`.
fn defendant_fields(input: &UpdateDefendantInput, current: &entity::defendant::Model) -> AppResult<DefendantFields> {
    Ok(DefendantFields {
        full_name: opt_text("fullName", input.full_name.clone(), NAME_MAX)?
            .unwrap_or_else(|| current.full_name.clone()),
        position_held: opt_text("positionHeld", input.position_held.clone(), TITLE_MAX)?
            .unwrap_or_else(|| current.position_held.clone()),
        cadre: input.cadre.unwrap_or(current.cadre),
        party_member: input.party_member.unwrap_or(current.party_member),
        leader: input.leader.unwrap_or(current.leader),
        centrally_managed: input.centrally_managed.unwrap_or(current.centrally_managed),
        non_state_sector: input.non_state_sector.unwrap_or(current.non_state_sector),
        status: match input.status {
            Some(s) => workflow::DefendantStatus::from(s).as_str().to_owned(),
            None => current.status.clone(),
        },
        charges: match &input.charges {
            Some(list) => check(records::charges("charges", list.clone()))?,
            None => service::charges_of(current)?,
        },
    })
}

#[Object]
impl CaseMutation {
    /// Records a case or incident, `PROPOSED` to its committee's standing
    /// committee, at the start of its procedure. `MANAGE_CASES` on the committee.
    async fn create_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: CreateCaseInput,
    ) -> Result<CreateCasePayload> {
        run(async {
            let sent = sent(ctx, input.meta, "createCase")?;
            let mut references = Vec::new();
            for (i, r) in input.references.into_iter().enumerate() {
                let agency = ids::decode(Kind::Agency, &r.agency_id, &["references", &i.to_string(), "agencyId"])?;
                let number = text("number", &r.number, NUMBER_MAX)
                    .map_err(|e| AppError::bad_input(&["references", &i.to_string(), "number"], e.message))?;
                references.push((agency, number));
            }
            let draft = CaseDraft {
                kind: input.kind.into(),
                code: check(records::case_code("code", &input.code))?,
                title: check(text("title", &input.title, TITLE_MAX))?,
                summary: check(records::optional_text("summary", Some(input.summary), SUMMARY_MAX))?
                    .unwrap_or_default(),
                field: workflow::CaseField::from(input.field).as_str().to_owned(),
                public_concern: input.public_concern,
                non_state_sector: input.non_state_sector,
                source: workflow::CaseSource::from(input.source).as_str().to_owned(),
                loss_amount: input.loss_amount.map(|v| v.0),
                monitoring_committee_id: ids::decode(Kind::Committee, &input.committee_id, &["committeeId"])?,
                handling_agency_id: opt_id(Kind::Agency, input.handling_agency_id, "handlingAgencyId")?,
                opened_on: day("openedOn", input.opened_on)?,
            };
            let db = &context::request(ctx)?.db;
            let done = service::create(db, context::viewer(ctx)?, draft, references, sent.idem()).await?;
            Ok(CreateCasePayload { client_mutation_id: sent.client_mutation_id, case: Case::from(written(ctx, done)?) })
        })
        .await
    }

    /// Changes a matter's details. `MANAGE_CASES` on its committee; a closed
    /// record refuses (`CONFLICT`, `CLOSED`).
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: UpdateCaseInput,
    ) -> Result<UpdateCasePayload> {
        run(async {
            let sent = sent(ctx, input.meta, "updateCase")?;
            let id = ids::decode(Kind::Case, &input.id, &["id"])?;
            let changes = CaseChanges {
                title: opt_text("title", input.title, TITLE_MAX)?,
                summary: opt_text("summary", input.summary, SUMMARY_MAX)?,
                field: input.field.map(|f| workflow::CaseField::from(f).as_str().to_owned()),
                public_concern: input.public_concern,
                non_state_sector: input.non_state_sector,
                source: input.source.map(|s| workflow::CaseSource::from(s).as_str().to_owned()),
                loss_amount: input.loss_amount.map(|v| v.0),
                handling_agency_id: opt_id(Kind::Agency, input.handling_agency_id, "handlingAgencyId")?,
            };
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let assessed = input.loss_assessed_on.map(|d| day("lossAssessedOn", d)).transpose()?;
            let expected = version(input.expected_version);
            let done = service::update(db, actor, id, expected, changes, assessed, sent.idem()).await?;
            Ok(UpdateCasePayload { client_mutation_id: sent.client_mutation_id, case: Case::from(written(ctx, done)?) })
        })
        .await
    }

    /// Takes a workflow step (see `workflow` and the matter's
    /// `availableTransitions`). A step not possible from the current state
    /// is `BAD_USER_INPUT` (`STEP_NOT_POSSIBLE`), one the caller's roles do
    /// not grant `FORBIDDEN` (both list `extensions.possibleSteps`), a stale
    /// `expectedVersion` `CONFLICT` with `extensions.currentVersion`, a
    /// missing requirement `BAD_USER_INPUT` naming the field.
    async fn transition_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: TransitionCaseInput,
    ) -> Result<TransitionCasePayload> {
        run(async {
            let sent = sent(ctx, input.meta, "transitionCase")?;
            let id = ids::decode(Kind::Case, &input.id, &["id"])?;
            let details = StepDetails {
                decision_ref: check(records::optional_text("decisionRef", input.decision_ref, DECISION_REF_MAX))?,
                effective_on: input.effective_on.map(|d| day("effectiveOn", d)).transpose()?,
                reason: check(records::optional_text("reason", input.reason, REASON_MAX))?,
            };
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done =
                service::transition(db, actor, id, input.transition.into(), expected, details, sent.idem()).await?;
            Ok(TransitionCasePayload { client_mutation_id: sent.client_mutation_id, stepped: written(ctx, done)? })
        })
        .await
    }

    /// The central committee's standing committee assigns a matter it
    /// monitors to a provincial committee to direct; it stays visible to
    /// both (`assigningCommittee`).
    async fn assign_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: AssignCaseInput,
    ) -> Result<AssignCasePayload> {
        run(async {
            let sent = sent(ctx, input.meta, "assignCase")?;
            let id = ids::decode(Kind::Case, &input.id, &["id"])?;
            let committee = ids::decode(Kind::Committee, &input.committee_id, &["committeeId"])?;
            let decision_ref = check(text("decisionRef", &input.decision_ref, DECISION_REF_MAX))?;
            let on = day("effectiveOn", input.effective_on)?;
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done = service::assign(db, actor, id, committee, expected, decision_ref, on, sent.idem()).await?;
            Ok(AssignCasePayload { client_mutation_id: sent.client_mutation_id, case: Case::from(written(ctx, done)?) })
        })
        .await
    }

    /// Records another agency's number for a matter, so that agency finds
    /// it with `caseByReference`. `MANAGE_CASES`, or an `AGENCY` role for
    /// its own agency's number on a matter it handles. A number its agency
    /// already gave another matter this committee registered is a
    /// `CONFLICT` (`DUPLICATE`).
    async fn add_case_reference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: AddCaseReferenceInput,
    ) -> Result<AddCaseReferencePayload> {
        run(async {
            let sent = sent(ctx, input.meta, "addCaseReference")?;
            let id = ids::decode(Kind::Case, &input.case_id, &["caseId"])?;
            let agency = ids::decode(Kind::Agency, &input.agency_id, &["agencyId"])?;
            let number = check(text("number", &input.number, NUMBER_MAX))?;
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done = service::add_reference(db, actor, id, agency, number, expected, sent.idem()).await?;
            let (reference, case) = written(ctx, done)?;
            Ok(AddCaseReferencePayload {
                client_mutation_id: sent.client_mutation_id,
                reference: CaseReference(reference),
                case: Case::from(case),
            })
        })
        .await
    }

    /// Adds a defendant to a case. `RECORD_PROCEDURE` (an `AGENCY` role: on
    /// a case its agency handles).
    async fn add_defendant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: AddDefendantInput,
    ) -> Result<AddDefendantPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "addDefendant")?;
            let case_id = ids::decode(Kind::Case, &input.case_id, &["caseId"])?;
            let fields = DefendantFields {
                full_name: check(text("fullName", &input.full_name, NAME_MAX))?,
                position_held: check(records::optional_text("positionHeld", Some(input.position_held), TITLE_MAX))?
                    .unwrap_or_default(),
                cadre: input.cadre,
                party_member: input.party_member,
                leader: input.leader,
                centrally_managed: input.centrally_managed,
                non_state_sector: input.non_state_sector,
                status: workflow::DefendantStatus::from(input.status).as_str().to_owned(),
                charges: check(records::charges("charges", input.charges))?,
            };
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let prosecuted = input.prosecuted_on.map(|d| day("prosecutedOn", d)).transpose()?;
            let done = service::add_defendant(db, actor, case_id, expected, fields, prosecuted, sent.idem()).await?;
            let (defendant, case) = written(ctx, done)?;
            Ok(AddDefendantPayload {
                client_mutation_id: sent.client_mutation_id,
                defendant: Defendant(defendant),
                case: Case::from(case),
            })
        })
        .await
    }

    /// Changes a defendant's details or status. `RECORD_PROCEDURE` on the case.
    async fn update_defendant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: UpdateDefendantInput,
    ) -> Result<UpdateDefendantPayload> {
        run(async {
            let sent = sent(ctx, input.meta.clone(), "updateDefendant")?;
            let id = ids::decode(Kind::Defendant, &input.id, &["id"])?;
            // The new fields are checked before anything is locked; the
            // stored ones they keep are read under the lock.
            if let Some(list) = &input.charges {
                check(records::charges("charges", list.clone()))?;
            }
            opt_text("fullName", input.full_name.clone(), NAME_MAX)?;
            opt_text("positionHeld", input.position_held.clone(), TITLE_MAX)?;
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let status_on = input.status_effective_on.map(|d| day("statusEffectiveOn", d)).transpose()?;
            let change = |d: &entity::defendant::Model| defendant_fields(&input, d);
            let done = service::update_defendant(db, actor, id, expected, change, status_on, sent.idem()).await?;
            Ok(UpdateDefendantPayload {
                client_mutation_id: sent.client_mutation_id,
                defendant: Defendant(written(ctx, done)?),
            })
        })
        .await
    }

    /// Records a disciplinary action, linked to a case or to a committee
    /// alone. `MANAGE_CASES` on the committee (the case's, when linked).
    async fn record_disciplinary_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: RecordDisciplinaryActionInput,
    ) -> Result<RecordDisciplinaryActionPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "recordDisciplinaryAction")?;
            let owner = match &input.owner {
                DisciplineOwnerInput::CaseId(id) => {
                    DisciplineOwner::Case(ids::decode(Kind::Case, id, &["owner", "caseId"])?)
                }
                DisciplineOwnerInput::CommitteeId(id) => {
                    DisciplineOwner::Committee(ids::decode(Kind::Committee, id, &["owner", "committeeId"])?)
                }
            };
            let discipline = Discipline {
                subject_kind: workflow::DisciplineSubject::from(input.subject_kind).as_str().to_owned(),
                subject_name: check(text("subjectName", &input.subject_name, TITLE_MAX))?,
                form: workflow::DisciplineForm::from(input.form).as_str().to_owned(),
                deciding_body: check(text("decidingBody", &input.deciding_body, TITLE_MAX))?,
                decided_on: day("decidedOn", input.decided_on)?,
            };
            let db = &context::request(ctx)?.db;
            let done = service::record_discipline(db, context::viewer(ctx)?, owner, discipline, sent.idem()).await?;
            Ok(RecordDisciplinaryActionPayload {
                client_mutation_id: sent.client_mutation_id,
                disciplinary_action: DisciplinaryAction(written(ctx, done)?),
            })
        })
        .await
    }

    /// Records an amount recovered for a case; its `recoveredAmount` grows
    /// by it. `MANAGE_CASES` on the case's committee.
    async fn record_recovery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: RecordRecoveryInput,
    ) -> Result<RecordRecoveryPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "recordRecovery")?;
            let case_id = ids::decode(Kind::Case, &input.case_id, &["caseId"])?;
            if input.amount.0 <= 0 {
                return Err(AppError::bad_input(&["amount"], "must be more than zero"));
            }
            let on = day("recoveredOn", input.recovered_on)?;
            let reference = check(text("reference", &input.reference, DECISION_REF_MAX))?;
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done =
                service::record_recovery(db, actor, case_id, expected, input.amount.0, on, reference, sent.idem())
                    .await?;
            let (recovery, case) = written(ctx, done)?;
            Ok(RecordRecoveryPayload {
                client_mutation_id: sent.client_mutation_id,
                recovery: Recovery(recovery),
                case: Case::from(case),
            })
        })
        .await
    }

    /// Reverses a recovery recorded in error with a negating entry on the
    /// same day (the case's `recoveredAmount` falls by it); the recovery
    /// itself is never edited. A recovery is reversed once; a reversing
    /// entry is not reversed. `MANAGE_CASES` on the case's committee.
    async fn reverse_recovery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The write (see its type).")] input: ReverseRecoveryInput,
    ) -> Result<ReverseRecoveryPayload> {
        run(async {
            let sent = sent(ctx, input.meta, "reverseRecovery")?;
            let id = ids::decode(Kind::Recovery, &input.recovery_id, &["recoveryId"])?;
            let reason = check(text("reason", &input.reason, REASON_MAX))?;
            let db = &context::request(ctx)?.db;
            let actor = context::viewer(ctx)?;
            let expected = version(input.expected_version);
            let done = service::reverse_recovery(db, actor, id, expected, reason, sent.idem()).await?;
            let (recovery, case) = written(ctx, done)?;
            Ok(ReverseRecoveryPayload {
                client_mutation_id: sent.client_mutation_id,
                recovery: Recovery(recovery),
                case: Case::from(case),
            })
        })
        .await
    }
}
