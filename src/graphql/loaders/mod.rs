//! Batch loaders for every relation, bound to the caller's read reach: a
//! nested field asks for its key, and all keys asked in one tick are answered
//! by one query. Lists of parents prime them ahead (see `paging::prime`), so
//! the number of statements never depends on how many rows a page holds.

use std::collections::HashMap;
use std::hash::Hash;

mod cases;
mod org;

pub use cases::*;
pub use org::*;

pub(super) type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

pub(super) fn ids<K>(keys: &[K], f: impl Fn(&K) -> i64) -> Vec<i64> {
    keys.iter().map(f).collect()
}

/// The ids of `keys` grouped by what else each key holds (its columns,
/// filter, window): one statement per group.
pub(super) fn grouped<'a, K, G: Hash + Eq>(keys: &'a [K], f: impl Fn(&'a K) -> (G, i64)) -> HashMap<G, Vec<i64>> {
    let mut groups: HashMap<G, Vec<i64>> = HashMap::new();
    for k in keys {
        let (group, id) = f(k);
        groups.entry(group).or_default().push(id);
    }
    groups
}
