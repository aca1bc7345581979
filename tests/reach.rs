//! One table, every root field: a token holding every role on Nghe An's
//! committee aims each root field, and the nested lists of its own records,
//! at Ha Tinh's records. Nothing of Ha Tinh's comes back (no id, code, name
//! or chain in any answer), a record named by id is `NOT_FOUND` as one that
//! does not exist (or the write is `FORBIDDEN` outright, for central-only
//! operations), and nothing of Ha Tinh's changes. A test holds the table to
//! the schema's root fields, so a new one cannot skip the check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::TestApp;
use serde_json::{Value, json};

/// Ha Tinh's records, made by its own officer, and the strings that would
/// show one of them leaked.
struct Foreign {
    committee: String,
    case: String,
    case_code: String,
    defendant: String,
    defendant_name: String,
    recovery: String,
    police: String,
    person: String,
    person_name: String,
    position: String,
    chain: String,
}

impl Foreign {
    /// Quoted JSON strings: an id or code appears in an answer only as one.
    fn secrets(&self) -> Vec<String> {
        [
            &self.committee,
            &self.case,
            &self.case_code,
            &self.defendant,
            &self.defendant_name,
            &self.recovery,
            &self.police,
            &self.person,
            &self.person_name,
            &self.position,
            &self.chain,
            &"HA_TINH".to_owned(),
            &"77/HT-CSKT".to_owned(),
        ]
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect()
    }
}

async fn ha_tinh(app: &TestApp) -> Foreign {
    let officer = app.token(&["OFFICER@HA_TINH"]);
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let committee = app.committee_id("HA_TINH").await;
    let q = "{ committeeByCode(code: \"HA_TINH\") { agencies(first: 20) { nodes { id kind } } } }";
    let agencies = app.data(&admin, q, json!({})).await["committeeByCode"]["agencies"]["nodes"].clone();
    let police = agencies.as_array().unwrap().iter().find(|a| a["kind"] == "POLICE").unwrap()["id"].clone();
    let create = "mutation($c: ID!, $a: ID!) { createCase(input: {kind: CASE, code: \"HT-REACH-1\", title: \"Đất\",
        field: LAND, source: INSPECTION, committeeId: $c, handlingAgencyId: $a, openedOn: \"2024-03-01\",
        references: [{agencyId: $a, number: \"77/HT-CSKT\"}]}) { case { id } } }";
    let case =
        app.data(&officer, create, json!({ "c": committee, "a": police })).await["createCase"]["case"]["id"].clone();
    let defendant = app
        .data(
            &officer,
            "mutation($c: ID!) { addDefendant(input: {caseId: $c, fullName: \"Bị Can Hà Tĩnh Giả Định\",
               positionHeld: \"Trưởng phòng\", charges: [\"Điều 356\"]}) { defendant { id } } }",
            json!({ "c": case }),
        )
        .await["addDefendant"]["defendant"]["id"]
        .clone();
    let recovery = app
        .data(
            &officer,
            "mutation($c: ID!) { recordRecovery(input: {caseId: $c, amount: \"1000\", recoveredOn: \"2024-05-01\",
               reference: \"PT-HT\"}) { recovery { id } } }",
            json!({ "c": case }),
        )
        .await["recordRecovery"]["recovery"]["id"]
        .clone();
    let person = app
        .data(
            &admin,
            "mutation($c: ID!) { createPerson(input: {fullName: \"Cán Bộ Hà Tĩnh Giả Định\", partyMember: true,
               homeCommitteeId: $c}) { person { id } } }",
            json!({ "c": committee }),
        )
        .await["createPerson"]["person"]["id"]
        .clone();
    let position = app
        .data(
            &admin,
            "mutation($c: ID!, $p: ID!) { appointPosition(input: {committeeId: $c, personId: $p, role: MEMBER,
               title: \"Ủy viên\", startOn: \"2024-01-01\"}) { position { id } } }",
            json!({ "c": committee, "p": person }),
        )
        .await["appointPosition"]["position"]["id"]
        .clone();
    let raw = steerql::graphql::ids::decode_any(case.as_str().unwrap()).unwrap().1;
    let s = |v: &Value| v.as_str().unwrap().to_owned();
    Foreign {
        committee,
        case: s(&case),
        case_code: "HT-REACH-1".into(),
        defendant: s(&defendant),
        defendant_name: "Bị Can Hà Tĩnh Giả Định".into(),
        recovery: s(&recovery),
        police: s(&police),
        person: s(&person),
        person_name: "Cán Bộ Hà Tĩnh Giả Định".into(),
        position: s(&position),
        chain: format!("case:{raw}"),
    }
}

/// What the answer must be, besides leaking nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// The named record is `NOT_FOUND`, as a missing one.
    NotFound,
    /// The operation is refused before any record is looked at.
    Forbidden,
    /// A list or count: answered, without Ha Tinh's records.
    Answered,
}

