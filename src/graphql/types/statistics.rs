//! The figures committees report, as GraphQL types: a report (one row per
//! committee and the total, each against its comparison period), a series,
//! and each figure's definition. The figures and their rules are
//! `domain::statistics::FIGURES`.

use async_graphql::{Enum, ID, Object, Result};

use super::Committee;
use super::scalars::{Date, Vnd};
use crate::domain::statistics::{self as stats, Figure as F, Figures as Values};
use crate::error::AppError;
use crate::graphql::ids::{self, Kind};
use crate::service::statistics as service;

/// One figure of a report (see `figures` for each one's definition).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stats::Figure")]
pub enum Figure {
    /// Cases under monitoring on the period's last day.
    CasesUnderMonitoring,
    /// Incidents under monitoring on the period's last day.
    IncidentsUnderMonitoring,
    /// Cases and incidents under monitoring on the period's last day.
    MattersUnderMonitoring,
    /// Cases taken under monitoring in the period.
    CasesTakenUnderMonitoring,
    /// Incidents taken under monitoring in the period.
    IncidentsTakenUnderMonitoring,
    /// Cases and incidents taken under monitoring in the period.
    MattersTakenUnderMonitoring,
    /// Cases removed from monitoring in the period.
    CasesRemovedFromMonitoring,
    /// Incidents removed from monitoring in the period.
    IncidentsRemovedFromMonitoring,
    /// Cases and incidents removed from monitoring in the period.
    MattersRemovedFromMonitoring,
    /// New cases prosecuted in the period.
    NewCasesProsecuted,
    /// Defendants prosecuted in the period.
    DefendantsProsecuted,
    /// Of them, cadres or Party members.
    DefendantsCadresOrPartyMembers,
    /// Of them, leaders and managers.
    LeadersAndManagers,
    /// Of the new cases, those in the non-state sector.
    NonStateSectorCases,
    /// Of the defendants, those in the non-state sector.
    NonStateSectorDefendants,
    /// Incidents transferred to investigation in the period.
    TransfersToInvestigation,
    /// Party organisations disciplined in the period.
    PartyOrganisationsDisciplined,
    /// Party members disciplined in the period.
    PartyMembersDisciplined,
    /// The loss assessed of the matters under monitoring (VND).
    LossAmount,
    /// Recovered on those matters by the period's last day (VND).
    RecoveredAmount,
    /// Recovered in the period (VND).
    RecoveredInPeriod,
    /// Recovered as a percentage of the loss.
    RecoveryPercent,
}

/// The length of each period of a series.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "stats::Interval")]
pub enum Interval {
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
    /// Calendar years.
    Year,
}

/// A period of whole days, both included.
pub struct Period(pub stats::Period);

/// A period of whole days, both included.
#[Object]
impl Period {
    /// The first day.
    async fn from(&self) -> Date {
        Date(self.0.from)
    }

    /// The last day (included).
    async fn to(&self) -> Date {
        Date(self.0.to)
    }
}

fn count(v: i64) -> Result<i32> {
    Ok(i32::try_from(v).map_err(AppError::internal)?)
}

/// Every figure for one committee (or the total) and period. Counts are
/// matters, defendants or actions; amounts are VND.
pub struct Figures(pub Values);

