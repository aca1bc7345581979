//! The figures committees report, as data: each figure's name, unit and
//! counting rule ([`FIGURES`], the one definition the SQL, the GraphQL
//! type, the CSV columns and docs/statistics.md follow), the periods they
//! are computed for, and how two periods compare.

use chrono::{Datelike, Months, NaiveDate};

string_enum!(
    /// One figure of a report.
    Figure {
        CasesUnderMonitoring = "CASES_UNDER_MONITORING",
        IncidentsUnderMonitoring = "INCIDENTS_UNDER_MONITORING",
        MattersUnderMonitoring = "MATTERS_UNDER_MONITORING",
        CasesTakenUnderMonitoring = "CASES_TAKEN_UNDER_MONITORING",
        IncidentsTakenUnderMonitoring = "INCIDENTS_TAKEN_UNDER_MONITORING",
        MattersTakenUnderMonitoring = "MATTERS_TAKEN_UNDER_MONITORING",
        CasesRemovedFromMonitoring = "CASES_REMOVED_FROM_MONITORING",
        IncidentsRemovedFromMonitoring = "INCIDENTS_REMOVED_FROM_MONITORING",
        MattersRemovedFromMonitoring = "MATTERS_REMOVED_FROM_MONITORING",
        NewCasesProsecuted = "NEW_CASES_PROSECUTED",
        DefendantsProsecuted = "DEFENDANTS_PROSECUTED",
        DefendantsCadresOrPartyMembers = "DEFENDANTS_CADRES_OR_PARTY_MEMBERS",
        LeadersAndManagers = "LEADERS_AND_MANAGERS",
        NonStateSectorCases = "NON_STATE_SECTOR_CASES",
        NonStateSectorDefendants = "NON_STATE_SECTOR_DEFENDANTS",
        TransfersToInvestigation = "TRANSFERS_TO_INVESTIGATION",
        PartyOrganisationsDisciplined = "PARTY_ORGANISATIONS_DISCIPLINED",
        PartyMembersDisciplined = "PARTY_MEMBERS_DISCIPLINED",
        LossAmount = "LOSS_AMOUNT",
        RecoveredAmount = "RECOVERED_AMOUNT",
        RecoveredInPeriod = "RECOVERED_IN_PERIOD",
        RecoveryPercent = "RECOVERY_PERCENT",
    }
);

/// What a figure counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Matters, defendants, organisations or people.
    Count,
    /// Vietnamese đồng, exact.
    Vnd,
    /// A percentage of two other figures (not additive: a total is
    /// recomputed from the totals).
    Percent,
}

/// A figure's definition: its CSV column, unit, and which rows count.
#[derive(Clone, Copy, Debug)]
pub struct FigureRule {
    pub figure: Figure,
    pub column: &'static str,
    pub unit: Unit,
    pub definition: &'static str,
}

const fn rule(figure: Figure, column: &'static str, unit: Unit, definition: &'static str) -> FigureRule {
    FigureRule { figure, column, unit, definition }
}

