//! The statistics area of the read API: reports, series, the figures'
//! definitions and the matters behind a figure. Merged into the root
//! `Query`. `READ_STATISTICS` reads figures only; listing the matters
//! behind one is `READ_CASES` (an analyst sees figures, never records).

use async_graphql::{Context, Enum, ID, InputObject, Object, OneofObject, Result};

use super::context;
use super::ids::{self, Kind};
use super::mutations::check;
use super::types::Case;
use super::types::scalars::Date;
use super::types::statistics::{Figure, FigureDefinition, Interval, StatisticsReport, StatisticsSeries};
use crate::domain::org::date;
use crate::domain::statistics::{self as stats, FIGURES, Period};
use crate::error::{AppError, AppResult};
use crate::service::statistics::{self as service, Comparison};

/// The most committees one report names.
const MAX_COMMITTEES: usize = 100;
/// The most matters one page of a drill-down lists.
const MAX_MATTERS_PAGE: i32 = 100;

#[derive(Default)]
pub struct StatisticsQuery;

/// A comparison period by rule.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComparisonPreset {
    /// The period of equal length just before (the default).
    PrecedingPeriod,
    /// The same days a year earlier.
    SamePeriodYearBefore,
}

/// A period of whole days, both included.
#[derive(InputObject, Clone, Copy)]
pub struct PeriodInput {
    /// The first day.
    pub from: Date,
    /// The last day (included).
    pub to: Date,
}

/// What a report is compared with: a rule, or explicit days.
#[derive(OneofObject)]
pub enum ComparisonInput {
    /// A period by rule.
    Preset(ComparisonPreset),
    /// Explicit days.
    Period(PeriodInput),
}

fn period(from: Date, to: Date, fields: (&'static str, &'static str)) -> AppResult<Period> {
    let (f, t) = (check(date(fields.0, from.0))?, check(date(fields.1, to.0))?);
    Period::new(f, t).map_err(|m| AppError::bad_input(&[fields.1], m))
}

fn committees(ids_: Option<Vec<ID>>) -> AppResult<Option<Vec<i64>>> {
    let Some(list) = ids_ else { return Ok(None) };
    if list.len() > MAX_COMMITTEES {
        return Err(AppError::bad_input(&["committeeIds"], format!("at most {MAX_COMMITTEES} committees")));
    }
    list.iter().map(|id| ids::decode(Kind::Committee, id, &["committeeIds"])).collect::<AppResult<Vec<_>>>().map(Some)
}

fn known_on(d: Option<Date>) -> AppResult<Option<chrono::NaiveDate>> {
    d.map(|d| check(date("asKnownOn", d.0))).transpose()
}

/// One page of the matters behind a figure.
pub struct FigureMatters {
    matters: Vec<i64>,
    has_next_page: bool,
}

/// One page of the matters behind a figure, oldest id first.
#[Object]
impl FigureMatters {
    /// The matters, by id, read with your own reach (a matter you may not
    /// read is left out of the list, never shown).
    async fn matters(&self, ctx: &Context<'_>) -> Result<Vec<Case>> {
        let req = context::request(ctx)?;
        let keys: Vec<_> = self.matters.iter().map(|id| super::loaders::CaseId(*id)).collect();
        let found = Box::pin(req.cases.load_many(keys)).await?;
        Ok(self
            .matters
            .iter()
            .filter_map(|id| found.get(&super::loaders::CaseId(*id)).cloned().map(Case::from))
            .collect())
    }

    /// Pass as `after` for the next page; null on the last page.
    async fn end_cursor(&self) -> Option<ID> {
        self.has_next_page.then(|| self.matters.last().map(|id| ids::encode(Kind::Case, *id))).flatten()
    }

    /// Whether there are more.
    async fn has_next_page(&self) -> bool {
        self.has_next_page
    }
}

