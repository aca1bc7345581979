//! A timed-out request stops all its work: loader tasks end with it and its
//! statements are abandoned, so the process is back to idle at once. Alone in
//! its own test binary, so the CPU it measures is this request's only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Options, TestApp, code};
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
    let limits = Limits { request_timeout: Duration::from_millis(30), ..Limits::default() };
    let app = TestApp::spawn_with(Options { limits, ..Default::default() }).await;
    // A committee with 200,000 seats in its history.
    let committee = app.committee_id("BAC_KAN").await;
    app.add_seat_history("BAC_KAN", 200_000).await;

    let token = app.token(&["MEMBER@CENTRAL"]);
    // Several scopes of that history, each counted over every row by a loader task.
    let q = "query($id: ID!) { committee(id: $id) {
        a: positions(first: 100) { totalCount nodes { title person { fullName } } }
        b: positions(first: 100, filter: {role: MEMBER}) { totalCount nodes { title } }
        c: positions(first: 100, filter: {standing: false}) { totalCount nodes { title } }
        d: positions(first: 100, filter: {activeAt: \"2023-06-01\"}) { totalCount nodes { title } }
        e: positions(first: 100, filter: {role: MEMBER, standing: false}) { totalCount nodes { title } }
        f: positions(first: 100, filter: {current: false}) { totalCount nodes { title } }
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
