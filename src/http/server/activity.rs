//! What a connection is doing: between requests or in one, since when, the
//! bytes it has sent.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Whether a connection is between requests or in one, since when, how many
/// bytes it has sent since it was last idle, and whether the request in
/// progress presents a token.
pub(super) struct Activity {
    pub(super) requests: AtomicUsize,
    pub(super) read: AtomicU64,
    pub(super) phase: Mutex<Phase>,
}

#[derive(Clone, Copy)]
pub(super) struct Phase {
    pub(super) since: Instant,
    pub(super) idle: bool,
    pub(super) read_at_idle: u64,
    /// The request in progress carries a bearer token (checked at once by
    /// the handler: a bad one is answered 401 before its body is read).
    pub(super) claims_token: bool,
}

impl Activity {
    pub(super) fn new() -> Activity {
        let phase = Phase { since: Instant::now(), idle: true, read_at_idle: 0, claims_token: false };
        Activity { requests: AtomicUsize::new(0), read: AtomicU64::new(0), phase: Mutex::new(phase) }
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A request's headers arrived; it is in progress until the guard drops.
    pub(super) fn start(self: &Arc<Self>, claims_token: bool) -> InProgress {
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

    pub(super) fn idle_since(&self) -> Option<Instant> {
        let phase = self.lock();
        phase.idle.then_some(phase.since)
    }

    /// Bytes received since the connection last became idle.
    pub(super) fn read_since_idle(&self) -> u64 {
        let at = self.lock().read_at_idle;
        self.read.load(Ordering::SeqCst).saturating_sub(at)
    }

    /// May be closed for room: it has spent longer than `grace` waiting for
    /// a request or in one that presents no token.
    pub(super) fn stalled(&self, now: Instant, grace: Duration) -> bool {
        let phase = self.lock();
        !phase.claims_token && now.saturating_duration_since(phase.since) >= grace
    }
}

pub(super) struct InProgress(pub(super) Arc<Activity>);

impl Drop for InProgress {
    fn drop(&mut self) {
        if self.0.requests.fetch_sub(1, Ordering::SeqCst) == 1 {
            let read = self.0.read.load(Ordering::SeqCst);
            *self.0.lock() = Phase { since: Instant::now(), idle: true, read_at_idle: read, claims_token: false };
        }
    }
}

/// The socket, counting what it reads.
pub(super) struct CountingIo {
    pub(super) inner: TcpStream,
    pub(super) activity: Arc<Activity>,
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
