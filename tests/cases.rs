//! Cases and incidents through the API: the workflow as data and the steps
//! a viewer is offered, the path from proposal to closed, idempotent writes,
//! concurrent steps, who sees what, precise refusals and the demo figures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, code, object_types, selection, token_with_agency};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use steerql::domain::Role;
use steerql::domain::cases::{CaseKind, CaseState, Transition};

/// Removes the cases transfers opened (and their dated facts), so a test
/// can take a transfer again from the same incident.
const DROP_LINKED_CASES: &str = "DELETE FROM case_committee WHERE case_id IN (SELECT id FROM case_record WHERE origin_case_id IS NOT NULL); \
     DELETE FROM case_loss WHERE case_id IN (SELECT id FROM case_record WHERE origin_case_id IS NOT NULL); \
     DELETE FROM case_record WHERE origin_case_id IS NOT NULL";

const CREATE: &str = "mutation($c: ID!, $kind: CaseKind!, $code: String!, $agency: ID, $key: String) {
  createCase(input: {idempotencyKey: $key, kind: $kind, code: $code, title: \"Kiểm tra dự án đất\", field: LAND, source: INSPECTION,
                     lossAmount: \"125000000000\", committeeId: $c, handlingAgencyId: $agency, openedOn: \"2024-03-01\"}) { case { id version code monitoringState procedureState lossAmount } } }";

const STEP: &str =
    "mutation($id: ID!, $t: CaseTransition!, $v: Int, $on: Date, $ref: String, $why: String, $key: String) {
  transitionCase(input: {id: $id, transition: $t, expectedVersion: $v, effectiveOn: $on, decisionRef: $ref, reason: $why, idempotencyKey: $key}) { case { id version monitoringState procedureState closed } } }";

const AVAILABLE: &str = "query($id: ID!) { case(id: $id) { availableTransitions { transition to requires } } }";

/// The global ID of `code`'s functional agency of `kind`.
async fn agency(app: &TestApp, committee: &str, kind: &str) -> String {
    let q = "query($c: String!) { committeeByCode(code: $c) { agencies(first: 20) { nodes { id kind } } } }";
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let data = app.data(&admin, q, json!({ "c": committee })).await;
    let agencies = data["committeeByCode"]["agencies"]["nodes"].as_array().unwrap().clone();
    agencies.iter().find(|a| a["kind"] == kind).unwrap()["id"].as_str().unwrap().to_owned()
}

async fn create(app: &TestApp, committee: &str, kind: &str, code: &str) -> Value {
    let officer = app.token(&[&format!("OFFICER@{committee}")]);
    let police = agency(app, committee, "POLICE").await;
    let vars = json!({ "c": app.committee_id(committee).await, "kind": kind, "code": code, "agency": police });
    app.data(&officer, CREATE, vars).await["createCase"]["case"].clone()
}

fn full(id: &str, t: &str) -> Value {
    json!({ "id": id, "t": t, "on": "2024-06-01", "ref": "12/QD-BCD", "why": "Decided at the meeting" })
}

#[tokio::test]
async fn a_case_goes_from_proposal_to_closed_as_the_right_roles_and_its_history_verifies() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-T-001").await;
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["monitoringState"], "PROPOSED");
    assert_eq!(case["procedureState"], "PROSECUTED");
    assert_eq!(case["lossAmount"], "125000000000");

    let standing = app.token(&["STANDING@NGHE_AN"]);
    let police = agency(&app, "NGHE_AN", "POLICE").await;
    let liaison = token_with_agency("police-liaison", &["AGENCY@NGHE_AN"], true, Some(&police));
    let steps = |token: &str| {
        let (app, token) = (&app, token.to_owned());
        async move {
            let data = app.data(&token, AVAILABLE, json!({ "id": id })).await;
            data["case"]["availableTransitions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["transition"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        steps(&standing).await,
        ["TAKE_UNDER_MONITORING", "DECLINE_MONITORING", "START_INVESTIGATION", "DISMISS"]
    );
    assert_eq!(steps(&liaison).await, ["START_INVESTIGATION", "DISMISS"]);

    let first = case["version"].as_i64().unwrap();
    for (version, (token, t)) in (first..).zip([
        (&standing, "TAKE_UNDER_MONITORING"),
        (&liaison, "START_INVESTIGATION"),
        (&liaison, "INDICT"),
        (&liaison, "OPEN_TRIAL"),
        (&liaison, "EXECUTE_SENTENCE"),
        (&liaison, "CLOSE"),
        (&standing, "END_MONITORING"),
    ]) {
        let mut vars = full(id, t);
        vars["v"] = json!(version);
        let moved = app.data(token, STEP, vars).await["transitionCase"]["case"].clone();
        assert_eq!(moved["version"].as_i64().unwrap(), version + 1, "{t}");
    }
    assert_eq!(steps(&standing).await, ["REOPEN"]);
    assert!(steps(&liaison).await.is_empty());

    let auditor = app.token(&["AUDITOR@NGHE_AN"]);
    let q =
        "query($id: ID!) { case(id: $id) { closed history(first: 20) { totalCount nodes { action seq payload } } } }";
    let data = app.data(&auditor, q, json!({ "id": id })).await;
    assert_eq!(data["case"]["closed"], true);
    let history = &data["case"]["history"];
    assert_eq!(history["totalCount"], 8, "{history}");
    let last = &history["nodes"][7];
    assert_eq!(last["action"], "CASE_TRANSITION");
    assert_eq!(last["payload"]["transition"], "END_MONITORING");
    assert_eq!(last["payload"]["decisionRef"], "12/QD-BCD");
    assert_eq!(last["payload"]["before"]["monitoringState"], "UNDER_MONITORING");
    let verified = app.data(&app.token(&["AUDITOR@CENTRAL"]), "{ verifyAuditTrail { ok entries } }", json!({})).await;
    assert_eq!(verified["verifyAuditTrail"]["ok"], true, "{verified}");
}

#[tokio::test]
async fn a_step_is_offered_exactly_when_transition_case_accepts_it_for_every_state_and_role() {
    let app = TestApp::spawn().await;
    let police = agency(&app, "NGHE_AN", "POLICE").await;
    let mut viewers: Vec<(String, String)> =
        Role::ALL.iter().map(|r| (format!("{r}"), app.token(&[&format!("{r}@NGHE_AN")]))).collect();
    viewers.push(("AGENCY handling it".into(), token_with_agency("liaison", &["AGENCY@NGHE_AN"], true, Some(&police))));
    let case = create(&app, "NGHE_AN", "CASE", "NA-T-100").await;
    let incident = create(&app, "NGHE_AN", "INCIDENT", "NA-T-101").await;
    let conn = &app.db.conn;
    for state in CaseState::ALL {
        let kind = if state.kinds().contains(&CaseKind::Case) { CaseKind::Case } else { CaseKind::Incident };
        let id = if kind == CaseKind::Case { &case["id"] } else { &incident["id"] };
        let id = id.as_str().unwrap();
        let (monitoring, procedure) = if state.machine() == steerql::domain::cases::Machine::Monitoring {
            (*state, steerql::domain::cases::initial_procedure(kind))
        } else {
            (CaseState::UnderMonitoring, *state)
        };
        let suspended_from = if *state == CaseState::Suspended { "'INVESTIGATION'" } else { "NULL" };
        let case_code = if kind == CaseKind::Case { "NA-T-100" } else { "NA-T-101" };
        let reset = format!(
            "UPDATE case_record SET monitoring_state = '{}', procedure_state = '{}', suspended_from = {suspended_from} \
             WHERE code = '{case_code}'",
            monitoring.as_str(),
            procedure.as_str()
        );
        for (role, token) in &viewers {
            conn.execute_unprepared(&reset).await.unwrap();
            let (_, body) = app.gql(token, AVAILABLE, json!({ "id": id })).await;
            let offered: Vec<String> = match body["data"]["case"]["availableTransitions"].as_array() {
                Some(list) => list.iter().map(|t| t["transition"].as_str().unwrap().to_owned()).collect(),
                None => vec![],
            };
            for t in Transition::ALL {
                conn.execute_unprepared(&reset).await.unwrap();
                conn.execute_unprepared(DROP_LINKED_CASES).await.unwrap();
                let (_, body) = app.gql(token, STEP, full(id, t.as_str())).await;
                let accepted = body.get("errors").is_none();
                let listed = offered.iter().any(|o| o == t.as_str());
                assert_eq!(listed, accepted, "{role} in {state:?} ({kind:?}), {t:?}: listed {listed}, answer {body}");
                if !accepted {
                    let c = code(&body);
                    assert!(["BAD_USER_INPUT", "FORBIDDEN", "CONFLICT", "NOT_FOUND"].contains(&c), "{body}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_repeated_write_with_the_same_key_returns_the_first_result_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let police = agency(&app, "NGHE_AN", "POLICE").await;
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "CASE", "code": "NA-K-1", "agency": police,
                       "key": "import-2024-0001" });
    let first = app.data(&officer, CREATE, vars.clone()).await;
    let again = app.data(&officer, CREATE, vars.clone()).await;
    assert_eq!(first, again);
    let events = |app: &TestApp| {
        let conn = app.db.conn.clone();
        async move {
            let row = conn
                .query_one_raw(sea_orm::Statement::from_string(
                    conn.get_database_backend(),
                    "SELECT COUNT(*) AS n FROM audit_event",
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    let before = events(&app).await;
    let id = first["createCase"]["case"]["id"].as_str().unwrap();
    let standing = app.token(&["STANDING@NGHE_AN"]);
    let mut step = full(id, "TAKE_UNDER_MONITORING");
    step["key"] = json!("step-1");
    let one = app.data(&standing, STEP, step.clone()).await;
    let two = app.data(&standing, STEP, step.clone()).await;
    assert_eq!(one, two);
    assert_eq!(events(&app).await, before + 1, "the repeat wrote nothing");
    // The same key with other input is refused.
    let mut other = step.clone();
    other["why"] = json!("Another reason");
    let (_, body) = app.gql(&standing, STEP, other).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "KEY_REUSED", "{body}");
    // Keys are per principal: another caller's key of the same name is theirs.
    let colleague = common::token_for("colleague", &["STANDING@NGHE_AN"], false);
    let (_, body) = app.gql(&colleague, STEP, step).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "a new write, refused as the step was taken: {body}");
}

async fn concurrent_steps(urls: &[String], token: &str, id: &str, version: i64) -> Vec<Value> {
    let client = reqwest::Client::new();
    let calls = (0..24).map(|i| {
        let mut vars = full(id, "TAKE_UNDER_MONITORING");
        vars["v"] = json!(version);
        let (client, url, token) = (client.clone(), urls[i % urls.len()].clone(), token.to_owned());
        async move {
            let body = json!({ "query": STEP, "variables": vars });
            client.post(&url).bearer_auth(token).json(&body).send().await.unwrap().json::<Value>().await.unwrap()
        }
    });
    futures_util::future::join_all(calls).await
}

fn exactly_one_wins(answers: &[Value]) {
    let wins = answers.iter().filter(|a| a.get("errors").is_none()).count();
    assert_eq!(wins, 1, "{answers:#?}");
    for a in answers.iter().filter(|a| a.get("errors").is_some()) {
        assert_eq!(code(a), "CONFLICT", "{a}");
        assert!(a["errors"][0]["extensions"]["currentVersion"].is_number(), "{a}");
    }
}

#[tokio::test]
async fn of_many_concurrent_steps_at_one_version_exactly_one_is_taken_and_the_chain_verifies() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-C-1").await;
    let standing = app.token(&["STANDING@NGHE_AN"]);
    let answers = concurrent_steps(std::slice::from_ref(&app.url), &standing, case["id"].as_str().unwrap(), 1).await;
    exactly_one_wins(&answers);
    let auditor = app.token(&["AUDITOR@NGHE_AN"]);
    let q = "query($id: ID!) { case(id: $id) { history(first: 10) { totalCount } } }";
    let data = app.data(&auditor, q, json!({ "id": case["id"] })).await;
    assert_eq!(data["case"]["history"]["totalCount"], 2, "created and one step");
    assert!(app.audit.verify(&app.db, None).await.unwrap().problem.is_none());
}

#[tokio::test]
#[ignore = "PostgreSQL only (one SQLite file is one instance's): run with TEST_DATABASE_URL and --include-ignored"]
async fn two_instances_on_one_postgresql_take_exactly_one_of_many_concurrent_steps() {
    common::require_postgres();
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-C-2").await;
    let second_url = app.second_instance().await;
    let standing = app.token(&["STANDING@NGHE_AN"]);
    let urls = [app.url.clone(), second_url];
    exactly_one_wins(&concurrent_steps(&urls, &standing, case["id"].as_str().unwrap(), 1).await);
    assert!(app.audit.verify(&app.db, None).await.unwrap().problem.is_none());
}

#[tokio::test]
async fn refusals_say_what_is_wrong_and_what_is_possible() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-R-1").await;
    let id = case["id"].as_str().unwrap();
    let standing = app.token(&["STANDING@NGHE_AN"]);
    // Not from this state: names the steps possible now.
    let (_, body) = app.gql(&standing, STEP, full(id, "CLOSE")).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("TAKE_UNDER_MONITORING"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "STEP_NOT_POSSIBLE", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["input", "transition"]), "{body}");
    let possible = body["errors"][0]["extensions"]["possibleSteps"].as_array().expect("possibleSteps is a list");
    assert!(possible.contains(&json!("TAKE_UNDER_MONITORING")), "{body}");
    assert!(!possible.contains(&json!("CLOSE")), "{body}");
    // No role for the operation at all: refused before it runs.
    let member = app.token(&["MEMBER@NGHE_AN"]);
    let (_, body) = app.gql(&member, STEP, full(id, "TAKE_UNDER_MONITORING")).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "ROLE_MISSING", "{body}");
    // A step this role's grants do not cover: FORBIDDEN, listing what it may take.
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let (_, body) = app.gql(&officer, STEP, full(id, "TAKE_UNDER_MONITORING")).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "STEP_NOT_GRANTED", "{body}");
    let possible = body["errors"][0]["extensions"]["possibleSteps"].as_array().expect("possibleSteps is a list");
    assert!(!possible.contains(&json!("TAKE_UNDER_MONITORING")), "{body}");
    // A requirement missing: the argument is named.
    let (_, body) =
        app.gql(&standing, STEP, json!({ "id": id, "t": "TAKE_UNDER_MONITORING", "on": "2024-06-01" })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["input", "decisionRef"]), "{body}");
    // A stale version: CONFLICT with the current one.
    let mut stale = full(id, "TAKE_UNDER_MONITORING");
    stale["v"] = json!(7);
    let (_, body) = app.gql(&standing, STEP, stale).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 1, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "STALE_VERSION", "{body}");
    // A closed record takes nothing but a reopen with a reason.
    app.data(&standing, STEP, full(id, "DECLINE_MONITORING")).await;
    let (_, body) = app.gql(&officer, STEP, full(id, "START_INVESTIGATION")).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "CLOSED", "{body}");
    let update = "mutation($id: ID!) { updateCase(input: {id: $id, title: \"x y\"}) { case { id } } }";
    let (_, body) = app.gql(&officer, update, json!({ "id": id })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "CLOSED", "{body}");
    let mut reopen = full(id, "REOPEN");
    reopen["why"] = Value::Null;
    assert_eq!(code(&app.gql(&standing, STEP, reopen).await.1), "BAD_USER_INPUT");
    app.data(&standing, STEP, full(id, "REOPEN")).await;
    // Hostile input, each in a step that is otherwise valid, named by its field.
    let valid = full(id, "START_INVESTIGATION");
    let with = |key: &str, value: Value| {
        let mut vars = valid.clone();
        vars[key] = value;
        vars
    };
    for (vars, field) in [
        (with("id", json!("Q2FzZToxOTk5OTk5OTk5OTk5OTk5OTk5OTk5")), json!(["input", "id"])),
        (with("why", json!("a\u{0}b")), json!(["$why"])),
        (with("ref", json!("1\u{7}")), json!(["$ref"])),
        (with("ref", json!("x".repeat(101))), json!(["input", "decisionRef"])),
        (with("on", json!("1800-01-01")), json!(["$on"])),
        (with("on", json!("2024-02-29")), json!(["input", "effectiveOn"])),
        (with("on", json!("+275760-09-13")), json!(["$on"])),
    ] {
        let (status, body) = app.gql(&standing, STEP, vars).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    app.data(&standing, STEP, valid).await;
    let bad_amount = CREATE.replace("\"125000000000\"", "\"-5\"");
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "CASE", "code": "NA-R-2" });
    assert_eq!(code(&app.gql(&officer, &bad_amount, vars).await.1), "BAD_USER_INPUT");
}

