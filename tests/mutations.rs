//! The write contract as a client sees it: one `input`, one payload holding
//! every record the write changed, `clientMutationId` echoed, a version
//! check wherever a write moves a version, an idempotency key on every
//! write, and one-of inputs that refuse two answers. The schema test
//! (`tests/schema.rs`) holds the shapes; these hold the behaviour behind them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, code};
use serde_json::{Value, json};

const CREATE: &str = "mutation($c: ID!, $kind: CaseKind!, $code: String!, $cmid: String) {
  createCase(input: {clientMutationId: $cmid, kind: $kind, code: $code, title: \"Kiểm tra hợp đồng\", field: LAND,
                     source: INSPECTION, lossAmount: \"7000000000\", committeeId: $c, openedOn: \"2024-03-01\"}) {
    clientMutationId case { id version kind monitoringState } } }";

const STEP: &str = "mutation($input: TransitionCaseInput!) { transitionCase(input: $input) {
  clientMutationId
  case { id version monitoringState procedureState }
  openedCase { id kind code procedureState origin { id } }
  defendants { id status }
  historyEntry { seq action chain } } }";

async fn create(app: &TestApp, kind: &str, code: &str) -> Value {
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let vars = json!({ "c": app.committee_id("NGHE_AN").await, "kind": kind, "code": code });
    app.data(&officer, CREATE, vars).await["createCase"]["case"].clone()
}

fn step(id: &Value, transition: &str) -> Value {
    json!({ "input": { "id": id, "transition": transition, "effectiveOn": "2024-06-01",
                       "decisionRef": "3/QD-BCD", "reason": "Decided at the meeting" } })
}

