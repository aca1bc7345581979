//! Responses exactly as the GraphQL spec says: keys in query order, an
//! errored field present as null, nulls propagated to the nearest nullable
//! parent, one error per field. Order checks run many times: they must not
//! flake.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_graphql::Value as GqlValue;
use common::{TestApp, code};
use serde_json::{Value, json};

/// The keys of an object, in the order the server sent them.
fn keys(v: &GqlValue) -> Vec<String> {
    match v {
        GqlValue::Object(map) => map.keys().map(|k| k.to_string()).collect(),
        other => panic!("not an object: {other}"),
    }
}

fn get<'a>(v: &'a GqlValue, key: &str) -> &'a GqlValue {
    match v {
        GqlValue::Object(map) => map.get(key).unwrap_or_else(|| panic!("no key `{key}` in {v}")),
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn keys_come_back_in_query_order_every_time() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    // Root fields of very different cost, aliases, a fragment and a nested list,
    // each in an order no sorting would produce.
    let q = r#"{
        zeta: committees(first: 64) { totalCount nodes { name code ...F level } }
        me { subject kind }
        alpha: committeeByCode(code: "NGHE_AN") { positions(first: 5) { totalCount nodes { title role } } code }
        __typename
        permissions { roles operation }
    }
    fragment F on Committee { regulation establishedOn }"#;
    for _ in 0..25 {
        let body = app.ordered(&t, q, json!({})).await;
        let data = get(&body, "data");
        assert_eq!(keys(data), ["zeta", "me", "alpha", "__typename", "permissions"]);
        let first = match get(get(data, "zeta"), "nodes") {
            GqlValue::List(items) => &items[0],
            other => panic!("{other}"),
        };
        assert_eq!(keys(first), ["name", "code", "regulation", "establishedOn", "level"]);
        assert_eq!(keys(get(data, "me")), ["subject", "kind"]);
        assert_eq!(keys(get(data, "alpha")), ["positions", "code"]);
        assert_eq!(keys(get(get(data, "alpha"), "positions")), ["totalCount", "nodes"]);
    }
}

