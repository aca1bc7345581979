//! Batch loaders for every relation, bound to the caller's read reach: a
//! nested field asks for its key, and all keys asked in one tick are answered
//! by one query. Lists of parents prime them ahead (see `paging::prime`), so
//! the number of statements never depends on how many rows a page holds.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::Loader;
use entity::{agency, committee, person, position};

use crate::db::Db;
use crate::db::columns::Columns;
use crate::db::page::{Page, PageArgs};
use crate::db::positions::{PositionScope, Window};
use crate::db::{agencies, committees, people, positions};
use crate::domain::Reach;
use crate::domain::org::AgencyKind;
use crate::error::AppResult;

pub struct OrgLoader {
    pub db: Db,
    /// Reach for committees and agencies (`READ_ORGANISATION`).
    pub reach: Reach,
    /// Reach for people and seats (`READ_MEMBERSHIP`).
    pub members: Reach,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommitteeId(pub i64);
/// A committee read with only some columns (never in the by-id cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommitteeColumns(pub i64, pub Columns<committee::Entity>);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PersonId(pub i64);
/// A person read with only some columns (never in the by-id cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PersonColumns(pub i64, pub Columns<person::Entity>);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PositionId(pub i64);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AgencyId(pub i64);
/// The seats of a committee matching a scope, in precedence order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeatsOf(pub i64, pub PositionScope);
/// One page of the seats of a committee matching a scope, in precedence
/// order, each read with some columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeatsPage(pub i64, pub PositionScope, pub Window, pub Columns<position::Entity>);
/// How many seats of a committee match a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeatCount(pub i64, pub PositionScope);
/// One page of a list nested under each parent (see [`Nested`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageUnder<F>(pub i64, pub F, pub PageArgs);
/// How long a list nested under a parent is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CountUnder<F>(pub i64, pub F);

/// The seats a person holds or held matching a scope, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeatsHeld(pub PositionScope);
/// The agencies attached to a committee, of one kind if given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AgenciesOf(pub Option<AgencyKind>);
/// The committees directly under a committee that a filter lets through.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenOf(pub committees::CommitteeFilter);

/// A list nested under parent rows, identified by its filter: paged by
/// keyset per parent in SQL (one statement for all the parents asked for in
/// one tick), never loaded whole and sliced.
pub trait Nested: Clone + Eq + Hash + Send + Sync + 'static {
    type Row: Clone + Send + Sync + 'static;

    fn pages(
        &self,
        loader: &OrgLoader,
        parents: &[i64],
        args: &PageArgs,
    ) -> impl Future<Output = AppResult<HashMap<i64, Page<Self::Row>>>> + Send;

    fn counts(&self, loader: &OrgLoader, parents: &[i64]) -> impl Future<Output = AppResult<HashMap<i64, u64>>> + Send;
}

impl Nested for SeatsHeld {
    type Row = position::Model;

    async fn pages(&self, l: &OrgLoader, people: &[i64], args: &PageArgs) -> AppResult<HashMap<i64, Page<Self::Row>>> {
        positions::pages_by_people(&l.db.conn, &l.members, self.0, people, args).await
    }

    async fn counts(&self, l: &OrgLoader, people: &[i64]) -> AppResult<HashMap<i64, u64>> {
        positions::counts_by_people(&l.db.conn, &l.members, self.0, people).await
    }
}

impl Nested for AgenciesOf {
    type Row = agency::Model;

    async fn pages(&self, l: &OrgLoader, parents: &[i64], args: &PageArgs) -> AppResult<HashMap<i64, Page<Self::Row>>> {
        agencies::pages_by_committees(&l.db.conn, &l.reach, self.0, parents, args).await
    }

    async fn counts(&self, l: &OrgLoader, parents: &[i64]) -> AppResult<HashMap<i64, u64>> {
        agencies::counts_by_committees(&l.db.conn, &l.reach, self.0, parents).await
    }
}

impl Nested for ChildrenOf {
    type Row = committee::Model;

    async fn pages(&self, l: &OrgLoader, parents: &[i64], args: &PageArgs) -> AppResult<HashMap<i64, Page<Self::Row>>> {
        committees::children_pages(&l.db.conn, &l.reach, &self.0, parents, args).await
    }

    async fn counts(&self, l: &OrgLoader, parents: &[i64]) -> AppResult<HashMap<i64, u64>> {
        committees::children_counts(&l.db.conn, &l.reach, &self.0, parents).await
    }
}