#[tokio::test]
async fn reach_and_roles_decide_which_matters_and_details_a_viewer_sees() {
    let app = TestApp::spawn().await;
    let q = "{ cases(first: 100) { totalCount nodes { code defendantCounts { total cadres } defendants(first: 5) { nodes { fullName } } } } }";
    let count = |body: &Value| body["data"]["cases"]["totalCount"].as_i64().unwrap();
    let (_, nghe_an) = app.gql(&app.token(&["MEMBER@NGHE_AN"]), q, json!({})).await;
    assert_eq!(count(&nghe_an), 27, "{nghe_an}");
    // A member sees the matters and counts, never defendants' names.
    let node = &nghe_an["data"]["cases"]["nodes"][0];
    assert!(node["defendantCounts"]["total"].as_i64().unwrap() > 0, "{node}");
    assert!(node["defendants"].is_null(), "{node}");
    assert_eq!(code(&nghe_an), "FORBIDDEN");
    let (_, officer) = app.gql(&app.token(&["OFFICER@NGHE_AN"]), q, json!({})).await;
    assert!(officer.get("errors").is_none(), "{officer}");
    assert!(officer["data"]["cases"]["nodes"][0]["defendants"]["nodes"][0]["fullName"].is_string());
    // The central committee reaches every province; an analyst no case at all.
    let (_, central) = app.gql(&app.token(&["AUDITOR@CENTRAL"]), q, json!({})).await;
    assert_eq!(count(&central), 49, "{central}");
    let (_, analyst) = app.gql(&app.token(&["ANALYST@CENTRAL"]), q, json!({})).await;
    assert_eq!(code(&analyst), "FORBIDDEN");
    // An agency sees the matters it handles: Nghe An's police, its 20 cases.
    let police = agency(&app, "NGHE_AN", "POLICE").await;
    let liaison = token_with_agency("liaison", &["AGENCY@NGHE_AN"], true, Some(&police));
    let (_, handled) = app.gql(&liaison, q, json!({})).await;
    assert_eq!(count(&handled), 20, "{handled}");
    // Another province's matter does not exist for a provincial viewer.
    let ha_tinh = app.data(&app.token(&["MEMBER@HA_TINH"]), "{ cases(first: 1) { nodes { id } } }", json!({})).await;
    let other = ha_tinh["cases"]["nodes"][0]["id"].clone();
    let (_, body) = app
        .gql(&app.token(&["MEMBER@NGHE_AN"]), "query($id: ID!) { case(id: $id) { id } }", json!({ "id": other }))
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
}

