//! Statistics through the API, from the dated facts: the seeds' figures, the
//! committees adding up to the nation, both time axes, who reads what,
//! drilling down, the CSV download and the dating rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, code};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const FIGURES: &str = "casesUnderMonitoring incidentsUnderMonitoring mattersUnderMonitoring casesTakenUnderMonitoring
    incidentsTakenUnderMonitoring mattersTakenUnderMonitoring casesRemovedFromMonitoring incidentsRemovedFromMonitoring
    mattersRemovedFromMonitoring newCasesProsecuted defendantsProsecuted defendantsCadresOrPartyMembers leadersAndManagers
    nonStateSectorCases nonStateSectorDefendants transfersToInvestigation partyOrganisationsDisciplined
    partyMembersDisciplined lossAmount recoveredAmount recoveredInPeriod recoveryPercent";

fn report_query() -> String {
    format!(
        "query($ids: [ID!], $from: Date!, $to: Date!, $cmp: ComparisonInput, $known: Date) {{
           statistics(committeeIds: $ids, from: $from, to: $to, compareTo: $cmp, asKnownOn: $known) {{
             period {{ from to }} comparisonPeriod {{ from to }}
             rows {{ committee {{ code }} figures {{ {FIGURES} }} comparison {{ {FIGURES} }} changes {{ figure current previous difference ratio }} }}
             total {{ committeeId figures {{ {FIGURES} }} }} }} }}"
    )
}

async fn report(app: &TestApp, token: &str, vars: Value) -> Value {
    app.data(token, &report_query(), vars).await["statistics"].clone()
}

/// The figures of one committee's row.
async fn figures_of(app: &TestApp, token: &str, code: &str, from: &str, to: &str, known: Option<&str>) -> Value {
    let id = app.committee_id(code).await;
    let r = report(app, token, json!({ "ids": [id], "from": from, "to": to, "known": known })).await;
    r["rows"][0]["figures"].clone()
}

#[tokio::test]
async fn the_demo_data_reports_the_figures_of_the_nghe_an_and_ha_tinh_seeds() {
    let app = TestApp::spawn().await;
    let analyst = app.token(&["ANALYST@CENTRAL"]);
    // Seed 002: Nghe An, June 2022 to 30 June 2024.
    let na = figures_of(&app, &analyst, "NGHE_AN", "2022-06-01", "2024-06-30", None).await;
    assert_eq!(na["mattersTakenUnderMonitoring"], 27);
    assert_eq!(
        (na["casesTakenUnderMonitoring"].clone(), na["incidentsTakenUnderMonitoring"].clone()),
        (json!(20), json!(7))
    );
    assert_eq!(
        (na["casesRemovedFromMonitoring"].clone(), na["incidentsRemovedFromMonitoring"].clone()),
        (json!(7), json!(2))
    );
    assert_eq!((na["casesUnderMonitoring"].clone(), na["incidentsUnderMonitoring"].clone()), (json!(13), json!(5)));
    // Seed 004: Ha Tinh, from its establishment to its one-year review.
    let ht = figures_of(&app, &analyst, "HA_TINH", "2022-07-29", "2023-08-24", None).await;
    assert_eq!(ht["mattersTakenUnderMonitoring"], 16);
    assert_eq!(ht["mattersRemovedFromMonitoring"], 4);
    assert_eq!(ht["mattersUnderMonitoring"], 12);
    assert_eq!((ht["newCasesProsecuted"].clone(), ht["defendantsProsecuted"].clone()), (json!(7), json!(30)));
    assert_eq!(ht["defendantsCadresOrPartyMembers"], 25);
}