impl<F: Nested> Loader<PageUnder<F>> for OrgLoader {
    type Value = Page<F::Row>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PageUnder<F>]) -> LoadResult<PageUnder<F>, Page<F::Row>> {
        // One statement per distinct filter and window (usually one: the
        // same field on every parent of a page).
        let mut out = HashMap::new();
        for ((filter, args), parents) in grouped(keys, |k| ((&k.1, &k.2), k.0)) {
            let found = filter.pages(self, &parents, args).await?;
            out.extend(found.into_iter().map(|(id, page)| (PageUnder(id, filter.clone(), args.clone()), page)));
        }
        Ok(out)
    }
}

impl<F: Nested> Loader<CountUnder<F>> for OrgLoader {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CountUnder<F>]) -> LoadResult<CountUnder<F>, u64> {
        let mut out = HashMap::new();
        for (filter, parents) in grouped(keys, |k| (&k.1, k.0)) {
            let found = filter.counts(self, &parents).await?;
            out.extend(
                parents.into_iter().map(|id| (CountUnder(id, filter.clone()), found.get(&id).copied().unwrap_or(0))),
            );
        }
        Ok(out)
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn ids<K>(keys: &[K], f: impl Fn(&K) -> i64) -> Vec<i64> {
    keys.iter().map(f).collect()
}

/// The ids of `keys` grouped by what else each key holds (its columns,
/// filter, window): one statement per group.
fn grouped<'a, K, G: Hash + Eq>(keys: &'a [K], f: impl Fn(&'a K) -> (G, i64)) -> HashMap<G, Vec<i64>> {
    let mut groups: HashMap<G, Vec<i64>> = HashMap::new();
    for k in keys {
        let (group, id) = f(k);
        groups.entry(group).or_default().push(id);
    }
    groups
}

impl Loader<CommitteeId> for OrgLoader {
    type Value = committee::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CommitteeId]) -> LoadResult<CommitteeId, committee::Model> {
        let rows = committees::by_ids(&self.db.conn, &self.reach, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|(id, row)| (CommitteeId(id), row)).collect())
    }
}

impl Loader<CommitteeColumns> for OrgLoader {
    type Value = committee::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CommitteeColumns]) -> LoadResult<CommitteeColumns, committee::Model> {
        let mut out = HashMap::new();
        for (columns, ids) in grouped(keys, |k| (k.1, k.0)) {
            let rows = committees::by_ids_columns(&self.db.conn, &self.reach, &ids, columns).await?;
            out.extend(rows.into_iter().map(|row| (CommitteeColumns(row.id, columns), row)));
        }
        Ok(out)
    }
}

impl Loader<PersonId> for OrgLoader {
    type Value = person::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PersonId]) -> LoadResult<PersonId, person::Model> {
        let rows = people::by_ids(&self.db.conn, &self.members, &ids(keys, |k| k.0), Columns::ALL).await?;
        Ok(rows.into_iter().map(|(id, row)| (PersonId(id), row)).collect())
    }
}

impl Loader<PersonColumns> for OrgLoader {
    type Value = person::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PersonColumns]) -> LoadResult<PersonColumns, person::Model> {
        let mut out = HashMap::new();
        for (columns, people) in grouped(keys, |k| (k.1, k.0)) {
            let rows = people::by_ids(&self.db.conn, &self.members, &people, columns).await?;
            out.extend(rows.into_iter().map(|(id, row)| (PersonColumns(id, columns), row)));
        }
        Ok(out)
    }
}

impl Loader<PositionId> for OrgLoader {
    type Value = position::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PositionId]) -> LoadResult<PositionId, position::Model> {
        let rows = positions::by_ids(&self.db.conn, &self.members, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|(id, row)| (PositionId(id), row)).collect())
    }
}

impl Loader<AgencyId> for OrgLoader {
    type Value = agency::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AgencyId]) -> LoadResult<AgencyId, agency::Model> {
        let rows = agencies::by_ids(&self.db.conn, &self.reach, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|(id, row)| (AgencyId(id), row)).collect())
    }
}

/// Groups keys by scope so each distinct scope costs one query.
fn by_scope<K>(keys: &[K], split: impl Fn(&K) -> (i64, PositionScope)) -> HashMap<PositionScope, Vec<i64>> {
    let mut out: HashMap<PositionScope, Vec<i64>> = HashMap::new();
    for key in keys {
        let (id, scope) = split(key);
        out.entry(scope).or_default().push(id);
    }
    out
}

