//! The connections the server holds: anonymous ones, bounded overall and
//! per address (the oldest closed for room), and authenticated ones, each
//! holding one of the places.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::Limits;

use super::activity::Activity;

/// The connection a request came on, for the handler to mark authenticated.
#[derive(Clone)]
pub struct ConnectionHandle(pub(super) Arc<Connection>);

impl ConnectionHandle {
    /// Marks the connection authenticated (a valid token was sent on it):
    /// it leaves the anonymous connections and takes one of the
    /// `--max-connections` places. False when every place is taken.
    pub fn authenticate(&self) -> bool {
        self.0.authenticate()
    }
}

/// What the server knows of one connection.
pub(super) struct Connection {
    pub(super) id: u64,
    pub(super) address: IpAddr,
    pub(super) registry: Arc<Registry>,
    /// The authenticated connection's place; unset while it is anonymous.
    pub(super) place: OnceLock<OwnedSemaphorePermit>,
    /// Cancelled when the connection is closed to make room for a newer one.
    pub(super) evicted: CancellationToken,
    pub(super) activity: Arc<Activity>,
}

impl Connection {
    pub(super) fn authenticate(&self) -> bool {
        if self.place.get().is_some() {
            return true;
        }
        let Ok(place) = self.registry.authenticated.clone().try_acquire_owned() else { return false };
        if self.place.set(place).is_ok() {
            self.registry.forget(self.id, self.address);
        }
        true
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.place.get().is_none() {
            self.registry.forget(self.id, self.address);
        }
    }
}

/// The connections of a server: the places of authenticated ones, and the
/// anonymous ones, oldest first.
pub(super) struct Registry {
    pub(super) authenticated: Arc<Semaphore>,
    pub(super) anonymous: Mutex<Anonymous>,
    pub(super) max_anonymous: usize,
    pub(super) max_per_address: usize,
    pub(super) grace: Duration,
}

#[derive(Default)]
pub(super) struct Anonymous {
    pub(super) next_id: u64,
    /// By age: ids grow with each connection.
    pub(super) open: BTreeMap<u64, Entry>,
    pub(super) per_address: HashMap<IpAddr, usize>,
}

/// An anonymous connection as the registry sees it.
pub(super) struct Entry {
    pub(super) address: IpAddr,
    pub(super) evicted: CancellationToken,
    pub(super) activity: Arc<Activity>,
}

impl Anonymous {
    pub(super) fn remove(&mut self, id: u64) -> Option<CancellationToken> {
        let Entry { address, evicted, .. } = self.open.remove(&id)?;
        if let Some(n) = self.per_address.get_mut(&address) {
            *n -= 1;
            if *n == 0 {
                self.per_address.remove(&address);
            }
        }
        Some(evicted)
    }
}

impl Registry {
    pub(super) fn new(limits: &Limits) -> Registry {
        Registry {
            authenticated: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            anonymous: Mutex::new(Anonymous::default()),
            max_anonymous: limits.max_anonymous_connections.max(1),
            max_per_address: limits.max_anonymous_connections_per_address.max(1),
            grace: limits.anonymous_connection_grace,
        }
    }