#[tokio::test]
async fn an_assigned_matter_is_directed_by_the_province_and_stays_visible_to_both() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@CENTRAL"]);
    let vars = json!({ "c": app.committee_id("CENTRAL").await, "kind": "CASE", "code": "TW-A-1" });
    let case = app.data(&officer, CREATE, vars).await["createCase"]["case"].clone();
    let id = case["id"].as_str().unwrap();
    let q = "query($id: ID!) { case(id: $id) { code } }";
    assert_eq!(code(&app.gql(&app.token(&["MEMBER@THANH_HOA"]), q, json!({ "id": id })).await.1), "NOT_FOUND");
    let assign = "mutation($id: ID!, $c: ID!) { assignCase(input: {id: $id, committeeId: $c, decisionRef: \"5/QD-BCDTW\", effectiveOn: \"2024-05-01\"}) { case { monitoringCommittee { code } assigningCommittee { code } } } }";
    let vars = json!({ "id": id, "c": app.committee_id("THANH_HOA").await });
    let (_, refused) = app.gql(&app.token(&["STANDING@THANH_HOA"]), assign, vars.clone()).await;
    assert_eq!(code(&refused), "NOT_FOUND", "{refused}");
    let assigned = app.data(&app.token(&["STANDING@CENTRAL"]), assign, vars).await;
    assert_eq!(assigned["assignCase"]["case"]["monitoringCommittee"]["code"], "THANH_HOA");
    assert_eq!(assigned["assignCase"]["case"]["assigningCommittee"]["code"], "CENTRAL");
    for token in [app.token(&["MEMBER@THANH_HOA"]), app.token(&["MEMBER@CENTRAL"])] {
        assert_eq!(app.data(&token, q, json!({ "id": id })).await["case"]["code"], "TW-A-1");
    }
    // The province's standing committee now decides its monitoring.
    app.data(&app.token(&["STANDING@THANH_HOA"]), STEP, full(id, "TAKE_UNDER_MONITORING")).await;
}

