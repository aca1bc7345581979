//! A timed-out request stops all its work: loader tasks end with it and its
//! statements are abandoned, so the process is back to idle at once. Alone in
//! its own test binary, so the CPU it measures is this request's only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Options, TestApp, code};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::json;
use steerql::config::Limits;

/// CPU time (user + system) this process has used so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

#[tokio::test]
async fn a_timed_out_request_leaves_the_process_idle_within_a_second() {
    let limits = Limits { request_timeout: Duration::from_millis(200), ..Limits::default() };
    let app = TestApp::spawn_with(Options { limits, ..Default::default() }).await;
    // A committee with 200,000 seats in its history (one statement, either database).
    let committee = app.committee_id("BAC_KAN").await;
    let (cid, pid) = {
        let row = app
            .db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.conn.get_database_backend(),
                "SELECT c.id AS c, (SELECT MIN(id) FROM person) AS p FROM committee c WHERE c.code = 'BAC_KAN'",
            ))
            .await
            .unwrap()
            .unwrap();
        (row.try_get::<i64>("", "c").unwrap(), row.try_get::<i64>("", "p").unwrap())
    };
    let insert = match app.db.conn.get_database_backend() {
        DbBackend::Postgres => format!(
            "INSERT INTO position (person_id, committee_id, role, standing, title, start_on, end_on, created_at, updated_at) \
             SELECT {pid}, {cid}, 'MEMBER', false, 'Member', DATE '2022-06-01', DATE '2022-06-02', now(), now() \
             FROM generate_series(1, 200000)"
        ),
        _ => format!(
            "INSERT INTO position (person_id, committee_id, role, standing, title, start_on, end_on, created_at, updated_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) \
             SELECT {pid}, {cid}, 'MEMBER', 0, 'Member', '2022-06-01', '2022-06-02', \
             '2024-01-01 00:00:00+00:00', '2024-01-01 00:00:00+00:00' FROM n"
        ),
    };
    app.db.conn.execute_unprepared(&insert).await.unwrap();

    let token = app.token(&["MEMBER@CENTRAL"]);
    // Several scopes of that history, each a loader task over every row.
    let q = "query($id: ID!) { committee(id: $id) {
        a: positions(first: 100) { totalCount nodes { title person { fullName } } }
        b: positions(first: 100, filter: {role: MEMBER}) { totalCount nodes { title } }
        c: positions(first: 100, filter: {standing: false}) { totalCount nodes { title } }
        d: positions(first: 100, filter: {activeAt: \"2022-06-01\"}) { totalCount nodes { title } }
    } }";
    let (status, body) = app.gql(&token, q, json!({ "id": committee })).await;
    assert_eq!((status.as_u16(), code(&body)), (503, "TIMEOUT"), "{body}");

    // Whatever the request started has a second to stop; then the process idles.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = cpu_time();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let used = cpu_time() - before;
    assert!(used < Duration::from_millis(150), "{used:?} of CPU in 500 ms after the timeout");
}
