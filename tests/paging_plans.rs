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

#[tokio::test]
async fn a_page_of_seats_costs_the_same_on_a_committee_with_200000_in_its_history_as_on_one_with_a_few() {
    let app = TestApp::spawn().await;
    app.add_seat_history("BAC_KAN", 200_000).await;
    let member = app.token(&["MEMBER@CENTRAL"]);
    let q = "query($code: String!, $after: String) { committeeByCode(code: $code) {
        positions(first: 10, after: $after) { totalCount nodes { title } pageInfo { endCursor } } } }";
    let mut plans = Vec::new();
    for code in ["CAO_BANG", "BAC_KAN"] {
        app.reset_statements();
        let data = app.data(&member, q, json!({ "code": code, "after": null })).await;
        assert_eq!(data["committeeByCode"]["positions"]["nodes"].as_array().unwrap().len(), 10, "{code}");
        plans.push((code, app.plan(&page_statement(&app, "position")).await));
        // And a page further on.
        let after = data["committeeByCode"]["positions"]["pageInfo"]["endCursor"].clone();
        app.reset_statements();
        app.data(&member, q, json!({ "code": code, "after": after })).await;
        plans.push((code, app.plan(&page_statement(&app, "position")).await));
    }
    let total = app.data(&member, q, json!({ "code": "BAC_KAN", "after": null })).await;
    assert!(total["committeeByCode"]["positions"]["totalCount"].as_u64().unwrap() > 200_000);
    for (code, plan) in &plans {
        if is_postgres(&app) {
            assert!(plan.contains("ix_position_precedence"), "{code}: {plan}");
            assert!(!plan.contains("Sort Method"), "{code}: {plan}");
        } else {
            assert!(plan.contains("USING INDEX ix_position_precedence"), "{code}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{code}: {plan}");
        }
    }
    if is_postgres(&app) {
        let small = plans[..2].iter().map(|(_, p)| buffers(p)).max().unwrap();
        let large = plans[2..].iter().map(|(_, p)| buffers(p)).max().unwrap();
        assert!(large <= 2 * small + 20, "a few seats: {small} buffers; 200,000: {large}\n{plans:#?}");
    }
}

