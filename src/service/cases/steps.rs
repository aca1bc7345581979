//! Workflow steps: the workflow (`domain::cases`) decides, this writes the
//! step, its effects (an opened investigation, moved defendants) and its
//! history entry.

use entity::{audit_event, case_record, defendant};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::audit;
use crate::db::cases::{self, CaseChanges, CaseMove, NewCase};
use crate::db::facts::{self, Holding, NewStep};
use crate::db::{Db, committees};
use crate::domain::Principal;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::cases::{
    self as workflow, CaseKind, CaseState, DatingFacts, DefendantStatus, Effect, Refusal, Requirement, StepDetails,
    Transition,
};
use crate::error::{AppError, AppResult, Reason};
use crate::service::idempotency::{Idempotency, Written, finish};

use super::{Needs, Standing, begin, case_event, defendant_snapshot, facts, snapshot};

/// The refusal of a step, as the client sees it.
fn refused(refusal: Refusal, name: Transition) -> AppError {
    let list = |allowed: &[Transition]| {
        if allowed.is_empty() {
            "none".to_owned()
        } else {
            allowed.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
        }
    };
    // The steps possible instead, as data (`possibleSteps`) and in the message.
    let step = |reason, field, message: String, allowed: &[Transition]| AppError::Step {
        reason,
        field,
        message: format!("{message}; possible for you now: {}", list(allowed)),
        possible: allowed.iter().map(|t| t.as_str()).collect(),
    };
    match refusal {
        Refusal::NotFromHere { state, allowed } => step(
            Reason::StepNotPossible,
            vec!["transition".to_owned()],
            format!("{} is not possible from {}", name.as_str(), state.as_str()),
            &allowed,
        ),
        Refusal::NotYours { operation, allowed } => step(
            Reason::StepNotGranted,
            Vec::new(),
            format!(
                "{} is operation {}, which none of your roles on this matter grants",
                name.as_str(),
                operation.name()
            ),
            &allowed,
        ),
        Refusal::AssigningCommittees { allowed } => step(
            Reason::AssigningCommitteeDecides,
            Vec::new(),
            format!(
                "the central committee assigned this matter: {} is the assigning committee's decision",
                name.as_str()
            ),
            &allowed,
        ),
        Refusal::Closed => AppError::Conflict(
            Reason::Closed,
            format!(
                "the record is closed (monitoring ended or declined): {} needs REOPEN first, with a reason",
                name.as_str()
            ),
        ),
        Refusal::Missing(r) => {
            let field = match r {
                Requirement::DecisionRef => "decisionRef",
                Requirement::EffectiveOn => "effectiveOn",
                Requirement::Reason => "reason",
            };
            AppError::bad_input(&[field], format!("{} requires `{field}`", name.as_str()))
        }
    }
}

/// Takes a step on a locked matter: the workflow decides, the states move,
/// a transfer opens its linked case, and the history records it.
pub async fn take_step(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Principal,
    current: case_record::Model,
    standing: &Standing,
    name: Transition,
    details: &StepDetails,
    today: chrono::NaiveDate,
) -> AppResult<case_record::Model> {
    Ok(step_in(txn, actor, current, standing, name, details, today).await?.0.case)
}

/// What a step wrote: the matter, the case a transfer opened, the
/// defendants it moved, and (read back once it is in) its history entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stepped {
    pub case: case_record::Model,
    pub opened: Option<case_record::Model>,
    pub defendants: Vec<defendant::Model>,
    pub entry: Option<audit_event::Model>,
}

