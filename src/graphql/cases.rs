//! The cases area of the API: the workflow, cases and incidents within the
//! caller's reach, and every write on them. Merged into the root `Query`
//! and `Mutation`. Resolvers parse and check input, then hand the write to
//! `service::cases`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use serde_json::Value as Json;

use super::context;
use super::ids::{self, Kind};
use super::loaders::CaseId;
use super::paging::{self, Conn, Extra};
use super::projection;
use super::types::case::{CASE_COLUMNS, Case, Defendant, DisciplinaryAction, Recovery, Workflow};
use super::types::committee::paging_cost;
use super::types::enums::{
    CaseField, CaseKind, CaseSource, CaseState, CaseTransition, DefendantStatus, Direction, DisciplineForm,
    DisciplineSubject,
};
use super::types::scalars::{Date, Vnd};
use crate::db::cases::{self as store, CaseChanges, CaseFilter as StoreFilter, CaseOrder, DefendantFields, NewCase};
use crate::domain::cases::{self as workflow, StepDetails};
use crate::domain::org::{self as rules, Invalid, NAME_MAX, REASON_MAX, TITLE_MAX};
use crate::domain::{Operation, Principal};
use crate::error::{AppError, AppResult};
use crate::service::cases::{self as service, Idempotency, Written};

#[derive(Default)]
pub struct CaseQuery;

#[derive(Default)]
pub struct CaseMutation;

const SUMMARY_MAX: usize = 5000;
const NUMBER_MAX: usize = 64;
const KEY_MAX: usize = 200;

/// Which matters to list.
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// Only matters this committee monitors.
    pub committee_id: Option<ID>,
    /// With `committeeId`: also those of the committees below it (the
    /// provinces under the central committee, committees merged into it).
    #[graphql(default = false)]
    pub include_subordinate: bool,
    /// Only cases or only incidents.
    pub kind: Option<CaseKind>,
    /// Only matters in this monitoring state.
    pub monitoring_state: Option<CaseState>,
    /// Only matters at this procedure stage.
    pub procedure_state: Option<CaseState>,
    /// Only matters of (or not of) public concern.
    pub public_concern: Option<bool>,
    /// Only matters in (or not in) the non-state sector.
    pub non_state_sector: Option<bool>,
    /// Only matters of this field.
    pub field: Option<CaseField>,
    /// Only matters opened on or after this day.
    pub opened_from: Option<Date>,
    /// Only matters opened on or before this day.
    pub opened_to: Option<Date>,
    /// Only matters whose code or title contains this text (case and
    /// Vietnamese diacritics ignored; at most 100 characters).
    pub text: Option<String>,
}

/// What matters are ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseOrderField {
    /// By code.
    Code,
    /// By the day opened.
    OpenedOn,
}

/// The order of a list of matters.
#[derive(InputObject)]
pub struct CaseOrderBy {
    /// The field.
    pub field: CaseOrderField,
    /// The direction.
    #[graphql(default_with = "Direction::Asc")]
    pub direction: Direction,
}

/// Another agency's number for a matter.
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
}

/// Changes to a matter's details; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCaseInput {
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
    /// The functional agency handling it now.
    pub handling_agency_id: Option<ID>,
    /// The version you read (`version`); if the matter has changed since, the
    /// write is refused with `CONFLICT` and `extensions.currentVersion`.
    pub expected_version: Option<i32>,
}

/// A defendant's details.
#[derive(InputObject)]
pub struct DefendantInput {
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
}

/// Changes to a defendant; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateDefendantInput {
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
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A disciplinary action.
#[derive(InputObject)]
pub struct DisciplinaryActionInput {
    /// The committee recording it (taken from the case when `caseId` is given).
    pub committee_id: Option<ID>,
    /// The linked case, if any.
    pub case_id: Option<ID>,
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
}

/// An amount recovered.
#[derive(InputObject)]
pub struct RecoveryInput {
    /// In VND, more than zero.
    pub amount: Vnd,
    /// The day it was recovered.
    pub recovered_on: Date,
    /// The decision or receipt it rests on (at most 100 characters).
    pub reference: String,
}

fn check<T>(arg: &str, result: Result<T, Invalid>) -> AppResult<T> {
    result.map_err(|e| AppError::invalid(arg, e))
}

fn text(arg: &str, field: &'static str, value: &str, max: usize) -> AppResult<String> {
    check(arg, rules::text(field, value, max))
}

