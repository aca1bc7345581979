//! The request pipeline lives in the schema, not in HTTP: operations executed
//! straight through `schema.execute` (as a WebSocket route, the CLI or a test
//! would) meet the same limits, gate, timeout and error codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use async_graphql::{Request, Response, Value};
use steerql::config::Limits;
use steerql::domain::{Grant, Principal, PrincipalKind};
use steerql::graphql::pipeline::{self, Budget};
use steerql::graphql::{RequestContext, build_schema};

fn principal(grants: &[&str]) -> Principal {
    Principal {
        subject: "pipeline-test".into(),
        name: None,
        kind: PrincipalKind::Person,
        grants: grants.iter().map(|g| g.parse::<Grant>().unwrap()).collect(),
        agency: None,
    }
}

struct Direct {
    db: steerql::db::Db,
    limits: Limits,
    _guard: common::DatabaseGuard,
}

impl Direct {
    async fn new(limits: Limits) -> Direct {
        let (db, _, guard) = common::fresh_database().await;
        Direct { db, limits, _guard: guard }
    }

    async fn run(&self, who: Option<&[&str]>, query: &str) -> Response {
        let schema = build_schema(&self.limits);
        let ctx = RequestContext::new(self.db.clone(), who.map(principal), &self.limits);
        schema.execute(Request::new(query).data(ctx)).await
    }
}

fn refusal(response: &Response) -> (String, String) {
    assert!(pipeline::is_request_error(response), "expected a request error: {response:?}");
    let ext = response.errors[0].extensions.as_ref().unwrap();
    let text = |k: &str| match ext.get(k) {
        Some(Value::String(s)) => s.clone(),
        other => panic!("{k}: {other:?}"),
    };
    (text("code"), text("reason"))
}

fn pair(code: &str, reason: &str) -> (String, String) {
    (code.to_owned(), reason.to_owned())
}

#[tokio::test]
async fn operations_executed_without_http_meet_the_same_refusals() {
    let limits = Limits { max_depth: 4, max_aliases: 2, max_root_fields: 2, ..Limits::default() };
    let direct = Direct::new(limits).await;
    let member: Option<&[&str]> = Some(&["MEMBER@CENTRAL"]);

    let deep = "{ committees(first: 1) { nodes { parent { parent { parent { code } } } } } }";
    assert_eq!(refusal(&direct.run(member, deep).await), pair("BAD_USER_INPUT", "MAX_DEPTH"));
    let aliases = "{ a: __typename b: __typename c: __typename }";
    assert_eq!(refusal(&direct.run(member, aliases).await), pair("BAD_USER_INPUT", "MAX_ALIASES"));
    let roots = "{ me { subject } permissions { operation } committees(first: 1) { totalCount } }";
    assert_eq!(refusal(&direct.run(member, roots).await), pair("BAD_USER_INPUT", "MAX_ROOT_FIELDS"));
    let write = r#"mutation { createPerson(input: {fullName: "X", partyMember: true, homeCommitteeId: "x"}) { person { id } } }"#;
    assert_eq!(refusal(&direct.run(member, write).await), pair("FORBIDDEN", "ROLE_MISSING"));
    assert_eq!(refusal(&direct.run(None, "{ me { subject } }").await), pair("UNAUTHENTICATED", "NO_TOKEN"));
    let nested = format!("{{ __typename {} }}", "[".repeat(200));
    assert_eq!(refusal(&direct.run(member, &nested).await), pair("BAD_USER_INPUT", "MAX_RECURSION"));
    assert_eq!(refusal(&direct.run(member, "{ me ").await), pair("BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED"));
    let two = "query A { __typename } query B { __typename }";
    assert_eq!(refusal(&direct.run(member, two).await), pair("BAD_USER_INPUT", "UNKNOWN_OPERATION"));
    assert_eq!(refusal(&direct.run(member, "{ nope }").await), pair("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"));
}

