//! GraphQL over HTTP: media types, methods, status codes, limits, and errors
//! that always carry a code and never leak internals.

// Tests fail by panicking; unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Options, TestApp, code};
use serde_json::{Value, json};
use steerql::config::Limits;

async fn post_raw(app: &TestApp, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let token = app.token(&["MEMBER@CENTRAL"]);
    let res = app
        .client
        .post(&app.url)
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let base = format!("http://{}", app.addr);
    assert_eq!(app.client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(app.client.get(format!("{base}/readyz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn simple_cross_site_bodies_are_refused_with_415() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let mutation = r#"{"query":"mutation { createPerson(input: {fullName: \"x\", partyMember: true, homeCommitteeId: \"x\"}) { person { id } } }"}"#;
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
    ] {
        let (status, body) = post_raw(&app, ct, mutation).await;
        assert_eq!(status, 415, "{ct}");
        assert_eq!(code(&body), "BAD_USER_INPUT", "{ct}");
    }
}

#[tokio::test]
async fn a_mutation_over_get_is_405_and_a_query_over_get_works() {
    let app = TestApp::spawn().await;
    let token = app.token(&["ADMIN@CENTRAL"]);
    let res = app
        .client
        .get(&app.url)
        .bearer_auth(&token)
        .query(&[("query", "mutation { updatePerson(input: {id: \"x\"}) { person { id } } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    let res = app
        .client
        .get(&app.url)
        .bearer_auth(&token)
        .query(&[("query", "{ committees(first: 1) { totalCount } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["committees"]["totalCount"], 64);
    let res = app.client.put(&app.url).send().await.unwrap();
    assert_eq!(res.status(), 405);
}

#[tokio::test]
async fn the_body_limit_is_enforced_by_the_server_itself() {
    let limits = Limits { max_body_bytes: 1024, ..Limits::default() };
    let app = TestApp::spawn_with(Options { seed: false, limits, ..Default::default() }).await;
    let big = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(4096)) }).to_string();
    let (status, body) = post_raw(&app, "application/json", big).await;
    assert_eq!(status, 413);
    assert_eq!(body["errors"][0]["extensions"]["reason"], "MAX_BODY_BYTES");
}

#[tokio::test]
async fn the_response_format_follows_accept() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    for (accept, content_type, parse_status) in [
        ("application/json", "application/json; charset=utf-8", 200),
        ("application/graphql-response+json", "application/graphql-response+json; charset=utf-8", 400),
    ] {
        let ok = app
            .client
            .post(&app.url)
            .bearer_auth(&token)
            .header("accept", accept)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.headers()["content-type"], content_type);
        let bad = app
            .client
            .post(&app.url)
            .bearer_auth(&token)
            .header("accept", accept)
            .json(&json!({ "query": "{" }))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), parse_status, "{accept}");
        let body: Value = bad.json().await.unwrap();
        assert!(body.get("data").is_none());
        assert_eq!(code(&body), "BAD_USER_INPUT");
    }
    let res = app
        .client
        .post(&app.url)
        .header("accept", "text/csv")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 406);
}

#[tokio::test]
async fn parse_errors_do_not_echo_the_query_back() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let secret = "s3cr3t_".repeat(200);
    let (_, body) = app.gql(&token, &format!("{{ committees(first: 1) {{ {secret} "), json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["reason"], "GRAPHQL_PARSE_FAILED");
    assert!(!body.to_string().contains("s3cr3t_s3cr3t_"), "{body}");
}

#[tokio::test]
async fn abusive_queries_are_refused_with_a_named_limit() {
    let limits = Limits {
        max_depth: 6,
        max_aliases: 3,
        max_root_fields: 2,
        max_complexity: 500,
        max_batch: 2,
        max_directives: 2,
        ..Limits::default()
    };
    let app = TestApp::spawn_with(Options { limits, ..Default::default() }).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let cases = [
        (
            "{ committees(first: 1) { nodes { parent { parent { parent { parent { parent { code } } } } } } } }",
            "MAX_DEPTH",
        ),
        ("{ a: __typename b: __typename c: __typename d: __typename }", "MAX_ALIASES"),
        ("{ me { subject } permissions { operation } committees(first: 1) { totalCount } }", "MAX_ROOT_FIELDS"),
        ("{ committees(first: 100) { nodes { positions(first: 100) { nodes { title } } } } }", "MAX_COMPLEXITY"),
        ("{ __typename @skip(if: false) @include(if: true) @skip(if: false) }", "MAX_DIRECTIVES"),
        (&format!("{}{}", "{ me ".repeat(200), "}".repeat(200)), "MAX_RECURSION"),
        ("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }", "MAX_RECURSION"),
        ("{ committee(id: 1) { nope } }", "GRAPHQL_VALIDATION_FAILED"),
    ];
    for (query, reason) in cases {
        let (status, body) = app.gql(&token, query, json!({})).await;
        assert_eq!(status, 200, "{reason}");
        assert_eq!(code(&body), "BAD_USER_INPUT", "{reason}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], reason, "{body}");
    }
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let res = app.client.post(&app.url).bearer_auth(&token).json(&batch).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["reason"], "MAX_BATCH");
    let ok = json!([{ "query": "{ __typename }" }, { "query": "{ me { subject } }" }]);
    let res = app.client.post(&app.url).bearer_auth(&token).json(&ok).send().await.unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[1]["data"]["me"]["subject"], "tester");
}

