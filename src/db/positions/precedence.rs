//! Seats in their committee's precedence order: the keyset, and pages and
//! counts of many committees' seats, each in one statement.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::position;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::columns::{Columns, Sparse};
use crate::db::page::{self, Page, SortKey};
use crate::domain::Reach;
use crate::error::AppResult;

use super::{PositionScope, by_committees, in_reach};

/// A seat's place in its committee's precedence order: the keyset that
/// pages a committee's seats (index `ix_position_precedence`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeatKey {
    pub rank: i16,
    pub start_on: NaiveDate,
    pub id: i64,
}

impl SeatKey {
    /// The ordering name cursors of this list carry.
    pub const ORDER: &'static str = "PRECEDENCE";

    pub fn of(p: &position::Model) -> SeatKey {
        SeatKey { rank: p.role_rank, start_on: p.start_on, id: p.id }
    }

    /// This seat's place in its list (`order` shared by a page's seats).
    pub fn position(&self, order: &std::sync::Arc<str>) -> page::Position {
        let key = SortKey::Text(format!("{}:{}", self.rank, self.start_on.format("%Y-%m-%d")));
        page::Position { order: order.clone(), key, id: self.id }
    }

    /// The key a cursor of this list holds; `None` for any other cursor.
    pub fn from_cursor(cursor: &page::Cursor) -> Option<SeatKey> {
        let SortKey::Text(text) = &cursor.key else { return None };
        let (rank, day) = text.split_once(':')?;
        let rank: i16 = rank.parse().ok().filter(|r| (0..=99).contains(r))?;
        let start_on = crate::domain::input::parse_date(day)?;
        let key = SeatKey { rank, start_on, id: cursor.id };
        // One form only: what `position` would give for this key.
        let own = key.position(&Self::ORDER.into()).cursor();
        (cursor.order == Self::ORDER && own == cursor.encode()).then_some(key)
    }
}

/// Which page of each parent's list: its size, direction and bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    pub size: u64,
    pub backward: bool,
    pub after: Option<SeatKey>,
    pub before: Option<SeatKey>,
}

/// What every read of seats in a committee's precedence order needs: the
/// committee and the key.
pub const SEAT_KEY: Columns<position::Entity> = Columns::of_const(&[
    position::Column::Id as u32,
    position::Column::CommitteeId as u32,
    position::Column::RoleRank as u32,
    position::Column::StartOn as u32,
]);