#[tokio::test]
async fn only_the_assigning_committee_declines_ends_or_reopens_monitoring_of_an_assigned_matter() {
    let app = TestApp::spawn().await;
    let vars = json!({ "c": app.committee_id("CENTRAL").await, "kind": "CASE", "code": "TW-A-2" });
    let case = app.data(&app.token(&["OFFICER@CENTRAL"]), CREATE, vars).await["createCase"]["case"].clone();
    let id = case["id"].as_str().unwrap();
    let assign = "mutation($id: ID!, $c: ID!) { assignCase(input: {id: $id, committeeId: $c, decisionRef: \"5/QD-BCDTW\", effectiveOn: \"2024-05-01\"}) { case { id } } }";
    let vars = json!({ "id": id, "c": app.committee_id("THANH_HOA").await });
    app.data(&app.token(&["STANDING@CENTRAL"]), assign, vars).await;

    let province = app.token(&["STANDING@THANH_HOA", "OFFICER@THANH_HOA"]);
    let central = app.token(&["STANDING@CENTRAL"]);
    let monitoring = ["TAKE_UNDER_MONITORING", "DECLINE_MONITORING", "END_MONITORING", "REOPEN"];
    // What each may take, by monitoring state: the province takes the matter
    // under monitoring, only the central committee takes it off or back.
    let expected = [
        ("PROPOSED", vec!["TAKE_UNDER_MONITORING"], vec!["TAKE_UNDER_MONITORING", "DECLINE_MONITORING"]),
        ("UNDER_MONITORING", vec![], vec!["END_MONITORING"]),
        ("MONITORING_ENDED", vec![], vec!["REOPEN"]),
        ("DECLINED", vec![], vec!["REOPEN"]),
    ];
    let conn = &app.db.conn;
    for (state, by_province, by_central) in expected {
        let reset = format!("UPDATE case_record SET monitoring_state = '{state}' WHERE code = 'TW-A-2'");
        for (token, allowed) in [(&province, &by_province), (&central, &by_central)] {
            conn.execute_unprepared(&reset).await.unwrap();
            let offered = app.data(token, AVAILABLE, json!({ "id": id })).await["case"]["availableTransitions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["transition"].as_str().unwrap().to_owned())
                .filter(|t| monitoring.contains(&t.as_str()))
                .collect::<Vec<_>>();
            assert_eq!(&offered, allowed, "{state}");
            for t in monitoring {
                conn.execute_unprepared(&reset).await.unwrap();
                let (_, body) = app.gql(token, STEP, full(id, t)).await;
                assert_eq!(body.get("errors").is_none(), allowed.contains(&t), "{state} {t}: {body}");
            }
        }
    }
    // The province's refusal says whose decision it is.
    conn.execute_unprepared("UPDATE case_record SET monitoring_state = 'UNDER_MONITORING' WHERE code = 'TW-A-2'")
        .await
        .unwrap();
    let (_, refused) = app.gql(&province, STEP, full(id, "END_MONITORING")).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("assigning committee"), "{refused}");
    // The rule is data the workflow query serves.
    let q = "{ workflow { steps { transition assigningCommitteeDecides } } }";
    let steps = app.data(&central, q, json!({})).await["workflow"]["steps"].as_array().unwrap().clone();
    let decided: Vec<_> =
        steps.iter().filter(|s| s["assigningCommitteeDecides"] == true).map(|s| s["transition"].clone()).collect();
    assert_eq!(decided, ["DECLINE_MONITORING", "END_MONITORING", "REOPEN"]);
}

#[tokio::test]
async fn an_incident_with_a_code_of_any_length_transfers_and_its_case_takes_a_code_that_fits_and_is_free() {
    let app = TestApp::spawn().await;
    let standing = app.token(&["STANDING@NGHE_AN"]);
    let transfer = |code: String| {
        let (app, standing) = (&app, standing.clone());
        async move {
            let incident = create(app, "NGHE_AN", "INCIDENT", &code).await;
            let id = incident["id"].as_str().unwrap().to_owned();
            app.data(&standing, STEP, full(&id, "TAKE_UNDER_MONITORING")).await;
            let offered = app.data(&standing, AVAILABLE, json!({ "id": id })).await;
            assert!(offered.to_string().contains("TRANSFER_TO_INVESTIGATION"), "{offered}");
            app.data(&standing, STEP, full(&id, "TRANSFER_TO_INVESTIGATION")).await;
            let q = "{ cases(first: 100, filter: {text: \"-VA\"}) { nodes { code origin { id } } } }";
            let cases = app.data(&standing, q, json!({})).await["cases"]["nodes"].clone();
            let opened = cases.as_array().unwrap().iter().find(|c| c["origin"]["id"] == id.as_str()).cloned();
            opened.unwrap_or_else(|| panic!("no case opened from {code}: {cases}"))["code"].as_str().unwrap().to_owned()
        }
    };
    for len in [61, 62, 63, 64] {
        let code = format!("NA-{}", "X".repeat(len - 3));
        let opened = transfer(code.clone()).await;
        assert!(opened.len() <= 64, "{opened}");
        assert_eq!(opened, format!("{}-VA", &code[..len.min(61)]));
        // Remove it, so the next length's derived code is not taken by this one.
        app.db.conn.execute_unprepared(DROP_LINKED_CASES).await.unwrap();
    }
    // A derived code already taken (by a matter registered under it): the next one.
    create(&app, "NGHE_AN", "CASE", "NA-I-7-VA").await;
    assert_eq!(transfer("NA-I-7".into()).await, "NA-I-7-VA2");
    create(&app, "NGHE_AN", "CASE", "NA-I-8-VA").await;
    create(&app, "NGHE_AN", "CASE", "NA-I-8-VA2").await;
    assert_eq!(transfer("NA-I-8".into()).await, "NA-I-8-VA3");
}

