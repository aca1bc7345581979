//! Authentication and authorisation: bad tokens, the permission table, reach
//! across provinces, service accounts, and CLI-issued tokens.

// Tests fail by panicking; unwrapping is how they say so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{Options, SECRET, TestApp, auth_args, code, token_for};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use steerql::config::TokenAlgorithm;
use steerql::domain::{Operation, Role};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn claims() -> Value {
    json!({ "sub": "someone", "exp": now() + 600, "iat": now(), "grants": [{ "role": "MEMBER", "committee": "CENTRAL" }] })
}

fn sign(header: Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn hs(claims: &Value) -> String {
    sign(Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(SECRET.as_bytes()))
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

const READ: &str = "{ committees(first: 1) { totalCount } }";

async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let res = app.client.post(&app.url).bearer_auth(token).json(&json!({ "query": READ })).send().await.unwrap();
    assert_eq!(res.status(), 401, "{case}");
    assert!(res.headers().get("www-authenticate").is_some(), "{case}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "UNAUTHENTICATED", "{case}: {body}");
    assert!(!body.to_string().contains(token), "{case}: the token is echoed");
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused_with_401() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let good = hs(&claims());
    let (status, _) = app.gql(&good, READ, json!({})).await;
    assert_eq!(status, 200);

    let rsa = EncodingKey::from_rsa_pem(include_bytes!("fixtures/rsa_private.pem")).unwrap();
    let none = {
        let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = base64_url(claims().to_string().as_bytes());
        format!("{header}.{payload}.")
    };
    // An HS256 token whose "secret" is the server's public key: the classic confusion.
    let public_as_secret = sign(
        Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(include_bytes!("fixtures/rsa_public.pem")),
    );
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    let cases: Vec<(&str, String)> = vec![
        ("alg none", none),
        ("algorithm not allowed (RS256 without keys)", sign(Header::new(Algorithm::RS256), &claims(), &rsa)),
        ("HS256 signed with a public key", public_as_secret),
        ("bad signature", tampered),
        ("missing exp", hs(&without(claims(), "exp"))),
        ("missing sub", hs(&without(claims(), "sub"))),
        ("expired", hs(&with(claims(), "exp", json!(now() - 3600)))),
        ("exp as a string", hs(&with(claims(), "exp", json!("9999999999")))),
        ("not yet valid", hs(&with(claims(), "nbf", json!(now() + 3600)))),
        ("issued in the future", hs(&with(claims(), "iat", json!(now() + 3600)))),
        (
            "typ is not JWT",
            sign(
                Header { typ: Some("secevent+jwt".into()), ..Header::new(Algorithm::HS256) },
                &claims(),
                &EncodingKey::from_secret(SECRET.as_bytes()),
            ),
        ),
        ("malformed", "not.a.token".into()),
        ("malformed header", format!("{}.{}.sig", base64_url(b"{not json"), base64_url(b"{}"))),
        ("oversized", format!("{}.{}.x", base64_url(&vec![b'a'; 9000]), base64_url(b"{}"))),
        ("unknown role", hs(&with(claims(), "grants", json!([{ "role": "KING", "committee": "CENTRAL" }])))),
        ("line separator in sub", hs(&with(claims(), "sub", json!("officer\u{2028}forged entry")))),
        ("paragraph separator in name", hs(&with(claims(), "name", json!("A\u{2029}B")))),
        ("escape in sub", hs(&with(claims(), "sub", json!("a\u{1b}[2Jb")))),
        ("right-to-left override in sub", hs(&with(claims(), "sub", json!("a\u{202E}b")))),
    ];
    for (case, token) in &cases {
        assert_refused(&app, token, case).await;
    }
    let res = app
        .client
        .post(&app.url)
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": READ }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn issuer_and_audience_are_required_when_configured() {
    let mut auth = auth_args();
    auth.jwt_issuer = Some("https://idp.example".into());
    auth.jwt_audience = Some("steerql".into());
    let app = TestApp::spawn_with(Options { seed: false, auth, ..Default::default() }).await;
    let full = with(with(claims(), "iss", json!("https://idp.example")), "aud", json!("steerql"));
    let (status, _) = app.gql(&hs(&full), READ, json!({})).await;
    assert_eq!(status, 200);
    assert_refused(&app, &hs(&with(full.clone(), "iss", json!("https://evil.example"))), "wrong iss").await;
    assert_refused(&app, &hs(&with(full.clone(), "aud", json!("other"))), "wrong aud").await;
    assert_refused(&app, &hs(&without(full.clone(), "iss")), "missing iss").await;
    assert_refused(&app, &hs(&without(full, "aud")), "missing aud").await;
}

#[tokio::test]
async fn rs256_tokens_verify_against_a_pem_key_and_hs256_is_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("key.pem");
    std::fs::write(&pem, include_bytes!("fixtures/rsa_public.pem")).unwrap();
    let mut auth = auth_args();
    auth.jwt_secret = None;
    auth.jwt_public_key = Some(pem);
    auth.jwt_algorithms = vec![TokenAlgorithm::RS256];
    let app = TestApp::spawn_with(Options { seed: false, auth, ..Default::default() }).await;
    let rsa = EncodingKey::from_rsa_pem(include_bytes!("fixtures/rsa_private.pem")).unwrap();
    let (status, body) = app.gql(&sign(Header::new(Algorithm::RS256), &claims(), &rsa), READ, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_refused(&app, &hs(&claims()), "HS256 when only RS256 is configured").await;
    let ec = EncodingKey::from_ec_pem(include_bytes!("fixtures/ec_private.pem")).unwrap();
    assert_refused(&app, &sign(Header::new(Algorithm::ES256), &claims(), &ec), "ES256 not in the allowed list").await;
}

#[tokio::test]
async fn eddsa_tokens_verify_against_an_ed25519_pem_key() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("ed.pem");
    std::fs::write(&pem, include_bytes!("fixtures/ed_public.pem")).unwrap();
    let mut auth = auth_args();
    auth.jwt_secret = None;
    auth.jwt_public_key = Some(pem);
    let app = TestApp::spawn_with(Options { seed: false, auth, ..Default::default() }).await;
    let ed = EncodingKey::from_ed_pem(include_bytes!("fixtures/ed_private.pem")).unwrap();
    let (status, body) = app.gql(&sign(Header::new(Algorithm::EdDSA), &claims(), &ed), READ, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let rsa = EncodingKey::from_rsa_pem(include_bytes!("fixtures/rsa_private.pem")).unwrap();
    assert_refused(&app, &sign(Header::new(Algorithm::RS256), &claims(), &rsa), "RS256 against an Ed25519 key").await;
}

#[tokio::test]
async fn jwks_keys_are_chosen_by_kid_and_reloaded_when_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, r#"{"keys": []}"#).unwrap();
    let mut auth = auth_args();
    auth.jwt_secret = None;
    auth.jwt_jwks = Some(jwks.clone());
    let app = TestApp::spawn_with(Options { seed: false, auth, ..Default::default() }).await;
    let ec = EncodingKey::from_ec_pem(include_bytes!("fixtures/ec_private.pem")).unwrap();
    let token = sign(Header { kid: Some("ec-2026".into()), ..Header::new(Algorithm::ES256) }, &claims(), &ec);
    assert_refused(&app, &token, "unknown kid").await;

    // Rotate the key in: the file is re-read without a restart. The mtime
    // must differ from the first write's, so set it explicitly.
    std::fs::write(&jwks, include_str!("fixtures/jwks.json")).unwrap();
    let later = SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options().write(true).open(&jwks).unwrap().set_modified(later).unwrap();
    let (status, body) = app.gql(&token, READ, json!({})).await;
    assert_eq!(status, 200, "the rotated-in key was not picked up: {body}");
    let other = sign(Header { kid: Some("other".into()), ..Header::new(Algorithm::ES256) }, &claims(), &ec);
    assert_refused(&app, &other, "kid not in the set").await;
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Where the representative calls act: a committee and a matter it
/// monitors (proposed, handled by its police).
struct Target {
    committee: String,
    case: String,
}

/// One representative call per operation, run against `target`.
async fn call(app: &TestApp, token: &str, op: Operation, target: &Target) -> Value {
    let (committee, case) = (&target.committee, &target.case);
    let query = match op {
        Operation::ReadOrganisation => "{ committees(first: 1) { totalCount } }".to_owned(),
        Operation::ReadMembership => "{ people(first: 1) { totalCount } }".to_owned(),
        Operation::ManageOrganisation => {
            format!(
                "mutation {{ updateCommittee(input: {{id: \"{committee}\", regulation: \"67-QD/TW\"}}) {{ committee {{ id }} }} }}"
            )
        }
        Operation::ReadAuditTrail => "{ auditEvents(first: 1) { totalCount } }".to_owned(),
        Operation::VerifyAuditTrail => format!("{{ verifyAuditTrail(committeeId: \"{committee}\") {{ ok }} }}"),
        Operation::ReadCases => "{ cases(first: 1) { totalCount } }".to_owned(),
        Operation::ReadCaseDetails => format!("{{ case(id: \"{case}\") {{ defendants(first: 1) {{ totalCount }} }} }}"),
        Operation::ManageCases => {
            format!("mutation {{ updateCase(input: {{id: \"{case}\", summary: \"Checked\"}}) {{ case {{ id }} }} }}")
        }
        Operation::RecordProcedure => {
            format!(
                "mutation {{ addDefendant(input: {{caseId: \"{case}\", fullName: \"Bị Can Thử\"}}) {{ defendant {{ id }} }} }}"
            )
        }
        Operation::DecideMonitoring => format!(
            "mutation {{ transitionCase(input: {{id: \"{case}\", transition: TAKE_UNDER_MONITORING, \
             effectiveOn: \"2024-06-01\", decisionRef: \"1/QD\"}}) {{ case {{ id }} }} }}"
        ),
        Operation::ReadStatistics => format!(
            "{{ statistics(committeeIds: [\"{committee}\"], from: \"2024-01-01\", to: \"2024-06-30\") \
             {{ total {{ figures {{ mattersUnderMonitoring }} }} }} }}"
        ),
    };
    app.gql(token, &query, json!({})).await.1
}

#[tokio::test]
async fn the_permission_table_is_enforced_for_every_role_and_operation() {
    let app = TestApp::spawn().await;
    let committee = app.committee_id("NGHE_AN").await;
    let agencies = app
        .data(
            &app.token(&["ADMIN@CENTRAL"]),
            "{ committeeByCode(code: \"NGHE_AN\") { agencies(first: 20) { nodes { id kind } } } }",
            json!({}),
        )
        .await;
    let police = agencies["committeeByCode"]["agencies"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "POLICE")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let create = "mutation($c: ID!, $a: ID!) { createCase(input: {kind: CASE, code: \"NA-P-1\", title: \"Thử\",
      field: LAND, source: PRESS, committeeId: $c, handlingAgencyId: $a, openedOn: \"2024-01-02\"}) { case { id } } }";
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let case = app.data(&officer, create, json!({ "c": committee, "a": police })).await["createCase"]["case"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let target = Target { committee, case };
    for role in Role::ALL {
        // An AGENCY role acts for an agency, here the one handling the matter.
        let grant = format!("{role}@NGHE_AN");
        let token = common::token_with_agency("tester", &[&grant], false, Some(&police));
        for op in Operation::ALL {
            let body = call(&app, &token, op, &target).await;
            if op.allows(role) {
                assert!(body.get("errors").is_none(), "{role} should be allowed {op:?}: {body}");
            } else {
                assert_eq!(code(&body), "FORBIDDEN", "{role} should be refused {op:?}: {body}");
                let message = body["errors"][0]["message"].as_str().unwrap();
                // Case details are refused at `case` itself to roles that may not read cases.
                let named = message.contains(op.name())
                    || (op == Operation::ReadCaseDetails && message.contains(Operation::ReadCases.name()));
                assert!(named, "the refusal names the operation: {message}");
            }
        }
    }
}

#[tokio::test]
async fn every_root_field_of_the_schema_has_a_permission_rule() {
    let schema = steerql::graphql::build_schema(&Default::default());
    let fields = steerql::graphql::root_fields(&schema);
    let listed: std::collections::BTreeSet<String> =
        steerql::domain::permissions::ROOT_FIELDS.iter().map(|(n, _)| (*n).to_owned()).collect();
    let missing: Vec<_> = fields.difference(&listed).collect();
    assert!(missing.is_empty(), "root fields without a rule (default deny refuses them): {missing:?}");
    let stale: Vec<_> = listed.difference(&fields).collect();
    assert!(stale.is_empty(), "rules for fields the schema no longer has: {stale:?}");
}

#[tokio::test]
async fn every_object_type_of_the_schema_has_a_field_rule_and_every_exception_names_a_real_field() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use steerql::domain::permissions::TYPE_RULES;
    let schema = steerql::graphql::build_schema(&Default::default());
    let doc = async_graphql::parser::parse_schema(schema.sdl()).unwrap();
    let mut types = std::collections::BTreeMap::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(ty) = def
            && let TypeKind::Object(obj) = &ty.node.kind
        {
            let name = ty.node.name.node.to_string();
            // The roots have their own table; connections and edges carry their nodes' rule.
            if matches!(name.as_str(), "Query" | "Mutation") || name.ends_with("Connection") || name.ends_with("Edge") {
                continue;
            }
            let fields: std::collections::BTreeSet<String> =
                obj.fields.iter().map(|f| f.node.name.node.to_string()).collect();
            types.insert(name, fields);
        }
    }
    let missing: Vec<_> = types.keys().filter(|t| !TYPE_RULES.iter().any(|r| r.type_name == t.as_str())).collect();
    assert!(missing.is_empty(), "object types without a field rule: {missing:?}");
    for rule in TYPE_RULES {
        let fields = types
            .get(rule.type_name)
            .unwrap_or_else(|| panic!("a rule for a type the schema lacks: {}", rule.type_name));
        for (field, _) in rule.except {
            assert!(fields.contains(*field), "a rule for {}.{field}, which the schema lacks", rule.type_name);
        }
    }
}

/// How to ask for each field that needs more than its type, on a record of
/// the central committee.
fn probe(type_name: &str, field: &str) -> &'static str {
    match (type_name, field) {
        ("Committee", "positions") => "query($id: ID!) { committee(id: $id) { positions(first: 1) { nodes { id } } } }",
        ("Committee", "standingCommittee") => "query($id: ID!) { committee(id: $id) { standingCommittee { id } } }",
        ("Case", "defendants") => "query($id: ID!) { case(id: $id) { defendants(first: 1) { nodes { fullName } } } }",
        ("Case", "history") => "query($id: ID!) { case(id: $id) { history(first: 1) { nodes { seq } } } }",
        ("Case", "lastEvent") => "query($id: ID!) { case(id: $id) { lastEvent { seq } } }",
        _ => panic!("no probe for {type_name}.{field}: add one so its rule is tested"),
    }
}

