//! The audit trail cannot be rewritten unnoticed: each committee's chain is
//! checked link by link, and against signed checkpoints that someone with
//! write access to the database cannot forge.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, code};
use entity::audit_event;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use steerql::domain::audit::BreakKind;

const RENAME: &str =
    "mutation($id: ID!, $n: String!) { updatePerson(input: {id: $id, fullName: $n}) { person { id } } }";

/// A trail with 8 entries in BAC_KAN's chain (one person created and renamed 7 times).
async fn app_with_trail() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let bac_kan = app.committee_id("BAC_KAN").await;
    let q = "mutation($c: ID!) { createPerson(input: {fullName: \"Người Kiểm\", partyMember: true, homeCommitteeId: $c}) { person { id } } }";
    let person =
        app.data(&admin, q, json!({ "c": bac_kan })).await["createPerson"]["person"]["id"].as_str().unwrap().to_owned();
    for i in 1..=7 {
        app.data(&admin, RENAME, json!({ "id": person, "n": format!("Người Kiểm {i}") })).await;
    }
    (app, bac_kan)
}

/// Runs `sql` as someone with write access to the database would: with the
/// append-only triggers out of the way.
async fn tamper(app: &TestApp, sql: &str) {
    let conn = &app.db.conn;
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared("ALTER TABLE audit_event DISABLE TRIGGER USER").await.unwrap();
        conn.execute_unprepared("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER").await.unwrap();
        conn.execute_unprepared(sql).await.unwrap();
        conn.execute_unprepared("ALTER TABLE audit_event ENABLE TRIGGER USER").await.unwrap();
        conn.execute_unprepared("ALTER TABLE audit_checkpoint ENABLE TRIGGER USER").await.unwrap();
    } else {
        for t in [
            "tr_audit_event_append_only_update",
            "tr_audit_event_append_only_delete",
            "tr_audit_checkpoint_append_only_update",
            "tr_audit_checkpoint_append_only_delete",
        ] {
            conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {t}")).await.unwrap();
        }
        conn.execute_unprepared(sql).await.unwrap();
    }
}

async fn chain_rows(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        // The committees' chains (the demo cases have chains of their own).
        .filter(audit_event::Column::Chain.like("committee:%"))
        .order_by_asc(audit_event::Column::Chain)
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.db.conn)
        .await
        .unwrap()
}

/// A break as `verifyAuditTrail` reports it.
#[derive(Debug, PartialEq)]
struct Found {
    kind: BreakKind,
    chain: Option<String>,
    seq: Option<i64>,
}

/// Verifies through the API, as a central auditor would: the whole trail,
/// then Bac Kan's chains alone, which must report the same break.
async fn verify(app: &TestApp) -> Option<Found> {
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "query($c: ID) { verifyAuditTrail(committeeId: $c) { ok problem { kind chain seq } } }";
    let mut found = Vec::new();
    for committee in [json!(null), json!(app.committee_id("BAC_KAN").await)] {
        let data = app.data(&auditor, q, json!({ "c": committee })).await;
        let report = &data["verifyAuditTrail"];
        let problem = &report["problem"];
        assert_eq!(report["ok"], problem.is_null(), "{data}");
        found.push(problem.as_object().map(|p| Found {
            kind: BreakKind::parse(p["kind"].as_str().unwrap()).unwrap(),
            chain: p["chain"].as_str().map(str::to_owned),
            seq: p["seq"].as_i64(),
        }));
    }
    let (whole, one) = (found.remove(0), found.remove(0));
    assert_eq!(whole, one, "the whole trail and Bac Kan's chains alone report the same break");
    whole
}

/// The break `kind`, at entry `seq` of `chain`.
fn at(kind: BreakKind, row: &audit_event::Model) -> Option<Found> {
    Some(Found { kind, chain: Some(row.chain.clone()), seq: Some(row.seq) })
}

async fn checkpoint(app: &TestApp) {
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    app.data(&auditor, "mutation { createAuditCheckpoint(input: {}) { checkpoint { number } } }", json!({})).await;
}