#[tokio::test]
async fn another_agency_finds_a_matter_by_its_own_number_and_a_number_names_one_matter() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-N-1").await;
    let procuracy = agency(&app, "NGHE_AN", "PROCURACY").await;
    let add = "mutation($id: ID!, $a: ID!, $n: String!) { addCaseReference(input: {caseId: $id, agencyId: $a, number: $n}) { case { references(first: 5) { totalCount nodes { number } } } } }";
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let added = app.data(&officer, add, json!({ "id": case["id"], "a": procuracy, "n": "77/VKS-P1" })).await;
    assert_eq!(
        added["addCaseReference"]["case"]["references"],
        json!({ "totalCount": 1, "nodes": [{ "number": "77/VKS-P1" }] })
    );
    let find = "query($a: ID!, $n: String!) { caseByReference(agencyId: $a, number: $n) { code } }";
    let found = app.data(&officer, find, json!({ "a": procuracy, "n": "77/VKS-P1" })).await;
    assert_eq!(found["caseByReference"]["code"], "NA-N-1");
    let other = create(&app, "NGHE_AN", "CASE", "NA-N-2").await;
    let (_, body) = app.gql(&officer, add, json!({ "id": other["id"], "a": procuracy, "n": "77/VKS-P1" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn a_code_or_number_taken_outside_the_writers_reach_is_not_refused_and_tells_nothing() {
    let app = TestApp::spawn().await;
    let theirs = create(&app, "HA_TINH", "CASE", "HT-Q-001").await;
    // Nghe An registers the same code: codes are unique among one
    // committee's matters, so Ha Tinh's is neither disclosed nor squatted.
    let ours = create(&app, "NGHE_AN", "CASE", "HT-Q-001").await;
    assert_eq!(ours["code"], "HT-Q-001");
    assert_ne!(ours["id"], theirs["id"]);
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "CASE", "code": "HT-Q-001" });
    let (_, body) = app.gql(&officer, CREATE, vars).await;
    assert_eq!(code(&body), "CONFLICT", "its own committee's code, twice: {body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("this committee registered"), "{body}");
    let central = app.token(&["MEMBER@CENTRAL"]);
    let both = app.data(&central, "{ cases(first: 10, filter: {text: \"HT-Q-001\"}) { totalCount } }", json!({})).await;
    assert_eq!(both["cases"]["totalCount"], 2);

    // A central matter took Nghe An police's number: Nghe An records it on its own.
    let police = agency(&app, "NGHE_AN", "POLICE").await;
    let add = "mutation($id: ID!, $a: ID!, $n: String!) { addCaseReference(input: {caseId: $id, agencyId: $a, number: $n}) { case { id } } }";
    let officer_central = app.token(&["OFFICER@CENTRAL"]);
    let vars = json!({ "c": app.committee_id("CENTRAL").await, "kind": "CASE", "code": "TW-Q-001" });
    let central_case = app.data(&officer_central, CREATE, vars).await["createCase"]["case"].clone();
    app.data(&officer_central, add, json!({ "id": central_case["id"], "a": police, "n": "5/CSKT" })).await;
    app.data(&officer, add, json!({ "id": ours["id"], "a": police, "n": "5/CSKT" })).await;
    let find = "query($a: ID!, $n: String!) { caseByReference(agencyId: $a, number: $n) { code } }";
    let found = app.data(&officer, find, json!({ "a": police, "n": "5/CSKT" })).await;
    assert_eq!(found["caseByReference"]["code"], "HT-Q-001", "Nghe An finds its own");
    let found = app.data(&central, find, json!({ "a": police, "n": "5/CSKT" })).await;
    assert_eq!(found["caseByReference"]["code"], "TW-Q-001", "central finds the first recorded");
    // Within one committee's matters the number still names one.
    let again = create(&app, "NGHE_AN", "CASE", "NA-Q-2").await;
    let (_, body) = app.gql(&officer, add, json!({ "id": again["id"], "a": police, "n": "5/CSKT" })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn an_agency_outside_the_writers_reach_is_not_found_in_every_case_write_that_names_one() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-N-9").await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let foreign = agency(&app, "HA_TINH", "POLICE").await;
    let add = "mutation($id: ID!, $a: ID!, $n: String!) { addCaseReference(input: {caseId: $id, agencyId: $a, number: $n}) { case { id } } }";
    let (_, body) = app.gql(&officer, add, json!({ "id": case["id"], "a": foreign, "n": "9/CSKT" })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "CASE", "code": "NA-N-10", "agency": foreign });
    let (_, body) = app.gql(&officer, CREATE, vars).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let with_reference =
        "mutation($c: ID!, $a: ID!) { createCase(input: {kind: CASE, code: \"NA-N-11\", title: \"Đất\",
      field: LAND, source: INSPECTION, committeeId: $c, openedOn: \"2024-03-01\",
      references: [{agencyId: $a, number: \"9/CSKT\"}]}) { case { id } } }";
    let (_, body) =
        app.gql(&officer, with_reference, json!({ "c": app.committee_id("NGHE_AN").await, "a": foreign })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let update = "mutation($id: ID!, $a: ID!) { updateCase(input: {id: $id, handlingAgencyId: $a}) { case { id } } }";
    let (_, body) = app.gql(&officer, update, json!({ "id": case["id"], "a": foreign })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    // Nothing was squatted: Ha Tinh records the number on its own matter.
    let own = create(&app, "HA_TINH", "CASE", "HT-N-9").await;
    let ha_tinh = app.token(&["OFFICER@HA_TINH"]);
    app.data(&ha_tinh, add, json!({ "id": own["id"], "a": foreign, "n": "9/CSKT" })).await;
    let find = "query($a: ID!, $n: String!) { caseByReference(agencyId: $a, number: $n) { code } }";
    let found = app.data(&ha_tinh, find, json!({ "a": foreign, "n": "9/CSKT" })).await;
    assert_eq!(found["caseByReference"]["code"], "HT-N-9");
    let count = app.count("SELECT count(*) AS n FROM case_record WHERE code IN ('NA-N-10', 'NA-N-11')").await;
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_demo_data_matches_the_figures_the_reports_give() {
    let app = TestApp::spawn().await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "query($c: ID!, $k: CaseKind, $m: CaseState) {
      cases(first: 1, filter: {committeeId: $c, kind: $k, monitoringState: $m}) { totalCount } }";
    let n = |committee: &'static str, k: Value, m: Value| {
        let (app, auditor) = (&app, auditor.clone());
        async move {
            let c = app.committee_id(committee).await;
            let data = app.data(&auditor, q, json!({ "c": c, "k": k, "m": m })).await;
            data["cases"]["totalCount"].as_i64().unwrap()
        }
    };
    assert_eq!(n("NGHE_AN", json!("CASE"), Value::Null).await, 20);
    assert_eq!(n("NGHE_AN", json!("INCIDENT"), Value::Null).await, 7);
    assert_eq!(n("NGHE_AN", json!("CASE"), json!("MONITORING_ENDED")).await, 7);
    assert_eq!(n("NGHE_AN", json!("INCIDENT"), json!("MONITORING_ENDED")).await, 2);
    assert_eq!(n("NGHE_AN", Value::Null, json!("UNDER_MONITORING")).await, 18);
    assert_eq!(n("HA_TINH", Value::Null, Value::Null).await, 16);
    assert_eq!(n("HA_TINH", Value::Null, json!("MONITORING_ENDED")).await, 4);
    assert_eq!(n("HA_TINH", Value::Null, json!("UNDER_MONITORING")).await, 12);
    let q = "query($c: ID!) { cases(first: 20, filter: {committeeId: $c, kind: CASE}) { nodes { defendantCounts { total cadres partyMembers } } } }";
    let data = app.data(&auditor, q, json!({ "c": app.committee_id("HA_TINH").await })).await;
    let nodes = data["cases"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 7);
    let sum = |k: &str| nodes.iter().map(|n| n["defendantCounts"][k].as_i64().unwrap()).sum::<i64>();
    assert_eq!((sum("total"), sum("cadres"), sum("partyMembers")), (30, 25, 25));
    // Sentences being executed have brought amounts back: each matter's total
    // is the sum of its recoveries, and indicted cadres were disciplined.
    let q = "query($c: ID!) { cases(first: 20, filter: {committeeId: $c, kind: CASE}) { nodes { recoveredAmount
      recoveries(first: 10) { nodes { amount } } disciplinaryActions(first: 10) { totalCount } } } }";
    let data = app.data(&auditor, q, json!({ "c": app.committee_id("NGHE_AN").await })).await;
    let nodes = data["cases"]["nodes"].as_array().unwrap();
    let amount = |v: &Value| v.as_str().unwrap().parse::<i64>().unwrap();
    for node in nodes {
        let sum: i64 = node["recoveries"]["nodes"].as_array().unwrap().iter().map(|r| amount(&r["amount"])).sum();
        assert_eq!(sum, amount(&node["recoveredAmount"]), "{node}");
    }
    assert!(nodes.iter().filter(|n| amount(&n["recoveredAmount"]) > 0).count() >= 9, "{data}");
    assert!(nodes.iter().filter(|n| n["disciplinaryActions"]["totalCount"] == 1).count() >= 9, "{data}");
    // Every demo matter's history verifies.
    assert!(app.audit.verify(&app.db, None).await.unwrap().problem.is_none());
}

#[tokio::test]
async fn an_expired_idempotency_key_is_free_again_and_expired_keys_are_purged() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "INCIDENT", "code": "NA-E-1", "key": "k-1" });
    app.data(&officer, CREATE, vars).await;
    // The key's time runs out.
    let past = if common::database_kind() == "PostgreSQL" {
        "now() - interval '1 day'"
    } else {
        "'2000-01-01 00:00:00+00:00'"
    };
    app.db.conn.execute_unprepared(&format!("UPDATE idempotency_key SET expires_at = {past}")).await.unwrap();
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "INCIDENT", "code": "NA-E-2", "key": "k-1" });
    let second = app.data(&officer, CREATE, vars).await;
    assert_eq!(second["createCase"]["case"]["code"], "NA-E-2", "a new write under the expired key");
    app.db.conn.execute_unprepared(&format!("UPDATE idempotency_key SET expires_at = {past}")).await.unwrap();
    let purged = steerql::db::idempotency::purge_keys(&app.db.conn, chrono::Utc::now()).await.unwrap();
    assert_eq!(purged, 1);
}

const RECOVER: &str = "mutation($case: ID!, $amount: VND!, $on: Date!, $ref: String!, $key: String) {
  recordRecovery(input: {caseId: $case, idempotencyKey: $key, amount: $amount, recoveredOn: $on, reference: $ref}) { recovery {
    amount recoveredOn reference } } }";