#[tokio::test]
async fn a_client_mutation_id_comes_back_as_sent_and_an_unusable_one_is_refused() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let nghe_an = app.committee_id("NGHE_AN").await;
    let vars = json!({ "c": nghe_an, "kind": "CASE", "code": "NA-M-1", "cmid": "desk-42 ✓" });
    let data = app.data(&officer, CREATE, vars).await;
    assert_eq!(data["createCase"]["clientMutationId"], "desk-42 ✓");
    let vars = json!({ "c": nghe_an, "kind": "CASE", "code": "NA-M-2" });
    assert_eq!(app.data(&officer, CREATE, vars).await["createCase"]["clientMutationId"], Value::Null);
    // NUL is refused in any variable before anything runs; the rest by the input's own rule.
    for (bad, field) in [
        (json!(""), json!(["input", "clientMutationId"])),
        (json!("x".repeat(201)), json!(["input", "clientMutationId"])),
        (json!("a\u{0}b"), json!(["$cmid"])),
    ] {
        let vars = json!({ "c": nghe_an, "kind": "CASE", "code": "NA-M-3", "cmid": bad });
        let (status, body) = app.gql(&officer, CREATE, vars).await;
        assert_eq!((status.as_u16(), code(&body)), (200, "BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let count = "query($c: ID!) { cases(first: 10, filter: {committeeId: $c, text: \"NA-M-\"}) { totalCount } }";
    assert_eq!(
        app.data(&officer, count, json!({ "c": nghe_an })).await["cases"]["totalCount"],
        2,
        "nothing refused was written"
    );
}

#[tokio::test]
async fn a_transfer_to_investigation_returns_the_incident_the_case_it_opened_and_its_history_entry() {
    let app = TestApp::spawn().await;
    let standing = app.token(&["STANDING@NGHE_AN"]);
    let incident = create(&app, "INCIDENT", "NA-M-INC").await;
    let id = &incident["id"];
    let taken = app.data(&standing, STEP, step(id, "TAKE_UNDER_MONITORING")).await;
    assert_eq!(taken["transitionCase"]["openedCase"], Value::Null, "only a transfer opens a case");
    assert_eq!(taken["transitionCase"]["historyEntry"]["action"], "CASE_TRANSITION", "{taken}");

    let mut transfer = step(id, "TRANSFER_TO_INVESTIGATION");
    transfer["input"]["clientMutationId"] = json!("transfer-1");
    let moved = &app.data(&standing, STEP, transfer).await["transitionCase"];
    assert_eq!(moved["clientMutationId"], "transfer-1");
    assert_eq!(moved["case"]["id"], *id);
    assert_eq!(moved["case"]["version"], incident["version"].as_i64().unwrap() + 2);
    let opened = &moved["openedCase"];
    assert_eq!(opened["kind"], "CASE", "{moved}");
    assert_eq!(opened["origin"]["id"], *id, "the opened case points back to its incident");
    assert_eq!(opened["code"], "NA-M-INC-VA");
    // The global ID is the one `node` answers to.
    let q = "query($id: ID!) { node(id: $id) { ... on Case { code origin { id } } } }";
    let node = app.data(&standing, q, json!({ "id": opened["id"] })).await;
    assert_eq!(node["node"]["code"], "NA-M-INC-VA");
    let entry = &moved["historyEntry"];
    assert!(entry["chain"].as_str().unwrap().starts_with("case:"), "{entry}");
    let history = "query($id: ID!) { case(id: $id) { history(last: 1) { nodes { seq action } } } }";
    let last = app.data(&standing, history, json!({ "id": id })).await;
    assert_eq!(
        last["case"]["history"]["nodes"][0]["seq"], entry["seq"],
        "the payload's entry is the newest in the history"
    );
}

#[tokio::test]
async fn indicting_returns_the_defendants_the_step_moved() {
    let app = TestApp::spawn().await;
    let standing = app.token(&["STANDING@NGHE_AN"]);
    let case = create(&app, "CASE", "NA-M-IND").await;
    let id = &case["id"];
    let add = "mutation($c: ID!, $n: String!) { addDefendant(input: {caseId: $c, fullName: $n}) { defendant { id } } }";
    let mut added = Vec::new();
    for name in ["Bị Can Một", "Bị Can Hai"] {
        added.push(
            app.data(&standing, add, json!({ "c": id, "n": name })).await["addDefendant"]["defendant"]["id"].clone(),
        );
    }
    app.data(&standing, STEP, step(id, "START_INVESTIGATION")).await;
    let indicted = app.data(&standing, STEP, step(id, "INDICT")).await;
    let moved = indicted["transitionCase"]["defendants"].as_array().unwrap();
    let mut ids: Vec<_> = moved.iter().map(|d| d["id"].clone()).collect();
    ids.sort_by_key(Value::to_string);
    added.sort_by_key(Value::to_string);
    assert_eq!(ids, added, "{indicted}");
    assert!(moved.iter().all(|d| d["status"] == "INDICTED"), "{indicted}");
}

#[tokio::test]
async fn writes_that_move_a_cases_version_return_the_case_and_refuse_a_stale_version() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let case = create(&app, "CASE", "NA-M-VER").await;
    let (id, v1) = (&case["id"], case["version"].as_i64().unwrap());
    let police = {
        let q = "{ committeeByCode(code: \"NGHE_AN\") { agencies(first: 20) { nodes { id kind } } } }";
        let data = app.data(&officer, q, json!({})).await;
        data["committeeByCode"]["agencies"]["nodes"].as_array().unwrap().iter().find(|a| a["kind"] == "POLICE").unwrap()
            ["id"]
            .clone()
    };
    let recover = "mutation($c: ID!, $v: Int) { recordRecovery(input: {caseId: $c, expectedVersion: $v, amount: \"2500000000\",
        recoveredOn: \"2024-07-01\", reference: \"PT-9\"}) { recovery { amount } case { id version recoveredAmount } } }";
    let defend =
        "mutation($c: ID!, $v: Int) { addDefendant(input: {caseId: $c, expectedVersion: $v, fullName: \"Bị Can Ba\"}) {
        defendant { fullName case { id } } case { version defendantCounts { total } } } }";
    let refer = "mutation($c: ID!, $v: Int, $a: ID!) { addCaseReference(input: {caseId: $c, expectedVersion: $v, agencyId: $a,
        number: \"77/CSKT\"}) { reference { number agency { id } } case { version references(first: 5) { totalCount } } } }";

    let data = app.data(&officer, recover, json!({ "c": id, "v": v1 })).await;
    let paid = &data["recordRecovery"];
    assert_eq!(paid["recovery"]["amount"], "2500000000");
    assert_eq!(paid["case"], json!({ "id": id, "version": v1 + 1, "recoveredAmount": "2500000000" }));

    let data = app.data(&officer, defend, json!({ "c": id, "v": v1 + 1 })).await;
    assert_eq!(data["addDefendant"]["defendant"]["case"]["id"], *id);
    assert_eq!(data["addDefendant"]["case"], json!({ "version": v1 + 2, "defendantCounts": { "total": 1 } }));

    let data = app.data(&officer, refer, json!({ "c": id, "v": v1 + 2, "a": police })).await;
    assert_eq!(data["addCaseReference"]["reference"], json!({ "number": "77/CSKT", "agency": { "id": police } }));
    assert_eq!(data["addCaseReference"]["case"], json!({ "version": v1 + 3, "references": { "totalCount": 1 } }));

    // Each again with the version read at the start: refused, nothing written.
    for (write, vars) in [
        (recover, json!({ "c": id, "v": v1 })),
        (defend, json!({ "c": id, "v": v1 })),
        (refer, json!({ "c": id, "v": v1, "a": police })),
    ] {
        let (_, body) = app.gql(&officer, write, vars).await;
        assert_eq!(code(&body), "CONFLICT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "STALE_VERSION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["currentVersion"], v1 + 3, "{body}");
        assert_eq!(body["data"], Value::Null, "{body}");
    }
    let q = "query($id: ID!) { case(id: $id) { version recoveredAmount defendants(first: 5) { totalCount } } }";
    let now = app.data(&officer, q, json!({ "id": id })).await;
    assert_eq!(
        now["case"],
        json!({ "version": v1 + 3, "recoveredAmount": "2500000000", "defendants": { "totalCount": 1 } })
    );
}

#[tokio::test]
async fn an_organisation_write_repeated_with_its_key_returns_the_first_answer_and_writes_once() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let bac_kan = app.committee_id("BAC_KAN").await;
    let create = "mutation($c: ID!, $n: String!, $key: String, $cmid: String) {
        createPerson(input: {homeCommitteeId: $c, fullName: $n, partyMember: true, idempotencyKey: $key, clientMutationId: $cmid}) {
          clientMutationId person { id fullName version } } }";
    let vars = json!({ "c": bac_kan, "n": "Người Lặp Lại", "key": "person-1", "cmid": "first" });
    let (_, first) = app.gql(&admin, create, vars.clone()).await;
    assert!(first.get("errors").is_none(), "{first}");
    let mut again = vars.clone();
    again["cmid"] = json!("second");
    let (_, second) = app.gql(&admin, create, again).await;
    assert_eq!(second["data"]["createPerson"]["person"], first["data"]["createPerson"]["person"], "{second}");
    assert_eq!(second["data"]["createPerson"]["clientMutationId"], "second", "the id is the request's, not the key's");
    assert_eq!(second["extensions"]["replayed"], json!(["createPerson"]), "{second}");
    let people = "{ people(first: 100, filter: {nameContains: \"Lặp Lại\"}) { totalCount } }";
    assert_eq!(app.data(&admin, people, json!({})).await["people"]["totalCount"], 1);

    // The same key with other input is a conflict a client can tell apart.
    let mut other = vars.clone();
    other["n"] = json!("Người Khác");
    let (_, body) = app.gql(&admin, create, other).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "KEY_REUSED", "{body}");
    assert_eq!(app.data(&admin, people, json!({})).await["people"]["totalCount"], 1);

    // An update repeated: one version bump, the first answer twice.
    let id = first["data"]["createPerson"]["person"]["id"].clone();
    let rename = "mutation($id: ID!, $key: String) { updatePerson(input: {id: $id, fullName: \"Người Đổi Tên\", idempotencyKey: $key}) {
        person { version fullName } } }";
    let once = app.data(&admin, rename, json!({ "id": id, "key": "rename-1" })).await;
    let twice = app.data(&admin, rename, json!({ "id": id, "key": "rename-1" })).await;
    assert_eq!(once, twice);
    assert_eq!(twice["updatePerson"]["person"]["version"], 2);
}

