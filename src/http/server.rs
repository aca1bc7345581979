//! The server loop (in place of `axum::serve`, which can neither bound
//! connections nor answer slow headers). Connections come in two kinds:
//!
//! - an **anonymous** one has not yet sent a request with a valid bearer
//!   token. There are at most `--max-anonymous-connections` of them, and at
//!   most `--max-anonymous-connections-per-address` from one client address;
//!   one more closes the oldest (from the same address first). A caller that
//!   sends its headers at once is never the oldest, so a flood of stalled
//!   connections cannot keep an authenticated caller out.
//! - an **authenticated** one has sent a valid token (the handler says so,
//!   [`Connection::authenticate`]); from then on it holds one of the
//!   `--max-connections` places, which anonymous connections never take.
//!
//! A connection that takes longer than `--header-read-timeout` to send a
//! request's headers (or, kept alive, to start the next request) is answered
//! 408 and closed if it had started one, and simply closed if it had sent
//! nothing. On shutdown, requests in progress finish before `serve` returns.
//! HTTP/1.1 only: steerql sits behind a TLS-terminating proxy where HTTP/2 is
//! wanted, and plain-text HTTP/2 would bring connections no read timeout covers.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::config::Limits;

/// How long in-flight requests get to finish once shutdown starts.
const DRAIN: Duration = Duration::from_secs(30);

/// Longest spent writing a refusal to a client that does not read it.
const REFUSAL_WRITE: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry::new(limits));
    let mut http = http1::Builder::new();
    // Header times are kept here, not by hyper: hyper closes a slow client
    // without an answer, and steerql answers 408.
    http.timer(TokioTimer::new());
    let stop = CancellationToken::new();
    let tasks = TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = registry.admit(peer.ip());
        let (http, router, stop) = (http.clone(), router.clone(), stop.clone());
        tasks.spawn(run(stream, connection, http, router, limits.header_read_timeout, stop));
    }
    drop(listener);
    stop.cancel();
    tasks.close();
    if tokio::time::timeout(DRAIN, tasks.wait()).await.is_err() {
        tracing::warn!("some connections were still open after {DRAIN:?}; closing them");
    }
    Ok(())
}

