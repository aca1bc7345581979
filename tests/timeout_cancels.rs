//! A timed-out request stops all its work: loader tasks end with it and its
//! statements are cancelled (in the database too, on PostgreSQL), so the
//! process and the database are back to idle at once. Alone in
//! its own test binary, so the CPU it measures is this request's only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, code};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::json;
use steerql::config::Limits;

/// CPU time (user + system) a process has used so far; `None` once it is gone.
fn cpu_time_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().ok()? + fields[12].parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10)) // USER_HZ is 100 on Linux
}

/// CPU used so far by this process and by the PostgreSQL backends serving
/// this test's database (local: the tests run beside their database).
fn cpu_time(backends: &[String]) -> Duration {
    let own = cpu_time_of("self").unwrap();
    own + backends.iter().filter_map(|pid| cpu_time_of(pid)).sum::<Duration>()
}

async fn backends(app: &TestApp) -> Vec<String> {
    if common::database_kind() != "PostgreSQL" {
        return Vec::new();
    }
    let rows = app
        .db
        .conn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pid::text AS pid FROM pg_stat_activity WHERE datname = current_database()",
        ))
        .await
        .unwrap();
    rows.iter().map(|row| row.try_get::<String>("", "pid").unwrap()).collect()
}

const QUERY: &str = "query($id: ID!) { committee(id: $id) {
    a: positions(first: 100) { totalCount nodes { title person { fullName } } }
    b: positions(first: 100, filter: {role: MEMBER}) { totalCount nodes { title } }
    c: positions(first: 100, filter: {standing: false}) { totalCount nodes { title } }
    d: positions(first: 100, filter: {held: {on: \"2023-06-01\"}}) { totalCount nodes { title } }
    e: positions(first: 100, filter: {role: MEMBER, standing: false}) { totalCount nodes { title } }
    f: positions(first: 100, filter: {}) { totalCount nodes { title } }
} }";

#[tokio::test]
async fn a_timed_out_request_stops_its_loaders_and_statements_in_the_process_and_in_the_database() {
    // The set-up runs on the harness's instance; the request on one built as
    // `steerql serve` builds it (its pool's statement timeout included).
    let app = TestApp::spawn().await;
    let committee = app.committee_id("BAC_KAN").await;
    app.add_seat_history("BAC_KAN", 200_000).await;
    let limits = Limits { request_timeout: Duration::from_millis(30), ..Limits::default() };
    let url = app.instance_with(limits).await;

    // Several scopes of that history, each counted over every row by a loader task.
    let token = app.token(&["MEMBER@CENTRAL"]);
    let res =
        app.client.post(&url).bearer_auth(&token).json(&json!({ "query": QUERY, "variables": { "id": committee } }));
    let res = res.send().await.unwrap();
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    let answered = Instant::now();
    assert_eq!((status, code(&body)), (503, "TIMEOUT"), "{body}");

    if common::database_kind() == "PostgreSQL" {
        // What the request left running in PostgreSQL ends with the request's
        // time (its statement timeout), not when the statement would finish.
        loop {
            let active = app
                .count(
                    "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                     AND state = 'active' AND pid <> pg_backend_pid()",
                )
                .await;
            if active == 0 {
                break;
            }
            assert!(answered.elapsed() < Duration::from_millis(500), "{active} statements still running");
            tokio::task::yield_now().await;
        }
    }
    // Then neither this process nor the database works on it any more.
    let backends = backends(&app).await;
    let before = cpu_time(&backends);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let used = cpu_time(&backends) - before;
    assert!(used < Duration::from_millis(150), "{used:?} of CPU in 500 ms after the timeout");
}

#[tokio::test]
#[ignore = "PostgreSQL only (a row lock another connection holds): run with TEST_DATABASE_URL and --include-ignored"]
async fn a_write_waiting_on_a_lock_ends_with_its_request_time_in_the_database_too() {
    common::require_postgres();
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let created = app
        .data(
            &officer,
            "mutation($c: ID!) { createCase(input: {kind: CASE, code: \"NA-T-001\", title: \"Kiểm tra\", field: LAND,
               source: INSPECTION, committeeId: $c, openedOn: \"2024-03-01\"}) { case { id } } }",
            json!({ "c": app.committee_id("NGHE_AN").await }),
        )
        .await;
    let case = created["createCase"]["case"]["id"].as_str().unwrap().to_owned();
    let limits = Limits { request_timeout: Duration::from_millis(200), ..Limits::default() };
    let url = app.instance_with(limits).await;

    // Another connection holds the matter's row: the write's UPDATE waits on it.
    let holder = sea_orm::Database::connect(app.database.url()).await.unwrap();
    let lock = holder.begin().await.unwrap();
    lock.execute_unprepared("SELECT id FROM case_record FOR UPDATE").await.unwrap();

    let update = "mutation($id: ID!) { updateCase(input: {id: $id, title: \"Đổi\"}) { case { version } } }";
    let res =
        app.client.post(&url).bearer_auth(&officer).json(&json!({ "query": update, "variables": { "id": case } }));
    // Without a statement timeout the write would wait for the lock as long as
    // it is held, and its request with it.
    let res = tokio::time::timeout(Duration::from_secs(5), res.send())
        .await
        .expect("the request outlived its time waiting on the lock")
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(code(&body), "TIMEOUT", "{body}");
    // The lock is still held, and nothing of that write is left in the
    // database: not waiting, not idle in its transaction.
    let waiting = app
        .count(
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND (state = 'active' OR state LIKE 'idle in transaction%') \
             AND query NOT LIKE 'SELECT id FROM case_record FOR UPDATE%'",
        )
        .await;
    assert_eq!(waiting, 0, "the timed-out write still holds a backend");
    lock.rollback().await.unwrap();
    let version = app.data(&officer, "query($id: ID!) { case(id: $id) { version } }", json!({ "id": case })).await;
    assert_eq!(version["case"]["version"], 1, "the write ended whole: not applied");
}