/// (root fields reached, operation, variables, expectation).
type Probe = (&'static [&'static str], &'static str, Value, Expect);

fn probes(f: &Foreign, own_case: &str, own_committee: &str) -> Vec<Probe> {
    use Expect::*;
    let date = "2024-06-01";
    vec![
        // Reads by id.
        (&["node"], "query($id: ID!) { node(id: $id) { id } }", json!({ "id": f.case }), NotFound),
        (&["node"], "query($id: ID!) { node(id: $id) { id } }", json!({ "id": f.defendant }), NotFound),
        (&["node"], "query($id: ID!) { node(id: $id) { id } }", json!({ "id": f.recovery }), NotFound),
        (&["node"], "query($id: ID!) { node(id: $id) { id } }", json!({ "id": f.police }), NotFound),
        (
            &["nodes"],
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [f.committee, f.case, f.person, f.position] }),
            NotFound,
        ),
        (&["committee"], "query($id: ID!) { committee(id: $id) { code } }", json!({ "id": f.committee }), NotFound),
        (&["committeeByCode"], "{ committeeByCode(code: \"HA_TINH\") { code } }", json!({}), NotFound),
        (&["person"], "query($id: ID!) { person(id: $id) { fullName } }", json!({ "id": f.person }), NotFound),
        (&["position"], "query($id: ID!) { position(id: $id) { title } }", json!({ "id": f.position }), NotFound),
        (&["case"], "query($id: ID!) { case(id: $id) { code } }", json!({ "id": f.case }), NotFound),
        (
            &["caseByReference"],
            "query($a: ID!) { caseByReference(agencyId: $a, number: \"77/HT-CSKT\") { code } }",
            json!({ "a": f.police }),
            NotFound,
        ),
        (
            &["verifyAuditTrail"],
            "query($c: ID!) { verifyAuditTrail(committeeId: $c) { ok } }",
            json!({ "c": f.committee }),
            NotFound,
        ),
        (
            &["auditCheckpoints"],
            "query($chain: String!) { auditCheckpoints(first: 5) { nodes { statement inclusionProof(chain: $chain) { hash } } } }",
            json!({ "chain": f.chain }),
            NotFound,
        ),
        (&["lastAuditVerification"], "{ lastAuditVerification { ok } }", json!({}), Forbidden),
        // Lists and counts, with Ha Tinh as the filter.
        (
            &["committees", "people", "agencies", "positions"],
            "query($c: ID!) { committees(first: 100) { totalCount nodes { id code } }
               people(first: 100) { totalCount nodes { id fullName } }
               agencies(first: 100, committeeId: $c) { totalCount nodes { id } }
               positions(first: 100, committeeId: $c) { totalCount nodes { id person { id } } } }",
            json!({ "c": f.committee }),
            Answered,
        ),
        (
            &["cases", "auditEvents"],
            "query($c: ID!) { cases(first: 100, filter: {committeeId: $c}) { totalCount nodes { id code } }
               all: cases(first: 100) { totalCount nodes { id code } }
               auditEvents(first: 100, committeeId: $c) { totalCount nodes { chain } }
               trail: auditEvents(first: 100) { totalCount nodes { chain payload } } }",
            json!({ "c": f.committee }),
            Answered,
        ),
        // Nested lists of its own records.
        (
            &["committee", "case"],
            "query($c: ID!, $k: ID!) { committee(id: $c) { parent { code } children(first: 100) { nodes { code } }
               agencies(first: 100) { nodes { id } }
               positions(first: 100) { nodes { person { positions(first: 100) { nodes { committee { code } } } } } } }
               case(id: $k) { origin { code } monitoringCommittee { code } assigningCommittee { code }
               handlingAgency { id } references(first: 10) { nodes { number } }
               defendants(first: 10) { nodes { fullName } } history(first: 50) { nodes { chain payload } } } }",
            json!({ "c": own_committee, "k": own_case }),
            Answered,
        ),
        // Writes naming Ha Tinh's records.
        (
            &["createCommittee"],
            "mutation { createCommittee(input: {code: \"HT_TWO\", name: \"N\", province: \"P\", establishedOn: \"2025-01-01\"}) { committee { id } } }",
            json!({}),
            Forbidden,
        ),
        (
            &["updateCommittee"],
            "mutation($id: ID!) { updateCommittee(input: {id: $id, regulation: \"1\"}) { committee { id } } }",
            json!({ "id": f.committee }),
            NotFound,
        ),
        (
            &["mergeCommittees"],
            "mutation($a: ID!, $b: ID!) { mergeCommittees(input: {committeeId: $a, successorId: $b, effectiveOn: \"2025-07-01\"}) { committee { id } } }",
            json!({ "a": f.committee, "b": own_committee }),
            NotFound,
        ),
        (
            &["createPerson"],
            "mutation($c: ID!) { createPerson(input: {fullName: \"X\", partyMember: true, homeCommitteeId: $c}) { person { id } } }",
            json!({ "c": f.committee }),
            NotFound,
        ),
        (
            &["updatePerson"],
            "mutation($id: ID!) { updatePerson(input: {id: $id, fullName: \"X\"}) { person { id } } }",
            json!({ "id": f.person }),
            NotFound,
        ),
        (
            &["appointPosition"],
            "mutation($c: ID!, $p: ID!) { appointPosition(input: {committeeId: $c, personId: $p, role: MEMBER, title: \"X\", startOn: \"2024-02-01\"}) { position { id } } }",
            json!({ "c": f.committee, "p": f.person }),
            NotFound,
        ),
        (
            &["updatePosition"],
            "mutation($id: ID!) { updatePosition(input: {id: $id, title: \"X\"}) { position { id } } }",
            json!({ "id": f.position }),
            NotFound,
        ),
        (
            &["endPosition"],
            "mutation($id: ID!) { endPosition(input: {id: $id, endOn: \"2024-12-31\"}) { position { id } } }",
            json!({ "id": f.position }),
            NotFound,
        ),
        (&["createAuditCheckpoint"], "mutation { createAuditCheckpoint(input: {}) { checkpoint { number } } }", json!({}), Forbidden),
        (&["startAuditVerification"], "mutation { startAuditVerification(input: {}) { started } }", json!({}), Forbidden),
        (
            &["createCase"],
            "mutation($c: ID!) { createCase(input: {kind: CASE, code: \"NA-REACH-X\", title: \"T\", field: LAND,
               source: INSPECTION, committeeId: $c, openedOn: \"2024-03-01\"}) { case { id } } }",
            json!({ "c": f.committee }),
            NotFound,
        ),
        (
            &["updateCase"],
            "mutation($id: ID!) { updateCase(input: {id: $id, title: \"X\"}) { case { id } } }",
            json!({ "id": f.case }),
            NotFound,
        ),
        (
            &["transitionCase"],
            "mutation($id: ID!, $on: Date!) { transitionCase(input: {id: $id, transition: TAKE_UNDER_MONITORING, effectiveOn: $on, decisionRef: \"1/QD\", reason: \"R\"}) { case { id } } }",
            json!({ "id": f.case, "on": date }),
            NotFound,
        ),
        (
            &["assignCase"],
            "mutation($id: ID!, $c: ID!, $on: Date!) { assignCase(input: {id: $id, committeeId: $c, decisionRef: \"1/QD\", effectiveOn: $on}) { case { id } } }",
            json!({ "id": f.case, "c": own_committee, "on": date }),
            NotFound,
        ),
        (
            &["addCaseReference"],
            "mutation($id: ID!, $a: ID!) { addCaseReference(input: {caseId: $id, agencyId: $a, number: \"1/X\"}) { case { id } } }",
            json!({ "id": f.case, "a": f.police }),
            NotFound,
        ),
        (
            &["addDefendant"],
            "mutation($id: ID!) { addDefendant(input: {caseId: $id, fullName: \"X\"}) { defendant { id } } }",
            json!({ "id": f.case }),
            NotFound,
        ),
        (
            &["updateDefendant"],
            "mutation($id: ID!) { updateDefendant(input: {id: $id, positionHeld: \"X\"}) { defendant { id } } }",
            json!({ "id": f.defendant }),
            NotFound,
        ),
        (
            &["recordRecovery"],
            "mutation($id: ID!) { recordRecovery(input: {caseId: $id, amount: \"5\", recoveredOn: \"2024-05-02\", reference: \"X\"}) { recovery { id } } }",
            json!({ "id": f.case }),
            NotFound,
        ),
        (
            &["reverseRecovery"],
            "mutation($id: ID!) { reverseRecovery(input: {recoveryId: $id, reason: \"X\"}) { recovery { id } } }",
            json!({ "id": f.recovery }),
            NotFound,
        ),
        // Figures: another province's committee does not exist for the reader.
        (
            &["statistics"],
            "query($c: ID!) { statistics(committeeIds: [$c], from: \"2022-01-01\", to: \"2024-12-31\") { total { figures { mattersUnderMonitoring } } } }",
            json!({ "c": f.committee }),
            NotFound,
        ),
        (
            &["statisticsSeries"],
            "query($c: ID!) { statisticsSeries(committeeIds: [$c], from: \"2023-01-01\", to: \"2023-12-31\", interval: QUARTER) { points { period { from } } } }",
            json!({ "c": f.committee }),
            NotFound,
        ),
        (
            &["figureMatters"],
            "query($c: ID!) { figureMatters(committeeId: $c, figure: MATTERS_TAKEN_UNDER_MONITORING, from: \"2022-01-01\", to: \"2024-12-31\", first: 10) { matters { id code } } }",
            json!({ "c": f.committee }),
            NotFound,
        ),
        (
            &["recordDisciplinaryAction"],
            "mutation($id: ID!) { recordDisciplinaryAction(input: {owner: {caseId: $id}, subjectKind: INDIVIDUAL, subjectName: \"X\",
               form: WARNING, decidingBody: \"B\", decidedOn: \"2024-05-02\"}) { disciplinaryAction { id } } }",
            json!({ "id": f.case }),
            NotFound,
        ),
        (
            &["recordDisciplinaryAction"],
            "mutation($c: ID!) { recordDisciplinaryAction(input: {owner: {committeeId: $c}, subjectKind: ORGANISATION, subjectName: \"X\",
               form: WARNING, decidingBody: \"B\", decidedOn: \"2024-05-02\"}) { disciplinaryAction { id } } }",
            json!({ "c": f.committee }),
            NotFound,
        ),
    ]
}

