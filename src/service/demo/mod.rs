//! The demo data: the organisation (committees, officials, agencies; see
//! `db::seed`) and fictitious cases and incidents consistent with the figures
//! the reports give (DOMAIN.md, "Sample figures"), each taken through the
//! real workflow by the services, so its history is a verifiable chain like
//! any other. No case or defendant bears the name of a real person.

use chrono::NaiveDate;
use entity::{agency, committee};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::cases::{self as service, Standing};
use crate::db::cases::{DefendantFields, NewCase, NewDiscipline};
use crate::db::seed::{self, NameGenerator, SeedReport};
use crate::domain::cases::{self as workflow, CaseKind, DisciplineForm, DisciplineSubject, StepDetails, Transition};
use crate::domain::{Principal, PrincipalKind, Role};
use crate::error::{AppError, AppResult};

mod plans;
mod volume;

use Transition::*;
use plans::{CHARGES, HA_TINH, NGHE_AN, TITLES};
pub use volume::load_case_volume;

/// What the demo cases add up to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CaseReport {
    pub matters: usize,
    pub defendants: usize,
}

/// Loads the whole demo data set. Call on an empty database, inside one
/// transaction.
pub async fn load(txn: &DatabaseTransaction) -> AppResult<(SeedReport, CaseReport)> {
    let org = seed::load_demo(txn).await?;
    let cases = load_cases(txn).await?;
    Ok((org, cases))
}

fn day(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| AppError::internal(std::io::Error::other("bad demo date")))
}

/// The demo's "today", for the dating rules: its story ends in 2024, so the
/// default calendar serves whatever the configured one.
fn today() -> NaiveDate {
    crate::domain::calendar::Calendar::default().today()
}

/// The principal the demo history is written as.
fn seeder() -> Principal {
    Principal {
        subject: "steerql-demo-data".into(),
        name: Some("Demo data".into()),
        kind: PrincipalKind::Service,
        grants: vec![],
        agency: None,
    }
}

async fn agency_of<C: ConnectionTrait>(txn: &C, committee: i64, kind: &str) -> AppResult<Option<i64>> {
    Ok(agency::Entity::find()
        .filter(agency::Column::CommitteeId.eq(committee))
        .filter(agency::Column::Kind.eq(kind))
        .one(txn)
        .await?
        .map(|a| a.id))
}

