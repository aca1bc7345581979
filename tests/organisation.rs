//! The organisation API: committees, people, positions and agencies, read and
//! written through the real router.

// Tests fail by panicking; unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, code};
use serde_json::json;

#[tokio::test]
async fn the_demo_data_has_the_central_committee_and_63_provincial_ones() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let data = app
        .data(&t, "{ all: committees(first: 1) { totalCount } provincial: committees(first: 1, filter: {level: PROVINCIAL}) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["all"]["totalCount"], 64);
    assert_eq!(data["provincial"]["totalCount"], 63);
}

#[tokio::test]
async fn committees_page_forward_and_backward_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let q = "query($after: String) { committees(first: 25, after: $after, orderBy: {field: CODE}) { pageInfo { hasNextPage hasPreviousPage endCursor } nodes { code } } }";
    let mut codes = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let data = app.data(&t, q, json!({ "after": after })).await;
        let page = &data["committees"];
        codes.extend(page["nodes"].as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap().to_owned()));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null());
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes.len(), 64);
    assert_eq!(codes, sorted);

    let last = app
        .data(&t, "{ committees(last: 2, orderBy: {field: CODE, direction: DESC}) { nodes { code } pageInfo { hasPreviousPage } } }", json!({}))
        .await;
    assert_eq!(last["committees"]["nodes"], json!([{ "code": sorted[1] }, { "code": sorted[0] }]));
    assert_eq!(last["committees"]["pageInfo"]["hasPreviousPage"], true);
}

#[tokio::test]
async fn a_cursor_from_another_ordering_or_a_forged_one_is_bad_input() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let data =
        app.data(&t, "{ committees(first: 1, orderBy: {field: NAME}) { pageInfo { endCursor } } }", json!({})).await;
    let cursor = data["committees"]["pageInfo"]["endCursor"].clone();
    let (_, body) = app
        .gql(&t, "query($c: String) { committees(first: 1, after: $c) { totalCount } }", json!({ "c": cursor }))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["after"]));
    let (_, body) = app.gql(&t, "{ committees(first: 1, after: \"garbage\") { totalCount } }", json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn first_or_last_is_required_and_capped() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    for (query, arg) in [
        ("{ committees { totalCount } }", "first"),
        ("{ committees(first: 0) { totalCount } }", "first"),
        ("{ committees(first: 101) { totalCount } }", "first"),
        ("{ committees(last: 500) { totalCount } }", "last"),
    ] {
        let (_, body) = app.gql(&t, query, json!({})).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{query}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!([arg]), "{query}");
    }
}

#[tokio::test]
async fn committees_filter_by_name_status_and_parent() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let central = app.committee_id("CENTRAL").await;
    let data = app
        .data(
            &t,
            "query($p: ID) { tinh: committees(first: 5, filter: {nameContains: \"HA TINH\"}) { nodes { code } }
              children: committees(first: 1, parentId: $p, filter: {status: ACTIVE}) { totalCount } }",
            json!({ "p": central }),
        )
        .await;
    assert_eq!(data["tinh"]["nodes"], json!([{ "code": "HA_TINH" }]));
    assert_eq!(data["children"]["totalCount"], 63);
}

