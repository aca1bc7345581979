//! Pages cost the same wherever they are: keyset pages walk an index from
//! the cursor on both databases, and nested lists are paged in SQL per
//! parent, never loaded whole and sliced. Checked on the database's own plan
//! for the statement the server ran.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::json;
use steerql::db::page::{Cursor, SortKey};

fn is_postgres(app: &TestApp) -> bool {
    app.db.conn.get_database_backend() == DbBackend::Postgres
}

/// The shared buffers the plan's top node touched (PostgreSQL).
fn buffers(plan: &str) -> u64 {
    let line = plan.lines().find(|l| l.contains("Buffers: shared")).unwrap_or("");
    line.split_whitespace()
        .filter_map(|w| {
            w.split_once('=').and_then(|(k, v)| ["hit", "read"].contains(&k).then(|| v.parse::<u64>().ok())).flatten()
        })
        .sum()
}

/// The statement the last request ran against `table`'s rows in pages.
fn page_statement(app: &TestApp, table: &str) -> String {
    let statements = app.recent_statements();
    statements
        .iter()
        .find(|s| s.contains(&format!("FROM \"{table}\"")) && s.contains("LIMIT") && !s.contains("COUNT("))
        .unwrap_or_else(|| panic!("no paged statement on {table} in {statements:#?}"))
        .clone()
}

#[tokio::test]
async fn a_page_of_people_100000_rows_deep_walks_the_index_like_the_first_page() {
    let app = TestApp::spawn().await;
    app.add_people("HA_NOI", 100_000).await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let q = "query($after: String) { people(first: 100, after: $after) { nodes { fullName } } }";
    app.reset_statements();
    app.data(&admin, q, json!({ "after": null })).await;
    let first = page_statement(&app, "person");
    // A cursor at row 99,000 of the list, as the server would have given it.
    let row = app
        .db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.conn.get_database_backend(),
            "SELECT full_name, id FROM person ORDER BY full_name, id LIMIT 1 OFFSET 99000",
        ))
        .await
        .unwrap()
        .unwrap();
    let (name, id): (String, i64) = (row.try_get("", "full_name").unwrap(), row.try_get("", "id").unwrap());
    let after = Cursor { order: "FULL_NAME".into(), key: SortKey::Text(name), id }.encode();
    app.reset_statements();
    let data = app.data(&admin, q, json!({ "after": after })).await;
    assert_eq!(data["people"]["nodes"].as_array().unwrap().len(), 100);
    let deep = page_statement(&app, "person");
    let (first_plan, deep_plan) = (app.plan(&first).await, app.plan(&deep).await);
    if is_postgres(&app) {
        assert!(deep_plan.contains("Index Scan using ix_person_name"), "{deep_plan}");
        assert!(!deep_plan.contains("Rows Removed by Filter"), "{deep_plan}");
        assert!(!deep_plan.contains("Sort"), "{deep_plan}");
        let (a, b) = (buffers(&first_plan), buffers(&deep_plan));
        assert!(b <= 2 * a + 20, "page 1 touched {a} buffers, page 991 {b}:\n{deep_plan}");
    } else {
        assert!(deep_plan.contains("SEARCH person USING INDEX ix_person_name"), "{deep_plan}");
        assert!(!deep_plan.contains("TEMP B-TREE"), "{deep_plan}");
    }
}