const DISCIPLINE: &str = "mutation($case: ID!, $name: String!, $on: Date!) {
  recordDisciplinaryAction(input: {owner: {caseId: $case}, subjectKind: INDIVIDUAL, subjectName: $name,
                                   form: WARNING, decidingBody: \"Ủy ban Kiểm tra Tỉnh ủy\", decidedOn: $on}) { disciplinaryAction {
    subjectName decidedOn } } }";

const RECORDS: &str = "query($id: ID!, $after: String, $dAfter: String) { case(id: $id) { recoveredAmount
  recoveries(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { amount recoveredOn reference } }
  disciplinaryActions(first: 2, after: $dAfter) { totalCount pageInfo { hasNextPage endCursor }
    nodes { subjectName decidedOn } } } }";

#[tokio::test]
async fn recoveries_and_disciplinary_actions_are_paged_by_date_and_each_enters_the_case_history() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-R-001").await;
    let id = case["id"].as_str().unwrap();
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    // Recorded out of date order; two on one day (the id breaks the tie).
    for (amount, on, reference) in [
        ("5000000000", "2024-09-01", "PT-3"),
        ("1000000000", "2024-05-01", "PT-1"),
        ("2000000000", "2024-07-01", "PT-2a"),
        ("3000000000", "2024-07-01", "PT-2b"),
        ("9000000000", "2024-12-01", "PT-4"),
    ] {
        let vars = json!({ "case": id, "amount": amount, "on": on, "ref": reference });
        app.data(&officer, RECOVER, vars).await;
    }
    for (name, on) in [("Cá nhân B", "2024-08-01"), ("Cá nhân A", "2024-04-01"), ("Cá nhân C", "2024-10-01")] {
        app.data(&officer, DISCIPLINE, json!({ "case": id, "name": name, "on": on })).await;
    }

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(&officer, RECORDS, json!({ "id": id, "after": after })).await;
        let page = &data["case"]["recoveries"];
        assert_eq!(page["totalCount"], 5, "{data}");
        assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null(), "{data}");
        assert_eq!(data["case"]["recoveredAmount"], "20000000000", "the total moves with each recovery");
        seen.extend(page["nodes"].as_array().unwrap().iter().map(|n| n["reference"].as_str().unwrap().to_owned()));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["PT-1", "PT-2a", "PT-2b", "PT-3", "PT-4"], "by date, then as recorded");

    let first = app.data(&officer, RECORDS, json!({ "id": id })).await;
    let discipline = &first["case"]["disciplinaryActions"];
    assert_eq!(discipline["totalCount"], 3);
    assert_eq!(discipline["nodes"][0]["subjectName"], "Cá nhân A");
    assert_eq!(discipline["nodes"][1]["subjectName"], "Cá nhân B");
    let rest = app.data(&officer, RECORDS, json!({ "id": id, "dAfter": discipline["pageInfo"]["endCursor"] })).await;
    let rest = &rest["case"]["disciplinaryActions"];
    assert_eq!(rest["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(rest["nodes"][0]["subjectName"], "Cá nhân C");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    // A cursor of one list is refused by the other, as is a forged one.
    let recovery_cursor = first["case"]["recoveries"]["pageInfo"]["endCursor"].clone();
    for (vars, what) in [
        (json!({ "id": id, "dAfter": recovery_cursor }), "another list's cursor"),
        (json!({ "id": id, "after": "eyJvIjoiUkVDT1ZFUkVEIiwiayI6MSwiaSI6MX0" }), "a forged cursor"),
    ] {
        let (_, body) = app.gql(&officer, RECORDS, vars).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{what}: {body}");
    }

    // Every record is an entry of the case's own history.
    let q = "query($id: ID!) { case(id: $id) { history(first: 20) { nodes { action } } } }";
    let history = app.data(&officer, q, json!({ "id": id })).await;
    let actions: Vec<&str> =
        history["case"]["history"]["nodes"].as_array().unwrap().iter().map(|n| n["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "RECOVERY_RECORD").count(), 5, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "DISCIPLINE_RECORD").count(), 3, "{actions:?}");
    let verify = "{ verifyAuditTrail { ok } }";
    assert_eq!(app.data(&app.token(&["AUDITOR@CENTRAL"]), verify, json!({})).await["verifyAuditTrail"]["ok"], true);
}

#[tokio::test]
async fn a_recovery_needs_a_positive_amount_the_right_role_and_an_open_case_and_repeats_by_key() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-R-002").await;
    let id = case["id"].as_str().unwrap();
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let vars = |amount: &str| json!({ "case": id, "amount": amount, "on": "2024-05-01", "ref": "PT-9", "key": "r-1" });
    let (_, body) = app.gql(&officer, RECOVER, vars("0")).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["recordRecovery"]), "{body}");
    let (_, body) = app.gql(&app.token(&["MEMBER@NGHE_AN"]), RECOVER, vars("100")).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let (_, body) = app.gql(&app.token(&["OFFICER@HA_TINH"]), RECOVER, vars("100")).await;
    assert_eq!(code(&body), "NOT_FOUND", "another province's case does not exist for it: {body}");
    // The same key twice: one recovery, the first answer.
    let one = app.data(&officer, RECOVER, vars("100")).await;
    let two = app.data(&officer, RECOVER, vars("100")).await;
    assert_eq!(one, two);
    let (_, body) = app.gql(&officer, RECOVER, vars("200")).await;
    assert_eq!(code(&body), "CONFLICT", "the key was used for other input: {body}");
    let total = app.data(&officer, RECORDS, json!({ "id": id })).await;
    assert_eq!(total["case"]["recoveredAmount"], "100");
    assert_eq!(total["case"]["recoveries"]["totalCount"], 1);
}

#[tokio::test]
async fn the_latest_entry_carries_its_payload_whenever_it_is_asked_for_directly_or_through_fragments() {
    let app = TestApp::spawn().await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "{ cases(first: 5) { nodes { short: lastEvent { seq action } full: lastEvent { seq payload } ...Last
                 history(last: 1) { nodes { seq payload } } } } }
             fragment Last on Case { viaFragment: lastEvent { ...Entry } }
             fragment Entry on AuditEvent { payload }";
    let data = app.data(&auditor, q, json!({})).await;
    let nodes = data["cases"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    for node in nodes {
        let newest = &node["history"]["nodes"][0];
        assert!(newest["payload"].is_object(), "{node}");
        assert_eq!(node["full"]["payload"], newest["payload"], "{node}");
        assert_eq!(node["viaFragment"]["payload"], newest["payload"], "{node}");
        assert_eq!(node["short"]["seq"], newest["seq"], "{node}");
    }
}