#[tokio::test]
async fn navigation_runs_both_ways_between_committees_people_and_seats() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let data = app
        .data(
            &t,
            r#"{ committeeByCode(code: "NGHE_AN") {
                  level province regulation parent { code children(first: 100) { totalCount } }
                  advisoryAgency { kind name committee { code } }
                  agencies(first: 10, filter: {kind: POLICE}) { nodes { kind } }
                  standingCommittee { role person { fullName } }
                  positions(first: 1, filter: {role: HEAD, held: {today: true}}) {
                    nodes { title active committee { code } person { fullName positions(first: 5) { nodes { committee { code } } } } }
                  } } }"#,
            json!({}),
        )
        .await;
    let c = &data["committeeByCode"];
    assert_eq!(c["level"], "PROVINCIAL");
    assert_eq!(c["province"], "Nghệ An");
    assert_eq!(c["regulation"], "67-QD/TW");
    assert_eq!(c["parent"]["code"], "CENTRAL");
    assert_eq!(c["parent"]["children"]["totalCount"], 63);
    assert_eq!(c["advisoryAgency"]["kind"], "ADVISORY");
    assert_eq!(c["advisoryAgency"]["committee"]["code"], "NGHE_AN");
    assert_eq!(c["agencies"]["nodes"], json!([{ "kind": "POLICE" }]));
    assert_eq!(c["standingCommittee"].as_array().unwrap().len(), 5);
    assert_eq!(c["standingCommittee"][0], json!({ "role": "HEAD", "person": { "fullName": "Thái Thanh Quý" } }));
    let head = &c["positions"]["nodes"][0];
    assert_eq!(head["title"], "Secretary of the Provincial Party Committee");
    assert_eq!(head["active"], true);
    assert_eq!(head["person"]["positions"]["nodes"], json!([{ "committee": { "code": "NGHE_AN" } }]));
}

#[tokio::test]
async fn who_sat_on_the_central_committee_on_a_date_is_answerable() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let central = app.committee_id("CENTRAL").await;
    let q = "query($c: ID!, $d: Date!) { positions(first: 10, committeeId: $c, filter: {held: {on: $d}, role: HEAD}) { nodes { person { fullName } } } }";
    let before = app.data(&t, q, json!({ "c": central, "d": "2024-06-01" })).await;
    assert_eq!(before["positions"]["nodes"], json!([{ "person": { "fullName": "Nguyễn Phú Trọng" } }]));
    let after = app.data(&t, q, json!({ "c": central, "d": "2024-09-01" })).await;
    assert_eq!(after["positions"]["nodes"], json!([{ "person": { "fullName": "Tô Lâm" } }]));
}

#[tokio::test]
async fn node_and_nodes_refetch_any_object_by_its_global_id() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let id = app.committee_id("HA_TINH").await;
    let data = app
        .data(
            &t,
            "query($id: ID!) { node(id: $id) { id ... on Committee { code } } nodes(ids: [$id, $id]) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["node"]["code"], "HA_TINH");
    assert_eq!(data["node"]["id"], id.as_str());
    assert_eq!(data["nodes"].as_array().unwrap().len(), 2);
    let (_, body) = app.gql(&t, "{ node(id: \"Q29tbWl0dGVlOjk5OTk5\") { id } }", json!({})).await;
    assert_eq!(code(&body), "NOT_FOUND");
    assert_eq!(body["data"]["node"], json!(null));
}

#[tokio::test]
async fn an_admin_creates_and_updates_a_committee_and_each_write_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let data = app
        .data(
            &admin,
            r#"mutation { createCommittee(input: {code: "TEST_PROVINCE", name: "Test committee", province: "Tỉnh Thử", establishedOn: "2025-07-01"}) { committee {
                 id code level status regulation parent { code } } } }"#,
            json!({}),
        )
        .await;
    let created = &data["createCommittee"]["committee"];
    assert_eq!(created["level"], "PROVINCIAL");
    assert_eq!(created["status"], "ACTIVE");
    assert_eq!(created["parent"]["code"], "CENTRAL");
    let id = created["id"].as_str().unwrap();
    let data = app
        .data(
            &admin,
            "mutation($id: ID!) { updateCommittee(input: {id: $id, name: \"  Renamed  \"}) { committee { name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["updateCommittee"]["committee"]["name"], "Renamed");

    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let data = app
        .data(
            &auditor,
            "query($c: ID) { auditEvents(committeeId: $c, first: 10) { totalCount nodes { action entityType actorKind } } }",
            json!({ "c": id }),
        )
        .await;
    assert_eq!(data["auditEvents"]["totalCount"], 2);
    assert_eq!(data["auditEvents"]["nodes"][0]["action"], "COMMITTEE_UPDATE");
    assert_eq!(data["auditEvents"]["nodes"][0]["entityType"], "COMMITTEE");
    assert_eq!(data["auditEvents"]["nodes"][1]["action"], "COMMITTEE_CREATE");
    assert!(app.audit.verify(&app.db, None).await.unwrap().problem.is_none());
}

