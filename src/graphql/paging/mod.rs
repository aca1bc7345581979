//! Relay connections: building them from a page of rows, `totalCount` run
//! only when asked for, and priming loaders from the query's look-ahead so a
//! page's nested relations cost one statement each, whatever the page size.

use async_graphql::{Context, Object, OutputType, SimpleObject, TypeName};
use chrono::NaiveDate;
use sea_orm::sea_query::SelectStatement;
use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use crate::db::Db;
use crate::db::cases::{After, CaseRecords};
use crate::db::page::{self, Page, PageArgs, Position, SortKey};
use crate::db::positions::PositionScope;
use crate::error::AppResult;
use crate::graphql::context;
use crate::graphql::loaders::{CountUnder, Nested, OrgLoader, PageUnder, SeatCount};

mod prime;

pub use prime::*;

/// The `first`/`after`/`last`/`before` arguments, checked against the limits.
pub fn args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> AppResult<PageArgs> {
    let max = context::limits(ctx)?.max_page_size;
    PageArgs::parse(first, after, last, before, max)
}

/// How `totalCount` is answered: known already, or by a statement run only
/// when a client selects it.
enum Count {
    Known(u64),
    Query(Db, Box<SelectStatement>),
    /// The seats of a committee in a scope, counted with those of the other
    /// committees on the page in one statement.
    Seats(i64, PositionScope),
    /// The records of a case, counted with those of the other cases on the
    /// page in one statement.
    OfCase(CaseRecords, i64),
    /// A list nested under a parent, counted with those of the other
    /// parents on the page in one statement.
    Under(Box<dyn CountUnderParent>),
}

/// The count of one list nested under one parent, whatever the list.
#[async_trait::async_trait]
trait CountUnderParent: Send + Sync {
    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64>;
}

#[async_trait::async_trait]
impl<F: Nested> CountUnderParent for CountUnder<F>
where
    OrgLoader: Loader<CountUnder<F>, Value = u64, Error = async_graphql::Error>,
{
    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(context::request(ctx)?.org.load_one(self.clone()).await?.unwrap_or(0))
    }
}

/// The total of a connection.
pub struct Extra {
    count: Count,
}

impl Extra {
    pub fn known(n: usize) -> Extra {
        Extra { count: Count::Known(n as u64) }
    }

    pub fn query(db: &Db, stmt: SelectStatement) -> Extra {
        Extra { count: Count::Query(db.clone(), Box::new(stmt)) }
    }

    pub fn seats(committee: i64, scope: PositionScope) -> Extra {
        Extra { count: Count::Seats(committee, scope) }
    }

    pub fn of_case(records: CaseRecords, case: i64) -> Extra {
        Extra { count: Count::OfCase(records, case) }
    }

    pub fn under<F: Nested>(parent: i64, list: F) -> Extra {
        Extra { count: Count::Under(Box::new(CountUnder(parent, list))) }
    }
}

/// A page of a list (a Relay connection): its edges (or just the nodes),
/// where it sits in the list, and how long the list is. Ask for a page with
/// `first` (and `after`) or `last` (and `before`); every list needs one of
/// them, from 1 to the page size limit (100 unless configured).
pub struct Conn<N> {
    edges: Vec<Edge<N>>,
    has_previous_page: bool,
    has_next_page: bool,
    extra: Extra,
}

/// One item of a page and where it sits (its cursor, encoded when asked for).
pub struct Edge<N> {
    at: Position,
    node: N,
}

/// Where a page sits in its list, and the cursors to fetch its neighbours.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether items come before this page (paging backwards, with `last`/`before`).
    has_previous_page: bool,
    /// Whether items come after this page (paging forwards, with `first`/`after`).
    has_next_page: bool,
    /// The cursor of the first item of the page: pass it as `before` for the previous page.
    start_cursor: Option<String>,
    /// The cursor of the last item of the page: pass it as `after` for the next page.
    end_cursor: Option<String>,
}

/// A page of a list (a Relay connection): its edges (or just the nodes),
/// where it sits in the list, and how long the list is. Every list needs
/// `first` (with `after`) or `last` (with `before`), from 1 to the page size
/// limit (100 unless configured).
#[Object(name_type)]
impl<N: OutputType> Conn<N> {
    /// The items of this page, each with its cursor.
    async fn edges(&self) -> &[Edge<N>] {
        &self.edges
    }