#[tokio::test]
async fn every_field_of_a_case_its_committee_a_defendant_and_an_entry_reads_the_same_in_a_list_as_by_id() {
    // Lists read only the columns their selections need; by id, a record is
    // read whole. Each field alone, through a list, against the same
    // records by id: a field whose columns the tables miss reads a default.
    let app = TestApp::spawn().await;
    let token = app.token(&["STANDING@CENTRAL", "AUDITOR@CENTRAL"]);
    let types = object_types(&app, &token).await;
    let fields = |name: &str| types[name]["fields"].as_array().unwrap().clone();
    let by_id = |ids: Vec<Value>, on: &str, sel: &str| {
        (format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on {on} {{ id {sel} }} }} }}"), json!({ "ids": ids }))
    };
    // The tables name only fields there are.
    use steerql::graphql::types::committee::COMMITTEE_COLUMNS;
    use steerql::graphql::types::{audit::AUDIT_EVENT_COLUMNS, case::CASE_COLUMNS, case::DEFENDANT_COLUMNS};
    let names = |table: &[&str], of: &str| {
        let known: Vec<Value> = fields(of).iter().map(|f| f["name"].clone()).collect();
        table.iter().for_each(|name| assert!(known.contains(&json!(name)), "{of}.{name} is not a field"));
    };
    names(&CASE_COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "Case");
    names(&DEFENDANT_COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "Defendant");
    names(&AUDIT_EVENT_COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "AuditEvent");
    names(&COMMITTEE_COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>(), "Committee");
    let mut compared = [0, 0, 0, 0];
    for field in fields("Case") {
        let sel = selection(&types, &field, 2);
        let list = app.data(&token, &format!("{{ cases(first: 20) {{ nodes {{ id {sel} }} }} }}"), json!({})).await;
        let listed = list["cases"]["nodes"].as_array().unwrap().clone();
        let (q, vars) = by_id(listed.iter().map(|n| n["id"].clone()).collect(), "Case", &sel);
        assert_eq!(app.data(&token, &q, vars).await["nodes"], json!(listed), "Case.{}", field["name"]);
        compared[0] += listed.len();
    }
    for field in fields("Defendant") {
        let sel = selection(&types, &field, 1);
        let q = format!(
            "{{ cases(first: 20, filter: {{kind: CASE}}) {{ nodes {{ defendants(first: 5) {{ nodes {{ id {sel} }} }} }} }} }}"
        );
        let list = app.data(&token, &q, json!({})).await;
        let listed: Vec<Value> = list["cases"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["defendants"]["nodes"].as_array().unwrap().clone())
            .collect();
        let (q, vars) = by_id(listed.iter().map(|n| n["id"].clone()).collect(), "Defendant", &sel);
        assert_eq!(app.data(&token, &q, vars).await["nodes"], json!(listed), "Defendant.{}", field["name"]);
        compared[1] += listed.len();
    }
    for field in fields("AuditEvent") {
        let sel = selection(&types, &field, 1);
        let list = app
            .data(&token, &format!("{{ cases(first: 20) {{ nodes {{ lastEvent {{ id {sel} }} }} }} }}"), json!({}))
            .await;
        let listed: Vec<Value> =
            list["cases"]["nodes"].as_array().unwrap().iter().map(|c| c["lastEvent"].clone()).collect();
        let (q, vars) = by_id(listed.iter().map(|n| n["id"].clone()).collect(), "AuditEvent", &sel);
        assert_eq!(app.data(&token, &q, vars).await["nodes"], json!(listed), "AuditEvent.{}", field["name"]);
        compared[2] += listed.len();
    }
    // A page's monitoring committees are joined into its statement, each
    // read with the columns its selection needs.
    for field in fields("Committee") {
        let sel = selection(&types, &field, 1);
        let list = app
            .data(
                &token,
                &format!("{{ cases(first: 40) {{ nodes {{ monitoringCommittee {{ id {sel} }} }} }} }}"),
                json!({}),
            )
            .await;
        let listed: Vec<Value> =
            list["cases"]["nodes"].as_array().unwrap().iter().map(|c| c["monitoringCommittee"].clone()).collect();
        assert!(listed.iter().all(Value::is_object), "Committee.{}: {listed:?}", field["name"]);
        let (q, vars) = by_id(listed.iter().map(|n| n["id"].clone()).collect(), "Committee", &sel);
        assert_eq!(app.data(&token, &q, vars).await["nodes"], json!(listed), "Committee.{}", field["name"]);
        compared[3] += listed.len();
    }
    // Every field was compared on records that have it.
    assert!(compared.iter().all(|n| *n > 0), "{compared:?}");
}

#[tokio::test]
async fn a_provincial_viewer_reads_the_monitoring_committees_of_a_page_as_it_reads_them_by_id() {
    // The page joins them in under the viewer's organisation reach, which
    // for a provincial grant is a condition in SQL rather than everything.
    let app = TestApp::spawn().await;
    let token = app.token(&["OFFICER@NGHE_AN"]);
    let sel = "id code name parent { code }";
    let q = format!("{{ cases(first: 50) {{ nodes {{ code monitoringCommittee {{ {sel} }} }} }} }}");
    let list = app.data(&token, &q, json!({})).await;
    let nodes = list["cases"]["nodes"].as_array().unwrap().clone();
    assert!(nodes.len() >= 20, "{nodes:?}");
    let committees: Vec<Value> = nodes.iter().map(|n| n["monitoringCommittee"].clone()).collect();
    assert!(committees.iter().all(|c| c["code"] == "NGHE_AN"), "{committees:?}");
    let by_id = format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Committee {{ {sel} }} }} }}");
    let ids: Vec<Value> = committees.iter().map(|c| c["id"].clone()).collect();
    assert_eq!(app.data(&token, &by_id, json!({ "ids": ids })).await["nodes"], json!(committees));
}

#[tokio::test]
async fn an_indictment_moves_the_defendants_still_prosecuted_and_records_each_in_the_history() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-I-001").await;
    let id = case["id"].as_str().unwrap();
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let add = "mutation($c: ID!, $name: String!, $status: DefendantStatus!) {
        addDefendant(input: {caseId: $c, fullName: $name, status: $status}) { defendant { id version status } } }";
    let mut added = Vec::new();
    for (name, status) in
        [("Bị Can Một", "PROSECUTED"), ("Bị Can Hai", "PROSECUTED"), ("Bị Can Ba", "FLED_TRIED_IN_ABSENTIA")]
    {
        let vars = json!({ "c": id, "name": name, "status": status });
        added.push(app.data(&officer, add, vars).await["addDefendant"]["defendant"].clone());
    }
    let standing = app.token(&["STANDING@NGHE_AN"]);
    for t in ["START_INVESTIGATION", "INDICT"] {
        app.data(&standing, STEP, full(id, t)).await;
    }
    let auditor = app.token(&["AUDITOR@NGHE_AN"]);
    let q = "query($id: ID!) { case(id: $id) { procedureState defendants(first: 10) { nodes { id version status } }
        history(last: 3) { nodes { action entityId payload } } } }";
    let data = app.data(&auditor, q, json!({ "id": id })).await;
    assert_eq!(data["case"]["procedureState"], "INDICTMENT");
    let now = data["case"]["defendants"]["nodes"].as_array().unwrap().clone();
    for (before, after) in added.iter().zip(&now) {
        let moved = before["status"] == "PROSECUTED";
        let (status, bump) = if moved { ("INDICTED", 1) } else { (before["status"].as_str().unwrap(), 0) };
        assert_eq!(after["status"], status, "{after}");
        assert_eq!(after["version"].as_i64().unwrap(), before["version"].as_i64().unwrap() + bump, "{after}");
    }
    // The step, then one entry per defendant it moved, in one transaction.
    let history = data["case"]["history"]["nodes"].as_array().unwrap().clone();
    assert_eq!(history[0]["action"], "CASE_TRANSITION", "{history:?}");
    assert_eq!(history[0]["payload"]["transition"], "INDICT");
    for (entry, defendant) in history[1..].iter().zip(&added[..2]) {
        assert_eq!(entry["action"], "DEFENDANT_UPDATE", "{entry}");
        assert_eq!(entry["entityId"], defendant["id"], "{entry}");
        assert_eq!(entry["payload"]["before"]["status"], "PROSECUTED", "{entry}");
        assert_eq!(entry["payload"]["after"]["status"], "INDICTED", "{entry}");
    }
    let verified = app.data(&app.token(&["AUDITOR@CENTRAL"]), "{ verifyAuditTrail { ok } }", json!({})).await;
    assert_eq!(verified["verifyAuditTrail"]["ok"], true, "{verified}");
}

