//! Keyset pagination: a page is "the next N rows after this (sort key, id)",
//! so its cost does not grow with how deep into the list it is.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    QueryTrait, Select,
};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// The value of the sort column in one row.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    Int(i64),
    Text(String),
}

/// What kind of value a list is sorted by, which a cursor's key must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Int,
    Text,
    Date,
}

/// The longest text sort key a cursor may carry (names are at most 200 characters).
const TEXT_KEY_MAX: usize = 1000;

impl SortKey {
    pub fn date(d: NaiveDate) -> SortKey {
        SortKey::Text(d.format("%Y-%m-%d").to_string())
    }

    /// The key as a value of the sort column; `None` if it cannot be one
    /// (a forged cursor), so the database never sees a mistyped value.
    fn to_value(&self, kind: KeyKind) -> Option<sea_orm::Value> {
        match (kind, self) {
            (KeyKind::Int, SortKey::Int(n)) => Some((*n).into()),
            (KeyKind::Date, SortKey::Text(s)) => crate::domain::input::parse_date(s).map(Into::into),
            (KeyKind::Text, SortKey::Text(s))
                if s.chars().count() <= TEXT_KEY_MAX && crate::domain::input::string_problem(s).is_none() =>
            {
                Some(s.clone().into())
            }
            _ => None,
        }
    }
}

/// An opaque position in a list: the ordering it belongs to, the sort key and
/// the id of the row it points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "k")]
    pub key: SortKey,
    #[serde(rename = "i")]
    pub id: i64,
}

/// A [`Cursor`] borrowed from its parts, which encodes the same text.
#[derive(Serialize)]
struct CursorRef<'a> {
    o: &'a str,
    k: &'a SortKey,
    i: i64,
}

impl CursorRef<'_> {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }
}

impl Cursor {
    pub fn encode(&self) -> String {
        CursorRef { o: &self.order, k: &self.key, i: self.id }.encode()
    }

    /// Decodes a cursor; `None` unless it is exactly what [`Cursor::encode`]
    /// would give (one form only, a positive row id, a bounded size).
    pub fn decode(text: &str) -> Option<Cursor> {
        if text.len() > 2 * TEXT_KEY_MAX {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
        (cursor.id > 0 && cursor.encode() == text).then_some(cursor)
    }
}

/// The paging arguments of a connection, checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub size: u64,
    /// `last`/`before`: the page ends where the cursor is.
    pub backward: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl PageArgs {
    /// Checks `first`/`last` (exactly one, 1..=max) and decodes the cursors.
    pub fn parse(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        max: u32,
    ) -> AppResult<PageArgs> {
        let (size, backward, arg) = match (first, last) {
            (Some(n), None) => (n, false, "first"),
            (None, Some(n)) => (n, true, "last"),
            (Some(_), Some(_)) => return Err(AppError::bad_input(&["last"], "pass `first` or `last`, not both")),
            (None, None) => {
                return Err(AppError::bad_input(&["first"], format!("`first` or `last` is required (1 to {max})")));
            }
        };
        if size < 1 || size as i64 > max as i64 {
            return Err(AppError::bad_input(&[arg], format!("`{arg}` must be between 1 and {max}")));
        }
        let decode = |arg: &'static str, c: Option<String>| -> AppResult<Option<Cursor>> {
            c.map(|c| {
                Cursor::decode(&c)
                    .ok_or_else(|| AppError::bad_input(&[arg], "the cursor is not one this list gave out"))
            })
            .transpose()
        };
        Ok(PageArgs { size: size as u64, backward, after: decode("after", after)?, before: decode("before", before)? })
    }
}

/// Where a row sits in its list: what its cursor is made of. A page keeps
/// positions and encodes a cursor only when a client selects one, so a list
/// read through `nodes` never pays for a hundred it does not show.
#[derive(Clone, Debug)]
pub struct Position {
    /// The ordering's name, shared by a page's rows.
    pub order: Arc<str>,
    pub key: SortKey,
    pub id: i64,
}

impl Position {
    /// The cursor pointing at this row.
    pub fn cursor(&self) -> String {
        CursorRef { o: &self.order, k: &self.key, i: self.id }.encode()
    }
}

/// One page of rows with their positions.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<(Position, T)>,
    pub has_next: bool,
    pub has_previous: bool,
}

/// How a list is sorted: which column, in which direction; the row id breaks ties.
#[derive(Clone, Copy, Debug)]
pub struct Sort<C> {
    /// The name the cursor carries, so a cursor from another ordering is refused.
    pub name: &'static str,
    pub column: C,
    pub kind: KeyKind,
    pub descending: bool,
}

/// Fetches one page of `select` in `sort` order (the row id breaking ties).
pub async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    id_col: E::Column,
    sort: Sort<E::Column>,
    args: &PageArgs,
    key_of: impl Fn(&E::Model) -> (SortKey, i64),
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let (select, order_name) = page_select(select, id_col, sort, args)?;
    Ok(page_of(select.all(db).await?, order_name, args, key_of))
}

