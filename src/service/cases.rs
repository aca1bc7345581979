//! Writes to cases and incidents and their records. Each write locks the
//! matter, works out what the viewer is to it (roles with reach, the agency
//! they act for), lets the workflow decide, writes, and appends the entry to
//! the matter's own chain (its history), in one transaction. A write sent
//! with an idempotency key claims the key in that same transaction
//! (`service::idempotency`), so a repeat (on any instance) finds the first
//! result and writes nothing. Each write returns every record it changed.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{audit_event, case_record, case_reference, committee, defendant, disciplinary_action, recovery};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::check_version;
use super::idempotency::{Idempotency, Written, claim, finish};
use crate::db::audit::{self, Event};
use crate::db::cases::{self, CaseChanges, CaseMove, CaseScope, DefendantFields, NewCase, NewDiscipline};
use crate::db::{Db, committees};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::cases::{
    self as workflow, Actor, CaseFacts, CaseKind, CaseState, DefendantStatus, Effect, Refusal, Requirement,
    StepDetails, Transition,
};
use crate::domain::principal::CENTRAL_CODE;
use crate::domain::{Operation, Principal, Role, rules};
use crate::error::{AppError, AppResult, Reason};

/// The roles `actor` holds with reach over a committee: on it, on the
/// central committee, or on its heir when it was merged (the end of its
/// merge chain, which holds its matters now).
fn roles_on(actor: &Principal, committee: &committee::Model, heir_code: Option<&str>) -> Vec<Role> {
    let mut roles: Vec<Role> = actor
        .grants
        .iter()
        .filter(|g| {
            g.committee == CENTRAL_CODE || g.committee == committee.code || Some(g.committee.as_str()) == heir_code
        })
        .map(|g| g.role)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// What the viewer is to a matter: the roles they hold over its monitoring
/// or assigning committee, and whether they act for its handling agency.
pub struct Standing {
    pub roles: Vec<Role>,
    /// Those held through the committee that assigned the matter.
    pub assigning: Vec<Role>,
    pub handles: bool,
}

impl Standing {
    pub fn actor(&self) -> Actor<'_> {
        Actor { roles: &self.roles, assigning: &self.assigning, handles: self.handles }
    }

    pub fn may(&self, op: Operation) -> bool {
        self.actor().may(op)
    }
}

/// The viewer's standing on any matter when every grant they hold is on
/// the central committee (which reaches every matter): nothing to load.
pub fn central_standing(actor: &Principal, case: &case_record::Model) -> Option<Standing> {
    if !actor.grants.iter().all(|g| g.committee == CENTRAL_CODE) {
        return None;
    }
    let mut roles: Vec<Role> = actor.grants.iter().map(|g| g.role).collect();
    roles.sort();
    roles.dedup();
    let handles = actor.agency.is_some() && actor.agency == case.handling_agency_id;
    // Only the central committee assigns, so its roles are the assigning ones.
    let assigning = if case.assigning_committee_id.is_some() { roles.clone() } else { Vec::new() };
    Some(Standing { roles, assigning, handles })
}

/// The viewer's standing on `case`, from its committees (loaded here).
pub async fn standing_on<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Principal,
    case: &case_record::Model,
) -> AppResult<Standing> {
    if let Some(standing) = central_standing(actor, case) {
        return Ok(standing);
    }
    let ids: Vec<i64> =
        [Some(case.monitoring_committee_id), case.assigning_committee_id].into_iter().flatten().collect();
    let mut found = committees::by_ids(db, &crate::domain::Reach::All, &ids).await?;
    let heirs: Vec<i64> = found.values().filter_map(|c| c.heir_id).collect();
    if !heirs.is_empty() {
        found.extend(committees::by_ids(db, &crate::domain::Reach::All, &heirs).await?);
    }
    Ok(standing_with(actor, case, &found))
}