    /// The items of this page, without cursors.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Where this page sits in the list.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.at.cursor()),
            end_cursor: self.edges.last().map(|e| e.at.cursor()),
        }
    }

    /// How many items the list holds across all pages (with the same filter).
    /// Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(match &self.extra.count {
            Count::Known(n) => *n,
            Count::Query(db, stmt) => page::count(&db.conn, stmt).await?,
            Count::Seats(committee, scope) => {
                context::request(ctx)?.org.load_one(SeatCount(*committee, *scope)).await?.unwrap_or(0)
            }
            // The defendant counts answer `defendantCounts` too: one load for both.
            Count::OfCase(CaseRecords::Defendants, case) => {
                let found =
                    context::request(ctx)?.cases.load_one(crate::graphql::loaders::DefendantCountsOf(*case)).await?;
                found.map(|c| u64::try_from(c.total).unwrap_or(0)).unwrap_or(0)
            }
            Count::Under(list) => list.count(ctx).await?,
            Count::OfCase(records, case) => context::request(ctx)?
                .cases
                .load_one(crate::graphql::loaders::RecordCountOf(*records, *case))
                .await?
                .unwrap_or(0),
        })
    }
}

impl<N: OutputType> TypeName for Conn<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// One item of a page and the cursor that points at it.
#[Object(name_type)]
impl<N: OutputType> Edge<N> {
    /// Points at this item: pass it as `after` or `before` to page from here.
    async fn cursor(&self) -> String {
        self.at.cursor()
    }

    /// The item.
    async fn node(&self) -> &N {
        &self.node
    }
}

impl<N: OutputType> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// Wraps a page of rows as a connection of `N`.
pub fn connection<M, N: OutputType>(page: Page<M>, extra: Extra, wrap: impl Fn(M) -> N) -> Conn<N> {
    Conn {
        edges: page.items.into_iter().map(|(at, row)| Edge { at, node: wrap(row) }).collect(),
        has_previous_page: page.has_previous,
        has_next_page: page.has_next,
        extra,
    }
}

/// One page of the list `list` nested under `parent`, paged in SQL with the
/// same list of the other parents asked for in the same tick.
pub async fn under<F: Nested, N: OutputType>(
    ctx: &Context<'_>,
    parent: i64,
    list: F,
    args: PageArgs,
    wrap: impl Fn(F::Row) -> N,
) -> async_graphql::Result<Conn<N>>
where
    OrgLoader: Loader<PageUnder<F>, Value = Page<F::Row>, Error = async_graphql::Error>,
{
    let key = PageUnder(parent, list.clone(), args);
    let page = context::request(ctx)?.org.load_one(key).await?;
    let page = page.unwrap_or(Page { items: Vec::new(), has_next: false, has_previous: false });
    Ok(connection(page, Extra::under(parent, list), wrap))
}

/// The name a page of a case's records carries in its cursors (so a cursor
/// from another list is refused).
fn records_order(records: CaseRecords) -> &'static str {
    match records {
        CaseRecords::Defendants => "ADDED",
        CaseRecords::References => "RECORDED",
        CaseRecords::Discipline => "DECIDED",
        CaseRecords::Recoveries => "RECOVERED",
    }
}

/// Where a page of a case's `records` starts, from its `after` cursor; a
/// cursor of another list (or a forged one) is `BAD_USER_INPUT`.
pub fn record_after(records: CaseRecords, args: &PageArgs) -> AppResult<Option<After>> {
    let Some(cursor) = &args.after else { return Ok(None) };
    let wrong = || crate::error::AppError::bad_input(&["after"], "the cursor belongs to a different list");
    if cursor.order != records_order(records) {
        return Err(wrong());
    }
    let on = match (records.date_column(), &cursor.key) {
        (None, SortKey::Int(id)) if *id == cursor.id => None,
        (Some(_), SortKey::Text(date)) => Some(crate::domain::input::parse_date(date).ok_or_else(wrong)?),
        _ => return Err(wrong()),
    };
    Ok(Some(After { on, id: cursor.id }))
}

/// A page of a case's `records`, read with one row more than the page to
/// tell whether another follows, as a connection of `N`.
pub fn record_page<M, N: OutputType>(
    records: CaseRecords,
    case: i64,
    mut rows: Vec<M>,
    args: &PageArgs,
    key: impl Fn(&M) -> (Option<NaiveDate>, i64),
    wrap: impl Fn(M) -> N,
) -> Conn<N> {
    let more = rows.len() as u64 > args.size;
    rows.truncate(args.size as usize);
    let order: Arc<str> = records_order(records).into();
    let items = rows
        .into_iter()
        .map(|row| {
            let (on, id) = key(&row);
            let key = on.map_or(SortKey::Int(id), SortKey::date);
            (Position { order: order.clone(), key, id }, row)
        })
        .collect();
    let page = Page { items, has_next: more, has_previous: args.after.is_some() };
    connection(page, Extra::of_case(records, case), wrap)
}