#[tokio::test]
async fn the_committees_rows_add_up_to_national_figures_counted_independently() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["ADMIN@CENTRAL"]);
    let standing = app.token(&["STANDING@CENTRAL", "OFFICER@CENTRAL"]);
    let central = app.committee_id("CENTRAL").await;
    let thanh_hoa = app.committee_id("THANH_HOA").await;
    let create = "mutation($code: String!, $kind: CaseKind!, $c: ID!, $on: Date!) { createCase(input: {kind: $kind, code: $code,
        title: \"Sinh dữ liệu\", field: LAND, source: PRESS, committeeId: $c, openedOn: $on, lossAmount: \"1000\"}) { case { id } } }";
    let step = "mutation($id: ID!, $t: CaseTransition!, $on: Date!) { transitionCase(input: {id: $id, transition: $t,
        effectiveOn: $on, decisionRef: \"1/QD\", reason: \"Generated\"}) { case { id } } }";
    let new = |code: &str, kind: &str, on: &str| json!({ "code": code, "kind": kind, "c": central, "on": on });
    // A case taken, ended and reopened in one period; one assigned to Thanh
    // Hoa; an incident transferred to investigation; then Thanh Hoa merged.
    let mut ids = Vec::new();
    for (code, kind) in [("GEN-1", "CASE"), ("GEN-2", "CASE"), ("GEN-3", "INCIDENT")] {
        let id = app.data(&standing, create, new(code, kind, "2025-01-02")).await["createCase"]["case"]["id"].clone();
        app.data(&standing, step, json!({ "id": id, "t": "TAKE_UNDER_MONITORING", "on": "2025-01-10" })).await;
        ids.push(id);
    }
    app.data(&standing, step, json!({ "id": ids[0], "t": "END_MONITORING", "on": "2025-02-01" })).await;
    app.data(&standing, step, json!({ "id": ids[0], "t": "REOPEN", "on": "2025-03-01" })).await;
    let assign = "mutation($id: ID!, $c: ID!) { assignCase(input: {id: $id, committeeId: $c, decisionRef: \"5/QD\", effectiveOn: \"2025-02-15\"}) { case { id } } }";
    app.data(&standing, assign, json!({ "id": ids[1], "c": thanh_hoa })).await;
    app.data(&standing, step, json!({ "id": ids[2], "t": "TRANSFER_TO_INVESTIGATION", "on": "2025-04-01" })).await;
    let nghe_an = app.committee_id("NGHE_AN").await;
    let merge = "mutation($m: ID!, $s: ID!) { mergeCommittees(input: {committeeId: $m, successorId: $s, effectiveOn: \"2025-06-01\"}) { successor { code } } }";
    app.data(&admin, merge, json!({ "m": thanh_hoa, "s": nghe_an })).await;

    let analyst = app.token(&["ANALYST@CENTRAL"]);
    let (from, to) = ("2022-01-01", "2025-12-31");
    let r = report(&app, &analyst, json!({ "from": from, "to": to })).await;
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len() as i64, app.count("SELECT COUNT(*) AS n FROM committee").await);
    for figure in FIGURES
        .split_whitespace()
        .filter(|f| *f != "recoveryPercent" && !f.ends_with("Amount") && *f != "recoveredInPeriod")
    {
        let sum: i64 = rows.iter().map(|row| row["figures"][figure].as_i64().unwrap()).sum();
        assert_eq!(sum, r["total"]["figures"][figure].as_i64().unwrap(), "{figure}");
    }
    // The nation counts each matter once, whoever held it.
    let taken = app
        .count(&format!(
            "SELECT COUNT(DISTINCT case_id) AS n FROM case_step WHERE step IN ('TAKE_UNDER_MONITORING', 'REOPEN') \
             AND effective_on BETWEEN '{from}' AND '{to}'"
        ))
        .await;
    assert_eq!(r["total"]["figures"]["mattersTakenUnderMonitoring"].as_i64().unwrap(), taken);
    // Under monitoring now: every matter in that state, but an incident that
    // was transferred (its case counts instead).
    let monitored = app
        .count(
            "SELECT COUNT(*) AS n FROM case_record WHERE monitoring_state = 'UNDER_MONITORING' \
             AND NOT (kind = 'INCIDENT' AND procedure_state = 'TRANSFERRED_TO_INVESTIGATION')",
        )
        .await;
    assert_eq!(r["total"]["figures"]["mattersUnderMonitoring"].as_i64().unwrap(), monitored);
    let prosecuted = app
        .count(&format!(
            "SELECT COUNT(*) AS n FROM case_record WHERE kind = 'CASE' AND opened_on BETWEEN '{from}' AND '{to}'"
        ))
        .await;
    assert_eq!(r["total"]["figures"]["newCasesProsecuted"].as_i64().unwrap(), prosecuted);
    // The reopened case counted once; the assigned one is Thanh Hoa's until
    // the merge and Nghe An's after it; the transfer counts once.
    let row = |code: &str| rows.iter().find(|r| r["committee"]["code"] == code).unwrap()["figures"].clone();
    let year = report(&app, &analyst, json!({ "from": "2025-01-01", "to": "2025-12-31" })).await;
    let in_year = |code: &str| {
        year["rows"].as_array().unwrap().iter().find(|r| r["committee"]["code"] == code).unwrap()["figures"].clone()
    };
    assert_eq!(in_year("CENTRAL")["casesTakenUnderMonitoring"], 2);
    assert_eq!(in_year("CENTRAL")["transfersToInvestigation"], 1);
    assert_eq!(year["total"]["figures"]["transfersToInvestigation"], 1);
    let before_merge =
        report(&app, &analyst, json!({ "ids": [thanh_hoa, nghe_an], "from": "2025-05-31", "to": "2025-05-31" })).await;
    let after_merge =
        report(&app, &analyst, json!({ "ids": [thanh_hoa, nghe_an], "from": "2025-06-01", "to": "2025-06-01" })).await;
    let th_before = before_merge["rows"][0]["figures"]["casesUnderMonitoring"].as_i64().unwrap();
    let na_before = before_merge["rows"][1]["figures"]["casesUnderMonitoring"].as_i64().unwrap();
    assert!(th_before >= 1, "{before_merge}");
    assert_eq!(after_merge["rows"][0]["figures"]["casesUnderMonitoring"], 0);
    assert_eq!(after_merge["rows"][1]["figures"]["casesUnderMonitoring"].as_i64().unwrap(), na_before + th_before);
    let _ = row;
}