#[tokio::test]
async fn an_intact_trail_verifies_through_the_api_and_checkpoints_are_signed() {
    let (app, bac_kan) = app_with_trail().await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let cp = app
        .data(&auditor, "mutation { createAuditCheckpoint(input: {}) { checkpoint { number publicKey statement signature heads } } }", json!({}))
        .await;
    let cp = &cp["createAuditCheckpoint"]["checkpoint"];
    assert_eq!(cp["publicKey"], app.audit.public_key());
    assert!(cp["heads"].as_str().unwrap().contains(" 8 "), "{cp}");
    // Nothing written since: the same checkpoint.
    let again =
        app.data(&auditor, "mutation { createAuditCheckpoint(input: {}) { checkpoint { number } } }", json!({})).await;
    assert_eq!(again["createAuditCheckpoint"]["checkpoint"]["number"], cp["number"]);
    let q = "query($c: ID) { verifyAuditTrail(committeeId: $c) { ok chains entries checkpoints problem { kind } } }";
    let whole = app.data(&auditor, q, json!({ "c": null })).await;
    assert_eq!(whole["verifyAuditTrail"]["ok"], true, "{whole}");
    assert_eq!(whole["verifyAuditTrail"]["checkpoints"], 1, "{whole}");
    // The whole trail verified up to the checkpoint: from now on a
    // verification starts there, and walks only the entry each chain's
    // checkpointed head is (still there, unchanged) and what follows it.
    let one = app.data(&auditor, q, json!({ "c": bac_kan })).await;
    assert_eq!(
        one["verifyAuditTrail"],
        json!({ "ok": true, "chains": 1, "entries": 1, "checkpoints": 1, "problem": null })
    );
    // A provincial auditor verifies their own chain, not the whole trail.
    let local = app.token(&["AUDITOR@BAC_KAN"]);
    assert_eq!(app.data(&local, q, json!({ "c": bac_kan })).await["verifyAuditTrail"]["ok"], true);
    assert_eq!(code(&app.gql(&local, q, json!({ "c": null })).await.1), "FORBIDDEN");
    let other = app.committee_id("NGHE_AN").await;
    assert_eq!(code(&app.gql(&local, q, json!({ "c": other })).await.1), "NOT_FOUND");
}

#[tokio::test]
async fn an_edited_payload_is_reported() {
    let (app, _) = app_with_trail().await;
    let target = chain_rows(&app).await[3].clone();
    let sql = format!("UPDATE audit_event SET payload = '{{\"fullName\":\"someone else\"}}' WHERE id = {}", target.id);
    tamper(&app, &sql).await;
    assert_eq!(verify(&app).await, at(BreakKind::HashMismatch, &target));
}

#[tokio::test]
async fn a_deleted_middle_entry_is_reported() {
    let (app, _) = app_with_trail().await;
    let target = chain_rows(&app).await[3].clone();
    tamper(&app, &format!("DELETE FROM audit_event WHERE id = {}", target.id)).await;
    assert_eq!(verify(&app).await, at(BreakKind::MissingEntry, &target));
}

#[tokio::test]
async fn deleting_the_newest_entries_is_reported_against_the_signed_checkpoint() {
    let (app, _) = app_with_trail().await;
    checkpoint(&app).await;
    let rows = chain_rows(&app).await;
    let keep = &rows[rows.len() - 4];
    // The attacker also rewinds the chain head, so only the checkpoint can tell.
    tamper(&app, &format!("DELETE FROM audit_event WHERE chain = '{}' AND seq > {}", keep.chain, keep.seq)).await;
    tamper(
        &app,
        &format!("UPDATE audit_chain SET seq = {}, head = '{}' WHERE chain = '{}'", keep.seq, keep.hash, keep.chain),
    )
    .await;
    let found = verify(&app).await.unwrap();
    assert_eq!((found.kind, found.chain.as_deref()), (BreakKind::Truncated, Some(keep.chain.as_str())), "{found:?}");
}

#[tokio::test]
async fn two_reordered_entries_are_reported() {
    let (app, _) = app_with_trail().await;
    let rows = chain_rows(&app).await;
    let (a, b) = (&rows[2], &rows[3]);
    tamper(&app, &format!("UPDATE audit_event SET seq = 1000000 WHERE id = {}", a.id)).await;
    tamper(&app, &format!("UPDATE audit_event SET seq = {} WHERE id = {}", a.seq, b.id)).await;
    tamper(&app, &format!("UPDATE audit_event SET seq = {} WHERE id = {}", b.seq, a.id)).await;
    let found = verify(&app).await.unwrap();
    assert!(matches!(found.kind, BreakKind::HashMismatch | BreakKind::BrokenLink), "{found:?}");
    assert_eq!((found.chain.as_deref(), found.seq), (Some(a.chain.as_str()), Some(a.seq)), "{found:?}");
}