/// The viewer's standing on `case`, given its committees (and their heirs).
pub fn standing_with(
    actor: &Principal,
    case: &case_record::Model,
    committees: &HashMap<i64, committee::Model>,
) -> Standing {
    let on = |id: Option<i64>| -> Vec<Role> {
        let Some(c) = id.and_then(|id| committees.get(&id)) else { return Vec::new() };
        let heir = c.heir_id.and_then(|s| committees.get(&s)).map(|s| s.code.as_str());
        roles_on(actor, c, heir)
    };
    let mut assigning = on(case.assigning_committee_id);
    assigning.sort();
    assigning.dedup();
    let mut roles = on(Some(case.monitoring_committee_id));
    roles.extend(assigning.iter().copied());
    roles.sort();
    roles.dedup();
    let handles = actor.agency.is_some() && actor.agency == case.handling_agency_id;
    Standing { roles, assigning, handles }
}

/// The workflow's view of a stored matter; an unknown stored value is an
/// internal error naming the row.
pub fn facts(case: &case_record::Model) -> AppResult<CaseFacts> {
    let state = |column: &str, v: &str| {
        CaseState::parse(v).ok_or_else(|| AppError::unknown_stored("case_record", case.id, column, v))
    };
    Ok(CaseFacts {
        kind: CaseKind::parse(&case.kind)
            .ok_or_else(|| AppError::unknown_stored("case_record", case.id, "kind", &case.kind))?,
        monitoring: state("monitoring_state", &case.monitoring_state)?,
        procedure: state("procedure_state", &case.procedure_state)?,
        suspended_from: case.suspended_from.as_deref().map(|s| state("suspended_from", s)).transpose()?,
        assigned: case.assigning_committee_id.is_some(),
    })
}

/// A matter as its history records it.
pub fn snapshot(c: &case_record::Model) -> Value {
    json!({
        "kind": c.kind, "code": c.code, "title": c.title, "summary": c.summary, "field": c.field,
        "publicConcern": c.public_concern, "nonStateSector": c.non_state_sector, "source": c.source,
        "lossAmount": c.loss_amount.map(|v| v.to_string()), "recoveredAmount": c.recovered_amount.to_string(),
        "monitoringCommitteeId": c.monitoring_committee_id, "assigningCommitteeId": c.assigning_committee_id,
        "handlingAgencyId": c.handling_agency_id, "monitoringState": c.monitoring_state,
        "procedureState": c.procedure_state, "suspendedFrom": c.suspended_from, "inAbsentia": c.in_absentia,
        "originCaseId": c.origin_case_id, "openedOn": c.opened_on.to_string(), "version": c.version,
        "registeredByCommitteeId": c.registered_by_committee_id,
    })
}

/// A defendant's stored charges; a stored value that is not a list of
/// strings is an internal error naming the row (never an empty list, and
/// never a `null` in the hash-chained trail).
pub fn charges_of(d: &defendant::Model) -> AppResult<Vec<String>> {
    serde_json::from_str(&d.charges).map_err(|_| AppError::unknown_stored("defendant", d.id, "charges", &d.charges))
}

fn defendant_snapshot(d: &defendant::Model) -> AppResult<Value> {
    Ok(json!({
        "fullName": d.full_name, "positionHeld": d.position_held, "cadre": d.cadre, "partyMember": d.party_member,
        "leader": d.leader, "centrallyManaged": d.centrally_managed, "nonStateSector": d.non_state_sector,
        "status": d.status, "charges": charges_of(d)?, "version": d.version,
    }))
}

/// An entry of the matter's history.
fn case_event(
    action: AuditAction,
    entity: AuditEntity,
    entity_id: i64,
    case: &case_record::Model,
    payload: Value,
) -> Event {
    Event { action, entity, entity_id, committees: vec![case.monitoring_committee_id], case: Some(case.id), payload }
}

/// The matter `id` if the viewer may read it; `NOT_FOUND` otherwise (a
/// matter out of reach does not exist for them).
async fn lock_visible<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    id: i64,
) -> AppResult<(case_record::Model, Standing)> {
    let case = cases::lock_any(txn, id).await?.ok_or(AppError::NotFound("case"))?;
    let standing = standing_on(txn, actor, &case).await?;
    if !standing.may(Operation::ReadCases) {
        return Err(AppError::NotFound("case"));
    }
    Ok((case, standing))
}