/// [`fetch`] for a `select` that reads more or less than its entity's
/// columns (only some of them, see [`columns`](super::columns), or joined
/// ones): each row is decoded by `decode`.
pub async fn fetch_decoded<E, C, T>(
    db: &C,
    select: Select<E>,
    id_col: E::Column,
    sort: Sort<E::Column>,
    args: &PageArgs,
    decode: impl Fn(&QueryResult) -> Result<T, DbErr>,
    key_of: impl Fn(&T) -> (SortKey, i64),
) -> AppResult<Page<T>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let (select, order_name) = page_select(select, id_col, sort, args)?;
    let rows = db.query_all(&select.into_query()).await?;
    let rows = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(rows, order_name, args, key_of))
}

/// `select` limited to one page (and one row more, to tell whether there is
/// a next), after or before the cursors, with the name of its ordering.
fn page_select<E: EntityTrait>(
    select: Select<E>,
    id_col: E::Column,
    sort: Sort<E::Column>,
    args: &PageArgs,
) -> AppResult<(Select<E>, String)> {
    let order_name = format!("{}{}", sort.name, if sort.descending { ":desc" } else { "" });
    let mut select = select;
    for (cursor, after) in [(&args.after, true), (&args.before, false)] {
        if let Some(cursor) = cursor {
            let arg = if after { "after" } else { "before" };
            if cursor.order != order_name {
                return Err(AppError::bad_input(&[arg], "the cursor belongs to a different ordering of this list"));
            }
            let key = cursor
                .key
                .to_value(sort.kind)
                .ok_or_else(|| AppError::bad_input(&[arg], "the cursor is not one this list gave out"))?;
            // "Comes after the cursor in display order" (or before, for
            // `before`), as one row-value comparison `(k, id) > ($k, $id)`:
            // both databases walk the `(k, id)` index from there, where the
            // equivalent `k > $k OR (k = $k AND id > $id)` is a filter over
            // every row before the page.
            let greater = after != sort.descending;
            // Qualified, so a page that joins another table stays unambiguous.
            let qualified = |c: E::Column| Expr::col((c.entity_name(), c));
            let columns = Expr::tuple([qualified(sort.column), qualified(id_col)]);
            let at = Expr::tuple([Expr::val(key), Expr::val(cursor.id)]);
            let cond = if greater { columns.gt(at) } else { columns.lt(at) };
            select = select.filter(cond);
        }
    }
    // Fetch in display order, or reversed when paging backwards.
    let ascending = sort.descending == args.backward;
    let order = if ascending { Order::Asc } else { Order::Desc };
    Ok((select.order_by(sort.column, order.clone()).order_by(id_col, order).limit(args.size + 1), order_name))
}

/// One page of each parent's rows of `select` (the rows whose `parent`
/// column holds the parent's id), in `sort` order, in one statement: each
/// parent's page is its own index walk from the cursor, stopping after the
/// page (a lateral join on PostgreSQL, a correlated `IN (… LIMIT n)` on
/// SQLite, which has no LATERAL), so a parent with 200,000 rows costs what
/// one with ten does. The parents come as one JSON array parameter, so the
/// statement text is the same for every page of the same shape and stays
/// prepared. Every parent gets a page, empty if it has no rows.
#[expect(clippy::too_many_arguments, reason = "the parts of one keyset page, as for `fetch`")]
pub async fn fetch_per_parent<E, C>(
    db: &C,
    select: Select<E>,
    parent: E::Column,
    parents: &[i64],
    id_col: E::Column,
    sort: Sort<E::Column>,
    args: &PageArgs,
    key_of: impl Fn(&E::Model) -> (SortKey, i64),
    parent_of: impl Fn(&E::Model) -> i64,
) -> AppResult<HashMap<i64, Page<E::Model>>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
    use sea_orm::{DbBackend, FromQueryResult, IdenStatic, Statement};

    let (select, order_name) = page_select(select, id_col, sort, args)?;
    let mut rows: HashMap<i64, Vec<E::Model>> = parents.iter().map(|p| (*p, Vec::new())).collect();
    if !parents.is_empty() {
        let backend = db.get_database_backend();
        let ids = sea_orm::Value::from(serde_json::to_string(parents).unwrap_or_default());
        // The outer query keeps each parent's rows in the page's order.
        let ascending = sort.descending == args.backward;
        let dir = if ascending { "ASC" } else { "DESC" };
        let (key, id) = (sort.column.as_str(), id_col.as_str());
        let outer_order = |t: &str| format!("\"{t}\".\"{key}\" {dir}, \"{t}\".\"{id}\" {dir}");
        let statement = if backend == DbBackend::Postgres {
            let inner = select.filter(Expr::col(parent).eq(Expr::cust("\"p\".\"id\"::bigint"))).into_query();
            let (inner, mut values) = inner.build(PostgresQueryBuilder);
            values.0.push(ids);
            let sql = format!(
                "SELECT \"s\".* FROM jsonb_array_elements_text(${}::jsonb) AS \"p\"(\"id\") \
                 CROSS JOIN LATERAL ({inner}) AS \"s\" ORDER BY {}",
                values.0.len(),
                outer_order("s")
            );
            Statement::from_sql_and_values(backend, sql, values)
        } else {
            let table = E::default().table_name().to_owned();
            let inner = select.filter(Expr::col(parent).eq(Expr::cust("\"p\".\"value\""))).select_only().column(id_col);
            let (inner, values) = inner.into_query().build(SqliteQueryBuilder);
            let sql = format!(
                "SELECT \"r\".* FROM json_each(?) AS \"p\" JOIN \"{table}\" AS \"r\" ON \"r\".\"{id}\" IN ({inner}) \
                 ORDER BY {}",
                outer_order("r")
            );
            Statement::from_sql_and_values(backend, sql, std::iter::once(ids).chain(values.0))
        };
        for row in db.query_all_raw(statement).await? {
            let row = E::Model::from_query_result(&row, "")?;
            rows.entry(parent_of(&row)).or_default().push(row);
        }
    }
    Ok(rows.into_iter().map(|(p, rows)| (p, page_of(rows, order_name.clone(), args, &key_of))).collect())
}

