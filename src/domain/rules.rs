//! The organisation's rules as plain functions: given the facts a write needs
//! (loaded and locked by its service), each decides and returns a typed
//! [`Violation`], never SQL or an API path. The database enforces the same
//! rules (`db::constraints`) for writers that race or bypass these.

use chrono::NaiveDate;

use super::org::{CommitteeLevel, CommitteeStatus, SeatRole};

/// A rule the requested change would break.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("committee {code} is no longer active")]
    CommitteeInactive { code: String },
    #[error("must not be before the committee was established ({established_on})")]
    SeatBeforeCommittee { established_on: NaiveDate },
    #[error("the person already holds a seat on this committee for an overlapping term (from {start_on})")]
    PersonAlreadySeated { start_on: NaiveDate },
    #[error("the committee already has a {} for an overlapping term (from {start_on}); end that seat first", role.as_str())]
    SeatTaken { role: SeatRole, start_on: NaiveDate },
    #[error("the seat has already ended")]
    SeatEnded,
    #[error("must not be before the start date {start_on}")]
    EndBeforeStart { start_on: NaiveDate },
    #[error("a committee cannot be merged into itself")]
    MergeIntoItself,
    #[error("only provincial committees are merged")]
    MergeNotProvincial,
    #[error("must be after the committee was established ({established_on})")]
    MergeBeforeEstablished { established_on: NaiveDate },
    #[error("a seat of the merged committee starts on {start_on}, on or after the merge; end it before")]
    SeatAfterMerge { start_on: NaiveDate },
    #[error("must not be after the committee's first seat starts ({start_on})")]
    EstablishedAfterSeat { start_on: NaiveDate },
}

impl Violation {
    /// The input field the violation is about, where there is one.
    pub fn field(&self) -> Option<&'static str> {
        Some(match self {
            Violation::SeatBeforeCommittee { .. } => "startOn",
            Violation::EndBeforeStart { .. } => "endOn",
            Violation::MergeIntoItself => "successorId",
            Violation::MergeBeforeEstablished { .. } => "effectiveOn",
            Violation::EstablishedAfterSeat { .. } => "establishedOn",
            Violation::MergeNotProvincial => return None,
            _ => return None,
        })
    }

    /// Whether the request is fine but the records' present state refuses it
    /// (`CONFLICT`), rather than the request itself being wrong (`BAD_USER_INPUT`).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Violation::CommitteeInactive { .. }
                | Violation::PersonAlreadySeated { .. }
                | Violation::SeatTaken { .. }
                | Violation::SeatEnded
                | Violation::SeatAfterMerge { .. }
        )
    }
}

/// What the rules need to know of a committee.
#[derive(Clone, Debug)]
pub struct CommitteeFacts {
    pub code: String,
    pub level: Option<CommitteeLevel>,
    pub status: Option<CommitteeStatus>,
    pub established_on: NaiveDate,
}