/// Moves the recording time of every fact there is to `at`.
async fn record_everything_at(app: &TestApp, at: chrono::DateTime<chrono::Utc>) {
    use entity::{case_committee, case_loss, case_record, case_step, defendant_step, disciplinary_action, recovery};
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::Expr;
    let db = &app.db.conn;
    case_step::Entity::update_many().col_expr(case_step::Column::RecordedAt, Expr::value(at)).exec(db).await.unwrap();
    case_committee::Entity::update_many()
        .col_expr(case_committee::Column::RecordedAt, Expr::value(at))
        .exec(db)
        .await
        .unwrap();
    case_loss::Entity::update_many().col_expr(case_loss::Column::RecordedAt, Expr::value(at)).exec(db).await.unwrap();
    defendant_step::Entity::update_many()
        .col_expr(defendant_step::Column::RecordedAt, Expr::value(at))
        .exec(db)
        .await
        .unwrap();
    case_record::Entity::update_many()
        .col_expr(case_record::Column::CreatedAt, Expr::value(at))
        .exec(db)
        .await
        .unwrap();
    recovery::Entity::update_many().col_expr(recovery::Column::CreatedAt, Expr::value(at)).exec(db).await.unwrap();
    disciplinary_action::Entity::update_many()
        .col_expr(disciplinary_action::Column::CreatedAt, Expr::value(at))
        .exec(db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_period_keeps_its_figures_when_later_events_are_recorded_and_as_known_on_reproduces_a_report() {
    let app = TestApp::spawn().await;
    let analyst = app.token(&["ANALYST@NGHE_AN"]);
    let officer = app.token(&["STANDING@NGHE_AN", "OFFICER@NGHE_AN"]);
    // The demo data was recorded ten days ago (its facts' recording times
    // are moved back; the API never writes the past).
    let ten_days_ago = chrono::Utc::now() - chrono::Duration::days(10);
    record_everything_at(&app, ten_days_ago).await;
    let h1 = figures_of(&app, &analyst, "NGHE_AN", "2024-01-01", "2024-06-30", None).await;
    let committee = app.committee_id("NGHE_AN").await;
    let create =
        "mutation($c: ID!, $code: String!, $on: Date!) { createCase(input: {kind: CASE, code: $code, title: \"Muộn\",
        field: LAND, source: PRESS, committeeId: $c, openedOn: $on}) { case { id } } }";
    let step = "mutation($id: ID!, $on: Date!) { transitionCase(input: {id: $id, transition: TAKE_UNDER_MONITORING,
        effectiveOn: $on, decisionRef: \"9/QD\"}) { case { id } } }";
    // A matter of a later period: H1 2024 does not move.
    let later = app.data(&officer, create, json!({ "c": committee, "code": "NA-LATE-1", "on": "2025-03-01" })).await;
    app.data(&officer, step, json!({ "id": later["createCase"]["case"]["id"], "on": "2025-03-05" })).await;
    assert_eq!(figures_of(&app, &analyst, "NGHE_AN", "2024-01-01", "2024-06-30", None).await, h1);
    // A decision of H1 2024 recorded late: H1 2024 moves, by exactly it...
    let late = app.data(&officer, create, json!({ "c": committee, "code": "NA-LATE-2", "on": "2024-02-01" })).await;
    app.data(&officer, step, json!({ "id": late["createCase"]["case"]["id"], "on": "2024-03-01" })).await;
    let now = figures_of(&app, &analyst, "NGHE_AN", "2024-01-01", "2024-06-30", None).await;
    assert_eq!(
        now["casesTakenUnderMonitoring"].as_i64().unwrap(),
        h1["casesTakenUnderMonitoring"].as_i64().unwrap() + 1
    );
    assert_eq!(now["newCasesProsecuted"].as_i64().unwrap(), h1["newCasesProsecuted"].as_i64().unwrap() + 1);
    // ...and the report as known yesterday is the one published before it.
    let yesterday =
        (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::days(1)).date_naive().to_string();
    let known = figures_of(&app, &analyst, "NGHE_AN", "2024-01-01", "2024-06-30", Some(&yesterday)).await;
    assert_eq!(known, h1);
}

