//! Property-based fuzzing of the running server: generated variables of
//! every JSON shape (strings with NUL and control characters, extreme
//! numbers, forged IDs and cursors, odd dates, VND amounts), generated
//! mutations of the query text itself, every root field (a test holds the
//! templates to the schema's root fields). Whatever arrives, the answer is a
//! well-formed GraphQL response with a code on every error, never
//! `INTERNAL` and never a 5xx. CI runs it on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::TestApp;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

/// Operations covering every root field, with their arguments as variables.
const TEMPLATES: &[&str] = &[
    "query($first: Int, $after: String, $last: Int, $before: String, $parent: ID, $filter: CommitteeFilter, $order: CommitteeOrder) {
        committees(first: $first, after: $after, last: $last, before: $before, parentId: $parent, filter: $filter, orderBy: $order) {
            totalCount pageInfo { endCursor hasNextPage } edges { cursor node { id code establishedOn parent { code }
            positions(first: 3) { totalCount nodes { title person { fullName } } } } } } }",
    "query($first: Int, $after: String, $filter: PersonFilter, $order: PersonOrder) {
        people(first: $first, after: $after, filter: $filter, orderBy: $order) { totalCount nodes { id fullName positions(first: 2) { nodes { role } } } } }",
    "query($first: Int, $after: String, $c: ID, $p: ID, $filter: SeatFilter, $order: PositionOrder) {
        positions(first: $first, after: $after, committeeId: $c, personId: $p, filter: $filter, orderBy: $order) { totalCount edges { cursor node { startOn committee { code } } } } }",
    "query($id: ID!) { committee(id: $id) { code children(first: 2) { nodes { code } } agencies(first: 2) { nodes { name } } } }",
    "query($code: String!) { committeeByCode(code: $code) { name standingCommittee { title } } }",
    "query($id: ID!, $ids: [ID!]!) { node(id: $id) { id __typename } nodes(ids: $ids) { id } }",
    "query($id: ID!) { person(id: $id) { fullName } position(id: $id) { title } }",
    "query($first: Int, $c: ID, $filter: AgencyFilter) { agencies(first: $first, committeeId: $c, filter: $filter) { totalCount nodes { kind } } }",
    "query($first: Int, $committeeId: ID, $after: String) { auditEvents(first: $first, committeeId: $committeeId, after: $after) { totalCount nodes { action } } }",
    "{ me { subject grants { role committee } operations } permissions { operation roles } }",
    "mutation($input: CreatePersonInput!) { createPerson(input: $input) { clientMutationId person { id fullName } } }",
    "mutation($input: UpdateCommitteeInput!) { updateCommittee(input: $input) { clientMutationId committee { id name } } }",
    "mutation($input: AppointPositionInput!) { appointPosition(input: $input) { clientMutationId position { id } } }",
    "mutation($input: EndPositionInput!) { endPosition(input: $input) { clientMutationId position { id } } }",
    "mutation($input: MergeCommitteesInput!) { mergeCommittees(input: $input) { clientMutationId committee { id } successor { id } endedPositions { id } } }",
    "mutation($input: CreateCommitteeInput!) { createCommittee(input: $input) { clientMutationId committee { id } } }",
    "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { clientMutationId person { id } } }",
    "mutation($input: UpdatePositionInput!) { updatePosition(input: $input) { clientMutationId position { id } } }",
    // The cases API.
    "query($id: ID!, $first: Int, $after: String) { case(id: $id) { code kind lossAmount recoveredAmount
        defendants(first: $first, after: $after) { nodes { fullName charges status } }
        history(first: $first) { nodes { action } } references(first: 2) { nodes { number } }
        recoveries(first: 2) { nodes { amount } } availableTransitions { transition } } }",
    "query($a: ID!, $n: String!) { caseByReference(agencyId: $a, number: $n) { code } }",
    "query($first: Int, $after: String, $last: Int, $before: String, $filter: CaseFilter, $order: CaseOrderBy) {
        cases(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
            totalCount edges { cursor node { id code monitoringCommittee { code } } } } }",
    "{ workflow { states { state } steps { transition from } } }",
    "mutation($input: CreateCaseInput!) { createCase(input: $input) { clientMutationId case { id code } } }",
    "mutation($input: UpdateCaseInput!) { updateCase(input: $input) { clientMutationId case { id version } } }",
    "mutation($input: TransitionCaseInput!) { transitionCase(input: $input) { clientMutationId case { id procedureState } openedCase { id } defendants { id } historyEntry { id seq } } }",
    "mutation($input: AssignCaseInput!) { assignCase(input: $input) { clientMutationId case { id } } }",
    "mutation($input: AddCaseReferenceInput!) { addCaseReference(input: $input) { clientMutationId reference { number } case { version } } }",
    "mutation($input: AddDefendantInput!) { addDefendant(input: $input) { clientMutationId defendant { id } case { version } } }",
    "mutation($input: UpdateDefendantInput!) { updateDefendant(input: $input) { clientMutationId defendant { id status } } }",
    "mutation($input: RecordRecoveryInput!) { recordRecovery(input: $input) { clientMutationId recovery { id amount } case { recoveredAmount } } }",
    "mutation($input: ReverseRecoveryInput!) { reverseRecovery(input: $input) { clientMutationId recovery { id amount reversesId } } }",
    // The statistics area.
    "query($ids: [ID!], $from: Date!, $to: Date!, $cmp: ComparisonInput, $known: Date) {
        statistics(committeeIds: $ids, from: $from, to: $to, compareTo: $cmp, asKnownOn: $known) {
            period { from to } total { figures { mattersUnderMonitoring lossAmount recoveryPercent } changes { figure ratio } } } }",
    "query($ids: [ID!], $from: Date!, $to: Date!, $interval: Interval!, $known: Date) { figures { figure column }
        statisticsSeries(committeeIds: $ids, from: $from, to: $to, interval: $interval, asKnownOn: $known) { points { period { from } figures { newCasesProsecuted } } } }",
    "query($c: ID!, $f: Figure!, $from: Date!, $to: Date!, $first: Int!, $after: ID) {
        figureMatters(committeeId: $c, figure: $f, from: $from, to: $to, first: $first, after: $after) { hasNextPage endCursor matters { id } } }",
    "mutation($input: RecordDisciplinaryActionInput!) { recordDisciplinaryAction(input: $input) { clientMutationId disciplinaryAction { id } } }",
    // The audit area (verification takes a costly slot; a refusal is a 503-free BUSY or an answer).
    "query($c: ID, $first: Int, $chain: String!) { verifyAuditTrail(committeeId: $c) { ok } lastAuditVerification { ok }
        auditCheckpoints(first: $first) { nodes { number heads inclusionProof(chain: $chain) { path } } } }",
    "mutation($cp: CreateAuditCheckpointInput!, $sv: StartAuditVerificationInput!) {
        createAuditCheckpoint(input: $cp) { checkpoint { number } } startAuditVerification(input: $sv) { started } }",
];