#[Object]
impl StatisticsQuery {
    /// The figures of committees within your reach for a period (`from`
    /// and `to` included), one row per committee and their total, each
    /// against a comparison period (default: the period of equal length
    /// just before). `asKnownOn` computes the report as it could have been
    /// on that day (facts recorded later are left out), so a published
    /// report can be re-run. `READ_STATISTICS`; a committee outside your
    /// reach is `NOT_FOUND`.
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committees (default: every committee within your reach).")] committee_ids: Option<
            Vec<ID>,
        >,
        #[graphql(desc = "The period's first day.")] from: Date,
        #[graphql(desc = "The period's last day (included).")] to: Date,
        #[graphql(desc = "What to compare with (default: the preceding period).")] compare_to: Option<ComparisonInput>,
        #[graphql(desc = "Compute as known at the end of this day.")] as_known_on: Option<Date>,
    ) -> Option<StatisticsReport> {
        context::nullable(ctx, async {
            let range = period(from, to, ("from", "to"))?;
            let comparison = match compare_to {
                None | Some(ComparisonInput::Preset(ComparisonPreset::PrecedingPeriod)) => Comparison::Preceding,
                Some(ComparisonInput::Preset(ComparisonPreset::SamePeriodYearBefore)) => Comparison::YearBefore,
                Some(ComparisonInput::Period(p)) => {
                    Comparison::Between(period(p.from, p.to, ("compareTo", "compareTo"))?)
                }
            };
            let ids_ = committees(committee_ids)?;
            let known = known_on(as_known_on)?;
            let req = context::request(ctx)?;
            let viewer = context::viewer(ctx)?;
            let report = Box::pin(service::report(&req.db, viewer, ids_.as_deref(), range, comparison, known)).await?;
            Ok(Some(StatisticsReport(report)))
        })
        .await
    }

    /// The same figures for each month, quarter or year of a range (the
    /// first and last periods cut to it), added up over the committees, for
    /// charts. At most 240 periods. `READ_STATISTICS`.
    async fn statistics_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committees (default: every committee within your reach).")] committee_ids: Option<
            Vec<ID>,
        >,
        #[graphql(desc = "The range's first day.")] from: Date,
        #[graphql(desc = "The range's last day (included).")] to: Date,
        #[graphql(desc = "The length of each period.")] interval: Interval,
        #[graphql(desc = "Compute as known at the end of this day.")] as_known_on: Option<Date>,
    ) -> Option<StatisticsSeries> {
        context::nullable(ctx, async {
            let range = period(from, to, ("from", "to"))?;
            let ids_ = committees(committee_ids)?;
            let known = known_on(as_known_on)?;
            let req = context::request(ctx)?;
            let viewer = context::viewer(ctx)?;
            let interval = stats::Interval::from(interval);
            let points = Box::pin(service::series(&req.db, viewer, ids_.as_deref(), range, interval, known)).await?;
            Ok(Some(StatisticsSeries(points, known)))
        })
        .await
    }

    /// What each figure counts, in report order (the CSV's columns).
    async fn figures(&self) -> Vec<FigureDefinition> {
        FIGURES.iter().map(FigureDefinition).collect()
    }

    /// The matters behind one committee's figure in a period, as the
    /// report counts them, oldest id first. `READ_CASES` over the
    /// committee: figures are for analysts, records are not.
    #[allow(clippy::too_many_arguments)]
    async fn figure_matters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The committee whose figure it is.")] committee_id: ID,
        #[graphql(desc = "The figure (see `figures` for which are listed).")] figure: Figure,
        #[graphql(desc = "The period's first day.")] from: Date,
        #[graphql(desc = "The period's last day (included).")] to: Date,
        #[graphql(desc = "Compute as known at the end of this day.")] as_known_on: Option<Date>,
        #[graphql(desc = "At most this many (1 to 100).")] first: i32,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<ID>,
    ) -> Option<FigureMatters> {
        context::nullable(ctx, async {
            let committee = ids::decode(Kind::Committee, &committee_id, &["committeeId"])?;
            let range = period(from, to, ("from", "to"))?;
            let known = known_on(as_known_on)?;
            let size = first;
            if !(1..=MAX_MATTERS_PAGE).contains(&size) {
                return Err(AppError::bad_input(&["first"], format!("must be 1 to {MAX_MATTERS_PAGE}")).into());
            }
            let after = after.map(|c| ids::decode(Kind::Case, &c, &["after"])).transpose()?;
            let req = context::request(ctx)?;
            let viewer = context::viewer(ctx)?;
            let figure = stats::Figure::from(figure);
            let mut matters =
                Box::pin(service::matters_behind(&req.db, viewer, committee, figure, range, known, after, size as u64))
                    .await?;
            let has_next_page = matters.len() > size as usize;
            matters.truncate(size as usize);
            Ok(Some(FigureMatters { matters, has_next_page }))
        })
        .await
    }
}
