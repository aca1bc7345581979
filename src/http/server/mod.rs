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

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::config::Limits;

mod activity;
mod connections;

use activity::CountingIo;
pub use connections::ConnectionHandle;
use connections::{Connection, Registry};

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
