//! The loaders of matters and their records, within the case scope.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::Loader;

use crate::db::Db;
use crate::db::cases::{self, After, CaseRecords};
use crate::db::columns::{ColumnIndex, Columns, Sparse};
use entity::{audit_event, case_record, case_reference, defendant, disciplinary_action, recovery};

use super::{LoadResult, ids};

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
/// The step recorded by a matter's history entry (its seq).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StepOfEntry(pub i64, pub i64);
/// How many of these records a case has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordCountOf(pub CaseRecords, pub i64);

impl Loader<CaseId> for CaseLoader {
    type Value = case_record::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[CaseId]) -> LoadResult<CaseId, case_record::Model> {
        let rows = cases::by_ids(&self.db.conn, &self.scope, &ids(keys, |k| k.0)).await?;
        Ok(rows.into_iter().map(|(id, row)| (CaseId(id), row)).collect())
    }
}

impl Loader<StepOfEntry> for CaseLoader {
    type Value = entity::case_step::Model;
    type Error = async_graphql::Error;

    // The entries were read within reach; their steps are theirs.
    async fn load(&self, keys: &[StepOfEntry]) -> LoadResult<StepOfEntry, entity::case_step::Model> {
        let entries: Vec<(String, i64)> = keys.iter().map(|k| (audit_event::case_chain(k.0), k.1)).collect();
        let rows = crate::db::facts::steps_of_entries(&self.db.conn, &entries).await?;
        Ok(keys
            .iter()
            .filter_map(|k| rows.get(&(audit_event::case_chain(k.0), k.1)).map(|s| (*k, s.clone())))
            .collect())
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
