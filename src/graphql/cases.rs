//! The cases area of the read API: the workflow, and the cases and
//! incidents within the caller's reach. Merged into the root `Query`; the
//! writes are in `mutations::cases`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use super::context;
use super::ids::{self, Kind};
use super::loaders::CaseId;
use super::paging::{self, Conn, Extra};
use super::projection;
use super::types::case::{CASE_COLUMNS, Case, Workflow};
use super::types::committee::paging_cost;
use super::types::enums::{CaseField, CaseKind, CaseState, Direction};
use super::types::scalars::Date;
use crate::db::cases::{self as store, CaseFilter as StoreFilter, CaseOrder};
use crate::domain::cases as workflow;
use crate::domain::org::{self as rules, Invalid};
use crate::domain::records::NUMBER_MAX;
use crate::domain::{Operation, Principal};
use crate::error::{AppError, AppResult};

#[derive(Default)]
pub struct CaseQuery;

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

fn check<T>(arg: &str, result: Result<T, Invalid>) -> AppResult<T> {
    result.map_err(|e| AppError::invalid(arg, e))
}

fn text(arg: &str, field: &'static str, value: &str, max: usize) -> AppResult<String> {
    check(arg, rules::text(field, value, max))
}

fn decode_opt(kind: Kind, id: Option<ID>, arg: &[&str]) -> AppResult<Option<i64>> {
    id.map(|id| ids::decode(kind, &id, arg)).transpose()
}

fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Principal> {
    context::viewer(ctx)
}

/// A matter by id within the caller's case scope.
async fn load_case(ctx: &Context<'_>, id: i64) -> Result<Case> {
    let found = context::request(ctx)?.cases.load_one(CaseId(id)).await?;
    Ok(Case::from(found.ok_or(AppError::NotFound("case"))?))
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
