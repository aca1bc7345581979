//! A write cut off, by the request's timeout or by a client that goes away,
//! ends whole: committed with its audit entry or rolled back, never half,
//! and its pooled connection is handed back with no transaction open.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestApp;
use serde_json::{Value, json};
use steerql::config::Limits;

const CREATE: &str = "mutation($c: ID!) {
  createCase(input: {kind: CASE, code: \"NA-X-001\", title: \"Kiểm tra\", field: LAND, source: INSPECTION,
                     lossAmount: \"1000\", committeeId: $c, openedOn: \"2024-03-01\"}) { case { id } } }";
const UPDATE: &str = "mutation($id: ID!, $t: String!) { updateCase(input: {id: $id, title: $t}) { case { version } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_cut_off_by_timeouts_and_departing_clients_end_whole_and_leave_no_transaction_open() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let created = app.data(&officer, CREATE, json!({ "c": app.committee_id("NGHE_AN").await })).await;
    let created = created["createCase"]["case"]["id"].as_str().unwrap().to_owned();
    // An instance on the same database whose timeout of two milliseconds
    // falls anywhere in a write: before it, between its statements, at its commit.
    let limits = Limits { request_timeout: Duration::from_millis(2), ..Limits::default() };
    let verifier = steerql::auth::Verifier::new(&common::auth_args(), Some(common::SECRET.as_bytes())).unwrap();
    let audit = std::sync::Arc::new(steerql::service::audit::AuditKeeper::ephemeral());
    let hasty =
        steerql::app::Application::build_with(app.db.clone(), limits, verifier, audit, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
    let (url, state) = (format!("http://{}/graphql", hasty.addr().unwrap()), hasty.state.clone());
    tokio::spawn(hasty.serve(std::future::pending()));
    let mut outcomes = (0, 0, 0);
    for round in 0..12u64 {
        let calls = (0..8u64).map(|i| {
            // Clients that give up after 1 to 13 ms, before the server's timeout or
            // after it, and some that wait for its answer.
            let wait = [1, 2, 3, 5, 8, 13, 1000, 1000][((round + i) % 8) as usize];
            let client = reqwest::Client::builder().timeout(Duration::from_millis(wait)).build().unwrap();
            let (url, token, id) = (url.clone(), officer.clone(), created.clone());
            tokio::spawn(async move {
                let body = json!({ "query": UPDATE, "variables": { "id": id, "t": format!("Tên {round}-{i}") } });
                match client.post(url).bearer_auth(token).json(&body).send().await {
                    Ok(res) => res.json::<Value>().await.ok(),
                    Err(_) => None,
                }
            })
        });
        for answer in futures_util::future::join_all(calls).await {
            match answer.unwrap() {
                None => outcomes.0 += 1,
                Some(body) if body.get("errors").is_some() => {
                    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
                    outcomes.1 += 1;
                }
                Some(_) => outcomes.2 += 1,
            }
        }
    }
    // Every request has ended on the server, abandoned or not (each holds
    // an execution slot until its work ends).
    let slots = u32::try_from(state.limits.max_in_flight).unwrap();
    drop(state.authenticated.in_flight.acquire_many(slots).await.unwrap());
    let case = app.count("SELECT id AS n FROM case_record WHERE code = 'NA-X-001'").await;
    let version = app.count(&format!("SELECT version AS n FROM case_record WHERE id = {case}")).await;
    let updates = app
        .count(&format!("SELECT COUNT(*) AS n FROM audit_event WHERE chain = 'case:{case}' AND action = 'case.update'"))
        .await;
    assert_eq!(version - 1, updates, "every change has its entry ({outcomes:?}: gone, timed out, done)");
    // Some clients went away mid-write; the others got an answer (a timeout,
    // or the write that was under way when it fired, finished).
    assert!(outcomes.0 > 0 && outcomes.1 + outcomes.2 > 0, "{outcomes:?}");
    if common::database_kind() == "PostgreSQL" {
        let open = app
            .count(
                "SELECT COUNT(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
            )
            .await;
        assert_eq!(open, 0, "a pooled connection was handed back inside a transaction");
    }
}
