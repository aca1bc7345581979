//! Relay connections: building them from a page of rows, `totalCount` run
//! only when asked for, and priming loaders from the query's look-ahead so a
//! page's nested relations cost one statement each, whatever the page size.

use async_graphql::{Context, Object, OutputType, SelectionField, SimpleObject, TypeName, Value};
use chrono::NaiveDate;
use sea_orm::sea_query::SelectStatement;
use std::borrow::Cow;
use std::sync::Arc;

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use async_graphql::dataloader::Loader;

use super::context::{self, RequestContext};
use super::loaders::{
    CommitteeId, CountUnder, Nested, OrgLoader, PageUnder, PersonColumns, PersonId, SeatCount, SeatsOf, SeatsPage,
};
use super::types::committee::committee_columns;
use super::types::filters::SeatFilter;
use crate::db::Db;
use crate::db::cases::{After, Along, CaseRecords};
use crate::db::columns::Columns;
use crate::db::page::{self, Page, PageArgs, Position, SortKey};
use crate::db::positions::{PositionScope, SeatKey, Window};
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
                let found = context::request(ctx)?.cases.load_one(super::loaders::DefendantCountsOf(*case)).await?;
                found.map(|c| u64::try_from(c.total).unwrap_or(0)).unwrap_or(0)
            }
            Count::Under(list) => list.count(ctx).await?,
            Count::OfCase(records, case) => context::request(ctx)?
                .cases
                .load_one(super::loaders::RecordCountOf(*records, *case))
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

/// The `first` and `after` of a forward-only connection selection, checked
/// as its resolver will check them; `None` if they do not parse (the
/// resolver then says why).
fn selected_forward(field: &SelectionField<'_>, max: u32) -> Option<PageArgs> {
    let (mut first, mut after) = (None, None);
    for (name, value) in field.arguments().ok()? {
        match (name.as_str(), value) {
            ("first", Value::Number(n)) => first = n.as_i64().and_then(|n| i32::try_from(n).ok()),
            ("after", Value::String(s)) => after = Some(s),
            _ => {}
        }
    }
    PageArgs::parse(first, after, None, None, max).ok()
}

/// The selections named `name` on the nodes of the connection `conn`
/// (through `edges { node }` and `nodes`), fragments included.
pub fn node_fields<'a>(conn: SelectionField<'a>, name: &str) -> Vec<SelectionField<'a>> {
    super::projection::node_selections(conn).into_iter().filter(|x| x.name() == name).collect()
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
    filter.scope(today).ok()
}

/// The page of a committee's seats that paging arguments ask for.
pub fn seat_window(args: &PageArgs) -> AppResult<Window> {
    let key = |cursor: &Option<page::Cursor>, arg: &'static str| -> AppResult<Option<SeatKey>> {
        cursor
            .as_ref()
            .map(|c| {
                SeatKey::from_cursor(c)
                    .ok_or_else(|| crate::error::AppError::bad_input(&[arg], "the cursor belongs to a different list"))
            })
            .transpose()
    };
    Ok(Window {
        size: args.size,
        backward: args.backward,
        after: key(&args.after, "after")?,
        before: key(&args.before, "before")?,
    })
}

/// The page a connection field's selection asks for, as its resolver will
/// read it; `None` if the arguments do not parse (the resolver then says why).
fn selected_window(field: &SelectionField<'_>, max: u32) -> Option<Window> {
    let (mut first, mut last, mut after, mut before) = (None, None, None, None);
    for (name, value) in field.arguments().ok()? {
        let int = |v: &Value| match v {
            Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
            _ => None,
        };
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            _ => None,
        };
        match name.as_str() {
            "first" => first = int(&value),
            "last" => last = int(&value),
            "after" => after = text(&value),
            "before" => before = text(&value),
            _ => {}
        }
    }
    seat_window(&PageArgs::parse(first, after, last, before, max).ok()?).ok()
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
    let max = context::limits(ctx)?.max_page_size;
    let mut people_columns = HashSet::new();
    for field in seat_fields {
        let person_fields = node_fields(field, "person");
        people_columns.extend(person_fields.iter().map(|f| super::types::person::person_columns(*f)));
        let wants_people = !person_fields.is_empty();
        if field.name() == "standingCommittee" {
            let scope = PositionScope { active_at: Some(today), standing: Some(true), role: None };
            prime(req, committees.iter().map(|id| SeatsOf(*id, scope)), |found| {
                if wants_people {
                    people.extend(found.values().flatten().map(|p| PersonId(p.person_id)));
                }
            })
            .await?;
            continue;
        }
        let (Some(scope), Some(window)) = (seat_scope(&field, today), selected_window(&field, max)) else { continue };
        let columns = super::types::position::seat_columns(field);
        prime(req, committees.iter().map(|id| SeatsPage(*id, scope, window, columns)), |found| {
            if wants_people {
                people.extend(found.values().flat_map(|page| page.items.iter().map(|(_, p)| PersonId(p.person_id))));
            }
        })
        .await?;
    }
    // The people as each `person` selection will ask for them: whole rows
    // by id, or the columns it reads.
    for columns in people_columns {
        if columns.is_all() {
            prime(req, people.iter().copied(), |_| {}).await?;
        } else {
            prime(req, people.iter().map(|p| PersonColumns(p.0, columns)), |_| {}).await?;
        }
    }
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