#[tokio::test]
async fn a_page_of_the_seats_a_person_held_costs_the_same_with_50000_in_their_history_as_with_a_few() {
    let app = TestApp::spawn().await;
    let pg = is_postgres(&app);
    let conn = &app.db.conn;
    let (now, yes_no, day, series) = if pg {
        ("now()", "false", "c.established_on + 1 + g.n".to_owned(), "generate_series(0, 49999) AS g(n)".to_owned())
    } else {
        (
            "'2024-01-01 00:00:00+00:00'",
            "0",
            "date(c.established_on, '+' || (1 + g.n) || ' days')".to_owned(),
            "(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 49999) SELECT n FROM s) AS g"
                .to_owned(),
        )
    };
    // A fictitious member who sat on one committee for 50,000 one-day terms.
    conn.execute_unprepared(&format!(
        "INSERT INTO person (full_name, search_name, party_member, home_committee_id, created_at, updated_at) \
         SELECT 'Long Serving Member', 'long serving member', {yes_no}, c.id, {now}, {now} FROM committee c \
         WHERE c.code = 'BAC_KAN'"
    ))
    .await
    .unwrap();
    let long = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT id FROM person WHERE full_name = 'Long Serving Member'",
        ))
        .await
        .unwrap()
        .unwrap();
    let long: i64 = long.try_get("", "id").unwrap();
    conn.execute_unprepared(&format!(
        "INSERT INTO position (person_id, committee_id, role, standing, title, start_on, end_on, created_at, updated_at) \
         SELECT {long}, c.id, 'MEMBER', {yes_no}, 'Member', {day}, {day}, {now}, {now} FROM {series}, committee c \
         WHERE c.code = 'BAC_KAN'"
    ))
    .await
    .unwrap();
    if pg {
        conn.execute_unprepared("ANALYZE position").await.unwrap();
    }
    let member = app.token(&["MEMBER@CENTRAL"]);
    let few = r#"{ committeeByCode(code: "CAO_BANG") { positions(first: 1) { nodes { person { id } } } } }"#;
    let few = app.data(&member, few, json!({})).await;
    let few = few["committeeByCode"]["positions"]["nodes"][0]["person"]["id"].clone();
    let long = steerql::graphql::ids::encode(steerql::graphql::ids::Kind::Person, long).0;
    let q = "query($id: ID!, $after: String) { person(id: $id) {
        positions(first: 10, after: $after) { totalCount nodes { startOn } pageInfo { endCursor } } } }";
    let mut plans = Vec::new();
    for person in [few, json!(long)] {
        let mut after = serde_json::Value::Null;
        for _ in 0..2 {
            app.reset_statements();
            let data = app.data(&member, q, json!({ "id": person, "after": after })).await;
            plans.push((person.clone(), app.plan(&page_statement(&app, "position")).await));
            let page = &data["person"]["positions"];
            after = page["pageInfo"]["endCursor"].clone();
            if person == json!(long) {
                assert_eq!(page["totalCount"], 50_000);
                let days: Vec<&str> =
                    page["nodes"].as_array().unwrap().iter().map(|n| n["startOn"].as_str().unwrap()).collect();
                assert_eq!(days.len(), 10);
                assert!(days.windows(2).all(|w| w[0] < w[1]), "oldest first: {days:?}");
            }
            if after.is_null() {
                break;
            }
        }
    }
    for (person, plan) in &plans {
        if pg {
            assert!(plan.contains("ix_position_person_seats"), "{person}: {plan}");
            assert!(!plan.contains("Seq Scan on position"), "{person}: {plan}");
        } else {
            assert!(plan.contains("INDEX ix_position_person_seats (person_id=?"), "{person}: {plan}");
            assert!(!plan.lines().any(|l| l.contains("SCAN position") || l.contains("SCAN r")), "{person}: {plan}");
        }
    }
    if pg {
        let few = plans.iter().filter(|(p, _)| *p != json!(long)).map(|(_, p)| buffers(p)).max().unwrap();
        let many = plans.iter().filter(|(p, _)| *p == json!(long)).map(|(_, p)| buffers(p)).max().unwrap();
        assert!(many <= 2 * few + 20, "a few seats: {few} buffers; 50,000: {many}\n{plans:#?}");
    }
}

#[tokio::test]
async fn the_current_seats_of_a_committee_with_200000_past_ones_are_found_without_walking_its_history() {
    let app = TestApp::spawn().await;
    app.add_seat_history("BAC_KAN", 200_000).await;
    let member = app.token(&["MEMBER@CENTRAL"]);
    let q = r#"{ committeeByCode(code: "BAC_KAN") { positions(first: 5, filter: {held: {today: true}}) { nodes { title } } } }"#;
    app.reset_statements();
    let data = app.data(&member, q, json!({})).await;
    assert_eq!(data["committeeByCode"]["positions"]["nodes"].as_array().unwrap().len(), 5);
    let statements = app.recent_statements();
    let held = statements.iter().find(|s| s.contains("FROM \"position\"") && s.contains("end_on")).unwrap();
    let plan = app.plan(held).await;
    assert!(plan.contains("ix_position_held"), "{plan}");
    if is_postgres(&app) {
        assert!(buffers(&plan) < 200, "{plan}");
    }
}

