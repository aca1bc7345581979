//! Filter and order inputs. Each list takes the same filter type wherever it
//! appears (top level or nested); top-level lists add the arguments that scope
//! them to a parent (`committeeId`, `personId`, `parentId`).

use async_graphql::{Enum, InputObject};
use chrono::NaiveDate;

use super::enums::{AgencyKind, CommitteeLevel, CommitteeStatus, Direction, PositionRole};
use super::scalars::Date;
use crate::db::committees;
use crate::db::positions::PositionScope;
use crate::error::{AppError, AppResult};

/// A `nameContains` filter: at most 100 characters, trimmed; blank means no filter.
pub fn name_filter(text: Option<String>, arg: &[&str]) -> AppResult<Option<String>> {
    match text {
        Some(t) if t.chars().count() > 100 => Err(AppError::bad_input(arg, "must be at most 100 characters")),
        Some(t) if t.trim().is_empty() => Ok(None),
        other => Ok(other.map(|t| t.trim().to_owned())),
    }
}

/// Which day a seat must be held on: exactly one of the two.
#[derive(async_graphql::OneofObject, Clone, Copy, Debug)]
pub enum SeatHeld {
    /// Held on this day.
    On(Date),
    /// Held today (`true`; omit `held` for every seat).
    Today(bool),
}

/// Which seats to list.
#[derive(InputObject, Default, Clone, Copy)]
pub struct SeatFilter {
    /// Only seats held on a day (a date, or today); every seat, past and
    /// present, without it.
    pub held: Option<SeatHeld>,
    /// Only seats of this role.
    pub role: Option<PositionRole>,
    /// Only seats on (true) or off (false) the standing committee.
    pub standing: Option<bool>,
}

impl SeatFilter {
    /// The scope this filter selects, with `today` for `held: {today: true}`.
    pub fn scope(&self, today: NaiveDate) -> AppResult<PositionScope> {
        let active_at = match self.held {
            None => None,
            Some(SeatHeld::On(day)) => Some(day.0),
            Some(SeatHeld::Today(true)) => Some(today),
            Some(SeatHeld::Today(false)) => {
                return Err(AppError::bad_input(
                    &["filter", "held", "today"],
                    "only `today: true` is a day; omit `held` for every seat",
                ));
            }
        };
        Ok(PositionScope { active_at, role: self.role.map(Into::into), standing: self.standing })
    }
}

/// Which committees to list.
#[derive(InputObject, Default)]
pub struct CommitteeFilter {
    /// Only committees of this level.
    pub level: Option<CommitteeLevel>,
    /// Only committees with this status.
    pub status: Option<CommitteeStatus>,
    /// Only committees whose name contains this text (ignoring case and
    /// Vietnamese diacritics, at most 100 characters).
    pub name_contains: Option<String>,
}

impl CommitteeFilter {
    /// The filter as the database applies it, the same at the top level and nested.
    pub fn checked(self, parent_id: Option<i64>) -> AppResult<committees::CommitteeFilter> {
        Ok(committees::CommitteeFilter {
            level: self.level.map(Into::into),
            status: self.status.map(Into::into),
            name_contains: name_filter(self.name_contains, &["filter", "nameContains"])?,
            parent_id,
        })
    }
}

/// Which people to list.
#[derive(InputObject, Default)]
pub struct PersonFilter {
    /// Only people whose name contains this text (ignoring case and
    /// Vietnamese diacritics, at most 100 characters).
    pub name_contains: Option<String>,
    /// Only Party members (true) or non-members (false).
    pub party_member: Option<bool>,
}

/// Which agencies to list.
#[derive(InputObject, Default, Clone, Copy)]
pub struct AgencyFilter {
    /// Only agencies of this kind.
    pub kind: Option<AgencyKind>,
}

/// What committees can be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CommitteeOrderField {
    /// By code.
    Code,
    /// By name.
    Name,
    /// By date established.
    EstablishedOn,
}

/// How to sort committees. Ties are broken by creation order.
#[derive(InputObject)]
pub struct CommitteeOrder {
    /// The field to sort by.
    pub field: CommitteeOrderField,
    /// The direction (ascending by default).
    #[graphql(default)]
    pub direction: Direction,
}

/// What people can be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PersonOrderField {
    /// By full name.
    FullName,
}

/// How to sort people. Ties are broken by creation order.
#[derive(InputObject)]
pub struct PersonOrder {
    /// The field to sort by.
    pub field: PersonOrderField,
    /// The direction (ascending by default).
    #[graphql(default)]
    pub direction: Direction,
}

/// What seats can be sorted by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum PositionOrderField {
    /// By the first day of the term.
    StartOn,
}

/// How to sort seats. Ties are broken by creation order.
#[derive(InputObject)]
pub struct PositionOrder {
    /// The field to sort by.
    pub field: PositionOrderField,
    /// The direction (ascending by default).
    #[graphql(default)]
    pub direction: Direction,
}