#[tokio::test]
async fn a_reversed_recovery_corrects_its_period_and_leaves_the_report_as_known_before_it() {
    let app = TestApp::spawn().await;
    let analyst = app.token(&["ANALYST@NGHE_AN"]);
    let officer = app.token(&["STANDING@NGHE_AN", "OFFICER@NGHE_AN"]);
    let committee = app.committee_id("NGHE_AN").await;
    let create = "mutation($c: ID!) { createCase(input: {kind: CASE, code: \"NA-REC-1\", title: \"Thu hồi\",
        field: LAND, source: PRESS, committeeId: $c, openedOn: \"2024-01-05\", lossAmount: \"1000000\"}) { case { id } } }";
    let id = app.data(&officer, create, json!({ "c": committee })).await["createCase"]["case"]["id"].clone();
    let record = "mutation($id: ID!) { recordRecovery(input: {caseId: $id, amount: \"250000\", recoveredOn: \"2024-03-01\", reference: \"1/THA\"}) { recovery { id } } }";
    let recovery = app.data(&officer, record, json!({ "id": id })).await["recordRecovery"]["recovery"]["id"].clone();
    let before = figures_of(&app, &analyst, "NGHE_AN", "2024-01-01", "2024-06-30", None).await;
    let reverse = "mutation($id: ID!) { reverseRecovery(input: {recoveryId: $id, reason: \"Recorded twice\"}) {
        recovery { amount reversesId reason } case { recoveredAmount } } }";
    let reversed = app.data(&officer, reverse, json!({ "id": recovery })).await["reverseRecovery"].clone();
    assert_eq!(reversed["recovery"]["amount"], "-250000"); // Vnd is a string scalar
    assert_eq!(reversed["recovery"]["reversesId"], recovery);
    assert_eq!(reversed["case"]["recoveredAmount"], "0");
    let after = figures_of(&app, &analyst, "NGHE_AN", "2024-01-01", "2024-06-30", None).await;
    let in_period = |f: &Value| f["recoveredInPeriod"].as_str().unwrap().parse::<i64>().unwrap();
    assert_eq!(in_period(&before) - in_period(&after), 250_000);
    // Reversed once; a reversing entry is not reversed.
    let (_, again) = app.gql(&officer, reverse, json!({ "id": recovery })).await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
}