#[tokio::test]
async fn a_checkpoint_request_repeated_with_its_key_returns_the_same_checkpoint() {
    let app = TestApp::spawn().await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let sign = "mutation($key: String) { createAuditCheckpoint(input: {idempotencyKey: $key}) {
        checkpoint { number statement } } }";
    let first = app.data(&auditor, sign, json!({ "key": "cp-1" })).await;
    // A write in between: a new checkpoint would cover it, the replay does not.
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let rename =
        "mutation($id: ID!) { updateCommittee(input: {id: $id, regulation: \"67-QD/TW\"}) { committee { id } } }";
    app.data(&admin, rename, json!({ "id": app.committee_id("BAC_KAN").await })).await;
    let again = app.data(&auditor, sign, json!({ "key": "cp-1" })).await;
    assert_eq!(again, first);
    let fresh = app.data(&auditor, sign, json!({ "key": "cp-2" })).await;
    assert_ne!(
        fresh["createAuditCheckpoint"]["checkpoint"]["number"],
        first["createAuditCheckpoint"]["checkpoint"]["number"]
    );
}

#[tokio::test]
async fn one_of_inputs_take_exactly_one_field() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let nghe_an = app.committee_id("NGHE_AN").await;
    let seats = "query($held: SeatHeld) { committeeByCode(code: \"NGHE_AN\") {
        positions(first: 100, filter: {held: $held}) { totalCount } } }";
    let count = |held: Value| {
        let (app, officer, seats) = (&app, officer.clone(), seats);
        async move { app.gql(&officer, seats, json!({ "held": held })).await.1 }
    };
    let all = count(Value::Null).await["data"]["committeeByCode"]["positions"]["totalCount"].as_i64().unwrap();
    let today =
        count(json!({ "today": true })).await["data"]["committeeByCode"]["positions"]["totalCount"].as_i64().unwrap();
    let then = count(json!({ "on": "2024-07-08" })).await["data"]["committeeByCode"]["positions"]["totalCount"]
        .as_i64()
        .unwrap();
    assert!(today > 0 && then > 0 && today <= all && then <= all, "{all} {today} {then}");
    for (held, field) in [
        (json!({ "on": "2024-07-08", "today": true }), None),
        (json!({}), None),
        (json!({ "today": false }), Some(json!(["filter", "held", "today"]))),
    ] {
        let body = count(held.clone()).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{held}: {body}");
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
    }

    let discipline = "mutation($owner: DisciplineOwnerInput!) { recordDisciplinaryAction(input: {owner: $owner,
        subjectKind: ORGANISATION, subjectName: \"Phòng Tài nguyên\", form: REPRIMAND, decidingBody: \"Ủy ban Kiểm tra\",
        decidedOn: \"2024-05-01\"}) { disciplinaryAction { subjectName case { id } } } }";
    let case = create(&app, "CASE", "NA-M-DIS").await;
    let both = json!({ "owner": { "caseId": case["id"], "committeeId": nghe_an } });
    let (_, body) = app.gql(&officer, discipline, both).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let to_case = app.data(&officer, discipline, json!({ "owner": { "caseId": case["id"] } })).await;
    assert_eq!(to_case["recordDisciplinaryAction"]["disciplinaryAction"]["case"]["id"], case["id"]);
    let alone = app.data(&officer, discipline, json!({ "owner": { "committeeId": nghe_an } })).await;
    assert_eq!(alone["recordDisciplinaryAction"]["disciplinaryAction"]["case"], Value::Null);
}

