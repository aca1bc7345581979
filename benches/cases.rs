//! Cases benchmark, on the demo data plus `BENCH_CASES` (2,000) generated
//! cases with three defendants and a four-entry history each:
//!
//! (a) reads: `cases(first: 100)` with each case's committee, defendants and
//!     latest history entry, against a plain axum handler answering the same
//!     with three hand-written SQL statements; requests/s (concurrency 16),
//!     the ratio, and SQL statements per request at `first: 10` and 100
//!     (they must not grow with the page);
//! (b) writes: workflow steps per second (`transitionCase`, SUSPEND and
//!     RESUME in turn: a row lock, the workflow, the change, the history
//!     entry in the case's chain, the commit) with 1 and 16 writers on
//!     distinct cases, against a plain handler running an UPDATE and an
//!     INSERT of the same rows in one transaction.
//!
//! `cargo bench --bench cases` runs on SQLite;
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench cases`
//! on PostgreSQL. `BENCH_SECONDS` per round (1), `BENCH_ROUNDS` (15, medians):
//! short rounds, the two paths in turn, so the machine's drift (large on a
//! shared 2-core VM) falls on both alike;
//! `BENCH_PART=reads` or `steps` runs one half (for profiling).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use common::{SECRET, Scratch, env_or, median, server_cpu};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};
use steerql::auth;
use steerql::db::{Db, DbOptions};
use steerql::domain::{Principal, PrincipalKind};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn list_query(n: usize) -> String {
    format!(
        "{{ cases(first: {n}, filter: {{kind: CASE}}) {{ nodes {{ code title monitoringState
           monitoringCommittee {{ code }} defendants(first: 10) {{ nodes {{ fullName }} }} lastEvent {{ action seq }} }} }} }}"
    )
}

const STEP: &str = "mutation($id: ID!, $t: CaseTransition!) { transitionCase(input: {id: $id, transition: $t, effectiveOn: \"2024-06-01\", decisionRef: \"9/QD\", reason: \"Benchmark\"}) { case { version } } }";

fn p(backend: DbBackend, n: usize) -> String {
    if backend == DbBackend::Postgres { format!("${n}") } else { "?".to_owned() }
}

/// The plain read handler: the page, its defendants, its latest entries.
async fn plain_list(State(db): State<Db>) -> impl IntoResponse {
    let backend = db.backend();
    let cases = db
        .conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT c.id, c.code, c.title, c.monitoring_state, m.code AS committee FROM case_record c \
             JOIN committee m ON m.id = c.monitoring_committee_id WHERE c.kind = 'CASE' ORDER BY c.code, c.id LIMIT 100",
        ))
        .await
        .unwrap();
    let ids: Vec<i64> = cases.iter().map(|r| r.try_get("", "id").unwrap()).collect();
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    // Ten per case, each case its own index walk (the same strategy as the
    // server's, so the ratio measures the layers, not the SQL).
    let sql = if backend == DbBackend::Postgres {
        format!(
            "SELECT d.case_id, d.full_name FROM unnest(ARRAY[{list}]::bigint[]) AS c(id) CROSS JOIN LATERAL \
             (SELECT x.case_id, x.full_name, x.id FROM defendant x WHERE x.case_id = c.id ORDER BY x.id LIMIT 10) d \
             ORDER BY d.case_id, d.id"
        )
    } else {
        format!(
            "SELECT d.case_id, d.full_name FROM case_record c JOIN defendant d ON d.id IN (SELECT x.id FROM \
             defendant x WHERE x.case_id = c.id ORDER BY x.id LIMIT 10) WHERE c.id IN ({list}) ORDER BY d.case_id, d.id"
        )
    };
    let defendants = db.conn.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
    let chains = ids.iter().map(|id| format!("'case:{id}'")).collect::<Vec<_>>().join(",");
    let events = db
        .conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT e.chain, e.action, e.seq FROM audit_chain h JOIN audit_event e ON e.chain = h.chain \
                 AND e.seq = h.seq WHERE h.chain IN ({chains})"
            ),
        ))
        .await
        .unwrap();
    let mut names: HashMap<i64, Vec<Value>> = HashMap::new();
    for d in defendants {
        let case: i64 = d.try_get("", "case_id").unwrap();
        names.entry(case).or_default().push(json!({ "fullName": d.try_get::<String>("", "full_name").unwrap() }));
    }
    let mut last: HashMap<String, Value> = HashMap::new();
    for e in events {
        let action: String = e.try_get("", "action").unwrap();
        let seq: i64 = e.try_get("", "seq").unwrap();
        last.insert(
            e.try_get("", "chain").unwrap(),
            json!({ "action": action.replace('.', "_").to_uppercase(), "seq": seq }),
        );
    }
    let nodes: Vec<Value> = cases
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("", "id").unwrap();
            json!({
                "code": r.try_get::<String>("", "code").unwrap(),
                "title": r.try_get::<String>("", "title").unwrap(),
                "monitoringState": r.try_get::<String>("", "monitoring_state").unwrap(),
                "monitoringCommittee": { "code": r.try_get::<String>("", "committee").unwrap() },
                "defendants": { "nodes": names.remove(&id).unwrap_or_default() },
                "lastEvent": last.remove(&format!("case:{id}")).unwrap_or(Value::Null),
            })
        })
        .collect();
    axum::Json(json!({ "data": { "cases": { "nodes": nodes } } }))
}

/// The plain write handler: the same state change and an entry, in one transaction.
async fn plain_step(State(db): State<Db>, Path((id, to)): Path<(i64, String)>) -> impl IntoResponse {
    let backend = db.backend();
    let txn = db.conn.begin().await.unwrap();
    let from = if to == "SUSPENDED" { "'INVESTIGATION'" } else { "NULL" };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE case_record SET procedure_state = {}, suspended_from = {from}, version = version + 1 \
                 WHERE id = {} RETURNING version",
                p(backend, 1),
                p(backend, 2)
            ),
            [to.clone().into(), id.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    let version: i64 = row.try_get("", "version").unwrap();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO audit_event (at, actor, actor_kind, action, entity, entity_id, committee_id, payload, \
             prev_hash, hash, chain, seq) VALUES ({}, 'bench', 'PERSON', 'case.transition', 'Case', {}, NULL, \
             '{{}}', 'x', 'x', {}, {})",
            p(backend, 1),
            p(backend, 2),
            p(backend, 3),
            p(backend, 4)
        ),
        [chrono::Utc::now().into(), id.into(), format!("plain:{id}").into(), version.into()],
    ))
    .await
    .unwrap();
    txn.commit().await.unwrap();
    axum::Json(json!({ "data": { "version": version } }))
}

/// One round's requests per second and the server's CPU milliseconds per request.
async fn drive(
    concurrency: usize,
    seconds: u64,
    request: impl Fn(usize, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> (f64, f64) {
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (t0, cpu0) = (Instant::now(), server_cpu());
    let tasks: Vec<_> = (0..concurrency)
        .map(|w| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let body: Value = request(w, n).send().await.unwrap().json().await.unwrap();
                    assert!(body.get("errors").is_none(), "{body}");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    let n = total.max(1) as f64;
    (n / t0.elapsed().as_secs_f64(), (server_cpu() - cpu0) * 1000.0 / n)
}

/// (a) Reads: the GraphQL page against the plain handler.
async fn reads(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    addr: std::net::SocketAddr,
    statements: &AtomicUsize,
    rounds: usize,
    seconds: u64,
) {
    // The request is encoded once, as a load generator sends a fixed body:
    // the client shares the machine's cores with the server, and its work per
    // request should not differ between the two paths more than it must.
    let gql_req = {
        let (client, url) = (client.clone(), url.to_owned());
        let body = axum::body::Bytes::from(serde_json::to_vec(&json!({ "query": list_query(100) })).unwrap());
        let auth = format!("Bearer {token}");
        move |_: usize, _: u64| {
            client
                .post(&url)
                .header(reqwest::header::AUTHORIZATION, auth.as_str())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        }
    };
    let plain_req = {
        let (client, url) = (client.clone(), format!("http://{addr}/plain/cases"));
        move |_: usize, _: u64| client.get(&url)
    };
    let g: Value = gql_req(0, 0).send().await.unwrap().json().await.unwrap();
    let pl: Value = plain_req(0, 0).send().await.unwrap().json().await.unwrap();
    assert_eq!(g, pl, "the two paths must answer the same data");
    for n in [10, 100] {
        let before = statements.load(Ordering::SeqCst);
        let body: Value = client
            .post(url)
            .bearer_auth(token)
            .json(&json!({ "query": list_query(n) }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{body}");
        println!("cases(first: {n}): {} SQL statements", statements.load(Ordering::SeqCst) - before);
    }
    drive(16, 1, gql_req.clone()).await;
    drive(16, 1, plain_req.clone()).await;
    let (mut gs, mut ps) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ps.push(drive(16, seconds, plain_req.clone()).await);
        gs.push(drive(16, seconds, gql_req.clone()).await);
    }
    let (g, p) = (median(gs.iter().map(|r| r.0).collect()), median(ps.iter().map(|r| r.0).collect()));
    // CPU per request moves less than throughput with the machine's
    // neighbours, so it tells two builds apart where req/s cannot.
    let (gc, pc) = (median(gs.iter().map(|r| r.1).collect()), median(ps.iter().map(|r| r.1).collect()));
    println!("\n(a) cases(first: 100) with committee, defendants, last event — concurrency 16");
    println!("plain    {p:>8.1} req/s  {pc:>6.3} server CPU ms/req");
    println!("graphql  {g:>8.1} req/s  {gc:>6.3} server CPU ms/req");
    println!("ratio    {:>8.2} (target >= 0.60)  {:>6.2} plain/graphql CPU", g / p, pc / gc);
}

fn main() {
    let seconds: u64 = env_or("BENCH_SECONDS", 1);
    let rounds: usize = env_or("BENCH_ROUNDS", 15);
    let volume: usize = env_or("BENCH_CASES", 2_000);
    let part: String = env_or("BENCH_PART", "all".to_owned());
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
    let statements = Arc::new(AtomicUsize::new(0));
    let (addr, targets) = server_rt.block_on(async {
        let options = DbOptions { url: scratch.url.clone(), max_connections: 16, statement_timeout: None };
        let db = Db::connect(&options).await.unwrap();
        db.migrate().await.unwrap();
        let write = db.begin_write().await.unwrap();
        steerql::service::demo::load(&write.txn).await.unwrap();
        write.commit().await.unwrap();
        let t0 = Instant::now();
        steerql::service::demo::load_case_volume(&db, volume).await.unwrap();
        println!("generated {volume} cases in {:.1} s", t0.elapsed().as_secs_f64());
        if db.backend() == DbBackend::Postgres {
            db.conn.execute_unprepared("ANALYZE").await.unwrap();
        }
        let rows = db
            .conn
            .query_all_raw(Statement::from_string(
                db.backend(),
                "SELECT id FROM case_record WHERE code LIKE 'GEN-%' ORDER BY id DESC LIMIT 32",
            ))
            .await
            .unwrap();
        let targets: Vec<i64> = rows.iter().map(|r| r.try_get("", "id").unwrap()).collect();
        let counter = statements.clone();
        let mut conn = db.conn.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let db = Db::from_connection(conn);
        let plain = axum::Router::new()
            .route("/plain/cases", axum::routing::get(plain_list))
            .route("/plain/step/{id}/{to}", axum::routing::post(plain_step))
            .with_state(db.clone());
        (common::serve(db, plain).await, targets)
    });
    let principal = Principal {
        subject: "bench".into(),
        name: None,
        kind: PrincipalKind::Person,
        grants: vec![
            "AUDITOR@CENTRAL".parse().unwrap(),
            "OFFICER@CENTRAL".parse().unwrap(),
            "STANDING@CENTRAL".parse().unwrap(),
        ],
        agency: None,
    };
    let token = auth::issue(SECRET.as_bytes(), &principal, Duration::from_secs(3600), None, None).unwrap();
    let client = reqwest::Client::builder().pool_max_idle_per_host(32).build().unwrap();
    let url = format!("http://{addr}/graphql");
    let encode =
        |id: i64| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, format!("Case:{id}"));

    client_rt.block_on(async {
        println!("steerql cases benchmark: {}, {rounds} rounds of {seconds}s", scratch.name);
        // (a) Reads.
        if part != "steps" {
            reads(&client, &url, &token, addr, &statements, rounds, seconds).await;
        }
        if part == "reads" {
            return;
        }
        // (b) Writes: SUSPEND and RESUME in turn on distinct cases.
        println!("\n(b) workflow steps per second, distinct cases");
        println!("{:<8} {:>12} {:>12} {:>8}", "writers", "plain/s", "graphql/s", "ratio");
        // Each case's steps alternate across rounds: a count per case.
        let turns: Arc<Vec<std::sync::atomic::AtomicU64>> =
            Arc::new((0..32).map(|_| std::sync::atomic::AtomicU64::new(0)).collect());
        for writers in [1usize, 16] {
            let gql_step = {
                let (client, url, token, targets) = (client.clone(), url.clone(), token.clone(), targets.clone());
                let turns = turns.clone();
                move |w: usize, _: u64| {
                    let n = turns[w].fetch_add(1, Ordering::SeqCst);
                    let t = if n.is_multiple_of(2) { "SUSPEND" } else { "RESUME" };
                    let vars = json!({ "id": encode(targets[w]), "t": t });
                    client.post(&url).bearer_auth(&token).json(&json!({ "query": STEP, "variables": vars }))
                }
            };
            let plain = {
                let (client, targets) = (client.clone(), targets.clone());
                let turns = turns.clone();
                move |w: usize, _: u64| {
                    let n = turns[16 + w % 16].fetch_add(1, Ordering::SeqCst);
                    let to = if n.is_multiple_of(2) { "SUSPENDED" } else { "INVESTIGATION" };
                    client.post(format!("http://{addr}/plain/step/{}/{to}", targets[16 + w % 16]))
                }
            };
            let (mut gs, mut ps) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                ps.push(drive(writers, seconds, plain.clone()).await);
                gs.push(drive(writers, seconds, gql_step.clone()).await);
            }
            let (g, p) = (median(gs.iter().map(|r| r.0).collect()), median(ps.iter().map(|r| r.0).collect()));
            println!("{writers:<8} {p:>12.1} {g:>12.1} {:>8.2}   (target >= 0.50)", g / p);
        }
    });
    server_rt.block_on(scratch.drop_database());
    drop(client_rt);
    server_rt.shutdown_timeout(Duration::from_secs(1));
}