/// Every figure, in report order. A matter is attributed to the committee
/// holding it on the fact's effective date (`case_committee`: registration,
/// assignment, a merge), so provincial rows add up to the nation's.
pub const FIGURES: &[FigureRule] = &[
    rule(
        Figure::CasesUnderMonitoring,
        "cases_under_monitoring",
        Unit::Count,
        "Cases whose latest monitoring step effective by the period's last day put them under monitoring \
         (a case opened by a transfer continues its incident's monitoring), for the committee holding them that day.",
    ),
    rule(
        Figure::IncidentsUnderMonitoring,
        "incidents_under_monitoring",
        Unit::Count,
        "Incidents likewise, except those transferred to investigation by then (their case counts instead).",
    ),
    rule(
        Figure::MattersUnderMonitoring,
        "matters_under_monitoring",
        Unit::Count,
        "Cases plus incidents under monitoring.",
    ),
    rule(
        Figure::CasesTakenUnderMonitoring,
        "cases_taken_under_monitoring",
        Unit::Count,
        "Cases with a TAKE_UNDER_MONITORING or REOPEN step effective in the period: each case once, for the \
         committee of its first such step in the period.",
    ),
    rule(Figure::IncidentsTakenUnderMonitoring, "incidents_taken_under_monitoring", Unit::Count, "Incidents likewise."),
    rule(
        Figure::MattersTakenUnderMonitoring,
        "matters_taken_under_monitoring",
        Unit::Count,
        "Cases plus incidents taken.",
    ),
    rule(
        Figure::CasesRemovedFromMonitoring,
        "cases_removed_from_monitoring",
        Unit::Count,
        "Cases with an END_MONITORING step effective in the period, each once.",
    ),
    rule(
        Figure::IncidentsRemovedFromMonitoring,
        "incidents_removed_from_monitoring",
        Unit::Count,
        "Incidents likewise.",
    ),
    rule(
        Figure::MattersRemovedFromMonitoring,
        "matters_removed_from_monitoring",
        Unit::Count,
        "Cases plus incidents removed.",
    ),
    rule(
        Figure::NewCasesProsecuted,
        "new_cases_prosecuted",
        Unit::Count,
        "Cases opened (prosecuted) in the period, for the committee they were registered with; a case opened by \
         transferring an incident counts on the transfer date.",
    ),
    rule(
        Figure::DefendantsProsecuted,
        "defendants_prosecuted",
        Unit::Count,
        "Defendants whose prosecution date falls in the period, for the committee holding their case that day.",
    ),
    rule(
        Figure::DefendantsCadresOrPartyMembers,
        "defendants_cadres_or_party_members",
        Unit::Count,
        "Of those defendants, the cadres or civil servants and the Party members (each once).",
    ),
    rule(
        Figure::LeadersAndManagers,
        "leaders_and_managers",
        Unit::Count,
        "Of those defendants, the leaders and managers.",
    ),
    rule(
        Figure::NonStateSectorCases,
        "non_state_sector_cases",
        Unit::Count,
        "Of the new cases prosecuted, those in the non-state sector.",
    ),
    rule(
        Figure::NonStateSectorDefendants,
        "non_state_sector_defendants",
        Unit::Count,
        "Of the defendants prosecuted, those in the non-state sector.",
    ),
    rule(
        Figure::TransfersToInvestigation,
        "transfers_to_investigation",
        Unit::Count,
        "Incidents with signs of crime transferred to investigation (TRANSFER_TO_INVESTIGATION effective in the period).",
    ),
    rule(
        Figure::PartyOrganisationsDisciplined,
        "party_organisations_disciplined",
        Unit::Count,
        "Disciplinary actions against organisations decided in the period, for the committee recording them.",
    ),
    rule(
        Figure::PartyMembersDisciplined,
        "party_members_disciplined",
        Unit::Count,
        "Disciplinary actions against individuals decided in the period.",
    ),
    rule(
        Figure::LossAmount,
        "loss_amount",
        Unit::Vnd,
        "The loss assessed (latest assessment effective by the period's last day) of the matters under monitoring \
         then; an incident's loss passes to the case its transfer opens, so it is counted once.",
    ),
    rule(
        Figure::RecoveredAmount,
        "recovered_amount",
        Unit::Vnd,
        "Recovered by the period's last day on those same matters (reversing entries subtract).",
    ),
    rule(
        Figure::RecoveredInPeriod,
        "recovered_in_period",
        Unit::Vnd,
        "Recoveries dated in the period, for the committee holding the matter on that day.",
    ),
    rule(
        Figure::RecoveryPercent,
        "recovery_percent",
        Unit::Percent,
        "RECOVERED_AMOUNT as a percentage of LOSS_AMOUNT; null when no loss is assessed.",
    ),
];

impl Figure {
    pub fn rule(self) -> &'static FigureRule {
        // FIGURES lists each figure once, in declaration order (a test checks it).
        &FIGURES[self as usize]
    }
}