#[tokio::test]
async fn a_lookup_outside_reach_is_null_and_the_rest_of_the_response_stays() {
    let app = TestApp::spawn().await;
    let t = app.token(&["OFFICER@NGHE_AN"]);
    let q = r#"{ me { subject } committeeByCode(code: "HA_TINH") { name } after: committeeByCode(code: "NGHE_AN") { code } }"#;
    for _ in 0..10 {
        let body = app.ordered(&t, q, json!({})).await;
        let data = get(&body, "data");
        assert_eq!(keys(data), ["me", "committeeByCode", "after"]);
        assert_eq!(get(data, "committeeByCode"), &GqlValue::Null);
        assert_eq!(get(get(data, "after"), "code"), &GqlValue::String("NGHE_AN".into()));
    }
    let (_, body) = app.gql(&t, q, json!({})).await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body:#}");
    assert_eq!(code(&body), "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["committeeByCode"]));
}

#[tokio::test]
async fn a_failing_non_null_field_nulls_its_nearest_nullable_parent_once() {
    let app = TestApp::spawn().await;
    // An analyst reads committees but not seats: the non-null `positions` fails.
    let t = app.token(&["ANALYST@CENTRAL"]);
    let q = r#"{ committeeByCode(code: "NGHE_AN") { name positions(first: 1) { totalCount } } me { subject } }"#;
    let body = app.ordered(&t, q, json!({})).await;
    let data = get(&body, "data");
    assert_eq!(keys(data), ["committeeByCode", "me"]);
    assert_eq!(get(data, "committeeByCode"), &GqlValue::Null);
    let (_, body) = app.gql(&t, q, json!({})).await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "one error per failed field: {body:#}");
    assert_eq!(errors[0]["path"], json!(["committeeByCode", "positions"]));
    assert_eq!(code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn a_failing_nullable_field_inside_a_list_is_null_where_it_failed_and_its_siblings_stay() {
    let app = TestApp::spawn().await;
    let t = app.token(&["OFFICER@CENTRAL"]);
    let q = r#"{ cases(first: 2) { nodes { code defendants(first: 1, after: "forged") { totalCount } title } } me { subject } }"#;
    let body = app.ordered(&t, q, json!({})).await;
    let data = get(&body, "data");
    assert_eq!(keys(data), ["cases", "me"]);
    let nodes = match get(get(data, "cases"), "nodes") {
        GqlValue::List(items) => items.clone(),
        other => panic!("{other}"),
    };
    assert_eq!(nodes.len(), 2);
    for node in &nodes {
        assert_eq!(keys(node), ["code", "defendants", "title"]);
        assert_eq!(get(node, "defendants"), &GqlValue::Null);
        assert!(matches!(get(node, "code"), GqlValue::String(_)), "{node}");
    }
    let (_, body) = app.gql(&t, q, json!({})).await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "one error per failed field: {body:#}");
    let mut paths: Vec<String> = errors.iter().map(|e| e["path"].to_string()).collect();
    paths.sort();
    assert_eq!(paths, [r#"["cases","nodes",0,"defendants"]"#, r#"["cases","nodes",1,"defendants"]"#]);
    assert!(errors.iter().all(|e| e["extensions"]["code"] == "BAD_USER_INPUT"), "{body:#}");
}

#[tokio::test]
async fn a_failing_non_null_root_field_makes_data_null() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let q = "{ me { subject } committees(first: 1, after: \"forged\") { totalCount } }";
    let (status, body) = app.gql(&t, q, json!({})).await;
    assert_eq!(status, 200);
    assert!(body.as_object().unwrap().contains_key("data"), "{body:#}");
    assert_eq!(body["data"], serde_json::Value::Null);
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["path"], json!(["committees"]));
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn node_and_nodes_answer_a_bad_or_missing_id_the_same_way() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let good = app.committee_id("NGHE_AN").await;
    // A well-formed id of a record that does not exist.
    let missing = "Q29tbWl0dGVlOjk5OTk5OQ"; // Committee:999999
    let q = "query($ids: [ID!]!, $bad: ID!, $missing: ID!) {
        nodes(ids: $ids) { id }
        bad: node(id: $bad) { id }
        missing: node(id: $missing) { id }
    }";
    let vars = json!({ "ids": [good, "garbage", missing], "bad": "garbage", "missing": missing });
    let (_, body) = app.gql(&t, q, vars).await;
    assert_eq!(body["data"]["nodes"], json!([{ "id": good }, null, null]), "{body:#}");
    assert_eq!(body["data"]["bad"], serde_json::Value::Null);
    assert_eq!(body["data"]["missing"], serde_json::Value::Null);
    let mut seen: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].to_string(), e["extensions"]["code"].as_str().unwrap().to_owned()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (r#"["bad"]"#.to_owned(), "BAD_USER_INPUT".to_owned()),
            (r#"["missing"]"#.to_owned(), "NOT_FOUND".to_owned()),
            (r#"["nodes",1]"#.to_owned(), "BAD_USER_INPUT".to_owned()),
            (r#"["nodes",2]"#.to_owned(), "NOT_FOUND".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_request_error_has_no_data_entry_and_a_field_error_keeps_it() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let (_, body) = app.gql(&t, "{ nope }", json!({})).await;
    assert!(!body.as_object().unwrap().contains_key("data"), "{body:#}");
    let (_, body) = app.gql(&t, r#"{ committee(id: "garbage") { id } }"#, json!({})).await;
    assert_eq!(body["data"], json!({ "committee": null }));
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["id"]));
}

#[tokio::test]
async fn an_omitted_optional_variable_leaves_its_argument_out() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let q = "query($first: Int, $after: String, $f: CommitteeFilter, $ids: [ID!]) {
        committees(first: $first, after: $after, filter: $f) { totalCount }
        nodes(ids: $ids) { id }
    }";
    let data = app.data(&t, q, json!({ "first": 2, "ids": [] })).await;
    assert_eq!(data["committees"]["totalCount"], 64);
    // Inside an input object too: the field is simply not given.
    let q = "query($level: CommitteeLevel) { committees(first: 1, filter: {level: $level}) { totalCount } }";
    assert_eq!(app.data(&t, q, json!({})).await["committees"]["totalCount"], 64);
}

#[tokio::test]
async fn a_page_size_out_of_range_anywhere_is_a_request_error_and_nothing_runs() {
    let app = TestApp::spawn().await;
    let t = app.token(&["OFFICER@CENTRAL"]);
    let before = app.statements();
    // At the root, nested, behind a fragment, through a variable (and its
    // default), with both or neither: each refused before anything runs, so
    // the good lookup beside it is not half answered.
    let cases: [(&str, Value, &str); 7] = [
        ("{ me { subject } cases(first: 500) { totalCount } }", json!({}), "first"),
        ("{ me { subject } cases(first: 1) { nodes { defendants(first: 0) { totalCount } } } }", json!({}), "first"),
        ("{ me { subject } ...F } fragment F on Query { committees(first: 101) { totalCount } }", json!({}), "first"),
        ("query($n: Int) { me { subject } people(first: $n) { totalCount } }", json!({ "n": 1000 }), "first"),
        ("query($n: Int = -1) { me { subject } people(first: $n) { totalCount } }", json!({}), "first"),
        ("{ me { subject } positions(first: 1, last: 1) { totalCount } }", json!({}), "last"),
        ("{ me { subject } agencies { totalCount } }", json!({}), "first"),
    ];
    for (q, vars, arg) in cases {
        let (status, body) = app.gql(&t, q, vars).await;
        assert!(status == 200 || status == 400, "{q}: {status}");
        assert!(body.get("data").is_none(), "a request error has no data: {q}: {body}");
        assert_eq!(code(&body), "BAD_USER_INPUT", "{q}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "INVALID_ARGUMENT", "{q}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!([arg]), "{q}: {body}");
        assert!(body["errors"][0]["locations"].is_array(), "{q}: {body}");
    }
    assert_eq!(app.statements(), before, "a refused request ran statements");
    // In range, the same documents run.
    let data =
        app.data(&t, "query($n: Int = 2) { me { subject } people(first: $n) { nodes { id } } }", json!({})).await;
    assert_eq!(data["people"]["nodes"].as_array().unwrap().len(), 2);
}