/// Loads `keys` of the case loader in one statement and feeds the results
/// to the request's cache (as [`prime`] does for the organisation loader).
async fn prime_cases_with<K>(req: &RequestContext, keys: Vec<K>) -> async_graphql::Result<()>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    super::loaders::CaseLoader: Loader<K, Error = async_graphql::Error>,
{
    if keys.is_empty() {
        return Ok(());
    }
    let found = req.cases.loader().load(&keys).await?;
    req.cases.feed_many(found).await;
    Ok(())
}

/// What the nodes of the page of cases being resolved select that the
/// page's own statement reads along with each matter (`db::cases::Along`):
/// the columns their `monitoringCommittee` selections read, and those of
/// their `lastEvent` selections for a caller who may read entries somewhere
/// (the resolvers still check each matter). Several selections of one
/// field (aliases, fragments) read the union of their columns.
pub fn cases_along<'a>(ctx: &Context<'_>, req: &'a RequestContext) -> Along<'a> {
    let this = ctx.field();
    fn union<E>(sets: Vec<Columns<E>>) -> Option<Columns<E>> {
        sets.into_iter().reduce(Columns::union)
    }
    let committees = node_fields(this, "monitoringCommittee").into_iter().map(committee_columns).collect();
    let events = if context::require_field(ctx, "Case", "lastEvent").is_ok() {
        node_fields(this, "lastEvent").into_iter().map(super::types::audit::event_columns).collect()
    } else {
        Vec::new()
    };
    Along { committee: union(committees).map(|columns| (&req.org.loader().reach, columns)), last_event: union(events) }
}

/// Loads, one statement per relation, what the nodes of a page of cases will
/// ask for (defendants and their counts, records; their committees and
/// latest entries are read with the page, see [`cases_along`]), so the
/// statements a page costs do not depend on its size or on how the
/// loaders' batches happen to fall.
pub async fn prime_cases(ctx: &Context<'_>, cases: &[&entity::case_record::Model]) -> async_graphql::Result<()> {
    use super::loaders::{DefendantCountsOf, DefendantsOf, DisciplineOf, RecordCountOf, RecoveriesOf, ReferencesOf};
    if cases.is_empty() {
        return Ok(());
    }
    let req = context::request(ctx)?;
    let this = ctx.field();
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    if !node_fields(this, "defendantCounts").is_empty() {
        prime_cases_with(req, ids.iter().map(|id| DefendantCountsOf(*id)).collect()).await?;
    }
    // Details are loaded ahead only for a caller who may read them somewhere
    // (the field rules); the resolvers still check each case.
    let max = context::limits(ctx)?.max_page_size;
    for (name, records) in [
        ("defendants", CaseRecords::Defendants),
        ("references", CaseRecords::References),
        ("disciplinaryActions", CaseRecords::Discipline),
        ("recoveries", CaseRecords::Recoveries),
    ] {
        if context::require_field(ctx, "Case", name).is_err() {
            continue;
        }
        for field in node_fields(this, name) {
            if field.selection_set().any(|f| f.name() == "totalCount") {
                match records {
                    CaseRecords::Defendants => {
                        prime_cases_with(req, ids.iter().map(|id| DefendantCountsOf(*id)).collect()).await?
                    }
                    _ => prime_cases_with(req, ids.iter().map(|id| RecordCountOf(records, *id)).collect()).await?,
                }
            }
            let Some(args) = selected_forward(&field, max) else { continue };
            let Ok(after) = record_after(records, &args) else { continue };
            let size = args.size;
            match records {
                CaseRecords::Defendants => {
                    let columns = super::types::case::defendant_columns(field);
                    prime_cases_with(req, ids.iter().map(|id| DefendantsOf(*id, after, size, columns)).collect())
                        .await?
                }
                CaseRecords::References => {
                    prime_cases_with(req, ids.iter().map(|id| ReferencesOf(*id, after, size)).collect()).await?
                }
                CaseRecords::Discipline => {
                    prime_cases_with(req, ids.iter().map(|id| DisciplineOf(*id, after, size)).collect()).await?
                }
                CaseRecords::Recoveries => {
                    prime_cases_with(req, ids.iter().map(|id| RecoveriesOf(*id, after, size)).collect()).await?
                }
            }
        }
    }
    Ok(())
}