#[tokio::test]
async fn invalid_input_names_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    for (input, field) in [
        (r#"{code: "bad code", name: "X", province: "Y", establishedOn: "2025-01-01"}"#, "code"),
        (r#"{code: "GOOD_CODE", name: "   ", province: "Y", establishedOn: "2025-01-01"}"#, "name"),
        (r#"{code: "GOOD_CODE", name: "X", province: "Y", establishedOn: "1800-01-01"}"#, "establishedOn"),
    ] {
        let (status, body) = app
            .gql(&admin, &format!("mutation {{ createCommittee(input: {input}) {{ committee {{ id }} }} }}"), json!({}))
            .await;
        assert_eq!(status, 200);
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!(["input", field]));
    }
    let (_, body) =
        app.gql(&admin, r#"mutation { createCommittee(input: {code: "X1", name: "X", province: "Y", establishedOn: "not a date"}) { committee { id } } }"#, json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    let t = app.token(&["MEMBER@CENTRAL"]);
    let data = app.data(&t, "{ committees(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(data["committees"]["totalCount"], 64);
}

#[tokio::test]
async fn a_duplicate_committee_code_is_a_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let (_, body) = app
        .gql(&admin, r#"mutation { createCommittee(input: {code: "NGHE_AN", name: "Again", province: "Nghệ An", establishedOn: "2025-01-01"}) { committee { id } } }"#, json!({}))
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "DUPLICATE", "{body}");
}

#[tokio::test]
async fn seats_are_appointed_and_ended_and_history_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let ha_tinh = app.committee_id("HA_TINH").await;
    let person = app
        .data(&admin, "mutation($c: ID!) { createPerson(input: {fullName: \"Người Thử\", partyMember: true, homeCommitteeId: $c}) { person { id } } }", json!({ "c": ha_tinh }))
        .await["createPerson"]["person"]["id"]
        .clone();
    // The committee already has a head: a second one conflicts.
    let appoint = "mutation($p: ID!, $c: ID!, $r: PositionRole!) { appointPosition(input: {personId: $p, committeeId: $c, role: $r, title: \"Test title\", startOn: \"2025-01-01\"}) { position { id role standing active } } }";
    let (_, body) = app.gql(&admin, appoint, json!({ "p": person, "c": ha_tinh, "r": "HEAD" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let data = app.data(&admin, appoint, json!({ "p": person, "c": ha_tinh, "r": "MEMBER" })).await;
    let seat = &data["appointPosition"]["position"];
    assert_eq!(seat["standing"], false);
    assert_eq!(seat["active"], true);
    let seat_id = seat["id"].clone();
    let end = "mutation($id: ID!, $d: Date!) { endPosition(input: {id: $id, endOn: $d, reason: \"moved\"}) { position { endOn endReason active } } }";
    let (_, body) = app.gql(&admin, end, json!({ "id": seat_id, "d": "2024-12-31" })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["input", "endOn"]));
    let data = app.data(&admin, end, json!({ "id": seat_id, "d": "2025-06-30" })).await;
    assert_eq!(
        data["endPosition"]["position"],
        json!({ "endOn": "2025-06-30", "endReason": "moved", "active": false })
    );
    let (_, body) = app.gql(&admin, end, json!({ "id": seat_id, "d": "2025-07-30" })).await;
    assert_eq!(code(&body), "CONFLICT");
    let data = app
        .data(
            &admin,
            "query($p: ID!) { person(id: $p) { positions(first: 5) { totalCount nodes { endOn } } } }",
            json!({ "p": person }),
        )
        .await;
    assert_eq!(data["person"]["positions"]["totalCount"], 1);
}

#[tokio::test]
async fn merging_keeps_the_old_committee_and_points_to_its_successor() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let (ha_tinh, nghe_an) = (app.committee_id("HA_TINH").await, app.committee_id("NGHE_AN").await);
    let merge = "mutation($a: ID!, $b: ID!) { mergeCommittees(input: {committeeId: $a, successorId: $b, effectiveOn: \"2025-07-01\"}) {
      committee { status endedOn successor { code } positions(first: 1, filter: {held: {today: true}}) { totalCount } }
      successor { code status } endedPositions { endOn endReason committee { code } } } }";
    let data = app.data(&admin, merge, json!({ "a": ha_tinh, "b": nghe_an })).await;
    let merged = &data["mergeCommittees"]["committee"];
    assert_eq!(data["mergeCommittees"]["successor"], json!({ "code": "NGHE_AN", "status": "ACTIVE" }));
    let ended = data["mergeCommittees"]["endedPositions"].as_array().unwrap();
    assert!(!ended.is_empty(), "the merged committee's seats end with it: {data}");
    assert!(ended.iter().all(|p| p["endOn"] == "2025-06-30" && p["committee"]["code"] == "HA_TINH"), "{data}");
    assert_eq!(merged["status"], "MERGED");
    assert_eq!(merged["endedOn"], "2025-07-01");
    assert_eq!(merged["successor"]["code"], "NGHE_AN");
    assert_eq!(merged["positions"]["totalCount"], 0);
    let (_, body) = app.gql(&admin, merge, json!({ "a": ha_tinh, "b": nghe_an })).await;
    assert_eq!(code(&body), "CONFLICT");
    let (_, body) = app.gql(&admin, merge, json!({ "a": nghe_an, "b": nghe_an })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    // A Nghe An grant now reaches Ha Tinh's history too.
    let t = app.token(&["MEMBER@NGHE_AN"]);
    let data = app.data(&t, "{ committees(first: 5) { nodes { code } } }", json!({})).await;
    assert_eq!(data["committees"]["nodes"], json!([{ "code": "HA_TINH" }, { "code": "NGHE_AN" }]));
}

#[tokio::test]
async fn a_stored_value_this_version_does_not_know_is_an_internal_error_not_a_default() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    // As a newer version would: widen the stored set, then write a value this one does not know.
    let widen = match app.db.conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => "ALTER TABLE committee DROP CONSTRAINT ck_committee_status",
        _ => "DROP TRIGGER ck_committee_status_upd",
    };
    app.db.conn.execute_unprepared(widen).await.unwrap();
    app.db.conn.execute_unprepared("UPDATE committee SET status = 'FROZEN' WHERE code = 'BAC_KAN'").await.unwrap();
    let t = app.token(&["MEMBER@CENTRAL"]);
    let (_, body) =
        app.gql(&t, r#"{ committeeByCode(code: "BAC_KAN") { code status } me { subject } }"#, json!({})).await;
    assert_eq!(body["data"]["committeeByCode"], serde_json::Value::Null, "{body}");
    assert_eq!(body["data"]["me"]["subject"], "tester");
    assert_eq!(code(&body), "INTERNAL");
    assert!(!body.to_string().contains("FROZEN"), "the stored value is logged, not sent: {body}");
}