#[tokio::test]
async fn the_production_profile_hides_introspection_and_suggestions() {
    let app =
        TestApp::spawn_with(Options { seed: false, limits: Limits::default().production(), ..Default::default() })
            .await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let (_, body) = app.gql(&token, "{ __schema { types { name } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["reason"], "INTROSPECTION_DISABLED", "{body}");
    let (_, body) = app.gql(&token, "{ commitees(first: 1) { totalCount } }", json!({})).await;
    assert!(!body.to_string().contains("Did you mean"), "{body}");
    let res = app.client.get(&app.url).header("accept", "text/html").send().await.unwrap();
    assert_ne!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/html; charset=utf-8"));

    let dev = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let res = dev.client.get(&dev.url).header("accept", "text/html").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn every_error_carries_a_code_and_no_internals() {
    let app = TestApp::spawn().await;
    let token = app.token(&["ADMIN@CENTRAL"]);
    for query in [
        "{ nope }",
        "{ committees(first: \"x\") { totalCount } }",
        "query($d: Date!) { positions(first: 1, filter: {held: {on: $d}}) { totalCount } }",
        "{ committee(id: \"bm90IGFuIGlk\") { code } }",
        "mutation { endPosition(input: {id: \"UG9zaXRpb246OTk5OTk5\", endOn: \"2025-01-01\"}) { position { id } } }",
    ] {
        let (_, body) = app.gql(&token, query, json!({ "d": "31/12/2024" })).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| panic!("{query}: {body}"));
        for e in errors {
            assert!(e["extensions"]["code"].is_string(), "{query}: {e}");
            let text = e.to_string().to_lowercase();
            for leak in ["select ", "sqlx", "sqlite", "postgres", "/src/", "panicked"] {
                assert!(!text.contains(leak), "{query} leaks {leak}: {e}");
            }
        }
    }
}

#[tokio::test]
async fn a_request_past_its_timeout_is_answered_with_timeout_not_dropped() {
    // A deadline already past when the first statement is sent: the request
    // cannot finish in time, deterministically.
    let limits = Limits { request_timeout: std::time::Duration::from_nanos(1), ..Limits::default() };
    let app = TestApp::spawn_with(Options { limits, ..Default::default() }).await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    let q = "{ committees(first: 100) { totalCount nodes { parent { code } positions(first: 100) { totalCount } } } }";
    let (status, body) = app.gql(&token, q, json!({})).await;
    assert_eq!(status, 503);
    assert_eq!(code(&body), "TIMEOUT");
}

#[tokio::test]
async fn an_empty_bearer_is_an_anonymous_caller_who_may_introspect_but_not_query() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let post = |query: &'static str| {
        app.client.post(&app.url).header("authorization", "Bearer ").json(&json!({ "query": query })).send()
    };
    let res = post("{ __schema { queryType { name } } }").await.unwrap();
    assert_eq!(res.status(), 200);
    let res = post("{ me { subject } }").await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn refusals_before_execution_answer_in_the_negotiated_media_type() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let res = app
        .client
        .post(&app.url)
        .header("accept", "application/graphql-response+json")
        .bearer_auth("not.a.token")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let media = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(media.starts_with("application/graphql-response+json"), "{media}");
}

/// The `src`/`href` values of a page.
fn asset_links(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').unwrap();
            links.push(rest[..end].to_string());
        }
    }
    links
}

#[tokio::test]
async fn graphiql_loads_every_asset_from_this_server_and_none_in_production() {
    let dev = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let res = dev.client.get(&dev.url).header("accept", "text/html").send().await.unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{csp}");
    assert!(!csp.contains("http"), "the policy names no other origin: {csp}");
    let links = asset_links(&res.text().await.unwrap());
    assert_eq!(links.len(), 5, "{links:?}");
    let base = format!("http://{}", dev.addr);
    for link in &links {
        // Root-relative: never another origin, never a scheme-relative `//host`.
        assert!(link.starts_with('/') && !link.starts_with("//") && !link.contains(':'), "{link}");
        let res = dev.client.get(format!("{base}{link}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{link}");
        let media = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(media.starts_with("text/javascript") || media.starts_with("text/css"), "{link}: {media}");
        assert!(!res.bytes().await.unwrap().is_empty(), "{link}");
    }

    let production =
        TestApp::spawn_with(Options { seed: false, limits: Limits::default().production(), ..Default::default() })
            .await;
    let base = format!("http://{}", production.addr);
    for link in &links {
        let res = production.client.get(format!("{base}{link}")).send().await.unwrap();
        assert_eq!(res.status(), 404, "{link} is served in production");
    }
}