#[tokio::test]
async fn a_page_of_cases_100000_deep_and_of_a_history_200000_entries_long_walk_their_indexes() {
    let app = TestApp::spawn().await;
    let pg = is_postgres(&app);
    let conn = &app.db.conn;
    let (series, n, pad, now, f) = if pg {
        ("generate_series(1, {N}) AS g(n)", "n", "lpad(n::text, 7, '0')", "now()", "false")
    } else {
        ("g", "n", "printf('%07d', n)", "'2024-01-01 00:00:00+00:00'", "0")
    };
    let with = |count: u32| {
        if pg {
            String::new()
        } else {
            format!("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count}) ")
        }
    };
    conn.execute_unprepared(&format!(
        "{}INSERT INTO case_record (kind, code, code_key, registered_by_committee_id, title, search_text, summary, field, \
         public_concern, non_state_sector, source, recovered_amount, monitoring_committee_id, monitoring_state, \
         procedure_state, in_absentia, opened_on, version, created_at, updated_at) \
         SELECT 'CASE', 'BULK-' || {pad}, CAST(h.id AS TEXT) || '/BULK-' || {pad}, h.id, 'Bulk', 'bulk', '', 'LAND', \
         {f}, {f}, 'PRESS', 0, h.id, 'UNDER_MONITORING', 'INVESTIGATION', {f}, '2024-01-01', 1, {now}, {now} \
         FROM {}, (SELECT id FROM committee WHERE code = 'HA_NOI') h",
        with(100_000),
        series.replace("{N}", "100000"),
    ))
    .await
    .unwrap();
    if pg {
        conn.execute_unprepared("ANALYZE case_record").await.unwrap();
    }
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "query($after: String) { cases(first: 100, after: $after) { nodes { code } } }";
    app.reset_statements();
    app.data(&auditor, q, json!({ "after": null })).await;
    let first = page_statement(&app, "case_record");
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT code, id FROM case_record ORDER BY code, id LIMIT 1 OFFSET 99000",
        ))
        .await
        .unwrap()
        .unwrap();
    let (code, id): (String, i64) = (row.try_get("", "code").unwrap(), row.try_get("", "id").unwrap());
    let after = Cursor { order: "CODE".into(), key: SortKey::Text(code), id }.encode();
    app.reset_statements();
    let data = app.data(&auditor, q, json!({ "after": after })).await;
    assert_eq!(data["cases"]["nodes"].as_array().unwrap().len(), 100);
    let deep = page_statement(&app, "case_record");
    let (first_plan, deep_plan) = (app.plan(&first).await, app.plan(&deep).await);
    if pg {
        // The (code, id) index orders the page; the row-value filter starts
        // it just after the cursor's row.
        assert!(deep_plan.contains("Index Scan using ix_case_code"), "{deep_plan}");
        assert!(!deep_plan.contains("Seq Scan"), "{deep_plan}");
        let (a, b) = (buffers(&first_plan), buffers(&deep_plan));
        assert!(b <= 2 * a + 20, "page 1 touched {a} buffers, page 991 {b}:\n{deep_plan}");
    } else {
        assert!(deep_plan.contains("SEARCH case_record USING INDEX"), "{deep_plan}");
        assert!(!deep_plan.contains("TEMP B-TREE"), "{deep_plan}");
    }

    // One matter with a history of 200,000 entries.
    let case = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT id FROM case_record WHERE code = 'BULK-0000001'",
        ))
        .await
        .unwrap()
        .unwrap();
    let case: i64 = case.try_get("", "id").unwrap();
    conn.execute_unprepared(&format!(
        "{}INSERT INTO audit_event (at, actor, actor_kind, action, entity, entity_id, committee_id, payload, prev_hash, \
         hash, chain, seq) SELECT {now}, 'bulk', 'SERVICE', 'case.update', 'Case', {case}, NULL, '{{}}', 'x', 'x', \
         'case:{case}', {n} FROM {}",
        with(200_000),
        series.replace("{N}", "200000"),
    ))
    .await
    .unwrap();
    if pg {
        conn.execute_unprepared("ANALYZE audit_event").await.unwrap();
    }
    let global = steerql::graphql::ids::encode(steerql::graphql::ids::Kind::Case, case).0;
    let q = "query($id: ID!, $after: String) { case(id: $id) { history(first: 50, after: $after) { nodes { seq } } } }";
    app.reset_statements();
    app.data(&auditor, q, json!({ "id": global, "after": null })).await;
    let first = page_statement(&app, "audit_event");
    let after = Cursor { order: "SEQ".into(), key: SortKey::Int(150_000), id: 1 }.encode();
    app.reset_statements();
    let data = app.data(&auditor, q, json!({ "id": global, "after": after })).await;
    assert_eq!(data["case"]["history"]["nodes"][0]["seq"], 150_001);
    let deep = page_statement(&app, "audit_event");
    let (first_plan, deep_plan) = (app.plan(&first).await, app.plan(&deep).await);
    if pg {
        assert!(deep_plan.contains("Index Scan using ux_audit_chain_seq"), "{deep_plan}");
        let (a, b) = (buffers(&first_plan), buffers(&deep_plan));
        assert!(b <= 2 * a + 20, "the first page touched {a} buffers, the deep one {b}:\n{deep_plan}");
    } else {
        assert!(deep_plan.contains("USING INDEX ux_audit_chain_seq (chain=? AND seq>?)"), "{deep_plan}");
    }
}