/// Every figure for one committee (or the total) and period. Counts are
/// matters, defendants or actions; amounts are VND.
#[Object]
impl Figures {
    /// Cases under monitoring on the period's last day.
    async fn cases_under_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::CasesUnderMonitoring))
    }
    /// Incidents under monitoring on the period's last day (not those transferred to investigation).
    async fn incidents_under_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::IncidentsUnderMonitoring))
    }
    /// Cases and incidents under monitoring on the period's last day.
    async fn matters_under_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::MattersUnderMonitoring))
    }
    /// Cases taken under monitoring (or again, after a reopen) in the period, each once.
    async fn cases_taken_under_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::CasesTakenUnderMonitoring))
    }
    /// Incidents taken under monitoring in the period, each once.
    async fn incidents_taken_under_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::IncidentsTakenUnderMonitoring))
    }
    /// Cases and incidents taken under monitoring in the period.
    async fn matters_taken_under_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::MattersTakenUnderMonitoring))
    }
    /// Cases removed from monitoring in the period.
    async fn cases_removed_from_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::CasesRemovedFromMonitoring))
    }
    /// Incidents removed from monitoring in the period.
    async fn incidents_removed_from_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::IncidentsRemovedFromMonitoring))
    }
    /// Cases and incidents removed from monitoring in the period.
    async fn matters_removed_from_monitoring(&self) -> Result<i32> {
        count(self.0.get(F::MattersRemovedFromMonitoring))
    }
    /// New cases prosecuted (opened) in the period.
    async fn new_cases_prosecuted(&self) -> Result<i32> {
        count(self.0.get(F::NewCasesProsecuted))
    }
    /// Defendants prosecuted in the period.
    async fn defendants_prosecuted(&self) -> Result<i32> {
        count(self.0.get(F::DefendantsProsecuted))
    }
    /// Of the defendants prosecuted, the cadres or Party members.
    async fn defendants_cadres_or_party_members(&self) -> Result<i32> {
        count(self.0.get(F::DefendantsCadresOrPartyMembers))
    }
    /// Of the defendants prosecuted, the leaders and managers.
    async fn leaders_and_managers(&self) -> Result<i32> {
        count(self.0.get(F::LeadersAndManagers))
    }
    /// Of the new cases prosecuted, those in the non-state sector.
    async fn non_state_sector_cases(&self) -> Result<i32> {
        count(self.0.get(F::NonStateSectorCases))
    }
    /// Of the defendants prosecuted, those in the non-state sector.
    async fn non_state_sector_defendants(&self) -> Result<i32> {
        count(self.0.get(F::NonStateSectorDefendants))
    }
    /// Incidents with signs of crime transferred to investigation in the period.
    async fn transfers_to_investigation(&self) -> Result<i32> {
        count(self.0.get(F::TransfersToInvestigation))
    }
    /// Party organisations disciplined in the period.
    async fn party_organisations_disciplined(&self) -> Result<i32> {
        count(self.0.get(F::PartyOrganisationsDisciplined))
    }
    /// Party members disciplined in the period.
    async fn party_members_disciplined(&self) -> Result<i32> {
        count(self.0.get(F::PartyMembersDisciplined))
    }
    /// The loss assessed of the matters under monitoring on the last day.
    async fn loss_amount(&self) -> Vnd {
        Vnd(self.0.get(F::LossAmount))
    }
    /// Recovered on those matters by the last day.
    async fn recovered_amount(&self) -> Vnd {
        Vnd(self.0.get(F::RecoveredAmount))
    }
    /// Recovered in the period (on any matter; reversals subtract).
    async fn recovered_in_period(&self) -> Vnd {
        Vnd(self.0.get(F::RecoveredInPeriod))
    }
    /// `recoveredAmount` as a percentage of `lossAmount`; null when no loss is assessed.
    async fn recovery_percent(&self) -> Option<f64> {
        self.0.value(F::RecoveryPercent)
    }
}

/// A figure in the period against the comparison period.
pub struct FigureChange(pub stats::Change);

/// A figure in the period against the comparison period.
#[Object]
impl FigureChange {
    /// The figure.
    async fn figure(&self) -> Figure {
        self.0.figure.into()
    }
    /// Its value in the period (null where undefined: a percentage of no loss).
    async fn current(&self) -> Option<f64> {
        self.0.current
    }
    /// Its value in the comparison period.
    async fn previous(&self) -> Option<f64> {
        self.0.previous
    }
    /// `current - previous`.
    async fn difference(&self) -> Option<f64> {
        self.0.difference
    }
    /// `current / previous`; null where `previous` is zero (never infinite).
    async fn ratio(&self) -> Option<f64> {
        self.0.ratio
    }
}