fn require(standing: &Standing, op: Operation) -> AppResult<()> {
    if standing.may(op) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "operation {} on this matter needs one of the roles {} over its committee{}",
            op.name(),
            op.allowed_roles().iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            if op.allows(Role::Agency) { " (AGENCY: acting for its handling agency)" } else { "" }
        )))
    }
}

fn open(facts: &CaseFacts) -> AppResult<()> {
    if facts.is_closed() {
        return Err(AppError::Conflict(
            Reason::Closed,
            "the record is closed (monitoring ended or declined); only REOPEN, with a reason, changes it".into(),
        ));
    }
    Ok(())
}

/// What a write on one matter needs before it changes anything.
#[derive(Clone, Copy, Debug, Default)]
struct Needs {
    /// The operation it is (`None`: decided later, as the workflow decides a step).
    operation: Option<Operation>,
    /// Refused on a closed matter.
    open: bool,
    /// The version the writer read, when they sent it.
    expected_version: Option<i64>,
}

/// The start every write on one matter shares, in the order that makes
/// repeats and races come out right: the matter is locked and must be
/// visible, the write the viewer's to make (a repeat passes the same checks
/// as a first request); a repeat of an earlier write (by its idempotency
/// key) then ends here, `Err(first result)`; otherwise the matter must be
/// open and at the version the writer read.
async fn begin<C: sea_orm::ConnectionTrait, T: serde::de::DeserializeOwned>(
    txn: &C,
    actor: &Principal,
    idem: Option<&Idempotency>,
    id: i64,
    needs: Needs,
) -> AppResult<Result<(case_record::Model, Standing), T>> {
    let (current, standing) = lock_visible(txn, actor, id).await?;
    if let Some(op) = needs.operation {
        require(&standing, op)?;
    }
    if let Some(first) = claim(txn, actor, idem).await? {
        return Ok(Err(first));
    }
    if needs.open {
        open(&facts(&current)?)?;
    }
    // The version last: of many writers who read one version, the first
    // wins and every other is told the record moved on.
    check_version("case", current.version, needs.expected_version)?;
    Ok(Ok((current, standing)))
}

/// The agencies a write names must lie within the writer's reach for `op`:
/// outside it an agency does not exist for them (`NOT_FOUND`, as a read
/// says), so no one can take a number on, or hand a matter to, another
/// province's police.
async fn agencies_in_reach<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    op: Operation,
    ids: &[i64],
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = crate::db::agencies::by_ids(txn, &actor.reach_for(op.allowed_roles()), ids).await?;
    match ids.iter().all(|id| found.contains_key(id)) {
        true => Ok(()),
        false => Err(AppError::NotFound("agency")),
    }
}

/// Records a new matter and its references, with its first history entry.
pub async fn create_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    new: &NewCase,
    references: &[(i64, String)],
) -> AppResult<case_record::Model> {
    let row = cases::insert(txn, new).await?;
    for (agency, number) in references {
        cases::insert_reference(txn, &row, *agency, number).await?;
    }
    let refs: Vec<Value> = references.iter().map(|(a, n)| json!({ "agencyId": a, "number": n })).collect();
    let payload = json!({ "after": snapshot(&row), "references": refs });
    audit::append(txn, actor, vec![case_event(AuditAction::CaseCreate, AuditEntity::Case, row.id, &row, payload)])
        .await?;
    Ok(row)
}

/// What a caller says of a new matter; where it starts is the workflow's
/// to say ([`CaseDraft::proposed`]).
#[derive(Clone, Debug)]
pub struct CaseDraft {
    pub kind: CaseKind,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub field: String,
    pub public_concern: bool,
    pub non_state_sector: bool,
    pub source: String,
    pub loss_amount: Option<i64>,
    pub monitoring_committee_id: i64,
    pub handling_agency_id: Option<i64>,
    pub opened_on: NaiveDate,
}