#[tokio::test]
async fn a_page_of_defendants_costs_the_same_on_a_case_with_100000_as_on_one_with_a_few() {
    let app = TestApp::spawn().await;
    let pg = is_postgres(&app);
    let conn = &app.db.conn;
    let ids = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT case_id FROM defendant GROUP BY case_id ORDER BY case_id LIMIT 2",
        ))
        .await
        .unwrap();
    let ids: Vec<i64> = ids.iter().map(|r| r.try_get("", "case_id").unwrap()).collect();
    let (small, large) = (ids[0], ids[1]);
    let (rows, now, f) = if pg {
        ("generate_series(1, 100000) AS g(n)".to_owned(), "now()", "false")
    } else {
        (
            "(WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000) SELECT n FROM g)".into(),
            "'2024-01-01 00:00:00+00:00'",
            "0",
        )
    };
    conn.execute_unprepared(&format!(
        "INSERT INTO defendant (case_id, full_name, position_held, cadre, party_member, leader, centrally_managed, \
         non_state_sector, status, charges, version, created_at, updated_at) \
         SELECT {large}, 'Bulk', '', {f}, {f}, {f}, {f}, {f}, 'PROSECUTED', '[]', 1, {now}, {now} FROM {rows}"
    ))
    .await
    .unwrap();
    if pg {
        conn.execute_unprepared("ANALYZE defendant").await.unwrap();
    }
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "query($id: ID!, $after: String) { case(id: $id) {
        defendants(first: 10, after: $after) { nodes { fullName } pageInfo { endCursor } } } }";
    let mut plans = Vec::new();
    for case in [small, large] {
        let id = steerql::graphql::ids::encode(steerql::graphql::ids::Kind::Case, case).0;
        let mut after = serde_json::Value::Null;
        for _ in 0..2 {
            app.reset_statements();
            let data = app.data(&auditor, q, json!({ "id": id, "after": after })).await;
            let statements = app.recent_statements();
            let page = statements.iter().find(|s| s.contains("defendant x") && s.contains("LIMIT")).unwrap();
            plans.push((case, app.plan(page).await));
            after = data["case"]["defendants"]["pageInfo"]["endCursor"].clone();
            if case == large {
                assert_eq!(data["case"]["defendants"]["nodes"].as_array().unwrap().len(), 10);
            }
        }
    }
    for (case, plan) in &plans {
        if pg {
            assert!(plan.contains("ix_defendant_case"), "{case}: {plan}");
            assert!(!plan.contains("Seq Scan on defendant"), "{case}: {plan}");
        } else {
            assert!(plan.contains("SEARCH x USING COVERING INDEX ix_defendant_case"), "{case}: {plan}");
            assert!(!plan.lines().any(|l| l.contains("SCAN x") || l.contains("SCAN r")), "{case}: {plan}");
        }
    }
    if pg {
        let few = plans[..2].iter().map(|(_, p)| buffers(p)).max().unwrap();
        let many = plans[2..].iter().map(|(_, p)| buffers(p)).max().unwrap();
        assert!(many <= 2 * few + 20, "a few defendants: {few} buffers; 100,000: {many}\n{plans:#?}");
    }
}
