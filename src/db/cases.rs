//! Cases and incidents and their records: reads within a viewer's case
//! scope (applied in SQL), the rows a write locks and changes, references,
//! defendants, disciplinary actions, recoveries and idempotency keys.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{
    audit_chain, audit_event, case_record, case_reference, committee, defendant, disciplinary_action, recovery,
};
use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, IntoActiveModel, Iterable, JoinType, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
    Select, Set, Statement, TransactionTrait,
};

use super::columns::{self, ColumnIndex, Columns, Sparse};
use super::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use super::{for_update, reach, search_contains};
use crate::domain::cases::{CaseKind, CaseState};
use crate::domain::org::search_key;
use crate::domain::{Operation, Principal, Reach, Role};
use crate::error::{AppError, AppResult, Reason};

/// Which matters a viewer may touch for one operation: those of the
/// committees their roles reach (monitoring or assigning), and, for an
/// `AGENCY` role, those its agency handles within that role's reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseScope {
    pub committees: Reach,
    pub agency: Option<(Reach, i64)>,
}

impl CaseScope {
    pub fn of(principal: &Principal, op: Operation) -> CaseScope {
        let roles: Vec<Role> = op.allowed_roles().iter().copied().filter(|r| *r != Role::Agency).collect();
        let agency = match principal.agency {
            Some(agency) if op.allows(Role::Agency) => {
                let reach = principal.reach_for(&[Role::Agency]);
                (!reach.is_empty()).then_some((reach, agency))
            }
            _ => None,
        };
        CaseScope { committees: principal.reach_for(&roles), agency }
    }

    /// Every matter (for the system's own work, such as the demo data).
    pub fn all() -> CaseScope {
        CaseScope { committees: Reach::All, agency: None }
    }

    pub fn nothing() -> CaseScope {
        CaseScope { committees: Reach::Committees(Default::default()), agency: None }
    }

    pub fn is_empty(&self) -> bool {
        self.committees.is_empty() && self.agency.is_none()
    }

    fn condition(&self) -> Condition {
        let of = |reach: &Reach| {
            Condition::any()
                .add(reach::committee_column(case_record::Column::MonitoringCommitteeId, reach))
                .add(reach::committee_column(case_record::Column::AssigningCommitteeId, reach))
        };
        let mut cond = Condition::any().add(of(&self.committees));
        if let Some((reach, agency)) = &self.agency {
            cond = cond.add(Condition::all().add(of(reach)).add(case_record::Column::HandlingAgencyId.eq(*agency)));
        }
        cond
    }
}

fn in_scope(scope: &CaseScope) -> Select<case_record::Entity> {
    case_record::Entity::find().filter(scope.condition())
}

