//! Generated matters in volume, for the benchmarks.

use entity::{agency, committee};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::db::cases::{DefendantFields, NewCase};
use crate::db::seed::NameGenerator;
use crate::domain::Role;
use crate::domain::cases::{self as workflow, CaseKind, StepDetails, Transition};
use crate::error::AppResult;
use crate::service::cases::{self as service, Standing};

use super::plans::{CHARGES, TITLES};
use super::{CaseReport, day, seeder, today};
use Transition::*;

/// Adds `n` generated matters (for benchmarks): spread over the provincial
/// committees, each a case handled by its committee's police, taken under
/// monitoring and into investigation, with three defendants; written by the
/// services in transactions of 250, so every history is a real chain.
pub async fn load_case_volume(db: &crate::db::Db, n: usize) -> AppResult<CaseReport> {
    let committees = committee::Entity::find().filter(committee::Column::Level.eq("PROVINCIAL")).all(&db.conn).await?;
    let police = agency::Entity::find().filter(agency::Column::Kind.eq("POLICE")).all(&db.conn).await?;
    if committees.is_empty() {
        return Ok(CaseReport::default());
    }
    let today = today();
    let actor = seeder();
    let standing = Standing {
        roles: vec![Role::Standing, Role::Officer],
        assigning: vec![Role::Standing, Role::Officer],
        handles: false,
    };
    let mut names = NameGenerator::starting_at(50_000);
    let mut report = CaseReport::default();
    let opened = day(2023, 1, 2)?;
    let taken =
        StepDetails { decision_ref: Some("1/QD-BCD".into()), effective_on: Some(day(2023, 2, 1)?), reason: None };
    let started = StepDetails { effective_on: Some(day(2023, 3, 1)?), ..taken.clone() };
    let mut i = 0;
    while i < n {
        let batch = (n - i).min(250);
        crate::in_transaction!(db, txn => {
            for j in i..i + batch {
                let committee = &committees[j % committees.len()];
                let (field, title) = TITLES[j % TITLES.len()];
                let new = NewCase {
                    kind: CaseKind::Case,
                    code: format!("GEN-{}-{j:07}", committee.code),
                    title: title.to_owned(),
                    summary: String::new(),
                    field: field.to_owned(),
                    public_concern: j % 4 == 0,
                    non_state_sector: j % 7 == 0,
                    source: "INSPECTION".to_owned(),
                    loss_amount: Some(1_000_000_000 + j as i64),
                    monitoring_committee_id: committee.id,
                    handling_agency_id: police.iter().find(|a| a.committee_id == committee.id).map(|a| a.id),
                    monitoring_state: workflow::INITIAL_MONITORING,
                    procedure_state: workflow::initial_procedure(CaseKind::Case),
                    origin_case_id: None,
                    opened_on: opened,
                };
                let mut row = service::create_in(txn, &actor, &new, &[]).await?;
                row = service::take_step(txn, &actor, row, &standing, TakeUnderMonitoring, &taken, today).await?;
                for d in 0..3 {
                    let fields = DefendantFields {
                        full_name: names.next(),
                        position_held: "Official of a district department".into(),
                        cadre: d < 2,
                        party_member: d < 2,
                        leader: d == 0,
                        centrally_managed: false,
                        non_state_sector: d == 2,
                        status: "PROSECUTED".into(),
                        charges: vec![CHARGES[(j + d) % CHARGES.len()].to_owned()],
                    };
                    row = service::add_defendant_in(txn, &actor, row, &fields, opened, today).await?.1;
                }
                service::take_step(txn, &actor, row, &standing, StartInvestigation, &started, today).await?;
            }
            Ok(())
        })?;
        report.matters += batch;
        report.defendants += 3 * batch;
        i += batch;
    }
    Ok(report)
}