#[tokio::test]
async fn an_edit_rehashed_through_the_end_of_the_chain_is_caught_by_the_checkpoint() {
    let (app, _) = app_with_trail().await;
    checkpoint(&app).await;
    let rows = chain_rows(&app).await;
    // Edit entry 4, then recompute every hash from there, and the head: a
    // chain that verifies link by link.
    let mut prev = rows[2].hash.clone();
    for (i, row) in rows.iter().enumerate().skip(3) {
        let mut row = row.clone();
        if i == 3 {
            row.payload = r#"{"fullName":"someone else"}"#.into();
        }
        row.prev_hash = prev.clone();
        row.hash = row.compute_hash();
        tamper(
            &app,
            &format!(
                "UPDATE audit_event SET payload = '{}', prev_hash = '{}', hash = '{}' WHERE id = {}",
                row.payload, row.prev_hash, row.hash, row.id
            ),
        )
        .await;
        prev = row.hash;
    }
    let last = rows.last().unwrap();
    tamper(&app, &format!("UPDATE audit_chain SET head = '{prev}' WHERE chain = '{}'", last.chain)).await;
    let found = verify(&app).await.unwrap();
    assert_eq!(
        (found.kind, found.chain.as_deref()),
        (BreakKind::CheckpointMismatch, Some(last.chain.as_str())),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_forged_checkpoint_is_reported() {
    let (app, _) = app_with_trail().await;
    checkpoint(&app).await;
    // The signed text names the tree's size and root: change the size.
    tamper(&app, "UPDATE audit_checkpoint SET statement = REPLACE(statement, 'size ', 'size 1')").await;
    assert_eq!(verify(&app).await.map(|f| f.kind), Some(BreakKind::BadSignature));
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_audit_entries() {
    let (app, _) = app_with_trail().await;
    for sql in ["UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"] {
        let err = app.db.conn.execute_unprepared(sql).await.expect_err(sql);
        assert_eq!(steerql::db::constraints::violated(&err).map(|c| c.names[0]), Some("tr_audit_append_only"), "{sql}");
    }
}

#[tokio::test]
async fn a_break_found_in_the_background_shows_in_readyz_and_metrics() {
    let (app, _) = app_with_trail().await;
    let base = app.url.trim_end_matches("/graphql").to_owned();
    app.audit.verify_in_background(&app.db).await.unwrap();
    let ready: serde_json::Value = reqwest::get(format!("{base}/readyz")).await.unwrap().json().await.unwrap();
    assert_eq!(ready["auditTrail"]["status"], "intact", "{ready}");
    let target = chain_rows(&app).await[1].id;
    tamper(&app, &format!("DELETE FROM audit_event WHERE id = {target}")).await;
    app.audit.verify_in_background(&app.db).await.unwrap();
    let ready: serde_json::Value = reqwest::get(format!("{base}/readyz")).await.unwrap().json().await.unwrap();
    // The probe, open to anyone, says broken; where is for auditors.
    assert_eq!(ready["auditTrail"].as_object().unwrap().len(), 2, "{ready}");
    assert_eq!(ready["auditTrail"]["status"], "broken", "{ready}");
    let q = "{ lastAuditVerification { ok fromCheckpoint { id } problem { kind chain seq } } }";
    let last = app.data(&app.token(&["AUDITOR@CENTRAL"]), q, json!({})).await;
    assert_eq!(last["lastAuditVerification"]["problem"]["kind"], "MISSING_ENTRY", "{last}");
    assert_eq!(last["lastAuditVerification"]["problem"]["seq"], 2, "{last}");
    assert_eq!(last["lastAuditVerification"]["fromCheckpoint"], serde_json::Value::Null, "{last}");
    let (_, refused) = app.gql(&app.token(&["AUDITOR@BAC_KAN"]), q, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("steerql_audit_trail_broken 1"), "{metrics}");
    assert!(metrics.contains("steerql_audit_breaks_total 1"), "{metrics}");
}

#[tokio::test]
async fn a_person_seated_elsewhere_and_renamed_there_is_in_both_committees_trails() {
    let app = TestApp::spawn().await;
    let central = app.token(&["ADMIN@CENTRAL"]);
    let (ha_tinh, nghe_an) = (app.committee_id("HA_TINH").await, app.committee_id("NGHE_AN").await);
    let q = "mutation($c: ID!) { createPerson(input: {fullName: \"Người Hà Tĩnh\", partyMember: true, homeCommitteeId: $c}) { person { id } } }";
    let person = app.data(&central, q, json!({ "c": ha_tinh })).await["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let appoint = "mutation($p: ID!, $c: ID!) { appointPosition(input: {personId: $p, committeeId: $c, role: MEMBER, title: \"Ủy viên\", startOn: \"2025-01-01\"}) { position { id } } }";
    app.data(&central, appoint, json!({ "p": person, "c": nghe_an })).await;
    let nghe_an_admin = app.token(&["ADMIN@NGHE_AN"]);
    app.data(&nghe_an_admin, RENAME, json!({ "id": person, "n": "Người Đổi Tên" })).await;
    let trail = "query($c: ID!) { auditEvents(first: 5, committeeId: $c) { nodes { action entityId chain payload } } }";
    for (committee, auditor) in [(&ha_tinh, "AUDITOR@HA_TINH"), (&nghe_an, "AUDITOR@NGHE_AN")] {
        let data = app.data(&app.token(&[auditor]), trail, json!({ "c": committee })).await;
        let newest = &data["auditEvents"]["nodes"][0];
        assert_eq!(newest["action"], "PERSON_UPDATE", "{auditor}: {data}");
        assert_eq!(newest["entityId"], person.as_str());
        assert_eq!(newest["payload"]["fullName"], "Người Đổi Tên");
    }
    assert_eq!(verify(&app).await, None);
}

#[tokio::test]
async fn every_hashed_field_is_readable_and_rehashes_to_the_entry_hash() {
    let (app, _) = app_with_trail().await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "{ auditEvents(first: 3) { nodes { chain seq prevHash hash hashedFields payload } } }";
    let data = app.data(&auditor, q, json!({})).await;
    for e in data["auditEvents"]["nodes"].as_array().unwrap() {
        let fields: Vec<String> = serde_json::from_value(e["hashedFields"].clone()).unwrap();
        assert_eq!(fields[0], e["chain"].as_str().unwrap());
        assert_eq!(fields[1], e["seq"].to_string());
        assert_eq!(fields[2], e["prevHash"].as_str().unwrap());
        assert_eq!(fields[9], entity::audit_event::canonical_json(&e["payload"]));
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for f in &fields {
            h.update((f.len() as u64).to_be_bytes());
            h.update(f.as_bytes());
        }
        assert_eq!(hex::encode(h.finalize()), e["hash"].as_str().unwrap());
    }
}

#[tokio::test]
async fn instances_signing_at_the_same_moment_keep_one_linear_chain_of_checkpoints() {
    let (app, _) = app_with_trail().await;
    let count = || async { entity::audit_checkpoint::Entity::find().all(&app.db.conn).await.unwrap().len() };
    // Eight signers at once, as eight instances' background tasks would be:
    // all after the same (no) checkpoint, so the database lets one through.
    let sign = || futures_util::future::join_all((0..8).map(|_| app.audit.checkpoint(&app.db)));
    let first: Vec<_> = sign().await.into_iter().map(|r| r.unwrap().id).collect();
    assert!(first.iter().all(|id| *id == first[0]), "{first:?}");
    assert_eq!(count().await, 1);
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let q = "mutation($c: ID!) { createPerson(input: {fullName: \"Người Sau\", partyMember: false, homeCommitteeId: $c}) { person { id } } }";
    app.data(&admin, q, json!({ "c": app.committee_id("BAC_KAN").await })).await;
    let second: Vec<_> = sign().await.into_iter().map(|r| r.unwrap().id).collect();
    assert!(second.iter().all(|id| *id == second[0] && *id != first[0]), "{second:?}");
    assert_eq!(count().await, 2);
    assert_eq!(verify(&app).await, None);
}

#[tokio::test]
async fn an_empty_trail_has_nothing_to_sign_and_says_so() {
    let app = TestApp::spawn_with(common::Options { seed: false, ..Default::default() }).await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let (_, body) =
        app.gql(&auditor, "mutation { createAuditCheckpoint(input: {}) { checkpoint { number } } }", json!({})).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

#[tokio::test]
async fn each_chain_head_follows_its_newest_entry_and_the_database_refuses_an_entry_that_does_not_extend_it() {
    let (app, _) = app_with_trail().await;
    let conn = &app.db.conn;
    let newest = chain_rows(&app).await.into_iter().max_by_key(|e| e.id).unwrap();
    let head = entity::audit_chain::Entity::find_by_id(newest.chain.clone()).one(conn).await.unwrap().unwrap();
    assert_eq!((head.seq, head.head.as_str()), (newest.seq, newest.hash.as_str()));

    // A second writer bypassing the service: a fork (a wrong previous hash)
    // and a gap (a skipped number) are refused by name, and the head stays.
    let copy = |prev: &str, step: i64| {
        format!(
            "INSERT INTO audit_event (at, actor, actor_kind, action, entity, entity_id, committee_id, payload, \
             prev_hash, hash, chain, seq) SELECT at, actor, actor_kind, action, entity, entity_id, committee_id, \
             payload, {prev}, 'forged', chain, seq + {step} FROM audit_event WHERE id = {}",
            newest.id
        )
    };
    for sql in [copy("'forged'", 1), copy("hash", 2)] {
        let err = steerql::error::AppError::from(conn.execute_unprepared(&sql).await.expect_err(&sql));
        assert_eq!(err.code(), steerql::error::Code::Conflict, "{sql}: {}", err.detail());
        assert_eq!(err.message(), "a concurrent write moved the audit trail on; retry", "{sql}");
    }
    // The entry that extends it is taken and moves the head.
    conn.execute_unprepared(&copy("hash", 1)).await.unwrap();
    let moved = entity::audit_chain::Entity::find_by_id(newest.chain.clone()).one(conn).await.unwrap().unwrap();
    assert_eq!((moved.seq, moved.head.as_str()), (newest.seq + 1, "forged"));
}

#[tokio::test]
async fn a_verification_takes_a_costly_slot_and_an_operation_may_ask_for_one() {
    let limits = steerql::config::Limits {
        max_costly_executions: 1,
        costly_queue_wait: std::time::Duration::ZERO,
        ..steerql::config::Limits::default()
    };
    let app = TestApp::spawn_with(common::Options { limits, ..Default::default() }).await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    // Two verifications in one batch: the first holds the one slot while it
    // reads the trail, so the second, which may not wait, is turned away.
    let verify = json!({ "query": "{ verifyAuditTrail { ok } }" });
    let res = app.client.post(&app.url).bearer_auth(&auditor).json(&json!([verify, verify])).send().await.unwrap();
    let bodies: serde_json::Value = res.json().await.unwrap();
    assert_eq!(bodies[0]["data"]["verifyAuditTrail"]["ok"], true, "{bodies}");
    assert_eq!(bodies[1]["errors"][0]["extensions"]["reason"], "SERVER_BUSY", "{bodies}");
    // Ten aliases would cost ten verifications: one per operation.
    let twice = "{ a: verifyAuditTrail { ok } b: verifyAuditTrail { ok } }";
    let (_, body) = app.gql(&auditor, twice, json!({})).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "MAX_COSTLY_FIELDS", "{body}");
    assert!(body.get("data").is_none(), "{body}");
}

/// `verifyAuditTrail` through the API, as an auditor of `committee` (the
/// central committee's without one): its problem, or null.
async fn verify_api(app: &TestApp, committee: Option<&str>) -> serde_json::Value {
    let q = "query($c: ID) { verifyAuditTrail(committeeId: $c) { ok fromCheckpoint { id number } problem { kind chain seq } } }";
    let token = app.token(&["AUDITOR@CENTRAL"]);
    let c = match committee {
        Some(code) => json!(app.committee_id(code).await),
        None => serde_json::Value::Null,
    };
    app.data(&token, q, json!({ "c": c })).await["verifyAuditTrail"].clone()
}

#[tokio::test]
async fn deleting_the_newest_checkpoints_and_rehashing_what_only_they_covered_is_reported_missing() {
    let (app, _) = app_with_trail().await;
    checkpoint(&app).await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let rows = chain_rows(&app).await;
    let person = rows.last().unwrap().entity_id;
    let person = steerql::graphql::ids::encode(steerql::graphql::ids::Kind::Person, person).to_string();
    app.data(&admin, RENAME, json!({ "id": person, "n": "Người Kiểm 8" })).await;
    checkpoint(&app).await;
    // As a superuser: drop the newest checkpoint, rewrite the one entry only
    // it covered, rehash it and move the chain's head. What is left verifies
    // link by link and signature by signature.
    let newest = chain_rows(&app).await.last().unwrap().clone();
    let mut forged = newest.clone();
    forged.payload = r#"{"fullName":"someone else"}"#.into();
    forged.hash = forged.compute_hash();
    tamper(&app, "DELETE FROM audit_checkpoint WHERE id = (SELECT max(id) FROM audit_checkpoint)").await;
    tamper(
        &app,
        &format!(
            "UPDATE audit_event SET payload = '{}', hash = '{}' WHERE id = {}",
            forged.payload, forged.hash, forged.id
        ),
    )
    .await;
    tamper(&app, &format!("UPDATE audit_chain SET head = '{}' WHERE chain = '{}'", forged.hash, forged.chain)).await;
    let q = "{ verifyAuditTrail { ok problem { kind checkpoint { id } checkpointNumber } } }";
    let report = app.data(&app.token(&["AUDITOR@CENTRAL"]), q, json!({})).await["verifyAuditTrail"].clone();
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["problem"]["kind"], "CHECKPOINT_MISSING", "{report}");
    // The break names the checkpoint that is gone by number; there is no
    // record left to point at.
    assert_eq!(report["problem"]["checkpointNumber"], 2, "{report}");
    assert_eq!(report["problem"]["checkpoint"], serde_json::Value::Null, "{report}");
    // All of them gone, and the trail rehashed from the second entry: the same.
    tamper(&app, "DELETE FROM audit_checkpoint").await;
    assert_eq!(verify_api(&app, None).await["problem"]["kind"], "CHECKPOINT_MISSING");
    assert_eq!(verify_api(&app, Some("BAC_KAN")).await["problem"]["kind"], "CHECKPOINT_MISSING");
}

#[tokio::test]
async fn a_verification_after_a_whole_one_walks_only_what_was_appended_since_the_checkpoint() {
    let (app, _) = app_with_trail().await;
    checkpoint(&app).await;
    let first = verify_api(&app, None).await;
    assert_eq!(first["fromCheckpoint"], serde_json::Value::Null, "{first}");
    let q = "{ verifyAuditTrail { ok entries chains fromCheckpoint { id number } } }";
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let again = app.data(&auditor, q, json!({})).await["verifyAuditTrail"].clone();
    assert_eq!(again["ok"], true, "{again}");
    // One entry per chain: its checkpointed head.
    assert_eq!(again["entries"], again["chains"], "{again}");
    let from = again["fromCheckpoint"].clone();
    assert_eq!(from["number"], 1, "{again}");
    // The checkpoint is a node: a normalised cache refetches it by its id.
    let node = app
        .data(
            &auditor,
            "query($id: ID!) { node(id: $id) { id ... on AuditCheckpoint { number } } }",
            json!({ "id": from["id"] }),
        )
        .await;
    assert_eq!(node["node"], from, "{node}");
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let person = chain_rows(&app).await.last().unwrap().entity_id;
    let person = steerql::graphql::ids::encode(steerql::graphql::ids::Kind::Person, person).to_string();
    for i in 0..5 {
        app.data(&admin, RENAME, json!({ "id": person, "n": format!("Người Mới {i}") })).await;
    }
    let after = app.data(&auditor, q, json!({})).await["verifyAuditTrail"].clone();
    assert_eq!(after["entries"].as_u64().unwrap(), again["entries"].as_u64().unwrap() + 5, "{after}");
    // An entry older than the checkpoint edited in place: the walk from the
    // checkpoint does not read it; the full verification, run in the
    // background, does.
    let target = chain_rows(&app).await[2].id;
    tamper(&app, &format!("UPDATE audit_event SET actor = 'someone' WHERE id = {target}")).await;
    assert_eq!(verify_api(&app, None).await["ok"], true);
    let started = app.data(&auditor, "mutation { startAuditVerification(input: {}) { started } }", json!({})).await;
    assert_eq!(started["startAuditVerification"]["started"], true);
    let full = app.audit.verify_full(&app.db).await.unwrap();
    assert_eq!(full.problem.map(|p| p.kind), Some(BreakKind::HashMismatch));
    let (_, refused) = app
        .gql(&app.token(&["AUDITOR@BAC_KAN"]), "mutation { startAuditVerification(input: {}) { started } }", json!({}))
        .await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
}

/// What the process logs, kept for a test: the server runs on the test's
/// own thread (a current-thread runtime), so a subscriber set as the
/// thread's default sees its events.
#[derive(Clone, Default)]
struct Logged(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logged {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_break_found_on_demand_shows_in_readyz_at_once_and_is_logged_as_an_error() {
    let logged = Logged::default();
    let writer = logged.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let (app, _) = app_with_trail().await;
    let base = app.url.trim_end_matches("/graphql").to_owned();
    let target = chain_rows(&app).await[1].id;
    tamper(&app, &format!("DELETE FROM audit_event WHERE id = {target}")).await;
    let report = verify_api(&app, Some("BAC_KAN")).await;
    assert_eq!(report["problem"]["kind"], "MISSING_ENTRY", "{report}");
    assert_eq!(report["problem"]["seq"], 2, "{report}");
    let ready: serde_json::Value = reqwest::get(format!("{base}/readyz")).await.unwrap().json().await.unwrap();
    assert_eq!(ready["auditTrail"]["status"], "broken", "{ready}");
    let text = logged.text();
    let line = text.lines().find(|l| l.contains("the audit trail failed verification")).unwrap_or_default();
    assert!(line.contains("ERROR") && line.contains("MISSING_ENTRY") && line.contains("seq=Some(2)"), "{text}");
}

#[tokio::test]
async fn a_matters_record_edited_behind_its_history_is_reported_with_its_chain() {
    for (column, value) in [
        ("recovered_amount", "recovered_amount + 1"),
        ("procedure_state", "'DISMISSED'"),
        ("monitoring_state", "'DECLINED'"),
        ("version", "version + 1"),
        ("loss_amount", "1"),
    ] {
        let app = TestApp::spawn().await;
        let auditor = app.token(&["AUDITOR@CENTRAL"]);
        let q = "{ cases(first: 1, filter: {text: \"NA-VA-001\"}) { nodes { id } } }";
        let id = app.data(&auditor, q, json!({})).await["cases"]["nodes"][0]["id"].as_str().unwrap().to_owned();
        let (_, raw) = steerql::graphql::ids::decode_any(&id).unwrap();
        assert_eq!(verify_api(&app, Some("NGHE_AN")).await["ok"], true, "{column}");
        tamper(&app, &format!("UPDATE case_record SET {column} = {value} WHERE id = {raw}")).await;
        for committee in [Some("NGHE_AN"), None] {
            let report = verify_api(&app, committee).await;
            assert_eq!(report["problem"]["kind"], "STATE_MISMATCH", "{column}: {report}");
            assert_eq!(report["problem"]["chain"], format!("case:{raw}"), "{column}: {report}");
            assert!(report["problem"]["seq"].as_i64().unwrap() >= 1, "{column}: {report}");
        }
    }
}

#[tokio::test]
async fn moving_a_matters_entries_to_another_committee_is_reported() {
    let app = TestApp::spawn().await;
    let auditor = app.token(&["AUDITOR@CENTRAL"]);
    let q = "{ cases(first: 1, filter: {text: \"NA-VA-002\"}) { nodes { id } } }";
    let id = app.data(&auditor, q, json!({})).await["cases"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let (_, raw) = steerql::graphql::ids::decode_any(&id).unwrap();
    let ha_tinh = steerql::graphql::ids::decode_any(&app.committee_id("HA_TINH").await).unwrap().1;
    // As a superuser: Nghe An's matter's history moved under Ha Tinh, out of Nghe An's auditors' sight.
    tamper(&app, &format!("UPDATE audit_event SET committee_id = {ha_tinh} WHERE chain = 'case:{raw}'")).await;
    let report = verify_api(&app, None).await;
    assert_eq!(report["problem"], json!({ "kind": "HASH_MISMATCH", "chain": format!("case:{raw}"), "seq": 1 }));
    // On a committee's own chain, the committee must also be the chain's.
    let (app, _) = app_with_trail().await;
    let entry = chain_rows(&app).await[0].clone();
    tamper(&app, &format!("UPDATE audit_event SET committee_id = {ha_tinh} WHERE id = {}", entry.id)).await;
    let report = verify_api(&app, None).await;
    assert_eq!(report["problem"], json!({ "kind": "HASH_MISMATCH", "chain": entry.chain, "seq": 1 }));
}

/// RFC 9162 §2.1.3.2, written again here from the RFC so the test does not
/// trust the server's own code: whether `leaf` at `index` of `size` leaves,
/// with `path`, hashes up to `root`.
fn proves(index: u64, size: u64, line: &str, path: &[String], root: &str) -> bool {
    use sha2::{Digest, Sha256};
    let node = |l: &[u8], r: &[u8]| -> Vec<u8> {
        Sha256::new().chain_update([1u8]).chain_update(l).chain_update(r).finalize().to_vec()
    };
    let mut r = Sha256::new().chain_update([0u8]).chain_update(line.as_bytes()).finalize().to_vec();
    let (mut f_n, mut s_n) = (index, size - 1);
    for p in path {
        let p = hex::decode(p).unwrap();
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node(&p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node(&r, &p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && hex::encode(r) == root
}

const PROOF: &str = "query($chain: String!) { auditCheckpoints(first: 1) { nodes {
    statement inclusionProof(chain: $chain) { chain seq hash leafIndex treeSize path } } } }";

#[tokio::test]
async fn a_provincial_auditor_proves_its_own_chains_against_the_signed_root_without_seeing_the_others() {
    let app = TestApp::spawn().await;
    checkpoint(&app).await;
    let central = app.token(&["AUDITOR@CENTRAL"]);
    let auditor = app.token(&["AUDITOR@NGHE_AN"]);
    let chains_of = |committee: String| {
        let (app, central) = (&app, &central);
        async move {
            let q = "query($c: ID) { auditEvents(first: 100, committeeId: $c) { nodes { chain } } }";
            let data = app.data(central, q, json!({ "c": committee })).await;
            let mut chains: Vec<String> = data["auditEvents"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["chain"].as_str().unwrap().to_owned())
                .collect();
            chains.sort();
            chains.dedup();
            chains
        }
    };
    let own = chains_of(app.committee_id("NGHE_AN").await).await;
    let others = chains_of(app.committee_id("HA_TINH").await).await;
    assert!(own.iter().any(|c| c.starts_with("case:")) && !others.is_empty(), "{own:?} {others:?}");

    // The signed statement names no chain; the heads are central auditors'.
    let q = "{ auditCheckpoints(first: 1) { nodes { statement heads } } }";
    let (_, body) = app.gql(&auditor, q, json!({})).await;
    let statement = body["data"]["auditCheckpoints"]["nodes"][0]["statement"].as_str().unwrap().to_owned();
    assert!(!statement.contains("committee:") && !statement.contains("case:"), "{statement}");
    assert_eq!(body["data"]["auditCheckpoints"]["nodes"][0]["heads"], json!(null), "{body}");
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let root = statement.lines().find_map(|l| l.strip_prefix("root ")).unwrap().to_owned();

    // Each of its own chains proves against that root, with the entry the chain holds.
    for chain in &own {
        let data = app.data(&auditor, PROOF, json!({ "chain": chain })).await;
        let p = &data["auditCheckpoints"]["nodes"][0]["inclusionProof"];
        let path: Vec<String> = p["path"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_owned()).collect();
        let line = format!("{} {} {}", p["chain"].as_str().unwrap(), p["seq"], p["hash"].as_str().unwrap());
        let (index, size) = (p["leafIndex"].as_u64().unwrap(), p["treeSize"].as_u64().unwrap());
        assert!(proves(index, size, &line, &path, &root), "{chain}: {p}");
        assert!(!proves(index ^ 1, size, &line, &path, &root), "{chain}: proves elsewhere too");
        let stored = app
            .count(&format!(
                "SELECT COUNT(*) AS n FROM audit_event WHERE chain = '{chain}' AND seq = {} AND hash = '{}'",
                p["seq"],
                p["hash"].as_str().unwrap()
            ))
            .await;
        assert_eq!(stored, 1, "{chain}: the proved head is the chain's entry");
    }
    // Another province's chain is answered as one that does not exist.
    let mut answers = Vec::new();
    for chain in [others[0].as_str(), "case:999999"] {
        let (_, body) = app.gql(&auditor, PROOF, json!({ "chain": chain })).await;
        assert_eq!(body["data"]["auditCheckpoints"]["nodes"][0]["inclusionProof"], json!(null), "{body}");
        answers.push((code(&body).to_owned(), body["errors"][0]["message"].clone()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, "NOT_FOUND");
    let (_, body) = app.gql(&auditor, PROOF, json!({ "chain": "case:1\u{0}" })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");

    // A central auditor reads every head, and they are the signed tree's leaves.
    let data = app.data(&central, q, json!({})).await;
    let heads = data["auditCheckpoints"]["nodes"][0]["heads"].as_str().unwrap();
    assert!(heads.lines().count() > own.len() + others.len(), "{heads}");
    for chain in others.iter().chain(&own) {
        let data = app.data(&central, PROOF, json!({ "chain": chain })).await;
        let p = &data["auditCheckpoints"]["nodes"][0]["inclusionProof"];
        let line = format!("{} {} {}", chain, p["seq"], p["hash"].as_str().unwrap());
        assert!(heads.lines().any(|l| l == line), "{line}");
    }
}

#[tokio::test]
async fn heads_kept_beside_a_checkpoint_that_are_not_its_signed_tree_are_reported() {
    let (app, _) = app_with_trail().await;
    checkpoint(&app).await;
    assert_eq!(verify(&app).await, None);
    // Someone with the database rewrites the kept heads to hide a truncation.
    tamper(&app, "UPDATE audit_checkpoint SET heads = REPLACE(heads, ' 8 ', ' 7 ')").await;
    let report = verify_api(&app, None).await;
    assert_eq!(report["problem"]["kind"], "BAD_SIGNATURE", "{report}");
    let report = app.audit.verify_full(&app.db).await.unwrap();
    assert_eq!(report.problem.map(|p| p.kind), Some(BreakKind::BadSignature));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn verifying_a_chain_while_it_is_appended_to_reports_no_break() {
    let (app, bac_kan) = app_with_trail().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let q = "mutation($c: ID!) { createPerson(input: {fullName: \"Người Ghi\", partyMember: true, homeCommitteeId: $c}) { person { id } } }";
    let person =
        app.data(&admin, q, json!({ "c": bac_kan })).await["createPerson"]["person"]["id"].as_str().unwrap().to_owned();
    let writer = {
        let (client, url, admin, person) = (app.client.clone(), app.url.clone(), admin.clone(), person.clone());
        tokio::spawn(async move {
            for i in 0..60 {
                let body = json!({ "query": RENAME, "variables": { "id": person, "n": format!("Người Ghi {i}") } });
                let res = client.post(&url).bearer_auth(&admin).json(&body).send().await.unwrap();
                assert_eq!(res.status(), 200);
            }
        })
    };
    // Each verification reads the chain while writes land on it: an entry
    // appended after the walk and before the head is read is no truncation.
    let (mut verified, committee) = (0, bac_kan_id(&app).await);
    while !writer.is_finished() {
        let report = app.audit.verify(&app.db, Some(committee)).await.unwrap();
        assert_eq!(report.problem, None, "after {verified} verifications");
        verified += 1;
    }
    writer.await.unwrap();
    assert!(verified > 1, "the writes ended before a verification ran alongside them");
}

async fn bac_kan_id(app: &TestApp) -> i64 {
    let id = app.committee_id("BAC_KAN").await;
    steerql::graphql::ids::decode_any(&id).unwrap().1
}

#[tokio::test]
async fn the_trail_lists_one_chain_by_the_name_entries_give_it_within_the_callers_reach() {
    let app = TestApp::spawn().await;
    let nghe_an = app.committee_id("NGHE_AN").await;
    let auditor = app.token(&["AUDITOR@NGHE_AN"]);
    let q = "query($c: ID!) { cases(first: 1, filter: {committeeId: $c}) { nodes { history(first: 1) { totalCount nodes { chain } } } } }";
    let data = app.data(&auditor, q, json!({ "c": nghe_an })).await;
    let history = &data["cases"]["nodes"][0]["history"];
    let chain = history["nodes"][0]["chain"].as_str().unwrap().to_owned();
    assert!(chain.starts_with("case:"), "{chain}");

    let q = "query($chain: String) { auditEvents(first: 100, chain: $chain) { totalCount nodes { chain seq } } }";
    let data = app.data(&auditor, q, json!({ "chain": chain })).await;
    let nodes = data["auditEvents"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().all(|n| n["chain"] == chain.as_str()), "{data}");
    assert_eq!(data["auditEvents"]["totalCount"], history["totalCount"], "the whole chain, no more: {data}");
    // Newest first, as the trail is.
    let seqs: Vec<i64> = nodes.iter().map(|n| n["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    // The committee's own chain by name too (the demo data is loaded
    // without entries on committees' chains: write one).
    let create = "mutation($c: ID!) { createPerson(input: {fullName: \"Người Mới\", partyMember: true, homeCommitteeId: $c}) { person { id } } }";
    app.data(&app.token(&["ADMIN@NGHE_AN"]), create, json!({ "c": nghe_an })).await;
    let own = format!("committee:{}", steerql::graphql::ids::decode_any(&nghe_an).unwrap().1);
    let data = app.data(&auditor, q, json!({ "chain": own })).await;
    assert!(data["auditEvents"]["totalCount"].as_i64().unwrap() > 0, "{data}");

    // Another province's chain is out of reach: empty, as a chain that does not exist.
    let ha_tinh = app.token(&["AUDITOR@HA_TINH"]);
    let data = app.data(&ha_tinh, q, json!({ "chain": chain })).await;
    assert_eq!(data["auditEvents"]["totalCount"], 0, "{data}");
    assert_eq!(data["auditEvents"]["nodes"], json!([]), "{data}");
    let data = app.data(&ha_tinh, q, json!({ "chain": "case:999999999" })).await;
    assert_eq!(data["auditEvents"]["totalCount"], 0, "{data}");

    // A name that is not a chain's is refused, and says which argument.
    for bad in ["case:", "case:01", "case:-1", "case:1x", "person:1", "committee:99999999999999999999"] {
        let (_, body) = app.gql(&auditor, q, json!({ "chain": bad })).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{bad:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!(["chain"]), "{bad:?}: {body}");
    }
    // NUL is refused before anything runs, as in every variable.
    let (_, body) = app.gql(&auditor, q, json!({ "chain": "case:1\u{0}" })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["$chain"]), "{body}");
}