impl Loader<SeatsOf> for OrgLoader {
    type Value = Vec<position::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SeatsOf]) -> LoadResult<SeatsOf, Vec<position::Model>> {
        let mut out = HashMap::new();
        for (scope, committees) in by_scope(keys, |k| (k.0, k.1)) {
            let mut found =
                positions::by_committees(&self.db.conn, &self.members, &committees, scope, Columns::ALL).await?;
            for id in committees {
                out.insert(SeatsOf(id, scope), found.remove(&id).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

impl Loader<SeatsPage> for OrgLoader {
    type Value = Page<position::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SeatsPage]) -> LoadResult<SeatsPage, Page<position::Model>> {
        // One statement per distinct scope and window (usually one: the same
        // field on every committee of a page).
        let mut out = HashMap::new();
        for ((scope, window, columns), committees) in grouped(keys, |k| ((k.1, k.2, k.3), k.0)) {
            let conn = &self.db.conn;
            let found =
                positions::pages_by_committees(conn, &self.members, &committees, scope, window, columns).await?;
            out.extend(found.into_iter().map(|(id, page)| (SeatsPage(id, scope, window, columns), page)));
        }
        Ok(out)
    }
}

impl Loader<SeatCount> for OrgLoader {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[SeatCount]) -> LoadResult<SeatCount, u64> {
        let mut out = HashMap::new();
        for (scope, committees) in by_scope(keys, |k| (k.0, k.1)) {
            let found = positions::counts_by_committees(&self.db.conn, &self.members, &committees, scope).await?;
            for id in committees {
                out.insert(SeatCount(id, scope), found.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

/// Loads cases and their records within the caller's case scope
/// (`READ_CASES`): a case out of scope is simply not found.
pub struct CaseLoader {
    pub db: Db,
    pub scope: crate::db::cases::CaseScope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CaseId(pub i64);
/// A case's defendant counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DefendantCountsOf(pub i64);
/// One page of a case's defendants: after this one, this many (+1), with
/// these columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DefendantsOf(pub i64, pub Option<After>, pub u64, pub Columns<defendant::Entity>);
/// A case's latest history entry, with these columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LastEventOf(pub i64, pub Columns<audit_event::Entity>);
/// One page of a case's references: after this one, this many (+1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReferencesOf(pub i64, pub Option<After>, pub u64);
/// One page of a case's disciplinary actions: after this one, this many (+1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DisciplineOf(pub i64, pub Option<After>, pub u64);
/// One page of a case's recoveries: after this one, this many (+1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecoveriesOf(pub i64, pub Option<After>, pub u64);
/// How many of these records a case has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordCountOf(pub CaseRecords, pub i64);

use crate::db::cases::{self, After, CaseRecords};
use crate::db::columns::{ColumnIndex, Sparse};
use entity::{audit_event, case_record, case_reference, defendant, disciplinary_action, recovery};

impl Loader<CaseId> for CaseLoader {
    type Value = case_record::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CaseId]) -> LoadResult<CaseId, case_record::Model> {
        let rows = cases::by_ids(&self.db.conn, &self.scope, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|(id, row)| (CaseId(id), row)).collect())
    }
}

impl Loader<DefendantCountsOf> for CaseLoader {
    type Value = cases::DefendantCounts;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[DefendantCountsOf]) -> LoadResult<DefendantCountsOf, cases::DefendantCounts> {
        let mut rows = cases::defendant_counts(&self.db.conn, &ids(keys, |k| k.0)).await?;
        // A case without defendants has no group: it counts zero (and is
        // cached as such, not asked for again).
        Ok(keys
            .iter()
            .map(|k| (*k, rows.remove(&k.0).unwrap_or(cases::DefendantCounts { case_id: k.0, ..Default::default() })))
            .collect())
    }
}

/// Pages of one kind of a case's records: one statement per distinct page
/// shape (usually one: the same `first` and no cursor for every case of a
/// page of cases).
async fn record_pages<E, K>(
    db: &Db,
    records: CaseRecords,
    keys: &[K],
    parts: impl Fn(&K) -> (i64, Option<After>, u64, Columns<E>),
    case_of: impl Fn(&E::Model) -> Option<i64> + Copy,
) -> LoadResult<K, Vec<E::Model>>
where
    E: sea_orm::EntityTrait,
    E::Column: ColumnIndex<Entity = E>,
    E::Model: Sparse<Entity = E>,
    K: Copy + Eq + std::hash::Hash,
{
    // (where the pages start, their size, the columns) → the cases and their keys
    type Shapes<K, E> = HashMap<(Option<After>, u64, Columns<E>), Vec<(i64, K)>>;
    let mut shapes: Shapes<K, E> = HashMap::new();
    for k in keys {
        let (case, after, size, columns) = parts(k);
        shapes.entry((after, size, columns)).or_default().push((case, *k));
    }
    let mut out = HashMap::new();
    for ((after, size, columns), wanted) in shapes {
        let case_ids: Vec<i64> = wanted.iter().map(|(case, _)| *case).collect();
        let mut found =
            cases::record_pages::<E, _>(&db.conn, records, &case_ids, after, size, columns, case_of).await?;
        for (case, key) in wanted {
            out.insert(key, found.remove(&case).unwrap_or_default());
        }
    }
    Ok(out)
}

impl Loader<DefendantsOf> for CaseLoader {
    type Value = Vec<defendant::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[DefendantsOf]) -> LoadResult<DefendantsOf, Vec<defendant::Model>> {
        record_pages::<defendant::Entity, _>(
            &self.db,
            CaseRecords::Defendants,
            keys,
            |k| (k.0, k.1, k.2, k.3),
            |d| Some(d.case_id),
        )
        .await
    }
}

impl Loader<DisciplineOf> for CaseLoader {
    type Value = Vec<disciplinary_action::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[DisciplineOf]) -> LoadResult<DisciplineOf, Vec<disciplinary_action::Model>> {
        record_pages::<disciplinary_action::Entity, _>(
            &self.db,
            CaseRecords::Discipline,
            keys,
            |k| (k.0, k.1, k.2, Columns::ALL),
            |d| d.case_id,
        )
        .await
    }
}

impl Loader<RecoveriesOf> for CaseLoader {
    type Value = Vec<recovery::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[RecoveriesOf]) -> LoadResult<RecoveriesOf, Vec<recovery::Model>> {
        record_pages::<recovery::Entity, _>(
            &self.db,
            CaseRecords::Recoveries,
            keys,
            |k| (k.0, k.1, k.2, Columns::ALL),
            |r| Some(r.case_id),
        )
        .await
    }
}