/// Takes every demo matter through the workflow, as the central committee's
/// standing committee and advisory staff would.
async fn load_cases(txn: &DatabaseTransaction) -> AppResult<CaseReport> {
    let today = today();
    let actor = seeder();
    let standing = Standing {
        roles: vec![Role::Standing, Role::Officer],
        assigning: vec![Role::Standing, Role::Officer],
        handles: false,
    };
    let mut names = NameGenerator::starting_at(10_000);
    let mut report = CaseReport::default();
    for (code, prefix, plans, first) in
        [("NGHE_AN", "NA", NGHE_AN, day(2022, 7, 4)?), ("HA_TINH", "HT", HA_TINH, day(2022, 8, 15)?)]
    {
        let committee =
            committee::Entity::find().filter(committee::Column::Code.eq(code)).one(txn).await?.ok_or_else(|| {
                AppError::internal(std::io::Error::other(format!("demo committee {code} is missing")))
            })?;
        let police = agency_of(txn, committee.id, "POLICE").await?;
        let inspectorate = agency_of(txn, committee.id, "INSPECTORATE").await?;
        let (mut cases, mut incidents) = (0, 0);
        for (i, plan) in plans.iter().enumerate() {
            let (field, title) = TITLES[i % TITLES.len()];
            let kind_code = match plan.kind {
                CaseKind::Case => {
                    cases += 1;
                    format!("{prefix}-VA-{cases:03}")
                }
                CaseKind::Incident => {
                    incidents += 1;
                    format!("{prefix}-VV-{incidents:03}")
                }
            };
            let opened = first + chrono::Duration::days(i as i64 * 23);
            let agency = if plan.kind == CaseKind::Case { police } else { inspectorate };
            let new = NewCase {
                kind: plan.kind,
                code: kind_code.clone(),
                title: title.to_owned(),
                summary: format!("Fictitious demo matter {kind_code}: {}.", title.to_lowercase()),
                field: field.to_owned(),
                public_concern: i % 3 == 0,
                non_state_sector: i % 5 == 4,
                source: ["INSPECTION", "AUDIT", "DENUNCIATION", "PRESS", "INVESTIGATION"][i % 5].to_owned(),
                loss_amount: Some((i as i64 + 1) * 7_500_000_000),
                monitoring_committee_id: committee.id,
                handling_agency_id: agency,
                monitoring_state: workflow::INITIAL_MONITORING,
                procedure_state: workflow::initial_procedure(plan.kind),
                origin_case_id: None,
                opened_on: opened,
            };
            let references: Vec<(i64, String)> = match (plan.kind, police) {
                (CaseKind::Case, Some(police)) => {
                    vec![(police, format!("{}/{}/QD-CSKT", 100 + i, opened.format("%Y")))]
                }
                _ => vec![],
            };
            let mut row = service::create_in(txn, &actor, &new, &references).await?;
            report.matters += 1;
            let mut on = opened + chrono::Duration::days(14);
            let details = |on: NaiveDate, n: usize| StepDetails {
                decision_ref: Some(format!("{n}/QD-BCD")),
                effective_on: Some(on),
                reason: Some("Decided at the standing committee's meeting".into()),
            };
            row = service::take_step(txn, &actor, row, &standing, TakeUnderMonitoring, &details(on, 10 + i), today)
                .await?;
            let mut expelled = None;
            for d in 0..plan.defendants {
                let cadre = d < plan.cadres;
                let full_name = names.next();
                if cadre && d == 0 {
                    expelled = Some(full_name.clone());
                }
                let fields = DefendantFields {
                    full_name,
                    position_held: if cadre {
                        "Head of a district department".into()
                    } else {
                        "Director of a private company".into()
                    },
                    cadre,
                    party_member: cadre,
                    leader: cadre && d == 0,
                    centrally_managed: false,
                    non_state_sector: !cadre,
                    status: "PROSECUTED".into(),
                    charges: vec![CHARGES[(i + d) % CHARGES.len()].to_owned()],
                };
                let prosecuted = row.opened_on;
                row = service::add_defendant_in(txn, &actor, row, &fields, prosecuted, today).await?.1;
                report.defendants += 1;
            }
            for (n, step) in plan.steps.iter().enumerate() {
                on += chrono::Duration::days(41);
                row = service::take_step(txn, &actor, row, &standing, *step, &details(on, 200 + 10 * i + n), today)
                    .await?;
                // Once indicted, the leading cadre is expelled from the Party
                // by the provincial inspection commission.
                if *step == Transition::Indict
                    && let Some(name) = expelled.take()
                {
                    let new = NewDiscipline {
                        committee_id: committee.id,
                        case_id: Some(row.id),
                        subject_kind: DisciplineSubject::Individual.as_str().to_owned(),
                        subject_name: name,
                        form: DisciplineForm::Expulsion.as_str().to_owned(),
                        deciding_body: "Provincial Party Committee's Inspection Commission".to_owned(),
                        decided_on: on + chrono::Duration::days(12),
                    };
                    service::record_discipline_in(txn, &actor, &new, Some(&row)).await?;
                }
            }
            // A sentence being executed brings part of the loss back, in instalments.
            if plan.steps.contains(&Transition::ExecuteSentence) {
                let loss = row.loss_amount.unwrap_or(0);
                for (n, share) in [(1, 4), (2, 8)] {
                    let at = on + chrono::Duration::days(10 * n);
                    let reference = format!("{}/{}/THA", 40 + i, n);
                    row = service::record_recovery_in(txn, &actor, row, loss / share, at, &reference, today).await?.1;
                }
                on += chrono::Duration::days(20);
            }
            if plan.ended {
                on += chrono::Duration::days(30);
                service::take_step(txn, &actor, row, &standing, EndMonitoring, &details(on, 500 + i), today).await?;
            }
        }
    }
    report.matters += load_central(txn, &actor, &standing, &mut names).await?;
    Ok(report)
}

