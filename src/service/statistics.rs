//! Reports: the figures of committees within the reader's reach for a
//! period, against a comparison period, as known on a day; series of them;
//! and the matters behind a figure. The figures come from the database
//! (`db::statistics`); this decides which committees, which periods and
//! which instant, and refuses what is out of reach.

use chrono::NaiveDate;
use entity::committee;

use crate::db::{Db, committees, statistics as store};
use crate::domain::statistics::{Figure, Figures, Interval, Period};
use crate::domain::{Operation, Principal};
use crate::error::{AppError, AppResult};

/// What a report is compared with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Comparison {
    /// The period of equal length just before.
    #[default]
    Preceding,
    /// The same days a year earlier.
    YearBefore,
    Between(Period),
}

/// One committee's figures (or, without a committee, the total).
#[derive(Clone, Debug)]
pub struct Row {
    pub committee: Option<committee::Model>,
    pub current: Figures,
    pub previous: Figures,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub period: Period,
    pub comparison: Period,
    pub as_known_on: Option<NaiveDate>,
    pub rows: Vec<Row>,
    pub total: Row,
}

/// The committees a report covers: those asked for (each within reach, or
/// `NOT_FOUND`: outside it a committee does not exist for the reader), or
/// every committee within reach.
async fn covered(db: &Db, actor: &Principal, ids: Option<&[i64]>) -> AppResult<Vec<committee::Model>> {
    let reach = crate::service::reach(actor, Operation::ReadStatistics)?;
    let all = committees::all_in_reach(&db.conn, &reach).await?;
    match ids {
        None => Ok(all),
        Some(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let c = all.iter().find(|c| c.id == *id).ok_or(AppError::NotFound("committee"))?;
                if !out.iter().any(|o: &committee::Model| o.id == c.id) {
                    out.push(c.clone());
                }
            }
            Ok(out)
        }
    }
}

fn known_before(db: &Db, as_known_on: Option<NaiveDate>) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
    as_known_on
        .map(|d| db.calendar.end_of(d).ok_or_else(|| AppError::bad_input(&["asKnownOn"], "the day is out of range")))
        .transpose()
}

pub async fn report(
    db: &Db,
    actor: &Principal,
    committee_ids: Option<&[i64]>,
    period: Period,
    comparison: Comparison,
    as_known_on: Option<NaiveDate>,
) -> AppResult<Report> {
    let compared = match comparison {
        Comparison::Preceding => period.preceding(),
        Comparison::YearBefore => period.year_before(),
        Comparison::Between(p) => Some(p),
    }
    .ok_or_else(|| AppError::bad_input(&["compareTo"], "the comparison period is out of the calendar's range"))?;
    let committees = covered(db, actor, committee_ids).await?;
    let known = known_before(db, as_known_on)?;
    let current = store::figures(&db.conn, period, known).await?;
    let previous = store::figures(&db.conn, compared, known).await?;
    let rows: Vec<Row> = committees
        .into_iter()
        .map(|c| Row {
            current: current.get(&c.id).cloned().unwrap_or_else(Figures::zero),
            previous: previous.get(&c.id).cloned().unwrap_or_else(Figures::zero),
            committee: Some(c),
        })
        .collect();
    let total = Row {
        committee: None,
        current: Figures::sum(rows.iter().map(|r| &r.current)).derive(),
        previous: Figures::sum(rows.iter().map(|r| &r.previous)).derive(),
    };
    Ok(Report { period, comparison: compared, as_known_on, rows, total })
}

/// The total figures of the covered committees for each period of a range.
pub async fn series(
    db: &Db,
    actor: &Principal,
    committee_ids: Option<&[i64]>,
    range: Period,
    interval: Interval,
    as_known_on: Option<NaiveDate>,
) -> AppResult<Vec<(Period, Figures)>> {
    let periods = interval.split(range).map_err(|m| AppError::bad_input(&["interval"], m))?;
    let committees = covered(db, actor, committee_ids).await?;
    let known = known_before(db, as_known_on)?;
    let mut out = Vec::with_capacity(periods.len());
    for period in periods {
        let figures = store::figures(&db.conn, period, known).await?;
        let total = Figures::sum(committees.iter().filter_map(|c| figures.get(&c.id))).derive();
        out.push((period, total));
    }
    Ok(out)
}

/// The figures a drill-down lists the matters of.
pub const DRILLABLE: &[Figure] = &[
    Figure::CasesTakenUnderMonitoring,
    Figure::IncidentsTakenUnderMonitoring,
    Figure::MattersTakenUnderMonitoring,
    Figure::CasesRemovedFromMonitoring,
    Figure::IncidentsRemovedFromMonitoring,
    Figure::MattersRemovedFromMonitoring,
    Figure::TransfersToInvestigation,
    Figure::NewCasesProsecuted,
    Figure::NonStateSectorCases,
];

/// The ids of the matters behind one committee's figure, after `after`,
/// at most `limit` (+1). The matters are then read with the reader's own
/// case scope: a figure's records are never more visible than records are.
#[allow(clippy::too_many_arguments)]
pub async fn matters_behind(
    db: &Db,
    actor: &Principal,
    committee_id: i64,
    figure: Figure,
    period: Period,
    as_known_on: Option<NaiveDate>,
    after: Option<i64>,
    limit: u64,
) -> AppResult<Vec<i64>> {
    let reach = crate::service::reach(actor, Operation::ReadCases)?;
    let found = committees::by_ids(&db.conn, &reach, &[committee_id]).await?;
    if !found.contains_key(&committee_id) {
        return Err(AppError::NotFound("committee"));
    }
    let known = known_before(db, as_known_on)?;
    store::matters_behind(&db.conn, figure, &[committee_id], period, known, after, limit).await?.ok_or_else(|| {
        let names = DRILLABLE.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ");
        AppError::bad_input(&["figure"], format!("the matters behind a figure are listed for {names}"))
    })
}