#[tokio::test]
async fn a_field_that_needs_more_than_its_type_is_refused_to_a_role_that_reads_only_the_type() {
    use steerql::domain::permissions::TYPE_RULES;
    let app = TestApp::spawn().await;
    let central = app.committee_id("CENTRAL").await;
    // A central matter with defendants and a history.
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "{ cases(first: 50) { nodes { id monitoringCommittee { code } defendantCounts { total } } } }";
    let cases = app.data(&auditor, q, json!({})).await;
    let case = cases["cases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["monitoringCommittee"]["code"] == "CENTRAL" && c["defendantCounts"]["total"].as_i64() > Some(0))
        .expect("a central demo matter with defendants")["id"]
        .clone();
    for rule in TYPE_RULES {
        let Some(read) = rule.read else { continue };
        for (field, op) in rule.except {
            let query = probe(rule.type_name, field);
            let id = if rule.type_name == "Case" { case.clone() } else { json!(central) };
            let field_of = |body: &Value| {
                let root = body["data"].as_object().and_then(|d| d.values().next().cloned()).unwrap_or(Value::Null);
                root[*field].clone()
            };
            // Every role that reads the type but lacks the field's operation.
            for role in Role::ALL.into_iter().filter(|r| read.allows(*r) && !op.allows(*r) && *r != Role::Agency) {
                let (_, body) = app.gql(&app.token(&[&format!("{role}@CENTRAL")]), query, json!({ "id": id })).await;
                assert!(field_of(&body).is_null(), "{role} reads {}.{field}: {body}", rule.type_name);
                // Refused out loud, as every field is: a null without an
                // error would read as "there is none".
                assert_eq!(code(&body), "FORBIDDEN", "{role} on {}.{field}: {body}", rule.type_name);
                assert!(body["errors"][0]["message"].as_str().unwrap().contains(op.name()), "{body}");
            }
            // And a role holding it reads it.
            let holder =
                Role::ALL.into_iter().find(|r| op.allows(*r) && read.allows(*r) && *r != Role::Agency).unwrap();
            let (_, body) = app.gql(&app.token(&[&format!("{holder}@CENTRAL")]), query, json!({ "id": id })).await;
            assert!(body.get("errors").is_none() && !field_of(&body).is_null(), "{holder}: {body}");
        }
    }
}

#[tokio::test]
async fn no_token_is_unauthenticated_but_typename_still_answers() {
    let app = TestApp::spawn_with(Options { seed: false, ..Default::default() }).await;
    let res = app.client.post(&app.url).json(&json!({ "query": READ })).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let res = app.client.post(&app.url).json(&json!({ "query": "{ __typename }" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_provincial_grant_cannot_see_another_province_by_id_list_nested_field_or_count() {
    let app = TestApp::spawn().await;
    let nghe_an = app.token(&["OFFICER@NGHE_AN"]);
    let ha_tinh_id = app.committee_id("HA_TINH").await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let ha_tinh_seat = app
        .data(
            &admin,
            "query($c: ID!) { positions(first: 1, committeeId: $c) { nodes { id person { id } } } }",
            json!({ "c": ha_tinh_id }),
        )
        .await["positions"]["nodes"][0]
        .clone();

    // By id: not found, never forbidden.
    for (query, id) in [
        ("query($id: ID!) { committee(id: $id) { code } }", ha_tinh_id.clone()),
        ("query($id: ID!) { node(id: $id) { id } }", ha_tinh_id.clone()),
        ("query($id: ID!) { position(id: $id) { id } }", ha_tinh_seat["id"].as_str().unwrap().to_owned()),
        ("query($id: ID!) { person(id: $id) { id } }", ha_tinh_seat["person"]["id"].as_str().unwrap().to_owned()),
    ] {
        let (_, body) = app.gql(&nghe_an, query, json!({ "id": id })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{query}: {body}");
    }
    let (_, body) = app.gql(&nghe_an, "{ committeeByCode(code: \"HA_TINH\") { code } }", json!({})).await;
    assert_eq!(code(&body), "NOT_FOUND");

    // By list and count.
    let data = app
        .data(
            &nghe_an,
            "query($c: ID!) { committees(first: 100) { totalCount nodes { code } }
               seats: positions(first: 100, committeeId: $c) { totalCount }
               people(first: 1) { totalCount } agencies(first: 1) { totalCount } }",
            json!({ "c": ha_tinh_id }),
        )
        .await;
    assert_eq!(data["committees"]["totalCount"], 1);
    assert_eq!(data["committees"]["nodes"], json!([{ "code": "NGHE_AN" }]));
    assert_eq!(data["seats"]["totalCount"], 0);
    assert_eq!(data["people"]["totalCount"], 11);
    assert_eq!(data["agencies"]["totalCount"], 7);

    // By nested field: the parent (central) is outside reach too.
    let data = app.data(&nghe_an, "{ committeeByCode(code: \"NGHE_AN\") { parent { code } } }", json!({})).await;
    assert_eq!(data["committeeByCode"]["parent"], json!(null));

    // The centre sees both.
    let central = app.token(&["MEMBER@CENTRAL"]);
    let data = app.data(&central, "{ committees(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(data["committees"]["totalCount"], 64);
}

#[tokio::test]
async fn a_provincial_admin_manages_only_their_own_committee() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@NGHE_AN"]);
    let (nghe_an, ha_tinh) = (app.committee_id("NGHE_AN").await, app.committee_id("HA_TINH").await);
    let update = "mutation($id: ID!) { updateCommittee(input: {id: $id, regulation: \"67-QD/TW\"}) { committee { viewerCanManage } } }";
    let data = app.data(&admin, update, json!({ "id": nghe_an })).await;
    assert_eq!(data["updateCommittee"]["committee"]["viewerCanManage"], true);
    let (_, body) = app.gql(&admin, update, json!({ "id": ha_tinh })).await;
    assert_eq!(code(&body), "NOT_FOUND");
    let (_, body) = app
        .gql(&admin, r#"mutation { createCommittee(input: {code: "NEW_ONE", name: "N", province: "P", establishedOn: "2025-01-01"}) { committee { id } } }"#, json!({}))
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn me_shows_the_principal_and_a_service_account_is_recorded_as_such() {
    let app = TestApp::spawn().await;
    let svc = token_for("procuracy-system", &["ADMIN@CENTRAL", "AUDITOR@CENTRAL"], true);
    let data = app.data(&svc, "{ me { subject kind grants { role committee } operations } }", json!({})).await;
    assert_eq!(data["me"]["subject"], "procuracy-system");
    assert_eq!(data["me"]["kind"], "SERVICE");
    assert_eq!(data["me"]["grants"].as_array().unwrap().len(), 2);
    assert_eq!(
        data["me"]["operations"],
        json!([
            "READ_ORGANISATION",
            "READ_MEMBERSHIP",
            "MANAGE_ORGANISATION",
            "READ_AUDIT_TRAIL",
            "VERIFY_AUDIT_TRAIL",
            "READ_CASES",
            "READ_CASE_DETAILS",
            "READ_STATISTICS"
        ])
    );
    let id = app.committee_id("HA_TINH").await;
    app.data(
        &svc,
        "mutation($id: ID!) { updateCommittee(input: {id: $id, regulation: \"67-QD/TW\"}) { committee { id } } }",
        json!({ "id": id }),
    )
    .await;
    let data = app.data(&svc, "{ auditEvents(first: 1) { nodes { actor actorKind } } }", json!({})).await;
    assert_eq!(data["auditEvents"]["nodes"][0], json!({ "actor": "procuracy-system", "actorKind": "SERVICE" }));
}

#[tokio::test]
async fn a_token_issued_by_the_cli_works_against_the_running_server() {
    let app = TestApp::spawn().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_steerql"))
        .args(["token", "--sub", "analyst@example.org", "--role", "ANALYST@HA_TINH", "--ttl", "10m"])
        .env("STEERQL_JWT_SECRET", SECRET)
        .env("STEERQL_DATA_DIR", tempfile::tempdir().unwrap().path())
        .env("DATABASE_URL", app.database.url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap();
    let data = app.data(token.trim(), "{ me { subject grants { role committee } } }", json!({})).await;
    assert_eq!(data["me"]["grants"], json!([{ "role": "ANALYST", "committee": "HA_TINH" }]));
    let (status, body) = app.gql(token.trim(), "{ auditEvents(first: 1) { totalCount } }", json!({})).await;
    assert_eq!((status.as_u16(), code(&body)), (403, "FORBIDDEN"));
}

#[tokio::test]
async fn an_analyst_sees_the_structure_but_never_people_or_seats() {
    let app = TestApp::spawn().await;
    let analyst = app.token(&["ANALYST@CENTRAL"]);
    let data = app.data(&analyst, "{ committees(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(data["committees"]["totalCount"], 64);
    for query in [
        "{ committeeByCode(code: \"NGHE_AN\") { positions(first: 5) { totalCount } } }",
        "{ committeeByCode(code: \"NGHE_AN\") { standingCommittee { title } } }",
        "{ people(first: 1) { totalCount } }",
    ] {
        let (_, body) = app.gql(&analyst, query, json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{query}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("READ_MEMBERSHIP"), "{body}");
    }
}

#[tokio::test]
async fn the_cli_lists_the_roles_when_one_is_wrong_and_refuses_an_unknown_committee() {
    let app = TestApp::spawn().await;
    let token = |role: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_steerql"))
            .args(["token", "--sub", "someone", "--role", role])
            .env("STEERQL_JWT_SECRET", SECRET)
            .env("STEERQL_DATA_DIR", tempfile::tempdir().unwrap().path())
            .env("DATABASE_URL", app.database.url())
            .output()
            .unwrap()
    };
    let out = token("CHAIR@NGHE_AN");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for role in ["ADMIN", "STANDING", "OFFICER", "AGENCY", "MEMBER", "AUDITOR", "ANALYST"] {
        assert!(err.contains(role), "{err}");
    }
    let out = token("MEMBER@ATLANTIS");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ATLANTIS"));
    assert!(token("MEMBER@NGHE_AN").status.success());
}