/// One committee's figures (or the total of the rows), with the comparison.
pub struct StatisticsRow(pub service::Row);

/// One committee's figures (or the total of the rows), with the comparison.
#[Object]
impl StatisticsRow {
    /// The committee's global ID; null for the total.
    async fn committee_id(&self) -> Option<ID> {
        self.0.committee.as_ref().map(|c| ids::encode(Kind::Committee, c.id))
    }
    /// The committee; null for the total.
    async fn committee(&self) -> Option<Committee> {
        self.0.committee.clone().map(Committee)
    }
    /// The figures of the period.
    async fn figures(&self) -> Figures {
        Figures(self.0.current.clone())
    }
    /// The figures of the comparison period.
    async fn comparison(&self) -> Figures {
        Figures(self.0.previous.clone())
    }
    /// Each figure against the comparison period.
    async fn changes(&self) -> Vec<FigureChange> {
        stats::changes(&self.0.current, &self.0.previous).into_iter().map(FigureChange).collect()
    }
}

/// The figures of committees for a period, against a comparison period.
pub struct StatisticsReport(pub service::Report);

/// The figures of committees for a period, against a comparison period.
#[Object]
impl StatisticsReport {
    /// The period reported.
    async fn period(&self) -> Period {
        Period(self.0.period)
    }
    /// The period compared with.
    async fn comparison_period(&self) -> Period {
        Period(self.0.comparison)
    }
    /// The day the report is computed as known on (only what was recorded
    /// by the end of that day counts); null: everything recorded.
    async fn as_known_on(&self) -> Option<Date> {
        self.0.as_known_on.map(Date)
    }
    /// One row per committee, the central committee first, then by code.
    async fn rows(&self) -> Vec<StatisticsRow> {
        self.0.rows.iter().cloned().map(StatisticsRow).collect()
    }
    /// The rows added up (each matter counted once: the rows add up exactly).
    async fn total(&self) -> StatisticsRow {
        StatisticsRow(self.0.total.clone())
    }
}

/// One period of a series.
pub struct SeriesPoint(pub stats::Period, pub Values);

/// One period of a series.
#[Object]
impl SeriesPoint {
    /// The period.
    async fn period(&self) -> Period {
        Period(self.0)
    }
    /// The figures of the covered committees, added up.
    async fn figures(&self) -> Figures {
        Figures(self.1.clone())
    }
}

/// The same figures for each period of a range.
pub struct StatisticsSeries(pub Vec<(stats::Period, Values)>, pub Option<chrono::NaiveDate>);

/// The same figures for each period of a range.
#[Object]
impl StatisticsSeries {
    /// The periods, oldest first.
    async fn points(&self) -> Vec<SeriesPoint> {
        self.0.iter().map(|(p, f)| SeriesPoint(*p, f.clone())).collect()
    }
    /// The day the series is computed as known on; null: everything recorded.
    async fn as_known_on(&self) -> Option<Date> {
        self.1.map(Date)
    }
}

/// What a figure counts.
pub struct FigureDefinition(pub &'static stats::FigureRule);

/// What a figure counts.
#[Object]
impl FigureDefinition {
    /// The figure.
    async fn figure(&self) -> Figure {
        self.0.figure.into()
    }
    /// Its column in the CSV download.
    async fn column(&self) -> &'static str {
        self.0.column
    }
    /// `COUNT`, `VND` or `PERCENT`.
    async fn unit(&self) -> &'static str {
        match self.0.unit {
            stats::Unit::Count => "COUNT",
            stats::Unit::Vnd => "VND",
            stats::Unit::Percent => "PERCENT",
        }
    }
    /// Which records count, and for which committee.
    async fn definition(&self) -> &'static str {
        self.0.definition
    }
    /// Whether `figureMatters` lists the matters behind it.
    async fn drillable(&self) -> bool {
        service::DRILLABLE.contains(&self.0.figure)
    }
}
