//! Seats (positions): reads within a reach, and the rows a write locks and
//! changes. A seat's row is kept when its term ends: history stays answerable.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::position;
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};

use crate::db::columns::Columns;
use crate::db::for_update;
use crate::db::page::{self, KeyKind, Page, PageArgs, Sort, SortKey};
use crate::db::reach;
use crate::domain::Reach;
use crate::domain::org::SeatRole;
use crate::domain::rules::SeatFacts;
use crate::error::{AppError, AppResult};

mod precedence;

pub use precedence::*;

/// Which seats a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PositionScope {
    /// Only seats held on this day.
    pub active_at: Option<NaiveDate>,
    pub role: Option<SeatRole>,
    pub standing: Option<bool>,
}

impl PositionScope {
    fn apply(&self, mut select: Select<position::Entity>) -> Select<position::Entity> {
        if let Some(day) = self.active_at {
            // An open term never ends: written so, the condition is one range
            // of the index `ix_position_held` on both databases.
            let ends = Expr::cust(r#"COALESCE("position"."end_on", '9999-12-31')"#);
            select = select.filter(position::Column::StartOn.lte(day)).filter(ends.gte(day));
        }
        if let Some(role) = self.role {
            select = select.filter(position::Column::Role.eq(role.as_str()));
        }
        if let Some(standing) = self.standing {
            select = select.filter(position::Column::Standing.eq(standing));
        }
        select
    }
}

fn in_reach(reach: &Reach) -> Select<position::Entity> {
    position::Entity::find().filter(reach::committee_column(position::Column::CommitteeId, reach))
}

/// Seats of each committee in precedence order (head, standing deputy,
/// deputies, members; then by start date), as the database's index has them.
pub async fn by_committees<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    committees: &[i64],
    scope: PositionScope,
    columns: Columns<position::Entity>,
) -> AppResult<HashMap<i64, Vec<position::Model>>> {
    // Sorted here, not in SQL: an ORDER BY would lead SQLite, which keeps
    // no statistics, to walk the precedence index through every past seat
    // instead of finding the seats held on a day by the (committee, end) index.
    let select = scope.apply(in_reach(reach)).filter(position::Column::CommitteeId.is_in(committees.iter().copied()));
    let rows = super::columns::select_all(db, select, columns.union(SEAT_KEY)).await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        out.entry(row.committee_id).or_default().push(row);
    }
    for seats in out.values_mut() {
        seats.sort_by_key(SeatKey::of);
    }
    Ok(out)
}

/// The seats a person holds or held are listed oldest first.
const HELD: Sort<position::Column> =
    Sort { name: "START_ON", column: position::Column::StartOn, kind: KeyKind::Date, descending: false };

/// One page of the seats each person holds or held in `scope`, oldest first
/// (index `ix_position_person_seats`).
pub async fn pages_by_people<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    scope: PositionScope,
    people: &[i64],
    args: &PageArgs,
) -> AppResult<HashMap<i64, Page<position::Model>>> {
    let key = |p: &position::Model| (SortKey::date(p.start_on), p.id);
    let select = scope.apply(in_reach(reach));
    page::fetch_per_parent(db, select, position::Column::PersonId, people, position::Column::Id, HELD, args, key, |p| {
        p.person_id
    })
    .await
}

/// How many seats in `scope` each person holds or held.
pub async fn counts_by_people<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    scope: PositionScope,
    people: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    page::count_per_parent(db, scope.apply(in_reach(reach)), position::Column::PersonId, people).await
}

pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    ids: &[i64],
) -> AppResult<HashMap<i64, position::Model>> {
    let rows = in_reach(reach).filter(position::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

#[derive(Clone, Debug, Default)]
pub struct PositionFilter {
    pub committee_id: Option<i64>,
    pub person_id: Option<i64>,
    pub scope: PositionScope,
}

pub async fn page<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    filter: &PositionFilter,
    args: &PageArgs,
    descending: bool,
) -> AppResult<(Page<position::Model>, SelectStatement)> {
    let mut select = filter.scope.apply(in_reach(reach));
    if let Some(id) = filter.committee_id {
        select = select.filter(position::Column::CommitteeId.eq(id));
    }
    if let Some(id) = filter.person_id {
        select = select.filter(position::Column::PersonId.eq(id));
    }
    let count = page::count_statement(select.clone());
    let sort = Sort { name: "START_ON", column: position::Column::StartOn, kind: KeyKind::Date, descending };
    let page = page::fetch(db, select, position::Column::Id, sort, args, |p| (SortKey::date(p.start_on), p.id)).await?;
    Ok((page, count))
}

/// Locks a seat within reach for the rest of the write.
pub async fn lock_one<C: ConnectionTrait>(db: &C, reach: &Reach, id: i64) -> AppResult<position::Model> {
    let select = in_reach(reach).filter(position::Column::Id.eq(id));
    for_update(select).one(db).await?.ok_or(AppError::NotFound("position"))
}

/// A committee's seats whose terms have not ended before `from`, locked:
/// what a new term from `from` could overlap.
pub async fn lock_not_ended_before<C: ConnectionTrait>(
    db: &C,
    committee_id: i64,
    from: NaiveDate,
) -> AppResult<Vec<position::Model>> {
    let select = position::Entity::find()
        .filter(position::Column::CommitteeId.eq(committee_id))
        .filter(Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gte(from)))
        .order_by_asc(position::Column::Id);
    Ok(for_update(select).all(db).await?)
}

/// The earliest and latest start of a committee's seats.
pub async fn start_range<C: ConnectionTrait>(
    db: &C,
    committee_id: i64,
) -> AppResult<(Option<NaiveDate>, Option<NaiveDate>)> {
    let row: Option<(Option<NaiveDate>, Option<NaiveDate>)> = position::Entity::find()
        .select_only()
        .column_as(position::Column::StartOn.min(), "earliest")
        .column_as(position::Column::StartOn.max(), "latest")
        .filter(position::Column::CommitteeId.eq(committee_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.unwrap_or((None, None)))
}

/// What the domain rules need of a seat.
pub fn facts(p: &position::Model) -> SeatFacts {
    SeatFacts { person_id: p.person_id, role: SeatRole::parse(&p.role), start_on: p.start_on, end_on: p.end_on }
}

#[derive(Clone, Debug)]
pub struct NewPosition {
    pub person_id: i64,
    pub committee_id: i64,
    pub role: SeatRole,
    pub standing: bool,
    pub title: String,
    pub start_on: NaiveDate,
}

pub async fn insert<C: ConnectionTrait>(db: &C, new: &NewPosition) -> AppResult<position::Model> {
    let now = Utc::now();
    Ok(position::ActiveModel {
        person_id: Set(new.person_id),
        committee_id: Set(new.committee_id),
        role: Set(new.role.as_str().to_owned()),
        standing: Set(new.standing),
        title: Set(new.title.clone()),
        start_on: Set(new.start_on),
        end_on: Set(None),
        end_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

#[derive(Clone, Debug, Default)]
pub struct PositionChanges {
    pub title: Option<String>,
    pub standing: Option<bool>,
}

/// Writes `changes` to a locked row and bumps its version.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    current: position::Model,
    changes: &PositionChanges,
) -> AppResult<position::Model> {
    let version = current.version + 1;
    let mut row = current.into_active_model();
    if let Some(title) = &changes.title {
        row.title = Set(title.clone());
    }
    if let Some(standing) = changes.standing {
        row.standing = Set(standing);
    }
    row.updated_at = Set(Utc::now());
    row.version = Set(version);
    Ok(row.update(db).await?)
}

/// Ends a locked seat on `end_on` (its last day) and bumps its version.
pub async fn end<C: ConnectionTrait>(
    db: &C,
    current: position::Model,
    end_on: NaiveDate,
    reason: Option<String>,
) -> AppResult<position::Model> {
    let version = current.version + 1;
    let mut row = current.into_active_model();
    row.end_on = Set(Some(end_on));
    row.end_reason = Set(reason);
    row.updated_at = Set(Utc::now());
    row.version = Set(version);
    Ok(row.update(db).await?)
}