fn case_code(value: &str) -> AppResult<String> {
    let code = value.trim();
    let ok = !code.is_empty()
        && code.chars().count() <= 64
        && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-/._".contains(c));
    if ok {
        Ok(code.to_owned())
    } else {
        Err(AppError::bad_input(&["input", "code"], "must be 1 to 64 upper-case letters, digits, `-`, `/`, `.` or `_`"))
    }
}

fn date(arg: &[&str], value: Date) -> AppResult<chrono::NaiveDate> {
    rules::date("date", value.0).map_err(|e| AppError::bad_input(arg, e.message))
}

fn charges(list: Vec<String>) -> AppResult<Vec<String>> {
    if list.len() > 20 {
        return Err(AppError::bad_input(&["input", "charges"], "at most 20 charges"));
    }
    list.iter().map(|c| text("input", "charges", c, TITLE_MAX)).collect()
}

fn decode_opt(kind: Kind, id: Option<ID>, arg: &[&str]) -> AppResult<Option<i64>> {
    id.map(|id| ids::decode(kind, &id, arg)).transpose()
}

/// The idempotency key of a write and a hash of the rest of its arguments.
fn idempotency(ctx: &Context<'_>, key: Option<String>, operation: &'static str) -> AppResult<Option<Idempotency>> {
    let Some(key) = key else { return Ok(None) };
    if key.is_empty() || key.chars().count() > KEY_MAX || key.chars().any(|c| c.is_control()) {
        return Err(AppError::bad_input(
            &["idempotencyKey"],
            format!("must be 1 to {KEY_MAX} characters without control characters"),
        ));
    }
    let args = ctx.field().arguments().map_err(|e| AppError::bad_input(&[], e.message))?;
    let input: serde_json::Map<String, Json> = args
        .into_iter()
        .filter(|(name, _)| name.as_str() != "idempotencyKey")
        .map(|(name, value)| Ok((name.to_string(), value.into_json().map_err(AppError::internal)?)))
        .collect::<AppResult<_>>()?;
    Ok(Some(Idempotency::new(key, operation, &Json::Object(input), viewer(ctx)?)))
}

fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Principal> {
    context::viewer(ctx)
}

/// A matter by id within the caller's case scope.
async fn load_case(ctx: &Context<'_>, id: i64) -> Result<Case> {
    let found = context::request(ctx)?.cases.load_one(CaseId(id)).await?;
    Ok(Case::from(found.ok_or(AppError::NotFound("case"))?))
}

/// The record a write returns. A repeat (same idempotency key) returns the
/// first write's record as it was then, and the response says so: its
/// `extensions.replayed` lists the response keys answered that way.
fn written<T>(ctx: &Context<'_>, written: Written<T>) -> AppResult<T> {
    match written {
        Written::Fresh(row) => Ok(row),
        Written::Repeat(first) => {
            let key = ctx.item.node.response_key().node.to_string();
            context::request(ctx)?.replayed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(key);
            Ok(first)
        }
    }
}

async fn case_of(ctx: &Context<'_>, written_case: Written<entity::case_record::Model>) -> Result<Case> {
    Ok(Case::from(written(ctx, written_case)?))
}

#[Object]
impl CaseQuery {
    /// Both workflows as the server enforces them: states, steps, the roles
    /// that may take each and what each requires.
    async fn workflow(&self) -> Workflow {
        Workflow::current()
    }

    /// A case or incident by global ID. Null, with a `NOT_FOUND` error, when
    /// it does not exist or is outside the caller's reach.
    async fn case(&self, ctx: &Context<'_>, #[graphql(desc = "The matter's global ID.")] id: ID) -> Option<Case> {
        context::nullable(ctx, async {
            let id = ids::decode(Kind::Case, &id, &["id"])?;
            Ok(Some(load_case(ctx, id).await?))
        })
        .await
    }

