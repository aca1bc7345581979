//! Anonymous flood: an authenticated small query (`{ me { subject } }`)
//! keeps answering while 1,024 connections without a token stall in their
//! headers or their bodies and reconnect when closed. Reports the small
//! query's latency alone and under the flood, in the same run.
//!
//! `cargo bench --bench flood` (SQLite; `BENCH_DATABASE_URL` for PostgreSQL).
//! Knobs: `BENCH_FLOOD` (stalled connections, 1024), `BENCH_SECONDS` (per phase, 5).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{SECRET, Scratch, env_or, percentile};
use serde_json::json;
use steerql::auth;
use steerql::db::{Db, DbOptions};
use steerql::domain::{Principal, PrincipalKind};
use tokio::io::AsyncWriteExt;

const HEADERS: &[u8] = b"POST /graphql HTTP/1.1\r\nhost: x\r\n";
const BODY: &[u8] =
    b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{";

/// Sequential small queries for `seconds` (on one kept-alive connection,
/// or each on a new one); their latencies, sorted.
async fn probe(url: &str, token: &str, seconds: u64, fresh: bool) -> Vec<Duration> {
    let client = if fresh {
        reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
    } else {
        reqwest::Client::new()
    };
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut latencies = Vec::new();
    while Instant::now() < until {
        let started = Instant::now();
        let res = client.post(url).bearer_auth(token).json(&json!({ "query": "{ me { subject } }" })).send().await;
        let ok = match res {
            Ok(res) => res.status() == 200,
            Err(_) => false,
        };
        // A refused or failed probe counts as the whole phase: it never answered.
        latencies.push(if ok { started.elapsed() } else { Duration::from_secs(seconds) });
    }
    latencies.sort();
    latencies
}

fn main() {
    let flood = env_or("BENCH_FLOOD", 1024usize);
    let seconds = env_or("BENCH_SECONDS", 5u64);
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .unwrap();
    let scratch = server_rt.block_on(Scratch::create());
    let (addr, token) = server_rt.block_on(async {
        let options = DbOptions { url: scratch.url.clone(), max_connections: 16, statement_timeout: None };
        let db = Db::connect(&options).await.unwrap();
        db.migrate().await.unwrap();
        let addr = common::serve(db, axum::Router::new()).await;
        let principal = Principal {
            subject: "bench".into(),
            name: None,
            kind: PrincipalKind::Person,
            grants: vec!["MEMBER@CENTRAL".parse().unwrap()],
            agency: None,
        };
        (addr, auth::issue(SECRET.as_bytes(), &principal, Duration::from_secs(3600), None, None).unwrap())
    });
    let url = format!("http://{addr}/graphql");
    client_rt.block_on(async {
        let alone = probe(&url, &token, seconds, false).await;
        let alone_fresh = probe(&url, &token, seconds, true).await;
        // The flood: each stalled connection, once closed, reconnects at once.
        let stop = Arc::new(AtomicBool::new(false));
        let reconnects = Arc::new(AtomicUsize::new(0));
        let attackers: Vec<_> = (0..flood)
            .map(|i| {
                let (stop, reconnects) = (stop.clone(), reconnects.clone());
                tokio::spawn(async move {
                    let head = if i % 2 == 0 { HEADERS } else { BODY };
                    while !stop.load(Ordering::Relaxed) {
                        let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else { continue };
                        if stream.write_all(head).await.is_err() {
                            continue;
                        }
                        let mut sink = Vec::new();
                        let read = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut sink);
                        let _ = tokio::time::timeout(Duration::from_secs(seconds + 5), read).await;
                        reconnects.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        // Let the flood take every place it can first.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let flooded = probe(&url, &token, seconds, false).await;
        let flooded_fresh = probe(&url, &token, seconds, true).await;
        stop.store(true, Ordering::Relaxed);
        for a in attackers {
            a.abort();
        }
        println!("anonymous flood on {} ({flood} stalled connections, half in headers, half in bodies)", scratch.name);
        println!("| phase | requests | p50 ms | p99 ms | max ms |");
        println!("|---|---|---|---|---|");
        for (phase, l) in [
            ("alone, kept alive", &alone),
            ("alone, a new connection each", &alone_fresh),
            ("under the flood, kept alive", &flooded),
            ("under the flood, a new connection each", &flooded_fresh),
        ] {
            println!(
                "| {phase} | {} | {:.2} | {:.2} | {:.2} |",
                l.len(),
                percentile(l, 0.5),
                percentile(l, 0.99),
                percentile(l, 1.0)
            );
        }
        println!("stalled connections closed and reopened during the flood: {}", reconnects.load(Ordering::Relaxed));
    });
    server_rt.block_on(scratch.drop_database());
}
