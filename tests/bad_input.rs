//! Hostile input gets a clean `BAD_USER_INPUT` (or 401), never `INTERNAL`,
//! and the same answer on SQLite and PostgreSQL: CI runs this table on both.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{TestApp, token_for};
use serde_json::{Value, json};

/// One hostile request and the answer it must get.
struct Case {
    what: &'static str,
    query: &'static str,
    variables: Value,
    /// The `extensions.field` the error must carry.
    field: Value,
    /// Refused before execution (no `data` entry) or a field error.
    request_error: bool,
}

fn forged(json: &str) -> String {
    URL_SAFE_NO_PAD.encode(json)
}

fn cases(home: &str) -> Vec<Case> {
    let positions = "query($d: Date) { positions(first: 5, filter: {held: {on: $d}}) { totalCount } }";
    let names = "query($n: String) { committees(first: 5, filter: {nameContains: $n}) { totalCount } }";
    let after = "query($a: String) { positions(first: 5, after: $a) { totalCount } }";
    let by_id = "query($id: ID!) { committee(id: $id) { code } }";
    vec![
        Case {
            what: "NUL in a variable",
            query: names,
            variables: json!({"n": "ngh\u{0}e"}),
            field: json!(["$n"]),
            request_error: true,
        },
        Case {
            what: "escape sequence in a variable",
            query: names,
            variables: json!({"n": "\u{1b}[31mred"}),
            field: json!(["$n"]),
            request_error: true,
        },
        Case {
            what: "NUL in a literal",
            query: r#"{ committeeByCode(code: "NGHE\u0000AN") { name } }"#,
            variables: json!({}),
            field: json!(["code"]),
            request_error: true,
        },
        Case {
            what: "NUL inside an input object literal",
            query: r#"{ people(first: 1, filter: {nameContains: "a\u0000"}) { totalCount } }"#,
            variables: json!({}),
            field: json!(["filter", "nameContains"]),
            request_error: true,
        },
        Case {
            what: "a date far in the past",
            query: positions,
            variables: json!({"d": "-5000-01-01"}),
            field: json!(["$d"]),
            request_error: true,
        },
        Case {
            what: "a five-digit year",
            query: positions,
            variables: json!({"d": "+10000-01-01"}),
            field: json!(["$d"]),
            request_error: true,
        },
        Case {
            what: "a date without padding",
            query: positions,
            variables: json!({"d": "2024-7-8"}),
            field: json!(["$d"]),
            request_error: true,
        },
        Case {
            what: "a date with a leading space",
            query: positions,
            variables: json!({"d": " 2024-01-01"}),
            field: json!(["$d"]),
            request_error: true,
        },
        Case {
            what: "a bad date literal",
            query: r#"{ positions(first: 5, filter: {held: {on: "2024-7-8"}}) { totalCount } }"#,
            variables: json!({}),
            field: json!(["filter", "held", "on"]),
            request_error: true,
        },
        Case {
            what: "an Int out of range",
            query: "query($n: Int) { committees(first: $n) { totalCount } }",
            variables: json!({"n": 2_147_483_648_u64}),
            field: json!(["$n"]),
            request_error: true,
        },
        Case {
            what: "an unknown input field",
            query: "query($f: SeatFilter) { positions(first: 1, filter: $f) { totalCount } }",
            variables: json!({"f": {"nope": 1}}),
            field: json!(["$f", "nope"]),
            request_error: true,
        },
        Case {
            what: "a cursor with a number for a date",
            query: after,
            variables: json!({"a": forged(r#"{"o":"START_ON","k":5,"i":1}"#)}),
            field: json!(["after"]),
            request_error: false,
        },
        Case {
            what: "a cursor with a five-digit year",
            query: after,
            variables: json!({"a": forged(r#"{"o":"START_ON","k":"+10000-01-01","i":1}"#)}),
            field: json!(["after"]),
            request_error: false,
        },
        Case {
            what: "a cursor with a negative id",
            query: after,
            variables: json!({"a": forged(r#"{"o":"START_ON","k":"2024-01-01","i":-1}"#)}),
            field: json!(["after"]),
            request_error: false,
        },
        Case {
            what: "a cursor in another spelling",
            query: after,
            variables: json!({"a": forged(r#"{"i":1,"k":"2024-01-01","o":"START_ON"}"#)}),
            field: json!(["after"]),
            request_error: false,
        },
        Case {
            what: "an id with a plus sign",
            query: by_id,
            variables: json!({"id": forged("Committee:+1")}),
            field: json!(["id"]),
            request_error: false,
        },
        Case {
            what: "an id with a leading zero",
            query: by_id,
            variables: json!({"id": forged("Committee:01")}),
            field: json!(["id"]),
            request_error: false,
        },
        Case {
            what: "an id past i64",
            query: by_id,
            variables: json!({"id": forged("Committee:99999999999999999999")}),
            field: json!(["id"]),
            request_error: false,
        },
        Case {
            what: "a bidi override in a name",
            query: r#"mutation($h: ID!) { createPerson(input: {fullName: "Lê Văn\u202E A", partyMember: true, homeCommitteeId: $h}) { person { id } } }"#,
            variables: json!({"h": home}),
            field: json!(["input", "fullName"]),
            request_error: false,
        },
        Case {
            what: "a zero-width space in a name",
            query: r#"mutation($h: ID!) { createPerson(input: {fullName: "Lê\u200BVăn A", partyMember: true, homeCommitteeId: $h}) { person { id } } }"#,
            variables: json!({"h": home}),
            field: json!(["input", "fullName"]),
            request_error: false,
        },
    ]
}

#[tokio::test]
async fn every_hostile_input_in_the_table_is_bad_user_input_naming_its_field() {
    let app = TestApp::spawn().await;
    let t = app.token(&["ADMIN@CENTRAL", "MEMBER@CENTRAL"]);
    let mut wrong = Vec::new();
    let home = app.committee_id("NGHE_AN").await;
    for case in cases(&home) {
        let (status, body) = app.gql(&t, case.query, case.variables.clone()).await;
        let err = &body["errors"][0];
        let got = (
            status.as_u16(),
            err["extensions"]["code"].as_str().unwrap_or("<none>").to_owned(),
            err["extensions"]["field"].clone(),
            body.as_object().is_some_and(|o| !o.contains_key("data")),
        );
        let expected = (200, "BAD_USER_INPUT".to_owned(), case.field.clone(), case.request_error);
        if got != expected || body["errors"].as_array().map_or(0, Vec::len) != 1 {
            wrong.push(format!("{}: got {got:?}, expected {expected:?}\n  {body}", case.what));
        }
        let text = body.to_string();
        assert!(!text.contains("INTERNAL") && !text.to_lowercase().contains("sql"), "{}: {text}", case.what);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_well_formed_page_of_seats_still_answers_after_the_hostile_ones() {
    let app = TestApp::spawn().await;
    let t = app.token(&["MEMBER@CENTRAL"]);
    let data = app
        .data(
            &t,
            r#"{ positions(first: 2, filter: {held: {on: "2024-07-08"}}) { totalCount edges { cursor } } }"#,
            json!({}),
        )
        .await;
    let cursor = data["positions"]["edges"][1]["cursor"].as_str().unwrap().to_owned();
    let next = app
        .data(&t, "query($a: String) { positions(first: 2, after: $a) { edges { cursor } } }", json!({"a": cursor}))
        .await;
    assert_eq!(next["positions"]["edges"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn tokens_with_oversized_or_control_character_claims_are_refused_with_401() {
    let app = TestApp::spawn().await;
    for sub in
        ["x".repeat(201), "a\u{0}b".to_owned(), "admin\nINFO forged log line".to_owned(), "a\u{202E}b".to_owned()]
    {
        let token = token_for(&sub, &["ADMIN@CENTRAL"], false);
        let (status, body) = app.gql(&token, "{ me { subject } }", json!({})).await;
        assert_eq!(status, 401, "{sub:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let ok = token_for(&"x".repeat(200), &["ADMIN@CENTRAL"], false);
    assert_eq!(app.gql(&ok, "{ me { subject } }", json!({})).await.0, 200);
}

/// The named type of an introspected `type` reference (through lists and non-null).
fn named(ty: &Value) -> (&str, &str) {
    let mut ty = ty;
    while ty["ofType"].is_object() {
        ty = &ty["ofType"];
    }
    (ty["kind"].as_str().unwrap(), ty["name"].as_str().unwrap())
}

#[tokio::test]
async fn a_string_where_an_enum_is_expected_is_refused_for_every_enum_argument_and_input_field() {
    let app = TestApp::spawn().await;
    let token = app.token(&["ADMIN@CENTRAL", "STANDING@CENTRAL", "AUDITOR@CENTRAL", "ANALYST@CENTRAL"]);
    let type_ref = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";
    let q = format!(
        "{{ __schema {{ queryType {{ name }} mutationType {{ name }} types {{ name kind
            fields {{ name args {{ name type {{ {type_ref} }} }} }}
            inputFields {{ name type {{ {type_ref} }} }} }} }} }}"
    );
    let schema = app.data(&token, &q, json!({})).await["__schema"].clone();
    let types: std::collections::HashMap<&str, &Value> =
        schema["types"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap(), t)).collect();
    let mut tried = 0;
    for (keyword, root) in [("query", &schema["queryType"]["name"]), ("mutation", &schema["mutationType"]["name"])] {
        for field in types[root.as_str().unwrap()]["fields"].as_array().unwrap() {
            for arg in field["args"].as_array().unwrap() {
                let (kind, name) = named(&arg["type"]);
                // (literal, the field the refusal names)
                let mut literals = Vec::new();
                if kind == "ENUM" {
                    literals.push(("\"X\"".to_owned(), json!([arg["name"]])));
                } else if kind == "INPUT_OBJECT" {
                    for input in types[name]["inputFields"].as_array().unwrap_or(&Vec::new()) {
                        if named(&input["type"]).0 == "ENUM" {
                            literals.push((
                                format!("{{{}: \"X\"}}", input["name"].as_str().unwrap()),
                                json!([arg["name"], input["name"]]),
                            ));
                        }
                    }
                }
                for (literal, path) in literals {
                    let doc = format!(
                        "{keyword} {{ {}({}: {literal}) {{ __typename }} }}",
                        field["name"].as_str().unwrap(),
                        arg["name"].as_str().unwrap()
                    );
                    let (_, body) = app.gql(&token, &doc, json!({})).await;
                    assert_eq!(common::code(&body), "BAD_USER_INPUT", "{doc}: {body}");
                    assert_eq!(body["errors"][0]["extensions"]["reason"], "INVALID_ARGUMENT", "{doc}: {body}");
                    assert_eq!(body["errors"][0]["extensions"]["field"], path, "{doc}: {body}");
                    assert!(body.get("data").is_none(), "{doc}: {body}");
                    tried += 1;
                }
            }
        }
    }
    assert!(tried >= 10, "enum arguments and input fields tried: {tried}");
    // Written as an enum value, the same literal goes through to execution.
    let (_, body) = app.gql(&token, "{ cases(first: 1, filter: {kind: CASE}) { totalCount } }", json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn an_unknown_directive_or_an_argument_is_refused_on_typename_as_on_any_other_field() {
    let app = TestApp::spawn().await;
    let token = app.token(&["MEMBER@CENTRAL"]);
    for doc in [
        "{ __typename @nope }",
        "{ committees(first: 1) { nodes { __typename @nope } } }",
        "{ __typename(x: 1) }",
        "{ __typename @deprecated }",
        "{ committees(first: 1) @nope { totalCount } }",
    ] {
        let (_, body) = app.gql(&token, doc, json!({})).await;
        assert_eq!(common::code(&body), "BAD_USER_INPUT", "{doc}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "GRAPHQL_VALIDATION_FAILED", "{doc}: {body}");
        assert!(body.get("data").is_none(), "{doc}: {body}");
    }
    for doc in ["{ __typename @skip(if: false) }", "{ __typename @include(if: true) }"] {
        let (_, body) = app.gql(&token, doc, json!({})).await;
        assert_eq!(body["data"]["__typename"], "Query", "{doc}: {body}");
    }
}

#[test]
fn the_field_check_every_response_passes_refuses_a_path_that_names_no_argument() {
    let step = "mutation($id: ID!) { t: transitionCase(input: {id: $id, transition: INDICT}) { case { id } } }";
    let at = |field: Value| json!({ "errors": [{ "path": ["t"], "extensions": { "field": field } }] });
    // What the server answered for a derived code too long, before issue 21.
    for wrong in
        [json!(["input", "code"]), json!(["$nope"]), json!(["transition"]), json!(["input", "transition", "x"])]
    {
        let caught = std::panic::catch_unwind(|| common::fields_name_arguments(step, &at(wrong.clone())));
        assert!(caught.is_err(), "{wrong} passed");
    }
    for right in [json!(["input", "transition"]), json!(["$id"]), json!(["input", "effectiveOn"])] {
        common::fields_name_arguments(step, &at(right));
    }
    let create = "mutation { createCase(input: {kind: CASE}) { case { id } } }";
    let body = json!({ "errors": [{ "path": ["createCase"], "extensions": { "field": ["input", "code"] } }] });
    common::fields_name_arguments(create, &body);
    let body = json!({ "errors": [{ "path": ["createCase"], "extensions": { "field": ["input", "colour"] } }] });
    assert!(std::panic::catch_unwind(|| common::fields_name_arguments(create, &body)).is_err());
}