/// The committee and those merged into it, along any chain of merges (the
/// committees "below" it in the hierarchy are its children: the provinces
/// under the central one).
fn committee_and_below(id: i64, below: bool) -> Condition {
    if !below {
        return Condition::all().add(case_record::Column::MonitoringCommitteeId.eq(id));
    }
    let children = Query::select()
        .column(committee::Column::Id)
        .from(committee::Entity)
        .cond_where(Condition::any().add(committee::Column::ParentId.eq(id)).add(committee::Column::HeirId.eq(id)))
        .to_owned();
    Condition::any()
        .add(case_record::Column::MonitoringCommitteeId.eq(id))
        .add(case_record::Column::MonitoringCommitteeId.in_subquery(children))
}

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
    pub committee: Option<(&'a Reach, Columns)>,
    /// These columns of its latest history entry (its chain head's).
    pub last_event: Option<Columns>,
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
    fn committee_columns(columns: Columns) -> Columns {
        columns.with([committee::Column::Id])
    }

    fn event_columns(columns: Columns) -> Columns {
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
            Self::committee_columns(columns).join_into::<committee::Entity>(select, MONITORING, MONITORING_PREFIX);
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
            Self::event_columns(columns).join_into::<audit_event::Entity>(select, LAST, LAST_PREFIX);
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
    columns: Columns,
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

#[derive(Clone, Debug)]
pub struct NewCase {
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
    pub monitoring_state: CaseState,
    pub procedure_state: CaseState,
    pub origin_case_id: Option<i64>,
    pub opened_on: NaiveDate,
}

fn search_text(code: &str, title: &str) -> String {
    search_key(&format!("{code} {title}"))
}

pub async fn insert<C: ConnectionTrait>(db: &C, new: &NewCase) -> AppResult<case_record::Model> {
    Ok(active(new).insert(db).await?)
}

/// The longest code a matter may have (`ck_case_code`, the column's width).
pub const MAX_CODE_CHARS: usize = 64;

/// The `n`th code a case opened from the matter `from` may take: its code
/// and `-VA` (`-VA2`, `-VA3`, … after the first), the code cut so that the
/// whole fits in [`MAX_CODE_CHARS`].
pub fn derived_code(from: &str, n: usize) -> String {
    let suffix = if n <= 1 { "-VA".to_owned() } else { format!("-VA{n}") };
    // Codes are ASCII (`ck_case_code`), so a byte index is a character index.
    let keep = from.len().min(MAX_CODE_CHARS - suffix.len());
    format!("{}{suffix}", &from[..keep])
}

/// Opens the case a matter became under a code of its own: the first of
/// [`derived_code`]'s codes that no matter has. A code another writer takes
/// between the look-up and the insert is skipped too: the insert runs in a
/// savepoint, and a collision on the code moves on to the next one, so a
/// step the workflow lists is never refused for a code the caller did not
/// choose.
pub async fn insert_derived(db: &DatabaseTransaction, new: &NewCase, from_code: &str) -> AppResult<case_record::Model> {
    const BATCH: usize = 16;
    let mut next = 1;
    // Bounded: 64 batches of codes all taken is someone squatting on purpose.
    for _ in 0..64 {
        let candidates: Vec<String> = (next..next + BATCH).map(|n| derived_code(from_code, n)).collect();
        let keys = candidates.iter().map(|code| code_key(new.monitoring_committee_id, code));
        let taken: Vec<String> = case_record::Entity::find()
            .select_only()
            .column(case_record::Column::Code)
            .filter(case_record::Column::CodeKey.is_in(keys))
            .into_tuple()
            .all(db)
            .await?;
        next += BATCH;
        for code in candidates.into_iter().filter(|c| !taken.contains(c)) {
            let attempt = db.begin().await?;
            match active(&NewCase { code, ..new.clone() }).insert(&attempt).await {
                Ok(row) => {
                    attempt.commit().await?;
                    return Ok(row);
                }
                Err(err) if super::constraints::violated(&err).is_some_and(|c| c.names[0] == CODE_KEY) => {
                    attempt.rollback().await?;
                }
                Err(err) => {
                    attempt.rollback().await?;
                    return Err(err.into());
                }
            }
        }
    }
    Err(AppError::Conflict(Reason::NothingToDo, "no free code is left for the case this step opens".into()))
}

/// The unique index on a matter's code, as [`super::constraints`] names it.
const CODE_KEY: &str = "case_record_code_key";

/// What makes a code unique: it and the committee that registers the matter.
fn code_key(committee: i64, code: &str) -> String {
    format!("{committee}/{code}")
}

fn active(new: &NewCase) -> case_record::ActiveModel {
    let now = Utc::now();
    case_record::ActiveModel {
        kind: Set(new.kind.as_str().to_owned()),
        code: Set(new.code.clone()),
        code_key: Set(code_key(new.monitoring_committee_id, &new.code)),
        registered_by_committee_id: Set(Some(new.monitoring_committee_id)),
        title: Set(new.title.clone()),
        search_text: Set(search_text(&new.code, &new.title)),
        summary: Set(new.summary.clone()),
        field: Set(new.field.clone()),
        public_concern: Set(new.public_concern),
        non_state_sector: Set(new.non_state_sector),
        source: Set(new.source.clone()),
        loss_amount: Set(new.loss_amount),
        recovered_amount: Set(0),
        monitoring_committee_id: Set(new.monitoring_committee_id),
        assigning_committee_id: Set(None),
        handling_agency_id: Set(new.handling_agency_id),
        monitoring_state: Set(new.monitoring_state.as_str().to_owned()),
        procedure_state: Set(new.procedure_state.as_str().to_owned()),
        suspended_from: Set(None),
        in_absentia: Set(false),
        origin_case_id: Set(new.origin_case_id),
        opened_on: Set(new.opened_on),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Changes to a matter's details; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct CaseChanges {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub field: Option<String>,
    pub public_concern: Option<bool>,
    pub non_state_sector: Option<bool>,
    pub source: Option<String>,
    pub loss_amount: Option<i64>,
    pub handling_agency_id: Option<i64>,
}

/// Where a write moves a matter (states, assignment, totals).
#[derive(Clone, Debug, Default)]
pub struct CaseMove {
    pub monitoring_state: Option<CaseState>,
    pub procedure_state: Option<CaseState>,
    /// `Some(None)` clears it.
    pub suspended_from: Option<Option<CaseState>>,
    pub in_absentia: Option<bool>,
    pub monitoring_committee_id: Option<i64>,
    pub assigning_committee_id: Option<i64>,
    pub add_recovered: Option<i64>,
}

/// Writes `changes` and `moved` to a locked row and bumps its version.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    current: case_record::Model,
    changes: &CaseChanges,
    moved: &CaseMove,
) -> AppResult<case_record::Model> {
    let version = current.version + 1;
    let (code, recovered) = (current.code.clone(), current.recovered_amount);
    let mut row = current.into_active_model();
    if let Some(title) = &changes.title {
        row.search_text = Set(search_text(&code, title));
        row.title = Set(title.clone());
    }
    if let Some(v) = &changes.summary {
        row.summary = Set(v.clone());
    }
    if let Some(v) = &changes.field {
        row.field = Set(v.clone());
    }
    if let Some(v) = changes.public_concern {
        row.public_concern = Set(v);
    }
    if let Some(v) = changes.non_state_sector {
        row.non_state_sector = Set(v);
    }
    if let Some(v) = &changes.source {
        row.source = Set(v.clone());
    }
    if let Some(v) = changes.loss_amount {
        row.loss_amount = Set(Some(v));
    }
    if let Some(v) = changes.handling_agency_id {
        row.handling_agency_id = Set(Some(v));
    }
    if let Some(s) = moved.monitoring_state {
        row.monitoring_state = Set(s.as_str().to_owned());
    }
    if let Some(s) = moved.procedure_state {
        row.procedure_state = Set(s.as_str().to_owned());
    }
    if let Some(s) = moved.suspended_from {
        row.suspended_from = Set(s.map(|s| s.as_str().to_owned()));
    }
    if let Some(v) = moved.in_absentia {
        row.in_absentia = Set(v);
    }
    if let Some(v) = moved.monitoring_committee_id {
        row.monitoring_committee_id = Set(v);
    }
    if let Some(v) = moved.assigning_committee_id {
        row.assigning_committee_id = Set(Some(v));
    }
    if let Some(v) = moved.add_recovered {
        let total = recovered.checked_add(v).ok_or_else(|| {
            AppError::bad_input(&["amount"], "the total recovered would exceed the largest amount stored")
        })?;
        row.recovered_amount = Set(total);
    }
    row.updated_at = Set(Utc::now());
    row.version = Set(version);
    Ok(row.update(db).await?)
}

pub async fn insert_reference<C: ConnectionTrait>(
    db: &C,
    case: &case_record::Model,
    agency_id: i64,
    number: &str,
) -> AppResult<case_reference::Model> {
    Ok(case_reference::ActiveModel {
        case_id: Set(case.id),
        registered_by_committee_id: Set(case.registered_by_committee_id),
        agency_id: Set(agency_id),
        number: Set(number.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The records of a matter that are read in pages, each page one range of
/// the table's `(case_id[, date], id)` index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseRecords {
    /// In the order they were added.
    Defendants,
    /// Other agencies' numbers, in the order they were recorded.
    References,
    /// By the date decided.
    Discipline,
    /// By the date recovered.
    Recoveries,
}

impl CaseRecords {
    fn table(self) -> &'static str {
        match self {
            CaseRecords::Defendants => "defendant",
            CaseRecords::References => "case_reference",
            CaseRecords::Discipline => "disciplinary_action",
            CaseRecords::Recoveries => "recovery",
        }
    }

    /// The date the list is ordered by (then the id); `None`: by id alone.
    pub fn date_column(self) -> Option<&'static str> {
        match self {
            CaseRecords::Defendants | CaseRecords::References => None,
            CaseRecords::Discipline => Some("decided_on"),
            CaseRecords::Recoveries => Some("recovered_on"),
        }
    }
}

/// Where a page of a matter's records starts: after the record with this
/// id (and, for a list ordered by date, this date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct After {
    pub on: Option<NaiveDate>,
    pub id: i64,
}

/// A page of each matter's `records` (`size` rows, one more to tell that a
/// next page exists), in one statement whatever the number of matters.
/// Each matter's page is its own index walk (`LIMIT` per matter: a lateral
/// join on PostgreSQL, a correlated `IN` on SQLite), so a matter with
/// thousands of records costs what one with ten does. The matters come as
/// one JSON array parameter and the cursor as parameters, so the statement
/// text is the same for every page of the same shape and stays prepared.
pub async fn record_pages<E, C>(
    db: &C,
    records: CaseRecords,
    cases: &[i64],
    after: Option<After>,
    size: u64,
    columns: Columns,
    case_of: impl Fn(&E::Model) -> Option<i64>,
) -> AppResult<HashMap<i64, Vec<E::Model>>>
where
    E: EntityTrait,
    E::Column: ColumnIndex,
    E::Model: Sparse,
    C: ConnectionTrait,
{
    let mut out: HashMap<i64, Vec<E::Model>> = HashMap::new();
    if cases.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let param = |n: usize| if postgres { format!("${n}") } else { "?".to_owned() };
    let table = records.table();
    let order = |t: &str| match records.date_column() {
        Some(date) => format!("{t}.{date}, {t}.id"),
        None => format!("{t}.id"),
    };
    let mut values: Vec<sea_orm::Value> = vec![serde_json::to_string(cases).unwrap_or_default().into()];
    let after_clause = match (after, records.date_column()) {
        (None, _) => String::new(),
        (Some(After { on: Some(on), id }), Some(date)) => {
            values.extend([on.into(), id.into()]);
            format!(" AND (x.{date}, x.id) > ({}, {})", param(2), param(3))
        }
        (Some(After { id, .. }), _) => {
            values.push(id.into());
            format!(" AND x.id > {}", param(2))
        }
    };
    // The columns are the entity's own names, never text from a request.
    let read: Vec<String> =
        E::Column::iter().filter(|c| columns.has(*c)).map(|c| format!("r.{}", c.as_str())).collect();
    let (read, limit) = (read.join(", "), size + 1);
    let (inner_order, outer_order) = (order("x"), order("r"));
    let sql = if postgres {
        format!(
            "SELECT {read} FROM jsonb_array_elements_text($1::jsonb) AS c(id) CROSS JOIN LATERAL \
             (SELECT x.* FROM {table} x WHERE x.case_id = c.id::bigint{after_clause} ORDER BY {inner_order} \
             LIMIT {limit}) r ORDER BY r.case_id, {outer_order}"
        )
    } else {
        format!(
            "SELECT {read} FROM json_each(?) c JOIN {table} r ON r.id IN (SELECT x.id FROM {table} x \
             WHERE x.case_id = c.value{after_clause} ORDER BY {inner_order} LIMIT {limit}) \
             ORDER BY r.case_id, {outer_order}"
        )
    };
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    for row in rows {
        let row = E::Model::from_columns(&row, columns)?;
        if let Some(case) = case_of(&row) {
            out.entry(case).or_default().push(row);
        }
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct RecordCount {
    case_id: i64,
    n: i64,
}

/// How many `records` each matter has (a matter with none is absent).
pub async fn record_counts<C: ConnectionTrait>(
    db: &C,
    records: CaseRecords,
    cases: &[i64],
) -> AppResult<HashMap<i64, i64>> {
    if cases.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = Query::select();
    select
        .column("case_id")
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from(records.table())
        .and_where(Expr::col("case_id").is_in(cases.iter().copied()))
        .group_by_col("case_id");
    let rows = RecordCount::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
    Ok(rows.into_iter().map(|r| (r.case_id, r.n)).collect())
}

/// Counts of each matter's defendants by the attributes the figures use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct DefendantCounts {
    pub case_id: i64,
    pub total: i64,
    pub cadres: i64,
    pub party_members: i64,
    pub leaders: i64,
    pub centrally_managed: i64,
    pub non_state_sector: i64,
}

pub async fn defendant_counts<C: ConnectionTrait>(db: &C, cases: &[i64]) -> AppResult<HashMap<i64, DefendantCounts>> {
    let sum = |col: &str| Expr::cust(format!("SUM(CASE WHEN {col} THEN 1 ELSE 0 END)"));
    let rows = defendant::Entity::find()
        .select_only()
        .column(defendant::Column::CaseId)
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(sum("cadre"), "cadres")
        .column_as(sum("party_member"), "party_members")
        .column_as(sum("leader"), "leaders")
        .column_as(sum("centrally_managed"), "centrally_managed")
        .column_as(sum("non_state_sector"), "non_state_sector")
        .filter(defendant::Column::CaseId.is_in(cases.iter().copied()))
        .group_by(defendant::Column::CaseId)
        .into_model::<DefendantCounts>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.case_id, r)).collect())
}