/// The central committee's own matters: one at trial with centrally managed
/// defendants, one assigned to Thanh Hoa, an incident transferred to
/// investigation (which opens its linked case), one proposed, one declined.
async fn load_central(
    txn: &DatabaseTransaction,
    actor: &Principal,
    standing: &Standing,
    names: &mut NameGenerator,
) -> AppResult<usize> {
    let today = today();
    let find = |code: &'static str| async move {
        committee::Entity::find()
            .filter(committee::Column::Code.eq(code))
            .one(txn)
            .await?
            .ok_or_else(|| AppError::internal(std::io::Error::other(format!("demo committee {code} is missing"))))
    };
    let central = find("CENTRAL").await?;
    let thanh_hoa = find("THANH_HOA").await?;
    let details = |on: NaiveDate, n: usize| StepDetails {
        decision_ref: Some(format!("{n}/QD-BCDTW")),
        effective_on: Some(on),
        reason: Some("Decided by the Standing Committee of the Central Steering Committee".into()),
    };
    let matter = |code: &str, kind: CaseKind, title: &str, field: &str, opened: NaiveDate| NewCase {
        kind,
        code: code.to_owned(),
        title: title.to_owned(),
        summary: format!("Fictitious demo matter {code}: {}.", title.to_lowercase()),
        field: field.to_owned(),
        public_concern: true,
        non_state_sector: false,
        source: "INSPECTION".to_owned(),
        loss_amount: Some(950_000_000_000),
        monitoring_committee_id: central.id,
        handling_agency_id: None,
        monitoring_state: workflow::INITIAL_MONITORING,
        procedure_state: workflow::initial_procedure(kind),
        origin_case_id: None,
        opened_on: opened,
    };
    let mut count = 0;
    // At trial, with centrally managed defendants.
    let new = matter(
        "TW-VA-001",
        CaseKind::Case,
        "Bid rigging in a national equipment programme",
        "PROCUREMENT",
        day(2022, 9, 5)?,
    );
    let mut row = service::create_in(txn, actor, &new, &[]).await?;
    row = service::take_step(txn, actor, row, standing, TakeUnderMonitoring, &details(day(2022, 9, 20)?, 1), today)
        .await?;
    for d in 0..3 {
        let fields = DefendantFields {
            full_name: names.next(),
            position_held: "Former deputy minister".into(),
            cadre: true,
            party_member: true,
            leader: true,
            centrally_managed: d == 0,
            non_state_sector: false,
            status: "INDICTED".into(),
            charges: vec![CHARGES[1].to_owned()],
        };
        let prosecuted = row.opened_on;
        row = service::add_defendant_in(txn, actor, row, &fields, prosecuted, today).await?.1;
    }
    for (n, step) in [StartInvestigation, Indict, OpenTrial].into_iter().enumerate() {
        let on = day(2023, 1 + 3 * n as u32, 10)?;
        row = service::take_step(txn, actor, row, standing, step, &details(on, 2 + n), today).await?;
    }
    count += 1;
    // Assigned to Thanh Hoa to direct.
    let new = matter("TW-VA-002", CaseKind::Case, "Losses in a provincial land auction", "LAND", day(2023, 2, 1)?);
    let mut row = service::create_in(txn, actor, &new, &[]).await?;
    row = service::take_step(txn, actor, row, standing, TakeUnderMonitoring, &details(day(2023, 2, 15)?, 10), today)
        .await?;
    row = service::assign_in(txn, actor, row, thanh_hoa.id, "11/QD-BCDTW", day(2023, 3, 1)?, today).await?;
    service::take_step(txn, actor, row, standing, StartInvestigation, &details(day(2023, 4, 1)?, 12), today).await?;
    count += 1;
    // An incident whose verification found signs of crime.
    let new = matter(
        "TW-VV-001",
        CaseKind::Incident,
        "Irregularities in a state-owned enterprise's divestment",
        "PUBLIC_FINANCE",
        day(2023, 5, 2)?,
    );
    let mut row = service::create_in(txn, actor, &new, &[]).await?;
    row = service::take_step(txn, actor, row, standing, TakeUnderMonitoring, &details(day(2023, 5, 20)?, 20), today)
        .await?;
    service::take_step(txn, actor, row, standing, TransferToInvestigation, &details(day(2023, 9, 1)?, 21), today)
        .await?;
    count += 2;
    // Awaiting the standing committee's decision, and one it declined.
    let new =
        matter("TW-VV-002", CaseKind::Incident, "Complaints about a hospital procurement", "HEALTH", day(2024, 3, 4)?);
    service::create_in(txn, actor, &new, &[]).await?;
    let new = matter(
        "TW-VA-003",
        CaseKind::Case,
        "Alleged waste in a regional airport upgrade",
        "INFRASTRUCTURE",
        day(2024, 4, 8)?,
    );
    let row = service::create_in(txn, actor, &new, &[]).await?;
    service::take_step(txn, actor, row, standing, DeclineMonitoring, &details(day(2024, 5, 2)?, 30), today).await?;
    count += 2;
    Ok(count)
}