impl Loader<RecordCountOf> for CaseLoader {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[RecordCountOf]) -> LoadResult<RecordCountOf, u64> {
        let mut out = HashMap::new();
        for records in
            [CaseRecords::Defendants, CaseRecords::References, CaseRecords::Discipline, CaseRecords::Recoveries]
        {
            let wanted: Vec<i64> = keys.iter().filter(|k| k.0 == records).map(|k| k.1).collect();
            if wanted.is_empty() {
                continue;
            }
            let found = cases::record_counts(&self.db.conn, records, &wanted).await?;
            // A case without any has no group: it counts zero.
            out.extend(
                wanted.iter().map(|id| {
                    (RecordCountOf(records, *id), found.get(id).map_or(0, |n| u64::try_from(*n).unwrap_or(0)))
                }),
            );
        }
        Ok(out)
    }
}

impl Loader<LastEventOf> for CaseLoader {
    type Value = audit_event::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[LastEventOf]) -> LoadResult<LastEventOf, audit_event::Model> {
        let mut by_columns: HashMap<Columns<audit_event::Entity>, Vec<i64>> = HashMap::new();
        for k in keys {
            by_columns.entry(k.1).or_default().push(k.0);
        }
        let mut out = HashMap::new();
        for (columns, wanted) in by_columns {
            let rows = cases::last_events(&self.db.conn, &wanted, columns).await?;
            out.extend(rows.into_iter().map(|(id, row)| (LastEventOf(id, columns), row)));
        }
        Ok(out)
    }
}

impl Loader<ReferencesOf> for CaseLoader {
    type Value = Vec<case_reference::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ReferencesOf]) -> LoadResult<ReferencesOf, Vec<case_reference::Model>> {
        record_pages::<case_reference::Entity, _>(
            &self.db,
            CaseRecords::References,
            keys,
            |k| (k.0, k.1, k.2, Columns::ALL),
            |r| Some(r.case_id),
        )
        .await
    }
}