/// How many rows of `select` each parent has, for `totalCount` (a parent
/// with none is absent).
pub async fn count_per_parent<E, C>(
    db: &C,
    select: Select<E>,
    parent: E::Column,
    parents: &[i64],
) -> AppResult<HashMap<i64, u64>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    use sea_orm::ColumnTrait;
    if parents.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = select
        .filter(parent.is_in(parents.iter().copied()))
        .select_only()
        .column(parent)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(p, n)| (p, u64::try_from(n).unwrap_or(0))).collect())
}

/// The page made of the rows `page_select` read.
fn page_of<T>(rows: Vec<T>, order_name: String, args: &PageArgs, key_of: impl Fn(&T) -> (SortKey, i64)) -> Page<T> {
    let order: Arc<str> = order_name.into();
    let more = rows.len() as u64 > args.size;
    let mut rows: Vec<_> = rows.into_iter().take(args.size as usize).collect();
    if args.backward {
        rows.reverse();
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let (key, id) = key_of(&row);
            (Position { order: order.clone(), key, id }, row)
        })
        .collect();
    let (has_next, has_previous) =
        if args.backward { (args.before.is_some(), more) } else { (more, args.after.is_some()) };
    Page { items, has_next, has_previous }
}

/// The statement that counts what `select` matches, for `totalCount`; run only
/// when a client asks for it.
pub fn count_statement<E: EntityTrait>(select: Select<E>) -> SelectStatement {
    select.select_only().column_as(Expr::cust("COUNT(*)"), "n").into_query()
}

/// Runs a statement built by [`count_statement`].
pub async fn count<C: ConnectionTrait>(db: &C, stmt: &SelectStatement) -> AppResult<u64> {
    let row = db.query_one(stmt).await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(first: Option<i32>, last: Option<i32>) -> AppResult<PageArgs> {
        PageArgs::parse(first, None, last, None, 100)
    }

    #[test]
    fn paging_needs_first_or_last_within_bounds() {
        assert!(args(None, None).is_err());
        assert!(args(Some(0), None).is_err());
        assert!(args(Some(101), None).is_err());
        assert!(args(Some(1), Some(1)).is_err());
        assert!(args(Some(100), None).is_ok());
        assert!(args(None, Some(1)).unwrap().backward);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor { order: "NAME".into(), key: SortKey::Text("Nghệ An".into()), id: 7 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c.clone()));
        let at = Position { order: "NAME".into(), key: c.key.clone(), id: 7 };
        assert_eq!(at.cursor(), c.encode());
        assert!(PageArgs::parse(Some(1), Some("nope".into()), None, None, 100).is_err());
    }

    #[test]
    fn forged_cursors_are_refused_before_any_statement() {
        let forged = |json: &str| URL_SAFE_NO_PAD.encode(json);
        assert!(Cursor::decode(&forged(r#"{"o":"START_ON","k":5,"i":0}"#)).is_none());
        assert!(Cursor::decode(&forged(r#"{"o":"START_ON","k":5,"i":1,"x":1}"#)).is_none());
        assert!(Cursor::decode(&forged(r#"{ "o":"START_ON","k":5,"i":1}"#)).is_none());
        // Well-formed, but the key is not a date: refused when matched against the sort.
        let mistyped = Cursor::decode(&forged(r#"{"o":"START_ON","k":5,"i":1}"#)).unwrap();
        assert_eq!(mistyped.key.to_value(KeyKind::Date), None);
        assert_eq!(SortKey::Text("+10000-01-01".into()).to_value(KeyKind::Date), None);
        assert_eq!(SortKey::Text("a\u{0}b".into()).to_value(KeyKind::Text), None);
        assert!(SortKey::Text("2024-01-01".into()).to_value(KeyKind::Date).is_some());
    }
}