pub async fn defendant_by_id<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<defendant::Model>> {
    Ok(defendant::Entity::find_by_id(id).one(db).await?)
}

/// The ids of the matters within `scope`, as a subquery.
fn matters_in(scope: &CaseScope) -> SelectStatement {
    in_scope(scope).select_only().column(case_record::Column::Id).into_query()
}

/// A record of a matter by id, only if its matter lies within `scope`: one
/// statement that answers alike for a record that does not exist and for one
/// out of reach, so neither the answer nor its time tells them apart.
pub async fn defendant_in_scope<C: ConnectionTrait>(
    db: &C,
    scope: &CaseScope,
    id: i64,
) -> AppResult<Option<defendant::Model>> {
    let select = defendant::Entity::find_by_id(id).filter(defendant::Column::CaseId.in_subquery(matters_in(scope)));
    Ok(select.one(db).await?)
}

/// [`defendant_in_scope`] for a recovery.
pub async fn recovery_in_scope<C: ConnectionTrait>(
    db: &C,
    scope: &CaseScope,
    id: i64,
) -> AppResult<Option<recovery::Model>> {
    let select = recovery::Entity::find_by_id(id).filter(recovery::Column::CaseId.in_subquery(matters_in(scope)));
    Ok(select.one(db).await?)
}

