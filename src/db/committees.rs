//! Committees: reads within a reach, and the rows a write locks and changes.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::committee;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Select, Set,
};

use super::columns::Columns;
use super::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use super::{for_update, reach, search_contains};
use crate::domain::Reach;
use crate::domain::org::{CommitteeLevel, CommitteeStatus, search_key};
use crate::domain::rules::CommitteeFacts;
use crate::error::{AppError, AppResult};

/// Which committees a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CommitteeFilter {
    pub level: Option<CommitteeLevel>,
    pub status: Option<CommitteeStatus>,
    pub name_contains: Option<String>,
    pub parent_id: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitteeSort {
    Code,
    Name,
    EstablishedOn,
}

fn in_reach(reach: &Reach) -> Select<committee::Entity> {
    committee::Entity::find().filter(reach::committee_column(committee::Column::Id, reach))
}

/// Every committee within reach, the central one first, then by code.
pub async fn all_in_reach<C: ConnectionTrait>(db: &C, reach: &Reach) -> AppResult<Vec<committee::Model>> {
    let mut rows = in_reach(reach).all(db).await?;
    rows.sort_by(|a, b| (a.level != "CENTRAL", &a.code).cmp(&(b.level != "CENTRAL", &b.code)));
    Ok(rows)
}

/// The committees within reach that `filter` lets through.
fn filtered(reach: &Reach, filter: &CommitteeFilter) -> Select<committee::Entity> {
    let mut select = in_reach(reach);
    if let Some(level) = filter.level {
        select = select.filter(committee::Column::Level.eq(level.as_str()));
    }
    if let Some(status) = filter.status {
        select = select.filter(committee::Column::Status.eq(status.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(search_contains(committee::Column::SearchName, text));
    }
    if let Some(parent) = filter.parent_id {
        select = select.filter(committee::Column::ParentId.eq(parent));
    }
    select
}

/// How children are listed under their parent: by code.
const CHILDREN: Sort<committee::Column> =
    Sort { name: "CODE", column: committee::Column::Code, kind: KeyKind::Text, descending: false };

/// One page of the children of each parent that `filter` lets through, in
/// code order (index `ix_committee_parent_code`).
pub async fn children_pages<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &CommitteeFilter,
    parents: &[i64],
    args: &PageArgs,
) -> AppResult<HashMap<i64, Page<committee::Model>>> {
    let select = filtered(reach, filter);
    let key = |c: &committee::Model| (SortKey::Text(c.code.clone()), c.id);
    let parent_of = |c: &committee::Model| c.parent_id.unwrap_or_default();
    page::fetch_per_parent(
        db,
        select,
        committee::Column::ParentId,
        parents,
        committee::Column::Id,
        CHILDREN,
        args,
        key,
        parent_of,
    )
    .await
}

/// How many children of each parent `filter` lets through.
pub async fn children_counts<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &CommitteeFilter,
    parents: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    page::count_per_parent(db, filtered(reach, filter), committee::Column::ParentId, parents).await
}

pub async fn page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &CommitteeFilter,
    sort: CommitteeSort,
    descending: bool,
    args: &PageArgs,
) -> AppResult<(Page<committee::Model>, SelectStatement)> {
    let select = filtered(reach, filter);
    let count = page::count_statement(select.clone());
    let (name, column, kind) = match sort {
        CommitteeSort::Code => ("CODE", committee::Column::Code, KeyKind::Text),
        CommitteeSort::Name => ("NAME", committee::Column::Name, KeyKind::Text),
        CommitteeSort::EstablishedOn => ("ESTABLISHED_ON", committee::Column::EstablishedOn, KeyKind::Date),
    };
    let sort_spec = Sort { name, column, kind, descending };
    let page = page::fetch(db, select, committee::Column::Id, sort_spec, args, |c| {
        let key = match sort {
            CommitteeSort::Code => SortKey::Text(c.code.clone()),
            CommitteeSort::Name => SortKey::Text(c.name.clone()),
            CommitteeSort::EstablishedOn => SortKey::date(c.established_on),
        };
        (key, c.id)
    })
    .await?;
    Ok((page, count))
}

pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
) -> AppResult<HashMap<i64, committee::Model>> {
    let rows = in_reach(reach).filter(committee::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

/// The committees `ids` within reach, reading only `columns` (and the id).
pub async fn by_ids_columns<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
    columns: Columns<committee::Entity>,
) -> AppResult<Vec<committee::Model>> {
    let select = in_reach(reach).filter(committee::Column::Id.is_in(ids.iter().copied()));
    super::columns::select_all(db, select, columns.with([committee::Column::Id])).await
}

pub async fn by_code<C: ConnectionTrait>(db: &C, reach: &Reach, code: &str) -> AppResult<Option<committee::Model>> {
    Ok(in_reach(reach).filter(committee::Column::Code.eq(code)).one(db).await?)
}

/// Which of `codes` are committees in the database (any status, no reach:
/// for the command line, which speaks for the operator).
pub async fn existing_codes<C: ConnectionTrait>(db: &C, codes: &[&str]) -> AppResult<Vec<String>> {
    Ok(committee::Entity::find()
        .select_only()
        .column(committee::Column::Code)
        .filter(committee::Column::Code.is_in(codes.iter().copied()))
        .into_tuple::<String>()
        .all(db)
        .await?)
}

/// Locks committees within reach for the rest of the write, in id order (so
/// two writes locking the same pair cannot deadlock).
pub async fn lock<C: ConnectionTrait>(db: &C, reach: &Reach, ids: &[i64]) -> AppResult<HashMap<i64, committee::Model>> {
    let select = in_reach(reach).filter(committee::Column::Id.is_in(ids.iter().copied()));
    let rows = for_update(select.order_by_asc(committee::Column::Id)).all(db).await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

pub async fn lock_one<C: ConnectionTrait>(db: &C, reach: &Reach, id: i64) -> AppResult<committee::Model> {
    lock(db, reach, &[id]).await?.remove(&id).ok_or(AppError::NotFound("committee"))
}

pub async fn central<C: ConnectionTrait>(db: &C) -> AppResult<committee::Model> {
    committee::Entity::find()
        .filter(committee::Column::Level.eq(CommitteeLevel::Central.as_str()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("central committee"))
}

/// What the domain rules need of a committee.
pub fn facts(c: &committee::Model) -> CommitteeFacts {
    CommitteeFacts {
        code: c.code.clone(),
        level: CommitteeLevel::parse(&c.level),
        status: CommitteeStatus::parse(&c.status),
        established_on: c.established_on,
    }
}

/// A new provincial committee.
#[derive(Clone, Debug)]
pub struct NewCommittee {
    pub code: String,
    pub name: String,
    pub province: String,
    pub established_on: NaiveDate,
    pub regulation: String,
}

pub async fn insert<C: ConnectionTrait>(db: &C, parent_id: i64, new: &NewCommittee) -> AppResult<committee::Model> {
    let now = Utc::now();
    Ok(committee::ActiveModel {
        code: Set(new.code.clone()),
        search_name: Set(search_key(&new.name)),
        name: Set(new.name.clone()),
        level: Set(CommitteeLevel::Provincial.as_str().to_owned()),
        parent_id: Set(Some(parent_id)),
        province: Set(Some(new.province.clone())),
        established_on: Set(new.established_on),
        regulation: Set(new.regulation.clone()),
        status: Set(CommitteeStatus::Active.as_str().to_owned()),
        successor_id: Set(None),
        heir_id: Set(None),
        ended_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Changes to a committee's descriptive fields; `None` leaves a field as is.
#[derive(Clone, Debug, Default)]
pub struct CommitteeChanges {
    pub name: Option<String>,
    pub province: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub regulation: Option<String>,
}

/// Writes `changes` to a locked row and bumps its version.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    current: committee::Model,
    changes: &CommitteeChanges,
) -> AppResult<committee::Model> {
    let version = current.version + 1;
    let mut row = current.into_active_model();
    if let Some(name) = &changes.name {
        row.search_name = Set(search_key(name));
        row.name = Set(name.clone());
    }
    if let Some(province) = &changes.province {
        row.province = Set(Some(province.clone()));
    }
    if let Some(day) = changes.established_on {
        row.established_on = Set(day);
    }
    if let Some(regulation) = &changes.regulation {
        row.regulation = Set(regulation.clone());
    }
    row.updated_at = Set(Utc::now());
    row.version = Set(version);
    Ok(row.update(db).await?)
}

/// Marks a locked committee merged into the locked, active `successor`
/// from `effective_on`, and hands it, and every committee merged into it
/// before, to the successor: the end of their merge chain (see the merge
/// heirs migration).
pub async fn mark_merged<C: ConnectionTrait>(
    db: &C,
    current: committee::Model,
    successor: i64,
    effective_on: NaiveDate,
) -> AppResult<committee::Model> {
    let merged = current.id;
    let version = current.version + 1;
    let mut row = current.into_active_model();
    row.status = Set(CommitteeStatus::Merged.as_str().to_owned());
    row.successor_id = Set(Some(successor));
    row.heir_id = Set(Some(successor));
    row.ended_on = Set(Some(effective_on));
    row.updated_at = Set(Utc::now());
    row.version = Set(version);
    let row = row.update(db).await?;
    committee::Entity::update_many()
        .col_expr(committee::Column::HeirId, sea_orm::sea_query::Expr::value(successor))
        .filter(committee::Column::HeirId.eq(merged))
        .exec(db)
        .await?;
    Ok(row)
}
