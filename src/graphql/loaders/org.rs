//! The organisation's loaders: committees, people, seats, agencies.

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

use super::{LoadResult, grouped, ids};

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
