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
async fn a_client_that_never_finishes_its_headers_is_answered_408() {
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stream).await;
    assert!(started.elapsed() < Duration::from_secs(3), "still open after {:?}", started.elapsed());
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("HEADER_READ_TIMEOUT"), "{answer}");
}

#[tokio::test]
async fn headers_dripped_a_byte_at_a_time_are_answered_408_at_the_deadline() {
    let limits = Limits { header_read_timeout: Duration::from_millis(400), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let started = Instant::now();
    // One byte every 50 ms: never idle long, never done.
    let mut answer = String::new();
    for byte in b"POST /graphql HTTP/1.1\r\nhost: x\r\nx-padding: ".iter().chain([b'a'; 200].iter()) {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        let mut buf = [0u8; 1024];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await {
            answer.push_str(&String::from_utf8_lossy(&buf[..n]));
            answer.push_str(&read_until_closed(&mut stream).await);
            break;
        }
    }
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "answered after {:?}", started.elapsed());
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
async fn a_body_dripped_a_byte_at_a_time_is_answered_408_at_the_deadline() {
    // Each byte arrives well within any per-read timeout; the whole body does not
    // arrive within its deadline, so the deadline must be one for the body.
    let limits = Limits { body_read_timeout: Duration::from_millis(400), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let stream = TcpStream::connect(app.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {token}\r\ncontent-length: 1000\r\n\r\n"
    );
    write.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = tokio::spawn(async move {
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), read.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    });
    let mut dripped = 0;
    // Until the server has answered and closed (or refuses more bytes).
    while !answer.is_finished() && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if write.write_all(b" ").await.is_err() {
            break;
        }
        dripped += 1;
    }
    let answer = answer.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("BODY_READ_TIMEOUT"), "{answer}");
    assert!(dripped >= 4, "the client kept sending past the deadline ({dripped} bytes)");
    assert!(started.elapsed() < Duration::from_secs(3), "answered after {:?}", started.elapsed());
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

/// A connection that sent `head` and then nothing.
async fn stalled(app: &TestApp, head: &str) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

const STALLED_HEADERS: &str = "POST /graphql HTTP/1.1\r\nhost: x\r\n";
const STALLED_ANONYMOUS_BODY: &str =
    "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{";

#[tokio::test]
async fn a_new_anonymous_connection_over_the_cap_closes_the_oldest_with_503() {
    let limits =
        Limits { max_anonymous_connections: 2, anonymous_connection_grace: Duration::ZERO, ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let mut oldest = TcpStream::connect(app.addr).await.unwrap();
    let _second = TcpStream::connect(app.addr).await.unwrap();
    // The server admits in order; once it has the third, the oldest goes.
    let _third = TcpStream::connect(app.addr).await.unwrap();
    let answer = read_until_closed(&mut oldest).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("retry-after: 1"), "{answer}");
    assert!(answer.contains("SERVER_BUSY"), "{answer}");
}