/// The value of every figure for one committee (or a total) and period.
/// Counts and amounts add up; the percentage is derived.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    values: Vec<i64>,
}

impl Figures {
    pub fn zero() -> Figures {
        Figures { values: vec![0; Figure::ALL.len()] }
    }

    pub fn get(&self, f: Figure) -> i64 {
        self.values.get(f as usize).copied().unwrap_or(0)
    }

    pub fn add(&mut self, f: Figure, v: i64) {
        if let Some(slot) = self.values.get_mut(f as usize) {
            *slot = slot.saturating_add(v);
        }
    }

    /// Fills in the sums of cases and incidents.
    pub fn derive(mut self) -> Figures {
        use Figure::*;
        for (sum, a, b) in [
            (MattersUnderMonitoring, CasesUnderMonitoring, IncidentsUnderMonitoring),
            (MattersTakenUnderMonitoring, CasesTakenUnderMonitoring, IncidentsTakenUnderMonitoring),
            (MattersRemovedFromMonitoring, CasesRemovedFromMonitoring, IncidentsRemovedFromMonitoring),
        ] {
            let v = self.get(a).saturating_add(self.get(b));
            if let Some(slot) = self.values.get_mut(sum as usize) {
                *slot = v;
            }
        }
        self
    }

    /// A figure as a number: the percentage computed, null where undefined.
    pub fn value(&self, f: Figure) -> Option<f64> {
        match f {
            Figure::RecoveryPercent => {
                let loss = self.get(Figure::LossAmount);
                (loss > 0).then(|| self.get(Figure::RecoveredAmount) as f64 * 100.0 / loss as f64)
            }
            _ => Some(self.get(f) as f64),
        }
    }

    /// The sum of several rows (the percentage recomputed from the sums).
    pub fn sum<'a>(rows: impl IntoIterator<Item = &'a Figures>) -> Figures {
        let mut total = Figures::zero();
        for row in rows {
            for f in Figure::ALL {
                if f.rule().unit != Unit::Percent {
                    total.add(*f, row.get(*f));
                }
            }
        }
        total
    }
}

/// A figure in one period against another: the difference, and the ratio
/// (null where the base is zero, never infinite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    pub figure: Figure,
    pub current: Option<f64>,
    pub previous: Option<f64>,
    pub difference: Option<f64>,
    pub ratio: Option<f64>,
}

pub fn changes(current: &Figures, previous: &Figures) -> Vec<Change> {
    Figure::ALL
        .iter()
        .map(|f| {
            let (c, p) = (current.value(*f), previous.value(*f));
            let difference = c.zip(p).map(|(c, p)| c - p);
            let ratio = c.zip(p).and_then(|(c, p)| (p != 0.0).then(|| c / p)).filter(|r| r.is_finite());
            Change { figure: *f, current: c, previous: p, difference, ratio }
        })
        .collect()
}

/// A period of whole days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period a report covers.
pub const MAX_PERIOD_YEARS: i32 = 100;
/// The most periods one series has.
pub const MAX_SERIES_PERIODS: usize = 240;

impl Period {
    /// A period from `from` to `to`; `None` if it ends before it starts or
    /// is longer than [`MAX_PERIOD_YEARS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, String> {
        if to < from {
            return Err(format!("the period ends ({to}) before it starts ({from})"));
        }
        if to.year() - from.year() > MAX_PERIOD_YEARS {
            return Err(format!("a period is at most {MAX_PERIOD_YEARS} years"));
        }
        Ok(Period { from, to })
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of equal length just before.
    pub fn preceding(&self) -> Option<Period> {
        let to = self.from.pred_opt()?;
        let from = to.checked_sub_signed(chrono::TimeDelta::days(self.days() - 1))?;
        Some(Period { from, to })
    }

    /// The same days a year earlier (29 February becomes the 28th).
    pub fn year_before(&self) -> Option<Period> {
        Some(Period {
            from: self.from.checked_sub_months(Months::new(12))?,
            to: self.to.checked_sub_months(Months::new(12))?,
        })
    }
}