#[tokio::test]
async fn nested_lists_page_forwards_and_backwards_like_the_top_level_ones_with_the_same_filters_and_totals() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let central = app.data(&t, r#"{ committeeByCode(code: "CENTRAL") { id } }"#, json!({})).await;
    let central = central["committeeByCode"]["id"].clone();
    // The same list, top level and nested, both by code, with a filter.
    let top = "query($c: ID!) { committees(first: 100, parentId: $c, filter: {nameContains: \"ha \"}) { totalCount nodes { code } } }";
    let top = app.data(&t, top, json!({ "c": central })).await;
    let expected: Vec<String> =
        top["committees"]["nodes"].as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap().to_owned()).collect();
    assert!(expected.len() >= 3, "{top}");
    let q = "query($c: ID!, $first: Int, $after: String, $last: Int, $before: String) { committee(id: $c) {
        children(first: $first, after: $after, last: $last, before: $before, filter: {nameContains: \"  Hà \"}) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { code } } } }";
    let codes = |page: &serde_json::Value| -> Vec<String> {
        page["nodes"].as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap().to_owned()).collect()
    };
    // Forwards, two at a time.
    let (mut forwards, mut after) = (Vec::new(), serde_json::Value::Null);
    loop {
        let data = app.data(&t, q, json!({ "c": central, "first": 2, "after": after })).await;
        let page = &data["committee"]["children"];
        assert_eq!(page["totalCount"], top["committees"]["totalCount"]);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null());
        forwards.extend(codes(page));
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(forwards, expected);
    // Backwards, two at a time, from the end.
    let (mut backwards, mut before) = (Vec::new(), serde_json::Value::Null);
    loop {
        let data = app.data(&t, q, json!({ "c": central, "last": 2, "before": before })).await;
        let page = &data["committee"]["children"];
        assert_eq!(page["pageInfo"]["hasNextPage"], !before.is_null());
        let mut chunk = codes(page);
        chunk.extend(backwards);
        backwards = chunk;
        if !page["pageInfo"]["hasPreviousPage"].as_bool().unwrap() {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backwards, expected);
    // A cursor of another list is refused, naming the argument.
    let seats = "{ committeeByCode(code: \"NGHE_AN\") { positions(first: 1) { pageInfo { endCursor } } } }";
    let seats = app.data(&t, seats, json!({})).await;
    let foreign = seats["committeeByCode"]["positions"]["pageInfo"]["endCursor"].clone();
    let (_, body) = app.gql(&t, q, json!({ "c": central, "first": 2, "after": foreign })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["after"]), "{body}");
    assert_eq!(body["data"]["committee"]["children"], serde_json::Value::Null, "{body}");

    // Agencies of each committee of a page, filtered by kind, with their totals.
    let q = "{ committees(first: 5, filter: {level: PROVINCIAL}) { nodes { code
        all: agencies(first: 100) { totalCount nodes { kind } }
        police: agencies(first: 1, filter: {kind: POLICE}) { totalCount nodes { kind } }
        advisoryAgency { kind } } } }";
    let data = app.data(&t, q, json!({})).await;
    for c in data["committees"]["nodes"].as_array().unwrap() {
        let all = c["all"]["nodes"].as_array().unwrap();
        assert_eq!(c["all"]["totalCount"].as_u64().unwrap() as usize, all.len(), "{c}");
        let police = all.iter().filter(|a| a["kind"] == "POLICE").count() as u64;
        assert_eq!(c["police"]["totalCount"].as_u64().unwrap(), police, "{c}");
        assert!(c["police"]["nodes"].as_array().unwrap().iter().all(|a| a["kind"] == "POLICE"), "{c}");
        assert_eq!(c["advisoryAgency"]["kind"], "ADVISORY", "{c}");
    }
}

