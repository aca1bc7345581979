//! Reading matters: a page of a filtered, ordered list within a scope (with
//! the monitoring committee and last entry joined in when selected), matters
//! by id, by an agency's reference, and the rows a write locks.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{audit_chain, audit_event, case_record, case_reference, committee};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IdenStatic, JoinType, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryTrait,
};

use crate::db::columns::{Columns, Sparse};
use crate::db::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use crate::db::{for_update, reach, search_contains};
use crate::domain::Reach;
use crate::domain::cases::{CaseKind, CaseState};
use crate::error::{AppError, AppResult};

use super::{CaseScope, committee_and_below, in_scope};

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub committee: Option<(i64, bool)>,
    pub kind: Option<CaseKind>,
    pub monitoring_state: Option<CaseState>,
    pub procedure_state: Option<CaseState>,
    pub public_concern: Option<bool>,
    pub non_state_sector: Option<bool>,
    pub field: Option<String>,
    pub opened_from: Option<NaiveDate>,
    pub opened_to: Option<NaiveDate>,
    pub text: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseOrder {
    Code,
    OpenedOn,
}

/// The columns every page of matters reads besides its sort column (for
/// cursors): the key and what a viewer's standing on a matter is worked out
/// from.
const PAGE_COLUMNS: [case_record::Column; 4] = [
    case_record::Column::Id,
    case_record::Column::MonitoringCommitteeId,
    case_record::Column::AssigningCommitteeId,
    case_record::Column::HandlingAgencyId,
];

/// What a page of matters reads along with each one, by joins in the
/// page's own statement rather than in statements of their own.
#[derive(Clone, Copy, Debug, Default)]
pub struct Along<'a> {
    /// These columns of its monitoring committee, when the committee is
    /// within this reach (nothing otherwise, as a load by id would find).
    pub committee: Option<(&'a Reach, Columns<committee::Entity>)>,
    /// These columns of its latest history entry (its chain head's).
    pub last_event: Option<Columns<audit_event::Entity>>,
}

/// What a page read along with a matter: `None` for what it did not read;
/// `Some(None)` where the join found nothing (a committee outside reach, a
/// matter without history).
#[derive(Clone, Debug, Default)]
pub struct Joined {
    pub committee: Option<Option<committee::Model>>,
    pub last_event: Option<Option<audit_event::Model>>,
}

/// The names the joined tables go by, and the prefixes of their columns'
/// names in the result.
const MONITORING: &str = "monitoring";
const MONITORING_PREFIX: &str = "monitoring__";
const LAST_HEAD: &str = "last_head";
const LAST: &str = "last";
const LAST_PREFIX: &str = "last__";

impl Along<'_> {
    /// What is read of each joined table: the columns asked for, and a
    /// column that is never null in a row the join found.
    fn committee_columns(columns: Columns<committee::Entity>) -> Columns<committee::Entity> {
        columns.with([committee::Column::Id])
    }

    fn event_columns(columns: Columns<audit_event::Entity>) -> Columns<audit_event::Entity> {
        columns.with([audit_event::Column::Chain])
    }

    fn join(self, select: &mut SelectStatement) {
        if let Some((reach, columns)) = self.committee {
            let on = Condition::all()
                .add(
                    Expr::col((Alias::new(MONITORING), committee::Column::Id))
                        .equals((case_record::Entity, case_record::Column::MonitoringCommitteeId)),
                )
                .add(reach::committee_column(case_record::Column::MonitoringCommitteeId, reach));
            select.join_as(JoinType::LeftJoin, committee::Entity, Alias::new(MONITORING), on);
            Self::committee_columns(columns).join_into(select, MONITORING, MONITORING_PREFIX);
        }
        if let Some(columns) = self.last_event {
            // The chain's head names its newest entry. A matter's chain is
            // `audit_event::case_chain` of its id, spelled here in SQL.
            let chain = Expr::cust(r#"('case:' || CAST("case_record"."id" AS TEXT))"#);
            let on = Expr::col((Alias::new(LAST_HEAD), audit_chain::Column::Chain)).eq(chain);
            select.join_as(JoinType::LeftJoin, audit_chain::Entity, Alias::new(LAST_HEAD), on);
            let on = Condition::all()
                .add(
                    Expr::col((Alias::new(LAST), audit_event::Column::Chain))
                        .equals((Alias::new(LAST_HEAD), audit_chain::Column::Chain)),
                )
                .add(
                    Expr::col((Alias::new(LAST), audit_event::Column::Seq))
                        .equals((Alias::new(LAST_HEAD), audit_chain::Column::Seq)),
                );
            select.join_as(JoinType::LeftJoin, audit_event::Entity, Alias::new(LAST), on);
            Self::event_columns(columns).join_into(select, LAST, LAST_PREFIX);
        }
    }

    fn decode(self, row: &QueryResult) -> Result<Joined, DbErr> {
        let mut joined = Joined::default();
        if let Some((_, columns)) = self.committee {
            let found: Option<i64> = row.try_get(MONITORING_PREFIX, committee::Column::Id.as_str())?;
            let columns = Self::committee_columns(columns);
            joined.committee =
                Some(found.map(|_| committee::Model::from_prefixed(row, MONITORING_PREFIX, columns)).transpose()?);
        }
        if let Some(columns) = self.last_event {
            let found: Option<String> = row.try_get(LAST_PREFIX, audit_event::Column::Chain.as_str())?;
            let columns = Self::event_columns(columns);
            joined.last_event =
                Some(found.map(|_| audit_event::Model::from_prefixed(row, LAST_PREFIX, columns)).transpose()?);
        }
        Ok(joined)
    }
}