string_enum!(
    /// How long each period of a series is.
    Interval { Month = "MONTH", Quarter = "QUARTER", Year = "YEAR" }
);

impl Interval {
    fn months(self) -> u32 {
        match self {
            Interval::Month => 1,
            Interval::Quarter => 3,
            Interval::Year => 12,
        }
    }

    /// The calendar periods covering `range`, the first and last cut to it.
    pub fn split(self, range: Period) -> Result<Vec<Period>, String> {
        let step = self.months();
        let month0 = (range.from.month0() / step) * step;
        let mut start = NaiveDate::from_ymd_opt(range.from.year(), month0 + 1, 1).ok_or("a date out of range")?;
        let mut out = Vec::new();
        while start <= range.to {
            let next = start.checked_add_months(Months::new(step)).ok_or("a date out of range")?;
            let end = next.pred_opt().ok_or("a date out of range")?;
            out.push(Period { from: start.max(range.from), to: end.min(range.to) });
            if out.len() > MAX_SERIES_PERIODS {
                return Err(format!("a series has at most {MAX_SERIES_PERIODS} periods; choose a longer interval"));
            }
            start = next;
        }
        Ok(out)
    }
}

/// The figures as a Markdown table, for docs/statistics.md (`steerql figures`).
pub fn markdown() -> String {
    let mut out = String::from("| figure | CSV column | unit | what counts |\n|---|---|---|---|");
    for r in FIGURES {
        let unit = match r.unit {
            Unit::Count => "count",
            Unit::Vnd => "VND",
            Unit::Percent => "%",
        };
        out.push_str(&format!("\n| `{}` | `{}` | {unit} | {} |", r.figure.as_str(), r.column, r.definition));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_figure_has_one_rule_in_declaration_order() {
        assert_eq!(FIGURES.len(), Figure::ALL.len());
        for (i, f) in Figure::ALL.iter().enumerate() {
            assert_eq!(FIGURES[i].figure, *f);
            assert_eq!(FIGURES[i].column.to_uppercase(), f.as_str());
        }
    }

    #[test]
    fn the_comparison_periods_are_the_equal_length_before_and_the_same_days_a_year_earlier() {
        let h1 = Period::new(d(2024, 1, 1), d(2024, 6, 30)).unwrap();
        assert_eq!(h1.preceding(), Some(Period { from: d(2023, 7, 3), to: d(2023, 12, 31) }));
        assert_eq!(h1.year_before(), Some(Period { from: d(2023, 1, 1), to: d(2023, 6, 30) }));
        assert!(Period::new(d(2024, 2, 1), d(2024, 1, 1)).is_err());
    }

    #[test]
    fn a_ratio_over_a_zero_base_is_null_never_infinite() {
        let mut now = Figures::zero();
        now.add(Figure::TransfersToInvestigation, 286);
        let mut before = Figures::zero();
        let c = changes(&now, &before);
        let t = c.iter().find(|c| c.figure == Figure::TransfersToInvestigation).unwrap();
        assert_eq!((t.difference, t.ratio), (Some(286.0), None));
        before.add(Figure::TransfersToInvestigation, 100);
        let t = changes(&now, &before)[Figure::TransfersToInvestigation as usize];
        assert_eq!(t.ratio, Some(2.86));
        assert_eq!(now.value(Figure::RecoveryPercent), None);
    }

    #[test]
    fn a_series_covers_its_range_with_calendar_periods_cut_to_it() {
        let range = Period::new(d(2023, 2, 15), d(2023, 8, 10)).unwrap();
        let q = Interval::Quarter.split(range).unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(q[0], Period { from: d(2023, 2, 15), to: d(2023, 3, 31) });
        assert_eq!(q[2], Period { from: d(2023, 7, 1), to: d(2023, 8, 10) });
        assert_eq!(Interval::Month.split(range).unwrap().len(), 7);
    }
}
