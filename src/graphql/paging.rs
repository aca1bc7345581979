//! Relay connections: building them from a page of rows, `totalCount` run
//! only when asked for, and priming loaders from the query's look-ahead so a
//! page's nested relations cost one statement each, whatever the page size.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, SelectionField, Value};
use chrono::NaiveDate;
use sea_orm::sea_query::SelectStatement;

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use async_graphql::dataloader::Loader;

use super::context::{self, RequestContext};
use super::loaders::{CommitteeId, OrgLoader, PersonId, SeatsOf};
use super::types::filters::SeatFilter;
use crate::db::Db;
use crate::db::org::PositionScope;
use crate::db::page::{self, Page, PageArgs};
use crate::domain::Operation;
use crate::error::AppResult;

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

/// Fields every connection has besides edges, nodes and pageInfo.
pub struct Extra {
    count: Count,
}

enum Count {
    Known(u64),
    Query(Db, Box<SelectStatement>),
}

impl Extra {
    pub fn known(n: usize) -> Extra {
        Extra { count: Count::Known(n as u64) }
    }

    pub fn query(db: &Db, stmt: SelectStatement) -> Extra {
        Extra { count: Count::Query(db.clone(), Box::new(stmt)) }
    }
}

#[Object]
impl Extra {
    /// How many items the list holds across all pages (with the same filter).
    async fn total_count(&self) -> async_graphql::Result<u64> {
        Ok(match &self.count {
            Count::Known(n) => *n,
            Count::Query(db, stmt) => page::count(&db.conn, stmt).await?,
        })
    }
}

pub type Conn<N> = Connection<String, N, Extra>;

/// Wraps a page of rows as a connection of `N`.
pub fn connection<M, N: async_graphql::OutputType>(page: Page<M>, extra: Extra, wrap: impl Fn(M) -> N) -> Conn<N> {
    let mut conn = Connection::with_additional_fields(page.has_previous, page.has_next, extra);
    conn.edges.extend(page.items.into_iter().map(|(cursor, row)| Edge::new(cursor, wrap(row))));
    conn
}

/// Pages through a list loaded for its parent and wraps it.
pub fn in_memory<M: Clone, N: async_graphql::OutputType>(
    rows: &[M],
    id_of: impl Fn(&M) -> i64,
    args: &PageArgs,
    list: &str,
    wrap: impl Fn(M) -> N,
) -> AppResult<Conn<N>> {
    let page = page::slice(rows, id_of, args, list)?;
    Ok(connection(page, Extra::known(rows.len()), wrap))
}

/// The selections named `name` on the nodes of the connection `conn`
/// (through `edges { node }` and `nodes`), fragments included.
pub fn node_fields<'a>(conn: SelectionField<'a>, name: &str) -> Vec<SelectionField<'a>> {
    let mut out = Vec::new();
    for f in conn.selection_set() {
        match f.name() {
            "edges" => {
                for node in f.selection_set().filter(|n| n.name() == "node") {
                    out.extend(node.selection_set().filter(|x| x.name() == name));
                }
            }
            "nodes" => out.extend(f.selection_set().filter(|x| x.name() == name)),
            _ => {}
        }
    }
    out
}

/// The scope a `positions(filter: ...)` selection asks for, as its resolver
/// will read it; `None` if its arguments do not parse (the resolver then
/// reports why).
pub fn seat_scope(field: &SelectionField<'_>, today: NaiveDate) -> Option<PositionScope> {
    let mut filter = SeatFilter::default();
    for (name, value) in field.arguments().ok()? {
        match (name.as_str(), value) {
            ("filter", Value::Null) => {}
            ("filter", value) => filter = <SeatFilter as async_graphql::InputType>::parse(Some(value)).ok()?,
            ("first" | "last" | "after" | "before", _) => {}
            _ => return None,
        }
    }
    Some(filter.scope(today))
}

/// Loads `keys` in one statement, straight from the loader (no batch
/// window to wait out), lets `inspect` look at the results, and feeds them to
/// the request's cache, where the nested resolvers will find them.
async fn prime<K>(
    req: &RequestContext,
    keys: impl IntoIterator<Item = K>,
    inspect: impl FnOnce(&HashMap<K, <OrgLoader as Loader<K>>::Value>),
) -> async_graphql::Result<()>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    OrgLoader: Loader<K, Error = async_graphql::Error>,
{
    let mut keys: Vec<K> = keys.into_iter().collect();
    let mut seen = HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    if keys.is_empty() {
        return Ok(());
    }
    let found = req.org.loader().load(&keys).await?;
    inspect(&found);
    req.org.feed_many(found).await;
    Ok(())
}

/// Loads, in one statement per relation, what the nodes of a committee page
/// will ask for: their seats (and the people in them) and their parents.
pub async fn prime_committees(ctx: &Context<'_>, committees: &[i64], parents: &[i64]) -> async_graphql::Result<()> {
    if committees.is_empty() {
        return Ok(());
    }
    let req = context::request(ctx)?;
    let this = ctx.field();
    let today = chrono::Utc::now().date_naive();
    // Seats are membership records: nothing to load ahead for a caller who may not read them.
    let mut seat_fields = Vec::new();
    if context::require(ctx, Operation::ReadMembership).is_ok() {
        seat_fields.extend(node_fields(this, "positions"));
        seat_fields.extend(node_fields(this, "standingCommittee"));
    }
    let mut people = Vec::new();
    for field in seat_fields {
        let scope = if field.name() == "standingCommittee" {
            Some(PositionScope { active_at: Some(today), standing: Some(true), role: None })
        } else {
            seat_scope(&field, today)
        };
        let Some(scope) = scope else { continue };
        let wants_people = !node_fields(field, "person").is_empty();
        prime(req, committees.iter().map(|id| SeatsOf(*id, scope)), |found| {
            if wants_people {
                people.extend(found.values().flatten().map(|p| PersonId(p.person_id)));
            }
        })
        .await?;
    }
    prime(req, people, |_| {}).await?;
    if !node_fields(this, "parent").is_empty() {
        prime(req, parents.iter().copied().map(CommitteeId), |_| {}).await?;
    }
    Ok(())
}

/// Loads the people and committees a page of seats will ask for.
pub async fn prime_seats(ctx: &Context<'_>, seats: &[entity::position::Model]) -> async_graphql::Result<()> {
    let req = context::request(ctx)?;
    let this = ctx.field();
    if !node_fields(this, "person").is_empty() {
        prime(req, seats.iter().map(|s| PersonId(s.person_id)), |_| {}).await?;
    }
    if !node_fields(this, "committee").is_empty() {
        prime(req, seats.iter().map(|s| CommitteeId(s.committee_id)), |_| {}).await?;
    }
    Ok(())
}