/// A case reference by id, if its matter is within `scope` (one statement).
pub async fn reference_in_scope<C: ConnectionTrait>(
    db: &C,
    scope: &CaseScope,
    id: i64,
) -> AppResult<Option<case_reference::Model>> {
    let select =
        case_reference::Entity::find_by_id(id).filter(case_reference::Column::CaseId.in_subquery(matters_in(scope)));
    Ok(select.one(db).await?)
}

pub async fn lock_defendant<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<defendant::Model>> {
    Ok(for_update(defendant::Entity::find_by_id(id)).one(db).await?)
}

/// Moves every defendant of `case` in status `from` to `to` (versions
/// bumped), locking them first; the rows before and after, in id order.
pub async fn move_defendants<C: ConnectionTrait>(
    db: &C,
    case: i64,
    from: &str,
    to: &str,
) -> AppResult<Vec<(defendant::Model, defendant::Model)>> {
    let select = defendant::Entity::find()
        .filter(defendant::Column::CaseId.eq(case))
        .filter(defendant::Column::Status.eq(from))
        .order_by_asc(defendant::Column::Id);
    let before = for_update(select).all(db).await?;
    if before.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    defendant::Entity::update_many()
        .col_expr(defendant::Column::Status, Expr::value(to))
        .col_expr(defendant::Column::Version, Expr::col(defendant::Column::Version).add(1))
        .col_expr(defendant::Column::UpdatedAt, Expr::value(now))
        .filter(defendant::Column::Id.is_in(before.iter().map(|d| d.id)))
        .exec(db)
        .await?;
    Ok(before
        .into_iter()
        .map(|d| {
            let after =
                defendant::Model { status: to.to_owned(), version: d.version + 1, updated_at: now, ..d.clone() };
            (d, after)
        })
        .collect())
}