#[tokio::test]
async fn a_repeat_returns_the_first_answer_after_later_steps_and_is_marked_a_replay() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let police = agency(&app, "NGHE_AN", "POLICE").await;
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "CASE", "code": "NA-K-9", "agency": police,
                       "key": "import-2024-0009" });
    let (_, first) = app.gql(&officer, CREATE, vars.clone()).await;
    assert!(first.get("extensions").is_none(), "a first write is no replay: {first}");
    let id = first["data"]["createCase"]["case"]["id"].as_str().unwrap();
    // The matter moves on before the repeat.
    let standing = app.token(&["STANDING@NGHE_AN"]);
    app.data(&standing, STEP, full(id, "TAKE_UNDER_MONITORING")).await;
    app.data(&officer, STEP, full(id, "START_INVESTIGATION")).await;
    let (_, again) = app.gql(&officer, CREATE, vars).await;
    assert_eq!(again["data"], first["data"], "the first answer, not the record as it is now");
    assert_eq!(again["data"]["createCase"]["case"]["procedureState"], "PROSECUTED");
    assert_eq!(again["extensions"]["replayed"], json!(["createCase"]), "{again}");
    // A step repeated after a later one answers as it did.
    let mut step = full(id, "INDICT");
    step["key"] = json!("indict-1");
    let one = app.data(&officer, STEP, step.clone()).await;
    app.data(&officer, STEP, full(id, "OPEN_TRIAL")).await;
    let (_, two) = app.gql(&officer, STEP, step).await;
    assert_eq!(two["data"], one, "{two}");
    assert_eq!(two["data"]["transitionCase"]["case"]["procedureState"], "INDICTMENT");
}

#[tokio::test]
async fn a_replayed_key_is_checked_for_reach_and_grants_like_a_first_request() {
    let app = TestApp::spawn().await;
    let case = create(&app, "NGHE_AN", "CASE", "NA-K-R").await;
    let id = case["id"].as_str().unwrap();
    let nghe_an = common::token_for("shared", &["OFFICER@NGHE_AN"], false);
    let ha_tinh = common::token_for("shared", &["OFFICER@HA_TINH"], false);
    let add = "mutation($c: ID!, $key: String) {
        addDefendant(input: {caseId: $c, idempotencyKey: $key, fullName: \"Bị Can Bí Mật\", positionHeld: \"Giám đốc\", charges: [\"Điều 356\"]}) { defendant { id fullName positionHeld charges } } }";
    let recover = RECOVER;
    let discipline = "mutation($case: ID!, $key: String) {
        recordDisciplinaryAction(input: {idempotencyKey: $key, owner: {caseId: $case}, subjectKind: INDIVIDUAL, subjectName: \"Cán Bộ Kín\",
            form: WARNING, decidingBody: \"Ủy ban Kiểm tra\", decidedOn: \"2024-05-01\"}) { disciplinaryAction {
            subjectName } } }";
    let writes = [
        (add, json!({ "c": id, "key": "K-add" })),
        (recover, json!({ "case": id, "amount": "1000", "on": "2024-05-01", "ref": "PT-1", "key": "K-rec" })),
        (discipline, json!({ "case": id, "key": "K-disc" })),
    ];
    for (write, vars) in writes {
        let (_, first) = app.gql(&nghe_an, write, vars.clone()).await;
        assert!(first.get("errors").is_none(), "{first}");
        // The same subject with another province's grant: the matter does not exist for it.
        let (_, other) = app.gql(&ha_tinh, write, vars.clone()).await;
        assert_eq!(code(&other), "NOT_FOUND", "{other}");
        let text = other.to_string();
        assert!(!text.contains("Bí Mật") && !text.contains("PT-1") && !text.contains("Cán Bộ Kín"), "{other}");
        // The same subject within reach but with other grants: another request, refused by name.
        let wider = common::token_for("shared", &["OFFICER@NGHE_AN", "MEMBER@HA_TINH"], false);
        let (_, reused) = app.gql(&wider, write, vars.clone()).await;
        assert_eq!(code(&reused), "CONFLICT", "{reused}");
        // The first caller still gets the first answer.
        let (_, again) = app.gql(&nghe_an, write, vars).await;
        assert_eq!(again["data"], first["data"], "{again}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_of_one_key_write_once_and_all_get_the_first_answer() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let police = agency(&app, "NGHE_AN", "POLICE").await;
    let mut urls = vec![app.url.clone()];
    if common::database_kind() == "PostgreSQL" {
        urls.push(app.second_instance().await);
    }
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": "CASE", "code": "NA-K-C", "agency": police,
                       "key": "import-concurrent" });
    let client = reqwest::Client::new();
    let calls = (0..16).map(|i| {
        let (client, url, token) = (client.clone(), urls[i % urls.len()].clone(), officer.clone());
        let body = json!({ "query": CREATE, "variables": vars });
        tokio::spawn(async move {
            client.post(url).bearer_auth(token).json(&body).send().await.unwrap().json::<Value>().await.unwrap()
        })
    });
    let answers: Vec<Value> = futures_util::future::join_all(calls).await.into_iter().map(Result::unwrap).collect();
    for answer in &answers {
        assert_eq!(answer["data"], answers[0]["data"], "{answers:#?}");
    }
    let replays = answers.iter().filter(|a| a.get("extensions").is_some()).count();
    assert_eq!(replays, 15, "one first write, fifteen replays: {answers:#?}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM case_record WHERE code = 'NA-K-C'").await, 1);
}

#[tokio::test]
async fn a_record_out_of_reach_is_answered_by_the_same_statements_as_one_that_does_not_exist() {
    let app = TestApp::spawn().await;
    let central = app.token(&["AUDITOR@CENTRAL"]);
    let q = "{ cases(first: 1, filter: {text: \"NA-VA-001\"}) { nodes { defendants(first: 1) { nodes { id } } recoveries(first: 1) { nodes { id } } } } }";
    let case = app.data(&central, q, json!({})).await["cases"]["nodes"][0].clone();
    let outsider = app.token(&["OFFICER@HA_TINH"]);
    let node = "query($id: ID!) { node(id: $id) { id } }";
    for (kind, found) in [
        ("Defendant", case["defendants"]["nodes"][0]["id"].clone()),
        ("Recovery", case["recoveries"]["nodes"][0]["id"].clone()),
    ] {
        let found = found.as_str().unwrap_or_else(|| panic!("the demo case has a {kind}: {case}")).to_owned();
        let missing = steerql::graphql::ids::encode(
            match kind {
                "Defendant" => steerql::graphql::ids::Kind::Defendant,
                _ => steerql::graphql::ids::Kind::Recovery,
            },
            999_999_999,
        )
        .to_string();
        let mut answers = Vec::new();
        for id in [&found, &missing] {
            app.reset_statements();
            let (_, body) = app.gql(&outsider, node, json!({ "id": id })).await;
            answers.push((app.statements(), body["data"].clone(), body["errors"][0]["extensions"].clone()));
        }
        assert_eq!(answers[0], answers[1], "{kind}: out of reach vs missing");
        assert_eq!(answers[0].2["code"], "NOT_FOUND", "{kind}: {answers:?}");
        // Within reach it is found.
        let nghe_an = app.token(&["OFFICER@NGHE_AN"]);
        let seen = app.data(&nghe_an, node, json!({ "id": found })).await;
        assert_eq!(seen["node"]["id"], found.as_str());
    }
}