    /// A new connection, anonymous until it authenticates. When its address
    /// already has its share of anonymous connections, or all of them are
    /// taken, the oldest one that has stalled (from the same address first)
    /// is closed. A connection stalls when it sends nothing for longer than
    /// the grace, or sends a request without a token that takes longer; one
    /// younger than that is never closed for room, so a burst of callers
    /// from one proxy is not cut off while they send their headers.
    pub(super) fn admit(self: &Arc<Self>, address: IpAddr) -> Arc<Connection> {
        let evicted = CancellationToken::new();
        let activity = Arc::new(Activity::new());
        let now = Instant::now();
        let mut anonymous = self.anonymous.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stalled = |entry: &Entry| entry.activity.stalled(now, self.grace);
        let from_address = anonymous.per_address.get(&address).copied().unwrap_or(0);
        let mut oldest = None;
        if from_address >= self.max_per_address {
            oldest = anonymous.open.iter().find(|(_, e)| e.address == address && stalled(e)).map(|(id, _)| *id);
        }
        if oldest.is_none() && anonymous.open.len() >= self.max_anonymous {
            oldest = anonymous.open.iter().find(|(_, e)| stalled(e)).map(|(id, _)| *id);
        }
        if let Some(token) = oldest.and_then(|id| anonymous.remove(id)) {
            token.cancel();
        }
        let id = anonymous.next_id;
        anonymous.next_id += 1;
        anonymous.open.insert(id, Entry { address, evicted: evicted.clone(), activity: activity.clone() });
        *anonymous.per_address.entry(address).or_default() += 1;
        drop(anonymous);
        Arc::new(Connection { id, address, registry: self.clone(), place: OnceLock::new(), evicted, activity })
    }

    pub(super) fn forget(&self, id: u64, _address: IpAddr) {
        let mut anonymous = self.anonymous.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        anonymous.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(max_anonymous: usize, per_address: usize) -> Arc<Registry> {
        let limits = Limits {
            max_anonymous_connections: max_anonymous,
            max_anonymous_connections_per_address: per_address,
            max_connections: 1,
            anonymous_connection_grace: Duration::ZERO,
            ..Limits::default()
        };
        Arc::new(Registry::new(&limits))
    }

    #[test]
    fn a_new_anonymous_connection_closes_the_oldest_from_its_address_first() {
        let registry = registry(10, 2);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap());
        let other = registry.admit(b);
        let first = registry.admit(a);
        let second = registry.admit(a);
        let third = registry.admit(a);
        assert!(first.evicted.is_cancelled());
        assert!(!second.evicted.is_cancelled() && !third.evicted.is_cancelled() && !other.evicted.is_cancelled());
    }

    #[test]
    fn when_anonymous_connections_are_full_the_oldest_of_all_is_closed() {
        let registry = registry(2, 10);
        let oldest = registry.admit("127.0.0.2".parse().unwrap());
        let next = registry.admit("127.0.0.3".parse().unwrap());
        let newest = registry.admit("127.0.0.4".parse().unwrap());
        assert!(oldest.evicted.is_cancelled());
        assert!(!next.evicted.is_cancelled() && !newest.evicted.is_cancelled());
    }

    #[test]
    fn a_young_connection_or_one_presenting_a_token_is_never_closed_for_room() {
        let limits = Limits {
            max_anonymous_connections: 1,
            max_anonymous_connections_per_address: 1,
            anonymous_connection_grace: Duration::from_secs(3600),
            ..Limits::default()
        };
        let young = Arc::new(Registry::new(&limits));
        let first = young.admit("127.0.0.2".parse().unwrap());
        let _second = young.admit("127.0.0.2".parse().unwrap());
        assert!(!first.evicted.is_cancelled(), "a burst from one address is let in");
        let registry = registry(1, 1);
        let sending = registry.admit("127.0.0.2".parse().unwrap());
        let _request = sending.activity.start(true);
        let _next = registry.admit("127.0.0.2".parse().unwrap());
        assert!(!sending.evicted.is_cancelled(), "its token is being checked");
    }

    #[test]
    fn an_authenticated_connection_is_never_closed_for_room_and_takes_a_place() {
        let registry = registry(1, 1);
        let address: IpAddr = "127.0.0.2".parse().unwrap();
        let signed_in = registry.admit(address);
        assert!(signed_in.authenticate());
        let anonymous = registry.admit(address);
        let _newer = registry.admit(address);
        assert!(!signed_in.evicted.is_cancelled());
        assert!(anonymous.evicted.is_cancelled());
        // One place (`max_connections: 1`), taken: a second cannot authenticate.
        let late = registry.admit("127.0.0.3".parse().unwrap());
        assert!(!late.authenticate());
        drop(signed_in);
        assert!(late.authenticate());
    }
}