/// One connection, from accept to close.
async fn run(
    stream: TcpStream,
    connection: Arc<Connection>,
    http: http1::Builder,
    router: Router,
    header_timeout: Duration,
    stop: CancellationToken,
) {
    let activity = connection.activity.clone();
    let io = CountingIo { inner: stream, activity: activity.clone() };
    let handle = connection.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        let (router, connection) = (router.clone(), handle.clone());
        async move {
            // Until the response's last byte is written, this request is in progress.
            let claims_token = request
                .headers()
                .get(hyper::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().len() > "bearer".len());
            let busy = connection.activity.start(claims_token);
            request.extensions_mut().insert(ConnectionHandle(connection));
            let response = router.oneshot(request.map(Body::new)).await?;
            Ok::<_, std::convert::Infallible>(response.map(|body| {
                Body::new(body.map_frame(move |frame| {
                    let _ = &busy;
                    frame
                }))
            }))
        }
    });
    let mut conn = http.serve_connection(TokioIo::new(io), service);
    let mut stopping = false;
    loop {
        let deadline = activity.idle_since().map(|since| since + header_timeout);
        tokio::select! {
            result = &mut conn => {
                if let Err(err) = result {
                    tracing::debug!(err = ?err, "connection ended with an error");
                }
                return;
            }
            () = sleep_until(deadline) => {
                // Still idle past the deadline (a request may have started meanwhile).
                let Some(since) = activity.idle_since() else { continue };
                if since + header_timeout > Instant::now() {
                    continue;
                }
                let started = activity.read_since_idle() > 0;
                let mut io = conn.into_parts().io.into_inner().inner;
                if started {
                    refuse(&mut io, HEADER_TIMEOUT).await;
                } else {
                    let _ = io.shutdown().await;
                }
                return;
            }
            () = connection.evicted.cancelled() => {
                if activity.idle_since().is_some() {
                    let mut io = conn.into_parts().io.into_inner().inner;
                    refuse(&mut io, BUSY).await;
                }
                return;
            }
            () = stop.cancelled(), if !stopping => {
                stopping = true;
                Pin::new(&mut conn).graceful_shutdown();
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The connection a request came on, for the handler to mark authenticated.
#[derive(Clone)]
pub struct ConnectionHandle(Arc<Connection>);

impl ConnectionHandle {
    /// Marks the connection authenticated (a valid token was sent on it):
    /// it leaves the anonymous connections and takes one of the
    /// `--max-connections` places. False when every place is taken.
    pub fn authenticate(&self) -> bool {
        self.0.authenticate()
    }
}

/// What the server knows of one connection.
struct Connection {
    id: u64,
    address: IpAddr,
    registry: Arc<Registry>,
    /// The authenticated connection's place; unset while it is anonymous.
    place: OnceLock<OwnedSemaphorePermit>,
    /// Cancelled when the connection is closed to make room for a newer one.
    evicted: CancellationToken,
    activity: Arc<Activity>,
}

impl Connection {
    fn authenticate(&self) -> bool {
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
struct Registry {
    authenticated: Arc<Semaphore>,
    anonymous: Mutex<Anonymous>,
    max_anonymous: usize,
    max_per_address: usize,
    grace: Duration,
}

#[derive(Default)]
struct Anonymous {
    next_id: u64,
    /// By age: ids grow with each connection.
    open: BTreeMap<u64, Entry>,
    per_address: HashMap<IpAddr, usize>,
}

/// An anonymous connection as the registry sees it.
struct Entry {
    address: IpAddr,
    evicted: CancellationToken,
    activity: Arc<Activity>,
}

impl Anonymous {
    fn remove(&mut self, id: u64) -> Option<CancellationToken> {
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
    fn new(limits: &Limits) -> Registry {
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
    fn admit(self: &Arc<Self>, address: IpAddr) -> Arc<Connection> {
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

    fn forget(&self, id: u64, _address: IpAddr) {
        let mut anonymous = self.anonymous.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        anonymous.remove(id);
    }
}

/// Whether a connection is between requests or in one, since when, how many
/// bytes it has sent since it was last idle, and whether the request in
/// progress presents a token.
struct Activity {
    requests: AtomicUsize,
    read: AtomicU64,
    phase: Mutex<Phase>,
}

#[derive(Clone, Copy)]
struct Phase {
    since: Instant,
    idle: bool,
    read_at_idle: u64,
    /// The request in progress carries a bearer token (checked at once by
    /// the handler: a bad one is answered 401 before its body is read).
    claims_token: bool,
}

impl Activity {
    fn new() -> Activity {
        let phase = Phase { since: Instant::now(), idle: true, read_at_idle: 0, claims_token: false };
        Activity { requests: AtomicUsize::new(0), read: AtomicU64::new(0), phase: Mutex::new(phase) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A request's headers arrived; it is in progress until the guard drops.
    fn start(self: &Arc<Self>, claims_token: bool) -> InProgress {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let mut phase = self.lock();
        phase.claims_token |= claims_token;
        if phase.idle {
            phase.idle = false;
            phase.since = Instant::now();
        }
        drop(phase);
        InProgress(self.clone())
    }

    fn idle_since(&self) -> Option<Instant> {
        let phase = self.lock();
        phase.idle.then_some(phase.since)
    }

    /// Bytes received since the connection last became idle.
    fn read_since_idle(&self) -> u64 {
        let at = self.lock().read_at_idle;
        self.read.load(Ordering::SeqCst).saturating_sub(at)
    }

    /// May be closed for room: it has spent longer than `grace` waiting for
    /// a request or in one that presents no token.
    fn stalled(&self, now: Instant, grace: Duration) -> bool {
        let phase = self.lock();
        !phase.claims_token && now.saturating_duration_since(phase.since) >= grace
    }
}

struct InProgress(Arc<Activity>);

impl Drop for InProgress {
    fn drop(&mut self) {
        if self.0.requests.fetch_sub(1, Ordering::SeqCst) == 1 {
            let read = self.0.read.load(Ordering::SeqCst);
            *self.0.lock() = Phase { since: Instant::now(), idle: true, read_at_idle: read, claims_token: false };
        }
    }
}

/// The socket, counting what it reads.
struct CountingIo {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for CountingIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.activity.read.fetch_add(n as u64, Ordering::SeqCst);
        result
    }
}

impl AsyncWrite for CountingIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The whole answer to a connection closed to make room for a newer one.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\n\
content-length: 111\r\nconnection: close\r\n\r\n\
{\"errors\":[{\"message\":\"too many open connections\",\"extensions\":{\"code\":\"UNAVAILABLE\",\"reason\":\"SERVER_BUSY\"}}]}";

/// The whole answer to headers that did not arrive in time.
const HEADER_TIMEOUT: &[u8] = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n\
content-length: 142\r\nconnection: close\r\n\r\n\
{\"errors\":[{\"message\":\"the request headers were not received in time\",\"extensions\":{\"code\":\"BAD_USER_INPUT\",\"reason\":\"HEADER_READ_TIMEOUT\"}}]}";

/// Writes a whole answer and closes, spending at most a second on a client
/// that does not read.
async fn refuse(stream: &mut TcpStream, answer: &[u8]) {
    let _ = tokio::time::timeout(REFUSAL_WRITE, async {
        let _ = stream.write_all(answer).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canned_answers_declare_their_length() {
        for answer in [BUSY, HEADER_TIMEOUT] {
            let text = std::str::from_utf8(answer).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
            assert!(serde_json::from_str::<serde_json::Value>(body).is_ok());
        }
    }

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

    #[test]
    fn the_canned_refusals_are_well_formed_and_carry_a_known_code_and_reason() {
        for answer in [BUSY, HEADER_TIMEOUT] {
            let text = std::str::from_utf8(answer).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.contains(&format!("content-length: {}\r\n", body.len())), "{head}");
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            let ext = &body["errors"][0]["extensions"];
            let reason = crate::error::Reason::parse(ext["reason"].as_str().unwrap()).unwrap();
            assert_eq!(ext["code"], reason.code().as_str(), "{body}");
        }
    }
}