/// The root fields `templates` select, by operation type.
fn root_fields(templates: &[&str]) -> std::collections::BTreeSet<String> {
    use async_graphql::parser::types::{OperationType, Selection};
    let mut out = std::collections::BTreeSet::new();
    for template in templates {
        let doc = async_graphql::parser::parse_query(template).unwrap();
        for (_, op) in doc.operations.iter() {
            let kind = if op.node.ty == OperationType::Mutation { "Mutation" } else { "Query" };
            for item in &op.node.selection_set.node.items {
                if let Selection::Field(f) = &item.node {
                    out.insert(format!("{kind}.{}", f.node.name.node));
                }
            }
        }
    }
    out
}

#[test]
fn the_templates_cover_every_root_field_of_the_schema() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let schema = steerql::graphql::build_schema(&Default::default());
    let doc = async_graphql::parser::parse_schema(schema.sdl()).unwrap();
    let mut all = std::collections::BTreeSet::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(ty) = def
            && let TypeKind::Object(obj) = &ty.node.kind
            && matches!(ty.node.name.node.as_str(), "Query" | "Mutation")
        {
            for f in &obj.fields {
                all.insert(format!("{}.{}", ty.node.name.node, f.node.name.node));
            }
        }
    }
    let covered = root_fields(TEMPLATES);
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "root fields no fuzz template reaches: {missing:?}");
}

/// The variable names each template declares.
fn variable_names(template: &str) -> Vec<String> {
    let Some(head) = template.split_once('{').map(|(h, _)| h) else { return Vec::new() };
    head.split('$').skip(1).filter_map(|s| s.split(':').next()).map(|s| s.trim().to_owned()).collect()
}

fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\u{202e}\\u{200b}a-zA-Z0-9 _:+-]{0,40}",
        Just("2024-07-08".to_owned()),
        Just("-5000-01-01".to_owned()),
        Just("+10000-01-01".to_owned()),
        Just("2024-02-30".to_owned()),
        Just("NGHE_AN".to_owned()),
        Just("HA_TINH".to_owned()),
        Just("NGHE\u{0}AN".to_owned()),
        (0i64..=i64::MAX).prop_map(|n| URL_SAFE_NO_PAD.encode(format!("Committee:{n}"))),
        (-5i64..800).prop_map(|n| URL_SAFE_NO_PAD.encode(format!("Person:{n}"))),
        (prop_oneof![Just("Case"), Just("Agency"), Just("Defendant"), Just("Recovery"), Just("Position")], -5i64..400)
            .prop_map(|(kind, n)| URL_SAFE_NO_PAD.encode(format!("{kind}:{n}"))),
        // VND amounts: exact digits, and what is not one.
        prop_oneof![
            Just("125000000000".to_owned()),
            Just("9223372036854775807".to_owned()),
            Just("9223372036854775808".to_owned()),
            Just("-1".to_owned()),
            Just("1e9".to_owned()),
            Just("0".to_owned()),
            Just(" 12".to_owned()),
        ],
        "[a-z]{1,6}:[0-9]{1,6}",
        (any::<i64>(), "[a-zA-Z_:+0-9-]{0,12}")
            .prop_map(|(n, o)| URL_SAFE_NO_PAD.encode(format!(r#"{{"o":"{o}","k":{n},"i":{n}}}"#))),
        ("[0-9+-]{1,12}", any::<i64>())
            .prop_map(|(k, i)| URL_SAFE_NO_PAD.encode(format!(r#"{{"o":"START_ON","k":"{k}","i":{i}}}"#))),
        Just("x".repeat(5000)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![Just(0i64), Just(1), Just(-1), Just(100), Just(101), Just(i64::from(i32::MAX) + 1), any::<i64>()]
            .prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        interesting_string().prop_map(Value::String),
        prop_oneof![
            Just("HEAD"),
            Just("MEMBER"),
            Just("ASC"),
            Just("DESC"),
            Just("CODE"),
            Just("POLICE"),
            Just("CASE"),
            Just("INCIDENT"),
            Just("LAND"),
            Just("INSPECTION"),
            Just("TAKE_UNDER_MONITORING"),
            Just("TRANSFER_TO_INVESTIGATION"),
            Just("INDICT"),
            Just("PROSECUTED"),
            Just("NOPE")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("first"),
                        Just("nameContains"),
                        Just("held"),
                        Just("on"),
                        Just("today"),
                        Just("level"),
                        Just("status"),
                        Just("field"),
                        Just("direction"),
                        Just("fullName"),
                        Just("partyMember"),
                        Just("homeCommitteeId"),
                        Just("committeeId"),
                        Just("personId"),
                        Just("role"),
                        Just("title"),
                        Just("startOn"),
                        Just("endOn"),
                        Just("name"),
                        Just("code"),
                        Just("kind"),
                        Just("successorId"),
                        Just("effectiveOn"),
                        Just("current"),
                        Just("standing"),
                        Just("title"),
                        Just("source"),
                        Just("lossAmount"),
                        Just("amount"),
                        Just("recoveredOn"),
                        Just("reference"),
                        Just("agencyId"),
                        Just("number"),
                        Just("positionHeld"),
                        Just("charges"),
                        Just("openedOn"),
                        Just("handlingAgencyId"),
                        Just("references"),
                        Just("text"),
                        Just("caseId"),
                        Just("subjectKind"),
                        Just("subjectName"),
                        Just("form"),
                        Just("decidingBody"),
                        Just("decidedOn"),
                        Just("id"),
                        Just("expectedVersion"),
                        Just("idempotencyKey"),
                        Just("clientMutationId"),
                        Just("transition"),
                        Just("decisionRef"),
                        Just("reason"),
                        Just("owner"),
                        Just("bogus"),
                    ],
                    inner,
                ),
                0..5,
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())),
        ]
    })
}

/// The query text, sometimes damaged: a slice cut out or a character put in.
fn query_text() -> impl Strategy<Value = String> {
    (0..TEMPLATES.len(), 0u8..4, any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<char>()).prop_map(
        |(t, damage, a, b, c)| {
            let text = TEMPLATES[t].to_owned();
            let chars: Vec<char> = text.chars().collect();
            let (i, j) = (a.index(chars.len()), b.index(chars.len()));
            match damage {
                0 => chars[..i.min(j)].iter().chain(&chars[i.max(j)..]).collect(),
                1 => chars[..i].iter().chain(std::iter::once(&c)).chain(&chars[i..]).collect(),
                _ => text,
            }
        },
    )
}

#[test]
fn generated_requests_never_get_internal_or_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = rt.block_on(TestApp::spawn());
    let tokens = [
        app.token(&["ADMIN@CENTRAL", "AUDITOR@CENTRAL"]),
        app.token(&["MEMBER@NGHE_AN"]),
        app.token(&["ANALYST@CENTRAL"]),
        app.token(&["OFFICER@NGHE_AN", "STANDING@NGHE_AN"]),
    ];
    // Every template is a valid operation: the fuzzer starts from real ones.
    for template in TEMPLATES {
        let (_, body) = rt.block_on(app.gql(&tokens[0], template, json!({})));
        let reason = body["errors"][0]["extensions"]["reason"].as_str().unwrap_or("");
        assert_ne!(reason, "GRAPHQL_VALIDATION_FAILED", "{template}: {body}");
        assert_ne!(reason, "GRAPHQL_PARSE_FAILED", "{template}: {body}");
    }
    let cases: u32 = std::env::var("STEERQL_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (query_text(), prop::collection::vec(json_value(), 8), 0..tokens.len());
    let result = runner.run(&strategy, |(query, values, who)| {
        let names = variable_names(&query);
        let variables: Map<String, Value> = names.into_iter().zip(values).collect();
        let (status, body) = rt.block_on(app.gql(&tokens[who], &query, Value::Object(variables)));
        prop_assert!(status.as_u16() < 500, "status {status}: {body}");
        let errors = body.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
        prop_assert!(body.get("data").is_some() || !errors.is_empty(), "neither data nor errors: {body}");
        for err in &errors {
            let code = err["extensions"]["code"].as_str().unwrap_or("<none>");
            prop_assert!(code != "INTERNAL" && code != "<none>", "{code}: {body}");
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