#[tokio::test]
async fn stalled_anonymous_connections_never_keep_an_authenticated_caller_out() {
    // Small caps, so a few dozen stalled connections are a flood: on a
    // server that counted them against its connections and execution slots,
    // every authenticated request here would get 503.
    let limits = Limits {
        max_connections: 16,
        max_in_flight: 4,
        max_anonymous_connections: 16,
        max_anonymous_connections_per_address: 8,
        anonymous_connection_grace: Duration::ZERO,
        body_read_timeout: Duration::from_secs(30),
        anonymous_body_read_timeout: Duration::from_secs(30),
        header_read_timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let mut flood = Vec::new();
    for i in 0..40 {
        flood.push(stalled(&app, if i % 2 == 0 { STALLED_HEADERS } else { STALLED_ANONYMOUS_BODY }).await);
    }
    for _ in 0..20 {
        // A new connection each time: the one moment a caller is anonymous too.
        let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let res = client.post(&app.url).bearer_auth(&token).json(&json!({"query": "{ me { subject } }"})).send();
        let res = res.await.unwrap();
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(body["data"]["me"]["subject"].is_string(), "{body}");
        flood.push(stalled(&app, STALLED_ANONYMOUS_BODY).await);
    }
    drop(flood);
}

#[tokio::test]
async fn an_anonymous_body_has_its_own_short_time_and_its_own_byte_budget() {
    let limits = Limits {
        anonymous_body_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_secs(30),
        max_anonymous_buffered_body_bytes: 1024,
        max_buffered_body_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let mut slow = stalled(&app, STALLED_ANONYMOUS_BODY).await;
    let started = Instant::now();
    let answer = read_until_closed(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "answered after {:?}", started.elapsed());
    // Anonymous bodies holding all of their budget ...
    let head = "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 60000\r\n\r\n";
    let mut hog = stalled(&app, head).await;
    hog.write_all(&[b' '; 1000]).await.unwrap();
    let padded = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(500)) });
    let refused = first_503(&app, "", padded.clone()).await.expect("an anonymous body over its budget is refused");
    assert_eq!(refused.headers()["retry-after"], "1");
    // ... take nothing from an authenticated caller's.
    let token = app.token(&["MEMBER@CENTRAL"]);
    let res = app.client.post(&app.url).bearer_auth(&token).json(&padded).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn authenticated_connections_over_the_cap_get_503_and_anonymous_ones_take_none_of_their_places() {
    let limits = Limits { max_connections: 1, max_anonymous_connections: 4, ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let _anonymous: Vec<TcpStream> = futures_util::future::join_all((0..3).map(|_| TcpStream::connect(app.addr)))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    // One authenticated connection, kept alive, holds the one place ...
    let first = reqwest::Client::new();
    let query = json!({"query": "{ me { subject } }"});
    assert_eq!(first.post(&app.url).bearer_auth(&token).json(&query).send().await.unwrap().status(), 200);
    // ... so a second one is refused, and told when to retry.
    let second = reqwest::Client::new();
    let res = second.post(&app.url).bearer_auth(&token).json(&query).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["reason"], "SERVER_BUSY");
    // The first keeps working.
    assert_eq!(first.post(&app.url).bearer_auth(&token).json(&query).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_request_still_sending_its_body_holds_no_execution_slot() {
    let limits = Limits { max_in_flight: 1, body_read_timeout: Duration::from_secs(30), ..Limits::default() };
    let app = TestApp::spawn_with(app_with(limits)).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer {token}\r\ncontent-length: 100\r\n\r\n{{"
    );
    let _slow: Vec<TcpStream> = futures_util::future::join_all((0..4).map(|_| stalled(&app, &head))).await;
    for _ in 0..5 {
        let res = app.client.post(&app.url).bearer_auth(&token).json(&json!({"query": "{ __typename }"})).send();
        assert_eq!(res.await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn requests_over_the_in_flight_cap_get_503_at_once_and_health_still_answers() {
    let limits = Limits { max_in_flight: 1, request_timeout: Duration::from_secs(30), ..Limits::default() };
    let app = TestApp::spawn_with(Options { limits, ..Default::default() }).await;
    let token = app.token(&["ADMIN@CENTRAL"]);
    let id = app.committee_id("NGHE_AN").await;
    // A write blocked on the committee's row (SQLite: on the writer's turn)
    // holds the one execution slot.
    let held = app.db.begin_write().await.unwrap();
    if app.db.backend() == sea_orm::DatabaseBackend::Postgres {
        use sea_orm::ConnectionTrait;
        held.txn.execute_unprepared("SELECT id FROM committee WHERE code = 'NGHE_AN' FOR UPDATE").await.unwrap();
    }
    let blocked = async {
        let write = "mutation($id: ID!) { updateCommittee(input: {id: $id, name: \"Ban chỉ đạo Nghệ An\"}) { committee { version } } }";
        loop {
            // The probe's own requests may hold the slot for a moment.
            let (status, body) = app.gql(&token, write, json!({"id": id})).await;
            if status != 503 {
                break (status, body);
            }
        }
    };
    let probe = async {
        let res = first_503(&app, &token, json!({"query": "{ __typename }"})).await;
        let res = res.expect("a second request in flight is refused");
        assert_eq!(res.headers()["retry-after"], "1");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
        let health = app.client.get(format!("http://{}/healthz", app.addr)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        held.rollback().await;
    };
    let ((status, body), ()) = tokio::join!(blocked, probe);
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["updateCommittee"]["committee"]["version"].is_number(), "{body}");
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
    // The one slot held (as a long costly operation would hold it): every
    // costly query waits its 50 ms and is refused; a cheap one goes through.
    let held = app.state.0.costly.clone().acquire_owned().await.unwrap();
    let runs = (0..6).map(|_| app.gql(&token, costly, json!({})));
    let (outcomes, (cheap_status, cheap_body)) =
        tokio::join!(futures_util::future::join_all(runs), app.gql(&token, cheap, json!({})));
    assert_eq!(cheap_status, 200, "a cheap query never waits for a slot: {cheap_body}");
    assert!(cheap_body.get("errors").is_none());
    for (status, body) in &outcomes {
        assert_eq!(*status, 503, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "SERVER_BUSY", "{body}");
    }
    // The slot free again: the same query runs.
    drop(held);
    let (status, body) = app.gql(&token, costly, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
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