#[tokio::test]
async fn an_analyst_reads_its_committees_figures_and_no_records() {
    let app = TestApp::spawn().await;
    let analyst = app.token(&["ANALYST@NGHE_AN"]);
    let own = app.committee_id("NGHE_AN").await;
    let other = app.committee_id("HA_TINH").await;
    let all = report(&app, &analyst, json!({ "from": "2022-01-01", "to": "2024-12-31" })).await;
    let codes: Vec<&str> =
        all["rows"].as_array().unwrap().iter().map(|r| r["committee"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["NGHE_AN"]);
    let (_, body) =
        app.gql(&analyst, &report_query(), json!({ "ids": [other], "from": "2022-01-01", "to": "2024-12-31" })).await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert!(body["data"]["statistics"].is_null());
    for query in [
        "{ cases(first: 1) { totalCount } }".to_owned(),
        format!(
            "{{ figureMatters(committeeId: \"{own}\", figure: MATTERS_TAKEN_UNDER_MONITORING, from: \"2022-01-01\", to: \"2024-12-31\", first: 5) {{ matters {{ id }} }} }}"
        ),
    ] {
        let (_, body) = app.gql(&analyst, &query, json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{query}: {body}");
    }
}

#[tokio::test]
async fn a_figure_lists_the_matters_behind_it_page_by_page() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["OFFICER@NGHE_AN"]);
    let committee = app.committee_id("NGHE_AN").await;
    let page = "query($c: ID!, $after: ID) { figureMatters(committeeId: $c, figure: MATTERS_TAKEN_UNDER_MONITORING,
        from: \"2022-06-01\", to: \"2024-06-30\", first: 20, after: $after) { hasNextPage endCursor matters { code } } }";
    let first = app.data(&officer, page, json!({ "c": committee })).await["figureMatters"].clone();
    assert_eq!(first["matters"].as_array().unwrap().len(), 20);
    assert_eq!(first["hasNextPage"], true);
    let second =
        app.data(&officer, page, json!({ "c": committee, "after": first["endCursor"] })).await["figureMatters"].clone();
    assert_eq!(second["matters"].as_array().unwrap().len(), 7);
    assert_eq!(second["hasNextPage"], false);
    let (_, forged) = app.gql(&officer, page, json!({ "c": committee, "after": "bm90IGEgY3Vyc29y" })).await;
    assert_eq!(code(&forged), "BAD_USER_INPUT", "{forged}");
}

