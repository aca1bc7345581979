//! Write benchmark: mutations per second with 1, 8 and 32 concurrent writers,
//! each renaming its own person (distinct records, each registered with a
//! different committee, so their audit chains differ too), and all renaming
//! one person (one record). Every mutation is a full write: a row lock, the
//! change, its audit entry appended to the committee's chain, a commit.
//!
//! `cargo bench --bench writes` runs on SQLite;
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench writes`
//! on PostgreSQL. `BENCH_SECONDS` per cell (3), `BENCH_ROUNDS` (3, medians).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{SECRET, Scratch, env_or, median, percentile};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};
use steerql::auth;
use steerql::db::{Db, DbOptions};
use steerql::domain::{Principal, PrincipalKind};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RENAME: &str =
    "mutation($id: ID!, $n: String!) { updatePerson(input: {id: $id, fullName: $n}) { person { version } } }";
const WRITERS: [usize; 3] = [1, 8, 32];

/// Runs `writers` tasks for `seconds`, writer `i` renaming `targets[i % len]`.
async fn drive(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    targets: &[String],
    writers: usize,
    seconds: u64,
) -> (f64, Vec<Duration>) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (client, url, token, target) =
            (client.clone(), url.to_owned(), token.to_owned(), targets[w % targets.len()].clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let body = json!({ "query": RENAME, "variables": { "id": target, "n": format!("Người Ghi {w} {n}") } });
                let start = Instant::now();
                let res: Value =
                    client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap().json().await.unwrap();
                assert!(res.get("errors").is_none(), "{res}");
                latencies.push(start.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    (latencies.len() as f64 / t0.elapsed().as_secs_f64(), latencies)
}

fn main() {
    let seconds: u64 = env_or("BENCH_SECONDS", 3);
    let rounds: usize = env_or("BENCH_ROUNDS", 3);
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
    let scratch = server_rt.block_on(Scratch::create());

    let (addr, people) = server_rt.block_on(async {
        let options = DbOptions { url: scratch.url.clone(), max_connections: 16, statement_timeout: None };
        let db = Db::connect(&options).await.unwrap();
        db.migrate().await.unwrap();
        let write = db.begin_write().await.unwrap();
        steerql::service::demo::load(&write.txn).await.unwrap();
        write.commit().await.unwrap();
        // 32 people, each registered with a different provincial committee and seated nowhere.
        let (t, now) =
            if db.backend() == DbBackend::Postgres { ("true", "now()") } else { ("1", "'2024-01-01 00:00:00+00:00'") };
        db.conn
            .execute_unprepared(&format!(
                "INSERT INTO person (full_name, search_name, party_member, home_committee_id, created_at, updated_at) \
                 SELECT 'Writer ' || c.code, 'writer', {t}, c.id, {now}, {now} FROM committee c \
                 WHERE c.level = 'PROVINCIAL' ORDER BY c.id LIMIT 32"
            ))
            .await
            .unwrap();
        let rows = db
            .conn
            .query_all_raw(sea_orm::Statement::from_string(
                db.backend(),
                "SELECT id FROM person WHERE full_name LIKE 'Writer %' ORDER BY id",
            ))
            .await
            .unwrap();
        let people: Vec<String> = rows
            .iter()
            .map(|r| {
                let id: i64 = r.try_get("", "id").unwrap();
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, format!("Person:{id}"))
            })
            .collect();
        assert_eq!(people.len(), 32);
        (common::serve(db, axum::Router::new()).await, people)
    });
    let principal = Principal {
        subject: "bench".into(),
        name: None,
        kind: PrincipalKind::Person,
        grants: vec!["ADMIN@CENTRAL".parse().unwrap()],
        agency: None,
    };
    let token = auth::issue(SECRET.as_bytes(), &principal, Duration::from_secs(3600), None, None).unwrap();
    let url = format!("http://{addr}/graphql");
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();

    println!("steerql write benchmark: {}, {rounds} rounds of {seconds}s per cell (medians)", scratch.name);
    println!("\n{:<10} {:>8} {:>12} {:>9} {:>9}", "records", "writers", "mutations/s", "p50 ms", "p99 ms");
    let mut single = 0.0;
    client_rt.block_on(async {
        drive(&client, &url, &token, &people, 8, 1).await; // warm-up
        for (label, targets) in [("distinct", &people[..]), ("one", &people[..1])] {
            for writers in WRITERS {
                let mut rates = Vec::new();
                let mut all = Vec::new();
                for _ in 0..rounds {
                    let (rate, latencies) = drive(&client, &url, &token, targets, writers, seconds).await;
                    rates.push(rate);
                    all.extend(latencies);
                }
                all.sort();
                let rate = median(rates);
                if label == "distinct" && writers == 1 {
                    single = rate;
                }
                let (p50, p99) = (percentile(&all, 0.5), percentile(&all, 0.99));
                let speedup =
                    if single > 0.0 { format!("  ({:.2}x one writer)", rate / single) } else { String::new() };
                println!("{label:<10} {writers:>8} {rate:>12.1} {p50:>9.2} {p99:>9.2}{speedup}");
            }
        }
    });
    server_rt.block_on(scratch.drop_database());
    drop(client_rt);
    server_rt.shutdown_timeout(Duration::from_secs(1));
}
