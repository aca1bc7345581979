//! Throughput benchmark: the GraphQL path against a plain axum handler that
//! answers the same data from the same database with hand-written SQL, at the
//! same concurrency, in the same run.
//!
//! Loads the 64 committees, 5,000 people and 20,000 positions, then drives
//! (a) `committees(first: 100) { … positions(filter: {held: {on}}) { … person { fullName } } }`
//! with a real bearer token and (b) `GET /plain`, alternating rounds. Prints
//! requests/s, p50/p99 latency, SQL statements and server CPU per request, and
//! the GraphQL/plain ratios (medians over the rounds).
//!
//! Then two abuse phases against the same server and its default limits:
//! (c) a flood of `BENCH_FLOOD` (50) concurrent copies of a costly query while
//! a small query and `/healthz` are probed from another thread (their p50/p99);
//! (d) 500 connections stalled inside their bodies (with a token, 1 MiB into a
//! declared 2 MiB; and without one, 30 KB into 60 KB), with the process's
//! resident memory before and during.
//!
//! `cargo bench --bench throughput` runs on SQLite;
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench throughput`
//! on PostgreSQL (a scratch database is created and dropped). Other knobs:
//! `BENCH_CONCURRENCY` (16), `BENCH_SECONDS` per round (4), `BENCH_ROUNDS` (3).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::IntoResponse;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use steerql::auth;
use steerql::db::{Db, DbOptions, seed};
use steerql::domain::{Principal, PrincipalKind};

use common::{SECRET, env_or, median, percentile, server_cpu};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUERY: &str = "query($d: Date!) { committees(first: 100) { edges { node { code name
  positions(first: 100, filter: {held: {on: $d}}) { nodes { role title person { fullName } } } } } } }";

/// The plain handler: one hand-written SQL statement, grouped in Rust.
async fn plain(State((db, today)): State<(Db, String)>) -> impl IntoResponse {
    let backend = db.backend();
    let p = |n: usize| if backend == DbBackend::Postgres { format!("${n}") } else { "?".to_owned() };
    let sql = format!(
        "SELECT c.code, c.name, p.role, p.title, pe.full_name
           FROM (SELECT id, code, name FROM committee ORDER BY code, id LIMIT 100) c
           LEFT JOIN position p ON p.committee_id = c.id AND p.start_on <= {d1} AND (p.end_on IS NULL OR p.end_on >= {d2})
           LEFT JOIN person pe ON pe.id = p.person_id
          ORDER BY c.code, c.id,
                   CASE p.role WHEN 'HEAD' THEN 0 WHEN 'STANDING_DEPUTY_HEAD' THEN 1 WHEN 'DEPUTY_HEAD' THEN 2 ELSE 3 END,
                   p.start_on, p.id",
        d1 = p(1),
        d2 = p(2),
    );
    let day = chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").unwrap();
    let rows =
        db.conn.query_all_raw(Statement::from_sql_and_values(backend, sql, [day.into(), day.into()])).await.unwrap();
    let mut edges: Vec<Value> = Vec::new();
    let mut last_code = String::new();
    for row in rows {
        let code: String = row.try_get("", "code").unwrap();
        if code != last_code {
            let name: String = row.try_get("", "name").unwrap();
            edges.push(json!({ "node": { "code": code, "name": name, "positions": { "nodes": [] } } }));
            last_code = code;
        }
        let role: Option<String> = row.try_get("", "role").unwrap();
        if let Some(role) = role {
            let title: String = row.try_get("", "title").unwrap();
            let full_name: String = row.try_get("", "full_name").unwrap();
            let nodes = edges.last_mut().unwrap()["node"]["positions"]["nodes"].as_array_mut().unwrap();
            if nodes.len() < 100 {
                nodes.push(json!({ "role": role, "title": title, "person": { "fullName": full_name } }));
            }
        }
    }
    axum::Json(json!({ "data": { "committees": { "edges": edges } } }))
}

struct Round {
    rps: f64,
    latencies: Vec<Duration>,
    statements_per_request: f64,
    cpu_ms_per_request: f64,
}

async fn drive(
    client: &reqwest::Client,
    request: impl Fn() -> reqwest::RequestBuilder + Send + Sync + 'static,
    concurrency: usize,
    seconds: u64,
    statements: &AtomicUsize,
) -> Round {
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (stmt0, cpu0, t0) = (statements.load(Ordering::SeqCst), server_cpu(), Instant::now());
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (request, _client) = (request.clone(), client.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                let res = request().send().await.unwrap();
                assert!(res.status().is_success(), "status {}", res.status());
                let body = res.bytes().await.unwrap();
                assert!(body.len() > 1000);
                latencies.push(start.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let n = latencies.len().max(1) as f64;
    Round {
        rps: n / elapsed,
        latencies,
        statements_per_request: (statements.load(Ordering::SeqCst) - stmt0) as f64 / n,
        cpu_ms_per_request: (server_cpu() - cpu0) * 1000.0 / n,
    }
}

fn main() {
    let concurrency: usize = env_or("BENCH_CONCURRENCY", 16);
    let seconds: u64 = env_or("BENCH_SECONDS", 4);
    let rounds: usize = env_or("BENCH_ROUNDS", 3);
    let pg_admin = std::env::var("BENCH_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"));

    // The server runs on its own two-thread runtime, like a deployed instance on this machine.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("steerql-server")
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bench-client")
        .enable_all()
        .build()
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let scratch = format!("steerql_bench_{}", std::process::id());
    let url = match &pg_admin {
        Some(admin) => server_rt.block_on(async {
            let conn = Database::connect(admin).await.unwrap();
            conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{scratch}\"")).await.unwrap();
            conn.execute_unprepared(&format!("CREATE DATABASE \"{scratch}\"")).await.unwrap();
            format!("{}/{scratch}", admin.rsplit_once('/').unwrap().0)
        }),
        None => format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
    };
    let database = if pg_admin.is_some() { "PostgreSQL" } else { "SQLite" };

    let (addr, statements, token) = server_rt.block_on(async {
        let options =
            DbOptions { url: url.clone(), max_connections: env_or("BENCH_POOL", 16), statement_timeout: None };
        let db = Db::connect(&options).await.unwrap();
        db.migrate().await.unwrap();
        let write = db.begin_write().await.unwrap();
        steerql::service::demo::load(&write.txn).await.unwrap();
        seed::load_volume(&write.txn, 5_000, 20_000).await.unwrap();
        write.commit().await.unwrap();
        if db.backend() == DbBackend::Postgres {
            db.conn.execute_unprepared("ANALYZE").await.unwrap();
        }
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let mut conn = db.conn.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let db = Db::from_connection(conn);
        let today = chrono::Utc::now().date_naive().to_string();
        let plain = axum::Router::new().route("/plain", axum::routing::get(plain)).with_state((db.clone(), today));
        // The server loop steerql serves with, connection limits and all.
        let addr = common::serve(db, plain).await;
        let principal = Principal {
            subject: "bench".into(),
            name: None,
            kind: PrincipalKind::Person,
            grants: vec!["MEMBER@CENTRAL".parse().unwrap()],
            agency: None,
        };
        let token = auth::issue(SECRET.as_bytes(), &principal, Duration::from_secs(3600), None, None).unwrap();
        (addr, statements, token)
    });

    let today = chrono::Utc::now().date_naive().to_string();
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let gql = {
        let (client, url, token, today) =
            (client.clone(), format!("http://{addr}/graphql"), token.clone(), today.clone());
        move || client.post(&url).bearer_auth(&token).json(&json!({ "query": QUERY, "variables": { "d": today } }))
    };
    let plain_req = {
        let (client, url) = (client.clone(), format!("http://{addr}/plain"));
        move || client.get(&url)
    };

    let mut results: HashMap<&str, Vec<Round>> = HashMap::new();
    client_rt.block_on(async {
        // Same data from both paths, and a warm-up.
        let g: Value = gql().send().await.unwrap().json().await.unwrap();
        let p: Value = plain_req().send().await.unwrap().json().await.unwrap();
        assert_eq!(g, p, "the two paths must answer the same data");
        let seats: usize = g["data"]["committees"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["positions"]["nodes"].as_array().unwrap().len()).sum();
        println!("steerql throughput benchmark: {database}, concurrency {concurrency}, {rounds} rounds of {seconds}s per path");
        println!("response: {} committees, {seats} current seats with people", g["data"]["committees"]["edges"].as_array().unwrap().len());
        drive(&client, gql.clone(), concurrency, 1, &statements).await;
        drive(&client, plain_req.clone(), concurrency, 1, &statements).await;
        for _ in 0..rounds {
            results.entry("plain").or_default().push(drive(&client, plain_req.clone(), concurrency, seconds, &statements).await);
            results.entry("graphql").or_default().push(drive(&client, gql.clone(), concurrency, seconds, &statements).await);
        }
    });

    let mut summary = HashMap::new();
    println!(
        "\n{:<8} {:>10} {:>9} {:>9} {:>12} {:>14}",
        "path", "req/s", "p50 ms", "p99 ms", "stmts/req", "cpu ms/req"
    );
    for path in ["plain", "graphql"] {
        let rs = &results[path];
        let rps = median(rs.iter().map(|r| r.rps).collect());
        let mut lat: Vec<Duration> = rs.iter().flat_map(|r| r.latencies.iter().copied()).collect();
        lat.sort();
        let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
        let stmts = median(rs.iter().map(|r| r.statements_per_request).collect());
        let cpu = median(rs.iter().map(|r| r.cpu_ms_per_request).collect());
        println!("{path:<8} {rps:>10.1} {p50:>9.2} {p99:>9.2} {stmts:>12.2} {cpu:>14.2}");
        summary.insert(path, (rps, p99));
    }
    let (g, p) = (summary["graphql"], summary["plain"]);
    println!("\nthroughput ratio graphql/plain: {:.2} (target >= 0.60)", g.0 / p.0);
    println!("p99 ratio graphql/plain:        {:.2} (target <= 3.00)", g.1 / p.1);

    if env_or("BENCH_ABUSE", 1) == 1 {
        abuse(&client_rt, addr, &token);
    }

    if let Some(admin) = &pg_admin {
        server_rt.block_on(async {
            let conn = Database::connect(admin).await.unwrap();
            let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)")).await;
        });
    }
    drop(client_rt);
    server_rt.shutdown_timeout(Duration::from_secs(1));
}

/// The costliest query of the flood: every committee with 100 of its seats and their people.
const FLOOD: &str = "{ committees(first: 100) { nodes { code name level province establishedOn
  positions(first: 100) { nodes { role title standing startOn endOn person { fullName partyMember } } } } } }";
const SMALL: &str = r#"{ committeeByCode(code: "NGHE_AN") { name } }"#;

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Probes `request` sequentially on its own thread and runtime until `stop`.
fn probe(
    stop: Arc<std::sync::atomic::AtomicBool>,
    request: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + 'static,
) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::Builder::new()
        .name("bench-client-probe".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let client = reqwest::Client::new();
                let mut latencies = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let start = Instant::now();
                    let res = request(&client).send().await.unwrap();
                    assert!(res.status().is_success(), "probe status {}", res.status());
                    res.bytes().await.unwrap();
                    latencies.push(start.elapsed());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                latencies
            })
        })
        .unwrap()
}

fn abuse(client_rt: &tokio::runtime::Runtime, addr: std::net::SocketAddr, token: &str) {
    use tokio::io::AsyncWriteExt;
    let flood: usize = env_or("BENCH_FLOOD", 50);
    let seconds: u64 = env_or("BENCH_SECONDS", 4) * 2;
    let url = format!("http://{addr}/graphql");

    // (c) The flood, with a small query and /healthz probed alongside.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let small = {
        let (url, token) = (url.clone(), token.to_owned());
        probe(stop.clone(), move |c| c.post(&url).bearer_auth(&token).json(&json!({ "query": SMALL })))
    };
    let health = {
        let url = format!("http://{addr}/healthz");
        probe(stop.clone(), move |c| c.get(&url))
    };
    let (done, busy) = client_rt.block_on(async {
        let client = reqwest::Client::builder().pool_max_idle_per_host(flood).build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..flood)
            .map(|_| {
                let (client, url, token) = (client.clone(), url.clone(), token.to_owned());
                tokio::spawn(async move {
                    let (mut done, mut busy) = (0usize, 0usize);
                    while Instant::now() < deadline {
                        let res = client
                            .post(&url)
                            .bearer_auth(&token)
                            .json(&json!({ "query": FLOOD }))
                            .send()
                            .await
                            .unwrap();
                        match res.status().as_u16() {
                            200 => done += 1,
                            503 => busy += 1,
                            other => panic!("flood status {other}"),
                        }
                        res.bytes().await.unwrap();
                    }
                    (done, busy)
                })
            })
            .collect();
        let mut totals = (0, 0);
        for t in tasks {
            let (d, b) = t.await.unwrap();
            totals = (totals.0 + d, totals.1 + b);
        }
        totals
    });
    stop.store(true, Ordering::SeqCst);
    let mut small = small.join().unwrap();
    let mut health = health.join().unwrap();
    small.sort();
    health.sort();
    println!(
        "\nflood: {flood} concurrent costly queries for {seconds}s: {done} answered, {busy} refused 503 (Retry-After)"
    );
    println!(
        "small query during the flood: {} probes, p50 {:.1} ms, p99 {:.1} ms (target p99 < 100 ms)",
        small.len(),
        percentile(&small, 0.5),
        percentile(&small, 0.99)
    );
    println!(
        "/healthz during the flood:    {} probes, p50 {:.1} ms, p99 {:.1} ms",
        health.len(),
        percentile(&health, 0.5),
        percentile(&health, 0.99)
    );

    // (d) 500 connections stalled inside their bodies.
    std::thread::sleep(Duration::from_secs(1));
    let idle = rss_mib();
    for (label, auth, declared, sent) in [
        ("with a token", format!("authorization: Bearer {token}\r\n"), 2 * 1024 * 1024, 1024 * 1024),
        ("without a token", String::new(), 60_000, 30_000),
    ] {
        let (peak, refused) = client_rt.block_on(async {
            let mut streams = Vec::new();
            let mut refused = 0usize;
            let body = vec![b' '; sent];
            for _ in 0..500 {
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                let head = format!(
                    "POST /graphql HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n{auth}content-length: {declared}\r\n\r\n"
                );
                let wrote = tokio::time::timeout(Duration::from_millis(200), async {
                    s.write_all(head.as_bytes()).await?;
                    s.write_all(&body).await
                })
                .await;
                if !matches!(wrote, Ok(Ok(()))) {
                    refused += 1;
                }
                streams.push(s);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            let peak = rss_mib();
            drop(streams);
            (peak, refused)
        });
        println!(
            "500 connections stalled {label} ({} KiB into {} KiB): memory {idle:.0} MiB idle, {peak:.0} MiB stalled ({:.2}x; target < 2x); {refused} cut off early",
            sent / 1024,
            declared / 1024,
            peak / idle
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}