#[tokio::test]
async fn the_comparison_gives_differences_and_ratios_null_over_a_zero_base() {
    let app = TestApp::spawn().await;
    let analyst = app.token(&["ANALYST@CENTRAL"]);
    let na = app.committee_id("NGHE_AN").await;
    let r = report(
        &app,
        &analyst,
        json!({ "ids": [na], "from": "2024-01-01", "to": "2024-06-30", "cmp": { "preset": "SAME_PERIOD_YEAR_BEFORE" } }),
    )
    .await;
    assert_eq!(r["comparisonPeriod"], json!({ "from": "2023-01-01", "to": "2023-06-30" }));
    for change in r["rows"][0]["changes"].as_array().unwrap() {
        match (change["current"].as_f64(), change["previous"].as_f64()) {
            (Some(c), Some(p)) => {
                assert!((change["difference"].as_f64().unwrap() - (c - p)).abs() < 1e-6, "{change}");
                if p == 0.0 {
                    assert!(change["ratio"].is_null(), "{change}");
                } else {
                    assert!((change["ratio"].as_f64().unwrap() - c / p).abs() < 1e-9, "{change}");
                }
            }
            _ => assert!(change["ratio"].is_null()),
        }
    }
    let preceding = report(&app, &analyst, json!({ "ids": [na], "from": "2024-01-01", "to": "2024-06-30" })).await;
    assert_eq!(preceding["comparisonPeriod"], json!({ "from": "2023-07-03", "to": "2023-12-31" }));
    let (_, bad) = app.gql(&analyst, &report_query(), json!({ "from": "2024-06-30", "to": "2024-01-01" })).await;
    assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad}");
    let (_, bad) = app.gql(&analyst, &report_query(), json!({ "from": "1900-01-01", "to": "2024-01-01" })).await;
    assert_eq!(code(&bad), "BAD_USER_INPUT", "{bad}");
}

#[tokio::test]
async fn the_csv_download_has_a_row_per_committee_and_opens_with_vietnamese_names_intact() {
    let app = TestApp::spawn().await;
    let analyst = app.token(&["ANALYST@CENTRAL"]);
    let url = format!("http://{}/statistics.csv", app.addr);
    let res = app
        .client
        .get(&url)
        .query(&[("from", "2022-06-01"), ("to", "2024-06-30"), ("committee", "NGHE_AN"), ("committee", "HA_TINH")])
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename=\"steerql-statistics-2022-06-01-2024-06-30.csv\"")
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a byte-order mark for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "header, two committees, the total");
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let na: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(na[0], "NGHE_AN");
    assert!(na[1].contains("Nghệ An"), "{}", na[1]);
    assert_eq!(na[column("matters_taken_under_monitoring")], "27");
    assert!(lines[3].starts_with("TOTAL,"));
    // Bad input is answered like any request: a code, never a 500.
    for (query, status, expected) in [
        (vec![("from", "2024-02-30"), ("to", "2024-06-30")], 400, "BAD_USER_INPUT"),
        (vec![("from", "2024-01-01"), ("to", "2024-06-30"), ("x", "1")], 400, "BAD_USER_INPUT"),
        (vec![("from", "2024-01-01"), ("to", "2024-06-30"), ("committee", "NO_SUCH")], 404, "NOT_FOUND"),
    ] {
        let res = app.client.get(&url).query(&query).bearer_auth(&analyst).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status);
        let body: Value = res.json().await.unwrap();
        assert_eq!(code(&body), expected, "{body}");
    }
    let res = app.client.get(&url).query(&[("from", "2024-01-01"), ("to", "2024-06-30")]).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let member = app.token(&["ADMIN@CENTRAL"]);
    let res = app
        .client
        .get(&url)
        .query(&[("from", "2024-01-01"), ("to", "2024-06-30")])
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_step_in_the_future_before_the_previous_one_or_undated_is_refused_naming_effective_on() {
    let app = TestApp::spawn().await;
    let officer = app.token(&["STANDING@NGHE_AN", "OFFICER@NGHE_AN"]);
    let committee = app.committee_id("NGHE_AN").await;
    let create = "mutation($c: ID!) { createCase(input: {kind: CASE, code: \"NA-DATE-1\", title: \"Ngày\",
        field: LAND, source: PRESS, committeeId: $c, openedOn: \"2024-01-05\"}) { case { id } } }";
    let id = app.data(&officer, create, json!({ "c": committee })).await["createCase"]["case"]["id"].clone();
    let step = "mutation($id: ID!, $t: CaseTransition!, $on: Date) { transitionCase(input: {id: $id, transition: $t,
        effectiveOn: $on, decisionRef: \"1/QD\", reason: \"R\"}) { case { id } } }";
    let future = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive().to_string();
    for (t, on) in [
        ("TAKE_UNDER_MONITORING", Some(future.as_str())),
        ("TAKE_UNDER_MONITORING", Some("2024-01-04")),
        ("DECLINE_MONITORING", None),
    ] {
        let (_, body) = app.gql(&officer, step, json!({ "id": id, "t": t, "on": on })).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{t} {on:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], json!(["input", "effectiveOn"]), "{body}");
    }
    app.data(&officer, step, json!({ "id": id, "t": "TAKE_UNDER_MONITORING", "on": "2024-03-01" })).await;
    app.data(&officer, step, json!({ "id": id, "t": "START_INVESTIGATION", "on": "2024-03-02" })).await;
    let (_, body) = app.gql(&officer, step, json!({ "id": id, "t": "INDICT", "on": "2024-03-01" })).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("previous step"), "{body}");
    // The history shows the step as a typed fact.
    let history = app
        .data(&officer, "query($id: ID!) { case(id: $id) { history(first: 10) { nodes { action step { transition effectiveOn decisionRef committeeId } } } } }", json!({ "id": id }))
        .await;
    let steps: Vec<Value> = history["case"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["action"] == "CASE_TRANSITION")
        .map(|n| n["step"].clone())
        .collect();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["transition"], "TAKE_UNDER_MONITORING");
    assert_eq!(steps[0]["effectiveOn"], "2024-03-01");
    assert_eq!(steps[0]["decisionRef"], "1/QD");
    assert_eq!(steps[0]["committeeId"], committee);
}