/// One page of each committee's seats in precedence order, in one statement
/// of one index walk per committee, each starting at the cursor and stopping
/// after the page (`LIMIT`), so a page costs the same whether a committee has
/// 10 seats in its history or 200,000. Each seat is read with `columns`
/// (and the key).
pub async fn pages_by_committees<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    committees: &[i64],
    scope: PositionScope,
    window: Window,
    columns: Columns<position::Entity>,
) -> AppResult<HashMap<i64, Page<position::Model>>> {
    let columns = columns.union(SEAT_KEY);
    use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, UnionType};
    use sea_orm::{Order, QueryTrait};
    let key = |k: SeatKey| Expr::tuple([Expr::val(k.rank), Expr::val(k.start_on), Expr::val(k.id)]);
    let key_columns = || {
        Expr::tuple([
            Expr::col(position::Column::RoleRank),
            Expr::col(position::Column::StartOn),
            Expr::col(position::Column::Id),
        ])
    };
    let order = if window.backward { Order::Desc } else { Order::Asc };
    // One committee's page: an index walk from the cursor, LIMIT page + 1.
    let page_of = |parent: Expr| {
        let mut one = scope.apply(in_reach(reach)).filter(Expr::col(position::Column::CommitteeId).eq(parent));
        if let Some(after) = window.after {
            one = one.filter(key_columns().gt(key(after)));
        }
        if let Some(before) = window.before {
            one = one.filter(key_columns().lt(key(before)));
        }
        one = one
            .order_by(position::Column::RoleRank, order.clone())
            .order_by(position::Column::StartOn, order.clone())
            .order_by(position::Column::Id, order.clone());
        columns.narrow(one.limit(window.size + 1)).into_query()
    };
    let backend = db.get_database_backend();
    let mut out: HashMap<i64, Vec<position::Model>> = HashMap::new();
    let statement = if committees.is_empty() {
        None
    } else if backend == sea_orm::DbBackend::Sqlite && scope.active_at.is_some() {
        // SQLite, seats held on a day: read those seats (the (committee,
        // end) index skips the ended history; their number is that of the
        // seats held that day, not of the history) and page them here.
        for (committee, seats) in by_committees(db, reach, committees, scope, columns).await? {
            let within = seats.into_iter().filter(|s| {
                let k = SeatKey::of(s);
                window.after.is_none_or(|a| k > a) && window.before.is_none_or(|b| k < b)
            });
            out.insert(committee, within.collect());
        }
        None
    } else if backend == sea_orm::DbBackend::Postgres {
        // PostgreSQL: one LATERAL join over the parents' ids, planned once
        // whatever their number. The ids are our own integers, inlined.
        let ids: Vec<String> = committees.iter().map(i64::to_string).collect();
        let parents = format!("unnest(ARRAY[{}]::bigint[]) AS parent(id)", ids.join(","));
        let sql = if scope.active_at.is_some() {
            // Seats held on a day: fetched first by the (committee, end)
            // index, which skips the ended history, then the page taken in
            // precedence order from those (OFFSET 0 keeps the planner from
            // walking the whole history in precedence order instead).
            let mut held = columns.narrow(
                scope
                    .apply(in_reach(reach))
                    .filter(Expr::col(position::Column::CommitteeId).eq(Expr::cust("parent.id"))),
            );
            if let Some(after) = window.after {
                held = held.filter(key_columns().gt(key(after)));
            }
            if let Some(before) = window.before {
                held = held.filter(key_columns().lt(key(before)));
            }
            let (inner, values) = held.into_query().build(sea_orm::sea_query::PostgresQueryBuilder);
            let dir = if window.backward { "DESC" } else { "ASC" };
            let sql = format!(
                "SELECT s.* FROM {parents} CROSS JOIN LATERAL (SELECT * FROM ({inner} OFFSET 0) AS held \
                 ORDER BY held.role_rank {dir}, held.start_on {dir}, held.id {dir} LIMIT {}) AS s",
                window.size + 1
            );
            (sql, values)
        } else {
            let (inner, values) = page_of(Expr::cust("parent.id")).build(sea_orm::sea_query::PostgresQueryBuilder);
            (format!("SELECT s.* FROM {parents} CROSS JOIN LATERAL ({inner}) AS s"), values)
        };
        Some(sea_orm::Statement::from_sql_and_values(backend, sql.0, sql.1))
    } else {
        // SQLite has no LATERAL: a UNION ALL of one walk per parent (ORDER BY
        // and LIMIT are allowed in a compound select's parts only in a subquery).
        let mut union: Option<sea_orm::sea_query::SelectStatement> = None;
        for (i, committee) in committees.iter().enumerate() {
            let one = page_of(Expr::val(*committee));
            let wrapped = Query::select().column(Asterisk).from_subquery(one, Alias::new(format!("s{i}"))).to_owned();
            union = Some(match union {
                None => wrapped,
                Some(mut all) => {
                    all.union(UnionType::All, wrapped);
                    all
                }
            });
        }
        union.map(|u| backend.build(&u))
    };
    if let Some(statement) = statement {
        for row in db.query_all_raw(statement).await? {
            let seat = position::Model::from_columns(&row, columns)?;
            out.entry(seat.committee_id).or_default().push(seat);
        }
    }
    let mut pages = HashMap::new();
    for committee in committees {
        let mut rows = out.remove(committee).unwrap_or_default();
        // The union's parts keep their order only within themselves.
        rows.sort_by_key(SeatKey::of);
        if window.backward {
            rows.reverse();
        }
        let more = rows.len() as u64 > window.size;
        rows.truncate(window.size as usize);
        if window.backward {
            rows.reverse();
        }
        let order: std::sync::Arc<str> = SeatKey::ORDER.into();
        let items = rows.into_iter().map(|r| (SeatKey::of(&r).position(&order), r)).collect();
        let (has_next, has_previous) =
            if window.backward { (window.before.is_some(), more) } else { (more, window.after.is_some()) };
        pages.insert(*committee, Page { items, has_next, has_previous });
    }
    Ok(pages)
}

/// How many seats each committee has in `scope`, for `totalCount`.
pub async fn counts_by_committees<C: ConnectionTrait>(
    db: &C,
    reach: &Reach,
    committees: &[i64],
    scope: PositionScope,
) -> AppResult<HashMap<i64, u64>> {
    let rows: Vec<(i64, i64)> = scope
        .apply(in_reach(reach))
        .filter(position::Column::CommitteeId.is_in(committees.iter().copied()))
        .select_only()
        .column(position::Column::CommitteeId)
        .column_as(position::Column::Id.count(), "n")
        .group_by(position::Column::CommitteeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(c, n)| (c, u64::try_from(n).unwrap_or(0))).collect())
}
