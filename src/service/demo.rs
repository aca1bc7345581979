//! The demo data: the organisation (committees, officials, agencies; see
//! `db::seed`) and fictitious cases and incidents consistent with the figures
//! the reports give (DOMAIN.md, "Sample figures"), each taken through the
//! real workflow by the services, so its history is a verifiable chain like
//! any other. No case or defendant bears the name of a real person.

use chrono::NaiveDate;
use entity::{agency, committee};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::cases::{self as service, Standing};
use crate::db::cases::{self as store, DefendantFields, NewCase};
use crate::db::seed::{self, NameGenerator, SeedReport};
use crate::domain::cases::{self as workflow, CaseKind, StepDetails, Transition};
use crate::domain::{Principal, PrincipalKind, Role};
use crate::error::{AppError, AppResult};

/// What the demo cases add up to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CaseReport {
    pub matters: usize,
    pub defendants: usize,
}

/// Loads the whole demo data set. Call on an empty database, inside one
/// transaction.
pub async fn load<C: ConnectionTrait>(txn: &C) -> AppResult<(SeedReport, CaseReport)> {
    let org = seed::load_demo(txn).await?;
    let cases = load_cases(txn).await?;
    Ok((org, cases))
}

/// One demo matter: its kind, the procedure steps it has taken, whether
/// monitoring ended, and how many defendants it has (and how many of them
/// are cadres and Party members).
struct Plan {
    kind: CaseKind,
    steps: &'static [Transition],
    ended: bool,
    defendants: usize,
    cadres: usize,
}

use Transition::*;

const TO_INVESTIGATION: &[Transition] = &[StartInvestigation];
const TO_INDICTMENT: &[Transition] = &[StartInvestigation, Indict];
const TO_TRIAL: &[Transition] = &[StartInvestigation, Indict, OpenTrial];
const TO_TRIAL_IN_ABSENTIA: &[Transition] = &[StartInvestigation, Indict, OpenTrialInAbsentia];
const TO_APPEAL: &[Transition] = &[StartInvestigation, Indict, OpenTrial, Appeal];
const TO_EXECUTION: &[Transition] = &[StartInvestigation, Indict, OpenTrial, ExecuteSentence];
const TO_CLOSED: &[Transition] = &[StartInvestigation, Indict, OpenTrial, ExecuteSentence, Close];
const TO_CLOSED_AFTER_APPEAL: &[Transition] = &[StartInvestigation, Indict, OpenTrial, Appeal, ExecuteSentence, Close];
const SUSPENDED: &[Transition] = &[StartInvestigation, Suspend];
const CONCLUDED: &[Transition] = &[ConcludeVerification];

const fn case(steps: &'static [Transition], ended: bool, defendants: usize, cadres: usize) -> Plan {
    Plan { kind: CaseKind::Case, steps, ended, defendants, cadres }
}

const fn incident(steps: &'static [Transition], ended: bool) -> Plan {
    Plan { kind: CaseKind::Incident, steps, ended, defendants: 0, cadres: 0 }
}

/// Nghe An (seed 002): 27 taken under monitoring, 20 cases and 7
/// incidents; monitoring ended for 7 cases and 2 incidents.
const NGHE_AN: &[Plan] = &[
    case(TO_CLOSED, true, 3, 3),
    case(TO_CLOSED, true, 2, 2),
    case(TO_CLOSED_AFTER_APPEAL, true, 4, 3),
    case(TO_CLOSED, true, 1, 1),
    case(TO_CLOSED, true, 2, 1),
    case(TO_CLOSED_AFTER_APPEAL, true, 3, 3),
    case(TO_CLOSED, true, 2, 2),
    case(&[], false, 1, 1),
    case(TO_INVESTIGATION, false, 2, 2),
    case(TO_INVESTIGATION, false, 3, 2),
    case(TO_INDICTMENT, false, 2, 2),
    case(TO_INDICTMENT, false, 4, 4),
    case(TO_TRIAL, false, 2, 1),
    case(TO_TRIAL_IN_ABSENTIA, false, 1, 1),
    case(TO_APPEAL, false, 3, 3),
    case(TO_EXECUTION, false, 2, 2),
    case(TO_EXECUTION, false, 1, 1),
    case(SUSPENDED, false, 2, 2),
    case(TO_INVESTIGATION, false, 1, 0),
    case(TO_INDICTMENT, false, 2, 2),
    incident(CONCLUDED, true),
    incident(CONCLUDED, true),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(CONCLUDED, false),
    incident(&[], false),
];