/// Root fields that name no record of anyone's: nothing to aim at Ha Tinh.
const WITHOUT_RECORDS: &[&str] = &["me", "permissions", "workflow", "figures"];

fn root_fields() -> BTreeSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let schema = steerql::graphql::build_schema(&Default::default());
    let doc = async_graphql::parser::parse_schema(schema.sdl()).unwrap();
    let mut all = BTreeSet::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(ty) = def
            && let TypeKind::Object(obj) = &ty.node.kind
            && matches!(ty.node.name.node.as_str(), "Query" | "Mutation")
        {
            all.extend(obj.fields.iter().map(|f| f.node.name.node.to_string()));
        }
    }
    all
}

/// Every entry of Ha Tinh's chains and every row of its records, to show nothing changed.
async fn fingerprint(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.count("SELECT COUNT(*) AS n FROM audit_event").await,
        app.count("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) AS n FROM case_record").await,
        app.count("SELECT COUNT(*) AS n FROM committee WHERE status <> 'ACTIVE'").await,
        app.count("SELECT COUNT(*) AS n FROM position WHERE end_on IS NOT NULL").await,
    )
}

#[tokio::test]
async fn every_root_field_aimed_at_another_provinces_records_finds_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let f = ha_tinh(&app).await;
    let own = app.token(&["OFFICER@NGHE_AN"]);
    let own_committee = app.committee_id("NGHE_AN").await;
    let own_case = app.data(&own, "{ cases(first: 1) { nodes { id } } }", json!({})).await["cases"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    app.data(&auditor, "mutation { createAuditCheckpoint(input: {}) { checkpoint { number } } }", json!({})).await;
    let before = fingerprint(&app).await;

    let token =
        app.token(&["ADMIN@NGHE_AN", "STANDING@NGHE_AN", "OFFICER@NGHE_AN", "MEMBER@NGHE_AN", "AUDITOR@NGHE_AN"]);
    let probes = probes(&f, &own_case, &own_committee);
    let secrets = f.secrets();
    let mut covered: BTreeSet<String> = WITHOUT_RECORDS.iter().map(|s| s.to_string()).collect();
    for (fields, query, variables, expect) in &probes {
        covered.extend(fields.iter().map(|s| s.to_string()));
        let (status, body) = app.gql(&token, query, variables.clone()).await;
        assert!(status.as_u16() < 500, "{query}: {status} {body}");
        // The ids this probe sent may be echoed in a path; nothing else of Ha Tinh's.
        let sent = variables.to_string();
        let answer = body.to_string();
        for secret in &secrets {
            assert!(
                sent.contains(secret.as_str()) || !answer.contains(secret.as_str()),
                "{query}: {secret} leaked: {body}"
            );
        }
        let codes: BTreeSet<&str> = body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["extensions"]["code"].as_str()).collect())
            .unwrap_or_default();
        match expect {
            Expect::NotFound => assert_eq!(codes, BTreeSet::from(["NOT_FOUND"]), "{query}: {body}"),
            Expect::Forbidden => assert_eq!(codes, BTreeSet::from(["FORBIDDEN"]), "{query}: {body}"),
            Expect::Answered => assert!(codes.is_empty(), "{query}: {body}"),
        }
    }
    // Ha Tinh's own officer still reads every record made above.
    let ha_tinh = app.token(&["OFFICER@HA_TINH"]);
    let data = app.data(&ha_tinh, "query($id: ID!) { case(id: $id) { code version } }", json!({ "id": f.case })).await;
    assert_eq!(data["case"]["code"], f.case_code);
    assert_eq!(fingerprint(&app).await, before, "a refused write changed something");
    let missing: Vec<_> = root_fields().difference(&covered).cloned().collect();
    assert!(missing.is_empty(), "root fields the reach table does not aim at another province: {missing:?}");
}
