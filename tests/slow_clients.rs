//! Slow and abusive clients are contained: headers and bodies must arrive in
//! time, open connections and requests in progress are capped (the excess is
//! answered 503 with `Retry-After`, never queued without bound), and a bad
//! token is refused before the body is read. Raw TCP, so nothing in between
//! smooths the client's behaviour.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Options, TestApp};
use serde_json::json;
use steerql::config::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads what the server sends until it closes the connection (or 5 s pass).
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Sends `query` until the server refuses it with 503 (it may admit a few
/// before the held resources are taken); the refusal, or `None`.
async fn first_503(app: &TestApp, token: &str, query: serde_json::Value) -> Option<reqwest::Response> {
    for _ in 0..200 {
        let res = app.client.post(&app.url).bearer_auth(token).json(&query).send().await.unwrap();
        if res.status() == 503 {
            return Some(res);
        }
        tokio::task::yield_now().await;
    }
    None
}

fn app_with(limits: Limits) -> Options {
    Options { seed: false, limits, ..Default::default() }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stream).await;
    assert!(started.elapsed() < Duration::from_secs(3), "still open after {:?}", started.elapsed());
    // hyper answers 408 or simply closes; either way the connection is gone.
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn a_body_that_trickles_is_answered_408_and_the_connection_closed() {
    let limits = Limits { body_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {token}\r\ncontent-length: 1000\r\n\r\n{{\"query\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("BODY_READ_TIMEOUT"), "{answer}");
}

#[tokio::test]
async fn a_bad_token_is_refused_before_the_body_is_read() {
    let app = TestApp::spawn_with(app_with(Limits::default())).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    // Declares 2 MiB and sends none of it: the answer must not wait for it.
    let head = "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer not.a.token\r\ncontent-length: 2097152\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n =
        tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await.expect("answered at once").unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

#[tokio::test]
async fn an_anonymous_body_may_only_be_small() {
    let app = TestApp::spawn_with(app_with(Limits::default())).await;
    let big = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(100_000)) });
    let res = app.client.post(&app.url).json(&big).send().await.unwrap();
    assert_eq!(res.status(), 413);
    let token = app.token(&["MEMBER@CENTRAL"]);
    let res = app.client.post(&app.url).bearer_auth(token).json(&big).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn connections_over_the_cap_get_503_with_retry_after() {
    let limits = Limits { max_connections: 2, ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let _held: Vec<TcpStream> = futures_util::future::join_all((0..2).map(|_| TcpStream::connect(app.addr)))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    // The server accepts in order: give it the two held connections first.
    let mut third = TcpStream::connect(app.addr).await.unwrap();
    let answer = read_until_closed(&mut third).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("retry-after: 1"), "{answer}");
    assert!(answer.contains("SERVER_BUSY"), "{answer}");
    drop(_held);
}

#[tokio::test]
async fn requests_over_the_in_flight_cap_get_503_at_once_and_health_still_answers() {
    let limits = Limits { max_in_flight: 1, body_read_timeout: Duration::from_secs(5), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    // One request in progress: its body is still on the way.
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {token}\r\ncontent-length: 100\r\n\r\n{{"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // Until the server has admitted it, a second one may still get in; wait for the refusal.
    let res = first_503(&app, &token, json!({"query": "{ __typename }"})).await;
    let res = res.expect("a second request in flight is refused");
    assert_eq!(res.headers()["retry-after"], "1");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    let health = app.client.get(format!("http://{}/healthz", app.addr)).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn costly_operations_beyond_their_slots_wait_briefly_then_get_503() {
    let limits = Limits {
        costly_complexity: 50,
        max_costly_executions: 1,
        costly_queue_wait: Duration::from_millis(50),
        request_timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    let app = TestApp::spawn_with(Options { limits, ..Default::default() }).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let costly = "{ committees(first: 100) { nodes { code name positions(first: 100) { nodes { title person { fullName } } } } } }";
    let cheap = "{ committeeByCode(code: \"NGHE_AN\") { name } }";
    let runs = (0..6).map(|_| app.gql(&token, costly, json!({})));
    let (outcomes, (cheap_status, cheap_body)) =
        tokio::join!(futures_util::future::join_all(runs), app.gql(&token, cheap, json!({})));
    assert_eq!(cheap_status, 200, "a cheap query never waits for a slot: {cheap_body}");
    assert!(cheap_body.get("errors").is_none());
    let busy = outcomes.iter().filter(|(status, _)| *status == 503).count();
    let done = outcomes.iter().filter(|(status, body)| *status == 200 && body.get("errors").is_none()).count();
    assert_eq!(busy + done, 6, "{outcomes:?}");
    assert!(done >= 1, "at least the first costly query runs");
    for (_, body) in outcomes.iter().filter(|(status, _)| *status == 503) {
        assert_eq!(body["errors"][0]["extensions"]["reason"], "SERVER_BUSY");
    }
}

#[tokio::test]
async fn bodies_held_in_memory_share_one_budget_and_the_excess_gets_503() {
    let limits = Limits { max_buffered_body_bytes: 4096, ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    // A stalled body holding 3 KiB of the 4 KiB budget.
    let mut stalled = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {token}\r\ncontent-length: 100000\r\n\r\n"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    stalled.write_all(&[b' '; 3072]).await.unwrap();
    let padded = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(2000)) });
    let res = first_503(&app, &token, padded).await.expect("a body over the shared budget is refused");
    assert_eq!(res.headers()["retry-after"], "1");
    // A small body still fits.
    let small = app.client.post(&app.url).bearer_auth(&token).json(&json!({"query": "{ __typename }"})).send().await;
    assert_eq!(small.unwrap().status(), 200);
}

#[tokio::test]
async fn a_silent_or_idle_kept_alive_connection_gives_back_its_place() {
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    // Connects and never sends a byte.
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    let started = Instant::now();
    assert_eq!(read_until_closed(&mut silent).await, "");
    assert!(started.elapsed() < Duration::from_secs(3), "open for {:?}", started.elapsed());
    // One request, kept alive, then nothing.
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut idle).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "kept open for {:?}", started.elapsed());
}