#[tokio::test]
async fn every_field_of_a_seat_and_of_its_person_reads_the_same_in_a_committee_list_as_by_id() {
    // Seats of a committee list, and the people in them, read only the
    // columns their selections need; by id, a record is read whole. Each
    // field alone, through the list, against the same records by id.
    use common::{object_types, selection};
    use steerql::graphql::types::{person::PERSON_COLUMNS, position::POSITION_COLUMNS};
    let app = TestApp::spawn().await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let types = object_types(&app, &token).await;
    let fields = |name: &str| types[name]["fields"].as_array().unwrap().clone();
    for (table, of) in [
        (POSITION_COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "Position"),
        (PERSON_COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "Person"),
    ] {
        let known: Vec<serde_json::Value> = fields(of).iter().map(|f| f["name"].clone()).collect();
        table.iter().for_each(|name| assert!(known.contains(&json!(name)), "{of}.{name} is not a field"));
    }
    let by_id = |ids: Vec<serde_json::Value>, on: &str, sel: &str| {
        (format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on {on} {{ id {sel} }} }} }}"), json!({ "ids": ids }))
    };
    let listed = |data: &serde_json::Value, pick: &dyn Fn(&serde_json::Value) -> serde_json::Value| {
        data["committees"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["positions"]["nodes"].as_array().unwrap().iter().map(pick).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let mut compared = 0;
    for filter in ["", ", filter: {held: {today: true}}"] {
        for field in fields("Position") {
            let sel = selection(&types, &field, 1);
            let q = format!(
                "{{ committees(first: 5) {{ nodes {{ positions(first: 4{filter}) {{ nodes {{ id {sel} }} }} }} }} }}"
            );
            let seats = listed(&app.data(&token, &q, json!({})).await, &|n| n.clone());
            let (q, vars) = by_id(seats.iter().map(|n| n["id"].clone()).collect(), "Position", &sel);
            assert_eq!(app.data(&token, &q, vars).await["nodes"], json!(seats), "Position.{}", field["name"]);
            compared += seats.len();
        }
        for field in fields("Person") {
            let sel = selection(&types, &field, 1);
            let q = format!(
                "{{ committees(first: 5) {{ nodes {{ positions(first: 4{filter}) {{ nodes {{ person {{ id {sel} }} }} }} }} }} }}"
            );
            let people = listed(&app.data(&token, &q, json!({})).await, &|n| n["person"].clone());
            let (q, vars) = by_id(people.iter().map(|n| n["id"].clone()).collect(), "Person", &sel);
            assert_eq!(app.data(&token, &q, vars).await["nodes"], json!(people), "Person.{}", field["name"]);
            compared += people.len();
        }
    }
    assert!(compared > 0);
}

const MERGE: &str = "mutation($a: ID!, $b: ID!, $on: Date!) { mergeCommittees(input: {committeeId: $a, successorId: $b,
  effectiveOn: $on}) { committee { code heir: successor { code } } } }";

