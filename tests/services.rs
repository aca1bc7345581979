//! The services hold the permission rules, not the resolvers: every write
//! called directly (as the command line, a job or a future transport would)
//! by a principal whose roles lack the operation's grant is refused, and
//! writes nothing. The principals are built from the permission table
//! itself (every role but those the operation allows), so a role added to
//! an operation moves these tests with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::TestApp;
use entity::{agency, audit_event, case_record, committee, defendant, person, position};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use steerql::db::cases::{CaseChanges, DefendantFields};
use steerql::db::committees::{CommitteeChanges, NewCommittee};
use steerql::db::people::{NewPerson, PersonChanges};
use steerql::db::positions::{NewPosition, PositionChanges};
use steerql::domain::cases::{CaseKind, StepDetails, Transition};
use steerql::domain::org::SeatRole;
use steerql::domain::{Grant, Operation, Principal, PrincipalKind, Role};
use steerql::error::{AppError, AppResult, Code};
use steerql::service;
use steerql::service::cases::{CaseDraft, Discipline, DisciplineOwner};

/// A principal holding, on `committee`, every role that `op` does not allow.
fn without(op: Operation, committee: &str) -> Principal {
    let grants = Role::ALL
        .into_iter()
        .filter(|r| !op.allowed_roles().contains(r))
        .map(|role| Grant { role, committee: committee.to_owned() })
        .collect();
    Principal { subject: "direct-caller".into(), name: None, kind: PrincipalKind::Person, grants, agency: None }
}

fn principal(grants: &[&str]) -> Principal {
    let grants = grants.iter().map(|g| g.parse().unwrap()).collect();
    Principal { subject: "direct-caller".into(), name: None, kind: PrincipalKind::Person, grants, agency: None }
}

/// Nghe An's records the writes aim at.
struct Targets {
    committee: i64,
    other: i64,
    person: i64,
    position: i64,
    open_case: case_record::Model,
    defendant: i64,
    agency: i64,
}

async fn targets(app: &TestApp) -> Targets {
    let conn = &app.db.conn;
    let by_code = |code: &'static str| async move {
        committee::Entity::find().filter(committee::Column::Code.eq(code)).one(conn).await.unwrap().unwrap().id
    };
    let (committee, other) = (by_code("NGHE_AN").await, by_code("HA_TINH").await);
    let person =
        person::Entity::find().filter(person::Column::HomeCommitteeId.eq(committee)).one(conn).await.unwrap().unwrap();
    let position =
        position::Entity::find().filter(position::Column::CommitteeId.eq(committee)).one(conn).await.unwrap().unwrap();
    let open_case = case_record::Entity::find()
        .filter(case_record::Column::MonitoringCommitteeId.eq(committee))
        .filter(case_record::Column::MonitoringState.eq("UNDER_MONITORING"))
        .filter(case_record::Column::Kind.eq("CASE"))
        .one(conn)
        .await
        .unwrap()
        .expect("Nghe An monitors an open case in the demo data");
    let defendant =
        defendant::Entity::find().filter(defendant::Column::CaseId.eq(open_case.id)).one(conn).await.unwrap();
    let agency = agency::Entity::find().filter(agency::Column::CommitteeId.eq(committee)).one(conn).await.unwrap();
    Targets {
        committee,
        other,
        person: person.id,
        position: position.id,
        defendant: defendant.expect("the open case has a defendant").id,
        agency: agency.unwrap().id,
        open_case,
    }
}

/// The write was refused as a caller without the grant is (FORBIDDEN, or
/// NOT_FOUND where the caller may not even see the record).
fn refused<T>(what: &str, result: AppResult<T>) {
    match result {
        Ok(_) => panic!("{what}: written by a caller without the grant"),
        Err(e @ (AppError::Forbidden(_) | AppError::NotFound(_))) => {
            assert!(matches!(e.code(), Code::Forbidden | Code::NotFound), "{what}: {e:?}")
        }
        Err(e) => assert_eq!(e.code(), Code::Forbidden, "{what}: refused for another reason: {e:?}"),
    }
}