/// One page of the matters in `scope` that pass `filter`, reading `columns`
/// of each (and what the page needs) and what `along` asks for; and the
/// statement that counts them.
#[expect(clippy::too_many_arguments, reason = "the page's parts, each its own")]
pub async fn page<C: ConnectionTrait>(
    db: &C,
    scope: &CaseScope,
    filter: &CaseFilter,
    args: &PageArgs,
    order: CaseOrder,
    descending: bool,
    columns: Columns<case_record::Entity>,
    along: Along<'_>,
) -> AppResult<(Page<(case_record::Model, Joined)>, SelectStatement)> {
    let mut select = in_scope(scope);
    if let Some((id, below)) = filter.committee {
        select = select.filter(committee_and_below(id, below));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(case_record::Column::Kind.eq(kind.as_str()));
    }
    if let Some(state) = filter.monitoring_state {
        select = select.filter(case_record::Column::MonitoringState.eq(state.as_str()));
    }
    if let Some(state) = filter.procedure_state {
        select = select.filter(case_record::Column::ProcedureState.eq(state.as_str()));
    }
    if let Some(v) = filter.public_concern {
        select = select.filter(case_record::Column::PublicConcern.eq(v));
    }
    if let Some(v) = filter.non_state_sector {
        select = select.filter(case_record::Column::NonStateSector.eq(v));
    }
    if let Some(field) = &filter.field {
        select = select.filter(case_record::Column::Field.eq(field.as_str()));
    }
    if let Some(from) = filter.opened_from {
        select = select.filter(case_record::Column::OpenedOn.gte(from));
    }
    if let Some(to) = filter.opened_to {
        select = select.filter(case_record::Column::OpenedOn.lte(to));
    }
    if let Some(text) = &filter.text {
        select = select.filter(search_contains(case_record::Column::SearchText, text));
    }
    let count = page::count_statement(select.clone());
    // What the page itself needs (keys, cursors, the viewer's standing on
    // each matter) besides what its nodes select; the search column only
    // filters, so a page never carries it.
    let columns = columns.with(PAGE_COLUMNS).without([case_record::Column::SearchText]);
    let id = case_record::Column::Id;
    let sort = match order {
        CaseOrder::Code => Sort { name: "CODE", column: case_record::Column::Code, kind: KeyKind::Text, descending },
        CaseOrder::OpenedOn => {
            Sort { name: "OPENED_ON", column: case_record::Column::OpenedOn, kind: KeyKind::Date, descending }
        }
    };
    let columns = columns.with([sort.column]);
    let mut select = columns.narrow(select);
    along.join(QueryTrait::query(&mut select));
    let decode = |row: &QueryResult| Ok((case_record::Model::from_columns(row, columns)?, along.decode(row)?));
    let page = match order {
        CaseOrder::Code => {
            page::fetch_decoded(db, select, id, sort, args, decode, |(c, _)| (SortKey::Text(c.code.clone()), c.id))
                .await?
        }
        CaseOrder::OpenedOn => {
            page::fetch_decoded(db, select, id, sort, args, decode, |(c, _)| (SortKey::date(c.opened_on), c.id)).await?
        }
    };
    Ok((page, count))
}

pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    scope: &CaseScope,
    ids: &[i64],
) -> AppResult<HashMap<i64, case_record::Model>> {
    let rows = in_scope(scope).filter(case_record::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// The matter another agency knows by `number`.
pub async fn by_reference<C: ConnectionTrait>(
    db: &C,
    scope: &CaseScope,
    agency: i64,
    number: &str,
) -> AppResult<Option<case_record::Model>> {
    // A number is unique among one committee's matters: with reach over
    // several committees, the matter it was first recorded on.
    let within = in_scope(scope).select_only().column(case_record::Column::Id).into_query();
    let first = Query::select()
        .column(case_reference::Column::CaseId)
        .from(case_reference::Entity)
        .and_where(case_reference::Column::AgencyId.eq(agency))
        .and_where(case_reference::Column::Number.eq(number))
        .and_where(case_reference::Column::CaseId.in_subquery(within))
        .order_by(case_reference::Column::Id, sea_orm::Order::Asc)
        .limit(1)
        .to_owned();
    Ok(in_scope(scope).filter(case_record::Column::Id.in_subquery(first)).one(db).await?)
}

/// Locks a matter within scope for the rest of the write.
pub async fn lock_one<C: ConnectionTrait>(db: &C, scope: &CaseScope, id: i64) -> AppResult<case_record::Model> {
    let select = in_scope(scope).filter(case_record::Column::Id.eq(id));
    for_update(select).one(db).await?.ok_or(AppError::NotFound("case"))
}

/// A matter whatever the scope, read without a lock (verification).
pub async fn by_id_any<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<case_record::Model>> {
    Ok(case_record::Entity::find_by_id(id).one(db).await?)
}

/// A matter whatever the scope (the service checks the viewer's roles on it).
pub async fn lock_any<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<case_record::Model>> {
    Ok(for_update(case_record::Entity::find_by_id(id)).one(db).await?)
}

/// The matters a committee monitors or assigned, by id.
pub async fn ids_of_committee<C: ConnectionTrait>(db: &C, committee: i64) -> AppResult<Vec<i64>> {
    Ok(case_record::Entity::find()
        .select_only()
        .column(case_record::Column::Id)
        .filter(
            Condition::any()
                .add(case_record::Column::MonitoringCommitteeId.eq(committee))
                .add(case_record::Column::AssigningCommitteeId.eq(committee)),
        )
        .order_by_asc(case_record::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}