#[tokio::test]
async fn a_chain_of_merges_hands_every_matter_to_the_committee_at_its_end() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let (nghe_an, ha_tinh, bac_kan) =
        (app.committee_id("NGHE_AN").await, app.committee_id("HA_TINH").await, app.committee_id("BAC_KAN").await);
    app.data(&admin, MERGE, json!({ "a": nghe_an, "b": ha_tinh, "on": "2025-07-01" })).await;
    app.data(&admin, MERGE, json!({ "a": ha_tinh, "b": bac_kan, "on": "2025-08-01" })).await;

    // Bac Kan's officials reach Nghe An's matters, two merges back, as they reach Ha Tinh's.
    let member = app.token(&["MEMBER@BAC_KAN"]);
    let data = app.data(&member, "{ committees(first: 5) { nodes { code } } }", json!({})).await;
    assert_eq!(
        data["committees"]["nodes"],
        json!([{ "code": "BAC_KAN" }, { "code": "HA_TINH" }, { "code": "NGHE_AN" }])
    );
    let q = "query($c: ID!, $na: ID!) { all: cases(first: 1, filter: {committeeId: $na, monitoringState: UNDER_MONITORING})
        { totalCount nodes { id version } }
      below: cases(first: 1, filter: {committeeId: $c, includeSubordinate: true, monitoringState: UNDER_MONITORING}) { totalCount } }";
    let data = app.data(&member, q, json!({ "c": bac_kan, "na": nghe_an })).await;
    let open_in_nghe_an = data["all"]["totalCount"].as_i64().unwrap();
    assert!(open_in_nghe_an > 0, "{data}");
    assert!(data["below"]["totalCount"].as_i64().unwrap() > open_in_nghe_an, "Ha Tinh's matters count too: {data}");
    // And act on them with their own roles: the heir handles the matter.
    let case = data["all"]["nodes"][0].clone();
    let officer = app.token(&["OFFICER@BAC_KAN"]);
    let update = "mutation($id: ID!, $v: Int!) { updateCase(input: {id: $id, expectedVersion: $v, summary: \"Handled by the heir\"}) {
      case { version } } }";
    let data = app.data(&officer, update, json!({ "id": case["id"], "v": case["version"] })).await;
    assert_eq!(data["updateCase"]["case"]["version"], case["version"].as_i64().unwrap() + 1);
    // A province outside the chain still does not.
    let (_, body) = app
        .gql(&app.token(&["MEMBER@LAO_CAI"]), "query($id: ID!) { node(id: $id) { id } }", json!({ "id": case["id"] }))
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn a_merged_committee_takes_no_new_matters_people_or_changes() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let (nghe_an, ha_tinh) = (app.committee_id("NGHE_AN").await, app.committee_id("HA_TINH").await);
    app.data(&admin, MERGE, json!({ "a": nghe_an, "b": ha_tinh, "on": "2025-07-01" })).await;
    let officer = app.token(&["OFFICER@CENTRAL", "ADMIN@CENTRAL"]);
    let writes = [
        (
            "mutation($c: ID!) { createCase(input: {kind: CASE, code: \"NA-AFTER\", title: \"Sau hợp nhất\", field: LAND,
               source: INSPECTION, committeeId: $c, openedOn: \"2025-08-01\"}) { case { id } } }",
            "createCase",
        ),
        (
            "mutation($c: ID!) { createPerson(input: {fullName: \"Người Mới\", partyMember: true, homeCommitteeId: $c}) { person { id } } }",
            "createPerson",
        ),
        ("mutation($c: ID!) { updateCommittee(input: {id: $c, name: \"Tên mới\"}) { committee { id } } }", "updateCommittee"),
    ];
    for (write, name) in writes {
        let (_, body) = app.gql(&officer, write, json!({ "c": nghe_an })).await;
        assert_eq!(code(&body), "CONFLICT", "{name}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "CLOSED", "{name}: {body}");
        assert_eq!(body["data"], serde_json::Value::Null, "{name}: {body}");
    }
    // Nor is a central matter assigned to it.
    let create = "mutation($c: ID!) { createCase(input: {kind: CASE, code: \"TW-TO-NA\", title: \"Giao\", field: LAND,
      source: INSPECTION, committeeId: $c, openedOn: \"2025-08-01\"}) { case { id } } }";
    let central = app.committee_id("CENTRAL").await;
    let created = app.data(&app.token(&["OFFICER@CENTRAL"]), create, json!({ "c": central })).await;
    let assign =
        "mutation($id: ID!, $c: ID!) { assignCase(input: {id: $id, committeeId: $c, decisionRef: \"5/QD-BCDTW\",
      effectiveOn: \"2025-08-02\"}) { case { id } } }";
    let vars = json!({ "id": created["createCase"]["case"]["id"], "c": nghe_an });
    let (_, body) = app.gql(&app.token(&["STANDING@CENTRAL"]), assign, vars).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "CLOSED", "{body}");
    // The matters it had stay where they are, and can still be written to by its heir.
    let q = "query($na: ID!) { cases(first: 1, filter: {committeeId: $na, monitoringState: UNDER_MONITORING}) { nodes { id } } }";
    let case =
        app.data(&app.token(&["MEMBER@HA_TINH"]), q, json!({ "na": nghe_an })).await["cases"]["nodes"][0].clone();
    let update = "mutation($id: ID!) { updateCase(input: {id: $id, summary: \"Vẫn theo dõi\"}) { case { version } } }";
    app.data(&app.token(&["OFFICER@HA_TINH"]), update, json!({ "id": case["id"] })).await;
    // The database holds the rule for writers that bypass the service: no
    // matter moves to, or is registered with, a merged committee.
    use sea_orm::ConnectionTrait;
    let raw = steerql::graphql::ids::decode_any(&nghe_an).unwrap().1;
    let moved = app
        .db
        .conn
        .execute_unprepared(&format!(
            "UPDATE case_record SET monitoring_committee_id = {raw} WHERE id = (SELECT min(id) FROM case_record \
             WHERE monitoring_committee_id <> {raw})"
        ))
        .await
        .expect_err("a matter cannot move to a merged committee");
    let text = moved.to_string();
    assert!(text.contains("ck_case_committee_active") || text.contains("an active committee"), "{text}");
}