#[derive(Clone, Debug)]
pub struct DefendantFields {
    pub full_name: String,
    pub position_held: String,
    pub cadre: bool,
    pub party_member: bool,
    pub leader: bool,
    pub centrally_managed: bool,
    pub non_state_sector: bool,
    pub status: String,
    pub charges: Vec<String>,
}

pub async fn insert_defendant<C: ConnectionTrait>(
    db: &C,
    case_id: i64,
    d: &DefendantFields,
) -> AppResult<defendant::Model> {
    let now = Utc::now();
    Ok(defendant::ActiveModel {
        case_id: Set(case_id),
        full_name: Set(d.full_name.clone()),
        position_held: Set(d.position_held.clone()),
        cadre: Set(d.cadre),
        party_member: Set(d.party_member),
        leader: Set(d.leader),
        centrally_managed: Set(d.centrally_managed),
        non_state_sector: Set(d.non_state_sector),
        status: Set(d.status.clone()),
        charges: Set(serde_json::to_string(&d.charges).unwrap_or_else(|_| "[]".into())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn update_defendant<C: ConnectionTrait>(
    db: &C,
    current: defendant::Model,
    d: &DefendantFields,
) -> AppResult<defendant::Model> {
    let version = current.version + 1;
    let mut row = current.into_active_model();
    row.full_name = Set(d.full_name.clone());
    row.position_held = Set(d.position_held.clone());
    row.cadre = Set(d.cadre);
    row.party_member = Set(d.party_member);
    row.leader = Set(d.leader);
    row.centrally_managed = Set(d.centrally_managed);
    row.non_state_sector = Set(d.non_state_sector);
    row.status = Set(d.status.clone());
    row.charges = Set(serde_json::to_string(&d.charges).unwrap_or_else(|_| "[]".into()));
    row.version = Set(version);
    row.updated_at = Set(Utc::now());
    Ok(row.update(db).await?)
}

#[derive(Clone, Debug)]
pub struct NewDiscipline {
    pub committee_id: i64,
    pub case_id: Option<i64>,
    pub subject_kind: String,
    pub subject_name: String,
    pub form: String,
    pub deciding_body: String,
    pub decided_on: NaiveDate,
}

pub async fn insert_discipline<C: ConnectionTrait>(
    db: &C,
    new: &NewDiscipline,
) -> AppResult<disciplinary_action::Model> {
    Ok(disciplinary_action::ActiveModel {
        committee_id: Set(new.committee_id),
        case_id: Set(new.case_id),
        subject_kind: Set(new.subject_kind.clone()),
        subject_name: Set(new.subject_name.clone()),
        form: Set(new.form.clone()),
        deciding_body: Set(new.deciding_body.clone()),
        decided_on: Set(new.decided_on),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn insert_recovery<C: ConnectionTrait>(
    db: &C,
    case_id: i64,
    amount: i64,
    on: NaiveDate,
    reference: &str,
) -> AppResult<recovery::Model> {
    Ok(recovery::ActiveModel {
        case_id: Set(case_id),
        amount: Set(amount),
        recovered_on: Set(on),
        reference: Set(reference.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A page of one matter's history (its chain), oldest first, after `seq`:
/// one range of `ux_audit_chain_seq`, however long the history.
pub async fn history_page<C: ConnectionTrait>(
    db: &C,
    case_id: i64,
    after_seq: Option<i64>,
    before_seq: Option<i64>,
    size: u64,
    backward: bool,
) -> AppResult<Vec<audit_event::Model>> {
    let mut select =
        audit_event::Entity::find().filter(audit_event::Column::Chain.eq(audit_event::case_chain(case_id)));
    if let Some(seq) = after_seq {
        select = select.filter(audit_event::Column::Seq.gt(seq));
    }
    if let Some(seq) = before_seq {
        select = select.filter(audit_event::Column::Seq.lt(seq));
    }
    let order = if backward { sea_orm::Order::Desc } else { sea_orm::Order::Asc };
    let mut rows = select.order_by(audit_event::Column::Seq, order).limit(size + 1).all(db).await?;
    if backward {
        rows.reverse();
    }
    Ok(rows)
}

/// The latest history entry of each matter (its chain head's entry), with
/// `columns` (and the chain, which says whose it is).
pub async fn last_events<C: ConnectionTrait>(
    db: &C,
    cases: &[i64],
    columns: Columns,
) -> AppResult<HashMap<i64, audit_event::Model>> {
    if cases.is_empty() {
        return Ok(HashMap::new());
    }
    // Each chain's head names its newest entry: one join, through the
    // chain's primary key and the (chain, seq) unique index.
    let chains: Vec<String> = cases.iter().map(|c| audit_event::case_chain(*c)).collect();
    let (event, head) = (audit_event::Entity, audit_chain::Entity);
    let columns = columns.with([audit_event::Column::Chain]);
    let mut select = Query::select();
    select
        .columns(audit_event::Column::iter().filter(|c| columns.has(*c)).map(|c| (event, c)))
        .from(event)
        .inner_join(
            head,
            Condition::all()
                .add(Expr::col((head, audit_chain::Column::Chain)).equals((event, audit_event::Column::Chain)))
                .add(Expr::col((head, audit_chain::Column::Seq)).equals((event, audit_event::Column::Seq))),
        )
        .and_where(Expr::col((head, audit_chain::Column::Chain)).is_in(chains));
    let rows: Vec<audit_event::Model> = columns::all(db, select, columns).await?;
    let mut out = HashMap::new();
    for row in rows {
        if let Some(audit_event::Chain::Case(id)) = audit_event::Chain::parse(&row.chain) {
            out.insert(id, row);
        }
    }
    Ok(out)
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