/// A seat's holder, role and term (`end_on` inclusive, open if none).
#[derive(Clone, Copy, Debug)]
pub struct SeatFacts {
    pub person_id: i64,
    pub role: Option<SeatRole>,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

impl SeatFacts {
    /// Whether two terms share at least one day.
    pub fn overlaps(&self, start_on: NaiveDate, end_on: Option<NaiveDate>) -> bool {
        self.start_on <= end_on.unwrap_or(NaiveDate::MAX) && start_on <= self.end_on.unwrap_or(NaiveDate::MAX)
    }
}

/// Writing to `committee` or registering something with it (a matter, a
/// person, a change to it): only while it is active. A merged committee
/// keeps its history; its heir takes what is new.
pub fn active(committee: &CommitteeFacts) -> Result<(), Violation> {
    match committee.status {
        Some(CommitteeStatus::Active) => Ok(()),
        _ => Err(Violation::CommitteeInactive { code: committee.code.clone() }),
    }
}

/// Seating `new` on `committee`, whose seats (any term that has not ended
/// before `new` starts) are `seats`. A committee has one head and one
/// standing deputy head at a time, and a person one seat per committee.
pub fn appointment(committee: &CommitteeFacts, seats: &[SeatFacts], new: &SeatFacts) -> Result<(), Violation> {
    active(committee)?;
    if new.start_on < committee.established_on {
        return Err(Violation::SeatBeforeCommittee { established_on: committee.established_on });
    }
    let overlapping = seats.iter().filter(|s| s.overlaps(new.start_on, new.end_on));
    for seat in overlapping {
        if seat.person_id == new.person_id {
            return Err(Violation::PersonAlreadySeated { start_on: seat.start_on });
        }
        if let Some(role) = new.role.filter(|r| r.is_single_seat())
            && seat.role == Some(role)
        {
            return Err(Violation::SeatTaken { role, start_on: seat.start_on });
        }
    }
    Ok(())
}

/// Ending `seat` on `end_on` (its last day).
pub fn end_of_term(seat: &SeatFacts, end_on: NaiveDate) -> Result<NaiveDate, Violation> {
    if seat.end_on.is_some() {
        return Err(Violation::SeatEnded);
    }
    if end_on < seat.start_on {
        return Err(Violation::EndBeforeStart { start_on: seat.start_on });
    }
    Ok(end_on)
}

/// Merging `merged` into `successor` from `effective_on`; `latest_start` is
/// the latest start of the merged committee's seats. Returns the last day of
/// the merged committee's open seats.
pub fn merge(
    merged: &CommitteeFacts,
    successor: &CommitteeFacts,
    same: bool,
    effective_on: NaiveDate,
    latest_start: Option<NaiveDate>,
) -> Result<NaiveDate, Violation> {
    if same {
        return Err(Violation::MergeIntoItself);
    }
    for c in [merged, successor] {
        if c.level != Some(CommitteeLevel::Provincial) {
            return Err(Violation::MergeNotProvincial);
        }
        if c.status != Some(CommitteeStatus::Active) {
            return Err(Violation::CommitteeInactive { code: c.code.clone() });
        }
    }
    if effective_on <= merged.established_on {
        return Err(Violation::MergeBeforeEstablished { established_on: merged.established_on });
    }
    if let Some(start_on) = latest_start.filter(|s| *s >= effective_on) {
        return Err(Violation::SeatAfterMerge { start_on });
    }
    Ok(effective_on.pred_opt().unwrap_or(effective_on))
}

/// Moving a committee's establishment date to `established_on`, when its
/// earliest seat starts on `earliest_start`.
pub fn establishment(established_on: NaiveDate, earliest_start: Option<NaiveDate>) -> Result<(), Violation> {
    match earliest_start {
        Some(start_on) if start_on < established_on => Err(Violation::EstablishedAfterSeat { start_on }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn committee() -> CommitteeFacts {
        CommitteeFacts {
            code: "BAC_KAN".into(),
            level: Some(CommitteeLevel::Provincial),
            status: Some(CommitteeStatus::Active),
            established_on: d(2022, 6, 1),
        }
    }

    fn seat(person_id: i64, role: SeatRole, start_on: NaiveDate, end_on: Option<NaiveDate>) -> SeatFacts {
        SeatFacts { person_id, role: Some(role), start_on, end_on }
    }

    #[test]
    fn a_head_appointed_later_still_overlaps_an_open_head_seat_that_starts_earlier() {
        // The case: a HEAD from 2027 exists; a HEAD from 2026-03 (open) would overlap it.
        let seats = [seat(2, SeatRole::Head, d(2027, 1, 1), None)];
        let new = seat(3, SeatRole::Head, d(2026, 3, 1), None);
        assert!(matches!(appointment(&committee(), &seats, &new), Err(Violation::SeatTaken { .. })));
    }

    #[test]
    fn seats_that_ended_before_the_new_term_do_not_block_it() {
        let seats = [seat(1, SeatRole::Head, d(2022, 6, 1), Some(d(2026, 1, 31)))];
        assert!(appointment(&committee(), &seats, &seat(2, SeatRole::Head, d(2026, 2, 1), None)).is_ok());
        assert!(appointment(&committee(), &seats, &seat(1, SeatRole::Member, d(2026, 2, 1), None)).is_ok());
        let same_day = seat(2, SeatRole::Head, d(2026, 1, 31), None);
        assert!(appointment(&committee(), &seats, &same_day).is_err());
    }

    #[test]
    fn members_may_be_many_but_a_person_sits_once() {
        let seats = [seat(1, SeatRole::Member, d(2022, 6, 1), None)];
        assert!(appointment(&committee(), &seats, &seat(2, SeatRole::Member, d(2023, 1, 1), None)).is_ok());
        let again = seat(1, SeatRole::DeputyHead, d(2023, 1, 1), None);
        assert!(matches!(appointment(&committee(), &seats, &again), Err(Violation::PersonAlreadySeated { .. })));
    }

    #[test]
    fn a_term_cannot_end_before_it_starts_or_end_twice() {
        let open = seat(1, SeatRole::Member, d(2024, 1, 2), None);
        assert_eq!(end_of_term(&open, d(2024, 1, 1)), Err(Violation::EndBeforeStart { start_on: d(2024, 1, 2) }));
        assert_eq!(end_of_term(&open, d(2024, 1, 2)), Ok(d(2024, 1, 2)));
        let ended = seat(1, SeatRole::Member, d(2024, 1, 2), Some(d(2024, 2, 1)));
        assert_eq!(end_of_term(&ended, d(2024, 3, 1)), Err(Violation::SeatEnded));
    }

    #[test]
    fn a_committee_cannot_be_established_after_its_first_seat() {
        assert!(establishment(d(2100, 12, 31), Some(d(2022, 6, 1))).is_err());
        assert!(establishment(d(2022, 6, 1), Some(d(2022, 6, 1))).is_ok());
        assert!(establishment(d(2100, 12, 31), None).is_ok());
    }

    #[test]
    fn a_merge_ends_seats_the_day_before_and_refuses_seats_starting_later() {
        let (a, b) = (committee(), CommitteeFacts { code: "CAO_BANG".into(), ..committee() });
        assert_eq!(merge(&a, &b, false, d(2025, 7, 1), Some(d(2024, 1, 1))), Ok(d(2025, 6, 30)));
        assert!(matches!(
            merge(&a, &b, false, d(2025, 7, 1), Some(d(2025, 7, 1))),
            Err(Violation::SeatAfterMerge { .. })
        ));
        assert_eq!(merge(&a, &a, true, d(2025, 7, 1), None), Err(Violation::MergeIntoItself));
    }
}