#[tokio::test]
async fn references_recoveries_and_checkpoints_are_nodes_a_cache_can_refetch_within_reach() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let case = create(&app, "CASE", "NA-M-NODE").await;
    let police = {
        let q = "{ committeeByCode(code: \"NGHE_AN\") { agencies(first: 20) { nodes { id kind } } } }";
        let data = app.data(&officer, q, json!({})).await;
        let agencies = data["committeeByCode"]["agencies"]["nodes"].as_array().unwrap().clone();
        agencies.into_iter().find(|a| a["kind"] == "POLICE").unwrap()["id"].clone()
    };
    let refer = "mutation($c: ID!, $a: ID!) { addCaseReference(input: {caseId: $c, agencyId: $a, number: \"5/CSKT\"}) {
        reference { id number case { id } } } }";
    let reference =
        app.data(&officer, refer, json!({ "c": case["id"], "a": police })).await["addCaseReference"]["reference"]
            .clone();
    assert_eq!(reference["case"]["id"], case["id"], "{reference}");
    let recover = "mutation($c: ID!) { recordRecovery(input: {caseId: $c, amount: \"100\", recoveredOn: \"2024-07-01\",
        reference: \"PT-1\"}) { recovery { id case { id } } } }";
    let recovery = app.data(&officer, recover, json!({ "c": case["id"] })).await["recordRecovery"]["recovery"].clone();
    assert_eq!(recovery["case"]["id"], case["id"], "the recovery points to its case");

    let node = "query($id: ID!) { node(id: $id) { id ... on CaseReference { number case { id } } ... on Recovery { case { id } } } }";
    let got = app.data(&officer, node, json!({ "id": reference["id"] })).await;
    assert_eq!(got["node"], reference, "{got}");
    let got = app.data(&officer, node, json!({ "id": recovery["id"] })).await;
    assert_eq!(got["node"], recovery, "{got}");
    // Out of reach: the same answer as an id that was never issued.
    let outsider = app.token(&["OFFICER@HA_TINH"]);
    for id in [&reference["id"], &recovery["id"]] {
        let (_, body) = app.gql(&outsider, node, json!({ "id": id })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
        assert_eq!(body["data"], json!({ "node": null }), "{body}");
    }

    // A checkpoint is a node for those who may read the trail; for others it does not exist.
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let sign = "mutation { createAuditCheckpoint(input: {}) { checkpoint { id number } } }";
    let checkpoint = app.data(&auditor, sign, json!({})).await["createAuditCheckpoint"]["checkpoint"].clone();
    let node = "query($id: ID!) { node(id: $id) { id ... on AuditCheckpoint { number } } }";
    let got = app.data(&auditor, node, json!({ "id": checkpoint["id"] })).await;
    assert_eq!(got["node"], checkpoint, "{got}");
    let (_, body) = app.gql(&officer, node, json!({ "id": checkpoint["id"] })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
}