impl CaseDraft {
    /// The matter as it is recorded: proposed to its committee's standing
    /// committee, at the start of its procedure.
    pub fn proposed(self) -> NewCase {
        NewCase {
            monitoring_state: workflow::INITIAL_MONITORING,
            procedure_state: workflow::initial_procedure(self.kind),
            origin_case_id: None,
            kind: self.kind,
            code: self.code,
            title: self.title,
            summary: self.summary,
            field: self.field,
            public_concern: self.public_concern,
            non_state_sector: self.non_state_sector,
            source: self.source,
            loss_amount: self.loss_amount,
            monitoring_committee_id: self.monitoring_committee_id,
            handling_agency_id: self.handling_agency_id,
            opened_on: self.opened_on,
        }
    }
}

/// A new matter, proposed to its committee's standing committee.
pub async fn create(
    db: &Db,
    actor: &Principal,
    draft: CaseDraft,
    references: Vec<(i64, String)>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<case_record::Model>> {
    super::reach(actor, Operation::ManageCases)?;
    let scope = CaseScope::of(actor, Operation::ManageCases);
    let new = draft.proposed();
    crate::in_transaction!(db, txn => {
        let found = committees::by_ids(txn, &scope.committees, &[new.monitoring_committee_id]).await?;
        let committee = found.get(&new.monitoring_committee_id).ok_or(AppError::NotFound("committee"))?;
        rules::active(&committees::facts(committee))?;
        let named: Vec<i64> = references.iter().map(|(a, _)| *a).chain(new.handling_agency_id).collect();
        agencies_in_reach(txn, actor, Operation::ManageCases, &named).await?;
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        let row = create_in(txn, actor, &new, &references).await?;
        finish(txn, actor, idem, "Case", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

pub async fn update(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    changes: CaseChanges,
    idem: Option<&Idempotency>,
) -> AppResult<Written<case_record::Model>> {
    crate::in_transaction!(db, txn => {
        let needs = Needs { operation: Some(Operation::ManageCases), open: true, expected_version };
        let (current, _) = match begin(txn, actor, idem, id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        if let Some(agency) = changes.handling_agency_id
            && Some(agency) != current.handling_agency_id
        {
            agencies_in_reach(txn, actor, Operation::ManageCases, &[agency]).await?;
        }
        let before = snapshot(&current);
        let row = cases::update(txn, current, &changes, &CaseMove::default()).await?;
        let payload = json!({ "before": before, "after": snapshot(&row) });
        audit::append(txn, actor, vec![case_event(AuditAction::CaseUpdate, AuditEntity::Case, row.id, &row, payload)])
            .await?;
        finish(txn, actor, idem, "Case", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

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
) -> AppResult<case_record::Model> {
    Ok(step_in(txn, actor, current, standing, name, details).await?.0.case)
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
) -> AppResult<(Stepped, (String, i64))> {
    let facts = facts(&current)?;
    let to = workflow::decide(&facts, &standing.actor(), name, details).map_err(|r| refused(r, name))?;
    if let Some(on) = details.effective_on
        && on < current.opened_on
    {
        return Err(AppError::bad_input(&["effectiveOn"], "a step cannot take effect before the matter was opened"));
    }
    let step = name.step();
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
            opened_on: details.effective_on.unwrap_or(current.opened_on),
        };
        let case = cases::insert_derived(txn, &new, &current.code).await?;
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
        let (mut stepped, (chain, seq)) = step_in(txn, actor, current, &standing, name, &details).await?;
        stepped.entry = audit::entry(txn, &chain, seq).await?;
        finish(txn, actor, idem, "Case", stepped.case.id, &stepped).await?;
        Ok(Written::Fresh(stepped))
    })
}

/// Moves a locked matter the central committee monitors to a provincial
/// committee, which directs it from then on, and records it.
pub async fn assign_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    current: case_record::Model,
    committee_id: i64,
    decision_ref: &str,
    effective_on: NaiveDate,
) -> AppResult<case_record::Model> {
    let found =
        committees::by_ids(txn, &crate::domain::Reach::All, &[current.monitoring_committee_id, committee_id]).await?;
    let from = found.get(&current.monitoring_committee_id).ok_or(AppError::NotFound("committee"))?;
    if from.code != CENTRAL_CODE {
        return Err(AppError::Conflict(
            Reason::Inconsistent,
            "only a matter the central committee monitors can be assigned".into(),
        ));
    }
    let to = found.get(&committee_id).ok_or(AppError::NotFound("committee"))?;
    if to.code == CENTRAL_CODE {
        return Err(AppError::bad_input(&["committeeId"], "a matter is assigned to a provincial committee"));
    }
    rules::active(&committees::facts(to))?;
    let moved =
        CaseMove { monitoring_committee_id: Some(to.id), assigning_committee_id: Some(from.id), ..Default::default() };
    let before = current.monitoring_committee_id;
    let row = cases::update(txn, current, &CaseChanges::default(), &moved).await?;
    let payload = json!({
        "before": { "monitoringCommitteeId": before },
        "after": { "monitoringCommitteeId": row.monitoring_committee_id, "assigningCommitteeId": row.assigning_committee_id },
        "decisionRef": decision_ref, "effectiveOn": effective_on.to_string(), "version": row.version,
    });
    audit::append(txn, actor, vec![case_event(AuditAction::CaseAssign, AuditEntity::Case, row.id, &row, payload)])
        .await?;
    Ok(row)
}

/// The central committee hands a matter to a provincial committee to
/// direct; the central committee stays its assigning committee (and keeps
/// seeing it).
#[allow(clippy::too_many_arguments)]
pub async fn assign(
    db: &Db,
    actor: &Principal,
    id: i64,
    committee_id: i64,
    expected_version: Option<i64>,
    decision_ref: String,
    effective_on: NaiveDate,
    idem: Option<&Idempotency>,
) -> AppResult<Written<case_record::Model>> {
    crate::in_transaction!(db, txn => {
        let needs = Needs { operation: Some(Operation::DecideMonitoring), open: true, expected_version };
        let (current, _) = match begin(txn, actor, idem, id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let row = assign_in(txn, actor, current, committee_id, &decision_ref, effective_on).await?;
        finish(txn, actor, idem, "Case", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Records another agency's number for a matter (an `AGENCY` role: its own
/// agency's number, on a matter it handles).
#[allow(clippy::too_many_arguments)]
pub async fn add_reference(
    db: &Db,
    actor: &Principal,
    id: i64,
    agency_id: i64,
    number: String,
    expected_version: Option<i64>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<(case_reference::Model, case_record::Model)>> {
    crate::in_transaction!(db, txn => {
        let (current, standing) = lock_visible(txn, actor, id).await?;
        let own = standing.handles && actor.agency == Some(agency_id) && standing.may(Operation::RecordProcedure);
        if !own {
            require(&standing, Operation::ManageCases)?;
            agencies_in_reach(txn, actor, Operation::ManageCases, &[agency_id]).await?;
        }
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        open(&facts(&current)?)?;
        check_version("case", current.version, expected_version)?;
        let reference = cases::insert_reference(txn, &current, agency_id, &number).await?;
        let row = cases::update(txn, current, &CaseChanges::default(), &CaseMove::default()).await?;
        let payload = json!({ "reference": { "agencyId": agency_id, "number": number }, "version": row.version });
        audit::append(txn, actor, vec![case_event(AuditAction::CaseReference, AuditEntity::Case, row.id, &row, payload)])
            .await?;
        let written = (reference, row);
        finish(txn, actor, idem, "CaseReference", written.0.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}

/// Adds a defendant to a locked case (bumping the case's version) and
/// records it in the case's history.
pub async fn add_defendant_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    current: case_record::Model,
    fields: &DefendantFields,
) -> AppResult<(defendant::Model, case_record::Model)> {
    let facts = facts(&current)?;
    open(&facts)?;
    if facts.kind != CaseKind::Case {
        return Err(AppError::bad_input(&["caseId"], "defendants belong to cases; an incident has none"));
    }
    let row = cases::insert_defendant(txn, current.id, fields).await?;
    // The matter's version moves too: its defendant counts changed.
    let case = cases::update(txn, current, &CaseChanges::default(), &CaseMove::default()).await?;
    let payload = json!({ "after": defendant_snapshot(&row)?, "caseVersion": case.version });
    audit::append(
        txn,
        actor,
        vec![case_event(AuditAction::DefendantAdd, AuditEntity::Defendant, row.id, &case, payload)],
    )
    .await?;
    Ok((row, case))
}

/// Adds a defendant to a case; returns it and the case (whose version and
/// counts moved).
pub async fn add_defendant(
    db: &Db,
    actor: &Principal,
    case_id: i64,
    expected_version: Option<i64>,
    fields: DefendantFields,
    idem: Option<&Idempotency>,
) -> AppResult<Written<(defendant::Model, case_record::Model)>> {
    crate::in_transaction!(db, txn => {
        // Whether the matter is open (and a case) is add_defendant_in's to say.
        let needs = Needs { operation: Some(Operation::RecordProcedure), expected_version, ..Needs::default() };
        let (current, _) = match begin(txn, actor, idem, case_id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let written = add_defendant_in(txn, actor, current, &fields).await?;
        finish(txn, actor, idem, "Defendant", written.0.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}

/// Changes a defendant: `change` makes the new fields from the locked row.
pub async fn update_defendant(
    db: &Db,
    actor: &Principal,
    id: i64,
    expected_version: Option<i64>,
    change: impl Fn(&defendant::Model) -> AppResult<DefendantFields>,
    idem: Option<&Idempotency>,
) -> AppResult<Written<defendant::Model>> {
    crate::in_transaction!(db, txn => {
        let found = cases::defendant_by_id(txn, id).await?.ok_or(AppError::NotFound("defendant"))?;
        // The matter first, then the defendant: the order every write locks in.
        let needs = Needs { operation: Some(Operation::RecordProcedure), open: true, expected_version: None };
        let begun = begin(txn, actor, idem, found.case_id, needs).await.map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("defendant"),
            other => other,
        })?;
        let (case, _) = match begun {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let current = cases::lock_defendant(txn, id).await?.ok_or(AppError::NotFound("defendant"))?;
        check_version("defendant", current.version, expected_version)?;
        let before = defendant_snapshot(&current)?;
        let fields = change(&current)?;
        let row = cases::update_defendant(txn, current, &fields).await?;
        let payload = json!({ "before": before, "after": defendant_snapshot(&row)? });
        audit::append(txn, actor, vec![case_event(AuditAction::DefendantUpdate, AuditEntity::Defendant, row.id, &case, payload)])
            .await?;
        finish(txn, actor, idem, "Defendant", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Records a disciplinary action (linked to `case`, locked, when given) in
/// the matter's history, or else in the committee's trail.
pub async fn record_discipline_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    new: &NewDiscipline,
    case: Option<&case_record::Model>,
) -> AppResult<disciplinary_action::Model> {
    let row = cases::insert_discipline(txn, new).await?;
    let payload = json!({ "after": {
        "committeeId": row.committee_id, "caseId": row.case_id, "subjectKind": row.subject_kind,
        "subjectName": row.subject_name, "form": row.form, "decidingBody": row.deciding_body,
        "decidedOn": row.decided_on.to_string(),
    }});
    let event = match case {
        Some(case) => case_event(AuditAction::DisciplineRecord, AuditEntity::DisciplinaryAction, row.id, case, payload),
        None => Event {
            action: AuditAction::DisciplineRecord,
            entity: AuditEntity::DisciplinaryAction,
            entity_id: row.id,
            committees: vec![row.committee_id],
            case: None,
            payload,
        },
    };
    audit::append(txn, actor, vec![event]).await?;
    Ok(row)
}

/// What a disciplinary action is recorded on: a case (whose committee
/// records it), or a committee, for an action linked to no case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisciplineOwner {
    Case(i64),
    Committee(i64),
}

/// A disciplinary action, apart from what it is recorded on.
#[derive(Clone, Debug)]
pub struct Discipline {
    pub subject_kind: String,
    pub subject_name: String,
    pub form: String,
    pub deciding_body: String,
    pub decided_on: NaiveDate,
}

/// Records a disciplinary action, in the linked matter's history when there
/// is one, else in the committee's trail.
pub async fn record_discipline(
    db: &Db,
    actor: &Principal,
    owner: DisciplineOwner,
    discipline: Discipline,
    idem: Option<&Idempotency>,
) -> AppResult<Written<disciplinary_action::Model>> {
    super::reach(actor, Operation::ManageCases)?;
    let scope = CaseScope::of(actor, Operation::ManageCases);
    crate::in_transaction!(db, txn => {
        let (committee_id, case) = match owner {
            DisciplineOwner::Case(case_id) => {
                let (case, standing) = lock_visible(txn, actor, case_id).await?;
                require(&standing, Operation::ManageCases)?;
                (case.monitoring_committee_id, Some(case))
            }
            DisciplineOwner::Committee(id) => {
                if committees::by_ids(txn, &scope.committees, &[id]).await?.is_empty() {
                    return Err(AppError::NotFound("committee"));
                }
                (id, None)
            }
        };
        let d = discipline.clone();
        let new = NewDiscipline {
            committee_id,
            case_id: case.as_ref().map(|c| c.id),
            subject_kind: d.subject_kind,
            subject_name: d.subject_name,
            form: d.form,
            deciding_body: d.deciding_body,
            decided_on: d.decided_on,
        };
        if let Some(first) = claim(txn, actor, idem).await? {
            return Ok(Written::Repeat(first));
        }
        let row = record_discipline_in(txn, actor, &new, case.as_ref()).await?;
        finish(txn, actor, idem, "DisciplinaryAction", row.id, &row).await?;
        Ok(Written::Fresh(row))
    })
}

/// Records an amount recovered on a locked matter (its total and version
/// move with it) and enters it in the matter's history.
pub async fn record_recovery_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Principal,
    current: case_record::Model,
    amount: i64,
    on: NaiveDate,
    reference: &str,
) -> AppResult<(recovery::Model, case_record::Model)> {
    let row = cases::insert_recovery(txn, current.id, amount, on, reference).await?;
    let moved = CaseMove { add_recovered: Some(amount), ..Default::default() };
    let case = cases::update(txn, current, &CaseChanges::default(), &moved).await?;
    let payload = json!({
        "after": { "amount": amount.to_string(), "recoveredOn": on.to_string(), "reference": reference },
        "recoveredAmount": case.recovered_amount.to_string(), "caseVersion": case.version,
    });
    audit::append(
        txn,
        actor,
        vec![case_event(AuditAction::RecoveryRecord, AuditEntity::Recovery, row.id, &case, payload)],
    )
    .await?;
    Ok((row, case))
}

/// Records an amount recovered; the matter's total moves with it. Returns
/// the recovery and the case.
#[allow(clippy::too_many_arguments)]
pub async fn record_recovery(
    db: &Db,
    actor: &Principal,
    case_id: i64,
    expected_version: Option<i64>,
    amount: i64,
    on: NaiveDate,
    reference: String,
    idem: Option<&Idempotency>,
) -> AppResult<Written<(recovery::Model, case_record::Model)>> {
    crate::in_transaction!(db, txn => {
        let needs = Needs { operation: Some(Operation::ManageCases), open: true, expected_version };
        let (current, _) = match begin(txn, actor, idem, case_id, needs).await? {
            Ok(locked) => locked,
            Err(first) => return Ok(Written::Repeat(first)),
        };
        let written = record_recovery_in(txn, actor, current, amount, on, &reference).await?;
        finish(txn, actor, idem, "Recovery", written.0.id, &written).await?;
        Ok(Written::Fresh(written))
    })
}