    /// The matter an agency knows by its own number. Null, with
    /// `NOT_FOUND`, when there is none within the caller's reach.
    async fn case_by_reference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency that issued the number.")] agency_id: ID,
        #[graphql(desc = "The agency's number for the matter.")] number: String,
    ) -> Option<Case> {
        context::nullable(ctx, async {
            let agency = ids::decode(Kind::Agency, &agency_id, &["agencyId"])?;
            let number = text("number", "number", &number, NUMBER_MAX).map_err(|_| {
                AppError::bad_input(&["number"], "must be 1 to 64 characters without control characters")
            })?;
            let req = context::request(ctx)?;
            let scope = store::CaseScope::of(viewer(ctx)?, Operation::ReadCases);
            let found = store::by_reference(&req.db.conn, &scope, agency, &number).await?;
            Ok(Some(Case::from(found.ok_or(AppError::NotFound("case"))?)))
        })
        .await
    }

    /// Cases and incidents within the caller's reach (a provincial role: its
    /// committee's and those assigned to it; an `AGENCY` role: those its
    /// agency handles), by code unless ordered otherwise.
    #[graphql(complexity = "paging_cost(first, last, child_complexity)")]
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which matters to list; all within reach without it.")] filter: Option<CaseFilter>,
        #[graphql(desc = "The order of the list; by code without it.")] order_by: Option<CaseOrderBy>,
        #[graphql(
            desc = "The first n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor (`pageInfo.endCursor` or an edge's `cursor` from this list).")]
        after: Option<String>,
        #[graphql(
            desc = "The last n items, n from 1 to the page size limit (100 unless configured); give `first` or `last`."
        )]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor (`pageInfo.startCursor` or an edge's `cursor` from this list).")]
        before: Option<String>,
    ) -> Result<Conn<Case>> {
        let principal = viewer(ctx)?;
        let scope = store::CaseScope::of(principal, Operation::ReadCases);
        if scope.is_empty() {
            return Err(AppError::Forbidden("operation READ_CASES is not granted to this caller".into()).into());
        }
        let args = paging::args(ctx, first, after, last, before)?;
        let f = filter.unwrap_or_default();
        let text = match f.text {
            Some(t) if t.chars().count() > 100 => {
                return Err(AppError::bad_input(&["filter", "text"], "must be at most 100 characters").into());
            }
            Some(t) if t.chars().any(|c| c.is_control()) => {
                return Err(AppError::bad_input(&["filter", "text"], "must not contain control characters").into());
            }
            Some(t) if t.trim().is_empty() => None,
            other => other.map(|t| t.trim().to_owned()),
        };
        let filter = StoreFilter {
            committee: decode_opt(Kind::Committee, f.committee_id, &["filter", "committeeId"])?
                .map(|id| (id, f.include_subordinate)),
            kind: f.kind.map(Into::into),
            monitoring_state: f.monitoring_state.map(Into::into),
            procedure_state: f.procedure_state.map(Into::into),
            public_concern: f.public_concern,
            non_state_sector: f.non_state_sector,
            field: f.field.map(|v| workflow::CaseField::from(v).as_str().to_owned()),
            opened_from: f.opened_from.map(|d| d.0),
            opened_to: f.opened_to.map(|d| d.0),
            text,
        };
        let (order, descending) = match order_by {
            Some(o) => (
                match o.field {
                    CaseOrderField::Code => CaseOrder::Code,
                    CaseOrderField::OpenedOn => CaseOrder::OpenedOn,
                },
                o.direction == Direction::Desc,
            ),
            None => (CaseOrder::Code, false),
        };
        let req = context::request(ctx)?;
        let db = &req.db;
        let columns = projection::columns(projection::node_selections(ctx.field()), CASE_COLUMNS, &[]);
        // The monitoring committees and latest entries the nodes select are
        // read with the page, by joins, rather than by statements of their own.
        // Each node then answers them from what it carries.
        let along = paging::cases_along(ctx, req);
        let (page, count) = store::page(&db.conn, &scope, &filter, &args, order, descending, columns, along).await?;
        // Whole rows go to the by-id cache, where other fields of this
        // request find them; rows read narrow are only this list's.
        if columns.is_all() {
            req.cases.feed_many(page.items.iter().map(|(_, (c, _))| (CaseId(c.id), c.clone()))).await;
        }
        let rows: Vec<_> = page.items.iter().map(|(_, (c, _))| c).collect();
        paging::prime_cases(ctx, &rows).await?;
        Ok(paging::connection(page, Extra::query(db, count), |(case, joined)| Case::joined(case, joined)))
    }
}

