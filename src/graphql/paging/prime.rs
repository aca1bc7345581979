//! Priming loaders from the query's look-ahead, so a page's nested
//! relations cost one statement each, whatever the page size.

use async_graphql::{Context, SelectionField, Value};
use chrono::NaiveDate;

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use async_graphql::dataloader::Loader;

use crate::db::cases::{Along, CaseRecords};
use crate::db::columns::Columns;
use crate::db::page::{self, PageArgs};
use crate::db::positions::{PositionScope, SeatKey, Window};
use crate::domain::Operation;
use crate::error::AppResult;
use crate::graphql::context::{self, RequestContext};
use crate::graphql::loaders::{CommitteeId, OrgLoader, PersonColumns, PersonId, SeatsOf, SeatsPage};
use crate::graphql::types::committee::committee_columns;
use crate::graphql::types::filters::SeatFilter;

use super::record_after;

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
    crate::graphql::projection::node_selections(conn).into_iter().filter(|x| x.name() == name).collect()
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
        people_columns.extend(person_fields.iter().map(|f| crate::graphql::types::person::person_columns(*f)));
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
        let columns = crate::graphql::types::position::seat_columns(field);
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
    crate::graphql::loaders::CaseLoader: Loader<K, Error = async_graphql::Error>,
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
        node_fields(this, "lastEvent").into_iter().map(crate::graphql::types::audit::event_columns).collect()
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
    use crate::graphql::loaders::{
        DefendantCountsOf, DefendantsOf, DisciplineOf, RecordCountOf, RecoveriesOf, ReferencesOf,
    };
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
                    let columns = crate::graphql::types::case::defendant_columns(field);
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
