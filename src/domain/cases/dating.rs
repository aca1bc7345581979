//! When a step may take effect. A step is dated by the decision it records,
//! and back-dating is allowed (decisions are often recorded late: the
//! figures of exactly the periods it falls in change), but never into the
//! future, before the matter existed, before the step that led to the state
//! it leaves, or outside the life of the committee that held the matter.
//! These rules are [`DATING_RULES`], rendered in docs/cases.md.

use chrono::NaiveDate;

/// The rules, in the order they are checked, as the docs show them.
pub const DATING_RULES: &[(&str, &str)] = &[
    ("dated", "Every step carries `effectiveOn`: the day the decision took effect."),
    ("not in the future", "Not after today in the committees' calendar (`--time-zone`, Asia/Ho_Chi_Minh by default)."),
    ("not before the matter", "Not before the matter was opened (`openedOn`)."),
    ("in order", "Not before the previous step of the same workflow: a state is left no earlier than it was entered."),
    (
        "within the committee's life",
        "On a day the committee holding the matter existed: from its establishment, before a merge or dissolution took effect.",
    ),
];

/// What a step's date is checked against.
#[derive(Clone, Copy, Debug)]
pub struct DatingFacts {
    pub today: NaiveDate,
    pub opened_on: NaiveDate,
    /// The effective date of the latest step of the same workflow.
    pub previous: Option<NaiveDate>,
    /// The holding committee's life: established on, ended on (exclusive).
    pub committee_life: (NaiveDate, Option<NaiveDate>),
}

/// Why a date is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateRefusal {
    InFuture { today: NaiveDate },
    BeforeOpened { opened_on: NaiveDate },
    BeforePrevious { previous: NaiveDate },
    OutsideCommitteeLife { established: NaiveDate, ended: Option<NaiveDate> },
}

impl DateRefusal {
    pub fn message(&self) -> String {
        match self {
            DateRefusal::InFuture { today } => {
                format!("a step cannot take effect after today ({today} in the committees' calendar)")
            }
            DateRefusal::BeforeOpened { opened_on } => {
                format!("a step cannot take effect before the matter was opened ({opened_on})")
            }
            DateRefusal::BeforePrevious { previous } => {
                format!("a step cannot take effect before the previous step of its workflow ({previous})")
            }
            DateRefusal::OutsideCommitteeLife { established, ended: Some(ended) } => format!(
                "the committee holding the matter existed from {established} until {ended}: a step cannot take effect outside it"
            ),
            DateRefusal::OutsideCommitteeLife { established, ended: None } => {
                format!(
                    "the committee holding the matter was established on {established}: a step cannot take effect before it"
                )
            }
        }
    }
}

/// Checks a step's effective date.
pub fn check_date(on: NaiveDate, facts: &DatingFacts) -> Result<(), DateRefusal> {
    if on > facts.today {
        return Err(DateRefusal::InFuture { today: facts.today });
    }
    if on < facts.opened_on {
        return Err(DateRefusal::BeforeOpened { opened_on: facts.opened_on });
    }
    if let Some(previous) = facts.previous
        && on < previous
    {
        return Err(DateRefusal::BeforePrevious { previous });
    }
    let (established, ended) = facts.committee_life;
    if on < established || ended.is_some_and(|e| on >= e) {
        return Err(DateRefusal::OutsideCommitteeLife { established, ended });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts() -> DatingFacts {
        DatingFacts {
            today: d(2024, 6, 30),
            opened_on: d(2023, 1, 10),
            previous: Some(d(2023, 3, 1)),
            committee_life: (d(2022, 6, 14), None),
        }
    }

    #[test]
    fn a_late_recorded_decision_may_be_back_dated_to_any_day_after_the_previous_step() {
        assert_eq!(check_date(d(2023, 3, 1), &facts()), Ok(()));
        assert_eq!(check_date(d(2024, 6, 30), &facts()), Ok(()));
    }

    #[test]
    fn a_step_is_refused_in_the_future_before_the_matter_or_before_the_previous_step() {
        assert_eq!(check_date(d(2024, 7, 1), &facts()), Err(DateRefusal::InFuture { today: d(2024, 6, 30) }));
        let f = DatingFacts { previous: None, ..facts() };
        assert_eq!(check_date(d(2023, 1, 9), &f), Err(DateRefusal::BeforeOpened { opened_on: d(2023, 1, 10) }));
        assert_eq!(check_date(d(2023, 2, 28), &facts()), Err(DateRefusal::BeforePrevious { previous: d(2023, 3, 1) }));
    }

    #[test]
    fn a_step_is_refused_on_a_day_the_holding_committee_did_not_exist() {
        let f = DatingFacts { committee_life: (d(2022, 6, 14), Some(d(2023, 6, 1))), ..facts() };
        assert!(matches!(check_date(d(2023, 6, 1), &f), Err(DateRefusal::OutsideCommitteeLife { .. })));
        assert_eq!(check_date(d(2023, 5, 31), &f), Ok(()));
    }
}
