//! The records of a matter: defendants, references, disciplinary actions and
//! recoveries, paged and counted per matter for many at once, each read
//! within a scope by id, and written.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{case_reference, defendant, disciplinary_action, recovery};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, IdenStatic,
    IntoActiveModel, Iterable, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

use crate::db::columns::{ColumnIndex, Columns, Sparse};
use crate::db::for_update;
use crate::error::AppResult;

use super::{CaseScope, matters_in};

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
    columns: Columns<E>,
    case_of: impl Fn(&E::Model) -> Option<i64>,
) -> AppResult<HashMap<i64, Vec<E::Model>>>
where
    E: EntityTrait,
    E::Column: ColumnIndex<Entity = E>,
    E::Model: Sparse<Entity = E>,
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
    committee_id: i64,
) -> AppResult<recovery::Model> {
    Ok(recovery::ActiveModel {
        case_id: Set(case_id),
        amount: Set(amount),
        recovered_on: Set(on),
        reference: Set(reference.to_owned()),
        created_at: Set(Utc::now()),
        committee_id: Set(Some(committee_id)),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn recovery_by_id<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<recovery::Model>> {
    Ok(recovery::Entity::find_by_id(id).one(db).await?)
}

pub async fn reversal_of<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<recovery::Model>> {
    Ok(recovery::Entity::find().filter(recovery::Column::ReversesId.eq(id)).one(db).await?)
}

/// The entry negating `original`, on its day and for its committee.
pub async fn insert_reversal<C: ConnectionTrait>(
    db: &C,
    original: &recovery::Model,
    reason: &str,
) -> AppResult<recovery::Model> {
    Ok(recovery::ActiveModel {
        case_id: Set(original.case_id),
        amount: Set(-original.amount),
        recovered_on: Set(original.recovered_on),
        reference: Set(original.reference.clone()),
        created_at: Set(Utc::now()),
        committee_id: Set(original.committee_id),
        reverses_id: Set(Some(original.id)),
        reason: Set(Some(reason.to_owned())),
        ..Default::default()
    }
    .insert(db)
    .await?)
}