/// Ha Tinh (seed 004): 16 taken, 4 removed, 12 monitored; 7 cases with 30
/// defendants, 25 of them cadres and Party members.
const HA_TINH: &[Plan] = &[
    case(TO_CLOSED, true, 5, 5),
    case(TO_TRIAL, false, 5, 4),
    case(TO_INDICTMENT, false, 4, 4),
    case(TO_INVESTIGATION, false, 4, 3),
    case(TO_INVESTIGATION, false, 4, 3),
    case(&[], false, 4, 3),
    case(TO_EXECUTION, false, 4, 3),
    incident(CONCLUDED, true),
    incident(CONCLUDED, true),
    incident(CONCLUDED, true),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
    incident(&[], false),
];

const TITLES: &[(&str, &str)] = &[
    ("LAND", "Violations in land allocation at a district resettlement project"),
    ("PROCUREMENT", "Collusion in bidding for provincial road maintenance works"),
    ("HEALTH", "Overpricing of medical equipment bought by a provincial hospital"),
    ("BANKING", "Irregular lending at a district branch of a commercial bank"),
    ("NATURAL_RESOURCES", "Unlawful sand mining licences along a river section"),
    ("EDUCATION", "Misuse of funds for school construction in a mountainous district"),
    ("PUBLIC_FINANCE", "Losses in the sale of state-owned office buildings"),
    ("INFRASTRUCTURE", "Abuse of position in an irrigation reservoir project"),
    ("ENERGY", "Violations in land use for a solar power plant"),
    ("LAND", "Falsified compensation records for an industrial park"),
];

const CHARGES: &[&str] = &[
    "Abusing position and power while performing official duties",
    "Violating regulations on bidding, causing serious consequences",
    "Embezzling property",
    "Taking bribes",
    "Violating regulations on the management and use of state property, causing loss and waste",
];

fn day(y: i32, m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| AppError::Conflict("bad demo date".into()))
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
async fn load_cases<C: ConnectionTrait>(txn: &C) -> AppResult<CaseReport> {
    let actor = seeder();
    let standing = Standing { roles: vec![Role::Standing, Role::Officer], handles: false };
    let mut names = NameGenerator::starting_at(10_000);
    let mut report = CaseReport::default();
    for (code, prefix, plans, first) in
        [("NGHE_AN", "NA", NGHE_AN, day(2022, 7, 4)?), ("HA_TINH", "HT", HA_TINH, day(2022, 8, 15)?)]
    {
        let committee = committee::Entity::find()
            .filter(committee::Column::Code.eq(code))
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Conflict(format!("demo committee {code} is missing")))?;
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
            row = service::take_step(txn, &actor, row, &standing, TakeUnderMonitoring, &details(on, 10 + i)).await?;
            for d in 0..plan.defendants {
                let cadre = d < plan.cadres;
                let fields = DefendantFields {
                    full_name: names.next(),
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
                service::add_defendant_in(txn, &actor, row.clone(), &fields).await?;
                row = store::by_ids(txn, &store::CaseScope::all(), &[row.id])
                    .await?
                    .remove(&row.id)
                    .ok_or(AppError::NotFound("case"))?;
                report.defendants += 1;
            }
            for (n, step) in plan.steps.iter().enumerate() {
                on += chrono::Duration::days(41);
                row = service::take_step(txn, &actor, row, &standing, *step, &details(on, 200 + 10 * i + n)).await?;
            }
            if plan.ended {
                on += chrono::Duration::days(30);
                service::take_step(txn, &actor, row, &standing, EndMonitoring, &details(on, 500 + i)).await?;
            }
        }
    }
    Ok(report)
}
