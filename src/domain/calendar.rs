//! The committees' calendar. A decision takes effect on a day of the
//! committees' own calendar (Asia/Ho_Chi_Minh unless configured), not of the
//! server's clock: a decision recorded at 06:30 in Hanoi on 1 July is dated
//! 1 July although it is still 30 June in UTC.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    zone: Tz,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar { zone: chrono_tz::Asia::Ho_Chi_Minh }
    }
}

impl Calendar {
    /// The calendar of an IANA time zone, e.g. `Asia/Ho_Chi_Minh`.
    pub fn parse(name: &str) -> Result<Calendar, String> {
        name.parse::<Tz>()
            .map(|zone| Calendar { zone })
            .map_err(|_| format!("`{name}` is not an IANA time zone (e.g. Asia/Ho_Chi_Minh)"))
    }

    pub fn zone(&self) -> &'static str {
        self.zone.name()
    }

    /// Today, in the committees' calendar.
    pub fn today(&self) -> NaiveDate {
        self.day_of(Utc::now())
    }

    /// The day an instant falls on.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The first instant after the day `on` ends: what "recorded by the end
    /// of that day" is measured against. `None` past the calendar's range.
    pub fn end_of(&self, on: NaiveDate) -> Option<DateTime<Utc>> {
        let next = on.succ_opt()?.and_hms_opt(0, 0, 0)?;
        // Midnight exists in every zone steerql is configured for; where a
        // shift skips it, the earliest instant of the day is taken.
        let local = self.zone.from_local_datetime(&next).earliest()?;
        Some(local.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_morning_in_hanoi_is_the_next_day_while_utc_is_still_on_the_previous_one() {
        let cal = Calendar::default();
        let at = DateTime::parse_from_rfc3339("2024-06-30T23:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(cal.day_of(at), NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
        let end = cal.end_of(NaiveDate::from_ymd_opt(2024, 7, 1).unwrap()).unwrap();
        assert_eq!(end.to_rfc3339(), "2024-07-01T17:00:00+00:00");
    }

    #[test]
    fn an_unknown_zone_is_refused_by_name() {
        assert!(Calendar::parse("Mars/Olympus").unwrap_err().contains("Mars/Olympus"));
        assert_eq!(Calendar::parse("Europe/Paris").unwrap().zone(), "Europe/Paris");
    }
}