#[Object]
impl CaseMutation {
    /// Records a case or incident, `PROPOSED` to its committee's standing
    /// committee, at the start of its procedure. `MANAGE_CASES` on the
    /// committee. With an `idempotencyKey`, a repeat returns the first result.
    async fn create_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to record.")] input: CreateCaseInput,
        #[graphql(desc = "Makes the write safe to repeat: the same key with the same input returns the first result \
                          and writes nothing (for 24 hours); with other input it is a `CONFLICT`.")]
        idempotency_key: Option<String>,
    ) -> Result<Case> {
        let actor = viewer(ctx)?;
        let idem = idempotency(ctx, idempotency_key, "createCase")?;
        let kind: workflow::CaseKind = input.kind.into();
        let mut references = Vec::new();
        for (i, r) in input.references.into_iter().enumerate() {
            let agency = ids::decode(Kind::Agency, &r.agency_id, &["input", "references", &i.to_string(), "agencyId"])?;
            references.push((agency, text("input", "references", &r.number, NUMBER_MAX)?));
        }
        let new = NewCase {
            kind,
            code: case_code(&input.code)?,
            title: text("input", "title", &input.title, TITLE_MAX)?,
            summary: if input.summary.trim().is_empty() {
                String::new()
            } else {
                text("input", "summary", &input.summary, SUMMARY_MAX)?
            },
            field: workflow::CaseField::from(input.field).as_str().to_owned(),
            public_concern: input.public_concern,
            non_state_sector: input.non_state_sector,
            source: workflow::CaseSource::from(input.source).as_str().to_owned(),
            loss_amount: input.loss_amount.map(|v| v.0),
            monitoring_committee_id: ids::decode(Kind::Committee, &input.committee_id, &["input", "committeeId"])?,
            handling_agency_id: decode_opt(Kind::Agency, input.handling_agency_id, &["input", "handlingAgencyId"])?,
            monitoring_state: workflow::INITIAL_MONITORING,
            procedure_state: workflow::initial_procedure(kind),
            origin_case_id: None,
            opened_on: date(&["input", "openedOn"], input.opened_on)?,
        };
        let db = &context::request(ctx)?.db;
        case_of(ctx, service::create(db, actor, new, references, idem).await?).await
    }

    /// Changes a matter's details. `MANAGE_CASES` on its committee; a closed
    /// record refuses (`CONFLICT`).
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The matter's global ID.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateCaseInput,
        #[graphql(desc = "Makes the write safe to repeat (see `createCase`).")] idempotency_key: Option<String>,
    ) -> Result<Case> {
        let actor = viewer(ctx)?;
        let idem = idempotency(ctx, idempotency_key, "updateCase")?;
        let id = ids::decode(Kind::Case, &id, &["id"])?;
        let changes = CaseChanges {
            title: input.title.map(|t| text("input", "title", &t, TITLE_MAX)).transpose()?,
            summary: input.summary.map(|t| text("input", "summary", &t, SUMMARY_MAX)).transpose()?,
            field: input.field.map(|f| workflow::CaseField::from(f).as_str().to_owned()),
            public_concern: input.public_concern,
            non_state_sector: input.non_state_sector,
            source: input.source.map(|s| workflow::CaseSource::from(s).as_str().to_owned()),
            loss_amount: input.loss_amount.map(|v| v.0),
            handling_agency_id: decode_opt(Kind::Agency, input.handling_agency_id, &["input", "handlingAgencyId"])?,
        };
        let db = &context::request(ctx)?.db;
        let expected = input.expected_version.map(i64::from);
        case_of(ctx, service::update(db, actor, id, expected, changes, idem).await?).await
    }

    /// Takes a workflow step (see `workflow` and the matter's
    /// `availableTransitions`). A step not possible from the current state
    /// is `BAD_USER_INPUT`, one the caller's roles do not grant
    /// `FORBIDDEN` (both name the steps possible now), a stale
    /// `expectedVersion` `CONFLICT` with `extensions.currentVersion`, a
    /// missing requirement `BAD_USER_INPUT` naming the argument.
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn transition_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The matter's global ID.")] id: ID,
        #[graphql(desc = "The step.")] transition: CaseTransition,
        #[graphql(desc = "The version you read; a stale one is refused with `CONFLICT`.")] expected_version: Option<
            i32,
        >,
        #[graphql(desc = "The day the step takes effect.")] effective_on: Option<Date>,
        #[graphql(desc = "The reference number of the decision (at most 100 characters).")] decision_ref: Option<
            String,
        >,
        #[graphql(desc = "Why (at most 500 characters).")] reason: Option<String>,
        #[graphql(desc = "Makes the write safe to repeat (see `createCase`).")] idempotency_key: Option<String>,
    ) -> Result<Case> {
        let actor = viewer(ctx)?;
        let idem = idempotency(ctx, idempotency_key, "transitionCase")?;
        let id = ids::decode(Kind::Case, &id, &["id"])?;
        let check_text = |arg: &'static str, v: Option<String>, max: usize| -> AppResult<Option<String>> {
            v.filter(|s| !s.trim().is_empty())
                .map(|s| rules::text(arg, &s, max).map_err(|e| AppError::bad_input(&[arg], e.message)))
                .transpose()
        };
        let details = StepDetails {
            decision_ref: check_text("decisionRef", decision_ref, 100)?,
            effective_on: effective_on.map(|d| date(&["effectiveOn"], d)).transpose()?,
            reason: check_text("reason", reason, REASON_MAX)?,
        };
        let db = &context::request(ctx)?.db;
        let expected = expected_version.map(i64::from);
        let written = service::transition(db, actor, id, transition.into(), expected, details, idem).await?;
        case_of(ctx, written).await
    }

    /// The central committee's standing committee assigns a matter it
    /// monitors to a provincial committee to direct; it stays visible to
    /// both (`assigningCommittee`).
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn assign_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The matter's global ID.")] id: ID,
        #[graphql(desc = "The provincial committee that will direct it.")] committee_id: ID,
        #[graphql(desc = "The reference number of the decision (at most 100 characters).")] decision_ref: String,
        #[graphql(desc = "The day the assignment takes effect.")] effective_on: Date,
        #[graphql(desc = "The version you read; a stale one is refused with `CONFLICT`.")] expected_version: Option<
            i32,
        >,
        #[graphql(desc = "Makes the write safe to repeat (see `createCase`).")] idempotency_key: Option<String>,
    ) -> Result<Case> {
        let actor = viewer(ctx)?;
        let idem = idempotency(ctx, idempotency_key, "assignCase")?;
        let id = ids::decode(Kind::Case, &id, &["id"])?;
        let committee = ids::decode(Kind::Committee, &committee_id, &["committeeId"])?;
        let decision_ref = rules::text("decisionRef", &decision_ref, 100)
            .map_err(|e| AppError::bad_input(&["decisionRef"], e.message))?;
        let on = date(&["effectiveOn"], effective_on)?;
        let db = &context::request(ctx)?.db;
        let expected = expected_version.map(i64::from);
        let written = service::assign(db, actor, id, committee, expected, decision_ref, on, idem).await?;
        case_of(ctx, written).await
    }

    /// Records another agency's number for a matter, so that agency finds
    /// it with `caseByReference`. `MANAGE_CASES`, or an `AGENCY` role for
    /// its own agency's number on a matter it handles. A number its agency
    /// already gave another matter is a `CONFLICT`.
    async fn add_case_reference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The matter's global ID.")] id: ID,
        #[graphql(desc = "What to record.")] input: CaseReferenceInput,
    ) -> Result<Case> {
        let actor = viewer(ctx)?;
        let id = ids::decode(Kind::Case, &id, &["id"])?;
        let agency = ids::decode(Kind::Agency, &input.agency_id, &["input", "agencyId"])?;
        let number = text("input", "number", &input.number, NUMBER_MAX)?;
        let db = &context::request(ctx)?.db;
        Ok(Case::from(service::add_reference(db, actor, id, agency, number).await?))
    }

    /// Adds a defendant to a case. `RECORD_PROCEDURE` (an `AGENCY` role: on
    /// a case its agency handles).
    async fn add_defendant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case's global ID.")] case_id: ID,
        #[graphql(desc = "The defendant.")] input: DefendantInput,
        #[graphql(desc = "Makes the write safe to repeat (see `createCase`).")] idempotency_key: Option<String>,
    ) -> Result<Defendant> {
        let actor = viewer(ctx)?;
        let idem = idempotency(ctx, idempotency_key, "addDefendant")?;
        let case_id = ids::decode(Kind::Case, &case_id, &["caseId"])?;
        let fields = DefendantFields {
            full_name: text("input", "fullName", &input.full_name, NAME_MAX)?,
            position_held: if input.position_held.trim().is_empty() {
                String::new()
            } else {
                text("input", "positionHeld", &input.position_held, TITLE_MAX)?
            },
            cadre: input.cadre,
            party_member: input.party_member,
            leader: input.leader,
            centrally_managed: input.centrally_managed,
            non_state_sector: input.non_state_sector,
            status: workflow::DefendantStatus::from(input.status).as_str().to_owned(),
            charges: charges(input.charges)?,
        };
        let db = &context::request(ctx)?.db;
        Ok(Defendant(written(ctx, service::add_defendant(db, actor, case_id, fields, idem).await?)?))
    }

    /// Changes a defendant's details or status. `RECORD_PROCEDURE` on the case.
    async fn update_defendant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The defendant's global ID.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateDefendantInput,
    ) -> Result<Defendant> {
        let actor = viewer(ctx)?;
        let id = ids::decode(Kind::Defendant, &id, &["id"])?;
        let full_name = input.full_name.map(|t| text("input", "fullName", &t, NAME_MAX)).transpose()?;
        let position_held = input.position_held.map(|t| text("input", "positionHeld", &t, TITLE_MAX)).transpose()?;
        let new_charges = input.charges.map(charges).transpose()?;
        let status = input.status.map(|s| workflow::DefendantStatus::from(s).as_str().to_owned());
        let db = &context::request(ctx)?.db;
        let expected = input.expected_version.map(i64::from);
        let row = service::update_defendant(db, actor, id, expected, |d| DefendantFields {
            full_name: full_name.clone().unwrap_or_else(|| d.full_name.clone()),
            position_held: position_held.clone().unwrap_or_else(|| d.position_held.clone()),
            cadre: input.cadre.unwrap_or(d.cadre),
            party_member: input.party_member.unwrap_or(d.party_member),
            leader: input.leader.unwrap_or(d.leader),
            centrally_managed: input.centrally_managed.unwrap_or(d.centrally_managed),
            non_state_sector: input.non_state_sector.unwrap_or(d.non_state_sector),
            status: status.clone().unwrap_or_else(|| d.status.clone()),
            charges: new_charges.clone().unwrap_or_else(|| serde_json::from_str(&d.charges).unwrap_or_default()),
        })
        .await?;
        Ok(Defendant(row))
    }

    /// Records a disciplinary action (linked to a case or not).
    /// `MANAGE_CASES` on the committee (the case's, when linked).
    async fn record_disciplinary_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to record.")] input: DisciplinaryActionInput,
        #[graphql(desc = "Makes the write safe to repeat (see `createCase`).")] idempotency_key: Option<String>,
    ) -> Result<DisciplinaryAction> {
        let actor = viewer(ctx)?;
        let idem = idempotency(ctx, idempotency_key, "recordDisciplinaryAction")?;
        let case_id = decode_opt(Kind::Case, input.case_id, &["input", "caseId"])?;
        let committee_id = decode_opt(Kind::Committee, input.committee_id, &["input", "committeeId"])?;
        let committee_id = match (committee_id, case_id) {
            (Some(c), _) => c,
            (None, Some(_)) => 0,
            (None, None) => {
                return Err(AppError::bad_input(&["input", "committeeId"], "give `committeeId` or `caseId`").into());
            }
        };
        let new = store::NewDiscipline {
            committee_id,
            case_id,
            subject_kind: workflow::DisciplineSubject::from(input.subject_kind).as_str().to_owned(),
            subject_name: text("input", "subjectName", &input.subject_name, TITLE_MAX)?,
            form: workflow::DisciplineForm::from(input.form).as_str().to_owned(),
            deciding_body: text("input", "decidingBody", &input.deciding_body, TITLE_MAX)?,
            decided_on: date(&["input", "decidedOn"], input.decided_on)?,
        };
        let db = &context::request(ctx)?.db;
        Ok(DisciplinaryAction(written(ctx, service::record_discipline(db, actor, new, idem).await?)?))
    }

    /// Records an amount recovered for a case; its `recoveredAmount` grows
    /// by it. `MANAGE_CASES` on the case's committee.
    async fn record_recovery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case's global ID.")] case_id: ID,
        #[graphql(desc = "What to record.")] input: RecoveryInput,
        #[graphql(desc = "Makes the write safe to repeat (see `createCase`).")] idempotency_key: Option<String>,
    ) -> Result<Recovery> {
        let actor = viewer(ctx)?;
        let idem = idempotency(ctx, idempotency_key, "recordRecovery")?;
        let case_id = ids::decode(Kind::Case, &case_id, &["caseId"])?;
        if input.amount.0 <= 0 {
            return Err(AppError::bad_input(&["input", "amount"], "must be more than zero").into());
        }
        let on = date(&["input", "recoveredOn"], input.recovered_on)?;
        let reference = text("input", "reference", &input.reference, 100)?;
        let db = &context::request(ctx)?.db;
        let recorded = service::record_recovery(db, actor, case_id, input.amount.0, on, reference, idem).await?;
        Ok(Recovery(written(ctx, recorded)?))
    }
}