#[tokio::test]
async fn a_read_only_transport_refuses_mutations_in_the_pipeline() {
    let direct = Direct::new(Limits::default()).await;
    let schema = build_schema(&direct.limits);
    let ctx = RequestContext::new(direct.db.clone(), Some(principal(&["ADMIN@CENTRAL"])), &direct.limits).read_only();
    let write = r#"mutation { createPerson(input: {fullName: "X", partyMember: true, homeCommitteeId: "x"}) { person { id } } }"#;
    let response = schema.execute(Request::new(write).data(ctx)).await;
    assert_eq!(refusal(&response), pair("BAD_USER_INPUT", "MUTATION_OVER_GET"));
}

#[tokio::test]
async fn a_timed_out_operation_is_answered_timeout_by_the_pipeline() {
    let limits = Limits { request_timeout: Duration::ZERO, ..Limits::default() };
    let direct = Direct::new(limits).await;
    let write = direct.db.begin_write().await.unwrap();
    steerql::db::seed::load_demo(&write.txn).await.unwrap();
    write.commit().await.unwrap();
    // Many statements, one after another, each a round trip: no time at all is too short.
    let q = "{ committees(first: 100) { totalCount nodes { parent { code } positions(first: 100) { totalCount nodes { person { fullName } } } } } }";
    let response = direct.run(Some(&["MEMBER@CENTRAL"]), q).await;
    assert_eq!(refusal(&response), pair("TIMEOUT", "REQUEST_TIMEOUT"));
}

#[tokio::test]
async fn the_operations_of_a_batch_share_one_complexity_budget() {
    let limits = Limits { max_complexity: 1000, ..Limits::default() };
    let direct = Direct::new(limits.clone()).await;
    let schema = build_schema(&limits);
    // About 600 each: one fits the budget, two do not.
    let q = "{ committees(first: 100) { nodes { code name level province regulation } } }";
    let budget = Budget::new(limits.max_complexity);
    let who = Some(principal(&["MEMBER@CENTRAL"]));
    let first = schema
        .execute(Request::new(q).data(RequestContext::in_batch(direct.db.clone(), who.clone(), budget.clone())))
        .await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let second = schema.execute(Request::new(q).data(RequestContext::in_batch(direct.db.clone(), who, budget))).await;
    assert_eq!(refusal(&second), pair("BAD_USER_INPUT", "MAX_COMPLEXITY"));
}

#[tokio::test]
async fn an_operation_seen_before_is_answered_alike_and_still_gated_and_limited_for_each_request() {
    let limits = Limits { max_complexity: 100, ..Limits::default() };
    let direct = Direct::new(limits.clone()).await;
    let write = direct.db.begin_write().await.unwrap();
    steerql::db::seed::load_demo(&write.txn).await.unwrap();
    write.commit().await.unwrap();
    // One schema, so the second request finds the first's checked document.
    let schema = build_schema(&limits);
    let run = |who: Option<&[&str]>, n: i64| {
        let ctx = RequestContext::new(direct.db.clone(), who.map(principal), &limits);
        let vars = async_graphql::Variables::from_json(serde_json::json!({ "n": n }));
        let q = "query($n: Int!) { committees(first: $n) { nodes { code } } }";
        schema.execute(Request::new(q).variables(vars).data(ctx))
    };
    let member: Option<&[&str]> = Some(&["MEMBER@CENTRAL"]);
    let first = run(member, 2).await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let again = run(member, 2).await;
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!(again.data, first.data);
    // The same text without a token: the gate still runs for this caller.
    assert_eq!(refusal(&run(None, 2).await), pair("UNAUTHENTICATED", "NO_TOKEN"));
    // Other variables are validated for themselves: a page of 100 costs more
    // than this server's 100, and a page of 1,000 is over the page size.
    assert_eq!(refusal(&run(member, 100).await), pair("BAD_USER_INPUT", "MAX_COMPLEXITY"));
    assert_eq!(refusal(&run(member, 100).await), pair("BAD_USER_INPUT", "MAX_COMPLEXITY"));
    assert_eq!(refusal(&run(member, 1000).await), pair("BAD_USER_INPUT", "INVALID_ARGUMENT"));
}