/// [`take_step`], telling what it wrote and where its entry went.
async fn step_in(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Principal,
    current: case_record::Model,
    standing: &Standing,
    name: Transition,
    details: &StepDetails,
    today: chrono::NaiveDate,
) -> AppResult<(Stepped, (String, i64))> {
    let facts = facts(&current)?;
    let to = workflow::decide(&facts, &standing.actor(), name, details).map_err(|r| refused(r, name))?;
    let step = name.step();
    // Every step is dated (the workflow requires it); the date must fit.
    let on = details.effective_on.ok_or_else(|| AppError::bad_input(&["effectiveOn"], "a step needs `effectiveOn`"))?;
    let holder = held_on(txn, &current, on).await?;
    let previous = facts::last_step_on(txn, current.id, step.machine).await?;
    dated(txn, on, holder, current.opened_on, previous, today, "effectiveOn").await?;
    let mut moved = CaseMove::default();
    match step.machine {
        workflow::Machine::Monitoring => moved.monitoring_state = Some(to),
        workflow::Machine::Procedure => moved.procedure_state = Some(to),
    }
    if to == CaseState::Suspended {
        moved.suspended_from = Some(Some(facts.procedure));
    } else if facts.procedure == CaseState::Suspended && step.machine == workflow::Machine::Procedure {
        moved.suspended_from = Some(None);
    }
    if step.effect == Effect::InAbsentia {
        moved.in_absentia = Some(true);
    }
    let before = json!({ "monitoringState": current.monitoring_state, "procedureState": current.procedure_state });
    let mut linked = None;
    if step.effect == Effect::OpenLinkedCase {
        let new = NewCase {
            kind: CaseKind::Case,
            // Replaced by the first free code derived from the matter's.
            code: String::new(),
            title: current.title.clone(),
            summary: current.summary.clone(),
            field: current.field.clone(),
            public_concern: current.public_concern,
            non_state_sector: current.non_state_sector,
            source: "INVESTIGATION".to_owned(),
            loss_amount: current.loss_amount,
            monitoring_committee_id: current.monitoring_committee_id,
            handling_agency_id: None,
            monitoring_state: facts.monitoring,
            procedure_state: workflow::initial_procedure(CaseKind::Case),
            origin_case_id: Some(current.id),
            opened_on: on,
        };
        let case = cases::insert_derived(txn, &new, &current.code).await?;
        // The case opened on the transfer day, with the committee holding
        // the incident then; the loss passes to it (counted once: the
        // incident stops counting once transferred).
        facts::hold(txn, case.id, holder, on, Holding::Opened).await?;
        facts::insert_loss(txn, case.id, case.loss_amount, on).await?;
        let payload = json!({ "after": snapshot(&case), "openedBy": name.as_str(), "originCaseId": current.id });
        audit::append(
            txn,
            actor,
            vec![case_event(AuditAction::CaseCreate, AuditEntity::Case, case.id, &case, payload)],
        )
        .await?;
        linked = Some(case);
    }
    let indicted = if step.effect == Effect::IndictDefendants {
        let (from, to) = (DefendantStatus::Prosecuted.as_str(), DefendantStatus::Indicted.as_str());
        cases::move_defendants(txn, current.id, from, to).await?
    } else {
        Vec::new()
    };
    let row = cases::update(txn, current, &CaseChanges::default(), &moved).await?;
    let payload = json!({
        "transition": name.as_str(),
        "before": before,
        "after": { "monitoringState": row.monitoring_state, "procedureState": row.procedure_state },
        "effectiveOn": details.effective_on.map(|d| d.to_string()),
        "decisionRef": details.decision_ref,
        "reason": details.reason,
        "linkedCaseId": linked.as_ref().map(|c| c.id),
        "version": row.version,
    });
    let mut events = vec![case_event(AuditAction::CaseTransition, AuditEntity::Case, row.id, &row, payload)];
    // Each defendant the step moved is a change of its own in the history.
    events.extend(indicted.iter().map(|(before, after)| {
        let payload = json!({
            "before": defendant_snapshot(before)?, "after": defendant_snapshot(after)?, "transition": name.as_str(),
        });
        Ok(case_event(AuditAction::DefendantUpdate, AuditEntity::Defendant, after.id, &row, payload))
    }).collect::<AppResult<Vec<_>>>()?);
    let placed = audit::append(txn, actor, events).await?;
    let step_entry =
        placed.into_iter().next().ok_or_else(|| AppError::internal(std::io::Error::other("a step wrote no entry")))?;
    facts::insert_step(
        txn,
        NewStep {
            case_id: row.id,
            workflow: step.machine,
            step: name.as_str(),
            from_state: match step.machine {
                workflow::Machine::Monitoring => facts.monitoring.as_str(),
                workflow::Machine::Procedure => facts.procedure.as_str(),
            },
            to_state: to.as_str(),
            effective_on: on,
            decision_ref: details.decision_ref.clone(),
            reason: details.reason.clone(),
            actor: actor.subject.clone(),
            committee_id: holder,
            entry: step_entry.clone(),
        },
    )
    .await?;
    for (before, after) in &indicted {
        facts::insert_defendant_step(txn, after.id, row.id, Some(&before.status), &after.status, on, holder).await?;
    }
    let defendants = indicted.into_iter().map(|(_, after)| after).collect();
    Ok((Stepped { case: row, opened: linked, defendants, entry: None }, step_entry))
}

/// Takes a workflow step.
pub async fn transition(
    db: &Db,
    actor: &Principal,
    id: i64,
    name: Transition,
    expected_version: Option<i64>,
    details: StepDetails,
    idem: Option<&Idempotency>,
) -> AppResult<Written<Stepped>> {
    crate::in_transaction!(db, txn => {
        // The workflow decides whether the step is the viewer's, and whether
        // a closed matter takes it (only REOPEN does).
        let needs = Needs { expected_version, ..Needs::default() };
        let (current, standing) = match begin(txn, actor, idem, id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let today = db.calendar.today();
        let (mut stepped, (chain, seq)) = step_in(txn, actor, current, &standing, name, &details, today).await?;
        stepped.entry = audit::entry(txn, &chain, seq).await?;
        finish(txn, actor, idem, "Case", stepped.case.id, &stepped).await?;
        Ok(Written::Fresh(stepped))
    })
}

/// The committee holding a locked matter on `on` (its current one when no
/// holding is recorded before that day).
pub(super) async fn held_on<C: sea_orm::ConnectionTrait>(
    txn: &C,
    current: &case_record::Model,
    on: chrono::NaiveDate,
) -> AppResult<i64> {
    Ok(facts::holder_on(txn, current.id, on).await?.unwrap_or(current.monitoring_committee_id))
}

/// Checks a fact's effective date against the dating rules
/// (`domain::cases::DATING_RULES`); a refusal names `field`.
pub(super) async fn dated<C: sea_orm::ConnectionTrait>(
    txn: &C,
    on: chrono::NaiveDate,
    holder: i64,
    opened_on: chrono::NaiveDate,
    previous: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
    field: &str,
) -> AppResult<()> {
    let found = committees::by_ids(txn, &crate::domain::Reach::All, &[holder]).await?;
    let committee = found.get(&holder).ok_or(AppError::NotFound("committee"))?;
    let facts =
        DatingFacts { today, opened_on, previous, committee_life: (committee.established_on, committee.ended_on) };
    workflow::check_date(on, &facts).map_err(|r| AppError::bad_input(&[field], r.message()))
}