async fn entries(app: &TestApp) -> u64 {
    audit_event::Entity::find().count(&app.db.conn).await.unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn organisation_writes_called_directly_are_refused_without_the_admin_grant() {
    let app = TestApp::spawn().await;
    let t = targets(&app).await;
    let before = entries(&app).await;
    let db = &app.db;
    let actor = &without(Operation::ManageOrganisation, "NGHE_AN");
    let new_committee = || NewCommittee {
        code: "QUANG_TRI_2".into(),
        name: "Ban Chỉ đạo".into(),
        province: "Quảng Trị".into(),
        established_on: day("2024-01-01"),
        regulation: "Quy chế".into(),
    };
    refused("createCommittee", service::committees::create(db, actor, new_committee(), None).await);
    // A provincial ADMIN manages its committee but creates none: that is the centre's.
    let provincial_admin = &principal(&["ADMIN@NGHE_AN"]);
    refused(
        "createCommittee (provincial ADMIN)",
        service::committees::create(db, provincial_admin, new_committee(), None).await,
    );
    let rename = CommitteeChanges { name: Some("Tên mới".into()), ..Default::default() };
    refused("updateCommittee", service::committees::update(db, actor, t.committee, None, rename, None).await);
    refused(
        "mergeCommittees",
        service::committees::merge(db, actor, t.committee, t.other, day("2025-07-01"), None, None).await,
    );
    let new_person =
        NewPerson { full_name: "Người Mới".into(), party_member: true, home_committee_id: t.committee };
    refused("createPerson", service::people::create(db, actor, new_person, None).await);
    let rename = PersonChanges { full_name: Some("Tên Khác".into()), ..Default::default() };
    refused("updatePerson", service::people::update(db, actor, t.person, None, rename, None).await);
    let seat = NewPosition {
        person_id: t.person,
        committee_id: t.committee,
        role: SeatRole::Member,
        standing: false,
        title: "Member".into(),
        start_on: day("2025-01-01"),
    };
    refused("appointPosition", service::positions::appoint(db, actor, seat, None).await);
    let retitle = PositionChanges { title: Some("Another title".into()), ..Default::default() };
    refused("updatePosition", service::positions::update(db, actor, t.position, None, retitle, None).await);
    refused("endPosition", service::positions::end(db, actor, t.position, None, day("2025-06-30"), None, None).await);
    assert_eq!(entries(&app).await, before, "a refused write appended to the audit trail");
}

#[tokio::test]
async fn case_writes_called_directly_are_refused_without_their_grant() {
    let app = TestApp::spawn().await;
    let t = targets(&app).await;
    let before = entries(&app).await;
    let db = &app.db;
    let manage = &without(Operation::ManageCases, "NGHE_AN");
    let draft = CaseDraft {
        kind: CaseKind::Case,
        code: "NA-DIRECT".into(),
        title: "Trực tiếp".into(),
        summary: String::new(),
        field: "LAND".into(),
        public_concern: false,
        non_state_sector: false,
        source: "INSPECTION".into(),
        loss_amount: None,
        monitoring_committee_id: t.committee,
        handling_agency_id: None,
        opened_on: day("2025-01-01"),
    };
    refused("createCase", service::cases::create(db, manage, draft, vec![], None).await);
    let changes = CaseChanges { summary: Some("Changed directly".into()), ..Default::default() };
    refused("updateCase", service::cases::update(db, manage, t.open_case.id, None, changes, None, None).await);
    refused(
        "addCaseReference",
        service::cases::add_reference(db, manage, t.open_case.id, t.agency, "1/QD".into(), None, None).await,
    );
    let recovered = service::cases::record_recovery(
        db,
        manage,
        t.open_case.id,
        None,
        1_000,
        day("2025-02-01"),
        "1/THA".into(),
        None,
    );
    refused("recordRecovery", recovered.await);
    let discipline = || Discipline {
        subject_kind: "INDIVIDUAL".into(),
        subject_name: "Người bị kỷ luật".into(),
        form: "WARNING".into(),
        deciding_body: "Ủy ban Kiểm tra".into(),
        decided_on: day("2025-02-01"),
    };
    for owner in [DisciplineOwner::Case(t.open_case.id), DisciplineOwner::Committee(t.committee)] {
        refused(
            "recordDisciplinaryAction",
            service::cases::record_discipline(db, manage, owner, discipline(), None).await,
        );
    }

    let procedure = &without(Operation::RecordProcedure, "NGHE_AN");
    let fields = DefendantFields {
        full_name: "Bị Can Mới".into(),
        position_held: "Clerk".into(),
        cadre: false,
        party_member: false,
        leader: false,
        centrally_managed: false,
        non_state_sector: false,
        status: "SUSPECT".into(),
        charges: vec![],
    };
    refused(
        "addDefendant",
        service::cases::add_defendant(db, procedure, t.open_case.id, None, fields.clone(), None, None).await,
    );
    let change = |_: &defendant::Model| Ok(fields.clone());
    refused(
        "updateDefendant",
        service::cases::update_defendant(db, procedure, t.defendant, None, change, None, None).await,
    );

    let decide = &without(Operation::DecideMonitoring, "NGHE_AN");
    let details = StepDetails {
        decision_ref: Some("9/QD-BCD".into()),
        effective_on: Some(day("2025-03-01")),
        reason: Some("Decided directly".into()),
    };
    let ended = service::cases::transition(db, decide, t.open_case.id, Transition::EndMonitoring, None, details, None);
    refused("transitionCase END_MONITORING", ended.await);
    let assigned =
        service::cases::assign(db, decide, t.open_case.id, t.other, None, "5/QD-BCDTW".into(), day("2025-03-01"), None);
    refused("assignCase", assigned.await);
    assert_eq!(entries(&app).await, before, "a refused write appended to the audit trail");
}
