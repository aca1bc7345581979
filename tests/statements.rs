//! No N+1: a page of committees with their seats and people costs the same
//! few statements whatever its size, alone or under concurrency.

// Tests fail by panicking; unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Utc;
use common::{Options, TestApp};
use entity::committee;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::json;
use steerql::config::Limits;

const QUERY: &str = "query($n: Int!) { committees(first: $n) { totalCount edges { node { code parent { code }
    positions(first: 100, filter: {held: {today: true}}) { nodes { role title person { fullName } } } } } } }";

/// 40 more provincial committees, so a page of 100 is full.
async fn more_committees(app: &TestApp) {
    let now = Utc::now();
    let rows = (0..40).map(|i| committee::ActiveModel {
        code: Set(format!("EXTRA_{i:02}")),
        name: Set(format!("Extra committee {i}")),
        search_name: Set(format!("extra committee {i}")),
        level: Set("PROVINCIAL".into()),
        parent_id: Set(Some(1)),
        province: Set(Some(format!("Extra {i}"))),
        established_on: Set(chrono::NaiveDate::from_ymd_opt(2022, 6, 1).unwrap()),
        regulation: Set("67-QD/TW".into()),
        status: Set("ACTIVE".into()),
        successor_id: Set(None),
        ended_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    committee::Entity::insert_many(rows).exec(&app.db.conn).await.unwrap();
}

async fn statements_for(app: &TestApp, token: &str, n: i64) -> usize {
    app.reset_statements();
    let data = app.data(token, QUERY, json!({ "n": n })).await;
    assert_eq!(data["committees"]["edges"].as_array().unwrap().len() as i64, n);
    app.statements()
}

#[tokio::test]
async fn listing_10_or_100_committees_with_seats_and_people_runs_the_same_statements() {
    let app = TestApp::spawn().await;
    more_committees(&app).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let ten = statements_for(&app, &token, 10).await;
    let hundred = statements_for(&app, &token, 100).await;
    assert_eq!(ten, hundred);
    // page, count, seats, people, parents
    assert!(hundred <= 5, "{hundred} statements");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_do_not_split_their_batches() {
    // Batching, not admission, is under test: all 32 may wait for a slot.
    let limits = Limits { costly_queue_wait: std::time::Duration::from_secs(120), ..Limits::default() };
    let app = TestApp::spawn_with(Options { limits, ..Default::default() }).await;
    more_committees(&app).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let alone = statements_for(&app, &token, 100).await;
    app.reset_statements();
    let requests = (0..32).map(|_| app.data(&token, QUERY, json!({ "n": 100 })));
    futures_util::future::join_all(requests).await;
    assert_eq!(app.statements(), 32 * alone, "one request alone ran {alone}");
}

const CASES: &str = "query($n: Int!) { cases(first: $n) { totalCount nodes { code monitoringCommittee { code }
    defendantCounts { total } defendants(first: 10) { nodes { fullName } } lastEvent { action }
    references(first: 5) { nodes { number } } disciplinaryActions(first: 5) { totalCount nodes { form } }
    recoveries(first: 5) { totalCount nodes { amount } } } } }";

#[tokio::test]
async fn listing_5_or_45_cases_with_committees_defendants_their_records_and_history_runs_the_same_statements() {
    let app = TestApp::spawn().await;
    let token = app.token(&["AUDITOR@CENTRAL"]);
    let mut counts = Vec::new();
    for n in [5, 45] {
        app.reset_statements();
        let data = app.data(&token, CASES, json!({ "n": n })).await;
        assert_eq!(data["cases"]["nodes"].as_array().unwrap().len() as i64, n);
        counts.push(app.statements());
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    // page (its monitoring committees and latest entries joined in), count,
    // defendant counts, defendants, references, and a page and a count each
    // of disciplinary actions and recoveries
    assert_eq!(counts[1], 9, "{counts:?}");
}

#[tokio::test]
async fn the_bundled_sqlite_keeps_no_global_memory_statistics_and_plans_independent_of_bound_values() {
    // Kept, every allocation SQLite makes takes one process-wide mutex; and
    // without the planner stability guarantee every statement with `LIMIT ?`
    // is compiled again at each execution. `.cargo/config.toml` builds it
    // with both settings. (Whatever the test database: this is the SQLite
    // linked into every build.)
    let conn = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    for option in ["SQLITE_DEFAULT_MEMSTATUS=0", "SQLITE_ENABLE_QPSG"] {
        let row = conn
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Sqlite,
                "SELECT sqlite_compileoption_used($1) AS used",
                [option.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        let used = row.try_get::<i32>("", "used").unwrap();
        assert_eq!(used, 1, "{option}: LIBSQLITE3_FLAGS in .cargo/config.toml was not applied");
    }
}