#[tokio::test]
async fn the_migrations_backfill_rebuilds_the_dated_facts_from_the_audit_history() {
    let app = TestApp::spawn().await;
    let conn = &app.db.conn;
    let steps = "SELECT case_id, workflow, step, from_state, to_state, effective_on, decision_ref, reason, actor, \
                 committee_id, audit_chain, audit_seq FROM case_step ORDER BY audit_chain, audit_seq";
    let holdings = "SELECT case_id, committee_id, from_on, cause FROM case_committee ORDER BY case_id, from_on, cause";
    let recoveries = "SELECT id, committee_id FROM recovery ORDER BY id";
    let snapshot = |sql: &'static str| async move {
        let rows = conn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
        rows.iter()
            .map(|r| {
                (0..r.column_names().len())
                    .map(|i| {
                        r.try_get_by_index::<Option<String>>(i)
                            .ok()
                            .flatten()
                            .or_else(|| r.try_get_by_index::<Option<i64>>(i).ok().flatten().map(|v| v.to_string()))
                            .or_else(|| {
                                r.try_get_by_index::<Option<chrono::NaiveDate>>(i).ok().flatten().map(|v| v.to_string())
                            })
                            .unwrap_or_default()
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let written = (snapshot(steps).await, snapshot(holdings).await, snapshot(recoveries).await);
    assert!(written.0.len() > 100, "the demo data took steps");
    conn.execute_unprepared(
        "DELETE FROM case_step; DELETE FROM case_committee; DELETE FROM defendant_step; DELETE FROM case_loss; \
         UPDATE recovery SET committee_id = NULL",
    )
    .await
    .unwrap();
    migration::m20261205_000001_dated_facts::backfill(conn).await.unwrap();
    let rebuilt = (snapshot(steps).await, snapshot(holdings).await, snapshot(recoveries).await);
    assert_eq!(rebuilt.0, written.0, "steps");
    assert_eq!(rebuilt.1, written.1, "holdings");
    assert_eq!(rebuilt.2, written.2, "recoveries");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM defendant_step WHERE from_status IS NULL").await,
        app.count("SELECT COUNT(*) AS n FROM defendant").await
    );
}
